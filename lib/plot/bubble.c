/* Bubble plot of a meta-regression as SVG: each study's estimate against
 * one moderator, a circle of area proportional to its weight in the fit,
 * the fitted line along that moderator (the other columns held fixed) with
 * its confidence band and, optionally, its prediction band. After metafor's
 * regplot() (Viechtbauer 2010; metafor 3.8.1) with plim = c(NA, r), so that
 * areas, not radii, follow the weights (Thompson & Higgins 2002, Stat Med
 * 21:1559, on reading such plots).
 *
 * Everything is validated and computed first (struct plan); draw() then
 * writes the whole document through one mtp__svg writer, so nothing is
 * written when a check fails and the output goes through one place. */
#include "plot/svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Geometry, in px. */
#define MARGIN 12.0
#define FONT 12.0       /* axis titles */
#define FONT_SMALL 11.0 /* tick labels */
#define FONT_TITLE 14.0
#define TICK 5.0        /* tick length */
#define X_SEP 56.0      /* least distance between x ticks */
#define Y_SEP 36.0      /* least distance between y ticks */
#define R_MIN 1.5       /* smallest marker radius, for tiny weights */
#define NPTS 101        /* points along the line and its bands */
#define SNAP_WASTE 1.3  /* largest y axis / data range with the ends at round ticks */

#define COLOR_MARK "#2b5a8c"
#define COLOR_MARK_EDGE "#1b365d"
#define COLOR_CI "#d4dde8"
#define COLOR_PI "#eef2f6"

#define TEXT_MAX 512

enum { Y_ANALYSIS = 0, Y_RATIO_LOG = 1, Y_RATIO = 2 };

typedef struct marker {
    double w; /* weight */
    size_t i; /* study */
} marker;

typedef struct plan {
    mtp_bubble o;
    const mtp_data *d;
    const char *const *labels;
    size_t j;                    /* the x column */
    int ymode;                   /* Y_* */
    int ci, pi, null_line;       /* what is drawn */
    marker *m;                   /* kept studies, heaviest first */
    size_t n;                    /* their number */
    double wmax;
    double xs[NPTS];             /* moderator values along the line */
    mtp_prediction pr[NPTS];     /* predictions there */
    mtp__axis ax, ay;            /* x axis; y axis (on the log scale for Y_RATIO_LOG) */
    double x0, y0, w, h;         /* graph area */
    double width, height;        /* document */
    char y_label[TEXT_MAX];
    char x_title[TEXT_MAX], y_title[TEXT_MAX], title[TEXT_MAX];
    const char *x_full, *y_full;
} plan;

/* ---- scales ---------------------------------------------------------------- */

/* Analysis-scale value on the y axis's own scale (ratios for Y_RATIO; the
 * log axis of Y_RATIO_LOG works on logs, as mtp__axis does). */
static double yval(const plan *P, double v) { return P->ymode == Y_RATIO ? exp(v) : v; }

static double px(const plan *P, double x)
{
    return P->x0 + (x - P->ax.lo) / (P->ax.hi - P->ax.lo) * P->w;
}

static double py(const plan *P, double v)
{
    return P->y0 + P->h - (yval(P, v) - P->ay.lo) / (P->ay.hi - P->ay.lo) * P->h;
}

/* ---- validation ------------------------------------------------------------ */

static int with_column(mtp_error *err, size_t column, int rc)
{
    if (err != NULL)
        err->column = column;
    return rc;
}
#define FAIL_COL(err, code, study, column, ...) \
    with_column((err), (column), mtp__fail((err), (code), (study), __VA_ARGS__))

static int check_options(const mtp_bubble *o, int log_measure, mtp_error *err)
{
    if (o->version != MTP_BUBBLE_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown mtp_bubble version %u",
                         o->version);
    if ((unsigned int)o->y_scale > MTP_BUBBLE_Y_RATIO || (o->flags & ~7u) != 0 ||
        !(o->width >= 100 && o->width <= 10000) || !(o->height >= 100 && o->height <= 10000) ||
        !(o->radius_max >= 2 && o->radius_max <= 100))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "bubble options out of range (y_scale, flags, width and height in "
                         "[100, 10000], radius_max in [2, 100])");
    if (o->y_scale != MTP_BUBBLE_Y_ANALYSIS && !log_measure)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a ratio y scale needs a ratio measure (RR, OR, Peto OR)");
    return MTP_OK;
}

/* The summary, coefficients and covariances must describe the data view. */
static int check_fit(const mtp_data *d, const mtp_summary *s, const mtp_coef *coef,
                     const double *vcov, mtp_error *err)
{
    if (s->measure != d->measure || s->k != d->k || s->p != d->p)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "the summary does not describe the data view (its measure, k or p "
                         "differ)");
    if (!(s->level > 0 && s->level < 1) || (unsigned int)s->test > MTP_TEST_KNHA)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "the summary's level or test is invalid");
    if (!(isfinite(s->tau2) && s->tau2 >= 0))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "the fit's tau2 is not finite and >= 0");
    for (size_t c = 0; c < d->p; c++) {
        if (!isfinite(coef[c].estimate))
            return FAIL_COL(err, MTP_EDATA, MTP_NO_STUDY, c, "coefficient is not finite");
        for (size_t l = 0; l < d->p; l++)
            if (!isfinite(vcov[c * d->p + l]))
                return FAIL_COL(err, MTP_EDATA, MTP_NO_STUDY, c,
                                "covariance of the coefficients is not finite");
    }
    return MTP_OK;
}

/* Kept studies: finite, drawable estimates, moderators and weights. Counts
 * them, finds the range of column j and the largest weight. */
static int check_studies(plan *P, const double *weight, double ylimit, double *xmin,
                         double *xmax, int *j_is_ones, mtp_error *err)
{
    const mtp_data *d = P->d;
    const size_t p = d->p;
    P->n = 0;
    P->wmax = 0;
    *xmin = INFINITY;
    *xmax = -INFINITY;
    *j_is_ones = 1;
    for (size_t i = 0; i < d->k; i++) {
        double xj;
        if (d->keep != NULL && !d->keep[i])
            continue;
        if (!isfinite(d->yi[i]))
            return mtp__fail(err, MTP_EDATA, i, "estimate is not finite");
        if (!(fabs(d->yi[i]) <= ylimit))
            return mtp__fail(err, MTP_EDATA, i, "estimate too extreme to draw");
        for (size_t c = 0; c < p; c++) {
            if (!isfinite(d->x[i * p + c]))
                return FAIL_COL(err, MTP_EDATA, i, c, "moderator value is not finite");
            if (!(fabs(d->x[i * p + c]) <= 1e15))
                return FAIL_COL(err, MTP_EDATA, i, c, "moderator value too extreme to draw");
        }
        if (!(isfinite(weight[i]) && weight[i] >= 0))
            return mtp__fail(err, MTP_EDATA, i, "weight must be finite and >= 0");
        xj = d->x[i * p + P->j];
        *xmin = fmin(*xmin, xj);
        *xmax = fmax(*xmax, xj);
        if (xj != 1.0)
            *j_is_ones = 0;
        P->wmax = fmax(P->wmax, weight[i]);
        P->n++;
    }
    return MTP_OK;
}

static int heavier_first(const void *a, const void *b)
{
    const marker *u = a, *v = b;
    if (u->w != v->w)
        return u->w > v->w ? -1 : 1;
    return u->i < v->i ? -1 : u->i > v->i;
}

/* The row of X along the line: the other columns at opts->at or at their
 * means over the kept studies, every column of ones (the intercept) at 1. */
static int line_row(plan *P, double *row, unsigned char *ones, mtp_error *err)
{
    const mtp_data *d = P->d;
    const size_t p = d->p;
    for (size_t c = 0; c < p; c++) {
        row[c] = 0;
        ones[c] = 1;
    }
    for (size_t i = 0; i < d->k; i++) {
        if (d->keep != NULL && !d->keep[i])
            continue;
        for (size_t c = 0; c < p; c++) {
            row[c] += d->x[i * p + c];
            if (d->x[i * p + c] != 1.0)
                ones[c] = 0;
        }
    }
    for (size_t c = 0; c < p; c++) {
        if (ones[c])
            row[c] = 1;
        else if (P->o.at != NULL)
            row[c] = P->o.at[c];
        else
            row[c] /= (double)P->n;
        if (c != P->j && !(isfinite(row[c]) && fabs(row[c]) <= 1e15))
            return FAIL_COL(err, MTP_EDATA, MTP_NO_STUDY, c,
                            P->o.at != NULL ? "mtp_bubble::at value is not finite or too extreme"
                                            : "mean of the moderator is not finite");
    }
    return MTP_OK;
}

/* ---- layout ------------------------------------------------------------------ */

/* The measure's name for the y axis: "Log risk ratio" on the analysis
 * scale of a ratio, "Risk ratio (log scale)", "Risk ratio", "Risk
 * difference". A label starting with a name (Peto) keeps its capital. */
static void default_y_label(char *buf, size_t n, const mtp_measure_info *mi, int ymode)
{
    const char *label = mi->label;
    if (ymode == Y_RATIO_LOG) {
        snprintf(buf, n, "%s (log scale)", label);
    } else if (ymode == Y_ANALYSIS && (mi->flags & MTP_MEASURE_LOG_SCALE)) {
        const int keep_capital = mi->id == MTP_MEASURE_PETO_OR;
        char first = label[0];
        if (!keep_capital && first >= 'A' && first <= 'Z')
            first = (char)(first - 'A' + 'a');
        snprintf(buf, n, "Log %c%s", first, label[0] != '\0' ? label + 1 : "");
    } else {
        snprintf(buf, n, "%s", label);
    }
}

static void layout(plan *P)
{
    double yw = 0, right;
    for (size_t t = 0; t < P->ay.nticks; t++)
        yw = fmax(yw, mtp__text_width(P->ay.label[t], FONT_SMALL, 0));
    P->w = P->o.width;
    P->h = P->o.height;
    /* y axis title (rotated, ~9 px of glyph left of its baseline), 10 px, the
     * widest tick label, 3 px, the tick */
    P->x0 = MARGIN + 9 + 10 + yw + 3 + TICK;
    P->y0 = MARGIN + (P->o.title != NULL ? 26 : 0) + 6;
    right = P->ax.nticks > 0
                ? mtp__text_width(P->ax.label[P->ax.nticks - 1], FONT_SMALL, 0) / 2 + 4
                : 0;
    P->width = P->x0 + P->w + fmax(MARGIN, right);
    P->height = P->y0 + P->h + 42 + MARGIN;
    if (P->o.title != NULL)
        mtp__text_fit(P->title, sizeof P->title, P->o.title, FONT_TITLE, 1,
                      P->width - P->x0 - MARGIN);
    P->x_full = P->o.x_label != NULL ? P->o.x_label : "Moderator";
    P->y_full = P->o.y_label != NULL ? P->o.y_label : P->y_label;
    mtp__text_fit(P->x_title, sizeof P->x_title, P->x_full, FONT, 0, P->w);
    mtp__text_fit(P->y_title, sizeof P->y_title, P->y_full, FONT, 0, P->h);
}

/* ---- drawing: the one place that writes --------------------------------------- */

static void line(mtp__svg *s, const char *cls, double x1, double y1, double x2, double y2,
                 const char *style)
{
    char a[32], b[32], c[32], d[32];
    mtp__svg_printf(s, "<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" %s/>\n", cls,
                    MTP__XY(a, x1), MTP__XY(b, y1), MTP__XY(c, x2), MTP__XY(d, y2), style);
}

/* Limit which of a prediction: 0 lower CI, 1 upper CI, 2 lower PI, 3 upper
 * PI, 4 the line itself. */
static double limit_at(const mtp_prediction *r, int which)
{
    switch (which) {
    case 0: return r->ci_lower;
    case 1: return r->ci_upper;
    case 2: return r->pi_lower;
    case 3: return r->pi_upper;
    default: return r->pred;
    }
}

/* The NPTS points "x,y" of limit which along the x axis, left to right or
 * backwards; first: no leading space. */
static void points(mtp__svg *s, const plan *P, int which, int backwards, int first)
{
    char a[32], b[32];
    for (size_t u = 0; u < NPTS; u++) {
        const size_t t = backwards ? NPTS - 1 - u : u;
        mtp__svg_printf(s, "%s%s,%s", first && u == 0 ? "" : " ", MTP__XY(a, px(P, P->xs[t])),
                        MTP__XY(b, py(P, limit_at(&P->pr[t], which))));
    }
}

static void band(mtp__svg *s, const plan *P, const char *cls, int lower, const char *fill)
{
    mtp__svg_printf(s, "<polygon class=\"%s\" points=\"", cls);
    points(s, P, lower + 1, 0, 1);
    points(s, P, lower, 1, 0);
    mtp__svg_printf(s, "\" fill=\"%s\" stroke=\"none\"/>\n", fill);
}

static void limit_line(mtp__svg *s, const plan *P, const char *cls, int which, const char *style)
{
    mtp__svg_printf(s, "<polyline class=\"%s\" points=\"", cls);
    points(s, P, which, 0, 1);
    mtp__svg_printf(s, "\" fill=\"none\" %s/>\n", style);
}

static void axes(mtp__svg *s, const plan *P)
{
    char a[32], b[32];
    const double yb = P->y0 + P->h;
    line(s, "axis", P->x0, yb, P->x0 + P->w, yb, "stroke=\"#000\" stroke-width=\"1\"");
    line(s, "axis", P->x0, P->y0, P->x0, yb, "stroke=\"#000\" stroke-width=\"1\"");
    for (size_t t = 0; t < P->ax.nticks; t++) {
        const double x = px(P, P->ax.tick[t]);
        line(s, "tick", x, yb, x, yb + TICK, "stroke=\"#000\" stroke-width=\"1\"");
        mtp__svg_text(s, x, yb + 17, MTP__MIDDLE, MTP__PLAIN, FONT_SMALL, "tick-label",
                      P->ax.label[t], NULL);
    }
    for (size_t t = 0; t < P->ay.nticks; t++) {
        /* the y axis's ticks are on its own scale: map them as values of it */
        const double y = yb - (P->ay.tick[t] - P->ay.lo) / (P->ay.hi - P->ay.lo) * P->h;
        line(s, "y-tick", P->x0 - TICK, y, P->x0, y, "stroke=\"#000\" stroke-width=\"1\"");
        mtp__svg_text(s, P->x0 - TICK - 3, y + 4, MTP__END, MTP__PLAIN, FONT_SMALL,
                      "y-tick-label", P->ay.label[t], NULL);
    }
    mtp__svg_text(s, P->x0 + P->w / 2, yb + 38, MTP__MIDDLE, MTP__PLAIN, FONT, "axis-title",
                  P->x_title, P->x_full);
    mtp__svg_printf(s,
                    "<text class=\"axis-title\" x=\"0\" y=\"0\" font-size=\"12.00\" "
                    "text-anchor=\"middle\" transform=\"translate(%s %s) rotate(-90)\">",
                    MTP__XY(a, MARGIN + 9), MTP__XY(b, P->y0 + P->h / 2));
    if (strcmp(P->y_title, P->y_full) != 0) {
        mtp__svg_printf(s, "<title>");
        mtp__svg_escaped(s, P->y_full);
        mtp__svg_printf(s, "</title>");
    }
    mtp__svg_escaped(s, P->y_title);
    mtp__svg_printf(s, "</text>\n");
}

static void markers(mtp__svg *s, const plan *P)
{
    const mtp_data *d = P->d;
    for (size_t u = 0; u < P->n; u++) {
        const size_t i = P->m[u].i;
        const double r = fmax(R_MIN, P->o.radius_max * sqrt(P->m[u].w / P->wmax));
        const char *label = P->labels != NULL ? P->labels[i] : NULL;
        char a[32], b[32], c[32];
        mtp__svg_printf(s,
                        "<circle class=\"study\" cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"" COLOR_MARK
                        "\" fill-opacity=\"0.45\" stroke=\"" COLOR_MARK_EDGE
                        "\" stroke-width=\"1\"",
                        MTP__XY(a, px(P, d->x[i * d->p + P->j])), MTP__XY(b, py(P, d->yi[i])),
                        mtp__fmt(c, sizeof c, r, 3));
        if (label != NULL) {
            mtp__svg_printf(s, "><title>");
            mtp__svg_escaped(s, label);
            mtp__svg_printf(s, "</title></circle>\n");
        } else {
            mtp__svg_printf(s, "/>\n");
        }
    }
}

static int draw(FILE *out, const plan *P, mtp_error *err)
{
    mtp__svg s;
    char a[32], b[32];
    s.f = out;
    s.failed = 0;
    mtp__svg_begin(&s, P->width, P->height);
    if (P->o.title != NULL)
        mtp__svg_text(&s, P->x0, MARGIN + 14, MTP__START, MTP__BOLD, FONT_TITLE, "title",
                      P->title, P->o.title);
    if (P->pi)
        band(&s, P, "pi-band", 2, COLOR_PI);
    if (P->ci)
        band(&s, P, "ci-band", 0, COLOR_CI);
    if (P->null_line) {
        const double y = py(P, 0);
        line(&s, "null-line", P->x0, y, P->x0 + P->w, y, "stroke=\"#8c8c8c\" stroke-width=\"1\"");
    }
    axes(&s, P);
    if (P->pi) {
        const char *st = "stroke=\"#555\" stroke-width=\"1\" stroke-dasharray=\"1.5 2.5\"";
        limit_line(&s, P, "pi-lower", 2, st);
        limit_line(&s, P, "pi-upper", 3, st);
    }
    if (P->ci) {
        const char *st = "stroke=\"#333\" stroke-width=\"1\" stroke-dasharray=\"5 3\"";
        limit_line(&s, P, "ci-lower", 0, st);
        limit_line(&s, P, "ci-upper", 1, st);
    }
    if (P->ymode == Y_RATIO) { /* exp(x'b): a curve */
        limit_line(&s, P, "fit", 4, "stroke=\"#000\" stroke-width=\"2\"");
    } else { /* a straight line: its two ends */
        char c[32], d[32];
        mtp__svg_printf(&s,
                        "<polyline class=\"fit\" points=\"%s,%s %s,%s\" fill=\"none\" "
                        "stroke=\"#000\" stroke-width=\"2\"/>\n",
                        MTP__XY(a, px(P, P->xs[0])), MTP__XY(b, py(P, P->pr[0].pred)),
                        MTP__XY(c, px(P, P->xs[NPTS - 1])),
                        MTP__XY(d, py(P, P->pr[NPTS - 1].pred)));
    }
    markers(&s, P);
    mtp__svg_end(&s);
    return mtp__svg_finish(&s, err);
}

/* ---- the call ------------------------------------------------------------------ */

/* Predictions along the x axis, and what of them is drawn. */
static int predict_line(plan *P, const mtp_summary *s, const mtp_coef *coef, const double *vcov,
                        double *row, double ylimit, mtp_error *err)
{
    int rc;
    P->pi = (P->o.flags & MTP_BUBBLE_PI) != 0;
    for (size_t t = 0; t < NPTS; t++) {
        P->xs[t] = t == NPTS - 1 ? P->ax.hi
                                 : P->ax.lo + (P->ax.hi - P->ax.lo) * (double)t / (NPTS - 1);
        row[P->j] = P->xs[t];
        if ((rc = mtp_predict(&P->pr[t], s, coef, vcov, row, 1, P->o.model, err)) != MTP_OK)
            return rc;
        if (!(isfinite(P->pr[t].pi_lower) && isfinite(P->pr[t].pi_upper)))
            P->pi = 0; /* no prediction interval for this fit */
    }
    for (size_t t = 0; t < NPTS; t++) {
        const mtp_prediction *r = &P->pr[t];
        int ok = fabs(r->pred) <= ylimit;
        if (P->ci)
            ok = ok && fabs(r->ci_lower) <= ylimit && fabs(r->ci_upper) <= ylimit;
        if (P->pi)
            ok = ok && fabs(r->pi_lower) <= ylimit && fabs(r->pi_upper) <= ylimit;
        if (!ok)
            return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                             "the fitted line or its band is not finite or too extreme to draw");
    }
    return MTP_OK;
}

/* The y axis: the estimates with room for the largest marker, the line and
 * the drawn bands. */
static int y_axis(plan *P, mtp_error *err)
{
    double mlo = INFINITY, mhi = -INFINITY, lo = INFINITY, hi = -INFINITY, pad;
    const mtp_data *d = P->d;
    for (size_t u = 0; u < P->n; u++) {
        const double v = yval(P, d->yi[P->m[u].i]);
        mlo = fmin(mlo, v);
        mhi = fmax(mhi, v);
    }
    for (size_t t = 0; t < NPTS; t++) {
        const mtp_prediction *r = &P->pr[t];
        lo = fmin(lo, yval(P, r->pred));
        hi = fmax(hi, yval(P, r->pred));
        if (P->ci) {
            lo = fmin(lo, yval(P, r->ci_lower));
            hi = fmax(hi, yval(P, r->ci_upper));
        }
        if (P->pi) {
            lo = fmin(lo, yval(P, r->pi_lower));
            hi = fmax(hi, yval(P, r->pi_upper));
        }
    }
    /* the markers' room, from the range before it (the axis only grows) */
    pad = (fmax(hi, mhi) - fmin(lo, mlo)) * (P->o.radius_max + 2) / P->o.height;
    lo = fmin(lo, mlo - pad);
    hi = fmax(hi, mhi + pad);
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    if (P->ymode == Y_RATIO && lo < 0)
        lo = 0; /* ratios are positive: start the axis at 0 at most */
    mtp__axis_spaced(&P->ay, lo, hi, P->ymode == Y_RATIO_LOG, P->o.height, FONT_SMALL, Y_SEP, 1);
    if (P->ay.hi - P->ay.lo > SNAP_WASTE * (hi - lo)) {
        /* round ends would leave much of the graph empty (1-2-5 ratios on a
         * log axis): the data's ends, 3% beyond, with round ticks inside */
        mtp__axis a;
        const double m = 0.03 * (hi - lo);
        mtp__axis_fixed_spaced(&a, P->ymode == Y_RATIO ? fmax(0, lo - m) : lo - m, hi + m,
                               P->ymode == Y_RATIO_LOG, P->o.height, FONT_SMALL, Y_SEP, 1);
        if (a.nticks >= 3)
            P->ay = a;
    }
    if (P->ay.nticks < 2 || !(P->ay.hi > P->ay.lo))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                         "the estimates' range cannot be drawn with round ticks");
    P->null_line = (P->o.flags & MTP_BUBBLE_NULL_LINE) && yval(P, 0) >= P->ay.lo &&
                   yval(P, 0) <= P->ay.hi;
    return MTP_OK;
}

int mtp_plot_bubble(FILE *out, const mtp_data *data, const mtp_summary *summary,
                    const mtp_coef *coef, const double *vcov, const double *weight, size_t j,
                    const char *const *labels, const mtp_bubble *opts, mtp_error *err)
{
    plan *P;
    const mtp_measure_info *mi;
    double xmin, xmax, pad, ylimit, *row = NULL;
    unsigned char *ones = NULL;
    int rc, j_is_ones;
    if (out == NULL || data == NULL || summary == NULL || coef == NULL || vcov == NULL ||
        weight == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "NULL stream, data, summary, coefficients, covariances or weights");
    if (data->yi == NULL || data->x == NULL || data->p == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "the data view needs estimates and a moderator matrix (x, p >= 1): "
                         "an intercept-only model has no bubble plot");
    if (j >= data->p)
        return FAIL_COL(err, MTP_EINVAL, MTP_NO_STUDY, j,
                        "the x-axis column is not a column of X (j >= p = %zu)", data->p);
    if ((mi = mtp_measure_get((int)data->measure)) == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown measure %d", (int)data->measure);
    /* p x p covariances are indexed, k markers and p doubles allocated */
    if (data->p > ((size_t)-1) / sizeof(double) / data->p ||
        data->k > ((size_t)-1) / sizeof(marker))
        return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "data view too large");
    P = malloc(sizeof *P);
    if (P == NULL)
        return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory");
    memset(P, 0, sizeof *P);
    if (opts != NULL)
        P->o = *opts;
    else
        mtp_bubble_init(&P->o, MTP_BUBBLE_VERSION);
    P->d = data;
    P->labels = labels;
    P->j = j;
    if ((rc = check_options(&P->o, (mi->flags & MTP_MEASURE_LOG_SCALE) != 0, err)) != MTP_OK)
        goto done;
    P->ymode = (int)P->o.y_scale;
    P->ci = (P->o.flags & MTP_BUBBLE_CI) != 0;
    /* as the forest plot: ratios from 1e-15 to 1e15, other values within 1e15 */
    ylimit = P->ymode != Y_ANALYSIS ? 15 * log(10) : 1e15;
    if ((rc = check_fit(data, summary, coef, vcov, err)) != MTP_OK)
        goto done;
    if ((rc = check_studies(P, weight, ylimit, &xmin, &xmax, &j_is_ones, err)) != MTP_OK)
        goto done;
    if (P->n != summary->k_used) {
        rc = mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                       "the keep mask holds %zu studies, the summary's k_used is %zu", P->n,
                       summary->k_used);
        goto done;
    }
    if (P->n < 2) {
        rc = mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                       "a bubble plot needs at least 2 kept studies (k_used = %zu)", P->n);
        goto done;
    }
    if (P->n <= data->p) {
        rc = mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                       "a meta-regression needs more kept studies than coefficients "
                       "(k_used = %zu, p = %zu)", P->n, data->p);
        goto done;
    }
    if (j_is_ones) {
        rc = FAIL_COL(err, MTP_EINVAL, MTP_NO_STUDY, j,
                      "the x-axis column is the intercept (1 in every kept study)");
        goto done;
    }
    if (!(xmax > xmin)) {
        rc = FAIL_COL(err, MTP_EDATA, MTP_NO_STUDY, j,
                      "the x-axis moderator is constant over the kept studies");
        goto done;
    }
    if (!(P->wmax > 0)) {
        rc = mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "every kept study has weight 0");
        goto done;
    }
    P->m = malloc(P->n * sizeof *P->m);
    row = malloc(data->p * sizeof *row);
    ones = malloc(data->p);
    if (P->m == NULL || row == NULL || ones == NULL) {
        rc = mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory");
        goto done;
    }
    for (size_t i = 0, u = 0; i < data->k; i++)
        if (data->keep == NULL || data->keep[i]) {
            P->m[u].w = weight[i];
            P->m[u++].i = i;
        }
    qsort(P->m, P->n, sizeof *P->m, heavier_first);
    if ((rc = line_row(P, row, ones, err)) != MTP_OK)
        goto done;

    /* x axis: the moderator's range and room for the largest marker */
    pad = (xmax - xmin) * (P->o.radius_max + 2) / P->o.width;
    mtp__axis_spaced(&P->ax, xmin - pad, xmax + pad, 0, P->o.width, FONT_SMALL, X_SEP, 0);
    if (P->ax.nticks < 2 || !(P->ax.hi > P->ax.lo) || !(fabs(P->ax.lo) <= 1e15) ||
        !(fabs(P->ax.hi) <= 1e15)) {
        rc = FAIL_COL(err, MTP_EDATA, MTP_NO_STUDY, j,
                      "the moderator's range cannot be drawn with round ticks");
        goto done;
    }
    if ((rc = predict_line(P, summary, coef, vcov, row, ylimit, err)) != MTP_OK)
        goto done;
    if ((rc = y_axis(P, err)) != MTP_OK)
        goto done;
    default_y_label(P->y_label, sizeof P->y_label, mi, P->ymode);
    layout(P);
    rc = draw(out, P, err);
done:
    free(ones);
    free(row);
    free(P->m);
    free(P);
    return rc;
}

int mtp_bubble_init(mtp_bubble *opts, unsigned int version)
{
    if (opts == NULL || version != MTP_BUBBLE_VERSION)
        return MTP_EINVAL;
    memset(opts, 0, sizeof *opts);
    opts->version = MTP_BUBBLE_VERSION;
    opts->y_scale = MTP_BUBBLE_Y_ANALYSIS;
    opts->flags = MTP_BUBBLE_DEFAULT;
    opts->width = 420;
    opts->height = 320;
    opts->radius_max = 14;
    return MTP_OK;
}
