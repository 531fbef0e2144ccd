/* admin — see admin.h. */
#include "admin.h"

#include "account.h"
#include "auth.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

static const db_sql_t Q_IS_ADMIN = { "admin_is_admin", "SELECT 1 FROM users WHERE id = $1 AND is_admin = 1 AND deleted_at IS NULL" };
static const db_sql_t Q_AUDIT_ADD = {
    "admin_audit_add", "INSERT INTO audit_log (actor_id, action, target_id, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
};
static const db_sql_t Q_USERS = {
    "admin_users",
    "SELECT id, username, display_name, COALESCE(email, ''), created_at, COALESCE(last_seen_at, 0), COALESCE(banned_at, 0),"
    " is_admin, CASE WHEN second_factor <> '' THEN 1 ELSE 0 END FROM users WHERE deleted_at IS NULL"
    " AND (username_key LIKE $1 ESCAPE '!' OR display_key LIKE $1 ESCAPE '!' OR email_key LIKE $1 ESCAPE '!')"
    " ORDER BY id LIMIT $2 OFFSET $3",
};
/* is_admin, banned (0/1) of a live user; no row: none */
static const db_sql_t Q_TARGET = {
    "admin_target", "SELECT is_admin, CASE WHEN banned_at IS NULL THEN 0 ELSE 1 END FROM users WHERE id = $1 AND deleted_at IS NULL",
};
static const db_sql_t Q_BAN = { "admin_ban", "UPDATE users SET banned_at = $2 WHERE id = $1 AND banned_at IS NULL" };
static const db_sql_t Q_UNBAN = { "admin_unban", "UPDATE users SET banned_at = NULL WHERE id = $1 AND banned_at IS NOT NULL" };
static const db_sql_t Q_UNMUTE = {
    "admin_unmute", "UPDATE chat_members SET muted_until = 0 WHERE user_id = $1 AND muted_until > $2",
};
static const db_sql_t Q_AUDIT = {
    "admin_audit",
    "SELECT a.id, a.actor_id, COALESCE(ua.username, ''), a.action, a.target_id, COALESCE(ut.username, ''), a.detail, a.created_at"
    " FROM audit_log a LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN users ut ON ut.id = a.target_id"
    " ORDER BY a.id DESC LIMIT $1 OFFSET $2",
};
static const db_sql_t Q_SET = {
    "admin_set", "UPDATE users SET is_admin = $2 WHERE username_key = $1 AND deleted_at IS NULL AND is_admin <> $2 RETURNING id",
};
static const db_sql_t Q_BY_NAME = { "admin_by_name", "SELECT id FROM users WHERE username_key = $1 AND deleted_at IS NULL" };
static const db_sql_t Q_LIST = {
    "admin_list", "SELECT id, username, display_name, COALESCE(banned_at, 0) FROM users WHERE is_admin = 1 AND deleted_at IS NULL ORDER BY id",
};

static db_val_t text_val(const char *s) { return DB_TEXT(s, strlen(s)); }
static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

int admin_check(db_t *db, int64_t uid) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    int rc = db_exec(db, &Q_IS_ADMIN, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    rc = db_rows_count(r) > 0 ? 0 : ADMIN_E_FORBIDDEN;
    db_rows_free(r);
    return rc;
}

int admin_audit_add(db_t *db, int64_t actor, const char *action, int64_t target, span_t detail, int64_t now) {
    size_t n = detail.ptr ? detail.len : 0;
    if (n > ADMIN_DETAIL_MAX) {
        n = ADMIN_DETAIL_MAX;
        while (n > 0 && ((unsigned char)detail.ptr[n] & 0xC0) == 0x80) n--;   /* not inside a character */
    }
    db_val_t p[5] = { actor ? DB_INT(actor) : DB_NULLV, text_val(action), target ? DB_INT(target) : DB_NULLV,
                      DB_TEXT(n ? detail.ptr : "", n), DB_INT(now) };
    return db_exec(db, &Q_AUDIT_ADD, p, 5, NULL, NULL);
}

int admin_users(db_t *db, int64_t actor, const char *q, int limit, int offset, db_rows_t **rows) {
    *rows = NULL;
    int rc = admin_check(db, actor);
    if (rc != 0) return rc;
    /* '%<q folded, LIKE's wildcards and the escape taken literally>%' */
    char key[ADMIN_SEARCH_MAX + 1], pat[2 * sizeof key + 3];
    size_t n = strlen(q), k = 0;
    if (n > ADMIN_SEARCH_MAX) n = ADMIN_SEARCH_MAX;
    auth_fold(span_of(q, n), key);
    pat[k++] = '%';
    for (const char *c = key; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '!') pat[k++] = '!';
        pat[k++] = *c;
    }
    pat[k++] = '%';
    db_val_t p[3] = { DB_TEXT(pat, k), DB_INT(clamp(limit, 1, ADMIN_PAGE_MAX + 1)), DB_INT(offset < 0 ? 0 : offset) };
    return db_exec(db, &Q_USERS, p, 3, rows, NULL);
}

/* In a transaction: the actor is an admin, the target a live user other than the actor and,
 * when `ban`, not an admin; *banned tells its state. */
static int target_check(db_t *db, int64_t actor, int64_t target, bool ban, bool *banned) {
    int rc = admin_check(db, actor);
    if (rc != 0) return rc;
    db_val_t p = DB_INT(target);
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_TARGET, &p, 1, &r, NULL)) != 0) return rc;
    bool found = db_rows_count(r) > 0, admin = found && db_rows_int(r, 0, 0) == 1;
    *banned = found && db_rows_int(r, 0, 1) == 1;
    db_rows_free(r);
    if (!found) return ACCOUNT_E_NOTFOUND;
    if (ban && (admin || target == actor)) return ADMIN_E_TARGET;
    return 0;
}

/* The end of a transaction: commit on 0, else roll back and return rc. */
static int finish(db_t *db, int rc) {
    if (rc == 0) return db_commit(db);
    db_rollback(db);
    return rc;
}

int admin_ban(db_t *db, int64_t actor, int64_t target, span_t reason, int64_t now) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    bool banned = false;
    int64_t changed = 0;
    db_val_t p[2] = { DB_INT(target), DB_INT(now) };
    if ((rc = target_check(db, actor, target, true, &banned)) == 0 && (rc = db_exec(db, &Q_BAN, p, 2, NULL, &changed)) == 0) {
        if (changed == 0) rc = ADMIN_E_STATE;
        else rc = admin_audit_add(db, actor, "user.ban", target, reason, now);
    }
    return finish(db, rc);
}

int admin_unban(db_t *db, int64_t actor, int64_t target, int64_t now) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    bool banned = false;
    int64_t changed = 0;
    db_val_t p = DB_INT(target);
    if ((rc = target_check(db, actor, target, false, &banned)) == 0 && (rc = db_exec(db, &Q_UNBAN, &p, 1, NULL, &changed)) == 0) {
        if (changed == 0) rc = ADMIN_E_STATE;
        else rc = admin_audit_add(db, actor, "user.unban", target, span_of("", 0), now);
    }
    return finish(db, rc);
}

int admin_unmute(db_t *db, int64_t actor, int64_t target, int64_t now, int64_t *rooms) {
    *rooms = 0;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    bool banned = false;
    db_val_t p[2] = { DB_INT(target), DB_INT(now) };
    if ((rc = target_check(db, actor, target, false, &banned)) == 0 && (rc = db_exec(db, &Q_UNMUTE, p, 2, NULL, rooms)) == 0 &&
        *rooms > 0) {
        char detail[64];
        snprintf(detail, sizeof detail, "%lld room(s)", (long long)*rooms);
        rc = admin_audit_add(db, actor, "chat.unmute", target, span_cstr(detail), now);
    }
    if (rc != 0) *rooms = 0;
    return finish(db, rc);
}

int admin_audit(db_t *db, int64_t actor, int limit, int offset, db_rows_t **rows) {
    *rows = NULL;
    int rc = admin_check(db, actor);
    if (rc != 0) return rc;
    db_val_t p[2] = { DB_INT(clamp(limit, 1, ADMIN_PAGE_MAX + 1)), DB_INT(offset < 0 ? 0 : offset) };
    return db_exec(db, &Q_AUDIT, p, 2, rows, NULL);
}

int admin_set(db_t *db, const char *username, bool admin, int64_t now, int64_t *uid) {
    *uid = 0;
    size_t n = strlen(username);
    if (n == 0 || n > AUTH_USERNAME_MAX) return ACCOUNT_E_NOTFOUND;
    char key[AUTH_USERNAME_MAX + 1];
    auth_fold(span_of(username, n), key);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[2] = { text_val(key), DB_INT(admin ? 1 : 0) };
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_SET, p, 2, &r, NULL)) != 0) return finish(db, rc);
    bool changed = db_rows_count(r) > 0;
    if (changed) *uid = db_rows_int(r, 0, 0);
    db_rows_free(r);
    if (!changed) {   /* already so, or no such user */
        if ((rc = db_exec(db, &Q_BY_NAME, p, 1, &r, NULL)) != 0) return finish(db, rc);
        bool found = db_rows_count(r) > 0;
        if (found) *uid = db_rows_int(r, 0, 0);
        db_rows_free(r);
        return finish(db, found ? ADMIN_E_STATE : ACCOUNT_E_NOTFOUND);
    }
    rc = admin_audit_add(db, 0, admin ? "admin.grant" : "admin.revoke", *uid, span_cstr("pongd admin (the command line)"), now);
    return finish(db, rc);
}

int admin_list(db_t *db, db_rows_t **rows) { return db_exec(db, &Q_LIST, NULL, 0, rows, NULL); }
