/* Internal interfaces shared by the layers of lib/. Not installed.
 * Semi-private helpers carry the mtp__ prefix (libgit2's convention).
 * Layers: core/ (status, names, options, workspace), effects/ (study effect
 * sizes), model/ (the one fit, model/model.h), analyses/ (calls of mtp_fit),
 * plot/ (SVG, public structs only). */
#ifndef METAPOOL_INTERNAL_H
#define METAPOOL_INTERNAL_H

#include "metapool.h"

struct mtp_workspace {
    size_t kmax, pmax;
    /* the data of the fit in progress, compacted to the studies in it */
    double *y, *v, *x; /* kmax, kmax, kmax * pmax */
    double *yc;        /* kmax: y minus its mean (MTP_FIT_CENTRE_Y) */
    double *w;         /* scratch weights (kmax) */
    size_t *idx;       /* idx[j] = input index of the j-th study in the fit */
    /* the general kernel (model/wls.c) */
    double *a;         /* kmax * pmax: W^1/2 X, then its QR */
    double *r;         /* kmax residuals */
    double *q;         /* kmax: x_i' M x_i */
    double *wa;        /* kmax: scratch of the trace sums */
    double *ua;        /* kmax: the user weights of the fit, compacted */
    double *beta, *qtau, *u, *norm; /* pmax each */
    double *M, *B, *C, *T;          /* pmax * pmax each */
    size_t *perm;                   /* pmax */
    /* the final fit, kept until its outputs are written (model/fit.c) */
    double *fw, *fr, *fh, *fxvx;    /* kmax: weights, residuals, hat values, x' Var(b) x */
    double *vb, *bhat;              /* pmax * pmax, pmax */
    /* per-study values of the version 0.1 entry points (mtp_workspace_studies) */
    mtp_study *studies;
    mtp_study *studies_buf[2];
    const mtp_study *studies_ok;
    double *weight;    /* kmax: the weights of the last fit, percent */
    double *cy, *cv;   /* kmax: their effects as arrays (the data view's) */
    unsigned char *keep; /* kmax: their keep mask */
    /* analyses that refit altered data (analyses/permutation.c) */
    double *py, *pv, *px; /* kmax, kmax, kmax * pmax */
    double *pxu;          /* kmax * pmax: the distinct rows of X */
    size_t *pg;           /* kmax: row group ids */
    double *py0;          /* kmax: the observed estimates */
    double *pstat, *pcount; /* pmax: observed statistics, counts */
    mtp_coef *pcoef0, *pcoef; /* pmax: observed and rearranged coefficients */
    struct mtp__qcache { /* quantiles already computed (see mtp__quantile) */
        int kind;
        double p, df, value;
    } qcache[8];
    unsigned int qcache_next;
};

/* Distributions whose quantiles mtp__quantile caches. */
enum { MTP__Q_NORMAL_UPPER = 1, MTP__Q_T_UPPER, MTP__Q_CHISQ_UPPER, MTP__Q_CHISQ_LOWER };
/* Quantile of the given kind (upper-tail probability p, or lower for
 * CHISQ_LOWER) with df degrees of freedom, from the workspace's cache when
 * the same (kind, p, df) was asked before: in batches of equal-sized
 * analyses the inverse CDFs would otherwise dominate the cost of a fit.
 * ws may be NULL (no cache). */
double mtp__quantile(mtp_workspace *ws, int kind, double p, double df);

/* ---- core/error.c ---- */
/* Fill err (if non-NULL) and return code. printf-style message. */
int mtp__fail(mtp_error *err, int code, size_t study, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* MTP_EINVAL unless the options can pool generic effects (not MH or Peto,
 * no MH-centred Q); hint is appended to the MH/Peto message ("" for none). */
int mtp__check_generic_method(const mtp_options *o, const char *hint, mtp_error *err);
/* Validate an options struct; returns MTP_OK or MTP_EINVAL with a message. */
int mtp__check_options(const mtp_options *opts, mtp_error *err);
/* opts, or the defaults copied into *tmp when opts is NULL. */
const mtp_options *mtp__options_or_default(const mtp_options *opts, mtp_options *tmp);
/* Set every double of a result to NaN and the rest to zero. */
void mtp__result_clear(mtp_result *r);
/* Set every double of a summary to NaN and the rest to zero. */
void mtp__summary_clear(mtp_summary *s);
/* The model options of version 0.1 options (method FE..EB, tau2_fixed). */
void mtp__model_options_from(mtp_model_options *m, const mtp_options *o);
/* The version 0.1 result of a summary. */
void mtp__result_from_summary(mtp_result *r, const mtp_summary *s, mtp_method method);
/* Model options with every default filled in (level 0.95, tol 1e-12, ...),
 * validated: MTP_EINVAL with a message otherwise. */
int mtp__model_options_resolve(mtp_model_options *out, const mtp_model_options *in,
                               mtp_error *err);

/* ---- core/names.c ---- */
/* Case-insensitive ASCII comparison. */
int mtp__name_equal(const char *a, const char *b);

/* ---- analyses/pool.c ---- */
/* Every estimate finite and every variance finite and > 0; the message names
 * the first offending study. */
int mtp__check_effects(const mtp_effect *effects, size_t k, mtp_error *err);

/* ---- core/workspace.c ---- */
/* Start a fit: point ws->studies at the buffer not holding the last good fit. */
void mtp__studies_begin(mtp_workspace *w);
/* The fit succeeded: mtp_workspace_studies() now returns ws->studies. */
void mtp__studies_publish(mtp_workspace *w);

/* ---- effects/effect_2x2.c ---- */
int mtp__check_table(const mtp_table2x2 *t, size_t index, mtp_error *err);
int mtp__table_is_double_zero(const mtp_table2x2 *t);
int mtp__table_has_zero_cell(const mtp_table2x2 *t);
/* Whether the double-zero policy drops a double-zero table for this measure. */
int mtp__drops_double_zero(const mtp_options *opts, mtp_measure measure);
/* Effect of one validated table; index is used in messages only. */
int mtp__effect_2x2(mtp_effect *out, unsigned int *flags, const mtp_table2x2 *t,
                    const mtp_options *opts, mtp_measure measure, size_t index, mtp_error *err);

/* ---- model/intercept.c: the intercept-only kernel ---- */
/* Inverse-variance weighted mean with weights 1/(v + tau2); fills w if non-NULL. */
void mtp__weighted_mean(double *mu, double *sumw, const double *y, const double *v, size_t n,
                        double tau2, double *w);
/* Generalised Q: sum (y - mu)^2/(v + tau2) around the mean with those weights. */
double mtp__q_gen(const double *y, const double *v, size_t n, double tau2);
/* Q around a given centre, with weights 1/v. */
double mtp__q_centred(const double *y, const double *v, size_t n, double centre);
/* Cochran's Q around the inverse-variance mean, with residuals taken from the
 * most precise study (accurate when a variance is below (eps |mu|)²). */
double mtp__q_fe(const double *y, const double *v, size_t n);
/* sum w - sum w^2 / sum w with w = 1/v (the "C" of DerSimonian-Laird). */
double mtp__dl_c(const double *v, size_t n);

/* ---- model/mh_peto.c ---- */
/* Mantel-Haenszel and Peto pooled estimates from the included tables.
 * Tables whose studies[i].flags has MTP_STUDY_DROPPED are left out; weights
 * (percent) go to weights[0..k). */
int mtp__pool_mh(double *est, double *se, double *weights, const mtp_table2x2 *tables,
                 const mtp_study *studies, size_t k, const mtp_options *opts, mtp_error *err);
int mtp__pool_peto(double *est, double *se, double *q, double *weights,
                   const mtp_table2x2 *tables, const mtp_study *studies, size_t k,
                   mtp_error *err);

/* ---- model/inference.c ---- */
/* Test and CI of one coefficient with z (df NaN) or t(df); ws (may be NULL)
 * caches the quantile. */
void mtp__wald(mtp_coef *c, double level, double df, mtp_workspace *ws);
/* Fill q_p, i2, h2, vtypical and the tau² CI fields of s from Q = s->qe with
 * df = n - p, c = tr P under W = 1/v; the Q-profile CI, on model mci,
 * when random and asked. m and mci are mtp__model (model/model.h). */
struct mtp__model;
int mtp__heterogeneity(mtp_summary *s, double c, const struct mtp__model *m,
                       const struct mtp__model *mci, int random, int want_ci, int i2_def,
                       double tol, unsigned int max_iter, mtp_error *err);

/* ---- model/fit.c ---- */
/* mtp_fit with RevMan's DL tau² from a Q centred elsewhere (the MH
 * estimate): q_override is that Q, or NaN for none. */
int mtp__fit_ext(const mtp_fit_out *out, mtp_workspace *w, const mtp_data *d,
                 const mtp_model_options *opts, double q_override, mtp_error *err);

#endif
