/* plan.c - the planner: (policy, observed farm, now) -> actions. */
#include "plan/plan.h"
#include "plan/plan_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A host is CPU- or memory-bound at or above this use. */
#define BOUND_PCT 90.0

const char *gf_action_name(enum gf_action_kind k)
{
    static const char *const names[] = {"start",  "clone",  "resize",     "drain", "undrain",
                                        "logoff", "retire", "quarantine", "note"};

    return k <= GF_ACT_NOTE ? names[k] : "?";
}

const char *gf_host_state_name(enum gf_host_state s)
{
    static const char *const names[] = {"active", "standby", "draining", "quarantined", "retiring"};

    return s <= GF_HS_RETIRING ? names[s] : "?";
}

int gf_host_state_parse(const char *name)
{
    for (int s = GF_HS_ACTIVE; s <= GF_HS_RETIRING; s++)
        if (strcmp(name, gf_host_state_name((enum gf_host_state)s)) == 0)
            return s;
    return -1;
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
    if (host)
        snprintf(a->host, sizeof(a->host), "%s", host);
    va_start(ap, fmt);
    vsnprintf(a->rule, sizeof(a->rule), fmt, ap);
    va_end(ap);
    return a;
}

/* The load numbers as the rule shows them: "212 sessions / (9 hosts x 25) = 94%". */
static void load_text(const struct planner *pl, char *buf, size_t len)
{
    snprintf(buf, len, "%s: %d session%s / (%d host%s x %d) = %d%%", pl->label, pl->out->sessions,
             pl->out->sessions == 1 ? "" : "s", pl->out->in_service,
             pl->out->in_service == 1 ? "" : "s", pl->p->max_sessions, pl->out->usage_pct);
}

void plan_clock_text(const struct gf_local *now, time_t t, char *buf, size_t len)
{
    time_t local = t + now->utc_offset;
    struct tm tm;

    gmtime_r(&local, &tm);
    strftime(buf, len, "%H:%M:%S", &tm);
}

/* Whether draining host H may go now, by the policy: no session left at
 * all; or, with empty_when = no_active_sessions, only disconnected ones
 * left once the drain wait is up and the logoff hook has run for them.
 * A disconnected user is a user: the wait and the logoff hook are what
 * end a session before its host goes, never the scaler. */
static int is_empty(const struct gf_policy *p, const struct gf_host_obs *h, long long waited)
{
    if (h->run == GF_RUN_OFF)
        return 1; /* a draining host that is shut off has no users left */
    if (h->run != GF_RUN_RUNNING)
        return 0; /* paused (a snapshot), in shutdown: its users may still be there */
    if (h->sessions == 0)
        return 1;
    return p->empty_when == GF_EMPTY_NO_ACTIVE && h->active_sessions == 0 &&
           waited >= p->drain_wait && h->logoff_sent;
}

/* Whether hypervisor HV has VERSION of the farm's image (or is not known
 * to lack it: versions not observed, or VERSION 0, the promoted one). */
static int hv_has(const struct gf_hv_obs *hv, unsigned int version)
{
    if (!version || !hv->nversions)
        return 1;
    for (int i = 0; i < hv->nversions; i++)
        if (hv->versions[i] == version)
            return 1;
    return 0;
}

/* The hypervisor a new host of VERSION goes on: the reachable one with that
 * version and the most free memory that fits a host and is under its own
 * maximum; -1 if none. */
static int place(const struct planner *pl, unsigned int version)
{
    int best = -1;

    for (int i = 0; i < pl->p->nhypervisors; i++) {
        const struct gf_hypervisor *hv = &pl->p->hypervisors[i];
        if (!pl->farm->hv[i].reachable || pl->free_kib[i] < pl->p->memory_kib ||
            !hv_has(&pl->farm->hv[i], version))
            continue;
        if (hv->max_hosts && pl->on_hv[i] >= hv->max_hosts)
            continue;
        if (best < 0 || pl->free_kib[i] > pl->free_kib[best])
            best = i;
    }
    return best;
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
    return pl->total < pl->p->max_hosts && place(pl, version) >= 0;
}

struct gf_action *plan_clone(struct planner *pl, int standby, const char *why, unsigned int version)
{
    char name[GF_NAME_MAX + 1];
    struct gf_action *a;
    int hv, tries;

    if (pl->farm->clone_retry_at && pl->now->t < pl->farm->clone_retry_at) {
        char until[16];
        plan_clock_text(pl->now, pl->farm->clone_retry_at, until, sizeof(until));
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: clones back off until %s after %d failure%s: no clone",
                 why, until, pl->farm->clone_failures, pl->farm->clone_failures == 1 ? "" : "s");
        return NULL;
    }
    if (pl->total >= pl->p->max_hosts) {
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: farm.max_hosts %d reached: no clone", why,
                 pl->p->max_hosts);
        return NULL;
    }
    if ((hv = place(pl, version)) < 0) {
        if (version && place(pl, 0) >= 0)
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
    do
        gf_policy_host_name(pl->p, pl->next_number++, name, sizeof(name));
    while (name_taken(pl, name) && --tries > 0);
    if (tries == 0) {
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: no free host name by farm.host_name: no clone", why);
        return NULL;
    }
    if (!(a = plan_add(pl, GF_ACT_CLONE, name, "%s", why)))
        return NULL;
    a->hv = hv;
    a->standby = standby;
    a->version = version;
    pl->free_kib[hv] -= pl->p->memory_kib;
    pl->on_hv[hv]++;
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

/* Whether host NAME exists and is active (a drained host's successor). */
static int serving(const struct gf_farm_obs *farm, const char *name)
{
    const struct gf_host_obs *h = gf_farm_host(farm, name);

    return h && h->state == GF_HS_ACTIVE;
}

/* Add N hosts of capacity: cancel drains first (their users stay), then
 * start standby hosts, then clone.  WHY is the rule.  TOUCHED marks the
 * hosts acted on. */
static void scale_out(struct planner *pl, int n, const char *why, int *touched)
{
    const struct gf_farm_obs *farm = pl->farm;
    int *cand = calloc((size_t)farm->nhosts + 1, sizeof(int));
    int i;

    if (!cand)
        return;
    /* a host a roll-out drained has its successor serving, and during a
     * roll-out a host on another version is replaced anyway: neither is
     * undrained */
    for (i = 0; i < farm->nhosts; i++)
        cand[i] = farm->hosts[i].state == GF_HS_DRAINING && !farm->hosts[i].admin_drain &&
                  !serving(farm, farm->hosts[i].superseded_by) &&
                  (!pl->old_first || farm->hosts[i].image_version == pl->old_first) &&
                  !touched[i] && plan_hv_ok(pl, &farm->hosts[i]);
    while (n > 0 && (i = plan_pick(farm, cand, 1)) >= 0) {
        plan_add(pl, GF_ACT_UNDRAIN, farm->hosts[i].name, "%s", why);
        cand[i] = 0;
        touched[i] = 1;
        n--;
    }
    /* standby hosts first, then active hosts someone shut off */
    for (int state = GF_HS_STANDBY; state >= GF_HS_ACTIVE; state--) {
        for (i = 0; i < farm->nhosts; i++)
            cand[i] = farm->hosts[i].state == (enum gf_host_state)state &&
                      farm->hosts[i].run == GF_RUN_OFF && !touched[i] &&
                      plan_hv_ok(pl, &farm->hosts[i]);
        while (n > 0 && (i = plan_pick(farm, cand, 0)) >= 0) {
            struct gf_action *a = plan_add(pl, GF_ACT_START, farm->hosts[i].name, "%s", why);
            if (a)
                a->standby = state == GF_HS_STANDBY;
            cand[i] = 0;
            touched[i] = 1;
            n--;
        }
    }
    while (n > 0 && plan_clone(pl, 0, why, pl->out->clone_version))
        n--;
    free(cand);
}

/* Grow CPU- or memory-bound hosts up to the policy's vertical limits; not
 * hosts another rule acts on (TOUCHED), nor failing ones. */
static void scale_up(struct planner *pl, int *touched)
{
    const struct gf_policy *p = pl->p;

    for (int i = 0; i < pl->farm->nhosts; i++) {
        const struct gf_host_obs *h = &pl->farm->hosts[i];
        struct gf_action *a;
        if (h->state != GF_HS_ACTIVE || h->run != GF_RUN_RUNNING || !plan_hv_ok(pl, h) ||
            touched[i] || plan_failing(p, h))
            continue;
        if (p->max_vcpus && h->cpu_pct >= BOUND_PCT && h->vcpus < p->max_vcpus) {
            touched[i] = 1;
            int to = h->vcpus * 2 < p->max_vcpus ? h->vcpus * 2 : p->max_vcpus;
            if ((a = plan_add(pl, GF_ACT_RESIZE, h->name,
                              "%s: %s CPU %.0f%% >= %.0f%% with %d vCPUs", pl->label, h->name,
                              h->cpu_pct, BOUND_PCT, h->vcpus)))
                a->vcpus = to;
        }
        if (p->max_memory_kib && h->mem_pct >= BOUND_PCT && h->memory_kib < p->max_memory_kib) {
            unsigned long long to =
                h->memory_kib * 2 < p->max_memory_kib ? h->memory_kib * 2 : p->max_memory_kib;
            if (to - h->memory_kib > pl->free_kib[h->hv]) {
                plan_add(pl, GF_ACT_NOTE, h->name,
                         "%s: %s memory %.0f%% >= %.0f%%, but its hypervisor "
                         "has %lluM free: no resize",
                         pl->label, h->name, h->mem_pct, BOUND_PCT, pl->free_kib[h->hv] >> 10);
                continue;
            }
            touched[i] = 1;
            if ((a = plan_add(pl, GF_ACT_RESIZE, h->name,
                              "%s: %s memory %.0f%% >= %.0f%% with %lluM", pl->label, h->name,
                              h->mem_pct, BOUND_PCT, h->memory_kib >> 10))) {
                a->memory_kib = to;
                pl->free_kib[h->hv] -= to - h->memory_kib;
            }
        }
    }
}

/* The host to drain among CAND: the least loaded, on another version than
 * a roll-out's target first (a roll-out would replace it anyway).  -1 if
 * none. */
static int pick_to_drain(const struct planner *pl, int *cand)
{
    const struct gf_farm_obs *farm = pl->farm;
    int *old = pl->old_first ? calloc((size_t)farm->nhosts + 1, sizeof(int)) : NULL;
    int i = -1;

    for (int k = 0; old && k < farm->nhosts; k++)
        old[k] = cand[k] && farm->hosts[k].image_version != pl->old_first;
    if (old)
        i = plan_pick(farm, old, 0);
    free(old);
    return i >= 0 ? i : plan_pick(farm, cand, 0);
}

/* Drain hosts until the load left on the others stays at or below the
 * threshold less the hysteresis, never below MIN_NEEDED hosts.  Depth-first
 * consolidates up to max_step hosts a tick; breadth-first keeps users spread
 * and drains one.  The least-loaded host goes first. */
static void scale_in(struct planner *pl, int min_needed, int *touched)
{
    const struct gf_policy *p = pl->p;
    const struct gf_farm_obs *farm = pl->farm;
    const struct gf_phase *ph = pl->out->phase.params;
    int low = ph->threshold - p->hysteresis;
    int target, remove, *cand, i;
    char load[160];

    if (pl->out->sessions * 100 >= low * pl->out->capacity || pl->out->in_service <= min_needed)
        return;
    load_text(pl, load, sizeof(load));
    if (farm->last_scale_in && pl->now->t >= farm->last_scale_in &&
        pl->now->t - farm->last_scale_in < p->cooldown_in) {
        char until[16];
        plan_clock_text(pl->now, farm->last_scale_in + p->cooldown_in, until, sizeof(until));
        plan_add(pl, GF_ACT_NOTE, NULL, "%s < %d%%: no scale-in before %s (cooldown_in %ds)", load,
                 low, until, p->cooldown_in);
        return;
    }
    target = (pl->out->sessions * 100 + low * p->max_sessions - 1) / (low * p->max_sessions);
    if (target < min_needed)
        target = min_needed;
    remove = pl->out->in_service - target;
    if (remove > p->max_step)
        remove = p->max_step;
    if (ph->balance == GF_BREADTH && remove > 1)
        remove = 1;
    if (!(cand = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;
    for (i = 0; i < farm->nhosts; i++)
        cand[i] = farm->hosts[i].state == GF_HS_ACTIVE && farm->hosts[i].run == GF_RUN_RUNNING &&
                  !farm->hosts[i].unhealthy && !touched[i] && plan_hv_ok(pl, &farm->hosts[i]);
    /* a host failing its health checks (within its grace too) is replaced
     * and quarantined, never drained away by the scaler: it is evidence */
    while (remove-- > 0 && (i = pick_to_drain(pl, cand)) >= 0) {
        plan_add(pl, GF_ACT_DRAIN, farm->hosts[i].name,
                 "%s < %d%% (%d%% - %d): %s has %d session%s, the fewest (%s)", load, low,
                 ph->threshold, p->hysteresis, farm->hosts[i].name, farm->hosts[i].sessions,
                 farm->hosts[i].sessions == 1 ? "" : "s",
                 ph->balance == GF_DEPTH ? "depth" : "breadth");
        cand[i] = 0;
        touched[i] = 1;
    }
    free(cand);
}

/* Move draining hosts on: retire the empty ones, log off the users of those
 * whose drain wait is up.  A host with users is never retired. */
static void progress_drains(struct planner *pl, const int *touched)
{
    const struct gf_policy *p = pl->p;
    const char *kind = p->empty_when == GF_EMPTY_NO_ACTIVE ? "active " : "";

    for (int i = 0; i < pl->farm->nhosts; i++) {
        const struct gf_host_obs *h = &pl->farm->hosts[i];
        long long waited = (long long)(pl->now->t - h->since);
        int empty = is_empty(p, h, waited);
        if (h->state != GF_HS_DRAINING || touched[i] || !plan_hv_ok(pl, h))
            continue;
        if (empty && h->replaced_by[0])
            plan_add(pl, GF_ACT_QUARANTINE, h->name, "drain: %s (replaced by %s) has no %ssessions",
                     h->name, h->replaced_by, kind);
        else if (empty && h->unhealthy)
            /* it failed its health checks while draining: kept for whoever
             * looks into why, not deleted */
            plan_add(pl, GF_ACT_QUARANTINE, h->name,
                     "drain: %s has no %ssessions, but it fails: %s", h->name, kind, h->health);
        else if (empty)
            plan_add(pl, GF_ACT_RETIRE, h->name, "drain: %s has no %ssessions%s", h->name, kind,
                     h->sessions > 0 ? " after its drain wait and logoff" : "");
        else if (waited >= p->drain_wait && !h->logoff_sent && h->sessions > 0)
            plan_add(pl, GF_ACT_LOGOFF, h->name,
                     "drain: %s draining %lldm (wait %dm), %d session%s left", h->name, waited / 60,
                     p->drain_wait / 60, h->sessions, h->sessions == 1 ? "" : "s");
    }
}

/* Keep the phase's number of standby hosts: clone more or retire extras. */
static void top_up_standby(struct planner *pl, const int *touched)
{
    const struct gf_farm_obs *farm = pl->farm;
    int want = pl->out->phase.params->standby, have = 0, *cand, i;
    char why[160];

    if (!(cand = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;
    for (i = 0; i < farm->nhosts; i++) {
        cand[i] = farm->hosts[i].state == GF_HS_STANDBY && farm->hosts[i].run == GF_RUN_OFF &&
                  !touched[i] && plan_hv_ok(pl, &farm->hosts[i]);
        have += farm->hosts[i].state == GF_HS_STANDBY && !touched[i];
    }
    snprintf(why, sizeof(why), "%s: %d standby %s %d", pl->label, have, have < want ? "<" : ">",
             want);
    for (int n = have; n < want; n++)
        if (!plan_clone(pl, 1, why, pl->out->clone_version))
            break;
    for (int n = have; n > want && (i = plan_pick(farm, cand, 0)) >= 0; n--) {
        plan_add(pl, GF_ACT_RETIRE, farm->hosts[i].name, "%s", why);
        cand[i] = 0;
    }
    free(cand);
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

/* Mark every failing host handled: the scaler neither starts nor replaces
 * the hosts a safeguard holds back. */
static void hold_back(struct planner *pl, int *touched)
{
    for (int i = 0; i < pl->farm->nhosts; i++)
        if (plan_failing(pl->p, &pl->farm->hosts[i]))
            touched[i] = 1;
}

/* Replace failing hosts: a replacement first (a standby started, else a
 * clone), then, once it is ready, the failing host is quarantined, or
 * drained when it still has users and runs.  Nothing when too many fail at
 * once (the cause is below the hosts), when the breaker is open, or when a
 * replacement itself fails soon after it was made (a bad image).  Returns
 * the replacements on their way (to count as coming capacity). */
static int plan_health(struct planner *pl, int *touched)
{
    const struct gf_policy *p = pl->p;
    const struct gf_farm_obs *farm = pl->farm;
    int nbad = 0, nactive = 0, coming = 0, *cand, i;
    char rule[200];

    for (i = 0; i < farm->nhosts; i++) {
        if (farm->hosts[i].state != GF_HS_ACTIVE || !plan_hv_ok(pl, &farm->hosts[i]))
            continue;
        nactive++;
        nbad += plan_failing(p, &farm->hosts[i]);
    }
    pl->out->failing = nbad;
    if (!nbad)
        return 0;
    if (nbad > p->mass_failure_min && nbad * 100 > p->mass_failure_pct * nactive) {
        hold_back(pl, touched);
        plan_add(pl, GF_ACT_NOTE, NULL,
                 "health: %d of %d hosts failing (more than %d%%): replacing nothing; the cause is "
                 "likely below them (storage, network, hypervisor)",
                 nbad, nactive, p->mass_failure_pct);
        return nbad; /* held back, not made up for by the scaler either */
    }
    if (farm->breaker_open) {
        hold_back(pl, touched);
        plan_add(pl, GF_ACT_NOTE, NULL,
                 "health: %d host%s failing, but the breaker is open after failed replacements: "
                 "replacing nothing (vmctl farm resume closes it)",
                 nbad, nbad == 1 ? "" : "s");
        return nbad; /* held back, not made up for by the scaler either */
    }
    if (!(cand = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return 0;
    for (i = 0; i < farm->nhosts; i++)
        cand[i] = farm->hosts[i].state == GF_HS_STANDBY && farm->hosts[i].run == GF_RUN_OFF &&
                  plan_hv_ok(pl, &farm->hosts[i]);
    for (int k = 0; k < farm->nhosts; k++) {
        const struct gf_host_obs *f = &farm->hosts[k], *r;
        struct gf_action *a;
        if (!plan_failing(p, f) || !plan_hv_ok(pl, f) || touched[k])
            continue;
        touched[k] = 1;
        snprintf(rule, sizeof(rule), "health: %s %s (%ds)", f->name, f->health, f->unhealthy_for);
        if (f->replaces[0] && f->created && pl->now->t - f->created < p->breaker_window) {
            plan_add(pl, GF_ACT_NOTE, f->name,
                     "%s: it replaced %s %lldm ago: image %s v%u is likely bad: replacing nothing",
                     rule, f->replaces, (long long)(pl->now->t - f->created) / 60, p->image,
                     f->image_version);
            pl->out->bad_image = 1;
            continue;
        }
        r = gf_farm_host(farm, f->replaced_by);
        for (i = 0; !r && i < farm->nhosts; i++) /* linked one way only (a crash between) */
            if (strcmp(farm->hosts[i].replaces, f->name) == 0)
                r = &farm->hosts[i];
        if (r && r->state == GF_HS_ACTIVE) {
            if (!r->ready) {
                coming++; /* on its way */
                continue;
            }
            if (f->run == GF_RUN_RUNNING && f->sessions > 0 && f->admin_replace != 2)
                plan_add(pl, GF_ACT_DRAIN, f->name, "%s; %s is ready, %d session%s left", rule,
                         r->name, f->sessions, f->sessions == 1 ? "" : "s");
            else
                plan_add(pl, GF_ACT_QUARANTINE, f->name, "%s; %s is ready", rule, r->name);
            continue;
        }
        coming++;
        if ((i = plan_pick(farm, cand, 0)) >= 0) {
            if ((a = plan_add(pl, GF_ACT_START, farm->hosts[i].name, "%s", rule))) {
                a->standby = 1;
                snprintf(a->replaces, sizeof(a->replaces), "%s", f->name);
            }
            cand[i] = 0;
            touched[i] = 1;
        } else {
            pl->total--; /* the failing host is set aside: its place is free */
            if ((a = plan_clone(pl, 0, rule, pl->out->clone_version)))
                snprintf(a->replaces, sizeof(a->replaces), "%s", f->name);
        }
    }
    free(cand);
    return coming;
}

/* Delete quarantined hosts kept longer than the policy's quarantine_days. */
static void expire_quarantine(struct planner *pl)
{
    const struct gf_policy *p = pl->p;

    for (int i = 0; p->quarantine_days && i < pl->farm->nhosts; i++) {
        const struct gf_host_obs *h = &pl->farm->hosts[i];
        if (h->state == GF_HS_QUARANTINED && plan_hv_ok(pl, h) && h->since &&
            pl->now->t - h->since >= (time_t)p->quarantine_days * 24 * 3600)
            plan_add(pl, GF_ACT_RETIRE, h->name,
                     "health: %s quarantined %lldd (quarantine_days %d)", h->name,
                     (long long)(pl->now->t - h->since) / 86400, p->quarantine_days);
    }
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

void gf_plan(const struct gf_policy *p, const struct gf_farm_obs *farm, const struct gf_local *now,
             struct gf_plan *out)
{
    struct planner pl = {.p = p, .farm = farm, .now = now, .out = out, .next_number = 1};
    const struct gf_phase *ph;
    int min_needed, need_min, need_load = 0, addn, *touched, coming;
    int over, unknown = 0;
    char why[200];

    memset(out, 0, sizeof(*out));
    gf_schedule_phase(p, now, &out->phase);
    ph = out->phase.params;
    if (out->phase.holiday)
        snprintf(pl.label, sizeof(pl.label), "%s (holiday %04d-%02d-%02d)",
                 gf_phase_name(out->phase.phase), out->phase.holiday->year,
                 out->phase.holiday->month, out->phase.holiday->day);
    else
        snprintf(pl.label, sizeof(pl.label), "%s", gf_phase_name(out->phase.phase));
    out->clone_version = gf_plan_clone_version(p, farm);
    if (gf_rollout_active(farm->rollout) && strcmp(farm->rollout->image, p->image) == 0)
        pl.old_first = gf_rollout_target(farm->rollout);
    for (int i = 0; i < p->nhypervisors; i++)
        pl.free_kib[i] = farm->hv[i].free_kib;
    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (h->hv >= 0 && h->hv < p->nhypervisors && h->state != GF_HS_RETIRING)
            pl.on_hv[h->hv]++;
        if (h->state != GF_HS_QUARANTINED && h->state != GF_HS_RETIRING)
            pl.total++;
        if (!plan_hv_ok(&pl, h))
            continue; /* a blind hypervisor's hosts exist, but count for nothing */
        if (plan_failing(p, h))
            continue; /* out of service: the health pass replaces it */
        if (plan_pair_pending(farm, h)) {
            /* a roll-out's new host: its old one still holds the place */
            out->sessions += h->sessions > 0 ? h->sessions : 0;
            continue;
        }
        if (h->state == GF_HS_ACTIVE && h->run == GF_RUN_RUNNING) {
            out->in_service++;
            if (h->sessions < 0)
                unknown++;
            else
                out->sessions += h->sessions;
        }
        out->standby += h->state == GF_HS_STANDBY;
        out->draining += h->state == GF_HS_DRAINING;
    }
    out->capacity = out->in_service * p->max_sessions;
    out->usage_pct = out->capacity ? (out->sessions * 100 + out->capacity / 2) / out->capacity
                                   : (out->sessions ? 100 : 0);
    if (!(touched = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;

    plan_rollout(&pl, touched);
    if (out->rollout_changed) { /* a phase changed: the scaler clones by the new one */
        struct gf_farm_obs next = *farm;
        next.rollout = &out->rollout;
        out->clone_version = gf_plan_clone_version(p, &next);
    }
    coming = plan_health(&pl, touched); /* replacements count as capacity on its way */
    expire_quarantine(&pl);
    min_needed = gf_phase_min_hosts(p, ph);
    if (min_needed < p->min_hosts)
        min_needed = p->min_hosts;
    if (min_needed > p->max_hosts)
        min_needed = p->max_hosts;
    need_min = min_needed - out->in_service - coming;
    over = out->sessions * 100 > ph->threshold * out->capacity;
    if (over) {
        int target = (out->sessions * 100 + ph->threshold * p->max_sessions - 1) /
                     (ph->threshold * p->max_sessions);
        need_load = target - out->in_service - coming;
        if (need_load > p->max_step)
            need_load = p->max_step;
        load_text(&pl, why, sizeof(why));
        if (farm->last_scale_out && now->t >= farm->last_scale_out &&
            now->t - farm->last_scale_out < p->cooldown_out) {
            if (need_load > need_min) {
                char until[16];
                plan_clock_text(now, farm->last_scale_out + p->cooldown_out, until, sizeof(until));
                plan_add(&pl, GF_ACT_NOTE, NULL,
                         "%s > %d%%: no scale-out before %s (cooldown_out %ds)", why, ph->threshold,
                         until, p->cooldown_out);
            }
            need_load = 0;
        }
    }
    scale_up(&pl, touched);
    addn = need_min > need_load ? need_min : need_load;
    if (addn > p->max_hosts - out->in_service - coming)
        addn = p->max_hosts - out->in_service - coming;
    if (addn <= 0 && need_load > 0) {
        char load[160];
        load_text(&pl, load, sizeof(load));
        plan_add(&pl, GF_ACT_NOTE, NULL, "%s > %d%%: farm.max_hosts %d reached: no clone", load,
                 ph->threshold, p->max_hosts);
    }
    if (addn > 0) {
        if (need_min >= need_load)
            snprintf(why, sizeof(why), "%s: %d host%s in service < minimum %d", pl.label,
                     out->in_service, out->in_service == 1 ? "" : "s", min_needed);
        else {
            char load[160];
            load_text(&pl, load, sizeof(load));
            snprintf(why, sizeof(why), "%s > %d%%", load, ph->threshold);
        }
        scale_out(&pl, addn, why, touched);
    } else if (unknown) {
        plan_add(&pl, GF_ACT_NOTE, NULL, "%s: sessions unknown on %d host%s: no scale-in", pl.label,
                 unknown, unknown == 1 ? "" : "s");
    } else if (!over && pl.rollout_drained) {
        plan_add(&pl, GF_ACT_NOTE, NULL,
                 "%s: the roll-out drains %d host%s to make room: no scale-in", pl.label,
                 pl.rollout_drained, pl.rollout_drained == 1 ? "" : "s");
    } else if (!over) {
        /* a roll-out's minimum in service holds for the scaler too */
        int floor = gf_rollout_active(&out->rollout) && out->rollout.min_hosts > min_needed
                        ? out->rollout.min_hosts
                        : min_needed;
        scale_in(&pl, floor, touched);
    }
    progress_drains(&pl, touched);
    top_up_standby(&pl, touched);
    free(touched);
    /* every action on an existing host names its hypervisor */
    for (int i = 0; i < out->nactions; i++) {
        struct gf_action *a = &out->actions[i];
        for (int k = 0; a->hv < 0 && a->host[0] && k < farm->nhosts; k++)
            if (strcmp(farm->hosts[k].name, a->host) == 0)
                a->hv = farm->hosts[k].hv;
    }
}

void gf_action_line(const struct gf_policy *p, const struct gf_action *a, char *buf, size_t len)
{
    char size[32];

    switch (a->kind) {
    case GF_ACT_CLONE:
        snprintf(buf, len, "%s: clone %s%s on %s", a->rule, a->host,
                 a->standby ? " as standby" : "",
                 a->hv >= 0 && a->hv < p->nhypervisors ? p->hypervisors[a->hv].uri : "?");
        return;
    case GF_ACT_RESIZE:
        if (a->vcpus)
            snprintf(buf, len, "%s: resize %s to %d vCPUs", a->rule, a->host, a->vcpus);
        else {
            snprintf(size, sizeof(size), "%lluM", a->memory_kib >> 10);
            snprintf(buf, len, "%s: resize %s to %s", a->rule, a->host, size);
        }
        return;
    case GF_ACT_NOTE:
        snprintf(buf, len, "%s", a->rule);
        return;
    case GF_ACT_START:
        snprintf(buf, len, "%s: start %s%s", a->rule, a->host, a->standby ? " (standby)" : "");
        return;
    default:
        snprintf(buf, len, "%s: %s %s", a->rule, gf_action_name(a->kind), a->host);
        return;
    }
}
