/* matchrec — the data layer of remote games: the row written when a game starts (running),
 * completed once when it ends together with both players' win/loss counts, the records and
 * replays read back. Database worker threads only (given the worker's db_t). Returns 0, a
 * DB_E* code, or one of the MATCH_E* / ACCOUNT_E* codes.
 *
 * A game's row is never deleted: a player who deletes the account stays in it under the
 * placeholder name (the users row is kept anonymised). */
#ifndef PONGD_MATCHREC_H
#define PONGD_MATCHREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "db.h"
#include "pongd_limits.h"

/* Errors: MATCH_E_* in err.h (-700 .. -799). */

enum { MATCHREC_MODE_INVITE = 0, MATCHREC_MODE_QUICK = 1, MATCHREC_MODE_TOURNAMENT = 2 };
enum { MATCHREC_RUNNING = 0, MATCHREC_FINISHED = 1, MATCHREC_INTERRUPTED = 2, MATCHREC_VOID = 3 };
enum { MATCHREC_END_NONE = 0, MATCHREC_END_SCORE = 1, MATCHREC_END_RESIGN = 2, MATCHREC_END_FORFEIT = 3, MATCHREC_END_VOID = 4, MATCHREC_END_INTERRUPTED = 5 };

/* The input log: records of MATCHREC_LOG_RECORD bytes (docs/interface.md), at most
 * LIM_GAME_LOG_INPUTS of them. */
#define MATCHREC_LOG_RECORD 8
#define MATCHREC_LOG_MAX ((size_t)LIM_GAME_LOG_INPUTS * MATCHREC_LOG_RECORD)
/* The most rows one matchrec_list_user returns. */
#define MATCHREC_LIST_MAX 100

typedef struct {
    int32_t rallies, longest_rally, hits[2], top_speed, powerups[2];
} matchrec_stats_t;

typedef struct {
    int64_t id;
    int64_t user[2];            /* seat 0 = left */
    int32_t mode;
    int32_t ball_speed, paddle_size, winning_score, map, powerups;
    uint32_t seed;
    int32_t status, ended_how, winner;   /* winner -1, 0, 1 */
    int32_t score[2];
    int64_t started_at, ended_at, duration_ms;
    uint32_t ticks, final_hash;
    matchrec_stats_t stats;
    const uint8_t *log;         /* input log bytes (records of 8 bytes, see docs/interface.md); borrowed */
    size_t log_len;
    char names[2][4 * AUTH_DISPLAY_MAX + 1];   /* display names, filled by matchrec_get/list ("Deleted user" once deleted) */
    bool rated;                 /* the game moved both players' ratings (read back: matchrec_get/read) */
    int64_t rating_before[2], rating_after[2];   /* per seat, in thousandths (rated games) */
} matchrec_t;

/* A new running game of m->user[0] (left) and m->user[1] (right) with m's mode, options and
 * seed: status running, started_at = now, the outcome fields zero (winner -1); m->id set
 * and m's outcome fields set as stored. Both players must be live users (ACCOUNT_E_NOTFOUND)
 * without a running game (MATCH_E_BUSY: one live game per account); DB_EINVAL when the two
 * are the same user or the mode is unknown. Its own transaction. */
/* The API's names of a status ("live", "finished", "interrupted", "void") and of how a game
 * ended ("score", "resign", "forfeit", "void", "interrupted"; NULL for MATCHREC_END_NONE or an
 * unknown value). Static strings. */
const char *matchrec_status_name(int32_t status);
const char *matchrec_ended_how_name(int32_t ended_how);

int matchrec_create(db_t *db, matchrec_t *m, int64_t now);
/* The same inside the caller's open transaction (invite_accept): nothing committed or rolled back. */
int matchrec_create_tx(db_t *db, matchrec_t *m, int64_t now);

/* The end of game m->id, in ONE transaction: the row (only while still running: else, or
 * without such a game, MATCH_E_OVER and nothing changes) gets m's status, ended_how, winner,
 * scores, ended_at, duration_ms, ticks, final_hash, stats and log; a finished game (ended by
 * score, resign or forfeit, with a winner) adds 1 to the winner's wins and 1 to the other's
 * losses and updates both players' Glicko-2 ratings (glicko_game on the stored values; each
 * player's rated_games + 1), the row keeping both ratings before and after. Interrupted and
 * void games change no counts and no ratings. The players, mode, options, seed and
 * started_at are those stored at the start (m's are ignored). DB_EINVAL for an outcome that
 * does not hold together: status finished with ended_how score/resign/forfeit and winner 0
 * or 1, interrupted with ended_how interrupted, void with ended_how void, both with winner
 * -1; a log longer than MATCHREC_LOG_MAX or not whole records. */
int matchrec_finish(db_t *db, const matchrec_t *m);

/* At start (after a crash) or at shutdown: every running game becomes interrupted (ended_how
 * interrupted, winner -1, ended_at now; duration, ticks and log stay as stored). *n gets the
 * count (n may be NULL). */
int matchrec_interrupt_running(db_t *db, int64_t now, int *n);

/* One game, any status, with its log copied into *rows (which the caller frees with
 * db_rows_free; m->log points into it, NULL when the log is empty) and both players'
 * display names. ACCOUNT_E_NOTFOUND without such a game. */
int matchrec_get(db_t *db, int64_t id, matchrec_t *m, db_rows_t **rows);

/* The columns of a game row as matchrec_list_user / matchrec_export_user give them; read a
 * row into a matchrec_t with matchrec_read (everything but the log bytes: log NULL, log_len
 * the stored length). */
enum {
    MATCHREC_COL_ID = 0, MATCHREC_COL_LEFT, MATCHREC_COL_RIGHT, MATCHREC_COL_MODE,
    MATCHREC_COL_BALL_SPEED, MATCHREC_COL_PADDLE_SIZE, MATCHREC_COL_WINNING_SCORE, MATCHREC_COL_MAP, MATCHREC_COL_POWERUPS,
    MATCHREC_COL_SEED, MATCHREC_COL_STATUS, MATCHREC_COL_ENDED_HOW, MATCHREC_COL_WINNER,
    MATCHREC_COL_SCORE_LEFT, MATCHREC_COL_SCORE_RIGHT, MATCHREC_COL_STARTED_AT, MATCHREC_COL_ENDED_AT, MATCHREC_COL_DURATION_MS,
    MATCHREC_COL_TICKS, MATCHREC_COL_FINAL_HASH, MATCHREC_COL_RALLIES, MATCHREC_COL_LONGEST_RALLY,
    MATCHREC_COL_HITS_LEFT, MATCHREC_COL_HITS_RIGHT, MATCHREC_COL_TOP_SPEED, MATCHREC_COL_POWERUPS_LEFT, MATCHREC_COL_POWERUPS_RIGHT,
    MATCHREC_COL_LOG_LEN, MATCHREC_COL_NAME_LEFT, MATCHREC_COL_NAME_RIGHT,
    MATCHREC_COL_USERNAME_LEFT, MATCHREC_COL_USERNAME_RIGHT, MATCHREC_COL_AVATAR_LEFT, MATCHREC_COL_AVATAR_RIGHT,
    MATCHREC_COL_RATING_LEFT_BEFORE, MATCHREC_COL_RATING_LEFT_AFTER, MATCHREC_COL_RATING_RIGHT_BEFORE, MATCHREC_COL_RATING_RIGHT_AFTER,
    MATCHREC_COLS_N
};
void matchrec_read(const db_rows_t *r, int row, matchrec_t *m);

/* A user's finished, interrupted and void games (not running ones), newest first (by
 * started_at, then id): rows of the MATCHREC_COL_* columns above. limit is clamped to
 * 1 .. MATCHREC_LIST_MAX, a negative offset counts as 0. */
int matchrec_list_user(db_t *db, int64_t uid, int limit, int offset, db_rows_t **rows);
/* How many rows matchrec_list_user pages through (the user's games that are not running). */
int matchrec_count_user(db_t *db, int64_t uid, int64_t *total);
/* Running games, newest first, at most `limit` (clamped to 1 .. MATCHREC_LIST_MAX): the
 * MATCHREC_COL_* columns, then the players' ratings and RDs in thousandths
 * (MATCHREC_COLS_N + 0..3: left rating, left RD, right rating, right RD). */
int matchrec_list_running(db_t *db, int limit, db_rows_t **rows);
/* For the account export: every game of the user, running ones too, oldest first, no
 * paging; the same columns as matchrec_list_user (no log bytes). */
int matchrec_export_user(db_t *db, int64_t uid, db_rows_t **rows);

/* The user's counts (users.wins, users.losses). ACCOUNT_E_NOTFOUND without such a user
 * (deleted users keep theirs). */
int matchrec_counts(db_t *db, int64_t uid, int32_t *wins, int32_t *losses);

/* A user's standing: the stored Glicko-2 values (glicko.h), rated games, wins and losses. */
typedef struct {
    int64_t rating_milli, rd_milli, vol_micro;
    int32_t rated_games, wins, losses;
} matchrec_standing_t;
/* ACCOUNT_E_NOTFOUND without such a live (not deleted) user. */
int matchrec_standing(db_t *db, int64_t uid, matchrec_standing_t *out);

#endif
