/* plan_scenarios.h - the planner's scenarios, for test_plan.c.
 *
 * Each scenario: a policy (one of five, all variations of one base), an
 * observed farm (hosts with state, run state, sessions, hypervisor, since
 * when; free memory per hypervisor; the last scale-out and scale-in), a local
 * time, and the exact action lines gf_action_line prints, in order.  Sequences
 * of ticks (the load hovering at the threshold) are consecutive rows, each
 * with the farm as the previous tick left it. */
#ifndef GF_PLAN_SCENARIOS_H
#define GF_PLAN_SCENARIOS_H

#include <stddef.h>

#include "plan/plan.h"

enum { P_BASE, P_NO_SESSIONS, P_TWO, P_VERTICAL, P_SIGNALS, P_TWO_HEALTH, P_KINDS, NPOLICIES };

/* The policies' texts, by the enum above. */
extern const char *const policy_texts[NPOLICIES];

/* One observed host.  Zero values are the common case: an active, running
 * host on the first hypervisor with 4 vCPUs and 16 GiB. */
struct host {
    const char *name;
    int sessions;    /* -1: unknown.  Hosts not running always have -1, as observed */
    int idle;        /* of the sessions, idle ones (active = sessions - idle) */
    int hv;          /* index of its hypervisor */
    char state;      /* 0 or 'a' active, 's' standby, 'd' draining, 'q' quarantined, 'r' retiring */
    char run;        /* 0 or 'R' running, 'O' shut off, 'X' other (paused, crashed) */
    int ago;         /* minutes since it entered its state */
    int logoff_sent; /* draining: the logoff hook has run */
    int admin_drain; /* draining: an admin drained it (vmctl farm drain); 2: not told yet */
    int vcpus;       /* 0: 4 */
    int mem_gib;     /* 0: 16 */
    int cpu, mem;    /* percent in use (smoothed), CPU and memory */
    int unknown;     /* 1: CPU unknown, 2: memory unknown (the guest reports no balloon), 3: both */
    int lasted;      /* minutes the CPU and memory figures have been past the policy's marks */
    int resized_ago; /* minutes since Goldfarm last resized it; 0: never */
    int vcpus_max;   /* the domain's maximum vCPUs; 0: not known */
    int boot_vcpus;  /* a smaller vCPU count waiting for its next boot; 0: none */
    int down;        /* its health checks fail for good (P_TWO_HEALTH) */
    char kind;       /* standby: 0 or 'o' shut off, 's' saved, 'r' running */
    int saved;       /* it has a managed save image */
    int booting;     /* running, its agent not answering yet (not ready) */
    int replace;     /* an admin asked to replace it now (vmctl farm replace --now) */
    int version;     /* its image version; 0: 1 */
};

struct scenario {
    const char *name;
    int policy;
    const char *at;  /* local time in the policy's zone, "YYYY-MM-DDTHH:MM" */
    const char *utc; /* or a UTC moment, "YYYY-MM-DDTHH:MM" */
    int spread_n;    /* active running hosts rds-001..rds-N first, with ... */
    int spread;      /* ... this many sessions spread evenly (the first get the rest) */
    struct host hosts[12];
    int free_gib[GF_MAX_HYPERVISORS]; /* all 0: 256 GiB each */
    int cpus[GF_MAX_HYPERVISORS];     /* physical CPUs; 0: not known */
    int vcpus_used[GF_MAX_HYPERVISORS];
    int unreachable[GF_MAX_HYPERVISORS];
    int disk_mib[GF_MAX_HYPERVISORS]; /* free in its pool; 0: not known */
    int evacuate[GF_MAX_HYPERVISORS]; /* an admin evacuates it */
    int no_image[GF_MAX_HYPERVISORS]; /* it has no gold domain of the image */
    int check_place;                  /* the first placement's reasons are these: */
    enum gf_place_why place[GF_MAX_HYPERVISORS];
    int out_ago, in_ago; /* seconds since the last scale-out / scale-in; 0: never */
    int promoted;        /* the image's promoted version; 0: not known */
    const char *expect[16];
};

#define HV1 "qemu+ssh://hv1/system"
#define HV2 "qemu+ssh://hv2/system"

/* Monday 2026-11-23 (CET, UTC+1) at these times: */
#define OFF_PEAK "2026-11-23T03:00"
#define RAMP_UP "2026-11-23T07:30"
#define PEAK "2026-11-23T10:00"
#define RAMP_DOWN "2026-11-23T17:30"

/* The scenarios, and those the planner once got wrong ("fixed bugs"). */
extern const struct scenario scenarios[];
extern const struct scenario known_bugs[];
extern const size_t nscenarios, nknown_bugs;

#endif
