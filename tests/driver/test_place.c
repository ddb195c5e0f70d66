/* test_place.c - goldfarmd on libvirt's test driver, a farm across several
 * nodes: placement across four nodes with different free memory, cores and
 * pool space (each node's typed reason), and a node evacuated for
 * maintenance (replacements first, then the drain wait for its users; it
 * survives a restart; given back).  argv[1] is the tests/driver
 * directory. */
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
#include "farmd_cases.h"
#include "farmd_fixture.h"
#include "reconcile/admin.h"

/* ---- placement across four nodes ----------------------------------------- */

/* The why of each of the four nodes in placement N of farm FM's last plan
 * is W0..W3. */
static void assert_placement(const struct gfd_farm *fm, int n, const char *host,
                             enum gf_place_why w0, enum gf_place_why w1, enum gf_place_why w2,
                             enum gf_place_why w3)
{
    const enum gf_place_why want[4] = {w0, w1, w2, w3};
    const struct gf_placement *pl = &fm->plan.placements[n];

    assert_true(fm->plan.nplacements > n);
    assert_string_equal(pl->host, host);
    for (int i = 0; i < 4; i++)
        if (pl->node[i].why != want[i])
            fail_msg("placement %d (%s): node %d is %s, not %s", n, host, i,
                     gf_place_why_name(pl->node[i].why), gf_place_why_name(want[i]));
}

static void four_nodes_placement(void **state)
{
    struct fx *f =
        fx_new("farm-four-a.xml", "farm-four-b.xml", "farm-four-c.xml", "farm-four-d.xml", NULL);
    char policy[8192], want[4096], hosts[256], line[512];
    struct gfd_farm *fm;

    *state = f;
    snprintf(policy, sizeof(policy),
             "farm: { name = \"rds\";\n"
             "  hypervisors = ( { uri = \"%s\"; max_hosts = 2; }, { uri = \"%s\"; },\n"
             "                  { uri = \"%s\"; cpu_overcommit = 1; }, { uri = \"%s\"; } );\n"
             "  image = \"rds-gold\"; host_name = \"rds-%%03d\"; vcpus = 4; memory = \"4G\";\n"
             "  max_sessions = 10; min_hosts = 4; max_hosts = 8; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = 4; };\n"
             "    peak = { start = \"09:00\"; min_hosts = 4; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 4; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = 4; }; }; };\n"
             "scaling = { max_step = 4; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], f->uri[1], f->uri[2], f->uri[3], f->trace);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "");
    fx_start(f, 1);
    /* A and B fit (A has more memory, then B has fewer hosts, then A
     * again); C has 2 cores at an overcommit of 1, D's pool has 436 MiB
     * free (farm.clone_disk 1G); A at its max_hosts, B out of memory: the
     * fourth finds no node */
    fx_tick(f, "12:00");
    snprintf(want, sizeof(want),
             "peak: 0 hosts in service < minimum 4: clone rds-001 on %s\n"
             "peak: 0 hosts in service < minimum 4: clone rds-002 on %s\n"
             "peak: 0 hosts in service < minimum 4: clone rds-003 on %s\n",
             f->uri[0], f->uri[1], f->uri[0]);
    fx_assert_lines(f, want);
    fm = fx_farm(f, "rds");
    assert_int_equal(fm->plan.nplacements, 4);
    assert_placement(fm, 0, "rds-001", GF_PLACE_CHOSEN, GF_PLACE_FITS, GF_PLACE_VCPUS,
                     GF_PLACE_DISK);
    assert_placement(fm, 1, "rds-002", GF_PLACE_FITS, GF_PLACE_CHOSEN, GF_PLACE_VCPUS,
                     GF_PLACE_DISK);
    assert_placement(fm, 2, "rds-003", GF_PLACE_CHOSEN, GF_PLACE_MEMORY, GF_PLACE_VCPUS,
                     GF_PLACE_DISK);
    assert_placement(fm, 3, "", GF_PLACE_MAX_HOSTS, GF_PLACE_MEMORY, GF_PLACE_VCPUS, GF_PLACE_DISK);
    assert_int_equal(fm->plan.placements[3].chosen, -1);
    /* the lines vmctl plan prints for them */
    gf_place_line(fm->policy, &fm->plan.placements[0], 2, line, sizeof(line));
    fx_assert_has(line, ": vcpus (0 hosts, 65536M free, 2 vCPUs left", "C's line");
    gf_place_line(fm->policy, &fm->plan.placements[0], 3, line, sizeof(line));
    fx_assert_has(line, ": disk (0 hosts, 65536M free, 64 vCPUs left, 436M disk free)", "D's line");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-003");
    fx_farm_hosts(f, 1, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-002");
    fx_farm_hosts(f, 2, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "");
    fx_farm_hosts(f, 3, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "");
}

/* ---- a node evacuated ------------------------------------------------------ */

/* The state host NAME's metadata on hypervisor HV of F says. */
static enum gf_host_state fx_meta_state(struct fx *f, int hv, const char *name)
{
    struct gf_meta m;

    assert_int_equal(fx_meta(f, hv, name, &m), 1);
    return m.state;
}

/* How many hypervisors farm FARM has evacuated, as the daemon keeps it. */
static int evacuated(struct fx *f, const char *farm)
{
    struct gf_admin a;

    assert_int_equal(gf_admin_load(f->state, farm, &a), 0);
    return a.nevacuated;
}

static void evacuate_and_give_back(void **state)
{
    struct fx *f = fx_new("farm-two-a.xml", "farm-two-b.xml", NULL);
    char policy[8192], want[4096], hosts[256], *out, *status;
    struct gfd_farm *fm;

    *state = f;
    snprintf(
        policy, sizeof(policy),
        "farm: { name = \"rds\";\n"
        "  hypervisors = ( { uri = \"%s\"; max_hosts = 3; }, { uri = \"%s\"; max_hosts = 3; } );\n"
        "  image = \"rds-gold\"; host_name = \"rds-%%03d\"; vcpus = 2; memory = \"4G\";\n"
        "  max_sessions = 10; min_hosts = 2; max_hosts = 6; };\n"
        "schedule: { timezone = \"UTC\";\n"
        "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
        "    ramp_up = { start = \"07:00\"; min_hosts = 2; };\n"
        "    peak = { start = \"09:00\"; min_hosts = 2; };\n"
        "    ramp_down = { start = \"17:00\"; min_hosts = 2; };\n"
        "    off_peak = { start = \"19:00\"; min_hosts = 2; }; }; };\n"
        "scaling = { cooldown_in = \"0s\"; };\n"
        "drain = { wait = \"30m\"; notify = [\"%s\", \"notify\"]; logoff = [\"%s\", "
        "\"logoff\"]; };\n"
        "load = { source = \"trace\"; trace = \"%s\"; };\n",
        f->uri[0], f->uri[1], f->hook, f->hook, f->trace);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "00:00 rds-001 3\n00:00 rds-002 1\n00:00 rds-003 0\n");
    fx_start(f, 1);
    /* rds-001 runs on B; the second host goes on A (fewer hosts) */
    fx_tick(f, "12:00");
    snprintf(want, sizeof(want), "peak: 1 host in service < minimum 2: clone rds-002 on %s\n",
             f->uri[0]);
    fx_assert_lines(f, want);

    /* B evacuated: kept at once in the admin state */
    assert_int_equal(
        fx_vmctl(f, &out, "farm", "evacuate", f->uri[1], "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "evacuated for rds", "vmctl farm evacuate");
    free(out);
    assert_int_equal(evacuated(f, "rds"), 1);
    assert_int_equal(
        fx_vmctl(f, &out, "farm", "evacuate", "test:///nowhere", "--state-dir", f->state, NULL), 2);
    fx_assert_has(gf_err_message(), "no farm of this goldfarmd has hypervisor test:///nowhere",
                  "a bad URI");
    free(out);

    /* its host is out of service, its users counted: a replacement on A
     * first, B's host waits for it */
    fx_tick(f, "12:05");
    snprintf(want, sizeof(want), "peak: 1 host in service < minimum 2: clone rds-003 on %s\n",
             f->uri[0]);
    fx_assert_lines(f, want);
    fm = fx_farm(f, "rds");
    assert_int_equal(fm->plan.evacuating, 1);
    assert_int_equal(fm->plan.placements[0].node[1].why, GF_PLACE_EVACUATING);
    assert_int_equal(fx_meta_state(f, 1, "rds-001"), GF_HS_ACTIVE);

    /* the replacement serves: B's host is drained (an admin's drain: never
     * undrained), its users told */
    fx_tick(f, "12:06");
    snprintf(want, sizeof(want),
             "evacuate %s: 2 in service elsewhere (2 needed): rds-001 has 3 sessions: drain "
             "rds-001\n",
             f->uri[1]);
    fx_assert_lines(f, want);
    assert_int_equal(fx_meta_state(f, 1, "rds-001"), GF_HS_DRAINING);
    status = fx_hooklog(f);
    fx_assert_has(status, "notify rds-001", "the notify hook");
    free(status);
    status = fx_state_file(f, "rds.status");
    fx_assert_has(status, "\"evacuated\":[\"", "the status file");
    free(status);

    /* a restart keeps the evacuation; the drain waits for its users */
    fx_stop(f);
    fx_start(f, 1);
    fx_tick(f, "12:20");
    fx_assert_lines(f, "");
    assert_int_equal(fx_meta_state(f, 1, "rds-001"), GF_HS_DRAINING);
    fx_tick(f, "12:40");
    fx_assert_lines(f, "drain: rds-001 draining 34m (wait 30m), 3 sessions left: logoff rds-001\n");
    fx_write_trace(f, "00:00 rds-001 0\n00:00 rds-002 1\n00:00 rds-003 0\n");
    fx_tick(f, "12:41");
    fx_assert_lines(f, "drain: rds-001 has no active sessions: retire rds-001\n");
    fx_farm_hosts(f, 1, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-002 rds-003");

    /* given back: new hosts may go on B again */
    assert_int_equal(
        fx_vmctl(f, &out, "farm", "unevacuate", f->uri[1], "--state-dir", f->state, NULL), 0);
    fx_assert_has(out, "given back to rds", "vmctl farm unevacuate");
    free(out);
    assert_int_equal(evacuated(f, "rds"), 0);
}

/* ---- a node failing while it is observed ----------------------------------- */

static void node_failing_while_observed(void **state)
{
    struct fx *f = fx_new("farm-two-a.xml", "farm-two-b.xml", NULL);
    char policy[8192], want[4096], hosts[256], fault[600];
    struct gfd_farm *fm;

    *state = f;
    snprintf(policy, sizeof(policy),
             "farm: { name = \"rds\";\n"
             "  hypervisors = ( { uri = \"%s\"; max_hosts = 3; }, { uri = \"%s\"; max_hosts = 3; } "
             ");\n"
             "  image = \"rds-gold\"; host_name = \"rds-%%03d\"; vcpus = 2; memory = \"4G\";\n"
             "  max_sessions = 10; min_hosts = 2; max_hosts = 6; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = 2; };\n"
             "    peak = { start = \"09:00\"; min_hosts = 2; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 2; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = 2; }; }; };\n"
             "scaling = { cooldown_in = \"0s\"; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], f->uri[1], f->trace);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "00:00 rds-001 3\n00:00 rds-002 1\n00:00 rds-003 0\n");
    fx_start(f, 1);
    fx_tick(f, "12:00"); /* rds-001 on B, rds-002 cloned on A */
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-002");

    /* B answers the connection but fails while observed: blind there, its
     * host neither counted nor touched; the minimum kept on A */
    snprintf(fault, sizeof(fault), "observe-hv:%s", f->uri[1]);
    setenv("GOLDFARM_FAULT", fault, 1);
    fx_tick(f, "12:05");
    unsetenv("GOLDFARM_FAULT");
    snprintf(want, sizeof(want), "peak: 1 host in service < minimum 2: clone rds-003 on %s\n",
             f->uri[0]);
    fx_assert_lines(f, want);
    fm = fx_farm(f, "rds");
    assert_int_equal(fm->plan.blind, 1);
    assert_int_equal(fm->up[1], 0);
    fx_farm_hosts(f, 1, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001");

    /* B observed again: its host counted, the surplus drained (the fewest
     * sessions), never B's host with users */
    fx_tick(f, "12:10");
    assert_int_equal(fm->plan.in_service, 3);
    fx_assert_lines(f, "peak: 4 sessions / (3 hosts x 10) = 13% < 70% (80% - 10): rds-003 has 0 "
                       "sessions, the fewest (breadth): drain rds-003\n");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(four_nodes_placement, teardown),
        cmocka_unit_test_teardown(evacuate_and_give_back, teardown),
        cmocka_unit_test_teardown(node_failing_while_observed, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests_name("goldfarmd on the test driver: placement, evacuation", tests,
                                       NULL, NULL)
               ? 1
               : 0;
}
