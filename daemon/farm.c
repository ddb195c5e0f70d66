/* farm.c - one farm of goldfarmd: made and freed, its connections to its
 * hypervisors and libvirt's events on them, which wake it, and the end of
 * its thread. */
#include "farmd_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "model/disk_use.h"
#include "model/hosts.h"
#include "model/lease.h"
#include "model/meta.h"
#include "observe/kept.h"
#include "observe/observe.h"
#include "act/push_job.h"

virConnectPtr gfd_open_uri(struct gfd *d, const char *uri)
{
    virConnectPtr conn;

    if (!d->connect)
        return gf_connect(d->uri_override ? d->uri_override : uri);
    if (!(conn = d->connect(d->connect_opaque, d->uri_override ? d->uri_override : uri)))
        gf_err(GF_ERR_OP, "cannot connect to %s", d->uri_override ? d->uri_override : uri);
    return conn;
}

int gfd_owns_connections(const struct gfd *d)
{
    return d->connect == NULL;
}

/* libvirt says a connection of farm OPAQUE closed: mark it lost. */
static void on_close(virConnectPtr conn, int reason, void *opaque)
{
    struct gfd_farm *f = opaque;

    (void)reason;
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        if (f->conns[i] == conn)
            f->lost[i] = 1;
}

/* libvirt allows one registration of a callback per connection and event:
 * a listener per connection takes the events for every farm that uses it
 * (a test, or an injected connector, may share one between farms). */
struct listener {
    virConnectPtr conn;
    int lifecycle, metadata; /* callback ids */
    int disks[3];            /* device added, removed, block job: -1 none */
    int sizes[2];            /* balloon change, tunable (vCPUs): -1 none */
    struct gfd_farm **farms;
    int nfarms;
};

static struct listener *listeners;
static int nlisteners;
static pthread_mutex_t listeners_lock = PTHREAD_MUTEX_INITIALIZER;

/* The listener of CONN (listeners_lock held), or NULL. */
static struct listener *listener_of(virConnectPtr conn)
{
    for (int i = 0; i < nlisteners; i++)
        if (listeners[i].conn == conn)
            return &listeners[i];
    return NULL;
}

/* A domain started, stopped or crashed on a hypervisor: its farms tick
 * now.  The metadata cache forgets the domain: a definition or
 * undefinition, and a revert to a snapshot (whose definition comes back
 * with its metadata, without a metadata-change event), all come as
 * lifecycle events. */
static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    struct listener *l;

    (void)opaque;
    gf_meta_cache_forget(dom);
    gf_disk_index_forget(dom);
    gf_kept_changed(conn); /* after: a listing at the new generation reads afresh */
    pthread_mutex_lock(&listeners_lock);
    if ((l = listener_of(conn)))
        for (int i = 0; i < l->nfarms; i++) {
            gf_debug("%s: lifecycle event %d.%d of '%s': a tick now", l->farms[i]->policy->name,
                     event, detail, virDomainGetName(dom));
            gfd_farm_wake(l->farms[i]);
        }
    pthread_mutex_unlock(&listeners_lock);
    return 0;
}

/* Some domain's metadata changed (another process, e.g. vmctl farm drain):
 * the cache must read it again. */
static void on_metadata(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri,
                        void *opaque)
{
    (void)type;
    (void)opaque;
    gf_meta_cache_forget(dom);
    /* a farm's lease, renewed each tick, is no part of what is observed */
    if (!nsuri || strncmp(nsuri, GF_LEASE_NS, strlen(GF_LEASE_NS)) != 0)
        gf_kept_changed(conn);
}

/* A running domain's disks changed without a lifecycle event (a disk
 * hot-plugged or unplugged): the disk index reads it again. */
static void on_device(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
    (void)alias;
    (void)opaque;
    gf_disk_index_forget(dom);
    gf_kept_changed(conn);
}

/* A block job ended or moved on (a block copy's pivot, a commit): the
 * domain's disk sources may have changed; the disk index reads it again. */
static void on_block_job(virConnectPtr conn, virDomainPtr dom, const char *disk, int type,
                         int status, void *opaque)
{
    on_device(conn, dom, disk, opaque);
    (void)type;
    (void)status;
}

/* A running domain's memory (balloon) changed: what was observed of its
 * hypervisor is stale. */
static void on_balloon(virConnectPtr conn, virDomainPtr dom, unsigned long long actual,
                       void *opaque)
{
    (void)dom;
    (void)actual;
    (void)opaque;
    gf_kept_changed(conn);
}

/* A domain's tunables changed (its vCPUs among them): likewise. */
static void on_tunable(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params,
                       int nparams, void *opaque)
{
    (void)dom;
    (void)params;
    (void)nparams;
    (void)opaque;
    gf_kept_changed(conn);
}

/* Farm F listens to CONN's events.  0, or -1 (logged: the farm then only
 * ticks on its clock). */
static int listen_to(virConnectPtr conn, struct gfd_farm *f)
{
    struct listener *l, *grown;
    struct gfd_farm **farms;
    int ret = -1;

    pthread_mutex_lock(&listeners_lock);
    if (!(l = listener_of(conn))) {
        if (!(grown = realloc(listeners, (size_t)(nlisteners + 1) * sizeof(*grown))))
            goto cleanup;
        listeners = grown;
        l = &listeners[nlisteners];
        memset(l, 0, sizeof(*l));
        l->conn = conn;
        l->lifecycle =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL);
        l->metadata =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_metadata), NULL, NULL);
        if (l->lifecycle < 0) {
            gf_warn("%s: no lifecycle events from a hypervisor (%s): crashes wait for the "
                    "next tick",
                    f->policy->name, virGetLastErrorMessage());
            if (l->metadata >= 0)
                virConnectDomainEventDeregisterAny(conn, l->metadata);
            virResetLastError();
            goto cleanup;
        }
        /* without these (an old libvirt) the index still checks by UUIDs */
        l->disks[0] =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_device), NULL, NULL);
        l->disks[1] =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_device), NULL, NULL);
        l->disks[2] =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_block_job), NULL, NULL);
        l->sizes[0] =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_balloon), NULL, NULL);
        l->sizes[1] =
            virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_TUNABLE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_tunable), NULL, NULL);
        virResetLastError();
        nlisteners++;
        gf_kept_listen(conn, 1); /* its events say when an observation of it is stale */
    }
    if (!(farms = realloc(l->farms, (size_t)(l->nfarms + 1) * sizeof(*farms))))
        goto cleanup;
    l->farms = farms;
    l->farms[l->nfarms++] = f;
    ret = 0;
cleanup:
    pthread_mutex_unlock(&listeners_lock);
    return ret;
}

/* Farm F no longer listens to CONN; the last farm's leaving deregisters. */
static void stop_listening(virConnectPtr conn, struct gfd_farm *f)
{
    struct listener *l;

    pthread_mutex_lock(&listeners_lock);
    if ((l = listener_of(conn))) {
        for (int i = 0; i < l->nfarms; i++)
            if (l->farms[i] == f)
                l->farms[i--] = l->farms[--l->nfarms];
        if (!l->nfarms) {
            gf_kept_listen(conn, 0);
            virConnectDomainEventDeregisterAny(conn, l->lifecycle);
            if (l->metadata >= 0)
                virConnectDomainEventDeregisterAny(conn, l->metadata);
            for (int k = 0; k < 3; k++)
                if (l->disks[k] >= 0)
                    virConnectDomainEventDeregisterAny(conn, l->disks[k]);
            for (int k = 0; k < 2; k++)
                if (l->sizes[k] >= 0)
                    virConnectDomainEventDeregisterAny(conn, l->sizes[k]);
            free(l->farms);
            *l = listeners[--nlisteners];
        }
    }
    pthread_mutex_unlock(&listeners_lock);
}

/* Set F's connection I to CONN, under F's mutex (gfd_farm_conn reads it
 * from the control thread). */
static void set_conn(struct gfd_farm *f, int i, virConnectPtr conn)
{
    pthread_mutex_lock(&f->mu);
    f->conns[i] = conn;
    pthread_mutex_unlock(&f->mu);
}

void gfd_disconnect(struct gfd_farm *f, int i)
{
    virConnectPtr conn = f->conns[i];

    if (!conn)
        return;
    if (f->events[i] >= 0)
        stop_listening(conn, f);
    set_conn(f, i, NULL);
    gf_load_agents_forget(f->policy->name, conn); /* its references hold it */
    if (gfd_owns_connections(f->d)) {
        virConnectUnregisterCloseCallback(conn, on_close);
        virConnectClose(conn);
    }
    f->events[i] = -1;
}

virConnectPtr gfd_farm_conn(struct gfd_farm *f, int i)
{
    virConnectPtr conn;

    pthread_mutex_lock(&f->mu);
    conn = i >= 0 && i < GF_MAX_HYPERVISORS ? f->conns[i] : NULL;
    if (conn && virConnectRef(conn) < 0)
        conn = NULL;
    pthread_mutex_unlock(&f->mu);
    return conn;
}

int gfd_reconnect(struct gfd_farm *f, int i, time_t now)
{
    const char *uri = f->policy->hypervisors[i].uri;

    if (f->conns[i] && (f->lost[i] || virConnectIsAlive(f->conns[i]) != 1)) {
        gf_error("%s: lost the connection to %s", f->policy->name, uri);
        gfd_disconnect(f, i);
        f->retry_at[i] = now;
    }
    f->lost[i] = 0;
    if (f->conns[i])
        return 0;
    if (now < f->retry_at[i])
        return -1;
    set_conn(f, i, gfd_open_uri(f->d, uri));
    if (!f->conns[i]) {
        f->backoff[i] = f->backoff[i] ? f->backoff[i] * 2 : 1;
        if (f->backoff[i] > 60)
            f->backoff[i] = 60;
        f->retry_at[i] = now + f->backoff[i];
        return -1;
    }
    f->backoff[i] = 0;
    f->events[i] = -1;
    if (gfd_owns_connections(f->d)) {
        /* remote connections: notice a dead peer within ~20 s (local ones say no) */
        if (virConnectSetKeepAlive(f->conns[i], 5, 3) < 0)
            virResetLastError();
        virConnectRegisterCloseCallback(f->conns[i], on_close, f, NULL);
    }
    if (f->d->events) { /* a test's injected connection takes them too */
        f->events[i] = listen_to(f->conns[i], f) == 0 ? 1 : -1;
        /* what changed while we were not listening is unknown */
        gf_meta_cache_forget(NULL);
        gf_disk_index_forget(NULL);
    }
    return 0;
}

virConnectPtr gfd_journal_connect(void *opaque, const char *uri)
{
    struct gfd *d = opaque;

    for (int i = 0; i < d->nfarms; i++) {
        struct gfd_farm *f = d->farms[i];
        for (int h = 0; h < f->policy->nhypervisors; h++) {
            char *actual;
            int same;
            if (gfd_reconnect(f, h, time(NULL)) < 0)
                continue;
            /* the journal has the URI libvirt gave, which may be an alias's */
            actual = virConnectGetURI(f->conns[h]);
            same = strcmp(f->policy->hypervisors[h].uri, uri) == 0 ||
                   (actual && strcmp(actual, uri) == 0);
            free(actual);
            if (same)
                return f->conns[h];
        }
    }
    return NULL;
}

/* Say that the files an older vmctl left in STATE_DIR to steer farm FARM
 * (FARM.paused, FARM.rollout-requests) are not read: the control socket
 * takes their place. */
static void old_instructions(const char *state_dir, const char *farm)
{
    static const char *const suffixes[] = {"paused", "rollout-requests", "rollout-requests.taken"};

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char path[PATH_MAX + 80];
        snprintf(path, sizeof(path), "%s/%s.%s", state_dir, farm, suffixes[i]);
        if (access(path, F_OK) == 0)
            gf_warn("%s: %s is not read (an older vmctl left it): ask through the control "
                    "socket (vmctl farm pause, vmctl image rollout), then remove it",
                    farm, path);
    }
}

/* A push job of farm OPAQUE ended: a tick takes its outcome now, and
 * lists (the new gold's definition may not have been told yet). */
static void push_ended(void *opaque)
{
    struct gfd_farm *f = opaque;

    pthread_mutex_lock(&f->mu);
    f->relist = 1; /* the push's thread never reads the farm's policy */
    pthread_mutex_unlock(&f->mu);
    gfd_farm_wake(f);
}

/* A new farm for policy P read from FILE. */
struct gfd_farm *gfd_farm_new(struct gfd *d, struct gf_policy *p, const char *file)
{
    struct gfd_farm *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->d = d;
    f->policy = p;
    snprintf(f->file, sizeof(f->file), "%s", file);
    if (d->state_dir[0] && gf_mem_load(d->state_dir, p->name, &f->mem) < 0)
        gf_error("%s: %s: starting with an empty memory", p->name, gf_err_message());
    if (d->state_dir[0] && gf_admin_load(d->state_dir, p->name, &f->admin) < 0)
        gf_error("%s: %s: not paused, no request waiting", p->name, gf_err_message());
    if (d->state_dir[0])
        old_instructions(d->state_dir, p->name);
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        f->events[i] = -1;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (!(f->pushes = gf_push_jobs_new(d->state_dir[0] ? d->state_dir : NULL, push_ended, f)))
        gf_error("%s: %s: its pushes run within its ticks", p->name, gf_err_message());
    return f;
}

void gfd_farm_free(struct gfd_farm *f)
{
    if (!f)
        return;
    gf_push_jobs_free(f->pushes); /* a push under way is cancelled and undone first */
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        gfd_disconnect(f, i);
    gf_kept_drop(f->policy->name); /* a farm of that name later starts afresh */
    gf_policy_free(f->policy);
    free(f->notes);
    free(f->blind);
    free(f->paused_msg);
    free(f->lease_msg);
    free(f->skipped_msg);
    gf_mem_clear(&f->mem);
    gf_policy_free(f->pending);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    if (f->tick)
        gf_tick_clear(f->tick);
    free(f->tick);
    free(f);
}

void gfd_farm_wake(struct gfd_farm *f)
{
    pthread_mutex_lock(&f->mu);
    f->next_tick = 0;
    f->woken = 1;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    if (f->d->wake)
        f->d->wake(f->d);
}

void gfd_farm_stop(struct gfd_farm *f)
{
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

void gfd_farm_retire(struct gfd *d, struct gfd_farm *f)
{
    struct gfd_farm **grown = realloc(d->gone, (size_t)(d->ngone + 1) * sizeof(*grown));

    gfd_farm_stop(f);
    if (!grown) { /* cannot wait for it: joined here */
        pthread_join(f->thread, NULL);
        gfd_farm_free(f);
        return;
    }
    d->gone = grown;
    d->gone[d->ngone++] = f;
}
