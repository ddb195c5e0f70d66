/* sim_events.c - what an admin does during a simulated day. */
#include "simulate/sim_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "model/disk_index.h"
#include "model/domxml.h"
#include "model/image.h"
#include "model/meta.h"
#include "model/volume.h"
#include "policy/policy.h"

int gf_sim_add_version(virConnectPtr conn, const char *image, unsigned int version)
{
    char name[GF_NAME_MAX + 1], *xml = NULL, *made_xml = NULL;
    struct gf_disk *disks = NULL, *made = NULL;
    struct gf_meta gm, meta;
    virDomainPtr gold, dom = NULL;
    size_t n = 0;
    int ret = -1;

    snprintf(name, sizeof(name), "%s-v%u", image, version);
    if ((dom = virDomainLookupByName(conn, name))) {
        virDomainFree(dom);
        gf_err(GF_ERR_INPUT, "image %s has a version %u already", image, version);
        return -1;
    }
    virResetLastError();
    if (!(gold = gf_image_find(conn, image, 0, &gm)))
        return -1;
    if (!(xml = virDomainGetXMLDesc(gold, VIR_DOMAIN_XML_INACTIVE))) {
        gf_err_virt("reading gold image '%s'", image);
        goto cleanup;
    }
    if (gf_domxml_disks(xml, &disks, &n) < 0 || !(made = calloc(n + 1, sizeof(*made)))) {
        if (!made)
            gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        virStorageVolPtr src = virStorageVolLookupByPath(conn, disks[i].path), vol = NULL;
        virStoragePoolPtr pool = src ? virStoragePoolLookupByVolume(src) : NULL;
        virStorageVolInfo info;
        char volname[GF_NAME_MAX + 48], *path;
        snprintf(volname, sizeof(volname), "%s-%s.qcow2", name, disks[i].target);
        if (pool && virStorageVolGetInfo(src, &info) == 0) {
            struct gf_volume_spec spec = {.name = volname,
                                          .format = disks[i].format,
                                          .capacity = info.capacity,
                                          .backing_format = disks[i].format};
            vol = gf_volume_create(pool, &spec, src, 0, "sealing");
        } else {
            gf_err_virt("reading gold disk %s", disks[i].path);
        }
        if (pool)
            virStoragePoolFree(pool);
        if (src)
            virStorageVolFree(src);
        if (!vol)
            goto cleanup;
        path = virStorageVolGetPath(vol);
        virStorageVolFree(vol);
        made[i] = disks[i];
        snprintf(made[i].path, sizeof(made[i].path), "%s", path ? path : "");
        free(path);
    }
    memset(&meta, 0, sizeof(meta));
    meta.role = GF_ROLE_GOLD;
    meta.state = GF_HS_NONE;
    snprintf(meta.image, sizeof(meta.image), "%s", image);
    meta.image_version = version;
    meta.parent_version = gm.image_version;
    snprintf(meta.reason, sizeof(meta.reason), "sealed in the simulation");
    {
        struct gf_clone_spec spec = {.name = name, .disks = made, .ndisks = n, .meta = &meta};
        if (!(made_xml = gf_domxml_derive_clone(xml, &spec)))
            goto cleanup;
    }
    if (!(dom = virDomainDefineXML(conn, made_xml))) {
        gf_err_virt("defining version %u of image %s", version, image);
        goto cleanup;
    }
    gf_disk_index_note(dom);
    virDomainFree(dom);
    ret = 0;
cleanup:
    virDomainFree(gold);
    free(disks);
    free(made);
    free(xml);
    free(made_xml);
    return ret;
}

/* Mark P's gold image on CONN (URI) unless it already is one.  0 or -1. */
int gf_sim_ensure_gold(const struct gf_policy *p, virConnectPtr conn, const char *uri)
{
    virDomainPtr dom = virDomainLookupByName(conn, p->image);
    struct gf_meta m;
    int managed;

    if (!dom) {
        gf_err(GF_ERR_INPUT, "the farm %s has no domain '%s', the gold image of policy %s", uri,
               p->image, p->file);
        return -1;
    }
    managed = gf_meta_get(dom, &m);
    virDomainFree(dom);
    if (managed < 0)
        return -1;
    if (managed && m.role == GF_ROLE_GOLD)
        return 0;
    return gf_image_mark(conn, p->image);
}
