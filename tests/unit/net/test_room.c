/* room: membership, room lifetime, iteration, many rooms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "room.h"
#include "util.h"

typedef struct {
    int id;
    int visits;
    room_member_t m;
} conn_t;

static void visit(void *owner, void *arg) {
    conn_t *c = owner;
    c->visits++;
    (*(int *)arg)++;
}

static void test_join_leave(void **state) {
    (void)state;
    room_reg_t *rs = room_reg_create();
    conn_t a = { .id = 1 }, b = { .id = 2 };
    assert_int_equal(room_reg_count(rs), 0);
    assert_null(room_find(rs, SPAN_LIT("lobby")));

    room_t *r = room_join(rs, SPAN_LIT("lobby"), &a.m, &a);
    assert_non_null(r);
    assert_ptr_equal(a.m.room, r);
    assert_ptr_equal(a.m.owner, &a);
    assert_int_equal(room_reg_count(rs), 1);
    assert_string_equal(room_name(r), "lobby");
    assert_int_equal(room_size(r), 1);
    assert_ptr_equal(room_find(rs, SPAN_LIT("lobby")), r);

    assert_ptr_equal(room_join(rs, SPAN_LIT("lobby"), &b.m, &b), r); /* same room */
    assert_int_equal(room_size(r), 2);
    assert_int_equal(room_reg_count(rs), 1);

    room_leave(&a.m);
    assert_null(a.m.room);
    assert_int_equal(room_size(r), 1);
    assert_ptr_equal(room_find(rs, SPAN_LIT("lobby")), r);
    room_leave(&a.m); /* already out: no-op */
    assert_int_equal(room_size(r), 1);

    room_leave(&b.m); /* last one: room freed */
    assert_null(b.m.room);
    assert_int_equal(room_reg_count(rs), 0);
    assert_null(room_find(rs, SPAN_LIT("lobby")));
    room_reg_destroy(rs);
}

static void test_leave_never_joined(void **state) {
    (void)state;
    room_reg_t *rs = room_reg_create();
    conn_t a = { .id = 1 };
    memset(&a.m, 0, sizeof a.m);
    room_leave(&a.m);
    assert_null(a.m.room);
    assert_int_equal(room_reg_count(rs), 0);
    room_reg_destroy(rs);
}

static void test_names_are_exact(void **state) {
    (void)state;
    room_reg_t *rs = room_reg_create();
    conn_t a, b, c;
    memset(&a, 0, sizeof a); memset(&b, 0, sizeof b); memset(&c, 0, sizeof c);
    room_t *r1 = room_join(rs, SPAN_LIT("ab"), &a.m, &a);
    room_t *r2 = room_join(rs, SPAN_LIT("abc"), &b.m, &b);
    room_t *r3 = room_join(rs, SPAN_LIT("AB"), &c.m, &c);
    assert_ptr_not_equal(r1, r2);
    assert_ptr_not_equal(r1, r3);
    assert_int_equal(room_reg_count(rs), 3);
    assert_ptr_equal(room_find(rs, span_of("abcdef", 2)), r1);
    assert_null(room_find(rs, SPAN_LIT("a")));
    char n64[65];
    memset(n64, 'x', 64);
    n64[64] = '\0';
    conn_t d;
    memset(&d, 0, sizeof d);
    room_t *r4 = room_join(rs, span_of(n64, 64), &d.m, &d);
    assert_non_null(r4);
    assert_string_equal(room_name(r4), n64);
    room_leave(&a.m); room_leave(&b.m); room_leave(&c.m); room_leave(&d.m);
    assert_int_equal(room_reg_count(rs), 0);
    room_reg_destroy(rs);
}

static void test_isolation_and_each(void **state) {
    (void)state;
    room_reg_t *rs = room_reg_create();
    conn_t cs[10];
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < 10; i++) {
        cs[i].id = i;
        room_join(rs, i % 2 ? SPAN_LIT("odd") : SPAN_LIT("even"), &cs[i].m, &cs[i]);
    }
    room_t *odd = room_find(rs, SPAN_LIT("odd")), *even = room_find(rs, SPAN_LIT("even"));
    assert_int_equal(room_size(odd), 5);
    assert_int_equal(room_size(even), 5);
    int n = 0;
    room_each(odd, visit, &n);
    assert_int_equal(n, 5);
    for (int i = 0; i < 10; i++) assert_int_equal(cs[i].visits, i % 2 ? 1 : 0);

    /* leave from the middle, the head and the tail; each remaining visited exactly once */
    room_leave(&cs[5].m);
    room_leave(&cs[9].m);
    room_leave(&cs[1].m);
    for (int i = 0; i < 10; i++) cs[i].visits = 0;
    n = 0;
    room_each(odd, visit, &n);
    assert_int_equal(n, 2);
    assert_int_equal(cs[3].visits, 1);
    assert_int_equal(cs[7].visits, 1);
    for (int i = 0; i < 10; i++)
        if (i != 3 && i != 7) assert_int_equal(cs[i].visits, 0);

    for (int i = 0; i < 10; i++) room_leave(&cs[i].m);
    assert_int_equal(room_reg_count(rs), 0);
    room_reg_destroy(rs);
}

static void test_rejoin_moves(void **state) {
    (void)state;
    room_reg_t *rs = room_reg_create();
    conn_t a, b;
    memset(&a, 0, sizeof a); memset(&b, 0, sizeof b);
    room_t *r1 = room_join(rs, SPAN_LIT("one"), &a.m, &a);
    room_join(rs, SPAN_LIT("one"), &b.m, &b);
    room_t *r2 = room_join(rs, SPAN_LIT("two"), &a.m, &a);
    assert_ptr_equal(a.m.room, r2);
    assert_int_equal(room_size(r1), 1);
    assert_int_equal(room_size(r2), 1);
    int n = 0;
    room_each(r1, visit, &n);
    assert_int_equal(n, 1);
    assert_int_equal(b.visits, 1);
    assert_int_equal(a.visits, 0);

    /* moving the last member out frees the old room */
    room_join(rs, SPAN_LIT("two"), &b.m, &b);
    assert_null(room_find(rs, SPAN_LIT("one")));
    assert_int_equal(room_reg_count(rs), 1);
    assert_int_equal(room_size(r2), 2);

    /* rejoining the same room keeps one membership */
    room_join(rs, SPAN_LIT("two"), &a.m, &a);
    r2 = room_find(rs, SPAN_LIT("two"));
    assert_int_equal(room_size(r2), 2);
    n = 0;
    a.visits = b.visits = 0;
    room_each(r2, visit, &n);
    assert_int_equal(n, 2);
    assert_int_equal(a.visits, 1);

    room_leave(&a.m);
    room_leave(&b.m);
    assert_int_equal(room_reg_count(rs), 0);
    room_reg_destroy(rs);
}

static void test_many_rooms(void **state) {
    (void)state;
    enum { N = 1000 };
    room_reg_t *rs = room_reg_create();
    conn_t *cs = calloc(2 * N, sizeof *cs);
    char name[32];
    for (int i = 0; i < 2 * N; i++) {
        int len = snprintf(name, sizeof name, "room-%d", i % N);
        room_join(rs, span_of(name, (size_t)len), &cs[i].m, &cs[i]);
    }
    assert_int_equal(room_reg_count(rs), N);
    for (int i = 0; i < N; i++) {
        int len = snprintf(name, sizeof name, "room-%d", i);
        room_t *r = room_find(rs, span_of(name, (size_t)len));
        assert_non_null(r);
        assert_string_equal(room_name(r), name);
        assert_int_equal(room_size(r), 2);
        assert_ptr_equal(cs[i].m.room, r);
        assert_ptr_equal(cs[i + N].m.room, r);
    }
    assert_null(room_find(rs, SPAN_LIT("room-1000")));
    /* empty half of them, in an order unlike the insertion order */
    for (int i = N - 1; i >= 0; i -= 2) { room_leave(&cs[i].m); room_leave(&cs[i + N].m); }
    assert_int_equal(room_reg_count(rs), N / 2);
    for (int i = 0; i < N; i++) {
        int len = snprintf(name, sizeof name, "room-%d", i);
        room_t *r = room_find(rs, span_of(name, (size_t)len));
        if (i % 2) assert_null(r); else assert_non_null(r);
    }
    for (int i = 0; i < 2 * N; i++) room_leave(&cs[i].m);
    assert_int_equal(room_reg_count(rs), 0);
    room_reg_destroy(rs);
    free(cs);
}

static void test_destroy_with_rooms(void **state) {
    (void)state;
    /* room_reg_destroy frees rooms still holding members (the members must not be used after) */
    room_reg_t *rs = room_reg_create();
    conn_t a;
    memset(&a, 0, sizeof a);
    room_join(rs, SPAN_LIT("left-open"), &a.m, &a);
    room_reg_destroy(rs);
    room_reg_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_leave),
        cmocka_unit_test(test_leave_never_joined),
        cmocka_unit_test(test_names_are_exact),
        cmocka_unit_test(test_isolation_and_each),
        cmocka_unit_test(test_rejoin_moves),
        cmocka_unit_test(test_many_rooms),
        cmocka_unit_test(test_destroy_with_rooms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
