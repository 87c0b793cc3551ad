/* Heterogeneity: Cochran's Q, I², H² and the Q-profile confidence interval
 * for tau² (Viechtbauer 2007, Stat Med 26:37). I² and H² definitions: Higgins
 * & Thompson (2002, Stat Med 21:1539); the tau²-based forms
 * I² = 100 tau²/(tau² + v~), H² = tau²/v~ + 1 with the "typical" variance
 * v~ = (n-1)/C are those of metafor (Viechtbauer 2010) and Stata. */
#include "internal.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

/* Solve Q_gen(tau²) = crit on [lo, inf); lo when Q_gen(lo) <= crit. */
static int qp_bound(double *out, mtp__qgen_problem *p, double lo, double hint,
                    const mtp_options *o, mtp_error *err)
{
    unsigned int iters;
    double f0, d0;
    mtp__q_gen_fdf(lo, p, &f0, &d0);
    if (f0 <= 0) {
        *out = lo;
        return MTP_OK;
    }
    return mtp__solve_decreasing_newton(out, &iters, mtp__q_gen_fdf, p, lo,
                                        hint > lo ? hint : 2 * lo, o, err);
}

int mtp__tau2_qprofile(double *lower, double *upper, const double *y, const double *v, size_t n,
                       double level, mtp_workspace *ws, const mtp_options *o, mtp_error *err)
{
    const double df = (double)n - 1, alpha = 1 - level;
    mtp__qgen_problem p = {y, v, n, 0};
    double hint = 0;
    int rc;
    for (size_t i = 0; i < n; i++)
        hint += v[i];
    hint /= (double)n; /* a scale for the bracket search */
    /* lower bound: Q_gen = upper alpha/2 quantile; upper bound: lower quantile */
    p.target = mtp__quantile(ws, MTP__Q_CHISQ_UPPER, alpha / 2, df);
    if ((rc = qp_bound(lower, &p, 0, hint, o, err)) != MTP_OK)
        return rc;
    /* upper >= lower: search from the lower bound, so that a degenerate
     * interval (level near 0: equal quantiles) cannot come out reversed by
     * the root tolerance */
    p.target = mtp__quantile(ws, MTP__Q_CHISQ_LOWER, alpha / 2, df);
    return qp_bound(upper, &p, *lower, hint, o, err);
}

int mtp__heterogeneity(mtp_result *r, double q, const double *y, const double *v, size_t n,
                       int random, mtp_workspace *ws, const mtp_options *o, mtp_error *err)
{
    const double df = n > 0 ? (double)n - 1 : 0;
    r->q = q;
    r->q_df = df;
    if (n < 2) {
        r->q = 0;
        r->q_p = NAN;
        r->i2 = r->h2 = NAN;
        return MTP_OK;
    }
    if (!isfinite(q)) /* e.g. estimates of 1e200: (y - mu)² overflows */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "Cochran's Q is not a finite number: the estimates are too far apart "
                         "(relative to their standard errors) for double precision");
    r->q_p = gsl_cdf_chisq_Q(q, df);
    r->vtypical = df / mtp__dl_c(v, n);
    if (!(r->vtypical > 0) || !isfinite(r->vtypical)) /* sum 1/v overflowed (v ~ DBL_MIN) */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the typical within-study variance is %g: sampling variances out of "
                         "double range", r->vtypical);
    if (random && o->i2_def == MTP_I2_AUTO) {
        /* 100 (t / (v + t)), not 100 t / (v + t): the quotient is <= 1 in
         * floating point, 100 t rounded up is not (I² was 100.00000000000001) */
        r->i2 = 100 * (r->tau2 / (r->vtypical + r->tau2));
        r->h2 = r->tau2 / r->vtypical + 1;
    } else {
        r->i2 = q > 0 ? 100 * fmax(0, (q - df) / q) : 0;
        r->h2 = q / df;
    }
    if (random && o->tau2_ci && o->tau2_fixed < 0) {
        int rc = mtp__tau2_qprofile(&r->tau2_ci_lower, &r->tau2_ci_upper, y, v, n, r->level, ws, o, err);
        if (rc != MTP_OK)
            return rc;
        if (o->i2_def == MTP_I2_AUTO) { /* the interval maps only onto the tau²-based I², H² */
            r->i2_ci_lower = 100 * (r->tau2_ci_lower / (r->vtypical + r->tau2_ci_lower));
            r->i2_ci_upper = 100 * (r->tau2_ci_upper / (r->vtypical + r->tau2_ci_upper));
            r->h2_ci_lower = r->tau2_ci_lower / r->vtypical + 1;
            r->h2_ci_upper = r->tau2_ci_upper / r->vtypical + 1;
        }
    }
    return MTP_OK;
}
