/* The command's --mods JSON against metafor 3.8.1: every model of
 * tests/data/mods that study rows can give (user weights cannot: the command
 * has no option for them) is rebuilt from the CSV files of
 * tests/cli/data/mods, whose raw moderator columns --mods turns into the
 * model matrix (cases.txt says which file and which --mods give which
 * fixture), and every case of the fixture's expected.txt (each tau² method,
 * z and knha, level 90, btt, permutation tests) is run through the command.
 * Checked against the fixture: the model-matrix column names (the fixture's
 * studies.csv header), and every key the JSON has: coefficients (estimate,
 * se, stat, p, ci_lower, ci_upper), vcov, k, tau2 and its Q-profile CI, Q
 * (QE), Q_df, Q_p, QM, QM_df, QM_df2, QM_p, I2, H2, R2, the studies'
 * weights, and the permutation test; the intercept-only models ("--mods 1")
 * through the top-level keys. A value passes when |cli - metafor| <=
 * max(atol, 1e-6 |metafor|), atol 1e-8 or the fixture line's own (the rule
 * of tests/data/run_case.c); metafor's NA must be null. Keys the JSON does
 * not have (fit statistics, BLUPs, predictions, se(tau²), the I²/H² CIs, the
 * profile-likelihood CI) are counted as not compared.
 * usage: test_mods METAPOOL CLIDATA FIXTURES
 *   CLIDATA: tests/cli/data/mods (cases.txt and the CSV files)
 *   FIXTURES: tests/data/mods
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_process.h"

static char *cli, *clidata, *fixtures;
static unsigned long compared, skipped, failures, runs, cases;
static double worst_rel;
static char worst_where[1400], context[1024];

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

/* ------------------------------------------------------------ comparing */

static double jnum(const json_t *v, int *ok)
{
    *ok = 1;
    if (v == NULL) {
        *ok = 0;
        return NAN;
    }
    if (json_is_null(v))
        return NAN;
    if (json_is_integer(v))
        return (double)json_integer_value(v);
    if (json_is_real(v))
        return json_real_value(v);
    if (json_is_boolean(v))
        return json_is_true(v) ? 1 : 0;
    *ok = 0;
    return NAN;
}

static void check(const char *key, const json_t *v, double ref, double atol)
{
    int ok;
    const double got = jnum(v, &ok);
    compared++;
    if (!ok) {
        failf("%s: missing or not a number in the JSON", key);
        return;
    }
    if (isnan(ref) || isnan(got)) {
        if (!(isnan(ref) && isnan(got)))
            failf("%s = %.17g, metafor %.17g", key, got, ref);
        return;
    }
    {
        const double d = fabs(got - ref), tol = fmax(atol, 1e-6 * fabs(ref));
        if (d > tol)
            failf("%s = %.17g, metafor %.17g (difference %.3g)", key, got, ref, d);
        if (ref != 0 && d / fabs(ref) > worst_rel && fabs(ref) > atol) {
            worst_rel = d / fabs(ref);
            snprintf(worst_where, sizeof worst_where, "%.900s: %.200s = %.17g, metafor %.17g", context, key,
                     got, ref);
        }
    }
}

/* The JSON value of a fixture key, or NULL when the JSON has no such key
 * (then *known is 0). */
static const json_t *lookup(const json_t *o, const char *key, int intercept_only, int *known)
{
    static const struct {
        const char *fixture, *json;
    } flat[] = {{"k", "k"},           {"tau2", "tau2"},     {"tau2_ci_lower", "tau2_ci_lower"},
                {"tau2_ci_upper", "tau2_ci_upper"}, {"qe", "Q"}, {"qe_df", "Q_df"},
                {"qe_p", "Q_p"},      {"qm", "QM"},         {"qm_df", "QM_df"},
                {"qm_df2", "QM_df2"}, {"qm_p", "QM_p"},     {"i2", "I2"},
                {"h2", "H2"},         {"r2", "R2"}};
    static const char *const coef_keys[] = {"estimate", "se", "stat", "p", "ci_lower", "ci_upper"};
    unsigned a, b;
    char rest[64];
    *known = 1;
    for (size_t i = 0; i < sizeof flat / sizeof flat[0]; i++)
        if (strcmp(key, flat[i].fixture) == 0) {
            if (intercept_only && (key[0] == 'q' && key[1] == 'm'))
                break; /* no test of moderators without moderators */
            if (intercept_only && strcmp(key, "r2") == 0)
                break;
            return json_object_get(o, flat[i].json);
        }
    if (sscanf(key, "coef.%u.%63s", &a, rest) == 2) {
        for (size_t i = 0; i < sizeof coef_keys / sizeof coef_keys[0]; i++)
            if (strcmp(rest, coef_keys[i]) == 0)
                return intercept_only ? json_object_get(o, rest)
                                      : json_object_get(json_array_get(json_object_get(o, "coefficients"), a),
                                                        rest);
    }
    if (!intercept_only && sscanf(key, "vcov.%u.%u", &a, &b) == 2)
        return json_array_get(json_array_get(json_object_get(o, "vcov"), a), b);
    if (sscanf(key, "weight.%u", &a) == 1)
        return json_object_get(json_array_get(json_object_get(o, "studies"), a), "weight");
    if (strcmp(key, "perm.iterations") == 0)
        return json_object_get(json_object_get(o, "permutation"), "iterations");
    if (strcmp(key, "perm.exact") == 0)
        return json_object_get(json_object_get(o, "permutation"), "exact");
    if (strcmp(key, "perm.qm_p") == 0)
        return json_object_get(json_object_get(o, "permutation"), "QM_p");
    if (sscanf(key, "perm.%u.%63s", &a, rest) == 2 && strcmp(rest, "p") == 0)
        return json_array_get(json_object_get(json_object_get(o, "permutation"), "p"), a);
    *known = 0;
    return NULL;
}

/* ------------------------------------------------------------ the fixtures */

typedef struct fcase {
    char name[128], method[16], test[16], btt[64];
    double level;
    unsigned long perm;   /* perm.iterations, 0: none */
    size_t n;             /* keys */
    char (*key)[64];
    double *value, *atol;
} fcase;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t n = 0, cap = 0, got;
    if (f == NULL)
        return NULL;
    do {
        if (n + 4096 > cap)
            b = realloc(b, cap = 2 * cap + 8192);
        got = fread(b + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    b[n] = '\0';
    return b;
}

static double number(const char *s)
{
    if (strcmp(s, "nan") == 0)
        return NAN;
    return strtod(s, NULL);
}

/* Run one case through the command and compare. */
static void run_case(const fcase *c, const char *csv, const char *mods, int intercept_only,
                     char names[][128], size_t p, char renames[][2][64], size_t nren)
{
    char level[32], perm[32], path[1024];
    char *argv[32];
    int argc = 0, rc;
    buf out = {0}, err = {0};
    json_t *o;
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/%s", clidata, csv);
    snprintf(level, sizeof level, "%g", c->level * 100);
    argv[argc++] = cli;
    argv[argc++] = "--format";
    argv[argc++] = "json";
    argv[argc++] = "--mods";
    argv[argc++] = (char *)mods;
    argv[argc++] = "--method";
    argv[argc++] = (char *)c->method;
    argv[argc++] = "--test";
    argv[argc++] = (char *)c->test;
    argv[argc++] = "--level";
    argv[argc++] = level;
    if (c->btt[0] != '\0') {
        argv[argc++] = "--btt";
        argv[argc++] = (char *)c->btt;
    }
    if (c->perm > 0) {
        snprintf(perm, sizeof perm, "%lu", c->perm);
        argv[argc++] = "--permutations";
        argv[argc++] = perm;
    }
    argv[argc++] = path;
    argv[argc] = NULL;
    runs++;
    rc = run(argv, ".", NULL, &out, &err);
    if (rc != 0 || err.n > 0) {
        failf("exit %d, stderr: %s", rc, err.p ? err.p : "");
        free(out.p);
        free(err.p);
        return;
    }
    if ((o = json_loads(out.p, 0, &jerr)) == NULL) {
        failf("not JSON: %s", jerr.text);
        free(out.p);
        free(err.p);
        return;
    }
    if (!intercept_only) { /* the model matrix's names */
        const json_t *co = json_object_get(o, "coefficients");
        compared++;
        if (json_array_size(co) != p) {
            failf("%zu coefficients, the fixture's matrix has %zu", json_array_size(co), p);
        } else {
            for (size_t j = 0; j < p; j++) {
                char want[400];
                const char *got = json_string_value(json_object_get(json_array_get(co, j), "name"));
                snprintf(want, sizeof want, "%s", names[j]);
                for (size_t r = 0; r < nren; r++) /* factor(COL)LEVEL -> COLLEVEL */
                    if (strncmp(want, renames[r][0], strlen(renames[r][0])) == 0) {
                        char tail[200];
                        snprintf(tail, sizeof tail, "%s", want + strlen(renames[r][0]));
                        snprintf(want, sizeof want, "%.60s%.200s", renames[r][1], tail);
                    }
                compared++;
                if (got == NULL || strcmp(got, want) != 0)
                    failf("column %zu is named %s, metafor %s", j + 1, got ? got : "(none)", want);
            }
        }
    } else if (json_object_get(o, "coefficients") != NULL) {
        failf("--mods 1 wrote coefficients: it is the intercept-only model");
    }
    for (size_t i = 0; i < c->n; i++) {
        int known;
        const json_t *v = lookup(o, c->key[i], intercept_only, &known);
        if (!known) {
            skipped++;
            continue;
        }
        check(c->key[i], v, c->value[i], c->atol[i]);
    }
    json_decref(o);
    free(out.p);
    free(err.p);
}

/* One line of cases.txt: every case of the fixture directory. */
static void fixture(const char *dir, const char *csv, const char *mods, const char *ren)
{
    char path[1024], names[64][128], renames[8][2][64];
    char *text, *line, *save = NULL, *hdr;
    size_t p = 0, nren = 0;
    const int intercept_only = strcmp(mods, "1") == 0;
    fcase c;
    int in_case = 0;
    { /* renames "old>new old>new" */
        char tmp[256], *tok, *s2 = NULL;
        snprintf(tmp, sizeof tmp, "%s", ren);
        for (tok = strtok_r(tmp, " ", &s2); tok != NULL && nren < 8; tok = strtok_r(NULL, " ", &s2)) {
            char *gt = strchr(tok, '>');
            if (gt == NULL)
                continue;
            *gt = '\0';
            snprintf(renames[nren][0], sizeof renames[nren][0], "%s", tok);
            snprintf(renames[nren][1], sizeof renames[nren][1], "%s", gt + 1);
            nren++;
        }
    }
    /* the model matrix's names: studies.csv's header after yi,vi */
    snprintf(path, sizeof path, "%s/%s/studies.csv", fixtures, dir);
    if ((text = slurp(path)) == NULL) {
        snprintf(context, sizeof context, "%s", dir);
        failf("cannot read %s", path);
        return;
    }
    hdr = strtok_r(text, "\n", &save);
    {
        char *s2 = NULL, *tok = strtok_r(hdr, ",", &s2);
        for (int col = 0; tok != NULL && p < 64; tok = strtok_r(NULL, ",", &s2), col++)
            if (col >= 2)
                snprintf(names[p++], sizeof names[0], "%s", tok);
    }
    free(text);
    snprintf(path, sizeof path, "%s/%s/expected.txt", fixtures, dir);
    if ((text = slurp(path)) == NULL) {
        snprintf(context, sizeof context, "%s", dir);
        failf("cannot read %s", path);
        return;
    }
    memset(&c, 0, sizeof c);
    c.key = malloc(4096 * sizeof *c.key);
    c.value = malloc(4096 * sizeof *c.value);
    c.atol = malloc(4096 * sizeof *c.atol);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "case ", 5) == 0) {
            char *s2 = NULL, *tok;
            char copy[512];
            snprintf(copy, sizeof copy, "%s", line + 5);
            memset(c.name, 0, sizeof c.name);
            c.btt[0] = '\0';
            c.level = 0.95;
            c.perm = 0;
            c.n = 0;
            tok = strtok_r(copy, " ", &s2);
            snprintf(c.name, sizeof c.name, "%s", tok);
            while ((tok = strtok_r(NULL, " ", &s2)) != NULL) {
                if (strncmp(tok, "method=", 7) == 0)
                    snprintf(c.method, sizeof c.method, "%s", tok + 7);
                else if (strncmp(tok, "test=", 5) == 0)
                    snprintf(c.test, sizeof c.test, "%s", tok + 5);
                else if (strncmp(tok, "level=", 6) == 0)
                    c.level = strtod(tok + 6, NULL);
                else if (strncmp(tok, "btt=", 4) == 0)
                    snprintf(c.btt, sizeof c.btt, "%s", tok + 4);
            }
            in_case = 1;
            continue;
        }
        if (strcmp(line, "end") == 0) {
            if (in_case) {
                snprintf(context, sizeof context, "%s %s: --mods '%s' %s", dir, c.name, mods, csv);
                cases++;
                run_case(&c, csv, mods, intercept_only, names, p, renames, nren);
            }
            in_case = 0;
            continue;
        }
        if (in_case && c.n < 4096) {
            char k[64], v[64], a[64];
            const int n = sscanf(line, "%63s %63s %63s", k, v, a);
            if (n < 2)
                continue;
            snprintf(c.key[c.n], sizeof c.key[0], "%s", k);
            c.value[c.n] = number(v);
            c.atol[c.n] = n == 3 ? strtod(a, NULL) : 1e-8;
            if (strcmp(k, "perm.iterations") == 0)
                c.perm = strtoul(v, NULL, 10);
            c.n++;
        }
    }
    free(c.key);
    free(c.value);
    free(c.atol);
    free(text);
}

int main(int argc, char **argv)
{
    char path[1024], *text, *line, *save = NULL;
    unsigned long lines = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: test_mods METAPOOL CLIDATA FIXTURES\n");
        return 2;
    }
    cli = argv[1];
    clidata = argv[2];
    fixtures = argv[3];
    snprintf(path, sizeof path, "%s/cases.txt", clidata);
    if ((text = slurp(path)) == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return 2;
    }
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *f[4] = {NULL, NULL, NULL, ""}, *p = line;
        int n = 0;
        if (line[0] == '#')
            continue;
        while (n < 4 && p != NULL) {
            char *bar = strchr(p, '|');
            f[n++] = p;
            if (bar != NULL)
                *bar = '\0';
            p = bar != NULL ? bar + 1 : NULL;
        }
        if (n < 3)
            continue;
        lines++;
        fixture(f[0], f[1], f[2], n == 4 ? f[3] : "");
    }
    free(text);
    printf("%lu fixture lines, %lu cases, %lu CLI runs: %lu values compared with metafor, %lu keys "
           "the JSON does not have; worst relative difference %.3g (%s); %lu failures\n",
           lines, cases, runs, compared, skipped, worst_rel, worst_where, failures);
    return failures == 0 && cases > 400 && compared > 20000 ? 0 : 1;
}
