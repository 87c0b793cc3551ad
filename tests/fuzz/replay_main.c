/* Standalone driver for the libFuzzer targets: feeds every file named on the
 * command line (a directory: every regular file in it, in name order) to
 * LLVMFuzzerTestOneInput, so that the seed corpus and the regression inputs
 * replay under ctest with any compiler (libFuzzer is clang-only). A target
 * signals a violated invariant with abort(), which fails the test.
 * Copyright (C) 2026 the metapool authors. GPL-3.0-or-later. */
#define _POSIX_C_SOURCE 200809L /* opendir, readdir, stat */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    for (;;) {
        size_t got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap ? cap * 2 : 4096);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap = cap ? cap * 2 : 4096;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of a directory, sorted, so that runs are reproducible. */
static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char *path;
        struct stat st;
        const size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (e->d_name[0] == '.')
            continue;
        path = malloc(len);
        if (path == NULL) {
            rc = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            char **nn = realloc(names, (cap ? cap * 2 : 64) * sizeof *names);
            if (nn == NULL) {
                free(path);
                rc = -1;
                break;
            }
            names = nn;
            cap = cap ? cap * 2 : 64;
        }
        names[n++] = path;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && run_file(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    *count += n;
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i], &count) != 0) {
                fprintf(stderr, "replay: cannot read directory %s\n", argv[i]);
                return 1;
            }
        } else {
            if (run_file(argv[i]) != 0)
                return 1;
            count++;
        }
    }
    printf("replayed %zu inputs without a finding\n", count);
    return count > 0 ? 0 : 1;
}
