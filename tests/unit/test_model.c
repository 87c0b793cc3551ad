/* The one fit and what is built on it (lib/model/fit.c, lib/analyses/):
 * descriptors, options, the data view (keep mask, moderators), outputs,
 * errors with their location in fields, subgroups with a common tau² from
 * the meta-regression on subgroup indicators (every estimator, with its
 * Q-profile CI), and batches with per-study outputs. Reference values:
 * metafor 3.8.1, made by make_model_reference.R beside this file.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <stdlib.h>

#define K 13

/* yi, vi, group of dat.bcg (RR; alloc: alternate 0, random 1, systematic 2) */
static const double bcg[K][3] = {
    {-0.88931133392020545, 0.32558476500396133, 1}, {-1.5853886572014306, 0.19458112139814385, 1},
    {-1.3480731482996933, 0.41536796536796539, 1},  {-1.4415511900213054, 0.020010031902247573, 1},
    {-0.21754732221129558, 0.051210172169630863, 0}, {-0.78611558581886398, 0.0069056184559087574, 0},
    {-1.6208982235983918, 0.22301724757231517, 1},  {0.011952333523840508, 0.0039615792978177295, 1},
    {-0.4694176487381494, 0.056434210463248966, 1}, {-1.3713448034727844, 0.07302479361302891, 2},
    {-0.33935882833839059, 0.01241221397155972, 2}, {0.44591340057137874, 0.53250584520015276, 2},
    {-0.017313948216879815, 0.071404659683986293, 2}};

/* make_model_reference.R: per method the common tau² and its Q-profile CI,
 * each subgroup's and the overall estimate and SE with that tau², and Q
 * between the subgroups */
static const struct {
    mtp_tau2_method method;
    double tau2[3], group[3][2], overall[2], qb;
} common_ref[] = {
    {MTP_TAU2_REML,
     {0.36150366432401804, 0.12433539263481148, 1.1948262167134596},
     {{-0.51795577715529451, 0.44119446038685056},
      {-0.9657741785458458, 0.26724409406526295},
      {-0.42891756092357669, 0.34494536762529909}},
     {-0.71843790438858435, 0.19054217602065165},
     1.76751140193171},
    {MTP_TAU2_PM,
     {0.32366598351576525, 0.12433539263481148, 1.1948262167134596},
     {{-0.51968547857005221, 0.41912566098569509},
      {-0.95841044879477133, 0.25611576825592036},
      {-0.43387637517624073, 0.32977025348872152}},
     {-0.71545995198772638, 0.18217038356184279},
     1.8471272056680101},
    {MTP_TAU2_DL,
     {0.5595687501277028, 0.12433539263481148, 1.1948262167134596},
     {{-0.51253015554772519, 0.5421222050208383},
      {-0.99052549506652343, 0.31810127677675992},
      {-0.40829934245916083, 0.41417029290179097}},
     {-0.72787089307396202, 0.22872603855054649},
     1.4349124519223511},
    {MTP_TAU2_ML,
     {0.25739897330846201, 0.12433539263481148, 1.1948262167134596},
     {{-0.52381570883166373, 0.37732200385658554},
      {-0.94171467501121509, 0.23496554721247798},
      {-0.44349272238839077, 0.30096440835479521}},
     {-0.70853727467551186, 0.16625861835153641},
     2.0000517649788909},
};

static double yi[K], vi[K];
static size_t grp[K];

static int setup(void **state)
{
    for (size_t i = 0; i < K; i++) {
        yi[i] = bcg[i][0];
        vi[i] = bcg[i][1];
        grp[i] = (size_t)bcg[i][2];
    }
    *state = mtp_workspace_alloc(K, 4);
    return *state == NULL;
}

static int teardown(void **state)
{
    mtp_workspace_free(*state);
    return 0;
}

static mtp_data view(void)
{
    mtp_data d = {MTP_MEASURE_RR, K, yi, vi, NULL, 0, NULL, NULL};
    return d;
}

/* ---- descriptors --------------------------------------------------------- */

static void test_descriptors(void **state)
{
    mtp_tau2_method t;
    mtp_measure m;
    mtp_test test;
    mtp_pi pi;
    size_t n = 0;
    (void)state;
    for (int i = 0; mtp_tau2_get(i) != NULL; i++, n++) {
        assert_int_equal(mtp_tau2_get(i)->id, i);
        assert_int_equal(mtp_tau2_parse(&t, mtp_tau2_get(i)->name), MTP_OK);
        assert_int_equal(t, i);
    }
    assert_int_equal(n, 10);
    assert_int_equal(mtp_tau2_parse(&t, "reml"), MTP_OK);
    assert_int_equal(t, MTP_TAU2_REML);
    assert_int_equal(mtp_tau2_parse(&t, "MH"), MTP_EINVAL);
    assert_null(mtp_tau2_get(-1));
    assert_null(mtp_tau2_get(10));
    for (int i = 0; mtp_measure_get(i) != NULL; i++) {
        assert_int_equal(mtp_measure_get(i)->id, i);
        assert_int_equal(mtp_measure_parse(&m, mtp_measure_get(i)->name), MTP_OK);
        assert_int_equal(m, i);
    }
    assert_true(mtp_measure_get(MTP_MEASURE_RR)->flags & MTP_MEASURE_LOG_SCALE);
    assert_false(mtp_measure_get(MTP_MEASURE_RD)->flags & MTP_MEASURE_LOG_SCALE);
    assert_string_equal(mtp_measure_get(MTP_MEASURE_PETO_OR)->heading, "Peto OR");
    assert_int_equal(mtp_test_parse(&test, "KNHA"), MTP_OK);
    assert_int_equal(test, MTP_TEST_KNHA);
    assert_int_equal(mtp_pi_parse(&pi, "normal"), MTP_OK);
    assert_int_equal(pi, MTP_PI_NORMAL);
    assert_int_equal(mtp_pi_parse(NULL, "normal"), MTP_EINVAL);
    assert_true(mtp_tau2_get(MTP_TAU2_FIXED)->flags & MTP_TAU2_RANDOM);
    assert_false(mtp_tau2_get(MTP_TAU2_FIXED)->flags & MTP_TAU2_ESTIMATED);
    assert_false(mtp_tau2_get(MTP_TAU2_FE)->flags & MTP_TAU2_RANDOM);
}

/* ---- the fit: keep mask, outputs, errors --------------------------------- */

/* A kept subset fits as the subset on its own, bit for bit. */
static void test_keep_mask(void **state)
{
    mtp_workspace *w = *state;
    unsigned char keep[K];
    double ys[K], vs[K], weight[K], wsub[K];
    unsigned int flags[K];
    size_t n = 0;
    mtp_summary a, b;
    mtp_fit_out out = MTP_FIT_OUT_INIT, out2 = MTP_FIT_OUT_INIT;
    mtp_data d = view(), sub = view();
    for (size_t i = 0; i < K; i++) {
        keep[i] = i % 3 != 1;
        if (keep[i]) {
            ys[n] = yi[i];
            vs[n++] = vi[i];
        }
    }
    d.keep = keep;
    sub.k = n;
    sub.yi = ys;
    sub.vi = vs;
    out.summary = &a;
    out.weight = weight;
    out.study_flags = flags;
    out2.summary = &b;
    out2.weight = wsub;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, NULL), MTP_OK);
    assert_int_equal(mtp_fit(&out2, w, &sub, NULL, NULL), MTP_OK);
    assert_int_equal(a.k, K);
    assert_int_equal(a.k_used, n);
    assert_true(a.mu.estimate == b.mu.estimate && a.tau2 == b.tau2 && a.qe == b.qe);
    for (size_t i = 0, j = 0; i < K; i++) {
        if (keep[i]) {
            assert_true(weight[i] == wsub[j++]);
            assert_int_equal(flags[i], 0);
        } else {
            assert_nan(weight[i]);
            assert_int_equal(flags[i], MTP_STUDY_EXCLUDED);
        }
    }
    /* a left-out study is not read: NaN there is fine */
    yi[1] = NAN;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, NULL), MTP_OK);
    assert_true(a.mu.estimate == b.mu.estimate);
    yi[1] = bcg[1][0];
}

/* Moderator errors name the study and the column in fields. */
static void test_moderator_errors(void **state)
{
    mtp_workspace *w = *state, *small = mtp_workspace_alloc(K, 2);
    double x[K * 3];
    mtp_data d = view();
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_summary s;
    mtp_error e;
    mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
    size_t btt[] = {3};
    out.summary = &s;
    for (size_t i = 0; i < K; i++) {
        x[i * 3] = 1;
        x[i * 3 + 1] = (double)i;
        x[i * 3 + 2] = 2 * (double)i + 1; /* = 2 x1 + intercept: rank 2 */
    }
    d.x = x;
    d.p = 3;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, &e), MTP_ERANK);
    assert_int_equal(e.code, MTP_ERANK);
    assert_true(e.column == 1 || e.column == 2);
    assert_non_null(strstr(e.message, "linear combination"));
    assert_null(strstr(e.message, "study"));
    for (size_t i = 0; i < K; i++)
        x[i * 3 + 2] = 7; /* constant beside the intercept */
    assert_int_equal(mtp_fit(&out, w, &d, NULL, &e), MTP_ERANK);
    assert_int_equal(e.column, 2);
    assert_non_null(strstr(e.message, "constant"));
    for (size_t i = 0; i < K; i++)
        x[i * 3 + 2] = (double)(i * i);
    x[4 * 3 + 1] = INFINITY;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, &e), MTP_EDATA);
    assert_int_equal(e.study, 4);
    assert_int_equal(e.column, 1);
    assert_string_equal(e.message, "moderator 2 is not a finite number");
    x[4 * 3 + 1] = 4;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, &e), MTP_OK);
    assert_int_equal(mtp_fit(&out, small, &d, NULL, &e), MTP_EBADLEN);
    d.k = 3; /* k <= p */
    assert_int_equal(mtp_fit(&out, w, &d, NULL, &e), MTP_ETOOFEW);
    d.k = K;
    o.btt = btt;
    o.nbtt = 1;
    assert_int_equal(mtp_fit(&out, w, &d, &o, &e), MTP_EINVAL);
    assert_non_null(strstr(e.message, "btt"));
    o = (mtp_model_options)MTP_MODEL_OPTIONS_INIT;
    o.version = 99;
    assert_int_equal(mtp_fit(&out, w, &d, &o, &e), MTP_EINVAL);
    o.version = MTP_MODEL_OPTIONS_VERSION;
    o.tau2_value = 0.1; /* without MTP_TAU2_FIXED */
    assert_int_equal(mtp_fit(&out, w, &d, &o, &e), MTP_EINVAL);
    o.tau2 = MTP_TAU2_FIXED;
    o.tau2_value = -1;
    assert_int_equal(mtp_fit(&out, w, &d, &o, &e), MTP_EINVAL);
    out.version = 0;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, &e), MTP_EINVAL);
    mtp_workspace_free(small);
}

/* NULL outputs are fine; the summary of an intercept-only fit equals the
 * version 0.1 result. */
static void test_outputs_optional(void **state)
{
    mtp_workspace *w = *state;
    mtp_fit_out none = MTP_FIT_OUT_INIT;
    mtp_data d = view();
    mtp_effect e[K];
    mtp_result r;
    mtp_summary s;
    mtp_options o;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    assert_int_equal(mtp_fit(&none, w, &d, NULL, NULL), MTP_OK);
    for (size_t i = 0; i < K; i++) {
        e[i].yi = yi[i];
        e[i].vi = vi[i];
    }
    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    assert_int_equal(mtp_pool_effects(&r, w, e, K, &o, NULL), MTP_OK);
    out.summary = &s;
    assert_int_equal(mtp_fit(&out, w, &d, NULL, NULL), MTP_OK);
    assert_true(s.mu.estimate == r.estimate && s.mu.se == r.se && s.tau2 == r.tau2);
    assert_true(s.tau2_ci_lower == r.tau2_ci_lower && s.qe == r.q && s.i2 == r.i2);
    assert_true(s.pi_lower == r.pi_lower);
    /* QM of an intercept-only model is z² */
    assert_rel(s.qm, s.mu.stat * s.mu.stat, 1e-14);
}

/* ---- subgroups ----------------------------------------------------------- */

static void test_subgroups_common(void **state)
{
    mtp_workspace *w = *state;
    mtp_data d = view();
    mtp_summary gs[3], all;
    double weight[K];
    mtp_fit_out g[3], ov = MTP_FIT_OUT_INIT;
    mtp_subgroup_diff t;
    for (size_t c = 0; c < sizeof common_ref / sizeof common_ref[0]; c++) {
        mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
        o.tau2 = common_ref[c].method;
        for (size_t j = 0; j < 3; j++) {
            g[j] = (mtp_fit_out)MTP_FIT_OUT_INIT;
            g[j].summary = &gs[j];
            g[j].weight = weight; /* shared: each subgroup writes its own studies */
        }
        ov.summary = &all;
        for (size_t i = 0; i < K; i++)
            weight[i] = -1;
        assert_int_equal(mtp_subgroups(g, &ov, &t, w, &d, grp, 3, MTP_SUBGROUP_COMMON, &o, NULL),
                         MTP_OK);
        for (size_t j = 0; j < 3; j++) {
            double sum = 0;
            assert_rel(gs[j].tau2, common_ref[c].tau2[0], 1e-6);
            assert_rel(gs[j].tau2_ci_lower, common_ref[c].tau2[1], 1e-6);
            assert_rel(gs[j].tau2_ci_upper, common_ref[c].tau2[2], 1e-6);
            assert_rel(gs[j].mu.estimate, common_ref[c].group[j][0], 1e-6);
            assert_rel(gs[j].mu.se, common_ref[c].group[j][1], 1e-6);
            assert_int_equal(gs[j].tau2_method, common_ref[c].method);
            assert_true(gs[j].notes & MTP_NOTE_TAU2_COMMON);
            assert_false(gs[j].notes & MTP_NOTE_TAU2_FIXED);
            for (size_t i = 0; i < K; i++)
                if (grp[i] == j)
                    sum += weight[i];
            assert_rel(sum, 100, 1e-12); /* the subgroup's weights, within it */
        }
        assert_rel(all.mu.estimate, common_ref[c].overall[0], 1e-6);
        assert_rel(all.mu.se, common_ref[c].overall[1], 1e-6);
        assert_rel(t.q, common_ref[c].qb, 1e-6);
        assert_rel(t.df, 2, 0);
    }
}

static void test_subgroups_separate_and_errors(void **state)
{
    mtp_workspace *w = *state, *narrow = mtp_workspace_alloc(K, 1);
    mtp_data d = view();
    mtp_summary gs[3];
    mtp_fit_out g[3];
    mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
    mtp_error e;
    size_t bad[K];
    for (size_t j = 0; j < 3; j++) {
        g[j] = (mtp_fit_out)MTP_FIT_OUT_INIT;
        g[j].summary = &gs[j];
    }
    assert_int_equal(mtp_subgroups(g, NULL, NULL, w, &d, grp, 3, MTP_SUBGROUP_SEPARATE, &o, NULL),
                     MTP_OK);
    /* each subgroup as a fit of its own studies */
    for (size_t j = 0; j < 3; j++) {
        unsigned char keep[K];
        mtp_summary s;
        mtp_fit_out out = MTP_FIT_OUT_INIT;
        mtp_data dj = view();
        for (size_t i = 0; i < K; i++)
            keep[i] = grp[i] == j;
        dj.keep = keep;
        out.summary = &s;
        assert_int_equal(mtp_fit(&out, w, &dj, &o, NULL), MTP_OK);
        assert_true(s.mu.estimate == gs[j].mu.estimate && s.tau2 == gs[j].tau2);
    }
    /* a common tau² needs room for the indicators, and an estimator */
    assert_int_equal(mtp_subgroups(g, NULL, NULL, narrow, &d, grp, 3, MTP_SUBGROUP_COMMON, &o, &e),
                     MTP_EBADLEN);
    o.tau2 = MTP_TAU2_FE;
    assert_int_equal(mtp_subgroups(g, NULL, NULL, w, &d, grp, 3, MTP_SUBGROUP_COMMON, &o, &e),
                     MTP_EINVAL);
    o.tau2 = MTP_TAU2_REML;
    memcpy(bad, grp, sizeof bad);
    bad[5] = 3;
    assert_int_equal(mtp_subgroups(g, NULL, NULL, w, &d, bad, 3, MTP_SUBGROUP_SEPARATE, &o, &e),
                     MTP_EINVAL);
    assert_int_equal(e.study, 5);
    for (size_t i = 0; i < K; i++)
        bad[i] = grp[i] == 2 ? 0 : grp[i]; /* subgroup 2 empty */
    assert_int_equal(mtp_subgroups(g, NULL, NULL, w, &d, bad, 3, MTP_SUBGROUP_SEPARATE, &o, &e),
                     MTP_ETOOFEW);
    assert_int_equal(e.group, 2);
    yi[9] = NAN; /* study 9 is in subgroup 2 */
    assert_int_equal(mtp_subgroups(g, NULL, NULL, w, &d, grp, 3, MTP_SUBGROUP_SEPARATE, &o, &e),
                     MTP_EDATA);
    assert_int_equal(e.group, 2);
    assert_int_equal(e.study, 9);
    yi[9] = bcg[9][0];
    mtp_workspace_free(narrow);
}

/* ---- batches ------------------------------------------------------------- */

/* Analyses back to back: each as its own fit, bit for bit, with its rows of
 * the per-study outputs; a failing one does not stop the others; threads
 * change nothing. */
static void test_batch(void **state)
{
    enum { N = 40, KMAX = 9 };
    mtp_workspace *w = *state;
    size_t offsets[N + 1];
    double *y = malloc(N * KMAX * sizeof *y), *v = malloc(N * KMAX * sizeof *v);
    double *wt = malloc(N * KMAX * sizeof *wt), *wt2 = malloc(N * KMAX * sizeof *wt2);
    mtp_summary *s = malloc(N * sizeof *s), *s2 = malloc(N * sizeof *s2);
    int status[N], status2[N];
    size_t tot = 0;
    mtp_fit_out out = MTP_FIT_OUT_INIT, out2 = MTP_FIT_OUT_INIT;
    mtp_data all = view();
    mtp_error e;
    assert_non_null(y);
    assert_non_null(s2);
    for (size_t j = 0; j < N; j++) {
        const size_t k = 1 + j % KMAX;
        offsets[j] = tot;
        for (size_t i = 0; i < k; i++, tot++) {
            y[tot] = bcg[(j + i) % K][0];
            v[tot] = bcg[(j + 3 * i) % K][1];
        }
    }
    offsets[N] = tot;
    v[offsets[17] + 1] = -1; /* analysis 17 fails (k >= 2 there) */
    all.k = tot;
    all.yi = y;
    all.vi = v;
    out.summary = s;
    out.weight = wt;
    out2.summary = s2;
    out2.weight = wt2;
    assert_int_equal(mtp_fit_batch(&out, status, &all, offsets, N, NULL, 1, &e), MTP_EDATA);
    assert_int_equal(e.analysis, 17);
    assert_int_equal(e.study, offsets[17] + 1);
    assert_int_equal(mtp_fit_batch(&out2, status2, &all, offsets, N, NULL, 3, NULL), MTP_EDATA);
    for (size_t j = 0; j < N; j++) {
        mtp_data one = view();
        mtp_summary r;
        double wr[KMAX];
        mtp_fit_out o1 = MTP_FIT_OUT_INIT;
        one.k = offsets[j + 1] - offsets[j];
        one.yi = y + offsets[j];
        one.vi = v + offsets[j];
        o1.summary = &r;
        o1.weight = wr;
        assert_int_equal(status[j], mtp_fit(&o1, w, &one, NULL, NULL));
        assert_int_equal(status[j], status2[j]);
        assert_int_equal(s[j].k, one.k);
        if (status[j] != MTP_OK) {
            assert_int_equal(j, 17);
            assert_nan(s[j].mu.estimate);
            assert_nan(wt[offsets[j]]);
            continue;
        }
        assert_true(memcmp(&s[j], &r, sizeof r) == 0);
        assert_true(memcmp(&s2[j], &r, sizeof r) == 0);
        for (size_t i = 0; i < one.k; i++) {
            assert_true(wt[offsets[j] + i] == wr[i]);
            assert_true(wt2[offsets[j] + i] == wr[i]);
        }
    }
    offsets[N] = tot - 1; /* offsets must cover the data */
    assert_int_equal(mtp_fit_batch(&out, status, &all, offsets, N, NULL, 1, &e), MTP_EINVAL);
    free(y);
    free(v);
    free(wt);
    free(wt2);
    free(s);
    free(s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_keep_mask),
        cmocka_unit_test(test_moderator_errors),
        cmocka_unit_test(test_outputs_optional),
        cmocka_unit_test(test_subgroups_common),
        cmocka_unit_test(test_subgroups_separate_and_errors),
        cmocka_unit_test(test_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
