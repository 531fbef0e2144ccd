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

/* --- the chat service used by the API (issue 13, docs/chat.md) --------------------------------
 * Loop thread only. Every route that changes the chat calls one of these after (or instead of)
 * its database work, so live sockets hear of it through the bus. */

/* Where a message goes, as on the wire ("room:<name>", "dm:<user id>"); see chatrule.h. */
typedef void (*chat_sent_fn)(void *ctx, int rc, int64_t seq, int64_t at);
/* Queues text from uid to a channel through the same path as the socket's chat.send: the per-user
 * rate limit, the batched write (chatstore_post), then the publication. fn(ctx, rc, seq, at) runs
 * on the loop once the message is stored or refused (rc: 0, CHAT_E_*, SOCIAL_E_BLOCKED, DB_E*).
 * Returns 0 when queued (fn will run), else the error at once (CHAT_E_RATE, CHAT_E_CHANNEL,
 * CHAT_E_EMPTY, CHAT_E_TOO_LONG, …; fn will not run). */
int chat_send(chat_t *c, int64_t uid, span_t channel, span_t text, chat_sent_fn fn, void *ctx);

/* A server notice into uid's system channel (stored, then pushed to uid's tabs as a
 * chat.message with "channel":"system"). kind CHAT_MSG_SYSTEM or CHAT_MSG_INVITE (ref_id: the
 * invite id; invite_json: the invite object put in the frame's "invite" field, may be NULL). */
void chat_notice(chat_t *c, int64_t uid, int kind, span_t text, int64_t ref_id, span_t invite_json);

/* Live effects of the REST routes' moderation and membership changes (the database already
 * changed). room: the room's channel id and name. */
void chat_announce_deleted(chat_t *c, int64_t room_id, span_t room, int64_t seq);
/* event: "join", "leave", "kick", "ban", "mute", "role"; until (mute) and role ("member",
 * "moderator", "owner") may be 0 / NULL. */
void chat_announce_member(chat_t *c, int64_t room_id, span_t room, const char *event, int64_t uid, span_t display_name,
                          int64_t until, const char *role);
/* uid was kicked or banned (reason "kick" / "ban"): its sockets leave the room's topic and get
 * chat.removed; the legacy /ws/chat/<room>/ sockets of uid are closed with 4403. */
void chat_remove_user(chat_t *c, int64_t room_id, span_t room, int64_t uid, const char *reason);
/* uid's read marker moved: uid's other tabs get chat.read. */
void chat_announce_read(chat_t *c, int64_t uid, span_t channel, int64_t seq);
/* uid's blocks changed (block or unblock): its sockets reload the set they filter by. */
void chat_blocks_changed(chat_t *c, int64_t uid);

#endif
