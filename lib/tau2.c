/* Between-study variance (tau²) estimators for the random-effects model
 * y_i = mu + u_i + e_i, u_i ~ N(0, tau²), e_i ~ N(0, v_i).
 * Notation: w_i = 1/v_i, W = sum w_i, Q = sum w_i (y_i - mu_FE)²,
 * C = W - sum w_i² / W, n = number of studies.
 * References: DerSimonian & Laird (1986, Control Clin Trials 7:177);
 * Hedges (1983, Psychol Bull 93:388); Hunter & Schmidt (2004, Methods of
 * Meta-Analysis, 2nd ed.); Sidik & Jonkman (2005, Stat Med 24:3247 and
 * J Biopharm Stat 15:823); Viechtbauer (2005, J Educ Behav Stat 30:261) for
 * ML and REML; Paule & Mandel (1982, J Res NBS 87:377); Morris (1983, JASA
 * 78:47) for EB, whose estimating equation Q_gen(tau²) = n - 1 is PM's
 * (Viechtbauer et al. 2015, Psychol Methods 20:360). */
#include "internal.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <math.h>

typedef struct {
    const double *y, *v;
    size_t n;
    double target;
} tau2_problem;

/* ML score (times 2): sum w²(y - mu)² - sum w, w = 1/(v + tau²). */
static double ml_score(double tau2, void *params)
{
    const tau2_problem *p = params;
    double mu, sw, s = 0;
    mtp__weighted_mean(&mu, &sw, p->y, p->v, p->n, tau2, NULL);
    for (size_t i = 0; i < p->n; i++) {
        const double w = 1 / (p->v[i] + tau2), r = p->y[i] - mu;
        s += w * w * r * r;
    }
    return s - sw;
}

/* REML score (times 2): the ML score plus sum w² / sum w. */
static double reml_score(double tau2, void *params)
{
    const tau2_problem *p = params;
    double mu, sw, sw2 = 0, s = 0;
    mtp__weighted_mean(&mu, &sw, p->y, p->v, p->n, tau2, NULL);
    for (size_t i = 0; i < p->n; i++) {
        const double w = 1 / (p->v[i] + tau2), r = p->y[i] - mu;
        s += w * w * r * r;
        sw2 += w * w;
    }
    return s - sw + sw2 / sw;
}

/* Generalised Q minus a target (PM, EB, Q-profile). Decreasing in tau². */
static double q_minus_target(double tau2, void *params)
{
    const tau2_problem *p = params;
    return mtp__q_gen(p->y, p->v, p->n, tau2) - p->target;
}

int mtp__solve_decreasing(double *root, unsigned int *iterations, mtp__fn f, void *params,
                          double lo, double hi_start, mtp_workspace *ws, const mtp_options *o,
                          mtp_error *err)
{
    gsl_function fn;
    double hi = hi_start, fhi;
    unsigned int expansions = 0, iter = 0;
    int status;

    /* Expand the bracket until f changes sign; every f(hi) checked finite
     * so that GSL's error path (abort by default) is never reached. */
    while ((fhi = f(hi, params)) > 0) {
        if (!isfinite(fhi) || hi > DBL_MAX / 8 || ++expansions > 4000)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "no sign change found while bracketing tau2 (last upper end %g)", hi);
        lo = hi;
        hi *= 4;
    }
    if (!isfinite(fhi))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "estimating equation not finite at tau2 = %g", hi);
    if (fhi == 0) {
        *root = hi;
        *iterations = expansions;
        return MTP_OK;
    }
    fn.function = f;
    fn.params = params;
    gsl_root_fsolver_set(ws->solver, &fn, lo, hi);
    do {
        iter++;
        status = gsl_root_fsolver_iterate(ws->solver);
        if (status != GSL_SUCCESS)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "Brent iteration failed (%s)",
                             gsl_strerror(status));
        status = gsl_root_test_interval(gsl_root_fsolver_x_lower(ws->solver),
                                        gsl_root_fsolver_x_upper(ws->solver), 0, o->tol);
    } while (status == GSL_CONTINUE && iter < o->max_iter);
    *root = gsl_root_fsolver_root(ws->solver);
    *iterations = expansions + iter;
    if (status != GSL_SUCCESS)
        return mtp__fail(err, MTP_ENOCONV, MTP_NO_STUDY,
                         "tau2 root search did not reach tolerance %g in %u iterations", o->tol,
                         o->max_iter);
    return MTP_OK;
}

/* Sum of squares around the unweighted mean. */
static double unweighted_ss(const double *y, size_t n)
{
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (y[i] - mean) * (y[i] - mean);
    return ss;
}

static void set_closed_form(mtp__tau2_fit *fit, double value)
{
    fit->iterations = 0;
    fit->converged = 1;
    fit->truncated = value < 0;
    fit->tau2 = value < 0 ? 0 : value;
}

/* Iterative estimators: root of a decreasing estimating equation on [0, inf);
 * 0 when the equation is already <= 0 at tau² = 0. */
static int solve_iterative(mtp__tau2_fit *fit, mtp__fn f, tau2_problem *p, mtp_workspace *ws,
                           const mtp_options *o, mtp_error *err)
{
    const double f0 = f(0, p);
    double scale;
    fit->iterations = 0;
    fit->converged = 1;
    fit->truncated = 0;
    if (!isfinite(f0))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "estimating equation not finite at tau2 = 0");
    if (f0 <= 0) {
        fit->tau2 = 0;
        fit->truncated = 1;
        return MTP_OK;
    }
    scale = unweighted_ss(p->y, p->n) / (double)p->n;
    if (!(scale > 0))
        scale = DBL_MIN;
    return mtp__solve_decreasing(&fit->tau2, &fit->iterations, f, p, 0, scale, ws, o, err);
}

int mtp__tau2_estimate(mtp__tau2_fit *fit, mtp_method method, const double *y, const double *v,
                       size_t n, mtp_workspace *ws, const mtp_options *o, mtp_error *err)
{
    tau2_problem p = {y, v, n, 0};
    const double df = (double)n - 1;
    double mu, sw;

    switch (method) {
    case MTP_METHOD_DL: {
        /* (Q - (n-1)) / C */
        mtp__weighted_mean(&mu, &sw, y, v, n, 0, NULL);
        set_closed_form(fit, (mtp__q_centred(y, v, n, mu) - df) / mtp__dl_c(v, n));
        return MTP_OK;
    }
    case MTP_METHOD_HE: {
        /* (sum (y - ybar)² - (1 - 1/n) sum v) / (n - 1) */
        double sv = 0;
        for (size_t i = 0; i < n; i++)
            sv += v[i];
        set_closed_form(fit, (unweighted_ss(y, n) - sv * df / (double)n) / df);
        return MTP_OK;
    }
    case MTP_METHOD_HS: {
        /* (Q - n) / W */
        mtp__weighted_mean(&mu, &sw, y, v, n, 0, NULL);
        set_closed_form(fit, (mtp__q_centred(y, v, n, mu) - (double)n) / sw);
        return MTP_OK;
    }
    case MTP_METHOD_SJ: {
        /* tau0² = sum (y - ybar)² / n; tau² = tau0² Q_gen(tau0²) / (n - 1) */
        const double tau0 = unweighted_ss(y, n) / (double)n;
        set_closed_form(fit, tau0 > 0 ? tau0 * mtp__q_gen(y, v, n, tau0) / df : 0);
        return MTP_OK;
    }
    case MTP_METHOD_ML:
        return solve_iterative(fit, ml_score, &p, ws, o, err);
    case MTP_METHOD_REML:
        return solve_iterative(fit, reml_score, &p, ws, o, err);
    case MTP_METHOD_PM:
    case MTP_METHOD_EB:
        p.target = df;
        return solve_iterative(fit, q_minus_target, &p, ws, o, err);
    default:
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "%s does not estimate tau2",
                         mtp_method_name(method));
    }
}

