/* test_safety.c - promises goldfarmd keeps under hostile conditions, on
 * libvirt's test driver with farm.xml (see test_farmd.c): disconnected
 * users get the whole drain wait and the logoff hook; a domain vanishing
 * in the middle of an observation, or one malformed Goldfarm element, is
 * skipped and reported without blinding the farm; a name some other
 * domain holds is skipped; failed clones back off. */
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
#include "model/meta.h"
#include "observe/observe.h"

/* The lines of F's last plan (actions) that name HOST, into BUF. */
static void lines_of(struct fx *f, const char *host, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (const char *l = f->lines; *l;) {
        size_t n = strcspn(l, "\n");
        if (memmem(l, n, host, strlen(host)))
            used += (size_t)snprintf(buf + used, len - used, "%.*s\n", (int)n, l);
        l += n + (l[n] == '\n');
    }
}

/* Drain HOST as vmctl farm drain does, at HHMM of the test's clock. */
static void admin_drain(struct fx *f, const char *host, const char *hhmm)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], host);
    struct gf_meta m;

    assert_non_null(dom);
    assert_int_equal(gf_meta_get(dom, &m), 1);
    m.state = GF_HS_DRAINING;
    m.drained_by = GF_DRAIN_ADMIN;
    m.since = fx_at(f, hhmm);
    assert_int_equal(gf_meta_set(dom, &m), 0);
    virDomainFree(dom);
}

/* RDS users leave work open disconnected every day: a host whose users are
 * all disconnected is drained with the whole wait, its users logged off by
 * the logoff hook after it, and retired only then. */
static void disconnected_users_get_the_whole_wait(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *hooks, mine[1024];

    fx_write_trace(f, "06:00 rds-001 1\n06:00 rds-002 4 0\n"); /* 4 users, none active */
    admin_drain(f, "rds-002", "06:00");
    fx_tick(f, "06:00"); /* the broker and the users are told; nothing more */
    lines_of(f, "rds-002", mine, sizeof(mine));
    assert_string_equal(mine, "drain: rds-002 drained by an admin: the broker and its users are "
                              "told: notify rds-002\n");
    fx_tick(f, "06:29");
    lines_of(f, "rds-002", mine, sizeof(mine));
    assert_string_equal(mine, ""); /* within the wait: nothing */
    assert_int_equal(fx_dom_state(f, 0, "rds-002"), VIR_DOMAIN_RUNNING);
    hooks = fx_hooklog(f);
    assert_int_equal(fx_count(hooks, "logoff"), 0);
    free(hooks);
    fx_tick(f, "06:30"); /* the wait is up: the logoff hook, not a retirement */
    lines_of(f, "rds-002", mine, sizeof(mine));
    assert_string_equal(mine, "drain: rds-002 draining 30m (wait 30m), 4 sessions left: logoff "
                              "rds-002\n");
    hooks = fx_hooklog(f);
    assert_int_equal(fx_count(hooks, "logoff rds-002 4"), 1);
    free(hooks);
    assert_int_equal(fx_dom_state(f, 0, "rds-002"), VIR_DOMAIN_RUNNING);
    fx_tick(f, "06:31"); /* only disconnected sessions left after the logoff: retired */
    lines_of(f, "rds-002", mine, sizeof(mine));
    assert_string_equal(mine, "drain: rds-002 has no active sessions after its drain wait and "
                              "logoff: retire rds-002\n");
    assert_retired(f, 0, "rds-002");
}

/* With empty_when = "no_sessions", a disconnected session keeps the host
 * past the logoff too, until it is gone. */
static void no_sessions_waits_for_the_last_user(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char policy[8192], mine[1024];

    fx_policy_rds(f, policy, sizeof(policy), 8);
    replace(policy, sizeof(policy), "drain = { wait = \"30m\";",
            "drain = { wait = \"30m\"; empty_when = \"no_sessions\";");
    fx_write_policy(f, "rds.conf", policy);
    fx_stop(f);
    fx_start(f, 1);
    fx_write_trace(f, "06:00 rds-001 1\n06:00 rds-002 2 0\n");
    admin_drain(f, "rds-002", "06:00");
    fx_tick(f, "06:00");
    fx_tick(f, "06:30");
    lines_of(f, "rds-002", mine, sizeof(mine));
    fx_assert_has(mine, "logoff rds-002", "the 06:30 plan");
    fx_tick(f, "06:40");
    lines_of(f, "rds-002", mine, sizeof(mine));
    assert_string_equal(mine, ""); /* users still there: never retired */
    fx_write_trace(f, "06:00 rds-001 1\n06:00 rds-002 2 0\n06:45 rds-002 0\n");
    fx_tick(f, "06:45");
    lines_of(f, "rds-002", mine, sizeof(mine));
    assert_string_equal(mine, "drain: rds-002 has no sessions: retire rds-002\n");
}

/* ---- one bad domain never blinds the farm -------------------------------- */

static const char *vanish_name;

/* The observation's seam: undefine VANISH_NAME for real, between the
 * listing and the reading of its metadata. */
static void vanish(virDomainPtr dom)
{
    if (vanish_name && strcmp(virDomainGetName(dom), vanish_name) == 0) {
        virDomainPtr again = virDomainLookupByName(virDomainGetConnect(dom), vanish_name);
        assert_non_null(again);
        if (virDomainIsActive(again) == 1)
            assert_int_equal(virDomainDestroy(again), 0);
        assert_int_equal(virDomainUndefineFlags(again, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA), 0);
        virDomainFree(again);
    }
}

/* The fixture's teardown, with the seam taken out whatever happened. */
static int seam_teardown(void **state)
{
    gf_observe_set_seam(NULL);
    vanish_name = NULL;
    return teardown(state);
}

static void domain_vanishing_mid_observation(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *status;

    vanish_name = "rds-003";
    gf_observe_set_seam(vanish);
    fx_tick(f, "07:00"); /* the farm is observed and acted on all the same */
    gf_observe_set_seam(NULL);
    fx_assert_has(fx_notes(),
                  "error: rds: 1 domain skipped by the observation: 'rds-003' (vanished while it "
                  "was observed)",
                  "the log");
    fx_assert_has(f->lines, "clone rds-004", "the plan");
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
    status = fx_state_file(f, "rds.status");
    fx_assert_has(status, "\"skipped_domains\":1", "rds.status");
    fx_assert_has(status, "\"name\":\"rds-003\"", "rds.status");
    free(status);
    fx_tick(f, "07:01"); /* gone for good: no longer reported */
    status = fx_state_file(f, "rds.status");
    fx_assert_has(status, "\"skipped_domains\":0", "rds.status");
    free(status);
}

/* A malformed Goldfarm element on a host of another farm: skipped and
 * reported; this farm scales out as it should. */
static void malformed_element_of_another_farm(void **state)
{
    struct fx *f = rds_farm(state, 8);
    virDomainPtr dom = virDomainLookupByName(f->conn[0], "callc-001");

    assert_non_null(dom);
    assert_int_equal(virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                                          "<managed role=\"host\" farm=\"callc\" "
                                          "image-version=\"abc\"/>",
                                          GF_META_PREFIX, GF_META_NS, VIR_DOMAIN_AFFECT_CONFIG),
                     0);
    virDomainFree(dom);
    fx_tick(f, "07:00");
    fx_assert_has(fx_notes(),
                  "skipped by the observation: 'callc-001' (goldfarm metadata: "
                  "image-version 'abc' is not a number",
                  "the log");
    fx_assert_has(f->lines, "clone rds-004", "the plan");
    fx_assert_has(f->lines, "start rds-003", "the plan");
}

/* A domain outside the farm holding the next host name: the clone takes
 * the next free one, and the domain is not touched. */
static void taken_name_skipped(void **state)
{
    struct fx *f = rds_farm(state, 8);
    virDomainPtr dom;
    char *xml, want[1024];
    const char *xml_in = "<domain type='test'><name>rds-004</name><memory>1048576</memory>"
                         "<os><type>hvm</type></os></domain>";

    dom = virDomainDefineXML(f->conn[0], xml_in);
    assert_non_null(dom);
    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    fx_tick(f, "07:00");
    snprintf(want, sizeof(want), "ramp_up: 2 hosts in service < minimum 4: clone rds-005 on %s\n",
             f->uri[0]);
    fx_assert_has(f->lines, want, "the plan");
    fx_assert_lacks(f->lines, "clone rds-004", "the plan");
    assert_int_equal(fx_dom_state(f, 0, "rds-005"), VIR_DOMAIN_RUNNING);
    {
        char *after = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
        assert_string_equal(after, xml); /* untouched */
        free(after);
    }
    free(xml);
    virDomainFree(dom);
}

/* A clone that fails backs further clones off for 3 minutes. */
static void failed_clones_back_off(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char notes[2048];

    fx_tick(f, "06:00");
    setenv("GOLDFARM_FAULT", "clone-define", 1);
    assert_int_equal(gfd_tick(&f->d, fx_farm(f, "rds"), fx_at(f, "07:00")), 0);
    fx_assert_has(fx_notes(), "injected fault at clone-define", "the log");
    fx_notes_reset();
    assert_int_equal(gfd_tick(&f->d, fx_farm(f, "rds"), fx_at(f, "07:01")), 0);
    fx_assert_lacks(fx_notes(), "injected fault", "the log within the backoff");
    fx_plan_notes(f, "rds", notes, sizeof(notes));
    fx_assert_has(notes, "clones back off until 07:03:00 after 1 failure: no clone", "the notes");
    unsetenv("GOLDFARM_FAULT");
    fx_tick(f, "07:03"); /* over: the clone is tried again, and works */
    fx_assert_has(f->lines, "clone rds-004", "the plan");
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(disconnected_users_get_the_whole_wait, teardown),
        cmocka_unit_test_teardown(no_sessions_waits_for_the_last_user, teardown),
        cmocka_unit_test_teardown(domain_vanishing_mid_observation, seam_teardown),
        cmocka_unit_test_teardown(malformed_element_of_another_farm, teardown),
        cmocka_unit_test_teardown(taken_name_skipped, teardown),
        cmocka_unit_test_teardown(failed_clones_back_off, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
