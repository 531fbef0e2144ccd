/* libFuzzer: the game simulation and the AI on arbitrary options and key sequences.
 * Input: 6 option bytes + 4 seed bytes + 1 mode byte, then one byte per step (bits 0-1
 * left key, bits 2-3 right key; a key value of 3 hands that side to the AI / reference).
 * Invariants checked after every step: ball and paddles inside the field, speeds within
 * the cap, scores within the winning score, a consistent winner; invalid options refused
 * without touching the state. At the end, game_save/game_load: the saved state restores to
 * the same bytes; then the saved state with input bytes mixed into its fields (the state a
 * client receives from the network) is either refused without touching the game, or steps
 * on without undefined behaviour (ASan/UBSan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai.h"
#include "game.h"

static void check(const game_t *g) {
    if (g->status < GAME_SERVING || g->status > GAME_OVER) abort();
    if (g->ball_y < 0 || g->ball_y > GAME_FIELD_H - GAME_BALL_SIZE) abort();
    int32_t reach = g->speed_cap * 27 / 20 + GAME_BALL_SIZE;
    if (g->ball_x < -reach || g->ball_x > GAME_FIELD_W + reach) abort();
    if (g->ball_speed < g->speed_base || g->ball_speed > g->speed_cap) abort();
    for (int s = 0; s < 2; s++) {
        if (g->paddle_y[s] < 0 || g->paddle_y[s] + g->paddle_h[s] > GAME_FIELD_H) abort();
        if (g->paddle_h[s] <= 0) abort();
        if (g->score[s] < 0 || g->score[s] > g->opt.winning_score) abort();
    }
    if (g->status == GAME_OVER) {
        if (g->winner < 0 || g->winner > 1 || g->score[g->winner] != g->opt.winning_score) abort();
    } else if (g->winner != -1) {
        abort();
    }
    if (g->item_kind != GAME_POWERUP_NONE) {
        if (!g->opt.powerups || g->item_kind > GAME_POWERUP_KINDS) abort();
        if (g->item_x < 0 || g->item_x + GAME_POWERUP_SIZE > GAME_FIELD_W) abort();
        if (g->item_y < 0 || g->item_y + GAME_POWERUP_SIZE > GAME_FIELD_H) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 11) return 0;
    if (size > 1024) size = 1024;   /* bounded work per input: ~4,000 steps at most */
    game_options_t o;
    o.ball_speed = (int8_t)data[0] % 4;       /* includes invalid values */
    o.paddle_size = (int8_t)data[1] % 4;
    o.winning_score = (int8_t)data[2] % 24;
    o.map = (int8_t)data[3] % 5;
    o.powerups = (int8_t)data[4] % 3;
    o.seed = (uint32_t)data[6] | (uint32_t)data[7] << 8 | (uint32_t)data[8] << 16 | (uint32_t)data[9] << 24;
    int level = data[5] % AI_LEVELS;
    game_t g;
    memset(&g, 0x5A, sizeof g);
    game_t before = g;
    game_opt_err_t err = game_init(&g, &o);
    if (err != game_options_validate(&o)) abort();
    if (err != GAME_OPT_OK) {
        if (memcmp(&g, &before, sizeof g) != 0) abort();
        return 0;
    }
    ai_harness_t h[2];
    ai_harness_init(&h[0], level, 0, o.seed);
    ai_harness_init(&h[1], (level + 1) % AI_LEVELS, 1, ~o.seed);
    bool reference = data[10] & 1;
    for (size_t i = 11; i < size; i++) {
        /* replay each input byte for a few steps so games get somewhere */
        for (int rep = 0; rep < 4; rep++) {
            game_key_t k[2];
            for (int s = 0; s < 2; s++) {
                int v = (data[i] >> (2 * s)) & 3;
                if (v == 3) k[s] = reference && s == 1 ? ai_reference_act(&g, 1) : ai_harness_step(&h[s], &g);
                else k[s] = (game_key_t)v;
            }
            uint32_t ev = game_step(&g, k[0], k[1]);
            check(&g);
            if ((ev & GAME_EV_GAME_OVER) && g.status != GAME_OVER) abort();
            int32_t y;
            if (rep == 0 && (i & 15) == 0) (void)game_predict(&g, (int)(i & 1), 400, &y);
        }
    }
    int32_t saved[GAME_SAVE_LEN], again[GAME_SAVE_LEN];
    game_save(&g, saved);
    game_t copy;
    if (game_load(&copy, saved) != GAME_OPT_OK) abort();
    game_save(&copy, again);
    if (memcmp(saved, again, sizeof saved) != 0 || game_hash(&copy) != game_hash(&g)) abort();
    for (size_t i = 11; i < size; i++) saved[(i * 7 + data[i]) % GAME_SAVE_LEN] ^= (int32_t)((uint32_t)data[i] << ((i % 4) * 8));
    before = copy;
    if (game_load(&copy, saved) != GAME_OPT_OK) {
        if (memcmp(&copy, &before, sizeof copy) != 0) abort();
        return 0;
    }
    for (int k = 0; k < 120; k++) game_step(&copy, (game_key_t)(k % 3), (game_key_t)((k / 3) % 3));
    return 0;
}
