/* Simulated meta-regression data for the benchmark, as CSV "yi,vi,x1,...".
 *
 * usage: gen_mods K P [SEED [TAU2]] > file.csv
 *
 * K studies, P coefficients (intercept + P - 1 moderators, 2 <= P <= 64).
 * The moderators, in column order:
 *   x1       continuous, N(0, 1)                       (a centred covariate)
 *   x2       binary, 1 with probability 0.4            (e.g. randomised or not)
 *   x3, x4   dummies of a 3-level factor A/B/C with probabilities
 *            0.5/0.3/0.2 (A the reference level: x3 = [B], x4 = [C])
 *   x5, ...  continuous, uniform on (0, 1)
 * so P = 5 is intercept + one continuous + one binary + one 3-level factor,
 * and P = 2 is intercept + x1 (a factor is written only when both of its
 * dummies fit, P >= 5; with P = 4, x3 is continuous uniform instead).
 * The model matrix is the intercept column followed by these columns, the
 * same as R's model.matrix(~ x1 + x2 + ...) (bench/bench_mods.c builds it).
 * True model: yi = x_i' beta + u_i + e_i, u_i ~ N(0, TAU2), e_i ~ N(0, vi),
 * beta = (0.2, 0.05, -0.15, 0.1, 0.25, 0.05, ...), TAU2 = 0.04 by default.
 * Sampling variances as bench/gen_data.c: vi = 1/n1 + 1/n2 with arm sizes
 * 10 + lognormal (median 50, sdlog 0.8), capped at 2000.
 * Random numbers: xoshiro256** seeded by splitmix64, normals by Box-Muller,
 * so a seed gives the same file on every platform with a correctly rounded
 * libm. Numbers are written with %.17g (they round-trip exactly); 0/1
 * indicators as 0 and 1.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_rng.h"

#define PMAX 64

int main(int argc, char **argv)
{
    unsigned long k, p;
    uint64_t seed = 20260201u;
    double tau2 = 0.04, beta[PMAX], x[PMAX];
    if (argc < 3) {
        fprintf(stderr, "usage: %s K P [SEED [TAU2]]\n", argv[0]);
        return 2;
    }
    k = strtoul(argv[1], NULL, 10);
    p = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        seed = strtoull(argv[3], NULL, 10);
    if (argc > 4)
        tau2 = strtod(argv[4], NULL);
    if (k < 1 || p < 2 || p > PMAX || !(tau2 >= 0)) {
        fprintf(stderr, "%s: need K >= 1, 2 <= P <= %d, TAU2 >= 0\n", argv[0], PMAX);
        return 2;
    }
    {
        static const double b[] = {0.2, 0.05, -0.15, 0.1, 0.25};
        for (unsigned long j = 0; j < p; j++)
            beta[j] = j < 5 ? b[j] : 0.05;
    }
    for (int i = 0; i < 4; i++)
        s[i] = splitmix64(&seed);
    if (printf("yi,vi") < 0)
        return 1;
    for (unsigned long j = 1; j < p; j++)
        if (printf(",x%lu", j) < 0)
            return 1;
    if (printf("\n") < 0)
        return 1;
    for (unsigned long i = 0; i < k; i++) {
        double mean = 0, vi, yi;
        x[0] = 1;
        for (unsigned long j = 1; j < p; j++) {
            if (j == 1) {
                x[j] = norm();
            } else if (j == 2) {
                x[j] = unif() < 0.4 ? 1 : 0;
            } else if (j == 3 && p >= 5) { /* the factor: both dummies at once */
                const double u = unif();
                x[3] = u >= 0.5 && u < 0.8 ? 1 : 0;
                x[4] = u >= 0.8 ? 1 : 0;
                j = 4;
            } else {
                x[j] = unif();
            }
        }
        for (unsigned long j = 0; j < p; j++)
            mean += beta[j] * x[j];
        vi = 1 / arm_size() + 1 / arm_size();
        yi = mean + sqrt(tau2) * norm() + sqrt(vi) * norm();
        if (printf("%.17g,%.17g", yi, vi) < 0)
            return 1;
        for (unsigned long j = 1; j < p; j++)
            if (printf(x[j] == 0 || x[j] == 1 ? ",%.0f" : ",%.17g", x[j]) < 0)
                return 1;
        if (printf("\n") < 0)
            return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
