/* The metapool command's --forest and --funnel against its own JSON.
 *
 *   test_plots ok CLI DIR OUTDIR NAME [contains=TEXT|marks=N|diamonds=N ...] -- ARG... FILE
 *       runs `CLI --format json ARG... FILE --forest OUTDIR/NAME.forest.svg
 *       --funnel OUTDIR/NAME.funnel.svg` in DIR (OUTDIR absolute) and checks: exit 0, nothing
 *       on standard error, standard output byte for byte that of the same run
 *       without the plots; in the forest plot one "study" mark per estimable
 *       study (JSON yi not null), in plot order (subgroups in order of first
 *       appearance, then input order), its square centred on yi and its CI
 *       line from yi -/+ z sqrt(vi) -- or, for est,lower,upper rows at the 95%
 *       level, from the limits as given in the CSV -- cut at the axis ends;
 *       one "diamond" per pooled estimate: each subgroup with k >= 2, then the
 *       overall result (or the one result without --subgroup), its vertices
 *       at ci_lower, estimate, ci_upper; every TEXT in the SVG; with
 *       marks=N and diamonds=N, that the JSON gives N of each. In the funnel
 *       plot one "study" circle per estimable study at (yi, sqrt(vi)) and the
 *       "pooled" line at the estimate. Positions are read back through the
 *       axis ticks (their labels give the values), to 0.02 px.
 *   test_plots fails CLI DIR OUTDIR NAME -- ARG...
 *       runs `CLI ARG... --forest OUTDIR/NAME.forest.svg --funnel
 *       OUTDIR/NAME.funnel.svg`: exit 1, empty standard output, one line on
 *       standard error starting "metapool: ", and neither file written.
 *
 * The CSV is read here by a small reader of its own (quoted fields without
 * line breaks), to know which rows are est,lower,upper and their subgroups.
 * Well-formedness of the SVG is checked by xmllint in separate ctests.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOL 0.02 /* px: coordinates are printed with two decimals */
#define MAXROWS 256
#define MAXMARKS 512

static unsigned long checks, failures;
static long want_marks = -1, want_diamonds = -1; /* counts asserted by the caller, or -1 */

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void failf(const char *fmt, ...)
{
    va_list ap;
    failures++;
    if (failures > 30)
        return;
    fputs("FAIL: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void near(double got, double want, const char *what, size_t i)
{
    checks++;
    if (!(fabs(got - want) <= TOL))
        failf("%s %zu: at x = %.2f, want %.3f", what, i + 1, got, want);
}

/* ------------------------------------------------------------ running */

#include "run_process.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    buf b = {0};
    char tmp[65536];
    size_t got;
    if (f == NULL)
        return NULL;
    append(&b, "", 0);
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        append(&b, tmp, got);
    fclose(f);
    return b.p;
}

/* ------------------------------------------------------------ the CSV */

typedef struct csvrow {
    int ci;              /* an est,lower,upper row */
    double lower, upper; /* its limits as given */
    char group[128];     /* its subgroup ("" without --subgroup) */
} csvrow;

/* Split one line into fields (RFC 4180 quoting, no line breaks in fields). */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *w = p;
        if (n == max)
            return n;
        f[n++] = w;
        if (*p == '"') {
            for (p++;; p++) {
                if (*p == '"' && p[1] == '"')
                    *w++ = '"', p++;
                else if (*p == '"' || *p == '\0')
                    break;
                else
                    *w++ = *p;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p != ',' && *p != '\0' && *p != '\n' && *p != '\r')
                *w++ = *p++;
        }
        if (*p != ',') {
            *w = '\0';
            return n;
        }
        *w = '\0';
        p++;
    }
}

static int column(char **h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i], name) == 0)
            return (int)i;
    return -1;
}

static size_t read_csv(const char *path, const char *subgroup, csvrow *rows)
{
    char *text = slurp(path), *line, *save = NULL, *h[64], *f[64];
    size_t nh, n = 0;
    int est, lo, hi, grp;
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    line = strtok_r(text, "\n", &save);
    nh = split(line, h, 64);
    est = column(h, nh, "est");
    lo = column(h, nh, "lower");
    hi = column(h, nh, "upper");
    grp = subgroup ? column(h, nh, subgroup) : -1;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL && n < MAXROWS) {
        const size_t nf = split(line, f, 64);
        csvrow *r = &rows[n++];
        r->ci = est >= 0 && (size_t)est < nf && f[est][0] != '\0';
        r->lower = r->ci ? strtod(f[lo], NULL) : NAN;
        r->upper = r->ci ? strtod(f[hi], NULL) : NAN;
        snprintf(r->group, sizeof r->group, "%s", grp >= 0 && (size_t)grp < nf ? f[grp] : "");
    }
    free(text);
    return n;
}

/* ------------------------------------------------------------ the SVG */

/* Value of attribute name in the element starting at el (up to its '>'). */
static double attr(const char *el, const char *name)
{
    char key[32];
    const char *end = strchr(el, '>'), *p;
    snprintf(key, sizeof key, " %s=\"", name);
    p = strstr(el, key);
    if (p == NULL || (end != NULL && p > end))
        return NAN;
    return strtod(p + strlen(key), NULL);
}

/* x = a + b * value (value on the analysis scale: log of a ratio label). */
typedef struct axis {
    double a, b, lo, hi; /* lo, hi: the axis line's ends in px */
} axis;

/* From the first and last tick label of class cls ("tick-label": x axis,
 * position x; "se-label": y axis, position y - 4, see lib/plot_funnel.c). */
static int read_axis(const char *svg, const char *cls, int log_scale, axis *ax)
{
    char key[64];
    const char *p = svg;
    double v0 = NAN, x0 = NAN, v1 = NAN, x1 = NAN;
    snprintf(key, sizeof key, "<text class=\"%s\"", cls);
    while ((p = strstr(p, key)) != NULL) {
        const int y = strcmp(cls, "se-label") == 0;
        const double x = y ? attr(p, "y") - 4 : attr(p, "x");
        const double v = strtod(strchr(p, '>') + 1, NULL);
        if (isnan(v0)) {
            v0 = v;
            x0 = x;
        } else {
            v1 = v;
            x1 = x;
        }
        p++;
    }
    if (isnan(v1))
        return -1;
    if (log_scale && strcmp(cls, "tick-label") == 0) {
        v0 = log(v0);
        v1 = log(v1);
    }
    ax->b = (x1 - x0) / (v1 - v0);
    ax->a = x0 - ax->b * v0;
    p = strstr(svg, "<line class=\"axis\"");
    ax->lo = p ? attr(p, "x1") : NAN;
    ax->hi = p ? attr(p, "x2") : NAN;
    return 0;
}

static double px(const axis *ax, double v) { return ax->a + ax->b * v; }
static double clamp(const axis *ax, double x) { return fmin(fmax(x, ax->lo), ax->hi); }

static size_t count(const char *svg, const char *s)
{
    size_t n = 0;
    for (const char *p = svg; (p = strstr(p, s)) != NULL; p++)
        n++;
    return n;
}

/* ------------------------------------------------------------ expectations */

typedef struct mark {
    double yi, vi;
    const csvrow *row;
} mark;

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Upper (1 - level)/2 point of the standard normal, by bisection on erfc. */
static double z_crit(double level)
{
    double lo = 0, hi = 40;
    for (int i = 0; i < 200; i++) {
        const double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / sqrt(2.0)) > (1 - level) / 2)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

static void check_forest(const char *svg, const json_t *o, const mark *m, size_t n, int log_scale)
{
    const double level = num(o, "level") / 100, z = z_crit(level);
    const json_t *groups = json_object_get(o, "subgroups");
    const json_t *res[MAXROWS];
    size_t nres = 0, nest = 0, i = 0;
    const char *p = svg;
    axis ax;
    if (read_axis(svg, "tick-label", log_scale, &ax) != 0) {
        failf("forest: no axis ticks");
        return;
    }
    for (size_t g = 0; g < json_array_size(groups); g++)
        if (num(json_array_get(groups, g), "k") >= 2)
            res[nres++] = json_array_get(groups, g);
    res[nres++] = o;
    for (size_t j = 0; j < n; j++)
        nest += isnan(m[j].yi) ? 0u : 1u;
    checks += 3;
    if ((want_marks >= 0 && (size_t)want_marks != nest) ||
        (want_diamonds >= 0 && (size_t)want_diamonds != nres)) {
        failf("the JSON gives %zu estimable studies and %zu pooled estimates, not %ld and %ld", nest, nres,
              want_marks, want_diamonds);
    }
    if (count(svg, "class=\"study\"") != nest)
        failf("forest: %zu study marks, want %zu", count(svg, "class=\"study\""), nest);
    if (count(svg, "class=\"diamond\"") != nres)
        failf("forest: %zu diamonds, want %zu", count(svg, "class=\"diamond\""), nres);
    for (size_t j = 0; j < n; j++) {
        const char *end, *ci, *box;
        double lo, hi;
        if (isnan(m[j].yi))
            continue;
        if ((p = strstr(p, "<g class=\"study\">")) == NULL)
            return;
        end = strstr(p, "</g>");
        ci = strstr(p, "<line class=\"ci\"");
        box = strstr(p, "<rect class=\"box\"");
        if (m[j].row->ci && level == 0.95) { /* as given */
            lo = log_scale ? log(m[j].row->lower) : m[j].row->lower;
            hi = log_scale ? log(m[j].row->upper) : m[j].row->upper;
        } else {
            lo = m[j].yi - z * sqrt(m[j].vi);
            hi = m[j].yi + z * sqrt(m[j].vi);
        }
        if (clamp(&ax, px(&ax, hi)) > clamp(&ax, px(&ax, lo))) {
            checks++;
            if (ci == NULL || ci > end) {
                failf("study %zu: no CI line", i + 1);
            } else {
                near(attr(ci, "x1"), clamp(&ax, px(&ax, lo)), "study CI, lower end", i);
                near(attr(ci, "x2"), clamp(&ax, px(&ax, hi)), "study CI, upper end", i);
            }
        }
        if (px(&ax, m[j].yi) >= ax.lo && px(&ax, m[j].yi) <= ax.hi) {
            checks++;
            if (box == NULL || box > end)
                failf("study %zu: no square", i + 1);
            else
                near(attr(box, "x") + attr(box, "width") / 2, px(&ax, m[j].yi), "study square", i);
        }
        p = end;
        i++;
    }
    p = svg;
    for (size_t r = 0; r < nres && (p = strstr(p, "<polygon class=\"diamond\"")) != NULL; r++, p++) {
        char *pts = strstr(p, "points=\"") + 8;
        double v[8];
        for (int k = 0; k < 8; k++) {
            v[k] = strtod(pts, &pts);
            pts++; /* ',' or ' ' */
        }
        near(v[0], clamp(&ax, px(&ax, num(res[r], "ci_lower"))), "diamond, left", r);
        near(v[2], clamp(&ax, px(&ax, num(res[r], "estimate"))), "diamond, top", r);
        near(v[4], clamp(&ax, px(&ax, num(res[r], "ci_upper"))), "diamond, right", r);
    }
}

static void check_funnel(const char *svg, const json_t *o, int log_scale)
{
    const json_t *st = json_object_get(o, "studies");
    const char *p = svg;
    size_t nest = 0, i = 0;
    axis ax, ay;
    if (read_axis(svg, "tick-label", log_scale, &ax) != 0 || read_axis(svg, "se-label", 0, &ay) != 0) {
        failf("funnel: no axis ticks");
        return;
    }
    for (size_t j = 0; j < json_array_size(st); j++)
        nest += isnan(num(json_array_get(st, j), "yi")) ? 0u : 1u;
    checks++;
    if (count(svg, "class=\"study\"") != nest)
        failf("funnel: %zu study circles, want %zu", count(svg, "class=\"study\""), nest);
    p = strstr(svg, "<line class=\"pooled\"");
    checks++;
    if (p == NULL)
        failf("funnel: no pooled line");
    else
        near(attr(p, "x1"), px(&ax, num(o, "estimate")), "funnel, pooled line", 0);
    p = svg;
    for (size_t j = 0; j < json_array_size(st); j++) {
        const json_t *s = json_array_get(st, j);
        if (isnan(num(s, "yi")))
            continue;
        if ((p = strstr(p, "<circle class=\"study\"")) == NULL)
            return;
        near(attr(p, "cx"), px(&ax, num(s, "yi")), "funnel circle, x", i);
        near(attr(p, "cy"), px(&ay, sqrt(num(s, "vi"))), "funnel circle, y", i);
        p++;
        i++;
    }
}

/* The plot's rows: per subgroup (JSON order) the CSV rows of that subgroup,
 * with the subgroup fit's yi and vi; without subgroups all rows. */
static size_t plot_rows(const json_t *o, const csvrow *rows, size_t nrows, mark *m)
{
    const json_t *groups = json_object_get(o, "subgroups");
    size_t n = 0;
    if (groups == NULL) {
        const json_t *st = json_object_get(o, "studies");
        for (size_t i = 0; i < nrows && i < json_array_size(st); i++) {
            m[n].yi = num(json_array_get(st, i), "yi");
            m[n].vi = num(json_array_get(st, i), "vi");
            m[n++].row = &rows[i];
        }
        return n;
    }
    for (size_t g = 0; g < json_array_size(groups); g++) {
        const json_t *go = json_array_get(groups, g);
        const json_t *st = json_object_get(go, "studies");
        const char *name = json_string_value(json_object_get(go, "name"));
        size_t k = 0;
        for (size_t i = 0; i < nrows; i++)
            if (name != NULL && strcmp(rows[i].group, name) == 0) {
                m[n].yi = num(json_array_get(st, k), "yi");
                m[n].vi = num(json_array_get(st, k), "vi");
                m[n++].row = &rows[i];
                k++;
            }
        checks++;
        if (k != json_array_size(st))
            failf("subgroup %s: %zu CSV rows, %zu JSON studies", name, k, json_array_size(st));
    }
    return n;
}

/* ------------------------------------------------------------ modes */

static char **command(char *cli, char **args, int nargs, const char *forest, const char *funnel,
                      int json)
{
    char **argv = calloc((size_t)nargs + 8, sizeof *argv);
    int n = 0;
    argv[n++] = cli;
    if (json) {
        argv[n++] = "--format";
        argv[n++] = "json";
    }
    for (int i = 0; i < nargs; i++)
        argv[n++] = args[i];
    if (forest != NULL) {
        argv[n++] = "--forest";
        argv[n++] = (char *)forest;
        argv[n++] = "--funnel";
        argv[n++] = (char *)funnel;
    }
    argv[n] = NULL;
    return argv;
}

static int ok_case(char *cli, const char *dir, const char *forest, const char *funnel, char **contains,
                   int ncontains, char **args, int nargs)
{
    char **with = command(cli, args, nargs, forest, funnel, 1), **without = command(cli, args, nargs, NULL, NULL, 1);
    buf o1 = {0}, e1 = {0}, o2 = {0}, e2 = {0};
    const char *subgroup = NULL, *file = NULL;
    static csvrow rows[MAXROWS];
    static mark m[MAXMARKS];
    char *svg, *fsvg, path[4096];
    json_t *o;
    json_error_t jerr;
    size_t nrows, n;
    int rc, log_scale;
    remove(forest);
    remove(funnel);
    rc = run(with, dir, NULL, &o1, &e1);
    if (rc != 0 || e1.n != 0) {
        fprintf(stderr, "FAIL: exit status %d\n%s", rc, e1.p);
        return 1;
    }
    run(without, dir, NULL, &o2, &e2);
    checks++;
    if (o1.n != o2.n || memcmp(o1.p, o2.p, o1.n) != 0)
        failf("standard output differs from the run without --forest and --funnel");
    if ((o = json_loads(o1.p, 0, &jerr)) == NULL) {
        fprintf(stderr, "FAIL: not JSON: %s\n", jerr.text);
        return 1;
    }
    for (int i = 0; i + 1 < nargs; i++)
        if (strcmp(args[i], "--subgroup") == 0)
            subgroup = args[i + 1];
    file = args[nargs - 1]; /* the input file comes last */
    snprintf(path, sizeof path, "%s%s%s", file[0] == '/' ? "" : dir, file[0] == '/' ? "" : "/", file);
    nrows = read_csv(path, subgroup, rows);
    n = plot_rows(o, rows, nrows, m);
    log_scale = strcmp(json_string_value(json_object_get(o, "measure")), "RR") == 0 ||
                strcmp(json_string_value(json_object_get(o, "measure")), "OR") == 0;
    if ((svg = slurp(forest)) == NULL || (fsvg = slurp(funnel)) == NULL) {
        fprintf(stderr, "FAIL: a plot file was not written\n");
        return 1;
    }
    check_forest(svg, o, m, n, log_scale);
    check_funnel(fsvg, o, log_scale);
    for (int i = 0; i < ncontains; i++) {
        checks++;
        if (strstr(svg, contains[i]) == NULL)
            failf("the forest plot does not contain \"%s\"", contains[i]);
    }
    printf("%lu checks, %lu failures (%zu rows)\n", checks, failures, n);
    json_decref(o);
    free(svg);
    free(fsvg);
    free(with);
    free(without);
    free(o1.p);
    free(e1.p);
    free(o2.p);
    free(e2.p);
    return failures == 0 && checks > 3 ? 0 : 1;
}

static int fails_case(char *cli, const char *dir, const char *forest, const char *funnel, char **args,
                      int nargs)
{
    char **argv = command(cli, args, nargs, forest, funnel, 0);
    buf out = {0}, err = {0};
    int rc;
    remove(forest);
    remove(funnel);
    rc = run(argv, dir, NULL, &out, &err);
    free(argv);
    if (rc != 1)
        failf("exit status %d, want 1", rc);
    if (out.n != 0)
        failf("standard output is not empty");
    if (err.n == 0 || err.p[err.n - 1] != '\n' || memchr(err.p, '\n', err.n - 1) != NULL ||
        strncmp(err.p, "metapool: ", 10) != 0)
        failf("standard error is not one line starting \"metapool: \": %s", err.p);
    if (access(forest, F_OK) == 0 || access(funnel, F_OK) == 0)
        failf("a plot file was written although the command failed");
    printf("%s", err.p);
    free(out.p);
    free(err.p);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    char forest[4096], funnel[4096];
    int sep = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    if (argc < 7 || sep < 6 || sep + 1 >= argc || (strcmp(argv[1], "ok") != 0 && strcmp(argv[1], "fails") != 0)) {
        fprintf(stderr, "usage: test_plots ok|fails CLI DIR OUTDIR NAME [contains=TEXT|marks=N|diamonds=N ...] -- ARG... FILE\n");
        return 2;
    }
    snprintf(forest, sizeof forest, "%s/%s.forest.svg", argv[4], argv[5]);
    snprintf(funnel, sizeof funnel, "%s/%s.funnel.svg", argv[4], argv[5]);
    if (strcmp(argv[1], "fails") == 0)
        return fails_case(argv[2], argv[3], forest, funnel, argv + sep + 1, argc - sep - 1);
    {
        char *contains[32];
        int nc = 0;
        for (int i = 6; i < sep && nc < 32; i++)
            if (strncmp(argv[i], "contains=", 9) == 0)
                contains[nc++] = argv[i] + 9;
            else if (strncmp(argv[i], "marks=", 6) == 0)
                want_marks = strtol(argv[i] + 6, NULL, 10);
            else if (strncmp(argv[i], "diamonds=", 9) == 0)
                want_diamonds = strtol(argv[i] + 9, NULL, 10);
        return ok_case(argv[2], argv[3], forest, funnel, contains, nc, argv + sep + 1, argc - sep - 1);
    }
}
