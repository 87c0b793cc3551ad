/* Exact decimal-to-double conversion (see numparse.h).
 * Eisel-Lemire as described by Lemire (2021), Softw Pract Exper 51:1700,
 * section 5; written here from the paper, with a conservative fallback to
 * strtod() wherever the 128-bit product cannot decide the rounding.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include "numparse.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pow5_table.h"
#include "wide_mul.h"

/* Powers of ten that are exact doubles (10^22 < 2^53 * 2^22). */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int ascii_ieq(const char *s, size_t len, const char *word)
{
    size_t i;
    for (i = 0; i < len && word[i] != '\0'; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return i == len && word[i] == '\0';
}

/* "inf", "-Infinity", "NaN", ...: recognised only to name them in errors. */
static int is_nonfinite_word(const char *s, size_t len)
{
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        s++;
        len--;
    }
    return ascii_ieq(s, len, "inf") || ascii_ieq(s, len, "infinity") || ascii_ieq(s, len, "nan");
}

/* The C library's correctly rounded conversion, for the cases the fast
 * paths leave. The span is copied so that strtod() sees exactly it. */
/* The digits of an exponent after its 'e' or 'E', with an optional sign,
 * added to *exp10 (magnitudes past 1e8 saturate: the result is then 0 or
 * infinite anyway). Returns the first character after them, or NULL when no
 * digit follows. */
static inline const char *exponent(const char *p, const char *end, long long *exp10)
{
    long long e = 0;
    int negative = 0;
    if (p < end && (*p == '+' || *p == '-'))
        negative = *p++ == '-';
    if (p == end || !is_digit(*p))
        return NULL;
    for (; p < end && is_digit(*p); p++)
        if (e < 100000000)
            e = e * 10 + (*p - '0');
    *exp10 += negative ? -e : e;
    return p;
}

static int slow_path(const char *s, size_t len, double *out)
{
    char small[128];
    char *buf = len < sizeof small ? small : malloc(len + 1);
    double v;
    if (buf == NULL)
        return MTPCLI_NUM_NOMEM;
    memcpy(buf, s, len);
    buf[len] = '\0';
    v = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    if (v > DBL_MAX || v < -DBL_MAX)
        return MTPCLI_NUM_OVERFLOW;
    *out = v;
    return MTPCLI_NUM_OK;
}

/* Eisel-Lemire: w * 10^q for w != 0 and q in the table's range. Returns 1
 * with *bits (the IEEE pattern without sign) when the result is proven,
 * 0 when the caller must fall back. */
static int eisel_lemire(uint64_t w, int q, uint64_t *bits)
{
    const mtpcli_pow5 *t = &mtpcli_pow5_table[q - MTPCLI_POW5_MIN];
    const int lz = mtpcli_clz64(w);
    uint64_t hi, lo, bhi, blo, m, mant;
    int shift, e, biased;

    w <<= lz;
    mtpcli_mul64(w, t->hi, &hi, &lo);
    /* The kept product underestimates w * 5^q by less than two units of lo
     * (the dropped low word of w * t->lo, and the truncation of 5^q). A carry
     * can only reach the bits kept in the mantissa if the low 9 bits of hi are
     * all ones; then add the second product and check again. */
    if ((hi & 0x1ff) == 0x1ff) {
        mtpcli_mul64(w, t->lo, &bhi, &blo);
        lo += bhi;
        if (lo < bhi)
            hi++;
        if ((hi & 0x1ff) == 0x1ff && lo >= UINT64_MAX - 1)
            return 0;
    }
    shift = (int)(hi >> 63) + 9; /* keep 54 bits: 53 + the rounding bit */
    m = hi >> shift;
    /* Exactly halfway, or just above it, cannot be told apart here: strtod. */
    if ((m & 1) && (hi & ((UINT64_C(1) << shift) - 1)) == 0)
        return 0;
    mant = (m + 1) >> 1;
    /* value = w0 * 5^q * 2^q ~ hi * 2^(1 - lz + E + q); mant carries 2^(shift+1) */
    e = shift + 2 - lz + t->e2 + q;
    if (mant == (UINT64_C(1) << 53)) {
        mant >>= 1;
        e++;
    }
    biased = e + 52 + 1023;
    if (biased <= 0 || biased >= 2047)
        return 0; /* subnormal or overflow: strtod decides */
    *bits = ((uint64_t)biased << 52) | (mant & ((UINT64_C(1) << 52) - 1));
    return 1;
}

/* w * 10^exp10 (exact decimal, w < 10^19) to the nearest double. */
static int finish(uint64_t w, long long exp10, int negative, const char *s, size_t len, double *out)
{
    if (w == 0) {
        *out = negative ? -0.0 : 0.0;
        return MTPCLI_NUM_OK;
    }
#if FLT_EVAL_METHOD == 0
    /* Clinger's fast path: one correctly rounded IEEE operation. */
    if (w <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)w;
        v = exp10 < 0 ? v / exact_pow10[-exp10] : v * exact_pow10[exp10];
        *out = negative ? -v : v;
        return MTPCLI_NUM_OK;
    }
#endif
    if (exp10 > 308) /* w >= 1, so the value is at least 1e309 */
        return MTPCLI_NUM_OVERFLOW;
    if (exp10 >= MTPCLI_POW5_MIN) {
        uint64_t bits;
        if (eisel_lemire(w, (int)exp10, &bits)) {
            double v;
            if (negative)
                bits |= UINT64_C(1) << 63;
            memcpy(&v, &bits, sizeof v);
            *out = v;
            return MTPCLI_NUM_OK;
        }
    }
    return slow_path(s, len, out);
}

/* Any span: significant digits beyond 19 are tracked as "truncated". */
static int parse_general(const char *s, size_t len, double *out)
{
    const char *p = s, *end = s + len;
    uint64_t w = 0;
    int nd = 0, negative = 0, truncated = 0;
    long long exp10 = 0;
    size_t ndigits = 0;

    if (p < end && (*p == '+' || *p == '-'))
        negative = *p++ == '-';
    /* integer part; leading zeros carry no information */
    for (; p < end && is_digit(*p); p++, ndigits++) {
        const int d = *p - '0';
        if (nd == 0 && d == 0)
            continue;
        if (nd < 19) {
            w = w * 10 + (uint64_t)d;
            nd++;
        } else {
            exp10++;
            truncated |= d != 0;
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && is_digit(*p); p++, ndigits++) {
            const int d = *p - '0';
            if (nd == 0 && d == 0) {
                exp10--;
                continue;
            }
            if (nd < 19) {
                w = w * 10 + (uint64_t)d;
                nd++;
                exp10--;
            } else {
                truncated |= d != 0;
            }
        }
    }
    if (ndigits == 0)
        return is_nonfinite_word(s, len) ? MTPCLI_NUM_NONFINITE : MTPCLI_NUM_SYNTAX;
    if (p < end && (*p == 'e' || *p == 'E') && (p = exponent(p + 1, end, &exp10)) == NULL)
        return MTPCLI_NUM_SYNTAX;
    if (p != end)
        return MTPCLI_NUM_SYNTAX;

    if (truncated)
        return slow_path(s, len, out);
    return finish(w, exp10, negative, s, len, out);
}

/* Eight ASCII digits at once (SWAR), little-endian only: whether the 8 bytes
 * of v are all '0'..'9', and their value. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MTPCLI_SWAR 1
static int eight_digits(uint64_t v)
{
    /* each byte 0x30..0x39: high nibble 3, and adding 6 does not carry out of it */
    return ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
            (((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ==
           UINT64_C(0x3333333333333333);
}

static uint64_t eight_value(uint64_t v)
{
    /* byte i holds digit i (first = most significant): pair, then quad, then all */
    v -= UINT64_C(0x3030303030303030);
    v = (v * 10) + (v >> 8); /* bytes 0,2,4,6: two-digit values */
    v = (((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32))) +
         (((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32)))) >>
        32;
    return v & 0xffffffffu;
}
#endif

/* Digits from p (at most 19 in all): w = w * 10^n + their value. */
static inline const char *digits(const char *p, const char *end, uint64_t *w, int *n)
{
#ifdef MTPCLI_SWAR
    while (end - p >= 8 && *n <= 11) {
        uint64_t v;
        memcpy(&v, p, 8);
        if (!eight_digits(v))
            break;
        *w = *w * 100000000u + eight_value(v);
        *n += 8;
        p += 8;
    }
#endif
    while (p < end && is_digit(*p) && *n < 19) {
        *w = *w * 10 + (uint64_t)(*p - '0');
        (*n)++;
        p++;
    }
    return p;
}

int mtpcli_parse_double(const char *s, size_t len, double *out)
{
    const char *p = s, *end = s + len;
    uint64_t w = 0;
    int n = 0, negative = 0, any = 0;
    long long exp10 = 0;

    /* Common short forms: [-]digits[.digits], at most 19 significant digits,
     * optional exponent. Anything else (more digits, odd forms) goes to
     * parse_general, which accepts the same grammar. */
    if (p < end && (*p == '+' || *p == '-'))
        negative = *p++ == '-';
    while (p < end && *p == '0') { /* leading zeros */
        p++;
        any = 1;
    }
    if (p < end && is_digit(*p)) {
        const char *q = digits(p, end, &w, &n);
        any = 1;
        if (q < end && is_digit(*q))
            return parse_general(s, len, out); /* 20+ significant digits */
        p = q;
    }
    if (p < end && *p == '.') {
        const char *q;
        p++;
        if (n == 0) /* 0.000ddd: zeros only scale */
            for (; p < end && *p == '0'; p++) {
                exp10--;
                any = 1;
            }
        q = digits(p, end, &w, &n);
        exp10 -= q - p;
        any |= q != p;
        if (q < end && is_digit(*q))
            return parse_general(s, len, out);
        p = q;
    }
    if (!any || (p < end && *p != 'e' && *p != 'E'))
        return parse_general(s, len, out); /* not a number, or "inf"/"nan": named there */
    if (p < end && ((p = exponent(p + 1, end, &exp10)) == NULL || p != end))
        return MTPCLI_NUM_SYNTAX;
    return finish(w, exp10, negative, s, len, out);
}
