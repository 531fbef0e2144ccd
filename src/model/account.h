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
    int presence_visibility;   /* ACCOUNT_PRESENCE_*: who sees this user's presence */
    bool presence_hidden;      /* loaded for a viewer (profile_get): presence hidden from them (SOCIAL_PRESENCE_HIDDEN_SQL) */
} account_t;

/* users.presence_visibility: who sees a user's presence (online, in_game, last_seen_at).
 * Never the users they block; with FRIENDS, only their friends. */
enum { ACCOUNT_PRESENCE_EVERYONE = 0, ACCOUNT_PRESENCE_FRIENDS = 1 };
/* "everyone" / "friends", and back (-1: neither). */
const char *account_presence_name(int v);
int account_presence_parse(span_t s);

typedef struct {
    char token_hash[AUTH_TOKEN_HASH_HEX + 1];
    char family[AUTH_TOKEN_CHARS + 1];   /* new random id per login */
    char user_agent[ACCOUNT_UA_MAX + 1];
    char address[64];
    int64_t now, expires;
    char second_factor[10];              /* what the login used: "", "totp", "email", "recovery" (kept on rotation) */
    bool stamp;                          /* account_session_create: now and expires from the wall clock, under the lock */
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
    " COALESCE(users.password_hash, ''), users.avatar_version, users.created_at, COALESCE(users.last_seen_at, 0)," \
    " users.presence_visibility"
#define ACCOUNT_PUBLIC_COLS                                                                        \
    "users.id, users.username, '', users.display_name, users.language, '', users.avatar_version," \
    " users.created_at, COALESCE(users.last_seen_at, 0), users.presence_visibility"
/* How many columns they are: what a statement selects after them starts there. */
#define ACCOUNT_COLS_N 10
/* Row `row` of a result whose first columns are ACCOUNT_USER_COLS (or ACCOUNT_PUBLIC_COLS). */
void account_read(const db_rows_t *r, int row, account_t *out);

/* A new session of user_id, in the caller's transaction (its row lock is then held until the
 * commit). ACCOUNT_E_BANNED when the user is banned (users.banned_at): no way in starts a
 * session of a banned user. With s->stamp, s->now and s->expires are taken from the wall clock
 * once the row lock is held: the access token issued with the session then counts from s->now
 * (an end of sessions that commits afterwards voids it). */
int account_session_create(db_t *db, int64_t user_id, account_session_t *s, int64_t *session_id);
/* The same in a transaction of its own (a login outside one). */
int account_login_session(db_t *db, int64_t user_id, account_session_t *s, int64_t *session_id);
/* ACCOUNT_E_BANNED when the user is banned, else 0 (or a DB_E* code). */
int account_banned(db_t *db, int64_t user_id);

/* Rotation: old_hash → s->token_hash in old's family (s->family is ignored). *user_id is
 * set on success and on ACCOUNT_E_REUSED. */
int account_session_rotate(db_t *db, const char *old_hash, const account_session_t *s, int64_t *user_id, int64_t *session_id);

/* Rotation with a grace (docs/security.md, "Refresh races"). next[0..n_next-1]: the hashes
 * of the presented token's successors (next[0] its own successor, which s->token_hash must
 * equal, next[i+1] next[i]'s: auth_token_next). A rotated token presented again within its
 * grace (sessions.grace_until), whose chain of successors leads — each step within its
 * grace — to the family's current token, issued to the same client (user agent and address)
 * is not a theft: out->answer is then the index in next of that current token and nothing
 * changes but its last use. Any other rotated token revokes the family (ACCOUNT_E_REUSED). A
 * banned user's token is refused (ACCOUNT_E_BANNED, nothing written).
 * stamp: s->now and s->expires are taken from the wall clock once the user's row is locked
 * (a concurrent account_sessions_end then orders before or after it, never between). */
typedef struct {
    int64_t grace_ms;   /* 0: no grace (a rotated token is always a reuse) */
    const char (*next)[AUTH_TOKEN_HASH_HEX + 1];
    int n_next;
    bool stamp;
} account_rotate_t;
typedef struct {
    int64_t user_id;     /* on success and on ACCOUNT_E_REUSED/REVOKED */
    int64_t sid;         /* the family's first row id: the access token's sid claim */
    int64_t session_id;  /* the row inserted (a rotation; 0 within a grace) */
    int answer;          /* the index in next of the token to answer */
} account_rotated_t;
int account_session_rotate_ex(db_t *db, const char *old_hash, account_session_t *s, const account_rotate_t *o,
                              account_rotated_t *out);

/* Ends every session of the user but the family of session row keep_sid (0: all): in one
 * transaction, under the user's row lock, users.tokens_valid_after becomes T (the wall clock,
 * ms; never lowered) and the refresh tokens are revoked. *t_ms = T. Opens its own
 * transaction: call it outside one. The loop's part is api_sessions_end (api.h). */
int account_sessions_end(db_t *db, int64_t user_id, int64_t keep_sid, int64_t *t_ms);
/* Rows (id, tokens_valid_after) of the users whose T is after since_ms (app start). */
int account_valid_after_since(db_t *db, int64_t since_ms, db_rows_t **rows);

/* Ends the session holding this token (logout): under the user's row lock, its family of
 * refresh tokens is revoked at T = now (ms). *user_id, *sid (the family's first row: the
 * access tokens' sid claim) and *t_ms = T when found (each may be NULL);
 * ACCOUNT_E_NOTFOUND otherwise. Opens its own transaction: call it outside one. */
int account_session_logout(db_t *db, const char *token_hash, int64_t *user_id, int64_t *sid, int64_t *t_ms);
/* Revokes every session of the user. */
int account_sessions_revoke_all(db_t *db, int64_t user_id, int64_t now);
/* Ends session `id` (any row of its family) if it belongs to the user, as
 * account_session_logout does (*sid, *t_ms); ACCOUNT_E_NOTFOUND otherwise. Opens its own
 * transaction. */
int account_session_revoke(db_t *db, int64_t user_id, int64_t id, int64_t *sid, int64_t *t_ms);
/* Rows (sid, T) of the sessions whose refresh tokens were revoked after since_ms (app start:
 * the per-session part of revmap). */
int account_sessions_ended_since(db_t *db, int64_t since_ms, db_rows_t **rows);
/* The family of the session holding this token hash, if it belongs to user_id
 * (ACCOUNT_E_NOTFOUND otherwise). */
int account_session_family(db_t *db, int64_t user_id, const char *token_hash, char family[AUTH_TOKEN_CHARS + 1]);

/* The user's live sessions, newest first: rows of (id, created_at, last_used_at,
 * user_agent, address, family, second_factor) — one row per family (its current token). */
int account_sessions_list(db_t *db, int64_t user_id, int64_t now, db_rows_t **rows);

#endif
