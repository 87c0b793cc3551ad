/* Compare the library with reference values, case by case.
 *
 * Usage: run_case DIR...
 * Each DIR/studies.csv holds the input (header "ai,n1i,ci,n2i" for 2x2
 * tables or "yi,vi" for generic effects, one study a line); DIR/expected.txt
 * holds the cases, each
 *     case NAME key=value ... [xfail REASON...]
 *     <key> <value> [<atol>]
 *     ...
 *     end
 * with '#' comments. A key is an mtp_result field, or yi.<i>, vi.<i>,
 * weight.<i> (per study, 0-based); "exp.<key>" compares exp(our value), for
 * ratios published on their own scale. Options: measure method test pi cc
 * cc_when double_zero level mh_rd_var tau2_fixed mh_correct q_centre i2_def
 * rtol atol (see tests/data/README.md). A value passes when |ours - ref| <=
 * max(atol, rtol |ref|) (defaults 1e-6 and 1e-8), or <= the line's own atol
 * when it gives one (published values, to their printed digits); "nan"
 * requires NaN. An xfail case must fail: if it passes, that is reported and
 * counted as a failure. Exit status 0 only when every non-xfail value matched
 * and no xfail case passed. Test code: the reader is deliberately simple
 * (lines < 1024 chars).
 */
#include <metapool.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE 1024

typedef struct {
    int is_2x2;
    size_t k;
    mtp_table2x2 *tables;
    mtp_effect *effects;
} studies;

typedef struct {
    char name[128];
    mtp_options opts;
    double rtol, atol;
    int xfail;
    char reason[LINE];
} case_spec;

static unsigned checks_passed, checks_failed, cases_failed, cases_xfail, cases_xpass;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "run_case: %s: %s\n", what, detail);
    exit(2);
}

static void chomp(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

static double number(const char *s, const char *context)
{
    char *end;
    double x;
    if (strcmp(s, "nan") == 0)
        return NAN;
    x = strtod(s, &end);
    if (end == s || *end != '\0')
        die("not a number", context);
    return x;
}

/* ---- studies.csv ------------------------------------------------------- */
static studies read_studies(const char *path)
{
    studies s = {0, 0, NULL, NULL};
    char line[LINE];
    size_t cap = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("cannot open", path);
    if (fgets(line, sizeof line, f) == NULL)
        die("empty file", path);
    chomp(line);
    if (strcmp(line, "ai,n1i,ci,n2i") == 0)
        s.is_2x2 = 1;
    else if (strcmp(line, "yi,vi") != 0)
        die("unknown header", line);
    while (fgets(line, sizeof line, f) != NULL) {
        double x[4];
        int n = 0;
        chomp(line);
        for (char *tok = strtok(line, ","); tok != NULL && n < 4; tok = strtok(NULL, ","))
            x[n++] = number(tok, path);
        if (n != (s.is_2x2 ? 4 : 2))
            die("bad row in", path);
        if (s.k == cap) {
            cap = cap ? 2 * cap : 64;
            s.tables = realloc(s.tables, cap * sizeof *s.tables);
            s.effects = realloc(s.effects, cap * sizeof *s.effects);
            if (s.tables == NULL || s.effects == NULL)
                die("out of memory", path);
        }
        if (s.is_2x2)
            s.tables[s.k] = (mtp_table2x2){x[0], x[1], x[2], x[3]};
        else
            s.effects[s.k] = (mtp_effect){x[0], x[1]};
        s.k++;
    }
    fclose(f);
    if (s.k == 0)
        die("no studies in", path);
    return s;
}

/* ---- the case line ------------------------------------------------------ */
static int lookup(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (names[i] != NULL && strcmp(value, names[i]) == 0)
            return i;
    die("unknown option value", value);
    return -1;
}

static void set_option(case_spec *c, const char *key, const char *val)
{
    static const char *const measures[] = {"RR", "OR", "RD", "PETO", "GEN"};
    static const char *const methods[] = {"FE", "MH", "PETO", "DL", "HE", "HS",
                                          "SJ", "ML", "REML", "PM", "EB"};
    static const char *const tests[] = {"z", "knha"};
    static const char *const pis[] = {"t_k2", "t_k1", "normal"};
    static const char *const ccw[] = {"zero", "all", "never"};
    static const char *const dzs[] = {"auto", "drop", "keep"};
    static const char *const rdv[] = {"sato", "gr"};
    static const char *const qc[] = {"iv", "mh"};
    static const char *const i2[] = {"auto", "q"};
    mtp_options *o = &c->opts;
    if (strcmp(key, "measure") == 0)
        o->measure = (mtp_measure)lookup(val, measures, 5);
    else if (strcmp(key, "method") == 0)
        o->method = (mtp_method)lookup(val, methods, 11);
    else if (strcmp(key, "test") == 0)
        o->test = (mtp_test)lookup(val, tests, 2);
    else if (strcmp(key, "pi") == 0)
        o->pi = (mtp_pi)lookup(val, pis, 3);
    else if (strcmp(key, "cc") == 0)
        o->cc = number(val, key);
    else if (strcmp(key, "cc_when") == 0)
        o->cc_when = (mtp_cc_rule)lookup(val, ccw, 3);
    else if (strcmp(key, "double_zero") == 0)
        o->double_zero = (mtp_double_zero)lookup(val, dzs, 3);
    else if (strcmp(key, "level") == 0)
        o->level = number(val, key);
    else if (strcmp(key, "mh_rd_var") == 0)
        o->mh_rd_var = (mtp_mh_rd_var)lookup(val, rdv, 2);
    else if (strcmp(key, "q_centre") == 0)
        o->q_centre = (mtp_q_centre)lookup(val, qc, 2);
    else if (strcmp(key, "i2_def") == 0)
        o->i2_def = (mtp_i2_def)lookup(val, i2, 2);
    else if (strcmp(key, "mh_correct") == 0)
        o->mh_correct = (int)number(val, key);
    else if (strcmp(key, "tau2_fixed") == 0)
        o->tau2_fixed = number(val, key);
    else if (strcmp(key, "rtol") == 0)
        c->rtol = number(val, key);
    else if (strcmp(key, "atol") == 0)
        c->atol = number(val, key);
    else
        die("unknown option", key);
}

/* "case NAME k=v ... [xfail reason]" */
static case_spec parse_case(char *line)
{
    case_spec c;
    char *tok, *xf = strstr(line, " xfail ");
    memset(&c, 0, sizeof c);
    mtp_options_init(&c.opts, MTP_OPTIONS_VERSION);
    c.rtol = 1e-6;
    c.atol = 1e-8;
    if (xf != NULL) {
        c.xfail = 1;
        snprintf(c.reason, sizeof c.reason, "%s", xf + 7);
        *xf = '\0';
    }
    strtok(line, " "); /* "case" */
    tok = strtok(NULL, " ");
    if (tok == NULL)
        die("case without a name", line);
    snprintf(c.name, sizeof c.name, "%s", tok);
    while ((tok = strtok(NULL, " ")) != NULL) {
        char *eq = strchr(tok, '=');
        if (eq == NULL)
            die("option is not key=value", tok);
        *eq = '\0';
        set_option(&c, tok, eq + 1);
    }
    return c;
}

/* ---- values ------------------------------------------------------------ */
#define FIELD(f) {#f, offsetof(mtp_result, f)}
static const struct {
    const char *name;
    size_t offset;
} fields[] = {FIELD(estimate), FIELD(se), FIELD(stat), FIELD(df), FIELD(p),
              FIELD(ci_lower), FIELD(ci_upper), FIELD(pi_lower), FIELD(pi_upper),
              FIELD(pi_df), FIELD(tau2), FIELD(tau), FIELD(tau2_ci_lower),
              FIELD(tau2_ci_upper), FIELD(q), FIELD(q_df), FIELD(q_p), FIELD(i2),
              FIELD(i2_ci_lower), FIELD(i2_ci_upper), FIELD(h2), FIELD(h2_ci_lower),
              FIELD(h2_ci_upper), FIELD(vtypical)};

/* Our value of a key; returns 0 for an unknown key. */
static int ours(const char *key, const mtp_result *r, const mtp_study *st, double *out)
{
    char *end;
    size_t i;
    if (strcmp(key, "k") == 0) {
        *out = (double)r->k;
        return 1;
    }
    if (strcmp(key, "k_used") == 0) {
        *out = (double)r->k_used;
        return 1;
    }
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcmp(key, fields[i].name) == 0) {
            memcpy(out, (const char *)r + fields[i].offset, sizeof *out);
            return 1;
        }
    {
        const char *dot = strchr(key, '.');
        if (dot == NULL)
            return 0;
        i = (size_t)strtoul(dot + 1, &end, 10);
        if (*end != '\0' || i >= r->k)
            return 0;
        if (strncmp(key, "yi.", 3) == 0)
            *out = st[i].yi;
        else if (strncmp(key, "vi.", 3) == 0)
            *out = st[i].vi;
        else if (strncmp(key, "weight.", 7) == 0)
            *out = st[i].weight;
        else
            return 0;
    }
    return 1;
}

/* line_atol < 0: the case's tolerance */
static int matches(double mine, double ref, double line_atol, const case_spec *c)
{
    if (isnan(ref))
        return isnan(mine);
    if (!isfinite(mine))
        return 0;
    if (line_atol >= 0)
        return fabs(mine - ref) <= line_atol;
    return fabs(mine - ref) <= fmax(c->atol, c->rtol * fabs(ref));
}

/* Fit one case and compare the key lines up to "end"; returns mismatches. */
static unsigned run_one(const case_spec *c, const studies *s, mtp_workspace *w, FILE *f,
                        const char *dir)
{
    char line[LINE];
    mtp_result r;
    mtp_error err;
    unsigned bad = 0, good = 0;
    const char *tag = c->xfail ? "xfail-mismatch" : "MISMATCH";
    int rc;
    if (s->is_2x2 == (c->opts.measure == MTP_MEASURE_GENERIC))
        die("measure does not match studies.csv in case", c->name);
    rc = s->is_2x2 ? mtp_pool_2x2(&r, w, s->tables, s->k, &c->opts, &err)
                   : mtp_pool_effects(&r, w, s->effects, s->k, &c->opts, &err);
    if (rc != MTP_OK)
        printf("%s %s/%s: fit failed (%d, %s)\n", tag, dir, c->name, rc, err.message);
    while (fgets(line, sizeof line, f) != NULL) {
        char key[64], val[64], tol[64];
        double ref, line_atol = -1, mine = NAN;
        int n, is_exp;
        chomp(line);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strcmp(line, "end") == 0)
            break;
        n = sscanf(line, "%63s %63s %63s", key, val, tol);
        if (n < 2)
            die("bad value line", line);
        ref = number(val, line);
        if (n == 3)
            line_atol = number(tol, line);
        if (rc != MTP_OK) {
            bad++;
            continue;
        }
        is_exp = strncmp(key, "exp.", 4) == 0;
        if (!ours(key + (is_exp ? 4 : 0), &r, mtp_workspace_studies(w), &mine)) {
            printf("%s %s/%s: unknown key %s\n", tag, dir, c->name, key);
            bad++;
            continue;
        }
        if (is_exp)
            mine = exp(mine);
        if (matches(mine, ref, line_atol, c)) {
            good++;
        } else {
            printf("%s %s/%s %s: ours %.17g ref %.17g (rel %.3g)\n", tag, dir, c->name, key, mine,
                   ref, fabs(mine - ref) / fabs(ref));
            bad++;
        }
    }
    if (c->xfail) {
        if (bad == 0) {
            printf("UNEXPECTED PASS %s/%s (xfail %s)\n", dir, c->name, c->reason);
            cases_xpass++;
            checks_failed++;
        } else {
            cases_xfail++;
        }
        checks_passed += good;
    } else {
        checks_passed += good;
        checks_failed += bad;
        cases_failed += bad > 0;
    }
    return bad;
}

/* Run every case of one directory; returns the number of cases. */
static unsigned run_dir(const char *dir)
{
    char path[4096], line[LINE];
    studies s;
    mtp_workspace *w;
    unsigned ncases = 0;
    FILE *f;
    snprintf(path, sizeof path, "%s/studies.csv", dir);
    s = read_studies(path);
    w = mtp_workspace_alloc(s.k, 1);
    if (w == NULL)
        die("cannot allocate a workspace", dir);
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    if ((f = fopen(path, "r")) == NULL)
        die("cannot open", path);
    while (fgets(line, sizeof line, f) != NULL) {
        chomp(line);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (strncmp(line, "case ", 5) != 0)
            die("expected a case line", line);
        {
            case_spec c = parse_case(line);
            run_one(&c, &s, w, f, dir);
            ncases++;
        }
    }
    fclose(f);
    mtp_workspace_free(w);
    free(s.tables);
    free(s.effects);
    return ncases;
}

int main(int argc, char **argv)
{
    unsigned ncases = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: run_case DIR... (each with studies.csv and expected.txt)\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        ncases += run_dir(argv[i]);
    printf("%u cases: %u failed, %u expected failures, %u unexpected passes\n", ncases,
           cases_failed, cases_xfail, cases_xpass);
    printf("%u passed, %u failed\n", checks_passed, checks_failed);
    return ncases > 0 && checks_failed == 0 ? 0 : 1;
}
