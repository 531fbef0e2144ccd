/* utf8 — code points: counting, decoding, and the classes the validators share (white space,
 * controls and format characters, what shows nothing). */
#ifndef PONGD_UTF8_H
#define PONGD_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Number of Unicode code points in valid UTF-8 (continuation bytes are not counted). */
size_t utf8_count(const char *s, size_t n);

/* The length of the valid UTF-8 sequence at p (n > 0 bytes left) with its code point in *cp;
 * 0 when invalid (a stray or missing continuation byte, overlong, a surrogate, past
 * U+10FFFF, truncated). */
size_t utf8_decode(const char *p, size_t n, uint32_t *cp);

/* Unicode's White_Space property. */
bool utf8_is_space(uint32_t cp);

/* A control (general category Cc: U+0000–U+001F, U+007F–U+009F), a format character (Cf:
 * the soft hyphen, bidirectional marks, embeddings, overrides and isolates, zero-width space,
 * joiner and non-joiner, the word joiner and invisible operators, the byte-order mark,
 * interlinear annotation, tags, ...), or the line and paragraph separators (U+2028, U+2029).
 * What a name must not hold: each changes how the text around it shows, or shows nothing. */
bool utf8_is_control_or_format(uint32_t cp);

/* Shows nothing on its own: white space, controls and format characters, and the other
 * default-ignorable code points (the combining grapheme joiner, variation selectors, Hangul
 * fillers, ...) and U+2800 BRAILLE PATTERN BLANK. A text of these alone is empty to a reader. */
bool utf8_is_invisible(uint32_t cp);

/* Whether valid UTF-8 s holds a code point that is not utf8_is_invisible (false for invalid
 * UTF-8). */
bool utf8_has_visible(const char *s, size_t n);

#endif
