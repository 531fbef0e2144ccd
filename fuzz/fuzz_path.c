/* libFuzzer: request-path and header helpers on arbitrary bytes. path_normalise's output
 * must start with '/', hold no "//", no "." or ".." segment, no backslash or control byte,
 * and normalise to itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "path.h"
#include "pongd_limits.h"
#include "util.h"

static void check_normalised(const char *p, int n, size_t cap) {
    if (n < 1 || (size_t)n >= cap || p[n] != '\0' || strlen(p) != (size_t)n || p[0] != '/') abort();
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7f || c == '\\') abort();
        if (c == '/' && i + 1 < n && p[i + 1] == '/') abort();
    }
    /* segments */
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (j < n && p[j] != '/') j++;
        int seg = j - i - 1;
        if (seg == 1 && p[i + 1] == '.') abort();
        if (seg == 2 && p[i + 1] == '.' && p[i + 2] == '.') abort();
        i = j;
    }
}

static void normalise(const char *in, size_t len, size_t cap) {
    char *out = malloc(cap ? cap : 1); /* exact size: ASan sees any overrun */
    int n = path_normalise(in, len, out, cap);
    if (n >= 0) {
        check_normalised(out, n, cap);
        /* idempotent */
        char *again = malloc((size_t)n + 2);
        int n2 = path_normalise(out, (size_t)n, again, (size_t)n + 2);
        if (n2 != n || memcmp(again, out, (size_t)n) != 0) abort();
        free(again);
        span_t p = span_of(out, (size_t)n);
        route_t r = path_route(p);
        if (r > ROUTE_OTHER) abort();
        span_t room;
        if (path_chat_room(p, &room)) {
            if (r != ROUTE_WS || !path_room_name_valid(room)) abort();
            if (room.ptr < out || room.ptr + room.len > out + n) abort();
        }
    } else if (n != ERR_INVALID && n != ERR_LIMIT) {
        abort();
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 70000) return 0;
    const char *in = (const char *)data;
    normalise(in, size, LIM_HTTP_URI_BYTES + 1);
    normalise(in, size, size / 2 + 1);

    span_t raw = span_of(in, size);
    span_t room;
    if (path_chat_room(raw, &room) && !path_room_name_valid(room)) abort();
    (void)path_route(raw);

    char host[256];
    if (path_host_name(raw, host, sizeof host)) {
        size_t hl = strlen(host);
        if (hl == 0 || hl > 253 || hl > size || memcmp(host, in, hl) != 0) abort();
    }

    buf_t enc;
    buf_init(&enc, 3 * size + 1);
    if (path_encode(&enc, raw) != 0) abort();
    for (size_t i = 0; i < enc.len; i++) {
        unsigned char c = (unsigned char)enc.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '?' || c == '#') abort();
    }
    buf_free(&enc);

    (void)mime_type(raw);
    (void)mime_compressible(raw);
    (void)mime_is_hashed_name(raw);

    /* header values arrive NUL-terminated */
    char *z = malloc(size + 1);
    memcpy(z, in, size);
    z[size] = '\0';
    (void)path_accepts_html(z);
    (void)path_accepts_gzip(z);
    (void)mime_etag_matches(z, "\"0123456789abcdef0123456789abcdef\"");
    (void)mime_etag_matches(z, "\"0123456789abcdef0123456789abcdef-gz\"");
    (void)mime_etag_matches("\"x\", W/\"y\"", z); /* a stored tag is ours, but stay safe anyway */
    free(z);
    return 0;
}
