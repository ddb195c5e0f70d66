/* test_push_plan.c - the planner and the checksums vmctl image push records:
 * a version whose SHA-256 differs between two hypervisors is cloned on
 * neither, and the plan says why; the same checksum, or one not recorded
 * on one side, changes nothing.  Hand-made farms: no libvirt, no clock. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(differing_checksums_clone_nowhere),
        cmocka_unit_test(equal_or_unrecorded_checksums_clone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
