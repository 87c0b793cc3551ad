/* metapool meta-regression benchmark: reads a CSV "yi,vi,x1,..." (bench/
 * gen_mods.c), builds the model matrix [1, x1, x2, ...] (R's
 * model.matrix(~ x1 + x2 + ...)), and times in-process, best of --repeat
 * runs (wall clock, CLOCK_MONOTONIC):
 *
 *   fit   mtp_fit, REML, z tests, for each configuration asked for:
 *           full   the default: Q-profile CI of tau² and pseudo-R²
 *           noci   MTP_FIT_NO_TAU2_CI (what metafor's rma() computes: R², no CI)
 *           nor2   MTP_FIT_NO_R2
 *           bare   MTP_FIT_NO_TAU2_CI | MTP_FIT_NO_R2
 *         The outputs are the summary, the coefficients and their covariance
 *         matrix (no per-study arrays). The workspace is allocated once,
 *         outside the timing.
 *   perm  mtp_permutest, REML, --iter random arrangements (default 10000),
 *         after one fit of the observed data (the default configuration).
 *
 * Every configuration prints its fitted values (tau², coefficients, QM, ...)
 * at %.17g and, with --ref FILE (the output of bench/metafor_mods.R) and
 * --tag (fit or perm: the key prefix in that file), checks each against
 * metafor's to 1e-6 relative; a permutation test's p-values are checked
 * against metafor's within their Monte Carlo error (4 standard errors of
 * the difference of two independent estimates, plus 1/iter). Any failed
 * check makes the exit status 3: a benchmark whose answer is wrong is
 * worthless.
 *
 * usage: metapool_bench_mods fit  [--repeat N] [--configs full,noci,nor2,bare]
 *                                 [--ref FILE --tag TAG] [--callgrind] FILE
 *        metapool_bench_mods perm [--repeat N] [--iter N] [--seed S]
 *                                 [--ref FILE --tag TAG] FILE
 *   --callgrind  one fit of each configuration, no repeats; run under
 *                valgrind --tool=callgrind --collect-atstart=no
 *                --toggle-collect=bench_mods_fit so that only the fits count
 * Output: "key=value ..." lines (parsed by bench/run_mods.sh).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
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

#define REL_TOL 1e-6
#define MAX_P 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

_Noreturn static void die(const char *what, const char *detail)
{
    fprintf(stderr, "metapool_bench_mods: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* ---- data ------------------------------------------------------------------ */

typedef struct {
    size_t k, p;       /* studies, coefficients (intercept included) */
    double *yi, *vi, *x;
} regdata;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        die("cannot open or seek", path);
    buf = malloc((size_t)size + 1);
    if (buf == NULL)
        die("out of memory", NULL);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        die("short read", path);
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

static void read_csv(regdata *d, const char *path)
{
    size_t len, rows = 0, cols = 1, i = 0;
    char *buf = slurp(path, &len), *p = buf, *end = buf + len;
    char *nl = memchr(buf, '\n', len);
    if (nl == NULL || strncmp(buf, "yi,vi", 5) != 0)
        die("the header is not yi,vi,x1,...", path);
    for (const char *c = buf; c < nl; c++)
        cols += *c == ',';
    if (cols < 2 || cols - 2 + 1 > MAX_P)
        die("bad number of columns", path);
    for (const char *c = nl; (c = memchr(c, '\n', (size_t)(end - c))) != NULL; c++)
        rows++;
    d->p = cols - 1; /* intercept + cols - 2 moderators */
    d->yi = malloc(rows * sizeof *d->yi);
    d->vi = malloc(rows * sizeof *d->vi);
    d->x = malloc(rows * d->p * sizeof *d->x);
    if (d->yi == NULL || d->vi == NULL || d->x == NULL)
        die("out of memory", NULL);
    p = nl + 1;
    while (p < end) {
        char *q;
        if (*p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        for (size_t c = 0; c < cols; c++) {
            const double v = strtod(p, &q);
            if (q == p || (c + 1 < cols ? *q != ',' : (*q != '\n' && *q != '\r' && q != end)))
                die("bad field", path);
            if (c == 0)
                d->yi[i] = v;
            else if (c == 1)
                d->vi[i] = v;
            else
                d->x[i * d->p + (c - 1)] = v;
            p = q + 1;
        }
        d->x[i * d->p] = 1.0;
        i++;
    }
    d->k = i;
    free(buf);
}

/* ---- the reference file: "key value" lines ----------------------------------- */

typedef struct {
    char key[64];
    double value;
} refval;

typedef struct {
    refval *v;
    size_t n;
} reftab;

static void read_ref(reftab *t, const char *path)
{
    FILE *f = fopen(path, "r");
    char key[64];
    double value;
    size_t cap = 64;
    if (f == NULL)
        die("cannot open the reference file", path);
    t->n = 0;
    t->v = malloc(cap * sizeof *t->v);
    if (t->v == NULL)
        die("out of memory", NULL);
    while (fscanf(f, "%63s %lf", key, &value) == 2) {
        if (t->n == cap && (t->v = realloc(t->v, (cap *= 2) * sizeof *t->v)) == NULL)
            die("out of memory", NULL);
        strcpy(t->v[t->n].key, key);
        t->v[t->n++].value = value;
    }
    fclose(f);
}

static const double *ref_get(const reftab *t, const char *tag, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "%s.%s", tag, name);
    for (size_t i = 0; t != NULL && i < t->n; i++)
        if (strcmp(t->v[i].key, key) == 0)
            return &t->v[i].value;
    return NULL;
}

/* ---- one fit ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    unsigned int flags;
} config;

static const config configs_all[] = {
    {"full", 0},
    {"noci", MTP_FIT_NO_TAU2_CI},
    {"nor2", MTP_FIT_NO_R2},
    {"bare", MTP_FIT_NO_TAU2_CI | MTP_FIT_NO_R2},
};

/* External (not static) so that callgrind's --toggle-collect can name it. */
int bench_mods_fit(const mtp_fit_out *out, mtp_workspace *w, const mtp_data *d,
                   const mtp_model_options *o, mtp_error *err);

BENCH_NOINLINE int bench_mods_fit(const mtp_fit_out *out, mtp_workspace *w, const mtp_data *d,
                                  const mtp_model_options *o, mtp_error *err)
{
    return mtp_fit(out, w, d, o, err);
}

/* The fitted numbers that are compared, by the names of metafor_mods.R. */
typedef struct {
    char name[32];
    double value;
    int wanted; /* computed in this configuration */
} fitval;

static size_t collect(fitval *v, const mtp_summary *s, const mtp_coef *coef, unsigned int flags)
{
    size_t n = 0;
#define PUT(nm, val, w)                                                                \
    do {                                                                               \
        snprintf(v[n].name, sizeof v[n].name, "%s", nm);                                \
        v[n].value = (val);                                                            \
        v[n++].wanted = (w);                                                           \
    } while (0)
    PUT("tau2", s->tau2, 1);
    PUT("se_tau2", s->tau2_se, 1);
    for (size_t j = 0; j < s->p; j++) {
        char b[32], e[32];
        snprintf(b, sizeof b, "b%zu", j + 1);
        snprintf(e, sizeof e, "se%zu", j + 1);
        PUT(b, coef[j].estimate, 1);
        PUT(e, coef[j].se, 1);
    }
    PUT("QM", s->qm, 1);
    PUT("QE", s->qe, 1);
    PUT("I2", s->i2, 1);
    PUT("H2", s->h2, 1);
    PUT("R2", s->r2, !(flags & MTP_FIT_NO_R2));
    PUT("ll", s->loglik, 1);
    PUT("ci_lb", s->tau2_ci_lower, !(flags & MTP_FIT_NO_TAU2_CI));
    PUT("ci_ub", s->tau2_ci_upper, !(flags & MTP_FIT_NO_TAU2_CI));
#undef PUT
    return n;
}

static void print_values(const char *cfg, size_t k, const fitval *v, size_t n)
{
    printf("values k=%zu config=%s", k, cfg);
    for (size_t i = 0; i < n; i++)
        if (v[i].wanted)
            printf(" %s=%.17g", v[i].name, v[i].value);
    printf("\n");
}

/* Compare with metafor; returns the number of failures. */
static int check_values(const char *cfg, const fitval *v, size_t n, const reftab *ref,
                        const char *tag)
{
    double worst = 0;
    const char *worst_name = "-";
    size_t compared = 0;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const double *r;
        double rel;
        if (!v[i].wanted || (r = ref_get(ref, tag, v[i].name)) == NULL)
            continue;
        compared++;
        rel = *r != 0 ? fabs(v[i].value - *r) / fabs(*r) : fabs(v[i].value);
        if (!(rel <= REL_TOL)) {
            failed++;
            printf("MISMATCH config=%s %s metapool=%.17g metafor=%.17g rel=%.3g\n", cfg,
                   v[i].name, v[i].value, *r, rel);
        }
        if (!(rel <= worst)) {
            worst = rel;
            worst_name = v[i].name;
        }
    }
    if (compared == 0) {
        printf("check tag=%s config=%s compared=0 status=FAIL (no reference values)\n", tag, cfg);
        return 1;
    }
    printf("check tag=%s config=%s compared=%zu max_rel_diff=%.3g worst=%s tol=%g status=%s\n", tag,
           cfg, compared, worst, worst_name, REL_TOL, failed ? "FAIL" : "ok");
    return failed;
}

static int run_fit(const regdata *d, const char *cfglist, int repeat, int callgrind,
                   const reftab *ref, const char *tag)
{
    mtp_workspace *w = mtp_workspace_alloc(d->k, d->p);
    mtp_data data = {0};
    mtp_summary s;
    mtp_coef coef[MAX_P];
    double *vcov = malloc(d->p * d->p * sizeof *vcov);
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    fitval vals[2 * MAX_P + 16];
    int failures = 0;
    if (w == NULL || vcov == NULL)
        die("out of memory for the workspace", NULL);
    data.measure = MTP_MEASURE_GENERIC;
    data.k = d->k;
    data.yi = d->yi;
    data.vi = d->vi;
    data.x = d->x;
    data.p = d->p;
    out.summary = &s;
    out.coef = coef;
    out.vcov = vcov;
    for (size_t c = 0; c < sizeof configs_all / sizeof configs_all[0]; c++) {
        const config *cf = &configs_all[c];
        mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
        mtp_error err;
        double best = 1e300, total = 0;
        size_t nv;
        char pat[16];
        snprintf(pat, sizeof pat, ",%s,", cf->name);
        {
            char list[256];
            snprintf(list, sizeof list, ",%s,", cfglist);
            if (strstr(list, pat) == NULL)
                continue;
        }
        o.tau2 = MTP_TAU2_REML;
        o.test = MTP_TEST_Z;
        o.flags = cf->flags;
        for (int r = 0; r < (callgrind ? 1 : repeat); r++) {
            const double t0 = now();
            const int rc = bench_mods_fit(&out, w, &data, &o, &err);
            const double t = now() - t0;
            if (rc != MTP_OK)
                die("mtp_fit failed", err.message);
            total += t;
            if (t < best)
                best = t;
        }
        printf("fit k=%zu p=%zu config=%s repeat=%d seconds=%.6f mean_seconds=%.6f "
               "ns_per_study=%.2f evaluations=%u ns_per_study_eval=%.3f converged=%d\n",
               d->k, d->p, cf->name, callgrind ? 1 : repeat, best,
               total / (callgrind ? 1 : repeat), 1e9 * best / (double)d->k, s.iterations,
               1e9 * best / (double)d->k / (s.iterations > 0 ? s.iterations : 1), s.converged);
        nv = collect(vals, &s, coef, cf->flags);
        print_values(cf->name, d->k, vals, nv);
        if (ref != NULL)
            failures += check_values(cf->name, vals, nv, ref, tag);
        fflush(stdout);
    }
    free(vcov);
    mtp_workspace_free(w);
    return failures;
}

/* ---- the permutation test ------------------------------------------------------ */

static int check_mc(const char *name, double mine, unsigned long n_mine, const double *theirs,
                    const double *n_theirs)
{
    double pbar, se, lim;
    int ok;
    if (theirs == NULL || n_theirs == NULL) {
        printf("check_mc %s status=FAIL (no reference value)\n", name);
        return 1;
    }
    pbar = (mine * (double)n_mine + *theirs * *n_theirs) / ((double)n_mine + *n_theirs);
    se = sqrt(pbar * (1 - pbar) * (1 / (double)n_mine + 1 / *n_theirs));
    lim = 4 * se + 1 / *n_theirs;
    ok = fabs(mine - *theirs) <= lim;
    printf("check_mc %s metapool=%.6f (N=%lu) metafor=%.6f (N=%.0f) diff=%.4f limit=%.4f "
           "(4 MC s.e. + 1/N) status=%s\n",
           name, mine, n_mine, *theirs, *n_theirs, fabs(mine - *theirs), lim, ok ? "ok" : "FAIL");
    return !ok;
}

static int run_perm(const regdata *d, int repeat, unsigned long iter, unsigned long seed,
                    const reftab *ref, const char *tag)
{
    mtp_workspace *w = mtp_workspace_alloc(d->k, d->p);
    mtp_data data = {0};
    mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
    mtp_summary s;
    mtp_coef coef[MAX_P];
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_permutation pr;
    double pc[MAX_P], best = 1e300;
    fitval vals[2 * MAX_P + 16];
    mtp_error err;
    size_t nv;
    int failures = 0;
    if (w == NULL)
        die("out of memory for the workspace", NULL);
    data.measure = MTP_MEASURE_GENERIC;
    data.k = d->k;
    data.yi = d->yi;
    data.vi = d->vi;
    data.x = d->x;
    data.p = d->p;
    o.tau2 = MTP_TAU2_REML;
    o.test = MTP_TEST_Z;
    out.summary = &s;
    out.coef = coef;
    if (mtp_fit(&out, w, &data, &o, &err) != MTP_OK)
        die("mtp_fit failed on the permutation data", err.message);
    nv = collect(vals, &s, coef, 0);
    print_values("full", d->k, vals, nv);
    if (ref != NULL)
        failures += check_values("full", vals, nv, ref, tag);
    for (int r = 0; r < repeat; r++) {
        const double t0 = now();
        const int rc = mtp_permutest(&pr, pc, w, &data, &o, iter, seed, &err);
        const double t = now() - t0;
        if (rc != MTP_OK)
            die("mtp_permutest failed", err.message);
        if (t < best)
            best = t;
    }
    printf("perm k=%zu p=%zu iter=%lu fitted=%lu exact=%d repeat=%d seconds=%.6f "
           "per1000=%.6f us_per_fit=%.3f\n",
           d->k, d->p, iter, pr.iterations, pr.exact, repeat, best,
           best / (double)pr.iterations * 1000, 1e6 * best / (double)pr.iterations);
    printf("perm_values");
    for (size_t j = 0; j < d->p; j++)
        printf(" pval%zu=%.6f", j + 1, pc[j]);
    printf(" QMp=%.6f\n", pr.qm_p);
    if (ref != NULL) {
        const double *n_ref = ref_get(ref, tag, "iter");
        for (size_t j = 0; j < d->p; j++) {
            char name[32];
            snprintf(name, sizeof name, "pval%zu", j + 1);
            failures += check_mc(name, pc[j], pr.iterations, ref_get(ref, tag, name), n_ref);
        }
        failures += check_mc("QMp", pr.qm_p, pr.iterations, ref_get(ref, tag, "QMp"), n_ref);
    }
    mtp_workspace_free(w);
    return failures;
}

int main(int argc, char **argv)
{
    const char *mode, *path = NULL, *refpath = NULL, *tag = NULL;
    const char *cfglist = "full,noci,nor2,bare";
    int repeat = 5, callgrind = 0, failures;
    unsigned long iter = 10000, seed = 20260301;
    regdata d;
    reftab ref, *refp = NULL;
    if (argc < 3 || (strcmp(argv[1], "fit") != 0 && strcmp(argv[1], "perm") != 0))
        die("usage: metapool_bench_mods fit|perm [options] FILE (see bench/bench_mods.c)", NULL);
    mode = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--configs") == 0 && i + 1 < argc)
            cfglist = argv[++i];
        else if (strcmp(argv[i], "--ref") == 0 && i + 1 < argc)
            refpath = argv[++i];
        else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
            tag = argv[++i];
        else if (strcmp(argv[i], "--iter") == 0 && i + 1 < argc)
            iter = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--callgrind") == 0)
            callgrind = 1;
        else if (argv[i][0] == '-')
            die("unknown option", argv[i]);
        else
            path = argv[i];
    }
    if (path == NULL)
        die("no input file", NULL);
    if (repeat < 1)
        repeat = 1;
    if (refpath != NULL) {
        read_ref(&ref, refpath);
        refp = &ref;
        if (tag == NULL)
            tag = mode;
    }
    read_csv(&d, path);
    printf("data file=%s k=%zu p=%zu\n", path, d.k, d.p);
    failures = strcmp(mode, "fit") == 0 ? run_fit(&d, cfglist, repeat, callgrind, refp, tag)
                                        : run_perm(&d, repeat, iter, seed, refp, tag);
    if (refp != NULL) {
        printf("checks %s: %s (%d failed)\n", mode, failures ? "FAILED" : "passed", failures);
        free(ref.v);
    }
    free(d.yi);
    free(d.vi);
    free(d.x);
    return failures ? 3 : 0;
}
