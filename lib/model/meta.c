/* meta.c - Goldfarm's metadata element on a libvirt domain. */
#include "model/meta.h"
#include "model/meta_pack.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>

#include "base/error.h"
#include "model/uuid_key.h"
#include "base/escape.h"
#include "base/size.h"
#include "base/timefmt.h"

/* The metadata cache: what gf_meta_get would answer, by domain UUID (a
 * GHashTable: one lookup, whatever the number of domains).  The same UUID
 * may stand on two hypervisors: each UUID's value is a short list of
 * entries, one per connection. */
struct cached_meta {
    virConnectPtr conn;
    int managed;           /* gf_meta_get's answer: 1 or 0 */
    gf_role role;          /* the metadata's role (GF_ROLE_NONE when not managed) */
    unsigned char *packed; /* the metadata, gf_meta_pack'ed (NULL when not managed) */
    int have_size;         /* SIZE is what virDomainGetInfo said (observe's fallback) */
    struct gf_dom_size size;
    struct cached_meta *next; /* the same UUID on another connection */
};

/* Forgetting counts, by a UUID's hash: a store whose count moved since its
 * libvirt call began is dropped (GF_META_EPOCHS of them, so that a forget
 * of one domain seldom drops another's store). */
#define GF_META_EPOCHS 64

static struct {
    int on;
    GHashTable *entries; /* UUID (VIR_UUID_BUFLEN bytes, owned) -> struct cached_meta list */
    unsigned long every; /* forgets of every domain */
    unsigned long epochs[GF_META_EPOCHS]; /* forgets of one, by its UUID's hash */
    void (*hook)(virDomainPtr dom);       /* gf_meta_cache_test_hook's */
    pthread_mutex_t lock;
} meta_cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The forgetting count that covers UUID.  Called with the lock held. */
static unsigned long epoch_locked(const unsigned char *uuid)
{
    return meta_cache.every + meta_cache.epochs[gf_uuid_hash(uuid) % GF_META_EPOCHS];
}

/* The same, taking the lock: read before a libvirt call whose answer may
 * be stored. */
static unsigned long cache_epoch(const unsigned char *uuid)
{
    unsigned long epoch;

    pthread_mutex_lock(&meta_cache.lock);
    epoch = epoch_locked(uuid);
    pthread_mutex_unlock(&meta_cache.lock);
    return epoch;
}

void gf_meta_cache_test_hook(void (*fn)(virDomainPtr dom))
{
    __atomic_store_n(&meta_cache.hook, fn, __ATOMIC_RELEASE);
}

/* The test hook, when one is set, for DOM. */
static void run_hook(virDomainPtr dom)
{
    void (*fn)(virDomainPtr) = __atomic_load_n(&meta_cache.hook, __ATOMIC_ACQUIRE);

    if (fn)
        fn(dom);
}

/* Free a list of entries (a GHashTable value destructor). */
static void entries_free(gpointer p)
{
    for (struct cached_meta *e = p, *next; e; e = next) {
        next = e->next;
        free(e->packed);
        free(e);
    }
}

void gf_meta_cache_enable(int on)
{
    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.entries)
        g_hash_table_destroy(meta_cache.entries);
    meta_cache.entries =
        on ? g_hash_table_new_full(gf_uuid_hash, gf_uuid_equal, free, entries_free) : NULL;
    meta_cache.on = on && meta_cache.entries;
    pthread_mutex_unlock(&meta_cache.lock);
}

int gf_meta_cache_size(void)
{
    int n = 0;

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.entries)
        n = (int)g_hash_table_size(meta_cache.entries);
    pthread_mutex_unlock(&meta_cache.lock);
    return n;
}

/* The entry for UUID on CONN, or NULL.  Called with the lock held. */
static struct cached_meta *cache_find(virConnectPtr conn, const unsigned char *uuid)
{
    struct cached_meta *e =
        meta_cache.entries ? g_hash_table_lookup(meta_cache.entries, uuid) : NULL;

    while (e && e->conn != conn)
        e = e->next;
    return e;
}

/* Entry E's answer into M: 1 (M filled) or 0 as gf_meta_get, -1 when it
 * holds none.  Called with the lock held. */
static int entry_meta(const struct cached_meta *e, struct gf_meta *m)
{
    if (e->managed == 1)
        gf_meta_unpack(e->packed, m);
    else if (e->managed == 0)
        memset(m, 0, sizeof(*m));
    return e->managed;
}

void gf_meta_cache_forget(virDomainPtr dom)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.entries) {
        /* every entry for the UUID, whatever its connection (two
         * connections may see the same domain) */
        if (!dom) {
            g_hash_table_remove_all(meta_cache.entries);
            meta_cache.every++;
        } else if (virDomainGetUUID(dom, uuid) == 0) {
            g_hash_table_remove(meta_cache.entries, uuid);
            meta_cache.epochs[gf_uuid_hash(uuid) % GF_META_EPOCHS]++;
        }
    }
    pthread_mutex_unlock(&meta_cache.lock);
}

/* Remember that the domain UUID of CONN has metadata M (MANAGED 1) or none
 * (0), when the cache is on and nothing forgot it since EPOCH
 * (cache_epoch, read before the libvirt call that gave M). */
static void cache_store(virConnectPtr conn, const unsigned char *uuid, unsigned long epoch,
                        int managed, const struct gf_meta *m)
{
    struct cached_meta *e;

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.on && epoch_locked(uuid) != epoch) {
        e = NULL; /* forgotten meanwhile: M may be older than that change */
    } else if (meta_cache.on && !(e = cache_find(conn, uuid))) {
        unsigned char *key = NULL;
        struct cached_meta *first = g_hash_table_lookup(meta_cache.entries, uuid);
        if ((e = calloc(1, sizeof(*e)))) {
            e->conn = conn;
            if (first) { /* behind the list's head: the key stays */
                e->next = first->next;
                first->next = e;
            } else if ((key = malloc(VIR_UUID_BUFLEN))) {
                memcpy(key, uuid, VIR_UUID_BUFLEN);
                g_hash_table_insert(meta_cache.entries, key, e);
            } else {
                free(e);
                e = NULL;
            }
        }
    } else if (!meta_cache.on) {
        e = NULL;
    }
    if (e) {
        size_t len;
        unsigned char *packed = managed ? gf_meta_pack(m, &len) : NULL;
        free(e->packed);
        e->packed = packed;
        /* no room to keep it: not cached (the next reading asks libvirt) */
        e->managed = managed && !packed ? -1 : managed;
        e->role = managed ? m->role : GF_ROLE_NONE;
        e->have_size = 0; /* a new answer: the size is read again */
    }
    pthread_mutex_unlock(&meta_cache.lock);
}

int gf_meta_cache_peek(virConnectPtr conn, const unsigned char *uuid, struct gf_meta *m)
{
    struct cached_meta *e;
    int managed = -1;

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.on && (e = cache_find(conn, uuid)))
        managed = entry_meta(e, m);
    pthread_mutex_unlock(&meta_cache.lock);
    return managed;
}

int gf_meta_cache_role(virConnectPtr conn, const unsigned char *uuid)
{
    struct cached_meta *e;
    int role = -1;

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.on && (e = cache_find(conn, uuid)))
        role = e->managed >= 0 ? (int)e->role : -1;
    pthread_mutex_unlock(&meta_cache.lock);
    return role;
}

int gf_meta_cache_size_get(virConnectPtr conn, const unsigned char *uuid, struct gf_dom_size *sz)
{
    struct cached_meta *e;
    int have = 0;

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.on && (e = cache_find(conn, uuid)) && e->have_size) {
        *sz = e->size;
        have = 1;
    }
    pthread_mutex_unlock(&meta_cache.lock);
    return have;
}

void gf_meta_cache_size_put(virConnectPtr conn, const unsigned char *uuid,
                            const struct gf_dom_size *sz)
{
    struct cached_meta *e;

    pthread_mutex_lock(&meta_cache.lock);
    if (meta_cache.on && (e = cache_find(conn, uuid))) {
        e->size = *sz;
        e->have_size = 1;
    }
    pthread_mutex_unlock(&meta_cache.lock);
}

/* DOM's cached answer into M: 1 or 0 as gf_meta_get, or -1 when not cached. */
static int cache_load(virDomainPtr dom, struct gf_meta *m)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    struct cached_meta *e;
    int managed = -1;

    if (!meta_cache.on || virDomainGetUUID(dom, uuid) < 0)
        return -1;
    pthread_mutex_lock(&meta_cache.lock);
    if ((e = cache_find(virDomainGetConnect(dom), uuid)))
        managed = entry_meta(e, m);
    pthread_mutex_unlock(&meta_cache.lock);
    return managed;
}

static const char *const state_names[] = {"active",   "standby", "draining", "quarantined",
                                          "retiring", "sealing", ""};
static const char *const drain_names[] = {"", "scaler", "admin", "rollout", "health"};
static const char *const replace_names[] = {"", "drain", "now"};

const char *gf_host_state_name(enum gf_host_state s)
{
    return s >= GF_HS_ACTIVE && s <= GF_HS_NONE ? state_names[s] : "?";
}

int gf_host_state_parse(const char *name)
{
    for (int s = GF_HS_ACTIVE; s < GF_HS_NONE; s++)
        if (strcmp(name, state_names[s]) == 0)
            return s;
    return -1;
}

const char *gf_drain_by_name(enum gf_drain_by d)
{
    return d >= GF_DRAIN_NONE && d <= GF_DRAIN_HEALTH ? drain_names[d] : "?";
}

const char *gf_replace_name(enum gf_replace_req r)
{
    return r >= GF_REPLACE_NONE && r <= GF_REPLACE_NOW ? replace_names[r] : "?";
}

/* The index of NAME among N NAMES, or -1. */
static int index_of(const char *name, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *gf_role_name(gf_role role)
{
    switch (role) {
    case GF_ROLE_GOLD:
        return "gold";
    case GF_ROLE_HOST:
        return "host";
    case GF_ROLE_NONE:
        break;
    }
    return "none";
}

/* The shared= words, by enum gf_disk_share ("": not recorded). */
static const char *const share_names[] = {"", "no", "yes"};

/* Set attribute NAME to VALUE on NODE unless VALUE is empty. */
static void set_prop(xmlNodePtr node, const char *name, const char *value)
{
    if (value && *value)
        xmlSetProp(node, BAD_CAST name, BAD_CAST value);
}

xmlNodePtr gf_meta_to_node(const struct gf_meta *m, xmlDocPtr doc, int with_ns)
{
    char buf[GF_TIME_LEN];
    xmlNodePtr node = xmlNewDocNode(doc, NULL, BAD_CAST GF_META_ELEMENT, NULL);
    xmlNsPtr ns;

    if (!node) {
        gf_err(GF_ERR_OP, "out of memory building metadata");
        return NULL;
    }
    if (with_ns) {
        ns = xmlNewNs(node, BAD_CAST GF_META_NS, BAD_CAST GF_META_PREFIX);
        xmlSetNs(node, ns);
    }
    set_prop(node, "role", gf_role_name(m->role));
    set_prop(node, "farm", m->farm);
    set_prop(node, "image", m->image);
    if (m->image_version) {
        snprintf(buf, sizeof(buf), "%u", m->image_version);
        set_prop(node, "image-version", buf);
    }
    if (m->role == GF_ROLE_HOST)
        set_prop(node, "state", gf_host_state_name(m->state));
    if (m->role == GF_ROLE_HOST && m->state == GF_HS_STANDBY && m->standby_kind != GF_SB_OFF)
        set_prop(node, "standby-kind", gf_standby_kind_name(m->standby_kind));
    if (m->since) {
        gf_time_iso(m->since, buf);
        set_prop(node, "since", buf);
    }
    set_prop(node, "reason", m->reason);
    set_prop(node, "drained-by", gf_drain_by_name(m->drained_by));
    if (m->notified) {
        gf_time_iso(m->notified, buf);
        set_prop(node, "notified", buf);
    }
    if (m->logoff_sent) {
        gf_time_iso(m->logoff_sent, buf);
        set_prop(node, "logoff-sent", buf);
    }
    set_prop(node, "replace", gf_replace_name(m->replace));
    if (m->seal_version) {
        snprintf(buf, sizeof(buf), "%u", m->seal_version);
        set_prop(node, "seal-version", buf);
    }
    set_prop(node, "seal-gold", m->seal_gold);
    set_prop(node, "sealed-from", m->sealed_from);
    if (m->created) {
        gf_time_iso(m->created, buf);
        set_prop(node, "created", buf);
    }
    set_prop(node, "replaces", m->replaces);
    set_prop(node, "replaced-by", m->replaced_by);
    set_prop(node, "supersedes", m->supersedes);
    set_prop(node, "superseded-by", m->superseded_by);
    if (m->ready_since) {
        gf_time_iso(m->ready_since, buf);
        set_prop(node, "ready-since", buf);
    }
    if (m->resized) {
        gf_time_iso(m->resized, buf);
        set_prop(node, "resized", buf);
    }
    if (m->boot_vcpus) {
        snprintf(buf, sizeof(buf), "%u", m->boot_vcpus);
        set_prop(node, "boot-vcpus", buf);
    }
    if (m->boot_memory_kib) {
        gf_size_format(m->boot_memory_kib, buf, sizeof(buf));
        set_prop(node, "boot-memory", buf);
    }
    if (m->parent_version) {
        snprintf(buf, sizeof(buf), "%u", m->parent_version);
        set_prop(node, "parent-version", buf);
    }
    set_prop(node, "note", m->note);
    set_prop(node, "op-tag", m->op_tag);
    set_prop(node, "sha256", m->sha256);
    set_prop(node, "shared", share_names[m->shared]);
    if (m->promoted) {
        snprintf(buf, sizeof(buf), "%u", m->promoted);
        set_prop(node, "promoted", buf);
    }
    return node;
}

/* Copy attribute NAME of NODE into DST (LEN bytes), "" when absent.
 * Returns 0, or -1 with an error when the value does not fit. */
static int get_prop(xmlNodePtr node, const char *name, char *dst, size_t len)
{
    xmlChar *value = xmlGetProp(node, BAD_CAST name);
    int ret = 0;

    dst[0] = '\0';
    if (!value)
        return 0;
    if (strlen((const char *)value) >= len) {
        gf_err(GF_ERR_OP, "goldfarm metadata: attribute %s is too long", name);
        ret = -1;
    } else {
        memcpy(dst, value, strlen((const char *)value) + 1);
    }
    xmlFree(value);
    return ret;
}

/* Parse timestamp attribute NAME of NODE into *T (0 when absent). */
static int get_time_prop(xmlNodePtr node, const char *name, time_t *t)
{
    char buf[GF_TIME_LEN];

    *t = 0;
    if (get_prop(node, name, buf, sizeof(buf)) < 0)
        return -1;
    if (buf[0] && gf_time_parse_iso(buf, t) < 0) {
        char esc[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "goldfarm metadata: %s '%s' is not an ISO 8601 UTC time", name,
               gf_esc(buf, esc, sizeof(esc)));
        return -1;
    }
    return 0;
}

/* Parse the positive number attribute NAME of NODE (at most MAX) into *V;
 * 0 when absent.  Returns 0, or -1 with an error. */
static int get_uint_prop(xmlNodePtr node, const char *name, unsigned int max, unsigned int *v)
{
    char buf[16], *end;
    unsigned long n;

    *v = 0;
    if (get_prop(node, name, buf, sizeof(buf)) < 0)
        return -1;
    if (!buf[0])
        return 0;
    n = strtoul(buf, &end, 10);
    if (*end || n == 0 || n > max) {
        char esc[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "goldfarm metadata: %s '%s' is not a number from 1 to %u", name,
               gf_esc(buf, esc, sizeof(esc)), max);
        return -1;
    }
    *v = (unsigned int)n;
    return 0;
}

/* Parse the size attribute NAME of NODE ("16G") into *KIB; 0 when
 * absent.  Returns 0, or -1 with an error. */
static int get_size_prop(xmlNodePtr node, const char *name, unsigned long long *kib)
{
    char buf[32];

    *kib = 0;
    if (get_prop(node, name, buf, sizeof(buf)) < 0)
        return -1;
    if (buf[0] && gf_size_parse(name, buf, kib) < 0) {
        char esc[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "goldfarm metadata: %s '%s' is not a size like \"16G\"", name,
               gf_esc(buf, esc, sizeof(esc)));
        return -1;
    }
    return 0;
}

/* The sha256 attribute of NODE (64 lowercase hex digits, or absent: "")
 * into HEX.  0, or -1 with an error. */
static int get_sha256_prop(xmlNodePtr node, char hex[GF_SHA256_HEX + 1])
{
    char buf[GF_SHA256_HEX + 2];
    size_t n;

    hex[0] = '\0';
    if (get_prop(node, "sha256", buf, sizeof(buf)) < 0)
        return -1;
    if (!buf[0])
        return 0;
    if ((n = strspn(buf, "0123456789abcdef")) != GF_SHA256_HEX || buf[n]) {
        char esc[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "goldfarm metadata: sha256 '%s' is not 64 lowercase hex digits",
               gf_esc(buf, esc, sizeof(esc)));
        return -1;
    }
    memcpy(hex, buf, GF_SHA256_HEX + 1);
    return 0;
}

/* Parse the word attribute NAME of NODE, one of N NAMES ("" when absent
 * is index 0 unless ABSENT says another), into *V.  0, or -1 with an
 * error. */
static int get_enum_prop(xmlNodePtr node, const char *name, const char *const *names, int n,
                         int absent, int *v)
{
    char buf[32];

    if (get_prop(node, name, buf, sizeof(buf)) < 0)
        return -1;
    if (!buf[0]) {
        *v = absent;
        return 0;
    }
    if ((*v = index_of(buf, names, n)) < 0) {
        char shown[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "goldfarm metadata: %s '%s' is not one Goldfarm knows", name,
               gf_esc(buf, shown, sizeof(shown)));
        return -1;
    }
    return 0;
}

int gf_meta_from_node(xmlNodePtr node, struct gf_meta *m)
{
    char role[16];
    int state, drain, replace, kind, share;

    memset(m, 0, sizeof(*m));
    if (get_prop(node, "role", role, sizeof(role)) < 0 ||
        get_prop(node, "farm", m->farm, sizeof(m->farm)) < 0 ||
        get_prop(node, "image", m->image, sizeof(m->image)) < 0 ||
        get_uint_prop(node, "image-version", GF_VERSION_MAX, &m->image_version) < 0 ||
        get_uint_prop(node, "parent-version", GF_VERSION_MAX, &m->parent_version) < 0 ||
        get_uint_prop(node, "promoted", 4000000000u, &m->promoted) < 0 ||
        get_prop(node, "note", m->note, sizeof(m->note)) < 0 ||
        get_prop(node, "op-tag", m->op_tag, sizeof(m->op_tag)) < 0 ||
        get_prop(node, "supersedes", m->supersedes, sizeof(m->supersedes)) < 0 ||
        get_prop(node, "superseded-by", m->superseded_by, sizeof(m->superseded_by)) < 0 ||
        get_enum_prop(node, "state", state_names, GF_HS_NONE, GF_HS_ACTIVE, &state) < 0 ||
        get_enum_prop(node, "drained-by", drain_names, 5, GF_DRAIN_NONE, &drain) < 0 ||
        get_enum_prop(node, "replace", replace_names, 3, GF_REPLACE_NONE, &replace) < 0 ||
        get_enum_prop(node, "standby-kind", gf_standby_kind_names, GF_SB_NKINDS, 0, &kind) < 0 ||
        get_time_prop(node, "notified", &m->notified) < 0 ||
        get_time_prop(node, "logoff-sent", &m->logoff_sent) < 0 ||
        get_uint_prop(node, "seal-version", GF_VERSION_MAX, &m->seal_version) < 0 ||
        get_prop(node, "seal-gold", m->seal_gold, sizeof(m->seal_gold)) < 0 ||
        get_prop(node, "sealed-from", m->sealed_from, sizeof(m->sealed_from)) < 0 ||
        get_prop(node, "reason", m->reason, sizeof(m->reason)) < 0 ||
        get_prop(node, "replaces", m->replaces, sizeof(m->replaces)) < 0 ||
        get_prop(node, "replaced-by", m->replaced_by, sizeof(m->replaced_by)) < 0 ||
        get_time_prop(node, "since", &m->since) < 0 ||
        get_time_prop(node, "created", &m->created) < 0 ||
        get_time_prop(node, "ready-since", &m->ready_since) < 0 ||
        get_time_prop(node, "resized", &m->resized) < 0 ||
        get_uint_prop(node, "boot-vcpus", 4096, &m->boot_vcpus) < 0 ||
        get_size_prop(node, "boot-memory", &m->boot_memory_kib) < 0 ||
        get_sha256_prop(node, m->sha256) < 0 ||
        get_enum_prop(node, "shared", share_names, 3, GF_SHARE_UNKNOWN, &share) < 0)
        return -1;
    m->shared = (enum gf_disk_share)share;
    m->state = (enum gf_host_state)state;
    m->drained_by = (enum gf_drain_by)drain;
    m->replace = (enum gf_replace_req)replace;
    m->standby_kind = m->state == GF_HS_STANDBY ? (enum gf_standby_kind)kind : GF_SB_OFF;
    if (strcmp(role, "gold") == 0) {
        m->role = GF_ROLE_GOLD;
        m->state = GF_HS_NONE;
    } else if (strcmp(role, "host") == 0) {
        m->role = GF_ROLE_HOST;
    } else {
        char esc[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "goldfarm metadata: unknown role '%s'", gf_esc(role, esc, sizeof(esc)));
        return -1;
    }
    return 0;
}

/* Read DOM's metadata from libvirt into M, as gf_meta_get, and cache it:
 * under UUID of CONN when UUID is not NULL, else under DOM's own. */
static int meta_read(virDomainPtr dom, virConnectPtr conn, const unsigned char *uuid,
                     struct gf_meta *m);

int gf_meta_get_known(virConnectPtr conn, virDomainPtr dom, const unsigned char *uuid,
                      struct gf_meta *m)
{
    int managed = gf_meta_cache_peek(conn, uuid, m);

    return managed >= 0 ? managed : meta_read(dom, conn, uuid, m);
}

int gf_meta_get(virDomainPtr dom, struct gf_meta *m)
{
    int ret = cache_load(dom, m);

    return ret >= 0 ? ret : meta_read(dom, NULL, NULL, m);
}

static int meta_read(virDomainPtr dom, virConnectPtr conn, const unsigned char *uuid,
                     struct gf_meta *m)
{
    unsigned char own[VIR_UUID_BUFLEN];
    unsigned long epoch = 0;
    char *xml;
    xmlDocPtr doc = NULL;
    int ret = -1, keep = meta_cache.on;

    if (keep && !uuid) {
        conn = virDomainGetConnect(dom);
        uuid = own;
        keep = virDomainGetUUID(dom, own) == 0;
    }
    if (keep)
        epoch = cache_epoch(uuid); /* before the answer: a forget after it wins */
    xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, GF_META_NS,
                               VIR_DOMAIN_AFFECT_CONFIG);

    memset(m, 0, sizeof(*m));
    if (!xml) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN_METADATA) {
            virResetLastError();
            run_hook(dom);
            if (keep)
                cache_store(conn, uuid, epoch, 0, m);
            return 0;
        }
        gf_err_virt("reading goldfarm metadata of '%s'", virDomainGetName(dom));
        return -1;
    }
    doc = xmlReadMemory(xml, (int)strlen(xml), "metadata.xml", NULL, XML_PARSE_NONET);
    if (!doc || !xmlDocGetRootElement(doc)) {
        gf_err(GF_ERR_OP, "goldfarm metadata of '%s' is not XML", virDomainGetName(dom));
        goto cleanup;
    }
    if (gf_meta_from_node(xmlDocGetRootElement(doc), m) < 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", gf_err_message());
        gf_err(GF_ERR_OP, "%s (domain '%s')", msg, virDomainGetName(dom));
        goto cleanup;
    }
    ret = 1;
    run_hook(dom);
    if (keep)
        cache_store(conn, uuid, epoch, 1, m);
cleanup:
    xmlFreeDoc(doc);
    free(xml);
    return ret;
}

int gf_meta_set(virDomainPtr dom, const struct gf_meta *m)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr node;
    xmlBufferPtr buf = xmlBufferCreate();
    unsigned int flags = VIR_DOMAIN_AFFECT_CONFIG;
    unsigned char uuid[VIR_UUID_BUFLEN];
    unsigned long epoch = 0;
    int ret = -1, keep;

    if (!doc || !buf || !(node = gf_meta_to_node(m, doc, 0)))
        goto cleanup;
    xmlDocSetRootElement(doc, node);
    xmlNodeDump(buf, doc, node, 0, 0);
    if (virDomainIsActive(dom) == 1)
        flags |= VIR_DOMAIN_AFFECT_LIVE;
    gf_meta_cache_forget(dom); /* on every connection that sees it */
    if ((keep = meta_cache.on && virDomainGetUUID(dom, uuid) == 0))
        epoch = cache_epoch(uuid);
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, (const char *)xmlBufferContent(buf),
                             GF_META_PREFIX, GF_META_NS, flags) < 0) {
        gf_err_virt("writing goldfarm metadata of '%s'", virDomainGetName(dom));
        goto cleanup;
    }
    run_hook(dom);
    if (keep) /* what it wrote, unless another program's change came since */
        cache_store(virDomainGetConnect(dom), uuid, epoch, 1, m);
    ret = 0;
cleanup:
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return ret;
}

void gf_meta_apply_state(struct gf_meta *m, enum gf_host_state state, const char *reason,
                         time_t now)
{
    if (state != GF_HS_KEEP) {
        if (state != m->state) {
            m->drained_by = GF_DRAIN_NONE;
            m->notified = m->logoff_sent = 0;
            m->replace = GF_REPLACE_NONE;
        }
        if (state != GF_HS_STANDBY)
            m->standby_kind = GF_SB_OFF;
        m->state = state;
        m->since = now;
    }
    if (reason)
        snprintf(m->reason, sizeof(m->reason), "%s", reason);
}

int gf_meta_set_state(virDomainPtr dom, enum gf_host_state state, const char *reason, time_t now)
{
    struct gf_meta m;
    int managed = gf_meta_get(dom, &m);

    if (managed < 0)
        return -1;
    if (!managed) {
        gf_err(GF_ERR_OP, "'%s' has no goldfarm metadata", virDomainGetName(dom));
        return -1;
    }
    gf_meta_apply_state(&m, state, reason, now);
    return gf_meta_set(dom, &m);
}
