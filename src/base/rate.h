/* Token-bucket rate limiter: per_sec tokens a second, at most burst saved up. */
#ifndef PONGD_RATE_H
#define PONGD_RATE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct { double tokens; uint64_t last_ms; bool started; } rate_t;

/* Takes one token if available. per_sec <= 0 means unlimited (always true). */
bool rate_allow(rate_t *r, uint64_t now_ms, double per_sec, double burst);

#endif
