/* pushes.h - the image's pushes between ticks (farm.push): what the farm's
 * memory and its running push job tell the plan, and what a tick's pushes
 * leave in the memory (tick.c), and a push's end awaited (goldfarmd
 * --once). */
#ifndef GF_PUSHES_H
#define GF_PUSHES_H

#include <time.h>

#include "reconcile/tick.h"

/* Before the plan: the outcome of ENV's push job that ended (logged once:
 * a push done clears its node's backoff; one that failed backs off, 1 min
 * doubling to 1 h), a push the memory has under way that no job runs
 * (goldfarmd restarted: the next push undoes what it left) forgotten, then
 * each hypervisor's push under way and backoff into FARM.  Without a job
 * registry (vmctl plan) the memory alone says. */
void gf_pushes_recall(const struct gf_tick_env *env, time_t now, struct gf_farm_obs *farm);

/* The outcome of JOBS' push that ended, if one did, logged once and kept in
 * farm P's memory M at NOW: a push done clears its node's backoff, one
 * that failed backs off (1 min doubling to 1 h).  Whether there was one. */
int gf_pushes_settle(const struct gf_policy *p, struct gf_farm_mem *m, struct gf_push_jobs *jobs,
                     time_t now);

/* After acting: each push action of T's plan into ENV's memory: started (a
 * job: under way since NOW), or done or failed there and then (no job: the
 * simulator). */
void gf_pushes_remember(const struct gf_tick_env *env, time_t now, const struct gf_tick *t);

#endif
