/* test_plan.c - the planner, as a table of scenarios (plan_scenarios.c).
 *
 * The table "fixed bugs" holds scenarios the planner once got wrong: each
 * stays as a regression test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/error.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "policy/schedule.h"
#include "plan_scenarios.h"

static struct gf_policy *policies[NPOLICIES];

static int load_policies(void **state)
{
    (void)state;
    for (int i = 0; i < NPOLICIES; i++) {
        char *errors = NULL;
        if (!(policies[i] = gf_policy_load_string("plan.conf", policy_texts[i], &errors))) {
            fprintf(stderr, "test policy %d refused:\n%s", i, errors ? errors : "");
            free(errors);
            return -1;
        }
    }
    return 0;
}

static int free_policies(void **state)
{
    (void)state;
    for (int i = 0; i < NPOLICIES; i++) {
        gf_policy_free(policies[i]);
        policies[i] = NULL;
    }
    return 0;
}

/* "YYYY-MM-DDTHH:MM" as a UTC moment. */
static time_t parse_utc(const char *text)
{
    struct tm tm = {0};

    if (sscanf(text, "%d-%d-%dT%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min) != 5)
        fail_msg("bad UTC time '%s' in the table", text);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* H's since-times: each of its figures past the policy P's mark since
 * SINCE (as the reconcile layer would have them). */
static void usage_since(const struct gf_policy *p, struct gf_host_obs *h, time_t since)
{
    h->cpu_high_since = h->cpu_pct >= 0 && h->cpu_pct > p->cpu_above ? since : 0;
    h->cpu_low_since = h->cpu_pct >= 0 && h->cpu_pct < p->cpu_below ? since : 0;
    h->mem_low_since = h->mem_avail_pct >= 0 && h->mem_avail_pct < p->memory_below ? since : 0;
    h->mem_high_since = h->mem_avail_pct >= 0 && h->mem_avail_pct > p->memory_above ? since : 0;
}

/* Fill OBS (room for 32 hosts) with scenario S's farm at NOW. */
static void build_farm(const struct scenario *s, time_t now, struct gf_host_obs *obs,
                       struct gf_farm_obs *farm)
{
    const struct gf_policy *p = policies[s->policy];
    int any_free = 0, n = 0;

    memset(farm, 0, sizeof(*farm));
    for (int i = 0; i < s->spread_n; i++) {
        struct gf_host_obs *h = &obs[n++];
        memset(h, 0, sizeof(*h));
        snprintf(h->name, sizeof(h->name), "rds-%03d", i + 1);
        h->run = GF_RUN_RUNNING;
        h->state = GF_HS_ACTIVE;
        h->sessions = h->active_sessions = s->spread / s->spread_n + (i < s->spread % s->spread_n);
        h->vcpus = 4;
        h->memory_kib = 16ULL << 20;
        h->cpu_pct = h->mem_avail_pct = -1;
        h->since = now - 86400;
        h->image_version = 1;
    }
    for (int i = 0; i < 12 && s->hosts[i].name; i++) {
        const struct host *d = &s->hosts[i];
        struct gf_host_obs *h = &obs[n++];
        memset(h, 0, sizeof(*h));
        snprintf(h->name, sizeof(h->name), "%s", d->name);
        h->hv = d->hv;
        h->run = d->run == 'O' ? GF_RUN_OFF : d->run == 'X' ? GF_RUN_OTHER : GF_RUN_RUNNING;
        h->state = d->state == 's'   ? GF_HS_STANDBY
                   : d->state == 'd' ? GF_HS_DRAINING
                   : d->state == 'q' ? GF_HS_QUARANTINED
                   : d->state == 'r' ? GF_HS_RETIRING
                                     : GF_HS_ACTIVE;
        if (h->run == GF_RUN_RUNNING) {
            h->sessions = d->sessions;
            h->active_sessions = d->sessions < 0 ? -1 : d->sessions - d->idle;
        } else {
            h->sessions = h->active_sessions = -1; /* as observed: no load source answers */
        }
        h->vcpus = d->vcpus ? d->vcpus : 4;
        h->memory_kib = (unsigned long long)(d->mem_gib ? d->mem_gib : 16) << 20;
        h->cpu_pct = d->unknown & 1 ? -1 : d->cpu;
        h->mem_avail_pct = d->unknown & 2 ? -1 : 100 - d->mem;
        usage_since(p, h, now - (time_t)d->lasted * 60);
        h->resized = d->resized_ago ? now - (time_t)d->resized_ago * 60 : 0;
        h->vcpus_max = d->vcpus_max;
        h->boot_vcpus = d->boot_vcpus;
        h->since = now - (time_t)d->ago * 60;
        h->logoff_sent = d->logoff_sent;
        h->admin_drain = d->admin_drain;
        h->drained_by = d->admin_drain ? GF_DRAIN_ADMIN : GF_DRAIN_NONE;
        h->notified = d->admin_drain == 1; /* 2: drained, the daemon not told yet */
        h->image_version = d->version ? (unsigned int)d->version : 1;
        h->ready = h->run == GF_RUN_RUNNING && !d->booting; /* as health assessment has it */
        h->standby_kind = d->kind == 's' ? GF_SB_SAVED : d->kind == 'r' ? GF_SB_RUNNING : GF_SB_OFF;
        h->saved = d->saved;
        h->admin_replace = d->replace ? GF_REPLACE_NOW : GF_REPLACE_NONE;
        if (d->replace) /* as gf_health_assess has it */
            snprintf(h->health, sizeof(h->health), "to be replaced, as an admin asked");
        if (d->down) {
            h->unhealthy = 2;
            h->unhealthy_for = 600;
            h->ready = 0;
            snprintf(h->health, sizeof(h->health), "agent silent");
        }
    }
    farm->hosts = obs;
    farm->promoted = (unsigned int)s->promoted;
    farm->nhosts = n;
    for (int i = 0; i < p->nhypervisors; i++)
        any_free |= s->free_gib[i] != 0;
    for (int i = 0; i < p->nhypervisors; i++) {
        farm->hv[i].reachable = !s->unreachable[i];
        farm->hv[i].free_kib = (unsigned long long)(any_free ? s->free_gib[i] : 256) << 20;
        farm->hv[i].cpus = s->cpus[i];
        farm->hv[i].vcpus_used = s->vcpus_used[i];
        farm->hv[i].pool_known = s->disk_mib[i] != 0;
        farm->hv[i].pool_avail_kib = (unsigned long long)s->disk_mib[i] << 10;
        farm->hv[i].evacuating = s->evacuate[i];
        farm->hv[i].no_image = s->no_image[i];
    }
    farm->last_scale_out = s->out_ago ? now - s->out_ago : 0;
    farm->last_scale_in = s->in_ago ? now - s->in_ago : 0;
}

/* Plan scenario S (number N of its table).  Returns 1 when its lines are
 * the expected ones; otherwise prints both lists and returns 0. */
static int check_scenario(const struct scenario *s, size_t n)
{
    const struct gf_policy *p = policies[s->policy];
    struct gf_host_obs obs[32];
    struct gf_farm_obs farm;
    struct gf_local now;
    struct gf_plan *plan = calloc(1, sizeof(*plan));
    char got[4096] = "", want[4096] = "";
    int nexpect = 0, same;
    time_t t;

    assert_non_null(plan);
    if (s->at) {
        if (gf_local_parse(p->timezone, s->at, 0, &t) < 0)
            fail_msg("%s: bad time '%s': %s", s->name, s->at, gf_err_message());
    } else {
        t = parse_utc(s->utc);
    }
    assert_int_equal(gf_local_time(p->timezone, t, &now), 0);
    build_farm(s, t, obs, &farm);
    gf_plan(p, &farm, &now, plan);

    while (nexpect < 16 && s->expect[nexpect])
        nexpect++;
    same = plan->nactions == nexpect;
    for (int i = 0; i < plan->nactions; i++) {
        char line[512];
        gf_action_line(p, &plan->actions[i], line, sizeof(line));
        if (i < nexpect && strcmp(line, s->expect[i]) != 0)
            same = 0;
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "    %s\n", line);
    }
    for (int i = 0; i < nexpect; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "    %s\n", s->expect[i]);
    for (int i = 0; s->check_place && i < p->nhypervisors; i++) {
        enum gf_place_why w = plan->nplacements ? plan->placements[0].node[i].why : GF_PLACE_FITS;
        if (!plan->nplacements || w != s->place[i]) {
            print_error("scenario %zu, '%s': node %d placed as %s, not %s\n", n, s->name, i,
                        plan->nplacements ? gf_place_why_name(w) : "(no placement)",
                        gf_place_why_name(s->place[i]));
            same = 0;
        }
    }
    free(plan);
    if (!same)
        print_error("scenario %zu, '%s':\n  want:\n%s  got:\n%s", n, s->name,
                    nexpect ? want : "    (nothing)\n", got[0] ? got : "    (nothing)\n");
    return same;
}

/* Check every scenario of TABLE, reporting each that fails. */
static void run_table(const struct scenario *table, size_t n)
{
    int failed = 0;

    for (size_t i = 0; i < n; i++)
        failed += !check_scenario(&table[i], i + 1);
    if (failed)
        fail_msg("%d of %zu scenarios give another plan", failed, n);
}

static void planner_scenarios(void **state)
{
    (void)state;
    run_table(scenarios, nscenarios);
}

static void planner_known_bugs(void **state)
{
    (void)state;
    run_table(known_bugs, nknown_bugs);
}

/* The plan's figures, as vmctl plan's header and --json show them. */
static void plan_figures(void **state)
{
    const struct scenario s = {"figures",
                               P_BASE,
                               PEAK,
                               .spread_n = 3,
                               .spread = 50,
                               .hosts = {{"rds-004", .state = 's', .run = 'O'},
                                         {"rds-005", 4, .state = 'd', .ago = 10},
                                         {"rds-006", .state = 'q', .run = 'X'}}};
    const struct gf_policy *p = policies[P_BASE];
    struct gf_host_obs obs[32];
    struct gf_farm_obs farm;
    struct gf_local now;
    struct gf_plan *plan = calloc(1, sizeof(*plan));
    time_t t;

    (void)state;
    assert_non_null(plan);
    assert_int_equal(gf_local_parse(p->timezone, s.at, 0, &t), 0);
    assert_int_equal(gf_local_time(p->timezone, t, &now), 0);
    build_farm(&s, t, obs, &farm);
    gf_plan(p, &farm, &now, plan);
    assert_string_equal(plan->phase.dayset->name, "weekdays");
    assert_int_equal(plan->phase.phase, GF_PEAK);
    assert_null(plan->phase.holiday);
    assert_int_equal(plan->in_service, 3);
    assert_int_equal(plan->standby, 1);
    assert_int_equal(plan->draining, 1);
    assert_int_equal(plan->sessions, 50); /* a draining host's users are not counted */
    assert_int_equal(plan->capacity, 75);
    assert_int_equal(plan->usage_pct, 67);
    free(plan);
}

/* The action kinds and host states by name, and each action's line. */
static void action_names_and_lines(void **state)
{
    const struct gf_policy *p = policies[P_TWO];
    struct gf_action a;
    char line[512];

    (void)state;
    assert_string_equal(gf_action_name(GF_ACT_START), "start");
    assert_string_equal(gf_action_name(GF_ACT_CLONE), "clone");
    assert_string_equal(gf_action_name(GF_ACT_RESIZE), "resize");
    assert_string_equal(gf_action_name(GF_ACT_DRAIN), "drain");
    assert_string_equal(gf_action_name(GF_ACT_UNDRAIN), "undrain");
    assert_string_equal(gf_action_name(GF_ACT_LOGOFF), "logoff");
    assert_string_equal(gf_action_name(GF_ACT_RETIRE), "retire");
    assert_string_equal(gf_action_name(GF_ACT_NOTE), "note");
    assert_string_equal(gf_host_state_name(GF_HS_DRAINING), "draining");
    assert_int_equal(gf_host_state_parse("standby"), GF_HS_STANDBY);
    assert_int_equal(gf_host_state_parse("quarantined"), GF_HS_QUARANTINED);
    assert_int_equal(gf_host_state_parse("retiring"), GF_HS_RETIRING);
    assert_int_equal(gf_host_state_parse("active"), GF_HS_ACTIVE);
    assert_int_equal(gf_host_state_parse("busy"), -1);

    memset(&a, 0, sizeof(a));
    snprintf(a.rule, sizeof(a.rule), "peak: why");
    snprintf(a.host, sizeof(a.host), "rds-007");
    a.kind = GF_ACT_CLONE;
    a.hv = 1;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: clone rds-007 on " HV2);
    a.standby = 1;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: clone rds-007 as standby on " HV2);
    a.kind = GF_ACT_START;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: start rds-007 (standby)");
    a.standby = 0;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: start rds-007");
    a.kind = GF_ACT_RESIZE;
    a.vcpus = 8;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: resize rds-007 to 8 vCPUs");
    a.vcpus = 0;
    a.memory_kib = 32ULL << 20;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: resize rds-007 to 32768M");
    a.kind = GF_ACT_LOGOFF;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why: logoff rds-007");
    a.kind = GF_ACT_NOTE;
    gf_action_line(p, &a, line, sizeof(line));
    assert_string_equal(line, "peak: why");
}

/* The planner is pure: the same inputs give the same plan, and the inputs
 * are not changed. */
static void plan_is_pure(void **state)
{
    const struct scenario *s = &scenarios[0];
    const struct gf_policy *p = policies[s->policy];
    struct gf_host_obs obs[32], copy[32];
    struct gf_farm_obs farm, farm_copy;
    struct gf_local now;
    struct gf_plan *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    time_t t;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(gf_local_parse(p->timezone, s->at, 0, &t), 0);
    assert_int_equal(gf_local_time(p->timezone, t, &now), 0);
    build_farm(s, t, obs, &farm);
    memcpy(copy, obs, sizeof(obs));
    farm_copy = farm;
    gf_plan(p, &farm, &now, a);
    gf_plan(p, &farm, &now, b);
    assert_memory_equal(obs, copy, sizeof(obs));
    assert_memory_equal(&farm, &farm_copy, sizeof(farm));
    assert_int_equal(a->nactions, b->nactions);
    assert_true(a->nactions > 0);
    for (int i = 0; i < a->nactions; i++) {
        char la[512], lb[512];
        gf_action_line(p, &a->actions[i], la, sizeof(la));
        gf_action_line(p, &b->actions[i], lb, sizeof(lb));
        assert_string_equal(la, lb);
    }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(planner_scenarios),
        cmocka_unit_test(plan_figures),
        cmocka_unit_test(action_names_and_lines),
        cmocka_unit_test(plan_is_pure),
    };
    const struct CMUnitTest bugs[] = {
        cmocka_unit_test(planner_known_bugs),
    };
    int failed;

    gf_err_init();
    printf("%zu planner scenarios, %zu fixed-bug scenarios\n", nscenarios, nknown_bugs);
    failed = cmocka_run_group_tests_name("plan", tests, load_policies, free_policies);
    failed += cmocka_run_group_tests_name("plan: fixed bugs", bugs, load_policies, free_policies);
    return failed ? 1 : 0;
}
