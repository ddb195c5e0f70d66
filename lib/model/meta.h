/* meta.h - Goldfarm's metadata element on a libvirt domain.
 *
 * libvirt is Goldfarm's database: every domain it manages carries one
 * element in Goldfarm's XML namespace, set with virDomainSetMetadata:
 *
 *   <goldfarm:managed xmlns:goldfarm="https://goldfarm.dev/xmlns/domain/1"
 *       role="host" farm="rds" image="rds-2022" image-version="3"
 *       state="active" since="2026-11-21T08:00:00Z" reason="cloned"
 *       created="2026-11-21T08:00:00Z"/>
 *
 * A standby host of another kind than shut off adds standby-kind="saved"
 * (booted once, then managed-saved) or standby-kind="running".
 *
 * A resized host adds resized="..." and, while a smaller size waits for its
 * next boot, boot-vcpus="2" and boot-memory="16G".
 *
 * A domain without it does not exist for Goldfarm.
 */
#ifndef GF_META_H
#define GF_META_H

#include <time.h>

#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "base/names.h"
#include "base/standby.h"

#define GF_META_NS "https://goldfarm.dev/xmlns/domain/1"
#define GF_META_PREFIX "goldfarm"
#define GF_META_ELEMENT "managed"
#define GF_VERSION_MAX 1000000 /* image versions are 1 to this */
#define GF_OP_TAG_LEN 33       /* 32 hex digits */
#define GF_SHA256_HEX 64       /* a SHA-256 in hex digits */

/* A host's state, as its metadata says (attribute state). */
enum gf_host_state {
    GF_HS_ACTIVE,      /* serving, or to serve */
    GF_HS_STANDBY,     /* kept ready for more load or a replacement */
    GF_HS_DRAINING,    /* no new users; retired once empty */
    GF_HS_QUARANTINED, /* set aside as broken, kept for forensics */
    GF_HS_RETIRING,    /* being removed (journalled) */
    GF_HS_SEALING,     /* being sealed into a new image version */
    GF_HS_NONE,        /* no host state (a gold image) */
};
#define GF_HS_KEEP ((enum gf_host_state) - 1) /* gf_meta_set_state: leave it */

/* Who drained a host (attribute drained-by): an admin's drain is never
 * cancelled by the scaler. */
enum gf_drain_by {
    GF_DRAIN_NONE,
    GF_DRAIN_SCALER,  /* scale-in */
    GF_DRAIN_ADMIN,   /* vmctl farm drain (or evacuate) */
    GF_DRAIN_ROLLOUT, /* a roll-out making room, or its successor serving */
    GF_DRAIN_HEALTH,  /* a failed host drained for its users, once replaced */
};

/* What an admin asked for a host (attribute replace): vmctl farm replace. */
enum gf_replace_req {
    GF_REPLACE_NONE,
    GF_REPLACE_DRAIN, /* replace it, draining its users with the farm's wait */
    GF_REPLACE_NOW,   /* replace it and quarantine it at once */
};

typedef enum {
    GF_ROLE_NONE = 0, /* not managed by Goldfarm */
    GF_ROLE_GOLD,     /* a gold image: its disks are never written */
    GF_ROLE_HOST,     /* a session host cloned from a gold image */
} gf_role;

/* Whether a gold's disks are shared with another hypervisor ("shared=").
 * GF_SHARE_UNKNOWN: never recorded (not pushed, or before pushes recorded
 * it). */
enum gf_disk_share { GF_SHARE_UNKNOWN = 0, GF_SHARE_OWN, GF_SHARE_SHARED };

struct gf_meta {
    gf_role role;
    char farm[GF_NAME_MAX + 1];  /* hosts: the farm they serve */
    char image[GF_NAME_MAX + 1]; /* gold: its own name; hosts: their gold */
    unsigned int image_version;
    enum gf_host_state state;          /* hosts; GF_HS_NONE for a gold image */
    enum gf_standby_kind standby_kind; /* standby hosts: which kind (standby-kind; absent: off) */
    time_t since;                      /* when state was entered */
    char reason[320];                  /* why, for people only: nothing reads it back */
    enum gf_drain_by drained_by;
    time_t notified;    /* draining: the broker and notify hooks ran then */
    time_t logoff_sent; /* draining: the logoff hook ran then */
    enum gf_replace_req replace;
    unsigned int seal_version;       /* sealing: the version it becomes */
    char seal_gold[GF_NAME_MAX + 1]; /* sealing: the new version's gold domain */
    time_t created;
    char replaces[GF_NAME_MAX + 1];    /* a replacement: the host it replaces */
    char replaced_by[GF_NAME_MAX + 1]; /* a failed host: its replacement */
    /* hosts, in a roll-out: the old host a new-version host takes over from,
     * and on the old host, the new one serving in its place */
    char supersedes[GF_NAME_MAX + 1];
    char superseded_by[GF_NAME_MAX + 1];
    time_t ready_since; /* hosts: when it was first ready (its agent answered) in a roll-out */
    /* hosts: when Goldfarm last resized it (a host's resize cooldown), and
     * the size its definition has for its next boot when smaller than what
     * it runs with (a shrink waiting for a restart; 0: none) */
    time_t resized;
    unsigned int boot_vcpus;
    unsigned long long boot_memory_kib;
    /* hosts: the tag of the journalled operation that made it (a clone) or
     * is removing it (a retirement): what crash recovery checks before it
     * finishes or undoes anything */
    char op_tag[GF_OP_TAG_LEN];
    /* gold images: the version this one was sealed from (0: none), the
     * admin's note, and the promotion serial (the highest is the version new
     * clones use; 0: never promoted) */
    unsigned int parent_version;
    char sealed_from[GF_NAME_MAX + 1]; /* the host it was sealed from ("": marked) */
    char note[256];
    unsigned int promoted;
    /* gold images: the SHA-256 of its disks' bytes, as `vmctl image push`
     * streamed them (64 lowercase hex digits; "": not known) */
    char sha256[GF_SHA256_HEX + 1];
    /* gold images: whether its disks are also another hypervisor's (a
     * push over shared storage made it or its twin; retiring it must
     * keep them), as `vmctl image push` recorded it */
    enum gf_disk_share shared;
};

/* The name of host state S as written in metadata ("draining"; "" for
 * GF_HS_NONE), and back (-1 when unknown). */
const char *gf_host_state_name(enum gf_host_state s);
int gf_host_state_parse(const char *name);

/* The names of drained-by and replace values ("admin"; "" for none). */
const char *gf_drain_by_name(enum gf_drain_by d);
const char *gf_replace_name(enum gf_replace_req r);

/* Name of ROLE as written in the metadata ("gold", "host", "none"). */
const char *gf_role_name(gf_role role);

/* Build the metadata element for M as a new node owned by DOC (not linked
 * into its tree), in Goldfarm's namespace when WITH_NS (for a domain's XML;
 * virDomainSetMetadata wants it without and adds its own).  NULL with an
 * error on allocation failure. */
xmlNodePtr gf_meta_to_node(const struct gf_meta *m, xmlDocPtr doc, int with_ns);

/* Fill M from the metadata element NODE.  Returns 0, or -1 with an error
 * naming what is malformed. */
int gf_meta_from_node(xmlNodePtr node, struct gf_meta *m);

/* Read DOM's Goldfarm metadata (persistent definition) into M.
 * Returns 1 when DOM carries it, 0 when it does not (M zeroed, role NONE),
 * -1 with an error when libvirt failed or the element is malformed. */
int gf_meta_get(virDomainPtr dom, struct gf_meta *m);

/* gf_meta_get for DOM of CONN whose UUID (VIR_UUID_BUFLEN bytes) the
 * caller has: a cached answer costs no libvirt call at all. */
int gf_meta_get_known(virConnectPtr conn, virDomainPtr dom, const unsigned char *uuid,
                      struct gf_meta *m);

/* A domain's size where its statistics lack it (libvirt's test driver):
 * what virDomainGetInfo said, kept with its metadata in the cache (and
 * forgotten with it: on its events, and whenever Goldfarm writes its
 * metadata, which a resize does). */
struct gf_dom_size {
    int vcpus;
    unsigned long long memory_kib, memory_max_kib;
};

/* The cached size of UUID on CONN into SZ: 1, or 0 when none is cached. */
int gf_meta_cache_size_get(virConnectPtr conn, const unsigned char *uuid, struct gf_dom_size *sz);

/* Keep SZ as the size of UUID on CONN, when the cache holds its metadata. */
void gf_meta_cache_size_put(virConnectPtr conn, const unsigned char *uuid,
                            const struct gf_dom_size *sz);

/* Write M as DOM's Goldfarm metadata, to its persistent definition and, when
 * running, to the live one.  Returns 0 or -1 with an error. */
int gf_meta_set(virDomainPtr dom, const struct gf_meta *m);

/* The metadata cache, for goldfarmd: with it on, gf_meta_get answers from
 * memory for a domain it has read or written before, so a tick reads each
 * domain's metadata once, not every tick.  Only safe where libvirt's events
 * report every change: the daemon forgets a domain on its metadata-change,
 * define and undefine events, and everything on a reconnect.  Off by
 * default; turning it on or off empties it. */
void gf_meta_cache_enable(int on);

/* Forget what the cache holds for DOM (NULL: for every domain).  An
 * undefined domain is forgotten (gf_undefine, the daemon's undefine
 * event), so the cache holds the domains that exist, not every one seen.
 * A read or write of DOM's metadata under way meanwhile (another thread's)
 * keeps its answer out of the cache: it may be older than the change whose
 * event made the forgetting, and would stand until the next event. */
void gf_meta_cache_forget(virDomainPtr dom);

/* Test only: FN(DOM) runs in each metadata read and write, between
 * libvirt's answer and the cache's store: where, in goldfarmd, another
 * program's change and its event's forgetting can come.  NULL: none. */
void gf_meta_cache_test_hook(void (*fn)(virDomainPtr dom));

/* What the cache holds for the domain UUID (VIR_UUID_BUFLEN bytes) of
 * CONN, without asking libvirt: 1 (managed, M filled) or 0 as gf_meta_get,
 * -1 when not cached (or the cache is off). */
int gf_meta_cache_peek(virConnectPtr conn, const unsigned char *uuid, struct gf_meta *m);

/* The role the cache holds for UUID of CONN (GF_ROLE_NONE for a domain it
 * knows has no Goldfarm metadata), without copying the rest; -1 when not
 * cached (or the cache is off). */
int gf_meta_cache_role(virConnectPtr conn, const unsigned char *uuid);

/* How many domains the cache holds entries for (for tests and benches). */
int gf_meta_cache_size(void);

/* Set DOM's host state to STATE since NOW (GF_HS_KEEP: keep both), with
 * REASON (NULL: keep it).  Entering another state clears what belonged to
 * the old one (drained-by, notified, logoff-sent, replace).  Returns 0 or
 * -1 with an error. */
int gf_meta_set_state(virDomainPtr dom, enum gf_host_state state, const char *reason, time_t now);

/* What gf_meta_set_state writes, applied to M only: a new state clears the
 * old one's marks (drained-by, notified, logoff-sent, replace; a standby's
 * kind unless it stays a standby). */
void gf_meta_apply_state(struct gf_meta *m, enum gf_host_state state, const char *reason,
                         time_t now);

#endif
