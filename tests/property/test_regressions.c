/* Regression tests for library bugs found by the property tests, the
 * numerical extremes and the fuzzers (issue 6). Each test names the bug, the
 * data that shows it and the behaviour that is right; the proposed fixes are
 * in the hardening report (harden-<n>.diff). A test here fails until its
 * fix is in lib/.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "prop_common.h"

/* harden-4: ML stopped at a local maximum of the likelihood at tau2 = 0.
 * A precise study (v = 4e-10) far from seven others: the ML score at 0 is
 * negative (its weight 2.5e9 dominates sum w), so the estimate was 0, with a
 * log-likelihood of -2157; the likelihood's maximum is at 2.5765 (-7.80).
 * metafor 3.8.1, rma(y, v, method = "ML", control = list(threshold = 1e-13,
 * tol = 1e-13, maxiter = 10000)): tau2 = 2.5765393740725906, mu =
 * 0.82680490346078006, se = 0.57147451404422089. */
static void test_ml_global_maximum(void **state)
{
    const mtp_effect e[8] = {{0.1, 0.04}, {0.35, 0.05}, {-0.2, 0.03}, {0.6, 0.06},
                             {0.2, 0.04}, {0.45, 0.02}, {0.05, 0.05}, {5.0, 4e-10}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error err;
    o.method = MTP_METHOD_ML;
    assert_int_equal(mtp_pool_effects(&r, *state, e, 8, &o, &err), MTP_OK);
    assert_rel(r.tau2, 2.5765393740725906, 1e-9);
    assert_rel(r.estimate, 0.82680490346078006, 1e-9);
    assert_rel(r.se, 0.57147451404422089, 1e-9);
}

/* harden-2 (corpus/pool/regression_q_overflow): with estimates of 1e200,
 * (y - mu)^2 overflows: the fixed-effect
 * fit returned MTP_OK with Q = Inf, Q's p = NaN, I2 = 0 and H2 = Inf. A
 * non-finite Q must be an error (MTP_ENUMERIC), not a result. */
static void test_q_overflow(void **state)
{
    const mtp_effect e[3] = {{1e200, 1}, {-1e200, 1}, {0, 1}};
    for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error err;
        int rc;
        o.method = prop_iv_methods[m];
        err_reset(&err);
        rc = mtp_pool_effects(&r, *state, e, 3, &o, &err);
        if (rc == MTP_OK)
            fail_msg("%s: MTP_OK with Q = %g, p = %g, I2 = %g", mtp_method_name(o.method), r.q, r.q_p,
                     r.i2);
        assert_int_equal(rc, MTP_ENUMERIC);
        assert_int_equal(err.code, MTP_ENUMERIC);
    }
}

/* harden-3: counts beyond about 1e154 overflow a*d (OR) and Peto's
 * events * non-events; the message then blamed the data: "the OR has
 * variance 2.5e-160 (all or no events in both arms, no correction)" and
 * "Peto's variance is zero". It must say that the numbers are out of double
 * range (MTP_ENUMERIC), naming the study. */
static void test_overflow_messages(void **state)
{
    const mtp_table2x2 t[2] = {{5, 10, 3, 10}, {1e160, 3e160, 2e160, 4e160}};
    const mtp_measure measures[] = {MTP_MEASURE_OR, MTP_MEASURE_PETO_OR};
    for (size_t j = 0; j < N_ELEMS(measures); j++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_effect eff;
        mtp_error err;
        o.measure = measures[j];
        o.method = MTP_METHOD_FE;
        err_reset(&err);
        assert_error(mtp_pool_2x2(&r, *state, t, 2, &o, &err), err, MTP_ENUMERIC, 1,
                     "out of double range");
        err_reset(&err);
        assert_error(mtp_effect_from_2x2(&eff, NULL, &t[1], &o, &err), err, MTP_ENUMERIC, 0,
                     "out of double range");
    }
}

/* harden-1: C = sum w - sum w^2/sum w overflowed (sum w^2 = Inf for
 * variances of 1e-300), so v~ = NaN and I2 = H2 = NaN came back with
 * MTP_OK for three precise studies. */
static void test_tiny_variances_i2(void **state)
{
    const mtp_effect e[3] = {{1e-300, 1e-300}, {2e-300, 1e-300}, {0, 1e-300}};
    for (size_t m = 1; m < N_ELEMS(prop_iv_methods); m++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error err;
        o.method = prop_iv_methods[m];
        if (mtp_pool_effects(&r, *state, e, 3, &o, &err) != MTP_OK)
            continue; /* ML/REML: sum w^2 r^2 overflows: MTP_ENUMERIC is fine */
        if (!(r.i2 >= 0 && r.i2 <= 100) || !isfinite(r.h2) || !isfinite(r.vtypical))
            fail_msg("%s: MTP_OK with I2 = %g, H2 = %g, v~ = %g", mtp_method_name(o.method), r.i2, r.h2,
                     r.vtypical);
    }
}

/* harden-5: Q = sum (y - mu)^2 / v loses everything when a variance is below
 * about (eps |mu|)^2: mu is rounded to eps |mu|, and that rounding divided by
 * the tiny variance swamps Q. With v1 = 1.1549999999999916e-40, y1 = -0.371665108108164
 * and two ordinary studies the fixed-effect Q came out 2.7e7 (I2 = 100%)
 * instead of 0.871. Reference: the pairwise form
 * Q = sum_{i<j} w_i w_j (y_i - y_j)^2 / W, which needs no mean. */
static void test_q_tiny_variance(void **state)
{
    const mtp_effect e[3] = {{-0.371665108108164, 1.1549999999999916e-40}, {0.5, 1}, {0.1, 2}};
    long double w[3], W = 0, q = 0;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error err;
    for (size_t i = 0; i < 3; i++)
        W += w[i] = 1 / (long double)e[i].vi;
    for (size_t i = 0; i < 3; i++)
        for (size_t j = i + 1; j < 3; j++)
            q += w[i] * w[j] * ((long double)e[i].yi - e[j].yi) * ((long double)e[i].yi - e[j].yi);
    q /= W;
    o.method = MTP_METHOD_FE;
    assert_int_equal(mtp_pool_effects(&r, *state, e, 3, &o, &err), MTP_OK);
    assert_rel(r.q, (double)q, 1e-9);
}

/* harden-3 (found by fuzz_pool, corpus/pool/regression_ci_variance_overflow):
 * mtp_effect_from_ci checked that SE was finite and > 0 but not its square,
 * so an interval wider than about 1e154 returned MTP_OK with vi = Inf, and
 * one narrower than about 1e-154 returned vi = 0. Both are MTP_EDATA. */
static void test_ci_variance_range(void **state)
{
    const double lims[][3] = {{0, -3.6470351679433828e+177, 15}, {0, -1e-170, 1e-170},
                              {1e-300, 1e-300 - 1e-310, 1e-300 + 1e-310}, {1, 1e-300, 1e300}};
    (void)state;
    for (size_t i = 0; i < N_ELEMS(lims); i++) {
        mtp_effect e = {NAN, NAN};
        mtp_error err;
        int rc;
        err_reset(&err);
        /* the last: a ratio CI from 1e-300 to 1e300 is fine on the log scale */
        rc = mtp_effect_from_ci(&e, lims[i][0], lims[i][1], lims[i][2], 0.5, i == 3, &err);
        if (i == 3) {
            assert_int_equal(rc, MTP_OK);
            assert_true(isfinite(e.vi) && e.vi > 0);
            continue;
        }
        if (rc == MTP_OK)
            fail_msg("interval %zu: MTP_OK with yi = %g, vi = %g", i, e.yi, e.vi);
        assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "standard error");
    }
}

/* harden-2 (found by fuzz_pool, corpus/pool/regression_i2_above_100): I2 was
 * computed as 100 tau2 / (v~ + tau2); when tau2 dwarfs v~, 100 tau2 rounds
 * up and I2 came out as 100.00000000000001 (JSON prints it so). Written as
 * 100 (tau2 / (v~ + tau2)) it cannot exceed 100. Also its CI limits. */
static void test_i2_at_most_100(void **state)
{
    const mtp_effect e[9] = {{3.2379086165851934e-319, 9.1144501012153639e-305},
                             {0.020064849853515625, 0.25},
                             {9.1144501012156128e-305, 0.020064849853515625},
                             {2.4679354483729573e+64, 29}, {29, 29}, {29, 29}, {29, 29},
                             {29, 8.02989130587796e+283}, {116, 15}};
    for (int m = MTP_METHOD_DL; m <= MTP_METHOD_EB; m++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error err;
        o.method = (mtp_method)m;
        if (mtp_pool_effects(&r, *state, e, 9, &o, &err) != MTP_OK)
            continue; /* ML/REML: w^2 overflows, MTP_ENUMERIC */
        if (!(r.i2 <= 100 && r.i2_ci_lower <= 100 && r.i2_ci_upper <= 100))
            fail_msg("%s: I2 %.17g [%.17g, %.17g]", mtp_method_name(o.method), r.i2, r.i2_ci_lower,
                     r.i2_ci_upper);
    }
}

/* harden-2 (found by fuzz_pool, corpus/pool/regression_tau2_ci_reversed): at
 * a level near 0 both Q-profile targets are the chi-square median, and the
 * two root searches (to tol 1e-12) came back reversed: [1346.2284392813515,
 * 1346.2284392813494]. The upper bound must never fall below the lower. */
static void test_tau2_ci_not_reversed(void **state)
{
    mtp_workspace *ws = mtp_workspace_alloc(64, 1);
    mtp_effect e[64];
    (void)state;
    assert_non_null(ws);
    for (size_t i = 0; i < 64; i++) /* the fuzzer's input: {120, 120} but for */
        e[i] = (mtp_effect){120, 120};
    e[0] = (mtp_effect){0.099999999999998548, 0.040000000000000001};
    e[1] = (mtp_effect){0.90000000000000002, 0.050000000000000003};
    e[2] = (mtp_effect){-8.0100031896695713e-113, 120};
    e[14] = (mtp_effect){120, 73};
    e[25] = (mtp_effect){120, 73};
    e[34] = (mtp_effect){120, 7};
    e[35] = (mtp_effect){4, 5};
    e[36] = (mtp_effect){7, 3};
    e[44] = (mtp_effect){-8.0103474913379419e-113, 120};
    e[53] = (mtp_effect){120, 73};
    e[62] = (mtp_effect){120, 3};
    e[63] = (mtp_effect){3, 3};
    for (int m = MTP_METHOD_DL; m <= MTP_METHOD_EB; m++) {
        const double levels[] = {1.0128345739745554e-321, 1e-300, 1e-12, 0.01};
        for (size_t j = 0; j < N_ELEMS(levels); j++) {
            mtp_options o = opts_default();
            mtp_result r;
            mtp_error err;
            o.method = (mtp_method)m;
            o.level = levels[j];
            o.i2_def = MTP_I2_Q;
            assert_int_equal(mtp_pool_effects(&r, ws, e, 64, &o, &err), MTP_OK);
            if (!(r.tau2_ci_lower <= r.tau2_ci_upper)) {
                mtp_workspace_free(ws);
                fail_msg("%s level %g: tau2 CI [%.17g, %.17g]", mtp_method_name(o.method), o.level,
                         r.tau2_ci_lower, r.tau2_ci_upper);
            }
        }
    }
    mtp_workspace_free(ws);
}

/* harden-3 (found by fuzz_pool, corpus/pool/regression_peto_subnormal_variance):
 * fractional counts of 2.2e-308 make Peto's V subnormal; 1/V is Inf, and
 * Peto's method returned MTP_OK with SE = Inf and CI (-Inf, Inf); the
 * per-study effect had vi = Inf. Both must be MTP_ENUMERIC. */
static void test_peto_subnormal_variance(void **state)
{
    const double m = 2.2250738585072014e-308;
    const mtp_table2x2 t[3] = {{m, m, m, m}, {m, m, m, m}, {m, m, 1, 25}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_effect e;
    mtp_error err;
    int rc;
    o.measure = MTP_MEASURE_OR;
    o.method = MTP_METHOD_PETO;
    o.double_zero = MTP_DZ_KEEP;
    rc = mtp_pool_2x2(&r, *state, t, 3, &o, &err);
    if (rc == MTP_OK)
        fail_msg("MTP_OK with estimate %g, SE %g", r.estimate, r.se);
    assert_int_equal(rc, MTP_ENUMERIC);
    o.measure = MTP_MEASURE_PETO_OR;
    rc = mtp_effect_from_2x2(&e, NULL, &t[2], &o, &err);
    if (rc == MTP_OK)
        fail_msg("MTP_OK with yi %g, vi %g", e.yi, e.vi);
    assert_int_equal(rc, MTP_ENUMERIC);
}

/* harden-6 (found by fuzz_pool, corpus/pool/regression_weight_overflow):
 * weights were 100 w_i / sum w, and 100 w_i overflows for a variance below
 * 5.6e-307, so a study got weight Inf (with MTP_OK). 100 (w_i / sum w)
 * cannot overflow. */
static void test_weight_overflow(void **state)
{
    const mtp_effect e[3] = {{5, 10}, {0, 2.6742384723116707e-28}, {0, 1.3176609271768128e-307}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error err;
    const mtp_study *st;
    o.method = MTP_METHOD_FE;
    assert_int_equal(mtp_pool_effects(&r, *state, e, 3, &o, &err), MTP_OK);
    st = mtp_workspace_studies(*state);
    for (size_t i = 0; i < 3; i++)
        if (!isfinite(st[i].weight))
            fail_msg("study %zu: weight %g", i, st[i].weight);
    assert_rel(st[2].weight, 100, 1e-15);
}

/* harden-2 (found by fuzz_pool, corpus/pool/regression_weight_sum_overflow):
 * four variances of DBL_MIN make sum 1/v overflow; HE, SJ, PM and EB still
 * returned MTP_OK (their tau2 adds to every variance) with v~ = I2 = H2 =
 * NaN. An unusable v~ must be MTP_ENUMERIC. */
static void test_weight_sum_overflow(void **state)
{
    const double m = 2.2250738585072014e-308;
    const mtp_effect e[8] = {{6.1191633942953489e-183, m}, {m, m}, {m, m}, {m, m}, {84, 15},
                             {0.25, 1.344974619049452e-286}, {0, 15}, {0.25, 0.04}};
    for (int meth = MTP_METHOD_DL; meth <= MTP_METHOD_EB; meth++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error err;
        o.method = (mtp_method)meth;
        if (mtp_pool_effects(&r, *state, e, 8, &o, &err) == MTP_OK)
            fail_msg("%s: MTP_OK with v~ = %g, I2 = %g", mtp_method_name(o.method), r.vtypical, r.i2);
        assert_int_equal(err.code, MTP_ENUMERIC);
    }
}

/* harden-6 (found by fuzz_pool, corpus/pool/regression_se_overflow_tau2_fixed):
 * with tau2_fixed = DBL_MAX the weight 1/(v + tau2) is subnormal and
 * SE = (sum w)^-1/2 overflowed: MTP_OK with SE = Inf and CI (-Inf, Inf). */
static void test_se_overflow(void **state)
{
    const mtp_effect e = {0.73, 0.1};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error err;
    int rc;
    o.method = MTP_METHOD_REML;
    o.tau2_fixed = DBL_MAX;
    rc = mtp_pool_effects(&r, *state, &e, 1, &o, &err);
    if (rc == MTP_OK)
        fail_msg("MTP_OK with SE %g, CI [%g, %g]", r.se, r.ci_lower, r.ci_upper);
    assert_int_equal(rc, MTP_ENUMERIC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ml_global_maximum, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_q_overflow, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_overflow_messages, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_tiny_variances_i2, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_q_tiny_variance, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test(test_ci_variance_range),
        cmocka_unit_test_setup_teardown(test_i2_at_most_100, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test(test_tau2_ci_not_reversed),
        cmocka_unit_test_setup_teardown(test_peto_subnormal_variance, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_weight_overflow, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_weight_sum_overflow, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_se_overflow, prop_setup_ws, prop_teardown_ws),
    };
    return cmocka_run_group_tests_name("property.regressions", tests, NULL, NULL);
}
