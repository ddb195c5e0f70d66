/* disk_index.h - an index of which domains name which disk files: a hint
 * for gf_disk_users_each and gf_image_owns_disk, never their proof.
 *
 * For each domain (by UUID and connection): every path its XML names as a
 * disk source (definition and live XML, backing chains included); for each
 * path, the domains naming it; GLib hash tables.  It only chooses which
 * domains to read: every domain it names is read again from libvirt before
 * it counts.  Before anything destructive (gf_disk_index_candidates) it is
 * checked complete by libvirt's set of UUIDs: every domain listed (one
 * call; the UUIDs come with the handles), each one it does not know or
 * holds stale read, those gone dropped.  Otherwise (gf_disk_index_uuids)
 * by libvirt's count of domains (virConnectNumOfDomains +
 * virConnectNumOfDefinedDomains) against the index's, listing when they
 * differ.  Kept current without rescans by what changes domains: libvirt's
 * lifecycle, device-added/-removed and block-job events in goldfarmd
 * (gf_disk_index_forget), and Goldfarm's own defines and undefines
 * (gf_disk_index_note, _drop).  Its lock is never held across a libvirt
 * call (a node that does not answer blocks no other's lookups).  Off
 * by default (vmctl: every domain is read); goldfarmd turns it on with its
 * events, the simulator as the only writer of its connection.
 */
#ifndef GF_DISK_INDEX_H
#define GF_DISK_INDEX_H

#include <stddef.h>

#include <libvirt/libvirt.h>

/* How the index is used: off; on, others may change the domains (checked
 * by libvirt's set before a deletion); on, as the only writer of its
 * connections (the simulator's private test driver: every define and
 * undefine is its own, so libvirt's count is checked even before a
 * deletion, and never differs). */
enum gf_index_mode { GF_INDEX_OFF, GF_INDEX_ON, GF_INDEX_SOLE_WRITER };

/* Turn the index to MODE; either way it starts empty. */
void gf_disk_index_enable(enum gf_index_mode mode);

/* DOM may have changed (an event): its paths are read again when next
 * needed, on every connection; a DOM the index does not know (defined
 * behind its back) makes the next query list every domain.  NULL:
 * everything is forgotten.  Never waits for the index's lock (the
 * daemon's event thread calls it): it is applied by the next use. */
void gf_disk_index_forget(virDomainPtr dom);

/* DOM was undefined: its entries are dropped (on every connection). */
void gf_disk_index_drop(virDomainPtr dom);

/* DOM was just defined (or redefined) by Goldfarm: read it into the index
 * now.  Never fails: what it cannot read, the next query lists again. */
void gf_disk_index_note(virDomainPtr dom);

/* How many domains the index holds (for tests and benches). */
int gf_disk_index_size(void);

/* With the index on: 1, and *CANDS a new NULL-terminated array (free with
 * gf_disk_index_candidates_free) of CONN's domains whose XML, as the index
 * last read it, names one of the N PATHS, in name order: the only ones that
 * can.  BY_SET: the index first checked against libvirt's set of UUIDs
 * (for what deletes a disk); else against libvirt's count of domains (for
 * a check that such a query follows before anything is deleted).  0 when
 * the index is off (*CANDS NULL: read every domain).  -1 with an error
 * (libvirt failed). */
int gf_disk_index_candidates(virConnectPtr conn, const char *const *paths, size_t n, int by_set,
                             virDomainPtr **cands);

/* With the index on: 1, and *UUIDS a new array (free()) of the *N UUIDs of
 * every domain of CONN (VIR_UUID_BUFLEN bytes each), checked complete
 * against libvirt's count as for gf_disk_index_candidates.  0 when the
 * index is off.  -1 with an error. */
int gf_disk_index_uuids(virConnectPtr conn, unsigned char **uuids, size_t *n);

/* Free CANDS and its references; accepts NULL. */
void gf_disk_index_candidates_free(virDomainPtr *cands);

#endif
