/* The workspace: all memory a fit needs, allocated once (GSL design rule). */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

mtp_workspace *mtp_workspace_alloc(size_t kmax)
{
    mtp_workspace *w;
    if (kmax == 0 || kmax > SIZE_MAX / (sizeof(mtp_study) + 4 * sizeof(double)))
        return NULL;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->kmax = kmax;
    w->y = malloc(kmax * sizeof *w->y);
    w->v = malloc(kmax * sizeof *w->v);
    w->w = malloc(kmax * sizeof *w->w);
    w->idx = malloc(kmax * sizeof *w->idx);
    w->studies = calloc(kmax, sizeof *w->studies);
    w->solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (w->y == NULL || w->v == NULL || w->w == NULL || w->idx == NULL || w->studies == NULL ||
        w->solver == NULL) {
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
    free(w->studies);
    if (w->solver != NULL)
        gsl_root_fsolver_free(w->solver);
    free(w);
}

size_t mtp_workspace_size(const mtp_workspace *w) { return w == NULL ? 0 : w->kmax; }

const mtp_study *mtp_workspace_studies(const mtp_workspace *w)
{
    return w == NULL ? NULL : w->studies;
}
