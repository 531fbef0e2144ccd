/* match — the remote games' rooms: server-authoritative Pong over /ws/game/<id>/ (the
 * protocol: docs/interface.md "Game socket"; the design: docs/architecture.md "Remote
 * games"). Loop thread only; no locks.
 *
 * A live game holds the game_t, both seats (socket, key in force, pending inputs, pause
 * budget), its ticker (ticker.h) and the input log. Every game runs at 60 steps/s on one
 * shared grid of absolute deadlines, so one net_timer serves them all: it is armed at the
 * earliest next deadline of any game (a tick, a pause or a waiting deadline) and cancelled
 * when no game is live (no cost with 0 games).
 *
 * States (the snapshot's `state` byte, MATCHPROTO_WAITING..): waiting (for both players'
 * sockets) → countdown (3 s) → playing → paused (a player dropped) → countdown → playing …
 * → over. A drop (socket closed, or refused) while counting down or playing lets go of that
 * player's key (a logged input) and pauses the game for both, with a deadline
 * resume_seconds later; each player may come back from LIM_GAME_PAUSES drops, the next
 * one forfeits. When the player is back: a full snapshot, "resumed" and a 3 s countdown.
 * At the deadline the present player wins by forfeit; both gone at any time after the start
 * (the second drop): void. Waiting: the same deadline from match_open; forfeit if one player
 * is there, void if neither. These are the rules of the reference room in JavaScript
 * (web/src/game/netroom.js) that the client netcode is tested against.
 *
 * Inputs are applied at the tick they are stamped for (a late one at the current tick, its
 * lateness reported in the receiver's snapshots); several for the same tick of a seat
 * collapse into the last one. Key changes are relayed to the opponent as they are applied
 * and logged (the replay). Refusals close the socket with the codes of matchproto.h.
 *
 * Memory: a game is one allocation, plus its input log (grown by doubling up to
 * LIM_GAME_LOG_INPUTS records) and one small record per socket. Nothing is allocated per
 * tick; snapshots (20 per second while playing) are one wsmsg_t per receiver. A game's
 * memory is freed after its on_over callback has returned, its sockets told "over" and
 * closed with 1000 (or detached: their later match_on_close only frees their own record). */
#ifndef PONGD_MATCH_H
#define PONGD_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "game.h"
#include "ticker.h"
#include "timer.h"
#include "util.h"
#include "sessguard.h"
#include "ws.h"

typedef struct matches matches_t;

/* Figures of a game for the record: rallies = points played; longest_rally = the most paddle
 * hits in one of them; hits per seat; top_speed = the fastest the ball went, in 1/256 px per tick (the
 * "fast" effect included); powerups = power-ups taken per seat. */
typedef struct { int32_t rallies, longest_rally, hits[2], top_speed, powerups[2]; } match_stats_t;

enum { MATCH_END_SCORE = 1, MATCH_END_RESIGN = 2, MATCH_END_FORFEIT = 3, MATCH_END_VOID = 4, MATCH_END_INTERRUPTED = 5 };

/* Bytes of one input-log record: {u32 tick, u8 seat, u8 key, u16 0}, little-endian. */
#define MATCH_LOG_RECORD 8

typedef struct {
    int64_t game_id;
    int64_t user[2];
    int winner;                   /* 0, 1, -1 (void, interrupted) */
    int reason;                   /* MATCH_END_* */
    int32_t score[2];
    int64_t started_ms, ended_ms; /* wall clock (now_wall_ms): match_open, the end */
    uint32_t ticks, final_hash;   /* game tick count and game_hash at the end */
    match_stats_t stats;
    game_options_t opt;           /* with the seed */
    /* the input log: MATCH_LOG_RECORD-byte records in order of application, each a key
     * change of a seat in force from `tick` on (replay: before the step from tick t, apply
     * the records of tick t; step until `ticks`). Valid during the callback only. */
    const uint8_t *log;
    size_t log_len;               /* bytes */
} match_result_t;

typedef struct {
    const uint8_t *secret;        /* access-token key (wsauth), AUTH_SECRET_BYTES, outlives the matches */
    net_timer_t *timer;           /* the tick timer, fn = match_on_timer, arg = the matches_t (or NULL and match_set_timer) */
    int resume_seconds;           /* GAME_RESUME_SECONDS */
    void (*on_over)(void *ctx, const match_result_t *r);   /* once per game, on the loop */
    /* once per game, at the end of match_open (the game is live: match_user_game finds it);
     * may be NULL */
    void (*on_open)(void *ctx, int64_t game_id, const int64_t user[2]);
    void *ctx;
    uint64_t (*now_us)(void);     /* CLOCK_MONOTONIC µs; NULL: now_mono_us (tests pass a fake) */
    uint32_t log_max;             /* input-log records past which a game is void; 0: LIM_GAME_LOG_INPUTS (tests lower it) */
    sessguard_t *guard;           /* ended sessions: refuses void tokens, closes the sockets (NULL: none) */
} match_deps_t;

/* The rooms; d is copied. Never NULL. */
matches_t *match_create(const match_deps_t *d);
/* The tick timer, when it can only be created after the matches (its arg is m). */
void match_set_timer(matches_t *m, net_timer_t *t);
/* The timer's function (arg: the matches_t): runs every game's due steps and deadlines, then
 * re-arms the timer at the earliest next deadline. */
void match_on_timer(void *m);
/* Frees every game without on_over (call match_stop_all first) and the matches. Sockets
 * must have been closed (their match_on_close run) before. NULL: no-op. */
void match_destroy(matches_t *m);

/* A new live game (the API calls it after the database row exists), waiting for both
 * players' sockets: 0; MATCH_E_BUSY when either user is in a live game (one live game per
 * account); ERR_INVALID for bad options, the same user twice, or a game_id already live.
 * names (display names, may be NULL) are copied. */
int match_open(matches_t *m, int64_t game_id, const int64_t user[2], const char *const names[2], const game_options_t *opt);
/* uid is a player of a live game. */
bool match_user_busy(const matches_t *m, int64_t uid);
/* The live game uid plays in, or 0. */
int64_t match_user_game(const matches_t *m, int64_t uid);
/* uid resigns: the opponent wins (on_over is called before it returns). 0, MATCH_E_OVER (no
 * such live game), MATCH_E_NOT_PLAYER. */
int match_resign(matches_t *m, int64_t game_id, int64_t uid);

typedef struct {
    int state;                    /* MATCHPROTO_WAITING.. */
    int32_t score[2];
    uint32_t tick;
    int64_t user[2];
    bool connected[2];
    game_options_t opt;
    int64_t started_ms;
    int spectators;               /* sockets watching it */
} match_info_t;
/* false: not live. */
bool match_info(const matches_t *m, int64_t game_id, match_info_t *out);

/* The socket events of /ws/game/<id>/ (the app routes them; game_id parsed from the path).
 * on_open arms the first-frame auth and makes the socket realtime; data is a whole message. */
void match_on_open(matches_t *m, ws_conn_t *c, int64_t game_id);
void match_on_message(matches_t *m, ws_conn_t *c, span_t data, bool binary);
void match_on_close(matches_t *m, ws_conn_t *c);

/* Shutdown: every live game ends interrupted, players told ("over"/"interrupted") and their
 * sockets closed, on_over called for each. */
void match_stop_all(matches_t *m);
/* Live games. */
size_t match_count(const matches_t *m);
/* How late the game steps ran (all games): for reports and metrics. */
const ticker_stats_t *match_tick_stats(const matches_t *m);

#endif
