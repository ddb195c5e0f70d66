/* image.c - gold images: shut-off domains whose disks clones are built on. */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domxml.h"
#include "error.h"
#include "hosts.h"
#include "log.h"

/* The writable disks of DOM's persistent definition; see gf_domxml_disks. */
static int domain_disks(virDomainPtr dom, struct gf_disk **disks, size_t *n)
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
    if (domain_disks(dom, &disks, &ndisks) < 0) {
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
    meta.created = meta.since = time(NULL);
    snprintf(meta.reason, sizeof(meta.reason), "marked");
    if (gf_meta_set(dom, &meta) < 0)
        goto cleanup;
    gf_note("%s: marked as gold image (version 1, %zu disk%s)", name, ndisks,
            ndisks == 1 ? "" : "s");
    ret = 0;
cleanup:
    free(disks);
    virDomainFree(dom);
    return ret;
}

virDomainPtr gf_image_lookup(virConnectPtr conn, const char *name, struct gf_meta *meta)
{
    virDomainPtr dom = gf_domain_lookup(conn, "gold image", name);
    int managed;

    if (!dom)
        return NULL;
    if ((managed = gf_meta_get(dom, meta)) < 0)
        goto fail;
    if (!managed || meta->role != GF_ROLE_GOLD) {
        gf_err(GF_ERR_INPUT, "'%s' is not a gold image (vmctl image mark %s makes it one)", name,
               name);
        goto fail;
    }
    if (virDomainIsActive(dom) != 0) {
        gf_err(GF_ERR_INPUT, "gold image '%s' is running: clones are made from a shut-off gold",
               name);
        goto fail;
    }
    return dom;
fail:
    virDomainFree(dom);
    return NULL;
}

/* qsort comparator: images by name. */
static int image_by_name(const void *a, const void *b)
{
    return strcmp(((const struct gf_image *)a)->name, ((const struct gf_image *)b)->name);
}

int gf_image_list(virConnectPtr conn, struct gf_image **list, size_t *n)
{
    virDomainPtr *all = NULL;
    struct gf_meta *metas = NULL;
    struct gf_image *out = NULL;
    size_t nout = 0;
    int nall, ret = -1;

    if ((nall = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    metas = calloc((size_t)nall + 1, sizeof(*metas));
    out = calloc((size_t)nall + 1, sizeof(*out));
    if (!metas || !out) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < nall; i++)
        if (gf_meta_get(all[i], &metas[i]) < 0)
            goto cleanup;
    for (int i = 0; i < nall; i++) {
        struct gf_image *img = &out[nout];
        struct gf_disk *disks = NULL;
        if (metas[i].role != GF_ROLE_GOLD)
            continue;
        snprintf(img->name, sizeof(img->name), "%s", virDomainGetName(all[i]));
        img->version = metas[i].image_version;
        img->marked = metas[i].created;
        if (domain_disks(all[i], &disks, &img->ndisks) < 0)
            goto cleanup;
        if (img->ndisks)
            snprintf(img->disk, sizeof(img->disk), "%s", disks[0].path);
        free(disks);
        for (int j = 0; j < nall; j++)
            if (metas[j].role == GF_ROLE_HOST && strcmp(metas[j].image, img->name) == 0)
                img->clones++;
        nout++;
    }
    qsort(out, nout, sizeof(*out), image_by_name);
    *list = out;
    *n = nout;
    out = NULL;
    ret = 0;
cleanup:
    for (int i = 0; i < nall; i++)
        virDomainFree(all[i]);
    free(all);
    free(metas);
    free(out);
    return ret;
}

int gf_image_owns_disk(virConnectPtr conn, const char *path)
{
    virDomainPtr *all = NULL;
    int n, owned = 0;

    if ((n = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        struct gf_disk *disks = NULL;
        size_t nd = 0;
        int managed = owned ? 0 : gf_meta_get(all[i], &m);
        if (managed < 0)
            owned = -1;
        if (managed == 1 && m.role == GF_ROLE_GOLD) {
            if (domain_disks(all[i], &disks, &nd) < 0)
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
