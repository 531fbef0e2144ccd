/* quickplay: the queue on the loop with a real database pool (SQLite and, with
 * PONGD_TEST_DATABASE_URL, PostgreSQL), the live games, presence for the pushes, the ws.h
 * and timer doubles and a fake clock — a pair becomes a quick-play game (the row, the live
 * game, match_found on both users' tabs, the higher rating on the left), one entry per
 * account, busy players refused, the window widening with the timer, a block made after
 * entering keeps the pair apart (both back in their places). */
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
#include "matchrec.h"
#include "presence.h"
#include "quickplay.h"
#include "social.h"
#include "timer_double.h"

static char sqlite_path[64];
static uint64_t clk_ms;
static uint64_t fake_ms(void) { return clk_ms; }

typedef struct {
    db_t *db;
    dbpool_t *pool;
    bus_t *bus;
    presence_t *p;
    matches_t *m;
    net_timer_t *mt, *qt;
    quickplay_t *q;
} fx_t;

static void no_wake(void *arg) { (void)arg; }

static fx_t fx_new(const char *url) {
    fx_t f;
    f.db = fresh(url);
    char err[256];
    f.pool = dbpool_create(url, 2, 64, no_wake, NULL, err, sizeof err);
    if (!f.pool) fail_msg("dbpool_create: %s", err);
    f.bus = bus_create(bus_local_backend());
    f.p = presence_create(f.pool, live_secret(), f.bus);
    f.m = match_create(&(match_deps_t){ .secret = live_secret(), .resume_seconds = 30 });
    f.mt = timerd_new(match_on_timer, f.m);
    match_set_timer(f.m, f.mt);
    clk_ms = 1000000;
    f.q = quickplay_create(&(quickplay_deps_t){ .db = f.pool, .matches = f.m, .presence = f.p, .winning_score = 1, .now_ms = fake_ms });
    f.qt = timerd_new(quickplay_on_timer, f.q);
    quickplay_set_timer(f.q, f.qt);
    return f;
}

static void settle(fx_t *f) {
    pool_t *pl = dbpool_pool(f->pool);
    for (int i = 0; i < 10000; i++) {
        pool_run_completions(pl);
        if (pool_inflight(pl) == 0) return;
        usleep(1000);
    }
    fail_msg("database jobs still in flight after 10 s");
}

static ws_conn_t *tab(fx_t *f, int64_t id, const char *name) {
    ws_conn_t *c = wsd_new("/ws/");
    presence_on_open(f->p, c);
    char *tok = live_token(id, name);
    presence_on_message(f->p, c, live_auth_frame(tok));
    free(tok);
    settle(f);
    wsd_clear_sent(c);
    return c;
}

static void close_tab(fx_t *f, ws_conn_t *c) {
    presence_on_close(f->p, c);
    wsd_free(c);
    settle(f);
}

static void fx_free(fx_t *f) {
    settle(f);
    match_stop_all(f->m);
    quickplay_destroy(f->q);
    timerd_free(f->qt);
    presence_destroy(f->p);
    bus_destroy(f->bus);
    match_destroy(f->m);
    timerd_free(f->mt);
    dbpool_destroy(f->pool);
    db_close(f->db);
}

/* The game id of the match_found c got (fails without one); *opp its opponent's id, *rating theirs. */
static int64_t found(const ws_conn_t *c, int64_t *opp, int *rating) {
    for (int i = 0; i < wsd_sent_count(c); i++) {
        json_t *o = live_sent_json(c, i);
        const char *type = json_string_value(json_object_get(o, "type"));
        if (type && strcmp(type, "match_found") == 0) {
            int64_t id = json_integer_value(json_object_get(o, "game_id"));
            json_t *op = json_object_get(o, "opponent");
            *opp = json_integer_value(json_object_get(op, "id"));
            *rating = (int)json_integer_value(json_object_get(op, "rating"));
            assert_non_null(json_object_get(op, "avatar_url"));
            json_decref(o);
            return id;
        }
        json_decref(o);
    }
    fail_msg("no match_found among %d frames", wsd_sent_count(c));
    return 0;
}

static void run_pair(const char *url) {
    fx_t f = fx_new(url);
    int64_t a = accounttest_add(f.db, "ann"), b = accounttest_add(f.db, "bob");
    ws_conn_t *ta = tab(&f, a, "ann"), *tb = tab(&f, b, "bob");
    assert_int_equal(quickplay_enter(f.q, a, 1500, NULL, 0), 0);
    assert_int_equal(quickplay_enter(f.q, a, 1500, NULL, 0), MATCH_E_QUEUED);
    assert_non_null(quickplay_entry(f.q, a));
    assert_int_equal(quickplay_window(f.q, quickplay_entry(f.q, a)), 100);
    assert_true(timerd_armed(f.qt) == false);            /* alone: no pairing timer */
    assert_int_equal(quickplay_enter(f.q, b, 1560, NULL, 0), 0);
    assert_null(quickplay_entry(f.q, a));                  /* paired at once: out of the queue */
    assert_int_equal(quickplay_enter(f.q, a, 1500, NULL, 0), MATCH_E_BUSY);   /* being made into a game */
    settle(&f);
    int64_t opp;
    int rating;
    int64_t g = found(ta, &opp, &rating);
    assert_int_equal(opp, b);
    assert_int_equal(rating, 1560);
    assert_int_equal(found(tb, &opp, &rating), g);
    assert_int_equal(opp, a);
    assert_int_equal(match_user_game(f.m, a), g);
    assert_int_equal(quickplay_enter(f.q, b, 1560, NULL, 0), MATCH_E_BUSY);   /* in a live game */
    match_info_t mi;
    assert_true(match_info(f.m, g, &mi));
    assert_int_equal(mi.user[0], b);                       /* the higher rating on the left */
    assert_int_equal(mi.opt.winning_score, 1);
    matchrec_t rec;
    db_rows_t *rows;
    assert_int_equal(matchrec_get(f.db, g, &rec, &rows), 0);
    assert_int_equal(rec.mode, MATCHREC_MODE_QUICK);
    assert_int_equal(rec.status, MATCHREC_RUNNING);
    assert_int_equal(rec.user[0], b);
    assert_int_equal(rec.map, 0);
    assert_int_equal(rec.powerups, 0);
    db_rows_free(rows);
    assert_true(quickplay_leave(f.q, a) == false);
    close_tab(&f, ta);
    close_tab(&f, tb);
    fx_free(&f);
}

/* 1500 and 1800 wait until both windows reach 300 (8 s); the timer pairs them */
static void run_widening(const char *url) {
    fx_t f = fx_new(url);
    int64_t a = accounttest_add(f.db, "ann"), b = accounttest_add(f.db, "bob");
    ws_conn_t *ta = tab(&f, a, "ann"), *tb = tab(&f, b, "bob");
    assert_int_equal(quickplay_enter(f.q, a, 1500, NULL, 0), 0);
    assert_int_equal(quickplay_enter(f.q, b, 1800, NULL, 0), 0);
    assert_int_equal(quickplay_size(f.q), 2);
    assert_true(timerd_armed(f.qt));
    clk_ms += 7000;
    timerd_fire(f.qt);
    assert_int_equal(quickplay_size(f.q), 2);
    assert_true(timerd_armed(f.qt));
    clk_ms += 1000;
    timerd_fire(f.qt);
    assert_int_equal(quickplay_size(f.q), 0);
    assert_false(timerd_armed(f.qt));
    settle(&f);
    int64_t opp;
    int rating;
    assert_true(found(ta, &opp, &rating) > 0);
    close_tab(&f, ta);
    close_tab(&f, tb);
    fx_free(&f);
}

/* a block made after both entered: the game's job refuses the pair, both wait on in their
 * places and are never paired together; a third user pairs with the older one */
static void run_block_since(const char *url) {
    fx_t f = fx_new(url);
    int64_t a = accounttest_add(f.db, "ann"), b = accounttest_add(f.db, "bob"), c = accounttest_add(f.db, "cyd");
    ws_conn_t *ta = tab(&f, a, "ann"), *tb = tab(&f, b, "bob"), *tc = tab(&f, c, "cyd");
    assert_int_equal(social_block(f.db, b, a, 1), 0);
    assert_int_equal(quickplay_enter(f.q, a, 1500, NULL, 0), 0);   /* as if the block came later */
    uint64_t since = quickplay_entry(f.q, a)->since;
    clk_ms += 10;
    assert_int_equal(quickplay_enter(f.q, b, 1500, NULL, 0), 0);
    settle(&f);
    assert_int_equal(wsd_sent_count(ta), 0);
    assert_int_equal(quickplay_size(f.q), 2);
    assert_int_equal(quickplay_entry(f.q, a)->since, since);
    clk_ms += 60000;
    timerd_fire(f.qt);
    settle(&f);
    assert_int_equal(quickplay_size(f.q), 2);
    assert_int_equal(quickplay_enter(f.q, c, 1500, NULL, 0), 0);
    settle(&f);
    int64_t opp;
    int rating;
    found(tc, &opp, &rating);
    assert_int_equal(opp, a);
    assert_non_null(quickplay_entry(f.q, b));
    assert_true(quickplay_leave(f.q, b));
    close_tab(&f, ta);
    close_tab(&f, tb);
    close_tab(&f, tc);
    fx_free(&f);
}

BOTH(pair)
BOTH(widening)
BOTH(block_since)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-qp-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_pair),     cmocka_unit_test(test_sqlite_widening),     cmocka_unit_test(test_sqlite_block_since),
        cmocka_unit_test(test_postgres_pair),   cmocka_unit_test(test_postgres_widening),   cmocka_unit_test(test_postgres_block_since),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
