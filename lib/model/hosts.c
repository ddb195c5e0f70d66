/* hosts.c - finding the domains Goldfarm manages. */
#include "model/hosts.h"

#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "model/disk_use.h"
#include "model/meta.h"

virConnectPtr gf_connect(const char *uri)
{
    virConnectPtr conn = virConnectOpenAuth(uri, virConnectAuthPtrDefault, 0);

    if (!conn)
        gf_err_virt("cannot connect to '%s'", uri ? uri : "the default hypervisor");
    return conn;
}

virDomainPtr gf_domain_lookup(virConnectPtr conn, const char *kind, const char *name)
{
    virDomainPtr dom;

    if (gf_name_check(kind, name) < 0)
        return NULL;
    dom = virDomainLookupByName(conn, name);
    if (!dom) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN)
            gf_err(GF_ERR_INPUT, "unknown %s '%s'", kind, name);
        else
            gf_err_virt("looking up %s '%s'", kind, name);
    }
    return dom;
}

virDomainPtr gf_host_lookup(virConnectPtr conn, const char *name, struct gf_meta *meta)
{
    virDomainPtr dom = gf_domain_lookup(conn, "host", name);
    int managed;

    if (!dom)
        return NULL;
    managed = gf_meta_get(dom, meta);
    if (managed < 0)
        goto fail;
    if (managed == 0) {
        gf_err(GF_ERR_INPUT, "host '%s' is not managed by Goldfarm (no goldfarm metadata)", name);
        goto fail;
    }
    if (meta->role == GF_ROLE_GOLD) {
        gf_err(GF_ERR_INPUT, "'%s' is a gold image: Goldfarm never changes a gold image's disks",
               name);
        goto fail;
    }
    return dom;
fail:
    virDomainFree(dom);
    return NULL;
}

/* qsort comparator: domains by name. */
static int by_name(const void *a, const void *b)
{
    return strcmp(virDomainGetName(*(virDomainPtr const *)a),
                  virDomainGetName(*(virDomainPtr const *)b));
}

int gf_farm_hosts(virConnectPtr conn, const char *farm, virDomainPtr **doms, size_t *ndoms)
{
    virDomainPtr *all = NULL;
    int nall, ret = -1;
    size_t n = 0;

    *doms = NULL;
    *ndoms = 0;
    if (gf_name_check("farm", farm) < 0)
        return -1;
    if ((nall = virConnectListAllDomains(conn, &all, 0)) < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    for (int i = 0; i < nall; i++) {
        struct gf_meta meta;
        virDomainPtr dom = all[i];
        int managed = gf_meta_get(dom, &meta);
        if (managed < 0)
            goto cleanup;
        all[i] = NULL;
        if (managed && meta.role == GF_ROLE_HOST && strcmp(meta.farm, farm) == 0)
            all[n++] = dom;
        else
            virDomainFree(dom);
    }
    if (n == 0) {
        gf_err(GF_ERR_INPUT, "farm '%s' has no hosts", farm);
        goto cleanup;
    }
    qsort(all, n, sizeof(*all), by_name);
    *doms = all;
    *ndoms = n;
    all = NULL;
    ret = 0;
cleanup:
    if (all) {
        for (int i = 0; i < nall; i++)
            if (all[i])
                virDomainFree(all[i]);
    }
    free(all);
    return ret;
}

int gf_named_hosts(virConnectPtr conn, char *const *names, size_t nnames, virDomainPtr **doms,
                   size_t *ndoms)
{
    virDomainPtr *list = calloc(nnames ? nnames : 1, sizeof(*list));
    size_t n = 0;

    *doms = NULL;
    *ndoms = 0;
    if (!list) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < nnames; i++) {
        struct gf_meta meta;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(names[i], names[j]) == 0) {
                gf_err(GF_ERR_INPUT, "host '%s' is named twice", names[i]);
                gf_domains_free(list, n);
                return -1;
            }
        }
        if (!(list[n] = gf_host_lookup(conn, names[i], &meta))) {
            gf_domains_free(list, n);
            return -1;
        }
        n++;
    }
    *doms = list;
    *ndoms = n;
    return 0;
}

void gf_domains_free(virDomainPtr *doms, size_t n)
{
    if (!doms)
        return;
    for (size_t i = 0; i < n; i++)
        if (doms[i])
            virDomainFree(doms[i]);
    free(doms);
}

int gf_guest_users(virDomainPtr dom)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, users = -1;
    unsigned int n;

    if (virDomainGetGuestInfo(dom, VIR_DOMAIN_GUEST_INFO_USERS, &params, &nparams, 0) == 0 &&
        virTypedParamsGetUInt(params, nparams, "user.count", &n) == 1)
        users = (int)n;
    virTypedParamsFree(params, nparams);
    virResetLastError();
    return users;
}

int gf_undefine(virDomainPtr dom)
{
    unsigned int flags = VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;

    if (virDomainUndefineFlags(dom, flags | VIR_DOMAIN_UNDEFINE_NVRAM) == 0 ||
        virDomainUndefineFlags(dom, flags) == 0) {
        /* the caches hold what exists, not every domain ever seen */
        gf_meta_cache_forget(dom);
        gf_disk_index_drop(dom);
        return 0;
    }
    return -1;
}
