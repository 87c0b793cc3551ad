/* unit.gsl_guard_selftest (WILL_FAIL): proves that the guard of
 * gsl_guard.c turns a call of GSL's error handler into a failing exit.
 * gsl_cdf_chisq_Pinv(0.025, 7e5) is the call of issue 13: GSL's gamma
 * inverse does not converge and calls GSL_ERROR ("inverse failed to
 * converge"); with the guard linked it returns NaN and the program, which
 * returns 0 itself, must exit with status 1.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <gsl/gsl_cdf.h>
#include <stdio.h>

int main(void)
{
    printf("gsl_cdf_chisq_Pinv(0.025, 7e5) = %g\n", gsl_cdf_chisq_Pinv(0.025, 7e5));
    return 0;
}
