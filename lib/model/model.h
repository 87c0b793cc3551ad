/* The model layer's internal interface: the data of one fit compacted to the
 * studies in it, the weighted least-squares kernel that every tau² estimator
 * and test is written on, and the estimators themselves. Only lib/model/
 * includes this file; lib/analyses/ calls mtp_fit().
 *
 * Notation (Viechtbauer 2005; metafor rma.uni): n studies in the fit, p
 * coefficients, W = diag(w) with w_i = 1/(v_i + tau²) unless said otherwise,
 * P = W - W X (X'WX)^-1 X'W, r = y - X beta the WLS residuals, so that
 * P y = W r, y'P y = sum w r², y'PPy = sum w² r². */
#ifndef METAPOOL_MODEL_H
#define METAPOOL_MODEL_H

#include "internal.h"

/* One model's data in the fit, compacted (studies left out are gone). */
typedef struct mtp__model {
    size_t n, p;
    const double *y, *v;
    const double *x;   /* n x p row-major; NULL: intercept only (p = 1) */
    int intercept;     /* X has a column of ones (always, when x is NULL) */
    mtp_workspace *ws; /* scratch of the general kernel */
    double target;     /* right-hand side of Q_gen(tau²) = target equations */
    const double *a;   /* n user weights of the coefficients, or NULL */
} mtp__model;

/* Element (i, j) of X: 1 for the intercept-only model. */
static inline double mtp__x(const mtp__model *m, size_t i, size_t j)
{
    return m->x == NULL ? 1.0 : m->x[i * m->p + j];
}

/* ---- wls.c: the general (any X) kernel ---------------------------------- */
/* Weighted least squares with the given weights w (n): beta (p), residuals
 * r (n), M = (X'WX)^-1 (p x p) and log det X'WX, in ws->wls. Householder QR
 * of W^1/2 X (gsl_linalg_QR_decomp), never an aborting GSL path: a zero
 * pivot gives MTP_ENUMERIC (the rank was checked before, on W = 1/v). */
typedef struct mtp__wls {
    const double *w;   /* the weights used (borrowed) */
    double *beta, *r, *M;
    double logdet;     /* log det X'WX */
} mtp__wls;
int mtp__wls_solve(mtp__wls *out, const mtp__model *m, const double *w);

/* Traces and quadratic forms of P for the weights of a solved WLS (V =
 * diag(v)); each O(n p² + p³) through M, B = X'W²X and C = X'W V W X, never
 * the n x n matrix. */
typedef struct mtp__psums {
    double sw, sw2;          /* tr W, tr W² */
    double trP, trPP;        /* tr P, tr PP = sum(P * P) */
    double yPy, yPPy, yPPPy; /* y'Py = sum w r², y'PPy, y'PPPy */
    double trPV, trPVPV, trPVP;
} mtp__psums;
enum { MTP__PS_BASIC = 1, MTP__PS_TRPP = 2, MTP__PS_PPP = 4, MTP__PS_V = 8 };
void mtp__psums_get(mtp__psums *s, const mtp__model *m, const mtp__wls *f, unsigned int what);
/* w_i = 1/(v_i + tau2) into w. */
void mtp__weights(double *w, const double *v, size_t n, double tau2);
/* Rank of X (columns scaled to unit length) by QR with column pivoting;
 * MTP_ERANK naming a dependent column (mtp_error::column) when short. */
int mtp__check_rank(const mtp__model *m, mtp_error *err);

/* ---- tau2.c ------------------------------------------------------------- */
typedef struct mtp__tau2_fit {
    double tau2;
    double tau0;       /* SJ's starting value (for its standard error) */
    unsigned int iterations;
    int converged;
    int truncated;     /* the estimator's value was negative (or at the boundary) and set to 0 */
} mtp__tau2_fit;
int mtp__tau2_estimate(mtp__tau2_fit *fit, mtp_tau2_method method, const mtp__model *m,
                       double tol, unsigned int max_iter, mtp_error *err);
/* Standard error of tau² as metafor's rma.uni gives it for each method. */
double mtp__tau2_se(mtp_tau2_method method, const mtp__model *m, double tau2, double tau0);
/* Q_gen(tau²) - target and its derivative -y'PPy: the estimating equation of
 * PM and EB and of the Q-profile CI; params is an mtp__model. */
void mtp__q_gen_fdf(double tau2, void *params, double *f, double *df);
/* (Restricted) log-likelihood of tau², up to a constant (Viechtbauer 2005,
 * eqs. 8 and 11). */
double mtp__loglik(const mtp__model *m, double tau2, int reml);
/* The same at the coefficients of the model's user weights m->a (metafor's
 * logLik of a weighted fit, which the profile likelihood uses). */
double mtp__loglik_weighted(const mtp__model *m, double tau2, int reml);
typedef void (*mtp__fdf)(double x, void *params, double *f, double *df);
/* Root of a function that is positive at lo and eventually negative: hi
 * (hi_start > lo) is expanded until f(hi) <= 0, then Newton steps
 * safeguarded by the bracket (bisection whenever a step leaves it or |f|
 * fails to halve); fdf gives f and its derivative. */
int mtp__solve_decreasing_newton(double *root, unsigned int *iterations, mtp__fdf fdf,
                                 void *params, double lo, double hi_start, double tol,
                                 unsigned int max_iter, mtp_error *err);

/* ---- heterogeneity.c ---------------------------------------------------- */
/* Q-profile CI for tau² (Viechtbauer 2007): y'P(tau²)y = chi-square
 * quantiles with n - p df. */
int mtp__tau2_qprofile(double *lower, double *upper, const mtp__model *m, double level,
                       double tol, unsigned int max_iter, mtp_error *err);
/* Profile-likelihood CI for tau² (ML or REML): where 2 (ll_max - ll) equals
 * the chi-square(1) quantile. */
int mtp__tau2_profile(double *lower, double *upper, const mtp__model *m, int reml, double tau2,
                      double level, double tol, unsigned int max_iter, mtp_error *err);

#endif
