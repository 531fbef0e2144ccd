/* libwebsockets glue, the server: the lws context with the HTTPS/WSS vhost and the plain-HTTP
 * redirect vhost, the protocols table and the dispatch of the main protocol's callbacks to
 * http_conn.c and ws_conn.c, the event loop with the worker pools' wake-ups, the stop signal
 * and the graceful shutdown. The glue files (server.c, http_conn.c, ws_conn.c, redirect.c,
 * overflow.c) are the only ones that include libwebsockets.h; they share srv_internal.h. They
 * write only from WRITEABLE callbacks, coalescing queued WebSocket frames into one write per
 * callback. */
#include "srv_internal.h"
#include "log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Client address without the IPv4-mapped prefix. */
void srv_peer(struct lws *wsi, char *out, size_t cap) {
    char tmp[64] = "";
    if (!lws_get_peer_simple(wsi, tmp, sizeof tmp)) tmp[0] = '\0';
    snprintf(out, cap, "%.63s", strncmp(tmp, "::ffff:", 7) == 0 ? tmp + 7 : tmp);
}

/* ---- the protocol callbacks ---- */

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
        return s && s->shutting_down ? -1 : 0;
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
        return ws_conn_confirm_upgrade(s, wsi, in ? (const char *)in : "");
    case LWS_CALLBACK_ESTABLISHED:
        if (!c) return -1;
        ws_conn_open(s, c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c || c->kind != 2) return -1;
        return ws_conn_receive(s, &c->ws, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!c || c->kind != 2) return 0;
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

static void flush_timer(lws_sorted_usec_list_t *sul) {
    srv_t *s = lws_container_of(sul, srv_t, flush_sul);
    log_flush();
    lws_sul_schedule(s->ctx, 0, &s->flush_sul, flush_timer, 250 * LWS_US_PER_MS);
}

int srv_create(srv_t **out, const config_t *cfg, const char *cert, const char *key, const srv_handlers_t *h,
               void *app, metrics_t *metrics, char *err, size_t errlen) {
    srv_t *s = xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->h = *h;
    s->app = app;
    s->m = metrics;
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
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        snprintf(err, errlen, "could not create the libwebsockets context");
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
            free(s);
            return ERR_IO;
        }
    }
    lws_sul_schedule(s->ctx, 0, &s->flush_sul, flush_timer, 250 * LWS_US_PER_MS);
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
    int rc = lws_service(s->ctx, 0);
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

int srv_run(srv_t *s) {
    while (!s->stop)
        if (service(s) < 0) break;
    /* graceful: refuse new connections, close every WebSocket with 1001, let them finish */
    s->shutting_down = true;
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

/* ---- loop timers (timer.h) ---- */

struct net_timer {
    srv_t *srv;                 /* NULL once srv_destroy has passed */
    lws_sorted_usec_list_t sul;
    void (*fn)(void *arg);
    void *arg;
    struct net_timer *prev, *next; /* srv->timers */
};

static void timer_fired(lws_sorted_usec_list_t *sul) {
    struct net_timer *t = lws_container_of(sul, struct net_timer, sul);
    t->fn(t->arg); /* may re-arm, cancel or free t: nothing of t is used after */
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
    uint64_t now = now_mono_us();
    /* lws 4.1 takes a delay from now (lws_now_usecs, CLOCK_MONOTONIC like now_mono_us) */
    lws_usec_t delay = at_us > now ? (lws_usec_t)(at_us - now) : 0;
    lws_sul_cancel(&t->sul);
    lws_sul_schedule(t->srv->ctx, 0, &t->sul, timer_fired, delay);
}

void net_timer_cancel(net_timer_t *t) {
    if (t->srv) lws_sul_cancel(&t->sul);
}

void srv_timer_free(net_timer_t *t) {
    if (!t) return;
    if (t->srv) {
        lws_sul_cancel(&t->sul);
        if (t->prev) t->prev->next = t->next; else t->srv->timers = t->next;
        if (t->next) t->next->prev = t->prev;
    }
    free(t);
}

void srv_destroy(srv_t *s) {
    if (!s) return;
    for (struct net_timer *t = s->timers, *next; t; t = next) {
        next = t->next;
        lws_sul_cancel(&t->sul);
        t->srv = NULL;
        t->prev = t->next = NULL;
    }
    s->timers = NULL;
    lws_sul_cancel(&s->flush_sul);
    ws_conn_pacing_stop(s);
    lws_context_destroy(s->ctx);
    free(s);
}
