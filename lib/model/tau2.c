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
#include "model/model.h"

#include <float.h>
#include <math.h>

/* Sums shared by the score functions and their derivatives, with
 * w = 1/(v + tau²), mu the weighted mean and r = y - mu. */
typedef struct {
    double sw, sw2, sw3; /* sum w, sum w², sum w³ */
    double c;            /* sum w - sum w²/sum w, as 2 sum_{i<j} w_i w_j / sum w (mtp__dl_c) */
    double s2, s3;       /* sum w² r², sum w³ r² */
    double t;            /* sum w² r */
} score_sums;

static void get_sums(score_sums *z, const mtp__model *p, double tau2)
{
    double mu, before = 0, cross = 0;
    z->sw2 = z->sw3 = z->s2 = z->s3 = z->t = 0;
    mtp__weighted_mean(&mu, &z->sw, p->y, p->v, p->n, tau2, NULL);
    for (size_t i = 0; i < p->n; i++) {
        const double w = 1 / (p->v[i] + tau2), r = p->y[i] - mu, w2 = w * w;
        z->sw2 += w2;
        cross += w * (before / z->sw);
        before += w;
        z->sw3 += w2 * w;
        z->s2 += w2 * r * r;
        z->s3 += w2 * w * r * r;
        z->t += w2 * r;
    }
    z->c = 2 * cross;
}

/* Derivatives in tau² use dw/dtau² = -w² and dmu/dtau² = -sum w² r / sum w. */

/* ML score (times 2) and derivative:
 * S = sum w² r² - sum w,
 * S' = -2 sum w³ r² + 2 (sum w² r)² / sum w + sum w². */
/* The general scores: ML f = y'PPy - tr W, f' = -2 y'PPPy + tr W²;
 * REML f = y'PPy - tr P, f' = -2 y'PPPy + tr PP (Viechtbauer 2005, eqs. 9
 * and 12 written for X; metafor's Fisher scoring uses the same terms). */
static void general_fdf(const mtp__model *m, double tau2, int reml, double *f, double *df)
{
    mtp__wls fit;
    mtp__psums s;
    mtp__weights(m->ws->w, m->v, m->n, tau2);
    if (mtp__wls_solve(&fit, m, m->ws->w) != MTP_OK) {
        *f = *df = NAN;
        return;
    }
    mtp__psums_get(&s, m, &fit, MTP__PS_PPP | (reml ? MTP__PS_TRPP : 0u));
    *f = s.yPPy - (reml ? s.trP : s.sw);
    *df = -2 * s.yPPPy + (reml ? s.trPP : s.sw2);
}

static void ml_fdf(double tau2, void *params, double *f, double *df)
{
    score_sums z;
    if (((const mtp__model *)params)->x != NULL) {
        general_fdf(params, tau2, 0, f, df);
        return;
    }
    get_sums(&z, params, tau2);
    *f = z.s2 - z.sw;
    *df = -2 * z.s3 + 2 * z.t * z.t / z.sw + z.sw2;
}

/* REML score (times 2) and derivative: the ML ones plus
 * sum w² / sum w and its derivative -2 sum w³ / sum w + (sum w² / sum w)². */
static void reml_fdf(double tau2, void *params, double *f, double *df)
{
    score_sums z;
    if (((const mtp__model *)params)->x != NULL) {
        general_fdf(params, tau2, 1, f, df);
        return;
    }
    get_sums(&z, params, tau2);
    *f = z.s2 - z.c; /* sum w - sum w²/sum w, without cancellation */
    *df = -2 * z.s3 + 2 * z.t * z.t / z.sw + z.sw2 - 2 * z.sw3 / z.sw +
          (z.sw2 / z.sw) * (z.sw2 / z.sw);
}

/* Safeguarded Newton (Press et al., Numerical Recipes, 3rd ed., §9.4's
 * rtsafe idea): Newton steps from inside a bracket [lo, hi] with f(lo) > 0 >
 * f(hi), falling back to bisection whenever a step would leave the bracket or
 * |f| has not at least halved. GSL's derivative solvers
 * (gsl_root_fdfsolver_*) keep no bracket, and its bracketing Brent solver
 * needs about three times as many evaluations here (docs/performance.md). */
int mtp__solve_decreasing_newton(double *root, unsigned int *iterations, mtp__fdf fdf,
                                 void *params, double lo, double hi_start, double tol,
                                 unsigned int max_iter, mtp_error *err)
{
    double hi = hi_start, x, fx, dfx, fprev = INFINITY;
    unsigned int expansions = 0, iter = 0;
    int bisect = 0;

    /* Expand the bracket until f changes sign (f(lo) > 0 is the caller's). */
    for (;;) {
        fdf(hi, params, &fx, &dfx);
        if (!isfinite(fx))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "estimating equation not finite at tau2 = %g", hi);
        if (fx <= 0)
            break;
        if (hi > DBL_MAX / 8 || ++expansions > 4000)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "no sign change found while bracketing tau2 (last upper end %g)", hi);
        lo = hi;
        hi *= 4;
    }
    x = hi;
    while (fx != 0) {
        double next = NAN;
        if (++iter > max_iter) {
            *root = x;
            *iterations = expansions + iter - 1;
            return mtp__fail(err, MTP_ENOCONV, MTP_NO_STUDY,
                             "tau2 root search did not reach tolerance %g in %u iterations",
                             tol, max_iter);
        }
        if (!bisect && dfx < 0 && isfinite(dfx))
            next = x - fx / dfx;
        if (!(next > lo && next < hi))
            next = lo + (hi - lo) / 2;
        if (fabs(next - x) <= tol * fabs(next) || hi - lo <= 4 * DBL_EPSILON * fabs(next)) {
            x = next;
            break;
        }
        x = next;
        fprev = fabs(fx);
        fdf(x, params, &fx, &dfx);
        if (!isfinite(fx))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "estimating equation not finite at tau2 = %g", x);
        if (fx > 0)
            lo = x;
        else
            hi = x;
        bisect = fabs(fx) > fprev / 2;
    }
    *root = x;
    *iterations = expansions + iter;
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
static int solve_iterative(mtp__tau2_fit *fit, mtp__fdf fdf, mtp__model *p, double tol,
                           unsigned int max_iter, mtp_error *err)
{
    double f0, d0, scale;
    fdf(0, p, &f0, &d0);
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
    return mtp__solve_decreasing_newton(&fit->tau2, &fit->iterations, fdf, p, 0, scale, tol,
                                        max_iter, err);
}

double mtp__loglik(const mtp__model *p, double tau2, int reml)
{
    double sw, ll = 0, mu;
    if (p->x != NULL) { /* -1/2 (sum log(v + tau²) + y'Py [+ log det X'WX]) */
        mtp__wls fit;
        mtp__weights(p->ws->w, p->v, p->n, tau2);
        if (mtp__wls_solve(&fit, p, p->ws->w) != MTP_OK)
            return NAN;
        for (size_t i = 0; i < p->n; i++)
            ll -= 0.5 * (log(p->v[i] + tau2) + p->ws->w[i] * fit.r[i] * fit.r[i]);
        return reml ? ll - 0.5 * fit.logdet : ll;
    }
    mtp__weighted_mean(&mu, &sw, p->y, p->v, p->n, tau2, NULL);
    for (size_t i = 0; i < p->n; i++) {
        const double s = p->v[i] + tau2, r = p->y[i] - mu;
        ll -= 0.5 * (log(s) + r * r / s);
    }
    return reml ? ll - 0.5 * log(sw) : ll;
}

double mtp__loglik_weighted(const mtp__model *p, double tau2, int reml)
{
    mtp__wls fit;
    double ll = 0, logdet;
    if (p->a == NULL)
        return mtp__loglik(p, tau2, reml);
    mtp__weights(p->ws->w, p->v, p->n, tau2);
    if (mtp__wls_solve(&fit, p, p->ws->w) != MTP_OK)
        return NAN;
    logdet = fit.logdet;
    if (mtp__wls_solve(&fit, p, p->a) != MTP_OK)
        return NAN;
    for (size_t i = 0; i < p->n; i++) {
        const double s = p->v[i] + tau2;
        ll -= 0.5 * (log(s) + fit.r[i] * fit.r[i] / s);
    }
    return reml ? ll - 0.5 * logdet : ll;
}

/* Where the score is negative for good. Intercept only: beyond
 * 4 (range of y)² + max v. Any X: with an intercept, sum w r² <= SS/tau²
 * (SS the sum of squares around the mean; without one, around 0), so
 * y'PPy <= max w sum w r² <= SS/tau⁴, while tr P and tr W are at least
 * (n - p)/(tau² + max v): both scores are negative from
 * 2 SS/(n - p) + max v on. */
static double score_negative_beyond(const mtp__model *p, double vmax, double ymin, double ymax)
{
    double ss = 0;
    if (p->x == NULL)
        return 4 * (ymax - ymin) * (ymax - ymin) + vmax;
    if (p->intercept) {
        ss = unweighted_ss(p->y, p->n);
    } else {
        for (size_t i = 0; i < p->n; i++)
            ss += p->y[i] * p->y[i];
    }
    return 2 * ss / (double)(p->n - p->p) + vmax;
}

/* ML and REML: the (restricted) likelihood can have several maxima (e.g. a
 * precise study far from the others gives one at 0 and one far out), and a
 * single root search finds whichever its bracket holds. So the score is
 * scanned on a geometric grid (ratio 4) from a sixteenth of the smallest
 * variance, below which it is nearly linear (at most one root, caught by
 * the first interval), up to where it is negative for good
 * (score_negative_beyond, and wherever it is still positive the grid goes
 * on); every sign change from + to - is a local maximum, solved by the
 * safeguarded Newton search, and the one with the highest likelihood wins
 * (0 competes when the score is <= 0 there). */
static int solve_likelihood(mtp__tau2_fit *fit, mtp__fdf fdf, mtp__model *p, int reml,
                            double tol, unsigned int max_iter, mtp_error *err)
{
    double f_prev, d, t_prev = 0, t, vmin = INFINITY, vmax = 0, ymin = INFINITY, ymax = -INFINITY;
    double best = 0, best_ll = -INFINITY, end;
    unsigned int steps = 0;
    fit->iterations = 0;
    fit->converged = 1;
    fit->truncated = 0;
    fdf(0, p, &f_prev, &d);
    if (!isfinite(f_prev))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "estimating equation not finite at tau2 = 0");
    if (f_prev <= 0) {
        best_ll = mtp__loglik(p, 0, reml);
        fit->truncated = 1;
    }
    for (size_t i = 0; i < p->n; i++) {
        vmin = fmin(vmin, p->v[i]);
        vmax = fmax(vmax, p->v[i]);
        ymin = fmin(ymin, p->y[i]);
        ymax = fmax(ymax, p->y[i]);
    }
    end = score_negative_beyond(p, vmax, ymin, ymax);
    for (t = vmin / 16; t_prev < end || f_prev > 0; t_prev = t, t *= 4) {
        double f;
        if (!isfinite(t) || ++steps > 4000)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "no sign change found while scanning tau2 (last %g)", t_prev);
        fdf(t, p, &f, &d);
        if (!isfinite(f))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "estimating equation not finite at tau2 = %g", t);
        if (f_prev > 0 && f <= 0) { /* a local maximum in (t_prev, t] */
            double root = 0, ll;
            unsigned int it = 0;
            const int rc =
                mtp__solve_decreasing_newton(&root, &it, fdf, p, t_prev, t, tol, max_iter, err);
            fit->iterations += it;
            if (rc != MTP_OK)
                return rc;
            ll = mtp__loglik(p, root, reml);
            if (ll > best_ll) {
                best_ll = ll;
                best = root;
                fit->truncated = 0;
            }
        }
        f_prev = f;
    }
    fit->iterations += steps;
    fit->tau2 = best;
    if (!isfinite(best_ll))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "the (restricted) log-likelihood is not finite");
    return MTP_OK;
}

/* The closed forms with moderators, as metafor 3.8.1's rma.uni: DL
 * (QE - (n - p))/tr P with W = 1/v; HE (RSS - tr(P V))/(n - p) with the OLS
 * P = I - X(X'X)^-1X'; HS (QE - n)/sum w; SJ tau0 y'P(tau0)y/(n - p) with
 * tau0 the variance of y around its mean (divisor n), whatever X is. */
static int closed_form_general(mtp__tau2_fit *fit, mtp_tau2_method method, const mtp__model *m)
{
    const double df = (double)(m->n - m->p);
    double *w = m->ws->w;
    mtp__wls f;
    mtp__psums s;
    switch (method) {
    case MTP_TAU2_HE:
        for (size_t i = 0; i < m->n; i++)
            w[i] = 1;
        if (mtp__wls_solve(&f, m, w) != MTP_OK)
            return MTP_ENUMERIC;
        mtp__psums_get(&s, m, &f, MTP__PS_TRPP | MTP__PS_V);
        set_closed_form(fit, (s.yPy - s.trPV) / df);
        return MTP_OK;
    case MTP_TAU2_SJ:
        fit->tau0 = unweighted_ss(m->y, m->n) / (double)m->n;
        mtp__weights(w, m->v, m->n, fit->tau0);
        break;
    default:
        mtp__weights(w, m->v, m->n, 0);
        break;
    }
    if (mtp__wls_solve(&f, m, w) != MTP_OK)
        return MTP_ENUMERIC;
    mtp__psums_get(&s, m, &f, MTP__PS_BASIC);
    switch (method) {
    case MTP_TAU2_DL: set_closed_form(fit, (s.yPy - df) / s.trP); break;
    case MTP_TAU2_HS: set_closed_form(fit, (s.yPy - (double)m->n) / s.sw); break;
    default: set_closed_form(fit, fit->tau0 > 0 ? fit->tau0 * s.yPy / df : 0); break;
    }
    return MTP_OK;
}

int mtp__tau2_estimate(mtp__tau2_fit *fit, mtp_tau2_method method, const mtp__model *m,
                       double tol, unsigned int max_iter, mtp_error *err)
{
    mtp__model p = *m;
    const double *y = m->y, *v = m->v;
    const size_t n = m->n;
    const double df = (double)n - 1;
    double mu, sw;

    fit->tau0 = NAN;
    p.target = (double)(m->n - m->p);
    if (m->x != NULL && method != MTP_TAU2_ML && method != MTP_TAU2_REML &&
        method != MTP_TAU2_PM && method != MTP_TAU2_EB) {
        if (closed_form_general(fit, method, &p) != MTP_OK)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "the weighted least-squares fit broke down (weights out of range)");
        return MTP_OK;
    }
    switch (method) {
    case MTP_TAU2_DL: {
        /* (Q - (n-1)) / C */
        set_closed_form(fit, (mtp__q_fe(y, v, n) - df) / mtp__dl_c(v, n));
        return MTP_OK;
    }
    case MTP_TAU2_HE: {
        /* (sum (y - ybar)² - (1 - 1/n) sum v) / (n - 1) */
        double sv = 0;
        for (size_t i = 0; i < n; i++)
            sv += v[i];
        set_closed_form(fit, (unweighted_ss(y, n) - sv * df / (double)n) / df);
        return MTP_OK;
    }
    case MTP_TAU2_HS: {
        /* (Q - n) / W */
        mtp__weighted_mean(&mu, &sw, y, v, n, 0, NULL);
        set_closed_form(fit, (mtp__q_fe(y, v, n) - (double)n) / sw);
        return MTP_OK;
    }
    case MTP_TAU2_SJ: {
        /* tau0² = sum (y - ybar)² / n; tau² = tau0² Q_gen(tau0²) / (n - 1) */
        const double tau0 = unweighted_ss(y, n) / (double)n;
        fit->tau0 = tau0;
        set_closed_form(fit, tau0 > 0 ? tau0 * mtp__q_gen(y, v, n, tau0) / df : 0);
        return MTP_OK;
    }
    case MTP_TAU2_ML:
        return solve_likelihood(fit, ml_fdf, &p, 0, tol, max_iter, err);
    case MTP_TAU2_REML:
        return solve_likelihood(fit, reml_fdf, &p, 1, tol, max_iter, err);
    case MTP_TAU2_PM:
    case MTP_TAU2_EB:
        return solve_iterative(fit, mtp__q_gen_fdf, &p, tol, max_iter, err);
    default:
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "%s does not estimate tau2",
                         mtp_tau2_get((int)method) != NULL ? mtp_tau2_get((int)method)->name : "?");
    }
}

/* metafor 3.8.1 rma.uni's se.tau2, with P, W at the values it uses: DL and
 * HS at W = 1/v; HE with the OLS P; SJ at tau0; ML, REML, PM and EB at the
 * estimate. */
double mtp__tau2_se(mtp_tau2_method method, const mtp__model *m, double tau2, double tau0)
{
    const double k = (double)m->n, df = (double)(m->n - m->p), t = fmax(tau2, 0);
    double *w = m->ws->w;
    mtp__wls f;
    mtp__psums s;
    switch (method) {
    case MTP_TAU2_DL: case MTP_TAU2_HS: mtp__weights(w, m->v, m->n, 0); break;
    case MTP_TAU2_HE:
        for (size_t i = 0; i < m->n; i++)
            w[i] = 1;
        break;
    case MTP_TAU2_SJ: mtp__weights(w, m->v, m->n, tau0); break;
    case MTP_TAU2_ML: case MTP_TAU2_REML: case MTP_TAU2_PM: case MTP_TAU2_EB:
        mtp__weights(w, m->v, m->n, tau2);
        break;
    default: return NAN;
    }
    if (mtp__wls_solve(&f, m, w) != MTP_OK)
        return NAN;
    mtp__psums_get(&s, m, &f, MTP__PS_TRPP | MTP__PS_V);
    switch (method) {
    case MTP_TAU2_DL:
        return sqrt(1 / (s.trP * s.trP) * (2 * df + 4 * t * s.trP + 2 * t * t * s.trPP));
    case MTP_TAU2_HS:
        return sqrt(1 / (s.sw * s.sw) * (2 * df + 4 * t * s.trP + 2 * t * t * s.trPP));
    case MTP_TAU2_HE:
        return sqrt(1 / (df * df) * (2 * s.trPVPV + 4 * t * s.trPV + 2 * t * t * df));
    case MTP_TAU2_SJ:
        return sqrt(tau0 * tau0 / (df * df) * (2 * s.trPVPV + 4 * t * s.trPVP + 2 * t * t * s.trPP));
    case MTP_TAU2_ML: return sqrt(2 / s.sw2);
    case MTP_TAU2_REML: return sqrt(2 / s.trPP);
    default: return sqrt(2 * k * k / df / (s.sw * s.sw));
    }
}
