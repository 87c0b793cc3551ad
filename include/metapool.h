/**
 * @file metapool.h
 * @brief metapool: meta-analysis of 2x2 tables and generic effect sizes.
 *
 * The whole public API of libmetapool in one header. Plain structs carry data
 * and results; the only opaque object is the workspace (scratch memory for
 * iterative work, as in GSL). Every function that can fail returns an int
 * status (::MTP_OK or a negative ::mtp_status) and, when the caller passes a
 * non-NULL ::mtp_error, what is wrong: the message says what, the fields
 * study, column, group and analysis say where (the message never repeats
 * them, so a caller formats the location in its own terms: a line of a
 * file, a row of a data frame).
 *
 * Thread safety: the library has no global state. Distinct workspaces may be
 * used from distinct threads at the same time; one workspace must not be used
 * by two threads at once.
 *
 * The library never prints, never aborts and never touches GSL's process-wide
 * error handler: every input is validated before it reaches GSL.
 *
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later.
 */
#ifndef METAPOOL_H
#define METAPOOL_H

#include <stddef.h> /* size_t */
#include <stdio.h>  /* FILE, for the SVG writers */

/** @name Version */
/** @{ */
#define MTP_VERSION_MAJOR 0 /**< major version */
#define MTP_VERSION_MINOR 2 /**< minor version */
#define MTP_VERSION_PATCH 0 /**< patch version */
/** Version as one number: major * 10000 + minor * 100 + patch. */
#define MTP_VERSION_NUMBER (MTP_VERSION_MAJOR * 10000 + MTP_VERSION_MINOR * 100 + MTP_VERSION_PATCH)
/** @} */

/** @def MTP_API
 *  @brief Marks an exported function (visibility / dllexport). */
#if defined(_WIN32) && defined(MTP_BUILDING_DLL)
#define MTP_API __declspec(dllexport)
#elif defined(_WIN32) && !defined(MTP_STATIC)
#define MTP_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define MTP_API __attribute__((visibility("default")))
#else
#define MTP_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/** @name Status codes and errors */
/** @{ */

/** Return codes: 0 on success, negative on failure. Values are pinned. */
typedef enum mtp_status {
    MTP_OK = 0,        /**< success */
    MTP_EINVAL = -1,   /**< bad argument: NULL pointer, unknown enum value, option out of range */
    MTP_EDATA = -2,    /**< a study's data are invalid (negative count, events > total,
                            zero total, non-finite value, variance <= 0) */
    MTP_ETOOFEW = -3,  /**< fewer usable studies than the method needs */
    MTP_ENOCONV = -4,  /**< an iterative estimator did not converge within max_iter */
    MTP_EBADLEN = -5,  /**< workspace allocated for fewer studies than supplied */
    MTP_ENOMEM = -6,   /**< out of memory */
    MTP_ENUMERIC = -7, /**< numerical breakdown (overflow, non-finite intermediate) */
    MTP_EIO = -8,      /**< an output stream reported a write error */
    MTP_ERANK = -9     /**< the moderator matrix is rank deficient (a column is a linear
                            combination of the others, or constant beside the intercept) */
} mtp_status;

/** "No particular study" value of mtp_error::study (and of mtp_error::column,
 *  mtp_error::group, mtp_error::analysis: "none"). */
#define MTP_NO_STUDY ((size_t)-1)
/** "None" value of the location fields of ::mtp_error other than the study. */
#define MTP_NO_INDEX ((size_t)-1)

/**
 * @brief Error detail, filled by a failing call when the caller passes one.
 * @ownership Caller-allocated; the library only writes into it.
 */
typedef struct mtp_error {
    int code;          /**< the ::mtp_status returned */
    size_t study;      /**< 0-based index of the offending study, or ::MTP_NO_STUDY */
    size_t column;     /**< 0-based moderator column at fault, or ::MTP_NO_INDEX */
    size_t group;      /**< 0-based subgroup of a subgroup analysis, or ::MTP_NO_INDEX */
    size_t analysis;   /**< 0-based analysis of a batch, or ::MTP_NO_INDEX */
    char message[200]; /**< NUL-terminated English message naming the problem, without
                            its location (that is in the fields above) */
} mtp_error;

/**
 * @brief Short description of a status code.
 * @param code an ::mtp_status value
 * @return a static string; never NULL (unknown codes give "unknown error")
 */
MTP_API const char *mtp_strerror(int code);

/**
 * @brief The library's version as "MAJOR.MINOR.PATCH".
 * @return a static string
 */
MTP_API const char *mtp_version_string(void);

/**
 * @brief The library's version number, as ::MTP_VERSION_NUMBER at build time.
 * @return major * 10000 + minor * 100 + patch
 */
MTP_API int mtp_version_number(void);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Choices: measures, methods, tests, conventions */
/** @{ */

/** Effect measure. Ratio measures are handled on the log scale. */
typedef enum mtp_measure {
    MTP_MEASURE_RR = 0,      /**< log risk ratio */
    MTP_MEASURE_OR = 1,      /**< log odds ratio */
    MTP_MEASURE_RD = 2,      /**< risk difference */
    MTP_MEASURE_PETO_OR = 3, /**< Peto's one-step log odds ratio, (O-E)/V with variance 1/V */
    MTP_MEASURE_GENERIC = 4  /**< any estimate with its variance (input as ::mtp_effect) */
} mtp_measure;

/** Pooling method: fixed effect (FE, MH, PETO) or a random-effects tau² estimator. */
typedef enum mtp_method {
    MTP_METHOD_FE = 0,   /**< fixed (common) effect, inverse variance */
    MTP_METHOD_MH = 1,   /**< fixed effect, Mantel-Haenszel (2x2 input; RR, OR, RD) */
    MTP_METHOD_PETO = 2, /**< fixed effect, Peto's odds ratio (2x2 input) */
    MTP_METHOD_DL = 3,   /**< DerSimonian & Laird (1986), method of moments */
    MTP_METHOD_HE = 4,   /**< Hedges (1983), unweighted method of moments */
    MTP_METHOD_HS = 5,   /**< Hunter & Schmidt (2004) */
    MTP_METHOD_SJ = 6,   /**< Sidik & Jonkman (2005) */
    MTP_METHOD_ML = 7,   /**< maximum likelihood */
    MTP_METHOD_REML = 8, /**< restricted maximum likelihood (Viechtbauer 2005) */
    MTP_METHOD_PM = 9,   /**< Paule & Mandel (1982) */
    MTP_METHOD_EB = 10   /**< empirical Bayes (Morris 1983); its estimating equation equals PM's */
} mtp_method;

/** Test and confidence interval for the pooled estimate. */
typedef enum mtp_test {
    MTP_TEST_Z = 0,   /**< Wald-type z test and normal CI */
    MTP_TEST_KNHA = 1 /**< Hartung-Knapp-Sidik-Jonkman: t(k-1) with the adjusted variance
                           (metafor test="knha"); random-effects methods only */
} mtp_test;

/** Distribution of the prediction interval mu ± crit * sqrt(tau² + SE²). */
typedef enum mtp_pi {
    MTP_PI_T_K2 = 0,  /**< t with k-2 df (k - p - 1 with p coefficients) (Higgins, Thompson &
                           Spiegelhalter 2009; metafor predtype="Riley") */
    MTP_PI_T_K1 = 1,  /**< t with k-1 df (k - p) (meta >= 8.0; metafor's default with test="knha") */
    MTP_PI_NORMAL = 2 /**< standard normal (metafor's default with test="z") */
} mtp_pi;

/** Which 2x2 tables receive the continuity correction. */
typedef enum mtp_cc_rule {
    MTP_CC_ZERO = 0, /**< only tables with a zero cell (metafor to="only0", RevMan) */
    MTP_CC_ALL = 1,  /**< every table (metafor to="all") */
    MTP_CC_NEVER = 2 /**< no table (metafor to="none") */
} mtp_cc_rule;

/** What to do with double-zero tables (no events, or only events, in both arms). */
typedef enum mtp_double_zero {
    MTP_DZ_AUTO = 0, /**< drop for RR, OR and Peto OR (Cochrane Handbook); keep for RD */
    MTP_DZ_DROP = 1, /**< always drop */
    MTP_DZ_KEEP = 2  /**< always keep (metafor escalc's default drop00=FALSE) */
} mtp_double_zero;

/** Variance of the Mantel-Haenszel risk difference. */
typedef enum mtp_mh_rd_var {
    MTP_MHRD_SATO = 0, /**< Sato, Greenland & Robins (1989), as metafor's rma.mh */
    MTP_MHRD_GR = 1    /**< Greenland & Robins (1985), as RevMan and R's meta */
} mtp_mh_rd_var;

/** Centre of Cochran's Q for 2x2 data (and so of the DL tau² computed from it). */
typedef enum mtp_q_centre {
    MTP_QCENTRE_IV = 0, /**< inverse-variance fixed-effect estimate (metafor, Stata, metan v4) */
    MTP_QCENTRE_MH = 1  /**< Mantel-Haenszel estimate (RevMan 5, meta Q.Cochrane); DL only */
} mtp_q_centre;

/** Definition of I² and H². */
typedef enum mtp_i2_def {
    MTP_I2_AUTO = 0, /**< tau²-based for random effects, 100 tau²/(tau² + v~); Q-based for fixed effect (metafor) */
    MTP_I2_Q = 1     /**< always Q-based, 100 max(0, (Q-df)/Q) (RevMan 5, meta, CMA, Higgins & Thompson 2002) */
} mtp_i2_def;
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Study data */
/** @{ */

/**
 * @brief One study as a 2x2 table. Counts are doubles so that imputed or
 * fractional counts are accepted; each must be finite, >= 0, events <= total,
 * and each total > 0.
 */
typedef struct mtp_table2x2 {
    double events_trt; /**< events in the treatment arm (a) */
    double total_trt;  /**< participants in the treatment arm (n1 = a + b) */
    double events_ctl; /**< events in the control arm (c) */
    double total_ctl;  /**< participants in the control arm (n2 = c + d) */
} mtp_table2x2;

/** @brief One study as an estimate and its sampling variance (log scale for ratios). */
typedef struct mtp_effect {
    double yi; /**< estimate */
    double vi; /**< sampling variance (standard error squared), > 0 */
} mtp_effect;

/** Flags describing what happened to one study (mtp_study::flags). */
enum mtp_study_flag {
    MTP_STUDY_CC = 1u,          /**< the continuity correction was added to its cells */
    MTP_STUDY_DOUBLE_ZERO = 2u, /**< no events (or only events) in both arms */
    MTP_STUDY_DROPPED = 4u,     /**< left out of the analysis (double zero, or no information for Peto) */
    MTP_STUDY_NO_EFFECT = 8u    /**< MH only: a zero cell without correction gives no finite study
                                     effect; the table is in the MH estimate but not in Q */
};

/** @brief Per-study values of the last fit, read through mtp_workspace_studies(). */
typedef struct mtp_study {
    double yi;          /**< effect size used (after any correction); NaN if dropped */
    double vi;          /**< its sampling variance; NaN if dropped */
    double weight;      /**< weight in percent of the total for the fitted model; 0 if dropped */
    unsigned int flags; /**< ::mtp_study_flag bits */
} mtp_study;
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Options */
/** @{ */

/**
 * @brief Everything that chooses a model or a convention. Initialise with
 * ::MTP_OPTIONS_INIT or mtp_options_init(), then change fields.
 */
typedef struct mtp_options {
    unsigned int version;          /**< ::MTP_OPTIONS_VERSION */
    mtp_measure measure;           /**< effect measure for 2x2 input (default RR) */
    mtp_method method;             /**< default REML */
    mtp_test test;                 /**< default z */
    mtp_pi pi;                     /**< prediction interval (default t with k-2 df) */
    double level;                  /**< confidence level in (0, 1) (default 0.95) */
    double cc;                     /**< continuity correction added to each cell, >= 0 (default 0.5) */
    mtp_cc_rule cc_when;           /**< default: tables with a zero cell */
    mtp_double_zero double_zero;   /**< default: drop for RR/OR, keep for RD */
    int mh_correct;                /**< nonzero: add cc to zero-cell tables inside MH pooling (RevMan);
                                        0: exact MH from the raw counts (metafor rma.mh, Stata; default) */
    mtp_mh_rd_var mh_rd_var;       /**< default Sato (metafor) */
    mtp_q_centre q_centre;         /**< default IV */
    mtp_i2_def i2_def;             /**< default: as metafor */
    double tau2_fixed;             /**< < 0: estimate tau² (default -1); >= 0: use this value
                                        (random-effects methods only) */
    int tau2_ci;                   /**< nonzero: Q-profile CI for tau², I², H² (default 1) */
    double tol;                    /**< relative tolerance of iterative estimators (default 1e-12) */
    unsigned int max_iter;         /**< iteration cap of iterative estimators (default 1000) */
} mtp_options;

/** Version of ::mtp_options described by this header. */
#define MTP_OPTIONS_VERSION 1
/** Static initialiser with the defaults; keep in field order. */
#define MTP_OPTIONS_INIT                                                              \
    { MTP_OPTIONS_VERSION, MTP_MEASURE_RR, MTP_METHOD_REML, MTP_TEST_Z, MTP_PI_T_K2,  \
      0.95, 0.5, MTP_CC_ZERO, MTP_DZ_AUTO, 0, MTP_MHRD_SATO, MTP_QCENTRE_IV,          \
      MTP_I2_AUTO, -1.0, 1, 1e-12, 1000u }

/**
 * @brief Fill @p opts with the defaults of ::MTP_OPTIONS_INIT.
 * @param[out] opts options to initialise
 * @param version   ::MTP_OPTIONS_VERSION
 * @return ::MTP_OK, or ::MTP_EINVAL if @p opts is NULL or @p version unknown
 */
MTP_API int mtp_options_init(mtp_options *opts, unsigned int version);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Results */
/** @{ */

/** Notes about a result: conditions worth reporting, not errors (mtp_result::notes). */
enum mtp_note {
    MTP_NOTE_CC_APPLIED = 1u,           /**< at least one table was continuity-corrected */
    MTP_NOTE_DOUBLE_ZERO_DROPPED = 2u,  /**< at least one double-zero table was dropped */
    MTP_NOTE_TAU2_TRUNCATED = 4u,       /**< the tau² estimate was negative and set to 0 */
    MTP_NOTE_TAU2_NOT_ESTIMABLE = 8u,   /**< k_used = 1: tau² is set to 0 and not estimated */
    MTP_NOTE_TEST_Z_FOR_K1 = 16u,       /**< test="knha" asked with k_used = 1; z was used */
    MTP_NOTE_PI_UNDEFINED = 32u,        /**< too few studies for the prediction interval's df */
    MTP_NOTE_TAU2_CI_UNDEFINED = 64u,   /**< the Q-profile CI needs k_used >= 2 */
    MTP_NOTE_TAU2_FIXED = 128u,         /**< tau² was supplied by the caller */
    MTP_NOTE_ZERO_WIDTH_KNHA = 256u     /**< all estimates equal: the HKSJ variance is 0 */
};

/**
 * @brief The pooled result. Ratio measures are on the log scale.
 * Values that are not defined for the model are NaN (e.g. the prediction
 * interval of a fixed-effect model, I² with one study).
 */
typedef struct mtp_result {
    mtp_measure measure;   /**< measure of the study estimates */
    mtp_method method;     /**< method used */
    mtp_test test;         /**< test used (z if knha fell back, see notes) */
    double level;          /**< confidence level */
    size_t k;              /**< studies supplied */
    size_t k_used;         /**< studies in the analysis */
    double estimate;       /**< pooled estimate */
    double se;             /**< its standard error (HKSJ-adjusted under knha) */
    double stat;           /**< z or t statistic */
    double df;             /**< degrees of freedom of the t test; NaN for z */
    double p;              /**< two-sided p-value */
    double ci_lower;       /**< lower confidence limit */
    double ci_upper;       /**< upper confidence limit */
    double pi_lower;       /**< lower prediction limit (NaN for fixed effect) */
    double pi_upper;       /**< upper prediction limit (NaN for fixed effect) */
    double pi_df;          /**< df of the prediction interval's t; NaN for normal */
    double tau2;           /**< between-study variance (0 for fixed effect) */
    double tau;            /**< sqrt(tau2) */
    double tau2_ci_lower;  /**< Q-profile confidence limits for tau² (Viechtbauer 2007) */
    double tau2_ci_upper;  /**< upper Q-profile limit */
    double q;              /**< Cochran's Q */
    double q_df;           /**< its degrees of freedom, k_used - 1 */
    double q_p;            /**< its chi-square p-value */
    double i2;             /**< I² in percent (definition in mtp_options::i2_def) */
    double i2_ci_lower;    /**< I² implied by tau2_ci_lower, percent (NaN under ::MTP_I2_Q,
                                whose Q-based I² the tau² interval does not map onto) */
    double i2_ci_upper;    /**< I² implied by tau2_ci_upper, percent */
    double h2;             /**< H² */
    double h2_ci_lower;    /**< H² implied by tau2_ci_lower (NaN under ::MTP_I2_Q) */
    double h2_ci_upper;    /**< H² implied by tau2_ci_upper */
    double vtypical;       /**< "typical" within-study variance (k-1)/(sum w - sum w²/sum w) */
    unsigned int iterations; /**< iterations of the tau² estimator (0 for closed forms) */
    int converged;         /**< 1 if the estimator converged (always 1 for closed forms) */
    unsigned int notes;    /**< ::mtp_note bits */
} mtp_result;
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Descriptors: names, labels and properties of every choice
 *
 * One table per family, in the library: the command line's option values and
 * the JSON names come from here and nowhere else. `_get` returns NULL for an
 * unknown value; `_parse` matches a name case-insensitively and returns
 * ::MTP_OK or ::MTP_EINVAL. The identifiers of a family are 0 .. count-1, so
 * `for (i = 0; (d = mtp_tau2_get(i)) != NULL; i++)` lists them. */
/** @{ */

/** Properties of an effect measure (mtp_measure_info::flags). */
enum mtp_measure_flag {
    MTP_MEASURE_LOG_SCALE = 1u, /**< analysed as a natural logarithm (a ratio): reported exponentiated */
    MTP_MEASURE_FROM_2X2 = 2u   /**< computed from 2x2 tables */
};

/** @brief An effect measure's descriptor. */
typedef struct mtp_measure_info {
    int id;               /**< its ::mtp_measure value */
    const char *name;     /**< short name, as the command line takes it ("RR") */
    const char *label;    /**< what it is, for reports and axis titles ("Risk ratio") */
    const char *heading;  /**< column heading of a forest plot ("RR", "Peto OR") */
    unsigned int flags;   /**< ::mtp_measure_flag bits */
} mtp_measure_info;

/** Properties of a tau² method (mtp_tau2_info::flags). */
enum mtp_tau2_flag {
    MTP_TAU2_RANDOM = 1u,     /**< a random-effects model (tau² estimated or given) */
    MTP_TAU2_ESTIMATED = 2u,  /**< tau² is estimated from the data (its Q-profile CI is defined) */
    MTP_TAU2_ITERATIVE = 4u,  /**< the estimate is the root of an estimating equation */
    MTP_TAU2_LIKELIHOOD = 8u  /**< maximum likelihood (ML, REML): fit statistics are defined */
};

/**
 * How the between-study variance tau² of a model is obtained. Zero, the
 * default, is REML. Formulas for p moderators (Viechtbauer 2005; metafor
 * 3.8.1 rma.uni), with P = W - W X (X'WX)^-1 X'W: docs/methods.md.
 */
typedef enum mtp_tau2_method {
    MTP_TAU2_REML = 0, /**< restricted maximum likelihood (Viechtbauer 2005) */
    MTP_TAU2_ML = 1,   /**< maximum likelihood */
    MTP_TAU2_DL = 2,   /**< DerSimonian & Laird (1986): (QE - (k - p)) / tr P, W = 1/v */
    MTP_TAU2_HE = 3,   /**< Hedges (1983), unweighted method of moments */
    MTP_TAU2_HS = 4,   /**< Hunter & Schmidt (2004) */
    MTP_TAU2_SJ = 5,   /**< Sidik & Jonkman (2005) */
    MTP_TAU2_PM = 6,   /**< Paule & Mandel (1982): y'P(tau²)y = k - p */
    MTP_TAU2_EB = 7,   /**< empirical Bayes (Morris 1983); same estimating equation as PM */
    MTP_TAU2_FE = 8,   /**< none: the fixed (common) effect model, tau² = 0 */
    MTP_TAU2_FIXED = 9 /**< tau² given: mtp_model_options::tau2_value */
} mtp_tau2_method;

/** @brief A tau² method's descriptor. */
typedef struct mtp_tau2_info {
    int id;              /**< its ::mtp_tau2_method value */
    const char *name;    /**< as metafor's method= ("REML", "FE", "FIXED") */
    const char *label;   /**< e.g. "restricted maximum likelihood" */
    unsigned int flags;  /**< ::mtp_tau2_flag bits */
} mtp_tau2_info;

/** @brief Descriptor of a test (::mtp_test) or a prediction-interval kind (::mtp_pi). */
typedef struct mtp_choice_info {
    int id;              /**< its enum value */
    const char *name;    /**< short name ("z", "knha"; "t_k2", "t_k1", "normal") */
    const char *label;   /**< what it is */
} mtp_choice_info;

/**
 * @brief Descriptor of a measure.
 * @param measure an ::mtp_measure value
 * @return a static descriptor, or NULL if @p measure is unknown
 */
MTP_API const mtp_measure_info *mtp_measure_get(int measure);
/**
 * @brief Measure by name ("RR", "or", "GEN", ...; case-insensitive).
 * @param[out] measure the measure
 * @param name         its name
 * @return ::MTP_OK, or ::MTP_EINVAL for NULL arguments or an unknown name
 */
MTP_API int mtp_measure_parse(mtp_measure *measure, const char *name);
/**
 * @brief Descriptor of a tau² method.
 * @param method an ::mtp_tau2_method value
 * @return a static descriptor, or NULL if @p method is unknown
 */
MTP_API const mtp_tau2_info *mtp_tau2_get(int method);
/**
 * @brief tau² method by name ("REML", "dl", "FE", "FIXED"; case-insensitive).
 * @param[out] method the method
 * @param name        its name
 * @return ::MTP_OK, or ::MTP_EINVAL for NULL arguments or an unknown name
 */
MTP_API int mtp_tau2_parse(mtp_tau2_method *method, const char *name);
/**
 * @brief Descriptor of a test.
 * @param test an ::mtp_test value
 * @return a static descriptor, or NULL if @p test is unknown
 */
MTP_API const mtp_choice_info *mtp_test_get(int test);
/**
 * @brief Test by name ("z", "knha").
 * @param[out] test the test
 * @param name      its name
 * @return ::MTP_OK, or ::MTP_EINVAL
 */
MTP_API int mtp_test_parse(mtp_test *test, const char *name);
/**
 * @brief Descriptor of a prediction-interval kind.
 * @param pi an ::mtp_pi value
 * @return a static descriptor, or NULL if @p pi is unknown
 */
MTP_API const mtp_choice_info *mtp_pi_get(int pi);
/**
 * @brief Prediction-interval kind by name ("t_k2", "t_k1", "normal").
 * @param[out] pi the kind
 * @param name    its name
 * @return ::MTP_OK, or ::MTP_EINVAL
 */
MTP_API int mtp_pi_parse(mtp_pi *pi, const char *name);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Models: one fit over a data view (meta-regression)
 *
 * The mixed-effects meta-regression y = X beta + u + e, u ~ N(0, tau² I),
 * e ~ N(0, diag(v)) (metafor's rma.uni with mods); the intercept-only model
 * (random or fixed effect) is the case X = 1. One call, mtp_fit(), fits it on
 * a borrowed ::mtp_data view and writes what the caller asks for through an
 * ::mtp_fit_out: a summary, the coefficients, their covariance matrix, and
 * per-study arrays. Every other analysis of the library is a loop or a call
 * over this fit. */
/** @{ */

/** Opaque scratch space for fits of up to a fixed number of studies and moderators
 *  (mtp_workspace_alloc()). */
typedef struct mtp_workspace mtp_workspace;

/** The data of one model, borrowed: the library reads it during the call only. */
typedef struct mtp_data {
    mtp_measure measure;  /**< the scale of yi (names the result; ::MTP_MEASURE_GENERIC for any) */
    size_t k;             /**< number of studies (rows) */
    const double *yi;     /**< k estimates (log scale for ratios) */
    const double *vi;     /**< k sampling variances, each finite and > 0 */
    const double *x;      /**< k x p moderator matrix, row-major (x[i * p + j]), including an
                               intercept column of ones when the model has one; NULL: the
                               intercept-only model (p is then ignored) */
    size_t p;             /**< columns of @p x */
    const unsigned char *keep; /**< k flags, nonzero = study in the fit; NULL: all. Left-out
                               studies are not read (they may hold NaN) and get NaN outputs
                               and ::MTP_STUDY_EXCLUDED */
    const double *weights;/**< k user weights > 0 for the coefficients (metafor rma(weights=)):
                               beta = (X'AX)^-1 X'Ay, Var = (X'AX)^-1 X'A M A X (X'AX)^-1,
                               M = diag(v + tau²); NULL: the inverse-variance weights */
} mtp_data;

/** Switches of a fit (mtp_model_options::flags); 0 is the default. */
enum mtp_model_flag {
    MTP_FIT_NO_TAU2_CI = 1u, /**< skip the Q-profile CI of tau² (and of I², H²) */
    MTP_FIT_TAU2_PL = 2u,    /**< also the profile-likelihood CI of tau² (ML and REML;
                                  metafor confint(type = "PL")) */
    MTP_FIT_NO_R2 = 4u,      /**< skip the pseudo-R², which costs a second, intercept-only fit */
    MTP_FIT_CENTRE_Y = 8u    /**< metafor's convention (rma.uni since 3.8): estimate tau², QE and
                                  the Q-profile CI from y minus its mean. The same as without
                                  it when X has an intercept; without one it is not the fitted
                                  model's tau² (docs/methods.md, "Models without intercept") */
};

/**
 * @brief Everything that chooses a model; zero in any field means its
 * default, so `mtp_model_options o = MTP_MODEL_OPTIONS_INIT;` is REML with
 * z tests at 95%.
 */
typedef struct mtp_model_options {
    unsigned int version;    /**< ::MTP_MODEL_OPTIONS_VERSION */
    mtp_tau2_method tau2;    /**< default REML */
    double tau2_value;       /**< tau² with ::MTP_TAU2_FIXED (finite, >= 0) */
    mtp_test test;           /**< default z; knha: t(k - p) with s² (X'WX)^-1, QM an F(m, k - p) */
    mtp_pi pi;               /**< prediction interval; default t with k - p - 1 df */
    double level;            /**< confidence level in (0, 1); 0: 0.95 */
    mtp_i2_def i2;           /**< I² and H² definition; default as metafor */
    unsigned int flags;      /**< ::mtp_model_flag bits */
    double tol;              /**< relative tolerance of root searches; 0: 1e-12 */
    unsigned int max_iter;   /**< iteration cap of root searches; 0: 1000 */
    const size_t *btt;       /**< 0-based coefficients of the omnibus test QM (metafor's btt,
                                  1-based there); NULL: all but the intercept (all when the
                                  model has none) */
    size_t nbtt;             /**< length of @p btt */
} mtp_model_options;

/** Version of ::mtp_model_options described by this header. */
#define MTP_MODEL_OPTIONS_VERSION 1
/** Static initialiser: every field but the version 0 (the defaults). */
#ifdef __cplusplus
#define MTP_MODEL_OPTIONS_INIT { MTP_MODEL_OPTIONS_VERSION }
#else
#define MTP_MODEL_OPTIONS_INIT { .version = MTP_MODEL_OPTIONS_VERSION }
#endif

/** @brief A coefficient with its test and confidence interval. */
typedef struct mtp_coef {
    double estimate; /**< beta_j */
    double se;       /**< its standard error */
    double stat;     /**< z or t statistic */
    double df;       /**< df of the t test (k - p under knha); NaN for z */
    double p;        /**< two-sided p-value */
    double ci_lower; /**< lower confidence limit */
    double ci_upper; /**< upper confidence limit */
} mtp_coef;

/**
 * @brief Everything a fit reports as single numbers. Ratio measures are on
 * the log scale. Values not defined for the model are NaN.
 */
typedef struct mtp_summary {
    mtp_measure measure;       /**< the data's measure */
    mtp_tau2_method tau2_method; /**< the tau² method used */
    mtp_test test;             /**< the test used (z if knha fell back, see notes) */
    double level;              /**< confidence level */
    size_t k;                  /**< studies in the view */
    size_t k_used;             /**< studies in the fit (kept by the mask) */
    size_t p;                  /**< coefficients */
    int intercept;             /**< 1 if a column of X is the intercept (all ones) */
    mtp_coef mu;               /**< the first coefficient: the pooled estimate of an
                                    intercept-only model */
    double pi_lower;           /**< prediction interval of an intercept-only random-effects model */
    double pi_upper;           /**< upper prediction limit */
    double pi_df;              /**< its t df; NaN for normal */
    double tau2;               /**< (residual) between-study variance; 0 for fixed effect */
    double tau;                /**< sqrt(tau2) */
    double tau2_se;            /**< standard error of tau² (metafor se.tau2); NaN if fixed */
    double tau2_ci_lower;      /**< Q-profile confidence limits (Viechtbauer 2007) */
    double tau2_ci_upper;      /**< upper Q-profile limit */
    double tau2_pl_lower;      /**< profile-likelihood limits (::MTP_FIT_TAU2_PL) */
    double tau2_pl_upper;      /**< upper profile-likelihood limit */
    double qe;                 /**< Q for (residual) heterogeneity, y'P y with W = 1/v
                                    (Cochran's Q when intercept-only) */
    double qe_df;              /**< k_used - p */
    double qe_p;               /**< its chi-square p-value */
    double qm;                 /**< omnibus test of the coefficients in btt: chi-square
                                    (z) or F (knha) statistic */
    double qm_df;              /**< numerator df (coefficients tested) */
    double qm_df2;             /**< denominator df, k_used - p under knha; NaN under z */
    double qm_p;               /**< its p-value */
    double i2;                 /**< (residual) I², percent */
    double i2_ci_lower;        /**< I² at tau2_ci_lower (tau²-based I² only) */
    double i2_ci_upper;        /**< I² at tau2_ci_upper */
    double h2;                 /**< (residual) H² */
    double h2_ci_lower;        /**< H² at tau2_ci_lower */
    double h2_ci_upper;        /**< H² at tau2_ci_upper */
    double vtypical;           /**< typical within-study variance (k - p) / tr P, W = 1/v */
    double r2;                 /**< pseudo-R², percent (Raudenbush 2009, metafor); NaN without
                                    intercept or moderators */
    double loglik;             /**< log-likelihood (REML's restricted one for REML) */
    double deviance;           /**< deviance (metafor fitstats) */
    double aic;                /**< AIC */
    double bic;                /**< BIC */
    double aicc;               /**< AICc */
    unsigned int iterations;   /**< evaluations of the tau² estimating equation */
    int converged;             /**< 1 if the tau² estimator converged */
    unsigned int notes;        /**< ::mtp_note bits */
} mtp_summary;

/** More study flags (mtp_fit_out::flags, with ::mtp_study_flag). */
enum mtp_study_flag_fit {
    MTP_STUDY_EXCLUDED = 16u   /**< left out by mtp_data::keep */
};

/** How a fit writes its per-study arrays (mtp_fit_out::flags). */
enum mtp_fit_out_flag {
    MTP_OUT_KEPT_ONLY = 1u /**< write the entries of kept studies only, leave the others as
                                they are (fits over disjoint masks can share the arrays) */
};

/**
 * @brief Where a fit writes. Every pointer may be NULL (not wanted). Arrays
 * of k are in the order of the data view; a study left out by the keep mask
 * gets NaN (and ::MTP_STUDY_EXCLUDED). A later version adds pointers at the
 * end only, so a caller compiled against this one keeps working.
 */
typedef struct mtp_fit_out {
    unsigned int version;  /**< ::MTP_FIT_OUT_VERSION */
    unsigned int flags;    /**< ::mtp_fit_out_flag bits (0: write every study's entry) */
    mtp_summary *summary;  /**< one summary */
    mtp_coef *coef;        /**< p coefficients, in the columns' order */
    double *vcov;          /**< p x p covariance matrix of the coefficients, row-major */
    double *yi;            /**< k effects used in the fit (after any correction; NaN if left out) */
    double *vi;            /**< k sampling variances used in the fit */
    double *weight;        /**< k weights in percent of their total */
    double *ci_lower;      /**< k study CIs yi -/+ z sqrt(vi) at the model's level */
    double *ci_upper;      /**< upper study confidence limits */
    double *fitted;        /**< k fitted values x_i' beta */
    double *resid;         /**< k residuals yi - x_i' beta */
    double *hat;           /**< k hat values, diag of X (X'WX)^-1 X'W (metafor hatvalues) */
    double *blup;          /**< k best linear unbiased predictions of the true effects
                                (metafor blup); random-effects models only */
    double *blup_se;       /**< their standard errors */
    double *blup_lower;    /**< k lower prediction limits blup -/+ crit blup_se (crit: normal,
                                or t(k - p) under knha) */
    double *blup_upper;    /**< upper limits */
    double *ranef;         /**< k predicted random effects u_i (metafor ranef) */
    double *ranef_se;      /**< their standard errors */
    double *ranef_lower;   /**< k lower prediction limits of the random effects */
    double *ranef_upper;   /**< upper limits */
    unsigned int *study_flags; /**< k ::mtp_study_flag bits */
} mtp_fit_out;

/** Version of ::mtp_fit_out described by this header. */
#define MTP_FIT_OUT_VERSION 1
/** Static initialiser: the version, every pointer NULL. */
#ifdef __cplusplus
#define MTP_FIT_OUT_INIT { MTP_FIT_OUT_VERSION }
#else
#define MTP_FIT_OUT_INIT { .version = MTP_FIT_OUT_VERSION }
#endif

/**
 * @brief Fit the (meta-regression) model to a data view.
 *
 * Weights w_i = 1/(v_i + tau²); beta = (X'WX)^-1 X'Wy, Var(beta) = (X'WX)^-1
 * (times s² = y'Py/(k - p) under knha, Knapp & Hartung 2003), with tau²
 * from the chosen estimator generalised through P = W - WX(X'WX)^-1X'W as
 * in metafor's rma.uni (Viechtbauer 2005; formulas in docs/methods.md).
 * QE = y'P y with W = 1/v, chi-square(k - p); QM = b' V^-1 b over btt;
 * pseudo-R² = 100 max(0, (tau²_0 - tau²)/tau²_0) with tau²_0 from the
 * intercept-only fit (Raudenbush 2009). ML/REML/PM/EB roots are bracketed
 * and always converge; ML and REML return the global maximum.
 * @param out  where to write (see ::mtp_fit_out); outputs are written only on ::MTP_OK
 * @param w    workspace allocated for at least k studies and p columns
 * @param data the data view
 * @param opts model options; NULL = defaults
 * @param[out] err may be NULL
 * @return ::MTP_OK; ::MTP_EINVAL (NULL pointers, bad options, unknown version);
 *         ::MTP_EDATA (a kept study with a non-finite estimate or moderator, or a
 *         variance not > 0: mtp_error::study and mtp_error::column say which);
 *         ::MTP_ETOOFEW (no study kept, or k_used <= p with moderators);
 *         ::MTP_ERANK (X rank deficient: mtp_error::column names a column that is a
 *         linear combination of the others); ::MTP_EBADLEN (workspace too small);
 *         ::MTP_ENUMERIC
 */
MTP_API int mtp_fit(const mtp_fit_out *out, mtp_workspace *w, const mtp_data *data,
                    const mtp_model_options *opts, mtp_error *err);

/** Fixed-effect method of a 2x2 fit (mtp_fe2x2_options::method). */
typedef enum mtp_fe_method {
    MTP_FE_IV = 0,   /**< inverse variance: the model of mtp_model_options (fixed or random) */
    MTP_FE_MH = 1,   /**< Mantel-Haenszel (RR, OR, RD); fixed effect (tau2 = FE) */
    MTP_FE_PETO = 2  /**< Peto's odds ratio; fixed effect (tau2 = FE) */
} mtp_fe_method;

/** @brief Effect sizes of 2x2 tables; zero in any field means its default. */
typedef struct mtp_es_options {
    unsigned int version;        /**< ::MTP_ES_OPTIONS_VERSION */
    mtp_measure measure;         /**< RR (default), OR, RD or PETO */
    double cc;                   /**< continuity correction added to each cell; 0: 0.5 (no
                                      correction at all: cc_when = ::MTP_CC_NEVER) */
    mtp_cc_rule cc_when;         /**< default: tables with a zero cell */
    mtp_double_zero double_zero; /**< default: drop for RR/OR, keep for RD */
} mtp_es_options;
/** Version of ::mtp_es_options described by this header. */
#define MTP_ES_OPTIONS_VERSION 1
/** Static initialiser with the defaults. */
#ifdef __cplusplus
#define MTP_ES_OPTIONS_INIT { MTP_ES_OPTIONS_VERSION }
#else
#define MTP_ES_OPTIONS_INIT { .version = MTP_ES_OPTIONS_VERSION }
#endif

/** Switches of a 2x2 fit (mtp_fe2x2_options::flags). */
enum mtp_fe2x2_flag {
    MTP_FE2X2_MH_CORRECT = 1u /**< add cc to zero-cell tables inside MH pooling (RevMan); default:
                                   exact MH from the raw counts (metafor rma.mh, Stata) */
};

/** @brief The 2x2-only conventions; zero in any field means its default. */
typedef struct mtp_fe2x2_options {
    unsigned int version;   /**< ::MTP_FE2X2_OPTIONS_VERSION */
    mtp_fe_method method;   /**< default inverse variance */
    unsigned int flags;     /**< ::mtp_fe2x2_flag bits */
    mtp_mh_rd_var mh_rd_var;/**< default Sato (metafor) */
    mtp_q_centre q_centre;  /**< default IV; MH: RevMan 5's DL tau² from the MH-centred Q */
} mtp_fe2x2_options;
/** Version of ::mtp_fe2x2_options described by this header. */
#define MTP_FE2X2_OPTIONS_VERSION 1
/** Static initialiser with the defaults. */
#ifdef __cplusplus
#define MTP_FE2X2_OPTIONS_INIT { MTP_FE2X2_OPTIONS_VERSION }
#else
#define MTP_FE2X2_OPTIONS_INIT { .version = MTP_FE2X2_OPTIONS_VERSION }
#endif

/**
 * @brief Fit 2x2 tables: effect sizes (as mtp_effect_from_2x2()), then the
 * inverse-variance model of @p model through mtp_fit() (the data keep their
 * measure), or Mantel-Haenszel or Peto pooling (Mantel & Haenszel 1959;
 * Robins, Breslow & Greenland 1986; Greenland & Robins 1985; Sato,
 * Greenland & Robins 1989; Yusuf et al. 1985). Outputs as mtp_fit(), with
 * yi, vi and study_flags (::mtp_study_flag: corrected, double zero,
 * dropped, no finite effect) for every table; MH/Peto weights are the
 * methods' own. A dropped table gets NaN outputs.
 * @param out    outputs (see ::mtp_fit_out)
 * @param w      workspace for k studies
 * @param tables k tables
 * @param k      number of tables
 * @param es     effect-size options; NULL = defaults
 * @param fe     2x2 conventions; NULL = defaults
 * @param model  model options; NULL = defaults (REML)
 * @param[out] err may be NULL
 * @return ::MTP_OK; ::MTP_EINVAL, ::MTP_EDATA (mtp_error::study), ::MTP_ETOOFEW,
 *         ::MTP_EBADLEN, ::MTP_ENUMERIC
 */
MTP_API int mtp_fit_2x2(const mtp_fit_out *out, mtp_workspace *w, const mtp_table2x2 *tables,
                        size_t k, const mtp_es_options *es, const mtp_fe2x2_options *fe,
                        const mtp_model_options *model, mtp_error *err);

/** @brief A prediction at new moderator values (metafor predict(newmods =)). */
typedef struct mtp_prediction {
    double pred;     /**< x' beta */
    double se;       /**< sqrt(x' Var(beta) x) */
    double ci_lower; /**< confidence limits (z, or t(k - p) under knha) */
    double ci_upper; /**< upper confidence limit */
    double pi_lower; /**< prediction limits x'beta -/+ crit sqrt(se² + tau²) */
    double pi_upper; /**< upper prediction limit */
} mtp_prediction;

/**
 * @brief Predictions from a fit at m rows of new moderator values.
 *
 * The confidence interval uses the fit's test (normal under z, t(k - p)
 * under knha); the prediction interval x'b -/+ crit sqrt(se² + tau²) the
 * options' kind: normal (::MTP_PI_NORMAL, metafor's default under z),
 * t(k - p) (::MTP_PI_T_K1, metafor's default under knha) or t(k - p - 1)
 * (::MTP_PI_T_K2, metafor's pi.type = "Riley").
 * @param[out] out m predictions
 * @param s     the fit's summary
 * @param coef  its p coefficients
 * @param vcov  its p x p covariance matrix
 * @param xnew  m x p new rows (row-major), intercept column included as in the fit
 * @param m     number of rows
 * @param opts  the options of the fit (for pi); NULL = defaults
 * @param[out] err may be NULL
 * @return ::MTP_OK, ::MTP_EINVAL or ::MTP_EDATA (non-finite xnew)
 */
MTP_API int mtp_predict(mtp_prediction *out, const mtp_summary *s, const mtp_coef *coef,
                        const double *vcov, const double *xnew, size_t m,
                        const mtp_model_options *opts, mtp_error *err);

/** @brief Result of a permutation test (mtp_permutest()). */
typedef struct mtp_permutation {
    unsigned long iterations; /**< arrangements evaluated, the observed one included */
    int exact;                /**< 1 if every distinct arrangement was evaluated */
    double qm_p;              /**< permutation p-value of the omnibus test QM */
} mtp_permutation;

/**
 * @brief Permutation test of the coefficients and of QM (Higgins & Thompson
 * 2004; metafor's permutest).
 *
 * With moderators the rows of X are permuted over the studies (y and v stay
 * in place) and the model is refitted; for the intercept-only model the
 * signs of y are flipped. When the distinct arrangements (k!/prod n_g! for
 * groups of n_g identical rows; 2^k sign vectors) number at most
 * @p iterations, every one is fitted once (exact test); otherwise the
 * observed data and @p iterations - 1 random arrangements (GSL's mt19937,
 * seeded with @p seed). p_j = #{|stat_j*| >= |stat_j| - 1.49e-8} / N and
 * p_QM = #{QM* >= QM - 1.49e-8} / N, stat the z or t value, as metafor
 * 3.8.1. Arrangements whose fit fails are left out of N (as metafor).
 * @param[out] out    iterations, exactness and the QM p-value
 * @param[out] p_coef p permutation p-values, one per coefficient (may be NULL)
 * @param w           workspace for k studies and p columns
 * @param data        the data view (the keep mask is honoured)
 * @param opts        model options (btt chooses QM's coefficients)
 * @param iterations  largest number of arrangements (>= 2)
 * @param seed        seed of the random arrangements
 * @param[out] err    may be NULL
 * @return ::MTP_OK, an error of mtp_fit() for the observed data, ::MTP_EINVAL,
 *         or ::MTP_ENOMEM
 */
MTP_API int mtp_permutest(mtp_permutation *out, double *p_coef, mtp_workspace *w,
                          const mtp_data *data, const mtp_model_options *opts,
                          unsigned long iterations, unsigned long seed, mtp_error *err);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Workspace */
/** @{ */


/**
 * @brief Allocate a workspace for fits of up to @p kmax studies and @p pmax
 * coefficients. A fit allocates nothing: all its scratch memory is here.
 * @param kmax largest number of studies a fit with this workspace will have (>= 1)
 * @param pmax largest number of moderator columns (>= 1; 1 for intercept-only models)
 * @return the workspace, or NULL if @p kmax or @p pmax is 0 or memory is short
 * @ownership The caller owns it and frees it with mtp_workspace_free().
 */
MTP_API mtp_workspace *mtp_workspace_alloc(size_t kmax, size_t pmax);

/**
 * @brief Free a workspace.
 * @param w workspace, or NULL (a no-op)
 */
MTP_API void mtp_workspace_free(mtp_workspace *w);

/**
 * @brief Capacity of a workspace.
 * @param w workspace
 * @return the kmax it was allocated with (0 if @p w is NULL)
 */
MTP_API size_t mtp_workspace_size(const mtp_workspace *w);

/**
 * @brief Per-study values of the last successful fit done with @p w.
 * @param w workspace
 * @return array of mtp_result::k entries, in input order
 * @ownership Borrowed: valid until @p w is used again or freed.
 */
MTP_API const mtp_study *mtp_workspace_studies(const mtp_workspace *w);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Study-level effect sizes */
/** @{ */

/**
 * @brief Effect size and sampling variance of one 2x2 table.
 *
 * With a = events_trt, b = total_trt - a, c = events_ctl, d = total_ctl - c,
 * after adding opts->cc to every cell when opts->cc_when says so:
 * - RR: yi = ln[(a/n1)/(c/n2)], vi = 1/a - 1/n1 + 1/c - 1/n2
 * - OR: yi = ln(ad/bc), vi = 1/a + 1/b + 1/c + 1/d (Woolf 1955)
 * - RD: yi = a/n1 - c/n2, vi = p1(1-p1)/n1 + p2(1-p2)/n2
 * - PETO_OR: yi = (a - E)/V, vi = 1/V with E = n1(a+c)/N and
 *   V = n1 n2 (a+c)(b+d) / (N²(N-1)) (Yusuf et al. 1985), never corrected.
 *
 * Formulas as in metafor's escalc() (Viechtbauer 2010).
 * @param[out] out   effect; NaN when the table is dropped
 * @param[out] flags ::mtp_study_flag bits (may be NULL)
 * @param table      the study
 * @param opts       measure, cc, cc_when and double_zero are read; NULL = defaults
 * @param[out] err   may be NULL
 * @return ::MTP_OK (also when the table is dropped: see @p flags), ::MTP_EINVAL,
 *         or ::MTP_EDATA for invalid counts or a zero variance
 */
MTP_API int mtp_effect_from_2x2(mtp_effect *out, unsigned int *flags, const mtp_table2x2 *table,
                                const mtp_options *opts, mtp_error *err);

/**
 * @brief Effect from an estimate and its confidence interval.
 *
 * For a ratio (@p log_scale nonzero) yi = ln(est) and
 * SE = (ln upper - ln lower) / (2 z), z the normal quantile for @p level;
 * otherwise yi = est and SE = (upper - lower) / (2 z). vi = SE².
 * (Cochrane Handbook 6.3.2.)
 * @param[out] out  effect
 * @param est       point estimate (ratio or difference)
 * @param lower     lower confidence limit
 * @param upper     upper confidence limit
 * @param level     confidence level of the interval, in (0, 1)
 * @param log_scale nonzero for ratios (est, lower, upper > 0)
 * @param[out] err  may be NULL
 * @return ::MTP_OK, ::MTP_EINVAL or ::MTP_EDATA (non-finite values, lower >= upper,
 *         estimate outside the interval, non-positive ratio)
 */
MTP_API int mtp_effect_from_ci(mtp_effect *out, double est, double lower, double upper,
                               double level, int log_scale, mtp_error *err);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Pooling */
/** @{ */

/**
 * @brief Pool @p k effects with the model chosen in @p opts.
 *
 * Fixed effect: mu = sum(w y)/sum(w), w = 1/v. Random effects: w = 1/(v + tau²)
 * with tau² from the chosen estimator (formulas and references in
 * docs/methods.md; they follow Viechtbauer 2005 and metafor's rma.uni).
 * MH and PETO need 2x2 tables and give ::MTP_EINVAL here.
 * @param[out] out  result; written only when ::MTP_OK is returned
 * @param w         workspace with mtp_workspace_size(w) >= @p k
 * @param effects   @p k effects; not modified
 * @param k         number of studies, >= 1
 * @param opts      NULL means the defaults
 * @param[out] err  may be NULL
 * @return ::MTP_OK or a negative ::mtp_status. No allocation; reentrant.
 */
MTP_API int mtp_pool_effects(mtp_result *out, mtp_workspace *w, const mtp_effect *effects,
                             size_t k, const mtp_options *opts, mtp_error *err);

/**
 * @brief Pool @p k 2x2 tables with the measure and model chosen in @p opts.
 *
 * Study effects come from mtp_effect_from_2x2(). MH pools RR (Greenland &
 * Robins 1985 variance), OR (Robins, Breslow & Greenland 1986 variance) and RD
 * (Sato, Greenland & Robins 1989 or Greenland & Robins 1985 variance); PETO
 * pools sum(O-E)/sum(V) with variance 1/sum(V) (Yusuf et al. 1985). For MH and
 * PETO, Q is centred on the MH/Peto estimate, as in metafor's rma.mh/rma.peto.
 * @param[out] out  result; written only when ::MTP_OK is returned
 * @param w         workspace with mtp_workspace_size(w) >= @p k
 * @param tables    @p k tables; not modified
 * @param k         number of studies, >= 1
 * @param opts      NULL means the defaults
 * @param[out] err  may be NULL
 * @return ::MTP_OK or a negative ::mtp_status
 */
MTP_API int mtp_pool_2x2(mtp_result *out, mtp_workspace *w, const mtp_table2x2 *tables,
                         size_t k, const mtp_options *opts, mtp_error *err);
/** @} */

/* ------------------------------------------------------------------------ */
/** @name Names */
/** @{ */

/**
 * @brief Short name of a method ("FE", "MH", "PETO", "DL", ..., "EB").
 * @param method an ::mtp_method
 * @return a static string, "?" for an unknown value
 */
MTP_API const char *mtp_method_name(mtp_method method);

/**
 * @brief Short name of a measure ("RR", "OR", "RD", "PETO", "GEN").
 * @param measure an ::mtp_measure
 * @return a static string, "?" for an unknown value
 */
MTP_API const char *mtp_measure_name(mtp_measure measure);

/**
 * @brief Whether a method estimates a between-study variance.
 * @param method an ::mtp_method
 * @return 1 for DL, HE, HS, SJ, ML, REML, PM, EB; 0 otherwise
 */
MTP_API int mtp_method_is_random(mtp_method method);
/** @} */

/* ---- subgroups (lib/subgroup.c) ---------------------------------------- */
/** @name Subgroup analysis */
/** @{ */

/** How tau² is estimated across subgroups. */
typedef enum mtp_subgroup_tau2 {
    MTP_SUBGROUP_SEPARATE = 0, /**< each subgroup has its own tau² (RevMan, meta's default) */
    MTP_SUBGROUP_COMMON = 1    /**< one pooled method-of-moments tau², (sum Q_j - sum df_j) / sum C_j
                                    (Borenstein et al. 2009 ch. 19; CMA's "pooled within-group" tau²;
                                    metafor's DL with mods = ~factor(group)) */
} mtp_subgroup_tau2;

/** @brief Test for subgroup differences. */
typedef struct mtp_subgroup_diff {
    double q;  /**< Q between subgroups: sum (mu_j - mu)² / se_j² over subgroups, mu their IV mean */
    double df; /**< number of subgroups with a result, minus 1 */
    double p;  /**< chi-square p-value (upper tail, @p df degrees of freedom) */
} mtp_subgroup_diff;

/**
 * @brief The pooled method-of-moments tau² common to all subgroups.
 *
 * tau² = max(0, (sum_j Q_j - sum_j (k_j - 1)) / sum_j C_j), with Q_j and
 * C_j = sum w - sum w²/sum w computed within subgroup j with w = 1/v
 * (Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 19).
 * Subgroups with one study (or none) contribute nothing. This is the
 * DerSimonian-Laird estimator of the meta-regression on subgroup indicators,
 * (RSS - (k - p)) / tr(P): metafor's rma(yi, vi, mods = ~factor(group),
 * method = "DL"), CMA's pooled within-group tau², meta's tau.common = TRUE
 * with DL. No allocation; reentrant.
 * @param[out] tau2 the common tau² (written only on success)
 * @param effects   @p k effects (finite yi, finite vi > 0)
 * @param group     @p k subgroup indices, each < @p ngroups
 * @param k         number of studies
 * @param ngroups   number of subgroups, >= 1
 * @param[out] err  may be NULL; err->study names a bad effect or index
 * @return ::MTP_OK; ::MTP_EINVAL for a NULL pointer, @p ngroups = 0 or an
 *         index >= @p ngroups; ::MTP_EDATA for a non-finite estimate or a
 *         variance that is not finite and > 0; ::MTP_ETOOFEW when no
 *         subgroup has two studies; ::MTP_ENUMERIC if the value overflows
 */
MTP_API int mtp_tau2_common(double *tau2, const mtp_effect *effects, const size_t *group, size_t k,
                            size_t ngroups, mtp_error *err);

/**
 * @brief Test for subgroup differences from per-subgroup results.
 *
 * Q_between = sum_j (mu_j - mu)²/se_j², mu = sum(mu_j/se_j²)/sum(1/se_j²), df = G - 1
 * (Borenstein et al. 2009, ch. 19; RevMan's "test for subgroup differences").
 * This is the Q of a fixed-effect meta-analysis of the subgroup estimates
 * (metafor: rma(estimates, sei = se, method = "FE")); with a common tau²
 * it equals the QM of rma(yi, vi, mods = ~factor(group), method = "DL").
 * A result whose estimate is NaN (a failed fit, as mtp_pool_batch()
 * leaves it) counts as "no result" and is left out; G counts the others.
 * @param[out] out  the test (written only on success)
 * @param groups    @p ngroups results (e.g. from mtp_pool_effects on each subgroup)
 * @param ngroups   number of subgroups, >= 2
 * @param[out] err  may be NULL; err->study is ::MTP_NO_STUDY, the message
 *                  names the subgroup (1-based)
 * @return ::MTP_OK; ::MTP_EINVAL for a NULL pointer; ::MTP_ETOOFEW when
 *         @p ngroups < 2 or fewer than 2 subgroups have a result;
 *         ::MTP_EDATA for an infinite estimate or a standard error that is
 *         not finite and > 0 (e.g. a zero-width Knapp-Hartung fit)
 */
MTP_API int mtp_subgroup_test(mtp_subgroup_diff *out, const mtp_result *groups, size_t ngroups,
                              mtp_error *err);

/**
 * @brief Subgroup analysis in one call: a fit per subgroup (with separate
 * tau², or with the common tau² of mtp_tau2_common() passed as
 * mtp_options::tau2_fixed), the test for subgroup differences, and an
 * overall fit of all studies with the same options (and, for
 * ::MTP_SUBGROUP_COMMON, the same common tau²).
 *
 * Each subgroup is fitted exactly as mtp_pool_effects() would fit its
 * studies alone (result k = the subgroup's size; a one-study subgroup gets
 * tau² = 0 with separate tau², the common tau² with a common one, as in
 * metafor's mods = ~factor(group) model). With a common tau², every
 * subgroup result carries ::MTP_NOTE_TAU2_FIXED and has no tau² CI; its Q,
 * and I² under ::MTP_I2_Q, are the subgroup's own. With one subgroup
 * there is no test: @p test gets q = NaN, df = 0, p = NaN.
 * After the call mtp_workspace_studies() describes the overall fit.
 * @param[out] group_out @p ngroups results, in subgroup-index order (contents
 *                       unspecified when the call fails)
 * @param[out] overall   overall result (may be NULL; written only on success)
 * @param[out] test      the test for subgroup differences (may be NULL;
 *                       written only on success)
 * @param w              workspace with mtp_workspace_size(w) >= @p k
 * @param effects        @p k effects
 * @param group          @p k subgroup indices, each < @p ngroups; every subgroup non-empty
 * @param k              number of studies
 * @param ngroups        number of subgroups, >= 1
 * @param mode           separate or common tau²
 * @param opts           model options; NULL = defaults. ::MTP_SUBGROUP_COMMON needs
 *                       method DL (the common tau² is that method-of-moments
 *                       estimator) and tau2_fixed < 0
 * @param[out] err       may be NULL; err->study is an index into @p effects; the
 *                       message of a failed subgroup fit starts "subgroup <j+1>: "
 * @return ::MTP_OK; ::MTP_EINVAL for a NULL pointer, invalid options, MH or
 *         Peto (fit 2x2 subgroups with mtp_pool_2x2() and use
 *         mtp_subgroup_test()), an unknown @p mode, COMMON without DL or with
 *         tau2_fixed >= 0, @p ngroups = 0 or an index >= @p ngroups;
 *         ::MTP_ETOOFEW for k = 0, an empty subgroup, or COMMON with no
 *         subgroup of two studies; ::MTP_EBADLEN; ::MTP_EDATA for an invalid
 *         effect; or the status of a failing fit
 */
MTP_API int mtp_pool_subgroups(mtp_result *group_out, mtp_result *overall, mtp_subgroup_diff *test,
                               mtp_workspace *w, const mtp_effect *effects, const size_t *group,
                               size_t k, size_t ngroups, mtp_subgroup_tau2 mode,
                               const mtp_options *opts, mtp_error *err);

/** Notes of a subgroup fit (mtp_summary::notes, with ::mtp_note). */
enum mtp_note_subgroup {
    MTP_NOTE_TAU2_COMMON = 512u /**< tau² is the common one of the subgroup model (the
                                     meta-regression on subgroup indicators), with its CI */
};

/**
 * @brief Subgroup analysis on a data view: a fit per subgroup, the overall
 * fit and the test for subgroup differences, with every output of mtp_fit()
 * for each.
 *
 * ::MTP_SUBGROUP_SEPARATE fits each subgroup on its own. ::MTP_SUBGROUP_COMMON
 * fits the meta-regression on subgroup indicators first (metafor's
 * rma(yi, vi, mods = ~ factor(group), method = M), with any tau² method),
 * then each subgroup and the overall model with that tau² (each summary
 * carries ::MTP_NOTE_TAU2_COMMON, the method M and the common model's
 * Q-profile CI). Per-study arrays of @p groups are written at the studies
 * of each subgroup only, so all subgroups may share the same k-long arrays.
 * The test is Q between subgroups (Borenstein et al. 2009, ch. 19).
 * @param groups  @p ngroups outputs (see ::mtp_fit_out), one per subgroup
 * @param overall output of the fit of all studies (may be NULL)
 * @param[out] test test for subgroup differences (may be NULL; NaN with one subgroup)
 * @param w       workspace for k studies, and ngroups columns for ::MTP_SUBGROUP_COMMON
 * @param data    the data view (intercept only: data->x must be NULL)
 * @param group   k subgroup indices in [0, ngroups) (read for kept studies)
 * @param ngroups number of subgroups, each with at least one kept study
 * @param mode    separate or common tau²
 * @param opts    model options; NULL = defaults
 * @param[out] err may be NULL; mtp_error::group names a failing subgroup
 * @return ::MTP_OK or the error of the failing fit
 */
MTP_API int mtp_subgroups(const mtp_fit_out *groups, const mtp_fit_out *overall,
                          mtp_subgroup_diff *test, mtp_workspace *w, const mtp_data *data,
                          const size_t *group, size_t ngroups, mtp_subgroup_tau2 mode,
                          const mtp_model_options *opts, mtp_error *err);
/** @} */

/* ---- absolute effects (lib/absolute.c) --------------------------------- */
/** @name Absolute effects (GRADE summary-of-findings style) */
/** @{ */

/** @brief Absolute effect of a pooled risk ratio at an assumed control risk. */
typedef struct mtp_absolute {
    double control_risk;     /**< assumed control-group risk, in [0, 1] */
    double treat_risk;       /**< control_risk * RR, capped at 1 */
    double treat_risk_lower; /**< control_risk * RR_lower */
    double treat_risk_upper; /**< control_risk * RR_upper, capped at 1 */
    double rd;               /**< treat_risk - control_risk (negative = fewer events) */
    double rd_lower;         /**< lower limit of the risk difference */
    double rd_upper;         /**< upper limit of the risk difference */
    double nnt;              /**< 1/|rd|: number needed to treat (benefit) or harm; Inf if rd = 0 */
} mtp_absolute;

/**
 * @brief Corresponding risk in the treated group from a risk ratio and an
 * assumed control risk (GRADE Handbook 5.2; Cochrane Handbook 14.1.5).
 *
 * treat_risk = control_risk × RR, and the same with each CI limit (each
 * capped at 1); rd = treat_risk - control_risk with limits from the RR's
 * limits; nnt = 1/|rd|. Per 100 (or 1000) people: multiply by 100 (1000).
 * Example (Steffens et al. 2016): control risk 0.412, RR 0.65 [0.50, 0.86]
 * gives 0.268 [0.206, 0.354], rd -0.144, nnt 6.9.
 * @param[out] out     absolute effects (written only on success)
 * @param rr           pooled risk ratio (natural scale, > 0)
 * @param rr_lower     its lower confidence limit (> 0)
 * @param rr_upper     its upper confidence limit, rr_lower <= rr <= rr_upper
 * @param control_risk assumed control risk in [0, 1]
 * @param[out] err     may be NULL
 * @return ::MTP_OK; ::MTP_EINVAL if @p out is NULL; ::MTP_EDATA for a
 *         non-finite or non-positive ratio or limit, an RR outside its
 *         limits, or a control risk outside [0, 1]
 */
MTP_API int mtp_absolute_from_rr(mtp_absolute *out, double rr, double rr_lower, double rr_upper,
                                 double control_risk, mtp_error *err);

/** How an assumed control risk is taken from the trials. */
typedef enum mtp_control_risk_rule {
    MTP_CONTROL_RISK_MEDIAN = 0, /**< median of the control-arm risks (GRADE's usual choice) */
    MTP_CONTROL_RISK_POOLED = 1  /**< total control events / total control participants */
} mtp_control_risk_rule;

/**
 * @brief Control-group risk of a set of trials.
 *
 * Median: the median of events_ctl/total_ctl (the mean of the two middle
 * risks when @p k is even). Pooled: sum of control events over sum of
 * control participants.
 * @param[out] risk  the risk (written only on success)
 * @param tables     @p k tables (only the control arms are read and checked)
 * @param k          number of tables, >= 1
 * @param rule       median or pooled
 * @param[out] err   may be NULL; err->study names a bad table
 * @return ::MTP_OK; ::MTP_EINVAL for a NULL pointer or an unknown @p rule;
 *         ::MTP_ETOOFEW for k = 0; ::MTP_EDATA for a control arm with
 *         non-finite or negative counts, no participants, or more events
 *         than participants; ::MTP_ENOMEM (the median sorts a copy);
 *         ::MTP_ENUMERIC if the pooled sums overflow
 */
MTP_API int mtp_control_risk(double *risk, const mtp_table2x2 *tables, size_t k,
                             mtp_control_risk_rule rule, mtp_error *err);
/** @} */

/* ---- batch fitting (lib/batch.c) --------------------------------------- */
/** @name Batch fitting */
/** @{ */

/**
 * @brief Fit many independent meta-analyses of generic effects, laid out
 * contiguously: analysis j uses effects[offsets[j] .. offsets[j+1]).
 *
 * Each analysis is fitted exactly as mtp_pool_effects() would fit it, so
 * out[j] is bit for bit the result of that call, whatever @p nthreads is.
 * One workspace per worker is allocated at the start (sized for the largest
 * analysis) and freed at the end; the fits themselves allocate nothing.
 * With @p nthreads > 1 the analyses are handed out to POSIX threads in
 * contiguous chunks; on platforms built without threads @p nthreads is
 * ignored. An empty analysis (offsets[j] == offsets[j+1]) fails with
 * ::MTP_ETOOFEW in @p status, like any other failing analysis.
 * For the speed to expect, see docs/performance.md; note that
 * mtp_options::tau2_ci (on by default) costs two more root searches per fit.
 * @param[out] out      @p n results; a failed analysis gets NaN numbers (with
 *                      its k, method, test and level filled in)
 * @param[out] status   @p n status codes (::MTP_OK or negative), one per analysis
 * @param effects       all effects, back to back
 * @param offsets       @p n + 1 non-decreasing offsets into @p effects
 * @param n             number of analyses (0: nothing to do, ::MTP_OK)
 * @param opts          options for every analysis; NULL = defaults
 * @param nthreads      worker threads, including the calling one (0 or 1: the
 *                      calling thread only; capped at @p n and at 256)
 * @param[out] err      may be NULL; describes the failing analysis of lowest
 *                      index, its message prefixed "analysis <j+1>: "
 *                      (err->study indexes @p effects, not the analysis)
 * @return ::MTP_OK if every analysis succeeded; ::MTP_EINVAL for a bad call
 *         (a NULL pointer with @p n > 0, decreasing offsets, invalid options,
 *         a method or Q centre that needs 2x2 tables)
 *         or ::MTP_ENOMEM, with nothing fitted; otherwise the status of the
 *         failed analysis of lowest index (the others are still fitted; see
 *         @p status)
 * @note Thread safety: reentrant; distinct calls may run at the same time.
 */
MTP_API int mtp_pool_batch(mtp_result *out, int *status, const mtp_effect *effects,
                           const size_t *offsets, size_t n, const mtp_options *opts,
                           unsigned int nthreads, mtp_error *err);

/**
 * @brief Fit many independent models laid out back to back: analysis j is
 * the rows offsets[j] .. offsets[j+1] of @p all (its yi, vi, x rows, keep
 * and weights), fitted by mtp_fit() with @p opts.
 *
 * @p out is read as one output for all analyses: summary has n entries,
 * coef n x p, vcov n x p x p, and every per-study array the total number of
 * rows, each analysis writing its own rows. A failing analysis gets its
 * status in @p status, a summary with NaN numbers (and its k), NaN rows;
 * the others go on. With @p nthreads > 1 the analyses are shared out to
 * POSIX threads (each with its own workspace, allocated here), and the
 * results are bit-identical to one thread.
 * @param out      outputs (see above); every pointer may be NULL
 * @param[out] status n statuses (::MTP_OK or the analysis's error)
 * @param all      the rows of every analysis (all->k = offsets[n])
 * @param offsets  n + 1 nondecreasing row offsets, offsets[0] = 0
 * @param n        number of analyses
 * @param opts     model options for every analysis; NULL = defaults
 * @param nthreads worker threads (0 or 1: the calling thread only)
 * @param[out] err the first failing analysis's error (mtp_error::analysis, and
 *                 mtp_error::study as a row of @p all); may be NULL
 * @return ::MTP_OK when every analysis succeeded; else the first failure's
 *         status (the others' are in @p status); ::MTP_EINVAL or ::MTP_ENOMEM
 *         for the call itself
 */
MTP_API int mtp_fit_batch(const mtp_fit_out *out, int *status, const mtp_data *all,
                          const size_t *offsets, size_t n, const mtp_model_options *opts,
                          unsigned int nthreads, mtp_error *err);
/** @} */

/* ---- plots (lib/plot/forest.c, funnel.c, bubble.c) ---------------------- */
/** @name Plots (SVG)
 * Forest, funnel and bubble (meta-regression) plots written as SVG 1.1 text
 * to a stdio stream. No dependencies; the output is deterministic
 * (coordinates printed with two decimals) and every mark carries a stable class attribute ("study",
 * "diamond", "pi", "arrow", "null-line", ...) so that programs can read the
 * picture back. Labels are UTF-8 and are XML-escaped by the library. */
/** @{ */

/** Horizontal scale of a plot. */
typedef enum mtp_plot_scale {
    MTP_SCALE_AUTO = 0,  /**< log for RR, OR and Peto OR; linear for RD and generic effects */
    MTP_SCALE_LINEAR = 1,/**< values are drawn and printed as they are */
    MTP_SCALE_LOG = 2    /**< values are natural logarithms of ratios: drawn on a log axis,
                              printed exponentiated, line of no effect at 1 */
} mtp_plot_scale;

/** Elements of a forest plot that can be switched on or off (mtp_forest::flags). */
enum mtp_forest_flag {
    MTP_FOREST_COUNTS = 1u,        /**< events/total columns (when any row has counts) */
    MTP_FOREST_WEIGHTS = 2u,       /**< weight (%) column */
    MTP_FOREST_HETEROGENEITY = 4u, /**< heterogeneity line under each pooled estimate:
                                        tau², Chi² (Q), df, P, I² */
    MTP_FOREST_PI = 8u,            /**< prediction-interval row under each pooled estimate
                                        whose prediction interval is defined */
    MTP_FOREST_OVERALL_TEST = 16u, /**< "Test for overall effect" line (z or t and P) */
    MTP_FOREST_DEFAULT = 31u       /**< all of the above (the default) */
};

/**
 * @brief One study row of a forest plot. Values are on the analysis scale
 * (log for ratio measures), as in ::mtp_study.
 * @ownership Every pointer is borrowed for the duration of the plotting call.
 */
typedef struct mtp_forest_row {
    const char *label;           /**< study label, UTF-8; NULL prints nothing */
    const mtp_table2x2 *counts;  /**< events/totals printed in the count columns; NULL: blank */
    double yi;                   /**< estimate; NaN: study not estimable (row printed, no mark) */
    double vi;                   /**< sampling variance, > 0; gives the CI yi ± z sqrt(vi) when
                                      ci_lower or ci_upper is NaN */
    double ci_lower;             /**< lower confidence limit as printed (e.g. from the paper),
                                      or NaN to compute it from vi */
    double ci_upper;             /**< upper confidence limit, or NaN */
    double weight;               /**< weight in percent (square area ∝ weight); NaN: no weight
                                      printed, a square of middle size */
} mtp_forest_row;

/**
 * @brief A block of rows with an optional pooled estimate (a subgroup, or a
 * comparison in a figure of several comparisons).
 * @ownership Every pointer is borrowed for the duration of the plotting call.
 */
typedef struct mtp_forest_group {
    const char *name;            /**< bold heading above the rows; NULL: no heading */
    const mtp_forest_row *rows;  /**< @p nrows rows, top to bottom */
    size_t nrows;                /**< number of rows (may be 0 with a result only) */
    const mtp_result *result;    /**< pooled result: diamond, heterogeneity, test, PI; NULL: none */
    const char *result_label;    /**< label of the diamond row; NULL: "Subtotal" when the plot
                                      has an overall result or several groups, else "Total" */
} mtp_forest_group;

/**
 * @brief Everything a forest plot shows. Initialise with mtp_forest_init(),
 * then set the fields. The layout follows journal (JAMA, Cochrane RevMan)
 * figures: study label, events/total per arm, estimate with CI, the plot,
 * weight; diamonds for pooled estimates; a heterogeneity line per block;
 * the overall estimate and the test for subgroup differences at the bottom.
 * @ownership Every pointer is borrowed for the duration of the plotting call.
 */
typedef struct mtp_forest {
    unsigned int version;          /**< ::MTP_FOREST_VERSION */
    const char *title;             /**< bold title above the plot; NULL: none */
    mtp_measure measure;           /**< names the effect column ("RR", "OR", "RD", ...) and
                                        chooses the scale under ::MTP_SCALE_AUTO (default RR) */
    mtp_plot_scale scale;          /**< default ::MTP_SCALE_AUTO */
    const mtp_forest_group *groups;/**< @p ngroups blocks, top to bottom */
    size_t ngroups;                /**< number of blocks, >= 1 */
    const mtp_result *overall;     /**< overall pooled result (diamond at the bottom); NULL: none */
    const char *overall_label;     /**< label of the overall row; NULL: "Total" */
    const mtp_subgroup_diff *subgroup_diff; /**< test for subgroup differences; NULL: none */
    const char *study_heading;     /**< heading of the label column; NULL: "Study" */
    const char *arm_trt;           /**< heading of the first count column; NULL: "Treatment" */
    const char *arm_ctl;           /**< heading of the second count column; NULL: "Control" */
    const char *effect_heading;    /**< heading of the estimate column; NULL: e.g. "RR (95% CI)" */
    const char *favours_left;      /**< text under the axis, left of the line of no effect
                                        (e.g. "Favours exercise"); NULL: none */
    const char *favours_right;     /**< text right of the line of no effect; NULL: none */
    double level;                  /**< level of CIs computed from mtp_forest_row::vi, in (0, 1)
                                        (default 0.95) */
    double axis_min;               /**< left end of the axis on the printed scale (a ratio for
                                        log scales); NaN: automatic (default); either end may
                                        be set alone */
    double axis_max;               /**< right end of the axis; NaN: automatic (default) */
    unsigned int flags;            /**< ::mtp_forest_flag bits (default ::MTP_FOREST_DEFAULT) */
    unsigned int digits;           /**< decimals of printed estimates, 1..6 (default 2) */
    double plot_width;             /**< width of the graph area in px, >= 100 (default 280) */
    double label_width;            /**< widest label column in px, >= 60; longer labels are
                                        cut with an ellipsis (default 240) */
} mtp_forest;

/** Version of ::mtp_forest described by this header. */
#define MTP_FOREST_VERSION 1

/**
 * @brief Fill @p spec with the defaults: no groups, RR, automatic scale and
 * axis, all elements shown, 2 decimals, 95% level.
 * @param[out] spec spec to initialise
 * @param version   ::MTP_FOREST_VERSION
 * @return ::MTP_OK, or ::MTP_EINVAL if @p spec is NULL or @p version unknown
 */
MTP_API int mtp_forest_init(mtp_forest *spec, unsigned int version);

/**
 * @brief Fill one forest row from the per-study output of a fit.
 *
 * Copies yi, vi and weight from @p study (a dropped study gets yi = NaN and
 * is printed as not estimable); the CI is left to be computed from vi.
 * @param[out] row   the row
 * @param study      one entry of mtp_workspace_studies()
 * @param label      study label (borrowed; may be NULL)
 * @param counts     the study's 2x2 table (borrowed; may be NULL)
 * @return ::MTP_OK, or ::MTP_EINVAL if @p row or @p study is NULL
 */
MTP_API int mtp_forest_row_from_study(mtp_forest_row *row, const mtp_study *study,
                                      const char *label, const mtp_table2x2 *counts);

/**
 * @brief Write a forest plot as an SVG document.
 *
 * The automatic axis is symmetric about the line of no effect (as RevMan's
 * and CMA's): it holds every study estimate and pooled CI, and study CIs and
 * prediction intervals up to half a decade (log) or half the data's width
 * (linear) beyond them. Ticks are at round values: 1-2-5 ratios (0.1, 0.2,
 * 0.5, 1, 2, 5, 10) on log axes, or every 1, 2, 5, ... decades when those
 * labels would collide; multiples of a 1-2-5 step on linear axes. CIs that
 * leave the axis are cut at its end and marked with an arrow. Squares have
 * an area proportional to the weight (4 px minimum side, so that tiny
 * weights stay visible). A pooled estimate is a diamond spanning its CI, its
 * prediction interval a bar on the row below. Each block's heterogeneity
 * line reads "Heterogeneity: Tau² = ..; Chi² = .., df = .. (P = ..); I² = ..%"
 * from its ::mtp_result (tau² for random-effects methods only); the test for
 * subgroup differences adds I² = max(0, (Q - df)/Q). Labels wider than
 * mtp_forest::label_width are cut with an ellipsis (the full text becomes
 * the element's tooltip). Ratios must lie in [1e-15, 1e15] and linear
 * values in [-1e15, 1e15].
 *
 * Classes, for programs reading the picture: "study" (one group per
 * estimable row, holding a "ci" line, a "box" square unless the estimate is
 * off the axis, and "arrow" heads), "diamond" (one polygon per pooled
 * estimate, points left, top, right, bottom, the top vertex at the
 * estimate), "pi", "null-line", "axis", "tick", "tick-label", "favours",
 * "title", "heading", "group-name", "label", "pooled-label", "count",
 * "effect", "pooled-effect", "weight", "heterogeneity", "overall-test",
 * "subgroup-test".
 * @param out      stream to write to (text written with fprintf)
 * @param spec     the plot
 * @param[out] err may be NULL; for a row problem err->study is the row's index
 *                 counted over all groups, top to bottom
 * @return ::MTP_OK; ::MTP_EINVAL for a NULL pointer, an unknown version,
 *         no groups, a NULL rows pointer with nrows > 0, an option out of
 *         range, or axis limits that are out of range or leave an empty
 *         axis; ::MTP_EDATA for a row with an infinite estimate, with
 *         neither a positive finite variance nor finite CI limits around
 *         the estimate, with a negative or infinite weight, or out of the
 *         drawable range, and for a result whose estimate or CI is not
 *         finite and ordered or whose CI or PI is out of range;
 *         ::MTP_EIO when the stream reports a write error (the output is
 *         then incomplete). Nothing is written when validation fails.
 */
MTP_API int mtp_plot_forest(FILE *out, const mtp_forest *spec, mtp_error *err);

/**
 * @brief Forest plot of one meta-analysis straight from a fit: one row per
 * study from @p studies (as mtp_forest_row_from_study()), one block, the
 * diamond of @p result.
 * @param out      stream to write to
 * @param studies  @p k per-study values (e.g. mtp_workspace_studies() after the fit)
 * @param labels   @p k labels, or NULL for "Study 1", "Study 2", ...
 * @param tables   @p k tables for the count columns, or NULL
 * @param k        number of studies, >= 1
 * @param result   the pooled result of the fit
 * @param style    title, headings, favours labels, axis and flags (its groups,
 *                 ngroups, overall and subgroup_diff are ignored); NULL: defaults
 *                 with the measure of @p result
 * @param[out] err may be NULL
 * @return as mtp_plot_forest(), or ::MTP_ENOMEM (the rows are allocated
 *         for the call and freed before it returns)
 */
MTP_API int mtp_plot_forest_studies(FILE *out, const mtp_study *studies,
                                    const char *const *labels, const mtp_table2x2 *tables,
                                    size_t k, const mtp_result *result, const mtp_forest *style,
                                    mtp_error *err);

/**
 * @brief Options of a funnel plot. Initialise with mtp_funnel_init().
 */
typedef struct mtp_funnel {
    unsigned int version;  /**< ::MTP_FUNNEL_VERSION */
    const char *title;     /**< bold title; NULL: none */
    const char *x_label;   /**< axis label; NULL: from the pooled measure, e.g. "Risk ratio (log scale)" */
    mtp_plot_scale scale;  /**< default ::MTP_SCALE_AUTO (from the pooled result's measure;
                                linear when there is none) */
    double level;          /**< level of the pseudo-confidence funnel, in (0, 1) (default 0.95) */
    double width;          /**< width of the graph area in px, >= 100 (default 360) */
    double height;         /**< height of the graph area in px, >= 100 (default 300) */
} mtp_funnel;

/** Version of ::mtp_funnel described by this header. */
#define MTP_FUNNEL_VERSION 1

/**
 * @brief Fill @p opts with the defaults.
 * @param[out] opts options to initialise
 * @param version   ::MTP_FUNNEL_VERSION
 * @return ::MTP_OK, or ::MTP_EINVAL if @p opts is NULL or @p version unknown
 */
MTP_API int mtp_funnel_init(mtp_funnel *opts, unsigned int version);

/**
 * @brief Write a funnel plot as an SVG document: each study's estimate
 * (x) against its standard error sqrt(vi) (y, inverted: 0 at the top), a
 * vertical line at the pooled estimate and the pseudo-confidence funnel
 * estimate ± z SE for SE from 0 to the largest SE (Sterne & Egger 2001;
 * as metafor's funnel()). The funnel is centred on @p pooled whatever its
 * model (fixed or random effects). Ratio measures are drawn on a log axis
 * labelled with ratios.
 * Classes: "study" (one circle per study), "pooled" (the vertical line),
 * "funnel" (the two funnel lines), "funnel-region", "axis", "tick",
 * "tick-label" (x axis), "se-label" (SE axis).
 * @param out      stream to write to
 * @param effects  @p k effects; a study with yi = NaN (dropped) is left out
 * @param k        number of effects, >= 1
 * @param pooled   pooled result to centre the funnel on; NULL: points only
 * @param opts     NULL: defaults
 * @param[out] err may be NULL; err->study names a bad effect
 * @return ::MTP_OK; ::MTP_EINVAL for NULL pointers, k = 0, an unknown version
 *         or an option out of range; ::MTP_EDATA for an infinite estimate, a
 *         variance that is not positive and finite, an estimate or SE out of
 *         the drawable range (as mtp_plot_forest()), a pooled estimate that
 *         is not finite, or no study left to draw; ::MTP_EIO on a write error
 */
MTP_API int mtp_plot_funnel(FILE *out, const mtp_effect *effects, size_t k,
                            const mtp_result *pooled, const mtp_funnel *opts, mtp_error *err);

/** Vertical scale of a bubble plot (mtp_bubble::y_scale). */
typedef enum mtp_bubble_y {
    MTP_BUBBLE_Y_ANALYSIS = 0, /**< the analysis scale on a linear axis (log ratios for ratio
                                    measures: "Log risk ratio"), as metafor's regplot() */
    MTP_BUBBLE_Y_RATIO_LOG = 1,/**< ratio measures only: a log axis labelled with ratios
                                    ("Risk ratio (log scale)"; regplot(atransf = exp)); the
                                    fitted line stays straight */
    MTP_BUBBLE_Y_RATIO = 2     /**< ratio measures only: exponentiated values on a linear axis
                                    ("Risk ratio"; regplot(transf = exp)); the fitted line
                                    and its bands become curves exp(x'b) */
} mtp_bubble_y;

/** Elements of a bubble plot that can be switched on or off (mtp_bubble::flags). */
enum mtp_bubble_flag {
    MTP_BUBBLE_CI = 1u,        /**< confidence band of the fitted line (shaded, dashed limits) */
    MTP_BUBBLE_PI = 2u,        /**< prediction band (lighter, dotted limits); not drawn when
                                    the fit has no prediction interval (a fixed-effect model, or
                                    too few studies for its t df) */
    MTP_BUBBLE_NULL_LINE = 4u, /**< horizontal reference line at no effect (0, or a ratio of
                                    1), when it lies within the y axis */
    MTP_BUBBLE_DEFAULT = 5u    /**< CI band and reference line (the default) */
};

/**
 * @brief Options of a bubble plot (mtp_plot_bubble()). Initialise with
 * mtp_bubble_init(), then set fields.
 * @ownership Every pointer is borrowed for the duration of the plotting call.
 */
typedef struct mtp_bubble {
    unsigned int version;   /**< ::MTP_BUBBLE_VERSION */
    const char *title;      /**< bold title; NULL: none */
    const char *x_label;    /**< x axis title: the moderator's name; NULL: "Moderator" */
    const char *y_label;    /**< y axis title; NULL: from the measure's label
                                 (mtp_measure_get()), e.g. "Log risk ratio" on the analysis
                                 scale, "Risk ratio (log scale)", "Risk ratio" */
    mtp_bubble_y y_scale;   /**< default ::MTP_BUBBLE_Y_ANALYSIS */
    const double *at;       /**< p values at which the other columns of X are held along
                                 the line (entry j and the intercept column are ignored: the
                                 intercept is 1); NULL: their means over the kept studies
                                 (metafor regplot) */
    const mtp_model_options *model; /**< the options the model was fitted with (the kind of
                                 prediction interval, as mtp_predict()); NULL: defaults */
    unsigned int flags;     /**< ::mtp_bubble_flag bits (default ::MTP_BUBBLE_DEFAULT) */
    double width;           /**< width of the graph area in px, in [100, 10000] (default 420) */
    double height;          /**< height of the graph area in px, in [100, 10000] (default 320) */
    double radius_max;      /**< radius of the heaviest study's marker in px, in [2, 100]
                                 (default 14) */
} mtp_bubble;

/** Version of ::mtp_bubble described by this header. */
#define MTP_BUBBLE_VERSION 1

/**
 * @brief Fill @p opts with the defaults: no title, "Moderator", the label
 * of the measure, analysis scale, CI band and reference line, 420 x 320 px,
 * largest marker radius 14 px, other columns at their means.
 * @param[out] opts options to initialise
 * @param version   ::MTP_BUBBLE_VERSION
 * @return ::MTP_OK, or ::MTP_EINVAL if @p opts is NULL or @p version unknown
 */
MTP_API int mtp_bubble_init(mtp_bubble *opts, unsigned int version);

/**
 * @brief Write the bubble plot of a meta-regression as an SVG document:
 * each kept study's estimate yi (y) against its value of moderator column
 * @p j (x), as a circle whose AREA is proportional to its weight in the fit
 * (radius mtp_bubble::radius_max sqrt(w_i / w_max); metafor's
 * regplot(plim = c(NA, r)), never below 1.5 px so that tiny weights stay
 * visible), with the fitted line x -> x'b along column @p j, the other
 * columns held at mtp_bubble::at (default: their means over the kept
 * studies; the intercept at 1), its confidence band and optionally its
 * prediction band (mtp_predict() at 101 points from the left to the right
 * end of the x axis). Markers are written heaviest first so that light
 * studies stay visible on top (as regplot). The x axis spans the
 * moderator's range plus the largest marker, snapped outward to round ticks;
 * the y axis holds the estimates and the drawn line and bands.
 *
 * Classes, for programs reading the picture: "study" (one circle per kept
 * study, with a \<title\> tooltip holding its label when @p labels gives
 * one), "fit" (the fitted line: a polyline from the left to the right end of
 * the x axis), "ci-band" and "pi-band" (polygons: upper limit left to right,
 * then lower limit right to left), "ci-lower", "ci-upper", "pi-lower",
 * "pi-upper" (polylines of the limits, 101 points each), "null-line",
 * "axis" (the x axis first, then the y axis), "tick" and "tick-label" (x
 * axis), "y-tick" and "y-tick-label" (y axis), "axis-title", "title".
 * Nothing is written when validation fails; all writing is done in one pass
 * at the end.
 * @param out      stream to write to
 * @param data     the data view of the fit (its measure, yi, x, p and keep mask are read;
 *                 vi and weights are not); x must not be NULL
 * @param summary  the fit's summary (mtp_fit_out::summary)
 * @param coef     its p coefficients (mtp_fit_out::coef)
 * @param vcov     its p x p covariance matrix (mtp_fit_out::vcov)
 * @param weight   k weights of the fit (mtp_fit_out::weight; any positive scale: only
 *                 ratios matter); read for kept studies only
 * @param j        0-based column of X on the x axis; not the intercept
 * @param labels   k study labels (UTF-8, for the tooltips; an entry may be NULL), or NULL
 * @param opts     options; NULL: defaults
 * @param[out] err may be NULL; mtp_error::study names a bad study, mtp_error::column a bad
 *                 column (of X or of mtp_bubble::at)
 * @return ::MTP_OK; ::MTP_EINVAL for a NULL pointer, an unknown version, an option out of
 *         range, a ratio y scale with a measure that is not a ratio, an intercept-only
 *         view (x NULL), @p j >= p or @p j the intercept (ones in every kept study), or a
 *         summary that does not describe @p data (its k, p, measure, k_used against the
 *         keep mask); ::MTP_ETOOFEW when fewer than 2 studies are kept or no more than p;
 *         ::MTP_EDATA for a kept study with a non-finite or too extreme estimate,
 *         moderator value or weight, a negative weight, weights all zero, column @p j
 *         constant over the kept studies, non-finite coefficients, covariances, tau² or
 *         mtp_bubble::at values, or a line or band that is not finite or out of the
 *         drawable range (as mtp_plot_forest()); ::MTP_ENOMEM; ::MTP_EIO on a write
 *         error
 */
MTP_API int mtp_plot_bubble(FILE *out, const mtp_data *data, const mtp_summary *summary,
                            const mtp_coef *coef, const double *vcov, const double *weight,
                            size_t j, const char *const *labels, const mtp_bubble *opts,
                            mtp_error *err);
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* METAPOOL_H */
