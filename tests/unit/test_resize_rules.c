/* test_resize_rules.c - the vertical rules on synthetic series: a host's
 * CPU and memory over ticks (lib/reconcile/usage.c, as the tick takes its
 * samples) and what the planner makes of them (lib/plan/plan_resize.c).
 *
 * A series is a host's figures at each 30-second tick: the planner's
 * resizes are carried out on the synthetic host (live: its size changes
 * and its use is measured afresh, as the tick does; at next boot: its
 * definition's size is remembered), and the test asserts when and to what
 * the host was resized. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <glib.h>

#include "base/error.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "policy/schedule.h"
#include "reconcile/usage.h"

/* 2 vCPUs and 4G, up to 8 vCPUs and 8G in steps of 2 vCPUs and 1G; CPU
 * over 80% (memory available under 10%) for 5 minutes to grow; under 20%
 * (over 50%) for 20 minutes to give back; 10 minutes between resizes;
 * smoothed over a minute; ticks of 30 s.  One host is the minimum, so the
 * scaler never drains it. */
static const char policy_text[] =
    "farm: { name = \"r\"; hypervisors = ( { uri = \"test:///default\"; } ); image = \"g\";\n"
    "  host_name = \"r-%03d\"; vcpus = 2; memory = \"4G\"; max_sessions = 20; min_hosts = 1;\n"
    "  max_hosts = 4; tick = \"30s\"; };\n"
    "schedule: { timezone = \"UTC\"; all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", "
    "\"fri\", \"sat\"];\n"
    "  ramp_up = { start = \"06:00\"; min_hosts = 1; }; peak = { start = \"08:00\"; min_hosts = 1; "
    "};\n"
    "  ramp_down = { start = \"18:00\"; min_hosts = 1; };\n"
    "  off_peak = { start = \"20:00\"; min_hosts = 1; }; }; };\n"
    "scaling = { max_vcpus = 8; max_memory = \"8G\"; vcpu_step = 2; memory_step = \"1G\";\n"
    "  window = \"1m\"; grow_after = \"5m\"; shrink_after = \"20m\"; resize_cooldown = \"10m\";\n"
    "  cpu_above = 80; cpu_below = 20; memory_below = 10; memory_above = 50; };\n";

#define T0 1796198400 /* 2026-12-02T08:00:00Z, a peak */
#define STEP 30
#define GIB (1ULL << 20)

static struct gf_policy *policy;

static int load_policy(void **state)
{
    char *errors = NULL;

    (void)state;
    if (!(policy = gf_policy_load_string("resize.conf", policy_text, &errors))) {
        fprintf(stderr, "test policy refused:\n%s", errors ? errors : "");
        free(errors);
        return -1;
    }
    return 0;
}

static int free_policy(void **state)
{
    (void)state;
    gf_policy_free(policy);
    return 0;
}

/* The synthetic host and its hypervisor, as a series goes. */
struct series {
    struct gf_host_obs h;
    struct gf_hv_obs hv;
    struct gf_usage u;
    /* what the planner did to it */
    int nresized;
    time_t at[16];
    int vcpus[16];
    unsigned long long memory_kib[16];
    enum gf_resize_at when[16];
    int notes;           /* notes that name the host */
    char last_note[256]; /* the last of them */
};

/* A running active host r-001 of 2 vCPUs (at most 8) and 4G (at most 8G)
 * with 10 sessions, on a hypervisor with room. */
static void series_init(struct series *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->h.name, sizeof(s->h.name), "r-001");
    s->h.run = GF_RUN_RUNNING;
    s->h.state = GF_HS_ACTIVE;
    s->h.sessions = s->h.active_sessions = 10;
    s->h.vcpus = 2;
    s->h.vcpus_max = 8;
    s->h.memory_kib = 4 * GIB;
    s->h.memory_max_kib = 8 * GIB;
    s->h.load_cpu_pct = s->h.load_mem_pct = -1;
    s->h.since = T0 - 86400;
    s->hv.reachable = 1;
    s->hv.free_kib = 64 * GIB;
}

/* One tick of S at T: the sample, the plan, and its resizes carried out on
 * the host. */
static void tick(struct series *s, time_t t)
{
    struct gf_plan *plan = calloc(1, sizeof(*plan));
    struct gf_farm_obs farm;
    struct gf_local now;
    struct gf_host_obs h = s->h;

    assert_non_null(plan);
    memset(&farm, 0, sizeof(farm));
    farm.hosts = &h;
    farm.nhosts = 1;
    farm.hv[0] = s->hv;
    assert_int_equal(gf_usage_update(&s->u, policy, &farm, t), 0);
    assert_int_equal(gf_local_time(policy->timezone, t, &now), 0);
    gf_plan(policy, &farm, &now, plan);
    for (int i = 0; i < plan->nactions; i++) {
        const struct gf_action *a = &plan->actions[i];
        if (a->kind == GF_ACT_NOTE && strcmp(a->host, "r-001") == 0) {
            s->notes++;
            snprintf(s->last_note, sizeof(s->last_note), "%s", a->rule);
        }
        if (a->kind != GF_ACT_RESIZE)
            continue;
        assert_true(s->nresized < 16);
        s->at[s->nresized] = t;
        s->vcpus[s->nresized] = a->vcpus;
        s->memory_kib[s->nresized] = a->memory_kib;
        s->when[s->nresized++] = a->resize_at;
        s->h.resized = t;
        if (a->resize_at == GF_RESIZE_NEXT_BOOT) {
            s->h.boot_vcpus = a->vcpus ? a->vcpus : s->h.boot_vcpus;
            s->h.boot_memory_kib = a->memory_kib ? a->memory_kib : s->h.boot_memory_kib;
            continue;
        }
        if (a->vcpus) {
            s->hv.vcpus_used += a->vcpus - s->h.vcpus;
            s->h.vcpus = a->vcpus;
        }
        if (a->memory_kib) {
            s->hv.free_kib -= a->memory_kib - s->h.memory_kib;
            s->h.memory_kib = a->memory_kib;
        }
        gf_usage_resized(&s->u, "r-001"); /* as the tick's memory does once it is done */
    }
    free(plan);
}

/* Run S from T for MINUTES with CPU use CPU (%, the load source's) and
 * memory available MEM (%, -1: the guest tells nothing). */
static time_t run(struct series *s, time_t t, int minutes, double cpu, double mem)
{
    for (int k = 0; k < minutes * 60 / STEP; k++, t += STEP) {
        s->h.load_cpu_pct = cpu;
        s->h.load_mem_pct = mem;
        tick(s, t);
    }
    return t;
}

/* A CPU spike shorter than grow_after changes nothing; nor does a steady
 * load between the marks. */
static void a_spike_shorter_than_grow_after_changes_nothing(void **state)
{
    struct series s;
    time_t t;

    (void)state;
    series_init(&s);
    t = run(&s, T0, 10, 40, 40);
    t = run(&s, t, 5, 100, 40); /* above 80% smoothed after ~1.5 min: 3.5 min, not 5 */
    run(&s, t, 30, 40, 40);
    assert_int_equal(s.nresized, 0);
    assert_int_equal(s.notes, 0);
    gf_usage_clear(&s.u);
}

/* A sustained climb adds one step per cooldown, up to max_vcpus: 2, 4, 6,
 * 8; never more. */
static void a_sustained_climb_adds_one_step_per_cooldown(void **state)
{
    struct series s;

    (void)state;
    series_init(&s);
    run(&s, T0, 60, 100, 40);
    assert_int_equal(s.nresized, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s.vcpus[i], 4 + 2 * i);
        assert_int_equal(s.memory_kib[i], 0);
        assert_int_equal(s.when[i], GF_RESIZE_LIVE);
    }
    /* the first once the CPU stayed above for 5 minutes (smoothed past 80%
     * after a tick or two: 100 x (1 - e^-0.5) is 39%, then 63%, 78%, 87%) */
    assert_true(s.at[0] >= T0 + 5 * 60 && s.at[0] <= T0 + 7 * 60);
    for (int i = 1; i < 3; i++) /* one per cooldown: 10 minutes, give or take a tick */
        assert_true(s.at[i] - s.at[i - 1] >= 600 && s.at[i] - s.at[i - 1] <= 600 + 2 * STEP);
    assert_int_equal(s.h.vcpus, 8);
    gf_usage_clear(&s.u);
}

/* The same with the hypervisor's room: memory it lacks and vCPUs past its
 * CPUs x cpu_overcommit are refused with a note. */
static void the_hypervisors_free_resources_hold(void **state)
{
    struct series s;
    time_t t;

    (void)state;
    series_init(&s);
    s.hv.cpus = 1;
    s.hv.vcpus_used = 2; /* with cpu_overcommit 4: 2 vCPUs more, one step */
    t = run(&s, T0, 30, 100, 40);
    assert_int_equal(s.nresized, 1);
    assert_int_equal(s.vcpus[0], 4);
    assert_true(s.notes > 0);
    assert_non_null(strstr(s.last_note, "but its hypervisor has 0 vCPUs free (1 CPUs x "
                                        "scaling.cpu_overcommit 4): no vCPU added"));
    /* memory short, and only 512M free: nothing, with a note */
    s.hv.free_kib = 512 * 1024;
    s.notes = 0;
    run(&s, t, 10, 40, 5);
    assert_int_equal(s.nresized, 1);
    assert_true(s.notes > 0);
    assert_non_null(strstr(s.last_note, "but its hypervisor has 512M free: no memory added"));
    gf_usage_clear(&s.u);
}

/* Memory available under the mark for grow_after: one step of memory_step
 * per cooldown up to max_memory (and the domain's maximum). */
static void memory_grows_through_the_balloon_to_the_limit(void **state)
{
    struct series s;

    (void)state;
    series_init(&s);
    s.h.memory_max_kib = 6 * GIB; /* the domain's maximum, under the policy's 8G */
    run(&s, T0, 40, 40, 5);
    assert_int_equal(s.nresized, 2);
    assert_int_equal(s.memory_kib[0], 5 * GIB);
    assert_int_equal(s.memory_kib[1], 6 * GIB);
    assert_true(s.at[1] - s.at[0] >= 600);
    assert_non_null(strstr(s.last_note, "at its domain's maximum of 6144M"));
    gf_usage_clear(&s.u);
}

/* A grown host idle for shrink_after gives back at its next boot, once,
 * down to the farm's size; a host at the farm's size never shrinks. */
static void an_idle_grown_host_shrinks_at_its_next_boot(void **state)
{
    struct series s;

    (void)state;
    series_init(&s);
    s.h.vcpus = 6;
    s.h.memory_kib = 6 * GIB;
    run(&s, T0, 60, 5, 80);
    assert_int_equal(s.nresized, 1);
    assert_int_equal(s.when[0], GF_RESIZE_NEXT_BOOT);
    assert_int_equal(s.vcpus[0], 2);
    assert_int_equal(s.memory_kib[0], 4 * GIB);
    assert_true(s.at[0] >= T0 + 20 * 60 && s.at[0] <= T0 + 22 * 60);
    assert_int_equal(s.h.vcpus, 6); /* nothing removed live */
    /* at the farm's size: never */
    gf_usage_clear(&s.u);
    series_init(&s);
    run(&s, T0, 60, 1, 90);
    assert_int_equal(s.nresized, 0);
    gf_usage_clear(&s.u);
}

/* A guest that reports no balloon statistics has its memory unknown:
 * never short, never idle; its CPU still counts. */
static void memory_unknown_is_never_short_nor_idle(void **state)
{
    struct series s;
    struct gf_farm_obs farm = {0};
    struct gf_host_obs h;

    (void)state;
    series_init(&s);
    run(&s, T0, 40, 40, -1);
    assert_int_equal(s.nresized, 0);
    h = s.h;
    farm.hosts = &h;
    farm.nhosts = 1;
    assert_int_equal(gf_usage_update(&s.u, policy, &farm, T0 + 41 * 60), 0);
    assert_true(h.mem_avail_pct < 0);
    assert_int_equal(h.mem_low_since, 0);
    assert_int_equal(h.mem_high_since, 0);
    assert_true(fabs(h.cpu_pct - 40) < 0.01);
    gf_usage_clear(&s.u);
}

/* CPU use from libvirt's counters: the vCPUs' time between two samples
 * over the time passed and the vCPUs; the first sample tells nothing; a
 * sample under half a tick after the last is not taken; a counter that went
 * back (a restart) starts afresh; the balloon's figures give the memory. */
static void cpu_from_the_counters_and_memory_from_the_balloon(void **state)
{
    struct gf_usage u = {0};
    struct gf_farm_obs farm = {0};
    struct gf_host_obs h;
    struct series s;
    int window = policy->window;

    (void)state;
    policy->window = 0; /* the last sample, unsmoothed */
    series_init(&s);
    h = s.h;
    farm.hosts = &h;
    farm.nhosts = 1;
    h.vcpu_ns = 1000ULL * 1000000000ULL;
    h.mem_total_kib = 4 * GIB;
    h.mem_avail_kib = 1 * GIB;
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0), 0);
    assert_true(h.cpu_pct < 0); /* one sample */
    assert_true(fabs(h.mem_avail_pct - 25) < 0.01);
    h.vcpu_ns += 45ULL * 1000000000ULL; /* 45 s of vCPU time in 30 s on 2 vCPUs: 75% */
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 30), 0);
    assert_true(fabs(h.cpu_pct - 75) < 0.01);
    h.vcpu_ns += 10ULL * 1000000000ULL; /* 5 s later (an event woke the tick): no sample */
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 35), 0);
    assert_true(fabs(h.cpu_pct - 75) < 0.01);
    assert_int_equal(u.recs[0].at, T0 + 30);
    h.vcpu_ns = 5ULL * 1000000000ULL; /* restarted: the counter began again */
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 60), 0);
    assert_true(h.cpu_pct < 0);
    h.run = GF_RUN_OFF; /* stopped: forgotten */
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 90), 0);
    assert_int_equal(u.nrecs, 0);
    policy->window = window;
    gf_usage_clear(&u);
}

/* The smoothing: an exponential moving average with scaling.window as its
 * time constant. */
static void figures_are_smoothed_over_the_window(void **state)
{
    struct gf_usage u = {0};
    struct gf_farm_obs farm = {0};
    struct gf_host_obs h;
    struct series s;

    (void)state;
    series_init(&s);
    h = s.h;
    farm.hosts = &h;
    farm.nhosts = 1;
    h.load_cpu_pct = 0;
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0), 0);
    assert_true(fabs(h.cpu_pct) < 0.01);
    h.load_cpu_pct = 100;
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 30), 0);
    assert_true(fabs(h.cpu_pct - 100 * (1 - exp(-0.5))) < 0.01); /* 39.3 */
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 90), 0);
    assert_true(fabs(h.cpu_pct - 100 * (1 - exp(-0.5) * exp(-1.0))) < 0.01);
    assert_int_equal(h.cpu_high_since, 0); /* 77.7%: not over 80% yet ... */
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 120), 0);
    assert_true(fabs(h.cpu_pct - 100 * (1 - exp(-2.0))) < 0.01); /* ... 86.5% now */
    assert_int_equal(h.cpu_high_since, T0 + 120);
    gf_usage_clear(&u);
}

/* The remembered figures survive the farm's memory file: encoded and back is
 * the same; a saved form that is not one is no figures at all. */
static void usage_survives_its_saved_form(void **state)
{
    struct gf_usage u = {0}, back = {0};
    struct gf_farm_obs farm = {0};
    struct gf_host_obs hosts[2];
    struct series s;
    char *text;

    (void)state;
    series_init(&s);
    hosts[0] = hosts[1] = s.h;
    snprintf(hosts[1].name, sizeof(hosts[1].name), "r-002");
    hosts[0].load_cpu_pct = 95;
    hosts[0].vcpu_ns = 123456789012ULL;
    hosts[1].mem_total_kib = 4 * GIB;
    hosts[1].mem_avail_kib = GIB / 4;
    farm.hosts = hosts;
    farm.nhosts = 2;
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0), 0);
    assert_int_equal(gf_usage_update(&u, policy, &farm, T0 + 30), 0); /* since-times set */
    assert_non_null(text = gf_usage_encode(&u));
    assert_int_equal(gf_usage_decode(text, &back), 0);
    g_free(text);
    assert_int_equal(back.nrecs, 2);
    assert_memory_equal(back.recs, u.recs, 2 * sizeof(*u.recs));
    gf_usage_clear(&back);
    assert_int_equal(gf_usage_decode("bm90IGEgR1ZhcmlhbnQ=", &back), 0);
    assert_int_equal(back.nrecs, 0);
    assert_int_equal(gf_usage_decode("", &back), 0);
    assert_int_equal(back.nrecs, 0);
    gf_usage_clear(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_spike_shorter_than_grow_after_changes_nothing),
        cmocka_unit_test(a_sustained_climb_adds_one_step_per_cooldown),
        cmocka_unit_test(the_hypervisors_free_resources_hold),
        cmocka_unit_test(memory_grows_through_the_balloon_to_the_limit),
        cmocka_unit_test(an_idle_grown_host_shrinks_at_its_next_boot),
        cmocka_unit_test(memory_unknown_is_never_short_nor_idle),
        cmocka_unit_test(cpu_from_the_counters_and_memory_from_the_balloon),
        cmocka_unit_test(figures_are_smoothed_over_the_window),
        cmocka_unit_test(usage_survives_its_saved_form),
    };

    gf_err_init();
    return cmocka_run_group_tests_name("resize rules", tests, load_policy, free_policy);
}
