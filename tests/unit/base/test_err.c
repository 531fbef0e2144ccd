/* err: the one error space. Every code of ERR_LIST is distinct, negative, inside the range
 * its prefix owns (err.h), named after its identifier and described; anything else is
 * "ERR_UNKNOWN". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "err.h"

typedef struct {
    const char *name;
    int value;
    const char *text;
} code_t;

static const code_t CODES[] = {
#define ERR_ROW_(name, value, text) { #name, value, text },
    ERR_LIST(ERR_ROW_)
#undef ERR_ROW_
};
#define NCODES (sizeof CODES / sizeof CODES[0])

/* The documented ranges, by name prefix. */
static const struct {
    const char *prefix;
    int hi, lo;   /* hi >= value >= lo */
} RANGES[] = {
    { "ERR_", -1, -99 },         { "DB_", -100, -199 },     { "AUTH_", -200, -299 },
    { "ACCOUNT_", -300, -399 },  { "SOCIAL_", -400, -499 }, { "CHAT_", -500, -599 },
    { "INVITE_", -600, -699 }, { "MATCH_", -700, -799 }, { "TWOFA_", -900, -999 }, { "EMAILTOK_", -1000, -1099 }, { "OAUTH_", -1100, -1199 },
    { "ADMIN_", -1200, -1299 },
};

static bool in_list(int v) {
    for (size_t i = 0; i < NCODES; i++)
        if (CODES[i].value == v) return true;
    return false;
}

static void test_codes_distinct(void **state) {
    (void)state;
    assert_true(NCODES > 20);
    for (size_t i = 0; i < NCODES; i++)
        for (size_t j = i + 1; j < NCODES; j++)
            if (CODES[i].value == CODES[j].value)
                fail_msg("%s and %s are both %d", CODES[i].name, CODES[j].name, CODES[i].value);
}

static void test_codes_named_and_described(void **state) {
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        assert_string_equal(err_name(CODES[i].value), CODES[i].name);
        assert_non_null(CODES[i].text);
        if (CODES[i].text[0] == '\0') fail_msg("%s has no description", CODES[i].name);
        assert_string_equal(err_str(CODES[i].value), CODES[i].text);
    }
}

static void test_codes_in_their_range(void **state) {
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const code_t *c = &CODES[i];
        if (c->value >= 0) fail_msg("%s is %d, not negative", c->name, c->value);
        bool found = false;
        for (size_t r = 0; r < sizeof RANGES / sizeof RANGES[0]; r++) {
            if (strncmp(c->name, RANGES[r].prefix, strlen(RANGES[r].prefix)) != 0) continue;
            found = true;
            if (c->value > RANGES[r].hi || c->value < RANGES[r].lo)
                fail_msg("%s is %d, outside %s's range %d .. %d", c->name, c->value, RANGES[r].prefix, RANGES[r].hi, RANGES[r].lo);
        }
        if (!found) fail_msg("%s has a prefix with no documented range", c->name);
    }
}

static void test_ok(void **state) {
    (void)state;
    assert_int_equal(ERR_OK, 0);
    assert_string_equal(err_name(0), "ERR_OK");
    assert_string_equal(err_str(0), "success");
    assert_false(in_list(0));
}

static void test_unknown(void **state) {
    (void)state;
    for (int v = -700; v <= 100; v++) {
        if (v == 0 || in_list(v)) continue;
        if (strcmp(err_name(v), "ERR_UNKNOWN") != 0) fail_msg("err_name(%d) = %s", v, err_name(v));
        assert_string_equal(err_str(v), "unknown error");
    }
    assert_string_equal(err_name(INT_MIN), "ERR_UNKNOWN");
    assert_string_equal(err_name(INT_MAX), "ERR_UNKNOWN");
    assert_string_equal(err_name(1), "ERR_UNKNOWN");   /* positive codes are not errors of ours */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_distinct),
        cmocka_unit_test(test_codes_named_and_described),
        cmocka_unit_test(test_codes_in_their_range),
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
