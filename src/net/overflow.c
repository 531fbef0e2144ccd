/* overflow — the 431 answer for a request head larger than LIM_HTTP_HEADER_BYTES, and lws's
 * log lines routed to ours. */
#include "srv_internal.h"
#include "log.h"
#include "policy.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

/* libwebsockets 4.1 closes a connection whose request head overflows its header buffer
 * without answering, and says so only in its log, synchronously, while parsing that head.
 * To answer 431 instead, the OpenSSL message callback remembers which TLS connection the loop
 * read from last (all on the loop thread), and the log hook writes the 431 to it before lws
 * shuts it down. Loop thread only. */
static SSL *g_last_read_ssl;
static srv_t *g_srv_for_log; /* the log hook's way to the metrics; set once at create */

void overflow_init(srv_t *s) { g_srv_for_log = s; }

void overflow_tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
    (void)version; (void)content_type; (void)buf; (void)len; (void)arg;
    if (!write_p) g_last_read_ssl = ssl;
}

static void answer_header_overflow(void) {
    SSL *ssl = g_last_read_ssl;
    g_last_read_ssl = NULL;
    if (!ssl) return;
    static const char body[] = "{\"error\":{\"code\":\"headers_too_large\",\"message\":\"Request headers over 8 KB.\"}}";
    char resp[1024], sec[768];
    if (!policy_headers_raw(sec, sizeof sec)) return;
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n%s"
                     "connection: close\r\ncontent-length: %zu\r\n\r\n%s",
                     sec, sizeof body - 1, body);
    if (n <= 0 || (size_t)n >= sizeof resp) return;
    ERR_clear_error();
    if (SSL_write(ssl, resp, n) <= 0) ERR_clear_error();
    if (g_srv_for_log) {
        metrics_count_status(g_srv_for_log->m, 431);
        if (g_srv_for_log->cfg->access_log) log_access("http - - (request head over 8 KB) 431 77 0.000ms");
    }
}

void overflow_lws_log(int level, const char *line) {
    if (strstr(line, "Ran out of header data space")) {
        answer_header_overflow();
        return;
    }
    /* accept() failed for want of descriptors: lws 4.1 only logs it and leaves the listener
     * readable (the loop would spin); pause accepting a moment instead (server.c) */
    if (strstr(line, "accept: errno 24") || strstr(line, "accept: errno 23")) {
        static uint64_t last_logged_us;
        if (g_srv_for_log && !g_srv_for_log->emfile_pause) {
            uint64_t now = now_mono_us();
            if (!last_logged_us || now - last_logged_us > 10u * 1000000u) {   /* at most one line per 10 s */
                log_msg("warn", "lws: %s (out of descriptors: accepting paused for 100 ms at a time)", line);
                last_logged_us = now;
            }
            srv_accept_failed(g_srv_for_log);
        }
        return;
    }
    log_msg(level == LLL_ERR ? "error" : "warn", "lws: %s", line);
}
