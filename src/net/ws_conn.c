/* ws_conn — the ws.h API over libwebsockets: connections, their output queues, frames
 * coalesced into one write per WRITEABLE callback, write pacing under load, deadlines, slow
 * readers and closing; and the WebSocket upgrade check. The lws callbacks reach it through
 * server.c's dispatch (srv_internal.h); the shutdown's shared 1001 close is in server.c. */
#include "srv_internal.h"
#include "log.h"
#include "path.h"
#include "reqparse.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

_Static_assert(LWS_PRE <= WSMSG_HEADROOM, "wsmsg headroom must cover LWS_PRE");

/* ---- write pacing ---- */

/* Write pacing. Each write costs about the same whether it carries one frame or twenty (a TLS
 * record and a syscall, and on loopback the receiver's TCP work too), so under heavy broadcast
 * load it pays to let frames gather. Light load: a connection with new frames asks for
 * WRITEABLE at once (lowest latency). Busy (more than LIM_WS_BUSY_DELIVERIES queued in the last
 * load window): it joins the paced list, which asks for WRITEABLE for all of its members once
 * per LIM_WS_PACE_US, so each write carries more frames. Realtime (game) sockets are never
 * paced: their frames are few and small, and a snapshot held 10 ms is a snapshot late. */
static void pace_timer(void *arg) {
    srv_t *s = arg;
    s->pace_scheduled = false;
    struct ws_conn *c = s->pace_head;
    s->pace_head = NULL;
    while (c) {
        struct ws_conn *next = c->pace_next;
        c->pace_pending = false;
        c->pace_prev = c->pace_next = NULL;
        lws_callback_on_writable(c->wsi);
        c = next;
    }
}

static void pace_unlink(srv_t *s, struct ws_conn *c) {
    if (!c->pace_pending) return;
    if (c->pace_prev) c->pace_prev->pace_next = c->pace_next; else s->pace_head = c->pace_next;
    if (c->pace_next) c->pace_next->pace_prev = c->pace_prev;
    c->pace_prev = c->pace_next = NULL;
    c->pace_pending = false;
}

static void load_timer(void *arg) {
    srv_t *s = arg;
    /* hysteresis: busy above the threshold, calm again below 60 % of it */
    if (s->window_deliveries > LIM_WS_BUSY_DELIVERIES) s->busy = true;
    else if (s->window_deliveries < LIM_WS_BUSY_DELIVERIES * 6 / 10) s->busy = false;
    s->window_deliveries = 0;
    net_timer_at(s->load_timer, now_mono_us() + LIM_WS_LOAD_WINDOW_US);
}

void ws_conn_pacing_start(srv_t *s) {
    s->load_timer = srv_timer_new(s, load_timer, s);
    s->pace_timer = srv_timer_new(s, pace_timer, s);
    net_timer_at(s->load_timer, now_mono_us() + LIM_WS_LOAD_WINDOW_US);
}

void ws_conn_pacing_stop(srv_t *s) {
    srv_timer_free(s->load_timer);
    srv_timer_free(s->pace_timer);
    s->load_timer = s->pace_timer = NULL;
}

/* ---- realtime sockets: written at the end of the loop turn ----
 *
 * A WRITEABLE round trip per snapshot costs lws a POLLOUT change on the socket, its share of
 * one more poll() over every socket, the dispatch, and the change back. A realtime socket's
 * frames are small and due now, so ws_send puts the socket on the direct list instead, and
 * ws_conn_flush_direct writes it when the timer run or loop turn that queued them ends —
 * from outside any callback of that socket, the same gather + lws_write as WRITEABLE. A
 * socket that is closing, or whose last write lws still holds in part (lws_partial_buffered:
 * the kernel took less than all of it; no system call to ask), is left to WRITEABLE, so a slow reader still gets the newest snapshot (ws_send_latest) and
 * never a growing queue. */
static void direct_add(srv_t *s, struct ws_conn *c) {
    if (c->direct_pending) return;
    c->direct_pending = true;
    c->direct_prev = NULL;
    c->direct_next = s->direct_head;
    if (s->direct_head) s->direct_head->direct_prev = c;
    s->direct_head = c;
}

static void direct_unlink(srv_t *s, struct ws_conn *c) {
    if (!c->direct_pending) return;
    if (c->direct_prev) c->direct_prev->direct_next = c->direct_next; else s->direct_head = c->direct_next;
    if (c->direct_next) c->direct_next->direct_prev = c->direct_prev;
    c->direct_prev = c->direct_next = NULL;
    c->direct_pending = false;
}

static int write_queued(srv_t *s, struct ws_conn *c);

void ws_conn_flush_direct(srv_t *s) {
    while (s->direct_head) {
        struct ws_conn *c = s->direct_head;
        direct_unlink(s, c);
        if (!wsmsg_queue_len(&c->q)) continue;
        if (c->close_code || lws_partial_buffered(c->wsi)) {
            lws_callback_on_writable(c->wsi);
            continue;
        }
        s->m->ws_direct_writes++;
        if (write_queued(s, c) < 0) lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

static void request_write(srv_t *s, struct ws_conn *c) {
    if (c->realtime) {
        direct_add(s, c);
        return;
    }
    if (!s->busy) {
        lws_callback_on_writable(c->wsi);
        return;
    }
    if (c->pace_pending) return;
    c->pace_pending = true;
    c->pace_prev = NULL;
    c->pace_next = s->pace_head;
    if (s->pace_head) s->pace_head->pace_prev = c;
    s->pace_head = c;
    if (!s->pace_scheduled) {
        s->pace_scheduled = true;
        net_timer_at(s->pace_timer, now_mono_us() + LIM_WS_PACE_US);
    }
}

/* ---- sending, deadlines, closing ---- */

/* ws_send and ws_send_latest: slot 0 appends, slot > 0 replaces an unwritten one. */
static int send_slot(ws_conn_t *c, wsmsg_t *m, int slot) {
    if (c->close_code) return ERR_AGAIN;
    int rc = wsmsg_queue_push_slot(&c->q, m, slot, c->srv->cfg->ws_queue_max_bytes, LIM_WS_QUEUE_MSGS);
    if (rc < 0) {
        /* slow reader: drop what it has not taken, tell it why, give it a moment to read */
        c->srv->m->ws_slow_closed++;
        c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
        c->drop_queue = true;
        wsmsg_queue_clear(&c->q);
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LIM_WS_CLOSE_GRACE_S);
        lws_callback_on_writable(c->wsi);
        return ERR_FULL;
    }
    if (rc == WSMSG_REPLACED) { /* its write is already asked for */
        c->srv->m->ws_replaced++;
        return 0;
    }
    c->srv->m->ws_out++;
    c->srv->window_deliveries++;
    if (wsmsg_queue_len(&c->q) == 1) request_write(c->srv, c);
    return 0;
}

int ws_send(ws_conn_t *c, wsmsg_t *m) { return send_slot(c, m, 0); }

int ws_send_latest(ws_conn_t *c, wsmsg_t *m, int slot) { return send_slot(c, m, slot > 0 ? slot : 0); }

int ws_send_text(ws_conn_t *c, span_t text) {
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, text.ptr, text.len);
    int rc = ws_send(c, m);
    wsmsg_unref(m);
    return rc;
}

int ws_send_binary(ws_conn_t *c, const void *p, size_t n) {
    wsmsg_t *m = wsmsg_new(WSMSG_BINARY, p, n);
    int rc = ws_send(c, m);
    wsmsg_unref(m);
    return rc;
}

/* ---- realtime sockets ---- */

bool ws_nodelay(const ws_conn_t *c) {
    int fd = c->wsi ? (int)lws_get_socket_fd(c->wsi) : -1, on = 0;
    socklen_t len = sizeof on;
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) != 0) return false;
    return on != 0;
}

void ws_conn_realtime_drop(srv_t *s, struct ws_conn *c) {
    if (!c->realtime) return;
    c->realtime = false;
    s->m->ws_realtime_open--;
    if (c->realtime_nodelay) s->m->ws_realtime_nodelay--;
    c->realtime_nodelay = false;
}

void ws_set_realtime(ws_conn_t *c, bool on) {
    srv_t *s = c->srv;
    if (!on) {
        ws_conn_realtime_drop(s, c);
        return;
    }
    int fd = c->wsi ? (int)lws_get_socket_fd(c->wsi) : -1, one = 1;
    if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        log_msg("warn", "ws %s: could not set TCP_NODELAY", c->peer);
    if (!c->realtime) {
        c->realtime = true;
        s->m->ws_realtime_open++;
    }
    bool nd = ws_nodelay(c);
    if (nd != c->realtime_nodelay) s->m->ws_realtime_nodelay += nd ? 1 : -1;
    c->realtime_nodelay = nd;
    /* waiting on the paced list: ask for its write now instead */
    if (c->pace_pending) {
        pace_unlink(s, c);
        lws_callback_on_writable(c->wsi);
    }
}

static void bcast_one(void *owner, void *arg) { ws_send(owner, arg); }

void ws_broadcast(room_t *r, wsmsg_t *m) { room_each(r, bcast_one, m); }

/* Marks c for closing once its queue is written. With a grace timeout, lws kills it if the peer
 * does not take the close in time; without (shutdown), srv_run's own deadline does: lws keeps
 * its timeouts in a sorted list, so 10,000 of them at once cost O(n^2) (seconds). */
static void close_start(struct ws_conn *c, int code, bool grace_timeout) {
    if (c->close_code) return;
    c->close_code = code;
    lws_sul_cancel(&c->deadline_sul);
    if (grace_timeout) lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LIM_WS_CLOSE_GRACE_S);
    lws_callback_on_writable(c->wsi);
}

static void deadline_passed(lws_sorted_usec_list_t *sul) {
    struct ws_conn *c = lws_container_of(sul, struct ws_conn, deadline_sul);
    ws_close(c, c->deadline_code, c->deadline_why);
}

void ws_set_deadline(ws_conn_t *c, int seconds, int code, const char *reason) {
    lws_sul_cancel(&c->deadline_sul);
    if (seconds <= 0 || !c->wsi || c->close_code) return;
    c->deadline_code = code;
    snprintf(c->deadline_why, sizeof c->deadline_why, "%s", reason ? reason : "");
    lws_sul_schedule(c->srv->ctx, 0, &c->deadline_sul, deadline_passed, (lws_usec_t)seconds * LWS_US_PER_SEC);
}

void ws_close(ws_conn_t *c, int code, const char *reason) {
    if (c->close_code) return;
    snprintf(c->close_why, sizeof c->close_why, "%s", reason ? reason : "");   /* at most 123 bytes fit a close frame */
    close_start(c, code, true);
}

void *ws_data(const ws_conn_t *c) { return c->data; }
void ws_set_data(ws_conn_t *c, void *d) { c->data = d; }
span_t ws_path(const ws_conn_t *c) { return (span_t){ c->path, c->path_len }; }
const char *ws_peer(const ws_conn_t *c) { return c->peer; }
void *ws_app(const ws_conn_t *c) { return c->srv->app; }

/* ---- the WebSocket callbacks (from server.c's dispatch) ---- */

static const char *close_reason(int code) {
    switch (code) {
    case LWS_CLOSE_STATUS_GOINGAWAY: return "server shutting down";
    case LWS_CLOSE_STATUS_POLICY_VIOLATION: return "too slow: output queue full";
    case LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE: return "message too large";
    default: return "";
    }
}

/* Closes from inside this connection's own callback. */
static int close_now(struct ws_conn *c, int code) {
    const char *why = c->close_why[0] ? c->close_why : close_reason(code);
    lws_close_reason(c->wsi, (enum lws_close_status)code, (unsigned char *)why, strlen(why));
    c->close_code = code;
    return -1;
}

/* Writes what fits of c's queue in one lws_write (WRITEABLE, or a realtime socket's direct
 * write) and asks for WRITEABLE again if more is left. -1: the connection failed. */
static int write_queued(srv_t *s, struct ws_conn *c) {
    unsigned char *b = s->scratch + LWS_PRE;
    uint32_t frames = 0;
    size_t n = wsmsg_queue_gather(&c->q, b, LIM_WS_COALESCE_BYTES, &frames);
    int w;
    if (n) {
        /* pre-framed frames: LWS_WRITE_RAW passes them through unframed, in one write */
        w = lws_write(c->wsi, b, n, LWS_WRITE_RAW);
    } else {
        /* a single frame larger than the coalescing buffer goes out on its own (lws keeps
         * what the socket does not take and writes it before our next WRITEABLE) */
        const unsigned char *p = wsmsg_queue_head_rest(&c->q, &n);
        w = lws_write(c->wsi, (unsigned char *)p, n, LWS_WRITE_RAW);
        if (w > 0) wsmsg_queue_advance(&c->q, (size_t)w);
    }
    if (w < (int)n) return -1;
    s->m->bytes_out += n;
    if (c->shutdown_close && !wsmsg_queue_len(&c->q)) {
        s->shutdown_pending--;
        return 0;
    }
    if (wsmsg_queue_len(&c->q) || c->close_code) lws_callback_on_writable(c->wsi);
    return 0;
}

int ws_conn_writeable(srv_t *s, struct ws_conn *c) {
    if (c->shutdown_close && !wsmsg_queue_len(&c->q)) return 0; /* close frame written; teardown follows */
    if (c->close_code && !c->shutdown_close && (c->drop_queue || !wsmsg_queue_len(&c->q))) return close_now(c, c->close_code);
    if (!wsmsg_queue_len(&c->q)) return 0;
    return write_queued(s, c);
}

static bool origin_allowed(srv_t *s, struct lws *wsi) {
    char origin[256];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0) return false;
    return reqparse_origin_ok(origin, s->cfg->allowed_origins, s->cfg->n_allowed_origins);
}

void ws_conn_open(srv_t *s, conn_t *cc, struct lws *wsi) {
    struct ws_conn *c = &cc->ws;
    if (cc->kind == 1) s->m->http_open--;   /* upgraded: no longer an HTTP connection (its DROP_PROTOCOL never comes) */
    memset(cc, 0, sizeof *cc);
    cc->kind = 2;
    c->srv = s;
    c->wsi = wsi;
    c->t0_us = now_mono_us();
    buf_init(&c->rx, LIM_WS_MESSAGE_BYTES);
    char uri[LIM_WS_PATH_BYTES];
    int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    n = n > 0 ? path_normalise(uri, (size_t)n, c->path, sizeof c->path) : -1;
    c->path_len = n > 0 ? (size_t)n : 0;
    srv_peer(wsi, c->peer, sizeof c->peer);
    c->next = s->ws_all;
    if (s->ws_all) s->ws_all->prev = c;
    s->ws_all = c;
    s->m->ws_open++;
    c->opened = true;
    if (s->cfg->access_log) log_access("ws-open %s %.*s", c->peer, (int)c->path_len, c->path);
    if (!admit_ws_open(s->admit, wsi)) {   /* WS_PER_ADDRESS: the application never sees it */
        c->refused = true;
        s->m->ws_refused++;
        ws_close(c, LIM_WS_TOO_MANY_CODE, LIM_WS_TOO_MANY_REASON);
        return;
    }
    s->h.ws_open(s->app, c);
    if (s->shutting_down) ws_close(c, LWS_CLOSE_STATUS_GOINGAWAY, NULL);
}

void ws_conn_closed(srv_t *s, struct ws_conn *c) {
    lws_sul_cancel(&c->deadline_sul);
    if (!c->opened) return;
    c->opened = false;
    if (c->shutdown_close && wsmsg_queue_len(&c->q)) s->shutdown_pending--;
    pace_unlink(s, c);
    direct_unlink(s, c);
    if (!c->refused) s->h.ws_close(s->app, c);
    ws_conn_realtime_drop(s, c);
    if (c->prev) c->prev->next = c->next; else s->ws_all = c->next;
    if (c->next) c->next->prev = c->prev;
    wsmsg_queue_clear(&c->q);
    buf_free(&c->rx);
    s->m->ws_open--;
    int code = c->peer_close_code ? c->peer_close_code : c->close_code ? c->close_code : 1006;
    if (s->cfg->access_log)
        log_access("ws-close %s %.*s %d %.3fms", c->peer, (int)c->path_len, c->path, code,
                   (double)(now_mono_us() - c->t0_us) / 1000.0);
}

int ws_conn_receive(srv_t *s, struct ws_conn *c, struct lws *wsi, const void *in, size_t len) {
    if (c->close_code) return 0; /* closing: ignore further input */
    bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    size_t remaining = lws_remaining_packet_payload(wsi);
    if (first) {
        c->rx.len = 0;
        c->rx_binary = lws_frame_is_binary(wsi) != 0; /* continuations carry no type */
    }
    if (c->rx.len + len + remaining > LIM_WS_MESSAGE_BYTES) return close_now(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    if (first && final && !remaining) { /* the common case: one whole message, no copy */
        s->m->ws_in++;
        s->h.ws_message(s->app, c, (span_t){ in, len }, c->rx_binary);
        return 0;
    }
    if (buf_append(&c->rx, in, len) < 0) return close_now(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    if (final && !remaining) {
        s->m->ws_in++;
        s->h.ws_message(s->app, c, (span_t){ c->rx.ptr, c->rx.len }, c->rx_binary);
        c->rx.len = 0;
        if (c->rx.cap > 4096) buf_free(&c->rx); /* don't keep a big buffer per idle socket */
    }
    return 0;
}

int ws_conn_confirm_upgrade(srv_t *s, struct lws *wsi, const char *protocol) {
    char uri[LIM_HTTP_URI_BYTES + 1];
    int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    char norm[sizeof uri];
    int nl = n > 0 ? path_normalise(uri, (size_t)n, norm, sizeof norm) : -1;
    int status = 0;
    const char *code = "", *msg = "";
    if (strcmp(protocol, "websocket") != 0) {
        status = 400; code = "bad_upgrade"; msg = "Only WebSocket upgrades are supported.";
    } else if (nl < 0 || (status = s->h.ws_route(s->app, (span_t){ norm, (size_t)nl })) != 0) {
        status = 404; code = "not_found"; msg = "No WebSocket endpoint here.";
    } else if (!origin_allowed(s, wsi)) {
        status = 403; code = "origin_not_allowed"; msg = "This origin may not open WebSockets here.";
    } else if (s->shutting_down) {
        status = 503; code = "shutting_down"; msg = "The server is shutting down.";
    }
    if (!status) return 0;
    /* answer synchronously: the upgrade path has no WRITEABLE for us */
    http_conn_answer_sync(s, wsi, status, nl > 0 ? norm : "-", code, msg);
    return 1;
}

void ws_conn_peer_closing(struct ws_conn *c, const void *in, size_t len) {
    if (len >= 2) c->peer_close_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
    else c->peer_close_code = 1005;
}
