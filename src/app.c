/* app — the composition root's routing: the API, the WebSocket endpoints, the static files
 * and the single-page fallback. */
#include "app.h"
#include "api.h"
#include "jwtcache.h"
#include "presence.h"
#include "pongd_limits.h"
#include "mime.h"
#include "path.h"
#include "reqparse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool app_init(app_t *a, char *err, size_t errlen) {
    a->tokens = jwtcache_create(a->secret, LIM_JWT_CACHE_SLOTS);
    jwtcache_set_revmap(a->tokens, a->revoked);
    a->api = api_create(&(api_t){
        .cfg = a->cfg, .metrics = a->metrics, .chat_rooms = a->rooms, .pool = a->pool, .hash_pool = a->hash_pool,
        .db = a->dbpool, .presence = a->presence, .bus = a->bus, .matches = a->matches, .quickplay = a->quickplay, .rematches = a->rematches, .secret = a->secret, .tokens = a->tokens, .guard = a->guard, .common = a->common,
        .auth_rate = a->auth_rate, .twofa_rate = a->twofa_rate, .mail_rate = a->mail_rate,
        .login_fail_rate = a->login_fail_rate, .api_user_rate = a->api_user_rate, .api_addr_rate = a->api_addr_rate, .dummy_hash = a->dummy_hash,
        .chat = a->chat,
    }, err, errlen);
    return a->api != NULL;
}

void app_fini(app_t *a) {
    api_destroy(a->api);
    a->api = NULL;
    jwtcache_destroy(a->tokens);
    a->tokens = NULL;
}

/* The interactive API docs (web/build.mjs builds it from swagger-ui-dist). */
#define API_DOCS_PAGE "/apidocs.html"

/* /ws/game/<id>/: a remote game's socket (one per seat). */
static bool game_socket(span_t path, int64_t *id) { return reqparse_route("/ws/game/{id}", path, id); }

/* The app WebSocket: /ws or /ws/ exactly. */
static bool is_app_socket(span_t path) { return span_eq(path, "/ws") || span_eq(path, "/ws/"); }

static void serve_file(http_req_t *r, const webroot_file_t *f, bool fallback) {
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

/* The original team's addresses of the API docs. */
static bool is_docs_alias(span_t path) {
    return span_eq(path, "/swagger") || span_eq(path, "/swagger/") || span_eq(path, "/redoc") || span_eq(path, "/redoc/");
}

static void on_http(void *ap, http_req_t *r) {
    app_t *a = ap;
    span_t path = http_req_path(r);
    if (is_docs_alias(path)) {
        http_resp_header(r, "location", "/api/docs");
        http_respond(r, 302, NULL, NULL, 0, HTTP_BODY_BORROW);
        return;
    }
    switch (path_route(path)) {
    case ROUTE_API:
        if (span_eq(path, "/api/docs") || span_eq(path, "/api/docs/")) {   /* the interactive docs: a page */
            const webroot_file_t *f = webroot_find(a->files, SPAN_LIT(API_DOCS_PAGE));
            if (f) serve_file(r, f, true);
            else http_respond_error(r, 404, "not_found", "The API docs page is not built: run `make web`.");
            return;
        }
        api_dispatch(a->api, r);
        return;
    case ROUTE_HEALTHZ:
    case ROUTE_METRICS:
        api_dispatch(a->api, r);
        return;
    case ROUTE_WS: {
        span_t room;
        int64_t game;
        if (!is_app_socket(path) && !path_chat_room(path, &room) && !game_socket(path, &game)) {
            http_respond_error(r, 404, "not_found", "No WebSocket endpoint here.");
            return;
        }
        http_resp_header(r, "upgrade", "websocket");
        http_respond_error(r, 426, "upgrade_required", "This path only accepts WebSocket connections.");
        return;
    }
    case ROUTE_STATIC:
    case ROUTE_OTHER: {
        const webroot_file_t *f = span_eq(path, "/") ? webroot_find(a->files, SPAN_LIT("/index.html"))
                                                    : webroot_find(a->files, path);
        if (f) { serve_file(r, f, span_eq(path, "/")); return; }
        http_method_t m = http_req_method(r);
        if (path_route(path) == ROUTE_STATIC || (m != HTTP_GET && m != HTTP_HEAD) ||
            !path_accepts_html(http_req_header(r, HDR_ACCEPT))) {
            not_found_plain(r);
            return;
        }
        const webroot_file_t *index = webroot_find(a->files, SPAN_LIT("/index.html"));
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
    int64_t id;
    return is_app_socket(path) || path_chat_room(path, &room) || game_socket(path, &id) ? 0 : 404;
}

static void ws_open(void *ap, ws_conn_t *c) {
    app_t *a = ap;
    span_t room;
    int64_t id;
    if (is_app_socket(ws_path(c))) presence_on_open(a->presence, c);
    else if (path_chat_room(ws_path(c), &room)) chat_on_open(a->chat, c, room);
    else if (game_socket(ws_path(c), &id)) match_on_open(a->matches, c, id);
    else ws_close(c, 1008, "no such endpoint");
}

static void ws_message(void *ap, ws_conn_t *c, span_t data, bool binary) {
    app_t *a = ap;
    int64_t id;
    if (game_socket(ws_path(c), &id)) {
        match_on_message(a->matches, c, data, binary);
        return;
    }
    if (binary) { /* the chat and the app socket speak JSON text only */
        ws_close(c, 1003, "binary frames are not accepted");
        return;
    }
    if (is_app_socket(ws_path(c))) {
        if (!chat_tab_frame(a->chat, presence_tab(c), data)) presence_on_message(a->presence, c, data);
    } else {
        chat_on_message(a->chat, c, data);
    }
}

static void ws_close_cb(void *ap, ws_conn_t *c) {
    app_t *a = ap;
    int64_t id;
    if (is_app_socket(ws_path(c))) presence_on_close(a->presence, c);
    else if (game_socket(ws_path(c), &id)) match_on_close(a->matches, c);
    else chat_on_close(a->chat, c);
}

/* Stopping: every live game ends as interrupted, and the players are told before the
 * sockets get their 1001. */
static void on_stop(void *ap) {
    app_t *a = ap;
    if (a->matches) match_stop_all(a->matches);
}

static const srv_handlers_t HANDLERS = {
    .on_http = on_http,
    .ws_route = ws_route,
    .ws_open = ws_open,
    .ws_message = ws_message,
    .ws_close = ws_close_cb,
    .on_stop = on_stop,
};

const srv_handlers_t *app_handlers(void) { return &HANDLERS; }
