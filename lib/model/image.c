/* image.c - gold images and their versions. */
#include "model/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "model/disk_index.h"
#include "model/domxml.h"
#include "base/error.h"
#include "model/hosts.h"
#include "base/log.h"

/* Every domain of a connection with its Goldfarm metadata. */
struct scan {
    virDomainPtr *doms;
    struct gf_meta *metas; /* role NONE for a domain without metadata */
    int n;
};

/* Free what S holds; accepts an empty one. */
static void scan_free(struct scan *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->doms[i])
            virDomainFree(s->doms[i]);
    free(s->doms);
    free(s->metas);
    memset(s, 0, sizeof(*s));
}

/* List CONN's domains and read their metadata into S.  0 or -1. */
static int scan_domains(virConnectPtr conn, struct scan *s)
{
    memset(s, 0, sizeof(*s));
    if ((s->n = virConnectListAllDomains(conn, &s->doms, 0)) < 0) {
        s->n = 0;
        gf_err_virt("listing domains");
        return -1;
    }
    if (!(s->metas = calloc((size_t)s->n + 1, sizeof(*s->metas)))) {
        gf_err(GF_ERR_OP, "out of memory");
        scan_free(s);
        return -1;
    }
    for (int i = 0; i < s->n; i++) {
        if (gf_meta_get(s->doms[i], &s->metas[i]) < 0) {
            /* vanished meanwhile, or its element malformed: no image of
             * Goldfarm's, and no reason to fail for every other one */
            memset(&s->metas[i], 0, sizeof(s->metas[i]));
            gf_err_clear();
        }
    }
    return 0;
}

/* CONN's gold images with their metadata into S: through the index of
 * domains and the metadata cache when they are on (a domain the cache
 * knows as no gold image is not even looked up), else every domain as
 * scan_domains.  1 when S holds the gold images only, 0 when it holds
 * every domain, -1 with an error. */
static int scan_golds(virConnectPtr conn, struct scan *s)
{
    unsigned char *uuids = NULL;
    size_t n = 0, cap = 0;
    int on = gf_disk_index_uuids(conn, &uuids, &n);

    if (on <= 0)
        return on < 0 || scan_domains(conn, s) < 0 ? -1 : 0;
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        const unsigned char *uuid = uuids + i * VIR_UUID_BUFLEN;
        int role = gf_meta_cache_role(conn, uuid);
        virDomainPtr dom;
        if (role >= 0 && role != GF_ROLE_GOLD)
            continue;
        if ((size_t)s->n == cap) { /* a farm has a few golds among its hosts */
            size_t grow = cap ? cap * 2 : 4;
            virDomainPtr *doms = realloc(s->doms, grow * sizeof(*doms));
            struct gf_meta *metas = doms ? realloc(s->metas, grow * sizeof(*metas)) : NULL;
            if (doms)
                s->doms = doms;
            if (!doms || !metas) {
                gf_err(GF_ERR_OP, "out of memory");
                free(uuids);
                scan_free(s);
                return -1;
            }
            s->metas = metas;
            cap = grow;
        }
        if (!(dom = virDomainLookupByUUID(conn, uuid))) {
            virResetLastError(); /* gone meanwhile */
            continue;
        }
        if (gf_meta_get(dom, &s->metas[s->n]) < 0 || s->metas[s->n].role != GF_ROLE_GOLD) {
            gf_err_clear(); /* as scan_domains: no image of Goldfarm's */
            virDomainFree(dom);
            continue;
        }
        s->doms[s->n++] = dom;
    }
    free(uuids);
    return 1;
}

/* Whether domain I of S is a version of image NAME. */
static int is_version_of(const struct scan *s, int i, const char *name)
{
    return s->metas[i].role == GF_ROLE_GOLD && strcmp(s->metas[i].image, name) == 0;
}

/* Index in S of version VERSION of image NAME (0: the promoted one: the
 * highest serial, else the lowest version), or -1. */
static int version_index(const struct scan *s, const char *name, unsigned int version)
{
    int best = -1;

    for (int i = 0; i < s->n; i++) {
        const struct gf_meta *m = &s->metas[i], *b;
        if (!is_version_of(s, i, name))
            continue;
        if (version) {
            if (m->image_version == version)
                return i;
            continue;
        }
        b = best >= 0 ? &s->metas[best] : NULL;
        if (!b || m->promoted > b->promoted ||
            (m->promoted == b->promoted && m->image_version < b->image_version))
            best = i;
    }
    return best;
}

/* qsort comparator: strings in order. */
static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* qsort comparator: versions in ascending order. */
static int by_number(const void *a, const void *b)
{
    unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

    return (x > y) - (x < y);
}

/* The versions of image NAME in S, as "1, 2, 3" into BUF. */
static void versions_text(const struct scan *s, const char *name, char *buf, size_t len)
{
    unsigned int v[64];
    size_t n = 0, used = 0;

    for (int i = 0; i < s->n && n < 64; i++)
        if (is_version_of(s, i, name))
            v[n++] = s->metas[i].image_version;
    qsort(v, n, sizeof(v[0]), by_number);
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? ", " : "", v[i]);
}

int gf_domain_disks(virDomainPtr dom, struct gf_disk **disks, size_t *n)
{
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    int ret;

    if (!xml) {
        gf_err_virt("reading the definition of '%s'", virDomainGetName(dom));
        return -1;
    }
    ret = gf_domxml_disks(xml, disks, n);
    free(xml);
    return ret;
}

int gf_image_mark(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = gf_domain_lookup(conn, "domain", name);
    struct gf_disk *disks = NULL;
    struct gf_meta meta;
    struct scan s = {0};
    size_t ndisks = 0;
    int managed, ret = -1;

    if (!dom)
        return -1;
    if ((managed = gf_meta_get(dom, &meta)) < 0)
        goto cleanup;
    if (managed && meta.role == GF_ROLE_GOLD) {
        gf_err(GF_ERR_INPUT, "'%s' is already a gold image", name);
        goto cleanup;
    }
    if (managed) {
        gf_err(GF_ERR_INPUT, "'%s' is a host of farm '%s', not a candidate gold image", name,
               meta.farm);
        goto cleanup;
    }
    if (virDomainIsActive(dom) != 0) {
        gf_err(GF_ERR_INPUT, "'%s' is running: shut it down before marking it as gold", name);
        goto cleanup;
    }
    if (scan_domains(conn, &s) < 0)
        goto cleanup;
    if (version_index(&s, name, 0) >= 0) {
        gf_err(GF_ERR_INPUT,
               "an image called '%s' already exists (its new versions are sealed: vmctl image "
               "seal HOST --image %s)",
               name, name);
        goto cleanup;
    }
    if (gf_domain_disks(dom, &disks, &ndisks) < 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", gf_err_message());
        gf_err(GF_ERR_INPUT, "'%s' cannot be a gold image: %s", name, msg);
        goto cleanup;
    }
    if (ndisks == 0) {
        gf_err(GF_ERR_INPUT, "'%s' cannot be a gold image: it has no writable disk", name);
        goto cleanup;
    }
    memset(&meta, 0, sizeof(meta));
    meta.role = GF_ROLE_GOLD;
    snprintf(meta.image, sizeof(meta.image), "%s", name);
    meta.image_version = 1;
    meta.promoted = 1;
    meta.created = meta.since = time(NULL);
    snprintf(meta.reason, sizeof(meta.reason), "marked");
    if (gf_meta_set(dom, &meta) < 0)
        goto cleanup;
    gf_note("%s: marked as gold image (version 1, %zu disk%s)", name, ndisks,
            ndisks == 1 ? "" : "s");
    ret = 0;
cleanup:
    scan_free(&s);
    free(disks);
    virDomainFree(dom);
    return ret;
}

/* Whether S holds a gold domain called NAME. */
static int gold_named(const struct scan *s, const char *name)
{
    for (int k = 0; k < s->n; k++)
        if (s->metas[k].role == GF_ROLE_GOLD && strcmp(virDomainGetName(s->doms[k]), name) == 0)
            return 1;
    return 0;
}

virDomainPtr gf_image_find(virConnectPtr conn, const char *name, unsigned int version,
                           struct gf_meta *meta)
{
    virDomainPtr dom = NULL;
    struct scan s;
    char known[256];
    int i, golds;

    if (gf_name_check("image", name) < 0 || (golds = scan_golds(conn, &s)) < 0)
        return NULL;
    if (golds && version_index(&s, name, version) < 0 && !gold_named(&s, name)) {
        /* not the usual case: the errors below look at every domain */
        scan_free(&s);
        if (scan_domains(conn, &s) < 0)
            return NULL;
    }
    if ((i = version_index(&s, name, version)) < 0 && version_index(&s, name, 0) >= 0) {
        versions_text(&s, name, known, sizeof(known));
        gf_err(GF_ERR_INPUT, "image '%s' has no version %u (its versions: %s)", name, version,
               known);
        goto cleanup;
    }
    for (int k = 0; i < 0 && k < s.n; k++) /* a gold domain by its own name */
        if (s.metas[k].role == GF_ROLE_GOLD && strcmp(virDomainGetName(s.doms[k]), name) == 0)
            i = k;
    for (int k = 0; i < 0 && k < s.n; k++) {
        if (strcmp(virDomainGetName(s.doms[k]), name) == 0) {
            gf_err(GF_ERR_INPUT, "'%s' is not a gold image (vmctl image mark %s makes it one)",
                   name, name);
            goto cleanup;
        }
    }
    if (i < 0) {
        gf_err(GF_ERR_INPUT, "unknown gold image '%s'", name);
        goto cleanup;
    }
    if (version && s.metas[i].image_version != version) {
        gf_err(GF_ERR_INPUT, "gold domain '%s' is version %u of image '%s', not version %u", name,
               s.metas[i].image_version, s.metas[i].image, version);
        goto cleanup;
    }
    if (virDomainIsActive(s.doms[i]) != 0) {
        gf_err(GF_ERR_INPUT, "gold image '%s' is running: clones are made from a shut-off gold",
               virDomainGetName(s.doms[i]));
        goto cleanup;
    }
    dom = s.doms[i];
    s.doms[i] = NULL; /* the caller's now */
    *meta = s.metas[i];
cleanup:
    scan_free(&s);
    return dom;
}

/* The newest (NEWEST) or the promoted version of image NAME on CONN; 0
 * when there is no such image, -1 with an error. */
static long image_version(virConnectPtr conn, const char *name, int newest)
{
    struct scan s;
    long v = 0;

    if (scan_golds(conn, &s) < 0)
        return -1;
    for (int i = 0; i < s.n; i++)
        if (newest && is_version_of(&s, i, name) && s.metas[i].image_version > v)
            v = s.metas[i].image_version;
    if (!newest) {
        int i = version_index(&s, name, 0);
        v = i >= 0 ? s.metas[i].image_version : 0;
    }
    scan_free(&s);
    return v;
}

long gf_image_newest(virConnectPtr conn, const char *name)
{
    return image_version(conn, name, 1);
}

long gf_image_promoted(virConnectPtr conn, const char *name)
{
    return image_version(conn, name, 0);
}

int gf_image_promote(virConnectPtr conn, const char *name, unsigned int version, unsigned int *was)
{
    struct scan s;
    struct gf_meta m;
    unsigned int serial = 0;
    int i, cur, ret = -1;

    if (gf_name_check("image", name) < 0 || scan_domains(conn, &s) < 0)
        return -1;
    cur = version_index(&s, name, 0);
    if ((i = version_index(&s, name, version)) < 0) {
        char known[256];
        versions_text(&s, name, known, sizeof(known));
        if (cur < 0)
            gf_err(GF_ERR_INPUT, "there is no image called '%s'", name);
        else
            gf_err(GF_ERR_INPUT, "image '%s' has no version %u (its versions: %s)", name, version,
                   known);
        goto cleanup;
    }
    if (was)
        *was = s.metas[cur].image_version;
    if (i == cur) {
        ret = 0; /* already the one */
        goto cleanup;
    }
    for (int k = 0; k < s.n; k++)
        if (is_version_of(&s, k, name) && s.metas[k].promoted > serial)
            serial = s.metas[k].promoted;
    m = s.metas[i];
    m.promoted = serial + 1;
    if (gf_meta_set(s.doms[i], &m) < 0)
        goto cleanup;
    ret = 0; /* the caller says so */
cleanup:
    scan_free(&s);
    return ret;
}

/* The backing file path of volume VOL, into BUF ("" when none).  0 or -1. */
static int backing_of(virStorageVolPtr vol, char *buf, size_t len)
{
    char *xml = virStorageVolGetXMLDesc(vol, 0);
    xmlDocPtr doc =
        xml ? xmlReadMemory(xml, (int)strlen(xml), "volume.xml", NULL, XML_PARSE_NONET) : NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

    buf[0] = '\0';
    free(xml);
    if (!root) {
        xmlFreeDoc(doc);
        gf_err_virt("reading volume '%s'", virStorageVolGetName(vol));
        return -1;
    }
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, BAD_CAST "backingStore"))
            continue;
        for (xmlNodePtr c = n->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "path")) {
                xmlChar *path = xmlNodeGetContent(c);
                snprintf(buf, len, "%s", path ? (const char *)path : "");
                xmlFree(path);
            }
        }
    }
    xmlFreeDoc(doc);
    return 0;
}

/* The name of a volume of any pool on CONN backed by one of the N DISKS,
 * into BUF ("" when none).  0 or -1 with an error. */
static int volume_backed_by(virConnectPtr conn, const struct gf_disk *disks, size_t n, char *buf,
                            size_t len)
{
    virStoragePoolPtr *pools = NULL;
    int npools = virConnectListAllStoragePools(conn, &pools, VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    int ret = 0;

    buf[0] = '\0';
    if (npools < 0) {
        gf_err_virt("listing storage pools");
        return -1;
    }
    for (int p = 0; p < npools; p++) {
        virStorageVolPtr *vols = NULL;
        int nvols = ret == 0 && !buf[0] ? virStoragePoolListAllVolumes(pools[p], &vols, 0) : 0;
        if (nvols < 0) {
            gf_err_virt("listing the volumes of pool '%s'", virStoragePoolGetName(pools[p]));
            ret = -1;
            nvols = 0;
        }
        for (int v = 0; v < nvols; v++) {
            char backing[PATH_MAX];
            if (ret == 0 && !buf[0] && backing_of(vols[v], backing, sizeof(backing)) < 0)
                ret = -1;
            for (size_t d = 0; ret == 0 && !buf[0] && d < n; d++)
                if (backing[0] && strcmp(backing, disks[d].path) == 0)
                    snprintf(buf, len, "%s", virStorageVolGetName(vols[v]));
            virStorageVolFree(vols[v]);
        }
        free(vols);
        virStoragePoolFree(pools[p]);
    }
    free(pools);
    return ret;
}

int gf_image_retire(virConnectPtr conn, const char *name, unsigned int version)
{
    struct gf_disk *disks = NULL;
    struct scan s;
    size_t ndisks = 0;
    char users[256] = "", vol[GF_NAME_MAX * 2];
    int i, nusers = 0, ret = -1;

    if (gf_name_check("image", name) < 0 || scan_domains(conn, &s) < 0)
        return -1;
    if ((i = version_index(&s, name, version)) < 0) {
        char known[256];
        versions_text(&s, name, known, sizeof(known));
        gf_err(GF_ERR_INPUT, "image '%s' has no version %u%s%s%s", name, version,
               known[0] ? " (its versions: " : "", known, known[0] ? ")" : "");
        goto cleanup;
    }
    if (i == version_index(&s, name, 0)) {
        gf_err(GF_ERR_INPUT,
               "version %u is the version of '%s' new clones use: promote another first", version,
               name);
        goto cleanup;
    }
    {
        const char *names[8];
        for (int k = 0; k < s.n; k++) {
            const struct gf_meta *m = &s.metas[k];
            if (m->role == GF_ROLE_HOST && strcmp(m->image, name) == 0 &&
                m->image_version == version && nusers++ < 8)
                names[nusers - 1] = virDomainGetName(s.doms[k]);
        }
        qsort(names, (size_t)(nusers < 8 ? nusers : 8), sizeof(names[0]), by_string);
        for (int k = 0; k < nusers && k < 8; k++)
            snprintf(users + strlen(users), sizeof(users) - strlen(users), "%s%s", k ? ", " : "",
                     names[k]);
        if (nusers > 8)
            snprintf(users + strlen(users), sizeof(users) - strlen(users), ", ...");
    }
    if (nusers) {
        gf_err(GF_ERR_INPUT, "version %u of '%s' is in use by %d host%s: %s", version, name, nusers,
               nusers == 1 ? "" : "s", users);
        goto cleanup;
    }
    if (gf_domain_disks(s.doms[i], &disks, &ndisks) < 0)
        goto cleanup;
    if (s.metas[i].shared == GF_SHARE_SHARED) {
        /* pushed over shared storage: its disks are another hypervisor's
         * gold's too, and that gold's clones stand on them */
        if (gf_undefine(s.doms[i]) < 0) {
            gf_err_virt("undefining gold domain '%s'", virDomainGetName(s.doms[i]));
            goto cleanup;
        }
        gf_note("%s: version %u retired (gold domain undefined; its %zu disk%s kept: shared "
                "storage, another hypervisor's gold of it stands on them)",
                name, version, ndisks, ndisks == 1 ? "" : "s");
        ret = 0;
        goto cleanup;
    }
    if (volume_backed_by(conn, disks, ndisks, vol, sizeof(vol)) < 0)
        goto cleanup;
    if (vol[0]) {
        gf_err(GF_ERR_INPUT,
               "version %u of '%s' is the backing file of volume '%s' (a clone Goldfarm does not "
               "manage?): not retired",
               version, name, vol);
        goto cleanup;
    }
    /* the disks first: a crash between leaves the version's domain, which
     * retiring it again removes, and no disk nobody knows */
    for (size_t d = 0; d < ndisks; d++) {
        virStorageVolPtr v = virStorageVolLookupByPath(conn, disks[d].path);
        if (!v) {
            virResetLastError(); /* gone already: an earlier retirement stopped here */
            continue;
        }
        if (virStorageVolDelete(v, 0) < 0) {
            gf_err_virt("deleting disk %s of version %u of '%s' (retire it again)", disks[d].path,
                        version, name);
            virStorageVolFree(v);
            goto cleanup;
        }
        virStorageVolFree(v);
    }
    if (gf_undefine(s.doms[i]) < 0) {
        gf_err_virt("undefining gold domain '%s' (its disks are deleted; retire it again)",
                    virDomainGetName(s.doms[i]));
        goto cleanup;
    }
    gf_note("%s: version %u retired (gold domain and %zu disk%s deleted)", name, version, ndisks,
            ndisks == 1 ? "" : "s");
    ret = 0;
cleanup:
    free(disks);
    scan_free(&s);
    return ret;
}

/* qsort comparator: versions by image name, then version. */
static int by_image_version(const void *a, const void *b)
{
    const struct gf_image *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : (x->version > y->version) - (x->version < y->version);
}

/* Add "FARM:1" for a host of FARM to IMG's farm list, or count it up. */
static void count_farm(struct gf_image *img, const char *farm)
{
    char entries[sizeof(img->farms)], out[sizeof(img->farms)] = "", *save = NULL;
    int found = 0;

    snprintf(entries, sizeof(entries), "%s", img->farms);
    for (char *e = strtok_r(entries, " ", &save); e; e = strtok_r(NULL, " ", &save)) {
        char *colon = strrchr(e, ':');
        int n = colon ? atoi(colon + 1) : 0;
        if (colon && (size_t)(colon - e) == strlen(farm) && strncmp(e, farm, strlen(farm)) == 0) {
            n++;
            found = 1;
        }
        if (colon)
            *colon = '\0';
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s:%d", out[0] ? " " : "", e, n);
    }
    if (!found)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s:1", out[0] ? " " : "", farm);
    snprintf(img->farms, sizeof(img->farms), "%s", out);
}

int gf_image_list(virConnectPtr conn, struct gf_image **list, size_t *n)
{
    struct gf_image *out = NULL;
    struct scan s;
    size_t nout = 0;
    int ret = -1;

    if (scan_domains(conn, &s) < 0)
        return -1;
    if (!(out = calloc((size_t)s.n + 1, sizeof(*out)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < s.n; i++) {
        const struct gf_meta *m = &s.metas[i];
        struct gf_image *img = &out[nout];
        struct gf_disk *disks = NULL;
        if (m->role != GF_ROLE_GOLD)
            continue;
        snprintf(img->name, sizeof(img->name), "%s",
                 m->image[0] ? m->image : virDomainGetName(s.doms[i]));
        snprintf(img->domain, sizeof(img->domain), "%s", virDomainGetName(s.doms[i]));
        img->version = m->image_version;
        img->parent = m->parent_version;
        img->promoted = version_index(&s, img->name, 0) == i;
        img->marked = m->created;
        snprintf(img->note, sizeof(img->note), "%s", m->note);
        snprintf(img->sha256, sizeof(img->sha256), "%s", m->sha256);
        snprintf(img->reason, sizeof(img->reason), "%s", m->reason);
        if (gf_domain_disks(s.doms[i], &disks, &img->ndisks) < 0)
            goto cleanup;
        if (img->ndisks)
            snprintf(img->disk, sizeof(img->disk), "%s", disks[0].path);
        free(disks);
        for (int j = 0; j < s.n; j++) {
            const struct gf_meta *h = &s.metas[j];
            if (h->role != GF_ROLE_HOST || strcmp(h->image, img->name) != 0 ||
                h->image_version != img->version)
                continue;
            img->clones++;
            count_farm(img, h->farm[0] ? h->farm : "-");
        }
        nout++;
    }
    qsort(out, nout, sizeof(*out), by_image_version);
    *list = out;
    *n = nout;
    out = NULL;
    ret = 0;
cleanup:
    scan_free(&s);
    free(out);
    return ret;
}

/* gf_image_owns_disk, the index checked by libvirt's set of UUIDs
 * (BY_SET) or its count. */
static int owns_disk(virConnectPtr conn, const char *path, int by_set)
{
    virDomainPtr *all = NULL;
    int n, owned = 0;

    /* with the index on, only the domains naming PATH can be its gold:
     * each read from libvirt (metadata, definition) before it counts */
    if ((n = gf_disk_index_candidates(conn, &path, 1, by_set, &all)) < 0)
        return -1;
    if (n) {
        for (int i = 0; all[i] && owned == 0; i++) {
            struct gf_meta m;
            struct gf_disk *disks = NULL;
            size_t nd = 0;
            int managed = gf_meta_get(all[i], &m);
            if (managed < 0)
                gf_err_clear(); /* as below: no gold image */
            if (managed == 1 && m.role == GF_ROLE_GOLD) {
                if (gf_domain_disks(all[i], &disks, &nd) < 0)
                    owned = -1;
                for (size_t j = 0; owned == 0 && j < nd; j++)
                    if (strcmp(disks[j].path, path) == 0)
                        owned = 1;
                free(disks);
            }
        }
        gf_disk_index_candidates_free(all);
        return owned;
    }
    if ((n = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        struct gf_disk *disks = NULL;
        size_t nd = 0;
        /* a domain whose metadata cannot be read is no gold image; what
         * deletes a disk also asks gf_disk_users, which it cannot fool */
        int managed = owned ? 0 : gf_meta_get(all[i], &m);
        if (managed < 0)
            gf_err_clear();
        if (managed == 1 && m.role == GF_ROLE_GOLD) {
            if (gf_domain_disks(all[i], &disks, &nd) < 0)
                owned = -1;
            for (size_t j = 0; owned == 0 && j < nd; j++)
                if (strcmp(disks[j].path, path) == 0)
                    owned = 1;
            free(disks);
        }
        virDomainFree(all[i]);
    }
    free(all);
    return owned;
}

int gf_image_owns_disk(virConnectPtr conn, const char *path)
{
    return owns_disk(conn, path, 1);
}

int gf_image_owns_disk_precheck(virConnectPtr conn, const char *path)
{
    return owns_disk(conn, path, 0);
}
