/* Exact decimal-to-double conversion for CSV fields.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef MTPCLI_NUMPARSE_H
#define MTPCLI_NUMPARSE_H

#include <stddef.h>

/** Results of mtpcli_parse_double(). */
enum mtpcli_num_status {
    MTPCLI_NUM_OK = 0,         /**< *out holds the correctly rounded value */
    MTPCLI_NUM_SYNTAX = -1,    /**< not a decimal number */
    MTPCLI_NUM_NONFINITE = -2, /**< "inf", "nan" and the like */
    MTPCLI_NUM_OVERFLOW = -3,  /**< a decimal number beyond the double range */
    MTPCLI_NUM_NOMEM = -4      /**< no memory for the copy of a span of 128+ bytes */
};

/**
 * @brief Convert the decimal number [s, s + len) to the nearest double
 * (round half to even), exactly as a correctly rounded strtod() would.
 *
 * Grammar: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, the
 * whole span and nothing else (no spaces, no hexadecimal, no inf/nan).
 * Fast paths: Clinger (1990) when the significand and power of ten are both
 * exact doubles; otherwise Eisel-Lemire (Lemire 2021, "Number parsing at a
 * gigabyte per second", Softw Pract Exper 51:1700) with a 128-bit power of
 * five; whenever that cannot prove the rounding (more than 19 significant
 * digits, a near-halfway product, subnormal or overflowing results), the span
 * is handed to the C library's strtod(), which glibc rounds correctly.
 * No allocation for spans shorter than 128 bytes (longer ones, all but
 * unheard of, are copied to the heap for strtod).
 * @param s   first character (need not be NUL-terminated)
 * @param len number of characters
 * @param out the value, written only on ::MTPCLI_NUM_OK
 * @return an ::mtpcli_num_status
 */
int mtpcli_parse_double(const char *s, size_t len, double *out);

#endif
