/* test_safety_qemu.c - issue 12's promises on a real libvirtd with QEMU (TCG) and tiny
 * guests: crash recovery that verifies before it acts, and a sick host kept for forensics.
 *
 * usage: test_safety_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Runs as root on the test bed of tests/qemu/testbed.sh (see /work/shared/TESTBED.md), with
 * farm "gfd" (hosts gf-test-d-NN, tiny-gold as gold, agent load source).  Each test starts
 * from no host and a state directory of its own:
 *
 *   1. the journal's end line lost: goldfarmd runs with GOLDFARM_FAULT=journal-write:end, so
 *      its clone of gf-test-d-01 succeeds but the clone's end line never reaches the journal
 *      (ENOSPC, injected); two users log in (utmp through guest-exec) and a file is written
 *      on the host's disk; the daemon is killed (kill -9).  A plain `goldfarmd --once` then
 *      finds the open clone, sees the domain carrying the clone's tag and finishes it: the
 *      host is the same domain (UUID, domain id: never stopped), running, on the same disk
 *      (path, inode, the file), with its two users, and is not cloned again;
 *   2. a pegged host: a busy loop started in gf-test-d-02 (guest-exec) under a policy with
 *      health.cpu_pegged and a long-running goldfarmd (tick 10 s), each of whose ticks on its
 *      clock is followed by two forced ones (SIGHUP, a reload, ticks at once: a fraction of
 *      a second later, often in the same second), repeated samples.  Every tick keeps the
 *      verdict once the host is flagged (the status file, tick by tick); once flagged, the
 *      policy goes to min_hosts 1 so that the scaler has a host to spare, and it drains
 *      gf-test-d-01, never the failing host; after the grace a replacement is cloned and the
 *      pegged host is QUARANTINED (its typed state in its metadata, and in `vmctl list
 *      --json`), never drained or retired.
 *
 * Only gf-test-d-* domains and volumes are made and removed (by each test's start and the
 * group's teardown, also after a failure); at most three guests run at once.  Times are
 * printed.  GOLDFARM_TEST_VERBOSE=1 prints every command and its output.
 */

#include "daemon_harness.h"

#define H1 PREFIX "01"
#define H2 PREFIX "02"
#define SERVE_WAIT 30.0 /* the users logged in to the daemon's status showing them */
#define MARK "goldfarm-safety-mark"
#define PEG_TICK 10 /* the pegged test's farm.tick: a CPU sample needs half of it */
#define PEG_PCT 50  /* cpu_pegged.percent (a busy loop under TCG shows ~100%) */
#define PEG_FOR 60  /* cpu_pegged.for: the least the policy allows */
#define GRACE 20    /* health.grace */
#define REPEATS 2   /* ticks forced (SIGHUP) after each sampling tick, within half a tick */

static const char policy_fmt[] =
    "# written by test_safety_qemu\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 10; min_hosts = %d; max_hosts = 3; tick = \"%ds\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = %d; threshold = 50; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = %d; threshold = 50; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = %d; threshold = 50; };\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = %d; threshold = 50; }; }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; hysteresis = 10; };\n"
    "load = { source = \"agent\"; };\n"
    "%s";

/* The pegged test's health group. */
static char health_group[256];

/* Write the farm's policy (min_hosts MIN, tick TICK seconds, then EXTRA) and check it. */
static void write_policy(int min, int tick, const char *extra)
{
    char text[4096], path[PATH_MAX + 32];
    struct cmd c;

    snprintf(text, sizeof(text), policy_fmt, min, tick, min, min, min, min, extra);
    snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
    WRITE_FILE(path, text, 0600);
    VMCTL(&c, "policy", "check", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
}

/* A test's start: no daemon, no gf-test-d-* domain or volume (an earlier test's, even a
 * failed one's), no lease, and a new state directory DIR/state-NAME. */
static void fresh_farm(const char *name)
{
    daemon_kill();
    remove_all();
    drop_lease();
    snprintf(g.state, sizeof(g.state), "%s/state-%s", g.dir, name);
    snprintf(g.status, sizeof(g.status), "%s/" FARM ".status", g.state);
    CHECK(mkdir(g.state, 0700) == 0, "mkdir %s: %s", g.state, strerror(errno));
}

/* The last 4000 bytes of the daemon's log (a kept string), for failure messages. */
static const char *log_tail(void)
{
    const char *text = slurp(g.daemon_log);
    size_t len = strlen(text);

    return len > 4000 ? text + len - 4000 : text;
}

/* Wait (BOOT_WAIT at most) until DOM runs (not paused starting up) and its agent answers. */
static void wait_running(const char *dom)
{
    double deadline = now_s() + BOOT_WAIT;

    for (;;) {
        struct cmd c;
        int up;
        VIRSH(&c, "domstate", dom);
        up = c.r.status == 0 && strncmp(c.r.out, "running", 7) == 0;
        cmd_free(&c);
        if (up)
            break;
        CHECK(now_s() < deadline, "%s is not running within %.0f s\n%s", dom, BOOT_WAIT,
              g.daemon > 0 ? log_tail() : "");
        CHECK(g.daemon <= 0 || daemon_alive(), "goldfarmd exited:\n%s", log_tail());
        nap(0.5);
    }
    WAIT_AGENT(dom);
}

/* Whether DOM's shell command SHELL exits 0 in the guest. */
static int guest_ok(const char *dom, const char *shell)
{
    return guest_sh_at(__FILE__, __LINE__, dom, shell) == 0;
}

/* The inode of PATH (a failed stat fails the test). */
static ino_t inode_of(const char *path)
{
    struct stat st;

    CHECK(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
    return st.st_ino;
}

/* ---------------------------------------------------------------- 1. the end line lost */

static void test_journal_end_lost_host_kept(void **state)
{
    const char *serving[] = {"\"in_service\":1", "\"sessions\":2", NULL};
    const char *kept = "journal: clone " H1 " interrupted by a crash after its domain was "
                       "defined: finished, the host is kept";
    char uuid[64], uuid2[64], id[32], id2[32], disk[PATH_MAX], disk2[PATH_MAX], tag[64];
    char want[128], list[MAX_DOMS][64], names[512], *text;
    struct cmd c;
    time_t logged_in;
    ino_t ino;
    int n;

    (void)state;
    fresh_farm("endline");
    write_policy(1, 5, "");
    daemon_start_env("GOLDFARM_FAULT=journal-write:end");
    wait_running(H1);
    EXPECT_HOST(H1);
    {
        double deadline = now_s() + 10;
        while (!strstr((text = slurp(g.daemon_log)), "stays open") && now_s() < deadline) {
            release(text);
            nap(0.2);
        }
        CHECK(strstr(text, "No space left on device (injected)") && strstr(text, "stays open"),
              "the daemon did not log the failed end line of its clone:\n%s", text);
        release(text);
    }
    CHECK(journal_open_entries() == 1, "the journal has %d open entries, expected the clone's",
          journal_open_entries());

    /* the new host serves: two users, and a file on its disk */
    LOGIN(H1, "alice", "pts/1");
    LOGIN(H1, "bob", "pts/2");
    EXPECT_USERS(H1, 2);
    CHECK(guest_ok(H1, "echo " MARK " > /data/gf-safety-mark && sync"), "cannot write on %s", H1);
    logged_in = time(NULL);
    nap(1.1); /* status mtimes have a resolution of one second */
    text = wait_status(logged_in, SERVE_WAIT, serving);
    CHECK(text, "the daemon's status does not show %s serving 2 users:\n%s\n--- log:\n%s", H1,
          slurp(g.status), slurp(g.daemon_log));
    release(text);

    VIRSH_TEXT(uuid, "domuuid", H1);
    VIRSH_TEXT(id, "domid", H1);
    DISK_PATH(H1, disk);
    ino = inode_of(disk);
    META(H1, "op-tag", tag);
    snprintf(want, sizeof(want), "\"tag\":\"%s\"", tag);
    {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/journal", g.state);
        text = slurp(path);
        CHECK(tag[0] && strstr(text, want),
              "%s's op-tag '%s' is not the open clone's in the journal:\n%s", H1, tag, text);
        release(text);
    }
    daemon_kill(); /* kill -9: the end line is never written */
    CHECK(journal_open_entries() == 1, "the journal has %d open entries after the kill",
          journal_open_entries());

    /* the restart: recovery finishes the clone, it does not undo it */
    TICK(&c);
    snprintf(want, sizeof(want), "clone %s on", H1);
    CHECK(strstr(c.r.err, kept), "the restart did not finish the clone of %s:\n%s", H1, c.r.err);
    CHECK(!strstr(c.r.err, "and started") && !strstr(c.r.err, "undone") &&
              !strstr(c.r.err, "deleted") && !strstr(c.r.err, want),
          "the restart undid, restarted or cloned again %s:\n%s", H1, c.r.err);
    cmd_free(&c);
    CHECK(journal_open_entries() == 0, "the journal has %d open entries after the recovery",
          journal_open_entries());

    VIRSH_TEXT(uuid2, "domuuid", H1);
    VIRSH_TEXT(id2, "domid", H1);
    CHECK(strcmp(uuid, uuid2) == 0, "%s was defined again: UUID %s, was %s", H1, uuid2, uuid);
    CHECK(strcmp(id, id2) == 0, "%s was stopped and started: domain id %s, was %s", H1, id2, id);
    EXPECT_HOST(H1);
    DISK_PATH(H1, disk2);
    CHECK(strcmp(disk, disk2) == 0 && inode_of(disk2) == ino,
          "%s's disk was made again: %s (inode %lu), was %s (inode %lu)", H1, disk2,
          (unsigned long)inode_of(disk2), disk, (unsigned long)ino);
    CHECK(guest_ok(H1, "grep -qx " MARK " /data/gf-safety-mark"),
          "the file written on %s's disk is gone", H1);
    EXPECT_USERS(H1, 2);
    n = DOMAINS(list);
    CHECK(n == 1, "domains after the recovery: %s, expected " H1 " alone",
          joined(list, n, names, sizeof(names)));

    /* and the farm is steady: nothing more to finish, nothing to make */
    TICK(&c);
    CHECK(!strstr(c.r.err, "[done]") && !strstr(c.r.err, "[failed") &&
              !strstr(c.r.err, "journal: "),
          "the tick after the recovery acted:\n%s", c.r.err);
    cmd_free(&c);
    VIRSH_TEXT(id2, "domid", H1);
    CHECK(strcmp(id, id2) == 0, "%s was restarted: domain id %s, was %s", H1, id2, id);
    EXPECT_USERS(H1, 2);
}

/* ---------------------------------------------------------------- 2. a pegged host */

/* One tick as the daemon's status file tells it. */
struct seen {
    char updated[40]; /* the tick's time, to the second */
    long at;          /* that time as seconds of the day */
    char state[32];   /* H2's host state ("" when the status does not list it) */
    char health[128]; /* H2's verdict ("" when healthy) */
};

/* PATH's identity (inode, size, modification time in ns) into ID: a file replaced by a
 * rename, or rewritten, has another.  0, or -1 when it does not exist. */
static int file_id(const char *path, unsigned long long id[3])
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    id[0] = (unsigned long long)st.st_ino;
    id[1] = (unsigned long long)st.st_size;
    id[2] = (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
            (unsigned long long)st.st_mtim.tv_nsec;
    return 0;
}

/* Wait (until DEADLINE, monotonic) for a status file other than the one identified by ID
 * (which then becomes this one's) and read it into T.  0, or -1 when none came (or the
 * daemon is gone). */
static int next_status(unsigned long long id[3], double deadline, struct seen *t)
{
    unsigned long long now_id[3];
    char *text, name[64];
    const char *hosts, *obj;
    size_t pos;
    size_t olen;

    while (file_id(g.status, now_id) < 0 || memcmp(now_id, id, sizeof(now_id)) == 0) {
        if (now_s() >= deadline || !daemon_alive())
            return -1;
        nap(0.02);
    }
    memcpy(id, now_id, sizeof(now_id));
    memset(t, 0, sizeof(*t));
    text = slurp(g.status);
    {
        int hh = 0, mm = 0, ss = 0;
        json_str(text, strlen(text), "updated", t->updated, sizeof(t->updated));
        if (strlen(t->updated) >= 19)
            sscanf(t->updated + 11, "%d:%d:%d", &hh, &mm, &ss);
        t->at = hh * 3600L + mm * 60L + ss;
    }
    hosts = strstr(text, "\"hosts\":[");
    pos = hosts ? (size_t)(hosts - text) + 9 : strlen(text);
    while (json_next_object(text, &pos, &obj, &olen))
        if (json_str(obj, olen, "name", name, sizeof(name)) == 0 && strcmp(name, H2) == 0) {
            json_str(obj, olen, "state", t->state, sizeof(t->state));
            if (json_str(obj, olen, "health", t->health, sizeof(t->health)) < 0)
                t->health[0] = '\0'; /* null: healthy */
            break;
        }
    release(text);
    return 0;
}

/* HOST's "state" and "host_state" in `vmctl list --farm FARM --json`, into RUN and HS. */
static void listed(const char *host, char run[64], char hs[64])
{
    char name[64];
    const char *obj;
    size_t pos = 0, olen;
    struct cmd c;

    run[0] = hs[0] = '\0';
    VMCTL(&c, "list", "--farm", FARM, "--json");
    EXPECT_EXIT(&c, 0);
    while (json_next_object(c.r.out, &pos, &obj, &olen))
        if (json_str(obj, olen, "name", name, sizeof(name)) == 0 && strcmp(name, host) == 0) {
            json_str(obj, olen, "state", run, 64);
            json_str(obj, olen, "host_state", hs, 64);
        }
    cmd_free(&c);
}

/* What the pegged test saw, in seconds after the busy loop started (-1: not yet). */
struct pegged {
    double t0, flagged, quarantined;
    int ticks, repeats, same_second; /* repeats: ticks forced within half a tick, flagged */
    char flag[128];                  /* the first verdict */
};

/* Watch the daemon tick until H2 is quarantined (or DEADLINE), forcing REPEATS more ticks
 * (SIGHUP: a reload ticks at once) after each tick that comes half a tick or more after the
 * last forced ones.  Every tick is checked: H2 is never draining or retiring, and once
 * flagged it stays flagged while it is assessed.  Once it is flagged, the policy goes to
 * min_hosts 1 (written before the forced ticks: the scaler has a host to spare). */
static void watch_pegged(struct pegged *s, double deadline)
{
    unsigned long long id[3] = {0, 0, 0};
    struct seen t, sample = {.at = -1};
    double burst = -1;
    int left = 0;

    file_id(g.status, id); /* the ticks from now on, not the last one before */

    while (s->quarantined < 0) {
        CHECK(next_status(id, deadline, &t) == 0,
              H2 " pegged for %.0f s is not quarantined (cpu_pegged.for %d s, grace %d s; "
                 "flagged at %.1f s): a grace reset?\n--- status:\n%s\n--- log:\n%s",
              now_s() - s->t0, PEG_FOR, GRACE, s->flagged, slurp(g.status), log_tail());
        s->ticks++;
        if (g.verbose)
            print_message("tick %d at %.1f s (%s): " H2 " '%s', '%s'\n", s->ticks, now_s() - s->t0,
                          t.updated, t.state, t.health);
        CHECK(strcmp(t.state, "active") == 0 || strcmp(t.state, "quarantined") == 0,
              "the tick of %s made " H2 " '%s' (%.1f s after its CPU was pegged)\n%s", t.updated,
              t.state, now_s() - s->t0, log_tail());
        if (strcmp(t.state, "quarantined") == 0) {
            s->quarantined = now_s() - s->t0;
            break;
        }
        if (s->flagged >= 0) {
            /* a repeated sample never counts as a passing check, nor resets the grace */
            CHECK(strncmp(t.health, "CPU at", 6) == 0,
                  "the tick of %s (%ld s after the sampling one of %s) says " H2 " is '%s', "
                  "after '%s'\n%s",
                  t.updated, t.at - sample.at, sample.updated, t.health, s->flag, log_tail());
        } else if (t.health[0]) {
            s->flagged = now_s() - s->t0;
            snprintf(s->flag, sizeof(s->flag), "%s", t.health);
            print_message(H2 " flagged %.1f s after its CPU was pegged: %s\n", s->flagged,
                          t.health);
            write_policy(1, PEG_TICK, health_group);
        }
        if (left > 0) { /* a forced tick: within half a tick of its burst's first */
            CHECK(t.at - sample.at < PEG_TICK / 2, "a forced tick came %ld s after %s",
                  t.at - sample.at, sample.updated);
            s->repeats += s->flagged >= 0;
            s->same_second += s->flagged >= 0 && t.at == sample.at;
            left--;
        } else if (burst < 0 || now_s() - burst >= PEG_TICK / 2.0) {
            sample = t;
            burst = now_s();
            left = REPEATS;
        }
        if (left > 0)
            CHECK(kill(g.daemon, SIGHUP) == 0, "SIGHUP goldfarmd: %s", strerror(errno));
    }
}

static void test_pegged_host_quarantined(void **state)
{
    struct pegged s = {.flagged = -1, .quarantined = -1};
    char run[64], hs[64], reason[512], rep[64], *log;
    int code;

    (void)state;
    fresh_farm("pegged");
    snprintf(health_group, sizeof(health_group),
             "health = { grace = \"%ds\"; cpu_pegged = { percent = %d; for = \"%ds\"; }; };\n",
             GRACE, PEG_PCT, PEG_FOR);
    write_policy(2, PEG_TICK, health_group);
    daemon_start();
    wait_running(H1);
    wait_running(H2);

    /* H2 (the host the scaler drains first: the same sessions, the higher name) pegged */
    s.t0 = now_s();
    CHECK(guest_ok(H2, "sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &"),
          "cannot start a busy loop in " H2);
    watch_pegged(&s, s.t0 + PEG_FOR + GRACE + 6 * PEG_TICK);
    META(H2, "replaced-by", rep);
    print_message(H2 " pegged: flagged after %.1f s, quarantined after %.1f s and replaced by "
                     "%s; %d ticks, %d forced within half a tick while flagged (%d in the same "
                     "second)\n",
                  s.flagged, s.quarantined, rep, s.ticks, s.repeats, s.same_second);
    code = daemon_stop();
    CHECK(code == 0, "goldfarmd exited %d on SIGTERM:\n%s", code, log_tail());

    /* pegged since the sample before its first pegged one: up to a sampling interval (a
     * tick, and the forced ticks that push the next one back) before the loop began */
    CHECK(s.flagged >= PEG_FOR - 2 * PEG_TICK, "flagged after %.1f s, before cpu_pegged.for",
          s.flagged);
    CHECK(s.quarantined - s.flagged >= GRACE - 2,
          "quarantined %.1f s after being flagged: before the grace (%d s)",
          s.quarantined - s.flagged, GRACE);
    CHECK(s.repeats >= 2 * REPEATS, "only %d ticks were forced while " H2 " was flagged",
          s.repeats);
    log = slurp(g.daemon_log);
    CHECK(!strstr(log, "drain " H2) && !strstr(log, "retire " H2),
          "the failing " H2 " was drained or retired:\n%s", log);
    CHECK(strstr(log, "drain " H1 " [done]"),
          "with a host to spare, the scaler did not drain " H1 " (the healthy one):\n%s", log);
    release(log);
    /* set aside as evidence: stopped, typed state quarantined, why, and its replacement */
    EXPECT_STATE(H2, "shut off");
    META(H2, "reason", reason);
    CHECK(strncmp(reason, "quarantined", 11) == 0 && strstr(reason, "CPU at"),
          H2 "'s reason '%s' does not say it was quarantined for its CPU", reason);
    listed(H2, run, hs);
    CHECK(strcmp(hs, "quarantined") == 0 && strcmp(run, "shut off") == 0,
          "vmctl list --json: " H2 " is %s, host_state '%s'", run, hs);
    CHECK(rep[0], H2 " quarantined without a replacement");
    EXPECT_META(rep, "replaces", H2);
    EXPECT_META(rep, "state", "active");
    listed(rep, run, hs);
    CHECK(strcmp(hs, "active") == 0 && strcmp(run, "running") == 0,
          "vmctl list --json: the replacement %s is %s, host_state '%s'", rep, run, hs);
}

static int group_setup(void **state)
{
    (void)state;
    suite_setup("safety");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    daemon_kill();
    suite_teardown();
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_end_lost_host_kept),
        cmocka_unit_test(test_pegged_host_quarantined),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests_name("qemu_safety", tests, group_setup, group_teardown);
}
