/* metapool.h must be self-contained strict C11: it is the first include. */
#include "metapool.h"

#include <stdio.h>

int main(void)
{
    mtp_options a = MTP_OPTIONS_INIT;
    mtp_options b;
    mtp_options_init(&b, MTP_OPTIONS_VERSION);
    /* field by field: memcmp would also compare padding bytes */
    if (a.version != b.version || a.measure != b.measure || a.method != b.method ||
        a.test != b.test || a.pi != b.pi || a.level != b.level || a.cc != b.cc ||
        a.cc_when != b.cc_when || a.double_zero != b.double_zero ||
        a.mh_correct != b.mh_correct || a.mh_rd_var != b.mh_rd_var ||
        a.q_centre != b.q_centre || a.i2_def != b.i2_def || a.tau2_fixed != b.tau2_fixed ||
        a.tau2_ci != b.tau2_ci || a.tol != b.tol || a.max_iter != b.max_iter) {
        fprintf(stderr, "MTP_OPTIONS_INIT differs from mtp_options_init\n");
        return 1;
    }
    if (mtp_version_number() != MTP_VERSION_NUMBER) {
        fprintf(stderr, "header and library versions differ\n");
        return 1;
    }
    printf("metapool %s\n", mtp_version_string());
    return 0;
}
