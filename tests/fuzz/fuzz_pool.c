/* libFuzzer target: the pooling API fed arbitrary options and numbers.
 *
 * Input layout (every byte optional; missing bytes read as 0):
 *   byte 0        entry point: 0 mtp_pool_effects, 1 mtp_pool_2x2,
 *                 2 mtp_effect_from_ci, 3 mtp_effect_from_2x2 (mod 4);
 *                 bit 2: a workspace one study too small (MTP_EBADLEN);
 *                 bit 3: NULL options (the defaults)
 *   bytes 1..11   options: version, measure, method, test, pi, cc_when,
 *                 double_zero, mh_correct, mh_rd_var, q_centre, i2_def, each a
 *                 signed byte taken as is, so unknown enum values (-1, 5,
 *                 127) are tried; tau2_ci is bit 0 of byte 12, max_iter byte 13
 *   then          level, cc, tau2_fixed, tol as numbers (below)
 *   rest          numbers, two (effects) or four (tables) per study, or the
 *                 estimate, limits, level and scale flag of a CI
 * A number is one tag byte: < 48 picks a special value (0, -0, NaN, +-Inf,
 * DBL_MAX, DBL_MIN, subnormals, 1e+-300, 1e+-12, 2^53, 0.5, ...); 48..175
 * is the integer tag - 48 (counts); >= 176 is followed by 8 raw bytes of an
 * IEEE double.
 *
 * What must hold (abort() otherwise, so that libFuzzer reports it):
 * - on MTP_OK: a finite estimate and SE >= 0; tau2 finite and >= 0;
 *   ci_lower <= estimate <= ci_upper; a prediction interval, when defined,
 *   around the estimate; 1 <= k_used <= k; study weights >= 0 summing to 100
 *   (over the studies in the analysis); p in [0, 1] (NaN only for a zero-width
 *   HKSJ interval around 0); with k_used >= 2 a finite Q >= 0, its p in
 *   [0, 1], 0 <= I2 <= 100, H2 >= 0 (+Inf allowed: tau2/v~ can overflow,
 *   not NaN) and, when computed, a finite
 *   tau2 CI with 0 <= lower <= upper;
 * - on failure: a documented status code, err.code equal to it, a non-empty
 *   message, err.study either MTP_NO_STUDY or a valid study index;
 * - study effects on MTP_OK: finite yi and 0 < vi < Inf, or NaN for a
 *   dropped table.
 * With the environment variable FUZZ_POOL_DEBUG set, each call is printed
 * (options and numbers, %.17g) to stderr before it is made, so that a
 * finding can be turned into a plain regression test.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_bytes.h"
#include "metapool.h"

#define MAX_STUDIES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_pool"
#include "fuzz_check.h"

static void check_error(int rc, const mtp_error *err, size_t k)
{
    CHECK(rc == MTP_EINVAL || rc == MTP_EDATA || rc == MTP_ETOOFEW || rc == MTP_ENOCONV ||
              rc == MTP_EBADLEN || rc == MTP_ENOMEM || rc == MTP_ENUMERIC,
          err->message);
    CHECK(err->code == rc, err->message);
    CHECK(memchr(err->message, '\0', sizeof err->message) != NULL, "message not terminated");
    CHECK(err->message[0] != '\0', "empty message");
    CHECK(err->study == MTP_NO_STUDY || err->study < k, err->message);
}

static void check_result(const mtp_result *r, const mtp_study *st, size_t k, const mtp_options *o)
{
    char d[200];
    double wsum = 0;
    snprintf(d, sizeof d, "method %d measure %d k %zu k_used %zu est %g se %g tau2 %g ci [%g, %g]",
             (int)r->method, (int)r->measure, k, r->k_used, r->estimate, r->se, r->tau2, r->ci_lower,
             r->ci_upper);
    CHECK(isfinite(r->estimate), d);
    CHECK(isfinite(r->se) && r->se >= 0, d);
    CHECK(isfinite(r->tau2) && r->tau2 >= 0, d);
    CHECK(r->ci_lower <= r->estimate && r->estimate <= r->ci_upper, d);
    CHECK(r->k == k && r->k_used >= 1 && r->k_used <= k, d);
    CHECK((r->p >= 0 && r->p <= 1) || (isnan(r->p) && r->se == 0), d);
    if (!isnan(r->pi_lower) || !isnan(r->pi_upper))
        CHECK(r->pi_lower <= r->estimate && r->estimate <= r->pi_upper, d);
    for (size_t i = 0; i < k; i++) {
        CHECK(st[i].weight >= 0 && isfinite(st[i].weight), d);
        wsum += st[i].weight;
    }
    CHECK(fabs(wsum - 100) <= 1e-9 * 100 * (double)k, d);
    if (r->k_used >= 2 && !isnan(r->q)) {
        /* MH with tables that have no finite study effect: Q over the rest */
        CHECK(isfinite(r->q) && r->q >= 0, d);
        if (r->q_df >= 1) {
            CHECK(r->q_p >= 0 && r->q_p <= 1, d);
            CHECK(r->i2 >= 0 && r->i2 <= 100, d);
            /* H2 = tau2/v~ + 1 may overflow to +Inf (tau2 1e128, v~ 1e-304):
             * an honest IEEE result, unlike NaN */
            CHECK(r->h2 >= 0, d);
        }
    }
    if (mtp_method_is_random(r->method) && o->tau2_ci && o->tau2_fixed < 0 && r->k_used >= 2)
        CHECK(isfinite(r->tau2_ci_lower) && isfinite(r->tau2_ci_upper) && r->tau2_ci_lower >= 0 &&
                  r->tau2_ci_lower <= r->tau2_ci_upper,
              d);
}

static void debug_options(const mtp_options *o, int null_opts)
{
    fprintf(stderr,
            "options%s: version %u measure %d method %d test %d pi %d level %.17g cc %.17g "
            "cc_when %d double_zero %d mh_correct %d mh_rd_var %d q_centre %d i2_def %d "
            "tau2_fixed %.17g tau2_ci %d tol %.17g max_iter %u\n",
            null_opts ? " (NULL passed: defaults used)" : "", o->version, (int)o->measure,
            (int)o->method, (int)o->test, (int)o->pi, o->level, o->cc, (int)o->cc_when,
            (int)o->double_zero, o->mh_correct, (int)o->mh_rd_var, (int)o->q_centre, (int)o->i2_def,
            o->tau2_fixed, o->tau2_ci, o->tol, o->max_iter);
}

static void check_effect(const mtp_effect *e, unsigned int flags)
{
    if (flags & MTP_STUDY_DROPPED) {
        CHECK(isnan(e->yi) && isnan(e->vi), "dropped table with a value");
        return;
    }
    CHECK(isfinite(e->yi), "study effect not finite");
    CHECK(isfinite(e->vi) && e->vi > 0, "study variance not finite and > 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    const uint8_t mode = get_byte(&r);
    mtp_options o;
    mtp_error err;
    int rc;

    mtp_options_init(&o, MTP_OPTIONS_VERSION);
    {
        const uint8_t v = get_byte(&r);
        o.version = v < 250 ? MTP_OPTIONS_VERSION : v; /* mostly valid */
    }
    o.measure = (mtp_measure)(int8_t)get_byte(&r);
    o.method = (mtp_method)(int8_t)get_byte(&r);
    o.test = (mtp_test)(int8_t)get_byte(&r);
    o.pi = (mtp_pi)(int8_t)get_byte(&r);
    o.cc_when = (mtp_cc_rule)(int8_t)get_byte(&r);
    o.double_zero = (mtp_double_zero)(int8_t)get_byte(&r);
    o.mh_correct = (int8_t)get_byte(&r);
    o.mh_rd_var = (mtp_mh_rd_var)(int8_t)get_byte(&r);
    o.q_centre = (mtp_q_centre)(int8_t)get_byte(&r);
    o.i2_def = (mtp_i2_def)(int8_t)get_byte(&r);
    o.tau2_ci = get_byte(&r) & 1;
    o.max_iter = get_byte(&r);
    {
        /* tag 0 (the number 0) would make most inputs invalid: keep the
         * default for a zero byte, take the number otherwise */
        double x;
        if ((x = get_number(&r)) != 0)
            o.level = x;
        if ((x = get_number(&r)) != 0)
            o.cc = x;
        if ((x = get_number(&r)) != 0)
            o.tau2_fixed = x;
        if ((x = get_number(&r)) != 0)
            o.tol = x;
        if (o.max_iter == 0)
            o.max_iter = 1000;
    }
    memset(&err, 0, sizeof err);

    switch (mode & 3) {
    case 0:
    case 1: {
        mtp_effect eff[MAX_STUDIES];
        mtp_table2x2 tab[MAX_STUDIES];
        mtp_result res;
        mtp_workspace *ws;
        size_t k = 0;
        const size_t per = (mode & 3) == 0 ? 2 : 4;
        while (r.n > 0 && k < MAX_STUDIES) {
            double x[4];
            for (size_t i = 0; i < per; i++)
                x[i] = get_number(&r);
            if (per == 2) {
                eff[k].yi = x[0];
                eff[k].vi = x[1];
            } else {
                tab[k].events_trt = x[0];
                tab[k].total_trt = x[1];
                tab[k].events_ctl = x[2];
                tab[k].total_ctl = x[3];
            }
            k++;
        }
        if (getenv("FUZZ_POOL_DEBUG") != NULL) {
            debug_options(&o, mode & 8);
            for (size_t i = 0; i < k; i++)
                if (per == 2)
                    fprintf(stderr, "  {%.17g, %.17g},\n", eff[i].yi, eff[i].vi);
                else
                    fprintf(stderr, "  {%.17g, %.17g, %.17g, %.17g},\n", tab[i].events_trt,
                            tab[i].total_trt, tab[i].events_ctl, tab[i].total_ctl);
        }
        ws = mtp_workspace_alloc(k == 0 ? 1 : (mode & 4) && k > 1 ? k - 1 : k, 1);
        if (ws == NULL)
            return 0;
        rc = per == 2 ? mtp_pool_effects(&res, ws, eff, k, (mode & 8) ? NULL : &o, &err)
                      : mtp_pool_2x2(&res, ws, tab, k, (mode & 8) ? NULL : &o, &err);
        if (rc == MTP_OK) {
            mtp_options def;
            mtp_options_init(&def, MTP_OPTIONS_VERSION);
            check_result(&res, mtp_workspace_studies(ws), k, (mode & 8) ? &def : &o);
        } else {
            check_error(rc, &err, k);
        }
        mtp_workspace_free(ws);
        break;
    }
    case 2: {
        mtp_effect e;
        const double est = get_number(&r), lo = get_number(&r), hi = get_number(&r);
        const double level = get_number(&r);
        const int log_scale = get_byte(&r) & 1;
        rc = mtp_effect_from_ci(&e, est, lo, hi, level, log_scale, &err);
        if (rc == MTP_OK)
            check_effect(&e, 0);
        else
            check_error(rc, &err, 1);
        break;
    }
    default: {
        mtp_table2x2 t;
        mtp_effect e;
        unsigned int flags = 0;
        t.events_trt = get_number(&r);
        t.total_trt = get_number(&r);
        t.events_ctl = get_number(&r);
        t.total_ctl = get_number(&r);
        rc = mtp_effect_from_2x2(&e, &flags, &t, (mode & 8) ? NULL : &o, &err);
        if (rc == MTP_OK)
            check_effect(&e, flags);
        else
            check_error(rc, &err, 1);
        break;
    }
    }
    return 0;
}
