/* plan_requests.c - the roll-out decisions that are not host moves: the
 * admin's requests taken or refused, each phase change said, the version
 * promoted again when a roll-out goes back.  Each is an action of the plan
 * (GF_ACT_ROLLOUT, GF_ACT_PROMOTE) with its reason, so `vmctl plan` shows
 * them and goldfarmd's act carries them out.  Pure, like the planner. */
#include "plan/plan_int.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* The version most of the farm's hosts (quarantined ones aside) run,
 * other than VERSION; 0 when every host runs VERSION. */
static unsigned int other_version(const struct gf_farm_obs *farm, unsigned int version)
{
    unsigned int best = 0;
    int best_n = 0;

    for (int i = 0; i < farm->nhosts; i++) {
        unsigned int v = farm->hosts[i].image_version;
        int n = 0;
        if (v == version || farm->hosts[i].state == GF_HS_QUARANTINED)
            continue;
        for (int k = 0; k < farm->nhosts; k++)
            n += farm->hosts[k].image_version == v && farm->hosts[k].state != GF_HS_QUARANTINED;
        if (n > best_n || (n == best_n && v < best)) {
            best = v;
            best_n = n;
        }
    }
    return best;
}

/* A roll-out begun by request Q into REC; why it cannot into WHY (returns
 * -1, REC unchanged). */
static int start(struct planner *pl, const struct gf_rollout_req *q, struct gf_rollout *rec,
                 char *why, size_t len)
{
    const struct gf_policy *p = pl->p;
    const struct gf_farm_obs *farm = pl->farm;
    int batch = q->batch == GF_REQ_UNSET ? p->rollout_batch : q->batch;
    int soak = q->soak == GF_REQ_UNSET ? p->rollout_soak : q->soak;
    int min = q->min, pct = q->min_pct;
    unsigned int from;

    if (q->to == -1 || batch < 0 || q->min == -1 || soak < 0) {
        snprintf(why, len, "a value is out of range");
        return -1;
    }
    if (gf_rollout_active(rec) && strcmp(rec->image, p->image) == 0) {
        snprintf(why, len, "a roll-out to v%u is in progress", rec->to);
        return -1;
    }
    if (!p->health_on) {
        snprintf(why, len, "%s has no health group: a roll-out needs health checks to gate on",
                 p->file);
        return -1;
    }
    if (q->to == GF_REQ_UNSET) {
        snprintf(why, len, "the request names no version");
        return -1;
    }
    if (p->image_version && p->image_version != q->to) {
        snprintf(why, len, "%s pins version %d (farm.image_version)", p->file, p->image_version);
        return -1;
    }
    for (int i = 0; i < p->nhypervisors; i++) {
        const struct gf_hv_obs *hv = &farm->hv[i];
        int has = 0;
        for (int k = 0; k < hv->nversions; k++)
            has |= hv->versions[k] == (unsigned int)q->to;
        if (!has) {
            snprintf(why, len, "%s has no version %d of image %s", p->hypervisors[i].uri, q->to,
                     p->image);
            return -1;
        }
    }
    /* back to what the hosts run (the image may have promoted the new one already) */
    if (!(from = other_version(farm, (unsigned int)q->to))) {
        snprintf(why, len, "every host is on v%d already", q->to);
        return -1;
    }
    memset(rec, 0, sizeof(*rec));
    rec->phase = GF_RO_CANARY;
    snprintf(rec->image, sizeof(rec->image), "%s", p->image);
    rec->from = from;
    rec->to = (unsigned int)q->to;
    rec->batch = batch;
    if (min == GF_REQ_UNSET) { /* not asked: the policy's */
        pct = p->rollout_min_pct;
        min = p->rollout_min;
    }
    if (pct) {
        rec->min_pct = min; /* resolved by the roll-out's plan, against those in service */
        rec->min_hosts = -1;
    } else {
        rec->min_hosts = min;
    }
    rec->soak = soak;
    rec->ready_timeout = p->rollout_ready_timeout;
    rec->max_replacements = p->rollout_max_replacements;
    rec->started = rec->phase_since = pl->now->t;
    return 0;
}

/* Request Q against REC: 1 when it changed REC (the action says how), 0
 * when refused (the action says why); the decision into RES too (NULL:
 * not kept). */
static int decide(struct planner *pl, const struct gf_rollout_req *q, struct gf_rollout *rec,
                  struct gf_request_result *res)
{
    const char *farm = pl->p->name;
    char why[512] = "";
    struct gf_action *a;

    switch (q->kind) {
    case GF_REQ_START:
        if (start(pl, q, rec, why, sizeof(why)) == 0) {
            plan_add(pl, GF_ACT_ROLLOUT, NULL,
                     "rollout: request '%s' taken: to %s v%u from v%u, batches of %d, minimum in "
                     "service %d%s, canary soak %ds",
                     q->text, rec->image, rec->to, rec->from, rec->batch,
                     rec->min_hosts < 0 ? rec->min_pct : rec->min_hosts,
                     rec->min_hosts < 0 ? "%" : "", rec->soak);
            return 1;
        }
        break;
    case GF_REQ_PAUSE:
        if (gf_rollout_active(rec)) {
            rec->paused = 1;
            plan_add(pl, GF_ACT_ROLLOUT, NULL, "rollout: request '%s' taken: v%u paused", q->text,
                     rec->to);
            return 1;
        }
        break;
    case GF_REQ_RESUME:
        if (rec->paused || rec->phase == GF_RO_STUCK) {
            rec->paused = 0;
            if (rec->phase == GF_RO_STUCK) { /* retry the way back */
                rec->phase = GF_RO_ROLLBACK;
                rec->phase_since = pl->now->t;
            }
            plan_add(pl, GF_ACT_ROLLOUT, NULL, "rollout: request '%s' taken: v%u resumed (%s)",
                     q->text, rec->to, gf_rollout_phase_name(rec->phase));
            return 1;
        }
        break;
    case GF_REQ_ABORT:
        if (rec->phase == GF_RO_CANARY || rec->phase == GF_RO_BATCHES) {
            rec->phase = GF_RO_ROLLBACK;
            rec->phase_since = pl->now->t;
            rec->paused = 0;
            snprintf(rec->reason, sizeof(rec->reason), "aborted by an admin");
            a = plan_add(pl, GF_ACT_ROLLOUT, NULL,
                         "rollout: request '%s' taken: v%u aborted by an admin: going back to v%u",
                         q->text, rec->to, rec->from);
            if (a)
                a->level = GF_LOG_ERR;
            return 1;
        }
        break;
    case GF_REQ_BAD:
        snprintf(why, sizeof(why), "not a request goldfarmd knows");
        break;
    }
    if (!why[0])
        snprintf(why, sizeof(why), "the roll-out is %s%s", gf_rollout_phase_name(rec->phase),
                 rec->paused ? " (paused)" : "");
    if ((a = plan_add(pl, GF_ACT_ROLLOUT, NULL, "rollout: request '%s' for farm %s refused: %s",
                      q->text, farm, why)))
        a->level = GF_LOG_ERR;
    if (res) {
        res->taken = 0;
        snprintf(res->why, sizeof(res->why), "%s", why);
    }
    return 0;
}

/* Keep in RES (when given) that the request was taken, as the plan's last
 * action says. */
static void taken(struct planner *pl, struct gf_request_result *res)
{
    if (!res)
        return;
    res->taken = 1;
    snprintf(res->why, sizeof(res->why), "%s",
             pl->out->nactions ? pl->out->actions[pl->out->nactions - 1].rule : "");
}

int plan_rollout_requests(struct planner *pl, struct gf_rollout *rec)
{
    int changed = 0;

    for (int i = 0; i < pl->farm->nrequests; i++) {
        struct gf_request_result *res = i < GF_PLAN_REQUESTS ? &pl->out->request_results[i] : NULL;
        if (decide(pl, &pl->farm->requests[i], rec, res)) {
            taken(pl, res);
            changed = 1;
        }
    }
    pl->out->requests_taken = pl->farm->nrequests > 0;
    return changed;
}

void plan_rollout_report(struct planner *pl, enum gf_rollout_phase before,
                         enum gf_rollout_phase was)
{
    const struct gf_rollout *r = &pl->out->rollout;
    struct gf_action *a = NULL;

    switch (r->phase == was || !pl->out->rollout_changed ? GF_RO_NONE : r->phase) {
    case GF_RO_BATCHES:
        a = plan_add(pl, GF_ACT_ROLLOUT, NULL, "rollout to v%u: the canary passed; batches of %d",
                     r->to, r->batch);
        break;
    case GF_RO_ROLLBACK:
        if ((a = plan_add(pl, GF_ACT_ROLLOUT, NULL, "rollout to v%u failed: %s; going back to v%u",
                          r->to, r->reason, r->from)))
            a->level = GF_LOG_ERR;
        break;
    case GF_RO_DONE:
        a = plan_add(pl, GF_ACT_ROLLOUT, NULL, "rollout to v%u done: every host is on v%u", r->to,
                     r->to);
        break;
    case GF_RO_ROLLED_BACK:
        if ((a = plan_add(pl, GF_ACT_ROLLOUT, NULL,
                          "rollout to v%u rolled back: every host is on v%u again (%s)", r->to,
                          r->from, r->reason)))
            a->level = GF_LOG_ERR;
        break;
    case GF_RO_STUCK:
        if ((a = plan_add(pl, GF_ACT_ROLLOUT, NULL,
                          "rollback to v%u stopped: %s; an admin must look (vmctl image rollout %s "
                          "--resume retries)",
                          r->from, r->reason, pl->p->name)))
            a->level = GF_LOG_ERR;
        break;
    default:
        break;
    }
    (void)a;
    /* going back: the version that failed is not left promoted */
    if (r->phase != GF_RO_ROLLBACK || before == GF_RO_ROLLBACK)
        return;
    for (int i = 0; i < pl->p->nhypervisors; i++) {
        if (!pl->farm->hv[i].reachable || pl->farm->hv[i].promoted != r->to)
            continue;
        if ((a = plan_add(pl, GF_ACT_PROMOTE, NULL, "rollout to v%u going back: promote v%u again",
                          r->to, r->from))) {
            a->hv = i;
            a->version = r->from;
        }
    }
}
