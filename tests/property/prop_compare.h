/* Comparing two results that should agree up to rounding (property tests).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_PROP_COMPARE_H
#define METAPOOL_PROP_COMPARE_H

#include "prop_common.h"

/* The fields compared, each with its natural unit:
 * - the estimate and its confidence limits: |x| + SE (a difference far
 *   below the standard error is rounding, whatever the size of the estimate);
 *   prediction limits: |x| + sqrt(SE^2 + tau2), the interval's own unit;
 * - tau2 and its limits: |x| + v~ (the typical within-study variance; tau2
 *   comes out of differences like Q - df, so near 0 only an absolute
 *   tolerance on the scale of the variances makes sense);
 * - Q: Q + 1 (a chi-square value), H2 = Q/df or tau2/v~ + 1: H2 + 1;
 *   I2 and its limits: 100 (percent); SE, v~: relative. */
typedef struct {
    const char *name;
    double a, b, scale;
} field_cmp;

static inline size_t result_fields(field_cmp *f, const mtp_result *a, const mtp_result *b)
{
    const double se = isfinite(a->se) && a->se > 0 ? a->se : DBL_MIN;
    const double vt = isfinite(a->vtypical) ? a->vtypical : DBL_MIN;
    const double sd = sqrt(se * se + (isfinite(a->tau2) ? a->tau2 : 0));
    size_t n = 0;
#define FIELD(fld, sc) (f[n].name = #fld, f[n].a = a->fld, f[n].b = b->fld, f[n].scale = (sc), n++)
    FIELD(estimate, fabs(a->estimate) + se);
    FIELD(se, se);
    FIELD(ci_lower, fabs(a->ci_lower) + se);
    FIELD(ci_upper, fabs(a->ci_upper) + se);
    FIELD(pi_lower, fabs(a->pi_lower) + sd);
    FIELD(pi_upper, fabs(a->pi_upper) + sd);
    FIELD(tau2, fabs(a->tau2) + vt);
    FIELD(tau2_ci_lower, fabs(a->tau2_ci_lower) + vt);
    FIELD(tau2_ci_upper, fabs(a->tau2_ci_upper) + vt);
    FIELD(q, fabs(a->q) + 1);
    FIELD(i2, 100);
    FIELD(i2_ci_lower, 100);
    FIELD(i2_ci_upper, 100);
    FIELD(h2, fabs(a->h2) + 1);
    FIELD(vtypical, vt);
#undef FIELD
    return n;
}

/* Largest |a - b| / scale over the fields; *worst names it. Fields that are
 * NaN on one side only give +Inf. */
static inline double result_discrepancy(const mtp_result *a, const mtp_result *b, const char **worst)
{
    field_cmp f[20];
    const size_t n = result_fields(f, a, b);
    double d = 0;
    *worst = "";
    for (size_t i = 0; i < n; i++) {
        double e;
        if (isnan(f[i].a) || isnan(f[i].b))
            e = isnan(f[i].a) && isnan(f[i].b) ? 0 : INFINITY;
        else if (f[i].a == f[i].b)
            e = 0;
        else
            e = fabs(f[i].a - f[i].b) / f[i].scale;
        if (!(e <= d)) {
            d = e;
            *worst = f[i].name;
        }
    }
    return d;
}

#endif
