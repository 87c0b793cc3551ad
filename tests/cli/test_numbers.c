/* The CLI's exact number reader and writer against the C library and
 * jansson: mtpcli_parse_double() must give strtod()'s bits, mtpcli_fmt_g17()
 * printf("%.17g")'s bytes, mtpcli_fmt_json_real() jansson's bytes, on
 * hand-picked edge cases and on seeded random values of every kind.
 * usage: test_numbers [N]   (N random values per category, default 200000)
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "numparse.h"

static unsigned long failures, checks;
static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next(void)
{ /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Du;
}

static double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t double_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static void check_parse(const char *s)
{
    double got = 12345.0, want;
    char *end;
    const int rc = mtpcli_parse_double(s, strlen(s), &got);
    checks++;
    want = strtod(s, &end);
    if (*end != '\0') {
        fprintf(stderr, "test bug: strtod does not take all of \"%s\"\n", s);
        failures++;
        return;
    }
    if (isinf(want)) {
        if (rc != MTPCLI_NUM_OVERFLOW) {
            failures++;
            fprintf(stderr, "parse \"%s\": rc %d, want overflow\n", s, rc);
        }
        return;
    }
    if (rc != MTPCLI_NUM_OK || double_bits(got) != double_bits(want)) {
        failures++;
        if (failures < 20)
            fprintf(stderr, "parse \"%s\": rc %d got %.17g want %.17g\n", s, rc, got, want);
    }
}

static void check_reject(const char *s, int want_rc)
{
    double got = 1.0;
    const int rc = mtpcli_parse_double(s, strlen(s), &got);
    checks++;
    if (rc != want_rc || got != 1.0) {
        failures++;
        fprintf(stderr, "parse \"%s\": rc %d, want %d, value untouched\n", s, rc, want_rc);
    }
}

static void check_fmt(double v)
{
    char got[MTPCLI_G17_MAX], want[64], jgot[MTPCLI_G17_MAX];
    checks++;
    mtpcli_fmt_g17(got, v);
    snprintf(want, sizeof want, "%.17g", v);
    if (strcmp(got, want) != 0) {
        failures++;
        if (failures < 20)
            fprintf(stderr, "fmt %a: got %s want %s\n", v, got, want);
    }
    if (isfinite(v)) {
        json_t *j = json_real(v);
        char *dump = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
        mtpcli_fmt_json_real(jgot, v);
        if (dump == NULL || strcmp(jgot, dump) != 0) {
            failures++;
            if (failures < 20)
                fprintf(stderr, "json %a: got %s want %s\n", v, jgot, dump ? dump : "(null)");
        }
        free(dump);
        json_decref(j);
    }
}

/* A random double of a kind that occurs in meta-analysis output and input. */
static double random_double(unsigned kind)
{
    const double u = (double)(next() >> 11) * 0x1p-53;
    switch (kind % 6) {
    case 0: return bits_to_double(next()); /* any bit pattern */
    case 1: return u;                      /* (0, 1) */
    case 2: return (u - 0.5) * pow(10, (double)(int)(next() % 40) - 20);
    case 3: return (double)(int64_t)(next() % 2000000) - 1000000; /* integers */
    case 4: return ldexp(1.0, (int)(next() % 2000) - 1000) * (1 + u); /* every exponent */
    default: return pow(10, (double)(int)(next() % 600) - 300) * (next() % 2 ? 1 : -1); /* near powers of 10 */
    }
}

int main(int argc, char **argv)
{
    const unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000ul;
    static const char *const exact[] = {
        "0", "-0", "+0", "0.0", ".5", "5.", "1", "-1", "1e0", "1E+2", "1e-2", "00012.5000",
        "0.1", "0.2", "0.3", "3.14159", "2.2250738585072014e-308", "2.2250738585072011e-308",
        "4.9406564584124654e-324", "1e-400", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "9007199254740993", "9007199254740992", "9007199254740995",
        "123456789012345678901234567890", "0.000000000000000000000000000000000001234",
        "1.00000000000000011102230246251565404236316680908203125", /* 1 + 2^-53: a tie */
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "7.2057594037927933e16", "1e22", "1e23", "8.98846567431158e307", "1e308", "1e-307",
        "0.12345678901234567", "12345678901234567890", "1234567890123456789", "1e-5", "-1e-5",
        "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e310"};
    static const char *const bad[] = {"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5",
                                      " 1", "1 ", "0x10", "1d5", "--1", "1e5.5", "abc", "NA"};
    static const char *const nonfinite[] = {"inf", "-inf", "Infinity", "NaN", "nan", "+INF"};
    char buf[128];

    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        check_parse(exact[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_reject(bad[i], MTPCLI_NUM_SYNTAX);
    for (size_t i = 0; i < sizeof nonfinite / sizeof nonfinite[0]; i++)
        check_reject(nonfinite[i], MTPCLI_NUM_NONFINITE);
    check_reject("1e309", MTPCLI_NUM_OVERFLOW);
    check_reject("-2e308", MTPCLI_NUM_OVERFLOW);

    { /* a span that is not NUL-terminated: "2.5" out of "2.50000001" */
        double v = 0;
        checks++;
        if (mtpcli_parse_double("2.50000001", 3, &v) != MTPCLI_NUM_OK || v != 2.5) {
            failures++;
            fprintf(stderr, "span parse: got %.17g\n", v);
        }
    }

    /* writer: special values, then random values of every kind */
    {
        static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1e16, 1e17, 1e-5, 1e-4,
                                         9.9999999999999995e-5, 123456789012345680.0, 1e300,
                                         5e-324, 2.2250738585072014e-308, DBL_MAX, 0.5, 95.0,
                                         100.0, 1e21, 1e22, 1e23, 4.35, 0.3};
        for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
            check_fmt(special[i]);
        check_fmt(INFINITY);
        check_fmt(NAN);
        for (int p = -320; p <= 308; p++) {
            const double t = pow(10, p);
            check_fmt(t);
            check_fmt(nextafter(t, 0));
            check_fmt(nextafter(t, INFINITY));
        }
    }
    for (unsigned long i = 0; i < n; i++) {
        const double v = random_double((unsigned)i);
        if (isnan(v))
            continue;
        check_fmt(v);
        /* the reader on what writers produce, and on near-halfway texts */
        snprintf(buf, sizeof buf, "%.17g", v);
        check_parse(buf);
        snprintf(buf, sizeof buf, "%.*g", (int)(i % 19) + 1, v);
        check_parse(buf);
        if (isfinite(v) && v != 0) { /* midpoint between v and its neighbour, to 25 digits */
            const long double mid = ((long double)v + (long double)nextafter(v, INFINITY)) / 2;
            snprintf(buf, sizeof buf, "%.*Le", 17 + (int)(i % 9), mid);
            check_parse(buf);
        }
    }
    for (unsigned long i = 0; i < n / 4; i++) { /* random digit strings, random exponents */
        char *p = buf;
        const int nd = 1 + (int)(next() % 30), dot = (int)(next() % (unsigned)(nd + 1));
        for (int j = 0; j < nd; j++) {
            if (j == dot)
                *p++ = '.';
            *p++ = (char)('0' + next() % 10);
        }
        snprintf(p, sizeof buf - (size_t)(p - buf), "e%d", (int)(next() % 700) - 350);
        check_parse(buf);
    }
    printf("%lu checks, %lu failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
