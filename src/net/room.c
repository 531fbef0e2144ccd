#include "room.h"
#include "pongd_limits.h"

#include <stdlib.h>
#include <string.h>

struct room {
    char name[LIM_ROOM_NAME_BYTES + 1];
    size_t len;
    room_member_t *head;
    size_t size;
    struct room *hnext;     /* hash chain */
};

struct room_reg {
    room_t **buckets;
    size_t nbuckets;        /* power of two */
    size_t count;
};

static size_t hash(span_t s) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.len; i++) { h ^= (unsigned char)s.ptr[i]; h *= 1099511628211ull; }
    return (size_t)h;
}

room_reg_t *room_reg_create(void) {
    room_reg_t *rs = xcalloc(1, sizeof *rs);
    rs->nbuckets = 64;
    rs->buckets = xcalloc(rs->nbuckets, sizeof *rs->buckets);
    return rs;
}

void room_reg_destroy(room_reg_t *rs) {
    if (!rs) return;
    for (size_t i = 0; i < rs->nbuckets; i++) {
        room_t *r = rs->buckets[i];
        while (r) { room_t *n = r->hnext; free(r); r = n; }
    }
    free(rs->buckets);
    free(rs);
}

static void grow(room_reg_t *rs) {
    size_t nb = rs->nbuckets * 2;
    room_t **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < rs->nbuckets; i++) {
        room_t *r = rs->buckets[i];
        while (r) {
            room_t *n = r->hnext;
            size_t h = hash((span_t){ r->name, r->len }) & (nb - 1);
            r->hnext = b[h];
            b[h] = r;
            r = n;
        }
    }
    free(rs->buckets);
    rs->buckets = b;
    rs->nbuckets = nb;
}

room_t *room_find(const room_reg_t *rs, span_t name) {
    for (room_t *r = rs->buckets[hash(name) & (rs->nbuckets - 1)]; r; r = r->hnext)
        if (r->len == name.len && memcmp(r->name, name.ptr, name.len) == 0) return r;
    return NULL;
}

room_t *room_join(room_reg_t *rs, span_t name, room_member_t *m, void *owner) {
    if (m->room) room_leave(m);
    if (name.len > LIM_ROOM_NAME_BYTES) return NULL;
    room_t *r = room_find(rs, name);
    if (!r) {
        if (rs->count + 1 > rs->nbuckets) grow(rs);
        r = xcalloc(1, sizeof *r);
        memcpy(r->name, name.ptr, name.len);
        r->len = name.len;
        size_t h = hash(name) & (rs->nbuckets - 1);
        r->hnext = rs->buckets[h];
        rs->buckets[h] = r;
        rs->count++;
    }
    m->owner = owner;
    m->room = r;
    m->reg = rs;
    m->prev = NULL;
    m->next = r->head;
    if (r->head) r->head->prev = m;
    r->head = m;
    r->size++;
    return r;
}

void room_leave(room_member_t *m) {
    room_t *r = m->room;
    if (!r) return;
    room_reg_t *rs = m->reg;
    if (m->prev) m->prev->next = m->next; else r->head = m->next;
    if (m->next) m->next->prev = m->prev;
    m->room = NULL;
    m->reg = NULL;
    m->prev = m->next = NULL;
    if (--r->size) return;
    room_t **pp = &rs->buckets[hash((span_t){ r->name, r->len }) & (rs->nbuckets - 1)];
    while (*pp != r) pp = &(*pp)->hnext;
    *pp = r->hnext;
    rs->count--;
    free(r);
}

size_t room_reg_count(const room_reg_t *rs) { return rs->count; }
const char *room_name(const room_t *r) { return r->name; }
size_t room_size(const room_t *r) { return r->size; }

void room_each(room_t *r, void (*fn)(void *owner, void *arg), void *arg) {
    for (room_member_t *m = r->head; m; ) {
        room_member_t *next = m->next;
        fn(m->owner, arg);
        m = next;
    }
}
