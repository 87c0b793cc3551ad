/* Every tau² estimator side by side on one data set, with the z and the
 * Hartung-Knapp-Sidik-Jonkman intervals.
 * Data: the BCG vaccine trials as log risk ratios (metafor's dat.bcg).
 * This example is CC0: copy it freely. */
#include <math.h>
#include <stdio.h>

#include "metapool.h"

int main(void)
{
    const mtp_table2x2 trials[] = {
        {4, 123, 11, 139},        {6, 306, 29, 303},        {3, 231, 11, 220},
        {62, 13598, 248, 12867},  {33, 5069, 47, 5808},     {180, 1541, 372, 1451},
        {8, 2545, 10, 629},       {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
        {17, 1716, 65, 1665},     {186, 50634, 141, 27338}, {5, 2498, 3, 2341},
        {27, 16913, 29, 17854},
    };
    const mtp_method methods[] = {MTP_METHOD_FE, MTP_METHOD_DL, MTP_METHOD_HE, MTP_METHOD_HS,
                                  MTP_METHOD_SJ, MTP_METHOD_ML, MTP_METHOD_REML, MTP_METHOD_PM,
                                  MTP_METHOD_EB};
    const size_t k = sizeof trials / sizeof trials[0];
    mtp_workspace *w = mtp_workspace_alloc(k, 1);
    if (w == NULL)
        return 1;
    printf("%-5s %8s %8s  %-17s %-17s %5s\n", "tau2", "estimate", "RR", "95% CI (z)",
           "95% CI (HKSJ)", "iter");
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        mtp_options opts = MTP_OPTIONS_INIT;
        mtp_result z, hksj;
        mtp_error err;
        opts.method = methods[m];
        if (mtp_pool_2x2(&z, w, trials, k, &opts, &err) != MTP_OK) {
            fprintf(stderr, "%s: %s\n", mtp_method_name(methods[m]), err.message);
            mtp_workspace_free(w);
            return 1;
        }
        opts.test = MTP_TEST_KNHA;
        if (mtp_pool_2x2(&hksj, w, trials, k, &opts, &err) != MTP_OK) {
            fprintf(stderr, "%s: %s\n", mtp_method_name(methods[m]), err.message);
            mtp_workspace_free(w);
            return 1;
        }
        printf("%-5s %8.4f %8.4f  %.4f to %.4f  %.4f to %.4f %5u\n", mtp_method_name(methods[m]),
               z.tau2, exp(z.estimate), exp(z.ci_lower), exp(z.ci_upper), exp(hksj.ci_lower),
               exp(hksj.ci_upper), z.iterations);
    }
    mtp_workspace_free(w);
    return 0;
}
