/* oauth: the PKCE S256 challenge against RFC 7636's example (Appendix B), verifiers, the state
 * check that binds a callback to the browser's cookie, and the parsers of the provider's token
 * and user-info answers (the 42 API's shape; everything odd refused or left empty). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "oauth.h"

#define S(lit) span_of((lit), strlen(lit))

static int setup(void **state) {
    (void)state;
    return auth_init() ? 0 : -1;
}

static void test_pkce_rfc7636_vector(void **state) {
    (void)state;
    char out[OAUTH_CHALLENGE_CHARS + 1];
    oauth_pkce_s256(S("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), out);
    assert_string_equal(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    /* one byte more: another challenge */
    oauth_pkce_s256(S("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk."), out);
    assert_string_not_equal(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_verifier(void **state) {
    (void)state;
    char v[AUTH_TOKEN_CHARS + 1];
    auth_token_new(v);
    assert_true(oauth_verifier_ok(span_cstr(v)));   /* what the start makes */
    assert_true(oauth_verifier_ok(S("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")));
    assert_false(oauth_verifier_ok(S("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX")));   /* 42: too short */
    assert_false(oauth_verifier_ok(S("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX+")));  /* '+' not unreserved */
    char longv[130];
    memset(longv, 'a', 129);
    longv[129] = 0;
    assert_false(oauth_verifier_ok(span_cstr(longv)));
    longv[128] = 0;
    assert_true(oauth_verifier_ok(span_cstr(longv)));
}

static void test_state_matches(void **state) {
    (void)state;
    char s[AUTH_TOKEN_CHARS + 1], t[AUTH_TOKEN_CHARS + 1];
    auth_token_new(s);
    auth_token_new(t);
    assert_true(oauth_state_matches(span_cstr(s), span_cstr(s)));
    assert_false(oauth_state_matches(span_cstr(s), span_cstr(t)));                   /* another flow's */
    assert_false(oauth_state_matches((span_t){ 0 }, span_cstr(s)));                  /* no cookie */
    assert_false(oauth_state_matches(span_cstr(s), (span_t){ 0 }));                  /* no parameter */
    assert_false(oauth_state_matches(S(""), S("")));
    assert_false(oauth_state_matches(span_of(s, 42), span_of(s, 42)));              /* not a state's length */
    char odd[AUTH_TOKEN_CHARS + 1];
    memcpy(odd, s, sizeof odd);
    odd[0] = '=';
    assert_false(oauth_state_matches(span_cstr(odd), span_cstr(odd)));             /* not base64url */
}

static void test_token_parse(void **state) {
    (void)state;
    char a[OAUTH_ACCESS_MAX + 1];
    static const char OK[] = "{\"access_token\":\"4f1c0a9e7b\",\"token_type\":\"bearer\",\"expires_in\":7200,\"scope\":\"public\","
                             "\"created_at\":1700000000,\"secret_valid_until\":1700086400}";
    assert_int_equal(oauth_token_parse(OK, strlen(OK), a), 0);
    assert_string_equal(a, "4f1c0a9e7b");
    static const char *const BAD[] = {
        "", "null", "[]", "{}", "{\"access_token\":7}", "{\"access_token\":\"\"}", "{\"access_token\":\"a b\"}",
        "{\"error\":\"invalid_grant\"}", "{\"access_token\":\"x\"", "{\"access_token\":\"x\",\"access_token\":\"y\"}",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_int_equal(oauth_token_parse(BAD[i], strlen(BAD[i]), a), OAUTH_E_PROVIDER);
        assert_string_equal(a, "");
    }
    char big[OAUTH_ACCESS_MAX + 40];
    snprintf(big, sizeof big, "{\"access_token\":\"%0*d\"}", OAUTH_ACCESS_MAX + 1, 0);
    assert_int_equal(oauth_token_parse(big, strlen(big), a), OAUTH_E_PROVIDER);
}

static void test_user_parse(void **state) {
    (void)state;
    oauth_user_t u;
    static const char ME[] =
        "{\"id\":12345,\"email\":\"mlogin@student.42.fr\",\"login\":\"MLogin\",\"first_name\":\"M\",\"url\":\"https://api.intra.42.fr/v2/users/mlogin\","
        "\"image\":{\"link\":\"https://cdn.intra.42.fr/users/abc/mlogin.jpg\",\"versions\":{\"large\":\"https://cdn.intra.42.fr/users/abc/large_mlogin.jpg\","
        "\"medium\":\"https://cdn.intra.42.fr/users/abc/medium_mlogin.jpg\",\"small\":\"https://cdn.intra.42.fr/users/abc/small_mlogin.jpg\","
        "\"micro\":\"https://cdn.intra.42.fr/users/abc/micro_mlogin.jpg\"}},\"cursus_users\":[],\"projects_users\":[]}";
    assert_int_equal(oauth_user_parse(ME, strlen(ME), &u), 0);
    assert_string_equal(u.uid, "12345");
    assert_string_equal(u.login, "mlogin");
    assert_string_equal(u.email, "mlogin@student.42.fr");
    assert_string_equal(u.image, "https://cdn.intra.42.fr/users/abc/medium_mlogin.jpg");
    /* no versions: the link; an http:// link, a null image, an odd email: left empty */
    static const char LINK[] = "{\"id\":7,\"login\":\"abc\",\"email\":null,\"image\":{\"link\":\"https://cdn.intra.42.fr/a.png\",\"versions\":null}}";
    assert_int_equal(oauth_user_parse(LINK, strlen(LINK), &u), 0);
    assert_string_equal(u.image, "https://cdn.intra.42.fr/a.png");
    assert_string_equal(u.email, "");
    static const char PLAIN[] = "{\"id\":7,\"login\":\"abc\",\"email\":\"not an address\",\"image\":{\"link\":\"http://cdn.intra.42.fr/a.png\"}}";
    assert_int_equal(oauth_user_parse(PLAIN, strlen(PLAIN), &u), 0);
    assert_string_equal(u.image, "");
    assert_string_equal(u.email, "");
    static const char NOIMG[] = "{\"id\":7,\"login\":\"abc\",\"image\":null}";
    assert_int_equal(oauth_user_parse(NOIMG, strlen(NOIMG), &u), 0);
    assert_string_equal(u.image, "");
    /* refused: no id, a string or negative id, no login, a login with odd characters or too long */
    static const char *const BAD[] = {
        "{\"login\":\"abc\"}", "{\"id\":\"7\",\"login\":\"abc\"}", "{\"id\":-7,\"login\":\"abc\"}", "{\"id\":0,\"login\":\"abc\"}",
        "{\"id\":7}", "{\"id\":7,\"login\":\"\"}", "{\"id\":7,\"login\":\"a/b\"}", "{\"id\":7,\"login\":\"a\\u0000b\"}",
        "{\"id\":7,\"login\":\"abcdefghijklmnopqrstuvwxyzabcdefg\"}", "[1]", "nope",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        assert_int_equal(oauth_user_parse(BAD[i], strlen(BAD[i]), &u), OAUTH_E_PROVIDER);
        assert_string_equal(u.uid, "");
        assert_string_equal(u.login, "");
    }
    assert_int_equal(oauth_user_parse(ME, OAUTH_JSON_MAX + 1, &u), OAUTH_E_PROVIDER);   /* over the limit: not even read */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkce_rfc7636_vector), cmocka_unit_test(test_verifier), cmocka_unit_test(test_state_matches),
        cmocka_unit_test(test_token_parse), cmocka_unit_test(test_user_parse),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
