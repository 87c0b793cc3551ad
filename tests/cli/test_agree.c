/* The metapool command's JSON against the library's own results, to the
 * last bit: for every method, measure, test and convention on the data sets
 * of tests/cli/data, the test computes the result itself (the data are
 * written out below, independently of the CLI's CSV reader; effects of the
 * 2x2 rows of a mixed file through one mtp_fit_2x2 of them all, where the
 * CLI fits each table alone) and compares every key of the CLI's JSON, per-study
 * values included. %.17g round-trips, so equality is exact. Also: subgroups
 * (mtp_subgroups with separate and common tau², every estimator; MH and Peto
 * by mtp_fit_2x2 per subgroup and the fixed-effect Q of the subgroup
 * estimates), and --by on a generated file of many analyses (mtp_fit per
 * analysis, k = 1 to 15).
 * With common-default: only --subgroup-tau2 common without --method (DL, the
 * tau² of the meta-regression on the subgroups, fitted here with its model
 * matrix).
 * usage: test_agree METAPOOL DATADIR TMPDIR [common-default]
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metapool.h"

static const char *cli, *datadir, *tmpdir;
static unsigned long checks, failures, runs;
static char context[2048];

#define MAXK 64

/* ------------------------------------------------------------ data */

typedef struct row {
    const char *label;
    int kind; /* 1: counts, 2: yi with vi, 3: est with 95% CI */
    double v[4];
    const char *group;
} row;

typedef struct dataset {
    const char *file;
    size_t k;
    row rows[MAXK];
} dataset;

/* metadat's dat.bcg (Colditz et al. 1994): tpos, tneg, cpos, cneg as ai, bi, ci, di. */
static const dataset bcg = {"bcg.csv", 13, {
    {"Aronson 1948", 1, {4, 4 + 119, 11, 11 + 128}, "random"},
    {"Ferguson & Simes 1949", 1, {6, 6 + 300, 29, 29 + 274}, "random"},
    {"Rosenthal et al 1960", 1, {3, 3 + 228, 11, 11 + 209}, "random"},
    {"Hart & Sutherland 1977", 1, {62, 62 + 13536, 248, 248 + 12619}, "random"},
    {"Frimodt-Moller et al 1973", 1, {33, 33 + 5036, 47, 47 + 5761}, "alternate"},
    {"Stein & Aronson 1953", 1, {180, 180 + 1361, 372, 372 + 1079}, "alternate"},
    {"Vandiviere et al 1973", 1, {8, 8 + 2537, 10, 10 + 619}, "random"},
    {"TPT Madras 1980", 1, {505, 505 + 87886, 499, 499 + 87892}, "random"},
    {"Coetzee & Berjak 1968", 1, {29, 29 + 7470, 45, 45 + 7232}, "random"},
    {"Rosenthal et al 1961", 1, {17, 17 + 1699, 65, 65 + 1600}, "systematic"},
    {"Comstock et al 1974", 1, {186, 186 + 50448, 141, 141 + 27197}, "systematic"},
    {"Comstock & Webster 1969", 1, {5, 5 + 2493, 3, 3 + 2338}, "systematic"},
    {"Comstock et al 1976", 1, {27, 27 + 16886, 29, 29 + 17825}, "systematic"}}};

static const dataset zeros = {"zeros.csv", 7, {
    {"Zero treated", 1, {0, 20, 5, 20}, NULL},
    {"Zero control", 1, {3, 25, 0, 24}, NULL},
    {"Double zero", 1, {0, 15, 0, 16}, NULL},
    {"Plain", 1, {10, 30, 14, 31}, NULL},
    {"Small", 1, {2, 40, 7, 38}, NULL},
    {"All treated had events", 1, {12, 12, 10, 11}, NULL},
    {"Double full", 1, {9, 9, 8, 8}, NULL}}};

/* sei given: vi = sei² */
static const dataset generic = {"generic.csv", 8, {
    {"Alpha", 2, {0.32, 0.12 * 0.12}, NULL},
    {"Beta", 2, {0.11, 0.20 * 0.20}, NULL},
    {"Gamma", 2, {0.58, 0.31 * 0.31}, NULL},
    {"Delta", 2, {-0.05, 0.15 * 0.15}, NULL},
    {"Epsilon", 2, {0.41, 0.09 * 0.09}, NULL},
    {"Zeta", 2, {0.27, 0.22 * 0.22}, NULL},
    {"Eta", 2, {0.95, 0.40 * 0.40}, NULL},
    {"Theta", 2, {0.18, 0.11 * 0.11}, NULL}}};

static const dataset mixed = {"mixed.csv", 6, {
    {"Counts A", 1, {12, 100, 20, 98}, "RCT"},
    {"Counts B", 1, {5, 60, 9, 62}, "RCT"},
    {"Estimate, log scale", 2, {-0.35, 0.04}, "cohort"},
    {"CI only", 3, {0.71, 0.52, 0.97}, "cohort"},
    {"CI only 2", 3, {0.88, 0.61, 1.27}, "RCT"},
    {"Counts with zero", 1, {0, 40, 4, 41}, "cohort"}}};

/* ------------------------------------------------------------ checks */

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void failf(const char *fmt, ...)
{
    va_list ap;
    failures++;
    if (failures > 40)
        return;
    fprintf(stderr, "FAIL [%s]: ", context);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static double jnum(const json_t *o, const char *key, int *present)
{
    const json_t *v = json_object_get(o, key);
    *present = v != NULL;
    if (v == NULL || json_is_null(v))
        return NAN;
    if (json_is_integer(v))
        return (double)json_integer_value(v);
    if (json_is_real(v))
        return json_real_value(v);
    *present = 0;
    return NAN;
}

/* Exact: same bits after the %.17g round trip; NaN only as null. */
static void same(const json_t *o, const char *key, double want)
{
    int present;
    const double got = jnum(o, key, &present);
    if (!isfinite(want))
        want = NAN; /* JSON has no infinities: null */
    checks++;
    if (!present)
        failf("key %s missing or not a number", key);
    else if (!((isnan(got) && isnan(want)) || got == want))
        failf("%s = %.17g, library %.17g", key, got, want);
}

static void same_str(const json_t *o, const char *key, const char *want)
{
    const json_t *v = json_object_get(o, key);
    checks++;
    if (want == NULL ? !json_is_null(v) : (!json_is_string(v) || strcmp(json_string_value(v), want) != 0))
        failf("%s = %s, want %s", key, json_is_string(v) ? json_string_value(v) : "(not a string)",
              want ? want : "null");
}

/* ------------------------------------------------------------ the library side */

/* What a command line chooses, as this test reads it. */
typedef struct conf {
    mtp_measure measure;
    mtp_fe_method fe;
    mtp_tau2_method tau2;
    mtp_test test;
    mtp_pi pi;
    double level, cc;
    mtp_cc_rule cc_when;
    mtp_double_zero dz;
} conf;

static void conf_init(conf *c)
{
    c->measure = MTP_MEASURE_RR;
    c->fe = MTP_FE_IV;
    c->tau2 = MTP_TAU2_REML;
    c->test = MTP_TEST_Z;
    c->pi = MTP_PI_T_K2;
    c->level = 0.95;
    c->cc = 0.5;
    c->cc_when = MTP_CC_ZERO;
    c->dz = MTP_DZ_AUTO;
}

static void model_options(const conf *c, mtp_model_options *o)
{
    static const mtp_model_options init = MTP_MODEL_OPTIONS_INIT;
    *o = init;
    o->tau2 = c->tau2;
    o->test = c->test;
    o->pi = c->pi;
    o->level = c->level;
    o->flags = MTP_FIT_NO_R2;
}

static void es_options(const conf *c, mtp_es_options *o)
{
    static const mtp_es_options init = MTP_ES_OPTIONS_INIT;
    *o = init;
    o->measure = c->fe == MTP_FE_PETO ? MTP_MEASURE_OR : c->measure;
    o->cc = c->cc;
    o->cc_when = c->cc == 0 ? MTP_CC_NEVER : c->cc_when;
    o->double_zero = c->dz;
}

/* The method list of --method: FE, MH, PETO and the tau² estimators, from
 * the library's descriptors. */
static size_t nmethods;
static const char *method_names[16];
static void list_methods(void)
{
    const mtp_tau2_info *d;
    method_names[nmethods++] = "FE";
    method_names[nmethods++] = "MH";
    method_names[nmethods++] = "PETO";
    for (int i = 0; (d = mtp_tau2_get(i)) != NULL; i++)
        if (d->flags & MTP_TAU2_ESTIMATED)
            method_names[nmethods++] = d->name;
}

static void set_method(conf *c, const char *name)
{
    c->fe = strcmp(name, "MH") == 0 ? MTP_FE_MH : strcmp(name, "PETO") == 0 ? MTP_FE_PETO : MTP_FE_IV;
    if (c->fe != MTP_FE_IV || mtp_tau2_parse(&c->tau2, name) != MTP_OK)
        c->tau2 = MTP_TAU2_FE;
}

static const char *measure_key(mtp_measure m)
{
    return mtp_measure_get(m == MTP_MEASURE_PETO_OR ? MTP_MEASURE_OR : (int)m)->name;
}

typedef struct model {
    mtp_summary sum;
    double yi[MAXK], vi[MAXK], w[MAXK];
    unsigned int flags[MAXK];
    const char *method; /* as --method names it */
    mtp_measure shown;
    int rc;
} model;

static const char *method_of(const conf *c)
{
    return c->fe == MTP_FE_MH ? "MH" : c->fe == MTP_FE_PETO ? "PETO" : mtp_tau2_get((int)c->tau2)->name;
}

/* The effects of the 2x2 rows among rows[0..n) into y, v, flags (other rows
 * untouched): one mtp_fit_2x2 of all of them, whose yi and vi outputs are
 * the tables' effects (the CLI fits each table alone). No table left (all
 * dropped): each gets NaN and MTP_STUDY_DROPPED. */
static int effects_2x2(double *y, double *v, unsigned int *flags, mtp_workspace *ws,
                       const row *const *rows, size_t n, const conf *c)
{
    mtp_table2x2 t[MAXK];
    double ty[MAXK], tv[MAXK];
    unsigned int tf[MAXK];
    size_t at[MAXK], m = 0;
    mtp_es_options es;
    mtp_model_options mo = MTP_MODEL_OPTIONS_INIT;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    int rc;
    for (size_t i = 0; i < n; i++)
        if (rows[i]->kind == 1) {
            const row *r = rows[i];
            t[m].events_trt = r->v[0];
            t[m].total_trt = r->v[1];
            t[m].events_ctl = r->v[2];
            t[m].total_ctl = r->v[3];
            at[m++] = i;
        }
    if (m == 0)
        return MTP_OK;
    es_options(c, &es);
    mo.tau2 = MTP_TAU2_FE;
    out.yi = ty;
    out.vi = tv;
    out.study_flags = tf;
    rc = mtp_fit_2x2(&out, ws, t, m, &es, NULL, &mo, NULL);
    if (rc == MTP_ETOOFEW) {
        for (size_t j = 0; j < m; j++) {
            ty[j] = tv[j] = NAN;
            tf[j] = MTP_STUDY_DOUBLE_ZERO | MTP_STUDY_DROPPED;
        }
        rc = MTP_OK;
    }
    if (rc != MTP_OK)
        return rc;
    for (size_t j = 0; j < m; j++) {
        y[at[j]] = ty[j];
        v[at[j]] = tv[j];
        flags[at[j]] = tf[j];
    }
    return MTP_OK;
}

/* What the CLI documents: counts only -> mtp_fit_2x2; else every row an
 * effect (escalc-style counts, yi/vi, 95% CI) -> mtp_fit on them (dropped
 * double zeros left out by the keep mask). */
static void fit_library(model *m, mtp_workspace *ws, const row *const *rows, size_t n, const conf *c)
{
    mtp_model_options mo;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_es_options es;
    int counts = 1, other = 0;
    model_options(c, &mo);
    es_options(c, &es);
    m->method = method_of(c);
    for (size_t i = 0; i < n; i++) {
        counts &= rows[i]->kind == 1;
        other |= rows[i]->kind != 2;
    }
    m->shown = other ? es.measure : MTP_MEASURE_GENERIC;
    out.summary = &m->sum;
    out.yi = m->yi;
    out.vi = m->vi;
    out.weight = m->w;
    if (counts) {
        mtp_table2x2 t[MAXK];
        mtp_fe2x2_options fe = MTP_FE2X2_OPTIONS_INIT;
        fe.method = c->fe;
        for (size_t i = 0; i < n; i++) {
            t[i].events_trt = rows[i]->v[0];
            t[i].total_trt = rows[i]->v[1];
            t[i].events_ctl = rows[i]->v[2];
            t[i].total_ctl = rows[i]->v[3];
        }
        out.study_flags = m->flags;
        m->rc = mtp_fit_2x2(&out, ws, t, n, &es, &fe, &mo, NULL);
        if (m->rc == MTP_OK && c->fe == MTP_FE_PETO)
            m->shown = MTP_MEASURE_PETO_OR;
    } else if (c->fe != MTP_FE_IV) {
        m->rc = MTP_EINVAL;
        return;
    } else {
        double y[MAXK], v[MAXK];
        unsigned char keep[MAXK];
        size_t nk = 0;
        mtp_data d = {MTP_MEASURE_GENERIC, n, y, v, NULL, 0, keep, NULL};
        for (size_t i = 0; i < n; i++)
            m->flags[i] = 0;
        if ((m->rc = effects_2x2(y, v, m->flags, ws, rows, n, c)) != MTP_OK)
            return;
        for (size_t i = 0; i < n; i++) {
            const row *r = rows[i];
            m->rc = MTP_OK;
            if (r->kind == 3) {
                mtp_effect e;
                m->rc = mtp_effect_from_ci(&e, r->v[0], r->v[1], r->v[2], 0.95,
                                           (mtp_measure_get((int)es.measure)->flags &
                                            MTP_MEASURE_LOG_SCALE) != 0,
                                           NULL);
                y[i] = e.yi;
                v[i] = e.vi;
            } else if (r->kind == 2) {
                y[i] = r->v[0];
                v[i] = r->v[1];
            }
            if (m->rc != MTP_OK)
                return;
            keep[i] = !(m->flags[i] & MTP_STUDY_DROPPED);
            nk += keep[i];
        }
        d.measure = m->shown;
        m->rc = nk == 0 ? MTP_ETOOFEW : mtp_fit(&out, ws, &d, &mo, NULL);
    }
    if (m->rc != MTP_OK)
        return;
    for (size_t i = 0; i < n; i++) /* a dropped table: weight 0, as the CLI lists it */
        if ((m->flags[i] & MTP_STUDY_DROPPED) || isnan(m->w[i]))
            m->w[i] = 0;
}

/* Every key of issue 3 for one fit. */
static void check_fit(const json_t *o, const model *m, const row *const *rows, size_t n,
                      double level_pct)
{
    static const char *const keys[] = {"k", "measure", "method", "test", "level", "estimate", "se",
                                       "stat", "p", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
                                       "tau2", "tau2_ci_lower", "tau2_ci_upper", "Q", "Q_df", "Q_p",
                                       "I2", "H2", "iterations", "converged", "studies"};
    const mtp_summary *r = &m->sum;
    const int ratio = (mtp_measure_get((int)m->shown)->flags & MTP_MEASURE_LOG_SCALE) != 0;
    const json_t *studies = json_object_get(o, "studies"), *e = json_object_get(o, "exp");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        checks++;
        if (json_object_get(o, keys[i]) == NULL)
            failf("key %s missing", keys[i]);
    }
    same(o, "k", (double)r->k_used);
    same_str(o, "measure", measure_key(m->shown));
    same_str(o, "method", m->method);
    same_str(o, "test", mtp_test_get((int)r->test)->name);
    same(o, "level", level_pct);
    same(o, "estimate", r->mu.estimate);
    same(o, "se", r->mu.se);
    same(o, "stat", r->mu.stat);
    same(o, "p", r->mu.p);
    same(o, "ci_lower", r->mu.ci_lower);
    same(o, "ci_upper", r->mu.ci_upper);
    same(o, "pi_lower", r->pi_lower);
    same(o, "pi_upper", r->pi_upper);
    same(o, "tau2", r->tau2);
    same(o, "tau2_ci_lower", r->tau2_ci_lower);
    same(o, "tau2_ci_upper", r->tau2_ci_upper);
    same(o, "Q", r->qe);
    same(o, "Q_df", r->qe_df);
    same(o, "Q_p", r->qe_p);
    same(o, "I2", r->i2);
    same(o, "H2", r->h2);
    same(o, "iterations", (double)r->iterations);
    checks++;
    if (!json_is_boolean(json_object_get(o, "converged")) ||
        json_is_true(json_object_get(o, "converged")) != (r->converged != 0))
        failf("converged differs");
    checks++;
    if (ratio != (e != NULL))
        failf("exp block %s", ratio ? "missing" : "present for a difference");
    if (ratio && e != NULL) {
        same(e, "estimate", exp(r->mu.estimate));
        same(e, "ci_lower", exp(r->mu.ci_lower));
        same(e, "ci_upper", exp(r->mu.ci_upper));
        same(e, "pi_lower", exp(r->pi_lower));
        same(e, "pi_upper", exp(r->pi_upper));
    }
    checks++;
    if (!json_is_array(studies) || json_array_size(studies) != n) {
        failf("studies: %zu entries, want %zu", json_is_array(studies) ? json_array_size(studies) : 0, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(studies, i);
        same_str(s, "study", rows[i]->label);
        same(s, "yi", m->yi[i]);
        same(s, "vi", m->vi[i]);
        same(s, "weight", m->w[i]);
    }
}

/* ------------------------------------------------------------ running the CLI */

/* Run the CLI; the JSON values it wrote, one after the other (up to max),
 * or -1 when it failed. */
static int run_cli(const char *args, json_t **objs, size_t max, size_t *nobj)
{
    char cmd[2048], *buf = NULL;
    size_t cap = 0, len = 0, got, n = 0, at = 0;
    FILE *p;
    int status;
    snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", cli, args);
    runs++;
    if ((p = popen(cmd, "r")) == NULL) {
        failf("popen failed");
        return -2;
    }
    do {
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
        }
        got = fread(buf + len, 1, cap - len, p);
        len += got;
    } while (got > 0);
    status = pclose(p);
    while (at < len) {
        json_error_t jerr;
        json_t *o;
        while (at < len && (buf[at] == '\n' || buf[at] == ' '))
            at++;
        if (at == len)
            break;
        o = json_loadb(buf + at, len - at, JSON_DISABLE_EOF_CHECK, &jerr);
        if (o == NULL) {
            failf("output value %zu is not JSON: %s", n + 1, jerr.text);
            break;
        }
        at += (size_t)jerr.position;
        if (n < max)
            objs[n++] = o;
        else
            json_decref(o);
    }
    free(buf);
    *nobj = n;
    if (status != 0) {
        for (size_t i = 0; i < n; i++)
            json_decref(objs[i]);
        *nobj = 0;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ cases */

typedef struct variant {
    const char *args; /* extra CLI options */
    void (*apply)(conf *);
} variant;

static void v_none(conf *o) { (void)o; }
static void v_knha(conf *o) { o->test = MTP_TEST_KNHA; }
static void v_level90(conf *o) { o->level = 0.90; }
static void v_normal_pi(conf *o) { o->pi = MTP_PI_NORMAL; }
static void v_t_k1_pi(conf *o) { o->pi = MTP_PI_T_K1; }
static void v_cc_all(conf *o) { o->cc_when = MTP_CC_ALL; }
static void v_cc_never(conf *o) { o->cc_when = MTP_CC_NEVER; }
static void v_cc_quarter(conf *o) { o->cc = 0.25; }
static void v_cc_zero(conf *o) { o->cc = 0; }
static void v_dz_keep(conf *o) { o->dz = MTP_DZ_KEEP; }
static void v_dz_drop(conf *o) { o->dz = MTP_DZ_DROP; }

static const variant variants[] = {
    {"", v_none},
    {"--test knha", v_knha},
    {"--level 90", v_level90},
    {"--pi normal", v_normal_pi},
    {"--pi t_k1", v_t_k1_pi},
    {"--cc-when all", v_cc_all},
    {"--cc-when never", v_cc_never},
    {"--cc 0.25", v_cc_quarter},
    {"--cc 0", v_cc_zero},
    {"--double-zero keep", v_dz_keep},
    {"--double-zero drop", v_dz_drop},
};
#define FIRST_2X2_VARIANT 5 /* variants from here on matter only where there are counts */

/* --measure: the measures of 2x2 tables but Peto's (that is --method PETO). */
static size_t nmeasures;
static const char *measure_names[8];
static mtp_measure measure_ids[8];
static void list_measures(void)
{
    const mtp_measure_info *d;
    for (int i = 0; (d = mtp_measure_get(i)) != NULL; i++)
        if ((d->flags & MTP_MEASURE_FROM_2X2) && d->id != MTP_MEASURE_PETO_OR) {
            measure_ids[nmeasures] = (mtp_measure)d->id;
            measure_names[nmeasures++] = d->name;
        }
}

static void one_case(const dataset *d, size_t method, size_t measure, const variant *v, mtp_workspace *ws)
{
    char args[1024];
    const row *rows[MAXK];
    conf o;
    model m;
    json_t *obj[1];
    size_t nobj;
    int rc;
    conf_init(&o);
    set_method(&o, method_names[method]);
    o.measure = measure_ids[measure];
    v->apply(&o);
    if (o.test == MTP_TEST_KNHA && o.fe != MTP_FE_IV)
        return; /* a usage error, tested in the bad-input table */
    if (o.fe == MTP_FE_PETO && o.measure != MTP_MEASURE_OR)
        return;
    for (size_t i = 0; i < d->k; i++)
        rows[i] = &d->rows[i];
    snprintf(args, sizeof args, "--format json --method %s --measure %s %s '%s/%s'", method_names[method],
             measure_names[measure], v->args, datadir, d->file);
    snprintf(context, sizeof context, "%s", args);
    fit_library(&m, ws, rows, d->k, &o);
    rc = run_cli(args, obj, 1, &nobj);
    checks++;
    if (m.rc != MTP_OK) {
        if (rc != -1)
            failf("the library fails (%s) but the CLI does not", mtp_strerror(m.rc));
        return;
    }
    if (rc != 0 || nobj != 1) {
        failf("CLI failed or wrote %zu objects", nobj);
        return;
    }
    check_fit(obj[0], &m, rows, d->k, o.level * 100 == 90 ? 90 : 95);
    json_decref(obj[0]);
}

/* Subgroup indices in order of first appearance. */
static size_t subgroups_of(const dataset *d, const char *names[], size_t gidx[])
{
    size_t ng = 0;
    for (size_t i = 0; i < d->k; i++) {
        size_t g;
        for (g = 0; g < ng && strcmp(names[g], d->rows[i].group) != 0; g++)
            ;
        if (g == ng)
            names[ng++] = d->rows[i].group;
        gidx[i] = g;
    }
    return ng;
}

/* The subgroup analysis as the CLI documents it. MH and Peto: mtp_fit_2x2
 * per subgroup, the test the Q of the fixed-effect model of the subgroup
 * estimates. Inverse variance: mtp_subgroups on the effects. */
static int subgroups_library(model *gm, model *all, mtp_subgroup_diff *test, mtp_workspace *ws,
                             const dataset *d, const size_t *gidx, size_t ng, mtp_subgroup_tau2 mode,
                             const conf *o)
{
    const row *rows[MAXK];
    for (size_t i = 0; i < d->k; i++)
        rows[i] = &d->rows[i];
    if (o->fe != MTP_FE_IV) {
        double y[MAXK], v[MAXK];
        mtp_model_options fe = MTP_MODEL_OPTIONS_INIT;
        mtp_fit_out out = MTP_FIT_OUT_INIT;
        mtp_summary s;
        mtp_data dd = {MTP_MEASURE_GENERIC, ng, y, v, NULL, 0, NULL, NULL};
        if (mode == MTP_SUBGROUP_COMMON)
            return MTP_EINVAL; /* a usage error */
        for (size_t g = 0; g < ng; g++) {
            const row *sub[MAXK];
            size_t n = 0;
            for (size_t i = 0; i < d->k; i++)
                if (gidx[i] == g)
                    sub[n++] = rows[i];
            fit_library(&gm[g], ws, sub, n, o);
            if (gm[g].rc != MTP_OK)
                return gm[g].rc;
            y[g] = gm[g].sum.mu.estimate;
            v[g] = gm[g].sum.mu.se * gm[g].sum.mu.se;
        }
        fit_library(all, ws, rows, d->k, o);
        if (all->rc != MTP_OK)
            return all->rc;
        fe.tau2 = MTP_TAU2_FE;
        fe.flags = MTP_FIT_NO_R2;
        out.summary = &s;
        if (mtp_fit(&out, ws, &dd, &fe, NULL) != MTP_OK)
            return MTP_EDATA;
        test->q = s.qe;
        test->df = s.qe_df;
        test->p = s.qe_p;
        return MTP_OK;
    }
    if (mode == MTP_SUBGROUP_COMMON && !(mtp_tau2_get((int)o->tau2)->flags & MTP_TAU2_ESTIMATED))
        return MTP_EINVAL; /* a usage error */
    {
        double y[MAXK], v[MAXK], gy[MAXK], gv[MAXK], gw[MAXK];
        unsigned char keep[MAXK];
        unsigned int flags[MAXK];
        mtp_model_options mo;
        mtp_fit_out gout[MAXK], ov = MTP_FIT_OUT_INIT;
        mtp_data dd = {MTP_MEASURE_GENERIC, d->k, y, v, NULL, 0, keep, NULL};
        mtp_es_options es;
        int rc;
        model_options(o, &mo);
        es_options(o, &es);
        for (size_t i = 0; i < d->k; i++)
            flags[i] = 0;
        if ((rc = effects_2x2(y, v, flags, ws, rows, d->k, o)) != MTP_OK)
            return rc;
        for (size_t i = 0; i < d->k; i++) {
            const row *r = rows[i];
            if (r->kind == 3) {
                mtp_effect e;
                if ((rc = mtp_effect_from_ci(&e, r->v[0], r->v[1], r->v[2], 0.95, 1, NULL)) != MTP_OK)
                    return rc;
                y[i] = e.yi;
                v[i] = e.vi;
            } else if (r->kind == 2) {
                y[i] = r->v[0];
                v[i] = r->v[1];
            }
            keep[i] = !(flags[i] & MTP_STUDY_DROPPED);
            gy[i] = gv[i] = gw[i] = NAN;
        }
        dd.measure = d == &generic ? MTP_MEASURE_GENERIC : es.measure;
        for (size_t g = 0; g < ng; g++) {
            gout[g] = (mtp_fit_out)MTP_FIT_OUT_INIT;
            gout[g].summary = &gm[g].sum;
            gout[g].yi = gy;
            gout[g].vi = gv;
            gout[g].weight = gw;
            gm[g].method = all->method = method_of(o);
            gm[g].shown = all->shown = dd.measure;
        }
        ov.summary = &all->sum;
        ov.yi = all->yi;
        ov.vi = all->vi;
        ov.weight = all->w;
        rc = mtp_subgroups(gout, &ov, test, ws, &dd, gidx, ng, mode, &mo, NULL);
        if (rc != MTP_OK)
            return rc;
        for (size_t g = 0; g < ng; g++) { /* each subgroup's studies, in their order */
            size_t j = 0;
            for (size_t i = 0; i < d->k; i++)
                if (gidx[i] == g) {
                    gm[g].yi[j] = gy[i];
                    gm[g].vi[j] = gv[i];
                    gm[g].w[j] = keep[i] ? gw[i] : 0;
                    j++;
                }
        }
        for (size_t i = 0; i < d->k; i++)
            if (!keep[i])
                all->w[i] = 0;
    }
    return MTP_OK;
}

static void subgroup_case(const dataset *d, const char *column, size_t method, mtp_subgroup_tau2 mode,
                          mtp_workspace *ws)
{
    char args[1024];
    const char *names[MAXK];
    size_t gidx[MAXK], ng, nobj;
    conf o;
    model gm[8], all;
    mtp_subgroup_diff test;
    json_t *obj[1];
    int rc, lib_rc;
    conf_init(&o);
    set_method(&o, method_names[method]);
    ng = subgroups_of(d, names, gidx);
    snprintf(args, sizeof args, "--format json --method %s --subgroup %s --subgroup-tau2 %s '%s/%s'",
             method_names[method], column, mode == MTP_SUBGROUP_COMMON ? "common" : "separate", datadir,
             d->file);
    snprintf(context, sizeof context, "%s", args);
    rc = run_cli(args, obj, 1, &nobj);
    lib_rc = subgroups_library(gm, &all, &test, ws, d, gidx, ng, mode, &o);
    checks++;
    if (lib_rc != MTP_OK) {
        if (rc != -1)
            failf("the library fails (%s) but the CLI does not", mtp_strerror(lib_rc));
        return;
    }
    if (rc != 0 || nobj != 1) {
        failf("CLI failed");
        return;
    }
    {
        const json_t *groups = json_object_get(obj[0], "subgroups");
        const json_t *t = json_object_get(obj[0], "subgroup_test");
        const row *rows[MAXK];
        for (size_t i = 0; i < d->k; i++)
            rows[i] = &d->rows[i];
        check_fit(obj[0], &all, rows, d->k, 95);
        checks++;
        if (!json_is_array(groups) || json_array_size(groups) != ng || t == NULL) {
            failf("subgroups or subgroup_test missing");
        } else {
            same(t, "Q", test.q);
            same(t, "df", test.df);
            same(t, "p", test.p);
            for (size_t g = 0; g < ng; g++) {
                const json_t *go = json_array_get(groups, g);
                const row *sub[MAXK];
                size_t n = 0;
                for (size_t i = 0; i < d->k; i++)
                    if (gidx[i] == g)
                        sub[n++] = rows[i];
                same_str(go, "name", names[g]);
                check_fit(go, &gm[g], sub, n, 95);
            }
        }
    }
    json_decref(obj[0]);
}

/* --subgroup-tau2 common without --method: the CLI fits DL, and its tau² is
 * that of the meta-regression on the subgroups (intercept and indicators,
 * fitted here by mtp_fit with the matrix), to the bit. RR. */
static void common_default_case(const dataset *d, const char *column, mtp_workspace *ws)
{
    char args[1024];
    const char *names[MAXK];
    size_t gidx[MAXK], ng, nobj;
    conf o;
    model gm[8], all;
    mtp_subgroup_diff test;
    json_t *obj[1];
    double tau2 = NAN, tau2_lo = NAN, tau2_hi = NAN;
    conf_init(&o);
    o.tau2 = MTP_TAU2_DL;
    ng = subgroups_of(d, names, gidx);
    { /* the regression: y[i], v[i] as the subgroup analysis takes them */
        model dummy[8], m0;
        mtp_subgroup_diff t0;
        double x[MAXK * 8];
        mtp_model_options mo;
        mtp_fit_out out = MTP_FIT_OUT_INIT;
        mtp_summary s;
        mtp_data dd = {MTP_MEASURE_RR, d->k, m0.yi, m0.vi, x, ng, NULL, NULL};
        if (subgroups_library(dummy, &m0, &t0, ws, d, gidx, ng, MTP_SUBGROUP_SEPARATE, &o) != MTP_OK) {
            failf("library failed");
            return;
        }
        for (size_t i = 0; i < d->k; i++)
            for (size_t j = 0; j < ng; j++)
                x[i * ng + j] = j == 0 ? 1.0 : gidx[i] == j ? 1.0 : 0.0;
        model_options(&o, &mo);
        out.summary = &s;
        checks++;
        if (mtp_fit(&out, ws, &dd, &mo, NULL) != MTP_OK) {
            failf("the regression failed");
            return;
        }
        tau2 = s.tau2;
        tau2_lo = s.tau2_ci_lower;
        tau2_hi = s.tau2_ci_upper;
    }
    snprintf(args, sizeof args, "--format json --subgroup %s --subgroup-tau2 common '%s/%s'", column,
             datadir, d->file);
    snprintf(context, sizeof context, "%s", args);
    checks++;
    if (subgroups_library(gm, &all, &test, ws, d, gidx, ng, MTP_SUBGROUP_COMMON, &o) != MTP_OK) {
        failf("library failed");
        return;
    }
    checks++;
    if (run_cli(args, obj, 1, &nobj) != 0 || nobj != 1) {
        failf("CLI failed");
        return;
    }
    same_str(obj[0], "method", "DL");
    same(obj[0], "tau2", tau2);
    same(obj[0], "tau2_ci_lower", tau2_lo);
    same(obj[0], "tau2_ci_upper", tau2_hi);
    same(obj[0], "estimate", all.sum.mu.estimate);
    same(obj[0], "se", all.sum.mu.se);
    same(obj[0], "ci_lower", all.sum.mu.ci_lower);
    same(obj[0], "ci_upper", all.sum.mu.ci_upper);
    same(obj[0], "Q", all.sum.qe);
    same(obj[0], "I2", all.sum.i2);
    {
        const json_t *groups = json_object_get(obj[0], "subgroups");
        const json_t *t = json_object_get(obj[0], "subgroup_test");
        checks++;
        if (json_array_size(groups) != ng || t == NULL) {
            failf("subgroups or subgroup_test missing");
        } else {
            same(t, "Q", test.q);
            same(t, "df", test.df);
            same(t, "p", test.p);
            for (size_t g = 0; g < ng; g++) {
                const json_t *go = json_array_get(groups, g);
                same_str(go, "name", names[g]);
                same_str(go, "method", "DL");
                same(go, "tau2", tau2);
                same(go, "tau2_ci_lower", tau2_lo);
                same(go, "estimate", gm[g].sum.mu.estimate);
                same(go, "se", gm[g].sum.mu.se);
                same(go, "ci_lower", gm[g].sum.mu.ci_lower);
                same(go, "ci_upper", gm[g].sum.mu.ci_upper);
                same(go, "pi_lower", gm[g].sum.pi_lower);
                same(go, "Q", gm[g].sum.qe);
            }
        }
    }
    json_decref(obj[0]);
}

/* --by on a generated file: analyses of k = 1..15 studies, interleaved rows. */
static void by_case(mtp_workspace *ws, const char *method, const char *extra, unsigned int threads)
{
    enum { NA = 60 };
    char path[1024], args[1400];
    size_t ks[NA], off[NA + 1];
    double ey[NA * 15], ev[NA * 15];
    json_t **obj = calloc(NA + 5, sizeof *obj);
    size_t nobj;
    uint64_t x = 12345;
    FILE *f;
    conf o;
    conf_init(&o);
    set_method(&o, method);
    if (strstr(extra, "knha") != NULL)
        o.test = MTP_TEST_KNHA;
    snprintf(path, sizeof path, "%s/by_%s.csv", tmpdir, method);
    f = fopen(path, "w");
    if (f == NULL) {
        failf("cannot write %s", path);
        free(obj);
        return;
    }
    off[0] = 0;
    for (size_t j = 0; j < NA; j++) {
        ks[j] = 1 + j % 15;
        off[j + 1] = off[j] + ks[j];
    }
    for (size_t j = 0; j < NA; j++)
        for (size_t i = 0; i < ks[j]; i++) {
            const size_t r = off[j] + i;
            x = x * 6364136223846793005u + 1442695040888963407u;
            ey[r] = ((double)(x >> 11) * 0x1p-53 - 0.5) * (j % 7 == 0 ? 0.001 : 2); /* some near-identical */
            x = x * 6364136223846793005u + 1442695040888963407u;
            ev[r] = 0.001 + (double)(x >> 11) * 0x1p-53 * (j % 5 == 0 ? 100 : 0.3);
        }
    fprintf(f, "rep,yi,vi,study\n");
    /* rows of analysis j in order, but analyses interleaved in pairs */
    for (size_t j = 0; j < NA; j += 2)
        for (size_t i = 0; i < 15; i++)
            for (size_t jj = j; jj < j + 2 && jj < NA; jj++)
                if (i < ks[jj])
                    fprintf(f, "r%zu,%.17g,%.17g,s%zu.%zu\n", jj, ey[off[jj] + i], ev[off[jj] + i], jj, i);
    fclose(f);
    snprintf(args, sizeof args, "--format json --by rep --method %s --threads %u %s '%s'", method, threads,
             extra, path);
    snprintf(context, sizeof context, "%s", args);
    if (run_cli(args, obj, NA + 5, &nobj) != 0 || nobj != NA) {
        failf("CLI failed or wrote %zu lines", nobj);
        free(obj);
        return;
    }
    for (size_t j = 0; j < NA; j++) {
        static char labels[MAXK][32];
        char want[32];
        const row *rows[MAXK];
        row rr[MAXK];
        model m;
        snprintf(want, sizeof want, "r%zu", j);
        snprintf(context, sizeof context, "%s: analysis %s", args, want);
        same_str(obj[j], "by", want);
        for (size_t i = 0; i < ks[j]; i++) {
            snprintf(labels[i], sizeof labels[i], "s%zu.%zu", j, i);
            rr[i].label = labels[i];
            rr[i].kind = 2;
            rr[i].v[0] = ey[off[j] + i];
            rr[i].v[1] = ev[off[j] + i];
            rows[i] = &rr[i];
        }
        fit_library(&m, ws, rows, ks[j], &o);
        if (m.rc != MTP_OK) {
            failf("library failed");
            continue;
        }
        check_fit(obj[j], &m, rows, ks[j], 95);
    }
    for (size_t j = 0; j < nobj; j++)
        json_decref(obj[j]);
    free(obj);
}

int main(int argc, char **argv)
{
    mtp_workspace *ws = mtp_workspace_alloc(MAXK * 4, 8);
    const dataset *const sets[] = {&bcg, &zeros, &generic, &mixed};
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "common-default") == 0)) {
        fprintf(stderr, "usage: test_agree METAPOOL DATADIR TMPDIR [common-default]\n");
        return 2;
    }
    cli = argv[1];
    datadir = argv[2];
    tmpdir = argv[3];
    list_methods();
    list_measures();
    if (argc == 5) { /* only --subgroup-tau2 common without --method */
        common_default_case(&bcg, "alloc", ws);
        common_default_case(&mixed, "design", ws);
        mtp_workspace_free(ws);
        printf("%lu CLI runs, %lu checks, %lu failures\n", runs, checks, failures);
        return failures == 0 && checks > 40 ? 0 : 1;
    }
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        for (size_t method = 0; method < nmethods; method++)
            for (size_t measure = 0; measure < nmeasures; measure++) {
                if (sets[s] == &generic && measure > 0)
                    continue; /* --measure is ignored for yi rows */
                for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
                    /* conventions of 2x2 data only matter where there are counts */
                    if (v >= FIRST_2X2_VARIANT && sets[s] != &zeros && sets[s] != &mixed)
                        continue;
                    one_case(sets[s], method, measure, &variants[v], ws);
                }
            }
    for (size_t method = 0; method < nmethods; method++) {
        subgroup_case(&bcg, "alloc", method, MTP_SUBGROUP_SEPARATE, ws);
        subgroup_case(&bcg, "alloc", method, MTP_SUBGROUP_COMMON, ws);
        subgroup_case(&mixed, "design", method, MTP_SUBGROUP_SEPARATE, ws);
        subgroup_case(&mixed, "design", method, MTP_SUBGROUP_COMMON, ws);
    }
    by_case(ws, "REML", "", 1);
    by_case(ws, "DL", "--test knha", 2);
    by_case(ws, "FE", "", 1);
    by_case(ws, "PM", "", 3);
    mtp_workspace_free(ws);
    printf("%lu CLI runs, %lu checks, %lu failures\n", runs, checks, failures);
    return failures == 0 && checks > 10000 ? 0 : 1;
}
