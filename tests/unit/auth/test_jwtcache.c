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

/* Sessions that really end: a token issued before its user's T is refused on a hit and on a
 * miss, to the millisecond (the same-second boundary: a token issued in the same second but
 * after T stays good), other users untouched; claims iat_ms and sid round-trip. */
static void test_revocation(void **state) {
    (void)state;
    const int64_t now_ms = NOW * 1000 + 500;   /* half-way through second NOW */
    jwtcache_t *c = jwtcache_create(SECRET, 64);
    revmap_t *m = revmap_create();
    jwtcache_set_revmap(c, m);
    char *before = auth_jwt_sign_session(SECRET, 42, "ann", now_ms - 1, AUTH_ACCESS_TTL_S, 5);
    char *after = auth_jwt_sign_session(SECRET, 42, "ann", now_ms, AUTH_ACCESS_TTL_S, 5);
    char *legacy = auth_jwt_sign(SECRET, 42, "ann", NOW, AUTH_ACCESS_TTL_S);   /* no iat_ms: from iat's second */
    char *other = auth_jwt_sign_session(SECRET, 43, "bo", now_ms - 1, AUTH_ACCESS_TTL_S, 6);
    auth_claims_t cl;
    assert_int_equal(jwtcache_verify_claims(c, before, NOW, &cl), ERR_OK);   /* cached now */
    assert_int_equal(cl.user_id, 42);
    assert_int_equal(cl.iat_ms, now_ms - 1);
    assert_int_equal(cl.sid, 5);
    assert_int_equal(cl.exp, NOW + AUTH_ACCESS_TTL_S);
    assert_int_equal(jwtcache_verify_claims(c, legacy, NOW, &cl), ERR_OK);
    assert_int_equal(cl.iat_ms, NOW * 1000);
    assert_int_equal(cl.sid, 0);
    revmap_set(m, 42, now_ms, now_ms);
    int64_t id = 0;
    assert_int_equal(jwtcache_verify(c, before, NOW, &id), AUTH_E_REVOKED);   /* a hit */
    assert_int_equal(id, 0);
    assert_int_equal(jwtcache_verify(c, legacy, NOW, &id), AUTH_E_REVOKED);
    assert_int_equal(jwtcache_verify(c, after, NOW, &id), ERR_OK);            /* a miss, same second */
    assert_int_equal(id, 42);
    assert_int_equal(jwtcache_verify(c, other, NOW, &id), ERR_OK);
    assert_int_equal(id, 43);
    /* a later T wins, an earlier one changes nothing */
    revmap_set(m, 42, now_ms - 1000, now_ms);
    assert_int_equal(revmap_get(m, 42), now_ms);
    revmap_set(m, 42, now_ms + 1, now_ms);
    assert_int_equal(jwtcache_verify(c, after, NOW, &id), AUTH_E_REVOKED);
    /* without a map: nothing is void */
    jwtcache_set_revmap(c, NULL);
    assert_int_equal(jwtcache_verify(c, before, NOW, &id), ERR_OK);
    free(before);
    free(after);
    free(legacy);
    free(other);
    revmap_destroy(m);
    jwtcache_destroy(c);
}

/* revmap keeps only what can still void a live token, and grows. */
static void test_revmap_prune_and_grow(void **state) {
    (void)state;
    revmap_t *m = revmap_create();
    const int64_t now = 1800000000000;
    const int64_t ttl = (int64_t)AUTH_ACCESS_TTL_S * 1000;
    revmap_set(m, 1, now - ttl, now);          /* voids nothing unexpired: not kept */
    assert_int_equal(revmap_count(m), 0);
    for (int64_t u = 1; u <= 1000; u++) revmap_set(m, u, now - ttl + 10 * u, now);
    assert_int_equal(revmap_count(m), 1000);
    for (int64_t u = 1; u <= 1000; u++) assert_int_equal(revmap_get(m, u), now - ttl + 10 * u);
    assert_int_equal(revmap_get(m, 5000), 0);
    assert_false(revmap_void(m, 5000, 0, 0));
    assert_true(revmap_void(m, 7, 0, now - ttl + 69));
    assert_false(revmap_void(m, 7, 0, now - ttl + 70));
    assert_false(revmap_void(NULL, 7, 0, 0));
    /* 5 s later, users 1..500 (T up to now - ttl + 5000) void nothing any more */
    for (int64_t u = 2001; u <= 3000; u++) revmap_set(m, u, now + 5000, now + 5000);
    assert_true(revmap_count(m) <= 1500 + 1);
    assert_int_equal(revmap_get(m, 1000), now - ttl + 10000);
    assert_int_equal(revmap_get(m, 2500), now + 5000);
    revmap_destroy(m);
}

/* One session ended: tokens of that session (sid) issued before its T are refused on a hit
 * and on a miss; the same user's other sessions, tokens without a sid, and the other
 * session's tokens issued after T stay good; a later T wins. */
static void test_session_revocation(void **state) {
    (void)state;
    const int64_t now_ms = NOW * 1000 + 500;
    jwtcache_t *c = jwtcache_create(SECRET, 64);
    revmap_t *m = revmap_create();
    jwtcache_set_revmap(c, m);
    char *b_before = auth_jwt_sign_session(SECRET, 42, "ann", now_ms - 1, AUTH_ACCESS_TTL_S, 5);
    char *b_after = auth_jwt_sign_session(SECRET, 42, "ann", now_ms, AUTH_ACCESS_TTL_S, 5);
    char *a_before = auth_jwt_sign_session(SECRET, 42, "ann", now_ms - 1, AUTH_ACCESS_TTL_S, 6);
    char *legacy = auth_jwt_sign(SECRET, 42, "ann", NOW - 1, AUTH_ACCESS_TTL_S);   /* no sid */
    int64_t id = 0;
    assert_int_equal(jwtcache_verify(c, b_before, NOW, &id), ERR_OK);   /* cached now */
    revmap_set_session(m, 5, now_ms, now_ms);
    assert_int_equal(revmap_get_session(m, 5), now_ms);
    assert_int_equal(revmap_get_session(m, 6), 0);
    assert_int_equal(revmap_get(m, 42), 0);                             /* the user has no T */
    assert_int_equal(revmap_count_sessions(m), 1);
    id = 0;
    assert_int_equal(jwtcache_verify(c, b_before, NOW, &id), AUTH_E_REVOKED);   /* a hit */
    assert_int_equal(id, 0);
    assert_int_equal(jwtcache_verify(c, b_after, NOW, &id), ERR_OK);            /* a miss, after T */
    assert_int_equal(jwtcache_verify(c, a_before, NOW, &id), ERR_OK);           /* session A */
    assert_int_equal(id, 42);
    assert_int_equal(jwtcache_verify(c, legacy, NOW, &id), ERR_OK);             /* sid 0 */
    revmap_set_session(m, 5, now_ms - 1000, now_ms);                            /* earlier: nothing */
    assert_int_equal(revmap_get_session(m, 5), now_ms);
    revmap_set_session(m, 5, now_ms + 1, now_ms);
    assert_int_equal(jwtcache_verify(c, b_after, NOW, &id), AUTH_E_REVOKED);
    revmap_set_session(m, 0, now_ms, now_ms);                                   /* no session: no-op */
    revmap_set_session(m, -3, now_ms, now_ms);
    assert_int_equal(revmap_count_sessions(m), 1);
    assert_int_equal(revmap_get_session(m, 0), 0);
    /* the user's T and the session's are both honoured */
    assert_true(revmap_void(m, 42, 5, now_ms));
    assert_false(revmap_void(m, 42, 6, now_ms));
    revmap_set(m, 42, now_ms + 10, now_ms);
    assert_true(revmap_void(m, 42, 6, now_ms));
    assert_int_equal(revmap_count(m), 1);
    free(b_before);
    free(b_after);
    free(a_before);
    free(legacy);
    revmap_destroy(m);
    jwtcache_destroy(c);
}

/* Sessions ended are pruned like users' entries: only while they can void a live token. */
static void test_revmap_sessions_prune(void **state) {
    (void)state;
    revmap_t *m = revmap_create();
    const int64_t now = 1800000000000;
    const int64_t ttl = (int64_t)AUTH_ACCESS_TTL_S * 1000;
    revmap_set_session(m, 1, now - ttl, now);
    assert_int_equal(revmap_count_sessions(m), 0);
    for (int64_t s = 1; s <= 1000; s++) revmap_set_session(m, s, now - ttl + 10 * s, now);
    assert_int_equal(revmap_count_sessions(m), 1000);
    assert_int_equal(revmap_count(m), 0);
    for (int64_t s = 1; s <= 1000; s++) assert_int_equal(revmap_get_session(m, s), now - ttl + 10 * s);
    for (int64_t s = 2001; s <= 3000; s++) revmap_set_session(m, s, now + 5000, now + 5000);
    assert_true(revmap_count_sessions(m) <= 1500 + 1);
    assert_int_equal(revmap_get_session(m, 1000), now - ttl + 10000);
    assert_int_equal(revmap_get_session(m, 2500), now + 5000);
    assert_int_equal(revmap_get(m, 2500), 0);   /* the tables are separate */
    revmap_destroy(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_after_first_check),
        cmocka_unit_test(test_expiry_on_hit),
        cmocka_unit_test(test_near_misses_are_checked_in_full),
        cmocka_unit_test(test_refused_tokens_are_not_kept),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_revmap_prune_and_grow),
        cmocka_unit_test(test_session_revocation),
        cmocka_unit_test(test_revmap_sessions_prune),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
