/* Heterogeneity: Cochran's Q, I², H² and the Q-profile confidence interval
 * for tau² (Viechtbauer 2007, Stat Med 26:37). I² and H² definitions: Higgins
 * & Thompson (2002, Stat Med 21:1539); the tau²-based forms
 * I² = 100 tau²/(tau² + v~), H² = tau²/v~ + 1 with the "typical" variance
 * v~ = (n-1)/C are those of metafor (Viechtbauer 2010) and Stata. */
#include "model/model.h"

#include "core/dist.h"
#include <math.h>

/* Solve Q_gen(tau²) = crit on [lo, inf); lo when Q_gen(lo) <= crit. */
static int qp_bound(double *out, mtp__model *p, double lo, double hint, double tol,
                    unsigned int max_iter, mtp_error *err)
{
    unsigned int iters;
    double f0, d0;
    mtp__q_gen_fdf(lo, p, &f0, &d0);
    if (f0 <= 0) {
        *out = lo;
        return MTP_OK;
    }
    return mtp__solve_decreasing_newton(out, &iters, mtp__q_gen_fdf, p, lo,
                                        hint > lo ? hint : 2 * lo, tol, max_iter, err);
}

int mtp__tau2_qprofile(double *lower, double *upper, const mtp__model *m, double level,
                       double tol, unsigned int max_iter, mtp_error *err)
{
    const double df = (double)(m->n - m->p), alpha = 1 - level;
    mtp__model p = *m;
    double hint = 0;
    int rc;
    for (size_t i = 0; i < m->n; i++)
        hint += m->v[i];
    hint /= (double)m->n; /* a scale for the bracket search */
    /* lower bound: Q_gen = upper alpha/2 quantile; upper bound: lower quantile */
    p.target = mtp__quantile(m->ws, MTP__Q_CHISQ_UPPER, alpha / 2, df);
    if ((rc = qp_bound(lower, &p, 0, hint, tol, max_iter, err)) != MTP_OK)
        return rc;
    /* upper >= lower: search from the lower bound, so that a degenerate
     * interval (level near 0: equal quantiles) cannot come out reversed by
     * the root tolerance */
    p.target = mtp__quantile(m->ws, MTP__Q_CHISQ_LOWER, alpha / 2, df);
    return qp_bound(upper, &p, *lower, hint, tol, max_iter, err);
}

/* 2 (ll(tau2_hat) - ll(t)) - crit, as a function of t, and a numerical
 * derivative-free root search on it: bisection to the tolerance, after a
 * bracket is found by doubling (metafor's confint(type = "PL") uses
 * uniroot on the same function). */
typedef struct {
    const mtp__model *m;
    int reml;
    double llmax, crit;
} pl_problem;

static double pl_f(const pl_problem *q, double t)
{
    return 2 * (q->llmax - mtp__loglik_weighted(q->m, t, q->reml)) - q->crit;
}

static int pl_root(double *out, const pl_problem *q, double lo, double hi, double tol,
                   unsigned int max_iter, mtp_error *err)
{
    double flo = pl_f(q, lo);
    for (unsigned int it = 0; it < max_iter; it++) {
        const double mid = lo + (hi - lo) / 2, fm = pl_f(q, mid);
        if (!isfinite(fm))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "the profile likelihood is not finite at tau2 = %g", mid);
        if ((fm > 0) == (flo > 0)) {
            lo = mid;
            flo = fm;
        } else {
            hi = mid;
        }
        if (hi - lo <= tol * fabs(hi) || hi - lo <= 4 * 2.220446049250313e-16 * fabs(hi)) {
            *out = lo + (hi - lo) / 2;
            return MTP_OK;
        }
    }
    return mtp__fail(err, MTP_ENOCONV, MTP_NO_STUDY,
                     "profile-likelihood bound did not converge in %u iterations", max_iter);
}

int mtp__tau2_profile(double *lower, double *upper, const mtp__model *m, int reml, double tau2,
                      double level, double tol, unsigned int max_iter, mtp_error *err)
{
    pl_problem q = {m, reml, mtp__loglik_weighted(m, tau2, reml),
                    mtp__quantile(m->ws, MTP__Q_CHISQ_UPPER, 1 - level, 1)};
    double hi = tau2 > 0 ? 2 * tau2 : 1, sv = 0;
    int rc;
    if (!isfinite(q.llmax))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "the log-likelihood is not finite");
    for (size_t i = 0; i < m->n; i++)
        sv += m->v[i];
    if (hi < sv / (double)m->n)
        hi = sv / (double)m->n;
    if (tau2 <= 0 || pl_f(&q, 0) <= 0) {
        *lower = 0;
    } else if ((rc = pl_root(lower, &q, 0, tau2, tol, max_iter, err)) != MTP_OK) {
        return rc;
    }
    for (unsigned int i = 0; pl_f(&q, hi) <= 0; i++) {
        if (i > 2000 || !isfinite(hi))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "no upper profile-likelihood bound found for tau2");
        hi *= 2;
    }
    return pl_root(upper, &q, tau2, hi, tol, max_iter, err);
}

int mtp__heterogeneity(mtp_summary *r, double c, const mtp__model *m, const mtp__model *mci,
                       int random, int want_ci, int i2_def, double tol, unsigned int max_iter,
                       mtp_error *err)
{
    const size_t n = m->n, p = m->p;
    const double df = n > p ? (double)(n - p) : 0;
    const double q = r->qe;
    r->qe_df = df;
    if (n <= p) {
        r->qe = 0;
        r->qe_p = NAN;
        r->i2 = r->h2 = NAN;
        return MTP_OK;
    }
    if (!isfinite(q)) /* e.g. estimates of 1e200: (y - mu)² overflows */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "Cochran's Q is not a finite number: the estimates are too far apart "
                         "(relative to their standard errors) for double precision");
    r->qe_p = mtp__pchisq_upper(q, df);
    r->vtypical = df / c;
    if (!(r->vtypical > 0) || !isfinite(r->vtypical)) /* sum 1/v overflowed (v ~ DBL_MIN) */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the typical within-study variance is %g: sampling variances out of "
                         "double range", r->vtypical);
    if (random && i2_def == MTP_I2_AUTO) {
        /* 100 (t / (v + t)), not 100 t / (v + t): the quotient is <= 1 in
         * floating point, 100 t rounded up is not (I² was 100.00000000000001) */
        r->i2 = 100 * (r->tau2 / (r->vtypical + r->tau2));
        r->h2 = r->tau2 / r->vtypical + 1;
    } else {
        r->i2 = q > 0 ? 100 * fmax(0, (q - df) / q) : 0;
        r->h2 = q / df;
    }
    if (random && want_ci) {
        int rc = mtp__tau2_qprofile(&r->tau2_ci_lower, &r->tau2_ci_upper, mci, r->level, tol,
                                    max_iter, err);
        if (rc != MTP_OK)
            return rc;
        if (i2_def == MTP_I2_AUTO) { /* the interval maps only onto the tau²-based I², H² */
            r->i2_ci_lower = 100 * (r->tau2_ci_lower / (r->vtypical + r->tau2_ci_lower));
            r->i2_ci_upper = 100 * (r->tau2_ci_upper / (r->vtypical + r->tau2_ci_upper));
            r->h2_ci_lower = r->tau2_ci_lower / r->vtypical + 1;
            r->h2_ci_upper = r->tau2_ci_upper / r->vtypical + 1;
        }
    }
    return MTP_OK;
}
