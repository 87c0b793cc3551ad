/* Status codes, error detail, options and names. */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

int mtp__fail(mtp_error *err, int code, size_t study, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        err->study = study;
        err->column = err->group = err->analysis = MTP_NO_INDEX;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int mtp__check_generic_method(const mtp_options *o, const char *hint, mtp_error *err)
{
    if (o->method == MTP_METHOD_MH || o->method == MTP_METHOD_PETO)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "%s pooling needs 2x2 tables%s",
                         mtp_method_name(o->method), hint);
    if (o->q_centre == MTP_QCENTRE_MH)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a Q centred on the MH estimate needs 2x2 tables");
    return MTP_OK;
}

const char *mtp_strerror(int code)
{
    switch (code) {
    case MTP_OK: return "success";
    case MTP_EINVAL: return "invalid argument";
    case MTP_EDATA: return "invalid study data";
    case MTP_ETOOFEW: return "too few studies for the method";
    case MTP_ENOCONV: return "iterative estimator did not converge";
    case MTP_EBADLEN: return "workspace too small for the number of studies";
    case MTP_ENOMEM: return "out of memory";
    case MTP_ENUMERIC: return "numerical breakdown";
    case MTP_EIO: return "output error";
    case MTP_ERANK: return "moderator matrix is rank deficient";
    default: return "unknown error";
    }
}

const char *mtp_version_string(void)
{
    return STR(MTP_VERSION_MAJOR) "." STR(MTP_VERSION_MINOR) "." STR(MTP_VERSION_PATCH);
}

int mtp_version_number(void) { return MTP_VERSION_NUMBER; }

const char *mtp_method_name(mtp_method method)
{
    static const char *const names[] = {"FE", "MH", "PETO", "DL", "HE", "HS",
                                        "SJ", "ML", "REML", "PM", "EB"};
    unsigned int m = (unsigned int)method;
    return m < sizeof names / sizeof names[0] ? names[m] : "?";
}

const char *mtp_measure_name(mtp_measure measure)
{
    const mtp_measure_info *d = mtp_measure_get((int)measure);
    return d != NULL ? d->name : "?";
}

int mtp_method_is_random(mtp_method method)
{
    return method >= MTP_METHOD_DL && method <= MTP_METHOD_EB;
}

int mtp_options_init(mtp_options *opts, unsigned int version)
{
    static const mtp_options defaults = MTP_OPTIONS_INIT;
    if (opts == NULL || version != MTP_OPTIONS_VERSION)
        return MTP_EINVAL;
    *opts = defaults;
    return MTP_OK;
}

const mtp_options *mtp__options_or_default(const mtp_options *opts, mtp_options *tmp)
{
    if (opts != NULL)
        return opts;
    mtp_options_init(tmp, MTP_OPTIONS_VERSION);
    return tmp;
}

int mtp__check_options(const mtp_options *o, mtp_error *err)
{
    if (o->version != MTP_OPTIONS_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "options version %u is not %u: initialise with mtp_options_init()",
                         o->version, (unsigned int)MTP_OPTIONS_VERSION);
    if ((unsigned int)o->measure > MTP_MEASURE_GENERIC)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown measure %d", (int)o->measure);
    if ((unsigned int)o->method > MTP_METHOD_EB)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown method %d", (int)o->method);
    if ((unsigned int)o->test > MTP_TEST_KNHA)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown test %d", (int)o->test);
    if ((unsigned int)o->pi > MTP_PI_NORMAL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown prediction interval type %d",
                         (int)o->pi);
    if (!(o->level > 0.0 && o->level < 1.0))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "confidence level %g is not between 0 and 1 (exclusive)", o->level);
    if (!(o->cc >= 0.0) || !isfinite(o->cc))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "continuity correction %g is not a finite number >= 0", o->cc);
    if ((unsigned int)o->cc_when > MTP_CC_NEVER)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown continuity-correction rule %d",
                         (int)o->cc_when);
    if ((unsigned int)o->double_zero > MTP_DZ_KEEP)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown double-zero rule %d",
                         (int)o->double_zero);
    if ((unsigned int)o->mh_rd_var > MTP_MHRD_GR)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown MH risk-difference variance %d",
                         (int)o->mh_rd_var);
    if ((unsigned int)o->q_centre > MTP_QCENTRE_MH)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown Q centre %d", (int)o->q_centre);
    if ((unsigned int)o->i2_def > MTP_I2_Q)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown I2 definition %d",
                         (int)o->i2_def);
    if (isnan(o->tau2_fixed) || isinf(o->tau2_fixed))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "tau2_fixed must be finite (negative to estimate tau2)");
    if (o->tau2_fixed >= 0.0 && !mtp_method_is_random(o->method))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a fixed tau2 needs a random-effects method, not %s",
                         mtp_method_name(o->method));
    if (!(o->tol > 0.0 && o->tol < 1.0))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "tolerance %g is not between 0 and 1 (exclusive)", o->tol);
    if (o->max_iter == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "max_iter must be at least 1");
    if (o->test == MTP_TEST_KNHA && (o->method == MTP_METHOD_MH || o->method == MTP_METHOD_PETO))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "the Knapp-Hartung test needs an inverse-variance model, not %s",
                         mtp_method_name(o->method));
    if (o->q_centre == MTP_QCENTRE_MH && o->method != MTP_METHOD_DL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a Q centred on the Mantel-Haenszel estimate is defined for DL only, not %s",
                         mtp_method_name(o->method));
    return MTP_OK;
}

void mtp__result_clear(mtp_result *r)
{
    const double nan = NAN;
    memset(r, 0, sizeof *r);
    r->level = r->estimate = r->se = r->stat = r->df = r->p = nan;
    r->ci_lower = r->ci_upper = r->pi_lower = r->pi_upper = r->pi_df = nan;
    r->tau2 = r->tau = r->tau2_ci_lower = r->tau2_ci_upper = nan;
    r->q = r->q_df = r->q_p = r->i2 = r->i2_ci_lower = r->i2_ci_upper = nan;
    r->h2 = r->h2_ci_lower = r->h2_ci_upper = r->vtypical = nan;
    r->converged = 1;
}

void mtp__summary_clear(mtp_summary *s)
{
    const double nan = NAN;
    memset(s, 0, sizeof *s);
    s->level = s->pi_lower = s->pi_upper = s->pi_df = nan;
    s->mu.estimate = s->mu.se = s->mu.stat = s->mu.df = s->mu.p = nan;
    s->mu.ci_lower = s->mu.ci_upper = nan;
    s->tau2 = s->tau = s->tau2_se = s->tau2_ci_lower = s->tau2_ci_upper = nan;
    s->tau2_pl_lower = s->tau2_pl_upper = nan;
    s->qe = s->qe_df = s->qe_p = s->qm = s->qm_df = s->qm_df2 = s->qm_p = nan;
    s->i2 = s->i2_ci_lower = s->i2_ci_upper = s->h2 = s->h2_ci_lower = s->h2_ci_upper = nan;
    s->vtypical = s->r2 = s->loglik = s->deviance = s->aic = s->bic = s->aicc = nan;
    s->converged = 1;
}

int mtp__model_options_resolve(mtp_model_options *o, const mtp_model_options *in, mtp_error *err)
{
    static const mtp_model_options defaults = MTP_MODEL_OPTIONS_INIT;
    *o = in != NULL ? *in : defaults;
    if (o->version != MTP_MODEL_OPTIONS_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "model options version %u is not %u: initialise with "
                         "MTP_MODEL_OPTIONS_INIT", o->version,
                         (unsigned int)MTP_MODEL_OPTIONS_VERSION);
    if (mtp_tau2_get((int)o->tau2) == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown tau2 method %d", (int)o->tau2);
    if (mtp_test_get((int)o->test) == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown test %d", (int)o->test);
    if (mtp_pi_get((int)o->pi) == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown prediction interval type %d",
                         (int)o->pi);
    if ((unsigned int)o->i2 > MTP_I2_Q)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown I2 definition %d", (int)o->i2);
    if (o->level == 0)
        o->level = 0.95;
    if (!(o->level > 0.0 && o->level < 1.0))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "confidence level %g is not between 0 and 1 (exclusive)", o->level);
    if (o->tol == 0)
        o->tol = 1e-12;
    if (!(o->tol > 0.0 && o->tol < 1.0))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "tolerance %g is not between 0 and 1 (exclusive)", o->tol);
    if (o->max_iter == 0)
        o->max_iter = 1000;
    if (o->tau2 == MTP_TAU2_FIXED && !(isfinite(o->tau2_value) && o->tau2_value >= 0))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a given tau2 must be a finite number >= 0, not %g", o->tau2_value);
    if (o->tau2 != MTP_TAU2_FIXED && o->tau2_value != 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "tau2_value %g is set but the method is %s, not FIXED", o->tau2_value,
                         mtp_tau2_get((int)o->tau2)->name);
    if (o->btt != NULL && o->nbtt == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "btt is given with nbtt = 0");
    if (o->btt == NULL && o->nbtt != 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "nbtt = %zu but btt is NULL", o->nbtt);
    for (size_t i = 0; i < o->nbtt; i++)
        for (size_t j = 0; j < i; j++)
            if (o->btt[i] == o->btt[j])
                return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                                 "btt names coefficient %zu twice", o->btt[i] + 1);
    return MTP_OK;
}

void mtp__model_options_from(mtp_model_options *m, const mtp_options *o)
{
    static const mtp_tau2_method tau2_of[] = {
        [MTP_METHOD_FE] = MTP_TAU2_FE,   [MTP_METHOD_MH] = MTP_TAU2_FE,
        [MTP_METHOD_PETO] = MTP_TAU2_FE, [MTP_METHOD_DL] = MTP_TAU2_DL,
        [MTP_METHOD_HE] = MTP_TAU2_HE,   [MTP_METHOD_HS] = MTP_TAU2_HS,
        [MTP_METHOD_SJ] = MTP_TAU2_SJ,   [MTP_METHOD_ML] = MTP_TAU2_ML,
        [MTP_METHOD_REML] = MTP_TAU2_REML, [MTP_METHOD_PM] = MTP_TAU2_PM,
        [MTP_METHOD_EB] = MTP_TAU2_EB};
    static const mtp_model_options init = MTP_MODEL_OPTIONS_INIT;
    *m = init;
    m->tau2 = tau2_of[o->method];
    if (o->tau2_fixed >= 0 && mtp_method_is_random(o->method)) {
        m->tau2 = MTP_TAU2_FIXED;
        m->tau2_value = o->tau2_fixed;
    }
    m->test = o->test;
    m->pi = o->pi;
    m->level = o->level;
    m->i2 = o->i2_def;
    m->flags = (o->tau2_ci ? 0u : MTP_FIT_NO_TAU2_CI) | MTP_FIT_NO_R2;
    m->tol = o->tol;
    m->max_iter = o->max_iter;
}

void mtp__result_from_summary(mtp_result *r, const mtp_summary *s, mtp_method method)
{
    mtp__result_clear(r);
    r->measure = s->measure;
    r->method = method;
    r->test = s->test;
    r->level = s->level;
    r->k = s->k;
    r->k_used = s->k_used;
    r->estimate = s->mu.estimate;
    r->se = s->mu.se;
    r->stat = s->mu.stat;
    r->df = s->mu.df;
    r->p = s->mu.p;
    r->ci_lower = s->mu.ci_lower;
    r->ci_upper = s->mu.ci_upper;
    r->pi_lower = s->pi_lower;
    r->pi_upper = s->pi_upper;
    r->pi_df = s->pi_df;
    r->tau2 = s->tau2;
    r->tau = s->tau;
    r->tau2_ci_lower = s->tau2_ci_lower;
    r->tau2_ci_upper = s->tau2_ci_upper;
    r->q = s->qe;
    r->q_df = s->qe_df;
    r->q_p = s->qe_p;
    r->i2 = s->i2;
    r->i2_ci_lower = s->i2_ci_lower;
    r->i2_ci_upper = s->i2_ci_upper;
    r->h2 = s->h2;
    r->h2_ci_lower = s->h2_ci_lower;
    r->h2_ci_upper = s->h2_ci_upper;
    r->vtypical = s->vtypical;
    r->iterations = s->iterations;
    r->converged = s->converged;
    r->notes = s->notes;
}
