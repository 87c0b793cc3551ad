/* Regression test: the reproduction of Steffens et al. 2016 (JAMA Intern Med
 * 176:199) from examples/steffens2016.csv.
 * - the 12 comparisons with two or more studies, pooled with one DL tau²
 *   common to all comparisons (the paper's model), give the published RR and
 *   95% CI at the printed 2 decimals, except for the last digits listed in
 *   `exceptions` below, each with its reason;
 * - the common tau² equals metafor's (rma with mods = ~factor(comparison),
 *   method "DL"; reference_values.h);
 * - a separate tau² per comparison does not reproduce the paper (the finding
 *   that led to the common tau²);
 * - the I² printed for exercise / LBP / short term (67.9%) is not ours (71.0%);
 * - the absolute effects of the lay summary: 41 vs 27 and 57 vs 31 per 100,
 *   14 and 26 fewer per 100.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <stdio.h>
#include <stdlib.h>

#include "reference_values.h"

#ifndef STEFFENS_CSV
#error "STEFFENS_CSV (path of examples/steffens2016.csv) must be defined"
#endif

enum { MAX_ROWS = 64, MAX_GROUPS = 32, MAX_FIELDS = 16 };
enum { RR, LOWER, UPPER };

/* The paper's pooled results (Table 2; Figures 2 and 3) for the 12
 * comparisons with more than one study. */
static const struct {
    const char *analysis;
    size_t k;
    double value[3];
} published[] = {
    {"Exercise alone / LBP episode / short term", 4, {0.65, 0.50, 0.86}},
    {"Exercise alone / LBP episode / long term", 2, {1.04, 0.73, 1.49}},
    {"Exercise alone / Sick leave / long term", 2, {0.22, 0.06, 0.76}},
    {"Exercise and education / LBP episode / short term", 4, {0.55, 0.41, 0.74}},
    {"Exercise and education / LBP episode / long term", 2, {0.73, 0.55, 0.96}},
    {"Exercise and education / Sick leave / short term", 3, {0.74, 0.44, 1.26}},
    {"Exercise and education / Sick leave / long term", 2, {0.72, 0.48, 1.08}},
    {"Education alone / LBP episode / short term", 3, {1.03, 0.83, 1.27}},
    {"Education alone / LBP episode / long term", 2, {0.86, 0.72, 1.04}},
    {"Education alone / Sick leave / short term", 2, {0.87, 0.47, 1.60}},
    {"Back belts / LBP episode / short term", 2, {1.01, 0.71, 1.44}},
    {"Shoe insoles / LBP episode / short term", 4, {1.01, 0.74, 1.40}},
};

/* Known differences in the last printed digit: what we get instead, and why.
 * Every other value must equal the published one at 2 decimals. */
static const struct {
    const char *analysis;
    int field;
    double ours; /* our value at 2 decimals; the published one is 0.01 away */
    const char *why;
} exceptions[] = {
    {"Exercise alone / LBP episode / short term", LOWER, 0.49,
     "ours 0.4948. The inputs are counts, but the common tau2 (0.00819) is also estimated from "
     "the comparisons known only as rounded RR and CI; any tau2 below 0.00806 prints 0.50"},
    {"Exercise and education / Sick leave / short term", RR, 0.75,
     "ours 0.7454, on the rounding edge; all three inputs are RRs and CIs rounded to 2 decimals"},
    {"Exercise and education / Sick leave / long term", UPPER, 1.09,
     "ours 1.0860, on the rounding edge; both inputs are rounded RRs and CIs"},
    {"Back belts / LBP episode / short term", LOWER, 0.70,
     "ours 0.7034; both inputs are rounded RRs and CIs (Allen/Wilder 0.15 [0.01, 2.73] loses "
     "most of its precision to rounding)"},
    {"Shoe insoles / LBP episode / short term", LOWER, 0.73,
     "ours 0.7330; all four inputs are rounded RRs and CIs"},
    {"Shoe insoles / LBP episode / short term", UPPER, 1.39,
     "ours 1.3947; all four inputs are rounded RRs and CIs"},
};

/* ---- the data file ---- */
typedef struct {
    size_t n, ngroups;
    char names[MAX_GROUPS][80];
    size_t group[MAX_ROWS];
    int has_counts[MAX_ROWS];
    mtp_table2x2 counts[MAX_ROWS];
    mtp_effect effects[MAX_ROWS];
} dataset;

static size_t split(char *line, char **field)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < MAX_FIELDS; p++) {
        field[n++] = p;
        if ((p = strchr(p, ',')) == NULL)
            break;
        *p = '\0';
    }
    return n;
}

static size_t column(char **f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i], name) == 0)
            return i;
    fail_msg("%s: no column %s", STEFFENS_CSV, name);
    return 0;
}

/* Effects as the paper made them: counts with 0.5 added to the cells of
 * zero-cell tables only; otherwise the printed RR and 95% CI. */
static void load(dataset *d)
{
    static const char *const want[] = {"analysis", "ai", "n1i", "ci", "n2i", "est", "lower", "upper"};
    char line[512], *f[MAX_FIELDS];
    size_t col[8], nf;
    mtp_options o = opts_default();
    mtp_error err;
    FILE *in = fopen(STEFFENS_CSV, "r");
    if (in == NULL || fgets(line, sizeof line, in) == NULL)
        fail_msg("cannot read %s", STEFFENS_CSV);
    nf = split(line, f);
    for (size_t j = 0; j < 8; j++)
        col[j] = column(f, nf, want[j]);
    d->n = d->ngroups = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        size_t i = d->n, g = 0;
        int rc;
        assert_true(i < MAX_ROWS);
        assert_int_equal(split(line, f), nf);
        while (g < d->ngroups && strcmp(d->names[g], f[col[0]]) != 0)
            g++;
        if (g == d->ngroups) {
            assert_true(g < MAX_GROUPS);
            snprintf(d->names[d->ngroups++], sizeof d->names[0], "%s", f[col[0]]);
        }
        d->group[i] = g;
        d->has_counts[i] = f[col[1]][0] != '\0';
        d->counts[i] = (mtp_table2x2){atof(f[col[1]]), atof(f[col[2]]), atof(f[col[3]]), atof(f[col[4]])};
        rc = d->has_counts[i]
                 ? mtp_effect_from_2x2(&d->effects[i], NULL, &d->counts[i], &o, &err)
                 : mtp_effect_from_ci(&d->effects[i], atof(f[col[5]]), atof(f[col[6]]), atof(f[col[7]]),
                                      0.95, 1, &err);
        if (rc != MTP_OK)
            fail_msg("%s line %zu: %s", STEFFENS_CSV, i + 2, err.message);
        d->n++;
    }
    fclose(in);
}

static size_t group_of(const dataset *d, const char *analysis)
{
    for (size_t g = 0; g < d->ngroups; g++)
        if (strcmp(d->names[g], analysis) == 0)
            return g;
    fail_msg("no rows for \"%s\" in %s", analysis, STEFFENS_CSV);
    return 0;
}

/* Pool every comparison; mode and method as given. */
static void fit(mtp_result *res, const dataset *d, mtp_subgroup_tau2 mode, mtp_method method)
{
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(d->n, 1);
    mtp_error err;
    o.method = method;
    o.i2_def = MTP_I2_Q; /* as the paper's software */
    assert_non_null(w);
    if (mtp_pool_subgroups(res, NULL, NULL, w, d->effects, d->group, d->n, d->ngroups, mode, &o, &err) !=
        MTP_OK)
        fail_msg("%s", err.message);
    mtp_workspace_free(w);
}

static long cents(double x) { return lround(100 * x); }

static void test_data_file(void **state)
{
    (void)state;
    dataset d;
    size_t counts = 0;
    load(&d);
    assert_int_equal(d.n, 35);      /* 15 rows with counts + 20 with RR and CI */
    assert_int_equal(d.ngroups, 15); /* ergonomics / LBP is an OR, not in the file */
    for (size_t i = 0; i < d.n; i++)
        counts += (size_t)d.has_counts[i];
    assert_int_equal(counts, 15);
}

static void test_published_rr_and_ci(void **state)
{
    (void)state;
    dataset d;
    mtp_result res[MAX_GROUPS];
    size_t used[N_ELEMS(exceptions)] = {0}, exact = 0;
    load(&d);
    fit(res, &d, MTP_SUBGROUP_COMMON, MTP_METHOD_DL);
    for (size_t c = 0; c < N_ELEMS(published); c++) {
        const mtp_result *r = &res[group_of(&d, published[c].analysis)];
        const double ours[3] = {exp(r->estimate), exp(r->ci_lower), exp(r->ci_upper)};
        int all_same = 1;
        assert_int_equal(r->k, published[c].k);
        for (int f = RR; f <= UPPER; f++) {
            size_t e = 0;
            while (e < N_ELEMS(exceptions) &&
                   !(exceptions[e].field == f && strcmp(exceptions[e].analysis, published[c].analysis) == 0))
                e++;
            if (e < N_ELEMS(exceptions)) {
                /* a known difference: exactly as written down, one in the last digit */
                if (cents(ours[f]) != cents(exceptions[e].ours) ||
                    labs(cents(ours[f]) - cents(published[c].value[f])) != 1)
                    fail_msg("%s, field %d: %.4f, published %.2f, exception says %.2f (%s)",
                             published[c].analysis, f, ours[f], published[c].value[f],
                             exceptions[e].ours, exceptions[e].why);
                used[e]++;
                all_same = 0;
            } else if (cents(ours[f]) != cents(published[c].value[f])) {
                fail_msg("%s, field %d: %.4f, published %.2f", published[c].analysis, f, ours[f],
                         published[c].value[f]);
            }
        }
        exact += (size_t)all_same;
    }
    for (size_t e = 0; e < N_ELEMS(exceptions); e++)
        assert_int_equal(used[e], 1);
    assert_int_equal(exact, 7); /* 7 of the 12 exactly as printed */
}

static void test_common_tau2_matches_metafor(void **state)
{
    (void)state;
    dataset d;
    double tau2;
    mtp_error err;
    load(&d);
    assert_int_equal(mtp_tau2_common(&tau2, d.effects, d.group, d.n, d.ngroups, &err), MTP_OK);
    assert_string_equal(steffens_models[0].model, "COMMON");
    assert_rel(tau2, steffens_models[0].tau2_common, 1e-6);
    assert_rel(tau2, 0.0081864427919073786, 1e-6); /* the same, written out */
}

/* What shows that the paper used a common tau²: a separate DL tau² per
 * comparison gives visibly different results. */
static void test_separate_tau2_does_not_reproduce(void **state)
{
    (void)state;
    dataset d;
    mtp_result res[MAX_GROUPS];
    const mtp_result *ex, *belt;
    load(&d);
    fit(res, &d, MTP_SUBGROUP_SEPARATE, MTP_METHOD_DL);
    ex = &res[group_of(&d, "Exercise alone / LBP episode / short term")];
    belt = &res[group_of(&d, "Back belts / LBP episode / short term")];
    /* published 0.65 [0.50, 0.86] and 1.01 [0.71, 1.44] */
    assert_int_equal(cents(exp(ex->estimate)), 60);
    assert_int_equal(cents(exp(ex->ci_lower)), 35);
    assert_int_equal(cents(exp(ex->ci_upper)), 105);
    assert_int_equal(cents(exp(belt->estimate)), 67);
    assert_int_equal(cents(exp(belt->ci_lower)), 13);
    assert_int_equal(cents(exp(belt->ci_upper)), 329);
}

/* Printed I² 67.9% for exercise / LBP / short term; Q = 10.35 on 3 df gives
 * 71.0%. Unexplained: reported, not tuned away. */
static void test_i2_difference(void **state)
{
    (void)state;
    dataset d;
    mtp_result res[MAX_GROUPS];
    const mtp_result *ex;
    load(&d);
    fit(res, &d, MTP_SUBGROUP_COMMON, MTP_METHOD_DL);
    ex = &res[group_of(&d, "Exercise alone / LBP episode / short term")];
    assert_int_equal(lround(100 * ex->q), 1035);
    assert_double_eq(ex->q_df, 3);
    assert_int_equal(lround(10 * ex->i2), 710);
}

/* GRADE-style absolute effects: median control risk of the short-term trials
 * times the pooled RR (the lay summary: 41 vs 27 and 57 vs 31 per 100,
 * exercise prevented LBP in 14 to 26 of 100). */
static void test_absolute_effects(void **state)
{
    (void)state;
    static const struct {
        const char *analysis;
        long control, treated, fewer;
    } want[] = {
        {"Exercise alone / LBP episode / short term", 41, 27, 14},
        {"Exercise and education / LBP episode / short term", 57, 31, 26},
    };
    dataset d;
    mtp_result res[MAX_GROUPS];
    load(&d);
    fit(res, &d, MTP_SUBGROUP_COMMON, MTP_METHOD_DL);
    for (size_t c = 0; c < N_ELEMS(want); c++) {
        const size_t g = group_of(&d, want[c].analysis);
        mtp_table2x2 tables[MAX_ROWS];
        size_t k = 0;
        double risk;
        mtp_absolute a;
        mtp_error err;
        for (size_t i = 0; i < d.n; i++)
            if (d.group[i] == g && d.has_counts[i])
                tables[k++] = d.counts[i];
        assert_int_equal(k, 4);
        assert_int_equal(mtp_control_risk(&risk, tables, k, MTP_CONTROL_RISK_MEDIAN, &err), MTP_OK);
        assert_int_equal(mtp_absolute_from_rr(&a, exp(res[g].estimate), exp(res[g].ci_lower),
                                              exp(res[g].ci_upper), risk, &err),
                         MTP_OK);
        assert_int_equal(lround(100 * a.control_risk), want[c].control);
        assert_int_equal(lround(100 * a.treat_risk), want[c].treated);
        assert_int_equal(lround(-100 * a.rd), want[c].fewer);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_file),
        cmocka_unit_test(test_published_rr_and_ci),
        cmocka_unit_test(test_common_tau2_matches_metafor),
        cmocka_unit_test(test_separate_tau2_does_not_reproduce),
        cmocka_unit_test(test_i2_difference),
        cmocka_unit_test(test_absolute_effects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
