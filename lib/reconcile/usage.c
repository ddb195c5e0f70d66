/* usage.c - each host's CPU and memory use over ticks. */
#include "reconcile/usage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* The record of NAME in U at or after *AT (U sorted by name, NAMES asked
 * in order), or NULL; *AT moves past what is behind NAME. */
static const struct gf_usage_rec *find(const struct gf_usage *u, const char *name, int *at)
{
    while (*at < u->nrecs && strcmp(u->recs[*at].name, name) < 0)
        (*at)++;
    return *at < u->nrecs && strcmp(u->recs[*at].name, name) == 0 ? &u->recs[*at] : NULL;
}

/* X smoothed into AVG (< 0: none yet) over WINDOW seconds after DT: an
 * exponential moving average.  X < 0 (not known now) makes it unknown. */
static double smooth(double avg, double x, time_t dt, int window)
{
    if (x < 0)
        return -1;
    if (avg < 0 || window <= 0 || dt <= 0)
        return x;
    return avg + (x - avg) * (1.0 - exp(-(double)dt / window));
}

/* SINCE for a figure V that is past its mark when PAST, at NOW. */
static time_t since(time_t was, double v, int past, time_t now)
{
    if (v < 0 || !past)
        return 0;
    return was ? was : now;
}

/* This sample's CPU use of H, with R its record before it (R->at < NOW):
 * from the load source, else from the CPU counter's step; -1 when neither
 * tells (the first sample of a counter, or a counter that went back). */
static double cpu_sample(const struct gf_host_obs *h, const struct gf_usage_rec *r, int counter,
                         unsigned long long ns, time_t now)
{
    double pct;

    if (h->load_cpu_pct >= 0)
        return h->load_cpu_pct;
    if (!counter || r->counter != counter || !r->at || ns < r->ns || h->vcpus <= 0)
        return -1;
    pct = 100.0 * (double)(ns - r->ns) / ((double)(now - r->at) * 1e9 * h->vcpus);
    return pct > 100 ? 100 : pct;
}

/* Take H's sample of NOW into R under P. */
static void sample(struct gf_usage_rec *r, const struct gf_policy *p, const struct gf_host_obs *h,
                   time_t now)
{
    int counter = h->vcpu_ns ? 1 : h->cpu_ns ? 2 : 0;
    unsigned long long ns = counter == 1 ? h->vcpu_ns : h->cpu_ns;
    time_t dt = r->at && now > r->at ? now - r->at : 0;
    double mem = h->load_mem_pct >= 0 ? h->load_mem_pct
                 : h->mem_total_kib   ? 100.0 * (double)h->mem_avail_kib / (double)h->mem_total_kib
                                      : -1;

    r->cpu = smooth(r->cpu, cpu_sample(h, r, counter, ns, now), dt, p->window);
    r->mem = smooth(r->mem, mem, dt, p->window);
    r->cpu_high = since(r->cpu_high, r->cpu, r->cpu > p->cpu_above, now);
    r->cpu_low = since(r->cpu_low, r->cpu, r->cpu < p->cpu_below, now);
    r->mem_low = since(r->mem_low, r->mem, r->mem < p->memory_below, now);
    r->mem_high = since(r->mem_high, r->mem, r->mem > p->memory_above, now);
    r->counter = counter;
    r->ns = ns;
    r->at = now;
}

int gf_usage_update(struct gf_usage *u, const struct gf_policy *p, struct gf_farm_obs *farm,
                    time_t now)
{
    time_t gap = p->tick / 2 > 1 ? p->tick / 2 : 1;
    struct gf_usage_rec *next;
    int n = 0, at = 0;

    if (!gf_policy_uses_usage(p)) {
        gf_usage_clear(u);
        return 0;
    }
    if (!(next = calloc((size_t)farm->nhosts + 1, sizeof(*next)))) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    /* the farm's hosts are sorted by name, and so is what U keeps */
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        const struct gf_usage_rec *old = find(u, h->name, &at);
        struct gf_usage_rec *r;
        if (h->run != GF_RUN_RUNNING)
            continue;
        r = &next[n++];
        if (old) {
            *r = *old;
        } else {
            snprintf(r->name, sizeof(r->name), "%s", h->name);
            r->cpu = r->mem = -1;
        }
        /* a sample of its own needs half a tick; a clock gone back starts afresh */
        if (!r->at || now < r->at || now - r->at >= gap) {
            if (now < r->at)
                r->at = 0;
            sample(r, p, h, now);
        }
        h->cpu_pct = r->cpu;
        h->mem_avail_pct = r->mem;
        h->cpu_high_since = r->cpu_high;
        h->cpu_low_since = r->cpu_low;
        h->mem_low_since = r->mem_low;
        h->mem_high_since = r->mem_high;
    }
    free(u->recs);
    u->recs = next;
    u->nrecs = n;
    return 0;
}

void gf_usage_resized(struct gf_usage *u, const char *host)
{
    for (int i = 0; i < u->nrecs; i++) {
        struct gf_usage_rec *r = &u->recs[i];
        if (strcmp(r->name, host) != 0)
            continue;
        r->cpu = r->mem = -1;
        r->cpu_high = r->cpu_low = r->mem_low = r->mem_high = 0;
    }
}

/* Each record is an array:
 *   [NAME, COUNTER, NS, AT, CPU, MEM, CPU_HIGH, CPU_LOW, MEM_LOW, MEM_HIGH]
 * compact, because a farm of 1,000 hosts writes it every tick. */
json_object *gf_usage_to_json(const struct gf_usage *u)
{
    json_object *a = json_object_new_array_ext(u->nrecs);

    if (!a) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    for (int i = 0; i < u->nrecs; i++) {
        const struct gf_usage_rec *r = &u->recs[i];
        json_object *e = json_object_new_array_ext(10);
        if (!e) {
            json_object_put(a);
            gf_err(GF_ERR_OP, "out of memory");
            return NULL;
        }
        json_object_array_add(e, json_object_new_string(r->name));
        json_object_array_add(e, json_object_new_int(r->counter));
        json_object_array_add(e, json_object_new_int64((int64_t)r->ns));
        json_object_array_add(e, json_object_new_int64(r->at));
        json_object_array_add(e, json_object_new_double(r->cpu));
        json_object_array_add(e, json_object_new_double(r->mem));
        json_object_array_add(e, json_object_new_int64(r->cpu_high));
        json_object_array_add(e, json_object_new_int64(r->cpu_low));
        json_object_array_add(e, json_object_new_int64(r->mem_low));
        json_object_array_add(e, json_object_new_int64(r->mem_high));
        json_object_array_add(a, e);
    }
    return a;
}

/* Element I of array E as a number (int or double), DEF when not one. */
static double number(json_object *e, size_t i, double def)
{
    json_object *v = json_object_array_get_idx(e, i);

    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return def;
    return json_object_get_double(v);
}

/* Element I of array E as a whole number, 0 when not one. */
static long long whole(json_object *e, size_t i)
{
    json_object *v = json_object_array_get_idx(e, i);

    return json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v) : 0;
}

int gf_usage_from_json(json_object *a, struct gf_usage *u)
{
    size_t n = json_object_array_length(a);

    memset(u, 0, sizeof(*u));
    if (!n)
        return 0;
    if (!(u->recs = calloc(n, sizeof(*u->recs)))) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(a, i), *name;
        struct gf_usage_rec *r = &u->recs[u->nrecs];
        if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 10 ||
            !json_object_is_type(name = json_object_array_get_idx(e, 0), json_type_string) ||
            json_object_get_string_len(name) > GF_NAME_MAX ||
            (u->nrecs && strcmp(json_object_get_string(name), u->recs[u->nrecs - 1].name) <= 0))
            continue; /* not one gf_usage_to_json wrote, or out of order */
        snprintf(r->name, sizeof(r->name), "%s", json_object_get_string(name));
        r->counter = (int)whole(e, 1);
        r->ns = (unsigned long long)whole(e, 2);
        r->at = (time_t)whole(e, 3);
        r->cpu = number(e, 4, -1);
        r->mem = number(e, 5, -1);
        r->cpu_high = (time_t)whole(e, 6);
        r->cpu_low = (time_t)whole(e, 7);
        r->mem_low = (time_t)whole(e, 8);
        r->mem_high = (time_t)whole(e, 9);
        u->nrecs++;
    }
    return 0;
}

int gf_usage_copy(struct gf_usage *dst, const struct gf_usage *src)
{
    memset(dst, 0, sizeof(*dst));
    if (!src->nrecs)
        return 0;
    if (!(dst->recs = malloc((size_t)src->nrecs * sizeof(*dst->recs)))) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    memcpy(dst->recs, src->recs, (size_t)src->nrecs * sizeof(*dst->recs));
    dst->nrecs = src->nrecs;
    return 0;
}

void gf_usage_clear(struct gf_usage *u)
{
    free(u->recs);
    u->recs = NULL;
    u->nrecs = 0;
}
