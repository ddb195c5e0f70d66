/* test_standby.c - saved and running standbys on libvirt's test driver
 * (tests/driver/farm-rollout.xml: farm "ro", six running hosts on ro-gold
 * v1, versions 2 and 3 sealed), goldfarmd's core tick by tick with an
 * injected clock, in one process on one connection.  The test driver has
 * no guest agent: the policy's health command (health.sh, failing for a
 * host while DIR/bad-HOST exists) says when a standby is ready.
 *
 * What is checked is libvirt's state: a saved standby booted, then saved
 * (virDomainHasManagedSaveImage, shut off), its kind recovered by a fresh
 * daemon; a replacement restoring it (running, the save image consumed);
 * a running standby taken without a start; a saved standby retired with
 * its save image (which the test driver refuses to orphan); and a roll-out
 * retiring the saved standby of the old version first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "act/act_int.h"
#include "base/error.h"
#include "health_cases.h"
#include "vmctl.h"

/* Every host sessions-free. */
static const char empty_trace[] = "00:00 ro-001 0\n00:00 ro-002 0\n00:00 ro-003 0\n"
                                  "00:00 ro-004 0\n00:00 ro-005 0\n00:00 ro-006 0\n";

/* Farm "ro": six hosts in every phase, STANDBY standbys of KIND, the
 * health command, a grace of 60 s. */
static void sb_policy(struct fx *f, int standby, const char *kind)
{
    char text[8192], phase[160];

    snprintf(phase, sizeof(phase), "min_hosts = 6; standby = %d; standby_kind = \"%s\";", standby,
             kind);
    snprintf(text, sizeof(text),
             "farm: { name = \"ro\"; hypervisors = ( { uri = \"%s\"; } ); image = \"ro-gold\";\n"
             "  host_name = \"ro-%%03d\"; memory = \"4G\"; max_sessions = 10; min_hosts = 6;\n"
             "  max_hosts = 9; };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; %s }; peak = { start = \"09:00\"; %s };\n"
             "    ramp_down = { start = \"17:00\"; %s }; off_peak = { start = \"19:00\"; %s };\n"
             "  }; };\n"
             "drain = { wait = \"30m\"; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n"
             "health = { grace = \"60s\"; command = [\"%s/health.sh\"];\n"
             "  join = [\"%s\", \"join\"]; };\n"
             "rollout = { batch = 3; soak = \"2m\"; };\n",
             f->uri[0], phase, phase, phase, phase, f->trace, f->dir, f->hook);
    fx_write_policy(f, "ro.conf", text);
}

/* Replace FROM by TO everywhere in farm ro's policy file. */
static void replace_in_policy(struct fx *f, const char *from, const char *to)
{
    char path[256], text[8192] = "", out[8192] = "", *at, *cur;
    FILE *in;
    size_t n;

    snprintf(path, sizeof(path), "%s/ro.conf", f->policies);
    assert_non_null(in = fopen(path, "r"));
    n = fread(text, 1, sizeof(text) - 1, in);
    text[n] = '\0';
    fclose(in);
    for (cur = text; (at = strstr(cur, from)); cur = at + strlen(from))
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%.*s%s", (int)(at - cur), cur, to);
    snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s", cur);
    fx_write_policy(f, "ro.conf", out);
}

static struct fx *sb_farm(void **state, int standby, const char *kind)
{
    struct fx *f = fx_new("farm-rollout.xml", NULL);

    *state = f;
    fx_write_trace(f, empty_trace);
    write_health_script(f);
    sb_policy(f, standby, kind);
    fx_start(f, 1);
    return f;
}

/* Whether domain NAME has a managed save image (-1: no such domain). */
static int has_save(struct fx *f, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], name);
    int ret;

    if (!dom) {
        virResetLastError();
        return -1;
    }
    ret = virDomainHasManagedSaveImage(dom, 0);
    virDomainFree(dom);
    return ret;
}

/* Tick farm ro every minute from *T until its lines hold NEEDLE, at most
 * LIMIT ticks; every tick's lines appended to LOG. */
static void tick_until(struct fx *f, time_t *t, const char *needle, int limit, char *log,
                       size_t len)
{
    for (int n = 0; n < limit; n++) {
        *t += 60;
        fx_tick_farm(f, "ro", *t);
        snprintf(log + strlen(log), len - strlen(log), "%s", f->lines);
        if (strstr(f->lines, needle))
            return;
    }
    fail_msg("no '%s' within %d ticks; the ticks did:\n%s", needle, limit, log);
}

static void saved_standby_saved_restored_and_retired(void **state)
{
    struct fx *f = sb_farm(state, 1, "saved");
    time_t t = fx_at(f, "09:00");
    char log[16384] = "";
    struct gf_meta m;
    virDomainPtr dom;

    /* cloned and booted at once: a saved standby is made by booting it */
    fx_tick_farm(f, "ro", t);
    fx_assert_has(f->lines, "peak: 0 standby < 1: clone ro-007 as saved standby on ",
                  "the first tick");
    assert_int_equal(fx_dom_state(f, 0, "ro-007"), VIR_DOMAIN_RUNNING);
    assert_int_equal(fx_meta(f, 0, "ro-007", &m), 1);
    assert_int_equal(m.state, GF_HS_STANDBY);
    assert_int_equal(m.standby_kind, GF_SB_SAVED);
    assert_int_equal(has_save(f, "ro-007"), 0);
    /* ready (the health command answers): its memory saved, shut off */
    tick_until(f, &t, "peak: saved standby ro-007 is ready: save ro-007", 2, log, sizeof(log));
    assert_int_equal(fx_dom_state(f, 0, "ro-007"), VIR_DOMAIN_SHUTOFF);
    assert_int_equal(has_save(f, "ro-007"), 1);
    /* a fresh daemon knows it from libvirt alone: metadata and the save image */
    fx_stop(f);
    fx_start(f, 1);
    t += 60;
    fx_tick_farm(f, "ro", t);
    fx_assert_lines(f, "");
    assert_int_equal(fx_farm(f, "ro")->plan.standby_by_kind[GF_SB_SAVED], 1);
    assert_int_equal(fx_farm(f, "ro")->plan.standby_ready[GF_SB_SAVED], 1);
    /* vmctl farm status shows it by kind */
    {
        char *out = NULL;
        assert_int_equal(fx_vmctl(f, &out, "farm", "status", "ro", "--state-dir", f->state, NULL),
                         0);
        fx_assert_has(out, "  standby: 0 off, 1 saved (1 restore at once), 0 running", "status");
        fx_assert_has(out, "ro-007               sb-saved     saved ", "status");
        free(out);
    }
    /* ro-001 fails: the saved standby replaces it, restored, not booted */
    set_bad(f, "ro-001", 1);
    tick_until(f, &t, "start ro-007 (saved standby: restores)", 4, log, sizeof(log));
    assert_int_equal(fx_dom_state(f, 0, "ro-007"), VIR_DOMAIN_RUNNING);
    assert_int_equal(has_save(f, "ro-007"), 0); /* the restore consumed it */
    assert_int_equal(fx_meta(f, 0, "ro-007", &m), 1);
    assert_int_equal(m.state, GF_HS_ACTIVE);
    assert_int_equal(m.standby_kind, GF_SB_OFF);
    assert_string_equal(m.replaces, "ro-001");
    /* the standby rule makes the next one, and saves it */
    tick_until(f, &t, "save ro-008", 4, log, sizeof(log));
    assert_int_equal(has_save(f, "ro-008"), 1);
    /* the test driver refuses to undefine a domain with a save image, so
     * a retirement that removes the domain has removed its save image */
    dom = virDomainLookupByName(f->conn[0], "ro-008");
    assert_non_null(dom);
    assert_int_equal(virDomainUndefine(dom), -1);
    virResetLastError();
    virDomainFree(dom);
    sb_policy(f, 0, "saved");
    assert_int_equal(gfd_reload(&f->d), 0);
    tick_until(f, &t, "peak: 1 standby > 0: retire ro-008", 2, log, sizeof(log));
    assert_int_equal(fx_dom_state(f, 0, "ro-008"), -1);
    assert_int_equal(fx_volume(f, 0, "ro-008-vda.qcow2", NULL, 0), 0);
}

static void running_standby_joins_without_a_start(void **state)
{
    struct fx *f = sb_farm(state, 1, "running");
    time_t t = fx_at(f, "09:00");
    char log[16384] = "", *hooks;
    struct gf_meta m;

    fx_tick_farm(f, "ro", t);
    fx_assert_has(f->lines, "clone ro-007 as running standby on ", "the first tick");
    t += 60;
    fx_tick_farm(f, "ro", t);
    assert_int_equal(fx_dom_state(f, 0, "ro-007"), VIR_DOMAIN_RUNNING);
    assert_int_equal(fx_farm(f, "ro")->plan.standby_ready[GF_SB_RUNNING], 1);
    assert_int_equal(has_save(f, "ro-007"), 0);
    set_bad(f, "ro-002", 1);
    tick_until(f, &t, "start ro-007 (running standby: joins)", 4, log, sizeof(log));
    assert_int_equal(fx_meta(f, 0, "ro-007", &m), 1);
    assert_int_equal(m.state, GF_HS_ACTIVE);
    assert_string_equal(m.replaces, "ro-002");
    /* ready at once: the failed host is set aside on the next tick */
    tick_until(f, &t, "ro-007 is ready: quarantine ro-002", 2, log, sizeof(log));
    /* out of the broker until then: its join hook ran once, when ro-002 was set aside */
    hooks = fx_hooklog(f);
    assert_int_equal(fx_count(hooks, "join ro-007\n"), 1);
    free(hooks);
    /* a scale-out takes the next running standby, and its join hook runs at once */
    fx_assert_has(log, "clone ro-008 as running standby", "the ticks"); /* in ro-007's place */
    t += 60;
    fx_tick_farm(f, "ro", t);
    assert_int_equal(fx_farm(f, "ro")->plan.standby_ready[GF_SB_RUNNING], 1);
    replace_in_policy(f, "min_hosts = 6; standby", "min_hosts = 7; standby");
    assert_int_equal(gfd_reload(&f->d), 0);
    tick_until(f, &t, "start ro-008 (running standby: joins)", 2, log, sizeof(log));
    hooks = fx_hooklog(f);
    assert_int_equal(fx_count(hooks, "join ro-008\n"), 1);
    free(hooks);
}

static void rollout_retires_saved_standbys_of_the_old_version_first(void **state)
{
    struct fx *f = sb_farm(state, 1, "saved");
    time_t t = fx_at(f, "09:00");
    char log[32768] = "";
    const char *saved_retire, *first_retire;
    struct gf_meta m;
    struct vmctl_ctx ctx = {.conn = f->conn[0], .control = f->control};
    char *argv[] = {"image", "rollout",          "ro", "--to",        "2",      "--batch",
                    "3",     "--min-in-service", "5",  "--state-dir", f->state, NULL};
    char *out = NULL;
    size_t len = 0;

    fx_tick_farm(f, "ro", t);
    tick_until(f, &t, "save ro-007", 2, log, sizeof(log));
    assert_int_equal(has_save(f, "ro-007"), 1);
    log[0] = '\0';
    ctx.out = open_memstream(&out, &len);
    assert_int_equal(vmctl_run(&ctx, 11, argv), 0);
    fclose(ctx.out);
    free(out);
    tick_until(f, &t, "saved standby ro-007 is on v1: retire ro-007", 20, log, sizeof(log));
    assert_int_equal(fx_dom_state(f, 0, "ro-007"), -1);
    /* before any other host of v1 was retired */
    saved_retire = strstr(log, "saved standby ro-007 is on v1: retire ro-007");
    first_retire = strstr(log, ": retire ro-");
    assert_ptr_equal(first_retire, saved_retire + strlen("saved standby ro-007 is on v1"));
    /* its successor, once the roll-out leaves room, is a saved standby of v2 */
    log[0] = '\0';
    tick_until(f, &t, "as saved standby", 40, log, sizeof(log));
    {
        const char *at = strstr(f->lines, "clone ro-");
        char name[16];
        assert_non_null(at);
        snprintf(name, sizeof(name), "%.6s", at + strlen("clone "));
        assert_int_equal(fx_meta(f, 0, name, &m), 1);
        assert_int_equal(m.image_version, 2);
        assert_int_equal(m.standby_kind, GF_SB_SAVED);
    }
}

/* A save image that does not restore: a saved standby's own is dropped and
 * the host boots; an active host's (an admin's managedsave) is kept and its
 * start fails, so its users' sessions are never thrown away. */
static void failed_restore_drops_only_a_standbys_saved_state(void **state)
{
    struct fx *f = sb_farm(state, 1, "saved");
    time_t t = fx_at(f, "09:00");
    char log[16384] = "";
    virDomainPtr dom;
    int joined;

    fx_tick_farm(f, "ro", t);
    tick_until(f, &t, "save ro-007", 2, log, sizeof(log));
    assert_int_equal(has_save(f, "ro-007"), 1);

    /* an active host with users, saved by an admin */
    assert_non_null(dom = virDomainLookupByName(f->conn[0], "ro-001"));
    assert_int_equal(virDomainManagedSave(dom, 0), 0);
    setenv("GOLDFARM_FAULT", "standby-restore:ro-001", 1);
    assert_int_equal(act_start_standby(NULL, dom, &joined), -1);
    unsetenv("GOLDFARM_FAULT");
    virDomainFree(dom);
    assert_int_equal(has_save(f, "ro-001"), 1); /* kept */
    assert_int_equal(fx_dom_state(f, 0, "ro-001"), VIR_DOMAIN_SHUTOFF);

    /* the saved standby: its state dropped, booted instead */
    assert_non_null(dom = virDomainLookupByName(f->conn[0], "ro-007"));
    setenv("GOLDFARM_FAULT", "standby-restore:ro-007", 1);
    assert_int_equal(act_start_standby(NULL, dom, &joined), 0);
    unsetenv("GOLDFARM_FAULT");
    virDomainFree(dom);
    assert_int_equal(has_save(f, "ro-007"), 0);
    assert_int_equal(fx_dom_state(f, 0, "ro-007"), VIR_DOMAIN_RUNNING);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(saved_standby_saved_restored_and_retired, hf_teardown),
        cmocka_unit_test_teardown(running_standby_joins_without_a_start, hf_teardown),
        cmocka_unit_test_teardown(failed_restore_drops_only_a_standbys_saved_state, hf_teardown),
        cmocka_unit_test_teardown(rollout_retires_saved_standbys_of_the_old_version_first,
                                  hf_teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm-rollout.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
