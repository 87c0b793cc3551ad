/* Subgroup analysis (lib/subgroup.c) against metafor 3.8.1: the common tau²,
 * every subgroup fit, the overall fit and the test for subgroup differences,
 * on dat.bcg by allocation, dat.bangertdrowns2004 by grade and Steffens et
 * al. 2016 by comparison; separate DL, REML and FE, and the common DL tau².
 * Reference values: reference_values.h, made by make_reference.R. Then every
 * error path of mtp_tau2_common, mtp_subgroup_test and mtp_pool_subgroups.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <float.h>
#include <stdio.h>

#include "reference_values.h"

/* Closed forms agree with metafor to ~1e-13 and the iterative ones are run
 * fully converged on both sides, so this is far inside the project's
 * 1e-6 relative / 1e-8 absolute. */
#define RTOL 1e-9
#define ATOL 1e-12

/* A reference value: relative tolerance, or absolute when it is 0; NaN
 * must be NaN. */
static void near(double got, double want, const char *what, const char *set, size_t g)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("%s, subgroup %zu: %s = %.17g, want NaN", set, g, what, got);
        return;
    }
    if (!isfinite(got) || fabs(got - want) > (want == 0 ? ATOL : RTOL * fabs(want)))
        fail_msg("%s, subgroup %zu: %s = %.17g, want %.17g", set, g, what, got, want);
}

static void check_fit(const mtp_result *r, const ref_fit *f, const char *set, size_t g)
{
    assert_int_equal(r->k, f->k);
    near(r->estimate, f->est, "estimate", set, g);
    near(r->se, f->se, "se", set, g);
    near(r->ci_lower, f->lo, "ci_lower", set, g);
    near(r->ci_upper, f->hi, "ci_upper", set, g);
    near(r->tau2, f->tau2, "tau2", set, g);
    near(r->q, f->q, "Q", set, g);
    near(r->i2, f->i2q, "I2 (Q-based)", set, g);
}

typedef struct {
    const char *name;
    const ref_study *studies;
    size_t k, ngroups;
    const ref_model *models;
    size_t nmodels;
} ref_set;

#define SET(n, g) {#n, n##_studies, N_ELEMS(n##_studies), g, n##_models, N_ELEMS(n##_models)}
static const ref_set sets[] = {SET(bcg, 3), SET(bangert, 4), SET(steffens, 15)};

enum { KMAX = 64, GMAX = 16 };

static mtp_options model_options(const char *model, mtp_subgroup_tau2 *mode)
{
    mtp_options o = opts_default();
    o.i2_def = MTP_I2_Q;
    *mode = MTP_SUBGROUP_SEPARATE;
    if (strcmp(model, "COMMON") == 0) {
        o.method = MTP_METHOD_DL;
        *mode = MTP_SUBGROUP_COMMON;
    } else if (strcmp(model, "DL") == 0) {
        o.method = MTP_METHOD_DL;
    } else if (strcmp(model, "REML") == 0) {
        o.method = MTP_METHOD_REML;
    } else {
        o.method = MTP_METHOD_FE;
    }
    return o;
}

static void test_against_metafor(void **state)
{
    (void)state;
    mtp_workspace *w = mtp_workspace_alloc(KMAX, 1);
    assert_non_null(w);
    for (size_t s = 0; s < N_ELEMS(sets); s++) {
        const ref_set *set = &sets[s];
        mtp_effect e[KMAX];
        size_t group[KMAX];
        assert_true(set->k <= KMAX && set->ngroups <= GMAX);
        for (size_t i = 0; i < set->k; i++) {
            e[i] = (mtp_effect){set->studies[i].yi, set->studies[i].vi};
            group[i] = set->studies[i].group;
        }
        for (size_t m = 0; m < set->nmodels; m++) {
            const ref_model *ref = &set->models[m];
            char label[64];
            mtp_subgroup_tau2 mode;
            mtp_options o = model_options(ref->model, &mode);
            mtp_result res[GMAX], all, one[GMAX];
            mtp_subgroup_diff t, t2;
            mtp_error err;
            snprintf(label, sizeof label, "%s %s", set->name, ref->model);
            if (mtp_pool_subgroups(res, &all, &t, w, e, group, set->k, set->ngroups, mode, &o, &err) !=
                MTP_OK)
                fail_msg("%s: %s", label, err.message);
            for (size_t g = 0; g < set->ngroups; g++)
                check_fit(&res[g], &ref->groups[g], label, g + 1);
            check_fit(&all, &ref->overall, label, 0);
            near(t.q, ref->qb, "Q between", label, 0);
            assert_double_eq(t.df, ref->dfb);
            near(t.p, ref->pb, "p between", label, 0);
            /* the test on its own gives the same */
            assert_int_equal(mtp_subgroup_test(&t2, res, set->ngroups, &err), MTP_OK);
            assert_double_eq(t2.q, t.q);
            if (mode == MTP_SUBGROUP_COMMON) {
                double tau2;
                assert_int_equal(mtp_tau2_common(&tau2, e, group, set->k, set->ngroups, &err), MTP_OK);
                near(tau2, ref->tau2_common, "common tau2", label, 0);
                for (size_t g = 0; g < set->ngroups; g++)
                    assert_true(res[g].notes & MTP_NOTE_TAU2_FIXED);
                o.tau2_fixed = tau2;
            }
            /* each subgroup is fitted exactly as mtp_pool_effects fits it alone */
            for (size_t g = 0; g < set->ngroups; g++) {
                mtp_effect sub[KMAX];
                size_t n = 0;
                for (size_t i = 0; i < set->k; i++)
                    if (group[i] == g)
                        sub[n++] = e[i];
                assert_int_equal(mtp_pool_effects(&one[g], w, sub, n, &o, &err), MTP_OK);
                assert_double_eq(res[g].estimate, one[g].estimate);
                assert_double_eq(res[g].se, one[g].se);
                assert_double_eq(res[g].tau2, one[g].tau2);
            }
        }
    }
    mtp_workspace_free(w);
}

/* After the call the workspace's per-study values are the overall fit's. */
static void test_workspace_holds_overall(void **state)
{
    (void)state;
    const mtp_effect e[] = {{0.1, 0.04}, {0.3, 0.09}, {-0.2, 0.05}, {0.5, 0.2}, {0.0, 0.1}};
    const size_t group[] = {0, 1, 0, 1, 1};
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(5, 1);
    mtp_result res[2], all, alone;
    mtp_study copy[5];
    mtp_error err;
    o.method = MTP_METHOD_DL;
    assert_int_equal(mtp_pool_subgroups(res, &all, NULL, w, e, group, 5, 2, MTP_SUBGROUP_COMMON, &o, &err),
                     MTP_OK);
    memcpy(copy, mtp_workspace_studies(w), sizeof copy);
    o.tau2_fixed = all.tau2;
    assert_int_equal(mtp_pool_effects(&alone, w, e, 5, &o, &err), MTP_OK);
    for (size_t i = 0; i < 5; i++)
        assert_double_eq(copy[i].weight, mtp_workspace_studies(w)[i].weight);
    assert_double_eq(all.estimate, alone.estimate);
    assert_int_equal(res[0].k, 2);
    assert_int_equal(res[1].k, 3);
    mtp_workspace_free(w);
}

/* One subgroup: fits, no test (q NaN, df 0, p NaN). A one-study subgroup with
 * separate tau² gets tau² = 0, with a common one the common value. */
static void test_one_subgroup_and_singletons(void **state)
{
    (void)state;
    const mtp_effect e[] = {{0.1, 0.04}, {0.6, 0.09}, {-0.2, 0.05}, {0.5, 0.2}};
    const size_t zero[] = {0, 0, 0, 0}, mixed[] = {0, 0, 0, 1};
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(4, 1);
    mtp_result res[2], all, alone;
    mtp_subgroup_diff t = {1, 1, 1};
    mtp_error err;
    o.method = MTP_METHOD_DL;
    assert_int_equal(mtp_pool_subgroups(res, &all, &t, w, e, zero, 4, 1, MTP_SUBGROUP_SEPARATE, &o, &err),
                     MTP_OK);
    assert_nan(t.q);
    assert_double_eq(t.df, 0);
    assert_nan(t.p);
    assert_int_equal(mtp_pool_effects(&alone, w, e, 4, &o, &err), MTP_OK);
    assert_double_eq(res[0].estimate, alone.estimate);
    assert_double_eq(all.estimate, alone.estimate);

    assert_int_equal(mtp_pool_subgroups(res, &all, &t, w, e, mixed, 4, 2, MTP_SUBGROUP_SEPARATE, &o, &err),
                     MTP_OK);
    assert_double_eq(res[1].tau2, 0);
    assert_true(res[1].notes & MTP_NOTE_TAU2_NOT_ESTIMABLE);
    assert_double_eq(res[1].estimate, 0.5);
    assert_double_eq(res[1].se, sqrt(0.2));
    assert_int_equal(mtp_pool_subgroups(res, &all, &t, w, e, mixed, 4, 2, MTP_SUBGROUP_COMMON, &o, &err),
                     MTP_OK);
    assert_true(res[0].tau2 > 0);
    assert_double_eq(res[1].tau2, res[0].tau2);
    assert_double_eq(res[1].se, sqrt(0.2 + res[0].tau2));
    mtp_workspace_free(w);
}

/* Borenstein's formula by hand on a tiny case, the truncation at 0, and the
 * test with a NaN (failed) result left out. */
static void test_hand_values(void **state)
{
    (void)state;
    /* group 0: y = 0, 1 with v = 1, 1: Q = 0.5, C = 1; group 1: y = 0, 3,
     * v = 1, 1: Q = 4.5, C = 1; tau² = (5 - 2) / 2 = 1.5 */
    const mtp_effect e[] = {{0, 1}, {1, 1}, {0, 1}, {3, 1}, {7, 2}};
    const size_t group[] = {0, 0, 1, 1, 2};
    const mtp_effect flat[] = {{0, 1}, {0.1, 1}, {0, 1}, {0.1, 1}};
    double tau2 = -1;
    mtp_result r[3];
    mtp_subgroup_diff t;
    mtp_error err;
    assert_int_equal(mtp_tau2_common(&tau2, e, group, 5, 3, &err), MTP_OK);
    assert_double_eq(tau2, 1.5);
    assert_int_equal(mtp_tau2_common(&tau2, flat, group, 4, 2, &err), MTP_OK);
    assert_double_eq(tau2, 0);
    /* estimates 0, 2 and a failed fit; se 1, 1: Q = 2, df = 1 */
    for (size_t j = 0; j < 3; j++)
        r[j].se = 1;
    r[0].estimate = 0;
    r[1].estimate = 2;
    r[2].estimate = NAN;
    r[2].se = NAN;
    assert_int_equal(mtp_subgroup_test(&t, r, 3, &err), MTP_OK);
    assert_double_eq(t.q, 2);
    assert_double_eq(t.df, 1);
    assert_rel(t.p, 0.15729920705028513, 1e-12); /* pchisq(2, 1, lower.tail = FALSE) */
}

static void test_tau2_common_errors(void **state)
{
    (void)state;
    const mtp_effect e[] = {{0.1, 0.04}, {0.3, 0.09}, {-0.2, 0.05}};
    const size_t group[] = {0, 0, 1}, bad_group[] = {0, 2, 1}, singles[] = {0, 1, 2};
    mtp_effect bad[3];
    double tau2 = 42;
    mtp_error err;

    err_reset(&err);
    assert_error(mtp_tau2_common(NULL, e, group, 3, 2, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, NULL, group, 3, 2, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, e, NULL, 3, 2, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, e, group, 3, 0, &err), err, MTP_EINVAL, MTP_NO_STUDY,
                 "no subgroups");
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, e, bad_group, 3, 2, &err), err, MTP_EINVAL, 1,
                 "subgroup index 2");
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, e, singles, 3, 3, &err), err, MTP_ETOOFEW, MTP_NO_STUDY,
                 "no subgroup has two studies");
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, NULL, NULL, 0, 1, &err), err, MTP_ETOOFEW, MTP_NO_STUDY,
                 "no subgroup has two studies");
    memcpy(bad, e, sizeof bad);
    bad[2].yi = NAN;
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, bad, group, 3, 2, &err), err, MTP_EDATA, 2, "estimate");
    bad[2] = e[2];
    bad[1].vi = 0;
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, bad, group, 3, 2, &err), err, MTP_EDATA, 1,
                 "sampling variance");
    bad[1].vi = INFINITY;
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, bad, group, 3, 2, &err), err, MTP_EDATA, 1,
                 "sampling variance");
    bad[1].vi = -1;
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, bad, group, 3, 2, &err), err, MTP_EDATA, 1,
                 "sampling variance");
    /* a subnormal variance: 1/v overflows, the estimate is not finite */
    bad[1].vi = DBL_MIN / 1e10;
    err_reset(&err);
    assert_error(mtp_tau2_common(&tau2, bad, group, 3, 2, &err), err, MTP_ENUMERIC, MTP_NO_STUDY,
                 "not finite");
    assert_double_eq(tau2, 42); /* never written on failure */
    /* err may be NULL */
    assert_int_equal(mtp_tau2_common(&tau2, e, singles, 3, 3, NULL), MTP_ETOOFEW);
}

static void test_subgroup_test_errors(void **state)
{
    (void)state;
    mtp_result r[3];
    mtp_subgroup_diff t = {42, 42, 42};
    mtp_error err;
    for (size_t j = 0; j < 3; j++) {
        r[j].estimate = (double)j;
        r[j].se = 0.5;
    }
    err_reset(&err);
    assert_error(mtp_subgroup_test(NULL, r, 3, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, NULL, 3, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 1, &err), err, MTP_ETOOFEW, MTP_NO_STUDY, "at least 2");
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 0, &err), err, MTP_ETOOFEW, MTP_NO_STUDY, "at least 2");
    r[1].estimate = NAN;
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 2, &err), err, MTP_ETOOFEW, MTP_NO_STUDY, "with a result");
    r[1].estimate = INFINITY;
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 3, &err), err, MTP_EDATA, MTP_NO_STUDY, "estimate inf");
    assert_int_equal(err.group, 1);
    r[1].estimate = 1;
    r[2].se = 0; /* a zero-width Knapp-Hartung fit */
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 3, &err), err, MTP_EDATA, MTP_NO_STUDY, "standard error");
    assert_int_equal(err.group, 2);
    r[2].se = NAN;
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 3, &err), err, MTP_EDATA, MTP_NO_STUDY, "standard error");
    assert_int_equal(err.group, 2);
    r[2].se = -1;
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 3, &err), err, MTP_EDATA, MTP_NO_STUDY, "standard error");
    assert_int_equal(err.group, 2);
    /* weights overflow: 1/se² is infinite for both */
    r[0].estimate = 1e200;
    r[0].se = 1e-200;
    r[1].estimate = -1e200;
    r[1].se = 1e-200;
    err_reset(&err);
    assert_error(mtp_subgroup_test(&t, r, 2, &err), err, MTP_ENUMERIC, MTP_NO_STUDY, "not finite");
    assert_double_eq(t.q, 42);
    assert_int_equal(mtp_subgroup_test(&t, r, 1, NULL), MTP_ETOOFEW);
}

static void test_pool_subgroups_errors(void **state)
{
    (void)state;
    const mtp_effect e[] = {{0.1, 0.04}, {0.3, 0.09}, {-0.2, 0.05}, {0.4, 0.1}};
    const size_t group[] = {0, 0, 1, 1}, out_of_range[] = {0, 0, 1, 3}, one_empty[] = {0, 0, 2, 2},
                 singles[] = {0, 1, 2, 3};
    mtp_options o = opts_default(), bad;
    mtp_workspace *w = mtp_workspace_alloc(4, 1), *small = mtp_workspace_alloc(3, 1);
    mtp_result res[4], all;
    mtp_subgroup_diff t = {42, 42, 42};
    mtp_effect be[4];
    mtp_error err;
    all.estimate = 42;
    o.method = MTP_METHOD_DL;
#define CALL(res_, w_, e_, g_, k_, ng_, mode_, o_) \
    mtp_pool_subgroups(res_, &all, &t, w_, e_, g_, k_, ng_, mode_, o_, &err)
#define SEP MTP_SUBGROUP_SEPARATE
#define COM MTP_SUBGROUP_COMMON

    err_reset(&err);
    assert_error(CALL(NULL, w, e, group, 4, 2, SEP, &o), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(CALL(res, NULL, e, group, 4, 2, SEP, &o), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(CALL(res, w, NULL, group, 4, 2, SEP, &o), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(CALL(res, w, e, NULL, 4, 2, SEP, &o), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    bad = o;
    bad.level = 2;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, SEP, &bad), err, MTP_EINVAL, MTP_NO_STUDY, "level");
    bad = o;
    bad.method = MTP_METHOD_MH;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, SEP, &bad), err, MTP_EINVAL, MTP_NO_STUDY, "2x2 tables");
    bad.method = MTP_METHOD_PETO;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, SEP, &bad), err, MTP_EINVAL, MTP_NO_STUDY, "2x2 tables");
    bad = o;
    bad.q_centre = MTP_QCENTRE_MH;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, SEP, &bad), err, MTP_EINVAL, MTP_NO_STUDY, "MH estimate");
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, (mtp_subgroup_tau2)7, &o), err, MTP_EINVAL, MTP_NO_STUDY,
                 "unknown subgroup tau2 mode 7");
    bad = o;
    bad.method = MTP_METHOD_REML;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, COM, &bad), err, MTP_EINVAL, MTP_NO_STUDY,
                 "must be DL, not REML");
    bad.method = MTP_METHOD_FE;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, COM, &bad), err, MTP_EINVAL, MTP_NO_STUDY,
                 "must be DL, not FE");
    bad = o;
    bad.tau2_fixed = 0.1;
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 2, COM, &bad), err, MTP_EINVAL, MTP_NO_STUDY,
                 "tau2_fixed must be negative");
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 0, 2, SEP, &o), err, MTP_ETOOFEW, MTP_NO_STUDY, "k = 0");
    err_reset(&err);
    assert_error(CALL(res, small, e, group, 4, 2, SEP, &o), err, MTP_EBADLEN, MTP_NO_STUDY,
                 "workspace holds 3");
    err_reset(&err);
    assert_error(CALL(res, w, e, group, 4, 0, SEP, &o), err, MTP_EINVAL, MTP_NO_STUDY, "no subgroups");
    err_reset(&err);
    assert_error(CALL(res, w, e, out_of_range, 4, 2, SEP, &o), err, MTP_EINVAL, 3,
                 "subgroup index 3 is not below 2");
    err_reset(&err);
    assert_error(CALL(res, w, e, one_empty, 4, 3, SEP, &o), err, MTP_ETOOFEW, MTP_NO_STUDY,
                 "the subgroup has no studies");
    assert_int_equal(err.group, 1);
    memcpy(be, e, sizeof be);
    be[3].yi = INFINITY;
    err_reset(&err);
    assert_error(CALL(res, w, be, group, 4, 2, SEP, &o), err, MTP_EDATA, 3, "estimate");
    be[3] = e[3];
    be[0].vi = NAN;
    err_reset(&err);
    assert_error(CALL(res, w, be, group, 4, 2, SEP, &o), err, MTP_EDATA, 0, "sampling variance");
    err_reset(&err);
    assert_error(CALL(res, w, e, singles, 4, 4, COM, &o), err, MTP_ETOOFEW, MTP_NO_STUDY,
                 "no subgroup has two studies");
    /* a failing subgroup fit: REML stopped after one iteration */
    bad = o;
    bad.method = MTP_METHOD_REML;
    bad.max_iter = 1;
    {
        const mtp_effect het[] = {{-1, 0.01}, {1, 0.01}, {0.5, 0.02}, {0, 0.01}, {2, 0.05}, {-0.5, 0.03}};
        const size_t g2[] = {0, 0, 0, 1, 1, 1};
        mtp_workspace *w6 = mtp_workspace_alloc(6, 1);
        err_reset(&err);
        assert_error(mtp_pool_subgroups(res, &all, &t, w6, het, g2, 6, 2, SEP, &bad, &err), err,
                     MTP_ENOCONV, MTP_NO_STUDY, "did not reach tolerance");
        assert_int_equal(err.group, 0);
        mtp_workspace_free(w6);
    }
    /* nothing written to overall or test on failure; err may be NULL */
    assert_double_eq(all.estimate, 42);
    assert_double_eq(t.q, 42);
    assert_int_equal(CALL(res, w, e, group, 0, 2, SEP, NULL) == MTP_ETOOFEW, 1);
    assert_int_equal(mtp_pool_subgroups(res, NULL, NULL, w, e, one_empty, 4, 3, SEP, &o, NULL), MTP_ETOOFEW);
    /* NULL options are the defaults (REML, separate) */
    assert_int_equal(mtp_pool_subgroups(res, NULL, NULL, w, e, group, 4, 2, SEP, NULL, &err), MTP_OK);
    assert_int_equal(res[0].method, MTP_METHOD_REML);
    mtp_workspace_free(w);
    mtp_workspace_free(small);
#undef CALL
#undef SEP
#undef COM
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_metafor),
        cmocka_unit_test(test_workspace_holds_overall),
        cmocka_unit_test(test_one_subgroup_and_singletons),
        cmocka_unit_test(test_hand_values),
        cmocka_unit_test(test_tau2_common_errors),
        cmocka_unit_test(test_subgroup_test_errors),
        cmocka_unit_test(test_pool_subgroups_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
