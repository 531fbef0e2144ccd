/* ai — the computer opponent. Pure C like game.c (no allocation, no I/O, no libc, no
 * globals): it runs natively on the server and in WebAssembly in the browser.
 *
 * The AI sees the game once per second, through ai_observe(); between views ai_act() must
 * decide from what it remembers and has no access to the game at all. ai_harness_step()
 * is the only way the rest of the program drives it, and it enforces the once-per-second
 * rule. The AI acts only by pressing up or down, so its paddle moves at the same speed as a
 * human's. docs/ai.md explains the planning and lists measured win rates.
 */
#ifndef PONGD_AI_H
#define PONGD_AI_H

#include "game.h"

typedef enum { AI_EASY = 0, AI_NORMAL = 1, AI_HARD = 2, AI_LEVELS } ai_level_t;

#define AI_VIEW_EVERY GAME_STEPS_PER_SECOND   /* steps between two views of the game */

typedef struct {
    int32_t level;          /* ai_level_t */
    int32_t side;           /* 0 left, 1 right */
    uint32_t rng;           /* its own errors; never 0 */
    int32_t since_view;     /* steps since the last view */
    int32_t my_y, my_h;     /* own paddle, dead-reckoned from its own key presses */
    int32_t target1;        /* paddle centre wanted until step `switch_at` ... */
    int32_t switch_at;
    int32_t target2;        /* ... and after it */
    int32_t idle_until;     /* reaction time after a view: no key before this step */
} ai_t;

typedef struct {
    ai_t ai;
    uint32_t steps;         /* steps driven so far */
    uint32_t views;         /* how many times the AI was shown the game */
} ai_harness_t;

/* Prepares an AI of `level` (clamped to the valid range) playing `side`. */
void ai_init(ai_t *ai, int32_t level, int32_t side, uint32_t seed);

/* Shows the AI the current game. Only ai_harness_step() calls this. */
void ai_observe(ai_t *ai, const game_t *view);

/* The key the AI presses for the next step, from memory only. */
game_key_t ai_act(ai_t *ai);

/* Prepares a harness; the first step shows the game to the AI. */
void ai_harness_init(ai_harness_t *h, int32_t level, int32_t side, uint32_t seed);

/* The AI's key for this step: on every AI_VIEW_EVERY-th step (the first included) it is
 * shown *g first; on the others *g is not read at all. */
game_key_t ai_harness_step(ai_harness_t *h, const game_t *g);

/* The reference opponent used to measure the AI: it reads the full state on every step,
 * knows the exact interception point and goes there at full paddle speed (and waits in
 * the middle when the ball moves away). */
game_key_t ai_reference_act(const game_t *g, int32_t side);

#endif
