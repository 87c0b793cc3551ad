/* Test guard (issue 13): linked into every test program of tests/, it
 * makes any call of GSL's error handler fail the program. The library
 * promises never to reach that handler (whose default aborts the host
 * process) and never to change it; the test programs, which are not the
 * library, may. Before main() a handler is installed that records each call
 * (file, line, reason, gsl_errno) and prints it at once; at exit every
 * recorded call is printed again and the exit status forced to 1, whatever
 * main() returned. Linked as an object library (metapool_gsl_guard), since
 * nothing references its symbols: from an archive the linker would drop it.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define GUARD_MAX 32

static struct {
    const char *file, *reason;
    int line, gsl_errno;
} calls[GUARD_MAX];
static unsigned long ncalls;

static void guard_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    if (ncalls < GUARD_MAX) {
        calls[ncalls].file = file;
        calls[ncalls].reason = reason;
        calls[ncalls].line = line;
        calls[ncalls].gsl_errno = gsl_errno;
    }
    ncalls++;
    fprintf(stderr, "gsl_guard: GSL error handler called: %s:%d: %s (gsl_errno %d)\n",
            file ? file : "?", line, reason ? reason : "?", gsl_errno);
}

static void guard_report(void)
{
    if (ncalls == 0)
        return;
    fprintf(stderr, "gsl_guard: FAIL: GSL's error handler was called %lu time(s):\n", ncalls);
    for (unsigned long i = 0; i < ncalls && i < GUARD_MAX; i++)
        fprintf(stderr, "gsl_guard:   %s:%d: %s (gsl_errno %d)\n",
                calls[i].file ? calls[i].file : "?", calls[i].line,
                calls[i].reason ? calls[i].reason : "?", calls[i].gsl_errno);
    if (ncalls > GUARD_MAX)
        fprintf(stderr, "gsl_guard:   ... and %lu more\n", ncalls - GUARD_MAX);
    fflush(stdout);
    fflush(stderr);
    _exit(1);
}

__attribute__((constructor)) static void guard_install(void)
{
    gsl_set_error_handler(guard_handler);
    atexit(guard_report);
}
