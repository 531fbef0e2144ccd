/* emailtok: a verification link confirms the address once, not after it expired, not once the
 * address changed; a reset request finds only a confirmed address (unknown and unconfirmed
 * addresses alike find no one to mail); a reset link sets the password once, voids the user's
 * other reset links, and is refused used, expired, of the other kind or for an address that
 * changed; on SQLite and PostgreSQL. */
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
#include "emailtok.h"
#include "pongd_limits.h"
#include "profile.h"

static char sqlite_path[64];

#define S(x) span_cstr(x)
#define T0 1700000000000LL

static int64_t verified_at(db_t *db, int64_t uid) {
    emailtok_owner_t o;
    char tok[AUTH_TOKEN_CHARS + 1];
    /* a reset request sees the confirmation (and its target's address) */
    account_t a;
    assert_int_equal(account_get(db, uid, &a), 0);
    char key[AUTH_EMAIL_MAX + 1];
    auth_fold(S(a.email), key);
    int rc = emailtok_reset_target(db, key, T0, &o);
    (void)tok;
    if (rc == 0) assert_int_equal(o.uid, uid);
    return rc == 0 ? o.email_verified_at : 0;
}

static void run_verify(const char *url) {
    db_t *db = fresh(url);
    int64_t uid = accounttest_add(db, "vera"), who = 0;
    char tok[AUTH_TOKEN_CHARS + 1], tok2[AUTH_TOKEN_CHARS + 1], late[AUTH_TOKEN_CHARS + 1];
    assert_int_equal(verified_at(db, uid), 0);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "vera@x.org", T0, LIM_EMAIL_VERIFY_MS, tok), 0);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "vera@x.org", T0, LIM_EMAIL_VERIFY_MS, tok2), 0);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "vera@x.org", T0, 1000, late), 0);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(strlen(tok), AUTH_TOKEN_CHARS);
    /* malformed, unknown, of the other kind, expired */
    assert_int_equal(emailtok_verify(db, S("short"), T0, &who), EMAILTOK_E_INVALID);
    char unknown[AUTH_TOKEN_CHARS + 1];
    auth_token_new(unknown);
    assert_int_equal(emailtok_verify(db, S(unknown), T0, &who), EMAILTOK_E_INVALID);
    emailtok_owner_t o;
    assert_int_equal(emailtok_peek(db, S(tok), EMAILTOK_RESET, T0, &o), EMAILTOK_E_INVALID);
    assert_int_equal(emailtok_verify(db, S(late), T0 + 1000, &who), EMAILTOK_E_EXPIRED);
    /* the link works once */
    assert_int_equal(emailtok_verify(db, S(tok), T0 + 5, &who), 0);
    assert_int_equal(who, uid);
    assert_true(verified_at(db, uid) == T0 + 5);
    assert_int_equal(emailtok_verify(db, S(tok), T0 + 6, &who), EMAILTOK_E_USED);
    /* a second link of the same address keeps the first confirmation's time */
    assert_int_equal(emailtok_verify(db, S(tok2), T0 + 7, &who), 0);
    assert_true(verified_at(db, uid) == T0 + 5);
    /* a link to the old address after the email changed confirms nothing */
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "vera@x.org", T0, LIM_EMAIL_VERIFY_MS, tok), 0);
    assert_int_equal(profile_update(db, uid, &(profile_update_t){ .email = "vera2@x.org" }, T0 + 8), 0);
    emailtok_owner_t n;
    assert_int_equal(emailtok_reset_target(db, "vera2@x.org", T0 + 8, &n), EMAILTOK_E_UNVERIFIED);   /* cleared */
    assert_int_equal(emailtok_verify(db, S(tok), T0 + 9, &who), EMAILTOK_E_STALE);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "vera2@x.org", T0 + 9, LIM_EMAIL_VERIFY_MS, tok), 0);
    assert_int_equal(emailtok_verify(db, S(tok), T0 + 10, &who), 0);
    assert_int_equal(emailtok_reset_target(db, "vera2@x.org", T0 + 10, &n), 0);
    assert_true(n.email_verified_at == T0 + 10);
    /* the old address no longer finds anyone */
    assert_int_equal(emailtok_reset_target(db, "vera@x.org", T0 + 10, &n), ACCOUNT_E_NOTFOUND);
    db_close(db);
}

static void run_reset(const char *url) {
    db_t *db = fresh(url);
    int64_t uid = accounttest_add(db, "rita"), other = accounttest_add(db, "una"), who = 0;
    char v[AUTH_TOKEN_CHARS + 1], t1[AUTH_TOKEN_CHARS + 1], t2[AUTH_TOKEN_CHARS + 1], t3[AUTH_TOKEN_CHARS + 1];
    emailtok_owner_t o;
    /* the same "no one to mail" for an unknown address and an unconfirmed one */
    assert_int_equal(emailtok_reset_target(db, "nobody@x.org", T0, &o), ACCOUNT_E_NOTFOUND);
    assert_int_equal(emailtok_reset_target(db, "una@x.org", T0, &o), EMAILTOK_E_UNVERIFIED);
    assert_int_equal(o.uid, other);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "rita@x.org", T0, LIM_EMAIL_VERIFY_MS, v), 0);
    assert_int_equal(emailtok_verify(db, S(v), T0, &who), 0);
    assert_int_equal(emailtok_reset_target(db, "rita@x.org", T0, &o), 0);
    assert_int_equal(o.uid, uid);
    assert_string_equal(o.username, "rita");
    assert_string_equal(o.email, "rita@x.org");
    /* two links out; peeking uses nothing */
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_RESET, o.email, T0, LIM_PASSWORD_RESET_MS, t1), 0);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_RESET, o.email, T0, LIM_PASSWORD_RESET_MS, t2), 0);
    assert_int_equal(emailtok_peek(db, S(t1), EMAILTOK_RESET, T0 + 1, &o), 0);
    assert_int_equal(o.uid, uid);
    assert_int_equal(emailtok_peek(db, S(t1), EMAILTOK_RESET, T0 + LIM_PASSWORD_RESET_MS, &o), EMAILTOK_E_EXPIRED);
    assert_int_equal(emailtok_reset(db, S(t1), "newhash", T0 + LIM_PASSWORD_RESET_MS, &who), EMAILTOK_E_EXPIRED);
    assert_int_equal(emailtok_reset(db, S(v), "newhash", T0 + 1, &who), EMAILTOK_E_INVALID);   /* a verify link */
    /* t1 sets the password once; t2 is void with it */
    assert_int_equal(emailtok_reset(db, S(t1), "newhash", T0 + 2, &who), 0);
    assert_int_equal(who, uid);
    account_t a;
    assert_int_equal(account_get(db, uid, &a), 0);
    assert_string_equal(a.password_hash, "newhash");
    assert_int_equal(emailtok_reset(db, S(t1), "again", T0 + 3, &who), EMAILTOK_E_USED);
    assert_int_equal(emailtok_reset(db, S(t2), "again", T0 + 3, &who), EMAILTOK_E_USED);
    assert_int_equal(account_get(db, uid, &a), 0);
    assert_string_equal(a.password_hash, "newhash");
    /* a link to an address the account no longer has does nothing */
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_RESET, "rita@x.org", T0 + 4, LIM_PASSWORD_RESET_MS, t3), 0);
    assert_int_equal(profile_update(db, uid, &(profile_update_t){ .email = "rita2@x.org" }, T0 + 5), 0);
    assert_int_equal(emailtok_reset(db, S(t3), "stolen", T0 + 6, &who), EMAILTOK_E_STALE);
    assert_int_equal(account_get(db, uid, &a), 0);
    assert_string_equal(a.password_hash, "newhash");
    /* a password changed in the settings voids the reset links still out */
    char t4[AUTH_TOKEN_CHARS + 1];
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_RESET, "rita2@x.org", T0 + 7, LIM_PASSWORD_RESET_MS, t4), 0);
    assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, "rita2@x.org", T0 + 7, LIM_EMAIL_VERIFY_MS, v), 0);
    assert_int_equal(profile_update(db, uid, &(profile_update_t){ .password_hash = "changed" }, T0 + 8), 0);
    assert_int_equal(emailtok_reset(db, S(t4), "late", T0 + 9, &who), EMAILTOK_E_USED);
    assert_int_equal(emailtok_verify(db, S(v), T0 + 9, &who), 0);   /* a confirmation link is not a reset */
    db_close(db);
}

/* The same-answer rule at its source: the request's result is the same 0 for an unknown, an
 * unconfirmed, a banned and a deleted account; only a confirmed live one gets a token. */
static void run_same_answer(const char *url) {
    db_t *db = fresh(url);
    int64_t ok = accounttest_add(db, "olive"), unv = accounttest_add(db, "ursula"), ban = accounttest_add(db, "bert"),
            del = accounttest_add(db, "dora"), who = 0;
    char v[AUTH_TOKEN_CHARS + 1], tok[AUTH_TOKEN_CHARS + 1];
    emailtok_owner_t o;
    for (int i = 0; i < 3; i++) {
        int64_t uid = i == 0 ? ok : i == 1 ? ban : del;
        const char *mail = i == 0 ? "olive@x.org" : i == 1 ? "bert@x.org" : "dora@x.org";
        assert_int_equal(emailtok_create(db, uid, EMAILTOK_VERIFY, mail, T0, LIM_EMAIL_VERIFY_MS, v), 0);
        assert_int_equal(emailtok_verify(db, S(v), T0, &who), 0);
    }
    db_val_t b = DB_INT(ban);
    static const db_sql_t BAN = { "test_ban", "UPDATE users SET banned_at = 1 WHERE id = $1" };
    assert_int_equal(db_exec(db, &BAN, &b, 1, NULL, NULL), 0);
    assert_int_equal(profile_delete_account(db, del, T0), 0);
    (void)unv;
    const char *none[] = { "nobody@x.org", "ursula@x.org", "bert@x.org", "dora@x.org" };
    for (int i = 0; i < 4; i++) {
        memset(&o, 0x5a, sizeof o);
        strcpy(tok, "left over");
        assert_int_equal(emailtok_reset_request(db, none[i], T0, &o, tok), 0);
        assert_string_equal(tok, "");
        assert_int_equal(o.uid, 0);
        assert_string_equal(o.email, "");
    }
    assert_int_equal(emailtok_reset_request(db, "olive@x.org", T0, &o, tok), 0);
    assert_int_equal(o.uid, ok);
    assert_int_equal(strlen(tok), AUTH_TOKEN_CHARS);
    assert_int_equal(emailtok_peek(db, S(tok), EMAILTOK_RESET, T0, &o), 0);
    db_close(db);
}

BOTH(verify)
BOTH(reset)
BOTH(same_answer)

int main(void) {
    if (!auth_init()) return 1;
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-emailtok-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_verify),
        cmocka_unit_test(test_sqlite_reset),
        cmocka_unit_test(test_postgres_verify),
        cmocka_unit_test(test_postgres_reset),
        cmocka_unit_test(test_sqlite_same_answer),
        cmocka_unit_test(test_postgres_same_answer),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
