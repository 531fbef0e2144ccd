/* otp: TOTP against RFC 6238's test vectors (SHA-1, 8 digits, key "12345678901234567890")
 * and their 6-digit truncations, the ±1 step window, replay refusal, secrets, the otpauth URI,
 * recovery codes and email codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "otp.h"

#define S(lit) span_of((lit), strlen(lit))

static const uint8_t RFC_KEY[] = "12345678901234567890";

/* RFC 6238 Appendix B, the SHA-1 column */
static const struct { int64_t t; const char *code; } VECTORS[] = {
    { 59, "94287082" },         { 1111111109, "07081804" }, { 1111111111, "14050471" },
    { 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000, "65353130" },
};

static int setup(void **state) {
    (void)state;
    return auth_init() ? 0 : -1;
}

static void test_rfc6238_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        char out[9];
        assert_int_equal(otp_totp_raw(RFC_KEY, 20, VECTORS[i].t, 8, out), ERR_OK);
        assert_string_equal(out, VECTORS[i].code);
        /* 6 digits: the same truncated value mod 10^6, i.e. the last six digits */
        assert_int_equal(otp_totp_raw(RFC_KEY, 20, VECTORS[i].t, 6, out), ERR_OK);
        assert_string_equal(out, VECTORS[i].code + 2);
    }
    char out[9];
    assert_int_equal(otp_totp_raw(RFC_KEY, 20, 59, 5, out), ERR_INVALID);
    assert_int_equal(otp_totp_raw(RFC_KEY, 20, 59, 9, out), ERR_INVALID);
}

/* "12345678901234567890" in base32 */
#define RFC_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void test_base32_secret(void **state) {
    (void)state;
    char code[OTP_DIGITS + 1];
    assert_int_equal(otp_totp(RFC_B32, otp_step(59), code), ERR_OK);
    assert_string_equal(code, "287082");
    assert_int_equal(otp_totp("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", otp_step(1111111109), code), ERR_OK);   /* any case */
    assert_string_equal(code, "081804");
    assert_int_equal(otp_totp("not base32!", 1, code), ERR_INVALID);
    assert_int_equal(otp_totp("", 1, code), ERR_INVALID);
    /* new secrets: 32 base32 letters, different each time, usable */
    char a[OTP_SECRET_B32 + 1], b[OTP_SECRET_B32 + 1];
    otp_secret_new(a);
    otp_secret_new(b);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    assert_string_not_equal(a, b);
    assert_int_equal(otp_totp(a, 12345, code), ERR_OK);
    assert_int_equal(strspn(code, "0123456789"), 6);
}

static void test_window_and_replay(void **state) {
    (void)state;
    int64_t t = 1111111111, now = otp_step(t), step = 0;
    char prev[7], cur[7], next[7], far[7];
    otp_totp(RFC_B32, now - 1, prev);
    otp_totp(RFC_B32, now, cur);
    otp_totp(RFC_B32, now + 1, next);
    otp_totp(RFC_B32, now + 2, far);
    /* the current step and one either way */
    assert_int_equal(otp_totp_check(RFC_B32, S(cur), t, 0, &step), ERR_OK);
    assert_int_equal(step, now);
    assert_int_equal(otp_totp_check(RFC_B32, S(prev), t, 0, &step), ERR_OK);
    assert_int_equal(step, now - 1);
    assert_int_equal(otp_totp_check(RFC_B32, S(next), t, 0, &step), ERR_OK);
    assert_int_equal(step, now + 1);
    if (strcmp(far, cur) && strcmp(far, prev) && strcmp(far, next))
        assert_int_equal(otp_totp_check(RFC_B32, S(far), t, 0, &step), AUTH_E_CODE);
    /* replay: once step `now` was used, its code and the previous step's are refused */
    assert_int_equal(otp_totp_check(RFC_B32, S(cur), t, now, &step), AUTH_E_CODE_REUSED);
    assert_int_equal(otp_totp_check(RFC_B32, S(prev), t, now, &step), AUTH_E_CODE_REUSED);
    assert_int_equal(otp_totp_check(RFC_B32, S(cur), t + 10, now, &step), AUTH_E_CODE_REUSED);   /* later in its window */
    /* a later step still passes, and then the current one is a replay too */
    assert_int_equal(otp_totp_check(RFC_B32, S(next), t, now, &step), ERR_OK);
    assert_int_equal(step, now + 1);
    assert_int_equal(otp_totp_check(RFC_B32, S(next), t, now + 1, &step), AUTH_E_CODE_REUSED);
    /* spaces are ignored; anything else is a wrong code */
    char spaced[8] = { cur[0], cur[1], cur[2], ' ', cur[3], cur[4], cur[5], 0 };
    assert_int_equal(otp_totp_check(RFC_B32, S(spaced), t, 0, &step), ERR_OK);
    assert_int_equal(otp_totp_check(RFC_B32, S(""), t, 0, &step), AUTH_E_CODE);
    assert_int_equal(otp_totp_check(RFC_B32, S("12345"), t, 0, &step), AUTH_E_CODE);
    assert_int_equal(otp_totp_check(RFC_B32, S("1234567"), t, 0, &step), AUTH_E_CODE);
    assert_int_equal(otp_totp_check(RFC_B32, S("12a456"), t, 0, &step), AUTH_E_CODE);
    assert_int_equal(otp_totp_check("bad!", S(cur), t, 0, &step), AUTH_E_CODE);
    /* 30 s steps: 59 is step 1, 60 step 2 */
    assert_int_equal(otp_step(59), 1);
    assert_int_equal(otp_step(60), 2);
}

static void test_uri(void **state) {
    (void)state;
    char uri[OTP_URI_MAX];
    assert_true(otp_uri("ABCDEFGH", "Transcendence", "zoë@example.org", uri, sizeof uri));
    assert_string_equal(uri, "otpauth://totp/Transcendence:zo%C3%AB%40example.org?secret=ABCDEFGH&issuer=Transcendence"
                             "&algorithm=SHA1&digits=6&period=30");
    assert_false(otp_uri("ABCDEFGH", "Transcendence", "alice", uri, 40));   /* does not fit */
}

static void test_recovery_codes(void **state) {
    (void)state;
    char codes[OTP_RECOVERY_COUNT][OTP_RECOVERY_CHARS + 1];
    for (int i = 0; i < OTP_RECOVERY_COUNT; i++) {
        otp_recovery_new(codes[i]);
        assert_int_equal(strlen(codes[i]), OTP_RECOVERY_CHARS);
        assert_true(codes[i][4] == '-' && codes[i][9] == '-' && codes[i][14] == '-');
        for (int j = 0; j < i; j++) assert_string_not_equal(codes[i], codes[j]);
        char norm[OTP_RECOVERY_NORM + 1];
        assert_true(otp_recovery_norm(S(codes[i]), norm));
        assert_int_equal(strlen(norm), 16);
        assert_int_equal(strspn(norm, "abcdefghijklmnopqrstuvwxyz234567"), 16);
    }
    char a[OTP_RECOVERY_NORM + 1], b[OTP_RECOVERY_NORM + 1];
    assert_true(otp_recovery_norm(S("abcd-efgh-ijkl-mnop"), a));
    assert_true(otp_recovery_norm(S("ABCD EFGH IJKL MNOP"), b));   /* typed another way: the same code */
    assert_string_equal(a, b);
    assert_string_equal(a, "abcdefghijklmnop");
    assert_false(otp_recovery_norm(S("abcd-efgh-ijkl-mno"), a));    /* too short */
    assert_false(otp_recovery_norm(S("abcd-efgh-ijkl-mnopq"), a));  /* too long */
    assert_false(otp_recovery_norm(S("abcd-efgh-ijkl-mno1"), a));   /* 1 is not base32 */
    assert_false(otp_recovery_norm(S("abcd-efgh-ijkl-mno'"), a));
    /* what is stored is the hash of the normalised code */
    char h1[AUTH_TOKEN_HASH_HEX + 1], h2[AUTH_TOKEN_HASH_HEX + 1];
    otp_recovery_norm(S("ABCD-EFGH-IJKL-MNOP"), b);
    auth_token_hash(S(a), h1);
    auth_token_hash(S(b), h2);
    assert_string_equal(h1, h2);
}

static void test_email_codes(void **state) {
    (void)state;
    int same = 0;
    char prev[OTP_DIGITS + 1] = "";
    for (int i = 0; i < 200; i++) {
        char c[OTP_DIGITS + 1], n[OTP_DIGITS + 1];
        otp_email_code_new(c);
        assert_int_equal(strlen(c), 6);
        assert_int_equal(strspn(c, "0123456789"), 6);
        assert_true(otp_code_norm(S(c), n));
        assert_string_equal(c, n);
        same += strcmp(c, prev) == 0;
        memcpy(prev, c, sizeof c);
    }
    assert_true(same < 3);
    char n[OTP_DIGITS + 1];
    assert_true(otp_code_norm(S(" 012 345 "), n));
    assert_string_equal(n, "012345");
    assert_false(otp_code_norm(S("01234"), n));
    assert_false(otp_code_norm(S("0123456"), n));
    assert_false(otp_code_norm(S("01234x"), n));
}

/* The secret at rest: sealed values open with the same server secret and user id only, never
 * show the secret, differ each time (random nonce); altered or foreign ones do not open; a
 * clear base32 secret reads as legacy; anything else is refused. */
static void test_secret_sealing(void **state) {
    (void)state;
    uint8_t master[OTP_MASTER_BYTES], other[OTP_MASTER_BYTES];
    for (int i = 0; i < OTP_MASTER_BYTES; i++) master[i] = (uint8_t)i, other[i] = (uint8_t)(i + 1);
    const char *secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    char a[OTP_SEALED_MAX + 1], b[OTP_SEALED_MAX + 1], out[OTP_SECRET_B32 + 1];
    bool legacy = true;
    assert_true(otp_secret_seal(master, 7, secret, a));
    assert_true(otp_secret_seal(master, 7, secret, b));
    assert_int_equal(strncmp(a, OTP_SEALED_PREFIX, strlen(OTP_SEALED_PREFIX)), 0);
    assert_true(strlen(a) <= OTP_SEALED_MAX);
    assert_null(strstr(a, secret));
    assert_string_not_equal(a, b);   /* a new nonce each time */
    assert_int_equal(otp_secret_open(master, 7, a, out, &legacy), ERR_OK);
    assert_string_equal(out, secret);
    assert_false(legacy);
    assert_int_equal(otp_secret_open(master, 7, b, out, &legacy), ERR_OK);
    assert_string_equal(out, secret);
    /* another user's row, another server secret, a changed byte, a truncated value */
    assert_int_equal(otp_secret_open(master, 8, a, out, &legacy), ERR_INVALID);
    assert_string_equal(out, "");
    assert_int_equal(otp_secret_open(other, 7, a, out, &legacy), ERR_INVALID);
    char bad[OTP_SEALED_MAX + 1];
    snprintf(bad, sizeof bad, "%s", a);
    size_t mid = strlen(bad) / 2;
    bad[mid] = bad[mid] == 'A' ? 'B' : 'A';
    assert_int_equal(otp_secret_open(master, 7, bad, out, &legacy), ERR_INVALID);
    snprintf(bad, sizeof bad, "%.*s", (int)strlen(a) - 4, a);
    assert_int_equal(otp_secret_open(master, 7, bad, out, &legacy), ERR_INVALID);
    assert_int_equal(otp_secret_open(master, 7, "v1.", out, &legacy), ERR_INVALID);
    assert_int_equal(otp_secret_open(master, 7, "v1.!!!!", out, &legacy), ERR_INVALID);
    /* stored in clear before sealing: read, marked legacy */
    assert_int_equal(otp_secret_open(master, 7, secret, out, &legacy), ERR_OK);
    assert_string_equal(out, secret);
    assert_true(legacy);
    assert_int_equal(otp_secret_open(master, 7, "GEZDGNBV", out, &legacy), ERR_INVALID);
    assert_int_equal(otp_secret_open(master, 7, "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", out, &legacy), ERR_INVALID);
    assert_int_equal(otp_secret_open(master, 7, "", out, &legacy), ERR_INVALID);
    /* only a full-length secret is sealed */
    assert_false(otp_secret_seal(master, 7, "GEZDGNBV", a));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_sealing),
        cmocka_unit_test(test_rfc6238_vectors), cmocka_unit_test(test_base32_secret), cmocka_unit_test(test_window_and_replay),
        cmocka_unit_test(test_uri),             cmocka_unit_test(test_recovery_codes), cmocka_unit_test(test_email_codes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
