#include "log.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void stamp(char *out, size_t cap) {
    uint64_t ms = now_wall_ms();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03uZ", (unsigned)(ms % 1000));
}

/* The length of the valid UTF-8 sequence at p (n > 0 bytes left), 0 if it is not one, and
 * its code point in *cp. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp) {
    unsigned char c = p[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80, *cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800, *cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000, *cp = c & 0x07u;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        *cp = *cp << 6 | (p[i] & 0x3fu);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0; /* overlong, surrogate */
    return len;
}

/* Characters that reorder, hide or break a displayed line (bidirectional controls, line and
 * paragraph separators). */
static bool display_control(uint32_t cp) {
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

size_t log_escape(char *out, size_t cap, const char *in, size_t len) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, w = 0; /* the whole escaped text's length so far; bytes written to out */
    bool full = false;   /* a piece did not fit: nothing more is written */
    for (size_t i = 0; i < len;) {
        char e[12];
        size_t en;
        uint32_t cp = 0;
        size_t n = utf8_seq(p + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7f || cp == '\\' || (cp >= 0x80 && cp <= 0x9f)) {
            n = n ? n : 1; /* a control character's bytes, or one byte of invalid UTF-8 */
            en = 0;
            for (size_t k = 0; k < n; k++) {
                e[en++] = '\\', e[en++] = 'x', e[en++] = hex[p[i + k] >> 4], e[en++] = hex[p[i + k] & 15];
            }
        } else if (display_control(cp)) {
            en = (size_t)snprintf(e, sizeof e, "\\u%04x", (unsigned)cp);
        } else {
            memcpy(e, p + i, n);
            en = n;
        }
        if (!full && w + en < cap) {
            memcpy(out + w, e, en);
            w += en;
        } else {
            full = true;
        }
        o += en;
        i += n;
    }
    if (cap > 0) out[w] = '\0';
    return o;
}

void log_access(const char *fmt, ...) {
    char ts[40];
    stamp(ts, sizeof ts);
    char line[8192], *text = line;
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof line) {
        text = xmalloc((size_t)n + 1);
        vsnprintf(text, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    if (n < 0) n = 0;
    char esc[4 * sizeof line + 1], *e = esc;
    size_t need = log_escape(esc, sizeof esc, text, (size_t)n);
    if (need >= sizeof esc) {
        e = xmalloc(need + 1);
        log_escape(e, need + 1, text, (size_t)n);
    }
    fprintf(stdout, "%s %s\n", ts, e);
    if (e != esc) free(e);
    if (text != line) free(text);
}

void log_msg(const char *level, const char *fmt, ...) {
    char msg[1024], esc[4 * sizeof msg];
    char ts[40];
    stamp(ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    while (len && msg[len - 1] == '\n') len--;
    /* messages may quote what came from outside (a peer, a mail server's answer) */
    log_escape(esc, sizeof esc, msg, len);
    fprintf(stderr, "%s %s %s\n", ts, level, esc);
}

void log_flush(void) { fflush(stdout); }
