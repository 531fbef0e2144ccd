/* presence: the /ws/ handlers with the ws.h test double and a real database pool (SQLite
 * and, with PONGD_TEST_DATABASE_URL, PostgreSQL): first-frame auth, online while any tab
 * is open (tabs count once), friends told when a user comes online and goes offline,
 * ping, push, stop. */
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
#include "dbpool.h"
#include "dbtest.h"
#include "live_fixture.h"
#include "presence.h"
#include "social.h"

static char sqlite_path[64];

typedef struct {
    db_t *db;          /* the test's own connection, for setting up accounts */
    dbpool_t *pool;
    bus_t *bus;
    presence_t *p;
} pres_fx_t;

static void no_wake(void *arg) { (void)arg; }

static pres_fx_t fx_new(const char *url) {
    pres_fx_t f;
    f.db = fresh(url);
    char err[256];
    f.pool = dbpool_create(url, 2, 64, no_wake, NULL, err, sizeof err);
    if (!f.pool) fail_msg("dbpool_create: %s", err);
    f.bus = bus_create(bus_local_backend());
    f.p = presence_create(f.pool, live_secret(), f.bus);
    return f;
}

/* Runs the completions of the database jobs until none is in flight (at most 10 s). */
static void settle(pres_fx_t *f) {
    pool_t *pl = dbpool_pool(f->pool);
    for (int i = 0; i < 10000; i++) {
        pool_run_completions(pl);
        if (pool_inflight(pl) == 0) return;
        usleep(1000);
    }
    fail_msg("database jobs still in flight after 10 s");
}

static void fx_free(pres_fx_t *f) {
    settle(f);
    presence_destroy(f->p);
    assert_int_equal(bus_stats(f->bus).topics, 0);
    bus_destroy(f->bus);
    dbpool_destroy(f->pool);
    db_close(f->db);
}

static int64_t friends(pres_fx_t *f, const char *a_name, const char *b_name, int64_t *b) {
    int64_t a = accounttest_add(f->db, a_name);
    *b = accounttest_add(f->db, b_name);
    bool became;
    assert_int_equal(social_friend_request(f->db, a, *b, 10, &became), 0);
    assert_int_equal(social_friend_accept(f->db, *b, a, 11), 0);
    return a;
}

static ws_conn_t *open_tab(pres_fx_t *f) {
    ws_conn_t *c = wsd_new("/ws/");
    presence_on_open(f->p, c);
    return c;
}

/* An authenticated tab of user (id, name), its hello frame read; its database job may
 * still be running. */
static ws_conn_t *tab_now(pres_fx_t *f, int64_t id, const char *name) {
    ws_conn_t *c = open_tab(f);
    char *tok = live_token(id, name);
    presence_on_message(f->p, c, live_auth_frame(tok));
    free(tok);
    live_expect_user_frame(c, 0, "hello", id, name);
    assert_int_equal(wsd_sent_count(c), 1);
    wsd_clear_sent(c);
    return c;
}

/* The same, with the jobs settled. */
static ws_conn_t *tab(pres_fx_t *f, int64_t id, const char *name) {
    ws_conn_t *c = tab_now(f, id, name);
    settle(f);
    return c;
}

static void close_tab_now(pres_fx_t *f, ws_conn_t *c) {
    presence_on_close(f->p, c);
    assert_null(ws_data(c));
    wsd_free(c);
}

static void close_tab(pres_fx_t *f, ws_conn_t *c) {
    close_tab_now(f, c);
    settle(f);
}

/* Frame i of c is {"type":"presence","user_id":id,"online":online,...}. */
static void expect_presence(const ws_conn_t *c, int i, int64_t id, bool online) {
    live_expect_field(c, i, "type", "presence");
    json_t *o = live_sent_json(c, i);
    assert_int_equal(json_integer_value(json_object_get(o, "user_id")), id);
    assert_true(json_is_boolean(json_object_get(o, "online")));
    assert_int_equal(json_is_true(json_object_get(o, "online")), online);
    if (!online) assert_true(json_integer_value(json_object_get(o, "last_seen_at")) > 0);
    json_decref(o);
}

static void run_hello(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ann = accounttest_add(f.db, "ann");
    ws_conn_t *c = open_tab(&f);
    assert_int_equal(wsd_deadline_s(c), 5);
    assert_int_equal(wsd_deadline_code(c), 4001);
    assert_false(presence_online(f.p, ann));
    char *tok = live_token(ann, "Ann A.");
    presence_on_message(f.p, c, live_auth_frame(tok));
    free(tok);
    assert_int_equal(wsd_sent_count(c), 1);
    live_expect_user_frame(c, 0, "hello", ann, "Ann A.");
    assert_int_equal(wsd_deadline_s(c), 0);
    assert_int_equal(wsd_close_code(c), 0);
    assert_true(presence_online(f.p, ann));
    settle(&f);
    close_tab(&f, c);
    assert_false(presence_online(f.p, ann));
    fx_free(&f);
}

static void run_refused(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ann = accounttest_add(f.db, "ann");
    for (size_t i = 0; i < LIVE_N_BAD_FIRST_FRAMES; i++) {
        ws_conn_t *c = open_tab(&f);
        presence_on_message(f.p, c, span_cstr(LIVE_BAD_FIRST_FRAMES[i]));
        live_expect_refused(c, "unauthorized");
        close_tab(&f, c);
    }
    ws_conn_t *c = open_tab(&f);
    char *old = live_token_with(live_secret(), ann, "ann", 7200, 900);
    presence_on_message(f.p, c, live_auth_frame(old));
    free(old);
    live_expect_refused(c, "token expired");
    assert_false(presence_online(f.p, ann));
    assert_int_equal(pool_inflight(dbpool_pool(f.pool)), 0);   /* nothing announced */
    close_tab(&f, c);
    fx_free(&f);
}

static void run_tabs_count_once(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ben, ann = friends(&f, "ann", "ben", &ben);
    ws_conn_t *b = tab(&f, ben, "ben");
    ws_conn_t *a1 = tab(&f, ann, "ann");
    expect_presence(b, 0, ann, true);
    ws_conn_t *a2 = tab(&f, ann, "ann");                 /* a second tab: no news */
    assert_int_equal(wsd_sent_count(b), 1);
    close_tab(&f, a1);                                   /* one tab left: still online */
    assert_true(presence_online(f.p, ann));
    assert_int_equal(wsd_sent_count(b), 1);
    close_tab(&f, a2);                                   /* the last one: offline */
    assert_false(presence_online(f.p, ann));
    assert_int_equal(wsd_sent_count(b), 2);
    expect_presence(b, 1, ann, false);
    close_tab(&f, b);
    fx_free(&f);
}

static void run_friends_told(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ben, ann = friends(&f, "ann", "ben", &ben);
    int64_t cat = accounttest_add(f.db, "cat");        /* no friend of ann's */
    ws_conn_t *b1 = tab(&f, ben, "ben"), *b2 = tab(&f, ben, "ben"), *c = tab(&f, cat, "cat");
    ws_conn_t *a = tab(&f, ann, "ann");
    assert_int_equal(wsd_sent_count(a), 0);             /* ben came online first: nobody to tell */
    expect_presence(b1, 0, ann, true);                  /* every tab of the friend */
    expect_presence(b2, 0, ann, true);
    assert_int_equal(wsd_sent_count(c), 0);
    close_tab(&f, b2);
    close_tab(&f, b1);                                  /* ben offline: ann is told */
    assert_int_equal(wsd_sent_count(a), 1);
    expect_presence(a, 0, ben, false);
    assert_int_equal(wsd_sent_count(c), 0);
    close_tab(&f, a);
    close_tab(&f, c);
    fx_free(&f);
}

/* Jobs finish after the state changed again: only what is still true is announced. */
static void run_flapping(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ben, ann = friends(&f, "ann", "ben", &ben);
    ws_conn_t *b = tab(&f, ben, "ben");
    close_tab_now(&f, tab_now(&f, ann, "ann"));           /* online, offline, then the jobs end */
    settle(&f);
    assert_int_equal(wsd_sent_count(b), 1);
    expect_presence(b, 0, ann, false);
    wsd_clear_sent(b);
    close_tab_now(&f, tab_now(&f, ann, "ann"));           /* online, offline, online */
    ws_conn_t *a = tab_now(&f, ann, "ann");
    settle(&f);
    assert_true(wsd_sent_count(b) >= 1);
    for (int i = 0; i < wsd_sent_count(b); i++) expect_presence(b, i, ann, true);
    close_tab(&f, a);
    close_tab(&f, b);
    fx_free(&f);
}

static void run_ping_push(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ann = accounttest_add(f.db, "ann"), ben = accounttest_add(f.db, "ben");
    ws_conn_t *a1 = tab(&f, ann, "ann"), *a2 = tab(&f, ann, "ann"), *b = tab(&f, ben, "ben");
    presence_on_message(f.p, a1, SPAN_LIT("{\"type\":\"ping\"}"));
    assert_int_equal(wsd_sent_count(a1), 1);
    live_expect_field(a1, 0, "type", "pong");
    presence_on_message(f.p, a1, SPAN_LIT("not json"));  /* ignored once authenticated */
    presence_on_message(f.p, a1, SPAN_LIT("{\"type\":\"pong\"}"));
    presence_on_message(f.p, a1, live_auth_frame("x"));
    assert_int_equal(wsd_sent_count(a1), 1);
    assert_int_equal(wsd_close_code(a1), 0);
    presence_push(f.p, ann, SPAN_LIT("{\"type\":\"note\"}"));
    live_expect_field(a1, 1, "type", "note");
    live_expect_field(a2, 0, "type", "note");
    assert_int_equal(wsd_sent_count(b), 0);
    presence_push(f.p, 999999, SPAN_LIT("{\"type\":\"note\"}"));   /* offline: nothing */
    close_tab(&f, a1);
    close_tab(&f, a2);
    close_tab(&f, b);
    fx_free(&f);
}

static void run_stop(const char *url) {
    pres_fx_t f = fx_new(url);
    int64_t ben, ann = friends(&f, "ann", "ben", &ben);
    ws_conn_t *a = tab(&f, ann, "ann"), *b = tab(&f, ben, "ben");
    assert_int_equal(wsd_sent_count(a), 1);              /* ben online */
    presence_stop(f.p);
    presence_on_close(f.p, b);                           /* the server's teardown: not announced */
    wsd_free(b);
    assert_int_equal(pool_inflight(dbpool_pool(f.pool)), 0);
    assert_false(presence_online(f.p, ben));
    close_tab(&f, a);
    fx_free(&f);
}

BOTH(hello)
BOTH(refused)
BOTH(tabs_count_once)
BOTH(friends_told)
BOTH(flapping)
BOTH(ping_push)
BOTH(stop)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-presence-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_hello),           cmocka_unit_test(test_sqlite_refused),
        cmocka_unit_test(test_sqlite_tabs_count_once), cmocka_unit_test(test_sqlite_friends_told),
        cmocka_unit_test(test_sqlite_flapping),
        cmocka_unit_test(test_sqlite_ping_push),       cmocka_unit_test(test_sqlite_stop),
        cmocka_unit_test(test_postgres_hello),         cmocka_unit_test(test_postgres_refused),
        cmocka_unit_test(test_postgres_tabs_count_once), cmocka_unit_test(test_postgres_friends_told),
        cmocka_unit_test(test_postgres_flapping),
        cmocka_unit_test(test_postgres_ping_push),     cmocka_unit_test(test_postgres_stop),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
