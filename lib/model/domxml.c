/* domxml.c - reading a domain's XML and deriving a clone's from a gold's. */
#include "model/domxml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/error.h"
#include "base/escape.h"
#include "model/lease.h"
#include "model/seed.h"

int gf_random_bytes(unsigned char *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0) {
            gf_err(GF_ERR_OP, "reading random bytes failed");
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/* Parse XML text; NULL with an error naming WHAT when it is not XML, or
 * not a libvirt domain's (a <domain> in no namespace: in one, every element
 * added would inherit it, and libvirt would find none of them). */
static xmlDocPtr parse_xml(const char *xml, const char *what)
{
    xmlDocPtr doc =
        xmlReadMemory(xml, (int)strlen(xml), what, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;

    if (!root) {
        gf_err(GF_ERR_OP, "%s is not well-formed XML", what);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (root->ns || !xmlStrEqual(root->name, BAD_CAST "domain")) {
        gf_err(GF_ERR_OP, "%s is not a libvirt domain: no <domain> in no namespace", what);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* First child element of NODE called NAME (no namespace), or NULL. */
static xmlNodePtr child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !c->ns && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    return NULL;
}

/* Copy attribute NAME of NODE into DST, "" when absent or too long. */
static void prop(xmlNodePtr node, const char *name, char *dst, size_t len)
{
    xmlChar *v = node ? xmlGetProp(node, BAD_CAST name) : NULL;

    dst[0] = '\0';
    if (v && strlen((const char *)v) < len)
        memcpy(dst, v, strlen((const char *)v) + 1);
    xmlFree(v);
}

/* Whether DISK is one a clone gets its own copy of: a writable disk. */
static int disk_is_cloned(xmlNodePtr disk)
{
    char device[16];

    prop(disk, "device", device, sizeof(device));
    if (device[0] && strcmp(device, "disk") != 0)
        return 0;
    return !child(disk, "readonly") && !child(disk, "shareable");
}

/* Fill D from the <disk> element NODE; -1 with an error if it cannot be cloned. */
static int read_disk(xmlNodePtr node, struct gf_disk *d)
{
    char type[16];

    memset(d, 0, sizeof(*d));
    prop(child(node, "target"), "dev", d->target, sizeof(d->target));
    prop(node, "type", type, sizeof(type));
    prop(child(node, "source"), "file", d->path, sizeof(d->path));
    prop(child(node, "driver"), "type", d->format, sizeof(d->format));
    if (!d->target[0]) {
        gf_err(GF_ERR_OP, "a disk has no target device");
        return -1;
    }
    if (strcmp(type, "file") != 0 || !d->path[0]) {
        char target[GF_ESC_LEN], etype[GF_ESC_LEN];
        gf_err(GF_ERR_OP, "disk %s is not a file disk (type '%s'); Goldfarm clones file disks",
               gf_esc(d->target, target, sizeof(target)), gf_esc(type, etype, sizeof(etype)));
        return -1;
    }
    if (!d->format[0])
        snprintf(d->format, sizeof(d->format), "raw");
    return 0;
}

int gf_domxml_disks(const char *xml, struct gf_disk **disks, size_t *ndisks)
{
    xmlDocPtr doc = parse_xml(xml, "domain XML");
    xmlNodePtr devices;
    struct gf_disk *list = NULL;
    size_t n = 0;
    int ret = -1;

    if (!doc)
        return -1;
    devices = child(xmlDocGetRootElement(doc), "devices");
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        struct gf_disk *grown;
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "disk") ||
            !disk_is_cloned(c))
            continue;
        if (!(grown = realloc(list, (n + 1) * sizeof(*list)))) {
            gf_err(GF_ERR_OP, "out of memory");
            goto cleanup;
        }
        list = grown;
        if (read_disk(c, &list[n]) < 0)
            goto cleanup;
        n++;
    }
    *disks = list;
    *ndisks = n;
    list = NULL;
    ret = 0;
cleanup:
    free(list);
    xmlFreeDoc(doc);
    return ret;
}

/* Set the text of NODE's child NAME, creating it when absent. */
static void set_child_text(xmlNodePtr node, const char *name, const char *text)
{
    xmlNodePtr c = child(node, name);

    if (c)
        xmlNodeSetContent(c, BAD_CAST text);
    else
        xmlNewTextChild(node, NULL, BAD_CAST name, BAD_CAST text);
}

int gf_uuid_new(char text[37])
{
    unsigned char u[16];

    if (gf_random_bytes(u, sizeof(u)) < 0)
        return -1;
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    snprintf(text, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
    return 0;
}

/* Replace the <uuid> with UUID, or a new random one when UUID is NULL. */
static int new_uuid(xmlNodePtr root, const char *uuid)
{
    char text[37];

    if (uuid)
        snprintf(text, sizeof(text), "%s", uuid);
    else if (gf_uuid_new(text) < 0)
        return -1;
    set_child_text(root, "uuid", text);
    return 0;
}

/* Give every <interface> that has a <mac> a new random QEMU-range address. */
static int new_macs(xmlNodePtr devices)
{
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        unsigned char r[3];
        char mac[18];
        xmlNodePtr m;

        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "interface"))
            continue;
        if (!(m = child(c, "mac")))
            continue;
        if (gf_random_bytes(r, sizeof(r)) < 0)
            return -1;
        snprintf(mac, sizeof(mac), "52:54:00:%02x:%02x:%02x", r[0], r[1], r[2]);
        xmlSetProp(m, BAD_CAST "address", BAD_CAST mac);
        /* A host-side device name belongs to the gold's run, not the clone's. */
        if ((m = child(c, "target"))) {
            xmlUnlinkNode(m);
            xmlFreeNode(m);
        }
    }
    return 0;
}

/* Point every cloned disk at its new file, by target, per SPEC. */
static int new_disks(xmlNodePtr devices, const struct gf_clone_spec *spec)
{
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        struct gf_disk d;
        const struct gf_disk *to = NULL;
        xmlNodePtr n;

        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, BAD_CAST "disk") ||
            !disk_is_cloned(c))
            continue;
        if (read_disk(c, &d) < 0)
            return -1;
        for (size_t i = 0; i < spec->ndisks; i++)
            if (strcmp(spec->disks[i].target, d.target) == 0)
                to = &spec->disks[i];
        if (!to) {
            char target[GF_ESC_LEN];
            gf_err(GF_ERR_OP, "no clone disk was made for gold disk %s",
                   gf_esc(d.target, target, sizeof(target)));
            return -1;
        }
        xmlSetProp(child(c, "source"), BAD_CAST "file", BAD_CAST to->path);
        if (!(n = child(c, "driver"))) {
            n = xmlNewChild(c, NULL, BAD_CAST "driver", NULL);
            xmlSetProp(n, BAD_CAST "name", BAD_CAST "qemu");
        }
        xmlSetProp(n, BAD_CAST "type", BAD_CAST to->format);
        /* libvirt probes the clone's own backing chain. */
        while ((n = child(c, "backingStore"))) {
            xmlUnlinkNode(n);
            xmlFreeNode(n);
        }
    }
    return 0;
}

/* Remove every Goldfarm element from <metadata>, the farms' leases too (a
 * clone or a pushed gold is no lease holder's: a copied lease would keep
 * another daemon standing by), and add SPEC's. */
static int new_metadata(xmlDocPtr doc, xmlNodePtr root, const struct gf_meta *meta)
{
    xmlNodePtr md = child(root, "metadata"), c, next, node;

    if (!md)
        md = xmlNewChild(root, NULL, BAD_CAST "metadata", NULL);
    for (c = md->children; c; c = next) {
        next = c->next;
        if (c->type == XML_ELEMENT_NODE && c->ns &&
            (xmlStrEqual(c->ns->href, BAD_CAST GF_META_NS) ||
             xmlStrncmp(c->ns->href, BAD_CAST GF_LEASE_NS, (int)strlen(GF_LEASE_NS)) == 0)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
    if (!(node = gf_meta_to_node(meta, doc, 1)))
        return -1;
    xmlAddChild(md, node);
    return 0;
}

/* Set the vCPUs and memory SPEC asks for: a vCPU count raises the maximum
 * when needed (to SPEC's maximum, when larger); memory sets the current
 * size, and the maximum to it or to SPEC's maximum memory when larger (the
 * balloon holds the rest back until a resize gives it out). */
static void new_size(xmlNodePtr root, const struct gf_clone_spec *spec)
{
    char text[32], max_text[32];
    xmlNodePtr n;

    if (spec->vcpus) {
        int want = spec->max_vcpus > spec->vcpus ? spec->max_vcpus : spec->vcpus;
        snprintf(text, sizeof(text), "%d", spec->vcpus);
        snprintf(max_text, sizeof(max_text), "%d", want);
        if ((n = child(root, "vcpu"))) {
            xmlChar *max = xmlNodeGetContent(n);
            if (!max || atoi((const char *)max) < want)
                xmlNodeSetContent(n, BAD_CAST max_text);
            xmlFree(max);
            xmlSetProp(n, BAD_CAST "current", BAD_CAST text);
        } else {
            n = xmlNewTextChild(root, NULL, BAD_CAST "vcpu", BAD_CAST max_text);
            xmlSetProp(n, BAD_CAST "current", BAD_CAST text);
        }
    }
    if (spec->memory_kib) {
        unsigned long long max =
            spec->max_memory_kib > spec->memory_kib ? spec->max_memory_kib : spec->memory_kib;
        snprintf(text, sizeof(text), "%llu", spec->memory_kib);
        snprintf(max_text, sizeof(max_text), "%llu", max);
        set_child_text(root, "memory", max_text);
        set_child_text(root, "currentMemory", text);
        xmlSetProp(child(root, "memory"), BAD_CAST "unit", BAD_CAST "KiB");
        xmlSetProp(child(root, "currentMemory"), BAD_CAST "unit", BAD_CAST "KiB");
    }
}

/* ---- the seed CD-ROM ---- */

/* The text of NODE's child NAME into BUF ("" when absent or too long). */
static void child_text(xmlNodePtr node, const char *name, char *buf, size_t len)
{
    xmlChar *v = xmlNodeGetContent(child(node, name));

    buf[0] = '\0';
    if (v && strlen((const char *)v) < len)
        memcpy(buf, v, strlen((const char *)v) + 1);
    xmlFree(v);
}

/* Whether <disk> NODE is the seed of the domain called NAME: a CD-ROM whose
 * source file is NAME-cidata.iso. */
static int is_seed_of(xmlNodePtr node, const char *name)
{
    char device[16], file[PATH_MAX], want[GF_NAME_MAX + 32];
    const char *base;

    prop(node, "device", device, sizeof(device));
    if (!name[0] || strcmp(device, "cdrom") != 0)
        return 0;
    prop(child(node, "source"), "file", file, sizeof(file));
    base = strrchr(file, '/');
    snprintf(want, sizeof(want), "%s%s", name, GF_SEED_SUFFIX);
    return strcmp(base ? base + 1 : file, want) == 0;
}

/* Whether NODE is a <disk> element. */
static int is_disk(xmlNodePtr node)
{
    return node->type == XML_ELEMENT_NODE && xmlStrEqual(node->name, BAD_CAST "disk");
}

int gf_domxml_seed(const char *xml, char *path, size_t len)
{
    xmlDocPtr doc = parse_xml(xml, "domain XML");
    xmlNodePtr root, devices;
    char name[GF_NAME_MAX + 1];
    int found = 0;

    path[0] = '\0';
    if (!doc)
        return -1;
    root = xmlDocGetRootElement(doc);
    child_text(root, "name", name, sizeof(name));
    devices = child(root, "devices");
    for (xmlNodePtr c = devices ? devices->children : NULL; c && !found; c = c->next) {
        if (is_disk(c) && is_seed_of(c, name)) {
            prop(child(c, "source"), "file", path, len);
            found = 1;
        }
    }
    xmlFreeDoc(doc);
    return found;
}

const char *gf_domxml_cdrom_bus(const char *machine, const char *arch)
{
    int x86 = !arch || !*arch || strcmp(arch, "x86_64") == 0 || strcmp(arch, "i686") == 0;

    if (machine && strstr(machine, "q35"))
        return "sata";
    if (x86 &&
        (!machine || !*machine || strncmp(machine, "pc", 2) == 0 || strstr(machine, "i440fx")))
        return "ide";
    return "scsi";
}

/* Remove the source domain's own seed CD-ROM from DEVICES (NAME: the
 * source's name). */
static void drop_seed(xmlNodePtr devices, const char *name)
{
    xmlNodePtr next;

    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = next) {
        next = c->next;
        if (is_disk(c) && is_seed_of(c, name)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
}

/* The first target of BUS ("hda".."hdd" for IDE, "sda".."sdz" for the
 * others) no disk of DEVICES uses, into DEV.  0, or -1 with an error. */
static int free_target(xmlNodePtr devices, const char *bus, char *dev, size_t len)
{
    int ide = strcmp(bus, "ide") == 0;
    char last = ide ? 'd' : 'z';

    for (char letter = 'a'; letter <= last; letter++) {
        int used = 0;
        snprintf(dev, len, "%s%c", ide ? "hd" : "sd", letter);
        for (xmlNodePtr c = devices->children; c && !used; c = c->next) {
            char target[32];
            if (!is_disk(c))
                continue;
            prop(child(c, "target"), "dev", target, sizeof(target));
            used = strcmp(target, dev) == 0;
        }
        if (!used)
            return 0;
    }
    gf_err(GF_ERR_INPUT, "the gold has no free %s target (%s) left for the seed CD-ROM", bus,
           ide ? "hda to hdd" : "sda to sdz");
    return -1;
}

/* Attach SEED as a read-only CD-ROM to the clone's DEVICES, after its last
 * disk, on the bus the machine type of ROOT calls for.  0, or -1. */
static int add_seed(xmlNodePtr root, xmlNodePtr devices, const char *seed)
{
    char machine[128] = "", arch[32] = "", dev[8];
    xmlNodePtr os = child(root, "os"), disk, n, last = NULL;
    const char *bus;

    prop(child(os, "type"), "machine", machine, sizeof(machine));
    prop(child(os, "type"), "arch", arch, sizeof(arch));
    bus = gf_domxml_cdrom_bus(machine, arch);
    if (free_target(devices, bus, dev, sizeof(dev)) < 0)
        return -1;
    disk = xmlNewNode(NULL, BAD_CAST "disk");
    xmlSetProp(disk, BAD_CAST "type", BAD_CAST "file");
    xmlSetProp(disk, BAD_CAST "device", BAD_CAST "cdrom");
    /* a snapshot of the host leaves it alone: it is never written */
    xmlSetProp(disk, BAD_CAST "snapshot", BAD_CAST "no");
    n = xmlNewChild(disk, NULL, BAD_CAST "driver", NULL);
    xmlSetProp(n, BAD_CAST "name", BAD_CAST "qemu");
    xmlSetProp(n, BAD_CAST "type", BAD_CAST "raw");
    xmlSetProp(xmlNewChild(disk, NULL, BAD_CAST "source", NULL), BAD_CAST "file", BAD_CAST seed);
    n = xmlNewChild(disk, NULL, BAD_CAST "target", NULL);
    xmlSetProp(n, BAD_CAST "dev", BAD_CAST dev);
    xmlSetProp(n, BAD_CAST "bus", BAD_CAST bus);
    xmlNewChild(disk, NULL, BAD_CAST "readonly", NULL);
    for (xmlNodePtr c = devices->children; c; c = c->next)
        if (is_disk(c))
            last = c;
    if (last)
        xmlAddNextSibling(last, disk);
    else
        xmlAddChild(devices, disk);
    return 0;
}

char *gf_domxml_derive_clone(const char *gold_xml, const struct gf_clone_spec *spec)
{
    xmlDocPtr doc = parse_xml(gold_xml, "gold domain XML");
    xmlNodePtr root, os, n;
    xmlChar *mem = NULL;
    char *out = NULL;
    int len = 0;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    xmlUnsetProp(root, BAD_CAST "id");
    {
        char source[GF_NAME_MAX + 1];
        child_text(root, "name", source, sizeof(source));
        drop_seed(child(root, "devices"), source);
    }
    set_child_text(root, "name", spec->name);
    new_size(root, spec);
    if ((os = child(root, "os")) && (n = child(os, "nvram"))) {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    if (new_uuid(root, spec->uuid) < 0 || new_macs(child(root, "devices")) < 0 ||
        new_disks(child(root, "devices"), spec) < 0 || new_metadata(doc, root, spec->meta) < 0)
        goto cleanup;
    if (spec->seed) {
        xmlNodePtr devices = child(root, "devices");
        if (!devices)
            devices = xmlNewChild(root, NULL, BAD_CAST "devices", NULL);
        if (add_seed(root, devices, spec->seed) < 0)
            goto cleanup;
    }
    xmlDocDumpFormatMemory(doc, &mem, &len, 1);
    if (!mem || !(out = strdup((const char *)mem)))
        gf_err(GF_ERR_OP, "out of memory writing clone XML");
cleanup:
    xmlFree(mem);
    xmlFreeDoc(doc);
    return out;
}
