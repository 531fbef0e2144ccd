/* app — the composition root (with main.c): the only place that knows every part. It
 * builds the API context (api_t) and the live modules from what main.c opened, and routes
 * requests to the API, the static files and the single-page fallback, and WebSockets to
 * the chat and presence. Uses only http.h and ws.h of the transport. */
#ifndef PONGD_APP_H
#define PONGD_APP_H

#include "api.h"
#include "auth.h"
#include "bus.h"
#include "chat.h"
#include "dbpool.h"
#include "jwtcache.h"
#include "match.h"
#include "presence.h"
#include "quickplay.h"
#include "rematch.h"
#include "config.h"
#include "metrics.h"
#include "pool.h"
#include "ratemap.h"
#include "room.h"
#include "revmap.h"
#include "sessguard.h"
#include "server.h"
#include "webroot.h"

#define PONGD_VERSION API_VERSION

typedef struct {
    const config_t *cfg;
    webroot_t *files;
    metrics_t *metrics;
    room_reg_t *rooms;
    bus_t *bus;                 /* every cross-user delivery (docs/chat.md, "The bus") */
    chat_t *chat;
    pool_t *pool;
    dbpool_t *dbpool;           /* database pool */
    presence_t *presence;       /* online users, the app WebSocket /ws/ */
    matches_t *matches;         /* the live remote games (/ws/game/<id>/) */
    quickplay_t *quickplay;     /* the quick-play queue */
    rematch_t *rematches;       /* rematch offers after games */
    pool_t *hash_pool;          /* Argon2id, bounded queue */
    uint8_t secret[AUTH_SECRET_BYTES];
    jwtcache_t *tokens;         /* access tokens already verified; app_init() */
    revmap_t *revoked;          /* ended sessions: tokens issued before T are void (main.c) */
    sessguard_t *guard;         /* the revmap and the sockets by user (main.c) */
    auth_common_t *common;      /* refused passwords */
    ratemap_t *auth_rate;       /* login/register attempts by address and by account */
    ratemap_t *twofa_rate;      /* second-factor codes tried, by address and by account */
    ratemap_t *mail_rate;       /* mailed links (confirmation, reset), by account and by address asked */
    ratemap_t *login_fail_rate; /* addresses that failed a login lately */
    ratemap_t *api_user_rate;   /* API_RATE by account, by address (NULL: no limit) */
    ratemap_t *api_addr_rate;
    char dummy_hash[AUTH_HASH_MAX];   /* verified against for unknown names (same cost) */
    api_t *api;                 /* the JSON API's context; app_init() */
} app_t;

/* Builds what app needs beyond the fields the caller set (the token cache, the API context,
 * its index and OpenAPI document), after every other field is set. false with a message in
 * err when the API's documentation is incomplete. */
bool app_init(app_t *a, char *err, size_t errlen);
void app_fini(app_t *a);
/* live/match's on_over (ctx: the app_t): stores the game's end through the database pool
 * (app_games.c). */
void app_game_over(void *ctx, const match_result_t *r);
/* live/match's on_open (ctx: the app_t): the players leave the quick-play queue, their friends
 * see them "in a game" (app_games.c). */
void app_game_open(void *ctx, int64_t game_id, const int64_t user[2]);
/* presence's offline hook (ctx: the app_t): a user without a /ws/ tab leaves the queue. */
void app_user_offline(void *ctx, int64_t uid);
/* Before the server starts: games a crash left running become interrupted. A message in
 * err on failure. */
int app_games_recover(const char *database_url, char *err, size_t errlen);
/* Before the server starts: the users whose sessions ended within an access token's
 * lifetime (users.tokens_valid_after) into m. A message in err on failure. */
int app_sessions_load(const char *database_url, revmap_t *m, char *err, size_t errlen);

/* The handler table for srv_create(), with app_t as the context. */
const srv_handlers_t *app_handlers(void);

#endif
