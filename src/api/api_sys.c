/* api_sys — the index of the API, liveness and Prometheus metrics, and the entries that
 * list the WebSocket endpoints in the index (they have no HTTP handler: app.c routes the
 * upgrades). */
#include "api.h"

#include <stdio.h>

static void api_index(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    http_resp_header(r, "cache-control", "no-cache");
    http_respond(r, 200, "application/json", a->index, a->index_len, HTTP_BODY_BORROW);
}

static void api_openapi(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    http_resp_header(r, "cache-control", "no-cache");
    http_respond(r, 200, "application/json", a->openapi, a->openapi_len, HTTP_BODY_BORROW);
}

static void api_healthz(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"uptime_seconds\":%llu}",
                     (unsigned long long)((now_wall_ms() - a->metrics->started_ms) / 1000));
    http_resp_header(r, "cache-control", "no-store");
    http_respond(r, 200, "application/json", body, (size_t)n, HTTP_BODY_COPY);
}

/* The remote games: how many are live, and how late their 60 Hz steps run (every step of
 * every game since the start: a summary with p50/p99 from the ticker's histogram). */
static void render_games(buf_t *b, const matches_t *m) {
    const ticker_stats_t *st = match_tick_stats(m);
    buf_printf(b, "# HELP pongd_games_live Remote games being played or waited for.\n# TYPE pongd_games_live gauge\n"
                  "pongd_games_live %zu\n", match_count(m));
    if (!st) return;
    buf_printf(b,
               "# HELP pongd_game_tick_lateness_seconds How late each game step ran after its deadline.\n"
               "# TYPE pongd_game_tick_lateness_seconds summary\n"
               "pongd_game_tick_lateness_seconds{quantile=\"0.5\"} %.6f\n"
               "pongd_game_tick_lateness_seconds{quantile=\"0.99\"} %.6f\n"
               "pongd_game_tick_lateness_seconds_sum %.6f\n"
               "pongd_game_tick_lateness_seconds_count %llu\n"
               "# HELP pongd_game_tick_lateness_max_seconds The latest game step so far.\n"
               "# TYPE pongd_game_tick_lateness_max_seconds gauge\npongd_game_tick_lateness_max_seconds %.6f\n"
               "# HELP pongd_game_tick_stalls_total Catch-ups capped at 30 steps (the schedule moved forward).\n"
               "# TYPE pongd_game_tick_stalls_total counter\npongd_game_tick_stalls_total %llu\n",
               (double)ticker_stats_pct(st, 500) / 1e6, (double)ticker_stats_pct(st, 990) / 1e6, (double)st->sum_us / 1e6,
               (unsigned long long)st->count, (double)st->max_us / 1e6, (unsigned long long)st->stalls);
}

/* The bus (every cross-user delivery) and the chat's write batcher. */
static void render_bus_chat(buf_t *b, const api_t *a) {
    if (a->bus) {
        bus_stats_t st = bus_stats(a->bus);
        metrics_render_value(b, "pongd_bus_published_total", "counter", "Messages published on the bus (chat, DMs, notices, presence, pushes).", st.published);
        metrics_render_value(b, "pongd_bus_delivered_total", "counter", "Bus messages handed to a local subscriber (one per subscriber and message).", st.delivered);
        metrics_render_value(b, "pongd_bus_topics", "gauge", "Bus topics with a local subscriber (rooms, users).", st.topics);
    }
    if (a->chat) {
        chat_stats_t st = chat_stats(a->chat);
        metrics_render_value(b, "pongd_chat_messages_stored_total", "counter", "Chat messages stored, then published.", st.stored);
        metrics_render_value(b, "pongd_chat_batches_total", "counter", "Chat write batches (one database job and transaction each).", st.batches);
        metrics_render_value(b, "pongd_chat_messages_refused_total", "counter", "Chat messages not stored: invalid, over the rate, not allowed, a full queue, a database error, shutting down.", st.refused);
        metrics_render_value(b, "pongd_chat_rate_limited_total", "counter", "Chat messages refused over the per-user rate (CHAT_RATE).", st.rate_limited);
        metrics_render_value(b, "pongd_chat_queue_depth", "gauge", "Chat messages waiting for a write batch or being stored.", st.queued);
    }
    if (a->guard)
        metrics_render_value(b, "pongd_ws_account_refused_total", "counter", "WebSockets closed with 4008 after their auth frame: the account had WS_PER_ACCOUNT open.", sessguard_refused(a->guard));
}

static void api_metrics(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    buf_t b;
    buf_init(&b, 1 << 16);
    metrics_render(&b, a->metrics, now_wall_ms(), metrics_rss_bytes(), a->chat_rooms ? room_reg_count(a->chat_rooms) : 0,
                   a->pool ? pool_queued(a->pool) : 0);
    render_bus_chat(&b, a);
    if (a->matches) render_games(&b, a->matches);
    http_resp_header(r, "cache-control", "no-store");
    http_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.ptr, b.len, HTTP_BODY_TAKE);
}

const api_route_t API_SYS_ROUTES[] = {
    { HTTP_GET, "/api", "This index of the API", api_index, false, .op = "getApiIndex", .tag = "system",
      .responses = { { 200, "ApiIndex", "Every endpoint with its method, path and description" } } },
    { HTTP_GET, "/api/openapi.json", "This OpenAPI 3.1 document", api_openapi, false, .op = "getOpenApi", .tag = "system",
      .responses = { { 200, "OpenApiDocument", "The document" } } },
    { HTTP_GET, "/healthz", "Liveness: {\"status\":\"ok\"}", api_healthz, false, .op = "getHealth", .tag = "system",
      .responses = { { 200, "Health", "The server is up" } }, .unmetered = true },
    { HTTP_GET, "/metrics", "Prometheus text metrics", api_metrics, false, .op = "getMetrics", .tag = "system",
      .responses = { { 200, "@text", "Prometheus text exposition format 0.0.4" } }, .unmetered = true },
    { HTTP_GET, "/ws/", "The app WebSocket (wss://): first frame {\"type\":\"auth\",\"token\":...}; presence and notifications", NULL, false, .op = NULL },
    { HTTP_GET, "/ws/chat/{room}", "WebSocket room chat (wss://); room is [A-Za-z0-9_-]{1,64}; first frame authenticates", NULL, false, .op = NULL },
    { .method = HTTP_GET, .path = NULL },
};
