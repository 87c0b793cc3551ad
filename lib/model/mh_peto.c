/* Fixed-effect pooling: inverse variance, Mantel-Haenszel, Peto.
 * MH estimators: Mantel & Haenszel (1959); variances of Robins, Breslow &
 * Greenland (1986) for the OR, Greenland & Robins (1985) for the RR, and for
 * the RD either Sato, Greenland & Robins (1989) (as metafor's rma.mh) or
 * Greenland & Robins (1985) (as RevMan and R's meta). Peto: Yusuf et al. (1985). */
#include "internal.h"

#include <math.h>

/* Cells of table i as used by MH: raw counts, or corrected when RevMan's
 * convention (mh_correct) asks for it. */
static void mh_cells(double cell[4], const mtp_table2x2 *t, const mtp_options *o)
{
    cell[0] = t->events_trt;
    cell[1] = t->total_trt - t->events_trt;
    cell[2] = t->events_ctl;
    cell[3] = t->total_ctl - t->events_ctl;
    if (o->mh_correct && o->cc > 0 &&
        (o->cc_when == MTP_CC_ALL || (o->cc_when == MTP_CC_ZERO && mtp__table_has_zero_cell(t))))
        for (int j = 0; j < 4; j++)
            cell[j] += o->cc;
}

int mtp__pool_mh(double *est, double *se, double *weights, const mtp_table2x2 *tables,
                 const mtp_study *studies, size_t k, const mtp_options *o, mtp_error *err)
{
    double r = 0, s = 0, t1 = 0, t2 = 0, t3 = 0, sw = 0;
    for (size_t i = 0; i < k; i++) {
        double cell[4], a, b, c, d, n1, n2, n;
        weights[i] = 0;
        if (studies[i].flags & MTP_STUDY_DROPPED)
            continue;
        mh_cells(cell, &tables[i], o);
        a = cell[0], b = cell[1], c = cell[2], d = cell[3];
        n1 = a + b, n2 = c + d, n = n1 + n2;
        switch (o->measure) {
        case MTP_MEASURE_OR: {
            const double p = (a + d) / n, q = (b + c) / n, ri = a * d / n, si = b * c / n;
            r += ri, s += si;
            t1 += p * ri, t2 += p * si + q * ri, t3 += q * si;
            weights[i] = si;
            break;
        }
        case MTP_MEASURE_RR:
            r += a * n2 / n, s += c * n1 / n;
            t1 += (n1 / n) * (n2 / n) * (a + c) - (a / n) * c;
            weights[i] = c * n1 / n;
            break;
        case MTP_MEASURE_RD:
            r += (a * n2 - c * n1) / n;
            s += n1 * n2 / n;
            if (o->mh_rd_var == MTP_MHRD_SATO) {
                t1 += c * (n1 / n) * (n1 / n) - a * (n2 / n) * (n2 / n) + (n1 / n) * (n2 / n) * (n2 - n1) / 2;
                t2 += (a * (n2 - c) + c * (n1 - a)) / n / 2;
            } else {
                t1 += (a * b * n2 * n2 * n2 + c * d * n1 * n1 * n1) / (n1 * n2 * n * n);
            }
            weights[i] = n1 * n2 / n;
            break;
        default:
            return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                             "Mantel-Haenszel pooling needs measure RR, OR or RD, not %s",
                             mtp_measure_name(o->measure));
        }
        sw += weights[i];
    }
    switch (o->measure) {
    case MTP_MEASURE_OR:
        if (!(r > 0) || !(s > 0))
            return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                             "the Mantel-Haenszel odds ratio is %s: no table has %s",
                             r > 0 ? "infinite" : "zero or undefined",
                             r > 0 ? "both a non-event in the treatment arm and an event in the control arm"
                                   : "both an event in the treatment arm and a non-event in the control arm");
        *est = log(r / s);
        *se = sqrt(0.5 * (t1 / (r * r) + t2 / (r * s) + t3 / (s * s)));
        break;
    case MTP_MEASURE_RR:
        if (!(r > 0) || !(s > 0))
            return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                             "the Mantel-Haenszel risk ratio is undefined: no events in the %s arm of any table",
                             r > 0 ? "control" : "treatment");
        *est = log(r / s);
        *se = sqrt(t1 / (r * s));
        break;
    default: /* RD */
        if (!(s > 0))
            return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "no table for the Mantel-Haenszel risk difference");
        *est = r / s;
        *se = o->mh_rd_var == MTP_MHRD_SATO ? sqrt((*est * t1 + t2) / (s * s)) : sqrt(t1 / (s * s));
        break;
    }
    if (!isfinite(*est) || !(*se > 0) || !isfinite(*se))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the Mantel-Haenszel estimate or its variance is not finite and positive");
    for (size_t i = 0; i < k; i++)
        weights[i] = sw > 0 ? 100 * (weights[i] / sw) : 0;
    return MTP_OK;
}

int mtp__pool_peto(double *est, double *se, double *q, double *weights,
                   const mtp_table2x2 *tables, const mtp_study *studies, size_t k,
                   mtp_error *err)
{
    double so = 0, sv = 0, so2v = 0;
    for (size_t i = 0; i < k; i++) {
        const mtp_table2x2 *t = &tables[i];
        const double n1 = t->total_trt, n2 = t->total_ctl, n = n1 + n2;
        const double events = t->events_trt + t->events_ctl;
        double oe, v;
        weights[i] = 0;
        if (studies[i].flags & MTP_STUDY_DROPPED)
            continue;
        oe = t->events_trt - n1 * events / n;
        v = (n1 / n) * (n2 / n) * events * (n - events) / (n - 1);
        so += oe;
        sv += v;
        so2v += oe * oe / v;
        weights[i] = v;
    }
    if (!(sv > 0))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                         "Peto's method needs a table with both events and non-events");
    *est = so / sv;
    *se = sqrt(1 / sv);
    if (!isfinite(*est) || !isfinite(*se)) /* sum V subnormal or sums overflowed */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "Peto's estimate or its variance is out of double range (sum of V = %g)", sv);
    *q = so2v - so * so / sv;
    if (*q < 0)
        *q = 0;
    for (size_t i = 0; i < k; i++)
        weights[i] = 100 * (weights[i] / sv);
    return MTP_OK;
}
