/* ratemap: keyed token buckets with LRU eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ratemap.h"

#define K(s) span_of((s), strlen(s))

static void test_burst_refill_and_retry_after(void **state) {
    (void)state;
    ratemap_t *m = ratemap_create(6, 3, 100);   /* 6 a minute = one per 10 s, burst 3 */
    for (int i = 0; i < 3; i++) assert_true(ratemap_allow(m, K("1.2.3.4"), 1000, NULL));
    int retry = 0;
    assert_false(ratemap_allow(m, K("1.2.3.4"), 1000, &retry));
    assert_int_equal(retry, 10);
    assert_true(ratemap_allow(m, K("5.6.7.8"), 1000, NULL));        /* other keys are separate */
    assert_false(ratemap_allow(m, K("1.2.3.4"), 6000, &retry));     /* half a token */
    assert_int_equal(retry, 5);
    assert_true(ratemap_allow(m, K("1.2.3.4"), 11000, NULL));
    assert_false(ratemap_allow(m, K("1.2.3.4"), 11000, NULL));
    assert_true(ratemap_allow(m, K("1.2.3.4"), 1000000, NULL));     /* refilled, capped at burst */
    assert_true(ratemap_allow(m, K("1.2.3.4"), 1000000, NULL));
    assert_true(ratemap_allow(m, K("1.2.3.4"), 1000000, NULL));
    assert_false(ratemap_allow(m, K("1.2.3.4"), 1000000, NULL));
    ratemap_destroy(m);
}

/* Bounded: past max_keys the least recently used key is forgotten; lookups of the kept
 * keys stay right through many evictions (backward-shift deletion). */
/* peek says what allow would, and changes nothing: no key made, no token taken. */
static void test_peek(void **state) {
    (void)state;
    ratemap_t *m = ratemap_create(6, 2, 100);
    assert_true(ratemap_peek(m, SPAN_LIT("a"), 1000));
    assert_int_equal(ratemap_count(m), 0);
    assert_true(ratemap_allow(m, SPAN_LIT("a"), 1000, NULL));
    assert_true(ratemap_peek(m, SPAN_LIT("a"), 1000));
    assert_true(ratemap_peek(m, SPAN_LIT("a"), 1000));
    assert_true(ratemap_allow(m, SPAN_LIT("a"), 1000, NULL));
    assert_false(ratemap_peek(m, SPAN_LIT("a"), 1000));
    assert_false(ratemap_peek(m, SPAN_LIT("a"), 10999));
    assert_true(ratemap_peek(m, SPAN_LIT("a"), 11000));   /* one token back after 10 s */
    assert_true(ratemap_allow(m, SPAN_LIT("a"), 11000, NULL));
    assert_false(ratemap_allow(m, SPAN_LIT("a"), 11000, NULL));
    ratemap_destroy(m);
}

static void test_bounded_lru(void **state) {
    (void)state;
    enum { MAX = 50 };
    ratemap_t *m = ratemap_create(1, 1, MAX);
    char key[32];
    for (int round = 0; round < 40; round++) {
        for (int i = 0; i < MAX; i++) {
            snprintf(key, sizeof key, "k%d-%d", round, i);
            assert_true(ratemap_allow(m, K(key), 0, NULL));          /* new: full bucket */
            assert_true(ratemap_count(m) <= MAX);
        }
        /* this round's keys are all still known (and spent) */
        for (int i = 0; i < MAX; i++) {
            snprintf(key, sizeof key, "k%d-%d", round, i);
            assert_false(ratemap_allow(m, K(key), 0, NULL));
        }
    }
    assert_int_equal(ratemap_count(m), MAX);
    /* an old key was evicted: it starts afresh */
    assert_true(ratemap_allow(m, K("k0-0"), 0, NULL));
    ratemap_destroy(m);
}

static void test_long_keys_cut(void **state) {
    (void)state;
    ratemap_t *m = ratemap_create(1, 1, 10);
    char a[300], b[300];
    memset(a, 'a', sizeof a);
    memcpy(b, a, sizeof b);
    b[299] = 'b';   /* differs only past the cut */
    assert_true(ratemap_allow(m, span_of(a, sizeof a), 0, NULL));
    assert_false(ratemap_allow(m, span_of(b, sizeof b), 0, NULL));
    ratemap_destroy(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_refill_and_retry_after),
        cmocka_unit_test(test_bounded_lru),
        cmocka_unit_test(test_peek),
        cmocka_unit_test(test_long_keys_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
