/* auth — see auth.h. libsodium: Argon2id, randomness, SHA-256, base64url; libjwt: JWT
 * encoding and signature checks; jansson: reading the JWT header to pin the algorithm. */
#include "auth.h"
#include "otp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


bool auth_init(void) { return sodium_init() >= 0 && otp_init(); }

/* ---- validation ---- */

const char *auth_check_username(span_t s) {
    if (s.len < AUTH_USERNAME_MIN) return "too_short";
    if (s.len > AUTH_USERNAME_MAX) return "too_long";
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return "invalid_chars";
    }
    return NULL;
}

const char *auth_check_email(span_t s) {
    if (s.len < 3 || s.len > AUTH_EMAIL_MAX) return "invalid";
    size_t at = s.len;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == '"' || c == '\\')
            return "invalid";
        if (c == '@') {
            if (at != s.len) return "invalid";   /* a second '@' */
            at = i;
        }
    }
    if (at == 0 || at == s.len || at > 64) return "invalid";
    span_t domain = { s.ptr + at + 1, s.len - at - 1 };
    if (domain.len < 3) return "invalid";
    bool dot = false;
    for (size_t i = 0; i < domain.len; i++) {
        char c = domain.ptr[i];
        if (c == '.') {
            if (i == 0 || i == domain.len - 1 || domain.ptr[i - 1] == '.') return "invalid";
            dot = true;
        }
    }
    return dot ? NULL : "invalid";
}

/* Code points of valid UTF-8 without controls or format characters (utf8_is_control_or_format:
 * NUL, C0/C1, bidirectional overrides, zero-width characters, ...); -1 otherwise. */
static long text_length(span_t s) {
    long n = 0;
    for (size_t i = 0; i < s.len;) {
        uint32_t cp;
        size_t k = utf8_decode(s.ptr + i, s.len - i, &cp);
        if (k == 0 || utf8_is_control_or_format(cp)) return -1;
        i += k;
        n++;
    }
    return n;
}

const char *auth_check_display_name(span_t s) {
    long n = text_length(s);
    if (n < 0) return "invalid_chars";
    if (!utf8_has_visible(s.ptr, s.len)) return "empty";   /* spaces, Hangul fillers, ...: nothing shows */
    if (s.ptr[0] == ' ' || s.ptr[s.len - 1] == ' ') return "invalid_chars";   /* the client trims */
    if (n > AUTH_DISPLAY_MAX) return "too_long";
    return NULL;
}

void auth_fold(span_t s, char *out) {
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[s.len] = 0;
}

/* ---- the common-password set: open addressing over lowercased entries ---- */

struct auth_common {
    char **slot;
    size_t cap, count;
};

static uint64_t fnv64(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static bool common_has(const auth_common_t *c, const char *s, size_t n) {
    if (!c || c->cap == 0) return false;
    for (size_t i = fnv64(s, n) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        const char *e = c->slot[i];
        if (!e) return false;
        if (strlen(e) == n && memcmp(e, s, n) == 0) return true;
    }
}

static void common_add(auth_common_t *c, const char *s, size_t n) {
    if (n == 0 || common_has(c, s, n)) return;
    size_t i = fnv64(s, n) & (c->cap - 1);
    while (c->slot[i]) i = (i + 1) & (c->cap - 1);
    c->slot[i] = xstrndup(s, n);
    c->count++;
}

auth_common_t *auth_common_load(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t lines = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) lines++;
    rewind(f);
    auth_common_t *c = xcalloc(1, sizeof *c);
    c->cap = 16;
    while (c->cap < lines * 2 + 16) c->cap <<= 1;
    c->slot = xcalloc(c->cap, sizeof *c->slot);
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        if (n >= 2 && line[0] == '#' && line[1] == '!') continue;
        char low[512];
        auth_fold(span_of(line, n), low);
        common_add(c, low, n);
    }
    fclose(f);
    return c;
}

void auth_common_free(auth_common_t *c) {
    if (!c) return;
    for (size_t i = 0; i < c->cap; i++) free(c->slot[i]);
    free(c->slot);
    free(c);
}

size_t auth_common_count(const auth_common_t *c) { return c ? c->count : 0; }

static bool same_folded(span_t a, span_t b) {
    if (a.len != b.len || a.len == 0) return false;
    for (size_t i = 0; i < a.len; i++) {
        char x = a.ptr[i], y = b.ptr[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y) return false;
    }
    return true;
}

const char *auth_check_password(span_t pw, span_t username, span_t email, const auth_common_t *common) {
    if (pw.len > AUTH_PASSWORD_MAX) return "too_long";
    long n = 0;
    for (size_t i = 0; i < pw.len;) {   /* any valid UTF-8 but NUL */
        uint32_t cp;
        size_t k = utf8_decode(pw.ptr + i, pw.len - i, &cp);
        if (k == 0 || cp == 0) return "invalid";
        i += k;
        n++;
    }
    if (n < AUTH_PASSWORD_MIN) return "too_short";
    if (same_folded(pw, username)) return "same_as_username";
    if (same_folded(pw, email)) return "same_as_email";
    /* the local part of the email is as guessable as the address */
    for (size_t i = 0; i < email.len; i++)
        if (email.ptr[i] == '@' && same_folded(pw, span_of(email.ptr, i))) return "same_as_email";
    char low[AUTH_PASSWORD_MAX + 1];
    auth_fold(pw, low);
    if (common_has(common, low, pw.len)) return "too_common";
    size_t k = pw.len;
    while (k > 0 && (low[k - 1] == '!' || low[k - 1] == '.' || low[k - 1] == '?' || low[k - 1] == '@' || low[k - 1] == '#' ||
                     low[k - 1] == '$' || low[k - 1] == '*' || (low[k - 1] >= '0' && low[k - 1] <= '9')))
        k--;
    if (k < pw.len && k >= 4 && common_has(common, low, k)) return "too_common";
    /* one character repeated, e.g. "aaaaaaaaaaaa" */
    bool same = true;
    for (size_t i = 1; i < pw.len; i++)
        if (pw.ptr[i] != pw.ptr[0]) same = false;
    if (same) return "too_common";
    return NULL;
}

/* ---- passwords ---- */

bool auth_password_hash(span_t pw, char out[AUTH_HASH_MAX]) {
    _Static_assert(crypto_pwhash_STRBYTES <= AUTH_HASH_MAX, "hash buffer");
    return crypto_pwhash_str_alg(out, pw.ptr, pw.len, AUTH_ARGON2_OPSLIMIT, AUTH_ARGON2_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool auth_password_verify(const char *hash, span_t pw) {
    if (!hash || !*hash) return false;
    return crypto_pwhash_str_verify(hash, pw.ptr, pw.len) == 0;
}

/* ---- JWT ---- */

char *auth_jwt_sign_session(const uint8_t secret[AUTH_SECRET_BYTES], int64_t user_id, const char *name, int64_t now_ms,
                            int64_t ttl_s, int64_t sid) {
    jwt_t *jwt = NULL;
    char sub[24];
    snprintf(sub, sizeof sub, "%" PRId64, user_id);
    int64_t now_s = now_ms / 1000;
    char *out = NULL;
    if (jwt_new(&jwt) == 0 && jwt_set_alg(jwt, JWT_ALG_HS256, secret, AUTH_SECRET_BYTES) == 0 &&
        jwt_add_grant(jwt, "sub", sub) == 0 && (!name || jwt_add_grant(jwt, "name", name) == 0) &&
        jwt_add_grant_int(jwt, "iat", (long)now_s) == 0 && jwt_add_grant_int(jwt, "iat_ms", (long)now_ms) == 0 &&
        (sid <= 0 || jwt_add_grant_int(jwt, "sid", (long)sid) == 0) &&
        jwt_add_grant_int(jwt, "exp", (long)(now_s + ttl_s)) == 0) {
        char *s = jwt_encode_str(jwt);
        if (s) {
            out = xstrdup(s);
            free(s);
        }
    }
    jwt_free(jwt);
    return out;
}

char *auth_jwt_sign(const uint8_t secret[AUTH_SECRET_BYTES], int64_t user_id, const char *name, int64_t now_s, int64_t ttl_s) {
    return auth_jwt_sign_session(secret, user_id, name, now_s * 1000, ttl_s, 0);
}

/* The header must say exactly HS256: read it ourselves before any library looks at it. */
static int check_header(const char *token) {
    const char *dot = strchr(token, '.');
    if (!dot || dot == token) return AUTH_E_FORMAT;
    unsigned char raw[256];
    size_t n;
    if ((size_t)(dot - token) > 340 ||
        sodium_base642bin(raw, sizeof raw - 1, token, (size_t)(dot - token), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return AUTH_E_FORMAT;
    json_error_t e;
    json_t *h = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(h)) {
        json_decref(h);
        return AUTH_E_FORMAT;
    }
    const char *alg = json_string_value(json_object_get(h, "alg"));
    int rc = alg && strcmp(alg, "HS256") == 0 && !json_object_get(h, "crit") ? ERR_OK : AUTH_E_ALG;
    json_decref(h);
    return rc;
}

static int verify(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, auth_claims_t *claims,
                  char *name, size_t name_cap) {
    if (!token || strlen(token) > AUTH_JWT_MAX_BYTES) return AUTH_E_FORMAT;
    int dots = 0;
    for (const char *p = token; *p; p++) {
        if (*p == '.') dots++;
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return AUTH_E_FORMAT;
    }
    if (dots != 2) return AUTH_E_FORMAT;
    int rc = check_header(token);
    if (rc != ERR_OK) return rc;
    if (token[strlen(token) - 1] == '.') return AUTH_E_SIGNATURE;   /* empty signature */
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, secret, AUTH_SECRET_BYTES) != 0 || !jwt) {
        jwt_free(jwt);
        return AUTH_E_SIGNATURE;
    }
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        jwt_free(jwt);
        return AUTH_E_ALG;
    }
    errno = 0;
    long exp = jwt_get_grant_int(jwt, "exp");
    bool has_exp = errno == 0;
    const char *sub = jwt_get_grant(jwt, "sub");
    char *end = NULL;
    long long id = sub ? strtoll(sub, &end, 10) : 0;
    bool sub_ok = sub && *sub && end && *end == 0 && id > 0;
    if (name && name_cap) {
        const char *n = jwt_get_grant(jwt, "name");
        snprintf(name, name_cap, "%s", n ? n : "");
    }
    /* iat_ms: when it was issued, to the millisecond; a token without it (an older pongd's)
     * counts from the start of its iat second, or 0 without either (void after any end) */
    errno = 0;
    long iat_ms = jwt_get_grant_int(jwt, "iat_ms");
    if (errno != 0) {
        errno = 0;
        long iat = jwt_get_grant_int(jwt, "iat");
        iat_ms = errno == 0 && iat > 0 ? iat * 1000L : 0;
    }
    errno = 0;
    long sid = jwt_get_grant_int(jwt, "sid");
    if (errno != 0 || sid < 0) sid = 0;
    jwt_free(jwt);
    if (!has_exp || exp <= now_s) return AUTH_E_EXPIRED;
    if (!sub_ok) return AUTH_E_FORMAT;
    *claims = (auth_claims_t){ .user_id = id, .exp = exp, .iat_ms = iat_ms, .sid = sid };
    return ERR_OK;
}

int auth_jwt_verify_claims(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, auth_claims_t *claims,
                           char *name, size_t name_cap) {
    return verify(secret, token, now_s, claims, name, name_cap);
}

int auth_jwt_verify(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, int64_t *user_id,
                    char *name, size_t name_cap) {
    auth_claims_t c;
    int rc = verify(secret, token, now_s, &c, name, name_cap);
    if (rc == ERR_OK) *user_id = c.user_id;
    return rc;
}

int auth_jwt_verify_exp(const uint8_t secret[AUTH_SECRET_BYTES], const char *token, int64_t now_s, int64_t *user_id,
                        int64_t *exp) {
    auth_claims_t c;
    int rc = verify(secret, token, now_s, &c, NULL, 0);
    if (rc == ERR_OK) {
        *user_id = c.user_id;
        if (exp) *exp = c.exp;
    }
    return rc;
}

/* ---- tokens ---- */

void auth_token_new(char out[AUTH_TOKEN_CHARS + 1]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, AUTH_TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void auth_token_next(const uint8_t secret[AUTH_SECRET_BYTES], span_t token, char out[AUTH_TOKEN_CHARS + 1]) {
    static const char DOMAIN[] = "pongd refresh successor";
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, secret, AUTH_SECRET_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)DOMAIN, sizeof DOMAIN);   /* with its NUL */
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)token.ptr, token.len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, AUTH_TOKEN_CHARS + 1, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(&st, sizeof st);
}

void auth_token_hash(span_t token, char out[AUTH_TOKEN_HASH_HEX + 1]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token.ptr, token.len);
    sodium_bin2hex(out, AUTH_TOKEN_HASH_HEX + 1, h, sizeof h);
}

/* ---- the secret ---- */

static bool from_hex(const char *hex, uint8_t out[AUTH_SECRET_BYTES]) {
    size_t n;
    return strlen(hex) == 2 * AUTH_SECRET_BYTES &&
           sodium_hex2bin(out, AUTH_SECRET_BYTES, hex, strlen(hex), NULL, &n, NULL) == 0 && n == AUTH_SECRET_BYTES;
}

bool auth_secret_load(const char *configured, const char *path, uint8_t out[AUTH_SECRET_BYTES], char *err, size_t errlen) {
    if (configured && *configured) {
        if (from_hex(configured, out)) return true;
        snprintf(err, errlen, "JWT_SECRET must be %d hex digits", 2 * AUTH_SECRET_BYTES);
        return false;
    }
    char hex[2 * AUTH_SECRET_BYTES + 2];
    FILE *f = fopen(path, "r");
    if (f) {
        struct stat st; /* only the owner may read the secret, even a file made by hand */
        if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) (void)fchmod(fileno(f), st.st_mode & 0700);
        size_t n = fread(hex, 1, sizeof hex - 1, f);
        fclose(f);
        hex[n] = 0;
        hex[strcspn(hex, "\r\n")] = 0;
        if (from_hex(hex, out)) return true;
        snprintf(err, errlen, "%s does not hold a %d-hex-digit secret", path, 2 * AUTH_SECRET_BYTES);
        return false;
    }
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    randombytes_buf(out, AUTH_SECRET_BYTES);
    sodium_bin2hex(hex, sizeof hex, out, AUTH_SECRET_BYTES);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    size_t len = strlen(hex);
    hex[len] = '\n';
    bool ok = write(fd, hex, len + 1) == (ssize_t)(len + 1) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) snprintf(err, errlen, "cannot write %s", path);
    return ok;
}
