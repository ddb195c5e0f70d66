/* test_nodes_qemu.c - a farm across two real libvirtd on one machine: node 1
 * (qemu:///system, tests/qemu/testbed.sh) and node 2 (`testbed.sh node2 start`: user hv2's
 * session libvirtd, reached over its socket, its own pool goldfarm-testbed).
 *
 * usage: test_nodes_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Node 2 starts without tiny-gold (removed there if an earlier suite left it), and farm gfd
 * (min_hosts 2, max_hosts 3, max_sessions 4, threshold 50, hysteresis 10, agent load
 * source, drain wait 10 s) has both hypervisors.  The tests run in order and share the farm:
 *
 *   0. the daemon's push (farm.push = "auto"): farm gfp (both nodes, min_hosts 0, so no
 *      clone) and one `goldfarmd --once`: it plans the push of tiny-gold to node 2, runs it
 *      beside the tick, waits for it (--once) and logs it pushed; node 2 then has tiny-gold
 *      with node 1's SHA-256 (vmctl image list --policy: no mismatch), and the next tick
 *      plans no push; gfp is removed, gfd put in place;
 *   1. placement: the first `goldfarmd --once` clones the two hosts of the minimum, one on
 *      each node (both empty and with the same free memory: the fewest of the farm's hosts
 *      first), each a running farm host (metadata) whose agent answers, node 2's on node 2's
 *      pool;
 *   2. node 2 lost with users on both nodes (utmpctl through each guest's agent: node 2's
 *      through its own libvirtd): `testbed.sh node2 stop` (its guests keep running) -> a
 *      tick deletes nothing, clones the minimum's second host on node 1 under a name not
 *      last seen on node 2, the status file's `blind` names node 2 and
 *      goldfarm_hypervisor_up is 0 for it; a second tick acts no more; `node2 start` -> the
 *      node 2 host is seen again, still running with its user, and the surplus (3 hosts for
 *      2 sessions) is drained: the empty host, never one with a user, retired once empty;
 *   3. evacuation under a long-running goldfarmd: `vmctl farm evacuate URI2` -> a
 *      replacement is cloned on node 1 and running before node 2's host is drained
 *      (metadata); with its user logged in it is not retired, past the drain wait either
 *      (the logoff hook ran); logged off, it is retired (domain and volume gone from node 2);
 *   4. node 2 killed under the long-running goldfarmd (`vmctl farm unevacuate` first;
 *      `testbed.sh node2 kill`: kill -9 of its libvirtd and QEMU, the connection the daemon
 *      holds dies) with a user on node 1: the status file's `blind` names node 2,
 *      goldfarm_hypervisor_up is 0, node 1's hosts untouched over the ticks; `node2 start`:
 *      the daemon reconnects (its backoff) and sees node 2 again (blind null, up 1), nothing
 *      changed.
 *
 * Only gf-test-d-* domains and volumes are made and removed, on both nodes, and node 2's
 * tiny-gold (the daemon pushed it), removed at the end.  At most three guests run
 * at once.  GOLDFARM_TEST_VERBOSE=1 prints every command and its output.
 */

#include <stdbool.h>

#include "daemon_harness.h"

#define NODE2_POOL_DIR "/var/lib/goldfarm/testbed/node2/pool"
#define NODES_DRAIN_WAIT 10
#define TICK_S 5
#define POLL_WAIT 150.0 /* a daemon's clone booted, or a drain reached */

static char uri2[256];
static char gfd_policy[4096];
static char h1[64], h2[64]; /* the first hosts: on node 1, on node 2 */

static const char policy_fmt[] =
    "# written by test_nodes_qemu: a farm on two real libvirtd\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; }, { uri = \"%s\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 4; min_hosts = 2; max_hosts = 3; tick = \"%ds\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = 2; threshold = 50; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = 2; threshold = 50; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; threshold = 50; };\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = 2; threshold = 50; }; }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; hysteresis = 10; };\n"
    "drain = { wait = \"%ds\"; notify = [\"%s\", \"notify\"]; logoff = [\"%s\", \"logoff\"]; };\n"
    "load = { source = \"agent\"; };\n";

/* ---------------------------------------------------------------- node 2 */

/* `testbed.sh node2 WHAT`, its output appended to DIR/testbed-node2.log (see
 * testbed_run_node).  Returns its exit status, or -1 (not ended within 300 s). */
static int node2(const char *what)
{
    char log[PATH_MAX + 32];

    snprintf(log, sizeof(log), "%s/testbed-node2.log", g.dir);
    return testbed_run_node("node2", what, log, 300);
}

#define NODE2(what)                                                                                \
    do {                                                                                           \
        int code_ = node2(what);                                                                   \
        CHECK(code_ == 0, "`testbed.sh node2 %s` exited %d:\n%s", what, code_,                     \
              slurp(node2_log()));                                                                 \
    } while (0)

static const char *node2_log(void)
{
    static char log[PATH_MAX + 32];

    snprintf(log, sizeof(log), "%s/testbed-node2.log", g.dir);
    return log;
}

/* virsh on hypervisor U. */
#define VIRSH_ON(c, u, ...) PROG(c, "virsh", "-q", "-c", u, __VA_ARGS__)

/* The gf-test-d-* domains of hypervisor U, sorted, into LIST; returns how many. */
static int doms_on_at(const char *file, int line, const char *u, char list[][64])
{
    char *save = NULL;
    struct cmd c;
    int n = 0;

    prog_at(file, line, &c, "virsh", "-q", "-c", u, "list", "--all", "--name", (char *)NULL);
    expect_exit(file, line, &c, 0);
    for (char *d = strtok_r(c.r.out, "\n", &save); d; d = strtok_r(NULL, "\n", &save))
        if (strncmp(d, PREFIX, strlen(PREFIX)) == 0 && n < MAX_DOMS)
            snprintf(list[n++], 64, "%s", d);
    cmd_free(&c);
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            if (strcmp(list[i], list[k]) > 0) {
                char t[64];
                memcpy(t, list[i], 64);
                memcpy(list[i], list[k], 64);
                memcpy(list[k], t, 64);
            }
    return n;
}
#define DOMS_ON(u, list) doms_on_at(__FILE__, __LINE__, u, list)

static int has_dom(const char *u, const char *dom)
{
    struct cmd c;
    int has;

    VIRSH_ON(&c, u, "dominfo", dom);
    has = c.r.status == 0;
    cmd_free(&c);
    return has;
}

/* Attribute ATTR of DOM's Goldfarm metadata on U into BUF ("" when absent). */
static void meta_on_at(const char *file, int line, const char *u, const char *dom, const char *attr,
                       char *buf, size_t len)
{
    char key[64];
    const char *p, *end;
    struct cmd c;

    prog_at(file, line, &c, "virsh", "-q", "-c", u, "metadata", dom, "--uri", META_NS,
            (char *)NULL);
    expect_exit(file, line, &c, 0);
    snprintf(key, sizeof(key), " %s=\"", attr);
    buf[0] = '\0';
    if ((p = strstr(c.r.out, key))) {
        p += strlen(key);
        end = strchr(p, '"');
        snprintf(buf, len, "%.*s", (int)(end ? end - p : 0), p);
    }
    cmd_free(&c);
}
#define META_ON(u, dom, attr, buf) meta_on_at(__FILE__, __LINE__, u, dom, attr, buf, sizeof(buf))

static void expect_meta_on_at(const char *file, int line, const char *u, const char *dom,
                              const char *attr, const char *want)
{
    char value[256];

    meta_on_at(file, line, u, dom, attr, value, sizeof(value));
    if (strcmp(value, want) != 0)
        failf(file, line, "%s on %s: metadata %s is '%s', expected '%s'", dom, u, attr, value,
              want);
}
#define EXPECT_META_ON(u, dom, attr, want) expect_meta_on_at(__FILE__, __LINE__, u, dom, attr, want)

static void expect_running_on_at(const char *file, int line, const char *u, const char *dom)
{
    struct cmd c;

    prog_at(file, line, &c, "virsh", "-q", "-c", u, "domstate", dom, (char *)NULL);
    expect_exit(file, line, &c, 0);
    if (strncmp(c.r.out, "running", 7) != 0)
        failf(file, line, "%s on %s is '%s', expected running", dom, u, c.r.out);
    cmd_free(&c);
}
#define EXPECT_RUNNING_ON(u, dom) expect_running_on_at(__FILE__, __LINE__, u, dom)

/* DOM on U: a running host of farm gfd cloned from tiny-gold, in STATE, its disk in the pool
 * directory DIR. */
static void expect_farm_host_at(const char *file, int line, const char *u, const char *dom,
                                const char *state, const char *dir)
{
    char want[PATH_MAX];
    struct cmd c;

    expect_running_on_at(file, line, u, dom);
    expect_meta_on_at(file, line, u, dom, "role", "host");
    expect_meta_on_at(file, line, u, dom, "farm", FARM);
    expect_meta_on_at(file, line, u, dom, "image", GOLD);
    expect_meta_on_at(file, line, u, dom, "state", state);
    prog_at(file, line, &c, "virsh", "-q", "-c", u, "domblklist", dom, (char *)NULL);
    expect_exit(file, line, &c, 0);
    snprintf(want, sizeof(want), "%s/%s-", dir, dom);
    if (!strstr(c.r.out, want))
        failf(file, line, "%s on %s: no disk %s* in its domblklist:\n%s", dom, u, want, c.r.out);
    cmd_free(&c);
}
#define EXPECT_FARM_HOST(u, dom, state, dir)                                                       \
    expect_farm_host_at(__FILE__, __LINE__, u, dom, state, dir)

/* The guest agent of DOM on U answers. */
static void wait_agent_on_at(const char *file, int line, const char *u, const char *dom)
{
    char why[1024];
    int r;

    ga_uri = u;
    r = ga_wait(dom, BOOT_WAIT, why, sizeof(why));
    ga_uri = GA_URI;
    if (r < 0)
        failf(file, line, "%s on %s: %s", dom, u, why);
}
#define WAIT_AGENT_ON(u, dom) wait_agent_on_at(__FILE__, __LINE__, u, dom)

/* USER logs in on TTY of DOM on U (USER NULL: the session on TTY ends). */
static void utmp_on_at(const char *file, int line, const char *u, const char *dom, const char *user,
                       const char *tty)
{
    ga_uri = u;
    utmp_at(file, line, dom, user, tty); /* a failure jumps out: each test resets ga_uri */
    ga_uri = GA_URI;
}
#define LOGIN_ON(u, dom, user, tty) utmp_on_at(__FILE__, __LINE__, u, dom, user, tty)
#define LOGOUT_ON(u, dom, tty) utmp_on_at(__FILE__, __LINE__, u, dom, NULL, tty)

/* DOM's users on U as its agent reports them to libvirt (what goldfarmd reads). */
static int users_on_at(const char *file, int line, const char *u, const char *dom)
{
    const char *p;
    struct cmd c;
    int n;

    prog_at(file, line, &c, "virsh", "-q", "-c", u, "guestinfo", dom, "--user", (char *)NULL);
    expect_exit(file, line, &c, 0);
    if (!(p = strstr(c.r.out, "user.count")) || !(p = strchr(p, ':')))
        failf(file, line, "%s on %s: `virsh guestinfo --user` has no user.count:\n%s", dom, u,
              c.r.out);
    n = atoi(p + 1);
    cmd_free(&c);
    return n;
}
#define EXPECT_USERS_ON(u, dom, n)                                                                 \
    do {                                                                                           \
        int users_ = users_on_at(__FILE__, __LINE__, u, dom);                                      \
        CHECK(users_ == (n), "%s on %s: the guest agent reports %d users, expected %d", dom, u,    \
              users_, (n));                                                                        \
    } while (0)

/* Remove every gf-test-d-* domain and volume of node 2 (errors ignored). */
static void node2_remove_test_domains(void)
{
    char list[MAX_DOMS][64], *save = NULL;
    struct cmd c;
    int n = DOMS_ON(uri2, list);

    for (int i = 0; i < n; i++) {
        VIRSH_ON(&c, uri2, "destroy", list[i]);
        cmd_free(&c);
        VIRSH_ON(&c, uri2, "undefine", list[i], "--snapshots-metadata", "--managed-save");
        cmd_free(&c);
    }
    VIRSH_ON(&c, uri2, "pool-refresh", POOL);
    cmd_free(&c);
    VIRSH_ON(&c, uri2, "vol-list", "--pool", POOL);
    {
        char *text = keep(strdup(c.r.out ? c.r.out : ""));
        cmd_free(&c);
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            char name[256];
            if (sscanf(l, "%255s", name) == 1 && strncmp(name, PREFIX, strlen(PREFIX)) == 0) {
                VIRSH_ON(&c, uri2, "vol-delete", "--pool", POOL, name);
                cmd_free(&c);
            }
        }
        release(text);
    }
}

/* The line of goldfarm_hypervisor_up for U in the metrics file: its value, -1 if absent. */
static int hypervisor_up(const char *u)
{
    char path[PATH_MAX + 32], want[400], *text, *save = NULL;
    int value = -1;

    snprintf(path, sizeof(path), "%s/goldfarm.prom", g.state);
    snprintf(want, sizeof(want), "uri=\"%s\"", u);
    text = slurp(path);
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (strncmp(l, "goldfarm_hypervisor_up{", 23) == 0 && strstr(l, want)) {
            const char *sp = strrchr(l, ' ');
            value = sp ? atoi(sp + 1) : -1;
        }
    release(text);
    return value;
}

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

/* Remove tiny-gold from node 2 (its domain and its volume; errors ignored): nothing there
 * uses it once the gf-test-d-* domains are gone (node 2 is the test bed's own). */
static void node2_remove_gold(void)
{
    struct cmd c;

    VIRSH_ON(&c, uri2, "undefine", GOLD);
    cmd_free(&c);
    VIRSH_ON(&c, uri2, "vol-delete", "--pool", POOL, GOLD ".qcow2");
    cmd_free(&c);
}

/* Put farm gfd's policy in the daemon's policies directory (once). */
static void install_gfd_policy(void)
{
    char path[PATH_MAX + 32];

    snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
    if (access(path, F_OK) != 0)
        WRITE_FILE(path, gfd_policy, 0644);
}

/* ---------------------------------------------------------------- setup, teardown */

static int setup(void **state)
{
    char text[4096], path[PATH_MAX + 32];
    struct cmd c;

    (void)state;
    suite_setup("nodes");
    NODE2("start");
    PROG(&c, g.testbed, "node2", "uri");
    EXPECT_EXIT(&c, 0);
    snprintf(uri2, sizeof(uri2), "%.*s", (int)strcspn(c.r.out, "\n"), c.r.out);
    cmd_free(&c);
    node2_remove_test_domains();
    node2_remove_gold(); /* the daemon pushes it (test 0) */

    snprintf(g.hook, sizeof(g.hook), "%s/hook.sh", g.dir);
    snprintf(g.hooklog, sizeof(g.hooklog), "%s/hooks.log", g.dir);
    snprintf(text, sizeof(text), "#!/bin/sh\necho \"$*\" >> '%s'\n", g.hooklog);
    WRITE_FILE(g.hook, text, 0755);
    snprintf(gfd_policy, sizeof(gfd_policy), policy_fmt, uri2, TICK_S, NODES_DRAIN_WAIT, g.hook,
             g.hook);
    snprintf(path, sizeof(path), "%s/" FARM ".check", g.dir);
    WRITE_FILE(path, gfd_policy, 0644);
    VMCTL(&c, "policy", "check", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    (void)text;
    return 0;
}

static int teardown(void **state)
{
    struct cmd c;

    (void)state;
    ga_uri = GA_URI;
    if (g.daemon > 0)
        daemon_stop();
    if (uri2[0] && node2("start") == 0) {
        node2_remove_test_domains();
        node2_remove_gold(); /* what this suite's daemon made there */
        (void)c;
        {
            char list[MAX_DOMS][64];
            CHECK(DOMS_ON(uri2, list) == 0, "gf-test-d-* domains are left on node 2");
        }
    }
    suite_teardown();
    return 0;
}

/* ---------------------------------------------------------------- 0. the daemon's push */

/* How many times NEEDLE occurs in HAY. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Whether every object of the JSON list LIST naming GOLD carries a
 * non-empty sha256 and no checksum mismatch (other images are not ours). */
static bool gold_copies_agree(const char *list)
{
    const char *name = "\"name\":\"" GOLD "\"";

    for (const char *p = list; (p = strstr(p, name)); p += strlen(name)) {
        size_t obj = strcspn(p, "}");
        const char *sha = strstr(p, "\"sha256\":\"");
        const char *bad = strstr(p, "\"checksum_mismatch\":true");

        if (!sha || sha > p + obj || sha[10] == '"' || (bad && bad < p + obj))
            return false;
    }
    return true;
}

static const char push_policy_fmt[] =
    "# written by test_nodes_qemu: a farm of no hosts on two nodes, node 2 lacking its image\n"
    "farm: { name = \"gfp\"; hypervisors = ( { uri = \"" URI "\"; }, { uri = \"%s\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "p%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 4; min_hosts = 0; max_hosts = 1; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up = { start = \"06:00\"; }; peak = { start = \"09:00\"; };\n"
    "    ramp_down = { start = \"17:00\"; }; off_peak = { start = \"20:00\"; }; }; };\n"
    "load = { source = \"agent\"; };\n";

static void daemon_pushes_the_gold_to_node2(void **state)
{
    char path[PATH_MAX + 32], text[4096], want[512], *line;
    struct cmd c;
    double t0;

    (void)state;
    snprintf(text, sizeof(text), push_policy_fmt, uri2);
    snprintf(path, sizeof(path), "%s/gfp.conf", g.policies);
    WRITE_FILE(path, text, 0644);
    t0 = now_s();
    TICK(&c);
    snprintf(want, sizeof(want), " to %s [started]", uri2);
    CHECK(strstr(c.r.err, "push: image " GOLD " v") && strstr(c.r.err, want),
          "the tick did not start a push to node 2:\n%s", c.r.err);
    snprintf(want, sizeof(want), " pushed to %s as " GOLD ": ", uri2);
    CHECK((line = strstr(c.r.err, want)), "--once did not wait for the push and log it:\n%s",
          c.r.err);
    print_message("the daemon's push: %.*s (--once %.1f s)\n", (int)strcspn(line, "\n"), line,
                  now_s() - t0);
    cmd_free(&c);
    /* node 2 has tiny-gold, with node 1's checksum recorded on both */
    VMCTL(&c, "image", "list", "--policy", path, "--json");
    EXPECT_EXIT(&c, 0);
    CHECK(count_of(c.r.out, "\"name\":\"" GOLD "\"") >= 2,
          "tiny-gold is not listed on both nodes:\n%s", c.r.out);
    CHECK(gold_copies_agree(c.r.out), "the copies' checksums are missing or differ:\n%s", c.r.out);
    cmd_free(&c);
    /* the next tick has nothing to push */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[started]") && !strstr(c.r.err, "[failed"),
          "a tick after the push acted:\n%s", c.r.err);
    cmd_free(&c);
    unlink(path);
    snprintf(path, sizeof(path), "%s/gfp.memory", g.state);
    unlink(path);
    install_gfd_policy();
}

/* ---------------------------------------------------------------- 1. placement */

static void two_node_farm_placed_on_both_nodes(void **state)
{
    char l1[MAX_DOMS][64], l2[MAX_DOMS][64], a[512], b[512];
    struct cmd c;
    int n1, n2;

    (void)state;
    ga_uri = GA_URI;
    install_gfd_policy();
    TICK(&c);
    CHECK(!strstr(c.r.err, "[failed"), "an action failed:\n%s", c.r.err);
    n1 = DOMS_ON(URI, l1);
    n2 = DOMS_ON(uri2, l2);
    CHECK(n1 == 1 && n2 == 1,
          "the minimum's two hosts are not one on each node: node 1 has %s, node 2 %s\n%s",
          joined(l1, n1, a, sizeof(a)), joined(l2, n2, b, sizeof(b)), c.r.err);
    cmd_free(&c);
    snprintf(h1, sizeof(h1), "%s", l1[0]);
    snprintf(h2, sizeof(h2), "%s", l2[0]);
    print_message("placed: %s on node 1, %s on node 2\n", h1, h2);
    EXPECT_FARM_HOST(URI, h1, "active", POOL_DIR);
    EXPECT_FARM_HOST(uri2, h2, "active", NODE2_POOL_DIR);
    EXPECT_HOST(h1); /* node 1's: a linked clone of node 1's gold disk */
    WAIT_AGENT_ON(URI, h1);
    WAIT_AGENT_ON(uri2, h2);
    EXPECT_USERS_ON(URI, h1, 0);
    EXPECT_USERS_ON(uri2, h2, 0);
    /* the farm at its size: the next tick does nothing */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]") && !strstr(c.r.err, "[failed"),
          "a tick on a farm at its size acted:\n%s", c.r.err);
    cmd_free(&c);
    CHECK(DOMS_ON(URI, l1) == 1 && DOMS_ON(uri2, l2) == 1, "the hosts changed");
}

/* ---------------------------------------------------------------- 2. node 2 lost, back */

static void node2_lost_keeps_minimum_then_back_drains_surplus(void **state)
{
    char l1[MAX_DOMS][64], l2[MAX_DOMS][64], a[512], h3[64] = "", st[64], *status;
    struct cmd c;
    int n1, n2;

    (void)state;
    ga_uri = GA_URI;
    LOGIN_ON(URI, h1, "alice", "pts/1");
    LOGIN_ON(uri2, h2, "bob", "pts/1");
    EXPECT_USERS_ON(URI, h1, 1);
    EXPECT_USERS_ON(uri2, h2, 1);

    /* node 2's libvirtd stops answering; its guest keeps running, bob on it */
    NODE2("stop");
    CHECK(node2("status") == 3, "node 2 is not stopped");
    TICK(&c);
    CHECK(!strstr(c.r.err, "[failed") && !strstr(c.r.err, "retire") && !strstr(c.r.err, "drain "),
          "a tick with node 2 lost failed, retired or drained:\n%s", c.r.err);
    n1 = DOMS_ON(URI, l1);
    CHECK(n1 == 2, "node 1 has %s: expected %s and one clone for the minimum\n%s",
          joined(l1, n1, a, sizeof(a)), h1, c.r.err);
    cmd_free(&c);
    for (int i = 0; i < n1; i++)
        if (strcmp(l1[i], h1) != 0)
            snprintf(h3, sizeof(h3), "%s", l1[i]);
    CHECK(h3[0] && strcmp(h3, h2) != 0, "the clone on node 1 took node 2's host name %s", h2);
    EXPECT_FARM_HOST(URI, h1, "active", POOL_DIR);
    EXPECT_FARM_HOST(URI, h3, "active", POOL_DIR);
    EXPECT_USERS_ON(URI, h1, 1);
    status = slurp(g.status);
    {
        const char *blind = strstr(status, "\"blind\":\"");
        const char *end = blind ? strchr(blind + 9, '"') : NULL, *sock;
        sock = blind ? strstr(blind + 9, "libvirt-sock") : NULL;
        CHECK(end && sock && sock < end, "the status file does not name node 2 blind:\n%s", status);
    }
    release(status);
    CHECK(hypervisor_up(URI) == 1 && hypervisor_up(uri2) == 0,
          "goldfarm_hypervisor_up: node 1 %d, node 2 %d (expected 1, 0)", hypervisor_up(URI),
          hypervisor_up(uri2));
    /* still lost: the farm is at its minimum on node 1, nothing more */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]") && !strstr(c.r.err, "[failed"),
          "a second tick with node 2 lost acted:\n%s", c.r.err);
    cmd_free(&c);
    CHECK(DOMS_ON(URI, l1) == 2, "node 1's hosts changed");
    WAIT_AGENT_ON(URI, h3);

    /* node 2 back: its host is there, running, bob on it */
    NODE2("start");
    n2 = DOMS_ON(uri2, l2);
    CHECK(n2 == 1 && strcmp(l2[0], h2) == 0, "node 2 has %s after its restart, expected %s",
          joined(l2, n2, a, sizeof(a)), h2);
    EXPECT_FARM_HOST(uri2, h2, "active", NODE2_POOL_DIR);
    WAIT_AGENT_ON(uri2, h2);
    EXPECT_USERS_ON(uri2, h2, 1);
    /* 3 hosts for 2 sessions: 2 / (3 x 4) = 17% < 40%: the empty one is drained */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[failed") && !strstr(c.r.err, "retire"),
          "the tick after node 2's return failed or retired:\n%s", c.r.err);
    META_ON(URI, h3, "state", st);
    CHECK(strcmp(st, "draining") == 0, "the surplus host %s is '%s', expected draining:\n%s", h3,
          st, c.r.err);
    cmd_free(&c);
    EXPECT_FARM_HOST(URI, h1, "active", POOL_DIR);
    EXPECT_FARM_HOST(uri2, h2, "active", NODE2_POOL_DIR);
    status = slurp(g.status);
    CHECK(strstr(status, "\"blind\":null"), "the status file still names a blind hypervisor:\n%s",
          status);
    release(status);
    CHECK(hypervisor_up(uri2) == 1, "goldfarm_hypervisor_up of node 2 is %d, expected 1",
          hypervisor_up(uri2));
    CHECK(hook_lines("notify", h3) == 1, "the notify hook did not run once for %s:\n%s", h3,
          slurp(g.hooklog));

    /* the drained host is empty: retired within the drain wait and a few ticks; the hosts
     * with users are never touched */
    {
        double deadline = now_s() + NODES_DRAIN_WAIT + 5 * TICK_S;
        while (has_dom(URI, h3)) {
            CHECK(now_s() < deadline, "the empty drained host %s is not retired", h3);
            nap(TICK_S);
            TICK(&c);
            CHECK(!strstr(c.r.err, "[failed"), "a tick failed:\n%s", c.r.err);
            cmd_free(&c);
        }
    }
    CHECK(DOMS_ON(URI, l1) == 1 && strcmp(l1[0], h1) == 0, "node 1's hosts: %s",
          joined(l1, DOMS_ON(URI, l1), a, sizeof(a)));
    CHECK(DOMS_ON(uri2, l2) == 1 && strcmp(l2[0], h2) == 0, "node 2's host is gone");
    EXPECT_FARM_HOST(URI, h1, "active", POOL_DIR);
    EXPECT_FARM_HOST(uri2, h2, "active", NODE2_POOL_DIR);
    EXPECT_USERS_ON(URI, h1, 1);
    EXPECT_USERS_ON(uri2, h2, 1);
}

/* ---------------------------------------------------------------- 3. evacuation */

static void evacuation_replaces_first_and_waits_for_the_drain(void **state)
{
    char l1[MAX_DOMS][64], a[512], h4[64] = "", st[64];
    struct cmd c;
    double deadline, drained_at;

    (void)state;
    ga_uri = GA_URI;
    daemon_start();
    DAEMON_READY();
    VMCTL(&c, "farm", "evacuate", uri2, "--state-dir", g.state);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);

    /* until node 2's host drains: the replacement on node 1 first, running */
    deadline = now_s() + POLL_WAIT;
    for (;;) {
        CHECK(daemon_alive(), "goldfarmd exited:\n%s", slurp(g.daemon_log));
        META_ON(uri2, h2, "state", st);
        if (strcmp(st, "draining") == 0)
            break;
        CHECK(strcmp(st, "active") == 0, "%s on node 2 is '%s'", h2, st);
        CHECK(now_s() < deadline, "%s on node 2 is not drained %.0f s after the evacuation:\n%s",
              h2, POLL_WAIT, slurp(g.daemon_log));
        nap(1);
    }
    drained_at = now_s();
    {
        int n1 = DOMS_ON(URI, l1);
        CHECK(n1 == 2, "node 1 has %s when %s drains: expected %s and its replacement",
              joined(l1, n1, a, sizeof(a)), h2, h1);
        for (int i = 0; i < n1; i++)
            if (strcmp(l1[i], h1) != 0)
                snprintf(h4, sizeof(h4), "%s", l1[i]);
    }
    print_message("evacuate: %s replaced by %s on node 1, then drained\n", h2, h4);
    EXPECT_FARM_HOST(URI, h4, "active", POOL_DIR);
    EXPECT_FARM_HOST(URI, h1, "active", POOL_DIR);
    CHECK(hook_lines("notify", h2) == 1, "the notify hook did not run for %s:\n%s", h2,
          slurp(g.hooklog));

    /* bob stays: past the drain wait the logoff hook runs, and the host stays */
    deadline = drained_at + NODES_DRAIN_WAIT + 4 * TICK_S + 30;
    while (hook_lines("logoff", h2) == 0) {
        CHECK(now_s() < deadline, "no logoff hook for %s after the drain wait:\n%s", h2,
              slurp(g.daemon_log));
        CHECK(has_dom(uri2, h2), "%s was retired with its user logged in", h2);
        nap(1);
    }
    CHECK(now_s() >= drained_at + NODES_DRAIN_WAIT - 1 - TICK_S,
          "the logoff hook ran %.0f s after the drain, before the %d s wait", now_s() - drained_at,
          NODES_DRAIN_WAIT);
    nap(2 * TICK_S + 1);
    CHECK(has_dom(uri2, h2), "%s was retired with its user logged in", h2);
    EXPECT_FARM_HOST(uri2, h2, "draining", NODE2_POOL_DIR);
    EXPECT_USERS_ON(uri2, h2, 1);

    /* bob logs off: retired, its volume gone from node 2 */
    LOGOUT_ON(uri2, h2, "pts/1");
    EXPECT_USERS_ON(uri2, h2, 0);
    deadline = now_s() + 10 * TICK_S + 20;
    while (has_dom(uri2, h2)) {
        CHECK(daemon_alive(), "goldfarmd exited:\n%s", slurp(g.daemon_log));
        CHECK(now_s() < deadline, "the empty drained %s is not retired:\n%s", h2,
              slurp(g.daemon_log));
        nap(1);
    }
    {
        char l2[MAX_DOMS][64], vol[128];
        snprintf(vol, sizeof(vol), "%s-vda.qcow2", h2);
        VIRSH_ON(&c, uri2, "pool-refresh", POOL);
        cmd_free(&c);
        VIRSH_ON(&c, uri2, "vol-info", "--pool", POOL, vol);
        CHECK(c.r.status != 0, "%s's volume %s is left on node 2", h2, vol);
        cmd_free(&c);
        CHECK(DOMS_ON(uri2, l2) == 0, "node 2 still has farm domains");
    }
    /* node 1 keeps the farm: h1 with alice and the replacement; nothing on node 2 */
    CHECK(DOMS_ON(URI, l1) == 2, "node 1's hosts: %s", joined(l1, DOMS_ON(URI, l1), a, 512));
    EXPECT_FARM_HOST(URI, h1, "active", POOL_DIR);
    EXPECT_FARM_HOST(URI, h4, "active", POOL_DIR);
    EXPECT_USERS_ON(URI, h1, 1);
    CHECK(daemon_stop() == 0, "goldfarmd did not stop cleanly:\n%s", slurp(g.daemon_log));
}

/* ---------------------------------------------------------------- 4. node 2 killed */

static void node2_killed_under_the_daemon_then_reconnected(void **state)
{
    char l1[MAX_DOMS][64], a[512];
    const char *blind[] = {"\"blind\":\"", "libvirt-sock", NULL};
    const char *seen[] = {"\"blind\":null", NULL};
    const char *status;
    struct cmd c;
    time_t t0;

    (void)state;
    ga_uri = GA_URI;
    daemon_start();
    DAEMON_READY();
    VMCTL(&c, "farm", "unevacuate", uri2, "--state-dir", g.state);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    t0 = time(NULL);
    CHECK(wait_status(t0, 30, seen), "no status file of a farm seeing both nodes:\n%s",
          slurp(g.daemon_log));
    CHECK(hypervisor_up(uri2) == 1, "goldfarm_hypervisor_up of node 2 is %d, expected 1",
          hypervisor_up(uri2));

    /* kill -9 of node 2's libvirtd (and its QEMU): the connection the daemon holds dies */
    NODE2("kill");
    CHECK(node2("status") == 3, "node 2 is not stopped after the kill");
    t0 = time(NULL);
    status = wait_status(t0, 60, blind);
    CHECK(status, "goldfarmd does not report node 2 blind after its kill:\n%s\n%s", slurp(g.status),
          slurp(g.daemon_log));
    {
        const char *b = strstr(status, "\"blind\":\""), *end = strchr(b + 9, '"');
        const char *sock = strstr(b + 9, "libvirt-sock");
        CHECK(end && sock && sock < end, "the status file's blind is not node 2:\n%s", status);
    }
    CHECK(hypervisor_up(uri2) == 0 && hypervisor_up(URI) == 1,
          "goldfarm_hypervisor_up: node 1 %d, node 2 %d (expected 1, 0)", hypervisor_up(URI),
          hypervisor_up(uri2));
    nap(2 * TICK_S); /* ticks while node 2 is gone: the farm on node 1 untouched */
    CHECK(daemon_alive(), "goldfarmd exited:\n%s", slurp(g.daemon_log));
    CHECK(DOMS_ON(URI, l1) == 2, "node 1's hosts changed while node 2 was gone: %s",
          joined(l1, DOMS_ON(URI, l1), a, sizeof(a)));
    for (int i = 0; i < 2; i++)
        EXPECT_FARM_HOST(URI, l1[i], "active", POOL_DIR);
    EXPECT_USERS_ON(URI, h1, 1);

    /* node 2 back: reconnected (a backoff of up to 60 s), seen again, nothing changed */
    NODE2("start");
    t0 = time(NULL);
    CHECK(wait_status(t0, RECONNECT_WAIT, seen),
          "goldfarmd does not see node 2 again %.0f s after its restart:\n%s\n%s", RECONNECT_WAIT,
          slurp(g.status), slurp(g.daemon_log));
    CHECK(hypervisor_up(uri2) == 1, "goldfarm_hypervisor_up of node 2 is %d after its return",
          hypervisor_up(uri2));
    CHECK(DOMS_ON(URI, l1) == 2, "node 1's hosts changed after node 2's return: %s",
          joined(l1, DOMS_ON(URI, l1), a, sizeof(a)));
    CHECK(daemon_stop() == 0, "goldfarmd did not stop cleanly:\n%s", slurp(g.daemon_log));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(daemon_pushes_the_gold_to_node2),
        cmocka_unit_test(two_node_farm_placed_on_both_nodes),
        cmocka_unit_test(node2_lost_keeps_minimum_then_back_drains_surplus),
        cmocka_unit_test(evacuation_replaces_first_and_waits_for_the_drain),
        cmocka_unit_test(node2_killed_under_the_daemon_then_reconnected),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests(tests, setup, teardown);
}
