/* Study-level effect sizes: 2x2 tables (RR, OR, RD, Peto OR) and estimates
 * given with a confidence interval. Formulas as in metafor's escalc()
 * (Viechtbauer 2010, J Stat Softw 36(3)); Peto's O-E and V from Yusuf et al.
 * (1985, Prog Cardiovasc Dis 27:335). */
#include "internal.h"

#include "core/dist.h"
#include <math.h>

int mtp__check_table(const mtp_table2x2 *t, size_t i, mtp_error *err)
{
    const double a = t->events_trt, n1 = t->total_trt, c = t->events_ctl, n2 = t->total_ctl;
    if (!isfinite(a) || !isfinite(n1) || !isfinite(c) || !isfinite(n2))
        return mtp__fail(err, MTP_EDATA, i, "counts must be finite numbers");
    if (a < 0 || c < 0 || n1 < 0 || n2 < 0)
        return mtp__fail(err, MTP_EDATA, i, "negative count (%g/%g vs %g/%g)", a,
                         n1, c, n2);
    if (n1 == 0 || n2 == 0)
        return mtp__fail(err, MTP_EDATA, i, "an arm has zero participants (n1 = %g, n2 = %g)", n1, n2);
    if (a > n1)
        return mtp__fail(err, MTP_EDATA, i, "%g events in the treatment arm exceed its %g participants", a, n1);
    if (c > n2)
        return mtp__fail(err, MTP_EDATA, i, "%g events in the control arm exceed its %g participants", c, n2);
    return MTP_OK;
}

int mtp__table_is_double_zero(const mtp_table2x2 *t)
{
    return (t->events_trt == 0 && t->events_ctl == 0) ||
           (t->events_trt == t->total_trt && t->events_ctl == t->total_ctl);
}

int mtp__table_has_zero_cell(const mtp_table2x2 *t)
{
    return t->events_trt == 0 || t->events_ctl == 0 || t->events_trt == t->total_trt ||
           t->events_ctl == t->total_ctl;
}

int mtp__drops_double_zero(const mtp_options *o, mtp_measure measure)
{
    switch (o->double_zero) {
    case MTP_DZ_DROP: return 1;
    case MTP_DZ_KEEP: return measure == MTP_MEASURE_PETO_OR; /* V = 0: no information */
    default: return measure != MTP_MEASURE_RD;
    }
}

static int peto_effect(mtp_effect *out, const mtp_table2x2 *t, size_t i, mtp_error *err)
{
    const double a = t->events_trt, n1 = t->total_trt, c = t->events_ctl, n2 = t->total_ctl;
    const double n = n1 + n2, events = a + c, nonevents = n - events;
    double expected, var;
    if (!(n > 1))
        return mtp__fail(err, MTP_EDATA, i, "Peto's variance needs more than one participant");
    expected = n1 * events / n;
    var = (n1 / n) * (n2 / n) * events * nonevents / (n - 1);
    if (!isfinite(var))
        return mtp__fail(err, MTP_ENUMERIC, i,
                         "Peto's variance is out of double range (counts %g/%g vs %g/%g)", a, n1, c, n2);
    if (!(var > 0))
        return mtp__fail(err, MTP_EDATA, i, "Peto's variance is zero");
    out->yi = (a - expected) / var;
    out->vi = 1.0 / var;
    if (!isfinite(out->yi) || !isfinite(out->vi)) /* a subnormal V, or O - E overflowed */
        return mtp__fail(err, MTP_ENUMERIC, i,
                         "Peto's log odds ratio or its variance is out of double range "
                         "(counts %g/%g vs %g/%g)", a, n1, c, n2);
    return MTP_OK;
}

int mtp__effect_2x2(mtp_effect *out, unsigned int *flags, const mtp_table2x2 *t,
                    const mtp_options *o, mtp_measure measure, size_t i, mtp_error *err)
{
    double a = t->events_trt, b = t->total_trt - t->events_trt;
    double c = t->events_ctl, d = t->total_ctl - t->events_ctl;
    double n1, n2;
    unsigned int f = 0;
    int correct;

    out->yi = out->vi = NAN;
    if (mtp__table_is_double_zero(t)) {
        f |= MTP_STUDY_DOUBLE_ZERO;
        if (mtp__drops_double_zero(o, measure)) {
            *flags = f | MTP_STUDY_DROPPED;
            return MTP_OK;
        }
    }
    if (measure == MTP_MEASURE_PETO_OR) {
        *flags = f;
        return peto_effect(out, t, i, err);
    }
    correct = o->cc > 0 && (o->cc_when == MTP_CC_ALL ||
                            (o->cc_when == MTP_CC_ZERO && mtp__table_has_zero_cell(t)));
    if (correct) {
        a += o->cc;
        b += o->cc;
        c += o->cc;
        d += o->cc;
        f |= MTP_STUDY_CC;
    }
    n1 = a + b;
    n2 = c + d;
    switch (measure) {
    case MTP_MEASURE_RR:
        if (a == 0 || c == 0)
            return mtp__fail(err, MTP_EDATA, i,
                             "no events in an arm and no continuity correction: log RR is infinite");
        out->yi = log((a / n1) / (c / n2));
        out->vi = 1 / a - 1 / n1 + 1 / c - 1 / n2;
        break;
    case MTP_MEASURE_OR:
        if (a == 0 || b == 0 || c == 0 || d == 0)
            return mtp__fail(err, MTP_EDATA, i,
                             "a zero cell and no continuity correction: log OR is infinite");
        out->yi = log((a * d) / (b * c));
        out->vi = 1 / a + 1 / b + 1 / c + 1 / d;
        break;
    case MTP_MEASURE_RD: {
        const double p1 = a / n1, p2 = c / n2;
        out->yi = p1 - p2;
        out->vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2;
        break;
    }
    default:
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "measure %s is not a 2x2 measure",
                         mtp_measure_name(measure));
    }
    if (!isfinite(out->yi) || !isfinite(out->vi))
        return mtp__fail(err, MTP_ENUMERIC, i,
                         "the %s or its variance is out of double range (counts %g/%g vs %g/%g)", mtp_measure_name(measure), t->events_trt, t->total_trt,
                         t->events_ctl, t->total_ctl);
    if (!(out->vi > 0))
        return mtp__fail(err, MTP_EDATA, i,
                         "the %s has variance %g (all or no events in both arms, no correction)", mtp_measure_name(measure), out->vi);
    *flags = f;
    return MTP_OK;
}

int mtp_effect_from_2x2(mtp_effect *out, unsigned int *flags, const mtp_table2x2 *table,
                        const mtp_options *opts, mtp_error *err)
{
    mtp_options tmp;
    unsigned int f = 0;
    int rc;
    if (out == NULL || table == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "mtp_effect_from_2x2: NULL argument");
    opts = mtp__options_or_default(opts, &tmp);
    if ((rc = mtp__check_options(opts, err)) != MTP_OK)
        return rc;
    if (opts->measure == MTP_MEASURE_GENERIC)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "a 2x2 table needs measure RR, OR, RD or PETO");
    if ((rc = mtp__check_table(table, 0, err)) != MTP_OK)
        return rc;
    rc = mtp__effect_2x2(out, &f, table, opts, opts->measure, 0, err);
    if (flags != NULL)
        *flags = f;
    return rc;
}

int mtp_effect_from_ci(mtp_effect *out, double est, double lower, double upper, double level,
                       int log_scale, mtp_error *err)
{
    double z, se;
    if (out == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "mtp_effect_from_ci: NULL argument");
    if (!(level > 0 && level < 1))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "confidence level %g is not between 0 and 1 (exclusive)", level);
    if (!isfinite(est) || !isfinite(lower) || !isfinite(upper))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "estimate and limits must be finite");
    if (!(lower < upper))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "lower limit %g is not below upper limit %g",
                         lower, upper);
    if (est < lower || est > upper)
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "estimate %g lies outside its interval [%g, %g]",
                         est, lower, upper);
    if (log_scale) {
        if (!(lower > 0))
            return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "a ratio and its limits must be > 0");
        est = log(est);
        lower = log(lower);
        upper = log(upper);
    }
    z = mtp__qnorm_upper((1 - level) / 2);
    se = (upper - lower) / (2 * z);
    /* vi = se² must be finite and > 0 too: an interval wider than about
     * 1e154 (or narrower than 1e-154) overflows (underflows) it */
    if (!(se > 0) || !isfinite(se) || !(se * se > 0) || !isfinite(se * se))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                         "the interval gives a standard error of %g, whose square is %g", se, se * se);
    out->yi = est;
    out->vi = se * se;
    return MTP_OK;
}
