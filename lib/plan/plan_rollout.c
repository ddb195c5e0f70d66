/* plan_rollout.c - a roll-out's part of the plan: a canary, then batches,
 * and the way back when the new version fails.
 *
 * Everything is derived from the observed hosts and the record: a host on
 * the target version made since the phase began is under the gate until
 * it is ready; a pair (a new host whose "supersedes" names an old host that
 * still serves) holds one place in service until the new host is ready,
 * then the old one is drained with the farm's wait and retired when empty.
 * Pure, like the rest of the planner.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"

/* What the roll-out part works with during one plan. */
struct ro {
    struct planner *pl;
    int *touched;
    struct gf_rollout *r; /* the record after this plan */
    unsigned int target;  /* the version hosts move to */
    time_t gate_since;    /* hosts on the target made since are under the gate */
    char tag[64];         /* "rollout v1 -> v2", "rollback v2 -> v1" */
    int in_service;       /* after the drains planned so far */
};

int plan_pair_pending(const struct gf_farm_obs *farm, const struct gf_host_obs *h)
{
    const struct gf_host_obs *o;

    /* the old host was there first: a later host that reused its name is not it */
    return gf_rollout_active(farm->rollout) && h->supersedes[0] && h->state == GF_HS_ACTIVE &&
           (o = gf_farm_host(farm, h->supersedes)) && o->state == GF_HS_ACTIVE &&
           o->created <= h->created;
}

/* Mark A (a drain the roll-out plans; may be NULL) as the roll-out's. */
static void rollout_drain(struct gf_action *a)
{
    if (a)
        a->drain_by = GF_DRAIN_ROLLOUT;
}

/* Set up RO's view of the record's phase. */
static void ro_phase(struct ro *ro)
{
    const struct gf_rollout *r = ro->r;

    ro->target = gf_rollout_target(r);
    ro->gate_since = r->phase == GF_RO_ROLLBACK ? r->phase_since : r->started;
    if (r->phase == GF_RO_ROLLBACK)
        snprintf(ro->tag, sizeof(ro->tag), "rollback v%u -> v%u", r->to, r->from);
    else
        snprintf(ro->tag, sizeof(ro->tag), "rollout v%u -> v%u", r->from, r->to);
}

/* Move the record to PHASE now, WHY formatted (kept as its reason and
 * noted in the plan). */
static void transition(struct ro *ro, enum gf_rollout_phase phase, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void transition(struct ro *ro, enum gf_rollout_phase phase, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    plan_add(ro->pl, GF_ACT_NOTE, NULL, "%s: %s: %s", ro->tag, why,
             phase == GF_RO_BATCHES       ? "batches begin"
             : phase == GF_RO_ROLLBACK    ? "rolling back"
             : phase == GF_RO_DONE        ? "roll-out done"
             : phase == GF_RO_ROLLED_BACK ? "rollback done"
                                          : "stopped: an admin must look");
    ro->r->phase = phase;
    ro->r->phase_since = ro->pl->now->t;
    if (phase == GF_RO_ROLLBACK || phase == GF_RO_STUCK) /* rolled back: keep why */
        snprintf(ro->r->reason, sizeof(ro->r->reason), "%s", why);
    ro->pl->out->rollout_changed = 1;
    ro_phase(ro);
}

/* Whether H is on the target version and was made under the gate. */
static int under_gate(const struct ro *ro, const struct gf_host_obs *h)
{
    return h->image_version == ro->target && h->created >= ro->gate_since;
}

/* Whether gate host H failed its gate; why into WHY.  A host fails it when
 * it fails its health checks past the grace, or is not ready within the
 * ready timeout after it was made. */
static int gate_failed(const struct ro *ro, const struct gf_host_obs *h, char *why, size_t len)
{
    /* a standby started: from when it became active, not from when it was made */
    int started = h->since > h->created;
    long long age = (long long)(ro->pl->now->t - (started ? h->since : h->created));

    if (plan_failing(ro->pl->p, h)) {
        snprintf(why, len, "%s", h->health[0] ? h->health : "unhealthy");
        return 1;
    }
    if (!h->was_ready && !h->ready && age >= ro->r->ready_timeout) {
        snprintf(why, len, "not ready %llds after it was %s (ready_timeout %ds)", age,
                 started ? "started" : "made", ro->r->ready_timeout);
        return 1;
    }
    return 0;
}

/* The live host on VERSION that takes over from OLD (either link), or NULL. */
static const struct gf_host_obs *successor(const struct gf_farm_obs *farm,
                                           const struct gf_host_obs *old, unsigned int version)
{
    const struct gf_host_obs *n = gf_farm_host(farm, old->superseded_by);

    if (n && n->image_version == version && n->state == GF_HS_ACTIVE &&
        strcmp(n->supersedes, old->name) == 0 && n->created >= old->created)
        return n;
    for (int i = 0; i < farm->nhosts; i++) {
        n = &farm->hosts[i];
        if (n->image_version == version && n->state == GF_HS_ACTIVE &&
            strcmp(n->supersedes, old->name) == 0 && n->created >= old->created)
            return n;
    }
    return NULL;
}

/* Index of H in the farm. */
static int index_of(const struct ro *ro, const struct gf_host_obs *h)
{
    return (int)(h - ro->pl->farm->hosts);
}

/* Going forward: a new host that fails before it took over rolls back at
 * once; more than max_replacements failing after it rolls back too. */
static void forward_gates(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;
    int failed_after = 0;
    char why[160], names[160] = "";

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (!under_gate(ro, h) || !plan_hv_ok(ro->pl, h))
            continue;
        /* before it was ever ready (the canary: until its soak is over) */
        if (h->state == GF_HS_ACTIVE && (!h->was_ready || ro->r->phase == GF_RO_CANARY) &&
            gate_failed(ro, h, why, sizeof(why))) {
            transition(ro, GF_RO_ROLLBACK, "%s %s (v%u) failed its gate: %s",
                       ro->r->phase == GF_RO_CANARY ? "canary" : "new host", h->name,
                       h->image_version, why);
            return;
        }
        if ((h->state == GF_HS_ACTIVE && plan_failing(ro->pl->p, h)) ||
            h->state == GF_HS_QUARANTINED || h->replaced_by[0]) {
            failed_after++;
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                     names[0] ? ", " : "", h->name);
        }
    }
    if (failed_after > ro->r->max_replacements)
        transition(ro, GF_RO_ROLLBACK, "%d hosts on v%u failed after taking over (%s; limit %d)",
                   failed_after, ro->r->to, names, ro->r->max_replacements);
}

/* Going back: the old version's own new hosts failing stops everything. */
static void rollback_gates(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;
    char why[160];

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (under_gate(ro, h) && h->state == GF_HS_ACTIVE && plan_hv_ok(ro->pl, h) &&
            !h->was_ready && gate_failed(ro, h, why, sizeof(why))) {
            transition(ro, GF_RO_STUCK, "%s (v%u) failed too: %s", h->name, h->image_version, why);
            return;
        }
    }
}

/* Going back, first: new-version hosts that failed are set aside (drained
 * first if users are on them), and those that never took over from an
 * old host still serving are drained: the old host keeps its place. */
static void undo_new_hosts(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;
    char why[160];

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        /* its old host, if it still serves (not a later host that reused the name) */
        const struct gf_host_obs *old =
            plan_pair_pending(farm, h) ? gf_farm_host(farm, h->supersedes) : NULL;
        if (h->image_version != ro->r->to || h->state != GF_HS_ACTIVE || ro->touched[i] ||
            !plan_hv_ok(ro->pl, h))
            continue;
        if (gate_failed(ro, h, why, sizeof(why))) {
            ro->touched[i] = 1;
            if (h->run == GF_RUN_RUNNING && h->sessions > 0)
                rollout_drain(plan_add(ro->pl, GF_ACT_DRAIN, h->name,
                                       "%s: %s failed (%s), %d session%s left", ro->tag, h->name,
                                       why, h->sessions, h->sessions == 1 ? "" : "s"));
            else
                plan_add(ro->pl, GF_ACT_QUARANTINE, h->name, "%s: %s failed (%s)", ro->tag, h->name,
                         why);
        } else if (old && old->image_version != ro->r->to) {
            ro->touched[i] = 1;
            ro->touched[index_of(ro, old)] = 1;
            rollout_drain(plan_add(ro->pl, GF_ACT_DRAIN, h->name, "%s: %s keeps its place", ro->tag,
                                   old->name));
        }
    }
}

/* Drain the old host of every pair whose new host is ready. */
static void take_over(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *n = &farm->hosts[i], *old;
        if (n->image_version != ro->target || !plan_pair_pending(farm, n) || ro->touched[i] ||
            !plan_hv_ok(ro->pl, n))
            continue;
        old = gf_farm_host(farm, n->supersedes);
        ro->touched[i] = 1;
        ro->touched[index_of(ro, old)] = 1;
        if (n->ready && !n->unhealthy)
            rollout_drain(plan_add(ro->pl, GF_ACT_DRAIN, old->name,
                                   "%s: %s (v%u) is ready and serves in its place", ro->tag,
                                   n->name, n->image_version));
    }
}

/* Replace OLD with a new host on the target version: a clone beside it
 * when there is room, else OLD drained first when the farm keeps its
 * minimum in service.  WHAT names the step ("canary", "batch").
 * Returns 1 if planned, 0 if not (a note says why). */
static int replace_old(struct ro *ro, const struct gf_host_obs *old, const char *what)
{
    struct gf_action *a;
    char rule[200];

    ro->touched[index_of(ro, old)] = 1;
    snprintf(rule, sizeof(rule), "%s: %s for %s (v%u)", ro->tag, what, old->name,
             old->image_version);
    if (plan_room(ro->pl, ro->target)) {
        if (!(a = plan_clone(ro->pl, 0, rule, ro->target)))
            return 0;
        snprintf(a->supersedes, sizeof(a->supersedes), "%s", old->name);
        return 1;
    }
    if (ro->in_service - 1 >= ro->r->min_hosts) {
        rollout_drain(
            plan_add(ro->pl, GF_ACT_DRAIN, old->name,
                     "%s: no room for a %s clone: %s drained first (%d in service, minimum %d)",
                     ro->tag, what, old->name, ro->in_service, ro->r->min_hosts));
        ro->in_service--;
        ro->pl->rollout_drained++;
        return 1;
    }
    plan_add(ro->pl, GF_ACT_NOTE, old->name,
             "%s: no room for a %s clone, and draining %s would leave %d in service < minimum %d: "
             "waiting",
             ro->tag, what, old->name, ro->in_service - 1, ro->r->min_hosts);
    return 0;
}

/* The hosts not yet on the target version, by state (not failing, not
 * taken over), into the ACTIVE flags; the counts into the others. */
static void old_hosts(struct ro *ro, int *active, int *nactive, int *nstandby, int *ndraining,
                      int *making_room)
{
    const struct gf_farm_obs *farm = ro->pl->farm;

    *nactive = *nstandby = *ndraining = *making_room = 0;
    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        active[i] = 0;
        if (h->image_version == ro->target)
            continue;
        if (h->state == GF_HS_STANDBY)
            (*nstandby)++;
        if (h->state == GF_HS_DRAINING) {
            (*ndraining)++;
            /* drained to make room (or by the scaler): the next batch waits */
            *making_room += !h->superseded_by[0] && !h->replaced_by[0];
        }
        /* an active host counts until it is drained, taken over or not */
        *nactive += h->state == GF_HS_ACTIVE;
        if (h->state == GF_HS_ACTIVE && !plan_failing(ro->pl->p, h) &&
            !successor(farm, h, ro->target))
            active[i] = h->run == GF_RUN_RUNNING && !ro->touched[i] && plan_hv_ok(ro->pl, h);
    }
}

/* Hosts on the target version under the gate and not ready yet. */
static int booting(const struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;
    int n = 0;

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        n += under_gate(ro, h) && h->state == GF_HS_ACTIVE && !h->ready && !h->was_ready;
    }
    return n;
}

/* The canary: one new host beside an old one; once it has served healthy
 * for the soak time, the batches begin. */
static void canary(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;
    const struct gf_host_obs *c = NULL;
    int *active, nactive, nstandby, ndraining, making_room, i;

    for (i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (under_gate(ro, h) && h->state == GF_HS_ACTIVE &&
            (!c || h->created < c->created ||
             (h->created == c->created && strcmp(h->name, c->name) < 0)))
            c = h;
    }
    if (c) {
        const struct gf_host_obs *old = gf_farm_host(farm, c->supersedes);
        time_t now = ro->pl->now->t;
        char until[16];
        if (c->ready && !c->unhealthy && !ro->r->soak_since) {
            ro->r->soak_since = now;
            ro->pl->out->rollout_changed = 1;
        } else if ((!c->ready || c->unhealthy) && ro->r->soak_since) {
            ro->r->soak_since = 0; /* its soak starts over once it is ready again */
            ro->pl->out->rollout_changed = 1;
        }
        if (ro->r->soak_since && now - ro->r->soak_since >= ro->r->soak) {
            transition(ro, GF_RO_BATCHES, "canary %s served healthy for %llds", c->name,
                       (long long)(now - ro->r->soak_since));
            return;
        }
        ro->touched[index_of(ro, c)] = 1;
        if (old)
            ro->touched[index_of(ro, old)] = 1;
        if (!ro->r->soak_since) {
            plan_clock_text(ro->pl->now, c->created, until, sizeof(until));
            plan_add(ro->pl, GF_ACT_NOTE, c->name, "%s: canary %s (made %s) not ready yet", ro->tag,
                     c->name, until);
        } else {
            plan_clock_text(ro->pl->now, ro->r->soak_since + ro->r->soak, until, sizeof(until));
            plan_add(ro->pl, GF_ACT_NOTE, c->name, "%s: canary %s healthy, soaking until %s",
                     ro->tag, c->name, until);
        }
        return;
    }
    if (!(active = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;
    old_hosts(ro, active, &nactive, &nstandby, &ndraining, &making_room);
    if (making_room)
        plan_add(ro->pl, GF_ACT_NOTE, NULL, "%s: waiting for %d drained host%s to empty", ro->tag,
                 making_room, making_room == 1 ? "" : "s");
    else if ((i = plan_pick(farm, active, 0)) >= 0)
        replace_old(ro, &farm->hosts[i], "canary");
    else if (plan_room(ro->pl, ro->target)) /* no old host serves: a canary of its own */
        plan_clone(ro->pl, 0, "rollout canary (no old host in service to stand beside)",
                   ro->target);
    else
        plan_add(ro->pl, GF_ACT_NOTE, NULL, "%s: no room for a canary: waiting", ro->tag);
    free(active);
}

/* The batches: each pair's old host drained once its new host is ready;
 * when no new host is still booting and no host is being drained to make
 * room, up to a batch of old hosts are replaced; old standby hosts are
 * retired (the standby rule clones new ones).  Done when no old host is
 * left. */
static void batches(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;
    int *active, nactive, nstandby, ndraining, making_room, boot, i;

    take_over(ro);
    if (!(active = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;
    old_hosts(ro, active, &nactive, &nstandby, &ndraining, &making_room);
    boot = booting(ro);
    if (!nactive && !nstandby && !ndraining && !boot) {
        transition(ro, ro->r->phase == GF_RO_ROLLBACK ? GF_RO_ROLLED_BACK : GF_RO_DONE,
                   "every host is on v%u", ro->target);
        free(active);
        return;
    }
    /* saved standbys first: a saved state of the old version never serves */
    for (int saved = 1; saved >= 0; saved--)
        for (i = 0; i < farm->nhosts; i++) {
            const struct gf_host_obs *h = &farm->hosts[i];
            if (h->state == GF_HS_STANDBY && (h->standby_kind == GF_SB_SAVED) == saved &&
                h->image_version != ro->target && !ro->touched[i] && plan_hv_ok(ro->pl, h)) {
                ro->touched[i] = 1;
                plan_add(ro->pl, GF_ACT_RETIRE, h->name, "%s: %sstandby %s is on v%u", ro->tag,
                         saved ? "saved " : "", h->name, h->image_version);
            }
        }
    if (boot || making_room) {
        plan_add(ro->pl, GF_ACT_NOTE, NULL,
                 "%s: waiting for %d new host%s to be ready, %d drain%s to empty", ro->tag, boot,
                 boot == 1 ? "" : "s", making_room, making_room == 1 ? "" : "s");
    } else {
        for (int slots = ro->r->batch; slots > 0 && (i = plan_pick(farm, active, 0)) >= 0;
             slots--) {
            active[i] = 0;
            if (!replace_old(ro, &farm->hosts[i], "batch"))
                break;
        }
    }
    free(active);
}

/* Keep every host a paused or stopped roll-out holds as it is: neither
 * the scaler nor the health pass moves a pair's halves. */
static void hold(struct ro *ro)
{
    const struct gf_farm_obs *farm = ro->pl->farm;

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (plan_pair_pending(farm, h)) {
            ro->touched[i] = 1;
            ro->touched[index_of(ro, gf_farm_host(farm, h->supersedes))] = 1;
        }
    }
}

void plan_rollout(struct planner *pl, int *touched)
{
    const struct gf_rollout *obs = pl->farm->rollout;
    struct ro ro = {.pl = pl, .touched = touched, .r = &pl->out->rollout};

    if (!obs)
        return;
    *ro.r = *obs;
    if (!gf_rollout_active(ro.r) || strcmp(ro.r->image, pl->p->image) != 0)
        return;
    ro_phase(&ro);
    ro.in_service = pl->out->in_service;
    if (ro.r->min_hosts < 0) { /* resolved against the hosts in service when it begins */
        ro.r->min_hosts = (ro.r->min_pct * pl->out->in_service + 99) / 100;
        pl->out->rollout_changed = 1;
    }
    if (ro.r->paused) {
        hold(&ro);
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: paused (vmctl image rollout %s --resume)", ro.tag,
                 pl->p->name);
        return;
    }
    if (ro.r->phase != GF_RO_ROLLBACK)
        forward_gates(&ro);
    else
        rollback_gates(&ro);
    if (ro.r->phase == GF_RO_ROLLBACK)
        undo_new_hosts(&ro);
    if (ro.r->phase == GF_RO_CANARY)
        canary(&ro);
    if (ro.r->phase == GF_RO_BATCHES || ro.r->phase == GF_RO_ROLLBACK)
        batches(&ro);
    if (ro.r->phase == GF_RO_STUCK) {
        hold(&ro);
        plan_add(pl, GF_ACT_NOTE, NULL, "%s: stopped: %s (vmctl image rollout %s --resume retries)",
                 ro.tag, ro.r->reason, pl->p->name);
    }
}
