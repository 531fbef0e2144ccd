/* bus — see bus.h. Topics live in a chained hash table keyed by name; each holds an intrusive
 * list of the bus_sub_t its subscribers embed. A delivery walks the list with a cursor kept in
 * the topic's list of running deliveries, so a subscriber removed meanwhile (itself or another)
 * moves the cursor instead of leaving it dangling, and the walk stops at the last subscriber of
 * its start (those added during the delivery are after it). A publication to a topic that is
 * being delivered is queued on the topic (a copy) and delivered after, so every subscriber sees
 * the topic's messages in publish order. A topic is freed when it has no subscriber and no
 * delivery running. */
#include "bus.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* A delivery in progress on a topic (on the stack of bus_deliver). */
typedef struct cursor {
    bus_sub_t *next;           /* the next subscriber to call (NULL: done) */
    bus_sub_t *end;            /* the last subscriber when the delivery started */
    struct cursor *outer;
} cursor_t;

/* A publication queued while its topic was being delivered. */
typedef struct pending {
    struct pending *next;
    int64_t from_uid;
    const char *type;
    size_t len;
    char payload[];
} pending_t;

struct bus_topic {
    struct bus_topic *chain;   /* hash chain */
    bus_t *bus;
    uint64_t hash;
    bus_sub_t *head, *tail;
    size_t count;
    cursor_t *cursors;         /* deliveries running on this topic */
    pending_t *pending, *pending_tail;
    size_t len;
    char name[BUS_TOPIC_MAX + 1];
};

/* The message being delivered and its shared frame (bus_frame), innermost first. */
typedef struct frame_rec {
    const bus_msg_t *m;
    wsmsg_t *frame;
    struct frame_rec *outer;
} frame_rec_t;

struct bus {
    bus_backend_t be;
    struct bus_topic **slots;
    size_t nslots;             /* a power of two */
    size_t ntopics;
    frame_rec_t *frames;
    bus_stats_t st;
};

static uint64_t hash_of(span_t s) {
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 1099511628211ull;
    }
    return h;
}

static struct bus_topic *find(const bus_t *b, span_t name, uint64_t h) {
    for (struct bus_topic *t = b->slots[h & (b->nslots - 1)]; t; t = t->chain)
        if (t->hash == h && t->len == name.len && memcmp(t->name, name.ptr, name.len) == 0) return t;
    return NULL;
}

static void grow(bus_t *b) {
    size_t n = b->nslots * 2;
    struct bus_topic **slots = xcalloc(n, sizeof *slots);
    for (size_t i = 0; i < b->nslots; i++) {
        for (struct bus_topic *t = b->slots[i], *next; t; t = next) {
            next = t->chain;
            t->chain = slots[t->hash & (n - 1)];
            slots[t->hash & (n - 1)] = t;
        }
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = n;
}

static void topic_free(struct bus_topic *t) {
    bus_t *b = t->bus;
    struct bus_topic **pp = &b->slots[t->hash & (b->nslots - 1)];
    while (*pp != t) pp = &(*pp)->chain;
    *pp = t->chain;
    b->ntopics--;
    for (pending_t *p = t->pending, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    free(t);
}

bus_t *bus_create(bus_backend_t backend) {
    bus_t *b = xcalloc(1, sizeof *b);
    b->be = backend;
    b->nslots = 64;
    b->slots = xcalloc(b->nslots, sizeof *b->slots);
    return b;
}

void bus_destroy(bus_t *b) {
    if (!b) return;
    for (size_t i = 0; i < b->nslots; i++) {
        for (struct bus_topic *t = b->slots[i], *next; t; t = next) {
            next = t->chain;
            for (bus_sub_t *s = t->head; s; s = s->next) s->topic = NULL;   /* a bug of the caller; do not dangle */
            for (pending_t *p = t->pending, *pn; p; p = pn) {
                pn = p->next;
                free(p);
            }
            free(t);
        }
    }
    if (b->be.destroy) b->be.destroy(b->be.ctx);
    free(b->slots);
    free(b);
}

bool bus_subscribe(bus_t *b, span_t topic, bus_sub_t *s, bus_fn fn, void *owner) {
    if (topic.len == 0 || topic.len > BUS_TOPIC_MAX) return false;
    bus_unsubscribe(s);
    uint64_t h = hash_of(topic);
    struct bus_topic *t = find(b, topic, h);
    if (!t) {
        if (b->ntopics + 1 > b->nslots) grow(b);
        t = xcalloc(1, sizeof *t);
        t->bus = b;
        t->hash = h;
        t->len = topic.len;
        memcpy(t->name, topic.ptr, topic.len);
        t->chain = b->slots[h & (b->nslots - 1)];
        b->slots[h & (b->nslots - 1)] = t;
        b->ntopics++;
    }
    s->topic = t;
    s->fn = fn;
    s->owner = owner;
    s->next = NULL;
    s->prev = t->tail;
    if (t->tail) t->tail->next = s;
    else t->head = s;
    t->tail = s;
    if (++t->count == 1 && b->be.topic_first) b->be.topic_first(b->be.ctx, span_of(t->name, t->len));
    return true;
}

void bus_unsubscribe(bus_sub_t *s) {
    struct bus_topic *t = s->topic;
    if (!t) return;
    for (cursor_t *c = t->cursors; c; c = c->outer) {
        if (c->next == s) c->next = c->end == s ? NULL : s->next;
        if (c->end == s) c->end = s->prev;
    }
    if (s->prev) s->prev->next = s->next;
    else t->head = s->next;
    if (s->next) s->next->prev = s->prev;
    else t->tail = s->prev;
    s->topic = NULL;
    s->prev = s->next = NULL;
    bus_t *b = t->bus;
    if (--t->count == 0) {
        if (b->be.topic_last) b->be.topic_last(b->be.ctx, span_of(t->name, t->len));
        if (!t->cursors) topic_free(t);   /* else the delivery frees it when it ends */
    }
}

bool bus_subscribed(const bus_sub_t *s) { return s->topic != NULL; }

void bus_publish(bus_t *b, const bus_msg_t *m) {
    b->st.published++;
    b->be.publish(b->be.ctx, b, m);
}

/* Calls every subscriber of t that was there when the delivery started and still is. */
static void deliver_one(bus_t *b, struct bus_topic *t, const bus_msg_t *m) {
    frame_rec_t fr = { m, NULL, b->frames };
    b->frames = &fr;
    cursor_t c = { t->head, t->tail, t->cursors };
    t->cursors = &c;
    while (c.next) {
        bus_sub_t *s = c.next;
        c.next = s == c.end ? NULL : s->next;
        b->st.delivered++;
        s->fn(s->owner, m);
    }
    t->cursors = c.outer;
    b->frames = fr.outer;
    if (fr.frame) wsmsg_unref(fr.frame);
}

void bus_deliver(bus_t *b, const bus_msg_t *m) {
    if (m->topic.len == 0 || m->topic.len > BUS_TOPIC_MAX) return;
    struct bus_topic *t = find(b, m->topic, hash_of(m->topic));
    if (!t) return;
    if (t->cursors) {   /* published from inside a delivery of t: after it, in order */
        size_t size;
        if (!size_add(sizeof(pending_t), m->payload.len, &size)) return;
        pending_t *p = xmalloc(size);
        p->next = NULL;
        p->from_uid = m->from_uid;
        p->type = m->type;
        p->len = m->payload.len;
        if (p->len) memcpy(p->payload, m->payload.ptr, p->len);
        if (t->pending_tail) t->pending_tail->next = p;
        else t->pending = p;
        t->pending_tail = p;
        return;
    }
    deliver_one(b, t, m);
    /* what the callbacks published to t meanwhile; t stays while a cursor is on it */
    while (t->pending && t->count > 0) {
        pending_t *p = t->pending;
        t->pending = p->next;
        if (!t->pending) t->pending_tail = NULL;
        bus_msg_t pm = { span_of(t->name, t->len), p->type, p->from_uid, span_of(p->payload, p->len) };
        deliver_one(b, t, &pm);
        free(p);
    }
    if (t->count == 0) topic_free(t);
}

wsmsg_t *bus_frame(bus_t *b, const bus_msg_t *m) {
    for (frame_rec_t *f = b->frames; f; f = f->outer) {
        if (f->m != m) continue;
        if (!f->frame) f->frame = wsmsg_new(WSMSG_TEXT, m->payload.ptr, m->payload.len);
        return f->frame;
    }
    return NULL;
}

size_t bus_subscribers(const bus_t *b, span_t topic) {
    if (topic.len == 0 || topic.len > BUS_TOPIC_MAX) return 0;
    const struct bus_topic *t = find(b, topic, hash_of(topic));
    return t ? t->count : 0;
}

bus_stats_t bus_stats(const bus_t *b) {
    bus_stats_t s = b->st;
    s.topics = b->ntopics;
    return s;
}

span_t bus_user_topic(char out[BUS_TOPIC_MAX + 1], int64_t uid) {
    int n = snprintf(out, BUS_TOPIC_MAX + 1, "user:%" PRId64, uid);
    return span_of(out, (size_t)n);
}

span_t bus_room_topic(char out[BUS_TOPIC_MAX + 1], int64_t channel_id) {
    int n = snprintf(out, BUS_TOPIC_MAX + 1, "room:%" PRId64, channel_id);
    return span_of(out, (size_t)n);
}
