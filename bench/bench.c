/* metapool benchmark: reads a CSV "rep,yi,vi" (bench/gen_data.c), groups the
 * rows into analyses by consecutive rep, and times
 *   read:  the file into memory (fread) and its numbers (a strtod loop) --
 *          the floor any reader of this file has to pay;
 *   fit:   mtp_pool_batch() on every analysis, for each method, thread count
 *          and tau2_ci setting asked for.
 * Each timing is the minimum over --repeat runs (wall clock, CLOCK_MONOTONIC).
 * Results with 2+ threads are checked bitwise against 1 thread.
 *
 * usage: metapool_bench [--repeat R] [--methods DL,REML] [--threads 1,2]
 *                       [--ci 1,0] [--dump FILE] [--callgrind] FILE
 *   --dump FILE   write rep,tau2,estimate,se,status,... (%.17g) of the REML
 *                 fit (tau2_ci on, 1 thread): for the comparison with metafor,
 *                 and to check a change of the core bit for bit
 *   --callgrind   one parse and one fit of each configuration, no timing
 *                 repeats; run under valgrind --tool=callgrind with
 *                 --collect-atstart=no --toggle-collect=bench_parse
 *                 --toggle-collect=bench_fit so that only those are counted
 * Output: one "key=value ..." line per measurement (parsed by bench/run.sh).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metapool.h"

#if defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

_Noreturn static void die(const char *what)
{
    fprintf(stderr, "metapool_bench: %s\n", what);
    exit(1);
}

typedef struct {
    mtp_effect *effects;
    size_t *offsets; /* n + 1 */
    double *rep;     /* rep value of each analysis */
    size_t k, n;     /* effects, analyses */
} dataset;

/* External (not static) so that callgrind's --toggle-collect can name them. */
void bench_parse(dataset *d, const char *buf, size_t len);
int bench_fit(mtp_result *out, int *status, const dataset *d, const mtp_options *o,
              unsigned int nthreads, mtp_error *err);


static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        die("cannot open or seek the input file");
    buf = malloc((size_t)size + 1);
    if (buf == NULL)
        die("out of memory");
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        die("short read");
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

/* The strtod loop: every number of the file, no allocation per field.
 * Rows with the same rep as the previous row belong to the same analysis. */
BENCH_NOINLINE void bench_parse(dataset *d, const char *buf, size_t len)
{
    const char *p = memchr(buf, '\n', len), *end = buf + len;
    size_t k = 0, n = 0;
    double last = 0;
    if (p == NULL)
        die("no header line");
    p++;
    while (p < end) {
        char *q;
        double rep, yi, vi;
        if (*p == '\n') {
            p++;
            continue;
        }
        rep = strtod(p, &q);
        if (*q != ',')
            die("bad rep field");
        yi = strtod(q + 1, &q);
        if (*q != ',')
            die("bad yi field");
        vi = strtod(q + 1, &q);
        if (*q == '\r')
            q++;
        if (*q != '\n' && q != end)
            die("bad vi field");
        p = q + 1;
        if (k == 0 || rep != last) {
            d->offsets[n] = k;
            d->rep[n++] = rep;
            last = rep;
        }
        d->effects[k].yi = yi;
        d->effects[k].vi = vi;
        k++;
    }
    d->offsets[n] = k;
    d->k = k;
    d->n = n;
}

BENCH_NOINLINE int bench_fit(mtp_result *out, int *status, const dataset *d,
                             const mtp_options *o, unsigned int threads, mtp_error *err)
{
    return mtp_pool_batch(out, status, d->effects, d->offsets, d->n, o, threads, err);
}

/* Comma-separated list of small integers or method names. */
static size_t parse_list(const char *s, int *vals, size_t max, int methods)
{
    size_t n = 0;
    char buf[256];
    if (strlen(s) >= sizeof buf)
        die("list too long");
    strcpy(buf, s);
    for (char *tok = strtok(buf, ","); tok != NULL && n < max; tok = strtok(NULL, ",")) {
        if (methods) {
            int m = -1;
            for (int i = 0; i <= MTP_METHOD_EB; i++)
                if (strcmp(tok, mtp_method_name((mtp_method)i)) == 0)
                    m = i;
            if (m < 0)
                die("unknown method");
            vals[n++] = m;
        } else {
            vals[n++] = atoi(tok);
        }
    }
    return n;
}

/* Bitwise comparison of the numbers of two results. */
static int same_result(const mtp_result *a, const mtp_result *b)
{
    const double xa[] = {a->estimate, a->se, a->stat, a->p, a->ci_lower, a->ci_upper,
                         a->pi_lower, a->pi_upper, a->tau2, a->tau2_ci_lower, a->tau2_ci_upper,
                         a->q, a->q_p, a->i2, a->h2, a->vtypical};
    const double xb[] = {b->estimate, b->se, b->stat, b->p, b->ci_lower, b->ci_upper,
                         b->pi_lower, b->pi_upper, b->tau2, b->tau2_ci_lower, b->tau2_ci_upper,
                         b->q, b->q_p, b->i2, b->h2, b->vtypical};
    return memcmp(xa, xb, sizeof xa) == 0 && a->iterations == b->iterations &&
           a->notes == b->notes && a->k_used == b->k_used;
}

int main(int argc, char **argv)
{
    int repeat = 5, callgrind = 0, methods[4], threads[8], cis[2];
    size_t nmethods = 2, nthreads = 2, ncis = 2;
    const char *path = NULL, *dump = NULL;
    char *buf;
    size_t len, rows = 0;
    dataset d;
    double t_read = 1e300, t_parse = 1e300;
    mtp_result *out, *ref;
    int *status;

    methods[0] = MTP_METHOD_DL;
    methods[1] = MTP_METHOD_REML;
    threads[0] = 1;
    threads[1] = 2;
    cis[0] = 1;
    cis[1] = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--methods") == 0 && i + 1 < argc)
            nmethods = parse_list(argv[++i], methods, 4, 1);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            nthreads = parse_list(argv[++i], threads, 8, 0);
        else if (strcmp(argv[i], "--ci") == 0 && i + 1 < argc)
            ncis = parse_list(argv[++i], cis, 2, 0);
        else if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc)
            dump = argv[++i];
        else if (strcmp(argv[i], "--callgrind") == 0)
            callgrind = 1;
        else if (argv[i][0] == '-')
            die("unknown option (see the comment at the top of bench/bench.c)");
        else
            path = argv[i];
    }
    if (path == NULL)
        die("usage: metapool_bench [--repeat R] [--methods DL,REML] [--threads 1,2] [--ci 1,0] "
            "[--dump FILE] [--callgrind] FILE");
    if (callgrind || repeat < 1)
        repeat = 1;

    /* size the arrays from a line count (not timed) */
    buf = slurp(path, &len);
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))) != NULL; p++)
        rows++;
    free(buf);
    d.effects = malloc((rows + 1) * sizeof *d.effects);
    d.offsets = malloc((rows + 2) * sizeof *d.offsets);
    d.rep = malloc((rows + 1) * sizeof *d.rep);
    if (d.effects == NULL || d.offsets == NULL || d.rep == NULL)
        die("out of memory");

    for (int r = 0; r < repeat; r++) {
        double t0 = now(), t1, t2;
        buf = slurp(path, &len);
        t1 = now();
        bench_parse(&d, buf, len);
        t2 = now();
        free(buf);
        if (t2 - t0 < t_read)
            t_read = t2 - t0;
        if (t2 - t1 < t_parse)
            t_parse = t2 - t1;
    }
    printf("read file=%s analyses=%zu effects=%zu bytes=%zu read_s=%.6f parse_s=%.6f\n", path,
           d.n, d.k, len, t_read, t_parse);

    out = malloc(d.n * sizeof *out);
    ref = malloc(d.n * sizeof *ref);
    status = malloc(d.n * sizeof *status);
    if (out == NULL || ref == NULL || status == NULL)
        die("out of memory");

    for (size_t mi = 0; mi < nmethods; mi++)
        for (size_t ci = 0; ci < ncis; ci++)
            for (size_t ti = 0; ti < nthreads; ti++) {
                mtp_options o;
                mtp_error err;
                double best = 1e300;
                size_t failed = 0, iters = 0, mismatch = 0;
                int rc = MTP_OK;
                mtp_options_init(&o, MTP_OPTIONS_VERSION);
                o.method = (mtp_method)methods[mi];
                o.tau2_ci = cis[ci];
                for (int r = 0; r < repeat; r++) {
                    const double t0 = now();
                    rc = bench_fit(out, status, &d, &o, (unsigned int)threads[ti], &err);
                    const double t = now() - t0;
                    if (t < best)
                        best = t;
                }
                if (rc != MTP_OK && rc != status[0] && (rc == MTP_EINVAL || rc == MTP_ENOMEM))
                    die(err.message);
                for (size_t j = 0; j < d.n; j++) {
                    failed += status[j] != MTP_OK;
                    iters += out[j].iterations;
                }
                if (ti == 0)
                    memcpy(ref, out, d.n * sizeof *out);
                else
                    for (size_t j = 0; j < d.n; j++)
                        mismatch += !same_result(&out[j], &ref[j]);
                printf("fit method=%s tau2_ci=%d threads=%d analyses=%zu seconds=%.6f "
                       "us_per_fit=%.3f failed=%zu mean_iter=%.2f mismatch_vs_1thread=%zu\n",
                       mtp_method_name(o.method), o.tau2_ci, threads[ti], d.n, best,
                       1e6 * best / (double)d.n, failed, (double)iters / (double)d.n,
                       ti == 0 ? (size_t)0 : mismatch);
                if (rc != MTP_OK)
                    printf("first_error %s\n", err.message);
                if (dump != NULL && o.method == MTP_METHOD_REML && o.tau2_ci && ti == 0) {
                    FILE *f = fopen(dump, "w");
                    if (f == NULL)
                        die("cannot write the dump file");
                    fprintf(f, "rep,tau2,estimate,se,status,ci_lower,ci_upper,pi_lower,"
                               "pi_upper,tau2_ci_lower,tau2_ci_upper,i2,q_p,p,iterations\n");
                    for (size_t j = 0; j < d.n; j++)
                        fprintf(f,
                                "%.17g,%.17g,%.17g,%.17g,%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,"
                                "%.17g,%.17g,%.17g,%u\n",
                                d.rep[j], out[j].tau2, out[j].estimate, out[j].se, status[j],
                                out[j].ci_lower, out[j].ci_upper, out[j].pi_lower, out[j].pi_upper,
                                out[j].tau2_ci_lower, out[j].tau2_ci_upper, out[j].i2, out[j].q_p,
                                out[j].p, out[j].iterations);
                    if (fclose(f) != 0)
                        die("write error on the dump file");
                }
                fflush(stdout);
            }
    free(out);
    free(ref);
    free(status);
    free(d.effects);
    free(d.offsets);
    free(d.rep);
    return 0;
}
