/* Request-path handling that owns no socket: checking a path, classifying it, rebuilding a URL. */
#ifndef PONGD_PATH_H
#define PONGD_PATH_H

#include <stddef.h>
#include <stdbool.h>
#include "util.h"

/* Normalises a decoded request path into out (capacity cap): must start with '/', "//" runs
 * collapse to "/", and it is refused (ERR_INVALID) if it holds a NUL, a backslash, a control
 * byte, or a "." or ".." segment, which no served name ever has. ERR_LIMIT if out is too small.
 * Returns the normalised length. Never decodes: the HTTP layer decoded once already, so
 * "%2e%2e" arriving here is a literal name, never a parent directory. */
int path_normalise(const char *in, size_t len, char *out, size_t cap);

/* Where a normalised path goes. */
typedef enum {
    ROUTE_API,        /* /api or /api/... */
    ROUTE_WS,         /* /ws/... */
    ROUTE_STATIC,     /* /static/... : a file or 404 */
    ROUTE_HEALTHZ,    /* /healthz */
    ROUTE_METRICS,    /* /metrics */
    ROUTE_OTHER,      /* a root file, or the single-page fallback */
} route_t;
route_t path_route(span_t path);

/* True for [A-Za-z0-9_-]{1,64}. */
bool path_room_name_valid(span_t name);

/* Parses "/ws/chat/<room>" or "/ws/chat/<room>/" and returns the room span (pointing into
 * path) in *room; false for anything else. */
bool path_chat_room(span_t path, span_t *room);

/* Appends a percent-encoded form of a decoded path (unreserved characters and "/" kept). */
int path_encode(buf_t *out, span_t path);

/* Extracts the host name (no port) from a Host header value; false when it is not a plain
 * DNS name, IPv4 or bracketed IPv6 literal. */
bool path_host_name(span_t host, char *out, size_t cap);

/* Does the Accept header value admit text/html (text/html, text/ *, * / * or absent)? */
bool path_accepts_html(const char *accept);

/* Does the Accept-Encoding header value admit gzip (q > 0)? */
bool path_accepts_gzip(const char *accept_encoding);

#endif
