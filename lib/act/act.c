/* act.c - carrying out a plan's actions through libvirt and the hooks. */
#include "act/act.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/clone.h"
#include "model/domxml.h"
#include "model/hosts.h"
#include "base/error.h"
#include "base/exec.h"
#include "model/image.h"
#include "base/log.h"
#include "model/meta.h"
#include "model/resize.h"
#include "model/seed.h"

#define HOOK_TIMEOUT 60

/* Run HOOK with EXTRA arguments (NULL-terminated) appended.  A hook that
 * fails is logged, not fatal.  Nothing when the hook is not set. */
static void run_hook(const struct gf_hook *hook, const char *what, ...)
{
    char *argv[GF_MAX_HOOK_ARGS + 4];
    const char *extra;
    int n = 0, status;
    va_list ap;

    if (!hook->argc)
        return;
    for (; n < hook->argc; n++)
        argv[n] = (char *)hook->argv[n];
    va_start(ap, what);
    while (n < GF_MAX_HOOK_ARGS + 3 && (extra = va_arg(ap, const char *)))
        argv[n++] = (char *)extra;
    va_end(ap);
    argv[n] = NULL;
    status = gf_exec(argv, HOOK_TIMEOUT, NULL);
    if (status < 0)
        gf_note("%s hook %s: %s", what, argv[0], gf_err_message());
    else if (status)
        gf_note("%s hook %s exited with status %d", what, argv[0], status);
}

/* Whether DOM has stopped running. */
static int is_off(virDomainPtr dom)
{
    int state = VIR_DOMAIN_NOSTATE, reason;

    return virDomainGetState(dom, &state, &reason, 0) == 0 &&
           (state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED);
}

/* Shut DOM down gracefully, or destroy it after TIMEOUT seconds. */
static int stop(virDomainPtr dom, int timeout)
{
    double deadline = gf_now() + timeout;

    if (is_off(dom))
        return 0;
    if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0 &&
        virDomainShutdown(dom) < 0)
        deadline = 0;
    while (gf_now() < deadline && !is_off(dom)) {
        struct timespec tick = {0, 250 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    if (!is_off(dom) && virDomainDestroy(dom) < 0 && !is_off(dom)) {
        gf_err_virt("stopping '%s'", virDomainGetName(dom));
        return -1;
    }
    return 0;
}

/* Remove host DOM for good: mark it retiring, stop it, undefine it with
 * its snapshots, delete its own volumes and its seed (never a gold disk),
 * journalled in JOURNAL (may be NULL).  0 or -1 with an error. */
static int remove_host(virDomainPtr dom, struct gf_journal *journal, int stop_timeout)
{
    const char *host = virDomainGetName(dom);
    virConnectPtr conn = virDomainGetConnect(dom);
    struct gf_disk *disks = NULL;
    size_t ndisks = 0;
    unsigned long jid = 0;
    char *uri = NULL, tag[GF_OP_TAG_LEN], uuid[VIR_UUID_STRING_BUFLEN], seed[PATH_MAX];
    struct gf_meta m;
    int ret = -1;

    if (gf_domain_disks(dom, &disks, &ndisks) < 0)
        return -1;
    if (gf_seed_find(dom, seed, sizeof(seed)) < 0)
        goto cleanup;
    /* what is the gold's is known before anything is written down */
    for (size_t i = 0; i < ndisks; i++) {
        int gold = gf_image_owns_disk(conn, disks[i].path);
        if (gold < 0)
            goto cleanup;
        if (gold)
            disks[i].path[0] = '\0'; /* never deleted */
    }
    uri = virConnectGetURI(conn);
    if (virDomainGetUUIDString(dom, uuid) < 0) {
        gf_err_virt("reading the UUID of '%s'", host);
        goto cleanup;
    }
    if (!(jid = gf_journal_begin(journal, GF_JOP_RETIRE, host, uri ? uri : "?", uuid, 0, tag)))
        goto cleanup;
    for (size_t i = 0; i < ndisks; i++)
        if (disks[i].path[0] && gf_journal_volume(journal, jid, disks[i].path, NULL) < 0)
            goto abandon;
    if (seed[0] && gf_journal_volume(journal, jid, seed, NULL) < 0)
        goto abandon;
    /* the recovery finishes only a host in state retiring under this
     * retirement's tag: until then, a failure closes the entry and the host
     * is as it was (stopped at most) */
    if (gf_meta_get(dom, &m) != 1) {
        gf_err(GF_ERR_OP, "'%s' lost its goldfarm metadata: not retired", host);
        goto abandon;
    }
    snprintf(m.state, sizeof(m.state), "retiring");
    snprintf(m.reason, sizeof(m.reason), "retiring");
    snprintf(m.op_tag, sizeof(m.op_tag), "%s", tag);
    m.since = time(NULL);
    if (gf_meta_set(dom, &m) < 0)
        goto abandon;
    if (stop(dom, stop_timeout) < 0)
        goto cleanup;
    gf_crash_point("retire-stopped");
    if (gf_undefine(dom) < 0) {
        gf_err_virt("undefining '%s'", host);
        goto cleanup;
    }
    gf_crash_point("retire-undefined");
    for (size_t i = 0; i < ndisks; i++) {
        virStorageVolPtr vol;
        if (!disks[i].path[0])
            continue; /* a gold disk */
        if (!(vol = virStorageVolLookupByPath(conn, disks[i].path)))
            continue;
        if (virStorageVolDelete(vol, 0) < 0) {
            gf_err_virt("deleting %s of '%s'", disks[i].path, host);
            virStorageVolFree(vol);
            goto cleanup; /* the journal finishes it on the next start */
        }
        virStorageVolFree(vol);
    }
    if (seed[0] && gf_seed_delete(conn, seed) < 0)
        goto cleanup; /* the journal finishes it on the next start */
    gf_journal_end(journal, jid);
    ret = 0;
    goto cleanup;
abandon:
    gf_journal_end(journal, jid); /* nothing irreversible was done */
cleanup:
    free(uri);
    free(disks);
    return ret;
}

int gf_retire(virDomainPtr dom, struct gf_journal *journal, int stop_timeout, int users_ok)
{
    struct gf_meta m;
    int users;

    if (gf_meta_get(dom, &m) != 1 || m.role != GF_ROLE_HOST ||
        (strcmp(m.state, "draining") != 0 && strcmp(m.state, "standby") != 0 &&
         strcmp(m.state, "quarantined") != 0)) {
        gf_err(GF_ERR_OP, "'%s' is not a draining, standby or quarantined host: not retired",
               virDomainGetName(dom));
        return -1;
    }
    /* the plan thought it empty: its guest agent, where it answers, has the
     * last word before anything is stopped */
    if (!users_ok && virDomainIsActive(dom) == 1 && (users = gf_guest_users(dom)) > 0) {
        gf_err(GF_ERR_OP, "'%s' has %d user%s logged in: not retired", virDomainGetName(dom), users,
               users == 1 ? "" : "s");
        return -1;
    }
    return remove_host(dom, journal, stop_timeout);
}

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
        run_hook(&ctx->p->join_hook, "join", h->replaced_by, NULL);
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
    return gf_meta_set_state(dom, "quarantined", why, now);
}

/* Carry out action A.  Returns 0 or -1 with an error. */
static int act_one(const struct gf_act_ctx *ctx, const struct gf_action *a)
{
    const struct gf_policy *p = ctx->p;
    const struct gf_host_obs *h = gf_farm_host(ctx->farm, a->host);
    int hv = a->kind == GF_ACT_CLONE ? a->hv : h ? h->hv : -1;
    virConnectPtr conn = hv >= 0 && hv < p->nhypervisors ? ctx->conns[hv] : NULL;
    char sessions[16], reason[200];
    virDomainPtr dom = NULL;
    int ret = -1;

    if (!conn) {
        gf_err(GF_ERR_OP, "no connection to its hypervisor");
        return -1;
    }
    snprintf(sessions, sizeof(sessions), "%d", h && h->sessions > 0 ? h->sessions : 0);
    snprintf(reason, sizeof(reason), "%s", a->rule);
    if (a->kind == GF_ACT_CLONE) {
        struct gf_clone_opts o = {.farm = p->name,
                                  .start = !a->standby,
                                  .state = a->standby ? "standby" : "active",
                                  .reason = reason,
                                  .journal = ctx->journal,
                                  .vcpus = p->vcpus,
                                  .memory_kib = p->memory_kib,
                                  .now = ctx->now,
                                  .image_version = a->version};
        struct gf_identity id;
        if (p->identity_on) {
            gf_seed_identity_of(p, &id);
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
    case GF_ACT_START:
        if (virDomainCreate(dom) < 0) {
            gf_err_virt("starting '%s'", a->host);
            break;
        }
        ret = gf_meta_set_state(dom, "active", reason, ctx->now);
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
    case GF_ACT_QUARANTINE:
        ret = quarantine(ctx, dom, h, reason);
        break;
    case GF_ACT_RESIZE: {
        struct gf_resize r = {.vcpus = (unsigned int)a->vcpus,
                              .memory_kib = a->memory_kib,
                              .live = virDomainIsActive(dom) == 1,
                              .config = 1};
        ret = gf_resize(dom, &r);
        if (ret == 0)
            ret = gf_meta_set_state(dom, NULL, reason, ctx->now);
        break;
    }
    case GF_ACT_DRAIN:
        if (h && h->replaced_by[0]) /* a failed host drained: its replacement joins now */
            run_hook(&p->join_hook, "join", h->replaced_by, NULL);
        if ((ret = gf_meta_set_state(dom, "draining", reason, ctx->now)) == 0) {
            run_hook(&p->drain_hook, "broker", "drain", a->host, NULL);
            run_hook(&p->notify, "notify", a->host, sessions, NULL);
        }
        break;
    case GF_ACT_UNDRAIN:
        if ((ret = gf_meta_set_state(dom, "active", reason, ctx->now)) == 0)
            run_hook(&p->drain_hook, "broker", "undrain", a->host, NULL);
        break;
    case GF_ACT_LOGOFF:
        run_hook(&p->logoff, "logoff", a->host, sessions, NULL);
        snprintf(reason, sizeof(reason), "%slogoff sent: %s",
                 h && h->admin_drain ? "admin drain; " : "", a->rule);
        ret = gf_meta_set_state(dom, NULL, reason, ctx->now);
        break;
    case GF_ACT_RETIRE:
        ret = gf_retire(dom, ctx->journal, ctx->stop_timeout, h && h->logoff_sent);
        break;
    case GF_ACT_CLONE:
    case GF_ACT_NOTE:
        ret = 0;
        break;
    }
    virDomainFree(dom);
    return ret;
}

int gf_drain_notify(const struct gf_act_ctx *ctx, const char *host)
{
    const struct gf_host_obs *h = gf_farm_host(ctx->farm, host);
    virConnectPtr conn = h && h->hv >= 0 ? ctx->conns[h->hv] : NULL;
    char sessions[16];
    virDomainPtr dom;
    int ret;

    if (!conn || !(dom = virDomainLookupByName(conn, host))) {
        gf_err(GF_ERR_OP, "host '%s' is not reachable", host);
        return -1;
    }
    snprintf(sessions, sizeof(sessions), "%d", h->sessions > 0 ? h->sessions : 0);
    run_hook(&ctx->p->drain_hook, "broker", "drain", host, NULL);
    run_hook(&ctx->p->notify, "notify", host, sessions, NULL);
    ret = gf_meta_set_state(dom, NULL, "admin drain, notified", ctx->now);
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
        ok = act_one(run->ctx, a) == 0;
        gf_action_line(run->ctx->p, a, line, sizeof(line));
        if (ok)
            gf_note("%s [done]", line);
        else
            gf_note("%s [failed: %s]", line, gf_err_message());
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
    free(own);
    return run.failed;
}
