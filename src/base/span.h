/* span — bytes as {ptr, len}; never implies NUL termination (STYLE.md 7). */
#ifndef PONGD_SPAN_H
#define PONGD_SPAN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct { const char *ptr; size_t len; } span_t;
#define SPAN_LIT(s) ((span_t){ (s), sizeof(s) - 1 })
static inline span_t span_of(const char *p, size_t n) { return (span_t){ p, n }; }
/* The span of a C string (NULL: empty). */
span_t span_cstr(const char *s);
/* a holds exactly the bytes of lit. */
bool span_eq(span_t a, const char *lit);

#endif
