/* The one fit: the (mixed-effects) meta-regression y = X beta + u + e on a
 * data view, every tau² estimator, z or Knapp-Hartung inference, QE, QM,
 * I², H², pseudo-R², fit statistics, BLUPs (metafor 3.8.1 rma.uni and its
 * methods; formulas and sources in docs/methods.md). The intercept-only model
 * without user weights takes the intercept kernel (model/intercept.c), whose
 * arithmetic the version 0.1 results were made with; everything else takes
 * the general kernel (model/wls.c). Validation happens before any
 * arithmetic; outputs are written only when the whole fit succeeded.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "model/model.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include "core/dist.h"
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* ---- validation and the compacted model -------------------------------- */

static int check_call(const mtp_fit_out *out, const mtp_workspace *ws, const mtp_data *d,
                      const mtp_model_options *o, mtp_error *err)
{
    const size_t p = d->x == NULL ? 1 : d->p;
    if (out->version != MTP_FIT_OUT_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "output version %u is not %u: set mtp_fit_out::version to "
                         "MTP_FIT_OUT_VERSION", out->version, (unsigned int)MTP_FIT_OUT_VERSION);
    if (d->yi == NULL || d->vi == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL estimates or variances");
    if (mtp_measure_get((int)d->measure) == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown measure %d", (int)d->measure);
    if (d->k == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no studies (k = 0)");
    if (d->x != NULL && d->p == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "a moderator matrix with p = 0 columns");
    if (d->k > ws->kmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY,
                         "%zu studies but the workspace holds %zu", d->k, ws->kmax);
    if (p > ws->pmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY,
                         "%zu moderator columns but the workspace holds %zu", p, ws->pmax);
    for (size_t j = 0; j < o->nbtt; j++)
        if (o->btt[j] >= p)
            return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                             "btt names coefficient %zu, but the model has %zu", o->btt[j] + 1, p);
    return MTP_OK;
}

/* A non-finite moderator: the study and the column in the error's fields. */
static int fail_moderator(mtp_error *err, size_t study, size_t column)
{
    const int rc = mtp__fail(err, MTP_EDATA, study, "moderator %zu is not a finite number",
                             column + 1);
    if (err != NULL)
        err->column = column;
    return rc;
}

/* Copy the kept studies into the workspace, checking each. */
static int compact(mtp__model *m, mtp_workspace *ws, const mtp_data *d, mtp_error *err)
{
    const size_t p = d->x == NULL ? 1 : d->p;
    size_t n = 0;
    for (size_t i = 0; i < d->k; i++) {
        const double y = d->yi[i], v = d->vi[i];
        if (d->keep != NULL && !d->keep[i])
            continue;
        if (!isfinite(y))
            return mtp__fail(err, MTP_EDATA, i, "estimate is not a finite number");
        if (!isfinite(v) || !(v > 0))
            return mtp__fail(err, MTP_EDATA, i,
                             "sampling variance %g is not a finite number > 0", v);
        if (d->weights != NULL && !(isfinite(d->weights[i]) && d->weights[i] > 0))
            return mtp__fail(err, MTP_EDATA, i, "weight %g is not a finite number > 0", d->weights[i]);
        if (d->x != NULL)
            for (size_t j = 0; j < p; j++) {
                const double xij = d->x[i * p + j];
                if (!isfinite(xij))
                    return fail_moderator(err, i, j);
                ws->x[n * p + j] = xij;
            }
        ws->y[n] = y;
        ws->v[n] = v;
        if (d->weights != NULL)
            ws->ua[n] = d->weights[i];
        ws->idx[n++] = i;
    }
    m->n = n;
    m->p = p;
    m->y = ws->y;
    m->v = ws->v;
    m->x = d->x == NULL ? NULL : ws->x;
    m->ws = ws;
    m->target = 0;
    m->intercept = d->x == NULL;
    m->a = d->weights != NULL ? ws->ua : NULL;
    if (n == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no study is kept (k = %zu)", d->k);
    return MTP_OK;
}

/* The column that is the intercept (ones in every kept study), or p. */
static size_t intercept_column(const mtp__model *m)
{
    if (m->x == NULL)
        return 0;
    for (size_t j = 0; j < m->p; j++) {
        size_t i = 0;
        while (i < m->n && m->x[i * m->p + j] == 1.0)
            i++;
        if (i == m->n)
            return j;
    }
    return m->p;
}

/* A moderator that is constant beside the intercept gets its own message. */
static int check_constant(const mtp__model *m, size_t icol, mtp_error *err)
{
    if (icol == m->p)
        return MTP_OK;
    for (size_t j = 0; j < m->p; j++) {
        size_t i = 1;
        if (j == icol)
            continue;
        while (i < m->n && m->x[i * m->p + j] == m->x[j])
            i++;
        if (i == m->n) {
            const int rc = mtp__fail(err, MTP_ERANK, MTP_NO_STUDY,
                                     "moderator column %zu is constant (%g in every study) and "
                                     "the model has an intercept: drop it", j + 1, m->x[j]);
            if (err != NULL)
                err->column = j;
            return rc;
        }
    }
    return MTP_OK;
}

/* ---- tau² ---------------------------------------------------------------- */

typedef struct {
    mtp_model_options o;
    unsigned int tflags;   /* the method's mtp_tau2_flag bits */
    int random, estimated; /* tau² in the model; estimated from the data */
    size_t icol;           /* intercept column or p */
    double tau0;           /* SJ's starting value */
    double df;             /* t df, NaN for z */
} fit_state;

static int fit_tau2(mtp_summary *s, fit_state *st, const mtp__model *m, double q_override,
                    mtp_error *err)
{
    mtp__tau2_fit fit = {0, NAN, 0, 1, 0};
    int rc;
    st->tau0 = NAN;
    s->tau2 = 0;
    if (!st->random)
        return MTP_OK;
    if (st->o.tau2 == MTP_TAU2_FIXED) {
        s->tau2 = st->o.tau2_value;
        s->notes |= MTP_NOTE_TAU2_FIXED;
        return MTP_OK;
    }
    if (m->n <= m->p) { /* only the intercept-only model gets here: k = 1 */
        s->notes |= MTP_NOTE_TAU2_NOT_ESTIMABLE;
        return MTP_OK;
    }
    if (!isnan(q_override)) { /* DL from a Q centred elsewhere (RevMan's MH-centred Q) */
        const double t = (q_override - ((double)m->n - 1)) / mtp__dl_c(m->v, m->n);
        fit.tau2 = t < 0 ? 0 : t;
        fit.truncated = t < 0;
    } else if ((rc = mtp__tau2_estimate(&fit, st->o.tau2, m, st->o.tol, st->o.max_iter, err)) !=
               MTP_OK) {
        return rc;
    }
    s->tau2 = fit.tau2;
    st->tau0 = fit.tau0;
    s->iterations = fit.iterations;
    s->converged = fit.converged;
    if (fit.truncated)
        s->notes |= MTP_NOTE_TAU2_TRUNCATED;
    return MTP_OK;
}

/* ---- coefficients -------------------------------------------------------- */

/* The intercept-only model with inverse-variance weights, as version 0.1
 * computed it (bit for bit): the weighted mean, its SE, HKSJ. */
static int coef_intercept(mtp_summary *s, fit_state *st, const mtp__model *m, mtp_error *err)
{
    mtp_workspace *ws = m->ws;
    const size_t n = m->n;
    double mu, sumw;
    mtp__weighted_mean(&mu, &sumw, m->y, m->v, n, s->tau2, ws->fw);
    if (!isfinite(mu) || !(sumw > 0) || !isfinite(sumw))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "the weighted mean is not finite");
    s->mu.estimate = mu;
    s->mu.se = sqrt(1 / sumw);
    if (!isfinite(s->mu.se)) /* sum w subnormal, e.g. a fixed tau² near DBL_MAX */
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the standard error is not finite: the weights (sum %g) are out of double range",
                         sumw);
    if (s->test == MTP_TEST_KNHA) {
        double rss = 0;
        for (size_t i = 0; i < n; i++)
            rss += ws->fw[i] * (m->y[i] - mu) * (m->y[i] - mu);
        if (rss <= DBL_EPSILON) { /* as metafor: s² = 0 when all estimates agree */
            rss = 0;
            s->notes |= MTP_NOTE_ZERO_WIDTH_KNHA;
        }
        st->df = (double)n - 1;
        s->mu.se = sqrt(rss / st->df / sumw);
    }
    mtp__wald(&s->mu, s->level, st->df, ws);
    ws->bhat[0] = mu;
    ws->vb[0] = s->mu.se * s->mu.se;
    for (size_t i = 0; i < n; i++) {
        ws->fh[i] = ws->fw[i] / sumw; /* hat value = weight share */
        ws->fr[i] = m->y[i] - mu;
        ws->fxvx[i] = ws->vb[0];
        ws->fw[i] = 100 * (ws->fw[i] / sumw); /* 100 w overflows for w > 1.8e306 */
    }
    return MTP_OK;
}

/* Any X, or user weights: beta and Var(beta) from the general kernel. */
static int coef_general(mtp_summary *s, fit_state *st, const mtp__model *m, const mtp_data *d,
                        mtp_error *err)
{
    mtp_workspace *ws = m->ws;
    const size_t n = m->n, p = m->p;
    double s2 = 1, rss = 0, sw = 0;
    mtp__wls f;
    mtp__weights(ws->w, m->v, n, s->tau2);
    if (mtp__wls_solve(&f, m, ws->w) != MTP_OK)
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the weighted least-squares fit broke down at tau2 = %g", s->tau2);
    for (size_t i = 0; i < n; i++)
        rss += ws->w[i] * f.r[i] * f.r[i];
    memcpy(ws->bhat, f.beta, p * sizeof *ws->bhat);
    memcpy(ws->vb, f.M, p * p * sizeof *ws->vb);
    for (size_t i = 0; i < n; i++) {
        ws->fw[i] = ws->w[i];
        ws->fh[i] = ws->w[i] * ws->q[i];
        ws->fr[i] = f.r[i];
    }
    if (d->weights != NULL) {
        /* beta = (X'AX)^-1 X'Ay, Var = (X'AX)^-1 X'A M A X (X'AX)^-1 (metafor) */
        double *a = ws->ua, *S = ws->C;
        if (mtp__wls_solve(&f, m, a) != MTP_OK)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "the least-squares fit with the given weights broke down");
        memcpy(ws->bhat, f.beta, p * sizeof *ws->bhat);
        memset(S, 0, p * p * sizeof *S);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < p; j++)
                for (size_t l = 0; l < p; l++)
                    S[j * p + l] += a[i] * a[i] * (m->v[i] + s->tau2) * mtp__x(m, i, j) *
                                    mtp__x(m, i, l);
        for (size_t j = 0; j < p; j++)
            for (size_t l = 0; l < p; l++) {
                double t = 0;
                for (size_t q = 0; q < p; q++)
                    t += f.M[j * p + q] * S[q * p + l];
                ws->T[j * p + l] = t;
            }
        for (size_t j = 0; j < p; j++)
            for (size_t l = 0; l < p; l++) {
                double t = 0;
                for (size_t q = 0; q < p; q++)
                    t += ws->T[j * p + q] * f.M[q * p + l];
                ws->vb[j * p + l] = t;
            }
        for (size_t j = 0; j < p; j++) /* symmetric to the last bit: the mean of the two */
            for (size_t l = j + 1; l < p; l++)
                ws->vb[j * p + l] = ws->vb[l * p + j] =
                    0.5 * (ws->vb[j * p + l] + ws->vb[l * p + j]);
        for (size_t i = 0; i < n; i++) {
            ws->fw[i] = a[i];
            ws->fh[i] = a[i] * ws->q[i];
            ws->fr[i] = f.r[i];
        }
    }
    if (s->test == MTP_TEST_KNHA) {
        if (rss <= DBL_EPSILON) {
            s2 = 0;
            s->notes |= MTP_NOTE_ZERO_WIDTH_KNHA;
        } else {
            s2 = rss / (double)(n - p);
        }
        st->df = (double)(n - p);
        for (size_t j = 0; j < p * p; j++)
            ws->vb[j] *= s2;
    }
    for (size_t j = 0; j < p * p; j++)
        if (!isfinite(ws->vb[j]) || (j % (p + 1) == 0 && ws->vb[j] < 0))
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "the covariance matrix of the coefficients is not finite: variances "
                             "or weights out of double range");
    for (size_t i = 0; i < n; i++) {
        double xvx = 0;
        for (size_t j = 0; j < p; j++)
            for (size_t l = 0; l < p; l++)
                xvx += mtp__x(m, i, j) * ws->vb[j * p + l] * mtp__x(m, i, l);
        ws->fxvx[i] = xvx;
        sw += ws->fw[i];
    }
    for (size_t i = 0; i < n; i++)
        ws->fw[i] = 100 * (ws->fw[i] / sw);
    s->mu.estimate = ws->bhat[0];
    s->mu.se = sqrt(ws->vb[0]);
    mtp__wald(&s->mu, s->level, st->df, ws);
    return MTP_OK;
}

/* ---- tests and statistics ------------------------------------------------ */

/* QM = b' V^-1 b over the coefficients in btt (chi-square; F = QM/m under
 * knha), V^-1 through a QR solve of the m x m block. */
static void omnibus(mtp_summary *s, const fit_state *st, mtp_workspace *ws, size_t p)
{
    size_t m = 0, *list = ws->perm;
    const size_t *btt = st->o.btt;
    double qm = 0;
    if (btt == NULL) {
        for (size_t j = 0; j < p; j++)
            if (j != st->icol || p == 1)
                list[m++] = j;
        btt = list;
    } else {
        m = st->o.nbtt;
    }
    if (m == 0 || m > ws->pmax)
        return;
    {
        double *A = ws->T, *b = ws->u, *x = ws->norm, *tau = ws->qtau;
        gsl_matrix_view av = gsl_matrix_view_array(A, m, m);
        gsl_vector_view bv = gsl_vector_view_array(b, m), xv = gsl_vector_view_array(x, m);
        gsl_vector_view tv = gsl_vector_view_array(tau, m);
        for (size_t i = 0; i < m; i++) {
            b[i] = ws->bhat[btt[i]];
            for (size_t j = 0; j < m; j++)
                A[i * m + j] = ws->vb[btt[i] * p + btt[j]];
        }
        gsl_linalg_QR_decomp(&av.matrix, &tv.vector);
        for (size_t i = 0; i < m; i++)
            if (!(fabs(A[i * m + i]) > 0))
                return; /* singular (knha with s² = 0): QM undefined */
        gsl_linalg_QR_solve(&av.matrix, &tv.vector, &bv.vector, &xv.vector);
        for (size_t i = 0; i < m; i++)
            qm += ws->bhat[btt[i]] * x[i];
    }
    s->qm_df = (double)m;
    if (isnan(st->df)) {
        s->qm = qm;
        s->qm_p = mtp__pchisq_upper(qm, (double)m);
    } else {
        s->qm = qm / (double)m;
        s->qm_df2 = st->df;
        s->qm_p = st->df > 0 ? mtp__pf_upper(s->qm, (double)m, st->df) : NAN;
    }
}

/* Degrees of freedom of the prediction interval's t (NaN: normal) for n
 * studies and p coefficients: k - p - 1 (T_K2), k - p (T_K1). */
static double pi_df(mtp_pi pi, size_t n, size_t p)
{
    switch (pi) {
    case MTP_PI_NORMAL: return NAN;
    case MTP_PI_T_K1: return (double)n - (double)p;
    default: return (double)n - (double)p - 1;
    }
}

/* Prediction interval of an intercept-only random-effects model. */
static void prediction(mtp_summary *s, const fit_state *st, mtp_workspace *ws, size_t n, size_t p)
{
    const double alpha = 1 - s->level;
    const double sd = sqrt(s->mu.se * s->mu.se + s->tau2);
    double crit;
    s->pi_df = pi_df(st->o.pi, n, p);
    switch (st->o.pi) {
    case MTP_PI_NORMAL:
        crit = mtp__quantile(ws, MTP__Q_NORMAL_UPPER, alpha / 2, NAN);
        break;
    default:
        if (s->pi_df < 1) {
            s->notes |= MTP_NOTE_PI_UNDEFINED;
            s->pi_lower = s->pi_upper = NAN;
            return;
        }
        crit = mtp__quantile(ws, MTP__Q_T_UPPER, alpha / 2, s->pi_df);
        break;
    }
    s->pi_lower = s->mu.estimate - crit * sd;
    s->pi_upper = s->mu.estimate + crit * sd;
}

/* QE and tr P with W = 1/v, then Q's p-value, I², H², the tau² CI. */
static int heterogeneity(mtp_summary *s, const fit_state *st, const mtp__model *m,
                         const mtp__model *mci, double q_override, mtp_error *err)
{
    double c;
    if (m->x == NULL) {
        s->qe = !isnan(q_override) ? q_override : mtp__q_fe(m->y, m->v, m->n);
        c = mtp__dl_c(m->v, m->n);
    } else {
        mtp__wls f;
        mtp__psums ps;
        mtp__weights(m->ws->w, m->v, m->n, 0);
        if (mtp__wls_solve(&f, m, m->ws->w) != MTP_OK)
            return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                             "the fixed-effect fit for QE broke down");
        mtp__psums_get(&ps, m, &f, MTP__PS_BASIC);
        s->qe = fmax(0, ps.yPy);
        c = ps.trP;
    }
    return mtp__heterogeneity(s, c, m, mci, st->random, st->estimated &&
                              !(st->o.flags & MTP_FIT_NO_TAU2_CI), (int)st->o.i2,
                              st->o.tol, st->o.max_iter, err);
}

/* Raudenbush's pseudo-R²: the share of the intercept-only model's tau²
 * that the moderators account for (metafor r2def "1"); for the fixed-effect
 * model the adjusted R² of the weighted regression, as metafor. */
static void pseudo_r2(mtp_summary *s, const fit_state *st, const mtp__model *m, const mtp_data *d)
{
    mtp__model m0 = *m;
    if (m->x == NULL || st->icol == m->p || m->p < 2 || (st->o.flags & MTP_FIT_NO_R2))
        return;
    m0.x = NULL;
    m0.p = 1;
    m0.intercept = 1;
    if (!st->random) {
        const double *a = d->weights != NULL ? m->ws->ua : NULL;
        double sw = 0, swy = 0, tss = 0, rss = 0, mean;
        mtp__wls f;
        for (size_t i = 0; i < m->n; i++) {
            m->ws->w[i] = a != NULL ? a[i] : 1 / m->v[i];
            sw += m->ws->w[i];
            swy += m->ws->w[i] * m->y[i];
        }
        mean = swy / sw;
        for (size_t i = 0; i < m->n; i++)
            tss += m->ws->w[i] * (m->y[i] - mean) * (m->y[i] - mean);
        if (tss == 0) {
            s->r2 = 0;
            return;
        }
        if (mtp__wls_solve(&f, m, m->ws->w) != MTP_OK)
            return;
        for (size_t i = 0; i < m->n; i++)
            rss += m->ws->w[i] * f.r[i] * f.r[i];
        s->r2 = fmax(0, 100 * (1 - (rss / (double)(m->n - m->p)) / (tss / (double)(m->n - 1))));
        return;
    }
    if (!st->estimated)
        return;
    {
        mtp__tau2_fit f0;
        if (mtp__tau2_estimate(&f0, st->o.tau2, &m0, st->o.tol, st->o.max_iter, NULL) != MTP_OK)
            return;
        s->r2 = f0.tau2 == 0 ? 0 : fmax(0, 100 * ((f0.tau2 - s->tau2) / f0.tau2));
    }
}

/* Log-likelihood, deviance, AIC, BIC, AICc as metafor's fitstats: the
 * restricted ones for REML, the ML ones otherwise. */
static void fit_statistics(mtp_summary *s, const fit_state *st, const mtp__model *m)
{
    mtp_workspace *ws = m->ws;
    const double n = (double)m->n, p = (double)m->p;
    const double parms = p + (st->estimated ? 1 : 0);
    double rss = 0, slv = 0, sat = 0, logdet_w, logdet_x, ll;
    const int reml = st->o.tau2 == MTP_TAU2_REML;
    for (size_t i = 0; i < m->n; i++) {
        const double w = 1 / (m->v[i] + s->tau2), r = ws->fr[i];
        rss += w * r * r;
        slv += log(m->v[i] + s->tau2);
        sat += log(m->v[i]);
    }
    if (m->x == NULL) {
        double sw = 0;
        for (size_t i = 0; i < m->n; i++)
            sw += 1 / (m->v[i] + s->tau2);
        logdet_w = log(sw);
        logdet_x = log(n);
    } else {
        mtp__wls f;
        mtp__weights(ws->w, m->v, m->n, s->tau2);
        if (mtp__wls_solve(&f, m, ws->w) != MTP_OK)
            return;
        logdet_w = f.logdet;
        for (size_t i = 0; i < m->n; i++)
            ws->w[i] = 1;
        if (mtp__wls_solve(&f, m, ws->w) != MTP_OK)
            return;
        logdet_x = f.logdet;
    }
    if (reml) {
        const double nr = n - p, big = fmax(nr, parms + 2);
        ll = -0.5 * nr * LOG_2PI + 0.5 * logdet_x - 0.5 * slv - 0.5 * logdet_w - 0.5 * rss;
        s->loglik = ll;
        s->deviance = -2 * ll;
        s->aic = -2 * ll + 2 * parms;
        s->bic = -2 * ll + parms * log(nr);
        s->aicc = -2 * ll + 2 * parms * big / (big - parms - 1);
    } else {
        const double big = fmax(n, parms + 2);
        ll = -0.5 * n * LOG_2PI - 0.5 * slv - 0.5 * rss;
        s->loglik = ll;
        s->deviance = n > p ? -2 * ll - (n * LOG_2PI + sat) : 0;
        s->aic = -2 * ll + 2 * parms;
        s->bic = -2 * ll + parms * log(n);
        s->aicc = -2 * ll + 2 * parms * big / (big - parms - 1);
    }
}

/* ---- outputs ------------------------------------------------------------- */

static void put(double *a, size_t i, double value)
{
    if (a != NULL)
        a[i] = value;
}

static void write_studies(const mtp_fit_out *out, const mtp_summary *s, const fit_state *st,
                          const mtp__model *m, const mtp_data *d)
{
    mtp_workspace *ws = m->ws;
    const double z = mtp__quantile(ws, MTP__Q_NORMAL_UPPER, (1 - s->level) / 2, NAN);
    const double crit = isnan(st->df) ? z : mtp__quantile(ws, MTP__Q_T_UPPER, (1 - s->level) / 2, st->df);
    double *arrays[] = {out->yi, out->vi, out->weight, out->ci_lower, out->ci_upper, out->fitted, out->resid,
                        out->hat, out->blup, out->blup_se, out->blup_lower, out->blup_upper,
                        out->ranef, out->ranef_se, out->ranef_lower, out->ranef_upper};
    if (!(out->flags & MTP_OUT_KEPT_ONLY)) {
        for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
            if (arrays[a] != NULL)
                for (size_t i = 0; i < d->k; i++)
                    arrays[a][i] = NAN;
        if (out->study_flags != NULL)
            for (size_t i = 0; i < d->k; i++)
                out->study_flags[i] = MTP_STUDY_EXCLUDED;
    }
    for (size_t j = 0; j < m->n; j++) {
        const size_t i = ws->idx[j];
        const double sd = sqrt(m->v[j]), fitted = m->y[j] - ws->fr[j];
        const double li = s->tau2 / (s->tau2 + m->v[j]);
        put(out->yi, i, m->y[j]);
        put(out->vi, i, m->v[j]);
        put(out->weight, i, ws->fw[j]);
        put(out->ci_lower, i, m->y[j] - z * sd);
        put(out->ci_upper, i, m->y[j] + z * sd);
        put(out->fitted, i, fitted);
        put(out->resid, i, ws->fr[j]);
        put(out->hat, i, ws->fh[j]);
        if (out->study_flags != NULL)
            out->study_flags[i] = 0;
        if (d->weights == NULL) { /* metafor: not defined for non-standard weights */
            const double bse = sqrt(li * m->v[j] + (1 - li) * (1 - li) * ws->fxvx[j]);
            const double rse = st->random ? sqrt(li * m->v[j] + li * li * ws->fxvx[j]) : 0;
            const double b = fitted + li * ws->fr[j], u = st->random ? li * ws->fr[j] : 0;
            put(out->blup, i, b);
            put(out->blup_se, i, bse);
            put(out->blup_lower, i, b - crit * bse);
            put(out->blup_upper, i, b + crit * bse);
            put(out->ranef, i, u);
            put(out->ranef_se, i, rse);
            put(out->ranef_lower, i, u - crit * rse);
            put(out->ranef_upper, i, u + crit * rse);
        }
    }
}

static void write_out(const mtp_fit_out *out, const mtp_summary *s, const fit_state *st,
                      const mtp__model *m, const mtp_data *d)
{
    mtp_workspace *ws = m->ws;
    const size_t p = m->p;
    if (out->coef != NULL)
        for (size_t j = 0; j < p; j++) {
            mtp_coef c;
            c.estimate = ws->bhat[j];
            c.se = sqrt(ws->vb[j * p + j]);
            mtp__wald(&c, s->level, st->df, ws);
            out->coef[j] = j == 0 ? s->mu : c;
        }
    if (out->vcov != NULL)
        memcpy(out->vcov, ws->vb, p * p * sizeof *out->vcov);
    write_studies(out, s, st, m, d);
    if (out->summary != NULL)
        *out->summary = *s;
}

/* ---- the driver ---------------------------------------------------------- */

int mtp__fit_ext(const mtp_fit_out *out, mtp_workspace *ws, const mtp_data *d,
                 const mtp_model_options *opts, double q_override, mtp_error *err)
{
    fit_state st;
    mtp_summary s;
    mtp__model m, mt; /* the model, and the one tau² is estimated on */
    int rc;

    if (out == NULL || ws == NULL || d == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL output, workspace or data pointer");
    if ((rc = mtp__model_options_resolve(&st.o, opts, err)) != MTP_OK)
        return rc;
    if ((rc = check_call(out, ws, d, &st.o, err)) != MTP_OK)
        return rc;
    if ((rc = compact(&m, ws, d, err)) != MTP_OK)
        return rc;
    if (m.x != NULL && m.n <= m.p)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                         "%zu studies for %zu coefficients: a meta-regression needs more studies "
                         "than coefficients", m.n, m.p);
    st.icol = intercept_column(&m);
    m.intercept = st.icol < m.p;
    if (m.x != NULL && ((rc = check_constant(&m, st.icol, err)) != MTP_OK ||
                        (rc = mtp__check_rank(&m, err)) != MTP_OK))
        return rc;
    st.tflags = mtp_tau2_get((int)st.o.tau2)->flags;
    st.random = (st.tflags & MTP_TAU2_RANDOM) != 0;
    st.estimated = (st.tflags & MTP_TAU2_ESTIMATED) != 0;
    st.df = NAN;

    mt = m;
    if ((st.o.flags & MTP_FIT_CENTRE_Y) && !m.intercept) {
        /* metafor's centring: only the tau² model sees it (its beta uses y) */
        double mean = 0;
        for (size_t i = 0; i < m.n; i++)
            mean += m.y[i];
        mean /= (double)m.n;
        for (size_t i = 0; i < m.n; i++)
            ws->yc[i] = m.y[i] - mean;
        mt.y = ws->yc;
    }
    mtp__summary_clear(&s);
    s.measure = d->measure;
    s.tau2_method = st.o.tau2;
    s.test = st.o.test;
    s.level = st.o.level;
    s.k = d->k;
    s.k_used = m.n;
    s.p = m.p;
    s.intercept = m.intercept;
    if ((rc = fit_tau2(&s, &st, &mt, q_override, err)) != MTP_OK)
        return rc;
    s.tau = sqrt(s.tau2);
    if (s.test == MTP_TEST_KNHA && m.n <= m.p) {
        s.test = MTP_TEST_Z;
        s.notes |= MTP_NOTE_TEST_Z_FOR_K1;
    }
    rc = m.x == NULL && d->weights == NULL ? coef_intercept(&s, &st, &m, err)
                                           : coef_general(&s, &st, &m, d, err);
    if (rc != MTP_OK)
        return rc;
    if ((rc = heterogeneity(&s, &st, &mt, &m, q_override, err)) != MTP_OK)
        return rc;
    if (st.random && m.n <= m.p)
        s.notes |= MTP_NOTE_TAU2_CI_UNDEFINED;
    if (st.random && m.p == 1 && m.intercept)
        prediction(&s, &st, ws, m.n, m.p);
    omnibus(&s, &st, ws, m.p);
    if (st.estimated && m.n > m.p)
        s.tau2_se = mtp__tau2_se(st.o.tau2, &mt, s.tau2, st.tau0);
    if ((st.o.flags & MTP_FIT_TAU2_PL) && (st.tflags & MTP_TAU2_LIKELIHOOD) && m.n > m.p &&
        (rc = mtp__tau2_profile(&s.tau2_pl_lower, &s.tau2_pl_upper, &m,
                                st.o.tau2 == MTP_TAU2_REML, s.tau2, s.level, st.o.tol,
                                st.o.max_iter, err)) != MTP_OK)
        return rc;
    pseudo_r2(&s, &st, &m, d);
    fit_statistics(&s, &st, &m);
    write_out(out, &s, &st, &m, d);
    return MTP_OK;
}

int mtp_fit(const mtp_fit_out *out, mtp_workspace *w, const mtp_data *d,
            const mtp_model_options *opts, mtp_error *err)
{
    return mtp__fit_ext(out, w, d, opts, NAN, err);
}

int mtp_predict(mtp_prediction *out, const mtp_summary *s, const mtp_coef *coef,
                const double *vcov, const double *xnew, size_t m, const mtp_model_options *opts,
                mtp_error *err)
{
    mtp_model_options o;
    double crit, pcrit, pdf;
    int rc;
    if (out == NULL || s == NULL || coef == NULL || vcov == NULL || (xnew == NULL && m > 0))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL argument");
    if ((rc = mtp__model_options_resolve(&o, opts, err)) != MTP_OK)
        return rc;
    crit = s->test == MTP_TEST_KNHA
               ? mtp__qt_upper((1 - s->level) / 2, (double)(s->k_used - s->p))
               : mtp__qnorm_upper((1 - s->level) / 2);
    pdf = pi_df(o.pi, s->k_used, s->p);
    pcrit = isnan(pdf) ? mtp__qnorm_upper((1 - s->level) / 2)
            : pdf >= 1 ? mtp__qt_upper((1 - s->level) / 2, pdf) : NAN;
    if (s->tau2_method == MTP_TAU2_FE)
        pcrit = NAN; /* a fixed-effect model predicts no spread (as metafor) */
    for (size_t r = 0; r < m; r++) {
        double pred = 0, var = 0;
        for (size_t j = 0; j < s->p; j++) {
            if (!isfinite(xnew[r * s->p + j]))
                return mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                                 "row %zu of the new moderators: column %zu is not a finite number",
                                 r + 1, j + 1);
            pred += xnew[r * s->p + j] * coef[j].estimate;
            for (size_t l = 0; l < s->p; l++)
                var += xnew[r * s->p + j] * vcov[j * s->p + l] * xnew[r * s->p + l];
        }
        out[r].pred = pred;
        out[r].se = sqrt(var);
        out[r].ci_lower = pred - crit * out[r].se;
        out[r].ci_upper = pred + crit * out[r].se;
        out[r].pi_lower = pred - pcrit * sqrt(var + s->tau2);
        out[r].pi_upper = pred + pcrit * sqrt(var + s->tau2);
    }
    return MTP_OK;
}
