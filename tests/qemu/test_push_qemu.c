/* test_push_qemu.c - vmctl image push between two real libvirtd on one machine: node 1
 * (qemu:///system, tests/qemu/testbed.sh) and node 2 (`testbed.sh node2 start`: user hv2's
 * session libvirtd, reached over its socket, its own pool goldfarm-testbed).
 *
 * usage: test_push_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * The tests run in order:
 *
 *   1. tiny-gold v1 is pushed from node 1 to node 2: the result says copied, the checksum it
 *      prints is the SHA-256 of the gold disk's file on node 1 and of the copy's on node 2,
 *      both golds carry it in their metadata (sha256=), and a clone of the pushed gold
 *      started on node 2 boots until its guest agent answers (a QEMU process of hv2);
 *   2. pushing it again changes nothing (present);
 *   3. a push interrupted by a crash (GOLDFARM_CRASH, an abort() as kill -9 would stop it)
 *      after the stream, and one failing (GOLDFARM_FAULT) at the define, leave nothing on
 *      node 2 once the next push has run its recovery; one interrupted after the define is
 *      finished by the next push (its domain kept, "has it already");
 *   4. node 2 holding v1 under another checksum is refused (exit 2, nothing changed).
 *
 * Node 2 belongs to the tests: its teardown removes everything on it (`node2 reset`).
 * Node 1's tiny-gold disk is checked byte-identical at the end, as in every QEMU suite.
 */

#include "daemon_harness.h"

#define CLONE2 "gf-test-d-n2"
#define NODE2_POOL_DIR "/var/lib/goldfarm/testbed/node2/pool"

static char uri2[256];

/* `testbed.sh node2 WHAT`, its output appended to DIR/testbed-node2.log (see
 * testbed_run_node).  Returns its exit status, or -1 (not ended within 300 s). */
static int node2(const char *what)
{
    char log[PATH_MAX + 32];

    snprintf(log, sizeof(log), "%s/testbed-node2.log", g.dir);
    return testbed_run_node("node2", what, log, 300);
}

/* Run vmctl on node 1 with ENV ("NAME=VALUE" or NULL) and ARGS. */
static void vmctl_env_at(const char *file, int line, struct cmd *c, const char *env, ...)
{
    const char *pre[] = {"-c", URI, NULL};
    va_list ap;

    va_start(ap, env);
    run_va(file, line, c, env, g.vmctl, pre, ap);
    va_end(ap);
}
#define VMCTL_ENV(c, env, ...) vmctl_env_at(__FILE__, __LINE__, c, env, __VA_ARGS__, (char *)NULL)
#define PUSH(c, env) VMCTL_ENV(c, env, "image", "push", GOLD, "--to", uri2, "--state-dir", g.state)

/* virsh on node 2. */
#define VIRSH2(c, ...) PROG(c, "virsh", "-q", "-c", uri2, __VA_ARGS__)

/* Whether node 2 has domain DOM / volume VOL in its pool. */
static int node2_has(const char *what, const char *name)
{
    struct cmd c;
    int has;

    if (strcmp(what, "domain") == 0)
        VIRSH2(&c, "dominfo", name);
    else
        VIRSH2(&c, "vol-info", "--pool", POOL, name);
    has = c.r.status == 0;
    cmd_free(&c);
    return has;
}

/* Node 2's Goldfarm metadata of DOM, as text (kept until release_all). */
static const char *node2_meta(const char *dom)
{
    struct cmd c;

    VIRSH2(&c, "metadata", dom, META_NS);
    EXPECT_EXIT(&c, 0);
    return c.r.out;
}

static void node2_reset(void)
{
    int code = node2("reset");
    CHECK(code == 0, "`testbed.sh node2 reset` exited %d (see %s/testbed-node2.log)", code, g.dir);
}

static int setup(void **state)
{
    char log[PATH_MAX + 32];
    struct cmd c;
    int code;

    (void)state;
    suite_setup("push");
    snprintf(log, sizeof(log), "%s/testbed-node2.log", g.dir);
    code = node2("start");
    CHECK(code == 0, "`testbed.sh node2 start` exited %d:\n%s", code, slurp(log));
    PROG(&c, g.testbed, "node2", "uri");
    EXPECT_EXIT(&c, 0);
    snprintf(uri2, sizeof(uri2), "%.*s", (int)strcspn(c.r.out, "\n"), c.r.out);
    cmd_free(&c);
    node2_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (uri2[0])
        node2("reset");
    suite_teardown();
    return 0;
}

static void push_copies_and_a_clone_boots_on_node2(void **state)
{
    char sha2[65], want[80];
    struct cmd c;
    const char *m;
    double t0;

    (void)state;
    PUSH(&c, NULL);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, "pushed to") && strstr(c.r.out, g.gold_sha),
          "push did not report the copy with the gold disk's SHA-256 %s:\n%s", g.gold_sha, c.r.out);
    cmd_free(&c);
    SHA256(NODE2_POOL_DIR "/" GOLD ".qcow2", sha2);
    CHECK(strcmp(sha2, g.gold_sha) == 0, "node 2's copy has SHA-256 %s, node 1's gold %s", sha2,
          g.gold_sha);
    snprintf(want, sizeof(want), "sha256=\"%s\"", g.gold_sha);
    m = node2_meta(GOLD);
    CHECK(strstr(m, want) && strstr(m, "role=\"gold\"") && strstr(m, "image-version=\"1\""),
          "node 2's gold metadata lacks %s:\n%s", want, m);
    EXPECT_META(GOLD, "sha256", g.gold_sha);
    /* a clone on node 2 boots */
    PROG(&c, g.vmctl, "-c", uri2, "clone", GOLD, CLONE2, "--start");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    t0 = now_s();
    for (;;) {
        PROG(&c, "virsh", "-c", uri2, "qemu-agent-command", CLONE2, "{\"execute\":\"guest-ping\"}");
        if (c.r.status == 0)
            break;
        CHECK(now_s() - t0 < BOOT_WAIT, "%s on node 2: no guest agent after %.0f s: %s", CLONE2,
              BOOT_WAIT, c.r.err);
        cmd_free(&c);
        nap(0.5);
    }
    cmd_free(&c);
    print_message("clone of the pushed gold answered on node 2 after %.1f s\n", now_s() - t0);
    VIRSH2(&c, "destroy", CLONE2);
    cmd_free(&c);
}

static void pushing_again_changes_nothing(void **state)
{
    struct cmd c;

    (void)state;
    PUSH(&c, NULL);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, "has it already"), "a second push did something:\n%s", c.r.out);
    cmd_free(&c);
}

/* Node 2 has no tiny-gold, neither domain nor volume. */
static void expect_node2_empty(const char *after)
{
    CHECK(!node2_has("domain", GOLD), "%s: node 2 has domain %s", after, GOLD);
    CHECK(!node2_has("volume", GOLD ".qcow2"), "%s: node 2 has volume %s.qcow2", after, GOLD);
}

static void interrupted_pushes_leave_nothing_or_are_finished(void **state)
{
    struct cmd c;

    (void)state;
    node2_reset();
    /* a crash after the stream: the copy is there, no domain */
    PUSH(&c, "GOLDFARM_CRASH=push-streamed");
    CHECK(c.r.status != 0, "the push did not crash at push-streamed:\n%s", c.r.out);
    cmd_free(&c);
    CHECK(node2_has("volume", GOLD ".qcow2"), "no volume on node 2 after the crash");
    CHECK(!node2_has("domain", GOLD), "a domain on node 2 after a crash before the define");
    /* a failure at the define, after the recovery of that crash: nothing at all */
    PUSH(&c, "GOLDFARM_FAULT=push-define");
    EXPECT_EXIT(&c, 1);
    CHECK(strstr(c.r.out, "undone (1 volume deleted)") ||
              strstr(c.r.err, "undone (1 volume deleted)"),
          "the crashed push was not undone:\n%s%s", c.r.out, c.r.err);
    CHECK(strstr(c.r.err, "nothing of the push"), "the failed push says otherwise:\n%s", c.r.err);
    cmd_free(&c);
    expect_node2_empty("a failed define");
    /* a crash after the define: finished by the next push */
    PUSH(&c, "GOLDFARM_CRASH=push-defined");
    CHECK(c.r.status != 0, "the push did not crash at push-defined:\n%s", c.r.out);
    cmd_free(&c);
    PUSH(&c, NULL);
    EXPECT_EXIT(&c, 0);
    CHECK((strstr(c.r.out, "finished") || strstr(c.r.err, "finished")) &&
              strstr(c.r.out, "has it already"),
          "the push crashed after its define was not finished:\n%s%s", c.r.out, c.r.err);
    cmd_free(&c);
    CHECK(node2_has("domain", GOLD) && node2_has("volume", GOLD ".qcow2"),
          "the finished push's domain or volume is gone");
}

static void another_checksum_on_node2_is_refused(void **state)
{
    char xml[1024];
    struct cmd c;

    (void)state;
    snprintf(xml, sizeof(xml),
             "<managed role='gold' image='" GOLD "' image-version='1' promoted='1' "
             "sha256='%064d'/>",
             0);
    VIRSH2(&c, "metadata", GOLD, META_NS, "--key", "goldfarm", "--config", "--set", xml);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    PUSH(&c, NULL);
    EXPECT_EXIT(&c, 2);
    CHECK(strstr(c.r.err, "another checksum"), "not refused for its checksum:\n%s", c.r.err);
    cmd_free(&c);
    CHECK(strstr(node2_meta(GOLD), "sha256=\"0000"), "node 2's gold was changed");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_copies_and_a_clone_boots_on_node2),
        cmocka_unit_test(pushing_again_changes_nothing),
        cmocka_unit_test(interrupted_pushes_leave_nothing_or_are_finished),
        cmocka_unit_test(another_checksum_on_node2_is_refused),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests(tests, setup, teardown);
}
