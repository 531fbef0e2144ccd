/* utf8 — counting code points. */
#ifndef PONGD_UTF8_H
#define PONGD_UTF8_H

#include <stddef.h>

/* Number of Unicode code points in valid UTF-8 (continuation bytes are not counted). */
size_t utf8_count(const char *s, size_t n);

#endif
