/* farmd.h - goldfarmd's core: its farms, their ticks, reload, status.
 *
 * A library, so the tests drive ticks with an injected clock on one libvirt
 * connection (the test driver's state lives as long as its connection),
 * and model a daemon restart as a fresh struct gfd on the same connection.
 */
#ifndef GF_FARMD_H
#define GF_FARMD_H

#include <limits.h>
#include <pthread.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "act/act.h"
#include "observe/health.h"
#include "model/journal.h"
#include "model/lease.h"
#include "reconcile/tick.h"
#include "plan/plan.h"
#include "policy/policy.h"

#define GFD_LAST 8 /* decisions kept for the status */

struct gfd;

struct gfd_farm {
    struct gfd *d;
    struct gf_policy *policy;
    char file[PATH_MAX];
    virConnectPtr conns[GF_MAX_HYPERVISORS];
    int lost[GF_MAX_HYPERVISORS];        /* connection closed under us */
    int events[GF_MAX_HYPERVISORS];      /* 1: listening to its events, -1: not */
    time_t retry_at[GF_MAX_HYPERVISORS];
    int backoff[GF_MAX_HYPERVISORS]; /* seconds, doubling to 60 */
    time_t next_tick;                /* 0: at once */
    struct gf_farm_mem mem;          /* what the ticks remember (STATE_DIR/FARM.memory) */
    struct gf_tick *tick;            /* the last tick (NULL: none yet) */
    char last[GFD_LAST][512];        /* newest decisions, newest last */
    int nlast;
    char *notes;       /* last tick's notes, logged only when they change */
    char *blind;       /* last blindness message, likewise */
    char *paused_msg;  /* the paused message, likewise */
    char *lease_msg;   /* who else holds the lease, likewise */
    char *skipped_msg; /* skipped domains, likewise */
    unsigned long actions[GF_ACT_NOTE + 1];
    /* the actions that failed, by kind (actions: those done) */
    unsigned long action_failures[GF_ACT_NOTE + 1];
    unsigned long failures;
    double tick_seconds;
    struct gf_plan plan; /* the last plan */
    int planned;
    struct gf_outcome outcome; /* of the last plan's actions */
    int logged_idle;           /* an evaluation with nothing to do is logged once */
    int lease_held;            /* the last tick held the farm's lease */
    int up[GF_MAX_HYPERVISORS]; /* connected at the last tick (for the metrics) */
    /* its thread (gfd_run), and what the rest of the daemon tells it */
    pthread_t thread;
    int has_thread;
    pthread_mutex_t mu; /* guards next_tick, woken, stop, pending */
    pthread_cond_t cv;
    int woken;                   /* an event asks for a tick now */
    int stop;                    /* finish the tick under way, then end */
    int exited;                  /* the thread has ended (the main thread joins it) */
    struct gf_policy *pending;   /* a reload's new policy, taken at the next tick */
    struct gf_rollout rollout; /* the roll-out record (phase NONE: none) */
    /* for the metrics, kept by gfd_metrics_note after each tick */
    time_t first_tick;     /* the first tick since the farm was loaded */
    time_t last_good_tick; /* the last tick that saw the whole farm and planned (0: none) */
    int quarantined;       /* hosts set aside, at the last good tick */
    int rollout_on_target; /* hosts (not quarantined) on the roll-out's target version */
    int rollout_hosts;     /* hosts not quarantined */
};

struct gfd {
    char policies_dir[PATH_MAX];
    char state_dir[PATH_MAX];
    char metrics[PATH_MAX];   /* the Prometheus textfile; "" for STATE_DIR/goldfarm.prom */
    const char *uri_override; /* -c: stands for every hypervisor URI (tests, one-node setups) */
    struct gfd_farm **farms;
    int nfarms;
    struct gf_journal *journal;
    int parallel;
    int stop_timeout;
    int events;                  /* register lifecycle events (needs libvirt's event loop) */
    void (*wake)(struct gfd *d); /* an event asks for a tick now (may be NULL) */
    /* How a URI becomes a connection (tests inject theirs); NULL: gf_connect. */
    virConnectPtr (*connect)(void *opaque, const char *uri);
    void *connect_opaque;
    int lock_fd;          /* the state directory's lock (flock), held while running */
    struct gf_lease self; /* this daemon as a farm lease holder */
    int lease_settle_ms;  /* a new lease is read back after this long (0: at once) */
    int release_leases;   /* gfd_stop gives the leases up (a daemon's SIGTERM) */
    int threaded;         /* each farm ticks in a thread of its own (gfd_run) */
    pthread_mutex_t lock; /* guards farms, nfarms, gone and what the metrics read */
    int lock_ready;
    struct gfd_farm **gone; /* farms a reload removed whose thread still ends its tick */
    int ngone;
};

/* Set D up: take the lock of STATE_DIR (one daemon per state directory:
 * a second one is refused, naming the first's pid), read every policy in
 * POLICIES_DIR (*.conf), open the journal in STATE_DIR and finish or undo
 * what a crash left.  A bad policy file
 * at start is an error: every error of every file is printed to stderr.
 * Returns 0, or -1 with an error. */
int gfd_start(struct gfd *d, const char *policies_dir, const char *state_dir);

/* Re-read the policies (SIGHUP): a file with errors keeps its farm's
 * previous policy and the errors are logged; new files add farms, removed
 * files drop theirs.  Returns the number of files with errors. */
int gfd_reload(struct gfd *d);

/* Check every policy in POLICIES_DIR as gfd_start would load them (each
 * file, then the farms they name against each other), printing every
 * error to stderr; connects to nothing.  Returns 0 with the number of
 * farms in *NFARMS, or -1 with an error (GF_ERR_INPUT when a file has
 * errors). */
int gfd_check(const char *policies_dir, int *nfarms);

/* Tick every farm whose time has come (all with FORCE), at NOW.  Returns
 * the seconds until the next farm is due. */
int gfd_tick_due(struct gfd *d, time_t now, int force);

/* One tick of farm F at NOW: reconnect what was lost, observe, plan, act
 * (unless paused or blind), log each decision once, write status and
 * metrics.  Returns 0, or -1 when the farm could not be observed. */
int gfd_tick(struct gfd *d, struct gfd_farm *f, time_t now);

/* Run each farm of D in a thread of its own from now on: it ticks when due
 * or woken by an event, so one farm's hook, retirement or slow hypervisor
 * never delays another farm's tick or crash handling.  The caller's thread
 * keeps running libvirt's event loop.  0, or -1 with an error. */
int gfd_run(struct gfd *d);

/* Ask every farm's thread to end once its tick under way is done. */
void gfd_run_stop(struct gfd *d);

/* Join the farm threads that have ended (those a reload removed, or all
 * after gfd_run_stop).  Returns how many still run. */
int gfd_run_reap(struct gfd *d);

/* An event asks farm F for a tick now. */
void gfd_farm_wake(struct gfd_farm *f);

/* Whether FARM is paused (STATE_DIR/FARM.paused exists). */
int gfd_paused(const char *state_dir, const char *farm);

/* Why FARM's replacement breaker is open (STATE_DIR/FARM.breaker), into
 * WHY; 0 when it is closed. */
int gfd_breaker(const char *state_dir, const char *farm, char *why, size_t len);

/* Free everything of D (connections, journal, farms); accepts a zeroed D. */
void gfd_stop(struct gfd *d);

#endif
