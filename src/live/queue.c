/* queue — see queue.h. Entries live in an array ordered by `since` (oldest first): the
 * queue is small next to the cost of a game, and the pairing scan is O(n²) at worst per
 * pair, bounded by the entries whose window reaches anyone. */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "pongd_limits.h"

typedef struct {
    queue_entry_t e;
    int64_t *blocks;
    size_t nblocks, capblocks;
} slot_t;

struct queue {
    slot_t *s;
    size_t n, cap, max;
};

queue_t *queue_create(size_t max_entries) {
    queue_t *q = xcalloc(1, sizeof *q);
    q->max = max_entries;
    return q;
}

void queue_destroy(queue_t *q) {
    if (!q) return;
    for (size_t i = 0; i < q->n; i++) free(q->s[i].blocks);
    free(q->s);
    free(q);
}

int32_t queue_window(uint64_t since, uint64_t now) {
    uint64_t secs = now > since ? (now - since) / 1000u : 0;
    if (secs > (uint64_t)(QUEUE_WINDOW_MAX - QUEUE_WINDOW_BASE) / QUEUE_WINDOW_PER_S) return QUEUE_WINDOW_MAX;
    return QUEUE_WINDOW_BASE + QUEUE_WINDOW_PER_S * (int32_t)secs;
}

static long index_of(const queue_t *q, int64_t uid) {
    for (size_t i = 0; i < q->n; i++)
        if (q->s[i].e.uid == uid) return (long)i;
    return -1;
}

static void add_block(slot_t *s, int64_t id) {
    if (s->nblocks >= LIM_QUEUE_BLOCKS) return;
    if (s->nblocks == s->capblocks) {
        s->capblocks = s->capblocks ? s->capblocks * 2 : 4;
        if (s->capblocks > LIM_QUEUE_BLOCKS) s->capblocks = LIM_QUEUE_BLOCKS;
        s->blocks = xrealloc(s->blocks, s->capblocks * sizeof *s->blocks);
    }
    s->blocks[s->nblocks++] = id;
}

int queue_add(queue_t *q, const queue_entry_t *e, const int64_t *blocks, size_t n) {
    if (index_of(q, e->uid) >= 0) return MATCH_E_QUEUED;
    if (q->n >= q->max) return ERR_FULL;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 16;
        q->s = xrealloc(q->s, q->cap * sizeof *q->s);
    }
    size_t at = q->n;   /* after every entry not newer than e */
    while (at > 0 && q->s[at - 1].e.since > e->since) at--;
    memmove(q->s + at + 1, q->s + at, (q->n - at) * sizeof *q->s);
    q->n++;
    slot_t *s = &q->s[at];
    memset(s, 0, sizeof *s);
    s->e = *e;
    for (size_t i = 0; i < n; i++) add_block(s, blocks[i]);
    return 0;
}

static void take(queue_t *q, size_t i) {
    free(q->s[i].blocks);
    memmove(q->s + i, q->s + i + 1, (q->n - i - 1) * sizeof *q->s);
    q->n--;
}

bool queue_remove(queue_t *q, int64_t uid) {
    long i = index_of(q, uid);
    if (i < 0) return false;
    take(q, (size_t)i);
    return true;
}

const queue_entry_t *queue_find(const queue_t *q, int64_t uid) {
    long i = index_of(q, uid);
    return i < 0 ? NULL : &q->s[i].e;
}

size_t queue_size(const queue_t *q) { return q->n; }

static bool lists(const slot_t *s, int64_t id) {
    for (size_t i = 0; i < s->nblocks; i++)
        if (s->blocks[i] == id) return true;
    return false;
}

void queue_block(queue_t *q, int64_t x, int64_t y) {
    long i = index_of(q, x), j = index_of(q, y);
    if (i >= 0 && !lists(&q->s[i], y)) add_block(&q->s[i], y);
    if (j >= 0 && !lists(&q->s[j], x)) add_block(&q->s[j], x);
}

bool queue_pair(queue_t *q, uint64_t now, queue_entry_t *a, queue_entry_t *b) {
    for (size_t i = 0; i < q->n; i++) {
        const slot_t *x = &q->s[i];
        int32_t wx = queue_window(x->e.since, now);
        long best = -1;
        int64_t best_diff = 0;
        for (size_t j = 0; j < q->n; j++) {
            if (j == i) continue;
            const slot_t *y = &q->s[j];
            int64_t diff = (int64_t)x->e.rating - y->e.rating;
            if (diff < 0) diff = -diff;
            if (diff > wx || diff > queue_window(y->e.since, now)) continue;
            if (lists(x, y->e.uid) || lists(y, x->e.uid)) continue;
            if (best < 0 || diff < best_diff) {   /* j ascends by age: the older of equals stays */
                best = (long)j;
                best_diff = diff;
            }
        }
        if (best >= 0) {
            *a = x->e;
            *b = q->s[best].e;
            size_t hi = (size_t)best > i ? (size_t)best : i, lo = (size_t)best > i ? i : (size_t)best;
            take(q, hi);
            take(q, lo);
            return true;
        }
    }
    return false;
}
