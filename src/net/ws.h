/* The WebSocket-connection API that application code uses (chat now, games later).
 * Implemented by the libwebsockets glue (ws_conn.c). All calls are loop-thread only.
 *
 * A ws_conn_t is valid from the application's on_open until its on_close returns. */
#ifndef PONGD_WS_H
#define PONGD_WS_H

#include <stdbool.h>
#include "room.h"
#include "util.h"
#include "wsmsg.h"

typedef struct ws_conn ws_conn_t;

/* Queues a reference to a pre-framed message. ERR_FULL when the connection's queue is over
 * its limit: the connection is then being closed with 1008 (slow reader) and the message is
 * dropped for it only. ERR_AGAIN when the connection is already closing. */
int ws_send(ws_conn_t *c, wsmsg_t *m);
/* Frames and queues a copy of text. */
int ws_send_text(ws_conn_t *c, span_t text);
/* Sends m to every connection in room r (one shared message, no copies). The members'
 * owners must be ws_conn_t: a module joins a room with room_join(reg, name, &its_member,
 * conn), its member slot kept in its own per-connection data, and leaves (room_leave) in
 * its close handler. */
void ws_broadcast(room_t *r, wsmsg_t *m);

/* Starts a close with code and reason after the queued messages are written. */
void ws_close(ws_conn_t *c, int code, const char *reason);

/* Closes the connection with `code` and `reason` (ws_close) if it is still open and not
 * closing after `seconds`; 0 cancels. E.g. a socket that must authenticate with its first
 * frame. */
void ws_set_deadline(ws_conn_t *c, int seconds, int code, const char *reason);
/* The application's per-connection pointer. */
void *ws_data(const ws_conn_t *c);
void ws_set_data(ws_conn_t *c, void *data);
/* Request path of the handshake (normalised). */
span_t ws_path(const ws_conn_t *c);
const char *ws_peer(const ws_conn_t *c);
void *ws_app(const ws_conn_t *c);

#endif
