/* Room chat over /ws/chat/<room>/ (the Django Channels tutorial protocol, for logged-in
 * users):
 * in, first {"type":"auth","token":"<access token>"} (within WSAUTH_TIMEOUT_S, wsauth.h; a bad or
 *           missing token closes with 4001), answered {"type":"auth_ok","user":{...}};
 *           the socket joins the room only then;
 * in        {"message":"<text>"}
 * out {"message":"<text>","room":"<room>","at":<ms>,"user_id":N,"display_name":"…"} to
 *     every socket of the room, {"error":{"code":"…","message":"…"}} to the sender on bad
 *     input. */
#ifndef PONGD_CHAT_H
#define PONGD_CHAT_H

#include <stdint.h>

#include "metrics.h"
#include "room.h"
#include "util.h"
#include "ws.h"

/* Errors: CHAT_E_* in err.h (-500 .. -599). */

/* Parses one client frame (len bytes, bounded by the transport at 64 KB) and appends the
 * message text to text (cleared first). Never reads past len. */
int chat_parse(const char *data, size_t len, buf_t *text);

/* Who sent a message (from the access token). */
typedef struct { int64_t user_id; const char *display_name; } chat_sender_t;

/* Builds the broadcast JSON for text in room at time at_ms from `from` (may be NULL: no
 * sender fields) into out (cleared first). */
int chat_render(buf_t *out, span_t text, span_t room, uint64_t at_ms, const chat_sender_t *from);

/* The error frame payload for an error code (a static string). */
span_t chat_error_json(int e);

typedef struct chat chat_t;
/* secret: the access-token key (AUTH_SECRET_BYTES, must outlive the chat). */
chat_t *chat_create(room_reg_t *rooms, int rate_per_sec, const uint8_t *secret);
void chat_destroy(chat_t *c);

/* Connection events, called by the application's ws handlers for /ws/chat/ paths. */
void chat_on_open(chat_t *c, ws_conn_t *conn, span_t room);
void chat_on_message(chat_t *c, ws_conn_t *conn, span_t data);
void chat_on_close(chat_t *c, ws_conn_t *conn);

#endif
