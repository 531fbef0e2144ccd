/* otp — see otp.h. liboath computes the HOTP/TOTP values (RFC 4226/6238); libsodium gives
 * the randomness and the constant-time compare. */
#include "otp.h"

#include <oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool otp_init(void) { return oath_init() == OATH_OK; }

static const char B32[] = "abcdefghijklmnopqrstuvwxyz234567";

void otp_secret_new(char out[OTP_SECRET_B32 + 1]) {
    static const char UPPER[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";   /* as authenticator apps show it */
    unsigned char raw[OTP_SECRET_BYTES];
    randombytes_buf(raw, sizeof raw);
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < sizeof raw; i++) {   /* 160 bits = 32 groups of 5: no padding */
        acc = (acc << 8 | raw[i]) & 0xfff;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[k++] = UPPER[(acc >> bits) & 31];
        }
    }
    out[k] = 0;
    sodium_memzero(raw, sizeof raw);
    acc = 0;
}

int64_t otp_step(int64_t now_s) { return now_s >= 0 ? now_s / OTP_STEP_S : (now_s - OTP_STEP_S + 1) / OTP_STEP_S; }

int otp_totp_raw(const uint8_t *key, size_t key_len, int64_t t_s, unsigned digits, char out[9]) {
    if (digits < 6 || digits > 8 || t_s < 0) return ERR_INVALID;
    return oath_totp_generate((const char *)key, key_len, (time_t)t_s, OTP_STEP_S, 0, digits, out) == OATH_OK ? ERR_OK : ERR_INVALID;
}

/* The raw key of a base32 secret (liboath's decoder: any case, '=' padding optional). */
static bool secret_key(const char *secret_b32, uint8_t key[OTP_SECRET_BYTES], size_t *len) {
    char *raw = NULL;
    size_t n = 0;
    if (!secret_b32 || oath_base32_decode(secret_b32, strlen(secret_b32), &raw, &n) != OATH_OK || n == 0 || n > OTP_SECRET_BYTES) {
        free(raw);
        return false;
    }
    memcpy(key, raw, n);
    sodium_memzero(raw, n);
    free(raw);
    *len = n;
    return true;
}

int otp_totp(const char *secret_b32, int64_t step, char out[OTP_DIGITS + 1]) {
    uint8_t key[OTP_SECRET_BYTES];
    size_t n;
    if (!secret_key(secret_b32, key, &n) || step < 0) return ERR_INVALID;
    char code[9];
    int rc = otp_totp_raw(key, n, step * OTP_STEP_S, OTP_DIGITS, code);
    sodium_memzero(key, sizeof key);
    if (rc == ERR_OK) memcpy(out, code, OTP_DIGITS + 1);
    return rc;
}

bool otp_code_norm(span_t in, char out[OTP_DIGITS + 1]) {
    size_t k = 0;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        if (c == ' ') continue;
        if (c < '0' || c > '9' || k == OTP_DIGITS) return false;
        out[k++] = c;
    }
    out[k] = 0;
    return k == OTP_DIGITS;
}

int otp_totp_check(const char *secret_b32, span_t code, int64_t now_s, int64_t last_step, int64_t *step) {
    char typed[OTP_DIGITS + 1];
    if (!otp_code_norm(code, typed)) return AUTH_E_CODE;
    uint8_t key[OTP_SECRET_BYTES];
    size_t n;
    if (!secret_key(secret_b32, key, &n)) return AUTH_E_CODE;
    int64_t now = otp_step(now_s), found = -1;
    bool reused = false;
    /* every step of the window is computed and compared, whatever matched before */
    for (int64_t s = now - OTP_WINDOW; s <= now + OTP_WINDOW; s++) {
        char c[9];
        if (s < 0 || otp_totp_raw(key, n, s * OTP_STEP_S, OTP_DIGITS, c) != ERR_OK) continue;
        if (sodium_memcmp(c, typed, OTP_DIGITS) != 0) continue;
        if (s > last_step) found = s;   /* the latest step the code matches */
        else reused = true;
    }
    sodium_memzero(key, sizeof key);
    if (found >= 0) {
        *step = found;
        return ERR_OK;
    }
    return reused ? AUTH_E_CODE_REUSED : AUTH_E_CODE;
}

/* Percent-encodes s (RFC 3986 unreserved kept) at out[*k], within cap. */
static bool pct(const char *s, char *out, size_t cap, size_t *k) {
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
                    *p == '_' || *p == '~';
        if (*k + (keep ? 1 : 3) >= cap) return false;
        if (keep) out[(*k)++] = (char)*p;
        else {
            out[(*k)++] = '%';
            out[(*k)++] = HEX[*p >> 4];
            out[(*k)++] = HEX[*p & 15];
        }
    }
    out[*k] = 0;
    return true;
}

static bool lit(const char *s, char *out, size_t cap, size_t *k) {
    size_t n = strlen(s);
    if (*k + n >= cap) return false;
    memcpy(out + *k, s, n + 1);
    *k += n;
    return true;
}

bool otp_uri(const char *secret_b32, const char *issuer, const char *account, char *out, size_t cap) {
    size_t k = 0;
    char tail[96];
    snprintf(tail, sizeof tail, "&algorithm=SHA1&digits=%d&period=%d", OTP_DIGITS, OTP_STEP_S);
    return cap > 0 && lit("otpauth://totp/", out, cap, &k) && pct(issuer, out, cap, &k) && lit(":", out, cap, &k) &&
           pct(account, out, cap, &k) && lit("?secret=", out, cap, &k) && pct(secret_b32, out, cap, &k) &&
           lit("&issuer=", out, cap, &k) && pct(issuer, out, cap, &k) && lit(tail, out, cap, &k);
}

void otp_recovery_new(char out[OTP_RECOVERY_CHARS + 1]) {
    size_t k = 0;
    for (int i = 0; i < OTP_RECOVERY_NORM; i++) {
        if (i > 0 && i % 4 == 0) out[k++] = '-';
        out[k++] = B32[randombytes_uniform(32)];
    }
    out[k] = 0;
}

bool otp_recovery_norm(span_t in, char out[OTP_RECOVERY_NORM + 1]) {
    size_t k = 0;
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        if (c == '-' || c == ' ') continue;
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) || k == OTP_RECOVERY_NORM) return false;
        out[k++] = c;
    }
    out[k] = 0;
    return k == OTP_RECOVERY_NORM;
}

void otp_email_code_new(char out[OTP_DIGITS + 1]) { snprintf(out, OTP_DIGITS + 1, "%06u", (unsigned)randombytes_uniform(1000000)); }

/* ---- the secret at rest ---- */

#define SEAL_RAW (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + OTP_SECRET_B32)

_Static_assert(crypto_kdf_KEYBYTES == OTP_MASTER_BYTES, "the server secret is a crypto_kdf master key");
_Static_assert(crypto_secretbox_KEYBYTES <= crypto_kdf_BYTES_MAX, "a secretbox key is a kdf subkey");
_Static_assert(sizeof OTP_SEALED_PREFIX - 1 + (SEAL_RAW + 2) / 3 * 4 <= OTP_SEALED_MAX, "OTP_SEALED_MAX fits");

static void seal_key(const uint8_t master[OTP_MASTER_BYTES], int64_t uid, unsigned char key[crypto_secretbox_KEYBYTES]) {
    crypto_kdf_derive_from_key(key, crypto_secretbox_KEYBYTES, (uint64_t)uid, "pongtotp", master);
}

static bool is_b32_secret(const char *s) {
    size_t n = strnlen(s, OTP_SECRET_B32 + 1);
    if (n != OTP_SECRET_B32) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7'))) return false;
    return true;
}

bool otp_secret_seal(const uint8_t master[OTP_MASTER_BYTES], int64_t uid, const char *secret_b32,
                     char out[OTP_SEALED_MAX + 1]) {
    size_t n = strnlen(secret_b32, OTP_SECRET_B32 + 1);
    if (n != OTP_SECRET_B32) return false;
    unsigned char key[crypto_secretbox_KEYBYTES], raw[SEAL_RAW];
    seal_key(master, uid, key);
    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, (const unsigned char *)secret_b32, n, raw, key);
    sodium_memzero(key, sizeof key);
    memcpy(out, OTP_SEALED_PREFIX, sizeof OTP_SEALED_PREFIX - 1);
    sodium_bin2base64(out + sizeof OTP_SEALED_PREFIX - 1, OTP_SEALED_MAX + 1 - (sizeof OTP_SEALED_PREFIX - 1), raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return true;
}

int otp_secret_open(const uint8_t master[OTP_MASTER_BYTES], int64_t uid, const char *stored, char out[OTP_SECRET_B32 + 1],
                    bool *legacy) {
    out[0] = 0;
    *legacy = false;
    const size_t pl = sizeof OTP_SEALED_PREFIX - 1;
    if (strncmp(stored, OTP_SEALED_PREFIX, pl) != 0) {
        if (!is_b32_secret(stored)) return ERR_INVALID;
        memcpy(out, stored, OTP_SECRET_B32 + 1);
        *legacy = true;
        return ERR_OK;
    }
    const char *b64 = stored + pl;
    size_t b64_len = strnlen(b64, OTP_SEALED_MAX + 1);
    unsigned char raw[SEAL_RAW], key[crypto_secretbox_KEYBYTES];
    size_t n = 0;
    if (b64_len > OTP_SEALED_MAX ||
        sodium_base642bin(raw, sizeof raw, b64, b64_len, NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof raw)
        return ERR_INVALID;
    seal_key(master, uid, key);
    int rc = crypto_secretbox_open_easy((unsigned char *)out, raw + crypto_secretbox_NONCEBYTES, n - crypto_secretbox_NONCEBYTES,
                                        raw, key);
    sodium_memzero(key, sizeof key);
    out[OTP_SECRET_B32] = 0;
    if (rc != 0 || !is_b32_secret(out)) {
        sodium_memzero(out, OTP_SECRET_B32 + 1);
        return ERR_INVALID;
    }
    return ERR_OK;
}
