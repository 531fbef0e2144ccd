/* Logging: the access log goes to stdout (buffered, flushed by the loop every 250 ms and at
 * exit), diagnostics to stderr (unbuffered). Both lines start with an ISO-8601 UTC time. */
#ifndef PONGD_LOG_H
#define PONGD_LOG_H

void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_flush(void);

#endif
