/* act_int.h - what act.c and act_farm.c share.  Internal to lib/act. */
#ifndef GF_ACT_INT_H
#define GF_ACT_INT_H

#include "act/act.h"
#include "model/meta.h"

/* Run HOOK (WHAT names it in the log) with the extra arguments given
 * (NULL-terminated) appended; nothing when the hook is not set.  A hook
 * that fails, or runs past 60 s, is logged, not fatal. */
void act_run_hook(const struct gf_hook *hook, const char *what, ...);

/* The times a host's metadata keeps: of its drain, and since when it is ready. */
enum act_mark { ACT_MARK_NOTIFIED, ACT_MARK_LOGOFF, ACT_MARK_READY };

/* Set DOM's time WHICH (notified, logoff-sent, ready-since) to NOW.  0 or -1
 * with an error. */
int act_mark_time(virDomainPtr dom, enum act_mark which, time_t now);

/* Mark DOM draining since NOW, drained by BY, for REASON.  0 or -1. */
int act_mark_drained(virDomainPtr dom, enum gf_drain_by by, const char *reason, time_t now);

/* Mark DOM resized by A at NOW, for REASON: when (its resize cooldown),
 * and the size its definition has for its next boot when A shrinks it
 * there (a live resize clears that).  0 or -1 with an error. */
int act_mark_resized(virDomainPtr dom, const struct gf_action *a, const char *reason, time_t now);

/* Carry out A, an action on the farm (roll-out record, promote, breaker,
 * ready mark, notify, push) of PLAN.  0 or -1 with an error. */
int act_farm(const struct gf_act_ctx *ctx, const struct gf_plan *plan, const struct gf_action *a);

/* Save PLAN's roll-out record when it changed, in CTX's state directory
 * (none: the caller keeps it).  0 or -1 with an error. */
int act_save_rollout(const struct gf_act_ctx *ctx, const struct gf_plan *plan);

/* Start DOM for CTX (standby.c), once its metadata shows a
 * standby or active host of the farm: a shut-off one is created (with a
 * managed save image, its memory restores; a saved standby's that does
 * not restore is dropped and the host boots, any other host's is kept and
 * the start fails); a standby that runs already (running, or
 * still booting) is left running and *JOINED set: it is out of the broker
 * until the join hook runs.  0 or -1 with an error. */
int act_start_standby(const struct gf_act_ctx *ctx, virDomainPtr dom, int *joined);

/* Managed-save DOM, once its metadata shows a saved standby and it runs:
 * its memory to disk, no RAM until it is restored.  0 or -1 with an error. */
int act_save_standby(virDomainPtr dom);

#endif
