/* image.h - gold images: shut-off domains whose disks clones are built on. */
#ifndef GF_IMAGE_H
#define GF_IMAGE_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "meta.h"

struct gf_image {
    char name[GF_NAME_MAX + 1];
    unsigned int version;
    time_t marked;
    size_t ndisks;
    char disk[PATH_MAX]; /* the first disk's file */
    unsigned int clones; /* hosts whose metadata names this image */
};

/* Mark the shut-off domain NAME as a gold image (version 1).  Refuses
 * (GF_ERR_INPUT) unknown or running domains, Goldfarm hosts, domains already
 * gold, and domains with a disk Goldfarm cannot clone.  0 or -1 with an error. */
int gf_image_mark(virConnectPtr conn, const char *name);

/* The gold images on CONN, by name, as a new array to free().
 * Returns 0 or -1 with an error. */
int gf_image_list(virConnectPtr conn, struct gf_image **list, size_t *n);

/* Look up gold image NAME: a reference to free with virDomainFree and its
 * metadata in META, or NULL with an error: GF_ERR_INPUT when NAME is unknown,
 * not gold, or running. */
virDomainPtr gf_image_lookup(virConnectPtr conn, const char *name, struct gf_meta *meta);

/* Whether PATH is a disk of any gold image on CONN: 1, 0, or -1 with an
 * error.  Everything that deletes or writes a disk asks this first. */
int gf_image_owns_disk(virConnectPtr conn, const char *path);

#endif
