/* matchproto: every refusal of a client frame with its close code, the input rules (seat,
 * ahead), and the exact bytes of each encoding and text event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "matchproto.h"
#include "pongd_limits.h"
#include "util.h"

/* Parses exactly len bytes from a heap copy (ASan sees any read past len). */
static int parse_n(const uint8_t *data, size_t len, matchproto_frame_t *f) {
    uint8_t *copy = calloc(1, len ? len : 1);
    if (len) memcpy(copy, data, len);
    int e = matchproto_parse(copy, len, f);
    free(copy);
    return e;
}

static void expect_refused(const uint8_t *data, size_t len, int code) {
    matchproto_frame_t f;
    memset(&f, 0xAB, sizeof f);
    int e = parse_n(data, len, &f);
    if (e != code) fail_msg("%zu bytes starting %02x: %d, wanted %d", len, len ? data[0] : 0, e, code);
    for (size_t i = 0; i < sizeof f; i++) assert_int_equal(((uint8_t *)&f)[i], 0xAB);   /* untouched */
}
#define REFUSED(code, ...) do { const uint8_t b_[] = { __VA_ARGS__ }; expect_refused(b_, sizeof b_, code); } while (0)

static void test_parse_input(void **state) {
    (void)state;
    const uint8_t in[] = { 0x01, 1, 2, 0, 0x78, 0x56, 0x34, 0x12 };
    matchproto_frame_t f;
    assert_int_equal(parse_n(in, sizeof in, &f), 0);
    assert_int_equal(f.type, MATCHPROTO_INPUT);
    assert_int_equal(f.seat, 1);
    assert_int_equal(f.key, GAME_KEY_DOWN);
    assert_int_equal(f.tick, 0x12345678);
    for (uint8_t seat = 0; seat < 2; seat++)
        for (uint8_t key = 0; key < 3; key++) {
            const uint8_t b[] = { 0x01, seat, key, 0, 0xff, 0xff, 0xff, 0xff };
            assert_int_equal(parse_n(b, sizeof b, &f), 0);
            assert_int_equal(f.seat, seat);
            assert_int_equal(f.key, key);
            assert_int_equal(f.tick, UINT32_MAX);
        }
}

static void test_parse_ping(void **state) {
    (void)state;
    const uint8_t in[] = { 0x02, 0, 0x2c, 0x01, 0x04, 0x03, 0x02, 0x01 };
    matchproto_frame_t f;
    assert_int_equal(parse_n(in, sizeof in, &f), 0);
    assert_int_equal(f.type, MATCHPROTO_PING);
    assert_int_equal(f.rtt_ms, 300);
    assert_int_equal(f.id, 0x01020304);
}

static void test_refusals(void **state) {
    (void)state;
    /* 4400: empty, unknown types, wrong sizes, fields out of range, reserved bytes */
    expect_refused(NULL, 0, MATCHPROTO_CLOSE_MALFORMED);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x00, 0, 0, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x03, 0, 0, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x10, 0, 0, 0, 0, 0, 0, 0);  /* a server type */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x11, 0, 0, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0xff, 0, 0, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 0, 1, 0, 0, 0, 0);          /* 7 bytes */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 0, 1, 0, 0, 0, 0, 0, 0);    /* 9 bytes */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 0, 3, 0, 0, 0, 0, 0);       /* key 3 */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 0, 0xff, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 2, 1, 0, 0, 0, 0, 0);       /* seat 2 */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 0xff, 1, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x01, 0, 1, 1, 0, 0, 0, 0);       /* reserved byte */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x02, 0, 0, 0, 0, 0, 0);          /* PING 7 bytes */
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x02, 0, 0, 0, 0, 0, 0, 0, 0);
    REFUSED(MATCHPROTO_CLOSE_MALFORMED, 0x02, 1, 0, 0, 0, 0, 0, 0);       /* reserved byte */
    /* 4413: over 64 bytes, whatever they hold; 64 itself is only malformed */
    uint8_t big[LIM_GAME_FRAME_BYTES + 1];
    memset(big, 0, sizeof big);
    big[0] = MATCHPROTO_INPUT;
    expect_refused(big, LIM_GAME_FRAME_BYTES, MATCHPROTO_CLOSE_MALFORMED);
    expect_refused(big, LIM_GAME_FRAME_BYTES + 1, MATCHPROTO_CLOSE_TOO_LARGE);
    uint8_t *huge = calloc(1, 70000);
    expect_refused(huge, 70000, MATCHPROTO_CLOSE_TOO_LARGE);
    free(huge);
}

static void test_check_input(void **state) {
    (void)state;
    matchproto_frame_t f = { .type = MATCHPROTO_INPUT, .seat = 0, .key = 1, .tick = 100 };
    assert_int_equal(matchproto_check_input(&f, 0, 100), 0);
    assert_int_equal(matchproto_check_input(&f, 1, 100), MATCHPROTO_CLOSE_SEAT);
    assert_int_equal(matchproto_check_input(&f, 0, 70), 0);                          /* 30 ahead */
    assert_int_equal(matchproto_check_input(&f, 0, 69), MATCHPROTO_CLOSE_AHEAD);     /* 31 ahead */
    assert_int_equal(matchproto_check_input(&f, 0, 5000), 0);                        /* late: applied late */
    f.tick = UINT32_MAX;
    assert_int_equal(matchproto_check_input(&f, 0, UINT32_MAX - 30), 0);             /* no wrap */
    assert_int_equal(matchproto_check_input(&f, 0, 0), MATCHPROTO_CLOSE_AHEAD);
    f.seat = 1;
    assert_int_equal(matchproto_check_input(&f, 0, 0), MATCHPROTO_CLOSE_SEAT);       /* seat first */
}

static void test_close_reasons(void **state) {
    (void)state;
    const int codes[] = { 4001, 4003, 4004, 4400, 4409, 4410, 4411, 4413, 4429 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *r = matchproto_close_reason(codes[i]);
        assert_true(strlen(r) > 0 && strlen(r) < 123);   /* fits a close frame */
        assert_string_not_equal(r, "closed");
    }
    assert_string_equal(matchproto_close_reason(1000), "closed");
}

static void test_encode_snapshot(void **state) {
    (void)state;
    matchproto_snap_t h = { .state = MATCHPROTO_PAUSED, .key = { 1, 2 }, .tick = 0x01020304, .ack = { 0x0a0b0c0d, 0xfffffffe },
                            .late = -2, .left = 1799 };
    int32_t save[GAME_SAVE_LEN];
    for (int i = 0; i < GAME_SAVE_LEN; i++) save[i] = i * 0x01010101 - 7;
    uint8_t out[MATCHPROTO_SNAPSHOT_BYTES];
    matchproto_encode_snapshot(out, &h, save);
    const uint8_t head[MATCHPROTO_SNAPSHOT_HEAD] = { 0x10, 3, 1, 2, 0x04, 0x03, 0x02, 0x01, 0x0d, 0x0c, 0x0b, 0x0a,
                                                     0xfe, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x07, 0x07 };
    assert_memory_equal(out, head, sizeof head);
    assert_int_equal(MATCHPROTO_SNAPSHOT_BYTES, 244);
    const uint8_t s0[4] = { 0xf9, 0xff, 0xff, 0xff }, s1[4] = { 0xfa, 0x00, 0x01, 0x01 };
    assert_memory_equal(out + 20, s0, 4);
    assert_memory_equal(out + 24, s1, 4);
    matchproto_snap_t g;
    int32_t back[GAME_SAVE_LEN];
    assert_true(matchproto_decode_snapshot(out, sizeof out, &g, back));
    assert_memory_equal(back, save, sizeof save);
    assert_int_equal(g.state, 3);
    assert_int_equal(g.key[0], 1);
    assert_int_equal(g.key[1], 2);
    assert_int_equal(g.tick, h.tick);
    assert_int_equal(g.ack[0], h.ack[0]);
    assert_int_equal(g.ack[1], h.ack[1]);
    assert_int_equal(g.late, -2);
    assert_int_equal(g.left, 1799);
    matchproto_snapshot_set_late(out, 300);
    assert_int_equal(out[16], 0x2c);
    assert_int_equal(out[17], 0x01);
    assert_true(matchproto_decode_snapshot(out, sizeof out, &g, back));
    assert_int_equal(g.late, 300);
    assert_false(matchproto_decode_snapshot(out, sizeof out - 1, &g, back));
    out[0] = 0x11;
    assert_false(matchproto_decode_snapshot(out, sizeof out, &g, back));
    /* a real game's state restores bit for bit */
    game_t a, b;
    game_options_t opt = game_options_classic(99);
    assert_int_equal(game_init(&a, &opt), GAME_OPT_OK);
    for (int i = 0; i < 500; i++) game_step(&a, i % 3, (i / 7) % 3);
    game_save(&a, save);
    matchproto_encode_snapshot(out, &h, save);
    assert_true(matchproto_decode_snapshot(out, sizeof out, &g, back));
    assert_int_equal(game_load(&b, back), GAME_OPT_OK);
    assert_int_equal(game_hash(&b), game_hash(&a));
}

static void test_encode_small_frames(void **state) {
    (void)state;
    uint8_t b[MATCHPROTO_PONG_BYTES];
    matchproto_encode_input(b, MATCHPROTO_RELAY, 1, 2, 0xa1b2c3d4);
    const uint8_t relay[] = { 0x11, 1, 2, 0, 0xd4, 0xc3, 0xb2, 0xa1 };
    assert_memory_equal(b, relay, sizeof relay);
    matchproto_encode_pong(b, 65535, 7, 0x100);
    const uint8_t pong[] = { 0x12, 0, 0xff, 0xff, 7, 0, 0, 0, 0, 1, 0, 0 };
    assert_memory_equal(b, pong, sizeof pong);
    matchproto_encode_ping(b, 42, 0x01000000);
    const uint8_t ping[] = { 0x02, 0, 42, 0, 0, 0, 0, 1 };
    assert_memory_equal(b, ping, sizeof ping);
    /* parse then re-encode: the same bytes */
    const uint8_t in[] = { 0x01, 0, 1, 0, 9, 8, 7, 6 };
    matchproto_frame_t f;
    assert_int_equal(parse_n(in, sizeof in, &f), 0);
    assert_int_equal(matchproto_encode_frame(b, &f), 8);
    assert_memory_equal(b, in, sizeof in);
    assert_int_equal(parse_n(ping, sizeof ping, &f), 0);
    assert_int_equal(matchproto_encode_frame(b, &f), 8);
    assert_memory_equal(b, ping, sizeof ping);
}

static void expect_json(buf_t *b, const char *want) {
    if (strlen(want) != b->len || memcmp(b->ptr, want, b->len) != 0) fail_msg("got %.*s\nwanted %s", (int)b->len, b->ptr, want);
}

static void test_text_events(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 4096);
    game_options_t opt = { .ball_speed = 2, .paddle_size = 0, .winning_score = 11, .map = 3, .powerups = 1, .seed = 4000000000u };
    matchproto_player_t p[2] = { { 7, "Ann \"A\"" }, { 12, "Bo\xc3\xa9" } };
    assert_int_equal(matchproto_joined_json(&b, 42, 1, &opt, p, 0), 0);
    expect_json(&b, "{\"type\":\"joined\",\"game_id\":42,\"seat\":1,\"tick_rate\":60,\"snapshot_every\":3,"
                    "\"options\":{\"ball_speed\":2,\"paddle_size\":0,\"winning_score\":11,\"map\":3,\"powerups\":1,\"seed\":4000000000},"
                    "\"players\":[{\"id\":7,\"display_name\":\"Ann \\\"A\\\"\"},{\"id\":12,\"display_name\":\"Bo\xc3\xa9\"}],\"spectators\":0}");
    /* a spectator: watching, no seat, its own snapshot rate */
    assert_int_equal(matchproto_joined_json(&b, 42, -1, &opt, p, 3), 0);
    expect_json(&b, "{\"type\":\"watching\",\"game_id\":42,\"tick_rate\":60,\"snapshot_every\":6,"
                    "\"options\":{\"ball_speed\":2,\"paddle_size\":0,\"winning_score\":11,\"map\":3,\"powerups\":1,\"seed\":4000000000},"
                    "\"players\":[{\"id\":7,\"display_name\":\"Ann \\\"A\\\"\"},{\"id\":12,\"display_name\":\"Bo\xc3\xa9\"}],\"spectators\":3}");
    assert_int_equal(matchproto_spectators_json(&b, 2), 0);
    expect_json(&b, "{\"type\":\"spectators\",\"count\":2}");
    assert_int_equal(matchproto_paused_json(&b, 0, "disconnected", 1700000000123), 0);
    expect_json(&b, "{\"type\":\"paused\",\"seat\":0,\"reason\":\"disconnected\",\"resume_by\":1700000000123}");
    assert_int_equal(matchproto_resumed_json(&b, 180), 0);
    expect_json(&b, "{\"type\":\"resumed\",\"countdown_ticks\":180}");
    const int32_t score[2] = { 3, 5 };
    assert_int_equal(matchproto_over_json(&b, "score", 1, score), 0);
    expect_json(&b, "{\"type\":\"over\",\"reason\":\"score\",\"winner\":1,\"score\":[3,5]}");
    assert_int_equal(matchproto_over_json(&b, "void", -1, score), 0);
    expect_json(&b, "{\"type\":\"over\",\"reason\":\"void\",\"winner\":null,\"score\":[3,5]}");
    /* a name that is not UTF-8, a buffer too small */
    p[0].display_name = "\xff";
    assert_int_equal(matchproto_joined_json(&b, 42, 1, &opt, p, 0), ERR_INVALID);
    buf_t small;
    buf_init(&small, 10);
    assert_int_equal(matchproto_resumed_json(&small, 180), ERR_LIMIT);
    buf_free(&small);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_input),
        cmocka_unit_test(test_parse_ping),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_check_input),
        cmocka_unit_test(test_close_reasons),
        cmocka_unit_test(test_encode_snapshot),
        cmocka_unit_test(test_encode_small_frames),
        cmocka_unit_test(test_text_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
