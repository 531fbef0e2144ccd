/* reqparse: the Cookie header, query parameters, route patterns with {id}, the Origin check.
 * Every input is a heap copy of exactly its length (spans without a NUL after them) and
 * every output a buffer of exactly cap bytes followed by guard bytes, so ASan or the guard
 * check sees any read or write out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqparse.h"
#include "util.h"

#define GUARD 16
#define GUARD_BYTE 0x5a

/* ---- bounded outputs ---- */

typedef enum { P_COOKIE, P_QUERY } parser_t;

/* Runs a parser with an output of cap bytes; on success copies the value into got
 * (256 bytes). Fails the test on a write past cap or an unterminated value. */
static bool run_parser(parser_t which, const char *in, size_t in_len, const char *name, size_t cap, char *got) {
    char *out = malloc(cap + GUARD);
    memset(out, GUARD_BYTE, cap + GUARD);
    bool ok;
    if (which == P_COOKIE) {
        char *z = in ? xstrndup(in, in_len) : NULL;   /* a header is a C string */
        ok = reqparse_cookie(z, name, out, cap);
        free(z);
    } else {
        char *s = malloc(in_len ? in_len : 1);       /* a span: no NUL after it */
        if (in_len) memcpy(s, in, in_len);
        ok = reqparse_query(span_of(s, in_len), name, out, cap);
        free(s);
    }
    for (size_t i = cap; i < cap + GUARD; i++)
        if ((unsigned char)out[i] != GUARD_BYTE) fail_msg("'%s' (cap %zu): wrote past cap", in ? in : "(null)", cap);
    if (ok) {
        const char *nul = memchr(out, 0, cap);
        if (!nul) fail_msg("'%s' (cap %zu): value not NUL-terminated within cap", in, cap);
        memcpy(got, out, (size_t)(nul - out) + 1);
    }
    free(out);
    return ok;
}

static void expect_parsed(parser_t which, const char *in, const char *name, size_t cap, const char *want) {
    char got[256];
    if (!run_parser(which, in, in ? strlen(in) : 0, name, cap, got))
        fail_msg("'%s' name '%s' cap %zu: refused, wanted '%s'", in ? in : "(null)", name, cap, want);
    if (strcmp(got, want) != 0) fail_msg("'%s' name '%s': got '%s', wanted '%s'", in, name, got, want);
}

static void expect_refused(parser_t which, const char *in, const char *name, size_t cap) {
    char got[256];
    if (run_parser(which, in, in ? strlen(in) : 0, name, cap, got))
        fail_msg("'%s' name '%s' cap %zu: got '%s', wanted a refusal", in ? in : "(null)", name, cap, got);
}

#define COOKIE(in, name, want) expect_parsed(P_COOKIE, in, name, 64, want)
#define NO_COOKIE(in, name) expect_refused(P_COOKIE, in, name, 64)
#define QUERY(in, name, want) expect_parsed(P_QUERY, in, name, 64, want)
#define NO_QUERY(in, name) expect_refused(P_QUERY, in, name, 64)

/* "<prefix><n times c><suffix>" in one of two static buffers (two may be live at once) */
static const char *filled(const char *prefix, char c, size_t n, const char *suffix) {
    static char bufs[2][512];
    static int next;
    char *s = bufs[next++ % 2];
    size_t pl = strlen(prefix);
    assert_true(pl + n + strlen(suffix) < sizeof bufs[0]);
    memcpy(s, prefix, pl);
    memset(s + pl, c, n);
    strcpy(s + pl + n, suffix);
    return s;
}

/* ---- cookies ---- */

static void test_cookie_found(void **state) {
    (void)state;
    COOKIE("refresh=abc", "refresh", "abc");
    COOKIE("a=1; refresh=abc; b=2", "refresh", "abc");
    COOKIE("a=1;refresh=abc;b=2", "refresh", "abc");
    COOKIE("a=1; b=2; refresh=last", "refresh", "last");
    COOKIE(" ;; ; refresh=v", "refresh", "v");
    COOKIE("refresh=a=b", "refresh", "a=b");               /* '=' belongs to the value */
    COOKIE("refresh=%41+x", "refresh", "%41+x");           /* not decoded */
    COOKIE("refresh=v; ", "refresh", "v");
}

static void test_cookie_empty_value(void **state) {
    (void)state;
    COOKIE("refresh=", "refresh", "");
    COOKIE("refresh=; a=1", "refresh", "");
    expect_parsed(P_COOKIE, "refresh=", "refresh", 1, "");  /* "" fits in one byte */
}

static void test_cookie_absent(void **state) {
    (void)state;
    NO_COOKIE(NULL, "refresh");
    NO_COOKIE("", "refresh");
    NO_COOKIE(";", "refresh");
    NO_COOKIE("a=1; b=2", "refresh");
    NO_COOKIE("refresh", "refresh");                       /* no '=' */
    NO_COOKIE("refresh; a=b", "refresh");                  /* the '=' is another cookie's */
    NO_COOKIE("Refresh=x", "refresh");                     /* names are case-sensitive */
    NO_COOKIE("refresh =x", "refresh");
}

static void test_cookie_name_is_prefix(void **state) {
    (void)state;
    NO_COOKIE("refresh2=x", "refresh");
    NO_COOKIE("xrefresh=x", "refresh");
    NO_COOKIE("refresh2=x; xrefresh=y", "refresh");
    COOKIE("refresh2=x; refresh=y", "refresh", "y");
    COOKIE("xrefresh=x; refresh=y", "refresh", "y");
    COOKIE("refresh=y; refresh2=x", "refresh", "y");
    NO_COOKIE("ref=x", "refresh");
    NO_COOKIE("refresh=x", "refresh2");                    /* the name is longer */
}

static void test_cookie_first_wins(void **state) {
    (void)state;
    COOKIE("refresh=first; refresh=second", "refresh", "first");
    COOKIE("refresh=; refresh=second", "refresh", "");
}

/* For every cap up to 40: a value of cap-1 bytes between others fits, one of cap bytes
 * (between others, or last) does not. before: "<other><sep><name>=", after: "<sep><other>". */
static void check_caps(parser_t which, const char *before, const char *name, const char *after) {
    char last[32];
    snprintf(last, sizeof last, "%s=", name);
    for (size_t cap = 1; cap <= 40; cap++) {
        expect_parsed(which, filled(before, 'v', cap - 1, after), name, cap, filled("", 'v', cap - 1, ""));
        expect_refused(which, filled(before, 'v', cap, after), name, cap);
        expect_refused(which, filled(last, 'v', cap, ""), name, cap);
    }
    expect_refused(which, last, name, 0);
}

static void test_cookie_cap(void **state) {
    (void)state;
    check_caps(P_COOKIE, "a=1; refresh=", "refresh", "; b=2");
    expect_refused(P_COOKIE, "refresh=x", "refresh", 0);
}

/* ---- query parameters ---- */

static void test_query_found(void **state) {
    (void)state;
    QUERY("name=alice", "name", "alice");
    QUERY("a=1&name=bob&c=2", "name", "bob");
    QUERY("a=1&name=bob", "name", "bob");
    QUERY("&&name=x&", "name", "x");
    QUERY("name=a=b", "name", "a=b");
    QUERY("name&name=x", "name", "x");                     /* a bare name holds no value */
}

static void test_query_empty(void **state) {
    (void)state;
    QUERY("name=", "name", "");
    QUERY("name=&x=1", "name", "");
    expect_parsed(P_QUERY, "name=", "name", 1, "");
    NO_QUERY("", "name");
    NO_QUERY("&", "name");
    NO_QUERY("name", "name");
}

static void test_query_name_is_prefix(void **state) {
    (void)state;
    NO_QUERY("names=x", "name");
    NO_QUERY("xname=x", "name");
    NO_QUERY("name2=x&xname=y", "name");
    QUERY("names=x&name=y", "name", "y");
    QUERY("xname=x&name=y", "name", "y");
    NO_QUERY("nam=x", "name");
    NO_QUERY("a=name=x", "name");
}

static void test_query_decoding(void **state) {
    (void)state;
    QUERY("name=a+b", "name", "a b");
    QUERY("name=+", "name", " ");
    QUERY("name=%2B", "name", "+");
    QUERY("name=%20", "name", " ");
    QUERY("name=%41%62", "name", "Ab");
    QUERY("name=%e2%82%AC", "name", "\xe2\x82\xac");        /* either case of hex */
    QUERY("name=%25", "name", "%");
    QUERY("name=%26x", "name", "&x");                      /* an encoded '&' does not split */
    QUERY("name=%25%32%30", "name", "%20");                /* decoded once */
}

static void test_query_malformed(void **state) {
    (void)state;
    NO_QUERY("name=%", "name");                            /* '%' at the end */
    NO_QUERY("name=abc%", "name");
    NO_QUERY("name=%4", "name");                           /* one digit, then the end */
    NO_QUERY("name=%0", "name");
    NO_QUERY("name=%4&x=1", "name");                       /* the '&' is not a digit */
    NO_QUERY("name=%41%4", "name");
    NO_QUERY("name=%zz", "name");
    NO_QUERY("name=%G0", "name");
    NO_QUERY("name=%0g", "name");
    NO_QUERY("name=%%41", "name");
    NO_QUERY("name=%00", "name");                          /* NUL refused */
    NO_QUERY("name=a%00b", "name");
    NO_QUERY("name=%00&name=ok", "name");                  /* the first occurrence counts */
    NO_QUERY("name=%zz&name=ok", "name");
    QUERY("other=%zz&name=ok", "name", "ok");              /* other parameters are not checked */
}

static void test_query_first_wins(void **state) {
    (void)state;
    QUERY("name=one&name=two", "name", "one");
    QUERY("name=&name=two", "name", "");
}

static void test_query_cap(void **state) {
    (void)state;
    check_caps(P_QUERY, "a=1&name=", "name", "&b=2");
    /* the cap counts decoded bytes: 9 encoded bytes make 3 */
    expect_parsed(P_QUERY, "name=%41%41%41", "name", 4, "AAA");
    expect_refused(P_QUERY, "name=%41%41%41%41", "name", 4);
}

static void test_query_span_length(void **state) {
    (void)state;
    char got[256];
    /* only len bytes count: what follows is not part of the query */
    assert_true(run_parser(P_QUERY, "name=abc&x=1", 6, "name", 64, got));
    assert_string_equal(got, "a");
    assert_true(run_parser(P_QUERY, "name=abcdef", 5, "name", 64, got));
    assert_string_equal(got, "");
    assert_false(run_parser(P_QUERY, "name=abc", 4, "name", 64, got));
    assert_false(run_parser(P_QUERY, "name=%41", 7, "name", 64, got));   /* "%4" then the end */
    assert_false(run_parser(P_QUERY, "name=x", 0, "name", 64, got));
}

/* ---- routes ---- */

/* reqparse_route on an exact-length heap copy of path; *id as it set it. */
static bool route(const char *pattern, const char *path, int64_t *id) {
    size_t n = strlen(path);
    char *p = malloc(n ? n : 1);
    if (n) memcpy(p, path, n);
    *id = -1;
    bool ok = reqparse_route(pattern, span_of(p, n), id);
    free(p);
    return ok;
}

static void expect_route(const char *pattern, const char *path, int64_t want_id) {
    int64_t id;
    if (!route(pattern, path, &id)) fail_msg("'%s' does not match '%s'", path, pattern);
    if (id != want_id) fail_msg("'%s' on '%s': id %lld, wanted %lld", path, pattern, (long long)id, (long long)want_id);
}

static void expect_no_route(const char *pattern, const char *path) {
    int64_t id;
    if (route(pattern, path, &id)) fail_msg("'%s' matches '%s' (id %lld)", path, pattern, (long long)id);
}

static void test_route_plain(void **state) {
    (void)state;
    expect_route("/api/users/me", "/api/users/me", 0);
    expect_route("/api/users/me", "/api/users/me/", 0);    /* one trailing slash */
    expect_no_route("/api/users/me", "/api/users/me//");
    expect_no_route("/api/users/me", "/api/users/mex");
    expect_no_route("/api/users/me", "/api/users/m");
    expect_no_route("/api/users/me", "/api/users/me/export");
    expect_no_route("/api/users/me", "/API/users/me");
    expect_no_route("/api/users/me", "");
    expect_route("/api", "/api", 0);
    expect_no_route("/api", "/ap");
}

static void test_route_id(void **state) {
    (void)state;
    expect_route("/api/users/{id}", "/api/users/42", 42);
    expect_route("/api/users/{id}", "/api/users/42/", 42);  /* trailing slash */
    expect_route("/api/users/{id}", "/api/users/1", 1);
    expect_route("/api/users/{id}", "/api/users/9", 9);
    expect_no_route("/api/users/{id}", "/api/users/");
    expect_no_route("/api/users/{id}", "/api/users");
    expect_no_route("/api/users/{id}", "/api/users//");
    expect_no_route("/api/users/{id}", "/api/users/0");     /* leading zero / zero */
    expect_no_route("/api/users/{id}", "/api/users/042");
    expect_no_route("/api/users/{id}", "/api/users/00");
    expect_no_route("/api/users/{id}", "/api/users/-1");
    expect_no_route("/api/users/{id}", "/api/users/+1");
    expect_no_route("/api/users/{id}", "/api/users/12a");
    expect_no_route("/api/users/{id}", "/api/users/a12");
    expect_no_route("/api/users/{id}", "/api/users/1 ");
    expect_no_route("/api/users/{id}", "/api/users/42/friends");   /* extra segment */
    expect_no_route("/api/users/{id}", "/api/users/42//");
    expect_no_route("/api/users/{id}", "/api/users/me");
}

static void test_route_id_digits(void **state) {
    (void)state;
    expect_route("/api/users/{id}", "/api/users/999999999999999999", 999999999999999999LL);   /* 18 digits */
    expect_route("/api/users/{id}", "/api/users/100000000000000000", 100000000000000000LL);
    expect_route("/api/users/{id}", "/api/users/123456789012345678/", 123456789012345678LL);
    expect_no_route("/api/users/{id}", "/api/users/1000000000000000000");   /* 19 digits */
    expect_no_route("/api/users/{id}", "/api/users/9223372036854775807");   /* INT64_MAX */
    expect_no_route("/api/users/{id}", "/api/users/99999999999999999999999999");
    expect_no_route("/api/users/{id}/avatar", "/api/users/1000000000000000000/avatar");
}

static void test_route_id_inside(void **state) {
    (void)state;
    expect_route("/api/users/{id}/avatar", "/api/users/7/avatar", 7);
    expect_route("/api/users/{id}/avatar", "/api/users/7/avatar/", 7);
    expect_route("/api/friends/{id}/accept", "/api/friends/123/accept", 123);
    expect_no_route("/api/users/{id}/avatar", "/api/users/7");
    expect_no_route("/api/users/{id}/avatar", "/api/users/7/");
    expect_no_route("/api/users/{id}/avatar", "/api/users/7x/avatar");
    expect_no_route("/api/users/{id}/avatar", "/api/users//avatar");
    expect_no_route("/api/users/{id}/avatar", "/api/users/07/avatar");
    expect_no_route("/api/users/{id}/avatar", "/api/users/7/avatarx");
    expect_no_route("/api/users/{id}/avatar", "/api/users/7/avatar/x");
    /* {id} is a whole segment: digits followed by anything but '/' are not one */
    expect_no_route("/api/games/{id}.json", "/api/games/12.json");
    expect_no_route("/api/games/{id}x", "/api/games/12x");
}

static void test_route_span_length(void **state) {
    (void)state;
    int64_t id;
    const char *s = "/api/users/42/avatar";
    char *p = malloc(strlen(s));
    memcpy(p, s, strlen(s));
    assert_true(reqparse_route("/api/users/{id}", span_of(p, 13), &id));   /* "/api/users/42" */
    assert_int_equal(id, 42);
    assert_true(reqparse_route("/api/users/{id}", span_of(p, 14), &id));   /* "/api/users/42/" */
    assert_int_equal(id, 42);
    assert_true(reqparse_route("/api/users/{id}", span_of(p, 12), &id));   /* "/api/users/4" */
    assert_int_equal(id, 4);
    assert_false(reqparse_route("/api/users/{id}", span_of(p, 11), &id));  /* "/api/users/" */
    assert_false(reqparse_route("/api/users/{id}/avatar", span_of(p, 19), &id));
    free(p);
}

/* ---- Origin ---- */

static const char ALLOWED[][256] = { "https://pong.example.org", "http://localhost:5173" };

static void test_origin_own_host(void **state) {
    (void)state;
    /* the request's Host is never trusted: an empty list allows nothing */
    assert_false(reqparse_origin_ok("https://pong.test", NULL, 0));
    assert_false(reqparse_origin_ok("https://localhost:8443", ALLOWED, 0));
    assert_false(reqparse_origin_ok("", NULL, 0));
}

static void test_origin_null(void **state) {
    (void)state;
    assert_false(reqparse_origin_ok(NULL, NULL, 0));
    assert_false(reqparse_origin_ok(NULL, ALLOWED, 2));
}

static void test_origin_allowed_list(void **state) {
    (void)state;
    assert_true(reqparse_origin_ok("https://pong.example.org", ALLOWED, 2));
    assert_true(reqparse_origin_ok("http://localhost:5173", ALLOWED, 2));   /* http when listed */
    assert_false(reqparse_origin_ok("https://pong.test", ALLOWED, 2));
    assert_false(reqparse_origin_ok("http://pong.example.org", ALLOWED, 2));
    assert_false(reqparse_origin_ok("https://pong.example.org.evil", ALLOWED, 2));
    assert_false(reqparse_origin_ok("https://pong.example.or", ALLOWED, 2));
    assert_false(reqparse_origin_ok("https://pong.example.org/", ALLOWED, 2));
    assert_false(reqparse_origin_ok("HTTPS://PONG.EXAMPLE.ORG", ALLOWED, 2));
    assert_false(reqparse_origin_ok("", ALLOWED, 2));
    /* only the first n entries count */
    assert_false(reqparse_origin_ok("http://localhost:5173", ALLOWED, 1));
    assert_false(reqparse_origin_ok("https://pong.example.org", ALLOWED, 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_found),
        cmocka_unit_test(test_cookie_empty_value),
        cmocka_unit_test(test_cookie_absent),
        cmocka_unit_test(test_cookie_name_is_prefix),
        cmocka_unit_test(test_cookie_first_wins),
        cmocka_unit_test(test_cookie_cap),
        cmocka_unit_test(test_query_found),
        cmocka_unit_test(test_query_empty),
        cmocka_unit_test(test_query_name_is_prefix),
        cmocka_unit_test(test_query_decoding),
        cmocka_unit_test(test_query_malformed),
        cmocka_unit_test(test_query_first_wins),
        cmocka_unit_test(test_query_cap),
        cmocka_unit_test(test_query_span_length),
        cmocka_unit_test(test_route_plain),
        cmocka_unit_test(test_route_id),
        cmocka_unit_test(test_route_id_digits),
        cmocka_unit_test(test_route_id_inside),
        cmocka_unit_test(test_route_span_length),
        cmocka_unit_test(test_origin_own_host),
        cmocka_unit_test(test_origin_null),
        cmocka_unit_test(test_origin_allowed_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
