/* Writes the example plots of docs/ as SVG into the directory given as the
 * first argument (default "."):
 *   forest_steffens_exercise.svg  Steffens et al. 2016 (JAMA Intern Med
 *       176:199), exercise alone vs control: LBP short and long term (their
 *       Figure 2) and sick leave long term (Figure 3), each comparison pooled
 *       with DerSimonian-Laird and the tau² common to the twelve multi-study
 *       comparisons of Figures 2 and 3 (as the paper's software did; see
 *       /work/shared/steffens2016/README.md of the project notes).
 *   forest_bcg.svg  the BCG trials (Colditz et al. 1994), RR, REML.
 *   funnel_bcg.svg  their funnel plot around the REML estimate.
 *   bubble_bcg_ablat.svg  their meta-regression on absolute latitude (REML):
 *       risk ratios on a log axis, the fitted line with its 95% confidence
 *       and prediction bands, circle areas proportional to the weights.
 * The PNGs in docs/ are these files rendered with
 *   rsvg-convert -z 2 -b white FILE.svg -o docs/FILE.png
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metapool.h"

typedef struct study2x2 {
    const char *label;
    mtp_table2x2 t;
} study2x2;

typedef struct studyci {
    const char *label;
    double rr, lo, hi;
} studyci;

/* Counts of the multi-study comparisons (Steffens et al. 2016, Figures 2-3). */
static const study2x2 ex_lbp_short[] = {{"Helewa et al, 1999", {28, 113, 37, 157}},
                                        {"Warming et al, 2008", {14, 35, 22, 33}},
                                        {"Moore et al, 2012", {0, 13, 10, 17}},
                                        {"Sihawong et al, 2014", {23, 261, 53, 269}}};
static const study2x2 ex_lbp_long[] = {{"Kellett et al, 1991", {8, 37, 14, 48}},
                                       {"Helewa et al, 1999", {35, 101, 45, 148}}};
static const study2x2 ex_sick_long[] = {{"Gundewall et al, 1993", {1, 28, 12, 32}},
                                        {"Warming et al, 2008", {2, 35, 5, 33}}};
static const study2x2 exed_lbp_short[] = {{"Soukup", {11, 34, 20, 35}},
                                          {"Lonn", {11, 38, 20, 35}},
                                          {"Larsen", {9, 101, 28, 113}},
                                          {"Warming", {14, 35, 29, 51}}};
static const study2x2 exed_lbp_long[] = {{"Soukup", {18, 31, 27, 35}},
                                         {"Glomsrod", {20, 37, 27, 35}}};
/* Known only as RR and 95% CI. */
static const studyci ed_lbp_short[] = {
    {"van Poppel", 1.01, 0.73, 1.38}, {"Lavender", 0.93, 0.67, 1.27}, {"Warming", 1.17, 0.83, 1.65}};
static const studyci bb_lbp_short[] = {{"Allen/Wilder", 0.15, 0.01, 2.73},
                                       {"van Poppel", 1.04, 0.76, 1.43}};
static const studyci ins_lbp_short[] = {{"Schwellnus", 0.40, 0.10, 1.70},
                                        {"Larsen", 1.09, 0.46, 2.55},
                                        {"Milgrom", 0.92, 0.53, 1.61},
                                        {"Mattila", 1.15, 0.76, 1.74}};
static const studyci exed_sick_short[] = {
    {"Lonn", 0.59, 0.26, 1.34}, {"Soukup", 0.94, 0.46, 1.91}, {"Warming", 0.58, 0.12, 2.84}};
static const studyci exed_sick_long[] = {{"Glomsrod", 0.63, 0.36, 1.11},
                                         {"Soukup", 0.82, 0.48, 1.38}};
static const studyci ed_sick_short[] = {{"van Poppel", 0.70, 0.35, 1.40},
                                        {"Warming", 1.55, 0.48, 4.93}};
/* Education, LBP, long term: George 2011 (counts) and Kraus 2002 (RR, CI). */
static const study2x2 ed_lbp_long_counts[] = {{"George", {300, 1995, 406, 2312}}};
static const studyci ed_lbp_long_ci[] = {{"Kraus", 0.88, 0.67, 1.16}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int effects_2x2(mtp_effect *e, const study2x2 *s, size_t k)
{
    mtp_options o = MTP_OPTIONS_INIT; /* RR, 0.5 added to tables with a zero cell */
    for (size_t i = 0; i < k; i++)
        if (mtp_effect_from_2x2(&e[i], NULL, &s[i].t, &o, NULL) != MTP_OK)
            return -1;
    return 0;
}

static int effects_ci(mtp_effect *e, const studyci *s, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (mtp_effect_from_ci(&e[i], s[i].rr, s[i].lo, s[i].hi, 0.95, 1, NULL) != MTP_OK)
            return -1;
    return 0;
}

/* The pooled method-of-moments tau² over the twelve comparisons
 * (mtp_tau2_common: Borenstein et al. 2009, ch. 19). */
static int steffens_common_tau2(double *tau2)
{
    mtp_effect e[40];
    size_t group[40], k = 0, g = 0;
#define ADD(fn, a)                                                                             \
    do {                                                                                       \
        if (fn(e + k, a, N(a)) != 0)                                                           \
            return -1;                                                                         \
        for (size_t i_ = 0; i_ < N(a); i_++)                                                   \
            group[k++] = g;                                                                    \
        g++;                                                                                   \
    } while (0)
    ADD(effects_2x2, ex_lbp_short);
    ADD(effects_2x2, ex_lbp_long);
    ADD(effects_2x2, ex_sick_long);
    ADD(effects_2x2, exed_lbp_short);
    ADD(effects_2x2, exed_lbp_long);
    ADD(effects_ci, ed_lbp_short);
    ADD(effects_ci, bb_lbp_short);
    ADD(effects_ci, ins_lbp_short);
    ADD(effects_ci, exed_sick_short);
    ADD(effects_ci, exed_sick_long);
    ADD(effects_ci, ed_sick_short);
    ADD(effects_2x2, ed_lbp_long_counts);
    group[k] = g - 1; /* Kraus joins George in education, LBP, long term */
    if (effects_ci(e + k, ed_lbp_long_ci, 1) != 0)
        return -1;
    k++;
#undef ADD
    return mtp_tau2_common(tau2, e, group, k, g, NULL) == MTP_OK ? 0 : -1;
}

/* One comparison: effects, DL fit with the common tau², rows. */
typedef struct block {
    mtp_effect e[4];
    mtp_forest_row rows[4];
    mtp_result res;
} block;

static int fit_block(block *b, const study2x2 *s, size_t k, double tau2, mtp_workspace *w)
{
    mtp_options o = MTP_OPTIONS_INIT;
    mtp_error err;
    const mtp_study *st;
    o.method = MTP_METHOD_DL;
    o.tau2_fixed = tau2;
    o.i2_def = MTP_I2_Q; /* as printed in the paper (Q-based) */
    if (effects_2x2(b->e, s, k) != 0 || mtp_pool_effects(&b->res, w, b->e, k, &o, &err) != MTP_OK)
        return -1;
    st = mtp_workspace_studies(w);
    for (size_t i = 0; i < k; i++)
        mtp_forest_row_from_study(&b->rows[i], &st[i], s[i].label, &s[i].t);
    return 0;
}

static int write_svg(const char *dir, const char *name, int (*fn)(FILE *, void *), void *arg)
{
    char path[4096];
    FILE *f;
    int rc;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "cannot write %s\n", path);
        return -1;
    }
    rc = fn(f, arg);
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0)
        printf("wrote %s\n", path);
    return rc;
}

static int steffens(FILE *f, void *arg)
{
    block b[3];
    mtp_forest_group g[3];
    mtp_forest spec;
    mtp_error err;
    mtp_workspace *w = mtp_workspace_alloc(8, 1);
    double tau2;
    int rc = -1;
    (void)arg;
    if (w == NULL || steffens_common_tau2(&tau2) != 0)
        goto done;
    printf("Steffens 2016: common tau2 = %.6f\n", tau2);
    if (fit_block(&b[0], ex_lbp_short, N(ex_lbp_short), tau2, w) != 0 ||
        fit_block(&b[1], ex_lbp_long, N(ex_lbp_long), tau2, w) != 0 ||
        fit_block(&b[2], ex_sick_long, N(ex_sick_long), tau2, w) != 0)
        goto done;
    memset(g, 0, sizeof g);
    g[0].name = "Episode of LBP, short term (\xE2\x89\xA4 12 months)";
    g[1].name = "Episode of LBP, long term (> 12 months)";
    g[2].name = "Sick leave due to LBP, long term (> 12 months)";
    for (int i = 0; i < 3; i++) {
        g[i].rows = b[i].rows;
        g[i].result = &b[i].res;
        g[i].result_label = "Subtotal (random effects)";
    }
    g[0].nrows = N(ex_lbp_short);
    g[1].nrows = N(ex_lbp_long);
    g[2].nrows = N(ex_sick_long);
    mtp_forest_init(&spec, MTP_FOREST_VERSION);
    spec.title = "Exercise alone vs control: prevention of low back pain (LBP)";
    spec.groups = g;
    spec.ngroups = 3;
    spec.study_heading = "Source";
    spec.arm_trt = "Exercise";
    spec.arm_ctl = "Control";
    spec.favours_left = "Favors exercise";
    spec.favours_right = "Favors control";
    spec.flags = MTP_FOREST_COUNTS | MTP_FOREST_WEIGHTS | MTP_FOREST_HETEROGENEITY |
                 MTP_FOREST_OVERALL_TEST;
    if (mtp_plot_forest(f, &spec, &err) != MTP_OK) {
        fprintf(stderr, "forest: %s\n", err.message);
        goto done;
    }
    rc = 0;
done:
    mtp_workspace_free(w);
    return rc;
}

static const mtp_table2x2 bcg[] = {
    {4, 123, 11, 139},       {6, 306, 29, 303},        {3, 231, 11, 220},
    {62, 13598, 248, 12867}, {33, 5069, 47, 5808},     {180, 1541, 372, 1451},
    {8, 2545, 10, 629},      {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
    {17, 1716, 65, 1665},    {186, 50634, 141, 27338}, {5, 2498, 3, 2341},
    {27, 16913, 29, 17854}};
static const char *const bcg_labels[] = {
    "Aronson, 1948",         "Ferguson & Simes, 1949", "Rosenthal et al, 1960",
    "Hart & Sutherland, 1977", "Frimodt-Moller et al, 1973", "Stein & Aronson, 1953",
    "Vandiviere et al, 1973", "TPT Madras, 1980",     "Coetzee & Berjak, 1968",
    "Rosenthal et al, 1961",  "Comstock et al, 1974", "Comstock & Webster, 1969",
    "Comstock et al, 1976"};

static int bcg_forest(FILE *f, void *arg)
{
    mtp_options o = MTP_OPTIONS_INIT;
    mtp_workspace *w = mtp_workspace_alloc(N(bcg), 1);
    mtp_result res;
    mtp_forest style;
    mtp_error err;
    int rc = -1;
    (void)arg;
    if (w == NULL || mtp_pool_2x2(&res, w, bcg, N(bcg), &o, &err) != MTP_OK)
        goto done;
    mtp_forest_init(&style, MTP_FOREST_VERSION);
    style.title = "BCG vaccine and tuberculosis (Colditz et al. 1994)";
    style.arm_trt = "Vaccinated";
    style.favours_left = "Favours vaccine";
    style.favours_right = "Favours control";
    style.measure = res.measure;
    if (mtp_plot_forest_studies(f, mtp_workspace_studies(w), bcg_labels, bcg, N(bcg), &res,
                                &style, &err) != MTP_OK) {
        fprintf(stderr, "forest: %s\n", err.message);
        goto done;
    }
    rc = 0;
done:
    mtp_workspace_free(w);
    return rc;
}

static int bcg_funnel(FILE *f, void *arg)
{
    mtp_options o = MTP_OPTIONS_INIT;
    mtp_effect e[N(bcg)];
    mtp_result res;
    mtp_funnel fo;
    mtp_error err;
    mtp_workspace *w = mtp_workspace_alloc(N(bcg), 1);
    int rc = -1;
    (void)arg;
    for (size_t i = 0; i < N(bcg); i++)
        if (mtp_effect_from_2x2(&e[i], NULL, &bcg[i], &o, NULL) != MTP_OK)
            goto done;
    /* the same REML fit as from the effects, with the measure (RR) recorded */
    if (w == NULL || mtp_pool_2x2(&res, w, bcg, N(bcg), &o, &err) != MTP_OK)
        goto done;
    mtp_funnel_init(&fo, MTP_FUNNEL_VERSION);
    fo.title = "BCG trials: funnel plot (RR, REML)";
    if (mtp_plot_funnel(f, e, N(bcg), &res, &fo, &err) != MTP_OK) {
        fprintf(stderr, "funnel: %s\n", err.message);
        goto done;
    }
    rc = 0;
done:
    mtp_workspace_free(w);
    return rc;
}

/* Absolute latitude of the trials (metafor's dat.bcg$ablat). */
static const double bcg_ablat[] = {44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33};

static int bcg_bubble(FILE *f, void *arg)
{
    mtp_options o = MTP_OPTIONS_INIT; /* RR */
    double yi[N(bcg)], vi[N(bcg)], x[2 * N(bcg)], vcov[4], weight[N(bcg)];
    mtp_data d = {MTP_MEASURE_RR, N(bcg), yi, vi, x, 2, NULL, NULL};
    mtp_model_options mo = MTP_MODEL_OPTIONS_INIT; /* REML, z, PI with t(k - p - 1) */
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_summary s;
    mtp_coef coef[2];
    mtp_bubble bo;
    mtp_error err;
    mtp_workspace *w = mtp_workspace_alloc(N(bcg), 2);
    int rc = -1;
    (void)arg;
    for (size_t i = 0; i < N(bcg); i++) {
        mtp_effect e;
        if (mtp_effect_from_2x2(&e, NULL, &bcg[i], &o, NULL) != MTP_OK)
            goto done;
        yi[i] = e.yi;
        vi[i] = e.vi;
        x[2 * i] = 1;
        x[2 * i + 1] = bcg_ablat[i];
    }
    out.summary = &s;
    out.coef = coef;
    out.vcov = vcov;
    out.weight = weight;
    if (w == NULL || mtp_fit(&out, w, &d, &mo, &err) != MTP_OK)
        goto done;
    mtp_bubble_init(&bo, MTP_BUBBLE_VERSION);
    bo.title = "BCG vaccine: risk ratio by absolute latitude";
    bo.x_label = "Absolute latitude (degrees)";
    bo.y_scale = MTP_BUBBLE_Y_RATIO_LOG;
    bo.flags = MTP_BUBBLE_DEFAULT | MTP_BUBBLE_PI;
    bo.model = &mo;
    if (mtp_plot_bubble(f, &d, &s, coef, vcov, weight, 1, bcg_labels, &bo, &err) != MTP_OK) {
        fprintf(stderr, "bubble: %s\n", err.message);
        goto done;
    }
    rc = 0;
done:
    mtp_workspace_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    if (write_svg(dir, "forest_steffens_exercise.svg", steffens, NULL) != 0 ||
        write_svg(dir, "forest_bcg.svg", bcg_forest, NULL) != 0 ||
        write_svg(dir, "funnel_bcg.svg", bcg_funnel, NULL) != 0 ||
        write_svg(dir, "bubble_bcg_ablat.svg", bcg_bubble, NULL) != 0)
        return 1;
    return 0;
}
