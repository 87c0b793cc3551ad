/* Internal interfaces shared by the files of lib/. Not installed.
 * Semi-private helpers carry the mtp__ prefix (libgit2's convention). */
#ifndef METAPOOL_INTERNAL_H
#define METAPOOL_INTERNAL_H

#include "metapool.h"


struct mtp_workspace {
    size_t kmax;
    double *y;           /* effects of the studies in the analysis (compacted) */
    double *v;           /* their sampling variances */
    double *w;           /* scratch weights */
    size_t *idx;         /* idx[j] = input index of the j-th study in the analysis */
    mtp_study *studies;  /* per-study output of the fit in progress, input order */
    mtp_study *studies_buf[2]; /* two buffers: one being written, one the last good fit */
    const mtp_study *studies_ok; /* what mtp_workspace_studies() returns */
    struct mtp__qcache {      /* quantiles already computed (see mtp__quantile) */
        int kind;
        double p, df, value;
    } qcache[8];
    unsigned int qcache_next; /* round-robin slot to overwrite */
};

/* Distributions whose quantiles mtp__quantile caches. */
enum { MTP__Q_NORMAL_UPPER = 1, MTP__Q_T_UPPER, MTP__Q_CHISQ_UPPER, MTP__Q_CHISQ_LOWER };
/* Quantile of the given kind (upper-tail probability p, or lower for
 * CHISQ_LOWER) with df degrees of freedom, from the workspace's cache when
 * the same (kind, p, df) was asked before: in batches of equal-sized
 * analyses the inverse CDFs would otherwise dominate the cost of a fit.
 * ws may be NULL (no cache). */
double mtp__quantile(mtp_workspace *ws, int kind, double p, double df);

/* ---- pool.c ---- */
/* Every estimate finite and every variance finite and > 0; the message names
 * the first offending study. */
int mtp__check_effects(const mtp_effect *effects, size_t k, mtp_error *err);

/* ---- workspace.c ---- */
/* Start a fit: point ws->studies at the buffer not holding the last good fit. */
void mtp__studies_begin(mtp_workspace *w);
/* The fit succeeded: mtp_workspace_studies() now returns ws->studies. */
void mtp__studies_publish(mtp_workspace *w);

/* ---- error.c ---- */
/* Fill err (if non-NULL) and return code. printf-style message. */
int mtp__fail(mtp_error *err, int code, size_t study, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Prepend "<what> <number>: " to err->message, cutting its end if the whole
 * no longer fits (batch and subgroup messages name the failing analysis). */
void mtp__prefix_message(mtp_error *err, const char *what, size_t number);
/* MTP_EINVAL unless the options can pool generic effects (not MH or Peto,
 * no MH-centred Q); hint is appended to the MH/Peto message ("" for none). */
int mtp__check_generic_method(const mtp_options *o, const char *hint, mtp_error *err);
/* Validate an options struct; returns MTP_OK or MTP_EINVAL with a message. */
int mtp__check_options(const mtp_options *opts, mtp_error *err);
/* opts, or the defaults copied into *tmp when opts is NULL. */
const mtp_options *mtp__options_or_default(const mtp_options *opts, mtp_options *tmp);
/* Set every double of a result to NaN and the rest to zero. */
void mtp__result_clear(mtp_result *r);

/* ---- effect_2x2.c ---- */
int mtp__check_table(const mtp_table2x2 *t, size_t index, mtp_error *err);
int mtp__table_is_double_zero(const mtp_table2x2 *t);
int mtp__table_has_zero_cell(const mtp_table2x2 *t);
/* Whether the double-zero policy drops a double-zero table for this measure. */
int mtp__drops_double_zero(const mtp_options *opts, mtp_measure measure);
/* Effect of one validated table; index is used in messages only. */
int mtp__effect_2x2(mtp_effect *out, unsigned int *flags, const mtp_table2x2 *t,
                    const mtp_options *opts, mtp_measure measure, size_t index, mtp_error *err);

/* ---- pool_fixed.c ---- */
/* Inverse-variance weighted mean with weights 1/(v + tau2); fills w if non-NULL. */
void mtp__weighted_mean(double *mu, double *sumw, const double *y, const double *v, size_t n,
                        double tau2, double *w);
/* Generalised Q: sum (y - mu)^2/(v + tau2) around the mean with those weights. */
double mtp__q_gen(const double *y, const double *v, size_t n, double tau2);
/* Q_gen(tau²) - target and its derivative -sum w² (y - mu)², w = 1/(v + tau²)
 * (the term in d mu / d tau² vanishes because sum w (y - mu) = 0): the
 * estimating equation of PM and EB and of the Q-profile CI bounds, in the
 * form mtp__solve_decreasing_newton takes; params is an mtp__qgen_problem. */
typedef struct mtp__qgen_problem {
    const double *y, *v;
    size_t n;
    double target;
} mtp__qgen_problem;
void mtp__q_gen_fdf(double tau2, void *params, double *f, double *df);
/* Q around a given centre, with weights 1/v. */
double mtp__q_centred(const double *y, const double *v, size_t n, double centre);
/* Cochran's Q around the inverse-variance mean, with residuals taken from the
 * most precise study (accurate when a variance is below (eps |mu|)²). */
double mtp__q_fe(const double *y, const double *v, size_t n);
/* sum w - sum w^2 / sum w with w = 1/v (the "C" of DerSimonian-Laird). */
double mtp__dl_c(const double *v, size_t n);
/* Mantel-Haenszel and Peto pooled estimates from the included tables. */
/* Tables whose studies[i].flags has MTP_STUDY_DROPPED are left out; weights
 * (percent) go to weights[0..k). */
int mtp__pool_mh(double *est, double *se, double *weights, const mtp_table2x2 *tables,
                 const mtp_study *studies, size_t k, const mtp_options *opts, mtp_error *err);
int mtp__pool_peto(double *est, double *se, double *q, double *weights,
                   const mtp_table2x2 *tables, const mtp_study *studies, size_t k,
                   mtp_error *err);

/* ---- tau2.c ---- */
typedef struct mtp__tau2_fit {
    double tau2;
    unsigned int iterations;
    int converged;
    int truncated; /* the estimator's value was negative (or at the boundary) and set to 0 */
} mtp__tau2_fit;
int mtp__tau2_estimate(mtp__tau2_fit *fit, mtp_method method, const double *y, const double *v,
                       size_t n, const mtp_options *opts, mtp_error *err);
/* Root of a function that is positive at lo and eventually negative: hi
 * (hi_start > lo) is expanded until f(hi) <= 0, then Newton steps
 * safeguarded by the bracket (bisection whenever a step leaves it or |f|
 * fails to halve); fdf gives f and its derivative. */
typedef void (*mtp__fdf)(double x, void *params, double *f, double *df);
int mtp__solve_decreasing_newton(double *root, unsigned int *iterations, mtp__fdf fdf,
                                 void *params, double lo, double hi_start,
                                 const mtp_options *opts, mtp_error *err);

/* ---- heterogeneity.c ---- */
/* Q-profile CI for tau² (Viechtbauer 2007). */
int mtp__tau2_qprofile(double *lower, double *upper, const double *y, const double *v, size_t n,
                       double level, mtp_workspace *ws, const mtp_options *opts, mtp_error *err);
/* Fill q, q_df, q_p, i2, h2, vtypical and the tau² CI related fields. */
int mtp__heterogeneity(mtp_result *r, double q, const double *y, const double *v, size_t n,
                       int random, mtp_workspace *ws, const mtp_options *opts, mtp_error *err);

/* ---- inference.c ---- */
/* Fill stat, df, p, ci for estimate/se with test z or t(df); ws (may be
 * NULL) caches the quantile. */
void mtp__wald(mtp_result *r, double df, mtp_workspace *ws);
/* Prediction interval of a random-effects result. */
void mtp__prediction(mtp_result *r, const mtp_options *opts, mtp_workspace *ws);
/* Full inverse-variance fit (fixed or random) on ws->y, ws->v, ws->idx[0..n). */
int mtp__fit_iv(mtp_result *out, mtp_workspace *ws, size_t n, const mtp_options *opts,
                double q_override, mtp_error *err);

#endif
