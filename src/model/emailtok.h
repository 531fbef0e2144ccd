/* emailtok — the tokens mailed as links (migration 5's email_tokens): "verify" confirms that
 * the owner of an address reads it (users.email_verified_at), "reset" sets a new password.
 * A token is random (auth_token_new, 256 bits), stored only as its SHA-256 (auth_token_hash),
 * bound to the user and to the address it was mailed to, short-lived and used once: using one
 * is a conditional UPDATE (used_at IS NULL) whose changed-row count decides, inside the
 * transaction that does what it allows, so two requests racing with one link cannot both pass.
 * A link whose address is no longer the account's (the email changed since) does nothing.
 * Database worker threads only. Returns 0, a DB_E* code, or an EMAILTOK_E_* / ACCOUNT_E_* code. */
#ifndef PONGD_EMAILTOK_H
#define PONGD_EMAILTOK_H

#include <stdint.h>

#include "account.h"
#include "db.h"

#define EMAILTOK_VERIFY "verify"
#define EMAILTOK_RESET "reset"

/* The account a token (or a reset request) is about. */
typedef struct {
    int64_t uid;
    char username[AUTH_USERNAME_MAX + 1];
    char email[AUTH_EMAIL_MAX + 1];
    char language[ACCOUNT_LANG_MAX];
    int64_t email_verified_at;   /* 0: never confirmed */
} emailtok_owner_t;

/* A new token of `kind` for uid's address `email`, living ttl_ms from now_ms, into token
 * (the only copy of the plain token: it goes in the mail). The user's dead tokens (expired
 * or used) are deleted on the way. */
int emailtok_create(db_t *db, int64_t uid, const char *kind, const char *email, int64_t now_ms, int64_t ttl_ms,
                    char token[AUTH_TOKEN_CHARS + 1]);

/* Confirms an address with a "verify" token: the token is used and users.email_verified_at
 * set (kept if it was already set) when the address is still the account's; *uid gets the
 * user. EMAILTOK_E_INVALID (unknown, malformed, another kind), EMAILTOK_E_USED,
 * EMAILTOK_E_EXPIRED, EMAILTOK_E_STALE (the email changed since: nothing is confirmed). */
int emailtok_verify(db_t *db, span_t token, int64_t now_ms, int64_t *uid);

/* Whom a password-reset request for the folded address email_key (auth_fold) is for: a live,
 * unbanned account with that address, confirmed. ACCOUNT_E_NOTFOUND when there is none,
 * EMAILTOK_E_UNVERIFIED when its address is not confirmed (out is filled either way it is
 * found). Also deletes every expired token of every user, so that a request costs a write
 * whether or not the address is known. */
int emailtok_reset_target(db_t *db, const char *email_key, int64_t now_ms, emailtok_owner_t *out);

/* A password-reset request for the folded address email_key, as the API answers it: the same
 * 0 whether or not there is someone to mail (an unknown, unconfirmed, banned or deleted
 * account alike), with the same work done up to the lookup (emailtok_reset_target). Only
 * when the address is a live account's, confirmed, a "reset" token is stored and put into
 * token, and *out is that account; otherwise token is "" and *out zeroed. A DB_E* code on a
 * database failure. */
int emailtok_reset_request(db_t *db, const char *email_key, int64_t now_ms, emailtok_owner_t *out, char token[AUTH_TOKEN_CHARS + 1]);

/* Who a live token of `kind` belongs to, without using it (the new password is checked
 * against the username and address before it is hashed). EMAILTOK_E_INVALID, _USED,
 * _EXPIRED, _STALE (the address changed, or, for "reset", is no longer confirmed). */
int emailtok_peek(db_t *db, span_t token, const char *kind, int64_t now_ms, emailtok_owner_t *out);

/* Sets the password with a "reset" token: in one transaction the token is used, the password
 * hash replaced, and the user's other outstanding reset tokens marked used. *uid gets the user
 * (whose sessions the caller then ends). Errors as emailtok_peek. */
int emailtok_reset(db_t *db, span_t token, const char *password_hash, int64_t now_ms, int64_t *uid);

#endif
