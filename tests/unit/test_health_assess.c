/* test_health_assess.c - the health assessment on synthetic samples: a CPU-pegged
 * host is flagged after cpu_pegged.for, a sample repeated within half a
 * tick (a lifecycle event's tick) keeps the verdict and never resets the
 * grace, and the planner replaces such a host and never drains it away.
 * No libvirt: the checks here read only the observed figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "observe/health.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "policy/schedule.h"

static const char policy_text[] =
    "farm: { name = \"rds\"; hypervisors = ( { uri = \"qemu:///system\"; } );\n"
    "  image = \"gold\"; host_name = \"rds-%03d\"; vcpus = 2; memory = \"4G\";\n"
    "  max_sessions = 10; min_hosts = 1; max_hosts = 6; tick = \"30s\"; };\n"
    "schedule: { all: { days = [\"sun\",\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"];\n"
    "  ramp_up = { start = \"07:00\"; min_hosts = 2; };\n"
    "  peak = { start = \"09:00\"; min_hosts = 2; };\n"
    "  ramp_down = { start = \"17:00\"; min_hosts = 1; };\n"
    "  off_peak = { start = \"19:00\"; min_hosts = 1; }; }; };\n"
    "health = { grace = \"60s\"; cpu_pegged = { percent = 95; for = \"5m\"; }; };\n";

/* A farm of N running active hosts rds-001.. with 2 vCPUs, 1 session each. */
static void farm_of(struct gf_farm_obs *farm, struct gf_host_obs *hosts, int n)
{
    memset(farm, 0, sizeof(*farm));
    memset(hosts, 0, sizeof(*hosts) * (size_t)n);
    for (int i = 0; i < n; i++) {
        snprintf(hosts[i].name, sizeof(hosts[i].name), "rds-%03d", i + 1);
        hosts[i].run = GF_RUN_RUNNING;
        hosts[i].state = GF_HS_ACTIVE;
        hosts[i].vcpus = 2;
        hosts[i].sessions = hosts[i].active_sessions = 1;
        hosts[i].cpu_pct = hosts[i].mem_avail_pct = -1;
    }
    farm->hosts = hosts;
    farm->nhosts = n;
    farm->hv[0].reachable = 1;
    farm->hv[0].free_kib = 64ULL << 20;
}

/* Assess at T with rds-001 having used PCT of its 2 vCPUs since the last
 * sample DT seconds ago (its cumulative CPU time in *NS); the others idle. */
static void sample(struct gf_health *h, const struct gf_policy *p, struct gf_farm_obs *farm,
                   time_t t, unsigned long long *ns, int dt, int pct)
{
    *ns += (unsigned long long)dt * 2ULL * 1000000000ULL * (unsigned)pct / 100;
    for (int i = 0; i < farm->nhosts; i++) {
        farm->hosts[i].cpu_ns = i == 0 ? *ns : 1000 + (unsigned long long)t;
        farm->hosts[i].unhealthy = farm->hosts[i].unhealthy_for = 0;
        farm->hosts[i].health[0] = '\0';
    }
    gf_health_assess(h, p, farm, t);
}

static void pegged_host_with_repeated_samples(void **state)
{
    char *errors = NULL;
    struct gf_policy *p = gf_policy_load_string("health.conf", policy_text, &errors);
    struct gf_host_obs hosts[3];
    struct gf_farm_obs farm;
    struct gf_health h = {0};
    unsigned long long ns = 1;
    time_t t = 1800000000; /* a Friday, 08:00 UTC */
    int flagged_at = 0;

    (void)state;
    assert_non_null(p);
    farm_of(&farm, hosts, 3);
    sample(&h, p, &farm, t, &ns, 0, 0);
    /* pegged at 100%, sampled every tick (30 s), with a second tick in the
     * same second each time (a lifecycle event woke the daemon) */
    for (int k = 1; k <= 14; k++) {
        sample(&h, p, &farm, t + 30 * k, &ns, 30, 100);
        if (hosts[0].unhealthy && !flagged_at)
            flagged_at = 30 * k;
        int was = hosts[0].unhealthy, for_ = hosts[0].unhealthy_for;
        sample(&h, p, &farm, t + 30 * k, &ns, 0, 0);    /* the repeat: no CPU time passed */
        assert_int_equal(hosts[0].unhealthy, was);      /* the verdict stands ... */
        assert_int_equal(hosts[0].unhealthy_for, for_); /* ... and the grace goes on */
        assert_int_equal(hosts[1].unhealthy, 0);
    }
    assert_int_equal(flagged_at, 300); /* after cpu_pegged.for, 5 minutes */
    assert_int_equal(hosts[0].unhealthy, 1);
    assert_true(hosts[0].unhealthy_for >= 60);
    assert_non_null(strstr(hosts[0].health, "CPU at 100% for"));
    {
        /* past the grace: replaced (a clone), never drained by the scaler */
        struct gf_local now;
        struct gf_plan *plan = malloc(sizeof(*plan));
        char line[512];
        int replaced = 0;
        assert_non_null(plan);
        assert_int_equal(gf_local_time("UTC", t + 420, &now), 0);
        gf_plan(p, &farm, &now, plan);
        for (int i = 0; i < plan->nactions; i++) {
            const struct gf_action *a = &plan->actions[i];
            gf_action_line(p, a, line, sizeof(line));
            if (a->kind == GF_ACT_CLONE && strcmp(a->replaces, "rds-001") == 0)
                replaced = 1;
            assert_false(a->kind == GF_ACT_DRAIN && strcmp(a->host, "rds-001") == 0);
            assert_false(a->kind == GF_ACT_RETIRE && strcmp(a->host, "rds-001") == 0);
        }
        assert_true(replaced);
        /* within the grace (flagged, not yet failing): the scaler, with
         * load to spare, drains an idle host, never the failing one */
        hosts[0].unhealthy_for = 10;
        gf_plan(p, &farm, &now, plan);
        for (int i = 0; i < plan->nactions; i++)
            assert_false(plan->actions[i].kind == GF_ACT_DRAIN &&
                         strcmp(plan->actions[i].host, "rds-001") == 0);
        free(plan);
    }
    gf_health_clear(&h);
    gf_policy_free(p);
}

/* A host name pattern every free number maps onto a taken name: the
 * search for a name ends with a note, never loops. */
static void name_search_ends(void **state)
{
    char *errors = NULL;
    struct gf_policy *p = gf_policy_load_string("names.conf", policy_text, &errors);
    struct gf_host_obs hosts[1];
    struct gf_farm_obs farm;
    struct gf_local now;
    struct gf_plan *plan = malloc(sizeof(*plan));
    int noted = 0;

    (void)state;
    assert_non_null(p);
    assert_non_null(plan);
    snprintf(p->host_name, sizeof(p->host_name), "rds-001"); /* every number: one name */
    farm_of(&farm, hosts, 1);
    assert_int_equal(gf_local_time("UTC", 1800000000, &now), 0); /* ramp-up: minimum 2 */
    gf_plan(p, &farm, &now, plan);
    for (int i = 0; i < plan->nactions; i++) {
        assert_false(plan->actions[i].kind == GF_ACT_CLONE);
        noted |= strstr(plan->actions[i].rule, "no free host name by farm.host_name") != NULL;
    }
    assert_true(noted);
    free(plan);
    gf_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pegged_host_with_repeated_samples),
        cmocka_unit_test(name_search_ends),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
