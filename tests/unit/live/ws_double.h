/* A test double of ws.h for the live/ modules' unit tests and fuzz targets: connections
 * that record what the application sent, the close it asked for and its auth deadline,
 * with no socket and no libwebsockets. */
#ifndef PONGD_WS_DOUBLE_H
#define PONGD_WS_DOUBLE_H

#include "ws.h"

#define WSD_MAX_SENT 64

/* A connection opened on `path`. */
ws_conn_t *wsd_new(const char *path);
/* Frees it (the application's close handler must have run). */
void wsd_free(ws_conn_t *c);

/* Text frames sent to c so far, oldest first (NUL-terminated copies of the payloads). */
int wsd_sent_count(const ws_conn_t *c);
const char *wsd_sent(const ws_conn_t *c, int i);
void wsd_clear_sent(ws_conn_t *c);
/* The close the application asked for: 0 while none. */
int wsd_close_code(const ws_conn_t *c);
const char *wsd_close_reason(const ws_conn_t *c);
/* The armed deadline in seconds (0: none) and its close code. */
int wsd_deadline_s(const ws_conn_t *c);
int wsd_deadline_code(const ws_conn_t *c);

#endif
