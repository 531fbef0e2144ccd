/* chatstore — see chatstore.h. */
#include "chatstore.h"
#include "social.h"
#include "admin.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statements ------------------------------------------------------------------------- */

#define CHANNEL_COLS "c.id, c.kind, c.name, COALESCE(c.owner_id, 0), c.last_seq, c.last_at, c.created_at"
static const db_sql_t Q_CHANNEL_KEY = { "chat_channel_key", "SELECT " CHANNEL_COLS " FROM chat_channels c WHERE c.key = $1" };
static const db_sql_t Q_CHANNEL_ID = { "chat_channel_id", "SELECT " CHANNEL_COLS ", c.key FROM chat_channels c WHERE c.id = $1" };
static const db_sql_t Q_CHANNEL_NEW = {
    "chat_channel_new",
    "INSERT INTO chat_channels (kind, key, name, owner_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
};
static const db_sql_t Q_IS_ADMIN = { "chat_is_admin", "SELECT is_admin FROM users WHERE id = $1 AND deleted_at IS NULL" };
static const db_sql_t Q_BANNED = { "chat_banned", "SELECT 1 FROM chat_bans WHERE channel_id = $1 AND user_id = $2" };
static const db_sql_t Q_MEMBER_ADD = {
    "chat_member_add",
    "INSERT INTO chat_members (channel_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (channel_id, user_id) DO NOTHING",
};
static const db_sql_t Q_ROOM_LEAVE = {
    "chat_room_leave",
    "DELETE FROM chat_members WHERE channel_id = $1 AND user_id = $2 AND channel_id IN (SELECT id FROM chat_channels WHERE kind = 0)",
};
static const db_sql_t Q_ROOMS = {
    "chat_rooms",
    "SELECT c.id, c.name, COALESCE(c.owner_id, 0), (SELECT COUNT(*) FROM chat_members m WHERE m.channel_id = c.id),"
    " c.last_seq, c.last_at, c.created_at FROM chat_channels c WHERE c.kind = 0 AND c.key LIKE $1 ESCAPE '\\'"
    " ORDER BY c.last_at DESC, c.id DESC LIMIT $2",
};
/* by rank (an admin ranks 3), then display name */
static const db_sql_t Q_MEMBERS = {
    "chat_members",
    "SELECT u.id, u.username, u.display_name, u.avatar_version, COALESCE(u.last_seen_at, 0), m.role, m.muted_until, u.is_admin,"
    " " SOCIAL_PRESENCE_HIDDEN_SQL("$2", "u.id", "u.presence_visibility")
    " FROM chat_members m JOIN users u ON u.id = m.user_id WHERE m.channel_id = $1"
    " ORDER BY CASE WHEN u.is_admin = 1 THEN 3 ELSE m.role END DESC, u.display_key, u.id",
};
static const db_sql_t Q_BLOCK_EITHER = {
    "chat_block_either",
    "SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)",
};
/* admin (0/1), member (0/1), role, last_read_seq, muted_until, joined_at, banned (0/1); no row
 * when the user does not exist */
static const db_sql_t Q_MEMBERSHIP = {
    "chat_membership",
    "SELECT CASE WHEN u.deleted_at IS NULL THEN u.is_admin ELSE 0 END, CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END,"
    " COALESCE(m.role, 0), COALESCE(m.last_read_seq, 0), COALESCE(m.muted_until, 0), COALESCE(m.joined_at, 0),"
    " CASE WHEN EXISTS (SELECT 1 FROM chat_bans b WHERE b.channel_id = $1 AND b.user_id = u.id) THEN 1 ELSE 0 END"
    " FROM users u LEFT JOIN chat_members m ON m.channel_id = $1 AND m.user_id = u.id WHERE u.id = $2",
};

/* posting: the checks of one post ($1 channel, $2 sender): kind, key, sender gone (0/1),
 * member (0/1), muted_until, banned (0/1); no row when the channel does not exist */
static const db_sql_t Q_POST_CHECK = {
    "chat_post_check",
    "SELECT c.kind, c.key, CASE WHEN u.id IS NULL OR u.deleted_at IS NOT NULL THEN 1 ELSE 0 END,"
    " CASE WHEN m.user_id IS NULL THEN 0 ELSE 1 END, COALESCE(m.muted_until, 0),"
    " CASE WHEN EXISTS (SELECT 1 FROM chat_bans b WHERE b.channel_id = c.id AND b.user_id = $2) THEN 1 ELSE 0 END"
    " FROM chat_channels c LEFT JOIN users u ON u.id = $2 LEFT JOIN chat_members m ON m.channel_id = c.id AND m.user_id = $2"
    " WHERE c.id = $1",
};
/* a direct channel's peer $2 of sender $1: a block either way (0/1), the peer alive (0/1) */
static const db_sql_t Q_POST_PEER = {
    "chat_post_peer",
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2)"
    " OR (blocker_id = $2 AND blocked_id = $1)) THEN 1 ELSE 0 END,"
    " CASE WHEN EXISTS (SELECT 1 FROM users WHERE id = $2 AND deleted_at IS NULL) THEN 1 ELSE 0 END",
};
/* a block of $3 seqs for channel $1: the last one (the block is last_seq - $3 + 1 .. last_seq) */
static const db_sql_t Q_SEQ_ADD = {
    "chat_seq_add", "UPDATE chat_channels SET last_seq = last_seq + $3, last_at = $2 WHERE id = $1 RETURNING last_seq",
};
#define MSG_INSERT "INSERT INTO chat_messages (channel_id, seq, sender_id, kind, body, ref_id, created_at) VALUES "
#define MSG_COLS 7
static const db_sql_t Q_MSG_INSERT = { "chat_msg_insert", MSG_INSERT "($1, $2, $3, $4, $5, $6, $7)" };
/* eight rows in one statement (one executor run on PostgreSQL instead of eight) */
#define MSG_ROWS 8
static const db_sql_t Q_MSG_INSERT8 = {
    "chat_msg_insert8",
    MSG_INSERT "($1, $2, $3, $4, $5, $6, $7), ($8, $9, $10, $11, $12, $13, $14), ($15, $16, $17, $18, $19, $20, $21),"
               " ($22, $23, $24, $25, $26, $27, $28), ($29, $30, $31, $32, $33, $34, $35), ($36, $37, $38, $39, $40, $41, $42),"
               " ($43, $44, $45, $46, $47, $48, $49), ($50, $51, $52, $53, $54, $55, $56)",
};

/* history: what reader $2 may see of channel $1 (not the messages of users $2 blocked) */
#define MSG_VISIBLE \
    " (x.sender_id IS NULL OR NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $2 AND b.blocked_id = x.sender_id))"
#define MSG_SELECT                                                                                              \
    "SELECT x.seq, x.sender_id, x.kind, CASE WHEN x.deleted_at IS NULL THEN x.body ELSE '' END, x.ref_id,"     \
    " x.created_at, x.deleted_at, u.display_name, u.username, u.avatar_version"                                \
    " FROM chat_messages x LEFT JOIN users u ON u.id = x.sender_id WHERE x.channel_id = $1 AND" MSG_VISIBLE
static const db_sql_t Q_LAST_SEQ = { "chat_last_seq", "SELECT last_seq FROM chat_channels WHERE id = $1" };
static const db_sql_t Q_HIST_BEFORE = {
    "chat_hist_before", "SELECT * FROM (" MSG_SELECT " AND x.seq < $3 ORDER BY x.seq DESC LIMIT $4) t ORDER BY 1",
};
static const db_sql_t Q_HIST_NEWEST = {
    "chat_hist_newest", "SELECT * FROM (" MSG_SELECT " ORDER BY x.seq DESC LIMIT $3) t ORDER BY 1",
};
static const db_sql_t Q_HIST_SINCE = { "chat_hist_since", MSG_SELECT " AND x.seq > $3 ORDER BY x.seq LIMIT $4" };
static const db_sql_t Q_HIST_MORE = {
    "chat_hist_more", "SELECT 1 FROM chat_messages x WHERE x.channel_id = $1 AND x.seq > $3 AND" MSG_VISIBLE " LIMIT 1",
};

/* the marker moves forward only, and never past the channel's last seq */
static const db_sql_t Q_READ = {
    "chat_read",
    "UPDATE chat_members SET last_read_seq = CASE WHEN $3 > last_read_seq"
    " THEN (SELECT CASE WHEN $3 < c.last_seq THEN $3 ELSE c.last_seq END FROM chat_channels c WHERE c.id = $1)"
    " ELSE last_read_seq END WHERE channel_id = $1 AND user_id = $2 RETURNING last_read_seq",
};

/* The peer of $1 in a direct channel c from its key "d:<lo>:<hi>", $2 being "d:<$1>:" (the peer
 * may have been deleted, its membership gone: the key still names it). Only inside a
 * CASE WHEN c.kind = 1: PostgreSQL fails the CAST and substr on other keys. */
#define DIRECT_PEER                                                                                                    \
    "CAST(CASE WHEN substr(c.key, 1, length(CAST($2 AS TEXT))) = CAST($2 AS TEXT) THEN substr(c.key, length(CAST($2 AS TEXT)) + 1)" \
    " ELSE substr(c.key, 3, length(c.key) - length(CAST($2 AS TEXT))) END AS BIGINT)"
/* what $1 counts: not its own, not deleted, not from users it blocked */
#define MSG_COUNTED(X)                                                                                          \
    X ".deleted_at IS NULL AND (" X ".sender_id IS NULL OR (" X ".sender_id <> $1 AND NOT EXISTS"              \
    " (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = " X ".sender_id)))"
static const db_sql_t Q_CONVERSATIONS = {
    "chat_conversations",
    "SELECT c.id, c.kind, c.name, p.id, p.username, p.display_name, p.avatar_version, c.last_seq, c.last_at, m.last_read_seq,"
    " (SELECT COUNT(*) FROM chat_messages y WHERE y.channel_id = c.id AND y.seq > m.last_read_seq AND " MSG_COUNTED("y") "),"
    " lm.seq, lm.sender_id, lm.kind, CASE WHEN lm.deleted_at IS NULL THEN lm.body ELSE '' END, lm.created_at"
    " FROM chat_members m JOIN chat_channels c ON c.id = m.channel_id"
    " LEFT JOIN users p ON p.id = CASE WHEN c.kind = 1 THEN " DIRECT_PEER " END"
    " LEFT JOIN chat_messages lm ON lm.channel_id = c.id AND lm.seq = (SELECT MAX(z.seq) FROM chat_messages z"
    " WHERE z.channel_id = c.id AND (z.sender_id IS NULL OR NOT EXISTS"
    " (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = z.sender_id)))"
    " WHERE m.user_id = $1"
    " ORDER BY CASE WHEN c.last_at > c.created_at THEN c.last_at ELSE c.created_at END DESC, c.id DESC",
};
static const db_sql_t Q_BLOCKED_IDS = { "chat_blocked_ids", "SELECT blocked_id FROM blocks WHERE blocker_id = $1 ORDER BY blocked_id" };

/* moderation */
static const db_sql_t Q_MSG_SENDER = {
    "chat_msg_sender", "SELECT COALESCE(sender_id, 0), CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END FROM chat_messages"
                       " WHERE channel_id = $1 AND seq = $2",
};
static const db_sql_t Q_MSG_DELETE = {
    "chat_msg_delete", "UPDATE chat_messages SET deleted_at = $3, deleted_by = $4 WHERE channel_id = $1 AND seq = $2 AND deleted_at IS NULL",
};
static const db_sql_t Q_MUTE = { "chat_mute", "UPDATE chat_members SET muted_until = $3 WHERE channel_id = $1 AND user_id = $2" };
static const db_sql_t Q_ROLE = { "chat_role", "UPDATE chat_members SET role = $3 WHERE channel_id = $1 AND user_id = $2" };
static const db_sql_t Q_MEMBER_DEL = { "chat_member_del", "DELETE FROM chat_members WHERE channel_id = $1 AND user_id = $2" };
static const db_sql_t Q_BAN = {
    "chat_ban",
    "INSERT INTO chat_bans (channel_id, user_id, by_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)"
    " ON CONFLICT (channel_id, user_id) DO NOTHING",
};
static const db_sql_t Q_UNBAN = { "chat_unban", "DELETE FROM chat_bans WHERE channel_id = $1 AND user_id = $2" };
static const db_sql_t Q_ACTION_ADD = {
    "chat_action_add",
    "INSERT INTO chat_actions (channel_id, actor_id, action, target_id, target_seq, until_at, reason, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
};
static const db_sql_t Q_ACTIONS = {
    "chat_actions",
    "SELECT a.id, a.action, a.actor_id, ua.display_name, a.target_id, ut.display_name, a.target_seq, a.until_at, a.reason,"
    " a.created_at FROM chat_actions a LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN users ut ON ut.id = a.target_id"
    " WHERE a.channel_id = $1 ORDER BY a.id DESC LIMIT $2",
};

/* reports */
static const db_sql_t Q_REPORT_MSG = {
    "chat_report_msg",
    "SELECT c.kind, COALESCE(x.sender_id, 0), CASE WHEN EXISTS (SELECT 1 FROM chat_members m WHERE m.channel_id = c.id"
    " AND m.user_id = $3) THEN 1 ELSE 0 END FROM chat_messages x JOIN chat_channels c ON c.id = x.channel_id"
    " WHERE x.channel_id = $1 AND x.seq = $2",
};
static const db_sql_t Q_USER_ROW = { "chat_user_row", "SELECT 1 FROM users WHERE id = $1" };
static const db_sql_t Q_REPORT_ADD = {
    "chat_report_add",
    "INSERT INTO chat_reports (reporter_id, target_id, channel_id, seq, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    " RETURNING id",
};
/* who hears of a report ($1 reporter, $2 the reported message's room or 0) */
static const db_sql_t Q_REPORT_NOTIFY = {
    "chat_report_notify",
    "SELECT id FROM users WHERE is_admin = 1 AND deleted_at IS NULL AND id <> $1"
    " UNION SELECT m.user_id FROM chat_members m JOIN chat_channels c ON c.id = m.channel_id"
    " WHERE m.channel_id = $2 AND c.kind = 0 AND m.role >= 1 AND m.user_id <> $1 ORDER BY 1",
};
static const db_sql_t Q_REPORTS = {
    "chat_reports",
    "SELECT r.id, r.reporter_id, ur.display_name, r.target_id, ut.display_name, r.channel_id,"
    " CASE WHEN c.kind = 0 THEN c.name END, r.seq, x.body, r.reason, r.created_at"
    " FROM chat_reports r JOIN users ur ON ur.id = r.reporter_id LEFT JOIN users ut ON ut.id = r.target_id"
    " LEFT JOIN chat_channels c ON c.id = r.channel_id LEFT JOIN chat_messages x ON x.channel_id = r.channel_id AND x.seq = r.seq"
    " WHERE $2 = 1 OR EXISTS (SELECT 1 FROM chat_members m JOIN chat_channels mc ON mc.id = m.channel_id"
    " WHERE m.channel_id = r.channel_id AND m.user_id = $1 AND m.role >= 1 AND mc.kind = 0)"
    " ORDER BY r.id DESC LIMIT $3",
};

/* account data ($1 the user, $2 "d:<$1>:") */
static const db_sql_t Q_EXPORT = {
    "chat_export",
    "SELECT c.kind, CASE WHEN c.kind = 0 THEN c.name END, CASE WHEN c.kind = 1 THEN " DIRECT_PEER " END, x.seq, x.body,"
    " x.created_at, x.deleted_at FROM chat_messages x JOIN chat_channels c ON c.id = x.channel_id"
    " WHERE x.sender_id = $1 ORDER BY x.created_at, x.channel_id, x.seq",
};
static const db_sql_t Q_DEL_DM_TEXT = {
    "chat_del_dm_text",
    "UPDATE chat_messages SET body = '', deleted_by = CASE WHEN deleted_at IS NULL THEN $1 ELSE deleted_by END,"
    " deleted_at = COALESCE(deleted_at, $2) WHERE sender_id = $1 AND channel_id IN (SELECT id FROM chat_channels WHERE kind = 1)",
};
static const db_sql_t Q_DEL_MEMBERS = { "chat_del_members", "DELETE FROM chat_members WHERE user_id = $1" };
static const db_sql_t Q_DEL_BANS = { "chat_del_bans", "DELETE FROM chat_bans WHERE user_id = $1" };
static const db_sql_t Q_DEL_SYSTEM = { "chat_del_system", "DELETE FROM chat_channels WHERE kind = 2 AND key = $1" };
static const db_sql_t Q_DEL_REPORTS = { "chat_del_reports", "DELETE FROM chat_reports WHERE reporter_id = $1" };

_Static_assert(CHAT_KIND_ROOM == 0 && CHAT_KIND_DIRECT == 1 && CHAT_KIND_SYSTEM == 2, "the statements write these numbers");
_Static_assert(CHAT_RANK_MODERATOR == 1, "the statements read role >= 1 as moderator or owner");

/* ---- helpers ------------------------------------------------------------------------------ */

static db_val_t text_val(const char *s) { return DB_TEXT(s, strlen(s)); }
static db_val_t id_or_null(int64_t v) { return v ? DB_INT(v) : DB_NULLV; }

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* "d:<uid>:", the prefix DIRECT_PEER reads */
static void direct_prefix(int64_t uid, char out[32]) { snprintf(out, 32, "d:%" PRId64 ":", uid); }

/* Row 0 of a CHANNEL_COLS result into out (peer_id 0). */
static void channel_read(const db_rows_t *r, chat_channel_t *out) {
    memset(out, 0, sizeof *out);
    out->id = db_rows_int(r, 0, 0);
    out->kind = (int)db_rows_int(r, 0, 1);
    size_t n;
    const char *name = db_rows_text(r, 0, 2, &n);
    if (n > LIM_CHAT_ROOM_NAME) n = LIM_CHAT_ROOM_NAME;
    memcpy(out->name, name, n);
    out->name[n] = '\0';
    out->owner_id = db_rows_int(r, 0, 3);
    out->last_seq = db_rows_int(r, 0, 4);
    out->last_at = db_rows_int(r, 0, 5);
    out->created_at = db_rows_int(r, 0, 6);
}

/* The channel of `key`: CHAT_E_NO_CHANNEL when missing. */
static int channel_by_key(db_t *db, const char *key, chat_channel_t *out) {
    db_val_t p = text_val(key);
    db_rows_t *r;
    int rc = db_exec(db, &Q_CHANNEL_KEY, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    rc = db_rows_count(r) ? 0 : CHAT_E_NO_CHANNEL;
    if (rc == 0) channel_read(r, out);
    db_rows_free(r);
    return rc;
}

/* The channel of `key`, created (kind, name, owner) when missing; *created tells. In the
 * caller's transaction: ON CONFLICT DO NOTHING lets two creators meet without an error. */
static int channel_ensure(db_t *db, int kind, const char *key, span_t name, int64_t owner, int64_t now, chat_channel_t *out,
                          bool *created) {
    db_val_t p[5] = { DB_INT(kind), text_val(key), DB_TEXT(name.ptr ? name.ptr : "", name.len), id_or_null(owner), DB_INT(now) };
    int64_t changes = 0;
    int rc = db_exec(db, &Q_CHANNEL_NEW, p, 5, NULL, &changes);
    if (rc != 0) return rc;
    if (created) *created = changes > 0;
    return channel_by_key(db, key, out);
}

static int member_add(db_t *db, int64_t channel, int64_t uid, int role, int64_t now) {
    db_val_t p[4] = { DB_INT(channel), DB_INT(uid), DB_INT(role), DB_INT(now) };
    return db_exec(db, &Q_MEMBER_ADD, p, 4, NULL, NULL);
}

/* 1 when the statement returns a row, 0 when not, or an error (< 0). */
static int any_row(db_t *db, const db_sql_t *q, const db_val_t *p, int n) {
    db_rows_t *r;
    int rc = db_exec(db, q, p, n, &r, NULL);
    if (rc != 0) return rc;
    rc = db_rows_count(r) > 0;
    db_rows_free(r);
    return rc;
}

/* A direct channel's key "d:<lo>:<hi>": the user other than uid (0 when malformed). */
static int64_t direct_peer(const char *key, int64_t uid) {
    if (strncmp(key, "d:", 2) != 0) return 0;
    char *end;
    long long lo = strtoll(key + 2, &end, 10);
    if (*end != ':') return 0;
    long long hi = strtoll(end + 1, NULL, 10);
    return lo == uid ? (int64_t)hi : (int64_t)lo;
}

/* ---- users and channels ------------------------------------------------------------------- */

int chatstore_is_admin(db_t *db, int64_t uid, bool *admin) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    *admin = false;
    int rc = db_exec(db, &Q_IS_ADMIN, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    *admin = db_rows_count(r) > 0 && db_rows_int(r, 0, 0) == 1;
    db_rows_free(r);
    return 0;
}

int chatstore_room(db_t *db, span_t name, chat_channel_t *out) {
    char key[CHATRULE_KEY_MAX];
    int rc = chatrule_room_key(name, key);
    if (rc != 0) return rc;
    return channel_by_key(db, key, out);
}

int chatstore_room_join(db_t *db, span_t name, int64_t uid, int64_t now, chat_channel_t *out, bool *created) {
    char key[CHATRULE_KEY_MAX];
    *created = false;
    int rc = chatrule_room_key(name, key);
    if (rc != 0) return rc;
    if ((rc = db_begin(db)) != 0) return rc;
    bool made = false;
    if ((rc = account_alive(db, uid)) != 0 || (rc = channel_ensure(db, CHAT_KIND_ROOM, key, name, uid, now, out, &made)) != 0) goto fail;
    db_val_t p[2] = { DB_INT(out->id), DB_INT(uid) };
    if ((rc = any_row(db, &Q_BANNED, p, 2)) != 0) {
        if (rc > 0) rc = CHAT_E_BANNED;
        goto fail;
    }
    /* the owner keeps ownership after leaving: rejoining, it is the owner again */
    int role = out->owner_id == uid ? CHAT_RANK_OWNER : CHAT_RANK_MEMBER;
    if ((rc = member_add(db, out->id, uid, role, now)) != 0) goto fail;
    if ((rc = db_commit(db)) != 0) return rc;
    *created = made;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int chatstore_room_leave(db_t *db, int64_t channel_id, int64_t uid) {
    db_val_t p[2] = { DB_INT(channel_id), DB_INT(uid) };
    int64_t changes = 0;
    int rc = db_exec(db, &Q_ROOM_LEAVE, p, 2, NULL, &changes);
    if (rc != 0) return rc;
    return changes > 0 ? 0 : CHAT_E_NOT_MEMBER;
}

int chatstore_rooms(db_t *db, span_t q, int limit, db_rows_t **rows) {
    /* LIKE 'r:%<q folded, _ escaped>%' on the folded key; a q no room name can contain matches
     * nothing (the empty pattern never matches a key) */
    char pat[2 * LIM_CHAT_ROOM_NAME + 8];
    size_t n = 0;
    bool possible = q.len <= LIM_CHAT_ROOM_NAME;
    if (possible) {
        memcpy(pat, "r:%", 3);
        n = 3;
        for (size_t i = 0; i < q.len && possible; i++) {
            char c = q.ptr[i];
            if (c >= 'A' && c <= 'Z') c = (char)(c + ('a' - 'A'));
            if (c == '_') pat[n++] = '\\';
            else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) possible = false;
            pat[n++] = c;
        }
        if (q.len > 0) pat[n++] = '%';
    }
    if (!possible) n = 0;
    db_val_t p[2] = { DB_TEXT(pat, n), DB_INT(clamp(limit, 1, 100)) };
    return db_exec(db, &Q_ROOMS, p, 2, rows, NULL);
}

int chatstore_members(db_t *db, int64_t channel_id, int64_t viewer, db_rows_t **rows) {
    db_val_t p[2] = { DB_INT(channel_id), DB_INT(viewer) };
    return db_exec(db, &Q_MEMBERS, p, 2, rows, NULL);
}

int chatstore_direct(db_t *db, int64_t me, int64_t peer, int64_t now, chat_channel_t *out) {
    if (me == peer) return CHAT_E_SELF;
    char key[CHATRULE_KEY_MAX];
    chatrule_direct_key(me, peer, key);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[2] = { DB_INT(me), DB_INT(peer) };
    if ((rc = account_alive(db, me)) != 0 || (rc = account_exists(db, peer)) != 0) goto fail;
    if ((rc = any_row(db, &Q_BLOCK_EITHER, p, 2)) != 0) {
        if (rc > 0) rc = SOCIAL_E_BLOCKED;
        goto fail;
    }
    if ((rc = channel_ensure(db, CHAT_KIND_DIRECT, key, span_of("", 0), 0, now, out, NULL)) != 0 ||
        (rc = member_add(db, out->id, me, CHAT_RANK_MEMBER, now)) != 0 || (rc = member_add(db, out->id, peer, CHAT_RANK_MEMBER, now)) != 0)
        goto fail;
    if ((rc = db_commit(db)) != 0) return rc;
    out->peer_id = peer;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int chatstore_direct_find(db_t *db, int64_t me, int64_t peer, chat_channel_t *out) {
    if (me == peer) return CHAT_E_SELF;
    char key[CHATRULE_KEY_MAX];
    chatrule_direct_key(me, peer, key);
    int rc = channel_by_key(db, key, out);
    if (rc != 0) return rc;
    db_val_t p[2] = { DB_INT(me), DB_INT(peer) };
    if ((rc = any_row(db, &Q_BLOCK_EITHER, p, 2)) != 0) return rc > 0 ? SOCIAL_E_BLOCKED : rc;
    out->peer_id = peer;
    return 0;
}

int chatstore_system(db_t *db, int64_t uid, int64_t now, chat_channel_t *out) {
    char key[CHATRULE_KEY_MAX];
    chatrule_system_key(uid, key);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = account_exists(db, uid)) != 0 || (rc = channel_ensure(db, CHAT_KIND_SYSTEM, key, span_of("", 0), 0, now, out, NULL)) != 0 ||
        (rc = member_add(db, out->id, uid, CHAT_RANK_MEMBER, now)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int chatstore_membership(db_t *db, int64_t channel_id, int64_t uid, chat_membership_t *m) {
    memset(m, 0, sizeof *m);
    db_val_t p[2] = { DB_INT(channel_id), DB_INT(uid) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_MEMBERSHIP, p, 2, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) > 0) {
        bool admin = db_rows_int(r, 0, 0) == 1;
        m->member = db_rows_int(r, 0, 1) == 1;
        m->role = (int)db_rows_int(r, 0, 2);
        m->last_read_seq = db_rows_int(r, 0, 3);
        m->muted_until = db_rows_int(r, 0, 4);
        m->joined_at = db_rows_int(r, 0, 5);
        m->banned = db_rows_int(r, 0, 6) == 1;
        m->rank = admin ? CHAT_RANK_ADMIN : m->role;
    }
    db_rows_free(r);
    return 0;
}

/* ---- messages ----------------------------------------------------------------------------- */

/* Why post p may not go in (0: it may), read in the transaction. */
/* What one (channel, sender) pair's Q_POST_CHECK row says: 0, or why the sender may not post
 * there; *peer gets a direct channel's other user (its block check comes next), else 0. */
static int post_verdict(const db_rows_t *r, int64_t sender, int64_t now, int64_t *peer) {
    *peer = 0;
    if (db_rows_count(r) == 0) return CHAT_E_NO_CHANNEL;
    int kind = (int)db_rows_int(r, 0, 0);
    bool gone = db_rows_int(r, 0, 2) == 1, member = db_rows_int(r, 0, 3) == 1, banned = db_rows_int(r, 0, 5) == 1;
    int64_t muted_until = db_rows_int(r, 0, 4);
    if (gone) return ACCOUNT_E_GONE;
    if (kind == CHAT_KIND_SYSTEM) return CHAT_E_FORBIDDEN;   /* the server's only */
    if (banned) return CHAT_E_BANNED;
    if (!member) return CHAT_E_NOT_MEMBER;
    if (muted_until > now) return CHAT_E_MUTED;
    if (kind == CHAT_KIND_DIRECT) *peer = direct_peer(db_rows_text(r, 0, 1, NULL), sender);
    return 0;
}

/* Runs the statement q once per set of nparams values (n sets) as one db_pipeline (flags:
 * DB_PIPE_BEGIN / DB_PIPE_COMMIT): rows[0..n) set, or all NULL on failure. 0 or the error
 * (the transaction is rolled back then). */
static int run_steps(db_t *db, unsigned flags, const db_sql_t *q, const db_val_t *params, int nparams, int n, db_rows_t **rows) {
    db_step_t st[CHATSTORE_BATCH_MAX];
    for (int i = 0; i < n; i++) st[i] = (db_step_t){ q, params + (size_t)i * (size_t)nparams, nparams };
    return db_pipeline(db, flags, st, n, rows);
}

static void free_all(db_rows_t **rows, int n) {
    for (int i = 0; i < n; i++) db_rows_free(rows[i]);
}

/* BEGIN and the checks of the batch's distinct (channel, sender) pairs in the transaction: why[i]
 * is 0 or why sender snd[i] may not post to channel ch[i]. One pipeline for BEGIN and the
 * membership, ban and mute checks of every pair, one more for the block checks of the direct
 * channels among them. 0, or a DB_E* code (rolled back). */
static int post_checks(db_t *db, const int64_t *ch, const int64_t *snd, int n, int64_t now, int *why) {
    db_val_t v[2 * CHATSTORE_BATCH_MAX];
    db_rows_t *rows[CHATSTORE_BATCH_MAX];
    for (int i = 0; i < n; i++) {
        v[2 * i] = DB_INT(ch[i]);
        v[2 * i + 1] = DB_INT(snd[i]);
    }
    int rc = run_steps(db, DB_PIPE_BEGIN, &Q_POST_CHECK, v, 2, n, rows);
    if (rc != 0) return rc;
    int direct[CHATSTORE_BATCH_MAX], nd = 0;
    for (int i = 0; i < n; i++) {
        int64_t peer;
        why[i] = post_verdict(rows[i], snd[i], now, &peer);
        if (why[i] == 0 && peer != 0) {   /* Q_POST_PEER's parameters: sender, peer */
            v[2 * nd] = DB_INT(snd[i]);
            v[2 * nd + 1] = DB_INT(peer);
            direct[nd++] = i;
        }
    }
    free_all(rows, n);
    if (nd == 0) return 0;
    if ((rc = run_steps(db, 0, &Q_POST_PEER, v, 2, nd, rows)) != 0) return rc;
    for (int j = 0; j < nd; j++) {
        bool blocked = db_rows_int(rows[j], 0, 0) == 1, alive = db_rows_int(rows[j], 0, 1) == 1;
        if (blocked) why[direct[j]] = SOCIAL_E_BLOCKED;
        else if (!alive) why[direct[j]] = ACCOUNT_E_NOTFOUND;
    }
    free_all(rows, nd);
    return 0;
}

/* Takes a block of seqs for each channel's accepted posts (posts in channel order: order[], each
 * channel's run contiguous) — one pipeline of UPDATE … RETURNING, one per channel — then
 * inserts the messages and commits — one more pipeline. A channel that is gone refuses its posts
 * with CHAT_E_NO_CHANNEL. 0, or a DB_E* code (rolled back). */
static int post_store(db_t *db, chat_post_t *posts, const int *order, int n, int64_t now) {
    db_val_t sv[3 * CHATSTORE_BATCH_MAX];
    db_rows_t *rows[CHATSTORE_BATCH_MAX];
    int first[CHATSTORE_BATCH_MAX], count[CHATSTORE_BATCH_MAX], nch = 0;   /* channel runs of order[] */
    for (int k = 0; k < n; k++) {
        const chat_post_t *p = &posts[order[k]];
        if (p->rc != 0) continue;
        if (nch == 0 || posts[order[first[nch - 1]]].channel_id != p->channel_id) {
            first[nch] = k;
            count[nch++] = 0;
        }
        count[nch - 1]++;
    }
    if (nch == 0) return db_pipeline(db, DB_PIPE_COMMIT, NULL, 0, NULL);
    for (int c = 0; c < nch; c++) {
        sv[3 * c] = DB_INT(posts[order[first[c]]].channel_id);
        sv[3 * c + 1] = DB_INT(now);
        sv[3 * c + 2] = DB_INT(count[c]);
    }
    int rc = run_steps(db, 0, &Q_SEQ_ADD, sv, 3, nch, rows);
    if (rc != 0) return rc;
    db_val_t *mv = xcalloc((size_t)n * MSG_COLS, sizeof *mv);
    int nm = 0;
    for (int c = 0; c < nch; c++) {
        bool found = db_rows_count(rows[c]) > 0;
        int64_t seq = found ? db_rows_int(rows[c], 0, 0) - count[c] : 0;   /* the last seq before this block */
        for (int k = first[c]; k < n; k++) {
            chat_post_t *p = &posts[order[k]];
            if (p->channel_id != posts[order[first[c]]].channel_id) break;
            if (p->rc != 0) continue;
            if (!found) {
                p->rc = CHAT_E_NO_CHANNEL;
                continue;
            }
            p->seq = ++seq;
            p->at = now;
            db_val_t *m = &mv[MSG_COLS * nm++];
            m[0] = DB_INT(p->channel_id);
            m[1] = DB_INT(p->seq);
            m[2] = id_or_null(p->sender_id);
            m[3] = DB_INT(p->kind);
            m[4] = DB_TEXT(p->text.ptr ? p->text.ptr : "", p->text.len);
            m[5] = id_or_null(p->ref_id);
            m[6] = DB_INT(now);
        }
    }
    free_all(rows, nch);
    /* the inserts, eight rows a statement and the rest one by one, and COMMIT: one pipeline */
    db_step_t st[CHATSTORE_BATCH_MAX];
    int ns = 0, i = 0;
    for (; nm - i >= MSG_ROWS; i += MSG_ROWS) st[ns++] = (db_step_t){ &Q_MSG_INSERT8, mv + (size_t)MSG_COLS * (size_t)i, MSG_COLS * MSG_ROWS };
    for (; i < nm; i++) st[ns++] = (db_step_t){ &Q_MSG_INSERT, mv + (size_t)MSG_COLS * (size_t)i, MSG_COLS };
    db_rows_t *ins[CHATSTORE_BATCH_MAX];
    rc = db_pipeline(db, DB_PIPE_COMMIT, st, ns, ins);
    if (rc == 0) free_all(ins, ns);
    free(mv);
    return rc;
}

int chatstore_post(db_t *db, chat_post_t *posts, int n, int64_t now) {
    if (n < 1 || n > CHATSTORE_BATCH_MAX) return DB_EINVAL;
    int order[CHATSTORE_BATCH_MAX];
    bool sorted = true;
    for (int i = 0; i < n; i++) {
        order[i] = i;
        posts[i].rc = 0;
        posts[i].seq = 0;
        posts[i].at = 0;
        if (i > 0 && posts[i].channel_id < posts[i - 1].channel_id) sorted = false;
    }
    if (!sorted) {
        /* by channel id, batch order kept within a channel (a stable insertion sort, n <= 256):
         * two batches on PostgreSQL then take the rows of shared channels in the same order
         * and cannot deadlock; within a channel, seq order is batch order */
        for (int i = 1; i < n; i++) {
            int k = order[i], j = i - 1;
            while (j >= 0 && posts[order[j]].channel_id > posts[k].channel_id) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = k;
        }
    }
    /* the distinct (channel, sender) pairs to check: a channel's pairs are contiguous */
    int64_t pch[CHATSTORE_BATCH_MAX], psnd[CHATSTORE_BATCH_MAX];
    int pair_of[CHATSTORE_BATCH_MAX], why[CHATSTORE_BATCH_MAX], np = 0;
    for (int k = 0; k < n; k++) {
        const chat_post_t *p = &posts[order[k]];
        pair_of[k] = -1;
        if (!p->sender_id) continue;   /* the server's: not checked */
        for (int j = np - 1; j >= 0 && pch[j] == p->channel_id; j--)
            if (psnd[j] == p->sender_id) pair_of[k] = j;
        if (pair_of[k] < 0) {
            pch[np] = p->channel_id;
            psnd[np] = p->sender_id;
            pair_of[k] = np++;
        }
    }
    /* PostgreSQL: three round trips (BEGIN + checks, seq blocks, inserts + COMMIT), four with DMs */
    int rc = np > 0 ? post_checks(db, pch, psnd, np, now, why) : db_begin(db);
    if (rc == 0) {
        for (int k = 0; k < n; k++)
            if (pair_of[k] >= 0) posts[order[k]].rc = why[pair_of[k]];
        rc = post_store(db, posts, order, n, now);
    }
    if (rc == 0) return 0;
    db_rollback(db);   /* (a failed pipeline did it already: a no-op then) */
    for (int i = 0; i < n; i++) {
        posts[i].rc = rc;
        posts[i].seq = 0;
        posts[i].at = 0;
    }
    return rc;
}

int chatstore_history(db_t *db, int64_t channel_id, int64_t uid, int64_t before, int64_t since, int limit, db_rows_t **rows,
                      int64_t *last_seq, bool *more) {
    *rows = NULL;
    *last_seq = 0;
    *more = false;
    limit = clamp(limit, 1, 200);
    /* the channel's last_seq first: every seq up to it is committed (commit order is seq order),
     * so the rows read next hold all of them that the reader may see — a client advancing to
     * last_seq skips nothing */
    db_val_t one = DB_INT(channel_id);
    db_rows_t *r;
    int rc = db_exec(db, &Q_LAST_SEQ, &one, 1, &r, NULL);
    if (rc != 0) return rc;
    bool found = db_rows_count(r) > 0;
    if (found) *last_seq = db_rows_int(r, 0, 0);
    db_rows_free(r);
    if (!found) return CHAT_E_NO_CHANNEL;
    if (before > 0) {
        db_val_t p[4] = { DB_INT(channel_id), DB_INT(uid), DB_INT(before), DB_INT(limit) };
        return db_exec(db, &Q_HIST_BEFORE, p, 4, rows, NULL);
    }
    if (since < 0) {
        db_val_t p[3] = { DB_INT(channel_id), DB_INT(uid), DB_INT(limit) };
        return db_exec(db, &Q_HIST_NEWEST, p, 3, rows, NULL);
    }
    db_val_t p[4] = { DB_INT(channel_id), DB_INT(uid), DB_INT(since), DB_INT(limit) };
    if ((rc = db_exec(db, &Q_HIST_SINCE, p, 4, rows, NULL)) != 0) return rc;
    int got = db_rows_count(*rows);
    if (got < limit) return 0;
    p[2] = DB_INT(db_rows_int(*rows, got - 1, CHAT_MSG_COL_SEQ));
    rc = any_row(db, &Q_HIST_MORE, p, 3);
    if (rc < 0) {
        db_rows_free(*rows);
        *rows = NULL;
        return rc;
    }
    *more = rc > 0;
    return 0;
}

int chatstore_read(db_t *db, int64_t channel_id, int64_t uid, int64_t seq, int64_t *stored) {
    *stored = 0;
    db_val_t p[3] = { DB_INT(channel_id), DB_INT(uid), DB_INT(seq) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_READ, p, 3, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = CHAT_E_NOT_MEMBER;
    else *stored = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return rc;
}

int chatstore_conversations(db_t *db, int64_t uid, db_rows_t **rows) {
    char prefix[32];
    direct_prefix(uid, prefix);
    db_val_t p[2] = { DB_INT(uid), text_val(prefix) };
    return db_exec(db, &Q_CONVERSATIONS, p, 2, rows, NULL);
}

int chatstore_blocked_ids(db_t *db, int64_t uid, db_rows_t **rows) {
    db_val_t p = DB_INT(uid);
    return db_exec(db, &Q_BLOCKED_IDS, &p, 1, rows, NULL);
}

/* ---- moderation --------------------------------------------------------------------------- */

/* The rank of uid in room channel_id: CHAT_RANK_ADMIN for an admin, its role for a member, else
 * CHAT_RANK_MEMBER; *member tells whether uid is one, *exists whether the user exists. */
static int rank_of(db_t *db, int64_t channel_id, int64_t uid, int *rank, bool *member, bool *exists) {
    chat_membership_t m;
    int rc = chatstore_membership(db, channel_id, uid, &m);
    if (rc != 0) return rc;
    *rank = m.rank;
    *member = m.member;
    if (exists) {
        db_val_t p = DB_INT(uid);
        if ((rc = any_row(db, &Q_USER_ROW, &p, 1)) < 0) return rc;
        *exists = rc > 0;
    }
    return 0;
}

static int moderate_tx(db_t *db, chat_mod_t *m, int64_t now) {
    db_val_t one = DB_INT(m->channel_id);
    db_rows_t *r;
    int rc = db_exec(db, &Q_CHANNEL_ID, &one, 1, &r, NULL);
    if (rc != 0) return rc;
    int kind = db_rows_count(r) ? (int)db_rows_int(r, 0, 1) : -1;
    char room[LIM_CHAT_ROOM_NAME + 1] = "";
    if (kind == CHAT_KIND_ROOM) snprintf(room, sizeof room, "%s", db_rows_text(r, 0, 2, NULL));
    db_rows_free(r);
    if (kind != CHAT_KIND_ROOM) return CHAT_E_NO_CHANNEL;
    if ((rc = account_alive(db, m->actor_id)) != 0) return rc;
    int actor, target = CHAT_RANK_MEMBER;
    bool member;
    if ((rc = rank_of(db, m->channel_id, m->actor_id, &actor, &member, NULL)) != 0) return rc;
    if (!member && actor != CHAT_RANK_ADMIN) actor = CHAT_RANK_MEMBER;   /* a former moderator has no say */
    if (m->action == CHAT_ACT_DELETE) {
        db_val_t p[2] = { DB_INT(m->channel_id), DB_INT(m->seq) };
        if ((rc = db_exec(db, &Q_MSG_SENDER, p, 2, &r, NULL)) != 0) return rc;
        bool found = db_rows_count(r) > 0, deleted = found && db_rows_int(r, 0, 1) == 1;
        m->target_of_delete = found ? db_rows_int(r, 0, 0) : 0;
        db_rows_free(r);
        if (!found || deleted) return CHAT_E_NO_MESSAGE;
        m->target_id = 0;
        /* the server's own notices rank as an owner: only admins delete them */
        if (m->target_of_delete == 0) target = CHAT_RANK_OWNER;
        else if ((rc = rank_of(db, m->channel_id, m->target_of_delete, &target, &member, NULL)) != 0) return rc;
    } else {
        bool exists;
        if ((rc = rank_of(db, m->channel_id, m->target_id, &target, &member, &exists)) != 0) return rc;
        if (!exists) return ACCOUNT_E_NOTFOUND;
        bool needs_member = m->action == CHAT_ACT_MUTE || m->action == CHAT_ACT_KICK || m->action == CHAT_ACT_MOD_ADD ||
                            m->action == CHAT_ACT_MOD_REMOVE;
        if (needs_member && !member) return chatrule_may(actor, m->action, target) ? CHAT_E_NOT_MEMBER : CHAT_E_FORBIDDEN;
    }
    if (!chatrule_may(actor, m->action, target)) return CHAT_E_FORBIDDEN;

    db_val_t p[5] = { DB_INT(m->channel_id), DB_INT(m->target_id), DB_NULLV, DB_NULLV, DB_NULLV };
    int64_t changes = 0;
    switch (m->action) {
    case CHAT_ACT_DELETE:
        p[1] = DB_INT(m->seq);
        p[2] = DB_INT(now);
        p[3] = DB_INT(m->actor_id);
        rc = db_exec(db, &Q_MSG_DELETE, p, 4, NULL, NULL);
        break;
    case CHAT_ACT_MUTE:
        p[2] = DB_INT(m->until);
        rc = db_exec(db, &Q_MUTE, p, 3, NULL, NULL);
        break;
    case CHAT_ACT_KICK: rc = db_exec(db, &Q_MEMBER_DEL, p, 2, NULL, NULL); break;
    case CHAT_ACT_BAN:
        p[2] = DB_INT(m->actor_id);
        p[3] = DB_TEXT(m->reason.ptr ? m->reason.ptr : "", m->reason.len);
        p[4] = DB_INT(now);
        if ((rc = db_exec(db, &Q_MEMBER_DEL, p, 2, NULL, NULL)) == 0) rc = db_exec(db, &Q_BAN, p, 5, NULL, NULL);
        break;
    case CHAT_ACT_UNBAN:
        if ((rc = db_exec(db, &Q_UNBAN, p, 2, NULL, &changes)) == 0 && changes == 0) rc = CHAT_E_NOT_BANNED;
        break;
    case CHAT_ACT_MOD_ADD:
    case CHAT_ACT_MOD_REMOVE:
        p[2] = DB_INT(m->action == CHAT_ACT_MOD_ADD ? CHAT_RANK_MODERATOR : CHAT_RANK_MEMBER);
        rc = db_exec(db, &Q_ROLE, p, 3, NULL, NULL);
        break;
    default: rc = DB_EINVAL; break;
    }
    if (rc != 0) return rc;
    const char *name = chatrule_action_name(m->action);
    int64_t target_user = m->action == CHAT_ACT_DELETE ? m->target_of_delete : m->target_id;
    db_val_t a[8] = {
        DB_INT(m->channel_id), DB_INT(m->actor_id), text_val(name), id_or_null(target_user),
        m->action == CHAT_ACT_DELETE ? DB_INT(m->seq) : DB_NULLV, m->action == CHAT_ACT_MUTE ? DB_INT(m->until) : DB_NULLV,
        DB_TEXT(m->reason.ptr ? m->reason.ptr : "", m->reason.len), DB_INT(now),
    };
    if ((rc = db_exec(db, &Q_ACTION_ADD, a, 8, NULL, NULL)) != 0 || actor != CHAT_RANK_ADMIN) return rc;
    /* a site admin's action is also in the audit log (docs/security.md, "Admin role") */
    char action[32], detail[LIM_CHAT_ROOM_NAME + 96 + CHATSTORE_REASON_MAX];
    snprintf(action, sizeof action, "chat.%s", name);
    int n = snprintf(detail, sizeof detail, "room %s", room);
    if (m->action == CHAT_ACT_DELETE) n += snprintf(detail + n, sizeof detail - (size_t)n, ", message %" PRId64, m->seq);
    if (m->action == CHAT_ACT_MUTE) n += snprintf(detail + n, sizeof detail - (size_t)n, ", until %" PRId64, m->until);
    if (m->reason.len) snprintf(detail + n, sizeof detail - (size_t)n, ": %.*s", (int)m->reason.len, m->reason.ptr);
    return admin_audit_add(db, m->actor_id, action, target_user, span_cstr(detail), now);
}

int chatstore_moderate(db_t *db, chat_mod_t *m, int64_t now) {
    m->target_of_delete = 0;
    if ((int)m->action < 0 || m->action >= CHAT_ACT_READ_LOG) return DB_EINVAL;
    if (m->reason.len > CHATSTORE_REASON_MAX) return CHAT_E_TOO_LONG;
    if (m->action == CHAT_ACT_MUTE &&
        (m->until < now + CHATRULE_MUTE_MIN_S * 1000LL || m->until > now + CHATRULE_MUTE_MAX_S * 1000LL))
        return CHAT_E_INVALID;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = moderate_tx(db, m, now)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int chatstore_actions(db_t *db, int64_t channel_id, int64_t actor, int limit, db_rows_t **rows) {
    *rows = NULL;
    int rank;
    bool member;
    int rc = rank_of(db, channel_id, actor, &rank, &member, NULL);
    if (rc != 0) return rc;
    if (!member && rank != CHAT_RANK_ADMIN) rank = CHAT_RANK_MEMBER;
    if (!chatrule_may(rank, CHAT_ACT_READ_LOG, CHAT_RANK_MEMBER)) return CHAT_E_FORBIDDEN;
    db_val_t p[2] = { DB_INT(channel_id), DB_INT(clamp(limit, 1, 200)) };
    return db_exec(db, &Q_ACTIONS, p, 2, rows, NULL);
}

/* ---- reports ------------------------------------------------------------------------------ */

static int report_tx(db_t *db, int64_t reporter, int64_t *target_id, int64_t channel_id, int64_t seq, span_t reason, int64_t now,
                     int64_t *id, db_rows_t **notify) {
    int rc = account_alive(db, reporter);
    if (rc != 0) return rc;
    int64_t room = 0;
    if (channel_id) {
        db_val_t p[3] = { DB_INT(channel_id), DB_INT(seq), DB_INT(reporter) };
        db_rows_t *r;
        if ((rc = db_exec(db, &Q_REPORT_MSG, p, 3, &r, NULL)) != 0) return rc;
        bool found = db_rows_count(r) > 0;
        int kind = found ? (int)db_rows_int(r, 0, 0) : -1;
        int64_t sender = found ? db_rows_int(r, 0, 1) : 0;
        bool reader = found && db_rows_int(r, 0, 2) == 1;
        db_rows_free(r);
        /* a room's messages are public; another channel's only to its members */
        if (!found || (kind != CHAT_KIND_ROOM && !reader)) return CHAT_E_NO_MESSAGE;
        if (kind == CHAT_KIND_ROOM) room = channel_id;
        *target_id = sender;
    } else if ((rc = account_exists(db, *target_id)) != 0) {
        return rc;
    }
    if (*target_id == reporter) return CHAT_E_SELF;
    db_val_t a[6] = {
        DB_INT(reporter), id_or_null(*target_id), id_or_null(channel_id), channel_id ? DB_INT(seq) : DB_NULLV,
        DB_TEXT(reason.ptr, reason.len), DB_INT(now),
    };
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_REPORT_ADD, a, 6, &r, NULL)) != 0) return rc;
    *id = db_rows_int(r, 0, 0);
    db_rows_free(r);
    db_val_t n[2] = { DB_INT(reporter), DB_INT(room) };
    return db_exec(db, &Q_REPORT_NOTIFY, n, 2, notify, NULL);
}

int chatstore_report(db_t *db, int64_t reporter, int64_t target_id, int64_t channel_id, int64_t seq, span_t reason, int64_t now,
                     int64_t *id, db_rows_t **notify) {
    *id = 0;
    *notify = NULL;
    if (channel_id ? seq <= 0 : target_id <= 0) return DB_EINVAL;
    if (reason.len == 0 || !reason.ptr) return CHAT_E_EMPTY;
    if (utf8_count(reason.ptr, reason.len) > CHATSTORE_REASON_MAX) return CHAT_E_TOO_LONG;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = report_tx(db, reporter, &target_id, channel_id, seq, reason, now, id, notify)) != 0 || (rc = db_commit(db)) != 0) {
        db_rollback(db);
        db_rows_free(*notify);
        *notify = NULL;
        *id = 0;
        return rc;
    }
    return 0;
}

int chatstore_reports(db_t *db, int64_t uid, int limit, db_rows_t **rows) {
    *rows = NULL;
    bool admin;
    int rc = chatstore_is_admin(db, uid, &admin);
    if (rc != 0) return rc;
    db_val_t p[3] = { DB_INT(uid), DB_INT(admin ? 1 : 0), DB_INT(clamp(limit, 1, 200)) };
    return db_exec(db, &Q_REPORTS, p, 3, rows, NULL);
}

/* ---- account data ------------------------------------------------------------------------- */

int chatstore_export(db_t *db, int64_t uid, db_rows_t **rows) {
    char prefix[32];
    direct_prefix(uid, prefix);
    db_val_t p[2] = { DB_INT(uid), text_val(prefix) };
    return db_exec(db, &Q_EXPORT, p, 2, rows, NULL);
}

int chatstore_delete_user(db_t *db, int64_t uid, int64_t now) {
    char key[CHATRULE_KEY_MAX];
    chatrule_system_key(uid, key);
    db_val_t p[2] = { DB_INT(uid), DB_INT(now) };
    db_val_t k = text_val(key);
    int rc;
    if ((rc = db_exec(db, &Q_DEL_DM_TEXT, p, 2, NULL, NULL)) != 0 || (rc = db_exec(db, &Q_DEL_MEMBERS, p, 1, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_DEL_BANS, p, 1, NULL, NULL)) != 0 || (rc = db_exec(db, &Q_DEL_SYSTEM, &k, 1, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_DEL_REPORTS, p, 1, NULL, NULL)) != 0)
        return rc;
    return 0;
}
