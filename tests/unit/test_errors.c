/* Every error path of the public API: the return code, err->code, err->study
 * and a key phrase of err->message; and that a failing call leaves *out alone.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <float.h>

static const mtp_table2x2 good_tables[3] = {
    {12, 50, 5, 48},
    {3, 40, 9, 41},
    {20, 100, 31, 98},
};
static const mtp_effect good_effects[3] = {{0.12, 0.04}, {-0.30, 0.09}, {0.45, 0.06}};

static int setup_ws(void **state)
{
    *state = mtp_workspace_alloc(8, 1);
    return *state == NULL ? -1 : 0;
}

static int teardown_ws(void **state)
{
    mtp_workspace_free(*state);
    return 0;
}

/* Calls both pooling functions with a bad option set; each must refuse it. */
static void expect_bad_options(mtp_workspace *ws, const mtp_options *o, const char *phrase)
{
    mtp_result r;
    mtp_error e;
    mtp_effect eff;
    unsigned int flags;

    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, good_effects, 3, o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 phrase);
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 3, o, &e), e, MTP_EINVAL, MTP_NO_STUDY, phrase);
    err_reset(&e);
    assert_error(mtp_effect_from_2x2(&eff, &flags, &good_tables[0], o, &e), e, MTP_EINVAL,
                 MTP_NO_STUDY, phrase);
}

/* ---- strerror, options_init, workspace --------------------------------- */

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(mtp_strerror(MTP_OK), "success");
    assert_string_equal(mtp_strerror(MTP_EINVAL), "invalid argument");
    assert_string_equal(mtp_strerror(MTP_EDATA), "invalid study data");
    assert_string_equal(mtp_strerror(MTP_ETOOFEW), "too few studies for the method");
    assert_string_equal(mtp_strerror(MTP_ENOCONV), "iterative estimator did not converge");
    assert_string_equal(mtp_strerror(MTP_EBADLEN), "workspace too small for the number of studies");
    assert_string_equal(mtp_strerror(MTP_ENOMEM), "out of memory");
    assert_string_equal(mtp_strerror(MTP_ENUMERIC), "numerical breakdown");
    assert_string_equal(mtp_strerror(MTP_EIO), "output error");
    assert_string_equal(mtp_strerror(MTP_ERANK), "moderator matrix is rank deficient");
    assert_string_equal(mtp_strerror(-10), "unknown error");
    assert_string_equal(mtp_strerror(1), "unknown error");
    assert_string_equal(mtp_strerror(-1000), "unknown error");
    /* the codes are pinned in the header */
    assert_int_equal(MTP_EINVAL, -1);
    assert_int_equal(MTP_EIO, -8);
    assert_int_equal(MTP_ERANK, -9);
}

static void test_options_init(void **state)
{
    mtp_options o, want = MTP_OPTIONS_INIT;
    (void)state;
    assert_int_equal(mtp_options_init(NULL, MTP_OPTIONS_VERSION), MTP_EINVAL);
    assert_int_equal(mtp_options_init(&o, 0), MTP_EINVAL);
    assert_int_equal(mtp_options_init(&o, MTP_OPTIONS_VERSION + 1), MTP_EINVAL);
    memset(&o, 0xff, sizeof o);
    assert_int_equal(mtp_options_init(&o, MTP_OPTIONS_VERSION), MTP_OK);
    /* field by field: padding bytes are not copied by struct assignment */
    assert_int_equal(o.version, want.version);
    assert_int_equal(o.measure, MTP_MEASURE_RR);
    assert_int_equal(o.method, MTP_METHOD_REML);
    assert_int_equal(o.test, MTP_TEST_Z);
    assert_int_equal(o.pi, MTP_PI_T_K2);
    assert_double_eq(o.level, 0.95);
    assert_double_eq(o.cc, 0.5);
    assert_int_equal(o.cc_when, MTP_CC_ZERO);
    assert_int_equal(o.double_zero, MTP_DZ_AUTO);
    assert_int_equal(o.mh_correct, 0);
    assert_int_equal(o.mh_rd_var, MTP_MHRD_SATO);
    assert_int_equal(o.q_centre, MTP_QCENTRE_IV);
    assert_int_equal(o.i2_def, MTP_I2_AUTO);
    assert_double_eq(o.tau2_fixed, -1.0);
    assert_int_equal(o.tau2_ci, 1);
    assert_double_eq(o.tol, 1e-12);
    assert_int_equal(o.max_iter, 1000);
}

static void test_workspace(void **state)
{
    mtp_workspace *w;
    (void)state;
    assert_null(mtp_workspace_alloc(0, 1));
    assert_null(mtp_workspace_alloc(SIZE_MAX, 1));
    mtp_workspace_free(NULL); /* a no-op */
    assert_int_equal(mtp_workspace_size(NULL), 0);
    assert_null(mtp_workspace_studies(NULL));
    w = mtp_workspace_alloc(5, 1);
    assert_non_null(w);
    assert_int_equal(mtp_workspace_size(w), 5);
    assert_non_null(mtp_workspace_studies(w));
    mtp_workspace_free(w);
}

/* ---- NULL pointers, k = 0, workspace too small -------------------------- */

static void test_null_pointers(void **state)
{
    mtp_workspace *ws = *state;
    mtp_result r;
    mtp_error e;
    mtp_effect eff;

    err_reset(&e);
    assert_error(mtp_pool_effects(NULL, ws, good_effects, 3, NULL, &e), e, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, NULL, good_effects, 3, NULL, &e), e, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, NULL, 3, NULL, &e), e, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&e);
    assert_error(mtp_pool_2x2(NULL, ws, good_tables, 3, NULL, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "NULL");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, NULL, good_tables, 3, NULL, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "NULL");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, NULL, 3, NULL, &e), e, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&e);
    assert_error(mtp_effect_from_2x2(NULL, NULL, &good_tables[0], NULL, &e), e, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&e);
    assert_error(mtp_effect_from_2x2(&eff, NULL, NULL, NULL, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "NULL");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(NULL, 1, 0.5, 2, 0.95, 1, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "NULL");

    /* err itself may be NULL: the code is still returned */
    assert_int_equal(mtp_pool_effects(NULL, ws, good_effects, 3, NULL, NULL), MTP_EINVAL);
    assert_int_equal(mtp_pool_2x2(&r, ws, NULL, 3, NULL, NULL), MTP_EINVAL);
    assert_int_equal(mtp_effect_from_ci(NULL, 1, 0.5, 2, 0.95, 1, NULL), MTP_EINVAL);
}

static void test_k_zero(void **state)
{
    mtp_workspace *ws = *state;
    mtp_result r;
    mtp_error e;
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, good_effects, 0, NULL, &e), e, MTP_ETOOFEW, MTP_NO_STUDY,
                 "k = 0");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 0, NULL, &e), e, MTP_ETOOFEW, MTP_NO_STUDY,
                 "k = 0");
}

static void test_workspace_too_small(void **state)
{
    mtp_workspace *small = mtp_workspace_alloc(2, 1);
    mtp_result r;
    mtp_error e;
    (void)state;
    assert_non_null(small);
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, small, good_effects, 3, NULL, &e), e, MTP_EBADLEN,
                 MTP_NO_STUDY, "3 studies but the workspace holds 2");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, small, good_tables, 3, NULL, &e), e, MTP_EBADLEN, MTP_NO_STUDY,
                 "workspace holds 2");
    /* exactly full is fine */
    assert_int_equal(mtp_pool_effects(&r, small, good_effects, 2, NULL, &e), MTP_OK);
    mtp_workspace_free(small);
}

/* ---- options ------------------------------------------------------------ */

static void test_bad_options_each_field(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o;

    o = opts_default(), o.version = 0;
    expect_bad_options(ws, &o, "options version 0");
    o = opts_default(), o.version = 2;
    expect_bad_options(ws, &o, "mtp_options_init");
    o = opts_default(), o.measure = (mtp_measure)5;
    expect_bad_options(ws, &o, "unknown measure 5");
    o = opts_default(), o.measure = (mtp_measure)-1;
    expect_bad_options(ws, &o, "unknown measure -1");
    o = opts_default(), o.method = (mtp_method)11;
    expect_bad_options(ws, &o, "unknown method 11");
    o = opts_default(), o.test = (mtp_test)2;
    expect_bad_options(ws, &o, "unknown test 2");
    o = opts_default(), o.pi = (mtp_pi)3;
    expect_bad_options(ws, &o, "unknown prediction interval type 3");
    o = opts_default(), o.level = 0;
    expect_bad_options(ws, &o, "confidence level 0 is not between 0 and 1");
    o = opts_default(), o.level = 1;
    expect_bad_options(ws, &o, "confidence level 1 is not between 0 and 1");
    o = opts_default(), o.level = 95;
    expect_bad_options(ws, &o, "confidence level 95");
    o = opts_default(), o.level = NAN;
    expect_bad_options(ws, &o, "confidence level");
    o = opts_default(), o.cc = -0.5;
    expect_bad_options(ws, &o, "continuity correction -0.5");
    o = opts_default(), o.cc = NAN;
    expect_bad_options(ws, &o, "continuity correction");
    o = opts_default(), o.cc = INFINITY;
    expect_bad_options(ws, &o, "continuity correction inf");
    o = opts_default(), o.cc_when = (mtp_cc_rule)3;
    expect_bad_options(ws, &o, "unknown continuity-correction rule 3");
    o = opts_default(), o.double_zero = (mtp_double_zero)3;
    expect_bad_options(ws, &o, "unknown double-zero rule 3");
    o = opts_default(), o.mh_rd_var = (mtp_mh_rd_var)2;
    expect_bad_options(ws, &o, "unknown MH risk-difference variance 2");
    o = opts_default(), o.q_centre = (mtp_q_centre)2;
    expect_bad_options(ws, &o, "unknown Q centre 2");
    o = opts_default(), o.i2_def = (mtp_i2_def)2;
    expect_bad_options(ws, &o, "unknown I2 definition 2");
    o = opts_default(), o.tau2_fixed = NAN;
    expect_bad_options(ws, &o, "tau2_fixed must be finite");
    o = opts_default(), o.tau2_fixed = INFINITY;
    expect_bad_options(ws, &o, "tau2_fixed must be finite");
    o = opts_default(), o.tol = 0;
    expect_bad_options(ws, &o, "tolerance 0");
    o = opts_default(), o.tol = 1;
    expect_bad_options(ws, &o, "tolerance 1");
    o = opts_default(), o.tol = NAN;
    expect_bad_options(ws, &o, "tolerance");
    o = opts_default(), o.max_iter = 0;
    expect_bad_options(ws, &o, "max_iter must be at least 1");
}

static void test_bad_option_combinations(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o;
    mtp_result r;
    mtp_error e;

    /* tau2_fixed with a fixed-effect method */
    o = opts_default(), o.tau2_fixed = 0.1, o.method = MTP_METHOD_FE;
    expect_bad_options(ws, &o, "a fixed tau2 needs a random-effects method, not FE");
    o = opts_default(), o.tau2_fixed = 0, o.method = MTP_METHOD_MH;
    expect_bad_options(ws, &o, "not MH");
    o = opts_default(), o.tau2_fixed = 0.2, o.method = MTP_METHOD_PETO;
    expect_bad_options(ws, &o, "not PETO");
    /* knha with MH or Peto */
    o = opts_default(), o.test = MTP_TEST_KNHA, o.method = MTP_METHOD_MH;
    expect_bad_options(ws, &o, "Knapp-Hartung test needs an inverse-variance model, not MH");
    o = opts_default(), o.test = MTP_TEST_KNHA, o.method = MTP_METHOD_PETO;
    expect_bad_options(ws, &o, "not PETO");
    /* Q centred on MH with anything but DL */
    o = opts_default(), o.q_centre = MTP_QCENTRE_MH; /* REML */
    expect_bad_options(ws, &o, "defined for DL only, not REML");
    o = opts_default(), o.q_centre = MTP_QCENTRE_MH, o.method = MTP_METHOD_FE;
    expect_bad_options(ws, &o, "not FE");
    o = opts_default(), o.q_centre = MTP_QCENTRE_MH, o.method = MTP_METHOD_PM;
    expect_bad_options(ws, &o, "not PM");

    /* valid options that a particular entry point cannot use */
    o = opts_default(), o.method = MTP_METHOD_MH;
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, good_effects, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "MH pooling needs 2x2 tables");
    o.method = MTP_METHOD_PETO;
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, good_effects, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "PETO pooling needs 2x2 tables");
    o = opts_default(), o.method = MTP_METHOD_DL, o.q_centre = MTP_QCENTRE_MH;
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, good_effects, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "needs 2x2 tables");
    o = opts_default(), o.measure = MTP_MEASURE_GENERIC;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "2x2 tables need measure RR, OR, RD or PETO");
    {
        mtp_effect eff;
        err_reset(&e);
        assert_error(mtp_effect_from_2x2(&eff, NULL, &good_tables[0], &o, &e), e, MTP_EINVAL,
                     MTP_NO_STUDY, "needs measure RR, OR, RD or PETO");
    }
    o = opts_default(), o.method = MTP_METHOD_PETO, o.measure = MTP_MEASURE_RR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "Peto's method pools odds ratios, not RR");
    o.measure = MTP_MEASURE_RD;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "not RD");
    o = opts_default(), o.method = MTP_METHOD_MH, o.measure = MTP_MEASURE_PETO_OR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "Mantel-Haenszel needs measure RR, OR or RD");
    o = opts_default(), o.method = MTP_METHOD_DL, o.q_centre = MTP_QCENTRE_MH,
    o.measure = MTP_MEASURE_PETO_OR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, good_tables, 3, &o, &e), e, MTP_EINVAL, MTP_NO_STUDY,
                 "Mantel-Haenszel needs measure RR, OR or RD");
}

/* ---- invalid 2x2 data: the offending study is named --------------------- */

static void expect_bad_table(mtp_workspace *ws, mtp_table2x2 bad, const char *phrase)
{
    mtp_table2x2 t[4] = {good_tables[0], good_tables[1], good_tables[2], good_tables[0]};
    mtp_result r;
    mtp_error e;
    mtp_effect eff = {1, 1};
    unsigned int flags = 99;
    t[2] = bad; /* third study: index 2 in mtp_error::study, not in the message */

    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, t, 4, NULL, &e), e, MTP_EDATA, 2, phrase);
    assert_null(strstr(e.message, "study"));
    err_reset(&e);
    assert_error(mtp_effect_from_2x2(&eff, &flags, &bad, NULL, &e), e, MTP_EDATA, 0, phrase);
    assert_null(strstr(e.message, "study"));
    /* every method validates the data first */
    for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
        mtp_options o = opts_default();
        o.method = (mtp_method)m;
        if (m == MTP_METHOD_PETO)
            o.measure = MTP_MEASURE_OR;
        err_reset(&e);
        assert_error(mtp_pool_2x2(&r, ws, t, 4, &o, &e), e, MTP_EDATA, 2, phrase);
    }
}

static void test_bad_counts(void **state)
{
    mtp_workspace *ws = *state;
    expect_bad_table(ws, (mtp_table2x2){-1, 20, 3, 20}, "negative count");
    expect_bad_table(ws, (mtp_table2x2){1, -20, 3, 20}, "negative count");
    expect_bad_table(ws, (mtp_table2x2){1, 20, -0.5, 20}, "negative count");
    expect_bad_table(ws, (mtp_table2x2){1, 20, 3, -20}, "negative count");
    expect_bad_table(ws, (mtp_table2x2){21, 20, 3, 20}, "21 events in the treatment arm exceed its 20");
    expect_bad_table(ws, (mtp_table2x2){1, 20, 20.5, 20}, "events in the control arm exceed");
    expect_bad_table(ws, (mtp_table2x2){0, 0, 3, 20}, "an arm has zero participants");
    expect_bad_table(ws, (mtp_table2x2){1, 20, 0, 0}, "an arm has zero participants");
    expect_bad_table(ws, (mtp_table2x2){NAN, 20, 3, 20}, "counts must be finite");
    expect_bad_table(ws, (mtp_table2x2){1, INFINITY, 3, 20}, "counts must be finite");
    expect_bad_table(ws, (mtp_table2x2){1, 20, -INFINITY, 20}, "counts must be finite");
    expect_bad_table(ws, (mtp_table2x2){1, 20, 3, NAN}, "counts must be finite");
}

/* ---- invalid generic effects -------------------------------------------- */

static void expect_bad_effect(mtp_workspace *ws, mtp_effect bad, const char *phrase)
{
    mtp_effect e4[4] = {good_effects[0], good_effects[1], bad, good_effects[2]};
    mtp_result r;
    mtp_error e;
    for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
        mtp_options o = opts_default();
        if (m == MTP_METHOD_MH || m == MTP_METHOD_PETO)
            continue;
        o.method = (mtp_method)m;
        err_reset(&e);
        assert_error(mtp_pool_effects(&r, ws, e4, 4, &o, &e), e, MTP_EDATA, 2, phrase);
        assert_null(strstr(e.message, "study"));
    }
}

static void test_bad_effects(void **state)
{
    mtp_workspace *ws = *state;
    expect_bad_effect(ws, (mtp_effect){NAN, 0.1}, "estimate is not a finite number");
    expect_bad_effect(ws, (mtp_effect){INFINITY, 0.1}, "estimate is not a finite number");
    expect_bad_effect(ws, (mtp_effect){-INFINITY, 0.1}, "estimate is not a finite number");
    expect_bad_effect(ws, (mtp_effect){0.1, 0}, "sampling variance 0 is not a finite number > 0");
    expect_bad_effect(ws, (mtp_effect){0.1, -0.2}, "sampling variance -0.2");
    expect_bad_effect(ws, (mtp_effect){0.1, NAN}, "sampling variance");
    expect_bad_effect(ws, (mtp_effect){0.1, INFINITY}, "sampling variance inf");
    expect_bad_effect(ws, (mtp_effect){0.1, -DBL_MIN}, "sampling variance");
}

/* ---- data that leave too few studies or no finite effect --------------- */

static void test_all_double_zero(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 dz[3] = {{0, 10, 0, 12}, {0, 30, 0, 31}, {15, 15, 9, 9}};
    mtp_result r;
    mtp_error e;
    const mtp_measure measures[] = {MTP_MEASURE_RR, MTP_MEASURE_OR, MTP_MEASURE_PETO_OR};
    const mtp_method methods[] = {MTP_METHOD_FE, MTP_METHOD_DL, MTP_METHOD_REML, MTP_METHOD_MH};
    for (size_t i = 0; i < N_ELEMS(measures); i++)
        for (size_t j = 0; j < N_ELEMS(methods); j++) {
            mtp_options o = opts_default();
            o.measure = measures[i];
            o.method = methods[j];
            if (o.method == MTP_METHOD_MH && o.measure == MTP_MEASURE_PETO_OR)
                continue;
            err_reset(&e);
            assert_error(mtp_pool_2x2(&r, ws, dz, 3, &o, &e), e, MTP_ETOOFEW, MTP_NO_STUDY,
                         "all 3 tables are double-zero and were dropped");
        }
    /* an explicit drop does it for RD too */
    {
        mtp_options o = opts_default();
        o.measure = MTP_MEASURE_RD;
        o.double_zero = MTP_DZ_DROP;
        err_reset(&e);
        assert_error(mtp_pool_2x2(&r, ws, dz, 3, &o, &e), e, MTP_ETOOFEW, MTP_NO_STUDY,
                     "double-zero");
    }
}

static void test_zero_cell_without_correction(void **state)
{
    mtp_workspace *ws = *state;
    /* study 2 (index 1) has a = 0 */
    const mtp_table2x2 t[3] = {{12, 50, 5, 48}, {0, 40, 9, 41}, {20, 100, 31, 98}};
    /* study 3 (index 2) has b = 0 only: RR is finite, OR is not */
    const mtp_table2x2 u[3] = {{12, 50, 5, 48}, {3, 40, 9, 41}, {20, 20, 31, 98}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    mtp_effect eff;

    o.cc_when = MTP_CC_NEVER;
    o.measure = MTP_MEASURE_RR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, t, 3, &o, &e), e, MTP_EDATA, 1,
                 "no events in an arm and no continuity correction: log RR is infinite");
    err_reset(&e);
    assert_error(mtp_effect_from_2x2(&eff, NULL, &t[1], &o, &e), e, MTP_EDATA, 0, "log RR is infinite");
    assert_int_equal(mtp_pool_2x2(&r, ws, u, 3, &o, &e), MTP_OK); /* b = 0 is fine for RR */

    o.measure = MTP_MEASURE_OR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, t, 3, &o, &e), e, MTP_EDATA, 1,
                 "a zero cell and no continuity correction: log OR is infinite");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, u, 3, &o, &e), e, MTP_EDATA, 2, "log OR is infinite");

    /* cc = 0 with the default rule is the same as "never" */
    o = opts_default();
    o.cc = 0;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, t, 3, &o, &e), e, MTP_EDATA, 1, "log RR is infinite");

    /* RD with a kept double zero and no correction: zero variance */
    {
        const mtp_table2x2 d[2] = {{12, 50, 5, 48}, {0, 10, 0, 12}};
        o = opts_default();
        o.measure = MTP_MEASURE_RD;
        o.cc_when = MTP_CC_NEVER;
        err_reset(&e);
        assert_error(mtp_pool_2x2(&r, ws, d, 2, &o, &e), e, MTP_EDATA, 1, "RD has variance 0");
    }
}

/* MH keeps going: the study gets NO_EFFECT, stays in the MH estimate and out of Q. */
static void test_zero_cell_mh_no_effect(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 t[3] = {{12, 50, 5, 48}, {0, 40, 9, 41}, {20, 100, 31, 98}};
    const mtp_measure measures[] = {MTP_MEASURE_RR, MTP_MEASURE_OR};
    for (size_t m = 0; m < N_ELEMS(measures); m++) {
        mtp_options o = opts_default();
        mtp_result r, r2;
        mtp_error e;
        const mtp_study *s;
        o.method = MTP_METHOD_MH;
        o.measure = measures[m];
        o.cc_when = MTP_CC_NEVER;
        err_reset(&e);
        assert_int_equal(mtp_pool_2x2(&r, ws, t, 3, &o, &e), MTP_OK);
        s = mtp_workspace_studies(ws);
        assert_int_equal(s[1].flags, MTP_STUDY_NO_EFFECT);
        assert_nan(s[1].yi);
        assert_nan(s[1].vi);
        assert_true(s[1].weight > 0); /* in the MH estimate */
        assert_int_equal(s[0].flags, 0);
        assert_int_equal(s[2].flags, 0);
        assert_int_equal(r.k, 3);
        assert_int_equal(r.k_used, 3);
        assert_double_eq(r.q_df, 1); /* Q over the two finite effects */
        assert_int_equal(r.notes & MTP_NOTE_CC_APPLIED, 0);
        /* the MH estimate is the exact MH of the raw counts: identical to the
         * default (cc in the study effects only, not in MH) */
        o.cc_when = MTP_CC_ZERO;
        assert_int_equal(mtp_pool_2x2(&r2, ws, t, 3, &o, &e), MTP_OK);
        assert_double_eq(r.estimate, r2.estimate);
        assert_double_eq(r.se, r2.se);
        assert_true(r2.q_df == 2);
    }
}

static void test_mh_no_events_in_one_arm(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 no_trt[3] = {{0, 50, 5, 48}, {0, 40, 9, 41}, {0, 100, 31, 98}};
    const mtp_table2x2 no_ctl[3] = {{5, 50, 0, 48}, {9, 40, 0, 41}, {31, 100, 0, 98}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    o.method = MTP_METHOD_MH;

    o.measure = MTP_MEASURE_RR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, no_trt, 3, &o, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "risk ratio is undefined: no events in the treatment arm of any table");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, no_ctl, 3, &o, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "no events in the control arm of any table");
    o.measure = MTP_MEASURE_OR;
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, no_trt, 3, &o, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "Mantel-Haenszel odds ratio is zero or undefined");
    err_reset(&e);
    assert_error(mtp_pool_2x2(&r, ws, no_ctl, 3, &o, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "Mantel-Haenszel odds ratio is infinite");
    /* RD is defined: the difference is just -risk */
    o.measure = MTP_MEASURE_RD;
    assert_int_equal(mtp_pool_2x2(&r, ws, no_trt, 3, &o, &e), MTP_OK);
    assert_true(r.estimate < 0);
    /* with RevMan's correction inside MH the RR is defined */
    o.measure = MTP_MEASURE_RR;
    o.mh_correct = 1;
    assert_int_equal(mtp_pool_2x2(&r, ws, no_trt, 3, &o, &e), MTP_OK);
    assert_true(isfinite(r.estimate) && r.estimate < 0);
}

static void test_peto_no_events(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 none[2] = {{0, 50, 0, 48}, {0, 40, 0, 41}};
    const mtp_double_zero rules[] = {MTP_DZ_AUTO, MTP_DZ_KEEP, MTP_DZ_DROP};
    mtp_result r;
    mtp_error e;
    for (size_t i = 0; i < N_ELEMS(rules); i++) {
        mtp_options o = opts_default();
        o.method = MTP_METHOD_PETO;
        o.measure = MTP_MEASURE_OR;
        o.double_zero = rules[i];
        err_reset(&e);
        assert_error(mtp_pool_2x2(&r, ws, none, 2, &o, &e), e, MTP_ETOOFEW, MTP_NO_STUDY,
                     "no study left");
    }
    /* fractional counts with fewer than two participants: no Peto variance */
    {
        const mtp_table2x2 tiny[2] = {{12, 50, 5, 48}, {0.2, 0.5, 0.1, 0.4}};
        mtp_options o = opts_default();
        mtp_effect eff;
        o.method = MTP_METHOD_PETO;
        o.measure = MTP_MEASURE_OR;
        err_reset(&e);
        assert_error(mtp_pool_2x2(&r, ws, tiny, 2, &o, &e), e, MTP_EDATA, 1,
                     "Peto's variance needs more than one participant");
        o.method = MTP_METHOD_FE;
        o.measure = MTP_MEASURE_PETO_OR;
        err_reset(&e);
        assert_error(mtp_effect_from_2x2(&eff, NULL, &tiny[1], &o, &e), e, MTP_EDATA, 0,
                     "more than one participant");
    }
}

/* ---- iterative estimators and numerical breakdown ----------------------- */

static void test_no_convergence(void **state)
{
    mtp_workspace *ws = *state;
    /* heterogeneous enough that REML, ML and PM need a root search */
    const mtp_effect eff[5] = {{-0.9, 0.05}, {0.3, 0.04}, {1.2, 0.08}, {0.1, 0.03}, {-0.4, 0.06}};
    const mtp_method methods[] = {MTP_METHOD_ML, MTP_METHOD_REML, MTP_METHOD_PM, MTP_METHOD_EB};
    for (size_t i = 0; i < N_ELEMS(methods); i++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error e;
        o.method = methods[i];
        o.max_iter = 1;
        err_reset(&e);
        assert_error(mtp_pool_effects(&r, ws, eff, 5, &o, &e), e, MTP_ENOCONV, MTP_NO_STUDY,
                     "did not reach tolerance");
        o.max_iter = 1000;
        assert_int_equal(mtp_pool_effects(&r, ws, eff, 5, &o, &e), MTP_OK);
        assert_true(r.converged == 1 && r.iterations > 1);
    }
}

static void test_numeric_breakdown(void **state)
{
    mtp_workspace *ws = *state;
    /* finite inputs whose weighted sum overflows */
    const mtp_effect eff[2] = {{1e308, 1e-10}, {1e308, 1e-10}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    o.method = MTP_METHOD_FE;
    err_reset(&e);
    assert_error(mtp_pool_effects(&r, ws, eff, 2, &o, &e), e, MTP_ENUMERIC, MTP_NO_STUDY,
                 "weighted mean is not finite");
}

/* ---- mtp_effect_from_ci ------------------------------------------------- */

static void test_effect_from_ci_errors(void **state)
{
    mtp_effect eff;
    mtp_error e;
    (void)state;
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 1, 2, 2, 0.95, 0, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "lower limit 2 is not below upper limit 2");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 1, 3, 2, 0.95, 1, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "is not below upper limit");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 5, 1, 2, 0.95, 0, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "estimate 5 lies outside its interval [1, 2]");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 0.5, 1, 2, 0.95, 1, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "lies outside");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 1, 0, 2, 0.95, 1, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "a ratio and its limits must be > 0");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, -0.5, -1, 2, 0.95, 1, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "must be > 0");
    /* the same negative interval is fine for a difference */
    assert_int_equal(mtp_effect_from_ci(&eff, -0.5, -1, 2, 0.95, 0, &e), MTP_OK);
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, NAN, 1, 2, 0.95, 0, &e), e, MTP_EDATA, MTP_NO_STUDY,
                 "must be finite");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 1, -INFINITY, 2, 0.95, 0, &e), e, MTP_EDATA,
                 MTP_NO_STUDY, "must be finite");
    err_reset(&e);
    assert_error(mtp_effect_from_ci(&eff, 1, 0.5, INFINITY, 0.95, 1, &e), e, MTP_EDATA,
                 MTP_NO_STUDY, "must be finite");
    {
        const double levels[] = {0, 1, -0.5, 95, NAN};
        for (size_t i = 0; i < N_ELEMS(levels); i++) {
            err_reset(&e);
            assert_error(mtp_effect_from_ci(&eff, 1, 0.5, 2, levels[i], 1, &e), e, MTP_EINVAL,
                         MTP_NO_STUDY, "confidence level");
        }
    }
}

/* ---- a failing call writes nothing to *out ------------------------------ */

static void test_out_untouched_on_failure(void **state)
{
    mtp_workspace *ws = *state;
    mtp_result r, before;
    mtp_effect bad[2] = {{0.1, 0.1}, {0.2, -1}};
    mtp_table2x2 badt[2] = {{1, 10, 2, 10}, {11, 10, 2, 10}};
    mtp_error e;
    memset(&r, 0x5a, sizeof r);
    before = r;
    assert_int_equal(mtp_pool_effects(&r, ws, bad, 2, NULL, &e), MTP_EDATA);
    assert_memory_equal(&r, &before, sizeof r);
    assert_int_equal(mtp_pool_2x2(&r, ws, badt, 2, NULL, &e), MTP_EDATA);
    assert_memory_equal(&r, &before, sizeof r);
    assert_int_equal(mtp_pool_effects(&r, ws, bad, 0, NULL, &e), MTP_ETOOFEW);
    assert_memory_equal(&r, &before, sizeof r);
}

/* mtp_workspace_studies() gives the per-study values "of the last successful
 * fit": a fit that fails after validation (here ENOCONV) must not overwrite
 * them (a regression test: it once did). */
static void test_studies_survive_failed_fit(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_effect het[5] = {{-0.9, 0.05}, {0.3, 0.04}, {1.2, 0.08}, {0.1, 0.03}, {-0.4, 0.06}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    assert_int_equal(mtp_pool_effects(&r, ws, good_effects, 3, &o, &e), MTP_OK);
    o.max_iter = 1;
    assert_int_equal(mtp_pool_effects(&r, ws, het, 5, &o, &e), MTP_ENOCONV);
    assert_double_eq(mtp_workspace_studies(ws)[0].yi, good_effects[0].yi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_options_init),
        cmocka_unit_test(test_workspace),
        cmocka_unit_test_setup_teardown(test_null_pointers, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_k_zero, setup_ws, teardown_ws),
        cmocka_unit_test(test_workspace_too_small),
        cmocka_unit_test_setup_teardown(test_bad_options_each_field, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_bad_option_combinations, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_bad_counts, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_bad_effects, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_all_double_zero, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_zero_cell_without_correction, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_zero_cell_mh_no_effect, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_mh_no_events_in_one_arm, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_peto_no_events, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_no_convergence, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_numeric_breakdown, setup_ws, teardown_ws),
        cmocka_unit_test(test_effect_from_ci_errors),
        cmocka_unit_test_setup_teardown(test_out_untouched_on_failure, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_studies_survive_failed_fit, setup_ws, teardown_ws),
    };
    return cmocka_run_group_tests_name("unit.errors", tests, NULL, NULL);
}
