/* twofa — the second factor's data (migration 5): the TOTP secret and its last accepted step,
 * the factor in force (users.second_factor: "" none, "totp", "email"), recovery codes (stored
 * as SHA-256 of their normalised form, used once), and challenges (auth_challenges: a
 * random token stored hashed, its kind, an emailed code's hash, wrong attempts, expiry, use).
 * Database worker threads only. Returns 0, a DB_E* code, or the codes below.
 *
 * Every check that consumes something — a TOTP step, a recovery code, a challenge — is a
 * conditional UPDATE whose changed-row count decides, inside the transaction that also does
 * what the code allows: two requests racing with one code cannot both pass. */
#ifndef PONGD_TWOFA_H
#define PONGD_TWOFA_H

#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "db.h"
#include "otp.h"

/* Errors: TWOFA_E_ON (a factor is already on), TWOFA_E_OFF (none on / no pending setup),
 * TWOFA_E_CHALLENGE (unknown, expired, used or dead challenge), AUTH_E_CODE (a wrong code),
 * AUTH_E_CODE_REUSED (a TOTP code of a step already used), ACCOUNT_E_NOTFOUND. */

#define TWOFA_FACTOR_MAX 8

typedef struct {
    char factor[TWOFA_FACTOR_MAX];   /* "", "totp", "email" */
    bool totp_pending;               /* a secret is set up but not confirmed yet */
    int recovery_left;               /* unused recovery codes */
    int64_t email_verified_at;       /* 0: never confirmed */
    char email[AUTH_EMAIL_MAX + 1];
    char language[ACCOUNT_LANG_MAX];
} twofa_status_t;

/* The user's second-factor state (no secrets). */
int twofa_status(db_t *db, int64_t uid, twofa_status_t *out);

/* The TOTP secret is stored sealed (otp_secret_seal) under a key derived from `key`, the
 * server secret (AUTH_SECRET_BYTES), and the user id; every function reading it takes that
 * key. A secret stored in clear before sealing existed is still read, and rewritten sealed in
 * the same transaction. One that does not open (the server secret changed) matches no TOTP
 * code; recovery codes still work. */

/* Stores a new, not yet confirmed TOTP secret (replacing a pending one), sealed. TWOFA_E_ON
 * when a factor is on (turn it off first); ERR_INVALID when it is not OTP_SECRET_B32 long. */
int twofa_totp_setup(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, const char *secret_b32);

/* The fresh recovery codes of an enable: shown once, stored hashed. */
typedef struct {
    char codes[OTP_RECOVERY_COUNT][OTP_RECOVERY_CHARS + 1];
} twofa_recovery_t;

/* Switches TOTP on when `code` is valid for the pending secret (its step recorded: the same
 * code cannot log in), replacing any recovery codes with `rec`'s (generated here).
 * TWOFA_E_ON, TWOFA_E_OFF (nothing set up), AUTH_E_CODE, AUTH_E_CODE_REUSED. */
int twofa_totp_enable(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, span_t code, int64_t now_ms,
                      twofa_recovery_t *rec);

/* A challenge: a new random token (into token) stored hashed for uid, of `kind` ("login",
 * "email_setup"), with an optional code's hash (emailed codes; NULL for TOTP), living ttl_ms. */
int twofa_challenge_create(db_t *db, int64_t uid, const char *kind, const char *code, int64_t now_ms, int64_t ttl_ms,
                           char token[AUTH_TOKEN_CHARS + 1]);

/* Email as the factor: the challenge (kind "email_setup", created when its code was mailed)
 * and the code from that mail. Marks the address confirmed and switches email codes on.
 * TWOFA_E_ON, TWOFA_E_CHALLENGE, AUTH_E_CODE (the attempt counted). */
int twofa_email_enable(db_t *db, int64_t uid, span_t challenge, span_t code, int64_t now_ms, twofa_recovery_t *rec);

/* Turns the factor off (the secret, recovery codes and open challenges deleted) when `code`
 * is valid: a TOTP code (TOTP on) or an unused recovery code (either factor).
 * TWOFA_E_OFF, AUTH_E_CODE, AUTH_E_CODE_REUSED. */
int twofa_disable(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, span_t code, int64_t now_ms);

/* The second step of a login: the challenge and a code (TOTP or emailed, by the user's factor)
 * or a recovery code. On success the challenge is used and a session is created with
 * s->second_factor set to "totp", "email" or "recovery", in one transaction: *uid, *sid.
 * A wrong code counts against the challenge (LIM_TWOFA_ATTEMPTS kill it); *attempts_left
 * says how many remain. TWOFA_E_CHALLENGE, AUTH_E_CODE, AUTH_E_CODE_REUSED. */
int twofa_login_verify(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], span_t challenge, span_t code, span_t recovery,
                       int64_t now_ms, account_session_t *s, int64_t *uid, int64_t *sid, int *attempts_left);
/* The same for a challenge the client names with its account (the API's "<uid>.<token>",
 * so the account's rate limit applies before any work): another account's → TWOFA_E_CHALLENGE. */
int twofa_login_verify_for(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t expect_uid, span_t challenge, span_t code,
                           span_t recovery, int64_t now_ms, account_session_t *s, int64_t *uid, int64_t *sid,
                           int *attempts_left);

/* Account deletion (profile_delete_account's transaction): the secret, the factor, recovery
 * codes, challenges and email tokens go (the user row stays, anonymised). */
int twofa_delete_user(db_t *db, int64_t uid);

#endif
