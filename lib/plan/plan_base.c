/* plan_base.c - the planner's primitives, shared by its parts: actions
 * added to the plan, clones placed and named, hosts picked, and the lines
 * that explain each action.  Pure. */
#include "plan/plan.h"
#include "plan/plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

const char *gf_action_name(enum gf_action_kind k)
{
    static const char *const names[] = {"start",   "clone",      "resize",  "drain",
                                        "undrain", "logoff",     "retire",  "quarantine",
                                        "notify",  "mark-ready", "promote", "open-breaker",
                                        "rollout", "save",       "push",    "note"};

    return k <= GF_ACT_NOTE ? names[k] : "?";
}

struct gf_action *plan_add(struct planner *pl, enum gf_action_kind kind, const char *host,
                           const char *fmt, ...)
{
    struct gf_action *a;
    va_list ap;

    if (pl->out->nactions == GF_PLAN_MAX)
        return NULL;
    a = &pl->out->actions[pl->out->nactions++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->hv = -1;
    a->level = GF_LOG_INFO;
    if (host)
        snprintf(a->host, sizeof(a->host), "%s", host);
    va_start(ap, fmt);
    vsnprintf(a->rule, sizeof(a->rule), fmt, ap);
    va_end(ap);
    return a;
}

struct gf_action *plan_note_level(struct planner *pl, int level, const char *fmt, ...)
{
    struct gf_action *a;
    va_list ap;

    if (!(a = plan_add(pl, GF_ACT_NOTE, NULL, "%s", "")))
        return NULL;
    a->level = level;
    va_start(ap, fmt);
    vsnprintf(a->rule, sizeof(a->rule), fmt, ap);
    va_end(ap);
    return a;
}

void plan_clock_text(const struct gf_local *now, time_t t, char *buf, size_t len)
{
    time_t local = t + now->utc_offset;
    struct tm tm;

    gmtime_r(&local, &tm);
    strftime(buf, len, "%H:%M:%S", &tm);
}

/* qsort/bsearch comparator of taken names. */
static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Whether NAME is taken by an observed host, any domain of the farm's
 * hypervisors, or a planned clone. */
static int name_taken(const struct planner *pl, const char *name)
{
    for (int i = 0; i < pl->farm->nhosts; i++)
        if (strcmp(pl->farm->hosts[i].name, name) == 0)
            return 1;
    if (pl->farm->ntaken &&
        bsearch(name, pl->farm->taken, (size_t)pl->farm->ntaken, sizeof(*pl->farm->taken), by_name))
        return 1;
    for (int i = 0; i < pl->out->nactions; i++)
        if (pl->out->actions[i].kind == GF_ACT_CLONE && strcmp(pl->out->actions[i].host, name) == 0)
            return 1;
    return 0;
}

int plan_room(const struct planner *pl, unsigned int version)
{
    return pl->total < pl->p->max_hosts && plan_place(pl, version, NULL) >= 0;
}

struct gf_action *plan_clone(struct planner *pl, int standby, const char *why, unsigned int version)
{
    char name[GF_NAME_MAX + 1];
    struct gf_placement rec;
    struct gf_action *a;
    int hv, tries;

    if (pl->farm->clone_retry_at && pl->now->t < pl->farm->clone_retry_at) {
        char until[16];
        plan_clock_text(pl->now, pl->farm->clone_retry_at, until, sizeof(until));
        plan_note_level(pl, GF_LOG_WARNING,
                        "%s: clones back off until %s after %d failure%s: no clone", why, until,
                        pl->farm->clone_failures, pl->farm->clone_failures == 1 ? "" : "s");
        return NULL;
    }
    if (pl->total >= pl->p->max_hosts) {
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: farm.max_hosts %d reached: no clone", why,
                 pl->p->max_hosts);
        return NULL;
    }
    if ((hv = plan_place(pl, version, &rec)) < 0) {
        int differs = 0;
        plan_place_keep(pl, &rec, NULL);
        for (int i = 0; i < pl->p->nhypervisors; i++)
            differs |= rec.node[i].why == GF_PLACE_CHECKSUM;
        if (differs)
            plan_add(pl, GF_ACT_NOTE, NULL,
                     "%s: image %s v%u has different checksums on the hypervisors (vmctl image "
                     "list --policy shows them): no clone",
                     why, pl->p->image, version ? version : pl->farm->promoted);
        else if (version && plan_place(pl, 0, NULL) >= 0)
            plan_add(pl, GF_ACT_NOTE, NULL,
                     "%s: no reachable hypervisor with room has image %s v%u: no clone", why,
                     pl->p->image, version);
        else
            plan_add(pl, GF_ACT_NOTE, NULL,
                     "%s: no reachable hypervisor has %lluM free and room: no clone", why,
                     pl->p->memory_kib >> 10);
        return NULL;
    }
    /* the next free name; every name taken, or the pattern repeating, ends
     * the search (no more names than hosts, domains and clones can be taken) */
    tries = pl->farm->nhosts + pl->farm->ntaken + pl->out->nactions + 1;
    do {
        if (gf_policy_host_name(pl->p, pl->next_number++, name, sizeof(name)) < 0)
            tries = 0; /* past the last host number */
    } while (tries && name_taken(pl, name) && --tries > 0);
    if (tries == 0) {
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: no free host name by farm.host_name: no clone", why);
        return NULL;
    }
    if (!(a = plan_add(pl, GF_ACT_CLONE, name, "%s", why)))
        return NULL;
    a->hv = hv;
    a->standby = standby;
    a->version = version;
    plan_place_keep(pl, &rec, name);
    plan_place_take(pl, hv);
    pl->total++;
    return a;
}

int plan_hv_ok(const struct planner *pl, const struct gf_host_obs *h)
{
    return h->hv >= 0 && h->hv < pl->p->nhypervisors && pl->farm->hv[h->hv].reachable;
}

int plan_pick(const struct gf_farm_obs *farm, const int *candidate, int most)
{
    int best = -1;

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i], *b;
        if (!candidate[i])
            continue;
        if (best < 0) {
            best = i;
            continue;
        }
        b = &farm->hosts[best];
        if (most ? h->sessions > b->sessions : h->sessions < b->sessions)
            best = i;
        else if (h->sessions == b->sessions && strcmp(h->name, b->name) > 0)
            best = i;
    }
    return best;
}

int plan_failing(const struct gf_policy *p, const struct gf_host_obs *h)
{
    if (h->state != GF_HS_ACTIVE)
        return 0;
    if (h->admin_replace)
        return 1;
    return p->health_on &&
           (h->unhealthy == 2 || (h->unhealthy == 1 && h->unhealthy_for >= p->health_grace));
}

struct gf_host_obs *gf_farm_host(const struct gf_farm_obs *farm, const char *name)
{
    for (int i = 0; name[0] && i < farm->nhosts; i++)
        if (strcmp(farm->hosts[i].name, name) == 0)
            return &farm->hosts[i];
    return NULL;
}

unsigned int gf_plan_clone_version(const struct gf_policy *p, const struct gf_farm_obs *farm)
{
    const struct gf_rollout *r = farm->rollout;

    if (r && strcmp(r->image, p->image) != 0)
        r = NULL; /* the policy's image changed since */
    if (gf_rollout_active(r))
        return r->phase == GF_RO_CANARY ? r->from : gf_rollout_target(r);
    if (p->image_version)
        return (unsigned int)p->image_version;
    if (r && r->phase != GF_RO_NONE)
        return gf_rollout_target(r);
    return farm->promoted;
}

void gf_action_line(const struct gf_policy *p, const struct gf_action *a, char *buf, size_t len)
{
    char size[32];

    switch (a->kind) {
    case GF_ACT_CLONE:
        snprintf(buf, len, "%s: clone %s%s on %s", a->rule, a->host,
                 !a->standby                        ? ""
                 : a->standby_kind == GF_SB_SAVED   ? " as saved standby"
                 : a->standby_kind == GF_SB_RUNNING ? " as running standby"
                                                    : " as standby",
                 a->hv >= 0 && a->hv < p->nhypervisors ? p->hypervisors[a->hv].uri : "?");
        return;
    case GF_ACT_RESIZE: {
        char vcpus[32] = "";
        size[0] = '\0';
        if (a->vcpus)
            snprintf(vcpus, sizeof(vcpus), "%d vCPU%s", a->vcpus, a->vcpus == 1 ? "" : "s");
        if (a->memory_kib)
            snprintf(size, sizeof(size), "%lluM", a->memory_kib >> 10);
        snprintf(buf, len, "%s: resize %s to %s%s%s%s", a->rule, a->host, vcpus,
                 a->vcpus && a->memory_kib ? " and " : "", size,
                 a->resize_at == GF_RESIZE_NEXT_BOOT ? " at next boot" : "");
        return;
    }
    case GF_ACT_NOTE:
    case GF_ACT_ROLLOUT:
        snprintf(buf, len, "%s", a->rule);
        return;
    case GF_ACT_OPEN_BREAKER:
        snprintf(buf, len, "%s: open the breaker", a->rule);
        return;
    case GF_ACT_PUSH:
        snprintf(buf, len, "%s: push v%u from %s to %s", a->rule, a->version,
                 a->from >= 0 && a->from < p->nhypervisors ? p->hypervisors[a->from].uri : "?",
                 a->hv >= 0 && a->hv < p->nhypervisors ? p->hypervisors[a->hv].uri : "?");
        return;
    case GF_ACT_PROMOTE:
        snprintf(buf, len, "%s: promote v%u on %s", a->rule, a->version,
                 a->hv >= 0 && a->hv < p->nhypervisors ? p->hypervisors[a->hv].uri : "?");
        return;
    case GF_ACT_START:
        snprintf(buf, len, "%s: start %s%s", a->rule, a->host,
                 !a->standby                        ? ""
                 : a->standby_kind == GF_SB_SAVED   ? " (saved standby: restores)"
                 : a->standby_kind == GF_SB_RUNNING ? " (running standby: joins)"
                                                    : " (standby)");
        return;
    default:
        snprintf(buf, len, "%s: %s %s", a->rule, gf_action_name(a->kind), a->host);
        return;
    }
}
