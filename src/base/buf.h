/* buf — a growable byte buffer with a hard maximum (curl's dynbuf): every append fails past
 * it, so no input can make it grow without end. Always NUL-terminated after an append. */
#ifndef PONGD_BUF_H
#define PONGD_BUF_H

#include <stddef.h>

typedef struct { char *ptr; size_t len, cap, max; } buf_t;
void buf_init(buf_t *b, size_t max);
/* Appends n bytes; ERR_LIMIT (buffer unchanged) if the result would pass b->max. */
int buf_append(buf_t *b, const void *p, size_t n);
/* Appends formatted text; ERR_LIMIT (unchanged) past b->max, ERR_INVALID on a bad format. */
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees the bytes; the buffer is empty and reusable with the same maximum. */
void buf_free(buf_t *b);

#endif
