/* accounts — the data layer of users and sessions: prepared statements and the
 * transactions that belong together. Runs on database worker threads only (it is given
 * the worker's db_t). Returns 0, a DB_E* code, or one of the ACC_E* codes below.
 *
 * Sessions are refresh-token chains: a login starts a family; every refresh marks the
 * presented token rotated and adds its successor to the same family. Presenting a rotated
 * token again means it was stolen or replayed: the whole family is revoked. */
#ifndef PONGD_ACCOUNTS_H
#define PONGD_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "db.h"

enum {
    ACC_E_NOTFOUND = -100,
    ACC_E_TAKEN_USERNAME = -101,
    ACC_E_TAKEN_EMAIL = -102,
    ACC_E_TAKEN_DISPLAY = -103,
    ACC_E_REUSED = -104,      /* a rotated refresh token came back: family revoked */
    ACC_E_REVOKED = -105,
    ACC_E_EXPIRED = -106,
    ACC_E_GONE = -107,        /* the caller's own account was deleted (its token is still valid) */
};

#define ACC_LANG_MAX 8
#define ACC_REFRESH_TTL_MS (30LL * 24 * 3600 * 1000)
#define ACC_UA_MAX 200

typedef struct {
    int64_t id;
    char username[AUTH_USERNAME_MAX + 1];
    char email[AUTH_EMAIL_MAX + 1];
    char display_name[4 * AUTH_DISPLAY_MAX + 1];
    char language[ACC_LANG_MAX];
    char password_hash[AUTH_HASH_MAX];
    int64_t avatar_version;
    int64_t created_at, last_seen_at;
} account_t;

typedef struct {
    char token_hash[AUTH_TOKEN_HASH_HEX + 1];
    char family[AUTH_TOKEN_CHARS + 1];   /* new random id per login */
    char user_agent[ACC_UA_MAX + 1];
    char address[64];
    int64_t now, expires;
} acc_session_t;

/* Creates the user and its first session in one transaction. Duplicate username, email
 * or display name (case-insensitive) → the matching ACC_E_TAKEN_*. */
int acc_register(db_t *db, const account_t *in, const acc_session_t *s, int64_t *user_id, int64_t *session_id);

/* By username or email, case-insensitive; deleted accounts are not found. */
int acc_find_login(db_t *db, const char *name, account_t *out);
int acc_get(db_t *db, int64_t id, account_t *out);

/* The columns acc_read() reads, for statements of other modules on `users`:
 * ACC_USER_COLS all of them, ACC_PUBLIC_COLS without the email and password hash (read as
 * empty): what a profile shown to other users may load. */
#define ACC_USER_COLS                                                                         \
    "users.id, users.username, COALESCE(users.email, ''), users.display_name, users.language," \
    " COALESCE(users.password_hash, ''), users.avatar_version, users.created_at, COALESCE(users.last_seen_at, 0)"
#define ACC_PUBLIC_COLS                                                                        \
    "users.id, users.username, '', users.display_name, users.language, '', users.avatar_version," \
    " users.created_at, COALESCE(users.last_seen_at, 0)"
/* Row `row` of a result whose first columns are ACC_USER_COLS (or ACC_PUBLIC_COLS). */
void acc_read(const db_rows_t *r, int row, account_t *out);

int acc_session_create(db_t *db, int64_t user_id, const acc_session_t *s, int64_t *session_id);

/* Rotation: old_hash → s->token_hash in old's family (s->family is ignored). *user_id is
 * set on success and on ACC_E_REUSED. */
int acc_session_rotate(db_t *db, const char *old_hash, const acc_session_t *s, int64_t *user_id, int64_t *session_id);

/* Revokes the family of the session holding this token (logout). *user_id if found. */
int acc_session_logout(db_t *db, const char *token_hash, int64_t now, int64_t *user_id);
/* Revokes every session of the user. */
int acc_sessions_revoke_all(db_t *db, int64_t user_id, int64_t now);
/* Revokes the family of session `id` if it belongs to the user; ACC_E_NOTFOUND otherwise. */
int acc_session_revoke(db_t *db, int64_t user_id, int64_t id, int64_t now);
/* The family of the session holding this token hash, if it belongs to user_id
 * (ACC_E_NOTFOUND otherwise). */
int acc_session_family(db_t *db, int64_t user_id, const char *token_hash, char family[AUTH_TOKEN_CHARS + 1]);

/* The user's live sessions, newest first: rows of (id, created_at, last_used_at,
 * user_agent, address, family) — one row per family (its current token). */
int acc_sessions_list(db_t *db, int64_t user_id, int64_t now, db_rows_t **rows);

#endif
