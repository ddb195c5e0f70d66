/* status.c - the status files and the Prometheus textfile. */
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The farm's roll-out as member "rollout" of J (null when there is none):
 * its versions, phase and reason, and how many hosts are on its target. */
static void write_rollout(struct gf_json *j, const struct gfd_farm *f,
                          const struct gf_farm_obs *farm)
{
    const struct gf_rollout *r = &f->rollout;
    char started[GF_TIME_LEN];
    int on = 0, all = 0;

    if (r->phase == GF_RO_NONE) {
        gf_json_str(j, "rollout", NULL);
        return;
    }
    for (int i = 0; i < farm->nhosts; i++) {
        if (farm->hosts[i].state == GF_HS_QUARANTINED)
            continue;
        all++;
        on += farm->hosts[i].image_version == gf_rollout_target(r);
    }
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
    {
        char why[256];
        int open = gfd_breaker(d->state_dir, p->name, why, sizeof(why));
        gf_json_str(&j, "breaker", open ? why : NULL);
        if (f->planned)
            gf_json_int(&j, "failing", f->plan.failing);
    }
    if (f->planned) {
        gf_json_str(&j, "day_set", f->plan.phase.dayset->name);
        gf_json_str(&j, "phase", gf_phase_name(f->plan.phase.phase));
        gf_json_int(&j, "in_service", f->plan.in_service);
        gf_json_int(&j, "standby", f->plan.standby);
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
        gf_json_int(&j, "sessions", h->sessions);
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
    fprintf(out, "# HELP goldfarm_hosts Hosts of the farm by state.\n"
                 "# TYPE goldfarm_hosts gauge\n");
    for (int i = 0; i < d->nfarms; i++) {
        const struct gfd_farm *f = d->farms[i];
        if (!f->planned)
            continue;
        fprintf(out, "goldfarm_hosts{farm=\"%s\",state=\"in_service\"} %d\n", f->policy->name,
                f->plan.in_service);
        fprintf(out, "goldfarm_hosts{farm=\"%s\",state=\"standby\"} %d\n", f->policy->name,
                f->plan.standby);
        fprintf(out, "goldfarm_hosts{farm=\"%s\",state=\"draining\"} %d\n", f->policy->name,
                f->plan.draining);
    }
    fprintf(out, "# HELP goldfarm_sessions Sessions on the hosts in service.\n"
                 "# TYPE goldfarm_sessions gauge\n");
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i]->planned)
            fprintf(out, "goldfarm_sessions{farm=\"%s\"} %d\n", d->farms[i]->policy->name,
                    d->farms[i]->plan.sessions);
    fprintf(out, "# HELP goldfarm_usage_ratio Sessions over the capacity in service.\n"
                 "# TYPE goldfarm_usage_ratio gauge\n");
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i]->planned)
            fprintf(out, "goldfarm_usage_ratio{farm=\"%s\"} %.2f\n", d->farms[i]->policy->name,
                    d->farms[i]->plan.capacity
                        ? (double)d->farms[i]->plan.sessions / d->farms[i]->plan.capacity
                        : 0.0);
    fprintf(out, "# HELP goldfarm_paused Whether the farm is paused.\n"
                 "# TYPE goldfarm_paused gauge\n");
    for (int i = 0; i < d->nfarms; i++)
        fprintf(out, "goldfarm_paused{farm=\"%s\"} %d\n", d->farms[i]->policy->name,
                gfd_paused(d->state_dir, d->farms[i]->policy->name));
    fprintf(out, "# HELP goldfarm_actions_total Actions carried out.\n"
                 "# TYPE goldfarm_actions_total counter\n");
    for (int i = 0; i < d->nfarms; i++)
        for (int k = 0; k < GF_ACT_NOTE; k++)
            fprintf(out, "goldfarm_actions_total{farm=\"%s\",action=\"%s\"} %lu\n",
                    d->farms[i]->policy->name, gf_action_name((enum gf_action_kind)k),
                    d->farms[i]->actions[k]);
    fprintf(out, "# HELP goldfarm_action_failures_total Actions that failed.\n"
                 "# TYPE goldfarm_action_failures_total counter\n");
    for (int i = 0; i < d->nfarms; i++)
        fprintf(out, "goldfarm_action_failures_total{farm=\"%s\"} %lu\n", d->farms[i]->policy->name,
                d->farms[i]->failures);
    fprintf(out, "# HELP goldfarm_tick_seconds How long the last tick took.\n"
                 "# TYPE goldfarm_tick_seconds gauge\n");
    for (int i = 0; i < d->nfarms; i++)
        fprintf(out, "goldfarm_tick_seconds{farm=\"%s\"} %.3f\n", d->farms[i]->policy->name,
                d->farms[i]->tick_seconds);
    fprintf(out, "# HELP goldfarm_rollout_active Whether a roll-out is under way (1), stopped "
                 "and waiting for an admin (2), or neither (0).\n"
                 "# TYPE goldfarm_rollout_active gauge\n");
    for (int i = 0; i < d->nfarms; i++)
        fprintf(out, "goldfarm_rollout_active{farm=\"%s\"} %d\n", d->farms[i]->policy->name,
                d->farms[i]->rollout.phase == GF_RO_STUCK  ? 2
                : gf_rollout_active(&d->farms[i]->rollout) ? 1
                                                           : 0);
    fprintf(out, "# HELP goldfarm_hypervisor_up Whether the hypervisor is connected.\n"
                 "# TYPE goldfarm_hypervisor_up gauge\n");
    for (int i = 0; i < d->nfarms; i++)
        for (int h = 0; h < d->farms[i]->policy->nhypervisors; h++)
            fprintf(out, "goldfarm_hypervisor_up{farm=\"%s\",uri=\"%s\"} %d\n",
                    d->farms[i]->policy->name, d->farms[i]->policy->hypervisors[h].uri,
                    d->farms[i]->conns[h] != NULL);
    commit_tmp(out, tmp, path);
}
