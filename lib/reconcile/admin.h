/* admin.h - what admins asked goldfarmd of a farm through its control
 * socket: whether the farm is paused, the requests waiting for its next
 * tick (roll-out steps, drains, replacements), and what became of the
 * last ones.
 *
 * goldfarmd keeps it in STATE_DIR/FARM.admin (JSON, 0640, replaced
 * atomically) and is its only writer: its control thread when it accepts
 * a request, the farm's own thread when a tick has decided on one.  It
 * survives restarts (a farm paused for patching stays paused).  vmctl plan
 * reads it, to plan what the daemon would; no program writes it to steer
 * the daemon.
 */
#ifndef GF_ADMIN_H
#define GF_ADMIN_H

#include <time.h>

#include "base/names.h"
#include "plan/rollout.h"

#define GF_ADMIN_QUEUE 8 /* requests waiting, at most */
#define GF_ADMIN_DONE 16 /* decided requests remembered */

enum gf_admin_kind {
    GF_ADMIN_ROLLOUT, /* a roll-out step for the planner (start, pause, resume, abort) */
    GF_ADMIN_DRAIN,   /* drain a host */
    GF_ADMIN_REPLACE, /* replace a host (now: quarantine it as soon as replaced) */
};

enum gf_admin_fate {
    GF_FATE_WAITING, /* not decided yet */
    GF_FATE_TAKEN,   /* carried out (a roll-out step: taken by the plan) */
    GF_FATE_REFUSED, /* the tick found it no longer applies (why says why) */
    GF_FATE_FAILED,  /* carrying it out failed (why says why) */
};

struct gf_admin_req {
    unsigned long id;
    enum gf_admin_kind kind;
    struct gf_rollout_req rollout; /* GF_ADMIN_ROLLOUT */
    char host[GF_NAME_MAX + 1];    /* GF_ADMIN_DRAIN, GF_ADMIN_REPLACE */
    int now;                       /* GF_ADMIN_REPLACE: --now */
    time_t at;                     /* when it was accepted */
    long uid;                      /* who asked */
};

struct gf_admin_done {
    unsigned long id;
    enum gf_admin_kind kind;
    enum gf_admin_fate fate;
    time_t at; /* when it was decided */
    char why[256];
};

#define GF_ADMIN_EVACUATED 16 /* hypervisors evacuated at once, at most */

/* A hypervisor an admin evacuates (vmctl farm evacuate URI): its hosts are
 * drained once replaced elsewhere, no new host goes there. */
struct gf_admin_evac {
    char uri[256];
    time_t at;
    long uid;
};

struct gf_admin {
    int paused;
    time_t paused_at;
    long paused_uid;
    unsigned long last_id; /* the newest request's id */
    struct gf_admin_req queue[GF_ADMIN_QUEUE];
    int nqueue;
    struct gf_admin_done done[GF_ADMIN_DONE]; /* oldest first */
    int ndone;
    struct gf_admin_evac evacuated[GF_ADMIN_EVACUATED];
    int nevacuated;
};

/* The evacuation of URI in A, or NULL. */
const struct gf_admin_evac *gf_admin_evacuated(const struct gf_admin *a, const char *uri);

/* Read FARM's admin state from STATE_DIR into A (zeroed first; a missing
 * file is an empty state).  0, or -1 with an error naming the file (A then
 * empty). */
int gf_admin_load(const char *state_dir, const char *farm, struct gf_admin *a);

/* Write A as FARM's admin state in STATE_DIR.  0 or -1 with an error. */
int gf_admin_save(const char *state_dir, const char *farm, const struct gf_admin *a);

/* Queue request Q in A under a new id (returned, and set in A's copy).
 * 0 when the queue is full (A unchanged). */
unsigned long gf_admin_queue(struct gf_admin *a, const struct gf_admin_req *q);

/* Request ID of A was decided: out of the queue, FATE and WHY kept among
 * the decided ones at AT. */
void gf_admin_decided(struct gf_admin *a, unsigned long id, enum gf_admin_fate fate,
                      const char *why, time_t at);

/* What became of request ID of A: its record among the decided, or NULL
 * (*WAITING says whether it still waits in the queue). */
const struct gf_admin_done *gf_admin_fate_of(const struct gf_admin *a, unsigned long id,
                                             int *waiting);

/* The names of kind K ("drain") and fate F ("taken"). */
const char *gf_admin_kind_name(enum gf_admin_kind k);
const char *gf_admin_fate_name(enum gf_admin_fate f);

#endif
