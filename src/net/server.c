/* libwebsockets glue: the only file that includes libwebsockets.h. It turns lws callbacks into
 * the http.h / ws.h API, owns every connection's output queue and writes only from WRITEABLE
 * callbacks, coalescing queued WebSocket frames into one write per callback. */
#include "server.h"
#include "pongd_limits.h"
#include "log.h"
#include "path.h"
#include "policy.h"
#include "reqparse.h"
#include "rate.h"

#include <limits.h>
#include <libwebsockets.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(LWS_PRE <= WSMSG_HEADROOM, "wsmsg headroom must cover LWS_PRE");

/* ---- types ---- */

struct http_req {
    srv_t *srv;
    struct conn *conn;          /* NULL once the client has gone */
    http_method_t method;
    bool held, answered, close_after, in_dispatch;
    bool dispatched;            /* handed to the application (exactly once) */
    char path[LIM_HTTP_URI_BYTES + 1];
    size_t path_len;
    char *query;
    char *hdr[HDR__COUNT];
    buf_t body;
    char peer[64];
    uint64_t t0_us;
    /* response */
    int status;
    char ctype[96];
    char *rh_names[LIM_HTTP_RESP_HEADERS], *rh_values[LIM_HTTP_RESP_HEADERS];
    int n_rh;
    const char *out;
    size_t out_len, out_sent;
    char *out_owned;
    bool headers_sent;
};

struct ws_conn {
    srv_t *srv;
    struct lws *wsi;
    wsmsg_queue_t q;
    void *data;
    char path[LIM_WS_PATH_BYTES];
    size_t path_len;
    char peer[64];
    uint64_t t0_us;
    buf_t rx;                   /* a fragmented message being assembled */
    char close_why[64];         /* the application's close reason (ws_close) */
    int close_code;             /* ours, pending; 0 = none */
    lws_sorted_usec_list_t deadline_sul;   /* ws_set_deadline */
    int deadline_code;
    char deadline_why[64];
    bool drop_queue;            /* close without flushing (slow reader) */
    bool shutdown_close;        /* our 1001 close frame is queued as a raw frame (shutdown) */
    int peer_close_code;
    bool opened;
    struct ws_conn *prev, *next;
    struct ws_conn *pace_prev, *pace_next; /* on the paced-flush list */
    bool pace_pending;
};

typedef struct conn {
    int kind;                   /* 0 none, 1 http, 2 websocket */
    http_req_t *req;
    struct ws_conn ws;
} conn_t;

struct srv {
    const config_t *cfg;
    struct lws_context *ctx;
    struct lws_vhost *vh_tls, *vh_redirect;
    srv_handlers_t h;
    void *app;
    metrics_t *m;
    pool_t *pools[SRV_MAX_POOLS];
    int n_pools;
    volatile sig_atomic_t stop;
    bool shutting_down;
    int64_t shutdown_pending;   /* sockets whose 1001 close frame is not written yet */
    struct ws_conn *ws_all;     /* every open WebSocket, for shutdown */
    lws_sorted_usec_list_t flush_sul;
    /* Write pacing under heavy broadcast load (see ws_send). */
    lws_sorted_usec_list_t load_sul, pace_sul;
    uint32_t window_deliveries;         /* queued in the current load window */
    bool busy, pace_scheduled;
    struct ws_conn *pace_head;
    lws_retry_bo_t retry;
    unsigned char scratch[LWS_PRE + LIM_WS_COALESCE_BYTES + LIM_HTTP_CHUNK_BYTES];
};


/* Client address without the IPv4-mapped prefix. */
static void peer_of(struct lws *wsi, char *out, size_t cap) {
    char tmp[64] = "";
    if (!lws_get_peer_simple(wsi, tmp, sizeof tmp)) tmp[0] = '\0';
    snprintf(out, cap, "%.63s", strncmp(tmp, "::ffff:", 7) == 0 ? tmp + 7 : tmp);
}

/* ---- HTTP requests ---- */


http_method_t http_req_method(const http_req_t *r) { return r->method; }
const char *http_req_method_name(const http_req_t *r) { return http_method_name(r->method); }
span_t http_req_path(const http_req_t *r) { return (span_t){ r->path, r->path_len }; }
span_t http_req_query(const http_req_t *r) { return span_cstr(r->query ? r->query : ""); }
const char *http_req_header(const http_req_t *r, http_hdr_t h) { return h < HDR__COUNT ? r->hdr[h] : NULL; }
span_t http_req_body(const http_req_t *r) { return (span_t){ r->body.ptr ? r->body.ptr : "", r->body.len }; }
/* Looked up on first use: most requests never need the address (one system call each). */
const char *http_req_peer(http_req_t *r) {
    if (!r->peer[0] && r->conn && r->conn->ws.wsi) peer_of(r->conn->ws.wsi, r->peer, sizeof r->peer);
    return r->peer[0] ? r->peer : "-";
}
void *http_req_app(const http_req_t *r) { return r->srv->app; }
void http_req_hold(http_req_t *r) { r->held = true; }
bool http_req_gone(const http_req_t *r) { return r->conn == NULL; }
void http_resp_close(http_req_t *r) { r->close_after = true; }

void http_resp_header(http_req_t *r, const char *name, const char *value) {
    if (r->n_rh == LIM_HTTP_RESP_HEADERS) return;
    size_t nl = strlen(name);
    char *n = xmalloc(nl + 2);
    memcpy(n, name, nl);
    n[nl] = ':';
    n[nl + 1] = '\0';
    r->rh_names[r->n_rh] = n;
    r->rh_values[r->n_rh++] = xstrdup(value);
}

static void req_free(http_req_t *r) {
    if (!r) return;
    free(r->query);
    for (int i = 0; i < HDR__COUNT; i++) free(r->hdr[i]);
    for (int i = 0; i < r->n_rh; i++) { free(r->rh_names[i]); free(r->rh_values[i]); }
    buf_free(&r->body);
    free(r->out_owned);
    free(r);
}

static const enum lws_token_indexes HDR_TOKENS[HDR__COUNT] = {
    [HDR_HOST] = WSI_TOKEN_HOST,
    [HDR_ACCEPT] = WSI_TOKEN_HTTP_ACCEPT,
    [HDR_ACCEPT_ENCODING] = WSI_TOKEN_HTTP_ACCEPT_ENCODING,
    [HDR_IF_NONE_MATCH] = WSI_TOKEN_HTTP_IF_NONE_MATCH,
    [HDR_ORIGIN] = WSI_TOKEN_ORIGIN,
    [HDR_CONTENT_TYPE] = WSI_TOKEN_HTTP_CONTENT_TYPE,
    [HDR_AUTHORIZATION] = WSI_TOKEN_HTTP_AUTHORIZATION,
    [HDR_COOKIE] = WSI_TOKEN_HTTP_COOKIE,
    [HDR_USER_AGENT] = WSI_TOKEN_HTTP_USER_AGENT,
};

/* Copies a header into a new string, or NULL when absent. */
static char *hdr_dup(struct lws *wsi, enum lws_token_indexes t) {
    int n = lws_hdr_total_length(wsi, t);
    if (n <= 0) return NULL;
    char *s = xmalloc((size_t)n + 1);
    if (lws_hdr_copy(wsi, s, n + 1, t) < 0) { free(s); return NULL; }
    return s;
}

static void access_log_http(srv_t *s, http_req_t *r) {
    if (!s->cfg->access_log) return;
    log_access("http %s %s %.*s %d %zu %.3fms", http_req_peer(r), http_method_name(r->method), (int)r->path_len,
               r->path, r->status, r->method == HTTP_HEAD ? (size_t)0 : r->out_len,
               (double)(now_mono_us() - r->t0_us) / 1000.0);
}

/* Writes what is pending of r's response; when complete, logs it and (if owned) frees it.
 * Returns -1 to close the connection. */
static int resp_write(srv_t *s, struct lws *wsi, http_req_t *r, bool owned) {
    /* The head and the first body chunk go out in one write (one TLS record, one syscall). */
    unsigned char *start = s->scratch + LWS_PRE, *p = start;
    unsigned char *end = s->scratch + sizeof s->scratch - 1;
    if (!r->headers_sent) {
        unsigned char *hend = start + 8192; /* the head never needs more */
        if (lws_add_http_header_status(wsi, (unsigned int)r->status, &p, hend)) return -1;
        size_t n_sec;
        const policy_header_t *sec = policy_headers(&n_sec);
        for (size_t i = 0; i < n_sec; i++)
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)sec[i].name, (const unsigned char *)sec[i].value,
                                            (int)strlen(sec[i].value), &p, hend))
                return -1;
        if (r->ctype[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"content-type:",
                                                       (const unsigned char *)r->ctype, (int)strlen(r->ctype), &p, hend))
            return -1;
        for (int i = 0; i < r->n_rh; i++)
            if (lws_add_http_header_by_name(wsi, (const unsigned char *)r->rh_names[i],
                                            (const unsigned char *)r->rh_values[i], (int)strlen(r->rh_values[i]),
                                            &p, hend))
                return -1;
        if (r->close_after &&
            lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:", (const unsigned char *)"close", 5, &p, hend))
            return -1;
        /* by name, not lws_add_http_header_content_length(): lws must not account the body,
         * since the head and body share writes */
        char cl[24];
        int cln = snprintf(cl, sizeof cl, "%zu", r->out_len);
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"content-length:", (unsigned char *)cl, cln, &p, hend))
            return -1;
        if (lws_finalize_http_header(wsi, &p, hend)) return -1;
        r->headers_sent = true;
        if (r->method == HTTP_HEAD) r->out_len = r->out_sent = 0;
    }
    size_t head = (size_t)(p - start);
    size_t n = r->out_len - r->out_sent;
    size_t room = (size_t)(end - p) < LIM_HTTP_CHUNK_BYTES ? (size_t)(end - p) : LIM_HTTP_CHUNK_BYTES;
    if (n > room) n = room;
    if (n) memcpy(p, r->out + r->out_sent, n);
    bool last = r->out_sent + n == r->out_len;
    if (head + n) {
        if (lws_write(wsi, start, head + n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)(head + n)) return -1;
        s->m->bytes_out += n;
    }
    r->out_sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* complete */
    access_log_http(s, r);
    bool close_after = r->close_after;
    if (!owned) return close_after ? -1 : 0;
    conn_t *c = r->conn;
    if (c) c->req = NULL;
    req_free(r);
    if (close_after) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void http_respond(http_req_t *r, int status, const char *ctype, const void *body, size_t len, http_body_t own) {
    if (r->answered) return;
    r->answered = true;
    r->status = status;
    metrics_count_status(r->srv->m, status);
    snprintf(r->ctype, sizeof r->ctype, "%s", ctype ? ctype : "");
    switch (own) {
    case HTTP_BODY_COPY:
        r->out_owned = xmalloc(len ? len : 1);
        if (len) memcpy(r->out_owned, body, len);
        r->out = r->out_owned;
        break;
    case HTTP_BODY_TAKE:
        r->out_owned = (char *)body;
        r->out = body;
        break;
    case HTTP_BODY_BORROW:
        r->out = body;
        break;
    }
    r->out_len = len;
    if (!r->conn) { /* the client went away while we worked */
        req_free(r);
        return;
    }
    if (!r->in_dispatch) lws_callback_on_writable(r->conn->ws.wsi);
}

void http_respond_error(http_req_t *r, int status, const char *code, const char *message) {
    buf_t b;
    buf_init(&b, 4096);
    /* code is an identifier; message is ours (no user text), but escape quotes anyway */
    buf_printf(&b, "{\"error\":{\"code\":\"%s\",\"message\":\"", code);
    for (const char *p = message; *p; p++) {
        if (*p == '"' || *p == '\\') buf_append(&b, "\\", 1);
        if ((unsigned char)*p >= 0x20) buf_append(&b, p, 1);
    }
    buf_append(&b, "\"}}", 3);
    http_respond(r, status, "application/json", b.ptr, b.len, HTTP_BODY_TAKE);
}

/* Simple answer from inside a callback, before a request object exists (limits, refusals). */
static void answer_now(srv_t *s, conn_t *c, struct lws *wsi, http_method_t method, const char *path, int status,
                       const char *code, const char *message, bool close_after) {
    http_req_t *r = xcalloc(1, sizeof *r);
    r->srv = s;
    r->conn = c;
    r->method = method;
    r->t0_us = now_mono_us();
    snprintf(r->path, sizeof r->path, "%.*s", 200, path ? path : "-");
    r->path_len = strlen(r->path);
    r->close_after = close_after;
    c->req = r;
    c->ws.wsi = wsi;
    http_respond_error(r, status, code, message);
}

static http_method_t method_of(int m) {
    return m >= 0 && m <= LWSHUMETH_HEAD ? (http_method_t)m : HTTP_OTHER;
}

/* Runs the application's handler. An answer given before it returns is written at once (no
 * poll round trip); a later one (held request) is written from WRITEABLE. */
static int dispatch(srv_t *s, struct lws *wsi, http_req_t *r) {
    if (r->dispatched) return 0;   /* lws also reports BODY_COMPLETION for a request without a body */
    r->dispatched = true;
    r->in_dispatch = true;
    s->h.on_http(s->app, r);
    r->in_dispatch = false;
    if (r->answered) return resp_write(s, wsi, r, true);
    return 0;
}

/* The query string as the client meant it. libwebsockets 4.1 hands over the arguments
 * already percent-decoded, one fragment per '&'-separated parameter ("name=value"), and
 * joins them with ',' when copied whole, which loses '&', '%' and ',' inside values. Each
 * fragment is re-encoded here (unreserved characters kept, everything else %XX) and the
 * fragments are joined with '&'. NULL when there is no query or it is too long. */
static char *query_of(struct lws *wsi) {
    static const char hex[] = "0123456789ABCDEF";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS) <= 0) return NULL;
    buf_t q;
    buf_init(&q, LIM_HTTP_URI_BYTES * 3 + 16);
    char frag[LIM_HTTP_URI_BYTES + 1];
    for (int i = 0;; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0) break;
        if (i > 0 && buf_append(&q, "&", 1) != 0) break;
        bool in_value = false;
        for (int k = 0; k < n; k++) {
            unsigned char c = (unsigned char)frag[k];
            bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                        c == '_' || c == '~' || (c == '=' && !in_value);
            if (c == '=') in_value = true;
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            if ((keep ? buf_append(&q, frag + k, 1) : buf_append(&q, e, 3)) != 0) break;
        }
    }
    buf_append(&q, "", 1);
    return q.ptr;
}

/* LWS_CALLBACK_HTTP: a request head has arrived. */
static int on_http(srv_t *s, conn_t *c, struct lws *wsi, const char *uri) {
    char *u;
    int ulen;
    int m = lws_http_get_uri_and_method(wsi, &u, &ulen);
    http_method_t method = method_of(m);
    if (c->req) { /* pipelining into an unanswered request is not supported */
        return -1;
    }
    int qlen = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    size_t raw = strlen(uri) + (qlen > 0 ? (size_t)qlen + 1 : 0);
    if (raw > LIM_HTTP_URI_BYTES) {
        answer_now(s, c, wsi, method, "(long uri)", 414, "uri_too_long", "The request target is too long.", true);
        return 0;
    }
    if (m < 0 || method == HTTP_CONNECT || method == HTTP_OTHER) {
        answer_now(s, c, wsi, HTTP_OTHER, uri, 405, "method_not_allowed", "Method not allowed.", true);
        return 0;
    }
    http_req_t *r = xcalloc(1, sizeof *r);
    r->srv = s;
    r->conn = c;
    r->method = method;
    r->t0_us = now_mono_us();
    buf_init(&r->body, s->cfg->max_body_bytes);
    c->kind = 1;
    c->req = r;
    c->ws.wsi = wsi;
    int n = path_normalise(uri, strlen(uri), r->path, sizeof r->path);
    if (n < 0) {
        snprintf(r->path, sizeof r->path, "%.*s", 200, uri);
        r->path_len = strlen(r->path);
        http_respond_error(r, 400, "bad_path", "The request path is not valid.");
        return 0;
    }
    r->path_len = (size_t)n;
    if (qlen > 0) r->query = query_of(wsi);
    for (int i = 0; i < HDR__COUNT; i++) r->hdr[i] = hdr_dup(wsi, HDR_TOKENS[i]);
    if (!r->hdr[HDR_HOST] && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COLON_AUTHORITY) <= 0) {
        char ver[16] = "";
        lws_hdr_copy(wsi, ver, sizeof ver, WSI_TOKEN_HTTP);
        if (strcmp(ver, "HTTP/1.0") != 0) { /* HTTP/1.1 requires Host (RFC 9112 3.2) */
            http_resp_close(r);
            http_respond_error(r, 400, "bad_request", "Missing Host header.");
            return 0;
        }
    }

    /* a body is coming? */
    char cl[32];
    bool chunked = false;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        char te[64];
        if (lws_hdr_copy(wsi, te, sizeof te, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 && strstr(te, "chunked")) chunked = true;
    }
    long long clen = 0;
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        char *end;
        clen = strtoll(cl, &end, 10);
        if (*end || clen < 0) {
            http_resp_close(r);
            http_respond_error(r, 400, "bad_request", "Invalid Content-Length.");
            return 0;
        }
    }
    if (clen > (long long)s->cfg->max_body_bytes) {
        http_resp_close(r);
        http_respond_error(r, 413, "body_too_large", "The request body is too large.");
        return 0;
    }
    if (chunked) {
        /* libwebsockets 4.1 does not decode chunked request bodies: ask for a length
         * (browsers always send one for fetch bodies) instead of waiting forever */
        http_resp_close(r);
        http_respond_error(r, 411, "length_required", "Send the body with a Content-Length.");
        return 0;
    }
    if (clen > 0) return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
    return dispatch(s, wsi, r);
}

/* ---- WebSocket connections ---- */

/* Write pacing. Each write costs about the same whether it carries one frame or twenty (a TLS
 * record and a syscall, and on loopback the receiver's TCP work too), so under heavy broadcast
 * load it pays to let frames gather. Light load: a connection with new frames asks for
 * WRITEABLE at once (lowest latency). Busy (more than LIM_WS_BUSY_DELIVERIES queued in the last
 * load window): it joins the paced list, which asks for WRITEABLE for all of its members once
 * per LIM_WS_PACE_US, so each write carries more frames. */
static void pace_timer(lws_sorted_usec_list_t *sul) {
    srv_t *s = lws_container_of(sul, srv_t, pace_sul);
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

static void load_timer(lws_sorted_usec_list_t *sul) {
    srv_t *s = lws_container_of(sul, srv_t, load_sul);
    /* hysteresis: busy above the threshold, calm again below 60 % of it */
    if (s->window_deliveries > LIM_WS_BUSY_DELIVERIES) s->busy = true;
    else if (s->window_deliveries < LIM_WS_BUSY_DELIVERIES * 6 / 10) s->busy = false;
    s->window_deliveries = 0;
    lws_sul_schedule(s->ctx, 0, &s->load_sul, load_timer, LIM_WS_LOAD_WINDOW_US);
}

static void request_write(srv_t *s, struct ws_conn *c) {
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
        lws_sul_schedule(s->ctx, 0, &s->pace_sul, pace_timer, LIM_WS_PACE_US);
    }
}

int ws_send(ws_conn_t *c, wsmsg_t *m) {
    if (c->close_code) return ERR_AGAIN;
    if (wsmsg_queue_push(&c->q, m, c->srv->cfg->ws_queue_max_bytes, LIM_WS_QUEUE_MSGS) < 0) {
        /* slow reader: drop what it has not taken, tell it why, give it a moment to read */
        c->srv->m->ws_slow_closed++;
        c->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
        c->drop_queue = true;
        wsmsg_queue_clear(&c->q);
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LIM_WS_CLOSE_GRACE_S);
        lws_callback_on_writable(c->wsi);
        return ERR_FULL;
    }
    c->srv->m->ws_out++;
    c->srv->window_deliveries++;
    if (wsmsg_queue_len(&c->q) == 1) request_write(c->srv, c);
    return 0;
}

int ws_send_text(ws_conn_t *c, span_t text) {
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, text.ptr, text.len);
    int rc = ws_send(c, m);
    wsmsg_unref(m);
    return rc;
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

static const char *close_reason(int code) {
    switch (code) {
    case LWS_CLOSE_STATUS_GOINGAWAY: return "server shutting down";
    case LWS_CLOSE_STATUS_POLICY_VIOLATION: return "too slow: output queue full";
    case LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE: return "message too large";
    case LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE: return "binary frames are not accepted";
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

static int ws_writeable(srv_t *s, struct ws_conn *c) {
    if (c->shutdown_close && !wsmsg_queue_len(&c->q)) return 0; /* close frame written; teardown follows */
    if (c->close_code && !c->shutdown_close && (c->drop_queue || !wsmsg_queue_len(&c->q))) return close_now(c, c->close_code);
    if (!wsmsg_queue_len(&c->q)) return 0;
    unsigned char *b = s->scratch + LWS_PRE;
    uint32_t frames = 0;
    size_t n = wsmsg_queue_gather(&c->q, b, LIM_WS_COALESCE_BYTES, &frames);
    int w;
    if (n) {
        /* pre-framed frames: LWS_WRITE_RAW passes them through unframed, in one write */
        w = lws_write(c->wsi, b, n, LWS_WRITE_RAW);
    } else {
        /* a single frame larger than the coalescing buffer goes out on its own */
        wsmsg_t *m = wsmsg_queue_peek(&c->q);
        n = m->len;
        w = lws_write(c->wsi, (unsigned char *)wsmsg_frame(m), n, LWS_WRITE_RAW);
        wsmsg_queue_pop(&c->q);
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

static bool origin_allowed(srv_t *s, struct lws *wsi) {
    char origin[256], host[256];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0) return false;
    bool has_host = lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0;
    return reqparse_origin_ok(origin, has_host ? host : NULL, s->cfg->allowed_origins, s->cfg->n_allowed_origins);
}

static void ws_open(srv_t *s, conn_t *cc, struct lws *wsi) {
    struct ws_conn *c = &cc->ws;
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
    peer_of(wsi, c->peer, sizeof c->peer);
    c->next = s->ws_all;
    if (s->ws_all) s->ws_all->prev = c;
    s->ws_all = c;
    s->m->ws_open++;
    c->opened = true;
    if (s->cfg->access_log) log_access("ws-open %s %.*s", c->peer, (int)c->path_len, c->path);
    s->h.ws_open(s->app, c);
    if (s->shutting_down) ws_close(c, LWS_CLOSE_STATUS_GOINGAWAY, NULL);
}

static void ws_closed(srv_t *s, struct ws_conn *c) {
    lws_sul_cancel(&c->deadline_sul);
    if (!c->opened) return;
    c->opened = false;
    if (c->shutdown_close && wsmsg_queue_len(&c->q)) s->shutdown_pending--;
    pace_unlink(s, c);
    s->h.ws_close(s->app, c);
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

static int ws_receive(srv_t *s, struct ws_conn *c, struct lws *wsi, const void *in, size_t len) {
    if (c->close_code) return 0; /* closing: ignore further input */
    if (lws_frame_is_binary(wsi)) return close_now(c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE);
    bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    size_t remaining = lws_remaining_packet_payload(wsi);
    if (first) c->rx.len = 0;
    if (c->rx.len + len + remaining > LIM_WS_MESSAGE_BYTES) return close_now(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    if (first && final && !remaining) { /* the common case: one whole message, no copy */
        s->m->ws_in++;
        s->h.ws_message(s->app, c, (span_t){ in, len });
        return 0;
    }
    if (buf_append(&c->rx, in, len) < 0) return close_now(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
    if (final && !remaining) {
        s->m->ws_in++;
        s->h.ws_message(s->app, c, (span_t){ c->rx.ptr, c->rx.len });
        c->rx.len = 0;
        if (c->rx.cap > 4096) buf_free(&c->rx); /* don't keep a big buffer per idle socket */
    }
    return 0;
}

/* ---- the protocol callbacks ---- */

static srv_t *g_srv_for_log; /* the log hook's way to the metrics; set once at create */
static void tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg);

static int cb_main(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    struct lws_context *ctx = lws_get_context(wsi);
    srv_t *s = ctx ? lws_context_user(ctx) : NULL;
    conn_t *c = user;
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* idle TLS connections give their read/write buffers back (about 32 KB each) */
        SSL_CTX_set_mode((SSL_CTX *)user, SSL_MODE_RELEASE_BUFFERS);
        SSL_CTX_set_msg_callback((SSL_CTX *)user, tls_msg_cb);
        return 0;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return s && s->shutting_down ? -1 : 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        for (int i = 0; s && i < s->n_pools; i++) pool_run_completions(s->pools[i]);
        return 0;
    case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        if (s && c && !c->kind) { c->kind = 1; s->m->http_open++; }
        return 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (s && c && c->kind == 1) {
            s->m->http_open--;
            c->kind = 0;
            if (c->req) {
                if (c->req->held && !c->req->answered) { /* answered later, then freed */
                    if (s->cfg->access_log) http_req_peer(c->req); /* for its log line */
                    c->req->conn = NULL;
                }
                else req_free(c->req);
                c->req = NULL;
            }
        }
        return 0;
    case LWS_CALLBACK_HTTP:
        if (!c) return -1;
        return on_http(s, c, wsi, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        if (c && c->req && !c->req->answered && buf_append(&c->req->body, in, len) < 0) {
            http_resp_close(c->req);
            http_respond_error(c->req, 413, "body_too_large", "The request body is too large.");
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (c && c->req && !c->req->answered) return dispatch(s, wsi, c->req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (c && c->req && c->req->answered) return resp_write(s, wsi, c->req, true);
        return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        char uri[LIM_HTTP_URI_BYTES + 1];
        int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
        char norm[sizeof uri];
        int nl = n > 0 ? path_normalise(uri, (size_t)n, norm, sizeof norm) : -1;
        int status = 0;
        const char *code = "", *msg = "";
        if (strcmp(in ? (const char *)in : "", "websocket") != 0) {
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
        http_req_t r = { .srv = s, .method = HTTP_GET, .status = status, .close_after = true, .t0_us = now_mono_us() };
        snprintf(r.path, sizeof r.path, "%.*s", 200, nl > 0 ? norm : "-");
        r.path_len = strlen(r.path);
        peer_of(wsi, r.peer, sizeof r.peer);
        char body[256];
        snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, msg);
        snprintf(r.ctype, sizeof r.ctype, "application/json");
        r.out = body;
        r.out_len = strlen(body);
        r.answered = true;
        metrics_count_status(s->m, status);
        resp_write(s, wsi, &r, false); /* r lives on this stack: not freed */
        return 1;
    }
    case LWS_CALLBACK_ESTABLISHED:
        if (!c) return -1;
        ws_open(s, c, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (!c || c->kind != 2) return -1;
        return ws_receive(s, &c->ws, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!c || c->kind != 2) return 0;
        return ws_writeable(s, &c->ws);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (!c) return 0;
        if (len >= 2) c->ws.peer_close_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
        else c->ws.peer_close_code = 1005;
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (c && c->kind == 2) ws_closed(s, &c->ws);
        return 0;
    default:
        return 0;
    }
}

/* The plain-HTTP vhost: everything gets a 301 to the same path and query over HTTPS. */
static int cb_redirect(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    (void)len;
    if (reason != LWS_CALLBACK_HTTP && reason != LWS_CALLBACK_HTTP_CONFIRM_UPGRADE) {
        if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION) {
            srv_t *s = lws_context_user(lws_get_context(wsi));
            return s && s->shutting_down ? -1 : 0;
        }
        return 0;
    }
    srv_t *s = lws_context_user(lws_get_context(wsi));
    char *uri;
    int ulen;
    int m = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    char hostraw[256], host[256];
    if (lws_hdr_copy(wsi, hostraw, sizeof hostraw, WSI_TOKEN_HOST) <= 0 ||
        !path_host_name(span_cstr(hostraw), host, sizeof host))
        snprintf(host, sizeof host, "localhost");
    buf_t loc;
    buf_init(&loc, LIM_HTTP_URI_BYTES * 3 + 512);
    buf_printf(&loc, "https://%s", host);
    if (s->cfg->https_port != 443) buf_printf(&loc, ":%d", s->cfg->https_port);
    const char *path = reason == LWS_CALLBACK_HTTP && in ? (const char *)in : (m >= 0 ? uri : "/");
    path_encode(&loc, span_cstr(path));
    int qlen = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    char *q = qlen > 0 && qlen < (int)LIM_HTTP_URI_BYTES ? query_of(wsi) : NULL;
    if (q && *q) {
        buf_append(&loc, "?", 1);
        buf_append(&loc, q, strlen(q));
    }
    free(q);
    static const char body[] = "Moved to HTTPS.\n";
    unsigned char hb[LWS_PRE + LIM_HTTP_URI_BYTES * 3 + 1024];
    unsigned char *start = hb + LWS_PRE, *p = start, *end = hb + sizeof hb - 1;
    int rc = -1;
    if (loc.ptr && !lws_add_http_header_status(wsi, 301, &p, end) &&
        !lws_add_http_header_by_name(wsi, (const unsigned char *)"location:", (unsigned char *)loc.ptr, (int)loc.len, &p, end) &&
        !lws_add_http_header_by_name(wsi, (const unsigned char *)"content-type:", (const unsigned char *)"text/plain; charset=utf-8", 25, &p, end) &&
        !lws_add_http_header_content_length(wsi, sizeof body - 1, &p, end) &&
        !lws_finalize_write_http_header(wsi, start, &p, end)) {
        rc = 0;
        if (m != LWSHUMETH_HEAD) {
            memcpy(start, body, sizeof body - 1);
            if (lws_write(wsi, start, sizeof body - 1, LWS_WRITE_HTTP_FINAL) != (int)sizeof body - 1) rc = -1;
        }
    }
    metrics_count_status(s->m, 301);
    if (s->cfg->access_log) {
        char peer[64];
        peer_of(wsi, peer, sizeof peer);
        log_access("http %s %s %s 301 %zu 0.000ms", peer, m >= 0 ? http_method_name(method_of(m)) : "OTHER", path,
                   m == LWSHUMETH_HEAD ? (size_t)0 : sizeof body - 1);
    }
    buf_free(&loc);
    if (reason == LWS_CALLBACK_HTTP_CONFIRM_UPGRADE) return 1;
    if (rc < 0) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static const struct lws_protocols PROTOCOLS_MAIN[] = {
    /* tx_packet_size must be set: 0 would cap every send at rx_buffer_size */
    { "pongd", cb_main, sizeof(conn_t), LIM_WS_RX_CHUNK, 0, NULL, LIM_TX_PACKET_BYTES },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};
static const struct lws_protocols PROTOCOLS_REDIRECT[] = {
    { "pongd-redirect", cb_redirect, 0, 1024, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void flush_timer(lws_sorted_usec_list_t *sul) {
    srv_t *s = lws_container_of(sul, srv_t, flush_sul);
    log_flush();
    lws_sul_schedule(s->ctx, 0, &s->flush_sul, flush_timer, 250 * LWS_US_PER_MS);
}

/* libwebsockets 4.1 closes a connection whose request head overflows its header buffer
 * without answering, and says so only in its log, synchronously, while parsing that head.
 * To answer 431 instead, the OpenSSL message callback remembers which TLS connection the loop
 * read from last (all on the loop thread), and the log hook writes the 431 to it before lws
 * shuts it down. Loop thread only. */
static SSL *g_last_read_ssl;

static void tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
    (void)version; (void)content_type; (void)buf; (void)len; (void)arg;
    if (!write_p) g_last_read_ssl = ssl;
}

static void answer_header_overflow(void) {
    SSL *ssl = g_last_read_ssl;
    g_last_read_ssl = NULL;
    if (!ssl) return;
    static const char body[] = "{\"error\":{\"code\":\"headers_too_large\",\"message\":\"Request headers over 8 KB.\"}}";
    char resp[1024], sec[768];
    if (!policy_headers_raw(sec, sizeof sec)) return;
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n%s"
                     "connection: close\r\ncontent-length: %zu\r\n\r\n%s",
                     sec, sizeof body - 1, body);
    if (n <= 0 || (size_t)n >= sizeof resp) return;
    ERR_clear_error();
    if (SSL_write(ssl, resp, n) <= 0) ERR_clear_error();
    if (g_srv_for_log) {
        metrics_count_status(g_srv_for_log->m, 431);
        if (g_srv_for_log->cfg->access_log) log_access("http - - (request head over 8 KB) 431 77 0.000ms");
    }
}

static void lws_log_to_ours(int level, const char *line) {
    if (strstr(line, "Ran out of header data space")) {
        answer_header_overflow();
        return;
    }
    log_msg(level == LLL_ERR ? "error" : "warn", "lws: %s", line);
}

int srv_create(srv_t **out, const config_t *cfg, const char *cert, const char *key, const srv_handlers_t *h,
               void *app, metrics_t *metrics, char *err, size_t errlen) {
    srv_t *s = xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->h = *h;
    s->app = app;
    s->m = metrics;
    g_srv_for_log = s;
    lws_set_log_level(getenv("PONGD_LWS_LOG") ? atoi(getenv("PONGD_LWS_LOG")) : LLL_ERR, lws_log_to_ours);

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
    lws_sul_schedule(s->ctx, 0, &s->load_sul, load_timer, LIM_WS_LOAD_WINDOW_US);
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

int srv_run(srv_t *s) {
    while (!s->stop)
        if (service(s) < 0) break;
    /* graceful: refuse new connections, close every WebSocket with 1001, let them finish */
    s->shutting_down = true;
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
    while (s->shutdown_pending > 0 && s->ws_all && now_mono_us() < deadline)
        if (service(s) < 0) break;
    log_msg("info", "stopped: %lld of the WebSockets' close frames not written in time", (long long)s->shutdown_pending);
    log_flush();
    return 0;
}

void srv_destroy(srv_t *s) {
    if (!s) return;
    lws_sul_cancel(&s->flush_sul);
    lws_sul_cancel(&s->load_sul);
    lws_sul_cancel(&s->pace_sul);
    lws_context_destroy(s->ctx);
    free(s);
}
