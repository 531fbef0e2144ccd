/* jwtcache: the same answer as auth_jwt_verify() for every token, cached or not; hits only
 * for the exact bytes of a token that verified; exp checked on every hit; eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "jwtcache.h"

static const uint8_t SECRET[AUTH_SECRET_BYTES] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16,
                                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const int64_t NOW = 1800000000;

static void test_hit_after_first_check(void **state) {
    (void)state;
    jwtcache_t *c = jwtcache_create(SECRET, 64);
    char *t = auth_jwt_sign(SECRET, 42, "ann", NOW, AUTH_ACCESS_TTL_S);
    int64_t id = 0;
    assert_int_equal(jwtcache_verify(c, t, NOW, &id), ERR_OK);
    assert_int_equal(id, 42);
    assert_int_equal(jwtcache_stats(c).misses, 1);
    assert_int_equal(jwtcache_stats(c).hits, 0);
    id = 0;
    assert_int_equal(jwtcache_verify(c, t, NOW + 10, &id), ERR_OK);
    assert_int_equal(id, 42);
    assert_int_equal(jwtcache_stats(c).hits, 1);
    free(t);
    jwtcache_destroy(c);
}

static void test_expiry_on_hit(void **state) {
    (void)state;
    jwtcache_t *c = jwtcache_create(SECRET, 64);
    char *t = auth_jwt_sign(SECRET, 7, "bo", NOW, AUTH_ACCESS_TTL_S);
    int64_t id = 0;
    assert_int_equal(jwtcache_verify(c, t, NOW, &id), ERR_OK);
    assert_int_equal(jwtcache_verify(c, t, NOW + AUTH_ACCESS_TTL_S - 1, &id), ERR_OK);
    /* at exp exactly and after: refused like the full check, though it was cached */
    assert_int_equal(jwtcache_verify(c, t, NOW + AUTH_ACCESS_TTL_S, &id), AUTH_E_EXPIRED);
    assert_int_equal(auth_jwt_verify(SECRET, t, NOW + AUTH_ACCESS_TTL_S, &id, NULL, 0), AUTH_E_EXPIRED);
    assert_int_equal(jwtcache_verify(c, t, NOW + AUTH_ACCESS_TTL_S + 100, &id), AUTH_E_EXPIRED);
    free(t);
    jwtcache_destroy(c);
}

/* Variants of a valid token: each byte position changed, truncated, extended. None may be
 * answered from the cache entry of the original, and each must get auth_jwt_verify's answer. */
static void test_near_misses_are_checked_in_full(void **state) {
    (void)state;
    jwtcache_t *c = jwtcache_create(SECRET, 1024);
    char *t = auth_jwt_sign(SECRET, 5, "cy", NOW, AUTH_ACCESS_TTL_S);
    size_t n = strlen(t);
    int64_t id;
    assert_int_equal(jwtcache_verify(c, t, NOW, &id), ERR_OK);
    char *v = malloc(n + 2);
    for (size_t i = 0; i < n; i++) {
        memcpy(v, t, n + 1);
        v[i] = v[i] == 'A' ? 'B' : 'A';
        int64_t a = 0, b = 0;
        int want = auth_jwt_verify(SECRET, v, NOW, &a, NULL, 0);
        for (int k = 0; k < 2; k++) {   /* twice: a wrong answer cached would show the second time */
            assert_int_equal(jwtcache_verify(c, v, NOW, &b), want);
            if (want == ERR_OK) assert_int_equal(b, a);
        }
    }
    memcpy(v, t, n + 1);
    v[n - 1] = 0;   /* one character short */
    assert_int_not_equal(jwtcache_verify(c, v, NOW, &id), ERR_OK);
    memcpy(v, t, n + 1);
    v[n] = 'A';
    v[n + 1] = 0;   /* one longer */
    assert_int_not_equal(jwtcache_verify(c, v, NOW, &id), ERR_OK);
    /* the original still answers (and from the cache) */
    uint64_t hits = jwtcache_stats(c).hits;
    assert_int_equal(jwtcache_verify(c, t, NOW, &id), ERR_OK);
    assert_int_equal(id, 5);
    assert_int_equal(jwtcache_stats(c).hits, hits + 1);
    free(v);
    free(t);
    jwtcache_destroy(c);
}

static void test_refused_tokens_are_not_kept(void **state) {
    (void)state;
    jwtcache_t *c = jwtcache_create(SECRET, 64);
    uint8_t other[AUTH_SECRET_BYTES];
    memcpy(other, SECRET, sizeof other);
    other[3] ^= 0x40;
    char *forged = auth_jwt_sign(other, 1, "x", NOW, AUTH_ACCESS_TTL_S);
    char *old = auth_jwt_sign(SECRET, 1, "x", NOW - 2 * AUTH_ACCESS_TTL_S, AUTH_ACCESS_TTL_S);
    char huge[AUTH_JWT_MAX_BYTES + 50];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    const char *bad[] = { forged, old, "", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwiZXhwIjoxOTAwMDAwMDAwfQ.", huge };
    int64_t id;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int want = auth_jwt_verify(SECRET, bad[i], NOW, &id, NULL, 0);
        assert_int_not_equal(want, ERR_OK);
        assert_int_equal(jwtcache_verify(c, bad[i], NOW, &id), want);
        assert_int_equal(jwtcache_verify(c, bad[i], NOW, &id), want);
    }
    assert_int_equal(jwtcache_verify(c, NULL, NOW, &id), AUTH_E_FORMAT);
    assert_int_equal(jwtcache_stats(c).hits, 0);
    free(forged);
    free(old);
    jwtcache_destroy(c);
}

/* One slot: every new token evicts the last; answers stay right. */
static void test_eviction(void **state) {
    (void)state;
    jwtcache_t *c = jwtcache_create(SECRET, 1);
    char *a = auth_jwt_sign(SECRET, 100, "a", NOW, AUTH_ACCESS_TTL_S);
    char *b = auth_jwt_sign(SECRET, 200, "b", NOW, AUTH_ACCESS_TTL_S);
    int64_t id;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(jwtcache_verify(c, a, NOW, &id), ERR_OK);
        assert_int_equal(id, 100);
        assert_int_equal(jwtcache_verify(c, b, NOW, &id), ERR_OK);
        assert_int_equal(id, 200);
    }
    jwtcache_stats_t s = jwtcache_stats(c);
    assert_int_equal(s.hits, 0);
    assert_int_equal(s.misses, 20);
    assert_int_equal(s.evictions, 19);
    assert_int_equal(jwtcache_verify(c, b, NOW, &id), ERR_OK);
    assert_int_equal(jwtcache_stats(c).hits, 1);
    free(a);
    free(b);
    jwtcache_destroy(c);
    jwtcache_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_after_first_check),
        cmocka_unit_test(test_expiry_on_hit),
        cmocka_unit_test(test_near_misses_are_checked_in_full),
        cmocka_unit_test(test_refused_tokens_are_not_kept),
        cmocka_unit_test(test_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
