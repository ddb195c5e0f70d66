/* push.c - a gold image version copied to another hypervisor through
 * libvirt streams, journalled, verified, and recorded with its SHA-256
 * (see push.h). */
#include "model/push.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/fault.h"
#include "base/log.h"
#include "model/disk_use.h"
#include "model/domxml.h"
#include "model/image.h"
#include "model/journal.h"
#include "model/push_int.h"
#include "model/volume.h"

/* One disk of the gold version and what the push makes of it. */
struct push_disk {
    struct gf_disk gold;            /* on the source */
    struct gf_disk made;            /* on the target: target, path, format */
    char volname[GF_NAME_MAX + 48]; /* the source volume's name, the target's too */
    unsigned long long capacity;    /* bytes */
    unsigned long long allocation;  /* the source file's size, for progress */
    virStorageVolPtr src_vol;
    virStoragePoolPtr src_pool, dst_pool;
    int shared;             /* the target sees this very volume */
    virStorageVolPtr there; /* shared: the volume on the target */
    int by_content;         /* shared only if its content is the source's (same path) */
    char shared_why[1100];
    virStorageVolPtr vol; /* made on the target: deleted on failure */
};

/* Free N disks' libvirt references and the array; accepts NULL. */
static void push_disks_free(struct push_disk *d, size_t n)
{
    if (!d)
        return;
    for (size_t i = 0; i < n; i++) {
        if (d[i].src_vol)
            virStorageVolFree(d[i].src_vol);
        if (d[i].src_pool)
            virStoragePoolFree(d[i].src_pool);
        if (d[i].dst_pool)
            virStoragePoolFree(d[i].dst_pool);
        if (d[i].there)
            virStorageVolFree(d[i].there);
        if (d[i].vol)
            virStorageVolFree(d[i].vol);
    }
    free(d);
}

/* Whether the volume SEEN on DST (at the path of D's source volume, in a
 * local pool: its key is that path) may be D's source volume itself: 0
 * when its size is the source's (read_shared compares the content), else
 * -1 with a GF_ERR_INPUT error (a name clash: refused, nothing changed). */
static int check_seen(virStorageVolPtr seen, const char *uri, const struct push_disk *d)
{
    virStorageVolInfo info;

    if (virStorageVolGetInfo(seen, &info) < 0) {
        gf_err_virt("reading volume %s on %s", d->gold.path, uri);
        return -1;
    }
    if (info.capacity != d->capacity) { /* another file: no need to read it */
        gf_err(GF_ERR_INPUT,
               "%s has a volume at %s, the path of gold disk %s, of another size (%llu bytes, "
               "the gold's %llu): another file of the same path, not shared storage; nothing "
               "pushed",
               uri, d->gold.path, d->gold.target, info.capacity, d->capacity);
        return -1;
    }
    return 0;
}

/* Find disk D on SRC and its pool on DST (POOL, or the source pool's
 * name), tell whether DST sees the same storage, and check that the target
 * volume name is free.  A disk with a backing file is refused.  0, or -1
 * with an error (GF_ERR_INPUT: refused). */
static int plan_disk(virConnectPtr src, virConnectPtr dst, const char *pool, const char *uri,
                     struct push_disk *d)
{
    virStorageVolInfo info;
    virStorageVolPtr taken, seen = NULL;
    const char *pname;
    char backing[PATH_MAX];
    int same;

    if (!(d->src_vol = virStorageVolLookupByPath(src, d->gold.path))) {
        gf_err(GF_ERR_INPUT, "gold disk %s (%s) is not a volume of a libvirt storage pool",
               d->gold.target, d->gold.path);
        return -1;
    }
    if (!(d->src_pool = virStoragePoolLookupByVolume(d->src_vol)) ||
        virStorageVolGetInfo(d->src_vol, &info) < 0) {
        gf_err_virt("reading gold disk %s", d->gold.path);
        return -1;
    }
    if (gf_volume_backing(d->src_vol, backing, sizeof(backing)) < 0)
        return -1;
    if (backing[0]) {
        gf_err(GF_ERR_INPUT,
               "gold disk %s (%s) has a backing file (%s): a push copies one file, not a chain; "
               "not pushed",
               d->gold.target, d->gold.path, backing);
        return -1;
    }
    d->capacity = info.capacity;
    d->allocation = info.allocation;
    snprintf(d->volname, sizeof(d->volname), "%s", virStorageVolGetName(d->src_vol));
    pname = pool ? pool : virStoragePoolGetName(d->src_pool);
    if (!(d->dst_pool = virStoragePoolLookupByName(dst, pname))) {
        virResetLastError();
        gf_err(GF_ERR_INPUT, "no storage pool '%s' on %s%s", pname, uri,
               pool ? "" : " (the gold disk's pool there; --pool names another)");
        return -1;
    }
    if (virStoragePoolIsActive(d->dst_pool) != 1) {
        gf_err(GF_ERR_INPUT, "storage pool '%s' on %s is not active", pname, uri);
        return -1;
    }
    virStoragePoolRefresh(d->dst_pool, 0);
    virResetLastError();
    if ((same = gf_push_same_storage(d->src_pool, d->dst_pool, d->shared_why,
                                     sizeof(d->shared_why))) < 0)
        return -1;
    /* the same volume key there: shared when the pools are the same network
     * storage; in local pools the key is the path, so only the same content
     * says it is the same file, anything else is refused */
    if (same) {
        /* the same storage by the pools: the gold's volume is there under
         * its name, at the target's own mount path (which may differ) */
        if (!(d->there = virStorageVolLookupByName(d->dst_pool, d->volname))) {
            virResetLastError();
            gf_err(GF_ERR_INPUT,
                   "pool '%s' on %s is the same storage as gold disk %s's (%s) but shows no "
                   "volume '%s' (refresh the pool there); nothing pushed",
                   pname, uri, d->gold.target, d->shared_why, d->volname);
            return -1;
        }
    } else if ((same = gf_push_volume_seen(dst, d->src_vol, d->src_pool, &seen, d->shared_why,
                                           sizeof(d->shared_why))) > 0) {
        if (same == 2) { /* its content compared by read_shared */
            same = check_seen(seen, uri, d) < 0 ? -1 : 1;
            d->by_content = 1;
        }
        d->there = seen;
    }
    if (same < 0)
        return -1;
    d->shared = same != 0;
    snprintf(d->made.target, sizeof(d->made.target), "%s", d->gold.target);
    snprintf(d->made.format, sizeof(d->made.format), "%s", d->gold.format);
    if (same) {
        char *path = virStorageVolGetPath(d->there);
        if (!path) {
            gf_err_virt("reading the path of volume '%s' on %s", d->volname, uri);
            return -1;
        }
        snprintf(d->made.path, sizeof(d->made.path), "%s", path);
        free(path);
        return 0;
    }
    if ((taken = virStorageVolLookupByName(d->dst_pool, d->volname))) {
        virStorageVolFree(taken);
        gf_err(GF_ERR_INPUT,
               "volume '%s' already exists in pool '%s' on %s; Goldfarm does not overwrite it",
               d->volname, pname, uri);
        return -1;
    }
    virResetLastError();
    return 0;
}

/* Whether DST has the version already: 1 (same checksum: nothing to do),
 * 0 (no), or -1 with an error (GF_ERR_INPUT: it has it otherwise, or a
 * domain of the gold's name that is not it). */
static int target_has(virConnectPtr dst, const char *uri, const char *domain,
                      const struct gf_meta *m)
{
    struct gf_meta there;
    virDomainPtr dom;
    char esc[GF_ESC_LEN];

    gf_err_clear();
    if ((dom = gf_image_find(dst, m->image, m->image_version, &there))) {
        virDomainFree(dom);
        if (m->sha256[0] && strcmp(there.sha256, m->sha256) == 0)
            return 1;
        gf_err(GF_ERR_INPUT,
               "%s already has version %u of image '%s' with %s checksum (%s): retire it there "
               "first",
               uri, m->image_version, m->image, there.sha256[0] ? "another" : "no",
               there.sha256[0] ? there.sha256 : "never pushed");
        return -1;
    }
    if (gf_err_class_get() != GF_ERR_INPUT)
        return -1; /* libvirt failed */
    gf_err_clear();
    if ((dom = virDomainLookupByName(dst, domain))) {
        virDomainFree(dom);
        gf_err(GF_ERR_INPUT, "a domain named '%s' already exists on %s",
               gf_esc(domain, esc, sizeof(esc)), uri);
        return -1;
    }
    virResetLastError();
    return 0;
}

/* Delete the target volumes this push made, each only once libvirt shows
 * it is no gold disk and no domain uses it; what is left into LEFT.
 * 0, or -1 when something was left. */
static int undo_volumes(virConnectPtr dst, struct push_disk *d, size_t n, char *left, size_t len)
{
    int ret = 0;

    left[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char who[256];
        if (!d[i].vol)
            continue;
        if (gf_image_owns_disk(dst, d[i].made.path) != 0 ||
            gf_disk_users(dst, d[i].made.path, who, sizeof(who)) != 0 ||
            virStorageVolDelete(d[i].vol, 0) < 0) {
            snprintf(left + strlen(left), len - strlen(left), "%svolume %s", left[0] ? ", " : "",
                     d[i].made.path);
            ret = -1;
            continue;
        }
        virStorageVolFree(d[i].vol);
        d[i].vol = NULL;
    }
    return ret;
}

/* Stream every disk of D (N) that is not shared from SRC into its new
 * volume on DST, in order, into SUM (a shared one is read only, for SUM).
 * Adds what was sent to R's byte counts.  0 or -1. */
static int stream_all(virConnectPtr src, virConnectPtr dst, struct push_disk *d, size_t n,
                      const char *domain, const struct gf_push_opts *o, GChecksum *sum,
                      struct gf_push_result *r)
{
    for (size_t i = 0; i < n; i++) {
        char label[GF_NAME_MAX + 96];
        struct gf_stream_job job = {.label = label,
                                    .progress = o->progress,
                                    .sparse = o->sparse,
                                    .total = d[i].allocation,
                                    .cancel = o->cancel,
                                    .moved = d[i].shared ? NULL : o->moved};
        snprintf(label, sizeof(label), "push %s %s", domain, d[i].gold.target);
        if (gf_stream_volume(src, d[i].src_vol, dst, d[i].shared ? NULL : d[i].vol, sum, &job) < 0)
            return -1;
        if (d[i].shared)
            continue;
        r->bytes += job.bytes;
        r->holes += job.holes;
    }
    return 0;
}

/* Say that disk D of DOMAIN is not copied to URI, and why. */
static void shared_note(const char *domain, const struct push_disk *d, const char *uri)
{
    if (strcmp(d->made.path, d->gold.path) != 0)
        gf_note("push %s: %s on %s is the same storage (%s; %s there): not copied", domain,
                d->gold.path, uri, d->shared_why, d->made.path);
    else
        gf_note("push %s: %s on %s is the same storage (%s): not copied", domain, d->gold.path, uri,
                d->shared_why);
}

/* A read of one volume on a thread of its own (the target's, beside the
 * source's): its outcome and error message. */
struct side_read {
    virConnectPtr conn;
    virStorageVolPtr vol;
    GChecksum *sum;
    struct gf_stream_job job;
    int *halt; /* who failed first: 1 the source's read, 2 this one; 0 none */
    int rc;
    char error[1536];
};

/* Record in *HALT that side WHO failed, unless the other did first: the
 * other read stops at its next chunk. */
static void halt_other(int *halt, int who)
{
    int none = 0;

    __atomic_compare_exchange_n(halt, &none, who, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void *side_read_run(void *arg)
{
    struct side_read *s = arg;

    if ((s->rc = gf_stream_volume(s->conn, s->vol, NULL, NULL, s->sum, &s->job)) < 0) {
        snprintf(s->error, sizeof(s->error), "%s", gf_err_message());
        halt_other(s->halt, 2);
    }
    return NULL;
}

/* Read volume SVOL on SRC into SUM and ALSO (JOB) and, at the same time,
 * TVOL on DST (URI) into CHECK and TALSO; the target's time into
 * *SECONDS.  The first read to fail stops the other.  0, or -1 with the
 * error of the read that failed first. */
static int read_both(virConnectPtr src, virStorageVolPtr svol, GChecksum *sum,
                     struct gf_stream_job *job, virConnectPtr dst, const char *uri,
                     virStorageVolPtr tvol, GChecksum *check, GChecksum *talso, double *seconds)
{
    struct side_read side = {.conn = dst, .vol = tvol, .sum = check, .job = *job};
    char label[GF_NAME_MAX + 96 + 512];
    double t0 = gf_now();
    pthread_t thread;
    int rc, halt = 0;

    snprintf(label, sizeof(label), "%s, its copy on %s", job->label, uri);
    side.job.label = label;
    side.job.progress = 0; /* the source's shows for both */
    side.job.also = talso;
    side.job.halt = job->halt = side.halt = &halt;
    if (pthread_create(&thread, NULL, side_read_run, &side) != 0) {
        job->halt = NULL;
        gf_err(GF_ERR_OP, "%s: cannot start a thread to read the target", job->label);
        return -1;
    }
    if ((rc = gf_stream_volume(src, svol, NULL, NULL, sum, job)) < 0)
        halt_other(&halt, 1);
    pthread_join(thread, NULL);
    job->halt = NULL;
    *seconds += gf_now() - t0;
    if (side.rc < 0 && halt == 2) { /* the target's read failed first */
        gf_err(GF_ERR_OP, "%s", side.error);
        rc = -1;
    }
    return rc;
}

/* Read each shared disk of D (N) once on each side, both at once: the
 * source's into SUM, the target's into CHECK (NULL: not wanted), and
 * compare them.  A volume seen at the same path with other content is
 * another file: refused (GF_ERR_INPUT).  A disk shared by its pools is
 * compared here only when SUM is NULL (else the caller compares SUM and
 * CHECK).  Nothing is made or sent; the target's reads add to *SECONDS.
 * 0 or -1. */
static int read_shared(virConnectPtr src, virConnectPtr dst, struct push_disk *d, size_t n,
                       const char *uri, const char *domain, const struct gf_push_opts *o,
                       GChecksum *sum, GChecksum *check, double *seconds)
{
    for (size_t i = 0; i < n; i++) {
        char label[GF_NAME_MAX + 96], a[GF_SHA256_HEX + 1] = "", b[GF_SHA256_HEX + 1] = "";
        struct gf_stream_job job = {.label = label,
                                    .progress = o->progress,
                                    .sparse = o->sparse,
                                    .total = d[i].allocation,
                                    .cancel = o->cancel};
        /* this disk's own checksums, unless it is all SUM holds */
        int alone = d[i].by_content || !sum, own = alone && (n > 1 || !sum), rc = -1;
        GChecksum *da, *db;
        if (!d[i].shared)
            continue; /* copied: read as it is sent */
        da = own ? g_checksum_new(G_CHECKSUM_SHA256) : NULL;
        db = own ? g_checksum_new(G_CHECKSUM_SHA256) : NULL;
        if (own && (!da || !db)) {
            gf_err(GF_ERR_OP, "out of memory");
        } else {
            snprintf(label, sizeof(label), "compare %s %s", domain, d[i].gold.target);
            job.also = da;
            rc = read_both(src, d[i].src_vol, sum, &job, dst, uri, d[i].there, check, db, seconds);
        }
        if (rc == 0 && alone) {
            snprintf(a, sizeof(a), "%s", g_checksum_get_string(own ? da : sum));
            snprintf(b, sizeof(b), "%s", g_checksum_get_string(own ? db : check));
        }
        if (da)
            g_checksum_free(da);
        if (db)
            g_checksum_free(db);
        if (rc < 0)
            return -1;
        if (strcmp(a, b) != 0) {
            if (d[i].by_content)
                gf_err(GF_ERR_INPUT,
                       "%s has a volume at %s, the path of gold disk %s, with other content "
                       "(sha256 %.12s, the gold's %.12s): another file of the same path, not "
                       "shared storage; nothing pushed",
                       uri, d[i].gold.path, d[i].gold.target, b, a);
            else
                gf_err(GF_ERR_OP,
                       "%s reads gold disk %s on the same storage (%s) as sha256 %.12s, the "
                       "source as %.12s; nothing pushed",
                       uri, d[i].gold.path, d[i].shared_why, b, a);
            return -1;
        }
        if (d[i].by_content) {
            snprintf(d[i].shared_why, sizeof(d[i].shared_why),
                     "volume %s there with the same content", d[i].gold.path);
            shared_note(domain, &d[i], uri);
        }
    }
    return 0;
}

/* Re-read what the target holds for D (N) into SUM: the new volumes, or the
 * shared ones.  0 or -1. */
static int reread_target(virConnectPtr dst, struct push_disk *d, size_t n, const char *domain,
                         const struct gf_push_opts *o, GChecksum *sum)
{
    for (size_t i = 0; i < n; i++) {
        char label[GF_NAME_MAX + 96];
        struct gf_stream_job job = {.label = label,
                                    .progress = o->progress,
                                    .sparse = o->sparse,
                                    .total = d[i].allocation,
                                    .cancel = o->cancel};
        /* the volume made, else the shared one as read_shared found it (its
         * pool's, by name or by key: a path alone may name another pool's) */
        virStorageVolPtr vol = d[i].vol     ? d[i].vol
                               : d[i].there ? d[i].there
                                            : virStorageVolLookupByPath(dst, d[i].made.path);
        int rc;
        if (!vol) {
            gf_err_virt("finding %s on the target", d[i].made.path);
            return -1;
        }
        snprintf(label, sizeof(label), "verify %s %s", domain, d[i].gold.target);
        rc = gf_stream_volume(dst, vol, NULL, NULL, sum, &job);
        if (vol != d[i].vol && vol != d[i].there)
            virStorageVolFree(vol);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Put back PREV as the shared= marker of the source gold GOLD (NAME), as
 * it was before this push marked it: the push failed.  Logged when it
 * cannot (the gold then keeps its disks when retired: safe). */
static void unmark_source(virDomainPtr gold, enum gf_disk_share prev, const char *name)
{
    struct gf_meta m;

    if (gf_meta_get(gold, &m) == 1) {
        m.shared = prev;
        if (gf_meta_set(gold, &m) == 0)
            return;
    }
    gf_error("push %s: the gold's shared-storage mark stays (%s): retiring it keeps its disks",
             name, gf_err_message());
}

/* SUM's digest (a SHA-256) into HEX. */
static void digest(GChecksum *sum, char hex[GF_SHA256_HEX + 1])
{
    snprintf(hex, GF_SHA256_HEX + 1, "%s", g_checksum_get_string(sum));
}

int gf_push(virConnectPtr src, const char *name, unsigned int version, virConnectPtr dst,
            const struct gf_push_opts *o, struct gf_push_result *r)
{
    const char *uri = o->target_uri ? o->target_uri : "the target";
    virDomainPtr gold = NULL, made_dom = NULL;
    struct push_disk *d = NULL;
    struct gf_disk *disks = NULL, *made = NULL;
    struct gf_meta meta, tmeta;
    struct gf_clone_spec spec;
    GChecksum *sum = NULL, *check = NULL;
    char *xml = NULL, *txml = NULL, *src_uri, msg[1024], left[2048], tag[GF_OP_TAG_LEN];
    char uuid[VIR_UUID_STRING_BUFLEN], streamed[GF_SHA256_HEX + 1];
    size_t n = 0, nshared = 0;
    unsigned long jid = 0;
    double start;
    int ret = -1, has, unmark = -1, marked = 0;

    memset(r, 0, sizeof(*r));
    if (!(gold = gf_image_find(src, name, version, &meta)))
        return -1;
    snprintf(r->domain, sizeof(r->domain), "%s", virDomainGetName(gold));
    snprintf(r->image, sizeof(r->image), "%s", meta.image[0] ? meta.image : r->domain);
    r->version = meta.image_version;
    snprintf(r->sha256, sizeof(r->sha256), "%s", meta.sha256);
    if ((has = target_has(dst, uri, r->domain, &meta)) != 0) {
        if (has > 0)
            r->how = GF_PUSH_PRESENT;
        ret = has > 0 ? 0 : -1;
        goto cleanup;
    }
    if (!(xml = virDomainGetXMLDesc(gold, VIR_DOMAIN_XML_INACTIVE)) ||
        virDomainGetUUIDString(gold, uuid) < 0) {
        gf_err_virt("reading gold image '%s'", r->domain);
        goto cleanup;
    }
    if (gf_domxml_disks(xml, &disks, &n) < 0)
        goto cleanup;
    if (!(d = calloc(n + 1, sizeof(*d))) || !(made = calloc(n + 1, sizeof(*made))) ||
        !(sum = g_checksum_new(G_CHECKSUM_SHA256)) ||
        !(check = g_checksum_new(G_CHECKSUM_SHA256))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        d[i].gold = disks[i];
        if (plan_disk(src, dst, o->pool, uri, &d[i]) < 0)
            goto cleanup;
        nshared += d[i].shared != 0;
        if (d[i].shared && !d[i].by_content) /* read_shared says it of the others */
            shared_note(r->domain, &d[i], uri);
    }
    /* the shared disks read once on each side, before anything is made (a
     * file of the same path and other content is refused, nothing changed);
     * when every disk is shared, these reads are the push's checksums */
    if (nshared && read_shared(src, dst, d, n, uri, r->domain, o, nshared == n ? sum : NULL,
                               nshared == n ? check : NULL, &r->verify_seconds) < 0)
        goto cleanup;

    /* Checks are done: from here on a failure undoes what was made on the
     * target, and a crash is undone from the journal by the next push. */
    start = gf_now();
    if (!(jid = gf_journal_begin(o->journal, GF_JOP_PUSH, r->domain, uri, NULL, 0, tag)))
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        char where[PATH_MAX + 80], *path;
        if (d[i].shared)
            continue;
        /* an intent first (recovery never deletes what only an intent
         * names: another may have made it), "made" once it is ours */
        if (gf_volume_pool_path(d[i].dst_pool, d[i].volname, where, sizeof(where)) == 0 &&
            gf_journal_intent(o->journal, jid, where) < 0)
            goto undo;
        if (!(d[i].vol = gf_push_make_volume(d[i].dst_pool, d[i].volname, d[i].gold.format,
                                             d[i].capacity)))
            goto undo;
        if (!(path = virStorageVolGetPath(d[i].vol))) {
            gf_err_virt("reading the path of volume '%s' on %s", d[i].volname, uri);
            goto undo;
        }
        snprintf(d[i].made.path, sizeof(d[i].made.path), "%s", path);
        free(path);
        if (gf_journal_volume(o->journal, jid, d[i].made.path, NULL) < 0)
            goto undo;
        gf_crash_point("push-volume");
        if (gf_fault("push-volume", r->domain) < 0)
            goto undo;
    }
    /* the copy (the shared disks only read), then the target re-read */
    if (nshared < n && stream_all(src, dst, d, n, r->domain, o, sum, r) < 0)
        goto undo;
    digest(sum, streamed);
    gf_crash_point("push-streamed");
    if (gf_fault("push-streamed", r->domain) < 0)
        goto undo;
    if (meta.sha256[0] && strcmp(meta.sha256, streamed) != 0) {
        gf_err(GF_ERR_OP,
               "the gold disks of '%s' read as sha256 %s, but its metadata says %s: its disks "
               "changed since it was first pushed",
               r->domain, streamed, meta.sha256);
        goto undo;
    }
    if (!o->no_verify || nshared == n) {
        double v0 = gf_now();
        char reread[GF_SHA256_HEX + 1];
        if (nshared < n) {
            if (reread_target(dst, d, n, r->domain, o, check) < 0)
                goto undo;
            r->verify_seconds += gf_now() - v0;
        }
        digest(check, reread);
        if (strcmp(reread, streamed) != 0) {
            gf_err(GF_ERR_OP, "%s holds sha256 %s for '%s' after the push, not %s as sent", uri,
                   reread, r->domain, streamed);
            goto undo;
        }
    }
    r->seconds = gf_now() - start;
    snprintf(r->sha256, sizeof(r->sha256), "%s", streamed);
    if (!meta.sha256[0] || (nshared && meta.shared != GF_SHARE_SHARED)) {
        struct gf_meta now_meta;
        snprintf(meta.sha256, sizeof(meta.sha256), "%s", streamed);
        /* the source's own metadata first: it says what its disks are, and
         * that they are shared (its retirement must then keep them) */
        if (gf_meta_get(gold, &now_meta) < 0)
            goto undo;
        snprintf(now_meta.sha256, sizeof(now_meta.sha256), "%s", streamed);
        if (nshared && now_meta.shared != GF_SHARE_SHARED) {
            unmark = now_meta.shared;
            now_meta.shared = GF_SHARE_SHARED;
        }
        if (gf_meta_set(gold, &now_meta) < 0)
            goto undo;
        marked = unmark >= 0;
    }
    for (size_t i = 0; i < n; i++)
        made[i] = d[i].made;
    tmeta = meta;
    tmeta.shared = nshared ? GF_SHARE_SHARED : GF_SHARE_OWN;
    snprintf(tmeta.op_tag, sizeof(tmeta.op_tag), "%s", tag);
    if ((src_uri = virConnectGetURI(src))) {
        snprintf(tmeta.reason, sizeof(tmeta.reason), "pushed from %s", src_uri);
        free(src_uri);
    }
    spec = (struct gf_clone_spec){
        .name = r->domain, .uuid = uuid, .disks = made, .ndisks = n, .meta = &tmeta};
    if (!(txml = gf_domxml_derive_clone(xml, &spec)) || gf_fault("push-define", r->domain) < 0 ||
        gf_journal_define(o->journal, jid, uuid) < 0)
        goto undo;
    if (!(made_dom = virDomainDefineXML(dst, txml))) {
        gf_err_virt("defining gold '%s' on %s", r->domain, uri);
        goto undo;
    }
    gf_crash_point("push-defined");
    gf_journal_end(o->journal, jid);
    r->how = n && nshared == n ? GF_PUSH_SHARED : GF_PUSH_COPIED;
    ret = 0;
    goto cleanup;
undo:
    snprintf(msg, sizeof(msg), "%s", gf_err_message());
    if (marked)
        unmark_source(gold, (enum gf_disk_share)unmark, r->domain);
    if (undo_volumes(dst, d, n, left, sizeof(left)) == 0) {
        gf_journal_end(o->journal, jid);
        gf_err(GF_ERR_OP, "%s; nothing of the push of '%s' was kept on %s", msg, r->domain, uri);
    } else
        gf_err(GF_ERR_OP, "%s; undoing the push failed, left on %s: %s (the next push undoes it)",
               msg, uri, left);
cleanup:
    if (made_dom)
        virDomainFree(made_dom);
    virDomainFree(gold);
    push_disks_free(d, n);
    if (sum)
        g_checksum_free(sum);
    if (check)
        g_checksum_free(check);
    free(disks);
    free(made);
    free(xml);
    free(txml);
    return ret;
}
