/* accounts: users and refresh-token sessions, on SQLite and (with
 * PONGD_TEST_DATABASE_URL) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "dbtest.h"

static char sqlite_path[64];


static account_t user(const char *name, const char *email, const char *display) {
    account_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.username, sizeof a.username, "%s", name);
    snprintf(a.email, sizeof a.email, "%s", email);
    snprintf(a.display_name, sizeof a.display_name, "%s", display);
    snprintf(a.password_hash, sizeof a.password_hash, "$argon2id$fake");
    return a;
}

static account_session_t session(const char *token, int64_t now) {
    account_session_t s;
    memset(&s, 0, sizeof s);
    auth_token_hash(span_of(token, strlen(token)), s.token_hash);
    snprintf(s.family, sizeof s.family, "fam-%s", token);
    snprintf(s.user_agent, sizeof s.user_agent, "test-agent");
    snprintf(s.address, sizeof s.address, "127.0.0.1");
    s.now = now;
    s.expires = now + ACCOUNT_REFRESH_TTL_MS;
    return s;
}

static void run_register_and_find(const char *url) {
    db_t *db = fresh(url);
    account_t a = user("Alice", "Alice@Example.org", "Alice W"), got;
    account_session_t s = session("t1", 1000);
    int64_t uid = 0, sid = 0;
    assert_int_equal(account_register(db, &a, &s, &uid, &sid), 0);
    assert_true(uid > 0 && sid > 0);
    /* duplicates in another case, each reported on its own field */
    account_t b = user("ALICE", "bob@example.org", "Bob"), c = user("bob", "alice@EXAMPLE.org", "Bob"),
              d = user("bob", "bob@example.org", "alice w");
    account_session_t s2 = session("t2", 1000);
    int64_t x;
    assert_int_equal(account_register(db, &b, &s2, &x, NULL), ACCOUNT_E_TAKEN_USERNAME);
    assert_int_equal(account_register(db, &c, &s2, &x, NULL), ACCOUNT_E_TAKEN_EMAIL);
    assert_int_equal(account_register(db, &d, &s2, &x, NULL), ACCOUNT_E_TAKEN_DISPLAY);
    /* nothing half-written: the failed registrations left no session behind */
    db_rows_t *rows;
    assert_int_equal(account_sessions_list(db, uid, 2000, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    /* found by username or email, any case */
    assert_int_equal(account_find_login(db, "alice", &got), 0);
    assert_int_equal(got.id, uid);
    assert_string_equal(got.username, "Alice");
    assert_string_equal(got.display_name, "Alice W");
    assert_string_equal(got.password_hash, "$argon2id$fake");
    assert_string_equal(got.language, "en");
    assert_int_equal(account_find_login(db, "ALICE@example.ORG", &got), 0);
    assert_int_equal(got.id, uid);
    assert_int_equal(account_find_login(db, "nobody", &got), ACCOUNT_E_NOTFOUND);
    assert_int_equal(account_get(db, uid, &got), 0);
    assert_int_equal(account_get(db, uid + 100, &got), ACCOUNT_E_NOTFOUND);
    /* SQL in a name is data */
    account_t e = user("r0bert_tables", "x'; DROP TABLE users;--@x.org", "Robert'); DROP TABLE users;--");
    account_session_t s3 = session("t3", 1000);
    assert_int_equal(account_register(db, &e, &s3, &x, NULL), 0);
    assert_int_equal(account_get(db, x, &got), 0);
    assert_string_equal(got.display_name, "Robert'); DROP TABLE users;--");
    db_close(db);
}

static void run_rotation_and_reuse(const char *url) {
    db_t *db = fresh(url);
    account_t a = user("carol", "c@x.org", "Carol");
    account_session_t s = session("r1", 1000);
    int64_t uid, sid, u2, sid2;
    assert_int_equal(account_register(db, &a, &s, &uid, &sid), 0);
    /* rotate r1 → r2 → r3 */
    account_session_t n2 = session("r2", 2000), n3 = session("r3", 3000), n4 = session("r4", 4000);
    assert_int_equal(account_session_rotate(db, s.token_hash, &n2, &u2, &sid2), 0);
    assert_int_equal(u2, uid);
    assert_int_equal(account_session_rotate(db, n2.token_hash, &n3, &u2, NULL), 0);
    /* one live session (the family's latest token) */
    db_rows_t *rows;
    assert_int_equal(account_sessions_list(db, uid, 3500, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    assert_string_equal(db_rows_text(rows, 0, 3, NULL), "test-agent");
    db_rows_free(rows);
    /* r1 presented again: reuse detected, the whole family revoked ... */
    u2 = 0;
    assert_int_equal(account_session_rotate(db, s.token_hash, &n4, &u2, NULL), ACCOUNT_E_REUSED);
    assert_int_equal(u2, uid);
    /* ... so the current token r3 no longer works either */
    assert_int_equal(account_session_rotate(db, n3.token_hash, &n4, &u2, NULL), ACCOUNT_E_REVOKED);
    assert_int_equal(account_sessions_list(db, uid, 4500, &rows), 0);
    assert_int_equal(db_rows_count(rows), 0);
    db_rows_free(rows);
    /* unknown and expired tokens */
    assert_int_equal(account_session_rotate(db, "00", &n4, &u2, NULL), ACCOUNT_E_NOTFOUND);
    account_session_t old = session("old", 1000);
    old.expires = 1500;
    assert_int_equal(account_session_create(db, uid, &old, NULL), 0);
    account_session_t n5 = session("r5", 2000);
    assert_int_equal(account_session_rotate(db, old.token_hash, &n5, &u2, NULL), ACCOUNT_E_EXPIRED);
    db_close(db);
}

static void run_logout_and_revoke(const char *url) {
    db_t *db = fresh(url);
    account_t a = user("dave", "d@x.org", "Dave"), b = user("erin", "e@x.org", "Erin");
    account_session_t s1 = session("d1", 1000), s2 = session("d2", 1100), s3 = session("d3", 1200), e1 = session("e1", 1000);
    int64_t uid, eid, sid1, sid2, x;
    assert_int_equal(account_register(db, &a, &s1, &uid, &sid1), 0);
    assert_int_equal(account_register(db, &b, &e1, &eid, NULL), 0);
    assert_int_equal(account_session_create(db, uid, &s2, &sid2), 0);
    assert_int_equal(account_session_create(db, uid, &s3, NULL), 0);
    db_rows_t *rows;
    assert_int_equal(account_sessions_list(db, uid, 2000, &rows), 0);
    assert_int_equal(db_rows_count(rows), 3);
    assert_int_equal(db_rows_int(rows, 0, 2), 1200);   /* newest first */
    db_rows_free(rows);
    /* logout ends one session */
    assert_int_equal(account_session_logout(db, s1.token_hash, 2000, &x), 0);
    assert_int_equal(x, uid);
    account_session_t n = session("n", 2100);
    assert_int_equal(account_session_rotate(db, s1.token_hash, &n, &x, NULL), ACCOUNT_E_REVOKED);
    /* revoke by id: only the owner can */
    assert_int_equal(account_session_revoke(db, eid, sid2, 2200), ACCOUNT_E_NOTFOUND);
    assert_int_equal(account_session_revoke(db, uid, sid2, 2200), 0);
    assert_int_equal(account_sessions_list(db, uid, 2300, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    /* logout-all: none left for dave, erin untouched */
    assert_int_equal(account_sessions_revoke_all(db, uid, 2400), 0);
    assert_int_equal(account_sessions_list(db, uid, 2500, &rows), 0);
    assert_int_equal(db_rows_count(rows), 0);
    db_rows_free(rows);
    assert_int_equal(account_sessions_list(db, eid, 2500, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    db_close(db);
}

BOTH(register_and_find)
BOTH(rotation_and_reuse)
BOTH(logout_and_revoke)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-acc-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_register_and_find),
        cmocka_unit_test(test_sqlite_rotation_and_reuse),
        cmocka_unit_test(test_sqlite_logout_and_revoke),
        cmocka_unit_test(test_postgres_register_and_find),
        cmocka_unit_test(test_postgres_rotation_and_reuse),
        cmocka_unit_test(test_postgres_logout_and_revoke),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
