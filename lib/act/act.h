/* act.h - carrying out a plan's actions through libvirt and the hooks. */
#ifndef GF_ACT_H
#define GF_ACT_H

#include <libvirt/libvirt.h>

#include "model/journal.h"
#include "act/act_ctx.h"
#include "plan/plan.h"

/* Carry out PLAN's actions (notes are skipped), at most CTX->parallel at
 * once.  Each outcome is logged with gf_note, one line ("LINE [done]" or
 * "LINE [failed: WHY]"), and recorded in the host's metadata (state,
 * since, reason).  OUT (may be NULL) gets each action's outcome.  Returns
 * the number of actions that failed. */
int gf_act(const struct gf_act_ctx *ctx, const struct gf_plan *plan, struct gf_outcome *out);

/* Whether FARM's replacement breaker is open (STATE_DIR/FARM.breaker): 1
 * with why into WHY (LEN bytes), or 0. */
int gf_breaker_read(const char *state_dir, const char *farm, char *why, size_t len);

/* Tell the broker and the users that HOST (drained by an admin, already in
 * state draining) is draining: run the broker and notify hooks, and mark
 * its metadata "notified" without touching its state or since.  Returns 0
 * or -1 with an error. */
int gf_drain_notify(const struct gf_act_ctx *ctx, const char *host);

/* Retire DOM: only a host in state draining, standby or quarantined, and,
 * unless USERS_OK (their drain wait is up and the logoff hook has run),
 * only when its guest agent, if it answers, says no user is logged in.
 * Shut it down (guest agent, then ACPI, then destroy after STOP_TIMEOUT seconds),
 * undefine it, delete its own volumes (never a gold disk), journalled so a
 * crash is finished on restart.  Returns 0 or -1 with an error. */
int gf_retire(virDomainPtr dom, struct gf_journal *journal, int stop_timeout, int users_ok);

#endif
