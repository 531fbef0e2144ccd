/* glicko — see glicko.h. The steps are numbered as in the paper. */
#include "glicko.h"

#include <math.h>

#include "err.h"

#define SCALE 173.7178   /* the paper's conversion between the Glicko and Glicko-2 scales */
#define PI 3.14159265358979323846

static double g_of(double phi) { return 1.0 / sqrt(1.0 + 3.0 * phi * phi / (PI * PI)); }
static double e_of(double mu, double mu_j, double phi_j) { return 1.0 / (1.0 + exp(-g_of(phi_j) * (mu - mu_j))); }

/* Step 5's f(x). */
static double f_of(double x, double delta, double phi, double v, double a, double tau) {
    double ex = exp(x), d = phi * phi + v + ex;
    return ex * (delta * delta - phi * phi - v - ex) / (2.0 * d * d) - (x - a) / (tau * tau);
}

int glicko_update(const glicko_t *p, const glicko_game_t *games, size_t n, double tau, glicko_t *out) {
    if (!(p->rd > 0) || !(p->vol > 0) || !(tau > 0) || (n && !games)) return ERR_INVALID;
    for (size_t j = 0; j < n; j++)
        if (!(games[j].rd > 0) || !(games[j].score >= 0 && games[j].score <= 1)) return ERR_INVALID;
    /* step 2 */
    double mu = (p->rating - 1500.0) / SCALE, phi = p->rd / SCALE, sigma = p->vol;
    if (n == 0) {   /* the paper: only φ grows */
        double phi_star = sqrt(phi * phi + sigma * sigma);
        *out = (glicko_t){ p->rating, phi_star * SCALE, sigma };
        return 0;
    }
    /* steps 3 and 4 */
    double v_inv = 0, sum = 0;
    for (size_t j = 0; j < n; j++) {
        double mu_j = (games[j].rating - 1500.0) / SCALE, phi_j = games[j].rd / SCALE;
        double g = g_of(phi_j), e = e_of(mu, mu_j, phi_j);
        v_inv += g * g * e * (1.0 - e);
        sum += g * (games[j].score - e);
    }
    double v = 1.0 / v_inv, delta = v * sum;
    /* step 5: the new volatility (the Illinois algorithm) */
    double a = log(sigma * sigma), A = a, B;
    if (delta * delta > phi * phi + v) {
        B = log(delta * delta - phi * phi - v);
    } else {
        double k = 1;
        while (f_of(a - k * tau, delta, phi, v, a, tau) < 0) k++;
        B = a - k * tau;
    }
    double fA = f_of(A, delta, phi, v, a, tau), fB = f_of(B, delta, phi, v, a, tau);
    for (int it = 0; fabs(B - A) > GLICKO_EPSILON && it < 200; it++) {
        double C = A + (A - B) * fA / (fB - fA), fC = f_of(C, delta, phi, v, a, tau);
        if (fC * fB <= 0) {
            A = B;
            fA = fB;
        } else {
            fA /= 2;
        }
        B = C;
        fB = fC;
    }
    double sigma2 = exp(A / 2);
    /* steps 6 to 8 */
    double phi_star = sqrt(phi * phi + sigma2 * sigma2);
    double phi2 = 1.0 / sqrt(1.0 / (phi_star * phi_star) + 1.0 / v);
    double mu2 = mu + phi2 * phi2 * sum;
    *out = (glicko_t){ SCALE * mu2 + 1500.0, SCALE * phi2, sigma2 };
    return 0;
}

static void clamp_rd(glicko_t *g) {
    if (g->rd < GLICKO_RD_MIN) g->rd = GLICKO_RD_MIN;
    if (g->rd > GLICKO_RD_MAX) g->rd = GLICKO_RD_MAX;
}

int glicko_game(const glicko_t *a, const glicko_t *b, double score_a, glicko_t *a_out, glicko_t *b_out) {
    glicko_game_t ga = { b->rating, b->rd, score_a }, gb = { a->rating, a->rd, 1.0 - score_a };
    glicko_t na, nb;
    int rc = glicko_update(a, &ga, 1, GLICKO_TAU, &na);
    if (rc == 0) rc = glicko_update(b, &gb, 1, GLICKO_TAU, &nb);
    if (rc != 0) return rc;
    clamp_rd(&na);
    clamp_rd(&nb);
    *a_out = na;
    *b_out = nb;
    return 0;
}

void glicko_to_stored(const glicko_t *g, int64_t *rating_milli, int64_t *rd_milli, int64_t *vol_micro) {
    *rating_milli = llround(g->rating * 1000.0);
    *rd_milli = llround(g->rd * 1000.0);
    *vol_micro = llround(g->vol * 1000000.0);
}

glicko_t glicko_from_stored(int64_t rating_milli, int64_t rd_milli, int64_t vol_micro) {
    return (glicko_t){ (double)rating_milli / 1000.0, (double)rd_milli / 1000.0, (double)vol_micro / 1000000.0 };
}
