/* cmd-simulate.c - vmctl simulate (replay a trace through the daemon's code)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "simulate/plot.h"
#include "policy/policy.h"
#include "simulate/simulate.h"
#include "base/json.h"
#include "base/timefmt.h"
#include "observe/trace.h"
#include "vmctl.h"

#define MAX_POLICIES 8

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* A duration "90", "90s", "2m", "1h" into seconds.  0 or -1. */
static int parse_seconds(const char *text, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);

    if (end == text || v < 0 || v > 86400)
        return -1;
    if (*end == 'm')
        v *= 60, end++;
    else if (*end == 'h')
        v *= 3600, end++;
    else if (*end == 's')
        end++;
    if (*end || v > 86400)
        return -1;
    *out = (int)v;
    return 0;
}

/* The test-driver URI to simulate on, into BUF.  0 or -1 with an error. */
static int farm_uri(struct vmctl_ctx *ctx, const struct vmctl_args *args, const struct gf_policy *p,
                    char *buf, size_t len)
{
    const char *xml = vmctl_opt(args, "farm-xml");

    if (xml) {
        char abs[PATH_MAX];
        if (!realpath(xml, abs)) {
            gf_err(GF_ERR_INPUT, "simulate: --farm-xml %s: %s", xml, strerror(errno));
            return -1;
        }
        snprintf(buf, len, "test://%s", abs);
        return 0;
    }
    if (ctx->uri) {
        if (strncmp(ctx->uri, "test:///", 8) != 0) {
            gf_err(GF_ERR_INPUT,
                   "simulate: -c %s is not libvirt's test driver: a simulation never touches a "
                   "real hypervisor (give --farm-xml FILE or -c test:///PATH)",
                   ctx->uri);
            return -1;
        }
        snprintf(buf, len, "%s", ctx->uri);
        return 0;
    }
    for (int i = 0; i < p->nhypervisors; i++) {
        if (strncmp(p->hypervisors[i].uri, "test:///", 8) != 0) {
            gf_err(GF_ERR_INPUT,
                   "simulate: %s's hypervisor %s is not libvirt's test driver: give --farm-xml "
                   "FILE (e.g. templates/demo-farm.xml) or -c test:///PATH",
                   p->file, p->hypervisors[i].uri);
            return -1;
        }
    }
    snprintf(buf, len, "%s", p->hypervisors[0].uri);
    return 0;
}

/* The local time of T in ZONE as "2026-03-02 08:00", into BUF. */
static void local_stamp(const char *zone, time_t t, char *buf, size_t len)
{
    struct gf_local l;

    if (gf_local_time(zone, t, &l) < 0) {
        gf_time_iso(t, buf);
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.minute / 60,
             l.minute % 60);
}

/* Whether any of the N results RES took or saved a saved or running
 * standby (their rows are shown then only: other summaries stay as they were). */
static int standby_kinds(const struct gf_sim_result *res, int n)
{
    for (int k = 0; k < n; k++)
        if (res[k].saves || res[k].standby_starts[GF_SB_SAVED] ||
            res[k].standby_starts[GF_SB_RUNNING])
            return 1;
    return 0;
}

/* The summary rows, side by side: one column per result. */
static void print_summary(FILE *out, const struct gf_sim_result *res, int n)
{
    int width = 12;
    char cell[64];

    for (int k = 0; k < n; k++)
        if ((int)strlen(base_name(res[k].policy)) + 2 > width)
            width = (int)strlen(base_name(res[k].policy)) + 2;
#define ROW(label, fmt, ...)                                                                       \
    do {                                                                                           \
        fprintf(out, "%-36s", label);                                                              \
        for (int k = 0; k < n; k++) {                                                              \
            const struct gf_sim_result *r = &res[k];                                               \
            snprintf(cell, sizeof(cell), fmt, __VA_ARGS__);                                        \
            fprintf(out, "%*s", width, cell);                                                      \
        }                                                                                          \
        fputc('\n', out);                                                                          \
    } while (0)
    ROW("summary", "%s", base_name(r->policy));
    ROW("steps", "%d x %ds", r->steps, r->step);
    ROW("host-hours", "%.2f", (double)r->host_seconds / 3600.0);
    ROW("peak hosts running", "%d", r->peak_hosts);
    ROW("peak hosts in service", "%d", r->peak_in_service);
    ROW("peak sessions (trace)", "%d", r->peak_sessions);
    ROW("minutes over capacity", "%.1f", (double)r->over_seconds / 60.0);
    ROW("user-minutes refused", "%.1f", (double)r->refused_user_seconds / 60.0);
    ROW("forced logoffs (users)", "%lld", r->forced_logoffs);
    ROW("flaps", "%d", r->flaps);
    ROW("clones made", "%d", r->clones);
    ROW("standby clones made", "%d", r->standby_clones);
    ROW("starts", "%d", r->starts);
    if (standby_kinds(res, n)) {
        ROW("  of saved standbys (restored)", "%d", r->standby_starts[GF_SB_SAVED]);
        ROW("  of running standbys (joined)", "%d", r->standby_starts[GF_SB_RUNNING]);
        ROW("  of shut-off standbys (booted)", "%d", r->standby_starts[GF_SB_OFF]);
        ROW("mean start to serving (s)", "%.1f",
            r->starts ? (double)r->start_wait_seconds / r->starts : 0.0);
        ROW("saved standbys saved", "%d", r->saves);
    }
    ROW("drains", "%d", r->drains);
    ROW("undrains", "%d", r->undrains);
    ROW("logoffs (drain wait up)", "%d", r->logoffs);
    ROW("retirements", "%d", r->retirements);
    ROW("resizes", "%d", r->resizes);
    ROW("vCPUs added (live)", "%d", r->vcpus_added);
    ROW("memory added (live)", "%lldM", r->memory_added_kib >> 10);
    ROW("shrinks (at next boot)", "%d", r->shrinks);
    ROW("host-minutes short of CPU", "%.1f", (double)r->cpu_short_host_seconds / 60.0);
    ROW("host-minutes short of memory", "%.1f", (double)r->memory_short_host_seconds / 60.0);
    ROW("crashes (from the trace)", "%d", r->crashes);
    ROW("users disconnected by crashes", "%lld", r->crash_disconnects);
    ROW("replacements", "%d", r->replacements);
    ROW("breaker openings", "%d", r->breaker_openings);
    ROW("roll-out decisions", "%d", r->rollout_steps);
    ROW("failed actions", "%d", r->failed);
#undef ROW
}

static void print_json(FILE *out, const char *trace, const char *uri, int boot, int leave,
                       const struct gf_sim_result *res, int n)
{
    char from[GF_TIME_LEN], to[GF_TIME_LEN];
    struct gf_json j;

    gf_time_iso(res[0].from, from);
    gf_time_iso(res[0].to, to);
    gf_json_init(&j, out);
    gf_json_open(&j, NULL, '{');
    gf_json_str(&j, "trace", trace);
    gf_json_str(&j, "farm_uri", uri);
    gf_json_str(&j, "from", from);
    gf_json_str(&j, "to", to);
    gf_json_int(&j, "boot_time", boot);
    gf_json_int(&j, "leave_pct_per_minute", leave);
    gf_json_open(&j, "policies", '[');
    for (int k = 0; k < n; k++) {
        const struct gf_sim_result *r = &res[k];
        gf_json_open(&j, NULL, '{');
        gf_json_str(&j, "policy", r->policy);
        gf_json_str(&j, "farm", r->farm);
        gf_json_int(&j, "step", r->step);
        gf_json_int(&j, "steps", r->steps);
        gf_json_real(&j, "host_hours", (double)r->host_seconds / 3600.0, 2);
        gf_json_int(&j, "peak_hosts", r->peak_hosts);
        gf_json_int(&j, "peak_in_service", r->peak_in_service);
        gf_json_int(&j, "peak_sessions", r->peak_sessions);
        gf_json_real(&j, "minutes_over_capacity", (double)r->over_seconds / 60.0, 1);
        gf_json_real(&j, "user_minutes_refused", (double)r->refused_user_seconds / 60.0, 1);
        gf_json_int(&j, "forced_logoffs", r->forced_logoffs);
        gf_json_int(&j, "flaps", r->flaps);
        gf_json_int(&j, "clones", r->clones);
        gf_json_int(&j, "standby_clones", r->standby_clones);
        gf_json_int(&j, "starts", r->starts);
        if (standby_kinds(res, n)) {
            gf_json_int(&j, "saved_standby_starts", r->standby_starts[GF_SB_SAVED]);
            gf_json_int(&j, "running_standby_starts", r->standby_starts[GF_SB_RUNNING]);
            gf_json_int(&j, "off_standby_starts", r->standby_starts[GF_SB_OFF]);
            gf_json_real(&j, "mean_start_to_serving_s",
                         r->starts ? (double)r->start_wait_seconds / r->starts : 0.0, 1);
            gf_json_int(&j, "saves", r->saves);
        }
        gf_json_int(&j, "drains", r->drains);
        gf_json_int(&j, "undrains", r->undrains);
        gf_json_int(&j, "logoffs", r->logoffs);
        gf_json_int(&j, "retirements", r->retirements);
        gf_json_int(&j, "resizes", r->resizes);
        gf_json_int(&j, "vcpus_added", r->vcpus_added);
        gf_json_int(&j, "memory_added_kib", r->memory_added_kib);
        gf_json_int(&j, "shrinks", r->shrinks);
        gf_json_real(&j, "host_minutes_short_of_cpu", (double)r->cpu_short_host_seconds / 60.0, 1);
        gf_json_real(&j, "host_minutes_short_of_memory",
                     (double)r->memory_short_host_seconds / 60.0, 1);
        gf_json_int(&j, "crashes", r->crashes);
        gf_json_int(&j, "crash_disconnects", r->crash_disconnects);
        gf_json_int(&j, "replacements", r->replacements);
        gf_json_int(&j, "breaker_openings", r->breaker_openings);
        gf_json_int(&j, "rollout_decisions", r->rollout_steps);
        gf_json_int(&j, "failed", r->failed);
        gf_json_int(&j, "evaluations_with_actions", r->evaluations);
        gf_json_close(&j, '}');
    }
    gf_json_close(&j, ']');
    gf_json_close(&j, '}');
}

/* vmctl simulate --policy FILE [FILE...] --trace FILE [...] */
static int cmd_simulate(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *files[MAX_POLICIES], *trace_file = vmctl_opt(args, "trace");
    const char *plot = vmctl_opt(args, "plot"), *log_file = vmctl_opt(args, "log");
    struct gf_policy *pol[MAX_POLICIES] = {0};
    struct gf_sim_result res[MAX_POLICIES];
    struct gf_sim_opts o = {.boot_time = 60, .leave_pct = 10};
    struct gf_trace tr = {0};
    int nfiles = 0, nres = 0, width = 1200, height = 600, json = vmctl_flag(args, "json");
    int ret = -1;
    char uri[PATH_MAX + 16];
    FILE *log = NULL;

    memset(res, 0, sizeof(res));
    if (!vmctl_opt(args, "policy")) {
        gf_err(GF_ERR_INPUT, "simulate: --policy FILE is required");
        return -1;
    }
    if (!trace_file) {
        gf_err(GF_ERR_INPUT, "simulate: --trace FILE is required");
        return -1;
    }
    files[nfiles++] = vmctl_opt(args, "policy");
    for (int i = 0; i < args->npos; i++) {
        if (nfiles == MAX_POLICIES) {
            gf_err(GF_ERR_INPUT, "simulate: at most %d policies side by side", MAX_POLICIES);
            return -1;
        }
        files[nfiles++] = args->pos[i];
    }
    if (vmctl_opt(args, "boot-time") &&
        parse_seconds(vmctl_opt(args, "boot-time"), &o.boot_time) < 0) {
        gf_err(GF_ERR_INPUT, "simulate: --boot-time '%s': expected seconds (90, 90s, 2m)",
               vmctl_opt(args, "boot-time"));
        return -1;
    }
    if (vmctl_opt(args, "restore-time") &&
        (parse_seconds(vmctl_opt(args, "restore-time"), &o.restore_time) < 0 ||
         o.restore_time < 1)) {
        gf_err(GF_ERR_INPUT, "simulate: --restore-time '%s': expected seconds (12, 12s, 1m)",
               vmctl_opt(args, "restore-time"));
        return -1;
    }
    if (vmctl_opt(args, "leave-rate")) {
        char *end;
        long v = strtol(vmctl_opt(args, "leave-rate"), &end, 10);
        if (end == vmctl_opt(args, "leave-rate") || (*end && strcmp(end, "%") != 0) || v < 1 ||
            v > 100) {
            gf_err(GF_ERR_INPUT, "simulate: --leave-rate '%s': expected a percentage 1-100",
                   vmctl_opt(args, "leave-rate"));
            return -1;
        }
        o.leave_pct = (int)v;
    }
    if (vmctl_opt(args, "size") && gf_plot_size(vmctl_opt(args, "size"), &width, &height) < 0)
        return -1;
    if (plot) {
        size_t len = strlen(plot);
        if (len < 5 ||
            (strcmp(plot + len - 4, ".png") != 0 && strcmp(plot + len - 4, ".svg") != 0)) {
            gf_err(GF_ERR_INPUT, "simulate: --plot %s: the file must end in .png or .svg", plot);
            return -1;
        }
    }
    for (int k = 0; k < nfiles; k++) {
        char *errors = NULL;
        if (!(pol[k] = gf_policy_load(files[k], &errors))) {
            fputs(errors ? errors : "", stderr);
            free(errors);
            gf_err(GF_ERR_INPUT, "policy %s has errors", files[k]);
            goto cleanup;
        }
        free(errors);
    }
    if (farm_uri(ctx, args, pol[0], uri, sizeof(uri)) < 0)
        goto cleanup;
    if (gf_trace_load(trace_file, pol[0]->timezone, &tr) < 0)
        goto cleanup;
    if ((vmctl_opt(args, "from") &&
         gf_trace_time(vmctl_opt(args, "from"), pol[0]->timezone, &o.from) < 0) ||
        (vmctl_opt(args, "to") &&
         gf_trace_time(vmctl_opt(args, "to"), pol[0]->timezone, &o.to) < 0)) {
        gf_err(GF_ERR_INPUT, "simulate: --from/--to: expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
        goto cleanup;
    }
    if (log_file && !(log = fopen(log_file, "ae"))) {
        gf_err(GF_ERR_INPUT, "simulate: --log %s: %s", log_file, strerror(errno));
        goto cleanup;
    }
    o.farm_uri = uri;
    o.keep_series = plot != NULL;
    o.lines = json ? NULL : ctx->out;
    o.log = log;
    for (int k = 0; k < nfiles; k++) {
        struct gf_trace own = {0};
        const struct gf_trace *use = &tr;
        char from[40], to[40];
        /* the trace's local times are in each policy's own zone */
        if (k && strcmp(pol[k]->timezone, pol[0]->timezone) != 0) {
            if (gf_trace_load(trace_file, pol[k]->timezone, &own) < 0)
                goto cleanup;
            use = &own;
        }
        if (!json) {
            local_stamp(pol[k]->timezone, o.from ? o.from : use->rows[0].t, from, sizeof(from));
            local_stamp(pol[k]->timezone,
                        o.to ? o.to : use->rows[use->nrows - 1].t + use->resolution, to,
                        sizeof(to));
            fprintf(ctx->out,
                    "%s# policy %s (farm %s) on %s\n# trace %s: %d samples every %ds or more, "
                    "%s to %s %s; boot %ds, draining users leave %d%%/min\n",
                    k ? "\n" : "", pol[k]->file, pol[k]->name, uri, trace_file, use->nrows,
                    use->resolution, from, to, pol[k]->timezone, o.boot_time, o.leave_pct);
        }
        if (gf_simulate(pol[k], use, &o, &res[k]) < 0) {
            gf_trace_free(&own);
            nres = k + 1;
            goto cleanup;
        }
        nres = k + 1;
        gf_trace_free(&own);
    }
    if (json)
        print_json(ctx->out, trace_file, uri, o.boot_time, o.leave_pct, res, nres);
    else {
        fputc('\n', ctx->out);
        print_summary(ctx->out, res, nres);
    }
    if (plot) {
        char title[300];
        snprintf(title, sizeof(title), "farm %s: %s", pol[0]->name, base_name(trace_file));
        if (gf_plot_write(plot, width, height, title, res, nres) < 0)
            goto cleanup;
        if (!json)
            fprintf(ctx->out, "plot: %s (%dx%d)\n", plot, width, height);
    }
    ret = 0;
cleanup:
    if (log)
        fclose(log);
    for (int k = 0; k < nres; k++)
        gf_sim_result_free(&res[k]);
    for (int k = 0; k < nfiles; k++)
        gf_policy_free(pol[k]);
    gf_trace_free(&tr);
    return ret;
}

static const struct vmctl_opt simulate_opts[] = {
    {"policy", VMCTL_OPT_LIST, "FILE", "the policy to simulate; repeat to compare policies"},
    {"trace", VMCTL_OPT_STRING, "FILE", "the recorded load, CSV (traces/README.md)"},
    {"from", VMCTL_OPT_STRING, "TIME", "start at YYYY-MM-DDTHH:MM (policy's zone; Z: UTC)"},
    {"to", VMCTL_OPT_STRING, "TIME", "stop at that time (default: the trace's end)"},
    {"plot", VMCTL_OPT_STRING, "FILE", "draw sessions, capacity and hosts to FILE.png/.svg"},
    {"size", VMCTL_OPT_STRING, "WxH", "the plot's size in pixels (1200x600)"},
    {"json", VMCTL_OPT_BOOL, NULL, "print the summary as one JSON object"},
    {"farm-xml", VMCTL_OPT_STRING, "FILE", "the test-driver farm to simulate on"},
    {"boot-time", VMCTL_OPT_STRING, "SECONDS", "from start to serving users (60s)"},
    {"restore-time", VMCTL_OPT_STRING, "SECONDS",
     "a saved standby's, from start to serving (boot-time / 5)"},
    {"leave-rate", VMCTL_OPT_STRING, "PCT", "users leaving a draining host a minute (10%)"},
    {"log", VMCTL_OPT_STRING, "FILE", "append the decision records (JSON lines) to FILE"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_simulate_cmds[] = {
    {"simulate", cmd_simulate, simulate_opts, "--policy FILE [FILE...] --trace FILE", 0, -1,
     "replay a recorded load through the daemon's code, with figures and a plot",
     "  Opens its own libvirt test-driver connection on the farm (--farm-xml,\n"
     "  -c test:///PATH, or the policy's test:/// hypervisor), marks the gold\n"
     "  image if needed, and steps a simulated clock through the trace (at the\n"
     "  trace's resolution or the policy's tick, whichever is finer): observe,\n"
     "  plan, act, exactly as goldfarmd does, so clones, starts, drains and\n"
     "  retirements happen in libvirt's model.  Prints each decision with its\n"
     "  simulated time, then a summary.  Several policy files (--policy A B)\n"
     "  run each on a fresh connection over the same trace, side by side.\n"
     "  Nothing outside the simulated farm is touched: hooks do not run."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
