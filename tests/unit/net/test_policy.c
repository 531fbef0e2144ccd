/* policy: the security headers of every response, as a table and as raw header lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* The value of the header called name (with its colon), or NULL. */
static const char *header(const char *name) {
    size_t n;
    const policy_header_t *h = policy_headers(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].name, name) == 0) return h[i].value;
    return NULL;
}

static const char *must(const char *name) {
    const char *v = header(name);
    if (!v) fail_msg("no %s header", name);
    return v;
}

static void test_headers_present(void **state) {
    (void)state;
    const char *csp = must("content-security-policy:");
    assert_non_null(strstr(csp, "default-src 'self'"));
    assert_non_null(strstr(csp, "object-src 'none'"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(csp, "base-uri 'none'"));
    assert_null(strstr(csp, "unsafe-inline"));
    assert_null(strstr(csp, "'unsafe-eval'"));      /* only 'wasm-unsafe-eval' */
    assert_null(strstr(csp, "*"));
    const char *hsts = must("strict-transport-security:");
    assert_true(strncmp(hsts, "max-age=", 8) == 0);
    assert_true(atol(hsts + 8) >= 31536000);        /* a year at least */
    assert_string_equal(must("x-content-type-options:"), "nosniff");
    assert_string_equal(must("x-frame-options:"), "DENY");
    assert_non_null(must("referrer-policy:"));
    assert_null(strstr(must("referrer-policy:"), "unsafe-url"));
}

static void test_headers_well_formed(void **state) {
    (void)state;
    size_t n;
    const policy_header_t *h = policy_headers(&n);
    assert_true(n >= 5);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(h[i].name);
        assert_true(len >= 2);
        assert_int_equal(h[i].name[len - 1], ':');
        for (size_t k = 0; k + 1 < len; k++)
            if (!(islower((unsigned char)h[i].name[k]) || h[i].name[k] == '-')) fail_msg("header name '%s'", h[i].name);
        assert_true(h[i].value[0] != '\0');
        for (const char *v = h[i].value; *v; v++)
            if ((unsigned char)*v < 0x20 || *v == 0x7f) fail_msg("control byte in %s", h[i].name);
        for (size_t j = i + 1; j < n; j++) assert_string_not_equal(h[i].name, h[j].name);
    }
}

/* The raw lines as they must be: "name value\r\n" for each header, in order. */
static char *expected_raw(void) {
    size_t n, cap = 1;
    const policy_header_t *h = policy_headers(&n);
    for (size_t i = 0; i < n; i++) cap += strlen(h[i].name) + 1 + strlen(h[i].value) + 2;
    char *s = malloc(cap), *p = s;
    for (size_t i = 0; i < n; i++) p += sprintf(p, "%s %s\r\n", h[i].name, h[i].value);
    assert_int_equal((size_t)(p - s) + 1, cap);
    return s;
}

static void test_raw_lines(void **state) {
    (void)state;
    char *want = expected_raw();
    size_t len = strlen(want);
    char *out = malloc(len + 1);                     /* exactly enough: ASan sees an overrun */
    assert_int_equal(policy_headers_raw(out, len + 1), len);
    assert_string_equal(out, want);
    char big[8192];
    assert_true(len < sizeof big);
    assert_int_equal(policy_headers_raw(big, sizeof big), len);
    assert_string_equal(big, want);
    free(out);
    free(want);
}

static void test_raw_too_small(void **state) {
    (void)state;
    char *want = expected_raw();
    size_t len = strlen(want);
    for (size_t cap = 0; cap <= len; cap++) {       /* cap == len: no room for the NUL */
        char *out = malloc(cap ? cap : 1);
        size_t got = policy_headers_raw(out, cap);
        free(out);
        if (got != 0) fail_msg("cap %zu of %zu: returned %zu, wanted 0", cap, len + 1, got);
    }
    free(want);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_present),
        cmocka_unit_test(test_headers_well_formed),
        cmocka_unit_test(test_raw_lines),
        cmocka_unit_test(test_raw_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
