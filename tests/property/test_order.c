/* Property: a meta-analysis does not depend on the order of its studies.
 *
 * For each of N_SETS random data sets (generic effects, and 2x2 tables) and
 * every method, test and measure, the data are fitted in input order and in
 * a random permutation; every result field must agree and every study's
 * weight must follow it.
 *
 * Tolerance. Permuting changes only the order of the sums, so closed-form
 * results differ by rounding: a sum of k <= 50 terms moves by at most about
 * k * eps = 50 * 1.1e-16 = 5.6e-15 of its absolute terms. Iterative
 * estimators (ML, REML, PM, EB) stop when a Newton step is below tol = 1e-12
 * relative, after one more step has been taken, so their roots are limited
 * by the rounding of the estimating equation, k * eps times its condition
 * number. Every field is compared in its natural unit (prop_compare.h:
 * |estimate| + SE for the estimate and CI, |tau2| + v~ for tau2 and its
 * limits, 100 for I2, relative for H2). The largest discrepancy over these
 * data sets is printed by the test: 1.2e-12 (H2 = tau2/v~ + 1 of REML fits,
 * i.e. the REML root moved by 1.2e-12 v~). ORDER_TOL = 1e-11 leaves a
 * factor of 8 for other platforms' libm and compilers, and is still five
 * orders of magnitude below what an order bug (a study dropped or counted
 * twice, a sum started at the wrong index) does to a result.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "prop_compare.h"

#define N_SETS 1000
#define ORDER_TOL 1e-11

static double worst_seen;
static char worst_what[96];

static void check_same(const mtp_result *a, const mtp_result *b, uint64_t seed, const char *what)
{
    const char *field;
    const double d = result_discrepancy(a, b, &field);
    if (d > worst_seen) {
        worst_seen = d;
        snprintf(worst_what, sizeof worst_what, "%s of %s, seed %llu", field, what,
                 (unsigned long long)seed);
    }
    prop_check(d <= ORDER_TOL, seed, "%s: %s differs by %.3g of its unit after permuting", what, field, d);
    prop_check(a->k_used == b->k_used, seed, "%s: k_used %zu vs %zu", what, a->k_used, b->k_used);
    /* notes may differ only in TAU2_TRUNCATED when tau2 is 0 to rounding */
    prop_check((a->notes | MTP_NOTE_TAU2_TRUNCATED) == (b->notes | MTP_NOTE_TAU2_TRUNCATED), seed,
               "%s: notes %u vs %u", what, a->notes, b->notes);
}

static void check_studies(const mtp_study *sa, const mtp_study *sb, const size_t *perm, size_t k,
                          uint64_t seed, const char *what)
{
    for (size_t i = 0; i < k; i++) {
        const mtp_study *x = &sa[perm[i]], *y = &sb[i];
        prop_check(x->flags == y->flags, seed, "%s: study %zu flags", what, perm[i]);
        prop_check(close_to(x->weight, y->weight, ORDER_TOL, 100), seed,
                   "%s: study %zu weight %.17g vs %.17g", what, perm[i], x->weight, y->weight);
        prop_check((isnan(x->yi) && isnan(y->yi)) || x->yi == y->yi, seed, "%s: study %zu yi", what,
                   perm[i]);
    }
}

static void test_order_effects(void **state)
{
    mtp_workspace *ws = *state;
    size_t fits = 0;
    worst_seen = 0;
    for (uint64_t seed = 1; seed <= N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_effect e[PROP_KMAX], pe[PROP_KMAX];
        size_t perm[PROP_KMAX], k;
        gen_effects(&p, e, &k);
        prng_perm(&p, perm, k);
        for (size_t i = 0; i < k; i++)
            pe[i] = e[perm[i]];
        for (size_t m = 0; m < N_ELEMS(prop_iv_methods); m++)
            for (int knha = 0; knha <= 1; knha++) {
                mtp_options o = opts_default();
                mtp_result a, b;
                mtp_study sa[PROP_KMAX];
                mtp_error err;
                char what[64];
                o.method = prop_iv_methods[m];
                if (knha && !mtp_method_is_random(o.method))
                    continue;
                o.test = knha ? MTP_TEST_KNHA : MTP_TEST_Z;
                snprintf(what, sizeof what, "k=%zu %s%s", k, mtp_method_name(o.method),
                         knha ? " knha" : "");
                prop_check(mtp_pool_effects(&a, ws, e, k, &o, &err) == MTP_OK, seed, "%s: %s", what,
                           err.message);
                memcpy(sa, mtp_workspace_studies(ws), k * sizeof sa[0]);
                prop_check(mtp_pool_effects(&b, ws, pe, k, &o, &err) == MTP_OK, seed, "%s: %s",
                           what, err.message);
                check_same(&a, &b, seed, what);
                check_studies(sa, mtp_workspace_studies(ws), perm, k, seed, what);
                fits += 2;
            }
    }
    print_message("order, generic effects: %d data sets, %zu fits, largest discrepancy %.3g (%s)\n",
                  N_SETS, fits, worst_seen, worst_what);
}

static void test_order_tables(void **state)
{
    static const mtp_measure measures[] = {MTP_MEASURE_RR, MTP_MEASURE_OR, MTP_MEASURE_RD,
                                           MTP_MEASURE_PETO_OR};
    mtp_workspace *ws = *state;
    size_t fits = 0, failures_alike = 0;
    worst_seen = 0;
    for (uint64_t seed = 1001; seed <= 1000 + N_SETS; seed++) {
        prng p = prng_seed(seed);
        mtp_table2x2 t[PROP_KMAX], pt[PROP_KMAX];
        size_t perm[PROP_KMAX], k;
        gen_tables(&p, t, &k);
        prng_perm(&p, perm, k);
        for (size_t i = 0; i < k; i++)
            pt[i] = t[perm[i]];
        for (size_t ms = 0; ms < N_ELEMS(measures); ms++)
            for (int m = MTP_METHOD_FE; m <= MTP_METHOD_EB; m++) {
                mtp_options o = opts_default();
                mtp_result a, b;
                mtp_study sa[PROP_KMAX];
                mtp_error ea, eb;
                char what[64];
                int ra, rb;
                o.measure = measures[ms];
                o.method = (mtp_method)m;
                if (m == MTP_METHOD_PETO && o.measure != MTP_MEASURE_OR)
                    continue;
                if (m == MTP_METHOD_MH && o.measure == MTP_MEASURE_PETO_OR)
                    continue;
                snprintf(what, sizeof what, "k=%zu %s %s", k, mtp_measure_name(o.measure),
                         mtp_method_name(o.method));
                ra = mtp_pool_2x2(&a, ws, t, k, &o, &ea);
                if (ra == MTP_OK)
                    memcpy(sa, mtp_workspace_studies(ws), k * sizeof sa[0]);
                rb = mtp_pool_2x2(&b, ws, pt, k, &o, &eb);
                /* some data sets legitimately fail (every table a double
                 * zero; MH risk difference with no events anywhere: variance
                 * 0); then both orders must fail alike, with one message */
                prop_check(ra == rb, seed, "%s: status %d in order, %d permuted (%s / %s)", what, ra,
                           rb, ea.message, eb.message);
                fits += 2;
                if (ra != MTP_OK) {
                    prop_check(ra == MTP_ETOOFEW || ra == MTP_EDATA || ra == MTP_ENUMERIC, seed,
                               "%s: unexpected %d: %s", what, ra, ea.message);
                    prop_check(strcmp(ea.message, eb.message) == 0, seed, "%s: \"%s\" vs \"%s\"",
                               what, ea.message, eb.message);
                    failures_alike++;
                    continue;
                }
                check_same(&a, &b, seed, what);
                check_studies(sa, mtp_workspace_studies(ws), perm, k, seed, what);
            }
    }
    print_message("order, 2x2 tables: %d data sets, %zu fits (%zu failing alike), largest "
                  "discrepancy %.3g (%s)\n", N_SETS, fits, failures_alike, worst_seen, worst_what);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_effects, prop_setup_ws, prop_teardown_ws),
        cmocka_unit_test_setup_teardown(test_order_tables, prop_setup_ws, prop_teardown_ws),
    };
    return cmocka_run_group_tests_name("property.order", tests, NULL, NULL);
}
