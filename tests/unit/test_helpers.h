/* Shared helpers of the cmocka unit tests (tests/unit/).
 * cmocka 1.1.5 (Debian 12) has only assert_float_equal, which casts to float,
 * so the comparisons below are our own (style.md §7). Each compares NaN, Inf
 * and numbers as categories first, as GSL's gsl_test_rel does.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_TEST_HELPERS_H
#define METAPOOL_TEST_HELPERS_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metapool.h"

/* |got - want| <= rtol * |want|; fails on NaN or Inf on either side. */
#define assert_rel(got, want, rtol)                                                           \
    do {                                                                                      \
        const double g_ = (got), w_ = (want);                                                 \
        if (!isfinite(g_) || !isfinite(w_) || fabs(g_ - w_) > (rtol) * fabs(w_))              \
            fail_msg("%s = %.17g, want %.17g (rtol %g)", #got, g_, w_, (double)(rtol));       \
    } while (0)

/* |got - want| <= atol, for values at or near zero; fails on NaN or Inf. */
#define assert_abs(got, want, atol)                                                           \
    do {                                                                                      \
        const double g_ = (got), w_ = (want);                                                 \
        if (!isfinite(g_) || !isfinite(w_) || fabs(g_ - w_) > (atol))                         \
            fail_msg("%s = %.17g, want %.17g (atol %g)", #got, g_, w_, (double)(atol));       \
    } while (0)

/* A documented NaN output. */
#define assert_nan(got)                                                                       \
    do {                                                                                      \
        const double g_ = (got);                                                              \
        if (!isnan(g_))                                                                       \
            fail_msg("%s = %.17g, want NaN", #got, g_);                                       \
    } while (0)

/* Exactly equal doubles (bit-for-bit results, exact zeros). */
#define assert_double_eq(got, want)                                                           \
    do {                                                                                      \
        const double g_ = (got), w_ = (want);                                                 \
        if (!(g_ == w_))                                                                      \
            fail_msg("%s = %.17g, want exactly %.17g", #got, g_, w_);                         \
    } while (0)

/* rc, err->code, err->study and a phrase of err->message, all at once. */
#define assert_error(rc, err, want_code, want_study, phrase)                                  \
    do {                                                                                      \
        const int rc_ = (rc);                                                                 \
        if (rc_ != (want_code))                                                               \
            fail_msg("return code %d (%s), want %d; message \"%s\"", rc_, mtp_strerror(rc_),  \
                     (int)(want_code), (err).message);                                        \
        assert_int_equal((err).code, (want_code));                                            \
        if ((err).study != (size_t)(want_study))                                              \
            fail_msg("err.study = %zu, want %zu (\"%s\")", (err).study, (size_t)(want_study), \
                     (err).message);                                                          \
        if (strstr((err).message, (phrase)) == NULL)                                          \
            fail_msg("message \"%s\" lacks \"%s\"", (err).message, (phrase));                 \
    } while (0)

/* An error record filled with rubbish, so that a test sees what was written. */
static inline void err_reset(mtp_error *e)
{
    e->code = 12345;
    e->study = 777;
    memset(e->message, 'x', sizeof e->message - 1);
    e->message[sizeof e->message - 1] = '\0';
}

/* Default options (fails the test if mtp_options_init does). */
static inline mtp_options opts_default(void)
{
    mtp_options o;
    assert_int_equal(mtp_options_init(&o, MTP_OPTIONS_VERSION), MTP_OK);
    return o;
}

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
