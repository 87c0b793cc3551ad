/* A 20-line program against the installed library: BCG vaccine trials
 * (metadat dat.bcg), risk ratio, DerSimonian-Laird. */
#include <math.h>
#include <metapool.h>
#include <stdio.h>

int main(void)
{
    const mtp_table2x2 t[] = {{4, 123, 11, 139},       {6, 306, 29, 303},     {3, 231, 11, 220},
                              {62, 13598, 248, 12867}, {33, 5069, 47, 5808},  {180, 1541, 372, 1451},
                              {8, 2545, 10, 629},      {505, 88391, 499, 88391}, {29, 7499, 45, 7277},
                              {17, 1716, 65, 1665},    {186, 50634, 141, 27338}, {5, 2498, 3, 2341},
                              {27, 16913, 29, 17854}};
    mtp_options opts = MTP_OPTIONS_INIT;
    opts.method = MTP_METHOD_DL;
    mtp_workspace *ws = mtp_workspace_alloc(13, 1);
    mtp_result res;
    mtp_error err;
    int rc = mtp_pool_2x2(&res, ws, t, 13, &opts, &err);
    mtp_workspace_free(ws);
    if (rc != MTP_OK) { fprintf(stderr, "%s\n", err.message); return 1; }
    printf("RR %.4f\n", exp(res.estimate));
    return 0;
}
