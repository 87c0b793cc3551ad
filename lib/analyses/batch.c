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

/* Shared, read-only description of the job. */
typedef struct {
    mtp_result *out;
    int *status;
    const mtp_effect *effects;
    const size_t *offsets;
    size_t n;
    const mtp_options *opts;
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
static void fit_range(batch_worker *wk, size_t begin, size_t end)
{
    const batch_job *job = wk->job;
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

int mtp_pool_batch(mtp_result *out, int *status, const mtp_effect *effects, const size_t *offsets,
                   size_t n, const mtp_options *opts, unsigned int nthreads, mtp_error *err)
{
    mtp_options tmp;
    const mtp_options *o = mtp__options_or_default(opts, &tmp);
    batch_job job;
    batch_worker one, *workers = &one;
    size_t kmax = 1, nworkers = 1, first = SIZE_MAX, failed_worker = 0;
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
    for (size_t j = 0; j < n; j++) {
        if (offsets[j + 1] < offsets[j])
            return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                             "offsets[%zu] = %zu is less than offsets[%zu] = %zu", j + 1,
                             offsets[j + 1], j, offsets[j]);
        if (offsets[j + 1] - offsets[j] > kmax)
            kmax = offsets[j + 1] - offsets[j];
    }

    job.out = out;
    job.status = status;
    job.effects = effects;
    job.offsets = offsets;
    job.n = n;
    job.opts = o;

#if MTP_BATCH_THREADS
    if (nthreads > MTP_BATCH_MAX_THREADS)
        nthreads = MTP_BATCH_MAX_THREADS;
    nworkers = nthreads < 2 ? 1 : (n < nthreads ? n : nthreads);
    /* about 16 chunks per worker, for balance when fits differ in cost */
    job.chunk = n / (nworkers * 16);
    if (job.chunk == 0)
        job.chunk = 1;
    if (job.chunk > 4096)
        job.chunk = 4096;
    atomic_init(&job.next, 0);
#else
    (void)nthreads;
    job.chunk = n;
#endif

    if (nworkers > 1) {
        workers = calloc(nworkers, sizeof *workers);
        if (workers == NULL)
            return mtp__fail(err, MTP_ENOMEM, MTP_NO_STUDY, "out of memory for %zu workers", nworkers);
    }
    rc = MTP_OK;
    for (size_t t = 0; t < nworkers; t++) {
        workers[t].job = &job;
        workers[t].first_fail = SIZE_MAX;
        workers[t].ws = mtp_workspace_alloc(kmax, 1);
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
        rc = status[first];
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
