/* kept.c - observations kept while a connection's events say nothing
 * changed (kept.h). */
#include "observe/kept.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* A connection whose events are listened to, and its generation: bumped
 * by each of its events. */
struct listened {
    virConnectPtr conn;
    unsigned long gen;
};

/* What one listing of one farm's hypervisor gave. */
struct kept {
    char farm[GF_NAME_MAX + 1];
    int hv;
    virConnectPtr conn;
    unsigned long gen; /* the connection's, when the listing began */
    int uses;          /* ticks it served since */
    struct gf_host_obs *hosts;
    int nhosts;
    char (*taken)[GF_NAME_MAX + 1];
    int ntaken;
    struct gf_hv_obs obs;
    int vcpus;
    unsigned long long used_kib;
};

static struct {
    pthread_mutex_t lock;
    struct listened *conns;
    int nconns;
    unsigned long next_gen;
    struct kept *kept;
    int nkept;
    long served;
} st = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_gen = 1};

/* Drop kept entry I.  With the lock held. */
static void drop(int i)
{
    free(st.kept[i].hosts);
    free(st.kept[i].taken);
    st.kept[i] = st.kept[--st.nkept];
}

/* The listened-to entry of CONN, or NULL.  With the lock held. */
static struct listened *listened_of(virConnectPtr conn)
{
    for (int i = 0; i < st.nconns; i++)
        if (st.conns[i].conn == conn)
            return &st.conns[i];
    return NULL;
}

void gf_kept_listen(virConnectPtr conn, int on)
{
    struct listened *l, *grown;

    pthread_mutex_lock(&st.lock);
    l = listened_of(conn);
    if (on && !l && (grown = realloc(st.conns, (size_t)(st.nconns + 1) * sizeof(*grown)))) {
        st.conns = grown;
        st.conns[st.nconns++] = (struct listened){.conn = conn, .gen = st.next_gen++};
    } else if (!on && l) {
        *l = st.conns[--st.nconns];
        for (int i = 0; i < st.nkept; i++)
            if (st.kept[i].conn == conn)
                drop(i--);
    }
    pthread_mutex_unlock(&st.lock);
}

void gf_kept_changed(virConnectPtr conn)
{
    struct listened *l;

    pthread_mutex_lock(&st.lock);
    if ((l = listened_of(conn)))
        l->gen = st.next_gen++;
    pthread_mutex_unlock(&st.lock);
}

void gf_kept_drop(const char *farm)
{
    pthread_mutex_lock(&st.lock);
    for (int i = 0; i < st.nkept; i++)
        if (strcmp(st.kept[i].farm, farm) == 0)
            drop(i--);
    pthread_mutex_unlock(&st.lock);
}

unsigned long gf_kept_generation(virConnectPtr conn)
{
    struct listened *l;
    unsigned long gen;

    pthread_mutex_lock(&st.lock);
    gen = (l = listened_of(conn)) ? l->gen : 0;
    pthread_mutex_unlock(&st.lock);
    return gen;
}

long gf_kept_served(void)
{
    long n;

    pthread_mutex_lock(&st.lock);
    n = st.served;
    pthread_mutex_unlock(&st.lock);
    return n;
}

int gf_kept_allowed(const struct gf_policy *p)
{
    return !gf_policy_uses_usage(p) && !p->cpu_pegged_pct;
}

/* The kept entry of FARM's hypervisor HV, or -1.  With the lock held. */
static int kept_index(const char *farm, int hv)
{
    for (int i = 0; i < st.nkept; i++)
        if (st.kept[i].hv == hv && strcmp(st.kept[i].farm, farm) == 0)
            return i;
    return -1;
}

int gf_kept_take(const char *farm_name, int hv, virConnectPtr conn, unsigned long gen,
                 struct gf_farm_obs *farm, int *vcpus, unsigned long long *used_kib)
{
    struct gf_host_obs *hosts = NULL;
    char(*taken)[GF_NAME_MAX + 1] = NULL;
    const struct kept *k;
    int i, ret = 0;

    pthread_mutex_lock(&st.lock);
    if ((i = kept_index(farm_name, hv)) < 0)
        goto done;
    k = &st.kept[i];
    if (k->conn != conn || k->gen != gen || k->uses >= GF_KEPT_REUSE) {
        drop(i); /* stale, or served its turns: listed again */
        goto done;
    }
    if (!(hosts = realloc(farm->hosts, (size_t)(farm->nhosts + k->nhosts + 1) * sizeof(*hosts))))
        goto oom;
    farm->hosts = hosts;
    /* taken names grow by doubling (note_taken): room for a power of two */
    {
        size_t need = (size_t)farm->ntaken + (size_t)k->ntaken, cap = 1;
        while (cap < need + 1)
            cap *= 2;
        if (!(taken = realloc(farm->taken, cap * sizeof(*taken))))
            goto oom;
        farm->taken = taken;
    }
    if (k->nhosts)
        memcpy(farm->hosts + farm->nhosts, k->hosts, (size_t)k->nhosts * sizeof(*k->hosts));
    farm->nhosts += k->nhosts;
    if (k->ntaken)
        memcpy(farm->taken + farm->ntaken, k->taken, (size_t)k->ntaken * sizeof(*k->taken));
    farm->ntaken += k->ntaken;
    farm->hv[hv] = k->obs;
    for (int h = 0; h < k->nhosts; h++) {
        const struct gf_host_obs *o = &k->hosts[h];
        if (o->state == GF_HS_DRAINING && o->since > farm->last_scale_in)
            farm->last_scale_in = o->since;
        else if (o->state == GF_HS_ACTIVE && o->since > farm->last_scale_out)
            farm->last_scale_out = o->since;
    }
    *vcpus = k->vcpus;
    *used_kib = k->used_kib;
    st.kept[i].uses++;
    st.served++;
    ret = 1;
    goto done;
oom:
    gf_err(GF_ERR_OP, "out of memory");
    ret = -1;
done:
    pthread_mutex_unlock(&st.lock);
    return ret;
}

/* qsort comparators: hosts, and taken names, by name. */
static int host_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gf_host_obs *)a)->name, ((const struct gf_host_obs *)b)->name);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void gf_kept_put(const char *farm_name, int hv, virConnectPtr conn, unsigned long gen,
                 const struct gf_farm_obs *farm, int nhosts0, int ntaken0, int vcpus,
                 unsigned long long used_kib)
{
    struct kept k = {.hv = hv, .conn = conn, .gen = gen, .vcpus = vcpus, .used_kib = used_kib};
    struct kept *grown;
    int i;

    k.nhosts = farm->nhosts - nhosts0;
    k.ntaken = farm->ntaken - ntaken0;
    snprintf(k.farm, sizeof(k.farm), "%s", farm_name);
    k.obs = farm->hv[hv];
    k.hosts = malloc(((size_t)k.nhosts + 1) * sizeof(*k.hosts));
    k.taken = malloc(((size_t)k.ntaken + 1) * sizeof(*k.taken));
    if (!k.hosts || !k.taken)
        goto fail;
    if (k.nhosts)
        memcpy(k.hosts, farm->hosts + nhosts0, (size_t)k.nhosts * sizeof(*k.hosts));
    if (k.ntaken)
        memcpy(k.taken, farm->taken + ntaken0, (size_t)k.ntaken * sizeof(*k.taken));
    /* in gf_observe's order: a farm on one hypervisor needs no sorting then */
    qsort(k.hosts, (size_t)k.nhosts, sizeof(*k.hosts), host_cmp);
    qsort(k.taken, (size_t)k.ntaken, sizeof(*k.taken), name_cmp);
    pthread_mutex_lock(&st.lock);
    if (!listened_of(conn)) { /* no longer listened to meanwhile */
        pthread_mutex_unlock(&st.lock);
        goto fail;
    }
    if ((i = kept_index(farm_name, hv)) >= 0)
        drop(i);
    if (!(grown = realloc(st.kept, (size_t)(st.nkept + 1) * sizeof(*grown)))) {
        pthread_mutex_unlock(&st.lock);
        goto fail;
    }
    st.kept = grown;
    st.kept[st.nkept++] = k;
    pthread_mutex_unlock(&st.lock);
    return;
fail:
    free(k.hosts);
    free(k.taken);
}
