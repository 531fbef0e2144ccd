/* buf — see buf.h. */
#include "buf.h"
#include "err.h"
#include "mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b, size_t max) { *b = (buf_t){ .max = max }; }

static int buf_reserve(buf_t *b, size_t extra) {
    size_t need;
    if (!size_add(b->len, extra, &need) || need > b->max) return ERR_LIMIT;
    if (need + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need + 1) cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
    b->ptr = xrealloc(b->ptr, cap);
    b->cap = cap;
    return 0;
}

int buf_append(buf_t *b, const void *p, size_t n) {
    if (buf_reserve(b, n) < 0) return ERR_LIMIT;
    if (n) memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return ERR_INVALID;
    if (buf_reserve(b, (size_t)n) < 0) return ERR_LIMIT;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void buf_free(buf_t *b) {
    free(b->ptr);
    *b = (buf_t){ .max = b->max };
}
