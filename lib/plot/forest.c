/* Forest plot as SVG: one row per study (label, events/total per arm,
 * estimate with CI, a square of area proportional to the weight with its CI
 * whisker, weight %), a diamond per pooled estimate with its prediction
 * interval and heterogeneity line, blocks for subgroups, the overall
 * estimate and the test for subgroup differences. Layout after the figures
 * of JAMA and Cochrane RevMan 5 (Higgins et al., Cochrane Handbook, ch. 10). */
#include "plot/svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Geometry, in px. */
#define MARGIN 12.0
#define FONT 12.0      /* body text */
#define FONT_SMALL 11.0/* heterogeneity lines, axis labels */
#define FONT_TITLE 14.0
#define ROW_H 20.0     /* a study or pooled row */
#define LINE_H 16.0    /* a heterogeneity or test line */
#define GAP 16.0       /* between columns */
#define BOX_MAX 16.0   /* side of the square of the heaviest study */
#define BOX_MIN 4.0    /* smallest square, for tiny weights */
#define BOX_NOWEIGHT 8.0
#define DIAMOND_H 12.0
#define ARROW 6.0      /* length of the arrow heads at the axis ends */
#define BLOCK_GAP 8.0  /* between blocks */

#define COLOR_MARK "#2b5a8c"
#define COLOR_DIAMOND "#1b365d"

#define TEXT_MAX 512   /* longest printed text (labels are cut to fit) */

typedef struct layout {
    const mtp_forest *spec;
    mtp__svg svg;
    int draw;           /* 0: measure and walk only; 1: write */
    int log;            /* ratio axis */
    int digits;
    unsigned int flags;
    int counts;         /* count columns shown */
    int weights;        /* weight column shown */
    int many;           /* several blocks or an overall result */
    double z;           /* normal quantile of rows' CIs */
    double wmax;        /* largest row weight */
    /* columns: x of the label column, right edges of the count columns,
     * left edge of the estimate column, the graph, right edge of weights */
    double x_label, w_label, x_trt, x_ctl, w_count, x_eff, x_plot, w_plot, x_weight, width;
    double left_block;  /* width from x_label to the graph */
    double y, y_first, y_axis, height;
    mtp__axis ax;
} layout;

/* ---- small formatting helpers --------------------------------------------- */

/* A count: integer when whole, else one decimal. */
static char *fmt_count(char *buf, size_t n, double x)
{
    return mtp__fmt(buf, n, x, x == floor(x) ? 0 : 1);
}

static void fmt_arm(char *buf, size_t n, double events, double total)
{
    char e[40], t[40];
    snprintf(buf, n, "%s/%s", fmt_count(e, sizeof e, events), fmt_count(t, sizeof t, total));
}

/* Printed value of an analysis-scale number. */
static double shown(const layout *L, double x) { return L->log ? exp(x) : x; }

/* "0.65 (0.50–0.86)" on ratio scales, "-0.10 (-0.20 to 0.01)" otherwise. */
static void fmt_effect(const layout *L, char *buf, size_t n, double est, double lo, double hi)
{
    char a[40], b[40], c[40];
    mtp__fmt(a, sizeof a, shown(L, est), L->digits);
    mtp__fmt(b, sizeof b, shown(L, lo), L->digits);
    mtp__fmt(c, sizeof c, shown(L, hi), L->digits);
    snprintf(buf, n, L->log ? "%s (%s\xE2\x80\x93%s)" : "%s (%s to %s)", a, b, c);
}

static void fmt_interval(const layout *L, char *buf, size_t n, double lo, double hi)
{
    char b[40], c[40];
    mtp__fmt(b, sizeof b, shown(L, lo), L->digits);
    mtp__fmt(c, sizeof c, shown(L, hi), L->digits);
    snprintf(buf, n, L->log ? "(%s\xE2\x80\x93%s)" : "(%s to %s)", b, c);
}

/* tau² with two significant digits below 0.1, else two decimals. */
static char *fmt_tau2(char *buf, size_t n, double tau2)
{
    int d = 2;
    if (tau2 > 0 && tau2 < 0.1)
        d = (int)fmin(8, 1 - floor(log10(tau2)));
    return mtp__fmt(buf, n, tau2, tau2 == 0 ? 0 : d);
}

static char *fmt_df(char *buf, size_t n, double df)
{
    return mtp__fmt(buf, n, df, df == floor(df) ? 0 : 2);
}

/* "Heterogeneity: Tau² = 0.0082; Chi² = 10.35, df = 3 (P = 0.02); I² = 71%"
 * (RevMan 5's wording). */
static void fmt_het(char *buf, size_t n, const mtp_result *r)
{
    char t[40], q[40], df[40], p[40], i2[40];
    if (!(r->q_df >= 1) || !isfinite(r->q)) {
        snprintf(buf, n, "Heterogeneity: not applicable");
        return;
    }
    fmt_tau2(t, sizeof t, r->tau2);
    mtp__fmt(q, sizeof q, r->q, 2);
    fmt_df(df, sizeof df, r->q_df);
    mtp__fmt_p(p, sizeof p, r->q_p);
    if (isfinite(r->i2))
        mtp__fmt(i2, sizeof i2, r->i2, 0);
    else
        snprintf(i2, sizeof i2, "NA");
    if (mtp_method_is_random(r->method))
        snprintf(buf, n, "Heterogeneity: Tau\xC2\xB2 = %s; Chi\xC2\xB2 = %s, df = %s (%s); I\xC2\xB2 = %s%%",
                 t, q, df, p, i2);
    else
        snprintf(buf, n, "Heterogeneity: Chi\xC2\xB2 = %s, df = %s (%s); I\xC2\xB2 = %s%%", q, df, p,
                 i2);
}

/* "Test for overall effect: Z = 2.93 (P = 0.003)", or t with its df. */
static void fmt_test(char *buf, size_t n, const mtp_result *r)
{
    char s[40], p[40], df[40];
    mtp__fmt(s, sizeof s, fabs(r->stat), 2);
    mtp__fmt_p(p, sizeof p, r->p);
    if (isfinite(r->df))
        snprintf(buf, n, "Test for overall effect: t = %s, df = %s (%s)", s,
                 fmt_df(df, sizeof df, r->df), p);
    else
        snprintf(buf, n, "Test for overall effect: Z = %s (%s)", s, p);
}

/* "Test for subgroup differences: Chi² = 1.23, df = 2 (P = 0.54); I² = 0%",
 * I² = max(0, (Q - df)/Q) (Borenstein et al. 2009, ch. 19; RevMan 5). */
static void fmt_subgroup(char *buf, size_t n, const mtp_subgroup_diff *d)
{
    char q[40], df[40], p[40], i2[40];
    double i2v = d->q > 0 ? 100 * fmax(0, (d->q - d->df) / d->q) : 0;
    snprintf(buf, n, "Test for subgroup differences: Chi\xC2\xB2 = %s, df = %s (%s); I\xC2\xB2 = %s%%",
             mtp__fmt(q, sizeof q, d->q, 2), fmt_df(df, sizeof df, d->df),
             mtp__fmt_p(p, sizeof p, d->p), mtp__fmt(i2, sizeof i2, i2v, 0));
}

/* ---- validation ------------------------------------------------------------ */

static void row_ci(const layout *L, const mtp_forest_row *r, double *lo, double *hi)
{
    if (isfinite(r->ci_lower) && isfinite(r->ci_upper)) {
        *lo = r->ci_lower;
        *hi = r->ci_upper;
    } else {
        *lo = r->yi - L->z * sqrt(r->vi);
        *hi = r->yi + L->z * sqrt(r->vi);
    }
}

/* Largest magnitude of a value that can be drawn and printed: 1e15 on a
 * linear scale, ratios from 1e-15 to 1e15 on a log scale. */
static double value_limit(int log_scale) { return log_scale ? 15 * log(10) : 1e15; }

static int check_row(const mtp_forest_row *r, size_t index, double limit, double z,
                     mtp_error *err)
{
    double lo, hi;
    if (isnan(r->yi))
        return MTP_OK; /* not estimable */
    if (!isfinite(r->yi))
        return mtp__fail(err, MTP_EDATA, index, "estimate is not finite");
    if (isfinite(r->ci_lower) && isfinite(r->ci_upper)) {
        if (!(r->ci_lower <= r->yi && r->yi <= r->ci_upper))
            return mtp__fail(err, MTP_EDATA, index,
                             "estimate outside its confidence interval");
        lo = r->ci_lower;
        hi = r->ci_upper;
    } else if (!(isfinite(r->vi) && r->vi > 0)) {
        return mtp__fail(err, MTP_EDATA, index,
                         "needs a positive finite variance or finite CI limits");
    } else {
        lo = r->yi - z * sqrt(r->vi);
        hi = r->yi + z * sqrt(r->vi);
    }
    if (!(fabs(lo) <= limit && fabs(hi) <= limit))
        return mtp__fail(err, MTP_EDATA, index, "estimate or CI too extreme to draw");
    if (!isnan(r->weight) && !(r->weight >= 0 && isfinite(r->weight)))
        return mtp__fail(err, MTP_EDATA, index, "weight must be >= 0 and finite");
    return MTP_OK;
}

static int check_result(const mtp_result *r, const char *what, double limit, mtp_error *err)
{
    if (!isfinite(r->estimate) || !isfinite(r->ci_lower) || !isfinite(r->ci_upper) ||
        r->ci_lower > r->estimate || r->estimate > r->ci_upper)
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                         "%s: pooled estimate and CI must be finite and ordered", what);
    if (!(fabs(r->ci_lower) <= limit && fabs(r->ci_upper) <= limit) ||
        (isfinite(r->pi_lower) && !(fabs(r->pi_lower) <= limit)) ||
        (isfinite(r->pi_upper) && !(fabs(r->pi_upper) <= limit)))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "%s: CI or prediction interval too extreme to draw",
                         what);
    return MTP_OK;
}

static int scale_is_log(mtp_plot_scale scale, mtp_measure measure);

static int check_spec(const mtp_forest *s, mtp_error *err)
{
    size_t g, i, index = 0;
    double limit, z;
    int rc;
    if (s->version != MTP_FOREST_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown mtp_forest version %u",
                         s->version);
    if (s->ngroups == 0 || s->groups == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "forest plot without groups");
    if ((unsigned int)s->measure > MTP_MEASURE_GENERIC || (unsigned int)s->scale > MTP_SCALE_LOG)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown measure or scale");
    if (!(s->level > 0 && s->level < 1))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "level must be in (0, 1)");
    if (s->digits < 1 || s->digits > 6)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "digits must be in 1..6");
    if ((s->flags & ~(unsigned int)MTP_FOREST_DEFAULT) != 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown forest flags 0x%x", s->flags);
    if (!(s->plot_width >= 100 && s->plot_width <= 10000) ||
        !(s->label_width >= 60 && s->label_width <= 10000))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "plot_width must be in [100, 10000] and label_width in [60, 10000]");
    limit = value_limit(scale_is_log(s->scale, s->measure));
    z = mtp__quantile(NULL, MTP__Q_NORMAL_UPPER, (1 - s->level) / 2, NAN);
    for (g = 0; g < s->ngroups; g++) {
        const mtp_forest_group *grp = &s->groups[g];
        if (grp->nrows > 0 && grp->rows == NULL)
            return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "group %zu: rows is NULL", g + 1);
        for (i = 0; i < grp->nrows; i++, index++)
            if ((rc = check_row(&grp->rows[i], index, limit, z, err)) != MTP_OK)
                return rc;
        if (grp->result != NULL &&
            (rc = check_result(grp->result, "group result", limit, err)) != MTP_OK)
            return rc;
    }
    if (s->overall != NULL &&
        (rc = check_result(s->overall, "overall result", limit, err)) != MTP_OK)
        return rc;
    if (s->subgroup_diff != NULL &&
        !(isfinite(s->subgroup_diff->q) && isfinite(s->subgroup_diff->df)))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "subgroup test: Q and df must be finite");
    return MTP_OK;
}

/* ---- the axis -------------------------------------------------------------- */

typedef struct range {
    double lo, hi;
} range;

static void widen(range *r, double x)
{
    if (isfinite(x)) {
        r->lo = fmin(r->lo, x);
        r->hi = fmax(r->hi, x);
    }
}

static void widen_result(range *hard, range *soft, const mtp_result *r, int pi)
{
    widen(hard, r->ci_lower);
    widen(hard, r->ci_upper);
    if (pi) {
        widen(soft, r->pi_lower);
        widen(soft, r->pi_upper);
    }
}

/* Automatic axis: symmetric about the line of no effect, it holds every
 * study estimate and every pooled CI, and study CIs and prediction
 * intervals up to a limit; CIs beyond it get arrows. */
static void choose_axis(layout *L)
{
    const mtp_forest *s = L->spec;
    const int pi = (L->flags & MTP_FOREST_PI) != 0;
    range hard = {0, 0}, soft;
    size_t g, i;
    for (g = 0; g < s->ngroups; g++)
        for (i = 0; i < s->groups[g].nrows; i++)
            widen(&hard, s->groups[g].rows[i].yi);
    soft = hard;
    for (g = 0; g < s->ngroups; g++) {
        for (i = 0; i < s->groups[g].nrows; i++) {
            const mtp_forest_row *r = &s->groups[g].rows[i];
            double lo, hi;
            if (isnan(r->yi))
                continue;
            row_ci(L, r, &lo, &hi);
            widen(&soft, lo);
            widen(&soft, hi);
        }
        if (s->groups[g].result != NULL)
            widen_result(&hard, &soft, s->groups[g].result, pi);
    }
    if (s->overall != NULL)
        widen_result(&hard, &soft, s->overall, pi);
    {
        /* study CIs and PIs widen the axis by at most half a decade (log) or
         * half the data's width (linear) */
        const double ext = L->log ? 0.5 * log(10) : 0.5 * (hard.hi - hard.lo);
        const double lo = fmin(hard.lo, fmax(soft.lo, hard.lo - ext));
        const double hi = fmax(hard.hi, fmin(soft.hi, hard.hi + ext));
        double m = fmax(-lo, hi); /* symmetric about no effect, as RevMan and CMA */
        if (!(m > 0))
            m = L->log ? log(2) : 1;
        mtp__axis_auto(&L->ax, -m, m, L->log, L->w_plot, FONT_SMALL);
    }
    if (!isnan(s->axis_min) || !isnan(s->axis_max)) {
        double lo = isnan(s->axis_min) ? L->ax.lo : (L->log ? log(s->axis_min) : s->axis_min);
        double hi = isnan(s->axis_max) ? L->ax.hi : (L->log ? log(s->axis_max) : s->axis_max);
        mtp__axis_fixed(&L->ax, lo, hi, L->log, L->w_plot, FONT_SMALL);
    }
}

static int check_axis(const mtp_forest *s, int log_scale, mtp_error *err)
{
    const double a = s->axis_min, b = s->axis_max, lim = log_scale ? 1e15 : value_limit(0);
    if ((!isnan(a) && !(fabs(a) <= lim)) || (!isnan(b) && !(fabs(b) <= lim)) ||
        (log_scale && ((!isnan(a) && a < 1e-15) || (!isnan(b) && b < 1e-15))) ||
        (!isnan(a) && !isnan(b) && !(a < b)))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "axis limits must be increasing and within %s", log_scale ? "[1e-15, 1e15]" : "+-1e15");
    return MTP_OK;
}

/* x in px of an analysis-scale value (not clamped). */
static double px(const layout *L, double v)
{
    return L->x_plot + (v - L->ax.lo) / (L->ax.hi - L->ax.lo) * L->w_plot;
}

static double clamp_px(const layout *L, double v)
{
    return fmin(fmax(px(L, v), L->x_plot), L->x_plot + L->w_plot);
}

/* ---- measuring ------------------------------------------------------------ */

static int group_has_counts(const mtp_forest_group *g)
{
    for (size_t i = 0; i < g->nrows; i++)
        if (g->rows[i].counts == NULL)
            return 0;
    return g->nrows > 0;
}

/* Sums of events and totals of a block, for its pooled row. */
static void group_sums(const mtp_forest_group *g, double sum[4])
{
    for (size_t i = 0; i < g->nrows; i++) {
        const mtp_table2x2 *t = g->rows[i].counts;
        sum[0] += t->events_trt;
        sum[1] += t->total_trt;
        sum[2] += t->events_ctl;
        sum[3] += t->total_ctl;
    }
}

static const char *result_label(const layout *L, const mtp_forest_group *g)
{
    if (g->result_label != NULL)
        return g->result_label;
    return L->many ? "Subtotal" : "Total";
}

static const char *overall_label(const mtp_forest *s)
{
    return s->overall_label != NULL ? s->overall_label : "Total";
}

static const char *effect_heading(const layout *L, char *buf, size_t n)
{
    static const char *const names[] = {"RR", "OR", "RD", "Peto OR", "Estimate"};
    char lv[16];
    if (L->spec->effect_heading != NULL)
        return L->spec->effect_heading;
    mtp__fmt(lv, sizeof lv, 100 * L->spec->level, fmod(100 * L->spec->level, 1) == 0 ? 0 : 1);
    snprintf(buf, n, "%s (%s%% CI)", names[L->spec->measure], lv);
    return buf;
}

typedef struct widths {
    double label, count, effect, weight, line;
} widths;

static void measure_result(const layout *L, widths *w, const mtp_result *r, const char *label)
{
    char buf[TEXT_MAX];
    w->label = fmax(w->label, mtp__text_width(label, FONT, 1));
    fmt_effect(L, buf, sizeof buf, r->estimate, r->ci_lower, r->ci_upper);
    w->effect = fmax(w->effect, mtp__text_width(buf, FONT, 1));
    if ((L->flags & MTP_FOREST_PI) && isfinite(r->pi_lower) && isfinite(r->pi_upper)) {
        w->label = fmax(w->label, mtp__text_width("Prediction interval", FONT, 0));
        fmt_interval(L, buf, sizeof buf, r->pi_lower, r->pi_upper);
        w->effect = fmax(w->effect, mtp__text_width(buf, FONT, 0));
    }
    if (L->flags & MTP_FOREST_HETEROGENEITY) {
        fmt_het(buf, sizeof buf, r);
        w->line = fmax(w->line, mtp__text_width(buf, FONT_SMALL, 0));
    }
    if (L->flags & MTP_FOREST_OVERALL_TEST) {
        fmt_test(buf, sizeof buf, r);
        w->line = fmax(w->line, mtp__text_width(buf, FONT_SMALL, 0));
    }
}

static void measure_sums(widths *w, const double sums[4])
{
    char buf[TEXT_MAX];
    fmt_arm(buf, sizeof buf, sums[0], sums[1]);
    w->count = fmax(w->count, mtp__text_width(buf, FONT, 1));
    fmt_arm(buf, sizeof buf, sums[2], sums[3]);
    w->count = fmax(w->count, mtp__text_width(buf, FONT, 1));
}

static void measure_row(const layout *L, widths *w, const mtp_forest_row *r)
{
    char buf[TEXT_MAX];
    double lo, hi;
    w->label = fmax(w->label, mtp__text_width(r->label, FONT, 0));
    if (r->counts != NULL) {
        fmt_arm(buf, sizeof buf, r->counts->events_trt, r->counts->total_trt);
        w->count = fmax(w->count, mtp__text_width(buf, FONT, 1));
        fmt_arm(buf, sizeof buf, r->counts->events_ctl, r->counts->total_ctl);
        w->count = fmax(w->count, mtp__text_width(buf, FONT, 1));
    }
    if (isnan(r->yi)) {
        w->effect = fmax(w->effect, mtp__text_width("Not estimable", FONT, 0));
    } else {
        row_ci(L, r, &lo, &hi);
        fmt_effect(L, buf, sizeof buf, r->yi, lo, hi);
        w->effect = fmax(w->effect, mtp__text_width(buf, FONT, 0));
    }
}

/* Column positions from the widths of everything printed. */
static void place_columns(layout *L)
{
    const mtp_forest *s = L->spec;
    widths w = {0, 0, 0, 0, 0};
    char buf[TEXT_MAX];
    double total[4] = {0, 0, 0, 0};
    size_t g, i;
    w.label = mtp__text_width(s->study_heading != NULL ? s->study_heading : "Study", FONT, 1);
    for (g = 0; g < s->ngroups; g++) {
        const mtp_forest_group *grp = &s->groups[g];
        if (group_has_counts(grp)) {
            double sums[4] = {0, 0, 0, 0};
            group_sums(grp, sums);
            group_sums(grp, total);
            measure_sums(&w, sums);
        }
        for (i = 0; i < grp->nrows; i++) {
            measure_row(L, &w, &grp->rows[i]);
            if (isfinite(grp->rows[i].weight))
                L->wmax = fmax(L->wmax, grp->rows[i].weight);
        }
        if (grp->result != NULL)
            measure_result(L, &w, grp->result, result_label(L, grp));
    }
    if (s->overall != NULL)
        measure_result(L, &w, s->overall, overall_label(s));
    measure_sums(&w, total);
    if (s->subgroup_diff != NULL) {
        fmt_subgroup(buf, sizeof buf, s->subgroup_diff);
        w.line = fmax(w.line, mtp__text_width(buf, FONT_SMALL, 0));
    }
    w.label = fmin(w.label, s->label_width);
    w.effect = fmax(w.effect, mtp__text_width(effect_heading(L, buf, sizeof buf), FONT, 1));
    w.count = fmax(w.count, fmax(mtp__text_width(s->arm_trt ? s->arm_trt : "Treatment", FONT, 1),
                                 mtp__text_width(s->arm_ctl ? s->arm_ctl : "Control", FONT, 1)));
    w.count = fmax(w.count, (mtp__text_width("No. of events/total", FONT, 1) - GAP) / 2);
    w.weight = mtp__text_width("Weight, %", FONT, 1);

    L->x_label = MARGIN;
    L->w_label = w.label;
    L->w_count = L->counts ? w.count : 0;
    /* the heterogeneity and test lines run under the label, count and
     * estimate columns, and stop short of the graph */
    {
        double block = w.label + GAP + (L->counts ? 2 * (w.count + GAP) : 0) + w.effect;
        if (w.line > block)
            L->w_label += w.line - block;
    }
    L->x_trt = L->x_label + L->w_label + GAP + L->w_count;
    L->x_ctl = L->x_trt + (L->counts ? GAP + L->w_count : 0);
    L->x_eff = (L->counts ? L->x_ctl : L->x_label + L->w_label) + GAP;
    L->x_plot = L->x_eff + w.effect + GAP;
    L->w_plot = s->plot_width;
    L->left_block = L->x_plot - L->x_label;
    L->x_weight = L->x_plot + L->w_plot + GAP + (L->weights ? w.weight : 0);
    L->width = L->x_weight + MARGIN;
}

/* ---- drawing ----------------------------------------------------------------- */

static void text(layout *L, double x, double y, int anchor, int style, double size,
                 const char *cls, const char *t)
{
    if (L->draw)
        mtp__svg_text(&L->svg, x, y, anchor, style, size, cls, t, NULL);
}

/* A label cut to width maxw, with the full text as its tooltip. */
static void label_text(layout *L, double y, int style, const char *cls, const char *t,
                       double maxw)
{
    char buf[TEXT_MAX];
    if (!L->draw || t == NULL)
        return;
    mtp__text_fit(buf, sizeof buf, t, FONT, style & MTP__BOLD, maxw);
    mtp__svg_text(&L->svg, L->x_label, y, MTP__START, style, FONT, cls, buf, t);
}

/* Arrow head with its tip at x, pointing left (dir = -1) or right (+1). */
static void arrow(layout *L, double x, double yc, int dir)
{
    /* one buffer per argument: all are formatted before the call */
    char a[32], b[32], c[32], d[32], e[32];
    mtp__svg_printf(&L->svg, "<path class=\"arrow\" d=\"M%s %s L%s %s L%s %s Z\" fill=\"#000\"/>\n",
                    MTP__XY(a, x), MTP__XY(b, yc), MTP__XY(c, x - dir * ARROW),
                    MTP__XY(d, yc - ARROW / 2), c, MTP__XY(e, yc + ARROW / 2));
}

/* Line from lo to hi at height yc, cut at the axis ends with arrows. */
static void hline_clipped(layout *L, const char *cls, double lo, double hi, double yc)
{
    char a[32], b[32], c[32];
    double x1 = clamp_px(L, lo), x2 = clamp_px(L, hi);
    if (x2 > x1)
        mtp__svg_printf(&L->svg,
                        "<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#000\" "
                        "stroke-width=\"1\"/>\n",
                        cls, MTP__XY(a, x1), MTP__XY(b, yc), MTP__XY(c, x2), b);
    if (px(L, lo) < L->x_plot - 0.005)
        arrow(L, L->x_plot, yc, -1);
    if (px(L, hi) > L->x_plot + L->w_plot + 0.005)
        arrow(L, L->x_plot + L->w_plot, yc, 1);
}

static void study_mark(layout *L, const mtp_forest_row *r, double yc)
{
    char a[32], b[32], c[32];
    double lo, hi, side = BOX_NOWEIGHT, x = px(L, r->yi);
    row_ci(L, r, &lo, &hi);
    if (isfinite(r->weight))
        side = L->wmax > 0 ? fmax(BOX_MIN, BOX_MAX * sqrt(r->weight / L->wmax)) : BOX_MIN;
    mtp__svg_printf(&L->svg, "<g class=\"study\">\n");
    hline_clipped(L, "ci", lo, hi, yc);
    if (x >= L->x_plot - 0.005 && x <= L->x_plot + L->w_plot + 0.005)
        mtp__svg_printf(&L->svg,
                        "<rect class=\"box\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" "
                        "fill=\"" COLOR_MARK "\"/>\n",
                        MTP__XY(a, x - side / 2), MTP__XY(b, yc - side / 2), MTP__XY(c, side), c);
    mtp__svg_printf(&L->svg, "</g>\n");
}

static void study_row(layout *L, const mtp_forest_row *r)
{
    const double base = L->y + 14, yc = L->y + ROW_H / 2;
    char buf[TEXT_MAX];
    if (L->draw) {
        label_text(L, base, MTP__PLAIN, "label", r->label, L->w_label);
        if (L->counts && r->counts != NULL) {
            fmt_arm(buf, sizeof buf, r->counts->events_trt, r->counts->total_trt);
            text(L, L->x_trt, base, MTP__END, MTP__PLAIN, FONT, "count", buf);
            fmt_arm(buf, sizeof buf, r->counts->events_ctl, r->counts->total_ctl);
            text(L, L->x_ctl, base, MTP__END, MTP__PLAIN, FONT, "count", buf);
        }
        if (isnan(r->yi)) {
            text(L, L->x_eff, base, MTP__START, MTP__PLAIN, FONT, "effect", "Not estimable");
        } else {
            double lo, hi;
            row_ci(L, r, &lo, &hi);
            fmt_effect(L, buf, sizeof buf, r->yi, lo, hi);
            text(L, L->x_eff, base, MTP__START, MTP__PLAIN, FONT, "effect", buf);
            study_mark(L, r, yc);
        }
        if (L->weights && isfinite(r->weight))
            text(L, L->x_weight, base, MTP__END, MTP__PLAIN, FONT, "weight",
                 mtp__fmt(buf, sizeof buf, r->weight, 1));
    }
    L->y += ROW_H;
}

static void diamond(layout *L, const mtp_result *r, double yc)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    const double xl = clamp_px(L, r->ci_lower), xr = clamp_px(L, r->ci_upper),
                 xc = clamp_px(L, r->estimate);
    mtp__svg_printf(&L->svg,
                    "<polygon class=\"diamond\" points=\"%s,%s %s,%s %s,%s %s,%s\" "
                    "fill=\"" COLOR_DIAMOND "\"/>\n",
                    MTP__XY(a, xl), MTP__XY(b, yc), MTP__XY(c, xc), MTP__XY(d, yc - DIAMOND_H / 2),
                    MTP__XY(e, xr), b, c, MTP__XY(f, yc + DIAMOND_H / 2));
    if (px(L, r->ci_lower) < L->x_plot - 0.005)
        arrow(L, L->x_plot, yc, -1);
    if (px(L, r->ci_upper) > L->x_plot + L->w_plot + 0.005)
        arrow(L, L->x_plot + L->w_plot, yc, 1);
}

static void pi_bar(layout *L, const mtp_result *r, double yc)
{
    char a[32], b[32], c[32], d[32], e[32];
    MTP__XY(a, clamp_px(L, r->pi_lower));
    MTP__XY(b, clamp_px(L, r->pi_upper));
    MTP__XY(c, yc - 4);
    MTP__XY(d, yc);
    MTP__XY(e, yc + 4);
    mtp__svg_printf(&L->svg,
                    "<path class=\"pi\" d=\"M%s %s V%s M%s %s H%s M%s %s V%s\" stroke=\"#000\" "
                    "stroke-width=\"1.5\" fill=\"none\"/>\n",
                    a, c, e, a, d, b, b, c, e);
    if (px(L, r->pi_lower) < L->x_plot - 0.005)
        arrow(L, L->x_plot, yc, -1);
    if (px(L, r->pi_upper) > L->x_plot + L->w_plot + 0.005)
        arrow(L, L->x_plot + L->w_plot, yc, 1);
}

/* Diamond row, prediction interval, heterogeneity and test lines. sums
 * (events and totals per arm, added over the block) is NULL when the
 * block's counts are not all known. */
static void result_rows(layout *L, const mtp_result *r, const char *label, const double *sums)
{
    char buf[TEXT_MAX];
    double base = L->y + 14;
    if (L->draw) {
        label_text(L, base, MTP__BOLD, "label pooled-label", label, L->w_label);
        if (L->counts && sums != NULL) {
            fmt_arm(buf, sizeof buf, sums[0], sums[1]);
            text(L, L->x_trt, base, MTP__END, MTP__BOLD, FONT, "count", buf);
            fmt_arm(buf, sizeof buf, sums[2], sums[3]);
            text(L, L->x_ctl, base, MTP__END, MTP__BOLD, FONT, "count", buf);
        }
        fmt_effect(L, buf, sizeof buf, r->estimate, r->ci_lower, r->ci_upper);
        text(L, L->x_eff, base, MTP__START, MTP__BOLD, FONT, "effect pooled-effect", buf);
        diamond(L, r, L->y + ROW_H / 2);
    }
    L->y += ROW_H;
    if ((L->flags & MTP_FOREST_PI) && isfinite(r->pi_lower) && isfinite(r->pi_upper)) {
        if (L->draw) {
            base = L->y + 14;
            label_text(L, base, MTP__PLAIN, "label pi-label", "Prediction interval", L->w_label);
            fmt_interval(L, buf, sizeof buf, r->pi_lower, r->pi_upper);
            text(L, L->x_eff, base, MTP__START, MTP__PLAIN, FONT, "effect pi-effect", buf);
            pi_bar(L, r, L->y + ROW_H / 2);
        }
        L->y += ROW_H;
    }
    if (L->flags & MTP_FOREST_HETEROGENEITY) {
        fmt_het(buf, sizeof buf, r);
        text(L, L->x_label, L->y + 12, MTP__START, MTP__PLAIN, FONT_SMALL, "heterogeneity", buf);
        L->y += LINE_H;
    }
    if (L->flags & MTP_FOREST_OVERALL_TEST) {
        fmt_test(buf, sizeof buf, r);
        text(L, L->x_label, L->y + 12, MTP__START, MTP__PLAIN, FONT_SMALL, "overall-test", buf);
        L->y += LINE_H;
    }
}

static void header_rows(layout *L)
{
    const mtp_forest *s = L->spec;
    char buf[TEXT_MAX];
    if (s->title != NULL) {
        if (L->draw) {
            mtp__text_fit(buf, sizeof buf, s->title, FONT_TITLE, 1, L->width - 2 * MARGIN);
            mtp__svg_text(&L->svg, L->x_label, L->y + 16, MTP__START, MTP__BOLD, FONT_TITLE,
                          "title", buf, s->title);
        }
        L->y += 28;
    }
    if (L->counts) {
        text(L, (L->x_trt - L->w_count + L->x_ctl) / 2, L->y + 14, MTP__MIDDLE, MTP__BOLD, FONT,
             "heading", "No. of events/total");
        L->y += LINE_H;
    }
    label_text(L, L->y + 14, MTP__BOLD, "heading", s->study_heading ? s->study_heading : "Study",
               L->w_label);
    if (L->counts) {
        text(L, L->x_trt, L->y + 14, MTP__END, MTP__BOLD, FONT, "heading",
             s->arm_trt ? s->arm_trt : "Treatment");
        text(L, L->x_ctl, L->y + 14, MTP__END, MTP__BOLD, FONT, "heading",
             s->arm_ctl ? s->arm_ctl : "Control");
    }
    text(L, L->x_eff, L->y + 14, MTP__START, MTP__BOLD, FONT, "heading",
         effect_heading(L, buf, sizeof buf));
    if (L->weights)
        text(L, L->x_weight, L->y + 14, MTP__END, MTP__BOLD, FONT, "heading", "Weight, %");
    L->y += ROW_H;
    if (L->draw) {
        char a[32], b[32], c[32];
        mtp__svg_printf(&L->svg,
                        "<line class=\"rule\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
                        "stroke=\"#000\" stroke-width=\"0.75\"/>\n",
                        MTP__XY(a, L->x_label), MTP__XY(b, L->y + 1), MTP__XY(c, L->x_weight), b);
    }
    L->y += 4;
}

static void axis_rows(layout *L)
{
    const mtp_forest *s = L->spec;
    char a[32], b[32], c[32], d[32];
    const double y = L->y_axis;
    if (L->draw) {
        const double x0 = px(L, 0);
        mtp__svg_printf(&L->svg,
                        "<line class=\"axis\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
                        "stroke=\"#000\" stroke-width=\"1\"/>\n",
                        MTP__XY(a, L->x_plot), MTP__XY(b, y), MTP__XY(c, L->x_plot + L->w_plot), b);
        for (size_t i = 0; i < L->ax.nticks; i++) {
            const double x = px(L, L->ax.tick[i]);
            mtp__svg_printf(&L->svg,
                            "<line class=\"tick\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
                            "stroke=\"#000\" stroke-width=\"1\"/>\n",
                            MTP__XY(a, x), MTP__XY(b, y), a, MTP__XY(d, y + 4));
            text(L, x, y + 16, MTP__MIDDLE, MTP__PLAIN, FONT_SMALL, "tick-label",
                 L->ax.label[i]);
        }
        if (x0 >= L->x_plot - 0.005 && x0 <= L->x_plot + L->w_plot + 0.005)
            mtp__svg_printf(&L->svg,
                            "<line class=\"null-line\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
                            "stroke=\"#000\" stroke-width=\"1\"/>\n",
                            MTP__XY(a, x0), MTP__XY(b, L->y_first), a, MTP__XY(d, y));
        {
            const double xn = fmin(fmax(x0, L->x_plot), L->x_plot + L->w_plot);
            if (s->favours_left != NULL)
                text(L, xn - 6, y + 32, MTP__END, MTP__PLAIN, FONT_SMALL, "favours",
                     s->favours_left);
            if (s->favours_right != NULL)
                text(L, xn + 6, y + 32, MTP__START, MTP__PLAIN, FONT_SMALL, "favours",
                     s->favours_right);
        }
    }
    L->y = y + 20 + ((s->favours_left || s->favours_right) ? LINE_H : 0);
}

/* Everything, top to bottom. With L->draw = 0 it only advances L->y. */
static void walk(layout *L)
{
    const mtp_forest *s = L->spec;
    int all_counts = 1;
    double total[4] = {0, 0, 0, 0};
    L->y = MARGIN;
    header_rows(L);
    L->y_first = L->y;
    for (size_t g = 0; g < s->ngroups; g++) {
        const mtp_forest_group *grp = &s->groups[g];
        double sums[4] = {0, 0, 0, 0};
        const int has = group_has_counts(grp);
        if (has)
            group_sums(grp, sums);
        for (int j = 0; j < 4; j++)
            total[j] += sums[j];
        all_counts = all_counts && has;
        if (g > 0)
            L->y += BLOCK_GAP;
        if (grp->name != NULL) {
            label_text(L, L->y + 14, MTP__BOLD, "group-name", grp->name, L->left_block - GAP);
            L->y += ROW_H;
        }
        for (size_t i = 0; i < grp->nrows; i++)
            study_row(L, &grp->rows[i]);
        if (grp->result != NULL)
            result_rows(L, grp->result, result_label(L, grp), has ? sums : NULL);
    }
    if (s->overall != NULL) {
        L->y += BLOCK_GAP;
        result_rows(L, s->overall, overall_label(s), all_counts ? total : NULL);
    }
    if (s->subgroup_diff != NULL) {
        char buf[TEXT_MAX];
        fmt_subgroup(buf, sizeof buf, s->subgroup_diff);
        text(L, L->x_label, L->y + 12, MTP__START, MTP__PLAIN, FONT_SMALL, "subgroup-test", buf);
        L->y += LINE_H;
    }
    L->y_axis = L->y + 6;
    axis_rows(L);
}

static int scale_is_log(mtp_plot_scale scale, mtp_measure measure)
{
    if (scale == MTP_SCALE_AUTO)
        return measure == MTP_MEASURE_RR || measure == MTP_MEASURE_OR ||
               measure == MTP_MEASURE_PETO_OR;
    return scale == MTP_SCALE_LOG;
}

static int any_counts(const mtp_forest *s)
{
    for (size_t g = 0; g < s->ngroups; g++)
        for (size_t i = 0; i < s->groups[g].nrows; i++)
            if (s->groups[g].rows[i].counts != NULL)
                return 1;
    return 0;
}

static int any_weights(const mtp_forest *s)
{
    for (size_t g = 0; g < s->ngroups; g++)
        for (size_t i = 0; i < s->groups[g].nrows; i++)
            if (isfinite(s->groups[g].rows[i].weight))
                return 1;
    return 0;
}

int mtp_plot_forest(FILE *out, const mtp_forest *spec, mtp_error *err)
{
    layout L;
    int rc;
    if (out == NULL || spec == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL stream or spec");
    if ((rc = check_spec(spec, err)) != MTP_OK)
        return rc;
    memset(&L, 0, sizeof L);
    L.spec = spec;
    L.log = scale_is_log(spec->scale, spec->measure);
    if ((rc = check_axis(spec, L.log, err)) != MTP_OK)
        return rc;
    L.svg.f = out;
    L.digits = (int)spec->digits;
    L.flags = spec->flags;
    L.counts = (spec->flags & MTP_FOREST_COUNTS) && any_counts(spec);
    L.weights = (spec->flags & MTP_FOREST_WEIGHTS) && any_weights(spec);
    L.many = spec->ngroups > 1 || spec->overall != NULL;
    L.z = mtp__quantile(NULL, MTP__Q_NORMAL_UPPER, (1 - spec->level) / 2, NAN);
    place_columns(&L);
    choose_axis(&L);
    if (!(L.ax.hi > L.ax.lo))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "axis is empty: axis_min must be below axis_max and the data");
    walk(&L); /* measure the height */
    L.height = L.y + MARGIN;
    L.draw = 1;
    mtp__svg_begin(&L.svg, L.width, L.height);
    walk(&L);
    mtp__svg_end(&L.svg);
    return mtp__svg_finish(&L.svg, err);
}

int mtp_forest_init(mtp_forest *spec, unsigned int version)
{
    if (spec == NULL || version != MTP_FOREST_VERSION)
        return mtp__fail(NULL, MTP_EINVAL, MTP_NO_STUDY, "bad spec or version");
    memset(spec, 0, sizeof *spec);
    spec->version = MTP_FOREST_VERSION;
    spec->measure = MTP_MEASURE_RR;
    spec->scale = MTP_SCALE_AUTO;
    spec->level = 0.95;
    spec->axis_min = NAN;
    spec->axis_max = NAN;
    spec->flags = MTP_FOREST_DEFAULT;
    spec->digits = 2;
    spec->plot_width = 280;
    spec->label_width = 240;
    return MTP_OK;
}

int mtp_forest_row_from_study(mtp_forest_row *row, const mtp_study *study, const char *label,
                              const mtp_table2x2 *counts)
{
    if (row == NULL || study == NULL)
        return MTP_EINVAL;
    row->label = label;
    row->counts = counts;
    row->yi = (study->flags & MTP_STUDY_DROPPED) ? NAN : study->yi;
    row->vi = study->vi;
    row->ci_lower = NAN;
    row->ci_upper = NAN;
    row->weight = (study->flags & MTP_STUDY_DROPPED) ? NAN : study->weight;
    return MTP_OK;
}

int mtp_plot_forest_studies(FILE *out, const mtp_study *studies, const char *const *labels,
                            const mtp_table2x2 *tables, size_t k, const mtp_result *result,
                            const mtp_forest *style, mtp_error *err)
{
    enum { NAME_LEN = 32 };
    mtp_forest spec;
    mtp_forest_group group;
    mtp_forest_row *rows;
    char *names = NULL;
    int rc;
    if (out == NULL || studies == NULL || result == NULL || k == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "NULL stream, studies or result, or no studies");
    if (style != NULL) {
        spec = *style;
    } else {
        mtp_forest_init(&spec, MTP_FOREST_VERSION);
        spec.measure = result->measure;
    }
    rows = calloc(k, sizeof *rows);
    if (labels == NULL && rows != NULL)
        names = malloc(k * NAME_LEN);
    if (rows == NULL || (labels == NULL && names == NULL)) {
        free(rows);
        return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory");
    }
    for (size_t i = 0; i < k; i++) {
        const char *label = labels != NULL ? labels[i] : names + i * NAME_LEN;
        if (labels == NULL)
            snprintf(names + i * NAME_LEN, NAME_LEN, "Study %zu", i + 1);
        mtp_forest_row_from_study(&rows[i], &studies[i], label,
                                  tables != NULL ? &tables[i] : NULL);
    }
    memset(&group, 0, sizeof group);
    group.rows = rows;
    group.nrows = k;
    group.result = result;
    spec.groups = &group;
    spec.ngroups = 1;
    spec.overall = NULL;
    spec.subgroup_diff = NULL;
    rc = mtp_plot_forest(out, &spec, err);
    free(names);
    free(rows);
    return rc;
}
