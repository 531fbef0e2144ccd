/* The request/response API that application code uses. The libwebsockets glue implements it
 * (http_conn.c; http_method_name in http.c); handlers never see a socket or the HTTP library.
 *
 * Lifetime: the glue creates an http_req_t per request and hands it to the application's
 * on_http handler. The handler answers with exactly one http_respond*() call, either before
 * returning or later from the loop thread (after http_req_hold(), e.g. when a worker-pool job
 * completes). If the client goes away first, a held request stays valid (http_req_gone()
 * turns true) and the late http_respond*() just frees it. */
#ifndef PONGD_HTTP_H
#define PONGD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include "util.h"

typedef struct http_req http_req_t;

typedef enum {
    HTTP_GET, HTTP_POST, HTTP_OPTIONS, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_CONNECT, HTTP_HEAD,
    HTTP_OTHER
} http_method_t;

/* Request headers the application can read (copied at request start). */
typedef enum {
    HDR_HOST, HDR_ACCEPT, HDR_ACCEPT_ENCODING, HDR_IF_NONE_MATCH, HDR_ORIGIN, HDR_CONTENT_TYPE,
    HDR_AUTHORIZATION, HDR_COOKIE, HDR_USER_AGENT,
    HDR__COUNT
} http_hdr_t;

/* "GET", "POST", ... ("OTHER" for HTTP_OTHER or a value out of range). Static. */
const char *http_method_name(http_method_t m);

http_method_t http_req_method(const http_req_t *r);
const char *http_req_method_name(const http_req_t *r);
/* Decoded, normalised path (path_normalise). */
span_t http_req_path(const http_req_t *r);
/* Query string without '?', possibly empty. */
span_t http_req_query(const http_req_t *r);
/* Header value or NULL. Valid while the request lives. */
const char *http_req_header(const http_req_t *r, http_hdr_t h);
span_t http_req_body(const http_req_t *r);
/* Client address as text ("-" when unknown). */
const char *http_req_peer(http_req_t *r);
/* The application's context given to srv_create(). */
void *http_req_app(const http_req_t *r);

/* Adds a response header (copied), e.g. ("cache-control", "no-cache"). Names lowercase. */
void http_resp_header(http_req_t *r, const char *name, const char *value);

/* Body ownership for http_respond(). */
typedef enum {
    HTTP_BODY_COPY,      /* copied now */
    HTTP_BODY_BORROW,    /* outlives the response (static data, the file cache) */
    HTTP_BODY_TAKE,      /* malloc'd; freed by the glue */
} http_body_t;

/* Sends the response. For HEAD only the headers go out (with the body's length). After this
 * call r must not be used. */
void http_respond(http_req_t *r, int status, const char *content_type, const void *body, size_t len,
                  http_body_t own);
/* {"error":{"code":code,"message":message}} with status. */
void http_respond_error(http_req_t *r, int status, const char *code, const char *message);
/* After answering, close the connection instead of keeping it alive. */
void http_resp_close(http_req_t *r);

/* Keeps r alive past the handler's return for a later answer. */
void http_req_hold(http_req_t *r);
bool http_req_gone(const http_req_t *r);

#endif
