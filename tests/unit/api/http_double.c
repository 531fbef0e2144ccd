/* http_double — see http_double.h. */
#include "http_double.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESP_HEADERS 16

struct http_req {
    http_method_t method;
    char *path, *query, *body;
    const char *headers[HDR__COUNT];
    char *hvals[HDR__COUNT];
    int status;
    char *resp_body, *ctype;
    char *rh_name[MAX_RESP_HEADERS], *rh_value[MAX_RESP_HEADERS];
    int n_rh;
    bool held;
    const char *peer;
};

http_req_t *httpd_new(http_method_t m, const char *path, const char *query, const char *body) {
    http_req_t *r = xcalloc(1, sizeof *r);
    r->method = m;
    r->path = xstrdup(path);
    r->query = xstrdup(query ? query : "");
    r->body = body ? xstrdup(body) : NULL;
    return r;
}

void httpd_header(http_req_t *r, http_hdr_t h, const char *value) {
    free(r->hvals[h]);
    r->hvals[h] = value ? xstrdup(value) : NULL;
    r->headers[h] = r->hvals[h];
}

void httpd_free(http_req_t *r) {
    if (!r) return;
    free(r->path);
    free(r->query);
    free(r->body);
    for (int i = 0; i < HDR__COUNT; i++) free(r->hvals[i]);
    free(r->resp_body);
    free(r->ctype);
    for (int i = 0; i < r->n_rh; i++) {
        free(r->rh_name[i]);
        free(r->rh_value[i]);
    }
    free(r);
}

int httpd_status(const http_req_t *r) { return r->status; }
const char *httpd_body(const http_req_t *r) { return r->resp_body ? r->resp_body : ""; }
const char *httpd_content_type(const http_req_t *r) { return r->ctype; }
const char *httpd_resp_header(const http_req_t *r, const char *name) {
    for (int i = 0; i < r->n_rh; i++)
        if (strcmp(r->rh_name[i], name) == 0) return r->rh_value[i];
    return NULL;
}

http_method_t http_req_method(const http_req_t *r) { return r->method; }
const char *http_req_method_name(const http_req_t *r) { return http_method_name(r->method); }
span_t http_req_path(const http_req_t *r) { return span_cstr(r->path); }
span_t http_req_query(const http_req_t *r) { return span_cstr(r->query); }
const char *http_req_header(const http_req_t *r, http_hdr_t h) { return (unsigned)h < HDR__COUNT ? r->headers[h] : NULL; }
span_t http_req_body(const http_req_t *r) { return span_cstr(r->body); }
const char *http_req_peer(http_req_t *r) { return r->peer ? r->peer : "127.0.0.1"; }
void httpd_peer(http_req_t *r, const char *peer) { r->peer = peer; }
void *http_req_app(const http_req_t *r) { (void)r; return NULL; }

void http_resp_header(http_req_t *r, const char *name, const char *value) {
    if (r->n_rh == MAX_RESP_HEADERS) abort();
    r->rh_name[r->n_rh] = xstrdup(name);
    r->rh_value[r->n_rh++] = xstrdup(value);
}

void http_respond(http_req_t *r, int status, const char *content_type, const void *body, size_t len, http_body_t own) {
    if (r->status) abort();   /* exactly one answer per request */
    r->status = status;
    r->ctype = content_type ? xstrdup(content_type) : NULL;
    r->resp_body = xstrndup(body ? body : "", body ? len : 0);
    if (own == HTTP_BODY_TAKE) free((void *)body);
}

void http_respond_error(http_req_t *r, int status, const char *code, const char *message) {
    char b[512];
    int n = snprintf(b, sizeof b, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
    http_respond(r, status, "application/json", b, (size_t)n, HTTP_BODY_COPY);
}

void http_resp_close(http_req_t *r) { (void)r; }
void http_req_hold(http_req_t *r) { r->held = true; }
bool http_req_gone(const http_req_t *r) { (void)r; return false; }
