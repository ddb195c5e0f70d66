/* tick.c - one reconcile tick of one farm: observe, assess, plan, act. */
#include "reconcile/tick.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "observe/health.h"
#include "observe/kept.h"
#include "observe/observe.h"
#include "policy/schedule.h"
#include "reconcile/pushes.h"

/* ---- the lease ----------------------------------------------------------- */

/* The lease's lifetime for ENV's farm: three ticks, at least 90 s. */
static int lease_ttl(const struct gf_tick_env *env)
{
    return env->p->tick * 3 > 90 ? env->p->tick * 3 : 90;
}

/* Take or renew the farm's lease on every hypervisor T's observation
 * reached (on the gold domain of its image with the lowest version).
 * Returns 1 when held everywhere, 0 when another daemon holds it somewhere
 * or it cannot be held (why into T->why). */
static int hold_lease(const struct gf_tick_env *env, time_t now, struct gf_tick *t)
{
    const struct gf_policy *p = env->p;
    int fresh_any = 0, where = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < p->nhypervisors; i++) {
            const char *name = t->farm.hv[i].lease_domain;
            struct gf_lease other;
            virDomainPtr dom;
            int fresh = 0, held;
            if (!env->conns[i] || !t->farm.hv[i].reachable || !name[0])
                continue;
            if (!(dom = virDomainLookupByName(env->conns[i], name))) {
                snprintf(t->why, sizeof(t->why), "the lease's gold domain '%s' on %s vanished",
                         name, p->hypervisors[i].uri);
                return 0;
            }
            if (pass == 0) {
                held =
                    gf_lease_claim(dom, p->name, env->lease, now, lease_ttl(env), &other, &fresh);
                fresh_any |= fresh;
            } else {
                held = gf_lease_read(dom, p->name, &other);
                held = held < 0 ? -1 : held == 1 && strcmp(other.holder, env->lease->holder) == 0;
            }
            virDomainFree(dom);
            if (held < 0) {
                snprintf(t->why, sizeof(t->why), "%s", gf_err_message());
                return 0;
            }
            if (!held) {
                char until[GF_TIME_LEN];
                gf_time_iso(other.expires, until);
                snprintf(t->why, sizeof(t->why),
                         "its lease on %s is held by goldfarmd on %s (pid %ld, %s) until %s",
                         p->hypervisors[i].uri, other.host, other.pid, other.holder, until);
                return 0;
            }
            snprintf(t->lease_dom[i], sizeof(t->lease_dom[i]), "%s", name);
            where += pass == 0;
        }
        if (!fresh_any || !where)
            break;
        /* a lease newly taken: whoever wrote last wins; let a rival's write land */
        if (env->lease_settle_ms > 0) {
            struct timespec ts = {env->lease_settle_ms / 1000,
                                  (env->lease_settle_ms % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ; /* a signal does not cut the settle short */
        }
    }
    if (!where) {
        snprintf(t->why, sizeof(t->why),
                 "no reachable hypervisor has a gold domain of image %s to hold its lease",
                 p->image);
        return 0;
    }
    return 1;
}

void gf_tick_release_lease(const struct gf_tick_env *env, const struct gf_tick *t)
{
    for (int i = 0; i < env->p->nhypervisors; i++) {
        virDomainPtr dom;
        if (!t->lease_dom[i][0] || !env->conns[i] ||
            !(dom = virDomainLookupByName(env->conns[i], t->lease_dom[i])))
            continue;
        if (gf_lease_release(dom, env->p->name, env->lease) < 0)
            gf_error("%s: giving up the lease: %s", env->p->name, gf_err_message());
        virDomainFree(dom);
    }
}

/* ---- the memory into the observation ------------------------------------ */

/* Parse the request LINES (N) into T's observation.  0 or -1. */
static int add_requests(struct gf_tick *t, char *const *lines, int n)
{
    if (!n)
        return 0;
    if (!(t->farm.requests = calloc((size_t)n, sizeof(*t->farm.requests)))) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++)
        gf_rollout_req_parse(lines[i], &t->farm.requests[t->farm.nrequests++]);
    return 0;
}

/* The roll-out requests waiting in admin state A into T's observation, in
 * the order they came; their ids into T->request_ids.  0 or -1. */
static int add_admin_requests(struct gf_tick *t, const struct gf_admin *a)
{
    if (!a || !a->nqueue)
        return 0;
    if (!(t->farm.requests = calloc((size_t)a->nqueue, sizeof(*t->farm.requests)))) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; i < a->nqueue; i++)
        if (a->queue[i].kind == GF_ADMIN_ROLLOUT) {
            t->request_ids[t->farm.nrequests] = a->queue[i].id;
            t->farm.requests[t->farm.nrequests++] = a->queue[i].rollout;
        }
    return 0;
}

/* What the farm's memory and state directory add to T's observation: the
 * last scale-in, the clone backoff, the failed replacements within the
 * breaker's window, the breaker, the roll-out record; and the roll-out
 * requests waiting (the admin state's, or the simulator's).  0 or -1 with
 * an error. */
static int recall(const struct gf_tick_env *env, time_t now, struct gf_tick *t)
{
    const struct gf_farm_mem *m = env->mem;
    struct gf_farm_obs *farm = &t->farm;
    int has;

    if (m->last_scale_in > farm->last_scale_in)
        farm->last_scale_in = m->last_scale_in;
    farm->clone_retry_at = m->clone_retry_at;
    farm->clone_failures = m->clone_failures;
    /* failures within the window of the newest one, while that one is recent:
     * the next tick's plan opens the breaker on the failures of this one */
    if (m->nreplace_failures &&
        now - m->replace_failures[m->nreplace_failures - 1] < env->p->breaker_window)
        for (int i = 0; i < m->nreplace_failures; i++)
            farm->recent_replace_failures +=
                m->replace_failures[m->nreplace_failures - 1] - m->replace_failures[i] <
                env->p->breaker_window;
    if (!env->state_dir) {
        snprintf(t->breaker, sizeof(t->breaker), "%s", m->breaker);
        t->rollout = m->rollout;
        if (t->rollout.phase != GF_RO_NONE)
            farm->rollout = &t->rollout;
        farm->breaker_open = t->breaker[0] != '\0';
        return add_requests(t, m->requests, m->nrequests);
    }
    farm->breaker_open =
        gf_breaker_read(env->state_dir, env->p->name, t->breaker, sizeof(t->breaker));
    if ((has = gf_rollout_load(env->state_dir, env->p->name, &t->rollout)) < 0) {
        /* a corrupt record is no roll-out, said each tick */
        gf_error("%s: %s", env->p->name, gf_err_message());
        memset(&t->rollout, 0, sizeof(t->rollout));
    } else if (has) {
        farm->rollout = &t->rollout;
    }
    return add_admin_requests(t, env->admin);
}

/* ---- the outcomes into the memory -------------------------------------- */

/* Keep in ENV's memory what T's carried-out plan changed: the scaler's
 * drains, the hosts resized live or that failed to (their use is
 * measured afresh), the
 * clones' backoff, failed replacements, the roll-out record, the breaker,
 * the requests decided on. */
static void remember(const struct gf_tick_env *env, time_t now, const struct gf_tick *t)
{
    struct gf_farm_mem *m = env->mem;
    const struct gf_plan *plan = &t->plan;
    int clones = 0, failed_clones = 0, kept = 0;

    for (int i = 0; i < plan->nactions; i++) {
        const struct gf_action *a = &plan->actions[i];
        int ok = t->outcome.result[i] == 0;
        if (a->kind == GF_ACT_DRAIN && ok && a->drain_by == GF_DRAIN_SCALER)
            m->last_scale_in = now;
        /* resized live: measured afresh at its new size; failed: the pressure
         * must last grow_after again before the next try */
        if (a->kind == GF_ACT_RESIZE && (!ok || a->resize_at == GF_RESIZE_LIVE))
            gf_usage_resized(&m->usage, a->host);
        if (a->kind == GF_ACT_CLONE) {
            clones++;
            failed_clones += !ok;
        }
        if (a->replaces[0] && !ok) {
            if (m->nreplace_failures == GF_MEM_FAILURES) {
                memmove(m->replace_failures, m->replace_failures + 1,
                        (GF_MEM_FAILURES - 1) * sizeof(time_t));
                m->nreplace_failures--;
            }
            m->replace_failures[m->nreplace_failures++] = now;
        }
        if (a->kind == GF_ACT_OPEN_BREAKER && ok) {
            snprintf(m->breaker, sizeof(m->breaker), "%s", plan->breaker);
            m->nreplace_failures = 0; /* counted into this opening */
        }
    }
    /* failures older than twice the window count no more */
    for (int i = 0; i < m->nreplace_failures; i++)
        if (now - m->replace_failures[i] < 2 * (time_t)env->p->breaker_window)
            m->replace_failures[kept++] = m->replace_failures[i];
    m->nreplace_failures = kept;
    if (clones && !failed_clones) {
        m->clone_failures = 0;
        m->clone_retry_at = 0;
    } else if (failed_clones) {
        /* a tick's clones fail together: one failure; 3 minutes, doubling */
        int back = 180 << (m->clone_failures < 4 ? m->clone_failures : 4);
        m->clone_failures++;
        m->clone_retry_at = now + (back > 1800 ? 1800 : back);
    }
    if (plan->rollout_changed)
        m->rollout = plan->rollout;
    if (plan->requests_taken && !env->state_dir) {
        for (int i = 0; i < m->nrequests; i++)
            free(m->requests[i]);
        free(m->requests);
        m->requests = NULL;
        m->nrequests = 0;
    }
}

/* ---- what admins asked ---------------------------------------------------- */

/* Keep in T that admin request ID came to FATE (WHY), at NOW. */
static void decided(struct gf_tick *t, unsigned long id, enum gf_admin_kind kind,
                    enum gf_admin_fate fate, const char *why, time_t now)
{
    struct gf_admin_done *d;

    if (t->ndecided == GF_ADMIN_QUEUE)
        return;
    d = &t->decided[t->ndecided++];
    *d = (struct gf_admin_done){.id = id, .kind = kind, .fate = fate, .at = now};
    snprintf(d->why, sizeof(d->why), "%s", why);
}

/* Write admin request Q into the metadata of host H (on ENV's
 * connections), as read again now: draining, or to be replaced.  0, or
 * -1 with an error. */
static int admin_write(const struct gf_tick_env *env, const struct gf_host_obs *h,
                       const struct gf_admin_req *q)
{
    virConnectPtr conn = h->hv >= 0 && h->hv < env->p->nhypervisors ? env->conns[h->hv] : NULL;
    virDomainPtr dom = conn ? virDomainLookupByName(conn, h->name) : NULL;
    struct gf_meta m;
    int managed, ret = -1;

    if (!dom) {
        gf_err_virt("host '%s' vanished", h->name);
        return -1;
    }
    if ((managed = gf_meta_get(dom, &m)) <= 0 || m.state != GF_HS_ACTIVE) {
        if (managed >= 0)
            gf_err(GF_ERR_OP, "host '%s' is no longer active", h->name);
        goto cleanup;
    }
    if (q->kind == GF_ADMIN_DRAIN) {
        m.state = GF_HS_DRAINING;
        m.since = q->at;
        m.drained_by = GF_DRAIN_ADMIN;
        m.notified = m.logoff_sent = 0;
        snprintf(m.reason, sizeof(m.reason), "drained by an admin (vmctl farm drain)");
    } else {
        m.replace = q->now ? GF_REPLACE_NOW : GF_REPLACE_DRAIN;
        snprintf(m.reason, sizeof(m.reason),
                 "to be replaced, as an admin asked (vmctl farm replace%s)",
                 q->now ? " --now" : "");
    }
    ret = gf_meta_set(dom, &m);
cleanup:
    virDomainFree(dom);
    return ret;
}

/* The drains and replacements waiting in ENV's admin state: each checked
 * again against what T observed, written into the host's metadata when
 * ENV acts, and shown in T's observation as the metadata now says (vmctl
 * plan shows it as goldfarmd would do it).  What became of each into
 * T->decided, when acting. */
static void admin_hosts(const struct gf_tick_env *env, time_t now, struct gf_tick *t)
{
    for (int i = 0; i < env->admin->nqueue; i++) {
        const struct gf_admin_req *q = &env->admin->queue[i];
        struct gf_host_obs *h = gf_farm_host(&t->farm, q->host);
        enum gf_admin_fate fate = GF_FATE_TAKEN;
        char why[256] = "";
        if (q->kind == GF_ADMIN_ROLLOUT)
            continue;
        if (!h) {
            fate = GF_FATE_REFUSED;
            snprintf(why, sizeof(why), "host '%s' is no longer a host of farm %s", q->host,
                     env->p->name);
        } else if (h->state != GF_HS_ACTIVE) {
            fate = GF_FATE_REFUSED;
            snprintf(why, sizeof(why), "host '%s' is %s, not active", q->host,
                     gf_host_state_name(h->state));
        } else if (q->kind == GF_ADMIN_REPLACE && h->replaced_by[0]) {
            fate = GF_FATE_REFUSED;
            snprintf(why, sizeof(why), "host '%s' is already being replaced by '%s'", q->host,
                     h->replaced_by);
        } else if (env->act && admin_write(env, h, q) < 0) {
            fate = GF_FATE_FAILED;
            snprintf(why, sizeof(why), "%s", gf_err_message());
        } else if (env->act) {
            gf_kept_drop(env->p->name); /* its metadata event may be on its way */
        }
        if (fate == GF_FATE_TAKEN && q->kind == GF_ADMIN_DRAIN) {
            h->state = GF_HS_DRAINING;
            h->since = q->at;
            h->drained_by = GF_DRAIN_ADMIN;
            h->admin_drain = 1;
            h->notified = h->logoff_sent = 0;
            if (q->at > t->farm.last_scale_in)
                t->farm.last_scale_in = q->at;
        } else if (fate == GF_FATE_TAKEN) {
            h->admin_replace = q->now ? GF_REPLACE_NOW : GF_REPLACE_DRAIN;
        }
        if (fate == GF_FATE_TAKEN)
            snprintf(why, sizeof(why), "%s %s", q->host,
                     q->kind == GF_ADMIN_DRAIN ? "draining"
                     : q->now                  ? "to be replaced, then quarantined"
                                               : "to be replaced, then drained");
        if (env->act)
            decided(t, q->id, q->kind, fate, why, now);
    }
}

_Static_assert(GF_PLAN_REQUESTS <= GF_ADMIN_QUEUE, "a decision for every request id kept");

/* The roll-out requests the carried-out plan of T decided on, into
 * T->decided. */
static void decided_requests(struct gf_tick *t, time_t now)
{
    for (int i = 0; i < t->farm.nrequests && i < GF_PLAN_REQUESTS; i++)
        if (t->request_ids[i])
            decided(t, t->request_ids[i], GF_ADMIN_ROLLOUT,
                    t->plan.request_results[i].taken ? GF_FATE_TAKEN : GF_FATE_REFUSED,
                    t->plan.request_results[i].why, now);
}

/* ---- the tick ------------------------------------------------------------ */

/* The URIs of P's hypervisors that do not answer (no connection in CONNS,
 * or, when FARM is given, not reached by its observation), comma-separated,
 * into BUF ("" when all answer). */
static void lost_list(const struct gf_policy *p, virConnectPtr *conns,
                      const struct gf_farm_obs *farm, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < p->nhypervisors; i++)
        if (!conns[i] || (farm && !farm->hv[i].reachable))
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     p->hypervisors[i].uri);
}

int gf_tick_run(const struct gf_tick_env *env, time_t now, struct gf_tick *t)
{
    const struct gf_policy *p = env->p;
    int paused = 0, reachable = 0;

    memset(t, 0, sizeof(*t));
    t->mode = env->act ? GF_DECIDED_ACTED : GF_DECIDED_PLANNED;
    for (int i = 0; i < p->nhypervisors; i++)
        reachable += env->conns[i] != NULL;
    if (!reachable) {
        /* what cannot be seen is not planned for: nothing is taken as gone */
        lost_list(p, env->conns, NULL, t->why, sizeof(t->why));
        t->mode = GF_DECIDED_BLIND;
        return 0;
    }
    if (gf_local_time(p->timezone, now, &t->local) < 0)
        return -1;
    if (env->observe ? env->observe(env->opaque, &t->local, &t->farm) < 0
                     : gf_observe(p, env->conns, &t->local, &t->farm) < 0)
        return -1;
    /* a node lost: its hosts are neither counted nor touched, and their
     * names are not taken by new hosts elsewhere; the rest goes on */
    lost_list(p, env->conns, &t->farm, t->lost, sizeof(t->lost));
    if (gf_seen_taken(&env->mem->seen, p, &t->farm) < 0 ||
        gf_seen_note(&env->mem->seen, p, &t->farm) < 0)
        return -1;
    for (int i = 0; env->admin && i < p->nhypervisors; i++) /* vmctl farm evacuate */
        t->farm.hv[i].evacuating = gf_admin_evacuated(env->admin, p->hypervisors[i].uri) != NULL;
    paused = env->admin && env->admin->paused;
    if (env->act && paused)
        t->mode = GF_DECIDED_PAUSED;
    if (recall(env, now, t) < 0)
        return -1;
    gf_pushes_recall(env, now, &t->farm);
    if (env->model)
        env->model(env->opaque, &t->farm, &t->local);
    /* one daemon acts on a farm: the lease is renewed even while paused,
     * so a standby daemon never takes a farm paused for patching */
    if (env->act && env->lease && t->mode != GF_DECIDED_BLIND && !hold_lease(env, now, t))
        t->mode = GF_DECIDED_STANDBY;
    /* an admin's drains and replacements, paused or not, by the daemon
     * that holds the farm (vmctl plan: as that daemon would) */
    if (env->admin && t->mode != GF_DECIDED_STANDBY)
        admin_hosts(env, now, t);
    if (gf_usage_update(&env->mem->usage, p, &t->farm, now) < 0)
        return -1;
    gf_health_assess(&env->mem->health, p, &t->farm, now);
    gf_plan(p, &t->farm, &t->local, &t->plan);
    t->planned = 1;
    if (t->mode == GF_DECIDED_ACTED) {
        struct gf_act_ctx ctx = {.p = p,
                                 .conns = env->conns,
                                 .farm = &t->farm,
                                 .journal = env->journal,
                                 .state_dir = env->state_dir,
                                 .now = now,
                                 .parallel = env->parallel,
                                 .stop_timeout = env->stop_timeout,
                                 .pushes = env->pushes};
        t->failed = gf_act(&ctx, &t->plan, &t->outcome);
        for (int i = 0; i < t->plan.nactions; i++)
            if (t->plan.actions[i].kind != GF_ACT_NOTE) {
                gf_kept_drop(p->name); /* its changes' events may be on their way */
                break;
            }
        remember(env, now, t);
        gf_pushes_remember(env, now, t);
        decided_requests(t, now);
    }
    if (env->act && env->state_dir && gf_mem_save(env->state_dir, p->name, env->mem) < 0)
        gf_error("%s: %s", p->name, gf_err_message());
    return 0;
}

void gf_tick_clear(struct gf_tick *t)
{
    gf_farm_obs_clear(&t->farm);
}
