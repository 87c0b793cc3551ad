/* Inference for the pooled estimate: Wald-type z or t tests and intervals,
 * the Hartung-Knapp-Sidik-Jonkman adjustment (Hartung & Knapp 2001, Stat Med
 * 20:3875; Sidik & Jonkman 2002, Stat Med 21:3153) and prediction intervals
 * (Higgins, Thompson & Spiegelhalter 2009, JRSS A 172:137). */
#include "internal.h"

#include <float.h>
#include "core/dist.h"
#include <math.h>

double mtp__quantile(mtp_workspace *ws, int kind, double p, double df)
{
    double value;
    if (ws != NULL)
        for (size_t i = 0; i < sizeof ws->qcache / sizeof ws->qcache[0]; i++) {
            const struct mtp__qcache *c = &ws->qcache[i];
            if (c->kind == kind && c->p == p && (c->df == df || (isnan(c->df) && isnan(df))))
                return c->value;
        }
    switch (kind) {
    case MTP__Q_NORMAL_UPPER: value = mtp__qnorm_upper(p); break;
    case MTP__Q_T_UPPER: value = mtp__qt_upper(p, df); break;
    case MTP__Q_CHISQ_UPPER: value = mtp__qchisq_upper(p, df); break;
    default: value = mtp__qchisq_lower(p, df); break;
    }
    if (ws != NULL) {
        struct mtp__qcache *c = &ws->qcache[ws->qcache_next];
        ws->qcache_next = (ws->qcache_next + 1) % (unsigned int)(sizeof ws->qcache / sizeof ws->qcache[0]);
        c->kind = kind;
        c->p = p;
        c->df = df;
        c->value = value;
    }
    return value;
}

void mtp__wald(mtp_coef *r, double level, double df, mtp_workspace *ws)
{
    const double alpha = 1 - level;
    double crit;
    r->df = df;
    if (r->se == 0) { /* HKSJ with identical estimates: a zero-width interval */
        r->stat = r->estimate == 0 ? NAN : copysign(INFINITY, r->estimate);
        r->p = r->estimate == 0 ? NAN : 0;
        r->ci_lower = r->ci_upper = r->estimate;
        return;
    }
    r->stat = r->estimate / r->se;
    if (isnan(df)) {
        r->p = 2 * mtp__pnorm_upper(fabs(r->stat));
        crit = mtp__quantile(ws, MTP__Q_NORMAL_UPPER, alpha / 2, NAN);
    } else {
        r->p = 2 * mtp__pt_upper(fabs(r->stat), df);
        crit = mtp__quantile(ws, MTP__Q_T_UPPER, alpha / 2, df);
    }
    r->ci_lower = r->estimate - crit * r->se;
    r->ci_upper = r->estimate + crit * r->se;
}
