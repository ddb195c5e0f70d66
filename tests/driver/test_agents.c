/* test_agents.c - the agent load source at farm scale (issue 16), on
 * libvirt's test driver, with the fault seam's latency on each agent call
 * (GF_FAULT_AGENT_DELAY_MS): every running host asked, never more than
 * GF_AGENT_PARALLEL at once but more than one, none asked again within
 * load.agent_interval, and every domain reference given back.  Times are
 * bench/tick's, not asserted here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/fault.h"
#include "observe/observe.h"
#include "policy/policy.h"

#define HOSTS 200

/* Silence libvirt's own error printing: the test driver has no agent. */
static void quiet(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static void agents_asked_concurrently_bounded_and_at_their_interval(void **state)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    struct gf_policy *p = calloc(1, sizeof(*p));
    struct gf_farm_obs farm = {0};
    struct gf_local now = {0};
    long calls;
    int peak;

    (void)state;
    assert_non_null(conn);
    assert_non_null(p);
    virSetErrorFunc(NULL, quiet);
    snprintf(p->name, sizeof(p->name), "ag");
    p->nhypervisors = 1;
    p->load_source = GF_LOAD_AGENT;
    p->agent_interval = 600;
    assert_non_null(farm.hosts = calloc(HOSTS, sizeof(*farm.hosts)));
    for (int i = 0; i < HOSTS; i++) {
        char xml[512];
        virDomainPtr dom;
        snprintf(xml, sizeof(xml),
                 "<domain type='test'><name>ag-%03d</name><memory unit='MiB'>64</memory>"
                 "<os><type arch='x86_64'>hvm</type></os></domain>",
                 i);
        assert_non_null(dom = virDomainDefineXML(conn, xml));
        assert_int_equal(virDomainCreate(dom), 0);
        snprintf(farm.hosts[i].name, sizeof(farm.hosts[i].name), "ag-%03d", i);
        assert_int_equal(virDomainGetUUID(dom, farm.hosts[i].uuid), 0);
        farm.hosts[i].run = GF_RUN_RUNNING;
        farm.hosts[i].sessions = -1;
        virDomainFree(dom);
    }
    farm.nhosts = HOSTS;
    setenv("GF_FAULT_AGENT_DELAY_MS", "5", 1);
    gf_fault_agent_counts(&calls, &peak, 1);

    /* the first tick asks every running host, concurrently, bounded */
    assert_int_equal(gf_load_sessions(p, &conn, &now, &farm), 0);
    gf_fault_agent_counts(&calls, &peak, 1);
    assert_int_equal(calls, HOSTS);
    assert_true(peak > 1);
    assert_true(peak <= GF_AGENT_PARALLEL);
    for (int i = 0; i < HOSTS; i++) /* the test driver's agent never answers */
        assert_int_equal(farm.hosts[i].sessions, -1);

    /* a tick within the interval asks nobody */
    assert_int_equal(gf_load_sessions(p, &conn, &now, &farm), 0);
    gf_fault_agent_counts(&calls, &peak, 1);
    assert_int_equal(calls, 0);

    /* without an interval every tick asks; a host stopped is not asked */
    p->agent_interval = 0;
    farm.hosts[7].run = GF_RUN_OFF;
    assert_int_equal(gf_load_sessions(p, &conn, &now, &farm), 0);
    gf_fault_agent_counts(&calls, &peak, 1);
    assert_int_equal(calls, HOSTS - 1);
    assert_true(peak <= GF_AGENT_PARALLEL);

    /* another farm letting the connection go keeps this farm's answers
     * (its tick may be using them): none asked again */
    p->agent_interval = 3600;
    gf_load_agents_forget("another-farm", conn);
    assert_int_equal(gf_load_sessions(p, &conn, &now, &farm), 0);
    gf_fault_agent_counts(&calls, &peak, 1);
    assert_int_equal(calls, 0);

    /* the kept domain references are given back: the connection closes */
    gf_load_agents_forget(p->name, conn);
    unsetenv("GF_FAULT_AGENT_DELAY_MS");
    free(farm.hosts);
    free(p);
    assert_int_equal(virConnectClose(conn), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agents_asked_concurrently_bounded_and_at_their_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
