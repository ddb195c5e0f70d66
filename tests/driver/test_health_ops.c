/* test_health_ops.c - health checks, replacement and quarantine (issue 7) on
 * libvirt's test driver, the operator's side: a failing host with users is
 * drained after its replacement, vmctl farm replace and quarantine
 * list/release/delete, and the bugs these tests once found (kept as
 * regression tests).  argv[1]: tests/driver (farm-health.xml). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "base/error.h"
#include "farm_state.h"
#include "farmd_fixture.h"
#include "base/log.h"

#include "health_cases.h"

/* ======================================================== 7. users: replacement, then drain */

static void failing_host_with_users_is_drained_after_its_replacement(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    struct gf_meta m;
    char *hooks;

    fx_write_trace(f, "00:00 hf-001 1\n00:00 hf-002 1\n00:00 hf-003 5\n00:00 hf-004 1\n");
    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"30s\";"));
    fx_start(f, 1);
    tick(f, t);
    set_bad(f, "hf-003", 1);
    tick(f, t + 10);
    fx_assert_lines(f, "");
    tick(f, t + 40);
    expect_clone_line(f, "hf-005", "hf-003", "health command ");
    /* hf-005 not ready before its first assessment: hf-003 keeps serving */
    meta_of(f->conn[0], "hf-003", &m);
    assert_int_equal(m.state, GF_HS_ACTIVE);
    tick(f, t + 50);
    fx_assert_has(f->lines, "; hf-005 is ready, 5 sessions left: drain hf-003\n", "the plan");
    assert_false(has_line(f, "quarantine"));
    meta_of(f->conn[0], "hf-003", &m);
    assert_int_equal(m.state, GF_HS_DRAINING);
    assert_int_equal(dom_state(f->conn[0], "hf-003", NULL), VIR_DOMAIN_RUNNING);
    hooks = fx_hooklog(f);
    fx_assert_has(hooks, "broker drain hf-003", "the hook log");
    fx_assert_has(hooks, "notify hf-003 5", "the hook log");
    free(hooks);
    /* the farm's wait: no logoff before 30 minutes, then the logoff hook */
    tick(f, t + 50 + 29 * 60);
    assert_false(has_line(f, "hf-003"));
    tick(f, t + 50 + 30 * 60);
    fx_assert_has(f->lines, "drain: hf-003 draining 30m (wait 30m), 5 sessions left: logoff hf-003",
                  "the plan");
}

/* ======================================================== 8. vmctl farm replace */

static void farm_replace_and_replace_now(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    struct gf_meta m;
    char *out = NULL;

    /* without a health group: replace works with or without health checks */
    fx_write_trace(f, "00:00 hf-001 1\n00:00 hf-002 1\n00:00 hf-003 5\n00:00 hf-004 3\n");
    hf_policy(f, f->uri[0], 0, NULL);
    fx_start(f, 1);
    tick(f, t);
    fx_assert_lines(f, "");

    assert_int_equal(fx_vmctl(f, &out, "farm", "replace", "hf-003", NULL), 0);
    fx_assert_has(out, "hf-003: to be replaced", "farm replace");
    free(out);
    tick(f, t + 10);
    expect_clone_line(f, "hf-005", "hf-003", "to be replaced, as an admin asked (0s)");
    assert_replacement(f->conn[0], "hf-003", "hf-005");
    /* already being replaced: refused */
    assert_int_not_equal(fx_vmctl(f, &out, "farm", "replace", "hf-003", NULL), 0);
    free(out);
    fx_assert_has(gf_err_message(), "already being replaced by 'hf-005'", "the error");
    /* users on hf-003: drained, not quarantined */
    tick(f, t + 20);
    fx_assert_lines(f, "health: hf-003 to be replaced, as an admin asked (0s); hf-005 is ready, 5 "
                       "sessions left: drain hf-003\n");
    meta_of(f->conn[0], "hf-003", &m);
    assert_int_equal(m.state, GF_HS_DRAINING);
    assert_int_equal(dom_state(f->conn[0], "hf-003", NULL), VIR_DOMAIN_RUNNING);

    /* --now: quarantined as soon as the replacement serves, 3 users or not */
    assert_int_equal(fx_vmctl(f, &out, "farm", "replace", "hf-004", "--now", NULL), 0);
    fx_assert_has(out,
                  "hf-004: to be replaced; goldfarmd starts or clones its replacement, then "
                  "quarantines it",
                  "farm replace --now");
    free(out);
    tick(f, t + 30);
    expect_clone_line(f, "hf-006", "hf-004", "to be replaced, as an admin asked (0s)");
    assert_replacement(f->conn[0], "hf-004", "hf-006");
    tick(f, t + 40);
    fx_assert_lines(f, "health: hf-004 to be replaced, as an admin asked (0s); hf-006 is ready: "
                       "quarantine hf-004\n");
    assert_quarantined(f->conn[0], "hf-004", "as an admin asked");
    /* a host that is not active: refused */
    assert_int_not_equal(fx_vmctl(f, &out, "farm", "replace", "hf-004", NULL), 0);
    free(out);
    fx_assert_has(gf_err_message(), "is quarantined, not active", "the error");
    assert_int_not_equal(fx_vmctl(f, &out, "farm", "replace", "hf-gold", NULL), 0);
    free(out);
}

/* ======================================================== 9. quarantine list/release/delete */

static void quarantine_list_release_delete(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    struct gf_meta m;
    char *out = NULL, snap[128];

    hf_policy(f, f->uri[0], 1, "grace = \"0s\";");
    fx_start(f, 1);
    tick(f, t); /* clones standby hf-005 */
    destroy(f->conn[0], "hf-002");
    tick(f, t + 10); /* starts hf-005, clones standby hf-006 */
    tick(f, t + 20); /* quarantines hf-002 */
    assert_quarantined(f->conn[0], "hf-002", "shut off unasked");
    destroy(f->conn[0], "hf-004");
    tick(f, t + 30); /* starts hf-006 */
    tick(f, t + 40); /* quarantines hf-004 */
    assert_quarantined(f->conn[0], "hf-004", "shut off unasked");

    assert_int_equal(fx_vmctl(f, &out, "farm", "quarantine", "list", NULL), 0);
    fx_assert_has(out, "hf-002", "quarantine list");
    fx_assert_has(out, "hf-004", "quarantine list");
    fx_assert_has(out, "health: hf-002 shut off unasked", "quarantine list");
    assert_int_equal(fx_count(out, "\n"), 3);
    free(out);
    assert_int_equal(
        fx_vmctl(f, &out, "farm", "quarantine", "list", "--json", "--farm", "hf", NULL), 0);
    fx_assert_has(out, "\"host\":\"hf-002\",\"farm\":\"hf\"", "quarantine list --json");
    fx_assert_has(out, "\"replaced_by\":\"hf-005\"", "quarantine list --json");
    free(out);
    assert_int_equal(fx_vmctl(f, &out, "farm", "quarantine", "list", "--farm", "other", NULL), 0);
    assert_int_equal(fx_count(out, "\n"), 1); /* the heading only */
    free(out);

    /* release: a standby again (shut off), its replacement link cleared */
    assert_int_equal(fx_vmctl(f, &out, "farm", "quarantine", "release", "hf-002", NULL), 0);
    fx_assert_has(out, "hf-002: released; a standby of farm hf again", "release");
    free(out);
    meta_of(f->conn[0], "hf-002", &m);
    assert_int_equal(m.state, GF_HS_STANDBY);
    assert_string_equal(m.replaced_by, "");
    assert_int_equal(dom_state(f->conn[0], "hf-002", NULL), VIR_DOMAIN_SHUTOFF);
    tick(f, t + 50); /* the standby the phase wants: no clone of another one */
    assert_false(has_line(f, "as standby"));
    assert_false(has_line(f, "hf-002"));

    /* release or delete of a host that is not quarantined: refused, nothing changed */
    held[0] = farm_state(f->conn[0]);
    assert_int_not_equal(fx_vmctl(f, &out, "farm", "quarantine", "delete", "hf-001", NULL), 0);
    free(out);
    fx_assert_has(gf_err_message(), "host 'hf-001' is active, not quarantined", "the error");
    assert_int_not_equal(fx_vmctl(f, &out, "farm", "quarantine", "release", "hf-002", NULL), 0);
    free(out);
    assert_int_not_equal(fx_vmctl(f, &out, "farm", "quarantine", "delete", "hf-gold", NULL), 0);
    free(out);
    held[1] = farm_state(f->conn[0]);
    assert_same_state(held[0], held[1], "refused quarantine commands");
    free(held[0]);
    free(held[1]);
    held[0] = held[1] = NULL;

    /* delete: domain, snapshots and overlay gone; the gold untouched */
    snapshot_named(f->conn[0], "hf-004", "gf-quarantine-", snap, sizeof(snap));
    assert_true(snap[0] != '\0');
    assert_int_equal(fx_vmctl(f, &out, "farm", "quarantine", "delete", "hf-004", NULL), 0);
    fx_assert_has(out, "hf-004: deleted", "delete");
    free(out);
    assert_int_equal(dom_state(f->conn[0], "hf-004", NULL), -1);
    assert_false(fx_volume(f, 0, "hf-004-vda.qcow2", NULL, 0));
    assert_true(fx_volume(f, 0, GOLD_VOL, NULL, 0));
    assert_int_equal(dom_state(f->conn[0], "hf-gold", NULL), VIR_DOMAIN_SHUTOFF);
    {
        char orphans[512];
        fx_orphans(f, 0, orphans, sizeof(orphans));
        assert_string_equal(orphans, "");
    }
}

/* ======================================================== bugs found */

/* `vmctl farm status FARM` (for people) shows an open breaker. */
static void bug_farm_status_hides_the_breaker(void **state)
{
    struct fx *f = hf_farm(state);
    char *out = NULL, path[256];

    hf_policy(f, f->uri[0], 0, "grace = \"0s\";");
    fx_start(f, 1);
    tick(f, at(f, "10:00", 0));
    snprintf(path, sizeof(path), "%s/hf.breaker", f->state);
    fx_write_file(path, "3 replacements failed within 600s\n");
    tick(f, at(f, "10:00", 10));
    assert_int_equal(fx_vmctl(f, &out, "farm", "status", "hf", "--state-dir", f->state, NULL), 0);
    held[0] = out; /* freed by the teardown */
    fx_assert_has(out, "3 replacements failed within 600s", "vmctl farm status hf");
}

/* With the breaker open, the scaler must not fill the failing host's place
 * with a clone: that is a replacement by another name. */
static void bug_breaker_bypassed_by_the_minimum(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    char path[256];

    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"0s\";"));
    fx_start(f, 1);
    tick(f, t);
    snprintf(path, sizeof(path), "%s/hf.breaker", f->state);
    fx_write_file(path, "3 replacements failed within 600s\n");
    set_bad(f, "hf-002", 1);
    tick(f, t + 10);
    if (f->lines[0])
        fail_msg("the breaker is open, yet the tick acted:\n%s", f->lines);
}

/* Under the mass-failure guard (2 of 4 hosts failing their health command),
 * nothing is to be replaced: no clone to make up the minimum either. */
static void bug_mass_failure_guard_bypassed_by_the_minimum(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);

    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"0s\"; mass_failure_min = 1;"));
    fx_start(f, 1);
    tick(f, t);
    set_bad(f, "hf-001", 1);
    set_bad(f, "hf-002", 1);
    tick(f, t + 10);
    if (f->lines[0])
        fail_msg("2 of 4 hosts fail (mass-failure guard), yet the tick acted:\n%s", f->lines);
}

/* Under the mass-failure guard with two crashed hosts, the scaler starts the
 * crashed hosts again ("active hosts someone shut off"): a restart of what
 * the guard is meant to leave alone. */
static void bug_mass_failure_restarts_crashed_hosts(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);

    hf_policy(f, f->uri[0], 0, "grace = \"0s\"; mass_failure_min = 1;");
    fx_start(f, 1);
    tick(f, t);
    destroy(f->conn[0], "hf-001");
    destroy(f->conn[0], "hf-002");
    tick(f, t + 10);
    if (f->lines[0])
        fail_msg("2 of 4 hosts crashed (mass-failure guard), yet the tick acted:\n%s", f->lines);
}

/* A failing host drained because it had users is kept for whoever looks
 * into it (quarantined) once empty, as `vmctl help farm replace` says
 * ("drained ... then quarantined: snapshot, stopped, kept aside"): not
 * retired (domain and overlay deleted). */
static void bug_drained_failing_host_is_retired_not_quarantined(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);

    fx_write_trace(f, "00:00 hf-001 1\n00:00 hf-002 1\n00:00 hf-003 5\n00:00 hf-004 1\n");
    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"0s\";"));
    fx_start(f, 1);
    tick(f, t);
    set_bad(f, "hf-003", 1);
    tick(f, t + 10); /* clone hf-005 */
    tick(f, t + 20); /* drain hf-003 */
    fx_assert_has(f->lines, "drain hf-003", "the plan");
    fx_write_trace(f, "00:00 hf-001 1\n00:00 hf-002 1\n00:00 hf-003 0\n00:00 hf-004 1\n");
    tick(f, t + 30); /* empty */
    if (dom_state(f->conn[0], "hf-003", NULL) == -1)
        fail_msg("the failed host hf-003 was deleted once its users left:\n%s", f->lines);
    assert_quarantined(f->conn[0], "hf-003", "health command");
}

/* A 2-host farm (min_hosts 2) with one crashed host gets a replacement:
 * one host of two is not "the cause is below them".  (Kubernetes' cluster
 * autoscaler, whose 45% the default copies, halts only above 45% AND more
 * than 3 unready nodes: ok-total-unready-count.) */
static void bug_two_host_farm_never_replaces(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);
    virDomainPtr dom;

    /* a two-host farm: hf-003 and hf-004 shut off and undefined first */
    for (int i = 3; i <= 4; i++) {
        char name[16];
        snprintf(name, sizeof(name), "hf-00%d", i);
        destroy(f->conn[0], name);
        assert_non_null(dom = virDomainLookupByName(f->conn[0], name));
        assert_int_equal(virDomainUndefine(dom), 0);
        virDomainFree(dom);
        {
            /* and its disk: a farm that never had the host */
            char vol_name[32];
            virStoragePoolPtr pool = virStoragePoolLookupByName(f->conn[0], "goldfarm");
            virStorageVolPtr vol;
            snprintf(vol_name, sizeof(vol_name), "%s-vda.qcow2", name);
            assert_non_null(pool);
            assert_non_null(vol = virStorageVolLookupByName(pool, vol_name));
            assert_int_equal(virStorageVolDelete(vol, 0), 0);
            virStorageVolFree(vol);
            virStoragePoolFree(pool);
        }
    }
    {
        char text[8192];
        FILE *in;
        char path[300];
        size_t n;
        hf_policy(f, f->uri[0], 0, "grace = \"0s\";"); /* then min_hosts 2 in every phase */
        snprintf(path, sizeof(path), "%s/hf.conf", f->policies);
        assert_non_null(in = fopen(path, "r"));
        n = fread(text, 1, sizeof(text) - 1, in);
        fclose(in);
        text[n] = '\0';
        for (char *p = text; (p = strstr(p, "min_hosts = 4")); p++)
            p[12] = '2';
        fx_write_policy(f, "hf.conf", text);
    }
    fx_start(f, 1);
    tick(f, t);
    fx_assert_lines(f, "");
    destroy(f->conn[0], "hf-002");
    tick(f, t + 10);
    if (!has_line(f, "clone hf-003 on"))
        fail_msg("1 of 2 hosts crashed: no replacement; plan:\n%s", f->lines);
}

/* The join hook runs for a replacement once it serves, whatever becomes of
 * the failed host: also when that one is drained for its users. */
static void bug_join_hook_not_run_when_the_failed_host_is_drained(void **state)
{
    struct fx *f = hf_farm(state);
    time_t t = at(f, "10:00", 0);

    fx_write_trace(f, "00:00 hf-001 1\n00:00 hf-002 1\n00:00 hf-003 5\n00:00 hf-004 1\n");
    hf_policy(f, f->uri[0], 0, health_cmd(f, "grace = \"0s\";"));
    fx_start(f, 1);
    tick(f, t);
    set_bad(f, "hf-003", 1);
    tick(f, t + 10); /* clone hf-005 */
    tick(f, t + 20); /* drain hf-003: hf-005 serves */
    fx_assert_has(f->lines, "drain hf-003", "the plan");
    held[0] = fx_hooklog(f);
    fx_assert_has(held[0], "join hf-005", "the hook log");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(failing_host_with_users_is_drained_after_its_replacement,
                                  hf_teardown),
        cmocka_unit_test_teardown(farm_replace_and_replace_now, hf_teardown),
        cmocka_unit_test_teardown(quarantine_list_release_delete, hf_teardown),
    };
    const struct CMUnitTest bugs[] = {
        cmocka_unit_test_teardown(bug_farm_status_hides_the_breaker, hf_teardown),
        cmocka_unit_test_teardown(bug_breaker_bypassed_by_the_minimum, hf_teardown),
        cmocka_unit_test_teardown(bug_mass_failure_guard_bypassed_by_the_minimum, hf_teardown),
        cmocka_unit_test_teardown(bug_mass_failure_restarts_crashed_hosts, hf_teardown),
        cmocka_unit_test_teardown(bug_drained_failing_host_is_retired_not_quarantined, hf_teardown),
        cmocka_unit_test_teardown(bug_two_host_farm_never_replaces, hf_teardown),
        cmocka_unit_test_teardown(bug_join_hook_not_run_when_the_failed_host_is_drained,
                                  hf_teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm-health.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    /* before any connection: the lifecycle events of the first test need it */
    if (virEventRegisterDefaultImpl() < 0) {
        fprintf(stderr, "cannot register libvirt's default event loop\n");
        return 1;
    }
    gf_err_init();
    failed = cmocka_run_group_tests_name("health: users, farm replace, quarantine commands", tests,
                                         NULL, NULL);
    failed += cmocka_run_group_tests_name("health: fixed bugs, kept as regression tests", bugs,
                                          NULL, NULL);
    return failed ? 1 : 0;
}
