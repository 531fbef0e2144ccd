/* revmap — see revmap.h. Two chained hash tables (uid → T, sid → T) that double when full. */
#include "revmap.h"
#include "auth.h"
#include "util.h"

#include <stdlib.h>

typedef struct entry {
    int64_t key, t;
    struct entry *next;
} entry_t;

typedef struct {
    entry_t **buckets;
    size_t mask, count, prune_at;
} table_t;

struct revmap {
    table_t users, sessions;
};

static size_t slot(const table_t *m, int64_t key) {
    uint64_t x = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 32) & m->mask;
}

static void table_init(table_t *m) {
    m->mask = 63;
    m->buckets = xcalloc(m->mask + 1, sizeof *m->buckets);
    m->prune_at = 64;
}

static void table_free(table_t *m) {
    for (size_t i = 0; i <= m->mask; i++)
        for (entry_t *e = m->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
    free(m->buckets);
}

revmap_t *revmap_create(void) {
    revmap_t *m = xcalloc(1, sizeof *m);
    table_init(&m->users);
    table_init(&m->sessions);
    return m;
}

void revmap_destroy(revmap_t *m) {
    if (!m) return;
    table_free(&m->users);
    table_free(&m->sessions);
    free(m);
}

static int64_t horizon(int64_t now_ms) { return now_ms - (int64_t)AUTH_ACCESS_TTL_S * 1000; }

static void prune(table_t *m, int64_t now_ms) {
    int64_t h = horizon(now_ms);
    for (size_t i = 0; i <= m->mask; i++)
        for (entry_t **pp = &m->buckets[i]; *pp;) {
            entry_t *e = *pp;
            if (e->t <= h) {
                *pp = e->next;
                free(e);
                m->count--;
            } else {
                pp = &e->next;
            }
        }
}

static void grow(table_t *m) {
    size_t n = (m->mask + 1) * 2;
    entry_t **b = xcalloc(n, sizeof *b);
    size_t old = m->mask;
    entry_t **ob = m->buckets;
    m->buckets = b;
    m->mask = n - 1;
    for (size_t i = 0; i <= old; i++)
        for (entry_t *e = ob[i], *next; e; e = next) {
            next = e->next;
            size_t s = slot(m, e->key);
            e->next = b[s];
            b[s] = e;
        }
    free(ob);
}

static void table_set(table_t *m, int64_t key, int64_t t_ms, int64_t now_ms) {
    if (t_ms <= horizon(now_ms)) return;   /* voids nothing still valid */
    size_t s = slot(m, key);
    for (entry_t *e = m->buckets[s]; e; e = e->next)
        if (e->key == key) {
            if (t_ms > e->t) e->t = t_ms;
            return;
        }
    if (m->count >= m->prune_at) {
        prune(m, now_ms);
        m->prune_at = m->count * 2 > 64 ? m->count * 2 : 64;
    }
    if (m->count >= m->mask + 1) grow(m);
    s = slot(m, key);
    entry_t *e = xmalloc(sizeof *e);
    *e = (entry_t){ key, t_ms, m->buckets[s] };
    m->buckets[s] = e;
    m->count++;
}

static int64_t table_get(const table_t *m, int64_t key) {
    for (const entry_t *e = m->buckets[slot(m, key)]; e; e = e->next)
        if (e->key == key) return e->t;
    return 0;
}

void revmap_set(revmap_t *m, int64_t uid, int64_t t_ms, int64_t now_ms) { table_set(&m->users, uid, t_ms, now_ms); }

void revmap_set_session(revmap_t *m, int64_t sid, int64_t t_ms, int64_t now_ms) {
    if (sid > 0) table_set(&m->sessions, sid, t_ms, now_ms);
}

int64_t revmap_get(const revmap_t *m, int64_t uid) { return m ? table_get(&m->users, uid) : 0; }

int64_t revmap_get_session(const revmap_t *m, int64_t sid) { return m && sid > 0 ? table_get(&m->sessions, sid) : 0; }

bool revmap_void(const revmap_t *m, int64_t uid, int64_t sid, int64_t iat_ms) {
    return m && (iat_ms < revmap_get(m, uid) || iat_ms < revmap_get_session(m, sid));
}

size_t revmap_count(const revmap_t *m) { return m->users.count; }

size_t revmap_count_sessions(const revmap_t *m) { return m->sessions.count; }
