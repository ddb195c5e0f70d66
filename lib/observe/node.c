/* node.c - the free space a node's pool has left for new hosts. */
#include "observe/node.h"

#include <stdlib.h>

#include <libvirt/virterror.h>

#include "model/domxml.h"
#include "model/image.h"

void gf_observe_pool(virConnectPtr conn, const char *gold, struct gf_hv_obs *hv)
{
    virDomainPtr dom = gold && gold[0] ? virDomainLookupByName(conn, gold) : NULL;
    virStorageVolPtr vol = NULL;
    virStoragePoolPtr pool = NULL;
    virStoragePoolInfo info;
    struct gf_disk *disks = NULL;
    size_t n = 0;

    hv->pool_known = 0;
    hv->pool_avail_kib = 0;
    if (!dom || gf_domain_disks(dom, &disks, &n) < 0 || !n)
        goto cleanup;
    if (!(vol = virStorageVolLookupByPath(conn, disks[0].path)) ||
        !(pool = virStoragePoolLookupByVolume(vol)) || virStoragePoolGetInfo(pool, &info) < 0)
        goto cleanup;
    hv->pool_avail_kib = info.available >> 10;
    hv->pool_known = 1;
cleanup:
    free(disks);
    if (pool)
        virStoragePoolFree(pool);
    if (vol)
        virStorageVolFree(vol);
    if (dom)
        virDomainFree(dom);
    virResetLastError();
}
