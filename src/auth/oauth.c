/* oauth — see oauth.h. libsodium: SHA-256, base64url, constant-time comparison; jansson:
 * the provider's JSON (bounded by OAUTH_JSON_MAX before it is parsed). */
#include "oauth.h"

#include "err.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

void oauth_pkce_s256(span_t verifier, char out[OAUTH_CHALLENGE_CHARS + 1]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)verifier.ptr, verifier.len);
    sodium_bin2base64(out, OAUTH_CHALLENGE_CHARS + 1, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static bool unreserved(unsigned char c) { return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

bool oauth_verifier_ok(span_t v) {
    if (v.len < 43 || v.len > 128) return false;
    for (size_t i = 0; i < v.len; i++)
        if (!unreserved((unsigned char)v.ptr[i])) return false;
    return true;
}

static bool b64url(span_t s) {
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (!(isalnum(c) || c == '-' || c == '_')) return false;
    }
    return true;
}

bool oauth_state_matches(span_t cookie, span_t query) {
    if (cookie.len != OAUTH_STATE_CHARS || query.len != OAUTH_STATE_CHARS || !b64url(cookie) || !b64url(query)) return false;
    return sodium_memcmp(cookie.ptr, query.ptr, OAUTH_STATE_CHARS) == 0;
}

static json_t *load(const char *json, size_t len) {
    if (!json || len == 0 || len > OAUTH_JSON_MAX) return NULL;
    json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

int oauth_token_parse(const char *json, size_t len, char access[OAUTH_ACCESS_MAX + 1]) {
    access[0] = 0;
    json_t *o = load(json, len);
    if (!o) return OAUTH_E_PROVIDER;
    json_t *t = json_object_get(o, "access_token");
    int rc = OAUTH_E_PROVIDER;
    if (json_is_string(t)) {
        const char *s = json_string_value(t);
        size_t n = json_string_length(t);
        bool ok = n > 0 && n <= OAUTH_ACCESS_MAX;
        for (size_t i = 0; ok && i < n; i++) ok = s[i] > 0x20 && s[i] < 0x7f;
        if (ok) {
            memcpy(access, s, n);
            access[n] = 0;
            rc = 0;
        }
    }
    json_decref(o);
    return rc;
}

/* An https:// URL of printable ASCII, no spaces, short enough: copied; else "". */
static void take_url(json_t *v, char out[OAUTH_URL_MAX + 1]) {
    if (out[0] || !json_is_string(v)) return;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n <= 8 || n > OAUTH_URL_MAX || strncmp(s, "https://", 8) != 0) return;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\') return;
    memcpy(out, s, n);
    out[n] = 0;
}

int oauth_user_parse(const char *json, size_t len, oauth_user_t *out) {
    memset(out, 0, sizeof *out);
    json_t *o = load(json, len);
    if (!o) return OAUTH_E_PROVIDER;
    int rc = OAUTH_E_PROVIDER;
    json_t *id = json_object_get(o, "id"), *login = json_object_get(o, "login");
    if (!json_is_integer(id) || json_integer_value(id) <= 0 || !json_is_string(login)) goto done;
    snprintf(out->uid, sizeof out->uid, "%" PRId64, (int64_t)json_integer_value(id));
    const char *l = json_string_value(login);
    size_t n = json_string_length(login);
    if (n == 0 || n > OAUTH_LOGIN_MAX) goto done;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tolower((unsigned char)l[i]);
        if (!(isdigit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) goto done;
        out->login[i] = (char)c;
    }
    json_t *email = json_object_get(o, "email");
    if (json_is_string(email) && !auth_check_email(span_of(json_string_value(email), json_string_length(email))))
        snprintf(out->email, sizeof out->email, "%s", json_string_value(email));
    json_t *img = json_object_get(o, "image");
    if (json_is_object(img)) {
        json_t *versions = json_object_get(img, "versions");
        if (json_is_object(versions)) take_url(json_object_get(versions, "medium"), out->image);
        take_url(json_object_get(img, "link"), out->image);
    }
    rc = 0;
done:
    if (rc != 0) memset(out, 0, sizeof *out);
    json_decref(o);
    return rc;
}
