/* Pool published estimates given as a ratio with its 95% confidence
 * interval: the log ratio and its standard error are recovered from the
 * interval, SE = (ln upper - ln lower) / (2 * 1.959964).
 * Data: education vs control, LBP, short term (Steffens et al. 2016, Fig. 2).
 * This example is CC0: copy it freely. */
#include <math.h>
#include <stdio.h>

#include "metapool.h"

int main(void)
{
    const double published[][3] = {{1.01, 0.73, 1.38}, {0.93, 0.67, 1.27}, {1.17, 0.83, 1.65}};
    const size_t k = sizeof published / sizeof published[0];
    mtp_effect effects[3];
    mtp_options opts = MTP_OPTIONS_INIT;
    mtp_workspace *w = mtp_workspace_alloc(k, 1);
    mtp_result res;
    mtp_error err;
    int rc = w == NULL ? MTP_ENOMEM : MTP_OK;

    for (size_t i = 0; i < k && rc == MTP_OK; i++)
        rc = mtp_effect_from_ci(&effects[i], published[i][0], published[i][1], published[i][2],
                                0.95, 1, &err);
    opts.method = MTP_METHOD_DL;
    if (rc == MTP_OK)
        rc = mtp_pool_effects(&res, w, effects, k, &opts, &err);
    if (rc != MTP_OK) {
        fprintf(stderr, "ratio_ci: %s\n", rc == MTP_ENOMEM ? "out of memory" : err.message);
        mtp_workspace_free(w);
        return 1;
    }
    for (size_t i = 0; i < k; i++)
        printf("study %zu: log RR %.4f, SE %.4f\n", i + 1, effects[i].yi, sqrt(effects[i].vi));
    printf("RR %.2f (95%% CI %.2f to %.2f), tau2 %.4f\n", exp(res.estimate), exp(res.ci_lower),
           exp(res.ci_upper), res.tau2);
    mtp_workspace_free(w);
    return 0;
}
