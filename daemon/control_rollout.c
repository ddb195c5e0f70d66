/* control_rollout.c - the control socket's roll-out verbs: start, pause,
 * resume and abort (checked against the farm's policy, its roll-out
 * record, the requests waiting and libvirt, then queued for the farm's
 * next tick, whose plan takes or refuses them), and the status vmctl
 * image rollout --wait follows. */
#include "control_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "farmd_int.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/meta.h"

/* Whether every host of FARM on CONN (quarantined ones aside) runs
 * VERSION: 1, 0, or -1 with an error (a farm without hosts there: 1). */
static int all_on(virConnectPtr conn, const char *farm, unsigned int version)
{
    virDomainPtr *doms = NULL;
    size_t n = 0;
    int all = 1;

    if (gf_farm_hosts(conn, farm, &doms, &n) < 0) {
        if (gf_err_class_get() != GF_ERR_INPUT)
            return -1;
        gf_err_clear(); /* no host on this hypervisor */
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        struct gf_meta m;
        if (gf_meta_get(doms[i], &m) == 1 && m.state != GF_HS_QUARANTINED &&
            m.image_version != version)
            all = 0;
    }
    gf_domains_free(doms, n);
    return all;
}

/* The version request Q of farm INFO starts a roll-out to, checked on every
 * hypervisor of the farm (the promoted one when Q names none) into Q;
 * NULL, or the refusal. */
static json_object *check_start(struct gfd_control *c, const struct ctl_farm_info *info,
                                struct gf_rollout_req *q)
{
    unsigned int to = q->to == GF_REQ_UNSET ? 0 : (unsigned int)q->to;
    int all = 1;

    if (!info->health_on)
        return gf_ctl_answer(GF_CTL_BAD_STATE,
                             "%s has no health group: a roll-out needs health checks to gate on",
                             info->file);
    for (int h = 0; h < info->nhv; h++) {
        virConnectPtr conn = ctl_conn(c, info->name, h, info->uris[h]);
        json_object *refusal = NULL;
        virDomainPtr gold;
        struct gf_meta gm;
        long promoted = 0;
        int on;
        if (!conn)
            return ctl_failed();
        if (!to && (promoted = gf_image_promoted(conn, info->image)) <= 0)
            refusal = promoted == 0 ? gf_ctl_answer(GF_CTL_BAD_STATE,
                                                    "there is no image called '%s'", info->image)
                                    : ctl_failed();
        else if (!to)
            to = (unsigned int)promoted;
        if (!refusal && !(gold = gf_image_find(conn, info->image, to, &gm)))
            refusal = ctl_failed();
        else if (!refusal)
            virDomainFree(gold);
        if (!refusal && (on = all_on(conn, info->name, to)) < 0)
            refusal = ctl_failed();
        else if (!refusal)
            all &= on;
        virConnectClose(conn);
        if (refusal)
            return refusal;
    }
    if (info->image_version && (unsigned int)info->image_version != to)
        return gf_ctl_answer(GF_CTL_BAD_STATE,
                             "%s pins version %d of '%s' (farm.image_version): a roll-out to v%u "
                             "would fight it",
                             info->file, info->image_version, info->image, to);
    if (all)
        return gf_ctl_answer(GF_CTL_BAD_STATE, "every host of farm '%s' runs %s v%u already",
                             info->name, info->image, to);
    q->to = (int)to;
    gf_rollout_req_format(q, q->text, sizeof(q->text));
    return NULL;
}

/* Why step Q does not apply to roll-out record R of FARM (a refusal), or
 * NULL when it does. */
static json_object *check_step(const struct gf_rollout_req *q, const struct gf_rollout *r,
                               const char *farm)
{
    const char *verb = NULL;

    switch (q->kind) {
    case GF_REQ_START:
        if (gf_rollout_active(r))
            return gf_ctl_answer(GF_CTL_BAD_STATE,
                                 "a roll-out of farm '%s' to v%u is in progress (--abort stops it)",
                                 farm, r->to);
        return NULL;
    case GF_REQ_PAUSE:
        verb = !gf_rollout_active(r) || r->paused ? "pause" : NULL;
        break;
    case GF_REQ_RESUME:
        verb = !r->paused && r->phase != GF_RO_STUCK ? "resume" : NULL;
        break;
    case GF_REQ_ABORT:
        verb = r->phase != GF_RO_CANARY && r->phase != GF_RO_BATCHES ? "abort" : NULL;
        break;
    default:
        verb = "?";
        break;
    }
    if (!verb)
        return NULL;
    return gf_ctl_answer(GF_CTL_BAD_STATE, "farm '%s' has no roll-out to %s (%s%s)", farm, verb,
                         r->phase == GF_RO_NONE ? "none" : gf_rollout_phase_name(r->phase),
                         r->paused ? ", paused" : "");
}

json_object *ctl_rollout_step(struct gfd_control *c, const struct gf_ctl_req *r,
                              const struct ctl_peer *peer)
{
    struct gf_admin_req q = {.kind = GF_ADMIN_ROLLOUT, .rollout = r->rollout};
    struct ctl_farm_info info;
    struct gf_rollout rec;
    json_object *a;
    unsigned long id = 0;

    if (ctl_farm_info(c->d, r->farm, &info) < 0)
        return ctl_unknown_farm(c->d, r->farm);
    if (gf_rollout_load(c->d->state_dir, r->farm, &rec) < 0)
        return ctl_failed();
    if ((a = check_step(&q.rollout, &rec, r->farm)) ||
        (q.rollout.kind == GF_REQ_START && (a = check_start(c, &info, &q.rollout))) ||
        (a = ctl_queue(c, r->farm, &q, peer, &id)))
        return a;
    if (q.rollout.kind == GF_REQ_START)
        a = gf_ctl_answer(GF_CTL_OK,
                          "farm %s: roll-out to %s v%d requested (request %lu): goldfarmd starts "
                          "it on its next tick with a canary",
                          r->farm, info.image, q.rollout.to, id);
    else
        a = gf_ctl_answer(GF_CTL_OK, "farm %s: %s of the roll-out to v%u requested (request %lu)%s",
                          r->farm, q.rollout.text, rec.to, id,
                          q.rollout.kind == GF_REQ_ABORT
                              ? ": goldfarmd brings the farm back to the old version, carefully"
                              : "");
    if (a) {
        json_object_object_add(a, "result", json_object_new_string("accepted"));
        json_object_object_add(a, "id", json_object_new_int64((int64_t)id));
    }
    return a;
}

/* Farm F's roll-out as its last tick published it (D->lock held), as a new
 * JSON object, or NULL when there is none. */
static json_object *rollout_json(const struct gfd_farm *f)
{
    const struct gf_rollout *r = &f->rollout;
    json_object *o;

    if (r->phase == GF_RO_NONE || !(o = json_object_new_object()))
        return NULL;
    json_object_object_add(o, "image", json_object_new_string(r->image));
    json_object_object_add(o, "from", json_object_new_int64(r->from));
    json_object_object_add(o, "to", json_object_new_int64(r->to));
    json_object_object_add(o, "phase", json_object_new_string(gf_rollout_phase_name(r->phase)));
    json_object_object_add(o, "paused", json_object_new_boolean(r->paused));
    json_object_object_add(o, "target", json_object_new_int64(gf_rollout_target(r)));
    json_object_object_add(o, "on_target", json_object_new_int(f->rollout_on_target));
    json_object_object_add(o, "hosts", json_object_new_int(f->rollout_hosts));
    json_object_object_add(o, "started", json_object_new_int64(r->started));
    json_object_object_add(o, "reason", r->reason[0] ? json_object_new_string(r->reason) : NULL);
    return o;
}

json_object *ctl_rollout_status(struct gfd_control *c, const struct gf_ctl_req *r)
{
    struct gfd *d = c->d;
    struct gfd_farm *f;
    json_object *a, *ro, *req = NULL;
    unsigned long long gen;

    pthread_mutex_lock(&d->lock);
    if (!(f = ctl_farm(d, r->farm))) {
        pthread_mutex_unlock(&d->lock);
        return ctl_unknown_farm(d, r->farm);
    }
    gen = d->generation;
    ro = rollout_json(f);
    if (r->id) {
        const struct gf_admin_done *done;
        int waiting;
        pthread_mutex_lock(&f->mu);
        done = gf_admin_fate_of(&f->admin, r->id, &waiting);
        if (done || waiting) {
            req = json_object_new_object();
            json_object_object_add(req, "id", json_object_new_int64((int64_t)r->id));
            json_object_object_add(
                req, "fate",
                json_object_new_string(gf_admin_fate_name(done ? done->fate : GF_FATE_WAITING)));
            json_object_object_add(req, "why", json_object_new_string(done ? done->why : ""));
        }
        pthread_mutex_unlock(&f->mu);
    }
    pthread_mutex_unlock(&d->lock);
    if (r->id && !req) {
        json_object_put(ro);
        return gf_ctl_answer(GF_CTL_BAD_STATE, "farm %s has no request %lu (any more)", r->farm,
                             r->id);
    }
    if (!(a = gf_ctl_answer(GF_CTL_OK, "farm %s", r->farm))) {
        json_object_put(ro);
        json_object_put(req);
        return NULL;
    }
    json_object_object_add(a, "generation", json_object_new_int64((int64_t)gen));
    json_object_object_add(a, "rollout", ro);
    json_object_object_add(a, "request", req);
    return a;
}
