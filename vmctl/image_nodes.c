/* image_nodes.c - image list|retire --policy FILE...: every version of
 * every image on every hypervisor of the policies, with the SHA-256 each
 * records (vmctl image push) and whether it differs from another
 * hypervisor's; a version retired on each of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/json.h"
#include "model/domxml.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/push.h"
#include "policy/policy.h"
#include "vmctl.h"

/* One version on one hypervisor. */
struct row {
    const char *uri;
    struct gf_image img;
};

/* The hypervisor URIs of the policies FILES (N), once each, into URIS
 * (at most MAX).  With IMAGE, a policy of that image pinning VERSION is
 * refused.  The count, or -1 with a GF_ERR_INPUT error. */
static int policy_uris(const char *const *files, int n, char uris[][256], int max,
                       const char *image, unsigned int version)
{
    int count = 0;

    for (int f = 0; f < n; f++) {
        char *errors = NULL;
        struct gf_policy *p = gf_policy_load(files[f], &errors);
        if (!p) {
            const char *first = errors ? strtok(errors, "\n") : NULL;
            gf_err(GF_ERR_INPUT, "%s (vmctl policy check %s shows every error)",
                   first ? first : files[f], files[f]);
            free(errors);
            return -1;
        }
        if (image && strcmp(p->image, image) == 0 && p->image_version > 0 &&
            (unsigned int)p->image_version == version) {
            gf_err(GF_ERR_INPUT, "version %u of '%s' is pinned by %s (farm %s): not retired",
                   version, image, files[f], p->name);
            gf_policy_free(p);
            free(errors);
            return -1;
        }
        for (int h = 0; h < p->nhypervisors; h++) {
            int seen = 0;
            for (int k = 0; k < count; k++)
                seen |= strcmp(uris[k], p->hypervisors[h].uri) == 0;
            if (seen)
                continue;
            if (count == max) {
                gf_err(GF_ERR_INPUT, "the policies name more than %d hypervisors", max);
                gf_policy_free(p);
                free(errors);
                return -1;
            }
            snprintf(uris[count++], 256, "%s", p->hypervisors[h].uri);
        }
        gf_policy_free(p);
        free(errors);
    }
    return count;
}

/* Whether ROWS[I] records a SHA-256 and another row of the same image and
 * version records another one. */
static int differs(const struct row *rows, size_t n, size_t i)
{
    const struct gf_image *a = &rows[i].img;

    if (!a->sha256[0])
        return 0;
    for (size_t k = 0; k < n; k++) {
        const struct gf_image *b = &rows[k].img;
        if (k != i && b->sha256[0] && b->version == a->version && strcmp(b->name, a->name) == 0 &&
            strcmp(b->sha256, a->sha256) != 0)
            return 1;
    }
    return 0;
}

int vmctl_image_list_nodes(struct vmctl_ctx *ctx, const char *const *files, int nfiles, int json)
{
    char uris[GF_MAX_HYPERVISORS * 8][256];
    struct row *rows = NULL;
    size_t nrows = 0;
    struct gf_json j;
    int nuris, ret = -1;

    if ((nuris = policy_uris(files, nfiles, uris, GF_MAX_HYPERVISORS * 8, NULL, 0)) < 0)
        return -1;
    for (int u = 0; u < nuris; u++) {
        virConnectPtr conn = gf_connect(uris[u]);
        struct gf_image *list = NULL;
        size_t n = 0;
        struct row *grown;
        if (!conn)
            goto cleanup;
        if (gf_image_list(conn, &list, &n) < 0) {
            virConnectClose(conn);
            goto cleanup;
        }
        virConnectClose(conn);
        if (!(grown = realloc(rows, (nrows + n + 1) * sizeof(*rows)))) {
            free(list);
            gf_err(GF_ERR_OP, "out of memory");
            goto cleanup;
        }
        rows = grown;
        for (size_t i = 0; i < n; i++)
            rows[nrows++] = (struct row){.uri = uris[u], .img = list[i]};
        free(list);
    }
    gf_json_init(&j, ctx->out);
    if (json)
        gf_json_open(&j, NULL, '[');
    else
        fprintf(ctx->out, "%-32s %-20s %-7s %-8s %-16s %-9s %-20s %s\n", "HYPERVISOR", "IMAGE",
                "VERSION", "PROMOTED", "SHA256", "MISMATCH", "DOMAIN", "DISK");
    for (size_t i = 0; i < nrows; i++) {
        const struct gf_image *img = &rows[i].img;
        int bad = differs(rows, nrows, i);
        if (json) {
            gf_json_open(&j, NULL, '{');
            gf_json_str(&j, "hypervisor", rows[i].uri);
            gf_json_str(&j, "name", img->name);
            gf_json_int(&j, "version", img->version);
            gf_json_bool(&j, "promoted", img->promoted);
            gf_json_str(&j, "domain", img->domain);
            gf_json_str(&j, "disk", img->disk);
            gf_json_int(&j, "clones", img->clones);
            gf_json_str(&j, "sha256", img->sha256);
            gf_json_bool(&j, "checksum_mismatch", bad);
            gf_json_close(&j, '}');
            continue;
        }
        fprintf(ctx->out, "%-32s %-20s %-7u %-8s %-16.12s %-9s %-20s %s\n", rows[i].uri, img->name,
                img->version, img->promoted ? "*" : "", img->sha256[0] ? img->sha256 : "-",
                bad ? "DIFFERS" : "-", img->domain, img->disk);
    }
    if (json) {
        gf_json_close(&j, ']');
    }
    ret = 0;
cleanup:
    free(rows);
    return ret;
}

/* Whether a disk of gold DOM (on FROM) is a volume TO sees too (shared
 * storage): 1 with its path into PATH, 0, or -1 with an error (a lookup
 * that fails otherwise than "no such volume": fail closed).  The same key
 * in the same network storage is shared; in local pools the key is only
 * the path, so it is shared unless a push recorded the disks as a gold's
 * own on either side (MINE: DOM's shared= marker, THEIRS: TO's gold's). */
static int disk_shared(virDomainPtr dom, virConnectPtr from, virConnectPtr to,
                       enum gf_disk_share mine, enum gf_disk_share theirs, char *path, size_t len)
{
    struct gf_disk *disks = NULL;
    size_t n = 0;
    int shared = 0;

    if (gf_domain_disks(dom, &disks, &n) < 0)
        return -1;
    for (size_t i = 0; i < n && !shared; i++) {
        virStorageVolPtr v = virStorageVolLookupByPath(from, disks[i].path), seen = NULL;
        virStoragePoolPtr pool = v ? virStoragePoolLookupByVolume(v) : NULL;
        char why[1100];
        if (!v && virGetLastErrorCode() == VIR_ERR_NO_STORAGE_VOL) {
            virResetLastError(); /* gone: an earlier retirement deleted it */
            continue;
        }
        if (!pool) {
            gf_err_virt("reading disk %s of gold '%s'", disks[i].path, virDomainGetName(dom));
            shared = -1;
        } else if ((shared = gf_push_volume_seen(to, v, pool, &seen, why, sizeof(why))) == 2)
            shared = mine != GF_SHARE_OWN && theirs != GF_SHARE_OWN;
        if (shared > 0)
            snprintf(path, len, "%s", disks[i].path);
        if (seen)
            virStorageVolFree(seen);
        if (pool)
            virStoragePoolFree(pool);
        if (v)
            virStorageVolFree(v);
    }
    free(disks);
    return shared;
}

int vmctl_image_retire_nodes(struct vmctl_ctx *ctx, const char *name, unsigned int version,
                             const char *const *files, int nfiles)
{
    char uris[GF_MAX_HYPERVISORS * 8][256], done[2048] = "";
    virConnectPtr conns[GF_MAX_HYPERVISORS * 8] = {NULL};
    int has[GF_MAX_HYPERVISORS * 8] = {0};
    enum gf_disk_share share[GF_MAX_HYPERVISORS * 8] = {GF_SHARE_UNKNOWN};
    int nuris, nhas = 0, ret = -1;

    if ((nuris = policy_uris(files, nfiles, uris, GF_MAX_HYPERVISORS * 8, name, version)) < 0)
        return -1;
    /* every check on every node first: a refusal anywhere changes nothing anywhere */
    for (int u = 0; u < nuris; u++) {
        struct gf_image *list = NULL;
        size_t n = 0;
        if (!(conns[u] = gf_connect(uris[u])) || gf_image_list(conns[u], &list, &n) < 0)
            goto cleanup;
        for (size_t i = 0; i < n; i++) {
            const struct gf_image *img = &list[i];
            if (strcmp(img->name, name) != 0 || img->version != version)
                continue;
            has[u] = 1;
            nhas++;
            if (img->promoted)
                gf_err(GF_ERR_INPUT,
                       "version %u is the version of '%s' new clones use on %s: promote another "
                       "there first",
                       version, name, uris[u]);
            else if (img->clones)
                gf_err(GF_ERR_INPUT, "version %u of '%s' is in use by %u host%s on %s", version,
                       name, img->clones, img->clones == 1 ? "" : "s", uris[u]);
            else
                continue;
            free(list);
            goto cleanup;
        }
        free(list);
    }
    if (!nhas) {
        gf_err(GF_ERR_INPUT, "no hypervisor of the policies has version %u of '%s'", version, name);
        goto cleanup;
    }
    for (int u = 0; u < nuris; u++) {
        struct gf_meta m;
        virDomainPtr dom;
        if (!has[u])
            continue;
        if (!(dom = gf_image_find(conns[u], name, version, &m)))
            goto cleanup;
        share[u] = m.shared;
        virDomainFree(dom);
    }
    for (int u = 0; u < nuris; u++) {
        struct gf_meta m;
        virDomainPtr dom;
        char path[PATH_MAX];
        if (!has[u])
            continue;
        if (!(dom = gf_image_find(conns[u], name, version, &m)))
            goto cleanup;
        for (int w = 0; w < nuris; w++) {
            int shared =
                w == u ? 0
                       : disk_shared(dom, conns[u], conns[w], share[u],
                                     has[w] ? share[w] : GF_SHARE_UNKNOWN, path, sizeof(path));
            if (shared < 0 || shared > 0) {
                if (shared > 0)
                    gf_err(GF_ERR_INPUT,
                           "disk %s of version %u of '%s' on %s is also a volume of %s (shared "
                           "storage): not retired anywhere; undefine its gold domain on all but "
                           "one of them, then retire it there",
                           path, version, name, uris[u], uris[w]);
                virDomainFree(dom);
                goto cleanup;
            }
        }
        virDomainFree(dom);
    }
    /* then node by node, each with gf_image_retire's own refusals */
    for (int u = 0; u < nuris; u++) {
        if (!has[u])
            continue;
        if (gf_image_retire(conns[u], name, version) < 0) {
            char msg[1024];
            gf_err_class cls = gf_err_class_get();
            snprintf(msg, sizeof(msg), "%s", gf_err_message());
            gf_err(done[0] ? GF_ERR_OP : cls, "%s: %s%s%s", uris[u], msg,
                   done[0] ? "; already retired on " : "", done);
            goto cleanup;
        }
        fprintf(ctx->out, "%s: version %u retired on %s\n", name, version, uris[u]);
        snprintf(done + strlen(done), sizeof(done) - strlen(done), "%s%s", done[0] ? ", " : "",
                 uris[u]);
    }
    ret = 0;
cleanup:
    for (int u = 0; u < nuris; u++)
        if (conns[u])
            virConnectClose(conns[u]);
    return ret;
}
