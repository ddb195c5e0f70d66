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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "run.h"

static const char *goldfarmd;
static char farm_uri[4200];
static char policies[64] = "/tmp/gf-test-daemon-XXXXXX", state_dir[128], bad[128];

static const char policy[] = "farm: { name = \"rds\"; image = \"rds-gold\";\n"
                             "  hypervisors = ( { uri = \"test:///default\"; } );\n"
                             "  host_name = \"rds-%03d\"; max_sessions = 10; max_hosts = 6; };\n"
                             "schedule: { timezone = \"UTC\"; all: { days = [\"mon\", \"tue\", "
                             "\"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
                             "  ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
                             "  ramp_down = { start = \"17:00\"; }; off_peak = { start = "
                             "\"19:00\"; }; }; };\n"
                             "load = { source = \"command\"; command = [\"/bin/true\"]; };\n";

/* Write TEXT to PATH. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void stops_cleanly_on_sigterm(void **unused)
{
    int err[2], status = -1;
    char buf[4096] = "";
    size_t len = 0;
    pid_t pid;

    (void)unused;
    assert_int_equal(pipe(err), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(err[1], 2);
        close(err[0]);
        execl(goldfarmd, goldfarmd, "-c", farm_uri, "--policies", policies, "--state-dir",
              state_dir, "--foreground", (char *)NULL);
        _exit(127);
    }
    close(err[1]);
    /* wait for its first tick's status */
    while (!strstr(buf, "started:") && len < sizeof(buf) - 1) {
        ssize_t n = read(err[0], buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    assert_non_null(strstr(buf, "goldfarmd: started: 1 farm"));
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

static void bad_usage_policies_and_blindness(void **state_)
{
    struct run_result r;

    (void)state_;
    assert_int_equal(run_cmd(&r, goldfarmd, "--bogus", NULL), 0);
    assert_int_equal(r.status, 2);
    run_result_free(&r);
    /* a bad policy at start: every error printed, exit 2 */
    assert_int_equal(run_cmd(&r, goldfarmd, "-c", farm_uri, "--policies", bad, "--state-dir",
                             state_dir, "--foreground", "--once", NULL),
                     0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "bad.conf:1: farm.max_sesions: unknown key"));
    assert_non_null(strstr(r.err, "1 policy file in"));
    run_result_free(&r);
    /* an unreachable hypervisor: the farm is blind, nothing is done, exit 0 */
    assert_int_equal(run_cmd(&r, goldfarmd, "-c", "test:///nonexistent.xml", "--policies", policies,
                             "--state-dir", state_dir, "--foreground", "--once", NULL),
                     0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "blind: test:///default unreachable: no action on this farm"));
    run_result_free(&r);
    assert_int_equal(run_cmd(&r, goldfarmd, "-c", farm_uri, "--policies", policies, "--state-dir",
                             state_dir, "--foreground", "--once", NULL),
                     0);
    assert_int_equal(r.status, 0);
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stops_cleanly_on_sigterm),
        cmocka_unit_test(bad_usage_policies_and_blindness),
    };

    if (argc != 3) {
        fprintf(stderr, "usage: %s GOLDFARMD FARM.xml\n", argv[0]);
        return 2;
    }
    goldfarmd = argv[1];
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", argv[2]);
    if (!mkdtemp(policies))
        return 1;
    snprintf(state_dir, sizeof(state_dir), "%s/state", policies);
    snprintf(bad, sizeof(bad), "%s/bad", policies);
    mkdir(state_dir, 0700);
    mkdir(bad, 0700);
    {
        char path[256];
        snprintf(path, sizeof(path), "%s/rds.conf", policies);
        write_file(path, policy);
        snprintf(path, sizeof(path), "%s/bad.conf", bad);
        write_file(path, "farm: { max_sesions = 10; };\n");
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
