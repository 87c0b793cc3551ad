/* Study-level effect sizes (escalc) and the pooled fits of a few hand
 * tables against metafor 3.8.1, exact to 1e-12 relative; study flags and the
 * notes of a result.
 * Reference values: tests/unit/make_reference.R (sections 1 and 4).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#define RTOL 1e-12 /* closed forms: agreement to rounding */

/* The hand tables of make_reference.R: no zero cell; a = 0; b = 0;
 * double zero (no events); double zero (only events); fractional counts. */
static const mtp_table2x2 hand[6] = {
    {12, 50, 5, 48}, {0, 20, 4, 21}, {7, 7, 3, 10}, {0, 15, 0, 16}, {10, 10, 12, 12}, {2.5, 30.5, 6, 29},
};
static const int hand_zero_cell[6] = {0, 1, 1, 1, 1, 0};
static const int hand_double_zero[6] = {0, 0, 0, 1, 1, 0};

typedef struct {
    mtp_measure measure;
    mtp_cc_rule cc_when;
    mtp_double_zero dz;
    int table;
    double yi, vi; /* NAN: metafor's NA (dropped) */
} escalc_row;

/* make_reference.R section 1: escalc(measure, add = 1/2, to = only0/all/none,
 * drop00 = FALSE/TRUE); Peto with to = "none" (the library never corrects
 * Peto's O-E and V). Rows where metafor gives Inf/NaN with drop00 = FALSE are
 * errors here, tested in test_errors.c. */
static const escalc_row escalc_ref[] = {
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_KEEP, 0, 0.83464674283364482, 0.24249999999999997},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_KEEP, 1, -2.1507045617013265, 2.129148629148629},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_KEEP, 2, 1.0805937831654315, 0.20313852813852809},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_KEEP, 3, 0.06062462181643502, 3.8786764705882355},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_KEEP, 4, -0.0072993024816115498, 0.0074059274059273955},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_KEEP, 5, -0.92589959098079189, 0.49939702280007542},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_DROP, 0, 0.83464674283364482, 0.24249999999999997},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_DROP, 1, -2.1507045617013265, 2.129148629148629},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_DROP, 2, 1.0805937831654315, 0.20313852813852809},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_RR, MTP_CC_ZERO, MTP_DZ_DROP, 5, -0.92589959098079189, 0.49939702280007542},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_KEEP, 0, 0.78097521745613085, 0.22180217541562081},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_KEEP, 1, -2.1507045617013265, 2.129148629148629},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_KEEP, 2, 1.0805937831654315, 0.20313852813852809},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_KEEP, 3, 0.06062462181643502, 3.8786764705882355},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_KEEP, 4, -0.0072993024816115498, 0.0074059274059273955},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_KEEP, 5, -0.82198005240291372, 0.4221001221001221},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_DROP, 0, 0.78097521745613085, 0.22180217541562081},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_DROP, 1, -2.1507045617013265, 2.129148629148629},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_DROP, 2, 1.0805937831654315, 0.20313852813852809},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_RR, MTP_CC_ALL, MTP_DZ_DROP, 5, -0.82198005240291372, 0.4221001221001221},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_KEEP, 0, 0.83464674283364482, 0.24249999999999997},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_KEEP, 2, 1.2039728043259361, 0.23333333333333331},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_KEEP, 5, -0.92589959098079189, 0.49939702280007542},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_DROP, 0, 0.83464674283364482, 0.24249999999999997},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_DROP, 2, 1.2039728043259361, 0.23333333333333331},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_RR, MTP_CC_NEVER, MTP_DZ_DROP, 5, -0.92589959098079189, 0.49939702280007542},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_KEEP, 0, 0.99908269332107635, 0.33290493676050592},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_KEEP, 1, -2.355448582551114, 2.3281455671699574},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_KEEP, 2, 3.4701902531491067, 2.5523809523809522},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_KEEP, 3, 0.062520356981333958, 4.1251221896383186},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_KEEP, 4, -0.17435338714477755, 4.175238095238095},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_KEEP, 5, -1.0721790315999544, 0.64585921325051754},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_DROP, 0, 0.99908269332107635, 0.33290493676050592},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_DROP, 1, -2.355448582551114, 2.3281455671699574},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_DROP, 2, 3.4701902531491067, 2.5523809523809522},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_OR, MTP_CC_ZERO, MTP_DZ_DROP, 5, -1.0721790315999544, 0.64585921325051754},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_KEEP, 0, 0.94308324887072992, 0.31078071353933423},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_KEEP, 1, -2.355448582551114, 2.3281455671699574},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_KEEP, 2, 3.4701902531491067, 2.5523809523809522},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_KEEP, 3, 0.062520356981333958, 4.1251221896383186},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_KEEP, 4, -0.17435338714477755, 4.175238095238095},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_KEEP, 5, -0.96609355435797339, 0.56482039796709438},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_DROP, 0, 0.94308324887072992, 0.31078071353933423},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_DROP, 1, -2.355448582551114, 2.3281455671699574},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_DROP, 2, 3.4701902531491067, 2.5523809523809522},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_OR, MTP_CC_ALL, MTP_DZ_DROP, 5, -0.96609355435797339, 0.56482039796709438},
    {MTP_MEASURE_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 0, 0.99908269332107635, 0.33290493676050592},
    {MTP_MEASURE_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 5, -1.0721790315999544, 0.64585921325051754},
    {MTP_MEASURE_OR, MTP_CC_NEVER, MTP_DZ_DROP, 0, 0.99908269332107635, 0.33290493676050592},
    {MTP_MEASURE_OR, MTP_CC_NEVER, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_OR, MTP_CC_NEVER, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_OR, MTP_CC_NEVER, MTP_DZ_DROP, 5, -1.0721790315999544, 0.64585921325051754},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_KEEP, 0, 0.13583333333333331, 0.0055920827546296296},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_KEEP, 1, -0.18073593073593075, 0.0085025469944933606},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_KEEP, 2, 0.61931818181818188, 0.027046232273666419},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_KEEP, 3, 0.0018382352941176475, 0.0035713082439128331},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_KEEP, 4, -0.0069930069930069783, 0.0067891910524802059},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_KEEP, 5, -0.12492933860938384, 0.0081254554280927697},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_DROP, 0, 0.13583333333333331, 0.0055920827546296296},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_DROP, 1, -0.18073593073593075, 0.0085025469944933606},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_DROP, 2, 0.61931818181818188, 0.027046232273666419},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_RD, MTP_CC_ZERO, MTP_DZ_DROP, 5, -0.12492933860938384, 0.0081254554280927697},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_KEEP, 0, 0.1328531412565026, 0.0056615324337472668},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_KEEP, 1, -0.18073593073593075, 0.0085025469944933606},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_KEEP, 2, 0.61931818181818188, 0.027046232273666419},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_KEEP, 3, 0.0018382352941176475, 0.0035713082439128331},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_KEEP, 4, -0.0069930069930069783, 0.0067891910524802059},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_KEEP, 5, -0.12142857142857144, 0.0083928931360904152},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_DROP, 0, 0.1328531412565026, 0.0056615324337472668},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_DROP, 1, -0.18073593073593075, 0.0085025469944933606},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_DROP, 2, 0.61931818181818188, 0.027046232273666419},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_RD, MTP_CC_ALL, MTP_DZ_DROP, 5, -0.12142857142857144, 0.0083928931360904152},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_KEEP, 0, 0.13583333333333331, 0.0055920827546296296},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_KEEP, 1, -0.19047619047619047, 0.0073426195875175466},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_KEEP, 2, 0.69999999999999996, 0.020999999999999998},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_KEEP, 5, -0.12492933860938384, 0.0081254554280927697},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_DROP, 0, 0.13583333333333331, 0.0055920827546296296},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_DROP, 1, -0.19047619047619047, 0.0073426195875175466},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_DROP, 2, 0.69999999999999996, 0.020999999999999998},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_RD, MTP_CC_NEVER, MTP_DZ_DROP, 5, -0.12492933860938384, 0.0081254554280927697},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 0, 0.93771362866134123, 0.28188937303316386},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 1, -2.1106821106821108, 1.081724581724582},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 2, 2.7200000000000006, 0.94367346938775509},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 3, NAN, NAN},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 4, NAN, NAN},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_KEEP, 5, -1.0031091011871114, 0.54013566986998307},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_DROP, 0, 0.93771362866134123, 0.28188937303316386},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_DROP, 1, -2.1106821106821108, 1.081724581724582},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_DROP, 2, 2.7200000000000006, 0.94367346938775509},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_DROP, 3, NAN, NAN},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_DROP, 4, NAN, NAN},
    {MTP_MEASURE_PETO_OR, MTP_CC_NEVER, MTP_DZ_DROP, 5, -1.0031091011871114, 0.54013566986998307},
};

static void test_escalc_against_metafor(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(escalc_ref); i++) {
        const escalc_row *row = &escalc_ref[i];
        const int t = row->table;
        mtp_options o = opts_default();
        mtp_effect eff = {0, 0};
        unsigned int flags = 12345, want_flags = 0;
        mtp_error e;
        int rc;
        o.measure = row->measure;
        o.cc_when = row->cc_when;
        o.double_zero = row->dz;
        rc = mtp_effect_from_2x2(&eff, &flags, &hand[t], &o, &e);
        if (rc != MTP_OK)
            fail_msg("row %zu: rc %d (%s)", i, rc, e.message);
        if (hand_double_zero[t])
            want_flags |= MTP_STUDY_DOUBLE_ZERO;
        if (isnan(row->yi)) {
            want_flags |= MTP_STUDY_DROPPED;
            assert_nan(eff.yi);
            assert_nan(eff.vi);
        } else {
            if (row->measure != MTP_MEASURE_PETO_OR &&
                (row->cc_when == MTP_CC_ALL || (row->cc_when == MTP_CC_ZERO && hand_zero_cell[t])))
                want_flags |= MTP_STUDY_CC;
            if (fabs(eff.yi - row->yi) > RTOL * fabs(row->yi) || fabs(eff.vi - row->vi) > RTOL * row->vi)
                fail_msg("row %zu (%s, table %d): yi %.17g vi %.17g, metafor %.17g %.17g", i,
                         mtp_measure_name(row->measure), t, eff.yi, eff.vi, row->yi, row->vi);
        }
        if (flags != want_flags)
            fail_msg("row %zu (%s, table %d): flags %u, want %u", i, mtp_measure_name(row->measure), t,
                     flags, want_flags);
    }
}

/* Double zeros under the default (AUTO) rule: dropped for RR, OR and Peto,
 * kept (and corrected) for RD. flags may be NULL. */
static void test_double_zero_auto(void **state)
{
    const mtp_measure ms[] = {MTP_MEASURE_RR, MTP_MEASURE_OR, MTP_MEASURE_PETO_OR};
    mtp_options o = opts_default();
    mtp_effect eff;
    unsigned int flags;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(ms); i++) {
        o.measure = ms[i];
        assert_int_equal(mtp_effect_from_2x2(&eff, &flags, &hand[3], &o, NULL), MTP_OK);
        assert_int_equal(flags, MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_DROPPED);
        assert_nan(eff.yi);
        assert_int_equal(mtp_effect_from_2x2(&eff, NULL, &hand[4], &o, NULL), MTP_OK);
        assert_nan(eff.vi);
    }
    o.measure = MTP_MEASURE_RD;
    assert_int_equal(mtp_effect_from_2x2(&eff, &flags, &hand[3], &o, NULL), MTP_OK);
    assert_int_equal(flags, MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_CC);
    assert_rel(eff.yi, 0.0018382352941176475, RTOL); /* escalc RD only0 keep, table 4 */
    assert_rel(eff.vi, 0.0035713082439128331, RTOL);
    /* NULL options mean the defaults: RR, cc 0.5 on zero cells */
    assert_int_equal(mtp_effect_from_2x2(&eff, &flags, &hand[1], NULL, NULL), MTP_OK);
    assert_int_equal(flags, MTP_STUDY_CC);
    assert_rel(eff.yi, -2.1507045617013265, RTOL);
    assert_rel(eff.vi, 2.129148629148629, RTOL);
}

/* make_reference.R: escalc("OR", add = 0.25, to = "only0") */
static void test_other_cc(void **state)
{
    static const struct { int t; double yi, vi; } ref[] = {
        {0, 0.99908269332107635, 0.33290493676050592},
        {1, -2.9935559941313947, 4.3426478481891957},
        {2, 4.1696423025114111, 4.5835543766578253},
    };
    mtp_options o = opts_default();
    (void)state;
    o.measure = MTP_MEASURE_OR;
    o.cc = 0.25;
    for (size_t i = 0; i < N_ELEMS(ref); i++) {
        mtp_effect eff;
        assert_int_equal(mtp_effect_from_2x2(&eff, NULL, &hand[ref[i].t], &o, NULL), MTP_OK);
        assert_rel(eff.yi, ref[i].yi, RTOL);
        assert_rel(eff.vi, ref[i].vi, RTOL);
    }
}

/* make_reference.R section 4 */
static void test_effect_from_ci(void **state)
{
    mtp_effect eff;
    (void)state;
    assert_int_equal(mtp_effect_from_ci(&eff, 0.5, 0.25, 1.1, 0.95, 1, NULL), MTP_OK);
    assert_rel(eff.yi, -0.69314718055994529, RTOL);
    assert_rel(eff.vi, 0.14285927027655912, 1e-10); /* GSL vs R normal quantile */
    assert_int_equal(mtp_effect_from_ci(&eff, 1.3, -0.2, 2.9, 0.90, 0, NULL), MTP_OK);
    assert_double_eq(eff.yi, 1.3);
    assert_rel(eff.vi, 0.8879916514973395, 1e-10);
    /* an estimate on a limit is inside the interval */
    assert_int_equal(mtp_effect_from_ci(&eff, 2, 1, 2, 0.95, 0, NULL), MTP_OK);
}

/* ---- pooled fits of the hand tables ------------------------------------- */

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

/* rma(escalc("RR", drop00 = TRUE), method = "DL") */
static void test_pool_rr_dl(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    const mtp_study *s;
    o.method = MTP_METHOD_DL;
    assert_int_equal(mtp_pool_2x2(&r, ws, hand, 6, &o, &e), MTP_OK);
    assert_int_equal(r.k, 6);
    assert_int_equal(r.k_used, 4);
    assert_int_equal(r.measure, MTP_MEASURE_RR);
    assert_rel(r.estimate, 0.12833668471949741, RTOL);
    assert_rel(r.se, 0.58479102356350998, RTOL);
    assert_rel(r.tau2, 0.85732085819087223, RTOL);
    assert_rel(r.q, 9.4908721191853189, RTOL);
    assert_double_eq(r.q_df, 3);
    assert_rel(r.i2, 68.390681463975767, RTOL);
    assert_int_equal(r.notes, MTP_NOTE_CC_APPLIED | MTP_NOTE_DOUBLE_ZERO_DROPPED);
    s = mtp_workspace_studies(ws);
    assert_int_equal(s[0].flags, 0);
    assert_int_equal(s[1].flags, MTP_STUDY_CC);
    assert_int_equal(s[2].flags, MTP_STUDY_CC);
    assert_int_equal(s[3].flags, MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_DROPPED);
    assert_int_equal(s[4].flags, MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_DROPPED);
    assert_int_equal(s[5].flags, 0);
    assert_nan(s[3].yi);
    assert_nan(s[4].vi);
    assert_double_eq(s[3].weight, 0);
    assert_rel(s[1].yi, -2.1507045617013265, RTOL);
    assert_rel(s[2].vi, 0.20313852813852809, RTOL);
    {
        double sum = 0;
        for (size_t i = 0; i < 6; i++)
            sum += s[i].weight;
        assert_rel(sum, 100, 1e-13);
    }
    /* keeping the double zeros puts them back, corrected */
    o.double_zero = MTP_DZ_KEEP;
    assert_int_equal(mtp_pool_2x2(&r, ws, hand, 6, &o, &e), MTP_OK);
    assert_int_equal(r.k_used, 6);
    assert_int_equal(r.notes & MTP_NOTE_DOUBLE_ZERO_DROPPED, 0);
    assert_int_equal(mtp_workspace_studies(ws)[3].flags, MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_CC);
}

/* rma.mh(measure = "RR") and rma.peto() on the hand tables */
static void test_pool_mh_peto(void **state)
{
    mtp_workspace *ws = *state;
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;
    /* Table 5 has all events in both arms. metafor's rma.mh (drop00 = TRUE)
     * only sets its yi to NA and keeps it in the MH sums, where for RR it is
     * not zero: rma.mh gives 0.15550564389007196 (se 0.17986566824639105,
     * Q 10.954515036889383). The library drops the table from MH too
     * (MTP_DZ_AUTO), so its value is rma.mh on the other five tables. */
    o.method = MTP_METHOD_MH;
    assert_int_equal(mtp_pool_2x2(&r, ws, hand, 6, &o, &e), MTP_OK);
    assert_rel(r.estimate, 0.24088840397098862, RTOL);
    assert_rel(r.se, 0.27901660137112261, RTOL);
    assert_rel(r.q, 10.337328595651313, RTOL);
    assert_double_eq(r.q_df, 3);
    assert_rel(r.i2, 70.978962579732311, RTOL);
    assert_int_equal(r.k_used, 4);
    assert_double_eq(r.tau2, 0);
    assert_nan(r.pi_lower);
    assert_int_equal(r.notes, MTP_NOTE_CC_APPLIED | MTP_NOTE_DOUBLE_ZERO_DROPPED);

    /* MTP_DZ_AUTO above is rma.mh(drop00 = c(TRUE, TRUE)) exactly; keeping
     * double zeros is rma.mh(drop00 = c(FALSE, FALSE)), where the corrected
     * all-events table also enters Q (docs/methods.md). */
    o.double_zero = MTP_DZ_KEEP;
    assert_int_equal(mtp_pool_2x2(&r, ws, hand, 6, &o, &e), MTP_OK);
    assert_rel(r.estimate, 0.15550564389007196, RTOL);
    assert_rel(r.se, 0.17986566824639105, RTOL);
    assert_rel(r.q, 14.535786938078639, RTOL);
    assert_int_equal(mtp_workspace_studies(ws)[4].flags, MTP_STUDY_CC | MTP_STUDY_DOUBLE_ZERO);
    o.double_zero = MTP_DZ_AUTO;

    o.method = MTP_METHOD_PETO;
    o.measure = MTP_MEASURE_OR;
    assert_int_equal(mtp_pool_2x2(&r, ws, hand, 6, &o, &e), MTP_OK);
    assert_int_equal(r.measure, MTP_MEASURE_PETO_OR);
    assert_rel(r.estimate, 0.32514099831769616, RTOL);
    assert_rel(r.se, 0.36802989349656923, RTOL);
    assert_rel(r.q, 16.160146257594299, RTOL);
    assert_rel(r.i2, 81.435811581283303, RTOL);
    assert_int_equal(r.k_used, 4);
    /* Peto never corrects: no CC note although tables have zero cells */
    assert_int_equal(r.notes, MTP_NOTE_DOUBLE_ZERO_DROPPED);
    assert_int_equal(mtp_workspace_studies(ws)[1].flags, 0);
}

/* ---- notes ------------------------------------------------------------- */

static void test_notes(void **state)
{
    mtp_workspace *ws = *state;
    const mtp_effect homog[4] = {{0.10, 0.20}, {0.12, 0.30}, {0.11, 0.25}, {0.13, 0.22}};
    const mtp_effect two[2] = {{0.2, 0.04}, {0.9, 0.09}};
    const mtp_effect same[3] = {{0.4, 0.04}, {0.4, 0.09}, {0.4, 0.02}};
    mtp_options o = opts_default();
    mtp_result r;
    mtp_error e;

    /* TAU2_TRUNCATED: the DL estimate is negative */
    o.method = MTP_METHOD_DL;
    assert_int_equal(mtp_pool_effects(&r, ws, homog, 4, &o, &e), MTP_OK);
    assert_double_eq(r.tau2, 0);
    assert_int_equal(r.notes, MTP_NOTE_TAU2_TRUNCATED);
    o.method = MTP_METHOD_REML;
    assert_int_equal(mtp_pool_effects(&r, ws, homog, 4, &o, &e), MTP_OK);
    assert_int_equal(r.notes, MTP_NOTE_TAU2_TRUNCATED);
    o.method = MTP_METHOD_FE; /* no tau2, no note */
    assert_int_equal(mtp_pool_effects(&r, ws, homog, 4, &o, &e), MTP_OK);
    assert_int_equal(r.notes, 0);

    /* TAU2_NOT_ESTIMABLE and TEST_Z_FOR_K1 with k = 1 */
    o = opts_default();
    assert_int_equal(mtp_pool_effects(&r, ws, two, 1, &o, &e), MTP_OK);
    assert_true(r.notes & MTP_NOTE_TAU2_NOT_ESTIMABLE);
    assert_false(r.notes & MTP_NOTE_TEST_Z_FOR_K1);
    o.test = MTP_TEST_KNHA;
    assert_int_equal(mtp_pool_effects(&r, ws, two, 1, &o, &e), MTP_OK);
    assert_true(r.notes & MTP_NOTE_TAU2_NOT_ESTIMABLE);
    assert_true(r.notes & MTP_NOTE_TEST_Z_FOR_K1);
    assert_int_equal(r.test, MTP_TEST_Z);
    assert_nan(r.df);

    /* PI_UNDEFINED with k = 2 and t(k-2); defined with t(k-1) and normal */
    o = opts_default();
    assert_int_equal(mtp_pool_effects(&r, ws, two, 2, &o, &e), MTP_OK);
    assert_int_equal(r.notes, MTP_NOTE_PI_UNDEFINED);
    assert_nan(r.pi_lower);
    assert_nan(r.pi_upper);
    o.pi = MTP_PI_T_K1;
    assert_int_equal(mtp_pool_effects(&r, ws, two, 2, &o, &e), MTP_OK);
    assert_int_equal(r.notes & MTP_NOTE_PI_UNDEFINED, 0);
    assert_double_eq(r.pi_df, 1);
    assert_true(isfinite(r.pi_lower));

    /* ZERO_WIDTH_KNHA with identical estimates */
    o = opts_default();
    o.test = MTP_TEST_KNHA;
    assert_int_equal(mtp_pool_effects(&r, ws, same, 3, &o, &e), MTP_OK);
    assert_true(r.notes & MTP_NOTE_ZERO_WIDTH_KNHA);
    assert_double_eq(r.se, 0);
    assert_rel(r.estimate, 0.4, 1e-15);
    assert_double_eq(r.ci_lower, r.estimate);
    assert_double_eq(r.ci_upper, r.estimate);
    assert_true(isinf(r.stat) && r.stat > 0);
    assert_double_eq(r.p, 0);
    assert_double_eq(r.df, 2);

    /* TAU2_FIXED, and no Q-profile CI then */
    o = opts_default();
    o.tau2_fixed = 0.05;
    assert_int_equal(mtp_pool_effects(&r, ws, homog, 4, &o, &e), MTP_OK);
    assert_int_equal(r.notes, MTP_NOTE_TAU2_FIXED);
    assert_double_eq(r.tau2, 0.05);
    assert_nan(r.tau2_ci_lower);
    assert_int_equal(r.iterations, 0);

    /* CC_APPLIED only when a table was corrected */
    {
        const mtp_table2x2 nozero[2] = {{12, 50, 5, 48}, {3, 40, 9, 41}};
        o = opts_default();
        assert_int_equal(mtp_pool_2x2(&r, ws, nozero, 2, &o, &e), MTP_OK);
        assert_int_equal(r.notes & MTP_NOTE_CC_APPLIED, 0);
        o.cc_when = MTP_CC_ALL;
        assert_int_equal(mtp_pool_2x2(&r, ws, nozero, 2, &o, &e), MTP_OK);
        assert_true(r.notes & MTP_NOTE_CC_APPLIED);
        assert_int_equal(mtp_workspace_studies(ws)[0].flags, MTP_STUDY_CC);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escalc_against_metafor),
        cmocka_unit_test(test_double_zero_auto),
        cmocka_unit_test(test_other_cc),
        cmocka_unit_test(test_effect_from_ci),
        cmocka_unit_test_setup_teardown(test_pool_rr_dl, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_pool_mh_peto, setup_ws, teardown_ws),
        cmocka_unit_test_setup_teardown(test_notes, setup_ws, teardown_ws),
    };
    return cmocka_run_group_tests_name("unit.effects", tests, NULL, NULL);
}
