/* glicko: the paper's worked example (Glickman 2013), the project's per-game policy and its
 * edge cases, the stored integers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "err.h"
#include "glicko.h"

#define NEAR(x, want, tol) assert_true(fabs((x) - (want)) <= (tol))

/* "Example of the Glicko-2 system": 1500/200/0.06 beats 1400/30, loses to 1550/100 and
 * 1700/300 → r' 1464.06, RD' 151.52, σ' 0.05999. The paper rounds its intermediate values
 * (μ' = −0.2069); unrounded, r' is 1464.0507, hence the 0.02 tolerance on the rating. */
static void paper_example(void **state) {
    (void)state;
    glicko_t p = { 1500, 200, 0.06 }, out;
    glicko_game_t g[3] = { { 1400, 30, 1 }, { 1550, 100, 0 }, { 1700, 300, 0 } };
    assert_int_equal(glicko_update(&p, g, 3, 0.5, &out), 0);
    NEAR(out.rating, 1464.06, 0.02);
    NEAR(out.rd, 151.52, 0.01);
    NEAR(out.vol, 0.05999, 0.00001);
    /* out may alias p */
    assert_int_equal(glicko_update(&p, g, 3, 0.5, &p), 0);
    NEAR(p.rating, 1464.06, 0.02);
}

/* no games: the rating stays, RD grows to sqrt(φ² + σ²) */
static void no_games(void **state) {
    (void)state;
    glicko_t p = { 1600, 50, 0.06 }, out;
    assert_int_equal(glicko_update(&p, NULL, 0, 0.5, &out), 0);
    NEAR(out.rating, 1600, 1e-9);
    double phi = 50 / 173.7178;
    NEAR(out.rd, sqrt(phi * phi + 0.06 * 0.06) * 173.7178, 1e-9);
    NEAR(out.vol, 0.06, 1e-12);
}

static void invalid(void **state) {
    (void)state;
    glicko_t p = { 1500, 200, 0.06 }, out;
    glicko_game_t g = { 1500, 200, 1 }, bad_score = { 1500, 200, 1.5 }, bad_rd = { 1500, 0, 1 };
    assert_int_equal(glicko_update(&p, &g, 1, 0, &out), ERR_INVALID);
    assert_int_equal(glicko_update(&p, &bad_score, 1, 0.5, &out), ERR_INVALID);
    assert_int_equal(glicko_update(&p, &bad_rd, 1, 0.5, &out), ERR_INVALID);
    assert_int_equal(glicko_update(&p, NULL, 1, 0.5, &out), ERR_INVALID);
    glicko_t zero = { 1500, 0, 0.06 }, novol = { 1500, 200, 0 };
    assert_int_equal(glicko_update(&zero, &g, 1, 0.5, &out), ERR_INVALID);
    assert_int_equal(glicko_update(&novol, &g, 1, 0.5, &out), ERR_INVALID);
    assert_int_equal(glicko_game(&p, &zero, 1, &out, &out), ERR_INVALID);
}

/* two new players: the winner gains what the loser loses (same RD), both RDs shrink, the
 * numbers are those of the formulas (computed here step by step) */
static void new_players(void **state) {
    (void)state;
    glicko_t a = { GLICKO_NEW_RATING, GLICKO_NEW_RD, GLICKO_NEW_VOL }, b = a, a2, b2;
    assert_int_equal(glicko_game(&a, &b, 1, &a2, &b2), 0);
    assert_true(a2.rating > 1500 && b2.rating < 1500);
    NEAR(a2.rating - 1500, 1500 - b2.rating, 1e-9);
    NEAR(a2.rd, b2.rd, 1e-9);
    assert_true(a2.rd < 350 && a2.rd > 250);
    /* by hand: E = 0.5, g = 1/sqrt(1+3φ²/π²), v = 1/(g²/4), μ' = φ'² g/2 */
    double phi = 350 / 173.7178, g = 1 / sqrt(1 + 3 * phi * phi / (M_PI * M_PI)), v = 4 / (g * g);
    double sig = a2.vol, phis = sqrt(phi * phi + sig * sig), phi2 = 1 / sqrt(1 / (phis * phis) + 1 / v);
    NEAR(a2.rd, phi2 * 173.7178, 1e-6);
    NEAR(a2.rating, 1500 + 173.7178 * phi2 * phi2 * g * 0.5, 1e-6);
    NEAR(a2.vol, 0.06, 0.001);
    /* a loss from the other side is the mirror image */
    glicko_t a3, b3;
    assert_int_equal(glicko_game(&a, &b, 0, &a3, &b3), 0);
    NEAR(a3.rating, b2.rating, 1e-9);
}

/* a settled favourite beating an outsider gains little; losing costs much */
static void expectation(void **state) {
    (void)state;
    glicko_t fav = { 1900, 60, 0.06 }, out = { 1500, 60, 0.06 }, f1, o1, f2, o2;
    assert_int_equal(glicko_game(&fav, &out, 1, &f1, &o1), 0);
    assert_int_equal(glicko_game(&fav, &out, 0, &f2, &o2), 0);
    assert_true(f1.rating - 1900 > 0 && f1.rating - 1900 < 5);
    assert_true(1900 - f2.rating > 15);
    assert_true(o2.rating - 1500 > 15);
}

/* RD stays within [30, 350]: a very settled player does not drop below 30 */
static void rd_clamp(void **state) {
    (void)state;
    glicko_t p = { 1500, 30, 0.000001 }, q = { 1500, 30, 0.000001 }, p2, q2;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(glicko_game(&p, &q, i % 2, &p2, &q2), 0);
        p = p2, q = q2;
        assert_true(p.rd >= GLICKO_RD_MIN && p.rd <= GLICKO_RD_MAX);
    }
    NEAR(p.rd, 30, 1e-9);
    glicko_t big = { 1500, 350, 0.5 }, big2, other2;
    assert_int_equal(glicko_game(&big, &q, 1, &big2, &other2), 0);
    assert_true(big2.rd <= GLICKO_RD_MAX);
}

static void stored(void **state) {
    (void)state;
    glicko_t g = { 1464.0596, 151.5165, 0.0599959 };
    int64_t r, d, v;
    glicko_to_stored(&g, &r, &d, &v);
    assert_int_equal(r, 1464060);
    assert_int_equal(d, 151517);
    assert_int_equal(v, 59996);
    glicko_t back = glicko_from_stored(r, d, v);
    NEAR(back.rating, 1464.060, 1e-9);
    NEAR(back.rd, 151.517, 1e-9);
    NEAR(back.vol, 0.059996, 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paper_example), cmocka_unit_test(no_games), cmocka_unit_test(invalid),
        cmocka_unit_test(new_players),   cmocka_unit_test(expectation), cmocka_unit_test(rd_clamp),
        cmocka_unit_test(stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
