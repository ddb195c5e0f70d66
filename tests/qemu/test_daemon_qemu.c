/* test_daemon_qemu.c - goldfarmd end to end on a real libvirtd with QEMU (TCG) and tiny guests.
 *
 * usage: test_daemon_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Runs as root on the test bed of tests/qemu/testbed.sh (see /work/shared/TESTBED.md).  A
 * policy for farm "gfd" (hosts gf-test-d-NN, tiny-gold as gold, agent load source) is written
 * to a temporary directory, and goldfarmd runs on it as real processes: `goldfarmd --once`
 * tick by tick (the state lives in libvirt and the journal in the state directory), and a
 * long-running goldfarmd for the libvirtd restart.  The tests run in order and share the
 * farm:
 *
 *   1. min_hosts 2: two linked clones are made, boot, and their agents answer;
 *   2. 3 users logged in inside the guests (utmpctl through guest-exec): 3 / (2 x 2) = 75% >
 *      50%: a third host is cloned and boots;
 *   3. users gone: a host is drained; a user on it keeps it (it is not retired before the
 *      wait, nor after the wait once the logoff hook ran), and once empty it is retired:
 *      domain and overlay gone, gold disk untouched;
 *   4. GOLDFARM_CRASH=clone-volume, then =clone-defined, then a plain run: no orphaned
 *      volume or domain, no duplicate, the farm reaches its size;
 *   5. libvirtd killed and restarted under a running goldfarmd: blind (logged), no action,
 *      reconnects and carries on (status file updated, sessions seen again).
 *
 * Only domains and volumes named gf-test-d-* are made and removed (the group setup removes
 * leftovers of an earlier run, the group teardown everything this suite made).  At most three
 * guests run at once.  GOLDFARM_TEST_VERBOSE=1 prints every command and its output;
 * GOLDFARM_TEST_FILTER=PATTERN runs only the tests matching it (cmocka's * and ? globs; the
 * tests build on each other's farm, so a filter is for debugging the first ones).
 *
 * Beware: tests/qemu/test_qemu.c's teardown (`testbed.sh reset`) removes every gf-test-*
 * domain, these included; run the two suites one after the other (ctest RESOURCE_LOCK).
 */

#include "daemon_harness.h"

/* ---------------------------------------------------------------- group setup / teardown */

static const char policy_fmt[] =
    "# written by test_daemon_qemu: the real-QEMU farm\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 2; min_hosts = 2; max_hosts = 3; tick = \"5s\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = 2; threshold = 50; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = 2; threshold = 50; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; threshold = 50; };\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = 2; threshold = 50; }; }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; hysteresis = 10; };\n"
    "drain = { wait = \"%ds\"; notify = [\"%s\", \"notify\"]; logoff = [\"%s\", \"logoff\"]; };\n"
    "load = { source = \"agent\"; };\n";

static int group_setup(void **state)
{
    char text[4096], path[PATH_MAX + 32];
    struct cmd c;
    const char *env;

    (void)state;
    unsetenv("GOLDFARM_CRASH");
    unsetenv("GOLDFARM_FAULT");
    CHECK(g.goldfarmd && access(g.goldfarmd, X_OK) == 0, "no goldfarmd binary (argv[1]): '%s'",
          g.goldfarmd ? g.goldfarmd : "(none)");
    CHECK(g.vmctl && access(g.vmctl, X_OK) == 0, "no vmctl binary (argv[2]): '%s'",
          g.vmctl ? g.vmctl : "(none)");
    env = getenv("GOLDFARM_SRC");
    CHECK(env && *env, "GOLDFARM_SRC must name the repository root (for tests/qemu/testbed.sh)");
    snprintf(g.testbed, sizeof(g.testbed), "%s/tests/qemu/testbed.sh", env);
    CHECK(access(g.testbed, X_OK) == 0, "%s is missing or not executable", g.testbed);

    snprintf(g.dir, sizeof(g.dir), "/tmp/gf-daemon-qemu-XXXXXX");
    CHECK(mkdtemp(g.dir), "mkdtemp: %s", strerror(errno));
    {
        char log[PATH_MAX + 32];
        int code;
        snprintf(log, sizeof(log), "%s/testbed-all.log", g.dir);
        code = testbed_run("all", log, TESTBED_TIMEOUT);
        CHECK(code == 0, "`%s all` failed (exit %d): the QEMU test bed is not usable\n%s",
              g.testbed, code, slurp(log));
    }
    remove_all(); /* leftovers of an earlier run */

    VMCTL(&c, "image", "mark", GOLD);
    CHECK(c.r.status == 0 || (c.r.status == 2 && strstr(c.r.err, "already a gold image")),
          "`%s` exited %d:\n%s", c.line, c.r.status, c.r.err);
    cmd_free(&c);
    EXPECT_STATE(GOLD, "shut off");
    SHA256(GOLD_DISK, g.gold_sha);

    snprintf(g.policies, sizeof(g.policies), "%s/policies", g.dir);
    snprintf(g.state, sizeof(g.state), "%s/state", g.dir);
    snprintf(g.hook, sizeof(g.hook), "%s/hook.sh", g.dir);
    snprintf(g.hooklog, sizeof(g.hooklog), "%s/hooks.log", g.dir);
    snprintf(g.status, sizeof(g.status), "%s/" FARM ".status", g.state);
    CHECK(mkdir(g.policies, 0755) == 0 && mkdir(g.state, 0750) == 0, "mkdir in %s: %s", g.dir,
          strerror(errno));
    /* The hooks only record that they ran (and with what): the test logs the users off. */
    snprintf(text, sizeof(text), "#!/bin/sh\necho \"$*\" >> '%s'\n", g.hooklog);
    WRITE_FILE(g.hook, text, 0755);
    snprintf(text, sizeof(text), policy_fmt, DRAIN_WAIT, g.hook, g.hook);
    snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
    WRITE_FILE(path, text, 0644);
    VMCTL(&c, "policy", "check", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    return 0;
}

static int group_teardown(void **state)
{
    char sha[65] = "";
    int left;

    (void)state;
    if (g.daemon > 0)
        daemon_stop();
    if (g.testbed[0]) {
        char list[MAX_DOMS][64];
        libvirtd_ensure_up();
        remove_all();
        left = DOMAINS(list) + VOLUMES(list);
        CHECK(left == 0, "gf-test-d-* domains or volumes are left after the suite");
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
    return 0;
}

/* ---------------------------------------------------------------- 1. two clones */

static void test_min_hosts_two_clones_boot(void **state)
{
    char list[MAX_DOMS][64], names[512];
    struct cmd c;
    int n;

    (void)state;
    TICK(&c);
    CHECK(strstr(c.r.err, "0 hosts in service < minimum 2: clone " PREFIX "01") &&
              strstr(c.r.err, "clone " PREFIX "02"),
          "the first tick did not clone " PREFIX "01 and 02 for min_hosts:\n%s", c.r.err);
    CHECK(!strstr(c.r.err, "[failed"), "an action failed:\n%s", c.r.err);
    cmd_free(&c);
    n = DOMAINS(list);
    CHECK(n == 2 && strcmp(list[0], PREFIX "01") == 0 && strcmp(list[1], PREFIX "02") == 0,
          "domains after the first tick: %s, expected " PREFIX "01, " PREFIX "02",
          joined(list, n, names, sizeof(names)));
    EXPECT_HOST(PREFIX "01");
    EXPECT_HOST(PREFIX "02");
    WAIT_AGENT(PREFIX "01");
    WAIT_AGENT(PREFIX "02");
    EXPECT_USERS(PREFIX "01", 0);
    EXPECT_USERS(PREFIX "02", 0);

    /* the next tick: the farm is at its size, nothing to do, nothing said */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]") && !strstr(c.r.err, "[failed"),
          "a tick on a farm at its size acted:\n%s", c.r.err);
    cmd_free(&c);
    n = DOMAINS(list);
    CHECK(n == 2, "domains: %s", joined(list, n, names, sizeof(names)));
}

/* ---------------------------------------------------------------- 2. load: a third host */

static void test_users_over_threshold_third_host(void **state)
{
    char list[MAX_DOMS][64], names[512], *status;
    struct cmd c;
    int n;

    (void)state;
    LOGIN(PREFIX "01", "alice", "pts/1");
    LOGIN(PREFIX "01", "bob", "pts/2");
    LOGIN(PREFIX "02", "carol", "pts/1");
    EXPECT_USERS(PREFIX "01", 2);
    EXPECT_USERS(PREFIX "02", 1);

    TICK(&c);
    CHECK(strstr(c.r.err, "3 sessions / (2 hosts x 2) = 75% > 50%: clone " PREFIX "03") &&
              strstr(c.r.err, "[done]"),
          "3 users on 2 hosts of 2 did not clone " PREFIX "03:\n%s", c.r.err);
    cmd_free(&c);
    EXPECT_HOST(PREFIX "03");
    WAIT_AGENT(PREFIX "03");
    EXPECT_USERS(PREFIX "03", 0);

    /* 3 / (3 x 2) = 50%: not over the threshold, not under 50 - 10: steady */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]") && !strstr(c.r.err, "[failed"), "a steady farm acted:\n%s",
          c.r.err);
    cmd_free(&c);
    n = DOMAINS(list);
    CHECK(n == 3, "domains: %s, expected 3", joined(list, n, names, sizeof(names)));
    status = slurp(g.status);
    CHECK(strstr(status, "\"in_service\":3") && strstr(status, "\"sessions\":3") &&
              strstr(status, "\"usage_pct\":50"),
          "status file %s does not show 3 hosts, 3 sessions, 50%%:\n%s", g.status, status);
    release(status);
}

/* ---------------------------------------------------------------- 3. drain and retire */

static int hook_lines(const char *what, const char *host)
{
    char *log = slurp(g.hooklog), want[256], *p;
    int n = 0;

    snprintf(want, sizeof(want), "%s %s ", what, host);
    for (p = log; (p = strstr(p, want)); p++)
        n++;
    release(log);
    return n;
}

static void test_drain_wait_logoff_retire(void **state)
{
    char list[MAX_DOMS][64], names[512], drained[64] = "", state_[64], disk[PATH_MAX], sha[65],
                                         *log;
    struct cmd c;
    struct stat st;
    double drained_at;
    int n;

    (void)state;
    LOGOUT(PREFIX "01", "pts/1");
    LOGOUT(PREFIX "01", "pts/2");
    EXPECT_USERS(PREFIX "01", 0);

    /* 1 / (3 x 2) = 17% < 40%: one host (breadth) drained, the least loaded */
    TICK(&c);
    drained_at = now_s();
    n = DOMAINS(list);
    CHECK(n == 3, "domains: %s", joined(list, n, names, sizeof(names)));
    for (int i = 0; i < n; i++) {
        META(list[i], "state", state_);
        if (strcmp(state_, "draining") == 0) {
            CHECK(!drained[0], "two hosts draining: %s and %s\n%s", drained, list[i], c.r.err);
            snprintf(drained, sizeof(drained), "%s", list[i]);
        } else
            CHECK(strcmp(state_, "active") == 0, "%s is '%s'", list[i], state_);
    }
    CHECK(drained[0], "no host is draining (metadata) after usage fell to 17%%:\n%s", c.r.err);
    CHECK(strcmp(drained, PREFIX "02") != 0, "the host with a user (02) was drained:\n%s", c.r.err);
    {
        char want[128];
        snprintf(want, sizeof(want), "drain %s [done]", drained);
        CHECK(strstr(c.r.err, "< 40% (50% - 10)") && strstr(c.r.err, want),
              "the tick did not log the drain of %s with its rule:\n%s", drained, c.r.err);
    }
    cmd_free(&c);
    CHECK(hook_lines("notify", drained) == 1, "the notify hook did not run once for %s:\n%s",
          drained, slurp(g.hooklog));
    EXPECT_STATE(drained, "running");

    /* a user is (still) on the draining host: it must not be retired */
    LOGIN(drained, "dave", "pts/3");
    EXPECT_USERS(drained, 1);
    TICK(&c);
    CHECK(!strstr(c.r.err, "retire") && !strstr(c.r.err, "logoff"),
          "a draining host with a user, before the wait, was retired or logged off:\n%s", c.r.err);
    cmd_free(&c);
    EXPECT_STATE(drained, "running");
    EXPECT_META(drained, "state", "draining");
    CHECK(hook_lines("logoff", drained) == 0, "the logoff hook ran before the wait");

    /* after the wait: the logoff hook runs once; the host stays while its user is there */
    {
        double left = drained_at + DRAIN_WAIT + 2 - now_s();
        if (left > 0)
            nap(left);
    }
    TICK(&c);
    {
        char want[128];
        snprintf(want, sizeof(want), "logoff %s [done]", drained);
        CHECK(strstr(c.r.err, want) && !strstr(c.r.err, "retire"),
              "after the drain wait, no logoff of %s (or a retire):\n%s", drained, c.r.err);
    }
    cmd_free(&c);
    CHECK(hook_lines("logoff", drained) == 1,
          "the logoff hook did not run once (argv: host "
          "sessions):\n%s",
          slurp(g.hooklog));
    {
        char want[128];
        snprintf(want, sizeof(want), "logoff %s 1\n", drained);
        log = slurp(g.hooklog);
        CHECK(strstr(log, want), "the logoff hook's arguments are not '%s %s 1':\n%s", "logoff",
              drained, log);
        release(log);
    }
    TICK(&c);
    CHECK(!strstr(c.r.err, "retire") && !strstr(c.r.err, "logoff"),
          "a draining host with a user, after the logoff hook, was retired or logged off "
          "again:\n%s",
          c.r.err);
    cmd_free(&c);
    EXPECT_STATE(drained, "running");
    EXPECT_META(drained, "state", "draining");

    /* what the logoff hook stands for: the user is logged off inside the guest */
    LOGOUT(drained, "pts/3");
    EXPECT_USERS(drained, 0);
    DISK_PATH(drained, disk);
    TICK(&c);
    {
        char want[128];
        snprintf(want, sizeof(want), "retire %s [done]", drained);
        CHECK(strstr(c.r.err, want), "the empty draining host %s was not retired:\n%s", drained,
              c.r.err);
    }
    cmd_free(&c);
    CHECK(!DEFINED(drained), "%s is still defined after its retirement", drained);
    n = VOLUMES(list);
    for (int i = 0; i < n; i++)
        CHECK(strncmp(list[i], drained, strlen(drained)) != 0, "%s's volume %s is left", drained,
              list[i]);
    CHECK(stat(disk, &st) != 0, "%s's overlay %s is left on disk", drained, disk);
    CHECK(stat(GOLD_DISK, &st) == 0, "the gold disk is gone");
    EXPECT_STATE(GOLD, "shut off");
    SHA256(GOLD_DISK, sha);
    CHECK(strcmp(sha, g.gold_sha) == 0, "the gold disk changed: %s, was %s", sha, g.gold_sha);
    n = DOMAINS(list);
    CHECK(n == 2, "domains after the retirement: %s", joined(list, n, names, sizeof(names)));
    for (int i = 0; i < n; i++)
        EXPECT_HOST(list[i]);

    /* 1 / (2 x 2) = 25% < 40%, but 2 is the minimum: nothing more */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]"), "the farm at its minimum acted:\n%s", c.r.err);
    cmd_free(&c);
}

/* ---------------------------------------------------------------- 4. crash points */

/* Every gf-test-d-* volume is the disk of a gf-test-d-* domain and each domain has its own. */
static void expect_no_orphan_at(const char *file, int line)
{
    char doms[MAX_DOMS][64], vols[MAX_DOMS][64], disk[PATH_MAX], a[512], b[512];
    int nd = domains_at(file, line, doms, 0), nv = volumes_at(file, line, vols);

    if (nd != nv)
        failf(file, line, "%d domains (%s) but %d volumes (%s)", nd, joined(doms, nd, a, 512), nv,
              joined(vols, nv, b, 512));
    for (int i = 0; i < nd; i++) {
        char want[PATH_MAX + 80];
        disk_path_at(file, line, doms[i], disk, sizeof(disk));
        snprintf(want, sizeof(want), "%s/%s-vda.qcow2", POOL_DIR, doms[i]);
        if (strcmp(disk, want) != 0)
            failf(file, line, "%s's disk is %s, expected %s", doms[i], disk, want);
    }
}
#define EXPECT_NO_ORPHAN() expect_no_orphan_at(__FILE__, __LINE__)

static void test_crash_points(void **state)
{
    char list[MAX_DOMS][64], names[512], name[64] = "", vol[128];
    struct cmd c;
    int n;

    (void)state;
    n = DOMAINS(list);
    /* the name the next clone gets: the lowest unused number */
    for (int k = 1; k <= 3 && !name[0]; k++) {
        char cand[64];
        int used = 0;
        snprintf(cand, sizeof(cand), PREFIX "%02d", k);
        for (int i = 0; i < n; i++)
            used |= strcmp(list[i], cand) == 0;
        if (!used)
            snprintf(name, sizeof(name), "%s", cand);
    }
    snprintf(vol, sizeof(vol), "%s-vda.qcow2", name);
    /* back to 75%: one of the two hosts gets two users (the other has carol, or gets her) */
    {
        int empty = strcmp(list[0], PREFIX "02") == 0 ? 1 : 0; /* the host without carol */
        if (users_at(__FILE__, __LINE__, list[0]) + users_at(__FILE__, __LINE__, list[1]) == 0)
            LOGIN(list[1 - empty], "carol", "pts/1");
        LOGIN(list[empty], "alice", "pts/1");
        LOGIN(list[empty], "bob", "pts/2");
    }

    /* killed right after the overlay was made */
    TICK_CRASH(&c, "clone-volume");
    CHECK(c.r.status == 128 + SIGABRT, "`%s` exited %d, expected to abort at the crash point:\n%s",
          c.line, c.r.status, c.r.err);
    cmd_free(&c);
    CHECK(!DEFINED(name), "%s is defined after a crash before its definition", name);
    n = VOLUMES(list);
    {
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= strcmp(list[i], vol) == 0;
        CHECK(found, "the crash at clone-volume left no volume %s: is the fault point reached?",
              vol);
    }
    CHECK(journal_open_entries() == 1, "the journal has %d open entries, expected 1",
          journal_open_entries());

    /* the next run undoes it, clones again and is killed right after the definition */
    TICK_CRASH(&c, "clone-defined");
    CHECK(c.r.status == 128 + SIGABRT, "`%s` exited %d, expected to abort at the crash point:\n%s",
          c.line, c.r.status, c.r.err);
    {
        char want[128];
        snprintf(want, sizeof(want), "journal: clone %s interrupted by a crash: undone", name);
        CHECK(strstr(c.r.err, want), "the journal did not undo the first crash:\n%s", c.r.err);
    }
    cmd_free(&c);
    CHECK(DEFINED(name), "%s is not defined after a crash after its definition", name);
    EXPECT_STATE(name, "shut off");
    CHECK(journal_open_entries() == 1, "the journal has %d open entries, expected 1",
          journal_open_entries());
    n = VOLUMES(list);
    CHECK(n == 3, "volumes: %s (expected the two hosts' and the crashed clone's)",
          joined(list, n, names, sizeof(names)));

    /* a plain run: the domain carries the clone's tag, so the clone is
     * finished (kept and started), never undone nor made twice */
    TICK(&c);
    {
        char kept[160], cloned[128];
        snprintf(kept, sizeof(kept),
                 "journal: clone %s interrupted by a crash after its domain was defined: "
                 "finished, the host is kept and started",
                 name);
        snprintf(cloned, sizeof(cloned), "clone %s on " URI " [done]", name);
        CHECK(strstr(c.r.err, kept) && !strstr(c.r.err, cloned),
              "the plain run did not finish the clone %s (or cloned it again):\n%s", name, c.r.err);
    }
    cmd_free(&c);
    CHECK(journal_open_entries() == 0, "the journal has %d open entries after a clean run",
          journal_open_entries());
    n = DOMAINS(list);
    CHECK(n == 3, "domains: %s, expected 3 (no duplicate, the farm at its size)",
          joined(list, n, names, sizeof(names)));
    EXPECT_NO_ORPHAN();
    for (int i = 0; i < n; i++)
        EXPECT_HOST(list[i]);
    WAIT_AGENT(name);

    /* and then steady: 3 / 6 = 50% */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]") && !strstr(c.r.err, "journal"), "a steady farm acted:\n%s",
          c.r.err);
    cmd_free(&c);
    n = DOMAINS(list);
    CHECK(n == 3, "domains: %s", joined(list, n, names, sizeof(names)));
    EXPECT_NO_ORPHAN();
}

/* ---------------------------------------------------------------- 5. libvirtd restart */

struct dom_id {
    char name[64], uuid[64];
};

static int dom_ids(struct dom_id *ids)
{
    char list[MAX_DOMS][64];
    int n = RUNNING(list);

    for (int i = 0; i < n; i++) {
        snprintf(ids[i].name, sizeof(ids[i].name), "%s", list[i]);
        VIRSH_TEXT(ids[i].uuid, "domuuid", list[i]);
    }
    return n;
}

static void test_libvirtd_restart_under_daemon(void **state)
{
    struct dom_id before[MAX_DOMS], after[MAX_DOMS];
    int nbefore, nafter;
    char *status, *log;
    time_t started, down, up;
    size_t decisions_before;
    pid_t pid;
    const char *steady[] = {"\"blind\":null", "\"in_service\":3", "\"sessions\":3", NULL};
    const char *blind[] = {"\"blind\":\"" URI "\"", NULL};

    (void)state;
    nbefore = dom_ids(before);
    CHECK(nbefore == 3, "%d running hosts before the restart, expected 3", nbefore);

    {
        char path[PATH_MAX + 32], *text;
        snprintf(path, sizeof(path), "%s/" FARM ".decisions", g.state);
        text = slurp(path);
        decisions_before = strlen(text); /* the --once runs' decisions: not this daemon's */
        release(text);
    }
    started = time(NULL);
    nap(1.1); /* status mtimes have a resolution of one second here */
    daemon_start();
    status = wait_status(started, 30, steady);
    CHECK(status, "the daemon did not write a steady status within 30 s:\n%s\n--- log:\n%s",
          slurp(g.status), slurp(g.daemon_log));
    release(status);

    /* libvirtd goes away under the daemon (its guests keep running) */
    pid = libvirtd_pid();
    CHECK(pid > 0, "libvirtd is not running (no live pid in " LIBVIRTD_PID ")");
    down = time(NULL);
    CHECK(kill(pid, SIGTERM) == 0, "kill libvirtd %d: %s", (int)pid, strerror(errno));
    {
        double deadline = now_s() + 30;
        while (kill(pid, 0) == 0 && now_s() < deadline)
            nap(0.2);
        CHECK(kill(pid, 0) != 0, "libvirtd %d did not exit within 30 s of SIGTERM", (int)pid);
    }
    nap(1.1);
    status = wait_status(down, 30, blind);
    CHECK(status, "the status file never said blind while libvirtd was down:\n%s\n--- log:\n%s",
          slurp(g.status), slurp(g.daemon_log));
    release(status);
    nap(12); /* a few more ticks without libvirtd */
    CHECK(daemon_alive(), "goldfarmd exited while libvirtd was down:\n%s", slurp(g.daemon_log));
    log = slurp(g.daemon_log);
    CHECK(strstr(log, "lost the connection to " URI) &&
              strstr(log, "blind: " URI " unreachable: no action on this farm"),
          "the daemon did not log the lost connection and its blindness:\n%s", log);
    release(log);

    /* libvirtd comes back */
    {
        int code = testbed_start();
        char path[PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/testbed-start.log", g.dir);
        CHECK(code == 0, "`%s start` exited %d:\n%s", g.testbed, code, slurp(path));
    }
    up = time(NULL);
    nap(1.1);
    status = wait_status(up, RECONNECT_WAIT, steady);
    CHECK(status,
          "within %.0f s of libvirtd's restart the daemon's status is not fresh and steady "
          "again:\n%s\n--- log:\n%s",
          RECONNECT_WAIT, slurp(g.status), slurp(g.daemon_log));
    release(status);
    log = slurp(g.daemon_log);
    CHECK(strstr(log, "all hypervisors reachable again"),
          "the daemon did not log its reconnection:\n%s", log);
    CHECK(!strstr(log, "[done]") && !strstr(log, "[failed"),
          "the daemon acted around the restart of libvirtd (nothing was to be done):\n%s", log);
    release(log);
    CHECK(daemon_alive(), "goldfarmd is gone");
    /* blind ticks are logged as such (no action), one per tick, not in a tight retry loop */
    {
        char path[PATH_MAX + 32], *text;
        int blind_lines = 0, acted_blind = 0;
        long window = (long)(up - down) + 10;
        snprintf(path, sizeof(path), "%s/" FARM ".decisions", g.state);
        text = slurp(path);
        CHECK(strlen(text) >= decisions_before, "%s shrank", path);
        for (char *p = text + decisions_before; (p = strstr(p, "\"mode\":\"blind\"")); p++)
            blind_lines++;
        for (char *p = text + decisions_before; (p = strstr(p, "\"outcome\":\"done\"")); p++)
            acted_blind++;
        CHECK(blind_lines >= 1 && blind_lines <= window / 5 + 3,
              "%d blind decisions for about %ld s without libvirtd (tick 5 s):\n%s", blind_lines,
              window, text);
        CHECK(acted_blind == 0, "the daemon's decision log has actions done:\n%s",
              text + decisions_before);
        release(text);
    }

    nafter = dom_ids(after);
    CHECK(nafter == nbefore, "%d running hosts after the restart, %d before", nafter, nbefore);
    for (int i = 0; i < nafter; i++)
        CHECK(strcmp(before[i].name, after[i].name) == 0 &&
                  strcmp(before[i].uuid, after[i].uuid) == 0,
              "host %s (%s) before, %s (%s) after the restart", before[i].name, before[i].uuid,
              after[i].name, after[i].uuid);
    EXPECT_NO_ORPHAN();

    /* it carries on: a change after the restart is acted on (a user gone: still steady, and a
     * new status) and SIGTERM ends it cleanly */
    {
        int code = daemon_stop();
        CHECK(code == 0, "goldfarmd exited %d on SIGTERM:\n%s", code, slurp(g.daemon_log));
    }
    log = slurp(g.daemon_log);
    CHECK(strstr(log, "stopping on signal"), "no clean stop in the log:\n%s", log);
    if (g.verbose)
        print_message("--- goldfarmd log:\n%s", log);
    release(log);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_min_hosts_two_clones_boot),
        cmocka_unit_test(test_users_over_threshold_third_host),
        cmocka_unit_test(test_drain_wait_logoff_retire),
        cmocka_unit_test(test_crash_points),
        cmocka_unit_test(test_libvirtd_restart_under_daemon),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests_name("qemu_daemon", tests, group_setup, group_teardown);
}
