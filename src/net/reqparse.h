/* reqparse — the bounded parsers of request parts that handlers need: cookies, query
 * parameters, route patterns, the Origin check. Pure (no allocation, no I/O), each input
 * read only within its length, unit-tested (tests/unit/net/test_reqparse.c) and fuzzed
 * (fuzz/fuzz_reqparse.c). */
#ifndef PONGD_REQPARSE_H
#define PONGD_REQPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The value of cookie `name` in a Cookie header (NULL: none), copied into out (at most cap-1
 * bytes, NUL-terminated). false when absent or longer than cap-1. */
bool reqparse_cookie(const char *header, const char *name, char *out, size_t cap);

/* The value of query parameter `name` in q (without '?'), percent-decoded ('+' is a space),
 * into out (at most cap-1 bytes, NUL-terminated). false when absent, malformed (a '%' not
 * followed by two hex digits), too long or holding a NUL. The first occurrence counts. */
bool reqparse_query(span_t q, const char *name, char *out, size_t cap);

/* A route pattern matches path exactly, or with one trailing slash. "{id}" in the pattern
 * matches one segment of 1 to 18 digits without a leading zero, whose value goes to *id
 * (0 when the pattern has none). */
bool reqparse_route(const char *pattern, span_t path, int64_t *id);

/* May a request with this Origin header (NULL: none) act on a cookie or open a WebSocket?
 * Only an exact match of one of the n allowed origins (the request's Host is never
 * trusted: pongd fills the list at startup from ALLOWED_ORIGINS, PUBLIC_ORIGIN or the
 * certificate's names, see config_origins_finish). n == 0: never. */
bool reqparse_origin_ok(const char *origin, const char (*allowed)[256], int n);

#endif
