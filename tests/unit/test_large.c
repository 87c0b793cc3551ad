/* One analysis of a million studies (issue 13): every tau² method and test
 * runs, the Q-profile CI included (GSL's chi-square inverse used to abort
 * from about 56,000 studies), and the closed forms (FE, DL) agree with the
 * same formulas summed in long double with Kahan compensation. The data are
 * made here, from a fixed linear congruential sequence.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <stdlib.h>

#define N 1000000

static double *yi, *vi;

/* uniform in (0, 1) from a 64-bit LCG (Knuth's MMIX constants) */
static double uniform(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

static int setup(void **state)
{
    unsigned long long s = 12345;
    yi = malloc(N * sizeof *yi);
    vi = malloc(N * sizeof *vi);
    if (yi == NULL || vi == NULL)
        return 1;
    for (size_t i = 0; i < N; i++) {
        /* y = 0.3 + u + e: u uniform with variance 0.04/3 ... a true tau² > 0 */
        const double u = 0.4 * (uniform(&s) - 0.5), v = 0.01 + 0.5 * uniform(&s);
        const double e = sqrt(12 * v) * (uniform(&s) - 0.5);
        yi[i] = 0.3 + u + e;
        vi[i] = v;
    }
    *state = mtp_workspace_alloc(N, 1);
    return *state == NULL;
}

static int teardown(void **state)
{
    mtp_workspace_free(*state);
    free(yi);
    free(vi);
    return 0;
}

typedef struct {
    long double s, c;
} kahan;

static void add(kahan *k, long double x)
{
    const long double y = x - k->c, t = k->s + y;
    k->c = (t - k->s) - y;
    k->s = t;
}

static void test_million(void **state)
{
    static const mtp_tau2_method methods[] = {MTP_TAU2_FE, MTP_TAU2_DL, MTP_TAU2_HE,
                                              MTP_TAU2_HS, MTP_TAU2_SJ, MTP_TAU2_ML,
                                              MTP_TAU2_REML, MTP_TAU2_PM, MTP_TAU2_EB};
    mtp_workspace *w = *state;
    mtp_data d = {MTP_MEASURE_GENERIC, N, NULL, NULL, NULL, 0, NULL, NULL};
    kahan sw = {0, 0}, swy = {0, 0}, sw2 = {0, 0}, q = {0, 0};
    long double mu_fe, c, tau2_dl, tau2_sj;
    d.yi = yi;
    d.vi = vi;
    for (size_t i = 0; i < N; i++) {
        const long double wi = 1.0L / vi[i];
        add(&sw, wi);
        add(&swy, wi * yi[i]);
        add(&sw2, wi * wi);
    }
    mu_fe = swy.s / sw.s;
    for (size_t i = 0; i < N; i++)
        add(&q, (yi[i] - mu_fe) * (yi[i] - mu_fe) / vi[i]);
    c = sw.s - sw2.s / sw.s;
    tau2_dl = (q.s - (N - 1)) / c;
    { /* SJ (not consistent: its limit is not tau², so its closed form is the check) */
        kahan sy = {0, 0}, ss = {0, 0}, sw0 = {0, 0}, swy0 = {0, 0}, qg = {0, 0};
        long double ybar, tau0, mu0;
        for (size_t i = 0; i < N; i++)
            add(&sy, yi[i]);
        ybar = sy.s / N;
        for (size_t i = 0; i < N; i++)
            add(&ss, (yi[i] - ybar) * (yi[i] - ybar));
        tau0 = ss.s / N;
        for (size_t i = 0; i < N; i++) {
            add(&sw0, 1 / (vi[i] + tau0));
            add(&swy0, yi[i] / (vi[i] + tau0));
        }
        mu0 = swy0.s / sw0.s;
        for (size_t i = 0; i < N; i++)
            add(&qg, (yi[i] - mu0) * (yi[i] - mu0) / (vi[i] + tau0));
        tau2_sj = tau0 * qg.s / (N - 1);
    }
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++)
        for (int t = 0; t < 2; t++) {
            mtp_model_options o = MTP_MODEL_OPTIONS_INIT;
            mtp_summary s;
            mtp_fit_out out = MTP_FIT_OUT_INIT;
            mtp_error e;
            o.tau2 = methods[m];
            o.test = t ? MTP_TEST_KNHA : MTP_TEST_Z;
            out.summary = &s;
            if (mtp_fit(&out, w, &d, &o, &e) != MTP_OK)
                fail_msg("method %d test %d: %s", (int)methods[m], t, e.message);
            assert_true(isfinite(s.mu.estimate) && s.mu.se > 0);
            assert_rel(s.qe, (double)q.s, 1e-9);
            if (methods[m] == MTP_TAU2_FE) {
                assert_rel(s.mu.estimate, (double)mu_fe, 1e-12);
                if (t == 0)
                    assert_rel(s.mu.se, (double)sqrtl(1 / sw.s), 1e-12);
                continue;
            }
            if (methods[m] == MTP_TAU2_SJ) {
                assert_rel(s.tau2, (double)tau2_sj, 1e-9);
                continue;
            }
            /* the true tau² is 0.04/3 = 0.01333; the consistent estimators are near it */
            if (fabs(s.tau2 - 0.04 / 3) > 0.002)
                fail_msg("method %s test %d: tau2 %.6g", mtp_tau2_get((int)methods[m])->name, t, s.tau2);
            assert_true(s.tau2_ci_lower <= s.tau2 && s.tau2 <= s.tau2_ci_upper);
            assert_true(s.tau2_ci_upper - s.tau2_ci_lower < 0.01);
            if (methods[m] == MTP_TAU2_DL)
                assert_rel(s.tau2, (double)tau2_dl, 1e-9);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_million)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
