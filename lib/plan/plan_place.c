/* plan_place.c - where a new host goes: the nodes that fit it (reachable,
 * not evacuated, with its image version, under their own max_hosts, with
 * the memory, vCPUs and pool space it takes), and among them the one with
 * the fewest of the farm's hosts (one node's loss takes the fewest users),
 * then the most free memory.  Each node's reason is kept for `vmctl plan`.
 * Pure. */
#include "plan/plan_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

const char *gf_place_why_name(enum gf_place_why w)
{
    static const char *const names[] = {"chosen",     "fits",     "unreachable", "evacuating",
                                        "no-version", "checksum", "max-hosts",   "memory",
                                        "vcpus",      "disk"};

    return w <= GF_PLACE_DISK ? names[w] : "?";
}

/* Whether node HV has VERSION of the farm's image (or is not known to lack
 * it: versions not observed, or VERSION 0, the promoted one). */
static int hv_has(const struct gf_hv_obs *hv, unsigned int version)
{
    if (!version || !hv->nversions)
        return 1;
    for (int i = 0; i < hv->nversions; i++)
        if (hv->versions[i] == version)
            return 1;
    return 0;
}

/* Why node I cannot take a new host of VERSION now (GF_PLACE_FITS: it can). */
static enum gf_place_why judge(const struct planner *pl, int i, unsigned int version)
{
    const struct gf_hypervisor *hv = &pl->p->hypervisors[i];
    const struct gf_hv_obs *o = &pl->farm->hv[i];

    if (!o->reachable)
        return GF_PLACE_UNREACHABLE;
    if (o->evacuating)
        return GF_PLACE_EVACUATING;
    if (o->no_image || !hv_has(o, version))
        return GF_PLACE_NO_VERSION;
    if (plan_version_differs(pl, i, version))
        return GF_PLACE_CHECKSUM;
    if (hv->max_hosts && pl->on_hv[i] >= hv->max_hosts)
        return GF_PLACE_MAX_HOSTS;
    if (pl->free_kib[i] < pl->p->memory_kib)
        return GF_PLACE_MEMORY;
    if (pl->free_vcpus[i] != INT_MAX && pl->free_vcpus[i] < pl->p->vcpus)
        return GF_PLACE_VCPUS;
    if (o->pool_known && pl->free_disk_kib[i] < pl->p->clone_disk_kib)
        return GF_PLACE_DISK;
    return GF_PLACE_FITS;
}

int plan_place(const struct planner *pl, unsigned int version, struct gf_placement *rec)
{
    int best = -1;

    if (rec) {
        memset(rec, 0, sizeof(*rec));
        rec->chosen = -1;
    }
    for (int i = 0; i < pl->p->nhypervisors; i++) {
        enum gf_place_why why = judge(pl, i, version);
        if (rec) {
            struct gf_place_node *n = &rec->node[i];
            n->why = why;
            n->hosts = pl->on_hv[i];
            n->free_kib = pl->free_kib[i];
            n->vcpus_left = pl->free_vcpus[i] == INT_MAX ? LLONG_MAX : pl->free_vcpus[i];
            n->disk_kib = pl->free_disk_kib[i];
            n->disk_known = pl->farm->hv[i].pool_known;
        }
        if (why != GF_PLACE_FITS)
            continue;
        if (best < 0 || pl->on_hv[i] < pl->on_hv[best] ||
            (pl->on_hv[i] == pl->on_hv[best] && pl->free_kib[i] > pl->free_kib[best]))
            best = i;
    }
    if (rec && best >= 0) {
        rec->node[best].why = GF_PLACE_CHOSEN;
        rec->chosen = best;
    }
    return best;
}

void plan_place_take(struct planner *pl, int hv)
{
    pl->free_kib[hv] =
        pl->free_kib[hv] > pl->p->memory_kib ? pl->free_kib[hv] - pl->p->memory_kib : 0;
    if (pl->free_vcpus[hv] != INT_MAX)
        pl->free_vcpus[hv] -= pl->p->vcpus;
    pl->free_disk_kib[hv] = pl->free_disk_kib[hv] > pl->p->clone_disk_kib
                                ? pl->free_disk_kib[hv] - pl->p->clone_disk_kib
                                : 0;
    pl->on_hv[hv]++;
}

void plan_place_keep(struct planner *pl, const struct gf_placement *rec, const char *host)
{
    struct gf_plan *out = pl->out;

    if (pl->p->nhypervisors < 2)
        return; /* one node: nothing to choose */
    if (out->nplacements++ >= GF_PLACE_MAX)
        return;
    out->placements[out->nplacements - 1] = *rec;
    snprintf(out->placements[out->nplacements - 1].host, sizeof(rec->host), "%s", host ? host : "");
}

void gf_place_line(const struct gf_policy *p, const struct gf_placement *pl, int hv, char *buf,
                   size_t len)
{
    const struct gf_place_node *n = &pl->node[hv];
    char vcpus[32] = "", disk[48] = "";

    if (n->why == GF_PLACE_UNREACHABLE) {
        snprintf(buf, len, "%s: %s", p->hypervisors[hv].uri, gf_place_why_name(n->why));
        return;
    }
    if (n->vcpus_left != LLONG_MAX)
        snprintf(vcpus, sizeof(vcpus), ", %lld vCPUs left", n->vcpus_left);
    if (n->disk_known)
        snprintf(disk, sizeof(disk), ", %lluM disk free", n->disk_kib >> 10);
    snprintf(buf, len, "%s: %s (%d host%s, %lluM free%s%s)", p->hypervisors[hv].uri,
             gf_place_why_name(n->why), n->hosts, n->hosts == 1 ? "" : "s", n->free_kib >> 10,
             vcpus, disk);
}
