/* gfd.h - goldfarmd's state: the daemon (struct gfd) and its farms
 * (struct gfd_farm).  Types only; farmd.h says what is done with them. */
#ifndef GF_GFD_H
#define GF_GFD_H

#include <limits.h>
#include <pthread.h>
#include <time.h>

#include <libvirt/libvirt.h>

#include "act/act.h"
#include "model/journal.h"
#include "model/lease.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "reconcile/admin.h"
#include "reconcile/memory.h"
#include "reconcile/tick.h"

#define GFD_LAST 8 /* decisions kept for the status */

struct gfd;
struct gfd_control;

struct gfd_farm {
    struct gfd *d;
    struct gf_policy *policy;
    char file[PATH_MAX];
    virConnectPtr conns[GF_MAX_HYPERVISORS];
    int lost[GF_MAX_HYPERVISORS];   /* connection closed under us */
    int events[GF_MAX_HYPERVISORS]; /* 1: listening to its events, -1: not */
    time_t retry_at[GF_MAX_HYPERVISORS];
    int backoff[GF_MAX_HYPERVISORS]; /* seconds, doubling to 60 */
    time_t next_tick;                /* 0: at once */
    struct gf_farm_mem mem;          /* what the ticks remember (STATE_DIR/FARM.memory) */
    struct gf_push_jobs *pushes;     /* its image's push under way (act/push_job.h) */
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
    struct gf_outcome outcome;  /* of the last plan's actions */
    int logged_idle;            /* an evaluation with nothing to do is logged once */
    int lease_held;             /* the last tick held the farm's lease */
    int up[GF_MAX_HYPERVISORS]; /* connected at the last tick (for the metrics) */
    /* its thread (gfd_run), and what the rest of the daemon tells it */
    pthread_t thread;
    int has_thread;
    pthread_mutex_t mu; /* guards next_tick, woken, stop, pending, admin */
    pthread_cond_t cv;
    int woken;                 /* an event asks for a tick now */
    int relist;                /* a push ended: the next tick lists every domain (kept.h) */
    int stop;                  /* finish the tick under way, then end */
    int exited;                /* the thread has ended (the main thread joins it) */
    struct gf_policy *pending; /* a reload's new policy, taken at the next tick */
    struct gf_admin admin;     /* what admins asked through the control socket
                                  (STATE_DIR/FARM.admin): paused, requests waiting */
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
    int events;                    /* register lifecycle events (needs libvirt's event loop) */
    void (*wake)(struct gfd *d);   /* an event asks for a tick now (may be NULL) */
    void (*ticked)(struct gfd *d); /* a tick ended: its followers look again (may be NULL) */
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
    struct gfd_control *control;   /* the control socket (NULL: none) */
    unsigned long long generation; /* ticks ended, for the control socket's waits (lock) */
};

#endif
