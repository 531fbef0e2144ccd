/* rematch: offers, agreement, repeats, withdrawal and declines, expiry, the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"
#include "rematch.h"

static void flow(void **state) {
    (void)state;
    rematch_t *r = rematch_create(2);
    int64_t from, until, other;
    assert_false(rematch_pending(r, 5, 0, &from, &until));
    assert_int_equal(rematch_offer(r, 5, 1, 2, 60000, 0), REMATCH_OFFERED);
    assert_int_equal(rematch_offer(r, 5, 1, 2, 60000, 10), REMATCH_OFFERED);   /* again: the same offer */
    assert_true(rematch_pending(r, 5, 20, &from, &until));
    assert_int_equal(from, 1);
    assert_int_equal(until, 60000);
    assert_int_equal(rematch_offer(r, 5, 2, 1, 60000, 30), REMATCH_AGREED);     /* the other agrees */
    assert_false(rematch_pending(r, 5, 40, &from, &until));
    /* withdraw and decline */
    assert_int_equal(rematch_offer(r, 6, 3, 4, 60000, 0), REMATCH_OFFERED);
    assert_false(rematch_withdraw(r, 6, 9, 1, &other));   /* not a party */
    assert_true(rematch_withdraw(r, 6, 4, 1, &other));     /* declined by the other */
    assert_int_equal(other, 3);
    assert_false(rematch_withdraw(r, 6, 3, 2, &other));
    assert_int_equal(rematch_offer(r, 6, 3, 4, 60000, 3), REMATCH_OFFERED);
    assert_true(rematch_withdraw(r, 6, 3, 4, &other));     /* withdrawn */
    assert_int_equal(other, 4);
    rematch_destroy(r);
}

static void expiry_and_bound(void **state) {
    (void)state;
    rematch_t *r = rematch_create(2);
    int64_t from, until;
    assert_int_equal(rematch_offer(r, 1, 1, 2, 1000, 0), REMATCH_OFFERED);
    assert_int_equal(rematch_offer(r, 2, 3, 4, 5000, 0), REMATCH_OFFERED);
    assert_int_equal(rematch_offer(r, 3, 5, 6, 5000, 0), ERR_FULL);
    assert_false(rematch_pending(r, 1, 1000, &from, &until));                /* expired at its time */
    assert_int_equal(rematch_offer(r, 1, 2, 1, 7000, 1000), REMATCH_OFFERED); /* a late answer is a new offer */
    assert_int_equal(rematch_offer(r, 3, 5, 6, 5000, 1000), ERR_FULL);
    assert_int_equal(rematch_offer(r, 3, 5, 6, 9000, 5000), REMATCH_OFFERED); /* game 2's offer went */
    rematch_destroy(r);
}

int main(void) {
    const struct CMUnitTest tests[] = { cmocka_unit_test(flow), cmocka_unit_test(expiry_and_bound) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
