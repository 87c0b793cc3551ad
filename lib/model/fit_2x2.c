/* The version 0.1 entry points mtp_pool_effects() and mtp_pool_2x2(), kept
 * until the command line and the tests are ported: each is one mtp_fit()
 * (or, for Mantel-Haenszel and Peto, the 2x2-only fixed-effect pooling of
 * mh_peto.c) with the per-study values published in the workspace.
 * Validation happens here, before any arithmetic. */
#include "model/model.h"

#include <math.h>

static int check_common(const void *out, const mtp_workspace *ws, const void *data, size_t k,
                        const mtp_options *o, mtp_error *err)
{
    int rc;
    if (out == NULL || ws == NULL || data == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL result, workspace or data pointer");
    if ((rc = mtp__check_options(o, err)) != MTP_OK)
        return rc;
    if (k == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no studies (k = 0)");
    if (k > ws->kmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY,
                         "%zu studies but the workspace holds %zu", k, ws->kmax);
    return MTP_OK;
}

int mtp__check_effects(const mtp_effect *effects, size_t k, mtp_error *err)
{
    for (size_t i = 0; i < k; i++) {
        const double y = effects[i].yi, v = effects[i].vi;
        if (!isfinite(y))
            return mtp__fail(err, MTP_EDATA, i, "estimate is not a finite number");
        if (!isfinite(v) || !(v > 0))
            return mtp__fail(err, MTP_EDATA, i,
                             "sampling variance %g is not a finite number > 0", v);
    }
    return MTP_OK;
}

static void start_result(mtp_result *r, mtp_workspace *ws, size_t k, mtp_measure measure,
                         const mtp_options *o)
{
    mtp__result_clear(r);
    r->k = k;
    r->measure = measure;
    r->method = o->method;
    r->test = o->test;
    r->level = o->level;
    mtp__studies_begin(ws);
    for (size_t i = 0; i < k; i++) {
        ws->studies[i].yi = ws->studies[i].vi = NAN;
        ws->studies[i].weight = 0;
        ws->studies[i].flags = 0;
    }
}

/* The inverse-variance fit of ws->cy, ws->cv over the studies whose
 * ws->keep is set, as a version 0.1 result; weights into ws->studies. */
static int fit_iv(mtp_result *r, mtp_workspace *ws, size_t k, mtp_measure measure,
                  const mtp_options *o, double q_override, mtp_error *err)
{
    mtp_model_options mo;
    mtp_summary s;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_data d = {measure, k, ws->cy, ws->cv, NULL, 0, ws->keep, NULL};
    const unsigned int notes = r->notes;
    int rc;
    mtp__model_options_from(&mo, o);
    out.summary = &s;
    out.weight = ws->weight;
    if ((rc = mtp__fit_ext(&out, ws, &d, &mo, q_override, err)) != MTP_OK)
        return rc;
    mtp__result_from_summary(r, &s, o->method);
    r->notes |= notes;
    for (size_t i = 0; i < k; i++)
        if (ws->keep[i])
            ws->studies[i].weight = ws->weight[i];
    return MTP_OK;
}

int mtp_pool_effects(mtp_result *out, mtp_workspace *ws, const mtp_effect *effects, size_t k,
                     const mtp_options *opts, mtp_error *err)
{
    mtp_options tmp;
    mtp_result r;
    int rc;
    const mtp_options *o = mtp__options_or_default(opts, &tmp);
    if ((rc = check_common(out, ws, effects, k, o, err)) != MTP_OK)
        return rc;
    if ((rc = mtp__check_generic_method(o, " (use mtp_pool_2x2)", err)) != MTP_OK)
        return rc;
    if ((rc = mtp__check_effects(effects, k, err)) != MTP_OK)
        return rc;
    start_result(&r, ws, k, MTP_MEASURE_GENERIC, o);
    for (size_t i = 0; i < k; i++) {
        ws->cy[i] = ws->studies[i].yi = effects[i].yi;
        ws->cv[i] = ws->studies[i].vi = effects[i].vi;
        ws->keep[i] = 1;
    }
    if ((rc = fit_iv(&r, ws, k, MTP_MEASURE_GENERIC, o, NAN, err)) != MTP_OK)
        return rc;
    *out = r;
    mtp__studies_publish(ws);
    return MTP_OK;
}

/* Heterogeneity of MH and Peto fits: Q around the pooled estimate over the
 * n studies with a finite effect (ws->y, ws->v), Q-based I² and H² (as
 * metafor's rma.mh). */
static int fixed_2x2_heterogeneity(mtp_result *r, mtp_workspace *ws, size_t n, double q,
                                   const mtp_options *o, mtp_error *err)
{
    mtp__model m = {n, 1, ws->y, ws->v, NULL, 1, ws, 0, NULL};
    mtp_summary s;
    int rc;
    mtp__summary_clear(&s);
    s.level = r->level;
    s.qe = q;
    if ((rc = mtp__heterogeneity(&s, n > 0 ? mtp__dl_c(ws->v, n) : 0, &m, &m, 0, 0, MTP_I2_Q, o->tol,
                                 o->max_iter, err)) != MTP_OK)
        return rc;
    r->q = s.qe;
    r->q_df = s.qe_df;
    r->q_p = s.qe_p;
    r->i2 = s.i2;
    r->h2 = s.h2;
    r->vtypical = s.vtypical;
    return MTP_OK;
}

int mtp_pool_2x2(mtp_result *out, mtp_workspace *ws, const mtp_table2x2 *tables, size_t k,
                 const mtp_options *opts, mtp_error *err)
{
    mtp_options tmp;
    mtp_result r;
    mtp_measure study_measure;
    size_t n = 0, tables_used = 0;
    int rc;
    const mtp_options *o = mtp__options_or_default(opts, &tmp);

    if ((rc = check_common(out, ws, tables, k, o, err)) != MTP_OK)
        return rc;
    if (o->measure == MTP_MEASURE_GENERIC)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "2x2 tables need measure RR, OR, RD or PETO");
    if (o->method == MTP_METHOD_PETO && o->measure != MTP_MEASURE_OR && o->measure != MTP_MEASURE_PETO_OR)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "Peto's method pools odds ratios, not %s",
                         mtp_measure_name(o->measure));
    if ((o->method == MTP_METHOD_MH || o->q_centre == MTP_QCENTRE_MH) &&
        o->measure == MTP_MEASURE_PETO_OR)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "Mantel-Haenszel needs measure RR, OR or RD");
    for (size_t i = 0; i < k; i++)
        if ((rc = mtp__check_table(&tables[i], i, err)) != MTP_OK)
            return rc;

    study_measure = o->method == MTP_METHOD_PETO ? MTP_MEASURE_PETO_OR : o->measure;
    start_result(&r, ws, k, study_measure, o);
    /* A table is pooled unless its flags say DROPPED; ws->y/v/idx hold the
     * studies with a finite effect, compacted. */
    for (size_t i = 0; i < k; i++) {
        mtp_effect e;
        unsigned int flags = 0;
        mtp_error local;
        rc = mtp__effect_2x2(&e, &flags, &tables[i], o, study_measure, i, &local);
        if (rc == MTP_EDATA && o->method == MTP_METHOD_MH && (flags & MTP_STUDY_DROPPED) == 0) {
            flags = MTP_STUDY_NO_EFFECT | (mtp__table_is_double_zero(&tables[i]) ? MTP_STUDY_DOUBLE_ZERO : 0u);
            rc = MTP_OK;
        }
        if (rc != MTP_OK) {
            if (err != NULL)
                *err = local;
            return rc;
        }
        ws->studies[i].flags = flags;
        ws->keep[i] = 0;
        ws->cy[i] = ws->cv[i] = NAN;
        if (flags & MTP_STUDY_CC)
            r.notes |= MTP_NOTE_CC_APPLIED;
        if (flags & MTP_STUDY_DROPPED) {
            r.notes |= MTP_NOTE_DOUBLE_ZERO_DROPPED;
            continue;
        }
        tables_used++;
        if (flags & MTP_STUDY_NO_EFFECT)
            continue;
        ws->studies[i].yi = ws->y[n] = ws->cy[i] = e.yi;
        ws->studies[i].vi = ws->v[n] = ws->cv[i] = e.vi;
        ws->keep[i] = 1;
        ws->idx[n++] = i;
    }
    if (tables_used == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                         "no study left: all %zu tables are double-zero and were dropped", k);

    if (o->method == MTP_METHOD_MH || o->method == MTP_METHOD_PETO) {
        double q;
        rc = o->method == MTP_METHOD_PETO
                 ? mtp__pool_peto(&r.estimate, &r.se, &q, ws->w, tables, ws->studies, k, err)
                 : mtp__pool_mh(&r.estimate, &r.se, ws->w, tables, ws->studies, k, o, err);
        if (rc != MTP_OK)
            return rc;
        for (size_t i = 0; i < k; i++)
            ws->studies[i].weight = ws->w[i];
        if (o->method == MTP_METHOD_MH)
            q = mtp__q_centred(ws->y, ws->v, n, r.estimate);
        r.k_used = tables_used;
        r.tau2 = r.tau = 0;
        {
            mtp_coef c = {r.estimate, r.se, NAN, NAN, NAN, NAN, NAN};
            mtp__wald(&c, o->level, NAN, ws);
            r.stat = c.stat;
            r.df = c.df;
            r.p = c.p;
            r.ci_lower = c.ci_lower;
            r.ci_upper = c.ci_upper;
        }
        if ((rc = fixed_2x2_heterogeneity(&r, ws, n, q, o, err)) != MTP_OK)
            return rc;
        *out = r;
        mtp__studies_publish(ws);
        return MTP_OK;
    }
    if (n == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no study with a usable effect");
    if (o->q_centre == MTP_QCENTRE_MH) {
        /* RevMan 5: DL tau² from Q centred on the MH estimate */
        double mh, mh_se;
        if ((rc = mtp__pool_mh(&mh, &mh_se, ws->w, tables, ws->studies, k, o, err)) != MTP_OK)
            return rc;
        rc = fit_iv(&r, ws, k, study_measure, o, mtp__q_centred(ws->y, ws->v, n, mh), err);
    } else {
        rc = fit_iv(&r, ws, k, study_measure, o, NAN, err);
    }
    if (rc != MTP_OK)
        return rc;
    *out = r;
    mtp__studies_publish(ws);
    return MTP_OK;
}
