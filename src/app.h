/* The application: routes requests to the API, the static files and the single-page
 * fallback, and WebSockets to the chat. Uses only http.h and ws.h. */
#ifndef PONGD_APP_H
#define PONGD_APP_H

#include "auth.h"
#include "chat.h"
#include "config.h"
#include "metrics.h"
#include "pool.h"
#include "ratemap.h"
#include "room.h"
#include "server.h"
#include "static.h"

#define PONGD_VERSION "0.1.0"

typedef struct {
    const config_t *cfg;
    static_cache_t *files;
    metrics_t *metrics;
    rooms_t *rooms;
    chat_t *chat;
    pool_t *pool;
    struct store *store;        /* database pool (store.h) */
    struct presence *presence;  /* online users, the app WebSocket /ws/ (presence.h) */
    pool_t *hash_pool;          /* Argon2id, bounded queue */
    uint8_t secret[AUTH_SECRET_BYTES];
    struct jwtcache *tokens;    /* access tokens already verified (jwtcache.h); app_init() */
    auth_common_t *common;      /* refused passwords */
    ratemap_t *auth_rate;       /* login/register attempts by address and by account */
    char dummy_hash[AUTH_HASH_MAX];   /* verified against for unknown names (same cost) */
    char *api_index;        /* JSON, built once */
    size_t api_index_len;
} app_t;

/* Builds what app needs beyond the fields the caller set (the API index, the token cache:
 * after `secret` is set). */
void app_init(app_t *a);
void app_fini(app_t *a);
/* The handler table for srv_create(), with app_t as the context. */
const srv_handlers_t *app_handlers(void);

#endif
