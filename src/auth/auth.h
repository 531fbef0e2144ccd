/* auth — credentials and tokens: input validation, Argon2id password hashes (libsodium),
 * access tokens (JWT HS256, libjwt, algorithm pinned), refresh tokens (random, stored as
 * SHA-256 only), and the server secret.
 *
 * Threading: auth_password_hash/verify take tens of milliseconds and run on the hashing
 * worker pool only. Everything else is cheap and may run on the loop. All functions are
 * thread-safe; none keeps global state (the common-password set is an object).
 */
#ifndef PONGD_AUTH_H
#define PONGD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define AUTH_USERNAME_MIN 3
#define AUTH_USERNAME_MAX 20
#define AUTH_PASSWORD_MIN 10          /* code points */
#define AUTH_PASSWORD_MAX 256         /* bytes: bounds the hashing work per request */
#define AUTH_EMAIL_MAX 254
#define AUTH_DISPLAY_MAX 32           /* code points */
#define AUTH_HASH_MAX 128             /* an encoded Argon2id hash fits */
#define AUTH_SECRET_BYTES 32
#define AUTH_ACCESS_TTL_S (15 * 60)
#define AUTH_TOKEN_CHARS 43           /* 32 random bytes, base64url without padding */
#define AUTH_TOKEN_HASH_HEX 64

/* Argon2id parameters: OWASP's minimum is m=19 MiB, t=2, p=1; these meet it. */
#define AUTH_ARGON2_OPSLIMIT 2
#define AUTH_ARGON2_MEMLIMIT (19u * 1024u * 1024u)

/* Errors: AUTH_E_* in err.h (the auth range, -200 .. -299). */

/* Once per process, before threads start: initialises libsodium and liboath (otp.h). false on failure. */
bool auth_init(void);

/* ---- validation: NULL when valid, else a stable reason code for the JSON error ---- */

/* [A-Za-z0-9_-]{3,20}: "too_short", "too_long", "invalid_chars". */
const char *auth_check_username(span_t s);
/* A pragmatic address check: one '@', a dotted domain, no spaces or control characters,
 * at most 254 bytes: "invalid". */
const char *auth_check_email(span_t s);
/* 1..32 code points of valid UTF-8 without control characters, not blank after trimming:
 * "empty", "too_long", "invalid_chars". */
const char *auth_check_display_name(span_t s);

typedef struct auth_common auth_common_t;
/* Loads a newline-separated list (comment lines start with "#!"); NULL on I/O error. */
auth_common_t *auth_common_load(const char *path);
void auth_common_free(auth_common_t *c);
size_t auth_common_count(const auth_common_t *c);

/* "too_short" (< 10 code points), "too_long" (> 256 bytes), "invalid" (not UTF-8 or has
 * NUL), "same_as_username", "same_as_email", "too_common" (in the list, also after
 * lowercasing and removing trailing digits and symbols, e.g. "Password123!"). username,
 * email and common may be empty/NULL. */
const char *auth_check_password(span_t pw, span_t username, span_t email, const auth_common_t *common);

/* Case-folded key for case-insensitive uniqueness (ASCII letters lowered; other bytes
 * as they are). out must hold s.len + 1 bytes. */
void auth_fold(span_t s, char *out);

/* ---- passwords (worker threads only) ---- */

/* Argon2id hash of pw into out (NUL-terminated, self-describing). false on failure. */
bool auth_password_hash(span_t pw, char out[AUTH_HASH_MAX]);
bool auth_password_verify(const char *hash, span_t pw);

/* ---- access tokens ---- */

/* HS256 JWT {"sub":"<user>","name":"<display name>","iat":now,"exp":now+ttl}; malloc'd
 * string, NULL on failure. The name lets sockets label a user without a query. */
char *auth_jwt_sign(const uint8_t secret[AUTH_SECRET_BYTES], int64_t user_id, const char *name, int64_t now_s, int64_t ttl_s);
/* ERR_OK and *user_id (and the name claim into name[name_cap] when name is not NULL, ""
 * if absent), or an AUTH_E_* code. Refuses every algorithm but HS256, a wrong signature,
 * a missing or passed exp, a missing sub. */
int auth_jwt_verify(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, int64_t *user_id,
                    char *name, size_t name_cap);
/* The same check, also telling the token's exp (seconds) when it is valid. */
int auth_jwt_verify_exp(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, int64_t *user_id,
                        int64_t *exp);
/* What a valid access token says: its user, exp (s), when it was issued (ms: the iat_ms
 * claim, else iat * 1000) and its session (sid: the id of the first row of the refresh-token
 * family it was issued for; 0 when it has none). */
typedef struct {
    int64_t user_id, exp, iat_ms, sid;
} auth_claims_t;
/* As auth_jwt_sign, with the issue time in milliseconds (claims iat = now_ms / 1000 and
 * iat_ms) and the session's sid (> 0; 0 leaves the claim out). */
char *auth_jwt_sign_session(const uint8_t secret[AUTH_SECRET_BYTES], int64_t user_id, const char *name, int64_t now_ms,
                            int64_t ttl_s, int64_t sid);
/* The same check as auth_jwt_verify, telling every claim. */
int auth_jwt_verify_claims(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, auth_claims_t *claims,
                           char *name, size_t name_cap);
/* The longest token auth_jwt_verify() accepts (longer ones are AUTH_E_FORMAT). */
#define AUTH_JWT_MAX_BYTES 1024

/* ---- refresh tokens, tickets ---- */

/* A new random token (base64url, AUTH_TOKEN_CHARS + NUL). */
void auth_token_new(char out[AUTH_TOKEN_CHARS + 1]);
/* The refresh token that succeeds `token` when it is rotated: HMAC-SHA256 under the server
 * secret (domain-separated), base64url like auth_token_new. Deterministic, so a rotated
 * token presented again within its grace is answered with the very successor the first
 * rotation issued (docs/security.md); unpredictable without the secret. */
void auth_token_next(const uint8_t secret[AUTH_SECRET_BYTES], span_t token, char out[AUTH_TOKEN_CHARS + 1]);
/* Lowercase hex SHA-256 of the token: what the database stores. */
void auth_token_hash(span_t token, char out[AUTH_TOKEN_HASH_HEX + 1]);

/* The server secret: from `configured` (64 hex digits, e.g. JWT_SECRET) if given, else
 * read from path, else generated and written there with mode 0600. false with a message
 * on failure. */
bool auth_secret_load(const char *configured, const char *path, uint8_t out[AUTH_SECRET_BYTES], char *err, size_t errlen);

#endif
