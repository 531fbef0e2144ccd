/* The WebSocket-connection API that application code uses (chat, app socket, game sockets).
 * Implemented by the libwebsockets glue (ws_conn.c); unit tests of the layers above use the
 * double in tests/unit/live/ws_double.c. All calls are loop-thread only (the event loop's
 * callbacks, a net_timer's function, a worker pool's completion).
 *
 * A ws_conn_t is valid from the application's ws_open until its ws_close returns; after
 * that the pointer must not be used. Messages are delivered whole (srv_handlers_t's
 * ws_message: text or binary, at most 64 KB, 1009 past it). Sends never block and never
 * write at once: they queue pre-framed messages that the loop writes when the socket can
 * take them. The functions that take a wsmsg_t add their own reference; the caller keeps
 * (and eventually drops) its own. */
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
/* Frames and queues a copy of text (a text frame: valid UTF-8 is the caller's duty). */
int ws_send_text(ws_conn_t *c, span_t text);
/* Frames and queues a copy of n bytes as one binary frame (opcode 0x2). Same results as
 * ws_send. */
int ws_send_binary(ws_conn_t *c, const void *p, size_t n);
/* Newest wins, for messages that supersede each other (game snapshots). slot > 0 names a
 * kind of message: if c's queue still holds an unwritten message of the same slot (not
 * even partly written), m takes its place (same position in the queue; the queue's
 * reference to the old one is dropped); else m is queued like ws_send. So a slow socket
 * gets the newest snapshot, never a growing queue of stale ones. slot <= 0: ws_send.
 * Results as ws_send (0 also when replaced). */
int ws_send_latest(ws_conn_t *c, wsmsg_t *m, int slot);
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
/* Realtime (game) sockets. on: c's writes are never paced (the "write pacing under load"
 * of docs/architecture.md never delays them: a queued frame asks for a write at once), and
 * TCP_NODELAY is set (again) on its socket with setsockopt. Counted by the metrics
 * pongd_ws_realtime_open and pongd_ws_realtime_nodelay (those whose TCP_NODELAY reads back
 * as set). Call it from ws_open or later; off undoes the pacing exemption only. */
void ws_set_realtime(ws_conn_t *c, bool on);
/* TCP_NODELAY of c's socket as read back now with getsockopt (false if unreadable). */
bool ws_nodelay(const ws_conn_t *c);
/* The application's per-connection pointer. */
void *ws_data(const ws_conn_t *c);
void ws_set_data(ws_conn_t *c, void *data);
/* Request path of the handshake (normalised). */
span_t ws_path(const ws_conn_t *c);
const char *ws_peer(const ws_conn_t *c);
void *ws_app(const ws_conn_t *c);

#endif
