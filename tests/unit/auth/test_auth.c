/* auth: validation, password hashing, JWT signing and the refused variants, tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"

#define S(lit) span_of((lit), strlen(lit))

static const uint8_t SECRET[AUTH_SECRET_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static void test_username(void **state) {
    (void)state;
    assert_null(auth_check_username(S("abc")));
    assert_null(auth_check_username(S("Player_One-2")));
    assert_null(auth_check_username(S("abcdefghijklmnopqrst")));        /* 20 */
    assert_string_equal(auth_check_username(S("ab")), "too_short");
    assert_string_equal(auth_check_username(S("abcdefghijklmnopqrstu")), "too_long");
    assert_string_equal(auth_check_username(S("with space")), "invalid_chars");
    assert_string_equal(auth_check_username(S("zoë")), "invalid_chars");
    assert_string_equal(auth_check_username(S("a'--")), "invalid_chars");
    assert_string_equal(auth_check_username(span_of("ab\0c", 4)), "invalid_chars");
    assert_string_equal(auth_check_username(S("ad\xe2\x80\x8bmin")), "invalid_chars");   /* U+200B */
    assert_string_equal(auth_check_username(S("abc\xe2\x80\xae")), "invalid_chars");    /* U+202E */
}

static void test_email(void **state) {
    (void)state;
    assert_null(auth_check_email(S("a@b.co")));
    assert_null(auth_check_email(S("first.last+tag@mail.example.org")));
    const char *bad[] = { "", "plain", "@b.co", "a@", "a@b", "a@.co", "a@b.", "a@@b.co", "a b@c.de", "a@b..co",
                          "<a@b.co>", "a@b.co\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_non_null(auth_check_email(S(bad[i])));
    char long_mail[300];
    memset(long_mail, 'a', sizeof long_mail);
    memcpy(long_mail + 250, "@b.co", 6);
    assert_non_null(auth_check_email(S(long_mail)));
}

static void test_display_name(void **state) {
    (void)state;
    assert_null(auth_check_display_name(S("Zoë 🏓")));
    assert_null(auth_check_display_name(S("<img src=x onerror=alert(1)>")));   /* text is text */
    assert_string_equal(auth_check_display_name(S("")), "empty");
    assert_string_equal(auth_check_display_name(S("   ")), "empty");
    assert_string_equal(auth_check_display_name(S(" padded")), "invalid_chars");
    assert_string_equal(auth_check_display_name(S("tab\there")), "invalid_chars");
    assert_string_equal(auth_check_display_name(span_of("\xc3\x28", 2)), "invalid_chars");   /* bad UTF-8 */
    assert_string_equal(auth_check_display_name(S("ééééééééééééééééééééééééééééééééé")), "too_long");   /* 33 */
    assert_null(auth_check_display_name(S("éééééééééééééééééééééééééééééééé")));                      /* 32 */
    /* controls and format characters (Cc, Cf): they reorder or hide the text around them */
    static const char *const hidden[] = {
        "evil\xe2\x80\xaetxt.exe",    /* U+202E RIGHT-TO-LEFT OVERRIDE */
        "a\xe2\x80\xad" "b",             /* U+202D LEFT-TO-RIGHT OVERRIDE */
        "a\xe2\x81\xa6" "b\xe2\x81\xa9", /* U+2066 LRI … U+2069 PDI */
        "a\xe2\x80\x8f" "b",             /* U+200F RIGHT-TO-LEFT MARK */
        "ad\xe2\x80\x8bmin",          /* U+200B ZERO WIDTH SPACE */
        "a\xe2\x80\x8d" "b",             /* U+200D ZERO WIDTH JOINER */
        "a\xe2\x80\x8c" "b",             /* U+200C ZERO WIDTH NON-JOINER */
        "a\xe2\x81\xa0" "b",             /* U+2060 WORD JOINER */
        "\xef\xbb\xbf" "bom",            /* U+FEFF */
        "soft\xc2\xadhyphen",         /* U+00AD */
        "a\xc2\x85" "b",                 /* U+0085 NEL (C1) */
        "esc\x1b[31m",                 /* ESC */
        "tag\xf3\xa0\x80\x81",       /* U+E0001 LANGUAGE TAG */
        "a\xe2\x80\xa8" "b",             /* U+2028 LINE SEPARATOR */
    };
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
        assert_string_equal(auth_check_display_name(S(hidden[i])), "invalid_chars");
    /* nothing that shows: empty */
    assert_string_equal(auth_check_display_name(S("\xe3\x85\xa4")), "empty");              /* U+3164 HANGUL FILLER */
    assert_string_equal(auth_check_display_name(S("\xe2\xa0\x80\xe2\xa0\x80")), "empty"); /* U+2800 BRAILLE BLANK x2 */
    assert_string_equal(auth_check_display_name(S("\xe3\x80\x80")), "empty");              /* U+3000 IDEOGRAPHIC SPACE */
    /* right-to-left letters and emoji with a variation selector are fine */
    assert_null(auth_check_display_name(S("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d")));      /* שלום */
    assert_null(auth_check_display_name(S("\xe2\x9d\xa4\xef\xb8\x8f Ann")));            /* ❤️ Ann (U+FE0F) */
}

static void test_password_rules(void **state) {
    (void)state;
    auth_common_t *common = auth_common_load("data/common-passwords.txt");
    assert_non_null(common);
    assert_true(auth_common_count(common) > 3000);
    span_t user = S("alice"), mail = S("alice.smith@example.org");
    assert_null(auth_check_password(S("correct horse battery"), user, mail, common));
    assert_string_equal(auth_check_password(S("short"), user, mail, common), "too_short");
    assert_string_equal(auth_check_password(S("ninechars"), user, mail, common), "too_short");
    assert_string_equal(auth_check_password(S("éééééééééé"), user, mail, common) ? "x" : "ok", "ok");   /* 10 code points */
    assert_string_equal(auth_check_password(S("1234567890"), user, mail, common), "too_common");
    assert_string_equal(auth_check_password(S("BasketBall"), user, mail, common), "too_common");
    assert_string_equal(auth_check_password(S("password123!"), user, mail, common), "too_common");
    assert_string_equal(auth_check_password(S("zzzzzzzzzzzz"), user, mail, common), "too_common");
    assert_string_equal(auth_check_password(S("ALICE.SMITH@EXAMPLE.ORG"), user, mail, common), "same_as_email");
    assert_string_equal(auth_check_password(S("alice.smith"), S("bob"), mail, common), "same_as_email");
    assert_string_equal(auth_check_password(S("Long_User_Name"), S("long_user_name"), mail, common), "same_as_username");
    assert_string_equal(auth_check_password(span_of("abcdefghij\0k", 12), user, mail, common), "invalid");
    char big[300];
    memset(big, 'x', sizeof big);
    big[0] = 'y';
    assert_string_equal(auth_check_password(span_of(big, sizeof big), user, mail, common), "too_long");
    assert_null(auth_common_load("/nonexistent/list.txt"));
    auth_common_free(common);
}

static void test_fold(void **state) {
    (void)state;
    char out[32];
    auth_fold(S("MiXeD_Case-1 Zoë"), out);
    assert_string_equal(out, "mixed_case-1 zoë");
}

static void test_password_hash_round_trip(void **state) {
    (void)state;
    char hash[AUTH_HASH_MAX];
    assert_true(auth_password_hash(S("correct horse battery"), hash));
    /* Argon2id at OWASP's minimum or above: m=19 MiB (19456 KiB), t=2, p=1 */
    assert_non_null(strstr(hash, "$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_true(auth_password_verify(hash, S("correct horse battery")));
    assert_false(auth_password_verify(hash, S("correct horse batterY")));
    assert_false(auth_password_verify(hash, S("")));
    assert_false(auth_password_verify("", S("x")));
    assert_false(auth_password_verify(NULL, S("x")));
    char again[AUTH_HASH_MAX];
    assert_true(auth_password_hash(S("correct horse battery"), again));
    assert_string_not_equal(hash, again);   /* salted */
}

static char *b64(const char *json) {
    size_t n = strlen(json);
    char *out = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), (const unsigned char *)json, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

/* header.payload.signature from parts */
static char *forge(const char *header_json, const char *payload_json, const char *sig) {
    char *h = b64(header_json), *p = b64(payload_json);
    char *out = malloc(strlen(h) + strlen(p) + strlen(sig) + 3);
    sprintf(out, "%s.%s.%s", h, p, sig);
    free(h);
    free(p);
    return out;
}

static char *sign_with(jwt_alg_t alg, const uint8_t *key, int keylen, long exp) {
    jwt_t *jwt;
    jwt_new(&jwt);
    jwt_set_alg(jwt, alg, key, keylen);
    jwt_add_grant(jwt, "sub", "7");
    jwt_add_grant_int(jwt, "exp", exp);
    char *s = jwt_encode_str(jwt);
    jwt_free(jwt);
    return s;
}

static void test_jwt(void **state) {
    (void)state;
    int64_t now = 1800000000, id = 0;
    char *t = auth_jwt_sign(SECRET, 42, "Zoë <b>", now, AUTH_ACCESS_TTL_S);
    assert_non_null(t);
    char name[64];
    assert_int_equal(auth_jwt_verify(SECRET, t, now, &id, name, sizeof name), ERR_OK);
    assert_int_equal(id, 42);
    assert_string_equal(name, "Zoë <b>");
    assert_int_equal(auth_jwt_verify(SECRET, t, now + AUTH_ACCESS_TTL_S - 1, &id, NULL, 0), ERR_OK);
    /* expired at exactly exp and after */
    assert_int_equal(auth_jwt_verify(SECRET, t, now + AUTH_ACCESS_TTL_S, &id, NULL, 0), AUTH_E_EXPIRED);
    /* another secret: bad signature */
    uint8_t other[AUTH_SECRET_BYTES];
    memcpy(other, SECRET, sizeof other);
    other[0] ^= 1;
    assert_int_equal(auth_jwt_verify(other, t, now, &id, NULL, 0), AUTH_E_SIGNATURE);
    /* a payload changed after signing */
    char *dot1 = strchr(t, '.'), *dot2 = strchr(dot1 + 1, '.');
    char *p = b64("{\"sub\":\"1\",\"exp\":1900000000}");
    char *tampered = malloc(strlen(t) + strlen(p) + 2);
    sprintf(tampered, "%.*s.%s%s", (int)(dot1 - t), t, p, dot2);
    assert_int_equal(auth_jwt_verify(SECRET, tampered, now, &id, NULL, 0), AUTH_E_SIGNATURE);
    free(p);
    free(tampered);
    /* alg none, with and without a signature */
    char *none = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"sub\":\"1\",\"exp\":1900000000}", "");
    assert_int_equal(auth_jwt_verify(SECRET, none, now, &id, NULL, 0), AUTH_E_ALG);
    free(none);
    none = forge("{\"alg\":\"None\"}", "{\"sub\":\"1\",\"exp\":1900000000}", "abc");
    assert_int_equal(auth_jwt_verify(SECRET, none, now, &id, NULL, 0), AUTH_E_ALG);
    free(none);
    /* another algorithm with the same key: HS512, HS384 */
    char *hs512 = sign_with(JWT_ALG_HS512, SECRET, AUTH_SECRET_BYTES, 1900000000);
    assert_int_equal(auth_jwt_verify(SECRET, hs512, now, &id, NULL, 0), AUTH_E_ALG);
    free(hs512);
    char *hs384 = sign_with(JWT_ALG_HS384, SECRET, AUTH_SECRET_BYTES, 1900000000);
    assert_int_equal(auth_jwt_verify(SECRET, hs384, now, &id, NULL, 0), AUTH_E_ALG);
    free(hs384);
    /* RS256 header (key confusion attempt) */
    char *rs = forge("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "{\"sub\":\"1\",\"exp\":1900000000}", "c2ln");
    assert_int_equal(auth_jwt_verify(SECRET, rs, now, &id, NULL, 0), AUTH_E_ALG);
    free(rs);
    /* HS256 without exp, or without sub */
    char *noexp = sign_with(JWT_ALG_HS256, SECRET, AUTH_SECRET_BYTES, 0);
    assert_int_not_equal(auth_jwt_verify(SECRET, noexp, now, &id, NULL, 0), ERR_OK);
    free(noexp);
    /* garbage */
    const char *junk[] = { "", "abc", "a.b", "a.b.c.d", "....", "eyJhbGciOiJIUzI1NiJ9.e30.", "x y.z.w" };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) assert_int_not_equal(auth_jwt_verify(SECRET, junk[i], now, &id, NULL, 0), ERR_OK);
    char huge[2000];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    huge[10] = '.';
    huge[20] = '.';
    assert_int_equal(auth_jwt_verify(SECRET, huge, now, &id, NULL, 0), AUTH_E_FORMAT);
    free(t);
}

static void test_tokens(void **state) {
    (void)state;
    char a[AUTH_TOKEN_CHARS + 1], b[AUTH_TOKEN_CHARS + 1];
    auth_token_new(a);
    auth_token_new(b);
    assert_int_equal(strlen(a), AUTH_TOKEN_CHARS);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < AUTH_TOKEN_CHARS; i++) assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
    char h[AUTH_TOKEN_HASH_HEX + 1];
    auth_token_hash(S("abc"), h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");   /* SHA-256("abc") */
}

static void test_secret(void **state) {
    (void)state;
    char path[64], err[128];
    snprintf(path, sizeof path, "/tmp/pongd-test-secret-%d", (int)getpid());
    unlink(path);
    uint8_t s1[AUTH_SECRET_BYTES], s2[AUTH_SECRET_BYTES];
    assert_true(auth_secret_load(NULL, path, s1, err, sizeof err));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(auth_secret_load("", path, s2, err, sizeof err));   /* kept and reused */
    assert_memory_equal(s1, s2, sizeof s1);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, SECRET, sizeof SECRET);
    assert_true(auth_secret_load(hex, path, s2, err, sizeof err));   /* configured wins */
    assert_memory_equal(s2, SECRET, sizeof s2);
    assert_false(auth_secret_load("abcd", path, s2, err, sizeof err));
    assert_non_null(strstr(err, "JWT_SECRET"));
    FILE *f = fopen(path, "w");
    fputs("not hex\n", f);
    fclose(f);
    assert_false(auth_secret_load(NULL, path, s2, err, sizeof err));
    unlink(path);
}

int main(void) {
    if (!auth_init()) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_display_name),
        cmocka_unit_test(test_password_rules),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_password_hash_round_trip),
        cmocka_unit_test(test_jwt),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
