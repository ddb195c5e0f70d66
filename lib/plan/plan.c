/* plan.c - the planner: (policy, observed farm, now) -> actions. */
#include "plan/plan.h"
#include "plan/plan_int.h"

#include "base/log.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                  !touched[i] && plan_hv_ok(pl, &farm->hosts[i]) &&
                  !plan_evacuated(pl, &farm->hosts[i]);
    while (n > 0 && (i = plan_pick(farm, cand, 1)) >= 0) {
        plan_add(pl, GF_ACT_UNDRAIN, farm->hosts[i].name, "%s", why);
        cand[i] = 0;
        touched[i] = 1;
        n--;
    }
    /* standby hosts first, the fastest to serve first, then active hosts
     * someone shut off */
    for (int state = GF_HS_STANDBY; state >= GF_HS_ACTIVE; state--) {
        int sb = state == GF_HS_STANDBY;
        for (i = 0; i < farm->nhosts; i++)
            cand[i] =
                farm->hosts[i].state == (enum gf_host_state)state &&
                (sb ? plan_standby_rank(&farm->hosts[i]) >= 0 : farm->hosts[i].run == GF_RUN_OFF) &&
                !touched[i] && plan_hv_ok(pl, &farm->hosts[i]);
        while (n > 0 && (i = sb ? plan_pick_standby(farm, cand) : plan_pick(farm, cand, 0)) >= 0) {
            struct gf_action *a = plan_add(pl, GF_ACT_START, farm->hosts[i].name, "%s", why);
            if (a) {
                a->standby = sb;
                a->standby_kind = sb ? plan_standby_taken(&farm->hosts[i]) : GF_SB_OFF;
            }
            cand[i] = 0;
            touched[i] = 1;
            n--;
        }
    }
    while (n > 0 && plan_clone(pl, 0, why, pl->out->clone_version))
        n--;
    free(cand);
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
 * threshold less the hysteresis (every counted signal), never below
 * MIN_NEEDED hosts.  Depth-first consolidates up to max_step hosts a tick;
 * breadth-first keeps users spread and drains one.  The least-loaded host
 * goes first. */
static void scale_in(struct planner *pl, int min_needed, int *touched)
{
    const struct gf_policy *p = pl->p;
    const struct gf_farm_obs *farm = pl->farm;
    const struct gf_phase *ph = pl->out->phase.params;
    int low = ph->threshold - p->hysteresis;
    int target, remove, *cand, i;
    char load[256];

    if (!plan_load_below(pl, low) || pl->out->in_service <= min_needed)
        return;
    plan_load_text(pl, load, sizeof(load));
    if (farm->last_scale_in && pl->now->t >= farm->last_scale_in &&
        pl->now->t - farm->last_scale_in < p->cooldown_in) {
        char until[16];
        plan_clock_text(pl->now, farm->last_scale_in + p->cooldown_in, until, sizeof(until));
        plan_add(pl, GF_ACT_NOTE, NULL, "%s < %d%%: no scale-in before %s (cooldown_in %ds)", load,
                 low, until, p->cooldown_in);
        return;
    }
    target = plan_load_target(pl, low);
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
        struct gf_action *a = plan_add(
            pl, GF_ACT_DRAIN, farm->hosts[i].name,
            "%s < %d%% (%d%% - %d): %s has %d session%s, the fewest (%s)", load, low, ph->threshold,
            p->hysteresis, farm->hosts[i].name, farm->hosts[i].sessions,
            farm->hosts[i].sessions == 1 ? "" : "s", ph->balance == GF_DEPTH ? "depth" : "breadth");
        if (a)
            a->drain_by = GF_DRAIN_SCALER;
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

/* Tell the broker and the users of each host an admin drained (vmctl farm
 * drain) that it drains, once. */
static void notify_admin_drains(struct planner *pl)
{
    for (int i = 0; i < pl->farm->nhosts; i++) {
        const struct gf_host_obs *h = &pl->farm->hosts[i];
        if (h->state == GF_HS_DRAINING && h->admin_drain && !h->notified && !h->logoff_sent &&
            plan_hv_ok(pl, h))
            plan_add(pl, GF_ACT_NOTIFY, h->name,
                     "drain: %s drained by an admin: the broker and its users are told", h->name);
    }
}

/* During a roll-out, remember in the metadata of each host it made (on
 * the version it moves to) when the host became ready: its health gate is
 * not timed again after a restart. */
static void mark_ready(struct planner *pl)
{
    const struct gf_rollout *r = &pl->out->rollout;

    if (!gf_rollout_active(r) || r->paused)
        return;
    for (int i = 0; i < pl->farm->nhosts; i++) {
        const struct gf_host_obs *h = &pl->farm->hosts[i];
        if (h->state == GF_HS_ACTIVE && h->ready && !h->ready_recorded &&
            h->image_version == gf_rollout_target(r) && h->created >= r->started &&
            plan_hv_ok(pl, h))
            plan_add(pl, GF_ACT_MARK_READY, h->name, "rollout: %s is ready", h->name);
    }
}

void gf_plan(const struct gf_policy *p, const struct gf_farm_obs *farm, const struct gf_local *now,
             struct gf_plan *out)
{
    struct planner pl = {.p = p, .farm = farm, .now = now, .out = out, .next_number = 1};
    const struct gf_phase *ph;
    int min_needed, need_min, need_load = 0, addn, *touched, coming;
    int over, unknown = 0;
    char why[256];

    struct gf_farm_obs view;
    struct gf_rollout rec;
    enum gf_rollout_phase before, was;
    int requests_changed = 0;

    memset(out, 0, sizeof(*out));
    gf_schedule_phase(p, now, &out->phase);
    ph = out->phase.params;
    if (out->phase.holiday)
        snprintf(pl.label, sizeof(pl.label), "%s (holiday %04d-%02d-%02d)",
                 gf_phase_name(out->phase.phase), out->phase.holiday->year,
                 out->phase.holiday->month, out->phase.holiday->day);
    else
        snprintf(pl.label, sizeof(pl.label), "%s", gf_phase_name(out->phase.phase));
    /* the admin's roll-out requests first: the plan goes by what they make
     * of the record */
    before = farm->rollout ? farm->rollout->phase : GF_RO_NONE;
    memset(&rec, 0, sizeof(rec));
    if (farm->rollout)
        rec = *farm->rollout;
    view = *farm;
    if (farm->nrequests && (requests_changed = plan_rollout_requests(&pl, &rec)))
        view.rollout = &rec;
    pl.farm = farm = &view;
    was = farm->rollout ? farm->rollout->phase : GF_RO_NONE;
    out->clone_version = gf_plan_clone_version(p, farm);
    if (gf_rollout_active(farm->rollout) && strcmp(farm->rollout->image, p->image) == 0)
        pl.old_first = gf_rollout_target(farm->rollout);
    for (int i = 0; i < p->nhypervisors; i++) {
        const struct gf_hv_obs *hv = &farm->hv[i];
        pl.free_kib[i] = hv->free_kib;
        int ratio =
            p->hypervisors[i].cpu_overcommit ? p->hypervisors[i].cpu_overcommit : p->cpu_overcommit;
        pl.free_vcpus[i] = hv->cpus ? hv->cpus * ratio - hv->vcpus_used : INT_MAX;
        pl.free_disk_kib[i] = hv->pool_avail_kib;
    }
    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (h->hv >= 0 && h->hv < p->nhypervisors && h->state != GF_HS_RETIRING)
            pl.on_hv[h->hv]++;
        if (!plan_hv_ok(&pl, h))
            continue; /* a blind hypervisor's hosts exist, but count for nothing */
        if (plan_evacuated(&pl, h) && h->state != GF_HS_DRAINING) {
            /* its users count, it does not: replaced on the other nodes */
            out->evacuating += h->state == GF_HS_ACTIVE;
            out->sessions += h->state == GF_HS_ACTIVE && h->sessions > 0 ? h->sessions : 0;
            continue;
        }
        if (h->state != GF_HS_QUARANTINED && h->state != GF_HS_RETIRING)
            pl.total++;
        if (plan_failing(p, h))
            continue; /* out of service: the health pass replaces it */
        if (plan_pair_pending(farm, h)) {
            /* a roll-out's new host: its old one still holds the place */
            out->sessions += h->sessions > 0 ? h->sessions : 0;
            continue;
        }
        if (h->state == GF_HS_ACTIVE && h->run == GF_RUN_RUNNING) {
            out->in_service++;
            plan_load_count(&pl, h);
            if (h->sessions < 0)
                unknown++;
            else
                out->sessions += h->sessions;
        }
        out->standby += h->state == GF_HS_STANDBY;
        if (h->state == GF_HS_STANDBY && h->standby_kind < GF_SB_NKINDS) {
            out->standby_by_kind[h->standby_kind]++;
            out->standby_ready[h->standby_kind] += plan_standby_ready(h);
        }
        out->draining += h->state == GF_HS_DRAINING;
    }
    out->capacity = out->in_service * p->max_sessions;
    out->usage_pct = out->capacity ? (out->sessions * 100 + out->capacity / 2) / out->capacity
                                   : (out->sessions ? 100 : 0);
    plan_load_finish(&pl);
    out->signal_unknown[GF_SIG_SESSIONS] = unknown;
    if (!(touched = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;

    plan_nodes_lost(&pl);
    for (int i = 0; i < farm->nhosts; i++) /* the evacuation alone acts on them */
        touched[i] |=
            plan_evacuated(&pl, &farm->hosts[i]) && farm->hosts[i].state != GF_HS_DRAINING;
    plan_rollout(&pl, touched);
    if (requests_changed) {
        if (!gf_rollout_active(&out->rollout))
            out->rollout = rec; /* e.g. a pause of a roll-out of another image */
        out->rollout_changed = 1;
    }
    plan_rollout_report(&pl, before, was);
    mark_ready(&pl);
    if (out->rollout_changed) { /* a phase changed: the scaler clones by the new one */
        struct gf_farm_obs next = *farm;
        next.rollout = &out->rollout;
        out->clone_version = gf_plan_clone_version(p, &next);
    }
    coming = plan_health(&pl, touched); /* replacements count as capacity on its way */
    plan_bad_image_breaker(&pl);
    notify_admin_drains(&pl);
    plan_expire_quarantine(&pl);
    min_needed = gf_phase_min_hosts(p, ph);
    if (min_needed < p->min_hosts)
        min_needed = p->min_hosts;
    if (min_needed > p->max_hosts)
        min_needed = p->max_hosts;
    need_min = min_needed - out->in_service - coming;
    over = plan_load_over(&pl, ph->threshold);
    if (over) {
        need_load = plan_load_target(&pl, ph->threshold) - out->in_service - coming;
        if (need_load > p->max_step)
            need_load = p->max_step;
        plan_load_text(&pl, why, sizeof(why));
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
    plan_resize(&pl, touched);
    addn = need_min > need_load ? need_min : need_load;
    if (addn > p->max_hosts - out->in_service - coming)
        addn = p->max_hosts - out->in_service - coming;
    if (addn <= 0 && need_load > 0) {
        char load[256];
        plan_load_text(&pl, load, sizeof(load));
        plan_add(&pl, GF_ACT_NOTE, NULL, "%s > %d%%: farm.max_hosts %d reached: no clone", load,
                 ph->threshold, p->max_hosts);
    }
    if (addn > 0) {
        if (need_min >= need_load)
            snprintf(why, sizeof(why), "%s: %d host%s in service < minimum %d", pl.label,
                     out->in_service, out->in_service == 1 ? "" : "s", min_needed);
        else {
            char load[256];
            plan_load_text(&pl, load, sizeof(load));
            snprintf(why, sizeof(why), "%s > %d%%", load, ph->threshold);
        }
        scale_out(&pl, addn, why, touched);
    } else if (unknown && p->weight[GF_SIG_SESSIONS]) {
        plan_add(&pl, GF_ACT_NOTE, NULL, "%s: sessions unknown on %d host%s: no scale-in", pl.label,
                 unknown, unknown == 1 ? "" : "s");
    } else if (plan_load_unknown_notes(&pl)) {
        /* CPU or memory unknown on a host in service: never taken as idle */
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
    plan_evacuate(&pl, min_needed, coming);
    progress_drains(&pl, touched);
    plan_standby_keep(&pl, touched);
    plan_push(&pl);
    free(touched);
    /* every action on an existing host names its hypervisor */
    for (int i = 0; i < out->nactions; i++) {
        struct gf_action *a = &out->actions[i];
        for (int k = 0; a->hv < 0 && a->host[0] && k < farm->nhosts; k++)
            if (strcmp(farm->hosts[k].name, a->host) == 0)
                a->hv = farm->hosts[k].hv;
    }
}
