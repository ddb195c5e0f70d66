/* farmd.c - goldfarmd's core: its farms, their ticks, reload. */
#include "farmd.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "act/act.h"
#include "act/decisions.h"
#include "base/error.h"
#include "model/hosts.h"
#include "base/log.h"
#include "model/meta.h"
#include "observe/observe.h"
#include "farmd_rollout.h"
#include "status.h"

static void watch_replacements(struct gfd *d, struct gfd_farm *f, time_t now);

/* A connection for URI, by the injected connector, -c, or gf_connect. */
static virConnectPtr open_uri(struct gfd *d, const char *uri)
{
    if (d->connect)
        return d->connect(d->connect_opaque, d->uri_override ? d->uri_override : uri);
    return gf_connect(d->uri_override ? d->uri_override : uri);
}

/* Whether the connections are ours to close (not injected by a test). */
static int own_connections(const struct gfd *d)
{
    return d->connect == NULL;
}

/* libvirt says a connection of farm OPAQUE closed: mark it lost. */
static void on_close(virConnectPtr conn, int reason, void *opaque)
{
    struct gfd_farm *f = opaque;

    (void)reason;
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        if (f->conns[i] == conn)
            f->lost[i] = 1;
}

/* A domain started, stopped or crashed on a farm's hypervisor: tick now.
 * The metadata cache forgets the domain: a definition or undefinition,
 * and a revert to a snapshot (whose definition comes back with its
 * metadata, without a metadata-change event), all come as lifecycle
 * events. */
static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    struct gfd_farm *f = opaque;

    (void)conn;
    (void)event;
    (void)detail;
    gf_meta_cache_forget(dom);
    f->next_tick = 0;
    if (f->d->wake)
        f->d->wake(f->d);
    return 0;
}

/* Some domain's metadata changed (another process, e.g. vmctl farm drain):
 * the cache must read it again. */
static void on_metadata(virConnectPtr conn, virDomainPtr dom, int type, const char *nsuri,
                        void *opaque)
{
    (void)conn;
    (void)type;
    (void)nsuri;
    (void)opaque;
    gf_meta_cache_forget(dom);
}

/* Drop farm F's connection I. */
static void disconnect(struct gfd_farm *f, int i)
{
    if (!f->conns[i])
        return;
    if (own_connections(f->d)) {
        if (f->events[i] >= 0)
            virConnectDomainEventDeregisterAny(f->conns[i], f->events[i]);
        if (f->meta_events[i] >= 0)
            virConnectDomainEventDeregisterAny(f->conns[i], f->meta_events[i]);
        virConnectUnregisterCloseCallback(f->conns[i], on_close);
        virConnectClose(f->conns[i]);
    }
    f->conns[i] = NULL;
    f->events[i] = f->meta_events[i] = -1;
}

/* (Re)connect farm F's hypervisor I when due, with backoff.  0 when
 * connected, -1 when still blind. */
static int reconnect(struct gfd_farm *f, int i, time_t now)
{
    const char *uri = f->policy->hypervisors[i].uri;

    if (f->conns[i] && (f->lost[i] || virConnectIsAlive(f->conns[i]) != 1)) {
        gf_note("%s: lost the connection to %s", f->policy->name, uri);
        disconnect(f, i);
        f->retry_at[i] = now;
    }
    f->lost[i] = 0;
    if (f->conns[i])
        return 0;
    if (now < f->retry_at[i])
        return -1;
    if (!(f->conns[i] = open_uri(f->d, uri))) {
        f->backoff[i] = f->backoff[i] ? f->backoff[i] * 2 : 1;
        if (f->backoff[i] > 60)
            f->backoff[i] = 60;
        f->retry_at[i] = now + f->backoff[i];
        return -1;
    }
    f->backoff[i] = 0;
    f->events[i] = f->meta_events[i] = -1;
    if (own_connections(f->d)) {
        /* remote connections: notice a dead peer within ~20 s (local ones say no) */
        if (virConnectSetKeepAlive(f->conns[i], 5, 3) < 0)
            virResetLastError();
        virConnectRegisterCloseCallback(f->conns[i], on_close, f, NULL);
        if (f->d->events) {
            f->events[i] =
                virConnectDomainEventRegisterAny(f->conns[i], NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), f, NULL);
            f->meta_events[i] = virConnectDomainEventRegisterAny(
                f->conns[i], NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                VIR_DOMAIN_EVENT_CALLBACK(on_metadata), f, NULL);
            /* what changed while we were not listening is unknown */
            gf_meta_cache_forget(NULL);
        }
    }
    return 0;
}

/* Remember F's last scale-in at NOW, in memory and in STATE_DIR/FARM.scale-in:
 * the drained hosts that show it are gone once retired, also to a restart. */
static void save_scale_in(struct gfd *d, struct gfd_farm *f, time_t now)
{
    char path[PATH_MAX + 80];
    FILE *out;

    f->last_scale_in = now;
    snprintf(path, sizeof(path), "%s/%s.scale-in", d->state_dir, f->policy->name);
    if (!(out = fopen(path, "w"))) {
        gf_note("%s: cannot write %s: %s", f->policy->name, path, strerror(errno));
        return;
    }
    fprintf(out, "%lld\n", (long long)now);
    fclose(out);
}

/* Read what save_scale_in kept for F, if anything. */
static void load_scale_in(struct gfd *d, struct gfd_farm *f)
{
    char path[PATH_MAX + 80];
    long long t = 0;
    FILE *in;

    snprintf(path, sizeof(path), "%s/%s.scale-in", d->state_dir, f->policy->name);
    if ((in = fopen(path, "r"))) {
        if (fscanf(in, "%lld", &t) == 1 && t > 0)
            f->last_scale_in = (time_t)t;
        fclose(in);
    }
}

/* Keep LINE among F's last decisions. */
static void remember(struct gfd_farm *f, time_t now, const char *line)
{
    char stamp[32];
    struct tm tm;

    if (f->nlast == GFD_LAST) {
        memmove(f->last[0], f->last[1], sizeof(f->last[0]) * (GFD_LAST - 1));
        f->nlast--;
    }
    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(f->last[f->nlast++], sizeof(f->last[0]), "%s %s", stamp, line);
}

/* Log TEXT once: only when it differs from *PREV (which keeps it). */
static void log_once(struct gfd_farm *f, char **prev, const char *text, time_t now)
{
    if (*prev && strcmp(*prev, text) == 0)
        return;
    free(*prev);
    *prev = strdup(text);
    if (*text) {
        gf_note("%s: %s", f->policy->name, text);
        remember(f, now, text);
    }
}

/* Run the hooks of hosts an admin drained (vmctl farm drain) that have
 * not been told yet, and mark them told. */
static void notify_admin_drains(struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now)
{
    const struct gf_policy *p = f->policy;

    for (int i = 0; i < farm->nhosts; i++) {
        const struct gf_host_obs *h = &farm->hosts[i];
        virDomainPtr dom;
        struct gf_act_ctx ctx = {.p = p, .conns = f->conns, .farm = farm, .now = now};
        if (h->state != GF_HS_DRAINING || !h->admin_drain || h->logoff_sent || !f->conns[h->hv] ||
            !(dom = virDomainLookupByName(f->conns[h->hv], h->name)))
            continue;
        {
            struct gf_meta m;
            int told = gf_meta_get(dom, &m) == 1 && strstr(m.reason, "notified");
            virDomainFree(dom);
            if (told)
                continue;
        }
        if (gf_drain_notify(&ctx, h->name) == 0)
            gf_note("%s: %s drained by an admin: broker and users told", p->name, h->name);
        else
            gf_note("%s: telling about %s's drain: %s", p->name, h->name, gf_err_message());
    }
}

/* Append the evaluation PLAN to STATE_DIR/FARM.decisions (JSON lines). */
static void write_decision_of(struct gfd *d, struct gfd_farm *f, const struct gf_plan *plan,
                              time_t now, enum gf_decision_mode mode, const char *blind)
{
    char path[PATH_MAX + 80];
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s.decisions", d->state_dir, f->policy->name);
    if (!(out = fopen(path, "a"))) {
        gf_note("%s: cannot write %s: %s", f->policy->name, path, strerror(errno));
        return;
    }
    if (gf_decision_write(out, f->policy, now, plan, mode, &f->outcome, blind) < 0)
        gf_note("%s: %s", f->policy->name, gf_err_message());
    fclose(out);
}

/* Append this tick's evaluation to the decision log. */
static void write_decision(struct gfd *d, struct gfd_farm *f, time_t now,
                           enum gf_decision_mode mode, const char *blind)
{
    write_decision_of(d, f, &f->plan, now, mode, blind);
}

int gfd_tick(struct gfd *d, struct gfd_farm *f, time_t now)
{
    const struct gf_policy *p = f->policy;
    struct gf_farm_obs farm = {0};
    struct gf_local local;
    char blind[512] = "", *notes = NULL;
    size_t notes_len = 0;
    FILE *notes_out;
    double start = gf_now();
    int paused = gfd_paused(d->state_dir, p->name), ret = -1;

    f->next_tick = now + p->tick;
    for (int i = 0; i < p->nhypervisors; i++)
        if (reconnect(f, i, now) < 0)
            snprintf(blind + strlen(blind), sizeof(blind) - strlen(blind), "%s%s",
                     blind[0] ? ", " : "", p->hypervisors[i].uri);
    if (blind[0]) {
        char msg[600];
        snprintf(msg, sizeof(msg), "blind: %s unreachable: no action on this farm", blind);
        log_once(f, &f->blind, msg, now);
    } else if (f->blind) {
        log_once(f, &f->blind, "all hypervisors reachable again", now);
    }
    if (blind[0]) {
        /* what cannot be seen is not planned for: nothing is taken as gone.
         * The decision log says so, with the last figures known. */
        struct gf_plan last = f->plan;
        last.nactions = 0;
        if (!f->planned) { /* after a reload the old plan points into a freed policy */
            memset(&last, 0, sizeof(last));
        }
        write_decision_of(d, f, &last, now, GF_DECIDED_BLIND, blind);
        ret = 0;
        goto done;
    }
    if (gf_local_time(p->timezone, now, &local) < 0 || gf_observe(p, f->conns, &local, &farm) < 0) {
        gf_note("%s: observing the farm failed: %s", p->name, gf_err_message());
        goto done;
    }
    if (f->last_scale_in > farm.last_scale_in)
        farm.last_scale_in = f->last_scale_in;
    if (!paused)
        gfd_rollout_prepare(d, f, &farm, now);
    else if (gf_rollout_load(d->state_dir, p->name, &f->rollout) == 1)
        farm.rollout = &f->rollout; /* planned for, not changed */
    {
        char why[256];
        farm.breaker_open = gfd_breaker(d->state_dir, p->name, why, sizeof(why));
    }
    gf_health_assess(&f->health, p, f->conns, &farm, now);
    if (!paused)
        gfd_rollout_mark_ready(f, &farm, now);
    gf_plan(p, &farm, &local, &f->plan);
    f->planned = 1;
    notes_out = open_memstream(&notes, &notes_len);
    for (int i = 0; i < f->plan.nactions; i++) {
        char line[512];
        if (f->plan.actions[i].kind != GF_ACT_NOTE)
            continue;
        gf_action_line(p, &f->plan.actions[i], line, sizeof(line));
        /* a safeguard holding replacements back is an error for whoever reads the log */
        fprintf(notes_out, "%s%s%s", ftell(notes_out) ? "; " : "",
                strstr(line, "replacing nothing") ? "error: " : "", line);
    }
    fclose(notes_out);
    log_once(f, &f->notes, notes, now);
    if (!paused && !blind[0]) {
        struct gf_act_ctx ctx = {.p = p,
                                 .conns = f->conns,
                                 .farm = &farm,
                                 .journal = d->journal,
                                 .now = now,
                                 .parallel = d->parallel,
                                 .stop_timeout = d->stop_timeout};
        notify_admin_drains(f, &farm, now);
        f->failures += (unsigned long)gf_act(&ctx, &f->plan, &f->outcome);
        for (int i = 0; i < f->plan.nactions; i++) {
            char line[512];
            if (f->plan.actions[i].kind == GF_ACT_NOTE)
                continue;
            gf_action_line(p, &f->plan.actions[i], line, sizeof(line));
            remember(f, now, line);
            if (f->outcome.result[i] == 0)
                f->actions[f->plan.actions[i].kind]++;
            else
                f->action_failures[f->plan.actions[i].kind]++;
            if (f->outcome.result[i] == 0 && f->plan.actions[i].kind == GF_ACT_DRAIN)
                save_scale_in(d, f, now);
        }
        if (p->health_on)
            watch_replacements(d, f, now);
        gfd_rollout_finish(d, f, &farm, now);
    } else if (paused && f->plan.nactions) {
        log_once(f, &f->paused_msg, "paused: planned actions not carried out", now);
    }
    if (f->plan.nactions || !f->logged_idle)
        write_decision(d, f, now,
                       paused     ? GF_DECIDED_PAUSED
                       : blind[0] ? GF_DECIDED_BLIND
                                  : GF_DECIDED_ACTED,
                       blind);
    f->logged_idle = f->plan.nactions == 0;
    ret = 0;
done:
    f->tick_seconds = gf_now() - start;
    gfd_write_status(d, f, &farm, now, paused, blind);
    gfd_metrics_note(f, &farm, now, ret == 0 && !blind[0]);
    gfd_write_metrics(d);
    gf_farm_obs_clear(&farm);
    free(notes);
    return ret;
}

int gfd_tick_due(struct gfd *d, time_t now, int force)
{
    int next = 3600;

    for (int i = 0; i < d->nfarms; i++) {
        struct gfd_farm *f = d->farms[i];
        if (force || f->next_tick <= now)
            gfd_tick(d, f, now);
        if (f->next_tick - now < next)
            next = (int)(f->next_tick - now);
    }
    return next < 1 ? 1 : next;
}

int gfd_breaker(const char *state_dir, const char *farm, char *why, size_t len)
{
    char path[PATH_MAX + 80];
    FILE *in;

    snprintf(path, sizeof(path), "%s/%s.breaker", state_dir, farm);
    if (!(in = fopen(path, "r")))
        return 0;
    if (!fgets(why, (int)len, in))
        why[0] = '\0';
    why[strcspn(why, "\n")] = '\0';
    fclose(in);
    return 1;
}

/* Open F's replacement breaker for WHY: replacements stop until an admin
 * runs vmctl farm resume. */
static void open_breaker(struct gfd *d, struct gfd_farm *f, const char *why)
{
    char path[PATH_MAX + 80];
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s.breaker", d->state_dir, f->policy->name);
    if ((out = fopen(path, "w"))) {
        fprintf(out, "%s\n", why);
        fclose(out);
    }
    gf_note("%s: error: replacements stopped: %s (vmctl farm resume %s closes the breaker)",
            f->policy->name, why, f->policy->name);
}

/* Count the failed replacements of the last actions; open the breaker when
 * policy.health.max_failures of them fall within its window, or when the
 * planner saw a bad image. */
static void watch_replacements(struct gfd *d, struct gfd_farm *f, time_t now)
{
    const struct gf_policy *p = f->policy;
    char why[256];
    int recent = 0;

    for (int i = 0; i < f->plan.nactions; i++) {
        const struct gf_action *a = &f->plan.actions[i];
        if (!a->replaces[0] || f->outcome.result[i] == 0)
            continue;
        if (f->nreplace_failures == 16) {
            memmove(f->replace_failures, f->replace_failures + 1, 15 * sizeof(time_t));
            f->nreplace_failures--;
        }
        f->replace_failures[f->nreplace_failures++] = now;
    }
    for (int i = 0; i < f->nreplace_failures; i++)
        recent += now - f->replace_failures[i] < p->breaker_window;
    if (gfd_breaker(d->state_dir, p->name, why, sizeof(why)))
        return;
    if (recent >= p->breaker_failures) {
        snprintf(why, sizeof(why), "%d replacements failed within %ds", recent, p->breaker_window);
        f->nreplace_failures = 0;
        open_breaker(d, f, why);
    } else if (f->plan.bad_image) {
        snprintf(why, sizeof(why),
                 "a replacement failed soon after it was made: image %s is "
                 "likely bad",
                 p->image);
        open_breaker(d, f, why);
    }
}

int gfd_paused(const char *state_dir, const char *farm)
{
    char path[PATH_MAX + 80];

    snprintf(path, sizeof(path), "%s/%s.paused", state_dir, farm);
    return access(path, F_OK) == 0;
}

/* A new farm for policy P read from FILE. */
static struct gfd_farm *farm_new(struct gfd *d, struct gf_policy *p, const char *file)
{
    struct gfd_farm *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->d = d;
    f->policy = p;
    snprintf(f->file, sizeof(f->file), "%s", file);
    load_scale_in(d, f);
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        f->events[i] = f->meta_events[i] = -1;
    return f;
}

/* Free farm F and its connections; accepts NULL. */
static void farm_free(struct gfd_farm *f)
{
    if (!f)
        return;
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
        disconnect(f, i);
    gf_policy_free(f->policy);
    free(f->notes);
    free(f->blind);
    free(f->paused_msg);
    gf_health_clear(&f->health);
    free(f);
}

/* The policy files of DIR (*.conf), sorted, into *FILES (to free, with each). */
static int list_policies(const char *dir, char ***files)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort), count = 0;

    *files = NULL;
    if (n < 0) {
        gf_err(GF_ERR_INPUT, "cannot read the policies directory %s: %s", dir, strerror(errno));
        return -1;
    }
    *files = calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        size_t len = strlen(entries[i]->d_name);
        if (*files && len > 5 && strcmp(entries[i]->d_name + len - 5, ".conf") == 0 &&
            asprintf(&(*files)[count], "%s/%s", dir, entries[i]->d_name) > 0)
            count++;
        free(entries[i]);
    }
    free(entries);
    return count;
}

/* Whether F is one of D's running farms. */
static int farm_is_old(const struct gfd *d, const struct gfd_farm *f)
{
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i] == f)
            return 1;
    return 0;
}

/* The farm read from FILE, or NULL. */
static struct gfd_farm *farm_of_file(struct gfd *d, const char *file)
{
    for (int i = 0; i < d->nfarms; i++)
        if (strcmp(d->farms[i]->file, file) == 0)
            return d->farms[i];
    return NULL;
}

/* Read the policies; at START every file must be good. */
static int load_policies(struct gfd *d, int start)
{
    struct gfd_farm **farms;
    char **files;
    int n = list_policies(d->policies_dir, &files), nfarms = 0, bad = 0;

    if (n < 0)
        return -1;
    farms = calloc((size_t)n + 1, sizeof(*farms));
    for (int i = 0; i < n && farms; i++) {
        char *errors = NULL;
        struct gf_policy *p = gf_policy_load(files[i], &errors);
        struct gfd_farm *old = farm_of_file(d, files[i]);
        for (int k = 0; p && k < nfarms; k++) {
            if (strcmp(farms[k]->policy->name, p->name) == 0) {
                if (asprintf(&errors, "%s: farm '%s' is already defined by %s\n", files[i], p->name,
                             farms[k]->file) < 0)
                    errors = NULL;
                gf_policy_free(p);
                p = NULL;
            }
        }
        if (!p) {
            bad++;
            if (start)
                fputs(errors ? errors : "", stderr);
            else {
                char *line, *save = NULL;
                gf_note("reload: %s has errors; %s", files[i],
                        old ? "its farm keeps its previous policy" : "not loaded");
                for (line = errors ? strtok_r(errors, "\n", &save) : NULL; line;
                     line = strtok_r(NULL, "\n", &save))
                    gf_note("reload: %s", line);
            }
            if (old && !start)
                farms[nfarms++] = old; /* kept as it was */
        } else if (old) {
            /* same file: new policy, same farm state and connections */
            int same_hvs = old->policy->nhypervisors == p->nhypervisors;
            for (int h = 0; same_hvs && h < p->nhypervisors; h++)
                same_hvs = strcmp(old->policy->hypervisors[h].uri, p->hypervisors[h].uri) == 0;
            if (!same_hvs)
                for (int h = 0; h < GF_MAX_HYPERVISORS; h++)
                    disconnect(old, h);
            gf_policy_free(old->policy);
            old->policy = p;
            old->planned = 0; /* the last plan points into the old policy */
            old->next_tick = 0;
            farms[nfarms++] = old;
            if (!start)
                gf_note("reload: %s: farm %s updated", files[i], p->name);
        } else {
            farms[nfarms++] = farm_new(d, p, files[i]);
            if (!start)
                gf_note("reload: %s: farm %s added", files[i], p->name);
        }
        free(errors);
    }
    /* A farm kept from before (its file now bad) and a new file naming the
     * same farm: the farm that was running wins; two never tick one farm. */
    for (int i = 0; i < nfarms; i++) {
        for (int k = 0; k < nfarms; k++) {
            int k_was_running = 0;
            if (i == k || !farms[i] || !farms[k] ||
                strcmp(farms[i]->policy->name, farms[k]->policy->name) != 0)
                continue;
            for (int o = 0; o < d->nfarms; o++)
                k_was_running |= d->farms[o] == farms[k];
            if (!k_was_running)
                continue;
            gf_note("reload: %s names farm %s, which %s still runs: not loaded", farms[i]->file,
                    farms[i]->policy->name, farms[k]->file);
            bad++;
            if (!farm_is_old(d, farms[i]))
                farm_free(farms[i]);
            farms[i] = NULL;
        }
    }
    {
        int n_kept = 0;
        for (int i = 0; i < nfarms; i++)
            if (farms[i])
                farms[n_kept++] = farms[i];
        nfarms = n_kept;
    }
    for (int i = 0; i < d->nfarms; i++) {
        int kept = 0;
        for (int k = 0; k < nfarms; k++)
            kept |= farms[k] == d->farms[i];
        if (!kept) {
            gf_note("reload: farm %s removed (its file is gone)", d->farms[i]->policy->name);
            farm_free(d->farms[i]);
        }
    }
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    if (start && bad) {
        for (int i = 0; i < nfarms; i++)
            farm_free(farms[i]);
        free(farms);
        gf_err(GF_ERR_INPUT, "%d policy file%s in %s ha%s errors", bad, bad == 1 ? "" : "s",
               d->policies_dir, bad == 1 ? "s" : "ve");
        return -1;
    }
    free(d->farms);
    d->farms = farms;
    d->nfarms = nfarms;
    return bad;
}

int gfd_reload(struct gfd *d)
{
    return load_policies(d, 0);
}

int gfd_check(const char *policies_dir, int *nfarms)
{
    struct gfd d = {0};
    int ret;

    snprintf(d.policies_dir, sizeof(d.policies_dir), "%s", policies_dir);
    ret = load_policies(&d, 1);
    *nfarms = d.nfarms;
    for (int i = 0; i < d.nfarms; i++)
        farm_free(d.farms[i]);
    free(d.farms);
    return ret;
}

/* The journal's connector: the hypervisor's URI through gfd's connector. */
static virConnectPtr journal_connect(void *opaque, const char *uri)
{
    struct gfd *d = opaque;

    for (int i = 0; i < d->nfarms; i++) {
        struct gfd_farm *f = d->farms[i];
        for (int h = 0; h < f->policy->nhypervisors; h++) {
            char *actual;
            int same;
            if (reconnect(f, h, time(NULL)) < 0)
                continue;
            /* the journal has the URI libvirt gave, which may be an alias's */
            actual = virConnectGetURI(f->conns[h]);
            same = strcmp(f->policy->hypervisors[h].uri, uri) == 0 ||
                   (actual && strcmp(actual, uri) == 0);
            free(actual);
            if (same)
                return f->conns[h];
        }
    }
    return NULL;
}

int gfd_start(struct gfd *d, const char *policies_dir, const char *state_dir)
{
    struct stat st;
    int left;

    snprintf(d->policies_dir, sizeof(d->policies_dir), "%s", policies_dir);
    snprintf(d->state_dir, sizeof(d->state_dir), "%s", state_dir);
    if (d->parallel < 1)
        d->parallel = 4;
    if (d->stop_timeout < 1)
        d->stop_timeout = 60;
    /* with libvirt's events telling every change, metadata is read once */
    gf_meta_cache_enable(d->events);
    if (stat(state_dir, &st) != 0 && mkdir(state_dir, 0750) != 0) {
        gf_err(GF_ERR_INPUT, "cannot create the state directory %s: %s", state_dir,
               strerror(errno));
        return -1;
    }
    if (load_policies(d, 1) < 0)
        return -1;
    if (!(d->journal = gf_journal_open(state_dir)))
        return -1;
    if ((left = gf_journal_recover(d->journal, journal_connect, d)) < 0)
        return -1;
    if (left)
        gf_note("journal: %d operation%s left for the next start", left, left == 1 ? "" : "s");
    return 0;
}

void gfd_stop(struct gfd *d)
{
    for (int i = 0; i < d->nfarms; i++)
        farm_free(d->farms[i]);
    free(d->farms);
    d->farms = NULL;
    d->nfarms = 0;
    gf_journal_close(d->journal);
    d->journal = NULL;
}
