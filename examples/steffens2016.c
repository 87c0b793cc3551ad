/* Reproduce a published meta-analysis: Steffens D, Maher CG, et al.
 * Prevention of low back pain: a systematic review and meta-analysis.
 * JAMA Intern Med 2016;176(2):199-208.
 *
 * Reads every study row of the review (examples/steffens2016.csv: counts
 * where the paper gives them, the printed RR and 95% CI where it does not),
 * pools each comparison the way the paper did (random effects with one
 * DerSimonian-Laird tau² common to all comparisons), sets the results beside
 * the published ones, then states the absolute effects of exercise the way
 * GRADE summary-of-findings tables do. docs/steffens2016.md explains it.
 *
 * Usage: steffens2016 [--models] [file.csv]
 *   --models: instead, each comparison under three models side by side
 *   (common tau², a separate tau² per comparison, fixed effect): how the
 *   paper's model was found.
 * It also writes the forest plot of every comparison (the paper's Figures 2
 * and 3 in one SVG) to STEFFENS_FOREST, a file in the build folder.
 * This example is CC0: copy it freely. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metapool.h"

#ifndef STEFFENS_CSV
#define STEFFENS_CSV "examples/steffens2016.csv"
#endif
#ifndef STEFFENS_FOREST
#define STEFFENS_FOREST "steffens2016_forest.svg"
#endif

enum { MAX_ROWS = 64, MAX_GROUPS = 32, MAX_FIELDS = 16 };

/* Pooled results as printed (Table 2, Figures 2 and 3); I² NaN where not printed. */
static const struct {
    const char *analysis;
    double rr, lower, upper, i2;
} published[] = {
    {"Exercise alone / LBP episode / short term", 0.65, 0.50, 0.86, 67.9},
    {"Exercise alone / LBP episode / long term", 1.04, 0.73, 1.49, 0},
    {"Exercise alone / Sick leave / long term", 0.22, 0.06, 0.76, 11.7},
    {"Exercise and education / LBP episode / short term", 0.55, 0.41, 0.74, 0},
    {"Exercise and education / LBP episode / long term", 0.73, 0.55, 0.96, 0},
    {"Exercise and education / Sick leave / short term", 0.74, 0.44, 1.26, 0},
    {"Exercise and education / Sick leave / long term", 0.72, 0.48, 1.08, 0},
    {"Education alone / LBP episode / short term", 1.03, 0.83, 1.27, NAN},
    {"Education alone / LBP episode / long term", 0.86, 0.72, 1.04, NAN},
    {"Education alone / Sick leave / short term", 0.87, 0.47, 1.60, 22.5},
    {"Back belts / LBP episode / short term", 1.01, 0.71, 1.44, 40.6},
    {"Back belts / LBP episode / long term", 0.85, 0.64, 1.14, NAN},
    {"Back belts / Sick leave / short term", 1.44, 0.73, 2.86, NAN},
    {"Shoe insoles / LBP episode / short term", 1.01, 0.74, 1.40, 0},
    {"Ergonomics / Sick leave / short term", 0.95, 0.51, 1.76, NAN},
};

typedef struct {
    char analysis[80];
    char label[64];           /* "Study, year" */
    int has_counts;
    mtp_table2x2 counts;      /* when has_counts */
    double est, lower, upper; /* otherwise: printed RR and 95% CI */
} study_row;

/* ---- a tiny CSV reader: no quoting, which this file does not need ---- */
static size_t split(char *line, char **field)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < MAX_FIELDS; p++) {
        field[n++] = p;
        if ((p = strchr(p, ',')) == NULL)
            break;
        *p = '\0';
    }
    return n;
}

static int column(char **names, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], want) == 0)
            return (int)i;
    return -1;
}

/* Reads the rows; returns their number, or -1 with a message. */
static int read_rows(const char *path, study_row *rows)
{
    static const char *const want[] = {"analysis", "ai", "n1i", "ci", "n2i", "est", "lower", "upper",
                                       "study", "year"};
    char line[512], *f[MAX_FIELDS];
    int col[10], n = 0;
    size_t nf;
    FILE *in = fopen(path, "r");
    if (in == NULL || fgets(line, sizeof line, in) == NULL) {
        fprintf(stderr, "steffens2016: cannot read %s\n", path);
        if (in != NULL)
            fclose(in);
        return -1;
    }
    nf = split(line, f);
    for (int j = 0; j < 10; j++)
        if ((col[j] = column(f, nf, want[j])) < 0) {
            fprintf(stderr, "steffens2016: %s has no column \"%s\"\n", path, want[j]);
            fclose(in);
            return -1;
        }
    while (n < MAX_ROWS && fgets(line, sizeof line, in) != NULL) {
        study_row *r = &rows[n];
        if (split(line, f) != nf)
            continue; /* blank or malformed line */
        snprintf(r->analysis, sizeof r->analysis, "%s", f[col[0]]);
        snprintf(r->label, sizeof r->label, "%s, %s", f[col[8]], f[col[9]]);
        r->has_counts = f[col[1]][0] != '\0';
        r->counts = (mtp_table2x2){atof(f[col[1]]), atof(f[col[2]]), atof(f[col[3]]), atof(f[col[4]])};
        r->est = atof(f[col[5]]);
        r->lower = atof(f[col[6]]);
        r->upper = atof(f[col[7]]);
        n++;
    }
    fclose(in);
    return n;
}

/* ---- the analysis ---- */
typedef struct {
    int n;                          /* study rows */
    size_t ng;                      /* comparisons */
    study_row rows[MAX_ROWS];
    mtp_effect effects[MAX_ROWS];   /* log RR and its variance */
    size_t group[MAX_ROWS];         /* comparison of each row */
    const char *names[MAX_GROUPS];  /* comparison names, in file order */
} review;

/* Rows, their effects (log RR) and the comparison each belongs to. */
static int load(review *rv, const char *path)
{
    const mtp_options opts = MTP_OPTIONS_INIT; /* RR; 0.5 added to zero-cell tables only */
    mtp_error err;
    rv->ng = 0;
    if ((rv->n = read_rows(path, rv->rows)) <= 0)
        return 1;
    for (int i = 0; i < rv->n; i++) {
        const study_row *r = &rv->rows[i];
        size_t g = 0;
        int rc = r->has_counts ? mtp_effect_from_2x2(&rv->effects[i], NULL, &r->counts, &opts, &err)
                               : mtp_effect_from_ci(&rv->effects[i], r->est, r->lower, r->upper, 0.95, 1, &err);
        if (rc != MTP_OK) {
            fprintf(stderr, "steffens2016: row %d: %s\n", i + 2, err.message);
            return 1;
        }
        while (g < rv->ng && strcmp(rv->names[g], r->analysis) != 0)
            g++;
        if (g == MAX_GROUPS) {
            fprintf(stderr, "steffens2016: more than %d comparisons\n", MAX_GROUPS);
            return 1;
        }
        if (g == rv->ng)
            rv->names[rv->ng++] = r->analysis;
        rv->group[i] = g;
    }
    return 0;
}

/* Pool every comparison: random effects (DL) with a common or separate
 * tau², or fixed effect. */
static int pool(mtp_result *res, const review *rv, mtp_subgroup_tau2 mode, mtp_method method)
{
    mtp_options opts = MTP_OPTIONS_INIT;
    mtp_workspace *w = mtp_workspace_alloc((size_t)rv->n, 1);
    mtp_error err;
    int rc;
    opts.method = method;
    opts.i2_def = MTP_I2_Q; /* I² = (Q - df)/Q, as the paper's software printed it */
    rc = w == NULL ? MTP_ENOMEM
                   : mtp_pool_subgroups(res, NULL, NULL, w, rv->effects, rv->group, (size_t)rv->n,
                                        rv->ng, mode, &opts, &err);
    if (rc != MTP_OK)
        fprintf(stderr, "steffens2016: %s\n", rc == MTP_ENOMEM ? "out of memory" : err.message);
    mtp_workspace_free(w);
    return rc != MTP_OK;
}

static int cents(double x) { return (int)lround(100 * x); }

/* "same" when RR and both limits agree at 2 decimals, "last digit" when
 * none is off by more than 0.01, else "DIFFERS". */
static const char *agreement(const double ours[3], const double printed[3])
{
    int worst = 0;
    for (int j = 0; j < 3; j++)
        if (abs(cents(ours[j]) - cents(printed[j])) > worst)
            worst = abs(cents(ours[j]) - cents(printed[j]));
    return worst == 0 ? "same" : worst == 1 ? "last digit" : "DIFFERS";
}

static int find_published(const char *analysis)
{
    for (size_t p = 0; p < sizeof published / sizeof published[0]; p++)
        if (strcmp(published[p].analysis, analysis) == 0)
            return (int)p;
    return -1;
}

/* The table: published against reproduced, comparison by comparison. */
static void print_reproduction(const review *rv, const mtp_result *res)
{
    printf("Steffens et al. 2016, JAMA Intern Med: prevention of low back pain (LBP)\n");
    printf("Random effects, DerSimonian-Laird tau2 common to all comparisons: %.6f\n\n", res[0].tau2);
    printf("%-50s %2s  %-17s  %-17s  %5s %5s  %s\n", "Comparison / outcome / term", "k",
           "Published RR", "Reproduced RR", "I2pub", "I2", "agreement");
    for (size_t g = 0; g < rv->ng; g++) {
        const mtp_result *r = &res[g];
        const int p = find_published(rv->names[g]);
        double ours[3] = {exp(r->estimate), exp(r->ci_lower), exp(r->ci_upper)}, printed[3];
        if (p < 0) {
            printf("%-50s %2zu  (not in the paper)\n", rv->names[g], r->k);
            continue;
        }
        if (r->k == 1) { /* the paper prints a single study as it is, not pooled */
            const double z = 1.959963984540054;
            size_t i = 0;
            while (rv->group[i] != g)
                i++;
            ours[0] = exp(rv->effects[i].yi);
            ours[1] = exp(rv->effects[i].yi - z * sqrt(rv->effects[i].vi));
            ours[2] = exp(rv->effects[i].yi + z * sqrt(rv->effects[i].vi));
        }
        printed[0] = published[p].rr;
        printed[1] = published[p].lower;
        printed[2] = published[p].upper;
        printf("%-50s %2zu  %.2f (%.2f-%.2f)  %.2f (%.2f-%.2f)  ", rv->names[g], r->k, printed[0],
               printed[1], printed[2], ours[0], ours[1], ours[2]);
        if (isnan(published[p].i2))
            printf("%5s ", "-");
        else
            printf("%5.1f ", published[p].i2);
        if (r->k > 1)
            printf("%5.1f", r->i2);
        else
            printf("%5s", "-");
        printf("  %s%s\n", agreement(ours, printed), r->k == 1 ? " (1 study, not pooled)" : "");
    }
}

/* Absolute effect of one comparison: median control risk of its trials
 * with counts, times its pooled RR (GRADE). Returns 0, or 1 with a message. */
static int absolute_effect(mtp_absolute *out, const review *rv, const mtp_result *res,
                           const char *which)
{
    mtp_table2x2 tables[MAX_ROWS];
    size_t j = 0, k = 0;
    double risk;
    mtp_error err;
    while (j < rv->ng && strcmp(rv->names[j], which) != 0)
        j++;
    if (j == rv->ng) {
        fprintf(stderr, "steffens2016: no rows for %s\n", which);
        return 1;
    }
    for (int i = 0; i < rv->n; i++)
        if (rv->group[i] == j && rv->rows[i].has_counts)
            tables[k++] = rv->rows[i].counts;
    if (mtp_control_risk(&risk, tables, k, MTP_CONTROL_RISK_MEDIAN, &err) != MTP_OK ||
        mtp_absolute_from_rr(out, exp(res[j].estimate), exp(res[j].ci_lower), exp(res[j].ci_upper),
                             risk, &err) != MTP_OK) {
        fprintf(stderr, "steffens2016: %s: %s\n", which, err.message);
        return 1;
    }
    return 0;
}

/* The lay summary's numbers, per 100 people. */
static int print_absolute(const review *rv, const mtp_result *res)
{
    static const char *const which[2] = {"Exercise alone / LBP episode / short term",
                                         "Exercise and education / LBP episode / short term"};
    mtp_absolute a[2];
    printf("\nAbsolute effects, LBP within a year (median control risk x pooled RR), per 100:\n");
    for (size_t e = 0; e < 2; e++) {
        if (absolute_effect(&a[e], rv, res, which[e]) != 0)
            return 1;
        printf("  %-23s %2.0f without, %2.0f with (95%% CI %.0f to %.0f): %.0f fewer (%.0f to %.0f), "
               "NNT %.1f\n",
               e == 0 ? "exercise alone:" : "exercise and education:", 100 * a[e].control_risk,
               100 * a[e].treat_risk, 100 * a[e].treat_risk_lower, 100 * a[e].treat_risk_upper,
               -100 * a[e].rd, -100 * a[e].rd_upper, -100 * a[e].rd_lower, a[e].nnt);
    }
    printf("In words: without exercise %.0f to %.0f out of 100 people had LBP again within a year,\n"
           "against %.0f to %.0f out of 100 with exercise: it prevented LBP in %.0f to %.0f out of 100.\n",
           100 * a[0].control_risk, 100 * a[1].control_risk, 100 * a[0].treat_risk,
           100 * a[1].treat_risk, -100 * a[0].rd, -100 * a[1].rd);
    return 0;
}

/* --models: the comparisons with two or more studies under three models. */
static int print_models(const review *rv)
{
    static mtp_result common[MAX_GROUPS], separate[MAX_GROUPS], fixed[MAX_GROUPS];
    if (pool(common, rv, MTP_SUBGROUP_COMMON, MTP_METHOD_DL) != 0 ||
        pool(separate, rv, MTP_SUBGROUP_SEPARATE, MTP_METHOD_DL) != 0 ||
        pool(fixed, rv, MTP_SUBGROUP_SEPARATE, MTP_METHOD_FE) != 0)
        return 1;
    printf("RR (95%% CI) of each comparison with 2 or more studies under three models\n");
    printf("%-50s %2s  %-16s  %-16s  %-16s  %-16s %s\n", "Comparison / outcome / term", "k", "published",
           "common tau2", "separate tau2", "fixed effect", "tau2 (separate)");
    for (size_t g = 0; g < rv->ng; g++) {
        const int p = find_published(rv->names[g]);
        const mtp_result *m[3] = {&common[g], &separate[g], &fixed[g]};
        if (common[g].k < 2 || p < 0)
            continue;
        printf("%-50s %2zu  %.2f (%.2f-%.2f)", rv->names[g], common[g].k, published[p].rr,
               published[p].lower, published[p].upper);
        for (int j = 0; j < 3; j++)
            printf("  %.2f (%.2f-%.2f)", exp(m[j]->estimate), exp(m[j]->ci_lower), exp(m[j]->ci_upper));
        printf("  %.4f\n", separate[g].tau2);
    }
    printf("common tau2 = %.6f\n", common[0].tau2);
    return 0;
}

/* The forest plot of every comparison, as the paper's Figures 2 and 3:
 * one block per comparison with its studies (counts where known, else the
 * printed RR and CI), weights under the common-tau² model, and a diamond
 * for each comparison of two or more studies. */
static int write_forest(const review *rv, const mtp_result *res, const char *path)
{
    static mtp_forest_row rows[MAX_ROWS];
    static mtp_forest_group groups[MAX_GROUPS];
    mtp_forest spec;
    mtp_error err;
    size_t next = 0;
    int rc;
    FILE *out;
    for (size_t g = 0; g < rv->ng; g++) {
        double sumw = 0;
        groups[g] = (mtp_forest_group){rv->names[g], &rows[next], 0, res[g].k > 1 ? &res[g] : NULL,
                                       "Subtotal (random effects)"};
        for (int i = 0; i < rv->n; i++)
            if (rv->group[i] == g)
                sumw += 1 / (rv->effects[i].vi + res[g].tau2);
        for (int i = 0; i < rv->n; i++) {
            const study_row *r = &rv->rows[i];
            mtp_forest_row *row = &rows[next];
            if (rv->group[i] != g)
                continue;
            row->label = r->label;
            row->counts = r->has_counts ? &r->counts : NULL;
            row->yi = rv->effects[i].yi;
            row->vi = rv->effects[i].vi;
            row->ci_lower = r->has_counts ? NAN : log(r->lower); /* as printed */
            row->ci_upper = r->has_counts ? NAN : log(r->upper);
            row->weight = 100 / (rv->effects[i].vi + res[g].tau2) / sumw;
            groups[g].nrows++;
            next++;
        }
    }
    mtp_forest_init(&spec, MTP_FOREST_VERSION);
    spec.title = "Prevention of low back pain (Steffens et al. 2016), all comparisons";
    spec.groups = groups;
    spec.ngroups = rv->ng;
    spec.study_heading = "Source";
    spec.arm_trt = "Intervention";
    spec.arm_ctl = "Control";
    spec.favours_left = "Favors intervention";
    spec.favours_right = "Favors control";
    spec.flags = MTP_FOREST_COUNTS | MTP_FOREST_WEIGHTS | MTP_FOREST_HETEROGENEITY;
    if ((out = fopen(path, "w")) == NULL) {
        fprintf(stderr, "steffens2016: cannot write %s\n", path);
        return 1;
    }
    rc = mtp_plot_forest(out, &spec, &err);
    if (fclose(out) != 0 && rc == MTP_OK)
        rc = MTP_EIO;
    if (rc != MTP_OK) {
        fprintf(stderr, "steffens2016: forest plot: %s\n", rc == MTP_EIO ? "write error" : err.message);
        return 1;
    }
    printf("\nForest plot of every comparison: %s\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    static review rv;
    static mtp_result res[MAX_GROUPS];
    const int models = argc > 1 && strcmp(argv[1], "--models") == 0;
    const char *path = argc > 1 + models ? argv[1 + models] : STEFFENS_CSV;
    if (load(&rv, path) != 0)
        return 1;
    if (models)
        return print_models(&rv);
    /* the paper's model: DL random effects, one tau² common to all comparisons */
    if (pool(res, &rv, MTP_SUBGROUP_COMMON, MTP_METHOD_DL) != 0)
        return 1;
    print_reproduction(&rv, res);
    if (print_absolute(&rv, res) != 0)
        return 1;
    return write_forest(&rv, res, STEFFENS_FOREST);
}
