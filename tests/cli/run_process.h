/* Shared by the CLI test programs: run a command in a directory with its
 * standard input from a file, and collect its standard output and error.
 * Test code only (POSIX: fork, pipes, poll). */
#ifndef METAPOOL_TEST_RUN_PROCESS_H
#define METAPOOL_TEST_RUN_PROCESS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void append(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        if ((b->p = realloc(b->p, b->cap)) == NULL) {
            perror("realloc");
            exit(2);
        }
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* Run argv in dir with stdin from `input` (NULL: /dev/null); collect both outputs. */
static int run(char **argv, const char *dir, const char *input, buf *out, buf *err)
{
    int po[2], pe[2], status;
    pid_t pid;
    struct pollfd fds[2];
    if (pipe(po) != 0 || pipe(pe) != 0) {
        perror("pipe");
        exit(2);
    }
    if ((pid = fork()) < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        const int in = open(input ? input : "/dev/null", O_RDONLY);
        if (in < 0 || chdir(dir) != 0) {
            perror(input ? input : dir);
            _exit(127);
        }
        dup2(in, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    out->n = err->n = 0;
    append(out, "", 0);
    append(err, "", 0);
    fds[0].fd = po[0];
    fds[1].fd = pe[0];
    fds[0].events = fds[1].events = POLLIN;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR) {
            perror("poll");
            exit(2);
        }
        for (int i = 0; i < 2; i++)
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                char tmp[65536];
                const ssize_t got = read(fds[i].fd, tmp, sizeof tmp);
                if (got > 0) {
                    append(i ? err : out, tmp, (size_t)got);
                } else {
                    close(fds[i].fd);
                    fds[i].fd = -1;
                }
            }
    }
    if (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        exit(2);
    }
    /* GSL's default error handler writes "gsl: FILE:LINE: ERROR: ..." and
     * aborts; the command must never get there (issue 13) */
    if (strstr(err->p, "gsl:") != NULL) {
        fprintf(stderr, "FAIL: %s reached GSL's error handler; its stderr:\n%s\n", argv[0],
                err->p);
        exit(1);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif
