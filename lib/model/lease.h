/* lease.h - one daemon acting on a farm: a lease in libvirt's metadata.
 *
 * Two goldfarmd on two machines (or on two state directories) that manage
 * the same farm must never both act on it.  The lease is a metadata
 * element, in a namespace of the farm's own
 * (https://goldfarm.dev/xmlns/lease/1/FARM), on the gold domain of the
 * farm's image with the lowest version, on every hypervisor the daemon
 * reaches:
 *
 *   <gflease:lease holder="MACHINE-ID:/var/lib/goldfarm" host="hv-mgmt1"
 *       pid="1234" renewed="2026-12-02T08:00:00Z" expires="...:01:30Z"/>
 *
 * The holder is the machine and the state directory (one daemon per state
 * directory holds its lock), so a restarted daemon takes its own lease
 * back at once.  A daemon acts on a farm only when it holds the lease on
 * every hypervisor it reaches; another holder's lease is respected until
 * it expires.  libvirt has no compare-and-swap for metadata: a new lease
 * is written, then read back after a settle delay, and whoever wrote last
 * wins.  Pacemaker (the OCF resource agent) is what runs one daemon of a
 * pair; the lease is the net under it.
 */
#ifndef GF_LEASE_H
#define GF_LEASE_H

#include <time.h>

#include <libvirt/libvirt.h>

#define GF_LEASE_NS "https://goldfarm.dev/xmlns/lease/1/"
#define GF_LEASE_PREFIX "gflease"

struct gf_lease {
    char holder[320]; /* MACHINE-ID:STATE_DIR */
    char host[128];   /* the holder's host name, for people */
    long pid;
    time_t renewed, expires;
};

/* Fill ME as this daemon's lease holder: /etc/machine-id (else the host
 * name) and STATE_DIR, the host name and pid.  0 or -1 with an error. */
int gf_lease_self(struct gf_lease *me, const char *state_dir);

/* Read FARM's lease on DOM into OUT: 1 when there is one, 0 when not, -1
 * with an error (a malformed lease is an error: nobody takes it over on a
 * guess). */
int gf_lease_read(virDomainPtr dom, const char *farm, struct gf_lease *out);

/* Take or renew FARM's lease on DOM for ME until NOW + TTL seconds: when
 * there is none, it expired, or it is ME's already.  Returns 1 when ME
 * holds it (written), 0 when another holder's lease is live (that lease
 * into *OTHER), -1 with an error.  *FRESH is set when the lease was not
 * ME's before (the caller lets it settle and checks it again). */
int gf_lease_claim(virDomainPtr dom, const char *farm, const struct gf_lease *me, time_t now,
                   int ttl, struct gf_lease *other, int *fresh);

/* Give up FARM's lease on DOM if ME holds it.  0 or -1 with an error. */
int gf_lease_release(virDomainPtr dom, const char *farm, const struct gf_lease *me);

#endif
