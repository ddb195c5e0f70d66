/* rollout.h - a farm's roll-out to another image version: its record and
 * the requests that steer it.
 *
 * goldfarmd is the only writer of the record, STATE_DIR/FARM.rollout
 * (key=value lines, replaced atomically); the hosts' own progress lives in
 * libvirt (their image version, and the supersedes links between an old
 * host and the new one that takes over from it).  An admin asks for a
 * roll-out, a pause, a resumption or an abort through goldfarmd's control
 * socket (vmctl image rollout); the daemon keeps the request with the
 * farm's admin state (reconcile/admin.h) until a tick of the farm decides
 * on it.  The simulator's trace asks by lines like "start to=2".
 */
#ifndef GF_ROLLOUT_H
#define GF_ROLLOUT_H

#include <stddef.h>
#include <time.h>

#include "base/names.h"

enum gf_rollout_phase {
    GF_RO_NONE = 0,    /* no roll-out */
    GF_RO_CANARY,      /* one host on the new version, soaking */
    GF_RO_BATCHES,     /* the old hosts replaced a batch at a time */
    GF_RO_ROLLBACK,    /* going back: new-version hosts replaced from the old version */
    GF_RO_DONE,        /* every host on the new version */
    GF_RO_ROLLED_BACK, /* every host back on the old version */
    GF_RO_STUCK,       /* the rollback's own hosts failed: an admin must look */
};

struct gf_rollout {
    enum gf_rollout_phase phase;
    char image[GF_NAME_MAX + 1];
    unsigned int from, to; /* versions */
    int batch;             /* hosts replaced at once */
    int min_hosts;         /* in service, never fewer (-1: not resolved yet) */
    int min_pct;           /* min_hosts as a percentage of those in service at the start */
    int soak;              /* seconds the canary serves, healthy, before the batches */
    int ready_timeout;     /* seconds a new host has to become ready */
    int max_replacements;  /* new-version hosts that may fail after taking over */
    int paused;
    time_t started;     /* when it began */
    time_t phase_since; /* when the phase began */
    time_t soak_since;  /* the canary ready since (0: not yet) */
    char reason[256];   /* why it went back, or stopped */
};

/* The name of phase P ("canary"), and back (-1 when unknown). */
const char *gf_rollout_phase_name(enum gf_rollout_phase p);
int gf_rollout_phase_parse(const char *name);

/* Whether R is under way (canary, batches or rollback). */
int gf_rollout_active(const struct gf_rollout *r);

/* The version R's hosts move to now: the new one, or the old one when
 * going back. */
unsigned int gf_rollout_target(const struct gf_rollout *r);

/* Read STATE_DIR/FARM.rollout into R.  Returns 1, 0 when there is none
 * (R zeroed), or -1 with an error naming the file and line. */
int gf_rollout_load(const char *state_dir, const char *farm, struct gf_rollout *r);

/* Write R to STATE_DIR/FARM.rollout atomically.  0 or -1 with an error. */
int gf_rollout_save(const char *state_dir, const char *farm, const struct gf_rollout *r);

/* A request, parsed ("start to=2 batch=2 min=75% soak=600"). */
enum gf_rollout_req_kind { GF_REQ_START, GF_REQ_PAUSE, GF_REQ_RESUME, GF_REQ_ABORT, GF_REQ_BAD };
#define GF_REQ_UNSET (-2) /* a value the request does not give */

struct gf_rollout_req {
    enum gf_rollout_req_kind kind;
    int to, batch, min, soak; /* GF_REQ_UNSET when absent, -1 when out of range */
    int min_pct;              /* min is a percentage */
    char text[160];           /* the line as written (escaped), for the reasons */
};

/* Parse request LINE into R (kind GF_REQ_BAD for an unknown word).  Pure. */
void gf_rollout_req_parse(const char *line, struct gf_rollout_req *r);

/* Request R as a line ("start to=2 batch=2 min=75% soak=600", "pause"),
 * what gf_rollout_req_parse reads back, into BUF.  Pure. */
void gf_rollout_req_format(const struct gf_rollout_req *r, char *buf, size_t len);

/* One line about R for people: "v1 -> v2: batches (paused)", into BUF. */
void gf_rollout_describe(const struct gf_rollout *r, char *buf, size_t len);

#endif
