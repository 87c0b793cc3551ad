/* Subgroup analysis: the BCG vaccine trials (Colditz et al. 1994; metafor's
 * dat.bcg) split by how treatment was allocated. Risk ratios, random effects
 * (DerSimonian-Laird), once with a tau² estimated separately in each
 * subgroup and once with one tau² common to all subgroups (Borenstein et al.
 * 2009, ch. 19), each with the test for subgroup differences.
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
    /* allocation of each trial: 0 random, 1 alternate, 2 systematic */
    const size_t alloc[] = {0, 0, 0, 0, 1, 1, 0, 0, 0, 2, 2, 2, 2};
    const char *const names[] = {"random", "alternate", "systematic"};
    enum { K = sizeof trials / sizeof trials[0], G = 3 };
    const mtp_subgroup_tau2 modes[] = {MTP_SUBGROUP_SEPARATE, MTP_SUBGROUP_COMMON};
    mtp_effect effects[K];
    mtp_options opts = MTP_OPTIONS_INIT;
    mtp_workspace *w = mtp_workspace_alloc(K, 1);
    mtp_error err;
    if (w == NULL)
        return 1;

    for (size_t i = 0; i < K; i++)
        if (mtp_effect_from_2x2(&effects[i], NULL, &trials[i], &opts, &err) != MTP_OK) {
            fprintf(stderr, "subgroups: %s\n", err.message);
            mtp_workspace_free(w);
            return 1;
        }
    opts.method = MTP_METHOD_DL;
    for (size_t m = 0; m < 2; m++) {
        mtp_result group[G], overall;
        mtp_subgroup_diff test;
        if (mtp_pool_subgroups(group, &overall, &test, w, effects, alloc, K, G, modes[m], &opts,
                               &err) != MTP_OK) {
            fprintf(stderr, "subgroups: %s\n", err.message);
            mtp_workspace_free(w);
            return 1;
        }
        printf("%s tau2\n", modes[m] == MTP_SUBGROUP_COMMON ? "Common" : "Separate");
        for (size_t g = 0; g <= G; g++) {
            const mtp_result *r = g < G ? &group[g] : &overall;
            printf("  %-10s k = %2zu  RR %.4f [%.4f, %.4f]  tau2 %.4f\n", g < G ? names[g] : "overall",
                   r->k, exp(r->estimate), exp(r->ci_lower), exp(r->ci_upper), r->tau2);
        }
        printf("  test for subgroup differences: Q = %.4f, df = %.0f, p = %.4f\n", test.q, test.df,
               test.p);
    }
    mtp_workspace_free(w);
    return 0;
}
