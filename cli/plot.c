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

/* Drop the library's "row N: " or "study N: " prefix: the message names the line. */
static const char *strip_prefix(const char *m)
{
    const char *p = strncmp(m, "row ", 4) == 0 ? m + 4 : strncmp(m, "study ", 6) == 0 ? m + 6 : NULL;
    if (p == NULL || *p < '0' || *p > '9')
        return m;
    while (*p >= '0' && *p <= '9')
        p++;
    return p[0] == ':' && p[1] == ' ' ? p + 2 : m;
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
        return fail(c, "cannot draw line %zu of %s: %s", lines[err->study], in,
                    strip_prefix(err->message));
    return fail(c, "cannot draw the plot: %s", err->message);
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
} forest_mem;

static void forest_mem_free(forest_mem *m)
{
    free(m->rows);
    free(m->tables);
    free(m->lines);
    free(m->names);
    free(m->groups);
}

static int forest_mem_alloc(forest_mem *m, size_t n, size_t ngroups)
{
    const size_t k = n ? n : 1, g = ngroups ? ngroups : 1;
    m->rows = calloc(k, sizeof *m->rows);
    m->tables = calloc(k, sizeof *m->tables);
    m->lines = calloc(k, sizeof *m->lines);
    m->names = calloc(k, sizeof *m->names);
    m->groups = calloc(g, sizeof *m->groups);
    return m->rows && m->tables && m->lines && m->names && m->groups;
}

/* Row j of the plot from study i of fit f. */
static void fill_row(const pctx *c, forest_mem *m, size_t j, const mtpcli_fit *f, size_t i)
{
    const mtpcli_table *t = c->t;
    const size_t row = f->rows[i];
    const mtp_study *st = &f->studies[i];
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
    r->yi = st->yi; /* NaN: dropped, or MH without a finite effect ("Not estimable") */
    r->vi = st->vi;
    r->ci_lower = r->ci_upper = NAN;
    if (t->kind[row] == MTPCLI_ROW_CI && c->s->opts.level == 0.95) { /* the 95% CI as given */
        r->ci_lower = mtpcli_is_ratio(f) ? log(t->v[1][row]) : t->v[1][row];
        r->ci_upper = mtpcli_is_ratio(f) ? log(t->v[2][row]) : t->v[2][row];
    }
    r->weight = (st->flags & MTP_STUDY_DROPPED) ? NAN : st->weight;
    m->lines[j] = t->line[row];
}

static const char *measure_words(const mtpcli_fit *f)
{
    switch (f->measure) {
    case MTP_MEASURE_RR: return "Risk ratio (RR)";
    case MTP_MEASURE_OR:
    case MTP_MEASURE_PETO_OR: return "Odds ratio (OR)";
    case MTP_MEASURE_RD: return "Risk difference (RD)";
    default: return "Estimates as given";
    }
}

/* "Risk ratio (RR), random-effects model (REML)" and the like. */
static void title_of(const pctx *c, const mtpcli_fit *f, char *buf, size_t n)
{
    const mtp_method m = f->res.method;
    const char *meas = measure_words(f);
    if (m == MTP_METHOD_FE)
        snprintf(buf, n, "%s, fixed-effect model (inverse variance)", meas);
    else if (m == MTP_METHOD_MH)
        snprintf(buf, n, "%s, fixed-effect model (Mantel-Haenszel)", meas);
    else if (m == MTP_METHOD_PETO)
        snprintf(buf, n, "%s, fixed-effect model (Peto)", meas);
    else if (c->run->a[0].groups != NULL && c->s->subgroup_tau2 == MTP_SUBGROUP_COMMON)
        snprintf(buf, n, "%s, random-effects model (%s, tau\xC2\xB2 common to all subgroups)", meas,
                 mtp_method_name(m));
    else
        snprintf(buf, n, "%s, random-effects model (%s)", meas, mtp_method_name(m));
}

static int draw_forest(const pctx *c, FILE *out)
{
    const mtpcli_analysis *a = &c->run->a[0];
    const mtpcli_fit *ov = &a->overall;
    const int random = mtp_method_is_random(ov->res.method);
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
    spec.measure = ov->res.method == MTP_METHOD_PETO ? MTP_MEASURE_PETO_OR : ov->measure;
    spec.scale = mtpcli_is_ratio(ov) ? MTP_SCALE_LOG : MTP_SCALE_LINEAR;
    spec.level = c->s->opts.level;
    spec.favours_left = c->s->favours_left;
    spec.favours_right = c->s->favours_right;
    spec.groups = m.groups;
    spec.ngroups = ng;
    if (a->groups == NULL) {
        for (size_t i = 0; i < ov->n; i++, j++)
            fill_row(c, &m, j, ov, i);
        m.groups[0].rows = m.rows;
        m.groups[0].nrows = ov->n;
        m.groups[0].result = &ov->res;
        m.groups[0].result_label = total;
    } else {
        for (size_t g = 0; g < ng; g++) {
            const mtpcli_fit *gf = &a->groups[g];
            mtp_forest_group *grp = &m.groups[g];
            grp->name = mtpcli_table_str(c->t, gf->name);
            grp->rows = m.rows + j;
            grp->nrows = gf->n;
            /* a pooled estimate of one study is that study: no diamond */
            grp->result = gf->res.k_used >= 2 ? &gf->res : NULL;
            grp->result_label = sub;
            for (size_t i = 0; i < gf->n; i++, j++)
                fill_row(c, &m, j, gf, i);
        }
        spec.overall = &ov->res;
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

static const char *funnel_axis(const mtpcli_fit *f)
{
    switch (f->measure) {
    case MTP_MEASURE_RR: return "Risk ratio (log scale)";
    case MTP_MEASURE_OR:
    case MTP_MEASURE_PETO_OR: return "Odds ratio (log scale)";
    case MTP_MEASURE_RD: return "Risk difference";
    default: return "Estimate";
    }
}

static int draw_funnel(const pctx *c, FILE *out)
{
    const mtpcli_fit *ov = &c->run->a[0].overall;
    const size_t n = ov->n ? ov->n : 1;
    mtp_effect *e = malloc(n * sizeof *e);
    size_t *lines = malloc(n * sizeof *lines);
    char title[64];
    mtp_funnel opts;
    mtp_error err;
    int rc;
    if (e == NULL || lines == NULL) {
        free(e);
        free(lines);
        return fail(c, "out of memory while drawing the plot");
    }
    for (size_t i = 0; i < ov->n; i++) { /* yi = NaN (dropped, no finite effect): left out */
        e[i].yi = ov->studies[i].yi;
        e[i].vi = ov->studies[i].vi;
        lines[i] = c->t->line[ov->rows[i]];
    }
    /* short: the funnel is narrow and the library does not cut its title */
    snprintf(title, sizeof title, "Funnel plot, %s (%s)",
             mtp_method_is_random(ov->res.method) ? "random effects" : "fixed effect",
             mtp_method_name(ov->res.method));
    mtp_funnel_init(&opts, MTP_FUNNEL_VERSION);
    opts.title = title;
    opts.x_label = funnel_axis(ov);
    opts.scale = mtpcli_is_ratio(ov) ? MTP_SCALE_LOG : MTP_SCALE_LINEAR;
    opts.level = c->s->opts.level;
    rc = mtp_plot_funnel(out, e, ov->n, &ov->res, &opts, &err);
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
