/* rollback.h - reverting hosts to a snapshot, keeping what was there. */
#ifndef GF_ROLLBACK_H
#define GF_ROLLBACK_H

#include <stddef.h>

#include <libvirt/libvirt.h>

/* Roll each of the N hosts DOMS back to snapshot NAME (NULL: each host's
 * newest snapshot that is not a safety snapshot).  Every target is found
 * before anything changes.  Before reverting a host, a safety snapshot of
 * its present state is taken, so the rollback can itself be rolled back.
 * A revert libvirt calls risky is refused unless FORCE.  A revert that
 * fails is undone from the safety snapshot, and the error says so.
 * Hosts are rolled back one after the other; a failure on one does not stop
 * the rest.  Returns 0 when every host was rolled back, else -1 with an
 * error naming the hosts that were not. */
int gf_rollback(virDomainPtr *doms, size_t n, const char *name, int force);

#endif
