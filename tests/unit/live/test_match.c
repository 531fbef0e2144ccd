/* match: the game rooms with the ws.h and timer.h doubles and a fake clock — whole games to
 * the end with scripted inputs (and their replay from the log), resign, drop and resume (the
 * same final hash as without the drop), forfeit past the deadline, void, the pause budget,
 * waiting for a player who never comes, every refusal's close code, late inputs, the relay,
 * a newer socket replacing an older one, shutdown, one live game per account. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "live_fixture.h"
#include "match.h"
#include "matchproto.h"
#include "pongd_limits.h"
#include "timer_double.h"

#define PERIOD 16667u   /* a little more than a tick: one step per period */
#define RESUME_S 30

static uint64_t clk;
static uint64_t fake_now(void) { return clk; }

typedef struct {
    matches_t *m;
    net_timer_t *t;
    int overs;
    match_result_t r;
    uint8_t log[LIM_GAME_LOG_INPUTS * MATCH_LOG_RECORD];
} fixture_t;
static fixture_t F;

static void on_over(void *ctx, const match_result_t *r) {
    fixture_t *f = ctx;
    f->overs++;
    f->r = *r;
    assert_true(r->log_len <= sizeof f->log);
    memcpy(f->log, r->log, r->log_len);
    f->r.log = f->log;
    assert_false(match_user_busy(f->m, r->user[0]));   /* no longer live for the callback */
}

static int setup(void **state) {
    (void)state;
    clk = 5000000000ull;
    memset(&F, 0, sizeof F);
    match_deps_t d = { .secret = live_secret(), .resume_seconds = RESUME_S, .on_over = on_over, .ctx = &F, .now_us = fake_now };
    F.m = match_create(&d);
    F.t = timerd_new(match_on_timer, F.m);
    match_set_timer(F.m, F.t);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    match_destroy(F.m);
    timerd_free(F.t);
    return 0;
}

static const int64_t USERS[2] = { 11, 22 };
static const char *const NAMES[2] = { "Ann", "Bob" };

static game_options_t options(int winning) {
    game_options_t o = game_options_classic(0xC0FFEE);
    o.winning_score = winning;
    return o;
}

static void open_game(int64_t id, int winning) {
    game_options_t o = options(winning);
    assert_int_equal(match_open(F.m, id, USERS, NAMES, &o), 0);
}

static ws_conn_t *join(int64_t game, int64_t uid) {
    ws_conn_t *c = wsd_new("/ws/game/1/");
    match_on_open(F.m, c, game);
    assert_true(wsd_realtime(c));
    assert_int_equal(wsd_deadline_code(c), WSAUTH_CLOSE_CODE);
    char *tok = live_token(uid, uid == USERS[0] ? NAMES[0] : NAMES[1]);
    match_on_message(F.m, c, live_auth_frame(tok), false);
    free(tok);
    return c;
}

static void leave(ws_conn_t **c) {
    match_on_close(F.m, *c);
    wsd_free(*c);
    *c = NULL;
}

static void send_bytes(ws_conn_t *c, const void *p, size_t n) { match_on_message(F.m, c, span_of(p, n), true); }

static void send_input(ws_conn_t *c, int seat, int key, uint32_t tick) {
    uint8_t b[MATCHPROTO_INPUT_BYTES];
    matchproto_encode_input(b, MATCHPROTO_INPUT, (uint8_t)seat, (uint8_t)key, tick);
    send_bytes(c, b, sizeof b);
}

static match_info_t info(int64_t id) {
    match_info_t i;
    assert_true(match_info(F.m, id, &i));
    return i;
}

/* Fires the timer once at its armed time (false if it is not armed). */
static bool fire(void) {
    if (!timerd_armed(F.t)) return false;
    uint64_t at = timerd_armed_at(F.t);
    if (at > clk) clk = at;
    timerd_fire(F.t);
    return true;
}

/* Runs the loop until `us` later. */
static void run_for(uint64_t us) {
    uint64_t target = clk + us;
    while (timerd_armed(F.t) && timerd_armed_at(F.t) <= target) fire();
    clk = target;
}

/* Fires until game id reaches `state` (at most `max` firings). */
static void run_until_state(int64_t id, int state, int max) {
    for (int i = 0; i < max; i++) {
        match_info_t x;
        if (match_info(F.m, id, &x) && x.state == state) return;
        assert_true(fire());
    }
    fail_msg("state %d not reached", state);
}

/* The newest snapshot c was sent (fails if none). */
static void last_snapshot(const ws_conn_t *c, matchproto_snap_t *h, int32_t save[GAME_SAVE_LEN]) {
    for (int i = wsd_sent_count(c) - 1; i >= 0; i--)
        if (wsd_sent_binary(c, i) && wsd_sent_len(c, i) == MATCHPROTO_SNAPSHOT_BYTES) {
            assert_int_equal(wsd_sent_slot(c, i), 1);
            assert_true(matchproto_decode_snapshot(wsd_sent(c, i), wsd_sent_len(c, i), h, save));
            return;
        }
    fail_msg("no snapshot among %d frames", wsd_sent_count(c));
}

static int count_snapshots(const ws_conn_t *c) {
    int n = 0;
    for (int i = 0; i < wsd_sent_count(c); i++) n += wsd_sent_binary(c, i) && wsd_sent_len(c, i) == MATCHPROTO_SNAPSHOT_BYTES;
    return n;
}

/* The last text frame of c with "type" = type, or -1. */
static int find_text(const ws_conn_t *c, const char *type) {
    char want[64];
    snprintf(want, sizeof want, "\"type\":\"%s\"", type);
    for (int i = wsd_sent_count(c) - 1; i >= 0; i--)
        if (!wsd_sent_binary(c, i) && strstr(wsd_sent(c, i), want)) return i;
    return -1;
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* Re-simulates r from its options and log: the same tick count and final hash. */
static void expect_replay(const match_result_t *r) {
    game_t g;
    assert_int_equal(game_init(&g, &r->opt), GAME_OPT_OK);
    game_key_t keys[2] = { GAME_KEY_NONE, GAME_KEY_NONE };
    size_t n = r->log_len / MATCH_LOG_RECORD, i = 0;
    assert_int_equal(r->log_len % MATCH_LOG_RECORD, 0);
    uint32_t prev = 0;
    while (g.tick < r->ticks) {
        for (; i < n && rd32(r->log + i * 8) == g.tick; i++) {
            const uint8_t *e = r->log + i * 8;
            assert_true(e[4] < 2 && e[5] < 3 && e[6] == 0 && e[7] == 0);
            keys[e[4]] = (game_key_t)e[5];
        }
        game_step(&g, keys[0], keys[1]);
    }
    for (; i < n; i++) {                      /* only records of the last tick may remain */
        assert_int_equal(rd32(r->log + i * 8), r->ticks);
    }
    for (i = 0; i < n; i++) {
        assert_true(rd32(r->log + i * 8) >= prev);
        prev = rd32(r->log + i * 8);
    }
    assert_int_equal(g.tick, r->ticks);
    assert_int_equal(game_hash(&g), r->final_hash);
    assert_int_equal(g.score[0], r->score[0]);
    assert_int_equal(g.score[1], r->score[1]);
}

/* ---- scripted players ---- */

typedef struct {
    int64_t id;
    ws_conn_t *c[2];
    int last[2];
    uint32_t drop_at;             /* game tick at which seat 1 drops (0: never) */
    uint32_t quiet_from, quiet_to;/* seat 1 holds no key in [from, to) */
    bool dropped;
} players_t;

static int script(const players_t *p, int s, uint32_t t) {
    if (s == 1 && t >= p->quiet_from && t < p->quiet_to) return GAME_KEY_NONE;
    return (int)((t / (37u + 13u * (uint32_t)s) + (uint32_t)s) % 3u);
}

/* After each firing while playing: inputs stamped 2 ticks ahead when the script changes. */
static void drive(players_t *p) {
    match_info_t x;
    if (!match_info(F.m, p->id, &x) || x.state != MATCHPROTO_PLAYING) return;
    for (int s = 0; s < 2; s++) {
        int k = script(p, s, x.tick + 2);
        if (p->c[s] && k != p->last[s]) {
            send_input(p->c[s], s, k, x.tick + 2);
            p->last[s] = k;
        }
    }
    if (p->drop_at && x.tick == p->drop_at && !p->dropped) {
        p->dropped = true;
        leave(&p->c[1]);
    }
}

static void clear_sent(players_t *p) {
    for (int s = 0; s < 2; s++)
        if (p->c[s]) wsd_clear_sent(p->c[s]);
}

/* Plays game p->id to its end (or the drop); returns the firings. */
static int play(players_t *p, int max) {
    int n = 0;
    while (F.overs == 0 && n < max) {
        match_info_t x;
        if (!match_info(F.m, p->id, &x)) break;
        if (p->dropped && x.state == MATCHPROTO_PAUSED) break;
        clear_sent(p);
        if (!fire()) break;
        drive(p);
        n++;
    }
    return n;
}

static void close_all(players_t *p) {
    for (int s = 0; s < 2; s++)
        if (p->c[s]) leave(&p->c[s]);
}

/* ---- tests ---- */

static void test_join_and_countdown(void **state) {
    (void)state;
    open_game(7, 2);
    assert_int_equal(match_count(F.m), 1);
    assert_true(match_user_busy(F.m, 11) && match_user_busy(F.m, 22) && !match_user_busy(F.m, 33));
    assert_int_equal(timerd_armed_at(F.t), clk + RESUME_S * 1000000ull);   /* the waiting deadline */
    ws_conn_t *a = join(7, 11);
    assert_int_equal(wsd_close_code(a), 0);
    assert_int_equal(wsd_deadline_s(a), 0);                                  /* auth deadline disarmed */
    live_expect_field(a, 0, "type", "joined");
    json_t *o = live_sent_json(a, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "seat")), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "game_id")), 7);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "options"), "seed")), 0xC0FFEE);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(o, "players"), 1), "display_name")), "Bob");
    json_decref(o);
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(a, &h, save);
    assert_int_equal(h.state, MATCHPROTO_WAITING);
    assert_int_equal(h.left, RESUME_S * 60);
    assert_int_equal(info(7).state, MATCHPROTO_WAITING);
    ws_conn_t *b = join(7, 22);
    live_expect_field(b, 0, "type", "joined");
    last_snapshot(b, &h, save);
    assert_int_equal(h.state, MATCHPROTO_COUNTDOWN);
    assert_int_equal(h.left, MATCHPROTO_COUNTDOWN_TICKS);
    last_snapshot(a, &h, save);
    assert_int_equal(h.state, MATCHPROTO_COUNTDOWN);
    match_info_t x = info(7);
    assert_true(x.connected[0] && x.connected[1]);
    assert_int_equal(x.user[1], 22);
    /* the countdown: 180 ticks with the game frozen, then play */
    uint64_t t0 = clk;
    run_until_state(7, MATCHPROTO_PLAYING, 200);
    assert_true(clk - t0 >= 179 * 16666ull && clk - t0 <= 180 * 16667ull);
    assert_int_equal(info(7).tick, 0);
    last_snapshot(a, &h, save);
    assert_int_equal(h.state, MATCHPROTO_PLAYING);
    /* then a snapshot every 3 ticks, newest-wins slot */
    wsd_clear_sent(a);
    for (int i = 0; i < 30; i++) fire();
    assert_int_equal(info(7).tick, 30);
    assert_int_equal(count_snapshots(a), 10);
    last_snapshot(a, &h, save);
    assert_int_equal(h.tick, 30);
    game_t g;
    assert_int_equal(game_load(&g, save), GAME_OPT_OK);
    assert_int_equal(g.tick, 30);
    /* timer: armed at the next tick */
    assert_true(timerd_armed_at(F.t) > clk && timerd_armed_at(F.t) <= clk + 16667);
    leave(&a);
    leave(&b);
    assert_int_equal(F.overs, 1);                       /* both gone: void */
    assert_int_equal(F.r.reason, MATCH_END_VOID);
    assert_int_equal(match_count(F.m), 0);
    assert_false(timerd_armed(F.t));                    /* no game: no timer */
}

static void expect_whole_game(const players_t *p) {
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_SCORE);
    assert_int_equal(F.r.game_id, p->id);
    assert_true(F.r.winner == 0 || F.r.winner == 1);
    assert_int_equal(F.r.score[F.r.winner], 3);
    assert_true(F.r.score[1 - F.r.winner] < 3);
    assert_int_equal(F.r.stats.rallies, F.r.score[0] + F.r.score[1]);
    assert_true(F.r.stats.top_speed > 0);
    assert_true(F.r.stats.longest_rally <= F.r.stats.hits[0] + F.r.stats.hits[1]);
    assert_true(F.r.log_len > 0);
    assert_int_equal(F.r.user[0], 11);
    assert_true(F.r.ended_ms >= F.r.started_ms);
    assert_int_equal(F.r.opt.seed, 0xC0FFEE);
    expect_replay(&F.r);
}

static void test_whole_game(void **state) {
    (void)state;
    open_game(1, 3);
    players_t p = { .id = 1 };
    p.c[0] = join(1, 11);
    p.c[1] = join(1, 22);
    play(&p, 100000);
    expect_whole_game(&p);
    /* both sockets were told and closed, and are detached */
    for (int s = 0; s < 2; s++) {
        assert_int_equal(wsd_close_code(p.c[s]), 1000);
        matchproto_snap_t h;
        int32_t save[GAME_SAVE_LEN];
        last_snapshot(p.c[s], &h, save);                /* the last state, over */
        assert_int_equal(h.state, MATCHPROTO_OVER);
        assert_int_equal(h.tick, F.r.ticks);
        int i = find_text(p.c[s], "over");
        assert_true(i >= 0);
        live_expect_field(p.c[s], i, "reason", "score");
        json_t *o = live_sent_json(p.c[s], i);
        assert_int_equal(json_integer_value(json_object_get(o, "winner")), F.r.winner);
        json_decref(o);
    }
    assert_int_equal(match_count(F.m), 0);
    assert_false(match_info(F.m, 1, &(match_info_t){ 0 }));
    close_all(&p);
    assert_int_equal(F.overs, 1);
    /* the stats from game_step's events: hits per player sum to the rallies' hits */
    assert_true(F.r.stats.hits[0] + F.r.stats.hits[1] >= F.r.stats.longest_rally);
}

/* A drop and a resume within the deadline: the same inputs at the same ticks give the same
 * final hash as the game without the drop. */
static void test_drop_resume_same_hash(void **state) {
    (void)state;
    open_game(1, 3);
    players_t p = { .id = 1, .quiet_from = 280, .quiet_to = 360 };
    p.c[0] = join(1, 11);
    p.c[1] = join(1, 22);
    play(&p, 100000);
    expect_whole_game(&p);
    uint32_t hash = F.r.final_hash, ticks = F.r.ticks;
    assert_true(ticks > 400);
    close_all(&p);

    F.overs = 0;
    open_game(2, 3);
    players_t q = { .id = 2, .quiet_from = 280, .quiet_to = 360, .drop_at = 300 };
    q.c[0] = join(2, 11);
    q.c[1] = join(2, 22);
    play(&q, 100000);
    assert_int_equal(F.overs, 0);
    match_info_t x = info(2);
    assert_int_equal(x.state, MATCHPROTO_PAUSED);
    assert_int_equal(x.tick, 300);
    assert_false(x.connected[1]);
    int i = find_text(q.c[0], "paused");
    assert_true(i >= 0);
    json_t *o = live_sent_json(q.c[0], i);
    assert_int_equal(json_integer_value(json_object_get(o, "seat")), 1);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "disconnected");
    int64_t by = json_integer_value(json_object_get(o, "resume_by"));
    assert_true(by >= (int64_t)now_wall_ms() + (RESUME_S - 1) * 1000 && by <= (int64_t)now_wall_ms() + RESUME_S * 1000);
    json_decref(o);
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(q.c[0], &h, save);
    assert_int_equal(h.state, MATCHPROTO_PAUSED);
    assert_int_equal(h.left, RESUME_S * 60);
    /* frozen for 20 s: no step, the deadline armed */
    assert_int_equal(timerd_armed_at(F.t), clk + RESUME_S * 1000000ull);
    run_for(20000000);
    assert_int_equal(info(2).tick, 300);
    assert_int_equal(info(2).state, MATCHPROTO_PAUSED);
    /* back: joined, then for both "resumed" and one full snapshot of the countdown */
    wsd_clear_sent(q.c[0]);
    q.c[1] = join(2, 22);
    live_expect_field(q.c[1], 0, "type", "joined");
    live_expect_field(q.c[1], 1, "type", "resumed");
    assert_true(matchproto_decode_snapshot(wsd_sent(q.c[1], 2), wsd_sent_len(q.c[1], 2), &h, save));
    assert_int_equal(h.tick, 300);
    assert_int_equal(h.state, MATCHPROTO_COUNTDOWN);
    assert_int_equal(find_text(q.c[0], "resumed"), 0);
    assert_true(find_text(q.c[0], "resumed") >= 0);
    live_expect_field(q.c[0], find_text(q.c[0], "resumed"), "type", "resumed");
    last_snapshot(q.c[0], &h, save);
    assert_int_equal(h.state, MATCHPROTO_COUNTDOWN);
    assert_int_equal(h.left, 180);
    play(&q, 100000);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_SCORE);
    assert_int_equal(F.r.ticks, ticks);
    assert_int_equal(F.r.final_hash, hash);
    expect_replay(&F.r);
    close_all(&q);
}

static void test_drop_past_deadline_forfeit(void **state) {
    (void)state;
    open_game(1, 3);
    players_t p = { .id = 1, .drop_at = 100 };
    p.c[0] = join(1, 11);
    p.c[1] = join(1, 22);
    play(&p, 100000);
    assert_int_equal(info(1).state, MATCHPROTO_PAUSED);
    run_for(RESUME_S * 1000000ull - 1);
    assert_int_equal(F.overs, 0);
    run_for(1);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_FORFEIT);
    assert_int_equal(F.r.winner, 0);
    assert_int_equal(F.r.ticks, 100);
    expect_replay(&F.r);
    live_expect_field(p.c[0], find_text(p.c[0], "over"), "reason", "forfeit");
    assert_int_equal(wsd_close_code(p.c[0]), 1000);
    /* too late: the game is gone */
    ws_conn_t *late = join(1, 22);
    assert_int_equal(wsd_close_code(late), MATCHPROTO_CLOSE_NO_GAME);
    leave(&late);
    close_all(&p);
    assert_false(timerd_armed(F.t));
}

static void test_both_gone_void(void **state) {
    (void)state;
    open_game(1, 3);
    players_t p = { .id = 1, .drop_at = 50 };
    p.c[0] = join(1, 11);
    p.c[1] = join(1, 22);
    play(&p, 100000);
    assert_int_equal(info(1).state, MATCHPROTO_PAUSED);
    leave(&p.c[0]);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_VOID);
    assert_int_equal(F.r.winner, -1);
    expect_replay(&F.r);
}

static void test_pause_budget(void **state) {
    (void)state;
    open_game(1, 21);
    ws_conn_t *a = join(1, 11), *b = join(1, 22);
    run_until_state(1, MATCHPROTO_PLAYING, 200);
    for (int i = 0; i < LIM_GAME_PAUSES; i++) {
        for (int k = 0; k < 10; k++) fire();
        leave(&b);
        assert_int_equal(info(1).state, MATCHPROTO_PAUSED);
        run_for(5000000);
        b = join(1, 22);
        assert_int_equal(info(1).state, MATCHPROTO_COUNTDOWN);
        run_until_state(1, MATCHPROTO_PLAYING, 200);
        wsd_clear_sent(a);
        wsd_clear_sent(b);
    }
    uint32_t t = info(1).tick;
    assert_int_equal(t, 10 * LIM_GAME_PAUSES);
    leave(&b);                                        /* the 4th drop */
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_FORFEIT);
    assert_int_equal(F.r.winner, 0);
    assert_int_equal(wsd_close_code(a), 1000);
    leave(&a);
}

/* The other seat's drops are its own: A's budget is untouched by B's. */
static void test_pause_budget_per_player(void **state) {
    (void)state;
    open_game(1, 21);
    ws_conn_t *a = join(1, 11), *b = join(1, 22);
    run_until_state(1, MATCHPROTO_PLAYING, 200);
    for (int i = 0; i < 2 * LIM_GAME_PAUSES; i++) {
        ws_conn_t **who = i % 2 ? &a : &b;
        leave(who);
        *who = join(1, i % 2 ? 11 : 22);
        run_until_state(1, MATCHPROTO_PLAYING, 200);
        wsd_clear_sent(a);
        wsd_clear_sent(b);
    }
    assert_int_equal(F.overs, 0);
    leave(&a);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.winner, 1);
    leave(&b);
}

static void test_waiting_no_show(void **state) {
    (void)state;
    open_game(1, 3);
    ws_conn_t *a = join(1, 11);
    run_for(RESUME_S * 1000000ull - 1);
    assert_int_equal(F.overs, 0);
    run_for(1);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_FORFEIT);
    assert_int_equal(F.r.winner, 0);
    assert_int_equal(F.r.ticks, 0);
    leave(&a);
    /* nobody at all: void; a player who came and left counts as gone */
    F.overs = 0;
    open_game(2, 3);
    ws_conn_t *b = join(2, 22);
    leave(&b);
    assert_int_equal(F.overs, 0);
    assert_int_equal(info(2).state, MATCHPROTO_WAITING);
    run_for(RESUME_S * 1000000ull);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_VOID);
    assert_int_equal(F.r.winner, -1);
    assert_false(timerd_armed(F.t));
}

static void test_resign(void **state) {
    (void)state;
    open_game(1, 3);
    ws_conn_t *a = join(1, 11), *b = join(1, 22);
    run_until_state(1, MATCHPROTO_PLAYING, 200);
    for (int k = 0; k < 20; k++) fire();
    assert_int_equal(match_resign(F.m, 1, 33), MATCH_E_NOT_PLAYER);
    assert_int_equal(match_resign(F.m, 9, 11), MATCH_E_OVER);
    assert_int_equal(match_resign(F.m, 1, 22), 0);
    assert_int_equal(F.overs, 1);
    assert_int_equal(F.r.reason, MATCH_END_RESIGN);
    assert_int_equal(F.r.winner, 0);
    assert_int_equal(F.r.ticks, 20);
    assert_int_equal(match_resign(F.m, 1, 22), MATCH_E_OVER);
    for (int s = 0; s < 2; s++) {
        ws_conn_t *c = s ? b : a;
        live_expect_field(c, find_text(c, "over"), "reason", "resign");
        assert_int_equal(wsd_close_code(c), 1000);
    }
    /* a message after the end is ignored; the close frees its record */
    send_input(a, 0, 1, 20);
    leave(&a);
    leave(&b);
    assert_int_equal(F.overs, 1);
}

static void test_stop_all(void **state) {
    (void)state;
    open_game(1, 3);
    const int64_t others[2] = { 33, 44 };
    game_options_t o = options(5);
    assert_int_equal(match_open(F.m, 2, others, NULL, &o), 0);
    ws_conn_t *a = join(1, 11), *b = join(1, 22);
    run_until_state(1, MATCHPROTO_PLAYING, 200);
    match_stop_all(F.m);
    assert_int_equal(F.overs, 2);
    assert_int_equal(F.r.reason, MATCH_END_INTERRUPTED);
    assert_int_equal(F.r.winner, -1);
    live_expect_field(a, find_text(a, "over"), "reason", "interrupted");
    json_t *ov = live_sent_json(b, find_text(b, "over"));
    assert_true(json_is_null(json_object_get(ov, "winner")));
    json_decref(ov);
    assert_int_equal(wsd_close_code(b), 1000);
    assert_int_equal(match_count(F.m), 0);
    assert_false(timerd_armed(F.t));
    leave(&a);
    leave(&b);
}

static void test_one_game_per_account(void **state) {
    (void)state;
    open_game(1, 3);
    game_options_t o = options(3);
    const int64_t u1[2] = { 22, 33 }, u2[2] = { 33, 44 }, same[2] = { 33, 33 };
    assert_int_equal(match_open(F.m, 2, u1, NAMES, &o), MATCH_E_BUSY);
    assert_int_equal(match_open(F.m, 1, u2, NAMES, &o), ERR_INVALID);   /* id already live */
    assert_int_equal(match_open(F.m, 2, same, NAMES, &o), ERR_INVALID);
    o.winning_score = 0;
    assert_int_equal(match_open(F.m, 2, u2, NAMES, &o), ERR_INVALID);
    o.winning_score = 3;
    assert_int_equal(match_open(F.m, 2, u2, NAMES, &o), 0);
    assert_int_equal(match_count(F.m), 2);
    assert_int_equal(match_resign(F.m, 1, 11), 0);
    assert_int_equal(match_open(F.m, 3, u1, NAMES, &o), MATCH_E_BUSY);  /* 33 still plays */
    const int64_t u3[2] = { 22, 11 };
    assert_int_equal(match_open(F.m, 3, u3, NAMES, &o), 0);             /* free again */
    match_stop_all(F.m);
}

/* Opens game 1, seats both, plays `ticks` ticks; *a and *b are the sockets, cleared. */
static void playing(ws_conn_t **a, ws_conn_t **b, int ticks) {
    open_game(1, 21);
    *a = join(1, 11);
    *b = join(1, 22);
    run_until_state(1, MATCHPROTO_PLAYING, 200);
    for (int k = 0; k < ticks; k++) fire();
    wsd_clear_sent(*a);
    wsd_clear_sent(*b);
}

static void expect_refusal(const uint8_t *p, size_t n, bool binary, int code) {
    ws_conn_t *a, *b;
    playing(&a, &b, 10);
    match_on_message(F.m, a, span_of((const char *)p, n), binary);
    if (wsd_close_code(a) != code) fail_msg("closed %d, wanted %d", wsd_close_code(a), code);
    assert_string_equal(wsd_close_reason(a), matchproto_close_reason(code));
    /* a refusal is a drop: the game pauses at once for the other */
    assert_int_equal(info(1).state, MATCHPROTO_PAUSED);
    assert_true(find_text(b, "paused") >= 0);
    send_input(a, 0, 1, 10);                       /* ignored after the refusal */
    leave(&b);                                     /* the game ends (void) and is freed first */
    assert_int_equal(F.overs, 1);
    leave(&a);
    assert_int_equal(F.overs, 1);
    F.overs = 0;
}

static void test_refusals(void **state) {
    (void)state;
    uint8_t b[80];
    matchproto_encode_input(b, MATCHPROTO_INPUT, 1, 1, 10);
    expect_refusal(b, 8, true, MATCHPROTO_CLOSE_SEAT);
    matchproto_encode_input(b, MATCHPROTO_INPUT, 0, 1, 10 + LIM_GAME_AHEAD_TICKS + 1);
    expect_refusal(b, 8, true, MATCHPROTO_CLOSE_AHEAD);
    matchproto_encode_input(b, MATCHPROTO_INPUT, 0, 3, 10);
    expect_refusal(b, 8, true, MATCHPROTO_CLOSE_MALFORMED);
    expect_refusal(b, 7, true, MATCHPROTO_CLOSE_MALFORMED);
    memset(b, 0, sizeof b);
    expect_refusal(b, LIM_GAME_FRAME_BYTES + 1, true, MATCHPROTO_CLOSE_TOO_LARGE);
    expect_refusal((const uint8_t *)"{\"type\":\"auth\"}", 15, false, MATCHPROTO_CLOSE_MALFORMED);  /* text after auth */
    /* ahead by exactly the limit: accepted */
    ws_conn_t *x, *y;
    playing(&x, &y, 10);
    send_input(x, 0, 1, 10 + LIM_GAME_AHEAD_TICKS);
    assert_int_equal(wsd_close_code(x), 0);
    leave(&x);
    leave(&y);
    F.overs = 0;
}

static void test_flood(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 10);
    uint8_t ping[MATCHPROTO_PING_BYTES];
    matchproto_encode_ping(ping, 50, 1);
    /* 120 frames in a second pass (pings answered), the 121st within the same second does not */
    for (int i = 0; i < LIM_GAME_FRAMES_PER_S; i++) {
        send_bytes(a, ping, sizeof ping);
        clk += 8000;
    }
    assert_int_equal(wsd_close_code(a), 0);
    clk += 1000000 - 8000 * LIM_GAME_FRAMES_PER_S - 1;          /* 1 µs less than a second after the first */
    send_bytes(a, ping, sizeof ping);
    assert_int_equal(wsd_close_code(a), MATCHPROTO_CLOSE_FLOOD);
    leave(&a);
    leave(&b);
    /* at 120 per second for 3 s: never refused */
    F.overs = 0;
    playing(&a, &b, 10);
    for (int i = 0; i < 3 * LIM_GAME_FRAMES_PER_S; i++) {
        send_bytes(a, ping, sizeof ping);
        clk += 1000000 / LIM_GAME_FRAMES_PER_S + 1;
        wsd_clear_sent(a);
    }
    assert_int_equal(wsd_close_code(a), 0);
    leave(&a);
    leave(&b);
}

static void test_auth_refusals(void **state) {
    (void)state;
    open_game(1, 3);
    ws_conn_t *c = join(1, 33);                        /* not a player: a spectator (test_spectators) */
    assert_int_equal(wsd_close_code(c), 0);
    live_expect_field(c, 0, "type", "watching");
    leave(&c);
    c = join(2, 11);
    assert_int_equal(wsd_close_code(c), MATCHPROTO_CLOSE_NO_GAME);
    leave(&c);
    c = wsd_new("/ws/game/1/");
    match_on_open(F.m, c, 1);
    match_on_message(F.m, c, SPAN_LIT("not json"), false);
    assert_int_equal(wsd_close_code(c), WSAUTH_CLOSE_CODE);
    uint8_t in[8];
    matchproto_encode_input(in, MATCHPROTO_INPUT, 0, 1, 0);
    send_bytes(c, in, sizeof in);                      /* ignored */
    leave(&c);
    c = wsd_new("/ws/game/1/");
    match_on_open(F.m, c, 1);
    send_bytes(c, in, sizeof in);                      /* binary before auth */
    assert_int_equal(wsd_close_code(c), WSAUTH_CLOSE_CODE);
    leave(&c);
    c = wsd_new("/ws/game/1/");
    match_on_open(F.m, c, 1);
    leave(&c);                                         /* closed before auth */
    assert_int_equal(info(1).state, MATCHPROTO_WAITING);
    match_stop_all(F.m);
}

/* A user who is not a player watches: "watching", a full snapshot, then snapshots at half the
 * players' rate while playing (and on every state change); the count reaches everyone; an
 * INPUT closes the spectator 4409 (the game goes on), a PING gets a PONG; the end tells and
 * closes the spectators too. */
static void test_spectators(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 0);
    ws_conn_t *s1 = join(1, 33);
    assert_int_equal(wsd_close_code(s1), 0);
    live_expect_field(s1, 0, "type", "watching");
    json_t *w = live_sent_json(s1, 0);
    assert_int_equal(json_integer_value(json_object_get(w, "spectators")), 1);
    assert_int_equal(json_integer_value(json_object_get(w, "snapshot_every")), MATCHPROTO_SPECTATE_EVERY);
    assert_null(json_object_get(w, "seat"));
    json_decref(w);
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(s1, &h, save);                       /* in full at once */
    assert_int_equal(h.state, MATCHPROTO_PLAYING);
    assert_int_equal(h.late, 0);
    /* the count reaches the players and the spectator */
    assert_true(find_text(a, "spectators") >= 0);
    assert_true(find_text(b, "spectators") >= 0);
    assert_true(find_text(s1, "spectators") >= 0);
    assert_int_equal(info(1).spectators, 1);
    ws_conn_t *s2 = join(1, 44);
    assert_int_equal(info(1).spectators, 2);
    json_t *cnt = live_sent_json(a, find_text(a, "spectators"));
    assert_int_equal(json_integer_value(json_object_get(cnt, "count")), 2);
    json_decref(cnt);
    /* snapshots while playing: spectators every 6 ticks, players every 3 */
    wsd_clear_sent(a);
    wsd_clear_sent(s1);
    for (int k = 0; k < 36; k++) fire();
    assert_int_equal(count_snapshots(a), 12);
    assert_int_equal(count_snapshots(s1), 6);
    last_snapshot(s1, &h, save);
    assert_int_equal(h.tick % MATCHPROTO_SPECTATE_EVERY, 0);
    /* PING: a PONG; INPUT: closed 4409, the game goes on, the count drops */
    uint8_t ping[MATCHPROTO_PING_BYTES];
    matchproto_encode_ping(ping, 0, 7);
    send_bytes(s1, ping, sizeof ping);
    size_t len;
    const char *last = wsd_last(s1, &len);
    assert_int_equal(len, MATCHPROTO_PONG_BYTES);
    assert_int_equal((uint8_t)last[0], MATCHPROTO_PONG);
    assert_int_equal(wsd_close_code(s1), 0);
    send_input(s1, 0, GAME_KEY_UP, info(1).tick + 1);
    assert_int_equal(wsd_close_code(s1), MATCHPROTO_CLOSE_REPLACED);
    assert_string_equal(wsd_close_reason(s1), MATCHPROTO_SPECTATOR_REASON);
    assert_int_equal(info(1).state, MATCHPROTO_PLAYING);
    assert_int_equal(info(1).spectators, 1);
    cnt = live_sent_json(b, find_text(b, "spectators"));
    assert_int_equal(json_integer_value(json_object_get(cnt, "count")), 1);
    json_decref(cnt);
    fire();
    assert_int_equal(info(1).state, MATCHPROTO_PLAYING);
    leave(&s1);
    assert_int_equal(info(1).spectators, 1);
    /* a drop pauses the game: the state-change snapshot reaches the spectator at once */
    wsd_clear_sent(s2);
    leave(&b);
    last_snapshot(s2, &h, save);
    assert_int_equal(h.state, MATCHPROTO_PAUSED);
    /* the end: the spectator gets the last snapshot and over, and is closed 1000 */
    assert_int_equal(match_resign(F.m, 1, USERS[0]), 0);
    assert_true(find_text(s2, "over") >= 0);
    assert_int_equal(wsd_close_code(s2), 1000);
    leave(&s2);
    leave(&a);
    /* an over game: no watching (4004) */
    ws_conn_t *late = join(1, 33);
    assert_int_equal(wsd_close_code(late), MATCHPROTO_CLOSE_NO_GAME);
    leave(&late);
}

static void test_replaced(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 10);
    ws_conn_t *a2 = join(1, 11);
    assert_int_equal(wsd_close_code(a), MATCHPROTO_CLOSE_REPLACED);
    assert_int_equal(wsd_close_code(a2), 0);
    live_expect_field(a2, 0, "type", "joined");
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(a2, &h, save);
    assert_int_equal(h.state, MATCHPROTO_PLAYING);
    assert_int_equal(h.tick, 10);
    /* the old socket's close is not a drop */
    leave(&a);
    assert_int_equal(info(1).state, MATCHPROTO_PLAYING);
    assert_true(info(1).connected[0]);
    fire();
    assert_int_equal(info(1).tick, 11);
    send_input(a2, 0, GAME_KEY_UP, 12);
    for (int k = 0; k < 4; k++) fire();                /* the snapshot of tick 15: stepped with it */
    last_snapshot(a2, &h, save);
    assert_int_equal(h.key[0], GAME_KEY_UP);
    leave(&a2);
    leave(&b);
}

static void test_late_input_and_relay(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 30);
    assert_int_equal(info(1).tick, 30);
    send_input(a, 0, GAME_KEY_DOWN, 25);               /* 5 ticks late */
    fire();                                            /* applied at 30 */
    /* relayed to the opponent with the tick it was applied at */
    int relays = 0;
    for (int i = 0; i < wsd_sent_count(b); i++)
        if (wsd_sent_binary(b, i) && wsd_sent_len(b, i) == MATCHPROTO_RELAY_BYTES) {
            const uint8_t *r = (const uint8_t *)wsd_sent(b, i);
            assert_int_equal(r[0], MATCHPROTO_RELAY);
            assert_int_equal(r[1], 0);
            assert_int_equal(r[2], GAME_KEY_DOWN);
            assert_int_equal(rd32(r + 4), 30);
            relays++;
        }
    assert_int_equal(relays, 1);
    for (int i = 0; i < wsd_sent_count(a); i++) assert_false(wsd_sent_len(a, i) == MATCHPROTO_RELAY_BYTES && wsd_sent_binary(a, i));
    fire();
    fire();                                            /* tick 33: a snapshot */
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(a, &h, save);
    assert_int_equal(h.tick, 33);
    assert_int_equal(h.late, 5);
    assert_int_equal(h.ack[0], 30);
    assert_int_equal(h.key[0], GAME_KEY_DOWN);
    last_snapshot(b, &h, save);
    assert_int_equal(h.late, 0);                       /* b's own: none */
    /* early: reported negative, applied at its tick */
    send_input(a, 0, GAME_KEY_UP, 40);
    for (int k = 0; k < 3; k++) fire();                /* tick 36 */
    last_snapshot(a, &h, save);
    assert_int_equal(h.late, -7);
    assert_int_equal(h.key[0], GAME_KEY_DOWN);
    for (int k = 0; k < 6; k++) fire();                /* tick 42 */
    last_snapshot(a, &h, save);
    assert_int_equal(h.key[0], GAME_KEY_UP);
    assert_int_equal(h.ack[0], 40);
    /* a late one stays reported until a snapshot took it, even behind an early one */
    send_input(a, 0, GAME_KEY_NONE, 38);               /* late by 4 */
    send_input(a, 0, GAME_KEY_DOWN, 50);               /* early */
    for (int k = 0; k < 3; k++) fire();
    last_snapshot(a, &h, save);
    assert_int_equal(h.late, 4);
    /* two inputs for the same tick: the last one wins; a repeat of the key in force is no change */
    send_input(b, 1, GAME_KEY_UP, 60);
    send_input(b, 1, GAME_KEY_DOWN, 60);
    send_input(b, 1, GAME_KEY_DOWN, 62);
    for (int k = 0; k < 20; k++) fire();
    match_stop_all(F.m);
    size_t n = F.r.log_len / 8;
    int seat1 = 0;
    for (size_t i = 0; i < n; i++)
        if (F.log[i * 8 + 4] == 1) {
            seat1++;
            assert_int_equal(rd32(F.log + i * 8), 60);
            assert_int_equal(F.log[i * 8 + 5], GAME_KEY_DOWN);
        }
    assert_int_equal(seat1, 1);
    expect_replay(&F.r);
    leave(&a);
    leave(&b);
}

static void test_ping_pong(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 7);
    uint8_t p[MATCHPROTO_PING_BYTES];
    matchproto_encode_ping(p, 120, 77);
    send_bytes(b, p, sizeof p);
    size_t n;
    const uint8_t *r = (const uint8_t *)wsd_last(b, &n);
    assert_int_equal(n, MATCHPROTO_PONG_BYTES);
    const uint8_t want[] = { 0x12, 0, 0, 0, 77, 0, 0, 0, 7, 0, 0, 0 };   /* a's rtt unknown yet */
    assert_memory_equal(r, want, sizeof want);
    matchproto_encode_ping(p, 45, 78);
    send_bytes(a, p, sizeof p);
    r = (const uint8_t *)wsd_last(a, &n);
    const uint8_t want2[] = { 0x12, 0, 120, 0, 78, 0, 0, 0, 7, 0, 0, 0 };
    assert_memory_equal(r, want2, sizeof want2);
    leave(&a);
    leave(&b);
}

/* A drop lets go of the player's key: logged, and the replay still holds. */
static void test_drop_lets_go(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 10);
    send_input(b, 1, GAME_KEY_UP, 11);
    for (int k = 0; k < 5; k++) fire();
    send_input(b, 1, GAME_KEY_DOWN, 25);               /* pending when it drops: dropped with it */
    leave(&b);
    assert_int_equal(info(1).tick, 15);
    b = join(1, 22);
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(b, &h, save);
    assert_int_equal(h.key[1], GAME_KEY_NONE);
    run_until_state(1, MATCHPROTO_PLAYING, 200);
    for (int k = 0; k < 15; k++) fire();
    last_snapshot(b, &h, save);
    assert_int_equal(h.tick, 30);
    assert_int_equal(h.key[1], GAME_KEY_NONE);
    match_resign(F.m, 1, 11);
    assert_int_equal(F.r.log_len, 16);
    assert_int_equal(rd32(F.log + 8), 15);
    assert_int_equal(F.log[8 + 5], GAME_KEY_NONE);
    expect_replay(&F.r);
    leave(&a);
    leave(&b);
}

/* A late wake-up: the steps are caught up, none skipped. */
static void test_catch_up(void **state) {
    (void)state;
    ws_conn_t *a, *b;
    playing(&a, &b, 3);
    clk = timerd_armed_at(F.t) + 10 * 16667;           /* the loop was 10 ticks late */
    timerd_fire(F.t);
    assert_int_equal(info(1).tick, 3 + 11);
    matchproto_snap_t h;
    int32_t save[GAME_SAVE_LEN];
    last_snapshot(a, &h, save);
    assert_int_equal(h.tick, 14);                      /* one snapshot per batch, of the newest state */
    assert_int_equal(count_snapshots(a), 1);
    assert_true(match_tick_stats(F.m)->max_us >= 10 * 16666);
    match_stop_all(F.m);
    leave(&a);
    leave(&b);
}

/* The input log is bounded: past its maximum the game is void (lowered to 40 here). */
static void test_log_limit(void **state) {
    (void)state;
    teardown(state);
    setup(state);
    match_destroy(F.m);
    match_deps_t d = { .secret = live_secret(), .timer = F.t, .resume_seconds = RESUME_S, .on_over = on_over, .ctx = &F,
                       .now_us = fake_now, .log_max = 40 };
    F.m = match_create(&d);
    timerd_free(F.t);
    F.t = timerd_new(match_on_timer, F.m);
    match_set_timer(F.m, F.t);
    ws_conn_t *a, *b;
    playing(&a, &b, 1);
    uint32_t changes = 0;
    while (F.overs == 0) {
        uint32_t t = info(1).tick;
        send_input(a, 0, 1 + (int)(changes / 2 % 2), t);
        send_input(b, 1, 1 + (int)(changes / 2 % 2), t);
        changes += 2;
        fire();
        wsd_clear_sent(a);
        wsd_clear_sent(b);
        if (changes >= 100) fail_msg("tick %u overs %d state %d", info(1).tick, F.overs, info(1).state);
    }
    assert_int_equal(F.r.reason, MATCH_END_VOID);
    assert_int_equal(F.r.log_len, 40 * MATCH_LOG_RECORD);
    expect_replay(&F.r);
    leave(&a);
    leave(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_join_and_countdown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_game, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_resume_same_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_past_deadline_forfeit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_both_gone_void, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_budget_per_player, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_no_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_game_per_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spectators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_input_and_relay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ping_pong, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_lets_go, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
