/* The invariant check of every fuzz target: CHECK(cond, detail) aborts
 * (so that libFuzzer reports the input) with "<FUZZ_NAME>: invariant
 * violated: ..." on stderr, the line tests/fuzz/run_fuzzers.sh looks for.
 * Define FUZZ_NAME (the target's name, a string) before including it.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#ifndef METAPOOL_FUZZ_CHECK_H
#define METAPOOL_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME before including fuzz_check.h"
#endif

static void violated(const char *what, const char *detail)
{
    fprintf(stderr, FUZZ_NAME ": invariant violated: %s (%s)\n", what, detail);
    abort();
}

#define CHECK(cond, detail)                                                                   \
    do {                                                                                      \
        if (!(cond))                                                                          \
            violated(#cond, detail);                                                          \
    } while (0)

#endif
