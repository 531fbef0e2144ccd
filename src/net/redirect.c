/* redirect — the protocol of the plain-HTTP vhost (HTTP_PORT), WebSocket upgrades included. */
#include "srv_internal.h"
#include "log.h"
#include "path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plain-HTTP vhost: everything gets a 301 to the same path and query over HTTPS. */
int redirect_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)len;
    if (reason != LWS_CALLBACK_HTTP && reason != LWS_CALLBACK_HTTP_CONFIRM_UPGRADE) {
        if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION || reason == LWS_CALLBACK_WSI_CREATE ||
            reason == LWS_CALLBACK_WSI_DESTROY)
            return srv_conn_event(lws_context_user(lws_get_context(wsi)), wsi, reason, user);
        return 0;
    }
    srv_t *s = lws_context_user(lws_get_context(wsi));
    srv_conn_active(s, wsi);
    char *uri;
    int ulen;
    int m = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    char hostraw[256], host[256];
    if (lws_hdr_copy(wsi, hostraw, sizeof hostraw, WSI_TOKEN_HOST) <= 0 ||
        !path_host_name(span_cstr(hostraw), host, sizeof host))
        snprintf(host, sizeof host, "localhost");
    buf_t loc;
    buf_init(&loc, LIM_HTTP_URI_BYTES * 3 + 512);
    buf_printf(&loc, "https://%s", host);
    if (s->cfg->https_port != 443) buf_printf(&loc, ":%d", s->cfg->https_port);
    const char *path = reason == LWS_CALLBACK_HTTP && in ? (const char *)in : (m >= 0 ? uri : "/");
    path_encode(&loc, span_cstr(path));
    int qlen = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    char *q = qlen > 0 && qlen < (int)LIM_HTTP_URI_BYTES ? http_conn_query(wsi) : NULL;
    if (q && *q) {
        buf_append(&loc, "?", 1);
        buf_append(&loc, q, strlen(q));
    }
    free(q);
    static const char body[] = "Moved to HTTPS.\n";
    unsigned char hb[LWS_PRE + LIM_HTTP_URI_BYTES * 3 + 1024];
    unsigned char *start = hb + LWS_PRE, *p = start, *end = hb + sizeof hb - 1;
    int rc = -1;
    if (loc.ptr && !lws_add_http_header_status(wsi, 301, &p, end) &&
        !lws_add_http_header_by_name(wsi, (const unsigned char *)"location:", (unsigned char *)loc.ptr, (int)loc.len, &p, end) &&
        !lws_add_http_header_by_name(wsi, (const unsigned char *)"content-type:", (const unsigned char *)"text/plain; charset=utf-8", 25, &p, end) &&
        !lws_add_http_header_content_length(wsi, sizeof body - 1, &p, end) &&
        !lws_finalize_write_http_header(wsi, start, &p, end)) {
        rc = 0;
        if (m != LWSHUMETH_HEAD) {
            memcpy(start, body, sizeof body - 1);
            if (lws_write(wsi, start, sizeof body - 1, LWS_WRITE_HTTP_FINAL) != (int)sizeof body - 1) rc = -1;
        }
    }
    metrics_count_status(s->m, 301);
    if (s->cfg->access_log) {
        char peer[64];
        srv_peer(wsi, peer, sizeof peer);
        log_access("http %s %s %s 301 %zu 0.000ms", peer, m >= 0 ? http_method_name(http_conn_method(m)) : "OTHER", path,
                   m == LWSHUMETH_HEAD ? (size_t)0 : sizeof body - 1);
    }
    buf_free(&loc);
    if (reason == LWS_CALLBACK_HTTP_CONFIRM_UPGRADE) return 1;
    if (rc < 0) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}
