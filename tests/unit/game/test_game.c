/* game: the deterministic Pong simulation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "game.h"
#include "gmath.h"

#define PX GAME_UNIT

/* A classic game with the ball in play at (x, y) px moving (vx, vy) units per step. */
static game_t playing(int32_t x, int32_t y, int32_t vx, int32_t vy) {
    game_options_t o = game_options_classic(1);
    game_t g;
    assert_int_equal(game_init(&g, &o), GAME_OPT_OK);
    g.status = GAME_PLAYING;
    g.ball_x = x * PX;
    g.ball_y = y * PX;
    g.ball_vx = vx;
    g.ball_vy = vy;
    return g;
}

/* Steps with no keys until `mask` shows up; returns its step number, -1 after `max`. */
static int step_until(game_t *g, uint32_t mask, int max, uint32_t *ev_out) {
    for (int i = 1; i <= max; i++) {
        uint32_t ev = game_step(g, GAME_KEY_NONE, GAME_KEY_NONE);
        if (ev & mask) {
            if (ev_out) *ev_out = ev;
            return i;
        }
    }
    return -1;
}

static void centre_paddle_on(game_t *g, int side, int32_t ball_center_y) {
    g->paddle_y[side] = ball_center_y - g->paddle_h[side] / 2;
}

static void test_options(void **state) {
    (void)state;
    game_options_t o = game_options_classic(9);
    assert_int_equal(game_options_validate(&o), GAME_OPT_OK);
    assert_int_equal(o.winning_score, 5);
    assert_int_equal(o.map, GAME_MAP_CLASSIC);
    assert_int_equal(o.powerups, 0);
    game_options_t bad = o;
    bad.ball_speed = 3;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_BAD_SPEED);
    bad = o;
    bad.paddle_size = -1;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_BAD_PADDLE);
    bad = o;
    bad.winning_score = 0;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_BAD_SCORE);
    bad.winning_score = 22;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_BAD_SCORE);
    bad.winning_score = 21;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_OK);
    bad = o;
    bad.map = GAME_MAP_COUNT;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_BAD_MAP);
    bad = o;
    bad.powerups = 2;
    assert_int_equal(game_options_validate(&bad), GAME_OPT_BAD_POWERUPS);
    assert_string_equal(game_opt_err_str(GAME_OPT_BAD_SCORE), "winning score must be between 1 and 21");
    /* an invalid set leaves the game untouched */
    game_t g;
    assert_int_equal(game_init(&g, &o), GAME_OPT_OK);
    uint32_t before = game_hash(&g);
    bad.map = 99;
    assert_int_equal(game_init(&g, &bad), GAME_OPT_BAD_MAP);
    assert_int_equal(game_hash(&g), before);
}

static void test_wall_bounces(void **state) {
    (void)state;
    /* towards the top wall: the ball is mirrored, vy flips, the event is reported */
    game_t g = playing(400, 3, 2 * PX, -5 * PX);
    uint32_t ev = game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
    assert_true(ev & GAME_EV_WALL);
    assert_int_equal(g.ball_y, 2 * PX);         /* 3 - 5 = -2, mirrored to 2 */
    assert_int_equal(g.ball_vy, 5 * PX);
    assert_int_equal(g.ball_vx, 2 * PX);
    /* bottom wall */
    g = playing(400, 600 - 12 - 2, 2 * PX, 6 * PX);
    ev = game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
    assert_true(ev & GAME_EV_WALL);
    assert_int_equal(g.ball_y, (600 - 12 - 4) * PX);
    assert_int_equal(g.ball_vy, -6 * PX);
    /* the ball never leaves the field vertically, at any speed */
    g = playing(400, 300, 0, 0);
    g.ball_vx = 3 * PX;
    g.ball_vy = g.speed_cap;
    g.fast_steps = 100;
    for (int i = 0; i < 200; i++) {
        game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
        assert_true(g.ball_y >= 0 && g.ball_y <= GAME_FIELD_H - GAME_BALL_SIZE);
        if (g.status != GAME_PLAYING) break;
    }
}

static void test_angle_by_contact_point(void **state) {
    (void)state;
    int32_t s = 8 * PX, h = 84 * PX, vx, vy;
    game_bounce_velocity(s, 0, h, 1, &vx, &vy);
    assert_int_equal(vx, s);                  /* dead centre: straight back */
    assert_int_equal(vy, 0);
    int32_t prev_vy = 0;
    for (int32_t off = 4 * PX; off <= 48 * PX; off += 4 * PX) {   /* further out: steeper */
        game_bounce_velocity(s, off, h, 1, &vx, &vy);
        assert_true(vy >= prev_vy);
        assert_true(vx > 0);
        prev_vy = vy;
        int32_t vx2, vy2;
        game_bounce_velocity(s, -off, h, -1, &vx2, &vy2);   /* mirror image */
        assert_int_equal(vx2, -vx);
        assert_int_equal(vy2, -vy);
    }
    /* the edge gives 60 degrees: vy = s * sin 60, vx = s / 2 */
    game_bounce_velocity(s, 48 * PX, h, 1, &vx, &vy);
    assert_int_equal(vx, s / 2);
    assert_true(vy > s * 86 / 100 && vy < s * 87 / 100);
    /* past the edge it stays at 60 degrees */
    int32_t vx3, vy3;
    game_bounce_velocity(s, 90 * PX, h, 1, &vx3, &vy3);
    assert_int_equal(vx3, vx);
    assert_int_equal(vy3, vy);
    /* speed is preserved (to rounding) at every angle */
    for (int32_t off = 0; off <= 48 * PX; off += PX) {
        game_bounce_velocity(s, off, h, 1, &vx, &vy);
        int64_t m2 = (int64_t)vx * vx + (int64_t)vy * vy, s2 = (int64_t)s * s;
        assert_true(m2 <= s2 && m2 >= s2 - 2 * (int64_t)s * 2);
    }
}

static void test_paddle_hit_in_game(void **state) {
    (void)state;
    /* the ball meets the right paddle 20 px below its centre: it goes back left and down */
    game_t g = playing(700, 300, 6 * PX, 0);
    centre_paddle_on(&g, 1, 300 * PX + GAME_BALL_SIZE / 2 - 20 * PX);
    uint32_t ev;
    int t = step_until(&g, GAME_EV_HIT_RIGHT, 100, &ev);
    assert_true(t > 0);
    assert_true(g.ball_vx < 0);
    assert_true(g.ball_vy > 0);
    assert_int_equal(g.ball_x, game_contact_x(1));
    assert_int_equal(g.last_hitter, 1);
    assert_int_equal(g.rally_hits, 1);
    /* and 20 px above centre on the left paddle: right and up */
    g = playing(100, 300, -6 * PX, 0);
    centre_paddle_on(&g, 0, 300 * PX + GAME_BALL_SIZE / 2 + 20 * PX);
    assert_true(step_until(&g, GAME_EV_HIT_LEFT, 100, NULL) > 0);
    assert_true(g.ball_vx > 0);
    assert_true(g.ball_vy < 0);
    assert_int_equal(g.last_hitter, 0);
}

static void test_speed_up_and_cap(void **state) {
    (void)state;
    game_t g = playing(400, 300, 0, 0);
    int32_t expected = g.speed_base, hits = 0;
    g.ball_vx = g.speed_base;
    g.ball_speed = g.speed_base;
    /* both paddles follow the ball exactly: a long rally */
    for (int i = 0; i < 20000 && hits < 30; i++) {
        int32_t c = g.ball_y + GAME_BALL_SIZE / 2;
        centre_paddle_on(&g, 0, c);
        centre_paddle_on(&g, 1, c);
        uint32_t ev = game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
        if (ev & (GAME_EV_HIT_LEFT | GAME_EV_HIT_RIGHT)) {
            hits++;
            expected += game_speed_step(&g);
            if (expected > g.speed_cap) expected = g.speed_cap;
            assert_int_equal(g.ball_speed, expected);
        }
        assert_int_equal(g.status, GAME_PLAYING);
    }
    assert_int_equal(hits, 30);
    assert_int_equal(g.ball_speed, g.speed_cap);
    assert_int_equal(g.speed_cap, 4 * g.speed_base);
}

/* At the cap with the fast effect on, from every height and angle, the ball never gets
 * through a paddle: it is returned, or it passes beside the paddle, never through it. */
static void test_no_tunnelling_at_cap(void **state) {
    (void)state;
    for (int side = 0; side < 2; side++) {
        for (int32_t k = -16; k <= 16; k += 2) {
            for (int32_t y = 40; y < 560; y += 7) {
                game_t g = playing(400, y, 0, 0);
                g.ball_speed = g.speed_cap;
                g.fast_steps = 1000;
                /* aim so the ball arrives at the paddle's middle at this angle */
                game_bounce_velocity(g.speed_cap, k * 3 * PX, g.paddle_h[0], side ? 1 : -1, &g.ball_vx, &g.ball_vy);
                int32_t arrive;
                assert_true(game_predict(&g, side, 1000, &arrive) > 0);
                centre_paddle_on(&g, side, arrive + GAME_BALL_SIZE / 2);
                uint32_t ev = 0;
                int t = step_until(&g, (side ? GAME_EV_HIT_RIGHT : GAME_EV_HIT_LEFT) | GAME_EV_SCORE_LEFT | GAME_EV_SCORE_RIGHT,
                                   1000, &ev);
                assert_true(t > 0);
                assert_true(ev & (side ? GAME_EV_HIT_RIGHT : GAME_EV_HIT_LEFT));
            }
        }
    }
    /* the thinnest obstacles (gates: 16 px bars) at top speed from above and below */
    game_options_t o = game_options_classic(3);
    o.map = GAME_MAP_GATES;
    for (int32_t x = 335; x < 460; x += 5) {
        game_t g;
        game_init(&g, &o);
        g.status = GAME_PLAYING;
        g.ball_x = x * PX;
        g.ball_y = 100 * PX;
        g.ball_vx = 0;
        g.ball_vy = g.speed_cap;
        g.fast_steps = 1000;
        uint32_t ev = 0;
        assert_true(step_until(&g, GAME_EV_OBSTACLE, 50, &ev) > 0);
        assert_true(g.ball_vy < 0);
        assert_true(g.ball_y + GAME_BALL_SIZE <= g.obstacles[0].y);
    }
}

static void test_scoring_serve_alternation_and_game_over(void **state) {
    (void)state;
    game_options_t o = game_options_classic(77);
    o.winning_score = 3;
    game_t g;
    game_init(&g, &o);
    int first_dir = 0;
    int32_t last_serves = g.serves;
    int scored = 0;
    for (int point = 0; point < 10 && g.status != GAME_OVER; point++) {
        assert_int_equal(g.status, GAME_SERVING);
        assert_int_equal(g.serve_timer, GAME_SERVE_STEPS);
        /* nothing moves during the countdown */
        for (int i = 0; i < GAME_SERVE_STEPS - 1; i++) {
            assert_int_equal(game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE) & GAME_EV_SERVE, 0);
            assert_int_equal(g.ball_x, (GAME_FIELD_W - GAME_BALL_SIZE) / 2);
        }
        assert_true(game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE) & GAME_EV_SERVE);
        int dir = g.ball_vx > 0 ? 1 : -1;
        if (point == 0) first_dir = dir;
        else assert_int_equal(dir, point % 2 ? -first_dir : first_dir);   /* serves alternate */
        assert_int_equal(g.ball_speed, g.speed_base);
        /* keep both paddles away from the ball: the receiver misses */
        uint32_t ev = 0;
        for (int i = 0; i < 2000 && !(ev & (GAME_EV_SCORE_LEFT | GAME_EV_SCORE_RIGHT)); i++) {
            for (int s = 0; s < 2; s++) g.paddle_y[s] = g.ball_y < GAME_FIELD_H / 2 ? GAME_FIELD_H - g.paddle_h[s] : 0;
            ev = game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
        }
        int scorer = (ev & GAME_EV_SCORE_LEFT) ? 0 : 1;
        assert_true(ev & (GAME_EV_SCORE_LEFT | GAME_EV_SCORE_RIGHT));
        assert_int_equal(scorer, dir > 0 ? 0 : 1);   /* the side the ball was sent away from */
        scored++;
        assert_int_equal(g.score[0] + g.score[1], scored);
        if (g.status != GAME_OVER) assert_int_equal(g.serves, last_serves + 1);
        last_serves = g.serves;
        if (g.score[scorer] == 3) {
            assert_true(ev & GAME_EV_GAME_OVER);
            assert_int_equal(g.status, GAME_OVER);
            assert_int_equal(g.winner, scorer);
        } else {
            assert_int_equal(g.winner, -1);
        }
    }
    assert_int_equal(g.status, GAME_OVER);
    /* a finished game does not change */
    uint32_t h = game_hash(&g);
    for (int i = 0; i < 100; i++) assert_int_equal(game_step(&g, GAME_KEY_UP, GAME_KEY_DOWN), 0);
    assert_int_equal(game_hash(&g), h);
}

static void test_equal_paddle_speed(void **state) {
    (void)state;
    for (int size = 0; size < GAME_PADDLE_COUNT; size++) {
        game_options_t o = game_options_classic(5);
        o.paddle_size = size;
        game_t g;
        game_init(&g, &o);
        int32_t l = g.paddle_y[0], r = g.paddle_y[1];
        game_step(&g, GAME_KEY_UP, GAME_KEY_DOWN);
        assert_int_equal(l - g.paddle_y[0], GAME_PADDLE_SPEED);
        assert_int_equal(g.paddle_y[1] - r, GAME_PADDLE_SPEED);
        /* clamped at the walls */
        for (int i = 0; i < 200; i++) game_step(&g, GAME_KEY_UP, GAME_KEY_DOWN);
        assert_int_equal(g.paddle_y[0], 0);
        assert_int_equal(g.paddle_y[1], GAME_FIELD_H - g.paddle_h[1]);
        /* no key: no move */
        int32_t y = g.paddle_y[0];
        game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
        assert_int_equal(g.paddle_y[0], y);
    }
}

/* Places a power-up in the ball's path and returns the step's events. */
static uint32_t take(game_t *g, game_powerup_t kind, int hitter) {
    g->item_kind = kind;
    g->item_x = 400 * PX;
    g->item_y = 290 * PX;
    g->item_timer = GAME_POWERUP_LIFETIME;
    g->last_hitter = hitter;
    g->ball_x = 380 * PX;
    g->ball_y = 295 * PX;
    g->ball_vx = hitter == 0 ? 6 * PX : -6 * PX;
    g->ball_vy = 0;
    g->ball_x = hitter == 0 ? 380 * PX : 430 * PX;
    return step_until(g, GAME_EV_POWERUP_TAKEN, 20, NULL) > 0 ? GAME_EV_POWERUP_TAKEN : 0;
}

static void test_powerups(void **state) {
    (void)state;
    game_options_t o = game_options_classic(11);
    o.powerups = 1;
    game_t g;
    game_init(&g, &o);
    int32_t base = g.paddle_base_h;
    /* grow: the taker's paddle is 1.5x for GAME_EFFECT_STEPS */
    g.status = GAME_PLAYING;
    assert_int_equal(take(&g, GAME_POWERUP_GROW, 0), GAME_EV_POWERUP_TAKEN);
    assert_int_equal(g.last_powerup_kind, GAME_POWERUP_GROW);
    assert_int_equal(g.last_powerup_player, 0);
    assert_int_equal(g.paddle_h[0], base * 3 / 2);
    assert_int_equal(g.paddle_h[1], base);
    assert_int_equal(g.item_kind, GAME_POWERUP_NONE);
    /* shrink, taken by the right player: the left paddle is 0.6x (and 1.5x: both apply) */
    assert_int_equal(take(&g, GAME_POWERUP_SHRINK, 1), GAME_EV_POWERUP_TAKEN);
    assert_int_equal(g.paddle_h[0], base * 3 / 2 * 3 / 5);
    assert_int_equal(g.paddle_h[1], base);
    /* fast: the ball covers 1.35x the distance per step */
    assert_int_equal(take(&g, GAME_POWERUP_FAST, 0), GAME_EV_POWERUP_TAKEN);
    assert_int_equal(game_speed_mult(&g), 27);
    g.ball_x = 400 * PX;
    g.ball_y = 300 * PX;
    g.ball_vx = 20 * PX;
    g.ball_vy = 0;
    g.item_kind = GAME_POWERUP_NONE;
    game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
    assert_int_equal(g.ball_x, 427 * PX);
    /* every effect is timed: all gone after GAME_EFFECT_STEPS */
    g.ball_vx = 0;   /* park the ball */
    for (int i = 0; i < GAME_EFFECT_STEPS; i++) {
        g.ball_x = 400 * PX;
        game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
    }
    assert_int_equal(g.paddle_h[0], base);
    assert_int_equal(g.paddle_h[1], base);
    assert_int_equal(game_speed_mult(&g), 20);
    assert_int_equal(g.grow_steps[0] + g.shrink_steps[0] + g.fast_steps, 0);
    /* items spawn by themselves, inside the field, and vanish if not taken */
    game_init(&g, &o);
    uint32_t ev = 0;
    int t = step_until(&g, GAME_EV_POWERUP_SPAWN, GAME_POWERUP_EVERY + 5, &ev);
    assert_int_equal(t, GAME_POWERUP_EVERY);
    assert_true(g.item_kind >= 1 && g.item_kind <= GAME_POWERUP_KINDS);
    assert_true(g.item_x >= 0 && g.item_x + GAME_POWERUP_SIZE <= GAME_FIELD_W);
    g.status = GAME_PLAYING;   /* ball parked in the middle, away from the item or not: */
    g.ball_vx = 0;
    g.ball_vy = 0;
    g.ball_y = 0;
    g.ball_x = 100 * PX;
    assert_int_equal(step_until(&g, GAME_EV_POWERUP_EXPIRED, GAME_POWERUP_LIFETIME + 5, NULL), GAME_POWERUP_LIFETIME);
    assert_int_equal(g.item_kind, GAME_POWERUP_NONE);
    /* with power-ups off, nothing ever spawns */
    o.powerups = 0;
    game_init(&g, &o);
    assert_int_equal(step_until(&g, GAME_EV_POWERUP_SPAWN, 5000, NULL), -1);
}

static void test_maps(void **state) {
    (void)state;
    int expected[GAME_MAP_COUNT] = { 0, 2, 4, 2 };
    for (int m = 0; m < GAME_MAP_COUNT; m++) {
        game_options_t o = game_options_classic(1);
        o.map = m;
        game_t g;
        game_init(&g, &o);
        assert_int_equal(g.obstacle_count, expected[m]);
        /* point-symmetric about the centre: every obstacle has its mirror image */
        for (int i = 0; i < g.obstacle_count; i++) {
            const game_rect_t *a = &g.obstacles[i];
            bool found = false;
            for (int j = 0; j < g.obstacle_count; j++) {
                const game_rect_t *b = &g.obstacles[j];
                if (b->x == GAME_FIELD_W - a->x - a->w && b->y == GAME_FIELD_H - a->y - a->h && b->w == a->w && b->h == a->h) found = true;
            }
            assert_true(found);
            /* the serve row is free */
            int32_t by = (GAME_FIELD_H - GAME_BALL_SIZE) / 2;
            assert_false(by < a->y + a->h && by + GAME_BALL_SIZE > a->y);
        }
        /* a ball sent horizontally into each obstacle's face bounces back */
        for (int i = 0; i < g.obstacle_count; i++) {
            const game_rect_t *a = &g.obstacles[i];
            game_t t = g;
            t.status = GAME_PLAYING;
            t.ball_x = a->x - 60 * PX;
            t.ball_y = a->y + a->h / 2 - GAME_BALL_SIZE / 2;
            t.ball_vx = 6 * PX;
            t.ball_vy = 0;
            assert_true(step_until(&t, GAME_EV_OBSTACLE, 30, NULL) > 0);
            assert_true(t.ball_vx < 0);
            assert_true(t.ball_x + GAME_BALL_SIZE <= a->x);
        }
    }
}

static void test_prediction_matches_play(void **state) {
    (void)state;
    for (int m = 0; m < GAME_MAP_COUNT; m++) {
        game_options_t o = game_options_classic(2);
        o.map = m;
        for (int32_t k = -14; k <= 14; k += 4) {
            game_t g;
            game_init(&g, &o);
            g.status = GAME_PLAYING;
            game_bounce_velocity(g.speed_base * 2, k * 3 * PX, g.paddle_h[0], -1, &g.ball_vx, &g.ball_vy);
            int32_t y;
            int32_t t = game_predict(&g, 0, 2000, &y);
            if (t < 0) continue;   /* turned back by an obstacle */
            /* park the left paddle away so nothing but walls and obstacles matter */
            for (int32_t i = 0; i < t; i++) {
                g.paddle_y[0] = y < GAME_FIELD_H / 2 ? GAME_FIELD_H - g.paddle_h[0] : 0;
                game_step(&g, GAME_KEY_NONE, GAME_KEY_NONE);
            }
            assert_true(g.ball_x <= game_contact_x(0));
            assert_int_equal(g.ball_y, y);
        }
    }
}

static void test_determinism_and_hash(void **state) {
    (void)state;
    game_options_t o = game_options_classic(1234);
    o.powerups = 1;
    o.map = GAME_MAP_PILLARS;
    game_t a, b;
    game_init(&a, &o);
    game_init(&b, &o);
    uint32_t r = 99;
    for (int i = 0; i < 5000; i++) {
        r = r * 1103515245u + 12345u;
        game_key_t l = (game_key_t)((r >> 16) % 3), rt = (game_key_t)((r >> 20) % 3);
        assert_int_equal(game_step(&a, l, rt), game_step(&b, l, rt));
        assert_int_equal(game_hash(&a), game_hash(&b));
    }
    /* any difference shows in the hash */
    b.ball_y += 1;
    assert_int_not_equal(game_hash(&a), game_hash(&b));
    /* another seed: another serve */
    game_options_t o2 = o;
    o2.seed = 4321;
    game_t c;
    game_init(&c, &o2);
    assert_int_not_equal(game_hash(&c), game_hash(&a));
}

/* game_save/game_load: a state restored anywhere in a game continues bit for bit as the
 * original (random options, keys and moments), and states out of range are refused. */
static void test_save_load(void **state) {
    (void)state;
    uint32_t r = 99;
    for (int n = 0; n < 200; n++) {
        game_options_t o = { (int32_t)(gmath_xorshift32(&r) % 3), (int32_t)(gmath_xorshift32(&r) % 3),
                             1 + (int32_t)(gmath_xorshift32(&r) % 5), (int32_t)(gmath_xorshift32(&r) % GAME_MAP_COUNT),
                             (int32_t)(gmath_xorshift32(&r) % 2), gmath_xorshift32(&r) };
        game_t a, b;
        assert_int_equal(game_init(&a, &o), GAME_OPT_OK);
        int at = (int)(gmath_xorshift32(&r) % 3000);
        for (int i = 0; i < at; i++) game_step(&a, (game_key_t)(gmath_xorshift32(&r) % 3), (game_key_t)(gmath_xorshift32(&r) % 3));
        int32_t saved[GAME_SAVE_LEN], again[GAME_SAVE_LEN];
        game_save(&a, saved);
        memset(&b, 0xA5, sizeof b);
        assert_int_equal(game_load(&b, saved), GAME_OPT_OK);
        assert_int_equal(game_hash(&a), game_hash(&b));
        game_save(&b, again);
        assert_memory_equal(saved, again, sizeof saved);
        for (int i = 0; i < 600; i++) {
            game_key_t l = (game_key_t)(gmath_xorshift32(&r) % 3), rk = (game_key_t)(gmath_xorshift32(&r) % 3);
            assert_int_equal(game_step(&a, l, rk), game_step(&b, l, rk));
        }
        assert_int_equal(game_hash(&a), game_hash(&b));
    }
}

static void test_load_refuses_bad_states(void **state) {
    (void)state;
    game_options_t o = game_options_classic(7);
    game_t g, keep;
    assert_int_equal(game_init(&g, &o), GAME_OPT_OK);
    for (int i = 0; i < 200; i++) game_step(&g, GAME_KEY_UP, GAME_KEY_DOWN);
    int32_t good[GAME_SAVE_LEN];
    game_save(&g, good);
    static const struct { int index; int32_t value; int want; } bad[] = {
        { 1, 3, GAME_OPT_BAD_STATE },                         /* status */
        { 13, 0, GAME_OPT_BAD_STATE },                        /* a zero-height paddle */
        { 14, -5, GAME_OPT_BAD_STATE },
        { 3, 99, GAME_OPT_BAD_STATE },                        /* a score past the winning score */
        { 5, 2, GAME_OPT_BAD_STATE },                         /* winner */
        { 8, 1 << 30, GAME_OPT_BAD_STATE },                   /* a ball faster than the cap allows */
        { 20, 9, GAME_OPT_BAD_STATE },                        /* power-up kind */
        { 26, 3, GAME_OPT_BAD_STATE },                        /* obstacles not of the map */
        { 0, -1, GAME_OPT_BAD_STATE },                        /* tick */
        { 46, 1, GAME_OPT_BAD_STATE },                        /* speed cap not of the options */
        { 47, 0, GAME_OPT_BAD_SCORE },                        /* winning score */
        { GAME_EXPORT_LEN + 0, 7, GAME_OPT_BAD_SPEED },
        { GAME_EXPORT_LEN + 2, -1, GAME_OPT_BAD_MAP },
        { GAME_EXPORT_LEN + 5, 0, GAME_OPT_BAD_STATE },       /* an RNG state of 0 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t in[GAME_SAVE_LEN];
        memcpy(in, good, sizeof in);
        in[bad[i].index] = bad[i].value;
        keep = g;
        int rc = game_load(&g, in);
        if (rc != bad[i].want) fail_msg("field %d = %d: got %d, want %d", bad[i].index, bad[i].value, rc, bad[i].want);
        assert_memory_equal(&g, &keep, sizeof g);   /* untouched */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_wall_bounces),
        cmocka_unit_test(test_angle_by_contact_point),
        cmocka_unit_test(test_paddle_hit_in_game),
        cmocka_unit_test(test_speed_up_and_cap),
        cmocka_unit_test(test_no_tunnelling_at_cap),
        cmocka_unit_test(test_scoring_serve_alternation_and_game_over),
        cmocka_unit_test(test_equal_paddle_speed),
        cmocka_unit_test(test_powerups),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_prediction_matches_play),
        cmocka_unit_test(test_determinism_and_hash),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_load_refuses_bad_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
