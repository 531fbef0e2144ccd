/* gamebench — the cost of the native simulation and of the AI, on one core.
 *
 *   build/tools/gamebench [seconds-per-measure]
 *
 * Measures (median of 5 runs each), with the pillars map and power-ups on:
 *   step    game_step() with two AI players' keys (ns per step, steps per second);
 *   act     ai_act() between views (ns per call);
 *   observe ai_observe(), the AI's planning once per second (ns per view);
 * and from them the share of one core that 10,000 concurrent AI-vs-AI games at 60 steps/s
 * would take. Prints "name value unit" lines.
 */
#include "ai.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static game_options_t opts(uint32_t seed) {
    game_options_t o = game_options_classic(seed);
    o.map = GAME_MAP_PILLARS;
    o.powerups = 1;
    o.winning_score = GAME_WINNING_SCORE_MAX;
    return o;
}

static volatile uint32_t sink;

/* ns per game_step (keys from two AIs precomputed in a trace, so only the step is timed) */
static double bench_step(double secs) {
    enum { TRACE = 1 << 16 };
    static game_key_t keys[TRACE][2];
    game_t g;
    game_options_t o = opts(7);
    game_init(&g, &o);
    ai_harness_t h[2];
    ai_harness_init(&h[0], AI_HARD, 0, 1);
    ai_harness_init(&h[1], AI_NORMAL, 1, 2);
    game_t start = g;
    for (int i = 0; i < TRACE; i++) {
        keys[i][0] = ai_harness_step(&h[0], &g);
        keys[i][1] = ai_harness_step(&h[1], &g);
        if (g.status == GAME_OVER) game_init(&g, &o);
        game_step(&g, keys[i][0], keys[i][1]);
    }
    long n = 0;
    double t0 = now_s(), t;
    do {
        g = start;   /* each pass replays the recorded game from its start, so keys fit the state */
        for (int i = 0; i < TRACE; i++) {
            if (g.status == GAME_OVER) g = start;
            sink ^= game_step(&g, keys[i][0], keys[i][1]);
        }
        n += TRACE;
        t = now_s();
    } while (t - t0 < secs);
    return (t - t0) * 1e9 / (double)n;
}

/* ns per ai_observe and per ai_act, on states taken from a real game */
static void bench_ai(double secs, double *observe_ns, double *act_ns) {
    enum { SNAP = 4096 };
    static game_t snaps[SNAP];
    game_t g;
    game_options_t o = opts(11);
    game_init(&g, &o);
    ai_harness_t h[2];
    ai_harness_init(&h[0], AI_HARD, 0, 3);
    ai_harness_init(&h[1], AI_HARD, 1, 4);
    for (int i = 0; i < SNAP; i++) {
        for (int k = 0; k < 7; k++) {
            if (g.status == GAME_OVER) game_init(&g, &o);
            game_step(&g, ai_harness_step(&h[0], &g), ai_harness_step(&h[1], &g));
        }
        snaps[i] = g;
    }
    ai_t ai;
    ai_init(&ai, AI_HARD, 0, 5);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < SNAP; i++) ai_observe(&ai, &snaps[i]);
        n += SNAP;
        t = now_s();
    } while (t - t0 < secs);
    *observe_ns = (t - t0) * 1e9 / (double)n;
    n = 0;
    t0 = now_s();
    do {
        for (int i = 0; i < SNAP; i++) {
            if (i % AI_VIEW_EVERY == 0) ai_observe(&ai, &snaps[i]);
            sink ^= (uint32_t)ai_act(&ai);
        }
        n += SNAP;
        t = now_s();
    } while (t - t0 < secs);
    /* subtract the observes done in that loop */
    *act_ns = ((t - t0) * 1e9 - (double)n / AI_VIEW_EVERY * *observe_ns) / (double)n;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    if (secs <= 0) secs = 1.0;
    enum { RUNS = 5 };
    double step[RUNS], obs[RUNS], act[RUNS];
    for (int i = 0; i < RUNS; i++) {
        step[i] = bench_step(secs);
        bench_ai(secs, &obs[i], &act[i]);
    }
    qsort(step, RUNS, sizeof step[0], cmp);
    qsort(obs, RUNS, sizeof obs[0], cmp);
    qsort(act, RUNS, sizeof act[0], cmp);
    double s = step[RUNS / 2], o = obs[RUNS / 2], a = act[RUNS / 2];
    /* per second, 10,000 games: 60 steps, 2 x 60 acts, 2 observes each */
    double core = 10000.0 * (60.0 * s + 120.0 * a + 2.0 * o) / 1e9;
    printf("step_ns %.1f ns\n", s);
    printf("steps_per_second %.0f steps/s\n", 1e9 / s);
    printf("ai_observe_ns %.1f ns\n", o);
    printf("ai_act_ns %.1f ns\n", a);
    printf("core_share_10000_games %.2f %%\n", core * 100.0);
    return 0;
}
