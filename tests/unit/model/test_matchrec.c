/* matchrec: game records — start, end with the win/loss counts in the same transaction,
 * interrupted and void games, the input log, reading back, lists — on SQLite and (with
 * PONGD_TEST_DATABASE_URL) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounttest.h"
#include "dbtest.h"
#include "glicko.h"
#include "matchrec.h"
#include "profile.h"

static char sqlite_path[64];

static const db_sql_t Q_T_GAMES = { "t_games", "SELECT COUNT(*) FROM games" };

static int64_t add(db_t *db, const char *name) { return accounttest_add(db, name); }

/* A new running game of l (left) and r with recognisable options. */
static matchrec_t start(db_t *db, int64_t l, int64_t r, uint32_t seed, int64_t now) {
    matchrec_t m;
    memset(&m, 0, sizeof m);
    m.user[0] = l;
    m.user[1] = r;
    m.mode = MATCHREC_MODE_INVITE;
    m.ball_speed = 3;
    m.paddle_size = 2;
    m.winning_score = 5;
    m.map = 1;
    m.powerups = 1;
    m.seed = seed;
    assert_int_equal(matchrec_create(db, &m, now), 0);
    assert_true(m.id > 0);
    return m;
}

static void counts(db_t *db, int64_t u, int32_t wins, int32_t losses) {
    int32_t w = -1, l = -1;
    assert_int_equal(matchrec_counts(db, u, &w, &l), 0);
    assert_int_equal(w, wins);
    assert_int_equal(l, losses);
}

static matchrec_t get(db_t *db, int64_t id, db_rows_t **rows) {
    matchrec_t m;
    assert_int_equal(matchrec_get(db, id, &m, rows), 0);
    return m;
}

static int64_t games(db_t *db) {
    db_rows_t *r;
    assert_int_equal(db_exec(db, &Q_T_GAMES, NULL, 0, &r, NULL), 0);
    int64_t n = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return n;
}

/* every field but the log bytes */
static void same(const matchrec_t *x, const matchrec_t *y) {
    assert_int_equal(x->id, y->id);
    assert_int_equal(x->user[0], y->user[0]);
    assert_int_equal(x->user[1], y->user[1]);
    assert_int_equal(x->mode, y->mode);
    assert_int_equal(x->ball_speed, y->ball_speed);
    assert_int_equal(x->paddle_size, y->paddle_size);
    assert_int_equal(x->winning_score, y->winning_score);
    assert_int_equal(x->map, y->map);
    assert_int_equal(x->powerups, y->powerups);
    assert_true(x->seed == y->seed);
    assert_int_equal(x->status, y->status);
    assert_int_equal(x->ended_how, y->ended_how);
    assert_int_equal(x->winner, y->winner);
    assert_int_equal(x->score[0], y->score[0]);
    assert_int_equal(x->score[1], y->score[1]);
    assert_int_equal(x->started_at, y->started_at);
    assert_int_equal(x->ended_at, y->ended_at);
    assert_int_equal(x->duration_ms, y->duration_ms);
    assert_true(x->ticks == y->ticks);
    assert_true(x->final_hash == y->final_hash);
    assert_memory_equal(&x->stats, &y->stats, sizeof x->stats);   /* int32_t only: no padding */
    assert_int_equal(x->log_len, y->log_len);
    assert_string_equal(x->names[0], y->names[0]);
    assert_string_equal(x->names[1], y->names[1]);
}

/* m as a game that ended: status, how, winner, its figures and log */
static void ended(matchrec_t *m, int status, int how, int winner, const uint8_t *log, size_t len, int64_t now) {
    m->status = status;
    m->ended_how = how;
    m->winner = winner;
    m->score[0] = winner == 0 ? 5 : 2;
    m->score[1] = winner == 1 ? 5 : 3;
    m->ended_at = now;
    m->duration_ms = now - m->started_at;
    m->ticks = 123456;
    m->final_hash = 0xDEADBEEFu;
    m->stats = (matchrec_stats_t){ 17, 9, { 40, 38 }, 1234, { 2, 3 } };
    m->log = log;
    m->log_len = len;
}

static void run_create_finish(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat");
    counts(db, a, 0, 0);
    assert_int_equal(matchrec_counts(db, 9999, &(int32_t){ 0 }, &(int32_t){ 0 }), ACCOUNT_E_NOTFOUND);
    matchrec_t g = start(db, a, b, 0xFFFFFFFFu, 1000);
    assert_int_equal(g.status, MATCHREC_RUNNING);
    assert_int_equal(g.winner, -1);
    assert_int_equal(g.started_at, 1000);
    /* read back while running: options, the whole u32 seed, names, an empty log */
    db_rows_t *rows;
    matchrec_t got = get(db, g.id, &rows);
    assert_int_equal(got.id, g.id);
    assert_int_equal(got.user[0], a);
    assert_int_equal(got.user[1], b);
    assert_string_equal(got.names[0], "ann");
    assert_string_equal(got.names[1], "ben");
    assert_int_equal(got.mode, MATCHREC_MODE_INVITE);
    assert_int_equal(got.ball_speed, 3);
    assert_int_equal(got.paddle_size, 2);
    assert_int_equal(got.winning_score, 5);
    assert_int_equal(got.map, 1);
    assert_int_equal(got.powerups, 1);
    assert_true(got.seed == 0xFFFFFFFFu);
    assert_int_equal(got.status, MATCHREC_RUNNING);
    assert_int_equal(got.ended_how, MATCHREC_END_NONE);
    assert_int_equal(got.winner, -1);
    assert_int_equal(got.ended_at, 0);
    assert_null(got.log);
    assert_int_equal(got.log_len, 0);
    db_rows_free(rows);
    assert_int_equal(matchrec_get(db, 9999, &got, &rows), ACCOUNT_E_NOTFOUND);
    assert_null(rows);
    /* one live game per account; refused starts */
    matchrec_t x = g;
    x.user[0] = c;
    x.user[1] = a;
    assert_int_equal(matchrec_create(db, &x, 1001), MATCH_E_BUSY);
    x.user[0] = b;
    x.user[1] = c;
    assert_int_equal(matchrec_create(db, &x, 1001), MATCH_E_BUSY);
    x.user[0] = c;
    x.user[1] = c;
    assert_int_equal(matchrec_create(db, &x, 1001), DB_EINVAL);
    x.user[1] = 9999;
    assert_int_equal(matchrec_create(db, &x, 1001), ACCOUNT_E_NOTFOUND);
    x.user[0] = 9999;
    x.user[1] = c;
    assert_int_equal(matchrec_create(db, &x, 1001), ACCOUNT_E_NOTFOUND);
    x.user[0] = c;
    x.user[1] = add(db, "dan");
    x.mode = 3;
    assert_int_equal(matchrec_create(db, &x, 1001), DB_EINVAL);
    assert_int_equal(games(db), 1);
    /* a running game is not in the list, but in the export */
    assert_int_equal(matchrec_list_user(db, a, 10, 0, &rows), 0);
    assert_int_equal(db_rows_count(rows), 0);
    db_rows_free(rows);
    assert_int_equal(matchrec_export_user(db, a, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    /* outcomes that do not hold together change nothing */
    uint8_t log[24] = { 0, 1, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0, 0, 7, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
    matchrec_t bad = g;
    ended(&bad, MATCHREC_FINISHED, MATCHREC_END_SCORE, -1, log, sizeof log, 5000);
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_FINISHED, MATCHREC_END_VOID, 0, log, sizeof log, 5000);
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_VOID, MATCHREC_END_VOID, 1, log, sizeof log, 5000);
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_INTERRUPTED, MATCHREC_END_FORFEIT, -1, log, sizeof log, 5000);
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_RUNNING, MATCHREC_END_NONE, -1, log, sizeof log, 5000);
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_FINISHED, MATCHREC_END_SCORE, 0, log, 7, 5000);   /* not whole records */
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_FINISHED, MATCHREC_END_SCORE, 0, log, MATCHREC_LOG_MAX + 8, 5000);
    assert_int_equal(matchrec_finish(db, &bad), DB_EINVAL);
    ended(&bad, MATCHREC_FINISHED, MATCHREC_END_SCORE, 0, log, sizeof log, 5000);
    bad.id = 9999;
    assert_int_equal(matchrec_finish(db, &bad), MATCH_E_OVER);
    counts(db, a, 0, 0);
    counts(db, b, 0, 0);
    /* the end: the row and both counts */
    matchrec_t fin = g;
    ended(&fin, MATCHREC_FINISHED, MATCHREC_END_SCORE, 0, log, sizeof log, 61000);
    fin.user[0] = c;   /* ignored: the stored players are counted */
    assert_int_equal(matchrec_finish(db, &fin), 0);
    counts(db, a, 1, 0);
    counts(db, b, 0, 1);
    counts(db, c, 0, 0);
    got = get(db, g.id, &rows);
    assert_int_equal(got.user[0], a);
    assert_int_equal(got.status, MATCHREC_FINISHED);
    assert_int_equal(got.ended_how, MATCHREC_END_SCORE);
    assert_int_equal(got.winner, 0);
    assert_int_equal(got.score[0], 5);
    assert_int_equal(got.score[1], 3);
    assert_int_equal(got.started_at, 1000);
    assert_int_equal(got.ended_at, 61000);
    assert_int_equal(got.duration_ms, 60000);
    assert_true(got.ticks == 123456);
    assert_true(got.final_hash == 0xDEADBEEFu);
    assert_int_equal(got.stats.rallies, 17);
    assert_int_equal(got.stats.longest_rally, 9);
    assert_int_equal(got.stats.hits[0], 40);
    assert_int_equal(got.stats.hits[1], 38);
    assert_int_equal(got.stats.top_speed, 1234);
    assert_int_equal(got.stats.powerups[0], 2);
    assert_int_equal(got.stats.powerups[1], 3);
    assert_true(got.seed == 0xFFFFFFFFu);
    assert_int_equal(got.log_len, sizeof log);   /* byte for byte, zero bytes included */
    assert_memory_equal(got.log, log, sizeof log);
    db_rows_free(rows);
    /* a second end changes nothing */
    matchrec_t again = g;
    ended(&again, MATCHREC_FINISHED, MATCHREC_END_RESIGN, 1, log, 8, 62000);
    assert_int_equal(matchrec_finish(db, &again), MATCH_E_OVER);
    ended(&again, MATCHREC_VOID, MATCHREC_END_VOID, -1, NULL, 0, 62000);
    assert_int_equal(matchrec_finish(db, &again), MATCH_E_OVER);
    counts(db, a, 1, 0);
    counts(db, b, 0, 1);
    got = get(db, g.id, &rows);
    assert_int_equal(got.winner, 0);
    assert_int_equal(got.ended_at, 61000);
    assert_int_equal(got.log_len, sizeof log);
    db_rows_free(rows);
    /* void and interrupted games move no counts; resign and forfeit do (the right seat wins) */
    matchrec_t v = start(db, b, a, 1, 70000);
    ended(&v, MATCHREC_VOID, MATCHREC_END_VOID, -1, NULL, 0, 71000);
    assert_int_equal(matchrec_finish(db, &v), 0);
    matchrec_t i = start(db, a, b, 2, 72000);
    ended(&i, MATCHREC_INTERRUPTED, MATCHREC_END_INTERRUPTED, -1, log, 16, 73000);
    assert_int_equal(matchrec_finish(db, &i), 0);
    counts(db, a, 1, 0);
    counts(db, b, 0, 1);
    matchrec_t rs = start(db, a, b, 3, 74000);
    ended(&rs, MATCHREC_FINISHED, MATCHREC_END_RESIGN, 1, NULL, 0, 75000);
    assert_int_equal(matchrec_finish(db, &rs), 0);
    matchrec_t ff = start(db, b, c, 4, 76000);
    ended(&ff, MATCHREC_FINISHED, MATCHREC_END_FORFEIT, 1, log, 8, 77000);
    assert_int_equal(matchrec_finish(db, &ff), 0);
    counts(db, a, 1, 1);
    counts(db, b, 1, 2);
    counts(db, c, 1, 0);
    got = get(db, v.id, &rows);
    assert_int_equal(got.status, MATCHREC_VOID);
    assert_int_equal(got.ended_how, MATCHREC_END_VOID);
    assert_int_equal(got.winner, -1);
    assert_int_equal(got.log_len, 0);
    assert_null(got.log);
    db_rows_free(rows);
    /* lists: newest first, paged; each row reads as matchrec_get tells the game */
    assert_int_equal(matchrec_list_user(db, b, 10, 0, &rows), 0);
    assert_int_equal(db_rows_cols(rows), MATCHREC_COLS_N);
    int64_t want[] = { ff.id, rs.id, i.id, v.id, g.id };
    assert_int_equal(db_rows_count(rows), 5);
    for (int k = 0; k < 5; k++) {
        matchrec_t row, one;
        db_rows_t *r1;
        matchrec_read(rows, k, &row);
        assert_int_equal(row.id, want[k]);
        one = get(db, want[k], &r1);
        assert_null(row.log);
        assert_int_equal(row.log_len, one.log_len);
        same(&row, &one);
        db_rows_free(r1);
    }
    db_rows_free(rows);
    assert_int_equal(matchrec_list_user(db, b, 2, 1, &rows), 0);
    assert_int_equal(db_rows_count(rows), 2);
    assert_int_equal(db_rows_int(rows, 0, MATCHREC_COL_ID), rs.id);
    assert_int_equal(db_rows_int(rows, 1, MATCHREC_COL_ID), i.id);
    db_rows_free(rows);
    assert_int_equal(matchrec_list_user(db, b, 0, -5, &rows), 0);   /* clamped to 1 row from the start */
    assert_int_equal(db_rows_count(rows), 1);
    assert_int_equal(db_rows_int(rows, 0, MATCHREC_COL_ID), ff.id);
    db_rows_free(rows);
    assert_int_equal(matchrec_list_user(db, c, 10, 0, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    db_rows_free(rows);
    assert_int_equal(matchrec_export_user(db, b, &rows), 0);   /* oldest first */
    assert_int_equal(db_rows_count(rows), 5);
    assert_int_equal(db_rows_int(rows, 0, MATCHREC_COL_ID), g.id);
    assert_int_equal(db_rows_int(rows, 4, MATCHREC_COL_ID), ff.id);
    db_rows_free(rows);
    /* deletion keeps the games and counts under the placeholder name */
    assert_int_equal(profile_delete_account(db, b, 80000), 0);
    got = get(db, g.id, &rows);
    assert_string_equal(got.names[0], "ann");
    assert_string_equal(got.names[1], "Deleted user");
    assert_int_equal(got.user[1], b);
    db_rows_free(rows);
    counts(db, b, 1, 2);
    assert_int_equal(matchrec_list_user(db, a, 10, 0, &rows), 0);
    assert_int_equal(db_rows_count(rows), 4);
    db_rows_free(rows);
    /* and a deleted user cannot start a game */
    x = g;
    x.user[1] = b;
    assert_int_equal(matchrec_create(db, &x, 81000), ACCOUNT_E_NOTFOUND);
    db_close(db);
}

/* A failure after the row and the winner's count were written takes both back: a trigger
 * refuses raising the losses of the loser (who has the higher id: the winner's update ran). */
static void run_finish_atomic(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben");
    matchrec_t g = start(db, a, b, 9, 1000);
    const char *trigger = db_backend(db) == DB_SQLITE
        ? "CREATE TRIGGER t_nolose BEFORE UPDATE OF losses ON users WHEN NEW.losses > OLD.losses BEGIN SELECT RAISE(ABORT, 'no'); END"
        : "CREATE FUNCTION t_nolose() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no'; END $$ LANGUAGE plpgsql;"
          "CREATE TRIGGER t_nolose BEFORE UPDATE OF losses ON users FOR EACH ROW WHEN (NEW.losses > OLD.losses) EXECUTE FUNCTION t_nolose()";
    assert_int_equal(db->ops->script(db, trigger), 0);
    uint8_t log[8] = { 1, 2, 3, 0, 0, 0, 0, 9 };
    matchrec_t fin = g;
    ended(&fin, MATCHREC_FINISHED, MATCHREC_END_SCORE, 0, log, sizeof log, 2000);
    assert_true(matchrec_finish(db, &fin) < 0);
    counts(db, a, 0, 0);
    counts(db, b, 0, 0);
    db_rows_t *rows;
    matchrec_t got = get(db, g.id, &rows);
    assert_int_equal(got.status, MATCHREC_RUNNING);
    assert_int_equal(got.winner, -1);
    assert_int_equal(got.log_len, 0);
    db_rows_free(rows);
    /* without the trigger the same end goes through, once */
    assert_int_equal(db->ops->script(db, db_backend(db) == DB_SQLITE ? "DROP TRIGGER t_nolose" : "DROP TRIGGER t_nolose ON users"), 0);
    assert_int_equal(matchrec_finish(db, &fin), 0);
    counts(db, a, 1, 0);
    counts(db, b, 0, 1);
    assert_int_equal(matchrec_finish(db, &fin), MATCH_E_OVER);
    counts(db, a, 1, 0);
    db_close(db);
}

static void run_interrupt(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat"), d = add(db, "dan");
    int n = -1;
    assert_int_equal(matchrec_interrupt_running(db, 500, &n), 0);
    assert_int_equal(n, 0);
    matchrec_t done = start(db, a, b, 1, 1000);
    ended(&done, MATCHREC_FINISHED, MATCHREC_END_SCORE, 1, NULL, 0, 2000);
    assert_int_equal(matchrec_finish(db, &done), 0);
    matchrec_t g1 = start(db, a, b, 2, 3000), g2 = start(db, d, c, 3, 3100);
    assert_int_equal(matchrec_interrupt_running(db, 9000, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(matchrec_interrupt_running(db, 9500, NULL), 0);
    db_rows_t *rows;
    matchrec_t got = get(db, g1.id, &rows);
    assert_int_equal(got.status, MATCHREC_INTERRUPTED);
    assert_int_equal(got.ended_how, MATCHREC_END_INTERRUPTED);
    assert_int_equal(got.winner, -1);
    assert_int_equal(got.ended_at, 9000);
    db_rows_free(rows);
    got = get(db, g2.id, &rows);
    assert_int_equal(got.status, MATCHREC_INTERRUPTED);
    assert_int_equal(got.ended_at, 9000);
    db_rows_free(rows);
    got = get(db, done.id, &rows);   /* an ended game stays as it was */
    assert_int_equal(got.status, MATCHREC_FINISHED);
    assert_int_equal(got.ended_at, 2000);
    db_rows_free(rows);
    counts(db, a, 0, 1);
    counts(db, b, 1, 0);
    counts(db, c, 0, 0);
    /* the game is over for the live side too, and the players are free again */
    matchrec_t late = g1;
    ended(&late, MATCHREC_FINISHED, MATCHREC_END_SCORE, 0, NULL, 0, 9100);
    assert_int_equal(matchrec_finish(db, &late), MATCH_E_OVER);
    counts(db, a, 0, 1);
    start(db, c, a, 4, 10000);
    assert_int_equal(matchrec_interrupt_running(db, 11000, &n), 0);
    assert_int_equal(n, 1);
    db_close(db);
}

static matchrec_standing_t standing(db_t *db, int64_t u) {
    matchrec_standing_t st;
    assert_int_equal(matchrec_standing(db, u, &st), 0);
    return st;
}

/* Ratings move with the result, in the same transaction, as glicko_game says on the stored
 * values; void and interrupted games move nothing; the row keeps before/after. */
static void run_ratings(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben");
    matchrec_standing_t sa = standing(db, a);
    assert_int_equal(sa.rating_milli, 1500000);
    assert_int_equal(sa.rd_milli, 350000);
    assert_int_equal(sa.vol_micro, 60000);
    assert_int_equal(sa.rated_games, 0);
    assert_int_equal(matchrec_standing(db, 9999, &sa), ACCOUNT_E_NOTFOUND);
    /* void and interrupted: nothing */
    matchrec_t v = start(db, a, b, 1, 1000);
    ended(&v, MATCHREC_VOID, MATCHREC_END_VOID, -1, NULL, 0, 1500);
    assert_int_equal(matchrec_finish(db, &v), 0);
    matchrec_t i = start(db, a, b, 2, 2000);
    ended(&i, MATCHREC_INTERRUPTED, MATCHREC_END_INTERRUPTED, -1, NULL, 0, 2500);
    assert_int_equal(matchrec_finish(db, &i), 0);
    assert_int_equal(standing(db, a).rating_milli, 1500000);
    assert_int_equal(standing(db, b).rd_milli, 350000);
    assert_int_equal(standing(db, b).rated_games, 0);
    db_rows_t *rows;
    matchrec_t got = get(db, v.id, &rows);
    assert_false(got.rated);
    db_rows_free(rows);
    /* two wins of b (right seat), each computed from the stored values before it */
    for (int k = 0; k < 2; k++) {
        matchrec_standing_t x = standing(db, a), y = standing(db, b);
        glicko_t ga = glicko_from_stored(x.rating_milli, x.rd_milli, x.vol_micro), gb = glicko_from_stored(y.rating_milli, y.rd_milli, y.vol_micro), na, nb;
        assert_int_equal(glicko_game(&ga, &gb, 0.0, &na, &nb), 0);
        int64_t ra, da, va, rb, db_, vb;
        glicko_to_stored(&na, &ra, &da, &va);
        glicko_to_stored(&nb, &rb, &db_, &vb);
        matchrec_t g = start(db, a, b, 3 + (uint32_t)k, 3000 + k * 1000);
        ended(&g, MATCHREC_FINISHED, k ? MATCHREC_END_FORFEIT : MATCHREC_END_SCORE, 1, NULL, 0, 3500 + k * 1000);
        assert_int_equal(matchrec_finish(db, &g), 0);
        matchrec_standing_t x2 = standing(db, a), y2 = standing(db, b);
        assert_int_equal(x2.rating_milli, ra);
        assert_int_equal(x2.rd_milli, da);
        assert_int_equal(x2.vol_micro, va);
        assert_int_equal(y2.rating_milli, rb);
        assert_int_equal(y2.rd_milli, db_);
        assert_int_equal(y2.vol_micro, vb);
        assert_int_equal(x2.rated_games, k + 1);
        assert_int_equal(y2.wins, k + 1);
        assert_int_equal(x2.losses, k + 1);
        assert_true(rb > y.rating_milli && ra < x.rating_milli);
        got = get(db, g.id, &rows);
        assert_true(got.rated);
        assert_int_equal(got.rating_before[0], x.rating_milli);
        assert_int_equal(got.rating_after[0], ra);
        assert_int_equal(got.rating_before[1], y.rating_milli);
        assert_int_equal(got.rating_after[1], rb);
        db_rows_free(rows);
        /* a second end changes nothing */
        assert_int_equal(matchrec_finish(db, &g), MATCH_E_OVER);
        assert_int_equal(standing(db, b).rating_milli, rb);
    }
    /* paging figures */
    int64_t total = -1;
    assert_int_equal(matchrec_count_user(db, a, &total), 0);
    assert_int_equal(total, 4);
    matchrec_t run = start(db, a, b, 9, 9000);
    assert_int_equal(matchrec_count_user(db, a, &total), 0);
    assert_int_equal(total, 4);
    assert_int_equal(matchrec_list_running(db, 10, &rows), 0);
    assert_int_equal(db_rows_count(rows), 1);
    assert_int_equal(db_rows_int(rows, 0, MATCHREC_COL_ID), run.id);
    assert_int_equal(db_rows_int(rows, 0, MATCHREC_COLS_N), standing(db, a).rating_milli);
    assert_int_equal(db_rows_int(rows, 0, MATCHREC_COLS_N + 3), standing(db, b).rd_milli);
    db_rows_free(rows);
    db_close(db);
}

BOTH(create_finish)
BOTH(ratings)
BOTH(finish_atomic)
BOTH(interrupt)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-mrec-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_create_finish),   cmocka_unit_test(test_sqlite_finish_atomic),
        cmocka_unit_test(test_sqlite_interrupt),       cmocka_unit_test(test_postgres_create_finish),
        cmocka_unit_test(test_postgres_finish_atomic), cmocka_unit_test(test_postgres_interrupt),
        cmocka_unit_test(test_sqlite_ratings),         cmocka_unit_test(test_postgres_ratings),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
