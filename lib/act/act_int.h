/* act_int.h - what act.c and act_farm.c share.  Internal to lib/act. */
#ifndef GF_ACT_INT_H
#define GF_ACT_INT_H

#include "act/act.h"

/* Carry out A, an action on the farm (roll-out record, promote, breaker,
 * ready mark, notify) of PLAN.  0 or -1 with an error. */
int act_farm(const struct gf_act_ctx *ctx, const struct gf_plan *plan, const struct gf_action *a);

/* Save PLAN's roll-out record when it changed, and forget the requests it
 * took, in CTX's state directory (none: the caller keeps it).  0 or -1. */
int act_save_rollout(const struct gf_act_ctx *ctx, const struct gf_plan *plan);

#endif
