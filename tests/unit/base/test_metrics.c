/* metrics: the Prometheus text and status classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

/* The sample line "name value" (name may carry labels) exists in text. */
static void has_sample(const char *text, const char *name, const char *value) {
    char line[256];
    snprintf(line, sizeof line, "\n%s %s\n", name, value);
    if (!strstr(text, line)) fail_msg("no sample '%s %s' in:\n%s", name, value, text);
}

static void test_render(void **state) {
    (void)state;
    metrics_t m;
    memset(&m, 0, sizeof m);
    m.started_ms = 1000000;
    m.http_open = 3;
    m.ws_open = 2;
    m.http_requests[1] = 1;
    m.http_requests[2] = 120;
    m.http_requests[3] = 7;
    m.http_requests[4] = 5;
    m.http_requests[5] = 1;
    m.ws_in = 11;
    m.ws_out = 33;
    m.bytes_out = 123456789012ull;
    m.ws_slow_closed = 4;
    m.ws_realtime_open = 5;
    m.ws_realtime_nodelay = 4;
    m.ws_replaced = 77;
    buf_t b;
    buf_init(&b, 1 << 16);
    assert_int_equal(metrics_render(&b, &m, 1000000 + 61500, 4096 * 1000, 6, 9), 0);
    const char *t = b.ptr;
    assert_non_null(t);
    has_sample(t, "pongd_http_connections_open", "3");
    has_sample(t, "pongd_ws_connections_open", "2");
    has_sample(t, "pongd_http_requests_total{class=\"2xx\"}", "120");
    has_sample(t, "pongd_http_requests_total{class=\"3xx\"}", "7");
    has_sample(t, "pongd_http_requests_total{class=\"4xx\"}", "5");
    has_sample(t, "pongd_http_requests_total{class=\"5xx\"}", "1");
    has_sample(t, "pongd_ws_messages_in_total", "11");
    has_sample(t, "pongd_ws_messages_out_total", "33");
    has_sample(t, "pongd_bytes_out_total", "123456789012");
    has_sample(t, "pongd_resident_memory_bytes", "4096000");
    has_sample(t, "pongd_uptime_seconds", "61.500");
    has_sample(t, "pongd_chat_rooms", "6");
    has_sample(t, "pongd_pool_queued", "9");
    has_sample(t, "pongd_ws_slow_closed_total", "4");
    has_sample(t, "pongd_ws_realtime_open", "5");
    has_sample(t, "pongd_ws_realtime_nodelay", "4");
    has_sample(t, "pongd_ws_replaced_total", "77");
    static const char *names[] = { "pongd_http_connections_open", "pongd_ws_connections_open",
                                   "pongd_http_requests_total", "pongd_ws_messages_in_total",
                                   "pongd_ws_messages_out_total", "pongd_bytes_out_total",
                                   "pongd_resident_memory_bytes", "pongd_uptime_seconds" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "# TYPE %s ", names[i]);
        if (!strstr(t, want)) fail_msg("no TYPE line for %s", names[i]);
        snprintf(want, sizeof want, "# HELP %s ", names[i]);
        if (!strstr(t, want)) fail_msg("no HELP line for %s", names[i]);
    }
    assert_int_equal(t[b.len - 1], '\n');
    assert_int_equal(strlen(t), b.len);
    buf_free(&b);
}

static void test_render_appends_and_limits(void **state) {
    (void)state;
    metrics_t m;
    memset(&m, 0, sizeof m);
    buf_t b;
    buf_init(&b, 1 << 16);
    assert_int_equal(buf_append(&b, "# pre\n", 6), 0);
    assert_int_equal(metrics_render(&b, &m, 0, 0, 0, 0), 0);
    assert_memory_equal(b.ptr, "# pre\n", 6);
    has_sample(b.ptr, "pongd_http_requests_total{class=\"2xx\"}", "0");
    has_sample(b.ptr, "pongd_uptime_seconds", "0.000");
    buf_free(&b);
    buf_init(&b, 100);
    assert_int_equal(metrics_render(&b, &m, 0, 0, 0, 0), ERR_LIMIT);
    assert_true(b.len <= 100);
    buf_free(&b);
}

static void test_count_status(void **state) {
    (void)state;
    metrics_t m;
    memset(&m, 0, sizeof m);
    int codes[] = { 101, 200, 204, 206, 301, 304, 400, 404, 413, 431, 499, 500, 503, 599, 99, 600, 0, -1, 1000 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) metrics_count_status(&m, codes[i]);
    assert_int_equal(m.http_requests[1], 1);
    assert_int_equal(m.http_requests[2], 3);
    assert_int_equal(m.http_requests[3], 2);
    assert_int_equal(m.http_requests[4], 5);
    assert_int_equal(m.http_requests[5], 3);
    assert_int_equal(m.http_requests[0], 5);
}

static void test_rss(void **state) {
    (void)state;
    uint64_t rss = metrics_rss_bytes();
    assert_true(rss > 0);                       /* Linux: /proc/self/statm exists */
    assert_true(rss < 64ull * 1024 * 1024 * 1024);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_appends_and_limits),
        cmocka_unit_test(test_count_status),
        cmocka_unit_test(test_rss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
