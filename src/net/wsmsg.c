#include "wsmsg.h"
#include "pongd_limits.h"

#include <stdlib.h>
#include <string.h>

wsmsg_t *wsmsg_new(int opcode, const void *payload, size_t len) {
    size_t total;
    if (!size_add(len, sizeof(wsmsg_t) + WSMSG_HEADROOM + WSMSG_MAX_HEADER, &total)) abort();
    wsmsg_t *m = xmalloc(total);
    unsigned char hdr[WSMSG_MAX_HEADER];
    size_t hl;
    hdr[0] = (unsigned char)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        hdr[1] = (unsigned char)len;
        hl = 2;
    } else if (len <= 0xffff) {
        hdr[1] = 126;
        hdr[2] = (unsigned char)(len >> 8);
        hdr[3] = (unsigned char)len;
        hl = 4;
    } else {
        hdr[1] = 127;
        for (int i = 0; i < 8; i++) hdr[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        hl = 10;
    }
    m->refs = 1;
    m->off = (uint32_t)(WSMSG_HEADROOM + WSMSG_MAX_HEADER - hl);
    m->len = hl + len;
    memcpy(m->buf + m->off, hdr, hl);
    if (len) memcpy(m->buf + m->off + hl, payload, len);
    return m;
}

span_t wsmsg_payload(const wsmsg_t *m) {
    const unsigned char *f = wsmsg_frame(m);
    size_t hl = (f[1] & 0x7f) < 126 ? 2 : (f[1] & 0x7f) == 126 ? 4 : 10;
    return (span_t){ (const char *)f + hl, m->len - hl };
}

void wsmsg_unref(wsmsg_t *m) {
    if (m && --m->refs == 0) free(m);
}

static inline wsmsg_entry_t *entry_at(const wsmsg_queue_t *q, uint32_t i) {
    return &q->ring[(q->head + i) % q->cap];
}

int wsmsg_queue_slot_at(const wsmsg_queue_t *q, uint32_t i) { return i < q->count ? entry_at(q, i)->slot : 0; }
wsmsg_t *wsmsg_queue_at(const wsmsg_queue_t *q, uint32_t i) { return i < q->count ? entry_at(q, i)->m : NULL; }

/* The unwritten entry of `slot`, or NULL. At most one exists (push_slot keeps it so), and
 * it is the newest entry of that slot: look from the tail; a partly written head is not it. */
static wsmsg_entry_t *find_unwritten(const wsmsg_queue_t *q, int slot) {
    if (!q->slotted) return NULL;
    for (uint32_t i = q->count; i-- > 0;) {
        wsmsg_entry_t *e = entry_at(q, i);
        if (e->slot != slot) continue;
        return i == 0 && q->head_sent ? NULL : e;
    }
    return NULL;
}

int wsmsg_queue_push_slot(wsmsg_queue_t *q, wsmsg_t *m, int slot, size_t max_bytes, uint32_t max_msgs) {
    if (slot < 0) slot = 0;
    wsmsg_entry_t *old = slot ? find_unwritten(q, slot) : NULL;
    if (old) {
        if (q->bytes - old->m->len + m->len > max_bytes) return ERR_FULL;
        q->bytes = q->bytes - old->m->len + m->len;
        wsmsg_t *was = old->m;
        old->m = wsmsg_ref(m);
        wsmsg_unref(was); /* after the ref: m may be the same message */
        return WSMSG_REPLACED;
    }
    if (q->count >= max_msgs || q->bytes + m->len > max_bytes) return ERR_FULL;
    if (q->count == q->cap) {
        uint32_t ncap = q->cap ? q->cap * 2 : 8;
        wsmsg_entry_t *r = xmalloc((size_t)ncap * sizeof *r);
        for (uint32_t i = 0; i < q->count; i++) r[i] = *entry_at(q, i);
        free(q->ring);
        q->ring = r;
        q->cap = ncap;
        q->head = 0;
    }
    *entry_at(q, q->count) = (wsmsg_entry_t){ wsmsg_ref(m), slot };
    q->count++;
    q->bytes += m->len;
    if (slot) q->slotted++;
    return WSMSG_QUEUED;
}

int wsmsg_queue_push(wsmsg_queue_t *q, wsmsg_t *m, size_t max_bytes, uint32_t max_msgs) {
    return wsmsg_queue_push_slot(q, m, 0, max_bytes, max_msgs);
}

void wsmsg_queue_pop(wsmsg_queue_t *q) {
    if (!q->count) return;
    wsmsg_entry_t e = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->bytes -= e.m->len - q->head_sent;
    q->head_sent = 0;
    if (e.slot) q->slotted--;
    wsmsg_unref(e.m);
    if (!q->count && q->cap > 64) { /* give back a ring grown by a burst */
        free(q->ring);
        q->ring = NULL;
        q->cap = q->head = 0;
    }
}

const unsigned char *wsmsg_queue_head_rest(const wsmsg_queue_t *q, size_t *len) {
    wsmsg_t *m = wsmsg_queue_peek(q);
    *len = m ? m->len - q->head_sent : 0;
    return m ? wsmsg_frame(m) + q->head_sent : NULL;
}

void wsmsg_queue_advance(wsmsg_queue_t *q, size_t n) {
    while (n && q->count) {
        size_t rest = q->ring[q->head].m->len - q->head_sent;
        if (n < rest) {
            q->head_sent += n;
            q->bytes -= n;
            return;
        }
        n -= rest;
        wsmsg_queue_pop(q);
    }
}

size_t wsmsg_queue_gather(wsmsg_queue_t *q, unsigned char *dst, size_t cap, uint32_t *frames) {
    size_t used = 0;
    uint32_t n = 0;
    while (q->count) {
        size_t len;
        const unsigned char *p = wsmsg_queue_head_rest(q, &len);
        if (used + len > cap) break;
        memcpy(dst + used, p, len);
        used += len;
        n++;
        wsmsg_queue_pop(q);
    }
    if (frames) *frames = n;
    return used;
}

void wsmsg_queue_clear(wsmsg_queue_t *q) {
    while (q->count) wsmsg_queue_pop(q);
    free(q->ring);
    *q = (wsmsg_queue_t){ 0 };
}
