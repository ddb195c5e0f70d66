/* test_image_qemu.c - gold image versions and roll-outs end to end on a real libvirtd with
 * QEMU (TCG) and tiny guests.
 *
 * usage: test_image_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Runs as root on the test bed of tests/qemu/testbed.sh.  The tests run in order and build on
 * each other:
 *
 *   1. a host cloned from tiny-gold is patched (a file written through its guest agent); a
 *      user logged in keeps it from being sealed; logged out, it is sealed into version 2
 *      through the agent (--shutdown): the v1 gold disk is byte-identical afterwards, the v2
 *      disk has no backing file, and a new clone of v2 boots and has the file;
 *   2. farm "gfd" (three hosts, room for one more, health checks through the agent) is rolled
 *      out to v2 by a running goldfarmd, asked through its control socket and followed by
 *      `vmctl image rollout --wait`: a canary, then one host at a time, never fewer than
 *      three in service; every host ends on v2 with the patched file;
 *   3. version 3 is sealed from a v2 host that wrote the marker that makes the test guest's
 *      init skip its agent; promoted, and rolled out: the canary never answers, and the
 *      roll-out goes back on its own (vmctl --wait exits 1, saying so): the canary
 *      quarantined, every host on v2, v2 promoted again.
 *
 * Only domains and volumes named gf-test-d-* are made and removed, and the gold versions this
 * suite seals (tiny-gold-vN), which its teardown retires: tiny-gold is left as it was found.
 * GOLDFARM_TEST_VERBOSE=1 prints every command and its output; GOLDFARM_TEST_FILTER=PATTERN
 * runs only the tests matching it (cmocka's * and ? globs).
 */

#include "daemon_harness.h"

#define PATCH "gf-test-d-patch"
#define CHECKER "gf-test-d-check"
#define PATCH_FILE "/data/goldfarm-patch"
#define NO_AGENT "/data/.goldfarm-no-agent"
#define ROLLOUT_WAIT 420.0 /* seconds a roll-out may take here */
#define GUEST_SH_OK(dom, shell) (guest_sh_at(__FILE__, __LINE__, dom, shell) == 0)

static const char policy_text[] =
    "# written by test_image_qemu: a three-host farm rolled out on real QEMU\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 2; min_hosts = 3; max_hosts = 4; tick = \"5s\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = 3; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = 3; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 3; };\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = 3; }; }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; };\n"
    "drain = { wait = \"10s\"; };\n"
    "load = { source = \"agent\"; };\n"
    "health = { grace = \"10s\"; agent_timeout = \"45s\"; };\n"
    "rollout = { batch = 1; soak = \"15s\"; ready_timeout = \"90s\"; min_in_service = 3; };\n";

/* Remove the gold versions a run of this suite sealed (tiny-gold-v2 ...). */
static void remove_versions(void)
{
    for (int v = 2; v <= 9; v++) {
        char dom[64], vol[80];
        struct cmd c;
        snprintf(dom, sizeof(dom), GOLD "-v%d", v);
        snprintf(vol, sizeof(vol), GOLD "-v%d-vda.qcow2", v);
        VIRSH(&c, "undefine", dom, "--snapshots-metadata");
        cmd_free(&c);
        VIRSH(&c, "vol-delete", "--pool", POOL, vol);
        cmd_free(&c);
    }
}

static int group_setup(void **state)
{
    char path[PATH_MAX + 32];
    struct cmd c;

    (void)state;
    suite_setup("image");
    remove_versions(); /* an earlier run's */
    snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
    WRITE_FILE(path, policy_text, 0644);
    VMCTL(&c, "policy", "check", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g.daemon > 0)
        daemon_stop();
    if (g.testbed[0]) { /* the versions first: the suite's teardown counts what is left */
        libvirtd_ensure_up();
        remove_all();
        remove_versions();
    }
    suite_teardown();
    return 0;
}

/* The backing file qemu-img reports for the volume file PATH, into BUF ("" none). */
static void backing_file(const char *path, char *buf, size_t len)
{
    struct cmd c;
    const char *at;

    PROG(&c, "qemu-img", "info", "-U", "--output=json", path);
    EXPECT_EXIT(&c, 0);
    buf[0] = '\0';
    if ((at = strstr(c.r.out, "\"backing-filename\": \"")))
        snprintf(buf, len, "%.*s", (int)strcspn(at + 21, "\""), at + 21);
    cmd_free(&c);
}

/* Seal HOST (running) into the next version of tiny-gold through its agent; its output
 * must say VERSION. */
static void seal(const char *host, const char *note, const char *version)
{
    char want[128];
    struct cmd c;

    VMCTL(&c, "image", "seal", host, "--image", GOLD, "--note", note, "--shutdown");
    EXPECT_EXIT(&c, 0);
    snprintf(want, sizeof(want), "sealed into " GOLD " version %s", version);
    CHECK(strstr(c.r.out, want), "`%s` did not say '%s':\n%s%s", c.line, want, c.r.out, c.r.err);
    cmd_free(&c);
}

/* ---------------------------------------------------------------- 1. patch and seal */

static void test_patch_and_seal(void **state)
{
    char sha[65], backing[PATH_MAX], v2disk[PATH_MAX];
    struct cmd c;

    (void)state;
    VMCTL(&c, "clone", GOLD, PATCH, "--start");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    WAIT_AGENT(PATCH);
    CHECK(GUEST_SH_OK(PATCH, "echo patched-v2 > " PATCH_FILE " && sync"), "writing the patch");
    /* a user logged in: refused, nothing changed */
    LOGIN(PATCH, "alice", "pts/1");
    VMCTL(&c, "image", "seal", PATCH, "--image", GOLD, "--shutdown");
    EXPECT_EXIT(&c, 2);
    CHECK(strstr(c.r.err, "'" PATCH "' has 1 user logged in (alice): not sealed"),
          "the refusal does not name the user:\n%s", c.r.err);
    cmd_free(&c);
    EXPECT_STATE(PATCH, "running");
    LOGOUT(PATCH, "pts/1");

    seal(PATCH, "patch v2", "2");
    CHECK(!DEFINED(PATCH), "%s is still defined after its seal", PATCH);
    SHA256(GOLD_DISK, sha);
    CHECK(strcmp(sha, g.gold_sha) == 0, "the v1 gold disk changed in the seal");
    snprintf(v2disk, sizeof(v2disk), POOL_DIR "/" GOLD "-v2-vda.qcow2");
    backing_file(v2disk, backing, sizeof(backing));
    CHECK(!backing[0], "the v2 gold disk has a backing file: %s", backing);
    EXPECT_META(GOLD "-v2", "role", "gold");
    EXPECT_META(GOLD "-v2", "image-version", "2");
    EXPECT_META(GOLD "-v2", "parent-version", "1");

    /* a new clone of version 2 boots and has the patch */
    VMCTL(&c, "clone", GOLD, CHECKER, "--version", "2", "--start");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    WAIT_AGENT(CHECKER);
    CHECK(GUEST_SH_OK(CHECKER, "grep -qx patched-v2 " PATCH_FILE),
          "a clone of v2 lacks %s with the patch", PATCH_FILE);
    remove_domain(CHECKER);
}

/* ---------------------------------------------------------------- 2. roll-out to v2 */

/* Hosts in service in farm gfd's status (-1 unknown). */
static int status_in_service(void)
{
    char *status = slurp(g.status);
    const char *at = status ? strstr(status, "\"in_service\":") : NULL;
    int n = at ? atoi(at + 13) : -1;

    release(status);
    return n;
}

/* A roll-out of farm gfd (to version TO, NULL: the promoted one) asked of a running
 * goldfarmd through its control socket and followed by `vmctl image rollout --wait`, which
 * must exit WANT and print WANT_LINE; every second meanwhile at least MIN hosts are in
 * service by the daemon's status. */
static void rollout_waited(const char *to, int want, const char *want_line, int min)
{
    char log[PATH_MAX + 32];
    double deadline = now_s() + ROLLOUT_WAIT;
    pid_t pid;
    int code, stopped;

    snprintf(log, sizeof(log), "%s/rollout-wait.log", g.dir);
    daemon_start();
    DAEMON_READY();
    pid = to ? VMCTL_SPAWN(log, "image", "rollout", FARM, "--to", to, "--wait", "--state-dir",
                           g.state)
             : VMCTL_SPAWN(log, "image", "rollout", FARM, "--wait", "--state-dir", g.state);
    while ((code = vmctl_done(pid)) < 0) {
        int n = status_in_service();
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            FAILF("vmctl image rollout --wait still waits after %.0f s:\n%s\n%s", ROLLOUT_WAIT,
                  slurp(log), slurp(g.status));
        }
        CHECK(!min || n < 0 || n >= min, "%d hosts in service < %d:\n%s", n, min, slurp(g.status));
        CHECK(daemon_alive(), "goldfarmd died:\n%s", slurp(g.daemon_log));
        nap(1);
    }
    stopped = daemon_stop();
    CHECK(code == want, "vmctl image rollout --wait exited %d, not %d:\n%s\n--- goldfarmd:\n%s",
          code, want, slurp(log), slurp(g.daemon_log));
    CHECK(strstr(slurp(log), want_line), "vmctl image rollout --wait did not say '%s':\n%s",
          want_line, slurp(log));
    CHECK(!strstr(slurp(g.daemon_log), "[failed"), "an action failed:\n%s", slurp(g.daemon_log));
    CHECK(stopped == 0, "goldfarmd exited %d on SIGTERM:\n%s", stopped, slurp(g.daemon_log));
    if (g.verbose)
        print_message("%s", slurp(log));
}

static void test_rollout_three_hosts(void **state)
{
    char list[MAX_DOMS][64], names[512], sha[65];
    struct cmd c;
    int n;

    (void)state;
    /* the farm: three v1 hosts whose agents answer */
    TICK(&c);
    CHECK(strstr(c.r.err, "clone " PREFIX "03"), "no three clones:\n%s", c.r.err);
    cmd_free(&c);
    for (int i = 1; i <= 3; i++) {
        char dom[32];
        snprintf(dom, sizeof(dom), PREFIX "%02d", i);
        WAIT_AGENT(dom);
        EXPECT_META(dom, "image-version", "1");
    }
    TICK(&c);
    cmd_free(&c);

    rollout_waited("2", 0, "rollout " GOLD " v1 -> v2: done, ", 3);
    n = DOMAINS(list);
    CHECK(n == 3, "farm hosts after the roll-out: %s", joined(list, n, names, sizeof(names)));
    for (int i = 0; i < n; i++) {
        EXPECT_META(list[i], "image-version", "2");
        WAIT_AGENT(list[i]);
        CHECK(GUEST_SH_OK(list[i], "grep -qx patched-v2 " PATCH_FILE), "%s lacks the patch",
              list[i]);
    }
    SHA256(GOLD_DISK, sha);
    CHECK(strcmp(sha, g.gold_sha) == 0, "the v1 gold disk changed in the roll-out");
}

/* ---------------------------------------------------------------- 3. a bad version */

static void test_bad_version_rolls_back(void **state)
{
    char list[MAX_DOMS][64], names[512], reason[512], *status;
    struct cmd c;
    int n;

    (void)state;
    VMCTL(&c, "clone", GOLD, PATCH, "--version", "2", "--start");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    WAIT_AGENT(PATCH);
    CHECK(GUEST_SH_OK(PATCH, "touch " NO_AGENT " && sync"), "writing the marker");
    seal(PATCH, "agent broken", "3");
    VMCTL(&c, "image", "promote", GOLD, "3");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);

    /* to the promoted one: it rolls back, so vmctl exits 1 */
    rollout_waited(NULL, 1, "rollout " GOLD " v2 -> v3: rolled-back", 3);
    status = slurp(g.status);
    {
        const char *at = strstr(status, "\"reason\":\"");
        snprintf(reason, sizeof(reason), "%.*s", at ? (int)strcspn(at + 10, "\"") : 0,
                 at ? at + 10 : "");
    }
    CHECK(strstr(reason, "canary") && strstr(reason, "failed its gate"),
          "the rollback's reason does not name the canary's gate: '%s'", reason);
    release(status);
    n = DOMAINS(list);
    for (int i = 0; i < n; i++) {
        char state_[32], version[16];
        META(list[i], "state", state_);
        META(list[i], "image-version", version);
        if (strcmp(version, "3") == 0)
            CHECK(strcmp(state_, "quarantined") == 0, "%s (v3) is %s, not quarantined", list[i],
                  state_);
        else
            CHECK(strcmp(version, "2") == 0 && strcmp(state_, "active") == 0,
                  "%s is v%s %s after the rollback (hosts: %s)", list[i], version, state_,
                  joined(list, n, names, sizeof(names)));
    }
    /* v3 is no longer what new clones use */
    VMCTL(&c, "image", "list", "--json");
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, "\"domain\":\"" GOLD "-v2\",\"promoted\":true"),
          "v2 is not promoted again:\n%s", c.r.out);
    cmd_free(&c);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patch_and_seal),
        cmocka_unit_test(test_rollout_three_hosts),
        cmocka_unit_test(test_bad_version_rolls_back),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests_name("qemu_image", tests, group_setup, group_teardown);
}
