/* test_notify.c - goldfarmd as systemd's Type=notify service with a
 * watchdog: the test plays systemd's side of the notify socket.  READY=1
 * once started; WATCHDOG=1 every WATCHDOG_USEC/2 from the event loop, and
 * none when WATCHDOG_USEC is absent or WATCHDOG_PID names another process;
 * RELOADING=1 then READY=1 on SIGHUP; STOPPING=1 on SIGTERM, exit 0.
 * argv[1]: goldfarmd. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static const char *goldfarmd;
static struct sd *running; /* the daemon of the test under way, for its teardown */

/* The notify socket, a daemon started on it, and its temporary files. */
struct sd {
    char dir[64];
    char sock[128];
    int fd;
    pid_t pid;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The next datagram within MS milliseconds into BUF ("" on a time-out). */
static void next_msg(struct sd *s, int ms, char *buf, size_t len)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    ssize_t n;

    buf[0] = '\0';
    if (poll(&p, 1, ms) != 1)
        return;
    n = recv(s->fd, buf, len - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
}

/* Wait up to MS for the datagram WANT; fail with what came instead. */
static void expect(struct sd *s, const char *want, int ms)
{
    double until = now_ms() + ms;
    char got[256], seen[2048] = "";

    while (now_ms() < until) {
        next_msg(s, (int)(until - now_ms()) + 1, got, sizeof(got));
        if (strcmp(got, want) == 0)
            return;
        snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "[%s] ", got);
    }
    fail_msg("no %s within %d ms; got: %s", want, ms, seen);
}

/* Start goldfarmd on an empty policies directory with the notify socket
 * and the extra environment ENV ("NAME=VALUE"..., NULL-terminated, where
 * "WATCHDOG_PID=self" stands for the daemon's own pid). */
static struct sd *start(const char *env, ...)
{
    struct sd *s = calloc(1, sizeof(*s));
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char policies[128], statedir[128];
    int sync[2];
    char c;

    assert_non_null(s);
    snprintf(s->dir, sizeof(s->dir), "/tmp/gf-notify-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->sock, sizeof(s->sock), "%s/notify", s->dir);
    snprintf(policies, sizeof(policies), "%s/policies", s->dir);
    snprintf(statedir, sizeof(statedir), "%s/state", s->dir);
    assert_int_equal(mkdir(policies, 0700), 0);
    s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    memcpy(addr.sun_path, s->sock, strlen(s->sock) + 1);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        va_list ap;
        char pidenv[64];
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        close(sync[1]);
        if (read(sync[0], &c, 1) != 1) /* the parent is ready */
            _exit(126);
        dup2(null, 0);
        setenv("NOTIFY_SOCKET", s->sock, 1);
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
        va_start(ap, env);
        for (const char *e = env; e; e = va_arg(ap, const char *)) {
            if (strcmp(e, "WATCHDOG_PID=self") == 0) {
                snprintf(pidenv, sizeof(pidenv), "WATCHDOG_PID=%ld", (long)getpid());
                e = pidenv;
            }
            putenv((char *)e);
        }
        va_end(ap);
        execl(goldfarmd, goldfarmd, "--foreground", "--policies", policies, "--state-dir", statedir,
              (char *)NULL);
        _exit(127);
    }
    close(sync[0]);
    running = s;
    assert_int_equal(write(sync[1], "x", 1), 1);
    close(sync[1]);
    return s;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Close S's socket, remove its files, free it. */
static void cleanup(struct sd *s)
{
    close(s->fd);
    nftw(s->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    if (running == s)
        running = NULL;
    free(s);
}

/* Stop the daemon (SIGTERM: STOPPING=1, exit 0) and remove its files. */
static void stop(struct sd *s)
{
    int status = -1;

    assert_int_equal(kill(s->pid, SIGTERM), 0);
    expect(s, "STOPPING=1", 5000);
    assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    cleanup(s);
}

/* A failed test leaves its daemon running: kill it. */
static int teardown(void **state)
{
    (void)state;
    if (running) {
        kill(running->pid, SIGKILL);
        waitpid(running->pid, NULL, 0);
        cleanup(running);
    }
    return 0;
}

/* With WATCHDOG_USEC=200000: pings about every 100 ms, after READY=1, and
 * on through a reload. */
static void watchdog_pings(void **state)
{
    struct sd *s = start("WATCHDOG_USEC=200000", "WATCHDOG_PID=self", NULL);
    double first, last;

    (void)state;
    expect(s, "READY=1", 10000);
    expect(s, "WATCHDOG=1", 1000);
    first = now_ms();
    for (int i = 0; i < 5; i++)
        expect(s, "WATCHDOG=1", 1000);
    last = now_ms();
    /* 5 intervals of 100 ms; generous bounds for a loaded 2-core machine
     * under the sanitizers, tight enough to tell 100 ms from 1 s or 10 ms */
    assert_true(last - first >= 5 * 60);
    assert_true(last - first <= 5 * 400);
    assert_int_equal(kill(s->pid, SIGHUP), 0);
    expect(s, "RELOADING=1", 5000);
    expect(s, "READY=1", 5000);
    expect(s, "WATCHDOG=1", 1000);
    stop(s);
}

/* Nothing asked for the watchdog, or it asked another process: no pings. */
static void no_watchdog_unless_asked(void **state)
{
    const char *envs[][2] = {{"GF_NOTHING=1", NULL}, {"WATCHDOG_USEC=200000", "WATCHDOG_PID=1"}};

    (void)state;
    for (size_t k = 0; k < sizeof(envs) / sizeof(envs[0]); k++) {
        struct sd *s = start(envs[k][0], envs[k][1], NULL);
        char got[256];
        double until;
        expect(s, "READY=1", 10000);
        until = now_ms() + 700;
        while (now_ms() < until) {
            next_msg(s, (int)(until - now_ms()) + 1, got, sizeof(got));
            if (strcmp(got, "WATCHDOG=1") == 0)
                fail_msg("a ping with %s %s", envs[k][0], envs[k][1] ? envs[k][1] : "");
        }
        stop(s);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(watchdog_pings, teardown),
        cmocka_unit_test_teardown(no_watchdog_unless_asked, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s GOLDFARMD\n", argv[0]);
        return 2;
    }
    goldfarmd = argv[1];
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("goldfarmd under systemd: notify and watchdog", tests, NULL,
                                       NULL);
}
