/* Batch fitting: many independent meta-analyses of generic effects laid out
 * back to back (analysis j uses effects[offsets[j] .. offsets[j+1])), for
 * simulation studies. Each worker owns one workspace, allocated once before
 * the first fit; a fit allocates nothing. With nthreads > 1 the analyses are
 * handed out in contiguous chunks from a shared counter (POSIX threads), so
 * every analysis is fitted by exactly the code of mtp_pool_effects() and the
 * results do not depend on the number of threads.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#if !defined(MTP_NO_THREADS) && (defined(__unix__) || defined(__APPLE__)) && \
    !defined(__STDC_NO_ATOMICS__)
#define MTP_BATCH_THREADS 1
#include <pthread.h>
#include <stdatomic.h>
#else
#define MTP_BATCH_THREADS 0
#endif

/* Upper bound on worker threads, whatever the caller asks. */
#define MTP_BATCH_MAX_THREADS 256u

/* Shared, read-only description of the job: either the version 0.1 call
 * (effects, opts, out) or the data view (all, mopts, fout). */
typedef struct {
    mtp_result *out;
    int *status;
    const mtp_effect *effects;
    const size_t *offsets;
    size_t n;
    const mtp_options *opts;
    const mtp_data *all;
    const mtp_model_options *mopts;
    const mtp_fit_out *fout;
    size_t chunk; /* analyses handed out at a time */
#if MTP_BATCH_THREADS
    atomic_size_t next; /* first analysis not yet handed out */
#endif
} batch_job;

/* One worker: its workspace and the first (lowest-index) failure it saw. */
typedef struct {
    batch_job *job;
    mtp_workspace *ws;
    size_t first_fail; /* analysis index, or SIZE_MAX */
    mtp_error err;     /* its detail */
} batch_worker;

/* Fit analyses [begin, end); the first failure keeps its detail, located by
 * mtp_error::analysis and the study's index in the whole effects array. */
/* Analysis j of a data-view job: its rows of the view and of the outputs. */
static int fit_view(const batch_job *job, mtp_workspace *ws, size_t j, mtp_error *err)
{
    const mtp_data *a = job->all;
    const mtp_fit_out *o = job->fout;
    const size_t off = job->offsets[j], k = job->offsets[j + 1] - off;
    const size_t p = a->x == NULL ? 1 : a->p;
    mtp_data d = *a;
    mtp_fit_out f = *o;
    double **rows[] = {&f.yi, &f.vi, &f.weight, &f.ci_lower, &f.ci_upper, &f.fitted, &f.resid, &f.hat,
                       &f.blup, &f.blup_se, &f.blup_lower, &f.blup_upper, &f.ranef,
                       &f.ranef_se, &f.ranef_lower, &f.ranef_upper};
    int rc;
    d.k = k;
    d.yi = a->yi + off;
    d.vi = a->vi + off;
    d.x = a->x != NULL ? a->x + off * p : NULL;
    d.keep = a->keep != NULL ? a->keep + off : NULL;
    d.weights = a->weights != NULL ? a->weights + off : NULL;
    f.summary = o->summary != NULL ? o->summary + j : NULL;
    f.coef = o->coef != NULL ? o->coef + j * p : NULL;
    f.vcov = o->vcov != NULL ? o->vcov + j * p * p : NULL;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        if (*rows[r] != NULL)
            *rows[r] += off;
    if (f.study_flags != NULL)
        f.study_flags += off;
    if ((rc = mtp_fit(&f, ws, &d, job->mopts, err)) == MTP_OK)
        return MTP_OK;
    if (f.summary != NULL) { /* a failed analysis: NaN numbers, its k */
        mtp__summary_clear(f.summary);
        f.summary->k = k;
        f.summary->measure = a->measure;
        f.summary->tau2_method = job->mopts != NULL ? job->mopts->tau2 : MTP_TAU2_REML;
    }
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
        if (*rows[r] != NULL)
            for (size_t i = 0; i < k; i++)
                (*rows[r])[i] = NAN;
    return rc;
}

static void fit_range(batch_worker *wk, size_t begin, size_t end)
{
    const batch_job *job = wk->job;
    if (job->all != NULL) {
        for (size_t j = begin; j < end; j++) {
            mtp_error e;
            const int rc = fit_view(job, wk->ws, j, wk->first_fail == SIZE_MAX ? &e : NULL);
            job->status[j] = rc;
            if (rc != MTP_OK && wk->first_fail == SIZE_MAX) {
                wk->first_fail = j;
                wk->err = e;
                wk->err.study = e.study == MTP_NO_STUDY ? MTP_NO_STUDY : job->offsets[j] + e.study;
                wk->err.analysis = j;
            }
        }
        return;
    }
    for (size_t j = begin; j < end; j++) {
        const size_t off = job->offsets[j], k = job->offsets[j + 1] - off;
        mtp_error e;
        /* Detail is only wanted for the worker's first failure; later ones
         * skip the message formatting. */
        const int rc = mtp_pool_effects(&job->out[j], wk->ws, job->effects + off, k, job->opts,
                                        wk->first_fail == SIZE_MAX ? &e : NULL);
        job->status[j] = rc;
        if (rc == MTP_OK)
            continue;
        mtp__result_clear(&job->out[j]);
        job->out[j].k = k;
        job->out[j].measure = MTP_MEASURE_GENERIC;
        job->out[j].method = job->opts->method;
        job->out[j].test = job->opts->test;
        job->out[j].level = job->opts->level;
        if (wk->first_fail == SIZE_MAX) {
            wk->first_fail = j;
            wk->err = e;
            wk->err.study = e.study == MTP_NO_STUDY ? MTP_NO_STUDY : off + e.study;
            wk->err.analysis = j;
        }
    }
}

#if MTP_BATCH_THREADS
static void *worker_main(void *arg)
{
    batch_worker *wk = arg;
    batch_job *job = wk->job;
    for (;;) {
        const size_t begin = atomic_fetch_add_explicit(&job->next, job->chunk, memory_order_relaxed);
        if (begin >= job->n)
            break;
        fit_range(wk, begin, job->n - begin < job->chunk ? job->n : begin + job->chunk);
    }
    return NULL;
}
#endif

/* Run a job on nworkers workers (the caller's thread and nworkers - 1
 * POSIX threads), each with a workspace of kmax studies and pmax columns;
 * the first failure's status and detail. */
static int run_job(batch_job *job, unsigned int nthreads, size_t kmax, size_t pmax, mtp_error *err)
{
    batch_worker one, *workers = &one;
    size_t nworkers = 1, first = SIZE_MAX, failed_worker = 0;
    const size_t n = job->n;
    int rc;

#if MTP_BATCH_THREADS
    if (nthreads > MTP_BATCH_MAX_THREADS)
        nthreads = MTP_BATCH_MAX_THREADS;
    nworkers = nthreads < 2 ? 1 : (n < nthreads ? n : nthreads);
    /* about 16 chunks per worker, for balance when fits differ in cost */
    job->chunk = n / (nworkers * 16);
    if (job->chunk == 0)
        job->chunk = 1;
    if (job->chunk > 4096)
        job->chunk = 4096;
    atomic_init(&job->next, 0);
#else
    (void)nthreads;
    job->chunk = n;
#endif

    if (nworkers > 1) {
        workers = calloc(nworkers, sizeof *workers);
        if (workers == NULL)
            return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory for %zu workers", nworkers);
    }
    rc = MTP_OK;
    for (size_t t = 0; t < nworkers; t++) {
        workers[t].job = job;
        workers[t].first_fail = SIZE_MAX;
        workers[t].ws = mtp_workspace_alloc(kmax, pmax);
        if (workers[t].ws == NULL)
            rc = MTP_ENOMEM;
    }
    if (rc != MTP_OK) {
        rc = mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory for workspaces of %zu studies",
                       kmax);
        goto done;
    }

#if MTP_BATCH_THREADS
    if (nworkers > 1) {
        pthread_t *tids = calloc(nworkers, sizeof *tids);
        unsigned char *started = calloc(nworkers, 1);
        if (tids == NULL || started == NULL) {
            free(tids);
            free(started);
            rc = mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory for %zu threads", nworkers);
            goto done;
        }
        /* Worker 0 is the calling thread. A thread that cannot be created
         * leaves its share to the others: the counter hands out all work. */
        for (size_t t = 1; t < nworkers; t++)
            started[t] = pthread_create(&tids[t], NULL, worker_main, &workers[t]) == 0;
        worker_main(&workers[0]);
        for (size_t t = 1; t < nworkers; t++)
            if (started[t])
                pthread_join(tids[t], NULL);
        free(tids);
        free(started);
    } else {
        fit_range(&workers[0], 0, n);
    }
#else
    fit_range(&workers[0], 0, n);
#endif

    for (size_t t = 0; t < nworkers; t++)
        if (workers[t].first_fail < first) {
            first = workers[t].first_fail;
            failed_worker = t;
        }
    if (first != SIZE_MAX) {
        rc = job->status[first];
        if (err != NULL)
            *err = workers[failed_worker].err;
    }

done:
    for (size_t t = 0; t < nworkers; t++)
        mtp_workspace_free(workers[t].ws);
    if (workers != &one)
        free(workers);
    return rc;
}

/* Offsets nondecreasing; the largest analysis into *kmax. */
static int check_offsets(size_t *kmax, const size_t *offsets, size_t n, mtp_error *err)
{
    *kmax = 1;
    for (size_t j = 0; j < n; j++) {
        if (offsets[j + 1] < offsets[j])
            return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                             "offsets[%zu] = %zu is less than offsets[%zu] = %zu", j + 1,
                             offsets[j + 1], j, offsets[j]);
        if (offsets[j + 1] - offsets[j] > *kmax)
            *kmax = offsets[j + 1] - offsets[j];
    }
    return MTP_OK;
}

int mtp_pool_batch(mtp_result *out, int *status, const mtp_effect *effects, const size_t *offsets,
                   size_t n, const mtp_options *opts, unsigned int nthreads, mtp_error *err)
{
    mtp_options tmp;
    const mtp_options *o = mtp__options_or_default(opts, &tmp);
    batch_job job;
    size_t kmax;
    int rc;

    if (n == 0)
        return MTP_OK;
    if (out == NULL || status == NULL || effects == NULL || offsets == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "NULL results, status, effects or offsets pointer");
    if ((rc = mtp__check_options(o, err)) != MTP_OK)
        return rc;
    /* what would make every analysis fail is a bad call */
    if ((rc = mtp__check_generic_method(o, "", err)) != MTP_OK)
        return rc;
    if ((rc = check_offsets(&kmax, offsets, n, err)) != MTP_OK)
        return rc;
    memset(&job, 0, sizeof job);
    job.out = out;
    job.status = status;
    job.effects = effects;
    job.offsets = offsets;
    job.n = n;
    job.opts = o;
    return run_job(&job, nthreads, kmax, 1, err);
}

int mtp_fit_batch(const mtp_fit_out *out, int *status, const mtp_data *all, const size_t *offsets,
                  size_t n, const mtp_model_options *opts, unsigned int nthreads, mtp_error *err)
{
    mtp_model_options resolved;
    batch_job job;
    size_t kmax;
    int rc;

    if (n == 0)
        return MTP_OK;
    if (out == NULL || status == NULL || all == NULL || offsets == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "NULL outputs, status, data or offsets pointer");
    if (out->version != MTP_FIT_OUT_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "output version %u is not %u",
                         out->version, (unsigned int)MTP_FIT_OUT_VERSION);
    if ((rc = mtp__model_options_resolve(&resolved, opts, err)) != MTP_OK)
        return rc;
    if ((rc = check_offsets(&kmax, offsets, n, err)) != MTP_OK)
        return rc;
    if (offsets[0] != 0 || offsets[n] != all->k)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "offsets run from %zu to %zu, not from 0 to the data's k = %zu",
                         offsets[0], offsets[n], all->k);
    memset(&job, 0, sizeof job);
    job.status = status;
    job.offsets = offsets;
    job.n = n;
    job.all = all;
    job.mopts = &resolved;
    job.fout = out;
    return run_job(&job, nthreads, kmax, all->x == NULL ? 1 : all->p, err);
}
