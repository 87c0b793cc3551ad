/* From the table of studies to fitted models: one analysis per --by value
 * (or one), each fitted whole and, with --subgroup, per subgroup; with
 * --mods a meta-regression. Every fit is one library call on a data view of
 * the analysis's rows, and every number the writers print (weights, study
 * CIs, the fit's statistics) is one of its outputs.
 *
 * Rows of 2x2 counts only, intercept-only model: mtp_fit_2x2 (any method;
 * the data keep their measure). Otherwise each row becomes an effect
 * (a 2x2 table's by mtp_fit_2x2 of the table alone, yi/vi, or
 * mtp_effect_from_ci at the 95% level) and mtp_fit fits them, with the
 * data's measure, and with the model matrix of --mods; dropped double-zero
 * tables are left out by the view's keep mask. MH and Peto need counts in
 * every row. Subgroups: mtp_subgroups on the effects (separate or common
 * tau², the common one the meta-regression on the subgroups); MH and Peto:
 * mtp_fit_2x2 per subgroup, and the test for subgroup differences as the Q of
 * the fixed-effect model of the subgroup estimates (mtp_fit). --by with yi/vi
 * rows only and no --mods: mtp_fit_batch on all analyses at once.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Scratch memory for fitting one analysis of up to kmax rows. */
typedef struct scratch {
    mtp_workspace *ws;
    size_t kmax, pmax;     /* the workspace's size */
    mtp_table2x2 *tables;
    double *yi, *vi;       /* the data view: effects of the fit's rows */
    unsigned char *keep;   /* its keep mask: 0 for dropped double-zero tables */
    unsigned int *cflags;  /* study flags of the effect conversions */
    size_t *gidx;          /* subgroup of each row */
    /* per-study outputs shared by the subgroup fits (kmax each), per-subgroup summaries */
    double *gyi, *gvi, *gw, *glo, *ghi;
    mtp_summary *gsum;     /* ngroups */
    mtp_fit_out *gout;     /* ngroups */
    size_t *stamp, *local, *gcount; /* global subgroup -> local index, valid when stamp == current */
} scratch;

typedef struct ctx {
    const mtpcli_table *t;
    const mtpcli_settings *s;
    mtp_model_options mo;
    mtp_es_options es;
    mtp_fe2x2_options fe;
    const mtpcli_modcols *mc;
    char *msg;
    size_t msglen;
    size_t by; /* the --by value being fitted (named in errors), or MTPCLI_NONE */
    int ci;    /* study CIs are printed (text, plots): ask for them */
} ctx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(const ctx *c, const char *fmt, ...)
{
    char what[600];
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

/* A library error, located by its fields: rowmap[err.study] is the table row
 * it is about (its file line), err.group the subgroup ("subgroup N", N in
 * order of first appearance), err.column a column of the model matrix d. */
static int lib_fail(const ctx *c, const mtp_error *e, const size_t *rowmap, size_t nmap,
                    const mtpcli_design *d)
{
    char where[200] = "";
    size_t o = 0;
    if (e->study != MTP_NO_STUDY && rowmap != NULL && e->study < nmap)
        o += (size_t)snprintf(where + o, sizeof where - o, "line %zu: ", c->t->line[rowmap[e->study]]);
    if (e->group != MTP_NO_INDEX && o < sizeof where)
        o += (size_t)snprintf(where + o, sizeof where - o, "subgroup %zu: ", e->group + 1);
    if (e->column != MTP_NO_INDEX && d != NULL && e->column < d->p && o < sizeof where) {
        char name[64];
        const char *n = mtpcli_design_name(d, e->column);
        mtpcli_sanitize(name, sizeof name, n, strlen(n));
        o += (size_t)snprintf(where + o, sizeof where - o, "--mods: model-matrix column \"%s\": ", name);
    }
    return fail(c, "%s%s", where, e->message);
}

/* ------------------------------------------------------------ names of a fit */

const mtp_measure_info *mtpcli_measure_info(const mtpcli_fit *f)
{
    /* Peto's log odds ratio is reported as an odds ratio */
    const mtp_measure_info *d =
        mtp_measure_get(f->measure == MTP_MEASURE_PETO_OR ? MTP_MEASURE_OR : (int)f->measure);
    return d != NULL ? d : mtp_measure_get(MTP_MEASURE_GENERIC);
}

int mtpcli_is_ratio(const mtpcli_fit *f) { return (mtpcli_measure_info(f)->flags & MTP_MEASURE_LOG_SCALE) != 0; }

const char *mtpcli_measure_key(const mtpcli_fit *f) { return mtpcli_measure_info(f)->name; }

const char *mtpcli_method_name(const mtpcli_fit *f)
{
    if (f->fe == MTP_FE_MH)
        return "MH";
    if (f->fe == MTP_FE_PETO)
        return "PETO";
    return mtp_tau2_get((int)f->sum.tau2_method)->name;
}

int mtpcli_is_random(const mtpcli_fit *f)
{
    return f->fe == MTP_FE_IV && (mtp_tau2_get((int)f->sum.tau2_method)->flags & MTP_TAU2_RANDOM);
}

/* ------------------------------------------------------------ rows */

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
        return c->es.measure;
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

/* The effect of one 2x2 table with the command's conventions (mtp_es_options):
 * the library's fit of that table alone, whose yi and vi outputs are the
 * table's effect (mtp_effect_from_2x2 takes the version 0.1 options). A
 * dropped double zero leaves no study: MTP_ETOOFEW. */
static int table_effect(const ctx *c, mtp_workspace *ws, const mtp_table2x2 *x, double *yi,
                        double *vi, unsigned int *flags, mtp_error *err)
{
    mtp_model_options fe = MTP_MODEL_OPTIONS_INIT;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    int rc;
    fe.tau2 = MTP_TAU2_FE;
    fe.flags = MTP_FIT_NO_R2;
    out.yi = yi;
    out.vi = vi;
    out.study_flags = flags;
    rc = mtp_fit_2x2(&out, ws, x, 1, &c->es, NULL, &fe, err);
    if (rc == MTP_ETOOFEW) {
        *yi = *vi = NAN;
        *flags = MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_DROPPED;
        return MTP_OK;
    }
    return rc;
}

/* A table row as an effect: the library's effect sizes with the command's
 * conventions. Returns 1 (kept), 0 (dropped double zero) or -1. */
static int row_effect(const ctx *c, scratch *w, size_t row, double *yi, double *vi,
                      unsigned int *flags)
{
    const mtpcli_table *t = c->t;
    mtp_error err;
    mtp_effect e;
    *flags = 0;
    switch (t->kind[row]) {
    case MTPCLI_ROW_2X2: {
        const mtp_table2x2 x = table_of(t, row);
        if (table_effect(c, w->ws, &x, yi, vi, flags, &err) != MTP_OK)
            return fail(c, "line %zu: %s", t->line[row], err.message);
        return (*flags & MTP_STUDY_DROPPED) ? 0 : 1;
    }
    case MTPCLI_ROW_CI: {
        const mtp_measure_info *m = mtp_measure_get((int)c->es.measure);
        const int ratio = (m->flags & MTP_MEASURE_LOG_SCALE) != 0;
        if (mtp_effect_from_ci(&e, t->v[0][row], t->v[1][row], t->v[2][row], 0.95, ratio, &err) !=
            MTP_OK) {
            if (ratio && !(t->v[1][row] > 0))
                return fail(c, "line %zu, column %zu (lower): a ratio's limits must be > 0 "
                               "(--measure %s; use --measure RD for differences)",
                            t->line[row], t->col[MTPCLI_COL_LOWER], m->name);
            return fail(c, "line %zu, column %zu (est): %s", t->line[row], t->col[MTPCLI_COL_EST],
                        err.message);
        }
        *yi = e.yi;
        *vi = e.vi;
        return 1;
    }
    default:
        *yi = t->v[0][row];
        *vi = t->v[1][row];
        return 1;
    }
}

static unsigned int notes_of_flags(unsigned int flags)
{
    return ((flags & MTP_STUDY_CC) ? MTP_NOTE_CC_APPLIED : 0u) |
           ((flags & MTP_STUDY_DROPPED) ? MTP_NOTE_DOUBLE_ZERO_DROPPED : 0u);
}

static int needs_2x2(const ctx *c) { return c->s->fe != MTP_FE_IV; }

static int not_2x2_error(const ctx *c, const size_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c->t->kind[rows[i]] != MTPCLI_ROW_2X2)
            return fail(c, "line %zu: --method %s needs a 2x2 table (ai, n1i, ci, n2i) in every row; "
                           "this row gives %s",
                        c->t->line[rows[i]], c->s->fe == MTP_FE_MH ? "MH" : "PETO",
                        c->t->kind[rows[i]] == MTPCLI_ROW_CI ? "est, lower, upper" : "yi");
    return 0;
}

/* The per-study arrays of a fit as the library's outputs. */
static mtp_fit_out outputs(const mtpcli_studies *st)
{
    mtp_fit_out o = MTP_FIT_OUT_INIT;
    o.yi = st->yi;
    o.vi = st->vi;
    o.weight = st->weight;
    o.ci_lower = st->ci_lower;
    o.ci_upper = st->ci_upper;
    return o;
}

/* A study left out (a dropped double zero) has weight 0, as the report
 * lists it; the library gives NaN. */
static void zero_weights(const mtpcli_studies *st, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((st->flags[i] & MTP_STUDY_DROPPED) || isnan(st->weight[i]))
            st->weight[i] = 0;
}

/* The arrays from entry off on. */
static mtpcli_studies studies_at(const mtpcli_studies *all, size_t off)
{
    mtpcli_studies s = *all;
    s.yi += off;
    s.vi += off;
    s.weight += off;
    s.flags += off;
    if (s.ci_lower != NULL) {
        s.ci_lower += off;
        s.ci_upper += off;
    }
    return s;
}

static void studies_free(mtpcli_studies *s)
{
    free(s->yi);
    free(s->vi);
    free(s->weight);
    free(s->ci_lower);
    free(s->ci_upper);
    free(s->flags);
    memset(s, 0, sizeof *s);
}

/* n entries each (calloc: pages never written are never touched). */
static int studies_alloc(mtpcli_studies *s, size_t n, int ci, int effects)
{
    const size_t k = n ? n : 1;
    memset(s, 0, sizeof *s);
    if (effects && ((s->yi = calloc(k, sizeof *s->yi)) == NULL ||
                    (s->vi = calloc(k, sizeof *s->vi)) == NULL))
        return 0;
    if (ci && ((s->ci_lower = calloc(k, sizeof *s->ci_lower)) == NULL ||
               (s->ci_upper = calloc(k, sizeof *s->ci_upper)) == NULL))
        return 0;
    return (s->weight = calloc(k, sizeof *s->weight)) != NULL &&
           (s->flags = calloc(k, sizeof *s->flags)) != NULL;
}

/* A workspace for k studies and p columns (reallocated when too small). */
static int ensure_ws(const ctx *c, scratch *w, size_t p)
{
    if (w->ws != NULL && p <= w->pmax)
        return 0;
    mtp_workspace_free(w->ws);
    w->pmax = p > w->pmax ? p : w->pmax;
    if ((w->ws = mtp_workspace_alloc(w->kmax, w->pmax)) == NULL)
        return fail(c, "out of memory");
    return 0;
}

/* ------------------------------------------------------------ --mods */

/* The model matrix of an analysis's rows (levels from the kept studies). */
static int build_design(const ctx *c, mtpcli_design *d, const size_t *rows, const unsigned char *keep,
                        size_t n)
{
    char m[600];
    const int rc = mtpcli_design_build(d, &c->s->mods, c->mc, c->t, rows, keep, n, m, sizeof m);
    if (rc == -2)
        return fail(c, "out of memory");
    if (rc != 0)
        return fail(c, "%s", m);
    return 0;
}

/* --btt against the model matrix: into f->btt (all but the intercept by default). */
static int set_btt(const ctx *c, mtpcli_fit *f, const mtpcli_design *d)
{
    char m[600];
    if ((f->btt = malloc(d->p * sizeof *f->btt)) == NULL)
        return fail(c, "out of memory");
    if (c->s->btt != NULL) {
        if (mtpcli_btt_parse(f->btt, &f->nbtt, c->s->btt, d->p, d, m, sizeof m) != 0)
            return fail(c, "%s", m);
        return 0;
    }
    f->nbtt = 0;
    for (size_t j = 0; j < d->p; j++)
        if (!(d->intercept && j == 0) || d->p == 1)
            f->btt[f->nbtt++] = j;
    return 0;
}

/* The permutation test of a fitted model on the view d. */
static int permute(const ctx *c, scratch *w, mtpcli_fit *f, const mtp_data *d,
                   const mtp_model_options *mo, const mtpcli_design *design)
{
    const size_t p = design != NULL ? design->p : 1;
    mtp_error err;
    if ((f->perm_p = malloc(p * sizeof *f->perm_p)) == NULL)
        return fail(c, "out of memory");
    if (mtp_permutest(&f->perm, f->perm_p, w->ws, d, mo, c->s->permutations, c->s->seed, &err) !=
        MTP_OK)
        return lib_fail(c, &err, f->rows, f->n, design);
    f->permuted = 1;
    return 0;
}

/* ------------------------------------------------------------ one fit */

/* One model over rows[0..n): fills f (its per-study arrays must hold n). With
 * design != NULL (--mods), a meta-regression on its model matrix, built
 * here once the kept studies are known. */
static int fit_rows(const ctx *c, scratch *w, mtpcli_fit *f, const size_t *rows, size_t n,
                    mtpcli_design *design)
{
    const mtpcli_table *t = c->t;
    mtp_model_options mo = c->mo;
    mtp_fit_out out = outputs(&f->st);
    mtp_error err;
    size_t nk = 0;
    f->rows = rows;
    f->n = n;
    f->kinds = kinds_of(t, rows, n);
    f->fe = c->s->fe;
    f->notes = 0;
    out.summary = &f->sum;
    if (f->kinds == (1u << MTPCLI_ROW_2X2) && design == NULL) {
        for (size_t i = 0; i < n; i++)
            w->tables[i] = table_of(t, rows[i]);
        if (ensure_ws(c, w, 1) != 0)
            return -1;
        out.study_flags = f->st.flags;
        if (mtp_fit_2x2(&out, w->ws, w->tables, n, &c->es, &c->fe, &mo, &err) != MTP_OK)
            return lib_fail(c, &err, rows, n, NULL);
        zero_weights(&f->st, n);
        f->measure = f->sum.measure;
        f->notes = f->sum.notes;
    } else {
        mtp_data d = {MTP_MEASURE_GENERIC, n, w->yi, w->vi, NULL, 0, w->keep, NULL};
        if (needs_2x2(c))
            return not_2x2_error(c, rows, n);
        if (ensure_ws(c, w, 1) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const int rc = row_effect(c, w, rows[i], &w->yi[i], &w->vi[i], &f->st.flags[i]);
            if (rc < 0)
                return -1;
            w->keep[i] = (unsigned char)rc;
            f->notes |= notes_of_flags(f->st.flags[i]);
            nk += (size_t)rc;
        }
        if (nk == 0)
            return fail(c, "no study left: every table is a double zero and was dropped "
                           "(--double-zero keep keeps them)");
        d.measure = measure_of(c, f->kinds);
        if (design != NULL) {
            if (build_design(c, design, rows, w->keep, n) != 0 || set_btt(c, f, design) != 0)
                return -1;
            d.x = design->x;
            d.p = design->p;
            mo.btt = f->btt;
            mo.nbtt = f->nbtt;
            f->design = design;
            f->coef = malloc(design->p * sizeof *f->coef);
            f->vcov = malloc(design->p * design->p * sizeof *f->vcov);
            if (f->coef == NULL || f->vcov == NULL)
                return fail(c, "out of memory");
            out.coef = f->coef;
            out.vcov = f->vcov;
        }
        if (ensure_ws(c, w, design != NULL ? design->p : 1) != 0)
            return -1;
        if (mtp_fit(&out, w->ws, &d, &mo, &err) != MTP_OK)
            return lib_fail(c, &err, rows, n, design);
        zero_weights(&f->st, n);
        f->measure = d.measure;
        f->notes |= f->sum.notes;
        if (c->s->permutations > 0 && permute(c, w, f, &d, &mo, design) != 0)
            return -1;
        return 0;
    }
    if (c->s->permutations > 0) { /* the 2x2 fit's effects, as the view of the test */
        mtp_data d = {f->measure, n, f->st.yi, f->st.vi, NULL, 0, w->keep, NULL};
        for (size_t i = 0; i < n; i++)
            w->keep[i] = (unsigned char)!isnan(f->st.yi[i]);
        if (permute(c, w, f, &d, &mo, NULL) != 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ subgroups */

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

/* MH and Peto: a 2x2 fit per subgroup and of all studies; the test for
 * subgroup differences is the Q of the fixed-effect model of the subgroup
 * estimates (Borenstein et al. 2009, ch. 19). */
static int fit_subgroups_2x2(const ctx *c, scratch *w, mtpcli_analysis *a, const size_t *rows,
                             size_t n)
{
    mtp_model_options fe = MTP_MODEL_OPTIONS_INIT;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_summary s;
    mtp_error err;
    if (not_2x2_error(c, rows, n) != 0)
        return -1;
    for (size_t g = 0; g < a->ngroups; g++) {
        mtpcli_fit *gf = &a->groups[g];
        if (fit_rows(c, w, gf, gf->rows, gf->n, NULL) != 0)
            return -1;
    }
    if (fit_rows(c, w, &a->overall, rows, n, NULL) != 0)
        return -1;
    for (size_t g = 0; g < a->ngroups; g++) {
        w->yi[g] = a->groups[g].sum.mu.estimate;
        w->vi[g] = a->groups[g].sum.mu.se * a->groups[g].sum.mu.se;
    }
    {
        mtp_data d = {a->overall.measure, a->ngroups, w->yi, w->vi, NULL, 0, NULL, NULL};
        fe.tau2 = MTP_TAU2_FE;
        fe.flags = MTP_FIT_NO_R2;
        out.summary = &s;
        if (mtp_fit(&out, w->ws, &d, &fe, &err) != MTP_OK) {
            if (err.study != MTP_NO_STUDY) { /* the subgroup whose estimate is unusable */
                err.group = err.study;
                err.study = MTP_NO_STUDY;
            }
            return lib_fail(c, &err, NULL, 0, NULL);
        }
    }
    a->test.q = s.qe;
    a->test.df = s.qe_df;
    a->test.p = s.qe_p;
    return 0;
}

/* Subgroup fits by mtp_subgroups on the effects of the analysis's rows in
 * input order (so that the overall fit sums as a fit without subgroups
 * would); each subgroup's per-study outputs are written at its rows, then
 * listed in the subgroup's order (a->groups[g].rows). */
static int fit_subgroups_iv(const ctx *c, scratch *w, mtpcli_analysis *a, const size_t *rows,
                            size_t n)
{
    const mtpcli_table *t = c->t;
    mtpcli_fit *ov = &a->overall;
    mtp_fit_out oout = outputs(&ov->st);
    mtp_data d = {MTP_MEASURE_GENERIC, n, w->yi, w->vi, NULL, 0, w->keep, NULL};
    mtp_error err;
    size_t kept_total = 0;
    ov->rows = rows;
    ov->n = n;
    ov->kinds = kinds_of(t, rows, n);
    ov->fe = MTP_FE_IV;
    ov->notes = 0;
    d.measure = measure_of(c, ov->kinds);
    if (ensure_ws(c, w, 1) != 0)
        return -1;
    for (size_t g = 0; g < a->ngroups; g++) {
        mtpcli_fit *gf = &a->groups[g];
        mtp_fit_out *go = &w->gout[g];
        gf->kinds = kinds_of(t, gf->rows, gf->n);
        gf->fe = MTP_FE_IV;
        gf->measure = d.measure;
        gf->notes = 0;
        w->gcount[g] = 0; /* studies of subgroup g kept */
        *go = (mtp_fit_out)MTP_FIT_OUT_INIT;
        go->summary = &w->gsum[g];
        go->yi = w->gyi;
        go->vi = w->gvi;
        go->weight = w->gw;
        if (c->ci) {
            go->ci_lower = w->glo;
            go->ci_upper = w->ghi;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const size_t g = w->local[t->group[rows[i]]];
        const int rc = row_effect(c, w, rows[i], &w->yi[i], &w->vi[i], &ov->st.flags[i]);
        if (rc < 0)
            return -1;
        w->cflags[i] = ov->st.flags[i];
        w->keep[i] = (unsigned char)rc;
        w->gidx[i] = g;
        w->gcount[g] += (size_t)rc;
        kept_total += (size_t)rc;
        w->gyi[i] = w->gvi[i] = w->gw[i] = w->glo[i] = w->ghi[i] = NAN;
        a->groups[g].notes |= notes_of_flags(w->cflags[i]);
        ov->notes |= notes_of_flags(w->cflags[i]);
    }
    for (size_t g = 0; g < a->ngroups; g++)
        if (w->gcount[g] == 0) {
            char v[64];
            const char *name = mtpcli_table_str(t, a->groups[g].name);
            mtpcli_sanitize(v, sizeof v, name, strlen(name));
            return fail(c, "subgroup \"%s\": no study left (every table is a double zero and was "
                           "dropped)",
                        v);
        }
    if (c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON && kept_total <= a->ngroups)
        return fail(c, "no subgroup has two studies: a common tau2 cannot be estimated");
    if (ensure_ws(c, w, c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON ? a->ngroups : 1) != 0)
        return -1;
    oout.summary = &ov->sum;
    if (mtp_subgroups(w->gout, &oout, &a->test, w->ws, &d, w->gidx, a->ngroups,
                      c->s->subgroup_tau2, &c->mo, &err) != MTP_OK)
        return lib_fail(c, &err, rows, n, NULL);
    for (size_t g = 0; g < a->ngroups; g++)
        w->gcount[g] = 0; /* place in the subgroup's list */
    for (size_t i = 0; i < n; i++) { /* each subgroup's studies, in its list's order */
        const size_t g = w->gidx[i];
        mtpcli_studies *gs = &a->groups[g].st;
        const size_t j = w->gcount[g]++;
        gs->yi[j] = w->gyi[i];
        gs->vi[j] = w->gvi[i];
        gs->weight[j] = w->gw[i];
        gs->flags[j] = w->cflags[i];
        if (gs->ci_lower != NULL) {
            gs->ci_lower[j] = w->glo[i];
            gs->ci_upper[j] = w->ghi[i];
        }
    }
    zero_weights(&ov->st, n);
    for (size_t g = 0; g < a->ngroups; g++)
        zero_weights(&a->groups[g].st, a->groups[g].n);
    for (size_t g = 0; g < a->ngroups; g++) {
        a->groups[g].sum = w->gsum[g];
        a->groups[g].notes |= w->gsum[g].notes;
    }
    ov->measure = d.measure;
    ov->notes |= ov->sum.notes;
    return 0;
}

/* Order the analysis's rows by subgroup (stable) into grows, point the
 * subgroup fits at their slices, and fit. */
static int fit_analysis(const ctx *c, scratch *w, mtpcli_analysis *a, const size_t *rows,
                        const mtpcli_studies *studies, size_t *grows, const mtpcli_studies *gstudies,
                        size_t n, size_t stamp)
{
    const mtpcli_table *t = c->t;
    size_t ng, start = 0;
    a->overall.st = *studies;
    a->overall.name = MTPCLI_NONE;
    if (!c->s->subgroup)
        return fit_rows(c, w, &a->overall, rows, n, c->s->has_mods ? &a->design : NULL);
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
        gf->st = studies_at(gstudies, start);
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

/* ------------------------------------------------------------ memory */

static void scratch_free(scratch *w)
{
    mtp_workspace_free(w->ws);
    free(w->tables);
    free(w->yi);
    free(w->vi);
    free(w->keep);
    free(w->cflags);
    free(w->gidx);
    free(w->gyi);
    free(w->gvi);
    free(w->gw);
    free(w->glo);
    free(w->ghi);
    free(w->gsum);
    free(w->gout);
    free(w->stamp);
    free(w->local);
    free(w->gcount);
}

static int scratch_alloc(scratch *w, size_t kmax, size_t nglobal)
{
    const size_t ng = nglobal ? nglobal : 1;
    memset(w, 0, sizeof *w);
    w->kmax = kmax;
    w->pmax = 1;
#define ALLOC(p, n) (((p) = malloc((n) * sizeof *(p))) != NULL)
    return ALLOC(w->tables, kmax) && ALLOC(w->yi, kmax) && ALLOC(w->vi, kmax) &&
           ALLOC(w->keep, kmax) && ALLOC(w->cflags, kmax) && ALLOC(w->gidx, kmax) &&
           ALLOC(w->gyi, kmax) && ALLOC(w->gvi, kmax) && ALLOC(w->gw, kmax) &&
           ALLOC(w->glo, kmax) && ALLOC(w->ghi, kmax) &&
           ALLOC(w->gsum, kmax) && ALLOC(w->gout, kmax) && (w->stamp = calloc(ng, sizeof *w->stamp)) &&
           ALLOC(w->local, ng) && ALLOC(w->gcount, kmax);
#undef ALLOC
}

/* ------------------------------------------------------------ --by, batched */

/* Every analysis by mtp_fit_batch: --by with estimates (yi, vi) only. Each
 * analysis's numbers are those of fitting it alone (tests check it). The
 * library writes the weights (and study CIs) into the run's arrays; the
 * effects are the table's columns when the analyses' rows are in file order,
 * else gathered. */
static int fit_batch(ctx *c, mtpcli_run *run, const size_t *off)
{
    const mtpcli_table *t = c->t;
    const size_t na = run->n, nrows = t->nrows;
    mtpcli_studies *st = &run->studies;
    mtp_summary *sum = malloc(na * sizeof *sum);
    int *status = malloc(na * sizeof *status);
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_data all = {MTP_MEASURE_GENERIC, nrows, NULL, NULL, NULL, 0, NULL, NULL};
    mtp_error err;
    int in_order = 1, rc = -1;
    if (sum == NULL || status == NULL) {
        fail(c, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nrows && in_order; i++)
        in_order = run->rows[i] == i;
    if (in_order) {
        st->yi = t->v[0];
        st->vi = t->v[1];
    } else {
        if ((st->yi = malloc((nrows ? nrows : 1) * sizeof *st->yi)) == NULL ||
            (st->vi = malloc((nrows ? nrows : 1) * sizeof *st->vi)) == NULL) {
            fail(c, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < nrows; i++) {
            st->yi[i] = t->v[0][run->rows[i]];
            st->vi[i] = t->v[1][run->rows[i]];
        }
        run->owns_effects = 1;
    }
    all.yi = st->yi;
    all.vi = st->vi;
    out.summary = sum;
    out.weight = st->weight;
    out.ci_lower = st->ci_lower;
    out.ci_upper = st->ci_upper;
    if (mtp_fit_batch(&out, status, &all, off, na, &c->mo, c->s->threads, &err) != MTP_OK) {
        if (err.analysis != MTP_NO_INDEX && err.analysis < na)
            c->by = err.analysis;
        lib_fail(c, &err, run->rows, nrows, NULL);
        goto done;
    }
    for (size_t j = 0; j < na; j++) {
        mtpcli_fit *f = &run->a[j].overall;
        f->sum = sum[j];
        f->fe = MTP_FE_IV;
        f->rows = run->rows + off[j];
        f->st = studies_at(st, off[j]);
        f->n = off[j + 1] - off[j];
        f->measure = MTP_MEASURE_GENERIC;
        f->kinds = 1u << MTPCLI_ROW_EFFECT;
        f->notes = sum[j].notes;
        f->name = MTPCLI_NONE;
    }
    rc = 0;
done:
    free(sum);
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

/* ------------------------------------------------------------ entry */

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
    c.msg = msg;
    c.msglen = msglen;
    c.by = MTPCLI_NONE;
    c.mc = &run->modcols;
    mtpcli_model_options(s, &c.mo);
    mtpcli_es_options(s, &c.es);
    mtpcli_fe2x2_options(s, &c.fe);
    run->n = t->by ? t->bys.n : 1;
    run->a = calloc(run->n, sizeof *run->a);
    c.ci = s->format == MTPCLI_TEXT || s->forest != NULL || s->funnel != NULL;
    run->rows = malloc((t->nrows ? t->nrows : 1) * sizeof *run->rows);
    if (run->a == NULL || run->rows == NULL || group_rows(run, t, &off, &kmax) != 0) {
        fail(&c, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < run->n; j++)
        run->a[j].by = t->by ? j : MTPCLI_NONE;
    if (s->has_mods) {
        const int mrc = mtpcli_modcols_check(&run->modcols, &s->mods, t, msg, msglen);
        if (mrc == -2)
            fail(&c, "out of memory");
        if (mrc != 0)
            goto done;
    }
    if (t->by && !s->subgroup && !needs_2x2(&c) && !s->has_mods && s->permutations == 0 &&
        all_effects(t)) {
        run->batched = 1;
        if (!studies_alloc(&run->studies, t->nrows, c.ci, 0)) {
            fail(&c, "out of memory");
            goto done;
        }
        rc = fit_batch(&c, run, off);
        goto done;
    }
    if (!studies_alloc(&run->studies, t->nrows, c.ci, 1) ||
        !scratch_alloc(&w, kmax ? kmax : 1, t->groups.n)) {
        fail(&c, "out of memory");
        goto done;
    }
    if (s->subgroup) { /* count subgroups per analysis, then lay out their fits */
        for (size_t j = 0; j < run->n; j++)
            ngtotal += run->a[j].ngroups =
                local_groups(&c, &w, run->rows + off[j], off[j + 1] - off[j], j + 1);
        run->gfits = calloc(ngtotal ? ngtotal : 1, sizeof *run->gfits);
        run->grows = malloc((t->nrows ? t->nrows : 1) * sizeof *run->grows);
        if (run->gfits == NULL || run->grows == NULL ||
            !studies_alloc(&run->gstudies, t->nrows, c.ci, 1)) {
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
        const mtpcli_studies st = studies_at(&run->studies, off[j]);
        const mtpcli_studies gst = run->grows != NULL ? studies_at(&run->gstudies, off[j]) : st;
        if (fit_analysis(&c, &w, &run->a[j], run->rows + off[j], &st,
                         run->grows ? run->grows + off[j] : NULL, &gst, off[j + 1] - off[j],
                         run->n + 1 + j) != 0)
            goto done;
    }
    rc = 0;
done:
    scratch_free(&w);
    free(off);
    return rc;
}

static void fit_free(mtpcli_fit *f)
{
    free(f->coef);
    free(f->vcov);
    free(f->btt);
    free(f->perm_p);
}

void mtpcli_run_free(mtpcli_run *run)
{
    if (run == NULL)
        return;
    if (run->a != NULL)
        for (size_t j = 0; j < run->n; j++) {
            fit_free(&run->a[j].overall);
            mtpcli_design_free(&run->a[j].design);
        }
    free(run->a);
    free(run->rows);
    if (run->batched && !run->owns_effects) /* the table's columns */
        run->studies.yi = run->studies.vi = NULL;
    studies_free(&run->studies);
    free(run->grows);
    studies_free(&run->gstudies);
    free(run->gfits);
    mtpcli_modcols_free(&run->modcols);
    memset(run, 0, sizeof *run);
}
