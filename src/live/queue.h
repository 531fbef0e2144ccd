/* queue — the quick-play queue's pairing rules (docs/matchmaking.md "Quick play"), pure: no
 * I/O, no clock of its own (every call takes `now`, milliseconds of a monotonic clock), so
 * the unit tests drive it with a fake one. Loop thread only (quickplay.c owns one).
 *
 * One entry per account. An entry's window is QUEUE_WINDOW_BASE + QUEUE_WINDOW_PER_S × whole
 * seconds waited, at most QUEUE_WINDOW_MAX rating points; two entries may pair when their
 * ratings differ by no more than BOTH windows and no block stands between them (each entry
 * carries the ids its user blocks or is blocked by, either way counts). queue_pair takes the
 * oldest entry that has an acceptable opponent, with its closest one (the older of equals). */
#ifndef PONGD_QUEUE_H
#define PONGD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUEUE_WINDOW_BASE 100
#define QUEUE_WINDOW_PER_S 25
#define QUEUE_WINDOW_MAX 600

typedef struct queue queue_t;

typedef struct {
    int64_t uid;
    int32_t rating;            /* rounded Glicko rating */
    uint64_t since;            /* when it entered (the caller's monotonic ms) */
    int64_t since_wall;        /* the same moment, wall clock ms (for the API) */
} queue_entry_t;

/* max_entries: past it queue_add refuses (ERR_FULL). Never NULL. */
queue_t *queue_create(size_t max_entries);
void queue_destroy(queue_t *q);   /* NULL: no-op */

/* The window of an entry that entered at `since`, at `now`. */
int32_t queue_window(uint64_t since, uint64_t now);

/* Adds e (its blocks: n ids, at most LIM_QUEUE_BLOCKS are kept; copied), in order of e->since.
 * 0; MATCH_E_QUEUED when the account is queued already (nothing changes); ERR_FULL. */
int queue_add(queue_t *q, const queue_entry_t *e, const int64_t *blocks, size_t n);
/* Takes uid out: true if it was queued. */
bool queue_remove(queue_t *q, int64_t uid);
/* uid's entry (valid until the next change of q), or NULL. */
const queue_entry_t *queue_find(const queue_t *q, int64_t uid);
size_t queue_size(const queue_t *q);

/* One pair at `now`: true with both entries copied out (a: the older) and taken out of the
 * queue; false when no two entries may pair. Call until false. */
bool queue_pair(queue_t *q, uint64_t now, queue_entry_t *a, queue_entry_t *b);

/* Adds a block between x and y (either way) to their entries if queued. */
void queue_block(queue_t *q, int64_t x, int64_t y);

#endif
