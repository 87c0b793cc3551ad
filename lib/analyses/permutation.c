/* Permutation tests of a (meta-regression) model: Higgins & Thompson (2004,
 * Stat Med 23:1663) and Viechtbauer, López-López, Sánchez-Meca & Marín-
 * Martínez (2015, Psychol Methods 20:360), as metafor 3.8.1's permutest():
 * the rows of X are permuted over the studies (sign flips of y for the
 * intercept-only model), every distinct arrangement once when there are at
 * most `iterations` of them, random arrangements otherwise. Each
 * arrangement is one mtp_fit().
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "internal.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

/* metafor's comptol: sqrt(.Machine$double.eps) */
#define COMPTOL 1.4901161193847656e-08

typedef struct {
    mtp_workspace *ws;
    mtp_model_options o;
    mtp_data d;          /* the arrangement being fitted (py, pv, px) */
    size_t n, p;
    double obs_qm;
    const double *stat0;  /* observed statistics, p */
    double *count;        /* p counters (in p_coef or scratch) */
    double qm_count, fitted;
} perm_job;

/* Refit the current arrangement and count it. */
static void count_arrangement(perm_job *j, mtp_coef *coef)
{
    mtp_summary s;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    out.summary = &s;
    out.coef = coef;
    if (mtp_fit(&out, j->ws, &j->d, &j->o, NULL) != MTP_OK)
        return; /* as metafor: a failed fit is left out */
    j->fitted++;
    for (size_t c = 0; c < j->p; c++)
        if (fabs(coef[c].stat) >= fabs(j->stat0[c]) - COMPTOL)
            j->count[c]++;
    if (s.qm >= j->obs_qm - COMPTOL)
        j->qm_count++;
}

/* Rearrange the multiset a[0..n) into its next permutation in
 * lexicographic order; 0 after the last (Knuth, TAOCP 7.2.1.2, algorithm L). */
static int next_arrangement(size_t *a, size_t n)
{
    size_t i, l;
    if (n < 2)
        return 0;
    i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return 0;
    l = n - 1;
    while (a[l] <= a[i - 1])
        l--;
    {
        size_t t = a[i - 1];
        a[i - 1] = a[l];
        a[l] = t;
    }
    for (size_t lo = i, hi = n - 1; lo < hi; lo++, hi--) {
        size_t t = a[lo];
        a[lo] = a[hi];
        a[hi] = t;
    }
    return 1;
}

/* Group identical rows of px (n x p): pxu holds the distinct rows in
 * lexicographic order, pg[i] the group of row i; returns the number of
 * distinct arrangements n!/prod n_g! (Inf past double range). */
static double group_rows(mtp_workspace *ws, size_t n, size_t p)
{
    size_t groups = 0;
    double count = 1;
    for (size_t i = 0; i < n; i++) {
        size_t g = 0;
        while (g < groups && memcmp(&ws->pxu[g * p], &ws->px[i * p], p * sizeof(double)) != 0)
            g++;
        if (g == groups) /* a new distinct row */
            memcpy(&ws->pxu[groups++ * p], &ws->px[i * p], p * sizeof(double));
        ws->pg[i] = g;
    }
    /* n!/prod n_g! as a product of ratios */
    {
        size_t seen = 0;
        for (size_t g = 0; g < groups; g++) {
            size_t ng = 0;
            for (size_t i = 0; i < n; i++)
                ng += ws->pg[i] == g;
            for (size_t r = 1; r <= ng; r++)
                count *= (double)(seen + r) / (double)r;
            seen += ng;
        }
    }
    return count;
}

static int cmp_size(const void *a, const void *b)
{
    const size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int mtp_permutest(mtp_permutation *out, double *p_coef, mtp_workspace *ws, const mtp_data *data,
                  const mtp_model_options *opts, unsigned long iterations, unsigned long seed,
                  mtp_error *err)
{
    mtp_summary s0;
    mtp_fit_out o0 = MTP_FIT_OUT_INIT;
    mtp_coef *coef0, *coef;
    perm_job j;
    size_t n = 0, p;
    int rc, int_only;
    double arrangements;
    mtp_model_options resolved;

    if (out == NULL || ws == NULL || data == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL output, workspace or data pointer");
    if (iterations < 2)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "iterations must be at least 2, not %lu",
                         iterations);
    if ((rc = mtp__model_options_resolve(&resolved, opts, err)) != MTP_OK)
        return rc;
    p = data->x == NULL ? 1 : data->p;
    if (data->weights != NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a permutation test of a model with user weights is not offered");
    resolved.flags |= MTP_FIT_NO_TAU2_CI | MTP_FIT_NO_R2;
    resolved.flags &= ~(unsigned int)MTP_FIT_TAU2_PL;
    coef0 = ws->pcoef0;
    o0.summary = &s0;
    o0.coef = coef0;
    if ((rc = mtp_fit(&o0, ws, data, &resolved, err)) != MTP_OK)
        return rc;
    int_only = p == 1 && s0.intercept;
    /* compact the kept studies into the arrangement buffers */
    for (size_t i = 0; i < data->k; i++) {
        if (data->keep != NULL && !data->keep[i])
            continue;
        ws->py[n] = ws->py0[n] = data->yi[i];
        ws->pv[n] = data->vi[i];
        for (size_t c = 0; c < p; c++)
            ws->px[n * p + c] = data->x == NULL ? 1.0 : data->x[i * p + c];
        n++;
    }
    memset(&j, 0, sizeof j);
    j.ws = ws;
    j.o = resolved;
    j.d = *data;
    j.d.k = n;
    j.d.yi = ws->py;
    j.d.vi = ws->pv;
    j.d.keep = NULL;
    j.n = n;
    j.p = p;
    j.obs_qm = s0.qm;
    for (size_t c = 0; c < p; c++) {
        ws->pstat[c] = coef0[c].stat;
        ws->pcount[c] = 0;
    }
    j.stat0 = ws->pstat;
    j.count = ws->pcount;
    coef = ws->pcoef;

    if (int_only) {
        arrangements = n < 64 ? ldexp(1.0, (int)n) : INFINITY;
    } else {
        j.d.x = ws->pxu; /* rebuilt per arrangement below */
        arrangements = group_rows(ws, n, p);
    }
    if (arrangements <= (double)iterations) {
        out->exact = 1;
        if (int_only) {
            const unsigned long total = 1ul << n;
            for (unsigned long mask = 0; mask < total; mask++) {
                for (size_t i = 0; i < n; i++)
                    ws->py[i] = (mask >> i) & 1u ? -ws->py0[i] : ws->py0[i];
                count_arrangement(&j, coef);
            }
        } else {
            /* the arrangement is a permutation of the group ids; pxu stays the
             * table of distinct rows and px receives each arrangement */
            size_t *g = ws->pg;
            qsort(g, n, sizeof *g, cmp_size);
            j.d.x = ws->px;
            do {
                for (size_t i = 0; i < n; i++)
                    memcpy(&ws->px[i * p], &ws->pxu[g[i] * p], p * sizeof(double));
                count_arrangement(&j, coef);
            } while (next_arrangement(g, n));
        }
    } else {
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        unsigned long attempts = 0;
        if (r == NULL)
            return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory for the random generator");
        gsl_rng_set(r, seed);
        out->exact = 0;
        /* the observed data count as the first arrangement (metafor) */
        for (size_t c = 0; c < p; c++)
            ws->pcount[c] = 1;
        j.qm_count = 1;
        j.fitted = 1;
        if (!int_only) {
            for (size_t i = 0; i < n; i++)
                ws->pg[i] = i;
            memcpy(ws->pxu, ws->px, n * p * sizeof(double));
            j.d.x = ws->px;
        }
        while (j.fitted < (double)iterations && attempts++ < 100 * (unsigned long)iterations) {
            if (int_only) {
                for (size_t i = 0; i < n; i++)
                    ws->py[i] = gsl_rng_uniform_int(r, 2) ? -ws->py0[i] : ws->py0[i];
            } else {
                gsl_ran_shuffle(r, ws->pg, n, sizeof *ws->pg);
                for (size_t i = 0; i < n; i++)
                    memcpy(&ws->px[i * p], &ws->pxu[ws->pg[i] * p], p * sizeof(double));
            }
            count_arrangement(&j, coef);
        }
        gsl_rng_free(r);
    }
    out->iterations = (unsigned long)j.fitted;
    out->qm_p = j.fitted > 0 ? fmin(1, j.qm_count / j.fitted) : NAN;
    if (p_coef != NULL)
        for (size_t c = 0; c < p; c++)
            p_coef[c] = j.fitted > 0 ? fmin(1, ws->pcount[c] / j.fitted) : NAN;
    return MTP_OK;
}
