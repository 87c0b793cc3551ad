/* Absolute effects (lib/absolute.c): corresponding risk, risk difference and
 * NNT from a risk ratio and a control risk; the median and pooled control
 * risk of a set of trials; every error path. The expected values are plain
 * arithmetic, written out here (control risk x RR, capped at 1).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <float.h>

static void test_absolute_values(void **state)
{
    (void)state;
    mtp_absolute a;
    mtp_error err;
    /* Steffens 2016, exercise alone: control risk 0.412, RR 0.65 [0.50, 0.86] */
    assert_int_equal(mtp_absolute_from_rr(&a, 0.65, 0.50, 0.86, 0.412, &err), MTP_OK);
    assert_double_eq(a.control_risk, 0.412);
    assert_rel(a.treat_risk, 0.2678, 1e-14);
    assert_rel(a.treat_risk_lower, 0.206, 1e-14);
    assert_rel(a.treat_risk_upper, 0.35432, 1e-14);
    assert_rel(a.rd, -0.1442, 1e-13);
    assert_rel(a.rd_lower, -0.206, 1e-13);
    assert_rel(a.rd_upper, -0.05768, 1e-13);
    assert_rel(a.nnt, 1 / 0.1442, 1e-13);
    /* harm, and the caps at 1 */
    assert_int_equal(mtp_absolute_from_rr(&a, 1.5, 1.1, 2.0, 0.8, &err), MTP_OK);
    assert_double_eq(a.treat_risk, 1);
    assert_rel(a.treat_risk_lower, 0.88, 1e-14);
    assert_double_eq(a.treat_risk_upper, 1);
    assert_rel(a.rd, 0.2, 1e-14);
    assert_rel(a.rd_lower, 0.08, 1e-13);
    assert_rel(a.rd_upper, 0.2, 1e-14);
    assert_rel(a.nnt, 5, 1e-13);
    /* no difference: NNT infinite; control risk 0: every risk 0 */
    assert_int_equal(mtp_absolute_from_rr(&a, 1, 0.5, 2, 0.3, &err), MTP_OK);
    assert_double_eq(a.rd, 0);
    assert_true(isinf(a.nnt) && a.nnt > 0);
    assert_int_equal(mtp_absolute_from_rr(&a, 0.5, 0.2, 0.9, 0, &err), MTP_OK);
    assert_double_eq(a.treat_risk, 0);
    assert_double_eq(a.treat_risk_upper, 0);
    assert_true(isinf(a.nnt));
    /* a degenerate interval and control risk 1 are accepted */
    assert_int_equal(mtp_absolute_from_rr(&a, 0.7, 0.7, 0.7, 1, NULL), MTP_OK);
    assert_rel(a.rd, -0.3, 1e-14);
}

static void test_absolute_errors(void **state)
{
    (void)state;
    mtp_absolute a;
    mtp_error err;
    const double bad_rr[][3] = {
        {NAN, 0.5, 1},  {INFINITY, 0.5, INFINITY}, {0.8, NAN, 1}, {0.8, 0.5, NAN}, {0.8, 0.5, INFINITY},
        {0, 0, 1},      {0.8, 0, 1},               {0.8, -0.1, 1},
    };
    const double outside[][3] = {{0.4, 0.5, 1}, {1.2, 0.5, 1}, {0.8, 1, 0.5}};
    const double bad_risk[] = {-0.01, 1.01, NAN, INFINITY, -INFINITY};
    a.rd = 42;
    err_reset(&err);
    assert_error(mtp_absolute_from_rr(NULL, 0.8, 0.5, 1, 0.3, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    for (size_t i = 0; i < N_ELEMS(bad_rr); i++) {
        err_reset(&err);
        assert_error(mtp_absolute_from_rr(&a, bad_rr[i][0], bad_rr[i][1], bad_rr[i][2], 0.3, &err), err,
                     MTP_EDATA, MTP_NO_STUDY, "need finite values > 0");
    }
    for (size_t i = 0; i < N_ELEMS(outside); i++) {
        err_reset(&err);
        assert_error(mtp_absolute_from_rr(&a, outside[i][0], outside[i][1], outside[i][2], 0.3, &err), err,
                     MTP_EDATA, MTP_NO_STUDY, "outside its interval");
    }
    for (size_t i = 0; i < N_ELEMS(bad_risk); i++) {
        err_reset(&err);
        assert_error(mtp_absolute_from_rr(&a, 0.8, 0.5, 1, bad_risk[i], &err), err, MTP_EDATA,
                     MTP_NO_STUDY, "not in [0, 1]");
    }
    assert_double_eq(a.rd, 42); /* never written on failure */
    assert_int_equal(mtp_absolute_from_rr(&a, 0.8, 0.5, 1, 2, NULL), MTP_EDATA);
}

static void test_control_risk_values(void **state)
{
    (void)state;
    /* Steffens 2016, exercise alone, short term: control arms 37/157,
     * 22/33, 10/17, 53/269 -> median (37/157 + 10/17)/2; the treatment arms
     * are not read (the last one is invalid on purpose) */
    const mtp_table2x2 ex[] = {{28, 113, 37, 157}, {14, 35, 22, 33}, {0, 13, 10, 17}, {-5, 0, 53, 269}};
    const mtp_table2x2 odd[] = {{0, 1, 3, 10}, {0, 1, 1, 10}, {0, 1, 9, 10}};
    const mtp_table2x2 zero[] = {{1, 10, 0, 10}};
    double r = -1;
    mtp_error err;
    assert_int_equal(mtp_control_risk(&r, ex, 4, MTP_CONTROL_RISK_MEDIAN, &err), MTP_OK);
    assert_rel(r, (37.0 / 157 + 10.0 / 17) / 2, 1e-15);
    assert_int_equal(mtp_control_risk(&r, ex, 4, MTP_CONTROL_RISK_POOLED, &err), MTP_OK);
    assert_rel(r, (37.0 + 22 + 10 + 53) / (157.0 + 33 + 17 + 269), 1e-15);
    assert_int_equal(mtp_control_risk(&r, odd, 3, MTP_CONTROL_RISK_MEDIAN, &err), MTP_OK);
    assert_double_eq(r, 0.3);
    assert_int_equal(mtp_control_risk(&r, odd, 1, MTP_CONTROL_RISK_MEDIAN, &err), MTP_OK);
    assert_double_eq(r, 0.3);
    assert_int_equal(mtp_control_risk(&r, zero, 1, MTP_CONTROL_RISK_POOLED, NULL), MTP_OK);
    assert_double_eq(r, 0);
}

static void test_control_risk_errors(void **state)
{
    (void)state;
    const mtp_table2x2 ok[] = {{1, 10, 2, 10}, {1, 10, 3, 10}};
    const mtp_table2x2 bad[][2] = {
        {{1, 10, 2, 10}, {1, 10, NAN, 10}},
        {{1, 10, 2, 10}, {1, 10, 2, INFINITY}},
        {{1, 10, 2, 10}, {1, 10, -1, 10}},
        {{1, 10, 2, 10}, {1, 10, 0, 0}},
        {{1, 10, 2, 10}, {1, 10, 0, -3}},
    };
    const mtp_table2x2 over[] = {{1, 10, 2, 10}, {1, 10, 11, 10}};
    const mtp_table2x2 huge[] = {{0, 1, 1e308, 1e308}, {0, 1, 1e308, 1e308}};
    double r = 42;
    mtp_error err;
    err_reset(&err);
    assert_error(mtp_control_risk(NULL, ok, 2, MTP_CONTROL_RISK_MEDIAN, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_control_risk(&r, NULL, 2, MTP_CONTROL_RISK_MEDIAN, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_control_risk(&r, ok, 2, (mtp_control_risk_rule)9, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "unknown control-risk rule 9");
    err_reset(&err);
    assert_error(mtp_control_risk(&r, ok, 0, MTP_CONTROL_RISK_MEDIAN, &err), err, MTP_ETOOFEW,
                 MTP_NO_STUDY, "k = 0");
    for (size_t i = 0; i < 2; i++) {
        err_reset(&err);
        assert_error(mtp_control_risk(&r, bad[i], 2, MTP_CONTROL_RISK_MEDIAN, &err), err, MTP_EDATA, 1,
                     "control counts must be finite");
    }
    for (size_t i = 2; i < N_ELEMS(bad); i++) {
        err_reset(&err);
        assert_error(mtp_control_risk(&r, bad[i], 2, MTP_CONTROL_RISK_POOLED, &err), err, MTP_EDATA, 1,
                     "control arm");
    }
    err_reset(&err);
    assert_error(mtp_control_risk(&r, over, 2, MTP_CONTROL_RISK_MEDIAN, &err), err, MTP_EDATA, 1,
                 "exceed its 10 participants");
    err_reset(&err);
    assert_error(mtp_control_risk(&r, huge, 2, MTP_CONTROL_RISK_POOLED, &err), err, MTP_ENUMERIC,
                 MTP_NO_STUDY, "overflows");
    assert_double_eq(r, 42);
    /* the median of the same tables is fine */
    assert_int_equal(mtp_control_risk(&r, huge, 2, MTP_CONTROL_RISK_MEDIAN, NULL), MTP_OK);
    assert_double_eq(r, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absolute_values),
        cmocka_unit_test(test_absolute_errors),
        cmocka_unit_test(test_control_risk_values),
        cmocka_unit_test(test_control_risk_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
