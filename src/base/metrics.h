/* Counters for /metrics. Written by the loop thread only; no locking. */
#ifndef PONGD_METRICS_H
#define PONGD_METRICS_H

#include <stdint.h>
#include "util.h"

typedef struct {
    uint64_t started_ms;          /* wall clock at start */
    int64_t http_open;            /* open HTTP connections */
    int64_t ws_open;              /* open WebSockets */
    uint64_t http_requests[6];    /* by status class: [1]=1xx .. [5]=5xx, [0]=other */
    uint64_t ws_in;               /* complete messages received */
    uint64_t ws_out;              /* messages queued to sockets */
    uint64_t bytes_out;           /* HTTP body and WebSocket frame bytes written */
    uint64_t ws_slow_closed;      /* closed for a full output queue */
    int64_t ws_realtime_open;     /* open realtime (game) WebSockets (ws_set_realtime) */
    int64_t ws_realtime_nodelay;  /* of those, how many read TCP_NODELAY back as set */
    uint64_t ws_replaced;         /* unwritten messages replaced by a newer one (ws_send_latest) */
    uint64_t ws_direct_writes;    /* realtime sockets written at the end of a loop turn, no WRITEABLE round trip */
    /* connection caps (docs/security.md, "Availability (issue 16)") */
    int64_t conns_open;           /* accepted connections still open, of every kind */
    int64_t handshakes_open;      /* of those, before their first request head */
    uint64_t conns_refused;       /* closed at accept: a per-address or global cap */
    uint64_t ws_refused;          /* WebSockets closed with 4008: WS_PER_ADDRESS (WS_PER_ACCOUNT: sessguard_refused) */
    uint64_t handshake_timeouts;  /* closed by HANDSHAKE_TIMEOUT */
    uint64_t accept_pauses;       /* times the listeners stopped being polled (a global cap, or EMFILE) */
} metrics_t;

static inline void metrics_count_status(metrics_t *m, int status) {
    int c = status / 100;
    m->http_requests[c >= 1 && c <= 5 ? c : 0]++;
}

/* Appends the Prometheus text exposition. rss_bytes: resident memory now. */
int metrics_render(buf_t *out, const metrics_t *m, uint64_t now_ms, uint64_t rss_bytes,
                   uint64_t rooms, uint64_t pool_queued);

/* Appends one metric without labels (a counter or a gauge of another module: the bus, the chat),
 * in the same format. type: "counter" or "gauge". ERR_LIMIT past out's maximum. */
int metrics_render_value(buf_t *out, const char *name, const char *type, const char *help, uint64_t value);

/* Resident set size of this process from /proc/self/statm, 0 if unknown. */
uint64_t metrics_rss_bytes(void);

#endif
