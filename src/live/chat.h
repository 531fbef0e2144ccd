/* chat — the live chat service on the loop (docs/chat.md): the app socket's chat.* frames, the
 * legacy room sockets /ws/chat/<room>/, the per-user rate limit, the write batcher (messages go
 * to the database first, in one job per batch, then are published through the bus in seq
 * order), subscriptions and block filtering.
 *
 * The legacy room socket (the Django Channels tutorial protocol, for logged-in users):
 * in, first {"type":"auth","token":"<access token>"} (within WSAUTH_TIMEOUT_S, wsauth.h; a bad or
 *           missing token closes with 4001); the socket then joins the room (creating it,
 *           chatstore_room_join) and is answered {"type":"auth_ok","room":"<room>","user":{...}};
 *           a banned user is closed with 4403;
 * in        {"message":"<text>"}: posted like chat.send (messages that arrive before the join
 *           finished wait for it, at most CHAT_JOIN_PENDING_MAX, then go in order);
 * out       the room's chat.message frames (with the legacy fields message, room, at, user_id,
 *           display_name), {"error":{"code":"…","message":"…"}} to the sender on bad input.
 * Loop thread only; database work goes through the database pool. */
#ifndef PONGD_CHAT_H
#define PONGD_CHAT_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "chatrule.h"
#include "dbpool.h"
#include "pongd_limits.h"
#include "room.h"
#include "util.h"
#include "ws.h"
#include "sessguard.h"
#include "wsauth.h"

/* Errors: CHAT_E_* in err.h (-500 .. -599). */

/* --- client frames: the one parser ------------------------------------------------------ */

#define CHAT_REF_MAX 64u                                  /* a chat.send's client id, bytes */
#define CHAT_CHANNEL_MAX (5u + LIM_CHAT_ROOM_NAME)        /* "room:<name>" is the longest */
#define CHAT_TAB_ROOMS_MAX 64                             /* rooms one app socket subscribes to */
#define CHAT_QUEUE_MAX (4 * CHATSTORE_BATCH_MAX)          /* messages waiting for the database */
#define CHAT_JOIN_PENDING_MAX 32                          /* a legacy socket's messages waiting for its join */

typedef enum {
    CHAT_FRAME_MESSAGE = 0,   /* legacy {"message":"<text>"} */
    CHAT_FRAME_SUBSCRIBE,     /* {"type":"chat.subscribe","channel"} */
    CHAT_FRAME_UNSUBSCRIBE,   /* {"type":"chat.unsubscribe","channel"} */
    CHAT_FRAME_SEND,          /* {"type":"chat.send","channel","text","ref"?} */
    CHAT_FRAME_READ,          /* {"type":"chat.read","channel","seq"} */
    CHAT_FRAME_OTHER,         /* an app-socket frame that is not the chat's (no "chat." type) */
} chat_frame_kind_t;

typedef struct {
    chat_frame_kind_t kind;
    char channel[CHAT_CHANNEL_MAX + 1];   /* as sent (check it with chatrule_chan_parse) */
    char ref[CHAT_REF_MAX + 1];
    bool has_ref;                          /* set as soon as a valid ref was seen, errors too */
    int64_t seq;                           /* chat.read: >= 0 */
} chat_frame_t;

/* Parses one client frame (len bytes; the transport bounds it at 64 KB) into f; text (cleared
 * first) gets a message's text as sent (not trimmed: chatrule_text does that). legacy: the room
 * socket's frames (only {"message"}); else the app socket's. Returns 0, CHAT_E_JSON (not JSON,
 * duplicate keys), CHAT_E_INVALID (not the expected shape), CHAT_E_TOO_LONG (text past
 * LIM_CHAT_MESSAGE_CHARS code points, or past text's maximum). A frame whose "type" does not
 * start with "chat." (or a non-object on the app socket) gives 0 with CHAT_FRAME_OTHER. Never
 * reads past len. */
int chat_frame_parse(const char *data, size_t len, bool legacy, chat_frame_t *f, buf_t *text);

/* A stored message as the chat.message frame shows it. */
typedef struct {
    span_t channel;           /* the wire name for the reader: "room:<name>", "dm:<peer>", "system" */
    span_t room;              /* rooms: the name (the legacy "room" field); else empty */
    int64_t seq, at;
    int kind;                 /* CHAT_MSG_* */
    int64_t user_id;          /* 0: the server (then no sender fields but "user_id":null) */
    const char *display_name;
    int64_t avatar_version;
    span_t text;
    span_t invite;            /* invites: the invite object's JSON; else empty */
} chat_view_t;

/* Builds the chat.message frame into out (cleared first). ERR_LIMIT past out's maximum,
 * ERR_INVALID when invite is not JSON. */
int chat_render(buf_t *out, const chat_view_t *v);

/* The error frame of an error code: {"type":"chat.error","ref"?:…,"error":{"code","message"}}
 * (legacy: the room socket's {"error":{…}}), into out (cleared first). */
void chat_error_frame(buf_t *out, int e, bool legacy, const char *ref);
/* The stable code of an error ("rate_limited", …). */
const char *chat_error_code(int e);

/* --- the service ------------------------------------------------------------------------ */

typedef struct chat chat_t;
typedef struct {
    bus_t *bus;                /* deliveries */
    dbpool_t *db;              /* every query */
    room_reg_t *rooms;         /* rooms with a subscriber here (the /metrics gauge), by channel id */
    const uint8_t *secret;     /* the access-token key (AUTH_SECRET_BYTES) */
    int rate_per_sec;          /* messages per second per user, burst twice that; 0: unlimited */
    sessguard_t *guard;        /* ended sessions: refuses void tokens, closes the sockets (NULL: none) */
} chat_deps_t;
/* Every pointer must outlive the chat. */
chat_t *chat_create(const chat_deps_t *deps);
/* Shutting down: nothing more is submitted to the database pool. Every message still waiting
 * for a batch is answered now with ERR_AGAIN (chat_send's callbacks run, sockets get "unavailable");
 * later sends are refused at once with ERR_AGAIN. The batch in flight, if any, is answered by
 * its completion: when the pool finishes it, or when pool_destroy runs it (stored messages
 * are published and acknowledged, the rest get ERR_AGAIN). So once chat_stop returned and the
 * database pool was drained or destroyed, every accepted chat_send has had its callback. */
void chat_stop(chat_t *c);
/* After every socket closed and after the database pool was drained or destroyed (no batch in
 * flight: its completion points at c). A message still queued (chat_stop not called) gets its
 * callback with ERR_AGAIN here; nothing is dropped unanswered. NULL: no-op. */
void chat_destroy(chat_t *c);

/* Counters for /metrics (loop thread). */
typedef struct {
    uint64_t stored;         /* messages stored, then published */
    uint64_t batches;        /* write batches that reached the database (one job, one transaction each) */
    uint64_t refused;        /* messages not stored: invalid, over the rate, not allowed, a full queue,
                                a database error, shutting down */
    uint64_t rate_limited;   /* of those, over the per-user rate */
    uint64_t queued;         /* messages waiting for a batch or being stored now (a gauge) */
    uint64_t storing;        /* of those, the ones a database worker took as its batch (a gauge) */
} chat_stats_t;
chat_stats_t chat_stats(const chat_t *c);

/* The legacy room socket's events (the application's ws handlers for /ws/chat/<room>/). */
void chat_on_open(chat_t *c, ws_conn_t *conn, span_t room);
void chat_on_message(chat_t *c, ws_conn_t *conn, span_t data);
void chat_on_close(chat_t *c, ws_conn_t *conn);

/* The app socket /ws/ (presence authenticates it): its chat state, made by the presence's tab
 * hooks (presence_tab_hooks_t: ctx is the chat_t). */
void *chat_tab_open(void *chat, ws_conn_t *conn, const wsauth_user_t *user);
bool chat_tab_deliver(void *chat, void *tab, const bus_msg_t *m);
void chat_tab_close(void *chat, void *tab);
/* A frame of an authenticated app socket (tab: presence_tab(conn), NULL before auth): true
 * when it was a chat frame (answered here), false otherwise (presence's own: ping, …). */
bool chat_tab_frame(chat_t *c, void *tab, span_t data);

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
