/* presence — who is online, and pushes to a user's open tabs, over the app WebSocket /ws/.
 *
 * A tab connects to /ws/ and sends {"type":"auth","token":"<access token>"} first (within
 * WSAUTH_TIMEOUT_S, else it is closed with 4001; wsauth.h): no secret in the URL or the logs.
 * Then it joins the user's room in a room_reg_t of its own (separate from chat rooms) and
 * subscribes to the bus topic "user:<id>": everything published there (presence and friend
 * events, invites, the chat's direct messages and notices) reaches every tab of the user. The
 * user is online while the room has at least one member (several tabs count once); when
 * the last tab closes, last_seen_at is stored and the user's friends are told. Loop thread
 * only; database work goes through the store pool. */
#ifndef PONGD_PRESENCE_H
#define PONGD_PRESENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"
#include "ws.h"

#include "bus.h"
#include "sessguard.h"
#include "dbpool.h"
#include "match.h"
#include "wsauth.h"

typedef struct presence presence_t;

/* db: the database pool (friend ids, last_seen_at); secret: the access-token key
 * (AUTH_SECRET_BYTES); bus: where pushes go. All must outlive the presence. */
presence_t *presence_create(dbpool_t *db, const uint8_t *secret, bus_t *bus);

/* What another module (the chat) keeps per authenticated tab: open runs after the hello frame
 * and returns the module's state for the tab (kept until close); deliver sees every message of
 * the tab's "user:<id>" topic first and returns true when it took care of it (else the payload
 * is sent to the tab as is). */
typedef struct {
    void *ctx;
    void *(*open)(void *ctx, ws_conn_t *c, const wsauth_user_t *user);
    bool (*deliver)(void *ctx, void *tab, const bus_msg_t *m);
    void (*close)(void *ctx, void *tab);
} presence_tab_hooks_t;
void presence_set_tab_hooks(presence_t *p, const presence_tab_hooks_t *hooks);
/* The hooks' state of c (a /ws/ socket), NULL before it authenticated. */
void *presence_tab(const ws_conn_t *c);
void presence_destroy(presence_t *p);

/* /ws/ connection events (from the app's ws handlers). */
void presence_on_open(presence_t *p, ws_conn_t *c);
void presence_on_message(presence_t *p, ws_conn_t *c, span_t data);
void presence_on_close(presence_t *p, ws_conn_t *c);

/* After the loop stopped, before the pools are destroyed: tabs closed from now on (the
 * server's own teardown) are not announced. */
void presence_stop(presence_t *p);

bool presence_online(const presence_t *p, int64_t user_id);

/* "In a game" (docs/matchmaking.md "Watching"): with the live games set, presence frames carry
 * "in_game": the user's live game id or null. m must outlive the presence (or be unset with
 * NULL before it goes). */
void presence_set_matches(presence_t *p, matches_t *m);
/* Ended sessions (sessguard.h): the app socket's token is checked against them, and the
 * socket is watched. g must outlive the presence; NULL (the default): none. */
void presence_set_guard(presence_t *p, sessguard_t *g);
/* The live game user_id plays in (0: none, or no matches set). */
int64_t presence_in_game(const presence_t *p, int64_t user_id);
/* A game of user_id started or ended: the user's friends get a presence frame with the new
 * in_game (through the database pool, as online/offline changes). */
void presence_game_changed(presence_t *p, int64_t user_id);
/* Called when a user's last /ws/ tab has closed (the quick-play queue lets the user go); one
 * hook, may be NULL. */
void presence_set_offline_hook(presence_t *p, void (*fn)(void *ctx, int64_t user_id), void *ctx);
/* Publishes text (a JSON object) to "user:<id>": every open tab of the user gets it. */
void presence_push(presence_t *p, int64_t user_id, span_t json);

#endif
