/* image.h - gold images and their versions.
 *
 * An image is a name with numbered versions; each version is a gold domain
 * (shut off, its disks never written) whose metadata names the image, the
 * version, the version it was sealed from, a note, and its promotion
 * serial.  Version 1 is usually the domain an admin marked (its domain
 * name is the image's); later versions are sealed from patched hosts into
 * domains named IMAGE-vN.  The promoted version (the highest serial; with
 * none promoted, the lowest version) is the one new clones use unless a
 * policy pins another or a roll-out says otherwise.
 */
#ifndef GF_IMAGE_H
#define GF_IMAGE_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "model/meta.h"

struct gf_disk; /* domxml.h */

/* One version of an image, as gf_image_list reports it. */
struct gf_image {
    char name[GF_NAME_MAX + 1]; /* the image */
    unsigned int version;
    char domain[GF_NAME_MAX + 1]; /* its gold domain */
    unsigned int parent;          /* sealed from this version; 0: marked */
    int promoted;                 /* the version new clones use */
    time_t marked;                /* when marked or sealed */
    char note[256];
    char reason[320];
    char sha256[GF_SHA256_HEX + 1]; /* its disks' SHA-256, as pushed ("": not known) */
    size_t ndisks;
    char disk[PATH_MAX];         /* the first disk's file */
    unsigned int clones;         /* hosts cloned from this version */
    char farms[GF_NAME_MAX * 4]; /* "rds:4 vdi:1": farms whose hosts run it */
};

/* Mark the shut-off domain NAME as version 1 of a new gold image called
 * NAME, promoted.  Refuses (GF_ERR_INPUT) unknown or running domains,
 * Goldfarm hosts, domains already gold, an image of that name already
 * existing, and domains with a disk Goldfarm cannot clone.  0 or -1. */
int gf_image_mark(virConnectPtr conn, const char *name);

/* Every version of every image on CONN, by image then version, as a new
 * array to free().  Returns 0 or -1 with an error. */
int gf_image_list(virConnectPtr conn, struct gf_image **list, size_t *n);

/* Find a gold image: NAME is an image (VERSION 0: its promoted version) or
 * a gold domain's own name (VERSION 0 or its own).  Returns a reference to
 * free with virDomainFree, its metadata in META, or NULL with an error:
 * GF_ERR_INPUT when there is no such image or version, or it is running. */
virDomainPtr gf_image_find(virConnectPtr conn, const char *name, unsigned int version,
                           struct gf_meta *meta);

/* The newest version of image NAME on CONN (0: no such image), or -1 with
 * an error. */
long gf_image_newest(virConnectPtr conn, const char *name);

/* The promoted version of image NAME on CONN (0: no such image), or -1. */
long gf_image_promoted(virConnectPtr conn, const char *name);

/* Make VERSION of image NAME the one new clones use.  The version promoted
 * before goes to *WAS (may be NULL).  0 or -1 (GF_ERR_INPUT: no such
 * version). */
int gf_image_promote(virConnectPtr conn, const char *name, unsigned int version, unsigned int *was);

/* Delete VERSION of image NAME: its gold domain and its disks.  Refused
 * (GF_ERR_INPUT, nothing changed) while it is the promoted version, while
 * any host on CONN was cloned from it (quarantined ones too), or while any
 * volume of any pool, Goldfarm's or not, has one of its disks as its
 * backing file.  A version whose metadata says its disks are shared
 * (shared="yes": a push over shared storage made it or its twin on another
 * hypervisor) is only undefined: its disks are kept, and the note says so.
 * The caller checks the policies that pin it first.  Returns 0 or -1 with
 * an error. */
int gf_image_retire(virConnectPtr conn, const char *name, unsigned int version);

/* Whether PATH is a disk of any gold image on CONN: 1, 0, or -1 with an
 * error.  Everything that deletes or writes a disk asks this first. */
int gf_image_owns_disk(virConnectPtr conn, const char *path);

/* gf_image_owns_disk with the disk index (when on) checked complete by
 * libvirt's count of domains only, no listing: for a check made before a
 * deletion that asks gf_disk_users_each, which checks by the set of
 * domains, right before it (a gold this missed names the disk there, and
 * the disk is kept).  1, 0, or -1 with an error. */
int gf_image_owns_disk_precheck(virConnectPtr conn, const char *path);

/* The writable disks of DOM's persistent definition (see gf_domxml_disks):
 * *DISKS is a new array the caller frees.  0, or -1 with an error. */
int gf_domain_disks(virDomainPtr dom, struct gf_disk **disks, size_t *n);

#endif
