/* Subgroup analysis: fits per subgroup with separate tau² or one tau² common
 * to all subgroups, and the test for subgroup differences.
 * Common tau²: the pooled method-of-moments estimator of Borenstein, Hedges,
 * Higgins & Rothstein (2009, Introduction to Meta-Analysis, ch. 19),
 * tau² = (sum Q_j - sum df_j) / sum C_j. It equals DerSimonian-Laird in the
 * meta-regression on subgroup indicators, (RSS - (k - p)) / tr(P) (metafor's
 * rma(mods = ~factor(group), method = "DL")), because P is block diagonal.
 * Test for differences: Q_between of the same chapter, a fixed-effect Q over
 * the subgroup estimates.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "internal.h"

#include "core/dist.h"
#include <math.h>

static int check_groups(const size_t *group, size_t k, size_t ngroups, mtp_error *err)
{
    if (ngroups == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "no subgroups (ngroups = 0)");
    for (size_t i = 0; i < k; i++)
        if (group[i] >= ngroups)
            return mtp__fail(err, MTP_EINVAL, i, "subgroup index %zu is not below %zu", group[i], ngroups);
    return MTP_OK;
}

/* Q_j and C_j = sum w - sum w²/sum w (w = 1/v) of subgroup j, and its size.
 * Two passes over all studies (Q around the subgroup's own IV mean), so that
 * nothing needs to be stored. */
static void group_moments(double *q, double *c, size_t *kj, const mtp_effect *e,
                          const size_t *group, size_t k, size_t j)
{
    double sw = 0, swy = 0, mu, qj = 0, before = 0, cross = 0;
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        if (group[i] != j)
            continue;
        const double w = 1 / e[i].vi;
        sw += w;
        swy += w * e[i].yi;
        n++;
    }
    *kj = n;
    *q = *c = 0;
    if (n < 2)
        return;
    mu = swy / sw;
    for (size_t i = 0; i < k; i++)
        if (group[i] == j) {
            const double w = 1 / e[i].vi;
            qj += (e[i].yi - mu) * (e[i].yi - mu) / e[i].vi;
            cross += w * (before / sw); /* C without cancellation, as mtp__dl_c */
            before += w;
        }
    *q = qj;
    *c = 2 * cross;
}

int mtp_tau2_common(double *tau2, const mtp_effect *effects, const size_t *group, size_t k,
                    size_t ngroups, mtp_error *err)
{
    double sq = 0, sc = 0, t;
    size_t sdf = 0;
    int rc;
    if (tau2 == NULL || (k > 0 && (effects == NULL || group == NULL)))
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL tau2, effects or group pointer");
    if ((rc = check_groups(group, k, ngroups, err)) != MTP_OK)
        return rc;
    if ((rc = mtp__check_effects(effects, k, err)) != MTP_OK)
        return rc;
    for (size_t j = 0; j < ngroups; j++) {
        double q, c;
        size_t kj;
        group_moments(&q, &c, &kj, effects, group, k, j);
        if (kj >= 2) {
            sq += q;
            sc += c;
            sdf += kj - 1;
        }
    }
    if (sdf == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                         "no subgroup has two studies: a common tau2 cannot be estimated");
    t = (sq - (double)sdf) / sc;
    if (!isfinite(t))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY,
                         "the common tau2 is not finite (extreme sampling variances)");
    *tau2 = t < 0 ? 0 : t;
    return MTP_OK;
}

int mtp_subgroup_test(mtp_subgroup_diff *out, const mtp_result *groups, size_t ngroups,
                      mtp_error *err)
{
    double sw = 0, swy = 0, mu, q = 0;
    size_t m = 0;
    if (out == NULL || groups == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL test or results pointer");
    if (ngroups < 2)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                         "the test for subgroup differences needs at least 2 subgroups, not %zu",
                         ngroups);
    for (size_t j = 0; j < ngroups; j++) {
        const double y = groups[j].estimate, se = groups[j].se;
        if (isnan(y))
            continue; /* no result (a failed fit) */
        if (!isfinite(y) || !isfinite(se) || !(se > 0)) {
            const int rc = mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                                     "estimate %g with standard error %g (need finite, se > 0)", y, se);
            if (err != NULL)
                err->group = j;
            return rc;
        }
        sw += 1 / (se * se);
        swy += y / (se * se);
        m++;
    }
    if (m < 2)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY,
                         "the test for subgroup differences needs 2 subgroups with a result, not %zu",
                         m);
    mu = swy / sw;
    for (size_t j = 0; j < ngroups; j++) {
        const double y = groups[j].estimate, se = groups[j].se;
        if (!isnan(y))
            q += (y - mu) * (y - mu) / (se * se);
    }
    if (!isfinite(q))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "Q between subgroups is not finite");
    out->q = q;
    out->df = (double)(m - 1);
    out->p = mtp__pchisq_upper(q, out->df);
    return MTP_OK;
}

/* Everything mtp_pool_subgroups checks before fitting. */
static int check_subgroup_call(const mtp_result *group_out, const mtp_workspace *ws,
                               const mtp_effect *effects, const size_t *group, size_t k,
                               size_t ngroups, mtp_subgroup_tau2 mode, const mtp_options *o,
                               mtp_error *err)
{
    int rc;
    if (group_out == NULL || ws == NULL || effects == NULL || group == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "NULL results, workspace, effects or group pointer");
    if ((rc = mtp__check_options(o, err)) != MTP_OK)
        return rc;
    if ((rc = mtp__check_generic_method(
             o, ": fit each subgroup with mtp_pool_2x2 and use mtp_subgroup_test", err)) != MTP_OK)
        return rc;
    if (mode != MTP_SUBGROUP_SEPARATE && mode != MTP_SUBGROUP_COMMON)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown subgroup tau2 mode %d", (int)mode);
    if (mode == MTP_SUBGROUP_COMMON && o->method != MTP_METHOD_DL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a common tau2 is the pooled method-of-moments (DL) estimator: method "
                         "must be DL, not %s", mtp_method_name(o->method));
    if (mode == MTP_SUBGROUP_COMMON && o->tau2_fixed >= 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "a common tau2 is estimated: tau2_fixed must be negative, not %g",
                         o->tau2_fixed);
    if (k == 0)
        return mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "no studies (k = 0)");
    if (k > ws->kmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY,
                         "%zu studies but the workspace holds %zu", k, ws->kmax);
    if ((rc = check_groups(group, k, ngroups, err)) != MTP_OK)
        return rc;
    if ((rc = mtp__check_effects(effects, k, err)) != MTP_OK)
        return rc;
    for (size_t j = 0; j < ngroups; j++) {
        size_t i = 0;
        while (i < k && group[i] != j)
            i++;
        if (i == k) {
            rc = mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "the subgroup has no studies");
            if (err != NULL)
                err->group = j;
            return rc;
        }
    }
    return MTP_OK;
}

/* The failed subgroup fit's status, its error naming subgroup j. */
static int subgroup_fail(mtp_error *err, int rc, size_t j)
{
    if (err != NULL)
        err->group = j;
    return rc;
}

/* Fit subgroup j (validated effects) as mtp_pool_effects would fit it on
 * its own: one mtp_fit over the subgroup's keep mask. */
static int fit_group(mtp_result *out, mtp_workspace *ws, const mtp_effect *effects,
                     const size_t *group, size_t k, size_t j, const mtp_options *o, mtp_error *err)
{
    mtp_model_options mo;
    mtp_summary s;
    mtp_fit_out fo = MTP_FIT_OUT_INIT;
    mtp_data d = {MTP_MEASURE_GENERIC, k, ws->cy, ws->cv, NULL, 0, ws->keep, NULL};
    int rc;
    for (size_t i = 0; i < k; i++) {
        ws->cy[i] = effects[i].yi;
        ws->cv[i] = effects[i].vi;
        ws->keep[i] = group[i] == j;
    }
    mtp__model_options_from(&mo, o);
    fo.summary = &s;
    if ((rc = mtp_fit(&fo, ws, &d, &mo, err)) != MTP_OK)
        return subgroup_fail(err, rc, j);
    mtp__result_from_summary(out, &s, o->method);
    out->k = s.k_used;
    return MTP_OK;
}

int mtp_pool_subgroups(mtp_result *group_out, mtp_result *overall, mtp_subgroup_diff *test,
                       mtp_workspace *ws, const mtp_effect *effects, const size_t *group, size_t k,
                       size_t ngroups, mtp_subgroup_tau2 mode, const mtp_options *opts,
                       mtp_error *err)
{
    mtp_options tmp, local;
    mtp_result all;
    mtp_subgroup_diff diff = {NAN, 0, NAN};
    int rc;
    const mtp_options *o = mtp__options_or_default(opts, &tmp);

    if ((rc = check_subgroup_call(group_out, ws, effects, group, k, ngroups, mode, o, err)) != MTP_OK)
        return rc;
    local = *o;
    if (mode == MTP_SUBGROUP_COMMON &&
        (rc = mtp_tau2_common(&local.tau2_fixed, effects, group, k, ngroups, err)) != MTP_OK)
        return rc;
    for (size_t j = 0; j < ngroups; j++)
        if ((rc = fit_group(&group_out[j], ws, effects, group, k, j, &local, err)) != MTP_OK)
            return rc;
    if (ngroups >= 2 && (rc = mtp_subgroup_test(&diff, group_out, ngroups, err)) != MTP_OK)
        return rc;
    /* last, so that mtp_workspace_studies() describes the overall fit */
    if ((rc = mtp_pool_effects(&all, ws, effects, k, &local, err)) != MTP_OK)
        return rc;
    if (overall != NULL)
        *overall = all;
    if (test != NULL)
        *test = diff;
    return MTP_OK;
}

/* ---- the subgroup analysis on a data view -------------------------------- */

/* Q between subgroups around their IV mean, from the subgroups' estimates
 * and standard errors. */
static int q_between(mtp_subgroup_diff *out, const double *y, const double *se, size_t ngroups,
                     mtp_error *err)
{
    double sw = 0, swy = 0, mu, q = 0;
    for (size_t j = 0; j < ngroups; j++) {
        if (!isfinite(y[j]) || !isfinite(se[j]) || !(se[j] > 0)) {
            const int rc = mtp__fail(err, MTP_EDATA, MTP_NO_STUDY,
                                     "estimate %g with standard error %g (need finite, se > 0)",
                                     y[j], se[j]);
            if (err != NULL)
                err->group = j;
            return rc;
        }
        sw += 1 / (se[j] * se[j]);
        swy += y[j] / (se[j] * se[j]);
    }
    mu = swy / sw;
    for (size_t j = 0; j < ngroups; j++)
        q += (y[j] - mu) * (y[j] - mu) / (se[j] * se[j]);
    if (!isfinite(q))
        return mtp__fail(err, MTP_ENUMERIC, MTP_NO_STUDY, "Q between subgroups is not finite");
    out->q = q;
    out->df = (double)(ngroups - 1);
    out->p = mtp__pchisq_upper(q, out->df);
    return MTP_OK;
}

/* A summary of the subgroup model: the chosen method, its common tau²'s CI. */
static void mark_common(mtp_summary *s, const mtp_summary *common, mtp_tau2_method method)
{
    s->tau2_method = method;
    s->notes = (s->notes & ~(unsigned int)MTP_NOTE_TAU2_FIXED) | MTP_NOTE_TAU2_COMMON;
    s->tau2_ci_lower = common->tau2_ci_lower;
    s->tau2_ci_upper = common->tau2_ci_upper;
    s->tau2_se = common->tau2_se;
}

/* The common tau² with its Q-profile CI: the meta-regression on the
 * subgroup indicators (intercept + ngroups - 1 dummies) in ws->px. */
static int common_tau2(mtp_summary *s, mtp_workspace *ws, const mtp_data *d, const size_t *group,
                       size_t ngroups, const mtp_model_options *o, mtp_error *err)
{
    mtp_data reg = *d;
    mtp_model_options ro = *o;
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    if (ngroups > ws->pmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY,
                         "a common tau2 over %zu subgroups needs a workspace of %zu columns, not %zu",
                         ngroups, ngroups, ws->pmax);
    for (size_t i = 0; i < d->k; i++) {
        const int kept = d->keep == NULL || d->keep[i];
        ws->px[i * ngroups] = 1;
        for (size_t j = 1; j < ngroups; j++)
            ws->px[i * ngroups + j] = kept && group[i] == j ? 1.0 : 0.0;
    }
    reg.x = ws->px;
    reg.p = ngroups;
    ro.btt = NULL;
    ro.nbtt = 0;
    ro.flags |= MTP_FIT_NO_R2;
    out.summary = s;
    {
        const int rc = mtp_fit(&out, ws, &reg, &ro, err);
        if (rc != MTP_OK && err != NULL)
            err->column = MTP_NO_INDEX; /* the indicators are ours, not the caller's */
        return rc;
    }
}

int mtp_subgroups(const mtp_fit_out *groups, const mtp_fit_out *overall, mtp_subgroup_diff *test,
                  mtp_workspace *ws, const mtp_data *d, const size_t *group, size_t ngroups,
                  mtp_subgroup_tau2 mode, const mtp_model_options *opts, mtp_error *err)
{
    static const mtp_model_options defaults = MTP_MODEL_OPTIONS_INIT;
    mtp_model_options o = opts != NULL ? *opts : defaults, fixed;
    mtp_subgroup_diff diff = {NAN, 0, NAN};
    mtp_summary common;
    int rc;

    if (groups == NULL || ws == NULL || d == NULL || group == NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "NULL outputs, workspace, data or group pointer");
    if (d->x != NULL)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                         "subgroups of a meta-regression: fit the interaction model instead");
    if (mode != MTP_SUBGROUP_SEPARATE && mode != MTP_SUBGROUP_COMMON)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "unknown subgroup tau2 mode %d", (int)mode);
    if (ngroups == 0)
        return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY, "no subgroups (ngroups = 0)");
    if (d->k > ws->kmax)
        return mtp__fail(err, MTP_EBADLEN, MTP_NO_STUDY, "%zu studies but the workspace holds %zu",
                         d->k, ws->kmax);
    for (size_t i = 0; i < d->k; i++)
        if ((d->keep == NULL || d->keep[i]) && group[i] >= ngroups)
            return mtp__fail(err, MTP_EINVAL, i, "subgroup index %zu is not below %zu", group[i],
                             ngroups);
    for (size_t j = 0; j < ngroups; j++) {
        size_t i = 0;
        while (i < d->k && !((d->keep == NULL || d->keep[i]) && group[i] == j))
            i++;
        if (i == d->k) {
            rc = mtp__fail(err, MTP_ETOOFEW, MTP_NO_STUDY, "the subgroup has no studies");
            if (err != NULL)
                err->group = j;
            return rc;
        }
    }
    if (mode == MTP_SUBGROUP_COMMON) {
        const mtp_tau2_info *t = mtp_tau2_get((int)o.tau2);
        if (t == NULL || !(t->flags & MTP_TAU2_ESTIMATED))
            return mtp__fail(err, MTP_EINVAL, MTP_NO_STUDY,
                             "a common tau2 is estimated: the method must be a tau2 estimator, not %s",
                             t != NULL ? t->name : "?");
        if ((rc = common_tau2(&common, ws, d, group, ngroups, &o, err)) != MTP_OK)
            return rc;
    }
    fixed = o;
    if (mode == MTP_SUBGROUP_COMMON) {
        fixed.tau2 = MTP_TAU2_FIXED;
        fixed.tau2_value = common.tau2;
    }
    /* each subgroup's estimate and SE, for the test: ws->py and ws->pv
     * (free outside mtp_permutest; ngroups <= k) */
    for (size_t j = 0; j < ngroups; j++) {
        mtp_fit_out gj = groups[j];
        mtp_data dj = *d;
        mtp_summary local;
        for (size_t i = 0; i < d->k; i++)
            ws->keep[i] = (d->keep == NULL || d->keep[i]) && group[i] == j;
        dj.keep = ws->keep;
        gj.flags |= MTP_OUT_KEPT_ONLY;
        if (gj.summary == NULL)
            gj.summary = &local;
        if ((rc = mtp_fit(&gj, ws, &dj, &fixed, err)) != MTP_OK) {
            if (err != NULL)
                err->group = j;
            return rc;
        }
        if (mode == MTP_SUBGROUP_COMMON)
            mark_common(gj.summary, &common, o.tau2);
        ws->py[j] = gj.summary->mu.estimate;
        ws->pv[j] = gj.summary->mu.se;
    }
    if (ngroups >= 2 && (rc = q_between(&diff, ws->py, ws->pv, ngroups, err)) != MTP_OK)
        return rc;
    if (overall != NULL) {
        mtp_fit_out ov = *overall;
        mtp_summary local;
        if (ov.summary == NULL)
            ov.summary = &local;
        if ((rc = mtp_fit(&ov, ws, d, &fixed, err)) != MTP_OK)
            return rc;
        if (mode == MTP_SUBGROUP_COMMON)
            mark_common(ov.summary, &common, o.tau2);
    }
    if (test != NULL)
        *test = diff;
    return MTP_OK;
}
