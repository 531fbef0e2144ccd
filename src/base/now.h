/* now — the clocks. */
#ifndef PONGD_NOW_H
#define PONGD_NOW_H

#include <stdint.h>

uint64_t now_wall_ms(void);   /* ms since the epoch (CLOCK_REALTIME) */
uint64_t now_mono_us(void);   /* monotonic µs (CLOCK_MONOTONIC) */

#endif
