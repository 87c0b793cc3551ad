/* The metapool command line (issue 3: option names and values are a
 * contract) and the --help text.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "cli.h"

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

static const char help_options[] =
    "Options:\n"
    "  --measure RR|OR|RD       effect measure of 2x2 and est,lower,upper rows\n"
    "                           (default RR; ignored when every row is yi)\n"
    "  --method FE|MH|PETO|DL|HE|HS|SJ|ML|REML|PM|EB\n"
    "                           fixed effect (inverse variance, Mantel-Haenszel,\n"
    "                           Peto) or the random-effects tau^2 estimator\n"
    "                           (default REML)\n"
    "  --test z|knha            z test, or Hartung-Knapp-Sidik-Jonkman t test\n"
    "                           (default z)\n"
    "  --level PERCENT          confidence level, e.g. 95 (default 95)\n"
    "  --cc VALUE               continuity correction (default 0.5)\n"
    "  --cc-when zero|all|never tables that get it (default zero: those with a\n"
    "                           zero cell)\n"
    "  --double-zero keep|drop  tables without events (or with only events) in both\n"
    "                           arms (default: drop for RR and OR, keep for RD)\n"
    "  --pi t|normal            prediction interval: t with k-2 df (Higgins et al.\n"
    "                           2009) or normal (default t)\n"
    "  --i2 tau2|q              I² and H² of random-effects models from tau²,\n"
    "                           100 tau²/(tau² + typical variance), as metafor and\n"
    "                           Stata (default tau2); or from Q, 100 (Q - df)/Q, as\n"
    "                           RevMan, meta and CMA print it\n"
    "  --subgroup COLUMN        pool each subgroup of COLUMN's values and test the\n"
    "                           differences between them (Q between, df, p)\n"
    "  --subgroup-tau2 separate|common\n"
    "                           one tau^2 per subgroup, or one tau^2 pooled across\n"
    "                           subgroups, (sum Q_j - sum df_j) / sum C_j: the\n"
    "                           method-of-moments (DerSimonian-Laird) estimator, as\n"
    "                           Comprehensive Meta-Analysis offers (default\n"
    "                           separate). common needs --method DL, and uses DL\n"
    "                           when --method is not given\n"
    "  --by COLUMN              one independent analysis per value of COLUMN, in\n"
    "                           input order (with JSON: one object per line)\n"
    "  --forest FILE.svg        also write a forest plot (SVG) to FILE.svg: studies\n"
    "                           (counts, effect and CI, weight), the pooled diamond,\n"
    "                           prediction interval and heterogeneity; with\n"
    "                           --subgroup a block per subgroup, the overall result\n"
    "                           and the test for subgroup differences\n"
    "  --funnel FILE.svg        also write a funnel plot (SVG): estimates against\n"
    "                           their standard errors, around the pooled estimate\n"
    "                           (--forest and --funnel draw one analysis: not with\n"
    "                           --by)\n"
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
    "{Q, df, p}; with --by, by. Numbers with 17 significant digits; null where a\n"
    "value is not defined.\n"
    "\n"
    "Exit status: 0 on success; 1 for an unreadable or invalid file, a failed\n"
    "analysis or a plot that cannot be written; 2 for a bad command line. Errors\n"
    "are one line on standard error, naming the line and column of the file;\n"
    "nothing is written to standard output then (nor to a plot's file when its\n"
    "plot fails).\n";

int mtpcli_write_help(FILE *out)
{
    return fputs(help_usage, out) < 0 || fputs(help_options, out) < 0 || fputs(help_output, out) < 0
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

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char c = *a, d = *b;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (d >= 'A' && d <= 'Z')
            d = (char)(d - 'A' + 'a');
        if (c != d)
            return 0;
    }
    return *a == *b;
}

/* Index of value in the NULL-terminated list, or -1. */
static int pick(const char *value, const char *const *list)
{
    for (int i = 0; list[i] != NULL; i++)
        if (ieq(value, list[i]))
            return i;
    return -1;
}

static void shown(char *dst, size_t size, const char *s) { mtpcli_sanitize(dst, size, s, strlen(s)); }

static int choice(char *msg, size_t len, const char *opt, const char *value, const char *const *list,
                  const char *expected, int *out)
{
    char v[64];
    const int i = pick(value, list);
    if (i < 0) {
        shown(v, sizeof v, value);
        return bad(msg, len, "%s: unknown value \"%s\" (expected %s)", opt, v, expected);
    }
    *out = i;
    return 0;
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

static int integer(char *msg, size_t len, const char *opt, const char *value, long lo, long hi,
                   long *out)
{
    char v[64], *end;
    long x = strtol(value, &end, 10);
    if (*value == '\0' || *end != '\0' || x < lo || x > hi) {
        shown(v, sizeof v, value);
        return bad(msg, len, "%s: \"%s\" is not a whole number from %ld to %ld", opt, v, lo, hi);
    }
    *out = x;
    return 0;
}

static const char *const measures[] = {"RR", "OR", "RD", NULL};
static const char *const methods[] = {"FE", "MH", "PETO", "DL", "HE", "HS",
                                      "SJ", "ML", "REML", "PM", "EB", NULL};
static const char *const tests[] = {"z", "knha", NULL};
static const char *const cc_rules[] = {"zero", "all", "never", NULL};
static const char *const dz_rules[] = {"drop", "keep", NULL};
static const char *const pi_types[] = {"t", "normal", NULL};
static const char *const sg_modes[] = {"separate", "common", NULL};
static const char *const i2_defs[] = {"tau2", "q", NULL};
static const char *const formats[] = {"text", "json", NULL};

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

/* One option with its value; returns 0 or MTPCLI_ARGS_ERROR. */
static int apply(mtpcli_settings *s, const char *opt, const char *val, char *msg, size_t len)
{
    int i = 0;
    double x;
    long n = 0;
    if (strcmp(opt, "--measure") == 0) {
        if (choice(msg, len, opt, val, measures, "RR, OR or RD", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.measure = (mtp_measure)i;
        s->measure_given = 1;
    } else if (strcmp(opt, "--method") == 0) {
        if (choice(msg, len, opt, val, methods, "FE, MH, PETO, DL, HE, HS, SJ, ML, REML, PM or EB", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.method = (mtp_method)i;
        s->method_given = 1;
    } else if (strcmp(opt, "--test") == 0) {
        if (choice(msg, len, opt, val, tests, "z or knha", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.test = (mtp_test)i;
    } else if (strcmp(opt, "--level") == 0) {
        if (number(msg, len, opt, val, &x))
            return MTPCLI_ARGS_ERROR;
        if (!(x > 1 && x < 100))
            return bad(msg, len, "--level: %g is not a percentage between 1 and 100 (e.g. 95)", x);
        s->level_pct = x;
        s->opts.level = x / 100;
    } else if (strcmp(opt, "--cc") == 0) {
        if (number(msg, len, opt, val, &x))
            return MTPCLI_ARGS_ERROR;
        if (!(x >= 0))
            return bad(msg, len, "--cc: %g is negative", x);
        s->opts.cc = x;
    } else if (strcmp(opt, "--cc-when") == 0) {
        if (choice(msg, len, opt, val, cc_rules, "zero, all or never", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.cc_when = (mtp_cc_rule)i;
    } else if (strcmp(opt, "--double-zero") == 0) {
        if (choice(msg, len, opt, val, dz_rules, "keep or drop", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.double_zero = i == 0 ? MTP_DZ_DROP : MTP_DZ_KEEP;
    } else if (strcmp(opt, "--pi") == 0) {
        if (choice(msg, len, opt, val, pi_types, "t or normal", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.pi = i == 0 ? MTP_PI_T_K2 : MTP_PI_NORMAL;
    } else if (strcmp(opt, "--i2") == 0) {
        if (choice(msg, len, opt, val, i2_defs, "tau2 or q", &i))
            return MTPCLI_ARGS_ERROR;
        s->opts.i2_def = i == 0 ? MTP_I2_AUTO : MTP_I2_Q;
    } else if (strcmp(opt, "--favours-left") == 0) {
        s->favours_left = val;
    } else if (strcmp(opt, "--favours-right") == 0) {
        s->favours_right = val;
    } else if (strcmp(opt, "--subgroup") == 0) {
        if (*val == '\0')
            return bad(msg, len, "--subgroup: empty column name");
        s->subgroup = val;
    } else if (strcmp(opt, "--subgroup-tau2") == 0) {
        if (choice(msg, len, opt, val, sg_modes, "separate or common", &i))
            return MTPCLI_ARGS_ERROR;
        s->subgroup_tau2 = i == 0 ? MTP_SUBGROUP_SEPARATE : MTP_SUBGROUP_COMMON;
        s->subgroup_tau2_given = 1;
    } else if (strcmp(opt, "--by") == 0) {
        if (*val == '\0')
            return bad(msg, len, "--by: empty column name");
        s->by = val;
    } else if (strcmp(opt, "--forest") == 0 || strcmp(opt, "--funnel") == 0) {
        if (plot_file(msg, len, opt, val) != 0)
            return MTPCLI_ARGS_ERROR;
        if (strcmp(opt, "--forest") == 0)
            s->forest = val;
        else
            s->funnel = val;
    } else if (strcmp(opt, "--format") == 0) {
        if (choice(msg, len, opt, val, formats, "text or json", &i))
            return MTPCLI_ARGS_ERROR;
        s->format = i;
    } else if (strcmp(opt, "--threads") == 0) {
        if (integer(msg, len, opt, val, 1, 256, &n))
            return MTPCLI_ARGS_ERROR;
        s->threads = (unsigned int)n;
    } else if (strcmp(opt, "--digits") == 0) {
        if (integer(msg, len, opt, val, 0, 12, &n))
            return MTPCLI_ARGS_ERROR;
        s->digits = (int)n;
    } else {
        char o[64];
        shown(o, sizeof o, opt);
        return bad(msg, len, "unknown option \"%s\" (see metapool --help)", o);
    }
    return 0;
}

static int takes_value(const char *opt)
{
    static const char *const with_value[] = {
        "--measure", "--method", "--test",     "--level",  "--cc",     "--cc-when",
        "--double-zero", "--pi", "--subgroup", "--subgroup-tau2", "--by", "--format",
        "--threads", "--digits", "--forest", "--funnel", "--i2", "--favours-left",
        "--favours-right", NULL};
    for (int i = 0; with_value[i] != NULL; i++)
        if (strcmp(opt, with_value[i]) == 0)
            return 1;
    return 0;
}

/* Combinations that no single option can judge. */
static int check_combination(const mtpcli_settings *s, char *msg, size_t len)
{
    const mtp_method m = s->opts.method;
    if (m == MTP_METHOD_PETO && s->measure_given && s->opts.measure != MTP_MEASURE_OR)
        return bad(msg, len, "--method PETO pools odds ratios: --measure %s is not possible",
                   mtp_measure_name(s->opts.measure));
    if (s->opts.test == MTP_TEST_KNHA && !mtp_method_is_random(m) && m != MTP_METHOD_FE)
        return bad(msg, len, "--test knha needs an inverse-variance model, not --method %s",
                   mtp_method_name(m));
    if (s->subgroup_tau2_given && s->subgroup == NULL)
        return bad(msg, len, "--subgroup-tau2 needs --subgroup COLUMN");
    if (s->subgroup_tau2 == MTP_SUBGROUP_COMMON && m != MTP_METHOD_DL)
        return bad(msg, len, "--subgroup-tau2 common needs --method DL (the common tau^2 is the "
                             "pooled method-of-moments, DerSimonian-Laird, estimator), not --method %s",
                   mtp_method_name(m));
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
    mtp_options_init(&s->opts, MTP_OPTIONS_VERSION);
    s->level_pct = 95;
    s->threads = 1;
    s->digits = 4;
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
            if (olen >= sizeof opt)
                return bad(msg, len, "unknown option (see metapool --help)");
            memcpy(opt, a, olen);
            opt[olen] = '\0';
            if (!takes_value(opt))
                return apply(s, opt, "", msg, len); /* names the unknown option */
            if (eq != NULL) {
                val = eq + 1;
            } else {
                if (i + 1 >= argc)
                    return bad(msg, len, "%s needs a value (see metapool --help)", opt);
                val = argv[++i];
            }
            if (apply(s, opt, val, msg, len) != 0)
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
    /* a common tau² is the DL estimator pooled within subgroups (mtp_tau2_common):
     * without --method, DL rather than the default REML */
    if (s->subgroup_tau2 == MTP_SUBGROUP_COMMON && !s->method_given) {
        s->opts.method = MTP_METHOD_DL;
        s->method_defaulted = 1;
    }
    if (check_combination(s, msg, len) != 0)
        return MTPCLI_ARGS_ERROR;
    return MTPCLI_ARGS_RUN;
}
