/* pushes.c - the image's pushes between ticks (see pushes.h). */
#include "reconcile/pushes.h"

#include <stdio.h>
#include <string.h>

#include "act/push_job.h"
#include "base/log.h"

/* URI's record in M, added when ADD (NULL: none, or no room). */
static struct gf_push_mem *rec_of(struct gf_farm_mem *m, const char *uri, int add)
{
    for (int i = 0; i < m->npushes; i++)
        if (strcmp(m->pushes[i].uri, uri) == 0)
            return &m->pushes[i];
    if (!add || m->npushes == GF_MAX_HYPERVISORS)
        return NULL;
    memset(&m->pushes[m->npushes], 0, sizeof(m->pushes[0]));
    snprintf(m->pushes[m->npushes].uri, sizeof(m->pushes[0].uri), "%s", uri);
    return &m->pushes[m->npushes++];
}

/* Drop the records of M that hold nothing (no push under way, no backoff). */
static void compact(struct gf_farm_mem *m)
{
    int kept = 0;

    for (int i = 0; i < m->npushes; i++)
        if (m->pushes[i].version || m->pushes[i].failures)
            m->pushes[kept++] = m->pushes[i];
    m->npushes = kept;
}

/* A push to R's hypervisor failed at NOW: back off, 1 min doubling to 1 h. */
static void failed(struct gf_push_mem *r, time_t now)
{
    int back = 60 << (r->failures < 6 ? r->failures : 6);

    r->failures++;
    r->version = 0;
    r->retry_at = now + (back > 3600 ? 3600 : back);
}

/* Log push outcome D of farm NAME (image IMAGE) and keep it in M at NOW. */
static void outcome(struct gf_farm_mem *m, const char *name, const char *image,
                    const struct gf_push_done *d, time_t now)
{
    struct gf_push_mem *r = rec_of(m, d->uri, 1);
    const struct gf_push_result *p = &d->r;
    double mib = (double)(p->bytes + p->holes) / (1 << 20);
    double stream = p->seconds - p->verify_seconds;

    if (!d->ok) {
        if (r)
            failed(r, now);
        gf_error("%s: push of image %s v%u to %s failed: %s; next try in %llds", name, image,
                 d->version, d->uri, d->error, r ? (long long)(r->retry_at - now) : 60LL);
        return;
    }
    if (r) {
        r->version = 0;
        r->failures = 0;
        r->retry_at = 0;
    }
    if (p->how == GF_PUSH_PRESENT)
        gf_note("%s: image %s v%u is on %s already (sha256 %s)", name, image, d->version, d->uri,
                p->sha256);
    else if (p->how == GF_PUSH_SHARED)
        gf_note("%s: image %s v%u: %s shares its storage: gold %s defined there, nothing copied "
                "(sha256 %s)",
                name, image, d->version, d->uri, p->domain, p->sha256);
    else
        gf_note("%s: image %s v%u pushed to %s as %s: %.1f MiB in %.2f s (%.0f MiB/s; verify "
                "%.2f s), sha256 %s",
                name, image, d->version, d->uri, p->domain, mib, p->seconds,
                stream > 0 ? mib / stream : 0.0, p->verify_seconds, p->sha256);
}

int gf_pushes_settle(const struct gf_policy *p, struct gf_farm_mem *m, struct gf_push_jobs *jobs,
                     time_t now)
{
    struct gf_push_done d;

    if (!gf_push_jobs_take(jobs, &d))
        return 0;
    outcome(m, p->name, p->image, &d, now);
    compact(m);
    return 1;
}

void gf_pushes_recall(const struct gf_tick_env *env, time_t now, struct gf_farm_obs *farm)
{
    const struct gf_policy *p = env->p;
    struct gf_farm_mem *m = env->mem;

    if (env->pushes && env->act) {
        char uri[256];
        int running;
        gf_pushes_settle(p, m, env->pushes, now);
        running = gf_push_jobs_running(env->pushes, uri, sizeof(uri), NULL, NULL);
        for (int i = 0; i < m->npushes; i++)
            if (m->pushes[i].version && (!running || strcmp(uri, m->pushes[i].uri) != 0)) {
                gf_warn("%s: the push of image %s v%u to %s did not end (goldfarmd stopped): "
                        "the next push there undoes what it left",
                        p->name, p->image, m->pushes[i].version, m->pushes[i].uri);
                m->pushes[i].version = 0;
            }
        compact(m);
    }
    for (int i = 0; i < p->nhypervisors; i++) {
        const struct gf_push_mem *r = rec_of(m, p->hypervisors[i].uri, 0);
        struct gf_hv_obs *hv = &farm->hv[i];
        if (!r)
            continue;
        hv->pushing = r->version;
        hv->push_since = r->since;
        hv->push_retry_at = r->retry_at;
        hv->push_failures = r->failures;
    }
}

void gf_pushes_remember(const struct gf_tick_env *env, time_t now, const struct gf_tick *t)
{
    const struct gf_policy *p = env->p;
    struct gf_farm_mem *m = env->mem;

    for (int i = 0; i < t->plan.nactions; i++) {
        const struct gf_action *a = &t->plan.actions[i];
        struct gf_push_mem *r;
        if (a->kind != GF_ACT_PUSH || a->hv < 0 || a->hv >= p->nhypervisors ||
            !(r = rec_of(m, p->hypervisors[a->hv].uri, 1)))
            continue;
        if (t->outcome.result[i] != 0) {
            failed(r, now);
        } else if (env->pushes) {
            r->version = a->version;
            r->since = now;
        } else {
            r->failures = 0;
            r->retry_at = 0;
        }
    }
    compact(m);
}
