/* The fuzz build links every module except main.c and server.c, but app.c and chat.c call
 * the HTTP and WebSocket API that server.c implements. These stand-ins satisfy the linker;
 * no fuzz target reaches them, so each aborts if it ever is. Include from one fuzz_*.c. */
#ifndef PONGD_FUZZ_SERVER_STUBS_H
#define PONGD_FUZZ_SERVER_STUBS_H

#include <stdlib.h>
#include "http.h"
#include "ws.h"

http_method_t http_req_method(const http_req_t *r) { (void)r; abort(); }
span_t http_req_path(const http_req_t *r) { (void)r; abort(); }
const char *http_req_header(const http_req_t *r, http_hdr_t h) { (void)r; (void)h; abort(); }
void http_resp_header(http_req_t *r, const char *name, const char *value) { (void)r; (void)name; (void)value; abort(); }
void http_respond(http_req_t *r, int status, const char *content_type, const void *body, size_t len, http_body_t own) {
    (void)r; (void)status; (void)content_type; (void)body; (void)len; (void)own;
    abort();
}
void http_respond_error(http_req_t *r, int status, const char *code, const char *message) {
    (void)r; (void)status; (void)code; (void)message;
    abort();
}
int ws_send_text(ws_conn_t *c, span_t text) { (void)c; (void)text; abort(); }
void ws_broadcast(room_t *r, wsmsg_t *m) { (void)r; (void)m; abort(); }
void ws_close(ws_conn_t *c, int code, const char *reason) { (void)c; (void)code; (void)reason; abort(); }
void ws_set_deadline(ws_conn_t *c, int seconds, int code, const char *reason) { (void)c; (void)seconds; (void)code; (void)reason; abort(); }
void *ws_data(const ws_conn_t *c) { (void)c; abort(); }
void ws_set_data(ws_conn_t *c, void *data) { (void)c; (void)data; abort(); }
room_member_t *ws_member(ws_conn_t *c) { (void)c; abort(); }
span_t ws_path(const ws_conn_t *c) { (void)c; abort(); }

#endif
