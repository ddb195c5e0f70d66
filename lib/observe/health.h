/* health.h - is a host misbehaving?  The daemon's view over several ticks.
 *
 * Only with a policy's health group.  A host is down for good (crashed,
 * shut off or paused on an error while Goldfarm says it is active), or
 * failing: its guest agent silent for health.agent_timeout, its CPU pegged
 * above health.cpu_pegged.percent for health.cpu_pegged.for, or the health
 * command exiting non-zero.  The planner waits health.grace before acting
 * on a failing host; a host down for good is replaced at once.
 */
#ifndef GF_HEALTH_H
#define GF_HEALTH_H

#include <time.h>

#include "plan/plan.h"
#include "policy/policy.h"

/* What the daemon remembers of one host between ticks. */
struct gf_health_rec {
    char name[GF_NAME_MAX + 1];
    time_t bad_since; /* 0: healthy at the last assessment */
    time_t agent_ok;  /* the guest agent last answered */
    time_t seen_up;   /* first seen running (boot time counts from it) */
    unsigned long long cpu_ns;
    time_t cpu_at;
    time_t pegged_since;
    double cpu_pct; /* the last sample's use (-1: none yet) */
    int was_ready;  /* it has been ready since it was first seen */
};

struct gf_health {
    struct gf_health_rec *recs;
    int nrecs;
};

/* Assess every active and draining host of FARM at NOW under P, filling
 * its unhealthy, unhealthy_for and health fields, and remember what the
 * next assessment needs in H.  A CPU sample needs half a tick since the
 * last one: a tick sooner (a lifecycle event) keeps the last verdict, so a
 * repeated sample never counts as a passing check nor resets the grace.
 * A draining host is flagged for what it does wrong (crashed, its agent
 * silent, its CPU pegged), not for being shut off.  CONNS (by hypervisor) are used to ask the guest
 * agent when the load source does not, and the health command runs per host. */
void gf_health_assess(struct gf_health *h, const struct gf_policy *p, struct gf_farm_obs *farm,
                      time_t now);

/* Free what H holds; accepts an empty one. */
void gf_health_clear(struct gf_health *h);

#endif
