/* clone.c - new hosts from a gold image: linked (qcow2 overlay) or full. */
#include "model/clone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "model/disk_index.h"
#include "model/domxml.h"
#include "model/hosts.h"
#include "base/error.h"
#include "base/fault.h"
#include "model/image.h"
#include "model/journal.h"
#include "base/log.h"
#include "model/seed.h"
#include "model/volume.h"

/* One gold disk and the volume made for it. */
struct clone_disk {
    struct gf_disk gold;
    struct gf_disk made; /* target, new path, format */
    char volname[GF_NAME_MAX + 48];
    unsigned long long capacity;
    virStorageVolPtr gold_vol;
    virStoragePoolPtr pool;
    virStorageVolPtr vol; /* set once created: to delete on failure */
};

/* Free the libvirt references of N disks and the array; accepts NULL. */
static void clone_disks_free(struct clone_disk *d, size_t n)
{
    if (!d)
        return;
    for (size_t i = 0; i < n; i++) {
        if (d[i].vol)
            virStorageVolFree(d[i].vol);
        if (d[i].gold_vol)
            virStorageVolFree(d[i].gold_vol);
        if (d[i].pool)
            virStoragePoolFree(d[i].pool);
    }
    free(d);
}

/* Find D's gold volume and pool and check its new volume name is free.
 * Returns 0 or -1 with an error. */
static int plan_disk(virConnectPtr conn, const char *name, int full, struct clone_disk *d)
{
    virStorageVolInfo info;
    virStorageVolPtr taken;

    if (!(d->gold_vol = virStorageVolLookupByPath(conn, d->gold.path))) {
        gf_err(GF_ERR_INPUT, "gold disk %s (%s) is not a volume of a libvirt storage pool",
               d->gold.target, d->gold.path);
        return -1;
    }
    if (!(d->pool = virStoragePoolLookupByVolume(d->gold_vol)) ||
        virStorageVolGetInfo(d->gold_vol, &info) < 0) {
        gf_err_virt("reading gold disk %s", d->gold.path);
        return -1;
    }
    d->capacity = info.capacity;
    snprintf(d->made.target, sizeof(d->made.target), "%s", d->gold.target);
    snprintf(d->made.format, sizeof(d->made.format), "%s", full ? d->gold.format : "qcow2");
    snprintf(d->volname, sizeof(d->volname), "%s-%s.%s", name, d->gold.target,
             strcmp(d->made.format, "qcow2") == 0 ? "qcow2" : "img");
    if ((taken = virStorageVolLookupByName(d->pool, d->volname))) {
        virStorageVolFree(taken);
        gf_err(GF_ERR_INPUT,
               "volume '%s' already exists in pool '%s'; Goldfarm does not overwrite it",
               d->volname, virStoragePoolGetName(d->pool));
        return -1;
    }
    virResetLastError();
    return 0;
}

/* Create D's new volume and record its path.  Returns 0 or -1 with an error. */
static int make_volume(struct clone_disk *d, int full, int show)
{
    struct gf_volume_spec spec = {.name = d->volname,
                                  .format = d->made.format,
                                  .capacity = d->capacity,
                                  .backing = full ? NULL : d->gold.path,
                                  .backing_format = d->gold.format};
    char label[64], *path;

    snprintf(label, sizeof(label), "copying %s", d->gold.target);
    if (!(d->vol = gf_volume_create(d->pool, &spec, d->gold_vol, show, label)))
        return -1;
    if (!(path = virStorageVolGetPath(d->vol))) {
        gf_err_virt("reading the path of volume '%s'", d->volname);
        return -1;
    }
    snprintf(d->made.path, sizeof(d->made.path), "%s", path);
    free(path);
    return 0;
}

/* A clone's seed: planned, then made. */
struct clone_seed {
    struct gf_seed seed;
    char volname[GF_NAME_MAX + 16];
    char path[PATH_MAX];
    virStoragePoolPtr pool; /* the first gold disk's; not owned */
    virStorageVolPtr vol;   /* set once made: to delete on failure */
};

/* Plan NAME's seed per ID beside D (the first gold disk), with its UUID
 * and the values templates name: checks the volume name is free and
 * renders the files and the ISO.  0 or -1 with an error. */
static int plan_seed(const char *name, const struct gf_identity *id, const struct gf_seed_vars *v,
                     const struct clone_disk *d, struct clone_seed *s)
{
    virStorageVolPtr taken;

    if (!d) {
        gf_err(GF_ERR_INPUT,
               "the gold has no disk in a storage pool to put the seed of '%s' beside", name);
        return -1;
    }
    s->pool = d->pool;
    gf_seed_volume_name(name, s->volname, sizeof(s->volname));
    if ((taken = virStorageVolLookupByName(s->pool, s->volname))) {
        virStorageVolFree(taken);
        gf_err(GF_ERR_INPUT,
               "volume '%s' already exists in pool '%s'; Goldfarm does not overwrite it",
               s->volname, virStoragePoolGetName(s->pool));
        return -1;
    }
    virResetLastError();
    return gf_seed_make(id, v, &s->seed);
}

/* Undo a failed clone: the domain DOM if defined, then every volume made
 * and the seed (never a gold disk).  Returns 0, or -1 naming in LEFT (LEN
 * bytes) what could not be removed. */
static int undo_clone(virConnectPtr conn, virDomainPtr dom, struct clone_disk *d, size_t n,
                      const struct clone_seed *seed, char *left, size_t len)
{
    int ret = 0;

    left[0] = '\0';
    if (dom) {
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        if (gf_undefine(dom) < 0) {
            snprintf(left, len, "domain '%s'", virDomainGetName(dom));
            ret = -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!d[i].vol || strcmp(d[i].made.path, d[i].gold.path) == 0 ||
            gf_image_owns_disk(conn, d[i].made.path) != 0)
            continue;
        if (virStorageVolDelete(d[i].vol, 0) < 0) {
            size_t used = strlen(left);
            snprintf(left + used, len - used, "%svolume %s", used ? ", " : "", d[i].made.path);
            ret = -1;
        }
    }
    if (seed->vol && gf_image_owns_disk(conn, seed->path) == 0 &&
        virStorageVolDelete(seed->vol, 0) < 0) {
        size_t used = strlen(left);
        snprintf(left + used, len - used, "%sseed %s", used ? ", " : "", seed->path);
        ret = -1;
    }
    return ret;
}

int gf_clone(virConnectPtr conn, const char *gold, const char *name,
             const struct gf_clone_opts *opts)
{
    virDomainPtr gold_dom = NULL, dom = NULL, taken;
    struct clone_disk *disks = NULL;
    struct gf_disk *gold_disks = NULL, *made = NULL;
    struct gf_meta gold_meta, meta;
    struct gf_clone_spec spec;
    size_t ndisks = 0;
    char *gold_xml = NULL, *xml = NULL, *uri = NULL;
    char msg[1024], left[1024], tag[GF_OP_TAG_LEN], uuid[VIR_UUID_STRING_BUFLEN];
    struct clone_seed seed;
    unsigned long jid = 0;
    double start = gf_now();
    int ret = -1;

    memset(&seed, 0, sizeof(seed));
    if (gf_name_check("host", name) < 0 ||
        (opts->farm && *opts->farm && gf_name_check("farm", opts->farm) < 0))
        return -1;
    if (!(gold_dom = gf_image_find(conn, gold, opts->image_version, &gold_meta)))
        return -1;
    if ((taken = virDomainLookupByName(conn, name))) {
        virDomainFree(taken);
        gf_err(GF_ERR_INPUT, "a domain named '%s' already exists", name);
        goto cleanup;
    }
    virResetLastError();
    if (!(gold_xml = virDomainGetXMLDesc(gold_dom, VIR_DOMAIN_XML_INACTIVE))) {
        gf_err_virt("reading gold image '%s'", gold);
        goto cleanup;
    }
    if (gf_domxml_disks(gold_xml, &gold_disks, &ndisks) < 0)
        goto cleanup;
    if (!(disks = calloc(ndisks + 1, sizeof(*disks))) ||
        !(made = calloc(ndisks + 1, sizeof(*made)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < ndisks; i++) {
        disks[i].gold = gold_disks[i];
        if (plan_disk(conn, name, opts->full, &disks[i]) < 0)
            goto cleanup;
    }
    uri = virConnectGetURI(conn);
    /* the UUID is known first: it is the seed's instance-id */
    if (gf_uuid_new(uuid) < 0)
        goto cleanup;
    if (opts->identity) {
        struct gf_seed_vars v = {.host = name,
                                 .farm = opts->farm ? opts->farm : "",
                                 .image = gold_meta.image[0] ? gold_meta.image : gold,
                                 .version = gold_meta.image_version,
                                 .hypervisor = uri ? uri : "",
                                 .instance_id = uuid};
        if (plan_seed(name, opts->identity, &v, ndisks ? &disks[0] : NULL, &seed) < 0)
            goto cleanup;
    }

    /* Checks are done: from here on, a failure undoes what was made, and a
     * crash is undone from the journal on the next start. */
    if (!(jid = gf_journal_begin(opts->journal, GF_JOP_CLONE, name, uri ? uri : "?", NULL,
                                 opts->start, tag)))
        goto cleanup;
    for (size_t i = 0; i < ndisks; i++) {
        char where[PATH_MAX + 80];
        /* written down before it exists: a crash during a long copy leaves
         * nothing the next start does not find */
        const char *backing = opts->full ? NULL : disks[i].gold.path;
        if (gf_volume_pool_path(disks[i].pool, disks[i].volname, where, sizeof(where)) == 0 &&
            gf_journal_volume(opts->journal, jid, where, backing) < 0)
            goto undo;
        if (make_volume(&disks[i], opts->full, opts->progress) < 0)
            goto undo;
        if (strcmp(where, disks[i].made.path) != 0 &&
            gf_journal_volume(opts->journal, jid, disks[i].made.path, backing) < 0)
            goto undo;
        gf_crash_point("clone-volume");
        made[i] = disks[i].made;
        gf_note("%s: %s disk %s -> %s", name, opts->full ? "copied" : "linked", disks[i].gold.path,
                disks[i].made.path);
    }
    if (opts->identity) {
        char where[PATH_MAX + 80], *path;
        /* in the journal before it exists, as the disks are */
        if (gf_volume_pool_path(seed.pool, seed.volname, where, sizeof(where)) == 0 &&
            gf_journal_volume(opts->journal, jid, where, NULL) < 0)
            goto undo;
        if (!(seed.vol = gf_seed_write(seed.pool, seed.volname, &seed.seed)))
            goto undo;
        if (!(path = virStorageVolGetPath(seed.vol))) {
            gf_err_virt("reading the path of volume '%s'", seed.volname);
            goto undo;
        }
        snprintf(seed.path, sizeof(seed.path), "%s", path);
        free(path);
        if (strcmp(where, seed.path) != 0 &&
            gf_journal_volume(opts->journal, jid, seed.path, NULL) < 0)
            goto undo;
        gf_crash_point("clone-seed");
        gf_note("%s: seed %s (instance-id %s)", name, seed.path, uuid);
    }
    memset(&meta, 0, sizeof(meta));
    meta.role = GF_ROLE_HOST;
    snprintf(meta.farm, sizeof(meta.farm), "%s", opts->farm ? opts->farm : "");
    snprintf(meta.image, sizeof(meta.image), "%s", gold_meta.image[0] ? gold_meta.image : gold);
    meta.image_version = gold_meta.image_version;
    meta.state = opts->state;
    meta.standby_kind = opts->state == GF_HS_STANDBY ? opts->standby_kind : GF_SB_OFF;
    if (opts->reason)
        snprintf(meta.reason, sizeof(meta.reason), "%s", opts->reason);
    else
        snprintf(meta.reason, sizeof(meta.reason), "%s clone", opts->full ? "full" : "linked");
    meta.created = meta.since = opts->now ? opts->now : time(NULL);
    if (opts->replaces)
        snprintf(meta.replaces, sizeof(meta.replaces), "%s", opts->replaces);
    if (opts->supersedes)
        snprintf(meta.supersedes, sizeof(meta.supersedes), "%s", opts->supersedes);
    snprintf(meta.op_tag, sizeof(meta.op_tag), "%s", tag);
    spec = (struct gf_clone_spec){.name = name,
                                  .uuid = uuid,
                                  .disks = made,
                                  .ndisks = ndisks,
                                  .meta = &meta,
                                  .vcpus = opts->vcpus,
                                  .memory_kib = opts->memory_kib,
                                  .max_vcpus = opts->max_vcpus,
                                  .max_memory_kib = opts->max_memory_kib,
                                  .seed = opts->identity ? seed.path : NULL};
    /* the domain is written down before it exists: recovery finds it by
     * its UUID and knows it by the tag in its metadata */
    if (!(xml = gf_domxml_derive_clone(gold_xml, &spec)) || gf_fault("clone-define", name) < 0 ||
        gf_journal_define(opts->journal, jid, uuid) < 0)
        goto undo;
    if (!(dom = virDomainDefineXML(conn, xml))) {
        gf_err_virt("defining clone '%s'", name);
        goto undo;
    }
    gf_disk_index_note(dom);
    gf_note("%s: defined from gold image '%s' v%u%s%s", name, meta.image, gold_meta.image_version,
            meta.farm[0] ? " in farm " : "", meta.farm);
    gf_crash_point("clone-defined");
    if (opts->start) {
        if (gf_fault("clone-start", name) < 0)
            goto undo;
        if (virDomainCreate(dom) < 0) {
            gf_err_virt("starting clone '%s'", name);
            goto undo;
        }
        gf_note("%s: started", name);
    }
    gf_crash_point("clone-started");
    gf_journal_end(opts->journal, jid);
    gf_note("%s: cloned in %.2f s", name, gf_now() - start);
    ret = 0;
    goto cleanup;
undo:
    snprintf(msg, sizeof(msg), "%s", gf_err_message());
    if (undo_clone(conn, dom, disks, ndisks, &seed, left, sizeof(left)) == 0) {
        gf_journal_end(opts->journal, jid);
        gf_err(GF_ERR_OP, "%s; nothing of clone '%s' was kept", msg, name);
    } else
        gf_err(GF_ERR_OP, "%s; undoing the clone failed, left behind: %s", msg, left);
cleanup:
    if (dom)
        virDomainFree(dom);
    virDomainFree(gold_dom);
    clone_disks_free(disks, ndisks);
    if (seed.vol)
        virStorageVolFree(seed.vol);
    gf_seed_clear(&seed.seed);
    free(gold_disks);
    free(made);
    free(gold_xml);
    free(xml);
    free(uri);
    return ret;
}
