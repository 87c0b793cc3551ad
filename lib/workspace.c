/* The workspace: all memory a fit needs, allocated once (GSL design rule). */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

mtp_workspace *mtp_workspace_alloc(size_t kmax)
{
    mtp_workspace *w;
    if (kmax == 0 || kmax > SIZE_MAX / (2 * sizeof(mtp_study) + 4 * sizeof(double)))
        return NULL;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->kmax = kmax;
    w->y = malloc(kmax * sizeof *w->y);
    w->v = malloc(kmax * sizeof *w->v);
    w->w = malloc(kmax * sizeof *w->w);
    w->idx = malloc(kmax * sizeof *w->idx);
    w->studies_buf[0] = calloc(kmax, sizeof(mtp_study));
    w->studies_buf[1] = calloc(kmax, sizeof(mtp_study));
    w->studies = w->studies_buf[0];
    w->studies_ok = w->studies_buf[1];
    if (w->y == NULL || w->v == NULL || w->w == NULL || w->idx == NULL || w->studies_buf[0] == NULL ||
        w->studies_buf[1] == NULL) {
        mtp_workspace_free(w);
        return NULL;
    }
    return w;
}

void mtp_workspace_free(mtp_workspace *w)
{
    if (w == NULL)
        return;
    free(w->y);
    free(w->v);
    free(w->w);
    free(w->idx);
    free(w->studies_buf[0]);
    free(w->studies_buf[1]);
    free(w);
}

/* A fit writes its per-study values into the buffer that does not hold the
 * last successful fit, and publishes it only on success (mtp__publish), so
 * that a failed fit leaves mtp_workspace_studies() as it was. */
void mtp__studies_begin(mtp_workspace *w)
{
    w->studies = w->studies_ok == w->studies_buf[0] ? w->studies_buf[1] : w->studies_buf[0];
}

void mtp__studies_publish(mtp_workspace *w) { w->studies_ok = w->studies; }

size_t mtp_workspace_size(const mtp_workspace *w) { return w == NULL ? 0 : w->kmax; }

const mtp_study *mtp_workspace_studies(const mtp_workspace *w)
{
    return w == NULL ? NULL : w->studies_ok;
}
