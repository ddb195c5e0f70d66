/* kept.h - a hypervisor's observation kept from one tick to the next while
 * its events say nothing changed.
 *
 * A steady tick at 1,000 hosts spends most of its time in one listing of
 * every domain with its statistics (libvirt makes, formats and frees a
 * handle per domain).  goldfarmd listens to each connection's domain
 * events: a lifecycle, metadata, device or block-job event of any domain
 * there (a lease's own metadata aside) makes what was kept of that
 * connection stale.  A kept observation is used again at most
 * GF_KEPT_REUSE times in a row, never after the farm acted (its own
 * changes' events may still be on their way), never for a policy that
 * reads the hosts' CPU or memory use (usage, a pegged-CPU health check:
 * they need fresh counters), and never with a skipped domain in it.  What
 * changes without an event is read afresh each tick: the node's free
 * memory and CPUs, the free space of the gold's pool, and whether each
 * shut-off standby's memory is saved.  Balloon and tunable (vCPU) events
 * count as changes too.  A policy read again, an admin's drain written
 * and a push ended drop what was kept of the farm (gf_kept_drop).
 */
#ifndef GF_KEPT_H
#define GF_KEPT_H

#include <libvirt/libvirt.h>

#include "plan/plan.h"
#include "policy/policy.h"

/* Ticks in a row a kept observation serves before the next full listing. */
#define GF_KEPT_REUSE 4

/* CONN's domain events are listened to (ON 1): its observations may be
 * kept; or no longer (0): what was kept of it is dropped. */
void gf_kept_listen(virConnectPtr conn, int on);

/* An event on CONN: what was kept of it is stale.  Safe on libvirt's
 * event thread. */
void gf_kept_changed(virConnectPtr conn);

/* Farm FARM changed libvirt itself (it acted, an admin's drain was
 * written, a push of its image ended), or its policy was read again: what
 * was kept of it is dropped. */
void gf_kept_drop(const char *farm);

/* Observations served from what was kept, since the process began (for
 * tests and benches). */
long gf_kept_served(void);

/* For observe.c.  CONN's generation (0: not listened to, keep nothing),
 * read before a listing and handed to gf_kept_put. */
unsigned long gf_kept_generation(virConnectPtr conn);

/* Whether policy P's observation may be kept at all. */
int gf_kept_allowed(const struct gf_policy *p);

/* Append what was kept of P's hypervisor HV (on CONN, at generation GEN:
 * the current one) to FARM: its hosts, taken names and versions (the
 * whole hv[HV]), its running domains' vCPUs and memory into *VCPUS and
 * *USED_KIB.  1 when it did, 0 when nothing fit to use is kept, -1 with
 * an error (out of memory). */
int gf_kept_take(const char *farm_name, int hv, virConnectPtr conn, unsigned long gen,
                 struct gf_farm_obs *farm, int *vcpus, unsigned long long *used_kib);

/* Keep what FARM got from hypervisor HV of farm FARM_NAME (hosts from
 * NHOSTS0 on, taken names from NTAKEN0 on, hv[HV]) as listed on CONN at
 * generation GEN, with VCPUS and USED_KIB; not kept when out of memory. */
void gf_kept_put(const char *farm_name, int hv, virConnectPtr conn, unsigned long gen,
                 const struct gf_farm_obs *farm, int nhosts0, int ntaken0, int vcpus,
                 unsigned long long used_kib);

#endif
