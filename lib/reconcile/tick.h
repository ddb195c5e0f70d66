/* tick.h - one reconcile tick of one farm: the core that goldfarmd, `vmctl
 * plan` and `vmctl simulate` all run.
 *
 *   observe   libvirt (or the simulator's model), the load source, the
 *             health probes, and the farm's memory: the last scale-in, the
 *             clone backoff, failed replacements, the breaker, the roll-out
 *             record; and what admins asked: pause, drains and
 *             replacements (carried out first), roll-out requests
 *   assess    the hosts' CPU and memory use and their health over ticks
 *   plan      every decision, each an action with its reason (pure)
 *   act       the actions carried out, their outcomes into the memory
 *
 * What differs between the three callers is only where the observation
 * comes from (libvirt or the simulator's model), the clock, and whether
 * the plan is carried out: `vmctl plan` plans what goldfarmd would do at
 * that moment, from the same memory, and changes nothing.
 */
#ifndef GF_TICK_H
#define GF_TICK_H

#include <time.h>

#include <libvirt/libvirt.h>

#include "act/act.h"
#include "act/decisions.h"
#include "model/lease.h"
#include "plan/plan.h"
#include "reconcile/admin.h"
#include "reconcile/memory.h"

struct gf_tick_env {
    const struct gf_policy *p;
    virConnectPtr *conns;    /* by the policy's hypervisors; NULL: unreachable */
    const char *state_dir;   /* goldfarmd's: breaker and roll-out record; NULL: the
                                memory holds them and the requests (the simulator) */
    struct gf_farm_mem *mem; /* read, and updated by the tick */
    /* what admins asked (goldfarmd's own copy, or what vmctl plan read of
     * it): paused, and the requests the tick decides on; NULL: nothing */
    const struct gf_admin *admin;
    int act; /* carry the plan out (0: plan only, as vmctl plan) */
    struct gf_journal *journal;
    int parallel, stop_timeout;
    struct gf_push_jobs *pushes;  /* the farm's push jobs (goldfarmd; NULL: a push is done
                                     within the tick, or only planned) */
    const struct gf_lease *lease; /* hold the farm's lease before acting (NULL: none) */
    int lease_settle_ms;
    /* the simulator: observe its own copy of libvirt's model instead of
     * libvirt, and fill in what the test driver cannot tell (sessions,
     * agents); NULL: observe libvirt */
    int (*observe)(void *opaque, const struct gf_local *now, struct gf_farm_obs *out);
    void (*model)(void *opaque, struct gf_farm_obs *farm, const struct gf_local *now);
    void *opaque;
};

struct gf_tick {
    enum gf_decision_mode mode; /* acted; or planned only: paused, blind, standby, planned */
    char why[768];              /* blind: what is unreachable; standby: who holds the lease */
    char lost[768];             /* not blind: the hypervisors that do not answer ("": none);
                                   their hosts are neither counted nor touched */
    int planned;                /* the plan was made (not when blind) */
    struct gf_local local;      /* the moment, in the policy's zone */
    struct gf_farm_obs farm;    /* what the tick saw (freed by gf_tick_clear) */
    struct gf_rollout rollout;  /* the roll-out record it saw (farm.rollout points here) */
    char breaker[256];          /* why the breaker was open ("": closed) */
    struct gf_plan plan;
    struct gf_outcome outcome;
    int failed; /* actions that failed */
    /* the admin requests this tick decided on (when acting): drains and
     * replacements carried out or refused, roll-out steps taken or refused */
    struct gf_admin_done decided[GF_ADMIN_QUEUE];
    int ndecided;
    unsigned long request_ids[GF_ADMIN_QUEUE];           /* farm.requests[i]'s admin request */
    char lease_dom[GF_MAX_HYPERVISORS][GF_NAME_MAX + 1]; /* where the lease was held */
};

/* Run one tick of ENV's farm at NOW into T (zeroed first).  Returns 0 (T
 * says what happened, also when blind or standing by), or -1 with an error
 * when the farm could not be observed. */
int gf_tick_run(const struct gf_tick_env *env, time_t now, struct gf_tick *t);

/* Free what T holds; accepts a zeroed one. */
void gf_tick_clear(struct gf_tick *t);

/* Give up the farm's lease where T held it (a daemon stopping).  Errors
 * are logged. */
void gf_tick_release_lease(const struct gf_tick_env *env, const struct gf_tick *t);

#endif
