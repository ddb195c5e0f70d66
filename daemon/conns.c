/* conns.c - goldfarmd's connections to the hypervisors of its farms, and
 * libvirt's events on them. */
#include "farmd_int.h"

#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/log.h"
#include "model/hosts.h"
#include "model/meta.h"

/* A connection for URI, by the injected connector, -c, or gf_connect. */
static virConnectPtr open_uri(struct gfd *d, const char *uri)
{
    if (d->connect)
        return d->connect(d->connect_opaque, d->uri_override ? d->uri_override : uri);
    return gf_connect(d->uri_override ? d->uri_override : uri);
}

/* Whether the connections are ours to close (not injected by a test). */
static int own_connections(const struct gfd *d)
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

/* A domain started, stopped or crashed on a farm's hypervisor: tick now.
 * The metadata cache forgets the domain: a definition or undefinition,
 * and a revert to a snapshot (whose definition comes back with its
 * metadata, without a metadata-change event), all come as lifecycle
 * events. */
static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    struct gfd_farm *f = opaque;

    (void)conn;
    (void)event;
    (void)detail;
    gf_meta_cache_forget(dom);
    f->next_tick = 0;
    if (f->d->wake)
        f->d->wake(f->d);
    return 0;
}

/* Some domain's metadata changed (another process, e.g. vmctl farm drain):
 * the cache must read it again. */
static void on_metadata(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri,
                        void *opaque)
{
    (void)conn;
    (void)type;
    (void)nsuri;
    (void)opaque;
    gf_meta_cache_forget(dom);
}

void gfd_disconnect(struct gfd_farm *f, int i)
{
    if (!f->conns[i])
        return;
    if (own_connections(f->d)) {
        if (f->events[i] >= 0)
            virConnectDomainEventDeregisterAny(f->conns[i], f->events[i]);
        if (f->meta_events[i] >= 0)
            virConnectDomainEventDeregisterAny(f->conns[i], f->meta_events[i]);
        virConnectUnregisterCloseCallback(f->conns[i], on_close);
        virConnectClose(f->conns[i]);
    }
    f->conns[i] = NULL;
    f->events[i] = f->meta_events[i] = -1;
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
    if (!(f->conns[i] = open_uri(f->d, uri))) {
        f->backoff[i] = f->backoff[i] ? f->backoff[i] * 2 : 1;
        if (f->backoff[i] > 60)
            f->backoff[i] = 60;
        f->retry_at[i] = now + f->backoff[i];
        return -1;
    }
    f->backoff[i] = 0;
    f->events[i] = f->meta_events[i] = -1;
    if (own_connections(f->d)) {
        /* remote connections: notice a dead peer within ~20 s (local ones say no) */
        if (virConnectSetKeepAlive(f->conns[i], 5, 3) < 0)
            virResetLastError();
        virConnectRegisterCloseCallback(f->conns[i], on_close, f, NULL);
        if (f->d->events) {
            f->events[i] =
                virConnectDomainEventRegisterAny(f->conns[i], NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), f, NULL);
            f->meta_events[i] = virConnectDomainEventRegisterAny(
                f->conns[i], NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                VIR_DOMAIN_EVENT_CALLBACK(on_metadata), f, NULL);
            /* what changed while we were not listening is unknown */
            gf_meta_cache_forget(NULL);
        }
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
