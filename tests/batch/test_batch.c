/* mtp_pool_batch: results bitwise equal to one mtp_pool_effects call per
 * analysis, independent of the number of threads; bad calls rejected; a
 * failing analysis reported without stopping the others.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "test_helpers.h"

#include <stdlib.h>

/* Deterministic data: analyses of 1..KMAX studies, yi ~ roughly N(0.3, 0.1),
 * vi in (0.01, 0.2). A 64-bit LCG keeps the test free of rand(). */
#define KMAX 15
static uint64_t lcg_state;
static double unif01(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(lcg_state >> 11) + 0.5) * 0x1.0p-53;
}

typedef struct {
    mtp_effect *effects;
    size_t *offsets;
    size_t n;
} batch_data;

static batch_data make_data(size_t n, uint64_t seed)
{
    batch_data d;
    size_t total = 0;
    lcg_state = seed;
    d.n = n;
    d.offsets = malloc((n + 1) * sizeof *d.offsets);
    d.effects = malloc(n * KMAX * sizeof *d.effects);
    assert_non_null(d.offsets);
    assert_non_null(d.effects);
    for (size_t j = 0; j < n; j++) {
        const size_t k = 1 + (size_t)(unif01() * KMAX) % KMAX;
        d.offsets[j] = total;
        for (size_t i = 0; i < k; i++) {
            const double u = unif01() + unif01() + unif01() - 1.5; /* sd 0.5 */
            d.effects[total].vi = 0.01 + 0.19 * unif01();
            d.effects[total].yi = 0.3 + 0.6 * u;
            total++;
        }
    }
    d.offsets[n] = total;
    return d;
}

static void free_data(batch_data *d)
{
    free(d->effects);
    free(d->offsets);
}

/* Every double of the result compared bit for bit (NaN == NaN when the
 * bits agree), then the integer fields. */
static void assert_same_result(const mtp_result *a, const mtp_result *b, size_t j)
{
    const double xa[] = {a->level, a->estimate, a->se, a->stat, a->df, a->p, a->ci_lower,
                         a->ci_upper, a->pi_lower, a->pi_upper, a->pi_df, a->tau2, a->tau,
                         a->tau2_ci_lower, a->tau2_ci_upper, a->q, a->q_df, a->q_p, a->i2,
                         a->i2_ci_lower, a->i2_ci_upper, a->h2, a->h2_ci_lower, a->h2_ci_upper,
                         a->vtypical};
    const double xb[] = {b->level, b->estimate, b->se, b->stat, b->df, b->p, b->ci_lower,
                         b->ci_upper, b->pi_lower, b->pi_upper, b->pi_df, b->tau2, b->tau,
                         b->tau2_ci_lower, b->tau2_ci_upper, b->q, b->q_df, b->q_p, b->i2,
                         b->i2_ci_lower, b->i2_ci_upper, b->h2, b->h2_ci_lower, b->h2_ci_upper,
                         b->vtypical};
    for (size_t i = 0; i < N_ELEMS(xa); i++)
        if (memcmp(&xa[i], &xb[i], sizeof xa[i]) != 0)
            fail_msg("analysis %zu, field %zu: %.17g vs %.17g", j, i, xa[i], xb[i]);
    assert_int_equal(a->measure, b->measure);
    assert_int_equal(a->method, b->method);
    assert_int_equal(a->test, b->test);
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->k_used, b->k_used);
    assert_int_equal(a->iterations, b->iterations);
    assert_int_equal(a->converged, b->converged);
    assert_int_equal(a->notes, b->notes);
}

static void check_against_single(const batch_data *d, const mtp_options *o, unsigned int threads)
{
    mtp_result *out = malloc(d->n * sizeof *out);
    int *status = malloc(d->n * sizeof *status);
    mtp_workspace *ws = mtp_workspace_alloc(KMAX, 1);
    mtp_error err;
    assert_non_null(out);
    assert_non_null(status);
    assert_non_null(ws);
    assert_int_equal(mtp_pool_batch(out, status, d->effects, d->offsets, d->n, o, threads, &err),
                     MTP_OK);
    for (size_t j = 0; j < d->n; j++) {
        mtp_result one;
        const size_t k = d->offsets[j + 1] - d->offsets[j];
        assert_int_equal(status[j], MTP_OK);
        assert_int_equal(mtp_pool_effects(&one, ws, d->effects + d->offsets[j], k, o, NULL), MTP_OK);
        assert_same_result(&out[j], &one, j);
    }
    mtp_workspace_free(ws);
    free(out);
    free(status);
}

/* 1. batch == one call per analysis, for several models, 1 and 3 threads */
static void test_equals_single_fits(void **state)
{
    static const mtp_method methods[] = {MTP_METHOD_FE, MTP_METHOD_DL, MTP_METHOD_SJ,
                                         MTP_METHOD_ML, MTP_METHOD_REML, MTP_METHOD_PM};
    batch_data d = make_data(300, 42);
    (void)state;
    for (size_t m = 0; m < N_ELEMS(methods); m++) {
        mtp_options o = opts_default();
        o.method = methods[m];
        check_against_single(&d, &o, 1);
        check_against_single(&d, &o, 3);
        o.test = MTP_TEST_KNHA;
        o.tau2_ci = 0;
        check_against_single(&d, &o, 1);
    }
    check_against_single(&d, NULL, 1); /* NULL options: the defaults */
    free_data(&d);
}

/* 2. threads 1 vs 4 (and more threads than analyses) give identical results */
static void test_threads_identical(void **state)
{
    batch_data d = make_data(2000, 7);
    mtp_result *r1 = malloc(d.n * sizeof *r1), *r4 = malloc(d.n * sizeof *r4);
    int *s1 = malloc(d.n * sizeof *s1), *s4 = malloc(d.n * sizeof *s4);
    mtp_options o = opts_default();
    (void)state;
    assert_non_null(r1);
    assert_non_null(r4);
    assert_non_null(s1);
    assert_non_null(s4);
    assert_int_equal(mtp_pool_batch(r1, s1, d.effects, d.offsets, d.n, &o, 1, NULL), MTP_OK);
    assert_int_equal(mtp_pool_batch(r4, s4, d.effects, d.offsets, d.n, &o, 4, NULL), MTP_OK);
    for (size_t j = 0; j < d.n; j++) {
        assert_int_equal(s1[j], s4[j]);
        assert_same_result(&r1[j], &r4[j], j);
    }
    /* 5 analyses on 64 threads */
    assert_int_equal(mtp_pool_batch(r4, s4, d.effects, d.offsets, 5, &o, 64, NULL), MTP_OK);
    for (size_t j = 0; j < 5; j++)
        assert_same_result(&r1[j], &r4[j], j);
    free(r1);
    free(r4);
    free(s1);
    free(s4);
    free_data(&d);
}

/* 3. bad calls: MTP_EINVAL, nothing fitted */
static void test_bad_calls(void **state)
{
    const mtp_effect e[4] = {{0.1, 0.1}, {0.2, 0.1}, {0.3, 0.1}, {0.4, 0.1}};
    const size_t decreasing[3] = {0, 3, 2};
    const size_t good[3] = {0, 2, 4};
    mtp_result out[2];
    int status[2];
    mtp_error err;
    mtp_options o = opts_default();
    (void)state;

    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, e, decreasing, 2, NULL, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "offsets[2]");
    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, e, decreasing, 2, NULL, 4, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "offsets");
    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, e, NULL, 2, NULL, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_pool_batch(NULL, status, e, good, 2, NULL, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_pool_batch(out, NULL, e, good, 2, NULL, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, NULL, good, 2, NULL, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "NULL");
    o.level = 1.5;
    err_reset(&err);
    assert_int_equal(mtp_pool_batch(out, status, e, good, 2, &o, 1, &err), MTP_EINVAL);
    assert_int_equal(err.code, MTP_EINVAL);
    o = opts_default();
    o.method = MTP_METHOD_MH; /* needs 2x2 tables: every analysis would fail */
    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, e, good, 2, &o, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "2x2");
    o = opts_default();
    o.method = MTP_METHOD_DL;
    o.q_centre = MTP_QCENTRE_MH;
    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, e, good, 2, &o, 1, &err), err, MTP_EINVAL,
                 MTP_NO_STUDY, "2x2");
    /* err may be NULL on a bad call; n = 0 is an empty, successful batch */
    assert_int_equal(mtp_pool_batch(out, status, e, decreasing, 2, NULL, 1, NULL), MTP_EINVAL);
    assert_int_equal(mtp_pool_batch(NULL, NULL, NULL, NULL, 0, NULL, 4, NULL), MTP_OK);
}

/* 4. failing analyses in the middle: the others are fitted, the first is reported */
static void check_failures(unsigned int threads)
{
    batch_data d = make_data(200, 99);
    mtp_result *out = malloc(d.n * sizeof *out);
    int *status = malloc(d.n * sizeof *status);
    mtp_workspace *ws = mtp_workspace_alloc(2 * KMAX, 1);
    mtp_options o = opts_default();
    mtp_error err;
    size_t bad_study, saved;
    assert_non_null(out);
    assert_non_null(status);
    assert_non_null(ws);

    /* analysis 57 (0-based 56): a negative variance in its second study (or
     * its only one); analysis 151: a NaN estimate; analysis 121: empty */
    bad_study = d.offsets[56] + (d.offsets[57] - d.offsets[56] > 1 ? 1 : 0);
    d.effects[bad_study].vi = -0.5;
    d.effects[d.offsets[150]].yi = NAN;
    saved = d.offsets[121];
    d.offsets[121] = d.offsets[120]; /* analysis 121 also takes 122's studies */

    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, d.effects, d.offsets, d.n, &o, threads, &err), err,
                 MTP_EDATA, bad_study, "sampling variance");
    assert_int_equal(err.analysis, 56);
    for (size_t j = 0; j < d.n; j++) {
        mtp_result one;
        const size_t k = d.offsets[j + 1] - d.offsets[j];
        const int rc = mtp_pool_effects(&one, ws, d.effects + d.offsets[j], k, &o, NULL);
        assert_int_equal(status[j], rc);
        if (j == 56 || j == 150)
            assert_int_equal(rc, MTP_EDATA);
        else if (j == 120)
            assert_int_equal(rc, MTP_ETOOFEW);
        else
            assert_int_equal(rc, MTP_OK);
        if (rc == MTP_OK) {
            assert_same_result(&out[j], &one, j);
        } else { /* a failed analysis: NaN numbers, its k and model */
            assert_nan(out[j].estimate);
            assert_nan(out[j].tau2);
            assert_int_equal(out[j].k, k);
            assert_int_equal(out[j].method, o.method);
        }
    }
    /* only a later failure: it is the one reported */
    d.effects[bad_study].vi = 0.1;
    d.offsets[121] = saved;
    err_reset(&err);
    assert_error(mtp_pool_batch(out, status, d.effects, d.offsets, d.n, &o, threads, &err), err,
                 MTP_EDATA, d.offsets[150], "estimate is not a finite number");
    assert_int_equal(err.analysis, 150);
    mtp_workspace_free(ws);
    free(out);
    free(status);
    free_data(&d);
}

static void test_failure_in_middle_1thread(void **state)
{
    (void)state;
    check_failures(1);
}

static void test_failure_in_middle_4threads(void **state)
{
    (void)state;
    check_failures(4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_single_fits),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_bad_calls),
        cmocka_unit_test(test_failure_in_middle_1thread),
        cmocka_unit_test(test_failure_in_middle_4threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
