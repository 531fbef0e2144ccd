/* libwebsockets glue, the server: the lws context with the HTTPS/WSS vhost and the plain-HTTP
 * redirect vhost, the protocols table and the dispatch of the main protocol's callbacks to
 * http_conn.c and ws_conn.c, the event loop (libev's epoll under lws, or lws's poll) with the
 * worker pools' wake-ups, the loop timers (one timerfd), the stop signal and the graceful
 * shutdown. The glue files (server.c, http_conn.c, ws_conn.c, redirect.c, overflow.c) are the
 * only ones that include libwebsockets.h; they share srv_internal.h. They write from WRITEABLE
 * callbacks (realtime sockets also at the end of the loop turn or timer run that queued their
 * frames: ws_conn.c), coalescing queued WebSocket frames into one write. */
#include "srv_internal.h"
#include "log.h"

#include <dlfcn.h>
#include <ev.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Client address without the IPv4-mapped prefix. */
void srv_peer(struct lws *wsi, char *out, size_t cap) {
    char tmp[64] = "";
    if (!lws_get_peer_simple(wsi, tmp, sizeof tmp)) tmp[0] = '\0';
    snprintf(out, cap, "%.63s", strncmp(tmp, "::ffff:", 7) == 0 ? tmp + 7 : tmp);
}

/* ---- connection caps (admit.h; docs/security.md "Availability (issue 16)") ----
 *
 * FILTER_NETWORK_CONNECTION sees each accepted socket's address before libwebsockets does
 * anything with it (no TLS, no header slot yet): past a per-address cap it is closed there.
 * Its WSI_CREATE follows at once (the same accept), which records it; WSI_DESTROY, libwebsockets'
 * last word on every connection whatever its state, forgets it. At a global cap (every
 * connection, or those in the handshake phase) the listeners stop being polled, so new
 * connections wait in the kernel's backlog instead of being reset, and are polled again when
 * one closes. A connection whose TLS handshake and first request head are not complete within
 * HANDSHAKE_TIMEOUT of its accept is closed (the timer below). */

static void metrics_sync(srv_t *s) {
    s->m->conns_open = (int64_t)admit_conns(s->admit);
    s->m->handshakes_open = (int64_t)admit_handshakes(s->admit);
}

static void accepts_set(srv_t *s) {
    if (s->shutting_down) return;   /* the listeners may be gone */
    bool full = admit_conns(s->admit) >= admit_limits(s->admit)->max_conns ||
                admit_handshakes(s->admit) >= admit_limits(s->admit)->max_handshakes;
    bool gate = full || s->emfile_pause;
    if (gate == s->accepts_gated) return;
    s->accepts_gated = gate;
    if (gate) s->m->accept_pauses++;
    for (int i = 0; i < s->n_listeners; i++) lws_rx_flow_control(s->listeners[i], gate ? 0 : 1);
}

static void emfile_resume(void *arg) {
    srv_t *s = arg;
    s->emfile_pause = false;
    accepts_set(s);
}

void srv_accept_failed(srv_t *s) {
    if (!s || s->emfile_pause || !s->emfile_timer) return;
    s->emfile_pause = true;
    accepts_set(s);
    net_timer_at(s->emfile_timer, now_mono_us() + 100 * 1000u);
}

static void hs_arm(srv_t *s) {
    uint64_t oldest = admit_oldest_us(s->admit);
    if (oldest) net_timer_at(s->hs_timer, oldest + (uint64_t)s->cfg->handshake_timeout_s * 1000000u);
}

/* The oldest connections in the handshake phase past HANDSHAKE_TIMEOUT are closed. */
static void hs_timer(void *arg) {
    srv_t *s = arg;
    uint64_t to = (uint64_t)s->cfg->handshake_timeout_s * 1000000u, now = now_mono_us();
    const void *k;
    while (now > to && (k = admit_expired(s->admit, now - to))) {
        s->m->handshake_timeouts++;
        lws_set_timeout((struct lws *)(uintptr_t)k, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
    hs_arm(s);
}

static void listener_note(srv_t *s, struct lws *lwsi) {
    for (int i = 0; i < s->n_listeners; i++)
        if (s->listeners[i] == lwsi) return;
    if (s->n_listeners < (int)(sizeof s->listeners / sizeof s->listeners[0])) s->listeners[s->n_listeners++] = lwsi;
}

int srv_conn_event(srv_t *s, struct lws *wsi, enum lws_callback_reasons reason, void *user) {
    if (!s || !s->admit) return 0;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        const struct lws_filter_network_conn_args *f = user;
        s->accept_pending = false;
        listener_note(s, wsi);
        if (s->shutting_down) return -1;
        if (!f || !admit_addr_from(&f->cli_addr, &s->accept_addr)) return 0; /* not IP: not counted */
        admit_verdict_t v = admit_check(s->admit, &s->accept_addr);
        if (v != ADMIT_OK) {
            s->m->conns_refused++;
            accepts_set(s);
            return -1;
        }
        s->accept_pending = true;
        return 0;
    }
    case LWS_CALLBACK_WSI_CREATE:
        if (!s->accept_pending) return 0;
        s->accept_pending = false;
        bool first = admit_oldest_us(s->admit) == 0;
        admit_add(s->admit, wsi, &s->accept_addr, now_mono_us());
        if (first) hs_arm(s);
        metrics_sync(s);
        accepts_set(s);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        admit_remove(s->admit, wsi);
        metrics_sync(s);
        accepts_set(s);
        return 0;
    default:
        return 0;
    }
}

void srv_conn_active(srv_t *s, struct lws *wsi) {
    if (!s || !s->admit) return;
    admit_active(s->admit, wsi);
    metrics_sync(s);
    accepts_set(s);
}

/* The caps from the configuration and the descriptor limit. */
static admit_t *admit_make(const config_t *cfg) {
    struct rlimit rl;
    size_t fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (size_t)rl.rlim_cur : 1048576;
    size_t max = fds > LIM_FD_RESERVE + 16 ? fds - LIM_FD_RESERVE : 16;
    if (cfg->max_connections > 0 && (size_t)cfg->max_connections < max) max = (size_t)cfg->max_connections;
    size_t half = max / 2 ? max / 2 : 1;
    admit_limits_t lim = {
        .max_conns = max,
        .max_handshakes = LIM_HTTP_HEADER_POOL * 3 / 4 < max ? LIM_HTTP_HEADER_POOL * 3 / 4 : max,
        .per_addr = cfg->conn_per_address > 0 ? ((size_t)cfg->conn_per_address < half ? (size_t)cfg->conn_per_address : half) : 0,
        .handshakes_per_addr = (size_t)cfg->handshakes_per_address,
        .ws_per_addr = (size_t)cfg->ws_per_address,
    };
    log_msg("info", "connections: at most %zu (descriptor limit %zu), %zu per address, %zu in handshake (%zu per address, %d s), "
            "%zu WebSockets per address", lim.max_conns, fds, lim.per_addr, lim.max_handshakes, lim.handshakes_per_addr,
            cfg->handshake_timeout_s, lim.ws_per_addr);
    return admit_create(&lim);
}

/* ---- the protocol callbacks ---- */

static void timers_run(srv_t *s);

/* Runs the loop timers now if they are due (one clock read). Called before each socket's
 * input and write: libev hands out a batch of ready sockets in its own order, and the timerfd
 * is one of them, so a tick due in the middle of a batch (~830 snapshot writes a tick at 1,250
 * games, inputs and PINGs) would wait for the rest of it; this way it waits for one callback
 * at most. Not re-entered (timers_run's own writes call no receive callback). */
static void timers_if_due(srv_t *s) {
    if (s->tfd_at && !s->in_timers && s->tfd_at <= now_mono_us()) timers_run(s);
}

static int cb_main(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    struct lws_context *ctx = lws_get_context(wsi);
    srv_t *s = ctx ? lws_context_user(ctx) : NULL;
    conn_t *c = user;
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* idle TLS connections give their read/write buffers back (about 32 KB each) */
        SSL_CTX_set_mode((SSL_CTX *)user, SSL_MODE_RELEASE_BUFFERS);
        SSL_CTX_set_msg_callback((SSL_CTX *)user, overflow_tls_msg_cb);
        return 0;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    case LWS_CALLBACK_WSI_CREATE:
    case LWS_CALLBACK_WSI_DESTROY:
        return srv_conn_event(s, wsi, reason, user);
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        for (int i = 0; s && i < s->n_pools; i++) pool_run_completions(s->pools[i]);
        return 0;
    case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        if (s && c) http_conn_bind(s, c);
        return 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (s && c) http_conn_drop(s, c);
        return 0;
    case LWS_CALLBACK_HTTP:
        srv_conn_active(s, wsi);
        if (!c) return -1;
        return http_conn_head(s, c, wsi, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        if (c) http_conn_body(c, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (c && c->req && !c->req->answered) return http_conn_dispatch(s, wsi, c->req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (c && c->req && c->req->answered) return http_conn_write(s, wsi, c->req, true);
        return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        srv_conn_active(s, wsi);
        return ws_conn_confirm_upgrade(s, wsi, in ? (const char *)in : "");
    case LWS_CALLBACK_ESTABLISHED:
        if (!c) return -1;
        ws_conn_open(s, c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c || c->kind != 2) return -1;
        timers_if_due(s);
        return ws_conn_receive(s, &c->ws, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!c || c->kind != 2) return 0;
        timers_if_due(s);
        return ws_conn_writeable(s, &c->ws);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (!c) return 0;
        ws_conn_peer_closing(&c->ws, in, len);
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (c && c->kind == 2) ws_conn_closed(s, &c->ws);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols PROTOCOLS_MAIN[] = {
    /* tx_packet_size must be set: 0 would cap every send at rx_buffer_size */
    { "pongd", cb_main, sizeof(conn_t), LIM_WS_RX_CHUNK, 0, NULL, LIM_TX_PACKET_BYTES },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};
static const struct lws_protocols PROTOCOLS_REDIRECT[] = {
    { "pongd-redirect", redirect_callback, 0, 1024, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void flush_timer(void *arg) {
    srv_t *s = arg;
    log_flush();
    net_timer_at(s->flush_timer, now_mono_us() + 250 * 1000u);
}

static int timers_start(srv_t *s, char *err, size_t errlen);

/* ---- the event loop: libev's epoll under lws, or lws's own poll() ----
 *
 * lws 4.1's own loop calls poll() over every socket at each wake-up: on this VM about 0.5 µs
 * per socket, so ~1 ms per wake-up with 2,000 game sockets, and the loop wakes at every tick
 * and at nearly every input (docs/performance.md, "Remote games"). With LWS_SERVER_OPTION_LIBEV
 * and our own loop as lws's foreign loop, libev waits with epoll (cost per ready socket, not per
 * socket) and srv_run still runs one turn at a time (ev_run EVRUN_ONCE), so the pools' kick,
 * the realtime flush and the stop flag work as before. libev is bound at run time (dlopen of
 * the libev.so.4 that lws's evlib plugin uses): pongd does not link it. If it, or lws's plugin,
 * is missing — or PONGD_LOOP=poll — the server runs on lws's poll() loop as before. */
static bool libev_open(srv_libev_t *e) {
    memset(e, 0, sizeof *e);
    e->dl = dlopen("libev.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!e->dl) return false;
    *(void **)&e->loop_new = dlsym(e->dl, "ev_loop_new");
    *(void **)&e->run = dlsym(e->dl, "ev_run");
    *(void **)&e->loop_destroy = dlsym(e->dl, "ev_loop_destroy");
    if (e->loop_new && e->run && e->loop_destroy) return true;
    dlclose(e->dl);
    memset(e, 0, sizeof *e);
    return false;
}

/* The lws context on libev if possible (s->evloop set), else on lws's poll loop. */
static struct lws_context *context_create(srv_t *s, struct lws_context_creation_info *info) {
    const char *want = getenv("PONGD_LOOP");
    if (!(want && strcmp(want, "poll") == 0) && libev_open(&s->ev)) {
        s->evloop = s->ev.loop_new(EVBACKEND_EPOLL);
        if (s->evloop) {
            void *loops[1] = { s->evloop };
            struct lws_context_creation_info ev_info = *info;
            ev_info.options |= LWS_SERVER_OPTION_LIBEV;
            ev_info.foreign_loops = loops;
            struct lws_context *ctx = lws_create_context(&ev_info);
            if (ctx) return ctx;
            s->ev.loop_destroy(s->evloop);
            s->evloop = NULL;
        }
        log_msg("warn", "libev event loop unavailable: running on poll()");
        dlclose(s->ev.dl);
        memset(&s->ev, 0, sizeof s->ev);
    }
    return lws_create_context(info);
}

int srv_create(srv_t **out, const config_t *cfg, const char *cert, const char *key, const srv_handlers_t *h,
               void *app, metrics_t *metrics, char *err, size_t errlen) {
    srv_t *s = xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->h = *h;
    s->app = app;
    s->m = metrics;
    s->tfd = -1;
    overflow_init(s);
    lws_set_log_level(getenv("PONGD_LWS_LOG") ? atoi(getenv("PONGD_LWS_LOG")) : LLL_ERR, overflow_lws_log);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.user = s;
    info.max_http_header_data = LIM_HTTP_HEADER_BYTES;
    info.max_http_header_pool = LIM_HTTP_HEADER_POOL;
    info.timeout_secs = (unsigned int)cfg->header_timeout_s;
    info.timeout_secs_ah_idle = (unsigned int)cfg->header_timeout_s;
    info.keepalive_timeout = LIM_HTTP_KEEPALIVE_S;
    info.pt_serv_buf_size = 32768;
    s->admit = admit_make(cfg);
    s->ctx = context_create(s, &info);
    if (!s->ctx) {
        snprintf(err, errlen, "could not create the libwebsockets context");
        admit_destroy(s->admit);
        free(s);
        return ERR_IO;
    }
    s->retry.secs_since_valid_ping = (uint16_t)cfg->ws_ping_interval_s;
    s->retry.secs_since_valid_hangup = (uint16_t)(cfg->ws_ping_interval_s * 2 + 10);

    /* An IPv4 BIND_ADDRESS needs an IPv4 socket, or lws binds the IPv6 wildcard instead. */
    unsigned long long v4only = cfg->bind_address[0] && !strchr(cfg->bind_address, ':') ? LWS_SERVER_OPTION_DISABLE_IPV6 : 0;

    /* HTTPS + WSS */
    memset(&info, 0, sizeof info);
    info.vhost_name = "https";
    info.port = cfg->https_port;
    info.iface = cfg->bind_address[0] ? cfg->bind_address : NULL;
    info.protocols = PROTOCOLS_MAIN;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | v4only;
    info.ssl_cert_filepath = cert;
    info.ssl_private_key_filepath = key;
    info.ssl_cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                           "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                           "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    info.tls1_3_plus_cipher_list = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION |
                           SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION;
    info.alpn = "http/1.1";
    info.retry_and_idle_policy = &s->retry;
    info.keepalive_timeout = LIM_HTTP_KEEPALIVE_S;
    info.timeout_secs = (unsigned int)cfg->header_timeout_s;
    s->vh_tls = lws_create_vhost(s->ctx, &info);
    if (!s->vh_tls) {
        snprintf(err, errlen, "could not listen on HTTPS_PORT %d%s%s (in use, or TLS_CERT/TLS_KEY unreadable)",
                 cfg->https_port, cfg->bind_address[0] ? " at " : "", cfg->bind_address);
        lws_context_destroy(s->ctx);
        admit_destroy(s->admit);
        free(s);
        return ERR_IO;
    }
    if (cfg->http_port) {
        memset(&info, 0, sizeof info);
        info.vhost_name = "redirect";
        info.port = cfg->http_port;
        info.iface = cfg->bind_address[0] ? cfg->bind_address : NULL;
        info.protocols = PROTOCOLS_REDIRECT;
        info.options = v4only;
        info.keepalive_timeout = 5;
        info.timeout_secs = (unsigned int)cfg->header_timeout_s;
        s->vh_redirect = lws_create_vhost(s->ctx, &info);
        if (!s->vh_redirect) {
            snprintf(err, errlen, "could not listen on HTTP_PORT %d (in use?)", cfg->http_port);
            lws_context_destroy(s->ctx);
            admit_destroy(s->admit);
            free(s);
            return ERR_IO;
        }
    }
    if (timers_start(s, err, errlen) != 0) {
        lws_context_destroy(s->ctx);
        admit_destroy(s->admit);
        free(s);
        return ERR_IO;
    }
    s->flush_timer = srv_timer_new(s, flush_timer, s);
    s->hs_timer = srv_timer_new(s, hs_timer, s);
    s->emfile_timer = srv_timer_new(s, emfile_resume, s);
    net_timer_at(s->flush_timer, now_mono_us() + 250 * 1000u);
    ws_conn_pacing_start(s);
    *out = s;
    return 0;
}

void srv_add_pool(srv_t *s, pool_t *pool) {
    if (s->n_pools >= SRV_MAX_POOLS) return;
    s->pools[s->n_pools++] = pool;
    pool_defer_wakeups(pool); /* service() wakes its threads once per turn */
}

void srv_wake(void *sp) {
    srv_t *s = sp;
    lws_cancel_service(s->ctx);
}

void srv_request_stop(srv_t *s) {
    s->stop = 1;
    lws_cancel_service(s->ctx);
}

/* One turn of the loop: wait for events, service them, then wake the pools' threads for the
 * jobs the turn queued (all at once: see pool_defer_wakeups). */
static int service(srv_t *s) {
    int rc = 0;
    if (s->evloop) s->ev.run(s->evloop, EVRUN_ONCE);
    else rc = lws_service(s->ctx, 0);
    ws_conn_flush_direct(s);
    for (int i = 0; i < s->n_pools; i++) pool_kick(s->pools[i]);
    return rc;
}

/* A socket the application is closing its own way (e.g. a game's last snapshot, "over" and
 * 1000) whose queue is not written yet. */
static bool closing_own(const srv_t *s) {
    for (const struct ws_conn *c = s->ws_all; c; c = c->next)
        if (c->close_code && !c->shutdown_close) return true;
    return false;
}

/* Work the shutdown waits for: requests being read, handled or written, connections not yet
 * past their first request head (their request may already be in the socket), and jobs on
 * the worker pools whose completion has not run. */
static bool busy(const srv_t *s) {
    if (s->reqs_open > 0 || admit_handshakes(s->admit) > 0) return true;
    for (int i = 0; i < s->n_pools; i++)
        if (pool_inflight(s->pools[i]) > 0) return true;
    return false;
}

int srv_run(srv_t *s) {
    while (!s->stop)
        if (service(s) < 0) break;
    /* graceful: refuse new connections; let the running requests and jobs finish (up to
     * SHUTDOWN_GRACE; responses now end their connection); then close every WebSocket with
     * 1001 and let them finish */
    s->shutting_down = true;
    uint64_t grace_end = now_mono_us() + (uint64_t)s->cfg->shutdown_grace_s * 1000000u;
    if (busy(s))
        log_msg("info", "stopping: finishing %lld requests (up to %d s)", (long long)s->reqs_open, s->cfg->shutdown_grace_s);
    while (busy(s) && now_mono_us() < grace_end)
        if (service(s) < 0) break;
    if (busy(s)) log_msg("warn", "stopping: %lld requests not finished within SHUTDOWN_GRACE", (long long)s->reqs_open);
    /* the application's last words (games: "interrupted") go ahead of the 1001 */
    if (s->h.on_stop) s->h.on_stop(s->app);
    for (int i = 0; i < s->n_pools; i++) pool_kick(s->pools[i]);   /* jobs on_stop queued (the games' records) */
    log_msg("info", "stopping: closing %lld WebSockets with 1001", (long long)s->m->ws_open);
    /* One shared close frame (1001) queued behind what each socket still has to read, written
     * like any frame; then the context teardown drops the connections. Closing through lws
     * instead would make it wait for each peer's reply on a timer, and lws keeps its timers in
     * a sorted list: 10,000 closes at once cost O(n^2), seconds of CPU. */
    static const char going_away[] = "\x03\xe9server shutting down";
    wsmsg_t *bye = wsmsg_new(WSMSG_CLOSE, going_away, sizeof going_away - 1);
    for (struct ws_conn *c = s->ws_all; c; c = c->next) {
        if (c->close_code) continue; /* already closing its own way */
        c->close_code = LWS_CLOSE_STATUS_GOINGAWAY;
        c->shutdown_close = true;
        if (c->drop_queue) wsmsg_queue_clear(&c->q);
        wsmsg_queue_push(&c->q, bye, SIZE_MAX, UINT32_MAX);
        s->shutdown_pending++;
        lws_callback_on_writable(c->wsi);
    }
    wsmsg_unref(bye);
    uint64_t deadline = now_mono_us() + (uint64_t)LIM_SHUTDOWN_GRACE_MS * 1000u;
    /* until every close frame is written: ours (1001) and the application's own */
    while ((s->shutdown_pending > 0 || closing_own(s)) && s->ws_all && now_mono_us() < deadline)
        if (service(s) < 0) break;
    log_msg("info", "stopped: %lld of the WebSockets' close frames not written in time", (long long)s->shutdown_pending);
    log_flush();
    return 0;
}

/* ---- loop timers (timer.h) ----
 *
 * Every net_timer shares one timerfd (CLOCK_MONOTONIC, absolute deadlines) that sits in lws's
 * poll set as a raw file. Not lws_sul: lws 4.1 polls with the time to its next sul truncated
 * to whole milliseconds, so for the last < 1 ms before a sul is due it calls poll(…, 0) over
 * every socket again and again — measured at 10 games, 60 % of pongd's CPU was that spin
 * before each 60 Hz tick (docs/performance.md, "Remote games"). The timerfd wakes poll() at
 * the deadline itself. The timers are few (the games' tick, the log flush, the pacing
 * timers), so a list scanned on each change is enough; the timerfd is re-armed only when the
 * earliest deadline changes. */

struct net_timer {
    srv_t *srv;                 /* NULL once srv_destroy has passed */
    uint64_t at_us;             /* armed for this CLOCK_MONOTONIC time; 0 = unarmed */
    uint64_t ran;               /* the wake-up (srv->timer_wake) it last ran in */
    void (*fn)(void *arg);
    void *arg;
    struct net_timer *prev, *next; /* srv->timers */
};

/* Points the timerfd at the earliest armed timer (disarms it if none). */
static void timers_sync(srv_t *s) {
    uint64_t at = 0;
    for (const struct net_timer *t = s->timers; t; t = t->next)
        if (t->at_us && (!at || t->at_us < at)) at = t->at_us;
    if (at == s->tfd_at || s->tfd < 0) return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(at / 1000000u);
    its.it_value.tv_nsec = (long)(at % 1000000u) * 1000;
    if (timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
        log_msg("error", "timerfd_settime failed: the loop timers may fire late");
        return;
    }
    s->tfd_at = at;
}

/* The timerfd is readable: runs every timer due now, each at most once per wake-up (a timer
 * re-armed for a past time from its own fn runs at the next one). The list is walked again
 * from its head after each fn, which may arm, cancel or free any timer. */
static void timers_run(srv_t *s) {
    uint64_t expirations;
    if (read(s->tfd, &expirations, sizeof expirations) < 0) { /* EAGAIN: not fired yet (timers_if_due) */ }
    s->tfd_at = 0;              /* a one-shot timerfd is disarmed once it has fired */
    s->in_timers = true;
    uint64_t now = now_mono_us(), wake = ++s->timer_wake;
    for (;;) {
        struct net_timer *t = s->timers;
        while (t && !(t->at_us && t->at_us <= now && t->ran != wake)) t = t->next;
        if (!t) break;
        t->at_us = 0;
        t->ran = wake;
        t->fn(t->arg);
    }
    s->in_timers = false;
    timers_sync(s);
    ws_conn_flush_direct(s);   /* what the timers queued (the games' snapshots) goes out now */
}

static int cb_timer(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user, (void)in, (void)len;
    struct lws_context *ctx = lws_get_context(wsi);
    srv_t *s = ctx ? lws_context_user(ctx) : NULL;
    if (reason == LWS_CALLBACK_RAW_RX_FILE && s && s->tfd >= 0) timers_run(s);
    if (reason == LWS_CALLBACK_RAW_CLOSE_FILE && s) s->tfd = -1; /* lws closes the fd */
    return 0;
}

static const struct lws_protocols PROTOCOLS_TIMER[] = {
    { "pongd-timer", cb_timer, 0, 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* The timerfd and the vhost without a listener that holds it. ERR_IO with a message. */
static int timers_start(srv_t *s, char *err, size_t errlen) {
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.vhost_name = "timers";
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    info.protocols = PROTOCOLS_TIMER;
    struct lws_vhost *vh = lws_create_vhost(s->ctx, &info);
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (!vh || fd < 0) {
        if (fd >= 0) close(fd);
        snprintf(err, errlen, "could not create the loop timer (timerfd)");
        return ERR_IO;
    }
    lws_sock_file_fd_type desc;
    memset(&desc, 0, sizeof desc);
    desc.filefd = fd;
    s->tfd = fd;
    if (!lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, desc, "pongd-timer", NULL)) {
        s->tfd = -1;
        close(fd);
        snprintf(err, errlen, "could not add the loop timer to the event loop");
        return ERR_IO;
    }
    return 0;
}

net_timer_t *srv_timer_new(srv_t *s, void (*fn)(void *arg), void *arg) {
    struct net_timer *t = xcalloc(1, sizeof *t);
    t->srv = s;
    t->fn = fn;
    t->arg = arg;
    t->next = s->timers;
    if (s->timers) s->timers->prev = t;
    s->timers = t;
    return t;
}

void net_timer_at(net_timer_t *t, uint64_t at_us) {
    if (!t->srv) return;
    t->at_us = at_us ? at_us : 1;   /* 0 or past: the timerfd fires at once */
    timers_sync(t->srv);
}

void net_timer_cancel(net_timer_t *t) {
    if (!t->srv || !t->at_us) return;
    t->at_us = 0;
    timers_sync(t->srv);
}

void srv_timer_free(net_timer_t *t) {
    if (!t) return;
    if (t->srv) {
        srv_t *s = t->srv;
        if (t->prev) t->prev->next = t->next; else s->timers = t->next;
        if (t->next) t->next->prev = t->prev;
        if (t->at_us) timers_sync(s);
    }
    free(t);
}

void srv_destroy(srv_t *s) {
    if (!s) return;
    s->shutting_down = true;
    ws_conn_pacing_stop(s);
    srv_timer_free(s->flush_timer);
    srv_timer_free(s->hs_timer);
    srv_timer_free(s->emfile_timer);
    s->flush_timer = s->hs_timer = s->emfile_timer = NULL;
    for (struct net_timer *t = s->timers, *next; t; t = next) {
        next = t->next;
        t->at_us = 0;
        t->srv = NULL;
        t->prev = t->next = NULL;
    }
    s->timers = NULL;
    lws_context_destroy(s->ctx);   /* closes the timerfd with its wsi; a foreign loop is left to us */
    if (s->evloop) s->ev.loop_destroy(s->evloop);
    if (s->ev.dl) dlclose(s->ev.dl);
    admit_destroy(s->admit);
    free(s);
}
