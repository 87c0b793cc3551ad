/* Conventions the metafor data fixtures do not cover, against independent
 * references made by tests/unit/make_reference.R (section 2):
 * (a) MH risk difference with the Greenland-Robins variance (R's meta formula),
 * (b) RevMan 5's MH-centred DL (conventions.md §4.4), full precision and the
 *     rounded table, (c) Q-based I² with a random-effects method,
 * (d) levels 0.90 and 0.99, (e) a caller-supplied tau², (f) the Q-profile CI
 * when Q(0) is below or between the chi-square quantiles.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#define RTOL_CLOSED 1e-12 /* closed forms */
#define RTOL_QUANT 1e-12  /* closed forms through a GSL vs R quantile */
#define RTOL_ITER 1e-10   /* roots found to tol 1e-12 (REML, Q-profile); seen: 2.4e-12 */

/* metafor's dat.bcg: tpos, tpos + tneg, cpos, cpos + cneg */
static const mtp_table2x2 bcg[13] = {
    {4, 123, 11, 139},       {6, 306, 29, 303},       {3, 231, 11, 220},
    {62, 13598, 248, 12867}, {33, 5069, 47, 5808},    {180, 1541, 372, 1451},
    {8, 2545, 10, 629},      {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
    {17, 1716, 65, 1665},    {186, 50634, 141, 27338}, {5, 2498, 3, 2341},
    {27, 16913, 29, 17854},
};

/* metafor's dat.nielweise2007: ai, n1i, ci, n2i (study 15 is a double zero) */
static const mtp_table2x2 nielweise[18] = {
    {0, 116, 3, 117}, {1, 44, 3, 35},   {2, 208, 9, 195}, {0, 130, 7, 136}, {5, 151, 6, 157},
    {1, 98, 4, 139},  {1, 174, 3, 177}, {1, 74, 2, 39},   {1, 97, 19, 103}, {1, 113, 2, 122},
    {0, 66, 7, 64},   {0, 70, 1, 58},   {3, 188, 5, 175}, {6, 187, 11, 180}, {0, 118, 0, 105},
    {0, 252, 1, 262}, {1, 345, 3, 362}, {4, 64, 1, 69},
};

static int setup_ws(void **state)
{
    *state = mtp_workspace_alloc(32, 1);
    return *state == NULL ? -1 : 0;
}

static int teardown_ws(void **state)
{
    mtp_workspace_free(*state);
    return 0;
}

/* bcg log risk ratios (escalc defaults; no zero cells) */
static void bcg_effects(mtp_effect out[13])
{
    mtp_options o = opts_default();
    for (size_t i = 0; i < 13; i++) {
        unsigned int flags;
        assert_int_equal(mtp_effect_from_2x2(&out[i], &flags, &bcg[i], &o, NULL), MTP_OK);
        assert_int_equal(flags, 0);
    }
}

/* ---- (a) MH RD, Greenland & Robins (1985) variance ----------------------
 * R's meta is not installable here (not in Debian 12), so the reference is
 * meta's metabin formula (sm = "RD", method = "MH", MH.exact = TRUE)
 * transcribed by hand in make_reference.R, function mh_rd_gr(). */
static void test_mh_rd_greenland_robins(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    o.method = MTP_METHOD_MH;
    o.measure = MTP_MEASURE_RD;
    o.mh_rd_var = MTP_MHRD_GR;

    assert_int_equal(mtp_pool_2x2(&r, ws, nielweise, 18, &o, &e), MTP_OK);
    assert_rel(r.estimate, -0.024262187444724498, RTOL_CLOSED);
    assert_rel(r.se, 0.0041620010271104851, RTOL_CLOSED);
    assert_int_equal(r.k_used, 18); /* the double zero is kept for RD */

    assert_int_equal(mtp_pool_2x2(&r, ws, bcg, 13, &o, &e), MTP_OK);
    assert_rel(r.estimate, -0.0032881818326129988, RTOL_CLOSED);
    assert_rel(r.se, 0.00028451592189694111, RTOL_CLOSED);

    /* the default, Sato et al. (1989), is metafor's rma.mh(measure = "RD") */
    o.mh_rd_var = MTP_MHRD_SATO;
    assert_int_equal(mtp_pool_2x2(&r, ws, nielweise, 18, &o, &e), MTP_OK);
    assert_rel(r.estimate, -0.024262187444724498, RTOL_CLOSED);
    assert_rel(r.se, 0.0042243091566653646, RTOL_CLOSED);
}

/* ---- (b) RevMan 5: DL with Q centred on MH ------------------------------ */

static mtp_options revman_options(mtp_measure measure)
{
    mtp_options o = opts_default();
    o.measure = measure;
    o.method = MTP_METHOD_DL;
    o.q_centre = MTP_QCENTRE_MH;
    o.mh_correct = 1;
    o.double_zero = MTP_DZ_DROP;
    o.i2_def = MTP_I2_Q;
    return o;
}

/* round to d decimals, as a table prints */
static double round_to(double x, int d)
{
    const double f = pow(10, d);
    return round(x * f) / f;
}

static void test_revman_bcg_rr(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o = revman_options(MTP_MEASURE_RR);
    mtp_result r;
    mtp_error e;
    assert_int_equal(mtp_pool_2x2(&r, ws, bcg, 13, &o, &e), MTP_OK);
    /* full precision: rma.mh(add = c(1/2, 1/2), drop00 = c(TRUE, TRUE))$QE,
     * tau2 = (QE - (k - 1)) / C, rma(yi, vi, tau2 = tau2) */
    assert_rel(r.tau2, 0.30949685376386693, RTOL_CLOSED);
    assert_rel(r.q, 152.56755358665728, RTOL_CLOSED);
    assert_rel(r.i2, 92.134631697306418, RTOL_CLOSED);
    assert_rel(r.estimate, -0.71418611956873135, RTOL_CLOSED);
    assert_rel(r.se, 0.17891337967294607, RTOL_CLOSED);
    assert_rel(r.ci_lower, -1.0648499000800462, RTOL_QUANT);
    assert_rel(r.ci_upper, -0.36352233905741649, RTOL_QUANT);
    /* the rounded values of conventions.md §4.4 */
    assert_double_eq(round_to(r.tau2, 5), 0.30950);
    assert_double_eq(round_to(r.q, 2), 152.57);
    assert_double_eq(round_to(exp(r.estimate), 4), 0.4896);
    assert_double_eq(round_to(exp(r.ci_lower), 4), 0.3448);
    assert_double_eq(round_to(exp(r.ci_upper), 4), 0.6952);
    /* and it differs from metafor's default DL (IV-centred Q): tau2 0.30876 */
    o.q_centre = MTP_QCENTRE_IV;
    assert_int_equal(mtp_pool_2x2(&r, ws, bcg, 13, &o, &e), MTP_OK);
    assert_double_eq(round_to(r.tau2, 5), 0.30876);
    assert_double_eq(round_to(r.q, 2), 152.23);
}

static void test_revman_nielweise_or(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o = revman_options(MTP_MEASURE_OR);
    mtp_result r;
    mtp_error e;
    const mtp_study *s;
    assert_int_equal(mtp_pool_2x2(&r, ws, nielweise, 18, &o, &e), MTP_OK);
    assert_int_equal(r.k_used, 17);
    assert_double_eq(r.q_df, 16);
    assert_rel(r.tau2, 0.025207665274660992, RTOL_CLOSED);
    assert_rel(r.q, 16.406397980499872, RTOL_CLOSED);
    assert_rel(r.i2, 2.4770701099833339, RTOL_CLOSED);
    assert_rel(r.estimate, -0.9765075023356643, RTOL_CLOSED);
    assert_rel(r.se, 0.24142937976100534, RTOL_CLOSED);
    assert_rel(r.ci_lower, -1.4497003914770781, RTOL_QUANT);
    assert_rel(r.ci_upper, -0.50331461319425053, RTOL_QUANT);
    assert_true(r.notes & MTP_NOTE_DOUBLE_ZERO_DROPPED);
    assert_true(r.notes & MTP_NOTE_CC_APPLIED);
    s = mtp_workspace_studies(ws);
    assert_int_equal(s[14].flags, MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_DROPPED);
    assert_int_equal(s[0].flags, MTP_STUDY_CC);
    /* conventions.md §4.4, rounded */
    assert_double_eq(round_to(r.tau2, 5), 0.02521);
    assert_double_eq(round_to(r.q, 2), 16.41);
    assert_double_eq(round_to(r.i2, 1), 2.5);
    assert_double_eq(round_to(exp(r.estimate), 4), 0.3766);
    assert_double_eq(round_to(exp(r.ci_lower), 4), 0.2346);
    assert_double_eq(round_to(exp(r.ci_upper), 4), 0.6045);
    /* metafor's default DL instead (IV-centred Q, escalc keeps the double
     * zero): tau2 = 0 (truncated), Q = 15.99 */
    o.q_centre = MTP_QCENTRE_IV;
    o.double_zero = MTP_DZ_KEEP;
    assert_int_equal(mtp_pool_2x2(&r, ws, nielweise, 18, &o, &e), MTP_OK);
    assert_double_eq(r.tau2, 0);
    assert_true(r.notes & MTP_NOTE_TAU2_TRUNCATED);
    assert_double_eq(round_to(r.q, 2), 15.99);
    assert_double_eq(round_to(exp(r.estimate), 4), 0.3849);
}

/* RevMan's DL truncates at 0 when Q_MH < k - 1 */
static void test_revman_truncated(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_table2x2 homog[3] = {{10, 100, 12, 100}, {11, 100, 13, 100}, {9, 100, 11, 100}};
    mtp_options o = revman_options(MTP_MEASURE_RR);
    mtp_result r;
    mtp_error e;
    assert_int_equal(mtp_pool_2x2(&r, ws, homog, 3, &o, &e), MTP_OK);
    assert_true(r.q < 2);
    assert_double_eq(r.tau2, 0);
    assert_int_equal(r.notes, MTP_NOTE_TAU2_TRUNCATED);
    assert_double_eq(r.i2, 0);
}

/* ---- (c) Q-based I² with REML ------------------------------------------- */

static void test_i2_q_with_reml(void **state)
{
    mtp_workspace *ws = *state;
    mtp_effect eff[13];
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    bcg_effects(eff);
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
    assert_rel(r.tau2, 0.3132432581365337, RTOL_ITER);
    assert_rel(r.i2, 92.221384521270167, RTOL_ITER); /* tau²-based (metafor) */
    o.i2_def = MTP_I2_Q;
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
    assert_rel(r.tau2, 0.3132432581365337, RTOL_ITER); /* tau² itself unchanged */
    assert_rel(r.q, 152.23300808237329, RTOL_CLOSED);
    assert_rel(r.i2, 92.117346854562058, RTOL_CLOSED);
    assert_rel(r.h2, 12.686084006864441, RTOL_CLOSED);
}

/* ---- (d) confidence levels 0.90 and 0.99 -------------------------------- */

typedef struct {
    double level;
    double lb, ub, pi_lb, pi_ub, tau2_lb, tau2_ub;
    double knha_lb, knha_ub;
} level_ref;

static void test_levels(void **state)
{
    /* rma(method = "REML", level = 90/99), predict(pi.type = "riley"),
     * confint(); and test = "knha" */
    static const level_ref ref[] = {
        {0.90, -1.0102466209826466, -0.41881806333364185, -1.7702386948724105,
         0.34117401055612206, 0.14100224158316046, 0.9098054719527322, -1.0367552178189654,
         -0.39230946649732301},
        {0.99, -1.1776188395784131, -0.25144584473787535, -2.5402728543599551,
         1.1112081700436669, 0.087395431288398107, 1.6710053732156394, -1.2667678819251418,
         -0.16229680239114663},
    };
    mtp_workspace *ws = *state;
    mtp_effect eff[13];
    bcg_effects(eff);
    for (size_t i = 0; i < N_ELEMS(ref); i++) {
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error e;
        o.level = ref[i].level;
        assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
        assert_double_eq(r.level, ref[i].level);
        assert_rel(r.estimate, -0.71453234215814421, RTOL_ITER);
        assert_rel(r.se, 0.17978151610521795, RTOL_ITER);
        assert_rel(r.ci_lower, ref[i].lb, RTOL_ITER);
        assert_rel(r.ci_upper, ref[i].ub, RTOL_ITER);
        assert_rel(r.pi_lower, ref[i].pi_lb, RTOL_ITER);
        assert_rel(r.pi_upper, ref[i].pi_ub, RTOL_ITER);
        assert_rel(r.tau2_ci_lower, ref[i].tau2_lb, RTOL_ITER);
        assert_rel(r.tau2_ci_upper, ref[i].tau2_ub, RTOL_ITER);
        o.test = MTP_TEST_KNHA;
        assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
        assert_rel(r.se, 0.18079174409284901, RTOL_ITER);
        assert_double_eq(r.df, 12);
        assert_rel(r.p, 0.0019200150960572864, RTOL_ITER);
        assert_rel(r.ci_lower, ref[i].knha_lb, RTOL_ITER);
        assert_rel(r.ci_upper, ref[i].knha_ub, RTOL_ITER);
    }
}

/* ---- (e) tau² supplied by the caller ------------------------------------ */

static void test_tau2_fixed(void **state)
{
    mtp_workspace *ws = *state;
    mtp_effect eff[13];
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    bcg_effects(eff);
    o.tau2_fixed = 0.1;
    o.pi = MTP_PI_NORMAL; /* metafor's predict() default with test = "z" */
    /* rma(yi, vi, tau2 = 0.1); predict() */
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
    assert_double_eq(r.tau2, 0.1);
    assert_int_equal(r.notes, MTP_NOTE_TAU2_FIXED);
    assert_rel(r.estimate, -0.6714120827811092, RTOL_CLOSED);
    assert_rel(r.se, 0.11689517170734499, RTOL_CLOSED);
    assert_rel(r.stat, -5.7437109931455081, RTOL_CLOSED);
    assert_rel(r.p, 9.2623822532172883e-09, RTOL_QUANT);
    assert_rel(r.ci_lower, -0.90052240929413085, RTOL_QUANT);
    assert_rel(r.ci_upper, -0.44230175626808754, RTOL_QUANT);
    assert_rel(r.pi_lower, -1.3321975425063637, RTOL_QUANT);
    assert_rel(r.pi_upper, -0.010626623055854711, RTOL_QUANT);
    assert_nan(r.pi_df);
    assert_rel(r.i2, 79.100662517052697, RTOL_CLOSED);
    assert_rel(r.h2, 4.7848406717004526, RTOL_CLOSED);
    assert_rel(r.q, 152.23300808237329, RTOL_CLOSED);
    /* every random-effects method gives the same fit with a fixed tau² */
    for (int m = MTP_METHOD_DL; m <= MTP_METHOD_EB; m++) {
        mtp_result rm;
        o.method = (mtp_method)m;
        assert_int_equal(mtp_pool_effects(&rm, ws, eff, 13, &o, &e), MTP_OK);
        assert_double_eq(rm.estimate, r.estimate);
        assert_double_eq(rm.se, r.se);
        assert_int_equal(rm.notes, MTP_NOTE_TAU2_FIXED);
    }
    /* tau2 = 0 is a valid fixed value, not "estimate" */
    o.method = MTP_METHOD_REML;
    o.tau2_fixed = 0;
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
    assert_double_eq(r.tau2, 0);
    assert_int_equal(r.notes, MTP_NOTE_TAU2_FIXED);
    /* rma(yi, vi, tau2 = 0.1, test = "knha") */
    o.tau2_fixed = 0.1;
    o.test = MTP_TEST_KNHA;
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 13, &o, &e), MTP_OK);
    assert_rel(r.se, 0.17235970663116143, RTOL_CLOSED);
    assert_rel(r.ci_lower, -1.0469516229067635, RTOL_QUANT);
    assert_rel(r.ci_upper, -0.29587254265545493, RTOL_QUANT);
}

/* ---- (f) Q-profile corner cases ----------------------------------------- */

static void test_qprofile_below(void **state)
{
    /* Q(0) = 0.00232 < qchisq(0.025, 3) = 0.2158: both bounds 0 (metafor
     * reports the CI as "the null/empty set" and prints 0, 0) */
    const mtp_effect eff[4] = {{0.10, 0.20}, {0.12, 0.30}, {0.11, 0.25}, {0.13, 0.22}};
    mtp_workspace *ws = *state;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 4, &o, &e), MTP_OK);
    assert_rel(r.q, 0.0023249551166965891, RTOL_CLOSED);
    assert_double_eq(r.tau2, 0);
    assert_double_eq(r.tau2_ci_lower, 0);
    assert_double_eq(r.tau2_ci_upper, 0);
    assert_double_eq(r.i2_ci_lower, 0);
    assert_double_eq(r.i2_ci_upper, 0);
    assert_double_eq(r.h2_ci_upper, 1);
}

static void test_qprofile_between(void **state)
{
    /* qchisq(0.025, 4) = 0.484 < Q(0) = 3.468 < qchisq(0.975, 4) = 11.14 */
    const mtp_effect eff[5] = {{-0.30, 0.10}, {0.25, 0.08}, {0.10, 0.12}, {0.55, 0.15}, {-0.05, 0.09}};
    mtp_workspace *ws = *state;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 5, &o, &e), MTP_OK);
    assert_rel(r.q, 3.4683571428571431, RTOL_CLOSED);
    assert_double_eq(r.tau2_ci_lower, 0);
    assert_rel(r.tau2_ci_upper, 0.71860772365683223, RTOL_ITER);
    assert_double_eq(r.i2_ci_lower, 0);
    assert_rel(r.i2_ci_upper, 87.356016594285578, RTOL_ITER);
    assert_rel(r.h2_ci_upper, 7.9088999717292578, RTOL_ITER);
    /* the CI does not depend on the tau² estimator */
    for (int m = MTP_METHOD_DL; m <= MTP_METHOD_EB; m++) {
        mtp_result rm;
        o.method = (mtp_method)m;
        assert_int_equal(mtp_pool_effects(&rm, ws, eff, 5, &o, &e), MTP_OK);
        assert_double_eq(rm.tau2_ci_lower, 0);
        assert_rel(rm.tau2_ci_upper, 0.71860772365683223, RTOL_ITER);
    }
    /* tau2_ci = 0 switches it off */
    o.method = MTP_METHOD_REML;
    o.tau2_ci = 0;
    assert_int_equal(mtp_pool_effects(&r, ws, eff, 5, &o, &e), MTP_OK);
    assert_nan(r.tau2_ci_lower);
    assert_nan(r.tau2_ci_upper);
    assert_nan(r.i2_ci_upper);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mh_rd_greenland_robins, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_revman_bcg_rr, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_revman_nielweise_or, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_revman_truncated, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_i2_q_with_reml, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_levels, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_tau2_fixed, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_qprofile_below, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_qprofile_between, setup_ws, teardown_ws),
    };
    return cmocka_run_group_tests_name("unit.conventions", tests, NULL, NULL);
}
