/* glicko — Glicko-2 ratings (Glickman, "Example of the Glicko-2 system", 2013), the maths
 * only: pure functions on doubles, no I/O, no allocation; callable from any thread.
 *
 * The project's policy (docs/matchmaking.md "Ratings"): every finished game is one rating
 * period of one game for each player; τ = GLICKO_TAU; new players GLICKO_NEW_*; RD kept within
 * [GLICKO_RD_MIN, GLICKO_RD_MAX]. Storage is integer (users.rating_milli, rd_milli,
 * vol_micro): glicko_to_stored / glicko_from_stored convert. */
#ifndef PONGD_GLICKO_H
#define PONGD_GLICKO_H

#include <stddef.h>
#include <stdint.h>

#define GLICKO_TAU 0.5
#define GLICKO_NEW_RATING 1500.0
#define GLICKO_NEW_RD 350.0
#define GLICKO_NEW_VOL 0.06
#define GLICKO_RD_MIN 30.0
#define GLICKO_RD_MAX 350.0
/* RD above this: the rating is provisional (the API's `provisional`). */
#define GLICKO_PROVISIONAL_RD 110.0
/* The convergence tolerance of the volatility iteration (the paper's ε). */
#define GLICKO_EPSILON 0.000001

typedef struct {
    double rating, rd, vol;   /* Glicko scale (1500-based), rating deviation, volatility σ */
} glicko_t;

typedef struct {
    double rating, rd;        /* the opponent's, before the period */
    double score;             /* 1 win, 0.5 draw, 0 loss */
} glicko_game_t;

/* One rating period of player p against n games (n may be 0: only the RD grows), with system
 * constant tau > 0; no clamping. *out may alias *p. 0, or ERR_INVALID for a non-positive rd,
 * vol or tau, a score outside [0, 1], or n > 0 with games NULL. */
int glicko_update(const glicko_t *p, const glicko_game_t *games, size_t n, double tau, glicko_t *out);

/* The project's game: a and b played one game, a scored score_a (1 win, 0 loss); both get
 * their new ratings (each computed from the other's rating before the game), τ = GLICKO_TAU,
 * RD clamped to [GLICKO_RD_MIN, GLICKO_RD_MAX]. 0 or ERR_INVALID as glicko_update. */
int glicko_game(const glicko_t *a, const glicko_t *b, double score_a, glicko_t *a_out, glicko_t *b_out);

/* The stored integers: rating and RD in thousandths, σ in millionths, rounded to nearest. */
void glicko_to_stored(const glicko_t *g, int64_t *rating_milli, int64_t *rd_milli, int64_t *vol_micro);
glicko_t glicko_from_stored(int64_t rating_milli, int64_t rd_milli, int64_t vol_micro);

#endif
