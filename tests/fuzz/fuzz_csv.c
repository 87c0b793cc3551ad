/* libFuzzer target: the command's CSV reader (cli/csv_input.h) on arbitrary
 * bytes.
 *
 * Input: the CSV bytes. If the first byte is a control byte other than tab,
 * LF and CR (0x00-0x08, 0x0b, 0x0c, 0x0e-0x1f) it is taken as flags and the
 * CSV starts after it: bit 0 reads column "group" as the subgroup column,
 * bit 1 column "by" as the --by column.
 *
 * Each input is read twice, with the plain splitter and with libcsv
 * (force_libcsv); without a '"' in the bytes both must give the same status
 * and, on success, the same table (cli/csv_input.h promises the same fields).
 *
 * What must hold (abort() otherwise):
 * - the status is MTPCLI_CSV_OK, _EDATA or _ENOMEM;
 * - an error has a one-line, NUL-terminated, non-empty message and a line
 *   number no larger than the number of lines in the input (plus one);
 * - a table has nrows > 0 rows, each of a known kind, with line numbers
 *   that never decrease and stay within the input; 2x2 rows have finite
 *   counts >= 0 with events <= participants and participants > 0; effect
 *   rows a finite estimate and a finite variance > 0; CI rows finite
 *   numbers; labels, subgroup and --by indices inside the table.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_csv"
#include "fuzz_check.h"

static size_t count_lines(const char *buf, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 == len || buf[i + 1] != '\n')))
            lines++;
    return lines;
}

static void check_error(const mtpcli_csv_error *e, size_t lines)
{
    const char *end = memchr(e->message, '\0', sizeof e->message);
    CHECK(end != NULL, "message not terminated");
    CHECK(e->message[0] != '\0', "empty message");
    CHECK(memchr(e->message, '\n', (size_t)(end - e->message)) == NULL, e->message);
    CHECK(memchr(e->message, '\r', (size_t)(end - e->message)) == NULL, e->message);
    CHECK(e->line <= lines, e->message);
}

static int arena_string_ok(const mtpcli_table *t, size_t off)
{
    return off < t->arena_len && memchr(t->arena + off, '\0', t->arena_len - off) != NULL;
}

static void check_table(const mtpcli_table *t, size_t lines)
{
    char d[160];
    CHECK(t->nrows > 0 && t->nrows <= t->cap, "row count");
    for (size_t i = 0; i < t->nrows; i++) {
        const double a = t->v[0][i], b = t->v[1][i];
        snprintf(d, sizeof d, "row %zu (line %zu), kind %d: %g %g", i, t->line[i], t->kind[i], a, b);
        CHECK(t->line[i] >= 1 && t->line[i] <= lines, d);
        CHECK(i == 0 || t->line[i] > t->line[i - 1], d);
        switch (t->kind[i]) {
        case MTPCLI_ROW_2X2: {
            const double c = t->v[2][i], n2 = t->v[3][i];
            CHECK(isfinite(a) && isfinite(b) && isfinite(c) && isfinite(n2), d);
            CHECK(a >= 0 && c >= 0 && a <= b && c <= n2 && b > 0 && n2 > 0, d);
            break;
        }
        case MTPCLI_ROW_EFFECT:
            CHECK(isfinite(a) && isfinite(b) && b > 0, d);
            break;
        case MTPCLI_ROW_CI:
            CHECK(isfinite(a) && isfinite(b) && isfinite(t->v[2][i]), d);
            break;
        default:
            CHECK(0, d);
        }
        if (t->label != NULL)
            CHECK(t->label[i] == MTPCLI_NONE || arena_string_ok(t, t->label[i]), d);
        if (t->group != NULL)
            CHECK(t->group[i] < t->groups.n, d);
        if (t->by != NULL)
            CHECK(t->by[i] < t->bys.n, d);
    }
    for (size_t j = 0; j < t->groups.n; j++)
        CHECK(arena_string_ok(t, t->groups.off[j]), "subgroup name");
    for (size_t j = 0; j < t->bys.n; j++)
        CHECK(arena_string_ok(t, t->bys.off[j]), "--by value");
    for (size_t j = 0; j < t->ncols; j++)
        CHECK(arena_string_ok(t, t->header[j]), "header name");
}

static int same_double(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

/* The plain splitter and libcsv must agree on quote-free input. */
static void check_same_tables(const mtpcli_table *p, const mtpcli_table *q)
{
    CHECK(p->nrows == q->nrows && p->ncols == q->ncols && p->bi_layout == q->bi_layout,
          "table shape differs between the tokenisers");
    CHECK(memcmp(p->col, q->col, sizeof p->col) == 0, "recognised columns differ");
    CHECK((p->label == NULL) == (q->label == NULL), "label column differs");
    CHECK(p->groups.n == q->groups.n && p->bys.n == q->bys.n, "subgroups or --by values differ");
    for (size_t i = 0; i < p->nrows; i++) {
        CHECK(p->kind[i] == q->kind[i] && p->line[i] == q->line[i], "row kind or line differs");
        for (int j = 0; j < 4; j++)
            if (p->v[j] != NULL && q->v[j] != NULL && (j < 2 || p->kind[i] != MTPCLI_ROW_EFFECT))
                CHECK(same_double(p->v[j][i], q->v[j][i]), "a value differs between the tokenisers");
        if (p->label != NULL) {
            CHECK((p->label[i] == MTPCLI_NONE) == (q->label[i] == MTPCLI_NONE), "label presence");
            if (p->label[i] != MTPCLI_NONE)
                CHECK(strcmp(mtpcli_table_str(p, p->label[i]), mtpcli_table_str(q, q->label[i])) == 0,
                      "label differs between the tokenisers");
        }
        if (p->group != NULL)
            CHECK(q->group != NULL && p->group[i] == q->group[i], "subgroup differs");
        if (p->by != NULL)
            CHECK(q->by != NULL && p->by[i] == q->by[i], "--by value differs");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    size_t len = size, lines;
    unsigned int flags = 0;
    mtpcli_csv_config cfg;
    mtpcli_table t[2];
    mtpcli_csv_error err[2];
    int rc[2];

    if (len > 0 && data[0] < 0x20 && data[0] != '\t' && data[0] != '\n' && data[0] != '\r') {
        flags = data[0];
        buf++;
        len--;
    }
    lines = count_lines(buf, len);
    memset(&cfg, 0, sizeof cfg);
    cfg.subgroup_column = (flags & 1) ? "group" : NULL;
    cfg.by_column = (flags & 2) ? "by" : NULL;
    for (int pass = 0; pass < 2; pass++) {
        cfg.force_libcsv = pass;
        rc[pass] = mtpcli_csv_read(&t[pass], len > 0 ? buf : NULL, len, &cfg, &err[pass]);
        CHECK(rc[pass] == MTPCLI_CSV_OK || rc[pass] == MTPCLI_CSV_EDATA || rc[pass] == MTPCLI_CSV_ENOMEM,
              "status");
        if (rc[pass] == MTPCLI_CSV_OK)
            check_table(&t[pass], lines);
        else
            check_error(&err[pass], lines);
    }
    if (memchr(buf, '"', len) == NULL) {
        if (rc[0] != rc[1]) {
            char d[900];
            snprintf(d, sizeof d, "plain: %d \"%s\"; libcsv: %d \"%s\"", rc[0],
                     rc[0] ? err[0].message : "", rc[1], rc[1] ? err[1].message : "");
            violated("the tokenisers disagree on the status", d);
        }
        if (rc[0] == MTPCLI_CSV_OK)
            check_same_tables(&t[0], &t[1]);
    }
    mtpcli_table_free(&t[0]);
    mtpcli_table_free(&t[1]);
    return 0;
}
