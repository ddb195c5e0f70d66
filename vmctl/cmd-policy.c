/* cmd-policy.c - policy check and plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "model/hosts.h"
#include "base/json.h"
#include "observe/observe.h"
#include "plan/plan.h"
#include "policy/policy.h"
#include "policy/schedule.h"
#include "plan/rollout.h"
#include "act/decisions.h"
#include "reconcile/tick.h"
#include "vmctl.h"

/* vmctl policy check FILE...: "FILE: ok" or every error of each file. */
static int cmd_policy_check(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    int bad = 0;

    for (int i = 0; i < args->npos; i++) {
        char *errors = NULL;
        struct gf_policy *p = gf_policy_load(args->pos[i], &errors);
        if (p)
            fprintf(ctx->out, "%s: ok\n", args->pos[i]);
        else {
            fputs(errors ? errors : "out of memory\n", ctx->out);
            bad++;
        }
        free(errors);
        gf_policy_free(p);
    }
    if (bad) {
        gf_err(GF_ERR_INPUT, "%d of %d policy file%s ha%s errors", bad, args->npos,
               args->npos == 1 ? "" : "s", bad == 1 ? "s" : "ve");
        return -1;
    }
    return 0;
}

/* Load the policy FILE, printing its errors to OUT.  NULL with an error. */
static struct gf_policy *load_policy(struct vmctl_ctx *ctx, const char *file)
{
    char *errors = NULL;
    struct gf_policy *p = gf_policy_load(file, &errors);

    if (!p) {
        fputs(errors ? errors : "", ctx->out);
        gf_err(GF_ERR_INPUT, "policy %s has errors", file);
    }
    free(errors);
    return p;
}

/* Connections to P's hypervisors into CONNS; with -c, that URI replaces
 * the single hypervisor of the policy.  An unreachable one is NULL and
 * noted.  Returns 0 or -1 with an error. */
static int connect_all(struct vmctl_ctx *ctx, struct gf_policy *p, virConnectPtr *conns)
{
    if (ctx->uri || ctx->conn) {
        if (p->nhypervisors != 1) {
            gf_err(GF_ERR_INPUT, "-c replaces a policy's hypervisor, but %s has %d", p->file,
                   p->nhypervisors);
            return -1;
        }
        if (!(conns[0] = vmctl_conn(ctx)))
            return -1;
        if (ctx->uri) {
            snprintf(p->hypervisors[0].uri, sizeof(p->hypervisors[0].uri), "%s", ctx->uri);
        } else {
            char *uri = virConnectGetURI(ctx->conn);
            if (uri)
                snprintf(p->hypervisors[0].uri, sizeof(p->hypervisors[0].uri), "%s", uri);
            free(uri);
        }
        return 0;
    }
    for (int i = 0; i < p->nhypervisors; i++) {
        if (!(conns[i] = gf_connect(p->hypervisors[i].uri)))
            fprintf(ctx->out, "# %s is unreachable (%s): nothing is planned on it\n",
                    p->hypervisors[i].uri, gf_err_message());
    }
    return 0;
}

/* Print PLAN of FARM as JSON: with its hosts' size and use when P's rules
 * go by them. */
static void print_plan_json(struct vmctl_ctx *ctx, const struct gf_policy *p,
                            const struct gf_farm_obs *farm, const struct gf_plan *plan,
                            const struct gf_local *now)
{
    struct gf_json j;
    char when[64];

    snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d", now->year, now->month, now->day,
             now->minute / 60, now->minute % 60);
    gf_json_init(&j, ctx->out);
    gf_json_open(&j, NULL, '{');
    gf_json_str(&j, "farm", p->name);
    gf_json_str(&j, "at", when);
    gf_json_str(&j, "timezone", p->timezone);
    gf_json_str(&j, "day_set", plan->phase.dayset->name);
    gf_json_str(&j, "phase", gf_phase_name(plan->phase.phase));
    gf_json_bool(&j, "holiday", plan->phase.holiday != NULL);
    gf_json_int(&j, "in_service", plan->in_service);
    gf_json_int(&j, "standby", plan->standby);
    if (plan->standby) { /* by kind, when there are any */
        gf_json_open(&j, "standby_by_kind", '{');
        for (int k = 0; k < GF_SB_NKINDS; k++)
            gf_json_int(&j, gf_standby_kind_name((enum gf_standby_kind)k),
                        plan->standby_by_kind[k]);
        gf_json_close(&j, '}');
    }
    gf_json_int(&j, "draining", plan->draining);
    gf_json_int(&j, "sessions", plan->sessions);
    gf_json_int(&j, "capacity", plan->capacity);
    gf_json_int(&j, "usage_pct", plan->usage_pct);
    if (gf_policy_uses_usage(p)) {
        gf_decision_signals(&j, p, plan);
        gf_json_open(&j, "hosts", '[');
        for (int i = 0; i < farm->nhosts; i++) {
            if (farm->hosts[i].run != GF_RUN_RUNNING)
                continue;
            gf_json_open(&j, NULL, '{');
            gf_json_str(&j, "name", farm->hosts[i].name);
            gf_decision_host_use(&j, &farm->hosts[i]);
            gf_json_close(&j, '}');
        }
        gf_json_close(&j, ']');
    }
    if (p->nhypervisors > 1) {
        gf_json_int(&j, "blind_hypervisors", plan->blind);
        gf_json_int(&j, "evacuating", plan->evacuating);
        gf_json_open(&j, "placements", '[');
    }
    for (int i = 0; i < plan->nplacements && i < GF_PLACE_MAX; i++) {
        const struct gf_placement *pl = &plan->placements[i];
        gf_json_open(&j, NULL, '{');
        gf_json_str(&j, "host", pl->host[0] ? pl->host : NULL);
        gf_json_str(&j, "chosen", pl->chosen >= 0 ? p->hypervisors[pl->chosen].uri : NULL);
        gf_json_open(&j, "nodes", '[');
        for (int h = 0; h < p->nhypervisors; h++) {
            gf_json_open(&j, NULL, '{');
            gf_json_str(&j, "uri", p->hypervisors[h].uri);
            gf_json_str(&j, "why", gf_place_why_name(pl->node[h].why));
            gf_json_int(&j, "hosts", pl->node[h].hosts);
            gf_json_int(&j, "free_mib", (long long)(pl->node[h].free_kib >> 10));
            gf_json_close(&j, '}');
        }
        gf_json_close(&j, ']');
        gf_json_close(&j, '}');
    }
    if (p->nhypervisors > 1)
        gf_json_close(&j, ']');
    gf_json_open(&j, "actions", '[');
    for (int i = 0; i < plan->nactions; i++) {
        const struct gf_action *a = &plan->actions[i];
        char line[512];
        gf_action_line(p, a, line, sizeof(line));
        gf_json_open(&j, NULL, '{');
        gf_json_str(&j, "action", gf_action_name(a->kind));
        gf_json_str(&j, "host", a->host[0] ? a->host : NULL);
        gf_json_str(&j, "hypervisor", a->hv >= 0 ? p->hypervisors[a->hv].uri : NULL);
        if (a->kind == GF_ACT_CLONE)
            gf_json_bool(&j, "standby", a->standby);
        if ((a->kind == GF_ACT_CLONE || a->kind == GF_ACT_START) && a->standby)
            gf_json_str(&j, "standby_kind", gf_standby_kind_name(a->standby_kind));
        gf_decision_resize_fields(&j, a);
        gf_json_str(&j, "rule", a->rule);
        gf_json_str(&j, "line", line);
        gf_json_close(&j, '}');
    }
    gf_json_close(&j, ']');
    gf_json_close(&j, '}');
}

/* The figure PCT (< 0: unknown) as "93%" or "unknown" into BUF. */
static const char *pct_text(int pct, char *buf, size_t len)
{
    if (pct < 0)
        snprintf(buf, len, "unknown");
    else
        snprintf(buf, len, "%d%%", pct);
    return buf;
}

/* The plan's CPU and memory lines, for a policy whose rules go by them:
 * the farm's figures (with the weights and the signal that decides), then
 * each running host's size and use. */
static void print_use(struct vmctl_ctx *ctx, const struct gf_policy *p,
                      const struct gf_farm_obs *farm, const struct gf_plan *plan)
{
    char cpu[16], mem[16];

    fprintf(ctx->out,
            "# load: sessions %d%% x %d%%, CPU %s x %d%% (unknown on %d), memory used %s x %d%% "
            "(unknown on %d): %s decides\n",
            plan->signal_raw_pct[GF_SIG_SESSIONS], p->weight[GF_SIG_SESSIONS],
            pct_text(plan->signal_raw_pct[GF_SIG_CPU], cpu, sizeof(cpu)), p->weight[GF_SIG_CPU],
            plan->signal_unknown[GF_SIG_CPU],
            pct_text(plan->signal_raw_pct[GF_SIG_MEMORY], mem, sizeof(mem)),
            p->weight[GF_SIG_MEMORY], plan->signal_unknown[GF_SIG_MEMORY],
            gf_signal_name(plan->decided));
    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        if (h->run != GF_RUN_RUNNING)
            continue;
        fprintf(
            ctx->out, "# %s: %d vCPUs, %lluM; CPU %s, memory available %s\n", h->name, h->vcpus,
            h->memory_kib >> 10,
            pct_text(h->cpu_pct < 0 ? -1 : (int)(h->cpu_pct + 0.5), cpu, sizeof(cpu)),
            pct_text(h->mem_avail_pct < 0 ? -1 : (int)(h->mem_avail_pct + 0.5), mem, sizeof(mem)));
    }
}

/* Why each placement of PLAN chose its node or none, one line per node
 * considered (farms on more than one node). */
static void print_placements(struct vmctl_ctx *ctx, const struct gf_policy *p,
                             const struct gf_plan *plan)
{
    for (int i = 0; i < plan->nplacements && i < GF_PLACE_MAX; i++) {
        const struct gf_placement *pl = &plan->placements[i];
        if (pl->host[0])
            fprintf(ctx->out, "# placement of %s: %s\n", pl->host, p->hypervisors[pl->chosen].uri);
        else
            fprintf(ctx->out, "# placement: no node has room\n");
        for (int h = 0; h < p->nhypervisors; h++) {
            char line[512];
            gf_place_line(p, pl, h, line, sizeof(line));
            fprintf(ctx->out, "#   %s\n", line);
        }
    }
    if (plan->nplacements > GF_PLACE_MAX)
        fprintf(ctx->out, "# (%d more placements not shown)\n", plan->nplacements - GF_PLACE_MAX);
}

/* The state directory goldfarmd keeps for ARGS's farms when vmctl may
 * read it; NULL (and a note on OUT) when not. */
static const char *readable_state_dir(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *dir = vmctl_state_dir(args);

    if (access(dir, R_OK | X_OK) == 0)
        return dir;
    if (vmctl_opt(args, "state-dir") || errno != ENOENT)
        fprintf(ctx->out,
                "# goldfarmd's state directory %s cannot be read (%s): planned without the "
                "farm's memory (health timers, backoff, roll-out, breaker)\n",
                dir, strerror(errno));
    return NULL;
}

/* vmctl plan --policy FILE [--at TIME] [--json]: goldfarmd's own tick at
 * that moment, from the farm's memory in its state directory, without
 * carrying anything out. */
static int cmd_plan(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    virConnectPtr conns[GF_MAX_HYPERVISORS] = {0};
    const char *at = vmctl_opt(args, "at");
    struct gf_farm_mem mem = {0};
    struct gf_admin *admin = NULL;
    struct gf_tick *tick = NULL;
    struct gf_tick_env env = {0};
    struct gf_policy *p;
    time_t t = time(NULL);
    int ret = -1;

    if (!vmctl_opt(args, "policy")) {
        gf_err(GF_ERR_INPUT, "plan: --policy FILE is required");
        return -1;
    }
    if (!(p = load_policy(ctx, vmctl_opt(args, "policy"))))
        return -1;
    if ((at && gf_local_parse(p->timezone, at, t, &t) < 0) || connect_all(ctx, p, conns) < 0)
        goto cleanup;
    env.p = p;
    env.conns = conns;
    env.mem = &mem;
    if ((env.state_dir = readable_state_dir(ctx, args)) &&
        gf_mem_load(env.state_dir, p->name, &mem) < 0)
        fprintf(ctx->out, "# %s: planned without the farm's memory\n", gf_err_message());
    if (!(tick = malloc(sizeof(*tick))) || !(admin = malloc(sizeof(*admin)))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    /* what admins asked the daemon and it has not done yet: planned as it will */
    if (env.state_dir && gf_admin_load(env.state_dir, p->name, admin) < 0)
        fprintf(ctx->out, "# %s: planned without the requests waiting\n", gf_err_message());
    else if (env.state_dir)
        env.admin = admin;
    if (gf_tick_run(&env, t, tick) < 0)
        goto cleanup;
    if (!tick->planned) {
        fprintf(ctx->out, "# farm %s is blind: %s unreachable: goldfarmd plans nothing for it\n",
                p->name, tick->why);
        ret = 0;
        goto cleanup;
    }
    if (vmctl_flag(args, "json")) {
        print_plan_json(ctx, p, &tick->farm, &tick->plan, &tick->local);
    } else {
        const struct gf_local *now = &tick->local;
        const struct gf_plan *plan = &tick->plan;
        fprintf(ctx->out,
                "# farm %s at %04d-%02d-%02d %02d:%02d %s: %s, %s; %d in service, %d "
                "standby, %d draining; %d sessions = %d%%\n",
                p->name, now->year, now->month, now->day, now->minute / 60, now->minute % 60,
                p->timezone, plan->phase.dayset->name, gf_phase_name(plan->phase.phase),
                plan->in_service, plan->standby, plan->draining, plan->sessions, plan->usage_pct);
        if (plan->standby_by_kind[GF_SB_SAVED] || plan->standby_by_kind[GF_SB_RUNNING])
            fprintf(ctx->out,
                    "# standby: %d off, %d saved (%d restore at once), %d running (%d "
                    "answering)\n",
                    plan->standby_by_kind[GF_SB_OFF], plan->standby_by_kind[GF_SB_SAVED],
                    plan->standby_ready[GF_SB_SAVED], plan->standby_by_kind[GF_SB_RUNNING],
                    plan->standby_ready[GF_SB_RUNNING]);
        if (gf_policy_uses_usage(p))
            print_use(ctx, p, &tick->farm, plan);
        for (int i = 0; i < plan->nactions; i++) {
            char line[512];
            gf_action_line(p, &plan->actions[i], line, sizeof(line));
            fprintf(ctx->out, "%s\n", line);
        }
        if (plan->nactions == 0)
            fprintf(ctx->out, "nothing to do\n");
        print_placements(ctx, p, plan);
    }
    ret = 0;
cleanup:
    if (tick)
        gf_tick_clear(tick);
    free(tick);
    free(admin);
    gf_mem_clear(&mem);
    for (int i = 0; i < p->nhypervisors; i++)
        if (conns[i] && conns[i] != ctx->conn)
            virConnectClose(conns[i]);
    gf_policy_free(p);
    return ret;
}

static const struct vmctl_opt plan_opts[] = {
    {"policy", VMCTL_OPT_STRING, "FILE", "the farm's policy file"},
    {"at", VMCTL_OPT_STRING, "TIME", "plan as at HH:MM today or YYYY-MM-DDTHH:MM (policy's zone)"},
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {"state-dir", VMCTL_OPT_STRING, "DIR",
     "goldfarmd's state directory, for a roll-out under way (" VMCTL_STATE_DIR ")"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_policy_cmds[] = {
    {"policy check", cmd_policy_check, NULL, "FILE...", 1, -1,
     "validate policy files, every error as FILE:LINE: key: what is wrong",
     "  Prints FILE: ok for each good file; exits 2 if any file has errors."},
    {"plan", cmd_plan, plan_opts, "--policy FILE", 0, 0,
     "what the daemon would do now, and why; changes nothing",
     "  Runs goldfarmd's own tick for the farm at that moment (the same\n"
     "  observation, health assessment and plan, from the farm's memory in\n"
     "  goldfarmd's state directory) without carrying anything out, and\n"
     "  prints one line per action with the rule and the numbers behind it.\n"
     "  With -c, that URI stands for the policy's single hypervisor."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
