/* twofa: TOTP set up and switched on with a code (its step then refused), recovery codes used
 * once, the login challenge (wrong codes counted and fatal, replay refused, the session records
 * the factor and keeps it on rotation), email codes, disabling; on SQLite and PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounttest.h"
#include "dbtest.h"
#include "pongd_limits.h"
#include "twofa.h"

static char sqlite_path[64];

#define S(x) span_cstr(x)
#define NONE ((span_t){ 0 })
#define T0 1111111111000LL   /* ms: a fixed time, step 37037037 */

static account_session_t session(const char *token, int64_t now) {
    account_session_t s;
    memset(&s, 0, sizeof s);
    auth_token_hash(S(token), s.token_hash);
    snprintf(s.family, sizeof s.family, "fam-%s", token);
    s.now = now;
    s.expires = now + ACCOUNT_REFRESH_TTL_MS;
    return s;
}

static const uint8_t KEY[AUTH_SECRET_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const db_sql_t Q_T_SECRET = { "t_secret", "SELECT COALESCE(totp_secret, '') FROM users WHERE id = $1" };
static const db_sql_t Q_T_SET_SECRET = { "t_set_secret", "UPDATE users SET totp_secret = $2 WHERE id = $1" };

/* users.totp_secret as stored, into out. */
static void stored_secret(db_t *db, int64_t uid, char *out, size_t cap) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    assert_int_equal(db_exec(db, &Q_T_SECRET, &p, 1, &r, NULL), 0);
    assert_int_equal(db_rows_count(r), 1);
    snprintf(out, cap, "%s", db_rows_text(r, 0, 0, NULL));
    db_rows_free(r);
}

static void code_at(const char *secret, int64_t ms, char out[OTP_DIGITS + 1]) {
    assert_int_equal(otp_totp(secret, otp_step(ms / 1000), out), 0);
}

static void run_totp(const char *url) {
    db_t *db = fresh(url);
    int64_t uid = accounttest_add(db, "tina"), sid = 0, who = 0;
    twofa_status_t st;
    twofa_recovery_t rec;
    char secret[OTP_SECRET_B32 + 1], code[OTP_DIGITS + 1], tok[AUTH_TOKEN_CHARS + 1];
    int left = 0;
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_string_equal(st.factor, "");
    assert_false(st.totp_pending);
    /* nothing to enable yet, nothing to disable */
    assert_int_equal(twofa_totp_enable(db, KEY, uid, S("123456"), T0, &rec), TWOFA_E_OFF);
    assert_int_equal(twofa_disable(db, KEY, uid, S("123456"), T0), TWOFA_E_OFF);
    otp_secret_new(secret);
    assert_int_equal(twofa_totp_setup(db, KEY, uid, secret), 0);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_true(st.totp_pending);
    /* a wrong code does not switch it on; the right one does and gives ten recovery codes */
    code_at(secret, T0, code);
    char wrong[12];
    snprintf(wrong, sizeof wrong, "%06d", (atoi(code) + 1) % 1000000);
    assert_int_equal(twofa_totp_enable(db, KEY, uid, S(wrong), T0, &rec), AUTH_E_CODE);
    assert_int_equal(twofa_totp_enable(db, KEY, uid, S(code), T0, &rec), 0);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_string_equal(st.factor, "totp");
    assert_false(st.totp_pending);
    assert_int_equal(st.recovery_left, OTP_RECOVERY_COUNT);
    assert_int_equal(twofa_totp_setup(db, KEY, uid, secret), TWOFA_E_ON);   /* no new secret while on */
    assert_int_equal(twofa_totp_enable(db, KEY, uid, S(code), T0, &rec), TWOFA_E_ON);

    /* login: the enable code is a replay, even 20 s later in the same step */
    account_session_t s = session("login1", T0);
    assert_int_equal(twofa_challenge_create(db, uid, "login", NULL, T0, LIM_TWOFA_CHALLENGE_MS, tok), 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S(code), NONE, T0 + 20000, &s, &who, &sid, &left), AUTH_E_CODE_REUSED);
    assert_int_equal(left, LIM_TWOFA_ATTEMPTS - 1);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S(wrong), NONE, T0 + 20000, &s, &who, &sid, &left), AUTH_E_CODE);
    assert_int_equal(left, LIM_TWOFA_ATTEMPTS - 2);
    /* the next step's code passes, once */
    char next[7];
    code_at(secret, T0 + 30000, next);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S(next), NONE, T0 + 30000, &s, &who, &sid, &left), 0);
    assert_int_equal(who, uid);
    assert_true(sid > 0);
    assert_string_equal(s.second_factor, "totp");
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S(next), NONE, T0 + 30000, &s, &who, &sid, &left), TWOFA_E_CHALLENGE);
    account_session_t s2 = session("login2", T0 + 31000);
    char tok2[AUTH_TOKEN_CHARS + 1];
    assert_int_equal(twofa_challenge_create(db, uid, "login", NULL, T0 + 31000, LIM_TWOFA_CHALLENGE_MS, tok2), 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok2), S(next), NONE, T0 + 31000, &s2, &who, &sid, &left), AUTH_E_CODE_REUSED);
    /* the sessions list shows the factor, and a rotation keeps it */
    db_rows_t *rows;
    assert_int_equal(account_sessions_list(db, uid, T0 + 32000, &rows), 0);
    bool seen = false;
    for (int i = 0; i < db_rows_count(rows); i++)
        if (strcmp(db_rows_text(rows, i, 6, NULL), "totp") == 0) seen = true;
    db_rows_free(rows);
    assert_true(seen);
    account_session_t rot = session("login1-rotated", T0 + 33000);
    int64_t ruid = 0;
    assert_int_equal(account_session_rotate(db, s.token_hash, &rot, &ruid, NULL), 0);
    assert_int_equal(account_sessions_list(db, uid, T0 + 34000, &rows), 0);
    seen = false;
    for (int i = 0; i < db_rows_count(rows); i++)
        if (strcmp(db_rows_text(rows, i, 5, NULL), "fam-login1") == 0) seen = strcmp(db_rows_text(rows, i, 6, NULL), "totp") == 0;
    db_rows_free(rows);
    assert_true(seen);

    /* recovery codes: once each, any case and dashes */
    char upper[OTP_RECOVERY_CHARS + 1];
    for (int i = 0; rec.codes[0][i]; i++) upper[i] = (char)(rec.codes[0][i] >= 'a' ? rec.codes[0][i] - 32 : rec.codes[0][i]);
    upper[OTP_RECOVERY_CHARS] = 0;
    assert_int_equal(twofa_login_verify(db, KEY, S(tok2), NONE, S(upper), T0 + 35000, &s2, &who, &sid, &left), 0);
    assert_string_equal(s2.second_factor, "recovery");
    char tok3[AUTH_TOKEN_CHARS + 1];
    account_session_t s3 = session("login3", T0 + 36000);
    assert_int_equal(twofa_challenge_create(db, uid, "login", NULL, T0 + 36000, LIM_TWOFA_CHALLENGE_MS, tok3), 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok3), NONE, S(rec.codes[0]), T0 + 36000, &s3, &who, &sid, &left), AUTH_E_CODE);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_int_equal(st.recovery_left, OTP_RECOVERY_COUNT - 1);
    /* a challenge dies after LIM_TWOFA_ATTEMPTS wrong codes, even for a right one after */
    for (int i = 1; i < LIM_TWOFA_ATTEMPTS; i++)
        assert_int_equal(twofa_login_verify(db, KEY, S(tok3), S(wrong), NONE, T0 + 36000, &s3, &who, &sid, &left), AUTH_E_CODE);
    assert_int_equal(left, 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok3), NONE, S(rec.codes[1]), T0 + 36000, &s3, &who, &sid, &left), TWOFA_E_CHALLENGE);
    /* an expired challenge, a made-up one */
    char tok4[AUTH_TOKEN_CHARS + 1];
    assert_int_equal(twofa_challenge_create(db, uid, "login", NULL, T0, 1000, tok4), 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok4), NONE, S(rec.codes[1]), T0 + 2000, &s3, &who, &sid, &left), TWOFA_E_CHALLENGE);
    assert_int_equal(twofa_login_verify(db, KEY, S("x"), NONE, S(rec.codes[1]), T0, &s3, &who, &sid, &left), TWOFA_E_CHALLENGE);
    /* named with another account: refused, and nothing spent */
    char tok5[AUTH_TOKEN_CHARS + 1];
    assert_int_equal(twofa_challenge_create(db, uid, "login", NULL, T0 + 36000, LIM_TWOFA_CHALLENGE_MS, tok5), 0);
    assert_int_equal(twofa_login_verify_for(db, KEY, uid + 1, S(tok5), NONE, S(rec.codes[1]), T0 + 36000, &s3, &who, &sid, &left),
                     TWOFA_E_CHALLENGE);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_int_equal(st.recovery_left, OTP_RECOVERY_COUNT - 1);

    /* disabling: a replayed code refused, a recovery code accepted; everything goes */
    assert_int_equal(twofa_disable(db, KEY, uid, S(next), T0 + 40000), AUTH_E_CODE_REUSED);
    assert_int_equal(twofa_disable(db, KEY, uid, S(rec.codes[2]), T0 + 40000), 0);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_string_equal(st.factor, "");
    assert_false(st.totp_pending);
    assert_int_equal(st.recovery_left, 0);
    db_close(db);
}

static void run_email(const char *url) {
    db_t *db = fresh(url);
    int64_t uid = accounttest_add(db, "emma"), other = accounttest_add(db, "olga"), sid = 0, who = 0;
    twofa_status_t st;
    twofa_recovery_t rec;
    char tok[AUTH_TOKEN_CHARS + 1];
    int left;
    /* setup: the mailed code with its challenge, not another user's */
    assert_int_equal(twofa_challenge_create(db, uid, "email_setup", "424242", T0, LIM_TWOFA_EMAIL_CODE_MS, tok), 0);
    assert_int_equal(twofa_email_enable(db, other, S(tok), S("424242"), T0, &rec), TWOFA_E_CHALLENGE);
    assert_int_equal(twofa_email_enable(db, uid, S(tok), S("424243"), T0, &rec), AUTH_E_CODE);
    assert_int_equal(twofa_email_enable(db, uid, S(tok), S("424 242"), T0, &rec), 0);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_string_equal(st.factor, "email");
    assert_true(st.email_verified_at == T0);
    assert_int_equal(st.recovery_left, OTP_RECOVERY_COUNT);
    assert_int_equal(twofa_totp_setup(db, KEY, uid, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), TWOFA_E_ON);
    /* login by an emailed code: single use, short-lived */
    account_session_t s = session("mail1", T0);
    assert_int_equal(twofa_challenge_create(db, uid, "login", "000017", T0, LIM_TWOFA_EMAIL_CODE_MS, tok), 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S("000018"), NONE, T0, &s, &who, &sid, &left), AUTH_E_CODE);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S("000017"), NONE, T0 + LIM_TWOFA_EMAIL_CODE_MS, &s, &who, &sid, &left),
                     TWOFA_E_CHALLENGE);   /* too late */
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S("000017"), NONE, T0 + 1000, &s, &who, &sid, &left), 0);
    assert_string_equal(s.second_factor, "email");
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S("000017"), NONE, T0 + 1000, &s, &who, &sid, &left), TWOFA_E_CHALLENGE);
    /* email on: a challenge of the setup kind is no login */
    assert_int_equal(twofa_challenge_create(db, uid, "email_setup", "111111", T0, LIM_TWOFA_EMAIL_CODE_MS, tok), 0);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S("111111"), NONE, T0, &s, &who, &sid, &left), TWOFA_E_CHALLENGE);
    /* off with a recovery code; deleting the user removes what is left (cascade) */
    assert_int_equal(twofa_disable(db, KEY, uid, S("111111"), T0), AUTH_E_CODE);
    assert_int_equal(twofa_disable(db, KEY, uid, S(rec.codes[9]), T0), 0);
    assert_int_equal(twofa_status(db, uid, &st), 0);
    assert_string_equal(st.factor, "");
    db_close(db);
}

/* The secret at rest: sealed from setup on (never the base32 in the column); a secret stored
 * in clear before sealing still works and is rewritten sealed by the first read; with another
 * server secret no TOTP code matches, a recovery code still turns it off. */
static void run_sealed(const char *url) {
    db_t *db = fresh(url);
    int64_t uid = accounttest_add(db, "sid"), sid = 0, who = 0;
    twofa_recovery_t rec;
    char secret[OTP_SECRET_B32 + 1], code[OTP_DIGITS + 1], tok[AUTH_TOKEN_CHARS + 1], col[256];
    int left = 0;
    otp_secret_new(secret);
    assert_int_equal(twofa_totp_setup(db, KEY, uid, secret), 0);
    stored_secret(db, uid, col, sizeof col);
    assert_int_equal(strncmp(col, OTP_SEALED_PREFIX, strlen(OTP_SEALED_PREFIX)), 0);
    assert_null(strstr(col, secret));
    /* a row from before sealing: the clear secret */
    db_val_t p[2] = { DB_INT(uid), DB_TEXT(secret, strlen(secret)) };
    assert_int_equal(db_exec(db, &Q_T_SET_SECRET, p, 2, NULL, NULL), 0);
    code_at(secret, T0, code);
    assert_int_equal(twofa_totp_enable(db, KEY, uid, S(code), T0, &rec), 0);   /* reads */
    stored_secret(db, uid, col, sizeof col);
    assert_int_equal(strncmp(col, OTP_SEALED_PREFIX, strlen(OTP_SEALED_PREFIX)), 0);   /* rewritten */
    assert_null(strstr(col, secret));
    char open[OTP_SECRET_B32 + 1];
    bool legacy = true;
    assert_int_equal(otp_secret_open(KEY, uid, col, open, &legacy), 0);
    assert_string_equal(open, secret);
    assert_false(legacy);
    /* the sealed secret logs in */
    account_session_t s = session("sealed1", T0 + 30000);
    assert_int_equal(twofa_challenge_create(db, uid, "login", NULL, T0 + 30000, 60000, tok), 0);
    code_at(secret, T0 + 30000, code);
    assert_int_equal(twofa_login_verify(db, KEY, S(tok), S(code), NONE, T0 + 30000, &s, &who, &sid, &left), 0);
    assert_int_equal(who, uid);
    /* another server secret: the secret does not open, no code matches; a recovery code works */
    uint8_t other[AUTH_SECRET_BYTES];
    memcpy(other, KEY, sizeof other);
    other[0] ^= 1;
    code_at(secret, T0 + 60000, code);
    assert_int_equal(twofa_disable(db, other, uid, S(code), T0 + 60000), AUTH_E_CODE);
    assert_int_equal(twofa_disable(db, other, uid, S(rec.codes[0]), T0 + 60000), 0);
    stored_secret(db, uid, col, sizeof col);
    assert_string_equal(col, "");
    db_close(db);
}

BOTH(totp)
BOTH(email)
BOTH(sealed)

int main(void) {
    if (!auth_init()) return 1;
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-2fa-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_totp),
        cmocka_unit_test(test_sqlite_email),
        cmocka_unit_test(test_postgres_totp),
        cmocka_unit_test(test_postgres_email),
        cmocka_unit_test(test_sqlite_sealed),
        cmocka_unit_test(test_postgres_sealed),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
