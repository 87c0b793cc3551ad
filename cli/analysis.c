/* From the table of studies to fitted models: one analysis per --by value
 * (or one), each pooled whole and, with --subgroup, per subgroup.
 *
 * Rows of 2x2 counts only: mtp_pool_2x2 (any method). Rows of several kinds:
 * each row becomes an effect (mtp_effect_from_2x2, yi/vi, or
 * mtp_effect_from_ci at the 95% level), pooled by mtp_pool_effects; MH and
 * Peto need counts in every row. Subgroups: mtp_pool_subgroups on effects
 * (MH and Peto: mtp_pool_2x2 per subgroup and mtp_subgroup_test). --by with
 * yi/vi rows only: mtp_pool_batch on all analyses at once.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Scratch memory for fitting one analysis of up to kmax rows. */
typedef struct scratch {
    mtp_workspace *ws;
    mtp_table2x2 *tables;
    mtp_effect *effects;
    size_t *pos;      /* effect j comes from position pos[j] of the fit's rows */
    size_t *gidx;     /* subgroup of effect j */
    mtp_result *gres; /* per-subgroup results */
    size_t *stamp, *local; /* global subgroup -> local index, valid when stamp == current */
    size_t *gcount;
} scratch;

typedef struct ctx {
    const mtpcli_table *t;
    const mtpcli_settings *s;
    mtp_options opts; /* as the settings say, with PETO's measure made OR */
    char *msg;
    size_t msglen;
    size_t by; /* the --by value being fitted (named in errors), or MTPCLI_NONE */
} ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(const ctx *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->by != MTPCLI_NONE) {
        char v[64];
        const char *b = mtpcli_table_str(c->t, c->t->bys.off[c->by]);
        mtpcli_sanitize(v, sizeof v, b, strlen(b));
        snprintf(c->msg, c->msglen, "--by %s = \"%s\": %s", c->s->by, v, what);
    } else {
        snprintf(c->msg, c->msglen, "%s", what);
    }
    return -1;
}

/* Drop the library's "study N: " / "analysis N: " prefixes: the CLI names the line. */
static const char *strip_prefix(const char *m)
{
    for (int pass = 0; pass < 2; pass++) {
        const char *p = m;
        if (strncmp(p, "analysis ", 9) == 0)
            p += 9;
        else if (strncmp(p, "study ", 6) == 0)
            p += 6;
        else
            break;
        if (*p < '0' || *p > '9')
            break;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p[0] != ':' || p[1] != ' ')
            break;
        m = p + 2;
    }
    return m;
}

/* A library error; rowmap[err.study] is the table row it is about. */
static int lib_fail(const ctx *c, const mtp_error *e, const size_t *rowmap, size_t nmap)
{
    const char *m = strip_prefix(e->message);
    if (e->study != MTP_NO_STUDY && rowmap != NULL && e->study < nmap)
        return fail(c, "line %zu: %s", c->t->line[rowmap[e->study]], m);
    return fail(c, "%s", m);
}

int mtpcli_is_ratio(const mtpcli_fit *f)
{
    return f->measure == MTP_MEASURE_RR || f->measure == MTP_MEASURE_OR ||
           f->measure == MTP_MEASURE_PETO_OR;
}

const char *mtpcli_measure_key(const mtpcli_fit *f)
{
    switch (f->measure) {
    case MTP_MEASURE_RR: return "RR";
    case MTP_MEASURE_OR:
    case MTP_MEASURE_PETO_OR: return "OR";
    case MTP_MEASURE_RD: return "RD";
    default: return "GEN";
    }
}

static unsigned int kinds_of(const mtpcli_table *t, const size_t *rows, size_t n)
{
    unsigned int k = 0;
    for (size_t i = 0; i < n; i++)
        k |= 1u << t->kind[rows[i]];
    return k;
}

static mtp_measure measure_of(const ctx *c, unsigned int kinds)
{
    if (kinds & ((1u << MTPCLI_ROW_2X2) | (1u << MTPCLI_ROW_CI)))
        return c->opts.measure;
    return MTP_MEASURE_GENERIC; /* yi/vi only: --measure does not apply */
}

static mtp_table2x2 table_of(const mtpcli_table *t, size_t row)
{
    mtp_table2x2 x;
    x.events_trt = t->v[0][row];
    x.total_trt = t->v[1][row];
    x.events_ctl = t->v[2][row];
    x.total_ctl = t->v[3][row];
    return x;
}

/* Row i of the fit as an effect. Returns 1 (kept), 0 (dropped double zero) or -1. */
static int row_effect(const ctx *c, size_t row, mtp_effect *e, unsigned int *flags)
{
    const mtpcli_table *t = c->t;
    mtp_error err;
    *flags = 0;
    switch (t->kind[row]) {
    case MTPCLI_ROW_2X2: {
        const mtp_table2x2 x = table_of(t, row);
        if (mtp_effect_from_2x2(e, flags, &x, &c->opts, &err) != MTP_OK)
            return fail(c, "line %zu: %s", t->line[row], strip_prefix(err.message));
        return (*flags & MTP_STUDY_DROPPED) ? 0 : 1;
    }
    case MTPCLI_ROW_CI: {
        const int ratio = c->opts.measure != MTP_MEASURE_RD;
        if (mtp_effect_from_ci(e, t->v[0][row], t->v[1][row], t->v[2][row], 0.95, ratio, &err) !=
            MTP_OK) {
            if (ratio && !(t->v[1][row] > 0))
                return fail(c, "line %zu, column %zu (lower): a ratio's limits must be > 0 "
                               "(--measure %s; use --measure RD for differences)",
                            t->line[row], t->col[MTPCLI_COL_LOWER], mtp_measure_name(c->opts.measure));
            return fail(c, "line %zu, column %zu (est): %s", t->line[row], t->col[MTPCLI_COL_EST],
                        strip_prefix(err.message));
        }
        return 1;
    }
    default:
        e->yi = t->v[0][row];
        e->vi = t->v[1][row];
        return 1;
    }
}

static unsigned int notes_of_flags(unsigned int flags)
{
    return ((flags & MTP_STUDY_CC) ? MTP_NOTE_CC_APPLIED : 0u) |
           ((flags & MTP_STUDY_DROPPED) ? MTP_NOTE_DOUBLE_ZERO_DROPPED : 0u);
}

/* Percent weights of an inverse-variance fit, as the library computes them
 * (lib/inference.c): w = 1/(v + tau²), 100 w / sum w. */
static void iv_weights(mtp_study *st, size_t n, double tau2)
{
    double sw = 0;
    for (size_t i = 0; i < n; i++)
        if (!(st[i].flags & MTP_STUDY_DROPPED))
            sw += 1.0 / (st[i].vi + tau2);
    for (size_t i = 0; i < n; i++)
        st[i].weight = (st[i].flags & MTP_STUDY_DROPPED) ? 0 : 100 * ((1.0 / (st[i].vi + tau2)) / sw);
}

static int needs_2x2(const ctx *c)
{
    return c->opts.method == MTP_METHOD_MH || c->opts.method == MTP_METHOD_PETO;
}

static int not_2x2_error(const ctx *c, const size_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c->t->kind[rows[i]] != MTPCLI_ROW_2X2)
            return fail(c, "line %zu: --method %s needs a 2x2 table (ai, n1i, ci, n2i) in every row; "
                           "this row gives %s",
                        c->t->line[rows[i]], mtp_method_name(c->opts.method),
                        c->t->kind[rows[i]] == MTPCLI_ROW_CI ? "est, lower, upper" : "yi");
    return 0;
}

/* One model over rows[0..n): fills f (its studies array must hold n). */
static int fit_rows(const ctx *c, scratch *w, mtpcli_fit *f, const size_t *rows, size_t n)
{
    const mtpcli_table *t = c->t;
    mtp_error err;
    size_t nk = 0;
    f->rows = rows;
    f->n = n;
    f->kinds = kinds_of(t, rows, n);
    f->measure = measure_of(c, f->kinds);
    if (f->kinds == (1u << MTPCLI_ROW_2X2)) {
        const mtp_study *st;
        for (size_t i = 0; i < n; i++)
            w->tables[i] = table_of(t, rows[i]);
        if (mtp_pool_2x2(&f->res, w->ws, w->tables, n, &c->opts, &err) != MTP_OK)
            return lib_fail(c, &err, rows, n);
        st = mtp_workspace_studies(w->ws);
        memcpy(f->studies, st, n * sizeof *st);
        f->notes = f->res.notes;
        return 0;
    }
    if (needs_2x2(c))
        return not_2x2_error(c, rows, n);
    f->notes = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned int flags;
        const int rc = row_effect(c, rows[i], &w->effects[nk], &flags);
        if (rc < 0)
            return -1;
        f->studies[i].yi = f->studies[i].vi = NAN;
        f->studies[i].weight = 0;
        f->studies[i].flags = flags;
        f->notes |= notes_of_flags(flags);
        if (rc == 1)
            w->pos[nk++] = i;
    }
    if (nk == 0)
        return fail(c, "no study left: every table is a double zero and was dropped "
                       "(--double-zero keep keeps them)");
    if (mtp_pool_effects(&f->res, w->ws, w->effects, nk, &c->opts, &err) != MTP_OK) {
        if (err.study != MTP_NO_STUDY && err.study < nk)
            err.study = w->pos[err.study];
        return lib_fail(c, &err, rows, n);
    }
    {
        const mtp_study *st = mtp_workspace_studies(w->ws);
        for (size_t j = 0; j < nk; j++) {
            const unsigned int fl = f->studies[w->pos[j]].flags;
            f->studies[w->pos[j]] = st[j];
            f->studies[w->pos[j]].flags |= fl;
        }
    }
    f->res.k = n;
    f->notes |= f->res.notes;
    return 0;
}

/* Subgroups of one analysis, local indices in order of first appearance. */
static size_t local_groups(const ctx *c, scratch *w, const size_t *rows, size_t n, size_t stamp)
{
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t g = c->t->group[rows[i]];
        if (w->stamp[g] != stamp) {
            w->stamp[g] = stamp;
            w->local[g] = ng;
            w->gcount[ng++] = 0;
        }
        w->gcount[w->local[g]]++;
    }
    return ng;
}

static int fit_subgroups_2x2(const ctx *c, scratch *w, mtpcli_analysis *a, const size_t *rows,
                             size_t n)
{
    mtp_error err;
    if (not_2x2_error(c, rows, n) != 0)
        return -1;
    if (c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON)
        return fail(c, "--subgroup-tau2 common needs a random-effects method, not %s",
                    mtp_method_name(c->opts.method));
    for (size_t g = 0; g < a->ngroups; g++) {
        mtpcli_fit *gf = &a->groups[g];
        if (fit_rows(c, w, gf, gf->rows, gf->n) != 0)
            return -1;
        w->gres[g] = gf->res;
    }
    if (fit_rows(c, w, &a->overall, rows, n) != 0)
        return -1;
    if (mtp_subgroup_test(&a->test, w->gres, a->ngroups, &err) != MTP_OK)
        return lib_fail(c, &err, NULL, 0);
    return 0;
}

/* Subgroup fits by mtp_pool_subgroups. The subgroup fits' rows are the
 * analysis's rows ordered by subgroup (a->groups[g].rows). */
static int fit_subgroups_iv(const ctx *c, scratch *w, mtpcli_analysis *a, const size_t *rows,
                            size_t n)
{
    const mtpcli_table *t = c->t;
    mtpcli_fit *ov = &a->overall;
    mtp_error err;
    size_t nk = 0;
    /* Effects in input order (so that the overall fit sums as a fit without
     * subgroups would); the subgroup fits see their studies in input order too.
     * pos[j]: place of effect j in the grouped rows (for error messages). */
    ov->rows = rows;
    ov->n = n;
    ov->kinds = kinds_of(t, rows, n);
    ov->measure = measure_of(c, ov->kinds);
    ov->notes = 0;
    for (size_t g = 0; g < a->ngroups; g++) {
        mtpcli_fit *gf = &a->groups[g];
        gf->kinds = kinds_of(t, gf->rows, gf->n);
        gf->measure = ov->measure;
        gf->notes = 0;
        w->gcount[g] = 0; /* studies of subgroup g seen so far */
    }
    for (size_t i = 0; i < n; i++) {
        const size_t g = w->local[t->group[rows[i]]];
        mtpcli_fit *gf = &a->groups[g];
        const size_t k = w->gcount[g]++;
        unsigned int flags;
        const int rc = row_effect(c, rows[i], &w->effects[nk], &flags);
        mtp_study *st = &gf->studies[k];
        if (rc < 0)
            return -1;
        st->yi = st->vi = NAN;
        st->weight = 0;
        st->flags = flags;
        gf->notes |= notes_of_flags(flags);
        if (rc == 1) {
            st->yi = w->effects[nk].yi;
            st->vi = w->effects[nk].vi;
            w->gidx[nk] = g;
            w->pos[nk++] = (size_t)(gf->rows - a->groups[0].rows) + k;
        }
        ov->studies[i] = *st;
        ov->notes |= gf->notes;
    }
    for (size_t g = 0; g < a->ngroups; g++) {
        size_t kept = 0;
        for (size_t k = 0; k < a->groups[g].n; k++)
            kept += !(a->groups[g].studies[k].flags & MTP_STUDY_DROPPED);
        if (kept == 0) {
            char v[64];
            const char *name = mtpcli_table_str(t, a->groups[g].name);
            mtpcli_sanitize(v, sizeof v, name, strlen(name));
            return fail(c, "subgroup \"%s\": no study left (every table is a double zero and was "
                           "dropped)",
                        v);
        }
    }
    if (mtp_pool_subgroups(w->gres, &ov->res, &a->test, w->ws, w->effects, w->gidx, nk, a->ngroups,
                           c->s->subgroup_tau2, &c->opts, &err) != MTP_OK) {
        /* err.study indexes the effects; pos[] their place in the grouped rows */
        if (err.study != MTP_NO_STUDY && err.study < nk)
            err.study = w->pos[err.study];
        return lib_fail(c, &err, a->groups[0].rows, n);
    }
    for (size_t g = 0; g < a->ngroups; g++) {
        mtpcli_fit *gf = &a->groups[g];
        gf->res = w->gres[g];
        gf->res.k = gf->n;
        gf->notes |= gf->res.notes;
        iv_weights(gf->studies, gf->n, gf->res.tau2);
    }
    iv_weights(ov->studies, n, ov->res.tau2);
    ov->res.k = n;
    ov->notes |= ov->res.notes;
    return 0;
}

/* Order the analysis's rows by subgroup (stable) into grows, point the
 * subgroup fits at their slices, and fit. */
static int fit_analysis(const ctx *c, scratch *w, mtpcli_analysis *a, const size_t *rows,
                        mtp_study *studies, size_t *grows, mtp_study *gstudies, size_t n,
                        size_t stamp)
{
    const mtpcli_table *t = c->t;
    size_t ng, start = 0;
    a->overall.studies = studies;
    a->overall.name = MTPCLI_NONE;
    if (!c->s->subgroup)
        return fit_rows(c, w, &a->overall, rows, n);
    ng = local_groups(c, w, rows, n, stamp);
    if (ng < 2) {
        char v[64];
        const char *g = mtpcli_table_str(t, t->groups.off[t->group[rows[0]]]);
        mtpcli_sanitize(v, sizeof v, g, strlen(g));
        return fail(c, "every study is in subgroup \"%s\" of --subgroup %s: the test for subgroup "
                       "differences needs two or more subgroups",
                    v, c->s->subgroup);
    }
    for (size_t g = 0; g < ng; g++) { /* slices; gcount becomes the fill cursor */
        mtpcli_fit *gf = &a->groups[g];
        gf->rows = grows + start;
        gf->studies = gstudies + start;
        gf->n = w->gcount[g];
        w->gcount[g] = start;
        start += gf->n;
    }
    for (size_t i = 0; i < n; i++) {
        const size_t g = w->local[t->group[rows[i]]];
        grows[w->gcount[g]++] = rows[i];
        a->groups[g].name = t->groups.off[t->group[rows[i]]];
    }
    if (needs_2x2(c))
        return fit_subgroups_2x2(c, w, a, rows, n);
    return fit_subgroups_iv(c, w, a, rows, n);
}

static void scratch_free(scratch *w)
{
    mtp_workspace_free(w->ws);
    free(w->tables);
    free(w->effects);
    free(w->pos);
    free(w->gidx);
    free(w->gres);
    free(w->stamp);
    free(w->local);
    free(w->gcount);
}

static int scratch_alloc(scratch *w, size_t kmax, size_t nglobal)
{
    const size_t ng = nglobal ? nglobal : 1;
    memset(w, 0, sizeof *w);
    w->ws = mtp_workspace_alloc(kmax, 1);
    w->tables = malloc(kmax * sizeof *w->tables);
    w->effects = malloc(kmax * sizeof *w->effects);
    w->pos = malloc(kmax * sizeof *w->pos);
    w->gidx = malloc(kmax * sizeof *w->gidx);
    w->gres = malloc(kmax * sizeof *w->gres);
    w->stamp = calloc(ng, sizeof *w->stamp);
    w->local = malloc(ng * sizeof *w->local);
    w->gcount = malloc(kmax * sizeof *w->gcount);
    return w->ws && w->tables && w->effects && w->pos && w->gidx && w->gres &&
           w->stamp && w->local && w->gcount;
}

/* Every analysis by mtp_pool_batch: --by with estimates (yi, vi) only. The
 * per-study weights follow the library's formula (iv_weights); tests check
 * that the output equals that of fitting each analysis alone. */
static int fit_batch(ctx *c, mtpcli_run *run, const size_t *off)
{
    const mtpcli_table *t = c->t;
    const size_t na = run->n, nrows = t->nrows;
    mtp_effect *effects = malloc((nrows ? nrows : 1) * sizeof *effects);
    mtp_result *res = malloc(na * sizeof *res);
    int *status = malloc(na * sizeof *status);
    mtp_error err;
    int rc = -1;
    if (effects == NULL || res == NULL || status == NULL) {
        fail(c, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nrows; i++) {
        effects[i].yi = t->v[0][run->rows[i]];
        effects[i].vi = t->v[1][run->rows[i]];
    }
    if (mtp_pool_batch(res, status, effects, off, na, &c->opts, c->s->threads, &err) != MTP_OK) {
        for (size_t j = 0; j < na; j++)
            if (status[j] != MTP_OK) {
                c->by = j;
                break;
            }
        lib_fail(c, &err, run->rows, nrows);
        goto done;
    }
    for (size_t j = 0; j < na; j++) {
        mtpcli_fit *f = &run->a[j].overall;
        f->res = res[j];
        f->rows = run->rows + off[j];
        f->studies = run->studies + off[j];
        f->n = off[j + 1] - off[j];
        f->measure = MTP_MEASURE_GENERIC;
        f->kinds = 1u << MTPCLI_ROW_EFFECT;
        f->notes = res[j].notes;
        f->name = MTPCLI_NONE;
        for (size_t i = 0; i < f->n; i++) {
            f->studies[i].yi = effects[off[j] + i].yi;
            f->studies[i].vi = effects[off[j] + i].vi;
            f->studies[i].flags = 0;
        }
        iv_weights(f->studies, f->n, f->res.tau2);
    }
    rc = 0;
done:
    free(effects);
    free(res);
    free(status);
    return rc;
}

/* Rows grouped by analysis (stable counting sort); off[j] starts analysis j. */
static int group_rows(mtpcli_run *run, const mtpcli_table *t, size_t **off_out, size_t *kmax)
{
    const size_t na = run->n;
    size_t *off = calloc(na + 1, sizeof *off);
    *off_out = off;
    if (off == NULL)
        return -1;
    for (size_t i = 0; i < t->nrows; i++)
        off[(t->by ? t->by[i] : 0) + 1]++;
    *kmax = 0;
    for (size_t j = 0; j < na; j++) {
        if (off[j + 1] > *kmax)
            *kmax = off[j + 1];
        off[j + 1] += off[j];
    }
    {
        size_t *cursor = malloc((na ? na : 1) * sizeof *cursor);
        if (cursor == NULL)
            return -1;
        memcpy(cursor, off, na * sizeof *cursor);
        for (size_t i = 0; i < t->nrows; i++)
            run->rows[cursor[t->by ? t->by[i] : 0]++] = i;
        free(cursor);
    }
    return 0;
}

static int all_effects(const mtpcli_table *t)
{
    for (size_t i = 0; i < t->nrows; i++)
        if (t->kind[i] != MTPCLI_ROW_EFFECT)
            return 0;
    return 1;
}

int mtpcli_analyse(mtpcli_run *run, const mtpcli_table *t, const mtpcli_settings *s, char *msg,
                   size_t msglen)
{
    ctx c;
    scratch w;
    size_t *off = NULL, kmax = 0, ngtotal = 0;
    int rc = -1;

    memset(run, 0, sizeof *run);
    memset(&w, 0, sizeof w);
    c.t = t;
    c.s = s;
    c.opts = s->opts;
    c.msg = msg;
    c.msglen = msglen;
    c.by = MTPCLI_NONE;
    if (c.opts.method == MTP_METHOD_PETO)
        c.opts.measure = MTP_MEASURE_OR; /* Peto's method pools odds ratios */
    run->n = t->by ? t->bys.n : 1;
    run->a = calloc(run->n, sizeof *run->a);
    run->rows = malloc((t->nrows ? t->nrows : 1) * sizeof *run->rows);
    run->studies = malloc((t->nrows ? t->nrows : 1) * sizeof *run->studies);
    if (run->a == NULL || run->rows == NULL || run->studies == NULL ||
        group_rows(run, t, &off, &kmax) != 0) {
        fail(&c, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < run->n; j++)
        run->a[j].by = t->by ? j : MTPCLI_NONE;
    if (t->by && !s->subgroup && !needs_2x2(&c) && all_effects(t)) {
        run->batched = 1;
        rc = fit_batch(&c, run, off);
        goto done;
    }
    if (!scratch_alloc(&w, kmax ? kmax : 1, t->groups.n)) {
        fail(&c, "out of memory");
        goto done;
    }
    if (s->subgroup) { /* count subgroups per analysis, then lay out their fits */
        for (size_t j = 0; j < run->n; j++)
            ngtotal += run->a[j].ngroups =
                local_groups(&c, &w, run->rows + off[j], off[j + 1] - off[j], j + 1);
        run->gfits = calloc(ngtotal ? ngtotal : 1, sizeof *run->gfits);
        run->grows = malloc((t->nrows ? t->nrows : 1) * sizeof *run->grows);
        run->gstudies = malloc((t->nrows ? t->nrows : 1) * sizeof *run->gstudies);
        if (run->gfits == NULL || run->grows == NULL || run->gstudies == NULL) {
            fail(&c, "out of memory");
            goto done;
        }
        ngtotal = 0;
        for (size_t j = 0; j < run->n; j++) {
            run->a[j].groups = run->gfits + ngtotal;
            ngtotal += run->a[j].ngroups;
        }
    }
    for (size_t j = 0; j < run->n; j++) {
        c.by = run->a[j].by;
        /* stamps continue after the counting pass's 1..n */
        if (fit_analysis(&c, &w, &run->a[j], run->rows + off[j], run->studies + off[j],
                         run->grows ? run->grows + off[j] : NULL,
                         run->gstudies ? run->gstudies + off[j] : NULL, off[j + 1] - off[j],
                         run->n + 1 + j) != 0)
            goto done;
    }
    rc = 0;
done:
    scratch_free(&w);
    free(off);
    return rc;
}

void mtpcli_run_free(mtpcli_run *run)
{
    if (run == NULL)
        return;
    free(run->a);
    free(run->rows);
    free(run->studies);
    free(run->grows);
    free(run->gstudies);
    free(run->gfits);
    memset(run, 0, sizeof *run);
}
