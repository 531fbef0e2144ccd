#include "mime.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* text: worth gzipping. HTML documents are not compressed although they are text: they are
 * what a browser navigates to, the one kind of response where a page could some day carry a
 * secret next to a reflected parameter (BREACH), and the app's are about 1 KB
 * (docs/security.md, "Scanners"). */
typedef struct { const char *ext, *type; bool text; } mime_t;

static const mime_t TYPES[] = {
    { "html", "text/html; charset=utf-8", false },
    { "htm", "text/html; charset=utf-8", false },
    { "css", "text/css; charset=utf-8", true },
    { "js", "text/javascript; charset=utf-8", true },
    { "mjs", "text/javascript; charset=utf-8", true },
    { "json", "application/json", true },
    { "map", "application/json", true },
    { "webmanifest", "application/manifest+json", true },
    { "txt", "text/plain; charset=utf-8", true },
    { "xml", "application/xml", true },
    { "svg", "image/svg+xml", true },
    { "png", "image/png", false },
    { "jpg", "image/jpeg", false },
    { "jpeg", "image/jpeg", false },
    { "gif", "image/gif", false },
    { "webp", "image/webp", false },
    { "avif", "image/avif", false },
    { "ico", "image/x-icon", false },
    { "woff", "font/woff", false },
    { "woff2", "font/woff2", false },
    { "ttf", "font/ttf", false },
    { "wasm", "application/wasm", true },
    { "mp3", "audio/mpeg", false },
    { "ogg", "audio/ogg", false },
};

static const mime_t *lookup(span_t name) {
    size_t i = name.len;
    while (i > 0 && name.ptr[i - 1] != '.' && name.ptr[i - 1] != '/') i--;
    if (i == 0 || name.ptr[i - 1] != '.') return NULL;
    span_t ext = { name.ptr + i, name.len - i };
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++)
        if (strlen(TYPES[k].ext) == ext.len && strncasecmp(TYPES[k].ext, ext.ptr, ext.len) == 0)
            return &TYPES[k];
    return NULL;
}

const char *mime_type(span_t name) {
    const mime_t *m = lookup(name);
    return m ? m->type : "application/octet-stream";
}

bool mime_compressible(span_t name) {
    const mime_t *m = lookup(name);
    return m && m->text;
}

bool mime_is_hashed_name(span_t name) {
    size_t base = name.len;
    while (base > 0 && name.ptr[base - 1] != '/') base--;
    const char *b = name.ptr + base;
    size_t n = name.len - base;
    const char *dot = memchr(b, '.', n);
    if (!dot) return false;
    /* the hash is between the last '-' before the first '.' and that '.' */
    const char *dash = NULL;
    for (const char *p = b; p < dot; p++)
        if (*p == '-') dash = p;
    if (!dash || dash == b) return false;
    size_t hl = (size_t)(dot - dash - 1);
    if (hl < 8 || hl > 64) return false;
    bool upper = true, hex = true, digit = false;
    for (const char *p = dash + 1; p < dot; p++) {
        unsigned char c = (unsigned char)*p;
        if (isdigit(c)) digit = true;
        if (!(isdigit(c) || (c >= 'A' && c <= 'Z'))) upper = false;
        if (!(isdigit(c) || (c >= 'a' && c <= 'f'))) hex = false;
    }
    /* esbuild's [hash] is 8 characters of base32 (A-Z, 2-7): about one build in five draws
     * one without a digit, which is still a hash (web/build.mjs names every bundle so) */
    return (upper || hex) && (digit || hl >= 16 || (upper && hl == 8));
}

void mime_etag(const unsigned char digest[16], const char *suffix, char *out, size_t cap) {
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    snprintf(out, cap, "\"%s%s\"", hex, suffix ? suffix : "");
}

bool mime_etag_matches(const char *inm, const char *etag) {
    if (!inm) return false;
    const char *tag = etag;
    if (tag[0] == 'W' && tag[1] == '/') tag += 2;
    size_t tl = strlen(tag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        if (!*p) break;
        if (*p == '*') return true;
        if (p[0] == 'W' && p[1] == '/') p += 2;
        const char *s = p;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') p++;
            if (*p == '"') p++;
        } else {
            while (*p && *p != ',' && *p != ' ') p++;
        }
        if ((size_t)(p - s) == tl && memcmp(s, tag, tl) == 0) return true;
        while (*p && *p != ',') p++;
    }
    return false;
}
