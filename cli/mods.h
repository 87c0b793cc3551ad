/* --mods: an R-style right-hand side (column names joined by +, factor(COL),
 * - 1) and the model matrix it gives for the studies of one analysis, with
 * the column names metafor (R's model.matrix) gives them.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef MTPCLI_MODS_H
#define MTPCLI_MODS_H

#include <stddef.h>

#include "csv_input.h"

/** Most terms (and distinct columns) of one --mods. */
#define MTPCLI_MODS_MAX_TERMS 64
/** Room for the names of one --mods (the canonical text and every column name). */
#define MTPCLI_MODS_BUF 4096

/** One term of the formula. */
typedef struct mtpcli_term {
    size_t name;   /**< offset in mtpcli_formula::buf of the column name as written */
    int factor;    /**< 1: written factor(COL) */
    size_t col;    /**< index of its column in mtpcli_formula::cols (and mtpcli_table::mod) */
} mtpcli_term;

/**
 * The parsed --mods. Plain data without pointers (offsets into buf), so that
 * it can be copied and needs no freeing.
 */
typedef struct mtpcli_formula {
    int intercept;      /**< 1 unless "- 1" (or "0") removed it */
    size_t nterms;      /**< terms other than the intercept */
    mtpcli_term terms[MTPCLI_MODS_MAX_TERMS]; /**< in the order given */
    size_t ncols;       /**< distinct columns (case-insensitive) */
    size_t cols[MTPCLI_MODS_MAX_TERMS];       /**< offsets in buf of their names */
    size_t text;        /**< offset in buf of the canonical formula, "~ a + factor(b) - 1" */
    char buf[MTPCLI_MODS_BUF]; /**< NUL-terminated strings */
} mtpcli_formula;

/**
 * @brief Parse a --mods value.
 *
 * Grammar: an optional "~", then terms separated by "+" (spaces anywhere
 * between tokens): "1" (the intercept, present unless removed), "- 1" or "0"
 * (no intercept), "factor(NAME)" or "NAME". NAME is a column name: letters,
 * digits, ".", "_" and any non-ASCII (UTF-8) bytes, or any text between
 * backticks (`a b`). A term given twice is an error.
 * @param[out] f   the formula
 * @param spec     the value of --mods
 * @param[out] msg one-line message on failure ("--mods ...: what is wrong")
 * @param len      its size
 * @return 0, or -1 with @p msg
 */
int mtpcli_formula_parse(mtpcli_formula *f, const char *spec, char *msg, size_t len);

/** @brief A string of a formula. @param f formula @param off offset @return the string */
const char *mtpcli_formula_str(const mtpcli_formula *f, size_t off);

/** @brief Whether the formula is the intercept-only model ("1"). @param f formula @return 0 or 1 */
int mtpcli_formula_is_intercept_only(const mtpcli_formula *f);

/** The moderator columns of a table, checked once: numbers or text. */
typedef struct mtpcli_modcols {
    size_t n;         /**< columns (mtpcli_formula::ncols) */
    int *numeric;     /**< n flags: 1 when every value of the column is a number */
    double **value;   /**< n arrays of nrows numbers (NULL for a text column) */
} mtpcli_modcols;

/**
 * @brief Check every row's moderator values (none may be empty or NA) and
 * classify each column: numeric when every value is a decimal number, text
 * otherwise (as R's read.csv would type it).
 * @param[out] mc   result; release with mtpcli_modcols_free() whatever is returned
 * @param f         the formula (its columns are the table's mod columns, in order)
 * @param t         the table, read with f's columns as mtpcli_csv_config::mod_columns
 * @param[out] msg  "line L, column C (name): ..." on failure
 * @param len       its size
 * @return 0, or -1 with @p msg (-2: out of memory)
 */
int mtpcli_modcols_check(mtpcli_modcols *mc, const mtpcli_formula *f, const mtpcli_table *t,
                         char *msg, size_t len);

/** @brief Release. @param mc checked columns (may be zeroed) */
void mtpcli_modcols_free(mtpcli_modcols *mc);

/** The model matrix of one analysis. */
typedef struct mtpcli_design {
    size_t n;          /**< rows (the analysis's studies, in the order given) */
    size_t p;          /**< columns */
    int intercept;     /**< 1 if column 0 is the intercept */
    double *x;         /**< n x p, row-major; rows of left-out studies are 0 */
    char *names;       /**< p NUL-terminated column names, one after the other */
    size_t *name_off;  /**< p offsets into names */
} mtpcli_design;

/**
 * @brief Build the model matrix of the studies rows[0..n) of a table.
 *
 * Numeric terms give one column (the value). factor(COL), and a text column
 * without factor(), give indicator columns of their levels: the distinct
 * values among the kept studies, sorted as R sorts them (numbers by value;
 * text in byte order, R's sort() in the C locale), named as R's
 * as.character() (15 significant digits) names a number. Treatment coding
 * with the first level as reference, except that without an intercept the
 * first categorical term gets a column for every level (R's model.matrix).
 * Names: "intrcpt", COL, factor(COL)LEVEL, COLLEVEL.
 * @param[out] d    the matrix; release with mtpcli_design_free() whatever is returned
 * @param f         the formula
 * @param mc        its checked columns
 * @param t         the table
 * @param rows      n table rows
 * @param keep      n flags: the studies in the fit (their values give the levels); NULL: all
 * @param n         number of rows
 * @param[out] msg  one-line message on failure
 * @param len       its size
 * @return 0, or -1 with @p msg (-2: out of memory)
 */
int mtpcli_design_build(mtpcli_design *d, const mtpcli_formula *f, const mtpcli_modcols *mc,
                        const mtpcli_table *t, const size_t *rows, const unsigned char *keep,
                        size_t n, char *msg, size_t len);

/** @brief Name of column j. @param d matrix @param j column @return the name */
const char *mtpcli_design_name(const mtpcli_design *d, size_t j);

/** @brief Release. @param d matrix (may be zeroed) */
void mtpcli_design_free(mtpcli_design *d);

/**
 * @brief Parse a --btt list: 1-based coefficients separated by commas, each
 * a number or a range A:B (as metafor's btt = c(2, 4:5)).
 * @param[out] out  the 0-based coefficients, ascending (room for @p p)
 * @param[out] n    how many
 * @param spec      the list
 * @param p         coefficients of the model (SIZE_MAX: check the syntax only)
 * @param names     the model matrix (for the message), or NULL
 * @param[out] msg  one-line message on failure
 * @param len       its size
 * @return 0, or -1 with @p msg
 */
int mtpcli_btt_parse(size_t *out, size_t *n, const char *spec, size_t p, const mtpcli_design *names,
                     char *msg, size_t len);

/**
 * @brief A number as R's as.character() writes a double: up to 15
 * significant digits, fixed notation unless scientific is shorter.
 * @param buf  at least 32 bytes
 * @param size its size
 * @param v    a finite number
 */
void mtpcli_r_number(char *buf, size_t size, double v);

/* ASCII case-insensitive equality of two names (column and option values). */
int mtpcli_name_equal(const char *a, const char *b);

#endif
