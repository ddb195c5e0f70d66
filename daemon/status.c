/* status.c - the status files and the Prometheus textfile.
 *
 * The textfile follows the Prometheus text exposition format (every label
 * value escaped), for node_exporter's textfile collector; the alert rules
 * in packaging/prometheus/goldfarm.rules.yml read it. */
#include "status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/decisions.h"
#include "act/push_job.h"
#include "base/json.h"
#include "base/error.h"
#include "base/file.h"
#include "base/log.h"
#include "base/timefmt.h"

/* Open PATH.tmp for writing; its name goes to TMP. */
static FILE *open_tmp(const char *path, char *tmp, size_t len)
{
    FILE *f;

    snprintf(tmp, len, "%s.tmp", path);
    unlink(tmp);
    if (!(f = gf_file_open_write(tmp, 0, 0640)))
        gf_error("%s", gf_err_message());
    return f;
}

/* Close F and rename TMP over PATH. */
static void commit_tmp(FILE *f, const char *tmp, const char *path)
{
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        gf_note("cannot write %s: %s", path, strerror(errno));
}

static const char *run_name(enum gf_host_run r)
{
    return r == GF_RUN_RUNNING ? "running" : r == GF_RUN_OFF ? "shut off" : "other";
}

/* How many of FARM's hosts (quarantined ones aside) are on R's target
 * version (*ON), and how many there are (*ALL). */
static void rollout_counts(const struct gf_rollout *r, const struct gf_farm_obs *farm, int *on,
                           int *all)
{
    *on = *all = 0;
    for (int i = 0; i < farm->nhosts; i++) {
        if (farm->hosts[i].state == GF_HS_QUARANTINED)
            continue;
        (*all)++;
        *on += r->phase != GF_RO_NONE && farm->hosts[i].image_version == gf_rollout_target(r);
    }
}

/* The farm's roll-out as member "rollout" of J (null when there is none):
 * its versions, phase and reason, and how many hosts are on its target. */
static void write_rollout(struct gf_json *j, const struct gfd_farm *f,
                          const struct gf_farm_obs *farm)
{
    const struct gf_rollout *r = &f->rollout;
    char started[GF_TIME_LEN];
    int on, all;

    if (r->phase == GF_RO_NONE) {
        gf_json_str(j, "rollout", NULL);
        return;
    }
    rollout_counts(r, farm, &on, &all);
    gf_time_iso(r->started, started);
    gf_json_open(j, "rollout", '{');
    gf_json_str(j, "image", r->image);
    gf_json_int(j, "from", r->from);
    gf_json_int(j, "to", r->to);
    gf_json_str(j, "phase", gf_rollout_phase_name(r->phase));
    gf_json_bool(j, "paused", r->paused);
    gf_json_int(j, "target", gf_rollout_target(r));
    gf_json_int(j, "on_target", on);
    gf_json_int(j, "hosts", all);
    gf_json_int(j, "batch", r->batch);
    gf_json_int(j, "min_in_service", r->min_hosts);
    gf_json_str(j, "started", started);
    gf_json_str(j, "reason", r->reason[0] ? r->reason : NULL);
    gf_json_close(j, '}');
}

/* Farm F's image pushes into J: "push", the one under way (its target,
 * version and bytes streamed so far; null: none), and "push_backoff", the
 * hypervisors whose last pushes failed (from its memory: F's thread). */
static void write_pushes(struct gf_json *j, struct gfd_farm *f)
{
    unsigned long long bytes = 0;
    unsigned int version = 0;
    char uri[256], until[32];

    if (f->pushes && gf_push_jobs_running(f->pushes, uri, sizeof(uri), &version, &bytes)) {
        gf_json_open(j, "push", '{');
        gf_json_str(j, "to", uri);
        gf_json_int(j, "version", version);
        gf_json_int(j, "bytes", (long long)bytes);
        gf_json_close(j, '}');
    } else {
        gf_json_str(j, "push", NULL);
    }
    gf_json_open(j, "push_backoff", '[');
    for (int i = 0; i < f->mem.npushes; i++) {
        const struct gf_push_mem *r = &f->mem.pushes[i];
        struct tm tm;
        if (!r->failures)
            continue;
        localtime_r(&r->retry_at, &tm);
        strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%S%z", &tm);
        gf_json_open(j, NULL, '{');
        gf_json_str(j, "to", r->uri);
        gf_json_int(j, "failures", r->failures);
        gf_json_str(j, "retry_at", until);
        gf_json_close(j, '}');
    }
    gf_json_close(j, ']');
}

void gfd_write_status(struct gfd *d, struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now,
                      int paused, const char *blind)
{
    char path[PATH_MAX + 80], tmp[PATH_MAX + 100], when[32];
    const struct gf_policy *p = f->policy;
    struct gf_json j;
    struct tm tm;
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s.status", d->state_dir, p->name);
    if (!(out = open_tmp(path, tmp, sizeof(tmp))))
        return;
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
    gf_json_init(&j, out);
    gf_json_open(&j, NULL, '{');
    gf_json_str(&j, "farm", p->name);
    gf_json_str(&j, "policy", f->file);
    gf_json_str(&j, "updated", when);
    gf_json_bool(&j, "paused", paused);
    gf_json_str(&j, "blind", blind[0] ? blind : NULL);
    gf_json_open(&j, "evacuated", '[');
    pthread_mutex_lock(&f->mu);
    for (int i = 0; i < f->admin.nevacuated; i++)
        gf_json_str(&j, NULL, f->admin.evacuated[i].uri);
    pthread_mutex_unlock(&f->mu);
    gf_json_close(&j, ']');
    if (f->planned)
        gf_json_int(&j, "evacuating", f->plan.evacuating);
    write_pushes(&j, f);
    {
        char why[256];
        int open = gf_breaker_read(d->state_dir, p->name, why, sizeof(why));
        gf_json_str(&j, "breaker", open ? why : NULL);
        if (f->planned)
            gf_json_int(&j, "failing", f->plan.failing);
    }
    if (f->planned) {
        gf_json_str(&j, "day_set", f->plan.phase.dayset->name);
        gf_json_str(&j, "phase", gf_phase_name(f->plan.phase.phase));
        gf_json_int(&j, "in_service", f->plan.in_service);
        gf_json_int(&j, "standby", f->plan.standby);
        gf_json_open(&j, "standby_by_kind", '{');
        for (int k = 0; k < GF_SB_NKINDS; k++) {
            gf_json_open(&j, gf_standby_kind_name((enum gf_standby_kind)k), '{');
            gf_json_int(&j, "hosts", f->plan.standby_by_kind[k]);
            gf_json_int(&j, "ready", f->plan.standby_ready[k]);
            gf_json_close(&j, '}');
        }
        gf_json_close(&j, '}');
        gf_json_int(&j, "draining", f->plan.draining);
        gf_json_int(&j, "sessions", f->plan.sessions);
        gf_json_int(&j, "usage_pct", f->plan.usage_pct);
    }
    write_rollout(&j, f, farm);
    gf_json_int(&j, "skipped_domains", farm->nskipped);
    gf_json_open(&j, "skipped", '[');
    for (int i = 0; i < farm->nskipped && i < GF_SKIPPED_MAX; i++) {
        gf_json_open(&j, NULL, '{');
        gf_json_str(&j, "name", farm->skipped[i].name);
        gf_json_str(&j, "hypervisor", p->hypervisors[farm->skipped[i].hv].uri);
        gf_json_str(&j, "why", farm->skipped[i].why);
        gf_json_close(&j, '}');
    }
    gf_json_close(&j, ']');
    gf_json_open(&j, "hosts", '[');
    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        gf_json_open(&j, NULL, '{');
        gf_json_str(&j, "name", h->name);
        gf_json_str(&j, "hypervisor", p->hypervisors[h->hv].uri);
        gf_json_str(&j, "state", gf_host_state_name(h->state));
        gf_json_str(&j, "run", run_name(h->run));
        if (h->state == GF_HS_STANDBY) {
            gf_json_str(&j, "standby_kind", gf_standby_kind_name(h->standby_kind));
            gf_json_bool(&j, "saved", h->saved); /* a managed save image: restores on start */
        }
        gf_json_int(&j, "sessions", h->sessions);
        if (h->run == GF_RUN_RUNNING && gf_policy_uses_usage(p))
            gf_decision_host_use(&j, h);
        gf_json_int(&j, "image_version", h->image_version);
        gf_json_str(&j, "health", h->health[0] ? h->health : NULL);
        gf_json_close(&j, '}');
    }
    gf_json_close(&j, ']');
    gf_json_open(&j, "last_decisions", '[');
    for (int i = 0; i < f->nlast; i++)
        gf_json_str(&j, NULL, f->last[i]);
    gf_json_close(&j, ']');
    gf_json_close(&j, '}');
    commit_tmp(out, tmp, path);
}

void gfd_metrics_note(struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now, int good)
{
    if (!f->first_tick)
        f->first_tick = now;
    if (!good)
        return; /* what was not seen keeps its last known figures */
    f->last_good_tick = now;
    f->quarantined = 0;
    for (int i = 0; i < farm->nhosts; i++)
        f->quarantined += farm->hosts[i].state == GF_HS_QUARANTINED;
    rollout_counts(&f->rollout, farm, &f->rollout_on_target, &f->rollout_hosts);
}

/* The "# HELP" and "# TYPE" lines of metric family NAME. */
static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: METRIC{NAME="VALUE",...} V, with the label pairs that follow
 * V (NULL-terminated) escaped as the text format asks: a backslash, a
 * double quote and a line feed as \\, \" and \n. */
static void sample(FILE *out, const char *metric, double v, ...)
{
    const char *name, *value;
    va_list ap;
    int n = 0;

    fputs(metric, out);
    va_start(ap, v);
    while ((name = va_arg(ap, const char *)) && (value = va_arg(ap, const char *))) {
        fprintf(out, "%s%s=\"", n++ ? "," : "{", name);
        for (const char *c = value; *c; c++) {
            if (*c == '\\' || *c == '"')
                fprintf(out, "\\%c", *c);
            else if (*c == '\n')
                fputs("\\n", out);
            else
                fputc(*c, out);
        }
        fputc('"', out);
    }
    va_end(ap);
    fprintf(out, "%s %.15g\n", n ? "}" : "", v);
}

/* V rounded to microunits: what a gauge of seconds or a ratio needs. */
static double micro(double v)
{
    return (double)(long long)(v * 1e6 + (v < 0 ? -0.5 : 0.5)) / 1e6;
}

/* The farm's minimum in service now, as gf_plan reckons it: the phase's
 * minimum, at least farm.min_hosts, at most farm.max_hosts. */
static int min_hosts_now(const struct gfd_farm *f)
{
    const struct gf_policy *p = f->policy;
    int min = gf_phase_min_hosts(p, f->plan.phase.params);

    if (min < p->min_hosts)
        min = p->min_hosts;
    return min > p->max_hosts ? p->max_hosts : min;
}

/* The farm series that need a plan (a farm not yet planned has none). */
static void write_planned(FILE *out, struct gfd *d)
{
    static const char *const states[] = {"in_service", "standby", "draining", "failing",
                                         "quarantined"};

    family(out, "goldfarm_hosts", "gauge",
           "Hosts of the farm by state (failing: past the grace, being replaced).");
    for (int i = 0; i < d->nfarms; i++) {
        const struct gfd_farm *f = d->farms[i];
        const int counts[] = {f->plan.in_service, f->plan.standby, f->plan.draining,
                              f->plan.failing, f->quarantined};
        for (size_t s = 0; f->planned && s < sizeof(states) / sizeof(states[0]); s++)
            sample(out, "goldfarm_hosts", counts[s], "farm", f->policy->name, "state", states[s],
                   NULL);
    }
    family(out, "goldfarm_min_hosts", "gauge",
           "The farm's minimum hosts in service in the phase in force.");
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i]->planned)
            sample(out, "goldfarm_min_hosts", min_hosts_now(d->farms[i]), "farm",
                   d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_phase", "gauge",
           "The schedule's phase in force: 1 for the current one, 0 for the others.");
    for (int i = 0; i < d->nfarms; i++)
        for (int ph = 0; d->farms[i]->planned && ph < GF_NPHASES; ph++)
            sample(out, "goldfarm_phase", d->farms[i]->plan.phase.phase == (enum gf_phase_id)ph,
                   "farm", d->farms[i]->policy->name, "phase", gf_phase_name((enum gf_phase_id)ph),
                   NULL);
    family(out, "goldfarm_sessions", "gauge", "Sessions on the hosts in service.");
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i]->planned)
            sample(out, "goldfarm_sessions", d->farms[i]->plan.sessions, "farm",
                   d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_usage_ratio", "gauge", "Sessions over the capacity in service.");
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i]->planned)
            sample(out, "goldfarm_usage_ratio",
                   d->farms[i]->plan.capacity
                       ? micro((double)d->farms[i]->plan.sessions / d->farms[i]->plan.capacity)
                       : 0.0,
                   "farm", d->farms[i]->policy->name, NULL);
}

/* The roll-out series of every farm. */
static void write_rollouts(FILE *out, struct gfd *d)
{
    family(out, "goldfarm_rollout_active", "gauge",
           "Whether a roll-out is under way (1), stopped and waiting for an admin (2), or "
           "neither (0).");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_rollout_active",
               d->farms[i]->rollout.phase == GF_RO_STUCK  ? 2
               : gf_rollout_active(&d->farms[i]->rollout) ? 1
                                                          : 0,
               "farm", d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_rollout_phase", "gauge",
           "The roll-out's phase: 1 for the current one (none: no roll-out record).");
    for (int i = 0; i < d->nfarms; i++)
        for (int ph = GF_RO_NONE; ph <= GF_RO_STUCK; ph++)
            sample(out, "goldfarm_rollout_phase", (int)d->farms[i]->rollout.phase == ph, "farm",
                   d->farms[i]->policy->name, "phase",
                   gf_rollout_phase_name((enum gf_rollout_phase)ph), NULL);
    family(out, "goldfarm_rollout_hosts_on_target", "gauge",
           "Hosts on the version the roll-out moves to now (the old one when going back).");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_rollout_hosts_on_target", d->farms[i]->rollout_on_target, "farm",
               d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_rollout_hosts", "gauge", "Hosts a roll-out counts: all but quarantined.");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_rollout_hosts", d->farms[i]->rollout_hosts, "farm",
               d->farms[i]->policy->name, NULL);
}

void gfd_write_metrics(struct gfd *d)
{
    char path[PATH_MAX + 40], tmp[PATH_MAX + 60];
    FILE *out;

    if (d->metrics[0])
        snprintf(path, sizeof(path), "%s", d->metrics);
    else
        snprintf(path, sizeof(path), "%s/goldfarm.prom", d->state_dir);
    if (!(out = open_tmp(path, tmp, sizeof(tmp))))
        return;
    /* node_exporter reads it as another user; the service's umask is 027 */
    if (fchmod(fileno(out), 0644) != 0)
        gf_note("cannot make %s readable: %s", tmp, strerror(errno));
    family(out, "goldfarm_build_info", "gauge", "The goldfarmd that writes these metrics.");
    sample(out, "goldfarm_build_info", 1, "version", GOLDFARM_VERSION, NULL);
    family(out, "goldfarm_farm_start_timestamp_seconds", "gauge",
           "When the daemon first ticked the farm (since it started or a reload added it).");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_farm_start_timestamp_seconds", (double)d->farms[i]->first_tick,
               "farm", d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_last_good_tick_timestamp_seconds", "gauge",
           "When a tick last saw every hypervisor of the farm and planned (0: never).");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_last_good_tick_timestamp_seconds",
               (double)d->farms[i]->last_good_tick, "farm", d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_tick_interval_seconds", "gauge", "The farm's tick (farm.tick).");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_tick_interval_seconds", d->farms[i]->policy->tick, "farm",
               d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_tick_seconds", "gauge", "How long the last tick took.");
    for (int i = 0; i < d->nfarms; i++)
        sample(out, "goldfarm_tick_seconds", micro(d->farms[i]->tick_seconds), "farm",
               d->farms[i]->policy->name, NULL);
    family(out, "goldfarm_breaker_open", "gauge",
           "Whether the farm's replacement breaker is open: replacing stopped until "
           "vmctl farm resume.");
    for (int i = 0; i < d->nfarms; i++) {
        char why[256];
        sample(out, "goldfarm_breaker_open",
               gf_breaker_read(d->state_dir, d->farms[i]->policy->name, why, sizeof(why)), "farm",
               d->farms[i]->policy->name, NULL);
    }
    family(out, "goldfarm_paused", "gauge", "Whether the farm is paused.");
    for (int i = 0; i < d->nfarms; i++) {
        int paused;
        pthread_mutex_lock(&d->farms[i]->mu);
        paused = d->farms[i]->admin.paused;
        pthread_mutex_unlock(&d->farms[i]->mu);
        sample(out, "goldfarm_paused", paused, "farm", d->farms[i]->policy->name, NULL);
    }
    write_planned(out, d);
    family(out, "goldfarm_actions_total", "counter",
           "Actions carried out, by kind and outcome (done, failed).");
    for (int i = 0; i < d->nfarms; i++)
        for (int k = 0; k < GF_ACT_NOTE; k++) {
            const char *kind = gf_action_name((enum gf_action_kind)k);
            sample(out, "goldfarm_actions_total", (double)d->farms[i]->actions[k], "farm",
                   d->farms[i]->policy->name, "action", kind, "outcome", "done", NULL);
            sample(out, "goldfarm_actions_total", (double)d->farms[i]->action_failures[k], "farm",
                   d->farms[i]->policy->name, "action", kind, "outcome", "failed", NULL);
        }
    write_rollouts(out, d);
    family(out, "goldfarm_hypervisor_up", "gauge", "Whether the hypervisor is connected.");
    for (int i = 0; i < d->nfarms; i++)
        for (int h = 0; h < d->farms[i]->policy->nhypervisors; h++)
            sample(out, "goldfarm_hypervisor_up", d->farms[i]->up[h], "farm",
                   d->farms[i]->policy->name, "uri", d->farms[i]->policy->hypervisors[h].uri, NULL);
    family(out, "goldfarm_hypervisor_evacuated", "gauge",
           "Whether an admin evacuates the hypervisor (vmctl farm evacuate).");
    for (int i = 0; i < d->nfarms; i++)
        for (int h = 0; h < d->farms[i]->policy->nhypervisors; h++) {
            const char *uri = d->farms[i]->policy->hypervisors[h].uri;
            int evacuated;
            pthread_mutex_lock(&d->farms[i]->mu);
            evacuated = gf_admin_evacuated(&d->farms[i]->admin, uri) != NULL;
            pthread_mutex_unlock(&d->farms[i]->mu);
            sample(out, "goldfarm_hypervisor_evacuated", evacuated, "farm",
                   d->farms[i]->policy->name, "uri", uri, NULL);
        }
    family(out, "goldfarm_push_bytes", "gauge",
           "Bytes streamed so far by the image push under way to the hypervisor (0: none).");
    for (int i = 0; i < d->nfarms; i++)
        for (int h = 0; h < d->farms[i]->policy->nhypervisors; h++) {
            const char *uri = d->farms[i]->policy->hypervisors[h].uri;
            unsigned long long bytes = 0;
            char to[256];
            if (!d->farms[i]->pushes ||
                !gf_push_jobs_running(d->farms[i]->pushes, to, sizeof(to), NULL, &bytes) ||
                strcmp(to, uri) != 0)
                bytes = 0;
            sample(out, "goldfarm_push_bytes", (double)bytes, "farm", d->farms[i]->policy->name,
                   "uri", uri, NULL);
        }
    commit_tmp(out, tmp, path);
}
