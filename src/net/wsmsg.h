/* Pre-framed, reference-counted WebSocket messages and the bounded per-connection output
 * queue that holds them. A broadcast builds one wsmsg_t and every recipient's queue holds a
 * reference, so a message to N sockets costs one allocation, not N. Frames are built here
 * (server-to-client frames are unmasked) so that several queued frames can leave in one
 * write: see wsmsg_queue_gather(). No socket, no libwebsockets: testable on bytes. */
#ifndef PONGD_WSMSG_H
#define PONGD_WSMSG_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Bytes kept free before every frame for the transport (libwebsockets' LWS_PRE). */
#define WSMSG_HEADROOM 16
#define WSMSG_MAX_HEADER 10

typedef struct wsmsg {
    uint32_t refs;
    uint32_t off;           /* frame starts at buf + off (>= WSMSG_HEADROOM) */
    size_t len;             /* frame bytes: header + payload */
    unsigned char buf[];
} wsmsg_t;

enum { WSMSG_TEXT = 0x1, WSMSG_BINARY = 0x2, WSMSG_CLOSE = 0x8 };

/* A final frame of the given opcode carrying payload; refs = 1 (the caller's). */
wsmsg_t *wsmsg_new(int opcode, const void *payload, size_t len);
static inline const unsigned char *wsmsg_frame(const wsmsg_t *m) { return m->buf + m->off; }
/* Payload of a frame built by wsmsg_new(), for tests and logging. */
span_t wsmsg_payload(const wsmsg_t *m);
static inline wsmsg_t *wsmsg_ref(wsmsg_t *m) { m->refs++; return m; }
/* Drops a reference; frees on the last. Loop thread only (not atomic). */
void wsmsg_unref(wsmsg_t *m);

/* A queued reference and its snapshot slot (0: none; see wsmsg_queue_push_slot). */
typedef struct {
    wsmsg_t *m;
    int slot;
} wsmsg_entry_t;

typedef struct {
    wsmsg_entry_t *ring;
    uint32_t head, count, cap;
    uint32_t slotted;       /* entries with a slot > 0 (0: push_slot need not look) */
    size_t head_sent;       /* bytes of the head frame already handed to the transport */
    size_t bytes;           /* frame bytes queued and not yet written */
} wsmsg_queue_t;

/* Queues a reference to m. ERR_FULL (nothing queued) when the queue would pass max_bytes
 * or max_msgs: the owner then closes the connection as a slow reader. */
int wsmsg_queue_push(wsmsg_queue_t *q, wsmsg_t *m, size_t max_bytes, uint32_t max_msgs);
/* The newest-wins push for messages that supersede each other (game snapshots). slot > 0
 * names a kind of message: if the queue holds an unwritten entry of that slot (not even
 * partly written: a head with head_sent > 0 does not count), m takes its place in the
 * queue (same position, the old reference dropped, bytes adjusted) and WSMSG_REPLACED is
 * returned; otherwise m is appended like wsmsg_queue_push (WSMSG_QUEUED). So a queue holds
 * at most one unwritten entry per slot. slot <= 0: a plain push. ERR_FULL (nothing changed)
 * when the result would pass max_bytes or max_msgs. */
enum { WSMSG_QUEUED = 0, WSMSG_REPLACED = 1 };
int wsmsg_queue_push_slot(wsmsg_queue_t *q, wsmsg_t *m, int slot, size_t max_bytes, uint32_t max_msgs);
static inline size_t wsmsg_queue_len(const wsmsg_queue_t *q) { return q->count; }
static inline wsmsg_t *wsmsg_queue_peek(const wsmsg_queue_t *q) { return q->count ? q->ring[q->head].m : NULL; }
/* The slot of the i-th entry from the head (0 <= i < len), for tests. */
int wsmsg_queue_slot_at(const wsmsg_queue_t *q, uint32_t i);
wsmsg_t *wsmsg_queue_at(const wsmsg_queue_t *q, uint32_t i);
/* Removes the head (written or not) and drops its reference. */
void wsmsg_queue_pop(wsmsg_queue_t *q);
/* The head frame's bytes not yet written (NULL, 0 when empty). */
const unsigned char *wsmsg_queue_head_rest(const wsmsg_queue_t *q, size_t *len);
/* n bytes from the front of the queue were written: whole frames are popped, the rest is
 * counted in head_sent (the head is then partly written and no longer replaceable). */
void wsmsg_queue_advance(wsmsg_queue_t *q, size_t n);
/* Copies the head's unwritten rest and then whole frames into dst while they fit in cap,
 * pops them, and returns the bytes copied (0 if the head's rest alone is larger than cap:
 * send it on its own with wsmsg_queue_head_rest + wsmsg_queue_advance). */
size_t wsmsg_queue_gather(wsmsg_queue_t *q, unsigned char *dst, size_t cap, uint32_t *frames);
/* Drops everything and frees the ring. */
void wsmsg_queue_clear(wsmsg_queue_t *q);

#endif
