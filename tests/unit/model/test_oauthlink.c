/* oauthlink: a state used once and only before it expires (a second take, a late one, an
 * unknown one refused); the first login creates an account (unique name, no password, the email
 * only when free) and links it, later ones find it by the provider's id — never by email; link
 * and unlink rules; deletion's part; on SQLite and PostgreSQL. */
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
#include "oauthlink.h"
#include "profile.h"

static char sqlite_path[64];

static oauth_user_t who(const char *uid, const char *login, const char *email) {
    oauth_user_t u;
    memset(&u, 0, sizeof u);
    snprintf(u.uid, sizeof u.uid, "%s", uid);
    snprintf(u.login, sizeof u.login, "%s", login);
    snprintf(u.email, sizeof u.email, "%s", email);
    return u;
}

static void run_states(const char *url) {
    db_t *db = fresh(url);
    char v[OAUTH_VERIFIER_CHARS + 1];
    int64_t link = -1;
    assert_int_equal(oauthlink_state_put(db, "hash-a", "verifier-a-01234567890123456789012345678901", 0, 1000, 600000), 0);
    assert_int_equal(oauthlink_state_put(db, "hash-b", "verifier-b-01234567890123456789012345678901", 42, 1000, 600000), 0);
    assert_int_equal(oauthlink_state_take(db, "hash-a", 2000, v, &link), 0);
    assert_string_equal(v, "verifier-a-01234567890123456789012345678901");
    assert_int_equal(link, 0);
    assert_int_equal(oauthlink_state_take(db, "hash-a", 2001, v, &link), OAUTH_E_STATE);   /* used */
    assert_string_equal(v, "");
    assert_int_equal(oauthlink_state_take(db, "hash-x", 2001, v, &link), OAUTH_E_STATE);   /* unknown */
    assert_int_equal(oauthlink_state_take(db, "hash-b", 1000 + 600000, v, &link), OAUTH_E_STATE);   /* expired */
    /* a new start prunes expired states: b is gone, a new one lives */
    assert_int_equal(oauthlink_state_put(db, "hash-c", "verifier-c-01234567890123456789012345678901", 7, 700000, 600000), 0);
    assert_int_equal(oauthlink_state_take(db, "hash-c", 700001, v, &link), 0);
    assert_int_equal(link, 7);
    db_close(db);
}
BOTH(states)

static void run_login(const char *url) {
    db_t *db = fresh(url);
    int64_t alice = accounttest_add(db, "alice");
    account_t acc;
    bool created;
    /* first login: created, unique name (alice is taken), no password, the address taken by
     * alice not given to it */
    oauth_user_t u = who("777", "alice", "alice@x.org");
    assert_int_equal(oauthlink_login(db, &u, 5000, &acc, &created), 0);
    assert_true(created);
    assert_true(acc.id != alice);
    assert_string_equal(acc.username, "alice2");
    assert_string_equal(acc.display_name, "alice2");
    assert_string_equal(acc.email, "");
    assert_string_equal(acc.password_hash, "");
    int64_t first = acc.id;
    /* the second: found by the provider's id, whatever the email says now */
    u = who("777", "alice", "other@x.org");
    assert_int_equal(oauthlink_login(db, &u, 6000, &acc, &created), 0);
    assert_false(created);
    assert_int_equal(acc.id, first);
    /* a free address is kept */
    oauth_user_t b = who("778", "bo", "bo@student.42.fr");
    assert_int_equal(oauthlink_login(db, &b, 6000, &acc, &created), 0);
    assert_true(created);
    assert_string_equal(acc.username, "bo-42");   /* a login shorter than a username may be */
    assert_string_equal(acc.email, "bo@student.42.fr");
    bool linked, has_pw;
    char login[OAUTH_LOGIN_MAX + 1];
    assert_int_equal(oauthlink_status(db, first, &linked, login, &has_pw), 0);
    assert_true(linked);
    assert_false(has_pw);
    assert_string_equal(login, "alice");
    db_close(db);
}
BOTH(login)

static void run_link_rules(const char *url) {
    db_t *db = fresh(url);
    int64_t carol = accounttest_add(db, "carol"), dave = accounttest_add(db, "dave");
    oauth_user_t c = who("900", "ccc", ""), d = who("901", "ddd", "");
    bool linked, has_pw;
    char login[OAUTH_LOGIN_MAX + 1];
    assert_int_equal(oauthlink_unlink(db, carol), ACCOUNT_E_NOTFOUND);
    assert_int_equal(oauthlink_link(db, carol, &c, 10), 0);
    assert_int_equal(oauthlink_link(db, carol, &c, 11), 0);                 /* the same again: nothing to do */
    assert_int_equal(oauthlink_link(db, dave, &c, 12), OAUTH_E_TAKEN);      /* another user's 42 account */
    assert_int_equal(oauthlink_link(db, carol, &d, 13), OAUTH_E_LINKED);    /* carol has one already */
    account_t acc;
    bool created;
    assert_int_equal(oauthlink_login(db, &c, 14, &acc, &created), 0);
    assert_false(created);
    assert_int_equal(acc.id, carol);
    assert_int_equal(oauthlink_status(db, carol, &linked, login, &has_pw), 0);
    assert_true(linked && has_pw);
    assert_int_equal(oauthlink_unlink(db, carol), 0);
    assert_int_equal(oauthlink_status(db, carol, &linked, login, &has_pw), 0);
    assert_false(linked);
    /* an account made by 42 has no password: no unlink */
    assert_int_equal(oauthlink_login(db, &d, 15, &acc, &created), 0);
    assert_true(created);
    assert_int_equal(oauthlink_unlink(db, acc.id), OAUTH_E_NO_PASSWORD);
    /* deletion removes the link: the next login of that 42 account makes a new account */
    assert_int_equal(profile_delete_account(db, acc.id, 20), 0);
    int64_t gone = acc.id;
    assert_int_equal(oauthlink_login(db, &d, 21, &acc, &created), 0);
    assert_true(created);
    assert_true(acc.id != gone);
    assert_int_equal(oauthlink_link(db, gone, &c, 22), ACCOUNT_E_GONE);
    db_close(db);
}
BOTH(link_rules)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-oauth-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_states),     cmocka_unit_test(test_postgres_states),
        cmocka_unit_test(test_sqlite_login),      cmocka_unit_test(test_postgres_login),
        cmocka_unit_test(test_sqlite_link_rules), cmocka_unit_test(test_postgres_link_rules),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
