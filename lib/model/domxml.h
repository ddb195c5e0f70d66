/* domxml.h - reading a domain's XML and deriving a clone's from a gold's.
 *
 * Everything here works on XML text with libxml2 and touches no libvirt
 * connection, so the derivation is unit-tested on its own.
 */
#ifndef GF_DOMXML_H
#define GF_DOMXML_H

#include <limits.h>
#include <stddef.h>

#include "model/meta.h"

struct gf_disk {
    char target[32];     /* "vda" */
    char path[PATH_MAX]; /* source file */
    char format[16];     /* driver type: "qcow2", "raw" */
};

/* The writable file disks (device='disk', not readonly or shareable) of
 * domain XML.  *DISKS is a new array the caller frees with free().
 * Returns 0, or -1 with an error (a disk Goldfarm cannot clone, bad XML). */
int gf_domxml_disks(const char *xml, struct gf_disk **disks, size_t *ndisks);

/* What a clone's XML differs in from its gold's. */
struct gf_clone_spec {
    const char *name;            /* the clone's domain name */
    const struct gf_disk *disks; /* new path and format for each gold disk, by target */
    size_t ndisks;
    const struct gf_meta *meta;        /* the clone's Goldfarm metadata */
    const char *uuid;                  /* its UUID (NULL: a new random one) */
    int vcpus;                         /* 0: keep the gold's */
    unsigned long long memory_kib;     /* 0: keep the gold's */
    int max_vcpus;                     /* the maximum vCPUs, at least (0: VCPUS or the gold's) */
    unsigned long long max_memory_kib; /* the maximum memory, above MEMORY_KIB (0: the same):
                                          the balloon gives the rest out */
    const char *seed;                  /* its NoCloud seed's file, attached read-only; NULL: none */
};

/* Derive a clone's domain XML from GOLD_XML (an inactive definition): new
 * name, SPEC's UUID or a new random one, new random MAC addresses
 * (52:54:00:xx:xx:xx), disk sources and formats from SPEC, no per-domain
 * NVRAM path, and SPEC's metadata in place of any Goldfarm element.  The
 * source domain's own seed CD-ROM (gf_domxml_seed) is never carried over:
 * a gold sealed from a host does not get the host's identity.  With
 * SPEC->seed, the clone gets that file as a read-only raw CD-ROM left out
 * of snapshots, on the bus gf_domxml_cdrom_bus picks, at the first free
 * target of that bus.  Returns a new string the caller frees with free(),
 * or NULL with an error. */
char *gf_domxml_derive_clone(const char *gold_xml, const struct gf_clone_spec *spec);

/* The bus for a seed CD-ROM on machine type MACHINE of architecture ARCH
 * (either may be NULL or ""), one a guest finds without extra drivers
 * (Windows has none for virtio; virtio-blk is no CD-ROM anyway): "sata" on
 * q35 (no IDE controller there; AHCI is built in), "ide" on i440fx ("pc",
 * the x86 default: PIIX IDE is built in, SATA would add a controller),
 * "scsi" elsewhere (e.g. aarch64 "virt", where libvirt adds virtio-scsi). */
const char *gf_domxml_cdrom_bus(const char *machine, const char *arch);

/* The file of domain XML's own seed: a CD-ROM whose source file is named
 * NAME-cidata.iso, NAME the domain's name, into PATH (LEN bytes).
 * Returns 1, 0 (none; PATH ""), or -1 with an error (bad XML). */
int gf_domxml_seed(const char *xml, char *path, size_t len);

/* A new random (version 4) UUID as text into TEXT (37 bytes); 0 or -1. */
int gf_uuid_new(char text[37]);

/* Fill BUF (17 bytes and more) with random bytes; 0, or -1 with an error. */
int gf_random_bytes(unsigned char *buf, size_t len);

#endif
