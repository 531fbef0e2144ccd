/* The WebAssembly face of the game and ai modules (compiled by the Makefile with clang
 * --target=wasm32, no libc). One module instance holds one game and an AI harness per
 * side; web/src/game/pong.js instantiates the module once per game. The statics below are
 * this instance's state, which is what a wasm instance is for; game.c and ai.c themselves
 * keep no globals.
 */
#include "ai.h"
#include "game.h"

#include <stddef.h>

#define EXPORT(name) __attribute__((export_name(#name)))

static game_t game;
static ai_harness_t ai[2];
static int32_t ai_on[2];
static int32_t out[GAME_EXPORT_LEN];

/* clang may lower struct copies and zero-initialisation to these */
void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

EXPORT(pw_init) int32_t pw_init(int32_t speed, int32_t paddle, int32_t score, int32_t map, int32_t powerups, uint32_t seed) {
    game_options_t o = { speed, paddle, score, map, powerups, seed };
    ai_on[0] = ai_on[1] = 0;
    for (int s = 0; s < 2; s++) {   /* a new game has no AI yet: views count from zero */
        ai_harness_t z = { 0 };
        ai[s] = z;
    }
    return game_init(&game, &o);
}

EXPORT(pw_step) uint32_t pw_step(int32_t left, int32_t right) {
    if (left < 0 || left > 2) left = 0;
    if (right < 0 || right > 2) right = 0;
    return game_step(&game, (game_key_t)left, (game_key_t)right);
}

EXPORT(pw_hash) uint32_t pw_hash(void) { return game_hash(&game); }

/* Fills and returns the address of the GAME_EXPORT_LEN int32 export (layout: game.c). */
EXPORT(pw_export) int32_t *pw_export(void) {
    game_export(&game, out);
    return out;
}

EXPORT(pw_export_len) int32_t pw_export_len(void) { return GAME_EXPORT_LEN; }

/* The whole state (game_save/game_load): pw_save fills the GAME_SAVE_LEN int32 buffer at
 * pw_state() and returns it; pw_load restores the game from that buffer (the page writes a
 * server snapshot there first) and returns 0 or the GAME_OPT_* refusal. */
static int32_t state[GAME_SAVE_LEN];
EXPORT(pw_state) int32_t *pw_state(void) { return state; }
EXPORT(pw_save_len) int32_t pw_save_len(void) { return GAME_SAVE_LEN; }
EXPORT(pw_save) int32_t *pw_save(void) {
    game_save(&game, state);
    return state;
}
EXPORT(pw_load) int32_t pw_load(void) { return game_load(&game, state); }

EXPORT(pw_ai_init) void pw_ai_init(int32_t side, int32_t level, uint32_t seed) {
    side = side ? 1 : 0;
    ai_harness_init(&ai[side], level, side, seed);
    ai_on[side] = 1;
}

/* The AI's key for the next step (it sees the game only every AI_VIEW_EVERY calls). */
EXPORT(pw_ai_key) int32_t pw_ai_key(int32_t side) {
    side = side ? 1 : 0;
    return ai_on[side] ? (int32_t)ai_harness_step(&ai[side], &game) : GAME_KEY_NONE;
}

EXPORT(pw_ai_views) uint32_t pw_ai_views(int32_t side) { return ai[side ? 1 : 0].views; }

EXPORT(pw_reference_key) int32_t pw_reference_key(int32_t side) { return (int32_t)ai_reference_act(&game, side ? 1 : 0); }

/* Geometry constants, so the JavaScript side has one source of truth. */
EXPORT(pw_const) int32_t pw_const(int32_t which) {
    switch (which) {
    case 0: return GAME_UNIT;
    case 1: return GAME_FIELD_W;
    case 2: return GAME_FIELD_H;
    case 3: return GAME_BALL_SIZE;
    case 4: return GAME_PADDLE_W;
    case 5: return GAME_PADDLE_INSET;
    case 6: return GAME_POWERUP_SIZE;
    case 7: return GAME_STEPS_PER_SECOND;
    case 8: return GAME_SERVE_STEPS;
    case 9: return GAME_EFFECT_STEPS;
    case 10: return GAME_PADDLE_SPEED;
    case 11: return GAME_WINNING_SCORE_MAX;
    default: return -1;
    }
}
