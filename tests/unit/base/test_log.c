/* log: the access log's escaping of request bytes (log_escape). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "log.h"

/* The escaped text of a C string, in a static buffer. */
static const char *esc(const char *in, size_t len) {
    static char out[512];
    size_t n = log_escape(out, sizeof out, in, len);
    assert_int_equal(n, strlen(out));
    return out;
}
#define ESC(lit) esc(lit, sizeof lit - 1)

static void test_plain_text_is_copied(void **state) {
    (void)state;
    assert_string_equal(ESC(""), "");
    assert_string_equal(ESC("/api/users/12 GET 200"), "/api/users/12 GET 200");
    /* valid UTF-8 beyond ASCII stays readable */
    assert_string_equal(ESC("/chat/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x8f\x93"), "/chat/caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x8f\x93");
}

static void test_control_characters(void **state) {
    (void)state;
    /* ESC (a terminal colour), TAB, BS, CR, LF, NUL, DEL: none reaches the line as it is */
    assert_string_equal(ESC("/a\x1b[31mred"), "/a\\x1b[31mred");
    assert_string_equal(ESC("a\tb\bc\rd\ne"), "a\\x09b\\x08c\\x0dd\\x0ae");
    assert_string_equal(esc("x\0y", 3), "x\\x00y");
    assert_string_equal(ESC("\x7f"), "\\x7f");
    /* a forged second line stays on the first */
    const char *forged = ESC("/x 200 1 0.1ms\n2026-01-01T00:00:00.000Z http 10.0.0.1 GET /admin 200");
    assert_null(strchr(forged, '\n'));
    /* the backslash is escaped too, so "\x1b" in a log always means the byte */
    assert_string_equal(ESC("/a\\x1b"), "/a\\x5cx1b");
}

static void test_c1_and_invalid_utf8(void **state) {
    (void)state;
    /* C1 controls (U+0080-U+009F: CSI is U+009B) as their UTF-8 bytes */
    assert_string_equal(ESC("\xc2\x9b" "31m"), "\\xc2\\x9b31m");
    assert_string_equal(ESC("\xc2\x85"), "\\xc2\\x85");
    /* a lone 8-bit CSI, continuation bytes, truncated and overlong sequences, surrogates */
    assert_string_equal(ESC("\x9b" "2J"), "\\x9b2J");
    assert_string_equal(ESC("\xff\xfe"), "\\xff\\xfe");
    assert_string_equal(ESC("\xe2\x82"), "\\xe2\\x82");
    assert_string_equal(ESC("\xc0\xaf"), "\\xc0\\xaf");
    assert_string_equal(ESC("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
    assert_string_equal(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    assert_string_equal(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
    /* an invalid byte does not swallow the valid character after it */
    assert_string_equal(ESC("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
}

static void test_display_controls(void **state) {
    (void)state;
    /* right-to-left override, isolates, marks, line and paragraph separators */
    assert_string_equal(ESC("/a\xe2\x80\xae" "txt.exe"), "/a\\u202etxt.exe");
    assert_string_equal(ESC("\xe2\x81\xa6\xe2\x81\xa9"), "\\u2066\\u2069");
    assert_string_equal(ESC("\xe2\x80\x8f\xd8\x9c"), "\\u200f\\u061c");
    assert_string_equal(ESC("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "a\\u2028b\\u2029");
    /* the zero-width joiner of an emoji sequence is not one of them */
    assert_string_equal(ESC("\xe2\x80\x8d"), "\xe2\x80\x8d");
}

static void test_bounded_output(void **state) {
    (void)state;
    char out[8];
    /* snprintf-like: the full length is returned, the output is cut at a whole escape */
    assert_int_equal(log_escape(out, sizeof out, "ab\x1b" "cd", 5), 8);
    assert_string_equal(out, "ab\\x1bc");
    assert_int_equal(log_escape(out, 6, "ab\x1b" "cd", 5), 8);
    assert_string_equal(out, "ab"); /* never half an escape */
    assert_int_equal(log_escape(out, sizeof out, "abcdefgh", 8), 8);
    assert_string_equal(out, "abcdefg");
    assert_int_equal(log_escape(out, sizeof out, "abcdefg", 7), 7);
    assert_string_equal(out, "abcdefg");
    assert_int_equal(log_escape(NULL, 0, "\x01\x02", 2), 8);
    memset(out, 'z', sizeof out);
    assert_int_equal(log_escape(out, 1, "a", 1), 1);
    assert_string_equal(out, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_copied),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_c1_and_invalid_utf8),
        cmocka_unit_test(test_display_controls),
        cmocka_unit_test(test_bounded_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
