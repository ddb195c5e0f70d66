/* usage.h - each host's CPU and memory use over ticks: what the vertical
 * rules and the load's CPU and memory signals go by.
 *
 * A tick's observation holds raw figures: the vCPUs' cumulative time
 * (vcpu.N.time, else cpu.time) and the balloon's view of the guest's
 * memory (balloon.available, and balloon.usable or balloon.unused), or
 * percentages the load source reports (load.command and load.trace lines'
 * cpu= and memory=, the simulator's model).  CPU use needs two samples: the
 * time its vCPUs ran between them over the time passed and its vCPUs.
 * Each figure is smoothed over scaling.window (an exponential moving
 * average with that time constant, as load averages are; window 0: the
 * last sample), and the reconcile layer remembers since when each one has
 * stayed above or below the policy's marks (scaling.cpu_above, cpu_below,
 * memory_below, memory_above).  A host whose guest reports no balloon
 * statistics has its memory unknown, never idle.
 *
 * It lives in the farm's memory (reconcile/memory.h), so goldfarmd, `vmctl
 * plan` and `vmctl simulate` see the same numbers.  Only policies that use
 * it (gf_policy_uses_usage) keep any.
 */
#ifndef GF_USAGE_H
#define GF_USAGE_H

#include <time.h>

#include "plan/plan.h"
#include "policy/policy.h"

/* What is remembered of one running host. */
struct gf_usage_rec {
    char name[GF_NAME_MAX + 1];
    int counter;           /* which CPU counter NS is: 1 its vCPUs' time, 2 cpu.time, 0 none */
    unsigned long long ns; /* that counter at AT */
    time_t at;             /* the last sample */
    double cpu, mem;       /* smoothed CPU use and memory available, %; < 0: unknown */
    time_t cpu_high, cpu_low, mem_low, mem_high; /* since when past the marks (0: not) */
};

struct gf_usage {
    struct gf_usage_rec *recs; /* sorted by name */
    int nrecs;
};

/* Take the sample of NOW from FARM's running hosts (sorted by name, as
 * gf_observe gives them) into U under P, and
 * fill each host's cpu_pct, mem_avail_pct and its since-times from U.  A
 * sample less than half a tick after the last one (a tick a lifecycle event
 * woke) is not taken: the last figures stand.  Hosts no longer running are
 * forgotten (a restart starts afresh).  Returns 0, or -1 with an error
 * (out of memory; U is then as it was). */
int gf_usage_update(struct gf_usage *u, const struct gf_policy *p, struct gf_farm_obs *farm,
                    time_t now);

/* HOST was resized: its use is measured afresh from its next sample, and
 * its since-times start again. */
void gf_usage_resized(struct gf_usage *u, const char *host);

/* U in its saved form, for the farm's memory file: a new base64 string to
 * g_free().  Never fails (GLib aborts when out of memory). */
char *gf_usage_encode(const struct gf_usage *u);

/* Read U (zeroed first) from TEXT, as gf_usage_encode wrote it; what is
 * not (another format, names out of order, figures out of range) is left
 * out.  0, or -1 with an error (out of memory). */
int gf_usage_decode(const char *text, struct gf_usage *u);

/* Deep-copy SRC into DST.  0 or -1 with an error. */
int gf_usage_copy(struct gf_usage *dst, const struct gf_usage *src);

/* Free what U holds; accepts an empty one. */
void gf_usage_clear(struct gf_usage *u);

#endif
