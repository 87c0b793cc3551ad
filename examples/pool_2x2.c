/* Pool 2x2 tables: risk ratio, random effects (REML), then each study's
 * weight in the pooled estimate.
 * Data: the BCG vaccine trials (Colditz et al. 1994; metafor's dat.bcg).
 * This example is CC0: copy it freely. */
#include <math.h>
#include <stdio.h>

#include "metapool.h"

int main(void)
{
    /* events and totals: vaccinated arm, then control arm */
    const mtp_table2x2 trials[] = {
        {4, 123, 11, 139},        {6, 306, 29, 303},        {3, 231, 11, 220},
        {62, 13598, 248, 12867},  {33, 5069, 47, 5808},     {180, 1541, 372, 1451},
        {8, 2545, 10, 629},       {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
        {17, 1716, 65, 1665},     {186, 50634, 141, 27338}, {5, 2498, 3, 2341},
        {27, 16913, 29, 17854},
    };
    const size_t k = sizeof trials / sizeof trials[0];
    mtp_options opts = MTP_OPTIONS_INIT; /* RR, REML, z test, PI with k-2 df */
    mtp_workspace *w = mtp_workspace_alloc(k, 1);
    mtp_result res;
    mtp_error err;

    if (w == NULL || mtp_pool_2x2(&res, w, trials, k, &opts, &err) != MTP_OK) {
        fprintf(stderr, "pool_2x2: %s\n", w == NULL ? "out of memory" : err.message);
        mtp_workspace_free(w);
        return 1;
    }
    printf("RR %.4f (95%% CI %.4f to %.4f), p = %.2g\n", exp(res.estimate), exp(res.ci_lower),
           exp(res.ci_upper), res.p);
    printf("prediction interval %.4f to %.4f\n", exp(res.pi_lower), exp(res.pi_upper));
    printf("tau2 %.4f (95%% CI %.4f to %.4f), I2 %.1f%%, Q %.2f on %.0f df\n", res.tau2,
           res.tau2_ci_lower, res.tau2_ci_upper, res.i2, res.q, res.q_df);
    /* per-study values of the last fit: borrowed from the workspace */
    printf("weights (%%):");
    for (size_t i = 0; i < k; i++)
        printf(" %.2f", mtp_workspace_studies(w)[i].weight);
    printf("\n");
    mtp_workspace_free(w);
    return 0;
}
