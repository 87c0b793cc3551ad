/* The general kernel: weighted least squares for any moderator matrix X and
 * the traces and quadratic forms of P = W - W X (X'WX)^-1 X'W that the tau²
 * estimators, their standard errors and the tests are written on
 * (Viechtbauer 2005; Harville 1977 for the REML score; metafor 3.8.1
 * rma.uni). Nothing here forms an n x n matrix: with M = (X'WX)^-1,
 * q_i = x_i' M x_i, B = X'W²X and C = X'W V W X,
 *   tr P     = sum w - sum w² q
 *   tr PP    = sum w² - 2 sum w³ q + tr(M B M B)
 *   y'PPPy   = sum w³ r² - u' M u,  u = X'W² r
 *   tr PV    = sum v (w - w² q)
 *   tr PVP   = sum v (PP)_ii, (PP)_ii = w² - 2 w³ q + w² x' M B M x
 *   tr PVPV  = sum (w v)² - 2 sum w³ v² q + tr(M C M C)
 * so each costs O(n p² + p³).
 * GSL's linear algebra is used only where it cannot call its error handler:
 * Householder QR (any full-column matrix), QR with column pivoting of X
 * (columns at unit length) for the rank, and BLAS products; a triangular solve is entered only after its
 * diagonal was checked to be nonzero.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "model/model.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <string.h>

void mtp__weights(double *w, const double *v, size_t n, double tau2)
{
    for (size_t i = 0; i < n; i++)
        w[i] = 1.0 / (v[i] + tau2);
}

/* M = (R'R)^-1 from the upper triangle of the p x p block R of qr. */
static int inverse_from_r(double *M, double *T, const double *qr, size_t p)
{
    gsl_matrix_view t = gsl_matrix_view_array(T, p, p);
    gsl_matrix_view mm = gsl_matrix_view_array(M, p, p);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            T[i * p + j] = j >= i ? qr[i * p + j] : 0.0;
    for (size_t i = 0; i < p; i++)
        if (!(fabs(T[i * p + i]) > 0) || !isfinite(T[i * p + i]))
            return MTP_ENUMERIC;
    gsl_linalg_tri_invert(CblasUpper, CblasNonUnit, &t.matrix); /* T = R^-1 */
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &t.matrix, &t.matrix, 0.0, &mm.matrix);
    return MTP_OK;
}

int mtp__wls_solve(mtp__wls *out, const mtp__model *m, const double *w)
{
    mtp_workspace *ws = m->ws;
    const size_t n = m->n, p = m->p;
    double logdet = 0;
    gsl_matrix_view a = gsl_matrix_view_array(ws->a, n, p);
    gsl_vector_view tau = gsl_vector_view_array(ws->qtau, p);
    gsl_vector_view b = gsl_vector_view_array(ws->r, n);
    gsl_vector_view beta = gsl_vector_view_array(ws->beta, p);

    for (size_t i = 0; i < n; i++) {
        const double s = sqrt(w[i]);
        for (size_t j = 0; j < p; j++)
            ws->a[i * p + j] = s * mtp__x(m, i, j);
        ws->r[i] = s * m->y[i];
    }
    gsl_linalg_QR_decomp(&a.matrix, &tau.vector);
    for (size_t j = 0; j < p; j++) {
        const double d = ws->a[j * p + j];
        if (!(fabs(d) > 0) || !isfinite(d))
            return MTP_ENUMERIC;
        logdet += 2 * log(fabs(d));
    }
    /* beta = R^-1 (Q' W^1/2 y)_1..p */
    gsl_linalg_QR_QTvec(&a.matrix, &tau.vector, &b.vector);
    memcpy(ws->beta, ws->r, p * sizeof *ws->beta);
    {
        gsl_matrix_const_view r = gsl_matrix_const_submatrix(&a.matrix, 0, 0, p, p);
        gsl_blas_dtrsv(CblasUpper, CblasNoTrans, CblasNonUnit, &r.matrix, &beta.vector);
    }
    for (size_t j = 0; j < p; j++)
        if (!isfinite(ws->beta[j]))
            return MTP_ENUMERIC; /* W^1/2 y or the solve left double range */
    for (size_t i = 0; i < n; i++) {
        double fit = 0;
        for (size_t j = 0; j < p; j++)
            fit += mtp__x(m, i, j) * ws->beta[j];
        ws->r[i] = m->y[i] - fit;
        if (!isfinite(ws->r[i]))
            return MTP_ENUMERIC;
    }
    if (inverse_from_r(ws->M, ws->T, ws->a, p) != MTP_OK)
        return MTP_ENUMERIC;
    for (size_t i = 0; i < n; i++) { /* q_i = x_i' M x_i */
        double qi = 0;
        for (size_t j = 0; j < p; j++) {
            double mx = 0;
            for (size_t l = 0; l < p; l++)
                mx += ws->M[j * p + l] * mtp__x(m, i, l);
            qi += mtp__x(m, i, j) * mx;
        }
        ws->q[i] = qi;
    }
    out->w = w;
    out->beta = ws->beta;
    out->r = ws->r;
    out->M = ws->M;
    out->logdet = logdet;
    return isfinite(logdet) ? MTP_OK : MTP_ENUMERIC;
}

/* S = X' diag(d) X into S (p x p). */
static void cross(double *S, const mtp__model *m, const double *d)
{
    const size_t p = m->p;
    memset(S, 0, p * p * sizeof *S);
    for (size_t i = 0; i < m->n; i++)
        for (size_t j = 0; j < p; j++) {
            const double xj = d[i] * mtp__x(m, i, j);
            for (size_t l = 0; l < p; l++)
                S[j * p + l] += xj * mtp__x(m, i, l);
        }
}

/* tr(M S M S) for symmetric M and S, with T = M S as scratch. */
static double trace_msms(double *T, const double *M, const double *S, size_t p)
{
    double tr = 0;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double t = 0;
            for (size_t l = 0; l < p; l++)
                t += M[i * p + l] * S[l * p + j];
            T[i * p + j] = t;
        }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            tr += T[i * p + j] * T[j * p + i];
    return tr;
}

void mtp__psums_get(mtp__psums *s, const mtp__model *m, const mtp__wls *f, unsigned int what)
{
    mtp_workspace *ws = m->ws;
    const size_t n = m->n, p = m->p;
    const double *w = f->w, *r = f->r, *q = ws->q;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        const double wi = w[i], w2 = wi * wi;
        s->sw += wi;
        s->sw2 += w2;
        s->trP += wi - w2 * q[i];
        s->yPy += wi * r[i] * r[i];
        s->yPPy += w2 * r[i] * r[i];
    }
    if (what & MTP__PS_PPP) {
        double ssq = 0, quad = 0;
        for (size_t j = 0; j < p; j++) {
            double u = 0;
            for (size_t i = 0; i < n; i++)
                u += mtp__x(m, i, j) * w[i] * w[i] * r[i];
            ws->u[j] = u;
        }
        for (size_t i = 0; i < n; i++)
            ssq += w[i] * w[i] * w[i] * r[i] * r[i];
        for (size_t j = 0; j < p; j++)
            for (size_t l = 0; l < p; l++)
                quad += ws->u[j] * f->M[j * p + l] * ws->u[l];
        s->yPPPy = ssq - quad;
    }
    if (what & (MTP__PS_TRPP | MTP__PS_V)) {
        double w3q = 0;
        for (size_t i = 0; i < n; i++) {
            ws->wa[i] = w[i] * w[i];
            w3q += w[i] * w[i] * w[i] * q[i];
        }
        cross(ws->B, m, ws->wa); /* B = X'W²X */
        s->trPP = s->sw2 - 2 * w3q + trace_msms(ws->T, f->M, ws->B, p);
    }
    if (what & MTP__PS_V) {
        double w3v2q = 0, wv2 = 0;
        /* (PP)_ii needs x_i' M B M x_i: T = M B M */
        double *MBM = ws->C;
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++) {
                double t = 0;
                for (size_t l = 0; l < p; l++)
                    t += f->M[i * p + l] * ws->B[l * p + j];
                ws->T[i * p + j] = t;
            }
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++) {
                double t = 0;
                for (size_t l = 0; l < p; l++)
                    t += ws->T[i * p + l] * f->M[l * p + j];
                MBM[i * p + j] = t;
            }
        s->trPV = s->trPVP = 0;
        for (size_t i = 0; i < n; i++) {
            const double wi = w[i], vi = m->v[i];
            double xmbmx = 0;
            for (size_t j = 0; j < p; j++)
                for (size_t l = 0; l < p; l++)
                    xmbmx += mtp__x(m, i, j) * MBM[j * p + l] * mtp__x(m, i, l);
            s->trPV += vi * (wi - wi * wi * q[i]);
            s->trPVP += vi * (wi * wi - 2 * wi * wi * wi * q[i] + wi * wi * xmbmx);
            wv2 += (wi * vi) * (wi * vi);
            w3v2q += wi * wi * wi * vi * vi * q[i];
            ws->wa[i] = wi * wi * vi;
        }
        cross(ws->B, m, ws->wa); /* C = X'W V W X (B is free again) */
        s->trPVPV = wv2 - 2 * w3v2q + trace_msms(ws->T, f->M, ws->B, p);
    }
}

int mtp__check_rank(const mtp__model *m, mtp_error *err)
{
    mtp_workspace *ws = m->ws;
    const size_t n = m->n, p = m->p;
    gsl_matrix_view a = gsl_matrix_view_array(ws->a, n, p);
    gsl_vector_view tau = gsl_vector_view_array(ws->qtau, p);
    gsl_vector_view norm = gsl_vector_view_array(ws->norm, p);
    gsl_permutation perm = {p, ws->perm};
    double rmax = 0;
    size_t rank = 0;
    int signum;
    /* the rank of X itself (its structure, as R's qr() judges it), each
     * column scaled to unit length: how unequal the variances are is a
     * question of conditioning, answered by the fit (a zero pivot there is
     * MTP_ENUMERIC), not of rank */
    for (size_t j = 0; j < p; j++) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += mtp__x(m, i, j) * mtp__x(m, i, j);
        ws->norm[j] = sqrt(ss);
        if (!(ws->norm[j] > 0) || !isfinite(ws->norm[j])) {
            const int rc = mtp__fail(err, MTP_ERANK, MTP_NO_STUDY,
                                     ss == 0 ? "moderator column %zu is 0 in every study: drop it"
                                             : "moderator column %zu is too large to square in "
                                               "double precision: rescale it", j + 1);
            if (err != NULL)
                err->column = j;
            return rc;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            ws->a[i * p + j] = mtp__x(m, i, j) / ws->norm[j];
    gsl_linalg_QRPT_decomp(&a.matrix, &tau.vector, &perm, &signum, &norm.vector);
    /* rank as R's qr() and metafor judge it: |R_jj| above a relative
     * tolerance (1e-7 in lm.fit; here 1e-9 relative to the largest) */
    for (size_t j = 0; j < p; j++)
        rmax = fmax(rmax, fabs(ws->a[j * p + j]));
    for (size_t j = 0; j < p; j++)
        if (fabs(ws->a[j * p + j]) > 1e-9 * rmax)
            rank++;
    if (rank == p && rmax > 0 && isfinite(rmax))
        return MTP_OK;
    {
        const size_t col = ws->perm[rank < p ? rank : 0];
        const int rc = mtp__fail(err, MTP_ERANK, MTP_NO_STUDY,
                                 "moderator column %zu is a linear combination of the other "
                                 "columns (the model matrix has rank %zu, not %zu): drop it",
                                 col + 1, rank, p);
        if (err != NULL)
            err->column = col;
        return rc;
    }
}
