/* social — see social.h. Friendships are stored once per pair: (requester, addressee)
 * with accepted 0 (pending) or 1. */
#include "social.h"
#include "auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The relation of user V to another user O (V != O) as a social_relation_t number, in one SQL
 * expression: a block either way first, then the friendship row if any. One statement
 * reads it (with the profile, below): one lock and one round trip instead of one per table. */
#define RELATION_SQL(V, O)                                                                              \
    "CASE WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = " V " AND blocked_id = " O ") THEN 5"     \
    " WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = " O " AND blocked_id = " V ") THEN 6"         \
    " ELSE COALESCE((SELECT CASE WHEN accepted = 1 THEN 2 WHEN requester_id = " V " THEN 3 ELSE 4 END"   \
    " FROM friendships WHERE (requester_id = " V " AND addressee_id = " O ")"                            \
    " OR (requester_id = " O " AND addressee_id = " V ")), 1) END"
_Static_assert(REL_SELF == 0 && REL_NONE == 1 && REL_FRIENDS == 2 && REL_REQUEST_SENT == 3 && REL_REQUEST_RECEIVED == 4 &&
                   REL_BLOCKED == 5 && REL_BLOCKED_BY == 6,
               "RELATION_SQL and PROFILE_SQL number the relations as social_relation_t does");

static const db_sql_t Q_RELATION = { "social_relation", "SELECT " RELATION_SQL("$1", "$2") };
/* A live user's public columns and the viewer's ($2) relation to them (0: the viewer). */
#define PROFILE_SQL(WHERE)                                                                             \
    "SELECT " ACCOUNT_PUBLIC_COLS ", CASE WHEN users.id = $2 THEN 0 ELSE " RELATION_SQL("$2", "users.id") \
    " END FROM users WHERE " WHERE " AND users.deleted_at IS NULL"
static const db_sql_t Q_PROFILE_ID = { "social_profile_id", PROFILE_SQL("users.id = $1") };
static const db_sql_t Q_PROFILE_DISPLAY = { "social_profile_display", PROFILE_SQL("users.display_key = $1") };
static const db_sql_t Q_EXISTS = { "social_exists", "SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL" };
static const db_sql_t Q_TAKEN_DISPLAY = { "social_taken_display", "SELECT 1 FROM users WHERE display_key = $1 AND id <> $2" };
static const db_sql_t Q_TAKEN_EMAIL = { "social_taken_email", "SELECT 1 FROM users WHERE email_key = $1 AND id <> $2" };
static const db_sql_t Q_SET_DISPLAY = {
    "social_set_display", "UPDATE users SET display_name = $2, display_key = $3, updated_at = $4 WHERE id = $1",
};
static const db_sql_t Q_SET_EMAIL = { "social_set_email", "UPDATE users SET email = $2, email_key = $3, updated_at = $4 WHERE id = $1" };
static const db_sql_t Q_SET_LANG = { "social_set_lang", "UPDATE users SET language = $2, updated_at = $3 WHERE id = $1" };
static const db_sql_t Q_SET_PW = { "social_set_pw", "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1" };
static const db_sql_t Q_INSERT_REQUEST = {
    "social_insert_request",
    "INSERT INTO friendships (requester_id, addressee_id, accepted, created_at, updated_at) VALUES ($1, $2, 0, $3, $3)",
};
static const db_sql_t Q_ACCEPT = {
    "social_accept",
    "UPDATE friendships SET accepted = 1, updated_at = $3 WHERE requester_id = $2 AND addressee_id = $1 AND accepted = 0",
};
static const db_sql_t Q_REMOVE_PAIR = {
    "social_remove_pair",
    "DELETE FROM friendships WHERE (requester_id = $1 AND addressee_id = $2) OR (requester_id = $2 AND addressee_id = $1)",
};
static const db_sql_t Q_FRIENDS = {
    "social_friends",
    "SELECT u.id, u.username, u.display_name, u.avatar_version, COALESCE(u.last_seen_at, 0),"
    " CASE WHEN f.accepted = 1 THEN 0 WHEN f.addressee_id = $1 THEN 1 ELSE 2 END, f.created_at"
    " FROM friendships f JOIN users u ON u.id = CASE WHEN f.requester_id = $1 THEN f.addressee_id ELSE f.requester_id END"
    " WHERE (f.requester_id = $1 OR f.addressee_id = $1) AND u.deleted_at IS NULL ORDER BY u.display_key",
};
static const db_sql_t Q_FRIEND_IDS = {
    "social_friend_ids",
    "SELECT CASE WHEN requester_id = $1 THEN addressee_id ELSE requester_id END FROM friendships"
    " WHERE (requester_id = $1 OR addressee_id = $1) AND accepted = 1",
};
static const db_sql_t Q_BLOCK = {
    "social_block", "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
};
static const db_sql_t Q_UNBLOCK = { "social_unblock", "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2" };
static const db_sql_t Q_BLOCKS = {
    "social_blocks",
    "SELECT u.id, u.username, u.display_name, u.avatar_version, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id"
    " WHERE b.blocker_id = $1 ORDER BY u.display_key",
};
static const db_sql_t Q_AVATAR_UPSERT = {
    "social_avatar_upsert",
    "INSERT INTO avatars (user_id, content_type, image, updated_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, image = excluded.image,"
    " updated_at = excluded.updated_at",
};
static const db_sql_t Q_AVATAR_DELETE = { "social_avatar_delete", "DELETE FROM avatars WHERE user_id = $1" };
static const db_sql_t Q_AVATAR_BUMP = {
    "social_avatar_bump", "UPDATE users SET avatar_version = avatar_version + 1, updated_at = $2 WHERE id = $1 RETURNING avatar_version",
};
static const db_sql_t Q_AVATAR_GET = { "social_avatar_get", "SELECT image, content_type FROM avatars WHERE user_id = $1" };
static const db_sql_t Q_TOUCH = { "social_touch", "UPDATE users SET last_seen_at = $2 WHERE id = $1" };
static const db_sql_t Q_DEL_SESSIONS = { "social_del_sessions", "DELETE FROM sessions WHERE user_id = $1" };
static const db_sql_t Q_DEL_FRIENDS = { "social_del_friends", "DELETE FROM friendships WHERE requester_id = $1 OR addressee_id = $1" };
static const db_sql_t Q_DEL_BLOCKS = { "social_del_blocks", "DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1" };
static const db_sql_t Q_ANONYMISE = {
    "social_anonymise",
    "UPDATE users SET username = $2, username_key = $5, email = NULL, email_key = NULL, display_name = $3, display_key = $5,"
    " password_hash = NULL, avatar_version = avatar_version + 1, last_seen_at = NULL, deleted_at = $4, updated_at = $4 WHERE id = $1",
};

const char *social_relation_name(social_relation_t r) {
    static const char *const names[] = { "self", "none", "friends", "request_sent", "request_received", "blocked", "blocked_by" };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}

static db_val_t text(const char *s) { return DB_TEXT(s, strlen(s)); }

static int user_exists(db_t *db, int64_t id);
#define user_exists_id user_exists

/* ACCOUNT_E_GONE unless the acting user still exists (a deleted account's access token stays
 * valid for up to 15 minutes: nothing may be written for it). */
static int caller_alive(db_t *db, int64_t me) {
    int rc = user_exists_id(db, me);
    return rc == ACCOUNT_E_NOTFOUND ? ACCOUNT_E_GONE : rc;
}

static int user_exists(db_t *db, int64_t id) {
    db_val_t p = DB_INT(id);
    db_rows_t *r;
    int rc = db_exec(db, &Q_EXISTS, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    int n = db_rows_count(r);
    db_rows_free(r);
    return n > 0 ? 0 : ACCOUNT_E_NOTFOUND;
}

int social_relation(db_t *db, int64_t viewer, int64_t other, social_relation_t *out) {
    if (viewer == other) {
        *out = REL_SELF;
        return 0;
    }
    db_val_t p[2] = { DB_INT(viewer), DB_INT(other) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_RELATION, p, 2, &r, NULL);
    if (rc != 0) return rc;
    *out = (social_relation_t)db_rows_int(r, 0, 0);
    db_rows_free(r);
    return 0;
}

/* A profile statement's result: ACCOUNT_E_NOTFOUND without a row. */
static int profile_of(const db_rows_t *r, account_t *out, social_relation_t *rel) {
    if (db_rows_count(r) == 0) return ACCOUNT_E_NOTFOUND;
    account_read(r, 0, out);
    int64_t n = db_rows_int(r, 0, 9);
    *rel = n >= REL_SELF && n <= REL_BLOCKED_BY ? (social_relation_t)n : REL_NONE;
    return 0;
}

int social_profile(db_t *db, int64_t viewer, int64_t id, const char *display_name, account_t *out, social_relation_t *rel) {
    db_val_t p[2] = { DB_INT(id), DB_INT(viewer) };
    const db_sql_t *q = &Q_PROFILE_ID;
    char key[4 * AUTH_DISPLAY_MAX + 1];
    if (display_name) {
        size_t n = strlen(display_name);
        if (n >= sizeof key) return ACCOUNT_E_NOTFOUND;
        auth_fold(span_of(display_name, n), key);
        p[0] = text(key);
        q = &Q_PROFILE_DISPLAY;
    }
    db_rows_t *r;
    int rc = db_exec(db, q, p, 2, &r, NULL);
    if (rc != 0) return rc;
    rc = profile_of(r, out, rel);
    db_rows_free(r);
    return rc;
}

void social_profiles(db_t *db, int n, const int64_t *viewers, const int64_t *ids, account_t *out, social_relation_t *rels, int *rcs) {
    for (int at = 0; at < n; at += DB_MANY_MAX) {   /* one db_exec_many per DB_MANY_MAX pairs */
        int k = n - at < DB_MANY_MAX ? n - at : DB_MANY_MAX;
        db_val_t p[2 * DB_MANY_MAX] = { 0 };
        db_rows_t *rows[DB_MANY_MAX];
        for (int i = 0; i < k; i++) {
            p[2 * i] = DB_INT(ids[at + i]);
            p[2 * i + 1] = DB_INT(viewers[at + i]);
        }
        int rc = db_exec_many(db, &Q_PROFILE_ID, p, 2, k, rows, rcs + at);
        for (int i = 0; i < k; i++) {
            if (rc != 0) rcs[at + i] = rc;
            else if (rcs[at + i] == 0) rcs[at + i] = profile_of(rows[i], &out[at + i], &rels[at + i]);
            if (rc == 0) db_rows_free(rows[i]);
        }
    }
}

int social_update(db_t *db, int64_t id, const social_update_t *u, int64_t now) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = caller_alive(db, id)) != 0) goto fail;
    if (u->display_name) {
        char key[4 * AUTH_DISPLAY_MAX + 1];
        auth_fold(span_cstr(u->display_name), key);
        db_val_t t[2] = { text(key), DB_INT(id) };
        db_rows_t *r;
        if ((rc = db_exec(db, &Q_TAKEN_DISPLAY, t, 2, &r, NULL)) != 0) goto fail;
        int taken = db_rows_count(r);
        db_rows_free(r);
        if (taken) {
            rc = ACCOUNT_E_TAKEN_DISPLAY;
            goto fail;
        }
        db_val_t p[4] = { DB_INT(id), text(u->display_name), text(key), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_DISPLAY, p, 4, NULL, NULL)) != 0) goto fail;
    }
    if (u->email) {
        char key[AUTH_EMAIL_MAX + 1];
        auth_fold(span_cstr(u->email), key);
        db_val_t t[2] = { text(key), DB_INT(id) };
        db_rows_t *r;
        if ((rc = db_exec(db, &Q_TAKEN_EMAIL, t, 2, &r, NULL)) != 0) goto fail;
        int taken = db_rows_count(r);
        db_rows_free(r);
        if (taken) {
            rc = ACCOUNT_E_TAKEN_EMAIL;
            goto fail;
        }
        db_val_t p[4] = { DB_INT(id), text(u->email), text(key), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_EMAIL, p, 4, NULL, NULL)) != 0) goto fail;
    }
    if (u->language) {
        db_val_t p[3] = { DB_INT(id), text(u->language), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_LANG, p, 3, NULL, NULL)) != 0) goto fail;
    }
    if (u->password_hash) {
        db_val_t p[3] = { DB_INT(id), text(u->password_hash), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_PW, p, 3, NULL, NULL)) != 0) goto fail;
    }
    rc = db_commit(db);
    /* a concurrent change may still hit the unique index at commit or statement time */
    return rc == DB_ECONSTRAINT ? (u->display_name ? ACCOUNT_E_TAKEN_DISPLAY : ACCOUNT_E_TAKEN_EMAIL) : rc;
fail:
    db_rollback(db);
    if (rc == DB_ECONSTRAINT) rc = u->display_name ? ACCOUNT_E_TAKEN_DISPLAY : ACCOUNT_E_TAKEN_EMAIL;
    return rc;
}

int social_friend_request(db_t *db, int64_t me, int64_t them, int64_t now, bool *became_friends) {
    *became_friends = false;
    if (me == them) return SOCIAL_E_SELF;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    social_relation_t rel;
    if ((rc = caller_alive(db, me)) != 0 || (rc = user_exists(db, them)) != 0 || (rc = social_relation(db, me, them, &rel)) != 0)
        goto fail;
    switch (rel) {
    case REL_BLOCKED:
    case REL_BLOCKED_BY: rc = SOCIAL_E_BLOCKED; goto fail;
    case REL_FRIENDS:
    case REL_REQUEST_SENT: rc = SOCIAL_E_EXISTS; goto fail;
    case REL_REQUEST_RECEIVED: {
        db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
        if ((rc = db_exec(db, &Q_ACCEPT, p, 3, NULL, NULL)) != 0) goto fail;
        *became_friends = true;
        break;
    }
    default: {
        db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
        if ((rc = db_exec(db, &Q_INSERT_REQUEST, p, 3, NULL, NULL)) != 0) goto fail;
    }
    }
    rc = db_commit(db);
    return rc == DB_ECONSTRAINT ? SOCIAL_E_EXISTS : rc;   /* both asked at the same moment */
fail:
    db_rollback(db);
    return rc == DB_ECONSTRAINT ? SOCIAL_E_EXISTS : rc;
}

int social_friend_accept(db_t *db, int64_t me, int64_t them, int64_t now) {
    db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_ACCEPT, p, 3, NULL, &changed);
    if (rc != 0) return rc;
    return changed == 1 ? 0 : ACCOUNT_E_NOTFOUND;
}

int social_friend_remove(db_t *db, int64_t me, int64_t them) {
    db_val_t p[2] = { DB_INT(me), DB_INT(them) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_REMOVE_PAIR, p, 2, NULL, &changed);
    if (rc != 0) return rc;
    return changed > 0 ? 0 : ACCOUNT_E_NOTFOUND;
}

int social_friends(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_FRIENDS, &p, 1, rows, NULL);
}

int social_friend_ids(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_FRIEND_IDS, &p, 1, rows, NULL);
}

int social_block(db_t *db, int64_t me, int64_t them, int64_t now) {
    if (me == them) return SOCIAL_E_SELF;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
    if ((rc = caller_alive(db, me)) != 0 || (rc = user_exists(db, them)) != 0 || (rc = db_exec(db, &Q_BLOCK, p, 3, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_REMOVE_PAIR, p, 2, NULL, NULL)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int social_unblock(db_t *db, int64_t me, int64_t them) {
    db_val_t p[2] = { DB_INT(me), DB_INT(them) };
    return db_exec(db, &Q_UNBLOCK, p, 2, NULL, NULL);
}

int social_blocks(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_BLOCKS, &p, 1, rows, NULL);
}

static int bump_avatar(db_t *db, int64_t id, int64_t now, int64_t *version) {
    db_val_t p[2] = { DB_INT(id), DB_INT(now) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_AVATAR_BUMP, p, 2, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else if (version) *version = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return rc;
}

int social_avatar_set(db_t *db, int64_t id, const void *img, size_t len, const char *ctype, int64_t now, int64_t *version) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[4] = { DB_INT(id), text(ctype), DB_BLOB(img, len), DB_INT(now) };
    if ((rc = caller_alive(db, id)) != 0 || (rc = db_exec(db, &Q_AVATAR_UPSERT, p, 4, NULL, NULL)) != 0 ||
        (rc = bump_avatar(db, id, now, version)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int social_avatar_clear(db_t *db, int64_t id, int64_t now, int64_t *version) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p = DB_INT(id);
    if ((rc = caller_alive(db, id)) != 0 || (rc = db_exec(db, &Q_AVATAR_DELETE, &p, 1, NULL, NULL)) != 0 ||
        (rc = bump_avatar(db, id, now, version)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int social_avatar_get(db_t *db, int64_t id, db_rows_t **rows) {
    db_val_t p = DB_INT(id);
    return db_exec(db, &Q_AVATAR_GET, &p, 1, rows, NULL);
}

int social_touch_seen(db_t *db, int64_t id, int64_t now) {
    db_val_t p[2] = { DB_INT(id), DB_INT(now) };
    return db_exec(db, &Q_TOUCH, p, 2, NULL, NULL);
}

int social_delete_account(db_t *db, int64_t id, int64_t now) {
    /* the keys start with a control character, which no valid name contains: nobody can
     * register a name that blocks a deletion, and the freed names are free for anyone */
    char anon[40], key[40];
    snprintf(anon, sizeof anon, "deleted-%" PRId64, id);
    snprintf(key, sizeof key, "\001" "deleted-%" PRId64, id);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t one = DB_INT(id);
    db_val_t a[5] = { DB_INT(id), text(anon), text("Deleted user"), DB_INT(now), text(key) };
    if ((rc = db_exec(db, &Q_DEL_SESSIONS, &one, 1, NULL, NULL)) != 0 || (rc = db_exec(db, &Q_DEL_FRIENDS, &one, 1, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_DEL_BLOCKS, &one, 1, NULL, NULL)) != 0 || (rc = db_exec(db, &Q_AVATAR_DELETE, &one, 1, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_ANONYMISE, a, 5, NULL, NULL)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}
