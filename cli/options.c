/* The metapool command line (issue 3: option names and values are a
 * contract) and the --help text.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

/* In parts: C99 compilers need only take 4095-byte string literals. */
static const char help_usage[] =
    "usage: metapool [OPTIONS] [FILE]\n"
    "\n"
    "Meta-analysis of the studies in a CSV file (FILE, or standard input when FILE\n"
    "is - or absent). Prints a report (text) or the numbers (JSON).\n"
    "\n"
    "Columns, recognised by name in the header row (any order, any case; other\n"
    "columns are ignored unless an option names them):\n"
    "  study             study label (optional)\n"
    "  ai,n1i,ci,n2i     events and participants, treatment then control; or\n"
    "  ai,bi,ci,di       the four cells of the 2x2 table\n"
    "  yi,vi  or  yi,sei an estimate (log scale for ratios) with its variance or\n"
    "                    standard error\n"
    "  est,lower,upper   (extension) an estimate with its 95% confidence interval:\n"
    "                    a ratio (--measure RR or OR; converted to log scale with\n"
    "                    SE = (ln upper - ln lower) / 3.92) or a difference (RD)\n"
    "Each row is read as a 2x2 table if all its count fields are filled, else as\n"
    "yi with vi (or sei), else as est,lower,upper: kinds may be mixed in one file.\n"
    "Empty fields are missing values. Mixed rows are pooled as effects (the\n"
    "counts give log RR, log OR or RD as --measure says); MH and PETO need counts\n"
    "in every row.\n"
    "\n";

/* The option lines, with the value lists that come from the library's
 * descriptor tables written in by mtpcli_write_help (%s). */
static const char help_options[] =
    "Options:\n"
    "  --measure %-14s effect measure of 2x2 and est,lower,upper rows\n"
    "                           (default RR; ignored when every row is yi)\n"
    "  --method %s\n"
    "                           fixed effect (inverse variance, Mantel-Haenszel,\n"
    "                           Peto) or the random-effects tau^2 estimator\n"
    "                           (default REML)\n"
    "  --test %-17s z test, or Hartung-Knapp-Sidik-Jonkman t test\n"
    "                           (default z)\n"
    "  --level PERCENT          confidence level, e.g. 95 (default 95)\n"
    "  --cc VALUE               continuity correction (default 0.5)\n"
    "  --cc-when zero|all|never tables that get it (default zero: those with a\n"
    "                           zero cell)\n"
    "  --double-zero keep|drop  tables without events (or with only events) in both\n"
    "                           arms (default: drop for RR and OR, keep for RD)\n"
    "  --pi %s\n"
    "                           prediction interval: t with k-2 df (t, t_k2;\n"
    "                           Higgins et al. 2009), t with k-1 df (t_k1) or\n"
    "                           normal (default t)\n";

static const char help_options2[] =
    "  --i2 tau2|q              I² and H² of random-effects models from tau²,\n"
    "                           100 tau²/(tau² + typical variance), as metafor and\n"
    "                           Stata (default tau2); or from Q, 100 (Q - df)/Q, as\n"
    "                           RevMan, meta and CMA print it\n"
    "  --subgroup COLUMN        pool each subgroup of COLUMN's values and test the\n"
    "                           differences between them (Q between, df, p)\n"
    "  --subgroup-tau2 separate|common\n"
    "                           one tau^2 per subgroup, or one tau^2 common to all\n"
    "                           subgroups: that of the meta-regression on\n"
    "                           factor(COLUMN) (metafor's rma(yi, vi, mods =\n"
    "                           ~ factor(COLUMN))), with any tau^2 estimator; with\n"
    "                           DL it is (sum Q_j - sum df_j) / sum C_j, as\n"
    "                           Comprehensive Meta-Analysis offers (default\n"
    "                           separate). Without --method, common uses DL\n"
    "  --by COLUMN              one independent analysis per value of COLUMN, in\n"
    "                           input order (with JSON: one object per line)\n"
    "  --mods TERMS             meta-regression on moderators, an R-style right-hand\n"
    "                           side: column names joined by +, factor(COLUMN) for a\n"
    "                           categorical one (text columns are categorical too),\n"
    "                           - 1 to drop the intercept; e.g. --mods 'ablat +\n"
    "                           factor(alloc)' (metafor's rma(yi, vi, mods = ~ ...));\n"
    "                           treatment coding, the first level the reference\n"
    "                           (levels sorted as R in the C locale: text in byte\n"
    "                           order, numbers by value); --mods 1: intercept only\n"
    "  --btt LIST               coefficients of the test of moderators (1-based,\n"
    "                           e.g. 2,3 or 2:4; default all but the intercept)\n"
    "  --permutations N         permutation test of the coefficients and of QM\n"
    "                           (metafor's permutest): exact when there are at most\n"
    "                           N distinct permutations, else N random ones\n"
    "  --seed S                 seed of the random permutations (default 1)\n"
    "  --forest FILE.svg        also write a forest plot (SVG) to FILE.svg: studies\n"
    "                           (counts, effect and CI, weight), the pooled diamond,\n"
    "                           prediction interval and heterogeneity; with\n"
    "                           --subgroup a block per subgroup, the overall result\n"
    "                           and the test for subgroup differences\n"
    "  --funnel FILE.svg        also write a funnel plot (SVG): estimates against\n"
    "                           their standard errors, around the pooled estimate\n"
    "                           (--forest and --funnel draw one analysis: not with\n"
    "                           --by, nor with --mods)\n"
    "  --favours-left TEXT      forest plot: label under the axis, left of the line\n"
    "                           of no effect (e.g. \"Favours exercise\")\n"
    "  --favours-right TEXT     the label right of the line of no effect\n"
    "  --threads N              threads for --by with yi,vi data (default 1)\n"
    "  --format text|json       report or numbers (default text)\n"
    "  --digits N               decimals in the text report (default 4)\n"
    "  --help                   this text\n"
    "  --version                the program's and the library's version\n"
    "\n";

static const char help_output[] =
    "JSON keys: k (studies pooled), measure, method, test, level (percent),\n"
    "estimate, se, stat, p, ci_lower, ci_upper, pi_lower, pi_upper, tau2,\n"
    "tau2_ci_lower, tau2_ci_upper, Q, Q_df, Q_p, I2 (percent), H2, iterations,\n"
    "converged, studies [{study, yi, vi, weight}]; ratios on the log scale, and\n"
    "again exponentiated under exp {estimate, ci_lower, ci_upper, pi_lower,\n"
    "pi_upper}; with --subgroup, subgroups [{name, ...}] and subgroup_test\n"
    "{Q, df, p}; with --by, by. With --mods: coefficients [{name, estimate, se,\n"
    "stat, p, ci_lower, ci_upper}], vcov, QM, QM_df, QM_df2, QM_p, R2; Q, tau2,\n"
    "I2, H2 are then residual and estimate ... ci_upper the first coefficient's;\n"
    "with --permutations, permutation {iterations, exact, p, QM_p}. Numbers with\n"
    "17 significant digits; null where a value is not defined.\n"
    "\n"
    "Exit status: 0 on success; 1 for an unreadable or invalid file, a failed\n"
    "analysis or a plot that cannot be written; 2 for a bad command line. Errors\n"
    "are one line on standard error, naming the line and column of the file;\n"
    "nothing is written to standard output then (nor to a plot's file when its\n"
    "plot fails).\n";

/* ------------------------------------------------------------ value lists */

/* The measures --measure takes: those computed from 2x2 tables, but Peto's
 * (that is --method PETO). */
static int measure_option(const mtp_measure_info *d)
{
    return d != NULL && (d->flags & MTP_MEASURE_FROM_2X2) && d->id != MTP_MEASURE_PETO_OR;
}

/* The tau² methods --method takes: FE and the estimators (not FIXED). */
static int tau2_option(const mtp_tau2_info *d)
{
    return d != NULL && (d->id == MTP_TAU2_FE || (d->flags & MTP_TAU2_ESTIMATED));
}

/* "--method" value list: FE, MH, PETO (2x2 conventions), then the estimators. */
static void method_names(const char *names[], size_t *n)
{
    const mtp_tau2_info *d;
    *n = 0;
    names[(*n)++] = mtp_tau2_get(MTP_TAU2_FE)->name;
    names[(*n)++] = "MH";
    names[(*n)++] = "PETO";
    for (int i = 0; (d = mtp_tau2_get(i)) != NULL; i++)
        if (tau2_option(d) && d->id != MTP_TAU2_FE)
            names[(*n)++] = d->name;
}

/* Join names with sep, or as "a, b or c" when sep is NULL. */
static void join(char *dst, size_t size, const char *const *names, size_t n, const char *sep)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < n && o < size; i++) {
        const char *s = i == 0 ? "" : sep != NULL ? sep : i + 1 == n ? " or " : ", ";
        o += (size_t)snprintf(dst + o, size - o, "%s%s", s, names[i]);
    }
}

enum { LIST_MEASURE, LIST_METHOD, LIST_TEST, LIST_PI };

static void value_list(char *dst, size_t size, int which, const char *sep)
{
    const char *names[32];
    size_t n = 0;
    if (which == LIST_MEASURE) {
        const mtp_measure_info *d;
        for (int i = 0; (d = mtp_measure_get(i)) != NULL; i++)
            if (measure_option(d))
                names[n++] = d->name;
    } else if (which == LIST_METHOD) {
        method_names(names, &n);
    } else if (which == LIST_TEST) {
        const mtp_choice_info *d;
        for (int i = 0; (d = mtp_test_get(i)) != NULL; i++)
            names[n++] = d->name;
    } else {
        const mtp_choice_info *d;
        names[n++] = "t"; /* the command's name for t_k2 since version 0.1 */
        for (int i = 0; (d = mtp_pi_get(i)) != NULL; i++)
            names[n++] = d->name;
    }
    join(dst, size, names, n, sep);
}

int mtpcli_write_help(FILE *out)
{
    char m[64], me[160], t[64], pi[64];
    value_list(m, sizeof m, LIST_MEASURE, "|");
    value_list(me, sizeof me, LIST_METHOD, "|");
    value_list(t, sizeof t, LIST_TEST, "|");
    value_list(pi, sizeof pi, LIST_PI, "|");
    return fputs(help_usage, out) < 0 || fprintf(out, help_options, m, me, t, pi) < 0 ||
                   fputs(help_options2, out) < 0 || fputs(help_output, out) < 0
               ? -1
               : 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int bad(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return MTPCLI_ARGS_ERROR;
}

/* A value of a CLI-only choice (no library descriptor): name and value. */
typedef struct named {
    const char *name;
    int value;
} named;

static void shown(char *dst, size_t size, const char *s) { mtpcli_sanitize(dst, size, s, strlen(s)); }

static int unknown(char *msg, size_t len, const char *opt, const char *value, const char *expected)
{
    char v[64];
    shown(v, sizeof v, value);
    return bad(msg, len, "%s: unknown value \"%s\" (expected %s)", opt, v, expected);
}

/* value among list[0..n): its value into *out, or the message. */
static int choice(char *msg, size_t len, const char *opt, const char *value, const named *list,
                  size_t n, int *out)
{
    const char *names[8];
    char expected[128];
    for (size_t i = 0; i < n; i++) {
        if (mtpcli_name_equal(value, list[i].name)) {
            *out = list[i].value;
            return 0;
        }
        names[i] = list[i].name;
    }
    join(expected, sizeof expected, names, n, NULL);
    return unknown(msg, len, opt, value, expected);
}

static int number(char *msg, size_t len, const char *opt, const char *value, double *out)
{
    char v[64];
    if (mtpcli_parse_double(value, strlen(value), out) != MTPCLI_NUM_OK || !isfinite(*out)) {
        shown(v, sizeof v, value);
        return bad(msg, len, "%s: \"%s\" is not a number", opt, v);
    }
    return 0;
}

static int integer(char *msg, size_t len, const char *opt, const char *value, unsigned long lo,
                   unsigned long hi, unsigned long *out)
{
    char v[64], *end;
    unsigned long x;
    errno = 0;
    x = strtoul(value, &end, 10);
    if (*value < '0' || *value > '9' || *end != '\0' || errno != 0 || x < lo || x > hi) {
        shown(v, sizeof v, value);
        return bad(msg, len, "%s: \"%s\" is not a whole number from %lu to %lu", opt, v, lo, hi);
    }
    *out = x;
    return 0;
}

/* The file of --forest or --funnel: a name, not standard output (the report
 * goes there). */
static int plot_file(char *msg, size_t len, const char *opt, const char *value)
{
    if (*value == '\0')
        return bad(msg, len, "%s: empty file name", opt);
    if (strcmp(value, "-") == 0)
        return bad(msg, len, "%s: \"-\" is not possible: the report goes to standard output; "
                             "name a file", opt);
    return 0;
}

/* ------------------------------------------------------------ setters */

#define SETTER(fn)                                                                                 \
    static int fn(mtpcli_settings *s, const char *opt, const char *val, char *msg, size_t len)

SETTER(set_measure)
{
    mtp_measure m;
    if (mtp_measure_parse(&m, val) != MTP_OK || !measure_option(mtp_measure_get((int)m))) {
        char expected[64];
        value_list(expected, sizeof expected, LIST_MEASURE, NULL);
        return unknown(msg, len, opt, val, expected);
    }
    s->measure = m;
    s->measure_given = 1;
    return 0;
}

SETTER(set_method)
{
    mtp_tau2_method t;
    if (mtpcli_name_equal(val, "MH") || mtpcli_name_equal(val, "PETO")) {
        s->fe = mtpcli_name_equal(val, "MH") ? MTP_FE_MH : MTP_FE_PETO;
        s->tau2 = MTP_TAU2_FE;
    } else if (mtp_tau2_parse(&t, val) == MTP_OK && tau2_option(mtp_tau2_get((int)t))) {
        s->fe = MTP_FE_IV;
        s->tau2 = t;
    } else {
        char expected[160];
        value_list(expected, sizeof expected, LIST_METHOD, NULL);
        return unknown(msg, len, opt, val, expected);
    }
    s->method_given = 1;
    return 0;
}

SETTER(set_test)
{
    if (mtp_test_parse(&s->test, val) != MTP_OK) {
        char expected[64];
        value_list(expected, sizeof expected, LIST_TEST, NULL);
        return unknown(msg, len, opt, val, expected);
    }
    return 0;
}

SETTER(set_pi)
{
    if (mtpcli_name_equal(val, "t")) {
        s->pi = MTP_PI_T_K2;
    } else if (mtp_pi_parse(&s->pi, val) != MTP_OK) {
        char expected[64];
        value_list(expected, sizeof expected, LIST_PI, NULL);
        return unknown(msg, len, opt, val, expected);
    }
    return 0;
}

SETTER(set_level)
{
    double x;
    if (number(msg, len, opt, val, &x))
        return MTPCLI_ARGS_ERROR;
    if (!(x > 1 && x < 100))
        return bad(msg, len, "--level: %g is not a percentage between 1 and 100 (e.g. 95)", x);
    s->level_pct = x;
    s->level = x / 100;
    return 0;
}

SETTER(set_cc)
{
    double x;
    if (number(msg, len, opt, val, &x))
        return MTPCLI_ARGS_ERROR;
    if (!(x >= 0))
        return bad(msg, len, "--cc: %g is negative", x);
    s->cc = x;
    return 0;
}

SETTER(set_cc_when)
{
    static const named list[] = {{"zero", MTP_CC_ZERO}, {"all", MTP_CC_ALL}, {"never", MTP_CC_NEVER}};
    int v = 0;
    if (choice(msg, len, opt, val, list, 3, &v))
        return MTPCLI_ARGS_ERROR;
    s->cc_when = (mtp_cc_rule)v;
    return 0;
}

SETTER(set_double_zero)
{
    static const named list[] = {{"keep", MTP_DZ_KEEP}, {"drop", MTP_DZ_DROP}};
    int v = 0;
    if (choice(msg, len, opt, val, list, 2, &v))
        return MTPCLI_ARGS_ERROR;
    s->double_zero = (mtp_double_zero)v;
    return 0;
}

SETTER(set_i2)
{
    static const named list[] = {{"tau2", MTP_I2_AUTO}, {"q", MTP_I2_Q}};
    int v = 0;
    if (choice(msg, len, opt, val, list, 2, &v))
        return MTPCLI_ARGS_ERROR;
    s->i2 = (mtp_i2_def)v;
    return 0;
}

SETTER(set_subgroup_tau2)
{
    static const named list[] = {{"separate", MTP_SUBGROUP_SEPARATE}, {"common", MTP_SUBGROUP_COMMON}};
    int v = 0;
    if (choice(msg, len, opt, val, list, 2, &v))
        return MTPCLI_ARGS_ERROR;
    s->subgroup_tau2 = (mtp_subgroup_tau2)v;
    s->subgroup_tau2_given = 1;
    return 0;
}

SETTER(set_format)
{
    static const named list[] = {{"text", MTPCLI_TEXT}, {"json", MTPCLI_JSON}};
    return choice(msg, len, opt, val, list, 2, &s->format) ? MTPCLI_ARGS_ERROR : 0;
}

SETTER(set_column)
{
    if (*val == '\0')
        return bad(msg, len, "%s: empty column name", opt);
    if (strcmp(opt, "--subgroup") == 0)
        s->subgroup = val;
    else
        s->by = val;
    return 0;
}

SETTER(set_plot)
{
    if (plot_file(msg, len, opt, val) != 0)
        return MTPCLI_ARGS_ERROR;
    if (strcmp(opt, "--forest") == 0)
        s->forest = val;
    else
        s->funnel = val;
    return 0;
}

SETTER(set_favours)
{
    (void)msg;
    (void)len;
    if (strcmp(opt, "--favours-left") == 0)
        s->favours_left = val;
    else
        s->favours_right = val;
    return 0;
}

SETTER(set_threads)
{
    unsigned long n = 0;
    if (integer(msg, len, opt, val, 1, 256, &n))
        return MTPCLI_ARGS_ERROR;
    s->threads = (unsigned int)n;
    return 0;
}

SETTER(set_digits)
{
    unsigned long n = 0;
    if (integer(msg, len, opt, val, 0, 12, &n))
        return MTPCLI_ARGS_ERROR;
    s->digits = (int)n;
    return 0;
}

SETTER(set_mods)
{
    (void)opt;
    if (mtpcli_formula_parse(&s->mods, val, msg, len) != 0)
        return MTPCLI_ARGS_ERROR;
    s->has_mods = !mtpcli_formula_is_intercept_only(&s->mods);
    return 0;
}

SETTER(set_btt)
{
    size_t n = 0;
    (void)opt;
    if (mtpcli_btt_parse(NULL, &n, val, (size_t)-1, NULL, msg, len) != 0)
        return MTPCLI_ARGS_ERROR;
    s->btt = val;
    return 0;
}

SETTER(set_permutations)
{
    return integer(msg, len, opt, val, 2, 1000000000ul, &s->permutations) ? MTPCLI_ARGS_ERROR : 0;
}

SETTER(set_seed)
{
    if (integer(msg, len, opt, val, 0, 4294967295ul, &s->seed))
        return MTPCLI_ARGS_ERROR;
    s->seed_given = 1;
    return 0;
}

#undef SETTER

/* Every option that takes a value (--help, --version and -- are handled
 * before): one table for the parser; the help text is above. */
static const struct option {
    const char *name;
    int (*set)(mtpcli_settings *, const char *, const char *, char *, size_t);
} options[] = {
    {"--measure", set_measure},
    {"--method", set_method},
    {"--test", set_test},
    {"--level", set_level},
    {"--cc", set_cc},
    {"--cc-when", set_cc_when},
    {"--double-zero", set_double_zero},
    {"--pi", set_pi},
    {"--i2", set_i2},
    {"--subgroup", set_column},
    {"--subgroup-tau2", set_subgroup_tau2},
    {"--by", set_column},
    {"--mods", set_mods},
    {"--btt", set_btt},
    {"--permutations", set_permutations},
    {"--seed", set_seed},
    {"--forest", set_plot},
    {"--funnel", set_plot},
    {"--favours-left", set_favours},
    {"--favours-right", set_favours},
    {"--format", set_format},
    {"--threads", set_threads},
    {"--digits", set_digits},
};

static const struct option *find_option(const char *name)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
        if (strcmp(name, options[i].name) == 0)
            return &options[i];
    return NULL;
}

static const char *method_name_of(const mtpcli_settings *s)
{
    return s->fe == MTP_FE_MH ? "MH" : s->fe == MTP_FE_PETO ? "PETO" : mtp_tau2_get((int)s->tau2)->name;
}

/* Combinations that no single option can judge. */
static int check_combination(const mtpcli_settings *s, char *msg, size_t len)
{
    const int iv = s->fe == MTP_FE_IV;
    if (s->fe == MTP_FE_PETO && s->measure_given && s->measure != MTP_MEASURE_OR)
        return bad(msg, len, "--method PETO pools odds ratios: --measure %s is not possible",
                   mtp_measure_get((int)s->measure)->name);
    if (s->test == MTP_TEST_KNHA && !iv)
        return bad(msg, len, "--test knha needs an inverse-variance model, not --method %s",
                   method_name_of(s));
    if (s->subgroup_tau2_given && s->subgroup == NULL)
        return bad(msg, len, "--subgroup-tau2 needs --subgroup COLUMN");
    if (s->subgroup_tau2 == MTP_SUBGROUP_COMMON &&
        (!iv || !(mtp_tau2_get((int)s->tau2)->flags & MTP_TAU2_ESTIMATED)))
        return bad(msg, len, "--subgroup-tau2 common estimates one tau^2 for all subgroups (the "
                             "meta-regression on the subgroups): it needs a tau^2 estimator, not "
                             "--method %s",
                   method_name_of(s));
    if (s->has_mods && s->subgroup != NULL)
        return bad(msg, len, "--mods cannot be used with --subgroup: make the subgroups a "
                             "moderator, --mods 'factor(%s)' (with any other terms)",
                   s->subgroup);
    if ((s->has_mods || s->permutations > 0) && !iv)
        return bad(msg, len, "%s needs an inverse-variance model (FE or a tau^2 estimator), not "
                             "--method %s",
                   s->has_mods ? "--mods" : "--permutations", method_name_of(s));
    if (s->btt != NULL && !s->has_mods)
        return bad(msg, len, "--btt needs --mods TERMS (the coefficients it names are the model's)");
    if (s->permutations > 0 && s->subgroup != NULL)
        return bad(msg, len, "--permutations cannot be used with --subgroup (use --mods "
                             "'factor(%s)')",
                   s->subgroup);
    if (s->seed_given && s->permutations == 0)
        return bad(msg, len, "--seed needs --permutations N");
    if ((s->has_mods || s->permutations > 0) && (s->forest != NULL || s->funnel != NULL))
        return bad(msg, len, "%s cannot be used with %s: it draws a pooled estimate, which a "
                             "meta-regression does not have",
                   s->forest != NULL ? "--forest" : "--funnel",
                   s->has_mods ? "--mods" : "--permutations");
    if (s->by != NULL && (s->forest != NULL || s->funnel != NULL))
        return bad(msg, len, "%s cannot be used with --by: it draws one analysis, and --by makes "
                             "many (run once per analysis instead)",
                   s->forest != NULL ? "--forest" : "--funnel");
    if (s->forest != NULL && s->funnel != NULL && strcmp(s->forest, s->funnel) == 0)
        return bad(msg, len, "--forest and --funnel name the same file");
    if (s->threads > 1 && s->by == NULL)
        return bad(msg, len, "--threads needs --by COLUMN (a single analysis runs on one thread)");
    return 0;
}

int mtpcli_parse_args(mtpcli_settings *s, int argc, char **argv, char *msg, size_t len)
{
    int files = 0, options_done = 0;
    memset(s, 0, sizeof *s);
    s->measure = MTP_MEASURE_RR;
    s->fe = MTP_FE_IV;
    s->tau2 = MTP_TAU2_REML;
    s->test = MTP_TEST_Z;
    s->pi = MTP_PI_T_K2;
    s->level = 0.95;
    s->level_pct = 95;
    s->cc = 0.5;
    s->cc_when = MTP_CC_ZERO;
    s->double_zero = MTP_DZ_AUTO;
    s->i2 = MTP_I2_AUTO;
    s->threads = 1;
    s->digits = 4;
    s->seed = 1;
    s->subgroup_tau2 = MTP_SUBGROUP_SEPARATE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = 1;
        } else if (!options_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            return MTPCLI_ARGS_HELP;
        } else if (!options_done && strcmp(a, "--version") == 0) {
            return MTPCLI_ARGS_VERSION;
        } else if (!options_done && a[0] == '-' && a[1] == '-') {
            char opt[64];
            const char *eq = strchr(a, '='), *val;
            const size_t olen = eq ? (size_t)(eq - a) : strlen(a);
            const struct option *o;
            if (olen >= sizeof opt)
                return bad(msg, len, "unknown option (see metapool --help)");
            memcpy(opt, a, olen);
            opt[olen] = '\0';
            if ((o = find_option(opt)) == NULL) {
                char shown_opt[64];
                shown(shown_opt, sizeof shown_opt, opt);
                return bad(msg, len, "unknown option \"%s\" (see metapool --help)", shown_opt);
            }
            if (eq != NULL) {
                val = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return bad(msg, len, "%s needs a value (see metapool --help)", opt);
                val = argv[++i];
            }
            if (o->set(s, opt, val, msg, len) != 0)
                return MTPCLI_ARGS_ERROR;
        } else if (!options_done && a[0] == '-' && a[1] != '\0') {
            char o[64];
            shown(o, sizeof o, a);
            return bad(msg, len, "unknown option \"%s\" (see metapool --help)", o);
        } else {
            if (++files > 1)
                return bad(msg, len, "more than one input file (one FILE, or - for standard input)");
            s->file = a;
        }
    }
    /* a common tau² without --method: DL (Borenstein's pooled method of
     * moments, which today's outputs, e.g. Steffens 2016's, are) rather than
     * the default REML */
    if (s->subgroup_tau2 == MTP_SUBGROUP_COMMON && !s->method_given) {
        s->tau2 = MTP_TAU2_DL;
        s->method_defaulted = 1;
    }
    if (check_combination(s, msg, len) != 0)
        return MTPCLI_ARGS_ERROR;
    return MTPCLI_ARGS_RUN;
}

/* ------------------------------------------------------------ library options */

void mtpcli_model_options(const mtpcli_settings *s, mtp_model_options *o)
{
    static const mtp_model_options init = MTP_MODEL_OPTIONS_INIT;
    *o = init;
    o->tau2 = s->tau2;
    o->test = s->test;
    o->pi = s->pi;
    o->level = s->level;
    o->i2 = s->i2;
    /* R² needs a second fit: only meta-regressions report it. metafor's
     * y-centring (its tau² of a model without intercept): as metafor */
    o->flags = s->has_mods ? MTP_FIT_CENTRE_Y : MTP_FIT_NO_R2;
}

void mtpcli_es_options(const mtpcli_settings *s, mtp_es_options *o)
{
    static const mtp_es_options init = MTP_ES_OPTIONS_INIT;
    *o = init;
    o->measure = s->fe == MTP_FE_PETO ? MTP_MEASURE_OR : s->measure;
    o->cc = s->cc;
    o->cc_when = s->cc_when;
    if (s->cc == 0) /* the library reads cc = 0 as its default 0.5: adding 0 is no correction */
        o->cc_when = MTP_CC_NEVER;
    o->double_zero = s->double_zero;
}

void mtpcli_fe2x2_options(const mtpcli_settings *s, mtp_fe2x2_options *o)
{
    static const mtp_fe2x2_options init = MTP_FE2X2_OPTIONS_INIT;
    *o = init;
    o->method = s->fe;
}
