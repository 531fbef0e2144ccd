/* gamecheck — plays N pseudo-random games with the native build of the simulation and
 * prints one line per game: "<index> <steps> <chain> <score-left> <score-right>", where
 * chain folds game_hash() of the state after every step (chain = (chain ^ hash) * FNV
 * prime), so two builds that agree on the chain agreed on every step.
 *
 *   build/tools/gamecheck <games> [first-index]
 *
 * tests/game/determinism.test.mjs generates the same games in JavaScript (same xorshift32
 * stream, consumed in the same order) against the WebAssembly build and compares. Keep the
 * two generators in step: options, then each side's player kind, then per step the left
 * player's key, then the right's.
 */
#include "ai.h"
#include "gmath.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_STEPS 20000

int main(int argc, char **argv) {
    if (argc < 2 || atol(argv[1]) <= 0) {
        fprintf(stderr, "usage: %s <games> [first-index]\n", argv[0]);
        return 2;
    }
    long games = atol(argv[1]);
    long first = argc > 2 ? atol(argv[2]) : 0;
    for (long i = first; i < first + games; i++) {
        uint32_t r = (uint32_t)(i + 1) * 2654435761u;
        if (r == 0) r = 1;
        gmath_xorshift32(&r);
        game_options_t o;
        o.ball_speed = (int32_t)(gmath_xorshift32(&r) % 3);
        o.paddle_size = (int32_t)(gmath_xorshift32(&r) % 3);
        o.winning_score = 1 + (int32_t)(gmath_xorshift32(&r) % 5);
        o.map = (int32_t)(gmath_xorshift32(&r) % 4);
        o.powerups = (int32_t)(gmath_xorshift32(&r) % 2);
        o.seed = gmath_xorshift32(&r);
        game_t g;
        if (game_init(&g, &o) != GAME_OPT_OK) return 1;
        int kind[2];
        ai_harness_t h[2];
        game_key_t key[2] = { GAME_KEY_NONE, GAME_KEY_NONE };
        for (int s = 0; s < 2; s++) {
            kind[s] = (int)(gmath_xorshift32(&r) % 4);           /* 0 random keys, 1..3 AI level kind-1 */
            if (kind[s]) ai_harness_init(&h[s], kind[s] - 1, s, gmath_xorshift32(&r));
        }
        uint32_t chain = 2166136261u;
        long steps = 0;
        while (g.status != GAME_OVER && steps < MAX_STEPS) {
            for (int s = 0; s < 2; s++) {
                if (kind[s]) key[s] = ai_harness_step(&h[s], &g);
                else if (gmath_xorshift32(&r) % 8 == 0) key[s] = (game_key_t)(gmath_xorshift32(&r) % 3);
            }
            game_step(&g, key[0], key[1]);
            chain = (chain ^ game_hash(&g)) * 16777619u;
            steps++;
        }
        printf("%ld %ld %u %d %d\n", i, steps, chain, g.score[0], g.score[1]);
    }
    return 0;
}
