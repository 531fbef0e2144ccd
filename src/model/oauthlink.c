/* oauthlink — see oauthlink.h. */
#include "oauthlink.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const db_sql_t Q_STATE_PRUNE = { "oauth_state_prune", "DELETE FROM oauth_states WHERE expires_at < $1" };
static const db_sql_t Q_STATE_PUT = {
    "oauth_state_put",
    "INSERT INTO oauth_states (state_hash, verifier, link_user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
};
static const db_sql_t Q_STATE_USE = {
    "oauth_state_use", "UPDATE oauth_states SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2",
};
static const db_sql_t Q_STATE_GET = {
    "oauth_state_get", "SELECT verifier, COALESCE(link_user_id, 0) FROM oauth_states WHERE state_hash = $1",
};
static const db_sql_t Q_LINK_FIND = {
    "oauth_link_find",
    "SELECT " ACCOUNT_USER_COLS " FROM oauth_links JOIN users ON users.id = oauth_links.user_id"
    " WHERE oauth_links.provider = $1 AND oauth_links.provider_uid = $2 AND users.deleted_at IS NULL",
};
static const db_sql_t Q_LINK_OF_UID = {
    "oauth_link_of_uid", "SELECT provider_uid, login FROM oauth_links WHERE provider = $1 AND user_id = $2",
};
static const db_sql_t Q_LINK_UID = {
    "oauth_link_uid", "SELECT user_id FROM oauth_links WHERE provider = $1 AND provider_uid = $2",
};
static const db_sql_t Q_LINK_PUT = {
    "oauth_link_put", "INSERT INTO oauth_links (provider, provider_uid, user_id, login, created_at) VALUES ($1, $2, $3, $4, $5)",
};
static const db_sql_t Q_LINK_DEL = { "oauth_link_del", "DELETE FROM oauth_links WHERE provider = $1 AND user_id = $2" };
static const db_sql_t Q_LINK_DEL_USER = { "oauth_link_del_user", "DELETE FROM oauth_links WHERE user_id = $1" };
static const db_sql_t Q_NAME_TAKEN = {
    "oauth_name_taken", "SELECT 1 FROM users WHERE username_key = $1 OR display_key = $1",
};
static const db_sql_t Q_EMAIL_TAKEN = { "oauth_email_taken", "SELECT 1 FROM users WHERE email_key = $1" };
static const db_sql_t Q_INSERT_USER = {
    "oauth_insert_user",
    "INSERT INTO users (username, username_key, email, email_key, display_name, display_key, password_hash, language,"
    " created_at, updated_at) VALUES ($1, $2, $3, $4, $1, $2, NULL, 'en', $5, $5) RETURNING id",
};
static const db_sql_t Q_HAS_PASSWORD = {
    "oauth_has_password", "SELECT CASE WHEN password_hash IS NULL OR password_hash = '' THEN 0 ELSE 1 END FROM users WHERE id = $1",
};

static db_val_t text(const char *s) { return DB_TEXT(s, strlen(s)); }

int oauthlink_state_put(db_t *db, const char *state_hash, const char *verifier, int64_t link_uid, int64_t now, int64_t ttl_ms) {
    db_val_t t = DB_INT(now);
    int rc = db_exec(db, &Q_STATE_PRUNE, &t, 1, NULL, NULL);
    if (rc != 0) return rc;
    db_val_t p[5] = { text(state_hash), text(verifier), link_uid ? DB_INT(link_uid) : DB_NULLV, DB_INT(now), DB_INT(now + ttl_ms) };
    return db_exec(db, &Q_STATE_PUT, p, 5, NULL, NULL);
}

int oauthlink_state_take(db_t *db, const char *state_hash, int64_t now, char verifier[OAUTH_VERIFIER_CHARS + 1], int64_t *link_uid) {
    verifier[0] = 0;
    *link_uid = 0;
    db_val_t p[2] = { text(state_hash), DB_INT(now) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_STATE_USE, p, 2, NULL, &changed);
    if (rc != 0) return rc;
    if (changed != 1) return OAUTH_E_STATE;
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_STATE_GET, p, 1, &r, NULL)) != 0) return rc;
    if (db_rows_count(r) == 1) {
        size_t n;
        const char *v = db_rows_text(r, 0, 0, &n);
        if (n <= OAUTH_VERIFIER_CHARS) {
            memcpy(verifier, v, n);
            verifier[n] = 0;
        }
        *link_uid = db_rows_int(r, 0, 1);
    }
    db_rows_free(r);
    return verifier[0] ? 0 : OAUTH_E_STATE;
}

/* 1 when the query with one text parameter finds a row, 0 when not, or an error. */
static int found(db_t *db, const db_sql_t *q, const char *key) {
    db_val_t p = text(key);
    db_rows_t *r;
    int rc = db_exec(db, q, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    int n = db_rows_count(r);
    db_rows_free(r);
    return n > 0;
}

/* A free name from the login: login, login2, … (at most AUTH_USERNAME_MAX bytes). */
static int free_name(db_t *db, const char *login, char name[AUTH_USERNAME_MAX + 1]) {
    char base[AUTH_USERNAME_MAX + 1];
    int n = (int)strnlen(login, AUTH_USERNAME_MAX);
    snprintf(base, sizeof base, "%.*s%s", n, login, n < AUTH_USERNAME_MIN ? "-42" : "");
    for (int i = 1; i <= 999; i++) {
        char suffix[8] = "";
        if (i > 1) snprintf(suffix, sizeof suffix, "%d", i);
        int keep = AUTH_USERNAME_MAX - (int)strlen(suffix);
        snprintf(name, AUTH_USERNAME_MAX + 1, "%.*s%s", keep, base, suffix);
        char key[AUTH_USERNAME_MAX + 1];
        auth_fold(span_cstr(name), key);
        int t = found(db, &Q_NAME_TAKEN, key);
        if (t < 0) return t;
        if (t == 0) return 0;
    }
    return ACCOUNT_E_TAKEN_USERNAME;
}

static int find_link(db_t *db, const char *provider_uid, account_t *acc) {
    db_val_t p[2] = { text(OAUTHLINK_PROVIDER_42), text(provider_uid) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_LINK_FIND, p, 2, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else account_read(r, 0, acc);
    db_rows_free(r);
    return rc;
}

int oauthlink_login(db_t *db, const oauth_user_t *u, int64_t now, account_t *acc, bool *created) {
    *created = false;
    memset(acc, 0, sizeof *acc);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    rc = find_link(db, u->uid, acc);
    if (rc == 0) return db_commit(db);
    if (rc != ACCOUNT_E_NOTFOUND) goto fail;
    char name[AUTH_USERNAME_MAX + 1], nkey[AUTH_USERNAME_MAX + 1], ekey[AUTH_EMAIL_MAX + 1] = "";
    if ((rc = free_name(db, u->login, name)) != 0) goto fail;
    auth_fold(span_cstr(name), nkey);
    bool email = false;
    if (u->email[0]) {
        auth_fold(span_cstr(u->email), ekey);
        int t = found(db, &Q_EMAIL_TAKEN, ekey);
        if (t < 0) {
            rc = t;
            goto fail;
        }
        email = t == 0;
    }
    db_val_t p[5] = { text(name), text(nkey), email ? text(u->email) : DB_NULLV, email ? text(ekey) : DB_NULLV, DB_INT(now) };
    db_rows_t *r = NULL;
    if ((rc = db_exec(db, &Q_INSERT_USER, p, 5, &r, NULL)) != 0) goto fail;
    int64_t uid = db_rows_int(r, 0, 0);
    db_rows_free(r);
    db_val_t l[5] = { text(OAUTHLINK_PROVIDER_42), text(u->uid), DB_INT(uid), text(u->login), DB_INT(now) };
    if ((rc = db_exec(db, &Q_LINK_PUT, l, 5, NULL, NULL)) != 0) goto fail;
    if ((rc = db_commit(db)) != 0) return rc;
    *created = true;
    return account_get(db, uid, acc);
fail:
    db_rollback(db);
    return rc == DB_ECONSTRAINT ? ACCOUNT_E_TAKEN_USERNAME : rc;
}

int oauthlink_link(db_t *db, int64_t uid, const oauth_user_t *u, int64_t now) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = account_alive(db, uid)) != 0) goto fail;
    db_val_t p[2] = { text(OAUTHLINK_PROVIDER_42), text(u->uid) };
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_LINK_UID, p, 2, &r, NULL)) != 0) goto fail;
    int64_t owner = db_rows_count(r) ? db_rows_int(r, 0, 0) : 0;
    db_rows_free(r);
    if (owner == uid) return db_commit(db);   /* linked already: nothing to do */
    if (owner) {
        rc = OAUTH_E_TAKEN;
        goto fail;
    }
    db_val_t q[2] = { text(OAUTHLINK_PROVIDER_42), DB_INT(uid) };
    if ((rc = db_exec(db, &Q_LINK_OF_UID, q, 2, &r, NULL)) != 0) goto fail;
    bool has = db_rows_count(r) > 0;
    db_rows_free(r);
    if (has) {
        rc = OAUTH_E_LINKED;
        goto fail;
    }
    db_val_t l[5] = { text(OAUTHLINK_PROVIDER_42), text(u->uid), DB_INT(uid), text(u->login), DB_INT(now) };
    if ((rc = db_exec(db, &Q_LINK_PUT, l, 5, NULL, NULL)) != 0) goto fail;
    return db_commit(db);
fail:
    db_rollback(db);
    return rc == DB_ECONSTRAINT ? OAUTH_E_TAKEN : rc;
}

int oauthlink_status(db_t *db, int64_t uid, bool *linked, char login[OAUTH_LOGIN_MAX + 1], bool *has_password) {
    *linked = false;
    *has_password = false;
    login[0] = 0;
    db_val_t q[2] = { text(OAUTHLINK_PROVIDER_42), DB_INT(uid) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_LINK_OF_UID, q, 2, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) > 0) {
        *linked = true;
        size_t n;
        const char *l = db_rows_text(r, 0, 1, &n);
        snprintf(login, OAUTH_LOGIN_MAX + 1, "%.*s", (int)(n > OAUTH_LOGIN_MAX ? OAUTH_LOGIN_MAX : n), l);
    }
    db_rows_free(r);
    db_val_t one = DB_INT(uid);
    if ((rc = db_exec(db, &Q_HAS_PASSWORD, &one, 1, &r, NULL)) != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else *has_password = db_rows_int(r, 0, 0) == 1;
    db_rows_free(r);
    return rc;
}

int oauthlink_unlink(db_t *db, int64_t uid) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    bool linked, has_pw;
    char login[OAUTH_LOGIN_MAX + 1];
    if ((rc = account_alive(db, uid)) != 0 || (rc = oauthlink_status(db, uid, &linked, login, &has_pw)) != 0) goto fail;
    if (!linked) rc = ACCOUNT_E_NOTFOUND;
    else if (!has_pw) rc = OAUTH_E_NO_PASSWORD;
    if (rc != 0) goto fail;
    db_val_t q[2] = { text(OAUTHLINK_PROVIDER_42), DB_INT(uid) };
    if ((rc = db_exec(db, &Q_LINK_DEL, q, 2, NULL, NULL)) != 0) goto fail;
    return db_commit(db);
fail:
    db_rollback(db);
    return rc;
}

int oauthlink_delete_user(db_t *db, int64_t uid) {
    db_val_t one = DB_INT(uid);
    return db_exec(db, &Q_LINK_DEL_USER, &one, 1, NULL, NULL);
}
