/* Descriptors: the one table per family of choices (measures, tau² methods,
 * tests, prediction intervals) with names, labels and properties, as GSL's
 * type objects carry theirs (gsl_root_fsolver_brent->name). Every name the
 * library, the command line and the JSON output print comes from here.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "internal.h"

#include <stddef.h>

int mtp__name_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z')
            cb = (char)(cb - 'A' + 'a');
        if (ca != cb)
            return 0;
        if (ca == '\0')
            return 1;
    }
}

/* Indexed by the enum value (checked by tests/unit: id == index). */
static const mtp_measure_info measures[] = {
    {MTP_MEASURE_RR, "RR", "Risk ratio", "RR", MTP_MEASURE_LOG_SCALE | MTP_MEASURE_FROM_2X2},
    {MTP_MEASURE_OR, "OR", "Odds ratio", "OR", MTP_MEASURE_LOG_SCALE | MTP_MEASURE_FROM_2X2},
    {MTP_MEASURE_RD, "RD", "Risk difference", "RD", MTP_MEASURE_FROM_2X2},
    {MTP_MEASURE_PETO_OR, "PETO", "Peto odds ratio", "Peto OR",
     MTP_MEASURE_LOG_SCALE | MTP_MEASURE_FROM_2X2},
    {MTP_MEASURE_GENERIC, "GEN", "Estimate", "Estimate", 0u},
};

#define RE (MTP_TAU2_RANDOM | MTP_TAU2_ESTIMATED)
static const mtp_tau2_info tau2s[] = {
    {MTP_TAU2_REML, "REML", "restricted maximum likelihood", RE | MTP_TAU2_ITERATIVE | MTP_TAU2_LIKELIHOOD},
    {MTP_TAU2_ML, "ML", "maximum likelihood", RE | MTP_TAU2_ITERATIVE | MTP_TAU2_LIKELIHOOD},
    {MTP_TAU2_DL, "DL", "DerSimonian-Laird", RE},
    {MTP_TAU2_HE, "HE", "Hedges", RE},
    {MTP_TAU2_HS, "HS", "Hunter-Schmidt", RE},
    {MTP_TAU2_SJ, "SJ", "Sidik-Jonkman", RE},
    {MTP_TAU2_PM, "PM", "Paule-Mandel", RE | MTP_TAU2_ITERATIVE},
    {MTP_TAU2_EB, "EB", "empirical Bayes", RE | MTP_TAU2_ITERATIVE},
    {MTP_TAU2_FE, "FE", "fixed effect", 0u},
    {MTP_TAU2_FIXED, "FIXED", "tau2 given", MTP_TAU2_RANDOM},
};
#undef RE

static const mtp_choice_info tests[] = {
    {MTP_TEST_Z, "z", "Wald-type z test"},
    {MTP_TEST_KNHA, "knha", "Knapp-Hartung (Hartung-Knapp-Sidik-Jonkman) t test"},
};

static const mtp_choice_info pis[] = {
    {MTP_PI_T_K2, "t_k2", "t with k - p - 1 df (Higgins, Thompson & Spiegelhalter 2009)"},
    {MTP_PI_T_K1, "t_k1", "t with k - p df"},
    {MTP_PI_NORMAL, "normal", "standard normal"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const mtp_measure_info *mtp_measure_get(int m)
{
    return m >= 0 && (size_t)m < COUNT(measures) ? &measures[m] : NULL;
}

const mtp_tau2_info *mtp_tau2_get(int m)
{
    return m >= 0 && (size_t)m < COUNT(tau2s) ? &tau2s[m] : NULL;
}

const mtp_choice_info *mtp_test_get(int t)
{
    return t >= 0 && (size_t)t < COUNT(tests) ? &tests[t] : NULL;
}

const mtp_choice_info *mtp_pi_get(int t)
{
    return t >= 0 && (size_t)t < COUNT(pis) ? &pis[t] : NULL;
}

int mtp_measure_parse(mtp_measure *out, const char *name)
{
    if (out == NULL || name == NULL)
        return MTP_EINVAL;
    for (size_t i = 0; i < COUNT(measures); i++)
        if (mtp__name_equal(name, measures[i].name)) {
            *out = (mtp_measure)measures[i].id;
            return MTP_OK;
        }
    return MTP_EINVAL;
}

int mtp_tau2_parse(mtp_tau2_method *out, const char *name)
{
    if (out == NULL || name == NULL)
        return MTP_EINVAL;
    for (size_t i = 0; i < COUNT(tau2s); i++)
        if (mtp__name_equal(name, tau2s[i].name)) {
            *out = (mtp_tau2_method)tau2s[i].id;
            return MTP_OK;
        }
    return MTP_EINVAL;
}

int mtp_test_parse(mtp_test *out, const char *name)
{
    if (out == NULL || name == NULL)
        return MTP_EINVAL;
    for (size_t i = 0; i < COUNT(tests); i++)
        if (mtp__name_equal(name, tests[i].name)) {
            *out = (mtp_test)tests[i].id;
            return MTP_OK;
        }
    return MTP_EINVAL;
}

int mtp_pi_parse(mtp_pi *out, const char *name)
{
    if (out == NULL || name == NULL)
        return MTP_EINVAL;
    for (size_t i = 0; i < COUNT(pis); i++)
        if (mtp__name_equal(name, pis[i].name)) {
            *out = (mtp_pi)pis[i].id;
            return MTP_OK;
        }
    return MTP_EINVAL;
}
