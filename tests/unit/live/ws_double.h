/* A test double of ws.h for the live/ modules' unit tests and fuzz targets: connections
 * that record what the application sent, the close it asked for, its auth deadline and its
 * realtime flag, with no socket and no libwebsockets. Nothing is ever "written": every send
 * is recorded in order (ws_send_latest too, with its slot: the glue's replacement of an
 * unwritten snapshot is tested in tests/unit/net/test_wsmsg.c, not modelled here). */
#ifndef PONGD_WS_DOUBLE_H
#define PONGD_WS_DOUBLE_H

#include "ws.h"

#define WSD_MAX_SENT 64

/* A connection opened on `path`. */
ws_conn_t *wsd_new(const char *path);
/* Frees it (the application's close handler must have run). */
void wsd_free(ws_conn_t *c);

/* Frames sent to c so far, oldest first: copies of the payloads, NUL-terminated (binary
 * ones too, so text tests can strcmp), with their length, type and slot. At most
 * WSD_MAX_SENT are kept (sends past that return ERR_FULL). */
int wsd_sent_count(const ws_conn_t *c);
const char *wsd_sent(const ws_conn_t *c, int i);
size_t wsd_sent_len(const ws_conn_t *c, int i);
bool wsd_sent_binary(const ws_conn_t *c, int i);
/* The slot it was sent with through ws_send_latest (0: ws_send, ws_send_text, ...). */
int wsd_sent_slot(const ws_conn_t *c, int i);
/* The newest frame sent (NULL, 0 when none). */
const char *wsd_last(const ws_conn_t *c, size_t *len);
void wsd_clear_sent(ws_conn_t *c);
/* The close the application asked for: 0 while none. */
int wsd_close_code(const ws_conn_t *c);
const char *wsd_close_reason(const ws_conn_t *c);
/* The armed deadline in seconds (0: none) and its close code. */
int wsd_deadline_s(const ws_conn_t *c);
int wsd_deadline_code(const ws_conn_t *c);
/* ws_set_realtime's flag (ws_nodelay answers the same). */
bool wsd_realtime(const ws_conn_t *c);

#endif
