/* libFuzzer: the access log's escaping (log_escape) on arbitrary bytes. The output must be
 * one printable line (no C0, DEL, C1, invalid UTF-8 or bidirectional control left), must
 * decode back to the input exactly (\xHH and \uHHHH), and a shorter buffer must get a
 * prefix of it cut at a whole escape. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes the escaped text back into out (the caller sized it); its length. */
static size_t unescape(const char *s, size_t n, unsigned char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) abort();
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        if (i + 1 >= n) abort();
        if (s[i + 1] == 'x') {
            if (i + 4 > n) abort();
            int h = hexval(s[i + 2]), l = hexval(s[i + 3]);
            if (h < 0 || l < 0) abort();
            out[o++] = (unsigned char)(h << 4 | l);
            i += 4;
        } else if (s[i + 1] == 'u') {
            if (i + 6 > n) abort();
            unsigned cp = 0;
            for (int k = 2; k < 6; k++) {
                int v = hexval(s[i + k]);
                if (v < 0) abort();
                cp = cp << 4 | (unsigned)v;
            }
            if (cp < 0x800) {
                out[o++] = (unsigned char)(0xc0 | cp >> 6);
                out[o++] = (unsigned char)(0x80 | (cp & 0x3f));
            } else {
                out[o++] = (unsigned char)(0xe0 | cp >> 12);
                out[o++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
                out[o++] = (unsigned char)(0x80 | (cp & 0x3f));
            }
            i += 6;
        } else {
            abort();
        }
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    size_t need = log_escape(NULL, 0, in, size);
    char *out = malloc(need + 1);
    if (log_escape(out, need + 1, in, size) != need || strlen(out) != need) abort();
    unsigned char *back = malloc(need + 1);
    if (unescape(out, need, back) != size || memcmp(back, data, size) != 0) abort();
    /* no raw C1 (U+0080-U+009F) or bidirectional control survives */
    for (size_t i = 0; i + 1 < need; i++) {
        unsigned char a = (unsigned char)out[i], b = (unsigned char)out[i + 1];
        if (a == 0xc2 && b >= 0x80 && b <= 0x9f) abort();
        if (a == 0xe2 && b == 0x80 && i + 2 < need && (unsigned char)out[i + 2] >= 0xaa && (unsigned char)out[i + 2] <= 0xae) abort();
    }
    /* a smaller buffer: a prefix, never half an escape */
    size_t cap = size ? data[0] % (need + 1) + 1 : 1;
    char *cut = malloc(cap);
    if (log_escape(cut, cap, in, size) != need) abort();
    size_t cl = strlen(cut);
    if (cl >= cap || memcmp(cut, out, cl) != 0) abort();
    if (cl > 0 && cut[cl - 1] == '\\') abort();
    free(cut);
    free(back);
    free(out);
    return 0;
}
