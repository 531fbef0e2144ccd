/* ai — the computer opponent. See ai.h and docs/ai.md.
 *
 * On each view the AI makes a two-phase plan: where its paddle centre should be until the
 * ball reaches it (target1, until step switch_at), and where to wait afterwards (target2).
 * To plan it predicts the ball's path to its own side; when the ball is moving away, or
 * will be after its own return, it also predicts the opponent's return, assuming the
 * opponent moves at full speed to take the ball as centred as it can. Between views it
 * presses up or down to follow the plan, tracking its own paddle by dead reckoning.
 *
 * The levels differ in how they predict and err, never in paddle speed. The position it
 * plans to meet the ball at (target1) carries a random error that grows with how far ahead
 * it is (the figure below is for one second ahead); where it waits afterwards (target2) is
 * taken from its model as it is:
 *   easy    predicts a straight line that bounces off at most one wall (obstacles and the
 *           "fast" effect unseen), +-30 px, starts moving 12 steps after a view, takes
 *           the ball wherever it lands on the paddle;
 *   normal  the simulation's own path prediction (walls and obstacles), +-14 px, 5 steps,
 *           aims its returns through a power-up when one is up, else varies the contact
 *           point by up to 3/8 of the half paddle;
 *   hard    the same prediction, +-6 px, 2 steps, aims through power-ups, else varies
 *           the contact point by up to half the half paddle so its angles are hard to read.
 */
#include "ai.h"

#include <stddef.h>

#include "gmath.h"

typedef struct {
    int32_t error_px;      /* uniform error added to each planned position */
    int32_t reaction;      /* steps after a view before the first key press */
    bool full_predict;     /* obstacles and the fast effect in the prediction */
    int32_t aim;           /* takes the ball off-centre on purpose by up to aim/8 of the half paddle */
} level_t;

static const level_t LEVELS[AI_LEVELS] = {
    [AI_EASY] = { 30, 12, false, 0 },
    [AI_NORMAL] = { 14, 5, true, 3 },
    [AI_HARD] = { 6, 2, true, 4 },
};

#define MID_Y (GAME_FIELD_H / 2)
#define POWERUP_AIM_MAX 6                     /* off-centre by up to 6/8 of the half paddle to reach a power-up */
#define HORIZON (GAME_STEPS_PER_SECOND * 6)   /* prediction look-ahead */



/* Uniform in [-range, range]. */
static int32_t jitter(ai_t *ai, int32_t range) {
    if (range <= 0) return 0;
    return (int32_t)(gmath_xorshift32(&ai->rng) % (uint32_t)(2 * range + 1)) - range;
}

void ai_init(ai_t *ai, int32_t level, int32_t side, uint32_t seed) {
    ai_t z = { 0 };
    *ai = z;
    ai->level = gmath_clamp(level, 0, AI_LEVELS - 1);
    ai->side = side ? 1 : 0;
    ai->rng = (seed ^ 0xA5A5F00Du) | 1u;
    for (int i = 0; i < 4; i++) gmath_xorshift32(&ai->rng);
    ai->my_h = 84 * GAME_UNIT;
    ai->my_y = MID_Y - ai->my_h / 2;
    ai->target1 = ai->target2 = MID_Y;
    ai->switch_at = 0;
}

/* Ball top edge when it next reaches the x `to_x`, moving in a straight line and reflected
 * by the top and bottom walls only; with `one_bounce`, as a novice sees it: after the
 * first wall bounce it expects the ball to run along the wall. */
static int32_t fold_walls(int32_t x, int32_t y, int32_t vx, int32_t vy, int32_t to_x, bool one_bounce, int32_t *steps) {
    int64_t dx = (int64_t)to_x - x;
    int64_t t = vx != 0 ? dx / vx : 0;
    if (t < 0) t = 0;
    *steps = (int32_t)(t > HORIZON ? HORIZON : t);
    int64_t m = GAME_FIELD_H - GAME_BALL_SIZE;
    int64_t raw = (int64_t)y + (vx != 0 ? dx * vy / vx : 0);
    if (one_bounce) {
        int64_t once = raw < 0 ? -raw : raw > m ? 2 * m - raw : raw;
        return (int32_t)(once < 0 ? 0 : once > m ? m : once);
    }
    int64_t p = raw % (2 * m);
    if (p < 0) p += 2 * m;
    return (int32_t)(p > m ? 2 * m - p : p);
}

/* Where (ball top edge) and in how many steps the ball reaches `side`, as this level sees it. */
static int32_t predict(const ai_t *ai, const game_t *v, int32_t side, int32_t x, int32_t y, int32_t vx, int32_t vy,
                       int32_t *steps) {
    const level_t *lv = &LEVELS[ai->level];
    if (lv->full_predict) {
        int32_t py;
        int32_t t = game_predict_from(v, side, HORIZON, x, y, vx, vy, &py);
        if (t >= 0) {
            *steps = t;
            return py;
        }
    }
    return fold_walls(x, y, vx, vy, game_contact_x(side), !lv->full_predict, steps);
}

static int32_t next_speed(const game_t *v, int32_t speed) {
    speed += game_speed_step(v);
    return speed > v->speed_cap ? v->speed_cap : speed;
}

/* Where the ball sent from the contact point at `ball_y` with velocity (vx, vy) crosses
 * x = at_x (straight line folded by the walls). */
static int32_t y_at(int32_t side, int32_t ball_y, int32_t vx, int32_t vy, int32_t at_x) {
    int32_t steps;
    return fold_walls(game_contact_x(side), ball_y, vx, vy, at_x, false, &steps);
}

/* The contact offset (ball centre minus paddle centre) this AI wants when it meets the
 * ball at `ball_y`: through a power-up if one is on the field (normal, hard), else (hard)
 * a random one. 0 means "take it in the middle". */
static int32_t choose_offset(ai_t *ai, const game_t *v, int32_t ball_y) {
    const level_t *lv = &LEVELS[ai->level];
    if (!lv->aim) return 0;
    int32_t s = ai->side, reach = v->paddle_h[s] / 2;
    if (v->item_kind != GAME_POWERUP_NONE && v->item_timer > GAME_STEPS_PER_SECOND * 2) {
        int32_t goal_y = v->item_y + GAME_POWERUP_SIZE / 2 - GAME_BALL_SIZE / 2;
        int32_t at_x = v->item_x + GAME_POWERUP_SIZE / 2;
        int32_t speed = next_speed(v, v->ball_speed);
        int32_t best = 0, best_err = -1;
        for (int32_t i = -POWERUP_AIM_MAX; i <= POWERUP_AIM_MAX; i++) {
            int32_t offset = reach * i / 8, vx, vy;
            game_bounce_velocity(speed, offset, v->paddle_h[s], s == 0 ? 1 : -1, &vx, &vy);
            int32_t err = gmath_abs(y_at(s, ball_y, vx, vy, at_x) - goal_y);
            if (best_err < 0 || err < best_err) {
                best_err = err;
                best = offset;
            }
        }
        return best;
    }
    return jitter(ai, reach * lv->aim / 8);
}

/* Guesses where (ball top edge) the ball comes back to this AI's side after the
 * opponent meets it at `oy` (ball top) in `t_opp` steps: the opponent is assumed to move
 * at full speed from where it is now towards the ball and take it as centred as it can. */
static int32_t guess_return(ai_t *ai, const game_t *v, int32_t oy, int32_t t_opp, int32_t speed, int32_t *steps) {
    int32_t s = ai->side, o = 1 - s;
    int32_t ball_c = oy + GAME_BALL_SIZE / 2;
    int32_t opp_c = v->paddle_y[o] + v->paddle_h[o] / 2;
    int32_t reach = t_opp * GAME_PADDLE_SPEED;
    int32_t half = v->paddle_h[o] / 2;
    int32_t at_hit = gmath_clamp(gmath_clamp(ball_c, opp_c - reach, opp_c + reach), half, GAME_FIELD_H - half);
    int32_t vx, vy, t2;
    game_bounce_velocity(next_speed(v, speed), ball_c - at_hit, v->paddle_h[o], o == 0 ? 1 : -1, &vx, &vy);
    int32_t back = predict(ai, v, s, game_contact_x(o), oy, vx, vy, &t2);
    *steps = t_opp + t2;
    return back;
}

/* The error on a position planned `steps` ahead: uniform, growing with the distance in
 * time (error_px at one second ahead). */
static int32_t plan_error(ai_t *ai, int32_t steps) {
    int32_t t = gmath_clamp(steps, 0, HORIZON);
    return jitter(ai, LEVELS[ai->level].error_px * GAME_UNIT * (t + 20) / (GAME_STEPS_PER_SECOND + 20));
}

void ai_observe(ai_t *ai, const game_t *v) {
    const level_t *lv = &LEVELS[ai->level];
    int32_t s = ai->side;
    ai->since_view = 0;
    ai->my_y = v->paddle_y[s];
    ai->my_h = v->paddle_h[s];
    ai->idle_until = lv->reaction;
    ai->target1 = ai->target2 = MID_Y;
    ai->switch_at = 0;
    if (v->status != GAME_PLAYING) return;

    bool towards = s == 0 ? v->ball_vx < 0 : v->ball_vx > 0;
    int32_t t1, t2;
    if (towards) {
        int32_t by = predict(ai, v, s, v->ball_x, v->ball_y, v->ball_vx, v->ball_vy, &t1);
        int32_t offset = choose_offset(ai, v, by);
        ai->target1 = by + GAME_BALL_SIZE / 2 - offset + plan_error(ai, t1);
        ai->switch_at = t1 + 4;
        /* after its own return (whose direction it chose), the opponent's answer */
        int32_t vx, vy, speed = next_speed(v, v->ball_speed);
        game_bounce_velocity(speed, offset, v->paddle_h[s], s == 0 ? 1 : -1, &vx, &vy);
        int32_t oy = predict(ai, v, 1 - s, game_contact_x(s), by, vx, vy, &t2);
        ai->target2 = guess_return(ai, v, oy, t2, speed, &t2) + GAME_BALL_SIZE / 2;
        return;
    }
    int32_t oy = predict(ai, v, 1 - s, v->ball_x, v->ball_y, v->ball_vx, v->ball_vy, &t1);
    int32_t back = guess_return(ai, v, oy, t1, v->ball_speed, &t2);
    ai->target1 = back + GAME_BALL_SIZE / 2 + plan_error(ai, t2);
}

game_key_t ai_act(ai_t *ai) {
    int32_t t = ai->since_view++;
    if (t < ai->idle_until) return GAME_KEY_NONE;
    int32_t want = t < ai->switch_at || ai->switch_at == 0 ? ai->target1 : ai->target2;
    int32_t center = ai->my_y + ai->my_h / 2;
    int32_t dead = GAME_PADDLE_SPEED / 2 + (ai->level == AI_EASY ? 6 * GAME_UNIT : 0);
    game_key_t key = GAME_KEY_NONE;
    if (want > center + dead) key = GAME_KEY_DOWN;
    else if (want < center - dead) key = GAME_KEY_UP;
    if (key == GAME_KEY_DOWN) ai->my_y += GAME_PADDLE_SPEED;
    if (key == GAME_KEY_UP) ai->my_y -= GAME_PADDLE_SPEED;
    ai->my_y = gmath_clamp(ai->my_y, 0, GAME_FIELD_H - ai->my_h);
    return key;
}

void ai_harness_init(ai_harness_t *h, int32_t level, int32_t side, uint32_t seed) {
    ai_harness_t z = { 0 };
    *h = z;
    ai_init(&h->ai, level, side, seed);
}

game_key_t ai_harness_step(ai_harness_t *h, const game_t *g) {
    if (h->steps % AI_VIEW_EVERY == 0) {
        ai_observe(&h->ai, g);
        h->views++;
    }
    h->steps++;
    return ai_act(&h->ai);
}

game_key_t ai_reference_act(const game_t *g, int32_t side) {
    int32_t want = MID_Y, by;
    if (g->status == GAME_PLAYING && game_predict(g, side, HORIZON, &by) >= 0) want = by + GAME_BALL_SIZE / 2;
    int32_t center = g->paddle_y[side] + g->paddle_h[side] / 2;
    if (want > center + GAME_PADDLE_SPEED / 2) return GAME_KEY_DOWN;
    if (want < center - GAME_PADDLE_SPEED / 2) return GAME_KEY_UP;
    return GAME_KEY_NONE;
}
