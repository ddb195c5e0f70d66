/* health.c - is a host misbehaving?  The daemon's view over several ticks. */
#include "observe/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* H's record for NAME, created when absent; NULL when out of memory. */
static struct gf_health_rec *record(struct gf_health *h, const char *name)
{
    struct gf_health_rec *grown;

    for (int i = 0; i < h->nrecs; i++)
        if (strcmp(h->recs[i].name, name) == 0)
            return &h->recs[i];
    if (!(grown = realloc(h->recs, (size_t)(h->nrecs + 1) * sizeof(*grown))))
        return NULL;
    h->recs = grown;
    memset(&h->recs[h->nrecs], 0, sizeof(h->recs[0]));
    h->recs[h->nrecs].cpu_pct = -1;
    snprintf(h->recs[h->nrecs].name, sizeof(h->recs[0].name), "%s", name);
    return &h->recs[h->nrecs++];
}

/* Why a host that should run is down for good, or NULL if it is not.  A
 * draining host (DRAINING) is down only when it broke, not when it is off. */
static const char *down(const struct gf_host_obs *o, int draining)
{
    if (o->run == GF_RUN_OFF && draining)
        return o->run_reason == VIR_DOMAIN_SHUTOFF_CRASHED ? "crashed" : NULL;
    if (o->run == GF_RUN_OFF)
        return o->run_reason == VIR_DOMAIN_SHUTOFF_CRASHED ? "crashed" : "shut off unasked";
    if (o->run == GF_RUN_OTHER) {
        /* run OTHER: paused, crashed, in shutdown, pmsuspended */
        if (o->run_reason == VIR_DOMAIN_PAUSED_IOERROR)
            return "paused on an I/O error";
        if (o->run_reason == VIR_DOMAIN_PAUSED_WATCHDOG)
            return "paused by its watchdog";
        if (o->run_reason == VIR_DOMAIN_CRASHED_PANICKED)
            return "crashed (guest panic)";
    }
    return NULL;
}

/* Assess one running host O with its record R; the reason it fails into
 * WHY (LEN bytes), "" when healthy. */
static void assess_running(const struct gf_policy *p, const struct gf_host_obs *o,
                           struct gf_health_rec *r, time_t now, char *why, size_t len)
{
    why[0] = '\0';
    if (!r->seen_up)
        r->seen_up = now;
    if (p->agent_timeout) {
        if (o->agent == 1)
            r->agent_ok = now;
        else if (now - (r->agent_ok > r->seen_up ? r->agent_ok : r->seen_up) >= p->agent_timeout)
            snprintf(why, len, "guest agent silent for %llds",
                     (long long)(now - (r->agent_ok > r->seen_up ? r->agent_ok : r->seen_up)));
    }
    if (p->cpu_pegged_pct && o->cpu_ns && o->vcpus > 0) {
        time_t gap = p->tick / 2 > 1 ? p->tick / 2 : 1;
        if (r->cpu_at && now - r->cpu_at < gap && now >= r->cpu_at && o->cpu_ns >= r->cpu_ns) {
            /* too soon for a sample of its own: the last verdict stands */
            if (r->pegged_since && now - r->pegged_since >= p->cpu_pegged_for)
                snprintf(why, len, "CPU at %.0f%% for %lldm", r->cpu_pct,
                         (long long)(now - r->pegged_since) / 60);
        } else if (r->cpu_at && now > r->cpu_at && o->cpu_ns >= r->cpu_ns) {
            double pct = 100.0 * (double)(o->cpu_ns - r->cpu_ns) /
                         ((double)(now - r->cpu_at) * 1e9 * o->vcpus);
            r->cpu_pct = pct;
            if (pct >= p->cpu_pegged_pct) {
                if (!r->pegged_since)
                    r->pegged_since = r->cpu_at;
                if (!why[0] && now - r->pegged_since >= p->cpu_pegged_for)
                    snprintf(why, len, "CPU at %.0f%% for %lldm", pct,
                             (long long)(now - r->pegged_since) / 60);
            } else {
                r->pegged_since = 0;
            }
            r->cpu_ns = o->cpu_ns;
            r->cpu_at = now;
        } else {
            r->cpu_ns = o->cpu_ns; /* the first sample, or the counter went back (a restart) */
            r->cpu_at = now;
        }
    }
    if (!why[0] && p->health_command.argc && o->health_status != 0)
        snprintf(why, len, "health command %s: %s %d", p->health_command.argv[0],
                 o->health_status < 0 ? "could not run," : "exit", o->health_status);
}

/* Drop the records of hosts neither active nor draining in FARM: a new
 * host that reuses a name must not inherit an old one's agent and boot
 * times. */
static void prune(struct gf_health *h, const struct gf_farm_obs *farm)
{
    for (int i = 0; i < h->nrecs;) {
        int active = 0;
        for (int k = 0; k < farm->nhosts && !active; k++)
            active =
                (farm->hosts[k].state == GF_HS_ACTIVE || farm->hosts[k].state == GF_HS_DRAINING) &&
                strcmp(farm->hosts[k].name, h->recs[i].name) == 0;
        if (active)
            i++;
        else
            h->recs[i] = h->recs[--h->nrecs];
    }
}

void gf_health_assess(struct gf_health *h, const struct gf_policy *p, struct gf_farm_obs *farm,
                      time_t now)
{
    prune(h, farm);
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *o = &farm->hosts[i];
        struct gf_health_rec *r;
        const char *dead;
        char why[96];
        o->ready = o->run == GF_RUN_RUNNING; /* refined below when health checks are on */
        if (o->state == GF_HS_STANDBY && o->agent >= 0) {
            /* a saved or running one: its agent, or the health command, answered */
            o->ready = o->run == GF_RUN_RUNNING &&
                       (o->agent == 1 || (p->health_command.argc && o->health_status == 0));
            continue;
        }
        if (o->state == GF_HS_ACTIVE && o->admin_replace) {
            o->unhealthy = 2; /* an admin asked: with or without health checks */
            snprintf(o->health, sizeof(o->health), "to be replaced, as an admin asked");
            continue;
        }
        if (!p->health_on)
            continue;
        if ((o->state != GF_HS_ACTIVE && o->state != GF_HS_DRAINING) || !(r = record(h, o->name)))
            continue;
        o->was_ready |= r->was_ready;
        if ((dead = down(o, o->state == GF_HS_DRAINING))) {
            o->unhealthy = 2;
            snprintf(o->health, sizeof(o->health), "%s", dead);
            if (!r->bad_since)
                r->bad_since = now;
            o->unhealthy_for = (int)(now - r->bad_since);
            r->seen_up = 0;
            continue;
        }
        if (o->run != GF_RUN_RUNNING) {
            r->bad_since = 0;
            continue;
        }
        assess_running(p, o, r, now, why, sizeof(why));
        /* ready to take users: running, and its agent has answered since it came up */
        o->ready = !why[0] && (!p->agent_timeout || r->agent_ok >= r->seen_up);
        r->was_ready |= o->ready;
        o->was_ready |= r->was_ready;
        if (!why[0]) {
            r->bad_since = 0;
            continue;
        }
        if (!r->bad_since)
            r->bad_since = now;
        o->unhealthy = 1;
        o->unhealthy_for = (int)(now - r->bad_since);
        snprintf(o->health, sizeof(o->health), "%s", why);
    }
}

void gf_health_clear(struct gf_health *h)
{
    free(h->recs);
    h->recs = NULL;
    h->nrecs = 0;
}
