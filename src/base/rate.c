#include "rate.h"

bool rate_allow(rate_t *r, uint64_t now_ms, double per_sec, double burst) {
    if (per_sec <= 0) return true;
    if (!r->started) { r->started = true; r->tokens = burst; r->last_ms = now_ms; }
    if (now_ms > r->last_ms) {
        r->tokens += (double)(now_ms - r->last_ms) * per_sec / 1000.0;
        if (r->tokens > burst) r->tokens = burst;
        r->last_ms = now_ms;
    }
    if (r->tokens < 1.0) return false;
    r->tokens -= 1.0;
    return true;
}
