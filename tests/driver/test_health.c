/* test_health.c - health checks, replacement and quarantine (issue 7) on
 * libvirt's test driver, with goldfarmd's core driven tick by tick in one
 * process (see farmd_fixture.h).  argv[1] is the directory of the prepared
 * farms (tests/driver: farm-health.xml).
 *
 * farm-health.xml: gold image hf-gold; farm "hf" with hf-001 to hf-004, all
 * running and "active".  The policy (hf_policy): every phase the same,
 * min_hosts 4, threshold 80%, 10 sessions a host, max_hosts 8, a standby
 * count per test, drain wait 30m with the fixture's hooks, load from a trace
 * (one session on each host), and a health group per test.  The health
 * command is DIR/health.sh: it exits 1 while DIR/bad-HOST exists.
 *
 * A crash on the test driver is virDomainDestroy: 'shut off (destroyed)',
 * which Goldfarm counts as "shut off unasked".
 *
 * The first test runs the daemon's own lifecycle-event path: the fixture's
 * injected connections carry no events (farmd.c registers its callback only
 * on connections it opened itself), so that test builds the farm on
 * test:///default, which every connection of the process shares, and lets
 * the daemon open its own connection with d.events = 1.
 *
 * The group "bugs found" holds one test per bug these tests found; they
 * fail until the bug is fixed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "base/error.h"
#include "farm_state.h"
#include "farmd_fixture.h"
#include "base/log.h"

#include "health_cases.h"

/* ======================================================== 1. the event path */

static int woken;

static void test_wake(struct gfd *d)
{
    (void)d;
    woken++;
}

static void on_timeout(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

/* Run libvirt's event loop until the daemon was woken, at most ~5 s. */
static void pump_until_woken(void)
{
    int timer = virEventAddTimeout(50, on_timeout, NULL, NULL);

    assert_true(timer >= 0);
    for (int i = 0; i < 100 && !woken; i++)
        assert_int_equal(virEventRunDefaultImpl(), 0);
    virEventRemoveTimeout(timer);
}

/* Run the event loop briefly to drain pending events. */
static void pump_a_little(void)
{
    int timer = virEventAddTimeout(20, on_timeout, NULL, NULL);

    for (int i = 0; i < 5; i++)
        virEventRunDefaultImpl();
    virEventRemoveTimeout(timer);
}

#define NS "xmlns:goldfarm=\"https://goldfarm.dev/xmlns/domain/1\""

/* farm-health.xml's farm built on test:///default through the API, with a
 * standby hf-005 (shut off).  test:///default cannot hold a clone made by
 * the planner: its virNodeGetFreeMemory says 3145728 bytes (the node's KiB,
 * as bytes), 3 MiB, less than the smallest host (64M), so every clone is
 * "no room"; a standby needs no room. */
static void build_default_farm(virConnectPtr conn)
{
    virStoragePoolPtr pool;
    virStorageVolPtr vol;
    virDomainPtr builtin;
    char xml[4096];

    /* the driver's own domain "test" takes all of the small node's memory */
    if ((builtin = virDomainLookupByName(conn, "test"))) {
        if (virDomainIsActive(builtin) == 1)
            assert_int_equal(virDomainDestroy(builtin), 0);
        virDomainFree(builtin);
    }
    pool = virStoragePoolDefineXML(conn,
                                   "<pool type='dir'><name>goldfarm</name><target>"
                                   "<path>/var/lib/goldfarm/images</path></target></pool>",
                                   0);
    assert_non_null(pool);
    assert_int_equal(virStoragePoolCreate(pool, 0), 0);
    vol = virStorageVolCreateXML(pool,
                                 "<volume><name>hf-gold.qcow2</name><capacity unit='G'>1"
                                 "</capacity><target><format type='qcow2'/></target></volume>",
                                 0);
    assert_non_null(vol);
    virStorageVolFree(vol);
    for (int i = 1; i <= 5; i++) {
        snprintf(xml, sizeof(xml),
                 "<volume><name>hf-00%d-vda.qcow2</name><capacity unit='G'>1</capacity>"
                 "<target><format type='qcow2'/></target><backingStore>"
                 "<path>/var/lib/goldfarm/images/hf-gold.qcow2</path><format type='qcow2'/>"
                 "</backingStore></volume>",
                 i);
        assert_non_null(vol = virStorageVolCreateXML(pool, xml, 0));
        virStorageVolFree(vol);
    }
    virStoragePoolFree(pool);
    for (int i = 0; i <= 5; i++) {
        char name[16], meta[512], disk[64];
        virDomainPtr dom;
        if (i == 0) {
            snprintf(name, sizeof(name), "hf-gold");
            snprintf(disk, sizeof(disk), "hf-gold");
            snprintf(meta, sizeof(meta),
                     "<goldfarm:managed " NS " role=\"gold\" image=\"hf-gold\" "
                     "image-version=\"1\" created=\"2026-11-01T09:00:00Z\" "
                     "since=\"2026-11-01T09:00:00Z\" reason=\"marked\"/>");
        } else {
            snprintf(name, sizeof(name), "hf-00%d", i);
            snprintf(disk, sizeof(disk), "hf-00%d-vda", i);
            snprintf(meta, sizeof(meta),
                     "<goldfarm:managed " NS " role=\"host\" farm=\"hf\" image=\"hf-gold\" "
                     "image-version=\"1\" state=\"%s\" since=\"2026-11-20T06:00:00Z\" "
                     "reason=\"linked clone\" created=\"2026-11-20T06:00:00Z\"/>",
                     i == 5 ? "standby" : "active");
        }
        snprintf(xml, sizeof(xml),
                 "<domain type='test'><name>%s</name><metadata>%s</metadata>"
                 "<memory unit='MiB'>512</memory><currentMemory unit='MiB'>256</currentMemory>"
                 "<vcpu placement='static' current='2'>4</vcpu><os><type arch='x86_64'>hvm"
                 "</type></os><devices><disk type='file' device='disk'><driver name='qemu' "
                 "type='qcow2'/><source file='/var/lib/goldfarm/images/%s.qcow2'/><target "
                 "dev='vda' bus='virtio'/></disk></devices></domain>",
                 name, meta, disk);
        assert_non_null(dom = virDomainDefineXML(conn, xml));
        if (i > 0 && i < 5)
            assert_int_equal(virDomainCreate(dom), 0);
        virDomainFree(dom);
    }
}

/* Destroy a member: libvirt's lifecycle event wakes the daemon, and the
 * tick that handles it starts the replacement (the standby; see
 * build_default_farm), linked both ways; the next tick quarantines the
 * crashed host.  (A clone in that place: quarantine_and_scaler.) */
static void crash_replaced_in_the_event_tick(void **state)
{
    struct fx *f = fx_new("farm-health.xml", NULL);
    struct gfd_farm *fm;
    struct gf_meta m;
    virConnectPtr conn;
    time_t t0;
    int reason;

    *state = f;
    /* the farm on test:///default: the daemon's own connection sees it */
    virConnectClose(f->conn[0]);
    f->conn[0] = conn = virConnectOpen("test:///default");
    assert_non_null(conn);
    snprintf(f->uri[0], sizeof(f->uri[0]), "test:///default");
    build_default_farm(conn);
    fx_write_trace(f, one_each);
    policy_memory = "256M";
    hf_policy(f, "test:///default", 1, "grace = \"60s\";");
    policy_memory = "4G";

    memset(&f->d, 0, sizeof(f->d));
    f->d.parallel = 1;
    f->d.stop_timeout = 2;
    f->d.events = 1; /* as goldfarmd does unless --once */
    f->d.wake = test_wake;
    if (gfd_start(&f->d, f->policies, f->state) < 0)
        fail_msg("gfd_start: %s", gf_err_message());
    f->started = 1;
    fm = fx_farm(f, "hf");

    t0 = at(f, "10:00", 0);
    assert_int_equal(gfd_tick_due(&f->d, t0, 1) > 0, 1);
    assert_int_equal(fm->plan.nactions, 0);
    assert_true(fm->events[0] >= 0); /* the daemon registered its lifecycle callback */
    assert_int_equal(fm->next_tick, t0 + 30);

    pump_a_little();
    woken = 0;
    destroy(conn, "hf-002");
    assert_int_equal(dom_state(conn, "hf-002", &reason), VIR_DOMAIN_SHUTOFF);
    assert_int_equal(reason, VIR_DOMAIN_SHUTOFF_DESTROYED);
    pump_until_woken();
    if (!woken)
        fail_msg("no lifecycle event woke the daemon within 5 s of the destroy");
    assert_int_equal(fm->next_tick, 0); /* a tick at once, not at t0 + 30 */

    /* The tick that handles the event: 1 s later, long before the next tick was due. */
    fx_notes_reset();
    gfd_tick_due(&f->d, t0 + 1, 0);
    assert_int_equal(fm->failures, 0);
    {
        char line[512];
        int starts = 0;
        for (int i = 0; i < fm->plan.nactions; i++) {
            if (fm->plan.actions[i].kind != GF_ACT_START)
                continue;
            starts++;
            gf_action_line(fm->policy, &fm->plan.actions[i], line, sizeof(line));
            assert_string_equal(line, "health: hf-002 shut off unasked (0s): start hf-005 "
                                      "(standby)");
            assert_string_equal(fm->plan.actions[i].replaces, "hf-002");
        }
        if (starts != 1) {
            char notes[2048];
            fx_plan_notes(f, "hf", notes, sizeof(notes));
            fail_msg("the event's tick planned %d starts (%d actions); notes: %s; log:\n%s", starts,
                     fm->plan.nactions, notes, fx_notes());
        }
    }
    assert_replacement(conn, "hf-002", "hf-005");
    meta_of(conn, "hf-002", &m);
    assert_int_equal(m.state, GF_HS_ACTIVE); /* set aside only once hf-005 serves */

    /* The replacement's own start is an event too: the next tick quarantines. */
    pump_a_little();
    gfd_tick_due(&f->d, t0 + 2, 0);
    assert_int_equal(fm->failures, 0);
    {
        int quarantines = 0;
        for (int i = 0; i < fm->plan.nactions; i++)
            if (fm->plan.actions[i].kind == GF_ACT_QUARANTINE) {
                quarantines++;
                assert_string_equal(fm->plan.actions[i].host, "hf-002");
            }
        assert_int_equal(quarantines, 1);
    }
    assert_quarantined(conn, "hf-002", "shut off unasked");
    fx_assert_has(fx_notes(), "quarantine hf-002 [done]", "the log");

    /* status (written from the tick's observation, before its actions: one
     * more tick): the host's state, nothing failing any more */
    gfd_tick_due(&f->d, t0 + 3, 1);
    {
        char *status = fx_state_file(f, "hf.status");
        fx_assert_has(status, "\"failing\":0", "hf.status");
        fx_assert_has(status,
                      "\"name\":\"hf-002\",\"hypervisor\":\"test:///default\","
                      "\"state\":\"quarantined\"",
                      "hf.status");
        fx_assert_has(status, "\"breaker\":null", "hf.status");
        free(status);
    }
    fx_stop(f);
    /* nothing left of this farm on test:///default after the last connection closes */
}

/* ======================================================== 2. quarantine and the scaler */

/* A quarantined host is never counted, started or deleted by the scaler,
 * through high and low load, until quarantine_days pass: then retired. */
static void quarantine_and_scaler(void **state)
{
    struct fx *f = hf_farm(state);
    struct gf_meta m;
    char hosts[512], *hooks;
    int reason;

    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"60s\"; quarantine_days = 2;"));
    fx_start(f, 1);
    tick(f, at(f, "08:00", 0));
    fx_assert_lines(f, "");
    destroy(f->conn[0], "hf-003");
    tick(f, at(f, "08:00", 10));
    expect_clone_line(f, "hf-005", "hf-003", "shut off unasked (0s)");
    assert_replacement(f->conn[0], "hf-003", "hf-005");
    tick(f, at(f, "08:00", 20));
    fx_assert_lines(f, "health: hf-003 shut off unasked (10s); hf-005 is ready: quarantine "
                       "hf-003\n");
    assert_quarantined(f->conn[0], "hf-003", "shut off unasked");
    assert_int_equal(dom_state(f->conn[0], "hf-003", &reason), VIR_DOMAIN_SHUTOFF);
    hooks = fx_hooklog(f);
    fx_assert_has(hooks, "join hf-005", "the hook log (join hook for the replacement)");
    free(hooks);
    meta_of(f->conn[0], "hf-003", &m);
    assert_int_equal(m.since, at(f, "08:00", 20));
    assert_string_equal(m.replaced_by, "hf-005");

    /* High load: 4 running hosts x 10 = 40, 40 sessions > 80%: scale out,
     * by clones, never by starting the quarantined host. */
    fx_write_trace(f, "00:00 hf-001 10\n00:00 hf-002 10\n00:00 hf-004 10\n00:00 hf-005 10\n");
    tick(f, at(f, "09:00", 0));
    assert_int_equal(fx_farm(f, "hf")->plan.in_service, 4); /* hf-003 not counted */
    assert_true(has_line(f, "4 hosts x 10) = 100% > 80%: clone hf-006"));
    assert_false(has_line(f, "hf-003"));
    /* Low load after the cooldowns: drains, never of the quarantined host. */
    fx_write_trace(f, "00:00 hf-001 0\n00:00 hf-002 0\n00:00 hf-004 0\n00:00 hf-005 0\n"
                      "00:00 hf-006 0\n00:00 hf-007 0\n");
    for (int min = 30; min <= 240; min += 30) {
        char hhmm[8];
        snprintf(hhmm, sizeof(hhmm), "%02d:%02d", 9 + min / 60, min % 60);
        tick(f, at(f, hhmm, 0));
        assert_false(has_line(f, "hf-003"));
        assert_int_equal(dom_state(f->conn[0], "hf-003", NULL), VIR_DOMAIN_SHUTOFF);
    }
    fx_farm_hosts(f, 0, "hf", hosts, sizeof(hosts));
    fx_assert_has(hosts, "hf-003", "the farm's domains");
    meta_of(f->conn[0], "hf-003", &m);
    assert_int_equal(m.state, GF_HS_QUARANTINED);
    assert_int_equal(m.since, at(f, "08:00", 20));

    /* Within quarantine_days: kept.  After: retired (domain and overlay, never the gold). */
    tick(f, at(f, "08:00", 2 * 86400 - 60));
    assert_false(has_line(f, "hf-003"));
    tick(f, at(f, "08:00", 2 * 86400 + 20));
    fx_assert_has(f->lines, "health: hf-003 quarantined 2d (quarantine_days 2): retire hf-003",
                  "the plan");
    assert_int_equal(dom_state(f->conn[0], "hf-003", NULL), -1);
    assert_false(fx_volume(f, 0, "hf-003-vda.qcow2", NULL, 0));
    assert_true(fx_volume(f, 0, GOLD_VOL, NULL, 0));
    assert_int_equal(dom_state(f->conn[0], "hf-gold", NULL), VIR_DOMAIN_SHUTOFF);
}

/* ======================================================== 3. grace */

static void failure_within_grace_changes_nothing(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    char what[64];

    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"60s\";"));
    fx_start(f, 1);
    tick(f, t);
    fx_assert_lines(f, "");
    /* a blip: one failed check, then two more separated by healthy ones */
    for (int i = 0; i < 6; i++) {
        set_bad(f, "hf-003", i % 2 == 0);
        held[0] = farm_state(f->conn[0]);
        tick(f, t + 10 + 20 * i);
        held[1] = farm_state(f->conn[0]);
        snprintf(what, sizeof(what), "tick %d of the blips", i);
        assert_same_state(held[0], held[1], what);
        free(held[0]);
        free(held[1]);
        held[0] = held[1] = NULL;
        fx_assert_lines(f, "");
        assert_int_equal(fx_farm(f, "hf")->plan.failing, 0);
    }
    /* failing for 50 s (< 60 s): still nothing; the status shows why */
    set_bad(f, "hf-003", 1);
    t += 200;
    tick(f, t);
    fx_assert_lines(f, "");
    tick(f, t + 50);
    fx_assert_lines(f, "");
    {
        char *status = fx_state_file(f, "hf.status");
        fx_assert_has(status, "\"health\":\"health command ", "hf.status");
        fx_assert_has(status, "exit 1\"", "hf.status");
        free(status);
    }
    /* 60 s: replaced */
    tick(f, t + 60);
    expect_clone_line(f, "hf-005", "hf-003", "health command");
}

/* ======================================================== 4. breaker */

static void breaker_opens_after_failed_clones_and_resume_closes_it(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    char *out = NULL, *status, path[256];
    struct stat st;

    hf_policy(f, f->uri[0], 0, "grace = \"0s\"; max_failures = 3; window = \"10m\";");
    fx_start(f, 1);
    tick(f, t);
    held[0] = farm_state(f->conn[0]);
    destroy(f->conn[0], "hf-002");
    setenv("GOLDFARM_FAULT", "clone-define", 1);
    snprintf(path, sizeof(path), "%s/hf.breaker", f->state);
    /* failed clones back off: 3 minutes after the first failure, 6 after the
     * second; within a backoff, no clone is tried */
    static const int attempts[3] = {60, 60 + 180, 60 + 180 + 360};
    for (int i = 1; i <= 3; i++) {
        fx_notes_reset();
        assert_int_equal(tick_may_fail(f, t + attempts[i - 1]), 1);
        fx_assert_has(f->lines, "clone hf-005", "the plan");
        fx_assert_has(fx_notes(), "injected fault at clone-define", "the log");
        assert_int_equal(dom_state(f->conn[0], "hf-005", NULL), -1);
        assert_int_equal(stat(path, &st), -1); /* the plan of the next tick decides */
        if (i < 3) {
            char notes[2048];
            assert_int_equal(tick_may_fail(f, t + attempts[i] - 30), 0);
            fx_assert_lacks(f->lines, "clone hf-005", "the plan within the backoff");
            fx_plan_notes(f, "hf", notes, sizeof(notes));
            fx_assert_has(notes, i == 1 ? "clones back off until" : "after 2 failures",
                          "the notes");
        }
    }
    /* the next tick's plan opens the breaker, and replaces nothing */
    unsetenv("GOLDFARM_FAULT");
    fx_notes_reset();
    tick_may_fail(f, t + attempts[2] + 60 * 4);
    fx_assert_has(fx_notes(),
                  "error: health: 3 replacements failed within 600s: replacements stop (vmctl farm "
                  "resume hf closes the breaker): open the breaker [done]",
                  "the log");
    assert_int_equal(stat(path, &st), 0);
    assert_false(has_line(f, "health: hf-002")); /* no replacement */
    {
        char orphans[512];
        fx_orphans(f, 0, orphans, sizeof(orphans));
        assert_string_equal(orphans, ""); /* every failed clone undone */
    }
    /* open: the next tick replaces nothing, even with the fault gone */
    unsetenv("GOLDFARM_FAULT");
    tick_may_fail(f, t + attempts[2] + 60 * 30);
    {
        char notes[2048];
        fx_plan_notes(f, "hf", notes, sizeof(notes));
        fx_assert_has(notes, "health: 1 host failing, but the breaker is open", "the notes");
    }
    assert_false(has_line(f, "health: hf-002")); /* no replacement */
    assert_int_equal(dom_state(f->conn[0], "hf-005", NULL), -1);
    status = fx_state_file(f, "hf.status");
    fx_assert_has(status, "\"breaker\":\"3 replacements failed within 600s\"", "hf.status");
    free(status);
    /* vmctl farm status --json shows it */
    assert_int_equal(
        fx_vmctl(f, &out, "farm", "status", "hf", "--json", "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "\"breaker\":\"3 replacements failed within 600s\"", "farm status --json");
    free(out);
    /* vmctl farm resume closes it; the next tick replaces */
    assert_int_equal(fx_vmctl(f, &out, "farm", "resume", "hf", "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "replacement breaker closed (3 replacements failed within 600s)",
                  "farm resume");
    free(out);
    assert_int_equal(stat(path, &st), -1);
    /* (while the breaker was open, the scaler started hf-002 again to keep
     * the minimum: see bug_breaker_bypassed_by_the_minimum; crash it again) */
    if (dom_state(f->conn[0], "hf-002", NULL) == VIR_DOMAIN_RUNNING)
        destroy(f->conn[0], "hf-002");
    tick(f, t + attempts[2] + 60 * 31); /* the clones' backoff over too */
    assert_true(has_line(f, "clone hf-005"));
    assert_replacement(f->conn[0], "hf-002", "hf-005");
    free(held[0]);
    held[0] = NULL;
}

/* ======================================================== 5. mass failure */

static void half_the_farm_down_replaces_nothing(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    char notes[2048];

    hf_policy(f, f->uri[0], 0, "grace = \"0s\"; mass_failure_min = 1;");
    fx_start(f, 1);
    tick(f, t);
    destroy(f->conn[0], "hf-001");
    destroy(f->conn[0], "hf-002");
    fx_notes_reset();
    tick(f, t + 10);
    fx_plan_notes(f, "hf", notes, sizeof(notes));
    fx_assert_has(notes,
                  "health: 2 of 4 hosts failing (more than 45%): replacing nothing; the cause "
                  "is likely below them (storage, network, hypervisor)",
                  "the notes");
    fx_assert_has(fx_notes(), "health: 2 of 4 hosts failing", "the log");
    assert_false(has_line(f, "clone"));
    assert_false(has_line(f, "quarantine"));
    assert_int_equal(dom_state(f->conn[0], "hf-005", NULL), -1);
    {
        char *status = fx_state_file(f, "hf.status");
        fx_assert_has(status, "\"failing\":2", "hf.status");
        fx_assert_has(status, "health: 2 of 4 hosts failing", "hf.status (last decisions)");
        free(status);
    }
}

/* The share falls back (one of the two comes back): the other is replaced. */
static void mass_failure_guard_lifts_when_the_share_falls(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);

    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"0s\"; mass_failure_min = 1;"));
    fx_start(f, 1);
    tick(f, t);
    set_bad(f, "hf-001", 1);
    set_bad(f, "hf-002", 1);
    tick(f, t + 10);
    /* no replacement (the scaler's clones to keep the minimum: see the bugs group) */
    assert_false(has_line(f, "health: "));
    set_bad(f, "hf-001", 0);
    tick(f, t + 20);
    fx_assert_has(f->lines, "health: hf-002 health command ", "the plan");
    fx_assert_has(f->lines, "exit 1 (10s): clone ", "the plan");
    assert_int_equal(fx_count(f->lines, "health: "), 1);
}

/* ======================================================== 6. standby first */

static void standby_started_before_cloning(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    struct gf_meta m;

    hf_policy(f, f->uri[0], 1, "grace = \"0s\";");
    fx_start(f, 1);
    tick(f, t);
    fx_assert_has(f->lines, "clone hf-005 as standby", "the first tick");
    meta_of(f->conn[0], "hf-005", &m);
    assert_int_equal(m.state, GF_HS_STANDBY);
    destroy(f->conn[0], "hf-002");
    tick(f, t + 10);
    fx_assert_has(f->lines, "health: hf-002 shut off unasked (0s): start hf-005 (standby)\n",
                  "the plan");
    assert_false(has_line(f, "clone hf-006 on")); /* no clone as a replacement */
    assert_replacement(f->conn[0], "hf-002", "hf-005");
    tick(f, t + 20);
    fx_assert_has(f->lines, "hf-005 is ready: quarantine hf-002", "the plan");
    assert_quarantined(f->conn[0], "hf-002", "shut off unasked");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(crash_replaced_in_the_event_tick, hf_teardown),
        cmocka_unit_test_teardown(quarantine_and_scaler, hf_teardown),
        cmocka_unit_test_teardown(failure_within_grace_changes_nothing, hf_teardown),
        cmocka_unit_test_teardown(breaker_opens_after_failed_clones_and_resume_closes_it,
                                  hf_teardown),
        cmocka_unit_test_teardown(half_the_farm_down_replaces_nothing, hf_teardown),
        cmocka_unit_test_teardown(mass_failure_guard_lifts_when_the_share_falls, hf_teardown),
        cmocka_unit_test_teardown(standby_started_before_cloning, hf_teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm-health.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    /* before any connection: the lifecycle events of the first test need it */
    if (virEventRegisterDefaultImpl() < 0) {
        fprintf(stderr, "cannot register libvirt's default event loop\n");
        return 1;
    }
    gf_err_init();
    failed = cmocka_run_group_tests_name(
        "health checks and replacement: events, quarantine, grace, breaker, guard, standby", tests,
        NULL, NULL);
    return failed ? 1 : 0;
}
