/* test_replace_qemu.c - health checks and replacement (issue 7) on a real libvirtd with QEMU
 * (TCG) and tiny guests.
 *
 * usage: test_replace_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Runs as root on the test bed of tests/qemu/testbed.sh (see /work/shared/TESTBED.md).  A
 * policy for farm "gfr" (hosts gf-test-r-NN, tiny-gold as gold, 256M, min_hosts 2, tick 5s,
 * agent load source, health { agent_timeout 20s; grace 10s; }) is written to a temporary
 * directory and one goldfarmd runs on it in the foreground, in the background, for the whole
 * suite: lifecycle events wake it.  The tests run in order and share the farm:
 *
 *   1. the farm comes up: two clones boot and their agents answer;
 *   2. kill -9 of a member's QEMU (a real crash; pid from /run/libvirt/qemu/NAME.pid): a
 *      replacement boots and its agent answers, the crashed host is quarantined (shut off,
 *      a gf-quarantine-* snapshot, or a reason saying why none), and the farm is below its
 *      minimum for no longer than the replacement needed to boot (virsh list every second);
 *   3. the guest agent killed inside the other original member (a hang, as far as anyone
 *      outside can tell): detected after agent_timeout + grace, replaced, quarantined.
 *
 * The same goldfarmd runs a second farm, "gfs" (no hosts), whose load command takes
 * SLOW_LOAD seconds at each of its ticks: farms tick in threads of their own, so the crash of
 * test 2 is replaced while gfs's thread waits on that program, within the same bound as ever
 * (the test checks that the crash came in the middle of such a wait, and that the replacement
 * ran before the wait was over).
 *
 * The policy sets health.mass_failure = 60: with the default 45, one host of a two-host farm
 * failing (50%) trips the mass-failure guard and nothing is ever replaced (a bug, reported;
 * test_health.c's bug_two_host_farm_never_replaces).
 *
 * Times are printed (crash -> replacement running -> agent answering -> quarantined).  Only
 * gf-test-r-* domains and volumes are made and removed; at most three guests run at once;
 * every wait is bounded.  GOLDFARM_TEST_VERBOSE=1 prints every command and its output.
 */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PREFIX "gf-test-r-"
#define FARM "gfr"
#define MIN_HOSTS 2
#define AGENT_TIMEOUT 20
#define GRACE 10
#define TICK 5
#define MAX_DOMS 16
#define UP_WAIT 150.0      /* the farm's first two hosts cloned and booted */
#define REPLACE_WAIT 120.0 /* a crash to its replacement's agent answering and quarantine */
#define BUSY_FARM "gfs"    /* the other farm, whose ticks wait on a slow load command */
#define SLOW_LOAD 25       /* seconds that load command takes (goldfarmd allows it 30) */

static struct {
    const char *goldfarmd;
    char dir[64], policies[128], state[128], log[128];
    char slow_started[160], slow_ended[160]; /* one realtime stamp per run of gfs's command */
    pid_t daemon;
    char members[2][64]; /* the farm's first two hosts */
    char replacement[64];
} r;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The gf-test-r-* domains (RUNNING: only the running ones) into LIST, sorted; how many. */
static int domains(char list[][64], int running)
{
    char text[8192], *save = NULL;
    int n = 0;

    if (running)
        VIRSH_TEXT(text, "list", "--name");
    else
        VIRSH_TEXT(text, "list", "--all", "--name");
    for (char *d = strtok_r(text, "\n", &save); d; d = strtok_r(NULL, "\n", &save))
        if (strncmp(d, PREFIX, strlen(PREFIX)) == 0 && n < MAX_DOMS)
            snprintf(list[n++], 64, "%s", d);
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

static int in_list(char list[][64], int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* DOM's Goldfarm metadata attribute ATTR (persistent definition) into BUF. */
static void meta_attr(const char *dom, const char *attr, char *buf, size_t len)
{
    char xpath[128];
    char *xml = DUMPXML(dom, "--inactive");

    snprintf(xpath, sizeof(xpath), "string(/domain/metadata/gf:managed/@%s)", attr);
    xpath_str(xml, xpath, buf, len);
    release(xml);
}

/* Whether DOM's guest agent answers one guest-ping now. */
static int agent_up(const char *dom)
{
    char *err = NULL;
    int status = ga_command(dom, "{\"execute\":\"guest-ping\"}", NULL, &err);

    free(err);
    return status == 0;
}

/* The daemon's log, for failure messages (a kept string). */
static const char *daemon_log(void)
{
    FILE *f = fopen(r.log, "r");
    char *text = NULL;
    size_t len = 0;

    if (!f)
        return "(no log)";
    if (getdelim(&text, &len, '\0', f) < 0) {
        free(text);
        text = strdup("");
    }
    fclose(f);
    return keep(text);
}

/* The pid of DOM's QEMU, from libvirt's run directory. */
static pid_t qemu_pid(const char *dom)
{
    char path[256];
    long pid = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", dom);
    CHECK((f = fopen(path, "r")) != NULL, "cannot read %s: %s", path, strerror(errno));
    CHECK(fscanf(f, "%ld", &pid) == 1 && pid > 1, "%s holds no pid", path);
    fclose(f);
    return (pid_t)pid;
}

/* Now, by the realtime clock (the stamps of gfs's load command are `date +%s.%N`). */
static double wall_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The stamps in PATH (one per line) into STAMPS (room for MAX); how many. */
static int stamps(const char *path, double *stamps, int max)
{
    FILE *f = fopen(path, "r");
    int n = 0;

    if (!f)
        return 0;
    while (n < max && fscanf(f, "%lf", &stamps[n]) == 1)
        n++;
    fclose(f);
    return n;
}

/* Wait (at most 2 x SLOW_LOAD) until farm gfs's load command has run for 2 s of its
 * SLOW_LOAD: its thread is busy in it.  Returns when that run started (realtime). */
static double wait_busy_farm(void)
{
    double until = now_s() + 2.0 * SLOW_LOAD + 10.0;

    while (now_s() < until) {
        double started[256], ended[256];
        int ns = stamps(r.slow_started, started, 256), ne = stamps(r.slow_ended, ended, 256);
        if (ns > ne && ns > 0 && wall_s() - started[ns - 1] >= 2.0 &&
            wall_s() - started[ns - 1] <= SLOW_LOAD - 10.0)
            return started[ns - 1];
        nap(0.2);
    }
    FAILF("farm " BUSY_FARM "'s load command never ran (%s)\n%s", r.slow_started, daemon_log());
}

/* Write TEXT to PATH with MODE (replacing it). */
static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f;

    unlink(path);
    CHECK((f = fopen(path, "w")) != NULL, "cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    CHECK(fclose(f) == 0 && chmod(path, mode) == 0, "cannot write %s: %s", path, strerror(errno));
}

static void remove_ours(void)
{
    char list[MAX_DOMS][64], text[8192], name[256], *save = NULL;
    int n = domains(list, 0);
    struct cmd c;

    for (int i = 0; i < n; i++)
        remove_domain(list[i]);
    VIRSH(&c, "pool-refresh", POOL);
    cmd_free(&c);
    VIRSH_TEXT(text, "vol-list", "--pool", POOL);
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (sscanf(l, "%255s", name) == 1 && strncmp(name, PREFIX, strlen(PREFIX)) == 0) {
            VIRSH(&c, "vol-delete", "--pool", POOL, name);
            cmd_free(&c);
        }
}

/* Remove both farms' leases from the gold domain: an earlier run's goldfarmd (another state
 * directory) that was killed holds them until they expire.  The test bed is this suite's
 * alone while it runs (flock). */
static void drop_leases(void)
{
    const char *const farms[] = {FARM, BUSY_FARM};
    struct cmd c;

    for (int i = 0; i < 2; i++) {
        char uri[128];
        snprintf(uri, sizeof(uri), "https://goldfarm.dev/xmlns/lease/1/%s", farms[i]);
        VIRSH(&c, "metadata", GOLD, "--uri", uri, "--remove", "--config");
        cmd_free(&c);
    }
}

/* SIGTERM goldfarmd and wait for it: farm gfs's tick under way may wait SLOW_LOAD seconds on
 * its load command first.  SIGKILL after that. */
static void stop_daemon(void)
{
    int status;

    if (r.daemon <= 0)
        return;
    kill(r.daemon, SIGTERM);
    for (int i = 0; i < (SLOW_LOAD + 15) * 10 && waitpid(r.daemon, &status, WNOHANG) == 0; i++)
        nap(0.1);
    if (waitpid(r.daemon, &status, WNOHANG) == 0) {
        kill(r.daemon, SIGKILL);
        waitpid(r.daemon, &status, 0);
    }
    r.daemon = 0;
}

/* ---------------------------------------------------------------- group setup / teardown */

static int group_setup(void **state)
{
    char text[4096], secs[16];
    struct cmd c;
    char *env;

    (void)state;
    unsetenv("GOLDFARM_FAULT");
    CHECK(r.goldfarmd && access(r.goldfarmd, X_OK) == 0, "no goldfarmd binary (argv[1])");
    CHECK(g.vmctl && access(g.vmctl, X_OK) == 0, "no vmctl binary (argv[2])");
    env = getenv("GOLDFARM_SRC");
    CHECK(env && *env, "GOLDFARM_SRC must name the repository root (for tests/qemu/testbed.sh)");
    snprintf(g.testbed, sizeof(g.testbed), "%s/tests/qemu/testbed.sh", env);
    CHECK(access(g.testbed, X_OK) == 0, "%s is missing or not executable", g.testbed);
    {
        char *argv[] = {"timeout", "-k", "10", secs, g.testbed, "all", NULL};
        snprintf(secs, sizeof(secs), "%d", TESTBED_TIMEOUT);
        CHECK(run_argv(argv, NULL, &c.r) == 0, "cannot run %s all", g.testbed);
        keep(c.r.out);
        keep(c.r.err);
        CHECK(c.r.status == 0, "`%s all` failed (exit %d): the QEMU test bed is not usable\n%s%s",
              g.testbed, c.r.status, c.r.out, c.r.err);
        cmd_free(&c);
    }
    VMCTL(&c, "image", "mark", GOLD);
    CHECK(c.r.status == 0 || (c.r.status == 2 && strstr(c.r.err, "already a gold image")),
          "`%s` exited %d:\n%s", c.line, c.r.status, c.r.err);
    cmd_free(&c);
    EXPECT_STATE(GOLD, "shut off");
    SHA256(GOLD_DISK, g.gold_sha);
    remove_ours(); /* leftovers of an earlier run */
    drop_leases();

    snprintf(r.dir, sizeof(r.dir), "/tmp/gf-replace-XXXXXX");
    CHECK(mkdtemp(r.dir) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(r.policies, sizeof(r.policies), "%s/policies", r.dir);
    snprintf(r.state, sizeof(r.state), "%s/state", r.dir);
    snprintf(r.log, sizeof(r.log), "%s/goldfarmd.log", r.dir);
    CHECK(mkdir(r.policies, 0700) == 0 && mkdir(r.state, 0700) == 0, "mkdir in %s", r.dir);
    snprintf(text, sizeof(text),
             "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
             "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; vcpus = 1;\n"
             "  memory = \"256M\"; max_sessions = 10; min_hosts = %d; max_hosts = 4;\n"
             "  tick = \"%ds\"; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = %d; };\n"
             "    peak = { start = \"09:00\"; min_hosts = %d; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = %d; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = %d; }; }; };\n"
             "load = { source = \"agent\"; };\n"
             "health = { agent_timeout = \"%ds\"; grace = \"%ds\"; mass_failure = 60; };\n",
             MIN_HOSTS, TICK, MIN_HOSTS, MIN_HOSTS, MIN_HOSTS, MIN_HOSTS, AGENT_TIMEOUT, GRACE);
    {
        char path[PATH_MAX + 16], script[PATH_MAX + 16], busy[2048];
        FILE *f;
        snprintf(r.slow_started, sizeof(r.slow_started), "%s/slow-load.started", r.dir);
        snprintf(r.slow_ended, sizeof(r.slow_ended), "%s/slow-load.ended", r.dir);
        snprintf(script, sizeof(script), "%s/slow-load.sh", r.dir);
        snprintf(busy, sizeof(busy),
                 "#!/bin/sh\n# farm " BUSY_FARM "'s load command: slow, and no sessions\n"
                 "date +%%s.%%N >>%s\nsleep %d\ndate +%%s.%%N >>%s\n",
                 r.slow_started, SLOW_LOAD, r.slow_ended);
        write_text(script, busy, 0755);
        snprintf(busy, sizeof(busy),
                 "farm: { name = \"" BUSY_FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
                 "  image = \"" GOLD "\"; host_name = \"gf-test-s-%%02d\"; vcpus = 1;\n"
                 "  memory = \"256M\"; max_sessions = 10; min_hosts = 0; max_hosts = 1;\n"
                 "  tick = \"%ds\"; };\n"
                 "schedule: { timezone = \"UTC\";\n"
                 "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", "
                 "\"sat\"];\n"
                 "    ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
                 "    ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; "
                 "};\n"
                 "load = { source = \"command\"; command = [\"%s\"]; };\n",
                 TICK, script);
        snprintf(path, sizeof(path), "%s/" BUSY_FARM ".conf", r.policies);
        write_text(path, busy, 0600);
        VMCTL(&c, "policy", "check", path);
        EXPECT_EXIT(&c, 0);
        cmd_free(&c);
        snprintf(path, sizeof(path), "%s/" FARM ".conf", r.policies);
        CHECK((f = fopen(path, "w")) != NULL, "cannot write %s", path);
        fputs(text, f);
        fclose(f);
        VMCTL(&c, "policy", "check", path);
        EXPECT_EXIT(&c, 0);
        cmd_free(&c);
    }
    /* goldfarmd in the foreground, in the background: its event loop gets libvirt's events */
    r.daemon = fork();
    CHECK(r.daemon >= 0, "fork: %s", strerror(errno));
    if (r.daemon == 0) {
        int fd = open(r.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(r.goldfarmd, r.goldfarmd, "--policies", r.policies, "--state-dir", r.state,
              "--foreground", (char *)NULL);
        _exit(127);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop_daemon();
    if (g.verbose)
        print_message("goldfarmd's log:\n%s\n", daemon_log());
    if (g.testbed[0]) {
        remove_ours();
        drop_leases();
    }
    {
        char sha[65];
        SHA256(GOLD_DISK, sha);
        CHECK(strcmp(sha, g.gold_sha) == 0, "the gold disk changed");
    }
    if (r.dir[0] && !getenv("GF_KEEP_TMP")) {
        char *argv[] = {"rm", "-rf", r.dir, NULL};
        struct run_result rr;
        if (run_argv(argv, NULL, &rr) == 0)
            run_result_free(&rr);
    }
    release_all();
    return 0;
}

/* ---------------------------------------------------------------- 1. the farm comes up */

static void test_farm_comes_up(void **state)
{
    char list[MAX_DOMS][64];
    double start = now_s();
    int n = 0;

    (void)state;
    while (now_s() - start < UP_WAIT) {
        n = domains(list, 1);
        if (n >= MIN_HOSTS && agent_up(list[0]) && agent_up(list[1]))
            break;
        nap(1);
    }
    CHECK(n == MIN_HOSTS, "%d gf-test-r-* hosts running after %.0f s, expected %d\n%s", n, UP_WAIT,
          MIN_HOSTS, daemon_log());
    CHECK(agent_up(list[0]) && agent_up(list[1]), "the agents do not answer after %.0f s", UP_WAIT);
    memcpy(r.members[0], list[0], 64);
    memcpy(r.members[1], list[1], 64);
    print_message("farm up: %s, %s, agents answering, %.1f s after goldfarmd started\n", list[0],
                  list[1], now_s() - start);
    nap(2 * TICK); /* the daemon has seen both agents answer: both ready */
}

/* ---------------------------------------------------------------- replacement watch */

struct watch {
    double t_running, t_agent, t_quarantined, below_min; /* seconds after t0; -1: not yet */
    char replacement[64];
};

/* After the failure of OLD at T0 (monotonic), sample every second for at most
 * REPLACE_WAIT: the replacement (a gf-test-r-* domain not in BEFORE) running, its agent
 * answering, OLD quarantined; and how long fewer than MIN_HOSTS farm hosts that are not
 * OLD ran, in seconds. */
static void watch_replacement(const char *old, char before[][64], int nbefore, double t0,
                              struct watch *w)
{
    double last = t0, below_since = -1;

    w->t_running = w->t_agent = w->t_quarantined = -1;
    w->below_min = 0;
    w->replacement[0] = '\0';
    while (now_s() - t0 < REPLACE_WAIT) {
        char running[MAX_DOMS][64], state[32];
        int n = domains(running, 1), serving = 0;
        double t = now_s();
        for (int i = 0; i < n; i++) {
            if (strcmp(running[i], old) == 0)
                continue;
            serving++;
            if (!w->replacement[0] && !in_list(before, nbefore, running[i]))
                snprintf(w->replacement, sizeof(w->replacement), "%s", running[i]);
        }
        /* below the minimum since the failure (or since the last sample) */
        if (serving < MIN_HOSTS) {
            if (below_since < 0)
                below_since = last;
        } else if (below_since >= 0) {
            w->below_min += t - below_since;
            below_since = -1;
        }
        if (w->replacement[0] && w->t_running < 0 && in_list(running, n, w->replacement))
            w->t_running = t - t0;
        if (w->t_running >= 0 && w->t_agent < 0 && agent_up(w->replacement))
            w->t_agent = now_s() - t0;
        if (w->t_quarantined < 0) {
            meta_attr(old, "state", state, sizeof(state));
            if (strcmp(state, "quarantined") == 0)
                w->t_quarantined = now_s() - t0;
        }
        last = t;
        if (w->t_agent >= 0 && w->t_quarantined >= 0 && serving >= MIN_HOSTS)
            return;
        nap(1);
    }
    if (below_since >= 0)
        w->below_min += now_s() - below_since;
}

/* OLD is quarantined: shut off, its metadata, a gf-quarantine snapshot named in the reason
 * or a reason saying why there is none; its replacement NEW linked both ways. */
static void check_quarantined(const char *old, const char *new_host, const char *why)
{
    char state[32], reason[256], replaced_by[64], replaces[64], snaps[4096];

    EXPECT_STATE(old, "shut off");
    meta_attr(old, "state", state, sizeof(state));
    meta_attr(old, "reason", reason, sizeof(reason));
    meta_attr(old, "replaced-by", replaced_by, sizeof(replaced_by));
    meta_attr(new_host, "replaces", replaces, sizeof(replaces));
    CHECK(strcmp(state, "quarantined") == 0, "%s is '%s', not quarantined", old, state);
    CHECK(strncmp(reason, "quarantined", 11) == 0 && strstr(reason, why),
          "%s's reason '%s' does not say '%s'", old, reason, why);
    CHECK(strcmp(replaced_by, new_host) == 0, "%s replaced-by '%s', expected %s", old, replaced_by,
          new_host);
    CHECK(strcmp(replaces, old) == 0, "%s replaces '%s', expected %s", new_host, replaces, old);
    VIRSH_TEXT(snaps, "snapshot-list", old, "--name");
    if (strstr(snaps, "gf-quarantine-")) {
        char name[128];
        sscanf(strstr(snaps, "gf-quarantine-"), "%127s", name);
        CHECK(strstr(reason, name), "%s's reason '%s' does not name its snapshot %s", old, reason,
              name);
        print_message("%s quarantined with snapshot %s: %s\n", old, name, reason);
    } else {
        /* libvirt refused the snapshot: the reason must not claim one */
        CHECK(!strstr(reason, "snapshot"), "%s: no gf-quarantine snapshot, but reason '%s'", old,
              reason);
        print_message("%s quarantined WITHOUT a snapshot (libvirt refused one): %s\n", old, reason);
    }
}

/* ---------------------------------------------------------------- 2. a real crash */

static void test_kill_qemu_replaced(void **state)
{
    char before[MAX_DOMS][64];
    const char *old = r.members[0];
    int nbefore = domains(before, 0);
    struct watch w;
    pid_t pid = qemu_pid(old);
    double t0, busy_since, crash_wall;

    (void)state;
    busy_since = wait_busy_farm(); /* farm gfs's thread waits on its slow load command */
    t0 = now_s();
    crash_wall = wall_s();
    CHECK(kill(pid, SIGKILL) == 0, "kill -9 %d (%s's QEMU): %s", (int)pid, old, strerror(errno));
    watch_replacement(old, before, nbefore, t0, &w);
    CHECK(w.replacement[0], "no replacement of %s ran within %.0f s\n%s", old, REPLACE_WAIT,
          daemon_log());
    CHECK(w.t_agent >= 0, "the replacement %s's agent did not answer within %.0f s\n%s",
          w.replacement, REPLACE_WAIT, daemon_log());
    CHECK(w.t_quarantined >= 0, "%s not quarantined within %.0f s\n%s", old, REPLACE_WAIT,
          daemon_log());
    {
        char reason[64];
        VIRSH_TEXT(reason, "domstate", old, "--reason");
        print_message("kill -9 of %s's QEMU: replacement %s running after %.1f s, agent "
                      "answering after %.1f s, %s quarantined after %.1f s; below min_hosts %d "
                      "for %.1f s (%s now: %s)\n",
                      old, w.replacement, w.t_running, w.t_agent, old, w.t_quarantined, MIN_HOSTS,
                      w.below_min, old, reason);
    }
    /* a crash is handled on libvirt's event, not at the next 5 s tick: well under a tick + boot */
    CHECK(w.t_running < TICK + 3.0, "the replacement ran only %.1f s after the crash", w.t_running);
    {
        /* and while the other farm's thread still waited on its load command */
        double ended[256], until = now_s() + SLOW_LOAD + 5.0;
        int ne = 0, i = 0;
        for (;;) { /* that run of the load command ends after the replacement ran */
            ne = stamps(r.slow_ended, ended, 256);
            for (i = 0; i < ne && ended[i] < busy_since;)
                i++;
            if (i < ne || now_s() > until)
                break;
            nap(0.5);
        }
        CHECK(i < ne, "farm " BUSY_FARM "'s load command started at %.1f never ended", busy_since);
        print_message("farm " BUSY_FARM "'s load command was %.1f s into its %d s at the crash; "
                      "it ended %.1f s after the crash, the replacement ran after %.1f s\n",
                      crash_wall - busy_since, SLOW_LOAD, ended[i] - crash_wall, w.t_running);
        CHECK(crash_wall + w.t_running < ended[i],
              "the replacement ran %.1f s after the crash, only after farm " BUSY_FARM
              "'s load command ended (%.1f s after it): the farms wait on each other",
              w.t_running, ended[i] - crash_wall);
    }
    CHECK(w.below_min <= w.t_agent + 1.0,
          "the farm was below its minimum for %.1f s, longer than the replacement's boot (%.1f s)",
          w.below_min, w.t_agent);
    check_quarantined(old, w.replacement, "crashed");
    snprintf(r.replacement, sizeof(r.replacement), "%s", w.replacement);
    {
        char list[MAX_DOMS][64];
        int n = domains(list, 1);
        CHECK(n <= 4, "%d guests running", n);
    }
}

/* ---------------------------------------------------------------- 3. a hung agent */

static void test_agent_hang_replaced(void **state)
{
    char before[MAX_DOMS][64], *out = NULL, *err = NULL;
    const char *old = r.members[1];
    int nbefore = domains(before, 0), status;
    struct watch w;
    double t0;

    (void)state;
    CHECK(agent_up(old), "%s's agent does not answer before the test", old);
    nap(TICK + 1); /* goldfarmd has seen it answer since its last tick */
    /* guest-exec answers at once; the shell kills the agent a second later */
    status = ga_command(old,
                        "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\","
                        "\"arg\":[\"-c\",\"sleep 1; killall qemu-ga || kill $(pidof qemu-ga)\"]}}",
                        &out, &err);
    CHECK(status == 0, "guest-exec in %s failed: %s", old, err ? err : "");
    free(out);
    free(err);
    t0 = now_s() + 1.0;
    {
        double until = now_s() + 15;
        while (now_s() < until && agent_up(old))
            nap(0.5);
        CHECK(!agent_up(old), "%s's agent still answers after it was killed", old);
    }
    watch_replacement(old, before, nbefore, t0, &w);
    CHECK(w.replacement[0] && w.t_agent >= 0 && w.t_quarantined >= 0,
          "the hung %s: replacement '%s' running %.1f, agent %.1f, quarantined %.1f (s)\n%s", old,
          w.replacement, w.t_running, w.t_agent, w.t_quarantined, daemon_log());
    print_message("agent of %s killed: replacement %s running after %.1f s (agent_timeout %d s + "
                  "grace %d s), agent answering after %.1f s, %s quarantined after %.1f s\n",
                  old, w.replacement, w.t_running, AGENT_TIMEOUT, GRACE, w.t_agent, old,
                  w.t_quarantined);
    /* not before the configured time (the agent's last answer was at most a tick earlier) */
    CHECK(w.t_running >= AGENT_TIMEOUT + GRACE - TICK - 1,
          "replaced after %.1f s, before agent_timeout %d + grace %d", w.t_running, AGENT_TIMEOUT,
          GRACE);
    CHECK(w.t_running <= AGENT_TIMEOUT + GRACE + 3 * TICK,
          "replaced only after %.1f s (agent_timeout %d + grace %d + 3 ticks)", w.t_running,
          AGENT_TIMEOUT, GRACE);
    check_quarantined(old, w.replacement, "guest agent silent");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_farm_comes_up),
        cmocka_unit_test(test_kill_qemu_replaced),
        cmocka_unit_test(test_agent_hang_replaced),
    };

    if (argc < 3) {
        fprintf(stderr, "usage: %s GOLDFARMD VMCTL   (GOLDFARM_SRC=repository root)\n", argv[0]);
        return 2;
    }
    r.goldfarmd = argv[1];
    g.vmctl = argv[2];
    g.verbose = getenv("GOLDFARM_TEST_VERBOSE") && strcmp(getenv("GOLDFARM_TEST_VERBOSE"), "0");
    return cmocka_run_group_tests_name("qemu_replace", tests, group_setup, group_teardown);
}
