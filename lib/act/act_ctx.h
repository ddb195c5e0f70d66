/* act_ctx.h - what carrying a plan out needs, and what became of it. */
#ifndef GF_ACT_CTX_H
#define GF_ACT_CTX_H

#include <time.h>

#include <libvirt/libvirt.h>

#include "model/journal.h"
#include "plan/plan.h"

struct gf_push_jobs;

struct gf_act_ctx {
    const struct gf_policy *p;
    virConnectPtr *conns;           /* by the policy's hypervisors */
    const struct gf_farm_obs *farm; /* what the plan was made from */
    struct gf_journal *journal;     /* may be NULL */
    const char *state_dir;          /* the roll-out record, the breaker; NULL: none */
    time_t now;
    int parallel;                /* actions run at once (at least 1) */
    int stop_timeout;            /* seconds a retiring host gets to shut down */
    struct gf_push_jobs *pushes; /* the farm's push jobs (act/push_job.h); NULL: a push is
                                    done within the tick, unjournalled (the simulator) */
};

/* What became of each action of a plan. */
struct gf_outcome {
    int result[GF_PLAN_MAX];      /* 0 done (or a note), -1 failed */
    char error[GF_PLAN_MAX][256]; /* why it failed */
};

#endif
