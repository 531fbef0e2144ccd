/* http_conn — the http.h API over libwebsockets: request objects, the headers the application
 * may read, body collection, holding a request for a later answer, responding, and writing
 * the head and body from WRITEABLE callbacks, with one access-log line per response. The lws
 * callbacks reach it through server.c's dispatch (srv_internal.h). */
#include "srv_internal.h"
#include "log.h"
#include "path.h"
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- requests ---- */

http_method_t http_req_method(const http_req_t *r) { return r->method; }
const char *http_req_method_name(const http_req_t *r) { return http_method_name(r->method); }
span_t http_req_path(const http_req_t *r) { return (span_t){ r->path, r->path_len }; }
span_t http_req_query(const http_req_t *r) { return span_cstr(r->query ? r->query : ""); }
const char *http_req_header(const http_req_t *r, http_hdr_t h) { return h < HDR__COUNT ? r->hdr[h] : NULL; }
span_t http_req_body(const http_req_t *r) { return (span_t){ r->body.ptr ? r->body.ptr : "", r->body.len }; }
/* Looked up on first use: most requests never need the address (one system call each). */
const char *http_req_peer(http_req_t *r) {
    if (!r->peer[0] && r->conn && r->conn->ws.wsi) srv_peer(r->conn->ws.wsi, r->peer, sizeof r->peer);
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
    r->srv->reqs_open--;
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
int http_conn_write(srv_t *s, struct lws *wsi, http_req_t *r, bool owned) {
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
    s->reqs_open++;
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

http_method_t http_conn_method(int m) {
    return m >= 0 && m <= LWSHUMETH_HEAD ? (http_method_t)m : HTTP_OTHER;
}

/* Runs the application's handler. An answer given before it returns is written at once (no
 * poll round trip); a later one (held request) is written from WRITEABLE. */
int http_conn_dispatch(srv_t *s, struct lws *wsi, http_req_t *r) {
    if (r->dispatched) return 0;   /* lws also reports BODY_COMPLETION for a request without a body */
    r->dispatched = true;
    r->in_dispatch = true;
    s->h.on_http(s->app, r);
    r->in_dispatch = false;
    if (r->answered) return http_conn_write(s, wsi, r, true);
    return 0;
}

/* The query string as the client meant it. libwebsockets 4.1 hands over the arguments
 * already percent-decoded, one fragment per '&'-separated parameter ("name=value"), and
 * joins them with ',' when copied whole, which loses '&', '%' and ',' inside values. Each
 * fragment is re-encoded here (unreserved characters kept, everything else %XX) and the
 * fragments are joined with '&'. NULL when there is no query or it is too long. */
char *http_conn_query(struct lws *wsi) {
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
int http_conn_head(srv_t *s, conn_t *c, struct lws *wsi, const char *uri) {
    char *u;
    int ulen;
    int m = lws_http_get_uri_and_method(wsi, &u, &ulen);
    http_method_t method = http_conn_method(m);
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
    s->reqs_open++;
    r->conn = c;
    r->method = method;
    r->t0_us = now_mono_us();
    r->close_after = s->shutting_down;   /* stopping: this connection's last request */
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
    if (qlen > 0) r->query = http_conn_query(wsi);
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
    return http_conn_dispatch(s, wsi, r);
}

/* ---- the HTTP connection callbacks (from server.c's dispatch) ---- */

void http_conn_bind(srv_t *s, conn_t *c) {
    if (!c->kind) { c->kind = 1; s->m->http_open++; }
}

void http_conn_drop(srv_t *s, conn_t *c) {
    if (c->kind != 1) return;
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

void http_conn_body(conn_t *c, const void *in, size_t len) {
    if (c->req && !c->req->answered && buf_append(&c->req->body, in, len) < 0) {
        http_resp_close(c->req);
        http_respond_error(c->req, 413, "body_too_large", "The request body is too large.");
    }
}

void http_conn_answer_sync(srv_t *s, struct lws *wsi, int status, const char *path, const char *code,
                           const char *msg) {
    http_req_t r = { .srv = s, .method = HTTP_GET, .status = status, .close_after = true, .t0_us = now_mono_us() };
    snprintf(r.path, sizeof r.path, "%.*s", 200, path);
    r.path_len = strlen(r.path);
    srv_peer(wsi, r.peer, sizeof r.peer);
    char body[256];
    snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, msg);
    snprintf(r.ctype, sizeof r.ctype, "application/json");
    r.out = body;
    r.out_len = strlen(body);
    r.answered = true;
    metrics_count_status(s->m, status);
    http_conn_write(s, wsi, &r, false); /* r lives on this stack: not freed */
}
