/* Simulated meta-analyses for the benchmark, as CSV "rep,yi,vi".
 *
 * usage: gen_data N K [SEED [MU [TAU2]]] > file.csv
 *
 * Each of N replicates has K studies. Study i has two arms whose sizes are
 * 10 + a log-normal draw (median 50, sdlog 0.8, capped at 2000), so that the
 * sampling variances spread as in real reviews (a few large trials, many
 * small ones); vi = 1/n1 + 1/n2 (the variance of a standardised mean
 * difference near 0, or of a log odds ratio at moderate risks), and
 * yi ~ N(MU, TAU2 + vi). Defaults: SEED 20260101, MU 0.3, TAU2 0.04 (I²
 * around 50% at the median variance). Random numbers: xoshiro256** seeded
 * by splitmix64, normals by Box-Muller, so the file is the same on every
 * platform with a correctly rounded libm (and on one machine, always).
 * Numbers are written with %.17g: they round-trip exactly.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_rng.h"

int main(int argc, char **argv)
{
    unsigned long n, k;
    uint64_t seed = 20260101u;
    double mu = 0.3, tau2 = 0.04;
    if (argc < 3) {
        fprintf(stderr, "usage: %s N K [SEED [MU [TAU2]]]\n", argv[0]);
        return 2;
    }
    n = strtoul(argv[1], NULL, 10);
    k = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        seed = strtoull(argv[3], NULL, 10);
    if (argc > 4)
        mu = strtod(argv[4], NULL);
    if (argc > 5)
        tau2 = strtod(argv[5], NULL);
    for (int i = 0; i < 4; i++)
        s[i] = splitmix64(&seed);
    if (printf("rep,yi,vi\n") < 0)
        return 1;
    for (unsigned long r = 1; r <= n; r++)
        for (unsigned long i = 0; i < k; i++) {
            const double vi = 1 / arm_size() + 1 / arm_size();
            const double yi = mu + sqrt(tau2 + vi) * norm();
            if (printf("%lu,%.17g,%.17g\n", r, yi, vi) < 0)
                return 1;
        }
    return fflush(stdout) == 0 ? 0 : 1;
}
