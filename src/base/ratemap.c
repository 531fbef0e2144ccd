/* ratemap — see ratemap.h. Open-addressing hash of keys to buckets plus an intrusive LRU
 * list; deletion uses backward-shift so probes stay short. */
#include "ratemap.h"
#include "pongd_limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char key[LIM_RATEMAP_KEY_BYTES];
    uint8_t klen;
    bool used;
    double tokens;
    uint64_t last_ms;
    struct entry *prev, *next;   /* LRU: head = most recent */
} entry_t;

struct ratemap {
    entry_t *slots;
    size_t cap, count, max_keys;
    double per_ms, burst;
    entry_t *head, *tail;
};

static uint64_t hash(const char *k, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
    return h;
}

ratemap_t *ratemap_create(double per_minute, double burst, size_t max_keys) {
    ratemap_t *m = xcalloc(1, sizeof *m);
    m->max_keys = max_keys ? max_keys : 1;
    m->cap = 16;
    while (m->cap < m->max_keys * 2) m->cap <<= 1;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    m->per_ms = per_minute / 60000.0;
    m->burst = burst;
    return m;
}

void ratemap_destroy(ratemap_t *m) {
    if (!m) return;
    free(m->slots);
    free(m);
}

size_t ratemap_count(const ratemap_t *m) { return m->count; }

static void lru_unlink(ratemap_t *m, entry_t *e) {
    if (e->prev) e->prev->next = e->next; else m->head = e->next;
    if (e->next) e->next->prev = e->prev; else m->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(ratemap_t *m, entry_t *e) {
    e->next = m->head;
    e->prev = NULL;
    if (m->head) m->head->prev = e;
    m->head = e;
    if (!m->tail) m->tail = e;
}

/* Moves slot `from` to slot `to`, fixing the LRU pointers. */
static void move_slot(ratemap_t *m, entry_t *to, entry_t *from) {
    *to = *from;
    if (to->prev) to->prev->next = to; else m->head = to;
    if (to->next) to->next->prev = to; else m->tail = to;
    memset(from, 0, sizeof *from);
}

static void remove_entry(ratemap_t *m, entry_t *e) {
    lru_unlink(m, e);
    memset(e, 0, sizeof *e);
    m->count--;
    /* backward-shift deletion */
    size_t i = (size_t)(e - m->slots);
    for (size_t j = (i + 1) & (m->cap - 1); m->slots[j].used; j = (j + 1) & (m->cap - 1)) {
        size_t home = hash(m->slots[j].key, m->slots[j].klen) & (m->cap - 1);
        /* can slot j move to the hole at i? only if its home is not in (i, j] cyclically */
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (between) continue;
        move_slot(m, &m->slots[i], &m->slots[j]);
        i = j;
    }
}

/* The entry of key (NULL when absent) and, either way, the slot where the probe stopped. */
static entry_t *find(const ratemap_t *m, span_t key, size_t *slot) {
    size_t n = key.len < LIM_RATEMAP_KEY_BYTES ? key.len : LIM_RATEMAP_KEY_BYTES;
    size_t i = hash(key.ptr, n) & (m->cap - 1);
    for (;; i = (i + 1) & (m->cap - 1)) {
        entry_t *s = &m->slots[i];
        *slot = i;
        if (!s->used) return NULL;
        if (s->klen == n && memcmp(s->key, key.ptr, n) == 0) return s;
    }
}

bool ratemap_peek(const ratemap_t *m, span_t key, uint64_t now_ms) {
    size_t i;
    const entry_t *e = find(m, key, &i);
    if (!e) return m->burst >= 1.0;
    double tokens = e->tokens;
    if (now_ms > e->last_ms) tokens += (double)(now_ms - e->last_ms) * m->per_ms;
    return tokens >= 1.0;
}

bool ratemap_allow(ratemap_t *m, span_t key, uint64_t now_ms, int *retry_after_s) {
    size_t n = key.len < LIM_RATEMAP_KEY_BYTES ? key.len : LIM_RATEMAP_KEY_BYTES;
    size_t i;
    entry_t *e = find(m, key, &i);
    if (!e) {
        if (m->count >= m->max_keys) {
            remove_entry(m, m->tail);
            /* the probe position may have changed: search the free slot again */
            i = hash(key.ptr, n) & (m->cap - 1);
            while (m->slots[i].used) i = (i + 1) & (m->cap - 1);
        }
        e = &m->slots[i];
        e->used = true;
        memcpy(e->key, key.ptr, n);
        e->klen = (uint8_t)n;
        e->tokens = m->burst;
        e->last_ms = now_ms;
        m->count++;
        lru_front(m, e);
    } else {
        lru_unlink(m, e);
        lru_front(m, e);
    }
    if (now_ms > e->last_ms) {
        e->tokens += (double)(now_ms - e->last_ms) * m->per_ms;
        if (e->tokens > m->burst) e->tokens = m->burst;
        e->last_ms = now_ms;
    }
    if (e->tokens >= 1.0) {
        e->tokens -= 1.0;
        return true;
    }
    if (retry_after_s) {
        double wait_ms = (1.0 - e->tokens) / m->per_ms;
        *retry_after_s = (int)ceil(wait_ms / 1000.0);
        if (*retry_after_s < 1) *retry_after_s = 1;
    }
    return false;
}
