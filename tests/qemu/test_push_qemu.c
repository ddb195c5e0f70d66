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
 *   4. node 2 holding v1 under another checksum is refused (exit 2, nothing changed);
 *   5. shared storage (issue 17): one directory that both nodes define as dir pool
 *      goldfarm-shared (`testbed.sh shared-pool`, `node2 shared-pool`: what an NFS export
 *      mounted at the same path looks like to libvirt) holds gold gf-test-sh (tiny-gold's disk,
 *      preallocated to 128 MiB so that reading it takes measurable time).  First pushed while
 *      node 2 does not see that directory, into node 2's own pool: copied, its time the
 *      reference.  Then, node 2 seeing it: the push says shared and writes nothing (no new
 *      file, the disk's bytes unchanged), node 2's gold is defined on that very file with its
 *      SHA-256 in its metadata, both golds are marked shared="yes"; a linked clone made on node
 *      2 (its overlay in the shared directory, written by hv2's QEMU) boots until its agent
 *      answers; node 2 promotes another version and retires this one: the disk file stays,
 *      unchanged, node 1's gold still on it.  Everything it made on either node is removed
 *      after it, failed or not;
 *   6. that shared push's report: "bytes" sent 0 (what it read for its checksums is not
 *      sent), and vmctl's --json output JSON alone on stdout (its notes on stderr).  Its
 *      time against the copy's is printed, not asserted (bench/ measures speed).
 *
 * Node 2 belongs to the tests: its teardown removes everything on it (`node2 reset`).
 * Node 1's tiny-gold disk is checked byte-identical at the end, as in every QEMU suite.
 */

#include <dirent.h>

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

/* Wait until the guest agent of DOM (started on node 2) answers; the seconds it took. */
static double node2_wait_agent(const char *dom)
{
    double t0 = now_s();
    struct cmd c;

    for (;;) {
        PROG(&c, "virsh", "-c", uri2, "qemu-agent-command", dom, "{\"execute\":\"guest-ping\"}");
        if (c.r.status == 0)
            break;
        CHECK(now_s() - t0 < BOOT_WAIT, "%s on node 2: no guest agent after %.0f s: %s", dom,
              BOOT_WAIT, c.r.err);
        cmd_free(&c);
        nap(0.5);
    }
    cmd_free(&c);
    return now_s() - t0;
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
    print_message("clone of the pushed gold answered on node 2 after %.1f s\n",
                  node2_wait_agent(CLONE2));
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

/* ---------------------------------------------------------------- 5. shared storage */

#define SHARED_POOL "goldfarm-shared"
#define SHARED_DIR "/var/lib/goldfarm/testbed/shared"
#define SGOLD "gf-test-sh"
#define SGOLD_DISK SHARED_DIR "/" SGOLD ".qcow2"
#define SGOLD_V2 SGOLD "-v2"    /* node 2 only: the version it promotes before retiring v1 */
#define SCLONE2 "gf-test-d-sh2" /* on node 2 */
#define SGOLD_SIZE "128M"

/* What test 5 measured of its pushes, for the known-bug tests after it. */
static struct {
    int measured;             /* the shared push ran and succeeded */
    double copy_s, shared_s;  /* the wall time of the copying push and of the shared one */
    unsigned long long bytes; /* the shared push's "bytes" */
    int json_alone;           /* its stdout was its JSON alone */
} sh;

/* A tiny guest like templates/tiny-gold.xml, named %s (twice: name, disk) with its disk
 * %s, no UUID and no MAC (libvirt makes them). */
static const char guest_xml[] =
    "<domain type='qemu'><name>%s</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type>"
    "<kernel>/var/lib/goldfarm/testbed/vmlinuz</kernel>"
    "<initrd>/var/lib/goldfarm/testbed/initrd.img</initrd>"
    "<cmdline>console=ttyS0 rdinit=/init quiet</cmdline></os><features><acpi/></features>"
    "<clock offset='utc'/><on_poweroff>destroy</on_poweroff><on_crash>destroy</on_crash>"
    "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/>"
    "<target dev='vda' bus='virtio'/></disk><interface type='user'><model type='virtio'/>"
    "</interface><serial type='pty'><target port='0'/></serial><console type='pty'>"
    "<target type='serial' port='0'/></console><channel type='unix'>"
    "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
    "<memballoon model='virtio'><stats period='2'/></memballoon></devices></domain>";

/* `testbed.sh WHAT` for node 1, its output appended to DIR/testbed-shared.log.  Its exit
 * status, or -1 (not ended within 120 s). */
static int node1(const char *what)
{
    char log[PATH_MAX + 32];

    snprintf(log, sizeof(log), "%s/testbed-shared.log", g.dir);
    return testbed_run(what, log, 120);
}

/* Define domain NAME with disk DISK (guest_xml) through virsh on URI_ (node 1: NULL). */
static void define_guest(const char *uri_, const char *name, const char *disk)
{
    char path[PATH_MAX + 64], xml[sizeof(guest_xml) + 2 * PATH_MAX];
    struct cmd c;

    snprintf(path, sizeof(path), "%s/%s.xml", g.dir, name);
    snprintf(xml, sizeof(xml), guest_xml, name, disk);
    WRITE_FILE(path, xml, 0644);
    if (uri_)
        VIRSH2(&c, "define", path);
    else
        VIRSH(&c, "define", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
}

/* The number after "KEY": in the JSON TEXT, or ~0 when it is not there. */
static unsigned long long json_number(const char *text, const char *key)
{
    char want[64];
    const char *at;

    snprintf(want, sizeof(want), "\"%s\":", key);
    at = strstr(text, want);
    return at ? strtoull(at + strlen(want), NULL, 10) : ~0ULL;
}

/* The names in the shared directory (not . and ..), joined into BUF; how many. */
static int shared_files(char *buf, size_t len)
{
    DIR *d = opendir(SHARED_DIR);
    struct dirent *e;
    int n = 0;

    buf[0] = '\0';
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", n ? " " : "", e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

/* Remove what test 5 makes, on both nodes, whatever a failure left: node 2's domains of it
 * and the volumes of its own pool, node 1's gold, the gf-test-* files of the shared
 * directory, then the shared pool on both nodes (node 1's also removes the directory, then
 * empty).  Errors are ignored here: shared_teardown checks what is left. */
static void shared_cleanup(void)
{
    const char *doms2[] = {SCLONE2, SGOLD, SGOLD_V2};
    char path[PATH_MAX];
    struct dirent *e;
    struct cmd c;
    DIR *d;

    for (size_t i = 0; uri2[0] && i < sizeof(doms2) / sizeof(doms2[0]); i++) {
        VIRSH2(&c, "destroy", doms2[i]);
        cmd_free(&c);
        VIRSH2(&c, "undefine", doms2[i], "--snapshots-metadata");
        cmd_free(&c);
    }
    if (uri2[0]) {
        VIRSH2(&c, "vol-delete", "--pool", POOL, SGOLD ".qcow2");
        cmd_free(&c);
        VIRSH2(&c, "vol-delete", "--pool", POOL, SGOLD_V2 ".qcow2");
        cmd_free(&c);
    }
    VIRSH(&c, "undefine", SGOLD, "--snapshots-metadata");
    cmd_free(&c);
    if ((d = opendir(SHARED_DIR))) {
        while ((e = readdir(d)))
            if (strncmp(e->d_name, "gf-test-", 8) == 0) {
                snprintf(path, sizeof(path), SHARED_DIR "/%s", e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    if (uri2[0])
        node2("shared-pool-remove");
    node1("shared-pool-remove");
}

static int shared_teardown(void **state)
{
    char left[1024];

    (void)state;
    shared_cleanup();
    CHECK(!DEFINED(SGOLD), "%s is left on node 1", SGOLD);
    CHECK(!uri2[0] || (!node2_has("domain", SGOLD) && !node2_has("domain", SCLONE2)),
          "%s or %s is left on node 2", SGOLD, SCLONE2);
    CHECK(shared_files(left, sizeof(left)) == 0 && access(SHARED_DIR, F_OK) != 0,
          SHARED_DIR " is left, with: %s", left);
    return 0;
}

/* The gold of test 5 in the shared directory, on node 1's pool there: tiny-gold's disk,
 * preallocated to SGOLD_SIZE, readable by node 2's QEMU (user hv2); its SHA-256 into SHA. */
static void make_shared_gold(char sha[65])
{
    struct cmd c;

    CHECK(node1("shared-pool") == 0, "`testbed.sh shared-pool` failed (see %s)", g.dir);
    PROG(&c, "qemu-img", "convert", "-f", "qcow2", "-O", "qcow2", "-o", "preallocation=falloc",
         GOLD_DISK, SGOLD_DISK);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    PROG(&c, "qemu-img", "resize", "-q", "--preallocation=falloc", SGOLD_DISK, SGOLD_SIZE);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    CHECK(chmod(SGOLD_DISK, 0644) == 0, "chmod %s: %s", SGOLD_DISK, strerror(errno));
    VIRSH(&c, "pool-refresh", SHARED_POOL);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    define_guest(NULL, SGOLD, SGOLD_DISK);
    VMCTL(&c, "image", "mark", SGOLD);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    SHA256(SGOLD_DISK, sha);
}

/* Push SGOLD to node 2 (--pool POOL_ unless NULL) with --json, as RESULT ("copied",
 * "shared") with checksum SHA: its wall time.  Its output stays in C (to free). */
static double push_sgold(struct cmd *c, const char *pool_, const char *result, const char *sha)
{
    char want[64];
    double t0 = now_s(), t;

    if (pool_)
        VMCTL_ENV(c, NULL, "image", "push", SGOLD, "--to", uri2, "--pool", pool_, "--state-dir",
                  g.state, "--json");
    else
        VMCTL_ENV(c, NULL, "image", "push", SGOLD, "--to", uri2, "--state-dir", g.state, "--json");
    t = now_s() - t0;
    EXPECT_EXIT(c, 0);
    snprintf(want, sizeof(want), "\"result\":\"%s\"", result);
    CHECK(strstr(c->r.out, want) && strstr(c->r.out, sha),
          "`%s` did not say %s with the gold disk's SHA-256 %s:\n%s%s", c->line, want, sha,
          c->r.out, c->r.err);
    return t;
}

static void shared_storage_is_not_copied_and_outlives_a_retire(void **state)
{
    char sha[65], now[65], want[96], files[1024], overlay[PATH_MAX];
    struct cmd c;
    const char *m;
    double t_test = now_s(), t_boot;

    (void)state;
    memset(&sh, 0, sizeof(sh));
    shared_cleanup(); /* an earlier run's */
    make_shared_gold(sha);

    /* the reference: node 2 does not see the directory yet, so the push copies the disk into
     * node 2's own pool; that copy is removed again */
    sh.copy_s = push_sgold(&c, POOL, "copied", sha);
    cmd_free(&c);
    VIRSH2(&c, "undefine", SGOLD);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    VIRSH2(&c, "vol-delete", "--pool", POOL, SGOLD ".qcow2");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);

    /* node 2 sees the directory: shared, only the domain is made there */
    CHECK(node2("shared-pool") == 0, "`testbed.sh node2 shared-pool` failed (see %s)", g.dir);
    /* node 2's read of the shared disk failing: the push says it was node 2's copy (not the
     * source) and makes nothing there */
    {
        char env[512];
        snprintf(env, sizeof(env), "GOLDFARM_FAULT=push-stream:compare %s vda, its copy on %s",
                 SGOLD, uri2);
        VMCTL_ENV(&c, env, "image", "push", SGOLD, "--to", uri2, "--state-dir", g.state);
        EXPECT_EXIT(&c, 1);
        CHECK(strstr(c.r.err, "its copy on") && strstr(c.r.err, "injected fault"),
              "the failed read of node 2's copy was not named as such:\n%s", c.r.err);
        cmd_free(&c);
        CHECK(!node2_has("domain", SGOLD), "a push that failed left %s on node 2", SGOLD);
    }
    sh.shared_s = push_sgold(&c, NULL, "shared", sha);
    CHECK(strstr(c.r.err, SGOLD_DISK " on ") && strstr(c.r.err, "is the same storage") &&
              strstr(c.r.err, "not copied"),
          "the push did not say why it copied nothing:\n%s", c.r.err);
    sh.bytes = json_number(c.r.out, "bytes");
    sh.json_alone = c.r.out[0] == '[';
    sh.measured = 1;
    cmd_free(&c);
    CHECK(shared_files(files, sizeof(files)) == 1, "a shared push made files in " SHARED_DIR ": %s",
          files);
    SHA256(SGOLD_DISK, now);
    CHECK(strcmp(now, sha) == 0, "the shared disk changed in the push: %s, was %s", now, sha);
    CHECK(!node2_has("volume", SGOLD ".qcow2"), "node 2's own pool got a copy");
    VIRSH2(&c, "domblklist", SGOLD);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, SGOLD_DISK), "node 2's gold is not on the shared disk:\n%s", c.r.out);
    cmd_free(&c);
    snprintf(want, sizeof(want), "sha256=\"%s\"", sha);
    m = node2_meta(SGOLD);
    CHECK(strstr(m, want) && strstr(m, "shared=\"yes\"") && strstr(m, "role=\"gold\""),
          "node 2's gold metadata lacks %s or shared=\"yes\":\n%s", want, m);
    EXPECT_META(SGOLD, "sha256", sha);
    EXPECT_META(SGOLD, "shared", "yes");

    /* a linked clone on node 2: its overlay in the shared directory, on the shared disk */
    PROG(&c, g.vmctl, "-c", uri2, "clone", SGOLD, SCLONE2, "--start");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    VIRSH2(&c, "domblklist", SCLONE2);
    EXPECT_EXIT(&c, 0);
    CHECK(sscanf(c.r.out, "%*s %4095s", overlay) == 1 &&
              strncmp(overlay, SHARED_DIR "/" SCLONE2, strlen(SHARED_DIR "/" SCLONE2)) == 0,
          "the clone's disk is not a new file of " SHARED_DIR ":\n%s", c.r.out);
    cmd_free(&c);
    PROG(&c, "qemu-img", "info", "-U", "--output=json", overlay);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, "\"backing-filename\": \"" SGOLD_DISK "\""),
          "%s is not an overlay on " SGOLD_DISK ":\n%s", overlay, c.r.out);
    cmd_free(&c);
    t_boot = node2_wait_agent(SCLONE2);
    VIRSH2(&c, "destroy", SCLONE2);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    VIRSH2(&c, "undefine", SCLONE2, "--remove-all-storage");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    CHECK(access(overlay, F_OK) != 0, "the clone's overlay %s is left", overlay);

    /* node 2 promotes a version 2 of its own, then retires v1: the shared disk stays */
    VIRSH2(&c, "vol-create-as", POOL, SGOLD_V2 ".qcow2", "1M", "--format", "qcow2");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    define_guest(uri2, SGOLD_V2, NODE2_POOL_DIR "/" SGOLD_V2 ".qcow2");
    VIRSH2(&c, "metadata", SGOLD_V2, META_NS, "--key", "goldfarm", "--config", "--set",
           "<managed role='gold' image='" SGOLD "' image-version='2'/>");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    PROG(&c, g.vmctl, "-c", uri2, "image", "promote", SGOLD, "2");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    PROG(&c, g.vmctl, "-c", uri2, "image", "retire", SGOLD, "1", "--policies", g.policies);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, "kept: shared storage"), "the retirement did not keep the disk:\n%s",
          c.r.out);
    cmd_free(&c);
    CHECK(!node2_has("domain", SGOLD), "node 2 still has %s v1", SGOLD);
    SHA256(SGOLD_DISK, now);
    CHECK(strcmp(now, sha) == 0, "the shared disk changed: %s, was %s", now, sha);
    CHECK(DEFINED(SGOLD), "node 1's gold %s is gone", SGOLD);
    EXPECT_META(SGOLD, "shared", "yes");
    VIRSH(&c, "pool-refresh", SHARED_POOL);
    cmd_free(&c);
    VIRSH(&c, "vol-info", "--pool", SHARED_POOL, SGOLD ".qcow2");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    print_message("shared storage: copy %.2f s, shared push %.2f s (\"bytes\" %llu), clone agent "
                  "on node 2 after %.1f s, test %.1f s\n",
                  sh.copy_s, sh.shared_s, sh.bytes, t_boot, now_s() - t_test);
}

/* ---------------------------------------------------------------- 6. its report */

static void shared_push_reports_no_bytes_sent(void **state)
{
    (void)state;
    if (!sh.measured)
        fail_msg("no shared push to look at: the shared-storage test before this one failed");
    CHECK(sh.bytes == 0,
          "the shared push said \"bytes\":%llu streamed to node 2, which got none (push.h: "
          "bytes are what was streamed to the target)",
          sh.bytes);
}

static void shared_push_json_is_json_alone(void **state)
{
    (void)state;
    if (!sh.measured)
        fail_msg("no shared push to look at: the shared-storage test before this one failed");
    CHECK(sh.json_alone, "vmctl image push --json printed more than its JSON on stdout (its "
                         "notes belong on stderr with --json)");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_copies_and_a_clone_boots_on_node2),
        cmocka_unit_test(pushing_again_changes_nothing),
        cmocka_unit_test(interrupted_pushes_leave_nothing_or_are_finished),
        cmocka_unit_test(another_checksum_on_node2_is_refused),
        cmocka_unit_test_teardown(shared_storage_is_not_copied_and_outlives_a_retire,
                                  shared_teardown),
        cmocka_unit_test(shared_push_reports_no_bytes_sent),
        cmocka_unit_test(shared_push_json_is_json_alone),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests(tests, setup, teardown);
}
