/* Meta-regression with metapool: the BCG vaccine trials (Colditz et al.
 * 1994; metafor's dat.bcg), log risk ratio on absolute latitude, REML, as
 * metafor's rma(yi, vi, mods = ~ ablat). One call, mtp_fit(), over a data
 * view with the model matrix [1, ablat]; then a prediction at 10 and 50
 * degrees and an exact-or-random permutation test of the slope.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <math.h>
#include <metapool.h>
#include <stdio.h>

#define K 13

int main(void)
{
    static const mtp_table2x2 t[K] = {
        {4, 123, 11, 139},   {6, 306, 29, 303},     {3, 231, 11, 220},    {62, 13598, 248, 12867},
        {33, 5069, 47, 5808}, {180, 1541, 372, 1451}, {8, 2545, 10, 629},   {505, 88391, 499, 88391},
        {29, 7499, 45, 7277}, {17, 1716, 65, 1665},   {186, 50634, 141, 27338},
        {5, 2498, 3, 2341},   {27, 16913, 29, 17854}};
    static const double ablat[K] = {44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33};
    double yi[K], vi[K], x[2 * K];
    const double xnew[] = {1, 10, 1, 50};
    mtp_summary s;
    mtp_coef b[2];
    double vcov[4];
    mtp_prediction pred[2];
    mtp_permutation perm;
    double perm_p[2];
    mtp_fit_out out = MTP_FIT_OUT_INIT;
    mtp_model_options mo = MTP_MODEL_OPTIONS_INIT; /* REML, z tests, 95% */
    mtp_error err;
    mtp_workspace *w = mtp_workspace_alloc(K, 2);
    int rc = 0;

    for (size_t i = 0; i < K; i++) { /* log risk ratios, as metafor's escalc("RR") */
        mtp_effect e;
        if (mtp_effect_from_2x2(&e, NULL, &t[i], NULL, &err) != MTP_OK) {
            fprintf(stderr, "study %zu: %s\n", i + 1, err.message);
            return 1;
        }
        yi[i] = e.yi;
        vi[i] = e.vi;
        x[2 * i] = 1;
        x[2 * i + 1] = ablat[i];
    }
    {
        mtp_data d = {MTP_MEASURE_RR, K, yi, vi, x, 2, NULL, NULL};
        out.summary = &s;
        out.coef = b;
        out.vcov = vcov;
        if (w == NULL || mtp_fit(&out, w, &d, &mo, &err) != MTP_OK ||
            mtp_predict(pred, &s, b, vcov, xnew, 2, &mo, &err) != MTP_OK ||
            mtp_permutest(&perm, perm_p, w, &d, &mo, 1000, 1, &err) != MTP_OK) {
            fprintf(stderr, "metapool: %s\n", w == NULL ? "out of memory" : err.message);
            rc = 1;
        } else {
            printf("Mixed-effects model (k = %zu; tau^2 estimator: REML)\n", s.k_used);
            printf("tau^2 (residual) = %.4f (SE = %.4f), I^2 = %.2f%%, R^2 = %.2f%%\n", s.tau2,
                   s.tau2_se, s.i2, s.r2);
            printf("QE(df = %.0f) = %.4f, p = %.4f\n", s.qe_df, s.qe, s.qe_p);
            printf("QM(df = %.0f) = %.4f, p = %.4g\n", s.qm_df, s.qm, s.qm_p);
            printf("intrcpt %.4f (se %.4f)\n", b[0].estimate, b[0].se);
            printf("ablat   %.4f (se %.4f), z = %.4f\n", b[1].estimate, b[1].se, b[1].stat);
            for (size_t j = 0; j < 2; j++)
                printf("RR at %2.0f degrees: %.4f [%.4f, %.4f]\n", xnew[2 * j + 1],
                       exp(pred[j].pred), exp(pred[j].ci_lower), exp(pred[j].ci_upper));
            printf("permutation test (%s, %lu arrangements): slope p = %.3f\n",
                   perm.exact ? "exact" : "random", perm.iterations, perm_p[1]);
        }
    }
    mtp_workspace_free(w);
    return rc;
}
