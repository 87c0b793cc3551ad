/* Numerical extremes (issue 6), each with its documented behaviour; the
 * sentence for each is in docs/extremes.md, under the test's name.
 *
 * References are computed here from the formulas of docs/methods.md in long
 * double (and, for C = sum w - sum w^2/sum w, in the cancellation-free form
 * 2 sum_{i<j} w_i w_j / sum w), so they do not share the library's rounding.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "prop_common.h"

#define RTOL 1e-12   /* closed forms against long double references */
#define ROOT_TOL 1e-10 /* estimating equations at a root (see test_equations.c) */

static const double z975 = 1.959963984540054; /* R: qnorm(0.975) */

static mtp_result fit_effects(mtp_workspace *ws, const mtp_effect *e, size_t k, mtp_method m)
{
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error err;
    o.method = m;
    if (mtp_pool_effects(&r, ws, e, k, &o, &err) != MTP_OK)
        fail_msg("%s on %zu effects: %s", mtp_method_name(m), k, err.message);
    return r;
}

/* ---- k = 1 ---------------------------------------------------------------- */

/* Fixed effect returns the study itself; every random-effects method returns
 * it too, with tau2 = 0 flagged "not estimable" (not "estimated as 0"). */
static void test_k1(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_effect one = {0.7, 0.09};
    const mtp_table2x2 tab = {7, 50, 12, 48};
    for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++) {
        const mtp_result r = fit_effects(ws, &one, 1, prop_iv_methods[m]);
        assert_double_eq(r.estimate, 0.7);
        assert_double_eq(r.se, 0.3);
        assert_rel(r.ci_lower, 0.7 - z975 * 0.3, RTOL);
        assert_double_eq(r.tau2, 0);
        assert_int_equal(r.k_used, 1);
        assert_double_eq(r.q, 0);
        assert_double_eq(r.q_df, 0);
        assert_nan(r.q_p);
        assert_nan(r.i2);
        assert_nan(r.h2);
        if (mtp_method_is_random(prop_iv_methods[m])) {
            assert_true(r.notes & MTP_NOTE_TAU2_NOT_ESTIMABLE);
            assert_false(r.notes & MTP_NOTE_TAU2_TRUNCATED); /* not an estimate of 0 */
            assert_true(r.notes & MTP_NOTE_TAU2_CI_UNDEFINED);
            assert_nan(r.tau2_ci_lower);
            assert_nan(r.tau2_ci_upper);
            assert_int_equal(r.iterations, 0);
        } else {
            assert_int_equal(r.notes, 0);
        }
    }
    /* a single table: IV, MH and Peto each give that table's own estimate */
    for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_effect e;
        mtp_error err;
        o.method = (mtp_method)m;
        o.measure = MTP_MEASURE_OR;
        assert_int_equal(mtp_pool_2x2(&r, ws, &tab, 1, &o, &err), MTP_OK);
        o.measure = m == MTP_METHOD_PETO ? MTP_MEASURE_PETO_OR : MTP_MEASURE_OR;
        assert_int_equal(mtp_effect_from_2x2(&e, NULL, &tab, &o, &err), MTP_OK);
        if (m == MTP_METHOD_MH) {
            /* MH OR of one table is ad/bc, its RBG variance Woolf's */
            assert_rel(r.estimate, log(7.0 * 36 / (43.0 * 12)), RTOL);
            assert_rel(r.se, sqrt(1 / 7.0 + 1 / 43.0 + 1 / 12.0 + 1 / 36.0), RTOL);
        } else {
            assert_rel(r.estimate, e.yi, RTOL);
            assert_rel(r.se, sqrt(e.vi), RTOL);
        }
        assert_double_eq(mtp_workspace_studies(ws)[0].weight, 100);
    }
}

/* ---- k = 2 ---------------------------------------------------------------- */

/* With two studies DL, HE, REML, PM and EB coincide:
 * tau2 = max(0, ((y1 - y2)^2 - v1 - v2) / 2) (for DL: Q = (y1-y2)^2 / (v1+v2),
 * C = 2 w1 w2 / W; for PM: Q_gen(tau2) = (y1-y2)^2 / (v1+v2+2 tau2) = 1; for
 * REML the score has the same root). The PI needs k >= 3 with t(k-2) and is
 * NaN with MTP_NOTE_PI_UNDEFINED; t(k-1) and knha use 1 df. */
static void test_k2(void **state)
{
    static const mtp_method same[] = {MTP_METHOD_DL, MTP_METHOD_HE, MTP_METHOD_REML, MTP_METHOD_PM,
                                      MTP_METHOD_EB};
    mtp_workspace *ws = *state;
    size_t positive = 0;
    for (uint64_t seed = 1; seed <= 500; seed++) {
        prng p = prng_seed(90000 + seed);
        mtp_effect e[2];
        long double d, want;
        e[0] = (mtp_effect){prng_norm(&p), exp(prng_range(&p, -6, 1))};
        e[1] = (mtp_effect){prng_norm(&p), exp(prng_range(&p, -6, 1))};
        d = (long double)e[0].yi - e[1].yi;
        want = (d * d - e[0].vi - e[1].vi) / 2;
        want = want < 0 ? 0 : want;
        positive += want > 0;
        for (size_t m = 0; m < N_ELEMS(same); m++) {
            const mtp_result r = fit_effects(ws, e, 2, same[m]);
            const double tol = method_is_iterative(same[m]) ? 1e-10 : RTOL;
            prop_check(close_to(r.tau2, (double)want, tol, (double)want + e[0].vi + e[1].vi), seed,
                       "%s: tau2 %.17g, want %.17g", mtp_method_name(same[m]), r.tau2, (double)want);
            prop_check(isnan(r.pi_lower) && (r.notes & MTP_NOTE_PI_UNDEFINED), seed, "PI with k = 2");
            prop_check(r.tau2_ci_lower >= 0 && isfinite(r.tau2_ci_upper), seed, "tau2 CI");
        }
        {
            mtp_options o = opts_default();
            mtp_result r;
            mtp_error err;
            o.test = MTP_TEST_KNHA;
            o.pi = MTP_PI_T_K1;
            assert_int_equal(mtp_pool_effects(&r, ws, e, 2, &o, &err), MTP_OK);
            assert_double_eq(r.df, 1);
            assert_double_eq(r.pi_df, 1);
            assert_true(isfinite(r.pi_lower) && r.pi_lower < r.estimate);
        }
    }
    assert_true(positive > 100 && positive < 400); /* both branches met */
}

/* ---- identical studies ---------------------------------------------------- */

/* Q = 0 (exactly when the common value is a binary fraction, to rounding
 * otherwise); every estimator gives tau2 = 0 (moment estimators flag the
 * negative raw value as truncated), the Q-profile CI is [0, 0], I2 = 0,
 * H2 = 1, and the HKSJ interval has zero width (MTP_NOTE_ZERO_WIDTH_KNHA). */
static void test_identical(void **state)
{
    mtp_workspace *ws = *state;
    const double values[] = {0.25, 0.3, -1e-3};
    for (size_t j = 0; j < N_ELEMS(values); j++) {
        mtp_effect e[6];
        for (size_t i = 0; i < 6; i++)
            e[i] = (mtp_effect){values[j], 0.01 * (double)(i + 1)};
        for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++) {
            const mtp_method meth = prop_iv_methods[m];
            mtp_result r = fit_effects(ws, e, 6, meth);
            if (values[j] == 0.25)
                assert_double_eq(r.q, 0);
            else
                assert_abs(r.q, 0, 1e-28);
            assert_rel(r.q_p, 1, 1e-15);
            assert_double_eq(r.tau2, 0);
            assert_rel(r.estimate, values[j], 1e-15);
            assert_abs(r.i2, 0, 1e-12);
            if (mtp_method_is_random(meth)) {
                mtp_options o = opts_default();
                mtp_error err;
                assert_double_eq(r.h2, 1);
                assert_double_eq(r.tau2_ci_lower, 0);
                assert_double_eq(r.tau2_ci_upper, 0);
                if (meth != MTP_METHOD_SJ) /* SJ: (sum (y - ybar)^2 / k) Q_gen / df = 0 exactly */
                    assert_true(r.notes & MTP_NOTE_TAU2_TRUNCATED);
                o.method = meth;
                o.test = MTP_TEST_KNHA;
                assert_int_equal(mtp_pool_effects(&r, ws, e, 6, &o, &err), MTP_OK);
                assert_true(r.notes & MTP_NOTE_ZERO_WIDTH_KNHA);
                assert_double_eq(r.ci_lower, r.estimate);
                assert_double_eq(r.ci_upper, r.estimate);
            }
        }
    }
}

/* ---- counts in the billions ----------------------------------------------- */

/* Counts are doubles: every integer up to 2^53 = 9.0e15 is exact, and the
 * formulas have no products of counts that could overflow below about
 * 1e150. Study effects match long double evaluations to 1e-12. */
static void test_counts_billions(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 t[3] = {{1234567890, 3000000000.0, 987654321, 2900000000.0},
                               {4.5e9, 9.1e9, 4.4e9, 9.0e9},
                               {3e15, 9007199254740992.0, 2.9e15, 9007199254740991.0}};
    for (size_t i = 0; i < N_ELEMS(t); i++) {
        const long double a = t[i].events_trt, n1 = t[i].total_trt, c = t[i].events_ctl,
                          n2 = t[i].total_ctl, b = n1 - a, d = n2 - c, n = n1 + n2;
        const long double p1 = a / n1, p2 = c / n2, ev = a + c;
        const long double peto_v = n1 * n2 * ev * (n - ev) / (n * n * (n - 1));
        const struct {
            mtp_measure m;
            long double yi, vi;
        } want[] = {
            {MTP_MEASURE_RR, logl(p1 / p2), 1 / a - 1 / n1 + 1 / c - 1 / n2},
            {MTP_MEASURE_OR, logl(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d},
            {MTP_MEASURE_RD, p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2},
            {MTP_MEASURE_PETO_OR, (a - n1 * ev / n) / peto_v, 1 / peto_v},
        };
        for (size_t j = 0; j < N_ELEMS(want); j++) {
            mtp_options o = opts_default();
            mtp_effect e;
            mtp_error err;
            o.measure = want[j].m;
            assert_int_equal(mtp_effect_from_2x2(&e, NULL, &t[i], &o, &err), MTP_OK);
            /* yi in the unit |yi| + SE: a log ratio near 0 has no relative accuracy */
            if (!close_to(e.yi, (double)want[j].yi, RTOL, (double)fabsl(want[j].yi) + sqrt(e.vi)) ||
                !close_to(e.vi, (double)want[j].vi, RTOL, (double)want[j].vi))
                fail_msg("table %zu %s: yi %.17g vi %.17g, want %.17g %.17g", i,
                         mtp_measure_name(o.measure), e.yi, e.vi, (double)want[j].yi,
                         (double)want[j].vi);
        }
    }
    /* pooled: every method runs and gives finite, tiny standard errors */
    for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error err;
        o.method = (mtp_method)m;
        o.measure = MTP_MEASURE_OR;
        assert_int_equal(mtp_pool_2x2(&r, ws, t, 3, &o, &err), MTP_OK);
        assert_true(isfinite(r.estimate) && r.se > 0);
        if (!mtp_method_is_random(o.method))
            assert_true(r.se < 1e-4);
        assert_true(r.ci_lower <= r.estimate && r.estimate <= r.ci_upper);
    }
}

/* ---- variances from 1e-12 to 1e12 ------------------------------------------ */

static long double ref_c(const double *v, size_t n)
{
    return ref_dl_c(v, n, NULL);
}

/* Every method returns OK with finite results; the study with v = 1e-12
 * takes all but ~1e-10 of the fixed-effect weight; v~ = (k-1)/C and DL's
 * tau2 = (Q - df)/C are accurate although C is 24 orders of magnitude
 * below sum w (computed without cancellation). */
static void test_variance_range(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_effect e[6] = {{0.50, 1e-12}, {0.1, 1e-2}, {0.9, 1},
                             {3.0, 1e4},    {-400.0, 1e8}, {2e6, 1e12}};
    double y[6], v[6];
    for (size_t i = 0; i < 6; i++)
        y[i] = e[i].yi, v[i] = e[i].vi;
    for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++) {
        const mtp_method meth = prop_iv_methods[m];
        const mtp_result r = fit_effects(ws, e, 6, meth);
        const long double c = ref_c(v, 6), q = ref_qgen(y, v, 6, 0);
        const mtp_study *st = mtp_workspace_studies(ws);
        double wsum = 0;
        for (size_t i = 0; i < 6; i++)
            wsum += st[i].weight;
        assert_rel(wsum, 100, 1e-13);
        assert_rel(r.vtypical, (double)(5 / c), RTOL);
        assert_rel(r.q, (double)q, RTOL);
        assert_true(isfinite(r.estimate) && isfinite(r.se) && r.ci_lower <= r.estimate &&
                    r.estimate <= r.ci_upper);
        assert_true(r.i2 >= 0 && r.i2 <= 100 && isfinite(r.h2));
        if (meth == MTP_METHOD_FE) {
            assert_rel(r.estimate, (double)ref_mu(y, v, 6, 0, NULL), RTOL);
            assert_rel(st[0].weight, 100, 1e-5);
        }
        if (meth == MTP_METHOD_DL)
            assert_rel(r.tau2, (double)((q - 5) / c), RTOL);
        if (mtp_method_is_random(meth)) {
            assert_rel(r.i2, 100 * r.tau2 / (r.tau2 + (double)(5 / c)), RTOL);
            assert_rel(r.estimate, (double)ref_mu(y, v, 6, r.tau2, NULL), RTOL);
        }
        if (meth == MTP_METHOD_PM || meth == MTP_METHOD_EB)
            assert_rel(ref_qgen(y, v, 6, r.tau2), 5, ROOT_TOL);
        if (meth == MTP_METHOD_ML || meth == MTP_METHOD_REML) {
            double scale;
            const double s = ref_score(y, v, 6, r.tau2, meth == MTP_METHOD_REML, &scale);
            if (r.tau2 > 0)
                assert_abs(s / scale, 0, ROOT_TOL);
            else
                assert_true(s <= ROOT_TOL * scale);
        }
    }
}

/* The same with heterogeneity only among the imprecise studies: DL's tau2 is
 * (Q - 2)/C with C = 2 (1e12 1e-12 + 1e12 1e-12 + 1e-24)/W = 4e-12, i.e.
 * 4.95e13; I2 follows from it (99.0%), not 0. */
static void test_variance_range_dl(void **state)
{
    const mtp_effect e[3] = {{0.5, 1e-12}, {1e7, 1e12}, {-1e7, 1e12}};
    const double y[3] = {0.5, 1e7, -1e7}, v[3] = {1e-12, 1e12, 1e12};
    const mtp_result r = fit_effects(*state, e, 3, MTP_METHOD_DL);
    const long double c = ref_c(v, 3), q = ref_qgen(y, v, 3, 0);
    assert_rel((double)c, 4e-12, 1e-12);
    assert_rel(r.q, (double)q, RTOL);
    assert_rel(r.vtypical, (double)(2 / c), RTOL);
    assert_rel(r.tau2, (double)((q - 2) / c), RTOL);
    assert_rel(r.i2, 100 * r.tau2 / (r.tau2 + (double)(2 / c)), RTOL);
    assert_true(r.i2 > 98.9);
}

/* ---- all events zero / all participants with events ----------------------- */

/* Every table is a double zero. RR, OR and Peto: all dropped by default,
 * MTP_ETOOFEW "no study left". Kept (MTP_DZ_KEEP) they get the continuity
 * correction (RR and OR; Peto's variance is 0, never kept). RD keeps them
 * by default: each RD is 0.5/(n1+1) - 0.5/(n2+1) after correction, as
 * metafor's escalc. MH RD without correction has a zero variance: MTP_ENUMERIC
 * (metafor's rma.mh prints estimate 0 with SE 0 and NA p-value). Tables with
 * events in every participant mirror these (RD negated). */
static void test_all_or_no_events(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 none[3] = {{0, 10, 0, 12}, {0, 20, 0, 25}, {0, 5, 0, 7}};
    const mtp_table2x2 all[3] = {{10, 10, 12, 12}, {20, 20, 25, 25}, {5, 5, 7, 7}};
    const mtp_table2x2 *sets[2] = {none, all};
    for (int s = 0; s < 2; s++) {
        for (int ms = MTP_MEASURE_RR; ms <= MTP_MEASURE_PETO_OR; ms++)
            for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
                mtp_options o = opts_default();
                mtp_result r;
                mtp_error err;
                int rc;
                o.measure = (mtp_measure)ms;
                o.method = (mtp_method)m;
                if ((m == MTP_METHOD_PETO && ms != MTP_MEASURE_OR) ||
                    (m == MTP_METHOD_MH && ms == MTP_MEASURE_PETO_OR))
                    continue;
                err_reset(&err);
                rc = mtp_pool_2x2(&r, ws, sets[s], 3, &o, &err);
                if (ms == MTP_MEASURE_RD && m == MTP_METHOD_MH) {
                    assert_error(rc, err, MTP_ENUMERIC, MTP_NO_STUDY, "not finite and positive");
                } else if (ms == MTP_MEASURE_RD) {
                    const double sign = s == 0 ? 1 : -1;
                    assert_int_equal(rc, MTP_OK);
                    assert_int_equal(r.k_used, 3);
                    assert_true(r.notes & MTP_NOTE_CC_APPLIED);
                    for (size_t i = 0; i < 3; i++) {
                        const double n1 = sets[s][i].total_trt, n2 = sets[s][i].total_ctl;
                        assert_rel(mtp_workspace_studies(ws)[i].yi, sign * (0.5 / (n1 + 1) - 0.5 / (n2 + 1)),
                                   1e-13);
                    }
                } else {
                    assert_error(rc, err, MTP_ETOOFEW, MTP_NO_STUDY, "all 3 tables are double-zero");
                }
            }
        /* kept on request: corrected RR and OR are finite */
        for (int ms = MTP_MEASURE_RR; ms <= MTP_MEASURE_OR; ms++) {
            mtp_options o = opts_default();
            mtp_result r;
            mtp_error err;
            o.measure = (mtp_measure)ms;
            o.double_zero = MTP_DZ_KEEP;
            assert_int_equal(mtp_pool_2x2(&r, ws, sets[s], 3, &o, &err), MTP_OK);
            assert_int_equal(r.k_used, 3);
            assert_true(isfinite(r.estimate) && r.se > 0);
        }
        /* no correction: RD variance 0 is a data error naming the study */
        {
            mtp_options o = opts_default();
            mtp_result r;
            mtp_error err;
            o.measure = MTP_MEASURE_RD;
            o.cc_when = MTP_CC_NEVER;
            err_reset(&err);
            assert_error(mtp_pool_2x2(&r, ws, sets[s], 3, &o, &err), err, MTP_EDATA, 0, "variance 0");
        }
    }
}

/* ---- one study whose variance dominates ----------------------------------- */

/* A study with a variance 1e8 times the others' has a weight below 1e-6 %.
 * It leaves the fixed-effect, ML and REML fits unchanged (to 1e-6 SE), whose
 * likelihood terms vanish with its weight; the moment estimators do not
 * ignore it: DL, HS and PM/EB count it as a degree of freedom that adds
 * (almost) nothing to Q, so tau2 falls; HE and SJ use unweighted moments,
 * so HE's sum v / k becomes huge (tau2 = 0, truncated) and SJ's spread of the
 * y_i grows (tau2 rises). A study with a variance 1e-8 times the others',
 * far from them, takes the fixed-effect estimate to itself (weight > 99.99%);
 * under random effects the spread makes tau2 large and the weights even out
 * (REML, DL, HE, SJ, PM, EB), except HS, whose (Q - k)/W is divided by the
 * precise study's weight. */
static void test_dominant_variance(void **state)
{
    mtp_workspace *ws = *state;
    mtp_effect e[8] = {{0.1, 0.04}, {0.35, 0.05}, {-0.2, 0.03}, {0.6, 0.06},
                       {0.2, 0.04}, {0.45, 0.02}, {0.05, 0.05}, {0, 0}};
    for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++) {
        const mtp_method meth = prop_iv_methods[m];
        const mtp_result base = fit_effects(ws, e, 7, meth);
        mtp_result r;
        /* imprecise: v = 4e6 */
        e[7] = (mtp_effect){5.0, 4e6};
        r = fit_effects(ws, e, 8, meth);
        assert_true(mtp_workspace_studies(ws)[7].weight < 1e-6);
        switch (meth) {
        case MTP_METHOD_FE:
        case MTP_METHOD_ML:
        case MTP_METHOD_REML:
            /* likelihood terms w r^2, w, w^2 of the study vanish with w */
            assert_abs(r.estimate, base.estimate, 1e-6 * base.se);
            assert_abs(r.tau2, base.tau2, 1e-6 * (base.tau2 + base.vtypical));
            break;
        case MTP_METHOD_HE:
            /* sum v / k in (sum (y - ybar)^2/(k-1) - sum v/k) swamps the rest */
            assert_double_eq(r.tau2, 0);
            assert_true(r.notes & MTP_NOTE_TAU2_TRUNCATED);
            break;
        case MTP_METHOD_SJ:
            /* tau0^2 = sum (y - ybar)^2 / k is unweighted: y = 5 widens it */
            assert_true(r.tau2 > base.tau2 * 1.2);
            break;
        default:
            /* DL, HS, PM, EB: one more degree of freedom, no more Q */
            assert_true(r.tau2 < base.tau2 * 0.9);
            break;
        }
        /* precise: v = 4e-10 */
        e[7] = (mtp_effect){5.0, 4e-10};
        r = fit_effects(ws, e, 8, meth);
        if (meth == MTP_METHOD_FE) {
            double y[8], v[8];
            for (size_t i = 0; i < 8; i++)
                y[i] = e[i].yi, v[i] = e[i].vi;
            assert_true(mtp_workspace_studies(ws)[7].weight > 99.99);
            assert_rel(r.estimate, (double)ref_mu(y, v, 8, 0, NULL), RTOL);
            assert_abs(r.estimate, 5.0, 1e-6);
        } else if (meth == MTP_METHOD_HS) {
            /* HS = (Q - k)/W: W is the precise study's 2.5e9, so tau2 is tiny
             * (1.74e-6, as metafor) and the precise study keeps the weight */
            assert_rel(r.tau2, 1.73994974e-06, 1e-8);
            assert_true(mtp_workspace_studies(ws)[7].weight > 99);
        } else if (meth != MTP_METHOD_ML) {
            /* the precise study lies far from the rest: tau2 is large and
             * the weights even out (REML 2.941157939 as metafor; ML is
             * checked in test_regressions.c: it stops at a local maximum) */
            assert_true(r.tau2 > 1);
            assert_true(mtp_workspace_studies(ws)[7].weight < 20);
            assert_true(isfinite(r.tau2_ci_upper) && r.tau2_ci_lower <= r.tau2_ci_upper);
        }
        if (meth == MTP_METHOD_REML)
            assert_rel(r.tau2, 2.941157939, 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_k1, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_k2, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_identical, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_counts_billions, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_variance_range, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_variance_range_dl, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_all_or_no_events, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_dominant_variance, prop_setup_ws, prop_teardown_ws),
    };
    return cmocka_run_group_tests_name("property.extremes", tests, NULL, NULL);
}
