/* queue: the quick-play pairing rules on a fake clock — the window and its widening, both
 * windows, blocks either way, one entry per account, oldest first with the closest opponent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"
#include "queue.h"

static void add(queue_t *q, int64_t uid, int32_t rating, uint64_t since) {
    queue_entry_t e = { uid, rating, since, (int64_t)since + 1000000 };
    assert_int_equal(queue_add(q, &e, NULL, 0), 0);
}

static void window(void **state) {
    (void)state;
    assert_int_equal(queue_window(1000, 1000), 100);
    assert_int_equal(queue_window(1000, 1999), 100);   /* whole seconds */
    assert_int_equal(queue_window(1000, 2000), 125);
    assert_int_equal(queue_window(1000, 11000), 350);
    assert_int_equal(queue_window(1000, 21000), 600);
    assert_int_equal(queue_window(1000, 21000 + 3600000), 600);   /* capped */
    assert_int_equal(queue_window(5000, 1000), 100);                 /* a clock behind: no negative wait */
}

/* 1500 and 1700 (200 apart) pair once both windows reach 200: after 4 s of the newer one */
static void widening_both_windows(void **state) {
    (void)state;
    queue_t *q = queue_create(10);
    queue_entry_t a, b;
    add(q, 1, 1500, 0);
    add(q, 2, 1700, 3000);
    assert_false(queue_pair(q, 3000, &a, &b));   /* 1: 175, 2: 100 */
    assert_false(queue_pair(q, 6000, &a, &b));   /* 1: 250, 2: 175: the older's window alone is not enough */
    assert_int_equal(queue_size(q), 2);
    assert_true(queue_pair(q, 7000, &a, &b));    /* 2: 200 */
    assert_int_equal(a.uid, 1);
    assert_int_equal(b.uid, 2);
    assert_int_equal(a.since, 0);
    assert_int_equal(queue_size(q), 0);
    assert_null(queue_find(q, 1));
    queue_destroy(q);
}

static void within_window_at_once(void **state) {
    (void)state;
    queue_t *q = queue_create(10);
    queue_entry_t a, b;
    add(q, 1, 1500, 0);
    assert_false(queue_pair(q, 0, &a, &b));      /* alone */
    add(q, 2, 1600, 0);                          /* exactly 100: within */
    assert_true(queue_pair(q, 0, &a, &b));
    queue_destroy(q);
}

static void one_entry_per_account(void **state) {
    (void)state;
    queue_t *q = queue_create(2);
    queue_entry_t e = { 7, 1500, 10, 0 }, a, b;
    assert_int_equal(queue_add(q, &e, NULL, 0), 0);
    e.since = 20;
    e.rating = 1900;
    assert_int_equal(queue_add(q, &e, NULL, 0), MATCH_E_QUEUED);
    assert_int_equal(queue_size(q), 1);
    assert_int_equal(queue_find(q, 7)->since, 10);       /* the first entry stays */
    assert_int_equal(queue_find(q, 7)->rating, 1500);
    assert_false(queue_pair(q, 100000, &a, &b));          /* never with itself */
    add(q, 8, 1500, 30);
    queue_entry_t f = { 9, 1500, 40, 0 };
    assert_int_equal(queue_add(q, &f, NULL, 0), ERR_FULL);
    assert_true(queue_remove(q, 7));
    assert_false(queue_remove(q, 7));
    assert_int_equal(queue_size(q), 1);
    queue_destroy(q);
}

/* a block either way keeps two apart, whatever the wait; others still pair */
static void blocks(void **state) {
    (void)state;
    queue_t *q = queue_create(10);
    queue_entry_t a, b;
    int64_t blocks_of_1[] = { 2 };
    queue_entry_t e1 = { 1, 1500, 0, 0 }, e2 = { 2, 1500, 0, 0 }, e3 = { 3, 1500, 0, 0 }, e4 = { 4, 1500, 0, 0 };
    assert_int_equal(queue_add(q, &e1, blocks_of_1, 1), 0);
    assert_int_equal(queue_add(q, &e2, NULL, 0), 0);
    assert_false(queue_pair(q, 600000, &a, &b));   /* 1 lists 2 */
    queue_remove(q, 1);
    int64_t blocks_of_3[] = { 2 };
    assert_int_equal(queue_add(q, &e3, blocks_of_3, 1), 0);
    assert_false(queue_pair(q, 600000, &a, &b));   /* 3 lists 2: the other way round */
    queue_remove(q, 3);
    assert_int_equal(queue_add(q, &e4, NULL, 0), 0);
    queue_block(q, 4, 2);                           /* a block learned later */
    assert_false(queue_pair(q, 600000, &a, &b));
    assert_int_equal(queue_add(q, &e1, blocks_of_1, 1), 0);
    assert_true(queue_pair(q, 0, &a, &b));          /* 1 and 4 */
    assert_true((a.uid == 1 && b.uid == 4) || (a.uid == 4 && b.uid == 1));
    assert_int_equal(queue_size(q), 1);
    queue_destroy(q);
}

/* the oldest entry is served first, with its closest acceptable opponent (the older of equals) */
static void oldest_first_closest(void **state) {
    (void)state;
    queue_t *q = queue_create(10);
    queue_entry_t a, b;
    add(q, 10, 1500, 0);
    add(q, 11, 1580, 100);
    add(q, 12, 1530, 200);
    add(q, 13, 1470, 300);   /* 30 from 10, like 12: 12 is older */
    add(q, 14, 1550, 400);
    assert_true(queue_pair(q, 500, &a, &b));
    assert_int_equal(a.uid, 10);
    assert_int_equal(b.uid, 12);
    assert_true(queue_pair(q, 500, &a, &b));   /* 11 (1580): 14 at 30, 13 at 110 (outside) */
    assert_int_equal(a.uid, 11);
    assert_int_equal(b.uid, 14);
    assert_false(queue_pair(q, 500, &a, &b));
    assert_int_equal(queue_find(q, 13)->rating, 1470);
    /* an entry put back with its old `since` is served in its place */
    queue_entry_t back = { 20, 1470, 50, 0 };
    assert_int_equal(queue_add(q, &back, NULL, 0), 0);
    assert_true(queue_pair(q, 500, &a, &b));
    assert_int_equal(a.uid, 20);
    assert_int_equal(b.uid, 13);
    queue_destroy(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window), cmocka_unit_test(widening_both_windows), cmocka_unit_test(within_window_at_once),
        cmocka_unit_test(one_entry_per_account), cmocka_unit_test(blocks), cmocka_unit_test(oldest_first_closest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
