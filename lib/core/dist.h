/* Distribution functions that never reach GSL's error handler (issue 13).
 *
 * Internal to the library (mtp__ prefix, not installed). Every function is
 * pure: no allocation, no global state, no change to GSL's error handler,
 * safe to call from any number of threads at once.
 *
 * Conventions shared by all of them:
 *   - a NaN argument gives NaN;
 *   - a degree of freedom that is not > 0 (negative, zero, NaN) gives NaN;
 *     df = +Inf is the limiting distribution (see each function);
 *   - a probability outside [0, 1] gives NaN; the quantile of probability
 *     0 or 1 is the corresponding end of the support (0 or +-Inf);
 *   - valid arguments give the value to about 1e-12 relative or better
 *     (measured against R 4.2 and mpmath; docs/extremes.md, section
 *     "Distribution functions at extreme arguments"), for df from 1e-3 to
 *     1e12 and probabilities from 1e-300 to 1 - 1e-16.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_CORE_DIST_H
#define METAPOOL_CORE_DIST_H

/* P(Z > z) for a standard normal Z. */
double mtp__pnorm_upper(double z);
/* The z with P(Z > z) = p: p in (0, 1); p = 0 gives +Inf, p = 1 gives -Inf. */
double mtp__qnorm_upper(double p);

/* P(T > t) for Student's t with df degrees of freedom; df = +Inf: normal. */
double mtp__pt_upper(double t, double df);
/* The t with P(T > t) = p; p = 0: +Inf, p = 1: -Inf; df = +Inf: normal.
 * When the quantile is beyond the largest double (df < about 0.01 and
 * p far from 1/2) the result is +-Inf. */
double mtp__qt_upper(double p, double df);

/* P(X > x) for a chi-square X with df degrees of freedom (x <= 0 gives 1,
 * x = +Inf gives 0); df = +Inf gives 1 for every finite x. */
double mtp__pchisq_upper(double x, double df);
/* The x with P(X > x) = p; p = 0: +Inf, p = 1: 0; df = +Inf: +Inf. A
 * quantile below the smallest positive double is returned as 0. */
double mtp__qchisq_upper(double p, double df);
/* The x with P(X <= x) = p; p = 0: 0, p = 1: +Inf; df = +Inf: +Inf. */
double mtp__qchisq_lower(double p, double df);

/* P(F > x) for Fisher's F with df1 and df2 degrees of freedom (x <= 0
 * gives 1, x = +Inf gives 0). df2 = +Inf: chi-square(df1)/df1; df1 = +Inf
 * (df2 finite): df2/chi-square(df2); both +Inf: the point mass at 1
 * (1 below it, 0 above it, 1/2 at x = 1, as R's pf). */
double mtp__pf_upper(double x, double df1, double df2);

#endif
