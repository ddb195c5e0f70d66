/* push_int.h - between push.c and push_storage.c. */
#ifndef GF_PUSH_INT_H
#define GF_PUSH_INT_H

#include <stddef.h>

#include <libvirt/libvirt.h>

/* Whether pools A and B (on two hypervisors) are the same network storage
 * (netfs or gluster: the same host and directory; rbd or sheepdog: the
 * same pool and host), what they are into WHY.  Local pools (dir, fs,
 * logical...) are never the same by their XML.  1, 0, or -1 with an
 * error. */
int gf_push_same_storage(virStoragePoolPtr a, virStoragePoolPtr b, char *why, size_t len);

/* Create the empty volume NAME of CAPACITY bytes in FORMAT ("qcow2",
 * "raw") in POOL.  The new volume, or NULL with an error. */
virStorageVolPtr gf_push_make_volume(virStoragePoolPtr pool, const char *name, const char *format,
                                     unsigned long long capacity);

#endif
