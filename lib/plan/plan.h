/* plan.h - the planner: (policy, observed farm, now) -> actions.
 *
 * A pure function: no libvirt, no clock, no I/O.  What `vmctl plan` prints,
 * what `vmctl simulate` replays, and what goldfarmd executes.
 */
#ifndef GF_PLAN_H
#define GF_PLAN_H

#include <time.h>

#include "model/meta.h"
#include "policy/policy.h"
#include "plan/rollout.h"
#include "policy/schedule.h"

#define GF_HV_VERSIONS 16 /* image versions remembered per hypervisor */

enum gf_host_run { GF_RUN_RUNNING, GF_RUN_OFF, GF_RUN_OTHER };

struct gf_host_obs {
    char name[GF_NAME_MAX + 1];
    int hv; /* index into the policy's hypervisors */
    enum gf_host_run run;
    enum gf_host_state state;
    enum gf_standby_kind standby_kind; /* standby hosts: which kind (metadata) */
    int saved;                         /* it has a managed save image (libvirt) */
    unsigned int image_version;
    int sessions;           /* logged-in users; -1: unknown */
    unsigned char uuid[16]; /* its domain's (VIR_UUID_BUFLEN); all zero: not known */
    int agent;              /* its guest agent answered this tick: 1, 0 silent, -1 not asked */
    int health_status;      /* the policy's health command: its exit status; -1 could not run */
    int active_sessions;    /* of those, active; -1: unknown */
    int vcpus;              /* what it runs with */
    int vcpus_max;          /* the domain's maximum; 0: not known */
    unsigned long long memory_kib;     /* what it runs with (the balloon's size) */
    unsigned long long memory_max_kib; /* the domain's maximum memory; 0: not known */
    /* this observation's raw figures of its use */
    unsigned long long vcpu_ns; /* its vCPUs' cumulative time (vcpu.N.time); 0: unknown */
    unsigned long long mem_total_kib, mem_avail_kib; /* the guest's memory, and what of it is
                                                        available (balloon); 0: not told */
    double load_cpu_pct, load_mem_pct;               /* CPU use and memory available, %, as the load
                                                        source reports them; < 0: it does not */
    /* its use smoothed over scaling.window, by the reconcile layer over ticks */
    double cpu_pct;        /* of its vCPUs, 0-100; < 0: unknown */
    double mem_avail_pct;  /* of its memory, available to the guest, 0-100; < 0: unknown */
    time_t cpu_high_since; /* the smoothed CPU above scaling.cpu_above since (0: not) */
    time_t cpu_low_since;  /* ... below scaling.cpu_below */
    time_t mem_low_since;  /* memory available below scaling.memory_below since */
    time_t mem_high_since; /* ... above scaling.memory_above */
    time_t resized;        /* Goldfarm last resized it (metadata; 0: never) */
    int boot_vcpus;        /* a smaller size waiting for its next boot (metadata; 0: none) */
    unsigned long long boot_memory_kib;
    time_t since;                      /* when it entered its state */
    int logoff_sent;                   /* draining: the logoff hook has run */
    int notified;                      /* draining: the broker and notify hooks have run */
    enum gf_drain_by drained_by;       /* draining: who drained it */
    int admin_drain;                   /* drained by an admin: never undrained by the planner */
    enum gf_replace_req admin_replace; /* vmctl farm replace: drain if users, or now */
    time_t created;
    int run_reason;            /* libvirt's reason for its state (VIR_DOMAIN_SHUTOFF_CRASHED...) */
    unsigned long long cpu_ns; /* cumulative CPU time; 0: unknown */
    char replaces[GF_NAME_MAX + 1];      /* this host replaces that one */
    char replaced_by[GF_NAME_MAX + 1];   /* this host is replaced by that one */
    char supersedes[GF_NAME_MAX + 1];    /* a roll-out: this host takes over from that one */
    char superseded_by[GF_NAME_MAX + 1]; /* a roll-out: that host takes over from this one */
    /* health (policy health group), assessed over ticks by gf_health_assess */
    int unhealthy;      /* 0 healthy; 1 failing (grace applies); 2 down for good */
    int unhealthy_for;  /* seconds */
    int ready;          /* running, and its agent (or health command) has answered */
    int was_ready;      /* it has been ready since it came up (the daemon remembers) */
    int ready_recorded; /* its metadata says so (ready-since): it survives restarts */
    char health[96];    /* why */
};

struct gf_hv_obs {
    int reachable;
    char lease_domain[GF_NAME_MAX + 1]; /* the gold domain holding the farm's lease ("": none) */
    unsigned long long free_kib;
    int cpus;       /* its physical CPUs; 0: not known */
    int vcpus_used; /* the vCPUs of every running domain on it, Goldfarm's or not */
    unsigned int versions[GF_HV_VERSIONS]; /* the farm image's versions here */
    char sha256[GF_HV_VERSIONS][65];       /* each one's recorded SHA-256 ("": none) */
    int nversions;                         /* 0: not known (a clone may go anywhere) */
    unsigned int promoted;                 /* the version promoted here (0: none) */
    unsigned long long pool_avail_kib;     /* free in the pool of the image's gold disk */
    int pool_known;                        /* pool_avail_kib was read (0: not known) */
    int evacuating;                        /* an admin evacuates it (vmctl farm evacuate) */
    int no_image;                          /* observed: no gold domain of the farm's image */
    /* pushes of the image to it (the farm's memory; act/push_job.h) */
    unsigned int pushing; /* a push of this version to it is under way (0: none) */
    time_t push_since;    /* ... since */
    time_t push_retry_at; /* its last push failed: none before then (0: no backoff) */
    int push_failures;    /* pushes to it that failed in a row */
};

/* A domain the observation could not read (it vanished, or its Goldfarm
 * metadata is malformed): skipped, reported, never blocking the rest. */
struct gf_skipped {
    char name[GF_NAME_MAX + 1];
    int hv;
    char why[200];
};

#define GF_SKIPPED_MAX 32 /* skipped domains listed (more are only counted) */

struct gf_farm_obs {
    struct gf_host_obs *hosts;
    int nhosts;
    /* every domain name in use on the farm's hypervisors, Goldfarm's or not,
     * sorted (strcmp): a new host never takes one */
    char (*taken)[GF_NAME_MAX + 1];
    int ntaken;
    struct gf_skipped skipped[GF_SKIPPED_MAX];
    int nskipped; /* all of them, also those not listed */
    /* clones back off after failing: none before clone_retry_at, after
     * clone_failures failures in a row (the daemon remembers them) */
    time_t clone_retry_at;
    int clone_failures;
    struct gf_hv_obs hv[GF_MAX_HYPERVISORS]; /* by the policy's hypervisors */
    time_t last_scale_out, last_scale_in;    /* 0: never */
    int breaker_open;                        /* too many failed replacements: replace nothing */
    unsigned int promoted;                   /* the image's promoted version (0: not known) */
    const struct gf_rollout *rollout;        /* the farm's roll-out record (NULL: none) */
    struct gf_rollout_req *requests;         /* roll-out requests waiting (owned) */
    int nrequests;
    int recent_replace_failures; /* replacements that failed within health.window */
};

enum gf_action_kind {
    GF_ACT_START,        /* start a standby host (a saved one restores, a running one joins) */
    GF_ACT_CLONE,        /* clone a new host on .hv (.standby: keep it as a standby of
                            .standby_kind: shut off, or started to be saved, or running) */
    GF_ACT_RESIZE,       /* resize to .vcpus / .memory_kib */
    GF_ACT_DRAIN,        /* stop new sessions, notify users */
    GF_ACT_UNDRAIN,      /* cancel a drain: the host is needed again */
    GF_ACT_LOGOFF,       /* drain wait is up: log the remaining users off */
    GF_ACT_RETIRE,       /* shut off, undefine, delete its overlay */
    GF_ACT_QUARANTINE,   /* set a failed host aside: snapshot, stop, keep */
    GF_ACT_NOTIFY,       /* a host an admin drained: run the broker and notify hooks */
    GF_ACT_MARK_READY,   /* a roll-out's host became ready: remember when (metadata) */
    GF_ACT_PROMOTE,      /* promote .version of the image again on .hv (a roll-out went back) */
    GF_ACT_OPEN_BREAKER, /* stop replacing: too many replacements failed, or a bad image */
    GF_ACT_ROLLOUT,      /* the roll-out record: a request taken or refused, a phase changed */
    GF_ACT_SAVE,         /* a saved standby, booted and answering: managed-save it */
    GF_ACT_PUSH,         /* copy .version of the image from node .from to node .hv (farm.push) */
    GF_ACT_NOTE,         /* nothing to do, and why (cooldown, no room, unknown load) */
};

/* When a resize takes effect. */
enum gf_resize_at {
    GF_RESIZE_LIVE,      /* now, and in its definition too */
    GF_RESIZE_NEXT_BOOT, /* in its definition only: a shrink, at its next boot */
};

struct gf_action {
    enum gf_action_kind kind;
    char host[GF_NAME_MAX + 1];
    int hv;
    int from; /* push: the node it copies from */
    int standby;
    enum gf_standby_kind standby_kind; /* clone, start of a standby: its kind */
    int vcpus;                         /* resize: to this many (0: unchanged) */
    unsigned long long memory_kib;     /* resize: to this much (0: unchanged) */
    enum gf_resize_at resize_at;
    char replaces[GF_NAME_MAX + 1];   /* start/clone: the failed host this one replaces */
    char supersedes[GF_NAME_MAX + 1]; /* clone: the old host it takes over from (roll-out) */
    unsigned int version;             /* clone: the image version (0: the promoted one) */
    enum gf_drain_by drain_by;        /* drain: who drains it */
    int level;                        /* how the daemon logs it (GF_LOG_*: a safeguard's
                                         hold is an error, a backoff a warning) */
    char rule[256];                   /* the rule and the numbers behind it */
};

/* Why a node was chosen for a new host, or skipped (placement). */
enum gf_place_why {
    GF_PLACE_CHOSEN,      /* it fits, with the fewest of the farm's hosts (then the most memory) */
    GF_PLACE_FITS,        /* it fits, but another came first */
    GF_PLACE_UNREACHABLE, /* it does not answer */
    GF_PLACE_EVACUATING,  /* an admin evacuates it */
    GF_PLACE_NO_VERSION,  /* it lacks the image version to clone */
    GF_PLACE_CHECKSUM,    /* its copy of the version's SHA-256 differs from another node's */
    GF_PLACE_MAX_HOSTS,   /* at its own max_hosts */
    GF_PLACE_MEMORY,      /* less free memory than a host's */
    GF_PLACE_VCPUS,       /* a host's vCPUs would pass its cores x overcommit */
    GF_PLACE_DISK,        /* its pool has less free than farm.clone_disk */
};

/* One node as a placement saw it. */
struct gf_place_node {
    enum gf_place_why why;
    int hosts;                   /* the farm's hosts on it, planned clones included */
    unsigned long long free_kib; /* memory left, less clones planned before */
    long long vcpus_left;        /* vCPUs it may still run; < 0 over; LLONG_MAX: not known */
    unsigned long long disk_kib; /* free in its pool, less clones planned before */
    int disk_known;
};

/* A placement: the nodes considered for one new host. */
struct gf_placement {
    char host[GF_NAME_MAX + 1]; /* the clone's name ("": none placed) */
    int chosen;                 /* the node's index, -1: none had room */
    struct gf_place_node node[GF_MAX_HYPERVISORS];
};

#define GF_PLACE_MAX 8 /* placements a plan keeps to show (the first ones) */

#define GF_PLAN_MAX 128
#define GF_PLAN_REQUESTS 8 /* roll-out requests whose decision the plan keeps */

/* What the plan decided on one roll-out request. */
struct gf_request_result {
    int taken;     /* 1 taken, 0 refused */
    char why[512]; /* what it does, or why it was refused */
};

struct gf_plan {
    struct gf_phase_at phase;
    int failing;   /* hosts failing past the grace: not in service, being replaced */
    int bad_image; /* a replacement failed soon after it was made: open the breaker */
    int in_service, standby, draining;
    int standby_by_kind[GF_SB_NKINDS]; /* the standby hosts by kind */
    int standby_ready[GF_SB_NKINDS];   /* of those, ready to serve at once as their kind
                                          (saved: its save image made; running: answering) */
    int sessions, capacity;
    int usage_pct; /* sessions / capacity, rounded, for display */
    /* the load signals of the hosts in service: each one's use, weighted
     * (load.weights), rounded; -1: not counted, or unknown on every host */
    int signal_pct[GF_NSIGNALS];
    int signal_raw_pct[GF_NSIGNALS]; /* the same unweighted, counted or not (memory: in use) */
    int signal_unknown[GF_NSIGNALS]; /* hosts in service whose figure is unknown */
    enum gf_signal decided;          /* the most constrained signal: the load the scaler
                                        goes by (sessions when nothing else counts) */
    unsigned int clone_version;      /* what new hosts are cloned from (0: the promoted version) */
    struct gf_rollout rollout;       /* the roll-out record after this plan (phase NONE: none) */
    int rollout_changed;             /* it differs from the observed one: save it */
    int requests_taken;              /* the waiting roll-out requests were decided on */
    struct gf_request_result request_results[GF_PLAN_REQUESTS]; /* the first ones', in order */
    char breaker[256]; /* why this plan opens the breaker ("": it does not) */
    int blind;         /* hypervisors that do not answer: their hosts are not counted */
    int evacuating;    /* active hosts on evacuated hypervisors, still to drain */
    int nplacements;   /* placements made, also those not kept */
    struct gf_placement placements[GF_PLACE_MAX];
    int nactions;
    struct gf_action actions[GF_PLAN_MAX];
};

/* Plan what FARM needs under P at local time NOW.  Fills OUT; pure. */
void gf_plan(const struct gf_policy *p, const struct gf_farm_obs *farm, const struct gf_local *now,
             struct gf_plan *out);

/* The version new hosts of FARM are cloned from under P: a roll-out's (the
 * old one while its canary soaks), else the policy's pinned one, else the
 * one a finished roll-out left the farm on, else the image's promoted one
 * (0 when not known: the promoted one, looked up when cloning). */
unsigned int gf_plan_clone_version(const struct gf_policy *p, const struct gf_farm_obs *farm);

/* The observed host NAME of FARM, or NULL. */
struct gf_host_obs *gf_farm_host(const struct gf_farm_obs *farm, const char *name);

/* One line for action A: "RULE: VERB HOST [on URI]" into BUF. */
void gf_action_line(const struct gf_policy *p, const struct gf_action *a, char *buf, size_t len);

/* The name of placement reason W ("memory"). */
const char *gf_place_why_name(enum gf_place_why w);

/* One line for node HV of placement PL: "  URI: chosen (0 hosts, 48G free,
 * 60 vCPUs left, 90G disk)" into BUF. */
void gf_place_line(const struct gf_policy *p, const struct gf_placement *pl, int hv, char *buf,
                   size_t len);

/* The name of kind K ("clone"). */
const char *gf_action_name(enum gf_action_kind k);

#endif
