/* metapool: meta-analysis of a CSV file from the command line (issue 3).
 *
 * Order of work, so that an error leaves standard output empty: read the
 * command line, the whole file, check it into a table, fit every analysis,
 * build the report in memory, write the plots (--forest, --funnel), and only
 * then write standard output. Every failure is one line on standard error and a
 * non-zero exit status (1: file or analysis, 2: command line).
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { EXIT_DATA = 1, EXIT_USAGE = 2 };

static int die(const char *what, const char *detail)
{
    fprintf(stderr, "metapool: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return EXIT_DATA;
}

/* The whole input into memory (one allocation when the size is known).
 * 0, or -1 with errno. */
static int slurp(FILE *f, char **buf, size_t *len)
{
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    char *b;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (unsigned long long)st.st_size < (size_t)-1 / 2)
        cap = (size_t)st.st_size + 1; /* + 1: the read that sees the end */
    b = malloc(cap);
    if (b == NULL)
        return -1;
    for (;;) {
        size_t got;
        if (n == cap) {
            char *nb;
            if (cap > (size_t)-1 / 2 || (nb = realloc(b, cap * 2)) == NULL) {
                free(b);
                errno = ENOMEM;
                return -1;
            }
            b = nb;
            cap *= 2;
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                const int e = errno ? errno : EIO;
                free(b);
                errno = e;
                return -1;
            }
            break;
        }
    }
    *buf = b;
    *len = n;
    return 0;
}

static int read_input(const mtpcli_settings *s, char **buf, size_t *len, char *msg, size_t msglen)
{
    const int use_stdin = s->file == NULL || strcmp(s->file, "-") == 0;
    FILE *f = use_stdin ? stdin : fopen(s->file, "rb");
    int rc;
    if (f == NULL) {
        snprintf(msg, msglen, "cannot open: %s", strerror(errno));
        return -1;
    }
    errno = 0;
    rc = slurp(f, buf, len);
    if (rc != 0)
        snprintf(msg, msglen, "cannot read: %s", strerror(errno));
    if (!use_stdin)
        fclose(f);
    return rc;
}

static int write_all(mtpcli_out *o)
{
    o->sink = stdout;
    if (mtpcli_out_flush(o) != 0 || fflush(stdout) != 0 || ferror(stdout))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    mtpcli_settings s;
    mtpcli_table t;
    mtpcli_run run;
    mtpcli_csv_config cfg;
    mtpcli_csv_error cerr;
    mtpcli_out out;
    char msg[600], where[256];
    const char *mod_columns[MTPCLI_MODS_MAX_TERMS];
    char *buf = NULL;
    size_t len = 0;
    int rc = EXIT_DATA;

    switch (mtpcli_parse_args(&s, argc, argv, msg, sizeof msg)) {
    case MTPCLI_ARGS_HELP:
        return mtpcli_write_help(stdout) == 0 && fflush(stdout) == 0 ? 0 : EXIT_DATA;
    case MTPCLI_ARGS_VERSION:
        printf("metapool %s (libmetapool %s)\n", MTPCLI_VERSION, mtp_version_string());
        return fflush(stdout) == 0 ? 0 : EXIT_DATA;
    case MTPCLI_ARGS_ERROR:
        fprintf(stderr, "metapool: %s\n", msg);
        return EXIT_USAGE;
    default: break;
    }
    mtpcli_sanitize(where, sizeof where, mtpcli_input_name(&s), strlen(mtpcli_input_name(&s)));
    if (read_input(&s, &buf, &len, msg, sizeof msg) != 0)
        return die(where, msg);

    memset(&cfg, 0, sizeof cfg);
    cfg.subgroup_column = s.subgroup;
    cfg.by_column = s.by;
    if (s.has_mods) {
        for (size_t j = 0; j < s.mods.ncols; j++)
            mod_columns[j] = mtpcli_formula_str(&s.mods, s.mods.cols[j]);
        cfg.mod_columns = mod_columns;
        cfg.nmod_columns = s.mods.ncols;
    }
    memset(&run, 0, sizeof run);
    memset(&out, 0, sizeof out);
    if (mtpcli_csv_read(&t, buf, len, &cfg, &cerr) != MTPCLI_CSV_OK) {
        die(where, cerr.message);
        goto done;
    }
    free(buf);
    buf = NULL;
    if (mtpcli_analyse(&run, &t, &s, msg, sizeof msg) != 0) {
        die(where, msg);
        goto done;
    }
    if (s.format == MTPCLI_JSON && s.by != NULL) {
        /* streamed: nothing can fail now but the writing */
        out.sink = stdout;
        mtpcli_write_json(&out, &run, &t, &s, 1);
    } else if (s.format == MTPCLI_JSON) {
        mtpcli_write_json(&out, &run, &t, &s, 0);
    } else {
        mtpcli_write_text(&out, &run, &t, &s);
    }
    if (out.failed && out.sink == NULL) {
        die(where, "out of memory while writing the output");
        goto done;
    }
    if (mtpcli_write_plots(&run, &t, &s, msg, sizeof msg) != 0) { /* before stdout: see plot.c */
        fprintf(stderr, "metapool: %s\n", msg);
        goto done;
    }
    if (write_all(&out) != 0) {
        die("standard output", strerror(errno ? errno : EIO));
        goto done;
    }
    rc = 0;
done:
    free(buf);
    mtpcli_out_free(&out);
    mtpcli_run_free(&run);
    mtpcli_table_free(&t);
    return rc;
}
