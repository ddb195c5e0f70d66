/* test_rollout.c - goldfarmd rolling farm "ro" (tests/driver/farm-rollout.xml:
 * six running hosts on ro-gold v1) to v2 on libvirt's test driver, tick
 * by tick with an injected clock, in one process on one connection: in
 * batches with the minimum in service held at every tick (no room: old
 * hosts drained first; room: clones beside them), a canary that fails its
 * gate and the automatic rollback, a batch that fails and the careful way
 * back, too many failures after taking over, pause, resume and abort, a
 * kill -9 in the middle and a restart that carries on, and vmctl's
 * refusals.  The health command (health.sh) fails for a host while
 * DIR/bad-HOST exists. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/error.h"
#include "farmd_cases.h"
#include "health_cases.h"
#include "model/journal.h"
#include "base/log.h"
#include "plan/rollout.h"
#include "reconcile/admin.h"
#include "vmctl.h"
#include "lsan.h"

/* Every old host sessions-free: drains end at once. */
static const char empty_trace[] = "00:00 ro-001 0\n00:00 ro-002 0\n00:00 ro-003 0\n"
                                  "00:00 ro-004 0\n00:00 ro-005 0\n00:00 ro-006 0\n";

/* Farm "ro" with MAX_HOSTS, six hosts in every phase, the health command,
 * and ROLLOUT as its rollout group's body (NULL: the defaults).  HEALTH 0
 * leaves the health group out. */
static void ro_policy(struct fx *f, int max_hosts, const char *rollout, int health)
{
    char text[8192], hg[1024] = "", rg[512] = "";

    if (health)
        snprintf(hg, sizeof(hg), "health = { grace = \"60s\"; command = [\"%s/health.sh\"]; };\n",
                 f->dir);
    if (rollout)
        snprintf(rg, sizeof(rg), "rollout = { %s };\n", rollout);
    snprintf(text, sizeof(text),
             "farm: {\n"
             "  name = \"ro\";\n"
             "  hypervisors = ( { uri = \"%s\"; } );\n"
             "  image = \"ro-gold\";\n"
             "  host_name = \"ro-%%03d\";\n"
             "  memory = \"4G\";\n"
             "  max_sessions = 10;\n"
             "  min_hosts = 6;\n"
             "  max_hosts = %d;\n"
             "};\n"
             "schedule: {\n"
             "  timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up   = { start = \"07:00\"; min_hosts = 6; };\n"
             "    peak      = { start = \"09:00\"; min_hosts = 6; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 6; };\n"
             "    off_peak  = { start = \"19:00\"; min_hosts = 6; };\n"
             "  };\n"
             "};\n"
             "drain = { wait = \"30m\"; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n"
             "%s%s",
             f->uri[0], max_hosts, f->trace, hg, rg);
    fx_write_policy(f, "ro.conf", text);
}

/* A fixture on farm-rollout.xml with farm "ro"'s policy, started, and
 * one tick at 09:00 (goldfarmd's status exists from then on). */
static struct fx *ro_farm(void **state, int max_hosts, const char *rollout)
{
    struct fx *f = fx_new("farm-rollout.xml", NULL);

    *state = f;
    fx_write_trace(f, empty_trace);
    write_health_script(f);
    ro_policy(f, max_hosts, rollout, 1);
    fx_start(f, 1);
    fx_tick_farm(f, "ro", fx_at(f, "09:00"));
    return f;
}

/* vmctl's WORDS (NULL-terminated) on the farm's connection, with
 * --state-dir; must exit WANT. */
static void vmctl_expect(struct fx *f, int want, ...)
{
    char *argv[24], *out = NULL;
    struct vmctl_ctx ctx = {.conn = f->conn[0], .control = f->control};
    size_t len = 0;
    int argc = 0, code;
    FILE *mem;
    va_list ap;

    va_start(ap, want);
    while (argc < 20 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    if (strcmp(argv[1], "rollout") == 0) {
        argv[argc++] = "--state-dir";
        argv[argc++] = f->state;
        argv[argc] = NULL;
    }
    mem = open_memstream(&out, &len);
    ctx.out = mem;
    code = vmctl_run(&ctx, argc, argv);
    fclose(mem);
    if (code != want)
        fail_msg("vmctl %s %s: exit %d, not %d (%s)", argv[0], argv[1], code, want,
                 gf_err_message());
    free(out);
}

/* Host NAME's metadata (fails when there is none). */
static struct gf_meta host(struct fx *f, const char *name)
{
    struct gf_meta m;

    meta_of(f->conn[0], name, &m);
    return m;
}

/* Hosts of farm ro in service: active, running, and not the new half of
 * a pair whose old host still serves. */
static int in_service(struct fx *f)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(f->conn[0], &doms, 0), count = 0;

    for (int i = 0; i < n; i++) {
        struct gf_meta m, o;
        int state = 0, reason, pending = 0;
        virDomainPtr old;
        if (gf_meta_get(doms[i], &m) == 1 && m.role == GF_ROLE_HOST && strcmp(m.farm, "ro") == 0 &&
            m.state == GF_HS_ACTIVE && virDomainGetState(doms[i], &state, &reason, 0) == 0 &&
            state == VIR_DOMAIN_RUNNING) {
            if (m.supersedes[0] && (old = virDomainLookupByName(f->conn[0], m.supersedes))) {
                /* (a later host may have reused a retired old host's name) */
                pending =
                    gf_meta_get(old, &o) == 1 && o.state == GF_HS_ACTIVE && o.created <= m.created;
                virDomainFree(old);
            }
            virResetLastError();
            count += !pending;
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    return count;
}

/* The versions of farm ro's hosts, quarantined ones aside: "v2:6" or
 * "v1:4 v2:2", into BUF. */
static void versions(struct fx *f, char *buf, size_t len)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(f->conn[0], &doms, 0), count[8] = {0};

    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        if (gf_meta_get(doms[i], &m) == 1 && m.role == GF_ROLE_HOST && strcmp(m.farm, "ro") == 0 &&
            m.state != GF_HS_QUARANTINED && m.image_version < 8)
            count[m.image_version]++;
        virDomainFree(doms[i]);
    }
    free(doms);
    buf[0] = '\0';
    for (int v = 1; v < 8; v++)
        if (count[v])
            snprintf(buf + strlen(buf), len - strlen(buf), "%sv%d:%d", buf[0] ? " " : "", v,
                     count[v]);
}

/* The roll-out record goldfarmd keeps. */
static struct gf_rollout record(struct fx *f)
{
    struct gf_rollout r;

    assert_true(gf_rollout_load(f->state, "ro", &r) >= 0);
    return r;
}

/* Tick farm ro every minute from *T until its record's phase is WANT,
 * at most LIMIT ticks; at every tick at least MIN hosts are in service.
 * Every action line goes to LOG (when given).  Returns the ticks taken. */
static int run_until(struct fx *f, time_t *t, enum gf_rollout_phase want, int limit, int min,
                     char *log, size_t len)
{
    for (int n = 1; n <= limit; n++) {
        *t += 60;
        fx_tick_farm(f, "ro", *t);
        if (log)
            snprintf(log + strlen(log), len - strlen(log), "%s", f->lines);
        if (in_service(f) < min)
            fail_msg("tick %d: %d hosts in service < minimum %d; the tick did:\n%s", n,
                     in_service(f), min, f->lines);
        if (record(f).phase == want)
            return n;
    }
    fail_msg("no %s after %d ticks (record: %s: %s; notes:\n%s)", gf_rollout_phase_name(want),
             limit, gf_rollout_phase_name(record(f).phase), record(f).reason, fx_notes());
    return 0;
}

/* Only ro-gold's volumes and foreign-clone.qcow2 (no domain) are left over. */
static void assert_no_orphans(struct fx *f)
{
    char orphans[2048];

    fx_orphans(f, 0, orphans, sizeof(orphans));
    assert_string_equal(orphans, "foreign-clone.qcow2");
}

/* ---- the farm moves ---- */

static void full_farm_in_batches_holds_the_minimum(void **state)
{
    struct fx *f = ro_farm(state, 6, "batch = 2; soak = \"5m\";");
    time_t t = fx_at(f, "09:00");
    char v[64], log[16384] = "", *status;

    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", "--batch", "2", "--min-in-service",
                 "4", NULL);
    run_until(f, &t, GF_RO_BATCHES, 20, 4, log, sizeof(log));
    /* the farm was full: the canary's room was made by draining one old host */
    fx_assert_has(log,
                  "rollout v1 -> v2: no room for a canary clone: ro-006 drained first "
                  "(6 in service, minimum 4): drain ro-006",
                  "the ticks");
    fx_assert_has(log, "rollout v1 -> v2: canary for ro-005 (v1): clone ro-006", "the ticks");
    assert_string_equal(host(f, "ro-006").supersedes, "ro-005");
    run_until(f, &t, GF_RO_DONE, 40, 4, log, sizeof(log));
    versions(f, v, sizeof(v));
    if (strcmp(v, "v2:6") != 0) {
        char hosts[512];
        fx_farm_hosts(f, 0, "ro", hosts, sizeof(hosts));
        fprintf(stderr, "%s", log);
        fail_msg("%s (%s)", v, hosts);
    }
    assert_string_equal(v, "v2:6");
    /* six clones, one for each old host: none twice, none skipped */
    assert_int_equal(fx_count(log, ": clone ro-"), 6);
    assert_int_equal(fx_count(log, ": retire ro-"), 6);
    assert_no_orphans(f);
    fx_assert_has(fx_notes(), "rollout to v2 done: every host is on v2 [done]", "the log");
    fx_assert_has(fx_notes(), "rollout to v2: the canary passed; batches of 2 [done]", "the log");
    t += 60;
    fx_tick_farm(f, "ro", t); /* the status shows what the tick saw */
    fx_assert_lines(f, "");
    status = fx_state_file(f, "ro.status");
    fx_assert_has(status,
                  "\"rollout\":{\"image\":\"ro-gold\",\"from\":1,\"to\":2,\"phase\":\"done\"",
                  "the status");
    fx_assert_has(status, "\"on_target\":6,\"hosts\":6", "the status");
    free(status);
    /* from now on the farm clones v2 (the image still promotes v1) */
    assert_int_equal(fx_farm(f, "ro")->plan.clone_version, 2);
}

static void room_for_clones_beside_the_old_hosts(void **state)
{
    struct fx *f = ro_farm(state, 9, "batch = 2; soak = \"3m\";");
    time_t t = fx_at(f, "09:00");
    char v[64], log[16384] = "", *decisions;

    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", "--min-in-service", "100%", NULL);
    run_until(f, &t, GF_RO_DONE, 40, 6, log, sizeof(log));
    fx_assert_has(log, "rollout v1 -> v2: canary for ro-006 (v1): clone ro-007", "the ticks");
    fx_assert_has(log,
                  "rollout v1 -> v2: ro-007 (v2) is ready and serves in its place: drain "
                  "ro-006",
                  "the ticks");
    assert_int_equal(fx_count(log, "no room"), 0);
    versions(f, v, sizeof(v));
    assert_string_equal(v, "v2:6");
    assert_int_equal(fx_count(log, ": clone ro-"), 6);
    assert_no_orphans(f);
    decisions = fx_state_file(f, "ro.decisions");
    fx_assert_has(decisions, "\"rollout\":\"ro-gold v1 -> v2: canary\"", "the decision log");
    fx_assert_has(decisions, "\"rollout\":\"ro-gold v1 -> v2: batches\"", "the decision log");
    free(decisions);
}

/* ---- the way back ---- */

static void failed_canary_rolls_back(void **state)
{
    struct fx *f = ro_farm(state, 8, "soak = \"10m\";");
    time_t t = fx_at(f, "09:00");
    unsigned int serial;
    char v[64], log[8192] = "", *status;
    struct gf_rollout r;

    vmctl_expect(f, 0, "image", "promote", "ro-gold", "2", NULL);
    serial = host(f, "ro-gold-v2").promoted;
    set_bad(f, "ro-007", 1);                            /* the canary's name: the first free one */
    vmctl_expect(f, 0, "image", "rollout", "ro", NULL); /* to the promoted version */
    run_until(f, &t, GF_RO_ROLLED_BACK, 10, 6, log, sizeof(log));
    r = record(f);
    fx_assert_has(r.reason, "canary ro-007 (v2) failed its gate: health command", "the reason");
    assert_quarantined(f->conn[0], "ro-007", "rollback v2 -> v1: ro-007 failed (health command");
    versions(f, v, sizeof(v));
    assert_string_equal(v, "v1:6");
    /* v2 is no longer what new clones use: v1 was promoted again */
    assert_true(host(f, "ro-gold").promoted > serial);
    fx_assert_has(fx_notes(), "error: rollout to v2 failed: canary ro-007 (v2) failed its gate",
                  "the log");
    fx_assert_has(fx_notes(), "rollout to v2 going back: promote v1 again: promote v1 on",
                  "the log");
    status = fx_state_file(f, "ro.status");
    fx_assert_has(status, "\"phase\":\"rolled-back\"", "the status");
    free(status);
    assert_int_equal(fx_farm(f, "ro")->plan.clone_version, 1);
    assert_no_orphans(f);
}

static void failed_batch_goes_back_carefully(void **state)
{
    struct fx *f = ro_farm(state, 9, "batch = 2; soak = \"2m\"; min_in_service = 5;");
    time_t t = fx_at(f, "09:00");
    char v[64], log[16384] = "";

    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    run_until(f, &t, GF_RO_BATCHES, 10, 5, log, sizeof(log));
    /* the first batch's clones will be ro-008 and ro-009: they never get ready */
    set_bad(f, "ro-008", 1);
    set_bad(f, "ro-009", 1);
    run_until(f, &t, GF_RO_ROLLBACK, 10, 5, log, sizeof(log));
    fx_assert_has(record(f).reason, "new host ro-00", "the reason");
    run_until(f, &t, GF_RO_ROLLED_BACK, 20, 5, log, sizeof(log));
    assert_quarantined(f->conn[0], "ro-008", "ro-008 failed");
    assert_quarantined(f->conn[0], "ro-009", "ro-009 failed");
    /* the canary, healthy, went back the careful way: a v1 clone beside it, then drained */
    fx_assert_has(log, "rollback v2 -> v1: batch for ro-007 (v2): clone", "the ticks");
    fx_assert_has(log, "rollback v2 -> v1: ro-0", "the ticks");
    versions(f, v, sizeof(v));
    assert_string_equal(v, "v1:6");
    assert_no_orphans(f);
}

static void too_many_failures_after_taking_over_roll_back(void **state)
{
    struct fx *f = ro_farm(state, 8, "batch = 1; soak = \"2m\"; max_replacements = 0;");
    time_t t = fx_at(f, "09:00");

    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    run_until(f, &t, GF_RO_BATCHES, 10, 5, NULL, 0);
    t += 60;
    fx_tick_farm(f, "ro", t); /* the canary takes over */
    set_bad(f, "ro-007", 1);
    run_until(f, &t, GF_RO_ROLLBACK, 5, 5, NULL, 0);
    fx_assert_has(record(f).reason, "1 hosts on v2 failed after taking over (ro-007; limit 0)",
                  "the reason");
    set_bad(f, "ro-007", 0);
    run_until(f, &t, GF_RO_ROLLED_BACK, 30, 5, NULL, 0);
}

/* ---- an admin steers ---- */

static void pause_resume_abort(void **state)
{
    struct fx *f = ro_farm(state, 8, "batch = 2; soak = \"2m\";");
    time_t t = fx_at(f, "09:00");
    char v[64], *status;
    unsigned int serial;

    vmctl_expect(f, 2, "image", "rollout", "ro", "--pause", NULL); /* nothing to pause */
    vmctl_expect(f, 0, "image", "promote", "ro-gold", "2", NULL);
    serial = host(f, "ro-gold-v2").promoted;
    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "2", NULL); /* not before its tick... */
    t += 60;
    fx_tick_farm(f, "ro", t);                                        /* the canary */
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "2", NULL); /* ...nor while under way */
    vmctl_expect(f, 0, "image", "rollout", "ro", "--pause", NULL);
    for (int i = 0; i < 5; i++) {
        t += 60;
        fx_tick_farm(f, "ro", t);
        /* the request is taken at the first tick (an action of its plan); then nothing */
        fx_assert_lines(f, i == 0 ? "rollout: request 'pause' taken: v2 paused\n" : "");
    }
    assert_int_equal(record(f).phase, GF_RO_CANARY);
    status = fx_state_file(f, "ro.status");
    fx_assert_has(status, "\"paused\":true", "the status");
    free(status);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--pause", NULL); /* already */
    vmctl_expect(f, 0, "image", "rollout", "ro", "--resume", NULL);
    run_until(f, &t, GF_RO_BATCHES, 10, 5, NULL, 0);
    t += 60;
    fx_tick_farm(f, "ro", t);
    vmctl_expect(f, 0, "image", "rollout", "ro", "--abort", NULL);
    run_until(f, &t, GF_RO_ROLLED_BACK, 30, 5, NULL, 0);
    assert_string_equal(record(f).reason, "aborted by an admin");
    assert_true(host(f, "ro-gold").promoted > serial); /* v2 no longer the default */
    versions(f, v, sizeof(v));
    assert_string_equal(v, "v1:6");
    fx_assert_has(fx_notes(),
                  "error: rollout: request 'abort' taken: v2 aborted by an admin: going back to v1",
                  "the log");
    vmctl_expect(f, 2, "image", "rollout", "ro", "--abort", NULL); /* over */
    assert_no_orphans(f);
}

/* ---- vmctl image rollout --wait ---- */

struct waiter {
    struct fx *f;
    const char *words[12];
    int code;
    char *out;
    size_t len;
};

/* vmctl W->words in a thread of its own (as an admin's terminal), its
 * output into W->out. */
static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    struct vmctl_ctx ctx = {.conn = w->f->conn[0], .control = w->f->control};
    int argc = 0;

    while (w->words[argc])
        argc++;
    ctx.out = open_memstream(&w->out, &w->len);
    w->code = vmctl_run(&ctx, argc, (char **)w->words);
    fclose(ctx.out);
    return NULL;
}

/* Wait (10 s at most) until farm ro has a request waiting. */
static void until_requested(struct fx *f)
{
    for (int i = 0; i < 200; i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        struct gf_admin a;
        if (gf_admin_load(f->state, "ro", &a) == 0 && a.nqueue)
            return;
        nanosleep(&pause, NULL);
    }
    fail_msg("vmctl image rollout --wait asked nothing");
}

/* Tick farm ro every minute from *T until W's vmctl ended (LIMIT ticks at
 * most); then it must have exited WANT. */
static void tick_until_it_ends(struct fx *f, time_t *t, struct waiter *w, pthread_t th, int limit,
                               int want)
{
    for (int n = 0; n < limit; n++) {
        struct timespec pause = {0, 20 * 1000 * 1000}, until;
        *t += 60;
        fx_tick_farm(f, "ro", *t);
        nanosleep(&pause, NULL); /* its answer comes with the tick's end */
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 30 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        if (pthread_timedjoin_np(th, NULL, &until) == 0) {
            if (w->code != want)
                fail_msg("vmctl %s --wait: exit %d, not %d:\n%s", w->words[3], w->code, want,
                         w->out);
            return;
        }
    }
    fail_msg("vmctl image rollout --wait still waits after %d ticks:\n(record: %s)", limit,
             gf_rollout_phase_name(record(f).phase));
}

static void wait_follows_a_rollout_to_its_end(void **state)
{
    struct fx *f = ro_farm(state, 9, "batch = 2; soak = \"3m\";");
    struct waiter w = {
        .f = f,
        .words = {"image", "rollout", "ro", "--to", "2", "--wait", "--state-dir", f->state, NULL}};
    time_t t = fx_at(f, "09:00");
    pthread_t th;

    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    until_requested(f);
    tick_until_it_ends(f, &t, &w, th, 40, 0);
    assert_int_equal(record(f).phase, GF_RO_DONE);
    fx_assert_has(w.out, "farm ro: roll-out to ro-gold v2 requested (request 1)", "vmctl");
    fx_assert_has(w.out,
                  "request 1 taken: rollout: request 'start to=2' taken: to ro-gold v2 "
                  "from v1, batches of 2",
                  "vmctl");
    fx_assert_has(w.out, "rollout ro-gold v1 -> v2: canary, ", "vmctl");
    fx_assert_has(w.out, "rollout ro-gold v1 -> v2: done, 6 of 6 hosts on v2\n", "vmctl");
    /* a line per change: never the same line twice in a row */
    for (const char *at = w.out, *nl; (nl = strchr(at, '\n')) && nl[1]; at = nl + 1) {
        const char *next = strchr(nl + 1, '\n');
        if (next && next - nl - 1 == nl - at && strncmp(at, nl + 1, (size_t)(nl - at)) == 0)
            fail_msg("a line printed twice:\n%s", w.out);
    }
    free(w.out);
}

static void wait_says_a_rollout_rolled_back(void **state)
{
    struct fx *f = ro_farm(state, 8, "soak = \"10m\";");
    struct waiter w = {
        .f = f,
        .words = {"image", "rollout", "ro", "--to", "2", "--wait", "--state-dir", f->state, NULL}};
    time_t t = fx_at(f, "09:00");
    pthread_t th;

    set_bad(f, "ro-007", 1); /* the canary fails its gate */
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &w), 0);
    until_requested(f);
    tick_until_it_ends(f, &t, &w, th, 20, 1);
    fx_assert_has(w.out, "rollout ro-gold v1 -> v2: rolled-back", "vmctl");
    free(w.out);
    /* an abort's --wait ends well when the farm is back; a pause's once taken */
    {
        struct waiter p = {.f = f, .words = {"image", "rollout", "ro", "--pause", "--wait", NULL}};
        p.words[5] = "--state-dir";
        p.words[6] = f->state;
        assert_int_equal(pthread_create(&th, NULL, wait_thread, &p), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(p.code, 2); /* nothing to pause: refused at once */
        free(p.out);
    }
}

static void wait_for_a_pause_and_an_abort(void **state)
{
    struct fx *f = ro_farm(state, 8, "batch = 2; soak = \"2m\";");
    struct waiter p = {
        .f = f,
        .words = {"image", "rollout", "ro", "--pause", "--wait", "--state-dir", f->state, NULL}};
    struct waiter a = {
        .f = f,
        .words = {"image", "rollout", "ro", "--abort", "--wait", "--state-dir", f->state, NULL}};
    time_t t = fx_at(f, "09:00");
    pthread_t th;

    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    t += 60;
    fx_tick_farm(f, "ro", t); /* the canary */
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &p), 0);
    until_requested(f);
    tick_until_it_ends(f, &t, &p, th, 2, 0);
    fx_assert_has(p.out, "request 2 taken: rollout: request 'pause' taken: v2 paused", "vmctl");
    free(p.out);
    assert_int_equal(pthread_create(&th, NULL, wait_thread, &a), 0);
    until_requested(f);
    tick_until_it_ends(f, &t, &a, th, 30, 0);
    fx_assert_has(a.out, "rollout ro-gold v1 -> v2: rolled-back", "vmctl");
    assert_int_equal(record(f).phase, GF_RO_ROLLED_BACK);
    free(a.out);
}

/* ---- crashes and restarts ---- */

static jmp_buf crash_jmp;
static char crashed_at[32];

static void on_crash(const char *point)
{
    snprintf(crashed_at, sizeof(crashed_at), "%s", point);
    longjmp(crash_jmp, 1);
}

/* Tick farm ro every minute from *T with GOLDFARM_CRASH=POINT until a tick
 * reaches it (at most 10): the daemon stops there, as a kill -9 would stop
 * it, and is gone. */
static void tick_until_crash(struct fx *f, const char *point, time_t *t)
{
    crashed_at[0] = '\0';
    setenv("GOLDFARM_CRASH", point, 1);
    gf_crash_set_handler(on_crash);
    for (int i = 0; i < 10 && !crashed_at[0]; i++) {
        *t += 60;
        LSAN_DISABLE();
        if (setjmp(crash_jmp) == 0)
            gfd_tick(&f->d, fx_farm(f, "ro"), *t);
        LSAN_ENABLE();
    }
    gf_crash_set_handler(NULL);
    unsetenv("GOLDFARM_CRASH");
    if (strcmp(crashed_at, point) != 0)
        fail_msg("no tick reached the crash point %s", point);
    fx_stop(f);
}

static void kill_mid_rollout_and_carry_on(void **state)
{
    struct fx *f = ro_farm(state, 8, "batch = 2; soak = \"2m\";");
    time_t t = fx_at(f, "09:00");
    char v[64], log[16384] = "", hosts[512];

    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    run_until(f, &t, GF_RO_BATCHES, 10, 5, log, sizeof(log));
    /* a batch: killed after a clone's domain is defined */
    tick_until_crash(f, "clone-defined", &t);
    fx_farm_hosts(f, 0, "ro", hosts, sizeof(hosts));
    fx_start(f, 1); /* the restart: the clone's domain carries its tag: kept */
    fx_assert_has(fx_notes(), "interrupted by a crash after its domain was defined: finished",
                  "the log");
    run_until(f, &t, GF_RO_DONE, 40, 5, log, sizeof(log));
    versions(f, v, sizeof(v));
    assert_string_equal(v, "v2:6");
    /* each old host replaced once: six clones defined, the crashed tick's
     * one among them, kept by the recovery and never made twice */
    assert_int_equal(fx_count(fx_notes(), "defined from gold image 'ro-gold' v2"), 6);
    assert_int_equal(fx_count(fx_notes(), "interrupted by a crash: undone"), 0);
    assert_int_equal(fx_count(fx_notes(), ": retire ro-"), 6);
    assert_no_orphans(f);
}

static void restart_before_every_tick(void **state)
{
    struct fx *f = ro_farm(state, 8, "batch = 2; soak = \"3m\";");
    time_t t = fx_at(f, "09:00");
    char v[64], log[16384] = "";

    f->restart_every_tick = 1;
    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    run_until(f, &t, GF_RO_DONE, 40, 5, log, sizeof(log));
    versions(f, v, sizeof(v));
    assert_string_equal(v, "v2:6");
    assert_int_equal(fx_count(log, ": clone ro-"), 6);
    assert_no_orphans(f);
}

/* ---- refusals ---- */

/* The requests waiting in farm ro's admin state, and the fate of request
 * ID (-1: none kept). */
static int waiting(struct fx *f, unsigned long id, int *fate)
{
    struct gf_admin a;
    const struct gf_admin_done *d;
    int w;

    assert_int_equal(gf_admin_load(f->state, "ro", &a), 0);
    d = gf_admin_fate_of(&a, id, &w);
    *fate = d ? (int)d->fate : -1;
    return a.nqueue;
}

static void refusals_change_nothing(void **state)
{
    struct fx *f = ro_farm(state, 8, NULL);
    int fate;

    vmctl_expect(f, 2, "image", "rollout", "other", NULL); /* no such farm */
    fx_assert_has(gf_err_message(), "goldfarmd runs no farm 'other' (its farms: ro)", "the error");
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "9", NULL); /* no such version */
    fx_assert_has(gf_err_message(), "has no version 9", "the error");
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "1", NULL); /* all on it */
    fx_assert_has(gf_err_message(), "every host of farm 'ro' runs ro-gold v1 already", "the error");
    vmctl_expect(f, 2, "image", "rollout", "ro", "--batch", "0", NULL); /* bad batch */
    vmctl_expect(f, 2, "image", "rollout", "ro", "--min-in-service", "150%", NULL);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--soak", "ten", NULL);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--pause", "--abort", NULL);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--resume", "--to", "2", NULL);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--resume", NULL);
    fx_assert_has(gf_err_message(), "farm 'ro' has no roll-out to resume (none)", "the error");
    assert_int_equal(waiting(f, 1, &fate), 0);
    /* a policy with no health checks to gate on, as the daemon runs it */
    ro_policy(f, 8, NULL, 0);
    assert_int_equal(gfd_reload(&f->d), 0);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "2", NULL);
    fx_assert_has(gf_err_message(), "has no health group", "the error");
    assert_int_equal(waiting(f, 1, &fate), 0);
    /* the tick decides again: a request taken, then the policy changed before
     * the tick: refused there, and the request says so */
    ro_policy(f, 8, NULL, 1);
    assert_int_equal(gfd_reload(&f->d), 0);
    vmctl_expect(f, 0, "image", "rollout", "ro", "--to", "2", NULL);
    assert_int_equal(waiting(f, 1, &fate), 1);
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "2", NULL); /* asked already */
    fx_assert_has(gf_err_message(), "is requested already (request 1, 'start to=2')", "the error");
    ro_policy(f, 8, NULL, 0);
    assert_int_equal(gfd_reload(&f->d), 0);
    fx_tick_farm(f, "ro", fx_at(f, "09:05"));
    fx_assert_has(fx_notes(), "error: rollout: request 'start to=2' for farm ro refused",
                  "the log");
    assert_int_equal(record(f).phase, GF_RO_NONE);
    assert_int_equal(waiting(f, 1, &fate), 0); /* decided */
    assert_int_equal(fate, GF_FATE_REFUSED);
}

static void pinned_policy_refuses_another_version(void **state)
{
    struct fx *f = ro_farm(state, 8, NULL);
    char text[8192], *conf = NULL;
    size_t len = 0;
    FILE *in;

    snprintf(text, sizeof(text), "%s/ro.conf", f->policies);
    in = fopen(text, "r");
    assert_non_null(in);
    assert_true(getdelim(&conf, &len, '\0', in) > 0);
    fclose(in);
    conf = realloc(conf, strlen(conf) + 64);
    replace(conf, strlen(conf) + 64, "  image = \"ro-gold\";\n",
            "  image = \"ro-gold\";\n  image_version = 1;\n");
    fx_write_policy(f, "ro.conf", conf);
    free(conf);
    assert_int_equal(gfd_reload(&f->d), 0);
    fx_tick_farm(f, "ro", fx_at(f, "09:01"));
    vmctl_expect(f, 2, "image", "rollout", "ro", "--to", "2", NULL);
    fx_assert_has(gf_err_message(), "pins version 1 of 'ro-gold' (farm.image_version)",
                  "the error");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(full_farm_in_batches_holds_the_minimum, hf_teardown),
        cmocka_unit_test_teardown(room_for_clones_beside_the_old_hosts, hf_teardown),
        cmocka_unit_test_teardown(failed_canary_rolls_back, hf_teardown),
        cmocka_unit_test_teardown(failed_batch_goes_back_carefully, hf_teardown),
        cmocka_unit_test_teardown(too_many_failures_after_taking_over_roll_back, hf_teardown),
        cmocka_unit_test_teardown(pause_resume_abort, hf_teardown),
        cmocka_unit_test_teardown(wait_follows_a_rollout_to_its_end, hf_teardown),
        cmocka_unit_test_teardown(wait_says_a_rollout_rolled_back, hf_teardown),
        cmocka_unit_test_teardown(wait_for_a_pause_and_an_abort, hf_teardown),
        cmocka_unit_test_teardown(kill_mid_rollout_and_carry_on, hf_teardown),
        cmocka_unit_test_teardown(restart_before_every_tick, hf_teardown),
        cmocka_unit_test_teardown(refusals_change_nothing, hf_teardown),
        cmocka_unit_test_teardown(pinned_policy_refuses_another_version, hf_teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm-rollout.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
