/* Logging: the access log goes to stdout (buffered, flushed by the loop every 250 ms and at
 * exit), diagnostics to stderr (unbuffered). Both lines start with an ISO-8601 UTC time. */
#ifndef PONGD_LOG_H
#define PONGD_LOG_H

#include <stddef.h>

/* One access-log line: fmt's text with log_escape applied to all of it (the fields come
 * from requests: a path may hold any byte a client percent-encoded), then a newline. */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copies in[0..len) to out as text that a terminal or a log viewer shows as it is, on one
 * line: every byte of a control character (C0, DEL, C1), of invalid UTF-8 and the
 * backslash become \xHH (so "\x1b", "\x0a", "\xff"; the backslash "\x5c"), and the
 * characters that reorder or break displayed text (U+061C, U+200E, U+200F, U+2028,
 * U+2029, U+202A-U+202E, U+2066-U+2069) become \u202e style. Everything else, valid
 * UTF-8 included, is copied. Like snprintf: writes at most cap bytes with the NUL (cut at
 * a whole escape; nothing when cap is 0) and returns the length the whole text needs. */
size_t log_escape(char *out, size_t cap, const char *in, size_t len);
/* A diagnostic line on stderr: the time, level, then fmt's text (at most 1023 bytes, trailing
 * newlines dropped) through log_escape. */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_flush(void);

#endif
