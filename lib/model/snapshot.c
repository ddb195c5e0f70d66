/* snapshot.c - snapshots of one host or many, all or nothing. */
#include "model/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/error.h"
#include "base/fault.h"
#include "base/log.h"
#include "base/timefmt.h"

int gf_snapshot_name_check(const char *name)
{
    if (gf_name_check("snapshot", name) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        const char *prefix = i ? GF_PRESEAL_PREFIX : GF_SAFETY_PREFIX;
        if (strncmp(name, prefix, strlen(prefix)) == 0) {
            gf_err(GF_ERR_INPUT,
                   "invalid snapshot name '%s': names starting with '%s' are Goldfarm's", name,
                   prefix);
            return -1;
        }
    }
    return 0;
}

virDomainSnapshotPtr gf_snapshot_lookup(virDomainPtr dom, const char *name)
{
    virDomainSnapshotPtr snap = virDomainSnapshotLookupByName(dom, name, 0);

    if (!snap) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN_SNAPSHOT)
            gf_err(GF_ERR_INPUT, "host '%s' has no snapshot '%s'", virDomainGetName(dom), name);
        else
            gf_err_virt("looking up snapshot '%s' of '%s'", name, virDomainGetName(dom));
    }
    return snap;
}

/* Whether DOM has a snapshot NAME: 1, 0, or -1 with an error. */
static int snapshot_exists(virDomainPtr dom, const char *name)
{
    virDomainSnapshotPtr snap = virDomainSnapshotLookupByName(dom, name, 0);
    virErrorPtr e;

    if (snap) {
        virDomainSnapshotFree(snap);
        return 1;
    }
    e = virGetLastError();
    if (e && e->code == VIR_ERR_NO_DOMAIN_SNAPSHOT) {
        virResetLastError();
        return 0;
    }
    gf_err_virt("looking up snapshot '%s' of '%s'", name, virDomainGetName(dom));
    return -1;
}

/* The <domainsnapshot> XML for NAME: a new string to free(), or NULL.
 * MEMORY_NO asks for the disks only; otherwise libvirt's default for the
 * domain's state (a running guest's memory included). */
static char *snapshot_xml(const char *name, const char *description, int memory_no)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "domainsnapshot", NULL);
    xmlBufferPtr buf = xmlBufferCreate();
    char *out = NULL;

    xmlDocSetRootElement(doc, root);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
    if (description)
        xmlNewTextChild(root, NULL, BAD_CAST "description", BAD_CAST description);
    if (memory_no) {
        xmlNodePtr mem = xmlNewChild(root, NULL, BAD_CAST "memory", NULL);
        xmlSetProp(mem, BAD_CAST "snapshot", BAD_CAST "no");
    }
    xmlNodeDump(buf, doc, root, 0, 0);
    out = strdup((const char *)xmlBufferContent(buf));
    if (!out)
        gf_err(GF_ERR_OP, "out of memory");
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return out;
}

/* Freeze DOM's filesystems through its guest agent.  0, or -1 with an error
 * saying plainly that the agent is missing or not answering. */
static int freeze(virDomainPtr dom, const char *host, int running)
{
    if (!running) {
        gf_err(GF_ERR_INPUT, "host '%s' is not running: --quiesce needs its guest agent", host);
        return -1;
    }
    if (virDomainFSFreeze(dom, NULL, 0, 0) < 0) {
        gf_err_virt("host '%s': --quiesce needs the guest agent, which did not freeze the "
                    "filesystems",
                    host);
        return -1;
    }
    return 0;
}

/* Create snapshot XML on DOM; on failure *CODE is libvirt's error code. */
static virDomainSnapshotPtr create_snapshot(virDomainPtr dom, const char *xml, int *code)
{
    virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(dom, xml, 0);
    virErrorPtr e;

    if (!snap) {
        e = virGetLastError();
        *code = e ? e->code : VIR_ERR_INTERNAL_ERROR;
    }
    return snap;
}

/* Take snapshot OPTS->name of one host.  Without OPTS->memory a running
 * host's snapshot holds its disks only, frozen around it with
 * OPTS->quiesce; where the hypervisor cannot take a revertible disk-only
 * snapshot of a running guest (QEMU: "internal snapshot of a running VM
 * must include the memory state"), it keeps the memory too, which makes it
 * consistent without freezing, and says so.  Returns the new snapshot or
 * NULL with an error. */
static virDomainSnapshotPtr take_one(virDomainPtr dom, const struct gf_snapshot_opts *opts)
{
    const char *host = virDomainGetName(dom);
    int running = virDomainIsActive(dom) == 1;
    int disk_only = running && !opts->memory;
    virDomainSnapshotPtr snap = NULL;
    int frozen = 0, code = 0;
    char *xml = NULL;

    if (opts->quiesce) {
        if (freeze(dom, host, running) < 0)
            return NULL;
        frozen = 1;
    }
    if (!(xml = snapshot_xml(opts->name, opts->description, disk_only)))
        goto cleanup;
    snap = create_snapshot(dom, xml, &code);
    if (!snap && disk_only && code == VIR_ERR_OPERATION_UNSUPPORTED) {
        free(xml);
        if (frozen && virDomainFSThaw(dom, NULL, 0, 0) == 0)
            frozen = 0;
        if (!(xml = snapshot_xml(opts->name, opts->description, 0)))
            goto cleanup;
        gf_note("%s: running, and the hypervisor snapshots a running guest only with its "
                "memory: memory kept%s",
                host, opts->quiesce ? " (consistent without freezing, so not frozen)" : "");
        snap = create_snapshot(dom, xml, &code);
    }
    if (!snap)
        gf_err_virt("snapshot '%s' of '%s'", opts->name, host);
cleanup:
    if (frozen && virDomainFSThaw(dom, NULL, 0, 0) < 0) {
        /* a guest left frozen hangs its users: say so, whatever else failed */
        gf_err_virt("host '%s': thawing its filesystems after the snapshot (run virsh "
                    "domfsthaw %s)",
                    host, host);
        if (snap) {
            virDomainSnapshotDelete(snap, 0);
            virDomainSnapshotFree(snap);
            snap = NULL;
        }
    }
    free(xml);
    return snap;
}

int gf_snapshot_create(virDomainPtr *doms, size_t n, const struct gf_snapshot_opts *opts)
{
    virDomainSnapshotPtr *taken = calloc(n ? n : 1, sizeof(*taken));
    size_t ntaken = 0;
    int ret = -1;

    if (!taken) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    if (gf_snapshot_name_check(opts->name) < 0)
        goto cleanup;
    if (opts->memory && opts->quiesce) {
        gf_err(GF_ERR_INPUT, "--quiesce is for disk-only snapshots: one with --memory is "
                             "consistent without freezing");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        int exists = snapshot_exists(doms[i], opts->name);
        if (exists < 0)
            goto cleanup;
        if (exists) {
            gf_err(GF_ERR_INPUT, "host '%s' already has a snapshot '%s'", virDomainGetName(doms[i]),
                   opts->name);
            goto cleanup;
        }
    }
    for (size_t i = 0; i < n; i++) {
        double start = gf_now();
        if (gf_fault("snapshot-create", virDomainGetName(doms[i])) < 0 ||
            !(taken[i] = take_one(doms[i], opts)))
            goto undo;
        ntaken++;
        gf_note("%s: snapshot '%s' taken (%.2f s)", virDomainGetName(doms[i]), opts->name,
                gf_now() - start);
    }
    ret = 0;
    goto cleanup;
undo:
    if (ntaken) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", gf_err_message());
        for (size_t i = 0; i < ntaken; i++)
            virDomainSnapshotDelete(taken[i], 0);
        gf_err(gf_err_class_get() == GF_ERR_INPUT ? GF_ERR_INPUT : GF_ERR_OP,
               "%s; the %zu snapshot%s this run took were deleted", msg, ntaken,
               ntaken == 1 ? "" : "s");
    }
cleanup:
    gf_snapshots_free(taken, n);
    return ret;
}

/* Copy the text of NODE's child NAME into DST (LEN bytes). */
static void child_text(xmlNodePtr node, const char *name, char *dst, size_t len)
{
    dst[0] = '\0';
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name)) {
            xmlChar *text = xmlNodeGetContent(c);
            snprintf(dst, len, "%s", text ? (const char *)text : "");
            xmlFree(text);
            return;
        }
    }
}

/* Fill INFO from SNAP's XML description.  Returns 0 or -1 with an error. */
static int read_snapinfo(virDomainSnapshotPtr snap, struct gf_snapinfo *info)
{
    char *xml = virDomainSnapshotGetXMLDesc(snap, VIR_DOMAIN_SNAPSHOT_XML_SECURE);
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    char created[32];
    int ret = -1;

    if (!xml) {
        gf_err_virt("reading snapshot '%s'", virDomainSnapshotGetName(snap));
        return -1;
    }
    doc = xmlReadMemory(xml, (int)strlen(xml), "snapshot.xml", NULL, XML_PARSE_NONET);
    if (!doc || !(root = xmlDocGetRootElement(doc))) {
        gf_err(GF_ERR_OP, "snapshot '%s' has malformed XML", virDomainSnapshotGetName(snap));
        goto cleanup;
    }
    child_text(root, "name", info->name, sizeof(info->name));
    child_text(root, "description", info->description, sizeof(info->description));
    child_text(root, "state", info->state, sizeof(info->state));
    child_text(root, "creationTime", created, sizeof(created));
    info->created = (time_t)strtoll(created, NULL, 10);
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "parent"))
            child_text(c, "name", info->parent, sizeof(info->parent));
    info->current = virDomainSnapshotIsCurrent(snap, 0) == 1;
    info->safety = strncmp(info->name, GF_SAFETY_PREFIX, strlen(GF_SAFETY_PREFIX)) == 0 ||
                   strncmp(info->name, GF_PRESEAL_PREFIX, strlen(GF_PRESEAL_PREFIX)) == 0;
    ret = 0;
cleanup:
    xmlFreeDoc(doc);
    free(xml);
    return ret;
}

/* qsort comparator: oldest first; a child after its parent within a second. */
static int by_age(const void *a, const void *b)
{
    const struct gf_snapinfo *x = a, *y = b;

    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Set each entry's depth by following parents within LIST. */
static void set_depths(struct gf_snapinfo *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *parent = list[i].parent;
        int depth = 0;
        while (*parent && depth <= (int)n) {
            size_t j;
            for (j = 0; j < n && strcmp(list[j].name, parent) != 0; j++)
                ;
            if (j == n)
                break;
            depth++;
            parent = list[j].parent;
        }
        list[i].depth = depth;
    }
}

int gf_snapshot_list(virDomainPtr dom, struct gf_snapinfo **list, size_t *n)
{
    virDomainSnapshotPtr *snaps = NULL;
    struct gf_snapinfo *out = NULL;
    int count, ret = -1;

    *list = NULL;
    *n = 0;
    if ((count = virDomainListAllSnapshots(dom, &snaps, 0)) < 0) {
        gf_err_virt("listing snapshots of '%s'", virDomainGetName(dom));
        return -1;
    }
    if (!(out = calloc(count ? (size_t)count : 1, sizeof(*out)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < count; i++) {
        snprintf(out[i].host, sizeof(out[i].host), "%s", virDomainGetName(dom));
        if (read_snapinfo(snaps[i], &out[i]) < 0)
            goto cleanup;
    }
    set_depths(out, (size_t)count);
    qsort(out, (size_t)count, sizeof(*out), by_age);
    *list = out;
    *n = (size_t)count;
    out = NULL;
    ret = 0;
cleanup:
    for (int i = 0; i < count; i++)
        virDomainSnapshotFree(snaps[i]);
    free(snaps);
    free(out);
    return ret;
}

int gf_snapshot_delete(virDomainPtr *doms, size_t n, const char *name)
{
    virDomainSnapshotPtr *snaps = calloc(n ? n : 1, sizeof(*snaps));
    int ret = -1;

    if (!snaps) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    if (gf_name_check("snapshot", name) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        if (!(snaps[i] = gf_snapshot_lookup(doms[i], name)))
            goto cleanup;
    for (size_t i = 0; i < n; i++) {
        if (virDomainSnapshotDelete(snaps[i], 0) < 0) {
            gf_err_virt("deleting snapshot '%s' of '%s' (%zu of %zu hosts done)", name,
                        virDomainGetName(doms[i]), i, n);
            goto cleanup;
        }
        gf_note("%s: snapshot '%s' deleted", virDomainGetName(doms[i]), name);
    }
    ret = 0;
cleanup:
    gf_snapshots_free(snaps, n);
    return ret;
}

int gf_snapshot_take_safety(virDomainPtr dom, const char *prefix, const char *why, char *name,
                            size_t len)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    virDomainSnapshotPtr snap;
    char *xml;

    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    for (int i = 1;; i++) {
        int exists;
        if (i == 1)
            snprintf(name, len, "%s%s", prefix, stamp);
        else
            snprintf(name, len, "%s%s-%d", prefix, stamp, i);
        if ((exists = snapshot_exists(dom, name)) < 0)
            return -1;
        if (!exists)
            break;
    }
    if (!(xml = snapshot_xml(name, why, 0)))
        return -1;
    snap = virDomainSnapshotCreateXML(dom, xml, 0);
    free(xml);
    if (!snap) {
        gf_err_virt("snapshot %s of '%s'", name, virDomainGetName(dom));
        return -1;
    }
    virDomainSnapshotFree(snap);
    return 0;
}

void gf_snapshots_free(virDomainSnapshotPtr *snaps, size_t n)
{
    if (!snaps)
        return;
    for (size_t i = 0; i < n; i++)
        if (snaps[i])
            virDomainSnapshotFree(snaps[i]);
    free(snaps);
}
