/* admit — see admit.h. Two chained hash tables: connections by key (a pointer) and
 * addresses by their 16 bytes; an address entry lives while it has a connection. The
 * connections in the handshake phase are also on a list in the order they started (each
 * starts "now", so the head is always the oldest). */
#include "admit.h"
#include "mem.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct addr_ent {
    admit_addr_t addr;
    size_t conns, handshakes, ws;
    struct addr_ent *next;          /* bucket chain */
} addr_ent_t;

typedef struct conn_ent {
    const void *key;
    addr_ent_t *addr;
    uint64_t t0_us;
    bool handshake, on_list, ws;
    struct conn_ent *next;          /* bucket chain */
    struct conn_ent *prev_hs, *next_hs; /* the handshake list, while on_list */
} conn_ent_t;

struct admit {
    admit_limits_t lim;
    size_t nbuckets;                /* power of two */
    conn_ent_t **conns;
    addr_ent_t **addrs;
    size_t n_conns, n_handshakes, n_ws, n_addrs;
    conn_ent_t *hs_head, *hs_tail;
};

static size_t hash_bytes(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29));
}

static size_t hash_key(const void *key) {
    uintptr_t k = (uintptr_t)key;
    return hash_bytes((const unsigned char *)&k, sizeof k);
}

admit_t *admit_create(const admit_limits_t *lim) {
    admit_t *a = xcalloc(1, sizeof *a);
    a->lim = *lim;
    size_t want = lim->max_conns < 1024 ? 1024 : lim->max_conns;
    if (want > (1u << 20)) want = 1u << 20;
    a->nbuckets = 1;
    while (a->nbuckets < want) a->nbuckets <<= 1;
    a->conns = xcalloc(a->nbuckets, sizeof *a->conns);
    a->addrs = xcalloc(a->nbuckets, sizeof *a->addrs);
    return a;
}

void admit_destroy(admit_t *a) {
    if (!a) return;
    for (size_t i = 0; i < a->nbuckets; i++) {
        for (conn_ent_t *c = a->conns[i], *n; c; c = n) { n = c->next; free(c); }
        for (addr_ent_t *e = a->addrs[i], *n; e; e = n) { n = e->next; free(e); }
    }
    free(a->conns);
    free(a->addrs);
    free(a);
}

const admit_limits_t *admit_limits(const admit_t *a) { return &a->lim; }

bool admit_addr_from(const void *sa, admit_addr_t *out) {
    memset(out, 0, sizeof *out);
    sa_family_t fam;
    memcpy(&fam, (const char *)sa + offsetof(struct sockaddr, sa_family), sizeof fam);
    if (fam == AF_INET) {
        struct sockaddr_in in4;
        memcpy(&in4, sa, sizeof in4);
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &in4.sin_addr, 4);
        return true;
    }
    if (fam == AF_INET6) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        memcpy(out->b, &in6.sin6_addr, 16);
        return true;
    }
    return false;
}

static addr_ent_t **addr_slot(const admit_t *a, const admit_addr_t *addr) {
    addr_ent_t **p = &a->addrs[hash_bytes(addr->b, sizeof addr->b) & (a->nbuckets - 1)];
    while (*p && memcmp((*p)->addr.b, addr->b, sizeof addr->b) != 0) p = &(*p)->next;
    return p;
}

static conn_ent_t **conn_slot(const admit_t *a, const void *key) {
    conn_ent_t **p = &a->conns[hash_key(key) & (a->nbuckets - 1)];
    while (*p && (*p)->key != key) p = &(*p)->next;
    return p;
}

static bool at(size_t n, size_t limit) { return limit && n >= limit; }

admit_verdict_t admit_check(const admit_t *a, const admit_addr_t *addr) {
    if (a->n_conns >= a->lim.max_conns) return ADMIT_FULL;
    if (a->n_handshakes >= a->lim.max_handshakes) return ADMIT_HANDSHAKES;
    const addr_ent_t *e = *addr_slot(a, addr);
    if (!e) return ADMIT_OK;
    if (at(e->conns, a->lim.per_addr)) return ADMIT_ADDR;
    if (at(e->handshakes, a->lim.handshakes_per_addr)) return ADMIT_ADDR_HANDSHAKES;
    return ADMIT_OK;
}

static void hs_unlink(admit_t *a, conn_ent_t *c) {
    if (!c->on_list) return;
    if (c->prev_hs) c->prev_hs->next_hs = c->next_hs; else a->hs_head = c->next_hs;
    if (c->next_hs) c->next_hs->prev_hs = c->prev_hs; else a->hs_tail = c->prev_hs;
    c->prev_hs = c->next_hs = NULL;
    c->on_list = false;
}

void admit_add(admit_t *a, const void *key, const admit_addr_t *addr, uint64_t now_us) {
    if (*conn_slot(a, key)) admit_remove(a, key);   /* a stale record (its connection was freed unannounced) */
    conn_ent_t **cs = conn_slot(a, key);
    addr_ent_t **es = addr_slot(a, addr);
    if (!*es) {
        *es = xcalloc(1, sizeof **es);
        (*es)->addr = *addr;
        a->n_addrs++;
    }
    conn_ent_t *c = xcalloc(1, sizeof *c);
    c->key = key;
    c->addr = *es;
    c->t0_us = now_us;
    c->handshake = c->on_list = true;
    c->prev_hs = a->hs_tail;
    if (a->hs_tail) a->hs_tail->next_hs = c; else a->hs_head = c;
    a->hs_tail = c;
    *cs = c;
    c->addr->conns++;
    c->addr->handshakes++;
    a->n_conns++;
    a->n_handshakes++;
}

void admit_active(admit_t *a, const void *key) {
    conn_ent_t *c = *conn_slot(a, key);
    if (!c || !c->handshake) return;
    hs_unlink(a, c);
    c->handshake = false;
    c->addr->handshakes--;
    a->n_handshakes--;
}

bool admit_ws_open(admit_t *a, const void *key) {
    conn_ent_t *c = *conn_slot(a, key);
    if (!c || c->ws) return true;
    if (at(c->addr->ws, a->lim.ws_per_addr)) return false;
    c->ws = true;
    c->addr->ws++;
    a->n_ws++;
    return true;
}

void admit_remove(admit_t *a, const void *key) {
    conn_ent_t **cs = conn_slot(a, key), *c = *cs;
    if (!c) return;
    admit_active(a, key);
    if (c->ws) { c->addr->ws--; a->n_ws--; }
    addr_ent_t *e = c->addr;
    *cs = c->next;
    free(c);
    a->n_conns--;
    if (--e->conns == 0) {
        addr_ent_t **es = addr_slot(a, &e->addr);
        *es = e->next;
        free(e);
        a->n_addrs--;
    }
}

const void *admit_expired(admit_t *a, uint64_t before_us) {
    conn_ent_t *c = a->hs_head;
    if (!c || c->t0_us >= before_us) return NULL;
    hs_unlink(a, c);
    return c->key;
}

uint64_t admit_oldest_us(const admit_t *a) { return a->hs_head ? a->hs_head->t0_us : 0; }

size_t admit_conns(const admit_t *a) { return a->n_conns; }
size_t admit_handshakes(const admit_t *a) { return a->n_handshakes; }
size_t admit_websockets(const admit_t *a) { return a->n_ws; }
size_t admit_addresses(const admit_t *a) { return a->n_addrs; }
