/* wsmsg: frame headers, payloads, reference counts, the bounded output queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wsmsg.h"

static void check_frame(size_t len, const unsigned char *hdr, size_t hl) {
    unsigned char *p = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) p[i] = (unsigned char)(i * 7 + 3);
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, p, len);
    assert_int_equal(m->refs, 1);
    assert_true(m->off >= WSMSG_HEADROOM);
    assert_int_equal(m->len, hl + len);
    assert_ptr_equal(wsmsg_frame(m), m->buf + m->off);
    assert_memory_equal(wsmsg_frame(m), hdr, hl);
    if (len) assert_memory_equal(wsmsg_frame(m) + hl, p, len);
    span_t pl = wsmsg_payload(m);
    assert_int_equal(pl.len, len);
    assert_ptr_equal(pl.ptr, (const char *)wsmsg_frame(m) + hl);
    if (len) assert_memory_equal(pl.ptr, p, len);
    wsmsg_unref(m);
    free(p);
}

static void test_frame_headers(void **state) {
    (void)state;
    check_frame(0, (const unsigned char[]){ 0x81, 0x00 }, 2);
    check_frame(1, (const unsigned char[]){ 0x81, 0x01 }, 2);
    check_frame(125, (const unsigned char[]){ 0x81, 125 }, 2);
    check_frame(126, (const unsigned char[]){ 0x81, 126, 0x00, 0x7e }, 4);
    check_frame(300, (const unsigned char[]){ 0x81, 126, 0x01, 0x2c }, 4);
    check_frame(65535, (const unsigned char[]){ 0x81, 126, 0xff, 0xff }, 4);
    check_frame(65536, (const unsigned char[]){ 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0 }, 10);
    check_frame(70001, (const unsigned char[]){ 0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x71 }, 10);
}

static void test_close_frame(void **state) {
    (void)state;
    const unsigned char body[] = { 0x03, 0xe9, 'b', 'y', 'e' }; /* 1001 "bye" */
    wsmsg_t *m = wsmsg_new(WSMSG_CLOSE, body, sizeof body);
    assert_int_equal(wsmsg_frame(m)[0], 0x88);                /* FIN + close */
    assert_int_equal(wsmsg_frame(m)[1], sizeof body);         /* unmasked */
    assert_memory_equal(wsmsg_frame(m) + 2, body, sizeof body);
    wsmsg_unref(m);
    wsmsg_unref(NULL); /* tolerated */
}

static wsmsg_t *msg_n(int i) {
    char t[32];
    int n = snprintf(t, sizeof t, "m%d", i);
    return wsmsg_new(WSMSG_TEXT, t, (size_t)n);
}

static int msg_id(const wsmsg_t *m) {
    span_t p = wsmsg_payload(m);
    char t[32];
    assert_true(p.len > 1 && p.len < sizeof t && p.ptr[0] == 'm');
    memcpy(t, p.ptr + 1, p.len - 1);
    t[p.len - 1] = '\0';
    return atoi(t);
}

static void test_shared_refcount(void **state) {
    (void)state;
    wsmsg_queue_t q[3] = { { 0 } };
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, "hello", 5);
    for (int i = 0; i < 3; i++) assert_int_equal(wsmsg_queue_push(&q[i], m, 1 << 20, 100), 0);
    assert_int_equal(m->refs, 4);
    wsmsg_unref(m); /* the broadcaster's reference */
    assert_int_equal(m->refs, 3);
    for (int i = 0; i < 3; i++) {
        assert_ptr_equal(wsmsg_queue_peek(&q[i]), m);
        assert_int_equal(q[i].bytes, 7);
    }
    wsmsg_queue_pop(&q[0]);
    assert_int_equal(m->refs, 2);
    assert_int_equal(wsmsg_queue_len(&q[0]), 0);
    assert_int_equal(q[0].bytes, 0);
    wsmsg_queue_pop(&q[2]);
    assert_int_equal(m->refs, 1);
    assert_memory_equal(wsmsg_payload(m).ptr, "hello", 5); /* still alive for the last queue */
    wsmsg_queue_pop(&q[1]);                                        /* freed here (ASan: no leak, no double free) */
    wsmsg_queue_pop(&q[1]);                                        /* popping an empty queue is a no-op */
    for (int i = 0; i < 3; i++) {
        assert_null(wsmsg_queue_peek(&q[i]));
        wsmsg_queue_clear(&q[i]);
    }
}

static void test_push_limits(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, "0123456789", 10); /* 12 frame bytes */
    /* max_bytes: three fit in 36, the fourth would pass it */
    for (int i = 0; i < 3; i++) assert_int_equal(wsmsg_queue_push(&q, m, 36, 100), 0);
    assert_int_equal(wsmsg_queue_push(&q, m, 36, 100), ERR_FULL);
    assert_int_equal(wsmsg_queue_len(&q), 3);
    assert_int_equal(q.bytes, 36);
    assert_int_equal(m->refs, 4); /* nothing taken by the refused push */
    assert_int_equal(wsmsg_queue_push(&q, m, 47, 100), ERR_FULL);
    assert_int_equal(wsmsg_queue_push(&q, m, 48, 100), 0);
    assert_int_equal(wsmsg_queue_len(&q), 4);
    wsmsg_queue_clear(&q);
    assert_int_equal(m->refs, 1);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.count, 0);
    assert_null(q.ring);

    /* max_msgs */
    for (int i = 0; i < 5; i++) assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 5), 0);
    assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 5), ERR_FULL);
    assert_int_equal(wsmsg_queue_len(&q), 5);
    assert_int_equal(q.bytes, 60);
    assert_int_equal(m->refs, 6);
    wsmsg_queue_pop(&q);
    assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 5), 0);
    assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 0), ERR_FULL);
    wsmsg_queue_clear(&q);
    assert_int_equal(m->refs, 1);

    /* a single frame larger than max_bytes is refused on an empty queue */
    assert_int_equal(wsmsg_queue_push(&q, m, 11, 100), ERR_FULL);
    assert_int_equal(wsmsg_queue_len(&q), 0);
    wsmsg_queue_clear(&q);
    wsmsg_unref(m);
}

static void test_fifo_growth_and_wrap(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    int next_in = 0, next_out = 0;
    /* push 5, pop 3: head moves to 3 */
    for (int i = 0; i < 5; i++) { wsmsg_t *m = msg_n(next_in++); assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 1000), 0); wsmsg_unref(m); }
    for (int i = 0; i < 3; i++) { assert_int_equal(msg_id(wsmsg_queue_peek(&q)), next_out++); wsmsg_queue_pop(&q); }
    /* 6 more: wraps around the end of the 8-slot ring without growing */
    for (int i = 0; i < 6; i++) { wsmsg_t *m = msg_n(next_in++); assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 1000), 0); wsmsg_unref(m); }
    assert_int_equal(q.cap, 8);
    assert_int_equal(wsmsg_queue_len(&q), 8);
    assert_true(q.head + q.count > q.cap); /* really wrapped */
    /* 30 more: grows while wrapped, order kept */
    for (int i = 0; i < 30; i++) { wsmsg_t *m = msg_n(next_in++); assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 1000), 0); wsmsg_unref(m); }
    assert_true(q.cap >= 38);
    assert_int_equal(wsmsg_queue_len(&q), 38);
    /* interleave pops and pushes */
    for (int r = 0; r < 200; r++) {
        assert_int_equal(msg_id(wsmsg_queue_peek(&q)), next_out++);
        wsmsg_queue_pop(&q);
        for (int k = r % 3 ? 1 : 2; k > 0; k--) {
            wsmsg_t *m = msg_n(next_in++);
            assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 1000), 0);
            wsmsg_unref(m);
        }
    }
    assert_int_equal(wsmsg_queue_len(&q), 38 + 67);
    while (wsmsg_queue_len(&q)) { assert_int_equal(msg_id(wsmsg_queue_peek(&q)), next_out++); wsmsg_queue_pop(&q); }
    assert_int_equal(next_out, next_in);
    assert_int_equal(q.bytes, 0);
    wsmsg_queue_clear(&q);
}

static void test_ring_released_after_burst(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, "x", 1);
    for (int i = 0; i < 100; i++) assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 1000), 0);
    assert_true(q.cap >= 100);
    while (wsmsg_queue_len(&q)) wsmsg_queue_pop(&q);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(m->refs, 1);
    /* usable again whether or not the ring was given back */
    assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 1000), 0);
    assert_ptr_equal(wsmsg_queue_peek(&q), m);
    wsmsg_queue_clear(&q);
    wsmsg_unref(m);
}

static void test_gather(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *a = wsmsg_new(WSMSG_TEXT, "aaaa", 4);      /* 6 bytes */
    wsmsg_t *b = wsmsg_new(WSMSG_TEXT, "bbbbbbbb", 8);  /* 10 bytes */
    wsmsg_t *c = wsmsg_new(WSMSG_TEXT, "cc", 2);        /* 4 bytes */
    assert_int_equal(wsmsg_queue_push(&q, a, 1 << 20, 100), 0);
    assert_int_equal(wsmsg_queue_push(&q, b, 1 << 20, 100), 0);
    assert_int_equal(wsmsg_queue_push(&q, c, 1 << 20, 100), 0);
    assert_int_equal(wsmsg_queue_push(&q, a, 1 << 20, 100), 0);

    unsigned char dst[64];
    uint32_t frames = 99;
    /* 19 bytes: a (6) + b (10) fit, c (4) would make 20: stops before it */
    memset(dst, 0xee, sizeof dst);
    assert_int_equal(wsmsg_queue_gather(&q, dst, 19, &frames), 16);
    assert_int_equal(frames, 2);
    assert_memory_equal(dst, "\x81\x04" "aaaa" "\x81\x08" "bbbbbbbb", 16);
    assert_int_equal(dst[16], 0xee);
    assert_int_equal(wsmsg_queue_len(&q), 2);
    assert_ptr_equal(wsmsg_queue_peek(&q), c);
    assert_int_equal(q.bytes, 10);
    assert_int_equal(a->refs, 2);
    assert_int_equal(b->refs, 1);

    /* first frame larger than cap: nothing copied, nothing popped */
    assert_int_equal(wsmsg_queue_gather(&q, dst, 3, &frames), 0);
    assert_int_equal(frames, 0);
    assert_int_equal(wsmsg_queue_len(&q), 2);

    /* exact fit of the rest */
    assert_int_equal(wsmsg_queue_gather(&q, dst, 10, NULL), 10);
    assert_memory_equal(dst, "\x81\x02" "cc" "\x81\x04" "aaaa", 10);
    assert_int_equal(wsmsg_queue_len(&q), 0);
    assert_int_equal(q.bytes, 0);

    /* empty queue */
    assert_int_equal(wsmsg_queue_gather(&q, dst, sizeof dst, &frames), 0);
    assert_int_equal(frames, 0);
    wsmsg_queue_clear(&q);
    wsmsg_unref(a);
    wsmsg_unref(b);
    wsmsg_unref(c);
}

static void test_clear(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *m = wsmsg_new(WSMSG_TEXT, "z", 1);
    for (int i = 0; i < 20; i++) assert_int_equal(wsmsg_queue_push(&q, m, 1 << 20, 100), 0);
    assert_int_equal(m->refs, 21);
    wsmsg_queue_clear(&q);
    assert_int_equal(m->refs, 1);
    assert_int_equal(wsmsg_queue_len(&q), 0);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.cap, 0);
    assert_null(q.ring);
    wsmsg_queue_clear(&q); /* twice is harmless */
    /* messages only the queue holds are freed by clear (ASan checks the leak) */
    for (int i = 0; i < 10; i++) { wsmsg_t *t = msg_n(i); wsmsg_queue_push(&q, t, 1 << 20, 100); wsmsg_unref(t); }
    wsmsg_queue_clear(&q);
    wsmsg_unref(m);
}

static void test_binary_frame(void **state) {
    (void)state;
    const unsigned char body[] = { 0x10, 0x00, 0xff, 0x80, 0x00, 0x01 };
    wsmsg_t *m = wsmsg_new(WSMSG_BINARY, body, sizeof body);
    assert_int_equal(WSMSG_BINARY, 0x2);
    assert_int_equal(wsmsg_frame(m)[0], 0x82);                /* FIN + binary */
    assert_int_equal(wsmsg_frame(m)[1], sizeof body);
    assert_memory_equal(wsmsg_payload(m).ptr, body, sizeof body);
    assert_int_equal(wsmsg_payload(m).len, sizeof body);
    wsmsg_unref(m);
    m = wsmsg_new(WSMSG_BINARY, NULL, 0);
    assert_int_equal(m->len, 2);
    assert_memory_equal(wsmsg_frame(m), "\x82\x00", 2);
    wsmsg_unref(m);
}

/* total frame bytes of the queue's entries, to check q.bytes against */
static size_t sum_bytes(const wsmsg_queue_t *q) {
    size_t n = 0;
    for (uint32_t i = 0; i < wsmsg_queue_len(q); i++) n += wsmsg_queue_at(q, i)->len;
    return n - q->head_sent;
}

static void test_slot_replaces_unwritten(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *t0 = msg_n(100), *s1 = msg_n(1), *t1 = msg_n(101), *s2 = msg_n(22222), *s3 = msg_n(3);
    assert_int_equal(wsmsg_queue_push(&q, t0, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, s1, 7, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push(&q, t1, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(s1->refs, 2);
    /* s2 takes s1's place (same position), s1's queue reference is dropped */
    assert_int_equal(wsmsg_queue_push_slot(&q, s2, 7, 1 << 20, 100), WSMSG_REPLACED);
    assert_int_equal(wsmsg_queue_len(&q), 3);
    assert_int_equal(s1->refs, 1);
    assert_int_equal(s2->refs, 2);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 0)), 100);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 1)), 22222);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 2)), 101);
    assert_int_equal(wsmsg_queue_slot_at(&q, 1), 7);
    assert_int_equal(wsmsg_queue_slot_at(&q, 0), 0);
    /* byte accounting follows the sizes (s2 is 3 bytes longer than s1) */
    assert_int_equal(q.bytes, t0->len + s2->len + t1->len);
    assert_int_equal(q.bytes, sum_bytes(&q));
    /* and again with a shorter one */
    assert_int_equal(wsmsg_queue_push_slot(&q, s3, 7, 1 << 20, 100), WSMSG_REPLACED);
    assert_int_equal(s2->refs, 1);
    assert_int_equal(q.bytes, t0->len + s3->len + t1->len);
    /* the same message again: replaced by itself, no reference lost */
    assert_int_equal(wsmsg_queue_push_slot(&q, s3, 7, 1 << 20, 100), WSMSG_REPLACED);
    assert_int_equal(s3->refs, 2);
    assert_int_equal(q.slotted, 1);
    /* once the snapshot is written (popped), the next one is appended */
    wsmsg_queue_pop(&q);
    wsmsg_queue_pop(&q);
    assert_int_equal(q.slotted, 0);
    assert_int_equal(s3->refs, 1);
    assert_int_equal(wsmsg_queue_push_slot(&q, s1, 7, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_len(&q), 2);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 1)), 1);
    assert_int_equal(q.bytes, sum_bytes(&q));
    /* slot 0 (and negative) never replaces */
    assert_int_equal(wsmsg_queue_push_slot(&q, t0, 0, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, t0, 0, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, t0, -3, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_len(&q), 5);
    assert_int_equal(wsmsg_queue_slot_at(&q, 4), 0);
    wsmsg_queue_clear(&q);
    assert_int_equal(q.slotted, 0);
    wsmsg_t *all[] = { t0, s1, t1, s2, s3 };
    for (size_t i = 0; i < 5; i++) { assert_int_equal(all[i]->refs, 1); wsmsg_unref(all[i]); }
}

static void test_slot_partly_written_head_appends(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *s1 = msg_n(1), *s2 = msg_n(2), *s3 = msg_n(3);   /* 4 frame bytes each */
    assert_int_equal(wsmsg_queue_push_slot(&q, s1, 1, 1 << 20, 100), WSMSG_QUEUED);
    /* 3 of its 4 bytes written: the head is partly written, no longer replaceable */
    wsmsg_queue_advance(&q, 3);
    assert_int_equal(q.head_sent, 3);
    assert_int_equal(q.bytes, 1);
    assert_int_equal(q.bytes, sum_bytes(&q));
    size_t rest;
    const unsigned char *p = wsmsg_queue_head_rest(&q, &rest);
    assert_int_equal(rest, 1);
    assert_ptr_equal(p, wsmsg_frame(s1) + 3);
    assert_int_equal(wsmsg_queue_push_slot(&q, s2, 1, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_len(&q), 2);
    assert_int_equal(q.bytes, 1 + s2->len);
    /* the appended one is unwritten: the next replaces it, not the head */
    assert_int_equal(wsmsg_queue_push_slot(&q, s3, 1, 1 << 20, 100), WSMSG_REPLACED);
    assert_ptr_equal(wsmsg_queue_at(&q, 0), s1);
    assert_ptr_equal(wsmsg_queue_at(&q, 1), s3);
    assert_int_equal(s2->refs, 1);
    assert_int_equal(q.bytes, 1 + s3->len);
    assert_int_equal(q.bytes, sum_bytes(&q));
    /* gather writes the head's rest, then whole frames */
    unsigned char dst[16];
    uint32_t frames;
    assert_int_equal(wsmsg_queue_gather(&q, dst, sizeof dst, &frames), 1 + s3->len);
    assert_int_equal(frames, 2);
    assert_int_equal(dst[0], wsmsg_frame(s1)[3]);
    assert_memory_equal(dst + 1, wsmsg_frame(s3), s3->len);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.head_sent, 0);
    assert_int_equal(q.slotted, 0);
    /* advance across frames: whole ones popped, the rest counted in head_sent */
    assert_int_equal(wsmsg_queue_push_slot(&q, s1, 1, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, s2, 2, 1 << 20, 100), WSMSG_QUEUED);
    wsmsg_queue_advance(&q, s1->len + 2);
    assert_int_equal(wsmsg_queue_len(&q), 1);
    assert_ptr_equal(wsmsg_queue_peek(&q), s2);
    assert_int_equal(q.head_sent, 2);
    assert_int_equal(q.bytes, s2->len - 2);
    assert_int_equal(wsmsg_queue_push_slot(&q, s3, 2, 1 << 20, 100), WSMSG_QUEUED); /* s2 partly written */
    wsmsg_queue_advance(&q, 100);                                                  /* more than queued */
    assert_int_equal(wsmsg_queue_len(&q), 0);
    assert_int_equal(q.bytes, 0);
    assert_int_equal(q.head_sent, 0);
    wsmsg_queue_clear(&q);
    wsmsg_unref(s1);
    wsmsg_unref(s2);
    wsmsg_unref(s3);
}

static void test_slots_independent(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *a1 = msg_n(11), *b1 = msg_n(21), *a2 = msg_n(12), *b2 = msg_n(22), *t = msg_n(99);
    assert_int_equal(wsmsg_queue_push_slot(&q, a1, 1, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, b1, 2, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push(&q, t, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, b2, 2, 1 << 20, 100), WSMSG_REPLACED);
    assert_int_equal(wsmsg_queue_push_slot(&q, a2, 1, 1 << 20, 100), WSMSG_REPLACED);
    assert_int_equal(wsmsg_queue_len(&q), 3);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 0)), 12);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 1)), 22);
    assert_int_equal(msg_id(wsmsg_queue_at(&q, 2)), 99);
    assert_int_equal(wsmsg_queue_slot_at(&q, 0), 1);
    assert_int_equal(wsmsg_queue_slot_at(&q, 1), 2);
    assert_int_equal(q.slotted, 2);
    assert_int_equal(q.bytes, sum_bytes(&q));
    /* a plain push of the same message never counts as a slot */
    assert_int_equal(wsmsg_queue_push(&q, a2, 1 << 20, 100), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, a1, 1, 1 << 20, 100), WSMSG_REPLACED);
    assert_ptr_equal(wsmsg_queue_at(&q, 0), a1);
    assert_ptr_equal(wsmsg_queue_at(&q, 3), a2);
    wsmsg_queue_clear(&q);
    wsmsg_t *all[] = { a1, b1, a2, b2, t };
    for (size_t i = 0; i < 5; i++) { assert_int_equal(all[i]->refs, 1); wsmsg_unref(all[i]); }
}

static void test_slot_limits_and_wrap(void **state) {
    (void)state;
    wsmsg_queue_t q = { 0 };
    wsmsg_t *small = wsmsg_new(WSMSG_BINARY, "abcd", 4);          /* 6 bytes */
    wsmsg_t *big = wsmsg_new(WSMSG_BINARY, "abcdefghij", 10);     /* 12 bytes */
    /* max_msgs does not stop a replacement (the count does not grow) */
    assert_int_equal(wsmsg_queue_push_slot(&q, small, 1, 1 << 20, 1), WSMSG_QUEUED);
    assert_int_equal(wsmsg_queue_push_slot(&q, small, 2, 1 << 20, 1), ERR_FULL);
    assert_int_equal(wsmsg_queue_push_slot(&q, big, 1, 1 << 20, 1), WSMSG_REPLACED);
    assert_int_equal(q.bytes, 12);
    /* max_bytes is checked on the bytes after the replacement; refused: nothing changes */
    assert_int_equal(wsmsg_queue_push_slot(&q, small, 1, 12, 1), WSMSG_REPLACED);
    assert_int_equal(q.bytes, 6);
    assert_int_equal(wsmsg_queue_push_slot(&q, big, 1, 11, 1), ERR_FULL);
    assert_ptr_equal(wsmsg_queue_peek(&q), small);
    assert_int_equal(q.bytes, 6);
    assert_int_equal(big->refs, 1);
    wsmsg_queue_clear(&q);
    /* a replacement found across the ring's wrap and growth */
    for (int r = 0; r < 50; r++) {
        assert_int_equal(wsmsg_queue_push(&q, small, 1 << 20, 1000), WSMSG_QUEUED);
        assert_int_equal(wsmsg_queue_push_slot(&q, r % 2 ? small : big, 5, 1 << 20, 1000), r ? WSMSG_REPLACED : WSMSG_QUEUED);
        assert_int_equal(wsmsg_queue_push(&q, small, 1 << 20, 1000), WSMSG_QUEUED);
        if (r % 3 == 0 && wsmsg_queue_slot_at(&q, 0) != 5) wsmsg_queue_pop(&q);
        assert_int_equal(q.bytes, sum_bytes(&q));
        assert_int_equal(q.slotted, 1);
    }
    wsmsg_queue_clear(&q);
    assert_int_equal(small->refs, 1);
    assert_int_equal(big->refs, 1);
    wsmsg_unref(small);
    wsmsg_unref(big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_headers),
        cmocka_unit_test(test_close_frame),
        cmocka_unit_test(test_shared_refcount),
        cmocka_unit_test(test_push_limits),
        cmocka_unit_test(test_fifo_growth_and_wrap),
        cmocka_unit_test(test_ring_released_after_burst),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_binary_frame),
        cmocka_unit_test(test_slot_replaces_unwritten),
        cmocka_unit_test(test_slot_partly_written_head_appends),
        cmocka_unit_test(test_slots_independent),
        cmocka_unit_test(test_slot_limits_and_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
