/* 64 x 64 -> 128-bit unsigned multiplication for the exact number reader and
 * writer (numparse.c, numfmt.c). Uses the compiler's 128-bit integer where it
 * has one, portable 32-bit halves otherwise.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef MTPCLI_WIDE_MUL_H
#define MTPCLI_WIDE_MUL_H

#include <stdint.h>

/** @brief hi:lo = a * b, exactly. */
static inline void mtpcli_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 u128;
    const u128 p = (u128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    const uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/** @brief Number of leading zero bits of a nonzero x. */
static inline int mtpcli_clz64(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x & 0x8000000000000000u)) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

#endif
