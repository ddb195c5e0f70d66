/* control_farm.c - the control socket's verbs on farms and hosts (pause,
 * resume, drain, replace, status, reload), and the dispatch of every verb
 * (roll-outs: control_rollout.c; what the verbs share: control_queue.c). */
#include "control_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "act/act.h"
#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "base/textfile.h"
#include "base/timefmt.h"
#include "farmd_int.h"
#include "model/meta.h"

#define STATUS_MAX (8u << 20) /* bytes of a farm's status file */

/* ---- pause, resume ------------------------------------------------------------ */

/* farm.pause (PAUSE) or farm.resume of R's farm: done at once, kept in the
 * farm's admin state; a resumption closes the replacement breaker too. */
static json_object *pause_resume(struct gfd_control *c, const struct gf_ctl_req *r,
                                 const struct ctl_peer *peer, int pause)
{
    struct gfd *d = c->d;
    struct gfd_farm *f;
    char breaker[256] = "", path[PATH_MAX + 80], since[GF_TIME_LEN];
    int was, saved = 0, closed = 0;
    time_t was_at;
    long was_uid;

    pthread_mutex_lock(&d->lock);
    if (!(f = ctl_farm(d, r->farm))) {
        pthread_mutex_unlock(&d->lock);
        return ctl_unknown_farm(d, r->farm);
    }
    pthread_mutex_lock(&f->mu);
    was = f->admin.paused;
    was_at = f->admin.paused_at;
    was_uid = f->admin.paused_uid;
    if (was != pause) {
        f->admin.paused = pause;
        f->admin.paused_at = pause ? time(NULL) : 0;
        f->admin.paused_uid = pause ? (long)peer->uid : -1;
        if (!(saved = gf_admin_save(d->state_dir, r->farm, &f->admin) == 0)) {
            f->admin.paused = was;
            f->admin.paused_at = was_at;
            f->admin.paused_uid = was_uid;
        }
    }
    if (!pause && gf_breaker_read(d->state_dir, r->farm, breaker, sizeof(breaker))) {
        snprintf(path, sizeof(path), "%s/%s.breaker", d->state_dir, r->farm);
        closed = unlink(path) == 0 || errno == ENOENT;
    }
    pthread_mutex_unlock(&f->mu);
    if (saved || closed)
        gfd_farm_wake(f);
    pthread_mutex_unlock(&d->lock);
    if (was != pause && !saved)
        return gf_ctl_answer(GF_CTL_FAILED, "%s", gf_err_message());
    if (pause && was) {
        gf_time_iso(was_at, since);
        return gf_ctl_answer(GF_CTL_OK, "farm %s is paused already (since %s, by uid %ld)", r->farm,
                             since, was_uid);
    }
    if (pause)
        return gf_ctl_answer(GF_CTL_OK,
                             "farm %s paused: goldfarmd changes nothing on it until resumed (a "
                             "tick under way finishes its actions)",
                             r->farm);
    return gf_ctl_answer(GF_CTL_OK, "farm %s %s%s%s%s", r->farm, was ? "resumed" : "was not paused",
                         closed ? "; replacement breaker closed (" : "", closed ? breaker : "",
                         closed ? ")" : "");
}

/* ---- drain, replace ----------------------------------------------------------- */

/* Host NAME on the hypervisors of D's farms: its domain (to free) and
 * metadata, or NULL with the refusal in *WHY (unknown, not Goldfarm's,
 * or the hypervisors that could not be searched). */
static virDomainPtr find_host(struct gfd_control *c, const char *name, struct gf_meta *m,
                              json_object **why)
{
    struct gfd *d = c->d;
    struct where {
        char farm[GF_NAME_MAX + 1], uri[512];
        int h;
    } *where = NULL;
    char down[600] = "";
    int n = 0, managed;
    virDomainPtr dom = NULL;

    /* each hypervisor of the farms once, with the first farm on it */
    pthread_mutex_lock(&d->lock);
    where = calloc((size_t)d->nfarms * GF_MAX_HYPERVISORS + 1, sizeof(*where));
    for (int i = 0; where && i < d->nfarms; i++)
        for (int h = 0; h < d->farms[i]->policy->nhypervisors; h++) {
            const char *uri = d->farms[i]->policy->hypervisors[h].uri;
            int seen = 0;
            for (int k = 0; k < n; k++)
                seen |= strcmp(where[k].uri, uri) == 0;
            if (seen)
                continue;
            snprintf(where[n].farm, sizeof(where[n].farm), "%s", d->farms[i]->policy->name);
            snprintf(where[n].uri, sizeof(where[n].uri), "%s", uri);
            where[n++].h = h;
        }
    pthread_mutex_unlock(&d->lock);
    for (int k = 0; where && k < n && !dom; k++) {
        virConnectPtr conn = ctl_conn(c, where[k].farm, where[k].h, where[k].uri);
        if (conn && !(dom = virDomainLookupByName(conn, name)) &&
            virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
            virResetLastError();
            virConnectClose(conn);
            continue;
        }
        if (!dom)
            snprintf(down + strlen(down), sizeof(down) - strlen(down), "%s%s", down[0] ? ", " : "",
                     where[k].uri);
        virResetLastError();
        if (conn)
            virConnectClose(conn); /* the domain holds its own reference */
    }
    free(where);
    if (!dom) {
        *why = down[0]
                   ? gf_ctl_answer(GF_CTL_FAILED,
                                   "no host '%s' where goldfarmd looked; %s could not be "
                                   "searched",
                                   name, down)
                   : gf_ctl_answer(GF_CTL_UNKNOWN_HOST,
                                   "no host '%s' on the hypervisors of goldfarmd's farms", name);
        return NULL;
    }
    if ((managed = gf_meta_get(dom, m)) <= 0 || m->role != GF_ROLE_HOST) {
        *why = managed < 0 ? gf_ctl_answer(GF_CTL_FAILED, "%s", gf_err_message())
               : managed == 0
                   ? gf_ctl_answer(GF_CTL_UNKNOWN_HOST,
                                   "'%s' is not a Goldfarm host (no Goldfarm metadata)", name)
                   : gf_ctl_answer(GF_CTL_UNKNOWN_HOST, "'%s' is a gold image, not a host", name);
        virDomainFree(dom);
        return NULL;
    }
    return dom;
}

/* farm.drain or farm.replace of R's host: checked (a host of one of the
 * daemon's farms, of R's farm when given, active, not being replaced),
 * then queued for its farm's next tick. */
static json_object *host_request(struct gfd_control *c, const struct gf_ctl_req *r,
                                 const struct ctl_peer *peer)
{
    int drain = r->verb == GF_CTL_FARM_DRAIN;
    struct ctl_farm_info info;
    struct gf_admin_req q = {.kind = drain ? GF_ADMIN_DRAIN : GF_ADMIN_REPLACE, .now = r->now};
    json_object *why = NULL;
    unsigned long id = 0;
    virDomainPtr dom;
    struct gf_meta m;

    if (r->farm[0] && ctl_farm_info(c->d, r->farm, &info) < 0)
        return ctl_unknown_farm(c->d, r->farm);
    if (!(dom = find_host(c, r->host, &m, &why)))
        return why;
    virDomainFree(dom);
    if (r->farm[0] && strcmp(m.farm, r->farm) != 0)
        return gf_ctl_answer(GF_CTL_NOT_IN_FARM, "host '%s' is in farm '%s', not in farm '%s'",
                             r->host, m.farm, r->farm);
    if (ctl_farm_info(c->d, m.farm, &info) < 0)
        return gf_ctl_answer(GF_CTL_NOT_IN_FARM,
                             "host '%s' is in farm '%s', which this goldfarmd does not run",
                             r->host, m.farm);
    if (m.state != GF_HS_ACTIVE)
        return gf_ctl_answer(GF_CTL_BAD_STATE, "host '%s' is %s, not active: %s", r->host,
                             gf_host_state_name(m.state),
                             drain ? "not drained" : "nothing to replace");
    if (!drain && m.replaced_by[0])
        return gf_ctl_answer(GF_CTL_BAD_STATE, "host '%s' is already being replaced by '%s'",
                             r->host, m.replaced_by);
    snprintf(q.host, sizeof(q.host), "%s", r->host);
    if ((why = ctl_queue(c, m.farm, &q, peer, &id)))
        return why;
    if (drain)
        why = gf_ctl_answer(GF_CTL_OK,
                            "%s: draining; goldfarmd notifies its users and retires it when empty "
                            "(request %lu)",
                            r->host, id);
    else
        why = gf_ctl_answer(GF_CTL_OK,
                            "%s: to be replaced; goldfarmd starts or clones its replacement, then "
                            "%s it (request %lu)",
                            r->host, r->now ? "quarantines" : "drains (or quarantines, if empty)",
                            id);
    if (why) {
        json_object_object_add(why, "result", json_object_new_string("accepted"));
        json_object_object_add(why, "id", json_object_new_int64((int64_t)id));
    }
    return why;
}

/* ---- status, reload ------------------------------------------------------------ */

/* The status file goldfarmd wrote for farm NAME, parsed, or NULL. */
static json_object *status_of(struct gfd *d, const char *name)
{
    char path[PATH_MAX + 80], *text = NULL;
    json_object *o = NULL;
    size_t len;

    snprintf(path, sizeof(path), "%s/%s.status", d->state_dir, name);
    if (access(path, F_OK) == 0 && gf_text_file_read(path, "status", STATUS_MAX, &text, &len) == 0)
        o = gf_json_parse_object(text);
    free(text);
    return o;
}

/* farm.status: the status of R's farm (or every farm), once the daemon's
 * generation passed R's "after" (or FORCE); NULL with *PARK until then. */
static json_object *farm_status(struct gfd_control *c, const struct gf_ctl_req *r, int force,
                                int *park)
{
    struct gfd *d = c->d;
    unsigned long long gen;
    json_object *a, *farms;
    char(*names)[GF_NAME_MAX + 1];
    int n = 0;

    pthread_mutex_lock(&d->lock);
    gen = d->generation;
    if (r->farm[0] && !ctl_farm(d, r->farm)) {
        pthread_mutex_unlock(&d->lock);
        return ctl_unknown_farm(d, r->farm);
    }
    if (!force && r->after >= 0 && gen <= (unsigned long long)r->after) {
        pthread_mutex_unlock(&d->lock);
        *park = 1;
        return NULL;
    }
    names = calloc((size_t)d->nfarms + 1, sizeof(*names));
    for (int i = 0; names && i < d->nfarms; i++)
        if (!r->farm[0] || strcmp(d->farms[i]->policy->name, r->farm) == 0)
            snprintf(names[n++], sizeof(names[0]), "%s", d->farms[i]->policy->name);
    pthread_mutex_unlock(&d->lock);
    if (!names || !(a = gf_ctl_answer(GF_CTL_OK, "%d farm%s", n, n == 1 ? "" : "s"))) {
        free(names);
        return gf_ctl_answer(GF_CTL_FAILED, "out of memory");
    }
    farms = json_object_new_array();
    for (int i = 0; i < n; i++) {
        json_object *st = status_of(d, names[i]);
        if (st)
            json_object_array_add(farms, st);
    }
    free(names);
    json_object_object_add(a, "generation", json_object_new_int64((int64_t)gen));
    json_object_object_add(a, "farms", farms);
    return a;
}

/* reload: the policies read again, as on SIGHUP; refused (bad_policy) when
 * a file has errors: its farm keeps its previous policy. */
static json_object *reload(struct gfd_control *c)
{
    struct gfd *d = c->d;
    char why[512];
    int bad = gfd_reload_why(d, why, sizeof(why)), n;

    if (bad < 0)
        return ctl_failed();
    if (d->threaded && gfd_run(d) < 0) /* the threads of the farms it added */
        return ctl_failed();
    pthread_mutex_lock(&d->lock);
    n = d->nfarms;
    pthread_mutex_unlock(&d->lock);
    if (bad)
        return gf_ctl_answer(
            GF_CTL_BAD_POLICY, "%d policy file%s with errors kept %s previous polic%s: %s", bad,
            bad == 1 ? "" : "s", bad == 1 ? "its" : "their", bad == 1 ? "y" : "ies", why);
    return gf_ctl_answer(GF_CTL_OK, "reloaded: %d farm%s from %s", n, n == 1 ? "" : "s",
                         d->policies_dir);
}

json_object *ctl_answer(struct gfd_control *c, const struct gf_ctl_req *r,
                        const struct ctl_peer *peer, int force, int *park)
{
    *park = 0;
    switch (r->verb) {
    case GF_CTL_FARM_PAUSE:
    case GF_CTL_FARM_RESUME:
        return pause_resume(c, r, peer, r->verb == GF_CTL_FARM_PAUSE);
    case GF_CTL_FARM_DRAIN:
    case GF_CTL_FARM_REPLACE:
        return host_request(c, r, peer);
    case GF_CTL_FARM_STATUS:
        return farm_status(c, r, force, park);
    case GF_CTL_ROLLOUT_START:
    case GF_CTL_ROLLOUT_PAUSE:
    case GF_CTL_ROLLOUT_RESUME:
    case GF_CTL_ROLLOUT_ABORT:
        return ctl_rollout_step(c, r, peer);
    case GF_CTL_ROLLOUT_STATUS:
        if (!force && r->after >= 0) {
            unsigned long long gen;
            pthread_mutex_lock(&c->d->lock);
            gen = c->d->generation;
            pthread_mutex_unlock(&c->d->lock);
            if (gen <= (unsigned long long)r->after) {
                *park = 1;
                return NULL;
            }
        }
        return ctl_rollout_status(c, r);
    case GF_CTL_RELOAD:
        return reload(c);
    case GF_CTL_FARM_EVACUATE:
    case GF_CTL_FARM_UNEVACUATE:
        return ctl_evacuate(c, r, peer);
    default:
        return gf_ctl_answer(GF_CTL_UNKNOWN_VERB, "unknown verb");
    }
}
