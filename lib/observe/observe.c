/* observe.c - a farm as libvirt shows it. */
#include "observe/observe.h"

#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/fault.h"
#include "model/meta.h"
#include "observe/kept.h"
#include "observe/node.h"

static void (*seam)(virDomainPtr dom);

void gf_observe_set_seam(void (*fn)(virDomainPtr dom))
{
    seam = fn;
}

/* The typed parameter NAME of a stats record, or NULL. */
static const virTypedParameter *param(const virDomainStatsRecord *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].field, name) == 0)
            return &r->params[i];
    return NULL;
}

/* A numeric parameter NAME of R, or DEF when absent. */
static unsigned long long num(const virDomainStatsRecord *r, const char *name,
                              unsigned long long def)
{
    const virTypedParameter *p = param(r, name);

    if (!p)
        return def;
    switch (p->type) {
    case VIR_TYPED_PARAM_INT:
        return (unsigned long long)p->value.i;
    case VIR_TYPED_PARAM_UINT:
        return p->value.ui;
    case VIR_TYPED_PARAM_LLONG:
        return (unsigned long long)p->value.l;
    case VIR_TYPED_PARAM_ULLONG:
        return p->value.ul;
    default:
        return def;
    }
}

/* The sum of R's vCPU times (vcpu.N.time), in one pass; 0 when absent. */
static unsigned long long vcpu_time(const virDomainStatsRecord *r)
{
    unsigned long long sum = 0;

    for (int i = 0; i < r->nparams; i++) {
        const char *f = r->params[i].field, *dot;
        if (strncmp(f, "vcpu.", 5) == 0 && (dot = strchr(f + 5, '.')) &&
            strcmp(dot, ".time") == 0 && r->params[i].type == VIR_TYPED_PARAM_ULLONG)
            sum += r->params[i].value.ul;
    }
    return sum;
}

/* A domain's size: its vCPUs and memory, running and at most; and what
 * observe_hv asks of each domain once: its name and UUID. */
struct size {
    int vcpus, vcpus_max;
    unsigned long long memory_kib, memory_max_kib;
    const char *name; /* the record's domain's, while the records live */
    unsigned char uuid[VIR_UUID_BUFLEN];
    int have_uuid;
};

/* The size of stats record R's domain (of CONN) into SZ: from its vCPU and
 * balloon groups, or where the statistics lack them (libvirt's test
 * driver), from one virDomainGetInfo, kept in the metadata cache by UUID
 * (a domain that vanished meanwhile has no size). */
static void size_of(virConnectPtr conn, const virDomainStatsRecord *r, struct size *sz)
{
    virDomainInfo info;
    struct gf_dom_size known;

    sz->vcpus = (int)num(r, "vcpu.current", 0);
    sz->vcpus_max = (int)num(r, "vcpu.maximum", 0);
    sz->memory_kib = num(r, "balloon.current", 0);
    sz->memory_max_kib = num(r, "balloon.maximum", 0);
    if (param(r, "vcpu.current") && param(r, "balloon.current"))
        return;
    if (sz->have_uuid && gf_meta_cache_size_get(conn, sz->uuid, &known)) {
        info.nrVirtCpu = (unsigned short)known.vcpus;
        info.memory = known.memory_kib;
        info.maxMem = known.memory_max_kib;
    } else if (virDomainGetInfo(r->dom, &info) == 0) {
        known.vcpus = info.nrVirtCpu;
        known.memory_kib = info.memory;
        known.memory_max_kib = info.maxMem;
        if (sz->have_uuid)
            gf_meta_cache_size_put(conn, sz->uuid, &known);
    } else {
        virResetLastError();
        return;
    }
    sz->vcpus = sz->vcpus ? sz->vcpus : info.nrVirtCpu;
    sz->memory_kib = sz->memory_kib ? sz->memory_kib : info.memory;
    sz->memory_max_kib = sz->memory_max_kib ? sz->memory_max_kib : info.maxMem;
}

/* Fill host H from stats record R, its size SZ and metadata M, on
 * hypervisor HV. */
static void fill_host(struct gf_host_obs *h, const virDomainStatsRecord *r, const struct size *sz,
                      const struct gf_meta *m, int hv)
{
    int state = (int)num(r, "state.state", VIR_DOMAIN_NOSTATE);
    /* the guest's memory and what it has available: MemAvailable, else its free memory */
    unsigned long long total = num(r, "balloon.available", 0);
    unsigned long long avail = num(r, "balloon.usable", num(r, "balloon.unused", 0));

    memset(h, 0, sizeof(*h));
    snprintf(h->name, sizeof(h->name), "%s", sz->name);
    if (sz->have_uuid)
        memcpy(h->uuid, sz->uuid, sizeof(h->uuid));
    h->hv = hv;
    h->run = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED ? GF_RUN_RUNNING
             : state == VIR_DOMAIN_SHUTOFF                              ? GF_RUN_OFF
                                                                        : GF_RUN_OTHER;
    h->state = m->state;
    h->standby_kind = m->standby_kind;
    /* a shut-off standby's saved memory: libvirt says, so a restart knows it */
    if (m->state == GF_HS_STANDBY && h->run == GF_RUN_OFF)
        h->saved = virDomainHasManagedSaveImage(r->dom, 0) == 1;
    h->image_version = m->image_version;
    h->sessions = h->active_sessions = -1;
    h->agent = -1;
    h->vcpus = sz->vcpus;
    h->vcpus_max = sz->vcpus_max;
    h->memory_kib = sz->memory_kib;
    h->memory_max_kib = sz->memory_max_kib;
    h->vcpu_ns = vcpu_time(r);
    if (total && avail <= total) {
        h->mem_total_kib = total;
        h->mem_avail_kib = avail;
    }
    h->load_cpu_pct = h->load_mem_pct = -1;
    h->cpu_pct = h->mem_avail_pct = -1; /* smoothed over ticks by the reconcile layer */
    h->resized = m->resized;
    h->boot_vcpus = (int)m->boot_vcpus;
    h->boot_memory_kib = m->boot_memory_kib;
    h->since = m->since;
    h->logoff_sent = m->logoff_sent != 0;
    h->notified = m->notified != 0;
    h->drained_by = m->drained_by;
    h->admin_drain = m->drained_by == GF_DRAIN_ADMIN;
    h->admin_replace = m->replace;
    h->created = m->created;
    h->run_reason = (int)num(r, "state.reason", 0);
    h->cpu_ns = num(r, "cpu.time", 0);
    snprintf(h->replaces, sizeof(h->replaces), "%s", m->replaces);
    snprintf(h->replaced_by, sizeof(h->replaced_by), "%s", m->replaced_by);
    snprintf(h->supersedes, sizeof(h->supersedes), "%s", m->supersedes);
    snprintf(h->superseded_by, sizeof(h->superseded_by), "%s", m->superseded_by);
    h->was_ready = h->ready_recorded = m->ready_since != 0;
}

/* Note gold domain M (named NAME), if a version of P's image, in HV's
 * versions; the highest promotion serial so far is *SERIAL; the lowest
 * version's domain holds the farm's lease (*LOWEST its version). */
static void note_version(const struct gf_policy *p, const char *name, const struct gf_meta *m,
                         struct gf_hv_obs *hv, unsigned int *serial, unsigned int *lowest)
{
    if (strcmp(m->image, p->image) != 0)
        return;
    if (!*lowest || m->image_version < *lowest) {
        *lowest = m->image_version;
        snprintf(hv->lease_domain, sizeof(hv->lease_domain), "%s", name);
    }
    if (hv->nversions >= 0 && hv->nversions < GF_HV_VERSIONS) {
        snprintf(hv->sha256[hv->nversions], sizeof(hv->sha256[0]), "%s", m->sha256);
        hv->versions[hv->nversions++] = m->image_version;
    } else
        hv->nversions = -1; /* too many to list: not known (marked 0 at the end) */
    /* the promoted version: the highest serial, else the lowest version */
    if (!hv->promoted || m->promoted > *serial ||
        (m->promoted == *serial && m->image_version < hv->promoted)) {
        hv->promoted = m->image_version;
        *serial = m->promoted;
    }
}

/* Hypervisor HV's CPUs into HV->cpus and its free memory: where the
 * driver cannot tell it (libvirt's test driver), the node's memory less
 * USED_KIB, what its running domains use (VCPUS their vCPUs, into
 * HV->vcpus_used).  Returns 0 or -1. */
static int hv_use(virConnectPtr conn, int vcpus, unsigned long long used_kib, struct gf_hv_obs *hv)
{
    unsigned long long free_bytes = virNodeGetFreeMemory(conn);
    virNodeInfo node;

    virResetLastError();
    if (virNodeGetInfo(conn, &node) < 0)
        return -1;
    hv->cpus = (int)node.cpus;
    hv->vcpus_used = vcpus;
    hv->free_kib = free_bytes               ? free_bytes >> 10
                   : node.memory > used_kib ? node.memory - used_kib
                                            : 0;
    return 0;
}

/* What changes without an event, read for hypervisor HV of P on CONN
 * whether its domains were listed or kept: a node failing here, its free
 * memory and CPUs (its running domains' VCPUS and USED_KIB), the gold's
 * pool.  0 or -1 with an error. */
static int hv_finish(const struct gf_policy *p, virConnectPtr conn, int hv, int vcpus,
                     unsigned long long used_kib, struct gf_farm_obs *farm)
{
    if (gf_fault("observe-hv", p->hypervisors[hv].uri) < 0) /* a node failing mid-observation */
        return -1;
    if (hv_use(conn, vcpus, used_kib, &farm->hv[hv]) < 0) {
        gf_err_virt("reading the free memory and CPUs of %s", p->hypervisors[hv].uri);
        return -1;
    }
    gf_observe_pool(conn, farm->hv[hv].lease_domain, &farm->hv[hv]);
    farm->hv[hv].no_image = !farm->hv[hv].lease_domain[0]; /* no gold of the image there */
    farm->hv[hv].reachable = 1;
    return 0;
}

/* Remember that domain NAME exists (names a host could never have are
 * left out).  0, or -1 with an error. */
static int note_taken(struct gf_farm_obs *farm, const char *name)
{
    char(*grown)[GF_NAME_MAX + 1];

    if (!name || strlen(name) > GF_NAME_MAX)
        return 0;
    /* grown by doubling: powers of two hold the array's capacity */
    if (!(farm->ntaken & (farm->ntaken - 1))) {
        size_t cap = farm->ntaken ? (size_t)farm->ntaken * 2 : 1;
        if (!(grown = realloc(farm->taken, cap * sizeof(*grown)))) {
            gf_err(GF_ERR_OP, "out of memory");
            return -1;
        }
        farm->taken = grown;
    }
    snprintf(farm->taken[farm->ntaken++], sizeof(*grown), "%s", name);
    return 0;
}

/* Skip domain NAME on hypervisor HV for WHY: counted, and listed while
 * there is room. */
static void skip(struct gf_farm_obs *farm, const char *name, int hv, const char *why)
{
    if (farm->nskipped < GF_SKIPPED_MAX) {
        struct gf_skipped *s = &farm->skipped[farm->nskipped];
        gf_esc(name, s->name, sizeof(s->name));
        s->hv = hv;
        snprintf(s->why, sizeof(s->why), "%s", why);
    }
    farm->nskipped++;
}

/* qsort comparator of taken names. */
static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Whether each shut-off standby of FARM from host FROM on (on CONN) has
 * its memory saved, asked again: its removal (virsh managedsave-remove)
 * comes with no event. */
static void saved_again(virConnectPtr conn, struct gf_farm_obs *farm, int from)
{
    for (int i = from; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        virDomainPtr dom;
        if (h->state != GF_HS_STANDBY || h->run != GF_RUN_OFF)
            continue;
        if ((dom = virDomainLookupByUUID(conn, h->uuid))) {
            h->saved = virDomainHasManagedSaveImage(dom, 0) == 1;
            virDomainFree(dom);
        }
        virResetLastError(); /* gone meanwhile: its event makes the next tick list */
    }
}

/* Observe one hypervisor's domains into FARM.  Returns 0 or -1. */
static int observe_hv(const struct gf_policy *p, virConnectPtr conn, int hv,
                      struct gf_farm_obs *farm)
{
    unsigned int stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
                         VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BALLOON;
    virDomainStatsRecordPtr *records = NULL;
    struct size *sizes = NULL;
    unsigned int serial = 0, lowest = 0;
    int n, ret = -1, room = 0, vcpus = 0;
    int nhosts0 = farm->nhosts, ntaken0 = farm->ntaken, nskipped0 = farm->nskipped;
    /* read before the listing: an event meanwhile makes what it gives stale */
    unsigned long gen = seam || !gf_kept_allowed(p) ? 0 : gf_kept_generation(conn);
    unsigned long long used_kib = 0;

    if (gen) {
        int kept = gf_kept_take(p->name, hv, conn, gen, farm, &vcpus, &used_kib);
        if (kept < 0)
            return -1;
        if (kept) {
            saved_again(conn, farm, nhosts0);
            return hv_finish(p, conn, hv, vcpus, used_kib, farm);
        }
    }
    if ((n = virConnectGetAllDomainStats(conn, stats, &records, 0)) < 0) {
        gf_err_virt("reading domain statistics on %s", p->hypervisors[hv].uri);
        return -1;
    }
    if (!(sizes = calloc((size_t)n + 1, sizeof(*sizes)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        sizes[i].name = virDomainGetName(records[i]->dom);
        sizes[i].have_uuid = virDomainGetUUID(records[i]->dom, sizes[i].uuid) == 0;
        size_of(conn, records[i], &sizes[i]);
    }
    for (int i = 0; i < n; i++) {
        const char *name = sizes[i].name;
        struct gf_meta m;
        struct gf_host_obs *grown;
        int managed;
        if (note_taken(farm, name) < 0)
            goto cleanup;
        if (seam)
            seam(records[i]->dom);
        virResetLastError();
        managed = sizes[i].have_uuid ? gf_meta_get_known(conn, records[i]->dom, sizes[i].uuid, &m)
                                     : gf_meta_get(records[i]->dom, &m);
        if (managed < 0) {
            /* one bad domain never blinds the farm: skipped and reported */
            unsigned char uuid[VIR_UUID_BUFLEN];
            virDomainPtr still = virDomainGetUUID(records[i]->dom, uuid) == 0
                                     ? virDomainLookupByUUID(conn, uuid)
                                     : NULL;
            skip(farm, name, hv, still ? gf_err_message() : "vanished while it was observed");
            if (still)
                virDomainFree(still);
            virResetLastError();
            continue;
        }
        if (managed && m.role == GF_ROLE_GOLD)
            note_version(p, name, &m, &farm->hv[hv], &serial, &lowest);
        if (!managed || m.role != GF_ROLE_HOST || strcmp(m.farm, p->name) != 0)
            continue;
        if (!room) { /* room for every record of this hypervisor, once */
            if (!(grown = realloc(farm->hosts, (size_t)(farm->nhosts + n - i) * sizeof(*grown)))) {
                gf_err(GF_ERR_OP, "out of memory");
                goto cleanup;
            }
            farm->hosts = grown;
            room = 1;
        }
        fill_host(&farm->hosts[farm->nhosts++], records[i], &sizes[i], &m, hv);
        if (m.state == GF_HS_DRAINING) {
            if (m.since > farm->last_scale_in)
                farm->last_scale_in = m.since;
        } else if (m.state == GF_HS_ACTIVE && m.since > farm->last_scale_out) {
            farm->last_scale_out = m.since;
        }
    }
    if (farm->hv[hv].nversions < 0)
        farm->hv[hv].nversions = 0;
    for (int i = 0; i < n; i++) {
        if (num(records[i], "state.state", 0) == VIR_DOMAIN_SHUTOFF)
            continue;
        vcpus += sizes[i].vcpus;
        used_kib += sizes[i].memory_kib;
    }
    if (hv_finish(p, conn, hv, vcpus, used_kib, farm) < 0)
        goto cleanup;
    if (gen && farm->nskipped == nskipped0) /* a domain skipped: listed again next time */
        gf_kept_put(p->name, hv, conn, gen, farm, nhosts0, ntaken0, vcpus, used_kib);
    ret = 0;
cleanup:
    free(sizes);
    virDomainStatsRecordListFree(records);
    return ret;
}

/* qsort comparator: hosts by name. */
static int host_by_name(const void *a, const void *b)
{
    return strcmp(((const struct gf_host_obs *)a)->name, ((const struct gf_host_obs *)b)->name);
}

/* Whether the N elements of SIZE bytes at BASE are in CMP's order. */
static int in_order(const void *base, int n, size_t size, int (*cmp)(const void *, const void *))
{
    for (int i = 1; i < n; i++)
        if (cmp((const char *)base + (size_t)(i - 1) * size,
                (const char *)base + (size_t)i * size) > 0)
            return 0;
    return 1;
}

int gf_observe(const struct gf_policy *p, virConnectPtr *conns, const struct gf_local *now,
               struct gf_farm_obs *out)
{
    int tried = 0, failed = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < p->nhypervisors; i++) {
        int nhosts = out->nhosts, ntaken = out->ntaken, nskipped = out->nskipped;
        if (!conns[i])
            continue;
        tried++;
        if (observe_hv(p, conns[i], i, out) == 0)
            continue;
        /* it stopped answering meanwhile: blind there, as if unreachable
         * (what it showed before failing is dropped); every one failing
         * fails the observation */
        failed++;
        out->nhosts = nhosts;
        out->ntaken = ntaken;
        out->nskipped = nskipped;
        memset(&out->hv[i], 0, sizeof(out->hv[i]));
    }
    if (tried && failed == tried)
        goto fail;
    if (failed)
        gf_err_clear();
    /* sorted already when kept (observe/kept.h): checked in one pass */
    if (!in_order(out->hosts, out->nhosts, sizeof(*out->hosts), host_by_name))
        qsort(out->hosts, (size_t)out->nhosts, sizeof(*out->hosts), host_by_name);
    if (!in_order(out->taken, out->ntaken, sizeof(*out->taken), by_name))
        qsort(out->taken, (size_t)out->ntaken, sizeof(*out->taken), by_name);
    for (int i = 0; i < p->nhypervisors && !out->promoted; i++)
        out->promoted = out->hv[i].promoted; /* as the first hypervisor with the image has it */
    if (gf_load_sessions(p, conns, now, out) < 0)
        goto fail;
    gf_probe_health(p, conns, out); /* the health checks, and saved or running standbys */
    return 0;
fail:
    gf_farm_obs_clear(out);
    return -1;
}

void gf_farm_obs_clear(struct gf_farm_obs *farm)
{
    free(farm->hosts);
    free(farm->taken);
    free(farm->requests);
    memset(farm, 0, sizeof(*farm));
}
