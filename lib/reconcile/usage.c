/* usage.c - each host's CPU and memory use over ticks. */
#include "reconcile/usage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

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

/* The saved form: a GVariant "(usa(ttxddxxxx))", base64: a format version,
 * the names joined by line feeds (a Goldfarm name has no whitespace), and a
 * fixed array of the numbers (counter, ns, at, cpu, mem, cpu_high,
 * cpu_low, mem_low, mem_high), so that a farm of 1,000 hosts, written
 * every tick, costs three GVariants and not ten thousand JSON values.
 * GVariant checks untrusted data as it reads it. */
#define USAGE_TYPE "(usa(ttxddxxxx))"
#define USAGE_VERSION 1u

/* One saved record's numbers, laid out as the GVariant type (ttxddxxxx):
 * nine 8-byte members, no padding. */
struct saved {
    guint64 counter, ns;
    gint64 at;
    double cpu, mem;
    gint64 cpu_high, cpu_low, mem_low, mem_high;
};
_Static_assert(sizeof(struct saved) == 72, "(ttxddxxxx) is 72 bytes");

char *gf_usage_encode(const struct gf_usage *u)
{
    GString *names = g_string_sized_new((gsize)u->nrecs * 16);
    struct saved *nums = g_new0(struct saved, u->nrecs + 1);
    GVariant *v;
    char *text;

    for (int i = 0; i < u->nrecs; i++) {
        const struct gf_usage_rec *r = &u->recs[i];
        if (i)
            g_string_append_c(names, '\n');
        g_string_append(names, r->name);
        nums[i] = (struct saved){(guint64)r->counter, r->ns,      r->at,      r->cpu,     r->mem,
                                 r->cpu_high,         r->cpu_low, r->mem_low, r->mem_high};
    }
    v = g_variant_ref_sink(
        g_variant_new("(us@a(ttxddxxxx))", USAGE_VERSION, names->str,
                      g_variant_new_fixed_array(G_VARIANT_TYPE("(ttxddxxxx)"), nums,
                                                (gsize)u->nrecs, sizeof(*nums))));
    text = g_base64_encode(g_variant_get_data(v), g_variant_get_size(v));
    g_variant_unref(v);
    g_string_free(names, TRUE);
    g_free(nums);
    return text;
}

int gf_usage_decode(const char *text, struct gf_usage *u)
{
    gsize len = 0, nnums = 0;
    guchar *data;
    GVariant *v, *numbers;
    const struct saved *nums;
    const char *joined;
    gchar **names;
    guint32 version;
    int ret = 0;

    memset(u, 0, sizeof(*u));
    data = g_base64_decode(text, &len);
    v = g_variant_ref_sink(
        g_variant_new_from_data(G_VARIANT_TYPE(USAGE_TYPE), data, len, FALSE, g_free, data));
    g_variant_get_child(v, 0, "u", &version);
    if (version == GUINT32_SWAP_LE_BE(USAGE_VERSION)) { /* written where bytes go the other way */
        GVariant *swapped = g_variant_byteswap(v);
        g_variant_unref(v);
        v = swapped;
        version = USAGE_VERSION;
    }
    g_variant_get_child(v, 1, "&s", &joined);
    names = g_strsplit(joined, "\n", -1);
    numbers = g_variant_get_child_value(v, 2);
    nums = g_variant_get_fixed_array(numbers, &nnums, sizeof(*nums));
    if (version != USAGE_VERSION || !nnums || g_strv_length(names) != nnums)
        goto done; /* not what gf_usage_encode wrote: no figures */
    if (!(u->recs = calloc(nnums, sizeof(*u->recs)))) {
        gf_err(GF_ERR_OP, "out of memory");
        ret = -1;
        goto done;
    }
    for (gsize i = 0; i < nnums; i++) {
        struct gf_usage_rec *r = &u->recs[u->nrecs];
        if (!names[i][0] || strlen(names[i]) > GF_NAME_MAX ||
            (u->nrecs && strcmp(names[i], u->recs[u->nrecs - 1].name) <= 0))
            continue; /* out of order or not a name: left out */
        snprintf(r->name, sizeof(r->name), "%s", names[i]);
        r->counter = nums[i].counter <= 2 ? (int)nums[i].counter : 0;
        r->ns = nums[i].ns;
        r->at = (time_t)nums[i].at;
        r->cpu = nums[i].cpu >= 0 && nums[i].cpu <= 100 ? nums[i].cpu : -1;
        r->mem = nums[i].mem >= 0 && nums[i].mem <= 100 ? nums[i].mem : -1;
        r->cpu_high = (time_t)nums[i].cpu_high;
        r->cpu_low = (time_t)nums[i].cpu_low;
        r->mem_low = (time_t)nums[i].mem_low;
        r->mem_high = (time_t)nums[i].mem_high;
        u->nrecs++;
    }
done:
    g_strfreev(names);
    g_variant_unref(numbers);
    g_variant_unref(v);
    return ret;
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
