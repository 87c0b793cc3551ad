/* The workspace: all memory a fit needs, allocated once (GSL design rule). */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

mtp_workspace *mtp_workspace_alloc(size_t kmax, size_t pmax)
{
    mtp_workspace *w;
    if (kmax == 0 || pmax == 0 || pmax > 4096 || kmax > SIZE_MAX / 64 / pmax / sizeof(double))
        return NULL;
    w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->kmax = kmax;
    w->pmax = pmax;
    {
        double **k1[] = {&w->y, &w->v, &w->w, &w->r, &w->q, &w->wa, &w->ua, &w->weight,
                         &w->fw, &w->fr, &w->fh, &w->fxvx, &w->cy, &w->cv, &w->py, &w->pv, &w->py0, &w->yc};
        double **kp[] = {&w->x, &w->a, &w->px, &w->pxu};
        double **p1[] = {&w->beta, &w->qtau, &w->u, &w->norm, &w->bhat, &w->pstat, &w->pcount};
        double **pp[] = {&w->M, &w->B, &w->C, &w->T, &w->vb};
        int ok = 1;
        for (size_t i = 0; i < sizeof k1 / sizeof k1[0]; i++)
            ok &= (*k1[i] = malloc(kmax * sizeof(double))) != NULL;
        for (size_t i = 0; i < sizeof kp / sizeof kp[0]; i++)
            ok &= (*kp[i] = malloc(kmax * pmax * sizeof(double))) != NULL;
        for (size_t i = 0; i < sizeof p1 / sizeof p1[0]; i++)
            ok &= (*p1[i] = malloc(pmax * sizeof(double))) != NULL;
        for (size_t i = 0; i < sizeof pp / sizeof pp[0]; i++)
            ok &= (*pp[i] = malloc(pmax * pmax * sizeof(double))) != NULL;
        w->idx = malloc(kmax * sizeof *w->idx);
        w->perm = malloc(pmax * sizeof *w->perm);
        w->keep = malloc(kmax);
        w->pg = malloc(kmax * sizeof *w->pg);
        w->pcoef0 = malloc(pmax * sizeof *w->pcoef0);
        w->pcoef = malloc(pmax * sizeof *w->pcoef);
        w->studies_buf[0] = calloc(kmax, sizeof(mtp_study));
        w->studies_buf[1] = calloc(kmax, sizeof(mtp_study));
        w->studies = w->studies_buf[0];
        w->studies_ok = w->studies_buf[1];
        if (!ok || w->idx == NULL || w->perm == NULL || w->keep == NULL || w->pg == NULL || w->pcoef0 == NULL || w->pcoef == NULL || w->studies_buf[0] == NULL ||
            w->studies_buf[1] == NULL) {
            mtp_workspace_free(w);
            return NULL;
        }
    }
    return w;
}

void mtp_workspace_free(mtp_workspace *w)
{
    if (w == NULL)
        return;
    {
        double *all[] = {w->y, w->v, w->w, w->r, w->q, w->wa, w->ua, w->weight, w->fw, w->fr,
                         w->fh, w->fxvx, w->cy, w->cv, w->py, w->pv, w->py0, w->yc, w->x, w->a, w->px, w->pxu, w->beta, w->qtau, w->u, w->norm, w->bhat, w->pstat, w->pcount,
                         w->M, w->B, w->C, w->T, w->vb};
        for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
            free(all[i]);
    }
    free(w->idx);
    free(w->perm);
    free(w->keep);
    free(w->pg);
    free(w->pcoef0);
    free(w->pcoef);
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
