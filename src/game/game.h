/* game — the deterministic Pong simulation.
 *
 * Pure C: no allocation, no I/O, no libc calls, no globals, integer arithmetic only. The
 * same file is compiled natively (server, tools, tests) and to WebAssembly (browser), and
 * both compute bit-identical states from the same options and inputs
 * (tests/game/determinism.test.mjs proves it on 10,000 random games).
 *
 * Geometry: the field is GAME_FIELD_W x GAME_FIELD_H pixels; every coordinate and speed is
 * held in 1/256 pixel (GAME_UNIT). Rectangles are (x, y, w, h) with y growing downwards.
 * The caller owns the game_t; game_step() advances it by one 1/60 s step.
 */
#ifndef PONGD_GAME_H
#define PONGD_GAME_H

#include <stdbool.h>
#include <stdint.h>

#define GAME_STEPS_PER_SECOND 60
#define GAME_UNIT 256                      /* sub-pixel units per pixel */
#define GAME_FIELD_W (800 * GAME_UNIT)
#define GAME_FIELD_H (600 * GAME_UNIT)
#define GAME_BALL_SIZE (12 * GAME_UNIT)
#define GAME_PADDLE_W (12 * GAME_UNIT)
#define GAME_PADDLE_INSET (24 * GAME_UNIT)  /* goal line to the paddle's outer edge */
#define GAME_PADDLE_SPEED (5 * GAME_UNIT)   /* per step (300 px/s); the same for every paddle */
#define GAME_SERVE_STEPS 60                 /* countdown before each serve: 1 s */
#define GAME_MAX_OBSTACLES 4
#define GAME_POWERUP_SIZE (28 * GAME_UNIT)
#define GAME_POWERUP_EVERY 420              /* steps between a power-up taken/expired and the next */
#define GAME_POWERUP_LIFETIME 600           /* an untaken power-up vanishes after 10 s */
#define GAME_EFFECT_STEPS 600               /* each effect lasts 10 s */
#define GAME_WINNING_SCORE_MAX 21

typedef enum { GAME_KEY_NONE = 0, GAME_KEY_UP = 1, GAME_KEY_DOWN = 2 } game_key_t;

typedef enum { GAME_SPEED_SLOW = 0, GAME_SPEED_NORMAL = 1, GAME_SPEED_FAST = 2, GAME_SPEED_COUNT } game_speed_t;
typedef enum { GAME_PADDLE_SMALL = 0, GAME_PADDLE_NORMAL = 1, GAME_PADDLE_LARGE = 2, GAME_PADDLE_COUNT } game_paddle_t;
typedef enum { GAME_MAP_CLASSIC = 0, GAME_MAP_BUMPERS = 1, GAME_MAP_PILLARS = 2, GAME_MAP_GATES = 3, GAME_MAP_COUNT } game_map_t;

typedef enum {
    GAME_POWERUP_NONE = 0,
    GAME_POWERUP_GROW = 1,    /* the taker's paddle 1.5x taller */
    GAME_POWERUP_SHRINK = 2,  /* the opponent's paddle 0.6x */
    GAME_POWERUP_FAST = 3,    /* the ball moves 1.35x faster */
    GAME_POWERUP_KINDS = 3,
} game_powerup_t;

typedef enum { GAME_SERVING = 0, GAME_PLAYING = 1, GAME_OVER = 2 } game_status_t;

/* game_step()'s return value: a bit set of what happened during the step. */
enum {
    GAME_EV_HIT_LEFT = 1u << 0,      /* the left paddle returned the ball */
    GAME_EV_HIT_RIGHT = 1u << 1,
    GAME_EV_WALL = 1u << 2,          /* top or bottom wall */
    GAME_EV_OBSTACLE = 1u << 3,
    GAME_EV_SCORE_LEFT = 1u << 4,    /* the left player scored */
    GAME_EV_SCORE_RIGHT = 1u << 5,
    GAME_EV_SERVE = 1u << 6,         /* the ball was launched */
    GAME_EV_POWERUP_SPAWN = 1u << 7,
    GAME_EV_POWERUP_TAKEN = 1u << 8, /* details: last_powerup_kind / last_powerup_player */
    GAME_EV_POWERUP_EXPIRED = 1u << 9,
    GAME_EV_GAME_OVER = 1u << 10,    /* details: winner */
};

/* Option errors (game_options_validate); the browser translates the codes. */
typedef enum {
    GAME_OPT_OK = 0,
    GAME_OPT_BAD_SPEED = -1,
    GAME_OPT_BAD_PADDLE = -2,
    GAME_OPT_BAD_SCORE = -3,
    GAME_OPT_BAD_MAP = -4,
    GAME_OPT_BAD_POWERUPS = -5,
    GAME_OPT_BAD_STATE = -6,   /* game_load: a state field out of its range */
} game_opt_err_t;

typedef struct {
    int32_t ball_speed;     /* game_speed_t */
    int32_t paddle_size;    /* game_paddle_t */
    int32_t winning_score;  /* 1..GAME_WINNING_SCORE_MAX */
    int32_t map;            /* game_map_t */
    int32_t powerups;       /* 0 or 1 */
    uint32_t seed;          /* serve angles and power-up placement derive from it */
} game_options_t;

typedef struct { int32_t x, y, w, h; } game_rect_t;

typedef struct {
    game_options_t opt;
    uint32_t rng;           /* xorshift32 state, never 0 */
    uint32_t tick;          /* steps since start */
    int32_t status;         /* game_status_t */
    int32_t serve_timer;    /* steps left before the ball is launched */
    int32_t serves;         /* serves so far; the direction alternates */
    int32_t winner;         /* 0 left, 1 right, -1 none yet */
    int32_t score[2];

    int32_t ball_x, ball_y;     /* top-left corner */
    int32_t ball_vx, ball_vy;   /* per step, before the "fast" effect */
    int32_t ball_speed;         /* |v| per step; grows on each paddle hit up to speed_cap */
    int32_t speed_base, speed_cap;
    int32_t last_hitter;        /* 0, 1, or -1 since the serve */
    int32_t rally_hits;

    int32_t paddle_y[2];        /* top edge */
    int32_t paddle_h[2];        /* current height, effects included */
    int32_t paddle_base_h;

    int32_t grow_steps[2];      /* effect timers, 0 = inactive */
    int32_t shrink_steps[2];
    int32_t fast_steps;

    int32_t item_kind;          /* game_powerup_t on the field, NONE if there is none */
    int32_t item_x, item_y;
    int32_t item_timer;         /* steps until the next spawn, or until the item vanishes */
    int32_t last_powerup_kind, last_powerup_player;

    int32_t obstacle_count;
    game_rect_t obstacles[GAME_MAX_OBSTACLES];
} game_t;

/* The "classic" preset: normal speed and paddles, first to 5, no obstacles, no power-ups. */
game_options_t game_options_classic(uint32_t seed);

/* GAME_OPT_OK, or the first invalid field's error code. */
game_opt_err_t game_options_validate(const game_options_t *opt);

/* A short English reason for an error code (never NULL). */
const char *game_opt_err_str(game_opt_err_t err);

/* Initialises *g for a new game (first serve pending). Returns the validation error and
 * leaves *g untouched if the options are invalid. */
game_opt_err_t game_init(game_t *g, const game_options_t *opt);

/* Advances one step with the two players' keys. A finished game does not change. Returns
 * GAME_EV_* bits. */
uint32_t game_step(game_t *g, game_key_t left, game_key_t right);

/* FNV-1a hash of every field of the state, in a fixed order (padding-independent). */
uint32_t game_hash(const game_t *g);

/* The x of the face the ball meets for side 0 (left) or 1 (right), as a ball_x value. */
int32_t game_contact_x(int side);

/* Predicts where the ball (ball_y, top edge) will be when it reaches `side`'s paddle face,
 * following wall and obstacle bounces but ignoring paddles and power-ups. Returns the
 * number of steps until then, or -1 when the ball is not travelling towards that side (or
 * does not arrive within max_steps). Pure: *g is not modified. */
int32_t game_predict(const game_t *g, int side, int32_t max_steps, int32_t *ball_y);

/* Same, from an explicit ball position and velocity (speed multiplier in 1/20). */
int32_t game_predict_from(const game_t *g, int side, int32_t max_steps, int32_t x, int32_t y,
                          int32_t vx, int32_t vy, int32_t *ball_y);

/* Velocity after a paddle hit at a contact offset: `offset` is the ball centre minus the
 * paddle centre, `paddle_h` the paddle height; dir +1 sends it right, -1 left. */
void game_bounce_velocity(int32_t speed, int32_t offset, int32_t paddle_h, int dir, int32_t *vx, int32_t *vy);

/* How much each paddle hit adds to the ball speed (until speed_cap). */
int32_t game_speed_step(const game_t *g);

/* The ball multiplier (in 1/20) currently in force: 20, or 27 while "fast" is active. */
int32_t game_speed_mult(const game_t *g);

/* Flat export for renderers and the network: GAME_EXPORT_LEN int32 values, layout in
 * game.c (and web/src/game/pong.js). */
#define GAME_EXPORT_LEN 48
void game_export(const game_t *g, int32_t out[GAME_EXPORT_LEN]);

/* The whole state as GAME_SAVE_LEN int32 values (what game_hash() covers): the export, then
 * the options, the RNG and the derived speeds. A server's snapshot carries it; a client
 * restores it with game_load() and simulates on from there, bit for bit as the server. */
#define GAME_SAVE_LEN (GAME_EXPORT_LEN + 8)
void game_save(const game_t *g, int32_t out[GAME_SAVE_LEN]);

/* Restores a state game_save() wrote. Refuses (GAME_OPT_* for bad options, GAME_OPT_BAD_STATE
 * for a field out of its range) without touching *g, so bytes from the network can never put
 * the simulation in a state it could not reach by itself (zero-height paddles, a ball
 * outside the field, an unknown status). The obstacles come from the map, not the input. */
game_opt_err_t game_load(game_t *g, const int32_t in[GAME_SAVE_LEN]);

#endif
