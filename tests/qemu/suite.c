/* suite.c - the QEMU suites' test bed (libvirtd, testbed.sh) and what every
 * suite does first and last (see daemon_harness.h). */
#include "daemon_harness.h"

/* ---------------------------------------------------------------- libvirtd */

pid_t libvirtd_pid(void)
{
    char *text = slurp(LIBVIRTD_PID);
    pid_t pid = (pid_t)atoi(text);

    release(text);
    return pid > 1 && kill(pid, 0) == 0 ? pid : 0;
}

/* `testbed.sh [NODE] WHAT` (NODE: "node2"..., NULL: the first hypervisor), its output
 * appended to LOG.  Not through run_argv: when it starts libvirtd, the daemon inherits
 * run_argv's pipe ends (run.c leaves them open in the child) and holds them, so run_argv
 * would wait forever for their end; here the child gets a file and no other descriptor.
 * Returns its exit status, or -1 when it did not end within SECONDS. */
int testbed_run_node(const char *node, const char *what, const char *log, double seconds)
{
    int status = 0;
    double deadline = now_s() + seconds;
    pid_t pid;

    fflush(NULL);
    if ((pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int null = open("/dev/null", O_RDONLY);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        for (int i = 3; i < 1024; i++)
            close(i);
        if (node)
            execl(g.testbed, g.testbed, node, what, (char *)NULL);
        else
            execl(g.testbed, g.testbed, what, (char *)NULL);
        _exit(127);
    }
    while (now_s() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0)
            return -1;
        nap(0.2);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

int testbed_run(const char *what, const char *log, double seconds)
{
    return testbed_run_node(NULL, what, log, seconds);
}

int testbed_start(void)
{
    char log[PATH_MAX + 32];

    snprintf(log, sizeof(log), "%s/testbed-start.log", g.dir[0] ? g.dir : "/tmp");
    return testbed_run("start", log, 120);
}

void libvirtd_ensure_up(void)
{
    int code;

    if (libvirtd_pid())
        return;
    if ((code = testbed_start()) != 0)
        print_error("`%s start` exited %d (see %s/testbed-start.log)\n", g.testbed, code, g.dir);
}

int harness_args(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s GOLDFARMD VMCTL   (GOLDFARM_SRC=repository root)\n", argv[0]);
        return -1;
    }
    g.goldfarmd = argv[1];
    g.vmctl = argv[2];
    g.verbose = getenv("GOLDFARM_TEST_VERBOSE") && strcmp(getenv("GOLDFARM_TEST_VERBOSE"), "0");
    if (getenv("GOLDFARM_TEST_FILTER"))
        cmocka_set_test_filter(getenv("GOLDFARM_TEST_FILTER"));
    return 0;
}

/* ---------------------------------------------------------------- a suite's setup, teardown */

void suite_setup(const char *name)
{
    char log[PATH_MAX + 32];
    const char *env = getenv("GOLDFARM_SRC");
    struct cmd c;
    int code;

    unsetenv("GOLDFARM_CRASH");
    unsetenv("GOLDFARM_FAULT");
    CHECK(g.goldfarmd && access(g.goldfarmd, X_OK) == 0, "no goldfarmd binary (argv[1])");
    CHECK(g.vmctl && access(g.vmctl, X_OK) == 0, "no vmctl binary (argv[2])");
    CHECK(env && *env, "GOLDFARM_SRC must name the repository root (for tests/qemu/testbed.sh)");
    snprintf(g.testbed, sizeof(g.testbed), "%s/tests/qemu/testbed.sh", env);
    CHECK(access(g.testbed, X_OK) == 0, "%s is missing or not executable", g.testbed);
    snprintf(g.dir, sizeof(g.dir), "/tmp/gf-%s-qemu-XXXXXX", name);
    CHECK(mkdtemp(g.dir), "mkdtemp: %s", strerror(errno));
    snprintf(log, sizeof(log), "%s/testbed-all.log", g.dir);
    code = testbed_run("all", log, TESTBED_TIMEOUT);
    CHECK(code == 0, "`%s all` failed (exit %d): the QEMU test bed is not usable\n%s", g.testbed,
          code, slurp(log));
    remove_all(); /* leftovers of an earlier run */
    drop_lease();
    VMCTL(&c, "image", "mark", GOLD);
    CHECK(c.r.status == 0 || (c.r.status == 2 && strstr(c.r.err, "already a gold image")),
          "`%s` exited %d:\n%s", c.line, c.r.status, c.r.err);
    cmd_free(&c);
    EXPECT_STATE(GOLD, "shut off");
    SHA256(GOLD_DISK, g.gold_sha);
    snprintf(g.policies, sizeof(g.policies), "%s/policies", g.dir);
    snprintf(g.state, sizeof(g.state), "%s/state", g.dir);
    snprintf(g.status, sizeof(g.status), "%s/" FARM ".status", g.state);
    CHECK(mkdir(g.policies, 0700) == 0 && mkdir(g.state, 0700) == 0, "mkdir in %s: %s", g.dir,
          strerror(errno));
}

void suite_teardown(void)
{
    char sha[65] = "", list[MAX_DOMS][64];

    if (g.daemon > 0)
        daemon_stop();
    if (g.testbed[0]) {
        libvirtd_ensure_up();
        remove_all();
        drop_lease();
        CHECK(DOMAINS(list) + VOLUMES(list) == 0, "gf-test-d-* domains or volumes are left");
        SHA256(GOLD_DISK, sha);
        CHECK(strcmp(sha, g.gold_sha) == 0, "the gold disk changed during the suite: %s, was %s",
              sha, g.gold_sha);
    }
    if (g.dir[0] && !getenv("GOLDFARM_TEST_KEEP")) {
        char *argv[] = {"rm", "-rf", g.dir, NULL};
        struct run_result r;
        if (run_argv(argv, NULL, &r) == 0)
            run_result_free(&r);
    }
    release_all();
}
