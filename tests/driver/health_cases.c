/* health_cases.c - what the health test programs share (health_cases.h). */
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

/* Fingerprints in use, freed by the teardown when a test fails. */
char *held[2];

int hf_teardown(void **state)
{
    for (int i = 0; i < 2; i++) {
        free(held[i]);
        held[i] = NULL;
    }
    unsetenv("GOLDFARM_FAULT");
    fx_free(*state);
    *state = NULL;
    return 0;
}

const char one_each[] = "00:00 hf-001 1\n"
                        "00:00 hf-002 1\n"
                        "00:00 hf-003 1\n"
                        "00:00 hf-004 1\n";

/* DIR/health.sh: exits 1 while DIR/bad-HOST exists. */
void write_health_script(struct fx *f)
{
    char path[256], text[512];

    snprintf(path, sizeof(path), "%s/health.sh", f->dir);
    snprintf(text, sizeof(text), "#!/bin/sh\n[ -e '%s/bad-'\"$1\" ] && exit 1\nexit 0\n", f->dir);
    fx_write_file(path, text);
    assert_int_equal(chmod(path, 0755), 0);
}

/* Mark HOST bad (or good again) for the health command. */
void set_bad(struct fx *f, const char *host, int bad)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/bad-%s", f->dir, host);
    if (bad)
        fx_write_file(path, "bad\n");
    else
        unlink(path);
}

/* The memory of a new host ("4G"; the event test's test:///default is smaller). */
const char *policy_memory = "4G";

/* The policy of farm "hf" on URI with STANDBY standby hosts in every phase
 * and HEALTH as its health group's body (NULL: no health group). */
void hf_policy(struct fx *f, const char *uri, int standby, const char *health)
{
    char text[8192], hg[2048] = "";

    if (health)
        snprintf(hg, sizeof(hg), "health = { %s };\n", health);
    snprintf(text, sizeof(text),
             "farm: {\n"
             "  name = \"hf\";\n"
             "  hypervisors = ( { uri = \"%s\"; } );\n"
             "  image = \"hf-gold\";\n"
             "  host_name = \"hf-%%03d\";\n"
             "  vcpus = 2;\n"
             "  memory = \"%s\";\n"
             "  max_sessions = 10;\n"
             "  min_hosts = 1;\n"
             "  max_hosts = 8;\n"
             "};\n"
             "schedule: {\n"
             "  timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up   = { start = \"07:00\"; min_hosts = 4; standby = %d; };\n"
             "    peak      = { start = \"09:00\"; min_hosts = 4; standby = %d; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 4; standby = %d; };\n"
             "    off_peak  = { start = \"19:00\"; min_hosts = 4; standby = %d; };\n"
             "  };\n"
             "};\n"
             "scaling = { cooldown_out = \"5m\"; cooldown_in = \"15m\"; max_step = 2; "
             "hysteresis = 10; };\n"
             "drain = { wait = \"30m\";\n"
             "  notify = [\"%s\", \"notify\"];\n"
             "  logoff = [\"%s\", \"logoff\"];\n"
             "  broker = [\"%s\", \"broker\"]; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n"
             "%s",
             uri, policy_memory, standby, standby, standby, standby, f->hook, f->hook, f->hook,
             f->trace, hg);
    fx_write_policy(f, "hf.conf", text);
}

/* The health group with the health command, and EXTRA keys. */
const char *health_cmd(struct fx *f, const char *extra)
{
    static char text[1024];

    snprintf(text, sizeof(text), "command = [\"%s/health.sh\"]; join = [\"%s\", \"join\"]; %s",
             f->dir, f->hook, extra);
    return text;
}

/* A fixture on farm-health.xml, policy written by the caller next. */
struct fx *hf_farm(void **state)
{
    struct fx *f = fx_new("farm-health.xml", NULL);

    *state = f;
    fx_write_trace(f, one_each);
    write_health_script(f);
    return f;
}

/* The moment HH:MM on the test's day plus SECS seconds. */
time_t at(struct fx *f, const char *hhmm, int secs)
{
    return fx_at(f, hhmm) + secs;
}

void tick(struct fx *f, time_t t)
{
    fx_tick_farm(f, "hf", t);
}

/* A tick where actions may fail: returns the number of failed actions. */
unsigned long tick_may_fail(struct fx *f, time_t t)
{
    struct gfd_farm *fm = fx_farm(f, "hf");
    unsigned long before = fm->failures;
    size_t used = 0;

    f->lines[0] = '\0';
    if (gfd_tick(&f->d, fm, t) < 0)
        fail_msg("tick failed: %s", gf_err_message());
    for (int i = 0; fm->planned && i < fm->plan.nactions; i++) {
        char line[512];
        if (fm->plan.actions[i].kind == GF_ACT_NOTE)
            continue;
        gf_action_line(fm->policy, &fm->plan.actions[i], line, sizeof(line));
        used += (size_t)snprintf(f->lines + used, sizeof(f->lines) - used, "%s\n", line);
    }
    return fm->failures - before;
}

void destroy(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    assert_non_null(dom);
    assert_int_equal(virDomainDestroy(dom), 0);
    virDomainFree(dom);
}

/* The metadata of NAME on CONN (fails when there is no such domain). */
void meta_of(virConnectPtr conn, const char *name, struct gf_meta *m)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    if (!dom)
        fail_msg("no domain '%s'", name);
    assert_int_equal(gf_meta_get(dom, m), 1);
    virDomainFree(dom);
}

int dom_state(virConnectPtr conn, const char *name, int *reason)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    int state = -1, r = 0;

    if (!dom) {
        virResetLastError();
        return -1;
    }
    assert_int_equal(virDomainGetState(dom, &state, &r, 0), 0);
    virDomainFree(dom);
    if (reason)
        *reason = r;
    return state;
}

/* The name of NAME's first snapshot starting with PREFIX into BUF ("" none). */
void snapshot_named(virConnectPtr conn, const char *name, const char *prefix, char *buf, size_t len)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    virDomainSnapshotPtr *snaps = NULL;
    int n;

    buf[0] = '\0';
    assert_non_null(dom);
    n = virDomainListAllSnapshots(dom, &snaps, 0);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        const char *s = virDomainSnapshotGetName(snaps[i]);
        if (!buf[0] && strncmp(s, prefix, strlen(prefix)) == 0)
            snprintf(buf, len, "%s", s);
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    virDomainFree(dom);
}

/* Assert that NAME is quarantined: metadata, shut off, a gf-quarantine-*
 * snapshot named in the reason, which mentions WHY. */
void assert_quarantined(virConnectPtr conn, const char *name, const char *why)
{
    struct gf_meta m;
    char snap[128];

    meta_of(conn, name, &m);
    if (m.state != GF_HS_QUARANTINED)
        fail_msg("%s is '%s', not quarantined (reason: %s)", name, gf_host_state_name(m.state),
                 m.reason);
    if (dom_state(conn, name, NULL) != VIR_DOMAIN_SHUTOFF)
        fail_msg("%s is quarantined but not shut off", name);
    snapshot_named(conn, name, "gf-quarantine-", snap, sizeof(snap));
    if (!snap[0])
        fail_msg("%s has no gf-quarantine-* snapshot (reason: %s)", name, m.reason);
    fx_assert_has(m.reason, "quarantined (snapshot ", "the quarantine reason");
    fx_assert_has(m.reason, why, "the quarantine reason");
    fx_assert_has(m.reason, snap, "the quarantine reason");
}

/* Assert the replacement link: NEW replaces OLD, OLD replaced by NEW; NEW active and running. */
void assert_replacement(virConnectPtr conn, const char *old, const char *new_host)
{
    struct gf_meta m;

    meta_of(conn, new_host, &m);
    if (strcmp(m.replaces, old) != 0)
        fail_msg("%s replaces '%s', not '%s'", new_host, m.replaces, old);
    if (m.state != GF_HS_ACTIVE)
        fail_msg("the replacement %s is '%s', not active", new_host, gf_host_state_name(m.state));
    if (dom_state(conn, new_host, NULL) != VIR_DOMAIN_RUNNING)
        fail_msg("the replacement %s is not running", new_host);
    meta_of(conn, old, &m);
    if (strcmp(m.replaced_by, new_host) != 0)
        fail_msg("%s is replaced by '%s', not '%s'", old, m.replaced_by, new_host);
}

int has_line(struct fx *f, const char *needle)
{
    return strstr(f->lines, needle) != NULL;
}

/* Assert that the last tick planned one action: the clone of HOST replacing
 * FAILED, its rule starting "health: FAILED WHY". */
void expect_clone_line(struct fx *f, const char *host, const char *failed, const char *why)
{
    char want[1024];

    snprintf(want, sizeof(want), "health: %s %s", failed, why);
    if (strncmp(f->lines, want, strlen(want)) != 0)
        fail_msg("the plan does not start with '%s':\n%s", want, f->lines);
    snprintf(want, sizeof(want), ": clone %s on %s\n", host, f->uri[0]);
    fx_assert_has(f->lines, want, "the plan");
    assert_int_equal(fx_count(f->lines, "\n"), 1);
}
