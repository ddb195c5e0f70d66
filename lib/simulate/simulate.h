/* simulate.h - replaying a recorded load through goldfarmd's own code.
 *
 * The simulator opens its own libvirt test-driver connection (one per
 * hypervisor of the policy, all on the same prepared farm XML), marks the
 * gold image if needed, then steps a simulated clock through a trace.  At
 * each step it does what goldfarmd's tick does: gf_observe (load source
 * GF_LOAD_EXTERNAL), fills each host's sessions from its model, gf_plan,
 * gf_act (clones, starts, resizes, drains and retirements really happen in
 * libvirt's model), and writes the decision-log record.
 *
 * The model, per step of STEP seconds:
 * - a host started or cloned at T serves users from T + boot_time; until
 *   then it runs (and costs host-hours) with no users; a saved standby
 *   started at T serves from T + restore_time, a running one at once
 *   (sim_standby.h);
 * - the trace's sessions (the last sample at or before the step) are the
 *   users wanting a session.  Users still on draining hosts stay there;
 *   the rest are spread over the serving hosts by the phase's balance
 *   (breadth: evenly, the remainder to the first hosts by name; depth: fill
 *   hosts to max_sessions in name order).  Users beyond the serving hosts'
 *   max_sessions are refused: over capacity;
 * - users on a draining host leave at leave_pct percent a minute (rounded
 *   up); the planner's logoff action (its drain wait is up) forces off the
 *   rest, and users still on a host when it is retired (only idle ones with
 *   empty_when = no_active_sessions) are forced off too;
 * - the trace's cpu and memory columns, when it has them, are the CPU and
 *   guest memory the users keep busy, shared by the running hosts by their
 *   sessions (sim_load.h): each host's use, which the tick smooths and the
 *   vertical rules and the load's signals go by;
 * - a "crash" event destroys a serving host (the busiest, or the one named)
 *   through libvirt: its users are disconnected.  Goldfarm has no health
 *   checks yet, so nothing replaces it: the planner sees a host short and
 *   starts the stopped host again, like any host someone shut off.
 *
 * Hooks (notify, logoff, broker drain) are not run in a simulation.
 */
#ifndef GF_SIMULATE_H
#define GF_SIMULATE_H

#include <stdio.h>
#include <time.h>

#include "plan/plan.h"
#include "policy/policy.h"
#include "observe/trace.h"

struct gf_sim_opts {
    const char *farm_uri; /* the test-driver URI of the farm to simulate on */
    time_t from, to;      /* the span simulated, [from, to); 0: the trace's */
    int boot_time;        /* seconds from start to serving users */
    int restore_time;     /* a saved standby's, from start to serving (0: boot_time / 5) */
    int leave_pct;        /* share of a draining host's users leaving a minute */
    int keep_series;      /* record one sample per step (for a plot) */
    FILE *lines;          /* each decision line, with its time; NULL: none */
    FILE *log;            /* decision-log records (JSON lines); NULL: none */
};

/* One step's figures. */
struct gf_sim_sample {
    time_t t;
    int demand;     /* the trace's sessions */
    int served;     /* users who have a session */
    int in_service; /* hosts serving users (booted, active) */
    int running;    /* hosts running (costing host-hours) */
    int capacity;   /* in_service x max_sessions */
    unsigned char phase;
};

struct gf_sim_result {
    char policy[4096]; /* the policy's file */
    char farm[GF_NAME_MAX + 1];
    char zone[64];
    int max_sessions;
    time_t from, to;
    int step, steps;
    long long host_seconds; /* hosts running x time */
    int peak_hosts;         /* most hosts running at once */
    int peak_in_service;
    int peak_sessions;              /* of the trace, in the span */
    long long over_seconds;         /* time with users refused */
    long long refused_user_seconds; /* users refused x time */
    long long forced_logoffs;       /* users logged off by a drain or a retirement */
    long long crash_disconnects;    /* users on hosts that crashed */
    int crashes;
    int flaps;
    int clones, standby_clones, starts, drains, undrains, logoffs, retirements, resizes;
    int standby_starts[GF_SB_NKINDS];    /* of the starts, standbys taken, by how they served */
    long long start_wait_seconds;        /* starts x their time from start to serving */
    int saves;                           /* saved standbys' memory saved */
    int vcpus_added;                     /* by live resizes */
    long long memory_added_kib;          /* by live resizes */
    int shrinks;                         /* resizes down, at the hosts' next boot */
    long long cpu_short_host_seconds;    /* hosts with CPU over scaling.cpu_above x time */
    long long memory_short_host_seconds; /* hosts with memory available under memory_below */
    int replacements;     /* failed hosts set aside once replaced (policies with health) */
    int breaker_openings; /* the replacement breaker opened (too many failed, a bad image) */
    int rollout_steps;    /* roll-out decisions: requests taken or refused, phases changed */
    int failed;           /* actions that failed */
    int evaluations;      /* decision records with actions */
    struct gf_sim_sample *series;
    int nseries;
};

/* Simulate policy P (changed: load source external, hooks cleared) over
 * trace TR.  Returns 0, or -1 with an error (GF_ERR_INPUT for a trace that
 * does not fit the policy, the span, or a farm without the gold image). */
int gf_simulate(struct gf_policy *p, const struct gf_trace *tr, const struct gf_sim_opts *o,
                struct gf_sim_result *out);

/* Free what R holds. */
void gf_sim_result_free(struct gf_sim_result *r);

#endif
