/* wsauth: the deadline for the first frame, and the check of the auth frame (with the
 * ws.h test double). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "live_fixture.h"
#include "sessguard.h"
#include "wsauth.h"

/* wsauth_frame on an exact-size heap copy of data (ASan sees a read past its length) with
 * a new armed connection; the connection is returned in *out. */
static bool frame_on_new(const uint8_t *key, span_t data, const char *refusal, wsauth_user_t *user, ws_conn_t **out) {
    ws_conn_t *c = wsd_new("/ws/");
    wsauth_arm(c);
    char *copy = malloc(data.len ? data.len : 1);
    if (data.len) memcpy(copy, data.ptr, data.len);
    memset(user, 0x5a, sizeof *user);
    bool ok = wsauth_frame(key, c, span_of(copy, data.len), refusal, user);
    free(copy);
    *out = c;
    return ok;
}

static void test_arm(void **state) {
    (void)state;
    ws_conn_t *c = wsd_new("/ws/");
    assert_int_equal(wsd_deadline_s(c), 0);
    wsauth_arm(c);
    assert_int_equal(wsd_deadline_s(c), WSAUTH_TIMEOUT_S);
    assert_int_equal(WSAUTH_TIMEOUT_S, 5);
    assert_int_equal(wsd_deadline_code(c), 4001);
    assert_int_equal(wsd_close_code(c), 0);
    assert_int_equal(wsd_sent_count(c), 0);
    wsd_free(c);
}

static void test_valid(void **state) {
    (void)state;
    const char *name = "Zo\xc3\xab \"<b>\"";
    char *tok = live_token(42, name);
    wsauth_user_t u;
    ws_conn_t *c;
    assert_true(frame_on_new(live_secret(), live_auth_frame(tok), "nope", &u, &c));
    assert_int_equal(u.id, 42);
    assert_string_equal(u.display_name, name);
    assert_int_equal(wsd_deadline_s(c), 0);                /* disarmed */
    assert_int_equal(wsd_deadline_code(c), 0);
    assert_int_equal(wsd_close_code(c), 0);
    assert_int_equal(wsd_sent_count(c), 0);                /* the caller answers */
    wsd_free(c);
    free(tok);
}

static void test_longest_display_name(void **state) {
    (void)state;
    /* 32 code points of 4 bytes: the largest name fits the user's buffer */
    char name[4 * AUTH_DISPLAY_MAX + 1];
    for (int i = 0; i < AUTH_DISPLAY_MAX; i++) memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 4);
    name[4 * AUTH_DISPLAY_MAX] = 0;
    char *tok = live_token(7, name);
    wsauth_user_t u;
    ws_conn_t *c;
    assert_true(frame_on_new(live_secret(), live_auth_frame(tok), "nope", &u, &c));
    assert_string_equal(u.display_name, name);
    wsd_free(c);
    free(tok);
}

static void expect_refused_with(const uint8_t *key, span_t data, const char *reason) {
    wsauth_user_t u;
    ws_conn_t *c;
    if (frame_on_new(key, data, "custom refusal", &u, &c)) fail_msg("'%.*s' accepted", (int)data.len, data.ptr);
    live_expect_refused(c, reason);
    wsd_free(c);
}

static void test_not_an_auth_frame(void **state) {
    (void)state;
    for (size_t i = 0; i < LIVE_N_BAD_FIRST_FRAMES; i++)
        expect_refused_with(live_secret(), span_cstr(LIVE_BAD_FIRST_FRAMES[i]), "custom refusal");
    char *tok = live_token(1, "a");
    char frame[AUTH_JWT_MAX_BYTES + 64];
    snprintf(frame, sizeof frame, "{\"type\":\"login\",\"token\":\"%s\"}", tok);
    expect_refused_with(live_secret(), span_cstr(frame), "custom refusal");
    snprintf(frame, sizeof frame, "{\"type\":\"Auth\",\"token\":\"%s\"}", tok);
    expect_refused_with(live_secret(), span_cstr(frame), "custom refusal");    /* the type is exact */
    snprintf(frame, sizeof frame, "{\"type\":\"auth\",\"token\":\"%s\",\"type\":\"auth\"}", tok);
    expect_refused_with(live_secret(), span_cstr(frame), "custom refusal");    /* duplicate key */
    /* only len bytes count: the frame cut before its end is not JSON */
    span_t whole = live_auth_frame(tok);
    expect_refused_with(live_secret(), span_of(whole.ptr, whole.len - 1), "custom refusal");
    free(tok);
}

static void test_bad_token(void **state) {
    (void)state;
    uint8_t other[AUTH_SECRET_BYTES];
    memset(other, 1, sizeof other);
    char *forged = live_token_with(other, 1, "a", 0, 60);
    expect_refused_with(live_secret(), live_auth_frame(forged), "custom refusal");
    char *tok = live_token(1, "a");
    expect_refused_with(NULL, live_auth_frame(tok), "custom refusal");       /* no key: refuse all */
    tok[strlen(tok) - 2] ^= 1;                                              /* signature altered */
    expect_refused_with(live_secret(), live_auth_frame(tok), "custom refusal");
    free(tok);
    free(forged);
}

static void test_expired(void **state) {
    (void)state;
    char *old = live_token_with(live_secret(), 1, "a", 3600, 60);
    expect_refused_with(live_secret(), live_auth_frame(old), "token expired");
    free(old);
}

/* sessguard: a token the map voids is refused at the first frame; an end closes the user's
 * sockets issued before T with 4001 "session ended", but the kept session's, and no one
 * else's; a forgotten socket is not touched. */
static ws_conn_t *guarded(sessguard_t *g, sessguard_node_t *n, int64_t uid, int64_t iat_ms, int64_t sid, bool *ok) {
    ws_conn_t *c = wsd_new("/ws/");
    wsauth_user_t u = { .id = uid, .iat_ms = iat_ms, .sid = sid };
    memset(n, 0, sizeof *n);
    *ok = sessguard_watch(g, n, c, &u);
    return c;
}

static void test_sessguard(void **state) {
    (void)state;
    const int64_t now = 1800000000000;
    revmap_t *m = revmap_create();
    sessguard_t *g = sessguard_create(m);
    sessguard_node_t n[5];
    bool ok;
    ws_conn_t *a1 = guarded(g, &n[0], 7, now - 100, 1, &ok);   /* session 1: the caller's */
    assert_true(ok);
    ws_conn_t *a2 = guarded(g, &n[1], 7, now - 100, 2, &ok);   /* session 2: another login */
    assert_true(ok);
    ws_conn_t *a3 = guarded(g, &n[2], 7, now + 5, 2, &ok);     /* issued after T */
    assert_true(ok);
    ws_conn_t *b = guarded(g, &n[3], 8, now - 100, 3, &ok);    /* another user */
    assert_true(ok);
    ws_conn_t *gone = guarded(g, &n[4], 7, now - 100, 2, &ok);
    sessguard_forget(&n[4]);
    assert_int_equal(sessguard_count(g), 2);
    assert_int_equal(sessguard_end(g, 7, now, 1, now), 1);
    assert_int_equal(wsd_close_code(a2), SESSGUARD_CLOSE_CODE);
    assert_string_equal(wsd_close_reason(a2), "session ended");
    assert_int_equal(wsd_close_code(a1), 0);
    assert_int_equal(wsd_close_code(a3), 0);
    assert_int_equal(wsd_close_code(b), 0);
    assert_int_equal(wsd_close_code(gone), 0);
    assert_int_equal(revmap_get(m, 7), now);
    /* a new socket with a token from before T is refused */
    sessguard_node_t late;
    ws_conn_t *l = guarded(g, &late, 7, now - 1, 2, &ok);
    assert_false(ok);
    assert_int_equal(wsd_close_code(l), 4001);
    /* an end keeping nothing closes the rest of the user's that predate it */
    assert_int_equal(sessguard_end(g, 7, now + 10, 0, now), 2);
    assert_int_equal(wsd_close_code(a1), 4001);
    assert_int_equal(wsd_close_code(a3), 4001);
    assert_int_equal(wsd_close_code(b), 0);
    /* the close handlers: forget (a no-op for those an end already dropped) */
    for (int i = 0; i < 4; i++) sessguard_forget(&n[i]);
    sessguard_forget(&late);
    assert_int_equal(sessguard_count(g), 0);
    /* NULL guard: everything passes */
    ws_conn_t *x = guarded(NULL, &late, 7, 0, 0, &ok);
    assert_true(ok);
    ws_conn_t *all[] = { a1, a2, a3, b, gone, l, x };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) wsd_free(all[i]);
    sessguard_destroy(g);
    revmap_destroy(m);
}

/* sessguard_end_session: only that session's sockets issued before T close; the same
 * user's other session and a socket of the session opened after T stay; a new socket with
 * the session's old token is refused; the user's own T is untouched. */
static void test_sessguard_one_session(void **state) {
    (void)state;
    const int64_t now = 1800000000000;
    revmap_t *m = revmap_create();
    sessguard_t *g = sessguard_create(m);
    sessguard_node_t n[4];
    bool ok;
    ws_conn_t *a = guarded(g, &n[0], 7, now - 100, 1, &ok);    /* session A */
    ws_conn_t *b1 = guarded(g, &n[1], 7, now - 100, 2, &ok);   /* session B: app socket */
    ws_conn_t *b2 = guarded(g, &n[2], 7, now - 50, 2, &ok);    /* session B: a chat room */
    ws_conn_t *b3 = guarded(g, &n[3], 7, now + 1, 2, &ok);     /* issued after T */
    assert_int_equal(sessguard_end_session(g, 7, 2, now, now), 2);
    assert_int_equal(wsd_close_code(b1), SESSGUARD_CLOSE_CODE);
    assert_int_equal(wsd_close_code(b2), SESSGUARD_CLOSE_CODE);
    assert_string_equal(wsd_close_reason(b2), "session ended");
    assert_int_equal(wsd_close_code(b3), 0);
    assert_int_equal(wsd_close_code(a), 0);
    assert_int_equal(revmap_get_session(m, 2), now);
    assert_int_equal(revmap_get(m, 7), 0);
    sessguard_node_t late, fine;
    ws_conn_t *l = guarded(g, &late, 7, now - 1, 2, &ok);
    assert_false(ok);
    assert_int_equal(wsd_close_code(l), 4001);
    ws_conn_t *f = guarded(g, &fine, 7, now - 1, 1, &ok);        /* session A's token from before: fine */
    assert_true(ok);
    assert_int_equal(sessguard_end_session(g, 7, 0, now, now), 0);   /* no session: nothing */
    assert_int_equal(wsd_close_code(a), 0);
    for (int i = 0; i < 4; i++) sessguard_forget(&n[i]);
    sessguard_forget(&late);
    sessguard_forget(&fine);
    assert_int_equal(sessguard_count(g), 0);
    ws_conn_t *all[] = { a, b1, b2, b3, l, f };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) wsd_free(all[i]);
    sessguard_destroy(g);
    revmap_destroy(m);
}

/* WS_PER_ACCOUNT: past the cap a socket is refused with 4008; other users are not counted;
 * one closing makes room again. */
static void test_sessguard_max_per_user(void **state) {
    (void)state;
    revmap_t *m = revmap_create();
    sessguard_t *g = sessguard_create(m);
    sessguard_set_max_per_user(g, 3);
    sessguard_node_t n[5];
    ws_conn_t *c[5];
    bool ok;
    for (int i = 0; i < 3; i++) {
        c[i] = guarded(g, &n[i], 7, 1, 1, &ok);
        assert_true(ok);
    }
    c[3] = guarded(g, &n[3], 7, 1, 1, &ok);
    assert_false(ok);
    assert_int_equal(wsd_close_code(c[3]), 4008);
    assert_string_equal(wsd_close_reason(c[3]), "too many connections");
    assert_int_equal(sessguard_refused(g), 1);
    c[4] = guarded(g, &n[4], 8, 1, 1, &ok);   /* another user */
    assert_true(ok);
    sessguard_forget(&n[0]);
    ws_conn_t *again = guarded(g, &n[0], 7, 1, 1, &ok);
    assert_true(ok);
    for (int i = 0; i < 5; i++) sessguard_forget(&n[i]);
    assert_int_equal(sessguard_count(g), 0);
    for (int i = 0; i < 5; i++) wsd_free(c[i]);
    wsd_free(again);
    sessguard_destroy(g);
    revmap_destroy(m);
}

/* The auth frame carries the token's iat_ms and sid to the caller. */
static void test_claims(void **state) {
    (void)state;
    char *tok = auth_jwt_sign_session(live_secret(), 9, "x", (int64_t)now_wall_ms() - 5, AUTH_ACCESS_TTL_S, 77);
    wsauth_user_t u;
    ws_conn_t *c;
    assert_true(frame_on_new(live_secret(), live_auth_frame(tok), "nope", &u, &c));
    assert_int_equal(u.id, 9);
    assert_int_equal(u.sid, 77);
    assert_true(u.iat_ms > 0 && u.iat_ms <= (int64_t)now_wall_ms());
    wsd_free(c);
    free(tok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arm),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_sessguard),
        cmocka_unit_test(test_sessguard_one_session),
        cmocka_unit_test(test_sessguard_max_per_user),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_longest_display_name),
        cmocka_unit_test(test_not_an_auth_frame),
        cmocka_unit_test(test_bad_token),
        cmocka_unit_test(test_expired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
