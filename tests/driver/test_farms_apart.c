/* test_farms_apart.c - farms never wait on each other: goldfarmd's farms
 * tick in threads of their own, woken by libvirt's lifecycle events.  On
 * the test driver (farm.xml: farms rds and callc), in one process, with
 * libvirt's event loop in a thread of the test and the real clock.
 *
 * Farm rds drains a host whose notify hook sleeps 20 s.  While rds waits
 * on it, callc-001 (farm callc) is destroyed: callc's replacement must be
 * made in the time it takes with rds idle, not after rds's hook. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "base/log.h"
#include "farmd_cases.h"
#include "farmd_fixture.h"

#define HOOK_SLEEP 20 /* seconds farm rds's notify hook takes */

static volatile int loop_done;

/* A timer that only wakes the event loop (to see loop_done). */
static void nudge(int timer, void *opaque)
{
    (void)opaque;
    virEventRemoveTimeout(timer);
}

/* libvirt's event loop, as goldfarmd's main thread runs it. */
static void *event_loop(void *arg)
{
    (void)arg;
    while (!loop_done)
        virEventRunDefaultImpl();
    return NULL;
}

/* Seconds on the monotonic clock. */
static double now_s(void)
{
    return gf_now();
}

/* A fixture with farms rds (its notify hook sleeping HOOK_SLEEP s, and
 * writing "notify-start" and "notify-done" into the hook log) and callc
 * (health checks, a replacement cloned at once), started threaded. */
static struct fx *two_farms(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], slow[256], text[512];

    *state = f;
    snprintf(slow, sizeof(slow), "%s/slow-hook", f->dir);
    snprintf(text, sizeof(text),
             "#!/bin/sh\necho \"notify-start $*\" >> '%s'\nsleep %d\necho \"notify-done $*\" >> "
             "'%s'\n",
             f->hooklog, HOOK_SLEEP, f->hooklog);
    fx_write_file(slow, text);
    assert_int_equal(chmod(slow, 0755), 0);
    uniform_policy(f, policy, sizeof(policy));
    {
        /* notify through the slow hook */
        char from[300], to[300];
        snprintf(from, sizeof(from), "notify = [\"%s\", \"notify\"]", f->hook);
        snprintf(to, sizeof(to), "notify = [\"%s\"]", slow);
        replace(policy, sizeof(policy), from, to);
    }
    fx_write_policy(f, "rds.conf", policy);
    snprintf(policy, sizeof(policy),
             "farm: { name = \"callc\"; hypervisors = ( { uri = \"%s\"; } );\n"
             "  image = \"rds-gold\"; host_name = \"callc-%%03d\"; vcpus = 2; memory = \"4G\";\n"
             "  max_sessions = 10; min_hosts = 1; max_hosts = 3; tick = \"5m\"; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = 1; };\n"
             "    peak = { start = \"09:00\"; min_hosts = 1; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 1; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = 1; }; }; };\n"
             "health = { grace = \"0s\"; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], f->trace);
    fx_write_policy(f, "callc.conf", policy);
    fx_write_trace(f, "00:00 rds-001 3\n00:00 rds-002 4\n00:00 callc-001 2\n");
    f->events = 1;
    gf_log_set_level(GF_LOG_DEBUG); /* a failure shows what each farm heard and did */
    fx_start(f, 1);
    assert_int_equal(gfd_run(&f->d), 0);
    return f;
}

/* Wait until both farms ticked once (their first ticks run at once). */
static void settle(struct fx *f)
{
    double deadline = now_s() + 10;

    for (;;) {
        int ticked = 1;
        pthread_mutex_lock(&f->d.lock);
        for (int i = 0; i < f->d.nfarms; i++)
            ticked &= f->d.farms[i]->planned;
        pthread_mutex_unlock(&f->d.lock);
        if (ticked)
            return;
        if (now_s() > deadline)
            fail_msg("the farms did not tick within 10 s");
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

/* Destroy callc-001 and wait for its replacement to run: the seconds it
 * took (fails after 15 s). */
static double crash_and_replace(struct fx *f)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], "callc-001");
    double start = now_s();

    assert_non_null(dom);
    assert_int_equal(virDomainDestroy(dom), 0); /* STOPPED: the event wakes callc */
    virDomainFree(dom);
    while (fx_dom_state(f, 0, "callc-002") != VIR_DOMAIN_RUNNING) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        if (now_s() - start > 15)
            fail_msg("callc-001 not replaced within 15 s:\n%s\nlines: %s\nstatus: %s", fx_notes(),
                     f->lines, fx_state_file(f, "callc.status"));
        nanosleep(&pause, NULL);
    }
    return now_s() - start;
}

/* Drain rds-002 as vmctl farm drain does, and wake rds: its tick runs the
 * slow notify hook.  Returns once the hook has begun. */
static void rds_busy(struct fx *f)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], "rds-002");
    double deadline = now_s() + 10;
    struct gf_meta m;

    assert_non_null(dom);
    assert_int_equal(gf_meta_get(dom, &m), 1);
    m.state = GF_HS_DRAINING;
    m.drained_by = GF_DRAIN_ADMIN;
    m.since = time(NULL);
    assert_int_equal(gf_meta_set(dom, &m), 0);
    virDomainFree(dom);
    gfd_farm_wake(fx_farm(f, "rds"));
    for (;;) {
        char *log = fx_hooklog(f);
        int started = strstr(log, "notify-start rds-002") != NULL;
        free(log);
        if (started)
            return;
        if (now_s() > deadline)
            fail_msg("rds's notify hook did not start within 10 s:\n%s", fx_notes());
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static double idle_seconds;

/* The reference: rds idle, callc's crash replaced. */
static void crash_with_the_other_farm_idle(void **state)
{
    struct fx *f = two_farms(state);

    settle(f);
    idle_seconds = crash_and_replace(f);
    print_message("callc-001 replaced in %.2f s with rds idle\n", idle_seconds);
    assert_true(idle_seconds < 5);
}

/* rds inside a 20-second hook: callc's crash is replaced as fast. */
static void crash_while_the_other_farm_waits_on_a_hook(void **state)
{
    struct fx *f = two_farms(state);
    double busy;
    char *log;

    settle(f);
    rds_busy(f);
    busy = crash_and_replace(f);
    log = fx_hooklog(f);
    print_message("callc-001 replaced in %.2f s while rds waited on its hook\n", busy);
    /* rds was still inside its hook when callc's replacement ran */
    fx_assert_lacks(log, "notify-done", "the hook log");
    free(log);
    assert_true(busy < 5);
    assert_true(busy < idle_seconds + 2);
    assert_true(busy < HOOK_SLEEP / 2);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(crash_with_the_other_farm_idle, teardown),
        cmocka_unit_test_teardown(crash_while_the_other_farm_waits_on_a_hook, teardown),
    };
    pthread_t loop;
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    if (virEventRegisterDefaultImpl() < 0 || pthread_create(&loop, NULL, event_loop, NULL) != 0)
        return 1;
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    loop_done = 1;
    virEventAddTimeout(0, nudge, NULL, NULL); /* wake the loop to see it */
    pthread_join(loop, NULL);
    return failed;
}
