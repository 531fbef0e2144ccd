/* ticker — see ticker.h. */
#include "ticker.h"

#include <string.h>

/* The last grid index due at or before now (grid points j with epoch + floor(j·1e6/HZ) <=
 * now), or -1 if none: floor(j·1e6/HZ) <= d  <=>  j·1e6 < HZ·(d+1)  <=>  j <= (HZ·(d+1) - 1) / 1e6. */
static int64_t last_due(uint64_t epoch_us, uint64_t now_us) {
    if (now_us < epoch_us) return -1;
    uint64_t d = now_us - epoch_us;
    return (int64_t)(((uint64_t)TICKER_HZ * (d + 1) - 1) / 1000000u);
}

void ticker_init(ticker_t *tk, uint64_t t0_us, ticker_stats_t *stats) {
    memset(tk, 0, sizeof *tk);
    tk->epoch_us = t0_us;
    tk->next = 1;
    tk->stats = stats;
}

void ticker_init_grid(ticker_t *tk, uint64_t epoch_us, uint64_t now_us, ticker_stats_t *stats) {
    memset(tk, 0, sizeof *tk);
    tk->epoch_us = epoch_us;
    tk->next = (uint64_t)(last_due(epoch_us, now_us) + 1);
    tk->stats = stats;
}

uint32_t ticker_due(ticker_t *tk, uint64_t now_us) {
    if (tk->paused) return 0;
    int64_t last = last_due(tk->epoch_us, now_us);
    if (last < (int64_t)tk->next) return 0;
    uint64_t due = (uint64_t)last - tk->next + 1;
    uint32_t run = due > TICKER_MAX_CATCHUP ? TICKER_MAX_CATCHUP : (uint32_t)due;
    if (tk->stats)
        for (uint32_t i = 0; i < run; i++) ticker_stats_add(tk->stats, now_us - ticker_grid_us(tk->epoch_us, tk->next + i));
    tk->next += run;
    tk->steps += run;
    if (due > run) {
        /* stalled: the schedule moves on to the first grid point after now */
        uint64_t resume = (uint64_t)last + 1;
        if (tk->stats) {
            tk->stats->stalls++;
            tk->stats->stall_steps += resume - tk->next;
            tk->stats->stall_us += ticker_grid_us(tk->epoch_us, resume) - ticker_grid_us(tk->epoch_us, tk->next);
        }
        tk->next = resume;
    }
    return run;
}

uint64_t ticker_next_us(const ticker_t *tk) { return tk->paused ? UINT64_MAX : ticker_grid_us(tk->epoch_us, tk->next); }

void ticker_pause(ticker_t *tk) { tk->paused = true; }

void ticker_resume(ticker_t *tk, uint64_t now_us) {
    if (!tk->paused) return;
    tk->paused = false;
    uint64_t first = (uint64_t)(last_due(tk->epoch_us, now_us) + 1);
    if (first > tk->next) tk->next = first;
}

/* Exact below 16; then 8 sub-buckets per power of two. */
static uint32_t bucket_of(uint64_t v) {
    if (v < 16) return (uint32_t)v;
    uint32_t msb = 63u - (uint32_t)__builtin_clzll(v);
    uint32_t sub = (uint32_t)(v >> (msb - 3)) & 7u;
    return 16u + (msb - 4u) * 8u + sub;
}

static uint64_t bucket_top(uint32_t b) {
    if (b < 16) return b;
    uint32_t msb = (b - 16u) / 8u + 4u, sub = (b - 16u) % 8u;
    if (msb == 63 && sub == 7) return UINT64_MAX;
    return ((uint64_t)(8u + sub + 1u) << (msb - 3u)) - 1u;
}

void ticker_stats_add(ticker_stats_t *st, uint64_t late_us) {
    st->count++;
    st->sum_us += late_us;
    if (late_us > st->max_us) st->max_us = late_us;
    st->bucket[bucket_of(late_us)]++;
}

uint64_t ticker_stats_pct(const ticker_stats_t *st, uint32_t permille) {
    if (!st->count) return 0;
    if (permille > 1000) permille = 1000;
    uint64_t want = (st->count * permille + 999) / 1000;
    if (want == 0) want = 1;
    uint64_t seen = 0;
    for (uint32_t b = 0; b < TICKER_STATS_BUCKETS; b++) {
        seen += st->bucket[b];
        if (seen >= want) {
            uint64_t top = bucket_top(b);
            return top < st->max_us ? top : st->max_us;
        }
    }
    return st->max_us;
}

void ticker_stats_merge(ticker_stats_t *dst, const ticker_stats_t *src) {
    dst->count += src->count;
    dst->sum_us += src->sum_us;
    if (src->max_us > dst->max_us) dst->max_us = src->max_us;
    dst->stalls += src->stalls;
    dst->stall_us += src->stall_us;
    dst->stall_steps += src->stall_steps;
    for (uint32_t b = 0; b < TICKER_STATS_BUCKETS; b++) dst->bucket[b] += src->bucket[b];
}
