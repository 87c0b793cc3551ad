/* Shared pieces of the property tests (tests/property/): a small seeded
 * PRNG, generators of random meta-analyses, the estimating equations written
 * out independently of lib/, and comparison helpers.
 *
 * Random numbers: splitmix64 (Steele, Lea & Flood 2014), one 64-bit state per
 * stream, so every data set is reproducible from its seed on every platform.
 * Normals by Box-Muller (no cached spare, so a stream's draws do not depend
 * on how many normals were asked before), binomials by summing Bernoulli
 * draws (the arms are small enough).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_PROP_COMMON_H
#define METAPOOL_PROP_COMMON_H

#include "test_helpers.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- PRNG --------------------------------------------------------------- */

typedef struct {
    uint64_t s;
} prng;

static inline prng prng_seed(uint64_t seed)
{
    prng p;
    p.s = seed * 0x2545f4914f6cdd1dULL + 0x1234567ULL;
    return p;
}

static inline uint64_t prng_next(prng *p)
{
    uint64_t z = (p->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform on (0, 1) */
static inline double prng_unif(prng *p) { return ((double)(prng_next(p) >> 11) + 0.5) * 0x1.0p-53; }

/* uniform on [lo, hi) */
static inline double prng_range(prng *p, double lo, double hi) { return lo + (hi - lo) * prng_unif(p); }

/* uniform integer in [lo, hi] */
static inline size_t prng_int(prng *p, size_t lo, size_t hi)
{
    return lo + (size_t)(prng_next(p) % (uint64_t)(hi - lo + 1));
}

static inline double prng_norm(prng *p)
{
    const double r = sqrt(-2 * log(prng_unif(p)));
    return r * cos(6.283185307179586476925 * prng_unif(p));
}

static inline double prng_binom(prng *p, double n, double prob)
{
    double x = 0;
    for (double i = 0; i < n; i++)
        x += prng_unif(p) < prob;
    return x;
}

/* Fisher-Yates permutation of 0..n-1 */
static inline void prng_perm(prng *p, size_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i-- > 1;) {
        const size_t j = prng_int(p, 0, i), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* ---- random data sets --------------------------------------------------- */

#define PROP_KMAX 50

/* Generic effects: k in 1..50 (weighted towards small k, as in practice),
 * and one of five variance regimes so that the properties meet equal,
 * moderately and wildly spread variances, and heterogeneity from none to
 * large. Some data sets have tied estimates. Returns the regime. */
static inline int gen_effects(prng *p, mtp_effect *e, size_t *k_out)
{
    const size_t k = prng_unif(p) < 0.6 ? prng_int(p, 1, 15) : prng_int(p, 2, PROP_KMAX);
    const int regime = (int)prng_int(p, 0, 4);
    const double mu = prng_range(p, -2, 2);
    double tau2 = 0;
    const double vbase = exp(prng_range(p, log(1e-3), log(1.0)));
    if (prng_unif(p) < 0.7)
        tau2 = vbase * exp(prng_range(p, log(1e-3), log(30.0)));
    for (size_t i = 0; i < k; i++) {
        double v;
        switch (regime) {
        case 0: v = vbase; break;                                         /* equal */
        case 1: v = vbase * exp(prng_range(p, 0, log(10.0))); break;      /* one decade */
        case 2: v = vbase * exp(prng_range(p, log(1e-4), log(1e4))); break; /* eight decades */
        case 3: { /* from arm sizes, as bench/gen_data.c: 1/n1 + 1/n2 */
            const double n1 = 10 + floor(50 * exp(0.8 * prng_norm(p)));
            const double n2 = 10 + floor(50 * exp(0.8 * prng_norm(p)));
            v = 1 / n1 + 1 / n2;
            break;
        }
        default: v = vbase * (prng_unif(p) < 0.2 ? 1e3 : 1); break; /* a few imprecise studies */
        }
        e[i].vi = v;
        e[i].yi = mu + sqrt(tau2 + v) * prng_norm(p);
        if (i > 0 && prng_unif(p) < 0.05)
            e[i].yi = e[i - 1].yi; /* ties */
    }
    *k_out = k;
    return regime;
}

/* 2x2 tables: k in 1..50, arm sizes from 5 to about 3000, control risks from
 * 0.2% to 95%, odds ratios spread around a common one; zero cells and
 * double zeros happen at the rare risks. */
static inline void gen_tables(prng *p, mtp_table2x2 *t, size_t *k_out)
{
    const size_t k = prng_unif(p) < 0.6 ? prng_int(p, 1, 15) : prng_int(p, 2, PROP_KMAX);
    const double logit_base = prng_range(p, -6, 3), lor = prng_range(p, -1.5, 1.5);
    const double sd = prng_unif(p) < 0.4 ? 0 : prng_range(p, 0.05, 1);
    const double size = exp(prng_range(p, log(5.0), log(800.0)));
    for (size_t i = 0; i < k; i++) {
        const double n1 = floor(size * exp(0.5 * prng_norm(p))) + 2;
        const double n2 = floor(size * exp(0.5 * prng_norm(p))) + 2;
        const double lc = logit_base + 0.5 * prng_norm(p), lt = lc + lor + sd * prng_norm(p);
        t[i].total_trt = n1;
        t[i].total_ctl = n2;
        t[i].events_trt = prng_binom(p, n1, 1 / (1 + exp(-lt)));
        t[i].events_ctl = prng_binom(p, n2, 1 / (1 + exp(-lc)));
    }
    *k_out = k;
}

/* ---- the estimating equations, written out from docs/methods.md --------- */

/* Weighted mean with w = 1/(v + tau2), in long double so that the test's
 * reference is more accurate than the library's double arithmetic. */
static inline long double ref_mu(const double *y, const double *v, size_t n, double tau2,
                                 long double *sw_out)
{
    long double sw = 0, swy = 0;
    for (size_t i = 0; i < n; i++) {
        const long double w = 1.0L / ((long double)v[i] + tau2);
        sw += w;
        swy += w * y[i];
    }
    if (sw_out != NULL)
        *sw_out = sw;
    return swy / sw;
}

/* C = sum w - sum w^2 / sum w with w = 1/v (DerSimonian & Laird 1986),
 * computed as 2 sum_{i<j} w_i w_j / sum w: every term is positive, so it is
 * accurate even when one weight dominates (the difference form loses all
 * its digits when the largest weight exceeds the others by 1/eps). */
static inline long double ref_dl_c(const double *v, size_t n, long double *sw_out)
{
    long double sw = 0, cross = 0;
    for (size_t i = 0; i < n; i++) {
        const long double w = 1.0L / v[i];
        cross += w * sw;
        sw += w;
    }
    if (sw_out != NULL)
        *sw_out = sw;
    return 2 * cross / sw;
}

/* Generalised Q: sum (y - mu)^2 / (v + tau2) (Viechtbauer 2007, eq. 6). */
static inline double ref_qgen(const double *y, const double *v, size_t n, double tau2)
{
    const long double mu = ref_mu(y, v, n, tau2, NULL);
    long double q = 0;
    for (size_t i = 0; i < n; i++)
        q += (y[i] - mu) * (y[i] - mu) / ((long double)v[i] + tau2);
    return (double)q;
}

/* ML (reml = 0) or REML (reml = 1) score in tau2, times 2 (Viechtbauer 2005,
 * eqs. 9 and 12 with one intercept):
 *   sum w^2 (y - mu)^2 - sum w [+ sum w^2 / sum w for REML].
 * *scale gets the sum of the absolute terms, the size of the roundoff. */
static inline double ref_score(const double *y, const double *v, size_t n, double tau2, int reml,
                               double *scale)
{
    long double sw, sw2 = 0, s2 = 0, sc;
    const long double mu = ref_mu(y, v, n, tau2, &sw);
    for (size_t i = 0; i < n; i++) {
        const long double w = 1.0L / ((long double)v[i] + tau2), r = y[i] - mu;
        sw2 += w * w;
        s2 += w * w * r * r;
    }
    sc = s2 + sw + (reml ? sw2 / sw : 0);
    if (scale != NULL)
        *scale = (double)sc;
    return (double)(s2 - sw + (reml ? sw2 / sw : 0));
}

/* Log-likelihood (ML) or restricted log-likelihood (REML) of tau2, up to a
 * constant (Viechtbauer 2005, eqs. 8 and 11). */
static inline double ref_loglik(const double *y, const double *v, size_t n, double tau2, int reml)
{
    long double sw, ll = 0;
    const long double mu = ref_mu(y, v, n, tau2, &sw);
    for (size_t i = 0; i < n; i++) {
        const long double s = (long double)v[i] + tau2, r = y[i] - mu;
        ll -= 0.5L * (logl(s) + r * r / s);
    }
    if (reml)
        ll -= 0.5L * logl(sw);
    return (double)ll;
}

/* Compact the studies a fit used (finite yi) from mtp_workspace_studies(). */
static inline size_t used_studies(const mtp_study *s, size_t k, double *y, double *v)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        if (!isnan(s[i].yi)) {
            y[n] = s[i].yi;
            v[n] = s[i].vi;
            n++;
        }
    return n;
}

/* ---- methods and comparisons -------------------------------------------- */

static const mtp_method prop_iv_methods[] = {MTP_METHOD_FE, MTP_METHOD_DL, MTP_METHOD_HE,
                                             MTP_METHOD_HS, MTP_METHOD_SJ, MTP_METHOD_ML,
                                             MTP_METHOD_REML, MTP_METHOD_PM, MTP_METHOD_EB};

static inline int method_is_iterative(mtp_method m)
{
    return m == MTP_METHOD_ML || m == MTP_METHOD_REML || m == MTP_METHOD_PM || m == MTP_METHOD_EB;
}

/* |a - b| <= tol * scale; both NaN also passes (documented NaNs must agree). */
static inline int close_to(double a, double b, double tol, double scale)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b))
        return a == b;
    return fabs(a - b) <= tol * scale;
}

/* Fail with the data set's seed, so that a failure can be replayed. */
#define prop_fail(seed, ...)                                                                  \
    do {                                                                                      \
        char m_[640];                                                                         \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                 \
        fail_msg("data set seed %llu: %s", (unsigned long long)(seed), m_);                   \
    } while (0)

#define prop_check(cond, seed, ...)                                                           \
    do {                                                                                      \
        if (!(cond))                                                                          \
            prop_fail(seed, __VA_ARGS__);                                                     \
    } while (0)

static int prop_setup_ws(void **state)
{
    *state = mtp_workspace_alloc(PROP_KMAX, 1);
    return *state == NULL ? -1 : 0;
}

static int prop_teardown_ws(void **state)
{
    mtp_workspace_free(*state);
    return 0;
}

#endif
