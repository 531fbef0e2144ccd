/* Shared by the live/ handler tests (test_chat.c, test_wsauth.c, test_presence.c): the
 * access-token key, tokens, auth frames, and reading what a ws_double connection was sent.
 * Include after cmocka.h. */
#ifndef PONGD_TEST_LIVE_FIXTURE_H
#define PONGD_TEST_LIVE_FIXTURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "util.h"
#include "ws_double.h"
#include "wsauth.h"

/* The access-token key (any 32 bytes), after auth_init(). */
static inline const uint8_t *live_secret(void) {
    static uint8_t key[AUTH_SECRET_BYTES];
    static bool ready;
    if (!ready) {
        assert_true(auth_init());
        for (int i = 0; i < AUTH_SECRET_BYTES; i++) key[i] = (uint8_t)(i * 37 + 11);
        ready = true;
    }
    return key;
}

/* A token signed with key for user id, issued age_s seconds ago and valid for ttl_s.
 * malloc'd. */
static inline char *live_token_with(const uint8_t *key, int64_t id, const char *name, int64_t age_s, int64_t ttl_s) {
    char *t = auth_jwt_sign(key, id, name, (int64_t)(now_wall_ms() / 1000) - age_s, ttl_s);
    assert_non_null(t);
    return t;
}

/* A fresh, valid token of live_secret(). */
static inline char *live_token(int64_t id, const char *name) { return live_token_with(live_secret(), id, name, 0, AUTH_ACCESS_TTL_S); }

/* {"type":"auth","token":"<token>"} (in a static buffer, until the next call). */
static inline span_t live_auth_frame(const char *token) {
    static char frame[AUTH_JWT_MAX_BYTES + 64];
    int n = snprintf(frame, sizeof frame, "{\"type\":\"auth\",\"token\":\"%s\"}", token);
    assert_true(n > 0 && (size_t)n < sizeof frame);
    return span_of(frame, (size_t)n);
}

/* Frame i that c was sent, parsed (fails the test unless it is a JSON object). */
static inline json_t *live_sent_json(const ws_conn_t *c, int i) {
    const char *s = wsd_sent(c, i);
    if (!s) fail_msg("no frame %d (%d sent)", i, wsd_sent_count(c));
    json_error_t e;
    json_t *o = json_loads(s, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(o)) fail_msg("frame %d is not a JSON object: %s", i, s);
    return o;
}

/* The string field `key` of frame i, compared with want. */
static inline void live_expect_field(const ws_conn_t *c, int i, const char *key, const char *want) {
    json_t *o = live_sent_json(c, i);
    const char *got = json_string_value(json_object_get(o, key));
    if (!got || strcmp(got, want) != 0) fail_msg("frame %d: %s is '%s', wanted '%s': %s", i, key, got ? got : "(none)", want, wsd_sent(c, i));
    json_decref(o);
}

/* Frame i is {"<kind>": ..., "user":{"id":id,"display_name":name}} with "type" = kind. */
static inline void live_expect_user_frame(const ws_conn_t *c, int i, const char *type, int64_t id, const char *name) {
    live_expect_field(c, i, "type", type);
    json_t *o = live_sent_json(c, i), *u = json_object_get(o, "user");
    assert_true(json_is_object(u));
    assert_int_equal(json_integer_value(json_object_get(u, "id")), id);
    assert_string_equal(json_string_value(json_object_get(u, "display_name")), name);
    json_decref(o);
}

/* c was closed with the auth close code and reason, and sent nothing. */
static inline void live_expect_refused(const ws_conn_t *c, const char *reason) {
    assert_int_equal(wsd_close_code(c), WSAUTH_CLOSE_CODE);
    assert_string_equal(wsd_close_reason(c), reason);
    assert_int_equal(wsd_sent_count(c), 0);
}

/* Frames a first frame must not pass with: not auth, not JSON, no token, a bad token. */
static const char *const LIVE_BAD_FIRST_FRAMES[] = {
    "{\"message\":\"hi\"}",
    "not json",
    "",
    "[\"auth\"]",
    "{\"type\":\"auth\"}",
    "{\"type\":\"auth\",\"token\":42}",
    "{\"type\":\"auth\",\"token\":\"\"}",
    "{\"type\":\"auth\",\"token\":\"not.a.jwt\"}",
    "{\"type\":\"Auth\",\"token\":\"x\"}",
};
#define LIVE_N_BAD_FIRST_FRAMES (sizeof LIVE_BAD_FIRST_FRAMES / sizeof LIVE_BAD_FIRST_FRAMES[0])

#endif
