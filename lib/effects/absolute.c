/* Absolute effects of a pooled risk ratio, as GRADE summary-of-findings
 * tables state them: the corresponding risk in the treated group is the
 * assumed control risk times the RR (and times each CI limit), the risk
 * difference their difference, the NNT its reciprocal (GRADE Handbook 5.2;
 * Cochrane Handbook 14.1.5; Schünemann et al. 2011, J Clin Epidemiol 64:1383).
 * The assumed control risk is usually the median control-arm risk of the
 * trials (GRADE), or their pooled risk.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static double cap1(double x) { return x > 1 ? 1 : x; }

int mtp_absolute_from_rr(mtp_absolute *out, double rr, double rr_lower, double rr_upper,
                         double control_risk, mtp_error *err)
{
    mtp_absolute a;
    if (out == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL result pointer");
    if (!isfinite(rr) || !isfinite(rr_lower) || !isfinite(rr_upper) || !(rr_lower > 0))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                         "risk ratio %g (%g to %g): need finite values > 0", rr, rr_lower, rr_upper);
    if (!(rr_lower <= rr && rr <= rr_upper))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                         "risk ratio %g lies outside its interval %g to %g", rr, rr_lower, rr_upper);
    if (!(control_risk >= 0 && control_risk <= 1))
        return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY, "control risk %g is not in [0, 1]",
                         control_risk);
    a.control_risk = control_risk;
    a.treat_risk = cap1(control_risk * rr);
    a.treat_risk_lower = cap1(control_risk * rr_lower);
    a.treat_risk_upper = cap1(control_risk * rr_upper);
    a.rd = a.treat_risk - control_risk;
    a.rd_lower = a.treat_risk_lower - control_risk;
    a.rd_upper = a.treat_risk_upper - control_risk;
    a.nnt = a.rd == 0 ? INFINITY : 1 / fabs(a.rd);
    *out = a;
    return MTP_OK;
}

static int cmp_double(const void *pa, const void *pb)
{
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Validate the control arm of table i (the treatment arm is not read). */
static int check_control(const mtp_table2x2 *t, size_t i, mtp_error *err)
{
    const double c = t->events_ctl, n = t->total_ctl;
    if (!isfinite(c) || !isfinite(n))
        return mtp__fail(err, MTP_EDATA, i, "control counts must be finite numbers");
    if (c < 0 || !(n > 0))
        return mtp__fail(err, MTP_EDATA, i,
                         "control arm %g/%g needs events >= 0 and participants > 0", c, n);
    if (c > n)
        return mtp__fail(err, MTP_EDATA, i,
                         "%g events in the control arm exceed its %g participants",
                         c, n);
    return MTP_OK;
}

int mtp_control_risk(double *risk, const mtp_table2x2 *tables, size_t k,
                     mtp_control_risk_rule rule, mtp_error *err)
{
    double *r, events = 0, total = 0;
    int rc;
    if (risk == NULL || tables == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL risk or tables pointer");
    if (rule != MTP_CONTROL_RISK_MEDIAN && rule != MTP_CONTROL_RISK_POOLED)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown control-risk rule %d", (int)rule);
    if (k == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no tables (k = 0)");
    for (size_t i = 0; i < k; i++)
        if ((rc = check_control(&tables[i], i, err)) != MTP_OK)
            return rc;
    if (rule == MTP_CONTROL_RISK_POOLED) {
        for (size_t i = 0; i < k; i++) {
            events += tables[i].events_ctl;
            total += tables[i].total_ctl;
        }
        if (!isfinite(events / total))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "the pooled control risk overflows");
        *risk = events / total;
        return MTP_OK;
    }
    r = k <= SIZE_MAX / sizeof *r ? malloc(k * sizeof *r) : NULL;
    if (r == NULL)
        return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory for %zu risks", k);
    for (size_t i = 0; i < k; i++)
        r[i] = tables[i].events_ctl / tables[i].total_ctl;
    qsort(r, k, sizeof *r, cmp_double);
    *risk = k % 2 ? r[k / 2] : (r[k / 2 - 1] + r[k / 2]) / 2;
    free(r);
    return MTP_OK;
}
