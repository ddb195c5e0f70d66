/* disk_use.h - who uses a disk file: asked before anything is deleted. */
#ifndef GF_DISK_USE_H
#define GF_DISK_USE_H

#include <stddef.h>

#include <libvirt/libvirt.h>

/* How many domains of CONN, Goldfarm's or not, name PATH in their
 * definition or (when running) their live XML: as a disk's source or
 * anywhere in a disk's backing chain.  The first one's name into WHO (LEN
 * bytes).  Returns the count, or -1 with an error (a domain whose XML
 * cannot be read counts as an error: nothing is deleted on a guess). */
int gf_disk_users(virConnectPtr conn, const char *path, char *who, size_t len);

/* The backing file of volume VOL into BUF (LEN bytes; "" when it has
 * none).  0, or -1 with an error. */
int gf_volume_backing(virStorageVolPtr vol, char *buf, size_t len);

#endif
