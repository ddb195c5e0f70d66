/* plan_health.c - the planner's health pass: failing hosts replaced (a
 * standby first, else a clone) and set aside once their replacement
 * serves; the safeguards (mass failure, the breaker, a bad image) that
 * hold replacements back; quarantined hosts kept until quarantine_days.
 * Pure. */
#include "plan/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

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
int plan_health(struct planner *pl, int *touched)
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
    /* too many replacements failed lately: the breaker opens, now */
    if (p->health_on && !farm->breaker_open &&
        farm->recent_replace_failures >= p->breaker_failures) {
        struct gf_action *a;
        snprintf(pl->out->breaker, sizeof(pl->out->breaker), "%d replacements failed within %ds",
                 farm->recent_replace_failures, p->breaker_window);
        if ((a = plan_note_level(pl, GF_LOG_ERR,
                                 "health: %s: replacements stop (vmctl farm resume %s closes the "
                                 "breaker)",
                                 pl->out->breaker, p->name)))
            a->kind = GF_ACT_OPEN_BREAKER;
    }
    if (!nbad)
        return 0;
    if (nbad > p->mass_failure_min && nbad * 100 > p->mass_failure_pct * nactive) {
        hold_back(pl, touched);
        plan_note_level(
            pl, GF_LOG_ERR,
            "health: %d of %d hosts failing (more than %d%%): replacing nothing; the cause is "
            "likely below them (storage, network, hypervisor)",
            nbad, nactive, p->mass_failure_pct);
        return nbad; /* held back, not made up for by the scaler either */
    }
    if (farm->breaker_open || pl->out->breaker[0]) {
        hold_back(pl, touched);
        plan_note_level(
            pl, GF_LOG_ERR,
            "health: %d host%s failing, but the breaker is open after failed replacements: "
            "replacing nothing (vmctl farm resume closes it)",
            nbad, nbad == 1 ? "" : "s");
        return nbad; /* held back, not made up for by the scaler either */
    }
    if (!(cand = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return 0;
    for (i = 0; i < farm->nhosts; i++)
        cand[i] = plan_standby_rank(&farm->hosts[i]) >= 0 && !touched[i] &&
                  plan_hv_ok(pl, &farm->hosts[i]) && !plan_evacuated(pl, &farm->hosts[i]);
    for (int k = 0; k < farm->nhosts; k++) {
        const struct gf_host_obs *f = &farm->hosts[k], *r;
        struct gf_action *a;
        if (!plan_failing(p, f) || !plan_hv_ok(pl, f) || touched[k])
            continue;
        touched[k] = 1;
        snprintf(rule, sizeof(rule), "health: %s %s (%ds)", f->name, f->health, f->unhealthy_for);
        if (f->replaces[0] && f->created && pl->now->t - f->created < p->breaker_window) {
            struct gf_action *n = plan_note_level(
                pl, GF_LOG_ERR,
                "%s: it replaced %s %lldm ago: image %s v%u is likely bad: replacing nothing", rule,
                f->replaces, (long long)(pl->now->t - f->created) / 60, p->image, f->image_version);
            if (n)
                snprintf(n->host, sizeof(n->host), "%s", f->name);
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
            if (f->run == GF_RUN_RUNNING && f->sessions > 0 && f->admin_replace != GF_REPLACE_NOW) {
                struct gf_action *a =
                    plan_add(pl, GF_ACT_DRAIN, f->name, "%s; %s is ready, %d session%s left", rule,
                             r->name, f->sessions, f->sessions == 1 ? "" : "s");
                if (a)
                    a->drain_by = GF_DRAIN_HEALTH;
            } else
                plan_add(pl, GF_ACT_QUARANTINE, f->name, "%s; %s is ready", rule, r->name);
            continue;
        }
        coming++;
        if ((i = plan_pick_standby(farm, cand)) >= 0) {
            if ((a = plan_add(pl, GF_ACT_START, farm->hosts[i].name, "%s", rule))) {
                a->standby = 1;
                a->standby_kind = plan_standby_taken(&farm->hosts[i]);
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

/* A replacement failed soon after it was made: open the breaker (a bad
 * image), unless it is open already. */
void plan_bad_image_breaker(struct planner *pl)
{
    struct gf_action *a;

    if (!pl->out->bad_image || pl->farm->breaker_open || pl->out->breaker[0])
        return;
    snprintf(pl->out->breaker, sizeof(pl->out->breaker),
             "a replacement failed soon after it was made: image %s is likely bad", pl->p->image);
    if ((a = plan_note_level(pl, GF_LOG_ERR,
                             "health: %s: replacements stop (vmctl farm resume %s closes the "
                             "breaker)",
                             pl->out->breaker, pl->p->name)))
        a->kind = GF_ACT_OPEN_BREAKER;
}

/* Delete quarantined hosts kept longer than the policy's quarantine_days. */
void plan_expire_quarantine(struct planner *pl)
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
