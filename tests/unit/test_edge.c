/* Edge behaviour: k = 1 for every method, k = 2 against metafor, identical
 * studies, and results that do not depend on the order of the studies.
 * k = 2 reference values: tests/unit/make_reference.R (section 3).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#define RTOL_CLOSED 1e-12
#define RTOL_ITER 1e-10 /* ML, REML, PM, EB: roots to tol 1e-12 */
#define RTOL_ORDER 1e-12

static const double z975 = 1.959963984540054; /* R: qnorm(0.975) */

static int setup_ws(void **state)
{
    *state = mtp_workspace_alloc(16, 1);
    return *state == NULL ? -1 : 0;
}

static int teardown_ws(void **state)
{
    mtp_workspace_free(*state);
    return 0;
}

static const mtp_method iv_methods[] = {MTP_METHOD_FE, MTP_METHOD_DL, MTP_METHOD_HE,
                                        MTP_METHOD_HS, MTP_METHOD_SJ, MTP_METHOD_ML,
                                        MTP_METHOD_REML, MTP_METHOD_PM, MTP_METHOD_EB};

/* Heterogeneity fields that are undefined with one study. */
static void assert_k1_heterogeneity(const mtp_result *r)
{
    assert_int_equal(r->k_used, 1);
    assert_double_eq(r->q, 0);
    assert_double_eq(r->q_df, 0);
    assert_nan(r->q_p);
    assert_nan(r->i2);
    assert_nan(r->h2);
    assert_nan(r->tau2_ci_lower);
    assert_nan(r->tau2_ci_upper);
    assert_nan(r->i2_ci_lower);
    assert_nan(r->h2_ci_upper);
}

/* ---- k = 1 -------------------------------------------------------------- */

static void test_k1_effects_every_method(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_effect one = {-0.37, 0.0625};
    for (size_t m = 0; m < N_ELEMS(iv_methods); m++) {
        const int random = mtp_method_is_random(iv_methods[m]);
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error e;
        o.method = iv_methods[m];
        assert_int_equal(mtp_pool_effects(&r, ws, &one, 1, &o, &e), MTP_OK);
        /* the pooled estimate is the study */
        assert_double_eq(r.estimate, -0.37);
        assert_double_eq(r.se, 0.25);
        assert_rel(r.ci_lower, -0.37 - z975 * 0.25, RTOL_CLOSED);
        assert_rel(r.ci_upper, -0.37 + z975 * 0.25, RTOL_CLOSED);
        assert_double_eq(r.tau2, 0);
        assert_double_eq(r.tau, 0);
        assert_int_equal(r.k, 1);
        assert_double_eq(mtp_workspace_studies(ws)[0].weight, 100);
        assert_k1_heterogeneity(&r);
        if (random) {
            assert_int_equal(r.notes, MTP_NOTE_TAU2_NOT_ESTIMABLE | MTP_NOTE_TAU2_CI_UNDEFINED |
                                          MTP_NOTE_PI_UNDEFINED);
            assert_nan(r.pi_lower);
            assert_nan(r.pi_upper);
            assert_int_equal(r.iterations, 0);
            assert_int_equal(r.converged, 1);
        } else {
            assert_int_equal(r.notes, 0);
            assert_nan(r.pi_lower);
        }
        /* knha falls back to z, with a note */
        if (random) {
            o.test = MTP_TEST_KNHA;
            assert_int_equal(mtp_pool_effects(&r, ws, &one, 1, &o, &e), MTP_OK);
            assert_int_equal(r.test, MTP_TEST_Z);
            assert_true(r.notes & MTP_NOTE_TEST_Z_FOR_K1);
            assert_double_eq(r.se, 0.25);
            assert_nan(r.df);
            /* a normal prediction interval exists: tau² = 0, so it is the CI */
            o.test = MTP_TEST_Z;
            o.pi = MTP_PI_NORMAL;
            assert_int_equal(mtp_pool_effects(&r, ws, &one, 1, &o, &e), MTP_OK);
            assert_false(r.notes & MTP_NOTE_PI_UNDEFINED);
            assert_rel(r.pi_lower, r.ci_lower, RTOL_CLOSED);
            assert_rel(r.pi_upper, r.ci_upper, RTOL_CLOSED);
            o.pi = MTP_PI_T_K1; /* t with 0 df */
            assert_int_equal(mtp_pool_effects(&r, ws, &one, 1, &o, &e), MTP_OK);
            assert_true(r.notes & MTP_NOTE_PI_UNDEFINED);
            assert_nan(r.pi_lower);
        }
    }
}

static void test_k1_tables_every_method(void **state)
{
    mtp_workspace *ws = *state;
    /* one informative table among two dropped double zeros */
    const mtp_table2x2 t[3] = {{0, 30, 0, 28}, {9, 40, 4, 41}, {0, 12, 0, 13}};
    const double a = 9, n1 = 40, c = 4, n2 = 41, n = n1 + n2;
    for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error e;
        o.method = (mtp_method)m;
        o.measure = m == MTP_METHOD_PETO ? MTP_MEASURE_OR : MTP_MEASURE_RR;
        assert_int_equal(mtp_pool_2x2(&r, ws, t, 3, &o, &e), MTP_OK);
        assert_int_equal(r.k, 3);
        assert_k1_heterogeneity(&r);
        assert_double_eq(r.tau2, 0);
        assert_true(r.notes & MTP_NOTE_DOUBLE_ZERO_DROPPED);
        if (m == MTP_METHOD_PETO) {
            const double v = (n1 / n) * (n2 / n) * (a + c) * (n - a - c) / (n - 1);
            assert_rel(r.estimate, (a - n1 * (a + c) / n) / v, RTOL_CLOSED);
            assert_rel(r.se, sqrt(1 / v), RTOL_CLOSED);
        } else {
            /* MH of one table and IV of one table are both the study's RR */
            assert_rel(r.estimate, log((a / n1) / (c / n2)), RTOL_CLOSED);
            assert_rel(r.se, sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2), RTOL_CLOSED);
        }
        assert_double_eq(mtp_workspace_studies(ws)[1].weight, 100);
        assert_double_eq(mtp_workspace_studies(ws)[0].weight, 0);
    }
}

/* MH where no table has a finite study effect (every table has a zero cell
 * and no correction): the MH estimate exists, Q has no study.
 * metafor: rma.mh(ai = c(0, 2), n1i = c(10, 10), ci = c(3, 0), n2i = c(10, 10),
 * measure = "RR", to = "none") gives beta -0.4054651, se 0.9128709, QE 0
 * (a regression test: q_df was once -1 here). */
static void test_mh_no_finite_effect(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 t[2] = {{0, 10, 3, 10}, {2, 10, 0, 10}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    o.method = MTP_METHOD_MH;
    o.cc_when = MTP_CC_NEVER;
    assert_int_equal(mtp_pool_2x2(&r, ws, t, 2, &o, &e), MTP_OK);
    assert_rel(r.estimate, log(1.0 / 1.5), RTOL_CLOSED); /* R = 2*10/20, S = 3*10/20 */
    assert_rel(r.se, sqrt(1.25 / 1.5), RTOL_CLOSED); /* Greenland-Robins: sum D = 0.75 + 0.5 */
    assert_int_equal(r.k_used, 2);
    assert_double_eq(r.q, 0);
    assert_int_equal(mtp_workspace_studies(ws)[0].flags, MTP_STUDY_NO_EFFECT);
    assert_double_eq(r.q_df, 0);
}

/* ---- k = 2 against metafor ---------------------------------------------- */

static void test_k2_every_method(void **state)
{
    /* make_reference.R section 3: rma(c(0.2, 0.9), c(0.04, 0.09), method = m) */
    static const struct {
        mtp_method method;
        double tau2, estimate, se;
    } k2_ref[] = {
        {MTP_METHOD_DL, 0.17999999999999999, 0.51428571428571446, 0.34817307448439833},
        {MTP_METHOD_HE, 0.17999999999999999, 0.51428571428571446, 0.34817307448439833},
        {MTP_METHOD_HS, 0.048994082840236694, 0.47324162989877999, 0.23292846768774414},
        {MTP_METHOD_SJ, 0.16006666666666666, 0.51112263033175331, 0.33338394659188619},
        {MTP_METHOD_ML, 0.051897160496781877, 0.47514788243944661, 0.23616792825342314},
        {MTP_METHOD_REML, 0.17999999999999999, 0.51428571428571446, 0.34817307448439833},
        {MTP_METHOD_PM, 0.17999999999999999, 0.51428571428571446, 0.34817307448439833},
        {MTP_METHOD_EB, 0.17999999999999999, 0.51428571428571446, 0.34817307448439833},
    };
    const mtp_effect two[2] = {{0.2, 0.04}, {0.9, 0.09}};
    mtp_workspace *ws = *state;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;

    o.method = MTP_METHOD_FE;
    assert_int_equal(mtp_pool_effects(&r, ws, two, 2, &o, &e), MTP_OK);
    assert_rel(r.estimate, 0.41538461538461535, RTOL_CLOSED);
    assert_rel(r.se, 0.16641005886756874, RTOL_CLOSED);
    assert_rel(r.q, 3.7692307692307696, RTOL_CLOSED);
    assert_double_eq(r.q_df, 1);
    assert_rel(r.i2, 73.469387755102048, RTOL_CLOSED);
    assert_rel(r.h2, 3.7692307692307696, RTOL_CLOSED);

    for (size_t i = 0; i < N_ELEMS(k2_ref); i++) {
        const int iterative = k2_ref[i].method == MTP_METHOD_ML || k2_ref[i].method == MTP_METHOD_REML ||
                              k2_ref[i].method == MTP_METHOD_PM || k2_ref[i].method == MTP_METHOD_EB;
        const double tol = iterative ? RTOL_ITER : RTOL_CLOSED;
        o.method = k2_ref[i].method;
        assert_int_equal(mtp_pool_effects(&r, ws, two, 2, &o, &e), MTP_OK);
        if (fabs(r.tau2 - k2_ref[i].tau2) > tol * k2_ref[i].tau2 ||
            fabs(r.estimate - k2_ref[i].estimate) > tol * k2_ref[i].estimate ||
            fabs(r.se - k2_ref[i].se) > tol * k2_ref[i].se)
            fail_msg("%s: tau2 %.17g est %.17g se %.17g; metafor %.17g %.17g %.17g",
                     mtp_method_name(o.method), r.tau2, r.estimate, r.se, k2_ref[i].tau2,
                     k2_ref[i].estimate, k2_ref[i].se);
        assert_double_eq(r.q_df, 1);
        /* t(k-2) has 0 df: no prediction interval */
        assert_true(r.notes & MTP_NOTE_PI_UNDEFINED);
        assert_nan(r.pi_lower);
        assert_true(isfinite(r.tau2_ci_upper));
    }
}

/* ---- identical studies -------------------------------------------------- */

static void test_identical_studies(void **state)
{
    mtp_workspace *ws = *state;
    /* the same estimate; equal and unequal variances */
    const mtp_effect same_v[4] = {{0.3, 0.05}, {0.3, 0.05}, {0.3, 0.05}, {0.3, 0.05}};
    const mtp_effect diff_v[4] = {{0.3, 0.05}, {0.3, 0.02}, {0.3, 0.11}, {0.3, 0.07}};
    const mtp_effect *sets[] = {same_v, diff_v};
    for (size_t s = 0; s < N_ELEMS(sets); s++) {
        double fe_se = 0;
        for (size_t m = 0; m < N_ELEMS(iv_methods); m++) {
            mtp_options o = opts_default();
            mtp_result r;
            mtp_error e;
            o.method = iv_methods[m];
            assert_int_equal(mtp_pool_effects(&r, ws, sets[s], 4, &o, &e), MTP_OK);
            assert_abs(r.q, 0, 1e-28);
            assert_double_eq(r.tau2, 0);
            assert_rel(r.estimate, 0.3, 1e-15);
            if (iv_methods[m] == MTP_METHOD_FE)
                fe_se = r.se;
            else
                assert_double_eq(r.se, fe_se); /* tau² = 0: the FE fit */
            assert_rel(r.q_p, 1, 1e-15);
            if (mtp_method_is_random(iv_methods[m])) {
                assert_double_eq(r.tau2_ci_lower, 0);
                assert_double_eq(r.tau2_ci_upper, 0);
                assert_abs(r.i2, 0, 1e-12);
                /* HKSJ: s² = 0, a zero-width interval (metafor's convention) */
                o.test = MTP_TEST_KNHA;
                assert_int_equal(mtp_pool_effects(&r, ws, sets[s], 4, &o, &e), MTP_OK);
                assert_true(r.notes & MTP_NOTE_ZERO_WIDTH_KNHA);
                assert_double_eq(r.se, 0);
                assert_double_eq(r.ci_lower, r.estimate);
                assert_double_eq(r.ci_upper, r.estimate);
                assert_double_eq(r.p, 0);
                assert_double_eq(r.df, 3);
            } else {
                assert_double_eq(r.i2, 0);
            }
        }
    }
}

/* ---- order independence ------------------------------------------------- */

static void assert_same_result(const mtp_result *a, const mtp_result *b, const char *what)
{
    const double va[] = {a->estimate, a->se, a->stat, a->p, a->ci_lower, a->ci_upper,
                         a->pi_lower, a->pi_upper, a->tau2, a->tau2_ci_lower, a->tau2_ci_upper,
                         a->q, a->q_p, a->i2, a->h2, a->i2_ci_upper, a->vtypical};
    const double vb[] = {b->estimate, b->se, b->stat, b->p, b->ci_lower, b->ci_upper,
                         b->pi_lower, b->pi_upper, b->tau2, b->tau2_ci_lower, b->tau2_ci_upper,
                         b->q, b->q_p, b->i2, b->h2, b->i2_ci_upper, b->vtypical};
    for (size_t i = 0; i < N_ELEMS(va); i++) {
        if (isnan(va[i]) && isnan(vb[i]))
            continue;
        if (!(fabs(va[i] - vb[i]) <= RTOL_ORDER * fabs(va[i])))
            fail_msg("%s: field %zu is %.17g in input order, %.17g permuted", what, i, va[i], vb[i]);
    }
    assert_int_equal(a->k_used, b->k_used);
    assert_int_equal(a->notes, b->notes);
}

static void test_order_independence(void **state)
{
    /* metafor's dat.bcg and a set with zero cells and a double zero */
    static const mtp_table2x2 tabs[13] = {
        {4, 123, 11, 139},       {6, 306, 29, 303},       {3, 231, 11, 220},
        {62, 13598, 248, 12867}, {33, 5069, 47, 5808},    {180, 1541, 372, 1451},
        {8, 2545, 10, 629},      {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
        {17, 1716, 65, 1665},    {0, 186, 0, 141},        {5, 2498, 0, 2341},
        {0, 169, 9, 178},
    };
    static const size_t perm[13] = {7, 12, 0, 5, 10, 2, 9, 4, 11, 1, 8, 3, 6};
    mtp_workspace *ws = *state;
    mtp_table2x2 ptabs[13];
    const mtp_measure measures[] = {MTP_MEASURE_RR, MTP_MEASURE_OR, MTP_MEASURE_RD};
    for (size_t i = 0; i < 13; i++)
        ptabs[i] = tabs[perm[i]];

    for (size_t ms = 0; ms < N_ELEMS(measures); ms++)
        for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++)
            for (int knha = 0; knha <= 1; knha++) {
                mtp_options o = opts_default();
                mtp_result a, b;
                mtp_study sa[13];
                const mtp_study *sb;
                mtp_error e;
                char what[64];
                o.measure = measures[ms];
                o.method = (mtp_method)m;
                if (m == MTP_METHOD_PETO && measures[ms] != MTP_MEASURE_OR)
                    continue;
                if (knha && !mtp_method_is_random(o.method))
                    continue;
                o.test = knha ? MTP_TEST_KNHA : MTP_TEST_Z;
                snprintf(what, sizeof what, "%s %s%s", mtp_measure_name(o.measure),
                         mtp_method_name(o.method), knha ? " knha" : "");
                assert_int_equal(mtp_pool_2x2(&a, ws, tabs, 13, &o, &e), MTP_OK);
                memcpy(sa, mtp_workspace_studies(ws), sizeof sa);
                assert_int_equal(mtp_pool_2x2(&b, ws, ptabs, 13, &o, &e), MTP_OK);
                assert_same_result(&a, &b, what);
                /* per-study values follow the input order */
                sb = mtp_workspace_studies(ws);
                for (size_t i = 0; i < 13; i++) {
                    const mtp_study *x = &sa[perm[i]], *y = &sb[i];
                    assert_int_equal(x->flags, y->flags);
                    if (!(fabs(x->weight - y->weight) <= RTOL_ORDER * x->weight))
                        fail_msg("%s: study %zu weight %.17g vs %.17g", what, perm[i], x->weight,
                                 y->weight);
                    if (!isnan(x->yi))
                        assert_double_eq(x->yi, y->yi);
                }
            }

    /* RevMan's convention too */
    {
        mtp_options o = opts_default();
        mtp_result a, b;
        mtp_error e;
        o.method = MTP_METHOD_DL;
        o.q_centre = MTP_QCENTRE_MH;
        o.mh_correct = 1;
        assert_int_equal(mtp_pool_2x2(&a, ws, tabs, 13, &o, &e), MTP_OK);
        assert_int_equal(mtp_pool_2x2(&b, ws, ptabs, 13, &o, &e), MTP_OK);
        assert_same_result(&a, &b, "RevMan RR");
    }
}

/* reversing generic effects, every method */
static void test_order_independence_effects(void **state)
{
    const mtp_effect eff[7] = {{-0.9, 0.05}, {0.3, 0.04}, {1.2, 0.08}, {0.1, 0.03},
                               {-0.4, 0.06}, {0.5, 0.2},  {0.05, 0.01}};
    mtp_effect rev[7];
    mtp_workspace *ws = *state;
    for (size_t i = 0; i < 7; i++)
        rev[i] = eff[6 - i];
    for (size_t m = 0; m < N_ELEMS(iv_methods); m++) {
        mtp_options o = opts_default();
        mtp_result a, b;
        mtp_error e;
        o.method = iv_methods[m];
        assert_int_equal(mtp_pool_effects(&a, ws, eff, 7, &o, &e), MTP_OK);
        assert_int_equal(mtp_pool_effects(&b, ws, rev, 7, &o, &e), MTP_OK);
        assert_same_result(&a, &b, mtp_method_name(o.method));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_k1_effects_every_method, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_k1_tables_every_method, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_mh_no_finite_effect, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_k2_every_method, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_identical_studies, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_order_independence, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_order_independence_effects, setup_ws, teardown_ws),
    };
    return cmocka_run_group_tests_name("unit.edge", tests, NULL, NULL);
}
