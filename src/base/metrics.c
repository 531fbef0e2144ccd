#include "metrics.h"

#include <stdio.h>
#include <unistd.h>

/* One Prometheus metric without labels. */
typedef struct {
    const char *name, *type, *help;
    enum { INT, UINT, SECONDS } kind;
    int64_t i;
    uint64_t u;
    double d;
} metric_t;

static int render_one(buf_t *o, const metric_t *x) {
    int rc = buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s ", x->name, x->help, x->name, x->type, x->name);
    switch (x->kind) {
    case INT: rc |= buf_printf(o, "%lld\n", (long long)x->i); break;
    case UINT: rc |= buf_printf(o, "%llu\n", (unsigned long long)x->u); break;
    case SECONDS: rc |= buf_printf(o, "%.3f\n", x->d); break;
    }
    return rc;
}

int metrics_render(buf_t *o, const metrics_t *m, uint64_t now_ms, uint64_t rss, uint64_t rooms,
                   uint64_t pool_queued) {
    static const char *cls[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
    const metric_t before[] = {
        { "pongd_http_connections_open", "gauge", "Open HTTP connections (not upgraded to WebSocket).", INT, .i = m->http_open },
        { "pongd_ws_connections_open", "gauge", "Open WebSocket connections.", INT, .i = m->ws_open },
        { "pongd_connections_open", "gauge", "Open accepted connections of every kind (HTTP, WebSocket, in handshake).", INT, .i = m->conns_open },
        { "pongd_handshakes_open", "gauge", "Open connections before their first request head (TLS handshake included).", INT, .i = m->handshakes_open },
        { "pongd_connections_refused_total", "counter", "Connections closed at accept by a per-address or global cap.", UINT, .u = m->conns_refused },
        { "pongd_ws_refused_total", "counter", "WebSockets closed with 4008 at their handshake: the address had WS_PER_ADDRESS open.", UINT, .u = m->ws_refused },
        { "pongd_handshake_timeouts_total", "counter", "Connections closed by HANDSHAKE_TIMEOUT.", UINT, .u = m->handshake_timeouts },
        { "pongd_accept_pauses_total", "counter", "Times accepting paused at a global cap or for want of descriptors.", UINT, .u = m->accept_pauses },
    };
    const metric_t after[] = {
        { "pongd_ws_messages_in_total", "counter", "WebSocket messages received.", UINT, .u = m->ws_in },
        { "pongd_ws_messages_out_total", "counter", "WebSocket messages sent.", UINT, .u = m->ws_out },
        { "pongd_ws_slow_closed_total", "counter", "WebSockets closed for a full output queue.", UINT, .u = m->ws_slow_closed },
        { "pongd_ws_realtime_open", "gauge", "Open realtime (game) WebSockets.", INT, .i = m->ws_realtime_open },
        { "pongd_ws_realtime_nodelay", "gauge", "Realtime WebSockets whose TCP_NODELAY reads back as set.", INT, .i = m->ws_realtime_nodelay },
        { "pongd_ws_replaced_total", "counter", "Unwritten WebSocket messages replaced by a newer one (game snapshots).", UINT, .u = m->ws_replaced },
        { "pongd_ws_direct_writes_total", "counter", "Realtime (game) socket writes made at the end of a loop turn, without a writable-callback round trip.", UINT, .u = m->ws_direct_writes },
        { "pongd_bytes_out_total", "counter", "Body and frame bytes written.", UINT, .u = m->bytes_out },
        { "pongd_chat_rooms", "gauge", "Chat rooms with at least one member.", UINT, .u = rooms },
        { "pongd_pool_queued", "gauge", "Jobs waiting for a worker thread.", UINT, .u = pool_queued },
        { "pongd_resident_memory_bytes", "gauge", "Resident set size.", UINT, .u = rss },
        { "pongd_uptime_seconds", "gauge", "Seconds since start.", SECONDS, .d = (double)(now_ms - m->started_ms) / 1000.0 },
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) rc |= render_one(o, &before[i]);
    rc |= buf_printf(o, "# HELP pongd_http_requests_total HTTP responses by status class.\n"
                        "# TYPE pongd_http_requests_total counter\n");
    for (int i = 1; i <= 5; i++)
        rc |= buf_printf(o, "pongd_http_requests_total{class=\"%s\"} %llu\n", cls[i],
                         (unsigned long long)m->http_requests[i]);
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) rc |= render_one(o, &after[i]);
    return rc ? ERR_LIMIT : 0;
}

int metrics_render_value(buf_t *o, const char *name, const char *type, const char *help, uint64_t value) {
    const metric_t x = { name, type, help, UINT, .u = value };
    return render_one(o, &x) ? ERR_LIMIT : 0;
}

uint64_t metrics_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0, res = 0;
    int n = fscanf(f, "%llu %llu", &size, &res);
    fclose(f);
    return n == 2 ? res * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}
