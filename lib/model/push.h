/* push.h - copying a gold image version to another hypervisor.
 *
 * `vmctl image push`: the version's disks go through libvirt streams
 * (virStorageVolDownload on the source, virStorageVolUpload on the
 * target), so nothing but the two libvirt connections is needed: no scp,
 * no shared filesystem.  The SHA-256 of the bytes streamed (the disks'
 * files, in target order) is computed on the way, checked against a
 * re-read of the target, and recorded in the gold's metadata on both
 * sides (sha256=).  A version whose checksum differs between hypervisors
 * is not the same version: gf_push refuses to overwrite it, and the
 * planner does not clone it (plan_base.c).
 *
 * Each push is journalled (GF_JOP_PUSH): every target volume as an intent
 * before it is made (recovery only reports those) and again once made, the
 * gold domain before it is defined (last, once the copy is
 * verified).  A push interrupted at any step is undone on the next push
 * (gf_journal_recover): the target volumes it made are deleted, after
 * libvirt shows them unused and no gold disk; one whose gold domain exists
 * with the push's tag is finished.
 */
#ifndef GF_PUSH_H
#define GF_PUSH_H

#include <glib.h>
#include <libvirt/libvirt.h>

#include "model/meta.h"

struct gf_journal;

struct gf_push_opts {
    const char *pool;           /* the target pool (NULL: the source disk's pool's name) */
    const char *target_uri;     /* the target's URI, for the journal and messages */
    struct gf_journal *journal; /* record the push while in flight (may be NULL) */
    int progress;               /* show bytes and MiB/s on stderr after a second */
    int sparse;                 /* sparse streams (holes are not sent) */
    int no_verify;              /* skip the re-read of the target */
    const int *cancel;          /* set (atomically, by another thread): stop, undo (may be NULL) */
    unsigned long long *moved;  /* bytes streamed so far, added atomically (may be NULL) */
};

enum gf_push_how {
    GF_PUSH_COPIED,  /* streamed to the target */
    GF_PUSH_SHARED,  /* the target sees the same storage: only the domain defined */
    GF_PUSH_PRESENT, /* the target had this version already, with the same checksum */
};

struct gf_push_result {
    char domain[GF_NAME_MAX + 1]; /* the gold domain */
    char image[GF_NAME_MAX + 1];
    unsigned int version;
    char sha256[GF_SHA256_HEX + 1];
    enum gf_push_how how;
    unsigned long long bytes; /* streamed to the target (holes not counted) */
    unsigned long long holes; /* skipped as holes (sparse streams) */
    double seconds;           /* streaming and verifying */
    double verify_seconds;    /* of which the re-read */
};

/* Push version VERSION (0: the promoted one) of image NAME (or a gold
 * domain's name, as gf_image_find takes it) from SRC to DST.  Refused
 * (GF_ERR_INPUT, nothing changed) when there is no such version, when DST
 * has that version with another or no checksum, or a domain or volume of
 * the same name that is not it, or no pool of the name OPTS->pool says.
 * Fills R.  0, or -1 with an error; a failed push leaves nothing on DST. */
int gf_push(virConnectPtr src, const char *name, unsigned int version, virConnectPtr dst,
            const struct gf_push_opts *opts, struct gf_push_result *r);

/* Lock the push journal of STATE_DIR (STATE_DIR/push/lock: one push at a
 * time per state directory, so none undoes another's in flight), waiting
 * while another push holds it (with CANCEL: until it is set, then -1), and
 * open it (STATE_DIR/push/journal), finishing or undoing the pushes a crash
 * interrupted; CONNECT gives recovery its connections (NULL for a URI: that
 * push stays open).  The lock's descriptor into *LOCK_FD (closing it
 * unlocks) and the pushes left unresolved into *LEFT.  The journal (to
 * gf_journal_close), or NULL with an error (nothing held). */
struct gf_journal *gf_push_journal_open(const char *state_dir,
                                        virConnectPtr (*connect)(void *opaque, const char *uri),
                                        void *opaque, const int *cancel, int *lock_fd, int *left);

/* Whether DST sees volume VOL (of pool POOL, on another hypervisor) under
 * its key: 0 (no volume of that key there), 1 (one, in a pool that is
 * the same network storage as POOL: shared; what into WHY), 2 (one, but
 * the pools' identity cannot tell: local pools, where the key is only the
 * path, so the same path on two machines; callers must confirm or
 * refuse).  With 1 or 2 the volume seen into *SEEN (to free).  -1 with an
 * error when libvirt fails otherwise than "no such volume" (fail closed). */
int gf_push_volume_seen(virConnectPtr dst, virStorageVolPtr vol, virStoragePoolPtr pool,
                        virStorageVolPtr *seen, char *why, size_t len);

/* The stream copy below gf_push (push_stream.c). */
struct gf_stream_job {
    const char *label;         /* for progress: "tiny-gold vda" */
    int progress;              /* show it on stderr */
    int sparse;                /* sparse streams */
    unsigned long long total;  /* bytes expected (for progress; 0: unknown) */
    unsigned long long bytes;  /* out: data bytes moved */
    unsigned long long holes;  /* out: hole bytes */
    const int *cancel;         /* set by another thread: stop with an error (may be NULL) */
    const int *halt;           /* likewise: the read paired with this one failed (may be NULL) */
    unsigned long long *moved; /* bytes moved, added atomically as they go (may be NULL) */
    GChecksum *also;           /* a second checksum fed the same bytes (may be NULL) */
};

/* Stream volume SRC (on connection SCONN) into volume DST (on DCONN; NULL:
 * only read SRC), feeding every byte (a hole as zeros) into SUM and
 * JOB->also (either may be NULL).  The
 * fault point push-stream (GOLDFARM_FAULT, for JOB->label) fails it after the
 * first chunk, JOB->cancel or JOB->halt set fails it at the next one.  0, or -1 with an error (both
 * streams aborted). */
int gf_stream_volume(virConnectPtr sconn, virStorageVolPtr src, virConnectPtr dconn,
                     virStorageVolPtr dst, GChecksum *sum, struct gf_stream_job *job);

#endif
