/* accounts — the data layer of users and sessions: prepared statements and the
 * transactions that belong together. Runs on database worker threads only (it is given
 * the worker's db_t). Returns 0, a DB_E* code, or one of the ACCOUNT_E* codes below.
 *
 * Sessions are refresh-token chains: a login starts a family; every refresh marks the
 * presented token rotated and adds its successor to the same family. Presenting a rotated
 * token again means it was stolen or replayed: the whole family is revoked. */
#ifndef PONGD_ACCOUNT_H
#define PONGD_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "db.h"

/* Errors: ACCOUNT_E_* in err.h (-300 .. -399), and DB_E* from the database. */

#define ACCOUNT_LANG_MAX 8
#define ACCOUNT_REFRESH_TTL_MS (30LL * 24 * 3600 * 1000)
#define ACCOUNT_UA_MAX 200

typedef struct {
    int64_t id;
    char username[AUTH_USERNAME_MAX + 1];
    char email[AUTH_EMAIL_MAX + 1];
    char display_name[4 * AUTH_DISPLAY_MAX + 1];
    char language[ACCOUNT_LANG_MAX];
    char password_hash[AUTH_HASH_MAX];
    int64_t avatar_version;
    int64_t created_at, last_seen_at;
} account_t;

typedef struct {
    char token_hash[AUTH_TOKEN_HASH_HEX + 1];
    char family[AUTH_TOKEN_CHARS + 1];   /* new random id per login */
    char user_agent[ACCOUNT_UA_MAX + 1];
    char address[64];
    int64_t now, expires;
    char second_factor[10];              /* what the login used: "", "totp", "email", "recovery" (kept on rotation) */
} account_session_t;

/* Creates the user and its first session in one transaction. Duplicate username, email
 * or display name (case-insensitive) → the matching ACCOUNT_E_TAKEN_*. */
int account_register(db_t *db, const account_t *in, const account_session_t *s, int64_t *user_id, int64_t *session_id);

/* By username or email, case-insensitive; deleted accounts are not found. */
int account_find_login(db_t *db, const char *name, account_t *out);
int account_get(db_t *db, int64_t id, account_t *out);
/* 0 when user `id` exists and is not deleted, else ACCOUNT_E_NOTFOUND (or a DB_E* code). */
int account_exists(db_t *db, int64_t id);
/* The same for the acting user: ACCOUNT_E_GONE when deleted (a deleted account's access
 * token stays valid for up to 15 minutes: nothing may be written for it). */
int account_alive(db_t *db, int64_t me);

/* The columns account_read() reads, for statements of other modules on `users`:
 * ACCOUNT_USER_COLS all of them, ACCOUNT_PUBLIC_COLS without the email and password hash (read as
 * empty): what a profile shown to other users may load. */
#define ACCOUNT_USER_COLS                                                                         \
    "users.id, users.username, COALESCE(users.email, ''), users.display_name, users.language," \
    " COALESCE(users.password_hash, ''), users.avatar_version, users.created_at, COALESCE(users.last_seen_at, 0)"
#define ACCOUNT_PUBLIC_COLS                                                                        \
    "users.id, users.username, '', users.display_name, users.language, '', users.avatar_version," \
    " users.created_at, COALESCE(users.last_seen_at, 0)"
/* Row `row` of a result whose first columns are ACCOUNT_USER_COLS (or ACCOUNT_PUBLIC_COLS). */
void account_read(const db_rows_t *r, int row, account_t *out);

int account_session_create(db_t *db, int64_t user_id, const account_session_t *s, int64_t *session_id);

/* Rotation: old_hash → s->token_hash in old's family (s->family is ignored). *user_id is
 * set on success and on ACCOUNT_E_REUSED. */
int account_session_rotate(db_t *db, const char *old_hash, const account_session_t *s, int64_t *user_id, int64_t *session_id);

/* Revokes the family of the session holding this token (logout). *user_id if found. */
int account_session_logout(db_t *db, const char *token_hash, int64_t now, int64_t *user_id);
/* Revokes every session of the user. */
int account_sessions_revoke_all(db_t *db, int64_t user_id, int64_t now);
/* Revokes the family of session `id` if it belongs to the user; ACCOUNT_E_NOTFOUND otherwise. */
int account_session_revoke(db_t *db, int64_t user_id, int64_t id, int64_t now);
/* The family of the session holding this token hash, if it belongs to user_id
 * (ACCOUNT_E_NOTFOUND otherwise). */
int account_session_family(db_t *db, int64_t user_id, const char *token_hash, char family[AUTH_TOKEN_CHARS + 1]);

/* The user's live sessions, newest first: rows of (id, created_at, last_used_at,
 * user_agent, address, family, second_factor) — one row per family (its current token). */
int account_sessions_list(db_t *db, int64_t user_id, int64_t now, db_rows_t **rows);

#endif
