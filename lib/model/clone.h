/* clone.h - new hosts from a gold image: linked (qcow2 overlay) or full. */
#ifndef GF_CLONE_H
#define GF_CLONE_H

#include <time.h>

#include <libvirt/libvirt.h>

#include "model/meta.h"

struct gf_journal;
struct gf_identity; /* model/seed.h */

struct gf_clone_opts {
    const char *farm;                  /* the farm the clone joins; NULL or "" for none */
    int full;                          /* copy the disks instead of overlaying them */
    int start;                         /* start the clone once defined */
    int progress;                      /* show copy progress on stderr (a terminal) */
    enum gf_host_state state;          /* its host state in the metadata (0: active) */
    enum gf_standby_kind standby_kind; /* a standby: its kind (metadata standby-kind) */
    const char *reason;                /* why it was made (NULL: "linked clone" / "full clone") */
    struct gf_journal *journal;        /* record the clone while in flight (may be NULL) */
    int vcpus;                         /* the clone's vCPUs (0: the gold's) */
    unsigned long long memory_kib;     /* its memory (0: the gold's) */
    int max_vcpus;                     /* its domain's maximum vCPUs, at least (0: as VCPUS) */
    unsigned long long max_memory_kib; /* its domain's maximum memory (0: MEMORY_KIB) */
    time_t now;                        /* when, for its metadata (0: the clock) */
    const char *replaces;              /* the failed host it replaces (NULL: none) */
    const char *supersedes;     /* the old host it takes over from in a roll-out (NULL: none) */
    unsigned int image_version; /* the version to clone (0: the promoted one) */
    const struct gf_identity *identity; /* give the clone a NoCloud seed (NULL: none) */
};

/* Clone gold image GOLD (an image, at OPTS->image_version, or a gold
 * domain's name: see gf_image_find) into a new host NAME.  Each writable gold disk gets a
 * new volume "NAME-TARGET.qcow2" in the gold disk's pool: a qcow2 overlay
 * backed by the gold disk, or with OPTS->full a copy.  The clone's XML is
 * derived from the gold's (gf_domxml_derive_clone) with metadata marking it
 * a host of OPTS->farm.  With OPTS->identity, the clone also gets its NoCloud
 * seed (model/seed.h: meta-data with its UUID and name, user-data and
 * network-config from the identity's templates) as a volume
 * NAME-cidata.iso in the first gold disk's pool, made after the disks and
 * before the domain is defined, attached read-only.  Everything is checked
 * (the seed rendered too) before anything is created; a clone that fails
 * leaves no volume, no seed and no domain behind, and every volume is in
 * the journal before it is made.
 * Returns 0 or -1 with an error. */
int gf_clone(virConnectPtr conn, const char *gold, const char *name,
             const struct gf_clone_opts *opts);

#endif
