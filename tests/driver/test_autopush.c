/* test_autopush.c - goldfarmd on libvirt's test driver pushing its image to
 * a node that lacks it (farm.push = "auto"): the push runs beside the
 * ticks (the test driver has no storage streams, so here it fails at its
 * first one: it leaves nothing; qemu_nodes pushes for real); a push that
 * fails backs off and is tried again; while one waits (the push
 * journal's lock held, as by a `vmctl image push`) the ticks go on, plan
 * no other, and vmctl plan says so from the farm's memory; stopping the
 * daemon cancels it without leaving anything, and the next daemon forgets
 * it and pushes again.  argv[1] is the tests/driver directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "act/push_job.h"
#include "base/error.h"
#include "farmd_cases.h"
#include "farmd_fixture.h"
#include "vmctl.h"

/* Farm pg on F's nodes 0 (image pg, max_hosts 1) and 1, two hosts at
 * least, with the more farm keys EXTRA. */
static void write_pg_policy(struct fx *f, const char *extra)
{
    char policy[4096];

    snprintf(policy, sizeof(policy),
             "farm: { name = \"pg\";\n"
             "  hypervisors = ( { uri = \"%s\"; max_hosts = 1; }, { uri = \"%s\"; } );\n"
             "  image = \"pg\"; host_name = \"pg-%%03d\"; vcpus = 1; memory = \"1G\";\n"
             "  max_sessions = 10; min_hosts = 2; max_hosts = 4; clone_disk = \"0\";%s };\n"
             "schedule: { timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
             "    ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], f->uri[1], extra, f->trace);
    fx_write_policy(f, "pg.conf", policy);
}

/* Wait (at most 20 s) until farm pg's push job is no longer under way. */
static void wait_push(struct fx *f)
{
    struct gfd_farm *fm = fx_farm(f, "pg");

    for (int i = 0; i < 2000 && gf_push_jobs_running(fm->pushes, NULL, 0, NULL, NULL); i++)
        usleep(10000);
    if (gf_push_jobs_running(fm->pushes, NULL, 0, NULL, NULL))
        fail_msg("the push is still under way after 20 s");
}

/* Tick farm pg at HH:MM plus SECS seconds. */
static void tick_pg(struct fx *f, const char *hhmm, int secs)
{
    fx_tick_farm(f, "pg", fx_at(f, hhmm) + secs);
}

static void push_runs_beside_the_tick_and_leaves_nothing_when_it_fails(void **state)
{
    struct fx *f = fx_new("farm-push-a.xml", "farm-autopush-b.xml", NULL);
    char want[2048], *mem;

    *state = f;
    write_pg_policy(f, "");
    fx_start(f, 1);
    /* node 0 takes one host (its max_hosts); node 1 has no pg: pushed there */
    tick_pg(f, "12:00", 0);
    snprintf(want, sizeof(want),
             "peak: 0 hosts in service < minimum 2: clone pg-001 on %s\n"
             "push: image pg v1 is not on %s, where new hosts may go: push v1 from %s to %s\n",
             f->uri[0], f->uri[1], f->uri[0], f->uri[1]);
    fx_assert_lines(f, want);
    fx_assert_has(fx_notes(), "[started]", "the log");
    assert_non_null(mem = fx_state_file(f, "pg.memory"));
    fx_assert_has(mem, "\"pushes\":[{\"uri\":", "pg.memory");
    fx_assert_has(mem, "\"version\":1,", "pg.memory");
    free(mem);
    wait_push(f);
    /* the test driver has no storage streams: the push fails at its first
     * one, and the next tick takes that outcome; nothing is left on node 1
     * (no gold domain, no volume), the source's metadata is unchanged */
    fx_notes_reset();
    tick_pg(f, "12:01", 0);
    fx_assert_has(fx_notes(), "error: pg: push of image pg v1 to ", "the log");
    fx_assert_has(fx_notes(), "virStorageVolDownload", "the log");
    fx_assert_has(fx_notes(), "nothing of the push of 'pg' was kept", "the log");
    assert_int_equal(fx_meta(f, 1, "pg", &(struct gf_meta){0}), 0);
    assert_false(fx_volume(f, 1, "pg.qcow2", NULL, 0));
    {
        struct gf_meta a;
        assert_int_equal(fx_meta(f, 0, "pg", &a), 1);
        assert_string_equal(a.sha256, "");
    }
    /* its journal record is closed: a vmctl image push finds nothing to undo */
    assert_non_null(mem = fx_state_file(f, "push/journal"));
    fx_assert_has(mem, "\"op\":\"push\"", "the push journal");
    fx_assert_has(mem, "\"k\":\"end\"", "the push journal");
    free(mem);
}

static void a_failed_push_backs_off(void **state)
{
    /* farm-push-c.xml has no pool named goldfarm: the push is refused there */
    struct fx *f = fx_new("farm-push-a.xml", "farm-push-c.xml", NULL);
    char notes[4096], want[256], *mem;

    *state = f;
    write_pg_policy(f, "");
    fx_start(f, 1);
    tick_pg(f, "12:00", 0);
    fx_assert_has(f->lines, "push v1 from", "the plan");
    wait_push(f);
    fx_notes_reset();
    tick_pg(f, "12:00", 10);
    fx_assert_has(fx_notes(), "error: pg: push of image pg v1 to ", "the log");
    fx_assert_has(fx_notes(), "no storage pool 'goldfarm'", "the log");
    fx_assert_has(fx_notes(), "next try in 60s", "the log");
    fx_assert_lacks(f->lines, "push v1 from", "the plan");
    fx_plan_notes(f, "pg", notes, sizeof(notes));
    fx_assert_has(notes, "pushes there back off until 12:01:10 after 1 failure", "the notes");
    assert_non_null(mem = fx_state_file(f, "pg.memory"));
    fx_assert_has(mem, "\"failures\":1", "pg.memory");
    free(mem);
    /* a restart keeps the backoff (the farm's memory) */
    fx_stop(f);
    fx_start(f, 1);
    tick_pg(f, "12:01", 0);
    fx_assert_lacks(f->lines, "push v1 from", "the plan after a restart");
    /* once it is over, the push is tried again, and fails again: 2 minutes */
    tick_pg(f, "12:01", 15);
    fx_assert_has(f->lines, "push v1 from", "the plan after the backoff");
    wait_push(f);
    fx_notes_reset();
    tick_pg(f, "12:01", 20);
    snprintf(want, sizeof(want), "next try in 120s");
    fx_assert_has(fx_notes(), want, "the log");
    /* nothing was made on the target */
    assert_int_equal(fx_meta(f, 1, "pg", &(struct gf_meta){0}), 0);
}

/* Run vmctl's words (NULL-terminated) without -c: a policy's hypervisors
 * are opened by their URIs (fresh test-driver states).  Its output into
 * *OUT (to free).  Its exit code. */
static int vmctl_plain(struct fx *f, char **out, ...)
{
    struct vmctl_ctx ctx = {.control = f->control};
    char *argv[32];
    size_t len = 0;
    int argc = 0, code;
    FILE *mem;
    va_list ap;

    va_start(ap, out);
    while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    assert_non_null(mem = open_memstream(out, &len));
    ctx.out = mem;
    code = vmctl_run(&ctx, argc, argv);
    fclose(mem);
    return code;
}

/* Hold the push journal's lock of F's state directory, as a `vmctl image
 * push` under way does.  Its descriptor. */
static int hold_push_lock(struct fx *f)
{
    char dir[256], lock[300];
    int fd;

    snprintf(dir, sizeof(dir), "%s/push", f->state);
    snprintf(lock, sizeof(lock), "%s/lock", dir);
    assert_true(mkdir(dir, 0700) == 0 || access(dir, F_OK) == 0);
    assert_true((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    return fd;
}

static void waiting_push_ticks_on_then_cancelled_and_redone(void **state)
{
    struct fx *f = fx_new("farm-push-a.xml", "farm-autopush-b.xml", NULL);
    char notes[4096], want[1024], path[256], *out = NULL;
    struct timespec t0, t1;
    int fd;

    *state = f;
    write_pg_policy(f, "");
    fd = hold_push_lock(f);
    fx_start(f, 1);
    tick_pg(f, "12:00", 0);
    fx_assert_has(f->lines, "push v1 from", "the plan");
    usleep(300000);
    assert_true(gf_push_jobs_running(fx_farm(f, "pg")->pushes, NULL, 0, NULL, NULL));
    /* the ticks go on meanwhile, and plan no other push */
    tick_pg(f, "12:01", 0);
    fx_assert_lacks(f->lines, "push v1 from", "the plan while one is under way");
    fx_plan_notes(f, "pg", notes, sizeof(notes));
    snprintf(want, sizeof(want), "push: image pg v1 on its way to %s since 12:00:00: no other push",
             f->uri[1]);
    fx_assert_has(notes, want, "the notes");
    /* vmctl plan reads it from the farm's memory: the same */
    snprintf(path, sizeof(path), "%s/pg.conf", f->policies);
    if (vmctl_plain(f, &out, "plan", "--policy", path, "--at", "12:01", "--state-dir", f->state,
                    NULL) != 0)
        fail_msg("vmctl plan: %s\n%s", gf_err_message(), out);
    fx_assert_has(out, want, "vmctl plan");
    fx_assert_lacks(out, "push v1 from", "vmctl plan");
    free(out);
    /* stopping the daemon cancels it at once; nothing made on node 1 */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fx_stop(f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    assert_int_equal(fx_meta(f, 1, "pg", &(struct gf_meta){0}), 0);
    assert_false(fx_volume(f, 1, "pg.qcow2", NULL, 0));
    /* the lock given back and a new daemon: the push is forgotten, done again */
    close(fd);
    fx_start(f, 1);
    fx_notes_reset();
    tick_pg(f, "12:02", 0);
    fx_assert_has(fx_notes(), "did not end (goldfarmd stopped)", "the log");
    fx_assert_has(f->lines, "push v1 from", "the plan after the restart");
    wait_push(f);
}

static void push_off_leaves_the_node_alone(void **state)
{
    struct fx *f = fx_new("farm-push-a.xml", "farm-autopush-b.xml", NULL);
    char notes[4096];

    *state = f;
    write_pg_policy(f, " push = \"off\";");
    fx_start(f, 1);
    tick_pg(f, "12:00", 0);
    fx_assert_lacks(f->lines, "push v1 from", "the plan");
    fx_plan_notes(f, "pg", notes, sizeof(notes));
    fx_assert_has(notes, "no clone", "the notes");
    assert_int_equal(fx_meta(f, 1, "pg", &(struct gf_meta){0}), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(push_runs_beside_the_tick_and_leaves_nothing_when_it_fails,
                                  teardown),
        cmocka_unit_test_teardown(a_failed_push_backs_off, teardown),
        cmocka_unit_test_teardown(waiting_push_ticks_on_then_cancelled_and_redone, teardown),
        cmocka_unit_test_teardown(push_off_leaves_the_node_alone, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests_name("goldfarmd on the test driver: pushes to a node lacking "
                                       "the image",
                                       tests, NULL, NULL)
               ? 1
               : 0;
}
