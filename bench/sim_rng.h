/* The random numbers of the benchmark data generators (gen_data.c,
 * gen_mods.c): xoshiro256** (Blackman & Vigna 2021) seeded by splitmix64,
 * uniforms on (0, 1), Box-Muller normals, and the arm sizes of simulated
 * trials. One generator, so that both programs draw the same way from a
 * seed. Each program includes it once.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_BENCH_SIM_RNG_H
#define METAPOOL_BENCH_SIM_RNG_H

#include <math.h>
#include <stdint.h>

static uint64_t s[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(void)
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* uniform on (0, 1) */
static double unif(void) { return ((double)(next_u64() >> 11) + 0.5) * 0x1.0p-53; }

static double norm(void)
{
    static int have = 0;
    static double spare;
    double r, th;
    if (have) {
        have = 0;
        return spare;
    }
    r = sqrt(-2 * log(unif()));
    th = 6.283185307179586476925 * unif();
    spare = r * sin(th);
    have = 1;
    return r * cos(th);
}

static double arm_size(void)
{
    double n = 10 + floor(50 * exp(0.8 * norm()));
    return n > 2000 ? 2000 : n;
}

#endif
