/* act.c - carrying out a plan's actions through libvirt and the hooks. */
#include "act/act.h"
#include "act/act_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/clone.h"
#include "model/disk_use.h"
#include "model/domxml.h"
#include "model/hosts.h"
#include "base/error.h"
#include "base/exec.h"
#include "model/image.h"
#include "base/log.h"
#include "model/meta.h"
#include "model/resize.h"
#include "model/seed.h"

/* Record on host OLD that NEW_HOST replaces it (a failed host) or, with
 * ROLLOUT, takes over from it.  0 or -1. */
static int link_successor(const struct gf_act_ctx *ctx, const char *old, const char *new_host,
                          int rollout)
{
    const struct gf_host_obs *h = gf_farm_host(ctx->farm, old);
    virConnectPtr conn = h && h->hv >= 0 ? ctx->conns[h->hv] : NULL;
    virDomainPtr dom = conn ? virDomainLookupByName(conn, old) : NULL;
    struct gf_meta m;
    int managed, ret = -1;

    if (!dom) {
        gf_err(GF_ERR_OP, "'%s' (replaced by '%s') cannot be found", old, new_host);
        return -1;
    }
    if ((managed = gf_meta_get(dom, &m)) == 0)
        gf_err(GF_ERR_OP, "'%s' (to be replaced by '%s') has no goldfarm metadata", old, new_host);
    else if (managed == 1) {
        if (rollout)
            snprintf(m.superseded_by, sizeof(m.superseded_by), "%s", new_host);
        else
            snprintf(m.replaced_by, sizeof(m.replaced_by), "%s", new_host);
        ret = gf_meta_set(dom, &m);
    }
    virDomainFree(dom);
    return ret;
}

/* Set the failed host DOM (observed as H) aside: run the join hook for its
 * replacement, snapshot it when its state allows (for whoever looks into
 * why), stop it (destroy: it is broken), and mark it quarantined with why.
 * It no longer counts for anything.  Returns 0 or -1 with an error. */
static int quarantine(const struct gf_act_ctx *ctx, virDomainPtr dom, const struct gf_host_obs *h,
                      const char *reason)
{
    const char *host = virDomainGetName(dom);
    char name[96], why[320];
    virDomainSnapshotPtr snap;
    struct tm tm;
    time_t now = ctx->now;
    int snapped = 0;

    if (h && h->replaced_by[0] && h->state == GF_HS_ACTIVE) /* a drained one ran it already */
        act_run_hook(&ctx->p->join_hook, "join", h->replaced_by, NULL);
    localtime_r(&now, &tm);
    strftime(name, sizeof(name), "gf-quarantine-%Y%m%d-%H%M%S", &tm);
    {
        char xml[256];
        snprintf(xml, sizeof(xml),
                 "<domainsnapshot><name>%s</name><description>taken by Goldfarm when it "
                 "quarantined the host</description></domainsnapshot>",
                 name);
        /* name is ours (digits and dashes): no XML escaping needed */
        if ((snap = virDomainSnapshotCreateXML(dom, xml, 0))) {
            virDomainSnapshotFree(snap);
            snapped = 1;
        } else {
            gf_err_virt("quarantine snapshot of '%s'", host);
            gf_note("%s", gf_err_message());
        }
    }
    if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
        gf_err_virt("stopping '%s'", host);
        return -1;
    }
    {
        /* a failed host drained first: keep why it failed */
        struct gf_meta m;
        int drained = h && h->state == GF_HS_DRAINING && gf_meta_get(dom, &m) == 1;
        snprintf(why, sizeof(why), "quarantined%s%s%s: %s%s%s", snapped ? " (snapshot " : "",
                 snapped ? name : "", snapped ? ")" : "", reason, drained ? "; " : "",
                 drained ? m.reason : "");
    }
    return gf_meta_set_state(dom, GF_HS_QUARANTINED, why, now);
}

/* Carry out action A of PLAN.  Returns 0 or -1 with an error. */
static int act_one(const struct gf_act_ctx *ctx, const struct gf_plan *plan,
                   const struct gf_action *a)
{
    const struct gf_policy *p = ctx->p;
    const struct gf_host_obs *h = gf_farm_host(ctx->farm, a->host);
    int hv = a->kind == GF_ACT_CLONE ? a->hv : h ? h->hv : -1;
    virConnectPtr conn = hv >= 0 && hv < p->nhypervisors ? ctx->conns[hv] : NULL;
    char sessions[16], reason[200];
    virDomainPtr dom = NULL;
    int ret = -1;

    switch (a->kind) {
    case GF_ACT_NOTIFY:
    case GF_ACT_MARK_READY:
    case GF_ACT_PROMOTE:
    case GF_ACT_OPEN_BREAKER:
    case GF_ACT_ROLLOUT:
    case GF_ACT_PUSH:
        return act_farm(ctx, plan, a);
    default:
        break;
    }
    if (!conn) {
        gf_err(GF_ERR_OP, "no connection to its hypervisor");
        return -1;
    }
    snprintf(sessions, sizeof(sessions), "%d", h && h->sessions > 0 ? h->sessions : 0);
    snprintf(reason, sizeof(reason), "%s", a->rule);
    if (a->kind == GF_ACT_CLONE) {
        struct gf_clone_opts o = {.farm = p->name,
                                  /* a saved or running standby boots now */
                                  .start = !a->standby || a->standby_kind != GF_SB_OFF,
                                  .state = a->standby ? GF_HS_STANDBY : GF_HS_ACTIVE,
                                  .standby_kind = a->standby ? a->standby_kind : GF_SB_OFF,
                                  .reason = reason,
                                  .journal = ctx->journal,
                                  .vcpus = p->vcpus,
                                  .memory_kib = p->memory_kib,
                                  /* room for the vertical rules to grow it live */
                                  .max_vcpus = p->max_vcpus,
                                  .max_memory_kib = p->max_memory_kib,
                                  .now = ctx->now,
                                  .image_version = a->version};
        struct gf_identity id;
        if (p->identity_on) {
            gf_policy_identity(p, &id);
            o.identity = &id;
        }
        if (a->replaces[0])
            o.replaces = a->replaces;
        if (a->supersedes[0])
            o.supersedes = a->supersedes;
        if (gf_clone(conn, p->image, a->host, &o) < 0)
            return -1;
        if (a->supersedes[0])
            return link_successor(ctx, a->supersedes, a->host, 1);
        return a->replaces[0] ? link_successor(ctx, a->replaces, a->host, 0) : 0;
    }
    if (!(dom = virDomainLookupByName(conn, a->host))) {
        gf_err_virt("looking up '%s'", a->host);
        return -1;
    }
    switch (a->kind) {
    case GF_ACT_START: {
        int joined = 0;
        if (act_start_standby(ctx, dom, &joined) < 0)
            break;
        ret = gf_meta_set_state(dom, GF_HS_ACTIVE, reason, ctx->now);
        /* a running standby is out of the broker until its join hook runs;
         * a replacement's runs when its failed host is set aside */
        if (ret == 0 && joined && !a->replaces[0])
            act_run_hook(&p->join_hook, "join", a->host, NULL);
        if (ret == 0 && a->replaces[0]) {
            struct gf_meta m;
            if (gf_meta_get(dom, &m) == 1) {
                snprintf(m.replaces, sizeof(m.replaces), "%s", a->replaces);
                ret = gf_meta_set(dom, &m);
            }
            if (ret == 0)
                ret = link_successor(ctx, a->replaces, a->host, 0);
        }
        break;
    }
    case GF_ACT_SAVE:
        ret = act_save_standby(dom);
        break;
    case GF_ACT_QUARANTINE:
        ret = quarantine(ctx, dom, h, reason);
        break;
    case GF_ACT_RESIZE: {
        /* live: now and in its definition; at next boot: its definition only */
        struct gf_resize r = {.vcpus = (unsigned int)a->vcpus,
                              .memory_kib = a->memory_kib,
                              .live = a->resize_at == GF_RESIZE_LIVE && virDomainIsActive(dom) == 1,
                              .config = 1};
        if ((ret = gf_resize(dom, &r)) == 0)
            ret = act_mark_resized(dom, a, reason, ctx->now);
        break;
    }
    case GF_ACT_DRAIN:
        if (h && h->replaced_by[0]) /* a failed host drained: its replacement joins now */
            act_run_hook(&p->join_hook, "join", h->replaced_by, NULL);
        if ((ret = act_mark_drained(dom, a->drain_by, reason, ctx->now)) == 0) {
            act_run_hook(&p->drain_hook, "broker", "drain", a->host, NULL);
            act_run_hook(&p->notify, "notify", a->host, sessions, NULL);
            ret = act_mark_time(dom, ACT_MARK_NOTIFIED, ctx->now);
        }
        break;
    case GF_ACT_UNDRAIN:
        if ((ret = gf_meta_set_state(dom, GF_HS_ACTIVE, reason, ctx->now)) == 0)
            act_run_hook(&p->drain_hook, "broker", "undrain", a->host, NULL);
        break;
    case GF_ACT_LOGOFF:
        act_run_hook(&p->logoff, "logoff", a->host, sessions, NULL);
        ret = act_mark_time(dom, ACT_MARK_LOGOFF, ctx->now);
        break;
    case GF_ACT_RETIRE:
        ret = gf_retire(dom, ctx->journal, ctx->stop_timeout, h && h->logoff_sent);
        break;
    default: /* clones and farm actions above; notes are not carried out */
        ret = 0;
        break;
    }
    virDomainFree(dom);
    return ret;
}

/* Work shared by the action threads. */
struct act_run {
    const struct gf_act_ctx *ctx;
    const struct gf_plan *plan;
    struct gf_outcome *out;
    int next, failed;
    pthread_mutex_t lock;
};

/* Take actions off the shared list until none is left. */
static void *act_worker(void *arg)
{
    struct act_run *run = arg;

    for (;;) {
        const struct gf_action *a;
        char line[512];
        int i, ok;
        pthread_mutex_lock(&run->lock);
        while (run->next < run->plan->nactions && run->plan->actions[run->next].kind == GF_ACT_NOTE)
            run->out->result[run->next++] = 0;
        i = run->next < run->plan->nactions ? run->next++ : -1;
        pthread_mutex_unlock(&run->lock);
        if (i < 0)
            return NULL;
        a = &run->plan->actions[i];
        gf_err_clear();
        ok = act_one(run->ctx, run->plan, a) == 0;
        gf_action_line(run->ctx->p, a, line, sizeof(line));
        if (ok)
            gf_log(a->level ? a->level : GF_LOG_INFO, "%s [%s]", line,
                   a->kind == GF_ACT_PUSH && run->ctx->pushes ? "started" : "done");
        else
            gf_error("%s [failed: %s]", line, gf_err_message());
        pthread_mutex_lock(&run->lock);
        run->out->result[i] = ok ? 0 : -1;
        snprintf(run->out->error[i], sizeof(run->out->error[i]), "%s", ok ? "" : gf_err_message());
        run->failed += !ok;
        pthread_mutex_unlock(&run->lock);
    }
}

int gf_act(const struct gf_act_ctx *ctx, const struct gf_plan *plan, struct gf_outcome *out)
{
    struct gf_outcome *own = out ? NULL : malloc(sizeof(*own));
    struct act_run run = {.ctx = ctx, .plan = plan, .out = out ? out : own};

    if (!run.out) {
        gf_err(GF_ERR_OP, "out of memory");
        return plan->nactions;
    }
    pthread_t threads[16];
    int nthreads = ctx->parallel < 1 ? 1 : ctx->parallel > 16 ? 16 : ctx->parallel;
    int started = 0;

    pthread_mutex_init(&run.lock, NULL);
    if (nthreads == 1) {
        act_worker(&run);
    } else {
        for (; started < nthreads; started++)
            if (pthread_create(&threads[started], NULL, act_worker, &run) != 0)
                break;
        if (started == 0)
            act_worker(&run);
        for (int i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
    }
    pthread_mutex_destroy(&run.lock);
    if (act_save_rollout(ctx, plan) < 0) {
        gf_error("%s: %s", ctx->p->name, gf_err_message());
        run.failed++;
    }
    free(own);
    return run.failed;
}
