/* exec.c - running external programs with fork and execve.
 *
 * The child is given stdin, stdout and stderr and nothing else (the
 * daemon's journal, sockets and libvirt connections stay its own), and its
 * output is read as it comes, never more than GF_EXEC_MAX_OUTPUT of it
 * kept: a program printing without end costs time until its timeout, not
 * memory. */
#include "base/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/log.h"

extern char **environ;

/* In the child: close every descriptor from 3 up.  Async-signal-safe. */
static void close_from_3(void)
{
    struct rlimit rl;
    int max = 65536;

    if (close_range(3, ~0U, 0) == 0)
        return;
    /* no close_range (a kernel before 5.9): every possible descriptor */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)(1 << 20))
        max = (int)rl.rlim_cur;
    for (int fd = 3; fd < max; fd++)
        close(fd);
}

/* In the child: stdin from /dev/null, stdout to the pipe's end OUT, then
 * nothing else open but stderr, and ARGV run.  Never returns. */
static void child(char *const argv[], int out)
{
    int null;

    /* out is moved above 2 first, so that setting 0 and 1 cannot close it */
    if (out < 3 && (out = fcntl(out, F_DUPFD, 3)) < 0)
        _exit(127);
    /* dup2 gives 0 without close-on-exec; were /dev/null 0 already, it keeps it */
    if ((null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
        (null != 0 ? dup2(null, 0) < 0 : fcntl(0, F_SETFD, 0) < 0) || dup2(out, 1) < 0)
        _exit(127);
    close_from_3();
    execve(argv[0], argv, environ);
    _exit(127);
}

/* Kill PID and reap it. */
static void kill_child(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Record that PROGRAM (escaped) timed out after TIMEOUT s, having printed
 * too much when OVER. */
static void timed_out(const char *program, int timeout, int over)
{
    if (over)
        gf_err(GF_ERR_OP,
               "%s printed more than %d MiB, the cap for a program's output, and did not finish "
               "within %d s: it was killed",
               program, GF_EXEC_MAX_OUTPUT >> 20, timeout);
    else
        gf_err(GF_ERR_OP, "%s did not finish within %d s and was killed", program, timeout);
}

int gf_exec(char *const argv[], int timeout, char **out)
{
    char *buf = NULL, program[GF_ESC_LEN];
    size_t len = 0, cap = 0;
    int pipefd[2], status = 0, ret = -1, over = 0;
    double deadline = gf_now() + timeout;
    pid_t pid;

    gf_esc(argv[0], program, sizeof(program));
    if (out)
        *out = NULL;
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        gf_err(GF_ERR_OP, "running %s: %s", program, strerror(errno));
        return -1;
    }
    if ((pid = fork()) < 0) {
        gf_err(GF_ERR_OP, "running %s: %s", program, strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0)
        child(argv, pipefd[1]);
    close(pipefd[1]);
    for (;;) {
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        int left = (int)((deadline - gf_now()) * 1000);
        char chunk[65536];
        ssize_t n;
        if (left <= 0) {
            kill_child(pid);
            timed_out(program, timeout, out && over);
            goto cleanup;
        }
        if (poll(&pfd, 1, left) < 0 && errno != EINTR)
            break;
        if (!pfd.revents)
            continue;
        if ((n = read(pipefd[0], chunk, sizeof(chunk))) < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!out || over)
            continue; /* read, so that the program never blocks, and dropped */
        if (len + (size_t)n > GF_EXEC_MAX_OUTPUT) {
            over = 1;
            continue;
        }
        if (len + (size_t)n + 1 > cap) {
            char *grown;
            cap = cap ? cap * 2 : 65536;
            while (cap < len + (size_t)n + 1)
                cap *= 2;
            if (!(grown = realloc(buf, cap))) {
                kill_child(pid);
                gf_err(GF_ERR_OP, "out of memory reading %s", program);
                goto cleanup;
            }
            buf = grown;
        }
        memcpy(buf + len, chunk, (size_t)n);
        len += (size_t)n;
        buf[len] = '\0';
    }
    /* its output is closed, but it may run on (a hook that redirected it):
     * wait no longer than the deadline */
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        struct timespec tick = {0, 50 * 1000 * 1000};
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR) {
            gf_err(GF_ERR_OP, "waiting for %s: %s", program, strerror(errno));
            goto cleanup;
        }
        if (gf_now() >= deadline) {
            kill_child(pid);
            timed_out(program, timeout, out && over);
            goto cleanup;
        }
        nanosleep(&tick, NULL);
    }
    if (WIFSIGNALED(status)) {
        gf_err(GF_ERR_OP, "%s was killed by signal %d", program, WTERMSIG(status));
        goto cleanup;
    }
    if (WEXITSTATUS(status) == 127) {
        gf_err(GF_ERR_OP, "%s could not be run", program);
        goto cleanup;
    }
    if (out && over) {
        gf_err(GF_ERR_OP,
               "%s printed more than %d MiB, the cap for a program's output: its output was "
               "discarded",
               program, GF_EXEC_MAX_OUTPUT >> 20);
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
