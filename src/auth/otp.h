/* otp — one-time codes of the second factor: TOTP (RFC 6238: HMAC-SHA-1, 30 s steps,
 * 6 digits, one step of tolerance either way) computed by liboath, recovery codes and
 * emailed codes (random, libsodium), and the otpauth:// URI an authenticator app scans.
 *
 * Nothing here keeps state: a code is "never accepted twice" because otp_totp_check takes
 * the last step the account used and only accepts a later one; the caller stores the step
 * it returns (users.totp_last_step) in the same write that accepts the code.
 * All functions are cheap and thread-safe; otp_init() once at start (auth_init calls it). */
#ifndef PONGD_OTP_H
#define PONGD_OTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define OTP_SECRET_BYTES 20           /* 160 bits, as RFC 4226 recommends for HMAC-SHA-1 */
#define OTP_SECRET_B32 32             /* its base32 (RFC 4648, no padding needed) */
#define OTP_DIGITS 6
#define OTP_STEP_S 30
#define OTP_WINDOW 1                  /* steps accepted before and after the current one */
#define OTP_URI_MAX 512
#define OTP_RECOVERY_COUNT 10
#define OTP_RECOVERY_CHARS 19         /* "xxxx-xxxx-xxxx-xxxx": 16 base32 letters, 80 bits */
#define OTP_RECOVERY_NORM 16          /* without the dashes, lowercase */

/* liboath's global initialisation; false on failure. */
bool otp_init(void);

/* A new random secret, base32 (OTP_SECRET_B32 characters + NUL). */
void otp_secret_new(char out[OTP_SECRET_B32 + 1]);

/* The TOTP step of a Unix time (floor(now_s / 30)). */
int64_t otp_step(int64_t now_s);

/* The code of `key` (raw bytes) at Unix time t_s with `digits` digits (6..8) into out
 * (digits + NUL). ERR_OK or ERR_INVALID. The RFC 6238 test vectors go through this. */
int otp_totp_raw(const uint8_t *key, size_t key_len, int64_t t_s, unsigned digits, char out[9]);

/* The 6-digit code of a base32 secret at TOTP step `step`. ERR_OK or ERR_INVALID (bad secret). */
int otp_totp(const char *secret_b32, int64_t step, char out[OTP_DIGITS + 1]);

/* Checks a typed code (6 digits; spaces ignored) against the steps now-1 .. now+1.
 * ERR_OK and *step = the matched step when it is later than last_step; AUTH_E_CODE_REUSED
 * when it matches only steps at or before last_step (a replay); AUTH_E_CODE otherwise.
 * Compared in constant time per step. */
int otp_totp_check(const char *secret_b32, span_t code, int64_t now_s, int64_t last_step, int64_t *step);

/* otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30,
 * issuer and account percent-encoded. false if it does not fit. */
bool otp_uri(const char *secret_b32, const char *issuer, const char *account, char *out, size_t cap);

/* A new recovery code as shown once to the user ("abcd-efgh-ijkl-mnop", base32 letters). */
void otp_recovery_new(char out[OTP_RECOVERY_CHARS + 1]);
/* A typed recovery code in its stored form: dashes and spaces removed, lowercased; false
 * unless that leaves exactly 16 base32 letters. The database keeps auth_token_hash(norm). */
bool otp_recovery_norm(span_t in, char out[OTP_RECOVERY_NORM + 1]);

/* The TOTP secret at rest (users.totp_secret): sealed with libsodium's secretbox
 * (XSalsa20-Poly1305, a random nonce each time) under a key derived from the server secret
 * and the user id (crypto_kdf, context "pongtotp", subkey id = uid: a sealed secret copied to
 * another user's row does not open). Stored as OTP_SEALED_PREFIX + base64url(nonce ‖ box).
 * A value without the prefix is a secret stored in clear before sealing existed (base32,
 * OTP_SECRET_B32 letters): it still reads, and the caller rewrites it sealed. */
#define OTP_MASTER_BYTES 32           /* the server secret (AUTH_SECRET_BYTES) */
#define OTP_SEALED_PREFIX "v1."
#define OTP_SEALED_MAX 100            /* "v1." + base64url(24 + 32 + 16 bytes) = 3 + 96 */

/* Seals a base32 secret (at most OTP_SECRET_B32 characters) for user uid into out. false
 * if it does not fit (a longer secret). */
bool otp_secret_seal(const uint8_t master[OTP_MASTER_BYTES], int64_t uid, const char *secret_b32,
                     char out[OTP_SEALED_MAX + 1]);
/* The base32 secret of a stored value into out: ERR_OK (*legacy: it was in clear, rewrite it
 * sealed), or ERR_INVALID when a sealed value does not open (another server secret, another
 * user's row, altered) or a clear one is not OTP_SECRET_B32 base32 letters (out is then ""). */
int otp_secret_open(const uint8_t master[OTP_MASTER_BYTES], int64_t uid, const char *stored, char out[OTP_SECRET_B32 + 1],
                    bool *legacy);

/* A random 6-digit code for email (uniform, leading zeros kept). */
void otp_email_code_new(char out[OTP_DIGITS + 1]);
/* A typed 6-digit code in its stored form (spaces removed); false if not 6 digits. */
bool otp_code_norm(span_t in, char out[OTP_DIGITS + 1]);

#endif
