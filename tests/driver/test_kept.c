/* test_kept.c - goldfarmd keeps a hypervisor's observation between ticks
 * while its events say nothing changed (observe/kept.h), and never longer:
 * an event, the farm's own acting and GF_KEPT_REUSE ticks each make the
 * next tick list every domain again, and what a kept tick sees is what a
 * listing would.  goldfarmd's core on libvirt's test driver (farm.xml),
 * with libvirt's event loop run by the test between ticks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farmd_fixture.h"
#include "model/meta.h"
#include "observe/kept.h"
#include "reconcile/tick.h"

static void on_timeout(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

/* Run libvirt's event loop briefly: the events waiting are delivered. */
static void pump(void)
{
    int timer = virEventAddTimeout(10, on_timeout, NULL, NULL);

    for (int i = 0; i < 5; i++)
        virEventRunDefaultImpl();
    virEventRemoveTimeout(timer);
}

/* Farm rds on farm.xml with 2 hosts and nothing to do once settled, EXTRA
 * in its scaling group; the daemon listens to events. */
static struct fx *steady(void **state, const char *extra, int max_hosts)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[4096];

    *state = f;
    snprintf(policy, sizeof(policy),
             "farm: { name = \"rds\"; hypervisors = ( { uri = \"%s\"; } );\n"
             "  image = \"rds-gold\"; host_name = \"rds-%%03d\"; vcpus = 2; memory = \"4G\";\n"
             "  max_sessions = 10; min_hosts = 2; max_hosts = %d; tick = \"1m\"; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = 2; };\n"
             "    peak = { start = \"09:00\"; min_hosts = 2; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 2; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = 2; }; }; };\n"
             "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; %s };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], max_hosts, extra, f->trace);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "00:00 rds-001 2\n00:00 rds-002 2\n00:00 rds-003 2\n");
    f->events = 1;
    fx_start(f, 1);
    return f;
}

/* Tick farm rds at minute M (10:00 + M); whether it acted. */
static int tick(struct fx *f, int m)
{
    fx_tick_farm(f, "rds", fx_at(f, "10:00") + 60 * m);
    return f->lines[0] != '\0';
}

/* Tick from minute *M on until a tick does nothing (at most 10): the farm
 * is steady, its events delivered. */
static void settle(struct fx *f, int *m)
{
    for (int i = 0; i < 10; i++) {
        int acted = tick(f, (*m)++);
        pump();
        if (!acted)
            return;
    }
    fail_msg("the farm did not settle: %s", f->lines);
}

/* The last tick's host NAME, or NULL. */
static const struct gf_host_obs *seen(struct fx *f, const char *name)
{
    const struct gf_tick *t = fx_farm(f, "rds")->tick;

    assert_non_null(t);
    for (int i = 0; i < t->farm.nhosts; i++)
        if (strcmp(t->farm.hosts[i].name, name) == 0)
            return &t->farm.hosts[i];
    return NULL;
}

/* Set host NAME's state as another program would (vmctl farm drain). */
static void set_state(struct fx *f, const char *name, enum gf_host_state s)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], name);

    assert_non_null(dom);
    assert_int_equal(gf_meta_set_state(dom, s, "by another program", fx_at(f, "10:00")), 0);
    virDomainFree(dom);
}

/* A steady tick is served from what was kept, the lease renewed at every
 * tick (a metadata event of its own namespace) notwithstanding; and what
 * it saw is, host for host, what the listing forced next shows. */
static void a_kept_tick_sees_what_a_listing_sees(void **state)
{
    struct fx *f = steady(state, "", 3);
    struct gf_host_obs kept[16];
    int m = 0, n;
    long served;

    settle(f, &m);
    served = gf_kept_served();
    assert_false(tick(f, m++));
    pump(); /* the lease's renewal is delivered */
    assert_int_equal(gf_kept_served(), served + 1);
    n = fx_farm(f, "rds")->tick->farm.nhosts;
    assert_true(n >= 2 && n <= 16);
    memcpy(kept, fx_farm(f, "rds")->tick->farm.hosts, (size_t)n * sizeof(kept[0]));
    gf_kept_changed(f->conn[0]); /* as any event does */
    assert_false(tick(f, m++));
    assert_int_equal(gf_kept_served(), served + 1); /* listed */
    assert_int_equal(fx_farm(f, "rds")->tick->farm.nhosts, n);
    for (int i = 0; i < n; i++)
        if (memcmp(&kept[i], &fx_farm(f, "rds")->tick->farm.hosts[i], sizeof(kept[i])) != 0)
            fail_msg("host %s as kept differs from its listing", kept[i].name);
}

/* Another program drains a host: once its metadata event is delivered, the
 * next tick lists and sees it draining. */
static void an_event_makes_the_next_tick_list(void **state)
{
    struct fx *f = steady(state, "", 3);
    int m = 0;
    long served;

    settle(f, &m);
    assert_false(tick(f, m++)); /* kept from here on */
    served = gf_kept_served();
    set_state(f, "rds-002", GF_HS_QUARANTINED);
    pump();
    tick(f, m++);
    assert_int_equal(gf_kept_served(), served);
    assert_non_null(seen(f, "rds-002"));
    assert_int_equal(seen(f, "rds-002")->state, GF_HS_QUARANTINED);
}

/* Without its event (lost, or not yet delivered), a change is still seen
 * within GF_KEPT_REUSE + 1 ticks: a kept observation serves GF_KEPT_REUSE
 * ticks at most. */
static void a_change_without_its_event_is_seen_within_the_bound(void **state)
{
    struct fx *f = steady(state, "", 3);
    int m = 0, ticks = 0;

    settle(f, &m);
    assert_false(tick(f, m++));
    set_state(f, "rds-002", GF_HS_QUARANTINED); /* its event never delivered */
    while (seen(f, "rds-002")->state != GF_HS_QUARANTINED) {
        if (++ticks > GF_KEPT_REUSE + 1)
            fail_msg("rds-002 still not seen quarantined after %d ticks", ticks - 1);
        tick(f, m++);
    }
}

/* The farm's own acting (it starts its standby rds-003 as the load
 * grows): the next tick lists, no event delivered, and sees it running. */
static void acting_makes_the_next_tick_list(void **state)
{
    struct fx *f = steady(state, "", 3);
    int m = 0;

    settle(f, &m);
    assert_false(tick(f, m++));
    assert_non_null(seen(f, "rds-003"));
    assert_int_not_equal(seen(f, "rds-003")->run, GF_RUN_RUNNING);
    fx_write_trace(f, "00:00 rds-001 10\n00:00 rds-002 10\n00:00 rds-003 10\n");
    assert_true(tick(f, m++));
    if (!strstr(f->lines, "start rds-003"))
        fail_msg("expected rds-003 started, got: %s", f->lines);
    tick(f, m++);
    assert_int_equal(seen(f, "rds-003")->run, GF_RUN_RUNNING);
}

/* An admin's drain, written by the tick into the host's metadata (and the
 * drain's first actions): the next tick lists, no event delivered, and sees
 * the host draining.  (Either drop, the write's or the actions', is enough
 * here: the test fails only without both.) */
static void an_admins_drain_makes_the_next_tick_list(void **state)
{
    struct fx *f = steady(state, "", 3);
    char *out = NULL;
    int m = 0;

    settle(f, &m);
    assert_false(tick(f, m++));
    if (fx_vmctl(f, &out, "farm", "drain", "rds-002", NULL) != 0)
        fail_msg("vmctl farm drain: %s", out ? out : "");
    free(out);
    tick(f, m++); /* takes the request, writes the metadata */
    tick(f, m++);
    assert_int_equal(seen(f, "rds-002")->state, GF_HS_DRAINING);
}

/* The policy read again (another image): the next tick lists, and sees the
 * new image's gold, not what was kept under the old policy. */
static void a_policy_read_again_makes_the_next_tick_list(void **state)
{
    struct fx *f = steady(state, "", 3);
    char policy[4096];
    FILE *in;
    size_t n;
    int m = 0;

    settle(f, &m);
    assert_false(tick(f, m++));
    assert_string_equal(fx_farm(f, "rds")->tick->farm.hv[0].lease_domain, "rds-gold");
    snprintf(policy, sizeof(policy), "%s/rds.conf", f->policies);
    assert_non_null(in = fopen(policy, "r"));
    n = fread(policy, 1, sizeof(policy) - 1, in);
    fclose(in);
    policy[n] = '\0';
    {
        char *at = strstr(policy, "image = \"rds-gold\"");
        char edited[4096];
        assert_non_null(at);
        snprintf(edited, sizeof(edited), "%.*simage = \"gold-running\"%s", (int)(at - policy),
                 policy, at + strlen("image = \"rds-gold\""));
        fx_write_policy(f, "rds.conf", edited);
    }
    assert_int_equal(gfd_reload(&f->d), 0);
    tick(f, m++);
    assert_string_equal(fx_farm(f, "rds")->tick->farm.hv[0].lease_domain, "gold-running");
}

/* A policy that reads the hosts' CPU use (vertical rules) needs fresh
 * counters: never served from what was kept. */
static void a_policy_reading_usage_is_never_kept(void **state)
{
    struct fx *f = steady(state, "max_vcpus = 4; vcpu_step = 2;", 3);
    int m = 0;
    long served;

    (void)f;
    settle(f, &m);
    served = gf_kept_served();
    for (int i = 0; i < GF_KEPT_REUSE + 2; i++)
        tick(f, m++);
    assert_int_equal(gf_kept_served(), served);
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a_kept_tick_sees_what_a_listing_sees, teardown),
        cmocka_unit_test_teardown(an_event_makes_the_next_tick_list, teardown),
        cmocka_unit_test_teardown(a_change_without_its_event_is_seen_within_the_bound, teardown),
        cmocka_unit_test_teardown(acting_makes_the_next_tick_list, teardown),
        cmocka_unit_test_teardown(an_admins_drain_makes_the_next_tick_list, teardown),
        cmocka_unit_test_teardown(a_policy_read_again_makes_the_next_tick_list, teardown),
        cmocka_unit_test_teardown(a_policy_reading_usage_is_never_kept, teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    if (virEventRegisterDefaultImpl() < 0)
        return 1;
    failed = cmocka_run_group_tests_name("goldfarmd keeps an observation only while it holds",
                                         tests, NULL, NULL);
    return failed ? 1 : 0;
}
