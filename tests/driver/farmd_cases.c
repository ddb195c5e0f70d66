/* farmd_cases.c - what the goldfarmd test programs share: the day's trace,
 * the policy where every phase is alike, checks, and the morning and the
 * day they replay (see test_farmd.c for the farm and the policy). */
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
#include "lsan.h"

/* The day's sessions: a quiet night, the morning, a peak over the
 * threshold, the evening with two hosts left over, then empty. */
const char day_trace[] = "# TIME HOST SESSIONS [ACTIVE]\n"
                         "06:00 rds-001 1\n"
                         "06:00 rds-002 1\n"
                         "08:00 rds-001 3\n"
                         "08:00 rds-002 3\n"
                         "08:00 rds-003 2\n"
                         "08:00 rds-004 2\n"
                         "10:00 rds-001 14\n"
                         "10:00 rds-002 14\n"
                         "10:00 rds-003 14\n"
                         "10:00 rds-004 14\n"
                         "17:00 rds-001 5\n"
                         "17:00 rds-002 4\n"
                         "17:00 rds-003 3\n"
                         "17:00 rds-004 2\n"
                         "17:00 rds-005 2\n"
                         "17:00 rds-006 1\n"
                         "17:00 rds-007 1\n"
                         "17:40 rds-006 0\n"
                         "17:40 rds-007 0\n";

/* Fingerprints in use, freed by the teardown when a test fails. */
static char *held[2];

/* Each test keeps its fixture in *STATE so that a failed test is cleaned. */
int teardown(void **state)
{
    for (int i = 0; i < 2; i++) {
        free(held[i]);
        held[i] = NULL;
    }
    fx_free(*state);
    *state = NULL;
    return 0;
}

/* A fixture on farm.xml with the standard policy and the day's trace,
 * started. */
struct fx *rds_farm(void **state, int max_hosts)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192];

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), max_hosts);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, day_trace);
    fx_start(f, 1);
    return f;
}

/* Tick at HH:MM and assert that libvirt's state did not change. */
void tick_changes_nothing(struct fx *f, const char *hhmm)
{
    char what[64];

    held[0] = farm_state(f->conn[0]);
    fx_tick(f, hhmm);
    held[1] = farm_state(f->conn[0]);
    snprintf(what, sizeof(what), "the tick at %s", hhmm);
    assert_same_state(held[0], held[1], what);
    for (int i = 0; i < 2; i++) {
        free(held[i]);
        held[i] = NULL;
    }
}

/* Assert host NAME's metadata state (and, when SINCE, its since). */
void assert_host(struct fx *f, int hv, const char *name, const char *state, time_t since)
{
    struct gf_meta m;

    if (!fx_meta(f, hv, name, &m))
        fail_msg("no domain '%s'", name);
    assert_int_equal(m.role, GF_ROLE_HOST);
    assert_string_equal(m.farm, "rds");
    assert_string_equal(m.image, "rds-gold");
    if (strcmp(gf_host_state_name(m.state), state) != 0)
        fail_msg("%s is '%s', not '%s' (reason: %s)", name, gf_host_state_name(m.state), state,
                 m.reason);
    if (since && m.since != since)
        fail_msg("%s: since %lld, not the tick's %lld", name, (long long)m.since, (long long)since);
}

/* Assert that NAME is a linked clone: its overlay backed by the gold disk. */
void assert_overlay(struct fx *f, int hv, const char *name)
{
    char vol[128], backing[4096];

    snprintf(vol, sizeof(vol), "%s-vda.qcow2", name);
    if (!fx_volume(f, hv, vol, backing, sizeof(backing)))
        fail_msg("no volume %s", vol);
    assert_string_equal(backing, GOLD);
}

/* Assert that NAME was retired: no domain, no overlay; the gold is kept. */
void assert_retired(struct fx *f, int hv, const char *name)
{
    char vol[128];

    snprintf(vol, sizeof(vol), "%s-vda.qcow2", name);
    if (fx_dom_state(f, hv, name) != -1)
        fail_msg("%s still has a domain", name);
    if (fx_volume(f, hv, vol, NULL, 0))
        fail_msg("%s's overlay %s is still there", name, vol);
    assert_true(fx_volume(f, hv, "rds-gold.qcow2", NULL, 0));
    assert_int_equal(fx_dom_state(f, hv, "rds-gold"), VIR_DOMAIN_SHUTOFF);
}

/* Replace the first FROM in BUF (LEN bytes) by TO; fails if absent. */
void replace(char *buf, size_t len, const char *from, const char *to)
{
    char *at = strstr(buf, from);
    size_t tail;

    if (!at)
        fail_msg("no '%s' in:\n%s", from, buf);
    tail = strlen(at + strlen(from)) + 1;
    assert_true(strlen(buf) - strlen(from) + strlen(to) < len);
    memmove(at + strlen(to), at + strlen(from), tail);
    memcpy(at, to, strlen(to));
}

/* Ramp-up at 07:00 from the quiet night: start the shut-off host, clone up
 * to the minimum, clone the standby.  Shared by several tests. */
void morning(struct fx *f, const char *uri)
{
    char want[2048];

    tick_changes_nothing(f, "06:00");
    fx_assert_lines(f, "");
    fx_tick(f, "07:00");
    snprintf(want, sizeof(want),
             "ramp_up: 2 hosts in service < minimum 4: start rds-003\n"
             "ramp_up: 2 hosts in service < minimum 4: clone rds-004 on %s\n"
             "ramp_up: 0 standby < 1: clone rds-005 as standby on %s\n",
             uri, uri);
    fx_assert_lines(f, want);
}

void run_day(struct fx *f)
{
    const char *uri = f->uri[0];
    char want[4096], notes[1024], hosts[256], *hooks;
    struct gf_meta m;

    /* off-peak before the ramp-up: the minimum of 2 is there */
    morning(f, uri);
    assert_int_equal(fx_dom_state(f, 0, "rds-003"), VIR_DOMAIN_RUNNING);
    assert_host(f, 0, "rds-003", "active", 0);
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
    assert_host(f, 0, "rds-004", "active", 0);
    assert_overlay(f, 0, "rds-004");
    assert_int_equal(fx_dom_state(f, 0, "rds-005"), VIR_DOMAIN_SHUTOFF);
    assert_host(f, 0, "rds-005", "standby", 0);
    assert_overlay(f, 0, "rds-005");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004 rds-005");

    /* the farm is at its minimum with its standby: nothing through the morning */
    tick_changes_nothing(f, "07:01");
    fx_assert_lines(f, "");
    tick_changes_nothing(f, "08:30");
    tick_changes_nothing(f, "09:00");
    fx_assert_lines(f, "");

    /* peak: 56 sessions on 4 hosts; 7 wanted, max_step 2: the standby and a
     * clone, and a new standby */
    fx_tick(f, "10:00");
    snprintf(want, sizeof(want),
             "peak: 56 sessions / (4 hosts x 10) = 140%% > 80%%: start rds-005 (standby)\n"
             "peak: 56 sessions / (4 hosts x 10) = 140%% > 80%%: clone rds-006 on %s\n"
             "peak: 0 standby < 1: clone rds-007 as standby on %s\n",
             uri, uri);
    fx_assert_lines(f, want);
    assert_host(f, 0, "rds-005", "active", fx_at(f, "10:00"));
    assert_int_equal(fx_dom_state(f, 0, "rds-005"), VIR_DOMAIN_RUNNING);
    assert_host(f, 0, "rds-006", "active", 0);
    assert_host(f, 0, "rds-007", "standby", 0);

    /* still over the threshold, but in the cooldown */
    tick_changes_nothing(f, "10:01");
    fx_assert_lines(f, "");
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    assert_string_equal(
        notes, "peak: 56 sessions / (6 hosts x 10) = 93% > 80%: no scale-out before 10:05:00 "
               "(cooldown_out 300s)");
    tick_changes_nothing(f, "10:04");

    /* the cooldown is over: one more, from the standby, and a new standby */
    fx_tick(f, "10:05");
    snprintf(want, sizeof(want),
             "peak: 56 sessions / (6 hosts x 10) = 93%% > 80%%: start rds-007 (standby)\n"
             "peak: 0 standby < 1: clone rds-008 as standby on %s\n",
             uri);
    fx_assert_lines(f, want);
    tick_changes_nothing(f, "10:06");
    fx_assert_lines(f, "");
    tick_changes_nothing(f, "16:59");

    /* ramp-down: 18 sessions on 7 hosts, minimum 5: the two least loaded
     * are drained (depth), told through the hooks */
    fx_tick(f, "17:00");
    fx_assert_lines(f, "ramp_down: 18 sessions / (7 hosts x 10) = 26% < 70% (80% - 10): rds-007 "
                       "has 1 session, the fewest (depth): drain rds-007\n"
                       "ramp_down: 18 sessions / (7 hosts x 10) = 26% < 70% (80% - 10): rds-006 "
                       "has 1 session, the fewest (depth): drain rds-006\n");
    assert_host(f, 0, "rds-006", "draining", fx_at(f, "17:00"));
    assert_host(f, 0, "rds-007", "draining", fx_at(f, "17:00"));
    hooks = fx_hooklog(f);
    assert_string_equal(hooks, "broker drain rds-007\nnotify rds-007 1\n"
                               "broker drain rds-006\nnotify rds-006 1\n");
    free(hooks);

    /* users still on them, the wait not over: nothing, never a retirement */
    tick_changes_nothing(f, "17:01");
    fx_assert_lines(f, "");
    tick_changes_nothing(f, "17:29");
    fx_assert_lines(f, "");
    assert_int_equal(fx_dom_state(f, 0, "rds-006"), VIR_DOMAIN_RUNNING);

    /* the wait is over: the users are logged off */
    fx_tick(f, "17:30");
    fx_assert_lines(f, "drain: rds-006 draining 30m (wait 30m), 1 session left: logoff rds-006\n"
                       "drain: rds-007 draining 30m (wait 30m), 1 session left: logoff rds-007\n");
    hooks = fx_hooklog(f);
    assert_string_equal(hooks, "broker drain rds-007\nnotify rds-007 1\n"
                               "broker drain rds-006\nnotify rds-006 1\n"
                               "logoff rds-006 1\nlogoff rds-007 1\n");
    free(hooks);
    assert_true(fx_meta(f, 0, "rds-006", &m));
    assert_int_equal(m.state, GF_HS_DRAINING);
    assert_true(m.logoff_sent != 0);
    /* ... once; still not retired while the trace shows a session */
    tick_changes_nothing(f, "17:31");
    fx_assert_lines(f, "");
    tick_changes_nothing(f, "17:39");

    /* empty: retired; the gold disk stays */
    fx_tick(f, "17:40");
    fx_assert_lines(f, "drain: rds-006 has no active sessions: retire rds-006\n"
                       "drain: rds-007 has no active sessions: retire rds-007\n");
    assert_retired(f, 0, "rds-006");
    assert_retired(f, 0, "rds-007");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004 rds-005 rds-008");
    tick_changes_nothing(f, "17:41");
    fx_assert_lines(f, "");

    /* off-peak: down towards 2, two at a time; the standby goes */
    fx_tick(f, "19:00");
    snprintf(want, sizeof(want), "%s",
             "off_peak: 16 sessions / (5 hosts x 10) = 32% < 80% (90% - 10): rds-005 has 2 "
             "sessions, the fewest (depth): drain rds-005\n"
             "off_peak: 16 sessions / (5 hosts x 10) = 32% < 80% (90% - 10): rds-004 has 2 "
             "sessions, the fewest (depth): drain rds-004\n"
             "off_peak: 1 standby > 0: retire rds-008\n");
    fx_assert_lines(f, want);
    assert_retired(f, 0, "rds-008");
    assert_host(f, 0, "rds-005", "draining", fx_at(f, "19:00"));
}

/* Every phase alike (min 2, 80%, no standby): the wall clock's phase does
 * not matter, so the clock can follow the wall clock (vmctl farm drain
 * stamps it). */
void uniform_policy(struct fx *f, char *buf, size_t len)
{
    snprintf(buf, len,
             "farm: { name = \"rds\"; hypervisors = ( { uri = \"%s\"; } );\n"
             "  image = \"rds-gold\"; host_name = \"rds-%%03d\"; vcpus = 2; memory = \"4G\";\n"
             "  max_sessions = 10; min_hosts = 2; max_hosts = 8; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = 2; };\n"
             "    peak = { start = \"09:00\"; min_hosts = 2; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 2; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = 2; }; }; };\n"
             "scaling = { cooldown_out = \"5m\"; cooldown_in = \"15m\"; max_step = 2; };\n"
             "drain = { wait = \"30m\"; notify = [\"%s\", \"notify\"]; logoff = [\"%s\", "
             "\"logoff\"];\n"
             "  broker = [\"%s\", \"broker\"]; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], f->hook, f->hook, f->hook, f->trace);
}

/* ---- crashes at a crash point, as a kill -9 would stop the daemon ---- */

static jmp_buf crash_jmp;
static char crashed_at[32];

static void on_crash(const char *point)
{
    snprintf(crashed_at, sizeof(crashed_at), "%s", point);
    longjmp(crash_jmp, 1);
}

/* Tick farm rds at HH:MM with the crash point POINT armed: the tick stops
 * there, as a kill -9 would, and the daemon is gone (its memory left as it
 * was).  Fails unless the point was reached. */
void tick_and_crash(struct fx *f, const char *point, const char *hhmm)
{
    struct gfd_farm *fm = fx_farm(f, "rds");
    time_t now = fx_at(f, hhmm);

    crashed_at[0] = '\0';
    setenv("GOLDFARM_CRASH", point, 1);
    gf_crash_set_handler(on_crash);
    LSAN_DISABLE(); /* what the crashed tick held is not a leak */
    if (setjmp(crash_jmp) == 0)
        gfd_tick(&f->d, fm, now);
    LSAN_ENABLE();
    gf_crash_set_handler(NULL);
    unsetenv("GOLDFARM_CRASH");
    if (strcmp(crashed_at, point) != 0)
        fail_msg("the tick at %s did not reach the crash point %s", hhmm, point);
    fx_stop(f); /* the process is gone; its journal is on disk */
}

/* No volume without a domain (but farm.xml's own rds-009-vda.qcow2), no
 * Goldfarm host without its disks. */
