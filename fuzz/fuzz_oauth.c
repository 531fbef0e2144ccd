/* libFuzzer: the parsers of the OAuth provider's answers — oauth_token_parse (the token
 * endpoint's JSON) and oauth_user_parse (/v2/me) — and the state check of the callback. They
 * must never read past size and only refuse with OAUTH_E_PROVIDER. Checked on what they
 * accept: the access token is printable ASCII within its limit; the user's id is a positive
 * decimal, the login of [a-z0-9_-], the image an https:// URL or empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "oauth.h"

static int done_init;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!done_init) {
        if (!auth_init()) abort();
        done_init = 1;
    }
    const char *s = (const char *)data;
    char access[OAUTH_ACCESS_MAX + 1];
    int rc = oauth_token_parse(s, size, access);
    if (rc != 0 && rc != OAUTH_E_PROVIDER) abort();
    if (rc == 0) {
        size_t n = strlen(access);
        if (n == 0 || n > OAUTH_ACCESS_MAX) abort();
        for (size_t i = 0; i < n; i++)
            if (access[i] <= 0x20 || access[i] >= 0x7f) abort();
    }
    oauth_user_t u;
    rc = oauth_user_parse(s, size, &u);
    if (rc != 0 && rc != OAUTH_E_PROVIDER) abort();
    if (rc == 0) {
        if (!u.uid[0] || u.uid[0] == '0' || u.uid[0] == '-' || !u.login[0]) abort();
        for (const char *p = u.login; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')) abort();
        if (u.image[0] && strncmp(u.image, "https://", 8) != 0) abort();
    }
    /* the state check: the first half as the cookie, the rest as the parameter */
    span_t a = span_of(s, size / 2), b = span_of(s + size / 2, size - size / 2);
    if (oauth_state_matches(a, b) && (a.len != OAUTH_STATE_CHARS || memcmp(a.ptr, b.ptr, a.len) != 0)) abort();
    return 0;
}
