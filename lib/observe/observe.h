/* observe.h - a farm as libvirt and its load source show it. */
#ifndef GF_OBSERVE_H
#define GF_OBSERVE_H

#include <libvirt/libvirt.h>

#include "plan/plan.h"
#include "policy/schedule.h"

/* Observe the farm of policy P.  CONNS holds a connection per hypervisor of
 * P (NULL: unreachable; its hosts are not seen and nothing is planned on
 * it; one that fails while observed is taken as unreachable too, unless
 * every one fails: then the observation fails).  Per hypervisor: one domain listing with bulk
 * statistics (virConnectGetAllDomainStats: state, vCPUs, balloon), the metadata of each domain, and
 * its free memory.  Only domains whose Goldfarm metadata names P's farm are kept.  Sessions come
 * from P's load source (gf_load_ sessions), read at NOW.  OUT is cleared first; free it with
 * gf_farm_obs_clear.  Returns 0, or -1 with an error. */
int gf_observe(const struct gf_policy *p, virConnectPtr *conns, const struct gf_local *now,
               struct gf_farm_obs *out);

/* Fill each running host's sessions in FARM from P's load source: the guest
 * agent's logged-in users (CONNS needed), the load command's
 * "HOST SESSIONS [ACTIVE]" lines, or the trace's latest line for each host
 * at or before NOW.  A host the source cannot answer for has -1 (unknown).
 * Returns 0, or -1 with an error (the command failed, the trace is bad). */
int gf_load_sessions(const struct gf_policy *p, virConnectPtr *conns, const struct gf_local *now,
                     struct gf_farm_obs *farm);

/* The guest agents asked at once at most (the load source "agent"): each
 * question is a round trip to the hypervisor; 16 at a time keep a farm of
 * hundreds of hosts within a tick, and bound what one daemon asks of one
 * libvirtd (whose default max_client_requests is 5 per client, more queue). */
#define GF_AGENT_PARALLEL 16

/* Sessions of FARM's running hosts from their guest agents (P's load
 * source "agent"): asked concurrently, GF_AGENT_PARALLEL at a time on the
 * shared connections, each domain looked up once (by UUID) and kept; an
 * answer (users, or silence) is used again for load.agent_interval.  A
 * host that does not answer keeps -1.  Answers of hosts no longer running
 * are dropped. */
void gf_load_from_agents(const struct gf_policy *p, virConnectPtr *conns, struct gf_farm_obs *farm);

/* Forget farm FARM's kept agent answers and domain references on CONN
 * (FARM NULL: every farm's, only when no tick runs; CONN NULL: all, the
 * same): before FARM lets CONN go (the references hold it open), in
 * tests.  Another farm's answers, which its tick may be using, stay. */
void gf_load_agents_forget(const char *farm, virConnectPtr conn);

/* With P's health group: for each running active or draining host of FARM,
 * whether its guest agent answers (its agent field: the agent load source's
 * answer, else asked when health.agent_timeout is set), and the health
 * command's exit status (health_status), run with the host's name.  What
 * gf_health_assess judges.  Health checks on or not, each running standby
 * of kind saved or running has its agent asked: it is ready once it answers. */
void gf_probe_health(const struct gf_policy *p, virConnectPtr *conns, struct gf_farm_obs *farm);

/* Test seam: FN (NULL: none) is called for each domain between the one
 * listing and the reading of its metadata, so a test can make a domain
 * vanish there for real (undefine it), as another program might. */
void gf_observe_set_seam(void (*fn)(virDomainPtr dom));

/* Free what gf_observe allocated in FARM; accepts an empty one. */
void gf_farm_obs_clear(struct gf_farm_obs *farm);

#endif
