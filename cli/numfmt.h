/* Fast, exact printf("%.17g") for the JSON writers.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef MTPCLI_NUMFMT_H
#define MTPCLI_NUMFMT_H

#include <stddef.h>

/** Room for any result of the functions below, NUL included. */
#define MTPCLI_G17_MAX 48

/**
 * @brief Write @p v as printf("%.17g") does (C locale, round to nearest),
 * byte for byte.
 *
 * The 17 significant digits are computed with a 128-bit power of five (the
 * table of numparse.c); when the product cannot prove the rounding direction
 * (a decimal tie or a near tie, which is rare), and for subnormals, Inf and
 * NaN, snprintf() does the work. Measured on the benchmark machine about
 * 20 times faster than glibc's snprintf("%.17g"), which spends some 850 ns on a
 * number (see cli/README.md, "Speed").
 * @param buf at least ::MTPCLI_G17_MAX bytes; NUL-terminated on return
 * @param v   any double
 * @return the length written (without the NUL)
 */
size_t mtpcli_fmt_g17(char *buf, double v);

/**
 * @brief Write @p v exactly as jansson 2.14's encoder writes a real with
 * JSON_REAL_PRECISION(17): "%.17g", then ".0" appended when the text has no
 * '.' and no 'e', and the exponent without '+' or leading zeros ("1e-5",
 * "2e20"). Only finite values are meaningful in JSON.
 * @param buf at least ::MTPCLI_G17_MAX bytes; NUL-terminated on return
 * @param v   a finite double
 * @return the length written (without the NUL)
 */
size_t mtpcli_fmt_json_real(char *buf, double v);

#endif
