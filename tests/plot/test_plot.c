/* Forest, funnel and bubble plots (lib/plot/): the SVG is read back and its
 * marks checked: one "study" mark per estimable study,
 * one "diamond" per pooled estimate whose top vertex sits at the estimate
 * on the printed axis, squares at their estimates with area proportional to
 * the weight, arrows where CIs leave the axis, escaped labels, printed
 * numbers, and the error codes; for the bubble plot of a meta-regression,
 * circles at (moderator, estimate) with area proportional to the weight, the
 * fitted line x'b and its bands at mtp_predict()'s values, read back through
 * the printed ticks of both axes. Every SVG is also saved into the directory
 * given as argv[1], where the plot.xmllint test parses it.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_helpers.h"

static const char *out_dir = NULL;

/* ---- SVG capture and parsing ------------------------------------------- */

/* Run a plotting call into a temporary file; returns the text (caller frees)
 * and the status in *rc. The text is also saved as out_dir/name. */
typedef int (*plot_fn)(FILE *f, const void *arg, mtp_error *err);

static char *capture(plot_fn fn, const void *arg, const char *name, int *rc, mtp_error *err)
{
    FILE *f = tmpfile();
    long n;
    char *buf;
    assert_non_null(f);
    *rc = fn(f, arg, err);
    n = ftell(f);
    assert_true(n >= 0);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (out_dir != NULL && name != NULL && *rc == MTP_OK) {
        char path[4096];
        FILE *o;
        snprintf(path, sizeof path, "%s/%s", out_dir, name);
        o = fopen(path, "w");
        assert_non_null(o);
        fputs(buf, o);
        assert_int_equal(fclose(o), 0);
    }
    return buf;
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

/* The i-th (0-based) element starting with prefix, e.g. "<polygon class=\"diamond\"". */
static const char *nth(const char *s, const char *prefix, size_t i)
{
    const char *p = strstr(s, prefix);
    while (p != NULL && i-- > 0)
        p = strstr(p + 1, prefix);
    if (p == NULL)
        fail_msg("element %s not found", prefix);
    return p;
}

/* Numeric attribute of the element starting at el (searched up to its '>'). */
static double attr(const char *el, const char *name)
{
    char key[64];
    const char *end = strchr(el, '>'), *p;
    snprintf(key, sizeof key, " %s=\"", name);
    p = strstr(el, key);
    if (p == NULL || (end != NULL && p > end))
        fail_msg("attribute %s missing", name);
    return strtod(p + strlen(key), NULL);
}

/* Text content of the element starting at el (after any <title>). */
static void content(const char *el, char *buf, size_t n)
{
    const char *p = strchr(el, '>'), *q;
    size_t len;
    assert_non_null(p);
    p++;
    if (strncmp(p, "<title>", 7) == 0)
        p = strstr(p, "</title>") + 8;
    q = strchr(p, '<');
    assert_non_null(q);
    len = (size_t)(q - p) < n - 1 ? (size_t)(q - p) : n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
}

/* The axis as printed: x of the first and last tick and their labels. */
typedef struct axis {
    double x1, x2;    /* px of the first and last labelled tick */
    double v1, v2;    /* their printed values */
    double left, right; /* ends of the axis line */
    int log;
} axis;

static axis read_axis(const char *svg, int log_scale)
{
    axis a;
    size_t n = count(svg, "<text class=\"tick-label\"");
    char buf[64];
    const char *line = nth(svg, "<line class=\"axis\"", 0);
    assert_true(n >= 2);
    a.left = attr(line, "x1");
    a.right = attr(line, "x2");
    a.x1 = attr(nth(svg, "<text class=\"tick-label\"", 0), "x");
    content(nth(svg, "<text class=\"tick-label\"", 0), buf, sizeof buf);
    a.v1 = strtod(buf, NULL);
    a.x2 = attr(nth(svg, "<text class=\"tick-label\"", n - 1), "x");
    content(nth(svg, "<text class=\"tick-label\"", n - 1), buf, sizeof buf);
    a.v2 = strtod(buf, NULL);
    a.log = log_scale;
    return a;
}

/* px of an analysis-scale value by the printed tick labels. */
static double axis_px(const axis *a, double v)
{
    const double g1 = a->log ? log(a->v1) : a->v1, g2 = a->log ? log(a->v2) : a->v2;
    return a->x1 + (v - g1) / (g2 - g1) * (a->x2 - a->x1);
}

/* Diamond i: its points "l,yc c,top r,yc c,bottom". */
typedef struct diamond {
    double left, centre, right, top, bottom;
} diamond;

static diamond read_diamond(const char *svg, size_t i)
{
    diamond d;
    double y1, y2, y3, y4, c2;
    const char *p = strstr(nth(svg, "<polygon class=\"diamond\"", i), "points=\"");
    assert_non_null(p);
    assert_int_equal(sscanf(p + 8, "%lf,%lf %lf,%lf %lf,%lf %lf,%lf", &d.left, &y1, &d.centre,
                            &y2, &d.right, &y3, &c2, &y4),
                     8);
    assert_double_eq(c2, d.centre);
    assert_double_eq(y1, y3);
    d.top = y2;
    d.bottom = y4;
    return d;
}

/* Element group of study mark i: the text between <g class="study"> and </g>. */
static void study_group(const char *svg, size_t i, char *buf, size_t n)
{
    const char *p = nth(svg, "<g class=\"study\">", i), *q = strstr(p, "</g>");
    size_t len;
    assert_non_null(q);
    len = (size_t)(q - p) < n - 1 ? (size_t)(q - p) : n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
}

/* ---- data ---------------------------------------------------------------- */

/* BCG trials (Colditz et al. 1994; metafor's dat.bcg): vaccinated, control. */
static const mtp_table2x2 bcg[] = {
    {4, 123, 11, 139},       {6, 306, 29, 303},        {3, 231, 11, 220},
    {62, 13598, 248, 12867}, {33, 5069, 47, 5808},     {180, 1541, 372, 1451},
    {8, 2545, 10, 629},      {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
    {17, 1716, 65, 1665},    {186, 50634, 141, 27338}, {5, 2498, 3, 2341},
    {27, 16913, 29, 17854}};
#define K_BCG N_ELEMS(bcg)

/* Steffens et al. 2016, exercise vs control: LBP short term, LBP long term,
 * sick leave long term. */
static const mtp_table2x2 steffens[] = {
    {28, 113, 37, 157}, {14, 35, 22, 33}, {0, 13, 10, 17}, {23, 261, 53, 269}, /* LBP short */
    {8, 37, 14, 48},    {35, 101, 45, 148},                                     /* LBP long */
    {1, 28, 12, 32},    {2, 35, 5, 33}};                                        /* sick leave */
static const size_t steffens_group[] = {0, 0, 0, 0, 1, 1, 2, 2};
static const char *const steffens_labels[] = {"Helewa 1999", "Warming 2008",  "Moore 2012",
                                              "Sihawong 2014", "Kellett 1991", "Helewa 1999",
                                              "Gundewall 1993", "Warming 2008"};

/* ---- plotting calls with their arguments ---------------------------------- */

typedef struct simple_arg {
    const mtp_study *studies;
    const char *const *labels;
    const mtp_table2x2 *tables;
    size_t k;
    const mtp_result *res;
    const mtp_forest *style;
} simple_arg;

static int call_simple(FILE *f, const void *arg, mtp_error *err)
{
    const simple_arg *a = arg;
    return mtp_plot_forest_studies(f, a->studies, a->labels, a->tables, a->k, a->res, a->style,
                                   err);
}

static int call_forest(FILE *f, const void *arg, mtp_error *err)
{
    return mtp_plot_forest(f, (const mtp_forest *)arg, err);
}

typedef struct funnel_arg {
    const mtp_effect *e;
    size_t k;
    const mtp_result *pooled;
    const mtp_funnel *opts;
} funnel_arg;

static int call_funnel(FILE *f, const void *arg, mtp_error *err)
{
    const funnel_arg *a = arg;
    return mtp_plot_funnel(f, a->e, a->k, a->pooled, a->opts, err);
}

/* ---- the BCG forest plot ---------------------------------------------------- */

typedef struct bcg_fit {
    mtp_workspace *w;
    mtp_result res;
    mtp_study studies[K_BCG];
} bcg_fit;

static void fit_bcg(bcg_fit *b)
{
    mtp_options o = opts_default(); /* RR, REML */
    b->w = mtp_workspace_alloc(K_BCG, 1);
    assert_non_null(b->w);
    assert_int_equal(mtp_pool_2x2(&b->res, b->w, bcg, K_BCG, &o, NULL), MTP_OK);
    memcpy(b->studies, mtp_workspace_studies(b->w), sizeof b->studies);
    mtp_workspace_free(b->w);
}

static void test_forest_bcg(void **state)
{
    bcg_fit b;
    simple_arg a = {NULL, NULL, bcg, K_BCG, NULL, NULL};
    mtp_error err;
    char *svg, buf[4096], want[256];
    int rc;
    axis ax;
    diamond d;
    (void)state;
    fit_bcg(&b);
    a.studies = b.studies;
    a.res = &b.res;
    svg = capture(call_simple, &a, "forest_bcg_default.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "<svg "), 1);
    assert_int_equal(count(svg, "class=\"study\""), K_BCG);
    assert_int_equal(count(svg, "class=\"box\""), K_BCG);
    assert_int_equal(count(svg, "class=\"diamond\""), 1);
    assert_int_equal(count(svg, "class=\"pi\""), 1); /* REML: the PI is defined */
    assert_int_equal(count(svg, "class=\"null-line\""), 1);
    assert_int_equal(count(svg, "class=\"arrow\""), 0);
    assert_int_equal(count(svg, ">Study 1<"), 1); /* default labels */
    assert_int_equal(count(svg, ">Study 13<"), 1);
    assert_int_equal(count(svg, ">4/123<"), 1);     /* counts of the first trial */
    assert_int_equal(count(svg, ">1065/191064<"), 1); /* sums in the pooled row */

    ax = read_axis(svg, 1);
    /* the automatic log axis: symmetric about 1, round ends */
    assert_rel(ax.v1 * ax.v2, 1.0, 1e-12);
    assert_abs(ax.x1, ax.left, 0.011);
    assert_abs(ax.x2, ax.right, 0.011);
    assert_abs(attr(nth(svg, "<line class=\"null-line\"", 0), "x1"), axis_px(&ax, 0), 0.03);

    d = read_diamond(svg, 0);
    assert_abs(d.centre, axis_px(&ax, b.res.estimate), 0.03);
    assert_abs(d.left, axis_px(&ax, b.res.ci_lower), 0.03);
    assert_abs(d.right, axis_px(&ax, b.res.ci_upper), 0.03);
    assert_true(d.bottom > d.top);

    /* each square centred on its study's estimate; whiskers at its CI */
    for (size_t i = 0; i < K_BCG; i++) {
        const char *box, *ci;
        const double z = 1.959963984540054, se = sqrt(b.studies[i].vi);
        study_group(svg, i, buf, sizeof buf);
        box = strstr(buf, "<rect class=\"box\"");
        ci = strstr(buf, "<line class=\"ci\"");
        assert_non_null(box);
        assert_non_null(ci);
        assert_abs(attr(box, "x") + attr(box, "width") / 2, axis_px(&ax, b.studies[i].yi), 0.03);
        assert_abs(attr(ci, "x1"), axis_px(&ax, b.studies[i].yi - z * se), 0.03);
        assert_abs(attr(ci, "x2"), axis_px(&ax, b.studies[i].yi + z * se), 0.03);
    }
    /* square area proportional to weight: side ratio sqrt(w_i / w_max) */
    {
        double wmax = 0, side_max = 0;
        for (size_t i = 0; i < K_BCG; i++)
            wmax = fmax(wmax, b.studies[i].weight);
        for (size_t i = 0; i < K_BCG; i++) {
            study_group(svg, i, buf, sizeof buf);
            side_max = fmax(side_max, attr(strstr(buf, "<rect"), "width"));
        }
        for (size_t i = 0; i < K_BCG; i++) {
            study_group(svg, i, buf, sizeof buf);
            assert_abs(attr(strstr(buf, "<rect"), "width"),
                       side_max * sqrt(b.studies[i].weight / wmax), 0.011);
        }
    }
    /* printed numbers */
    snprintf(want, sizeof want, ">%.2f (%.2f\xE2\x80\x93%.2f)<", exp(b.res.estimate),
             exp(b.res.ci_lower), exp(b.res.ci_upper));
    assert_int_equal(count(svg, want), 1);
    snprintf(want, sizeof want, ">%.1f<", b.studies[0].weight);
    assert_true(count(svg, want) >= 1);
    snprintf(want, sizeof want,
             ">Heterogeneity: Tau\xC2\xB2 = %.2f; Chi\xC2\xB2 = %.2f, df = 12 (P &lt; 0.001); "
             "I\xC2\xB2 = %.0f%%<",
             b.res.tau2, b.res.q, b.res.i2);
    assert_int_equal(count(svg, want), 1);
    snprintf(want, sizeof want, ">Test for overall effect: Z = %.2f (P &lt; 0.001)<",
             fabs(b.res.stat));
    assert_int_equal(count(svg, want), 1);
    snprintf(want, sizeof want, ">(%.2f\xE2\x80\x93%.2f)<", exp(b.res.pi_lower),
             exp(b.res.pi_upper));
    assert_int_equal(count(svg, want), 1);
    free(svg);
}

/* Same plot twice: the same bytes (deterministic output). */
static void test_forest_deterministic(void **state)
{
    bcg_fit b;
    simple_arg a = {NULL, NULL, bcg, K_BCG, NULL, NULL};
    char *s1, *s2;
    int rc;
    (void)state;
    fit_bcg(&b);
    a.studies = b.studies;
    a.res = &b.res;
    s1 = capture(call_simple, &a, NULL, &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    s2 = capture(call_simple, &a, NULL, &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
}

/* ---- subgroups (Steffens et al. 2016, exercise) ---------------------------- */

typedef struct sub_fit {
    mtp_effect e[8];
    mtp_study st[8];
    mtp_result group[3], overall;
    mtp_forest_row rows[8];
    mtp_forest_group g[3];
    mtp_subgroup_diff diff;
    mtp_forest spec;
} sub_fit;

static void fit_subgroups(sub_fit *s)
{
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(8, 1);
    size_t start = 0;
    double sw = 0, swy = 0;
    assert_non_null(w);
    o.method = MTP_METHOD_DL;
    o.tau2_fixed = 0.0082; /* the common tau² of the paper's comparisons */
    o.i2_def = MTP_I2_Q;
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(mtp_effect_from_2x2(&s->e[i], NULL, &steffens[i], &o, NULL), MTP_OK);
    memset(s->g, 0, sizeof s->g);
    for (size_t j = 0; j < 3; j++) {
        size_t n = 0;
        while (start + n < 8 && steffens_group[start + n] == j)
            n++;
        assert_int_equal(mtp_pool_effects(&s->group[j], w, s->e + start, n, &o, NULL), MTP_OK);
        memcpy(s->st + start, mtp_workspace_studies(w), n * sizeof s->st[0]);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(mtp_forest_row_from_study(&s->rows[start + i], &s->st[start + i],
                                                       steffens_labels[start + i],
                                                       &steffens[start + i]),
                             MTP_OK);
        s->g[j].rows = s->rows + start;
        s->g[j].nrows = n;
        s->g[j].result = &s->group[j];
        start += n;
    }
    s->g[0].name = "LBP, short term";
    s->g[1].name = "LBP, long term";
    s->g[2].name = "Sick leave, long term";
    assert_int_equal(mtp_pool_effects(&s->overall, w, s->e, 8, &o, NULL), MTP_OK);
    mtp_workspace_free(w);
    /* test for subgroup differences, computed here from its definition */
    for (size_t j = 0; j < 3; j++) {
        double wj = 1 / (s->group[j].se * s->group[j].se);
        sw += wj;
        swy += wj * s->group[j].estimate;
    }
    s->diff.q = 0;
    for (size_t j = 0; j < 3; j++) {
        double dj = s->group[j].estimate - swy / sw;
        s->diff.q += dj * dj / (s->group[j].se * s->group[j].se);
    }
    s->diff.df = 2;
    s->diff.p = exp(-s->diff.q / 2); /* chi-square(2) upper tail */
    assert_int_equal(mtp_forest_init(&s->spec, MTP_FOREST_VERSION), MTP_OK);
    s->spec.groups = s->g;
    s->spec.ngroups = 3;
    s->spec.overall = &s->overall;
    s->spec.subgroup_diff = &s->diff;
    s->spec.arm_trt = "Exercise";
    s->spec.favours_left = "Favors exercise";
    s->spec.favours_right = "Favors control";
    s->spec.title = "Exercise vs control";
}

static void test_forest_subgroups(void **state)
{
    sub_fit s;
    char *svg, want[256], buf[256];
    int rc;
    axis ax;
    const mtp_result *res[4];
    (void)state;
    fit_subgroups(&s);
    svg = capture(call_forest, &s.spec, "forest_subgroups.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "class=\"study\""), 8);
    assert_int_equal(count(svg, "class=\"diamond\""), 4); /* 3 subgroups + overall */
    assert_int_equal(count(svg, "class=\"group-name\""), 3);
    assert_int_equal(count(svg, "class=\"heterogeneity\""), 4);
    assert_int_equal(count(svg, "class=\"overall-test\""), 4);
    assert_int_equal(count(svg, "class=\"subgroup-test\""), 1);
    assert_int_equal(count(svg, ">Subtotal<"), 3);
    assert_int_equal(count(svg, ">Total<"), 1);
    assert_int_equal(count(svg, ">65/422<"), 1);    /* sums of the first block */
    assert_int_equal(count(svg, ">122/476<"), 1);
    assert_int_equal(count(svg, ">111/623<"), 1);   /* sums over all blocks */
    assert_int_equal(count(svg, ">Favors exercise<"), 1);
    /* the one zero-cell study is there, and gets an arrow: its CI starts
     * below the axis */
    assert_int_equal(count(svg, ">0/13<"), 1);

    ax = read_axis(svg, 1);
    res[0] = &s.group[0];
    res[1] = &s.group[1];
    res[2] = &s.group[2];
    res[3] = &s.overall;
    for (size_t j = 0; j < 4; j++) {
        diamond d = read_diamond(svg, j);
        assert_abs(d.centre, axis_px(&ax, res[j]->estimate), 0.03);
        assert_abs(d.left, axis_px(&ax, res[j]->ci_lower), 0.03);
        assert_abs(d.right, axis_px(&ax, res[j]->ci_upper), 0.03);
    }
    /* diamonds top to bottom in block order */
    assert_true(read_diamond(svg, 0).top < read_diamond(svg, 1).top);
    assert_true(read_diamond(svg, 2).top < read_diamond(svg, 3).top);
    /* heterogeneity line of the first block (tau² fixed, Q-based I²) */
    snprintf(want, sizeof want,
             ">Heterogeneity: Tau\xC2\xB2 = 0.0082; Chi\xC2\xB2 = %.2f, df = 3 (P = %.2f); "
             "I\xC2\xB2 = %.0f%%<",
             s.group[0].q, s.group[0].q_p, s.group[0].i2);
    assert_int_equal(count(svg, want), 1);
    snprintf(want, sizeof want, ">Test for subgroup differences: Chi\xC2\xB2 = %.2f, df = 2 (P = %.2f); "
             "I\xC2\xB2 = %.0f%%<",
             s.diff.q, s.diff.p, 100 * fmax(0, (s.diff.q - 2) / s.diff.q));
    assert_int_equal(count(svg, want), 1);
    /* the paper's rounding of exercise, LBP short term: 0.65 */
    content(nth(svg, "<text class=\"effect pooled-effect\"", 0), buf, sizeof buf);
    assert_int_equal(strncmp(buf, "0.65 (", 6), 0);
    free(svg);
}

/* ---- one study -------------------------------------------------------------- */

static void test_forest_k1(void **state)
{
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(1, 1);
    mtp_result res;
    mtp_study st;
    simple_arg a = {NULL, NULL, bcg, 1, NULL, NULL};
    const char *lab[] = {"Aronson 1948"};
    char *svg, want[128];
    int rc;
    axis ax;
    (void)state;
    assert_int_equal(mtp_pool_2x2(&res, w, bcg, 1, &o, NULL), MTP_OK);
    st = mtp_workspace_studies(w)[0];
    mtp_workspace_free(w);
    a.studies = &st;
    a.res = &res;
    a.labels = lab;
    svg = capture(call_simple, &a, "forest_k1.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "class=\"study\""), 1);
    assert_int_equal(count(svg, "class=\"diamond\""), 1);
    assert_int_equal(count(svg, "class=\"pi\""), 0); /* undefined with one study */
    assert_int_equal(count(svg, ">Heterogeneity: not applicable<"), 1);
    assert_int_equal(count(svg, ">100.0<"), 1);
    ax = read_axis(svg, 1);
    assert_abs(read_diamond(svg, 0).centre, axis_px(&ax, res.estimate), 0.03);
    /* the study and the pooled estimate coincide */
    assert_abs(read_diamond(svg, 0).centre,
               attr(nth(svg, "<rect class=\"box\"", 0), "x") +
                   attr(nth(svg, "<rect class=\"box\"", 0), "width") / 2,
               0.011);
    snprintf(want, sizeof want, ">%.2f (%.2f\xE2\x80\x93%.2f)<", exp(res.estimate),
             exp(res.ci_lower), exp(res.ci_upper));
    assert_int_equal(count(svg, want), 2); /* study row and pooled row */
    free(svg);
}

/* ---- CIs beyond the axis ----------------------------------------------------- */

static mtp_forest_row row(const char *label, double est, double lo, double hi, double weight)
{
    mtp_forest_row r;
    memset(&r, 0, sizeof r);
    r.label = label;
    r.yi = log(est);
    r.vi = NAN;
    r.ci_lower = log(lo);
    r.ci_upper = log(hi);
    r.weight = weight;
    return r;
}

static mtp_result result_at(double est, double lo, double hi)
{
    mtp_result r;
    memset(&r, 0, sizeof r);
    r.measure = MTP_MEASURE_RR;
    r.method = MTP_METHOD_FE;
    r.k = r.k_used = 2;
    r.estimate = log(est);
    r.ci_lower = log(lo);
    r.ci_upper = log(hi);
    r.pi_lower = r.pi_upper = NAN;
    r.q = 1.5;
    r.q_df = 1;
    r.q_p = 0.2207;
    r.i2 = 100 * (1.5 - 1) / 1.5;
    r.stat = 1.0;
    r.p = 0.3173;
    r.df = NAN;
    return r;
}

static void test_forest_arrows(void **state)
{
    mtp_forest_row rows[4];
    mtp_result res = result_at(0.3, 0.05, 3.0);
    mtp_forest_group g;
    mtp_forest spec;
    char *svg, buf[4096];
    int rc;
    axis ax;
    (void)state;
    rows[0] = row("inside", 1.2, 0.8, 1.8, 30);
    rows[1] = row("both ends out", 1.0, 0.1, 10, 20);
    rows[2] = row("estimate right of the axis", 5, 3, 8, 25);
    rows[3] = row("left end out", 0.7, 0.2, 1.5, 25);
    memset(&g, 0, sizeof g);
    g.rows = rows;
    g.nrows = 4;
    g.result = &res;
    assert_int_equal(mtp_forest_init(&spec, MTP_FOREST_VERSION), MTP_OK);
    spec.groups = &g;
    spec.ngroups = 1;
    spec.axis_min = 0.5;
    spec.axis_max = 2;
    svg = capture(call_forest, &spec, "forest_arrows.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "class=\"study\""), 4);
    assert_int_equal(count(svg, "class=\"box\""), 3); /* the estimate at 5 has no square */
    ax = read_axis(svg, 1);
    assert_abs(ax.left, axis_px(&ax, log(0.5)), 0.03);
    assert_abs(ax.right, axis_px(&ax, log(2)), 0.03);
    study_group(svg, 0, buf, sizeof buf);
    assert_int_equal(count(buf, "class=\"arrow\""), 0);
    study_group(svg, 1, buf, sizeof buf);
    assert_int_equal(count(buf, "class=\"arrow\""), 2);
    assert_abs(attr(strstr(buf, "<line class=\"ci\""), "x1"), ax.left, 0.011);
    assert_abs(attr(strstr(buf, "<line class=\"ci\""), "x2"), ax.right, 0.011);
    study_group(svg, 2, buf, sizeof buf);
    assert_int_equal(count(buf, "class=\"arrow\""), 1);
    assert_null(strstr(buf, "<line class=\"ci\"")); /* nothing of it inside the axis */
    /* the arrow's tip is at the right end */
    {
        double tip = strtod(strstr(strstr(buf, "class=\"arrow\""), "d=\"M") + 4, NULL);
        assert_abs(tip, ax.right, 0.011);
    }
    study_group(svg, 3, buf, sizeof buf);
    assert_int_equal(count(buf, "class=\"arrow\""), 1);
    {
        double tip = strtod(strstr(strstr(buf, "class=\"arrow\""), "d=\"M") + 4, NULL);
        assert_abs(tip, ax.left, 0.011);
    }
    /* the diamond (0.05 to 3) is cut at both ends, with two arrows */
    assert_int_equal(count(svg, "class=\"arrow\""), 2 + 1 + 1 + 2);
    assert_abs(read_diamond(svg, 0).left, ax.left, 0.011);
    assert_abs(read_diamond(svg, 0).right, ax.right, 0.011);
    assert_abs(read_diamond(svg, 0).centre, ax.left, 0.011); /* 0.3 < 0.5: clamped */
    /* printed numbers are not clamped */
    assert_int_equal(count(svg, ">5.00 (3.00\xE2\x80\x93" "8.00)<"), 1);
    free(svg);
}

/* ---- labels --------------------------------------------------------------- */

static void test_forest_long_and_special_labels(void **state)
{
    char longlab[400];
    mtp_forest_row rows[3];
    mtp_forest_group g;
    mtp_forest spec;
    char *svg, buf[600];
    int rc;
    (void)state;
    for (size_t i = 0; i < sizeof longlab - 1; i++)
        longlab[i] = (char)('a' + i % 26);
    longlab[sizeof longlab - 1] = '\0';
    rows[0] = row(longlab, 0.8, 0.5, 1.2, 40);
    rows[1] = row("Smith & Jones <2001> \"quoted\" 'single'", 1.1, 0.7, 1.6, 35);
    rows[2] = row("bad \x01 byte \xff and \xc3\xa9t\xc3\xa9", 0.9, 0.6, 1.3, 25);
    memset(&g, 0, sizeof g);
    g.rows = rows;
    g.nrows = 3;
    g.name = "Group <A> & \"B\"";
    assert_int_equal(mtp_forest_init(&spec, MTP_FOREST_VERSION), MTP_OK);
    spec.groups = &g;
    spec.ngroups = 1;
    spec.title = "Title with <tags> & ampersands";
    spec.favours_left = "x < 1";
    spec.favours_right = "x > 1";
    spec.label_width = 200;
    svg = capture(call_forest, &spec, "forest_labels.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    /* escaped */
    assert_int_equal(count(svg, ">Smith &amp; Jones &lt;2001&gt; &quot;quoted&quot; &apos;single&apos;<"),
                     1);
    assert_int_equal(count(svg, "<2001>"), 0);
    assert_int_equal(count(svg, ">Group &lt;A&gt; &amp; &quot;B&quot;<"), 1);
    assert_int_equal(count(svg, ">Title with &lt;tags&gt; &amp; ampersands<"), 1);
    assert_int_equal(count(svg, ">x &lt; 1<"), 1);
    assert_int_equal(count(svg, ">x &gt; 1<"), 1);
    /* control character and invalid byte replaced by U+FFFD; valid UTF-8 kept */
    assert_int_equal(count(svg, ">bad \xEF\xBF\xBD byte \xEF\xBF\xBD and \xc3\xa9t\xc3\xa9<"), 1);
    /* the long label is cut with an ellipsis; its full text is the tooltip */
    content(nth(svg, "<text class=\"label\"", 0), buf, sizeof buf);
    assert_true(strlen(buf) > 10);
    assert_true(strlen(buf) < 50);
    assert_string_equal(buf + strlen(buf) - 3, "\xE2\x80\xA6");
    assert_int_equal(strncmp(buf, longlab, strlen(buf) - 3), 0);
    {
        char want[420];
        snprintf(want, sizeof want, "<title>%s</title>", longlab);
        assert_int_equal(count(svg, want), 1);
    }
    /* the estimate column starts right of the cut label column */
    {
        const double xe = attr(nth(svg, "<text class=\"effect\"", 0), "x");
        assert_true(xe <= 12 + 200 + 16 + 1e-9);
    }
    free(svg);
}

/* ---- weights, not estimable, linear scale ---------------------------------- */

static void test_forest_weights_and_missing(void **state)
{
    mtp_forest_row rows[4];
    mtp_result res = result_at(1.0, 0.8, 1.25);
    mtp_forest_group g;
    mtp_forest spec;
    char *svg, buf[2048];
    int rc;
    double s0, s1, s2;
    (void)state;
    rows[0] = row("heavy", 1.0, 0.8, 1.25, 64);
    rows[1] = row("quarter of the area", 1.1, 0.7, 1.6, 16);
    rows[2] = row("tiny", 0.9, 0.3, 2.7, 0.0001);
    rows[3] = row("dropped", 1, 1, 1, NAN);
    rows[3].yi = NAN; /* not estimable */
    memset(&g, 0, sizeof g);
    g.rows = rows;
    g.nrows = 4;
    g.result = &res;
    assert_int_equal(mtp_forest_init(&spec, MTP_FOREST_VERSION), MTP_OK);
    spec.groups = &g;
    spec.ngroups = 1;
    svg = capture(call_forest, &spec, "forest_weights.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "class=\"study\""), 3);
    assert_int_equal(count(svg, ">Not estimable<"), 1);
    assert_int_equal(count(svg, ">dropped<"), 1);
    study_group(svg, 0, buf, sizeof buf);
    s0 = attr(strstr(buf, "<rect"), "width");
    study_group(svg, 1, buf, sizeof buf);
    s1 = attr(strstr(buf, "<rect"), "width");
    study_group(svg, 2, buf, sizeof buf);
    s2 = attr(strstr(buf, "<rect"), "width");
    assert_abs(s1, s0 / 2, 0.011); /* area ratio 16/64 */
    assert_true(s2 >= 4);          /* minimum size for tiny weights */
    assert_int_equal(count(svg, ">0.0<"), 1); /* weight 0.0001 printed as 0.0 */
    free(svg);
}

static void test_forest_linear_scale(void **state)
{
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(K_BCG, 1);
    mtp_result res;
    mtp_forest style;
    simple_arg a = {NULL, NULL, NULL, K_BCG, NULL, NULL};
    mtp_study st[K_BCG];
    char *svg, want[128];
    int rc;
    axis ax;
    (void)state;
    o.measure = MTP_MEASURE_RD;
    o.method = MTP_METHOD_DL;
    assert_int_equal(mtp_pool_2x2(&res, w, bcg, K_BCG, &o, NULL), MTP_OK);
    memcpy(st, mtp_workspace_studies(w), sizeof st);
    mtp_workspace_free(w);
    assert_int_equal(mtp_forest_init(&style, MTP_FOREST_VERSION), MTP_OK);
    style.measure = MTP_MEASURE_RD;
    style.digits = 3;
    a.studies = st;
    a.res = &res;
    a.style = &style;
    svg = capture(call_simple, &a, "forest_rd.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, ">RD (95% CI)<"), 1);
    assert_int_equal(count(svg, "class=\"count\""), 0); /* no tables given */
    ax = read_axis(svg, 0);
    assert_rel(ax.v1, -ax.v2, 1e-12); /* symmetric about 0 */
    assert_abs(attr(nth(svg, "<line class=\"null-line\"", 0), "x1"), axis_px(&ax, 0), 0.03);
    assert_abs(read_diamond(svg, 0).centre, axis_px(&ax, res.estimate), 0.03);
    snprintf(want, sizeof want, ">%.3f (%.3f to %.3f)<", res.estimate, res.ci_lower,
             res.ci_upper);
    assert_int_equal(count(svg, want), 1);
    free(svg);
}

/* ---- errors --------------------------------------------------------------- */

static void test_forest_eio(void **state)
{
    bcg_fit b;
    FILE *f = fopen("/dev/full", "w");
    mtp_error err;
    (void)state;
    assert_non_null(f);
    fit_bcg(&b);
    err_reset(&err);
    assert_error(mtp_plot_forest_studies(f, b.studies, NULL, bcg, K_BCG, &b.res, NULL, &err),
                 err, MTP_EIO, MTP_NO_STUDY, "write error");
    fclose(f);
}

static void test_forest_einval(void **state)
{
    mtp_forest_row rows[2];
    mtp_result res = result_at(1.0, 0.8, 1.25);
    mtp_forest_group g;
    mtp_forest spec, bad;
    mtp_error err;
    char *svg;
    int rc;
    (void)state;
    rows[0] = row("a", 1.0, 0.8, 1.25, 50);
    rows[1] = row("b", 1.1, 0.7, 1.6, 50);
    memset(&g, 0, sizeof g);
    g.rows = rows;
    g.nrows = 2;
    g.result = &res;
    assert_int_equal(mtp_forest_init(&spec, MTP_FOREST_VERSION), MTP_OK);
    spec.groups = &g;
    spec.ngroups = 1;

    err_reset(&err);
    assert_error(mtp_plot_forest(NULL, &spec, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_plot_forest(stdout, NULL, &err), err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    assert_int_equal(mtp_forest_init(NULL, MTP_FOREST_VERSION), MTP_EINVAL);
    assert_int_equal(mtp_forest_init(&bad, 99), MTP_EINVAL);
    assert_int_equal(mtp_forest_row_from_study(NULL, NULL, "x", NULL), MTP_EINVAL);

#define BAD(field_change, phrase)                                                            \
    do {                                                                                     \
        bad = spec;                                                                          \
        field_change;                                                                        \
        err_reset(&err);                                                                     \
        svg = capture(call_forest, &bad, NULL, &rc, &err);                                   \
        assert_error(rc, err, MTP_EINVAL, MTP_NO_STUDY, phrase);                             \
        assert_string_equal(svg, ""); /* nothing written */                                  \
        free(svg);                                                                           \
    } while (0)
    BAD(bad.version = 2, "version");
    BAD(bad.ngroups = 0, "without groups");
    BAD(bad.groups = NULL, "without groups");
    BAD(bad.level = 1, "level");
    BAD(bad.level = NAN, "level");
    BAD(bad.digits = 0, "digits");
    BAD(bad.digits = 7, "digits");
    BAD(bad.flags = 64, "flags");
    BAD(bad.plot_width = 50, "plot_width");
    BAD(bad.label_width = 10, "label_width");
    BAD(bad.measure = (mtp_measure)9, "measure");
    BAD(bad.scale = (mtp_plot_scale)7, "scale");
    BAD((bad.axis_min = 2, bad.axis_max = 1), "axis");
    BAD(bad.axis_min = 0, "axis");  /* not positive on a log axis */
    BAD(bad.axis_max = -1, "axis");
    BAD(bad.axis_min = INFINITY, "axis");
    {
        mtp_forest_group g2 = g;
        g2.rows = NULL;
        BAD(bad.groups = &g2, "rows is NULL");
    }
    BAD(bad.axis_min = 1e-16, "axis");
    BAD(bad.axis_max = 2e15, "axis");
    BAD(bad.axis_min = 3, "axis is empty"); /* above the automatic right end, 2... */
    BAD(bad.axis_max = 0.4, "axis is empty"); /* ...or below the left end, 0.5 */
    /* a linear axis may be negative */
    bad = spec;
    bad.scale = MTP_SCALE_LINEAR;
    bad.axis_min = -1;
    bad.axis_max = 1;
    svg = capture(call_forest, &bad, NULL, &rc, &err);
    assert_int_equal(rc, MTP_OK);
    free(svg);

    /* convenience function */
    err_reset(&err);
    assert_error(mtp_plot_forest_studies(stdout, NULL, NULL, NULL, 1, &res, NULL, &err), err,
                 MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    {
        mtp_study st = {0.1, 0.2, 100, 0};
        assert_error(mtp_plot_forest_studies(stdout, &st, NULL, NULL, 0, &res, NULL, &err), err,
                     MTP_EINVAL, MTP_NO_STUDY, "no studies");
        err_reset(&err);
        assert_error(mtp_plot_forest_studies(stdout, &st, NULL, NULL, 1, NULL, NULL, &err), err,
                     MTP_EINVAL, MTP_NO_STUDY, "NULL");
    }
#undef BAD
}

static void test_forest_edata(void **state)
{
    mtp_forest_row rows[3];
    mtp_result res = result_at(1.0, 0.8, 1.25);
    mtp_forest_group g[2];
    mtp_forest spec;
    mtp_error err;
    char *svg;
    int rc;
    (void)state;
    memset(g, 0, sizeof g);
    rows[0] = row("a", 1.0, 0.8, 1.25, 50);
    rows[1] = row("b", 1.1, 0.7, 1.6, 50);
    rows[2] = row("c", 1.1, 0.7, 1.6, 50);
    g[0].rows = rows;
    g[0].nrows = 1;
    g[1].rows = rows + 1;
    g[1].nrows = 2;
    g[1].result = &res;
    assert_int_equal(mtp_forest_init(&spec, MTP_FOREST_VERSION), MTP_OK);
    spec.groups = g;
    spec.ngroups = 2;

#define BADROW(change, study, phrase)                                                        \
    do {                                                                                     \
        mtp_forest_row keep = rows[study];                                                   \
        change;                                                                              \
        err_reset(&err);                                                                     \
        svg = capture(call_forest, &spec, NULL, &rc, &err);                                  \
        assert_error(rc, err, MTP_EDATA, study, phrase);                                     \
        assert_string_equal(svg, "");                                                        \
        free(svg);                                                                           \
        rows[study] = keep;                                                                  \
    } while (0)
    /* err.study counts rows over all groups: row 2 is the second of group 2 */
    BADROW(rows[2].yi = INFINITY, 2, "not finite");
    BADROW(rows[2].yi = log(2.0), 2, "outside its confidence interval");
    BADROW((rows[1].ci_lower = NAN, rows[1].vi = 0), 1, "variance");
    BADROW((rows[1].ci_upper = NAN, rows[1].vi = -1), 1, "variance");
    BADROW((rows[1].ci_upper = NAN, rows[1].vi = INFINITY), 1, "variance");
    BADROW(rows[0].weight = -1, 0, "weight");
    BADROW(rows[0].weight = INFINITY, 0, "weight");
    /* values that cannot be drawn or printed: ratios beyond 1e±15 */
    BADROW((rows[1].ci_lower = NAN, rows[1].vi = 1000), 1, "too extreme");
    BADROW((rows[2].yi = 40, rows[2].ci_upper = 41), 2, "too extreme");
#undef BADROW
    /* a CI from vi when the limits are missing: fine */
    rows[1].ci_lower = NAN;
    rows[1].vi = 0.04;
    svg = capture(call_forest, &spec, NULL, &rc, &err);
    assert_int_equal(rc, MTP_OK);
    free(svg);
    /* bad pooled result */
    res.estimate = NAN;
    err_reset(&err);
    svg = capture(call_forest, &spec, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "pooled estimate");
    free(svg);
    res.estimate = log(2.0); /* outside its CI */
    err_reset(&err);
    svg = capture(call_forest, &spec, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "pooled estimate");
    free(svg);
    res.estimate = 0;
    res.pi_lower = -50; /* a prediction interval beyond 1e-15 */
    res.pi_upper = 50;
    err_reset(&err);
    svg = capture(call_forest, &spec, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "too extreme");
    free(svg);
    res.pi_lower = res.pi_upper = NAN;
    {
        mtp_subgroup_diff d = {NAN, 1, 0.5};
        spec.subgroup_diff = &d;
        err_reset(&err);
        svg = capture(call_forest, &spec, NULL, &rc, &err);
        assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "subgroup test");
        free(svg);
    }
}

/* ---- funnel ---------------------------------------------------------------- */

static void test_funnel_bcg(void **state)
{
    mtp_options o = opts_default();
    mtp_workspace *w = mtp_workspace_alloc(K_BCG, 1);
    mtp_effect e[K_BCG];
    mtp_result res;
    funnel_arg a = {e, K_BCG, &res, NULL};
    char *svg, buf[64];
    int rc;
    double se_max = 0, ybot, ytop, xl, xr, xp;
    axis ax;
    (void)state;
    for (size_t i = 0; i < K_BCG; i++) {
        assert_int_equal(mtp_effect_from_2x2(&e[i], NULL, &bcg[i], &o, NULL), MTP_OK);
        se_max = fmax(se_max, sqrt(e[i].vi));
    }
    assert_int_equal(mtp_pool_2x2(&res, w, bcg, K_BCG, &o, NULL), MTP_OK);
    mtp_workspace_free(w);
    svg = capture(call_funnel, &a, "funnel_bcg.svg", &rc, NULL);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "<circle class=\"study\""), K_BCG);
    assert_int_equal(count(svg, "class=\"pooled\""), 1);
    assert_int_equal(count(svg, "class=\"funnel\""), 2);
    assert_int_equal(count(svg, ">Risk ratio (log scale)<"), 1);
    ax = read_axis(svg, 1);
    /* the SE axis: "0.0" at the top; read the last SE label for the bottom */
    {
        const char *pooled = nth(svg, "<line class=\"pooled\"", 0);
        const char *f1 = nth(svg, "<line class=\"funnel\"", 0);
        const char *f2 = nth(svg, "<line class=\"funnel\"", 1);
        xp = attr(pooled, "x1");
        ytop = attr(pooled, "y1");
        ybot = attr(pooled, "y2");
        xl = attr(f1, "x2");
        xr = attr(f2, "x2");
        assert_abs(xp, axis_px(&ax, res.estimate), 0.03);
        assert_abs(attr(f1, "x1"), xp, 0.011);
        assert_abs(attr(f1, "y1"), ytop, 0.011);
    }
    /* the bottom SE (a round value >= the largest SE) from the label there */
    {
        size_t n = count(svg, "<text class=\"se-label\"");
        double se_bottom = -1;
        assert_true(n >= 3);
        content(nth(svg, "<text class=\"se-label\"", 0), buf, sizeof buf);
        assert_string_equal(buf, "0.0");
        assert_abs(attr(nth(svg, "<text class=\"se-label\"", 0), "y") - 4, ytop, 0.011);
        for (size_t i = 0; i < n; i++) {
            const char *t = nth(svg, "<text class=\"se-label\"", i);
            if (fabs(attr(t, "y") - 4 - ybot) < 0.011) {
                content(t, buf, sizeof buf);
                se_bottom = strtod(buf, NULL);
            }
        }
        assert_true(se_bottom >= se_max);
        assert_true(se_bottom < 2 * se_max);
        assert_abs(xl, axis_px(&ax, res.estimate - 1.959963984540054 * se_bottom), 0.03);
        assert_abs(xr, axis_px(&ax, res.estimate + 1.959963984540054 * se_bottom), 0.03);
        for (size_t i = 0; i < K_BCG; i++) {
            const char *c = nth(svg, "<circle class=\"study\"", i);
            assert_abs(attr(c, "cx"), axis_px(&ax, e[i].yi), 0.03);
            assert_abs(attr(c, "cy"), ytop + sqrt(e[i].vi) / se_bottom * (ybot - ytop), 0.011);
        }
    }
    free(svg);
}

static void test_funnel_options_and_errors(void **state)
{
    mtp_effect e[3] = {{0.1, 0.04}, {NAN, NAN}, {-0.2, 0.09}};
    mtp_funnel fo;
    funnel_arg a = {e, 3, NULL, NULL};
    mtp_error err;
    char *svg;
    int rc;
    FILE *full;
    (void)state;
    /* no pooled result: points only; the dropped study is left out */
    svg = capture(call_funnel, &a, "funnel_points.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "<circle class=\"study\""), 2);
    assert_int_equal(count(svg, "class=\"funnel\""), 0);
    assert_int_equal(count(svg, ">Estimate<"), 1);
    free(svg);
    assert_int_equal(mtp_funnel_init(&fo, MTP_FUNNEL_VERSION), MTP_OK);
    fo.title = "A & B";
    fo.x_label = "log <HR>";
    a.opts = &fo;
    svg = capture(call_funnel, &a, "funnel_labels.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, ">A &amp; B<"), 1);
    assert_int_equal(count(svg, ">log &lt;HR&gt;<"), 1);
    free(svg);
    /* a title wider than the plot is cut with an ellipsis, the full text a tooltip */
    fo.title = "Funnel plot of a very long analysis title that cannot possibly fit above "
               "a funnel plot of the default width of three hundred and sixty pixels";
    svg = capture(call_funnel, &a, "funnel_long_title.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    {
        char buf[600], want[600];
        content(nth(svg, "<text class=\"title\"", 0), buf, sizeof buf);
        assert_true(strlen(buf) > 10 && strlen(buf) < strlen(fo.title));
        assert_string_equal(buf + strlen(buf) - 3, "\xE2\x80\xA6");
        snprintf(want, sizeof want, "<title>%s</title>", fo.title);
        assert_int_equal(count(svg, want), 1);
    }
    free(svg);

    assert_int_equal(mtp_funnel_init(NULL, MTP_FUNNEL_VERSION), MTP_EINVAL);
    assert_int_equal(mtp_funnel_init(&fo, 7), MTP_EINVAL);
    err_reset(&err);
    assert_error(mtp_plot_funnel(NULL, e, 3, NULL, NULL, &err), err, MTP_EINVAL, MTP_NO_STUDY,
                 "NULL");
    err_reset(&err);
    assert_error(mtp_plot_funnel(stdout, e, 0, NULL, NULL, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "k = 0");
#define BADOPT(change)                                                                        \
    do {                                                                                      \
        assert_int_equal(mtp_funnel_init(&fo, MTP_FUNNEL_VERSION), MTP_OK);                   \
        change;                                                                               \
        err_reset(&err);                                                                      \
        svg = capture(call_funnel, &a, NULL, &rc, &err);                                      \
        assert_error(rc, err, MTP_EINVAL, MTP_NO_STUDY, "funnel");                            \
        assert_string_equal(svg, "");                                                         \
        free(svg);                                                                            \
    } while (0)
    BADOPT(fo.version = 3);
    BADOPT(fo.level = 0);
    BADOPT(fo.width = 10);
    BADOPT(fo.height = NAN);
    BADOPT(fo.scale = (mtp_plot_scale)5);
#undef BADOPT
    a.opts = NULL;
    e[2].vi = 0;
    err_reset(&err);
    svg = capture(call_funnel, &a, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, 2, "variance");
    free(svg);
    e[2].vi = 0.09;
    e[0].yi = -INFINITY;
    err_reset(&err);
    svg = capture(call_funnel, &a, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, 0, "not finite");
    free(svg);
    e[0].yi = 1e16;
    err_reset(&err);
    svg = capture(call_funnel, &a, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, 0, "too extreme");
    free(svg);
    e[0].yi = NAN;
    e[2].yi = NAN;
    err_reset(&err);
    svg = capture(call_funnel, &a, NULL, &rc, &err);
    assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "no study");
    free(svg);
    e[0].yi = 0.1;
    {
        mtp_result r = result_at(1, 0.5, 2);
        r.estimate = NAN;
        a.pooled = &r;
        err_reset(&err);
        svg = capture(call_funnel, &a, NULL, &rc, &err);
        assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "pooled");
        free(svg);
        a.pooled = NULL;
    }
    full = fopen("/dev/full", "w");
    assert_non_null(full);
    err_reset(&err);
    assert_error(mtp_plot_funnel(full, e, 3, NULL, NULL, &err), err, MTP_EIO, MTP_NO_STUDY,
                 "write error");
    fclose(full);
}

/* ---- bubble plot ------------------------------------------------------------- */

/* dat.bcg's log risk ratios, their variances and the absolute latitude
 * (tests/data/mods/bcg_ablat/studies.csv), and the year of publication. */
static const double bcg_yi[] = {
    -0.88931133392020545, -1.5853886572014306,  -1.3480731482996933,  -1.4415511900213054,
    -0.21754732221129558, -0.78611558581886398, -1.6208982235983918,  0.011952333523840508,
    -0.4694176487381494,  -1.3713448034727844,  -0.33935882833839059, 0.44591340057137874,
    -0.017313948216879815};
static const double bcg_vi[] = {
    0.32558476500396133,  0.19458112139814385, 0.41536796536796539, 0.020010031902247573,
    0.051210172169630863, 0.0069056184559087574, 0.22301724757231517, 0.0039615792978177295,
    0.056434210463248966, 0.07302479361302891, 0.01241221397155972, 0.53250584520015276,
    0.071404659683986293};
static const double bcg_ablat[] = {44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33};
static const double bcg_year[] = {1948, 1949, 1960, 1977, 1973, 1953, 1973,
                                  1980, 1968, 1961, 1974, 1969, 1976};
static const char *const bcg_labels[] = {
    "Aronson 1948",        "Ferguson & Simes 1949", "Rosenthal 1960",   "Hart & Sutherland 1977",
    "Frimodt-Moller 1973", "Stein & Aronson 1953",  "Vandiviere 1973",  "TPT Madras 1980",
    "Coetzee & Berjak 1968", "Rosenthal 1961",      "Comstock 1974",    "Comstock & Webster 1969",
    "Comstock 1976"};
#define K_REG N_ELEMS(bcg_yi)
#define P_MAX 3

/* A meta-regression of the BCG trials on the intercept, ablat and (p = 3)
 * year, with everything mtp_plot_bubble reads. */
typedef struct reg_fit {
    double x[K_REG * P_MAX];
    unsigned char keep[K_REG];
    mtp_data d;
    mtp_model_options mo;
    mtp_summary s;
    mtp_coef coef[P_MAX];
    double vcov[P_MAX * P_MAX];
    double weight[K_REG];
} reg_fit;

static void fit_reg(reg_fit *r, size_t p, mtp_tau2_method tau2, const unsigned char *keep)
{
    mtp_workspace *w = mtp_workspace_alloc(K_REG, P_MAX);
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_model_options mo = MTP_MODEL_OPTIONS_INIT;
    mtp_error err;
    assert_non_null(w);
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < K_REG; i++) {
        r->x[i * p] = 1;
        r->x[i * p + 1] = bcg_ablat[i];
        if (p > 2)
            r->x[i * p + 2] = bcg_year[i];
        r->keep[i] = keep != NULL ? keep[i] : 1;
    }
    r->d.measure = MTP_MEASURE_RR;
    r->d.k = K_REG;
    r->d.yi = bcg_yi;
    r->d.vi = bcg_vi;
    r->d.x = r->x;
    r->d.p = p;
    r->d.keep = keep != NULL ? r->keep : NULL;
    mo.tau2 = tau2;
    r->mo = mo;
    out.summary = &r->s;
    out.coef = r->coef;
    out.vcov = r->vcov;
    out.weight = r->weight;
    if (mtp_fit(&out, w, &r->d, &r->mo, &err) != MTP_OK)
        fail_msg("fit: %s", err.message);
    mtp_workspace_free(w);
}

typedef struct bubble_arg {
    const reg_fit *r;
    size_t j;
    const char *const *labels;
    const mtp_bubble *opts;
} bubble_arg;

static int call_bubble(FILE *f, const void *arg, mtp_error *err)
{
    const bubble_arg *a = arg;
    return mtp_plot_bubble(f, &a->r->d, &a->r->s, a->r->coef, a->r->vcov, a->r->weight, a->j,
                           a->labels, a->opts, err);
}

/* The points "x,y x,y ..." of the polyline or polygon starting at el. */
static size_t read_points(const char *el, double *xy, size_t max)
{
    const char *p = strstr(el, "points=\""), *end;
    size_t n = 0;
    assert_non_null(p);
    p += 8;
    end = strchr(p, '"');
    while (p < end && n < max) {
        char *q;
        xy[2 * n] = strtod(p, &q);
        assert_true(*q == ',');
        xy[2 * n + 1] = strtod(q + 1, &q);
        n++;
        p = q;
        while (*p == ' ')
            p++;
    }
    return n;
}

/* The y axis as printed: y of its first and last tick and their labels. */
typedef struct yaxis {
    double y1, y2, v1, v2;
    int log;
} yaxis;

static yaxis read_yaxis(const char *svg, int log_scale)
{
    yaxis a;
    char buf[64];
    const size_t n = count(svg, "<line class=\"y-tick\"");
    assert_true(n >= 2);
    assert_int_equal(count(svg, "<text class=\"y-tick-label\""), n);
    a.y1 = attr(nth(svg, "<line class=\"y-tick\"", 0), "y1");
    a.y2 = attr(nth(svg, "<line class=\"y-tick\"", n - 1), "y1");
    content(nth(svg, "<text class=\"y-tick-label\"", 0), buf, sizeof buf);
    a.v1 = strtod(buf, NULL);
    content(nth(svg, "<text class=\"y-tick-label\"", n - 1), buf, sizeof buf);
    a.v2 = strtod(buf, NULL);
    a.log = log_scale;
    return a;
}

/* px of a value of the y axis (a ratio on a log axis: pass its log). */
static double yaxis_px(const yaxis *a, double v)
{
    const double g1 = a->log ? log(a->v1) : a->v1, g2 = a->log ? log(a->v2) : a->v2;
    return a->y1 + (v - g1) / (g2 - g1) * (a->y2 - a->y1);
}

/* The moderator value at px x by the printed x ticks. */
static double axis_value(const axis *a, double x)
{
    return a->v1 + (x - a->x1) / (a->x2 - a->x1) * (a->v2 - a->v1);
}

/* mtp_predict at moderator value x, the other columns at row (p of them). */
static mtp_prediction predict_at(const reg_fit *r, const double *row, size_t j, double x)
{
    mtp_prediction pr;
    double xn[P_MAX];
    mtp_error err;
    memcpy(xn, row, r->d.p * sizeof *xn);
    xn[j] = x;
    if (mtp_predict(&pr, &r->s, r->coef, r->vcov, xn, 1, &r->mo, &err) != MTP_OK)
        fail_msg("predict: %s", err.message);
    return pr;
}

/* The study index of circle u, from its tooltip. */
static size_t circle_study(const char *svg, size_t u)
{
    const char *c = nth(svg, "<circle class=\"study\"", u), *t = strstr(c, "<title>"), *e;
    assert_non_null(t);
    e = strstr(t, "</title>");
    assert_non_null(e);
    assert_true(e < strstr(c, "</circle>") + 1);
    t += 7;
    for (size_t i = 0; i < K_REG; i++) {
        char want[80];
        /* the tooltip is escaped: & is &amp; */
        const char *amp = strchr(bcg_labels[i], '&');
        if (amp != NULL)
            snprintf(want, sizeof want, "%.*s&amp;%s", (int)(amp - bcg_labels[i]), bcg_labels[i],
                     amp + 1);
        else
            snprintf(want, sizeof want, "%s", bcg_labels[i]);
        if ((size_t)(e - t) == strlen(want) && strncmp(t, want, strlen(want)) == 0)
            return i;
    }
    fail_msg("circle %zu: unknown tooltip", u);
    return 0;
}

/* The BCG trials on absolute latitude, REML (metafor: rma(yi, vi, mods =
 * ~ ablat); regplot(m, plim = c(NA, 3))). */
static void test_bubble_bcg(void **state)
{
    reg_fit r;
    bubble_arg a = {NULL, 1, bcg_labels, NULL};
    mtp_bubble bo;
    char *svg, buf[128];
    int rc;
    axis ax;
    yaxis ay;
    double xy[2 * 128], wmax = 0, rmax = 0, row[2] = {1, 0};
    size_t n, seen[K_REG] = {0};
    mtp_error err;
    (void)state;
    fit_reg(&r, 2, MTP_TAU2_REML, NULL);
    /* metafor 3.8.1 (tests/data/mods/bcg_ablat/expected.txt, case REML_z) */
    assert_rel(r.coef[0].estimate, 0.25146821000733899, 1e-6);
    assert_rel(r.coef[1].estimate, -0.02910172501164918, 1e-6);
    a.r = &r;
    assert_int_equal(mtp_bubble_init(&bo, MTP_BUBBLE_VERSION), MTP_OK);
    bo.title = "BCG vaccine: risk ratio by absolute latitude";
    bo.x_label = "Absolute latitude (degrees)";
    a.opts = &bo;
    svg = capture(call_bubble, &a, "bubble_bcg_default.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "<svg "), 1);
    assert_int_equal(count(svg, "<circle class=\"study\""), K_REG);
    assert_int_equal(count(svg, "class=\"fit\""), 1);
    assert_int_equal(count(svg, "class=\"ci-band\""), 1);
    assert_int_equal(count(svg, "class=\"ci-lower\""), 1);
    assert_int_equal(count(svg, "class=\"ci-upper\""), 1);
    assert_int_equal(count(svg, "class=\"pi-band\""), 0); /* off by default */
    assert_int_equal(count(svg, "class=\"null-line\""), 1);
    assert_int_equal(count(svg, ">Log risk ratio<"), 1); /* from the measure */
    assert_int_equal(count(svg, ">Absolute latitude (degrees)<"), 1);
    assert_int_equal(count(svg, ">BCG vaccine: risk ratio by absolute latitude<"), 1);

    ax = read_axis(svg, 0);
    ay = read_yaxis(svg, 0);
    /* the x axis: round ends at ticks around the latitudes 13..55 */
    assert_abs(ax.x1, ax.left, 0.011);
    assert_abs(ax.x2, ax.right, 0.011);
    assert_true(ax.v1 <= 13 && ax.v2 >= 55);
    assert_double_eq(ax.v1, 10);
    assert_double_eq(ax.v2, 60);

    /* markers: at (ablat, yi), heaviest first, area proportional to weight */
    for (size_t i = 0; i < K_REG; i++)
        wmax = fmax(wmax, r.weight[i]);
    for (size_t u = 0; u < K_REG; u++) {
        const char *c = nth(svg, "<circle class=\"study\"", u);
        const size_t i = circle_study(svg, u);
        seen[i]++;
        assert_abs(attr(c, "cx"), axis_px(&ax, bcg_ablat[i]), 0.03);
        assert_abs(attr(c, "cy"), yaxis_px(&ay, bcg_yi[i]), 0.03);
        if (u > 0)
            assert_true(r.weight[i] <= r.weight[circle_study(svg, u - 1)]);
        rmax = fmax(rmax, attr(c, "r"));
    }
    assert_abs(rmax, 14, 1e-9); /* mtp_bubble::radius_max */
    for (size_t u = 0; u < K_REG; u++) {
        const size_t i = circle_study(svg, u);
        const double rad = attr(nth(svg, "<circle class=\"study\"", u), "r");
        assert_int_equal(seen[i], 1);
        assert_rel(rad * rad / (rmax * rmax), r.weight[i] / wmax, 1e-3);
    }

    /* the fitted line: b0 + b1 x at both ends of the x axis */
    n = read_points(nth(svg, "<polyline class=\"fit\"", 0), xy, 128);
    assert_int_equal(n, 2);
    assert_abs(xy[0], ax.left, 0.011);
    assert_abs(xy[2], ax.right, 0.011);
    assert_abs(xy[1], yaxis_px(&ay, r.coef[0].estimate + r.coef[1].estimate * ax.v1), 0.05);
    assert_abs(xy[3], yaxis_px(&ay, r.coef[0].estimate + r.coef[1].estimate * ax.v2), 0.05);

    /* the CI band: mtp_predict's limits along the axis, 101 points */
    for (int upper = 0; upper <= 1; upper++) {
        n = read_points(nth(svg, upper ? "<polyline class=\"ci-upper\""
                                       : "<polyline class=\"ci-lower\"", 0),
                        xy, 128);
        assert_int_equal(n, 101);
        for (size_t t = 0; t < n; t += 7) {
            const double x = axis_value(&ax, xy[2 * t]);
            const mtp_prediction pr = predict_at(&r, row, 1, x);
            assert_abs(xy[2 * t + 1], yaxis_px(&ay, upper ? pr.ci_upper : pr.ci_lower), 0.05);
        }
        /* at latitudes 25 and 40 (points 30 and 60), metafor's predict() */
        assert_abs(axis_value(&ax, xy[60]), 25, 1e-3);
        assert_abs(axis_value(&ax, xy[120]), 40, 1e-3);
        assert_abs(xy[61], yaxis_px(&ay, upper ? -0.24921705085647322 : -0.70293277971130785),
                   0.05);
        assert_abs(xy[121], yaxis_px(&ay, upper ? -0.67040502840103744 : -1.1547965525162192),
                   0.05);
    }
    /* the band polygon: the upper limit left to right, the lower back */
    {
        double band[2 * 202], lower[2 * 101];
        n = read_points(nth(svg, "<polygon class=\"ci-band\"", 0), band, 202);
        assert_int_equal(n, 202);
        read_points(nth(svg, "<polyline class=\"ci-lower\"", 0), lower, 101);
        assert_double_eq(band[2 * 201], lower[0]);
        assert_double_eq(band[2 * 201 + 1], lower[1]);
    }
    /* the reference line at log RR 0 */
    assert_abs(attr(nth(svg, "<line class=\"null-line\"", 0), "y1"), yaxis_px(&ay, 0), 0.03);
    /* the y axis holds every estimate */
    assert_true(ay.v1 <= -1.6209 && ay.v2 >= 0.4459);
    content(nth(svg, "<text class=\"y-tick-label\"", 0), buf, sizeof buf);
    assert_string_equal(buf, "-2.0");
    free(svg);

    /* deterministic: the same bytes again */
    {
        char *again = capture(call_bubble, &a, NULL, &rc, &err);
        svg = capture(call_bubble, &a, NULL, &rc, &err);
        assert_string_equal(svg, again);
        free(again);
        free(svg);
    }
}

/* Prediction band, the two ratio scales, a fixed-effect fit, the keep mask,
 * a third column held at its mean or at a given value. */
static void test_bubble_options(void **state)
{
    reg_fit r;
    bubble_arg a = {NULL, 1, NULL, NULL};
    mtp_bubble bo;
    char *svg;
    int rc;
    axis ax;
    yaxis ay;
    double xy[2 * 128], row[3] = {1, 0, 0};
    size_t n;
    mtp_error err;
    (void)state;
    fit_reg(&r, 2, MTP_TAU2_REML, NULL);
    a.r = &r;
    assert_int_equal(mtp_bubble_init(&bo, MTP_BUBBLE_VERSION), MTP_OK);
    a.opts = &bo;

    /* prediction band, on a log axis labelled with ratios */
    bo.flags = MTP_BUBBLE_CI | MTP_BUBBLE_PI | MTP_BUBBLE_NULL_LINE;
    bo.y_scale = MTP_BUBBLE_Y_RATIO_LOG;
    svg = capture(call_bubble, &a, "bubble_bcg_ratio_log.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, ">Risk ratio (log scale)<"), 1);
    assert_int_equal(count(svg, ">Moderator<"), 1); /* no x_label */
    assert_int_equal(count(svg, "<title>"), 0);     /* no labels: no tooltips */
    assert_int_equal(count(svg, "class=\"pi-band\""), 1);
    ax = read_axis(svg, 0);
    ay = read_yaxis(svg, 1);
    n = read_points(nth(svg, "<polyline class=\"fit\"", 0), xy, 128);
    assert_int_equal(n, 2);
    assert_abs(xy[1], yaxis_px(&ay, r.coef[0].estimate + r.coef[1].estimate * ax.v1), 0.05);
    assert_abs(xy[3], yaxis_px(&ay, r.coef[0].estimate + r.coef[1].estimate * ax.v2), 0.05);
    n = read_points(nth(svg, "<polyline class=\"pi-upper\"", 0), xy, 128);
    assert_int_equal(n, 101);
    for (size_t t = 0; t < n; t += 10) {
        const mtp_prediction pr = predict_at(&r, row, 1, axis_value(&ax, xy[2 * t]));
        assert_abs(xy[2 * t + 1], yaxis_px(&ay, pr.pi_upper), 0.05);
    }
    assert_abs(attr(nth(svg, "<line class=\"null-line\"", 0), "y1"), yaxis_px(&ay, 0), 0.03);
    free(svg);

    /* exponentiated values on a linear axis: the line is the curve exp(x'b) */
    bo.y_scale = MTP_BUBBLE_Y_RATIO;
    bo.flags = MTP_BUBBLE_CI;
    svg = capture(call_bubble, &a, "bubble_bcg_ratio.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, ">Risk ratio<"), 1);
    assert_int_equal(count(svg, "class=\"null-line\""), 0);
    assert_int_equal(count(svg, "class=\"pi-band\""), 0);
    ax = read_axis(svg, 0);
    ay = read_yaxis(svg, 0);
    n = read_points(nth(svg, "<polyline class=\"fit\"", 0), xy, 128);
    assert_int_equal(n, 101);
    for (size_t t = 0; t < n; t += 5) {
        const double x = axis_value(&ax, xy[2 * t]);
        assert_abs(xy[2 * t + 1],
                   yaxis_px(&ay, exp(r.coef[0].estimate + r.coef[1].estimate * x)), 0.05);
    }
    { /* markers at (ablat, exp(yi)), heaviest first (no weights tie here) */
        size_t order[K_REG];
        for (size_t i = 0; i < K_REG; i++)
            order[i] = i;
        for (size_t i = 1; i < K_REG; i++)
            for (size_t l = i; l > 0 && r.weight[order[l]] > r.weight[order[l - 1]]; l--) {
                const size_t tmp = order[l];
                order[l] = order[l - 1];
                order[l - 1] = tmp;
            }
        for (size_t u = 0; u < K_REG; u++) {
            const char *c = nth(svg, "<circle class=\"study\"", u);
            assert_abs(attr(c, "cx"), axis_px(&ax, bcg_ablat[order[u]]), 0.03);
            assert_abs(attr(c, "cy"), yaxis_px(&ay, exp(bcg_yi[order[u]])), 0.03);
        }
    }
    free(svg);

    /* titles: escaped; cut to fit with the full text as the tooltip */
    bo.title = "Meta-regression of the BCG vaccine trials on absolute latitude, with a title "
               "far too long for the width of the plot";
    bo.x_label = "Latitude <\xC2\xB0>";
    bo.y_label = "ln(RR) & more";
    svg = capture(call_bubble, &a, "bubble_bcg_titles.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    {
        char buf[600], want[600];
        content(nth(svg, "<text class=\"title\"", 0), buf, sizeof buf);
        assert_true(strlen(buf) > 10 && strlen(buf) < strlen(bo.title));
        assert_string_equal(buf + strlen(buf) - 3, "\xE2\x80\xA6");
        snprintf(want, sizeof want, "<title>%s</title>", bo.title);
        assert_int_equal(count(svg, want), 1);
    }
    assert_int_equal(count(svg, ">Latitude &lt;\xC2\xB0&gt;<"), 1);
    assert_int_equal(count(svg, ">ln(RR) &amp; more<"), 1);
    free(svg);
    bo.title = bo.x_label = bo.y_label = NULL;

    /* a fixed-effect fit has no prediction band, even when asked */
    fit_reg(&r, 2, MTP_TAU2_FE, NULL);
    bo.y_scale = MTP_BUBBLE_Y_ANALYSIS;
    bo.flags = MTP_BUBBLE_DEFAULT | MTP_BUBBLE_PI;
    svg = capture(call_bubble, &a, "bubble_bcg_fe.svg", &rc, &err);
    assert_int_equal(rc, MTP_OK);
    assert_int_equal(count(svg, "class=\"pi-band\""), 0);
    assert_int_equal(count(svg, "class=\"ci-band\""), 1);
    free(svg);

    /* the keep mask: a study left out is not drawn (and may hold NaN) */
    {
        unsigned char keep[K_REG];
        double yi[K_REG];
        memset(keep, 1, sizeof keep);
        keep[3] = 0;
        fit_reg(&r, 2, MTP_TAU2_REML, keep);
        memcpy(yi, bcg_yi, sizeof yi);
        yi[3] = NAN;
        r.d.yi = yi;
        r.x[3 * 2 + 1] = NAN;
        r.weight[3] = NAN;
        bo.flags = 0;
        svg = capture(call_bubble, &a, "bubble_bcg_keep.svg", &rc, &err);
        assert_int_equal(rc, MTP_OK);
        assert_int_equal(count(svg, "<circle class=\"study\""), K_REG - 1);
        assert_int_equal(count(svg, "class=\"ci-band\""), 0);
        assert_int_equal(count(svg, "class=\"null-line\""), 0);
        free(svg);
    }

    /* a third column (year): held at its mean, or at a given value */
    fit_reg(&r, 3, MTP_TAU2_REML, NULL);
    bo.flags = MTP_BUBBLE_DEFAULT;
    {
        double mean = 0, at[3] = {5, 0, 1950}; /* at[0] (intercept) and at[j] are ignored */
        for (size_t i = 0; i < K_REG; i++)
            mean += bcg_year[i] / (double)K_REG;
        for (int given = 0; given <= 1; given++) {
            const double year = given ? 1950 : mean;
            bo.at = given ? at : NULL;
            svg = capture(call_bubble, &a, given ? "bubble_bcg_year_at.svg" : NULL, &rc, &err);
            assert_int_equal(rc, MTP_OK);
            ax = read_axis(svg, 0);
            ay = read_yaxis(svg, 0);
            n = read_points(nth(svg, "<polyline class=\"fit\"", 0), xy, 128);
            assert_int_equal(n, 2);
            for (size_t e = 0; e < 2; e++)
                assert_abs(xy[2 * e + 1],
                           yaxis_px(&ay, r.coef[0].estimate +
                                             r.coef[1].estimate * (e ? ax.v2 : ax.v1) +
                                             r.coef[2].estimate * year),
                           0.05);
            row[2] = year;
            n = read_points(nth(svg, "<polyline class=\"ci-lower\"", 0), xy, 128);
            for (size_t t = 0; t < n; t += 20) {
                const mtp_prediction pr = predict_at(&r, row, 1, axis_value(&ax, xy[2 * t]));
                assert_abs(xy[2 * t + 1], yaxis_px(&ay, pr.ci_lower), 0.05);
            }
            free(svg);
        }
        /* year on the x axis, ablat at its mean */
        bo.at = NULL;
        a.j = 2;
        svg = capture(call_bubble, &a, NULL, &rc, &err);
        assert_int_equal(rc, MTP_OK);
        ax = read_axis(svg, 0);
        assert_true(ax.v1 <= 1948 && ax.v2 >= 1980);
        free(svg);
    }
}

static void test_bubble_errors(void **state)
{
    reg_fit r, good;
    bubble_arg a = {NULL, 1, NULL, NULL};
    mtp_bubble bo;
    mtp_error err;
    char *svg;
    int rc;
    FILE *full;
    (void)state;
    fit_reg(&good, 2, MTP_TAU2_REML, NULL);
    a.r = &r;
    assert_int_equal(mtp_bubble_init(NULL, MTP_BUBBLE_VERSION), MTP_EINVAL);
    assert_int_equal(mtp_bubble_init(&bo, 2), MTP_EINVAL);
    err_reset(&err);
    assert_error(mtp_plot_bubble(NULL, &good.d, &good.s, good.coef, good.vcov, good.weight, 1,
                                 NULL, NULL, &err),
                 err, MTP_EINVAL, MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_plot_bubble(stdout, &good.d, &good.s, good.coef, good.vcov, NULL, 1, NULL,
                                 NULL, &err),
                 err, MTP_EINVAL, MTP_NO_STUDY, "weights");
    /* Run with r a copy of the good fit changed by `change`; nothing written. */
#define BAD(change, code, study, col, phrase)                                                 \
    do {                                                                                      \
        r = good;                                                                             \
        r.d.x = r.x;                                                                          \
        a.j = 1;                                                                              \
        a.opts = NULL;                                                                        \
        assert_int_equal(mtp_bubble_init(&bo, MTP_BUBBLE_VERSION), MTP_OK);                   \
        change;                                                                               \
        err_reset(&err);                                                                      \
        svg = capture(call_bubble, &a, NULL, &rc, &err);                                      \
        assert_error(rc, err, code, study, phrase);                                           \
        assert_int_equal(err.column, (size_t)(col));                                          \
        assert_string_equal(svg, "");                                                         \
        free(svg);                                                                            \
    } while (0)
    /* options */
    BAD((bo.version = 9, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "version");
    BAD((bo.width = 50, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "out of range");
    BAD((bo.height = NAN, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "out of range");
    BAD((bo.radius_max = 1, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "radius");
    BAD((bo.flags = 8, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "flags");
    BAD((bo.y_scale = (mtp_bubble_y)3, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX,
        "y_scale");
    BAD((bo.y_scale = MTP_BUBBLE_Y_RATIO, a.opts = &bo, r.d.measure = MTP_MEASURE_RD,
         r.s.measure = MTP_MEASURE_RD),
        MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "ratio measure");
    {
        mtp_model_options mo = MTP_MODEL_OPTIONS_INIT;
        mo.version = 99;
        BAD((bo.model = &mo, a.opts = &bo), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "");
    }
    /* the data view and the column */
    BAD(r.d.x = NULL, MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "intercept-only");
    BAD(a.j = 2, MTP_EINVAL, MTP_NO_STUDY, 2, "not a column");
    BAD(a.j = 0, MTP_EINVAL, MTP_NO_STUDY, 0, "intercept");
    BAD(r.d.measure = (mtp_measure)42, MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "measure");
    /* the fit must describe the data */
    BAD(r.s.k = 12, MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "does not describe");
    BAD(r.s.measure = MTP_MEASURE_OR, MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "does not describe");
    BAD(r.s.level = 1, MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "level");
    BAD((r.keep[4] = 0, r.d.keep = r.keep), MTP_EINVAL, MTP_NO_STUDY, MTP_NO_INDEX, "k_used");
    /* too few studies: k_used < 2, or no more than p */
    {
        unsigned char one[K_REG] = {0};
        one[5] = 1;
        BAD((memcpy(r.keep, one, sizeof one), r.d.keep = r.keep, r.s.k_used = 1), MTP_ETOOFEW,
            MTP_NO_STUDY, MTP_NO_INDEX, "at least 2");
        one[6] = 1;
        BAD((memcpy(r.keep, one, sizeof one), r.d.keep = r.keep, r.s.k_used = 2), MTP_ETOOFEW,
            MTP_NO_STUDY, MTP_NO_INDEX, "more kept studies than");
    }
    /* studies */
    {
        double yi[K_REG];
        memcpy(yi, bcg_yi, sizeof yi);
        yi[7] = INFINITY;
        BAD(r.d.yi = yi, MTP_EDATA, 7, MTP_NO_INDEX, "not finite");
        yi[7] = NAN;
        BAD(r.d.yi = yi, MTP_EDATA, 7, MTP_NO_INDEX, "not finite");
        yi[7] = 40; /* fine as a log RR on the analysis scale, not as a ratio */
        BAD((r.d.yi = yi, bo.y_scale = MTP_BUBBLE_Y_RATIO_LOG, a.opts = &bo), MTP_EDATA, 7,
            MTP_NO_INDEX, "too extreme");
    }
    BAD(r.x[9 * 2 + 1] = NAN, MTP_EDATA, 9, 1, "moderator value is not finite");
    BAD(r.x[9 * 2] = INFINITY, MTP_EDATA, 9, 0, "moderator value is not finite");
    BAD(r.x[9 * 2 + 1] = 1e300, MTP_EDATA, 9, 1, "too extreme");
    BAD(r.weight[2] = -1, MTP_EDATA, 2, MTP_NO_INDEX, "weight");
    BAD(r.weight[2] = NAN, MTP_EDATA, 2, MTP_NO_INDEX, "weight");
    BAD(memset(r.weight, 0, sizeof r.weight), MTP_EDATA, MTP_NO_STUDY, MTP_NO_INDEX, "weight 0");
    BAD(for (size_t i = 0; i < K_REG; i++) r.x[2 * i + 1] = 33, MTP_EDATA, MTP_NO_STUDY, 1,
        "constant");
    /* coefficients, covariances, tau², at */
    BAD(r.coef[1].estimate = NAN, MTP_EDATA, MTP_NO_STUDY, 1, "coefficient");
    BAD(r.vcov[1] = INFINITY, MTP_EDATA, MTP_NO_STUDY, 0, "covariance");
    BAD(r.s.tau2 = -1, MTP_EDATA, MTP_NO_STUDY, MTP_NO_INDEX, "tau2");
    {
        reg_fit r3;
        double at[3] = {1, 0, NAN};
        fit_reg(&r3, 3, MTP_TAU2_REML, NULL);
        r = r3;
        r.d.x = r.x;
        a.j = 1;
        bo.at = at;
        a.opts = &bo;
        err_reset(&err);
        svg = capture(call_bubble, &a, NULL, &rc, &err);
        assert_error(rc, err, MTP_EDATA, MTP_NO_STUDY, "at");
        assert_int_equal(err.column, 2);
        assert_string_equal(svg, "");
        free(svg);
        at[2] = 1960;
        at[1] = NAN; /* column j: ignored */
        at[0] = NAN; /* the intercept: ignored */
        svg = capture(call_bubble, &a, NULL, &rc, &err);
        assert_int_equal(rc, MTP_OK);
        free(svg);
    }
    /* a band that leaves the drawable range */
    BAD((r.vcov[3] = 1e30, bo.y_scale = MTP_BUBBLE_Y_RATIO_LOG, a.opts = &bo), MTP_EDATA,
        MTP_NO_STUDY, MTP_NO_INDEX, "too extreme");
#undef BAD
    /* write errors */
    full = fopen("/dev/full", "w");
    assert_non_null(full);
    err_reset(&err);
    assert_error(mtp_plot_bubble(full, &good.d, &good.s, good.coef, good.vcov, good.weight, 1,
                                 bcg_labels, NULL, &err),
                 err, MTP_EIO, MTP_NO_STUDY, "write error");
    fclose(full);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forest_bcg),
        cmocka_unit_test(test_forest_deterministic),
        cmocka_unit_test(test_forest_subgroups),
        cmocka_unit_test(test_forest_k1),
        cmocka_unit_test(test_forest_arrows),
        cmocka_unit_test(test_forest_long_and_special_labels),
        cmocka_unit_test(test_forest_weights_and_missing),
        cmocka_unit_test(test_forest_linear_scale),
        cmocka_unit_test(test_forest_eio),
        cmocka_unit_test(test_forest_einval),
        cmocka_unit_test(test_forest_edata),
        cmocka_unit_test(test_funnel_bcg),
        cmocka_unit_test(test_funnel_options_and_errors),
        cmocka_unit_test(test_bubble_bcg),
        cmocka_unit_test(test_bubble_options),
        cmocka_unit_test(test_bubble_errors),
    };
    out_dir = argc > 1 ? argv[1] : NULL;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
