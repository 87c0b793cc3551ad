/* The JSON output, written directly: the bytes jansson 2.14 writes for the
 * same values with JSON_REAL_PRECISION(17) and JSON_INDENT(2) (one object)
 * or JSON_COMPACT (--by: one object per line). tests/cli/test_csv.c reads
 * every output back with jansson and checks that jansson writes it again
 * byte for byte.
 *
 * Why not jansson itself (measured on the benchmark machine, see
 * cli/README.md "Speed"): jansson prints reals with snprintf("%.17g"), which
 * costs glibc about 850 ns a number; 2000 analyses of 12 studies hold 122,000
 * numbers, so jansson alone took 66-79 ms, ten times issue 7's 6.5 ms for the
 * whole process. numfmt.c gives the same digits in about 25 ns, and this
 * writer puts them straight into the output buffer. One writer for both
 * layouts, so every key is written once.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

#define MAX_DEPTH 16

/* The writer: where it is in the tree, and how it lays it out. */
typedef struct jw {
    mtpcli_out *o;
    int indent;                 /* 0: compact */
    int depth;
    int empty[MAX_DEPTH];       /* nothing written yet in the container at this depth */
    int after_key;              /* a key was written: its value follows on the same line */
} jw;

/* A pointer to at least n free bytes at the end of the buffer, or NULL:
 * the flush or growth behind room(). */
static char *room_slow(mtpcli_out *o, size_t n)
{
    if (o->failed)
        return NULL;
    if (o->sink != NULL && o->len >= ((size_t)1 << 18) && mtpcli_out_flush(o) != 0)
        return NULL;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : (size_t)1 << 16;
        char *b;
        while (cap < o->len + n)
            cap *= 2;
        if ((b = realloc(o->buf, cap)) == NULL) {
            o->failed = 1;
            return NULL;
        }
        o->buf = b;
        o->cap = cap;
    }
    return o->buf + o->len;
}

/* The fast path: room in the buffer, nothing to flush (failed marks no buffer). */
static inline char *room(mtpcli_out *o, size_t n)
{
    if (o->len + n <= o->cap && o->len < ((size_t)1 << 18) && !o->failed)
        return o->buf + o->len;
    return room_slow(o, n);
}

/* The separator and line break before a value or key at p (room for
 * 2 + 2 * depth bytes); the new end. After a key, nothing. */
static inline char *sep_at(jw *w, char *p)
{
    if (w->after_key) {
        w->after_key = 0;
        return p;
    }
    if (w->depth == 0)
        return p;
    if (!w->empty[w->depth])
        *p++ = ',';
    w->empty[w->depth] = 0;
    if (w->indent) {
        *p++ = '\n';
        memset(p, ' ', 2 * (size_t)w->depth);
        p += 2 * w->depth;
    }
    return p;
}

static void sep(jw *w)
{
    char *p = room(w->o, 2 + 2 * (size_t)w->depth);
    if (p != NULL)
        w->o->len = (size_t)(sep_at(w, p) - w->o->buf);
}

static void open_c(jw *w, char c)
{
    char *p = room(w->o, 3 + 2 * (size_t)w->depth);
    if (p == NULL)
        return;
    p = sep_at(w, p);
    *p++ = c;
    w->o->len = (size_t)(p - w->o->buf);
    if (w->depth + 1 < MAX_DEPTH)
        w->empty[++w->depth] = 1;
}

static void close_c(jw *w, char c)
{
    char *p;
    const int was_empty = w->empty[w->depth];
    w->depth--;
    if ((p = room(w->o, 2 + 2 * (size_t)w->depth)) == NULL)
        return;
    if (w->indent && !was_empty) {
        *p++ = '\n';
        memset(p, ' ', 2 * (size_t)w->depth);
        p += 2 * w->depth;
    }
    *p++ = c;
    w->o->len = (size_t)(p - w->o->buf);
}

/* A JSON string as jansson escapes it (labels are valid UTF-8, kept as is). */
static void raw_str(mtpcli_out *o, const char *s)
{
    const size_t len = strlen(s);
    char *p = room(o, 6 * len + 2), *start = p;
    if (p == NULL)
        return;
    *p++ = '"';
    for (; *s != '\0'; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = (char)c;
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        default: p += snprintf(p, 6, "u%04X", c); break;
        }
    }
    *p++ = '"';
    o->len += (size_t)(p - start);
}

/* "key": at p (keys are ASCII names: nothing to escape); the new end. */
static inline char *key_at(jw *w, char *p, const char *k, size_t kl)
{
    p = sep_at(w, p);
    *p++ = '"';
    memcpy(p, k, kl);
    p += kl;
    *p++ = '"';
    *p++ = ':';
    if (w->indent)
        *p++ = ' ';
    return p;
}

static void key(jw *w, const char *k)
{
    const size_t kl = strlen(k);
    char *p = room(w->o, 6 + 2 * (size_t)w->depth + kl);
    if (p == NULL)
        return;
    w->o->len = (size_t)(key_at(w, p, k, kl) - w->o->buf);
    w->after_key = 1;
}

static void str(jw *w, const char *s)
{
    sep(w);
    raw_str(w->o, s);
}

static inline char *num_at(char *p, double v)
{
    if (!isfinite(v)) { /* NaN and infinities, which JSON cannot hold, as null */
        memcpy(p, "null", 4);
        return p + 4;
    }
    return p + mtpcli_fmt_json_real(p, v);
}

/* A number as an array element. */
static void num(jw *w, double v)
{
    char *p = room(w->o, 2 + 2 * (size_t)w->depth + MTPCLI_G17_MAX);
    if (p != NULL)
        w->o->len = (size_t)(num_at(sep_at(w, p), v) - w->o->buf);
}

/* "key": number, in one step (most of the output). */
static inline void knum(jw *w, const char *k, double v)
{
    const size_t kl = strlen(k);
    char *p = room(w->o, 6 + 2 * (size_t)w->depth + kl + MTPCLI_G17_MAX);
    if (p != NULL)
        w->o->len = (size_t)(num_at(key_at(w, p, k, kl), v) - w->o->buf);
}

static void uint_(jw *w, unsigned long long v)
{
    char tmp[24];
    int n = 0;
    sep(w);
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    {
        char *p = room(w->o, (size_t)n);
        if (p == NULL)
            return;
        for (int i = 0; i < n; i++)
            p[i] = tmp[n - 1 - i];
        w->o->len += (size_t)n;
    }
}

static void lit(jw *w, const char *s)
{
    sep(w);
    mtpcli_out_puts(w->o, s);
}

#define KNUM knum

/* ------------------------------------------------------------ the keys */

static void studies(jw *w, const mtpcli_fit *f, const mtpcli_table *t)
{
    key(w, "studies");
    open_c(w, '[');
    for (size_t i = 0; i < f->n; i++) {
        const size_t lab = t->label != NULL ? t->label[f->rows[i]] : MTPCLI_NONE;
        open_c(w, '{');
        key(w, "study");
        if (lab == MTPCLI_NONE)
            lit(w, "null");
        else
            str(w, mtpcli_table_str(t, lab));
        KNUM(w, "yi", f->st.yi[i]);
        KNUM(w, "vi", f->st.vi[i]);
        KNUM(w, "weight", f->st.weight[i]);
        close_c(w, '}');
    }
    close_c(w, ']');
}

/* contract-v2.md, "Meta-regression". */
static void regression_keys(jw *w, const mtpcli_fit *f)
{
    const mtp_summary *r = &f->sum;
    if (f->design != NULL) {
        const size_t p = f->design->p;
        KNUM(w, "R2", r->r2);
        KNUM(w, "QM", r->qm);
        KNUM(w, "QM_df", r->qm_df);
        KNUM(w, "QM_df2", r->qm_df2);
        KNUM(w, "QM_p", r->qm_p);
        key(w, "coefficients");
        open_c(w, '[');
        for (size_t j = 0; j < p; j++) {
            const mtp_coef *b = &f->coef[j];
            open_c(w, '{');
            key(w, "name");
            str(w, mtpcli_design_name(f->design, j));
            KNUM(w, "estimate", b->estimate);
            KNUM(w, "se", b->se);
            KNUM(w, "stat", b->stat);
            KNUM(w, "p", b->p);
            KNUM(w, "ci_lower", b->ci_lower);
            KNUM(w, "ci_upper", b->ci_upper);
            close_c(w, '}');
        }
        close_c(w, ']');
        key(w, "vcov");
        open_c(w, '[');
        for (size_t j = 0; j < p; j++) {
            open_c(w, '[');
            for (size_t l = 0; l < p; l++)
                num(w, f->vcov[j * p + l]);
            close_c(w, ']');
        }
        close_c(w, ']');
    }
    if (f->permuted) {
        const size_t p = f->design != NULL ? f->design->p : 1;
        key(w, "permutation");
        open_c(w, '{');
        key(w, "iterations");
        uint_(w, f->perm.iterations);
        key(w, "exact");
        lit(w, f->perm.exact ? "true" : "false");
        key(w, "p");
        open_c(w, '[');
        for (size_t j = 0; j < p; j++)
            num(w, f->perm_p[j]);
        close_c(w, ']');
        KNUM(w, "QM_p", f->perm.qm_p);
        close_c(w, '}');
    }
}

/* "k" and the keys after it; the caller has opened the object and written
 * any "by"/"name". */
static void fit_keys(jw *w, const mtpcli_fit *f, const mtpcli_table *t, const mtpcli_settings *s)
{
    const mtp_summary *r = &f->sum;
    key(w, "k");
    uint_(w, r->k_used);
    key(w, "measure");
    str(w, mtpcli_measure_key(f));
    key(w, "method");
    str(w, mtpcli_method_name(f));
    key(w, "test");
    str(w, mtp_test_get((int)r->test)->name);
    KNUM(w, "level", s->level_pct);
    KNUM(w, "estimate", r->mu.estimate);
    KNUM(w, "se", r->mu.se);
    KNUM(w, "stat", r->mu.stat);
    KNUM(w, "p", r->mu.p);
    KNUM(w, "ci_lower", r->mu.ci_lower);
    KNUM(w, "ci_upper", r->mu.ci_upper);
    KNUM(w, "pi_lower", r->pi_lower);
    KNUM(w, "pi_upper", r->pi_upper);
    KNUM(w, "tau2", r->tau2);
    KNUM(w, "tau2_ci_lower", r->tau2_ci_lower);
    KNUM(w, "tau2_ci_upper", r->tau2_ci_upper);
    KNUM(w, "Q", r->qe);
    KNUM(w, "Q_df", r->qe_df);
    KNUM(w, "Q_p", r->qe_p);
    KNUM(w, "I2", r->i2);
    KNUM(w, "H2", r->h2);
    key(w, "iterations");
    uint_(w, r->iterations);
    key(w, "converged");
    lit(w, r->converged ? "true" : "false");
    regression_keys(w, f);
    if (mtpcli_is_ratio(f)) {
        key(w, "exp");
        open_c(w, '{');
        KNUM(w, "estimate", exp(r->mu.estimate));
        KNUM(w, "ci_lower", exp(r->mu.ci_lower));
        KNUM(w, "ci_upper", exp(r->mu.ci_upper));
        KNUM(w, "pi_lower", exp(r->pi_lower));
        KNUM(w, "pi_upper", exp(r->pi_upper));
        close_c(w, '}');
    }
    studies(w, f, t);
}

void mtpcli_write_json(mtpcli_out *o, const mtpcli_run *run, const mtpcli_table *t,
                       const mtpcli_settings *s, int compact)
{
    for (size_t j = 0; j < run->n && !o->failed; j++) {
        const mtpcli_analysis *a = &run->a[j];
        jw w;
        memset(&w, 0, sizeof w);
        w.o = o;
        w.indent = !compact;
        open_c(&w, '{');
        if (a->by != MTPCLI_NONE) {
            key(&w, "by");
            str(&w, mtpcli_table_str(t, t->bys.off[a->by]));
        }
        fit_keys(&w, &a->overall, t, s);
        if (a->groups != NULL) {
            key(&w, "subgroups");
            open_c(&w, '[');
            for (size_t g = 0; g < a->ngroups; g++) {
                open_c(&w, '{');
                key(&w, "name");
                str(&w, mtpcli_table_str(t, a->groups[g].name));
                fit_keys(&w, &a->groups[g], t, s);
                close_c(&w, '}');
            }
            close_c(&w, ']');
            key(&w, "subgroup_test");
            open_c(&w, '{');
            KNUM(&w, "Q", a->test.q);
            KNUM(&w, "df", a->test.df);
            KNUM(&w, "p", a->test.p);
            close_c(&w, '}');
        }
        close_c(&w, '}');
        mtpcli_out_write(o, "\n", 1);
    }
}
