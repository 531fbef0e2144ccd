/* Small shared helpers: allocation that aborts on exhaustion, spans, time, checked sizes. */
#ifndef PONGD_UTIL_H
#define PONGD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "err.h"   /* the one error space: ERR_OK, ERR_AGAIN, ... (err.h) */

/* Bytes as {ptr, len}; never implies NUL termination. */
typedef struct { const char *ptr; size_t len; } span_t;
#define SPAN_LIT(s) ((span_t){ (s), sizeof(s) - 1 })
static inline span_t span_of(const char *p, size_t n) { return (span_t){ p, n }; }
span_t span_cstr(const char *s);
bool span_eq(span_t a, const char *lit);

/* Allocation wrappers: abort with a message on exhaustion, never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* a*b into *out; false on overflow. */
static inline bool size_mul(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline bool size_add(size_t a, size_t b, size_t *out) { return !__builtin_add_overflow(a, b, out); }

/* Growable byte buffer with a hard maximum (curl's dynbuf). */
typedef struct { char *ptr; size_t len, cap, max; } buf_t;
void buf_init(buf_t *b, size_t max);
/* Appends n bytes; ERR_LIMIT (buffer unchanged) if the result would pass b->max. */
int buf_append(buf_t *b, const void *p, size_t n);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(buf_t *b);

/* Clocks. */
uint64_t now_wall_ms(void);   /* ms since the epoch */
uint64_t now_mono_us(void);   /* monotonic µs */

/* Number of Unicode code points in valid UTF-8 (continuation bytes are not counted). */
size_t utf8_count(const char *s, size_t n);

#endif
