/* JSON for --by, written directly: the bytes of json_jansson.c's compact
 * output (tests compare the two on every test file), without building a
 * jansson tree per analysis.
 *
 * Why (measured on the benchmark machine, see cli/README.md "Speed"):
 * jansson prints reals with snprintf("%.17g"), which costs glibc about 850 ns
 * a number; 2000 analyses of 12 studies hold 122,000 numbers, so jansson
 * alone took 66-79 ms, ten times issue 7's 6.5 ms for the whole process.
 * numfmt.c gives the same digits in about 25 ns, and this writer puts them
 * straight into the output buffer.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

/* Room for one fit's fixed keys and numbers (about 30 of them). */
#define FIT_ROOM 2048
/* Room for one study without its label. */
#define STUDY_ROOM (4 * MTPCLI_G17_MAX + 64)

/* A pointer to at least n free bytes at the end of the buffer, or NULL. */
static char *room(mtpcli_out *o, size_t n)
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

#define LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) += sizeof(s) - 1)

static char *num(char *p, double v)
{
    if (!isfinite(v)) {
        LIT(p, "null");
        return p;
    }
    return p + mtpcli_fmt_json_real(p, v);
}

static char *put_uint(char *p, unsigned long long v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* A JSON string as jansson escapes it (labels are valid UTF-8, kept as is). */
static void str(mtpcli_out *o, const char *s)
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

static void studies(mtpcli_out *o, const mtpcli_fit *f, const mtpcli_table *t)
{
    char *p;
    mtpcli_out_write(o, ",\"studies\":[", 12);
    for (size_t i = 0; i < f->n; i++) {
        const mtp_study *st = &f->studies[i];
        const size_t lab = t->label != NULL ? t->label[f->rows[i]] : MTPCLI_NONE;
        if ((p = room(o, STUDY_ROOM)) == NULL)
            return;
        if (i > 0)
            *p++ = ',';
        LIT(p, "{\"study\":");
        if (lab == MTPCLI_NONE) {
            LIT(p, "null");
        } else {
            o->len = (size_t)(p - o->buf);
            str(o, mtpcli_table_str(t, lab));
            if ((p = room(o, STUDY_ROOM)) == NULL)
                return;
        }
        LIT(p, ",\"yi\":");
        p = num(p, st->yi);
        LIT(p, ",\"vi\":");
        p = num(p, st->vi);
        LIT(p, ",\"weight\":");
        p = num(p, st->weight);
        *p++ = '}';
        o->len = (size_t)(p - o->buf);
    }
    mtpcli_out_write(o, "]", 1);
}

/* "k" and the keys after it; the caller has written "{" and any "by"/"name". */
static void fit_keys(mtpcli_out *o, const mtpcli_fit *f, const mtpcli_table *t,
                     const mtpcli_settings *s, int first)
{
    const mtp_result *r = &f->res;
    char *p = room(o, FIT_ROOM);
    if (p == NULL)
        return;
    if (!first)
        *p++ = ',';
    LIT(p, "\"k\":");
    p = put_uint(p, r->k_used);
    LIT(p, ",\"measure\":\"");
    p += strlen(strcpy(p, mtpcli_measure_key(f)));
    LIT(p, "\",\"method\":\"");
    p += strlen(strcpy(p, mtp_method_name(r->method)));
    if (r->test == MTP_TEST_KNHA)
        LIT(p, "\",\"test\":\"knha\",\"level\":");
    else
        LIT(p, "\",\"test\":\"z\",\"level\":");
    p = num(p, s->level_pct);
    LIT(p, ",\"estimate\":");
    p = num(p, r->estimate);
    LIT(p, ",\"se\":");
    p = num(p, r->se);
    LIT(p, ",\"stat\":");
    p = num(p, r->stat);
    LIT(p, ",\"p\":");
    p = num(p, r->p);
    LIT(p, ",\"ci_lower\":");
    p = num(p, r->ci_lower);
    LIT(p, ",\"ci_upper\":");
    p = num(p, r->ci_upper);
    LIT(p, ",\"pi_lower\":");
    p = num(p, r->pi_lower);
    LIT(p, ",\"pi_upper\":");
    p = num(p, r->pi_upper);
    LIT(p, ",\"tau2\":");
    p = num(p, r->tau2);
    LIT(p, ",\"tau2_ci_lower\":");
    p = num(p, r->tau2_ci_lower);
    LIT(p, ",\"tau2_ci_upper\":");
    p = num(p, r->tau2_ci_upper);
    LIT(p, ",\"Q\":");
    p = num(p, r->q);
    LIT(p, ",\"Q_df\":");
    p = num(p, r->q_df);
    LIT(p, ",\"Q_p\":");
    p = num(p, r->q_p);
    LIT(p, ",\"I2\":");
    p = num(p, r->i2);
    LIT(p, ",\"H2\":");
    p = num(p, r->h2);
    LIT(p, ",\"iterations\":");
    p = put_uint(p, r->iterations);
    if (r->converged)
        LIT(p, ",\"converged\":true");
    else
        LIT(p, ",\"converged\":false");
    if (mtpcli_is_ratio(f)) {
        LIT(p, ",\"exp\":{\"estimate\":");
        p = num(p, exp(r->estimate));
        LIT(p, ",\"ci_lower\":");
        p = num(p, exp(r->ci_lower));
        LIT(p, ",\"ci_upper\":");
        p = num(p, exp(r->ci_upper));
        LIT(p, ",\"pi_lower\":");
        p = num(p, exp(r->pi_lower));
        LIT(p, ",\"pi_upper\":");
        p = num(p, exp(r->pi_upper));
        *p++ = '}';
    }
    o->len = (size_t)(p - o->buf);
    studies(o, f, t);
}

void mtpcli_write_json_lean(mtpcli_out *o, const mtpcli_run *run, const mtpcli_table *t,
                            const mtpcli_settings *s)
{
    for (size_t j = 0; j < run->n && !o->failed; j++) {
        const mtpcli_analysis *a = &run->a[j];
        mtpcli_out_write(o, "{", 1);
        if (a->by != MTPCLI_NONE) {
            mtpcli_out_write(o, "\"by\":", 5);
            str(o, mtpcli_table_str(t, t->bys.off[a->by]));
        }
        fit_keys(o, &a->overall, t, s, a->by == MTPCLI_NONE);
        if (a->groups != NULL) {
            char *p;
            mtpcli_out_write(o, ",\"subgroups\":[", 14);
            for (size_t g = 0; g < a->ngroups; g++) {
                mtpcli_out_write(o, g ? ",{\"name\":" : "{\"name\":", g ? 9 : 8);
                str(o, mtpcli_table_str(t, a->groups[g].name));
                fit_keys(o, &a->groups[g], t, s, 0);
                mtpcli_out_write(o, "}", 1);
            }
            if ((p = room(o, FIT_ROOM)) == NULL)
                return;
            LIT(p, "],\"subgroup_test\":{\"Q\":");
            p = num(p, a->test.q);
            LIT(p, ",\"df\":");
            p = num(p, a->test.df);
            LIT(p, ",\"p\":");
            p = num(p, a->test.p);
            *p++ = '}';
            o->len = (size_t)(p - o->buf);
        }
        mtpcli_out_write(o, "}\n", 2);
    }
}
