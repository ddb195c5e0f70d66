/* plan_push.c - the image's version where the farm may clone it: a node of
 * the policy that lacks the version new hosts are cloned from (or a
 * roll-out's target) gets it pushed from a node that has it (farm.push =
 * "auto"), one push at a time per farm, with a backoff after a failure.
 * The push itself runs beside the ticks (act/push_job.h); while it is under
 * way the plan says so and plans no other.  Pure. */
#include "plan/plan_int.h"

#include "base/log.h"

#include <stdio.h>
#include <string.h>

/* Whether node HV is known to have VERSION: 1 yes, 0 it is known to lack it
 * (no gold of the image there, or its versions listed without it), -1 not
 * known (its versions were not read). */
static int node_has(const struct gf_hv_obs *hv, unsigned int version)
{
    if (hv->no_image)
        return 0;
    if (hv->nversions <= 0)
        return -1;
    for (int i = 0; i < hv->nversions; i++)
        if (hv->versions[i] == version)
            return 1;
    return 0;
}

/* The node to push VERSION from to node TO: a reachable one that has it
 * with the same checksum as every other node, one recording a checksum
 * first, then one not evacuated.  -1 if none. */
static int source_of(const struct planner *pl, unsigned int version, int to)
{
    int best = -1, best_score = -1;

    for (int i = 0; i < pl->p->nhypervisors; i++) {
        const struct gf_hv_obs *o = &pl->farm->hv[i];
        int score = 0;
        if (i == to || !o->reachable || node_has(o, version) != 1 ||
            plan_version_differs(pl, i, version))
            continue;
        for (int k = 0; k < o->nversions; k++)
            if (o->versions[k] == version && o->sha256[k][0])
                score += 2;
        score += !o->evacuating;
        if (score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

/* Plan the push of VERSION to the first node lacking it, unless one is
 * planned already (*PLANNED).  A node backing off gets a note. */
static void push_version(struct planner *pl, unsigned int version, int *planned)
{
    const struct gf_policy *p = pl->p;

    for (int i = 0; i < p->nhypervisors && !*planned; i++) {
        const struct gf_hv_obs *o = &pl->farm->hv[i];
        struct gf_action *a;
        int from;
        if (!o->reachable || o->evacuating || node_has(o, version) != 0)
            continue;
        if ((from = source_of(pl, version, i)) < 0)
            continue; /* no node has it to give: nothing to push */
        if (o->push_retry_at && pl->now->t < o->push_retry_at) {
            char until[16];
            plan_clock_text(pl->now, o->push_retry_at, until, sizeof(until));
            plan_note_level(pl, GF_LOG_WARNING,
                            "push: image %s v%u is not on %s; pushes there back off until %s "
                            "after %d failure%s",
                            p->image, version, p->hypervisors[i].uri, until, o->push_failures,
                            o->push_failures == 1 ? "" : "s");
            continue;
        }
        if (!(a = plan_add(pl, GF_ACT_PUSH, NULL,
                           "push: image %s v%u is not on %s, where new hosts may go", p->image,
                           version, p->hypervisors[i].uri)))
            return;
        a->hv = i;
        a->from = from;
        a->version = version;
        *planned = 1;
    }
}

void plan_push(struct planner *pl)
{
    const struct gf_policy *p = pl->p;
    const struct gf_rollout *r = &pl->out->rollout;
    unsigned int versions[2] = {pl->out->clone_version, 0};
    int planned = 0;

    if (!p->push_images || p->nhypervisors < 2)
        return;
    for (int i = 0; i < p->nhypervisors; i++) {
        const struct gf_hv_obs *o = &pl->farm->hv[i];
        if (o->pushing && o->reachable) {
            char since[16];
            plan_clock_text(pl->now, o->push_since, since, sizeof(since));
            plan_add(pl, GF_ACT_NOTE, NULL,
                     "push: image %s v%u on its way to %s since %s: no other push", p->image,
                     o->pushing, p->hypervisors[i].uri, since);
            return;
        }
    }
    if (gf_rollout_active(r) && strcmp(r->image, p->image) == 0 &&
        gf_rollout_target(r) != versions[0])
        versions[1] = gf_rollout_target(r);
    for (int k = 0; k < 2; k++)
        if (versions[k])
            push_version(pl, versions[k], &planned);
}
