/* plan_standby.c - the planner's standby hosts: which one to take first
 * (the fastest to serve), and keeping the phase's number and kind of them
 * (clone, save, retire).  Pure. */
#include "plan/plan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int plan_standby_rank(const struct gf_host_obs *h)
{
    if (h->state != GF_HS_STANDBY)
        return -1;
    if (h->run == GF_RUN_RUNNING && h->ready)
        return 0; /* running and answering: joins at once */
    if (h->run == GF_RUN_OFF && h->saved)
        return 1; /* its memory restored */
    if (h->run == GF_RUN_OFF)
        return 2; /* boots */
    if (h->run == GF_RUN_RUNNING)
        return 3; /* still booting (to be saved, or to run): no faster than a boot */
    return -1;    /* paused, in shutdown: not one to take */
}

enum gf_standby_kind plan_standby_taken(const struct gf_host_obs *h)
{
    switch (plan_standby_rank(h)) {
    case 0:
        return GF_SB_RUNNING;
    case 1:
        return GF_SB_SAVED;
    default:
        return GF_SB_OFF;
    }
}

int plan_standby_ready(const struct gf_host_obs *h)
{
    static const int rank_of[GF_SB_NKINDS] = {
        [GF_SB_OFF] = 2, [GF_SB_SAVED] = 1, [GF_SB_RUNNING] = 0};

    return h->standby_kind < GF_SB_NKINDS && plan_standby_rank(h) == rank_of[h->standby_kind];
}

/* Among the standby hosts flagged 1 in CAND, the fastest to serve (FASTEST)
 * or the slowest, by plan_standby_rank; within a rank by plan_pick (the
 * fewest sessions, the later name).  -1 if none. */
static int pick_by_rank(const struct gf_farm_obs *farm, const int *cand, int fastest)
{
    int best = -1, *same = calloc((size_t)farm->nhosts + 1, sizeof(int)), i;

    if (!same)
        return -1;
    for (i = 0; i < farm->nhosts; i++) {
        int rank = cand[i] == 1 ? plan_standby_rank(&farm->hosts[i]) : -1;
        if (rank >= 0 && (best < 0 || (fastest ? rank < best : rank > best)))
            best = rank;
    }
    for (i = 0; best >= 0 && i < farm->nhosts; i++)
        same[i] = cand[i] == 1 && plan_standby_rank(&farm->hosts[i]) == best;
    i = best >= 0 ? plan_pick(farm, same, 0) : -1;
    free(same);
    return i;
}

int plan_pick_standby(const struct gf_farm_obs *farm, const int *cand)
{
    return pick_by_rank(farm, cand, 1);
}

/* Whether standby H has a saved state (or is being readied for one) of
 * another version than VERSION, what new hosts are cloned from (0: not
 * known): its state is stale. */
static int stale_saved(const struct gf_host_obs *h, unsigned int version)
{
    return version && h->state == GF_HS_STANDBY && h->standby_kind == GF_SB_SAVED &&
           h->image_version != version && (h->saved || h->run == GF_RUN_RUNNING);
}

void plan_standby_keep(struct planner *pl, const int *touched)
{
    const struct gf_farm_obs *farm = pl->farm;
    const struct gf_phase *ph = pl->out->phase.params;
    unsigned int version = pl->out->clone_version ? pl->out->clone_version : farm->promoted;
    int want = ph->standby, have = 0, *cand, i;
    char why[160];

    if (!(cand = calloc((size_t)farm->nhosts + 1, sizeof(int))))
        return;
    for (i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (h->state != GF_HS_STANDBY || touched[i])
            continue;
        if (stale_saved(h, version) && plan_hv_ok(pl, h)) {
            /* never restore a saved state of an older gold version */
            plan_add(pl, GF_ACT_RETIRE, h->name, "%s: saved standby %s is on v%u, new hosts on v%u",
                     pl->label, h->name, h->image_version, version);
            continue;
        }
        have++;
        cand[i] = (h->run == GF_RUN_OFF || h->standby_kind != GF_SB_OFF) && plan_hv_ok(pl, h);
    }
    snprintf(why, sizeof(why), "%s: %d standby %s %d", pl->label, have, have < want ? "<" : ">",
             want);
    for (int n = have; n < want; n++) {
        struct gf_action *a = plan_clone(pl, 1, why, pl->out->clone_version);
        if (!a)
            break;
        a->standby_kind = ph->standby_kind;
    }
    /* extras: the slowest to serve go first (2: retired) */
    for (int n = have; n > want && (i = pick_by_rank(farm, cand, 0)) >= 0; n--) {
        plan_add(pl, GF_ACT_RETIRE, farm->hosts[i].name, "%s", why);
        cand[i] = 2;
    }
    /* a saved standby booted and answering, kept: its memory saved, it costs no RAM */
    for (i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        struct gf_action *a;
        if (cand[i] == 1 && h->standby_kind == GF_SB_SAVED && h->run == GF_RUN_RUNNING &&
            h->ready &&
            (a = plan_add(pl, GF_ACT_SAVE, h->name, "%s: saved standby %s is ready", pl->label,
                          h->name)))
            a->standby_kind = GF_SB_SAVED;
    }
    free(cand);
}
