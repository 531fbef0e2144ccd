/* util: bounded buffers, spans, size checks, UTF-8 counting, clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"

static void test_buf(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b, 10);
    assert_null(b.ptr);
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_non_null(b.ptr);
    assert_string_equal(b.ptr, "");
    assert_int_equal(buf_append(&b, "hello", 5), 0);
    assert_int_equal(buf_printf(&b, "%d%s", 12, "ab"), 0);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.ptr, "hello12ab");
    assert_int_equal(buf_append(&b, "xy", 2), ERR_LIMIT); /* would be 11 */
    assert_int_equal(buf_printf(&b, "%s", "xy"), ERR_LIMIT);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.ptr, "hello12ab");              /* unchanged */
    assert_int_equal(buf_append(&b, "z", 1), 0);          /* exactly max */
    assert_int_equal(b.len, 10);
    assert_int_equal(buf_append(&b, "\0", 1), ERR_LIMIT);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), ERR_LIMIT); /* overflow checked */
    buf_free(&b);
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 10);
    assert_int_equal(buf_append(&b, "again", 5), 0);
    buf_free(&b);

    buf_init(&b, 1 << 20);
    char chunk[1000];
    memset(chunk, 'q', sizeof chunk);
    for (int i = 0; i < 1000; i++) assert_int_equal(buf_append(&b, chunk, sizeof chunk), 0);
    assert_int_equal(b.len, 1000000);
    assert_int_equal(b.ptr[b.len], '\0');
    assert_true(b.cap > b.len);
    buf_free(&b);
}

static void test_spans_and_sizes(void **state) {
    (void)state;
    span_t s = span_cstr("abc");
    assert_int_equal(s.len, 3);
    assert_true(span_eq(s, "abc"));
    assert_false(span_eq(s, "ab"));
    assert_false(span_eq(s, "abcd"));
    assert_true(span_eq(span_of("abcdef", 2), "ab"));
    assert_int_equal(span_cstr(NULL).len, 0);
    assert_true(span_eq(SPAN_LIT(""), ""));
    size_t out;
    assert_true(size_mul(1000, 1000, &out));
    assert_int_equal(out, 1000000);
    assert_false(size_mul(SIZE_MAX / 2 + 1, 2, &out));
    assert_true(size_add(SIZE_MAX - 1, 1, &out));
    assert_false(size_add(SIZE_MAX, 1, &out));
}

static void test_alloc(void **state) {
    (void)state;
    char *p = xstrndup("hello world", 5);
    assert_string_equal(p, "hello");
    free(p);
    p = xstrdup("");
    assert_string_equal(p, "");
    free(p);
    p = xmalloc(0);
    assert_non_null(p);
    free(p);
    int *z = xcalloc(16, sizeof *z);
    for (int i = 0; i < 16; i++) assert_int_equal(z[i], 0);
    z = xrealloc(z, 32 * sizeof *z);
    assert_int_equal(z[15], 0);
    free(z);
}

static void test_utf8_classes(void **state) {
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(utf8_decode("\xe2\x80\xae", 3, &cp), 3);
    assert_int_equal(cp, 0x202E);
    assert_int_equal(utf8_decode("\xf0\x9f\x8f\x93", 4, &cp), 4);
    assert_int_equal(cp, 0x1F3D3);
    assert_int_equal(utf8_decode("\xe2\x80", 2, &cp), 0);          /* truncated */
    assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 0);          /* overlong */
    assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 0);      /* surrogate */
    static const uint32_t cf[] = { 0x00, 0x1B, 0x7F, 0x85, 0x9F, 0xAD, 0x061C, 0x180E, 0x200B, 0x200D, 0x200E, 0x200F,
                                   0x202A, 0x202E, 0x2060, 0x2066, 0x2069, 0xFEFF, 0xFFF9, 0x1D173, 0xE0001, 0xE007F, 0x2028 };
    for (size_t i = 0; i < sizeof cf / sizeof cf[0]; i++) {
        if (!utf8_is_control_or_format(cf[i])) fail_msg("U+%04X is a control or format character", (unsigned)cf[i]);
        assert_true(utf8_is_invisible(cf[i]));
    }
    static const uint32_t shown[] = { 'a', ' ', 0xA0, 0xE9, 0x05D0, 0x0627, 0x0300, 0x3164, 0xFE0F, 0x1F3D3, 0x2800 };
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
        if (utf8_is_control_or_format(shown[i])) fail_msg("U+%04X is not Cc or Cf", (unsigned)shown[i]);
    static const uint32_t blank[] = { ' ', 0xA0, 0x3000, 0x3164, 0x115F, 0xFE0F, 0x034F, 0x2800, 0xE0100 };
    for (size_t i = 0; i < sizeof blank / sizeof blank[0]; i++)
        if (!utf8_is_invisible(blank[i])) fail_msg("U+%04X shows nothing", (unsigned)blank[i]);
    assert_false(utf8_is_invisible('a'));
    assert_false(utf8_is_invisible(0x0300));   /* a combining mark shows (on a dotted circle) */
    assert_false(utf8_has_visible("", 0));
    assert_false(utf8_has_visible("\xe2\x80\x8b \xe3\x85\xa4", 7));
    assert_true(utf8_has_visible("\xe2\x80\x8bx", 4));
    assert_false(utf8_has_visible("x\xff", 2));   /* invalid UTF-8 */
}

static void test_utf8_count(void **state) {
    (void)state;
    assert_int_equal(utf8_count("", 0), 0);
    assert_int_equal(utf8_count("abc", 3), 3);
    assert_int_equal(utf8_count("caf\xc3\xa9", 5), 4);
    assert_int_equal(utf8_count("\xe2\x82\xac\xf0\x9f\x98\x80", 7), 2);
    assert_int_equal(utf8_count("a\0b", 3), 3);
}

static void test_clocks(void **state) {
    (void)state;
    uint64_t w = now_wall_ms();
    assert_true(w > 1600000000000ull); /* after 2020 */
    uint64_t a = now_mono_us(), b = now_mono_us();
    assert_true(b >= a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_spans_and_sizes),
        cmocka_unit_test(test_alloc),
        cmocka_unit_test(test_utf8_count),
        cmocka_unit_test(test_utf8_classes),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
