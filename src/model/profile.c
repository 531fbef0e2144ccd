/* profile — see profile.h. */
#include "profile.h"
#include "oauthlink.h"
#include "twofa.h"
#include "auth.h"
#include "chatstore.h"
#include "invite.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A live user's public columns, the viewer's ($2) relation to them (0: the viewer), the standing,
 * and whether their presence is hidden from the viewer. */
#define PROFILE_SQL(WHERE)                                                                             \
    "SELECT " ACCOUNT_PUBLIC_COLS ", CASE WHEN users.id = $2 THEN 0 ELSE " SOCIAL_RELATION_SQL("$2", "users.id") \
    " END, users.wins, users.losses, users.rating_milli, users.rd_milli, "                              \
    SOCIAL_PRESENCE_HIDDEN_SQL("$2", "users.id", "users.presence_visibility")                          \
    " FROM users WHERE " WHERE " AND users.deleted_at IS NULL"
static const db_sql_t Q_PROFILE_ID = { "profile_by_id", PROFILE_SQL("users.id = $1") };
static const db_sql_t Q_PROFILE_DISPLAY = { "profile_by_display", PROFILE_SQL("users.display_key = $1") };
static const db_sql_t Q_SEARCH = {
    "profile_search",
    "SELECT " ACCOUNT_PUBLIC_COLS ", users.rating_milli, users.rd_milli, "
    SOCIAL_PRESENCE_HIDDEN_SQL("$4", "users.id", "users.presence_visibility") " FROM users"
    " WHERE users.deleted_at IS NULL AND users.display_key LIKE $1 ESCAPE '!'"
    " ORDER BY CASE WHEN users.display_key LIKE $2 ESCAPE '!' THEN 0 ELSE 1 END, length(users.display_key), users.display_key"
    " LIMIT $3",
};
static const db_sql_t Q_TAKEN_DISPLAY = { "profile_taken_display", "SELECT 1 FROM users WHERE display_key = $1 AND id <> $2" };
static const db_sql_t Q_TAKEN_EMAIL = { "profile_taken_email", "SELECT 1 FROM users WHERE email_key = $1 AND id <> $2" };
static const db_sql_t Q_SET_DISPLAY = {
    "profile_set_display", "UPDATE users SET display_name = $2, display_key = $3, updated_at = $4 WHERE id = $1",
};
/* a new address is not confirmed (email_verified_at cleared: only another case of the same
 * address keeps it); while email codes are the second factor it cannot change (no row) */
static const db_sql_t Q_SET_EMAIL = {
    "profile_set_email",
    "UPDATE users SET email = $2, email_key = $3, updated_at = $4,"
    " email_verified_at = CASE WHEN email_key = $3 THEN email_verified_at ELSE NULL END"
    " WHERE id = $1 AND (second_factor <> 'email' OR email_key = $3)",
};
static const db_sql_t Q_SET_LANG = { "profile_set_lang", "UPDATE users SET language = $2, updated_at = $3 WHERE id = $1" };
static const db_sql_t Q_SET_PRESENCE = {
    "profile_set_presence", "UPDATE users SET presence_visibility = $2, updated_at = $3 WHERE id = $1",
};
static const db_sql_t Q_SET_PW = { "profile_set_pw", "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1" };
/* a new password voids the reset links still out (model/emailtok.h) */
static const db_sql_t Q_VOID_RESETS = {
    "profile_void_resets", "UPDATE email_tokens SET used_at = $2 WHERE user_id = $1 AND kind = 'reset' AND used_at IS NULL",
};
static const db_sql_t Q_AVATAR_UPSERT = {
    "profile_avatar_upsert",
    "INSERT INTO avatars (user_id, content_type, image, updated_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, image = excluded.image,"
    " updated_at = excluded.updated_at",
};
static const db_sql_t Q_AVATAR_DELETE = { "profile_avatar_delete", "DELETE FROM avatars WHERE user_id = $1" };
static const db_sql_t Q_AVATAR_BUMP = {
    "profile_avatar_bump", "UPDATE users SET avatar_version = avatar_version + 1, updated_at = $2 WHERE id = $1 RETURNING avatar_version",
};
static const db_sql_t Q_AVATAR_GET = { "profile_avatar_get", "SELECT image, content_type FROM avatars WHERE user_id = $1" };
static const db_sql_t Q_TOUCH = { "profile_touch", "UPDATE users SET last_seen_at = $2 WHERE id = $1" };
static const db_sql_t Q_DEL_SESSIONS = { "profile_del_sessions", "DELETE FROM sessions WHERE user_id = $1" };
static const db_sql_t Q_DEL_FRIENDS = { "profile_del_friends", "DELETE FROM friendships WHERE requester_id = $1 OR addressee_id = $1" };
static const db_sql_t Q_DEL_BLOCKS = { "profile_del_blocks", "DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1" };
static const db_sql_t Q_ANONYMISE = {
    "profile_anonymise",
    "UPDATE users SET username = $2, username_key = $5, email = NULL, email_key = NULL, display_name = $3, display_key = $5,"
    " password_hash = NULL, avatar_version = avatar_version + 1, last_seen_at = NULL, deleted_at = $4, updated_at = $4 WHERE id = $1",
};

static db_val_t text(const char *s) { return DB_TEXT(s, strlen(s)); }

/* A profile statement's result: ACCOUNT_E_NOTFOUND without a row. */
static int profile_of(const db_rows_t *r, account_t *out, social_relation_t *rel, profile_standing_t *st) {
    if (db_rows_count(r) == 0) return ACCOUNT_E_NOTFOUND;
    account_read(r, 0, out);
    enum { C = ACCOUNT_COLS_N };
    int64_t n = db_rows_int(r, 0, C);
    *rel = n >= REL_SELF && n <= REL_BLOCKED_BY ? (social_relation_t)n : REL_NONE;
    if (st)
        *st = (profile_standing_t){ (int32_t)db_rows_int(r, 0, C + 1), (int32_t)db_rows_int(r, 0, C + 2), db_rows_int(r, 0, C + 3),
                                    db_rows_int(r, 0, C + 4) };
    out->presence_hidden = db_rows_int(r, 0, C + 5) != 0;
    return 0;
}

int profile_get(db_t *db, int64_t viewer, int64_t id, const char *display_name, account_t *out, social_relation_t *rel) {
    return profile_get_standing(db, viewer, id, display_name, out, rel, NULL);
}

int profile_get_standing(db_t *db, int64_t viewer, int64_t id, const char *display_name, account_t *out, social_relation_t *rel,
                         profile_standing_t *st) {
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
    rc = profile_of(r, out, rel, st);
    db_rows_free(r);
    return rc;
}

void profile_get_many(db_t *db, int n, const int64_t *viewers, const int64_t *ids, account_t *out, social_relation_t *rels, int *rcs) {
    profile_get_many_standing(db, n, viewers, ids, out, rels, NULL, rcs);
}

void profile_get_many_standing(db_t *db, int n, const int64_t *viewers, const int64_t *ids, account_t *out, social_relation_t *rels,
                               profile_standing_t *sts, int *rcs) {
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
            else if (rcs[at + i] == 0) rcs[at + i] = profile_of(rows[i], &out[at + i], &rels[at + i], sts ? &sts[at + i] : NULL);
            if (rc == 0) db_rows_free(rows[i]);
        }
    }
}

int profile_search(db_t *db, int64_t viewer, const char *part, int limit, db_rows_t **rows) {
    char key[4 * AUTH_DISPLAY_MAX + 1], any[2 * sizeof key + 3], prefix[2 * sizeof key + 3];
    size_t n = strlen(part);
    if (n >= sizeof key) n = sizeof key - 1;
    auth_fold(span_of(part, n), key);
    size_t k = 0;
    any[k++] = '%';
    for (const char *c = key; *c; c++) {   /* LIKE's wildcards and the escape itself, literally */
        if (*c == '%' || *c == '_' || *c == '!') any[k++] = '!';
        any[k++] = *c;
    }
    any[k++] = '%';
    any[k] = '\0';
    memcpy(prefix, any + 1, k);            /* without the leading %: starts with */
    if (limit < 1) limit = 1;
    if (limit > PROFILE_SEARCH_MAX) limit = PROFILE_SEARCH_MAX;
    db_val_t p[4] = { text(any), text(prefix), DB_INT(limit), DB_INT(viewer) };
    return db_exec(db, &Q_SEARCH, p, 4, rows, NULL);
}

int profile_update(db_t *db, int64_t id, const profile_update_t *u, int64_t now) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = account_alive(db, id)) != 0) goto fail;
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
        int64_t changed = 0;
        if ((rc = db_exec(db, &Q_SET_EMAIL, p, 4, NULL, &changed)) != 0) goto fail;
        if (changed != 1) {
            rc = EMAILTOK_E_FACTOR;
            goto fail;
        }
    }
    if (u->language) {
        db_val_t p[3] = { DB_INT(id), text(u->language), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_LANG, p, 3, NULL, NULL)) != 0) goto fail;
    }
    if (u->presence_visibility) {
        db_val_t p[3] = { DB_INT(id), DB_INT(u->presence_visibility - 1), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_PRESENCE, p, 3, NULL, NULL)) != 0) goto fail;
    }
    if (u->password_hash) {
        db_val_t p[3] = { DB_INT(id), text(u->password_hash), DB_INT(now) };
        db_val_t v[2] = { DB_INT(id), DB_INT(now) };
        if ((rc = db_exec(db, &Q_SET_PW, p, 3, NULL, NULL)) != 0 || (rc = db_exec(db, &Q_VOID_RESETS, v, 2, NULL, NULL)) != 0) goto fail;
    }
    rc = db_commit(db);
    /* a concurrent change may still hit the unique index at commit or statement time */
    return rc == DB_ECONSTRAINT ? (u->display_name ? ACCOUNT_E_TAKEN_DISPLAY : ACCOUNT_E_TAKEN_EMAIL) : rc;
fail:
    db_rollback(db);
    if (rc == DB_ECONSTRAINT) rc = u->display_name ? ACCOUNT_E_TAKEN_DISPLAY : ACCOUNT_E_TAKEN_EMAIL;
    return rc;
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

int profile_avatar_set(db_t *db, int64_t id, const void *img, size_t len, const char *ctype, int64_t now, int64_t *version) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[4] = { DB_INT(id), text(ctype), DB_BLOB(img, len), DB_INT(now) };
    if ((rc = account_alive(db, id)) != 0 || (rc = db_exec(db, &Q_AVATAR_UPSERT, p, 4, NULL, NULL)) != 0 ||
        (rc = bump_avatar(db, id, now, version)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int profile_avatar_clear(db_t *db, int64_t id, int64_t now, int64_t *version) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p = DB_INT(id);
    if ((rc = account_alive(db, id)) != 0 || (rc = db_exec(db, &Q_AVATAR_DELETE, &p, 1, NULL, NULL)) != 0 ||
        (rc = bump_avatar(db, id, now, version)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int profile_avatar_get(db_t *db, int64_t id, db_rows_t **rows) {
    db_val_t p = DB_INT(id);
    return db_exec(db, &Q_AVATAR_GET, &p, 1, rows, NULL);
}

int profile_touch_seen(db_t *db, int64_t id, int64_t now) {
    db_val_t p[2] = { DB_INT(id), DB_INT(now) };
    return db_exec(db, &Q_TOUCH, p, 2, NULL, NULL);
}

int profile_delete_account(db_t *db, int64_t id, int64_t now) {
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
        (rc = invite_cancel_user(db, id, now)) != 0 || (rc = chatstore_delete_user(db, id, now)) != 0 ||
        (rc = twofa_delete_user(db, id)) != 0 || (rc = oauthlink_delete_user(db, id)) != 0 ||
        (rc = db_exec(db, &Q_ANONYMISE, a, 5, NULL, NULL)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}
