/* libFuzzer target: the command's --mods formula parser and model-matrix
 * builder (cli/mods.h), and the library's fit of the matrix.
 *
 * Input: the first line (up to LF) is the value of --mods; a TAB in it
 * starts the value of --btt. The rest of the bytes is a CSV file, read with
 * the formula's columns as moderator columns.
 *
 * What must hold (abort() otherwise):
 * - the parser returns 0, or -1 with a one-line message starting "--mods ";
 *   a parsed formula has an intercept or a term, at most
 *   MTPCLI_MODS_MAX_TERMS terms, distinct columns no more than terms, every
 *   term's column among them, non-empty names; its canonical text starts
 *   "~ " and parses again to the same formula;
 * - a --btt list is accepted or refused with a message starting "--btt ";
 *   against a model of p coefficients it gives ascending, distinct indices < p;
 * - for a table that reads and whose moderator columns check: the model
 *   matrix (all studies, and a keep mask from the bytes) has p >= 1 columns
 *   with non-empty names; the intercept column is all ones; numeric columns
 *   hold the parsed values; each categorical term's indicator columns are
 *   0/1 with at most one 1 in a row (exactly one without an intercept for the
 *   first categorical term); rows left out are zero; refusals are one line;
 * - the library's mtp_fit on that matrix (effect rows only) returns a known
 *   status, and ::MTP_ERANK names a column of the matrix.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metapool.h"
#include "mods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_mods"
#include "fuzz_check.h"

static void check_message(const char *msg, const char *prefix)
{
    CHECK(msg[0] != '\0', "empty message");
    CHECK(strchr(msg, '\n') == NULL, msg);
    if (prefix != NULL)
        CHECK(strncmp(msg, prefix, strlen(prefix)) == 0, msg);
}

static void check_formula(const mtpcli_formula *f)
{
    CHECK(f->intercept || f->nterms > 0, "no coefficients");
    CHECK(f->nterms <= MTPCLI_MODS_MAX_TERMS, "too many terms");
    CHECK(f->ncols <= f->nterms, "more columns than terms");
    CHECK(f->text < sizeof f->buf && strncmp(mtpcli_formula_str(f, f->text), "~ ", 2) == 0,
          "canonical text");
    for (size_t i = 0; i < f->nterms; i++) {
        CHECK(f->terms[i].col < f->ncols, "term column");
        CHECK(f->terms[i].name < sizeof f->buf, "name offset");
        CHECK(mtpcli_formula_str(f, f->terms[i].name)[0] != '\0', "empty name");
    }
}

static int same_formula(const mtpcli_formula *a, const mtpcli_formula *b)
{
    if (a->intercept != b->intercept || a->nterms != b->nterms)
        return 0;
    for (size_t i = 0; i < a->nterms; i++)
        if (a->terms[i].factor != b->terms[i].factor ||
            strcmp(mtpcli_formula_str(a, a->terms[i].name), mtpcli_formula_str(b, b->terms[i].name)) != 0)
            return 0;
    return 1;
}

static void check_btt(const char *spec, const mtpcli_design *d)
{
    char msg[600];
    size_t out[MTPCLI_MODS_MAX_TERMS * 64], n = 0;
    if (d->p > sizeof out / sizeof out[0])
        return;
    if (mtpcli_btt_parse(out, &n, spec, d->p, d, msg, sizeof msg) != 0) {
        check_message(msg, "--btt ");
        return;
    }
    CHECK(n >= 1 && n <= d->p, "btt count");
    for (size_t i = 0; i < n; i++) {
        CHECK(out[i] < d->p, "btt index");
        CHECK(i == 0 || out[i] > out[i - 1], "btt order");
    }
}

/* Distinct values of a term's column among the kept rows (counted here,
 * independently of mods.c), and whether row i holds the smallest. */
static size_t levels(const mtpcli_modcols *mc, const mtpcli_table *t, size_t col,
                     const unsigned char *keep, size_t *min_row)
{
    size_t n = 0;
    *min_row = (size_t)-1;
    for (size_t i = 0; i < t->nrows; i++) {
        int seen = 0;
        if (keep != NULL && !keep[i])
            continue;
        for (size_t j = 0; j < i && !seen; j++) {
            if (keep != NULL && !keep[j])
                continue;
            seen = mc->numeric[col] ? mc->value[col][j] == mc->value[col][i]
                                    : strcmp(t->arena + t->mod[col][j], t->arena + t->mod[col][i]) == 0;
        }
        n += !seen;
        if (*min_row == (size_t)-1 ||
            (mc->numeric[col] ? mc->value[col][i] < mc->value[col][*min_row]
                              : strcmp(t->arena + t->mod[col][i], t->arena + t->mod[col][*min_row]) < 0))
            *min_row = i;
    }
    return n;
}

static void check_design(const mtpcli_design *d, const mtpcli_formula *f, const mtpcli_modcols *mc,
                         const mtpcli_table *t, const unsigned char *keep)
{
    size_t col = f->intercept ? 1 : 0;
    int full_done = 0;
    CHECK(d->p >= 1 && d->n == t->nrows, "shape");
    CHECK(d->intercept == f->intercept, "intercept flag");
    for (size_t j = 0; j < d->p; j++)
        CHECK(mtpcli_design_name(d, j)[0] != '\0', "empty column name");
    if (f->intercept)
        CHECK(strcmp(mtpcli_design_name(d, 0), "intrcpt") == 0, "intercept name");
    for (size_t i = 0; i < d->n; i++) {
        const double *row = d->x + i * d->p;
        if (keep != NULL && !keep[i]) {
            for (size_t j = 0; j < d->p; j++)
                CHECK(row[j] == 0, "left-out row not zero");
        } else if (f->intercept) {
            CHECK(row[0] == 1, "intercept not 1");
        }
    }
    for (size_t k = 0; k < f->nterms; k++) {
        const mtpcli_term *term = &f->terms[k];
        size_t nlev, min_row, width;
        int full;
        if (!term->factor && mc->numeric[term->col]) {
            CHECK(col < d->p, "fewer columns than terms");
            for (size_t i = 0; i < d->n; i++)
                if (keep == NULL || keep[i])
                    CHECK(d->x[i * d->p + col] == mc->value[term->col][i], "numeric value");
            col++;
            continue;
        }
        nlev = levels(mc, t, term->col, keep, &min_row);
        CHECK(nlev >= 2, "a categorical term with fewer than two levels was built");
        full = !f->intercept && !full_done;
        full_done |= full;
        width = full ? nlev : nlev - 1;
        CHECK(col + width <= d->p, "indicator columns beyond the matrix");
        for (size_t i = 0; i < d->n; i++) {
            double sum = 0;
            if (keep != NULL && !keep[i])
                continue;
            for (size_t j = col; j < col + width; j++) {
                const double v = d->x[i * d->p + j];
                CHECK(v == 0 || v == 1, "indicator not 0/1");
                sum += v;
            }
            if (full)
                CHECK(sum == 1, "full coding: not one 1 in a row");
            else if (mc->numeric[term->col] ? mc->value[term->col][i] == mc->value[term->col][min_row]
                                            : strcmp(t->arena + t->mod[term->col][i],
                                                     t->arena + t->mod[term->col][min_row]) == 0)
                CHECK(sum == 0, "the reference level has an indicator");
            else
                CHECK(sum == 1, "treatment coding: not one 1 in the row of another level");
        }
        col += width;
    }
    CHECK(col == d->p, "columns other than the terms'");
}

static void fit(const mtpcli_design *d, const mtpcli_table *t, const unsigned char *keep)
{
    mtp_workspace *ws;
    mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_summary s;
    mtp_error err;
    mtp_data data = {MTP_MEASURE_GENERIC, t->nrows, t->v[0], t->v[1], d->x, d->p, keep, NULL};
    int rc;
    for (size_t i = 0; i < t->nrows; i++)
        if (t->kind[i] != MTPCLI_ROW_EFFECT)
            return;
    if ((ws = mtp_workspace_alloc(t->nrows, d->p)) == NULL)
        return;
    out.summary = &s;
    o.flags = MTP_FIT_CENTRE_Y;
    rc = mtp_fit(&out, ws, &data, &o, &err);
    CHECK(rc == MTP_OK || rc == MTP_EDATA || rc == MTP_ETOOFEW || rc == MTP_ERANK ||
              rc == MTP_ENUMERIC || rc == MTP_ENOCONV,
          "mtp_fit status");
    if (rc == MTP_ERANK)
        CHECK(err.column < d->p, err.message);
    mtp_workspace_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data, *nl = memchr(buf, '\n', size);
    const size_t flen = nl != NULL ? (size_t)(nl - buf) : size;
    char spec[1024], btt[256] = "", msg[800];
    mtpcli_formula f, g;
    mtpcli_table t;
    mtpcli_csv_config cfg;
    mtpcli_csv_error cerr;
    const char *cols[MTPCLI_MODS_MAX_TERMS];
    const char *csv = nl != NULL ? nl + 1 : buf + size;
    const size_t clen = (size_t)(buf + size - csv);
    char *tab;
    if (flen >= sizeof spec || memchr(buf, '\0', flen) != NULL)
        return 0;
    memcpy(spec, buf, flen);
    spec[flen] = '\0';
    if ((tab = strchr(spec, '\t')) != NULL) {
        snprintf(btt, sizeof btt, "%s", tab + 1);
        *tab = '\0';
    }
    if (mtpcli_formula_parse(&f, spec, msg, sizeof msg) != 0) {
        check_message(msg, "--mods ");
        return 0;
    }
    check_formula(&f);
    CHECK(mtpcli_formula_parse(&g, mtpcli_formula_str(&f, f.text), msg, sizeof msg) == 0, msg);
    CHECK(same_formula(&f, &g), mtpcli_formula_str(&f, f.text));
    if (btt[0] != '\0') {
        size_t n = 0;
        if (mtpcli_btt_parse(NULL, &n, btt, (size_t)-1, NULL, msg, sizeof msg) != 0) {
            check_message(msg, "--btt ");
            btt[0] = '\0';
        }
    }
    if (f.nterms == 0 || clen == 0)
        return 0;
    memset(&cfg, 0, sizeof cfg);
    for (size_t j = 0; j < f.ncols; j++)
        cols[j] = mtpcli_formula_str(&f, f.cols[j]);
    cfg.mod_columns = cols;
    cfg.nmod_columns = f.ncols;
    if (mtpcli_csv_read(&t, csv, clen, &cfg, &cerr) == MTPCLI_CSV_OK) {
        mtpcli_modcols mc;
        const int rc = mtpcli_modcols_check(&mc, &f, &t, msg, sizeof msg);
        CHECK(rc == 0 || rc == -1 || rc == -2, "modcols status");
        if (rc == -1)
            check_message(msg, NULL);
        if (rc == 0) {
            size_t *rows = malloc(t.nrows * sizeof *rows);
            unsigned char *keep = malloc(t.nrows);
            if (rows != NULL && keep != NULL) {
                for (size_t i = 0; i < t.nrows; i++) {
                    rows[i] = i;
                    keep[i] = (unsigned char)((i * 2654435761u + clen) % 5 != 0);
                }
                for (int pass = 0; pass < 2; pass++) {
                    const unsigned char *k = pass ? keep : NULL;
                    mtpcli_design d;
                    const int drc = mtpcli_design_build(&d, &f, &mc, &t, rows, k, t.nrows, msg,
                                                        sizeof msg);
                    CHECK(drc == 0 || drc == -1 || drc == -2, "design status");
                    if (drc == -1)
                        check_message(msg, "--mods");
                    if (drc == 0) {
                        check_design(&d, &f, &mc, &t, k);
                        if (btt[0] != '\0')
                            check_btt(btt, &d);
                        fit(&d, &t, k);
                    }
                    mtpcli_design_free(&d);
                }
            }
            free(rows);
            free(keep);
        }
        mtpcli_modcols_free(&mc);
    }
    mtpcli_table_free(&t);
    return 0;
}
