/* push_job.h - goldfarmd's pushes of a gold version to a node lacking it
 * (the plan's GF_ACT_PUSH, farm.push = "auto"), run beside the ticks.
 *
 * A push streams gigabytes: done inside a tick it would hold the farm's
 * replacements back for as long.  So the action starts a job on a thread
 * of its own, one per farm at a time, and the tick goes on; each tick
 * asks whether it is still under way (the plan then pushes nothing else)
 * and takes its outcome once it ended.  The job takes the push journal's
 * lock (STATE_DIR/push, as `vmctl image push` does: one push at a time per
 * state directory), recovers what an interrupted push left, and pushes
 * with gf_push, journalled.  Stopping the farm cancels a job under way:
 * the push stops at its next chunk and undoes what it made.
 */
#ifndef GF_PUSH_JOB_H
#define GF_PUSH_JOB_H

#include <libvirt/libvirt.h>

#include "model/push.h"

struct gf_push_jobs;

/* How a push job ended. */
struct gf_push_done {
    char uri[256]; /* the target */
    unsigned int version;
    int ok;                  /* 1 pushed (or there already), 0 failed */
    char error[512];         /* why it failed */
    struct gf_push_result r; /* what was pushed, when ok */
};

/* A farm's push jobs: their journal in STATE_DIR/push (NULL: none, the
 * push not journalled), WAKE(OPAQUE) called from the job's thread when one
 * ends (may be NULL).  NULL with an error. */
struct gf_push_jobs *gf_push_jobs_new(const char *state_dir, void (*wake)(void *opaque),
                                      void *opaque);

/* Cancel the job under way, wait for it to end, free J; accepts NULL. */
void gf_push_jobs_free(struct gf_push_jobs *j);

/* Start pushing VERSION of IMAGE from SRC to DST (URI, into pool POOL,
 * NULL: the source disk's pool's name) on a thread of its own; the job
 * takes its own references of both connections.  0, or -1 with an error
 * (one is under way, or an outcome not taken yet). */
int gf_push_jobs_start(struct gf_push_jobs *j, virConnectPtr src, virConnectPtr dst,
                       const char *image, unsigned int version, const char *uri, const char *pool);

/* Whether a job is under way: 1 with its target into URI (LEN bytes), its
 * version and the bytes streamed so far (may be NULL), else 0. */
int gf_push_jobs_running(struct gf_push_jobs *j, char *uri, size_t len, unsigned int *version,
                         unsigned long long *bytes);

/* The outcome of a job that ended, into OUT: 1 (J is free for the next
 * one), or 0 when none ended since the last call. */
int gf_push_jobs_take(struct gf_push_jobs *j, struct gf_push_done *out);

#endif
