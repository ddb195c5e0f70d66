/* plan_evacuate.c - nodes out of service: one an admin evacuates for
 * maintenance (its hosts replaced on the other nodes first, then drained
 * with the farm's drain wait, its standbys retired; no new host goes there,
 * plan_place.c), and one that does not answer (reported; its hosts neither
 * counted nor touched).  Pure. */
#include "plan/plan_int.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"

int plan_evacuated(const struct planner *pl, const struct gf_host_obs *h)
{
    return h->hv >= 0 && h->hv < pl->p->nhypervisors && pl->farm->hv[h->hv].evacuating;
}

void plan_evacuate(struct planner *pl, int min_needed, int coming)
{
    const struct gf_farm_obs *farm = pl->farm;
    const struct gf_phase *ph = pl->out->phase.params;
    int need, unready = 0, waiting;

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (plan_hv_ok(pl, h) && !plan_evacuated(pl, h) && h->state == GF_HS_ACTIVE &&
            h->run == GF_RUN_RUNNING && !h->ready)
            unready++;
    }
    for (int i = 0; i < farm->nhosts; i++) { /* standbys: nothing to wait for */
        const struct gf_host_obs *h = &farm->hosts[i];
        if (h->state == GF_HS_STANDBY && plan_hv_ok(pl, h) && plan_evacuated(pl, h))
            plan_add(pl, GF_ACT_RETIRE, h->name, "evacuate %s: no standby kept there",
                     pl->p->hypervisors[h->hv].uri);
    }
    if (!pl->out->evacuating)
        return;
    /* the hosts the farm needs elsewhere: its minimum, and what its load
     * (the evacuated hosts' users included) needs below the threshold */
    need = plan_load_target(pl, ph->threshold);
    if (need < min_needed)
        need = min_needed;
    waiting = pl->out->in_service < need || coming > 0 || unready > 0;
    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        struct gf_action *a;
        if (h->state != GF_HS_ACTIVE || !plan_hv_ok(pl, h) || !plan_evacuated(pl, h))
            continue;
        if (waiting) {
            if ((a = plan_note_level(pl, GF_LOG_INFO,
                                     "evacuate %s: %s waits for its replacements (%d in service "
                                     "elsewhere of %d needed, %d coming, %d not ready)",
                                     pl->p->hypervisors[h->hv].uri, h->name, pl->out->in_service,
                                     need, coming, unready)))
                snprintf(a->host, sizeof(a->host), "%s", h->name);
            continue;
        }
        if ((a = plan_add(pl, GF_ACT_DRAIN, h->name,
                          "evacuate %s: %d in service elsewhere (%d needed): %s has %d session%s",
                          pl->p->hypervisors[h->hv].uri, pl->out->in_service, need, h->name,
                          h->sessions > 0 ? h->sessions : 0, h->sessions == 1 ? "" : "s")))
            a->drain_by = GF_DRAIN_ADMIN;
    }
}

void plan_nodes_lost(struct planner *pl)
{
    int answer = 0;

    for (int i = 0; i < pl->p->nhypervisors; i++)
        answer += pl->farm->hv[i].reachable;
    for (int i = 0; i < pl->p->nhypervisors; i++) {
        struct gf_action *a;
        if (pl->farm->hv[i].reachable)
            continue;
        pl->out->blind++;
        if ((a = plan_note_level(pl, GF_LOG_WARNING,
                                 "node %s does not answer: its hosts are neither counted nor "
                                 "touched; the farm is kept on the %d that answer%s",
                                 pl->p->hypervisors[i].uri, answer, answer == 1 ? "s" : "")))
            a->hv = i;
    }
}
