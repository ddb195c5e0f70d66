/* disk_index.c - an index of which domains name which disk files. */
#include "model/disk_index.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "base/error.h"
#include "model/uuid_key.h"

struct indexed {
    virConnectPtr conn;
    unsigned char uuid[VIR_UUID_BUFLEN];
    gchar **paths;        /* NULL-terminated */
    int stale;            /* read again before it is used */
    unsigned long pass;   /* the listing that last saw it */
    struct indexed *next; /* the same UUID on another connection */
};

/* What the index knows of one connection. */
struct conn_state {
    int count;  /* entries */
    int stale;  /* of them, stale (an upper bound) */
    int listed; /* every domain listed once */
};

static struct {
    int on;
    int sole;            /* the only writer of its connections: counts suffice */
    GHashTable *domains; /* UUID (owned copy) -> struct indexed list */
    GHashTable *paths;   /* path (owned) -> GHashTable set of struct indexed * */
    GHashTable *conns;   /* virConnectPtr -> struct conn_state (owned) */
    unsigned long pass;
    pthread_mutex_t lock;
} ix = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The state of CONN, made on first use (NULL only out of memory).  With
 * the lock held. */
static struct conn_state *conn_state(virConnectPtr conn)
{
    struct conn_state *cs = g_hash_table_lookup(ix.conns, conn);

    if (!cs && (cs = calloc(1, sizeof(*cs))))
        g_hash_table_insert(ix.conns, conn, cs);
    return cs;
}

/* Add E's paths to the path table.  With the lock held. */
static void paths_link(struct indexed *e)
{
    for (int i = 0; e->paths && e->paths[i]; i++) {
        GHashTable *set = g_hash_table_lookup(ix.paths, e->paths[i]);
        if (!set) {
            set = g_hash_table_new(g_direct_hash, g_direct_equal);
            g_hash_table_insert(ix.paths, g_strdup(e->paths[i]), set);
        }
        g_hash_table_add(set, e);
    }
}

/* Take E's paths out of the path table and free them.  With the lock held. */
static void paths_unlink(struct indexed *e)
{
    for (int i = 0; e->paths && e->paths[i]; i++) {
        GHashTable *set = g_hash_table_lookup(ix.paths, e->paths[i]);
        if (set && g_hash_table_remove(set, e) && g_hash_table_size(set) == 0)
            g_hash_table_remove(ix.paths, e->paths[i]);
    }
    g_strfreev(e->paths);
    e->paths = NULL;
}

/* Free E, out of every table but the domain table.  With the lock held. */
static void indexed_free(struct indexed *e)
{
    struct conn_state *cs = g_hash_table_lookup(ix.conns, e->conn);

    if (cs)
        cs->count--;
    paths_unlink(e);
    free(e);
}

/* Free a domain's list of entries (the domain table's value destructor). */
static void indexed_list_free(gpointer p)
{
    for (struct indexed *e = p, *next; e; e = next) {
        next = e->next;
        indexed_free(e);
    }
}

/* ix.on as gf_disk_index_forget reads it, without the index's lock. */
static atomic_int index_on;

static void apply_pending(void);

void gf_disk_index_enable(enum gf_index_mode mode)
{
    int on = mode != GF_INDEX_OFF;

    pthread_mutex_lock(&ix.lock);
    apply_pending(); /* what was pending is dropped with the tables */
    if (ix.domains)
        g_hash_table_destroy(ix.domains); /* before the tables it unlinks from */
    if (ix.paths)
        g_hash_table_destroy(ix.paths);
    if (ix.conns)
        g_hash_table_destroy(ix.conns);
    ix.domains = ix.paths = ix.conns = NULL;
    if (on) {
        ix.domains = g_hash_table_new_full(gf_uuid_hash, gf_uuid_equal, free, indexed_list_free);
        ix.paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)g_hash_table_destroy);
        ix.conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free);
    }
    ix.on = on;
    ix.sole = mode == GF_INDEX_SOLE_WRITER;
    atomic_store(&index_on, on);
    pthread_mutex_unlock(&ix.lock);
}

/* Every disk source XML names (file, dev or volume of any
 * //devices/disk//source) added to ALL.  0, or -1 when XML is not XML. */
static int xml_sources(const char *xml, GPtrArray *all)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr found =
        ctx ? xmlXPathEvalExpression(BAD_CAST "//devices/disk//source", ctx) : NULL;
    int ret = found ? 0 : -1;

    for (int i = 0; found && found->nodesetval && i < found->nodesetval->nodeNr; i++) {
        static const char *const attrs[] = {"file", "dev", "volume"};
        for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
            xmlChar *v = xmlGetProp(found->nodesetval->nodeTab[i], BAD_CAST attrs[a]);
            if (v)
                g_ptr_array_add(all, g_strdup((const char *)v));
            xmlFree(v);
        }
    }
    xmlXPathFreeObject(found);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return ret;
}

/* The disk sources of DOM's definition and (when running) live XML, as a
 * new NULL-terminated vector (g_strfreev); *GONE set when DOM no longer
 * exists (then an empty vector).  NULL with an error. */
static gchar **domain_sources(virDomainPtr dom, int *gone)
{
    static const unsigned int flavours[2] = {VIR_DOMAIN_XML_INACTIVE, 0};
    GPtrArray *all = g_ptr_array_new_with_free_func(g_free);

    *gone = 0;
    for (int f = 0; f < 2; f++) {
        char *xml;
        int bad;
        if (f == 1 && virDomainIsActive(dom) != 1)
            break;
        if (!(xml = virDomainGetXMLDesc(dom, flavours[f]))) {
            virErrorPtr e = virGetLastError();
            if (e && e->code == VIR_ERR_NO_DOMAIN) {
                virResetLastError();
                g_ptr_array_set_size(all, 0);
                *gone = 1;
                break;
            }
            gf_err_virt("reading domain '%s' to see which disks it uses", virDomainGetName(dom));
            g_ptr_array_free(all, TRUE);
            return NULL;
        }
        bad = xml_sources(xml, all) < 0;
        free(xml);
        if (bad) {
            gf_err(GF_ERR_OP, "domain '%s' has XML libxml2 cannot read", virDomainGetName(dom));
            g_ptr_array_free(all, TRUE);
            return NULL;
        }
    }
    g_ptr_array_add(all, NULL);
    g_ptr_array_set_free_func(all, NULL);
    return (gchar **)g_ptr_array_free(all, FALSE);
}

/* The entry of UUID on CONN, or NULL.  With the lock held. */
static struct indexed *entry_of(virConnectPtr conn, const unsigned char *uuid)
{
    struct indexed *e = g_hash_table_lookup(ix.domains, uuid);

    while (e && e->conn != conn)
        e = e->next;
    return e;
}

/* Take UUID's entries on CONN (every connection: CONN NULL) out of the
 * index.  With the lock held. */
static void entries_drop(virConnectPtr conn, const unsigned char *uuid)
{
    gpointer key;
    struct indexed *list, *keep = NULL, *next;

    if (!g_hash_table_steal_extended(ix.domains, uuid, &key, (gpointer *)&list))
        return;
    for (struct indexed *e = list; e; e = next) {
        next = e->next;
        if (!conn || e->conn == conn) {
            indexed_free(e);
        } else {
            e->next = keep;
            keep = e;
        }
    }
    if (keep)
        g_hash_table_insert(ix.domains, key, keep);
    else
        free(key);
}

/* Store PATHS (taken, freed on error) as what the domain UUID
 * on CONN names: a new entry, or its entry's paths replaced.  0, or -1
 * with an error.  With the lock held. */
static int entry_store(virConnectPtr conn, const unsigned char *uuid, gchar **paths)
{
    struct indexed *e, *first;
    struct conn_state *cs = conn_state(conn);

    if (!cs) {
        g_strfreev(paths);
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    if ((e = entry_of(conn, uuid))) {
        paths_unlink(e);
    } else {
        unsigned char *key = NULL;
        first = g_hash_table_lookup(ix.domains, uuid);
        if (!(e = calloc(1, sizeof(*e))) || (!first && !(key = malloc(VIR_UUID_BUFLEN)))) {
            free(e);
            g_strfreev(paths);
            gf_err(GF_ERR_OP, "out of memory");
            return -1;
        }
        e->conn = conn;
        memcpy(e->uuid, uuid, VIR_UUID_BUFLEN);
        if (first) {
            e->next = first->next;
            first->next = e;
        } else {
            memcpy(key, uuid, VIR_UUID_BUFLEN);
            g_hash_table_insert(ix.domains, key, e);
        }
        cs->count++;
    }
    e->paths = paths;
    e->stale = 0;
    e->pass = ix.pass;
    paths_link(e);
    return 0;
}

/* What gf_disk_index_forget was told, applied by the next user of the
 * index: the daemon's event thread never waits for the index's lock. */
static struct {
    GByteArray *uuids; /* VIR_UUID_BUFLEN bytes each */
    int all;
    pthread_mutex_t lock;
} pending = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Apply what gf_disk_index_forget was told.  With the index's lock held. */
static void apply_pending(void)
{
    GByteArray *uuids;
    int all;

    pthread_mutex_lock(&pending.lock);
    uuids = pending.uuids;
    all = pending.all;
    pending.uuids = NULL;
    pending.all = 0;
    pthread_mutex_unlock(&pending.lock);
    if (ix.on && all) {
        g_hash_table_remove_all(ix.domains);
        g_hash_table_remove_all(ix.conns);
    }
    for (guint k = 0; ix.on && !all && uuids && k + VIR_UUID_BUFLEN <= uuids->len;
         k += VIR_UUID_BUFLEN) {
        struct indexed *first = g_hash_table_lookup(ix.domains, uuids->data + k);
        if (!first) { /* one it does not know (defined behind its back): list again */
            GHashTableIter it;
            gpointer cs;
            g_hash_table_iter_init(&it, ix.conns);
            while (g_hash_table_iter_next(&it, NULL, &cs))
                ((struct conn_state *)cs)->listed = 0;
        }
        for (struct indexed *e = first; e; e = e->next) {
            struct conn_state *cs = g_hash_table_lookup(ix.conns, e->conn);
            e->stale = 1;
            if (cs)
                cs->stale++;
        }
    }
    if (uuids)
        g_byte_array_unref(uuids);
}

void gf_disk_index_forget(virDomainPtr dom)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    if (!atomic_load(&index_on))
        return;
    pthread_mutex_lock(&pending.lock);
    if (!dom) {
        pending.all = 1;
    } else if (virDomainGetUUID(dom, uuid) == 0) {
        if (!pending.uuids)
            pending.uuids = g_byte_array_new();
        g_byte_array_append(pending.uuids, uuid, VIR_UUID_BUFLEN);
    }
    pthread_mutex_unlock(&pending.lock);
}

void gf_disk_index_drop(virDomainPtr dom)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    pthread_mutex_lock(&ix.lock);
    apply_pending();
    if (ix.on && virDomainGetUUID(dom, uuid) == 0)
        entries_drop(NULL, uuid);
    pthread_mutex_unlock(&ix.lock);
}

void gf_disk_index_note(virDomainPtr dom)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    virConnectPtr conn = virDomainGetConnect(dom);
    gchar **paths = NULL;
    int gone = 0, bad;

    if (!atomic_load(&index_on))
        return;
    /* read without the lock: a node that does not answer blocks no other */
    bad = virDomainGetUUID(dom, uuid) < 0 || !(paths = domain_sources(dom, &gone));
    pthread_mutex_lock(&ix.lock);
    if (ix.on && !bad && !gone) {
        bad = entry_store(conn, uuid, paths) < 0; /* takes PATHS */
        paths = NULL;
    } else if (ix.on && !bad) {
        entries_drop(conn, uuid);
    }
    g_strfreev(paths);
    if (ix.on && bad) {
        struct conn_state *cs = g_hash_table_lookup(ix.conns, conn);
        if (cs)
            cs->listed = 0; /* the next query lists every domain */
    }
    apply_pending(); /* after: an event while it was read still counts */
    pthread_mutex_unlock(&ix.lock);
    if (bad)
        gf_err_clear();
}

int gf_disk_index_size(void)
{
    int n = 0;

    pthread_mutex_lock(&ix.lock);
    apply_pending();
    if (ix.on)
        n = (int)g_hash_table_size(ix.domains);
    pthread_mutex_unlock(&ix.lock);
    return n;
}

/* One domain as a listing saw it. */
struct seen {
    virDomainPtr dom; /* NULL once given away */
    unsigned char uuid[VIR_UUID_BUFLEN];
    int read;      /* the index did not know it, or held it stale */
    gchar **paths; /* what was read (read) */
    int gone;      /* read: it was no longer there */
};

/* Free the N domains of S and S; accepts NULL. */
static void seen_free(struct seen *s, int n)
{
    for (int i = 0; s && i < n; i++) {
        if (s[i].dom)
            virDomainFree(s[i].dom);
        g_strfreev(s[i].paths);
    }
    free(s);
}

/* Merge the listing S (N domains of CONN) into the index: what was read
 * stored, CONN's entries libvirt no longer has dropped.  1 when the index
 * then holds every listed domain fresh, 0 when it was changed meanwhile
 * (forgotten: list again), -1 with an error.  With the lock held. */
static int merge_listing(virConnectPtr conn, struct seen *s, int n)
{
    struct conn_state *cs = conn_state(conn);
    GPtrArray *unseen;
    GHashTableIter it;
    gpointer key, value;
    int complete = 1;

    if (!cs) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    ix.pass++;
    for (int i = 0; i < n; i++) {
        struct indexed *e;
        if (s[i].read && s[i].gone) {
            entries_drop(conn, s[i].uuid);
            continue;
        }
        if (s[i].read) {
            gchar **paths = s[i].paths;
            s[i].paths = NULL;
            if (entry_store(conn, s[i].uuid, paths) < 0) {
                cs->listed = 0; /* half merged: the next query lists again */
                return -1;
            }
        }
        if (!(e = entry_of(conn, s[i].uuid)) || e->stale)
            complete = 0; /* forgotten while the others were read */
        else
            e->pass = ix.pass;
    }
    unseen = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_iter_init(&it, ix.domains);
    while (g_hash_table_iter_next(&it, &key, &value))
        for (const struct indexed *e = value; e; e = e->next)
            if (e->conn == conn && e->pass != ix.pass)
                g_ptr_array_add(unseen, g_memdup2(key, VIR_UUID_BUFLEN));
    for (guint i = 0; i < unseen->len; i++)
        entries_drop(conn, unseen->pdata[i]);
    g_ptr_array_free(unseen, TRUE);
    cs->listed = complete;
    cs->stale = !complete;
    return complete;
}

/* Every domain of CONN listed into *SEEN (*N of them; seen_free), the
 * ones the index does not know or holds stale read, and merged into the
 * index (merge_listing).  The libvirt calls are made without the lock: a
 * node that does not answer blocks no other's lookups.  1 when the index
 * holds every listed domain, 0 when it changed meanwhile, -1 with an
 * error.  Called without the lock. */
static int refresh_by_listing(virConnectPtr conn, struct seen **seen, int *n)
{
    virDomainPtr *all = NULL;
    struct seen *s;
    int count, ret = -1;

    *seen = NULL;
    *n = 0;
    if ((count = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains to see who uses their disks");
        return -1;
    }
    if (!(s = calloc((size_t)count + 1, sizeof(*s)))) {
        for (int i = 0; i < count; i++)
            virDomainFree(all[i]);
        free(all);
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; i < count; i++)
        s[i].dom = all[i];
    free(all);
    for (int i = 0; i < count; i++) /* client-side: no round trip */
        if (virDomainGetUUID(s[i].dom, s[i].uuid) < 0) {
            gf_err_virt("reading the UUID of '%s'", virDomainGetName(s[i].dom));
            goto cleanup;
        }
    pthread_mutex_lock(&ix.lock); /* only to see which to read */
    apply_pending();
    for (int i = 0; i < count; i++) {
        const struct indexed *e = ix.on ? entry_of(conn, s[i].uuid) : NULL;
        s[i].read = !e || e->stale;
    }
    pthread_mutex_unlock(&ix.lock);
    for (int i = 0; i < count; i++)
        if (s[i].read && !(s[i].paths = domain_sources(s[i].dom, &s[i].gone)))
            goto cleanup;
    pthread_mutex_lock(&ix.lock);
    ret = ix.on ? merge_listing(conn, s, count) : 1;
    apply_pending(); /* after: an event while they were read still counts */
    pthread_mutex_unlock(&ix.lock);
cleanup:
    if (ret < 0) {
        seen_free(s, count);
    } else {
        *seen = s;
        *n = count;
    }
    return ret;
}

/* How many domains CONN has (running and defined), or -1 with an error. */
static int domain_count(virConnectPtr conn)
{
    int running = virConnectNumOfDomains(conn), defined = virConnectNumOfDefinedDomains(conn);

    if (running < 0 || defined < 0) {
        gf_err_virt("counting domains");
        return -1;
    }
    return running + defined;
}

/* qsort comparator: domains by name. */
static int by_name(const void *a, const void *b)
{
    return strcmp(virDomainGetName(*(virDomainPtr const *)a),
                  virDomainGetName(*(virDomainPtr const *)b));
}

/* Make the index complete for CONN.  BY_SET (before something
 * destructive): every domain listed, each UUID the index does not know
 * or holds stale read, those libvirt no longer has dropped, *SEEN (*N)
 * the listing (seen_free).  Else (or as the sole writer) only when
 * libvirt counts another number of domains than the index holds, or it
 * holds stale ones (*SEEN may stay NULL).  0, or -1 with an error.  Called without the lock. */
static int make_complete(virConnectPtr conn, int by_set, struct seen **seen, int *n)
{
    *seen = NULL;
    *n = 0;
    pthread_mutex_lock(&ix.lock);
    by_set = by_set && !ix.sole;
    pthread_mutex_unlock(&ix.lock);
    for (int tries = 0; tries < 5; tries++) {
        int r;
        if (!by_set) {
            int total = domain_count(conn), fine;
            const struct conn_state *cs;
            if (total < 0)
                return -1;
            pthread_mutex_lock(&ix.lock);
            apply_pending();
            cs = ix.on ? g_hash_table_lookup(ix.conns, conn) : NULL;
            fine = !ix.on || (cs && cs->listed && !cs->stale && cs->count == total);
            pthread_mutex_unlock(&ix.lock);
            if (fine)
                return 0;
        }
        seen_free(*seen, *n);
        if ((r = refresh_by_listing(conn, seen, n)) != 0)
            return r < 0 ? -1 : 0;
    }
    seen_free(*seen, *n);
    *seen = NULL;
    *n = 0;
    gf_err(GF_ERR_OP, "the domains kept changing while their disks were read: try again");
    return -1;
}

/* Whether the index is on, read under its lock. */
static int index_is_on(void)
{
    int on;

    pthread_mutex_lock(&ix.lock);
    apply_pending();
    on = ix.on;
    pthread_mutex_unlock(&ix.lock);
    return on;
}

int gf_disk_index_uuids(virConnectPtr conn, unsigned char **uuids, size_t *n)
{
    GHashTableIter it;
    gpointer key, value;
    const struct conn_state *cs;
    struct seen *seen = NULL;
    int nseen = 0, ret = -1;
    size_t count;

    *uuids = NULL;
    *n = 0;
    if (!index_is_on())
        return 0;
    if (make_complete(conn, 0, &seen, &nseen) < 0)
        return -1;
    seen_free(seen, nseen);
    pthread_mutex_lock(&ix.lock);
    cs = ix.on ? g_hash_table_lookup(ix.conns, conn) : NULL;
    count = cs && cs->count > 0 ? (size_t)cs->count : 0;
    if (!(*uuids = malloc((count + 1) * VIR_UUID_BUFLEN))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    if (ix.domains)
        g_hash_table_iter_init(&it, ix.domains);
    while (ix.domains && g_hash_table_iter_next(&it, &key, &value))
        for (const struct indexed *e = value; e; e = e->next)
            if (e->conn == conn && *n < count)
                memcpy(*uuids + VIR_UUID_BUFLEN * (*n)++, e->uuid, VIR_UUID_BUFLEN);
    ret = 1;
cleanup:
    pthread_mutex_unlock(&ix.lock);
    return ret;
}

/* The UUIDs (VIR_UUID_BUFLEN bytes each) of CONN's entries naming one of
 * the N PATHS, as a new array.  With the lock held. */
static GByteArray *uuids_naming(virConnectPtr conn, const char *const *paths, size_t n)
{
    GHashTable *chosen = g_hash_table_new(g_direct_hash, g_direct_equal);
    GByteArray *out = g_byte_array_new();

    for (size_t k = 0; ix.on && k < n; k++) {
        GHashTable *set = g_hash_table_lookup(ix.paths, paths[k]);
        GHashTableIter it;
        gpointer e;
        if (!set)
            continue;
        g_hash_table_iter_init(&it, set);
        while (g_hash_table_iter_next(&it, &e, NULL))
            if (((const struct indexed *)e)->conn == conn && g_hash_table_add(chosen, e))
                g_byte_array_append(out, ((const struct indexed *)e)->uuid, VIR_UUID_BUFLEN);
    }
    g_hash_table_destroy(chosen);
    return out;
}

int gf_disk_index_candidates(virConnectPtr conn, const char *const *paths, size_t n, int by_set,
                             virDomainPtr **cands)
{
    GHashTable *listed = NULL; /* UUID -> struct seen * */
    GByteArray *uuids = NULL;
    GPtrArray *out = NULL;
    struct seen *seen = NULL;
    int nseen = 0, ret = -1;

    *cands = NULL;
    if (!index_is_on())
        return 0;
    /* destructive: complete by libvirt's set of UUIDs, not its count */
    if (make_complete(conn, by_set, &seen, &nseen) < 0)
        return -1;
    pthread_mutex_lock(&ix.lock);
    uuids = uuids_naming(conn, paths, n);
    pthread_mutex_unlock(&ix.lock);
    listed = g_hash_table_new(gf_uuid_hash, gf_uuid_equal);
    for (int i = 0; i < nseen; i++)
        g_hash_table_insert(listed, seen[i].uuid, &seen[i]);
    out = g_ptr_array_new();
    for (guint k = 0; k + VIR_UUID_BUFLEN <= uuids->len; k += VIR_UUID_BUFLEN) {
        struct seen *s = g_hash_table_lookup(listed, uuids->data + k);
        virDomainPtr dom;
        if (s && s->dom) { /* the listing's handle, given away */
            g_ptr_array_add(out, s->dom);
            s->dom = NULL;
            continue;
        }
        if (s)
            continue; /* named twice */
        /* noted after the listing: looked up */
        if (!(dom = virDomainLookupByUUID(conn, uuids->data + k))) {
            virErrorPtr err = virGetLastError();
            if (err && err->code == VIR_ERR_NO_DOMAIN) { /* gone: it names nothing */
                virResetLastError();
                continue;
            }
            gf_err_virt("looking up a domain to see which disks it uses");
            goto cleanup;
        }
        g_ptr_array_add(out, dom);
    }
    if (out->len > 1)
        qsort(out->pdata, out->len, sizeof(gpointer), by_name);
    g_ptr_array_add(out, NULL);
    *cands = (virDomainPtr *)g_ptr_array_free(out, FALSE);
    out = NULL;
    ret = 1;
cleanup:
    if (out) {
        for (guint i = 0; i < out->len; i++)
            virDomainFree(out->pdata[i]);
        g_ptr_array_free(out, TRUE);
    }
    if (listed)
        g_hash_table_destroy(listed);
    g_byte_array_unref(uuids);
    seen_free(seen, nseen);
    return ret;
}

void gf_disk_index_candidates_free(virDomainPtr *cands)
{
    for (int i = 0; cands && cands[i]; i++)
        virDomainFree(cands[i]);
    free(cands);
}
