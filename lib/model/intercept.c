/* The intercept-only kernel: weighted mean, Q, Q_gen and C of the model
 * y_i = mu + u_i + e_i, written for p = 1 with the sums arranged for
 * accuracy (see each function). The general kernel (wls.c) gives the same
 * quantities for any X; these keep the intercept-only fits exact and fast.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "model/model.h"

#include <math.h>

void mtp__weighted_mean(double *mu, double *sumw, const double *y, const double *v, size_t n,
                        double tau2, double *w)
{
    double sw = 0, swy = 0;
    for (size_t i = 0; i < n; i++) {
        const double wi = 1.0 / (v[i] + tau2);
        if (w != NULL)
            w[i] = wi;
        sw += wi;
        swy += wi * y[i];
    }
    *mu = swy / sw;
    *sumw = sw;
}

double mtp__q_gen(const double *y, const double *v, size_t n, double tau2)
{
    double mu, sw, q = 0;
    mtp__weighted_mean(&mu, &sw, y, v, n, tau2, NULL);
    for (size_t i = 0; i < n; i++) {
        const double r = y[i] - mu;
        q += r * r / (v[i] + tau2);
    }
    return q;
}

void mtp__q_gen_fdf(double tau2, void *params, double *f, double *df)
{
    const mtp__model *p = params;
    double sw, mu, q = 0, dq = 0;
    if (p->x != NULL) {
        mtp__wls fit;
        mtp__psums s;
        mtp__weights(p->ws->w, p->v, p->n, tau2);
        if (mtp__wls_solve(&fit, p, p->ws->w) != MTP_OK) {
            *f = *df = NAN;
            return;
        }
        mtp__psums_get(&s, p, &fit, MTP__PS_BASIC);
        *f = s.yPy - p->target;
        *df = -s.yPPy;
        return;
    }
    mtp__weighted_mean(&mu, &sw, p->y, p->v, p->n, tau2, NULL);
    for (size_t i = 0; i < p->n; i++) {
        const double w = 1 / (p->v[i] + tau2), r = p->y[i] - mu;
        q += w * r * r;
        dq -= w * w * r * r;
    }
    *f = q - p->target;
    *df = dq;
}

double mtp__q_centred(const double *y, const double *v, size_t n, double centre)
{
    double q = 0;
    for (size_t i = 0; i < n; i++) {
        const double r = y[i] - centre;
        q += r * r / v[i];
    }
    return q;
}

/* Q = sum (y - mu)²/v about mu = sum(y/v)/sum(1/v), as
 * mu = y_ref + d, d = sum w (y - y_ref)/W, r_i = (y_i - y_ref) - d, with ref
 * the study of smallest variance. y_i - mu rounded mu to eps |mu|, and that
 * rounding, squared and divided by a variance below (eps |mu|)², swamped Q
 * (1e-40 gave Q = 2.7e7 for 0.87). */
double mtp__q_fe(const double *y, const double *v, size_t n)
{
    size_t ref = 0;
    double sw = 0, swd = 0, d, q = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < v[ref])
            ref = i;
    for (size_t i = 0; i < n; i++) {
        const double w = 1.0 / v[i];
        sw += w;
        swd += w * (y[i] - y[ref]);
    }
    d = swd / sw;
    for (size_t i = 0; i < n; i++) {
        const double r = (y[i] - y[ref]) - d;
        q += r * r / v[i];
    }
    return q;
}

/* C = W - sum w²/W summed as 2 sum_j w_j (sum_{i<j} w_i)/W: every term is
 * positive and no product exceeds max(w) (dividing by W first), whereas the
 * difference loses every digit once the largest weight exceeds the others by
 * 1/eps (variances from 1e-12 to 1e12 in one analysis gave C = 0 and
 * v~ = Inf) and sum w² overflows for variances below 1e-154. */
double mtp__dl_c(const double *v, size_t n)
{
    double sw = 0, before = 0, cross = 0;
    for (size_t i = 0; i < n; i++)
        sw += 1.0 / v[i];
    for (size_t i = 0; i < n; i++) {
        const double wi = 1.0 / v[i];
        cross += wi * (before / sw);
        before += wi;
    }
    return 2 * cross;
}
