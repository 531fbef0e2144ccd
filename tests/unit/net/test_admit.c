/* admit: the connection caps' accounting (global, per address, handshake phase, WebSockets),
 * the deadline list, and IPv4/IPv6 addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "admit.h"

static admit_addr_t v4(const char *s) {
    struct sockaddr_in in = { .sin_family = AF_INET };
    inet_pton(AF_INET, s, &in.sin_addr);
    admit_addr_t a;
    assert_true(admit_addr_from(&in, &a));
    return a;
}

static int keys[64];   /* distinct addresses to use as keys */

static void test_per_address_and_handshakes(void **state) {
    (void)state;
    admit_t *a = admit_create(&(admit_limits_t){ .max_conns = 10, .max_handshakes = 6, .per_addr = 4, .handshakes_per_addr = 2, .ws_per_addr = 1 });
    admit_addr_t x = v4("10.0.0.1"), y = v4("10.0.0.2");
    assert_int_equal(admit_check(a, &x), ADMIT_OK);
    admit_add(a, &keys[0], &x, 100);
    admit_add(a, &keys[1], &x, 200);
    assert_int_equal(admit_check(a, &x), ADMIT_ADDR_HANDSHAKES);
    assert_int_equal(admit_check(a, &y), ADMIT_OK);
    assert_int_equal(admit_handshakes(a), 2);
    admit_active(a, &keys[0]);
    admit_active(a, &keys[0]);   /* twice: no-op */
    assert_int_equal(admit_handshakes(a), 1);
    assert_int_equal(admit_check(a, &x), ADMIT_OK);
    admit_add(a, &keys[2], &x, 300);
    admit_active(a, &keys[2]);
    admit_add(a, &keys[3], &x, 400);
    assert_int_equal(admit_check(a, &x), ADMIT_ADDR);   /* 4 open */
    /* WebSockets: one per address */
    assert_true(admit_ws_open(a, &keys[0]));
    assert_false(admit_ws_open(a, &keys[2]));
    assert_int_equal(admit_websockets(a), 1);
    admit_remove(a, &keys[0]);
    assert_true(admit_ws_open(a, &keys[2]));
    assert_int_equal(admit_conns(a), 3);
    assert_int_equal(admit_addresses(a), 1);
    admit_remove(a, &keys[1]);
    admit_remove(a, &keys[2]);
    admit_remove(a, &keys[3]);
    admit_remove(a, &keys[3]);   /* unknown: no-op */
    assert_int_equal(admit_conns(a), 0);
    assert_int_equal(admit_handshakes(a), 0);
    assert_int_equal(admit_websockets(a), 0);
    assert_int_equal(admit_addresses(a), 0);
    admit_destroy(a);
}

static void test_global_caps(void **state) {
    (void)state;
    admit_t *a = admit_create(&(admit_limits_t){ .max_conns = 5, .max_handshakes = 3 });
    for (int i = 0; i < 3; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.0.1.%d", i);
        admit_addr_t x = v4(ip);
        assert_int_equal(admit_check(a, &x), ADMIT_OK);
        admit_add(a, &keys[i], &x, (uint64_t)i + 1);
    }
    admit_addr_t z = v4("10.0.2.1");
    assert_int_equal(admit_check(a, &z), ADMIT_HANDSHAKES);
    admit_active(a, &keys[0]);
    admit_active(a, &keys[1]);
    admit_add(a, &keys[3], &z, 10);
    admit_add(a, &keys[4], &z, 11);
    assert_int_equal(admit_check(a, &z), ADMIT_FULL);
    for (int i = 0; i < 5; i++) admit_remove(a, &keys[i]);
    assert_int_equal(admit_check(a, &z), ADMIT_OK);
    admit_destroy(a);
}

static void test_deadline_order(void **state) {
    (void)state;
    admit_t *a = admit_create(&(admit_limits_t){ .max_conns = 100, .max_handshakes = 100 });
    admit_addr_t x = v4("192.0.2.1");
    for (int i = 0; i < 5; i++) admit_add(a, &keys[i], &x, 1000u * (uint64_t)(i + 1));
    assert_int_equal(admit_oldest_us(a), 1000);
    admit_active(a, &keys[0]);                       /* past its head: off the list */
    assert_int_equal(admit_oldest_us(a), 2000);
    assert_null(admit_expired(a, 2000));             /* not before 2000 */
    assert_ptr_equal(admit_expired(a, 3500), &keys[1]);
    assert_ptr_equal(admit_expired(a, 3500), &keys[2]);
    assert_null(admit_expired(a, 3500));
    assert_int_equal(admit_handshakes(a), 4);       /* expired ones count until removed */
    admit_remove(a, &keys[1]);
    admit_remove(a, &keys[3]);                       /* from the middle of the list */
    assert_ptr_equal(admit_expired(a, 99999), &keys[4]);
    assert_null(admit_expired(a, 99999));
    assert_int_equal(admit_oldest_us(a), 0);
    admit_destroy(a);
}

static void test_addresses(void **state) {
    (void)state;
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
    inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
    admit_addr_t mapped, plain = v4("10.0.0.1");
    assert_true(admit_addr_from(&in6, &mapped));
    assert_memory_equal(mapped.b, plain.b, sizeof plain.b);   /* one address, both forms */
    inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
    admit_addr_t six;
    assert_true(admit_addr_from(&in6, &six));
    assert_memory_not_equal(six.b, plain.b, sizeof plain.b);
    struct sockaddr un = { .sa_family = AF_UNIX };
    assert_false(admit_addr_from(&un, &six));
}

static void test_many(void **state) {
    (void)state;
    static int many[5000];
    admit_t *a = admit_create(&(admit_limits_t){ .max_conns = 10000, .max_handshakes = 10000, .per_addr = 3000 });
    admit_addr_t x = v4("203.0.113.9"), y = v4("203.0.113.10");
    for (int i = 0; i < 5000; i++) admit_add(a, &many[i], i % 2 ? &x : &y, (uint64_t)i + 1);
    assert_int_equal(admit_conns(a), 5000);
    assert_int_equal(admit_addresses(a), 2);
    admit_add(a, &many[0], &y, 9);   /* the same key again: replaced, not counted twice */
    assert_int_equal(admit_conns(a), 5000);
    for (int i = 0; i < 5000; i += 2) admit_remove(a, &many[i]);
    assert_int_equal(admit_conns(a), 2500);
    assert_int_equal(admit_addresses(a), 1);
    assert_ptr_equal(admit_expired(a, 100000), &many[1]);
    admit_destroy(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_address_and_handshakes),
        cmocka_unit_test(test_global_caps),
        cmocka_unit_test(test_deadline_order),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
