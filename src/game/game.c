/* game — the deterministic Pong simulation. See game.h for the contract.
 *
 * Only integer arithmetic on explicitly sized types; divisions are on values whose sign is
 * known or truncate towards zero (defined since C99), and shifts are done on non-negative
 * values only, so the native and WebAssembly builds agree bit for bit.
 *
 * The ball moves in sub-steps of at most SUBSTEP on each axis. Every solid thing (paddle,
 * wall, obstacle) is at least GAME_PADDLE_W thick, and ball + thinnest solid > 2 * SUBSTEP,
 * so an overlap is always seen before the ball could be past a solid: no tunnelling at any
 * speed (tests/unit/test_game.c checks it at the cap with the "fast" effect on).
 */
#include "game.h"

#include <stddef.h>

#include "gmath.h"

#define SUBSTEP (4 * GAME_UNIT)
#define FAST_MULT 27            /* in 1/20: the "fast" power-up's 1.35x */
#define MULT_ONE 20
#define ANGLE_STEPS 16          /* 16 steps of 3.75 degrees: at most 60 degrees */
#define SERVE_ANGLE_STEPS 6     /* serves leave at up to 22.5 degrees */

/* cos and sin of 3.75 * i degrees, i = 0..16, in Q14 (exact table, no libm). */
static const int32_t COS_Q14[ANGLE_STEPS + 1] = { 16384, 16349, 16244, 16069, 15826, 15515, 15137, 14694, 14189,
                                                  13623, 12998, 12318, 11585, 10803, 9974, 9102, 8192 };
static const int32_t SIN_Q14[ANGLE_STEPS + 1] = { 0, 1072, 2139, 3196, 4240, 5266, 6270, 7246, 8192,
                                                  9102, 9974, 10803, 11585, 12318, 12998, 13623, 14189 };

/* Per-option constants. Speeds are per step; each paddle hit adds a third of the serve
 * speed, up to four times the serve speed (9 hits). */
static const int32_t SPEED_BASE[GAME_SPEED_COUNT] = { 1152, 1536, 2048 };   /* 4.5, 6, 8 px */
static const int32_t PADDLE_H[GAME_PADDLE_COUNT] = { 60 * GAME_UNIT, 84 * GAME_UNIT, 120 * GAME_UNIT };

#define R(x, y, w, h) { (x) * GAME_UNIT, (y) * GAME_UNIT, (w) * GAME_UNIT, (h) * GAME_UNIT }
typedef struct { int32_t count; game_rect_t rect[GAME_MAX_OBSTACLES]; } map_def_t;
/* Every map is point-symmetric about the centre, so neither side is favoured, and leaves
 * the serve line (the middle row) free. */
static const map_def_t MAPS[GAME_MAP_COUNT] = {
    [GAME_MAP_CLASSIC] = { 0, { { 0, 0, 0, 0 } } },
    [GAME_MAP_BUMPERS] = { 2, { R(385, 90, 30, 130), R(385, 380, 30, 130) } },
    [GAME_MAP_PILLARS] = { 4, { R(250, 110, 24, 110), R(526, 110, 24, 110), R(250, 380, 24, 110), R(526, 380, 24, 110) } },
    [GAME_MAP_GATES] = { 2, { R(330, 150, 140, 16), R(330, 434, 140, 16) } },
};
#undef R

typedef struct { int32_t x, y, vx, vy; } ball_t;



static bool overlaps(int32_t x, int32_t y, int32_t w, int32_t h, const game_rect_t *r) {
    return x < r->x + r->w && x + w > r->x && y < r->y + r->h && y + h > r->y;
}

game_options_t game_options_classic(uint32_t seed) {
    game_options_t o = { GAME_SPEED_NORMAL, GAME_PADDLE_NORMAL, 5, GAME_MAP_CLASSIC, 0, seed };
    return o;
}

game_opt_err_t game_options_validate(const game_options_t *o) {
    if (o->ball_speed < 0 || o->ball_speed >= GAME_SPEED_COUNT) return GAME_OPT_BAD_SPEED;
    if (o->paddle_size < 0 || o->paddle_size >= GAME_PADDLE_COUNT) return GAME_OPT_BAD_PADDLE;
    if (o->winning_score < 1 || o->winning_score > GAME_WINNING_SCORE_MAX) return GAME_OPT_BAD_SCORE;
    if (o->map < 0 || o->map >= GAME_MAP_COUNT) return GAME_OPT_BAD_MAP;
    if (o->powerups != 0 && o->powerups != 1) return GAME_OPT_BAD_POWERUPS;
    return GAME_OPT_OK;
}

const char *game_opt_err_str(game_opt_err_t err) {
    switch (err) {
    case GAME_OPT_OK: return "ok";
    case GAME_OPT_BAD_SPEED: return "ball speed must be slow, normal or fast";
    case GAME_OPT_BAD_PADDLE: return "paddle size must be small, normal or large";
    case GAME_OPT_BAD_SCORE: return "winning score must be between 1 and 21";
    case GAME_OPT_BAD_MAP: return "unknown map";
    case GAME_OPT_BAD_POWERUPS: return "power-ups must be on or off";
    case GAME_OPT_BAD_STATE: return "a state field is out of its range";
    }
    return "invalid options";
}

static void center_ball(game_t *g) {
    g->ball_x = (GAME_FIELD_W - GAME_BALL_SIZE) / 2;
    g->ball_y = (GAME_FIELD_H - GAME_BALL_SIZE) / 2;
    g->ball_vx = 0;
    g->ball_vy = 0;
    g->ball_speed = g->speed_base;
    g->last_hitter = -1;
    g->rally_hits = 0;
}

game_opt_err_t game_init(game_t *g, const game_options_t *opt) {
    game_opt_err_t err = game_options_validate(opt);
    if (err != GAME_OPT_OK) return err;
    game_t z = { 0 };
    *g = z;
    g->opt = *opt;
    g->rng = opt->seed ^ 0x6D2B79F5u;
    if (g->rng == 0) g->rng = 1;
    for (int i = 0; i < 4; i++) gmath_xorshift32(&g->rng);     /* spread nearby seeds apart */
    g->status = GAME_SERVING;
    g->serve_timer = GAME_SERVE_STEPS;
    g->serves = (int32_t)(gmath_xorshift32(&g->rng) & 1);       /* who receives the first serve */
    g->winner = -1;
    g->speed_base = SPEED_BASE[opt->ball_speed];
    g->speed_cap = g->speed_base * 4;
    g->paddle_base_h = PADDLE_H[opt->paddle_size];
    for (int s = 0; s < 2; s++) {
        g->paddle_h[s] = g->paddle_base_h;
        g->paddle_y[s] = (GAME_FIELD_H - g->paddle_base_h) / 2;
    }
    center_ball(g);
    g->item_kind = GAME_POWERUP_NONE;
    g->item_timer = GAME_POWERUP_EVERY;
    g->last_powerup_kind = GAME_POWERUP_NONE;
    g->last_powerup_player = -1;
    const map_def_t *m = &MAPS[opt->map];
    g->obstacle_count = m->count;
    for (int i = 0; i < m->count; i++) g->obstacles[i] = m->rect[i];
    return GAME_OPT_OK;
}

int32_t game_contact_x(int side) {
    return side == 0 ? GAME_PADDLE_INSET + GAME_PADDLE_W : GAME_FIELD_W - GAME_PADDLE_INSET - GAME_PADDLE_W - GAME_BALL_SIZE;
}

static int32_t paddle_x(int side) {
    return side == 0 ? GAME_PADDLE_INSET : GAME_FIELD_W - GAME_PADDLE_INSET - GAME_PADDLE_W;
}

int32_t game_speed_step(const game_t *g) { return g->speed_base / 3; }

int32_t game_speed_mult(const game_t *g) { return g->fast_steps > 0 ? FAST_MULT : MULT_ONE; }

void game_bounce_velocity(int32_t speed, int32_t offset, int32_t paddle_h, int dir, int32_t *vx, int32_t *vy) {
    /* offset -reach..+reach maps to angle steps -16..+16; reach = paddle half + ball half */
    int32_t reach = paddle_h / 2 + GAME_BALL_SIZE / 2;
    int32_t k = (int32_t)((int64_t)gmath_abs(offset) * ANGLE_STEPS / reach);
    if (k > ANGLE_STEPS) k = ANGLE_STEPS;
    int32_t ax = (int32_t)(((int64_t)speed * COS_Q14[k]) >> 14);
    int32_t ay = (int32_t)(((int64_t)speed * SIN_Q14[k]) >> 14);
    *vx = dir > 0 ? ax : -ax;
    *vy = offset < 0 ? -ay : ay;
}

static uint32_t collide_walls(ball_t *b) {
    if (b->y < 0) {
        b->y = -b->y;
        b->vy = gmath_abs(b->vy);
        return GAME_EV_WALL;
    }
    if (b->y > GAME_FIELD_H - GAME_BALL_SIZE) {
        b->y = 2 * (GAME_FIELD_H - GAME_BALL_SIZE) - b->y;
        b->vy = -gmath_abs(b->vy);
        return GAME_EV_WALL;
    }
    return 0;
}

/* Walls and obstacles for a ball that moved from (px, py) to (b->x, b->y). */
static uint32_t collide_static(const game_t *g, ball_t *b, int32_t px, int32_t py) {
    uint32_t ev = collide_walls(b);
    for (int32_t i = 0; i < g->obstacle_count; i++) {
        const game_rect_t *o = &g->obstacles[i];
        if (!overlaps(b->x, b->y, GAME_BALL_SIZE, GAME_BALL_SIZE, o)) continue;
        bool was_in_x = px < o->x + o->w && px + GAME_BALL_SIZE > o->x;
        bool was_in_y = py < o->y + o->h && py + GAME_BALL_SIZE > o->y;
        if (!was_in_x) {                      /* came in through a vertical face */
            if (px + GAME_BALL_SIZE <= o->x) { b->x = o->x - GAME_BALL_SIZE; b->vx = -gmath_abs(b->vx); }
            else { b->x = o->x + o->w; b->vx = gmath_abs(b->vx); }
        } else if (!was_in_y) {               /* through a horizontal face */
            if (py + GAME_BALL_SIZE <= o->y) { b->y = o->y - GAME_BALL_SIZE; b->vy = -gmath_abs(b->vy); }
            else { b->y = o->y + o->h; b->vy = gmath_abs(b->vy); }
        } else {                              /* already inside (cannot happen in play): eject on x */
            if (b->x + GAME_BALL_SIZE / 2 < o->x + o->w / 2) { b->x = o->x - GAME_BALL_SIZE; b->vx = -gmath_abs(b->vx); }
            else { b->x = o->x + o->w; b->vx = gmath_abs(b->vx); }
        }
        ev |= GAME_EV_OBSTACLE;
    }
    return ev;
}

static void set_paddle_height(game_t *g, int s) {
    int32_t h = g->paddle_base_h;
    if (g->grow_steps[s] > 0) h = h * 3 / 2;
    if (g->shrink_steps[s] > 0) h = h * 3 / 5;
    if (h == g->paddle_h[s]) return;
    int32_t center = g->paddle_y[s] + g->paddle_h[s] / 2;
    g->paddle_h[s] = h;
    g->paddle_y[s] = gmath_clamp(center - h / 2, 0, GAME_FIELD_H - h);
}

static uint32_t collide_paddle(game_t *g, ball_t *b, int s, int32_t px) {
    game_rect_t p = { paddle_x(s), g->paddle_y[s], GAME_PADDLE_W, g->paddle_h[s] };
    if (!overlaps(b->x, b->y, GAME_BALL_SIZE, GAME_BALL_SIZE, &p)) return 0;
    bool in_front = s == 0 ? px >= p.x + p.w : px + GAME_BALL_SIZE <= p.x;
    bool towards = s == 0 ? b->vx < 0 : b->vx > 0;
    if (in_front && towards) {
        b->x = game_contact_x(s);
        g->ball_speed = gmath_min(g->ball_speed + game_speed_step(g), g->speed_cap);
        int32_t offset = (b->y + GAME_BALL_SIZE / 2) - (p.y + p.h / 2);
        game_bounce_velocity(g->ball_speed, offset, p.h, s == 0 ? 1 : -1, &b->vx, &b->vy);
        g->last_hitter = s;
        g->rally_hits++;
        return s == 0 ? GAME_EV_HIT_LEFT : GAME_EV_HIT_RIGHT;
    }
    /* touched the paddle's top or bottom end: deflect vertically, it goes on to the goal */
    int32_t vy = gmath_max(gmath_abs(b->vy), GAME_PADDLE_SPEED);
    if (b->y + GAME_BALL_SIZE / 2 < p.y + p.h / 2) {
        b->y = gmath_max(p.y - GAME_BALL_SIZE, 0);
        b->vy = -vy;
    } else {
        b->y = gmath_min(p.y + p.h, GAME_FIELD_H - GAME_BALL_SIZE);
        b->vy = vy;
    }
    return 0;
}

static uint32_t take_item(game_t *g, const ball_t *b) {
    if (g->item_kind == GAME_POWERUP_NONE) return 0;
    game_rect_t it = { g->item_x, g->item_y, GAME_POWERUP_SIZE, GAME_POWERUP_SIZE };
    if (!overlaps(b->x, b->y, GAME_BALL_SIZE, GAME_BALL_SIZE, &it)) return 0;
    int taker = g->last_hitter >= 0 ? g->last_hitter : (b->vx > 0 ? 0 : 1);
    switch (g->item_kind) {
    case GAME_POWERUP_GROW: g->grow_steps[taker] = GAME_EFFECT_STEPS; break;
    case GAME_POWERUP_SHRINK: g->shrink_steps[1 - taker] = GAME_EFFECT_STEPS; break;
    default: g->fast_steps = GAME_EFFECT_STEPS; break;
    }
    g->last_powerup_kind = g->item_kind;
    g->last_powerup_player = taker;
    g->item_kind = GAME_POWERUP_NONE;
    g->item_timer = GAME_POWERUP_EVERY;
    set_paddle_height(g, 0);
    set_paddle_height(g, 1);
    return GAME_EV_POWERUP_TAKEN;
}

/* True if the box swept by the ball moving (ex, ey) from *b touches an obstacle. Without
 * one, a single move lands exactly where the sub-steps would: the sub-step displacements
 * sum to (ex, ey). A sweep that crosses a wall counts as near when there are obstacles
 * (its mirrored part is not checked). */
static bool near_obstacle(const game_t *g, const ball_t *b, int32_t ex, int32_t ey) {
    game_rect_t sweep = { gmath_min(b->x, b->x + ex), gmath_min(b->y, b->y + ey), gmath_abs(ex) + GAME_BALL_SIZE, gmath_abs(ey) + GAME_BALL_SIZE };
    if (sweep.y < 0 || sweep.y + sweep.h > GAME_FIELD_H) return g->obstacle_count > 0;   /* mirrored part unchecked */
    for (int32_t i = 0; i < g->obstacle_count; i++) {
        const game_rect_t *o = &g->obstacles[i];
        if (overlaps(sweep.x, sweep.y, sweep.w, sweep.h, o)) return true;
    }
    return false;
}

/* Moves the ball one step against g's walls and obstacles. With `live` (the same game,
 * writable) it also meets paddles and power-ups, which may change it; without (prediction)
 * nothing but *b changes. */
static uint32_t move_ball(const game_t *g, game_t *live, ball_t *b, int32_t mult) {
    uint32_t ev = 0;
    int32_t ex = (int32_t)((int64_t)b->vx * mult / MULT_ONE);
    int32_t ey = (int32_t)((int64_t)b->vy * mult / MULT_ONE);
    int32_t n = gmath_max(gmath_abs(ex), gmath_abs(ey)) / SUBSTEP + 1;
    if (!live && !near_obstacle(g, b, ex, ey)) {   /* same result as the sub-steps, in one move */
        b->x += ex;
        b->y += ey;
        return collide_walls(b);
    }
    for (int32_t i = 0; i < n; i++) {
        ex = (int32_t)((int64_t)b->vx * mult / MULT_ONE);     /* a bounce changes v mid-step */
        ey = (int32_t)((int64_t)b->vy * mult / MULT_ONE);
        int32_t px = b->x, py = b->y;
        b->x += ex * (i + 1) / n - ex * i / n;
        b->y += ey * (i + 1) / n - ey * i / n;
        ev |= collide_static(g, b, px, py);
        if (live) {
            ev |= collide_paddle(live, b, 0, px);
            ev |= collide_paddle(live, b, 1, px);
            ev |= take_item(live, b);
        }
    }
    return ev;
}

static uint32_t spawn_item(game_t *g) {
    for (int attempt = 0; attempt < 8; attempt++) {
        int32_t x = (260 * GAME_UNIT) + (int32_t)(gmath_xorshift32(&g->rng) % (uint32_t)(280 * GAME_UNIT - GAME_POWERUP_SIZE));
        int32_t y = (40 * GAME_UNIT) + (int32_t)(gmath_xorshift32(&g->rng) % (uint32_t)(520 * GAME_UNIT - GAME_POWERUP_SIZE));
        game_rect_t it = { x, y, GAME_POWERUP_SIZE, GAME_POWERUP_SIZE };
        bool clear = !overlaps(g->ball_x, g->ball_y, GAME_BALL_SIZE, GAME_BALL_SIZE, &it);
        for (int32_t i = 0; clear && i < g->obstacle_count; i++) {
            const game_rect_t *o = &g->obstacles[i];
            /* keep a ball's width of room around obstacles */
            game_rect_t grown = { o->x - GAME_BALL_SIZE, o->y - GAME_BALL_SIZE, o->w + 2 * GAME_BALL_SIZE, o->h + 2 * GAME_BALL_SIZE };
            if (overlaps(x, y, GAME_POWERUP_SIZE, GAME_POWERUP_SIZE, &grown)) clear = false;
        }
        if (!clear) continue;
        g->item_kind = 1 + (int32_t)(gmath_xorshift32(&g->rng) % GAME_POWERUP_KINDS);
        g->item_x = x;
        g->item_y = y;
        g->item_timer = GAME_POWERUP_LIFETIME;
        return GAME_EV_POWERUP_SPAWN;
    }
    g->item_timer = GAME_POWERUP_EVERY;   /* no room this time: try again later */
    return 0;
}

static uint32_t tick_powerups(game_t *g) {
    uint32_t ev = 0;
    for (int s = 0; s < 2; s++) {
        if (g->grow_steps[s] > 0) g->grow_steps[s]--;
        if (g->shrink_steps[s] > 0) g->shrink_steps[s]--;
        set_paddle_height(g, s);
    }
    if (g->fast_steps > 0) g->fast_steps--;
    if (!g->opt.powerups) return ev;
    if (--g->item_timer > 0) return ev;
    if (g->item_kind != GAME_POWERUP_NONE) {
        g->item_kind = GAME_POWERUP_NONE;
        g->item_timer = GAME_POWERUP_EVERY;
        return ev | GAME_EV_POWERUP_EXPIRED;
    }
    return ev | spawn_item(g);
}

static void move_paddle(game_t *g, int s, game_key_t key) {
    if (key == GAME_KEY_UP) g->paddle_y[s] -= GAME_PADDLE_SPEED;
    else if (key == GAME_KEY_DOWN) g->paddle_y[s] += GAME_PADDLE_SPEED;
    g->paddle_y[s] = gmath_clamp(g->paddle_y[s], 0, GAME_FIELD_H - g->paddle_h[s]);
}

static uint32_t serve(game_t *g) {
    int dir = (g->serves & 1) ? -1 : 1;
    int32_t k = (int32_t)(gmath_xorshift32(&g->rng) % (2 * SERVE_ANGLE_STEPS + 1)) - SERVE_ANGLE_STEPS;
    int32_t ax = (int32_t)(((int64_t)g->speed_base * COS_Q14[gmath_abs(k)]) >> 14);
    int32_t ay = (int32_t)(((int64_t)g->speed_base * SIN_Q14[gmath_abs(k)]) >> 14);
    g->ball_vx = dir * ax;
    g->ball_vy = k < 0 ? -ay : ay;
    g->ball_speed = g->speed_base;
    g->status = GAME_PLAYING;
    return GAME_EV_SERVE;
}

static uint32_t point_to(game_t *g, int s) {
    g->score[s]++;
    uint32_t ev = s == 0 ? GAME_EV_SCORE_LEFT : GAME_EV_SCORE_RIGHT;
    center_ball(g);
    if (g->score[s] >= g->opt.winning_score) {
        g->status = GAME_OVER;
        g->winner = s;
        return ev | GAME_EV_GAME_OVER;
    }
    g->status = GAME_SERVING;
    g->serve_timer = GAME_SERVE_STEPS;
    g->serves++;
    return ev;
}

uint32_t game_step(game_t *g, game_key_t left, game_key_t right) {
    if (g->status == GAME_OVER) return 0;
    g->tick++;
    move_paddle(g, 0, left);
    move_paddle(g, 1, right);
    uint32_t ev = tick_powerups(g);
    if (g->status == GAME_SERVING) {
        if (--g->serve_timer <= 0) ev |= serve(g);
        return ev;
    }
    ball_t b = { g->ball_x, g->ball_y, g->ball_vx, g->ball_vy };
    ev |= move_ball(g, g, &b, game_speed_mult(g));
    g->ball_x = b.x;
    g->ball_y = b.y;
    g->ball_vx = b.vx;
    g->ball_vy = b.vy;
    if (g->ball_x + GAME_BALL_SIZE <= 0) ev |= point_to(g, 1);
    else if (g->ball_x >= GAME_FIELD_W) ev |= point_to(g, 0);
    return ev;
}

int32_t game_predict_from(const game_t *g, int side, int32_t max_steps, int32_t x, int32_t y,
                          int32_t vx, int32_t vy, int32_t *ball_y) {
    if (side == 0 ? vx >= 0 : vx <= 0) return -1;
    ball_t b = { x, y, vx, vy };
    int32_t target = game_contact_x(side);
    int32_t mult = game_speed_mult(g);
    for (int32_t t = 1; t <= max_steps; t++) {
        move_ball(g, NULL, &b, mult);
        if (side == 0 ? b.x <= target : b.x >= target) {
            *ball_y = b.y;
            return t;
        }
    }
    return -1;
}

int32_t game_predict(const game_t *g, int side, int32_t max_steps, int32_t *ball_y) {
    if (g->status != GAME_PLAYING) return -1;
    return game_predict_from(g, side, max_steps, g->ball_x, g->ball_y, g->ball_vx, g->ball_vy, ball_y);
}

static uint32_t fnv(uint32_t h, int32_t v) {
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++) {
        h ^= (u >> (8 * i)) & 0xFFu;
        h *= 16777619u;
    }
    return h;
}

void game_export(const game_t *g, int32_t out[GAME_EXPORT_LEN]) {
    int32_t v[GAME_EXPORT_LEN] = {
        (int32_t)g->tick, g->status, g->serve_timer, g->score[0], g->score[1], g->winner,
        g->ball_x, g->ball_y, g->ball_vx, g->ball_vy, g->ball_speed,
        g->paddle_y[0], g->paddle_y[1], g->paddle_h[0], g->paddle_h[1],
        g->grow_steps[0], g->grow_steps[1], g->shrink_steps[0], g->shrink_steps[1], g->fast_steps,
        g->item_kind, g->item_x, g->item_y, g->item_timer, g->last_hitter, g->rally_hits,
        g->obstacle_count,
    };
    int32_t i = 27;
    for (int32_t k = 0; k < GAME_MAX_OBSTACLES; k++) {
        const game_rect_t *o = &g->obstacles[k];
        v[i++] = k < g->obstacle_count ? o->x : 0;
        v[i++] = k < g->obstacle_count ? o->y : 0;
        v[i++] = k < g->obstacle_count ? o->w : 0;
        v[i++] = k < g->obstacle_count ? o->h : 0;
    }
    v[i++] = g->last_powerup_kind;     /* 43 */
    v[i++] = g->last_powerup_player;   /* 44 */
    v[i++] = g->serves;                /* 45 */
    v[i++] = g->speed_cap;             /* 46 */
    v[i++] = g->opt.winning_score;     /* 47 */
    for (int32_t k = 0; k < GAME_EXPORT_LEN; k++) out[k] = v[k];
}

void game_save(const game_t *g, int32_t out[GAME_SAVE_LEN]) {
    game_export(g, out);
    int32_t *v = out + GAME_EXPORT_LEN;
    v[0] = g->opt.ball_speed;
    v[1] = g->opt.paddle_size;
    v[2] = g->opt.map;
    v[3] = g->opt.powerups;
    v[4] = (int32_t)g->opt.seed;
    v[5] = (int32_t)g->rng;
    v[6] = g->speed_base;
    v[7] = g->paddle_base_h;
}

static bool in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

game_opt_err_t game_load(game_t *g, const int32_t in[GAME_SAVE_LEN]) {
    const int32_t *x = in + GAME_EXPORT_LEN;
    game_options_t opt = { x[0], x[1], in[47], x[2], x[3], (uint32_t)x[4] };
    game_t t;
    game_opt_err_t err = game_init(&t, &opt);   /* validates the options, lays out the map */
    if (err != GAME_OPT_OK) return err;
    const int32_t max_speed = t.speed_cap * 2;  /* the "fast" effect included, with room */
    const int32_t max_h = GAME_FIELD_H;
    bool ok = in_range(in[1], GAME_SERVING, GAME_OVER) && in_range(in[2], 0, GAME_SERVE_STEPS) &&
              in_range(in[3], 0, opt.winning_score) && in_range(in[4], 0, opt.winning_score) && in_range(in[5], -1, 1) &&
              in_range(in[6], -GAME_FIELD_W, 2 * GAME_FIELD_W) && in_range(in[7], -GAME_FIELD_H, 2 * GAME_FIELD_H) &&
              in_range(in[8], -max_speed, max_speed) && in_range(in[9], -max_speed, max_speed) && in_range(in[10], 0, t.speed_cap) &&
              in_range(in[13], 1, max_h) && in_range(in[14], 1, max_h) && in_range(in[11], 0, GAME_FIELD_H) &&
              in_range(in[12], 0, GAME_FIELD_H) && in_range(in[15], 0, GAME_EFFECT_STEPS) &&
              in_range(in[16], 0, GAME_EFFECT_STEPS) && in_range(in[17], 0, GAME_EFFECT_STEPS) &&
              in_range(in[18], 0, GAME_EFFECT_STEPS) && in_range(in[19], 0, GAME_EFFECT_STEPS) &&
              in_range(in[20], GAME_POWERUP_NONE, GAME_POWERUP_KINDS) && in_range(in[21], 0, GAME_FIELD_W) &&
              in_range(in[22], 0, GAME_FIELD_H) && in_range(in[23], 0, GAME_POWERUP_LIFETIME + GAME_POWERUP_EVERY) &&
              in_range(in[24], -1, 1) && in[25] >= 0 && in[26] == t.obstacle_count &&
              in_range(in[43], GAME_POWERUP_NONE, GAME_POWERUP_KINDS) && in_range(in[44], -1, 1) && in[45] >= 0 &&
              in[46] == t.speed_cap && x[6] == t.speed_base && x[7] == t.paddle_base_h && x[5] != 0 && in[0] >= 0;
    if (!ok) return GAME_OPT_BAD_STATE;
    t.tick = (uint32_t)in[0];
    t.status = in[1];
    t.serve_timer = in[2];
    t.score[0] = in[3];
    t.score[1] = in[4];
    t.winner = in[5];
    t.ball_x = in[6];
    t.ball_y = in[7];
    t.ball_vx = in[8];
    t.ball_vy = in[9];
    t.ball_speed = in[10];
    t.paddle_y[0] = in[11];
    t.paddle_y[1] = in[12];
    t.paddle_h[0] = in[13];
    t.paddle_h[1] = in[14];
    t.grow_steps[0] = in[15];
    t.grow_steps[1] = in[16];
    t.shrink_steps[0] = in[17];
    t.shrink_steps[1] = in[18];
    t.fast_steps = in[19];
    t.item_kind = in[20];
    t.item_x = in[21];
    t.item_y = in[22];
    t.item_timer = in[23];
    t.last_hitter = in[24];
    t.rally_hits = in[25];
    t.last_powerup_kind = in[43];
    t.last_powerup_player = in[44];
    t.serves = in[45];
    t.rng = (uint32_t)x[5];
    *g = t;
    return GAME_OPT_OK;
}

uint32_t game_hash(const game_t *g) {
    int32_t v[GAME_EXPORT_LEN];
    game_export(g, v);
    uint32_t h = 2166136261u;
    for (int32_t k = 0; k < GAME_EXPORT_LEN; k++) h = fnv(h, v[k]);
    const game_options_t *o = &g->opt;
    h = fnv(h, o->ball_speed);
    h = fnv(h, o->paddle_size);
    h = fnv(h, o->map);
    h = fnv(h, o->powerups);
    h = fnv(h, (int32_t)o->seed);
    h = fnv(h, (int32_t)g->rng);
    h = fnv(h, g->speed_base);
    h = fnv(h, g->paddle_base_h);
    return h;
}
