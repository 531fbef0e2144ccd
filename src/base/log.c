#include "log.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void stamp(char *out, size_t cap) {
    uint64_t ms = now_wall_ms();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03uZ", (unsigned)(ms % 1000));
}

void log_access(const char *fmt, ...) {
    char ts[40];
    stamp(ts, sizeof ts);
    fputs(ts, stdout);
    fputc(' ', stdout);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

void log_msg(const char *level, const char *fmt, ...) {
    char line[1024];
    char ts[40];
    stamp(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "%s %s ", ts, level);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    while (len && line[len - 1] == '\n') line[--len] = '\0';
    fprintf(stderr, "%s\n", line);
}

void log_flush(void) { fflush(stdout); }
