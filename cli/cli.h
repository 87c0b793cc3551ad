/* The metapool command: settings, analyses and writers shared by its files.
 * Not installed; symbols carry the mtpcli_ prefix.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef MTPCLI_CLI_H
#define MTPCLI_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "csv_input.h"
#include "metapool.h"
#include "mods.h"

/* ------------------------------------------------------------ settings */

/** Output formats. */
enum mtpcli_format { MTPCLI_TEXT = 0, MTPCLI_JSON = 1 };

/** Everything the command line chooses. */
typedef struct mtpcli_settings {
    /* the model and the conventions, as the library's option structs take them */
    mtp_measure measure;     /**< --measure of 2x2 and est, lower, upper rows (RR, OR, RD) */
    mtp_fe_method fe;        /**< --method MH or PETO (2x2 conventions), else inverse variance */
    mtp_tau2_method tau2;    /**< --method FE or a tau² estimator (FE with MH and PETO) */
    mtp_test test;           /**< --test */
    mtp_pi pi;               /**< --pi */
    double level;            /**< --level as a fraction */
    double level_pct;        /**< --level as given, in percent (JSON "level") */
    double cc;               /**< --cc */
    mtp_cc_rule cc_when;     /**< --cc-when */
    mtp_double_zero double_zero; /**< --double-zero */
    mtp_i2_def i2;           /**< --i2 */
    int measure_given;       /**< --measure was on the command line */
    int method_given;        /**< --method was on the command line */
    int method_defaulted;    /**< --subgroup-tau2 common without --method: DL was chosen */
    const char *subgroup;    /**< --subgroup COLUMN, or NULL */
    mtp_subgroup_tau2 subgroup_tau2; /**< --subgroup-tau2 */
    int subgroup_tau2_given; /**< --subgroup-tau2 was on the command line */
    const char *by;          /**< --by COLUMN, or NULL */
    int format;              /**< ::mtpcli_format */
    unsigned int threads;    /**< --threads (the --by batch path) */
    int digits;              /**< --digits: decimals in text output */
    const char *file;        /**< FILE, NULL or "-" for standard input */
    const char *forest;      /**< --forest FILE.svg, or NULL */
    const char *funnel;      /**< --funnel FILE.svg, or NULL */
    const char *favours_left;  /**< --favours-left TEXT for the forest plot, or NULL */
    const char *favours_right; /**< --favours-right TEXT, or NULL */
    int has_mods;            /**< --mods with terms other than the intercept */
    mtpcli_formula mods;     /**< the parsed --mods (when has_mods) */
    const char *btt;         /**< --btt LIST as given, or NULL (all but the intercept) */
    unsigned long permutations; /**< --permutations N, 0 for none */
    unsigned long seed;      /**< --seed S (default 1) */
    int seed_given;          /**< --seed was on the command line */
} mtpcli_settings;

/** @brief The library's model options of the settings. @param s settings @param[out] o options */
void mtpcli_model_options(const mtpcli_settings *s, mtp_model_options *o);
/** @brief The library's effect-size options. @param s settings @param[out] o options */
void mtpcli_es_options(const mtpcli_settings *s, mtp_es_options *o);
/** @brief The library's 2x2 conventions. @param s settings @param[out] o options */
void mtpcli_fe2x2_options(const mtpcli_settings *s, mtp_fe2x2_options *o);

/** What mtpcli_parse_args() found. */
enum mtpcli_args_status {
    MTPCLI_ARGS_RUN = 0,     /**< run an analysis */
    MTPCLI_ARGS_HELP = 1,    /**< --help */
    MTPCLI_ARGS_VERSION = 2, /**< --version */
    MTPCLI_ARGS_ERROR = -1   /**< bad command line (message written) */
};

/**
 * @brief Read the command line.
 * @param[out] s    settings
 * @param argc      argument count
 * @param argv      arguments (argv[0] is the program)
 * @param[out] msg  error message (one line) on ::MTPCLI_ARGS_ERROR
 * @param msglen    size of msg
 * @return an ::mtpcli_args_status
 */
int mtpcli_parse_args(mtpcli_settings *s, int argc, char **argv, char *msg, size_t msglen);

/** @brief Write the --help text. @param out stream @return 0, or -1 on a write error */
int mtpcli_write_help(FILE *out);

/* ------------------------------------------------------------ analyses */

/** Per-study values of fits, one array per value (as the library writes them). */
typedef struct mtpcli_studies {
    double *yi;          /**< effect used (NaN if dropped or without a finite effect) */
    double *vi;          /**< its variance */
    double *weight;      /**< weight in percent (0 if dropped) */
    double *ci_lower;    /**< study CI at the model's level (NULL where nothing prints it:
                              --by JSON) */
    double *ci_upper;    /**< upper limit (NULL with ci_lower) */
    unsigned int *flags; /**< ::mtp_study_flag bits */
} mtpcli_studies;

/** One fitted model and the studies in it. */
typedef struct mtpcli_fit {
    mtp_summary sum;       /**< the library's summary (sum.k_used: pooled) */
    mtp_fe_method fe;      /**< MH or PETO (2x2 pooling), else inverse variance */
    mtp_measure measure;   /**< the data's measure: RR, OR, RD, PETO_OR or GENERIC */
    unsigned int notes;    /**< sum.notes plus the notes of the study conversions */
    size_t n;              /**< studies listed */
    const size_t *rows;    /**< their table rows, in input order */
    mtpcli_studies st;     /**< their values in this fit: n entries of each array */
    size_t name;           /**< subgroup name (arena offset) or MTPCLI_NONE */
    unsigned int kinds;    /**< bit 1 << ::mtpcli_row_kind for each kind of row present */
    /* meta-regression (--mods) */
    const mtpcli_design *design; /**< the model matrix, NULL for the intercept-only model */
    mtp_coef *coef;        /**< design->p coefficients (NULL without --mods) */
    double *vcov;          /**< their p x p covariance matrix */
    size_t nbtt;           /**< coefficients in QM */
    size_t *btt;           /**< their 0-based indices, ascending */
    int permuted;          /**< --permutations: perm and perm_p hold the test */
    mtp_permutation perm;  /**< the permutation test */
    double *perm_p;        /**< its p-value per coefficient */
} mtpcli_fit;

/** One analysis: the whole file, or one value of --by. */
typedef struct mtpcli_analysis {
    size_t by;             /**< index into the table's --by values, or MTPCLI_NONE */
    mtpcli_fit overall;    /**< all its studies */
    size_t ngroups;        /**< subgroups (0 without --subgroup) */
    mtpcli_fit *groups;    /**< ngroups fits, in order of first appearance */
    mtp_subgroup_diff test; /**< test for subgroup differences */
    mtpcli_design design;  /**< its model matrix (--mods) */
} mtpcli_analysis;

/** All analyses of a run, and the memory behind them. */
typedef struct mtpcli_run {
    size_t n;               /**< analyses */
    mtpcli_analysis *a;     /**< n analyses, in order of first appearance of --by values */
    size_t *rows;           /**< table rows grouped by analysis */
    mtpcli_studies studies; /**< per-study values of the overall fits (nrows each) */
    size_t *grows;          /**< table rows grouped by analysis, then subgroup */
    mtpcli_studies gstudies; /**< per-study values of the subgroup fits */
    mtpcli_fit *gfits;      /**< subgroup fits of all analyses */
    int batched;            /**< nonzero: fitted by mtp_fit_batch() */
    int owns_effects;       /**< batched: studies.yi, vi are copies (else the table's columns) */
    mtpcli_modcols modcols; /**< the --mods columns, checked */
} mtpcli_run;

/**
 * @brief Fit every analysis the settings ask for.
 * @param[out] run  results; release with mtpcli_run_free() whatever is returned
 * @param t         the studies
 * @param s         the settings
 * @param[out] msg  one-line error message
 * @param msglen    its size
 * @return 0, or -1 with @p msg
 */
int mtpcli_analyse(mtpcli_run *run, const mtpcli_table *t, const mtpcli_settings *s, char *msg,
                   size_t msglen);

/** @brief Release a run. @param run a run (may be zeroed) */
void mtpcli_run_free(mtpcli_run *run);

/* ------------------------------------------------------------ output */

/** Growable output buffer, optionally drained into a stream. */
typedef struct mtpcli_out {
    char *buf;    /**< bytes not yet written */
    size_t len;   /**< their number */
    size_t cap;   /**< allocated */
    FILE *sink;   /**< NULL: keep everything; else flushed when 256 KiB are buffered */
    int failed;   /**< out of memory or a write error */
} mtpcli_out;

/** @brief Append bytes. @param o buffer @param s bytes @param n count */
void mtpcli_out_write(mtpcli_out *o, const char *s, size_t n);
/** @brief Append a string. @param o buffer @param s NUL-terminated text */
void mtpcli_out_puts(mtpcli_out *o, const char *s);
/** @brief Append formatted text. @param o buffer @param fmt printf format @param ... arguments */
void mtpcli_out_printf(mtpcli_out *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/** @brief Write what is buffered to the sink. @param o buffer @return 0 or -1 */
int mtpcli_out_flush(mtpcli_out *o);
/** @brief Free the buffer. @param o buffer */
void mtpcli_out_free(mtpcli_out *o);

/** Name used for the input in messages and reports. */
const char *mtpcli_input_name(const mtpcli_settings *s);

/**
 * @brief The text report of every analysis.
 * @param o  output
 * @param run analyses
 * @param t  the studies
 * @param s  settings
 */
void mtpcli_write_text(mtpcli_out *o, const mtpcli_run *run, const mtpcli_table *t,
                       const mtpcli_settings *s);

/**
 * @brief JSON of every analysis: one indented object, or (compact) one
 * compact object per line, in the bytes jansson 2.14 would write for the same
 * values with JSON_REAL_PRECISION(17) and JSON_INDENT(2) or JSON_COMPACT
 * (tests check it), without building a tree (see cli/README.md, "Speed").
 * @param o   output
 * @param run analyses
 * @param t   the studies
 * @param s   settings
 * @param compact nonzero: compact objects, one per line (what --by writes)
 */
void mtpcli_write_json(mtpcli_out *o, const mtpcli_run *run, const mtpcli_table *t,
                       const mtpcli_settings *s, int compact);

/**
 * @brief Write the plots the settings ask for (--forest, --funnel) of the
 * run's one analysis. Every plot is rendered in memory before any file is
 * written, so a plot that cannot be drawn leaves no file.
 * @param run analyses (exactly one: --by is refused with the plots)
 * @param t   the studies
 * @param s   settings
 * @param[out] msg one-line error message, naming the option and the file
 * @param msglen   its size
 * @return 0, or -1 with @p msg
 */
int mtpcli_write_plots(const mtpcli_run *run, const mtpcli_table *t, const mtpcli_settings *s,
                       char *msg, size_t msglen);

/** @brief Whether a fit's numbers are log ratios. @param f fit @return 0 or 1 */
int mtpcli_is_ratio(const mtpcli_fit *f);

/** @brief The descriptor of the measure a fit is reported in (Peto's OR as OR). @param f fit @return descriptor */
const mtp_measure_info *mtpcli_measure_info(const mtpcli_fit *f);

/** @brief The JSON/text name of a fit's measure ("RR", "OR", "RD", "GEN"). @param f fit @return static string */
const char *mtpcli_measure_key(const mtpcli_fit *f);

/** @brief The name of a fit's method as --method takes it ("MH", "PETO", "REML", ...). @param f fit @return static string */
const char *mtpcli_method_name(const mtpcli_fit *f);

/** @brief Whether a fit is a random-effects model. @param f fit @return 0 or 1 */
int mtpcli_is_random(const mtpcli_fit *f);

#endif
