/* rate: token bucket with explicit clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rate.h"

static int allowed(rate_t *r, uint64_t now, double per_sec, double burst, int tries) {
    int n = 0;
    for (int i = 0; i < tries; i++) n += rate_allow(r, now, per_sec, burst);
    return n;
}

static void test_burst_then_refused(void **state) {
    (void)state;
    rate_t r = { 0 };
    assert_int_equal(allowed(&r, 1000, 20, 40, 100), 40);
    assert_false(rate_allow(&r, 1000, 20, 40));
    assert_false(rate_allow(&r, 1049, 20, 40)); /* 0.98 of a token */
    assert_true(rate_allow(&r, 1060, 20, 40));  /* a whole token again */
    assert_false(rate_allow(&r, 1060, 20, 40));
}

static void test_refill(void **state) {
    (void)state;
    rate_t r = { 0 };
    assert_int_equal(allowed(&r, 0, 10, 20, 20), 20);
    assert_false(rate_allow(&r, 0, 10, 20));
    assert_int_equal(allowed(&r, 500, 10, 20, 100), 5);  /* 0.5 s at 10/s */
    assert_int_equal(allowed(&r, 1500, 10, 20, 100), 10);
    /* a steady sender at the rate is never refused */
    for (uint64_t t = 1600; t < 10000; t += 100) assert_true(rate_allow(&r, t, 10, 20));
    /* time going backwards gives nothing and takes nothing */
    rate_t s = { 0 };
    assert_int_equal(allowed(&s, 5000, 1, 2, 5), 2);
    assert_false(rate_allow(&s, 4000, 1, 2));
    assert_false(rate_allow(&s, 5000, 1, 2));
    assert_true(rate_allow(&s, 6000, 1, 2));
}

static void test_never_exceeds_burst(void **state) {
    (void)state;
    rate_t r = { 0 };
    assert_int_equal(allowed(&r, 0, 20, 40, 40), 40);
    /* a long idle period saves up at most burst tokens */
    assert_int_equal(allowed(&r, 3600000, 20, 40, 1000), 40);
    assert_true(r.tokens <= 40.0);
    assert_int_equal(allowed(&r, 3600000 + 10 * 3600000ull, 20, 40, 1000), 40);
    /* the first call starts full, not above burst */
    rate_t f = { 0 };
    assert_int_equal(allowed(&f, 123456789, 5, 3, 10), 3);
}

static void test_unlimited(void **state) {
    (void)state;
    rate_t r = { 0 };
    assert_int_equal(allowed(&r, 0, 0, 0, 10000), 10000);
    assert_int_equal(allowed(&r, 0, -1, 5, 100), 100);
    assert_false(r.started); /* the bucket is not touched */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refused),
        cmocka_unit_test(test_refill),
        cmocka_unit_test(test_never_exceeds_burst),
        cmocka_unit_test(test_unlimited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
