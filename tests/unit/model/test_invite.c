/* invite: creation and its refusals, expiry, blocks either way, the list in both
 * directions, accept (the game created in the same transaction), decline, cancel, and
 * account deletion — on SQLite and (with PONGD_TEST_DATABASE_URL) PostgreSQL. */
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
#include "invite.h"
#include "profile.h"
#include "social.h"

static char sqlite_path[64];

static const db_sql_t Q_T_STATUS = { "t_status", "SELECT status, COALESCE(game_id, 0), COALESCE(answered_at, 0) FROM invites WHERE id = $1" };
static const db_sql_t Q_T_GAMES = { "t_games", "SELECT COUNT(*) FROM games" };
static const db_sql_t Q_T_GONE = { "t_gone", "UPDATE users SET deleted_at = $2 WHERE id = $1" };
static const db_sql_t Q_T_BACK = { "t_back", "UPDATE users SET deleted_at = NULL WHERE id = $1" };

enum { TTL = 300000 };

static int64_t add(db_t *db, const char *name) { return accounttest_add(db, name); }

static invite_t opts(int64_t from, int64_t to, int64_t expires) {
    invite_t in;
    memset(&in, 0, sizeof in);
    in.from_id = from;
    in.to_id = to;
    in.ball_speed = 2;
    in.paddle_size = 1;
    in.winning_score = 3;
    in.map = 2;
    in.powerups = 1;
    in.expires_at = expires;
    return in;
}

/* from invites to at now (expiring TTL later): the new id */
static int64_t invite(db_t *db, int64_t from, int64_t to, int64_t now) {
    invite_t in = opts(from, to, now + TTL);
    assert_int_equal(invite_create(db, &in, now), 0);
    assert_true(in.id > 0);
    assert_int_equal(in.status, INVITE_PENDING);
    assert_int_equal(in.created_at, now);
    return in.id;
}

/* the stored status (and game id, answered_at) of invite id */
static int status(db_t *db, int64_t id, int64_t *game, int64_t *answered) {
    db_val_t p = DB_INT(id);
    db_rows_t *r;
    assert_int_equal(db_exec(db, &Q_T_STATUS, &p, 1, &r, NULL), 0);
    assert_int_equal(db_rows_count(r), 1);
    int s = (int)db_rows_int(r, 0, 0);
    if (game) *game = db_rows_int(r, 0, 1);
    if (answered) *answered = db_rows_int(r, 0, 2);
    db_rows_free(r);
    return s;
}

static int64_t games(db_t *db) {
    db_rows_t *r;
    assert_int_equal(db_exec(db, &Q_T_GAMES, NULL, 0, &r, NULL), 0);
    int64_t n = db_rows_int(r, 0, 0);
    db_rows_free(r);
    return n;
}

/* a user marked deleted without profile_delete_account (which would cancel the invites) */
static void gone(db_t *db, int64_t u, bool yes) {
    db_val_t p[2] = { DB_INT(u), DB_INT(1) };
    assert_int_equal(db_exec(db, yes ? &Q_T_GONE : &Q_T_BACK, p, yes ? 2 : 1, NULL, NULL), 0);
}

/* uid's list at now: n rows, whose ids are ids[] */
static void listed(db_t *db, int64_t uid, int64_t now, int n, const int64_t *ids) {
    db_rows_t *r;
    assert_int_equal(invite_list(db, uid, now, &r), 0);
    assert_int_equal(db_rows_count(r), n);
    assert_int_equal(db_rows_cols(r), INVITE_COLS_N);
    for (int i = 0; i < n; i++) {
        invite_t in, in2;
        account_t from, to;
        invite_row(r, i, &in, &from, &to);
        invite_read(r, i, &in2);
        assert_int_equal(in2.id, in.id);
        assert_int_equal(from.id, in.from_id);
        assert_int_equal(to.id, in.to_id);
        assert_string_equal(from.email, "");
        assert_string_equal(from.password_hash, "");
        assert_int_equal(in.id, ids[i]);
        assert_int_equal(in.status, INVITE_PENDING);
        assert_true(in.expires_at > now);
        bool incoming = in.to_id == uid;
        assert_true(incoming || in.from_id == uid);
        assert_int_equal(db_rows_int(r, i, INVITE_COL_DIRECTION), incoming ? INVITE_INCOMING : INVITE_OUTGOING);

    }
    db_rows_free(r);
}

static void run_create_list(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat"), d = add(db, "dan");
    invite_t in = opts(a, a, 2000);
    assert_int_equal(invite_create(db, &in, 1000), INVITE_E_SELF);
    in = opts(a, 9999, 2000);
    assert_int_equal(invite_create(db, &in, 1000), ACCOUNT_E_NOTFOUND);
    in = opts(a, b, 1000);
    assert_int_equal(invite_create(db, &in, 1000), DB_EINVAL);   /* expires at once */
    /* a pending invite stops another between the two, either direction */
    int64_t ab = invite(db, a, b, 1000);
    in = opts(a, b, 1000 + TTL);
    assert_int_equal(invite_create(db, &in, 1001), INVITE_E_EXISTS);
    in = opts(b, a, 1000 + TTL);
    assert_int_equal(invite_create(db, &in, 1001), INVITE_E_EXISTS);
    /* the row as stored */
    db_rows_t *r;
    assert_int_equal(invite_list(db, b, 1002, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    invite_read(r, 0, &in);
    assert_int_equal(in.id, ab);
    assert_int_equal(in.from_id, a);
    assert_int_equal(in.to_id, b);
    assert_int_equal(in.ball_speed, 2);
    assert_int_equal(in.paddle_size, 1);
    assert_int_equal(in.winning_score, 3);
    assert_int_equal(in.map, 2);
    assert_int_equal(in.powerups, 1);
    assert_int_equal(in.game_id, 0);
    assert_int_equal(in.created_at, 1000);
    assert_int_equal(in.expires_at, 1000 + TTL);
    account_t from, to;
    invite_row(r, 0, &in, &from, &to);
    assert_int_equal(in.id, ab);
    assert_int_equal(from.id, a);
    assert_string_equal(from.username, "ann");
    assert_string_equal(from.display_name, "ann");
    assert_int_equal(to.id, b);
    assert_string_equal(to.username, "ben");
    assert_string_equal(to.display_name, "ben");
    assert_true(to.created_at > 0);
    invite_row(r, 0, &in, NULL, NULL);
    assert_int_equal(in.to_id, b);
    db_rows_free(r);
    /* both directions, oldest first; other people's invites are not listed */
    int64_t ca = invite(db, c, a, 1100);
    int64_t ad = invite(db, a, d, 1200);
    listed(db, a, 1300, 3, (int64_t[]){ ab, ca, ad });
    listed(db, b, 1300, 1, (int64_t[]){ ab });
    listed(db, c, 1300, 1, (int64_t[]){ ca });
    listed(db, d, 1300, 1, (int64_t[]){ ad });
    /* expiry: an invite past its time is not listed and no longer stops a new one */
    listed(db, a, 1000 + TTL, 2, (int64_t[]){ ca, ad });
    listed(db, b, 1000 + TTL, 0, NULL);
    int64_t ba = invite(db, b, a, 1000 + TTL);   /* the other way round, once ab expired */
    assert_int_equal(status(db, ab, NULL, NULL), INVITE_EXPIRED);
    listed(db, a, 1000 + TTL, 3, (int64_t[]){ ca, ad, ba });
    /* answered invites are not listed */
    invite_t out;
    assert_int_equal(invite_decline(db, ca, a, 1000 + TTL, &out), 0);
    listed(db, a, 1000 + TTL, 2, (int64_t[]){ ad, ba });
    listed(db, c, 1000 + TTL, 0, NULL);
    /* blocks either way: no invite, and a standing one is hidden (and comes back on unblock) */
    int64_t t = 1000 + TTL + 10;
    assert_int_equal(social_block(db, d, a, t), 0);
    listed(db, a, t, 1, (int64_t[]){ ba });
    listed(db, d, t, 0, NULL);
    assert_int_equal(status(db, ad, NULL, NULL), INVITE_PENDING);
    in = opts(d, c, t + TTL);   /* others are not concerned */
    assert_int_equal(invite_create(db, &in, t), 0);
    int64_t dc = in.id;
    assert_int_equal(social_block(db, c, b, t), 0);
    in = opts(b, c, t + TTL);
    assert_int_equal(invite_create(db, &in, t), SOCIAL_E_BLOCKED);   /* blocked by */
    in = opts(c, b, t + TTL);
    assert_int_equal(invite_create(db, &in, t), SOCIAL_E_BLOCKED);   /* blocking */
    assert_int_equal(social_unblock(db, d, a), 0);
    listed(db, a, t, 2, (int64_t[]){ ad, ba });
    /* a deleted user: invites from them refused (GONE), to them not found, theirs cancelled */
    assert_int_equal(profile_delete_account(db, d, t + 1), 0);
    in = opts(d, b, t + TTL);
    assert_int_equal(invite_create(db, &in, t + 2), ACCOUNT_E_GONE);
    in = opts(b, d, t + TTL);
    assert_int_equal(invite_create(db, &in, t + 2), ACCOUNT_E_NOTFOUND);
    assert_int_equal(status(db, ad, NULL, NULL), INVITE_CANCELLED);
    assert_int_equal(status(db, dc, NULL, NULL), INVITE_CANCELLED);
    assert_int_equal(status(db, ba, NULL, NULL), INVITE_PENDING);
    listed(db, a, t + 2, 1, (int64_t[]){ ba });
    listed(db, c, t + 2, 0, NULL);
    assert_int_equal(invite_accept(db, ad, d, 1, t + 3, &out, &(matchrec_t){ 0 }), ACCOUNT_E_GONE);
    assert_int_equal(invite_cancel(db, dc, c, t + 3, &out), INVITE_E_NOT_YOURS);
    db_close(db);
}

static void run_answers(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat");
    int64_t ab = invite(db, a, b, 1000);
    invite_t out;
    matchrec_t g;
    /* only the invitee accepts or declines, only the inviter cancels */
    assert_int_equal(invite_accept(db, 9999, b, 7, 1100, &out, &g), ACCOUNT_E_NOTFOUND);
    assert_int_equal(invite_decline(db, 9999, b, 1100, &out), ACCOUNT_E_NOTFOUND);
    assert_int_equal(invite_cancel(db, 9999, a, 1100, &out), ACCOUNT_E_NOTFOUND);
    assert_int_equal(invite_accept(db, ab, a, 7, 1100, &out, &g), INVITE_E_NOT_YOURS);
    assert_int_equal(out.id, ab);
    assert_int_equal(invite_accept(db, ab, c, 7, 1100, &out, &g), INVITE_E_NOT_YOURS);
    assert_int_equal(invite_decline(db, ab, a, 1100, &out), INVITE_E_NOT_YOURS);
    assert_int_equal(invite_decline(db, ab, c, 1100, &out), INVITE_E_NOT_YOURS);
    assert_int_equal(invite_cancel(db, ab, b, 1100, &out), INVITE_E_NOT_YOURS);
    assert_int_equal(invite_cancel(db, ab, c, 1100, &out), INVITE_E_NOT_YOURS);
    assert_int_equal(status(db, ab, NULL, NULL), INVITE_PENDING);
    assert_int_equal(games(db), 0);
    /* accept: the invite accepted, the game running with its options, linked */
    assert_int_equal(invite_accept(db, ab, b, 0xC0FFEE01u, 1200, &out, &g), 0);
    assert_int_equal(out.id, ab);
    assert_int_equal(out.status, INVITE_ACCEPTED);
    assert_true(g.id > 0);
    assert_int_equal(out.game_id, g.id);
    int64_t gid, answered;
    assert_int_equal(status(db, ab, &gid, &answered), INVITE_ACCEPTED);
    assert_int_equal(gid, g.id);
    assert_int_equal(answered, 1200);
    db_rows_t *rows;
    matchrec_t got;
    assert_int_equal(matchrec_get(db, g.id, &got, &rows), 0);
    assert_int_equal(got.user[0], a);
    assert_int_equal(got.user[1], b);
    assert_int_equal(got.mode, MATCHREC_MODE_INVITE);
    assert_int_equal(got.status, MATCHREC_RUNNING);
    assert_int_equal(got.started_at, 1200);
    assert_int_equal(got.ball_speed, 2);
    assert_int_equal(got.paddle_size, 1);
    assert_int_equal(got.winning_score, 3);
    assert_int_equal(got.map, 2);
    assert_int_equal(got.powerups, 1);
    assert_true(got.seed == 0xC0FFEE01u);
    db_rows_free(rows);
    /* answered: nothing more */
    assert_int_equal(invite_accept(db, ab, b, 7, 1300, &out, &g), INVITE_E_ANSWERED);
    assert_int_equal(invite_decline(db, ab, b, 1300, &out), INVITE_E_ANSWERED);
    assert_int_equal(invite_cancel(db, ab, a, 1300, &out), INVITE_E_ANSWERED);
    assert_int_equal(out.status, INVITE_ACCEPTED);
    assert_int_equal(games(db), 1);
    /* a player in a running game: the accept is refused and the invite stays pending */
    int64_t ca = invite(db, c, a, 1400);
    matchrec_t g2;
    assert_int_equal(invite_accept(db, ca, a, 8, 1500, &out, &g2), MATCH_E_BUSY);
    assert_int_equal(status(db, ca, &gid, &answered), INVITE_PENDING);
    assert_int_equal(gid, 0);
    assert_int_equal(answered, 0);
    assert_int_equal(games(db), 1);
    matchrec_t fin = g;
    fin.status = MATCHREC_FINISHED;
    fin.ended_how = MATCHREC_END_RESIGN;
    fin.winner = 1;
    fin.ended_at = 1600;
    assert_int_equal(matchrec_finish(db, &fin), 0);
    assert_int_equal(invite_accept(db, ca, a, 8, 1700, &out, &g2), 0);
    assert_int_equal(g2.user[0], c);
    assert_int_equal(g2.user[1], a);
    assert_int_equal(out.game_id, g2.id);
    fin = g2;
    fin.status = MATCHREC_VOID;
    fin.ended_how = MATCHREC_END_VOID;
    fin.winner = -1;
    assert_int_equal(matchrec_finish(db, &fin), 0);
    /* decline and cancel */
    int64_t bc = invite(db, b, c, 2000);
    assert_int_equal(invite_decline(db, bc, c, 2100, &out), 0);
    assert_int_equal(out.status, INVITE_DECLINED);
    assert_int_equal(status(db, bc, &gid, &answered), INVITE_DECLINED);
    assert_int_equal(answered, 2100);
    assert_int_equal(invite_cancel(db, bc, b, 2200, &out), INVITE_E_ANSWERED);
    assert_int_equal(invite_accept(db, bc, c, 1, 2200, &out, &g), INVITE_E_ANSWERED);
    int64_t cb = invite(db, c, b, 2300);
    assert_int_equal(invite_cancel(db, cb, c, 2400, &out), 0);
    assert_int_equal(out.status, INVITE_CANCELLED);
    assert_int_equal(status(db, cb, NULL, NULL), INVITE_CANCELLED);
    assert_int_equal(invite_decline(db, cb, b, 2500, &out), INVITE_E_ANSWERED);
    assert_int_equal(invite_accept(db, cb, b, 1, 2500, &out, &g), INVITE_E_ANSWERED);
    /* expiry: marked so by the first answer that comes too late, whoever answers */
    int64_t e1 = invite(db, a, b, 3000), t = 3000 + TTL;
    assert_int_equal(invite_accept(db, e1, b, 1, t, &out, &g), INVITE_E_EXPIRED);
    assert_int_equal(out.status, INVITE_EXPIRED);
    assert_int_equal(status(db, e1, &gid, &answered), INVITE_EXPIRED);
    assert_int_equal(gid, 0);
    assert_int_equal(answered, t);
    assert_int_equal(invite_accept(db, e1, b, 1, t - 1, &out, &g), INVITE_E_EXPIRED);   /* even with an earlier clock */
    assert_int_equal(invite_decline(db, e1, b, t, &out), INVITE_E_EXPIRED);
    assert_int_equal(invite_cancel(db, e1, a, t, &out), INVITE_E_EXPIRED);
    int64_t e2 = invite(db, a, b, t), t2 = t + TTL;
    assert_int_equal(invite_decline(db, e2, b, t2 + 5, &out), INVITE_E_EXPIRED);
    assert_int_equal(status(db, e2, NULL, NULL), INVITE_EXPIRED);
    int64_t e3 = invite(db, a, b, t2 + 10);
    assert_int_equal(invite_cancel(db, e3, a, t2 + 10 + TTL, &out), INVITE_E_EXPIRED);
    assert_int_equal(status(db, e3, NULL, NULL), INVITE_EXPIRED);
    assert_int_equal(games(db), 2);
    db_close(db);
}

/* Failures after the invite was marked accepted take it back: no game, still pending. */
static void run_accept_atomic(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben");
    int64_t ab = invite(db, a, b, 1000);
    invite_t out;
    matchrec_t g;
    /* the inviter's account went away (the game cannot be created) */
    gone(db, a, true);
    assert_int_equal(invite_accept(db, ab, b, 1, 1100, &out, &g), ACCOUNT_E_NOTFOUND);
    int64_t gid, answered;
    assert_int_equal(status(db, ab, &gid, &answered), INVITE_PENDING);
    assert_int_equal(gid, 0);
    assert_int_equal(answered, 0);
    assert_int_equal(games(db), 0);
    gone(db, a, false);
    /* the invitee's own account went away */
    gone(db, b, true);
    assert_int_equal(invite_accept(db, ab, b, 1, 1100, &out, &g), ACCOUNT_E_GONE);
    gone(db, b, false);
    /* a block appeared since, either way */
    assert_int_equal(social_block(db, a, b, 1150), 0);
    assert_int_equal(invite_accept(db, ab, b, 1, 1200, &out, &g), SOCIAL_E_BLOCKED);
    assert_int_equal(social_unblock(db, a, b), 0);
    assert_int_equal(social_block(db, b, a, 1250), 0);
    assert_int_equal(invite_accept(db, ab, b, 1, 1300, &out, &g), SOCIAL_E_BLOCKED);
    assert_int_equal(status(db, ab, &gid, &answered), INVITE_PENDING);
    assert_int_equal(answered, 0);
    assert_int_equal(games(db), 0);
    /* declining stays possible under a block */
    assert_int_equal(social_unblock(db, b, a), 0);
    assert_int_equal(invite_accept(db, ab, b, 1, 1400, &out, &g), 0);
    assert_int_equal(status(db, ab, &gid, NULL), INVITE_ACCEPTED);
    assert_int_equal(gid, g.id);
    assert_int_equal(games(db), 1);
    int64_t ba = invite(db, b, a, 1500);
    assert_int_equal(social_block(db, a, b, 1550), 0);
    assert_int_equal(invite_decline(db, ba, a, 1600, &out), 0);
    db_close(db);
}

BOTH(create_list)
BOTH(answers)
BOTH(accept_atomic)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-inv-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_create_list),   cmocka_unit_test(test_sqlite_answers),
        cmocka_unit_test(test_sqlite_accept_atomic), cmocka_unit_test(test_postgres_create_list),
        cmocka_unit_test(test_postgres_answers),     cmocka_unit_test(test_postgres_accept_atomic),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
