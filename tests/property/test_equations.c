/* Properties of every fit, and the estimating equations at the solution.
 *
 * Over N_SETS random data sets of generic effects and N_SETS of 2x2 tables,
 * every inverse-variance method, both tests and the three prediction
 * intervals:
 *
 * - invariants: tau2 >= 0 and finite, tau = sqrt(tau2); ci_lower <= estimate
 *   <= ci_upper; the prediction interval contains the CI whenever its
 *   critical value is at least the CI's (t(k-2) >= t(k-1) >= z; not for a
 *   normal PI with a knha CI); 0 <= p, Q's p <= 1; Q >= 0; 0 <= I2 <= 100;
 *   H2 >= 1 for tau2-based H2; 0 <= tau2 CI lower <= upper; the study
 *   weights are >= 0 and sum to 100; iterative estimators converged;
 * - the result is what docs/methods.md says it is, recomputed here in long
 *   double from the studies the fit used (mtp_workspace_studies()): Q about
 *   the fixed-effect mean, mu = sum w y / sum w and SE = (sum w)^-1/2 with
 *   w = 1/(v + tau2), the HKSJ SE, the closed-form tau2 estimators (DL, HE,
 *   HS, SJ), I2 and H2 from v~;
 * - PM and EB: the generalised Q equals k - 1 at tau2 > 0 (Paule & Mandel
 *   1982), and is <= k - 1 at 0 when the estimate is 0;
 * - ML and REML: the score is zero at tau2 > 0 and <= 0 at a zero estimate
 *   (Viechtbauer 2005, eqs. 9 and 12), and the estimate is the global
 *   maximum of the (restricted) likelihood on a grid of 200 points, even
 *   when the likelihood has several maxima (see check_root);
 * - the Q-profile CI (Viechtbauer 2007): the lower bound L solves
 *   Q_gen(L) = chi2_{k-1, 1-alpha/2} (or is 0 when Q_gen(0) is below that),
 *   the upper bound U solves Q_gen(U) = chi2_{k-1, alpha/2} (or is 0), with
 *   quantiles from R (chisq_table.h), so the interval is exactly
 *   {tau2 >= 0: chi2_lo <= Q_gen(tau2) <= chi2_hi}.
 *
 * What the Q-profile CI guarantees about the point estimate. metafor's
 * documentation of confint.rma (Note) says the tau2 estimate "will usually
 * fall within" the Q-profile CI but "this is not guaranteed"; PM or EB
 * "usually ensures" it. The exact statement follows from the definitions:
 * Q_gen is decreasing in tau2 and the PM/EB estimate solves
 * Q_gen = k - 1, so the estimate lies in [L, U] exactly when
 * chi2_{k-1, alpha/2} <= k - 1 <= chi2_{k-1, 1-alpha/2}, i.e. when
 * alpha/2 <= P(chi2_{k-1} <= k - 1) <= 1 - alpha/2. That probability falls
 * from 0.6827 (df = 1) towards 0.5, so PM/EB are bracketed for every k
 * whenever level >= 1 - 2 (1 - 0.6827) = 0.3654 (95%, 90%, 50% here), and
 * not at a lower level: at level 0.30 and k = 2 a positive PM estimate lies
 * below L (tested). For the other estimators the estimate lies in [L, U]
 * exactly when Q_gen(estimate) lies between the two quantiles, which is
 * what is asserted; how often REML, DL, ... fall outside is printed.
 *
 * Tolerances (all far below what a wrong formula would give):
 * - closed forms recomputed in long double: EQ_TOL = 1e-12 in the units of
 *   prop_compare.h (double rounding is ~k eps = 5.6e-15 of the terms);
 * - roots: the library stops when the Newton step is below tol = 1e-12
 *   relative; at a root the equation's residual is then below about
 *   tol * |f'| tau2, and |f'| tau2 is at most a few times the sum of the
 *   absolute terms of f (since w tau2 <= 1), so |f| <= ROOT_TOL * (that sum)
 *   with ROOT_TOL = 1e-10 (a factor of 100 over the stopping rule, to cover
 *   evaluation rounding on ill-conditioned data); a wrong equation, e.g. ML's
 *   score where REML's is solved, leaves a residual of order sum w^2/sum w,
 *   about 1/k of the terms;
 * - the Q-profile targets: GSL's and R's chi-square quantiles agree to
 *   about 1e-14; QP_TOL = 1e-9 relative.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "prop_compare.h"

#include "chisq_table.h"

#define N_SETS 1000
#define EQ_TOL 1e-12
#define ROOT_TOL 1e-10
#define QP_TOL 1e-9

/* counts printed at the end */
static size_t n_fits, n_pm_roots, n_ml_roots, n_reml_roots, n_qp_bounds, n_not_global[2],
    n_not_first[2];
static size_t n_outside[MTP_METHOD_EB + 1], n_random_fits[MTP_METHOD_EB + 1];

/* ---- invariants of any successful fit ---------------------------------- */

static void check_invariants(const mtp_result *r, const mtp_study *st, size_t k, const mtp_options *o,
                             uint64_t seed, const char *what)
{
    const int random = mtp_method_is_random(r->method);
    double wsum = 0;
    prop_check(isfinite(r->estimate) && isfinite(r->se) && r->se >= 0, seed, "%s: estimate %g se %g",
               what, r->estimate, r->se);
    prop_check(isfinite(r->tau2) && r->tau2 >= 0 && r->tau == sqrt(r->tau2), seed, "%s: tau2 %g",
               what, r->tau2);
    prop_check(r->ci_lower <= r->estimate && r->estimate <= r->ci_upper, seed,
               "%s: CI [%.17g, %.17g] misses the estimate %.17g", what, r->ci_lower, r->ci_upper,
               r->estimate);
    prop_check(r->p >= 0 && r->p <= 1, seed, "%s: p = %g", what, r->p);
    prop_check(r->converged == 1, seed, "%s: not converged", what);
    if (random && !isnan(r->pi_lower)) {
        const int pi_wider = !(o->pi == MTP_PI_NORMAL && r->test == MTP_TEST_KNHA);
        prop_check(r->pi_lower <= r->estimate && r->estimate <= r->pi_upper, seed,
                   "%s: PI misses the estimate", what);
        prop_check(!pi_wider || (r->pi_lower <= r->ci_lower && r->ci_upper <= r->pi_upper), seed,
                   "%s: PI [%.17g, %.17g] inside the CI [%.17g, %.17g]", what, r->pi_lower,
                   r->pi_upper, r->ci_lower, r->ci_upper);
    }
    if (r->k_used >= 2) {
        prop_check(r->q >= 0 && isfinite(r->q), seed, "%s: Q = %g", what, r->q);
        prop_check(r->q_p >= 0 && r->q_p <= 1, seed, "%s: Q's p = %g", what, r->q_p);
        prop_check(r->i2 >= 0 && r->i2 <= 100, seed, "%s: I2 = %.17g", what, r->i2);
        prop_check(isfinite(r->h2) && r->h2 >= 0, seed, "%s: H2 = %g", what, r->h2);
        if (random && o->i2_def == MTP_I2_AUTO)
            prop_check(r->h2 >= 1, seed, "%s: tau2-based H2 = %.17g < 1", what, r->h2);
        if (random && o->tau2_ci) {
            prop_check(r->tau2_ci_lower >= 0 && r->tau2_ci_lower <= r->tau2_ci_upper &&
                           isfinite(r->tau2_ci_upper), seed,
                       "%s: tau2 CI [%g, %g]", what, r->tau2_ci_lower, r->tau2_ci_upper);
            if (o->i2_def == MTP_I2_AUTO)
                prop_check(r->i2_ci_lower >= 0 && r->i2_ci_lower <= r->i2_ci_upper &&
                               r->i2_ci_upper <= 100,
                           seed, "%s: I2 CI [%g, %g]", what, r->i2_ci_lower, r->i2_ci_upper);
            else /* the tau2 CI maps onto the tau2-based I2 only (metapool.h) */
                prop_check(isnan(r->i2_ci_lower) && isnan(r->i2_ci_upper) && isnan(r->h2_ci_lower),
                           seed, "%s: Q-based I2 with a CI [%g, %g]", what, r->i2_ci_lower,
                           r->i2_ci_upper);
        }
    }
    for (size_t i = 0; i < k; i++) {
        prop_check(st[i].weight >= 0, seed, "%s: weight %zu = %g", what, i, st[i].weight);
        wsum += st[i].weight;
    }
    prop_check(fabs(wsum - 100) <= 1e-12 * 100 * (double)k, seed, "%s: weights sum to %.17g", what,
               wsum);
}

/* ---- the result recomputed from the studies ---------------------------- */

static void check_formulas(const mtp_result *r, const double *y, const double *v, size_t n,
                           uint64_t seed, const char *what)
{
    long double sw, sw0, swr2 = 0;
    const long double mu = ref_mu(y, v, n, r->tau2, &sw);
    const double se_unit = fabs(r->estimate) + r->se;
    prop_check(close_to(r->estimate, (double)mu, EQ_TOL, se_unit), seed,
               "%s: estimate %.17g, sum w y / sum w = %.17g", what, r->estimate, (double)mu);
    for (size_t i = 0; i < n; i++) {
        const long double w = 1.0L / ((long double)v[i] + r->tau2);
        swr2 += w * (y[i] - mu) * (y[i] - mu);
    }
    if (r->test == MTP_TEST_KNHA) {
        const double want = (double)sqrtl(swr2 / ((long double)n - 1) / sw);
        if (!(r->notes & MTP_NOTE_ZERO_WIDTH_KNHA))
            prop_check(close_to(r->se, want, EQ_TOL, want), seed, "%s: HKSJ se %.17g, want %.17g",
                       what, r->se, want);
    } else {
        const double want = (double)(1 / sqrtl(sw));
        prop_check(close_to(r->se, want, EQ_TOL, want), seed, "%s: se %.17g, want %.17g", what, r->se,
                   want);
    }
    if (n < 2)
        return;
    {
        const double q = ref_qgen(y, v, n, 0), df = (double)n - 1;
        long double c;
        double vt;
        c = ref_dl_c(v, n, &sw0);
        vt = (double)(df / c);
        prop_check(close_to(r->q, q, EQ_TOL, q + 1), seed, "%s: Q %.17g, want %.17g", what, r->q, q);
        prop_check(close_to(r->vtypical, vt, EQ_TOL, vt), seed, "%s: v~ %.17g, want %.17g", what,
                   r->vtypical, vt);
        if (mtp_method_is_random(r->method) && !(r->notes & MTP_NOTE_TAU2_FIXED)) {
            const double i2 = 100 * r->tau2 / (r->tau2 + vt);
            double want = NAN;
            prop_check(close_to(r->i2, i2, EQ_TOL, 100), seed, "%s: I2 %.17g, want %.17g", what, r->i2,
                       i2);
            switch (r->method) {
            case MTP_METHOD_DL: want = (double)((q - df) / c); break;
            case MTP_METHOD_HS: want = (double)((q - (double)n) / sw0); break;
            case MTP_METHOD_HE: {
                long double ybar = 0, ss = 0, sv = 0;
                for (size_t i = 0; i < n; i++)
                    ybar += y[i], sv += v[i];
                ybar /= (long double)n;
                for (size_t i = 0; i < n; i++)
                    ss += (y[i] - ybar) * (y[i] - ybar);
                want = (double)(ss / df - sv / (long double)n);
                break;
            }
            case MTP_METHOD_SJ: {
                long double ybar = 0, ss = 0;
                for (size_t i = 0; i < n; i++)
                    ybar += y[i];
                ybar /= (long double)n;
                for (size_t i = 0; i < n; i++)
                    ss += (y[i] - ybar) * (y[i] - ybar);
                want = ss > 0 ? (double)(ss / (long double)n) * ref_qgen(y, v, n, (double)(ss / (long double)n)) / df : 0;
                break;
            }
            default: break;
            }
            if (!isnan(want)) {
                want = want < 0 ? 0 : want;
                prop_check(close_to(r->tau2, want, EQ_TOL, want + vt), seed, "%s: tau2 %.17g, want %.17g",
                           what, r->tau2, want);
            }
        }
    }
}

/* ---- estimating equations ---------------------------------------------- */

static void check_root(const mtp_result *r, const double *y, const double *v, size_t n, uint64_t seed,
                       const char *what)
{
    const double t = r->tau2, df = (double)n - 1;
    if (n < 2)
        return;
    switch (r->method) {
    case MTP_METHOD_PM:
    case MTP_METHOD_EB: {
        const double q = ref_qgen(y, v, n, t);
        if (t > 0)
            prop_check(fabs(q - df) <= ROOT_TOL * df, seed, "%s: Q_gen(%.17g) = %.17g, want k-1 = %g",
                       what, t, q, df);
        else
            prop_check(q <= df * (1 + ROOT_TOL), seed, "%s: estimate 0 but Q_gen(0) = %.17g > %g", what,
                       q, df);
        n_pm_roots++;
        break;
    }
    case MTP_METHOD_ML:
    case MTP_METHOD_REML: {
        const int reml = r->method == MTP_METHOD_REML;
        double scale, top, ll;
        const double s = ref_score(y, v, n, t, reml, &scale);
        if (t > 0)
            prop_check(fabs(s) <= ROOT_TOL * scale, seed, "%s: score(%.17g) = %.3g (terms %.3g)", what, t,
                       s, scale);
        else
            prop_check(s <= ROOT_TOL * scale, seed, "%s: estimate 0 but the score at 0 is %.3g > 0", what,
                       s);
        /* a maximum: nearby and on a grid */
        ll = ref_loglik(y, v, n, t, reml);
        if (t > 0) {
            const double lo = ref_loglik(y, v, n, t * (1 - 1e-4), reml);
            const double hi = ref_loglik(y, v, n, t * (1 + 1e-4), reml);
            prop_check(ll >= lo - 1e-13 * fabs(ll) && ll >= hi - 1e-13 * fabs(ll), seed,
                       "%s: not a local maximum: ll %.17g, nearby %.17g %.17g", what, ll, lo, hi);
        }
        {
            long double ybar = 0, ss = 0;
            double vmax = 0;
            for (size_t i = 0; i < n; i++)
                ybar += y[i], vmax = fmax(vmax, v[i]);
            ybar /= (long double)n;
            for (size_t i = 0; i < n; i++)
                ss += (y[i] - ybar) * (y[i] - ybar);
            top = 100 * fmax(vmax, (double)(ss / (long double)n));
        }
        /* The estimate is the likelihood's global maximum: nothing on a
         * grid over (0, 100 max(v_i, var(y))] is higher. The likelihood can
         * have several maxima (seed 6091, ML: 0 and 0.826; seed 6239, REML:
         * 2.9e-6 and 8.7e-5), so a single root search can stop at a local
         * one (it did, on about 0.7% of ML fits; see test_regressions.c,
         * test_ml_global_maximum). Counted and printed: estimates that are
         * not the first root of the score from the origin. */
        {
            int higher = 0, earlier = 0;
            for (int g = 1; g <= 200; g++) {
                const double tg = top * pow(10, -12.0 + 12.0 * g / 200);
                double sc;
                if (tg < t && ref_score(y, v, n, tg, reml, &sc) < -ROOT_TOL * sc)
                    earlier = 1;
                higher |= ref_loglik(y, v, n, tg, reml) > ll + 1e-12 * (fabs(ll) + 1);
            }
            n_not_global[reml] += (size_t)higher;
            n_not_first[reml] += (size_t)earlier;
            prop_check(!higher, seed,
                       "%s: the (restricted) likelihood at the estimate %.17g (%.17g) is not its "
                       "maximum on the grid", what, t, ll);
        }
        if (reml)
            n_reml_roots++;
        else
            n_ml_roots++;
        break;
    }
    default: break;
    }
}

/* The Q-profile CI at level index li. */
static void check_qprofile(const mtp_result *r, const double *y, const double *v, size_t n, size_t li,
                           uint64_t seed, const char *what)
{
    const size_t df = n - 1;
    double lo_q, hi_q, qg0, qt;
    int inside, q_inside;
    if (n < 2 || df > CHISQ_DFMAX)
        return;
    lo_q = chisq_lo[li][df - 1];
    hi_q = chisq_hi[li][df - 1];
    qg0 = ref_qgen(y, v, n, 0);
    /* lower bound */
    if (r->tau2_ci_lower > 0)
        prop_check(fabs(ref_qgen(y, v, n, r->tau2_ci_lower) - hi_q) <= QP_TOL * hi_q, seed,
                   "%s: Q_gen(L = %.17g) = %.17g, want %.17g", what, r->tau2_ci_lower,
                   ref_qgen(y, v, n, r->tau2_ci_lower), hi_q);
    else
        prop_check(qg0 <= hi_q * (1 + QP_TOL), seed, "%s: L = 0 but Q_gen(0) = %.17g > %.17g", what, qg0,
                   hi_q);
    /* upper bound */
    if (r->tau2_ci_upper > 0)
        prop_check(fabs(ref_qgen(y, v, n, r->tau2_ci_upper) - lo_q) <= QP_TOL * lo_q, seed,
                   "%s: Q_gen(U = %.17g) = %.17g, want %.17g", what, r->tau2_ci_upper,
                   ref_qgen(y, v, n, r->tau2_ci_upper), lo_q);
    else
        prop_check(qg0 <= lo_q * (1 + QP_TOL), seed, "%s: U = 0 but Q_gen(0) = %.17g > %.17g", what, qg0,
                   lo_q);
    n_qp_bounds += 2;

    /* the point estimate */
    inside = r->tau2_ci_lower <= r->tau2 && r->tau2 <= r->tau2_ci_upper;
    if (r->method == MTP_METHOD_PM || r->method == MTP_METHOD_EB) {
        prop_check(inside || chisq_levels[li] < 0.3654, seed,
                   "%s: PM/EB estimate %.17g outside its Q-profile CI [%.17g, %.17g]", what, r->tau2,
                   r->tau2_ci_lower, r->tau2_ci_upper);
    }
    qt = ref_qgen(y, v, n, r->tau2);
    /* away from the two quantiles (where rounding decides), the estimate is
     * inside exactly when Q_gen(estimate) is between them; a zero estimate
     * with Q_gen(0) below chi2_lo is inside [0, 0] */
    if (fabs(qt - lo_q) > QP_TOL * lo_q && fabs(qt - hi_q) > QP_TOL * hi_q) {
        q_inside = (qt <= hi_q && qt >= lo_q) || (r->tau2 == 0 && qt <= hi_q);
        prop_check(inside == q_inside, seed,
                   "%s: estimate %.17g %s [%.17g, %.17g] but Q_gen(estimate) = %.17g is %s "
                   "[%.17g, %.17g]", what, r->tau2, inside ? "in" : "outside", r->tau2_ci_lower,
                   r->tau2_ci_upper, qt, q_inside ? "in" : "outside", lo_q, hi_q);
    }
    if (li == 0) {
        n_random_fits[r->method]++;
        n_outside[r->method] += !inside;
    }
}

/* One data set (given as the studies of a fit), every option combination. */
typedef int (*fit_fn)(mtp_result *r, mtp_workspace *ws, const void *data, size_t k,
                      const mtp_options *o, mtp_error *err);

static int fit_effects(mtp_result *r, mtp_workspace *ws, const void *data, size_t k,
                       const mtp_options *o, mtp_error *err)
{
    return mtp_pool_effects(r, ws, data, k, o, err);
}

static int fit_tables(mtp_result *r, mtp_workspace *ws, const void *data, size_t k,
                      const mtp_options *o, mtp_error *err)
{
    return mtp_pool_2x2(r, ws, data, k, o, err);
}

static void check_data_set(mtp_workspace *ws, fit_fn fit, const void *data, size_t k,
                           mtp_measure measure, uint64_t seed)
{
    for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++)
        for (int variant = 0; variant < 4; variant++) {
            mtp_options o = opts_default();
            mtp_result r;
            mtp_error err;
            double y[PROP_KMAX], v[PROP_KMAX];
            size_t n;
            const mtp_study *st;
            char what[80];
            int rc;
            o.measure = measure;
            o.method = prop_iv_methods[m];
            /* variants: z + t(k-2) PI; knha + t(k-1) PI; z + normal PI at 90%;
             * knha + normal PI at 50%, Q-based I2 */
            o.test = variant & 1 ? MTP_TEST_KNHA : MTP_TEST_Z;
            o.pi = variant == 0 ? MTP_PI_T_K2 : variant == 1 ? MTP_PI_T_K1 : MTP_PI_NORMAL;
            o.level = variant == 2 ? 0.90 : variant == 3 ? 0.50 : 0.95;
            o.i2_def = variant == 3 ? MTP_I2_Q : MTP_I2_AUTO;
            if ((o.test == MTP_TEST_KNHA || o.pi != MTP_PI_T_K2) && !mtp_method_is_random(o.method))
                continue;
            snprintf(what, sizeof what, "k=%zu %s %s %s pi%d level %g", k, mtp_measure_name(measure),
                     mtp_method_name(o.method), o.test ? "knha" : "z", (int)o.pi, o.level);
            rc = fit(&r, ws, data, k, &o, &err);
            if (rc != MTP_OK) {
                /* only 2x2 data sets can fail: every table dropped */
                prop_check(fit == fit_tables && rc == MTP_ETOOFEW, seed, "%s: %d %s", what, rc,
                           err.message);
                return;
            }
            n_fits++;
            st = mtp_workspace_studies(ws);
            check_invariants(&r, st, k, &o, seed, what);
            n = used_studies(st, k, y, v);
            prop_check(n == r.k_used, seed, "%s: %zu studies with an effect, k_used %zu", what, n,
                       r.k_used);
            if (o.i2_def == MTP_I2_AUTO)
                check_formulas(&r, y, v, n, seed, what);
            if (variant == 0)
                check_root(&r, y, v, n, seed, what);
            if (mtp_method_is_random(o.method))
                check_qprofile(&r, y, v, n, variant == 2 ? 1 : variant == 3 ? 2 : 0, seed, what);
        }
}

static void print_counts(const char *what)
{
    print_message("%s: %zu fits checked; %zu PM/EB, %zu ML and %zu REML roots; %zu Q-profile bounds\n",
                  what, n_fits, n_pm_roots, n_ml_roots, n_reml_roots, n_qp_bounds);
    print_message("  estimates that are a local, not the global, maximum: ML %zu/%zu, REML %zu/%zu;"
                  " not the first root: ML %zu, REML %zu\n", n_not_global[0], n_ml_roots,
                  n_not_global[1], n_reml_roots, n_not_first[0], n_not_first[1]);
    print_message("  share of 95%% Q-profile CIs missing the estimate:");
    for (int m = MTP_METHOD_DL; m <= MTP_METHOD_EB; m++)
        print_message(" %s %zu/%zu", mtp_method_name((mtp_method)m), n_outside[m], n_random_fits[m]);
    print_message("\n");
}

static void reset_counts(void)
{
    n_fits = n_pm_roots = n_ml_roots = n_reml_roots = n_qp_bounds = 0;
    n_not_global[0] = n_not_global[1] = n_not_first[0] = n_not_first[1] = 0;
    memset(n_outside, 0, sizeof n_outside);
    memset(n_random_fits, 0, sizeof n_random_fits);
}

static void test_effects(void **state)
{
    reset_counts();
    for (uint64_t seed = 6001; seed <= 6000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_effect e[PROP_KMAX];
        size_t k;
        gen_effects(&p, e, &k);
        check_data_set(*state, fit_effects, e, k, MTP_MEASURE_GENERIC, seed);
    }
    print_counts("generic effects");
}

static void test_tables(void **state)
{
    static const mtp_measure measures[] = {MTP_MEASURE_RR, MTP_MEASURE_OR, MTP_MEASURE_RD};
    reset_counts();
    for (uint64_t seed = 7001; seed <= 7000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_table2x2 t[PROP_KMAX];
        size_t k;
        gen_tables(&p, t, &k);
        check_data_set(*state, fit_tables, t, k, measures[seed % 3], seed);
    }
    print_counts("2x2 tables");
}

/* Below level 0.3654 the PM estimate can leave its own Q-profile CI: at
 * level 0.30 with k = 2, chi2_{1, 0.65} = 0.873 < 1 = k - 1, so a positive PM
 * estimate (Q_gen = 1) lies below L (Q_gen(L) = 0.873). */
static void test_pm_outside_at_low_level(void **state)
{
    size_t positive = 0;
    for (uint64_t seed = 8001; seed <= 8000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_effect e[2];
        mtp_options o = opts_default();
        mtp_result r;
        mtp_error err;
        e[0].vi = exp(prng_range(&p, -5, 0));
        e[1].vi = exp(prng_range(&p, -5, 0));
        e[0].yi = prng_norm(&p);
        e[1].yi = prng_norm(&p);
        o.method = seed & 1 ? MTP_METHOD_PM : MTP_METHOD_EB;
        o.level = 0.30;
        prop_check(mtp_pool_effects(&r, *state, e, 2, &o, &err) == MTP_OK, seed, "%s", err.message);
        assert_true(chisq_hi[3][0] < 1); /* the table's level 0.30 row: 0.873 */
        /* Q_gen(estimate) >= 1 > 0.873 = Q_gen(L) whenever L > 0, so the
         * estimate never exceeds L, and lies strictly below it when positive */
        prop_check(r.tau2 <= r.tau2_ci_lower, seed, "PM %.17g above L = %.17g", r.tau2,
                   r.tau2_ci_lower);
        if (r.tau2 > 0) {
            positive++;
            prop_check(r.tau2 < r.tau2_ci_lower, seed, "PM %.17g not below L = %.17g", r.tau2,
                       r.tau2_ci_lower);
        }
    }
    assert_true(positive > N_SETS / 4);
    print_message("level 0.30, k = 2: %zu positive PM/EB estimates, all below their CI\n", positive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_effects, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_tables, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_pm_outside_at_low_level, prop_setup_ws, prop_teardown_ws),
    };
    return cmocka_run_group_tests_name("property.equations", tests, NULL, NULL);
}
