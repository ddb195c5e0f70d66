/* test_identity_qemu.c - clone identity end to end on a real libvirtd with QEMU (TCG) and
 * tiny guests whose init reads a NoCloud seed as cloud-init would (tests/qemu/guest/init).
 *
 * usage: test_identity_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Runs as root on the test bed of tests/qemu/testbed.sh.  The tests run in order and build on
 * each other:
 *
 *   1. two clones of tiny-gold made by `vmctl clone --policy` (the policy's identity group,
 *      with user-data and network-config templates), started together: each guest's agent
 *      answers guest-get-host-name with its own domain name; inside, the seed's meta-data
 *      has the domain's UUID as instance-id, user-data and network-config are the templates
 *      rendered with the host's values; the seed volume on the pool is a real ISO 9660 image
 *      labelled cidata (written through virStorageVolUpload);
 *   2. a snapshot of a running host and a rollback to it keep its name, and so does a cold
 *      boot after them (the seed is read again);
 *   3. `vmctl farm replace --now` of one of them, asked of a running goldfarmd through its
 *      control socket: its next tick clones the replacement
 *      with its own seed, and its agent answers with its own name; the replaced host is
 *      quarantined, and `vmctl farm quarantine delete` removes its seed file from the pool.
 *
 * The gold disk is byte-identical at the end.  Only domains and volumes named gf-test-d-* are
 * made and removed.  GOLDFARM_TEST_VERBOSE=1 prints every command and its output;
 * GOLDFARM_TEST_FILTER=PATTERN runs only the tests matching it.
 */

#include "daemon_harness.h"

#define H1 PREFIX "01"
#define H2 PREFIX "02"
#define H3 PREFIX "03"
#define QUARANTINE_WAIT 240.0 /* the replacement serving, then the replaced host set aside */
#define REPLACE_WAIT 180.0    /* from the request to the replacement cloned by the daemon */

static const char policy_fmt[] =
    "# written by test_identity_qemu: every new host gets its NoCloud seed\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 2; min_hosts = 2; max_hosts = 3; tick = \"5s\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = 2; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = 2; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; };\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = 2; }; }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; };\n"
    "drain = { wait = \"10s\"; };\n"
    "load = { source = \"agent\"; };\n"
    "identity = { guest = \"linux\"; user_data = \"%s/user-data.yaml\";\n"
    "  network_config = \"%s/network-config.yaml\"; };\n";

static const char user_data[] = "#cloud-config\n"
                                "fqdn: ${host}.${farm}.example.com\n"
                                "# ${image} v${image_version} on ${hypervisor}\n"
                                "runcmd:\n"
                                "  - echo \"$${HOME}\"\n";

static const char network_config[] = "version: 2\n"
                                     "ethernets: { eth0: { dhcp4: true } }\n"
                                     "# instance ${instance_id}\n";

static char policy_path[PATH_MAX + 32];

static int group_setup(void **state)
{
    char text[4096], path[PATH_MAX + 32];
    struct cmd c;

    (void)state;
    suite_setup("identity");
    snprintf(path, sizeof(path), "%s/user-data.yaml", g.dir);
    WRITE_FILE(path, user_data, 0644);
    snprintf(path, sizeof(path), "%s/network-config.yaml", g.dir);
    WRITE_FILE(path, network_config, 0644);
    snprintf(text, sizeof(text), policy_fmt, g.dir, g.dir);
    snprintf(policy_path, sizeof(policy_path), "%s/" FARM ".conf", g.policies);
    WRITE_FILE(policy_path, text, 0644);
    VMCTL(&c, "policy", "check", policy_path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    suite_teardown();
    return 0;
}

/* ---------------------------------------------------------------- checks */

/* What DOM's guest agent says its host name is, into BUF. */
static void guest_host_name(const char *dom, char *buf, size_t len)
{
    char *out = NULL, *err = NULL;
    int code = ga_command(dom, "{\"execute\":\"guest-get-host-name\"}", &out, &err);

    CHECK(code == 0, "%s: guest-get-host-name failed (%d): %s", dom, code, err ? err : "");
    CHECK(json_str(out, strlen(out), "host-name", buf, len) == 0,
          "%s: no host-name in the agent's answer: %s", dom, out);
    free(out);
    free(err);
}

/* Assert that DOM's guest calls itself DOM. */
#define EXPECT_OWN_NAME(dom)                                                                       \
    do {                                                                                           \
        char name_[256];                                                                           \
        guest_host_name(dom, name_, sizeof(name_));                                                \
        CHECK(strcmp(name_, dom) == 0, "%s: the guest agent says its host name is '%s'", dom,      \
              name_);                                                                              \
    } while (0)

/* Assert that file PATH in DOM's guest has the line LINE. */
static void expect_guest_line_at(const char *file, int line, const char *dom, const char *path,
                                 const char *want)
{
    char shell[1024];

    snprintf(shell, sizeof(shell), "grep -qxF -e '%s' %s", want, path);
    if (guest_sh_at(file, line, dom, shell) != 0)
        failf(file, line, "%s: %s has no line '%s'", dom, path, want);
}
#define EXPECT_GUEST_LINE(dom, path, want) expect_guest_line_at(__FILE__, __LINE__, dom, path, want)

/* Assert what DOM's guest read from its seed: meta-data with the domain's UUID and name,
 * user-data and network-config rendered with its values. */
static void expect_seed_read(const char *dom)
{
    char uuid[64], want[256];

    VIRSH_TEXT(uuid, "domuuid", dom);
    uuid[strcspn(uuid, " \n")] = '\0';
    snprintf(want, sizeof(want), "instance-id: %s", uuid);
    EXPECT_GUEST_LINE(dom, "/run/cidata/meta-data", want);
    snprintf(want, sizeof(want), "local-hostname: %s", dom);
    EXPECT_GUEST_LINE(dom, "/run/cidata/meta-data", want);
    snprintf(want, sizeof(want), "fqdn: %s." FARM ".example.com", dom);
    EXPECT_GUEST_LINE(dom, "/run/cidata/user-data", want);
    EXPECT_GUEST_LINE(dom, "/run/cidata/user-data", "# " GOLD " v1 on " URI);
    EXPECT_GUEST_LINE(dom, "/run/cidata/user-data", "  - echo \"${HOME}\"");
    snprintf(want, sizeof(want), "# instance %s", uuid);
    EXPECT_GUEST_LINE(dom, "/run/cidata/network-config", want);
}

/* Assert that DOM's seed volume is a real ISO 9660 image labelled cidata, of the volume's
 * capacity, attached read-only: what libvirt was given through its upload stream. */
static void expect_seed_volume(const char *dom)
{
    char path[PATH_MAX], text[4096], label[33] = "", want[PATH_MAX + 32];
    const char *at;
    long long capacity = -1;
    unsigned char pvd[2048];
    struct stat st;
    struct cmd c;
    FILE *f;

    snprintf(path, sizeof(path), POOL_DIR "/%s-cidata.iso", dom);
    CHECK(stat(path, &st) == 0 && st.st_size > 0 && st.st_size % 2048 == 0,
          "%s: no seed file %s (or not whole 2048-byte sectors)", dom, path);
    CHECK((f = fopen(path, "rbe")) != NULL, "cannot read %s", path);
    CHECK(fseek(f, 16 * 2048, SEEK_SET) == 0 && fread(pvd, 1, sizeof(pvd), f) == sizeof(pvd),
          "%s: shorter than its volume descriptors", path);
    fclose(f);
    CHECK(pvd[0] == 1 && memcmp(pvd + 1, "CD001", 5) == 0,
          "%s: no ISO 9660 primary volume descriptor", path);
    memcpy(label, pvd + 40, 32);
    label[strcspn(label, " ")] = '\0';
    CHECK(strcmp(label, "cidata") == 0, "%s: volume id '%s', not cidata", path, label);
    VIRSH_TEXT(text, "vol-info", "--bytes", path);
    CHECK((at = strstr(text, "Capacity:")) && sscanf(at, "Capacity: %lld", &capacity) == 1 &&
              capacity == (long long)st.st_size,
          "%s: the volume's capacity is not the file's %lld bytes:\n%s", path,
          (long long)st.st_size, text);
    VIRSH(&c, "dumpxml", "--inactive", dom);
    EXPECT_EXIT(&c, 0);
    snprintf(want, sizeof(want), "<source file='%s'/>", path);
    CHECK((at = strstr(c.r.out, "device='cdrom'")) && strstr(at, want) && strstr(at, "<readonly/>"),
          "%s: no read-only CD-ROM of %s:\n%s", dom, path, c.r.out);
    cmd_free(&c);
}

/* ---------------------------------------------------------------- 1. two clones */

static void test_two_clones_their_own_names(void **state)
{
    struct cmd c;

    (void)state;
    VMCTL(&c, "clone", GOLD, H1, "--policy", policy_path);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, H1 "-cidata.iso: seed written ("), "no seed written:\n%s", c.r.out);
    cmd_free(&c);
    VMCTL(&c, "clone", GOLD, H2, "--policy", policy_path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    expect_seed_volume(H1);
    expect_seed_volume(H2);
    /* started together */
    VIRSH(&c, "start", H1);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    VIRSH(&c, "start", H2);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    EXPECT_HOST(H1);
    EXPECT_HOST(H2);
    WAIT_AGENT(H1);
    WAIT_AGENT(H2);
    EXPECT_OWN_NAME(H1);
    EXPECT_OWN_NAME(H2);
    expect_seed_read(H1);
    expect_seed_read(H2);
}

/* ---------------------------------------------------------------- 2. snapshots */

static void test_rollback_keeps_the_name(void **state)
{
    struct cmd c;

    (void)state;
    VMCTL(&c, "snapshot", "create", H1, "--name", "before-patch");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    VMCTL(&c, "rollback", H1, "before-patch");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    EXPECT_STATE(H1, "running");
    WAIT_AGENT(H1);
    EXPECT_OWN_NAME(H1);
    /* a cold boot reads the seed again */
    VIRSH(&c, "destroy", H1);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    VIRSH(&c, "start", H1);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    WAIT_AGENT(H1);
    EXPECT_OWN_NAME(H1);
    expect_seed_read(H1);
}

/* ---------------------------------------------------------------- 3. a replacement */

static void test_replacement_by_goldfarmd(void **state)
{
    char list[MAX_DOMS][64], names[512], st[64], path[PATH_MAX];
    struct cmd c;
    double deadline;
    int n, code;

    (void)state;
    /* asked of a running goldfarmd through its control socket: its next tick, at once,
     * clones the replacement */
    daemon_start();
    DAEMON_READY();
    VMCTL(&c, "farm", "replace", H1, "--now", "--state-dir", g.state);
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, H1 ": to be replaced"), "vmctl farm replace said:\n%s", c.r.out);
    cmd_free(&c);
    deadline = now_s() + REPLACE_WAIT;
    while (!strstr(slurp(g.daemon_log), "clone " H3) && now_s() < deadline)
        nap(1);
    code = daemon_stop();
    CHECK(strstr(slurp(g.daemon_log), "clone " H3) && !strstr(slurp(g.daemon_log), "[failed"),
          "goldfarmd did not clone the replacement " H3 ":\n%s", slurp(g.daemon_log));
    CHECK(code == 0, "goldfarmd exited %d on SIGTERM:\n%s", code, slurp(g.daemon_log));
    n = DOMAINS(list);
    CHECK(n == 3, "domains: %s", joined(list, n, names, sizeof(names)));
    EXPECT_HOST(H3);
    expect_seed_volume(H3);
    WAIT_AGENT(H3);
    EXPECT_OWN_NAME(H3);
    expect_seed_read(H3);
    /* once it serves, the replaced host is set aside ... */
    deadline = now_s() + QUARANTINE_WAIT;
    for (;;) {
        TICK(&c);
        cmd_free(&c);
        META(H1, "state", st);
        if (strcmp(st, "quarantined") == 0)
            break;
        CHECK(now_s() < deadline, H1 " is still %s %.0f s after its replacement booted", st,
              QUARANTINE_WAIT);
        nap(5);
    }
    /* ... and deleted with its seed; the others keep theirs */
    VMCTL(&c, "farm", "quarantine", "delete", H1);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    CHECK(!DEFINED(H1), H1 " is still defined");
    snprintf(path, sizeof(path), POOL_DIR "/" H1 "-cidata.iso");
    CHECK(access(path, F_OK) != 0, "%s is still there", path);
    snprintf(path, sizeof(path), POOL_DIR "/" H1 "-vda.qcow2");
    CHECK(access(path, F_OK) != 0, "%s is still there", path);
    expect_seed_volume(H2);
    expect_seed_volume(H3);
    EXPECT_OWN_NAME(H2);
    EXPECT_OWN_NAME(H3);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_clones_their_own_names),
        cmocka_unit_test(test_rollback_keeps_the_name),
        cmocka_unit_test(test_replacement_by_goldfarmd),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests_name("qemu_identity", tests, group_setup, group_teardown);
}
