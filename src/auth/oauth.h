/* oauth — the pure parts of Log in with 42 (OAuth 2.0 authorization code with PKCE,
 * RFC 6749 and RFC 7636; docs/security.md, "Log in with 42"): the PKCE S256 challenge, the
 * check that binds a callback's `state` to the browser's state cookie, and the bounded
 * parsers of the provider's token and user-info answers. No I/O, no allocation kept;
 * thread-safe. Unit-tested (tests/unit/auth/test_oauth.c) and fuzzed (fuzz/fuzz_oauth.c). */
#ifndef PONGD_OAUTH_H
#define PONGD_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "util.h"

#define OAUTH_STATE_CHARS AUTH_TOKEN_CHARS      /* 32 random bytes, base64url */
#define OAUTH_VERIFIER_CHARS AUTH_TOKEN_CHARS   /* 43: RFC 7636's shortest verifier */
#define OAUTH_CHALLENGE_CHARS 43                /* base64url(SHA-256) without padding */
#define OAUTH_ACCESS_MAX 512                    /* the provider's access token */
#define OAUTH_LOGIN_MAX 32                      /* a 42 login */
#define OAUTH_UID_MAX 20                        /* the provider's user id, decimal */
#define OAUTH_URL_MAX 512                       /* the image link */
#define OAUTH_JSON_MAX (64 * 1024)              /* the largest answer read (the real /v2/me is ~20 KiB) */

/* The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)), no padding. */
void oauth_pkce_s256(span_t verifier, char out[OAUTH_CHALLENGE_CHARS + 1]);
/* Is `v` a verifier RFC 7636 allows (43 to 128 of A-Z a-z 0-9 - . _ ~)? */
bool oauth_verifier_ok(span_t v);

/* Does the callback's `state` (query) belong to this browser: present, the shape of a state
 * (OAUTH_STATE_CHARS of base64url), and equal — in constant time — to the state cookie set
 * when the flow started? A missing cookie or parameter is false. */
bool oauth_state_matches(span_t cookie, span_t query);

/* The token endpoint's answer: {"access_token": "...", ...}. 0, or OAUTH_E_PROVIDER (not JSON,
 * over OAUTH_JSON_MAX, no string access_token, or one too long or with bytes outside
 * printable ASCII). */
int oauth_token_parse(const char *json, size_t len, char access[OAUTH_ACCESS_MAX + 1]);

/* What Log in with 42 keeps of /v2/me. */
typedef struct {
    char uid[OAUTH_UID_MAX + 1];      /* "id" (a positive integer) in decimal */
    char login[OAUTH_LOGIN_MAX + 1];  /* "login": 1..32 of a-z 0-9 - _ (lowercased) */
    char email[AUTH_EMAIL_MAX + 1];   /* "email" when it passes auth_check_email, else "" */
    char image[OAUTH_URL_MAX + 1];    /* "image": {"link", "versions": {"medium", ...}}: the
                                       * medium version if any, else the link; https:// only, else "" */
} oauth_user_t;

/* Parses the user-info answer. 0, or OAUTH_E_PROVIDER when it is not JSON, over
 * OAUTH_JSON_MAX, or lacks a valid id or login; a missing or odd email or image is "". */
int oauth_user_parse(const char *json, size_t len, oauth_user_t *out);

#endif
