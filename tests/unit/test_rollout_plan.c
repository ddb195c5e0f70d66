/* test_rollout_plan.c - the planner's roll-out part, on hand-made farms:
 * no libvirt, no clock.  Each case builds the observed hosts (version,
 * state, readiness, pair links, age) and a roll-out record, plans once, and
 * checks the action lines and the record the plan leaves. */
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
#include "plan/rollout.h"
#include "policy/schedule.h"

#define T0 1798794000 /* 2027-01-01 09:00 UTC: peak */

static const char policy_text[] =
    "farm: { name = \"ro\"; hypervisors = ( { uri = \"qemu:///system\"; } );\n"
    "  image = \"gold\";%s host_name = \"ro-%%03d\"; memory = \"4G\"; max_sessions = 10;\n"
    "  min_hosts = 4; max_hosts = %d; };\n"
    "schedule: { timezone = \"UTC\"; all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", "
    "\"thu\", \"fri\", \"sat\"];\n"
    "  ramp_up = { start = \"07:00\"; min_hosts = 4; }; peak = { start = \"09:00\"; min_hosts "
    "= 4; };\n"
    "  ramp_down = { start = \"17:00\"; min_hosts = 4; }; off_peak = { start = \"19:00\"; "
    "min_hosts = 4; }; }; };\n"
    "health = { grace = \"60s\"; };\n";

/* One case: the policy, the farm, the record, the plan. */
struct rcase {
    struct gf_policy *p;
    struct gf_host_obs hosts[16];
    struct gf_farm_obs farm;
    struct gf_rollout r;
    struct gf_plan plan;
    char lines[4096];
};

/* A case whose policy has MAX_HOSTS (and pins version PIN unless 0), four active v1
 * hosts ro-001..004 (3, 2, 1 and 0 sessions, made a day ago), and a
 * roll-out v1 -> v2 in PHASE begun ten minutes ago: batch 1, minimum 3,
 * soak 5m, ready timeout 5m, max_replacements 0. */
static struct rcase *new_case(int max_hosts, int pin, enum gf_rollout_phase phase)
{
    struct rcase *c = calloc(1, sizeof(*c));
    char text[4096], pinned[64] = "", *errors = NULL;

    assert_non_null(c);
    if (pin)
        snprintf(pinned, sizeof(pinned), " image_version = %d;", pin);
    snprintf(text, sizeof(text), policy_text, pinned, max_hosts);
    c->p = gf_policy_load_string("ro.conf", text, &errors);
    if (!c->p)
        fail_msg("policy: %s", errors);
    for (int i = 0; i < 4; i++) {
        struct gf_host_obs *h = &c->hosts[i];
        snprintf(h->name, sizeof(h->name), "ro-%03d", i + 1);
        h->run = GF_RUN_RUNNING;
        h->state = GF_HS_ACTIVE;
        h->image_version = 1;
        h->sessions = h->active_sessions = 3 - i;
        h->ready = h->was_ready = 1;
        h->created = h->since = T0 - 86400;
    }
    c->farm.hosts = c->hosts;
    c->farm.nhosts = 4;
    c->farm.hv[0].reachable = 1;
    c->farm.hv[0].free_kib = 256ULL << 20;
    c->farm.hv[0].versions[0] = 1;
    c->farm.hv[0].versions[1] = 2;
    c->farm.hv[0].nversions = 2;
    c->farm.promoted = c->farm.hv[0].promoted = 1;
    c->r = (struct gf_rollout){.phase = phase,
                               .image = "gold",
                               .from = 1,
                               .to = 2,
                               .batch = 1,
                               .min_hosts = 3,
                               .soak = 300,
                               .ready_timeout = 300,
                               .max_replacements = 0,
                               .started = T0 - 600,
                               .phase_since = T0 - 600};
    c->farm.rollout = &c->r;
    return c;
}

/* Add host NAME on VERSION made AGO seconds before T0, active and running,
 * no sessions; ready when READY.  Returns it. */
static struct gf_host_obs *add_host(struct rcase *c, const char *name, unsigned int version,
                                    int ago, int ready)
{
    struct gf_host_obs *h = &c->hosts[c->farm.nhosts++];

    memset(h, 0, sizeof(*h));
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->run = GF_RUN_RUNNING;
    h->state = GF_HS_ACTIVE;
    h->image_version = version;
    h->ready = h->was_ready = ready;
    h->created = h->since = T0 - ago;
    return h;
}

/* Plan C at T0 + SECONDS; its action lines (notes too) into c->lines. */
static void plan_at(struct rcase *c, int seconds)
{
    struct gf_local now;

    assert_int_equal(gf_local_time("UTC", T0 + seconds, &now), 0);
    gf_plan(c->p, &c->farm, &now, &c->plan);
    c->lines[0] = '\0';
    for (int i = 0; i < c->plan.nactions; i++) {
        char line[512];
        gf_action_line(c->p, &c->plan.actions[i], line, sizeof(line));
        snprintf(c->lines + strlen(c->lines), sizeof(c->lines) - strlen(c->lines), "%s\n", line);
    }
}

static void free_case(struct rcase *c)
{
    gf_policy_free(c->p);
    free(c);
}

/* How many drain actions LINES has. */
static int count_drains(const char *lines)
{
    int n = 0;

    for (const char *at = lines; (at = strstr(at, ": drain ro-")); at++)
        n++;
    return n;
}

#define assert_has(hay, needle)                                                                    \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("lacks '%s':\n%s", (needle), (hay));                                          \
    } while (0)
#define assert_lacks(hay, needle)                                                                  \
    do {                                                                                           \
        if (strstr((hay), (needle)))                                                               \
            fail_msg("has '%s':\n%s", (needle), (hay));                                            \
    } while (0)

static void canary_beside_the_least_loaded_host(void **state)
{
    struct rcase *c = new_case(6, 0, GF_RO_CANARY);

    (void)state;
    plan_at(c, 0);
    assert_has(c->lines, "rollout v1 -> v2: canary for ro-004 (v1): clone ro-005 on ");
    assert_int_equal(c->plan.actions[0].version, 2);
    assert_string_equal(c->plan.actions[0].supersedes, "ro-004");
    /* the scaler clones the old version while the canary soaks */
    assert_int_equal(c->plan.clone_version, 1);
    free_case(c);
}

static void a_pair_holds_one_place(void **state)
{
    struct rcase *c = new_case(6, 0, GF_RO_CANARY);
    struct gf_host_obs *n = add_host(c, "ro-005", 2, 60, 0);

    (void)state;
    snprintf(n->supersedes, sizeof(n->supersedes), "ro-004");
    plan_at(c, 0);
    assert_int_equal(c->plan.in_service, 4); /* not 5: ro-005 only takes ro-004's place */
    assert_has(c->lines, "canary ro-005 (made 08:59:00) not ready yet");
    assert_lacks(c->lines, ": clone ");
    /* ready: its soak begins, and ends after the soak time */
    n->ready = n->was_ready = 1;
    plan_at(c, 0);
    assert_true(c->plan.rollout_changed);
    assert_int_equal(c->plan.rollout.soak_since, T0);
    assert_has(c->lines, "canary ro-005 healthy, soaking until 09:05:00");
    c->r = c->plan.rollout;
    plan_at(c, 300);
    assert_int_equal(c->plan.rollout.phase, GF_RO_BATCHES);
    assert_has(c->lines, "canary ro-005 served healthy for 300s: batches begin");
    /* the batches: its old host drained; the next old host gets its clone */
    assert_has(c->lines, "rollout v1 -> v2: ro-005 (v2) is ready and serves in its place: drain "
                         "ro-004");
    assert_has(c->lines, "rollout v1 -> v2: batch for ro-003 (v1): clone ro-006");
    assert_int_equal(c->plan.clone_version, 2);
    free_case(c);
}

static void a_name_reused_is_not_a_pair(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_BATCHES);
    struct gf_host_obs *n = add_host(c, "ro-005", 2, 60, 1);

    (void)state;
    /* ro-005 took over from an ro-001 retired since; this ro-001 came later */
    snprintf(n->supersedes, sizeof(n->supersedes), "ro-001");
    c->hosts[0].created = T0 - 30;
    plan_at(c, 0);
    assert_int_equal(c->plan.in_service, 5);
    assert_lacks(c->lines, "drain ro-001");
    free_case(c);
}

static void a_standby_started_late_is_timed_from_its_start(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_BATCHES);
    struct gf_host_obs *n = add_host(c, "ro-005", 2, 500, 0);

    (void)state;
    n->since = T0 - 30; /* cloned as a standby 500 s ago (ready_timeout 300 s), started 30 s ago */
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_BATCHES);
    n->since = T0 - 400;
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_ROLLBACK);
    assert_has(c->plan.rollout.reason, "not ready 400s after it was started (ready_timeout 300s)");
    free_case(c);
}

static void ready_once_is_remembered_in_the_metadata(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_BATCHES);
    struct gf_host_obs *n = add_host(c, "ro-005", 2, 600, 0);

    (void)state;
    c->r.max_replacements = 1;
    /* after a restart: not ready now, but its metadata says it was (ready-since) */
    n->was_ready = n->ready_recorded = 1;
    n->unhealthy = 1;
    n->unhealthy_for = 120;
    snprintf(n->health, sizeof(n->health), "guest agent silent for 120s");
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_BATCHES); /* one failure, limit 1 */
    n->was_ready = n->ready_recorded = 0;
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_ROLLBACK); /* never ready: the gate */
    free_case(c);
}

static void a_canary_of_its_own_when_no_old_host_serves(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_CANARY);

    (void)state;
    for (int i = 0; i < 4; i++) {
        c->hosts[i].state = GF_HS_STANDBY;
        c->hosts[i].run = GF_RUN_OFF;
    }
    c->p->daysets[0].phases[GF_PEAK].min_hosts = 0;
    c->p->min_hosts = 0;
    plan_at(c, 0);
    assert_has(c->lines, "rollout canary (no old host in service to stand beside): clone ro-005");
    assert_int_equal(c->plan.rollout.phase, GF_RO_CANARY);
    free_case(c);
}

static void a_canary_that_never_gets_ready_rolls_back(void **state)
{
    struct rcase *c = new_case(6, 0, GF_RO_CANARY);
    struct gf_host_obs *n = add_host(c, "ro-005", 2, 301, 0);

    (void)state;
    snprintf(n->supersedes, sizeof(n->supersedes), "ro-004");
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_ROLLBACK);
    assert_has(c->plan.rollout.reason,
               "canary ro-005 (v2) failed its gate: not ready 301s after it was made "
               "(ready_timeout 300s)");
    assert_has(c->lines, "rollback v2 -> v1: ro-005 failed (not ready 301s");
    assert_has(c->lines, ": quarantine ro-005");
    /* once it is set aside, every host is on v1 */
    c->r = c->plan.rollout;
    n->state = GF_HS_QUARANTINED;
    plan_at(c, 60);
    assert_int_equal(c->plan.rollout.phase, GF_RO_ROLLED_BACK);
    assert_has(c->lines, "every host is on v1: rollback done");
    assert_has(c->plan.rollout.reason, "canary ro-005 (v2) failed its gate"); /* kept */
    assert_int_equal(c->plan.clone_version, 1);
    free_case(c);
}

static void no_room_drains_first_down_to_the_minimum(void **state)
{
    struct rcase *c = new_case(4, 0, GF_RO_BATCHES);

    (void)state;
    c->r.batch = 2;
    plan_at(c, 0);
    /* 4 in service, minimum 3: one old host drained first, the next waits */
    assert_has(c->lines, "no room for a batch clone: ro-004 drained first (4 in service, "
                         "minimum 3): drain ro-004");
    assert_has(c->lines, "no room for a batch clone, and draining ro-003 would leave 2 in "
                         "service < minimum 3: waiting");
    /* nor does the scaler drain on top of it, load or not */
    assert_has(c->lines, "the roll-out drains 1 host to make room: no scale-in");
    assert_int_equal(count_drains(c->lines), 1);
    /* while it drains, the next batch waits, and the scaler does not undrain it */
    c->hosts[3].state = GF_HS_DRAINING;
    c->hosts[3].sessions = c->hosts[3].active_sessions = 1;
    plan_at(c, 60);
    assert_has(c->lines, "waiting for 0 new hosts to be ready, 1 drain to empty");
    assert_lacks(c->lines, "undrain");
    free_case(c);
}

static void rollback_undoes_pairs_and_replaces_the_rest(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_ROLLBACK);
    struct gf_host_obs *taken = add_host(c, "ro-005", 2, 600, 1);
    struct gf_host_obs *pending = add_host(c, "ro-006", 2, 60, 0);

    (void)state;
    /* ro-005 took over from a host gone since; ro-006 never took over from ro-003 */
    snprintf(taken->supersedes, sizeof(taken->supersedes), "ro-000");
    snprintf(pending->supersedes, sizeof(pending->supersedes), "ro-003");
    c->r.phase_since = T0 - 60;
    plan_at(c, 0);
    assert_has(c->lines, "rollback v2 -> v1: ro-003 keeps its place: drain ro-006");
    assert_has(c->lines, "rollback v2 -> v1: batch for ro-005 (v2): clone ro-007");
    assert_int_equal(c->plan.clone_version, 1);
    free_case(c);
}

static void failures_after_taking_over_are_counted(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_BATCHES);
    struct gf_host_obs *n = add_host(c, "ro-005", 2, 600, 1);

    (void)state;
    n->unhealthy = 2;
    snprintf(n->health, sizeof(n->health), "crashed");
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_ROLLBACK);
    assert_has(c->plan.rollout.reason, "1 hosts on v2 failed after taking over (ro-005; limit 0)");
    /* with a limit of 1, it is the health checks' business */
    c->r.max_replacements = 1;
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_BATCHES);
    free_case(c);
}

static void done_when_no_old_host_is_left(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_BATCHES);

    (void)state;
    for (int i = 0; i < 4; i++)
        c->hosts[i].image_version = 2;
    c->hosts[3].image_version = 1;
    c->hosts[3].state = GF_HS_DRAINING;
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_BATCHES); /* one still drains */
    c->hosts[3].image_version = 2;
    c->hosts[3].state = GF_HS_ACTIVE;
    plan_at(c, 0);
    assert_int_equal(c->plan.rollout.phase, GF_RO_DONE);
    assert_has(c->lines, "rollout v1 -> v2: every host is on v2: roll-out done");
    free_case(c);
}

static void paused_does_nothing(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_CANARY);

    (void)state;
    c->r.paused = 1;
    plan_at(c, 0);
    assert_string_equal(c->lines, "rollout v1 -> v2: paused (vmctl image rollout ro --resume)\n");
    free_case(c);
}

static void clone_version_precedence(void **state)
{
    struct rcase *c = new_case(8, 0, GF_RO_DONE);
    struct rcase *pinned = new_case(8, 4, GF_RO_NONE);

    (void)state;
    c->farm.promoted = 3;
    assert_int_equal(gf_plan_clone_version(c->p, &c->farm), 2); /* a finished roll-out */
    c->r.phase = GF_RO_ROLLED_BACK;
    assert_int_equal(gf_plan_clone_version(c->p, &c->farm), 1);
    c->farm.rollout = NULL;
    assert_int_equal(gf_plan_clone_version(c->p, &c->farm), 3); /* the promoted one */
    pinned->farm.rollout = &c->r;
    c->r.phase = GF_RO_DONE;
    assert_int_equal(gf_plan_clone_version(pinned->p, &pinned->farm), 4); /* the pin wins */
    c->r.phase = GF_RO_BATCHES;
    assert_int_equal(gf_plan_clone_version(pinned->p, &pinned->farm), 2); /* but not a roll-out */
    free_case(c);
    free_case(pinned);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canary_beside_the_least_loaded_host),
        cmocka_unit_test(a_pair_holds_one_place),
        cmocka_unit_test(a_name_reused_is_not_a_pair),
        cmocka_unit_test(a_canary_that_never_gets_ready_rolls_back),
        cmocka_unit_test(a_standby_started_late_is_timed_from_its_start),
        cmocka_unit_test(ready_once_is_remembered_in_the_metadata),
        cmocka_unit_test(a_canary_of_its_own_when_no_old_host_serves),
        cmocka_unit_test(no_room_drains_first_down_to_the_minimum),
        cmocka_unit_test(rollback_undoes_pairs_and_replaces_the_rest),
        cmocka_unit_test(failures_after_taking_over_are_counted),
        cmocka_unit_test(done_when_no_old_host_is_left),
        cmocka_unit_test(paused_does_nothing),
        cmocka_unit_test(clone_version_precedence),
    };

    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
