/* node.h - what a node (hypervisor) has left for new hosts, beyond its
 * memory and CPUs: the free space of the pool its clones go in. */
#ifndef GF_NODE_H
#define GF_NODE_H

#include <libvirt/libvirt.h>

#include "plan/plan.h"

/* The free space of the pool holding the first disk of gold domain GOLD on
 * CONN (where a linked clone's overlay goes) into HV->pool_avail_kib, and
 * HV->pool_known set; when it cannot be read (no gold domain, a disk outside
 * any pool) HV->pool_known is 0 and nothing fails: space is not known, not
 * lacking. */
void gf_observe_pool(virConnectPtr conn, const char *gold, struct gf_hv_obs *hv);

#endif
