/* test_standby_qemu.c - saved standbys (issue 16) on a real libvirtd with QEMU (TCG) and
 * the tiny test guest.
 *
 * usage: test_standby_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Farm "gfd": one host in service and one standby of kind "saved", 256M each, sessions from
 * the guest agent; `goldfarmd --once` tick by tick.  In order:
 *
 *   1. the standby is cloned and booted; once its agent answers, the next tick saves it
 *      (virDomainManagedSave): shut off, libvirt reports a managed save image and its file
 *      exists under /var/lib/libvirt/qemu/save;
 *   2. the farm needs a second host: the tick starts the saved standby, which restores its
 *      memory: its agent answers (timed, printed beside its first boot), its uptime goes on
 *      from before the save (a fresh boot would start again near 0), the save file is gone,
 *      and it is an active host with no standby kind left in its metadata;
 *   3. the new saved standby made in its place is saved too; with the policy's standby
 *      count set to 0 it is retired: its domain and its save file are gone, never orphaned.
 *
 * Only domains and volumes named gf-test-d-* are made and removed.  GOLDFARM_TEST_VERBOSE=1
 * prints every command and its output.
 */

#include "daemon_harness.h"
#include "guest_files.h"

#define H1 PREFIX "01"
#define SB PREFIX "02"  /* the first saved standby */
#define SB2 PREFIX "03" /* the one made when SB is taken */
#define SAVE_DIR "/var/lib/libvirt/qemu/save"
#define SAVE_WAIT 120.0 /* a tick to the save image being there */

static const char policy_fmt[] =
    "# written by test_standby_qemu: a saved standby on the real-QEMU farm\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 2; min_hosts = 1; max_hosts = 3; tick = \"5s\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = %d; standby = %d; standby_kind = \"saved\"; "
    "};\n"
    "    peak      = { start = \"09:00\"; min_hosts = %d; standby = %d; standby_kind = \"saved\"; "
    "};\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = %d; standby = %d; standby_kind = \"saved\"; "
    "};\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = %d; standby = %d; standby_kind = \"saved\"; "
    "};\n"
    "  }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; };\n"
    "drain = { wait = \"%ds\"; };\n"
    "load = { source = \"agent\"; };\n";

static double first_boot;   /* the standby's clone to its agent answering, seconds */
static double saved_uptime; /* its guest's uptime just before it was saved */

/* Write the farm's policy: MIN hosts in service, STANDBY saved standbys. */
static void write_policy(int min, int standby)
{
    char text[4096], path[PATH_MAX + 32];
    struct cmd c;

    snprintf(text, sizeof(text), policy_fmt, min, standby, min, standby, min, standby, min, standby,
             DRAIN_WAIT);
    snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
    WRITE_FILE(path, text, 0644);
    VMCTL(&c, "policy", "check", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
}

static int group_setup(void **state)
{
    (void)state;
    suite_setup("standby");
    write_policy(1, 1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    suite_teardown();
    return 0;
}

/* Whether DOM's managed save file exists. */
static int save_file(const char *dom)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), SAVE_DIR "/%s.save", dom);
    return stat(path, &st) == 0;
}

/* Whether libvirt says DOM has a managed save image (virsh dominfo). */
static int managed_save(const char *dom)
{
    char text[4096];

    VIRSH_TEXT(text, "dominfo", dom);
    return strstr(text, "Managed save:   yes") != NULL;
}

/* DOM's guest uptime, seconds, from /proc/uptime through its agent. */
static double uptime(const char *dom)
{
    char why[1024], *text;
    double up = -1;

    if (ga_read_file(dom, "/proc/uptime", &text, why, sizeof(why)) < 0)
        FAILF("reading /proc/uptime in %s: %s", dom, why);
    sscanf(text, "%lf", &up);
    free(text);
    CHECK(up >= 0, "%s: no uptime", dom);
    return up;
}

/* Tick until DOM is saved (shut off with a managed save image), at most SAVE_WAIT. */
static void tick_until_saved(const char *dom)
{
    double deadline = now_s() + SAVE_WAIT;
    struct cmd c;

    for (;;) {
        TICK(&c);
        if (strstr(c.r.err, "save " PREFIX) && !strstr(c.r.err, "save " PREFIX "0") &&
            !strstr(c.r.err, "[done]"))
            FAILF("a save failed:\n%s", c.r.err);
        cmd_free(&c);
        if (managed_save(dom))
            break;
        CHECK(now_s() < deadline, "%s not saved within %.0fs:\n%s", dom, SAVE_WAIT, c.r.err);
        nap(2.0);
    }
    EXPECT_STATE(dom, "shut off");
    CHECK(save_file(dom), "%s: libvirt reports a managed save image, but no %s/%s.save", dom,
          SAVE_DIR, dom);
    EXPECT_META(dom, "state", "standby");
    EXPECT_META(dom, "standby-kind", "saved");
}

/* ---------------------------------------------------------------- 1. saved */

static void test_standby_booted_then_saved(void **state)
{
    double t0 = now_s();
    struct cmd c;

    (void)state;
    TICK(&c);
    CHECK(strstr(c.r.err, "clone " SB " as saved standby") && strstr(c.r.err, "[done]"),
          "no saved standby cloned:\n%s", c.r.err);
    cmd_free(&c);
    EXPECT_STATE(SB, "running"); /* booted once: a saved standby is made by booting it */
    WAIT_AGENT(SB);
    first_boot = now_s() - t0;
    WAIT_AGENT(H1);
    /* old enough that a fresh boot could not reach this uptime by its agent's answer */
    nap(15.0);
    saved_uptime = uptime(SB);
    tick_until_saved(SB);
    print_message("saved standby %s: cloned to agent %.1fs, saved at uptime %.1fs\n", SB,
                  first_boot, saved_uptime);
}

/* ---------------------------------------------------------------- 2. restored */

static void test_saved_standby_restores_and_answers(void **state)
{
    double after, t0, restored;
    struct cmd c;
    char kind[32];

    (void)state;
    write_policy(2, 1);
    t0 = now_s();
    TICK(&c);
    CHECK(strstr(c.r.err, "start " SB " (saved standby: restores)") && strstr(c.r.err, "[done]"),
          "the saved standby was not started:\n%s", c.r.err);
    cmd_free(&c);
    EXPECT_STATE(SB, "running");
    WAIT_AGENT(SB);
    restored = now_s() - t0;
    after = uptime(SB);
    /* a restore goes on from the saved uptime; a boot would start again from 0 */
    CHECK(after >= saved_uptime,
          "%s: uptime %.1fs after the restore, %.1fs when saved: it "
          "booted again",
          SB, after, saved_uptime);
    CHECK(!managed_save(SB) && !save_file(SB), "%s: its save image is still there", SB);
    EXPECT_META(SB, "state", "active");
    META(SB, "standby-kind", kind);
    CHECK(!kind[0], "%s is active but its metadata still says standby-kind '%s'", SB, kind);
    print_message("saved standby %s: start to agent %.1fs (first boot %.1fs), uptime %.1fs\n", SB,
                  restored, first_boot, after);
    CHECK(restored < first_boot, "restoring %s took %.1fs, its boot %.1fs", SB, restored,
          first_boot);
}

/* ---------------------------------------------------------------- 3. retired */

static void test_saved_standby_retired_with_its_save(void **state)
{
    double deadline = now_s() + BOOT_WAIT;
    struct cmd c;

    (void)state;
    /* the standby made in SB's place (it may still boot) */
    while (!DEFINED(SB2)) {
        CHECK(now_s() < deadline, "no new standby " SB2);
        TICK(&c);
        cmd_free(&c);
        nap(1.0);
    }
    WAIT_AGENT(SB2);
    tick_until_saved(SB2);
    write_policy(2, 0);
    TICK(&c);
    CHECK(strstr(c.r.err, "retire " SB2) && strstr(c.r.err, "[done]"), "%s not retired:\n%s", SB2,
          c.r.err);
    cmd_free(&c);
    CHECK(!DEFINED(SB2), "%s is still defined", SB2);
    CHECK(!save_file(SB2), "%s's save file %s/%s.save is left behind", SB2, SAVE_DIR, SB2);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standby_booted_then_saved),
        cmocka_unit_test(test_saved_standby_restores_and_answers),
        cmocka_unit_test(test_saved_standby_retired_with_its_save),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests_name("qemu_standby", tests, group_setup, group_teardown);
}
