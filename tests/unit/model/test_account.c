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
#include "now.h"
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
    int64_t lsid = 0, t1 = 0, before = (int64_t)now_wall_ms();
    assert_int_equal(account_session_logout(db, s1.token_hash, &x, &lsid, &t1), 0);
    assert_int_equal(x, uid);
    assert_int_equal(lsid, sid1);
    assert_true(t1 >= before);
    account_session_t n = session("n", 2100);
    assert_int_equal(account_session_rotate(db, s1.token_hash, &n, &x, NULL), ACCOUNT_E_REVOKED);
    /* revoke by id: only the owner can */
    int64_t rsid = 0, t2 = 0;
    assert_int_equal(account_session_revoke(db, eid, sid2, &rsid, &t2), ACCOUNT_E_NOTFOUND);
    assert_int_equal(account_session_revoke(db, uid, sid2, &rsid, &t2), 0);
    assert_int_equal(rsid, sid2);
    assert_true(t2 >= t1);
    /* both ended sessions, with when, for the map after a restart; not the live ones */
    assert_int_equal(account_sessions_ended_since(db, before - 1, &rows), 0);
    assert_int_equal(db_rows_count(rows), 2);
    for (int i = 0; i < 2; i++) {
        int64_t s = db_rows_int(rows, i, 0), t = db_rows_int(rows, i, 1);
        assert_true((s == sid1 && t == t1) || (s == sid2 && t == t2));
    }
    db_rows_free(rows);
    assert_int_equal(account_sessions_ended_since(db, t2, &rows), 0);
    assert_int_equal(db_rows_count(rows), 0);
    db_rows_free(rows);
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

/* Rotation with a grace: the same client presenting a rotated token within its grace gets
 * the index of the family's current token (through a chain of successors), nothing is
 * revoked; another client, or the same after the grace, is a reuse and the family goes. */
static void chain_of(const char *tok, char tok_out[3][AUTH_TOKEN_CHARS + 1], char hash[3][AUTH_TOKEN_HASH_HEX + 1]) {
    static const uint8_t key[AUTH_SECRET_BYTES] = { 1, 2, 3 };
    for (int i = 0; i < 3; i++) {
        auth_token_next(key, span_cstr(i == 0 ? tok : tok_out[i - 1]), tok_out[i]);
        auth_token_hash(span_cstr(tok_out[i]), hash[i]);
    }
}

static int rotate_g(db_t *db, const char *tok, int64_t now, const char *agent, account_rotated_t *out) {
    char toks[3][AUTH_TOKEN_CHARS + 1], hash[3][AUTH_TOKEN_HASH_HEX + 1], old[AUTH_TOKEN_HASH_HEX + 1];
    chain_of(tok, toks, hash);
    auth_token_hash(span_cstr(tok), old);
    account_session_t s = session("unused", now);
    memcpy(s.token_hash, hash[0], sizeof s.token_hash);
    snprintf(s.user_agent, sizeof s.user_agent, "%s", agent);
    memset(out, 0, sizeof *out);
    return account_session_rotate_ex(db, old, &s, &(account_rotate_t){ 5000, hash, 3, false }, out);
}

static void run_rotation_grace(const char *url) {
    db_t *db = fresh(url);
    account_t a = user("gina", "gina@example.org", "Gina");
    account_session_t s = session("g0", 1000);
    int64_t uid, sid;
    assert_int_equal(account_register(db, &a, &s, &uid, &sid), 0);
    char t[4][AUTH_TOKEN_CHARS + 1], n[3][AUTH_TOKEN_CHARS + 1], h[3][AUTH_TOKEN_HASH_HEX + 1];
    snprintf(t[0], sizeof t[0], "g0");
    chain_of(t[0], n, h);
    memcpy(t + 1, n, sizeof n);
    account_rotated_t out;
    /* g0 → t1: a rotation (answer 0: the new token), the family's sid */
    assert_int_equal(rotate_g(db, t[0], 2000, "test-agent", &out), 0);
    assert_int_equal(out.answer, 0);
    assert_int_equal(out.sid, sid);
    assert_int_equal(out.user_id, uid);
    /* g0 again, 1 s later, same client: t1 again, nothing inserted or revoked */
    assert_int_equal(rotate_g(db, t[0], 3000, "test-agent", &out), 0);
    assert_int_equal(out.answer, 0);
    assert_int_equal(out.session_id, 0);
    /* t1 → t2, then g0 within both graces: two steps along the chain, t2 */
    assert_int_equal(rotate_g(db, t[1], 3500, "test-agent", &out), 0);
    assert_int_equal(rotate_g(db, t[0], 4000, "test-agent", &out), 0);
    assert_int_equal(out.answer, 1);
    db_rows_t *rows;
    assert_int_equal(account_sessions_list(db, uid, 4000, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    /* another client within the grace: a theft, the family is revoked */
    assert_int_equal(rotate_g(db, t[1], 4100, "curl/8", &out), ACCOUNT_E_REUSED);
    assert_int_equal(rotate_g(db, t[2], 4200, "test-agent", &out), ACCOUNT_E_REVOKED);
    /* a second login: its rotated token after the grace is a reuse too */
    account_session_t s2 = session("k0", 5000);
    assert_int_equal(account_session_create(db, uid, &s2, NULL), 0);
    assert_int_equal(rotate_g(db, "k0", 6000, "test-agent", &out), 0);
    assert_int_equal(rotate_g(db, "k0", 6000 + 5001, "test-agent", &out), ACCOUNT_E_REUSED);
    db_close(db);
}

/* Ending sessions: T set (never lowered), every family revoked but the kept one's. */
static const db_sql_t Q_VALID_AFTER = { "t_valid_after", "SELECT tokens_valid_after FROM users WHERE id = $1" };

static void run_sessions_end(const char *url) {
    db_t *db = fresh(url);
    account_t a = user("hugo", "hugo@example.org", "Hugo"), b = user("ivy", "ivy@example.org", "Ivy");
    account_session_t s1 = session("h1", 1000), s2 = session("h2", 1000), s3 = session("h3", 1000), e = session("i1", 1000);
    int64_t uid, sid1, sid2, eid;
    assert_int_equal(account_register(db, &a, &s1, &uid, &sid1), 0);
    assert_int_equal(account_session_create(db, uid, &s2, &sid2), 0);
    assert_int_equal(account_session_create(db, uid, &s3, NULL), 0);
    assert_int_equal(account_register(db, &b, &e, &eid, NULL), 0);
    int64_t t = 0;
    assert_int_equal(account_sessions_end(db, uid, sid2, &t), 0);   /* a password change from session 2 */
    assert_true(t > 1000);
    db_rows_t *rows;
    db_val_t p = DB_INT(uid);
    assert_int_equal(db_exec(db, &Q_VALID_AFTER, &p, 1, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), t);
    db_rows_free(rows);
    assert_int_equal(account_sessions_list(db, uid, 2000, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    assert_int_equal(db_rows_int(rows, 0, 0), sid2);
    db_rows_free(rows);
    assert_int_equal(account_valid_after_since(db, t - 1, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    assert_int_equal(db_rows_int(rows, 0, 0), uid);
    db_rows_free(rows);
    /* logout-all: none left; ivy untouched */
    int64_t t2 = 0;
    assert_int_equal(account_sessions_end(db, uid, 0, &t2), 0);
    assert_true(t2 >= t);
    assert_int_equal(account_sessions_list(db, uid, 2000, &rows), 0);
    assert_int_equal(db_rows_count(rows), 0);
    db_rows_free(rows);
    assert_int_equal(account_sessions_list(db, eid, 2000, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    db_close(db);
}

BOTH(register_and_find)
BOTH(rotation_grace)
BOTH(sessions_end)
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
        cmocka_unit_test(test_sqlite_rotation_grace),
        cmocka_unit_test(test_postgres_rotation_grace),
        cmocka_unit_test(test_sqlite_sessions_end),
        cmocka_unit_test(test_postgres_sessions_end),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
