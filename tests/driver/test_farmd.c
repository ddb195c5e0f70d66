/* test_farmd.c - goldfarmd's reconcile loop on libvirt's test driver, tick
 * by tick with an injected clock, in one process on one connection per
 * hypervisor (see farmd_fixture.h).  argv[1] is the directory of the
 * prepared farms (tests/driver: farm.xml, farm-two-a.xml, farm-two-b.xml).
 *
 * farm.xml: gold image rds-gold; farm "rds" with rds-001 and rds-002
 * running and rds-003 shut off, all "active"; a volume rds-009-vda.qcow2
 * no domain uses.  The policy (fx_policy_rds), every day in UTC:
 *   off_peak  19:00 min 2, threshold 90%, depth, no standby (and before 07:00)
 *   ramp_up   07:00 min 4, threshold 60%, one standby
 *   peak      09:00 min 4, threshold 80%, one standby
 *   ramp_down 17:00 min 5, threshold 80%, depth, one standby
 *   10 sessions a host, max_step 2, cooldown_out 5m, cooldown_in 15m,
 *   hysteresis 10, drain wait 30m, hooks notify/logoff/broker.
 *
 * The group "fixed bugs" holds one test per bug these tests once found,
 * kept as regression tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farm_state.h"
#include "farmd_fixture.h"
#include "model/journal.h"
#include "base/log.h"

#include "farmd_cases.h"

static void a_day_tick_by_tick(void **state)
{
    run_day(rds_farm(state, 8));
}

/* ---- 2. restarts ---------------------------------------------------------- */

/* The whole day again, with a fresh daemon context (a restart) before
 * every tick: the same actions at the same times, nothing more. */
static void a_day_with_a_restart_before_every_tick(void **state)
{
    struct fx *f = rds_farm(state, 8);

    f->restart_every_tick = 1;
    run_day(f);
}

/* A restart right after a tick, ticking at the same moment: nothing. */
static void restart_at_the_same_moment_changes_nothing(void **state)
{
    struct fx *f = rds_farm(state, 8);
    const char *moments[] = {"07:00", "10:00", "17:00", "17:30"};
    int m = 0;

    fx_tick(f, "06:00");
    for (const char *const *t = (const char *const[]){"07:00", "08:00", "10:00", "10:01", "10:05",
                                                      "17:00", "17:01", "17:30", NULL};
         *t; t++) {
        fx_tick(f, *t);
        if (m < 4 && strcmp(*t, moments[m]) == 0) {
            fx_stop(f);
            fx_start(f, 1);
            tick_changes_nothing(f, *t);
            fx_assert_lines(f, "");
            m++;
        }
    }
    assert_int_equal(m, 4);
    /* the logoff hook ran once per host, restarts or not */
    {
        char *hooks = fx_hooklog(f);
        assert_int_equal(fx_count(hooks, "logoff rds-006"), 1);
        assert_int_equal(fx_count(hooks, "logoff rds-007"), 1);
        free(hooks);
    }
}

/* ---- 3. crashes ----------------------------------------------------------- */

static void assert_no_orphan(struct fx *f, int hv, const char *expected)
{
    char orphans[1024];

    fx_orphans(f, hv, orphans, sizeof(orphans));
    assert_string_equal(orphans, expected);
}

/* A crash during rds-004's clone at POINT.  Before its domain is defined,
 * the restart undoes the clone (its overlay deleted); after, the domain
 * carries the clone's tag and the restart finishes it (kept, started):
 * never undone, so a host that may already serve is never destroyed. */
static void crash_during_a_clone(const char *point, int defined, void **state)
{
    struct fx *f = rds_farm(state, 8);
    char want[2048], hosts[256];

    fx_tick(f, "06:00");
    tick_and_crash(f, point, "07:00"); /* rds-003 started, rds-004 half cloned */
    fx_notes_reset();
    fx_start(f, 1); /* the restart: the journal finishes or undoes the clone */
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    if (defined) {
        fx_assert_has(fx_notes(),
                      "journal: clone rds-004 interrupted by a crash after its domain was defined: "
                      "finished, the host is kept",
                      "the restart's log");
        assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
        assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004");
    } else {
        fx_assert_has(fx_notes(), "journal: clone rds-004 interrupted by a crash: undone",
                      "the restart's log");
        assert_int_equal(fx_dom_state(f, 0, "rds-004"), -1);
        assert_false(fx_volume(f, 0, "rds-004-vda.qcow2", NULL, 0));
        assert_string_equal(hosts, "rds-001 rds-002 rds-003");
    }
    assert_no_orphan(f, 0, "rds-009-vda.qcow2");
    /* the next tick reaches the planned state: no duplicate */
    fx_tick(f, "07:00");
    if (defined)
        snprintf(want, sizeof(want), "ramp_up: 0 standby < 1: clone rds-005 as standby on %s\n",
                 f->uri[0]);
    else
        snprintf(want, sizeof(want),
                 "ramp_up: 3 hosts in service < minimum 4: clone rds-004 on %s\n"
                 "ramp_up: 0 standby < 1: clone rds-005 as standby on %s\n",
                 f->uri[0], f->uri[0]);
    fx_assert_lines(f, want);
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004 rds-005");
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
    assert_overlay(f, 0, "rds-004");
    assert_no_orphan(f, 0, "rds-009-vda.qcow2");
    tick_changes_nothing(f, "07:01");
    fx_assert_lines(f, "");
}

static void crash_at_clone_volume(void **state)
{
    crash_during_a_clone("clone-volume", 0, state);
}

static void crash_at_clone_defined(void **state)
{
    crash_during_a_clone("clone-defined", 1, state);
}

static void crash_at_clone_started(void **state)
{
    crash_during_a_clone("clone-started", 1, state);
}

static void crash_during_a_retirement(const char *point, void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *out = NULL, hosts[256];

    fx_write_trace(f, "06:00 rds-001 1\n"); /* rds-002 empty */
    assert_int_equal(fx_vmctl(f, &out, "farm", "drain", "rds-002", NULL), 0);
    free(out);
    tick_and_crash(f, point, "06:00"); /* rds-003 started; rds-002 retiring */
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "journal: retire rds-002 interrupted by a crash: finished",
                  "the restart's log");
    assert_retired(f, 0, "rds-002");
    assert_no_orphan(f, 0, "rds-009-vda.qcow2");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-003");
    assert_int_equal(fx_dom_state(f, 0, "rds-003"), VIR_DOMAIN_RUNNING);
    /* the planned state: two in service off-peak; nothing more to do */
    tick_changes_nothing(f, "06:00");
    fx_assert_lines(f, "");
    tick_changes_nothing(f, "06:01");
}

static void crash_at_retire_stopped(void **state)
{
    crash_during_a_retirement("retire-stopped", state);
}

static void crash_at_retire_undefined(void **state)
{
    crash_during_a_retirement("retire-undefined", state);
}

/* ---- 4. two hypervisors ------------------------------------------------- */

/* A: 32 GiB free, max 3 hosts; B: 64 GiB with rds-001 running (60 free),
 * max 3 hosts.  Every phase alike: at least 4 hosts, 80%, no standby. */
static void two_hv_policy(struct fx *f, char *buf, size_t len)
{
    snprintf(
        buf, len,
        "farm: { name = \"rds\";\n"
        "  hypervisors = ( { uri = \"%s\"; max_hosts = 3; }, { uri = \"%s\"; max_hosts = 3; } );\n"
        "  image = \"rds-gold\"; host_name = \"rds-%%03d\"; vcpus = 2; memory = \"4G\";\n"
        "  max_sessions = 10; min_hosts = 4; max_hosts = 6; };\n"
        "schedule: { timezone = \"UTC\";\n"
        "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
        "    ramp_up = { start = \"07:00\"; min_hosts = 4; };\n"
        "    peak = { start = \"09:00\"; min_hosts = 4; };\n"
        "    ramp_down = { start = \"17:00\"; min_hosts = 4; };\n"
        "    off_peak = { start = \"19:00\"; min_hosts = 4; }; }; };\n"
        "scaling = { cooldown_out = \"5m\"; max_step = 2; };\n"
        "drain = { notify = [\"%s\", \"notify\"]; };\n"
        "load = { source = \"trace\"; trace = \"%s\"; };\n",
        f->uri[0], f->uri[1], f->hook, f->trace);
}

static void two_hypervisors_placement_and_a_node_lost(void **state)
{
    struct fx *f = fx_new("farm-two-a.xml", "farm-two-b.xml", NULL);
    const char *a, *b;
    char policy[8192], want[4096], hosts[256], *before, *after, *status, *metrics;
    struct gfd_farm *fm;

    *state = f;
    a = f->uri[0];
    b = f->uri[1];
    two_hv_policy(f, policy, sizeof(policy));
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "00:00 rds-001 2\n");
    fx_start(f, 4);
    /* 1 host (on B), 4 wanted: the node with the fewest of the farm's hosts
     * first (A), then, as many on each, the one with more free memory (B) */
    fx_tick(f, "12:00");
    snprintf(want, sizeof(want),
             "peak: 1 host in service < minimum 4: clone rds-002 on %s\n"
             "peak: 1 host in service < minimum 4: clone rds-003 on %s\n"
             "peak: 1 host in service < minimum 4: clone rds-004 on %s\n",
             a, b, a);
    fx_assert_lines(f, want);
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-002 rds-004");
    fx_farm_hosts(f, 1, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-003");
    assert_int_equal(fx_dom_state(f, 1, "rds-003"), VIR_DOMAIN_RUNNING);
    assert_overlay(f, 1, "rds-003");
    assert_overlay(f, 0, "rds-004");
    assert_no_orphan(f, 0, "");
    assert_no_orphan(f, 1, "");

    /* over the threshold: two hosts on each, B has more free memory (56
     * GiB to A's 24): B */
    fx_write_trace(f, "00:00 rds-001 9\n00:00 rds-002 9\n00:00 rds-003 9\n00:00 rds-004 9\n");
    fx_tick(f, "12:10");
    snprintf(want, sizeof(want),
             "peak: 36 sessions / (4 hosts x 10) = 90%% > 80%%: clone rds-005 on %s\n", b);
    fx_assert_lines(f, want);
    fx_farm_hosts(f, 1, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-003 rds-005");
    tick_changes_nothing(f, "12:20");
    fx_assert_lines(f, "");

    /* B drops (libvirt closed the connection; no reconnecting): a node lost,
     * not the farm: B's hosts are neither counted nor touched, A keeps the
     * minimum as far as its max_hosts lets it (one more there; the name of
     * none of B's hosts), the blind node is logged, in the status and the
     * metrics */
    f->down[1] = 1;
    fx_farm(f, "rds")->lost[1] = 1;
    before = farm_state(f->conn[1]);
    fx_notes_reset();
    fx_tick(f, "12:30");
    after = farm_state(f->conn[1]);
    assert_same_state(before, after, "B while it does not answer");
    free(after);
    snprintf(want, sizeof(want), "peak: 2 hosts in service < minimum 4: clone rds-006 on %s\n", a);
    fx_assert_lines(f, want);
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-002 rds-004 rds-006");
    fx_assert_has(fx_notes(), "blind: ", "the log");
    fx_assert_has(fx_notes(), "unreachable: its hosts are neither counted nor touched", "the log");
    status = fx_state_file(f, "rds.status");
    fx_assert_has(status, b, "the status file");
    fx_assert_lacks(status, "\"blind\":null", "the status file");
    free(status);
    metrics = fx_state_file(f, "goldfarm.prom");
    {
        char line[700];
        snprintf(line, sizeof(line), "goldfarm_hypervisor_up{farm=\"rds\",uri=\"%s\"} 0", b);
        fx_assert_has(metrics, line, "the metrics");
        snprintf(line, sizeof(line), "goldfarm_hypervisor_up{farm=\"rds\",uri=\"%s\"} 1", a);
        fx_assert_has(metrics, line, "the metrics");
    }
    free(metrics);
    /* a restart while B is down: B's hosts' names are remembered (the
     * farm's memory), nothing more to do (A is full) */
    status = fx_state_file(f, "rds.memory");
    {
        char seen[700];
        snprintf(seen, sizeof(seen), "\"%s\":\"rds-001 rds-003 rds-005\"", b);
        fx_assert_has(status, seen, "the farm's memory");
    }
    free(status);
    fx_stop(f);
    fx_start(f, 4);
    fx_tick(f, "12:31");
    after = farm_state(f->conn[1]);
    assert_same_state(before, after, "B after a restart while it does not answer");
    free(after);
    free(before);
    fm = fx_farm(f, "rds");
    assert_int_equal(fm->plan.in_service, 3);

    /* B is back: its hosts are seen again, none was replaced or deleted; the
     * surplus is drained the normal way (the fewest sessions first), then
     * retired once empty */
    f->down[1] = 0;
    fm->retry_at[1] = 0;
    fx_write_trace(f, "00:00 rds-001 5\n00:00 rds-002 5\n00:00 rds-003 5\n00:00 rds-004 5\n"
                      "00:00 rds-005 1\n00:00 rds-006 0\n");
    fx_tick(f, "12:40");
    fx_farm_hosts(f, 1, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-003 rds-005");
    assert_int_equal(fm->plan.in_service, 6);
    fx_assert_lines(f, "peak: 21 sessions / (6 hosts x 10) = 35% < 70% (80% - 10): rds-006 has 0 "
                       "sessions, the fewest (breadth): drain rds-006\n");
    fx_tick(f, "12:41");
    fx_assert_lines(f, "drain: rds-006 has no active sessions: retire rds-006\n");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a_day_tick_by_tick, teardown),
        cmocka_unit_test_teardown(a_day_with_a_restart_before_every_tick, teardown),
        cmocka_unit_test_teardown(restart_at_the_same_moment_changes_nothing, teardown),
        cmocka_unit_test_teardown(crash_at_clone_volume, teardown),
        cmocka_unit_test_teardown(crash_at_clone_defined, teardown),
        cmocka_unit_test_teardown(crash_at_clone_started, teardown),
        cmocka_unit_test_teardown(crash_at_retire_stopped, teardown),
        cmocka_unit_test_teardown(crash_at_retire_undefined, teardown),
        cmocka_unit_test_teardown(two_hypervisors_placement_and_a_node_lost, teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    failed = cmocka_run_group_tests_name(
        "goldfarmd on the test driver: a day, restarts, crashes, two hypervisors", tests, NULL,
        NULL);
    return failed ? 1 : 0;
}
