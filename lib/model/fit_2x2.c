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

/* The summary and outputs of a Mantel-Haenszel or Peto fit: the pooled
 * estimate and its z test, Q around it over the n studies with a finite
 * effect (ws->y, ws->v), Q-based I² and H² (as metafor's rma.mh). */
static int fixed_2x2_outputs(const mtp_fit_out *out, mtp_summary *s, mtp_workspace *ws, size_t k,
                             size_t n, double est, double se, double q, const mtp_options *o,
                             mtp_error *err)
{
    mtp__model m = {n, 1, ws->y, ws->v, NULL, 1, ws, 0, NULL};
    const double z = mtp__quantile(ws, MTP__Q_NORMAL_UPPER, (1 - o->level) / 2, NAN);
    int rc;
    s->tau2 = s->tau = 0;
    s->mu.estimate = est;
    s->mu.se = se;
    mtp__wald(&s->mu, o->level, NAN, ws);
    s->qm = s->mu.stat * s->mu.stat;
    s->qm_df = 1;
    s->qm_p = s->mu.p;
    s->qe = q;
    if ((rc = mtp__heterogeneity(s, n > 0 ? mtp__dl_c(ws->v, n) : 0, &m, &m, 0, 0, MTP_I2_Q, o->tol,
                                 o->max_iter, err)) != MTP_OK)
        return rc;
    if (out->coef != NULL)
        out->coef[0] = s->mu;
    if (out->vcov != NULL)
        out->vcov[0] = se * se;
    for (size_t i = 0; i < k; i++) {
        const mtp_study *st = &ws->studies[i];
        const int used = !(st->flags & MTP_STUDY_DROPPED);
        const double nan = NAN;
        double *blank[] = {out->hat, out->blup, out->blup_se, out->blup_lower, out->blup_upper,
                           out->ranef, out->ranef_se, out->ranef_lower, out->ranef_upper};
        if (out->weight != NULL)
            out->weight[i] = used ? st->weight : nan;
        if (out->ci_lower != NULL)
            out->ci_lower[i] = st->yi - z * sqrt(st->vi);
        if (out->ci_upper != NULL)
            out->ci_upper[i] = st->yi + z * sqrt(st->vi);
        if (out->fitted != NULL)
            out->fitted[i] = used ? est : nan;
        if (out->resid != NULL)
            out->resid[i] = st->yi - est;
        for (size_t b = 0; b < sizeof blank / sizeof blank[0]; b++)
            if (blank[b] != NULL)
                blank[b][i] = nan;
    }
    if (out->summary != NULL)
        *out->summary = *s;
    return MTP_OK;
}

/* Validate the options of a 2x2 fit (the version 0.1 struct, which holds
 * every convention). */
static int check_2x2_options(const mtp_options *o, mtp_error *err)
{
    if (o->measure == MTP_MEASURE_GENERIC)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "2x2 tables need measure RR, OR, RD or PETO");
    if (o->method == MTP_METHOD_PETO && o->measure != MTP_MEASURE_OR && o->measure != MTP_MEASURE_PETO_OR)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "Peto's method pools odds ratios, not %s",
                         mtp_measure_name(o->measure));
    if ((o->method == MTP_METHOD_MH || o->q_centre == MTP_QCENTRE_MH) &&
        o->measure == MTP_MEASURE_PETO_OR)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "Mantel-Haenszel needs measure RR, OR or RD");
    return MTP_OK;
}

/* The fit of 2x2 tables under options o: effects (ws->studies yi, vi,
 * flags), then MH, Peto or the inverse-variance fit through mtp_fit; the
 * caller's outputs, and the per-study values in ws->studies. */
static int fit_2x2_core(const mtp_fit_out *out, mtp_workspace *ws, const mtp_table2x2 *tables,
                        size_t k, const mtp_options *o, const mtp_model_options *model,
                        mtp_error *err)
{
    mtp_measure study_measure;
    mtp_summary s;
    size_t n = 0, tables_used = 0;
    unsigned int notes = 0;
    int rc;

    if ((rc = check_2x2_options(o, err)) != MTP_OK)
        return rc;
    for (size_t i = 0; i < k; i++)
        if ((rc = mtp__check_table(&tables[i], i, err)) != MTP_OK)
            return rc;
    study_measure = o->method == MTP_METHOD_PETO ? MTP_MEASURE_PETO_OR : o->measure;
    /* A table is pooled unless its flags say DROPPED; ws->y/v/idx hold the
     * studies with a finite effect, compacted. */
    for (size_t i = 0; i < k; i++) {
        mtp_effect e;
        unsigned int flags = 0;
        mtp_error local;
        ws->studies[i].yi = ws->studies[i].vi = NAN;
        ws->studies[i].weight = 0;
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
            notes |= MTP_NOTE_CC_APPLIED;
        if (flags & MTP_STUDY_DROPPED) {
            notes |= MTP_NOTE_DOUBLE_ZERO_DROPPED;
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
        double q, est, se;
        rc = o->method == MTP_METHOD_PETO
                 ? mtp__pool_peto(&est, &se, &q, ws->w, tables, ws->studies, k, err)
                 : mtp__pool_mh(&est, &se, ws->w, tables, ws->studies, k, o, err);
        if (rc != MTP_OK)
            return rc;
        for (size_t i = 0; i < k; i++)
            ws->studies[i].weight = ws->w[i];
        if (o->method == MTP_METHOD_MH)
            q = mtp__q_centred(ws->y, ws->v, n, est);
        mtp__summary_clear(&s);
        s.measure = study_measure;
        s.tau2_method = MTP_TAU2_FE;
        s.test = MTP_TEST_Z;
        s.level = o->level;
        s.k = k;
        s.k_used = tables_used;
        s.p = 1;
        s.intercept = 1;
        s.notes = notes;
        rc = fixed_2x2_outputs(out, &s, ws, k, n, est, se, q, o, err);
    } else {
        mtp_model_options mo;
        mtp_fit_out iv = *out;
        mtp_summary sum;
        mtp_data d = {study_measure, k, ws->cy, ws->cv, NULL, 0, ws->keep, NULL};
        double q_override = NAN;
        if (n == 0)
            return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no study with a usable effect");
        if (o->q_centre == MTP_QCENTRE_MH) {
            /* RevMan 5: DL tau² from Q centred on the MH estimate */
            double mh, mh_se;
            if ((rc = mtp__pool_mh(&mh, &mh_se, ws->w, tables, ws->studies, k, o, err)) != MTP_OK)
                return rc;
            q_override = mtp__q_centred(ws->y, ws->v, n, mh);
        }
        if (model != NULL)
            mo = *model;
        else
            mtp__model_options_from(&mo, o);
        if (iv.summary == NULL)
            iv.summary = &sum;
        iv.weight = ws->weight;
        if ((rc = mtp__fit_ext(&iv, ws, &d, &mo, q_override, err)) != MTP_OK)
            return rc;
        iv.summary->notes |= notes;
        for (size_t i = 0; i < k; i++) {
            if (ws->keep[i])
                ws->studies[i].weight = ws->weight[i];
            if (out->weight != NULL)
                out->weight[i] = ws->keep[i] ? ws->weight[i] : NAN;
        }
    }
    if (rc != MTP_OK)
        return rc;
    for (size_t i = 0; i < k; i++) {
        if (out->yi != NULL)
            out->yi[i] = ws->studies[i].yi;
        if (out->vi != NULL)
            out->vi[i] = ws->studies[i].vi;
        if (out->study_flags != NULL)
            out->study_flags[i] = ws->studies[i].flags;
    }
    return MTP_OK;
}

int mtp_pool_2x2(mtp_result *out, mtp_workspace *ws, const mtp_table2x2 *tables, size_t k,
                 const mtp_options *opts, mtp_error *err)
{
    mtp_options tmp;
    mtp_summary s;
    mtp_fit_out fo = MTP_FIT_OUT_INIT;
    int rc;
    const mtp_options *o = mtp__options_or_default(opts, &tmp);

    if ((rc = check_common(out, ws, tables, k, o, err)) != MTP_OK)
        return rc;
    mtp__studies_begin(ws);
    fo.summary = &s;
    if ((rc = fit_2x2_core(&fo, ws, tables, k, o, NULL, err)) != MTP_OK)
        return rc;
    mtp__result_from_summary(out, &s, o->method);
    mtp__studies_publish(ws);
    return MTP_OK;
}

int mtp_fit_2x2(const mtp_fit_out *out, mtp_workspace *ws, const mtp_table2x2 *tables, size_t k,
                const mtp_es_options *es, const mtp_fe2x2_options *fe,
                const mtp_model_options *model, mtp_error *err)
{
    static const mtp_es_options es0 = MTP_ES_OPTIONS_INIT;
    static const mtp_fe2x2_options fe0 = MTP_FE2X2_OPTIONS_INIT;
    mtp_model_options mo;
    mtp_options o;
    int rc;
    if (es == NULL)
        es = &es0;
    if (fe == NULL)
        fe = &fe0;
    if (out == NULL || ws == NULL || tables == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL output, workspace or tables pointer");
    if (out->version != MTP_FIT_OUT_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "output version %u is not %u",
                         out->version, (unsigned int)MTP_FIT_OUT_VERSION);
    if (es->version != MTP_ES_OPTIONS_VERSION || fe->version != MTP_FE2X2_OPTIONS_VERSION)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "effect-size or 2x2 options of an unknown version (initialise with "
                         "MTP_ES_OPTIONS_INIT and MTP_FE2X2_OPTIONS_INIT)");
    if ((rc = mtp__model_options_resolve(&mo, model, err)) != MTP_OK)
        return rc;
    if (k == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no studies (k = 0)");
    if (k > ws->kmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY, "%zu studies but the workspace holds %zu",
                         k, ws->kmax);
    if ((unsigned int)fe->method > MTP_FE_PETO)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown 2x2 method %d", (int)fe->method);
    if (fe->method != MTP_FE_IV && mo.tau2 != MTP_TAU2_FE)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "%s is a fixed-effect method: set tau2 to FE (RevMan's random-effects "
                         "MH is q_centre MH with DL)", fe->method == MTP_FE_MH ? "Mantel-Haenszel" : "Peto");
    if (fe->method != MTP_FE_IV && mo.test == MTP_TEST_KNHA)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "the Knapp-Hartung test needs an inverse-variance model");
    if (fe->q_centre == MTP_QCENTRE_MH && mo.tau2 != MTP_TAU2_DL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a Q centred on the Mantel-Haenszel estimate is defined for DL only");
    /* the one struct the effect and MH code read */
    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    o.measure = es->measure;
    o.cc = es->cc == 0 ? 0.5 : es->cc;
    o.cc_when = es->cc_when;
    o.double_zero = es->double_zero;
    o.mh_correct = (fe->flags & MTP_FE2X2_MH_CORRECT) != 0;
    o.mh_rd_var = fe->mh_rd_var;
    o.q_centre = fe->q_centre;
    o.method = fe->method == MTP_FE_MH ? MTP_METHOD_MH : fe->method == MTP_FE_PETO ? MTP_METHOD_PETO
                                                                              : MTP_METHOD_FE;
    o.level = mo.level;
    o.tol = mo.tol;
    o.max_iter = mo.max_iter;
    if (mtp_measure_get((int)o.measure) == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown measure %d", (int)o.measure);
    if (!(o.cc >= 0.0) || !isfinite(o.cc))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "continuity correction %g is not a finite number >= 0", o.cc);
    if ((unsigned int)o.cc_when > MTP_CC_NEVER || (unsigned int)o.double_zero > MTP_DZ_KEEP ||
        (unsigned int)o.mh_rd_var > MTP_MHRD_GR || (unsigned int)o.q_centre > MTP_QCENTRE_MH)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "unknown continuity-correction, double-zero, MH variance or Q-centre rule");
    mtp__studies_begin(ws);
    return fit_2x2_core(out, ws, tables, k, &o, fe->method == MTP_FE_IV ? &mo : NULL, err);
}
