/* matchrec — see matchrec.h. One live game per account is held by the start of a game: it
 * first touches both players' users rows (a no-op UPDATE, lower id first), which both checks
 * that they are live and, on PostgreSQL, makes a second start involving either of them wait
 * for this one's commit and then see its game (SQLite's BEGIN IMMEDIATE serialises writers
 * anyway). The end of a game touches the counts in the same order. */
#include "matchrec.h"

#include <string.h>

#include "glicko.h"

/* The MATCHREC_COL_* columns, in their order. */
#define MATCHREC_SELECT                                                                                                 \
    "SELECT g.id, g.left_id, g.right_id, g.mode, g.ball_speed, g.paddle_size, g.winning_score, g.map, g.powerups,"    \
    " g.seed, g.status, g.ended_how, g.winner, g.score_left, g.score_right, g.started_at, g.ended_at, g.duration_ms," \
    " g.ticks, g.final_hash, g.rallies, g.longest_rally, g.hits_left, g.hits_right, g.top_speed,"                      \
    " g.powerups_left, g.powerups_right, length(g.input_log), l.display_name, r.display_name,"                       \
    " l.username, r.username, l.avatar_version, r.avatar_version,"                                                   \
    " g.rating_left_before, g.rating_left_after, g.rating_right_before, g.rating_right_after"
#define MATCHREC_FROM " FROM games g JOIN users l ON l.id = g.left_id JOIN users r ON r.id = g.right_id"

static const db_sql_t Q_LOCK_USER = {
    "matchrec_lock_user", "UPDATE users SET wins = wins WHERE id = $1 AND deleted_at IS NULL",
};
static const db_sql_t Q_BUSY = {
    "matchrec_busy",
    "SELECT 1 FROM games WHERE status = 0 AND (left_id = $1 OR right_id = $1 OR left_id = $2 OR right_id = $2) LIMIT 1",
};
static const db_sql_t Q_INSERT = {
    "matchrec_insert",
    "INSERT INTO games (left_id, right_id, mode, ball_speed, paddle_size, winning_score, map, powerups, seed,"
    " started_at, input_log, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10) RETURNING id",
};
static const db_sql_t Q_FINISH = {
    "matchrec_finish",
    "UPDATE games SET status = $2, ended_how = $3, winner = $4, score_left = $5, score_right = $6, ended_at = $7,"
    " duration_ms = $8, ticks = $9, final_hash = $10, rallies = $11, longest_rally = $12, hits_left = $13,"
    " hits_right = $14, top_speed = $15, powerups_left = $16, powerups_right = $17, input_log = $18"
    " WHERE id = $1 AND status = 0 RETURNING left_id, right_id",
};
static const db_sql_t Q_WIN = { "matchrec_win", "UPDATE users SET wins = wins + 1 WHERE id = $1" };
static const db_sql_t Q_LOSS = { "matchrec_loss", "UPDATE users SET losses = losses + 1 WHERE id = $1" };
static const db_sql_t Q_INTERRUPT = {
    "matchrec_interrupt", "UPDATE games SET status = 2, ended_how = 5, winner = -1, ended_at = $1,"
    " duration_ms = CASE WHEN $1 > started_at THEN $1 - started_at ELSE 0 END WHERE status = 0",
};
static const db_sql_t Q_GET = { "matchrec_get", MATCHREC_SELECT ", g.input_log" MATCHREC_FROM " WHERE g.id = $1" };
static const db_sql_t Q_LIST = {
    "matchrec_list",
    MATCHREC_SELECT MATCHREC_FROM " WHERE (g.left_id = $1 OR g.right_id = $1) AND g.status <> 0"
    " ORDER BY g.started_at DESC, g.id DESC LIMIT $2 OFFSET $3",
};
static const db_sql_t Q_EXPORT = {
    "matchrec_export",
    MATCHREC_SELECT MATCHREC_FROM " WHERE g.left_id = $1 OR g.right_id = $1 ORDER BY g.started_at, g.id",
};
static const db_sql_t Q_COUNT = {
    "matchrec_count", "SELECT COUNT(*) FROM games WHERE (left_id = $1 OR right_id = $1) AND status <> 0",
};
static const db_sql_t Q_RUNNING = {
    "matchrec_running",
    MATCHREC_SELECT ", l.rating_milli, l.rd_milli, r.rating_milli, r.rd_milli" MATCHREC_FROM
    " WHERE g.status = 0 ORDER BY g.started_at DESC, g.id DESC LIMIT $1",
};
static const db_sql_t Q_RATING = { "matchrec_rating", "SELECT rating_milli, rd_milli, vol_micro FROM users WHERE id = $1" };
static const db_sql_t Q_RATE = {
    "matchrec_rate",
    "UPDATE users SET rating_milli = $2, rd_milli = $3, vol_micro = $4, rated_games = rated_games + 1 WHERE id = $1",
};
static const db_sql_t Q_GAME_RATINGS = {
    "matchrec_game_ratings",
    "UPDATE games SET rating_left_before = $2, rating_left_after = $3, rating_right_before = $4, rating_right_after = $5"
    " WHERE id = $1",
};
static const db_sql_t Q_STANDING = {
    "matchrec_standing",
    "SELECT rating_milli, rd_milli, vol_micro, rated_games, wins, losses FROM users WHERE id = $1 AND deleted_at IS NULL",
};
static const db_sql_t Q_COUNTS = { "matchrec_counts", "SELECT wins, losses FROM users WHERE id = $1" };

_Static_assert(MATCHREC_RUNNING == 0 && MATCHREC_INTERRUPTED == 2 && MATCHREC_END_INTERRUPTED == 5,
               "the statements write these numbers");

/* One statement that must change exactly one row: else `none`. */
static int exec_one(db_t *db, const db_sql_t *q, const db_val_t *p, int n, int none) {
    int64_t changed = 0;
    int rc = db_exec(db, q, p, n, NULL, &changed);
    if (rc != 0) return rc;
    return changed == 1 ? 0 : none;
}

int matchrec_create_tx(db_t *db, matchrec_t *m, int64_t now) {
    if (m->user[0] == m->user[1] || m->mode < MATCHREC_MODE_INVITE || m->mode > MATCHREC_MODE_TOURNAMENT) return DB_EINVAL;
    int64_t lo = m->user[0] < m->user[1] ? m->user[0] : m->user[1], hi = m->user[0] ^ m->user[1] ^ lo;
    db_val_t ulo = DB_INT(lo), uhi = DB_INT(hi), pair[2] = { DB_INT(m->user[0]), DB_INT(m->user[1]) };
    int rc;
    if ((rc = exec_one(db, &Q_LOCK_USER, &ulo, 1, ACCOUNT_E_NOTFOUND)) != 0 || (rc = exec_one(db, &Q_LOCK_USER, &uhi, 1, ACCOUNT_E_NOTFOUND)) != 0)
        return rc;
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_BUSY, pair, 2, &r, NULL)) != 0) return rc;
    int busy = db_rows_count(r);
    db_rows_free(r);
    if (busy) return MATCH_E_BUSY;
    db_val_t p[11] = {
        DB_INT(m->user[0]), DB_INT(m->user[1]), DB_INT(m->mode), DB_INT(m->ball_speed), DB_INT(m->paddle_size),
        DB_INT(m->winning_score), DB_INT(m->map), DB_INT(m->powerups), DB_INT(m->seed), DB_INT(now), DB_BLOB("", 0),
    };
    if ((rc = db_exec(db, &Q_INSERT, p, 11, &r, NULL)) != 0) return rc;
    m->id = db_rows_int(r, 0, 0);
    db_rows_free(r);
    m->status = MATCHREC_RUNNING;
    m->ended_how = MATCHREC_END_NONE;
    m->winner = -1;
    m->score[0] = m->score[1] = 0;
    m->started_at = now;
    m->ended_at = m->duration_ms = 0;
    m->ticks = m->final_hash = 0;
    memset(&m->stats, 0, sizeof m->stats);
    m->log = NULL;
    m->log_len = 0;
    return 0;
}

int matchrec_create(db_t *db, matchrec_t *m, int64_t now) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    if ((rc = matchrec_create_tx(db, m, now)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

/* Whether m's outcome holds together (see matchrec_finish); *counts: it moves wins and losses. */
static bool outcome_ok(const matchrec_t *m, bool *counts) {
    *counts = false;
    if (m->log_len > MATCHREC_LOG_MAX || m->log_len % MATCHREC_LOG_RECORD != 0 || (m->log_len && !m->log)) return false;
    switch (m->status) {
    case MATCHREC_FINISHED:
        if (m->ended_how != MATCHREC_END_SCORE && m->ended_how != MATCHREC_END_RESIGN && m->ended_how != MATCHREC_END_FORFEIT) return false;
        if (m->winner != 0 && m->winner != 1) return false;
        *counts = true;
        return true;
    case MATCHREC_INTERRUPTED: return m->ended_how == MATCHREC_END_INTERRUPTED && m->winner == -1;
    case MATCHREC_VOID: return m->ended_how == MATCHREC_END_VOID && m->winner == -1;
    default: return false;
    }
}

/* Both players' Glicko-2 update for game `id` (seat: the players, left first; winner 0/1),
 * inside matchrec_finish's transaction, after the counts locked both users rows. */
static int rate(db_t *db, int64_t id, const int64_t seat[2], int winner) {
    glicko_t before[2], after[2];
    int64_t milli[2][3];
    for (int s = 0; s < 2; s++) {
        db_val_t u = DB_INT(seat[s]);
        db_rows_t *r;
        int rc = db_exec(db, &Q_RATING, &u, 1, &r, NULL);
        if (rc != 0) return rc;
        if (db_rows_count(r) != 1) {
            db_rows_free(r);
            return ACCOUNT_E_NOTFOUND;
        }
        for (int k = 0; k < 3; k++) milli[s][k] = db_rows_int(r, 0, k);
        db_rows_free(r);
        before[s] = glicko_from_stored(milli[s][0], milli[s][1], milli[s][2]);
    }
    if (glicko_game(&before[0], &before[1], winner == 0 ? 1.0 : 0.0, &after[0], &after[1]) != 0) return DB_EINVAL;
    int64_t out[2][3];
    for (int s = 0; s < 2; s++) {
        glicko_to_stored(&after[s], &out[s][0], &out[s][1], &out[s][2]);
        db_val_t p[4] = { DB_INT(seat[s]), DB_INT(out[s][0]), DB_INT(out[s][1]), DB_INT(out[s][2]) };
        int rc = exec_one(db, &Q_RATE, p, 4, ACCOUNT_E_NOTFOUND);
        if (rc != 0) return rc;
    }
    db_val_t g[5] = { DB_INT(id), DB_INT(milli[0][0]), DB_INT(out[0][0]), DB_INT(milli[1][0]), DB_INT(out[1][0]) };
    return exec_one(db, &Q_GAME_RATINGS, g, 5, MATCH_E_OVER);
}

int matchrec_finish(db_t *db, const matchrec_t *m) {
    bool counts;
    if (!outcome_ok(m, &counts)) return DB_EINVAL;
    const matchrec_stats_t *s = &m->stats;
    db_val_t p[18] = {
        DB_INT(m->id), DB_INT(m->status), DB_INT(m->ended_how), DB_INT(m->winner), DB_INT(m->score[0]), DB_INT(m->score[1]),
        DB_INT(m->ended_at), DB_INT(m->duration_ms), DB_INT(m->ticks), DB_INT(m->final_hash), DB_INT(s->rallies),
        DB_INT(s->longest_rally), DB_INT(s->hits[0]), DB_INT(s->hits[1]), DB_INT(s->top_speed), DB_INT(s->powerups[0]),
        DB_INT(s->powerups[1]), DB_BLOB(m->log_len ? (const void *)m->log : "", m->log_len),
    };
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_rows_t *r;
    if ((rc = db_exec(db, &Q_FINISH, p, 18, &r, NULL)) != 0) goto fail;
    if (db_rows_count(r) != 1) {   /* over already, or no such game */
        db_rows_free(r);
        rc = MATCH_E_OVER;
        goto fail;
    }
    int64_t seat[2] = { db_rows_int(r, 0, 0), db_rows_int(r, 0, 1) };
    db_rows_free(r);
    if (counts) {
        int64_t winner = seat[m->winner], loser = seat[1 - m->winner];
        int64_t order[2] = { winner < loser ? winner : loser, winner < loser ? loser : winner };   /* lower id first, as matchrec_create */
        for (int i = 0; i < 2; i++) {
            db_val_t u = DB_INT(order[i]);
            if ((rc = exec_one(db, order[i] == winner ? &Q_WIN : &Q_LOSS, &u, 1, ACCOUNT_E_NOTFOUND)) != 0) goto fail;
        }
        if ((rc = rate(db, m->id, seat, m->winner)) != 0) goto fail;
    }
    return db_commit(db);
fail:
    db_rollback(db);
    return rc;
}

int matchrec_interrupt_running(db_t *db, int64_t now, int *n) {
    db_val_t p = DB_INT(now);
    int64_t changed = 0;
    int rc = db_exec(db, &Q_INTERRUPT, &p, 1, NULL, &changed);
    if (n) *n = rc == 0 ? (int)changed : 0;
    return rc;
}

static void copy_name(char *dst, size_t cap, const db_rows_t *r, int row, int col) {
    size_t len;
    const char *s = db_rows_text(r, row, col, &len);
    if (len >= cap) len = cap - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

void matchrec_read(const db_rows_t *r, int row, matchrec_t *m) {
    memset(m, 0, sizeof *m);
#define I(c) db_rows_int(r, row, MATCHREC_COL_##c)
    m->id = I(ID);
    m->user[0] = I(LEFT);
    m->user[1] = I(RIGHT);
    m->mode = (int32_t)I(MODE);
    m->ball_speed = (int32_t)I(BALL_SPEED);
    m->paddle_size = (int32_t)I(PADDLE_SIZE);
    m->winning_score = (int32_t)I(WINNING_SCORE);
    m->map = (int32_t)I(MAP);
    m->powerups = (int32_t)I(POWERUPS);
    m->seed = (uint32_t)I(SEED);
    m->status = (int32_t)I(STATUS);
    m->ended_how = (int32_t)I(ENDED_HOW);
    m->winner = (int32_t)I(WINNER);
    m->score[0] = (int32_t)I(SCORE_LEFT);
    m->score[1] = (int32_t)I(SCORE_RIGHT);
    m->started_at = I(STARTED_AT);
    m->ended_at = I(ENDED_AT);
    m->duration_ms = I(DURATION_MS);
    m->ticks = (uint32_t)I(TICKS);
    m->final_hash = (uint32_t)I(FINAL_HASH);
    m->stats.rallies = (int32_t)I(RALLIES);
    m->stats.longest_rally = (int32_t)I(LONGEST_RALLY);
    m->stats.hits[0] = (int32_t)I(HITS_LEFT);
    m->stats.hits[1] = (int32_t)I(HITS_RIGHT);
    m->stats.top_speed = (int32_t)I(TOP_SPEED);
    m->stats.powerups[0] = (int32_t)I(POWERUPS_LEFT);
    m->stats.powerups[1] = (int32_t)I(POWERUPS_RIGHT);
    m->log_len = (size_t)I(LOG_LEN);
#undef I
    copy_name(m->names[0], sizeof m->names[0], r, row, MATCHREC_COL_NAME_LEFT);
    copy_name(m->names[1], sizeof m->names[1], r, row, MATCHREC_COL_NAME_RIGHT);
    m->rated = !db_rows_null(r, row, MATCHREC_COL_RATING_LEFT_AFTER);
    if (m->rated) {
        m->rating_before[0] = db_rows_int(r, row, MATCHREC_COL_RATING_LEFT_BEFORE);
        m->rating_after[0] = db_rows_int(r, row, MATCHREC_COL_RATING_LEFT_AFTER);
        m->rating_before[1] = db_rows_int(r, row, MATCHREC_COL_RATING_RIGHT_BEFORE);
        m->rating_after[1] = db_rows_int(r, row, MATCHREC_COL_RATING_RIGHT_AFTER);
    }
}

int matchrec_get(db_t *db, int64_t id, matchrec_t *m, db_rows_t **rows) {
    *rows = NULL;
    db_val_t p = DB_INT(id);
    db_rows_t *r;
    int rc = db_exec(db, &Q_GET, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) {
        db_rows_free(r);
        return ACCOUNT_E_NOTFOUND;
    }
    matchrec_read(r, 0, m);
    size_t len;
    const char *log = db_rows_text(r, 0, MATCHREC_COLS_N, &len);
    m->log = len ? (const uint8_t *)log : NULL;
    m->log_len = len;
    *rows = r;
    return 0;
}

int matchrec_list_user(db_t *db, int64_t uid, int limit, int offset, db_rows_t **rows) {
    if (limit < 1) limit = 1;
    if (limit > MATCHREC_LIST_MAX) limit = MATCHREC_LIST_MAX;
    if (offset < 0) offset = 0;
    db_val_t p[3] = { DB_INT(uid), DB_INT(limit), DB_INT(offset) };
    return db_exec(db, &Q_LIST, p, 3, rows, NULL);
}

int matchrec_count_user(db_t *db, int64_t uid, int64_t *total) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    int rc = db_exec(db, &Q_COUNT, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    *total = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return 0;
}

int matchrec_list_running(db_t *db, int limit, db_rows_t **rows) {
    if (limit < 1) limit = 1;
    if (limit > MATCHREC_LIST_MAX) limit = MATCHREC_LIST_MAX;
    db_val_t p = DB_INT(limit);
    return db_exec(db, &Q_RUNNING, &p, 1, rows, NULL);
}

int matchrec_export_user(db_t *db, int64_t uid, db_rows_t **rows) {
    db_val_t p = DB_INT(uid);
    return db_exec(db, &Q_EXPORT, &p, 1, rows, NULL);
}

int matchrec_counts(db_t *db, int64_t uid, int32_t *wins, int32_t *losses) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    int rc = db_exec(db, &Q_COUNTS, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else {
        *wins = (int32_t)db_rows_int(r, 0, 0);
        *losses = (int32_t)db_rows_int(r, 0, 1);
    }
    db_rows_free(r);
    return rc;
}

int matchrec_standing(db_t *db, int64_t uid, matchrec_standing_t *out) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    int rc = db_exec(db, &Q_STANDING, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else
        *out = (matchrec_standing_t){ db_rows_int(r, 0, 0), db_rows_int(r, 0, 1), db_rows_int(r, 0, 2), (int32_t)db_rows_int(r, 0, 3),
                                      (int32_t)db_rows_int(r, 0, 4), (int32_t)db_rows_int(r, 0, 5) };
    db_rows_free(r);
    return rc;
}

const char *matchrec_status_name(int32_t status) {
    static const char *const names[] = { "live", "finished", "interrupted", "void" };
    return status >= MATCHREC_RUNNING && status <= MATCHREC_VOID ? names[status] : "live";
}

const char *matchrec_ended_how_name(int32_t ended_how) {
    static const char *const names[] = { NULL, "score", "resign", "forfeit", "void", "interrupted" };
    return ended_how > MATCHREC_END_NONE && ended_how <= MATCHREC_END_INTERRUPTED ? names[ended_how] : NULL;
}
