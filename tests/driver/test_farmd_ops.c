/* test_farmd_ops.c - goldfarmd on libvirt's test driver, the operator's side:
 * pause and resume, status and metrics, reload, an admin's drain, what is
 * logged, and the bugs these tests once found (regression tests).  The farm
 * and the policy are test_farmd.c's; argv[1] is the tests/driver directory. */
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
#include "reconcile/admin.h"
#include "reconcile/memory.h"
#include "model/journal.h"
#include "base/log.h"

#include "farmd_cases.h"

/* ---- 5. pause, status, metrics ------------------------------------------- */

/* Whether FARM is paused, as the daemon keeps it (STATE/FARM.admin). */
static int paused(struct fx *f, const char *farm)
{
    struct gf_admin a;

    assert_int_equal(gf_admin_load(f->state, farm, &a), 0);
    return a.paused;
}

static void pause_resume_status_and_metrics(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *out = NULL, *status, *metrics, want[2048];
    int code;

    fx_tick(f, "06:00");
    code = fx_vmctl(f, &out, "farm", "pause", "rds", "--state-dir", f->state, NULL);
    assert_int_equal(code, 0);
    fx_assert_has(out, "farm rds paused", "vmctl farm pause");
    free(out);
    assert_true(paused(f, "rds"));
    /* the plan has actions; none is carried out */
    tick_changes_nothing(f, "07:00");
    snprintf(want, sizeof(want),
             "ramp_up: 2 hosts in service < minimum 4: start rds-003\n"
             "ramp_up: 2 hosts in service < minimum 4: clone rds-004 on %s\n"
             "ramp_up: 0 standby < 1: clone rds-005 as standby on %s\n",
             f->uri[0], f->uri[0]);
    fx_assert_lines(f, want);
    status = fx_state_file(f, "rds.status");
    fx_assert_has(status, "\"paused\":true", "the status file");
    free(status);
    metrics = fx_state_file(f, "goldfarm.prom");
    fx_assert_has(metrics, "goldfarm_paused{farm=\"rds\"} 1\n", "the metrics");
    fx_assert_has(metrics,
                  "goldfarm_actions_total{farm=\"rds\",action=\"clone\",outcome=\"done\"} 0\n",
                  "the metrics");
    free(metrics);
    assert_int_equal(fx_vmctl(f, &out, "farm", "status", "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "PAUSED", "vmctl farm status");
    free(out);
    /* it survives a restart */
    fx_stop(f);
    fx_start(f, 1);
    tick_changes_nothing(f, "07:01");

    /* resumed: the daemon acts */
    assert_int_equal(fx_vmctl(f, &out, "farm", "resume", "rds", "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "farm rds resumed", "vmctl farm resume");
    free(out);
    assert_false(paused(f, "rds"));
    fx_tick(f, "07:02");
    assert_int_equal(fx_dom_state(f, 0, "rds-003"), VIR_DOMAIN_RUNNING);
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
    assert_int_equal(fx_dom_state(f, 0, "rds-005"), VIR_DOMAIN_SHUTOFF);

    /* the metrics */
    metrics = fx_state_file(f, "goldfarm.prom");
    fx_assert_has(metrics, "goldfarm_hosts{farm=\"rds\",state=\"in_service\"} 2\n", "the metrics");
    fx_assert_has(metrics, "goldfarm_paused{farm=\"rds\"} 0\n", "the metrics");
    fx_assert_has(metrics,
                  "goldfarm_actions_total{farm=\"rds\",action=\"clone\",outcome=\"done\"} 2\n",
                  "the metrics");
    fx_assert_has(metrics,
                  "goldfarm_actions_total{farm=\"rds\",action=\"start\",outcome=\"done\"} 1\n",
                  "the metrics");
    fx_assert_has(metrics,
                  "goldfarm_actions_total{farm=\"rds\",action=\"retire\",outcome=\"done\"} 0\n",
                  "the metrics");
    fx_assert_has(metrics, "# TYPE goldfarm_actions_total counter\n", "the metrics");
    free(metrics);
    /* the next tick's metrics count what is there now */
    fx_tick(f, "07:03");
    metrics = fx_state_file(f, "goldfarm.prom");
    fx_assert_has(metrics, "goldfarm_hosts{farm=\"rds\",state=\"in_service\"} 4\n", "the metrics");
    fx_assert_has(metrics, "goldfarm_hosts{farm=\"rds\",state=\"standby\"} 1\n", "the metrics");
    fx_assert_has(metrics, "goldfarm_hosts{farm=\"rds\",state=\"draining\"} 0\n", "the metrics");
    free(metrics);

    /* the status file (of what the tick observed): farm, phase, hosts, last
     * decisions */
    status = fx_state_file(f, "rds.status");
    assert_non_null(status);
    fx_assert_has(status, "\"farm\":\"rds\"", "the status file");
    fx_assert_has(status, "\"paused\":false", "the status file");
    fx_assert_has(status, "\"blind\":null", "the status file");
    fx_assert_has(status, "\"day_set\":\"all\"", "the status file");
    fx_assert_has(status, "\"phase\":\"ramp_up\"", "the status file");
    fx_assert_has(status, "\"in_service\":4", "the status file");
    fx_assert_has(status, "\"standby\":1", "the status file");
    fx_assert_has(status, "\"sessions\":2", "the status file");
    fx_assert_has(status, "{\"name\":\"rds-004\"", "the status file");
    fx_assert_has(status, "\"state\":\"standby\"", "the status file");
    fx_assert_has(status, "ramp_up: 2 hosts in service < minimum 4: start rds-003",
                  "the status file's last decisions");
    fx_assert_has(status, "ramp_up: 0 standby < 1: clone rds-005 as standby on",
                  "the status file's last decisions");
    free(status);
    /* vmctl farm status, for people and for scripts */
    assert_int_equal(fx_vmctl(f, &out, "farm", "status", "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "farm rds: all, ramp_up; 2 sessions = 5% (updated ", "vmctl farm status");
    fx_assert_lacks(out, "PAUSED", "vmctl farm status");
    fx_assert_has(out, "\n  rds-004              active       running   0        v1     ok\n",
                  "vmctl farm status");
    fx_assert_has(out, "\n  rds-005              standby      shut off  ?        v1     ok\n",
                  "vmctl farm status");
    fx_assert_has(out, "last decisions:", "vmctl farm status");
    fx_assert_has(out, "clone rds-004 on", "vmctl farm status");
    assert_int_equal(fx_count(out, "  rds-0"), 5);
    free(out);
    assert_int_equal(
        fx_vmctl(f, &out, "farm", "status", "rds", "--json", "--state-dir", f->state, NULL), 0);
    status = fx_state_file(f, "rds.status");
    status[strcspn(status, "\n")] = '\0';
    {
        char *whole = NULL;
        assert_true(asprintf(&whole, "[%s]\n", status) > 0);
        assert_string_equal(out, whole);
        free(whole);
    }
    free(status);
    free(out);
    assert_int_equal(fx_vmctl(f, &out, "farm", "status", "nosuch", "--state-dir", f->state, NULL),
                     2);
    free(out);
}

/* ---- 6. reload ----------------------------------------------------------- */

static void reload_good_bad_added_removed(void **state)
{
    struct fx *f = rds_farm(state, 6);
    char policy[8192], bad[8192], want[2048], notes[1024], callc[8192];
    int bad_files;

    fx_tick(f, "06:00");
    fx_tick(f, "07:00");
    fx_tick(f, "10:00");
    snprintf(want, sizeof(want),
             "peak: 56 sessions / (4 hosts x 10) = 140%% > 80%%: start rds-005 (standby)\n"
             "peak: 56 sessions / (4 hosts x 10) = 140%% > 80%%: clone rds-006 on %s\n",
             f->uri[0]);
    fx_assert_lines(f, want);
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    assert_string_equal(notes, "peak: 0 standby < 1: farm.max_hosts 6 reached: no clone");

    /* a bad file (max_hosts raised, and a mistake): the old policy stays */
    fx_policy_rds(f, policy, sizeof(policy), 8);
    snprintf(bad, sizeof(bad), "%s", policy);
    replace(bad, sizeof(bad), "max_step = 2;", "max_step = 0;");
    fx_write_policy(f, "rds.conf", bad);
    fx_notes_reset();
    bad_files = gfd_reload(&f->d);
    assert_int_equal(bad_files, 1);
    fx_assert_has(fx_notes(), "rds.conf has errors; its farm keeps its previous policy", "the log");
    fx_assert_has(fx_notes(), "rds.conf:", "the log");
    fx_assert_has(fx_notes(), "scaling.max_step", "the log");
    assert_int_equal(f->d.nfarms, 1);
    assert_int_equal(fx_farm(f, "rds")->policy->max_hosts, 6);
    /* ... and the farm still ticks with the old numbers */
    tick_changes_nothing(f, "10:05");
    fx_assert_lines(f, "");
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    assert_string_equal(notes, "peak: 56 sessions / (6 hosts x 10) = 93% > 80%: farm.max_hosts 6 "
                               "reached: no clone; peak: 0 standby < 1: farm.max_hosts 6 reached: "
                               "no clone");

    /* the good change takes effect at the next tick */
    fx_write_policy(f, "rds.conf", policy);
    fx_notes_reset();
    assert_int_equal(gfd_reload(&f->d), 0);
    fx_assert_has(fx_notes(), "farm rds updated", "the log");
    assert_int_equal(fx_farm(f, "rds")->policy->max_hosts, 8);
    fx_tick(f, "10:06");
    snprintf(want, sizeof(want),
             "peak: 56 sessions / (6 hosts x 10) = 93%% > 80%%: clone rds-007 on %s\n"
             "peak: 0 standby < 1: clone rds-008 as standby on %s\n",
             f->uri[0], f->uri[0]);
    fx_assert_lines(f, want);

    /* a new file adds a farm (callc: one host on farm.xml) */
    snprintf(callc, sizeof(callc), "%s", policy);
    replace(callc, sizeof(callc), "name = \"rds\"", "name = \"callc\"");
    replace(callc, sizeof(callc), "host_name = \"rds-", "host_name = \"cal-");
    fx_write_policy(f, "callc.conf", callc);
    fx_notes_reset();
    assert_int_equal(gfd_reload(&f->d), 0);
    fx_assert_has(fx_notes(), "farm callc added", "the log");
    assert_int_equal(f->d.nfarms, 2);
    fx_tick_farm(f, "callc", fx_at(f, "06:00"));
    assert_int_equal(fx_farm(f, "callc")->plan.in_service, 1);
    snprintf(want, sizeof(want), "off_peak: 1 host in service < minimum 2: clone cal-001 on %s\n",
             f->uri[0]);
    fx_assert_lines(f, want);
    assert_int_equal(fx_dom_state(f, 0, "cal-001"), VIR_DOMAIN_RUNNING);
    {
        char *status = fx_state_file(f, "callc.status");
        fx_assert_has(status, "\"farm\":\"callc\"", "callc's status file");
        free(status);
    }
    /* a bad new file is not loaded */
    fx_write_policy(f, "broken.conf", "farm: { name = \"broken\"; ");
    fx_notes_reset();
    assert_int_equal(gfd_reload(&f->d), 1);
    fx_assert_has(fx_notes(), "broken.conf has errors; not loaded", "the log");
    assert_int_equal(f->d.nfarms, 2);
    /* a removed file drops its farm */
    {
        char path[300];
        snprintf(path, sizeof(path), "%s/callc.conf", f->policies);
        assert_int_equal(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/broken.conf", f->policies);
        assert_int_equal(unlink(path), 0);
    }
    fx_notes_reset();
    assert_int_equal(gfd_reload(&f->d), 0);
    fx_assert_has(fx_notes(), "farm callc removed", "the log");
    assert_int_equal(f->d.nfarms, 1);
    assert_string_equal(f->d.farms[0]->policy->name, "rds");
    tick_changes_nothing(f, "10:07");
}

/* ---- 7. an admin's drain --------------------------------------------------- */

static void admin_drain(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], *out = NULL, *hooks;
    struct gf_meta m;
    time_t t0;

    *state = f;
    uniform_policy(f, policy, sizeof(policy));
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "00:00 rds-001 3\n00:00 rds-002 4\n");
    fx_start(f, 1);
    t0 = time(NULL);
    assert_int_equal(fx_vmctl(f, &out, "farm", "drain", "rds-002", NULL), 0);
    fx_assert_has(out, "rds-002: draining", "vmctl farm drain");
    free(out);
    /* handed to the farm: its next tick marks it first */
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_ACTIVE);
    /* the first tick drains it and tells the broker and the users, once (an
     * action of its plan); rds-003 replaces it */
    fx_tick_farm(f, "rds", t0 + 60);
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_DRAINING);
    assert_int_equal(m.drained_by, GF_DRAIN_ADMIN);
    assert_int_equal(fx_count(f->lines, "start rds-003\n"), 1);
    assert_int_equal(
        fx_count(f->lines,
                 "drain: rds-002 drained by an admin: the broker and its users are told: notify "
                 "rds-002\n"),
        1);
    assert_int_equal(fx_count(f->lines, "\n"), 2);
    hooks = fx_hooklog(f);
    assert_string_equal(hooks, "broker drain rds-002\nnotify rds-002 4\n");
    free(hooks);
    fx_tick_farm(f, "rds", t0 + 120);
    fx_assert_lines(f, "");
    /* a restart does not tell them again */
    fx_stop(f);
    fx_start(f, 1);
    fx_tick_farm(f, "rds", t0 + 180);
    fx_assert_lines(f, "");
    hooks = fx_hooklog(f);
    assert_string_equal(hooks, "broker drain rds-002\nnotify rds-002 4\n");
    free(hooks);

    /* the load rises: more hosts (once rds-003's start is out of cooldown_out),
     * but never the admin's drained one back */
    fx_write_trace(f, "00:00 rds-001 10\n00:00 rds-002 4\n00:00 rds-003 10\n");
    fx_tick_farm(f, "rds", t0 + 240);
    fx_assert_lacks(f->lines, "undrain", "the plan");
    fx_tick_farm(f, "rds", t0 + 360);
    fx_assert_lacks(f->lines, "undrain", "the plan");
    assert_int_equal(fx_count(f->lines, "> 80%: clone rds-004 on "), 1);
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_DRAINING);
    fx_tick_farm(f, "rds", t0 + 600);
    fx_assert_lacks(f->lines, "undrain", "the plan");
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_DRAINING);

    /* the wait is up: its users are logged off, once */
    fx_write_trace(f, "00:00 rds-001 5\n00:00 rds-002 4\n00:00 rds-003 5\n00:00 rds-004 5\n");
    fx_tick_farm(f, "rds", t0 + 31 * 60);
    assert_int_equal(fx_count(f->lines, "drain: rds-002 draining 31m (wait 30m), 4 sessions left: "
                                        "logoff rds-002\n"),
                     1);
    fx_tick_farm(f, "rds", t0 + 32 * 60);
    fx_assert_lacks(f->lines, "rds-002", "the plan");
    hooks = fx_hooklog(f);
    assert_string_equal(hooks, "broker drain rds-002\nnotify rds-002 4\nlogoff rds-002 4\n");
    free(hooks);
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_DRAINING);
    assert_int_equal(fx_dom_state(f, 0, "rds-002"), VIR_DOMAIN_RUNNING);

    /* empty: retired */
    fx_write_trace(f, "00:00 rds-001 5\n00:00 rds-003 5\n00:00 rds-004 5\n");
    fx_tick_farm(f, "rds", t0 + 33 * 60);
    fx_assert_lines(f, "drain: rds-002 has no active sessions: retire rds-002\n");
    assert_retired(f, 0, "rds-002");
    hooks = fx_hooklog(f);
    assert_int_equal(fx_count(hooks, "notify rds-002"), 1);
    assert_int_equal(fx_count(hooks, "broker drain rds-002"), 1);
    assert_int_equal(fx_count(hooks, "undrain"), 0);
    free(hooks);
}

/* ---- 8. the log ---------------------------------------------------------- */

static void one_line_per_decision_and_nothing_when_nothing_changes(void **state)
{
    struct fx *f = rds_farm(state, 8);
    const char *decisions[] = {"ramp_up: 2 hosts in service < minimum 4: start rds-003",
                               "ramp_up: 2 hosts in service < minimum 4: clone rds-004 on ",
                               "ramp_up: 0 standby < 1: clone rds-005 as standby on "};

    fx_notes_reset();
    fx_tick(f, "06:00");
    fx_tick(f, "06:30");
    assert_int_equal(fx_notes_count(), 0);
    fx_tick(f, "07:00");
    for (size_t i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++)
        assert_int_equal(fx_count(fx_notes(), decisions[i]), 1);
    assert_int_equal(fx_count(fx_notes(), "[done]"), 3);
    /* nothing changes: nothing is logged, tick after tick */
    fx_notes_reset();
    fx_tick(f, "07:01");
    assert_int_equal(fx_notes_count(), 0);
    fx_tick(f, "07:01");
    fx_tick(f, "07:02");
    fx_tick(f, "08:00");
    if (fx_notes_count())
        fail_msg("quiet ticks logged:\n%s", fx_notes());
    /* a note (the cooldown) is logged once for two identical ticks */
    fx_tick(f, "10:00");
    fx_notes_reset();
    fx_tick(f, "10:01");
    assert_int_equal(fx_notes_count(), 1);
    fx_assert_has(fx_notes(),
                  "rds: peak: 56 sessions / (6 hosts x 10) = 93% > 80%: no scale-out before",
                  "the log");
    fx_tick(f, "10:01");
    assert_int_equal(fx_notes_count(), 1);
    /* a drain: one line each, with its hooks' effects in the hook log only */
    fx_tick(f, "16:59");
    fx_notes_reset();
    fx_tick(f, "17:00");
    assert_int_equal(fx_count(fx_notes(), "drain rds-007 [done]"), 1);
    assert_int_equal(fx_count(fx_notes(), "drain rds-006 [done]"), 1);
    assert_int_equal(fx_notes_count(), 2);
    fx_notes_reset();
    fx_tick(f, "17:01");
    fx_tick(f, "17:02");
    if (fx_notes_count())
        fail_msg("quiet ticks during a drain logged:\n%s", fx_notes());
}

/* ---- known bugs ----------------------------------------------------------- */

/* A scale-out made only of clones starts the cooldown like any other:
 * cooldown_out is measured from the last scale-out, which observe.c reads
 * from the "since" of active hosts; a clone must carry the tick's time. */
static void bug_clone_since_is_the_wall_clock(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], want[2048], notes[1024];
    struct gf_meta m;

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), 8);
    replace(policy, sizeof(policy), "threshold = 80; standby = 1; };",
            "threshold = 80; standby = 0; };"); /* no standby at peak */
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, day_trace);
    fx_start(f, 1);
    fx_tick(f, "06:00");
    fx_tick(f, "07:00");
    fx_tick(f, "09:00");
    fx_assert_lines(f, "peak: 1 standby > 0: retire rds-005\n");
    fx_tick(f, "10:00");
    snprintf(want, sizeof(want),
             "peak: 56 sessions / (4 hosts x 10) = 140%% > 80%%: clone rds-005 on %s\n"
             "peak: 56 sessions / (4 hosts x 10) = 140%% > 80%%: clone rds-006 on %s\n",
             f->uri[0], f->uri[0]);
    fx_assert_lines(f, want);
    fx_tick(f, "10:01");
    fx_assert_lines(f, "");
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    assert_string_equal(
        notes, "peak: 56 sessions / (6 hosts x 10) = 93% > 80%: no scale-out before 10:05:00 "
               "(cooldown_out 300s)");
    assert_true(fx_meta(f, 0, "rds-005", &m));
    assert_int_equal(m.since, fx_at(f, "10:00"));
}

/* Starting a shut-off host whose metadata already says "active" is a
 * scale-out too: the cooldown must follow it. */
static void bug_start_of_an_active_host_keeps_since(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], notes[1024];
    struct gf_meta m;

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), 8);
    replace(policy, sizeof(policy), "max_step = 2;", "max_step = 1;");
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "06:00 rds-001 19\n06:00 rds-002 19\n");
    fx_start(f, 1);
    fx_tick(f, "06:30");
    fx_assert_lines(f, "off_peak: 38 sessions / (2 hosts x 10) = 190% > 90%: start rds-003\n");
    fx_tick(f, "06:31");
    fx_assert_lines(f, "");
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    assert_string_equal(
        notes, "off_peak: 38 sessions / (3 hosts x 10) = 127% > 90%: no scale-out before 06:35:00 "
               "(cooldown_out 300s)");
    assert_true(fx_meta(f, 0, "rds-003", &m));
    assert_int_equal(m.since, fx_at(f, "06:30"));
}

/* The last scale-in survives a restart: after the drained hosts are
 * retired, a restart within cooldown_in must not drain another. */
static void bug_restart_forgets_the_last_scale_in(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char trace[2048], notes[1024];

    snprintf(trace, sizeof(trace), "%s19:01 rds-004 0\n19:01 rds-005 0\n", day_trace);
    fx_write_trace(f, trace);
    for (const char *const *t = (const char *const[]){"06:00", "07:00", "10:00", "10:05", "17:00",
                                                      "17:30", "17:40", "19:00", NULL};
         *t; t++)
        fx_tick(f, *t);
    fx_tick(f, "19:01");
    fx_assert_lines(f, "drain: rds-004 has no active sessions: retire rds-004\n"
                       "drain: rds-005 has no active sessions: retire rds-005\n");
    /* without a restart: in the cooldown */
    tick_changes_nothing(f, "19:02");
    fx_assert_lines(f, "");
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    fx_assert_has(notes, "no scale-in before 19:15:00 (cooldown_in 900s)", "the notes");
    /* after a restart: the same */
    fx_stop(f);
    fx_start(f, 1);
    tick_changes_nothing(f, "19:02");
    fx_assert_lines(f, "");
}

/* A policy may name a hypervisor by any URI libvirt accepts (an alias,
 * or one the connection reports differently); the journal must find the
 * hypervisor again at the restart. */
static void bug_journal_recovery_with_a_uri_alias(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], orphans[1024];

    *state = f;
    snprintf(f->uri[0], sizeof(f->uri[0]), "test:///hv-a"); /* the connector's name for it */
    fx_policy_rds(f, policy, sizeof(policy), 8);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, day_trace);
    fx_start(f, 1);
    fx_tick(f, "06:00");
    tick_and_crash(f, "clone-volume", "07:00");
    fx_notes_reset();
    fx_start(f, 1);
    fx_orphans(f, 0, orphans, sizeof(orphans));
    if (strcmp(orphans, "rds-009-vda.qcow2") != 0)
        fail_msg("orphans after the restart: %s\nthe restart's log:\n%s", orphans, fx_notes());
}

/* gfd_reload replaces a farm's policy; a tick whose observation then fails
 * (a trace or load command gone bad) writes the status from the previous
 * plan, which points into the freed policy.  Run in a child process so
 * that AddressSanitizer's report does not end the other tests. */
static void bug_status_after_reload_and_a_failed_observation(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char policy[8192];
    int status = 0;
    pid_t pid;

    fx_tick(f, "06:00");
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fx_policy_rds(f, policy, sizeof(policy), 7);
        fx_write_policy(f, "rds.conf", policy);
        if (gfd_reload(&f->d) != 0)
            _exit(3);
        fx_write_trace(f, "06:00 rds-001 1\nnoon rds-001 3\n");
        if (gfd_tick(&f->d, fx_farm(f, "rds"), fx_at(f, "06:01")) != -1)
            _exit(4);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the tick after a reload, with a failed observation, crashed or failed "
                 "(wait status 0x%x; AddressSanitizer's report above)",
                 status);
}

/* A paused farm says so once, not at every tick. */
static void bug_paused_farm_logs_every_tick(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *out = NULL;

    fx_tick(f, "06:00");
    assert_int_equal(fx_vmctl(f, &out, "farm", "pause", "rds", "--state-dir", f->state, NULL), 0);
    free(out);
    fx_notes_reset();
    fx_tick(f, "07:00");
    fx_tick(f, "07:01");
    fx_tick(f, "07:02");
    if (fx_count(fx_notes(), "paused: planned actions not carried out") != 1)
        fail_msg("three paused ticks with the same plan logged:\n%s", fx_notes());
}

/* The cooldown note names the seconds elapsed: the same decision is
 * logged again at every tick of the cooldown. */
static void bug_cooldown_note_logged_every_tick(void **state)
{
    struct fx *f = rds_farm(state, 8);

    fx_tick(f, "06:00");
    fx_tick(f, "07:00");
    fx_tick(f, "10:00");
    fx_notes_reset();
    fx_tick(f, "10:01");
    fx_tick(f, "10:02");
    fx_tick(f, "10:03");
    if (fx_count(fx_notes(), "no scale-out before") != 1)
        fail_msg("three ticks in the same cooldown logged:\n%s", fx_notes());
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(pause_resume_status_and_metrics, teardown),
        cmocka_unit_test_teardown(reload_good_bad_added_removed, teardown),
        cmocka_unit_test_teardown(admin_drain, teardown),
        cmocka_unit_test_teardown(one_line_per_decision_and_nothing_when_nothing_changes, teardown),
    };
    const struct CMUnitTest known_bugs[] = {
        cmocka_unit_test_teardown(bug_clone_since_is_the_wall_clock, teardown),
        cmocka_unit_test_teardown(bug_start_of_an_active_host_keeps_since, teardown),
        cmocka_unit_test_teardown(bug_restart_forgets_the_last_scale_in, teardown),
        cmocka_unit_test_teardown(bug_journal_recovery_with_a_uri_alias, teardown),
        cmocka_unit_test_teardown(bug_status_after_reload_and_a_failed_observation, teardown),
        cmocka_unit_test_teardown(bug_paused_farm_logs_every_tick, teardown),
        cmocka_unit_test_teardown(bug_cooldown_note_logged_every_tick, teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    failed = cmocka_run_group_tests_name(
        "goldfarmd on the test driver: pause, status, reload, drains, log", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("goldfarmd: fixed bugs", known_bugs, NULL, NULL);
    return failed ? 1 : 0;
}
