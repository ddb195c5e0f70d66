/* plan_resize.c - the vertical rules: a host whose CPU or memory stays
 * short grows, live, one step at a time; an idle grown host gives back
 * what it no longer needs at its next boot.  Pure. */
#include "plan/plan.h"
#include "plan/plan_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Whether the figure past its mark SINCE (0: not past) has stayed past it
 * for AFTER seconds at NOW. */
static int lasted(time_t since, int after, time_t now)
{
    return since && now >= since && now - since >= after;
}

/* SECS as "45s" (under a minute), "5m", "1h30m" (whole minutes) into BUF. */
static void span_text(long long secs, char *buf, size_t len)
{
    if (secs < 60)
        snprintf(buf, len, "%llds", secs);
    else if (secs < 3600)
        snprintf(buf, len, "%lldm", secs / 60);
    else if (secs % 3600 < 60)
        snprintf(buf, len, "%lldh", secs / 3600);
    else
        snprintf(buf, len, "%lldh%lldm", secs / 3600, secs % 3600 / 60);
}

/* What a host grows to, and why. */
struct growth {
    int vcpus;                     /* 0: none */
    unsigned long long memory_kib; /* 0: none */
    char cpu_why[96], mem_why[96];
};

/* Whether H's CPU has stayed above the mark for grow_after: its next step
 * (within the policy's and the domain's maximum) into G, with the numbers
 * behind it.  A host at its domain's maximum below the policy's gets a
 * note.  Notes hold no figure that moves from tick to tick: goldfarmd logs
 * a note again only when its words change. */
static void grow_cpu(struct planner *pl, const struct gf_host_obs *h, struct growth *g)
{
    const struct gf_policy *p = pl->p;
    int limit = p->max_vcpus;
    char lasting[16];

    if (!p->max_vcpus || !lasted(h->cpu_high_since, p->grow_after, pl->now->t))
        return;
    if (h->vcpus_max && h->vcpus_max < limit)
        limit = h->vcpus_max;
    span_text(pl->now->t - h->cpu_high_since, lasting, sizeof(lasting));
    if (h->vcpus >= limit) {
        if (h->vcpus < p->max_vcpus)
            plan_add(pl, GF_ACT_NOTE, h->name,
                     "%s: %s short of CPU, at its domain's maximum of %d vCPUs "
                     "(scaling.max_vcpus %d): no resize",
                     pl->label, h->name, h->vcpus_max, p->max_vcpus);
        return;
    }
    g->vcpus = h->vcpus + p->vcpu_step < limit ? h->vcpus + p->vcpu_step : limit;
    snprintf(g->cpu_why, sizeof(g->cpu_why), "CPU %.0f%% > %d%% for %s with %d vCPU%s", h->cpu_pct,
             p->cpu_above, lasting, h->vcpus, h->vcpus == 1 ? "" : "s");
}

/* The same for H's memory available staying under the mark. */
static void grow_memory(struct planner *pl, const struct gf_host_obs *h, struct growth *g)
{
    const struct gf_policy *p = pl->p;
    unsigned long long limit = p->max_memory_kib;
    char lasting[16];

    if (!p->max_memory_kib || !lasted(h->mem_low_since, p->grow_after, pl->now->t))
        return;
    if (h->memory_max_kib && h->memory_max_kib < limit)
        limit = h->memory_max_kib;
    span_text(pl->now->t - h->mem_low_since, lasting, sizeof(lasting));
    if (h->memory_kib >= limit) {
        if (h->memory_kib < p->max_memory_kib)
            plan_add(pl, GF_ACT_NOTE, h->name,
                     "%s: %s short of memory, at its domain's maximum of %lluM "
                     "(scaling.max_memory %lluM): no resize",
                     pl->label, h->name, h->memory_max_kib >> 10, p->max_memory_kib >> 10);
        return;
    }
    g->memory_kib =
        h->memory_kib + p->memory_step_kib < limit ? h->memory_kib + p->memory_step_kib : limit;
    snprintf(g->mem_why, sizeof(g->mem_why), "memory available %.0f%% < %d%% for %s with %lluM",
             h->mem_avail_pct, p->memory_below, lasting, h->memory_kib >> 10);
}

/* Keep G within what H's hypervisor has free: a step it cannot take is
 * dropped with a note. */
static void hypervisor_room(struct planner *pl, const struct gf_host_obs *h, struct growth *g)
{
    int free_vcpus = pl->free_vcpus[h->hv];

    if (g->vcpus && free_vcpus != INT_MAX && g->vcpus - h->vcpus > free_vcpus) {
        plan_add(pl, GF_ACT_NOTE, h->name,
                 "%s: %s short of CPU, but its hypervisor has %d vCPU%s free (%d CPUs x "
                 "scaling.cpu_overcommit %d): no vCPU added",
                 pl->label, h->name, free_vcpus > 0 ? free_vcpus : 0, free_vcpus == 1 ? "" : "s",
                 pl->farm->hv[h->hv].cpus, pl->p->cpu_overcommit);
        g->vcpus = 0;
    }
    if (g->memory_kib && g->memory_kib - h->memory_kib > pl->free_kib[h->hv]) {
        plan_add(pl, GF_ACT_NOTE, h->name,
                 "%s: %s short of memory, but its hypervisor has %lluM free: no memory added",
                 pl->label, h->name, pl->free_kib[h->hv] >> 10);
        g->memory_kib = 0;
    }
}

/* Grow H as the vertical rules say, if it is short and its
 * cooldown is over.  Returns whether it was acted on or held back. */
static int grow(struct planner *pl, const struct gf_host_obs *h)
{
    const struct gf_policy *p = pl->p;
    struct growth g = {0};
    struct gf_action *a;

    grow_cpu(pl, h, &g);
    grow_memory(pl, h, &g);
    if (!g.vcpus && !g.memory_kib)
        return 0;
    if (h->resized && pl->now->t >= h->resized && pl->now->t - h->resized < p->resize_cooldown) {
        char until[16];
        plan_clock_text(pl->now, h->resized + p->resize_cooldown, until, sizeof(until));
        plan_add(pl, GF_ACT_NOTE, h->name,
                 "%s: %s short of %s: no resize before %s (scaling.resize_cooldown %ds)", pl->label,
                 h->name,
                 g.vcpus && g.memory_kib ? "CPU and memory"
                 : g.vcpus               ? "CPU"
                                         : "memory",
                 until, p->resize_cooldown);
        return 1;
    }
    hypervisor_room(pl, h, &g);
    if (!g.vcpus && !g.memory_kib)
        return 1;
    if ((a = plan_add(pl, GF_ACT_RESIZE, h->name, "%s: %s %s%s%s", pl->label, h->name,
                      g.vcpus ? g.cpu_why : "", g.vcpus && g.memory_kib ? " and " : "",
                      g.memory_kib ? g.mem_why : ""))) {
        a->vcpus = g.vcpus;
        a->memory_kib = g.memory_kib;
        a->resize_at = GF_RESIZE_LIVE;
    }
    if (g.vcpus && pl->free_vcpus[h->hv] != INT_MAX)
        pl->free_vcpus[h->hv] -= g.vcpus - h->vcpus;
    if (g.memory_kib)
        pl->free_kib[h->hv] -= g.memory_kib - h->memory_kib;
    return 1;
}

/* Give back what grown host H no longer needs, in its definition, for its
 * next boot: down to the farm's size, once its CPU (its memory) has stayed
 * under the mark for shrink_after and its cooldown is over.  A shrink
 * already waiting for its boot is not planned again.  Returns whether it
 * was planned. */
static int shrink(struct planner *pl, const struct gf_host_obs *h)
{
    const struct gf_policy *p = pl->p;
    time_t now = pl->now->t;
    int vcpus = 0;
    unsigned long long memory = 0;
    char cpu_why[96] = "", mem_why[96] = "", lasting[16];
    struct gf_action *a;

    if (h->resized && now >= h->resized && now - h->resized < p->resize_cooldown)
        return 0;
    if (h->vcpus > p->vcpus && h->boot_vcpus != p->vcpus &&
        lasted(h->cpu_low_since, p->shrink_after, now)) {
        vcpus = p->vcpus;
        span_text(now - h->cpu_low_since, lasting, sizeof(lasting));
        snprintf(cpu_why, sizeof(cpu_why), "CPU %.0f%% < %d%% for %s with %d vCPUs", h->cpu_pct,
                 p->cpu_below, lasting, h->vcpus);
    }
    if (h->memory_kib > p->memory_kib && h->boot_memory_kib != p->memory_kib &&
        lasted(h->mem_high_since, p->shrink_after, now)) {
        memory = p->memory_kib;
        span_text(now - h->mem_high_since, lasting, sizeof(lasting));
        snprintf(mem_why, sizeof(mem_why), "memory available %.0f%% > %d%% for %s with %lluM",
                 h->mem_avail_pct, p->memory_above, lasting, h->memory_kib >> 10);
    }
    if (!vcpus && !memory)
        return 0;
    if ((a = plan_add(pl, GF_ACT_RESIZE, h->name, "%s: %s %s%s%s", pl->label, h->name, cpu_why,
                      vcpus && memory ? " and " : "", mem_why))) {
        a->vcpus = vcpus;
        a->memory_kib = memory;
        a->resize_at = GF_RESIZE_NEXT_BOOT;
    }
    return 1;
}

void plan_resize(struct planner *pl, int *touched)
{
    enum gf_resize_mode mode = pl->out->phase.params->resize;

    if (mode == GF_RESIZE_NONE)
        return;
    for (int i = 0; i < pl->farm->nhosts; i++) {
        const struct gf_host_obs *h = &pl->farm->hosts[i];
        if (h->state != GF_HS_ACTIVE || h->run != GF_RUN_RUNNING || !plan_hv_ok(pl, h) ||
            touched[i] || plan_failing(pl->p, h))
            continue;
        if ((mode == GF_RESIZE_BOTH || mode == GF_RESIZE_GROW) && grow(pl, h)) {
            touched[i] = 1;
            continue;
        }
        if ((mode == GF_RESIZE_BOTH || mode == GF_RESIZE_SHRINK) && shrink(pl, h))
            touched[i] = 1;
    }
}
