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
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
