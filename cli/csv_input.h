/* The metapool command's CSV reader: a whole buffer into an in-memory table
 * of studies, with every malformed byte reported by line and column.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef MTPCLI_CSV_INPUT_H
#define MTPCLI_CSV_INPUT_H

#include <stddef.h>

/** "No such entry": a row without a label, an absent column. */
#define MTPCLI_NONE ((size_t)-1)

/** Data columns recognised by name in the header (case-insensitive). */
enum mtpcli_column {
    MTPCLI_COL_AI = 0, /**< events, treatment arm */
    MTPCLI_COL_BI,     /**< non-events, treatment arm */
    MTPCLI_COL_CI,     /**< events, control arm */
    MTPCLI_COL_DI,     /**< non-events, control arm */
    MTPCLI_COL_N1I,    /**< participants, treatment arm */
    MTPCLI_COL_N2I,    /**< participants, control arm */
    MTPCLI_COL_YI,     /**< estimate */
    MTPCLI_COL_VI,     /**< its sampling variance */
    MTPCLI_COL_SEI,    /**< its standard error */
    MTPCLI_COL_EST,    /**< estimate with a 95% CI (ratio or difference) */
    MTPCLI_COL_LOWER,  /**< lower 95% limit */
    MTPCLI_COL_UPPER,  /**< upper 95% limit */
    MTPCLI_COL_STUDY,  /**< study label */
    MTPCLI_NCOLS
};

/** What one data row holds. */
enum mtpcli_row_kind {
    MTPCLI_ROW_2X2 = 1,    /**< v = {ai, n1i, ci, n2i} (n1i = ai + bi for the bi/di layout) */
    MTPCLI_ROW_EFFECT = 2, /**< v = {yi, vi} (vi = sei² when only sei is given) */
    MTPCLI_ROW_CI = 3      /**< v = {est, lower, upper}: a 95% CI, converted by the analysis */
};

/** Distinct strings in order of first appearance (subgroup names, --by values). */
typedef struct mtpcli_names {
    size_t n;       /**< number of names */
    size_t cap;     /**< capacity of off */
    size_t *off;    /**< n offsets of NUL-terminated strings in the table's arena */
    size_t *slots;  /**< hash table: name index + 1, 0 = empty */
    size_t nslots;  /**< size of slots (a power of two) */
    size_t last;    /**< index of the name looked up last (a cache), or MTPCLI_NONE */
} mtpcli_names;

/** The studies of a file, one entry per data row, in file order. */
typedef struct mtpcli_table {
    size_t nrows;         /**< data rows */
    size_t cap;           /**< allocated rows */
    unsigned char *kind;  /**< ::mtpcli_row_kind of each row */
    double *v[4];         /**< values by kind (see ::mtpcli_row_kind); v[2], v[3] NULL when unused */
    size_t *line;         /**< line (1-based) on which each row starts */
    size_t *label;        /**< arena offset of each row's study label, or MTPCLI_NONE;
                               NULL when there is no study column */
    size_t *group;        /**< subgroup index of each row (NULL without a subgroup column) */
    size_t *by;           /**< --by index of each row (NULL without a --by column) */
    mtpcli_names groups;  /**< subgroup names */
    mtpcli_names bys;     /**< --by values */
    char *arena;          /**< NUL-terminated strings: labels, names, header names */
    size_t arena_len;     /**< bytes used in arena */
    size_t arena_cap;     /**< bytes allocated */
    size_t ncols;         /**< fields in the header */
    size_t *header;       /**< ncols arena offsets of the header names (trimmed) */
    size_t col[MTPCLI_NCOLS]; /**< 1-based column of each recognised name, 0 when absent */
    size_t subgroup_col;  /**< 1-based column of the subgroup column, 0 when none */
    size_t by_col;        /**< 1-based column of the --by column, 0 when none */
    size_t nmods;         /**< moderator columns (mtpcli_csv_config::mod_columns) */
    size_t *mod_col;      /**< nmods 1-based columns of the moderators */
    size_t **mod;         /**< nmods arrays: each row's trimmed text of the moderator (arena
                               offset), or MTPCLI_NONE when the field is empty */
    int bi_layout;        /**< nonzero: counts were given as ai, bi, ci, di */
    int used_libcsv;      /**< nonzero: libcsv tokenised the file (it has quotes) */
} mtpcli_table;

/** What to read besides the data columns. */
typedef struct mtpcli_csv_config {
    const char *subgroup_column; /**< column holding subgroup names, or NULL */
    const char *by_column;       /**< column splitting the file into analyses, or NULL */
    int force_libcsv;            /**< nonzero: tokenise with libcsv even without quotes
                                      (tests compare both tokenisers) */
    const char *const *mod_columns; /**< columns read as text for --mods (distinct names,
                                      case-insensitive), or NULL */
    size_t nmod_columns;         /**< number of mod_columns */
} mtpcli_csv_config;

/** Error detail of mtpcli_csv_read(). */
typedef struct mtpcli_csv_error {
    size_t line;        /**< 1-based line, 0 when the error is not about a line */
    size_t column;      /**< 1-based column, 0 when not about one column */
    char message[400];  /**< one line, no newline: "line 4, column 3 (n1i): ..." */
} mtpcli_csv_error;

/** Return values of mtpcli_csv_read(). */
enum mtpcli_csv_status {
    MTPCLI_CSV_OK = 0,     /**< success */
    MTPCLI_CSV_EDATA = -1, /**< malformed file or invalid study data (see the error) */
    MTPCLI_CSV_ENOMEM = -2 /**< out of memory */
};

/**
 * @brief Read a whole CSV buffer (RFC 4180: quoted fields with commas, doubled
 * quotes and newlines; LF, CRLF or CR line ends; optional UTF-8 byte-order
 * mark; optional final newline) into @p table.
 *
 * The first non-blank row is the header. Blank lines are skipped; so are rows
 * whose fields are all empty. Fields are trimmed of spaces and tabs. An empty
 * field is a missing value. Each row is classified and checked as the
 * command's documentation says (2x2 counts, else yi with vi or sei, else
 * est, lower, upper). Buffers without a '"' are tokenised by a plain splitter
 * (libcsv costs about 60 ns a field, too much for issue 7's targets; see
 * cli/README.md); buffers with quotes by libcsv (strict mode). Both give the
 * same fields (tests check it).
 * @param[out] table  filled on success; on failure it may hold part of the
 *                    file: always release it with mtpcli_table_free()
 * @param buf         the bytes (need not be NUL-terminated; may be NULL if len is 0)
 * @param len         number of bytes
 * @param cfg         subgroup and --by columns; NULL = none
 * @param[out] err    error detail (may be NULL)
 * @return ::MTPCLI_CSV_OK, ::MTPCLI_CSV_EDATA or ::MTPCLI_CSV_ENOMEM
 */
int mtpcli_csv_read(mtpcli_table *table, const char *buf, size_t len, const mtpcli_csv_config *cfg,
                    mtpcli_csv_error *err);

/**
 * @brief Release everything a table holds and zero it.
 * @param table a table given to mtpcli_csv_read(), or a zeroed one, or NULL
 */
void mtpcli_table_free(mtpcli_table *table);

/**
 * @brief A table's string.
 * @param table the table
 * @param off   an arena offset from the table (not MTPCLI_NONE)
 * @return the NUL-terminated string, borrowed from the table
 */
const char *mtpcli_table_str(const mtpcli_table *table, size_t off);

/**
 * @brief Name of a recognised column as the documentation spells it.
 * @param col an ::mtpcli_column
 * @return a static string
 */
const char *mtpcli_column_name(int col);

/**
 * @brief Copy @p len bytes of @p s into @p dst (size @p size) for an error
 * message: at most 40 characters, control bytes and invalid UTF-8 as \\xNN,
 * "..." when cut.
 * @param dst  output buffer, NUL-terminated on return
 * @param size its size (at least 8)
 * @param s    the text
 * @param len  its length
 */
void mtpcli_sanitize(char *dst, size_t size, const char *s, size_t len);

#endif
