/* test_equivalence.c - `vmctl plan` prints what goldfarmd does: at each
 * moment of each scenario, the actions of `vmctl plan --json --at T` (run
 * first; it changes nothing) equal, action for action, the actions of the
 * goldfarmd tick that then runs at T on the same farm and state directory.
 * On libvirt's test driver, in one process (see farmd_fixture.h).
 *
 * Scenarios: a day of farm rds through every phase with an admin drain; a
 * holiday; a DST change (Europe/Berlin); a host resized live by its CPU
 * and memory and shrunk at its next boot; health checks with a crash, its
 * replacement and an open breaker; a roll-out from its request through the
 * canary and the batches, and an abort's rollback with its promote-back. */
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
#include "base/json.h"
#include "farmd_cases.h"
#include "farmd_fixture.h"
#include "model/meta.h"
#include "health_cases.h"
#include "policy/schedule.h"
#include "vmctl.h"

static int compared; /* moments compared, for the summary */

/* T as the policy's local "YYYY-MM-DDTHH:MM" in ZONE, into BUF. */
static void local_at(const char *zone, time_t t, char *buf, size_t len)
{
    struct gf_local l;

    assert_int_equal(gf_local_time(zone, t, &l), 0);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d", l.year, l.month, l.day, l.minute / 60,
             l.minute % 60);
}

/* The action lines of `vmctl plan --json` for POLICY at T (ZONE), one a line. */
static void plan_lines(struct fx *f, const char *policy, const char *zone, time_t t, char *buf,
                       size_t len)
{
    char at[32], path[512], *out = NULL;
    json_object *plan, *actions;
    size_t used = 0;

    snprintf(path, sizeof(path), "%s/%s", f->policies, policy);
    local_at(zone, t, at, sizeof(at));
    if (fx_vmctl(f, &out, "plan", "--policy", path, "--at", at, "--json", "--state-dir", f->state,
                 NULL) != 0)
        fail_msg("vmctl plan at %s: %s\n%s", at, gf_err_message(), out);
    plan = gf_json_parse_object(out);
    if (!plan || !json_object_object_get_ex(plan, "actions", &actions))
        fail_msg("vmctl plan at %s printed no plan:\n%s", at, out);
    buf[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(actions); i++) {
        char line[600];
        gf_json_text(json_object_array_get_idx(actions, i), "line", line, sizeof(line));
        used += (size_t)snprintf(buf + used, len - used, "%s\n", line);
    }
    json_object_put(plan);
    free(out);
}

/* The action lines (notes too) of goldfarmd's tick of FARM at T. */
static void tick_lines(struct fx *f, const char *farm, time_t t, char *buf, size_t len)
{
    struct gfd_farm *fm = fx_farm(f, farm);
    size_t used = 0;

    assert_int_equal(gfd_tick(&f->d, fm, t), 0);
    assert_true(fm->planned);
    buf[0] = '\0';
    for (int i = 0; i < fm->plan.nactions; i++) {
        char line[600];
        gf_action_line(fm->policy, &fm->plan.actions[i], line, sizeof(line));
        used += (size_t)snprintf(buf + used, len - used, "%s\n", line);
    }
}

/* At T: vmctl plan's actions, then the tick's; they must be the same.
 * Returns the number of actions (notes aside is not asked: all count). */
static int same_at(struct fx *f, const char *farm, const char *policy, const char *zone, time_t t)
{
    static char planned[32768], ticked[32768];
    char at[32];

    plan_lines(f, policy, zone, t, planned, sizeof(planned));
    tick_lines(f, farm, t, ticked, sizeof(ticked));
    local_at(zone, t, at, sizeof(at));
    if (strcmp(planned, ticked) != 0)
        fail_msg("at %s, vmctl plan and goldfarmd differ:\n--- vmctl plan\n%s--- goldfarmd\n%s", at,
                 planned, ticked);
    compared++;
    return fx_count(ticked, "\n");
}

/* Compare at each HH:MM of TIMES (NULL-terminated) of the test's day. */
static int same_through(struct fx *f, const char *farm, const char *policy,
                        const char *const *times)
{
    int actions = 0;

    for (; *times; times++)
        actions += same_at(f, farm, policy, "UTC", fx_at(f, *times));
    return actions;
}

/* ---- a day, with an admin drain ----------------------------------------- */

static void a_day_through_every_phase(void **state)
{
    static const char *const morning[] = {"06:00", "07:00", "07:01", "08:00",
                                          "09:00", "09:06", "10:00", NULL};
    static const char *const rest[] = {"10:01", "10:20", "10:45", "12:00", "17:00",
                                       "17:06", "17:40", "18:10", "18:30", "19:00",
                                       "19:20", "23:00", NULL};
    struct fx *f = rds_farm(state, 8);
    char *out = NULL;
    int actions = same_through(f, "rds", "rds.conf", morning);

    /* an admin drains a host: notified, logged off after the wait, retired */
    assert_int_equal(fx_vmctl(f, &out, "farm", "drain", "rds-002", NULL), 0);
    free(out);
    actions += same_through(f, "rds", "rds.conf", rest);
    assert_true(actions > 15); /* the day did things: the comparison is not of empty plans */
}

/* ---- a holiday and a DST change ----------------------------------------- */

/* The Berlin policy of farm rds (holiday DATE runs as off_peak). */
static void berlin_policy(struct fx *f, const char *holiday)
{
    char policy[8192];

    fx_policy_rds(f, policy, sizeof(policy), 8);
    replace(policy, sizeof(policy), "timezone = \"UTC\";", "timezone = \"Europe/Berlin\";");
    if (holiday) {
        char h[160];
        snprintf(h, sizeof(h),
                 "timezone = \"Europe/Berlin\";\n  holidays = ( { date = \"%s\"; as = "
                 "\"off_peak\"; } );",
                 holiday);
        replace(policy, sizeof(policy), "timezone = \"Europe/Berlin\";", h);
    }
    fx_write_policy(f, "rds.conf", policy);
}

static void a_holiday(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char day[16];
    struct gf_local l;
    int actions = 0;

    *state = f;
    assert_int_equal(gf_local_time("Europe/Berlin", fx_at(f, "12:00"), &l), 0);
    snprintf(day, sizeof(day), "%04d-%02d-%02d", l.year, l.month, l.day);
    berlin_policy(f, day);
    fx_write_trace(f, day_trace);
    fx_start(f, 1);
    for (const char *const *t = (const char *const[]){"06:00", "09:00", "10:00", "12:00", NULL}; *t;
         t++)
        actions += same_at(f, "rds", "rds.conf", "Europe/Berlin", fx_at(f, *t));
    assert_non_null(fx_farm(f, "rds")->plan.phase.holiday); /* planned as the holiday it is */
    assert_int_equal(fx_farm(f, "rds")->plan.phase.phase, GF_OFF_PEAK);
    assert_true(actions > 0);
}

static void a_dst_change(void **state)
{
    /* the last Sunday of March 2027: at 02:00 Berlin's clocks go to 03:00 */
    static const char *const local[] = {"2027-03-28T00:30",
                                        "2027-03-28T01:59",
                                        "2027-03-28T03:00",
                                        "2027-03-28T03:01",
                                        "2027-03-28T07:00",
                                        "2027-03-28T07:01",
                                        NULL};
    struct fx *f = fx_new("farm.xml", NULL);
    int actions = 0;

    *state = f;
    berlin_policy(f, NULL);
    fx_write_trace(f, "00:00 rds-001 1\n00:00 rds-002 1\n");
    fx_start(f, 1);
    for (const char *const *l = local; *l; l++) {
        time_t t;
        assert_int_equal(gf_local_parse("Europe/Berlin", *l, 0, &t), 0);
        actions += same_at(f, "rds", "rds.conf", "Europe/Berlin", t);
    }
    assert_true(actions > 0);
}

/* ---- resizes by CPU and memory ------------------------------------------- */

/* Farm rds with the vertical rules and sessions, CPU and memory counted;
 * the load source's lines carry each host's CPU and memory (libvirt's test
 * driver has no statistics of them).  rds-001's users go CPU- and
 * memory-bound at 09:02 (a live resize at 09:04) and idle at 09:20 (a
 * shrink at its next boot at 09:25); rds-003 (shut off, then started) and
 * the clones report nothing: their CPU is unknown, which holds scale-in. */
static void resizes_by_cpu_and_memory(void **state)
{
    static const char *const times[] = {"09:00", "09:01", "09:02", "09:03", "09:04", "09:05",
                                        "09:06", "09:07", "09:08", "09:10", "09:20", "09:21",
                                        "09:24", "09:25", "09:26", "09:30", NULL};
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192];
    virDomainInfo info;
    virDomainPtr dom;
    struct gf_meta m;

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), 8);
    replace(policy, sizeof(policy), "hysteresis = 10; };",
            "hysteresis = 10;\n  max_vcpus = 4; max_memory = \"8G\"; vcpu_step = 2; memory_step = "
            "\"2G\"; window = \"0s\";\n  grow_after = \"2m\"; shrink_after = \"5m\"; "
            "resize_cooldown = \"3m\"; };");
    replace(policy, sizeof(policy), "load = { source = \"trace\";",
            "load = { weights = { sessions = 100; cpu = 100; memory = 100; }; source = \"trace\";");
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, "00:00 rds-001 5 cpu=40 memory=60\n"
                      "00:00 rds-002 5 4 cpu=40 memory=60\n"
                      "09:02 rds-001 5 cpu=95 memory=5\n"
                      "09:20 rds-001 5 cpu=5 memory=90\n");
    fx_start(f, 1);
    assert_true(same_through(f, "rds", "rds.conf", times) > 5);
    /* what the ticks did: rds-001 grew live, and waits for its next boot to shrink */
    assert_non_null(dom = virDomainLookupByName(f->conn[0], "rds-001"));
    assert_int_equal(virDomainGetInfo(dom, &info), 0);
    virDomainFree(dom);
    assert_int_equal(info.nrVirtCpu, 4);
    assert_int_equal(info.memory, 8ULL << 20); /* 4G, 6G at 09:04, 8G at 09:07 */
    assert_true(fx_meta(f, 0, "rds-001", &m));
    assert_int_equal(m.resized, fx_at(f, "09:25"));
    assert_int_equal(m.boot_vcpus, 2);
    assert_int_equal(m.boot_memory_kib, 4ULL << 20);
}

/* ---- health, a crash, the breaker ---------------------------------------- */

static void health_crash_and_breaker(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = fx_at(f, "10:00");
    char path[256];
    virDomainPtr dom;

    hf_policy(f, f->uri[0], 1, "grace = \"60s\";");
    fx_start(f, 1);
    same_at(f, "hf", "hf.conf", "UTC", t);
    dom = virDomainLookupByName(f->conn[0], "hf-002");
    assert_non_null(dom);
    assert_int_equal(virDomainDestroy(dom), 0); /* a crash: replaced, then set aside */
    virDomainFree(dom);
    for (int m = 1; m <= 4; m++)
        same_at(f, "hf", "hf.conf", "UTC", t + 60 * m);
    /* the breaker open: replacements held back, in both */
    snprintf(path, sizeof(path), "%s/hf.breaker", f->state);
    fx_write_file(path, "3 replacements failed within 600s\n");
    dom = virDomainLookupByName(f->conn[0], "hf-003");
    assert_non_null(dom);
    assert_int_equal(virDomainDestroy(dom), 0);
    virDomainFree(dom);
    for (int m = 5; m <= 7; m++)
        same_at(f, "hf", "hf.conf", "UTC", t + 60 * m);
}

/* ---- a roll-out ---------------------------------------------------------- */

/* Farm ro (farm-rollout.xml: versions 1, 2, 3 of ro-gold), six hosts, the
 * health command, batches of 2, a soak of 3 minutes. */
static struct fx *ro_farm(void **state)
{
    struct fx *f = fx_new("farm-rollout.xml", NULL);
    char text[8192];

    *state = f;
    fx_write_trace(f, "00:00 ro-001 0\n00:00 ro-002 0\n00:00 ro-003 0\n"
                      "00:00 ro-004 0\n00:00 ro-005 0\n00:00 ro-006 0\n");
    write_health_script(f);
    snprintf(text, sizeof(text),
             "farm: { name = \"ro\"; hypervisors = ( { uri = \"%s\"; } ); image = \"ro-gold\";\n"
             "  host_name = \"ro-%%03d\"; memory = \"4G\"; max_sessions = 10; min_hosts = 6;\n"
             "  max_hosts = 8; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; min_hosts = 6; };\n"
             "    peak = { start = \"09:00\"; min_hosts = 6; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 6; };\n"
             "    off_peak = { start = \"19:00\"; min_hosts = 6; }; }; };\n"
             "drain = { wait = \"30m\"; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n"
             "health = { grace = \"60s\"; command = [\"%s/health.sh\"]; };\n"
             "rollout = { batch = 2; soak = \"3m\"; };\n",
             f->uri[0], f->trace, f->dir);
    fx_write_policy(f, "ro.conf", text);
    fx_start(f, 1);
    return f;
}

/* vmctl image rollout ro WORD [VALUE], which must work. */
static void rollout_request(struct fx *f, const char *word, const char *value)
{
    char *out = NULL;

    int code =
        value ? fx_vmctl(f, &out, "image", "rollout", "ro", word, value, "--state-dir", f->state,
                         NULL)
              : fx_vmctl(f, &out, "image", "rollout", "ro", word, "--state-dir", f->state, NULL);

    if (code != 0)
        fail_msg("vmctl image rollout ro %s: %s", word, gf_err_message());
    free(out);
}

static void rollout_through_its_stages(void **state)
{
    struct fx *f = ro_farm(state);
    time_t t = fx_at(f, "09:00");
    int actions = 0, m = 1;

    same_at(f, "ro", "ro.conf", "UTC", t); /* the status exists: vmctl may ask */
    rollout_request(f, "--to", "2");       /* taken by the next tick, in both */
    /* the request, the canary and its soak, up to the first batch */
    for (; m <= 12 && fx_farm(f, "ro")->rollout.phase != GF_RO_BATCHES; m++)
        actions += same_at(f, "ro", "ro.conf", "UTC", t + 60 * m);
    assert_int_equal(fx_farm(f, "ro")->rollout.phase, GF_RO_BATCHES);
    rollout_request(f, "--pause", NULL);
    for (int k = 0; k < 2; k++, m++)
        same_at(f, "ro", "ro.conf", "UTC", t + 60 * m);
    rollout_request(f, "--resume", NULL);
    same_at(f, "ro", "ro.conf", "UTC", t + 60 * m++);
    rollout_request(f, "--abort", NULL); /* a rollback, and v1 promoted again */
    for (int k = 0; k < 30 && fx_farm(f, "ro")->rollout.phase != GF_RO_ROLLED_BACK; k++, m++)
        actions += same_at(f, "ro", "ro.conf", "UTC", t + 60 * m);
    assert_int_equal(fx_farm(f, "ro")->rollout.phase, GF_RO_ROLLED_BACK);
    assert_true(actions > 20);
}

static int summary(void **state)
{
    (void)state;
    print_message("%d moments compared: vmctl plan and goldfarmd agreed at each\n", compared);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a_day_through_every_phase, teardown),
        cmocka_unit_test_teardown(a_holiday, teardown),
        cmocka_unit_test_teardown(a_dst_change, teardown),
        cmocka_unit_test_teardown(resizes_by_cpu_and_memory, teardown),
        cmocka_unit_test_teardown(health_crash_and_breaker, teardown),
        cmocka_unit_test_teardown(rollout_through_its_stages, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, summary);
}
