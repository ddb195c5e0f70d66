/* decisions.h - the decision log: one JSON line per evaluation of a farm,
 * with its inputs (phase, hosts, sessions, usage) and its outcome (each
 * action, done, failed or only planned).  goldfarmd and the simulator
 * write the same records; `vmctl farm log` reads them. */
#ifndef GF_DECISIONS_H
#define GF_DECISIONS_H

#include <stdio.h>
#include <time.h>

#include "act/act.h"
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

#endif
