/* quickplay — the quick-play queue on the loop (docs/matchmaking.md "Quick play"): entries
 * (queue.h's rules), a timer that pairs them every QUICKPLAY_TICK_MS while two or more wait
 * (and a pairing at every entry), and for each pair a database job that checks the pair once
 * more (no block since), creates the game (matchrec_create: mode quick play, the classic
 * preset with a server seed, the higher-rated player on the left) and reads both accounts;
 * back on the loop the live game opens (match_open) and both users' tabs get
 * {"type":"match_found","game_id":N,"opponent":{user brief and rating}}. Loop thread only. */
#ifndef PONGD_QUICKPLAY_H
#define PONGD_QUICKPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbpool.h"
#include "match.h"
#include "presence.h"
#include "queue.h"
#include "timer.h"

#define QUICKPLAY_TICK_MS 500

typedef struct quickplay quickplay_t;

typedef struct {
    dbpool_t *db;               /* the game's row, both accounts */
    matches_t *matches;         /* the live games: who is busy, match_open */
    presence_t *presence;       /* pushes to the users' tabs */
    int winning_score;          /* of the classic preset (5), or QUICKPLAY_WINNING_SCORE */
    uint64_t (*now_ms)(void);   /* a monotonic clock in ms; NULL: now_mono_us() / 1000 */
} quickplay_deps_t;

/* All deps must outlive it. Never NULL. */
quickplay_t *quickplay_create(const quickplay_deps_t *d);
/* The pairing timer (fn quickplay_on_timer, arg the quickplay_t); may be set after create. */
void quickplay_set_timer(quickplay_t *q, net_timer_t *t);
void quickplay_on_timer(void *q);
/* After the loop stopped: pairs being made are dropped when their jobs come back, no new job. */
void quickplay_stop(quickplay_t *q);
/* Pairs still being made must have come back (the pools drained) or been dropped. */
void quickplay_destroy(quickplay_t *q);

/* uid enters with its rating and the ids it blocks or is blocked by (copied). 0; MATCH_E_QUEUED
 * (queued already: nothing changes); MATCH_E_BUSY (in a live game, or being paired into one);
 * ERR_FULL (LIM_QUEUE_ENTRIES). Pairs at once when it can. */
int quickplay_enter(quickplay_t *q, int64_t uid, int32_t rating, const int64_t *blocks, size_t n);
/* uid's entry (valid until the next change), or NULL. */
const queue_entry_t *quickplay_entry(const quickplay_t *q, int64_t uid);
/* uid's window now (queue_window). */
int32_t quickplay_window(const quickplay_t *q, const queue_entry_t *e);
/* uid leaves (DELETE /api/queue, its last tab closed, a game started): true if it was queued. */
bool quickplay_leave(quickplay_t *q, int64_t uid);
size_t quickplay_size(const quickplay_t *q);

#endif
