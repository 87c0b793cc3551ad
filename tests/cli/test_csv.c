/* The CLI's CSV reader and JSON writers:
 *  1. the plain splitter and libcsv give the same table, or the same error,
 *     on every test file without quotes and on seeded random quote-free bytes;
 *  2. line and column numbers of errors, with CRLF, CR and quoted newlines;
 *  3. the JSON writer writes jansson's bytes: each object it writes, compact
 *     (--by) or indented, read back by jansson and written again by it with
 *     the same flags, is the same text, for every test file and option set
 *     (--mods and --permutations included), and for labels full of characters
 *     JSON must escape.
 * usage: test_csv DATADIR [N]   (N random inputs, default 20000)
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static unsigned long checks, failures, writer_runs;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            if (failures < 30) {                                                                   \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
                fprintf(stderr, __VA_ARGS__);                                                      \
                fputc('\n', stderr);                                                               \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t cap = 0, n = 0, got;
    if (f == NULL)
        return NULL;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            b = realloc(b, cap);
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return b;
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same_str_at(const mtpcli_table *a, size_t oa, const mtpcli_table *b, size_t ob)
{
    if (oa == MTPCLI_NONE || ob == MTPCLI_NONE)
        return oa == ob;
    return strcmp(mtpcli_table_str(a, oa), mtpcli_table_str(b, ob)) == 0;
}

/* Same result from both tokenisers. */
static void compare_tokenisers(const char *what, const char *buf, size_t len, const char *sub,
                               const char *by)
{
    mtpcli_csv_config c1 = {sub, by, 0, NULL, 0}, c2 = {sub, by, 1, NULL, 0};
    mtpcli_table a, b;
    mtpcli_csv_error ea, eb;
    const int ra = mtpcli_csv_read(&a, buf, len, &c1, &ea);
    const int rb = mtpcli_csv_read(&b, buf, len, &c2, &eb);
    CHECK(ra == rb, "%s: status %d (splitter) vs %d (libcsv)", what, ra, rb);
    if (ra != MTPCLI_CSV_OK || rb != MTPCLI_CSV_OK) {
        CHECK(strcmp(ea.message, eb.message) == 0, "%s: messages differ:\n  %s\n  %s", what, ea.message,
              eb.message);
    } else {
        CHECK(a.nrows == b.nrows && a.ncols == b.ncols, "%s: %zu/%zu rows, %zu/%zu columns", what,
              a.nrows, b.nrows, a.ncols, b.ncols);
        for (size_t i = 0; i < a.nrows && i < b.nrows; i++) {
            int ok = a.kind[i] == b.kind[i] && a.line[i] == b.line[i];
            for (int j = 0; j < 4; j++)
                if (a.v[j] != NULL && b.v[j] != NULL)
                    ok &= same_double(a.v[j][i], b.v[j][i]);
            if (a.label != NULL)
                ok &= b.label != NULL && same_str_at(&a, a.label[i], &b, b.label[i]);
            if (a.group != NULL)
                ok &= same_str_at(&a, a.groups.off[a.group[i]], &b, b.groups.off[b.group[i]]);
            if (a.by != NULL)
                ok &= same_str_at(&a, a.bys.off[a.by[i]], &b, b.bys.off[b.by[i]]);
            CHECK(ok, "%s: row %zu differs", what, i + 1);
        }
    }
    mtpcli_table_free(&a);
    mtpcli_table_free(&b);
}

/* ------------------------------------------------------------ writers */

/* Every object of the writer's output (one per line) read back by jansson
 * and dumped again with flags: the same bytes. */
static void same_as_jansson(const char *what, const mtpcli_out *o, size_t flags)
{
    size_t at = 0, objects = 0;
    while (at < o->len) {
        const char *end = NULL;
        json_error_t jerr;
        json_t *v;
        char *text;
        size_t n;
        /* a compact object ends at its line's end; an indented one at "\n}\n" */
        if (flags & JSON_COMPACT) {
            end = memchr(o->buf + at, '\n', o->len - at);
        } else {
            for (size_t i = at; i + 2 < o->len + 1 && end == NULL; i++)
                if (o->buf[i] == '}' && i + 1 < o->len && o->buf[i + 1] == '\n' &&
                    (i == at || o->buf[i - 1] == '\n'))
                    end = o->buf + i + 1;
        }
        if (end == NULL) {
            CHECK(0, "%s: output does not end with a newline", what);
            return;
        }
        n = (size_t)(end - (o->buf + at));
        v = json_loadb(o->buf + at, n, 0, &jerr);
        CHECK(v != NULL, "%s: not JSON: %s", what, jerr.text);
        if (v == NULL)
            return;
        text = json_dumps(v, flags);
        CHECK(text != NULL && strlen(text) == n && memcmp(text, o->buf + at, n) == 0,
              "%s: jansson writes it differently (%zu vs %zu bytes)\n%.*s\n%.*s", what, n,
              text ? strlen(text) : 0, (int)(n < 600 ? n : 600), o->buf + at,
              (int)(text && strlen(text) < 600 ? strlen(text) : 600), text ? text : "");
        free(text);
        json_decref(v);
        at += n + 1;
        objects++;
    }
    CHECK(objects > 0, "%s: no output", what);
}

static void compare_writers(const char *what, const char *buf, size_t len, int argc, char **argv)
{
    mtpcli_settings s;
    mtpcli_table t;
    mtpcli_run run;
    mtpcli_csv_config cfg;
    mtpcli_csv_error e;
    mtpcli_out compact, indented;
    const char *mods[MTPCLI_MODS_MAX_TERMS];
    char msg[600];
    if (mtpcli_parse_args(&s, argc, argv, msg, sizeof msg) != MTPCLI_ARGS_RUN) {
        CHECK(0, "%s: arguments: %s", what, msg);
        return;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.subgroup_column = s.subgroup;
    cfg.by_column = s.by;
    if (s.has_mods) {
        for (size_t j = 0; j < s.mods.ncols; j++)
            mods[j] = mtpcli_formula_str(&s.mods, s.mods.cols[j]);
        cfg.mod_columns = mods;
        cfg.nmod_columns = s.mods.ncols;
    }
    memset(&run, 0, sizeof run);
    memset(&compact, 0, sizeof compact);
    memset(&indented, 0, sizeof indented);
    if (mtpcli_csv_read(&t, buf, len, &cfg, &e) != MTPCLI_CSV_OK ||
        mtpcli_analyse(&run, &t, &s, msg, sizeof msg) != 0) {
        mtpcli_table_free(&t);
        mtpcli_run_free(&run);
        return; /* files that fail are compared as errors above */
    }
    mtpcli_write_json(&compact, &run, &t, &s, 1);
    mtpcli_write_json(&indented, &run, &t, &s, 0);
    CHECK(!compact.failed && !indented.failed, "%s: the writer failed", what);
    same_as_jansson(what, &compact, JSON_REAL_PRECISION(17) | JSON_COMPACT);
    same_as_jansson(what, &indented, JSON_REAL_PRECISION(17) | JSON_INDENT(2));
    writer_runs++;
    mtpcli_out_free(&compact);
    mtpcli_out_free(&indented);
    mtpcli_run_free(&run);
    mtpcli_table_free(&t);
}

/* ------------------------------------------------------------ error positions */

static void expect_error(const char *buf, const char *want)
{
    mtpcli_table t;
    mtpcli_csv_error e;
    for (int force = 0; force < 2; force++) {
        mtpcli_csv_config c = {NULL, NULL, force, NULL, 0};
        const int rc = mtpcli_csv_read(&t, buf, strlen(buf), &c, &e);
        CHECK(rc == MTPCLI_CSV_EDATA && strncmp(e.message, want, strlen(want)) == 0,
              "input %s: got \"%s\", want \"%s...\"", buf, e.message, want);
        mtpcli_table_free(&t);
    }
}

static void error_positions(void)
{
    expect_error("study,yi,vi\na,1,x\n", "line 2, column 3 (vi): \"x\" is not a number");
    expect_error("study,yi,vi\r\na,1,0.1\r\nb,1,x\r\n", "line 3, column 3 (vi)");
    expect_error("study,yi,vi\ra,1,0.1\rb,1,x\r", "line 3, column 3 (vi)");
    expect_error("study,yi,vi\n\n\na,1,0.1\n\nb,x,1\n", "line 6, column 2 (yi)");
    expect_error("study,yi,vi\n\"two\nlines\",1,x\n", "line 3, column 3 (vi)");
    expect_error("study,yi,vi\n\"two\r\nlines\",1,0.1\nc,1,x\n", "line 4, column 3 (vi)");
    expect_error("study,yi,vi\n\"a\"\"b\",1,0.1\nc,1,0.1,9\n", "line 3, column 4: extra field");
    expect_error("study,yi,vi\na,1\n", "line 2, column 3 (vi): missing field");
    expect_error("study,yi,vi\n\"a,1,0.1\n", "line 2, column 1 (study): quoted field not closed");
    expect_error("study,yi,vi\na\"b,1,0.1\n", "line 2, column 1 (study): stray quote");
    expect_error("study,yi,vi\n\"a\"b,1,0.1\n", "line 2, column 1 (study): text after a closing quote");
    expect_error("study,yi,vi\na,1,\"0.1\"x\n", "line 2, column 3 (vi): text after a closing quote");
    expect_error("\xEF\xBB\xBFstudy,yi,vi\na,1,-2\n", "line 2, column 3 (vi): variance -2 is not > 0");
    expect_error("", "line 1: empty file");
    expect_error("\n\r\n", "line 1: empty file");
    expect_error("study,yi,vi\n", "line 2: no study rows");
    expect_error("study,yi,yi\n", "line 1, column 3 (yi): duplicate column");
    expect_error("Study,YI,VI,study\n", "line 1, column 4 (study): duplicate column");
}

/* Files decoded identically whatever their line ends and quoting. */
static void quoted_content(void)
{
    static const char *const bufs[] = {
        "study,yi,vi,note\n\"a, \"\"b\"\"\",1.5,0.25,\"x\ny\"\n",
        "study,yi,vi,note\r\n\"a, \"\"b\"\"\",\"1.5\",0.25,\"x\ny\"",
        ("\xEF\xBB\xBF" "study,yi,vi,note\r\"a, \"\"b\"\"\", 1.5 ,0.25,\"x\ny\"\r")};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        mtpcli_table t;
        mtpcli_csv_error e;
        const int rc = mtpcli_csv_read(&t, bufs[i], strlen(bufs[i]), NULL, &e);
        CHECK(rc == MTPCLI_CSV_OK && t.nrows == 1 && t.v[0][0] == 1.5 && t.v[1][0] == 0.25 &&
                  strcmp(mtpcli_table_str(&t, t.label[0]), "a, \"b\"") == 0 && t.line[0] == 2,
              "quoted content %zu: rc %d %s", i, rc, e.message);
        mtpcli_table_free(&t);
    }
}

/* ------------------------------------------------------------ random bytes */

static uint64_t rng = 88172645463325252u;
static unsigned next(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void random_inputs(unsigned long n)
{
    static const char *const headers[] = {"study,yi,vi\n", "ai,n1i,ci,n2i\n", "g,yi,sei,ai,bi,ci,di\n",
                                          "est,lower,upper,g\n", "yi,vi,g,study\n"};
    static const char alphabet[] = "0123456789012345,,,,\n\n\r.-+eE abx\t\0\xc3\xa9";
    char buf[512];
    for (unsigned long i = 0; i < n; i++) {
        const char *h = headers[next(5)];
        size_t len = strlen(h), target = (size_t)next(200);
        memcpy(buf, h, len);
        while (len < target + strlen(h) && len < sizeof buf)
            buf[len++] = alphabet[next(sizeof alphabet - 1)];
        compare_tokenisers("random", buf, len, next(2) ? "g" : NULL, next(3) == 0 ? "g" : NULL);
    }
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static const char *const dirs[] = {"", "/bad", "/formats"};
    char *args[][12] = {
        {"metapool", "--format", "json", NULL},
        {"metapool", "--format", "json", "--method", "DL", "--test", "knha", NULL},
        {"metapool", "--format", "json", "--method", "MH", "--measure", "OR", NULL},
        {"metapool", "--format", "json", "--subgroup", "alloc", NULL},
        {"metapool", "--format", "json", "--subgroup", "design", "--method", "DL", NULL},
        {"metapool", "--format", "json", "--by", "alloc", NULL},
        {"metapool", "--format", "json", "--by", "design", "--subgroup", "design", NULL},
        {"metapool", "--format", "json", "--by", "alloc", "--subgroup", "ablat", NULL},
        {"metapool", "--format", "json", "--by", "design", "--subgroup", "study", "--method", "PM", NULL},
        {"metapool", "--format", "json", "--by", "rep", NULL},
        {"metapool", "--format", "json", "--by", "analysis", "--measure", "RD", NULL},
        {"metapool", "--format", "json", "--mods", "ablat + alloc", NULL},
        {"metapool", "--format", "json", "--mods", "factor(alloc) - 1", "--test", "knha", NULL},
        {"metapool", "--format", "json", "--mods", "ablat", "--permutations", "50", NULL},
        {"metapool", "--format", "json", "--permutations", "20", "--method", "DL", NULL},
        {"metapool", "--format", "json", "--by", "alloc", "--mods", "ablat", NULL},
    };
    if (argc < 2) {
        fprintf(stderr, "usage: test_csv DATADIR [N]\n");
        return 2;
    }
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char dir[1024];
        DIR *dp;
        struct dirent *de;
        snprintf(dir, sizeof dir, "%s%s", argv[1], dirs[d]);
        if ((dp = opendir(dir)) == NULL) {
            CHECK(0, "cannot open %s", dir);
            continue;
        }
        while ((de = readdir(dp)) != NULL) {
            char path[2048];
            size_t len = 0;
            char *buf;
            if (strstr(de->d_name, ".csv") == NULL)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            if ((buf = slurp(path, &len)) == NULL)
                continue;
            if (memchr(buf, '"', len) == NULL) {
                compare_tokenisers(path, buf, len, NULL, NULL);
                compare_tokenisers(path, buf, len, "alloc", NULL);
                compare_tokenisers(path, buf, len, NULL, "study");
            }
            for (size_t a = 0; a < sizeof args / sizeof args[0]; a++) {
                int n = 0;
                while (args[a][n] != NULL)
                    n++;
                compare_writers(path, buf, len, n, args[a]);
            }
            free(buf);
        }
        closedir(dp);
    }
    { /* labels JSON must escape */
        static const char lab[] = "study,yi,vi,g\n"
                                  "\"quote \"\" and \\\\ back\",0.1,0.1,\"a\tb\"\n"
                                  "\"new\nline and \x01\x1f\x7f\",0.2,0.2,\"a\tb\"\n"
                                  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 /slash\",0.3,0.3,\"\xc3\xa9\"\n"
                                  "\"\b\f\r\",0.4,0.1,\"\xc3\xa9\"\n";
        char *a1[] = {"metapool", "--format", "json", "--by", "g", NULL};
        char *a2[] = {"metapool", "--format", "json", "--subgroup", "g", NULL};
        char *a3[] = {"metapool", "--format", "json", NULL};
        compare_writers("escapes --by", lab, sizeof lab - 1, 5, a1);
        compare_writers("escapes --subgroup", lab, sizeof lab - 1, 5, a2);
        compare_writers("escapes", lab, sizeof lab - 1, 3, a3);
    }
    error_positions();
    quoted_content();
    random_inputs(argc > 2 ? strtoul(argv[2], NULL, 10) : 20000ul);
    printf("%lu checks (%lu writer runs), %lu failures\n", checks, writer_runs, failures);
    return failures == 0 && writer_runs > 50 ? 0 : 1;
}
