/* Inference for the pooled estimate: Wald-type z or t tests and intervals,
 * the Hartung-Knapp-Sidik-Jonkman adjustment (Hartung & Knapp 2001, Stat Med
 * 20:3875; Sidik & Jonkman 2002, Stat Med 21:3153) and prediction intervals
 * (Higgins, Thompson & Spiegelhalter 2009, JRSS A 172:137). */
#include "internal.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>

double mtp__quantile(mtp_workspace *ws, int kind, double p, double df)
{
    double value;
    if (ws != NULL)
        for (size_t i = 0; i < sizeof ws->qcache / sizeof ws->qcache[0]; i++) {
            const struct mtp__qcache *c = &ws->qcache[i];
            if (c->kind == kind && c->p == p && (c->df == df || (isnan(c->df) && isnan(df))))
                return c->value;
        }
    switch (kind) {
    case MTP__Q_NORMAL_UPPER: value = gsl_cdf_ugaussian_Qinv(p); break;
    case MTP__Q_T_UPPER: value = gsl_cdf_tdist_Qinv(p, df); break;
    case MTP__Q_CHISQ_UPPER: value = gsl_cdf_chisq_Qinv(p, df); break;
    default: value = gsl_cdf_chisq_Pinv(p, df); break;
    }
    if (ws != NULL) {
        struct mtp__qcache *c = &ws->qcache[ws->qcache_next];
        ws->qcache_next = (ws->qcache_next + 1) % (unsigned int)(sizeof ws->qcache / sizeof ws->qcache[0]);
        c->kind = kind;
        c->p = p;
        c->df = df;
        c->value = value;
    }
    return value;
}

void mtp__wald(mtp_result *r, double df, mtp_workspace *ws)
{
    const double alpha = 1 - r->level;
    double crit;
    r->df = df;
    if (r->se == 0) { /* HKSJ with identical estimates: a zero-width interval */
        r->stat = r->estimate == 0 ? NAN : copysign(INFINITY, r->estimate);
        r->p = r->estimate == 0 ? NAN : 0;
        r->ci_lower = r->ci_upper = r->estimate;
        return;
    }
    r->stat = r->estimate / r->se;
    if (isnan(df)) {
        r->p = 2 * gsl_cdf_ugaussian_Q(fabs(r->stat));
        crit = mtp__quantile(ws, MTP__Q_NORMAL_UPPER, alpha / 2, NAN);
    } else {
        r->p = 2 * gsl_cdf_tdist_Q(fabs(r->stat), df);
        crit = mtp__quantile(ws, MTP__Q_T_UPPER, alpha / 2, df);
    }
    r->ci_lower = r->estimate - crit * r->se;
    r->ci_upper = r->estimate + crit * r->se;
}

void mtp__prediction(mtp_result *r, const mtp_options *o, mtp_workspace *ws)
{
    const double alpha = 1 - r->level, n = (double)r->k_used;
    const double sd = sqrt(r->se * r->se + r->tau2);
    double crit;
    switch (o->pi) {
    case MTP_PI_NORMAL:
        r->pi_df = NAN;
        crit = mtp__quantile(ws, MTP__Q_NORMAL_UPPER, alpha / 2, NAN);
        break;
    default:
        r->pi_df = o->pi == MTP_PI_T_K1 ? n - 1 : n - 2;
        if (r->pi_df < 1) {
            r->notes |= MTP_NOTE_PI_UNDEFINED;
            r->pi_lower = r->pi_upper = NAN;
            return;
        }
        crit = mtp__quantile(ws, MTP__Q_T_UPPER, alpha / 2, r->pi_df);
        break;
    }
    r->pi_lower = r->estimate - crit * sd;
    r->pi_upper = r->estimate + crit * sd;
}

/* Between-study variance of the fit: fixed by the caller, estimated, or 0. */
static int fit_tau2(mtp_result *out, mtp_workspace *ws, size_t n, const mtp_options *o,
                    double q_override, mtp_error *err)
{
    mtp__tau2_fit fit = {0, 0, 1, 0};
    int rc;
    if (o->tau2_fixed >= 0) {
        out->tau2 = o->tau2_fixed;
        out->notes |= MTP_NOTE_TAU2_FIXED;
        return MTP_OK;
    }
    if (n < 2) {
        out->tau2 = 0;
        out->notes |= MTP_NOTE_TAU2_NOT_ESTIMABLE;
        return MTP_OK;
    }
    if (!isnan(q_override)) { /* DL from a Q centred elsewhere (RevMan's MH-centred Q) */
        const double t = (q_override - ((double)n - 1)) / mtp__dl_c(ws->v, n);
        fit.tau2 = t < 0 ? 0 : t;
        fit.truncated = t < 0;
    } else if ((rc = mtp__tau2_estimate(&fit, o->method, ws->y, ws->v, n, o, err)) != MTP_OK) {
        return rc;
    }
    out->tau2 = fit.tau2;
    out->iterations = fit.iterations;
    out->converged = fit.converged;
    if (fit.truncated)
        out->notes |= MTP_NOTE_TAU2_TRUNCATED;
    return MTP_OK;
}

int mtp__fit_iv(mtp_result *out, mtp_workspace *ws, size_t n, const mtp_options *o,
                double q_override, mtp_error *err)
{
    const int random = mtp_method_is_random(o->method);
    double mu, sumw, q, df = NAN;
    int rc;

    out->k_used = n;
    out->level = o->level;
    out->tau2 = 0;
    if (random && (rc = fit_tau2(out, ws, n, o, q_override, err)) != MTP_OK)
        return rc;
    out->tau = sqrt(out->tau2);
    mtp__weighted_mean(&mu, &sumw, ws->y, ws->v, n, out->tau2, ws->w);
    if (!isfinite(mu) || !(sumw > 0) || !isfinite(sumw))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "the weighted mean is not finite");
    out->estimate = mu;
    out->se = sqrt(1 / sumw);
    if (!isfinite(out->se)) /* sum w subnormal, e.g. tau2_fixed near DBL_MAX */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the standard error is not finite: the weights (sum %g) are out of double range",
                         sumw);
    out->test = o->test;
    if (o->test == MTP_TEST_KNHA && n < 2) {
        out->test = MTP_TEST_Z;
        out->notes |= MTP_NOTE_TEST_Z_FOR_K1;
    }
    if (out->test == MTP_TEST_KNHA) {
        double rss = 0;
        for (size_t i = 0; i < n; i++)
            rss += ws->w[i] * (ws->y[i] - mu) * (ws->y[i] - mu);
        if (rss <= DBL_EPSILON) { /* as metafor: s² = 0 when all estimates agree */
            rss = 0;
            out->notes |= MTP_NOTE_ZERO_WIDTH_KNHA;
        }
        df = (double)n - 1;
        out->se = sqrt(rss / df / sumw);
    }
    mtp__wald(out, df, ws);
    for (size_t i = 0; i < n; i++)
        ws->studies[ws->idx[i]].weight = 100 * (ws->w[i] / sumw); /* 100 w overflows for w > 1.8e306 */

    if (!isnan(q_override)) {
        q = q_override;
    } else {
        q = mtp__q_fe(ws->y, ws->v, n);
    }
    if ((rc = mtp__heterogeneity(out, q, ws->y, ws->v, n, random, ws, o, err)) != MTP_OK)
        return rc;
    if (random && n < 2)
        out->notes |= MTP_NOTE_TAU2_CI_UNDEFINED;
    if (random)
        mtp__prediction(out, o, ws);
    return MTP_OK;
}
