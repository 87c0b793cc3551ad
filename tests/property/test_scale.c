/* Properties of scale:
 *
 * 1. Multiplying every sampling variance by c > 0 leaves the fixed-effect
 *    estimate unchanged and multiplies its variance by c (the weights 1/v_i
 *    all change by 1/c, which cancels in sum(w y)/sum(w)); Q is divided by c.
 *    With c a power of two every operation is exact in binary floating
 *    point, so the estimate must be bit for bit the same and SE^2 exactly c
 *    times as large. For other c the sums round differently: the estimate
 *    may move by a few eps in the unit |mu| + SE (largest seen, printed by
 *    the test: 2.1e-15; FE_TOL = 1e-13 leaves a factor of 50).
 *
 * 2. Location-scale equivariance of every inverse-variance model: with
 *    y -> s y and v -> s^2 v, mu and its limits scale by s, SE by |s|, tau2
 *    and its CI by s^2, while Q, I2, H2, the z statistic's size and the study
 *    weights are unchanged. Each tau2 estimator (docs/methods.md section 3)
 *    is a ratio or root of expressions homogeneous in (y - mu)^2 and v, so
 *    this holds exactly in real arithmetic; with s a power of two the library
 *    must reproduce it bit for bit, iterative estimators included (their
 *    bracket starts from the variance of the y_i, which scales exactly too).
 *    With y -> y + a (a shift) tau2, SE, Q, I2 and H2 are unchanged and mu
 *    moves by a; shifted values round differently, so this is checked to
 *    SCALE_TOL in the units of prop_compare.h on data whose y_i are exact
 *    multiples of 2^-20 and shifts exact integers (the shifted data are then
 *    the same numbers, only the arithmetic rounds differently). Residuals
 *    y - mu of shifted data carry a rounding of eps |a|, so the tolerance is
 *    scaled by kappa = 1 + |a| / sqrt(v~ + tau2); the largest discrepancy
 *    seen is 4.9e-13 kappa (a REML root), SCALE_TOL = 1e-11 leaves 20.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "prop_compare.h"

#define N_SETS 2000
#define FE_TOL 1e-13
#define SCALE_TOL 1e-11

static void test_fe_variance_scale(void **state)
{
    mtp_workspace *ws = *state;
    double worst = 0;
    size_t fits = 0;
    for (uint64_t seed = 3001; seed <= 3000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_effect e[PROP_KMAX], se[PROP_KMAX];
        size_t k;
        mtp_options o = opts_default();
        mtp_result a, b;
        mtp_error err;
        const int m2 = 2 * (int)prng_int(&p, 0, 40) - 40; /* even power of two, 2^-40 .. 2^40 */
        const double c2 = ldexp(1, m2), c = exp(prng_range(&p, log(1e-6), log(1e6)));
        gen_effects(&p, e, &k);
        o.method = MTP_METHOD_FE;
        prop_check(mtp_pool_effects(&a, ws, e, k, &o, &err) == MTP_OK, seed, "%s", err.message);

        /* exact: c = 2^m2 */
        for (size_t i = 0; i < k; i++)
            se[i] = (mtp_effect){e[i].yi, e[i].vi * c2};
        prop_check(mtp_pool_effects(&b, ws, se, k, &o, &err) == MTP_OK, seed, "%s", err.message);
        prop_check(b.estimate == a.estimate, seed, "c = 2^%d: estimate %.17g vs %.17g", m2, b.estimate,
                   a.estimate);
        prop_check(b.se == a.se * ldexp(1, m2 / 2), seed, "c = 2^%d: se %.17g vs %.17g", m2, b.se,
                   a.se);
        prop_check(close_to(b.ci_upper - b.ci_lower, (a.ci_upper - a.ci_lower) * ldexp(1, m2 / 2),
                            SCALE_TOL, fabs(b.estimate) + b.se), seed, "c = 2^%d: CI width", m2);
        prop_check(k < 2 || b.q == ldexp(a.q, -m2), seed, "c = 2^%d: Q %.17g vs %.17g", m2, b.q, a.q);
        prop_check(b.stat == ldexp(a.stat, -m2 / 2), seed, "c = 2^%d: z", m2);

        /* any c: to rounding */
        for (size_t i = 0; i < k; i++)
            se[i] = (mtp_effect){e[i].yi, e[i].vi * c};
        prop_check(mtp_pool_effects(&b, ws, se, k, &o, &err) == MTP_OK, seed, "%s", err.message);
        {
            const double d = fabs(b.estimate - a.estimate) / (fabs(a.estimate) + a.se);
            if (d > worst)
                worst = d;
            prop_check(d <= FE_TOL, seed, "c = %g: estimate %.17g vs %.17g", c, b.estimate,
                       a.estimate);
        }
        prop_check(close_to(b.se * b.se, c * a.se * a.se, FE_TOL, c * a.se * a.se), seed,
                   "c = %g: variance %.17g vs c * %.17g", c, b.se * b.se, a.se * a.se);
        prop_check(k < 2 || close_to(b.q * c, a.q, FE_TOL, a.q + 1), seed, "c = %g: Q", c);
        fits += 3;
    }
    print_message("FE variance scaling: %d data sets, %zu fits, largest estimate change for "
                  "arbitrary c: %.3g (of |mu| + SE)\n", N_SETS, fits, worst);
}

/* Fields of b that must be exactly s (or s^2) times those of a. */
static void check_scaled_exactly(const mtp_result *a, const mtp_result *b, double s, uint64_t seed,
                                 const char *what)
{
    const double s2 = s * s;
    const double lin_a[] = {a->estimate, a->ci_lower, a->ci_upper, a->pi_lower, a->pi_upper};
    const double lin_b[] = {b->estimate, b->ci_lower, b->ci_upper, b->pi_lower, b->pi_upper};
    const double sq_a[] = {a->tau2, a->tau2_ci_lower, a->tau2_ci_upper, a->vtypical};
    const double sq_b[] = {b->tau2, b->tau2_ci_lower, b->tau2_ci_upper, b->vtypical};
    const double inv_a[] = {a->q, a->q_p, a->i2, a->h2, a->i2_ci_lower, a->i2_ci_upper, a->stat, a->p};
    const double inv_b[] = {b->q, b->q_p, b->i2, b->h2, b->i2_ci_lower, b->i2_ci_upper, b->stat, b->p};
    static const char *const lin_n[] = {"estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper"};
    static const char *const sq_n[] = {"tau2", "tau2_ci_lower", "tau2_ci_upper", "vtypical"};
    static const char *const inv_n[] = {"q", "q_p", "i2", "h2", "i2_ci_lower", "i2_ci_upper", "stat", "p"};
#define SAME(x, y) ((isnan(x) && isnan(y)) || (x) == (y))
    for (size_t i = 0; i < N_ELEMS(lin_a); i++)
        prop_check(SAME(lin_a[i] * s, lin_b[i]), seed, "%s: %s %.17g * s != %.17g", what, lin_n[i],
                   lin_a[i], lin_b[i]);
    prop_check(SAME(a->se * s, b->se), seed, "%s: se", what);
    for (size_t i = 0; i < N_ELEMS(sq_a); i++)
        prop_check(SAME(sq_a[i] * s2, sq_b[i]), seed, "%s: %s %.17g * s^2 != %.17g", what, sq_n[i],
                   sq_a[i], sq_b[i]);
    for (size_t i = 0; i < N_ELEMS(inv_a); i++)
        prop_check(SAME(inv_a[i], inv_b[i]), seed, "%s: %s %.17g != %.17g", what, inv_n[i], inv_a[i],
                   inv_b[i]);
#undef SAME
    prop_check(a->notes == b->notes && a->iterations == b->iterations, seed,
               "%s: notes or iterations differ", what);
}

static void test_equivariance_exact(void **state)
{
    mtp_workspace *ws = *state;
    size_t fits = 0;
    for (uint64_t seed = 4001; seed <= 4000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_effect e[PROP_KMAX], se[PROP_KMAX];
        size_t k;
        const int m = (int)prng_int(&p, 0, 40) - 20; /* s = 2^-20 .. 2^20 */
        const double s = ldexp(1, m);
        gen_effects(&p, e, &k);
        for (size_t i = 0; i < k; i++)
            se[i] = (mtp_effect){e[i].yi * s, e[i].vi * s * s};
        for (size_t j = 0; j < N_ELEMS(prop_iv_methods); j++)
            for (int knha = 0; knha <= 1; knha++) {
                mtp_options o = opts_default();
                mtp_result a, b;
                mtp_study sa[PROP_KMAX];
                const mtp_study *sb;
                mtp_error err;
                char what[64];
                o.method = prop_iv_methods[j];
                if (knha && !mtp_method_is_random(o.method))
                    continue;
                o.test = knha ? MTP_TEST_KNHA : MTP_TEST_Z;
                snprintf(what, sizeof what, "k=%zu %s%s s=2^%d", k, mtp_method_name(o.method),
                         knha ? " knha" : "", m);
                prop_check(mtp_pool_effects(&a, ws, e, k, &o, &err) == MTP_OK, seed, "%s: %s", what,
                           err.message);
                memcpy(sa, mtp_workspace_studies(ws), k * sizeof sa[0]);
                prop_check(mtp_pool_effects(&b, ws, se, k, &o, &err) == MTP_OK, seed, "%s: %s", what,
                           err.message);
                check_scaled_exactly(&a, &b, s, seed, what);
                sb = mtp_workspace_studies(ws);
                for (size_t i = 0; i < k; i++)
                    prop_check(sa[i].weight == sb[i].weight, seed, "%s: weight of study %zu", what, i);
                fits += 2;
            }
    }
    print_message("exact scale equivariance (s = 2^m): %d data sets, %zu fits, all bit for bit\n",
                  N_SETS, fits);
}

static void test_shift_invariance(void **state)
{
    mtp_workspace *ws = *state;
    double worst = 0;
    char worst_field[96] = "";
    size_t fits = 0;
    for (uint64_t seed = 5001; seed <= 5000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_effect e[PROP_KMAX], sh[PROP_KMAX];
        size_t k;
        const double a = (double)prng_int(&p, 0, 200) - 100;
        gen_effects(&p, e, &k);
        for (size_t i = 0; i < k; i++) {
            e[i].yi = ldexp(round(ldexp(e[i].yi, 20)), -20); /* exact under the shift */
            sh[i] = (mtp_effect){e[i].yi + a, e[i].vi};
        }
        for (size_t j = 0; j < N_ELEMS(prop_iv_methods); j++) {
            mtp_options o = opts_default();
            mtp_result r0, r1;
            mtp_error err;
            const char *field;
            double d;
            o.method = prop_iv_methods[j];
            prop_check(mtp_pool_effects(&r0, ws, e, k, &o, &err) == MTP_OK, seed, "%s", err.message);
            prop_check(mtp_pool_effects(&r1, ws, sh, k, &o, &err) == MTP_OK, seed, "%s", err.message);
            /* location fields: moved by a, up to SCALE_TOL in their unit
             * plus the rounding of the shifted values themselves (a few
             * eps of |a|); then neutralised so that the rest compares as is */
            {
                const double l0[] = {r0.estimate, r0.ci_lower, r0.ci_upper, r0.pi_lower, r0.pi_upper};
                const double l1[] = {r1.estimate, r1.ci_lower, r1.ci_upper, r1.pi_lower, r1.pi_upper};
                const double sd = sqrt(r0.se * r0.se + r0.tau2);
                for (size_t i = 0; i < N_ELEMS(l0); i++) {
                    if (isnan(l0[i]) && isnan(l1[i]))
                        continue;
                    prop_check(fabs(l1[i] - a - l0[i]) <=
                                   SCALE_TOL * (fabs(l0[i]) + sd) + 4 * DBL_EPSILON * (fabs(a) + fabs(l0[i])),
                               seed, "k=%zu %s shift %g: location field %zu %.17g vs %.17g", k,
                               mtp_method_name(o.method), a, i, l1[i] - a, l0[i]);
                }
                r1.estimate = r0.estimate;
                r1.ci_lower = r0.ci_lower;
                r1.ci_upper = r0.ci_upper;
                r1.pi_lower = r0.pi_lower;
                r1.pi_upper = r0.pi_upper;
            }
            /* every residual y - mu of the shifted data carries a rounding of
             * about eps |a|, i.e. a relative error eps |a| / |y - mu|; so the
             * tolerance grows with kappa = 1 + |a| / sqrt(v~ + tau2) */
            d = result_discrepancy(&r0, &r1, &field) /
                (1 + fabs(a) / sqrt((isfinite(r0.vtypical) ? r0.vtypical : r0.se * r0.se) + r0.tau2));
            if (d > worst) {
                worst = d;
                snprintf(worst_field, sizeof worst_field, "%s of k=%zu %s, seed %llu", field, k,
                         mtp_method_name(o.method), (unsigned long long)seed);
            }
            prop_check(d <= SCALE_TOL, seed, "k=%zu %s shift %g: %s changed by %.3g of its unit",
                       k, mtp_method_name(o.method), a, field, d);
            fits += 2;
        }
    }
    print_message("shift invariance: %d data sets, %zu fits, largest discrepancy %.3g (%s)\n",
                  N_SETS, fits, worst, worst_field);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fe_variance_scale, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_equivariance_exact, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_shift_invariance, prop_setup_ws, prop_teardown_ws),
    };
    return cmocka_run_group_tests_name("property.scale", tests, NULL, NULL);
}
