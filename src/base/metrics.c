#include "metrics.h"

#include <stdio.h>
#include <unistd.h>

int metrics_render(buf_t *o, const metrics_t *m, uint64_t now_ms, uint64_t rss, uint64_t rooms,
                   uint64_t pool_queued) {
    static const char *cls[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
    int rc = 0;
    rc |= buf_printf(o, "# HELP pongd_http_connections_open Open HTTP connections.\n"
                        "# TYPE pongd_http_connections_open gauge\npongd_http_connections_open %lld\n",
                     (long long)m->http_open);
    rc |= buf_printf(o, "# HELP pongd_ws_connections_open Open WebSocket connections.\n"
                        "# TYPE pongd_ws_connections_open gauge\npongd_ws_connections_open %lld\n",
                     (long long)m->ws_open);
    rc |= buf_printf(o, "# HELP pongd_http_requests_total HTTP responses by status class.\n"
                        "# TYPE pongd_http_requests_total counter\n");
    for (int i = 1; i <= 5; i++)
        rc |= buf_printf(o, "pongd_http_requests_total{class=\"%s\"} %llu\n", cls[i],
                         (unsigned long long)m->http_requests[i]);
    rc |= buf_printf(o, "# HELP pongd_ws_messages_in_total WebSocket messages received.\n"
                        "# TYPE pongd_ws_messages_in_total counter\npongd_ws_messages_in_total %llu\n",
                     (unsigned long long)m->ws_in);
    rc |= buf_printf(o, "# HELP pongd_ws_messages_out_total WebSocket messages sent.\n"
                        "# TYPE pongd_ws_messages_out_total counter\npongd_ws_messages_out_total %llu\n",
                     (unsigned long long)m->ws_out);
    rc |= buf_printf(o, "# HELP pongd_ws_slow_closed_total WebSockets closed for a full output queue.\n"
                        "# TYPE pongd_ws_slow_closed_total counter\npongd_ws_slow_closed_total %llu\n",
                     (unsigned long long)m->ws_slow_closed);
    rc |= buf_printf(o, "# HELP pongd_bytes_out_total Body and frame bytes written.\n"
                        "# TYPE pongd_bytes_out_total counter\npongd_bytes_out_total %llu\n",
                     (unsigned long long)m->bytes_out);
    rc |= buf_printf(o, "# HELP pongd_chat_rooms Chat rooms with at least one member.\n"
                        "# TYPE pongd_chat_rooms gauge\npongd_chat_rooms %llu\n", (unsigned long long)rooms);
    rc |= buf_printf(o, "# HELP pongd_pool_queued Jobs waiting for a worker thread.\n"
                        "# TYPE pongd_pool_queued gauge\npongd_pool_queued %llu\n",
                     (unsigned long long)pool_queued);
    rc |= buf_printf(o, "# HELP pongd_resident_memory_bytes Resident set size.\n"
                        "# TYPE pongd_resident_memory_bytes gauge\npongd_resident_memory_bytes %llu\n",
                     (unsigned long long)rss);
    rc |= buf_printf(o, "# HELP pongd_uptime_seconds Seconds since start.\n"
                        "# TYPE pongd_uptime_seconds gauge\npongd_uptime_seconds %.3f\n",
                     (double)(now_ms - m->started_ms) / 1000.0);
    return rc ? ERR_LIMIT : 0;
}

uint64_t metrics_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    unsigned long long size = 0, res = 0;
    int n = fscanf(f, "%llu %llu", &size, &res);
    fclose(f);
    return n == 2 ? res * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}
