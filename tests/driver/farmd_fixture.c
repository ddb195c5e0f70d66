/* farmd_fixture.c - goldfarmd's core driven tick by tick on the test driver. */
#include "farmd_fixture.h"

#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/domxml.h"
#include "base/error.h"
#include "base/log.h"
#include "control.h"
#include "vmctl.h"

char fx_testdir[400];

/* ---- log capture ---------------------------------------------------- */

static char *notes;
static size_t notes_len, notes_cap;
static int notes_n;
static pthread_mutex_t notes_lock = PTHREAD_MUTEX_INITIALIZER; /* farms log from threads */

/* Keep LINE as the daemon's stderr would show it: "error: " or "warning: "
 * before the lines of those levels. */
static void sink(int level, const char *raw)
{
    char line[1200];
    size_t need;

    snprintf(line, sizeof(line), "%s%s%s", level <= GF_LOG_WARNING ? gf_log_level_name(level) : "",
             level <= GF_LOG_WARNING ? ": " : "", raw);
    need = strlen(line) + 2;
    pthread_mutex_lock(&notes_lock);

    if (notes_len + need + 1 > notes_cap) {
        notes_cap = (notes_len + need + 1) * 2;
        notes = realloc(notes, notes_cap);
        assert_non_null(notes);
    }
    memcpy(notes + notes_len, line, need - 2);
    notes_len += need - 2;
    notes[notes_len++] = '\n';
    notes[notes_len] = '\0';
    notes_n++;
    pthread_mutex_unlock(&notes_lock);
}

void fx_notes_reset(void)
{
    pthread_mutex_lock(&notes_lock);
    notes_len = 0;
    notes_n = 0;
    if (notes)
        notes[0] = '\0';
    pthread_mutex_unlock(&notes_lock);
}

const char *fx_notes(void)
{
    return notes ? notes : "";
}

int fx_notes_count(void)
{
    return notes_n;
}

/* ---- files ---------------------------------------------------------- */

void fx_write_file(const char *path, const char *text)
{
    char tmp[4300];
    FILE *out;

    /* atomically, as an editor or a broker export would */
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    out = fopen(tmp, "w");
    assert_non_null(out);
    assert_true(fputs(text, out) >= 0);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(rename(tmp, path), 0);
}

void fx_write_policy(struct fx *f, const char *name, const char *text)
{
    char path[4300];

    if (strchr(name, '/'))
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%s/%s", f->policies, name);
    fx_write_file(path, text);
}

void fx_write_trace(struct fx *f, const char *text)
{
    fx_write_file(f->trace, text);
}

char *fx_state_file(struct fx *f, const char *name)
{
    char path[4300];
    FILE *in;
    char *text = NULL;
    size_t len = 0;

    snprintf(path, sizeof(path), "%s/%s", f->state, name);
    if (!(in = fopen(path, "r")))
        return NULL;
    if (getdelim(&text, &len, '\0', in) < 0) {
        free(text);
        text = strdup("");
    }
    fclose(in);
    return text;
}

char *fx_hooklog(struct fx *f)
{
    FILE *in = fopen(f->hooklog, "r");
    char *text = NULL;
    size_t len = 0;

    if (!in)
        return strdup("");
    if (getdelim(&text, &len, '\0', in) < 0) {
        free(text);
        text = strdup("");
    }
    fclose(in);
    return text;
}

int fx_count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *at = hay; at && (at = strstr(at, needle)); at += strlen(needle))
        n++;
    return n;
}

/* ---- the fixture ------------------------------------------------------ */

/* The daemon's connector: the policy's URI to an open connection. */
static virConnectPtr connector(void *opaque, const char *uri)
{
    struct fx *f = opaque;

    f->connects++;
    for (int i = 0; i < f->nhv; i++)
        if (strcmp(uri, f->uri[i]) == 0)
            return f->down[i] ? NULL : f->conn[i];
    return NULL;
}

struct fx *fx_new(const char *first, ...)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *file = first;
    char text[512];
    va_list ap;

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/gf-farmd-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->policies, sizeof(f->policies), "%s/policies", f->dir);
    snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
    snprintf(f->trace, sizeof(f->trace), "%s/day.trace", f->dir);
    snprintf(f->hook, sizeof(f->hook), "%s/hook", f->dir);
    snprintf(f->hooklog, sizeof(f->hooklog), "%s/hooks.log", f->dir);
    snprintf(f->control, sizeof(f->control), "%s/control.sock", f->state);
    assert_int_equal(mkdir(f->policies, 0700), 0);
    assert_int_equal(mkdir(f->state, 0700), 0);
    snprintf(text, sizeof(text), "#!/bin/sh\necho \"$*\" >> '%s'\n", f->hooklog);
    fx_write_file(f->hook, text);
    assert_int_equal(chmod(f->hook, 0755), 0);
    fx_write_trace(f, "");
    va_start(ap, first);
    for (; file && f->nhv < FX_MAX_HV; file = va_arg(ap, const char *)) {
        snprintf(f->uri[f->nhv], sizeof(f->uri[0]), "test://%s/%s", fx_testdir, file);
        f->conn[f->nhv] = virConnectOpen(f->uri[f->nhv]);
        assert_non_null(f->conn[f->nhv]);
        f->nhv++;
    }
    va_end(ap);
    /* A day at least a day after the wall clock, at midnight UTC: what the
     * library stamps with the wall clock stays before every tick. */
    f->base = (time(NULL) / 86400 + 2) * 86400;
    gf_log_set_sink(sink);
    fx_notes_reset();
    return f;
}

/* Remove DIR and everything in it (one level of subdirectories). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4300];

    if (!d)
        return;
    while ((e = readdir(d))) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

void fx_free(struct fx *f)
{
    if (!f)
        return;
    unsetenv("GOLDFARM_CRASH");
    fx_stop(f);
    for (int i = 0; i < f->nhv; i++)
        virConnectClose(f->conn[i]);
    if (!getenv("GF_KEEP_TMP"))
        remove_tree(f->dir);
    gf_log_set_sink(NULL);
    free(f);
}

void fx_policy_rds(struct fx *f, char *buf, size_t len, int max_hosts)
{
    snprintf(buf, len,
             "farm: {\n"
             "  name = \"rds\";\n"
             "  hypervisors = ( { uri = \"%s\"; } );\n"
             "  image = \"rds-gold\";\n"
             "  host_name = \"rds-%%03d\";\n"
             "  vcpus = 2;\n"
             "  memory = \"4G\";\n"
             "  max_sessions = 10;\n"
             "  min_hosts = 1;\n"
             "  max_hosts = %d;\n"
             "};\n"
             "schedule: {\n"
             "  timezone = \"UTC\";\n"
             "  all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "    ramp_up   = { start = \"07:00\"; min_hosts = 4; threshold = 60; standby = 1; };\n"
             "    peak      = { start = \"09:00\"; min_hosts = 4; threshold = 80; standby = 1; };\n"
             "    ramp_down = { start = \"17:00\"; min_hosts = 5; threshold = 80; "
             "balance = \"depth\"; standby = 1; };\n"
             "    off_peak  = { start = \"19:00\"; min_hosts = 2; threshold = 90; "
             "balance = \"depth\"; standby = 0; };\n"
             "  };\n"
             "};\n"
             "scaling = { cooldown_out = \"5m\"; cooldown_in = \"15m\"; max_step = 2; "
             "hysteresis = 10; };\n"
             "drain = { wait = \"30m\";\n"
             "  notify = [\"%s\", \"notify\"];\n"
             "  logoff = [\"%s\", \"logoff\"];\n"
             "  broker = [\"%s\", \"broker\"]; };\n"
             "load = { source = \"trace\"; trace = \"%s\"; };\n",
             f->uri[0], max_hosts, f->hook, f->hook, f->hook, f->trace);
}

void fx_start(struct fx *f, int parallel)
{
    assert_false(f->started);
    f->parallel = parallel;
    memset(&f->d, 0, sizeof(f->d));
    f->d.connect = connector;
    f->d.connect_opaque = f;
    f->d.parallel = parallel > 1 ? parallel : 1;
    f->d.stop_timeout = 2;
    f->d.events = f->events;
    if (gfd_start(&f->d, f->policies, f->state) < 0)
        fail_msg("gfd_start: %s", gf_err_message());
    if (gfd_control_start(&f->d, f->control) < 0)
        fail_msg("gfd_control_start: %s", gf_err_message());
    f->started = 1;
}

int fx_start_other(struct fx *f, struct gfd *d, const char *state_dir)
{
    memset(d, 0, sizeof(*d));
    mkdir(state_dir, 0700);
    d->connect = connector;
    d->connect_opaque = f;
    d->parallel = 1;
    d->stop_timeout = 2;
    return gfd_start(d, f->policies, state_dir);
}

void fx_stop(struct fx *f)
{
    if (!f->started)
        return;
    if (f->d.threaded) { /* the farms' threads end their ticks first */
        gfd_run_stop(&f->d);
        while (gfd_run_reap(&f->d) > 0) {
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    gfd_control_stop(&f->d); /* no request reaches a farm being freed */
    gfd_stop(&f->d);
    f->started = 0;
}

struct gfd_farm *fx_farm(struct fx *f, const char *name)
{
    for (int i = 0; i < f->d.nfarms; i++)
        if (strcmp(f->d.farms[i]->policy->name, name) == 0)
            return f->d.farms[i];
    fail_msg("the daemon has no farm '%s'", name);
    return NULL;
}

time_t fx_at(const struct fx *f, const char *hhmm)
{
    int h = 0, m = 0;

    assert_int_equal(sscanf(hhmm, "%d:%d", &h, &m), 2);
    return f->base + h * 3600 + m * 60;
}

void fx_tick_farm(struct fx *f, const char *farm, time_t now)
{
    struct gfd_farm *fm;
    size_t used = 0;
    unsigned long failures;

    if (f->restart_every_tick) {
        fx_stop(f);
        fx_start(f, f->parallel);
    }
    fm = fx_farm(f, farm);
    failures = fm->failures;
    f->lines[0] = '\0';
    if (gfd_tick(&f->d, fm, now) < 0)
        fail_msg("tick of %s failed: %s", farm, gf_err_message());
    for (int i = 0; fm->planned && i < fm->plan.nactions; i++) {
        char line[512];
        if (fm->plan.actions[i].kind == GF_ACT_NOTE)
            continue;
        gf_action_line(fm->policy, &fm->plan.actions[i], line, sizeof(line));
        used += (size_t)snprintf(f->lines + used, sizeof(f->lines) - used, "%s\n", line);
    }
    if (fm->failures != failures)
        fail_msg("an action failed at the tick:\n%s", fx_notes());
}

void fx_tick(struct fx *f, const char *hhmm)
{
    fx_tick_farm(f, "rds", fx_at(f, hhmm));
}

void fx_assert_lines(struct fx *f, const char *want)
{
    if (strcmp(f->lines, want) != 0)
        fail_msg("planned actions differ:\n--- want\n%s--- got\n%s---", want, f->lines);
}

void fx_plan_notes(struct fx *f, const char *farm, char *buf, size_t len)
{
    struct gfd_farm *fm = fx_farm(f, farm);
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; fm->planned && i < fm->plan.nactions && used < len; i++) {
        char line[512];
        if (fm->plan.actions[i].kind != GF_ACT_NOTE)
            continue;
        gf_action_line(fm->policy, &fm->plan.actions[i], line, sizeof(line));
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "; " : "", line);
    }
}

/* ---- libvirt inspection --------------------------------------------- */

int fx_meta(struct fx *f, int hv, const char *name, struct gf_meta *m)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[hv], name);
    int ret;

    memset(m, 0, sizeof(*m));
    if (!dom)
        return 0;
    ret = gf_meta_get(dom, m);
    virDomainFree(dom);
    assert_int_equal(ret, 1);
    return 1;
}

int fx_dom_state(struct fx *f, int hv, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[hv], name);
    int state = -1, reason;

    if (!dom)
        return -1;
    assert_int_equal(virDomainGetState(dom, &state, &reason, 0), 0);
    virDomainFree(dom);
    return state;
}

int fx_volume(struct fx *f, int hv, const char *name, char *backing, size_t len)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(f->conn[hv], "goldfarm");
    virStorageVolPtr vol;
    char *xml;

    assert_non_null(pool);
    vol = virStorageVolLookupByName(pool, name);
    virStoragePoolFree(pool);
    if (!vol)
        return 0;
    if (backing) {
        const char *bs, *p, *e;
        backing[0] = '\0';
        xml = virStorageVolGetXMLDesc(vol, 0);
        assert_non_null(xml);
        if ((bs = strstr(xml, "<backingStore>")) && (p = strstr(bs, "<path>")) &&
            (e = strstr(p, "</path>")))
            snprintf(backing, len, "%.*s", (int)(e - p - 6), p + 6);
        free(xml);
    }
    virStorageVolFree(vol);
    return 1;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void fx_farm_hosts(struct fx *f, int hv, const char *farm, char *buf, size_t len)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(f->conn[hv], &doms, 0), k = 0;
    char **names = calloc((size_t)n + 1, sizeof(char *));
    size_t used = 0;

    assert_true(n >= 0);
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        if (gf_meta_get(doms[i], &m) == 1 && m.role == GF_ROLE_HOST && strcmp(m.farm, farm) == 0)
            names[k++] = strdup(virDomainGetName(doms[i]));
        virDomainFree(doms[i]);
    }
    free(doms);
    qsort(names, (size_t)k, sizeof(char *), by_string);
    buf[0] = '\0';
    for (int i = 0; i < k; i++) {
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "", names[i]);
        free(names[i]);
    }
    free(names);
}

void fx_orphans(struct fx *f, int hv, char *buf, size_t len)
{
    virDomainPtr *doms = NULL;
    virStorageVolPtr *vols = NULL;
    virStoragePoolPtr pool = virStoragePoolLookupByName(f->conn[hv], "goldfarm");
    int ndoms = virConnectListAllDomains(f->conn[hv], &doms, 0), nvols, k = 0;
    char used_paths[64][4096], **names;
    int nused = 0;
    size_t used = 0;

    assert_non_null(pool);
    assert_true(ndoms >= 0);
    buf[0] = '\0';
    for (int i = 0; i < ndoms; i++) {
        char *xml = virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE);
        struct gf_disk *disks = NULL;
        size_t ndisks = 0;
        struct gf_meta m;
        int host = gf_meta_get(doms[i], &m) == 1 && m.role == GF_ROLE_HOST;
        assert_non_null(xml);
        if (gf_domxml_disks(xml, &disks, &ndisks) == 0) {
            for (size_t d = 0; d < ndisks && nused < 64; d++) {
                virStorageVolPtr v;
                snprintf(used_paths[nused++], sizeof(used_paths[0]), "%s", disks[d].path);
                if (host && !(v = virStorageVolLookupByPath(f->conn[hv], disks[d].path)))
                    used += (size_t)snprintf(buf + used, len - used, "%s%s:%s", used ? " " : "",
                                             virDomainGetName(doms[i]), disks[d].path);
                else if (host)
                    virStorageVolFree(v);
            }
        }
        free(disks);
        {
            /* a host's seed CD-ROM is its own too: not an orphan, and missing if gone */
            char seed[4096];
            virStorageVolPtr v;
            if (gf_domxml_seed(xml, seed, sizeof(seed)) == 1 && nused < 64) {
                snprintf(used_paths[nused++], sizeof(used_paths[0]), "%s", seed);
                if (host && !(v = virStorageVolLookupByPath(f->conn[hv], seed)))
                    used += (size_t)snprintf(buf + used, len - used, "%s%s:%s", used ? " " : "",
                                             virDomainGetName(doms[i]), seed);
                else if (host)
                    virStorageVolFree(v);
            }
        }
        free(xml);
        virDomainFree(doms[i]);
    }
    free(doms);
    nvols = virStoragePoolListAllVolumes(pool, &vols, 0);
    assert_true(nvols >= 0);
    names = calloc((size_t)nvols + 1, sizeof(char *));
    for (int i = 0; i < nvols; i++) {
        char *path = virStorageVolGetPath(vols[i]);
        int in_use = 0;
        for (int u = 0; u < nused && path; u++)
            in_use |= strcmp(used_paths[u], path) == 0;
        if (!in_use)
            names[k++] = strdup(virStorageVolGetName(vols[i]));
        free(path);
        virStorageVolFree(vols[i]);
    }
    free(vols);
    virStoragePoolFree(pool);
    qsort(names, (size_t)k, sizeof(char *), by_string);
    for (int i = 0; i < k; i++) {
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", names[i]);
        free(names[i]);
    }
    free(names);
}

/* ---- vmctl -------------------------------------------------------------- */

int fx_vmctl(struct fx *f, char **out, ...)
{
    struct vmctl_ctx ctx = {.conn = f->conn[0], .control = f->control};
    char *argv[32];
    size_t len = 0;
    int argc = 0, code;
    FILE *mem;
    va_list ap;

    va_start(ap, out);
    while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    *out = NULL;
    mem = open_memstream(out, &len);
    assert_non_null(mem);
    ctx.out = mem;
    code = vmctl_run(&ctx, argc, argv);
    fclose(mem);
    return code;
}
