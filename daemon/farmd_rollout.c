/* farmd_rollout.c - goldfarmd's side of a roll-out. */
#include "farmd_rollout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "model/image.h"
#include "base/log.h"
#include "model/meta.h"

/* The value of KEY in request LINE ("start to=2 batch=2"), into BUF; 0 when
 * absent. */
static int request_value(const char *line, const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);

    for (const char *at = strchr(line, ' '); at; at = strchr(at + 1, ' ')) {
        if (strncmp(at + 1, key, klen) == 0 && at[1 + klen] == '=') {
            snprintf(buf, len, "%.*s", (int)strcspn(at + 2 + klen, " "), at + 2 + klen);
            return 1;
        }
    }
    return 0;
}

/* The number KEY of LINE (MIN to MAX, an optional trailing '%' into *PCT
 * when PCT is given), or DEF when absent; -1 when it is not such a number. */
static int request_int(const char *line, const char *key, int min, int max, int def, int *pct)
{
    char buf[32], *end;
    long v;

    if (!request_value(line, key, buf, sizeof(buf)))
        return def;
    v = strtol(buf, &end, 10);
    if (pct)
        *pct = *end == '%';
    if (end == buf || (*end && !(pct && *end == '%' && !end[1])) || v < min ||
        v > (pct && *pct ? 100 : max))
        return -1;
    return (int)v;
}

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

/* Start a roll-out of F by request LINE at NOW; why it cannot into WHY
 * (returns -1). */
static int start(struct gfd_farm *f, const struct gf_farm_obs *farm, const char *line, time_t now,
                 char *why, size_t len)
{
    const struct gf_policy *p = f->policy;
    struct gf_rollout *r = &f->rollout;
    int to = request_int(line, "to", 1, GF_VERSION_MAX, 0, NULL), pct = 0;
    int batch = request_int(line, "batch", 1, 100, p->rollout_batch, NULL);
    int min = request_int(line, "min", 0, 1000, -2, &pct);
    int soak = request_int(line, "soak", 0, 86400, p->rollout_soak, NULL);
    unsigned int from;

    if (to < 0 || batch < 0 || min == -1 || soak < 0) {
        snprintf(why, len, "a value is out of range");
        return -1;
    }
    if (gf_rollout_active(r) && strcmp(r->image, p->image) == 0) {
        snprintf(why, len, "a roll-out to v%u is in progress", r->to);
        return -1;
    }
    if (!p->health_on) {
        snprintf(why, len, "%s has no health group: a roll-out needs health checks to gate on",
                 f->file);
        return -1;
    }
    if (!to) {
        snprintf(why, len, "the request names no version");
        return -1;
    }
    if (p->image_version && p->image_version != to) {
        snprintf(why, len, "%s pins version %d (farm.image_version)", f->file, p->image_version);
        return -1;
    }
    for (int i = 0; i < p->nhypervisors; i++) {
        const struct gf_hv_obs *hv = &farm->hv[i];
        int has = 0;
        for (int k = 0; k < hv->nversions; k++)
            has |= hv->versions[k] == (unsigned int)to;
        if (!has) {
            snprintf(why, len, "%s has no version %u of image %s", p->hypervisors[i].uri, to,
                     p->image);
            return -1;
        }
    }
    /* back to what the hosts run (the image may have promoted the new version already) */
    if (!(from = other_version(farm, (unsigned int)to))) {
        snprintf(why, len, "every host is on v%u already", to);
        return -1;
    }
    memset(r, 0, sizeof(*r));
    r->phase = GF_RO_CANARY;
    snprintf(r->image, sizeof(r->image), "%s", p->image);
    r->from = from;
    r->to = (unsigned int)to;
    r->batch = batch;
    if (min == -2) { /* not asked: the policy's */
        pct = p->rollout_min_pct;
        min = p->rollout_min;
    }
    if (pct) {
        r->min_pct = min; /* resolved by the first plan, against those in service */
        r->min_hosts = -1;
    } else {
        r->min_hosts = min;
    }
    r->soak = soak;
    r->ready_timeout = p->rollout_ready_timeout;
    r->max_replacements = p->rollout_max_replacements;
    r->started = r->phase_since = now;
    gf_note("%s: rollout to %s v%u begins (from v%u; batches of %d; minimum in service %d%s; "
            "canary soak %ds)",
            p->name, p->image, r->to, from, r->batch, r->min_hosts < 0 ? r->min_pct : r->min_hosts,
            r->min_hosts < 0 ? "%" : "", r->soak);
    return 0;
}

/* Promote version FROM of F's image again on each hypervisor where TO is
 * the promoted one: the version that failed is not left as the default. */
static void promote_back(struct gfd_farm *f, const struct gf_farm_obs *farm, unsigned int from,
                         unsigned int to)
{
    const struct gf_policy *p = f->policy;

    for (int i = 0; i < p->nhypervisors; i++) {
        if (!f->conns[i] || farm->hv[i].promoted != to)
            continue;
        if (gf_image_promote(f->conns[i], p->image, from, NULL) < 0)
            gf_error("%s: promoting %s v%u again on %s: %s", p->name, p->image, from,
                     p->hypervisors[i].uri, gf_err_message());
        else
            gf_note("%s: %s v%u was the promoted version on %s: v%u promoted again", p->name,
                    p->image, to, p->hypervisors[i].uri, from);
    }
}

/* Apply request LINE to F's record.  Returns 1 if it changed, 0 if not
 * (a refusal is logged). */
static int apply(struct gfd_farm *f, const struct gf_farm_obs *farm, const char *line, time_t now)
{
    struct gf_rollout *r = &f->rollout;
    const char *farm_name = f->policy->name;
    char why[512] = "";

    if (strcmp(line, "start") == 0 || strncmp(line, "start ", 6) == 0) {
        if (start(f, farm, line, now, why, sizeof(why)) == 0)
            return 1;
    } else if (strcmp(line, "pause") == 0 && gf_rollout_active(r)) {
        r->paused = 1;
        gf_note("%s: rollout to v%u paused by an admin", farm_name, r->to);
        return 1;
    } else if (strcmp(line, "resume") == 0 && (r->paused || r->phase == GF_RO_STUCK)) {
        r->paused = 0;
        if (r->phase == GF_RO_STUCK) { /* retry the way back */
            r->phase = GF_RO_ROLLBACK;
            r->phase_since = now;
        }
        gf_note("%s: rollout to v%u resumed by an admin (%s)", farm_name, r->to,
                gf_rollout_phase_name(r->phase));
        return 1;
    } else if (strcmp(line, "abort") == 0 &&
               (r->phase == GF_RO_CANARY || r->phase == GF_RO_BATCHES)) {
        r->phase = GF_RO_ROLLBACK;
        r->phase_since = now;
        r->paused = 0;
        snprintf(r->reason, sizeof(r->reason), "aborted by an admin");
        gf_error("%s: rollout to v%u aborted by an admin: going back to v%u", farm_name, r->to,
                 r->from);
        promote_back(f, farm, r->from, r->to);
        return 1;
    } else {
        snprintf(why, sizeof(why), "the roll-out is %s%s", gf_rollout_phase_name(r->phase),
                 r->paused ? " (paused)" : "");
    }
    gf_error("%s: rollout request '%s' refused: %s", farm_name, line, why);
    return 0;
}

void gfd_rollout_prepare(struct gfd *d, struct gfd_farm *f, struct gf_farm_obs *farm, time_t now)
{
    const char *name = f->policy->name;
    char **lines = NULL;
    int n = 0, changed = 0;

    if (gf_rollout_load(d->state_dir, name, &f->rollout) < 0)
        gf_error("%s: %s", name, gf_err_message());
    if (gf_rollout_take_requests(d->state_dir, name, &lines, &n) < 0)
        gf_error("%s: %s", name, gf_err_message());
    for (int i = 0; i < n; i++) {
        changed |= apply(f, farm, lines[i], now);
        free(lines[i]);
    }
    free(lines);
    if (changed && gf_rollout_save(d->state_dir, name, &f->rollout) < 0)
        gf_error("%s: %s", name, gf_err_message());
    else if (n)
        gf_rollout_requests_done(d->state_dir, name);
    farm->rollout = f->rollout.phase != GF_RO_NONE ? &f->rollout : NULL;
}

void gfd_rollout_mark_ready(struct gfd_farm *f, struct gf_farm_obs *farm, time_t now)
{
    if (!gf_rollout_active(farm->rollout))
        return;
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        virDomainPtr dom;
        struct gf_meta m;
        if (h->state != GF_HS_ACTIVE || !h->ready || h->ready_recorded || h->hv < 0 ||
            !f->conns[h->hv] || !(dom = virDomainLookupByName(f->conns[h->hv], h->name)))
            continue;
        if (gf_meta_get(dom, &m) == 1) {
            m.ready_since = now;
            if (gf_meta_set(dom, &m) == 0)
                h->ready_recorded = 1;
            else
                gf_error("%s: %s", f->policy->name, gf_err_message());
        }
        virDomainFree(dom);
    }
}

void gfd_rollout_finish(struct gfd *d, struct gfd_farm *f, const struct gf_farm_obs *farm,
                        time_t now)
{
    const struct gf_rollout *next = &f->plan.rollout;
    enum gf_rollout_phase was = f->rollout.phase;
    const char *name = f->policy->name;

    (void)now;
    if (!f->plan.rollout_changed)
        return;
    f->rollout = *next;
    if (gf_rollout_save(d->state_dir, name, next) < 0)
        gf_error("%s: %s", name, gf_err_message());
    if (next->phase == was)
        return;
    switch (next->phase) {
    case GF_RO_BATCHES:
        gf_note("%s: rollout to v%u: the canary passed; batches of %d begin", name, next->to,
                next->batch);
        break;
    case GF_RO_ROLLBACK:
        gf_error("%s: rollout to v%u failed: %s; going back to v%u", name, next->to, next->reason,
                 next->from);
        promote_back(f, farm, next->from, next->to);
        break;
    case GF_RO_DONE:
        gf_note("%s: rollout to v%u done: every host is on v%u", name, next->to, next->to);
        break;
    case GF_RO_ROLLED_BACK:
        gf_error("%s: rollout to v%u rolled back: every host is on v%u again (%s)", name, next->to,
                 next->from, next->reason);
        break;
    case GF_RO_STUCK:
        gf_error("%s: rollback to v%u stopped: %s; an admin must look (vmctl image "
                 "rollout %s --resume retries)",
                 name, next->from, next->reason, name);
        break;
    default:
        break;
    }
}
