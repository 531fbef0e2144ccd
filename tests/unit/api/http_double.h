/* A test double of http.h for the api/ layer's unit tests: requests built in memory, the
 * answer recorded, no socket and no libwebsockets. */
#ifndef PONGD_HTTP_DOUBLE_H
#define PONGD_HTTP_DOUBLE_H

#include "http.h"

/* A request; body may be NULL. Headers are set with httpd_header(). */
http_req_t *httpd_new(http_method_t m, const char *path, const char *query, const char *body);
void httpd_header(http_req_t *r, http_hdr_t h, const char *value);
/* The client's address (http_req_peer); "127.0.0.1" unless set. Borrowed: must outlive r. */
void httpd_peer(http_req_t *r, const char *peer);
void httpd_free(http_req_t *r);

/* The answer: status 0 while none. */
int httpd_status(const http_req_t *r);
const char *httpd_body(const http_req_t *r);          /* NUL-terminated copy */
const char *httpd_content_type(const http_req_t *r);
/* A response header set by the handler, or NULL. */
const char *httpd_resp_header(const http_req_t *r, const char *name);

#endif
