/* sim_events.h - what an admin does during a simulated day, from the
 * trace's events: a new image version sealed, a roll-out asked for.
 * Internal to lib/simulate. */
#ifndef GF_SIM_EVENTS_H
#define GF_SIM_EVENTS_H

#include <libvirt/libvirt.h>

/* Make VERSION of IMAGE on CONN, as a seal would: a gold domain IMAGE-vN
 * whose disks are copies of the promoted version's, not promoted.  On the
 * test driver the copies are in libvirt's model only.  0, or -1 with an
 * error (GF_ERR_INPUT: the version exists already). */
int gf_sim_add_version(virConnectPtr conn, const char *image, unsigned int version);

struct gf_policy;

/* Mark policy P's gold image on CONN (the farm URI) as gold unless it
 * already is one: the simulated farm's domain of that name becomes the
 * image.  0, or -1 with an error (GF_ERR_INPUT: no such domain). */
int gf_sim_ensure_gold(const struct gf_policy *p, virConnectPtr conn, const char *uri);

#endif
