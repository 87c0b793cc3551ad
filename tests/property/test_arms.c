/* Property: swapping the two arms of every 2x2 table negates the log risk
 * ratio, the log odds ratio (Woolf, MH and Peto) and the risk difference,
 * mirrors every confidence and prediction interval around 0, and leaves
 * everything that measures spread (SE, tau2 and its CI, Q, I2, H2, the
 * study weights except MH's, see below) unchanged.
 *
 * Why it holds: with a <-> c and n1 <-> n2, ln[(a/n1)/(c/n2)], ln(ad/bc),
 * a/n1 - c/n2 and Peto's O - E change sign while every variance formula
 * (docs/methods.md section 1), the MH weights, the Greenland-Robins and
 * Robins-Breslow-Greenland variances and the Sato RD variance are symmetric
 * in the arms (for Sato: the term est * P keeps its sign, P changing sign
 * with est). The zero-cell and double-zero rules look at all four cells, so
 * they are symmetric too.
 *
 * Tolerance: ln(x) and -ln(1/x) differ by rounding (about eps absolute,
 * whatever the size of the logarithm), and the variance sums are added in
 * another order; after that the argument of test_order.c applies. Results
 * are compared in the natural units of prop_compare.h with ARMS_TOL = 1e-11
 * (largest discrepancy seen here: printed by the test, about 1e-12).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "prop_compare.h"

#define N_SETS 1000
#define ARMS_TOL 1e-11

static double worst_seen;
static char worst_what[96];

static mtp_table2x2 swap_arms(mtp_table2x2 t)
{
    const mtp_table2x2 s = {t.events_ctl, t.total_ctl, t.events_trt, t.total_trt};
    return s;
}

/* b with its location measures reflected around 0 */
static mtp_result mirrored(const mtp_result *b)
{
    mtp_result m = *b;
    m.estimate = -b->estimate;
    m.stat = -b->stat;
    m.ci_lower = -b->ci_upper;
    m.ci_upper = -b->ci_lower;
    m.pi_lower = -b->pi_upper;
    m.pi_upper = -b->pi_lower;
    return m;
}

static void check_mirror(const mtp_result *a, const mtp_result *b, uint64_t seed, const char *what)
{
    const mtp_result m = mirrored(b);
    const char *field;
    const double d = result_discrepancy(a, &m, &field);
    if (d > worst_seen) {
        worst_seen = d;
        snprintf(worst_what, sizeof worst_what, "%s of %s, seed %llu", field, what,
                 (unsigned long long)seed);
    }
    prop_check(d <= ARMS_TOL, seed, "%s: %s is not mirrored (%.3g of its unit): %.17g vs %.17g",
               what, field, d, a->estimate, b->estimate);
    prop_check(close_to(a->stat, m.stat, ARMS_TOL, fabs(a->stat) + 1), seed, "%s: stat %.17g vs %.17g",
               what, a->stat, b->stat);
    prop_check(a->k_used == b->k_used && a->notes == b->notes, seed, "%s: k_used or notes differ",
               what);
}

static void check_studies(const mtp_study *sa, const mtp_study *sb, size_t k, int check_weights,
                          uint64_t seed, const char *what)
{
    for (size_t i = 0; i < k; i++) {
        const mtp_study *x = &sa[i], *y = &sb[i];
        prop_check(x->flags == y->flags, seed, "%s: study %zu flags %u vs %u", what, i, x->flags,
                   y->flags);
        prop_check(!check_weights || close_to(x->weight, y->weight, ARMS_TOL, 100), seed,
                   "%s: study %zu weight %.17g vs %.17g", what, i, x->weight, y->weight);
        if (isnan(x->yi)) {
            prop_check(isnan(y->yi), seed, "%s: study %zu dropped on one side only", what, i);
            continue;
        }
        prop_check(close_to(x->yi, -y->yi, ARMS_TOL, fabs(x->yi) + sqrt(x->vi)), seed,
                   "%s: study %zu yi %.17g vs %.17g", what, i, x->yi, y->yi);
        prop_check(close_to(x->vi, y->vi, ARMS_TOL, x->vi), seed, "%s: study %zu vi %.17g vs %.17g",
                   what, i, x->vi, y->vi);
    }
}

static void test_swap_arms(void **state)
{
    static const mtp_measure measures[] = {MTP_MEASURE_RR, MTP_MEASURE_OR, MTP_MEASURE_RD,
                                           MTP_MEASURE_PETO_OR};
    mtp_workspace *ws = *state;
    size_t fits = 0, failing = 0, studies = 0;
    worst_seen = 0;
    for (uint64_t seed = 2001; seed <= 2000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_table2x2 t[PROP_KMAX], st[PROP_KMAX];
        size_t k;
        gen_tables(&p, t, &k);
        for (size_t i = 0; i < k; i++)
            st[i] = swap_arms(t[i]);
        for (size_t ms = 0; ms < N_ELEMS(measures); ms++) {
            /* study level: mtp_effect_from_2x2 */
            for (size_t i = 0; i < k; i++) {
                mtp_options o = opts_default();
                mtp_effect ea, eb;
                unsigned int fa, fb;
                mtp_error err;
                int ra, rb;
                o.measure = measures[ms];
                ra = mtp_effect_from_2x2(&ea, &fa, &t[i], &o, &err);
                rb = mtp_effect_from_2x2(&eb, &fb, &st[i], &o, &err);
                prop_check(ra == rb && fa == fb, seed, "%s study %zu: status/flags differ",
                           mtp_measure_name(o.measure), i);
                if (ra != MTP_OK || isnan(ea.yi))
                    continue;
                prop_check(close_to(ea.yi, -eb.yi, ARMS_TOL, fabs(ea.yi) + sqrt(ea.vi)), seed,
                           "%s study %zu: yi %.17g, swapped %.17g", mtp_measure_name(o.measure), i,
                           ea.yi, eb.yi);
                prop_check(close_to(ea.vi, eb.vi, ARMS_TOL, ea.vi), seed, "%s study %zu: vi",
                           mtp_measure_name(o.measure), i);
                studies++;
            }
            /* pooled, every method and test */
            for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++)
                for (int knha = 0; knha <= 1; knha++) {
                    mtp_options o = opts_default();
                    mtp_result a, b;
                    mtp_study sa[PROP_KMAX];
                    mtp_error ea, eb;
                    char what[64];
                    int ra, rb;
                    o.measure = measures[ms];
                    o.method = (mtp_method)m;
                    o.test = knha ? MTP_TEST_KNHA : MTP_TEST_Z;
                    if ((m == MTP_METHOD_PETO && o.measure != MTP_MEASURE_OR) ||
                        (m == MTP_METHOD_MH && o.measure == MTP_MEASURE_PETO_OR) ||
                        (knha && !mtp_method_is_random(o.method)))
                        continue;
                    if (m == MTP_METHOD_MH && o.measure == MTP_MEASURE_RD && (seed & 1))
                        o.mh_rd_var = MTP_MHRD_GR; /* both RD variances */
                    snprintf(what, sizeof what, "k=%zu %s %s%s", k, mtp_measure_name(o.measure),
                             mtp_method_name(o.method), knha ? " knha" : "");
                    ra = mtp_pool_2x2(&a, ws, t, k, &o, &ea);
                    if (ra == MTP_OK)
                        memcpy(sa, mtp_workspace_studies(ws), k * sizeof sa[0]);
                    rb = mtp_pool_2x2(&b, ws, st, k, &o, &eb);
                    fits += 2;
                    prop_check(ra == rb, seed, "%s: status %d vs %d swapped (%s / %s)", what, ra, rb,
                               ea.message, eb.message);
                    if (ra != MTP_OK) {
                        failing++;
                        continue;
                    }
                    check_mirror(&a, &b, seed, what);
                    /* MH reports the denominator terms as weights (c n1/N for RR,
                     * bc/N for OR, as metafor's weights.rma.mh): these are not
                     * symmetric in the arms, only their ratio estimate is */
                    check_studies(sa, mtp_workspace_studies(ws), k,
                                  m != MTP_METHOD_MH || o.measure == MTP_MEASURE_RD, seed, what);
                }
        }
    }
    print_message("swap arms: %d data sets, %zu study effects, %zu fits (%zu failing alike), "
                  "largest discrepancy %.3g (%s)\n",
                  N_SETS, studies, fits, failing, worst_seen, worst_what);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_swap_arms, prop_setup_ws, prop_teardown_ws),
    };
    return cmocka_run_group_tests_name("property.arms", tests, NULL, NULL);
}
