/* chatstore — the data layer of the chat (docs/chat.md): channels (rooms, direct
 * conversations, each user's system channel), membership and roles, messages with a per-channel
 * sequence, history, read markers, moderation and its log, reports. Database worker threads
 * only (given the worker's db_t). Returns 0, a DB_E* code, or one of the CHAT_E_* / SOCIAL_E_* /
 * ACCOUNT_E_* codes of err.h.
 *
 * Times are ms since the epoch. A message's seq is its channel's counter taken in the inserting
 * transaction: within a channel, commit order is seq order on both backends. */
#ifndef PONGD_CHATSTORE_H
#define PONGD_CHATSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "chatrule.h"
#include "db.h"

typedef struct {
    int64_t id;
    int kind;                                  /* CHAT_KIND_* */
    char name[LIM_CHAT_ROOM_NAME + 1];         /* rooms: as the creator wrote it; else "" */
    int64_t owner_id;                          /* rooms: the creator; else 0 */
    int64_t last_seq, last_at, created_at;
    int64_t peer_id;                           /* direct: set by chatstore_direct from the asker's side */
} chat_channel_t;

/* A user's membership of a channel; rank is CHAT_RANK_ADMIN for a site admin whatever the role. */
typedef struct {
    bool member;              /* false: not a member (role, marker, mute, joined_at are 0; banned
                               * and an admin's rank are still set) */
    bool banned;              /* rooms: a ban stands */
    int role;                 /* CHAT_RANK_MEMBER / _MODERATOR / _OWNER as stored */
    int rank;                 /* max(role, admin ? CHAT_RANK_ADMIN : role) */
    int64_t last_read_seq, muted_until, joined_at;
} chat_membership_t;

/* users.is_admin (false for a deleted or missing user). The one place the admin check reads. */
int chatstore_is_admin(db_t *db, int64_t uid, bool *admin);

/* --- channels ------------------------------------------------------------------------------ */

/* The room of `name` (any case). CHAT_E_ROOM_NAME when the name is invalid, CHAT_E_NO_CHANNEL
 * when there is no such room. */
int chatstore_room(db_t *db, span_t name, chat_channel_t *out);
/* uid joins the room `name`, creating it (owned by uid, role owner) when the name is unused;
 * *created tells which. Joining again is a no-op (0). CHAT_E_BANNED when a ban stands,
 * ACCOUNT_E_GONE for a deleted uid, CHAT_E_ROOM_NAME for an invalid name. */
int chatstore_room_join(db_t *db, span_t name, int64_t uid, int64_t now, chat_channel_t *out, bool *created);
/* uid leaves (the owner keeps ownership: owner_id stays, the membership row goes). CHAT_E_NOT_MEMBER. */
int chatstore_room_leave(db_t *db, int64_t channel_id, int64_t uid);
/* Rooms whose name contains q (ASCII case-insensitive; empty q: all), most recently active
 * first, at most limit (clamped to 1..100). Columns: id, name, owner_id, members, last_seq, last_at, created_at. */
enum { CHAT_ROOMS_COL_ID = 0, CHAT_ROOMS_COL_NAME, CHAT_ROOMS_COL_OWNER, CHAT_ROOMS_COL_MEMBERS,
       CHAT_ROOMS_COL_LAST_SEQ, CHAT_ROOMS_COL_LAST_AT, CHAT_ROOMS_COL_CREATED_AT, CHAT_ROOMS_COLS_N };
int chatstore_rooms(db_t *db, span_t q, int limit, db_rows_t **rows);
/* A room's members, by rank then display name, as `viewer` sees them. Columns: user id,
 * username, display_name, avatar_version, last_seen_at, role, muted_until, is_admin, presence
 * hidden from viewer (SOCIAL_PRESENCE_HIDDEN_SQL). */
enum { CHAT_MEMBERS_COL_ID = 0, CHAT_MEMBERS_COL_USERNAME, CHAT_MEMBERS_COL_DISPLAY, CHAT_MEMBERS_COL_AVATAR_VERSION,
       CHAT_MEMBERS_COL_LAST_SEEN, CHAT_MEMBERS_COL_ROLE, CHAT_MEMBERS_COL_MUTED_UNTIL, CHAT_MEMBERS_COL_ADMIN,
       CHAT_MEMBERS_COL_HIDDEN, CHAT_MEMBERS_COLS_N };
int chatstore_members(db_t *db, int64_t channel_id, int64_t viewer, db_rows_t **rows);

/* The direct channel between me and peer, created when missing; out->peer_id = peer.
 * CHAT_E_SELF, ACCOUNT_E_NOTFOUND (no such live peer), ACCOUNT_E_GONE (me deleted),
 * SOCIAL_E_BLOCKED (a block either way: nothing is created). */
int chatstore_direct(db_t *db, int64_t me, int64_t peer, int64_t now, chat_channel_t *out);
/* The direct channel between me and peer if it exists, whatever became of peer's account since
 * (a deleted peer's conversation stays readable); nothing is created. CHAT_E_SELF,
 * CHAT_E_NO_CHANNEL (never written to), SOCIAL_E_BLOCKED (a block either way). */
int chatstore_direct_find(db_t *db, int64_t me, int64_t peer, chat_channel_t *out);
/* uid's system channel, created when missing. ACCOUNT_E_NOTFOUND for a missing or deleted uid. */
int chatstore_system(db_t *db, int64_t uid, int64_t now, chat_channel_t *out);

/* uid's membership of channel_id (rooms: role, mute, ban; direct and system: member when uid
 * is one of its users). Never an error for a non-member: m->member false. */
int chatstore_membership(db_t *db, int64_t channel_id, int64_t uid, chat_membership_t *m);

/* --- messages ------------------------------------------------------------------------------ */

/* One message to post. Inputs: channel_id, sender_id (0: the server), kind, text (already
 * checked with chatrule_text by the caller; stored verbatim), ref_id (invites: the invite id;
 * else 0). Outputs: rc (0, or why this one was refused), seq, at. */
typedef struct {
    int64_t channel_id, sender_id, ref_id;
    int kind;
    span_t text;
    int rc;
    int64_t seq, at;
} chat_post_t;

/* Posts n messages (1..CHATSTORE_BATCH_MAX) in ONE transaction, in order: each gets the next
 * seq of its channel and at = now. Each is checked in the transaction and refused alone (its rc:
 * CHAT_E_NOT_MEMBER, CHAT_E_BANNED, CHAT_E_MUTED, SOCIAL_E_BLOCKED for a direct channel with a
 * block either way, ACCOUNT_E_NOTFOUND for a direct channel whose peer was deleted,
 * ACCOUNT_E_GONE, CHAT_E_FORBIDDEN for a user's post to a system channel, CHAT_E_NO_CHANNEL)
 * without failing the others; server messages (sender 0) are not checked. Channels' rows are
 * taken in channel id order (no deadlock between batches; within a channel, seq order is batch
 * order). Returns a DB_E* code only when the transaction itself failed (then nothing was
 * stored and every rc is that code); DB_EINVAL for n out of range. */
#define CHATSTORE_BATCH_MAX 256
int chatstore_post(db_t *db, chat_post_t *posts, int n, int64_t now);

/* History of channel_id as reader uid may see it: not messages whose sender uid blocked (rooms;
 * direct channels hold no such messages). Exactly one of:
 *   before > 0: the `limit` newest messages with seq < before;
 *   since >= 0 (before == 0): the `limit` oldest messages with seq > since, *more set when more
 *   were left;
 *   both 0 (and since < 0): the `limit` newest.
 * Rows come oldest first. *last_seq gets the channel's last_seq, read before the rows (so a
 * client may advance to it: nothing up to it is missing from the rows but what the filter
 * hid). limit is clamped to 1..200. CHAT_E_NO_CHANNEL. Membership is the caller's check.
 * Columns: seq, sender_id (NULL: server), kind, body, ref_id, created_at, deleted_at (NULL),
 * sender's display_name, username, avatar_version (NULLs for the server; a deleted sender reads
 * as its placeholder). Deleted messages come with an empty body. */
enum { CHAT_MSG_COL_SEQ = 0, CHAT_MSG_COL_SENDER, CHAT_MSG_COL_KIND, CHAT_MSG_COL_BODY, CHAT_MSG_COL_REF,
       CHAT_MSG_COL_AT, CHAT_MSG_COL_DELETED_AT, CHAT_MSG_COL_DISPLAY, CHAT_MSG_COL_USERNAME,
       CHAT_MSG_COL_AVATAR_VERSION, CHAT_MSG_COLS_N };
int chatstore_history(db_t *db, int64_t channel_id, int64_t uid, int64_t before, int64_t since, int limit,
                      db_rows_t **rows, int64_t *last_seq, bool *more);

/* uid's read marker in channel_id moves to seq (never backwards; clamped to last_seq).
 * CHAT_E_NOT_MEMBER. *stored gets the marker afterwards. */
int chatstore_read(db_t *db, int64_t channel_id, int64_t uid, int64_t seq, int64_t *stored);

/* uid's direct and system channels, and rooms uid is a member of, most recent first: one row
 * each. Columns: channel id, kind, room name, peer id (direct), peer username, peer display_name,
 * peer avatar_version, last_seq, last_at, last_read_seq, unread (messages after the marker, not
 * uid's own, not deleted, not from users uid blocked), last message's seq, sender_id, kind, body
 * (empty when deleted), created_at (NULLs when the channel has no message). */
enum { CHAT_CONV_COL_ID = 0, CHAT_CONV_COL_KIND, CHAT_CONV_COL_NAME, CHAT_CONV_COL_PEER, CHAT_CONV_COL_PEER_USERNAME,
       CHAT_CONV_COL_PEER_DISPLAY, CHAT_CONV_COL_PEER_AVATAR_VERSION, CHAT_CONV_COL_LAST_SEQ, CHAT_CONV_COL_LAST_AT,
       CHAT_CONV_COL_READ_SEQ, CHAT_CONV_COL_UNREAD, CHAT_CONV_COL_MSG_SEQ, CHAT_CONV_COL_MSG_SENDER,
       CHAT_CONV_COL_MSG_KIND, CHAT_CONV_COL_MSG_BODY, CHAT_CONV_COL_MSG_AT, CHAT_CONV_COLS_N };
int chatstore_conversations(db_t *db, int64_t uid, db_rows_t **rows);

/* The ids uid blocked (one column). For the live filter. */
int chatstore_blocked_ids(db_t *db, int64_t uid, db_rows_t **rows);

/* --- moderation ---------------------------------------------------------------------------- */

typedef struct {
    int64_t channel_id, actor_id, target_id;   /* target_id: the user (0 for a delete) */
    chat_action_t action;
    int64_t seq;                                /* CHAT_ACT_DELETE: the message */
    int64_t until;                              /* CHAT_ACT_MUTE: muted until (ms) */
    span_t reason;                              /* 0..500 bytes, stored verbatim */
    /* out */
    int64_t target_of_delete;                   /* the deleted message's sender (0: the server) */
} chat_mod_t;

/* A moderation reason's and a report's reason's maximum (bytes for moderation, code points for
 * a report). */
#define CHATSTORE_REASON_MAX 500

/* Applies one moderation action in ONE transaction with its chat_actions row, after checking
 * it with chatrule_may (the actor's rank from chatstore_membership; the target's rank as
 * stored). CHAT_E_FORBIDDEN (not allowed), CHAT_E_NOT_MEMBER (target not in the room, for mute,
 * kick and moderator changes), CHAT_E_NO_MESSAGE (delete: no such seq, or already deleted),
 * CHAT_E_NO_CHANNEL (not a room). Kick and ban remove the membership; ban also records
 * chat_bans (idempotent; a non-member may be banned); unban removes it (CHAT_E_NOT_BANNED when
 * none). Also: ACCOUNT_E_GONE (actor deleted), ACCOUNT_E_NOTFOUND (no such target user),
 * CHAT_E_TOO_LONG (reason over CHATSTORE_REASON_MAX bytes), CHAT_E_INVALID (mute: until not
 * within CHATRULE_MUTE_MIN_S..MAX_S of now), DB_EINVAL (CHAT_ACT_READ_LOG or out of range).
 * An actor who is not a member has rank member unless a site admin; a server notice counts as
 * sent by an owner (only admins delete it). Forbidden is told before not-a-member. */
int chatstore_moderate(db_t *db, chat_mod_t *m, int64_t now);

/* The moderation log of a room, newest first, at most limit (1..200), for an actor of rank
 * >= moderator (CHAT_E_FORBIDDEN otherwise). Columns: id, action, actor id, actor display_name,
 * target id, target display_name, target_seq, until_at, reason, created_at. */
enum { CHAT_ACT_COL_ID = 0, CHAT_ACT_COL_ACTION, CHAT_ACT_COL_ACTOR, CHAT_ACT_COL_ACTOR_DISPLAY, CHAT_ACT_COL_TARGET,
       CHAT_ACT_COL_TARGET_DISPLAY, CHAT_ACT_COL_SEQ, CHAT_ACT_COL_UNTIL, CHAT_ACT_COL_REASON, CHAT_ACT_COL_AT,
       CHAT_ACT_COLS_N };
int chatstore_actions(db_t *db, int64_t channel_id, int64_t actor, int limit, db_rows_t **rows);

/* A report of a user (target_id) and/or of a room message (channel_id, seq): the message's
 * sender becomes target_id. CHAT_E_NO_MESSAGE (also a direct or system channel's message the
 * reporter is not a member of), ACCOUNT_E_NOTFOUND, ACCOUNT_E_GONE (reporter deleted),
 * CHAT_E_SELF (reporting oneself), CHAT_E_EMPTY / CHAT_E_TOO_LONG (reason: 1..
 * CHATSTORE_REASON_MAX code points; the caller checks its UTF-8), DB_EINVAL (neither a user nor
 * a message, or a channel without a seq). *id set. *notify gets the ids to tell (rows, one column): the room's owner and
 * moderators (for a room message) and every site admin, without the reporter. */
int chatstore_report(db_t *db, int64_t reporter, int64_t target_id, int64_t channel_id, int64_t seq, span_t reason,
                     int64_t now, int64_t *id, db_rows_t **notify);
/* Reports uid may see (admins: all; others: those of rooms where uid ranks >= moderator),
 * newest first, at most limit. Columns: id, reporter id, reporter display_name, target id,
 * target display_name, channel id, room name, seq, message body (NULL), reason, created_at. */
enum { CHAT_REP_COL_ID = 0, CHAT_REP_COL_REPORTER, CHAT_REP_COL_REPORTER_DISPLAY, CHAT_REP_COL_TARGET,
       CHAT_REP_COL_TARGET_DISPLAY, CHAT_REP_COL_CHANNEL, CHAT_REP_COL_ROOM, CHAT_REP_COL_SEQ, CHAT_REP_COL_BODY,
       CHAT_REP_COL_REASON, CHAT_REP_COL_AT, CHAT_REP_COLS_N };
int chatstore_reports(db_t *db, int64_t uid, int limit, db_rows_t **rows);

/* --- account data -------------------------------------------------------------------------- */

/* Every message uid wrote (rooms and direct), oldest first: channel kind, room name or peer id,
 * seq, body, created_at, deleted_at. For the account export. */
enum { CHAT_EXP_COL_KIND = 0, CHAT_EXP_COL_ROOM, CHAT_EXP_COL_PEER, CHAT_EXP_COL_SEQ, CHAT_EXP_COL_BODY,
       CHAT_EXP_COL_AT, CHAT_EXP_COL_DELETED_AT, CHAT_EXP_COLS_N };
int chatstore_export(db_t *db, int64_t uid, db_rows_t **rows);
/* Inside the caller's open transaction (profile_delete_account): the text of uid's direct
 * messages becomes empty with deleted_at = now; uid's memberships, bans, its system channel and
 * the reports it filed go; room messages stay (the users row is anonymised by the caller). */
int chatstore_delete_user(db_t *db, int64_t uid, int64_t now);

#endif
