/* accounts — see accounts.h. Every statement is a static db_sql_t (prepared once per
 * connection); transactions group the writes that belong together. */
#include "account.h"

#include "now.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS ACCOUNT_USER_COLS

static const db_sql_t Q_INSERT_USER = {
    "account_insert_user",
    "INSERT INTO users (username, username_key, email, email_key, display_name, display_key, password_hash, language,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
};
static const db_sql_t Q_TAKEN_USERNAME = { "account_taken_username", "SELECT 1 FROM users WHERE username_key = $1" };
static const db_sql_t Q_TAKEN_EMAIL = { "account_taken_email", "SELECT 1 FROM users WHERE email_key = $1" };
static const db_sql_t Q_TAKEN_DISPLAY = { "account_taken_display", "SELECT 1 FROM users WHERE display_key = $1" };
static const db_sql_t Q_FIND_LOGIN = {
    "account_find_login",
    "SELECT " USER_COLS " FROM users WHERE (username_key = $1 OR email_key = $1) AND deleted_at IS NULL",
};
static const db_sql_t Q_GET = { "account_get", "SELECT " USER_COLS " FROM users WHERE id = $1 AND deleted_at IS NULL" };
static const db_sql_t Q_INSERT_SESSION = {
    "account_insert_session",
    "INSERT INTO sessions (user_id, family, token_hash, created_at, last_used_at, expires_at, user_agent, address, second_factor)"
    " VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8) RETURNING id",
};
static const db_sql_t Q_SESSION_BY_HASH = {
    "account_session_by_hash",
    "SELECT id, user_id, family, COALESCE(rotated_at, 0), COALESCE(revoked_at, 0), expires_at, created_at,"
    " COALESCE(grace_until, 0), user_agent, address,"
    " (SELECT MIN(f.id) FROM sessions f WHERE f.family = sessions.family), second_factor"
    " FROM sessions WHERE token_hash = $1",
};
static const db_sql_t Q_MARK_ROTATED = {
    "account_mark_rotated",
    "UPDATE sessions SET rotated_at = $2, last_used_at = $2, grace_until = $3 WHERE id = $1 AND rotated_at IS NULL",
};
static const db_sql_t Q_TOUCH_SESSION = { "account_touch_session", "UPDATE sessions SET last_used_at = $2 WHERE id = $1" };
/* Takes the user's row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the write
 * lock): a rotation and an end of sessions of one user run one after the other. */
static const db_sql_t Q_LOCK_USER = {
    "account_lock_user", "UPDATE users SET tokens_valid_after = tokens_valid_after WHERE id = $1",
};
/* The same lock, taken only while the user is not banned: a session starts under it (a ban,
 * which writes the row, then orders before or after; one after it ends the session). */
static const db_sql_t Q_LOCK_UNBANNED = {
    "account_lock_unbanned", "UPDATE users SET tokens_valid_after = tokens_valid_after WHERE id = $1 AND banned_at IS NULL",
};
static const db_sql_t Q_BANNED = { "account_banned", "SELECT 1 FROM users WHERE id = $1 AND banned_at IS NOT NULL" };
static const db_sql_t Q_SET_VALID_AFTER = {
    "account_set_valid_after", "UPDATE users SET tokens_valid_after = $2 WHERE id = $1 AND tokens_valid_after < $2",
};
static const db_sql_t Q_REVOKE_OTHERS = {
    "account_revoke_others",
    "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL"
    " AND family <> COALESCE((SELECT k.family FROM sessions k WHERE k.id = $3 AND k.user_id = $1), '')",
};
static const db_sql_t Q_VALID_AFTER_SINCE = {
    "account_valid_after_since", "SELECT id, tokens_valid_after FROM users WHERE tokens_valid_after > $1",
};
static const db_sql_t Q_REVOKE_FAMILY = {
    "account_revoke_family", "UPDATE sessions SET revoked_at = $2 WHERE family = $1 AND revoked_at IS NULL",
};
static const db_sql_t Q_REVOKE_ALL = {
    "account_revoke_all", "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
};
static const db_sql_t Q_FAMILY_OF = {
    "account_family_of",
    "SELECT family, (SELECT MIN(f.id) FROM sessions f WHERE f.family = sessions.family) FROM sessions"
    " WHERE id = $1 AND user_id = $2",
};
/* The sessions (sid: the family's first row) ended after $1, and when. */
static const db_sql_t Q_ENDED_SINCE = {
    "account_sessions_ended_since",
    "SELECT (SELECT MIN(f.id) FROM sessions f WHERE f.family = s.family), MAX(s.revoked_at) FROM sessions s"
    " WHERE s.revoked_at > $1 GROUP BY s.family",
};
static const db_sql_t Q_LIST = {
    "account_list_sessions",
    "SELECT id, created_at, last_used_at, user_agent, address, family, second_factor FROM sessions"
    " WHERE user_id = $1 AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > $2"
    " ORDER BY last_used_at DESC, id DESC",
};

static void copy_text(char *dst, size_t cap, const db_rows_t *r, int row, int col) {
    size_t len;
    const char *t = db_rows_text(r, row, col, &len);
    if (len >= cap) len = cap - 1;
    memcpy(dst, t, len);
    dst[len] = 0;
}

void account_read(const db_rows_t *r, int row, account_t *a) {
    memset(a, 0, sizeof *a);
    a->id = db_rows_int(r, row, 0);
    copy_text(a->username, sizeof a->username, r, row, 1);
    copy_text(a->email, sizeof a->email, r, row, 2);
    copy_text(a->display_name, sizeof a->display_name, r, row, 3);
    copy_text(a->language, sizeof a->language, r, row, 4);
    copy_text(a->password_hash, sizeof a->password_hash, r, row, 5);
    a->avatar_version = db_rows_int(r, row, 6);
    a->created_at = db_rows_int(r, row, 7);
    a->last_seen_at = db_rows_int(r, row, 8);
    a->presence_visibility = db_rows_int(r, row, 9) == ACCOUNT_PRESENCE_FRIENDS ? ACCOUNT_PRESENCE_FRIENDS : ACCOUNT_PRESENCE_EVERYONE;
}

const char *account_presence_name(int v) { return v == ACCOUNT_PRESENCE_FRIENDS ? "friends" : "everyone"; }

int account_presence_parse(span_t s) {
    return span_eq(s, "everyone") ? ACCOUNT_PRESENCE_EVERYONE : span_eq(s, "friends") ? ACCOUNT_PRESENCE_FRIENDS : -1;
}

static db_val_t text(const char *s) { return DB_TEXT(s, strlen(s)); }

static int64_t now_wall_ms_i64(void) { return (int64_t)now_wall_ms(); }

/* 1 if the query with one text parameter finds a row, 0 if not, or an error. */
static int exists(db_t *db, const db_sql_t *q, const char *key) {
    db_val_t p = text(key);
    db_rows_t *r;
    int rc = db_exec(db, q, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    int n = db_rows_count(r);
    db_rows_free(r);
    return n > 0;
}

/* Every session starts here (registration, login, second step, rotation): refused with
 * ACCOUNT_E_BANNED for a banned user, under the user's row lock when in a transaction. With
 * `stamp` (s itself), its now and expires are taken from the wall clock once the lock is held:
 * an end of sessions then orders before (this insert sees the ban) or after (its T is later
 * than an access token issued at stamp->now). */
static int insert_session(db_t *db, int64_t user_id, const char *family, const account_session_t *s, account_session_t *stamp,
                          int64_t *session_id) {
    db_val_t u = DB_INT(user_id);
    int64_t locked = 0;
    int rc = db_exec(db, &Q_LOCK_UNBANNED, &u, 1, NULL, &locked);
    if (rc != 0) return rc;
    if (locked == 0) return ACCOUNT_E_BANNED;
    if (stamp) {
        stamp->now = now_wall_ms_i64();
        stamp->expires = stamp->now + ACCOUNT_REFRESH_TTL_MS;
    }
    db_val_t p[8] = { DB_INT(user_id), text(family), text(s->token_hash), DB_INT(s->now), DB_INT(s->expires),
                      text(s->user_agent), text(s->address), text(s->second_factor) };
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_INSERT_SESSION, p, 8, &r, NULL)) != 0) return rc;
    if (session_id) *session_id = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return 0;
}

int account_register(db_t *db, const account_t *in, const account_session_t *s, int64_t *user_id, int64_t *session_id) {
    char ukey[sizeof in->username], ekey[sizeof in->email], dkey[sizeof in->display_name];
    auth_fold(span_cstr(in->username), ukey);
    auth_fold(span_cstr(in->email), ekey);
    auth_fold(span_cstr(in->display_name), dkey);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[9] = { text(in->username), text(ukey), text(in->email), text(ekey), text(in->display_name),
                      text(dkey), text(in->password_hash), text(in->language[0] ? in->language : "en"), DB_INT(s->now) };
    db_rows_t *r = NULL;
    rc = db_exec(db, &Q_INSERT_USER, p, 9, &r, NULL);
    if (rc == 0) {
        *user_id = db_rows_int(r, 0, 0);
        db_rows_free(r);
        rc = insert_session(db, *user_id, s->family, s, NULL, session_id);
    }
    if (rc == 0) return db_commit(db);
    db_rollback(db);
    if (rc != DB_ECONSTRAINT) return rc;
    /* which one? (after the rollback: a concurrent registration may have won the race) */
    int t;
    if ((t = exists(db, &Q_TAKEN_USERNAME, ukey)) != 0) return t > 0 ? ACCOUNT_E_TAKEN_USERNAME : t;
    if ((t = exists(db, &Q_TAKEN_EMAIL, ekey)) != 0) return t > 0 ? ACCOUNT_E_TAKEN_EMAIL : t;
    if ((t = exists(db, &Q_TAKEN_DISPLAY, dkey)) != 0) return t > 0 ? ACCOUNT_E_TAKEN_DISPLAY : t;
    return rc;
}

static int get_one(db_t *db, const db_sql_t *q, db_val_t p, account_t *out) {
    db_rows_t *r;
    int rc = db_exec(db, q, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else account_read(r, 0, out);
    db_rows_free(r);
    return rc;
}

int account_find_login(db_t *db, const char *name, account_t *out) {
    char key[AUTH_EMAIL_MAX + 1];
    size_t n = strlen(name);
    if (n > AUTH_EMAIL_MAX) return ACCOUNT_E_NOTFOUND;
    auth_fold(span_of(name, n), key);
    return get_one(db, &Q_FIND_LOGIN, text(key), out);
}

int account_get(db_t *db, int64_t id, account_t *out) { return get_one(db, &Q_GET, DB_INT(id), out); }

int account_session_create(db_t *db, int64_t user_id, account_session_t *s, int64_t *session_id) {
    return insert_session(db, user_id, s->family, s, s->stamp ? s : NULL, session_id);
}

int account_login_session(db_t *db, int64_t user_id, account_session_t *s, int64_t *session_id) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = insert_session(db, user_id, s->family, s, s->stamp ? s : NULL, session_id)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int account_banned(db_t *db, int64_t user_id) {
    db_val_t p = DB_INT(user_id);
    db_rows_t *r;
    int rc = db_exec(db, &Q_BANNED, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    rc = db_rows_count(r) > 0 ? ACCOUNT_E_BANNED : 0;
    db_rows_free(r);
    return rc;
}

int account_session_rotate(db_t *db, const char *old_hash, const account_session_t *s, int64_t *user_id, int64_t *session_id) {
    account_session_t copy = *s;
    account_rotated_t out = { 0 };
    int rc = account_session_rotate_ex(db, old_hash, &copy, &(account_rotate_t){ 0 }, &out);
    if (rc == 0 || rc == ACCOUNT_E_REUSED) *user_id = out.user_id;
    if (rc == 0 && session_id) *session_id = out.session_id;
    return rc;
}

/* A session row as Q_SESSION_BY_HASH reads it. */
typedef struct {
    int64_t id, uid, rotated, revoked, expires, grace_until, sid;
    char family[AUTH_TOKEN_CHARS + 1];
    char user_agent[ACCOUNT_UA_MAX + 1];
    char address[64];
    char second_factor[10];
} srow_t;

/* 1 found, 0 not, or an error. */
static int session_by_hash(db_t *db, const char *hash, srow_t *o) {
    db_val_t p = text(hash);
    db_rows_t *r;
    int rc = db_exec(db, &Q_SESSION_BY_HASH, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    int n = db_rows_count(r);
    if (n > 0) {
        o->id = db_rows_int(r, 0, 0);
        o->uid = db_rows_int(r, 0, 1);
        copy_text(o->family, sizeof o->family, r, 0, 2);
        o->rotated = db_rows_int(r, 0, 3);
        o->revoked = db_rows_int(r, 0, 4);
        o->expires = db_rows_int(r, 0, 5);
        o->grace_until = db_rows_int(r, 0, 7);
        copy_text(o->user_agent, sizeof o->user_agent, r, 0, 8);
        copy_text(o->address, sizeof o->address, r, 0, 9);
        o->sid = db_rows_int(r, 0, 10);
        copy_text(o->second_factor, sizeof o->second_factor, r, 0, 11);
    }
    db_rows_free(r);
    return n > 0;
}

static int lock_user(db_t *db, int64_t uid) {
    db_val_t p = DB_INT(uid);
    return db_exec(db, &Q_LOCK_USER, &p, 1, NULL, NULL);
}

/* Within the grace of a rotated token: the family's current token, if the chain of
 * successors leads to it, each step still in its grace, and the client is the one the
 * current token was issued to. Its index in o->next, or -1. */
static int grace_answer(db_t *db, const srow_t *old, const account_session_t *s, const account_rotate_t *o, int *rc) {
    const srow_t *prev = old;
    srow_t cur;
    for (int i = 0; i < o->n_next; i++) {
        if (!prev->rotated || prev->grace_until < s->now) return -1;   /* out of its grace */
        int f = session_by_hash(db, o->next[i], &cur);
        if (f <= 0) {
            *rc = f;
            return -1;
        }
        if (strcmp(cur.family, old->family) != 0 || cur.uid != old->uid || cur.revoked) return -1;
        if (!cur.rotated) {
            bool same_client = strcmp(cur.user_agent, s->user_agent) == 0 && strcmp(cur.address, s->address) == 0;
            if (!same_client || cur.expires <= s->now) return -1;
            db_val_t t[2] = { DB_INT(cur.id), DB_INT(s->now) };
            *rc = db_exec(db, &Q_TOUCH_SESSION, t, 2, NULL, NULL);
            return *rc == 0 ? i : -1;
        }
        prev = &cur;   /* checked at the top of the next step, before cur is read again */
    }
    return -1;
}

int account_session_rotate_ex(db_t *db, const char *old_hash, account_session_t *s, const account_rotate_t *o,
                              account_rotated_t *out) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    srow_t old;
    int f = session_by_hash(db, old_hash, &old);
    if (f <= 0) {
        rc = f < 0 ? f : ACCOUNT_E_NOTFOUND;
        goto fail;
    }
    /* the user's row lock first, then read the session again: an end of sessions that
     * committed meanwhile is seen, one that comes later sees this rotation */
    if ((rc = lock_user(db, old.uid)) != 0) goto fail;
    if ((f = session_by_hash(db, old_hash, &old)) <= 0) {
        rc = f < 0 ? f : ACCOUNT_E_NOTFOUND;
        goto fail;
    }
    if (o->stamp) {
        s->now = now_wall_ms_i64();
        s->expires = s->now + ACCOUNT_REFRESH_TTL_MS;
    }
    out->user_id = old.uid;
    out->sid = old.sid;
    out->answer = 0;
    if (old.revoked) {
        rc = ACCOUNT_E_REVOKED;
        goto fail;
    }
    if (old.rotated) {
        int grc = 0;
        int i = o->grace_ms > 0 ? grace_answer(db, &old, s, o, &grc) : -1;
        if (grc != 0) {
            rc = grc;
            goto fail;
        }
        if (i >= 0) {   /* the same client, within the grace: the current token again */
            out->answer = i;
            return db_commit(db);
        }
        /* replayed: revoke the whole chain, keep that write */
        db_val_t fam[2] = { text(old.family), DB_INT(s->now) };
        if ((rc = db_exec(db, &Q_REVOKE_FAMILY, fam, 2, NULL, NULL)) != 0) goto fail;
        rc = db_commit(db);
        return rc != 0 ? rc : ACCOUNT_E_REUSED;
    }
    if (old.expires <= s->now) {
        rc = ACCOUNT_E_EXPIRED;
        goto fail;
    }
    db_val_t m[3] = { DB_INT(old.id), DB_INT(s->now), o->grace_ms > 0 ? DB_INT(s->now + o->grace_ms) : DB_NULLV };
    int64_t changed = 0;
    if ((rc = db_exec(db, &Q_MARK_ROTATED, m, 3, NULL, &changed)) != 0) goto fail;
    if (changed != 1) {   /* a concurrent refresh rotated it first */
        rc = ACCOUNT_E_REUSED;
        goto fail;
    }
    snprintf(s->second_factor, sizeof s->second_factor, "%s", old.second_factor);   /* the successor keeps the login's factor */
    if ((rc = insert_session(db, old.uid, old.family, s, NULL, &out->session_id)) != 0) goto fail;
    return db_commit(db);
fail:
    db_rollback(db);
    return rc;
}

int account_sessions_end(db_t *db, int64_t user_id, int64_t keep_sid, int64_t *t_ms) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = lock_user(db, user_id)) != 0) goto fail;
    /* after the lock: a rotation that committed before issued its tokens before T */
    int64_t t = now_wall_ms_i64();
    db_val_t p[3] = { DB_INT(user_id), DB_INT(t), DB_INT(keep_sid) };
    if ((rc = db_exec(db, &Q_SET_VALID_AFTER, p, 2, NULL, NULL)) != 0) goto fail;
    if ((rc = db_exec(db, keep_sid > 0 ? &Q_REVOKE_OTHERS : &Q_REVOKE_ALL, p, keep_sid > 0 ? 3 : 2, NULL, NULL)) != 0) goto fail;
    if ((rc = db_commit(db)) != 0) return rc;
    if (t_ms) *t_ms = t;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int account_valid_after_since(db_t *db, int64_t since_ms, db_rows_t **rows) {
    db_val_t p = DB_INT(since_ms);
    return db_exec(db, &Q_VALID_AFTER_SINCE, &p, 1, rows, NULL);
}

static int revoke_family(db_t *db, const char *family, int64_t now) {
    db_val_t f[2] = { text(family), DB_INT(now) };
    return db_exec(db, &Q_REVOKE_FAMILY, f, 2, NULL, NULL);
}

/* Ends one session: under the user's row lock (a rotation of it commits before, and its
 * successor is revoked too, or after, and finds its token revoked), T = now and the family
 * revoked at T. */
static int end_family(db_t *db, int64_t uid, const char *family, int64_t *t_ms) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = lock_user(db, uid)) != 0) goto fail;
    int64_t t = now_wall_ms_i64();
    if ((rc = revoke_family(db, family, t)) != 0) goto fail;
    if ((rc = db_commit(db)) != 0) return rc;
    if (t_ms) *t_ms = t;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int account_session_logout(db_t *db, const char *token_hash, int64_t *user_id, int64_t *sid, int64_t *t_ms) {
    db_val_t p = text(token_hash);
    db_rows_t *r;
    int rc = db_exec(db, &Q_SESSION_BY_HASH, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) {
        db_rows_free(r);
        return ACCOUNT_E_NOTFOUND;
    }
    char family[AUTH_TOKEN_CHARS + 1];
    copy_text(family, sizeof family, r, 0, 2);
    int64_t uid = db_rows_int(r, 0, 1);
    if (user_id) *user_id = uid;
    if (sid) *sid = db_rows_int(r, 0, 10);
    db_rows_free(r);
    return end_family(db, uid, family, t_ms);
}

int account_sessions_revoke_all(db_t *db, int64_t user_id, int64_t now) {
    db_val_t p[2] = { DB_INT(user_id), DB_INT(now) };
    return db_exec(db, &Q_REVOKE_ALL, p, 2, NULL, NULL);
}

int account_session_revoke(db_t *db, int64_t user_id, int64_t id, int64_t *sid, int64_t *t_ms) {
    db_val_t p[2] = { DB_INT(id), DB_INT(user_id) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_FAMILY_OF, p, 2, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) {
        db_rows_free(r);
        return ACCOUNT_E_NOTFOUND;
    }
    char family[AUTH_TOKEN_CHARS + 1];
    copy_text(family, sizeof family, r, 0, 0);
    if (sid) *sid = db_rows_int(r, 0, 1);
    db_rows_free(r);
    return end_family(db, user_id, family, t_ms);
}

int account_sessions_ended_since(db_t *db, int64_t since_ms, db_rows_t **rows) {
    db_val_t p = DB_INT(since_ms);
    return db_exec(db, &Q_ENDED_SINCE, &p, 1, rows, NULL);
}

int account_session_family(db_t *db, int64_t user_id, const char *token_hash, char family[AUTH_TOKEN_CHARS + 1]) {
    db_val_t p = text(token_hash);
    db_rows_t *r;
    int rc = db_exec(db, &Q_SESSION_BY_HASH, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0 || db_rows_int(r, 0, 1) != user_id) rc = ACCOUNT_E_NOTFOUND;
    else copy_text(family, AUTH_TOKEN_CHARS + 1, r, 0, 2);
    db_rows_free(r);
    return rc;
}

int account_sessions_list(db_t *db, int64_t user_id, int64_t now, db_rows_t **rows) {
    db_val_t p[2] = { DB_INT(user_id), DB_INT(now) };
    return db_exec(db, &Q_LIST, p, 2, rows, NULL);
}

static const db_sql_t Q_EXISTS = { "account_exists", "SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL" };

int account_exists(db_t *db, int64_t id) {
    db_val_t p = DB_INT(id);
    db_rows_t *r;
    int rc = db_exec(db, &Q_EXISTS, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    int n = db_rows_count(r);
    db_rows_free(r);
    return n > 0 ? 0 : ACCOUNT_E_NOTFOUND;
}

int account_alive(db_t *db, int64_t me) {
    int rc = account_exists(db, me);
    return rc == ACCOUNT_E_NOTFOUND ? ACCOUNT_E_GONE : rc;
}
