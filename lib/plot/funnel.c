/* Funnel plot as SVG: study estimates against their standard errors (SE
 * axis inverted, 0 at the top), the pooled estimate as a vertical line and
 * the pseudo-confidence region estimate ± z SE (Sterne & Egger 2001, J Clin
 * Epidemiol 54:1046; as drawn by metafor's funnel()). */
#include "plot/svg.h"

#include <math.h>
#include <string.h>

#define MARGIN 12.0
#define FONT 12.0
#define FONT_SMALL 11.0
#define FONT_TITLE 14.0
#define LEFT 58.0   /* room for the SE tick labels and axis title */
#define BOTTOM 46.0 /* room for the x tick labels and axis title */
#define POINT_R "3.5" /* circle radius, px */

typedef struct frame {
    mtp__svg svg;
    double x0, y0, w, h; /* graph area */
    double se_max;       /* SE at the bottom of the graph */
    mtp__axis ax;
} frame;

static double fx(const frame *F, double v)
{
    return F->x0 + (v - F->ax.lo) / (F->ax.hi - F->ax.lo) * F->w;
}

static double fy(const frame *F, double se) { return F->y0 + se / F->se_max * F->h; }

static int check(const mtp_effect *effects, size_t k, const mtp_result *pooled,
                 const mtp_funnel *o, int log_scale, mtp_error *err)
{
    /* as in the forest plot: ratios within 1e-15..1e15, linear values within 1e15 */
    const double limit = log_scale ? 15 * log(10) : 1e15;
    size_t i, used = 0;
    if (o->version != MTP_FUNNEL_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown mtp_funnel version %u",
                         o->version);
    if ((unsigned int)o->scale > MTP_SCALE_LOG || !(o->level > 0 && o->level < 1) ||
        !(o->width >= 100 && o->width <= 10000) || !(o->height >= 100 && o->height <= 10000))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "funnel options out of range (scale, level in (0, 1), size in [100, 10000])");
    for (i = 0; i < k; i++) {
        if (isnan(effects[i].yi))
            continue; /* dropped study */
        if (!isfinite(effects[i].yi))
            return mtp__fail(err, MTP_EDATA, i, "estimate is not finite");
        if (!(isfinite(effects[i].vi) && effects[i].vi > 0))
            return mtp__fail(err, MTP_EDATA, i, "variance must be positive and finite");
        if (!(fabs(effects[i].yi) <= limit && sqrt(effects[i].vi) <= limit))
            return mtp__fail(err, MTP_EDATA, i, "estimate or SE too extreme to draw");
        used++;
    }
    if (used == 0)
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "no study with an estimate to draw");
    if (pooled != NULL && !(fabs(pooled->estimate) <= limit))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "pooled estimate is not finite or too extreme");
    return MTP_OK;
}

/* Round step for the SE axis: about 4 intervals. */
static double se_step(double se_max)
{
    const double raw = se_max / 4, e = pow(10, floor(log10(raw)));
    const double m = raw / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e;
}

/* Decimals that print multiples of step exactly. */
static int step_decimals(double step)
{
    int d = 0;
    while (d < 10 && fabs(step * pow(10, d) - floor(step * pow(10, d) + 0.5)) > 1e-6)
        d++;
    return d;
}

static void line(frame *F, const char *cls, double x1, double y1, double x2, double y2,
                 const char *extra)
{
    char a[32], b[32], c[32], d[32];
    mtp__svg_printf(&F->svg,
                    "<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#000\" "
                    "stroke-width=\"1\"%s/>\n",
                    cls, MTP__XY(a, x1), MTP__XY(b, y1), MTP__XY(c, x2), MTP__XY(d, y2), extra);
}

static void axes(frame *F, double step, const char *x_label)
{
    char a[32], b[32];
    size_t i;
    line(F, "axis", F->x0, F->y0 + F->h, F->x0 + F->w, F->y0 + F->h, "");
    line(F, "axis", F->x0, F->y0, F->x0, F->y0 + F->h, "");
    for (i = 0; i < F->ax.nticks; i++) {
        const double x = fx(F, F->ax.tick[i]);
        line(F, "tick", x, F->y0 + F->h, x, F->y0 + F->h + 4, "");
        mtp__svg_text(&F->svg, x, F->y0 + F->h + 16, MTP__MIDDLE, MTP__PLAIN, FONT_SMALL,
                      "tick-label", F->ax.label[i], NULL);
    }
    for (double j = 0; j <= floor(F->se_max / step + 1e-6); j++) {
        const double s = j * step, y = fy(F, s);
        line(F, "tick", F->x0 - 4, y, F->x0, y, "");
        mtp__svg_text(&F->svg, F->x0 - 6, y + 4, MTP__END, MTP__PLAIN, FONT_SMALL, "se-label",
                      mtp__fmt(a, sizeof a, s, step_decimals(step)), NULL);
    }
    mtp__svg_text(&F->svg, F->x0 + F->w / 2, F->y0 + F->h + 36, MTP__MIDDLE, MTP__PLAIN, FONT,
                  "axis-title", x_label, NULL);
    mtp__svg_printf(&F->svg,
                    "<text class=\"axis-title\" x=\"0\" y=\"0\" font-size=\"12.00\" "
                    "text-anchor=\"middle\" transform=\"translate(%s %s) rotate(-90)\">"
                    "Standard error</text>\n",
                    MTP__XY(a, F->x0 - 42), MTP__XY(b, F->y0 + F->h / 2));
}

/* The region estimate ± z SE, with its outline and the pooled line. */
static void funnel(frame *F, const mtp_result *pooled, double z)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    const double mu = pooled->estimate, yb = fy(F, F->se_max);
    const double xl = fx(F, mu - z * F->se_max), xr = fx(F, mu + z * F->se_max), xm = fx(F, mu);
    mtp__svg_printf(&F->svg,
                    "<polygon class=\"funnel-region\" points=\"%s,%s %s,%s %s,%s\" "
                    "fill=\"#eeeeee\" stroke=\"none\"/>\n",
                    MTP__XY(a, xm), MTP__XY(b, F->y0), MTP__XY(c, xl), MTP__XY(d, yb),
                    MTP__XY(e, xr), MTP__XY(f, yb));
    line(F, "funnel", xm, F->y0, xl, yb, " stroke-dasharray=\"4 3\"");
    line(F, "funnel", xm, F->y0, xr, yb, " stroke-dasharray=\"4 3\"");
    line(F, "pooled", xm, F->y0, xm, yb, "");
}

static const char *default_x_label(const mtp_result *pooled, int log_scale)
{
    if (pooled == NULL)
        return log_scale ? "Estimate (log scale)" : "Estimate";
    switch (pooled->measure) {
    case MTP_MEASURE_RR: return "Risk ratio (log scale)";
    case MTP_MEASURE_OR: return "Odds ratio (log scale)";
    case MTP_MEASURE_PETO_OR: return "Peto odds ratio (log scale)";
    case MTP_MEASURE_RD: return "Risk difference";
    default: return log_scale ? "Estimate (log scale)" : "Estimate";
    }
}

int mtp_plot_funnel(FILE *out, const mtp_effect *effects, size_t k, const mtp_result *pooled,
                    const mtp_funnel *opts, mtp_error *err)
{
    mtp_funnel o;
    frame F;
    double z, lo = INFINITY, hi = -INFINITY, step;
    int rc, log_scale;
    size_t i;
    if (out == NULL || effects == NULL || k == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL stream or effects, or k = 0");
    if (opts != NULL)
        o = *opts;
    else
        mtp_funnel_init(&o, MTP_FUNNEL_VERSION);
    log_scale = o.scale == MTP_SCALE_LOG ||
                (o.scale == MTP_SCALE_AUTO && pooled != NULL &&
                 (pooled->measure == MTP_MEASURE_RR || pooled->measure == MTP_MEASURE_OR ||
                  pooled->measure == MTP_MEASURE_PETO_OR));
    if ((rc = check(effects, k, pooled, &o, log_scale, err)) != MTP_OK)
        return rc;
    z = mtp__quantile(NULL, MTP__Q_NORMAL_UPPER, (1 - o.level) / 2, NAN);
    memset(&F, 0, sizeof F);
    F.svg.f = out;
    for (i = 0; i < k; i++) {
        if (isnan(effects[i].yi))
            continue;
        F.se_max = fmax(F.se_max, sqrt(effects[i].vi));
        lo = fmin(lo, effects[i].yi);
        hi = fmax(hi, effects[i].yi);
    }
    step = se_step(F.se_max);
    F.se_max = ceil(F.se_max / step - 1e-9) * step;
    if (pooled != NULL) {
        lo = fmin(lo, pooled->estimate - z * F.se_max);
        hi = fmax(hi, pooled->estimate + z * F.se_max);
    }
    if (!(hi > lo))
        lo -= 0.5, hi += 0.5;
    mtp__axis_auto(&F.ax, lo, hi, log_scale, o.width, FONT_SMALL);
    F.x0 = MARGIN + LEFT;
    F.y0 = MARGIN + (o.title != NULL ? 26 : 6);
    F.w = o.width;
    F.h = o.height;
    mtp__svg_begin(&F.svg, F.x0 + F.w + 2 * MARGIN, F.y0 + F.h + BOTTOM + MARGIN);
    if (o.title != NULL) { /* cut to the plot's width; the full title as a tooltip */
        char title[512];
        mtp__text_fit(title, sizeof title, o.title, FONT_TITLE, 1, F.w);
        mtp__svg_text(&F.svg, F.x0, MARGIN + 14, MTP__START, MTP__BOLD, FONT_TITLE, "title",
                      title, o.title);
    }
    if (pooled != NULL)
        funnel(&F, pooled, z);
    axes(&F, step, o.x_label != NULL ? o.x_label : default_x_label(pooled, log_scale));
    for (i = 0; i < k; i++) {
        char a[32], b[32];
        if (isnan(effects[i].yi))
            continue;
        mtp__svg_printf(&F.svg,
                        "<circle class=\"study\" cx=\"%s\" cy=\"%s\" r=\"" POINT_R "\" "
                        "fill=\"#1b365d\"/>\n",
                        MTP__XY(a, fx(&F, effects[i].yi)), MTP__XY(b, fy(&F, sqrt(effects[i].vi))));
    }
    mtp__svg_end(&F.svg);
    return mtp__svg_finish(&F.svg, err);
}

int mtp_funnel_init(mtp_funnel *opts, unsigned int version)
{
    if (opts == NULL || version != MTP_FUNNEL_VERSION)
        return MTP_EINVAL;
    memset(opts, 0, sizeof *opts);
    opts->version = MTP_FUNNEL_VERSION;
    opts->scale = MTP_SCALE_AUTO;
    opts->level = 0.95;
    opts->width = 360;
    opts->height = 300;
    return MTP_OK;
}
