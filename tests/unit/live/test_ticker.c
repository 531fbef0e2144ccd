/* ticker: the 60 Hz schedule against a fake clock — exact due counts over long runs, no drift
 * after a million steps, late wake-ups and the catch-up cap, pause/resume, shared grids,
 * lateness statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ticker.h"

#define T0 1000000007ull

/* The deadline of step n the header promises: t0 + floor(n·1e6/60). */
static uint64_t deadline(uint64_t t0, uint64_t n) { return t0 + n * 1000000ull / 60; }

static void test_first_steps(void **state) {
    (void)state;
    ticker_t tk;
    ticker_init(&tk, T0, NULL);
    assert_int_equal(ticker_next_us(&tk), T0 + 16666);
    assert_int_equal(ticker_due(&tk, T0), 0);
    assert_int_equal(ticker_due(&tk, T0 + 16665), 0);
    assert_int_equal(ticker_due(&tk, T0 + 16666), 1);
    assert_int_equal(ticker_due(&tk, T0 + 16666), 0);      /* counted once */
    assert_int_equal(ticker_next_us(&tk), T0 + 33333);
    assert_int_equal(ticker_due(&tk, T0 + 33332), 0);
    assert_int_equal(ticker_due(&tk, T0 + 33333), 1);
    assert_int_equal(ticker_next_us(&tk), T0 + 50000);
    assert_int_equal(ticker_due(&tk, T0 + 50000), 1);
    assert_int_equal(ticker_due(&tk, T0 - 5), 0);           /* a clock before t0 */
    assert_int_equal(tk.steps, 3);
}

/* Waking exactly at each deadline, a million times: one step each time, and the millionth
 * deadline is exactly t0 + 1e6·1e6/60 (no drift). */
static void test_no_drift(void **state) {
    (void)state;
    ticker_t tk;
    ticker_init(&tk, T0, NULL);
    for (uint64_t n = 1; n <= 1000000; n++) {
        uint64_t at = ticker_next_us(&tk);
        if (at != deadline(T0, n)) fail_msg("step %llu due at %llu, wanted %llu", (unsigned long long)n, (unsigned long long)at,
                                            (unsigned long long)deadline(T0, n));
        if (ticker_due(&tk, at - 1) != 0) fail_msg("step %llu early", (unsigned long long)n);
        if (ticker_due(&tk, at) != 1) fail_msg("step %llu not due", (unsigned long long)n);
    }
    assert_int_equal(tk.steps, 1000000);
    assert_int_equal(ticker_next_us(&tk), T0 + 1000001ull * 1000000ull / 60);
    assert_int_equal(ticker_next_us(&tk) - T0, 16666683333ull);
}

/* Wake-ups at irregular times (a pseudo-random walk, never more than 0.4 s apart): the total
 * steps at any moment equal the number of deadlines passed. */
static void test_irregular_wakeups(void **state) {
    (void)state;
    ticker_t tk;
    ticker_init(&tk, T0, NULL);
    uint64_t now = T0, total = 0;
    uint32_t r = 12345;
    for (int i = 0; i < 200000; i++) {
        r ^= r << 13, r ^= r >> 17, r ^= r << 5;
        now += r % 400000;
        total += ticker_due(&tk, now);
        uint64_t want = (now - T0) * 60 / 1000000;    /* deadlines at or before now */
        while (deadline(T0, want + 1) <= now) want++;
        while (want && deadline(T0, want) > now) want--;
        if (total != want) fail_msg("at +%llu: %llu steps, wanted %llu", (unsigned long long)(now - T0), (unsigned long long)total,
                                    (unsigned long long)want);
        assert_true(ticker_next_us(&tk) > now);
    }
}

static void test_late_wakeup_catches_up(void **state) {
    (void)state;
    ticker_stats_t st;
    memset(&st, 0, sizeof st);
    ticker_t tk;
    ticker_init(&tk, T0, &st);
    /* 10 steps late by a bit: all 10 at once, none skipped */
    assert_int_equal(ticker_due(&tk, deadline(T0, 10) + 5), 10);
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 11));
    assert_int_equal(st.count, 10);
    assert_int_equal(st.max_us, deadline(T0, 10) + 5 - deadline(T0, 1));
    assert_int_equal(st.stalls, 0);
    /* exactly the cap: still no stall */
    assert_int_equal(ticker_due(&tk, deadline(T0, 40)), TICKER_MAX_CATCHUP);
    assert_int_equal(st.stalls, 0);
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 41));
}

static void test_stall_moves_schedule(void **state) {
    (void)state;
    ticker_stats_t st;
    memset(&st, 0, sizeof st);
    ticker_t tk;
    ticker_init(&tk, T0, &st);
    assert_int_equal(ticker_due(&tk, deadline(T0, 1)), 1);
    /* the loop sleeps 2 s: 120 deadlines pass; 30 run, the schedule moves on */
    uint64_t now = deadline(T0, 121) + 100;
    assert_int_equal(ticker_due(&tk, now), TICKER_MAX_CATCHUP);
    assert_int_equal(tk.steps, 31);
    assert_int_equal(st.stalls, 1);
    assert_int_equal(st.stall_steps, 90);                  /* grid 32..121 passed over */
    assert_int_equal(st.stall_us, deadline(T0, 122) - deadline(T0, 32));
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 122));
    assert_true(ticker_next_us(&tk) > now);
    assert_int_equal(ticker_due(&tk, now), 0);             /* no burst after it */
    assert_int_equal(ticker_due(&tk, deadline(T0, 122)), 1);
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 123)); /* still on the same grid */
}

static void test_pause_resume(void **state) {
    (void)state;
    ticker_t tk;
    ticker_init(&tk, T0, NULL);
    assert_int_equal(ticker_due(&tk, deadline(T0, 5)), 5);
    ticker_pause(&tk);
    ticker_pause(&tk);
    assert_true(ticker_paused(&tk));
    assert_int_equal(ticker_next_us(&tk), UINT64_MAX);
    assert_int_equal(ticker_due(&tk, deadline(T0, 500)), 0);   /* frozen */
    uint64_t now = deadline(T0, 600) + 7;
    ticker_resume(&tk, now);
    assert_false(ticker_paused(&tk));
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 601));  /* the next grid point after now */
    assert_int_equal(ticker_due(&tk, now), 0);                 /* no burst */
    assert_int_equal(ticker_due(&tk, deadline(T0, 601)), 1);
    assert_int_equal(tk.steps, 6);
    ticker_resume(&tk, deadline(T0, 900));                     /* running: no change */
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 602));
    /* resume exactly on a grid point: that point has passed, the next one is due */
    ticker_pause(&tk);
    ticker_resume(&tk, deadline(T0, 700));
    assert_int_equal(ticker_next_us(&tk), deadline(T0, 701));
}

static void test_shared_grid(void **state) {
    (void)state;
    ticker_t a, b;
    ticker_init_grid(&a, T0, T0 + 5, NULL);
    ticker_init_grid(&b, T0, deadline(T0, 77) + 3, NULL);
    assert_int_equal(ticker_next_us(&a), deadline(T0, 1));
    assert_int_equal(ticker_next_us(&b), deadline(T0, 78));
    ticker_init_grid(&b, T0, deadline(T0, 77), NULL);            /* on a point: the next */
    assert_int_equal(ticker_next_us(&b), deadline(T0, 78));
    ticker_init_grid(&b, T0, T0 - 100, NULL);                    /* before the epoch */
    assert_int_equal(ticker_next_us(&b), T0);
    ticker_init_grid(&b, T0, deadline(T0, 77) + 3, NULL);
    /* from then on both fall due at the same instants */
    assert_int_equal(ticker_due(&a, deadline(T0, 77) + 3), 30);  /* a catches up (capped) */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ticker_next_us(&a), ticker_next_us(&b));
        uint64_t at = ticker_next_us(&a);
        assert_int_equal(ticker_due(&a, at), 1);
        assert_int_equal(ticker_due(&b, at), 1);
    }
}

static void test_stats(void **state) {
    (void)state;
    ticker_stats_t st;
    memset(&st, 0, sizeof st);
    assert_int_equal(ticker_stats_pct(&st, 500), 0);
    for (uint64_t v = 0; v < 100; v++) ticker_stats_add(&st, v < 99 ? v % 10 : 5000);
    assert_int_equal(st.count, 100);
    assert_int_equal(st.max_us, 5000);
    assert_int_equal(ticker_stats_pct(&st, 500), 4);      /* exact below 16 µs */
    assert_int_equal(ticker_stats_pct(&st, 990), 9);
    assert_int_equal(ticker_stats_pct(&st, 1000), 5000);  /* capped at the max seen */
    ticker_stats_t big;
    memset(&big, 0, sizeof big);
    for (int i = 0; i < 1000; i++) ticker_stats_add(&big, 1000);
    uint64_t p = ticker_stats_pct(&big, 500);
    assert_true(p >= 1000 && p <= 1000 * 9 / 8);          /* 12.5 % resolution */
    ticker_stats_add(&big, UINT64_MAX);                   /* the last bucket */
    assert_int_equal(ticker_stats_pct(&big, 1000), UINT64_MAX);
    ticker_stats_merge(&st, &big);
    assert_int_equal(st.count, 1101);
    assert_int_equal(st.max_us, UINT64_MAX);
    /* the percentile is never below the true value, at most 12.5 % above */
    ticker_stats_t r;
    memset(&r, 0, sizeof r);
    for (uint64_t v = 1; v < 100000; v = v * 3 / 2 + 1) {
        memset(&r, 0, sizeof r);
        ticker_stats_add(&r, v);
        ticker_stats_add(&r, v * 4);
        uint64_t got = ticker_stats_pct(&r, 500);
        if (got < v || got > v + v / 8) fail_msg("%llu -> %llu", (unsigned long long)v, (unsigned long long)got);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_steps),
        cmocka_unit_test(test_no_drift),
        cmocka_unit_test(test_irregular_wakeups),
        cmocka_unit_test(test_late_wakeup_catches_up),
        cmocka_unit_test(test_stall_moves_schedule),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_shared_grid),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
