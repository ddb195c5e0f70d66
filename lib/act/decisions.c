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
    if (gf_policy_uses_usage(p))
        gf_decision_signals(&j, p, plan);
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
        gf_decision_resize_fields(&j, a);
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

void gf_decision_resize_fields(struct gf_json *j, const struct gf_action *a)
{
    if (a->kind != GF_ACT_RESIZE)
        return;
    if (a->vcpus)
        gf_json_int(j, "vcpus", a->vcpus);
    if (a->memory_kib)
        gf_json_int(j, "memory_kib", (long long)a->memory_kib);
    gf_json_bool(j, "at_next_boot", a->resize_at == GF_RESIZE_NEXT_BOOT);
}

/* Member KEY: a percentage, or null when unknown (PCT < 0). */
static void pct_or_null(struct gf_json *j, const char *key, double pct)
{
    if (pct < 0)
        gf_json_str(j, key, NULL);
    else
        gf_json_real(j, key, pct, 1);
}

void gf_decision_signals(struct gf_json *j, const struct gf_policy *p, const struct gf_plan *plan)
{
    static const char *const keys[GF_NSIGNALS] = {"sessions", "cpu", "memory"};

    gf_json_open(j, "signals", '{');
    for (int s = 0; s < GF_NSIGNALS; s++) {
        gf_json_open(j, keys[s], '{');
        pct_or_null(j, "use_pct", plan->signal_raw_pct[s]);
        gf_json_int(j, "weight", p->weight[s]);
        pct_or_null(j, "weighted_pct", plan->signal_pct[s]);
        gf_json_int(j, "unknown_hosts", plan->signal_unknown[s]);
        gf_json_close(j, '}');
    }
    gf_json_close(j, '}');
    gf_json_str(j, "decided_by", keys[plan->decided]);
}

void gf_decision_host_use(struct gf_json *j, const struct gf_host_obs *h)
{
    gf_json_int(j, "vcpus", h->vcpus);
    gf_json_int(j, "memory_kib", (long long)h->memory_kib);
    pct_or_null(j, "cpu_pct", h->cpu_pct);
    pct_or_null(j, "memory_available_pct", h->mem_avail_pct);
}
