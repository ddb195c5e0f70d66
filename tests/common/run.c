/* run.c - running a program from a test, with fork and execve. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Append N bytes of DATA to the growing buffer *BUF of *LEN bytes. */
static void append(char **buf, size_t *len, const char *data, size_t n)
{
    char *grown = realloc(*buf, *len + n + 1);

    if (!grown)
        abort();
    memcpy(grown + *len, data, n);
    *len += n;
    grown[*len] = '\0';
    *buf = grown;
}

/* The environment of the child: ours plus EXTRA.  A new array; the strings
 * are borrowed. */
static char **child_env(char *const extra[])
{
    size_t n = 0, m = 0;
    char **env;

    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    if (!(env = calloc(n + m + 1, sizeof(*env))))
        abort();
    if (m)
        memcpy(env, extra, m * sizeof(*env));
    for (size_t i = 0, k = m; i < n; i++) {
        int overridden = 0;
        for (size_t j = 0; j < m; j++) {
            size_t name = strcspn(extra[j], "=");
            if (strncmp(environ[i], extra[j], name + 1) == 0)
                overridden = 1;
        }
        if (!overridden)
            env[k++] = environ[i];
    }
    return env;
}

/* execve ARGV[0], looking it up in PATH when it has no '/'. */
static void exec_path(char *const argv[], char **env)
{
    const char *path = getenv("PATH");
    char full[4096];

    if (strchr(argv[0], '/') || !path) {
        execve(argv[0], argv, env);
        return;
    }
    while (*path) {
        size_t len = strcspn(path, ":");
        snprintf(full, sizeof(full), "%.*s/%s", (int)len, path, argv[0]);
        execve(full, argv, env);
        path += len + (path[len] == ':');
    }
}

int run_argv(char *const argv[], char *const env[], struct run_result *r)
{
    int out[2], err[2], status;
    size_t out_len = 0, err_len = 0;
    pid_t pid;

    memset(r, 0, sizeof(*r));
    /* close-on-exec: a daemon the program starts must not inherit the pipes,
     * or their end is never seen */
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
        return -1;
    if ((pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]);
        close(err[0]);
        exec_path(argv, child_env(env));
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    append(&r->out, &out_len, "", 0);
    append(&r->err, &err_len, "", 0);
    /* poll ignores a negative descriptor: a closed pipe is set to -1. */
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        char buf[4096];
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            ssize_t n;
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            if ((n = read(fds[i].fd, buf, sizeof(buf))) <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
            } else if (i == 0) {
                append(&r->out, &out_len, buf, (size_t)n);
            } else {
                append(&r->err, &err_len, buf, (size_t)n);
            }
        }
    }
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

int run_cmd(struct run_result *r, const char *prog, ...)
{
    char *argv[64];
    int n = 0;
    va_list ap;

    argv[n++] = (char *)prog;
    va_start(ap, prog);
    while (n < 63 && (argv[n] = va_arg(ap, char *)))
        n++;
    va_end(ap);
    argv[n] = NULL;
    return run_argv(argv, NULL, r);
}

void run_result_free(struct run_result *r)
{
    if (!r)
        return;
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int run_count_lines(const char *text)
{
    int n = 0;

    for (; text && *text; text++)
        if (*text == '\n')
            n++;
    return n;
}
