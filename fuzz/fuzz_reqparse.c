/* libFuzzer: the request parsers of reqparse.h on arbitrary bytes.
 *
 * Input: cap (1 byte), selector (1 byte), then name NUL body. Without a NUL (or with an
 * empty name) the name and the route pattern come from the tables below. The body is given
 * as a span in an exact-size heap copy with no NUL after it (query, route path) and as a
 * NUL-terminated copy (Cookie, Origin); outputs are exactly cap bytes, so ASan sees any
 * access out of bounds. Invariants: a value is NUL-terminated within cap, the cookie value
 * stands after "name=" in the header, the decoded query value is what a plain decoder
 * makes of the first "name=" parameter and never longer than its input, a route id is
 * 1 .. 10^18-1 (at most 18 digits) and 0 without {id}, and the Origin check is exactly
 * "https://<host>" or an allowed entry. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqparse.h"
#include "util.h"

static const char *const NAMES[] = { "refresh", "display_name", "a", "name" };
static const char *const PATTERNS[] = {
    "/api/users/{id}", "/api/users/{id}/avatar", "/api/friends/{id}/accept", "/api/users/me", "/api", "{id}", "/a/{id}x{id}",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define check(cond) check_at(cond, #cond, __LINE__)
static void check_at(bool ok, const char *what, int line) {
    if (ok) return;
    fprintf(stderr, "fuzz_reqparse.c:%d: invariant failed: %s\n", line, what);
    abort();
}

/* a bounded output: NUL-terminated within its cap bytes; its length */
static size_t value_len(const char *out, size_t cap) {
    const char *nul = memchr(out, 0, cap);
    check(nul != NULL);
    return (size_t)(nul - out);
}

static void fuzz_cookie(const char *header, const char *name, size_t cap) {
    char *out = malloc(cap ? cap : 1);
    if (reqparse_cookie(header, name, out, cap)) {
        size_t n = value_len(out, cap);
        check(cap > 0 && n < cap && n <= strlen(header));
        check(strchr(out, ';') == NULL);
        /* "name=value" is in the header, ending it or a ';' */
        size_t nl = strlen(name);
        char *needle = malloc(nl + 1 + n + 1);
        memcpy(needle, name, nl);
        needle[nl] = '=';
        memcpy(needle + nl + 1, out, n + 1);
        bool found = false;
        for (const char *p = strstr(header, needle); p && !found; p = strstr(p + 1, needle))
            found = p[nl + 1 + n] == '\0' || p[nl + 1 + n] == ';';
        check(found);
        free(needle);
    }
    free(out);
}

static int hex(char c) {
    const char *digits = "0123456789abcdefABCDEF", *p = c ? strchr(digits, c) : NULL;
    return !p ? -1 : p - digits < 16 ? (int)(p - digits) : (int)(p - digits) - 6;
}

/* A plain decoder of the first "name=" parameter: the value's length, or -1 (absent,
 * malformed, a NUL, too long for cap). */
static long ref_query(span_t q, const char *name, char *out, size_t cap) {
    size_t nl = strlen(name);
    for (size_t start = 0; start <= q.len;) {
        const char *amp = memchr(q.ptr + start, '&', q.len - start);
        size_t end = amp ? (size_t)(amp - q.ptr) : q.len;
        if (end - start > nl && memcmp(q.ptr + start, name, nl) == 0 && q.ptr[start + nl] == '=') {
            size_t k = 0;
            for (size_t p = start + nl + 1; p < end; p++, k++) {
                char c = q.ptr[p] == '+' ? ' ' : q.ptr[p];
                if (c == '%') {
                    if (end - p < 3 || hex(q.ptr[p + 1]) < 0 || hex(q.ptr[p + 2]) < 0) return -1;
                    c = (char)(hex(q.ptr[p + 1]) << 4 | hex(q.ptr[p + 2]));
                    p += 2;
                }
                if (c == '\0' || k + 1 >= cap) return -1;
                out[k] = c;
            }
            if (k >= cap) return -1;   /* no room for the NUL */
            out[k] = 0;
            return (long)k;
        }
        if (!amp) break;
        start = end + 1;
    }
    return -1;
}

static void fuzz_query(span_t q, const char *name, size_t cap) {
    char *out = malloc(cap ? cap : 1), *want = malloc(cap ? cap : 1);
    bool ok = reqparse_query(q, name, out, cap);
    long wn = ref_query(q, name, want, cap);
    check(ok == (wn >= 0));
    if (ok) {
        size_t n = value_len(out, cap);
        check(n < cap && n + strlen(name) + 1 <= q.len);   /* decoded no longer than its input */
        check((long)n == wn && memcmp(out, want, n) == 0);
    }
    free(out);
    free(want);
}

static void fuzz_route(const char *pattern, span_t path) {
    int64_t id = -1;
    if (!reqparse_route(pattern, path, &id)) return;
    size_t pl = strlen(pattern);
    if (!strstr(pattern, "{id}")) {
        /* the pattern itself, or with one trailing slash */
        check(id == 0);
        check(path.len == pl || (path.len == pl + 1 && path.ptr[pl] == '/'));
        check(memcmp(path.ptr, pattern, pl) == 0);
        return;
    }
    check(id >= 1 && id <= 999999999999999999LL);
    char digits[24];
    int dn = snprintf(digits, sizeof digits, "%lld", (long long)id);
    check(dn >= 1 && dn <= 18);
    check(memmem(path.ptr, path.len, digits, (size_t)dn) != NULL);
}

static void fuzz_origin(const char *origin, const char *host, uint8_t sel) {
    int n = sel % 3;
    char (*allowed)[256] = malloc(n ? (size_t)n * 256 : 1);   /* exactly n entries */
    if (n > 0) snprintf(allowed[0], 256, "%s", host);
    if (n > 1) snprintf(allowed[1], 256, "https://%s", host);
    bool ok = reqparse_origin_ok(origin, (const char(*)[256])allowed, n);
    bool want = false;
    for (int i = 0; i < n; i++) want = want || strcmp(origin, allowed[i]) == 0;
    check(ok == want);   /* n == 0: nothing, whatever the Host */
    check(!reqparse_origin_ok(NULL, (const char(*)[256])allowed, n));
    check(!reqparse_origin_ok(origin, NULL, 0));
    free(allowed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2 || size > 70000) return 0;
    size_t cap = data[0];
    uint8_t sel = data[1];
    const char *rest = (const char *)data + 2;
    size_t rn = size - 2;
    const char *nul = memchr(rest, 0, rn);
    size_t name_len = nul ? (size_t)(nul - rest) : 0;
    const char *body = nul ? nul + 1 : rest;
    size_t body_len = rn - (size_t)(body - rest);

    char *fuzzed_name = xstrndup(rest, name_len);
    const char *name = name_len ? fuzzed_name : NAMES[sel % COUNT(NAMES)];
    const char *pattern = name_len ? fuzzed_name : PATTERNS[sel % COUNT(PATTERNS)];
    char *span_copy = malloc(body_len ? body_len : 1);         /* no NUL after it */
    if (body_len) memcpy(span_copy, body, body_len);
    span_t span = span_of(span_copy, body_len);
    char *cstr = xstrndup(body, body_len);                     /* stops at a NUL inside */

    fuzz_cookie(cstr, name, cap);
    fuzz_query(span, name, cap);
    fuzz_route(pattern, span);
    if (name_len) fuzz_route(PATTERNS[sel % COUNT(PATTERNS)], span);
    fuzz_origin(cstr, name, sel);

    free(cstr);
    free(span_copy);
    free(fuzzed_name);
    return 0;
}
