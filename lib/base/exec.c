/* exec.c - running external programs with fork and execve. */
#include "base/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/log.h"

extern char **environ;

int gf_exec(char *const argv[], int timeout, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    int pipefd[2], status = 0, ret = -1;
    double deadline = gf_now() + timeout;
    pid_t pid;

    if (out)
        *out = NULL;
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        gf_err(GF_ERR_OP, "running %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if ((pid = fork()) < 0) {
        gf_err(GF_ERR_OP, "running %s: %s", argv[0], strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(pipefd[1], 1);
        execve(argv[0], argv, environ);
        _exit(127);
    }
    close(pipefd[1]);
    for (;;) {
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        int left = (int)((deadline - gf_now()) * 1000);
        char chunk[4096];
        ssize_t n;
        if (left <= 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            gf_err(GF_ERR_OP, "%s did not finish within %d s and was killed", argv[0], timeout);
            goto cleanup;
        }
        if (poll(&pfd, 1, left) < 0 && errno != EINTR)
            break;
        if (!pfd.revents)
            continue;
        if ((n = read(pipefd[0], chunk, sizeof(chunk))) <= 0)
            break;
        if (out) {
            char *grown = realloc(buf, len + (size_t)n + 1);
            if (!grown)
                abort();
            buf = grown;
            memcpy(buf + len, chunk, (size_t)n);
            len += (size_t)n;
            buf[len] = '\0';
        }
    }
    /* its output is closed, but it may run on (a hook that redirected it):
     * wait no longer than the deadline */
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        struct timespec tick = {0, 50 * 1000 * 1000};
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR) {
            gf_err(GF_ERR_OP, "waiting for %s: %s", argv[0], strerror(errno));
            goto cleanup;
        }
        if (gf_now() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            gf_err(GF_ERR_OP, "%s did not finish within %d s and was killed", argv[0], timeout);
            goto cleanup;
        }
        nanosleep(&tick, NULL);
    }
    if (WIFSIGNALED(status)) {
        gf_err(GF_ERR_OP, "%s was killed by signal %d", argv[0], WTERMSIG(status));
        goto cleanup;
    }
    if (WEXITSTATUS(status) == 127) {
        gf_err(GF_ERR_OP, "%s could not be run", argv[0]);
        goto cleanup;
    }
    ret = WEXITSTATUS(status);
    if (out) {
        *out = buf ? buf : strdup("");
        buf = NULL;
    }
cleanup:
    close(pipefd[0]);
    free(buf);
    return ret;
}
