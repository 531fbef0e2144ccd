/* ticker — a 60 Hz schedule that does not drift (the remote games' clock). Pure: no I/O, no
 * clock of its own (the caller passes CLOCK_MONOTONIC µs, now_mono_us()), no allocation.
 *
 * The schedule is a grid of absolute deadlines from an epoch: grid point j is due at
 *     epoch + floor(j · 1,000,000 / TICKER_HZ) µs,
 * computed from j each time (integer arithmetic on the count, never accumulated deltas), so
 * after a million steps the deadline is exactly where the formula puts it. A ticker started
 * at t0 (ticker_init) has epoch t0 and runs its n-th step at grid point n: step n is due at
 * t0 + n·1e6/60. Several tickers can share one epoch (ticker_init_grid): they then fall due
 * at exactly the same instants, so one timer wake-up serves all of them.
 *
 * Catch-up: after a late wake-up ticker_due() returns every step whose deadline has passed
 * — steps are never skipped — up to TICKER_MAX_CATCHUP (30 steps, half a second) at once.
 * Past that (the loop was stalled: a debugger, a suspended VM, a swap storm), the ticker
 * runs those 30 and moves the rest of the schedule forward in time instead of bursting: the
 * next step is due at the first grid point after `now`. The game loses no step (the
 * simulation only falls behind wall time); the time moved over is counted in `stall_us` and
 * the grid points passed over in `stall_steps`.
 *
 * Pause: a paused ticker is frozen (no step due, no deadline). Resume re-bases it to the
 * first grid point after `now`, so no burst of steps follows a pause.
 *
 * Lateness: each step counted by ticker_due() records how late it runs (now minus its
 * deadline) into a shared ticker_stats_t, a log-linear histogram (8 sub-buckets per power of
 * two: 12.5 % resolution) for p50/p99 reports. */
#ifndef PONGD_TICKER_H
#define PONGD_TICKER_H

#include <stdbool.h>
#include <stdint.h>

#define TICKER_HZ 60
#define TICKER_MAX_CATCHUP 30
#define TICKER_STATS_BUCKETS 512

typedef struct {
    uint64_t count;       /* steps recorded */
    uint64_t max_us;      /* the latest step */
    uint64_t sum_us;
    uint64_t stalls;      /* catch-ups capped (see above) */
    uint64_t stall_us;    /* time the schedule was moved forward by those caps */
    uint64_t stall_steps; /* grid points passed over by them */
    uint64_t bucket[TICKER_STATS_BUCKETS];
} ticker_stats_t;

typedef struct {
    uint64_t epoch_us;     /* grid point 0 */
    uint64_t next;         /* grid index of the next step */
    uint64_t steps;        /* steps counted since init */
    bool paused;
    ticker_stats_t *stats; /* lateness and stalls go here; NULL: not recorded */
} ticker_t;

/* The deadline of grid point j of a grid starting at epoch_us. */
static inline uint64_t ticker_grid_us(uint64_t epoch_us, uint64_t j) { return epoch_us + j * 1000000u / TICKER_HZ; }

/* Starts a schedule at t0_us: step n is due at t0 + n·1e6/TICKER_HZ (the first one period
 * after t0). stats may be NULL. */
void ticker_init(ticker_t *tk, uint64_t t0_us, ticker_stats_t *stats);
/* Starts on a shared grid: the first step is due at the first grid point of epoch_us strictly
 * after now_us. */
void ticker_init_grid(ticker_t *tk, uint64_t epoch_us, uint64_t now_us, ticker_stats_t *stats);

/* How many steps to run now, and counts them as run (the caller must run exactly that many):
 * every step due at or before now_us, at most TICKER_MAX_CATCHUP (the rest of the schedule is
 * then moved forward: see above). 0 while paused or before the next deadline. */
uint32_t ticker_due(ticker_t *tk, uint64_t now_us);

/* The absolute deadline of the next step; UINT64_MAX while paused. */
uint64_t ticker_next_us(const ticker_t *tk);

/* Freezes the schedule (idempotent). */
void ticker_pause(ticker_t *tk);
/* Re-bases a paused ticker: the next step is due at the first grid point after now_us. A
 * running ticker is not changed. */
void ticker_resume(ticker_t *tk, uint64_t now_us);
static inline bool ticker_paused(const ticker_t *tk) { return tk->paused; }

/* Records one lateness value (ticker_due does it for every step). */
void ticker_stats_add(ticker_stats_t *st, uint64_t late_us);
/* The lateness at or below which `permille` thousandths of the recorded steps ran (the upper
 * edge of the histogram bucket; exact below 16 µs). 0 when nothing is recorded. */
uint64_t ticker_stats_pct(const ticker_stats_t *st, uint32_t permille);
/* Adds src's counts into dst (a report over many tickers with their own stats). */
void ticker_stats_merge(ticker_stats_t *dst, const ticker_stats_t *src);

#endif
