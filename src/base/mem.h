/* mem — allocation that aborts on exhaustion (the x* wrappers never return NULL) and
 * overflow-checked size arithmetic (size_*), as STYLE.md 5 asks. */
#ifndef PONGD_MEM_H
#define PONGD_MEM_H

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* a*b into *out; false on overflow. */
static inline bool size_mul(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline bool size_add(size_t a, size_t b, size_t *out) { return !__builtin_add_overflow(a, b, out); }

#endif
