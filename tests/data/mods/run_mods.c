/* Compare mtp_fit() (meta-regression) with metafor 3.8.1, case by case.
 *
 * Usage: run_mods DIR...
 * DIR/studies.csv: header "yi,vi[,weights],<model-matrix columns>", one
 * study a line; DIR/newmods.csv (optional): rows of new moderator values
 * for the pred.<n>.* keys; DIR/expected.txt: cases
 *     case NAME method=M test=z|knha level=x [btt=1-based list] [rtol=x] [atol=x]
 *     <key> <value> [<atol>]
 *     ...
 *     end
 * Keys and where metafor takes them from: README.md beside this file. A
 * value passes when |ours - ref| <= max(atol, rtol |ref|) (defaults 1e-6
 * and 1e-8), or <= the line's own atol when it gives one (a value that
 * metafor leaves at its iteration's noise, explained in the file); "nan"
 * requires NaN. An unknown key is an error, so no value of
 * a fixture goes unchecked. Ends with "N passed, M failed". */
#include <metapool.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE 4096
#define MAXK 2048
#define MAXP 32

typedef struct {
    size_t k, p, m;
    int has_weights;
    double yi[MAXK], vi[MAXK], w[MAXK], x[MAXK * MAXP], xnew[64 * MAXP];
} dataset;

typedef struct {
    char name[128];
    mtp_model_options o;
    size_t btt[MAXP];
    double rtol, atol;
} case_spec;

/* everything a fit gives, for the key lookup */
typedef struct {
    mtp_summary s;
    mtp_coef coef[MAXP];
    double vcov[MAXP * MAXP];
    double weight[MAXK], fitted[MAXK], resid[MAXK], hat[MAXK];
    double blup[MAXK], blup_se[MAXK], blup_lo[MAXK], blup_hi[MAXK];
    double ranef[MAXK], ranef_se[MAXK], ranef_lo[MAXK], ranef_hi[MAXK];
    mtp_prediction pred[64];
    mtp_permutation perm;
    double perm_p[MAXP];
    int have_perm;
} fit_values;

static unsigned passed, failed;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "run_mods: %s: %s\n", what, detail);
    exit(2);
}

static double number(const char *s, const char *context)
{
    char *end;
    double x;
    if (strcmp(s, "nan") == 0 || strcmp(s, "NA") == 0)
        return NAN;
    x = strtod(s, &end);
    if (end == s || (*end != '\0' && *end != '\n' && *end != '\r'))
        die("not a number", context);
    return x;
}

/* Split a CSV line (no quotes) in place; returns the field count. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        fields[n++] = p;
        p = strchr(p, ',');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    return n;
}

static size_t read_matrix(const char *path, double *x, size_t maxrows, size_t skip, size_t *cols,
                          dataset *d)
{
    char line[LINE], *f[MAXP + 3];
    size_t rows = 0, nf;
    FILE *in = fopen(path, "r");
    if (in == NULL)
        return 0;
    if (fgets(line, sizeof line, in) == NULL)
        die("empty file", path);
    nf = split(line, f, MAXP + 3);
    if (d != NULL) {
        d->has_weights = nf > 2 && strcmp(f[2], "weights") == 0;
        skip = d->has_weights ? 3 : 2;
    }
    *cols = nf - skip;
    while (fgets(line, sizeof line, in) != NULL) {
        if (rows == maxrows)
            die("too many rows", path);
        if (split(line, f, MAXP + 3) != nf)
            die("ragged row", path);
        if (d != NULL) {
            d->yi[rows] = number(f[0], path);
            d->vi[rows] = number(f[1], path);
            d->w[rows] = d->has_weights ? number(f[2], path) : NAN;
        }
        for (size_t j = 0; j < *cols; j++)
            x[rows * *cols + j] = number(f[skip + j], path);
        rows++;
    }
    fclose(in);
    return rows;
}

static void parse_case(case_spec *c, char *line)
{
    char *tok = strtok(line + 5, " \t\r\n");
    static const mtp_model_options init = MTP_MODEL_OPTIONS_INIT;
    memset(c, 0, sizeof *c);
    c->o = init;
    c->rtol = 1e-6;
    c->atol = 1e-8;
    snprintf(c->name, sizeof c->name, "%s", tok != NULL ? tok : "?");
    while ((tok = strtok(NULL, " \t\r\n")) != NULL) {
        char *eq = strchr(tok, '=');
        if (eq == NULL)
            die("bad option", tok);
        *eq++ = '\0';
        if (strcmp(tok, "method") == 0) {
            if (mtp_tau2_parse(&c->o.tau2, eq) != MTP_OK)
                die("unknown method", eq);
        } else if (strcmp(tok, "test") == 0) {
            if (mtp_test_parse(&c->o.test, eq) != MTP_OK)
                die("unknown test", eq);
        } else if (strcmp(tok, "level") == 0) {
            c->o.level = number(eq, tok);
        } else if (strcmp(tok, "rtol") == 0) {
            c->rtol = number(eq, tok);
        } else if (strcmp(tok, "atol") == 0) {
            c->atol = number(eq, tok);
        } else if (strcmp(tok, "btt") == 0) {
            for (char *p = strtok(eq, ","); p != NULL && c->o.nbtt < MAXP; p = strtok(NULL, ","))
                c->btt[c->o.nbtt++] = (size_t)(atoi(p) - 1);
            c->o.btt = c->btt;
            /* strtok state was reset: the btt list must be the last option */
            break;
        } else {
            die("unknown option", tok);
        }
    }
}

static int study_key(const char *key, const char *name, size_t *i, const char **rest)
{
    const size_t n = strlen(name);
    char *end;
    if (strncmp(key, name, n) != 0 || key[n] != '.')
        return 0;
    *i = strtoul(key + n + 1, &end, 10);
    *rest = *end == '.' ? end + 1 : end;
    return 1;
}

/* Our value of a key; 0 if the key is unknown. */
static int ours(const char *key, const fit_values *f, size_t k, size_t p, double *out)
{
    static const struct { const char *name; size_t off; } fields[] = {
#define F(n, m) {n, offsetof(mtp_summary, m)}
        F("tau2", tau2), F("tau2_se", tau2_se), F("tau2_ci_lower", tau2_ci_lower),
        F("tau2_ci_upper", tau2_ci_upper), F("tau2_pl_lower", tau2_pl_lower),
        F("tau2_pl_upper", tau2_pl_upper), F("i2_ci_lower", i2_ci_lower),
        F("i2_ci_upper", i2_ci_upper), F("h2_ci_lower", h2_ci_lower), F("h2_ci_upper", h2_ci_upper),
        F("qe", qe), F("qe_df", qe_df), F("qe_p", qe_p), F("qm", qm), F("qm_df", qm_df),
        F("qm_df2", qm_df2), F("qm_p", qm_p), F("i2", i2), F("h2", h2), F("r2", r2),
        F("loglik", loglik), F("deviance", deviance), F("aic", aic), F("bic", bic),
        F("aicc", aicc),
#undef F
    };
    size_t i, j;
    const char *rest;
    for (size_t n = 0; n < sizeof fields / sizeof fields[0]; n++)
        if (strcmp(key, fields[n].name) == 0) {
            *out = *(const double *)((const char *)&f->s + fields[n].off);
            return 1;
        }
    if (strcmp(key, "k") == 0) {
        *out = (double)f->s.k_used;
        return 1;
    }
    if (strcmp(key, "p") == 0) {
        *out = (double)f->s.p;
        return 1;
    }
    if (study_key(key, "coef", &j, &rest) && j < p) {
        const mtp_coef *c = &f->coef[j];
        const double v[] = {c->estimate, c->se, c->stat, c->df, c->p, c->ci_lower, c->ci_upper};
        static const char *const names[] = {"estimate", "se", "stat", "df", "p", "ci_lower", "ci_upper"};
        for (size_t n = 0; n < 7; n++)
            if (strcmp(rest, names[n]) == 0) {
                *out = v[n];
                return 1;
            }
        return 0;
    }
    if (study_key(key, "vcov", &i, &rest) && i < p) {
        j = strtoul(rest, NULL, 10);
        if (j >= p)
            return 0;
        *out = f->vcov[i * p + j];
        return 1;
    }
    {
        static const struct { const char *name; size_t off; } arrays[] = {
#define A(n, m) {n, offsetof(fit_values, m)}
            A("fitted", fitted), A("resid", resid), A("hat", hat), A("weight", weight),
#undef A
        };
        for (size_t n = 0; n < sizeof arrays / sizeof arrays[0]; n++)
            if (study_key(key, arrays[n].name, &i, &rest) && i < k && *rest == '\0') {
                *out = ((const double *)((const char *)f + arrays[n].off))[i];
                return 1;
            }
    }
    if ((study_key(key, "blup", &i, &rest) || study_key(key, "ranef", &i, &rest)) && i < k) {
        const int b = key[0] == 'b';
        if (strcmp(rest, "pred") == 0)
            *out = b ? f->blup[i] : f->ranef[i];
        else if (strcmp(rest, "se") == 0)
            *out = b ? f->blup_se[i] : f->ranef_se[i];
        else if (strcmp(rest, "pi_lower") == 0)
            *out = b ? f->blup_lo[i] : f->ranef_lo[i];
        else if (strcmp(rest, "pi_upper") == 0)
            *out = b ? f->blup_hi[i] : f->ranef_hi[i];
        else
            return 0;
        return 1;
    }
    if (study_key(key, "pred", &i, &rest) && i < 64) {
        const mtp_prediction *q = &f->pred[i];
        if (strcmp(rest, "pred") == 0) *out = q->pred;
        else if (strcmp(rest, "se") == 0) *out = q->se;
        else if (strcmp(rest, "ci_lower") == 0) *out = q->ci_lower;
        else if (strcmp(rest, "ci_upper") == 0) *out = q->ci_upper;
        else if (strcmp(rest, "pi_lower") == 0) *out = q->pi_lower;
        else if (strcmp(rest, "pi_upper") == 0) *out = q->pi_upper;
        else return 0;
        return 1;
    }
    if (strncmp(key, "perm.", 5) == 0 && f->have_perm) {
        if (strcmp(key, "perm.iterations") == 0)
            *out = (double)f->perm.iterations;
        else if (strcmp(key, "perm.exact") == 0)
            *out = f->perm.exact;
        else if (strcmp(key, "perm.qm_p") == 0)
            *out = f->perm.qm_p;
        else if (study_key(key, "perm", &j, &rest) && j < p && strcmp(rest, "p") == 0)
            *out = f->perm_p[j];
        else
            return 0;
        return 1;
    }
    return 0;
}

static fit_values values; /* large: static */

static void fit_case(const case_spec *c, const dataset *d, mtp_workspace *w, int want_perm)
{
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_data data = {MTP_MEASURE_GENERIC, d->k, d->yi, d->vi, d->x, d->p, NULL,
                     d->has_weights ? d->w : NULL};
    mtp_error err;
    mtp_model_options o = c->o;
    out.summary = &values.s;
    out.coef = values.coef;
    out.vcov = values.vcov;
    out.weight = values.weight;
    out.fitted = values.fitted;
    out.resid = values.resid;
    out.hat = values.hat;
    out.blup = values.blup;
    out.blup_se = values.blup_se;
    out.blup_lower = values.blup_lo;
    out.blup_upper = values.blup_hi;
    out.ranef = values.ranef;
    out.ranef_se = values.ranef_se;
    out.ranef_lower = values.ranef_lo;
    out.ranef_upper = values.ranef_hi;
    o.flags |= MTP_FIT_TAU2_PL | MTP_FIT_CENTRE_Y; /* metafor's conventions */
    /* metafor's predict(): normal PI under z, t(k - p) under knha */
    o.pi = o.test == MTP_TEST_KNHA ? MTP_PI_T_K1 : MTP_PI_NORMAL;
    if (mtp_fit(&out, w, &data, &o, &err) != MTP_OK) {
        fprintf(stderr, "run_mods: case %s: mtp_fit failed: %s\n", c->name, err.message);
        exit(1);
    }
    if (d->m > 0 && mtp_predict(values.pred, &values.s, values.coef, values.vcov, d->xnew, d->m,
                                &o, &err) != MTP_OK) {
        fprintf(stderr, "run_mods: case %s: mtp_predict failed: %s\n", c->name, err.message);
        exit(1);
    }
    values.have_perm = 0;
    if (want_perm) {
        if (mtp_permutest(&values.perm, values.perm_p, w, &data, &o, 1000000, 1, &err) != MTP_OK) {
            fprintf(stderr, "run_mods: case %s: mtp_permutest failed: %s\n", c->name, err.message);
            exit(1);
        }
        values.have_perm = 1;
    }
}

static int matches(double mine, double ref, const case_spec *c)
{
    if (isnan(ref))
        return isnan(mine);
    if (isinf(ref))
        return mine == ref;
    return fabs(mine - ref) <= fmax(c->atol, c->rtol * fabs(ref));
}

static void run_dir(const char *dir)
{
    static dataset d;
    char path[1024], line[LINE];
    size_t cols, ncols;
    FILE *f;
    mtp_workspace *w;
    case_spec c;
    int in_case = 0, perm_done = 0;

    snprintf(path, sizeof path, "%s/studies.csv", dir);
    d.k = read_matrix(path, d.x, MAXK, 2, &d.p, &d);
    if (d.k == 0)
        die("no studies", path);
    snprintf(path, sizeof path, "%s/newmods.csv", dir);
    d.m = read_matrix(path, d.xnew, 64, 0, &ncols, NULL);
    if (d.m > 0 && ncols != d.p)
        die("newmods.csv columns differ from studies.csv", path);
    w = mtp_workspace_alloc(d.k, d.p);
    if (w == NULL)
        die("out of memory", dir);
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    if ((f = fopen(path, "r")) == NULL)
        die("cannot open", path);
    while (fgets(line, sizeof line, f) != NULL) {
        char key[256], val[256], tol[64];
        double mine, ref;
        int nf;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (strncmp(line, "case ", 5) == 0) {
            parse_case(&c, line);
            in_case = 1;
            perm_done = 0;
            fit_case(&c, &d, w, strstr(dir, "_perm") != NULL);
            perm_done = 1;
            continue;
        }
        if (strncmp(line, "end", 3) == 0) {
            in_case = 0;
            continue;
        }
        if (!in_case || (nf = sscanf(line, "%255s %255s %63s", key, val, tol)) < 2)
            die("bad line", line);
        ref = number(val, key);
        if (!ours(key, &values, d.k, d.p, &mine)) {
            fprintf(stderr, "run_mods: %s case %s: unknown key %s\n", dir, c.name, key);
            exit(2);
        }
        if (nf == 3 ? fabs(mine - ref) <= number(tol, key) : matches(mine, ref, &c)) {
            passed++;
        } else {
            failed++;
            printf("MISMATCH %s %s %s: ours %.17g, metafor %.17g (rel %.2g)\n", dir, c.name, key,
                   mine, ref, fabs(mine - ref) / fmax(fabs(ref), 1e-300));
        }
    }
    (void)cols;
    (void)perm_done;
    fclose(f);
    mtp_workspace_free(w);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage", "run_mods DIR...");
    for (int i = 1; i < argc; i++)
        run_dir(argv[i]);
    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
