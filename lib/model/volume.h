/* volume.h - new volumes in a storage pool: qcow2 overlays and copies.
 *
 * What clones and sealed gold images are made of.  A copy reads through
 * the source's whole backing chain (libvirt runs qemu-img convert), so it
 * stands on its own: nothing is ever written into a backing file.
 */
#ifndef GF_VOLUME_H
#define GF_VOLUME_H

#include <stddef.h>

#include <libvirt/libvirt.h>

struct gf_volume_spec {
    const char *name;            /* the new volume's name in POOL */
    const char *format;          /* "qcow2" (compat 1.1) or the source's format */
    unsigned long long capacity; /* bytes */
    const char *backing;         /* an overlay on this file; NULL for a copy */
    const char *backing_format;  /* its format */
};

/* Create volume SPEC in POOL: an empty overlay on SPEC->backing, or a
 * standalone copy of SRC (SPEC->backing NULL).  A copy runs in a thread and
 * shows "LABEL: N / M MiB (T s)" on stderr when PROGRESS is set.  Returns
 * the new volume (free with virStorageVolFree) or NULL with an error. */
virStorageVolPtr gf_volume_create(virStoragePoolPtr pool, const struct gf_volume_spec *spec,
                                  virStorageVolPtr src, int progress, const char *label);

/* Where volume NAME will be in the directory pool POOL, into BUF.
 * Returns 0, or -1 ("" in BUF) when the pool has no target path. */
int gf_volume_pool_path(virStoragePoolPtr pool, const char *name, char *buf, size_t len);

#endif
