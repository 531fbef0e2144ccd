/* path: normalising, routing, room names, encoding, Host and Accept* headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "pongd_limits.h"
#include "util.h"

/* Normalises in (len bytes) into a buffer of cap bytes; checks no byte past cap was written. */
static int norm_n(const char *in, size_t len, char *out, size_t cap) {
    char *buf = malloc(cap + 16);
    memset(buf, 0x5a, cap + 16);
    int n = path_normalise(in, len, buf, cap);
    bool overrun = false, unterminated = false;
    for (size_t i = cap; i < cap + 16; i++)
        if ((unsigned char)buf[i] != 0x5a) overrun = true;
    if (n >= 0 && (size_t)n < cap) {
        unterminated = buf[n] != '\0';
        memcpy(out, buf, (size_t)n + 1);
    }
    free(buf);
    if (overrun) fail_msg("path_normalise wrote past cap %zu", cap);
    if (n >= 0 && (size_t)n >= cap) fail_msg("length %d not below cap %zu", n, cap);
    if (unterminated) fail_msg("output not NUL-terminated");
    return n;
}

static void expect_norm(const char *in, const char *want) {
    char out[256];
    int n = norm_n(in, strlen(in), out, sizeof out);
    if (n < 0) fail_msg("'%s' refused (%d), wanted '%s'", in, n, want);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void expect_refused(const char *in, size_t len) {
    char out[256];
    int n = norm_n(in, len, out, sizeof out);
    if (n != ERR_INVALID) fail_msg("'%.*s' gave %d, wanted ERR_INVALID", (int)len, in, n);
}

static void test_normalise_ok(void **state) {
    (void)state;
    expect_norm("/", "/");
    expect_norm("//", "/");
    expect_norm("///", "/");
    expect_norm("/a", "/a");
    expect_norm("/a/b", "/a/b");
    expect_norm("//a//b/", "/a/b/");
    expect_norm("/a/b/", "/a/b/");
    expect_norm("/a/b//", "/a/b/");
    expect_norm("/static/app-ABCD1234.js", "/static/app-ABCD1234.js");
    expect_norm("/...", "/...");
    expect_norm("/a..b/.c/d.", "/a..b/.c/d.");
    expect_norm("/%2e%2e/x", "/%2e%2e/x");         /* never decodes */
    expect_norm("/%2e%2e%2f%2e%2e/etc/passwd", "/%2e%2e%2f%2e%2e/etc/passwd");
    expect_norm("/caf\xc3\xa9", "/caf\xc3\xa9");   /* UTF-8 bytes pass through */
    expect_norm("/a b", "/a b");
}

static void test_normalise_refused(void **state) {
    (void)state;
    expect_refused("", 0);
    expect_refused("a/b", 3);
    expect_refused("/.", 2);
    expect_refused("/..", 3);
    expect_refused("/./", 3);
    expect_refused("/../", 4);
    expect_refused("/a/./b", 6);
    expect_refused("/a/../b", 7);
    expect_refused("/a/..", 5);
    expect_refused("/a//..//b", 9);
    expect_refused("/static/../x", 12);
    expect_refused("/a\\b", 4);
    expect_refused("/..\\x", 5);
    expect_refused("/a\x01", 3);
    expect_refused("/a\x1f", 3);
    expect_refused("/a\x7f", 3);
    expect_refused("/a\tb", 4);
    expect_refused("/a\nb", 4);
    expect_refused("/a\0b", 4);                   /* NUL inside len */
    expect_refused("/\0", 2);
}

static void test_normalise_len_bounds_input(void **state) {
    (void)state;
    char out[64];
    /* only len bytes are read: the "/.." after them does not count */
    assert_int_equal(norm_n("/ab/..", 3, out, sizeof out), 3);
    assert_string_equal(out, "/ab");
}

static void test_normalise_capacity(void **state) {
    (void)state;
    char out[64];
    assert_int_equal(norm_n("/", 1, out, 0), ERR_LIMIT);
    assert_int_equal(norm_n("/", 1, out, 1), ERR_LIMIT);
    assert_int_equal(norm_n("/", 1, out, 2), 1);
    assert_string_equal(out, "/");
    assert_int_equal(norm_n("/abcdef", 7, out, 4), ERR_LIMIT);
    assert_int_equal(norm_n("/abc/", 5, out, 5), ERR_LIMIT);
    assert_int_equal(norm_n("/abc/", 5, out, 6), 5);
    assert_string_equal(out, "/abc/");
    /* a collapsed input may fit a buffer smaller than the input */
    assert_int_equal(norm_n("////////abc/", 12, out, 6), 5);
    assert_string_equal(out, "/abc/");
}

static void test_normalise_exact_fit(void **state) {
    (void)state;
    /* "/abc" plus its NUL is 4 + 1 bytes: a 5-byte buffer is large enough. */
    char out[64];
    assert_int_equal(norm_n("/abc", 4, out, 5), 4);
    assert_string_equal(out, "/abc");
    assert_int_equal(norm_n("/a/b", 4, out, 5), 4);
    assert_int_equal(norm_n("////////a", 9, out, 3), 2);
    assert_string_equal(out, "/a");
}

static void test_normalise_4096(void **state) {
    (void)state;
    /* The server accepts request targets up to LIM_HTTP_URI_BYTES and normalises into
     * char[LIM_HTTP_URI_BYTES + 1]: a path of exactly the limit must fit. */
    enum { len = LIM_HTTP_URI_BYTES };
    static char in[len], out[len + 1];
    in[0] = '/';
    memset(in + 1, 'a', len - 1);
    int n = norm_n(in, len, out, len + 1);
    assert_int_equal(n, (int)len);
    assert_memory_equal(out, in, len);
    /* the same length ending in '/' */
    in[len - 1] = '/';
    n = norm_n(in, len, out, len + 1);
    assert_int_equal(n, (int)len);
    assert_memory_equal(out, in, len);
    /* a segment structure over many components */
    for (size_t i = 0; i < len; i += 2) { in[i] = '/'; in[i + 1] = 'x'; }
    n = norm_n(in, len, out, len + 1);
    assert_int_equal(n, (int)len);
    assert_memory_equal(out, in, len);
}

static void test_route(void **state) {
    (void)state;
    assert_int_equal(path_route(SPAN_LIT("/api")), ROUTE_API);
    assert_int_equal(path_route(SPAN_LIT("/api/")), ROUTE_API);
    assert_int_equal(path_route(SPAN_LIT("/api/users/1")), ROUTE_API);
    assert_int_equal(path_route(SPAN_LIT("/apix")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/ap")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/ws")), ROUTE_WS);
    assert_int_equal(path_route(SPAN_LIT("/ws/chat/lobby/")), ROUTE_WS);
    assert_int_equal(path_route(SPAN_LIT("/wsx")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/static")), ROUTE_STATIC);
    assert_int_equal(path_route(SPAN_LIT("/static/")), ROUTE_STATIC);
    assert_int_equal(path_route(SPAN_LIT("/static/app.js")), ROUTE_STATIC);
    assert_int_equal(path_route(SPAN_LIT("/staticx/")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/healthz")), ROUTE_HEALTHZ);
    assert_int_equal(path_route(SPAN_LIT("/healthzz")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/metrics")), ROUTE_METRICS);
    assert_int_equal(path_route(SPAN_LIT("/metricsx")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/index.html")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/chat/lobby")), ROUTE_OTHER);
    assert_int_equal(path_route(SPAN_LIT("/API")), ROUTE_OTHER);
    /* the span length bounds the match */
    assert_int_equal(path_route(span_of("/apix", 4)), ROUTE_API);
}

static void test_room_name(void **state) {
    (void)state;
    char n64[65], n65[66];
    memset(n64, 'a', 64); n64[64] = '\0';
    memset(n65, 'b', 65); n65[65] = '\0';
    assert_true(path_room_name_valid(SPAN_LIT("a")));
    assert_true(path_room_name_valid(SPAN_LIT("Lobby_1-x")));
    assert_true(path_room_name_valid(span_cstr(n64)));
    assert_false(path_room_name_valid(span_cstr(n65)));
    assert_false(path_room_name_valid(SPAN_LIT("")));
    assert_false(path_room_name_valid(SPAN_LIT("a.b")));
    assert_false(path_room_name_valid(SPAN_LIT(".")));
    assert_false(path_room_name_valid(SPAN_LIT("a/b")));
    assert_false(path_room_name_valid(SPAN_LIT("a b")));
    assert_false(path_room_name_valid(SPAN_LIT("caf\xc3\xa9")));
    assert_false(path_room_name_valid(SPAN_LIT("\xff")));
    assert_false(path_room_name_valid(span_of("a\0b", 3)));
    assert_false(path_room_name_valid(SPAN_LIT("a%20")));
}

static void expect_room(const char *path, const char *want) {
    span_t p = span_cstr(path), room = { NULL, 0 };
    if (!path_chat_room(p, &room)) fail_msg("'%s' refused", path);
    assert_int_equal(room.len, strlen(want));
    assert_memory_equal(room.ptr, want, room.len);
    assert_ptr_equal(room.ptr, path + 9); /* points into the path */
}

static void test_chat_room(void **state) {
    (void)state;
    expect_room("/ws/chat/lobby", "lobby");
    expect_room("/ws/chat/lobby/", "lobby");
    expect_room("/ws/chat/a", "a");
    char p[128] = "/ws/chat/";
    memset(p + 9, 'r', 64);
    p[73] = '/';
    p[74] = '\0';
    char r64[65];
    memset(r64, 'r', 64);
    r64[64] = '\0';
    expect_room(p, r64);
    p[73] = 'r';
    span_t room = { NULL, 0 };
    assert_false(path_chat_room(span_of(p, 74), &room)); /* 65 characters */

    static const char *bad[] = { "/ws/chat/", "/ws/chat", "/ws/chat//", "/ws/chat/a/b", "/ws/chat/a//",
                                 "/ws/chatx/a", "/ws/chat/a.b", "/ws/chat/a b", "/ws/Chat/a", "/api/chat/a",
                                 "/ws/chat/caf\xc3\xa9", "ws/chat/a", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        room = (span_t){ NULL, 0 };
        if (path_chat_room(span_cstr(bad[i]), &room)) fail_msg("'%s' accepted", bad[i]);
        assert_null(room.ptr); /* untouched on refusal */
    }
}

static void expect_encode(const char *in, size_t len, const char *want) {
    buf_t b;
    buf_init(&b, 1024);
    assert_int_equal(path_encode(&b, span_of(in, len)), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.ptr, want, b.len);
    buf_free(&b);
}

static void test_encode(void **state) {
    (void)state;
    expect_encode("/", 1, "/");
    expect_encode("/a-b_c.d~e/F9", 13, "/a-b_c.d~e/F9");
    expect_encode("/a b", 4, "/a%20b");
    expect_encode("/100%", 5, "/100%25");
    expect_encode("/?#&=+", 6, "/%3F%23%26%3D%2B");
    expect_encode("/caf\xc3\xa9", 6, "/caf%C3%A9");
    expect_encode("/\"<>\\", 5, "/%22%3C%3E%5C");
    expect_encode("/a\0b", 4, "/a%00b");
    expect_encode("/\r\n", 3, "/%0D%0A");
    expect_encode("", 0, "");

    /* appends, and stops at the buffer's maximum */
    buf_t b;
    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "x:", 2), 0);
    assert_int_equal(path_encode(&b, SPAN_LIT("/ab")), 0);
    assert_string_equal(b.ptr, "x:/ab");
    assert_int_equal(path_encode(&b, SPAN_LIT("  ")), ERR_LIMIT); /* 5 + 6 > 8 */
    assert_true(b.len <= 8);
    buf_free(&b);
}

static void expect_host(const char *in, const char *want) {
    char out[300];
    memset(out, 'z', sizeof out);
    if (!path_host_name(span_cstr(in), out, sizeof out)) fail_msg("Host '%s' refused", in);
    assert_string_equal(out, want);
}

static void expect_bad_host(const char *in, size_t len) {
    char out[300];
    if (path_host_name(span_of(in, len), out, sizeof out)) fail_msg("Host '%.*s' accepted", (int)len, in);
}

static void test_host_name(void **state) {
    (void)state;
    expect_host("localhost:4444", "localhost");
    expect_host("localhost", "localhost");
    expect_host("127.0.0.1", "127.0.0.1");
    expect_host("127.0.0.1:4443", "127.0.0.1");
    expect_host("[::1]:4444", "[::1]");
    expect_host("[::1]", "[::1]");
    expect_host("[2001:db8::ffff:10.0.0.1]:1", "[2001:db8::ffff:10.0.0.1]");
    expect_host("Sub-1.Example.COM", "Sub-1.Example.COM");

    expect_bad_host("", 0);
    expect_bad_host("a:b", 3);
    expect_bad_host("a:", 2);
    expect_bad_host(":4444", 5);
    expect_bad_host("bad_host", 8);
    expect_bad_host("a b", 3);
    expect_bad_host("evil.com/x", 10);
    expect_bad_host("user@evil.com", 13);
    expect_bad_host("a:44:44", 7);
    expect_bad_host("a:-1", 4);
    expect_bad_host("[::1", 4);
    expect_bad_host("[::1]x", 6);
    expect_bad_host("[::1]:", 6);
    expect_bad_host("[g::1]", 6);
    expect_bad_host("[::1%eth0]", 10);
    expect_bad_host("a\r\nX: y", 7);
    expect_bad_host("a\0b", 3);
    expect_bad_host("caf\xc3\xa9", 5);

    /* length: the output capacity and the 253-byte DNS limit */
    char out[8];
    assert_true(path_host_name(SPAN_LIT("abcdefg:1"), out, sizeof out));
    assert_string_equal(out, "abcdefg");
    assert_false(path_host_name(SPAN_LIT("abcdefgh:1"), out, sizeof out));
    char big[300], name[300];
    memset(big, 'a', 254);
    assert_false(path_host_name(span_of(big, 254), name, sizeof name));
    assert_true(path_host_name(span_of(big, 253), name, sizeof name));
    assert_int_equal(strlen(name), 253);
}

static void test_accepts_html(void **state) {
    (void)state;
    assert_true(path_accepts_html(NULL));
    assert_true(path_accepts_html(""));
    assert_true(path_accepts_html("text/html"));
    assert_true(path_accepts_html("TEXT/HTML"));
    assert_true(path_accepts_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
    assert_true(path_accepts_html("text/*"));
    assert_true(path_accepts_html("*/*"));
    assert_true(path_accepts_html("application/json, text/html;q=0.5"));
    assert_true(path_accepts_html("text/html;level=1;q=1"));
    assert_false(path_accepts_html("application/json"));
    assert_false(path_accepts_html("image/png,image/*"));
    assert_false(path_accepts_html("text/html;q=0"));
    assert_false(path_accepts_html("text/html;q=0.0, application/json"));
    assert_false(path_accepts_html("image/webp,*/*;q=0"));
    assert_false(path_accepts_html("text/htmlx"));
    assert_false(path_accepts_html("text/plain"));
}

static void test_accepts_gzip(void **state) {
    (void)state;
    assert_false(path_accepts_gzip(NULL));
    assert_false(path_accepts_gzip(""));
    assert_true(path_accepts_gzip("gzip"));
    assert_true(path_accepts_gzip("GZIP"));
    assert_true(path_accepts_gzip("gzip, deflate, br"));
    assert_true(path_accepts_gzip("br;q=1.0, gzip;q=0.5"));
    assert_true(path_accepts_gzip("gzip;q=0.001"));
    assert_true(path_accepts_gzip("gzip;q=1"));
    assert_true(path_accepts_gzip("*"));
    assert_true(path_accepts_gzip("br, *;q=0.1"));
    assert_false(path_accepts_gzip("gzip;q=0"));
    assert_false(path_accepts_gzip("gzip;q=0.0"));
    assert_false(path_accepts_gzip("gzip;q=0.000"));
    assert_false(path_accepts_gzip("gzip ; q=0"));
    assert_false(path_accepts_gzip("deflate, br"));
    assert_false(path_accepts_gzip("identity"));
    assert_false(path_accepts_gzip("x-gzip2"));
    assert_false(path_accepts_gzip("*;q=0"));
    assert_false(path_accepts_gzip("gzip;q=0, *")); /* the explicit entry wins */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise_ok),
        cmocka_unit_test(test_normalise_refused),
        cmocka_unit_test(test_normalise_len_bounds_input),
        cmocka_unit_test(test_normalise_capacity),
        cmocka_unit_test(test_normalise_exact_fit),
        cmocka_unit_test(test_normalise_4096),
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_room_name),
        cmocka_unit_test(test_chat_room),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_host_name),
        cmocka_unit_test(test_accepts_html),
        cmocka_unit_test(test_accepts_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
