/* ai: the computer opponent and its once-per-second harness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ai.h"

static game_t new_game(uint32_t seed, int map, int powerups) {
    game_options_t o = game_options_classic(seed);
    o.map = map;
    o.powerups = powerups;
    game_t g;
    assert_int_equal(game_init(&g, &o), GAME_OPT_OK);
    return g;
}

static void test_harness_views_once_per_second(void **state) {
    (void)state;
    game_t g = new_game(1, GAME_MAP_CLASSIC, 0);
    ai_harness_t h;
    ai_harness_init(&h, AI_HARD, 0, 42);
    assert_int_equal(h.views, 0);
    for (uint32_t i = 1; i <= 601; i++) {
        game_step(&g, ai_harness_step(&h, &g), GAME_KEY_NONE);
        assert_int_equal(h.views, (i + AI_VIEW_EVERY - 1) / AI_VIEW_EVERY);   /* at steps 1, 61, 121, ... */
    }
    assert_int_equal(AI_VIEW_EVERY, GAME_STEPS_PER_SECOND);
}

/* Between views the harness must not read the game at all: handing it garbage on those
 * steps changes nothing, while the same garbage at a view step does. */
static void test_harness_does_not_read_between_views(void **state) {
    (void)state;
    game_t real = new_game(7, GAME_MAP_PILLARS, 1);
    game_t garbage;
    memset(&garbage, 0xA5, sizeof garbage);
    ai_harness_t a, b;
    ai_harness_init(&a, AI_HARD, 1, 9);
    ai_harness_init(&b, AI_HARD, 1, 9);
    int pressed = 0;
    for (int i = 0; i < 3000 && real.status != GAME_OVER; i++) {
        bool view = a.steps % AI_VIEW_EVERY == 0;
        game_key_t ka = ai_harness_step(&a, &real);
        game_key_t kb = ai_harness_step(&b, view ? &real : &garbage);
        assert_int_equal(ka, kb);
        pressed += ka != GAME_KEY_NONE;
        game_step(&real, (i / 40) % 3 ? GAME_KEY_UP : GAME_KEY_DOWN, ka);
    }
    assert_true(pressed > 100);   /* it does play */
}

static void test_ai_paddle_speed_is_the_human_one(void **state) {
    (void)state;
    for (int level = 0; level < AI_LEVELS; level++) {
        game_t g = new_game(3 + (uint32_t)level, GAME_MAP_CLASSIC, 0);
        ai_harness_t l, r;
        ai_harness_init(&l, level, 0, 1);
        ai_harness_init(&r, level, 1, 2);
        for (int i = 0; i < 5000 && g.status != GAME_OVER; i++) {
            int32_t y0 = g.paddle_y[0], y1 = g.paddle_y[1];
            game_key_t kl = ai_harness_step(&l, &g), kr = ai_harness_step(&r, &g);
            assert_true(kl >= GAME_KEY_NONE && kl <= GAME_KEY_DOWN);
            game_step(&g, kl, kr);
            assert_true(g.paddle_y[0] - y0 <= GAME_PADDLE_SPEED && y0 - g.paddle_y[0] <= GAME_PADDLE_SPEED);
            assert_true(g.paddle_y[1] - y1 <= GAME_PADDLE_SPEED && y1 - g.paddle_y[1] <= GAME_PADDLE_SPEED);
        }
    }
}

/* The AI on the left against the reference on the right, over `games` games. */
typedef struct { int wins, losses, hits, powerups; } tally_t;

static tally_t play_reference(int level, int games, int map, int powerups) {
    tally_t t = { 0 };
    for (int n = 0; n < games; n++) {
        game_t g = new_game(1000 + (uint32_t)n, map, powerups);
        ai_harness_t h;
        ai_harness_init(&h, level, 0, 77 + (uint32_t)n);
        for (int i = 0; i < 60 * 600 && g.status != GAME_OVER; i++) {
            game_key_t l = ai_harness_step(&h, &g), r = ai_reference_act(&g, 1);
            uint32_t ev = game_step(&g, l, r);
            t.hits += (ev & GAME_EV_HIT_LEFT) != 0;
            t.powerups += (ev & GAME_EV_POWERUP_TAKEN) && g.last_powerup_player == 0;
        }
        if (g.winner == 0) t.wins++;
        else if (g.winner == 1) t.losses++;
    }
    return t;
}

/* Seeing the ball only once a second, the AI still returns it, harder levels more often;
 * prediction includes obstacle bounces (the pillars map). */
static void test_levels_return_the_ball(void **state) {
    (void)state;
    tally_t easy = play_reference(AI_EASY, 30, GAME_MAP_CLASSIC, 0);
    tally_t hard = play_reference(AI_HARD, 30, GAME_MAP_CLASSIC, 0);
    tally_t hard_pillars = play_reference(AI_HARD, 30, GAME_MAP_PILLARS, 0);
    assert_true(easy.hits > 100);
    assert_true(hard.hits > easy.hits);
    assert_true(hard_pillars.hits > 100);
    assert_true(hard.wins > 0);      /* the reference can be beaten */
    assert_true(hard.losses > 0);
}

/* Normal and hard steer the ball through power-ups; easy does not try. */
static void test_uses_powerups(void **state) {
    (void)state;
    tally_t easy = play_reference(AI_EASY, 40, GAME_MAP_CLASSIC, 1);
    tally_t hard = play_reference(AI_HARD, 40, GAME_MAP_CLASSIC, 1);
    /* per ball returned, the aiming AI collects more */
    assert_true(hard.powerups > 0);
    assert_true((double)hard.powerups / hard.hits > (double)easy.powerups / easy.hits);
}

static void test_reference_goes_to_the_interception(void **state) {
    (void)state;
    game_t g = new_game(5, GAME_MAP_CLASSIC, 0);
    g.status = GAME_PLAYING;
    g.ball_x = 400 * GAME_UNIT;
    g.ball_y = 100 * GAME_UNIT;
    g.ball_vx = 6 * GAME_UNIT;
    g.ball_vy = 0;
    assert_int_equal(ai_reference_act(&g, 1), GAME_KEY_UP);     /* ball above its paddle */
    assert_int_equal(ai_reference_act(&g, 0), GAME_KEY_NONE);   /* ball going away: stays centred */
    g.ball_y = 500 * GAME_UNIT;
    assert_int_equal(ai_reference_act(&g, 1), GAME_KEY_DOWN);
    g.paddle_y[0] = 0;
    assert_int_equal(ai_reference_act(&g, 0), GAME_KEY_DOWN);   /* back to the middle */
}

static void test_level_is_clamped(void **state) {
    (void)state;
    ai_t ai;
    ai_init(&ai, 99, 5, 1);
    assert_int_equal(ai.level, AI_HARD);
    assert_int_equal(ai.side, 1);
    ai_init(&ai, -3, 0, 1);
    assert_int_equal(ai.level, AI_EASY);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_harness_views_once_per_second),
        cmocka_unit_test(test_harness_does_not_read_between_views),
        cmocka_unit_test(test_ai_paddle_speed_is_the_human_one),
        cmocka_unit_test(test_levels_return_the_ball),
        cmocka_unit_test(test_uses_powerups),
        cmocka_unit_test(test_reference_goes_to_the_interception),
        cmocka_unit_test(test_level_is_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
