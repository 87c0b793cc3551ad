/* Reading a libFuzzer input as bytes and numbers, shared by the fuzz
 * targets over the library's numbers (fuzz_pool.c, fuzz_fit.c). Every read
 * past the end gives 0. A number is one tag byte: < 48 picks a special
 * value (0, -0, NaN, +-Inf, DBL_MAX, DBL_MIN, subnormals, 1e+-300, 1e+-12,
 * 2^53, 0.5, ...); 48..175 is the integer tag - 48; >= 176 is followed by 8
 * raw bytes of an IEEE double.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_FUZZ_BYTES_H
#define METAPOOL_FUZZ_BYTES_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t get_byte(reader *r)
{
    uint8_t b = 0;
    if (r->n > 0) {
        b = *r->p++;
        r->n--;
    }
    return b;
}

static double get_number(reader *r)
{
    static const double special[48] = {
        0.0, -0.0, 1, -1, 0.5, 2, 10, 100, 1e3, 1e6, 1e9, 1e12, 1e-12, 1e-6, 1e-3, 0.05,
        0.95, 0.999999, 1e-300, 1e300, 1e154, 1e-154, 9007199254740992.0, 9007199254740993.0,
        DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, 4.9406564584124654e-324, DBL_EPSILON, 0.1, -0.1,
        NAN, -NAN, INFINITY, -INFINITY, 3.5, 7.25, 1e200, -1e200, 0.3, 0.7, 1 - 1e-16, 1e-16,
        123456789, 2.5e9, 0.0625, -2.5};
    const uint8_t tag = get_byte(r);
    if (tag < 48)
        return special[tag];
    if (tag < 176)
        return (double)(tag - 48);
    {
        uint8_t raw[8] = {0};
        double x;
        for (size_t i = 0; i < 8; i++)
            raw[i] = get_byte(r);
        memcpy(&x, raw, sizeof x);
        return x;
    }
}

#endif
