/* Runs the metapool command once (or twice) and checks what it did.
 *
 *   run_case bad TABLE NAME CLI DIR
 *       the line NAME of TABLE (tests/cli/bad_inputs.txt): exit status as
 *       listed, empty standard output, exactly one line on standard error,
 *       starting "metapool: " and matching the line's regex (POSIX ERE)
 *   run_case golden CLI DIR EXPECTED ACTUAL ARG...
 *       exit 0, empty standard error, standard output byte for byte EXPECTED
 *       (else written to ACTUAL); METAPOOL_UPDATE_GOLDEN=1 rewrites EXPECTED
 *   run_case same CLI DIR STDIN ARG... -- REFARG...
 *       both runs exit 0 with the same standard output; STDIN ("-": none) is
 *       the first run's standard input
 *
 * A C program rather than a CMake script so that `ctest -T memcheck` runs
 * valgrind on something small and the CLI runs at full speed.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_process.h"

static int fail(const char *what, const buf *out, const buf *err)
{
    fprintf(stderr, "FAIL: %s\n--- stdout ---\n%s\n--- stderr ---\n%s\n", what, out ? out->p : "",
            err ? err->p : "");
    return 1;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int bad_case(const char *table, const char *name, char *cli, const char *dir)
{
    FILE *f = fopen(table, "r");
    char line[4096], *fields[5], *argv[64];
    int argc = 0, want_rc, rc;
    buf out = {0}, err = {0};
    regex_t re;
    if (f == NULL) {
        perror(table);
        return 2;
    }
    for (;;) {
        char *p;
        int n = 0;
        if (fgets(line, sizeof line, f) == NULL) {
            fprintf(stderr, "no case %s in %s\n", name, table);
            return 2;
        }
        if (line[0] == '#' || line[0] == '\n')
            continue;
        for (p = line; n < 5; n++) {
            char *bar = n < 4 ? strchr(p, '|') : NULL;
            if (n < 4 && bar == NULL)
                break;
            if (bar != NULL)
                *bar = '\0';
            fields[n] = trim(p);
            p = bar ? bar + 1 : p;
        }
        if (n == 5 && strcmp(fields[0], name) == 0)
            break;
    }
    fclose(f);
    argv[argc++] = cli;
    for (char *tok = strtok(fields[2], " "); tok != NULL && argc < 60; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    if (strcmp(fields[1], "none") != 0)
        argv[argc++] = fields[1];
    argv[argc] = NULL;
    want_rc = atoi(fields[3]);
    if (regcomp(&re, fields[4], REG_EXTENDED | REG_NOSUB) != 0) {
        fprintf(stderr, "bad regex: %s\n", fields[4]);
        return 2;
    }
    rc = run(argv, dir, NULL, &out, &err);
    if (rc != want_rc) {
        char m[64];
        snprintf(m, sizeof m, "exit status %d, want %d", rc, want_rc);
        return fail(m, &out, &err);
    }
    if (out.n != 0)
        return fail("standard output is not empty", &out, &err);
    if (err.n == 0 || err.p[err.n - 1] != '\n' || memchr(err.p, '\n', err.n - 1) != NULL)
        return fail("standard error is not exactly one line", &out, &err);
    err.p[err.n - 1] = '\0';
    if (strncmp(err.p, "metapool: ", 10) != 0)
        return fail("the message does not start with \"metapool: \"", &out, &err);
    if (regexec(&re, err.p, 0, NULL, 0) != 0) {
        fprintf(stderr, "FAIL: message\n  %s\ndoes not match\n  %s\n", err.p, fields[4]);
        return 1;
    }
    regfree(&re);
    free(out.p);
    free(err.p);
    return 0;
}

static int golden_case(char *cli, const char *dir, const char *expected, const char *actual, int argc,
                       char **args)
{
    char **argv = calloc((size_t)argc + 2, sizeof *argv);
    buf out = {0}, err = {0}, want = {0};
    FILE *f;
    int rc;
    argv[0] = cli;
    memcpy(argv + 1, args, (size_t)argc * sizeof *argv);
    rc = run(argv, dir, NULL, &out, &err);
    free(argv);
    if (rc != 0 || err.n != 0)
        return fail("exit status not 0, or a message on standard error", &out, &err);
    if (getenv("METAPOOL_UPDATE_GOLDEN") != NULL && strcmp(getenv("METAPOOL_UPDATE_GOLDEN"), "1") == 0) {
        if ((f = fopen(expected, "wb")) == NULL || fwrite(out.p, 1, out.n, f) != out.n || fclose(f) != 0)
            return fail("cannot write the expected file", NULL, NULL);
        printf("wrote %s\n", expected);
        return 0;
    }
    if ((f = fopen(expected, "rb")) == NULL) {
        perror(expected);
        return 2;
    }
    for (;;) {
        char tmp[65536];
        const size_t got = fread(tmp, 1, sizeof tmp, f);
        if (got == 0)
            break;
        append(&want, tmp, got);
    }
    fclose(f);
    if (want.n != out.n || memcmp(want.p, out.p, out.n) != 0) {
        if ((f = fopen(actual, "wb")) != NULL) {
            fwrite(out.p, 1, out.n, f);
            fclose(f);
        }
        fprintf(stderr, "FAIL: output differs from %s (actual output: %s)\n", expected, actual);
        return 1;
    }
    free(out.p);
    free(err.p);
    free(want.p);
    return 0;
}

static int same_case(char *cli, const char *dir, const char *input, int argc, char **args)
{
    char **a = calloc((size_t)argc + 2, sizeof *a), **b = calloc((size_t)argc + 2, sizeof *b);
    int na = 1, nb = 1, i, rc1, rc2;
    buf o1 = {0}, e1 = {0}, o2 = {0}, e2 = {0};
    a[0] = b[0] = cli;
    for (i = 0; i < argc && strcmp(args[i], "--") != 0; i++)
        a[na++] = args[i];
    for (i++; i < argc; i++)
        b[nb++] = args[i];
    rc1 = run(a, dir, strcmp(input, "-") == 0 ? NULL : input, &o1, &e1);
    rc2 = run(b, dir, NULL, &o2, &e2);
    free(a);
    free(b);
    if (rc1 != 0)
        return fail("first run failed", &o1, &e1);
    if (rc2 != 0)
        return fail("reference run failed", &o2, &e2);
    if (o1.n != o2.n || memcmp(o1.p, o2.p, o1.n) != 0) {
        fprintf(stderr, "FAIL: outputs differ\n--- run ---\n%s\n--- reference ---\n%s\n", o1.p, o2.p);
        return 1;
    }
    free(o1.p);
    free(e1.p);
    free(o2.p);
    free(e2.p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "bad") == 0)
        return bad_case(argv[2], argv[3], argv[4], argv[5]);
    if (argc >= 6 && strcmp(argv[1], "golden") == 0)
        return golden_case(argv[2], argv[3], argv[4], argv[5], argc - 6, argv + 6);
    if (argc >= 5 && strcmp(argv[1], "same") == 0)
        return same_case(argv[2], argv[3], argv[4], argc - 5, argv + 5);
    fprintf(stderr, "usage: run_case bad TABLE NAME CLI DIR | golden CLI DIR EXPECTED ACTUAL ARG... |"
                    " same CLI DIR STDIN ARG... -- REFARG...\n");
    return 2;
}
