/* memory.h - what a farm's reconciliation remembers between ticks, beyond
 * what libvirt holds: its hosts' health records, the last scale-in, the
 * clone backoff, the failed replacements, the image's pushes under way or
 * backing off, and the roll-out record with the requests waiting for it.
 *
 * goldfarmd keeps it in STATE_DIR/FARM.memory (JSON, 0600, replaced
 * atomically after each tick; the hosts' use in it as one GVariant, see
 * usage.h), so a restart and `vmctl plan` see what the
 * daemon saw: the plan of one is the plan of the other.  The roll-out
 * record and the breaker keep their own files, what admins asked its own
 * too (reconcile/admin.h).  The simulator keeps all of it in memory.
 */
#ifndef GF_MEMORY_H
#define GF_MEMORY_H

#include <time.h>

#include "observe/health.h"
#include "plan/rollout.h"
#include "policy/policy.h"
#include "reconcile/seen.h"
#include "reconcile/usage.h"

#define GF_MEM_FAILURES 16 /* failed replacements remembered */

/* The image's pushes to one hypervisor (farm.push; reconcile/pushes.h). */
struct gf_push_mem {
    char uri[256];
    unsigned int version; /* a push of this version under way (0: none) */
    time_t since;         /* ... started then */
    time_t retry_at;      /* the last one failed: none before then (0: no backoff) */
    int failures;         /* pushes to it that failed in a row */
};

struct gf_farm_mem {
    struct gf_health health;
    struct gf_usage usage; /* the hosts' CPU and memory use, smoothed */
    time_t last_scale_in;  /* the scaler's last drain (its hosts are gone once retired) */
    time_t clone_retry_at; /* failed clones back off until then (0: they do not) */
    int clone_failures;    /* ticks in a row whose clones failed */
    time_t replace_failures[GF_MEM_FAILURES]; /* when replacements failed, oldest first */
    int nreplace_failures;
    struct gf_seen seen;                           /* the host names last seen on each hypervisor */
    struct gf_push_mem pushes[GF_MAX_HYPERVISORS]; /* by URI, in no order */
    int npushes;
    /* without a state directory (the simulator): the record, the breaker
     * and the requests themselves */
    struct gf_rollout rollout;
    char breaker[256]; /* why it is open ("": closed) */
    char **requests;   /* roll-out requests waiting ("start to=2", from the trace) */
    int nrequests;
};

/* Read FARM's memory from STATE_DIR into M (zeroed first; a missing file
 * is an empty memory).  0, or -1 with an error naming the file (a file
 * that is not Goldfarm's JSON is an error, and M stays empty). */
int gf_mem_load(const char *state_dir, const char *farm, struct gf_farm_mem *m);

/* Write M as FARM's memory in STATE_DIR.  0 or -1 with an error. */
int gf_mem_save(const char *state_dir, const char *farm, const struct gf_farm_mem *m);

/* Deep-copy SRC into DST (health records, use and requests too).  0 or -1. */
int gf_mem_copy(struct gf_farm_mem *dst, const struct gf_farm_mem *src);

/* Free what M holds; accepts an empty one. */
void gf_mem_clear(struct gf_farm_mem *m);

#endif
