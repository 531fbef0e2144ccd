#include "app.h"
#include "api.h"
#include "jwtcache.h"
#include "presence.h"
#include "pongd_limits.h"
#include "mime.h"
#include "path.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void api_index(app_t *a, http_req_t *r, int64_t id) {
    (void)id;
    http_resp_header(r, "cache-control", "no-cache");
    http_respond(r, 200, "application/json", a->api_index, a->api_index_len, HTTP_BODY_BORROW);
}

static void api_healthz(app_t *a, http_req_t *r, int64_t id) {
    (void)id;
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"uptime_seconds\":%llu}",
                     (unsigned long long)((now_wall_ms() - a->metrics->started_ms) / 1000));
    http_resp_header(r, "cache-control", "no-store");
    http_respond(r, 200, "application/json", body, (size_t)n, HTTP_BODY_COPY);
}

static void api_metrics(app_t *a, http_req_t *r, int64_t id) {
    (void)id;
    buf_t b;
    buf_init(&b, 1 << 16);
    metrics_render(&b, a->metrics, now_wall_ms(), metrics_rss_bytes(), rooms_count(a->rooms),
                   a->pool ? pool_queued(a->pool) : 0);
    http_resp_header(r, "cache-control", "no-store");
    http_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.ptr, b.len, HTTP_BODY_TAKE);
}

static const api_route_t ROUTES[] = {
    { HTTP_GET, "/api", "This index of the API", api_index, false },
    { HTTP_GET, "/healthz", "Liveness: {\"status\":\"ok\"}", api_healthz, false },
    { HTTP_GET, "/metrics", "Prometheus text metrics", api_metrics, false },
    { HTTP_GET, "/ws/", "The app WebSocket (wss://): first frame {\"type\":\"auth\",\"token\":...}; presence and notifications", NULL, false },
    { HTTP_GET, "/ws/chat/{room}", "WebSocket room chat (wss://); room is [A-Za-z0-9_-]{1,64}; first frame authenticates", NULL, false },
};

/* Every table of routes, searched in order. */
static const api_route_t *const TABLES[] = { ROUTES, API_AUTH_ROUTES, API_USER_ROUTES };
static const size_t TABLE_SIZES[] = { sizeof ROUTES / sizeof ROUTES[0], (size_t)-1, (size_t)-1 /* NULL-terminated */ };

static const char *method_name(http_method_t m) {
    switch (m) {
    case HTTP_GET: return "GET";
    case HTTP_POST: return "POST";
    case HTTP_PUT: return "PUT";
    case HTTP_PATCH: return "PATCH";
    case HTTP_DELETE: return "DELETE";
    default: return "OTHER";
    }
}

#define FOR_EACH_ROUTE(rt)                                                                                          \
    for (size_t t_ = 0; t_ < sizeof TABLES / sizeof TABLES[0]; t_++)                                                 \
        for (const api_route_t *rt = TABLES[t_]; (size_t)(rt - TABLES[t_]) < TABLE_SIZES[t_] && rt->path; rt++)

void app_init(app_t *a) {
    a->tokens = jwtcache_create(a->secret, LIM_JWT_CACHE_SLOTS);
    json_t *eps = json_array();
    FOR_EACH_ROUTE(rt) {
        char path[96];
        snprintf(path, sizeof path, "%s/", rt->path);
        bool slash = strcmp(rt->path, "/api") == 0 || (rt->fn == NULL && rt->path[strlen(rt->path) - 1] != '/');
        json_t *e = json_pack("{s:s, s:s, s:s}", "method", method_name(rt->method), "path", slash ? path : rt->path,
                              "description", rt->summary);
        if (rt->auth) json_object_set_new(e, "auth", json_string("bearer"));
        json_array_append_new(eps, e);
    }
    json_t *root = json_pack("{s:s, s:s, s:o}", "name", "transcendence", "version", PONGD_VERSION, "endpoints", eps);
    a->api_index = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    a->api_index_len = strlen(a->api_index);
    json_decref(root);
}

void app_fini(app_t *a) {
    free(a->api_index);
    jwtcache_destroy(a->tokens);
    a->tokens = NULL;
}

/* A route matches the path exactly, or with one trailing slash; "{id}" matches one
 * segment of 1 to 18 digits without a leading zero, whose value goes to *id. */
static bool route_matches(const char *route, span_t path, int64_t *id) {
    size_t i = 0, k = 0;
    *id = 0;
    while (route[i]) {
        if (strncmp(route + i, "{id}", 4) == 0) {
            size_t start = k;
            int64_t v = 0;
            while (k < path.len && path.ptr[k] >= '0' && path.ptr[k] <= '9' && k - start < 18) v = v * 10 + (path.ptr[k++] - '0');
            if (k == start || path.ptr[start] == '0' || (k < path.len && path.ptr[k] != '/')) return false;
            *id = v;
            i += 4;
            continue;
        }
        if (k >= path.len || path.ptr[k] != route[i]) return false;
        i++;
        k++;
    }
    return k == path.len || (k + 1 == path.len && path.ptr[k] == '/');
}

static void dispatch_api(app_t *a, http_req_t *r) {
    span_t path = http_req_path(r);
    http_method_t m = http_req_method(r);
    char allow[64] = "";
    FOR_EACH_ROUTE(rt) {
        int64_t id;
        if (!rt->fn || !route_matches(rt->path, path, &id)) continue;
        if (m == rt->method || (m == HTTP_HEAD && rt->method == HTTP_GET)) {
            rt->fn(a, r, id);
            return;
        }
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", rt->method == HTTP_GET ? "GET, HEAD" : method_name(rt->method));
    }
    if (allow[0]) {
        http_resp_header(r, "allow", allow);
        http_respond_error(r, 405, "method_not_allowed", "This endpoint does not accept that method.");
        return;
    }
    http_respond_error(r, 404, "not_found", "No such API endpoint.");
}

/* The app WebSocket: /ws or /ws/ exactly. */
static bool is_app_socket(span_t path) { return span_eq(path, "/ws") || span_eq(path, "/ws/"); }

static void serve_file(http_req_t *r, const static_file_t *f, bool fallback) {
    http_method_t m = http_req_method(r);
    if (m != HTTP_GET && m != HTTP_HEAD) {
        http_resp_header(r, "allow", "GET, HEAD");
        http_respond(r, 405, "text/plain; charset=utf-8", "Method Not Allowed\n", 19, HTTP_BODY_BORROW);
        return;
    }
    bool gz = f->gz && path_accepts_gzip(http_req_header(r, HDR_ACCEPT_ENCODING));
    const char *etag = gz ? f->etag_gz : f->etag;
    http_resp_header(r, "etag", etag);
    http_resp_header(r, "cache-control", f->immutable && !fallback ? "public, max-age=31536000, immutable" : "no-cache");
    if (f->gz) http_resp_header(r, "vary", "Accept-Encoding");
    if (mime_etag_matches(http_req_header(r, HDR_IF_NONE_MATCH), etag)) {
        http_respond(r, 304, NULL, NULL, 0, HTTP_BODY_BORROW);
        return;
    }
    if (gz) {
        http_resp_header(r, "content-encoding", "gzip");
        http_respond(r, 200, f->ctype, f->gz, f->gz_len, HTTP_BODY_BORROW);
    } else {
        http_respond(r, 200, f->ctype, f->data, f->len, HTTP_BODY_BORROW);
    }
}

static void not_found_plain(http_req_t *r) {
    http_respond(r, 404, "text/plain; charset=utf-8", "Not Found\n", 10, HTTP_BODY_BORROW);
}

static void on_http(void *ap, http_req_t *r) {
    app_t *a = ap;
    span_t path = http_req_path(r);
    switch (path_route(path)) {
    case ROUTE_API:
    case ROUTE_HEALTHZ:
    case ROUTE_METRICS:
        dispatch_api(a, r);
        return;
    case ROUTE_WS: {
        span_t room;
        if (!is_app_socket(path) && !path_chat_room(path, &room)) {
            http_respond_error(r, 404, "not_found", "No WebSocket endpoint here.");
            return;
        }
        http_resp_header(r, "upgrade", "websocket");
        http_respond_error(r, 426, "upgrade_required", "This path only accepts WebSocket connections.");
        return;
    }
    case ROUTE_STATIC:
    case ROUTE_OTHER: {
        const static_file_t *f = span_eq(path, "/") ? static_find(a->files, SPAN_LIT("/index.html"))
                                                    : static_find(a->files, path);
        if (f) { serve_file(r, f, span_eq(path, "/")); return; }
        http_method_t m = http_req_method(r);
        if (path_route(path) == ROUTE_STATIC || (m != HTTP_GET && m != HTTP_HEAD) ||
            !path_accepts_html(http_req_header(r, HDR_ACCEPT))) {
            not_found_plain(r);
            return;
        }
        const static_file_t *index = static_find(a->files, SPAN_LIT("/index.html"));
        if (!index) {
            static const char msg[] = "The web app is not built: run `make web` (or `make run`).\n";
            http_respond(r, 404, "text/plain; charset=utf-8", msg, sizeof msg - 1, HTTP_BODY_BORROW);
            return;
        }
        serve_file(r, index, true);
        return;
    }
    }
}

static int ws_route(void *ap, span_t path) {
    (void)ap;
    span_t room;
    return is_app_socket(path) || path_chat_room(path, &room) ? 0 : 404;
}

static void ws_open(void *ap, ws_conn_t *c) {
    app_t *a = ap;
    span_t room;
    if (is_app_socket(ws_path(c))) presence_on_open(a->presence, c);
    else if (path_chat_room(ws_path(c), &room)) chat_on_open(a->chat, c, room);
    else ws_close(c, 1008, "no such endpoint");
}

static void ws_message(void *ap, ws_conn_t *c, span_t data) {
    app_t *a = ap;
    if (is_app_socket(ws_path(c))) presence_on_message(a->presence, c, data);
    else chat_on_message(a->chat, c, data);
}

static void ws_close_cb(void *ap, ws_conn_t *c) {
    app_t *a = ap;
    if (is_app_socket(ws_path(c))) presence_on_close(a->presence, c);
    else chat_on_close(a->chat, c);
}

static const srv_handlers_t HANDLERS = {
    .on_http = on_http,
    .ws_route = ws_route,
    .ws_open = ws_open,
    .ws_message = ws_message,
    .ws_close = ws_close_cb,
};

const srv_handlers_t *app_handlers(void) { return &HANDLERS; }
