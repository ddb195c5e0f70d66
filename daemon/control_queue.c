/* control_queue.c - what the control socket's verbs share: the farm a
 * request names, a connection to one of its hypervisors, and the queue of
 * requests that wait for the farm's next tick (FARM.admin). */
#include "control_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "farmd_int.h"

json_object *ctl_failed(void)
{
    return gf_ctl_answer(gf_err_class_get() == GF_ERR_INPUT ? GF_CTL_BAD_STATE : GF_CTL_FAILED,
                         "%s", gf_err_message()[0] ? gf_err_message() : "failed");
}

struct gfd_farm *ctl_farm(struct gfd *d, const char *name)
{
    for (int i = 0; i < d->nfarms; i++)
        if (strcmp(d->farms[i]->policy->name, name) == 0)
            return d->farms[i];
    return NULL;
}

int ctl_farm_info(struct gfd *d, const char *name, struct ctl_farm_info *info)
{
    struct gfd_farm *f;
    int ret = -1;

    memset(info, 0, sizeof(*info));
    pthread_mutex_lock(&d->lock);
    if ((f = ctl_farm(d, name))) {
        const struct gf_policy *p = f->policy;
        snprintf(info->name, sizeof(info->name), "%s", p->name);
        snprintf(info->file, sizeof(info->file), "%s", f->file);
        snprintf(info->image, sizeof(info->image), "%s", p->image);
        info->image_version = p->image_version;
        info->health_on = p->health_on;
        info->nhv = p->nhypervisors;
        for (int h = 0; h < p->nhypervisors; h++)
            snprintf(info->uris[h], sizeof(info->uris[h]), "%s", p->hypervisors[h].uri);
        ret = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return ret;
}

json_object *ctl_unknown_farm(struct gfd *d, const char *name)
{
    char farms[512] = "";
    size_t used = 0;

    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < d->nfarms && used < sizeof(farms); i++)
        used += (size_t)snprintf(farms + used, sizeof(farms) - used, "%s%s", i ? ", " : "",
                                 d->farms[i]->policy->name);
    pthread_mutex_unlock(&d->lock);
    return gf_ctl_answer(GF_CTL_UNKNOWN_FARM, "goldfarmd runs no farm '%s' (%s%s)", name,
                         farms[0] ? "its farms: " : "it runs none", farms);
}

/* The control thread's own connection to URI (opened on first use, again
 * when it died), or NULL with an error. */
static virConnectPtr own_conn(struct gfd_control *c, const char *uri)
{
    int i = 0;

    while (i < c->nvirt && strcmp(c->virt[i].uri, uri) != 0)
        i++;
    if (i < c->nvirt && c->virt[i].conn && virConnectIsAlive(c->virt[i].conn) == 1)
        return c->virt[i].conn;
    if (i == c->nvirt) {
        if (c->nvirt == CTL_VIRT) {
            gf_err(GF_ERR_OP, "the control socket keeps %d hypervisor connections at most",
                   CTL_VIRT);
            return NULL;
        }
        snprintf(c->virt[c->nvirt++].uri, sizeof(c->virt[0].uri), "%s", uri);
    } else if (c->virt[i].conn && gfd_owns_connections(c->d)) {
        virConnectClose(c->virt[i].conn); /* died */
    }
    c->virt[i].conn = gfd_open_uri(c->d, uri);
    return c->virt[i].conn;
}

virConnectPtr ctl_conn(struct gfd_control *c, const char *farm, int h, const char *uri)
{
    struct gfd_farm *f;
    virConnectPtr conn = NULL;

    pthread_mutex_lock(&c->d->lock);
    if ((f = ctl_farm(c->d, farm)) && h < f->policy->nhypervisors &&
        strcmp(f->policy->hypervisors[h].uri, uri) == 0)
        conn = gfd_farm_conn(f, h);
    pthread_mutex_unlock(&c->d->lock);
    if (conn && virConnectIsAlive(conn) == 1)
        return conn;
    if (conn)
        virConnectClose(conn);
    if ((conn = own_conn(c, uri)) && virConnectRef(conn) < 0) {
        gf_err_virt("a connection to %s", uri);
        return NULL;
    }
    return conn;
}

/* A refusal when Q asks what a request waiting in A asks already, else NULL. */
static json_object *duplicate(const struct gf_admin *a, const struct gf_admin_req *q,
                              const char *farm)
{
    for (int i = 0; i < a->nqueue; i++) {
        const struct gf_admin_req *w = &a->queue[i];
        if (q->kind != GF_ADMIN_ROLLOUT && w->kind != GF_ADMIN_ROLLOUT &&
            strcmp(w->host, q->host) == 0)
            return gf_ctl_answer(GF_CTL_BAD_STATE,
                                 "host '%s' has a request waiting already (request %lu, %s): "
                                 "goldfarmd takes it at its next tick",
                                 q->host, w->id, gf_admin_kind_name(w->kind));
        if (q->kind == GF_ADMIN_ROLLOUT && w->kind == GF_ADMIN_ROLLOUT &&
            q->rollout.kind == w->rollout.kind)
            return gf_ctl_answer(GF_CTL_BAD_STATE,
                                 "a roll-out of farm '%s' is requested already (request %lu, "
                                 "'%s'): goldfarmd takes it at its next tick",
                                 farm, w->id, w->rollout.text);
    }
    return NULL;
}

json_object *ctl_queue(struct gfd_control *c, const char *name, struct gf_admin_req *q,
                       const struct ctl_peer *peer, unsigned long *id)
{
    struct gfd *d = c->d;
    struct gfd_farm *f;
    json_object *refusal = NULL;
    struct gf_admin *was = malloc(sizeof(*was));

    if (!was)
        return gf_ctl_answer(GF_CTL_FAILED, "out of memory");
    q->at = time(NULL);
    q->uid = (long)peer->uid;
    pthread_mutex_lock(&d->lock);
    if (!(f = ctl_farm(d, name))) { /* a reload removed it meanwhile */
        pthread_mutex_unlock(&d->lock);
        free(was);
        return ctl_unknown_farm(d, name);
    }
    pthread_mutex_lock(&f->mu);
    *was = f->admin;
    if ((refusal = duplicate(&f->admin, q, name))) {
    } else if (!(*id = gf_admin_queue(&f->admin, q))) {
        refusal = gf_ctl_answer(GF_CTL_BUSY,
                                "farm %s has %d requests waiting already: try again after its "
                                "next tick",
                                name, GF_ADMIN_QUEUE);
    } else if (gf_admin_save(d->state_dir, name, &f->admin) < 0) {
        f->admin = *was; /* not accepted: nothing changed */
        refusal = gf_ctl_answer(GF_CTL_FAILED, "%s", gf_err_message());
    }
    pthread_mutex_unlock(&f->mu);
    if (!refusal)
        gfd_farm_wake(f);
    pthread_mutex_unlock(&d->lock);
    free(was);
    return refusal;
}
