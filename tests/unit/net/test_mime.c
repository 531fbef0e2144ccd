/* mime: content types, compressibility, hashed names, ETags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mime.h"
#include "util.h"

#define TYPE(n) mime_type(SPAN_LIT(n))

static void test_types(void **state) {
    (void)state;
    assert_string_equal(TYPE("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(TYPE("a.htm"), "text/html; charset=utf-8");
    assert_string_equal(TYPE("a.css"), "text/css; charset=utf-8");
    assert_string_equal(TYPE("a.js"), "text/javascript; charset=utf-8");
    assert_string_equal(TYPE("a.mjs"), "text/javascript; charset=utf-8");
    assert_string_equal(TYPE("a.json"), "application/json");
    assert_string_equal(TYPE("a.svg"), "image/svg+xml");
    assert_string_equal(TYPE("a.png"), "image/png");
    assert_string_equal(TYPE("a.jpg"), "image/jpeg");
    assert_string_equal(TYPE("a.jpeg"), "image/jpeg");
    assert_string_equal(TYPE("a.webp"), "image/webp");
    assert_string_equal(TYPE("favicon.ico"), "image/x-icon");
    assert_string_equal(TYPE("f.woff2"), "font/woff2");
    assert_string_equal(TYPE("pong.wasm"), "application/wasm");
    assert_string_equal(TYPE("a.txt"), "text/plain; charset=utf-8");
}

static void test_types_case_and_unknown(void **state) {
    (void)state;
    assert_string_equal(TYPE("/INDEX.HTML"), "text/html; charset=utf-8");
    assert_string_equal(TYPE("Photo.JpG"), "image/jpeg");
    assert_string_equal(TYPE("a.Js"), "text/javascript; charset=utf-8");
    assert_string_equal(TYPE("a.exe"), "application/octet-stream");
    assert_string_equal(TYPE("Makefile"), "application/octet-stream");
    assert_string_equal(TYPE("/dir.js/file"), "application/octet-stream");
    assert_string_equal(TYPE("a."), "application/octet-stream");
    assert_string_equal(TYPE("a.jsx"), "application/octet-stream");
    assert_string_equal(TYPE("a.j"), "application/octet-stream");
    assert_string_equal(TYPE(""), "application/octet-stream");
    assert_string_equal(TYPE("a.tar.gz"), "application/octet-stream");
    assert_string_equal(TYPE("app.min.js"), "text/javascript; charset=utf-8");
    /* the span bounds the name: "a.jsonx" cut to "a.json" */
    assert_string_equal(mime_type(span_of("a.jsonx", 6)), "application/json");
}

static void test_compressible(void **state) {
    (void)state;
    static const char *yes[] = { "a.css", "a.js", "a.mjs", "a.json", "a.svg", "a.txt",
                                 "a.map", "a.xml", "a.wasm", "A.CSS" };
    static const char *no[] = { "a.png", "a.jpg", "a.webp", "a.ico", "a.woff2", "a.woff", "a.gif",
                                "a.bin", "noext", "", "a.html", "a.htm" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!mime_compressible(span_cstr(yes[i]))) fail_msg("%s not compressible", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (mime_compressible(span_cstr(no[i]))) fail_msg("%s compressible", no[i]);
}

static void test_hashed_names(void **state) {
    (void)state;
    static const char *yes[] = {
        "app-ABCD1234.js", "style-0123abcd.css", "/static/app-ABCD1234.js", "/static/chunk-7XK2PQ3M.js",
        "/static/a/b/c-deadbeef01.mjs", "my-app-ABCD1234.js", "app-ABCD1234.js.map",
        "x-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.js", /* 64 */
        "x-ABCDEFGHIJKLMNOP.js",                                             /* 16 letters */
        "x-12345678.js",
        "pong-WDURFGDW.wasm", /* esbuild base32 without a digit (about 1 build in 5) */
    };
    static const char *no[] = {
        "plain.js", "bootstrap-icons.woff2", "x-ABCDEFGHI.js", "app-ABCD123.js", "app-abcd1234X.js",
        "app-AbCd1234.js", "app-ghij1234.js", "-ABCD1234.js", "app-ABCD1234", "/static-ABCD1234/app.js",
        "/x-ABCD1234/plain.js", "app_ABCD1234.js", "", "/",
        "x-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0.js", /* 65 */
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!mime_is_hashed_name(span_cstr(yes[i]))) fail_msg("%s not seen as hashed", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (mime_is_hashed_name(span_cstr(no[i]))) fail_msg("%s seen as hashed", no[i]);
}

static void test_etag_format(void **state) {
    (void)state;
    unsigned char d[16];
    for (int i = 0; i < 16; i++) d[i] = (unsigned char)(i * 17);
    char out[48];
    mime_etag(d, NULL, out, sizeof out);
    assert_string_equal(out, "\"00112233445566778899aabbccddeeff\"");
    mime_etag(d, "-gz", out, sizeof out);
    assert_string_equal(out, "\"00112233445566778899aabbccddeeff-gz\"");
    memset(d, 0xff, sizeof d);
    mime_etag(d, "", out, sizeof out);
    assert_string_equal(out, "\"ffffffffffffffffffffffffffffffff\"");
    assert_int_equal(strlen(out), 34);
    /* a short buffer is truncated, never overrun */
    char small[10];
    memset(small, 'x', sizeof small);
    mime_etag(d, NULL, small, sizeof small);
    assert_int_equal(small[9], '\0');
}

static void test_etag_matches(void **state) {
    (void)state;
    const char *tag = "\"0123456789abcdef0123456789abcdef\"";
    assert_true(mime_etag_matches("\"0123456789abcdef0123456789abcdef\"", tag));
    assert_true(mime_etag_matches("W/\"0123456789abcdef0123456789abcdef\"", tag));
    assert_true(mime_etag_matches("\"x\", \"0123456789abcdef0123456789abcdef\"", tag));
    assert_true(mime_etag_matches("\"x\",W/\"0123456789abcdef0123456789abcdef\" ,\"y\"", tag));
    assert_true(mime_etag_matches("  \"0123456789abcdef0123456789abcdef\"  ", tag));
    assert_true(mime_etag_matches("*", tag));
    assert_true(mime_etag_matches(" * ", tag));
    assert_true(mime_etag_matches("\"0123456789abcdef0123456789abcdef\"", "W/\"0123456789abcdef0123456789abcdef\""));
    assert_false(mime_etag_matches(NULL, tag));
    assert_false(mime_etag_matches("", tag));
    assert_false(mime_etag_matches("\"0123456789abcdef0123456789abcdee\"", tag));
    assert_false(mime_etag_matches("\"0123456789abcdef0123456789abcdef-gz\"", tag));
    assert_false(mime_etag_matches("\"0123456789abcdef\"", tag));
    assert_false(mime_etag_matches("0123456789abcdef0123456789abcdef", tag));
    assert_false(mime_etag_matches("\"x\", \"y\"", tag));
    assert_false(mime_etag_matches("W/", tag));
    assert_false(mime_etag_matches("\"0123456789abcdef0123456789abcdef", tag)); /* unterminated */
    assert_true(mime_etag_matches("\"abc-gz\"", "\"abc-gz\""));
    assert_false(mime_etag_matches("\"abc\"", "\"abc-gz\""));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_types_case_and_unknown),
        cmocka_unit_test(test_compressible),
        cmocka_unit_test(test_hashed_names),
        cmocka_unit_test(test_etag_format),
        cmocka_unit_test(test_etag_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
