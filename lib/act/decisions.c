/* decisions.c - the decision log: one JSON line per evaluation. */
#include "act/decisions.h"

#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "base/json.h"

static const char *mode_name(enum gf_decision_mode m)
{
    switch (m) {
    case GF_DECIDED_ACTED:
        return "acted";
    case GF_DECIDED_PAUSED:
        return "paused";
    case GF_DECIDED_BLIND:
        return "blind";
    case GF_DECIDED_STANDBY:
        return "standby";
    case GF_DECIDED_PLANNED:
        return "planned";
    }
    return "?";
}

int gf_decision_write(FILE *out, const struct gf_policy *p, time_t now, const struct gf_plan *plan,
                      enum gf_decision_mode mode, const struct gf_outcome *outcome,
                      const char *blind)
{
    char when[32];
    struct gf_json j;
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    gf_json_init(&j, out);
    gf_json_open(&j, NULL, '{');
    gf_json_str(&j, "time", when);
    gf_json_str(&j, "farm", p->name);
    gf_json_str(&j, "day_set", plan->phase.dayset ? plan->phase.dayset->name : NULL);
    gf_json_str(&j, "phase", gf_phase_name(plan->phase.phase));
    gf_json_bool(&j, "holiday", plan->phase.holiday != NULL);
    gf_json_int(&j, "threshold", plan->phase.params ? plan->phase.params->threshold : 0);
    gf_json_int(&j, "in_service", plan->in_service);
    gf_json_int(&j, "standby", plan->standby);
    gf_json_int(&j, "draining", plan->draining);
    gf_json_int(&j, "sessions", plan->sessions);
    gf_json_int(&j, "capacity", plan->capacity);
    gf_json_int(&j, "usage_pct", plan->usage_pct);
    gf_json_str(&j, "mode", mode_name(mode));
    gf_json_str(&j, "blind", blind && *blind ? blind : NULL);
    if (plan->rollout.phase != GF_RO_NONE) {
        char rollout[400];
        gf_rollout_describe(&plan->rollout, rollout, sizeof(rollout));
        gf_json_str(&j, "rollout", rollout);
    }
    gf_json_open(&j, "actions", '[');
    for (int i = 0; i < plan->nactions; i++) {
        const struct gf_action *a = &plan->actions[i];
        const char *result = a->kind == GF_ACT_NOTE               ? "note"
                             : mode != GF_DECIDED_ACTED           ? "planned"
                             : outcome && outcome->result[i] == 0 ? "done"
                                                                  : "failed";
        char line[512];
        gf_action_line(p, a, line, sizeof(line));
        gf_json_open(&j, NULL, '{');
        gf_json_str(&j, "action", gf_action_name(a->kind));
        gf_json_str(&j, "host", a->host[0] ? a->host : NULL);
        gf_json_str(&j, "hypervisor",
                    a->hv >= 0 && a->hv < p->nhypervisors ? p->hypervisors[a->hv].uri : NULL);
        gf_json_str(&j, "rule", a->rule);
        gf_json_str(&j, "line", line);
        gf_json_str(&j, "outcome", result);
        if (outcome && mode == GF_DECIDED_ACTED && outcome->result[i] != 0 &&
            a->kind != GF_ACT_NOTE)
            gf_json_str(&j, "error", outcome->error[i]);
        gf_json_close(&j, '}');
    }
    gf_json_close(&j, ']');
    gf_json_close(&j, '}');
    if (fflush(out) != 0) {
        gf_err(GF_ERR_OP, "writing the decision log: %s", strerror(errno));
        return -1;
    }
    return 0;
}
