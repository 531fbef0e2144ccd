/* app_games — the composition root's part of the remote games: it stores the end of every
 * game the live rooms report (live/match's on_over, on the loop) through the database pool,
 * and, before the server starts, marks the games a crash left "running" as interrupted. */
#include "app.h"
#include "account.h"
#include "log.h"
#include "matchrec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    matchrec_t rec;
    uint8_t *log;       /* owned copy of the input log */
    int rc;
} over_job_t;

static int finish_db(db_t *db, void *arg) {
    over_job_t *j = arg;
    return matchrec_finish(db, &j->rec);
}

static void finish_work(void *arg, void *worker) {
    over_job_t *j = arg;
    j->rc = dbpool_run(worker, finish_db, j);
}

static void finish_done(void *arg, int status) {
    over_job_t *j = arg;
    if (status != 0) log_msg("warn", "game %" PRId64 " not stored: the server is stopping (it stays interrupted)", j->rec.id);
    else if (j->rc != 0) log_msg("warn", "game %" PRId64 " not stored: %s", j->rec.id, err_name(j->rc));
    free(j->log);
    free(j);
}

/* live/match's MATCH_END_* and matchrec's MATCHREC_END_* name the same endings. */
_Static_assert((int)MATCH_END_SCORE == (int)MATCHREC_END_SCORE && (int)MATCH_END_RESIGN == (int)MATCHREC_END_RESIGN &&
                   (int)MATCH_END_FORFEIT == (int)MATCHREC_END_FORFEIT && (int)MATCH_END_VOID == (int)MATCHREC_END_VOID &&
                   (int)MATCH_END_INTERRUPTED == (int)MATCHREC_END_INTERRUPTED,
               "the two enums of how a game ended must agree");

void app_game_open(void *ctx, int64_t game_id, const int64_t user[2]) {
    (void)game_id;
    app_t *a = ctx;
    for (int s = 0; s < 2; s++) {
        if (a->quickplay) quickplay_leave(a->quickplay, user[s]);
        if (a->presence) presence_game_changed(a->presence, user[s]);
    }
}

void app_user_offline(void *ctx, int64_t uid) {
    app_t *a = ctx;
    if (a->quickplay) quickplay_leave(a->quickplay, uid);
}

void app_game_over(void *ctx, const match_result_t *r) {
    app_t *a = ctx;
    /* after on_over the game is gone from the live set: the friends' frames say in_game null */
    for (int s = 0; s < 2; s++)
        if (a->presence) presence_game_changed(a->presence, r->user[s]);
    over_job_t *j = xcalloc(1, sizeof *j);
    matchrec_t *m = &j->rec;
    m->id = r->game_id;
    m->user[0] = r->user[0];
    m->user[1] = r->user[1];
    m->status = r->reason == MATCH_END_VOID ? MATCHREC_VOID : r->reason == MATCH_END_INTERRUPTED ? MATCHREC_INTERRUPTED : MATCHREC_FINISHED;
    m->ended_how = r->reason;
    m->winner = r->winner;
    m->score[0] = r->score[0];
    m->score[1] = r->score[1];
    m->started_at = r->started_ms;
    m->ended_at = r->ended_ms;
    m->duration_ms = r->ended_ms > r->started_ms ? r->ended_ms - r->started_ms : 0;
    m->ticks = r->ticks;
    m->final_hash = r->final_hash;
    m->stats.rallies = r->stats.rallies;
    m->stats.longest_rally = r->stats.longest_rally;
    m->stats.hits[0] = r->stats.hits[0];
    m->stats.hits[1] = r->stats.hits[1];
    m->stats.top_speed = r->stats.top_speed;
    m->stats.powerups[0] = r->stats.powerups[0];
    m->stats.powerups[1] = r->stats.powerups[1];
    m->ball_speed = r->opt.ball_speed;
    m->paddle_size = r->opt.paddle_size;
    m->winning_score = r->opt.winning_score;
    m->map = r->opt.map;
    m->powerups = r->opt.powerups;
    m->seed = r->opt.seed;
    if (r->log_len) {
        j->log = xmalloc(r->log_len);
        memcpy(j->log, r->log, r->log_len);
    }
    m->log = j->log;
    m->log_len = r->log_len;
    if (!a->dbpool || pool_submit(dbpool_pool(a->dbpool), finish_work, finish_done, j) != 0) {
        log_msg("warn", "game %" PRId64 " not stored: the database queue is full (it stays running until the next start)", m->id);
        free(j->log);
        free(j);
    }
}

int app_sessions_load(const char *database_url, revmap_t *m, char *err, size_t errlen) {
    db_t *db;
    int rc = db_open(database_url, &db, err, errlen);
    if (rc != 0) return rc;
    int64_t now = (int64_t)now_wall_ms();
    db_rows_t *rows = NULL;
    int64_t since = now - (int64_t)AUTH_ACCESS_TTL_S * 1000;
    rc = account_valid_after_since(db, since, &rows);
    if (rc == 0) {
        for (int i = 0; i < db_rows_count(rows); i++) revmap_set(m, db_rows_int(rows, i, 0), db_rows_int(rows, i, 1), now);
        db_rows_free(rows);
        rows = NULL;
        /* single sessions ended (logout, DELETE /api/auth/sessions/{id}): their revoked families */
        rc = account_sessions_ended_since(db, since, &rows);
    }
    db_close(db);
    if (rc != 0) {
        snprintf(err, errlen, "reading ended sessions: %s", err_name(rc));
        return rc;
    }
    for (int i = 0; i < db_rows_count(rows); i++) revmap_set_session(m, db_rows_int(rows, i, 0), db_rows_int(rows, i, 1), now);
    db_rows_free(rows);
    return 0;
}

int app_games_recover(const char *database_url, char *err, size_t errlen) {
    db_t *db;
    int rc = db_open(database_url, &db, err, errlen);
    if (rc != 0) return rc;
    int n = 0;
    rc = matchrec_interrupt_running(db, (int64_t)now_wall_ms(), &n);
    db_close(db);
    if (rc != 0) snprintf(err, errlen, "marking unfinished games interrupted: %s", err_name(rc));
    else if (n) log_msg("info", "%d game(s) left running by the last run marked interrupted", n);
    return rc;
}
