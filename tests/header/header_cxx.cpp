// metapool.h must compile as C++ and link with C linkage.
#include "metapool.h"

#include <cstdio>

int main()
{
    mtp_options opts;
    mtp_options_init(&opts, MTP_OPTIONS_VERSION);
    const mtp_effect effects[] = {{-0.5, 0.04}, {-0.1, 0.09}, {-0.9, 0.16}};
    mtp_result res;
    mtp_error err;
    mtp_workspace *ws = mtp_workspace_alloc(3, 1);
    if (ws == nullptr) return 1;
    int rc = mtp_pool_effects(&res, ws, effects, 3, &opts, &err);
    mtp_workspace_free(ws);
    if (rc != MTP_OK) {
        std::fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    std::printf("estimate %.6f\n", res.estimate);
    return 0;
}
