/* decisions.h - the decision log: one JSON line per evaluation of a farm,
 * with its inputs (phase, hosts, sessions, usage) and its outcome (each
 * action, done, failed or only planned).  goldfarmd and the simulator
 * write the same records; `vmctl farm log` reads them. */
#ifndef GF_DECISIONS_H
#define GF_DECISIONS_H

#include <stdio.h>
#include <time.h>

#include "act/act.h"
#include "base/json.h"
#include "plan/plan.h"
#include "policy/policy.h"

/* Why the actions of an evaluation were or were not carried out. */
enum gf_decision_mode {
    GF_DECIDED_ACTED,   /* carried out: OUTCOME says how each went */
    GF_DECIDED_PAUSED,  /* the farm is paused: planned only */
    GF_DECIDED_BLIND,   /* a hypervisor is unreachable: planned only */
    GF_DECIDED_STANDBY, /* another daemon holds the farm's lease: planned only */
    GF_DECIDED_PLANNED, /* vmctl plan: planned only */
};

/* Append one record for P's evaluation PLAN at NOW to OUT (one line,
 * flushed).  OUTCOME may be NULL unless MODE is GF_DECIDED_ACTED; BLIND
 * lists unreachable hypervisors or is NULL.  Returns 0 or -1 with an error. */
int gf_decision_write(FILE *out, const struct gf_policy *p, time_t now, const struct gf_plan *plan,
                      enum gf_decision_mode mode, const struct gf_outcome *outcome,
                      const char *blind);

/* Write a resize A's numbers as members of J's open object: vcpus,
 * memory_kib (when it changes them) and at_next_boot; nothing for another
 * kind of action. */
void gf_decision_resize_fields(struct gf_json *j, const struct gf_action *a);

/* Write the figures of the load (its signals, P's weights, the deciding
 * one) of PLAN as members of J's open object: "signals", an object with
 * each signal's use (null: unknown), weight and hosts unknown, and
 * "decided_by". */
void gf_decision_signals(struct gf_json *j, const struct gf_policy *p, const struct gf_plan *plan);

/* Write host H's size and use as members of J's open object: vcpus,
 * memory_kib, cpu_pct and memory_available_pct (null: unknown). */
void gf_decision_host_use(struct gf_json *j, const struct gf_host_obs *h);

#endif
