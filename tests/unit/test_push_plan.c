/* test_push_plan.c - the planner and the checksums vmctl image push records:
 * a version whose SHA-256 differs between two hypervisors is cloned on
 * neither, and the plan says why; the same checksum, or one not recorded
 * on one side, changes nothing.  And farm.push: a node known to lack the
 * version new hosts are cloned from gets it pushed from one that has it,
 * one push at a time, none while one is under way or backing off, none to
 * a node lost, evacuated or of unknown versions, none from a copy whose
 * checksum differs.  Hand-made farms: no libvirt, no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/plan.h"
#include "policy/policy.h"
#include "policy/schedule.h"

#define T0 1798794000 /* 2027-01-01 09:00 UTC: peak */
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char policy_text[] =
    "farm: { name = \"pp\"; hypervisors = ( { uri = \"qemu:///system\"; },\n"
    "  { uri = \"qemu+ssh://hv2/system\"; } );\n"
    "  image = \"gold\";%s host_name = \"pp-%%03d\"; memory = \"4G\"; max_sessions = 10;\n"
    "  min_hosts = 2; max_hosts = 8; };\n"
    "schedule: { timezone = \"UTC\"; all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", "
    "\"thu\", \"fri\", \"sat\"];\n"
    "  ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
    "  ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; };\n";

/* Plan a farm of no hosts on two hypervisors that both have version 1 of
 * the image (promoted), recording SHA0 and SHA1 for it ("": none), the
 * policy pinning PIN (0: none).  The number of clones planned; the action
 * lines into LINES. */
static int clones_planned(const char *sha0, const char *sha1, int pin, char *lines, size_t len)
{
    struct gf_farm_obs farm;
    struct gf_plan plan;
    struct gf_local now;
    struct gf_policy *p;
    char text[4096], pinned[64] = "", *errors = NULL;
    int clones = 0;

    if (pin)
        snprintf(pinned, sizeof(pinned), " image_version = %d;", pin);
    snprintf(text, sizeof(text), policy_text, pinned);
    if (!(p = gf_policy_load_string("pp.conf", text, &errors)))
        fail_msg("policy: %s", errors);
    memset(&farm, 0, sizeof(farm));
    for (int i = 0; i < 2; i++) {
        farm.hv[i].reachable = 1;
        farm.hv[i].free_kib = 64ULL << 20;
        farm.hv[i].versions[0] = 1;
        farm.hv[i].nversions = 1;
        farm.hv[i].promoted = 1;
        snprintf(farm.hv[i].sha256[0], sizeof(farm.hv[i].sha256[0]), "%s", i ? sha1 : sha0);
    }
    farm.promoted = 1;
    assert_int_equal(gf_local_time("UTC", T0, &now), 0);
    gf_plan(p, &farm, &now, &plan);
    lines[0] = '\0';
    for (int i = 0; i < plan.nactions; i++) {
        char line[512];
        gf_action_line(p, &plan.actions[i], line, sizeof(line));
        snprintf(lines + strlen(lines), len - strlen(lines), "%s\n", line);
        clones += plan.actions[i].kind == GF_ACT_CLONE;
    }
    gf_policy_free(p);
    return clones;
}

static void differing_checksums_clone_nowhere(void **state)
{
    char lines[8192];

    (void)state;
    assert_int_equal(clones_planned(SHA_A, SHA_B, 0, lines, sizeof(lines)), 0);
    if (!strstr(lines, "image gold v1 has different checksums on the hypervisors"))
        fail_msg("the plan does not say why:\n%s", lines);
    /* pinned, the same */
    assert_int_equal(clones_planned(SHA_A, SHA_B, 1, lines, sizeof(lines)), 0);
    if (!strstr(lines, "different checksums"))
        fail_msg("the pinned plan does not say why:\n%s", lines);
}

static void equal_or_unrecorded_checksums_clone(void **state)
{
    char lines[8192];

    (void)state;
    assert_int_equal(clones_planned(SHA_A, SHA_A, 0, lines, sizeof(lines)), 2);
    assert_int_equal(clones_planned(SHA_A, "", 0, lines, sizeof(lines)), 2);
    assert_int_equal(clones_planned("", "", 1, lines, sizeof(lines)), 2);
    if (strstr(lines, "different checksums"))
        fail_msg("a mismatch where there is none:\n%s", lines);
}

/* ---- farm.push ----------------------------------------------------------- */

static const char three_nodes[] =
    "farm: { name = \"pp\"; hypervisors = ( { uri = \"qemu:///system\"; },\n"
    "  { uri = \"qemu+ssh://hv2/system\"; }, { uri = \"qemu+ssh://hv3/system\"; } );\n"
    "  image = \"gold\";%s host_name = \"pp-%%03d\"; memory = \"4G\"; max_sessions = 10;\n"
    "  min_hosts = 2; max_hosts = 8; };\n"
    "schedule: { timezone = \"UTC\"; all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", "
    "\"thu\", \"fri\", \"sat\"];\n"
    "  ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
    "  ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; };\n";

/* A farm of no hosts on NHV (2 or 3) reachable nodes: node 0 has version 1
 * of the image (promoted, SHA_A), the others nothing (no gold there). */
static void lacking_farm(struct gf_farm_obs *farm, int nhv)
{
    memset(farm, 0, sizeof(*farm));
    for (int i = 0; i < nhv; i++) {
        farm->hv[i].reachable = 1;
        farm->hv[i].free_kib = 64ULL << 20;
        farm->hv[i].no_image = i > 0;
    }
    farm->hv[0].versions[0] = 1;
    farm->hv[0].nversions = 1;
    farm->hv[0].promoted = 1;
    snprintf(farm->hv[0].sha256[0], sizeof(farm->hv[0].sha256[0]), "%s", SHA_A);
    farm->promoted = 1;
}

/* Plan FARM under the policy of NHV nodes with the farm keys EXTRA, at T0
 * plus AFTER seconds, into PLAN; the action lines into LINES.  The number
 * of pushes planned. */
static int pushes_planned(const struct gf_farm_obs *farm, int nhv, const char *extra, int after,
                          struct gf_plan *plan, char *lines, size_t len)
{
    struct gf_local now;
    struct gf_policy *p;
    char text[4096], *errors = NULL;
    int pushes = 0;

    snprintf(text, sizeof(text), nhv == 3 ? three_nodes : policy_text, extra);
    if (!(p = gf_policy_load_string("pp.conf", text, &errors)))
        fail_msg("policy: %s", errors);
    assert_int_equal(gf_local_time("UTC", T0 + after, &now), 0);
    gf_plan(p, farm, &now, plan);
    lines[0] = '\0';
    for (int i = 0; i < plan->nactions; i++) {
        char line[512];
        gf_action_line(p, &plan->actions[i], line, sizeof(line));
        snprintf(lines + strlen(lines), len - strlen(lines), "%s\n", line);
        pushes += plan->actions[i].kind == GF_ACT_PUSH;
    }
    gf_policy_free(p);
    return pushes;
}

/* The plan's first push action, or a failure. */
static const struct gf_action *first_push(const struct gf_plan *plan, const char *lines)
{
    for (int i = 0; i < plan->nactions; i++)
        if (plan->actions[i].kind == GF_ACT_PUSH)
            return &plan->actions[i];
    fail_msg("no push planned:\n%s", lines);
    return NULL;
}

static void a_node_lacking_the_version_gets_it_pushed(void **state)
{
    static struct gf_plan plan;
    struct gf_farm_obs farm;
    const struct gf_action *a;
    char lines[8192];

    (void)state;
    lacking_farm(&farm, 2);
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 1);
    a = first_push(&plan, lines);
    assert_int_equal(a->hv, 1);
    assert_int_equal(a->from, 0);
    assert_int_equal(a->version, 1);
    if (!strstr(lines, "push: image gold v1 is not on qemu+ssh://hv2/system, where new hosts "
                       "may go: push v1 from qemu:///system to qemu+ssh://hv2/system"))
        fail_msg("the push line:\n%s", lines);
    /* meanwhile the minimum is cloned where the version is */
    for (int i = 0; i < plan.nactions; i++)
        if (plan.actions[i].kind == GF_ACT_CLONE)
            assert_int_equal(plan.actions[i].hv, 0);
    /* a node with other versions of the image, not this one: the same */
    farm.hv[1].no_image = 0;
    farm.hv[1].versions[0] = 2;
    farm.hv[1].nversions = 1;
    farm.hv[1].promoted = 2;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 1);
    assert_int_equal(first_push(&plan, lines)->hv, 1);
    /* it has it: nothing to push */
    farm.hv[1].versions[1] = 1;
    farm.hv[1].nversions = 2;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 0);
}

static void no_push_when_off_unknown_lost_or_evacuated(void **state)
{
    static struct gf_plan plan;
    struct gf_farm_obs farm;
    char lines[8192];

    (void)state;
    lacking_farm(&farm, 2);
    assert_int_equal(pushes_planned(&farm, 2, " push = \"off\";", 0, &plan, lines, sizeof(lines)),
                     0);
    /* its versions not read (a gold there, none listed): not known to lack it */
    farm.hv[1].no_image = 0;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 0);
    lacking_farm(&farm, 2);
    farm.hv[1].reachable = 0;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 0);
    lacking_farm(&farm, 2);
    farm.hv[1].evacuating = 1;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 0);
    /* no node has it to give (the source lost) */
    lacking_farm(&farm, 2);
    farm.hv[0].reachable = 0;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 0);
}

static void one_push_at_a_time_and_backoff(void **state)
{
    static struct gf_plan plan;
    struct gf_farm_obs farm;
    char lines[8192];

    (void)state;
    /* two nodes lack it: one push, to the first */
    lacking_farm(&farm, 3);
    assert_int_equal(pushes_planned(&farm, 3, "", 0, &plan, lines, sizeof(lines)), 1);
    assert_int_equal(first_push(&plan, lines)->hv, 1);
    /* one under way: no other, and the plan says so */
    farm.hv[1].pushing = 1;
    farm.hv[1].push_since = T0 - 30;
    assert_int_equal(pushes_planned(&farm, 3, "", 0, &plan, lines, sizeof(lines)), 0);
    if (!strstr(lines, "push: image gold v1 on its way to qemu+ssh://hv2/system since 08:59:30: "
                       "no other push"))
        fail_msg("no note of the push under way:\n%s", lines);
    /* node 2 backs off after 2 failures: node 3 is pushed to, node 2 noted */
    farm.hv[1].pushing = 0;
    farm.hv[1].push_retry_at = T0 + 120;
    farm.hv[1].push_failures = 2;
    assert_int_equal(pushes_planned(&farm, 3, "", 0, &plan, lines, sizeof(lines)), 1);
    assert_int_equal(first_push(&plan, lines)->hv, 2);
    if (!strstr(lines, "pushes there back off until 09:02:00 after 2 failures"))
        fail_msg("no note of the backoff:\n%s", lines);
    /* the backoff over: node 2 again */
    assert_int_equal(pushes_planned(&farm, 3, "", 120, &plan, lines, sizeof(lines)), 1);
    assert_int_equal(first_push(&plan, lines)->hv, 1);
}

static void never_from_a_copy_whose_checksum_differs(void **state)
{
    static struct gf_plan plan;
    struct gf_farm_obs farm;
    char lines[8192];

    (void)state;
    /* node 3 has v1 too, with another checksum: neither is a source */
    lacking_farm(&farm, 3);
    farm.hv[2].no_image = 0;
    farm.hv[2].versions[0] = 1;
    farm.hv[2].nversions = 1;
    farm.hv[2].promoted = 1;
    snprintf(farm.hv[2].sha256[0], sizeof(farm.hv[2].sha256[0]), "%s", SHA_B);
    assert_int_equal(pushes_planned(&farm, 3, "", 0, &plan, lines, sizeof(lines)), 0);
    /* the same checksum: node 2 gets it, from one that records it */
    snprintf(farm.hv[2].sha256[0], sizeof(farm.hv[2].sha256[0]), "%s", SHA_A);
    assert_int_equal(pushes_planned(&farm, 3, "", 0, &plan, lines, sizeof(lines)), 1);
    assert_int_equal(first_push(&plan, lines)->hv, 1);
}

static void a_rollout_target_is_pushed_too(void **state)
{
    static struct gf_plan plan;
    struct gf_farm_obs farm;
    struct gf_rollout r;
    char lines[8192];

    (void)state;
    /* both nodes have v1; v2, a roll-out's target, only node 0 */
    lacking_farm(&farm, 2);
    farm.hv[1].no_image = 0;
    farm.hv[1].versions[0] = 1;
    farm.hv[1].nversions = 1;
    farm.hv[1].promoted = 1;
    farm.hv[0].versions[1] = 2;
    farm.hv[0].nversions = 2;
    memset(&r, 0, sizeof(r));
    snprintf(r.image, sizeof(r.image), "gold");
    r.phase = GF_RO_BATCHES;
    r.min_hosts = 1;
    r.from = 1;
    r.to = 2;
    r.started = T0 - 600;
    farm.rollout = &r;
    assert_int_equal(pushes_planned(&farm, 2, "", 0, &plan, lines, sizeof(lines)), 1);
    assert_int_equal(first_push(&plan, lines)->version, 2);
    assert_int_equal(first_push(&plan, lines)->hv, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(differing_checksums_clone_nowhere),
        cmocka_unit_test(equal_or_unrecorded_checksums_clone),
        cmocka_unit_test(a_node_lacking_the_version_gets_it_pushed),
        cmocka_unit_test(no_push_when_off_unknown_lost_or_evacuated),
        cmocka_unit_test(one_push_at_a_time_and_backoff),
        cmocka_unit_test(never_from_a_copy_whose_checksum_differs),
        cmocka_unit_test(a_rollout_target_is_pushed_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
