/* snapshot.h - snapshots of one host or many, all or nothing. */
#ifndef GF_SNAPSHOT_H
#define GF_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "base/names.h"

/* Snapshots Goldfarm takes before a rollback, and before it seals a host
 * into a gold image, start with these; admins may not use them. */
#define GF_SAFETY_PREFIX "gf-safety-"
#define GF_PRESEAL_PREFIX "gf-preseal-"

struct gf_snapshot_opts {
    const char *name;        /* required */
    const char *description; /* may be NULL */
    int memory;              /* keep a running host's memory state */
    int quiesce;             /* freeze guest filesystems through the agent */
};

struct gf_snapinfo {
    char host[GF_NAME_MAX + 1];
    char name[GF_NAME_MAX + 16];
    char parent[GF_NAME_MAX + 16];
    char state[32]; /* the domain's state when taken: running, shutoff, ... */
    char description[256];
    time_t created;
    int depth; /* distance from the root of the host's snapshot tree */
    int current;
    int safety; /* taken by a rollback */
};

/* Check NAME for a snapshot an admin names: a valid name, not reserved.
 * Returns 0 or -1 with a GF_ERR_INPUT error. */
int gf_snapshot_name_check(const char *name);

/* Take snapshot OPTS->name of each of the N hosts DOMS.  All or nothing:
 * names already taken are refused before anything changes, and when one
 * host fails the snapshots this call took are deleted and the error names
 * the host.  Returns 0 or -1 with an error. */
int gf_snapshot_create(virDomainPtr *doms, size_t n, const struct gf_snapshot_opts *opts);

/* The snapshots of DOM, oldest first, as a new array the caller frees with
 * free().  Returns 0 or -1 with an error. */
int gf_snapshot_list(virDomainPtr dom, struct gf_snapinfo **list, size_t *n);

/* Delete snapshot NAME of each of the N hosts DOMS (its children are kept).
 * Every host must have it, checked before anything is deleted.
 * Returns 0 or -1 with an error. */
int gf_snapshot_delete(virDomainPtr *doms, size_t n, const char *name);

/* Look up snapshot NAME of DOM: a reference to free with
 * virDomainSnapshotFree, or NULL with an error (GF_ERR_INPUT if absent). */
virDomainSnapshotPtr gf_snapshot_lookup(virDomainPtr dom, const char *name);

/* Take a snapshot of DOM with libvirt's default content for its state,
 * named PREFIX (GF_SAFETY_PREFIX, GF_PRESEAL_PREFIX) + the time, unique on
 * DOM, described by WHY; its name goes to NAME (LEN bytes).  Returns 0 or
 * -1 with an error. */
int gf_snapshot_take_safety(virDomainPtr dom, const char *prefix, const char *why, char *name,
                            size_t len);

/* Free the N snapshot references of SNAPS (NULL entries allowed) and the
 * array; accepts NULL. */
void gf_snapshots_free(virDomainSnapshotPtr *snaps, size_t n);

#endif
