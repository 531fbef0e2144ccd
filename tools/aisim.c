/* aisim — plays thousands of headless games between the AI levels and the reference
 * opponent and prints the win-rate tables that docs/ai.md records.
 *
 *   build/tools/aisim [games-per-pairing] [--seed N]
 *
 * Each pairing plays its games with the sides swapped every game and a fresh seed per game
 * (the seed drives serve angles, power-up placement and each AI's errors). A game that is
 * not over after MAX_STEPS (10 minutes of play) counts as unfinished. Output is Markdown,
 * then one machine-readable line per cell on stderr ("cell <options> <row> <col> <wins>
 * <losses> <unfinished> <mean-steps>") that tests/game/ai-table.test.mjs reads.
 */
#include "ai.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS (GAME_STEPS_PER_SECOND * 600)
#define REFERENCE AI_LEVELS   /* column index of the reference opponent */

static const char *NAMES[] = { "easy", "normal", "hard", "reference" };

typedef struct { int32_t level; ai_harness_t h; } player_t;

static game_key_t play(player_t *p, const game_t *g, int side) {
    if (p->level == REFERENCE) return ai_reference_act(g, side);
    return ai_harness_step(&p->h, g);
}

/* Returns 0 if `a` won, 1 if `b` won, -1 unfinished. */
static int one_game(int32_t a, int32_t b, bool a_left, const game_options_t *opt, uint32_t seed, long *steps) {
    game_t g;
    game_init(&g, opt);
    player_t pl[2];
    int32_t lv[2] = { a_left ? a : b, a_left ? b : a };
    for (int s = 0; s < 2; s++) {
        pl[s].level = lv[s];
        if (lv[s] != REFERENCE) ai_harness_init(&pl[s].h, lv[s], s, seed * 2654435761u + (uint32_t)s);
    }
    for (long t = 0; t < MAX_STEPS && g.status != GAME_OVER; t++) {
        game_key_t l = play(&pl[0], &g, 0), r = play(&pl[1], &g, 1);
        game_step(&g, l, r);
        (*steps)++;
    }
    if (g.status != GAME_OVER) return -1;
    int a_side = a_left ? 0 : 1;
    return g.winner == a_side ? 0 : 1;
}

static void table(const char *label, const game_options_t *base, int games, uint32_t seed0) {
    printf("\n### %s\n\nRow player's wins against the column player, %d games per cell.\n\n", label, games);
    printf("| | easy | normal | hard | reference |\n|---|---|---|---|---|\n");
    char cells[AI_LEVELS][REFERENCE + 1][96];
    for (int32_t a = 0; a < AI_LEVELS; a++) {
        printf("| **%s** |", NAMES[a]);
        for (int32_t b = 0; b <= REFERENCE; b++) {
            int wins = 0, losses = 0, open = 0;
            long steps = 0;
            for (int i = 0; i < games; i++) {
                game_options_t o = *base;
                o.seed = seed0 + (uint32_t)(a * 1000003 + b * 10007 + i);
                int r = one_game(a, b, i % 2 == 0, &o, o.seed, &steps);
                if (r == 0) wins++;
                else if (r == 1) losses++;
                else open++;
            }
            printf(" %.1f %% |", 100.0 * wins / games);
            snprintf(cells[a][b], sizeof cells[a][b], "cell %s %s %s %d %d %d %.0f", label, NAMES[a], NAMES[b], wins,
                     losses, open, (double)steps / games);
            fflush(stdout);
        }
        printf("\n");
    }
    printf("\n");
    for (int32_t a = 0; a < AI_LEVELS; a++)
        for (int32_t b = 0; b <= REFERENCE; b++) fprintf(stderr, "%s\n", cells[a][b]);
}

int main(int argc, char **argv) {
    int games = 1000;
    uint32_t seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (atoi(argv[i]) > 0) games = atoi(argv[i]);
        else {
            fprintf(stderr, "usage: %s [games-per-pairing] [--seed N]\n", argv[0]);
            return 2;
        }
    }
    game_options_t classic = game_options_classic(0);
    table("classic", &classic, games, seed);
    game_options_t custom = classic;
    custom.map = GAME_MAP_PILLARS;
    custom.powerups = 1;
    table("pillars+powerups", &custom, games, seed);
    return 0;
}
