/* revmap — see revmap.h. A chained hash table of uid → T that doubles when full. */
#include "revmap.h"
#include "auth.h"
#include "util.h"

#include <stdlib.h>

typedef struct entry {
    int64_t uid, t;
    struct entry *next;
} entry_t;

struct revmap {
    entry_t **buckets;
    size_t mask, count, prune_at;
};

static size_t slot(const revmap_t *m, int64_t uid) {
    uint64_t x = (uint64_t)uid * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 32) & m->mask;
}

revmap_t *revmap_create(void) {
    revmap_t *m = xcalloc(1, sizeof *m);
    m->mask = 63;
    m->buckets = xcalloc(m->mask + 1, sizeof *m->buckets);
    m->prune_at = 64;
    return m;
}

void revmap_destroy(revmap_t *m) {
    if (!m) return;
    for (size_t i = 0; i <= m->mask; i++)
        for (entry_t *e = m->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
    free(m->buckets);
    free(m);
}

static void prune(revmap_t *m, int64_t now_ms) {
    int64_t horizon = now_ms - (int64_t)AUTH_ACCESS_TTL_S * 1000;
    for (size_t i = 0; i <= m->mask; i++)
        for (entry_t **pp = &m->buckets[i]; *pp;) {
            entry_t *e = *pp;
            if (e->t <= horizon) {
                *pp = e->next;
                free(e);
                m->count--;
            } else {
                pp = &e->next;
            }
        }
}

static void grow(revmap_t *m) {
    size_t n = (m->mask + 1) * 2;
    entry_t **b = xcalloc(n, sizeof *b);
    size_t old = m->mask;
    entry_t **ob = m->buckets;
    m->buckets = b;
    m->mask = n - 1;
    for (size_t i = 0; i <= old; i++)
        for (entry_t *e = ob[i], *next; e; e = next) {
            next = e->next;
            size_t s = slot(m, e->uid);
            e->next = b[s];
            b[s] = e;
        }
    free(ob);
}

void revmap_set(revmap_t *m, int64_t uid, int64_t t_ms, int64_t now_ms) {
    if (t_ms <= now_ms - (int64_t)AUTH_ACCESS_TTL_S * 1000) return;   /* voids nothing still valid */
    size_t s = slot(m, uid);
    for (entry_t *e = m->buckets[s]; e; e = e->next)
        if (e->uid == uid) {
            if (t_ms > e->t) e->t = t_ms;
            return;
        }
    if (m->count >= m->prune_at) {
        prune(m, now_ms);
        m->prune_at = m->count * 2 > 64 ? m->count * 2 : 64;
    }
    if (m->count >= m->mask + 1) grow(m);
    s = slot(m, uid);
    entry_t *e = xmalloc(sizeof *e);
    *e = (entry_t){ uid, t_ms, m->buckets[s] };
    m->buckets[s] = e;
    m->count++;
}

int64_t revmap_get(const revmap_t *m, int64_t uid) {
    if (!m) return 0;
    for (const entry_t *e = m->buckets[slot(m, uid)]; e; e = e->next)
        if (e->uid == uid) return e->t;
    return 0;
}

bool revmap_void(const revmap_t *m, int64_t uid, int64_t iat_ms) { return m && iat_ms < revmap_get(m, uid); }

size_t revmap_count(const revmap_t *m) { return m->count; }
