/* The metapool command's JSON against the library's own results, to the
 * last bit: for every method, measure, test and convention on the data sets
 * of tests/cli/data, the test computes the result itself (the data are
 * written out below, independently of the CLI's CSV reader) and compares
 * every key of the CLI's JSON, per-study values included. %.17g round-trips,
 * so equality is exact. Also: subgroups (mtp_pool_subgroups), and --by on a
 * generated file of many analyses (mtp_pool_effects per analysis, k = 1 to 15).
 * With common-default: only --subgroup-tau2 common without --method (DL, and
 * the tau² of mtp_tau2_common).
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

static const char *measure_key(mtp_measure m)
{
    switch (m) {
    case MTP_MEASURE_RR: return "RR";
    case MTP_MEASURE_OR:
    case MTP_MEASURE_PETO_OR: return "OR";
    case MTP_MEASURE_RD: return "RD";
    default: return "GEN";
    }
}

/* Every key of issue 3 for one fit. */
static void check_fit(const json_t *o, const mtp_result *r, const mtp_study *st, const row *const *rows,
                      size_t n, mtp_measure shown, double level_pct)
{
    static const char *const keys[] = {"k", "measure", "method", "test", "level", "estimate", "se",
                                       "stat", "p", "ci_lower", "ci_upper", "pi_lower", "pi_upper",
                                       "tau2", "tau2_ci_lower", "tau2_ci_upper", "Q", "Q_df", "Q_p",
                                       "I2", "H2", "iterations", "converged", "studies"};
    const int ratio = shown == MTP_MEASURE_RR || shown == MTP_MEASURE_OR || shown == MTP_MEASURE_PETO_OR;
    const json_t *studies = json_object_get(o, "studies"), *e = json_object_get(o, "exp");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        checks++;
        if (json_object_get(o, keys[i]) == NULL)
            failf("key %s missing", keys[i]);
    }
    same(o, "k", (double)r->k_used);
    same_str(o, "measure", measure_key(shown));
    same_str(o, "method", mtp_method_name(r->method));
    same_str(o, "test", r->test == MTP_TEST_KNHA ? "knha" : "z");
    same(o, "level", level_pct);
    same(o, "estimate", r->estimate);
    same(o, "se", r->se);
    same(o, "stat", r->stat);
    same(o, "p", r->p);
    same(o, "ci_lower", r->ci_lower);
    same(o, "ci_upper", r->ci_upper);
    same(o, "pi_lower", r->pi_lower);
    same(o, "pi_upper", r->pi_upper);
    same(o, "tau2", r->tau2);
    same(o, "tau2_ci_lower", r->tau2_ci_lower);
    same(o, "tau2_ci_upper", r->tau2_ci_upper);
    same(o, "Q", r->q);
    same(o, "Q_df", r->q_df);
    same(o, "Q_p", r->q_p);
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
        same(e, "estimate", exp(r->estimate));
        same(e, "ci_lower", exp(r->ci_lower));
        same(e, "ci_upper", exp(r->ci_upper));
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
        same(s, "yi", st[i].yi);
        same(s, "vi", st[i].vi);
        same(s, "weight", st[i].weight);
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

/* ------------------------------------------------------------ the library side */

typedef struct model {
    mtp_result res;
    mtp_study st[MAXK];
    mtp_measure shown;
    int rc;
} model;

/* What the CLI documents: counts only -> mtp_pool_2x2; else every row an
 * effect (escalc-style counts, yi/vi, 95% CI) -> mtp_pool_effects. */
static void fit_library(model *m, mtp_workspace *ws, const row *const *rows, size_t n,
                        const mtp_options *opts0)
{
    mtp_options o = *opts0;
    int counts = 1, other = 0;
    if (o.method == MTP_METHOD_PETO)
        o.measure = MTP_MEASURE_OR;
    for (size_t i = 0; i < n; i++) {
        counts &= rows[i]->kind == 1;
        other |= rows[i]->kind != 2;
    }
    m->shown = other ? o.measure : MTP_MEASURE_GENERIC;
    if (counts) {
        mtp_table2x2 t[MAXK];
        for (size_t i = 0; i < n; i++) {
            t[i].events_trt = rows[i]->v[0];
            t[i].total_trt = rows[i]->v[1];
            t[i].events_ctl = rows[i]->v[2];
            t[i].total_ctl = rows[i]->v[3];
        }
        m->rc = mtp_pool_2x2(&m->res, ws, t, n, &o, NULL);
        if (m->rc == MTP_OK)
            memcpy(m->st, mtp_workspace_studies(ws), n * sizeof m->st[0]);
        return;
    }
    if (o.method == MTP_METHOD_MH || o.method == MTP_METHOD_PETO) {
        m->rc = MTP_EINVAL;
        return;
    }
    {
        mtp_effect e[MAXK];
        size_t pos[MAXK], nk = 0;
        unsigned int flags[MAXK];
        for (size_t i = 0; i < n; i++) {
            const row *r = rows[i];
            flags[i] = 0;
            m->rc = MTP_OK;
            if (r->kind == 1) {
                mtp_table2x2 t = {r->v[0], r->v[1], r->v[2], r->v[3]};
                m->rc = mtp_effect_from_2x2(&e[nk], &flags[i], &t, &o, NULL);
            } else if (r->kind == 3) {
                m->rc = mtp_effect_from_ci(&e[nk], r->v[0], r->v[1], r->v[2], 0.95,
                                           o.measure != MTP_MEASURE_RD, NULL);
            } else {
                e[nk].yi = r->v[0];
                e[nk].vi = r->v[1];
            }
            if (m->rc != MTP_OK)
                return;
            if (!(flags[i] & MTP_STUDY_DROPPED))
                pos[nk++] = i;
        }
        m->rc = nk == 0 ? MTP_ETOOFEW : mtp_pool_effects(&m->res, ws, e, nk, &o, NULL);
        if (m->rc != MTP_OK)
            return;
        for (size_t i = 0; i < n; i++) {
            m->st[i].yi = m->st[i].vi = NAN;
            m->st[i].weight = 0;
            m->st[i].flags = flags[i];
        }
        for (size_t j = 0; j < nk; j++) {
            m->st[pos[j]] = mtp_workspace_studies(ws)[j];
            m->st[pos[j]].flags |= flags[pos[j]];
        }
        m->res.k = n;
    }
}

/* ------------------------------------------------------------ cases */

typedef struct variant {
    const char *args; /* extra CLI options */
    void (*apply)(mtp_options *);
} variant;

static void v_none(mtp_options *o) { (void)o; }
static void v_knha(mtp_options *o) { o->test = MTP_TEST_KNHA; }
static void v_level90(mtp_options *o) { o->level = 0.90; }
static void v_normal_pi(mtp_options *o) { o->pi = MTP_PI_NORMAL; }
static void v_cc_all(mtp_options *o) { o->cc_when = MTP_CC_ALL; }
static void v_cc_never(mtp_options *o) { o->cc_when = MTP_CC_NEVER; }
static void v_cc_quarter(mtp_options *o) { o->cc = 0.25; }
static void v_dz_keep(mtp_options *o) { o->double_zero = MTP_DZ_KEEP; }
static void v_dz_drop(mtp_options *o) { o->double_zero = MTP_DZ_DROP; }

static const variant variants[] = {
    {"", v_none},
    {"--test knha", v_knha},
    {"--level 90", v_level90},
    {"--pi normal", v_normal_pi},
    {"--cc-when all", v_cc_all},
    {"--cc-when never", v_cc_never},
    {"--cc 0.25", v_cc_quarter},
    {"--double-zero keep", v_dz_keep},
    {"--double-zero drop", v_dz_drop},
};

static const char *const method_names[] = {"FE", "MH", "PETO", "DL", "HE", "HS",
                                           "SJ", "ML", "REML", "PM", "EB"};
static const char *const measure_names[] = {"RR", "OR", "RD"};

static void one_case(const dataset *d, int method, int measure, const variant *v, mtp_workspace *ws)
{
    char args[1024];
    const row *rows[MAXK];
    mtp_options o;
    model m;
    json_t *obj[1];
    size_t nobj;
    int rc;
    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    o.method = (mtp_method)method;
    o.measure = (mtp_measure)measure;
    v->apply(&o);
    if (o.test == MTP_TEST_KNHA && (o.method == MTP_METHOD_MH || o.method == MTP_METHOD_PETO))
        return; /* a usage error, tested in the bad-input table */
    if (o.method == MTP_METHOD_PETO && o.measure != MTP_MEASURE_OR)
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
    check_fit(obj[0], &m.res, m.st, rows, d->k, m.shown, o.level * 100 == 90 ? 90 : 95);
    json_decref(obj[0]);
}

/* --subgroup: IV methods through mtp_pool_subgroups on effects; MH and Peto
 * per subgroup by mtp_pool_2x2 and mtp_subgroup_test. */
static void subgroup_case(const dataset *d, const char *column, int method, mtp_subgroup_tau2 mode,
                          mtp_workspace *ws)
{
    char args[1024];
    const char *names[MAXK];
    size_t ng = 0, gidx[MAXK];
    const row *rows[MAXK];
    mtp_options o;
    mtp_result gres[MAXK], overall;
    mtp_subgroup_diff test;
    json_t *obj[1];
    size_t nobj;
    int rc, lib_rc;
    model gm[8];
    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    o.method = (mtp_method)method;
    if (o.method == MTP_METHOD_PETO)
        o.measure = MTP_MEASURE_OR;
    for (size_t i = 0; i < d->k; i++) {
        size_t g;
        rows[i] = &d->rows[i];
        for (g = 0; g < ng && strcmp(names[g], d->rows[i].group) != 0; g++)
            ;
        if (g == ng)
            names[ng++] = d->rows[i].group;
        gidx[i] = g;
    }
    snprintf(args, sizeof args, "--format json --method %s --subgroup %s --subgroup-tau2 %s '%s/%s'",
             method_names[method], column, mode == MTP_SUBGROUP_COMMON ? "common" : "separate", datadir,
             d->file);
    snprintf(context, sizeof context, "%s", args);
    rc = run_cli(args, obj, 1, &nobj);
    if (o.method == MTP_METHOD_MH || o.method == MTP_METHOD_PETO || o.method == MTP_METHOD_FE ||
        mode == MTP_SUBGROUP_SEPARATE) {
        /* separate fits: one per subgroup, as the CLI documents */
        model all;
        lib_rc = MTP_OK;
        for (size_t g = 0; g < ng && lib_rc == MTP_OK; g++) {
            const row *sub[MAXK];
            size_t n = 0;
            for (size_t i = 0; i < d->k; i++)
                if (gidx[i] == g)
                    sub[n++] = rows[i];
            fit_library(&gm[g], ws, sub, n, &o);
            lib_rc = gm[g].rc;
            gres[g] = gm[g].res;
        }
        if (lib_rc == MTP_OK && mode == MTP_SUBGROUP_COMMON)
            lib_rc = MTP_EINVAL; /* common tau² needs a random-effects model */
        if (lib_rc == MTP_OK) {
            fit_library(&all, ws, rows, d->k, &o);
            lib_rc = all.rc;
            overall = all.res;
        }
        if (lib_rc == MTP_OK)
            lib_rc = mtp_subgroup_test(&test, gres, ng, NULL);
        /* cross-check the one-call API for IV models */
        if (lib_rc == MTP_OK && o.method != MTP_METHOD_MH && o.method != MTP_METHOD_PETO) {
            mtp_effect e[MAXK];
            mtp_result g2[MAXK], ov2;
            mtp_subgroup_diff t2;
            for (size_t i = 0; i < d->k; i++) {
                mtp_table2x2 t = {rows[i]->v[0], rows[i]->v[1], rows[i]->v[2], rows[i]->v[3]};
                mtp_effect_from_2x2(&e[i], NULL, &t, &o, NULL);
            }
            checks++;
            if (mtp_pool_subgroups(g2, &ov2, &t2, ws, e, gidx, d->k, ng, mode, &o, NULL) != MTP_OK ||
                ov2.estimate != overall.estimate || t2.q != test.q || g2[0].tau2 != gres[0].tau2)
                failf("mtp_pool_subgroups differs from separate fits");
        }
    } else {
        mtp_effect e[MAXK];
        for (size_t i = 0; i < d->k; i++) {
            mtp_table2x2 t = {rows[i]->v[0], rows[i]->v[1], rows[i]->v[2], rows[i]->v[3]};
            mtp_effect_from_2x2(&e[i], NULL, &t, &o, NULL);
        }
        lib_rc = mtp_pool_subgroups(gres, &overall, &test, ws, e, gidx, d->k, ng, mode, &o, NULL);
    }
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
        same(obj[0], "estimate", overall.estimate);
        same(obj[0], "se", overall.se);
        same(obj[0], "tau2", overall.tau2);
        same(obj[0], "Q", overall.q);
        same(obj[0], "ci_lower", overall.ci_lower);
        same(obj[0], "I2", overall.i2);
        checks++;
        if (!json_is_array(groups) || json_array_size(groups) != ng || t == NULL) {
            failf("subgroups or subgroup_test missing");
        } else {
            same(t, "Q", test.q);
            same(t, "df", test.df);
            same(t, "p", test.p);
            for (size_t g = 0; g < ng; g++) {
                const json_t *go = json_array_get(groups, g);
                same_str(go, "name", names[g]);
                same(go, "k", (double)gres[g].k_used);
                same(go, "estimate", gres[g].estimate);
                same(go, "se", gres[g].se);
                same(go, "ci_lower", gres[g].ci_lower);
                same(go, "ci_upper", gres[g].ci_upper);
                same(go, "pi_lower", gres[g].pi_lower);
                same(go, "tau2", gres[g].tau2);
                same(go, "tau2_ci_upper", gres[g].tau2_ci_upper);
                same(go, "Q", gres[g].q);
                same(go, "Q_p", gres[g].q_p);
                same(go, "I2", gres[g].i2);
                same(go, "H2", gres[g].h2);
                same(go, "p", gres[g].p);
                if (o.method == MTP_METHOD_MH || o.method == MTP_METHOD_PETO ||
                    mode == MTP_SUBGROUP_SEPARATE) { /* per-study values of the separate fit */
                    const json_t *st = json_object_get(go, "studies");
                    for (size_t i = 0, j = 0; i < d->k; i++)
                        if (gidx[i] == g) {
                            const json_t *s = json_array_get(st, j);
                            same(s, "weight", gm[g].st[j].weight);
                            same(s, "yi", gm[g].st[j].yi);
                            j++;
                        }
                }
            }
        }
    }
    json_decref(obj[0]);
}

/* --subgroup-tau2 common without --method: the CLI fits DL (the common tau²
 * is the DL estimator pooled within subgroups; mtp_pool_subgroups takes no
 * other method), and its tau² is mtp_tau2_common's, to the bit. Effects as
 * the CLI documents them (escalc-style counts, yi/vi, 95% CI), RR. */
static void common_default_case(const dataset *d, const char *column, mtp_workspace *ws)
{
    char args[1024];
    const char *names[MAXK];
    size_t ng = 0, gidx[MAXK];
    mtp_effect e[MAXK];
    mtp_options o;
    mtp_result gres[MAXK], overall;
    mtp_subgroup_diff test;
    double tau2;
    json_t *obj[1];
    size_t nobj;
    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    o.method = MTP_METHOD_DL;
    for (size_t i = 0; i < d->k; i++) {
        const row *r = &d->rows[i];
        size_t g;
        int rc = MTP_OK;
        for (g = 0; g < ng && strcmp(names[g], r->group) != 0; g++)
            ;
        if (g == ng)
            names[ng++] = r->group;
        gidx[i] = g;
        if (r->kind == 1) {
            mtp_table2x2 t = {r->v[0], r->v[1], r->v[2], r->v[3]};
            rc = mtp_effect_from_2x2(&e[i], NULL, &t, &o, NULL);
        } else if (r->kind == 3) {
            rc = mtp_effect_from_ci(&e[i], r->v[0], r->v[1], r->v[2], 0.95, 1, NULL);
        } else {
            e[i].yi = r->v[0];
            e[i].vi = r->v[1];
        }
        if (rc != MTP_OK) {
            failf("effect %zu: %s", i + 1, mtp_strerror(rc));
            return;
        }
    }
    snprintf(args, sizeof args, "--format json --subgroup %s --subgroup-tau2 common '%s/%s'", column,
             datadir, d->file);
    snprintf(context, sizeof context, "%s", args);
    checks++;
    if (mtp_tau2_common(&tau2, e, gidx, d->k, ng, NULL) != MTP_OK ||
        mtp_pool_subgroups(gres, &overall, &test, ws, e, gidx, d->k, ng, MTP_SUBGROUP_COMMON, &o, NULL) !=
            MTP_OK) {
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
    same(obj[0], "tau2", overall.tau2);
    same(obj[0], "estimate", overall.estimate);
    same(obj[0], "se", overall.se);
    same(obj[0], "ci_lower", overall.ci_lower);
    same(obj[0], "ci_upper", overall.ci_upper);
    same(obj[0], "Q", overall.q);
    same(obj[0], "I2", overall.i2);
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
                same(go, "estimate", gres[g].estimate);
                same(go, "se", gres[g].se);
                same(go, "ci_lower", gres[g].ci_lower);
                same(go, "ci_upper", gres[g].ci_upper);
                same(go, "pi_lower", gres[g].pi_lower);
                same(go, "Q", gres[g].q);
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
    mtp_effect e[NA * 15];
    json_t **obj = calloc(NA + 5, sizeof *obj);
    size_t nobj;
    uint64_t x = 12345;
    FILE *f;
    mtp_options o;
    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    for (int m = 0; m < 11; m++)
        if (strcmp(method, method_names[m]) == 0)
            o.method = (mtp_method)m;
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
            mtp_effect *p = &e[off[j] + i];
            x = x * 6364136223846793005u + 1442695040888963407u;
            p->yi = ((double)(x >> 11) * 0x1p-53 - 0.5) * (j % 7 == 0 ? 0.001 : 2); /* some near-identical */
            x = x * 6364136223846793005u + 1442695040888963407u;
            p->vi = 0.001 + (double)(x >> 11) * 0x1p-53 * (j % 5 == 0 ? 100 : 0.3);
        }
    fprintf(f, "rep,yi,vi,study\n");
    /* rows of analysis j in order, but analyses interleaved in pairs */
    for (size_t j = 0; j < NA; j += 2)
        for (size_t i = 0; i < 15; i++)
            for (size_t jj = j; jj < j + 2 && jj < NA; jj++)
                if (i < ks[jj])
                    fprintf(f, "r%zu,%.17g,%.17g,s%zu.%zu\n", jj, e[off[jj] + i].yi, e[off[jj] + i].vi, jj, i);
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
        char want[32];
        mtp_result r;
        const row *rows[MAXK];
        row rr[MAXK];
        snprintf(want, sizeof want, "r%zu", j);
        snprintf(context, sizeof context, "%s: analysis %s", args, want);
        same_str(obj[j], "by", want);
        if (mtp_pool_effects(&r, ws, &e[off[j]], ks[j], &o, NULL) != MTP_OK) {
            failf("library failed");
            continue;
        }
        for (size_t i = 0; i < ks[j]; i++) {
            static char labels[MAXK][32];
            snprintf(labels[i], sizeof labels[i], "s%zu.%zu", j, i);
            rr[i].label = labels[i];
            rows[i] = &rr[i];
        }
        check_fit(obj[j], &r, mtp_workspace_studies(ws), rows, ks[j], MTP_MEASURE_GENERIC, 95);
    }
    for (size_t j = 0; j < nobj; j++)
        json_decref(obj[j]);
    free(obj);
}

int main(int argc, char **argv)
{
    mtp_workspace *ws = mtp_workspace_alloc(MAXK * 4, 1);
    const dataset *const sets[] = {&bcg, &zeros, &generic, &mixed};
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "common-default") == 0)) {
        fprintf(stderr, "usage: test_agree METAPOOL DATADIR TMPDIR [common-default]\n");
        return 2;
    }
    cli = argv[1];
    datadir = argv[2];
    tmpdir = argv[3];
    if (argc == 5) { /* only --subgroup-tau2 common without --method */
        common_default_case(&bcg, "alloc", ws);
        common_default_case(&mixed, "design", ws);
        mtp_workspace_free(ws);
        printf("%lu CLI runs, %lu checks, %lu failures\n", runs, checks, failures);
        return failures == 0 && checks > 40 ? 0 : 1;
    }
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++)
        for (int method = 0; method < 11; method++)
            for (int measure = 0; measure < 3; measure++) {
                if (sets[s] == &generic && measure > 0)
                    continue; /* --measure is ignored for yi rows */
                for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
                    /* conventions of 2x2 data only matter where there are counts */
                    if (v >= 4 && sets[s] != &zeros && sets[s] != &mixed)
                        continue;
                    one_case(sets[s], method, measure, &variants[v], ws);
                }
            }
    for (int method = 0; method < 11; method++) {
        subgroup_case(&bcg, "alloc", method, MTP_SUBGROUP_SEPARATE, ws);
        subgroup_case(&bcg, "alloc", method, MTP_SUBGROUP_COMMON, ws);
    }
    by_case(ws, "REML", "", 1);
    by_case(ws, "DL", "--test knha", 2);
    by_case(ws, "FE", "", 1);
    by_case(ws, "PM", "", 3);
    mtp_workspace_free(ws);
    printf("%lu CLI runs, %lu checks, %lu failures\n", runs, checks, failures);
    return failures == 0 && checks > 10000 ? 0 : 1;
}
