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
#include "observe/observe.h"
#include "policy/schedule.h"

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

/* What the farm's memory and state directory add to T's observation: the
 * last scale-in, the clone backoff, the failed replacements within the
 * breaker's window, the breaker, the roll-out record and its requests.
 * TAKE: the requests are taken (they are decided on by this tick).  0 or
 * -1 with an error. */
static int recall(const struct gf_tick_env *env, time_t now, int take, struct gf_tick *t)
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
    {
        char **lines = NULL;
        int n = 0, ret;
        if (gf_rollout_take_requests(env->state_dir, env->p->name, take, &lines, &n) < 0)
            gf_error("%s: %s", env->p->name, gf_err_message());
        ret = add_requests(t, lines, n);
        for (int i = 0; i < n; i++)
            free(lines[i]);
        free(lines);
        return ret;
    }
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

/* ---- the tick ------------------------------------------------------------ */

int gf_tick_run(const struct gf_tick_env *env, time_t now, struct gf_tick *t)
{
    const struct gf_policy *p = env->p;
    int paused = 0;

    memset(t, 0, sizeof(*t));
    t->mode = env->act ? GF_DECIDED_ACTED : GF_DECIDED_PLANNED;
    for (int i = 0; i < p->nhypervisors; i++)
        if (!env->conns[i])
            snprintf(t->why + strlen(t->why), sizeof(t->why) - strlen(t->why), "%s%s",
                     t->why[0] ? ", " : "", p->hypervisors[i].uri);
    if (t->why[0]) {
        /* what cannot be seen is not planned for: nothing is taken as gone */
        t->mode = GF_DECIDED_BLIND;
        return 0;
    }
    if (gf_local_time(p->timezone, now, &t->local) < 0)
        return -1;
    if (env->observe ? env->observe(env->opaque, &t->local, &t->farm) < 0
                     : gf_observe(p, env->conns, &t->local, &t->farm) < 0)
        return -1;
    if (env->state_dir)
        paused = gf_mem_paused(env->state_dir, p->name);
    if (env->act && paused)
        t->mode = GF_DECIDED_PAUSED;
    if (recall(env, now, t->mode == GF_DECIDED_ACTED, t) < 0)
        return -1;
    if (env->model)
        env->model(env->opaque, &t->farm, &t->local);
    /* one daemon acts on a farm: the lease is renewed even while paused,
     * so a standby daemon never takes a farm paused for patching */
    if (env->act && env->lease && t->mode != GF_DECIDED_BLIND && !hold_lease(env, now, t))
        t->mode = GF_DECIDED_STANDBY;
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
                                 .stop_timeout = env->stop_timeout};
        t->failed = gf_act(&ctx, &t->plan, &t->outcome);
        remember(env, now, t);
    }
    if (env->act && env->state_dir && gf_mem_save(env->state_dir, p->name, env->mem) < 0)
        gf_error("%s: %s", p->name, gf_err_message());
    return 0;
}

void gf_tick_clear(struct gf_tick *t)
{
    gf_farm_obs_clear(&t->farm);
}
