/* seal.h - a patched host becomes the next version of its gold image.
 *
 * The host's disk chain (its overlay on the old gold) is copied into a new
 * standalone disk: nothing is committed into a backing file, so the old
 * version and its clones are untouched.  A pre-seal snapshot and the
 * host's own metadata (state "sealing", and the version it becomes) make
 * the seal undoable until it completes: a seal that fails, or that a crash
 * interrupted and a later seal finds, is finished when the new gold domain
 * exists, and otherwise undone from the snapshot.
 */
#ifndef GF_SEAL_H
#define GF_SEAL_H

#include <stddef.h>

#include <libvirt/libvirt.h>

#include "base/names.h"

struct gf_seal_opts {
    const char *image; /* the image the host becomes the next version of */
    const char *note;  /* the new version's note (may be NULL) */
    int shutdown;      /* shut a running host down through its guest agent */
    int timeout;       /* seconds that shutdown may take (0: 120) */
    int progress;      /* show the shutdown and the copy on stderr */
};

/* What a seal made. */
struct gf_seal_result {
    unsigned int version;       /* the new version */
    unsigned int parent;        /* the version the host was cloned from */
    char gold[GF_NAME_MAX + 1]; /* the new gold domain */
    int recovered;              /* an interrupted seal of the host was finished */
};

/* Seal host HOST into the next version of OPTS->image: the host must be a
 * clone of that image, shut off (or running with OPTS->shutdown and no user
 * logged in, as its guest agent tells), and not quarantined.  On success the
 * host is gone: its disks became the new gold domain IMAGE-vN, not
 * promoted.  Refusals are GF_ERR_INPUT with nothing changed; a failure
 * after the first change is undone from the pre-seal snapshot.  Returns 0
 * (OUT filled) or -1 with an error. */
int gf_image_seal(virConnectPtr conn, const char *host, const struct gf_seal_opts *opts,
                  struct gf_seal_result *out);

#endif
