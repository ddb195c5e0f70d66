/* policy.h - a farm's policy, read from a libconfig file.
 *
 * One farm per file.  Every key is read through one table (policy_keys.c):
 * its section, name, type, range and default.  Loading reports every error
 * in the file at once as "FILE:LINE: key: what is wrong" (the first 100,
 * names and values escaped, so that each error is one line), rejects
 * unknown keys, and checks the relations between keys before anything
 * runs.  A policy file is a regular file of at most GF_POLICY_MAX_BYTES, is
 * text (no NUL byte) and self-contained (no @include); loading it takes
 * time linear in its size.
 */
#ifndef GF_POLICY_H
#define GF_POLICY_H

#include <limits.h>
#include <stddef.h>

#include "base/names.h"
#include "base/standby.h"

#define GF_MAX_HYPERVISORS 16
#define GF_MAX_DAYSETS 7
#define GF_MAX_HOLIDAYS 128
#define GF_MAX_HOOK_ARGS 16
#define GF_POLICY_TEMPLATE_MAX (32 * 1024) /* GF_SEED_TEMPLATE_MAX (model/seed.h) */
#define GF_POLICY_MAX_BYTES (1024 * 1024)
/* Host numbers are 1 to this: a host_name pattern must make a valid and
 * distinct name of at most GF_NAME_MAX characters for each.  Not derived
 * from farm.max_hosts: a new host takes the lowest number whose name is
 * free, and names stay taken by hosts outside max_hosts (quarantined ones
 * kept for forensics, hosts being sealed), so over a farm's life numbers
 * pass max_hosts; 99999 is a hundred times the largest max_hosts. */
#define GF_HOST_NUMBER_MAX 99999

enum gf_phase_id { GF_RAMP_UP, GF_PEAK, GF_RAMP_DOWN, GF_OFF_PEAK, GF_NPHASES };
enum gf_balance { GF_BREADTH, GF_DEPTH };
enum gf_empty_when { GF_EMPTY_NO_SESSIONS, GF_EMPTY_NO_ACTIVE };
/* Which vertical rules a phase applies (schedule.*.PHASE.resize). */
enum gf_resize_mode { GF_RESIZE_BOTH, GF_RESIZE_GROW, GF_RESIZE_SHRINK, GF_RESIZE_NONE };
/* The load signals the scaler weighs (load.weights). */
enum gf_signal { GF_SIG_SESSIONS, GF_SIG_CPU, GF_SIG_MEMORY, GF_NSIGNALS };
/* GF_LOAD_EXTERNAL is not in policy files: the caller (the simulator) fills
 * the sessions itself after observing. */
enum gf_load_source { GF_LOAD_AGENT, GF_LOAD_COMMAND, GF_LOAD_TRACE, GF_LOAD_EXTERNAL };

/* A program and its arguments, run with execve (never a shell). */
struct gf_hook {
    int argc; /* 0: no hook */
    char argv[GF_MAX_HOOK_ARGS][PATH_MAX / 4];
};

struct gf_hypervisor {
    char uri[256];
    int max_hosts;              /* 0: no limit of its own */
    int cpu_overcommit;         /* 0: the farm's scaling.cpu_overcommit */
    char pool[GF_NAME_MAX + 1]; /* where pushed gold disks go ("": the source's pool's name) */
    int line;
};

struct gf_phase {
    int start;     /* minutes after local midnight */
    int min_hosts; /* a count, or with min_pct a percentage of farm.max_hosts */
    int min_pct;   /* whether min_hosts is a percentage */
    int threshold; /* capacity threshold, % of max sessions */
    enum gf_balance balance;
    int standby;                       /* standby clones kept ready */
    enum gf_standby_kind standby_kind; /* of which kind (off, saved, running) */
    enum gf_resize_mode resize;
    int line;
};

struct gf_dayset {
    char name[32];
    unsigned int days; /* bit 0 = Sunday ... bit 6 = Saturday */
    struct gf_phase phases[GF_NPHASES];
    int line;
};

struct gf_holiday {
    int year, month, day;
    char as[32]; /* a day set's name, or "off_peak" */
    int dayset;  /* index into daysets, or -1: off-peak all day */
    int line;
};

struct gf_policy {
    char file[PATH_MAX];

    /* farm */
    char name[GF_NAME_MAX + 1];
    struct gf_hypervisor hypervisors[GF_MAX_HYPERVISORS];
    int nhypervisors;
    char image[GF_NAME_MAX + 1];
    int image_version;               /* 0: the newest */
    char host_name[GF_NAME_MAX + 1]; /* printf pattern with one integer, "rds-%03d" */
    int vcpus;
    unsigned long long memory_kib;
    int max_sessions; /* per host */
    int min_hosts, max_hosts;
    int tick;                          /* seconds between reconcile ticks */
    unsigned long long clone_disk_kib; /* a new host's disks in its node's pool, expected */
    int push_images; /* push the image's version to a hypervisor lacking it (farm.push) */

    /* schedule */
    char timezone[64];
    struct gf_dayset daysets[GF_MAX_DAYSETS];
    int ndaysets;
    struct gf_holiday holidays[GF_MAX_HOLIDAYS];
    int nholidays;

    /* scaling */
    int cooldown_out, cooldown_in; /* seconds */
    int max_step;
    int hysteresis;                    /* percentage points below the threshold before scaling in */
    int max_vcpus;                     /* vertical limit; 0: no vertical scaling of vCPUs */
    unsigned long long max_memory_kib; /* 0: none of memory */
    int vcpu_step;                     /* vCPUs added at a time */
    unsigned long long memory_step_kib;
    int window;          /* seconds CPU and memory use are smoothed over (0: the last sample) */
    int grow_after;      /* seconds the pressure must last before a host grows */
    int shrink_after;    /* seconds a grown host must stay idle before it shrinks */
    int resize_cooldown; /* seconds between two resizes of one host */
    int cpu_above;       /* %: vCPUs are added above it */
    int cpu_below;       /* %: vCPUs are given back below it */
    int memory_below;    /* % of memory available: memory is added below it */
    int memory_above;    /* % available: memory is given back above it */
    int cpu_overcommit;  /* vCPUs of running domains per physical CPU of a hypervisor */

    /* drain */
    int drain_wait; /* seconds before users are logged off */
    enum gf_empty_when empty_when;
    struct gf_hook notify, logoff, drain_hook;

    /* health: on when the policy has a health group */
    int health_on;
    int health_grace;   /* seconds a host must fail before anything happens */
    int agent_timeout;  /* seconds the guest agent may be silent; 0: not checked */
    int cpu_pegged_pct; /* 0: not checked */
    int cpu_pegged_for; /* seconds */
    struct gf_hook health_command, join_hook;
    int breaker_failures; /* failed replacements within breaker_window open the breaker */
    int breaker_window;   /* seconds; also: a replacement failing this soon means a bad image */
    int mass_failure_pct; /* more unhealthy than this share: replace nothing */
    int mass_failure_min; /* ... and more than this many hosts */
    int quarantine_days;  /* 0: never delete a quarantined host */

    /* rollout: a roll-out's defaults (vmctl image rollout overrides some) */
    int rollout_batch;            /* hosts replaced at once */
    int rollout_min;              /* hosts in service, never fewer ... */
    int rollout_min_pct;          /* ... or a percentage of those when it begins */
    int rollout_soak;             /* seconds the canary serves healthy first */
    int rollout_ready_timeout;    /* seconds a new host has to become ready */
    int rollout_max_replacements; /* new-version hosts that may fail after taking over */

    /* identity: a NoCloud seed for each new host; on when the policy has an
     * identity group (see model/seed.h) */
    int identity_on;
    int identity_guest;                                       /* enum gf_guest_os */
    char identity_user_data[PATH_MAX];                        /* its template file; "" none */
    char identity_network_config[PATH_MAX];                   /* its template file; "" none */
    char identity_user_data_text[GF_POLICY_TEMPLATE_MAX + 1]; /* as read at load */
    char identity_network_config_text[GF_POLICY_TEMPLATE_MAX + 1];

    /* load */
    enum gf_load_source load_source;
    int weight[GF_NSIGNALS]; /* %, by enum gf_signal; 0: the signal does not count */
    struct gf_hook load_command;
    char trace[PATH_MAX];
    int agent_interval; /* seconds a guest agent's answer is used for; 0: asked every tick */
};

/* Load the policy in FILE into a new policy the caller frees with
 * gf_policy_free.  On any error, returns NULL and *ERRORS is a new string
 * (to free()) with every error in the file, one per line, as
 * "FILE:LINE: key: what is wrong". */
struct gf_policy *gf_policy_load(const char *file, char **errors);

/* The same from TEXT, reported as FILE; for tests. */
struct gf_policy *gf_policy_load_string(const char *file, const char *text, char **errors);

/* Free P; accepts NULL. */
void gf_policy_free(struct gf_policy *p);

struct gf_identity; /* model/seed.h */

/* What P's identity group gives new hosts, into ID (its templates point
 * into P, which must outlive ID). */
void gf_policy_identity(const struct gf_policy *p, struct gf_identity *id);

/* Parse a duration like "30s", "5m", "1h30m" or "2d" into *SECS.  0, or
 * -1 with what is wrong in WHY (LEN bytes). */
int gf_duration_parse(const char *s, long long *secs, char *why, size_t len);

/* The name of signal S ("sessions", "CPU", "memory"). */
const char *gf_signal_name(enum gf_signal s);

/* Whether P's hosts' CPU or memory use is needed: a vertical limit, or a
 * weight on CPU or memory. */
int gf_policy_uses_usage(const struct gf_policy *p);

/* The name of phase ID as in policy files ("ramp_up"). */
const char *gf_phase_name(enum gf_phase_id id);

/* Host N's name by P's pattern into BUF.  Returns 0, or -1 when N is not
 * from 1 to GF_HOST_NUMBER_MAX or the name does not fit in LEN bytes (BUF
 * then holds what fits). */
int gf_policy_host_name(const struct gf_policy *p, int n, char *buf, size_t len);

/* PHASE's minimum hosts as a count (a percentage resolved against
 * farm.max_hosts, rounded up). */
int gf_phase_min_hosts(const struct gf_policy *p, const struct gf_phase *phase);

#endif
