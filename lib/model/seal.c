/* seal.c - a patched host becomes the next version of its gold image. */
#include "model/seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "model/domxml.h"
#include "base/error.h"
#include "base/fault.h"
#include "model/disk_use.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/journal.h"
#include "base/log.h"
#include "model/meta.h"
#include "model/seed.h"
#include "model/snapshot.h"
#include "model/volume.h"

#define SEAL_REASON "sealing into image %s version %u as %s"

/* One host disk and the gold disk made from it. */
struct seal_disk {
    struct gf_disk host;
    char volname[GF_NAME_MAX + 48];
    unsigned long long capacity;
    virStoragePoolPtr pool;
    virStorageVolPtr src;
    struct gf_disk made;
};

/* Free N disks' references and the array; accepts NULL. */
static void seal_disks_free(struct seal_disk *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        if (d[i].src)
            virStorageVolFree(d[i].src);
        if (d[i].pool)
            virStoragePoolFree(d[i].pool);
    }
    free(d);
}

/* Find the volumes of host DOM's writable disks and name the gold volumes
 * GOLD-TARGET.qcow2 beside them.  With FRESH, a name already taken is
 * refused.  *DISKS is a new array for seal_disks_free.  0 or -1. */
static int plan_disks(virDomainPtr dom, const char *gold, int fresh, struct seal_disk **disks,
                      size_t *n)
{
    struct gf_disk *hd = NULL;
    struct seal_disk *d = NULL;
    size_t nd = 0;
    int ret = -1;

    if (gf_domain_disks(dom, &hd, &nd) < 0)
        return -1;
    if (!(d = calloc(nd + 1, sizeof(*d)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < nd; i++) {
        virStorageVolInfo info;
        virStorageVolPtr taken;
        d[i].host = hd[i];
        snprintf(d[i].volname, sizeof(d[i].volname), "%s-%s.qcow2", gold, hd[i].target);
        if (!(d[i].src = virStorageVolLookupByPath(virDomainGetConnect(dom), hd[i].path))) {
            gf_err(GF_ERR_INPUT, "disk %s of '%s' (%s) is not a volume of a libvirt storage pool",
                   hd[i].target, virDomainGetName(dom), hd[i].path);
            goto cleanup;
        }
        if (!(d[i].pool = virStoragePoolLookupByVolume(d[i].src)) ||
            virStorageVolGetInfo(d[i].src, &info) < 0) {
            gf_err_virt("reading disk %s of '%s'", hd[i].path, virDomainGetName(dom));
            goto cleanup;
        }
        d[i].capacity = info.capacity;
        if (fresh && (taken = virStorageVolLookupByName(d[i].pool, d[i].volname))) {
            virStorageVolFree(taken);
            gf_err(GF_ERR_INPUT,
                   "volume '%s' already exists in pool '%s'; Goldfarm does not overwrite it",
                   d[i].volname, virStoragePoolGetName(d[i].pool));
            goto cleanup;
        }
        virResetLastError();
    }
    *disks = d;
    *n = nd;
    d = NULL;
    ret = 0;
cleanup:
    seal_disks_free(d, nd);
    free(hd);
    return ret;
}

/* The newest pre-seal snapshot of DOM, or NULL (no error recorded). */
static virDomainSnapshotPtr preseal_snapshot(virDomainPtr dom)
{
    struct gf_snapinfo *list = NULL;
    virDomainSnapshotPtr snap = NULL;
    size_t n = 0;

    if (gf_snapshot_list(dom, &list, &n) < 0)
        return NULL;
    for (size_t i = n; !snap && i-- > 0;)
        if (strncmp(list[i].name, GF_PRESEAL_PREFIX, strlen(GF_PRESEAL_PREFIX)) == 0)
            snap = virDomainSnapshotLookupByName(dom, list[i].name, 0);
    free(list);
    return snap;
}

/* Undo an unfinished seal of DOM into gold domain GOLD: with VOLUMES (a
 * seal a crash interrupted), delete the gold volumes it may have made
 * (names it refused to find taken; never a gold's disk); then revert DOM
 * to its pre-seal snapshot (its metadata, farm and run state come back
 * with it) and delete that snapshot.  Returns 0 or -1 with an error. */
static int undo_seal(virDomainPtr dom, const char *gold, int volumes)
{
    virConnectPtr conn = virDomainGetConnect(dom);
    struct seal_disk *disks = NULL;
    virDomainSnapshotPtr snap;
    size_t n = 0;
    int ret = -1;

    if (volumes && plan_disks(dom, gold, 0, &disks, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        virStorageVolPtr vol = virStorageVolLookupByName(disks[i].pool, disks[i].volname);
        char *path = vol ? virStorageVolGetPath(vol) : NULL;
        int gold_owned = path ? gf_image_owns_disk(conn, path) : 0;
        if (vol && gold_owned == 0 && virStorageVolDelete(vol, 0) < 0) {
            gf_err_virt("deleting volume '%s' made for the seal", disks[i].volname);
            free(path);
            virStorageVolFree(vol);
            goto cleanup;
        }
        free(path);
        if (vol)
            virStorageVolFree(vol);
        virResetLastError();
    }
    if (!(snap = preseal_snapshot(dom))) {
        gf_err(GF_ERR_OP, "'%s' has no pre-seal snapshot to go back to", virDomainGetName(dom));
        goto cleanup;
    }
    if (virDomainRevertToSnapshot(snap, 0) < 0) {
        gf_err_virt("going back to the pre-seal snapshot of '%s'", virDomainGetName(dom));
        virDomainSnapshotFree(snap);
        goto cleanup;
    }
    gf_meta_cache_forget(dom); /* the snapshot's definition, metadata included, is back */
    gf_disk_index_forget(dom);
    if (virDomainSnapshotDelete(snap, 0) < 0) {
        char why[512];
        snprintf(why, sizeof(why), "%s", virGetLastErrorMessage()); /* before another call */
        gf_note("%s: deleting its pre-seal snapshot: %s", virDomainGetName(dom), why);
    }
    virDomainSnapshotFree(snap);
    ret = 0;
cleanup:
    seal_disks_free(disks, n);
    return ret;
}

/* Remove the sealed host DOM: its own volumes and its seed first (never a
 * gold's disk), then its definition with its snapshots, so a crash between
 * leaves a host still "sealing", whose next seal finishes this.  0 or -1. */
static int remove_host(virDomainPtr dom)
{
    virConnectPtr conn = virDomainGetConnect(dom);
    struct gf_disk *disks = NULL;
    char seed[PATH_MAX];
    size_t n = 0;
    int ret = -1;

    if (gf_domain_disks(dom, &disks, &n) < 0)
        return -1;
    /* the host's identity does not become the gold's: its seed goes with it */
    if (gf_seed_find(dom, seed, sizeof(seed)) < 0 ||
        (seed[0] && gf_seed_delete(conn, seed, virDomainGetName(dom)) < 0))
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        virStorageVolPtr vol = virStorageVolLookupByPath(conn, disks[i].path);
        int gold = vol ? gf_image_owns_disk(conn, disks[i].path) : 0;
        if (gold < 0 || (vol && !gold && virStorageVolDelete(vol, 0) < 0)) {
            if (gold >= 0)
                gf_err_virt("deleting %s of '%s'", disks[i].path, virDomainGetName(dom));
            if (vol)
                virStorageVolFree(vol);
            goto cleanup;
        }
        if (vol)
            virStorageVolFree(vol);
        virResetLastError(); /* already gone: a removal a crash interrupted */
    }
    if (gf_undefine(dom) < 0) {
        gf_err_virt("undefining '%s'", virDomainGetName(dom));
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(disks);
    return ret;
}

/* Whether GOLD is defined as version VERSION of IMAGE, sealed from HOST:
 * 1, 0, or -1. */
static int gold_defined(virConnectPtr conn, const char *gold, const char *image,
                        unsigned int version, const char *host)
{
    virDomainPtr dom = virDomainLookupByName(conn, gold);
    struct gf_meta m;
    int managed;

    if (!dom) {
        virResetLastError();
        return 0;
    }
    managed = gf_meta_get(dom, &m);
    virDomainFree(dom);
    if (managed < 0)
        return -1;
    return managed && m.role == GF_ROLE_GOLD && strcmp(m.image, image) == 0 &&
           m.image_version == version && strcmp(m.sealed_from, host) == 0;
}

/* A seal of DOM (metadata M, state "sealing") was interrupted: finish it
 * (the gold domain exists: remove the host) or undo it.  OUT gets the
 * version when finished.  Returns 1 finished, 0 undone, -1 with an error. */
static int recover(virDomainPtr dom, const struct gf_meta *m, struct gf_seal_result *out)
{
    const char *image = m->image, *gold = m->seal_gold;
    unsigned int version = m->seal_version;
    int defined;

    if (!version || !gold[0]) {
        gf_err(GF_ERR_OP, "'%s' is sealing, but its metadata does not say into what",
               virDomainGetName(dom));
        return -1;
    }
    if ((defined = gold_defined(virDomainGetConnect(dom), gold, image, version,
                                virDomainGetName(dom))) < 0)
        return -1;
    if (!defined) {
        if (undo_seal(dom, gold, 1) < 0)
            return -1;
        gf_note("%s: an interrupted seal into %s version %u was undone", virDomainGetName(dom),
                image, version);
        return 0;
    }
    if (remove_host(dom) < 0)
        return -1;
    gf_note("%s: an interrupted seal into %s version %u was finished", gold, image, version);
    out->version = version;
    snprintf(out->gold, sizeof(out->gold), "%s", gold);
    out->recovered = 1;
    return 1;
}

/* How many users are logged in to running DOM, by its guest agent; their
 * names into NAMES.  Returns the count, or -1 with a GF_ERR_INPUT error. */
static int logged_in(virDomainPtr dom, char *names, size_t len)
{
    virTypedParameterPtr params = NULL;
    unsigned int count = 0;
    int nparams = 0;

    names[0] = '\0';
    if (virDomainGetGuestInfo(dom, VIR_DOMAIN_GUEST_INFO_USERS, &params, &nparams, 0) < 0) {
        char why[512];
        snprintf(why, sizeof(why), "%s", virGetLastErrorMessage()); /* before another call */
        gf_err(GF_ERR_INPUT,
               "cannot tell whether '%s' has users: its guest agent does not answer (%s); shut it "
               "down yourself first",
               virDomainGetName(dom), why);
        return -1;
    }
    virTypedParamsGetUInt(params, nparams, "user.count", &count);
    for (unsigned int i = 0; i < count && i < 8; i++) {
        char key[32];
        const char *user = NULL;
        snprintf(key, sizeof(key), "user.%u.name", i);
        if (virTypedParamsGetString(params, nparams, key, &user) == 1 && user)
            snprintf(names + strlen(names), len - strlen(names), "%s%s", i ? ", " : "", user);
    }
    virTypedParamsFree(params, nparams);
    return (int)count;
}

/* Shut DOM down through its guest agent and wait at most TIMEOUT seconds,
 * showing the wait when PROGRESS.  0 or -1 with an error. */
static int shut_down(virDomainPtr dom, int timeout, int progress)
{
    double start = gf_now();
    int state = VIR_DOMAIN_NOSTATE, reason;

    if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0) {
        gf_err_virt("shutting '%s' down through its guest agent", virDomainGetName(dom));
        return -1;
    }
    while (virDomainGetState(dom, &state, &reason, 0) == 0 && state != VIR_DOMAIN_SHUTOFF) {
        struct timespec tick = {0, 200 * 1000 * 1000};
        if (gf_now() - start > timeout) {
            if (progress)
                fprintf(stderr, "\r\033[K");
            gf_err(GF_ERR_OP, "'%s' did not shut down within %d s", virDomainGetName(dom), timeout);
            return -1;
        }
        if (progress)
            fprintf(stderr, "\rshutting down %s: %.0f s", virDomainGetName(dom), gf_now() - start);
        nanosleep(&tick, NULL);
    }
    if (progress)
        fprintf(stderr, "\r\033[K");
    if (state != VIR_DOMAIN_SHUTOFF) {
        gf_err_virt("reading the state of '%s'", virDomainGetName(dom));
        return -1;
    }
    gf_note("%s: shut down in %.1f s", virDomainGetName(dom), gf_now() - start);
    return 0;
}

/* The name of another host of IMAGE on CONN whose seal is under way (or
 * was interrupted), into BUF ("" none): two seals of one image at once
 * would take the same version.  0 or -1 with an error. */
static int sealing_elsewhere(virConnectPtr conn, const char *image, const char *host, char *buf,
                             size_t len)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0), ret = 0;

    buf[0] = '\0';
    if (n < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        int managed = ret == 0 && !buf[0] ? gf_meta_get(doms[i], &m) : 0;
        if (managed < 0)
            ret = -1;
        else if (managed && m.role == GF_ROLE_HOST && m.state == GF_HS_SEALING &&
                 strcmp(m.image, image) == 0 && strcmp(virDomainGetName(doms[i]), host) != 0)
            snprintf(buf, len, "%s", virDomainGetName(doms[i]));
        virDomainFree(doms[i]);
    }
    free(doms);
    return ret;
}

/* Check that host DOM (metadata M) may be sealed into OPTS->image and read
 * whether it runs into *RUNNING.  GF_ERR_INPUT refusals; 0 or -1. */
static int check_host(virDomainPtr dom, const struct gf_meta *m, const struct gf_seal_opts *opts,
                      int *running)
{
    const char *host = virDomainGetName(dom);
    int state = VIR_DOMAIN_NOSTATE, reason, users;
    char names[256];

    if (strcmp(m->image, opts->image) != 0) {
        gf_err(GF_ERR_INPUT, "'%s' is a clone of image '%s', not of '%s'", host, m->image,
               opts->image);
        return -1;
    }
    if (m->state == GF_HS_QUARANTINED || m->state == GF_HS_RETIRING) {
        gf_err(GF_ERR_INPUT, "'%s' is %s: a broken or departing host is not sealed", host,
               gf_host_state_name(m->state));
        return -1;
    }
    if (virDomainGetState(dom, &state, &reason, 0) < 0) {
        gf_err_virt("reading the state of '%s'", host);
        return -1;
    }
    *running = state == VIR_DOMAIN_RUNNING;
    if (state != VIR_DOMAIN_SHUTOFF && !*running) {
        gf_err(GF_ERR_INPUT, "'%s' is neither running nor shut off: not sealed", host);
        return -1;
    }
    if (*running && !opts->shutdown) {
        gf_err(GF_ERR_INPUT,
               "'%s' is running: shut it down first, or give --shutdown (through its guest "
               "agent)",
               host);
        return -1;
    }
    if (*running && (users = logged_in(dom, names, sizeof(names))) != 0) {
        if (users > 0)
            gf_err(GF_ERR_INPUT, "'%s' has %d user%s logged in (%s): not sealed", host, users,
                   users == 1 ? "" : "s", names);
        return -1;
    }
    return 0;
}

/* Copy the host's disks into the gold's volumes and define gold domain
 * GOLD (metadata GM) from the host's definition XML.  0 or -1. */
static int make_gold(virConnectPtr conn, const char *host, const char *xml, struct seal_disk *disks,
                     size_t n, const struct gf_meta *gm, const char *gold, int progress)
{
    struct gf_disk *made = calloc(n + 1, sizeof(*made));
    struct gf_clone_spec spec = {.name = gold, .disks = made, .ndisks = n, .meta = gm};
    virDomainPtr dom = NULL;
    virStorageVolPtr *vols = calloc(n + 1, sizeof(*vols));
    char *gold_xml = NULL;
    int ret = -1;

    if (!made || !vols) {
        free(made);
        free(vols);
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct gf_volume_spec vs = {
            .name = disks[i].volname, .format = "qcow2", .capacity = disks[i].capacity};
        char label[64], *path;
        virStorageVolPtr vol;
        snprintf(label, sizeof(label), "sealing %s", disks[i].host.target);
        if (!(vol = gf_volume_create(disks[i].pool, &vs, disks[i].src, progress, label)))
            goto cleanup;
        vols[i] = vol; /* this run's: deleted if the seal fails */
        if (!(path = virStorageVolGetPath(vol))) {
            gf_err_virt("reading the path of volume '%s'", disks[i].volname);
            goto cleanup;
        }
        snprintf(made[i].target, sizeof(made[i].target), "%s", disks[i].host.target);
        snprintf(made[i].path, sizeof(made[i].path), "%s", path);
        snprintf(made[i].format, sizeof(made[i].format), "qcow2");
        free(path);
        gf_note("%s: disk %s copied, backing chain flattened, into %s", gold, disks[i].host.target,
                made[i].path);
    }
    gf_crash_point("seal-copied");
    if (!(gold_xml = gf_domxml_derive_clone(xml, &spec)) || gf_fault("seal-define", host) < 0)
        goto cleanup;
    if (!(dom = virDomainDefineXML(conn, gold_xml))) {
        gf_err_virt("defining gold domain '%s'", gold);
        goto cleanup;
    }
    gf_disk_index_note(dom);
    virDomainFree(dom);
    gf_crash_point("seal-defined");
    ret = 0;
cleanup:
    for (size_t i = 0; i < n; i++) {
        if (vols[i] && ret < 0)
            virStorageVolDelete(vols[i], 0);
        if (vols[i])
            virStorageVolFree(vols[i]);
    }
    free(vols);
    free(gold_xml);
    free(made);
    return ret;
}

int gf_image_seal(virConnectPtr conn, const char *host, const struct gf_seal_opts *opts,
                  struct gf_seal_result *out)
{
    struct gf_meta m, gm;
    struct seal_disk *disks = NULL;
    virDomainPtr dom, taken;
    size_t ndisks = 0;
    char *xml = NULL, snap[GF_NAME_MAX + 16], why[512];
    long newest;
    int running = 0, ret = -1;

    memset(out, 0, sizeof(*out));
    if (gf_name_check("image", opts->image) < 0 || !(dom = gf_host_lookup(conn, host, &m)))
        return -1;
    if (m.state == GF_HS_SEALING) {
        int r = recover(dom, &m, out);
        if (r != 0) {
            virDomainFree(dom);
            return r < 0 ? -1 : 0;
        }
        if (gf_meta_get(dom, &m) < 0)
            goto cleanup;
    }
    if (check_host(dom, &m, opts, &running) < 0)
        goto cleanup;
    {
        char other[GF_NAME_MAX + 1];
        if (sealing_elsewhere(conn, opts->image, host, other, sizeof(other)) < 0)
            goto cleanup;
        if (other[0]) {
            gf_err(GF_ERR_INPUT,
                   "'%s' is being sealed into '%s' (or its seal was interrupted: seal it again "
                   "to finish or undo it): one seal of an image at a time",
                   other, opts->image);
            goto cleanup;
        }
    }
    if ((newest = gf_image_newest(conn, opts->image)) < 0)
        goto cleanup;
    if (newest == 0 || newest >= GF_VERSION_MAX) {
        gf_err(GF_ERR_INPUT, "there is no image called '%s' to seal a new version of", opts->image);
        goto cleanup;
    }
    out->version = (unsigned int)newest + 1;
    out->parent = m.image_version;
    snprintf(out->gold, sizeof(out->gold), "%s-v%u", opts->image, out->version);
    if (gf_name_check("gold image", out->gold) < 0)
        goto cleanup;
    if ((taken = virDomainLookupByName(conn, out->gold))) {
        virDomainFree(taken);
        gf_err(GF_ERR_INPUT, "a domain named '%s' already exists", out->gold);
        goto cleanup;
    }
    virResetLastError();
    if (!(xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE))) {
        gf_err_virt("reading '%s'", host);
        goto cleanup;
    }
    if (plan_disks(dom, out->gold, 1, &disks, &ndisks) < 0)
        goto cleanup;
    if (ndisks == 0) {
        gf_err(GF_ERR_INPUT, "'%s' has no writable disk to seal", host);
        goto cleanup;
    }

    /* Checks are done.  From here on a failure is undone from the snapshot. */
    snprintf(why, sizeof(why), "taken by Goldfarm before sealing into %s version %u", opts->image,
             out->version);
    if (gf_snapshot_take_safety(dom, GF_PRESEAL_PREFIX, why, snap, sizeof(snap)) < 0)
        goto cleanup;
    gf_note("%s: pre-seal snapshot %s taken", host, snap);
    snprintf(m.reason, sizeof(m.reason), SEAL_REASON, opts->image, out->version, out->gold);
    m.state = GF_HS_SEALING;
    m.seal_version = out->version;
    snprintf(m.seal_gold, sizeof(m.seal_gold), "%s", out->gold);
    m.farm[0] = '\0'; /* out of its farm: goldfarmd no longer counts it */
    m.since = time(NULL);
    if (gf_meta_set(dom, &m) < 0)
        goto undo;
    if (running && shut_down(dom, opts->timeout > 0 ? opts->timeout : 120, opts->progress) < 0)
        goto undo;
    memset(&gm, 0, sizeof(gm));
    gm.role = GF_ROLE_GOLD;
    snprintf(gm.image, sizeof(gm.image), "%s", opts->image);
    gm.image_version = out->version;
    gm.parent_version = out->parent;
    snprintf(gm.note, sizeof(gm.note), "%s", opts->note ? opts->note : "");
    snprintf(gm.reason, sizeof(gm.reason), "sealed from %s", host);
    snprintf(gm.sealed_from, sizeof(gm.sealed_from), "%s", host);
    gm.created = gm.since = time(NULL);
    if (make_gold(conn, host, xml, disks, ndisks, &gm, out->gold, opts->progress) < 0)
        goto undo;
    /* the new version exists: the host has become it */
    if (remove_host(dom) < 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", gf_err_message());
        gf_err(GF_ERR_OP,
               "%s is sealed, but removing '%s' failed: %s (sealing it again finishes this)",
               out->gold, host, msg);
        goto cleanup;
    }
    ret = 0; /* the caller says so */
    goto cleanup;
undo : {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", gf_err_message());
    if (undo_seal(dom, out->gold, 0) == 0)
        gf_err(GF_ERR_OP, "%s; the seal was undone: '%s' is back as it was", msg, host);
    else {
        char undo[512];
        snprintf(undo, sizeof(undo), "%s", gf_err_message());
        gf_err(GF_ERR_OP, "%s; undoing the seal failed too: %s", msg, undo);
    }
}
cleanup:
    seal_disks_free(disks, ndisks);
    free(xml);
    virDomainFree(dom);
    return ret;
}
