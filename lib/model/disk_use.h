/* disk_use.h - who uses a disk file: asked before anything is deleted. */
#ifndef GF_DISK_USE_H
#define GF_DISK_USE_H

#include <stddef.h>

#include <libvirt/libvirt.h>

#include "model/disk_index.h" /* gf_disk_index_*: the index it asks first */

/* How many domains of CONN, Goldfarm's or not, name PATH in their
 * definition or (when running) their live XML: as a disk's source or
 * anywhere in a disk's backing chain.  The first one's name into WHO (LEN
 * bytes).  Returns the count, or -1 with an error (a domain whose XML
 * cannot be read counts as an error: nothing is deleted on a guess). */
int gf_disk_users(virConnectPtr conn, const char *path, char *who, size_t len);

#define GF_DISK_WHO_LEN 256 /* a domain's name, as gf_disk_users_each gives it */

/* The same for each of the N PATHS in one pass over the domains: USERS[i]
 * domains name PATHS[i], the first one's name into WHO[i] (WHO may be
 * NULL).  0, or -1 with an error (as gf_disk_users). */
int gf_disk_users_each(virConnectPtr conn, const char *const *paths, size_t n, int *users,
                       char (*who)[GF_DISK_WHO_LEN]);

/* The backing file of volume VOL into BUF (LEN bytes; "" when it has
 * none).  0, or -1 with an error. */
int gf_volume_backing(virStorageVolPtr vol, char *buf, size_t len);

#endif
