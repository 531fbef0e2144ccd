/* emailtok — see emailtok.h. */
#include "emailtok.h"

#include "pongd_limits.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const db_sql_t Q_PURGE_USER = {
    "emailtok_purge_user", "DELETE FROM email_tokens WHERE user_id = $1 AND (expires_at <= $2 OR used_at IS NOT NULL)",
};
static const db_sql_t Q_PURGE_EXPIRED = { "emailtok_purge_expired", "DELETE FROM email_tokens WHERE expires_at <= $1" };
static const db_sql_t Q_ADD = {
    "emailtok_add",
    "INSERT INTO email_tokens (token_hash, user_id, kind, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
};
/* the token with its owner as the token and the account see it now */
static const db_sql_t Q_GET = {
    "emailtok_get",
    "SELECT t.user_id, t.kind, t.email, t.expires_at, COALESCE(t.used_at, 0), COALESCE(u.email, ''),"
    " COALESCE(u.email_verified_at, 0), u.username, u.language"
    " FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.deleted_at IS NULL",
};
static const db_sql_t Q_USE = {
    "emailtok_use", "UPDATE email_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
};
static const db_sql_t Q_USE_OTHERS = {
    "emailtok_use_others", "UPDATE email_tokens SET used_at = $3 WHERE user_id = $1 AND kind = $2 AND used_at IS NULL",
};
static const db_sql_t Q_CONFIRM = {
    "emailtok_confirm",
    "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3) WHERE id = $1 AND email = $2 AND deleted_at IS NULL",
};
static const db_sql_t Q_SET_PW = {
    "emailtok_set_pw", "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL",
};
static const db_sql_t Q_TARGET = {
    "emailtok_target",
    "SELECT id, username, COALESCE(email, ''), language, COALESCE(email_verified_at, 0) FROM users"
    " WHERE email_key = $1 AND deleted_at IS NULL AND banned_at IS NULL",
};

static db_val_t text(const char *s) { return DB_TEXT(s, strlen(s)); }

static void copy_text(char *dst, size_t cap, const db_rows_t *r, int row, int col) {
    size_t len;
    const char *t = db_rows_text(r, row, col, &len);
    if (len >= cap) len = cap - 1;
    memcpy(dst, t, len);
    dst[len] = 0;
}

int emailtok_create(db_t *db, int64_t uid, const char *kind, const char *email, int64_t now_ms, int64_t ttl_ms,
                    char token[AUTH_TOKEN_CHARS + 1]) {
    db_val_t purge[2] = { DB_INT(uid), DB_INT(now_ms) };
    int rc = db_exec(db, &Q_PURGE_USER, purge, 2, NULL, NULL);
    if (rc != 0) return rc;
    char th[AUTH_TOKEN_HASH_HEX + 1];
    auth_token_new(token);
    auth_token_hash(span_cstr(token), th);
    db_val_t p[6] = { text(th), DB_INT(uid), text(kind), text(email), DB_INT(now_ms), DB_INT(now_ms + ttl_ms) };
    return db_exec(db, &Q_ADD, p, 6, NULL, NULL);
}

typedef struct {
    emailtok_owner_t owner;   /* the account as it is now */
    char email[AUTH_EMAIL_MAX + 1];   /* the address the token was mailed to */
    int64_t expires, used;
} row_t;

/* The token's row, judged: 0 when live, for `kind`, and its address still the account's
 * (and, for a reset, confirmed). The hash is into th for the UPDATE that uses it. */
static int get(db_t *db, span_t token, const char *kind, int64_t now_ms, row_t *t, char th[AUTH_TOKEN_HASH_HEX + 1]) {
    memset(t, 0, sizeof *t);
    if (token.len != AUTH_TOKEN_CHARS) return EMAILTOK_E_INVALID;
    auth_token_hash(token, th);
    db_val_t p = text(th);
    db_rows_t *r;
    int rc = db_exec(db, &Q_GET, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    char k[16] = "";
    if (db_rows_count(r) == 0) rc = EMAILTOK_E_INVALID;
    else {
        t->owner.uid = db_rows_int(r, 0, 0);
        copy_text(k, sizeof k, r, 0, 1);
        copy_text(t->email, sizeof t->email, r, 0, 2);
        t->expires = db_rows_int(r, 0, 3);
        t->used = db_rows_int(r, 0, 4);
        copy_text(t->owner.email, sizeof t->owner.email, r, 0, 5);
        t->owner.email_verified_at = db_rows_int(r, 0, 6);
        copy_text(t->owner.username, sizeof t->owner.username, r, 0, 7);
        copy_text(t->owner.language, sizeof t->owner.language, r, 0, 8);
    }
    db_rows_free(r);
    if (rc != 0) return rc;
    if (strcmp(k, kind) != 0) return EMAILTOK_E_INVALID;
    if (t->used) return EMAILTOK_E_USED;
    if (t->expires <= now_ms) return EMAILTOK_E_EXPIRED;
    if (strcmp(t->email, t->owner.email) != 0) return EMAILTOK_E_STALE;
    if (strcmp(kind, EMAILTOK_RESET) == 0 && !t->owner.email_verified_at) return EMAILTOK_E_STALE;
    return 0;
}

/* Uses the token (caller's transaction): 0, or EMAILTOK_E_USED when another use came first. */
static int use(db_t *db, const char *th, int64_t now_ms) {
    db_val_t p[2] = { text(th), DB_INT(now_ms) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_USE, p, 2, NULL, &changed);
    return rc != 0 ? rc : changed == 1 ? 0 : EMAILTOK_E_USED;
}

static int finish(db_t *db, int rc) {
    if (rc != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int emailtok_verify(db_t *db, span_t token, int64_t now_ms, int64_t *uid) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    row_t t;
    char th[AUTH_TOKEN_HASH_HEX + 1];
    if ((rc = get(db, token, EMAILTOK_VERIFY, now_ms, &t, th)) == 0 && (rc = use(db, th, now_ms)) == 0) {
        db_val_t p[3] = { DB_INT(t.owner.uid), text(t.email), DB_INT(now_ms) };
        int64_t changed = 0;
        if ((rc = db_exec(db, &Q_CONFIRM, p, 3, NULL, &changed)) == 0 && changed != 1) rc = EMAILTOK_E_STALE;
    }
    if (rc == 0) *uid = t.owner.uid;
    return finish(db, rc);
}

int emailtok_reset_target(db_t *db, const char *email_key, int64_t now_ms, emailtok_owner_t *out) {
    memset(out, 0, sizeof *out);
    db_val_t now = DB_INT(now_ms);
    int rc = db_exec(db, &Q_PURGE_EXPIRED, &now, 1, NULL, NULL);
    if (rc != 0) return rc;
    db_val_t p = text(email_key);
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_TARGET, &p, 1, &r, NULL)) != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else {
        out->uid = db_rows_int(r, 0, 0);
        copy_text(out->username, sizeof out->username, r, 0, 1);
        copy_text(out->email, sizeof out->email, r, 0, 2);
        copy_text(out->language, sizeof out->language, r, 0, 3);
        out->email_verified_at = db_rows_int(r, 0, 4);
        if (!out->email_verified_at) rc = EMAILTOK_E_UNVERIFIED;
    }
    db_rows_free(r);
    return rc;
}

int emailtok_reset_request(db_t *db, const char *email_key, int64_t now_ms, emailtok_owner_t *out, char token[AUTH_TOKEN_CHARS + 1]) {
    token[0] = 0;
    int rc = emailtok_reset_target(db, email_key, now_ms, out);
    if (rc == 0) rc = emailtok_create(db, out->uid, EMAILTOK_RESET, out->email, now_ms, LIM_PASSWORD_RESET_MS, token);
    else if (rc == ACCOUNT_E_NOTFOUND || rc == EMAILTOK_E_UNVERIFIED) {
        memset(out, 0, sizeof *out);   /* no one to mail: nothing about the account goes out */
        rc = 0;
    }
    if (rc != 0) token[0] = 0;
    return rc;
}

int emailtok_peek(db_t *db, span_t token, const char *kind, int64_t now_ms, emailtok_owner_t *out) {
    row_t t;
    char th[AUTH_TOKEN_HASH_HEX + 1];
    int rc = get(db, token, kind, now_ms, &t, th);
    *out = t.owner;
    return rc;
}

int emailtok_reset(db_t *db, span_t token, const char *password_hash, int64_t now_ms, int64_t *uid) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    row_t t;
    char th[AUTH_TOKEN_HASH_HEX + 1];
    if ((rc = get(db, token, EMAILTOK_RESET, now_ms, &t, th)) == 0 && (rc = use(db, th, now_ms)) == 0) {
        db_val_t pw[3] = { DB_INT(t.owner.uid), text(password_hash), DB_INT(now_ms) };
        db_val_t others[3] = { DB_INT(t.owner.uid), text(EMAILTOK_RESET), DB_INT(now_ms) };
        if ((rc = db_exec(db, &Q_SET_PW, pw, 3, NULL, NULL)) == 0) rc = db_exec(db, &Q_USE_OTHERS, others, 3, NULL, NULL);
    }
    if (rc == 0) *uid = t.owner.uid;
    return finish(db, rc);
}
