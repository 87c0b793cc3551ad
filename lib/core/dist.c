/* Distribution functions that never reach GSL's error handler (issue 13).
 *
 * GSL's cumulative distribution functions report trouble through
 * gsl_error(), whose default handler aborts the process, and the library
 * must neither abort nor change the process-wide handler. This file calls
 * GSL only with arguments for which GSL provably returns without calling
 * gsl_error() (and, measured against R and mpmath, returns an accurate
 * value); everywhere else it computes the value itself. What GSL 2.7 does
 * wrong where is documented in docs/extremes.md, section "Distribution
 * functions at extreme arguments"; in short:
 *   - gsl_cdf_gamma_Pinv (so gsl_cdf_chisq_Pinv) calls GSL_ERROR ("inverse
 *     failed to converge") when 33 Newton steps from its crude start have
 *     not converged: df <= 0.2 for most p, and from df ~ 5.6e4 (p = 0.975),
 *     5.6e5 (p = 0.025) or 3e4 (p <= 1e-10); gsl_cdf_gamma_Qinv has no such
 *     check and returns unconverged values;
 *   - gsl_sf_gamma_inc_Q/P (so gsl_cdf_chisq_Q/P and the inverses) call
 *     GSL_ERROR ("error in large x asymptotic", GSL_EMAXITER) for
 *     df > ~2.2e6 and x between df + sqrt(2 df) and 1.006 df, and lose
 *     digits around the mean from df ~ 2e4 (1e-2 relative at df = 1e6);
 *   - gsl_cdf_tdist_Q uses a Cornish-Fisher expansion for df > 30 that is
 *     off by up to 4e-7 in the tails (df 30 to 1000), and gsl_cdf_tdist_Qinv
 *     returns NaN, Inf or values wrong in every digit for df < 1 or p in
 *     the far tails;
 *   - gsl_cdf_fdist_Q returns NaN (beta continued fraction stopped at 512
 *     terms) or values wrong in the leading digit when a df exceeds 1e4;
 *   - gsl_sf_lnbeta and gsl_sf_gamma_inc_P call GSL_ERROR for a zero
 *     parameter (a df below 2 DBL_TRUE_MIN, halved), gsl_sf_gammastar for a
 *     subnormal one (overflow).
 *
 * Used from GSL: gsl_cdf_ugaussian_Q/Qinv (Cody's and Wichura's rational
 * approximations, no error path), gsl_sf_gamma_inc_Q/P for shapes a =
 * df/2 < 500 (no error path there, measured accuracy 3e-13), gsl_sf_gammastar
 * for x >= 1e-300, gsl_sf_lngamma and gsl_sf_lnbeta for positive arguments
 * (no error path). Everything else is below. Cost: a tail takes well under
 * a microsecond to some tens of them, a quantile up to a few dozen tails;
 * only F with both df above 1e13 is slow (the continued fraction then needs
 * up to 1e6 terms: up to 0.8 s a call).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "dist.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MTP_LN_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/* log(1 + x) - x for x > -1, to a few ulps. For -0.6 <= x <= 1.5 the
 * series in r = x/(2 + x) (log(1 + x) = 2 atanh(r), A&S 4.1.27) avoids the
 * cancellation of log1p(x) - x: with x = 2r/(1 - r) it is
 * -r x + 2 r^3 (1/3 + r^2/5 + r^4/7 + ...), all terms of one sign but the
 * first, |r| <= 3/7. Outside that range log1p(x) - x loses < 2 bits. */
static double log1pmx(double x)
{
    if (x < -0.6 || x > 1.5)
        return log1p(x) - x;
    {
        const double r = x / (2 + x), r2 = r * r;
        double s = 0, p = 1;
        for (int k = 0; k < 60; k++) {
            const double t = p / (2 * k + 3);
            s += t;
            if (t < 1e-17 * s)
                break;
            p *= r2;
        }
        return -r * x + 2 * r * r2 * s;
    }
}

/* Bit pattern of a non-negative double, and back: the order of the
 * patterns is the order of the numbers, so halving the pattern range
 * bisects [lo, hi] in at most 64 steps whatever the magnitudes. */
static uint64_t dbits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static double bitsd(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* A monotone tail probability to invert: logtail(x) = log of the tail
 * (upper: decreasing in x; lower: increasing), logdens(x) = log density. */
typedef struct root_problem {
    double (*logtail)(double x, const struct root_problem *pr);
    double (*logdens)(double x, const struct root_problem *pr);
    double a, b;   /* parameters of the distribution */
    int upper;     /* 1: upper tail (decreasing), 0: lower tail */
} root_problem;

/* The x in [0, +Inf] with logtail(x) = target (target finite, the tail
 * being on the other side of the target at 0 and at +Inf): safeguarded
 * Newton on log(tail), in the manner of rtsafe (Press et al., Numerical
 * Recipes, 3rd ed., 9.4): a Newton step is taken when it stays inside the
 * bracket known so far and shrinks at least as fast as bisection would;
 * otherwise the bracket is halved in the bit patterns of its ends, which
 * ends the search in at most 64 halvings. Newton on the log of the tail is
 * close to linear in the far tails, where Newton on the tail itself crawls.
 * Returns 0 when the root is below the smallest positive double, +Inf when
 * it is above the largest. */
static double invert(const root_problem *pr, double target, double x0)
{
    double lo = 0, hi = INFINITY; /* root in [lo, hi] */
    double x = x0, dx_old = INFINITY, dx = INFINITY;
    if (!(x > 0) || !isfinite(x))
        x = 1;
    for (int iter = 0; iter < 400; iter++) {
        const double v = pr->logtail(x, pr);
        const double g = v - target; /* sign tells on which side the root is */
        int root_above;
        if (g == 0)
            return x;
        if (isnan(g))
            root_above = 0; /* cannot happen for valid problems; shrink anyway */
        else
            root_above = pr->upper ? g > 0 : g < 0;
        if (root_above)
            lo = x;
        else
            hi = x;
        if (hi <= lo || nextafter(lo, INFINITY) >= hi)
            break;
        {
            double xn = NAN;
            if (isfinite(v)) {
                const double slope = (pr->upper ? -1 : 1) * exp(pr->logdens(x, pr) - v);
                if (slope != 0 && isfinite(slope))
                    xn = x - g / slope;
            }
            dx_old = dx;
            if (xn > lo && xn < hi && fabs(xn - x) <= 0.5 * dx_old) {
                dx = fabs(xn - x);
                if (dx <= 4 * DBL_EPSILON * x) /* Newton converged */
                    return xn;
                x = xn;
            } else {
                const uint64_t bl = dbits(lo), bh = dbits(hi);
                x = bitsd(bl + (bh - bl) / 2);
                dx = hi - lo;
                if (!(x > lo) || !(x < hi))
                    break;
            }
        }
    }
    /* bracket exhausted: the nearer end */
    if (hi == INFINITY)
        return lo == DBL_MAX ? INFINITY : lo;
    if (lo == 0 || hi < 4 * DBL_TRUE_MIN) /* below the subnormals: 0, as R */
        return hi < 4 * DBL_TRUE_MIN ? 0 : hi;
    {
        const double gl = fabs(pr->logtail(lo, pr) - target);
        const double gh = fabs(pr->logtail(hi, pr) - target);
        return gl <= gh ? lo : hi;
    }
}

/* Gamma*(x) = Gamma(x) / (sqrt(2 pi) x^(x - 1/2) e^-x) for x > 0:
 * gsl_sf_gammastar, whose exp() overflows (GSL_EOVRFLW, handler called) for
 * subnormal x; below 1e-300 its logarithm is formed here instead
 * (Gamma*(x) ~ 1/sqrt(2 pi x) there, about 1e162 at most). */
static double gammastar(double x)
{
    if (x >= 1e-300)
        return gsl_sf_gammastar(x);
    return exp(gsl_sf_lngamma(x) - (x - 0.5) * log(x) + x - MTP_LN_SQRT_2PI);
}

/* ---------------------------------------------------------------------- */
/* Normal                                                                  */

/* gsl_cdf_ugaussian_Q: Cody (1969, Math Comp 23:631) rational Chebyshev
 * approximations of erfc, relative accuracy ~1e-16 in both tails; no error
 * path in GSL. */
double mtp__pnorm_upper(double z)
{
    if (isnan(z))
        return NAN;
    return gsl_cdf_ugaussian_Q(z);
}

/* gsl_cdf_ugaussian_Qinv: Wichura's AS 241 (1988, Appl Stat 37:477),
 * PPND16, relative accuracy ~1e-16 down to p = 1e-300; GSL itself maps 0 and
 * 1 to +-Inf and has no error path, but would return NaN from log() of
 * arguments outside [0, 1] only by accident, so the domain is checked here. */
double mtp__qnorm_upper(double p)
{
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    if (p == 0)
        return INFINITY;
    if (p == 1)
        return -INFINITY;
    return gsl_cdf_ugaussian_Qinv(p);
}

/* ---------------------------------------------------------------------- */
/* Gamma (chi-square = gamma with shape df/2, scale 2)                     */

/* Shape from which the uniform asymptotic expansion replaces GSL. Below it
 * GSL's series and continued fractions are accurate to ~1e-13 (measured)
 * and have no error path; above it they lose digits (from a ~ 1e4) and call
 * GSL_ERROR (from a ~ 1e6), and the expansion below is accurate. */
#define GAMMA_TEMME_MIN 500.0

/* Coefficients of c_k(eta) = sum_n C_k[n] eta^n, k = 0..3, in Temme's
 * uniform expansion below (Temme 1979, SIAM J Math Anal 10:757; DLMF 8.12.8
 * to 8.12.11), computed in exact rational arithmetic by
 * tests/unit/make_temme_coefficients.py; the series converge for
 * |eta| < 2 sqrt(pi) and 26 terms give 1e-16 at |eta| = 1. The leading ones are
 * c_0 = -1/3 + eta/12 - 2 eta^2/135 ..., c_1 = -1/540 - eta/288 ...,
 * c_2 = 25/6048 ..., c_3 = 101/155520 ... (DLMF 8.12.9). */
static const double TEMME_C0[26] = {
    -3.33333333333333315e-01, 8.33333333333333287e-02, -1.48148148148148154e-02,
    1.15740740740740734e-03, 3.52733686067019424e-04, -1.78755144032921798e-04,
    3.91926317852243767e-05, -2.18544851067999198e-06, -1.85406221071515997e-06,
    8.29671134095308652e-07, -1.76659527368260782e-07, 6.70785354340149841e-09,
    1.02618097842403086e-08, -4.38203601845335294e-09, 9.14769958223679021e-10,
    -2.55141939949462482e-11, -5.83077213255042561e-11, 2.43619480206674150e-11,
    -5.02766928011417551e-12, 1.10043920319561348e-13, 3.37176326240098514e-13,
    -1.39238872241816207e-13, 2.85348938070474453e-14, -5.13911183424257231e-16,
    -1.97522882943494422e-15, 8.09952115670456128e-16
};
static const double TEMME_C1[26] = {
    -1.85185185185185192e-03, -3.47222222222222203e-03, 2.64550264550264536e-03,
    -9.90226337448559630e-04, 2.05761316872427979e-04, -4.01877572016460897e-07,
    -1.80985503344899767e-05, 7.64916091608110982e-06, -1.61209008945634465e-06,
    4.64712780280743402e-09, 1.37863344691572092e-07, -5.75254560351770471e-08,
    1.19516285997781477e-08, -1.75432417197476467e-11, -1.00915437106004126e-09,
    4.16279299184258280e-10, -8.56390702649298013e-11, 6.06721510160475823e-14,
    7.16249896481148557e-12, -2.93318664377143705e-12, 5.99669636568368853e-13,
    -2.16717865273233131e-16, -4.97833997236926173e-14, 2.02916288237134252e-14,
    -4.13125571381060994e-15, 8.28651623988309668e-19
};
static const double TEMME_C2[26] = {
    4.13359788359788337e-03, -2.68132716049382727e-03, 7.71604938271604895e-04,
    2.00938786008230470e-06, -1.07366532263651599e-04, 5.29234488291201250e-05,
    -1.27606351886187284e-05, 3.42357873409613781e-08, 1.37219573090629342e-06,
    -6.29899213838005482e-07, 1.42806142060642425e-07, -2.04770984219908661e-10,
    -1.40925299108675203e-08, 6.22897408492202184e-09, -1.36704883966171141e-09,
    9.42835615901467795e-13, 1.28722524000893180e-10, -5.56459561343633233e-11,
    1.19759355463669806e-11, -4.16897822518386344e-15, -1.09406404278845948e-12,
    4.66223994639013565e-13, -9.90510576390690656e-14, 1.89318767683735153e-17,
    8.85922187259112653e-15, -3.73782039804640529e-15
};
static const double TEMME_C3[26] = {
    6.49434156378600773e-04, 2.29472093621399168e-04, -4.69189494395255702e-04,
    2.67720632062838854e-04, -7.56180167188397662e-05, -2.39650511386729680e-07,
    1.10826541153473025e-05, -5.67495282699159655e-06, 1.42309007324358833e-06,
    -2.78610802915281434e-11, -1.69584040919302782e-07, 8.09946490538808268e-08,
    -1.91111684859736545e-08, 2.39286204398081180e-12, 2.06201318154887967e-09,
    -9.46049666185513302e-10, 2.15410497757749067e-10, -1.38882333681390304e-14,
    -2.18947616819639379e-11, 9.79099895117168436e-12, -2.17821918801809609e-12,
    6.20881957340790081e-17, 2.12697836327973708e-13, -9.34468879151743301e-14,
    2.04536712267828492e-14, -2.58260790403495020e-19
};

static double poly26(const double *c, double x)
{
    double s = 0;
    for (int i = 25; i >= 0; i--)
        s = s * x + c[i];
    return s;
}

/* log(y/a) - y/a + 1 = log1pmx((y - a)/a) <= 0, for y > 0, a > 0. */
static double gamma_lnterm(double a, double y)
{
    if (y < 0.5 * a)
        return log(y / a) - y / a + 1; /* no cancellation: log term dominates */
    return log1pmx((y - a) / a);
}

/* Regularized incomplete gamma Q(a, y) (upper) or P(a, y) (lower) for
 * a >= GAMMA_TEMME_MIN, y > 0 finite, by Temme's uniform asymptotic
 * expansion (Temme 1979; DLMF 8.12.8): with lambda = y/a and
 * eta^2/2 = lambda - 1 - log(lambda), sign(eta) = sign(lambda - 1),
 *   Q = erfc(eta sqrt(a/2))/2 + exp(-a eta^2/2)/sqrt(2 pi a) S,
 *   P = erfc(-eta sqrt(a/2))/2 - exp(-a eta^2/2)/sqrt(2 pi a) S,
 *   S = c_0(eta) + c_1(eta)/a + c_2(eta)/a^2 + c_3(eta)/a^3.
 * It is uniform in y: the error is O(a^-4) relative to the correction term,
 * below 1e-15 of the result for a >= 500; the remaining error (up to 3e-13
 * where the result is near 1e-300) is the rounding of a eta^2/2 ~ 700 in the
 * exponent, which R and mpmath share. c_0 and c_1 have the closed forms of
 * DLMF 8.12.9/8.12.10 (used for |eta| > 0.5, where they do not cancel),
 * c_2 and c_3 enter with 1/a^2 and less, so their series suffice even at
 * the |eta| ~ 1.7 beyond which every result is 0 or 1 in double. */
static double gamma_temme(double a, double y, int upper)
{
    const double lnt = gamma_lnterm(a, y);
    const double expo = -a * lnt; /* a eta^2 / 2 >= 0 */
    const double eta = (y < a ? -1 : 1) * sqrt(-2 * lnt);
    double c0, c1, s, r;
    if (expo > 800) /* both terms underflow: the tail is 0 (or 1) */
        return (y > a) == (upper != 0) ? 0 : 1;
    if (fabs(eta) > 0.5) {
        const double e = (y - a) / a; /* lambda - 1 */
        c0 = 1 / e - 1 / eta;
        c1 = 1 / (eta * eta * eta) - 1 / (e * e * e) - 1 / (e * e) - 1 / (12 * e);
    } else {
        c0 = poly26(TEMME_C0, eta);
        c1 = poly26(TEMME_C1, eta);
    }
    s = c0 + (c1 + (poly26(TEMME_C2, eta) + poly26(TEMME_C3, eta) / a) / a) / a;
    r = exp(-expo) / (2.5066282746310002 * sqrt(a)) * s; /* sqrt(2 pi) */
    {
        const double w = eta * sqrt(0.5 * a);
        return upper ? 0.5 * erfc(w) + r : 0.5 * erfc(-w) - r;
    }
}

/* Q(a, y) or P(a, y) for a > 0, y >= 0 (y = +Inf allowed). Below
 * GAMMA_TEMME_MIN GSL's gsl_sf_gamma_inc_Q/P (series, Legendre continued
 * fraction, Temme's small-a series): for 0 < a < 500 and 0 < y < Inf none of
 * their error paths (GSL_EMAXITER of the series and fractions, GSL_EDOM for
 * a = 0 in P) can be reached: the series stop within 10000 terms for
 * y < a + 10000 and the fractions within 5000 for a < 1e6, and the large-x
 * asymptotic series (the one that fails) is reached only for y > 1e6 > a,
 * where it converges within 60 terms. */
static double gamma_tail(double a, double y, int upper)
{
    if (y <= 0)
        return upper ? 1 : 0;
    if (y == INFINITY)
        return upper ? 0 : 1;
    if (a >= GAMMA_TEMME_MIN)
        return gamma_temme(a, y, upper);
    return upper ? gsl_sf_gamma_inc_Q(a, y) : gsl_sf_gamma_inc_P(a, y);
}

/* log of the gamma(a) density at y > 0: -log y + a lnterm(a, y)
 * + log(sqrt(a/(2 pi))) - log Gamma*(a), with Gamma*(a) = Gamma(a) /
 * (sqrt(2 pi) a^(a - 1/2) e^-a) (gsl_sf_gammastar, Stirling's series for
 * large a): no cancellation of terms of size a, unlike
 * (a - 1) log y - y - lgamma(a). Only steers Newton's steps. */
static double gamma_logdens(double a, double y)
{
    return -log(y) + a * gamma_lnterm(a, y) + 0.5 * log(a) - MTP_LN_SQRT_2PI -
           log(gammastar(a));
}

/* Chi-square in x with df = 2a: tail of gamma(a) at x/2. */
static double chisq_logtail(double x, const root_problem *pr)
{
    return log(gamma_tail(pr->a, 0.5 * x, pr->upper));
}
static double chisq_logdens(double x, const root_problem *pr)
{
    return gamma_logdens(pr->a, 0.5 * x) - 0.69314718055994530942; /* log 2 */
}

/* A degree of freedom the functions accept: > 0, possibly +Inf. */
static int chisq_df_ok(double df)
{
    return !isnan(df) && df > 0;
}

/* P(X > x) = Q(df/2, x/2). A df below 2 DBL_TRUE_MIN, whose half is 0,
 * gives the limit df -> 0 (all mass at 0), as R's pchisq with df = 0. */
double mtp__pchisq_upper(double x, double df)
{
    if (isnan(x) || !chisq_df_ok(df))
        return NAN;
    if (df == INFINITY)
        return x == INFINITY ? 0 : 1;
    if (x <= 0)
        return 1;
    if (0.5 * df == 0)
        return 0;
    return gamma_tail(0.5 * df, 0.5 * x, 1);
}

/* P(X <= x), for the F distribution with df1 = Inf (df finite, > 0). */
static double chisq_lower_cdf(double x, double df)
{
    if (x <= 0)
        return 0;
    if (0.5 * df == 0)
        return 1;
    return gamma_tail(0.5 * df, 0.5 * x, 0);
}

/* The chi-square quantile with upper probability q = 1 - p (both given, the
 * smaller one is used so that no digits are lost to 1 - p). Start: the
 * Wilson-Hilferty cube (Wilson & Hilferty 1931, PNAS 17:684; A&S 26.4.17)
 * x = df (1 - 2/(9 df) + z sqrt(2/(9 df)))^3 with z the normal quantile,
 * close to 1e-3 relative for df > 10 and exact in the limit; for small df
 * or where the cube is not positive, the lower-tail power law
 * P(x) ~ (x/2)^a / Gamma(a + 1) (A&S 6.5.29). Then invert() on GSL's or
 * Temme's tail, which gives the root to a few ulps. */
static double chisq_quantile(double p_lower, double q_upper, double df)
{
    const double a = 0.5 * df;
    root_problem pr = {chisq_logtail, chisq_logdens, a, 0, 1};
    double target, x0;
    const double z = p_lower <= q_upper ? -mtp__qnorm_upper(p_lower) : mtp__qnorm_upper(q_upper);
    const double c = 2 / (9 * df), wh = 1 - c + z * sqrt(c);
    if (a == 0)
        return 0;
    if (p_lower <= q_upper) {
        pr.upper = 0;
        target = log(p_lower);
    } else {
        pr.upper = 1;
        target = log(q_upper);
    }
    x0 = df * wh * wh * wh;
    if (!(wh > 0.1) || (df < 2 && p_lower < 0.5)) {
        const double lx = (log(p_lower) + gsl_sf_lngamma(a + 1)) / a;
        x0 = 2 * exp(lx < 700 ? lx : 700);
        if (!(x0 > 0))
            x0 = DBL_MIN;
    }
    return invert(&pr, target, x0);
}

double mtp__qchisq_upper(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || !chisq_df_ok(df))
        return NAN;
    if (p == 0 || df == INFINITY)
        return INFINITY;
    if (p == 1)
        return 0;
    /* 1 - p is exact for p >= 1/2 (Sterbenz), and used only then */
    return chisq_quantile(p >= 0.5 ? 1 - p : 0.5, p, df) ;
}

double mtp__qchisq_lower(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || !chisq_df_ok(df))
        return NAN;
    if (p == 1 || df == INFINITY)
        return INFINITY;
    if (p == 0)
        return 0;
    return chisq_quantile(p, p >= 0.5 ? 1 - p : 0.5, df);
}

/* ---------------------------------------------------------------------- */
/* Incomplete beta, for Student's t and Fisher's F                         */

/* The arguments of I_x(a, b), each computed by the caller from the
 * distribution's own arguments so that none has lost digits: x and
 * y = 1 - x (either may underflow), rx = x/x0 and ry = y/y0 with x0 = a/(a+b)
 * and y0 = b/(a+b) the mean, their logs (finite even where rx or ry
 * underflow), and e1 = rx - 1, e2 = ry - 1 (accurate where > -0.5). */
typedef struct beta_args {
    double a, b, x, y, rx, ry, lrx, lry, e1, e2;
    double rx1, rx2, ry1, ry2; /* rx = rx1 rx2, ry = ry1 ry2, for when rx, ry underflow */
} beta_args;

/* (x/x0)^a exp(-a (x/x0 - 1)) = exp(a L1), L1 = log(rx) - (rx - 1) <= 0:
 * near the mean from log1pmx(e1); far below it as pow(rx, a) exp(-a e1),
 * whose relative error is a times that of rx (the exp of a log would
 * multiply it by |a log rx|, which is 345 for t = 1e150 with 1 df). */
static double beta_factor(double a, double rx, double rx1, double rx2, double lrx, double e1)
{
    if (e1 > -0.5)
        return exp(a * log1pmx(e1));
    if (a <= 700 && rx >= DBL_MIN)
        return pow(rx, a) * exp(-a * e1);
    if (a <= 700 && rx2 != 1) /* rx underflowed (or is subnormal): rx = rx1 rx2 */
        return pow(rx1, a) * pow(rx2, a) * exp(-a * e1);
    return exp(a * (lrx - e1));
}

/* x^a y^b / B(a, b), as DiDonato & Morris's BRCOMP (1992, ACM TOMS 18:360,
 * Algorithm 708) computes it for large parameters: with Stirling's form
 * B(a, b) = sqrt(2 pi) a^(a-1/2) b^(b-1/2) / (a+b)^(a+b-1/2)
 *           * Gamma*(a) Gamma*(b) / Gamma*(a+b),
 * it is exp(a L1) exp(b L2) sqrt(a b / (2 pi (a + b)))
 *        * Gamma*(a+b) / (Gamma*(a) Gamma*(b))
 * (L1, L2 as in beta_factor): the terms of size a and b of
 * a log x + b log y - log B(a, b) cancel analytically and L1, L2 <= 0 have
 * one sign, so the result keeps its digits for any a, b > 0 (the direct
 * form loses log10(a) of them). Gamma* is gsl_sf_gammastar. */
static double beta_prefix(const beta_args *s)
{
    const double a = s->a, b = s->b;
    return beta_factor(a, s->rx, s->rx1, s->rx2, s->lrx, s->e1) *
           beta_factor(b, s->ry, s->ry1, s->ry2, s->lry, s->e2) *
           (sqrt(a / (a + b)) * sqrt(b) / 2.5066282746310002) *
           (gammastar(a + b) / gammastar(a) / gammastar(b));
}

/* Double-double arithmetic (Dekker 1971, Numer Math 18:224; the error-free
 * sum of Knuth, TAOCP 4.2.2, and product by fma): about 106 bits, for the
 * continued fraction below. */
typedef struct dd {
    double hi, lo;
} dd;
static dd dd_fast_sum(double a, double b) /* |a| >= |b| */
{
    const double s = a + b;
    const dd r = {s, b - (s - a)};
    return r;
}
static dd dd_sum(double a, double b)
{
    const double s = a + b, bb = s - a;
    const dd r = {s, (a - (s - bb)) + (b - bb)};
    return r;
}
static dd dd_add(dd a, dd b)
{
    const dd s = dd_sum(a.hi, b.hi);
    return dd_fast_sum(s.hi, s.lo + a.lo + b.lo);
}
static dd dd_mul(dd a, dd b)
{
    const double p = a.hi * b.hi;
    return dd_fast_sum(p, fma(a.hi, b.hi, -p) + a.hi * b.lo + a.lo * b.hi);
}
static dd dd_div(dd a, dd b)
{
    const double q1 = a.hi / b.hi;
    const dd r = dd_add(a, dd_mul(b, (dd){-q1, 0}));
    const double q2 = r.hi / b.hi;
    const dd r2 = dd_add(r, dd_mul(b, (dd){-q2, 0}));
    return dd_add(dd_fast_sum(q1, q2), (dd){r2.hi / b.hi, 0});
}
static dd dd_d(double a)
{
    const dd r = {a, 0};
    return r;
}

/* Continued fraction of I_x(a, b) (DLMF 8.17.22; Didonato & Morris 1992),
 * I_x(a, b) = x^a y^b / (a B(a, b)) / (1 + d1/(1 + d2/(1 + ...))),
 *   d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
 *   d_{2m}   = m (b - m) x / ((a + 2m - 1)(a + 2m)),
 * evaluated by the modified Lentz method (Thompson & Barnett 1986, J Comput
 * Phys 64:490). It converges fast for x < (a + 1)/(a + b + 2); elsewhere in
 * O(sqrt(a y)) terms, and at that point in O(min(a, b)^0.3) (35,000 for
 * a = b = 5e11). When a >> b its mean is near 1 and 1 + d_k cancels to
 * about y + 1/a: in double that lost log10(a/b) digits (a relative error of
 * 3e-5 for F(5, 1e12)), so the fraction is evaluated in double-double, with
 * x = 1 - y exact and a + m, a + 2m, ... exact. x is given by x and y
 * (= 1 - x), the smaller one being the accurate one. Returns NaN if it has
 * not converged within maxit terms. */
static double beta_cf(double a, double b, double x, double y, long maxit)
{
    const double tiny = 1e-300;
    const dd one = dd_d(1);
    const dd xx = x <= 0.5 ? dd_d(x) : dd_sum(1, -y);
    const dd ad = dd_d(a), abd = dd_sum(a, b);
    dd c = one, d, h;
    d = dd_add(one, dd_div(dd_mul(dd_mul(abd, xx), dd_d(-1)), dd_sum(a, 1)));
    if (fabs(d.hi) < tiny)
        d = dd_d(tiny);
    d = dd_div(one, d);
    h = d;
    for (long m = 1; m <= maxit; m++) {
        const double dm = (double)m;
        dd aa, del;
        /* even step: m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        aa = dd_div(dd_mul(dd_mul(dd_d(dm), dd_sum(b, -dm)), xx),
                    dd_mul(dd_add(ad, dd_d(2 * dm - 1)), dd_add(ad, dd_d(2 * dm))));
        d = dd_add(one, dd_mul(aa, d));
        c = dd_add(one, dd_div(aa, c));
        if (fabs(d.hi) < tiny)
            d = dd_d(tiny);
        if (fabs(c.hi) < tiny)
            c = dd_d(tiny);
        d = dd_div(one, d);
        h = dd_mul(h, dd_mul(d, c));
        /* odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        aa = dd_div(dd_mul(dd_mul(dd_add(ad, dd_d(dm)), dd_add(abd, dd_d(dm))), xx),
                    dd_mul(dd_add(ad, dd_d(2 * dm)), dd_add(ad, dd_d(2 * dm + 1))));
        aa.hi = -aa.hi;
        aa.lo = -aa.lo;
        d = dd_add(one, dd_mul(aa, d));
        c = dd_add(one, dd_div(aa, c));
        if (fabs(d.hi) < tiny)
            d = dd_d(tiny);
        if (fabs(c.hi) < tiny)
            c = dd_d(tiny);
        d = dd_div(one, d);
        del = dd_mul(d, c);
        h = dd_mul(h, del);
        if (fabs(del.hi - 1 + del.lo) < 1e-17)
            return h.hi + h.lo;
    }
    return NAN;
}

#define BETA_CF_MAXIT 4000000L

/* I_x(a, b) (lower = 1) or 1 - I_x(a, b) = I_y(b, a) (lower = 0): the
 * fraction is evaluated on the side where it converges fast, and the other
 * tail taken as 1 - it (then at least about 1/2, so no digits are lost). */
static double beta_tail(const beta_args *s, int lower)
{
    const double a = s->a, b = s->b;
    if (s->rx <= 0 && s->lrx == -INFINITY)
        return lower ? 0 : 1;
    if (s->ry <= 0 && s->lry == -INFINITY)
        return lower ? 1 : 0;
    {
        const int direct = s->x < (a + 1) / (a + b + 2);
        const double pre = beta_prefix(s);
        double cf, t;
        if (pre == 0)
            return direct == (lower != 0) ? 0 : 1;
        cf = direct ? beta_cf(a, b, s->x, s->y, BETA_CF_MAXIT)
                    : beta_cf(b, a, s->y, s->x, BETA_CF_MAXIT);
        t = direct ? pre * cf / a : pre * cf / b; /* I_x(a,b) if direct, else I_y(b,a) */
        if (t > 1)
            t = 1;
        return direct == (lower != 0) ? t : 1 - t;
    }
}

/* ---------------------------------------------------------------------- */
/* Student's t                                                             */

/* Above this df the t quantiles and tails equal the normal ones in double:
 * t_p - z_p = z_p (z_p^2 + 1)/(4 df) + O(df^-2) (A&S 26.7.5). */
#define T_NORMAL_DF 1e20

/* P(T > t), t > 0 finite, 1e-300 <= df <= T_NORMAL_DF:
 * (1/2) I_x(df/2, 1/2) with x = df/(df + t^2) (A&S 26.7.1 and 26.5.27),
 * with x, 1 - x, their logs and distances from the mean computed from t
 * directly (t^2 overflows above 1.3e154, and x rounds to 1 for t^2 < df
 * 1e-16). */
static double t_upper_pos(double t, double df)
{
    beta_args s;
    const double t2 = t * t;
    s.a = 0.5 * df;
    s.b = 0.5;
    /* x = df/(df + t^2), y = t^2/(df + t^2), x0 = df/(df + 1), y0 = 1/(df + 1):
     * rx = (df + 1)/(df + t^2), ry = (df + 1)/(1 + df/t^2),
     * e1 = (1 - t^2)/(df + t^2), e2 = -df e1 */
    if (t2 == INFINITY) { /* t > 1.3e154 */
        const double q = df / t / t; /* df/t^2, may underflow */
        s.x = q / (1 + q);
        s.y = 1 / (1 + q);
        s.rx1 = (df + 1) / t;
        s.rx2 = 1 / t;
        s.rx = s.rx1 * s.rx2;
        s.lrx = log1p(df) - 2 * log(t);
        s.e1 = -1;
        s.ry = (df + 1) / (1 + q);
    } else {
        s.x = df / (df + t2);
        s.y = t2 / (df + t2);
        s.rx = s.rx1 = (df + 1) / (df + t2);
        s.rx2 = 1;
        s.lrx = log(s.rx);
        s.e1 = (t < 2 ? (1 - t) * (1 + t) : 1 - t2) / (df + t2);
        s.ry = (df + 1) / (1 + df / t2);
    }
    s.ry1 = s.ry;
    s.ry2 = 1;
    s.lry = log(s.ry);
    s.e2 = -df * s.e1;
    return 0.5 * beta_tail(&s, 1);
}

static int t_df_ok(double df)
{
    return !isnan(df) && df > 0;
}

double mtp__pt_upper(double t, double df)
{
    if (isnan(t) || !t_df_ok(df))
        return NAN;
    if (df > T_NORMAL_DF)
        return mtp__pnorm_upper(t);
    if (t == 0)
        return 0.5;
    if (df < 1e-300) /* the limit df -> 0: half the mass at each infinity */
        return isinf(t) ? (t > 0 ? 0 : 1) : 0.5;
    if (t == INFINITY)
        return 0;
    if (t == -INFINITY)
        return 1;
    if (t > 0)
        return t_upper_pos(t, df);
    return 1 - t_upper_pos(-t, df);
}

/* log density of t at t >= 0:
 * -log sqrt(df) - log B(df/2, 1/2) - (df + 1)/2 log(1 + t^2/df). */
static double t_logdens(double t, const root_problem *pr)
{
    const double df = pr->a;
    const double l = t * t == INFINITY ? 2 * (log(t) - 0.5 * log(df)) : log1p(t * t / df);
    return -0.5 * log(df) - gsl_sf_lnbeta(0.5 * df, 0.5) - 0.5 * (df + 1) * l;
}
static double t_logtail(double t, const root_problem *pr)
{
    return log(t <= 0 ? 0.5 : t_upper_pos(t, pr->a));
}

/* The t quantile for p < 1/2 (t > 0). Start: Fisher's expansion of the
 * quantile in 1/df (A&S 26.7.5, Fisher & Cornish 1960) to df^-2; for small
 * df the tail power law P(T > t) ~ df^(df/2 - 1) t^-df / B(df/2, 1/2)
 * (A&S 26.7.1 integrated), whichever is larger. Then invert(). */
static double t_quantile_upper(double p, double df)
{
    root_problem pr = {t_logtail, t_logdens, df, 0, 1};
    const double z = mtp__qnorm_upper(p), z2 = z * z;
    double x0 = z + z * (z2 + 1) / (4 * df) + z * ((5 * z2 + 16) * z2 + 3) / (96 * df * df);
    if (df < 5) {
        const double lt = 0.5 * log(df) - (log(p) + log(df) + gsl_sf_lnbeta(0.5 * df, 0.5)) / df;
        const double xt = exp(lt < 700 ? lt : 700);
        if (xt > x0 || !isfinite(x0))
            x0 = xt;
    }
    return invert(&pr, log(p), x0);
}

double mtp__qt_upper(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || !t_df_ok(df))
        return NAN;
    if (df > T_NORMAL_DF)
        return mtp__qnorm_upper(p);
    if (p == 0)
        return INFINITY;
    if (p == 1)
        return -INFINITY;
    if (p == 0.5)
        return 0;
    if (df < 1e-300)
        return p < 0.5 ? INFINITY : -INFINITY;
    if (p < 0.5)
        return t_quantile_upper(p, df);
    return -t_quantile_upper(1 - p, df); /* 1 - p exact for p >= 1/2 */
}

/* ---------------------------------------------------------------------- */
/* Fisher's F                                                              */

/* Above F_LIMIT_RATIO times the other df, a df is taken as infinite: the
 * relative change of the tail is of order (df_small/df_large) z^2 <= 1e-18. */
#define F_LIMIT_RATIO 1e22
/* Above this the continued fraction would need more than ~4e6 terms near
 * the mean: both df that large use the normal limit of F (next to 1, with
 * variance 2/df1 + 2/df2; error ~ sd^3 < 1e-25 in absolute terms). */
#define F_NORMAL_DF 1e17

double mtp__pf_upper(double x, double df1, double df2)
{
    if (isnan(x) || !t_df_ok(df1) || !t_df_ok(df2))
        return NAN;
    if (x <= 0)
        return 1;
    if (x == INFINITY)
        return 0;
    if (df1 == INFINITY && df2 == INFINITY)
        return x < 1 ? 1 : x > 1 ? 0 : 0.5;
    if (df2 == INFINITY || df2 > F_LIMIT_RATIO * df1) /* chi-square(df1)/df1 */
        return mtp__pchisq_upper(x * df1, df1);
    if (df1 == INFINITY || df1 > F_LIMIT_RATIO * df2) /* df2/chi-square(df2) */
        return chisq_lower_cdf(df2 / x, df2);
    if (df1 > F_NORMAL_DF && df2 > F_NORMAL_DF)
        return x == 1 ? 0.5 : mtp__pnorm_upper((x - 1) / sqrt(2 / df1 + 2 / df2));
    if (0.5 * df1 == 0 || 0.5 * df2 == 0) /* df below 2 DBL_TRUE_MIN: limits */
        return 0.5 * df1 == 0 ? (0.5 * df2 == 0 ? 0.5 : 0) : 1;
    {
        /* P(F > x) = I_u(df2/2, df1/2), u = df2/(df2 + df1 x) (A&S 26.6.2,
         * 26.5.27), with s = df2/df1: u = s/(s + x), 1 - u = x/(s + x),
         * u/u0 - 1 = (1 - x)/(s + x), (1-u)/(1-u0) - 1 = s (x - 1)/(s + x). */
        beta_args b;
        const double s = df2 / df1;
        double den = s + x, sc = 1;
        if (den == INFINITY) {
            sc = 0.5;
            den = 0.5 * s + 0.5 * x;
        }
        b.a = 0.5 * df2;
        b.b = 0.5 * df1;
        b.x = sc * s / den;
        b.y = sc * x / den;
        /* rx = (s + 1)/(s + x), ry = x (s + 1)/(s + x) */
        b.rx = b.rx1 = sc * (s + 1) / den;
        b.rx2 = 1;
        b.ry = x * b.rx;
        b.ry1 = x;
        b.ry2 = b.rx;
        b.lrx = log(b.rx);
        b.lry = b.ry > 0 ? log(b.ry) : log(x) + log(b.rx);
        b.e1 = sc * (1 - x) / den;
        b.e2 = -s * b.e1;
        return beta_tail(&b, 1);
    }
}
