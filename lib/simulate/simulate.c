/* simulate.c - replaying a recorded load through goldfarmd's own code. */
#include "simulate/simulate.h"

#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "act/act.h"
#include "act/decisions.h"
#include "base/error.h"
#include "observe/health.h"
#include "model/disk_use.h"
#include "model/hosts.h"
#include "model/image.h"
#include "base/log.h"
#include "model/meta.h"
#include "observe/observe.h"
#include "reconcile/tick.h"
#include "simulate/sim_events.h"
#include "simulate/sim_load.h"
#include "simulate/sim_standby.h"
#include "policy/schedule.h"

/* The model of one host, beside what libvirt knows of it. */
struct mhost {
    char name[GF_NAME_MAX + 1];
    int hv;
    enum gf_host_state state;
    int running;     /* running in libvirt */
    time_t ready_at; /* serving users from then (running hosts) */
    int sessions;    /* users on it */
};

struct sim {
    struct gf_policy *p;
    const struct gf_trace *tr;
    const struct gf_sim_opts *o;
    struct gf_sim_result *r;
    virConnectPtr conns[GF_MAX_HYPERVISORS];
    int dt;               /* the step's length */
    int failed;           /* the model could not follow (out of memory) */
    unsigned int bad[16]; /* versions whose new hosts fail their health checks ... */
    time_t bad_since[16]; /* ... when made from then on */
    int nbad;
    int agent_model; /* the model says whose agent answers (the trace has bad versions) */
    struct mhost *m; /* sorted by name unless UNSORTED */
    int nm, unsorted;
    time_t last_drain, last_out;
    char *prev_notes;
    int logged_idle;
    int trace_hint, next_event;
    /* The simulator is the only writer of its private connection: libvirt's
     * model changes only when a step acts or a crash is played, so only then
     * is it observed again.  The rest of the time this copy serves. */
    struct gf_farm_obs seen;
    int stale;
    struct gf_farm_mem mem; /* the tick's memory: health, backoff, roll-out, breaker */
};

static int mhost_cmp(const void *a, const void *b)
{
    return strcmp(((const struct mhost *)a)->name, ((const struct mhost *)b)->name);
}

/* The model host NAME, or NULL (the model sorted). */
static struct mhost *model_find(struct sim *s, const char *name)
{
    struct mhost key;

    if (s->unsorted) {
        qsort(s->m, (size_t)s->nm, sizeof(*s->m), mhost_cmp);
        s->unsorted = 0;
    }
    snprintf(key.name, sizeof(key.name), "%s", name);
    return s->nm ? bsearch(&key, s->m, (size_t)s->nm, sizeof(*s->m), mhost_cmp) : NULL;
}

/* A new model host NAME (the model becomes unsorted), or NULL. */
static struct mhost *model_add(struct sim *s, const char *name)
{
    struct mhost *grown = realloc(s->m, (size_t)(s->nm + 1) * sizeof(*grown)), *h;

    if (!grown)
        return NULL;
    s->m = grown;
    h = &s->m[s->nm++];
    memset(h, 0, sizeof(*h));
    snprintf(h->name, sizeof(h->name), "%s", name);
    h->hv = -1;
    s->unsorted = 1;
    return h;
}

/* The local time of T as "2026-03-02 08:05" (":SS" when not on a minute). */
static void stamp(const struct gf_local *l, char *buf, size_t len)
{
    int sec = (int)(((l->t + l->utc_offset) % 60 + 60) % 60);

    if (sec)
        snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", l->year, l->month, l->day,
                 l->minute / 60, l->minute % 60, sec);
    else
        snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", l->year, l->month, l->day, l->minute / 60,
                 l->minute % 60);
}

/* gf_clone stamps a new host's metadata with the wall clock; a simulated
 * host was made at the simulated time T (cooldowns count from it). */
static void stamp_clone(struct sim *s, int hv, const char *name, time_t t)
{
    virDomainPtr dom = hv >= 0 ? virDomainLookupByName(s->conns[hv], name) : NULL;
    struct gf_meta m;

    if (!dom)
        return;
    if (gf_meta_get(dom, &m) == 1) {
        m.since = m.created = t;
        gf_meta_set(dom, &m);
    }
    virDomainFree(dom);
}

/* Bring the model in line with what libvirt shows (OBS), at T. */
static int model_merge(struct sim *s, const struct gf_farm_obs *obs, time_t t)
{
    struct mhost *next = calloc((size_t)obs->nhosts + 1, sizeof(*next));

    if (!next) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; i < obs->nhosts; i++) {
        const struct gf_host_obs *h = &obs->hosts[i];
        struct mhost *old = model_find(s, h->name), *n = &next[i];
        int running = h->run == GF_RUN_RUNNING;
        if (old)
            *n = *old;
        else
            snprintf(n->name, sizeof(n->name), "%s", h->name);
        n->hv = h->hv;
        n->state = h->state;
        if (running && !n->running) /* running before the simulation, or started outside it */
            n->ready_at = t;
        if (!running && n->running) { /* stopped outside the model */
            s->r->crash_disconnects += n->sessions;
            n->sessions = 0;
        }
        n->running = running;
        if (!running)
            n->sessions = 0;
        if (old)
            old->name[0] = '\0'; /* seen */
    }
    for (int i = 0; i < s->nm; i++) /* gone from libvirt with users left */
        if (s->m[i].name[0])
            s->r->forced_logoffs += s->m[i].sessions;
    free(s->m);
    s->m = next;
    s->nm = obs->nhosts;
    s->unsorted = 0;
    return 0;
}

/* An admin's event ROW of the trace: a version sealed, one gone bad, a
 * roll-out asked for.  WHEN is its time as printed. */
static void admin_event(struct sim *s, const struct gf_trace_row *row, const char *when)
{
    const char *file = s->tr->file, *image = s->p->image;
    unsigned int v = row->event_version;

    switch (row->event) {
    case GF_TEV_VERSION:
        for (int i = 0; i < s->p->nhypervisors; i++)
            if (gf_sim_add_version(s->conns[i], image, v) < 0) {
                if (s->o->lines)
                    fprintf(s->o->lines, "%s version (%s:%d): %s v%u [failed: %s]\n", when, file,
                            row->line, image, v, gf_err_message());
                return;
            }
        s->stale = 1;
        if (s->o->lines)
            fprintf(s->o->lines, "%s version (%s:%d): %s v%u sealed\n", when, file, row->line,
                    image, v);
        break;
    case GF_TEV_BAD:
        if (s->nbad < (int)(sizeof(s->bad) / sizeof(s->bad[0]))) {
            s->bad_since[s->nbad] = row->t;
            s->bad[s->nbad++] = v;
        }
        if (s->o->lines)
            fprintf(s->o->lines,
                    "%s bad (%s:%d): hosts made of %s v%u from now on fail their health checks\n",
                    when, file, row->line, image, v);
        break;
    case GF_TEV_ROLLOUT: {
        char line[64], **grown;
        snprintf(line, sizeof(line), "start to=%u", v);
        if ((grown = realloc(s->mem.requests, (size_t)(s->mem.nrequests + 1) * sizeof(char *))) &&
            (grown[s->mem.nrequests] = strdup(line))) {
            s->mem.requests = grown;
            s->mem.nrequests++;
        } else if (grown) {
            s->mem.requests = grown;
        }
        if (s->o->lines)
            fprintf(s->o->lines, "%s rollout (%s:%d): an admin asks for %s v%u\n", when, file,
                    row->line, image, v);
        break;
    }
    default:
        break;
    }
}

/* Whether host H fails its health checks: made of a version gone bad (a
 * "bad" event) once it had. */
static int is_bad(const struct sim *s, const struct gf_host_obs *h)
{
    for (int i = 0; i < s->nbad; i++)
        if (s->bad[i] == h->image_version && h->created >= s->bad_since[i])
            return 1;
    return 0;
}

/* Events of the trace up to T: a crash destroys a host through libvirt;
 * an admin's event changes the image or asks for a roll-out. */
static void crashes(struct sim *s, const struct gf_local *now)
{
    const struct gf_trace *tr = s->tr;
    char when[32];

    stamp(now, when, sizeof(when));
    if (s->unsorted) {
        qsort(s->m, (size_t)s->nm, sizeof(*s->m), mhost_cmp);
        s->unsorted = 0;
    }
    for (; s->next_event < tr->nrows && tr->rows[s->next_event].t <= now->t; s->next_event++) {
        const struct gf_trace_row *row = &tr->rows[s->next_event];
        struct mhost *victim = NULL;
        virDomainPtr dom;
        if (row->event == GF_TEV_NONE || row->t < s->r->from)
            continue;
        if (row->event != GF_TEV_CRASH) {
            admin_event(s, row, when);
            continue;
        }
        if (row->event_host[0]) {
            victim = model_find(s, row->event_host);
            if (victim && !victim->running)
                victim = NULL;
        } else {
            for (int i = 0; i < s->nm; i++)
                if (s->m[i].running && s->m[i].state == GF_HS_ACTIVE &&
                    (!victim || s->m[i].sessions > victim->sessions))
                    victim = &s->m[i];
        }
        if (!victim) {
            if (s->o->lines)
                fprintf(s->o->lines, "%s crash (%s:%d): %s is not running: nothing crashed\n", when,
                        tr->file, row->line, row->event_host[0] ? row->event_host : "no host");
            continue;
        }
        dom = victim->hv >= 0 ? virDomainLookupByName(s->conns[victim->hv], victim->name) : NULL;
        s->stale = 1;
        if (!dom || virDomainDestroy(dom) < 0) {
            if (s->o->lines)
                fprintf(s->o->lines, "%s crash (%s:%d): %s [failed: cannot destroy it]\n", when,
                        tr->file, row->line, victim->name);
        } else {
            s->r->crashes++;
            s->r->crash_disconnects += victim->sessions;
            if (s->o->lines)
                fprintf(s->o->lines, "%s crash (%s:%d): %s stops, %d user%s disconnected%s\n", when,
                        tr->file, row->line, victim->name, victim->sessions,
                        victim->sessions == 1 ? "" : "s",
                        s->p->health_on ? "" : "; not replaced (the policy has no health group)");
            victim->running = 0;
            victim->sessions = 0;
        }
        if (dom)
            virDomainFree(dom);
    }
}

/* Place the trace's DEMAND users on the hosts at T, step DT, with balance
 * BALANCE; fill OBS's sessions; record the step's figures. */
static void place_users(struct sim *s, struct gf_farm_obs *obs, time_t t, int dt, int demand,
                        int active, enum gf_balance balance)
{
    const int max = s->p->max_sessions;
    int draining = 0, serving = 0, running = 0, place, served, k;

    for (int i = 0; i < s->nm; i++) {
        struct mhost *h = &s->m[i];
        if (!h->running)
            continue;
        running++;
        if (h->state == GF_HS_DRAINING) {
            long long leave = ((long long)h->sessions * s->o->leave_pct * dt + 5999) / 6000;
            h->sessions -= leave > h->sessions ? h->sessions : (int)leave;
            draining += h->sessions;
        } else if (h->state == GF_HS_ACTIVE && h->ready_at <= t) {
            serving++;
        }
    }
    /* fewer users than are left on draining hosts: the difference logs off there */
    for (int i = 0; i < s->nm && draining > demand; i++) {
        struct mhost *h = &s->m[i];
        int off;
        if (!h->running || h->state != GF_HS_DRAINING)
            continue;
        off = draining - demand < h->sessions ? draining - demand : h->sessions;
        h->sessions -= off;
        draining -= off;
    }
    place = demand - draining;
    served = place < serving * max ? place : serving * max;
    k = 0;
    for (int i = 0; i < s->nm; i++) {
        struct mhost *h = &s->m[i];
        if (!h->running || h->state == GF_HS_DRAINING)
            continue;
        if (h->state != GF_HS_ACTIVE || h->ready_at > t) {
            h->sessions = 0;
            continue;
        }
        if (balance == GF_BREADTH)
            h->sessions = served / serving + (k < served % serving);
        else {
            int left = served - k * max;
            h->sessions = left <= 0 ? 0 : left < max ? left : max;
        }
        k++;
    }
    for (int i = 0; i < obs->nhosts; i++) {
        struct gf_host_obs *h = &obs->hosts[i];
        const struct mhost *m = &s->m[i]; /* the model is in OBS's order */
        if (h->run != GF_RUN_RUNNING)
            continue;
        h->sessions = m->sessions;
        h->active_sessions = active < 0 || demand == 0
                                 ? m->sessions
                                 : (int)(((long long)m->sessions * active + demand / 2) / demand);
    }
}

/* The figures of the interval [T, T + DT) after the step's actions: hosts
 * running, hosts serving, and the users they cannot take. */
static void account(struct sim *s, time_t t, int dt, int demand, enum gf_phase_id phase)
{
    const int max = s->p->max_sessions;
    struct gf_sim_result *r = s->r;
    int draining = 0, serving = 0, running = 0, place, served, refused;

    for (int i = 0; i < s->nm; i++) {
        const struct mhost *h = &s->m[i];
        if (!h->running)
            continue;
        running++;
        if (h->state == GF_HS_DRAINING)
            draining += h->sessions;
        else if (h->state == GF_HS_ACTIVE && h->ready_at <= t)
            serving++;
    }
    place = demand > draining ? demand - draining : 0;
    served = place < serving * max ? place : serving * max;
    refused = place - served;
    r->host_seconds += (long long)running * dt;
    if (running > r->peak_hosts)
        r->peak_hosts = running;
    if (serving > r->peak_in_service)
        r->peak_in_service = serving;
    if (demand > r->peak_sessions)
        r->peak_sessions = demand;
    if (refused > 0) {
        r->over_seconds += dt;
        r->refused_user_seconds += (long long)refused * dt;
    }
    if (s->o->keep_series) {
        struct gf_sim_sample *x = &r->series[r->nseries++];
        x->t = t;
        x->demand = demand;
        x->served = (demand < draining ? demand : draining) + served;
        x->in_service = serving;
        x->running = running;
        x->capacity = serving * max;
        x->phase = (unsigned char)phase;
    }
}

/* The notes of PLAN joined with "; " (a static buffer). */
static const char *plan_notes(const struct gf_policy *p, const struct gf_plan *plan,
                              const char *unused)
{
    static char buf[4096];
    size_t n = 0;

    (void)unused;
    buf[0] = '\0';
    for (int i = 0; i < plan->nactions && n < sizeof(buf) - 1; i++) {
        char line[512];
        if (plan->actions[i].kind != GF_ACT_NOTE)
            continue;
        gf_action_line(p, &plan->actions[i], line, sizeof(line));
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "; " : "", line);
    }
    return buf;
}

/* Account for the outcome of PLAN (made on FARM) at NOW in the model and
 * the figures, and print its lines. */
static void after_act(struct sim *s, const struct gf_farm_obs *farm, const struct gf_plan *plan,
                      const struct gf_outcome *out, const struct gf_local *now)
{
    struct gf_sim_result *r = s->r;
    const struct gf_policy *p = s->p;
    time_t t = now->t;
    int undrains = 0, outs = 0, drains = 0;
    char when[32], *notes = NULL;
    size_t notes_len = 0;
    FILE *nf = open_memstream(&notes, &notes_len);

    stamp(now, when, sizeof(when));
    for (int i = 0; i < plan->nactions; i++) {
        const struct gf_action *a = &plan->actions[i];
        struct mhost *h;
        char line[512];
        gf_action_line(p, a, line, sizeof(line));
        if (a->kind == GF_ACT_NOTE) {
            if (nf)
                fprintf(nf, "%s%s", ftell(nf) ? "; " : "", line);
            continue;
        }
        if (s->o->lines) {
            if (out->result[i] == 0)
                fprintf(s->o->lines, "%s %s [done]\n", when, line);
            else
                fprintf(s->o->lines, "%s %s [failed: %s]\n", when, line, out->error[i]);
        }
        if (out->result[i] != 0) {
            r->failed++;
            continue;
        }
        h = a->kind == GF_ACT_CLONE ? NULL : model_find(s, a->host);
        switch (a->kind) {
        case GF_ACT_CLONE:
            stamp_clone(s, a->hv, a->host, t);
            if (a->standby) {
                r->standby_clones++;
                /* a saved or running standby boots first (costing host-hours) */
                if (a->standby_kind != GF_SB_OFF && (h = model_add(s, a->host))) {
                    h->hv = a->hv;
                    h->state = GF_HS_STANDBY;
                    h->running = 1;
                    h->ready_at = t == r->from ? t : t + s->o->boot_time;
                }
                break;
            }
            r->clones++;
            outs++;
            if ((h = model_add(s, a->host))) {
                h->hv = a->hv;
                h->state = GF_HS_ACTIVE;
                h->running = 1;
                /* the first evaluation builds the farm as it stood when the
                 * recording began: those hosts serve at once */
                h->ready_at = t == r->from ? t : t + s->o->boot_time;
            }
            break;
        case GF_ACT_START:
            r->starts++;
            outs++;
            r->standby_starts[a->standby ? a->standby_kind : GF_SB_OFF] += a->standby;
            if (h) {
                h->running = 1;
                h->state = GF_HS_ACTIVE;
                h->ready_at =
                    t == r->from
                        ? t
                        : gf_sim_ready_at(s->o, a->standby ? a->standby_kind : GF_SB_OFF, t);
                r->start_wait_seconds += (long long)(h->ready_at - t);
                h->sessions = 0;
            }
            break;
        case GF_ACT_SAVE:
            r->saves++;
            if (h)
                h->running = 0; /* its memory on disk: no more host-hours */
            break;
        case GF_ACT_QUARANTINE:
            if (h) {
                h->state = GF_HS_QUARANTINED;
                h->running = 0;
            }
            r->replacements++;
            break;
        case GF_ACT_DRAIN:
            if (h)
                h->state = GF_HS_DRAINING;
            r->drains++;
            drains++;
            break;
        case GF_ACT_UNDRAIN:
            if (h)
                h->state = GF_HS_ACTIVE;
            r->undrains++;
            undrains++;
            break;
        case GF_ACT_LOGOFF:
            r->logoffs++;
            if (h) {
                r->forced_logoffs += h->sessions;
                h->sessions = 0;
            }
            break;
        case GF_ACT_RETIRE:
            r->retirements++;
            if (h) {
                r->forced_logoffs += h->sessions;
                h->sessions = 0;
                h->running = 0;
            }
            break;
        case GF_ACT_RESIZE: {
            const struct gf_host_obs *o = gf_farm_host(farm, a->host);
            r->resizes++;
            r->shrinks += a->resize_at == GF_RESIZE_NEXT_BOOT;
            if (a->resize_at == GF_RESIZE_LIVE && o && a->vcpus)
                r->vcpus_added += a->vcpus - o->vcpus;
            if (a->resize_at == GF_RESIZE_LIVE && o && a->memory_kib)
                r->memory_added_kib += (long long)(a->memory_kib - o->memory_kib);
            break;
        }
        case GF_ACT_OPEN_BREAKER:
            r->breaker_openings++;
            break;
        case GF_ACT_ROLLOUT:
            r->rollout_steps++;
            break;
        default: /* notes, and what has no effect on the model */
            break;
        }
    }
    /* flaps: capacity given back and taken again within a cooldown */
    if (undrains)
        r->flaps += undrains;
    else if (outs && s->last_drain && t - s->last_drain < p->cooldown_in)
        r->flaps++;
    if (drains && s->last_out && t - s->last_out < p->cooldown_out)
        r->flaps++;
    if (drains)
        s->last_drain = t;
    if (outs)
        s->last_out = t;
    if (nf)
        fclose(nf);
    /* a note is printed when it says something new, not when only its
     * numbers moved (a cooldown counting down) */
    if (notes) {
        char *w = notes;
        for (const char *c = notes; *c; c++)
            if (*c < '0' || *c > '9')
                *w++ = *c;
            else if (w == notes || w[-1] != '#')
                *w++ = '#';
        *w = '\0';
    }
    if (notes && (!s->prev_notes || strcmp(notes, s->prev_notes) != 0)) {
        if (*notes && s->o->lines)
            fprintf(s->o->lines, "%s note: %s\n", when, plan_notes(p, plan, when));
        free(s->prev_notes);
        s->prev_notes = notes;
    } else {
        free(notes);
    }
}

/* The tick's observation: a copy of what libvirt's model showed when it
 * last changed (the simulator is its only writer). */
static int sim_observe(void *opaque, const struct gf_local *now, struct gf_farm_obs *out)
{
    struct sim *s = opaque;

    if (s->stale) {
        gf_farm_obs_clear(&s->seen);
        if (gf_observe(s->p, s->conns, now, &s->seen) < 0)
            return -1;
        s->stale = 0;
    }
    *out = s->seen;
    out->hosts = malloc(((size_t)s->seen.nhosts + 1) * sizeof(*out->hosts));
    out->taken = malloc(((size_t)s->seen.ntaken + 1) * sizeof(*out->taken));
    out->requests = NULL;
    out->nrequests = 0;
    if (!out->hosts || !out->taken) {
        gf_farm_obs_clear(out);
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    if (s->seen.nhosts)
        memcpy(out->hosts, s->seen.hosts, (size_t)s->seen.nhosts * sizeof(*out->hosts));
    if (s->seen.ntaken)
        memcpy(out->taken, s->seen.taken, (size_t)s->seen.ntaken * sizeof(*out->taken));
    return 0;
}

/* What the test driver cannot tell the tick: the model's users on each
 * host (the trace's demand placed by the phase's balance). */
static void sim_model(void *opaque, struct gf_farm_obs *farm, const struct gf_local *now)
{
    struct sim *s = opaque;
    struct gf_phase_at phase;
    struct gf_sim_short shortage;
    int row;

    if (model_merge(s, farm, now->t) < 0) {
        s->failed = 1;
        return;
    }
    row = gf_trace_at(s->tr, now->t, &s->trace_hint);
    gf_schedule_phase(s->p, now, &phase);
    place_users(s, farm, now->t, s->dt, row < 0 ? 0 : s->tr->rows[row].sessions,
                row < 0 ? -1 : s->tr->rows[row].active, phase.params->balance);
    gf_sim_load_fill(s->p, s->tr, row < 0 ? NULL : &s->tr->rows[row], farm, &shortage);
    s->r->cpu_short_host_seconds += (long long)shortage.cpu * s->dt;
    s->r->memory_short_host_seconds += (long long)shortage.memory * s->dt;
    /* the test driver has no guest agent: the model says whose would
     * answer (booted, and not of a bad version) */
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        /* a saved or running standby is ready once booted: the model says */
        if (h->run == GF_RUN_RUNNING &&
            (s->agent_model || (h->state == GF_HS_STANDBY && h->standby_kind != GF_SB_OFF)))
            h->agent = s->m[i].ready_at <= now->t && !is_bad(s, h);
    }
}

/* One step at T: a crash from the trace, then goldfarmd's own tick
 * (observe, assess, plan, act) on the model, then the figures. */
static int step(struct sim *s, time_t t, int dt, struct gf_tick *tick)
{
    struct gf_tick_env env = {.p = s->p,
                              .conns = s->conns,
                              .mem = &s->mem,
                              .act = 1,
                              .parallel = 1,
                              .stop_timeout = 0,
                              .observe = sim_observe,
                              .model = sim_model,
                              .opaque = s};
    struct gf_local now;
    struct gf_phase_at phase;
    int row, ret = -1;

    if (gf_local_time(s->p->timezone, t, &now) < 0)
        return -1;
    crashes(s, &now);
    s->dt = dt;
    if (gf_tick_run(&env, t, tick) < 0 || s->failed)
        goto done;
    after_act(s, &tick->farm, &tick->plan, &tick->outcome, &tick->local);
    for (int i = 0; i < tick->plan.nactions; i++)
        if (tick->plan.actions[i].kind != GF_ACT_NOTE)
            s->stale = 1; /* libvirt's model changed */
    row = gf_trace_at(s->tr, t, &s->trace_hint);
    gf_schedule_phase(s->p, &now, &phase);
    account(s, t, dt, row < 0 ? 0 : s->tr->rows[row].sessions, phase.phase);
    if (tick->plan.nactions)
        s->r->evaluations++;
    if (s->o->log && (tick->plan.nactions || !s->logged_idle) &&
        gf_decision_write(s->o->log, s->p, t, &tick->plan, GF_DECIDED_ACTED, &tick->outcome, NULL) <
            0)
        goto done;
    s->logged_idle = tick->plan.nactions == 0;
    ret = 0;
done:
    gf_tick_clear(tick);
    return ret;
}

int gf_simulate(struct gf_policy *p, const struct gf_trace *tr, const struct gf_sim_opts *o,
                struct gf_sim_result *out)
{
    struct sim s = {.p = p, .tr = tr, .o = o, .r = out, .trace_hint = -1, .stale = 1};
    struct gf_tick *tick = malloc(sizeof(*tick));
    FILE *saved_log = gf_log_stream();
    int dt, ret = -1;
    long long nsteps;

    memset(out, 0, sizeof(*out));
    snprintf(out->policy, sizeof(out->policy), "%s", p->file);
    snprintf(out->farm, sizeof(out->farm), "%s", p->name);
    snprintf(out->zone, sizeof(out->zone), "%s", p->timezone);
    out->max_sessions = p->max_sessions;
    if (!tick) {
        gf_err(GF_ERR_OP, "out of memory");
        goto done;
    }
    if (strcmp(tr->farm, p->name) != 0) {
        gf_err(GF_ERR_INPUT, "%s:%d: farm '%s' is not the farm of policy %s ('%s')", tr->file,
               tr->farm_line, tr->farm, p->file, p->name);
        goto done;
    }
    dt = tr->resolution < p->tick ? tr->resolution : p->tick;
    out->from = o->from ? o->from : tr->rows[0].t;
    out->to = o->to ? o->to : tr->rows[tr->nrows - 1].t + tr->resolution;
    if (out->from < tr->rows[0].t) {
        gf_err(GF_ERR_INPUT, "--from is before the first sample of %s (line %d)", tr->file,
               tr->rows[0].line);
        goto done;
    }
    if (out->to <= out->from) {
        gf_err(GF_ERR_INPUT, "nothing to simulate: the span ends before it starts");
        goto done;
    }
    nsteps = (out->to - out->from + dt - 1) / dt;
    if (nsteps > 10 * 1000 * 1000) {
        gf_err(GF_ERR_INPUT, "%lld steps of %ds: a span that long is not simulated", nsteps, dt);
        goto done;
    }
    out->step = dt;
    if (o->keep_series && !(out->series = calloc((size_t)nsteps, sizeof(*out->series)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto done;
    }
    /* the daemon's code, without side effects outside libvirt's model */
    p->load_source = GF_LOAD_EXTERNAL;
    p->notify.argc = p->logoff.argc = p->drain_hook.argc = p->join_hook.argc = 0;
    /* the test driver has no guest agent and fake CPU figures: only a host
     * that is down (a crash from the trace) is seen failing */
    p->cpu_pegged_pct = 0;
    p->health_command.argc = 0;
    /* the model answers for the agents when the trace makes a version bad:
     * its hosts then fall silent, and are seen failing after the timeout */
    for (int i = 0; i < tr->nrows; i++)
        s.agent_model |= tr->rows[i].event == GF_TEV_BAD;
    if (s.agent_model && p->health_on) {
        int least = o->boot_time + 60;
        if (p->agent_timeout < least)
            p->agent_timeout = least;
    } else {
        p->agent_timeout = 0;
    }
    gf_log_set_stream(NULL); /* the library's own notes: the simulator prints its lines */
    gf_meta_cache_enable(1); /* the only writer of its private connection */
    gf_disk_index_enable(GF_INDEX_SOLE_WRITER);
    if (p->nhypervisors == 1) /* the farm simulated on stands for the policy's hypervisor */
        snprintf(p->hypervisors[0].uri, sizeof(p->hypervisors[0].uri), "%s", o->farm_uri);
    for (int i = 0; i < p->nhypervisors; i++) {
        if (!(s.conns[i] = gf_connect(o->farm_uri)) ||
            gf_sim_ensure_gold(p, s.conns[i], o->farm_uri) < 0)
            goto done;
    }
    for (long long k = 0; k < nsteps; k++) {
        time_t t = out->from + (time_t)(k * dt);
        if (step(&s, t, dt, tick) < 0)
            goto done;
        out->steps++;
    }
    gf_err_clear();
    ret = 0;
done:
    gf_log_set_stream(saved_log);
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        if (s.conns[i])
            virConnectClose(s.conns[i]);
    free(s.m);
    free(s.prev_notes);
    gf_farm_obs_clear(&s.seen);
    gf_mem_clear(&s.mem);
    gf_meta_cache_enable(0);
    gf_disk_index_enable(GF_INDEX_OFF);
    free(tick);
    return ret;
}

void gf_sim_result_free(struct gf_sim_result *r)
{
    free(r->series);
    r->series = NULL;
    r->nseries = 0;
}
