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

int wsmsg_queue_push(wsmsg_queue_t *q, wsmsg_t *m, size_t max_bytes, uint32_t max_msgs) {
    if (q->count >= max_msgs || q->bytes + m->len > max_bytes) return ERR_FULL;
    if (q->count == q->cap) {
        uint32_t ncap = q->cap ? q->cap * 2 : 8;
        wsmsg_t **r = xmalloc((size_t)ncap * sizeof *r);
        for (uint32_t i = 0; i < q->count; i++) r[i] = q->ring[(q->head + i) % q->cap];
        free(q->ring);
        q->ring = r;
        q->cap = ncap;
        q->head = 0;
    }
    q->ring[(q->head + q->count) % q->cap] = wsmsg_ref(m);
    q->count++;
    q->bytes += m->len;
    return 0;
}

void wsmsg_queue_pop(wsmsg_queue_t *q) {
    if (!q->count) return;
    wsmsg_t *m = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    q->bytes -= m->len;
    wsmsg_unref(m);
    if (!q->count && q->cap > 64) { /* give back a ring grown by a burst */
        free(q->ring);
        q->ring = NULL;
        q->cap = q->head = 0;
    }
}

size_t wsmsg_queue_gather(wsmsg_queue_t *q, unsigned char *dst, size_t cap, uint32_t *frames) {
    size_t used = 0;
    uint32_t n = 0;
    while (q->count) {
        wsmsg_t *m = q->ring[q->head];
        if (used + m->len > cap) break;
        memcpy(dst + used, wsmsg_frame(m), m->len);
        used += m->len;
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
