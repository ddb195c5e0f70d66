/* test_daemon.c - goldfarmd as it is today: connects, logs, exits 0 on
 * SIGTERM; bad usage exits 2; an unreachable hypervisor exits 1. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"

static const char *goldfarmd;
static char farm_uri[4200];

static void stops_cleanly_on_sigterm(void **state)
{
    int err[2], status = -1;
    char buf[4096] = "";
    size_t len = 0;
    pid_t pid;

    (void)state;
    assert_int_equal(pipe(err), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(err[1], 2);
        close(err[0]);
        execl(goldfarmd, goldfarmd, "-c", farm_uri, "--foreground", (char *)NULL);
        _exit(127);
    }
    close(err[1]);
    /* wait for the "connected" line */
    while (!strstr(buf, "connected") && len < sizeof(buf) - 1) {
        ssize_t n = read(err[0], buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    assert_non_null(strstr(buf, "goldfarmd: connected"));
    /* still running until told to stop */
    assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
    assert_int_equal(kill(pid, SIGTERM), 0);
    for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; i++) {
        struct timespec tick = {0, 100 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    if (!WIFEXITED(status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("goldfarmd did not exit within 5 s of SIGTERM");
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    len = (size_t)read(err[0], buf, sizeof(buf) - 1);
    buf[len < sizeof(buf) ? len : 0] = '\0';
    assert_non_null(strstr(buf, "stopping on signal"));
    close(err[0]);
}

static void bad_usage_and_no_hypervisor(void **state)
{
    struct run_result r;

    (void)state;
    assert_int_equal(run_cmd(&r, goldfarmd, "--bogus", NULL), 0);
    assert_int_equal(r.status, 2);
    run_result_free(&r);
    assert_int_equal(
        run_cmd(&r, goldfarmd, "-c", "test:///nonexistent.xml", "--foreground", "--once", NULL), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cannot connect to 'test:///nonexistent.xml'"));
    run_result_free(&r);
    assert_int_equal(run_cmd(&r, goldfarmd, "-c", farm_uri, "--foreground", "--once", NULL), 0);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stops_cleanly_on_sigterm),
        cmocka_unit_test(bad_usage_and_no_hypervisor),
    };

    if (argc != 3) {
        fprintf(stderr, "usage: %s GOLDFARMD FARM.xml\n", argv[0]);
        return 2;
    }
    goldfarmd = argv[1];
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", argv[2]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
