/* chat: parsing client frames, rendering broadcasts, error frames; the connection handlers
 * (first-frame auth, rooms, broadcast, rate limit, close) with the ws.h test double. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "live_fixture.h"
#include "pongd_limits.h"
#include "util.h"

/* Parses exactly len bytes from a heap copy (ASan sees any read past len). */
static int parse_n(const char *data, size_t len, buf_t *text) {
    char *copy = malloc(len ? len : 1);
    if (len) memcpy(copy, data, len);
    int e = chat_parse(copy, len, text);
    free(copy);
    return e;
}

static int parse(const char *s, buf_t *text) { return parse_n(s, strlen(s), text); }

static void expect_err(const char *s, size_t len, int want) {
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    int e = parse_n(s, len, &t);
    if (e != want) fail_msg("'%.*s': got %d, wanted %d", (int)(len > 80 ? 80 : len), s, e, want);
    assert_int_equal(t.len, 0);
    buf_free(&t);
}
#define EXPECT_ERR(lit, want) expect_err(lit, sizeof(lit) - 1, want)

static void expect_text(const char *json, const char *want, size_t want_len) {
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    assert_int_equal(buf_append(&t, "stale", 5), 0); /* cleared first */
    int e = parse(json, &t);
    if (e != ERR_OK) fail_msg("'%s': got %d", json, e);
    assert_int_equal(t.len, want_len);
    assert_memory_equal(t.ptr, want, want_len);
    buf_free(&t);
}

#define EXPECT_TEXT(json, want) expect_text(json, want, sizeof(want) - 1)

static void test_parse_valid(void **state) {
    (void)state;
    EXPECT_TEXT("{\"message\":\"hello\"}", "hello");
    EXPECT_TEXT(" { \"message\" : \"hi there\" } \n", "hi there");
    expect_text("{\"message\":\"  padded  \"}", "  padded  ", 10);     /* kept as sent */
    EXPECT_TEXT("{\"message\":\"caf\\u00e9 \xc3\xa9\"}", "caf\xc3\xa9 \xc3\xa9");
    EXPECT_TEXT("{\"message\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80");
    EXPECT_TEXT("{\"message\":\"line\\nbreak\\ttab\"}", "line\nbreak\ttab");
}

static void test_parse_preserves_bytes(void **state) {
    (void)state;
    EXPECT_TEXT("{\"message\":\"say \\\"hi\\\" \\\\ back\\\\slash /\\/\"}", "say \"hi\" \\ back\\slash //");
    const char *xss = "<img src=x onerror=alert(1)>";
    expect_text("{\"message\":\"<img src=x onerror=alert(1)>\"}", xss, strlen(xss));
    expect_text("{\"message\":\"</script><script>alert('x')</script>\"}",
                "</script><script>alert('x')</script>", 36);
    EXPECT_TEXT("{\"message\":\"&amp; &lt; %s %n\"}", "&amp; &lt; %s %n");
}

static void test_parse_not_json(void **state) {
    (void)state;
    EXPECT_ERR("", CHAT_E_JSON);
    EXPECT_ERR("hello", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":\"x\"", CHAT_E_JSON);
    EXPECT_ERR("{'message':'x'}", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":\"x\"} trailing", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":\"x\"}{}", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":\"a\nb\"}", CHAT_E_JSON);     /* raw control byte in a string */
    EXPECT_ERR("{\"message\":\"\\x41\"}", CHAT_E_JSON);    /* not a JSON escape */
}

static void test_parse_invalid_utf8(void **state) {
    (void)state;
    EXPECT_ERR("{\"message\":\"\xff\"}", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":\"\xc0\xaf\"}", CHAT_E_JSON);          /* overlong '/' */
    EXPECT_ERR("{\"message\":\"\xc3\"}", CHAT_E_JSON);              /* truncated */
    EXPECT_ERR("{\"message\":\"\xed\xa0\x80\"}", CHAT_E_JSON);      /* UTF-8 encoded surrogate */
    EXPECT_ERR("{\"message\":\"\xf4\x90\x80\x80\"}", CHAT_E_JSON);  /* above U+10FFFF */
    EXPECT_ERR("{\"message\":\"\\ud800\"}", CHAT_E_JSON);           /* lone surrogate escape */
    EXPECT_ERR("{\"message\":\"ok\", \"\xff\":1}", CHAT_E_JSON);    /* in a key */
}

static void test_parse_wrong_shape(void **state) {
    (void)state;
    EXPECT_ERR("[1]", CHAT_E_INVALID);
    EXPECT_ERR("[\"message\",\"x\"]", CHAT_E_INVALID);
    EXPECT_ERR("{}", CHAT_E_INVALID);
    EXPECT_ERR("{\"msg\":\"x\"}", CHAT_E_INVALID);
    EXPECT_ERR("{\"Message\":\"x\"}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":5}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":null}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":true}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":[\"x\"]}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":{\"text\":\"x\"}}", CHAT_E_INVALID);
}

static void test_parse_scalar_json_is_invalid_message(void **state) {
    (void)state;
    /* RFC 8259 JSON texts that are not objects: per chat.h these are CHAT_E_INVALID
     * ("JSON, but not {...}"), like "[1]" above, not CHAT_E_JSON ("not JSON"). */
    EXPECT_ERR("\"hello\"", CHAT_E_INVALID);
    EXPECT_ERR("42", CHAT_E_INVALID);
    EXPECT_ERR("null", CHAT_E_INVALID);
}

static void test_parse_empty_text(void **state) {
    (void)state;
    EXPECT_ERR("{\"message\":\"\"}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":\" \"}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":\" \\t\\n\\r \"}", CHAT_E_INVALID);
    EXPECT_ERR("{\"message\":\"\\u0000\"}", CHAT_E_JSON);  /* NUL in text is refused */
    EXPECT_ERR("{\"message\":\"a\\u0000b\"}", CHAT_E_JSON);
}

static void test_parse_duplicate_keys(void **state) {
    (void)state;
    EXPECT_ERR("{\"message\":\"a\",\"message\":\"b\"}", CHAT_E_JSON);
    EXPECT_ERR("{\"message\":\"a\",\"x\":{\"k\":1,\"k\":2}}", CHAT_E_JSON);
}

static char *repeat_json(const char *unit, size_t n, const char *prefix, const char *suffix) {
    size_t ul = strlen(unit), pl = strlen(prefix), sl = strlen(suffix);
    char *s = malloc(pl + ul * n + sl + 1);
    memcpy(s, prefix, pl);
    for (size_t i = 0; i < n; i++) memcpy(s + pl + i * ul, unit, ul);
    memcpy(s + pl + ul * n, suffix, sl + 1);
    return s;
}

static void test_parse_length_in_code_points(void **state) {
    (void)state;
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    static const char *units[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\\u00e9",
                                   "\\ud83d\\ude00" };
    static const size_t unit_bytes[] = { 1, 2, 3, 4, 2, 4 };
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        char *ok = repeat_json(units[u], LIM_CHAT_MESSAGE_CHARS, "{\"message\":\"", "\"}");
        assert_int_equal(parse(ok, &t), ERR_OK);
        assert_int_equal(t.len, LIM_CHAT_MESSAGE_CHARS * unit_bytes[u]);
        free(ok);
        char *big = repeat_json(units[u], LIM_CHAT_MESSAGE_CHARS + 1, "{\"message\":\"", "\"}");
        assert_int_equal(parse(big, &t), CHAT_E_TOO_LONG);
        assert_int_equal(t.len, 0);
        free(big);
    }
    /* a frame at the transport limit full of spaces then one letter: long, not blank */
    char *wide = repeat_json(" ", 30000, "{\"message\":\"", "x\"}");
    assert_int_equal(parse(wide, &t), CHAT_E_TOO_LONG);
    free(wide);
    buf_free(&t);
}

static void test_parse_respects_len(void **state) {
    (void)state;
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    const char *s = "{\"message\":\"x\"}garbage";
    assert_int_equal(parse_n(s, 15, &t), ERR_OK);
    assert_int_equal(t.len, 1);
    assert_int_equal(parse_n(s, 14, &t), CHAT_E_JSON);
    buf_free(&t);
}

static void test_parse_text_buffer_limit(void **state) {
    (void)state;
    buf_t t;
    buf_init(&t, 8);
    assert_int_equal(parse("{\"message\":\"12345678\"}", &t), ERR_OK);
    assert_int_equal(parse("{\"message\":\"123456789\"}", &t), CHAT_E_TOO_LONG);
    buf_free(&t);
}

/* Renders and parses back with jansson; checks the three fields. */
static void roundtrip(const char *text, size_t tlen, const char *room, uint64_t at) {
    buf_t out;
    buf_init(&out, 1 << 20);
    assert_int_equal(buf_append(&out, "stale", 5), 0);
    assert_int_equal(chat_render(&out, span_of(text, tlen), span_cstr(room), at, NULL), 0);
    json_error_t jerr;
    json_t *o = json_loadb(out.ptr, out.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) fail_msg("render gave invalid JSON (%s): %.*s", jerr.text, (int)out.len, out.ptr);
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), 3);
    json_t *m = json_object_get(o, "message"), *r = json_object_get(o, "room"), *a = json_object_get(o, "at");
    assert_true(json_is_string(m));
    assert_int_equal(json_string_length(m), tlen);
    assert_memory_equal(json_string_value(m), text, tlen);
    assert_true(json_is_string(r));
    assert_string_equal(json_string_value(r), room);
    assert_true(json_is_integer(a));
    assert_int_equal((uint64_t)json_integer_value(a), at);
    /* one line: nothing a client could mistake for a second frame */
    assert_null(memchr(out.ptr, '\n', out.len));
    json_decref(o);
    buf_free(&out);
}

static void test_render(void **state) {
    (void)state;
    buf_t out;
    buf_init(&out, 1024);
    assert_int_equal(chat_render(&out, SPAN_LIT("hi"), SPAN_LIT("lobby"), 1700000000123ull, NULL), 0);
    assert_string_equal(out.ptr, "{\"message\":\"hi\",\"room\":\"lobby\",\"at\":1700000000123}");
    buf_free(&out);

    roundtrip("hello", 5, "lobby", 0);
    roundtrip("say \"hi\" \\ /", 12, "r", 1700000000000ull);
    roundtrip("<img src=x onerror=alert(1)>", 28, "a-b_c", 1);
    roundtrip("\x01\x02\x1f\x7f\n\r\t\b\f", 9, "ctl", 42);
    roundtrip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "utf8", 99);
    roundtrip("\xe2\x80\xa8\xe2\x80\xa9", 6, "seps", 7); /* U+2028/9 */
    roundtrip("</script>", 9, "s", 3);
}

static void test_render_sender(void **state) {
    (void)state;
    buf_t out;
    buf_init(&out, 4096);
    chat_sender_t from = { 42, "Zoë \"<img src=x onerror=alert(1)>\\" };
    assert_int_equal(chat_render(&out, SPAN_LIT("hi"), SPAN_LIT("lobby"), 5, &from), 0);
    json_error_t jerr;
    json_t *o = json_loadb(out.ptr, out.len, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "user_id")), 42);
    assert_string_equal(json_string_value(json_object_get(o, "display_name")), from.display_name);
    assert_string_equal(json_string_value(json_object_get(o, "message")), "hi");
    json_decref(o);
    buf_free(&out);
}

static void test_render_limit(void **state) {
    (void)state;
    buf_t out;
    buf_init(&out, 16);
    assert_int_equal(chat_render(&out, SPAN_LIT("a message too long for 16 bytes"), SPAN_LIT("r"), 1, NULL), ERR_LIMIT);
    assert_true(out.len <= 16);
    buf_free(&out);
}

static void expect_error(int e, const char *code) {
    span_t s = chat_error_json(e);
    assert_non_null(s.ptr);
    assert_int_equal(strlen(s.ptr), s.len);
    json_error_t jerr;
    json_t *o = json_loadb(s.ptr, s.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) fail_msg("error frame for %s is invalid JSON: %s", code, jerr.text);
    assert_int_equal(json_object_size(o), 1);
    json_t *err = json_object_get(o, "error");
    assert_true(json_is_object(err));
    assert_string_equal(json_string_value(json_object_get(err, "code")), code);
    json_t *msg = json_object_get(err, "message");
    assert_true(json_is_string(msg));
    assert_true(json_string_length(msg) > 0);
    json_decref(o);
}

static void test_failure_frames(void **state) {
    (void)state;
    expect_error(CHAT_E_JSON, "invalid_json");
    expect_error(CHAT_E_INVALID, "invalid_message");
    expect_error(CHAT_E_TOO_LONG, "message_too_long");
    expect_error(CHAT_E_RATE, "rate_limited");
}

static void test_create_destroy(void **state) {
    (void)state;
    room_reg_t *rs = room_reg_create();
    chat_t *c = chat_create(rs, 20, NULL);
    assert_non_null(c);
    chat_destroy(c);
    chat_destroy(NULL);
    room_reg_destroy(rs);
}

/* ---- handlers ---- */

typedef struct {
    room_reg_t *rooms;
    chat_t *chat;
} chat_fx_t;

static chat_fx_t fx_new(int rate_per_sec) {
    chat_fx_t f;
    f.rooms = room_reg_create();
    f.chat = chat_create(f.rooms, rate_per_sec, live_secret());
    return f;
}

static void fx_free(chat_fx_t *f) {
    assert_int_equal(room_reg_count(f->rooms), 0);    /* every socket left */
    chat_destroy(f->chat);
    room_reg_destroy(f->rooms);
}

static ws_conn_t *open_in(chat_fx_t *f, const char *room) {
    ws_conn_t *c = wsd_new("/ws/chat/x/");
    chat_on_open(f->chat, c, span_cstr(room));
    return c;
}

static void send_frame(chat_fx_t *f, ws_conn_t *c, span_t data) { chat_on_message(f->chat, c, data); }

/* A socket in room, authenticated as (id, name), with its auth_ok frame read. */
static ws_conn_t *join(chat_fx_t *f, const char *room, int64_t id, const char *name) {
    ws_conn_t *c = open_in(f, room);
    char *tok = live_token(id, name);
    send_frame(f, c, live_auth_frame(tok));
    free(tok);
    live_expect_user_frame(c, 0, "auth_ok", id, name);
    wsd_clear_sent(c);
    return c;
}

static void say(chat_fx_t *f, ws_conn_t *c, const char *text) {
    char frame[256];
    snprintf(frame, sizeof frame, "{\"message\":\"%s\"}", text);
    send_frame(f, c, span_cstr(frame));
}

static void close_conn(chat_fx_t *f, ws_conn_t *c) {
    chat_on_close(f->chat, c);
    assert_null(ws_data(c));
    wsd_free(c);
}

/* Frame i of c is the broadcast of text in room from (id, name). */
static void expect_broadcast(const ws_conn_t *c, int i, const char *text, const char *room, int64_t id, const char *name) {
    live_expect_field(c, i, "message", text);
    live_expect_field(c, i, "room", room);
    live_expect_field(c, i, "display_name", name);
    json_t *o = live_sent_json(c, i);
    assert_int_equal(json_integer_value(json_object_get(o, "user_id")), id);
    assert_true(json_integer_value(json_object_get(o, "at")) > 0);
    json_decref(o);
}

static void test_open_arms_deadline(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    ws_conn_t *c = open_in(&f, "lobby");
    assert_int_equal(wsd_deadline_s(c), 5);
    assert_int_equal(wsd_deadline_code(c), 4001);
    assert_int_equal(wsd_close_code(c), 0);
    assert_int_equal(wsd_sent_count(c), 0);
    assert_null(room_find(f.rooms, SPAN_LIT("lobby")));   /* not in the room before auth */
    close_conn(&f, c);
    fx_free(&f);
}

static void expect_first_frame_refused(chat_fx_t *f, span_t frame, const char *reason) {
    ws_conn_t *c = open_in(f, "lobby");
    send_frame(f, c, frame);
    live_expect_refused(c, reason);
    assert_int_equal(room_reg_count(f->rooms), 0);
    close_conn(f, c);
}

static void test_first_frame_not_auth(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    for (size_t i = 0; i < LIVE_N_BAD_FIRST_FRAMES; i++) expect_first_frame_refused(&f, span_cstr(LIVE_BAD_FIRST_FRAMES[i]), "log in first");
    uint8_t other[AUTH_SECRET_BYTES];
    memset(other, 9, sizeof other);
    char *forged = live_token_with(other, 5, "eve", 0, 60);
    expect_first_frame_refused(&f, live_auth_frame(forged), "log in first");
    free(forged);
    fx_free(&f);
}

static void test_first_frame_expired(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    char *old = live_token_with(live_secret(), 5, "old", 7200, 900);
    expect_first_frame_refused(&f, live_auth_frame(old), "token expired");
    free(old);
    fx_free(&f);
}

static void test_auth_ok_joins_room(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    ws_conn_t *c = open_in(&f, "lobby");
    char *tok = live_token(42, "Zo\xc3\xab");
    send_frame(&f, c, live_auth_frame(tok));
    free(tok);
    assert_int_equal(wsd_sent_count(c), 1);
    live_expect_user_frame(c, 0, "auth_ok", 42, "Zo\xc3\xab");
    live_expect_field(c, 0, "room", "lobby");
    assert_int_equal(wsd_deadline_s(c), 0);
    assert_int_equal(wsd_close_code(c), 0);
    room_t *r = room_find(f.rooms, SPAN_LIT("lobby"));
    assert_non_null(r);
    assert_int_equal(room_size(r), 1);
    close_conn(&f, c);
    fx_free(&f);
}

static void test_broadcast_to_room_only(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    ws_conn_t *a = join(&f, "lobby", 1, "ann"), *b = join(&f, "lobby", 2, "ben"), *c = join(&f, "other", 3, "cat");
    assert_int_equal(room_size(room_find(f.rooms, SPAN_LIT("lobby"))), 2);
    say(&f, a, "hello");
    assert_int_equal(wsd_sent_count(a), 1);
    assert_int_equal(wsd_sent_count(b), 1);
    assert_int_equal(wsd_sent_count(c), 0);
    expect_broadcast(a, 0, "hello", "lobby", 1, "ann");
    expect_broadcast(b, 0, "hello", "lobby", 1, "ann");
    say(&f, b, "hi ann");
    expect_broadcast(a, 1, "hi ann", "lobby", 2, "ben");
    say(&f, c, "anyone?");
    assert_int_equal(wsd_sent_count(a), 2);
    assert_int_equal(wsd_sent_count(c), 1);
    expect_broadcast(c, 0, "anyone?", "other", 3, "cat");
    close_conn(&f, a);
    close_conn(&f, b);
    close_conn(&f, c);
    fx_free(&f);
}

static void test_bad_message_answers_sender_only(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    ws_conn_t *a = join(&f, "lobby", 1, "ann"), *b = join(&f, "lobby", 2, "ben");
    send_frame(&f, a, SPAN_LIT("not json"));
    say(&f, a, "   ");
    assert_int_equal(wsd_sent_count(a), 2);
    assert_string_equal(wsd_sent(a, 0), chat_error_json(CHAT_E_JSON).ptr);
    assert_string_equal(wsd_sent(a, 1), chat_error_json(CHAT_E_INVALID).ptr);
    assert_int_equal(wsd_sent_count(b), 0);
    assert_int_equal(wsd_close_code(a), 0);
    close_conn(&f, a);
    close_conn(&f, b);
    fx_free(&f);
}

static void test_rate_limit(void **state) {
    (void)state;
    chat_fx_t f = fx_new(1);   /* 1 a second, a burst of 2 */
    ws_conn_t *a = join(&f, "lobby", 1, "ann"), *b = join(&f, "lobby", 2, "ben");
    say(&f, a, "one");
    say(&f, a, "two");
    say(&f, a, "three");
    assert_int_equal(wsd_sent_count(b), 2);
    expect_broadcast(b, 1, "two", "lobby", 1, "ann");
    assert_int_equal(wsd_sent_count(a), 3);
    live_expect_field(a, 1, "message", "two");
    json_t *o = live_sent_json(a, 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(o, "error"), "code")), "rate_limited");
    json_decref(o);
    /* another sender has a bucket of its own */
    say(&f, b, "mine");
    expect_broadcast(a, 3, "mine", "lobby", 2, "ben");
    close_conn(&f, a);
    close_conn(&f, b);
    fx_free(&f);
}

static void test_close_leaves_room(void **state) {
    (void)state;
    chat_fx_t f = fx_new(20);
    ws_conn_t *a = join(&f, "lobby", 1, "ann"), *b = join(&f, "lobby", 2, "ben");
    ws_conn_t *unauthed = open_in(&f, "lobby");
    close_conn(&f, unauthed);                          /* never joined: nothing to leave */
    assert_int_equal(room_size(room_find(f.rooms, SPAN_LIT("lobby"))), 2);
    close_conn(&f, a);
    room_t *r = room_find(f.rooms, SPAN_LIT("lobby"));
    assert_non_null(r);
    assert_int_equal(room_size(r), 1);
    say(&f, b, "alone");
    assert_int_equal(wsd_sent_count(b), 1);
    close_conn(&f, b);                                 /* the last one: the room is freed */
    assert_null(room_find(f.rooms, SPAN_LIT("lobby")));
    assert_int_equal(room_reg_count(f.rooms), 0);
    fx_free(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_preserves_bytes),
        cmocka_unit_test(test_parse_not_json),
        cmocka_unit_test(test_parse_invalid_utf8),
        cmocka_unit_test(test_parse_wrong_shape),
        cmocka_unit_test(test_parse_scalar_json_is_invalid_message),
        cmocka_unit_test(test_parse_empty_text),
        cmocka_unit_test(test_parse_duplicate_keys),
        cmocka_unit_test(test_parse_length_in_code_points),
        cmocka_unit_test(test_parse_respects_len),
        cmocka_unit_test(test_parse_text_buffer_limit),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_sender),
        cmocka_unit_test(test_render_limit),
        cmocka_unit_test(test_failure_frames),
        cmocka_unit_test(test_create_destroy),
        cmocka_unit_test(test_open_arms_deadline),
        cmocka_unit_test(test_first_frame_not_auth),
        cmocka_unit_test(test_first_frame_expired),
        cmocka_unit_test(test_auth_ok_joins_room),
        cmocka_unit_test(test_broadcast_to_room_only),
        cmocka_unit_test(test_bad_message_answers_sender_only),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_close_leaves_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
