/* gmath — the integer helpers the simulation, the AI and the game tools share: pure, no
 * libc, deterministic on every build (native and wasm32). */
#ifndef PONGD_GMATH_H
#define PONGD_GMATH_H

#include <stdint.h>

static inline int32_t gmath_abs(int32_t v) { return v < 0 ? -v : v; }
static inline int32_t gmath_min(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t gmath_max(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t gmath_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* xorshift32 (Marsaglia): advances *s (never 0) and returns it. The browser's tests draw
 * the same sequence in JavaScript (tests/game/determinism.test.mjs). */
static inline uint32_t gmath_xorshift32(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

#endif
