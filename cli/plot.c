/* --forest and --funnel: the library's SVG plots (mtp_plot_forest,
 * mtp_plot_funnel) of the run's one analysis.
 *
 * Forest: one row per study as the text report lists it (label or "Study N",
 * the 2x2 counts of count rows, effect and CI, weight in the fit), the pooled
 * diamond, prediction interval and heterogeneity line; with --subgroup a
 * block per subgroup (a diamond when two or more studies are pooled in it,
 * weights within the subgroup, as the text report), the overall result and
 * the test for subgroup differences (the layout of Steffens et al. 2016,
 * Figure 2). Rows of est, lower, upper are drawn with their CI as given (at
 * --level 95; at another level every CI comes from the variance). Funnel:
 * the studies of the overall fit around its pooled estimate.
 *
 * Every SVG is rendered into memory (open_memstream) before any file is
 * written: a plot that fails leaves no file, and main.c writes standard
 * output only after the plots.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pctx {
    const mtpcli_run *run;
    const mtpcli_table *t;
    const mtpcli_settings *s;
    const char *opt;  /* "--forest" or "--funnel" */
    const char *path; /* its file */
    char *msg;
    size_t msglen;
} pctx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(const pctx *c, const char *fmt, ...)
{
    char what[400], p[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mtpcli_sanitize(p, sizeof p, c->path, strlen(c->path));
    snprintf(c->msg, c->msglen, "%s %s: %s", c->opt, p, what);
    return -1;
}

/* A library error; lines[err->study] is the input line it is about. */
static int lib_fail(const pctx *c, int rc, const mtp_error *err, const size_t *lines, size_t n)
{
    char in[64];
    const char *name = mtpcli_input_name(c->s);
    if (rc == MTP_ENOMEM || rc == MTP_EIO)
        return fail(c, "out of memory while drawing the plot");
    mtpcli_sanitize(in, sizeof in, name, strlen(name));
    if (err->study != MTP_NO_STUDY && err->study < n)
        return fail(c, "cannot draw line %zu of %s: %s", lines[err->study], in, err->message);
    return fail(c, "cannot draw the plot: %s", err->message);
}

/* ------------------------------------------------------------ the plot API's result */

/* The plots take the version 0.1 result: a fit's summary in that shape. */
static void result_of(mtp_result *r, const mtpcli_fit *f)
{
    const mtp_summary *s = &f->sum;
    const char *name = mtpcli_method_name(f);
    memset(r, 0, sizeof *r);
    r->measure = f->measure;
    r->method = MTP_METHOD_REML;
    for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) /* by name: the descriptors' */
        if (strcmp(mtp_method_name((mtp_method)m), name) == 0)
            r->method = (mtp_method)m;
    r->test = s->test;
    r->level = s->level;
    r->k = s->k;
    r->k_used = s->k_used;
    r->estimate = s->mu.estimate;
    r->se = s->mu.se;
    r->stat = s->mu.stat;
    r->df = s->mu.df;
    r->p = s->mu.p;
    r->ci_lower = s->mu.ci_lower;
    r->ci_upper = s->mu.ci_upper;
    r->pi_lower = s->pi_lower;
    r->pi_upper = s->pi_upper;
    r->pi_df = s->pi_df;
    r->tau2 = s->tau2;
    r->tau = s->tau;
    r->tau2_ci_lower = s->tau2_ci_lower;
    r->tau2_ci_upper = s->tau2_ci_upper;
    r->q = s->qe;
    r->q_df = s->qe_df;
    r->q_p = s->qe_p;
    r->i2 = s->i2;
    r->i2_ci_lower = s->i2_ci_lower;
    r->i2_ci_upper = s->i2_ci_upper;
    r->h2 = s->h2;
    r->h2_ci_lower = s->h2_ci_lower;
    r->h2_ci_upper = s->h2_ci_upper;
    r->vtypical = s->vtypical;
    r->iterations = s->iterations;
    r->converged = s->converged;
    r->notes = s->notes;
}

/* ------------------------------------------------------------ SVG to file */

typedef int (*drawer)(const pctx *c, FILE *out);

/* One plot: its option, file and SVG text. */
typedef struct plot {
    const char *opt, *path;
    drawer draw;
    char *svg;
    size_t len;
} plot;

static void name_plot(pctx *c, const plot *p)
{
    c->opt = p->opt;
    c->path = p->path;
}

/* Render into memory. */
static int render(pctx *c, plot *p)
{
    FILE *mem;
    int rc;
    name_plot(c, p);
    if ((mem = open_memstream(&p->svg, &p->len)) == NULL)
        return fail(c, "out of memory while drawing the plot");
    rc = p->draw(c, mem);
    if (fclose(mem) != 0 && rc == 0)
        rc = fail(c, "out of memory while drawing the plot");
    return rc;
}

static int write_file(pctx *c, const plot *p)
{
    FILE *f;
    name_plot(c, p);
    errno = 0;
    if ((f = fopen(p->path, "wb")) == NULL)
        return fail(c, "cannot write: %s", strerror(errno ? errno : EIO));
    errno = 0;
    if (fwrite(p->svg, 1, p->len, f) != p->len) {
        const int e = errno ? errno : EIO;
        fclose(f);
        return fail(c, "cannot write: %s", strerror(e));
    }
    if (fclose(f) != 0)
        return fail(c, "cannot write: %s", strerror(errno ? errno : EIO));
    return 0;
}

/* ------------------------------------------------------------ forest */

typedef struct forest_mem {
    mtp_forest_row *rows;
    mtp_table2x2 *tables;
    size_t *lines;       /* input line of each row, top to bottom */
    char (*names)[32];   /* "Study N" for rows without a label */
    mtp_forest_group *groups;
    mtp_result *results; /* a result per group, and the overall one */
} forest_mem;

static void forest_mem_free(forest_mem *m)
{
    free(m->rows);
    free(m->tables);
    free(m->lines);
    free(m->names);
    free(m->groups);
    free(m->results);
}

static int forest_mem_alloc(forest_mem *m, size_t n, size_t ngroups)
{
    const size_t k = n ? n : 1, g = ngroups ? ngroups : 1;
    m->rows = calloc(k, sizeof *m->rows);
    m->tables = calloc(k, sizeof *m->tables);
    m->lines = calloc(k, sizeof *m->lines);
    m->names = calloc(k, sizeof *m->names);
    m->groups = calloc(g, sizeof *m->groups);
    m->results = calloc(g + 1, sizeof *m->results);
    return m->rows && m->tables && m->lines && m->names && m->groups && m->results;
}

/* Row j of the plot from study i of fit f. */
static void fill_row(const pctx *c, forest_mem *m, size_t j, const mtpcli_fit *f, size_t i)
{
    const mtpcli_table *t = c->t;
    const size_t row = f->rows[i];
    mtp_forest_row *r = &m->rows[j];
    const size_t lab = t->label != NULL ? t->label[row] : MTPCLI_NONE;
    if (lab != MTPCLI_NONE) {
        r->label = mtpcli_table_str(t, lab);
    } else {
        snprintf(m->names[j], sizeof m->names[j], "Study %zu", row + 1);
        r->label = m->names[j];
    }
    r->counts = NULL;
    if (t->kind[row] == MTPCLI_ROW_2X2) {
        m->tables[j].events_trt = t->v[0][row];
        m->tables[j].total_trt = t->v[1][row];
        m->tables[j].events_ctl = t->v[2][row];
        m->tables[j].total_ctl = t->v[3][row];
        r->counts = &m->tables[j];
    }
    r->yi = f->st.yi[i]; /* NaN: dropped, or MH without a finite effect ("Not estimable") */
    r->vi = f->st.vi[i];
    r->ci_lower = f->st.ci_lower[i]; /* the fit's study CI */
    r->ci_upper = f->st.ci_upper[i];
    if (t->kind[row] == MTPCLI_ROW_CI && c->s->level == 0.95) { /* the 95% CI as given */
        r->ci_lower = mtpcli_is_ratio(f) ? log(t->v[1][row]) : t->v[1][row];
        r->ci_upper = mtpcli_is_ratio(f) ? log(t->v[2][row]) : t->v[2][row];
    }
    r->weight = (f->st.flags[i] & MTP_STUDY_DROPPED) ? NAN : f->st.weight[i];
    m->lines[j] = t->line[row];
}

/* "Risk ratio (RR)"; "Estimates as given" for generic effects. */
static void measure_words(char *buf, size_t n, const mtpcli_fit *f)
{
    const mtp_measure_info *m = mtpcli_measure_info(f);
    if (m->flags & MTP_MEASURE_FROM_2X2)
        snprintf(buf, n, "%s (%s)", m->label, m->name);
    else
        snprintf(buf, n, "Estimates as given");
}

/* "Risk ratio (RR), random-effects model (REML)" and the like. */
static void title_of(const pctx *c, const mtpcli_fit *f, char *buf, size_t n)
{
    char meas[64];
    measure_words(meas, sizeof meas, f);
    if (f->fe == MTP_FE_MH)
        snprintf(buf, n, "%s, fixed-effect model (Mantel-Haenszel)", meas);
    else if (f->fe == MTP_FE_PETO)
        snprintf(buf, n, "%s, fixed-effect model (Peto)", meas);
    else if (!mtpcli_is_random(f))
        snprintf(buf, n, "%s, fixed-effect model (inverse variance)", meas);
    else if (c->run->a[0].groups != NULL && c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON)
        snprintf(buf, n, "%s, random-effects model (%s, tau\xC2\xB2 common to all subgroups)", meas,
                 mtpcli_method_name(f));
    else
        snprintf(buf, n, "%s, random-effects model (%s)", meas, mtpcli_method_name(f));
}

static int draw_forest(const pctx *c, FILE *out)
{
    const mtpcli_analysis *a = &c->run->a[0];
    const mtpcli_fit *ov = &a->overall;
    const int random = mtpcli_is_random(ov);
    const size_t ng = a->groups != NULL ? a->ngroups : 1;
    char title[256], sub[64], total[64];
    forest_mem m;
    mtp_forest spec;
    mtp_error err;
    size_t j = 0;
    int rc;
    memset(&m, 0, sizeof m);
    if (!forest_mem_alloc(&m, ov->n, ng)) {
        forest_mem_free(&m);
        return fail(c, "out of memory while drawing the plot");
    }
    snprintf(sub, sizeof sub, "Subtotal (%s)", random ? "random effects" : "fixed effect");
    snprintf(total, sizeof total, "Total (%s)", random ? "random effects" : "fixed effect");
    title_of(c, ov, title, sizeof title);
    mtp_forest_init(&spec, MTP_FOREST_VERSION);
    spec.title = title;
    spec.measure = ov->measure;
    spec.scale = mtpcli_is_ratio(ov) ? MTP_SCALE_LOG : MTP_SCALE_LINEAR;
    spec.level = c->s->level;
    spec.favours_left = c->s->favours_left;
    spec.favours_right = c->s->favours_right;
    spec.groups = m.groups;
    spec.ngroups = ng;
    if (a->groups == NULL) {
        for (size_t i = 0; i < ov->n; i++, j++)
            fill_row(c, &m, j, ov, i);
        m.groups[0].rows = m.rows;
        m.groups[0].nrows = ov->n;
        result_of(&m.results[0], ov);
        m.groups[0].result = &m.results[0];
        m.groups[0].result_label = total;
    } else {
        for (size_t g = 0; g < ng; g++) {
            const mtpcli_fit *gf = &a->groups[g];
            mtp_forest_group *grp = &m.groups[g];
            grp->name = mtpcli_table_str(c->t, gf->name);
            grp->rows = m.rows + j;
            grp->nrows = gf->n;
            /* a pooled estimate of one study is that study: no diamond */
            result_of(&m.results[g], gf);
            grp->result = gf->sum.k_used >= 2 ? &m.results[g] : NULL;
            grp->result_label = sub;
            for (size_t i = 0; i < gf->n; i++, j++)
                fill_row(c, &m, j, gf, i);
        }
        result_of(&m.results[ng], ov);
        spec.overall = &m.results[ng];
        spec.overall_label = total;
        if (isfinite(a->test.q) && isfinite(a->test.df))
            spec.subgroup_diff = &a->test;
    }
    rc = mtp_plot_forest(out, &spec, &err);
    if (rc != MTP_OK)
        lib_fail(c, rc, &err, m.lines, j);
    forest_mem_free(&m);
    return rc == MTP_OK ? 0 : -1;
}

/* ------------------------------------------------------------ funnel */

/* "Risk ratio (log scale)", "Risk difference", "Estimate". */
static void funnel_axis(char *buf, size_t n, const mtpcli_fit *f)
{
    const mtp_measure_info *m = mtpcli_measure_info(f);
    snprintf(buf, n, "%s%s", m->label, (m->flags & MTP_MEASURE_LOG_SCALE) ? " (log scale)" : "");
}

static int draw_funnel(const pctx *c, FILE *out)
{
    const mtpcli_fit *ov = &c->run->a[0].overall;
    const size_t n = ov->n ? ov->n : 1;
    mtp_effect *e = malloc(n * sizeof *e);
    size_t *lines = malloc(n * sizeof *lines);
    char title[64], axis[64];
    mtp_result pooled;
    mtp_funnel opts;
    mtp_error err;
    int rc;
    if (e == NULL || lines == NULL) {
        free(e);
        free(lines);
        return fail(c, "out of memory while drawing the plot");
    }
    for (size_t i = 0; i < ov->n; i++) { /* yi = NaN (dropped, no finite effect): left out */
        e[i].yi = ov->st.yi[i];
        e[i].vi = ov->st.vi[i];
        lines[i] = c->t->line[ov->rows[i]];
    }
    /* short: the funnel is narrow and the library does not cut its title */
    snprintf(title, sizeof title, "Funnel plot, %s (%s)",
             mtpcli_is_random(ov) ? "random effects" : "fixed effect", mtpcli_method_name(ov));
    mtp_funnel_init(&opts, MTP_FUNNEL_VERSION);
    opts.title = title;
    funnel_axis(axis, sizeof axis, ov);
    opts.x_label = axis;
    opts.scale = mtpcli_is_ratio(ov) ? MTP_SCALE_LOG : MTP_SCALE_LINEAR;
    opts.level = c->s->level;
    result_of(&pooled, ov);
    rc = mtp_plot_funnel(out, e, ov->n, &pooled, &opts, &err);
    if (rc != MTP_OK)
        lib_fail(c, rc, &err, lines, ov->n);
    free(e);
    free(lines);
    return rc == MTP_OK ? 0 : -1;
}

/* ------------------------------------------------------------ entry */

int mtpcli_write_plots(const mtpcli_run *run, const mtpcli_table *t, const mtpcli_settings *s,
                       char *msg, size_t msglen)
{
    plot p[2];
    size_t np = 0;
    int rc = 0;
    pctx c;
    c.run = run;
    c.t = t;
    c.s = s;
    c.opt = c.path = "";
    c.msg = msg;
    c.msglen = msglen;
    if (s->forest != NULL)
        p[np++] = (plot){"--forest", s->forest, draw_forest, NULL, 0};
    if (s->funnel != NULL)
        p[np++] = (plot){"--funnel", s->funnel, draw_funnel, NULL, 0};
    if (np > 0 && run->n != 1) { /* options.c refuses --by with the plots */
        snprintf(msg, msglen, "--forest and --funnel draw one analysis");
        return -1;
    }
    /* every plot rendered before any file is written: a failure writes nothing */
    for (size_t i = 0; i < np && rc == 0; i++)
        rc = render(&c, &p[i]);
    for (size_t i = 0; i < np && rc == 0; i++)
        rc = write_file(&c, &p[i]);
    for (size_t i = 0; i < np; i++)
        free(p[i].svg);
    return rc;
}
