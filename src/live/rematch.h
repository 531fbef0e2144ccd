/* rematch — the rematch offers after remote games (docs/matchmaking.md "Rematch"), loop
 * state: at most one offer per ended game, from one of its two players to the other, until it
 * expires (REMATCH_WINDOW_MS after the game's end). Pure (times are passed in, wall-clock ms):
 * the API does the checks that need the database and opens the new game. Loop thread only. */
#ifndef PONGD_REMATCH_H
#define PONGD_REMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REMATCH_WINDOW_MS 60000

typedef struct rematch rematch_t;

/* At most max offers at once. Never NULL. */
rematch_t *rematch_create(size_t max);
void rematch_destroy(rematch_t *r);   /* NULL: no-op */

enum { REMATCH_OFFERED = 1, REMATCH_AGREED = 2 };
/* `from` asks for a rematch of game_id against `to`, the offer holding until expires_at:
 * REMATCH_OFFERED (a new offer, or the same player's again: nothing changes); REMATCH_AGREED
 * when `to` had offered already (the offer is taken out: the caller starts the game);
 * ERR_FULL. Expired offers are dropped first (at now). */
int rematch_offer(rematch_t *r, int64_t game_id, int64_t from, int64_t to, int64_t expires_at, int64_t now);
/* uid withdraws its offer or declines the other's for game_id: true with *other (the player
 * to tell) when there was one. */
bool rematch_withdraw(rematch_t *r, int64_t game_id, int64_t uid, int64_t now, int64_t *other);
/* The offer standing for game_id (at now): true with who offered it and until when. */
bool rematch_pending(rematch_t *r, int64_t game_id, int64_t now, int64_t *from, int64_t *expires_at);

#endif
