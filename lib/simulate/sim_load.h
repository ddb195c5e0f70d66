/* sim_load.h - the CPU and memory the users of a simulated farm keep busy,
 * from the trace's cpu and memory columns.  Internal to lib/simulate. */
#ifndef GF_SIM_LOAD_H
#define GF_SIM_LOAD_H

#include "observe/trace.h"
#include "plan/plan.h"
#include "policy/policy.h"

/* How many running hosts the model had short of CPU or memory in a step
 * (past the policy's marks to grow). */
struct gf_sim_short {
    int cpu, memory;
};

/* Fill each running host's load_cpu_pct and load_mem_pct in FARM from ROW
 * of TR: the farm's users' CPU (in % of one vCPU) and guest memory (MiB)
 * shared by the hosts by their sessions (evenly when no host has any);
 * a host's CPU use is its share over its vCPUs (at most 100%), its memory
 * available what its share leaves of its memory.  A trace without the
 * column leaves the figure unknown.  Counts the hosts past P's marks into
 * SHORT. */
void gf_sim_load_fill(const struct gf_policy *p, const struct gf_trace *tr,
                      const struct gf_trace_row *row, struct gf_farm_obs *farm,
                      struct gf_sim_short *shortage);

#endif
