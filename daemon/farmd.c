/* farmd.c - goldfarmd's core: its farms' ticks, and what it says of them. */
#include "farmd.h"
#include "farmd_int.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "act/decisions.h"
#include "base/error.h"
#include "base/file.h"
#include "base/log.h"
#include "model/disk_use.h"
#include "model/journal.h"
#include "observe/kept.h"
#include "act/push_job.h"
#include "reconcile/pushes.h"
#include "status.h"

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

/* Log TEXT at LEVEL once: only when it differs from *PREV (which keeps it). */
static void log_once(struct gfd_farm *f, char **prev, int level, const char *text, time_t now)
{
    if (*prev && strcmp(*prev, text) == 0)
        return;
    free(*prev);
    *prev = strdup(text);
    if (*text) {
        gf_log(level, "%s: %s", f->policy->name, text);
        remember(f, now, text);
    }
}

/* Append the evaluation PLAN to STATE_DIR/FARM.decisions (JSON lines). */
static void write_decision(struct gfd *d, struct gfd_farm *f, const struct gf_plan *plan,
                           time_t now, enum gf_decision_mode mode, const char *blind)
{
    char path[PATH_MAX + 80];
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s.decisions", d->state_dir, f->policy->name);
    if (!(out = gf_file_open_write(path, 1, 0640))) {
        gf_error("%s: %s", f->policy->name, gf_err_message());
        return;
    }
    if (gf_decision_write(out, f->policy, now, plan, mode, &f->outcome, blind) < 0)
        gf_error("%s: %s", f->policy->name, gf_err_message());
    fclose(out);
}

/* Log the domains the observation skipped (once, while they stay). */
static void report_skipped(struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now)
{
    char msg[2048] = "";
    size_t used = 0;

    if (farm->nskipped) {
        used = (size_t)snprintf(msg, sizeof(msg),
                                "%d domain%s skipped by the observation:", farm->nskipped,
                                farm->nskipped == 1 ? "" : "s");
        for (int i = 0; i < farm->nskipped && i < GF_SKIPPED_MAX && used < sizeof(msg); i++)
            used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s '%s' (%s)", i ? ";" : "",
                                     farm->skipped[i].name, farm->skipped[i].why);
    }
    log_once(f, &f->skipped_msg, GF_LOG_ERR, msg, now);
}

/* Log T's notes as one line, once while they stay, at the level of the
 * gravest (a safeguard's hold is an error). */
static void report_notes(struct gfd_farm *f, const struct gf_tick *t, time_t now)
{
    char *notes = NULL;
    size_t len = 0;
    int level = GF_LOG_INFO;
    FILE *out = open_memstream(&notes, &len);

    if (!out)
        return;
    for (int i = 0; i < t->plan.nactions; i++) {
        char line[512];
        if (t->plan.actions[i].kind != GF_ACT_NOTE)
            continue;
        gf_action_line(f->policy, &t->plan.actions[i], line, sizeof(line));
        fprintf(out, "%s%s", ftell(out) ? "; " : "", line);
        if (t->plan.actions[i].level < level)
            level = t->plan.actions[i].level;
    }
    fclose(out);
    log_once(f, &f->notes, level, notes ? notes : "", now);
    free(notes);
}

/* What D's farm F says of tick T at NOW: the blindness, the lease, the
 * skipped domains and the notes, each logged once while it stays; the
 * actions among its last decisions and counted; the decision log. */
static void report(struct gfd *d, struct gfd_farm *f, const struct gf_tick *t, time_t now)
{
    char msg[900];

    if (t->mode == GF_DECIDED_BLIND) {
        snprintf(msg, sizeof(msg), "blind: %s unreachable: no action on this farm", t->why);
        log_once(f, &f->blind, GF_LOG_ERR, msg, now);
        if (f->planned) { /* the decision log says so, with the last figures known */
            struct gf_plan last = f->plan;
            last.nactions = 0;
            write_decision(d, f, &last, now, GF_DECIDED_BLIND, t->why);
        }
        return;
    }
    if (t->lost[0]) {
        snprintf(msg, sizeof(msg),
                 "blind: %s unreachable: its hosts are neither counted nor touched; the farm is "
                 "kept on the hypervisors that answer",
                 t->lost);
        log_once(f, &f->blind, GF_LOG_ERR, msg, now);
    } else if (f->blind) {
        log_once(f, &f->blind, GF_LOG_INFO, "all hypervisors reachable again", now);
    }
    if (t->mode == GF_DECIDED_STANDBY) {
        snprintf(msg, sizeof(msg), "standing by, no action on this farm: %s", t->why);
        log_once(f, &f->lease_msg, GF_LOG_WARNING, msg, now);
    } else if (f->lease_msg) {
        log_once(f, &f->lease_msg, GF_LOG_INFO, "the farm's lease is held: acting on it", now);
    }
    report_skipped(f, &t->farm, now);
    report_notes(f, t, now);
    if (t->mode == GF_DECIDED_ACTED) {
        for (int i = 0; i < t->plan.nactions; i++) {
            char line[512];
            if (t->plan.actions[i].kind == GF_ACT_NOTE)
                continue;
            gf_action_line(f->policy, &t->plan.actions[i], line, sizeof(line));
            remember(f, now, line);
        }
    } else if (t->mode == GF_DECIDED_PAUSED && t->plan.nactions) {
        log_once(f, &f->paused_msg, GF_LOG_WARNING, "paused: planned actions not carried out", now);
    }
    if (t->plan.nactions || !f->logged_idle)
        write_decision(d, f, &t->plan, now, t->mode, "");
    f->logged_idle = t->plan.nactions == 0;
}

/* What tick T of farm F decided on its admin requests: each logged, out of
 * the farm's queue, kept among the decided ones in STATE_DIR/FARM.admin. */
static void settle_requests(struct gfd *d, struct gfd_farm *f, const struct gf_tick *t)
{
    for (int i = 0; i < t->ndecided; i++) {
        const struct gf_admin_done *x = &t->decided[i];
        if (x->kind == GF_ADMIN_ROLLOUT)
            continue; /* the plan's own action says it */
        gf_log(x->fate == GF_FATE_TAKEN ? GF_LOG_INFO : GF_LOG_ERR, "%s: request %lu (%s): %s%s%s",
               f->policy->name, x->id, gf_admin_kind_name(x->kind),
               x->fate == GF_FATE_TAKEN ? "" : gf_admin_fate_name(x->fate),
               x->fate == GF_FATE_TAKEN ? "" : ": ", x->why);
    }
    pthread_mutex_lock(&f->mu);
    for (int i = 0; i < t->ndecided; i++)
        gf_admin_decided(&f->admin, t->decided[i].id, t->decided[i].fate, t->decided[i].why,
                         t->decided[i].at);
    if (gf_admin_save(d->state_dir, f->policy->name, &f->admin) < 0)
        gf_error("%s: %s", f->policy->name, gf_err_message());
    pthread_mutex_unlock(&f->mu);
}

int gfd_tick(struct gfd *d, struct gfd_farm *f, time_t now)
{
    const struct gf_policy *p = f->policy;
    struct gf_tick *t = calloc(1, sizeof(*t));
    struct gf_admin *admin = malloc(sizeof(*admin));
    double start = gf_now();
    int ret = -1;

    pthread_mutex_lock(&f->mu);
    f->next_tick = now + p->tick;
    if (admin)
        *admin = f->admin; /* what was asked until now; later requests wait for the next tick */
    if (f->relist)
        gf_kept_drop(p->name);
    f->relist = 0;
    pthread_mutex_unlock(&f->mu);
    if (!t || !admin) {
        free(t);
        free(admin);
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; i < p->nhypervisors; i++)
        gfd_reconnect(f, i, now);
    {
        struct gf_tick_env env = {.p = p,
                                  .conns = f->conns,
                                  .state_dir = d->state_dir,
                                  .mem = &f->mem,
                                  .admin = admin,
                                  .act = 1,
                                  .journal = d->journal,
                                  .parallel = d->parallel,
                                  .stop_timeout = d->stop_timeout,
                                  .pushes = f->pushes,
                                  .lease = &d->self,
                                  .lease_settle_ms = d->lease_settle_ms};
        if (gf_tick_run(&env, now, t) < 0) {
            gf_error("%s: observing the farm failed: %s", p->name, gf_err_message());
            goto done;
        }
    }
    ret = 0;
    report(d, f, t, now);
done:
    /* what the status and the metrics show, published under D->lock: the
     * metrics file covers every farm, and each farm ticks in its thread */
    pthread_mutex_lock(&d->lock);
    if (t->planned) {
        f->plan = t->plan;
        f->outcome = t->outcome;
        f->planned = 1;
        f->rollout = t->plan.rollout;
        f->failures += (unsigned long)t->failed;
    }
    if (t->mode == GF_DECIDED_ACTED)
        for (int i = 0; i < t->plan.nactions; i++) {
            enum gf_action_kind k = t->plan.actions[i].kind;
            if (k == GF_ACT_NOTE)
                continue;
            if (t->outcome.result[i] == 0)
                f->actions[k]++;
            else
                f->action_failures[k]++;
        }
    for (int i = 0; i < GF_MAX_HYPERVISORS; i++) /* connected, and answering when observed */
        f->up[i] = f->conns[i] != NULL && (!t->planned || t->farm.hv[i].reachable);
    f->lease_held = t->mode == GF_DECIDED_ACTED || t->mode == GF_DECIDED_PAUSED;
    f->tick_seconds = gf_now() - start;
    /* metrics before the status file: a reader who sees this tick's status
     * finds this tick's metrics too */
    gfd_metrics_note(f, &t->farm, now, ret == 0 && t->planned && !t->lost[0]);
    gfd_write_metrics(d);
    gfd_write_status(d, f, &t->farm, now, t->mode == GF_DECIDED_PAUSED,
                     t->mode == GF_DECIDED_BLIND ? t->why : t->lost);
    pthread_mutex_unlock(&d->lock);
    if (f->tick) {
        /* keep where the lease is held, across a blind tick too */
        for (int i = 0; i < GF_MAX_HYPERVISORS; i++)
            if (!t->lease_dom[i][0])
                snprintf(t->lease_dom[i], sizeof(t->lease_dom[i]), "%s", f->tick->lease_dom[i]);
        gf_tick_clear(f->tick);
        free(f->tick);
    }
    if (t->ndecided)
        settle_requests(d, f, t);
    f->tick = t;
    free(admin);
    pthread_mutex_lock(&d->lock);
    d->generation++;
    pthread_mutex_unlock(&d->lock);
    if (d->ticked) /* those who follow a roll-out or watch a farm look again */
        d->ticked(d);
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

/* Take STATE_DIR's lock for D: one goldfarmd per state directory.  A
 * second is refused, naming the pid the first wrote into the lock file.
 * 0, or -1 with an error. */
static int take_lock(struct gfd *d, const char *state_dir)
{
    char path[PATH_MAX + 32], pid[32] = "";
    int fd, n;

    snprintf(path, sizeof(path), "%s/goldfarmd.lock", state_dir);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        gf_err(GF_ERR_OP, "cannot open the lock %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        if ((n = (int)pread(fd, pid, sizeof(pid) - 1, 0)) > 0)
            pid[n] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (busy)
            gf_err(GF_ERR_OP, "the state directory %s is in use by another goldfarmd (pid %s)",
                   state_dir, pid[0] ? pid : "?");
        else
            gf_err(GF_ERR_OP, "cannot lock %s: %s", path, strerror(errno));
        return -1;
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the lock holds without the pid; the refusal then says "?" */
    }
    d->lock_fd = fd;
    return 0;
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
    /* A tick's large buffers (libvirt's reply of every domain's statistics:
     * about 1.7 KiB a host) mapped for themselves and given back when freed:
     * glibc's threshold, left to grow, keeps them in the heap between ticks. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    /* with libvirt's events telling every change, metadata is read once */
    gf_meta_cache_enable(d->events);
    gf_disk_index_enable(d->events ? GF_INDEX_ON : GF_INDEX_OFF); /* told by the same events */
    d->lock_fd = -1;
    pthread_mutex_init(&d->lock, NULL);
    d->lock_ready = 1;
    if (stat(state_dir, &st) != 0 && mkdir(state_dir, 0750) != 0) {
        gf_err(GF_ERR_INPUT, "cannot create the state directory %s: %s", state_dir,
               strerror(errno));
        return -1;
    }
    if (take_lock(d, state_dir) < 0 || gf_lease_self(&d->self, state_dir) < 0)
        return -1;
    if (gfd_load_policies(d, 1, NULL, 0) < 0)
        return -1;
    if (!(d->journal = gf_journal_open(state_dir)))
        return -1;
    if ((left = gf_journal_recover(d->journal, gfd_journal_connect, d)) < 0)
        return -1;
    if (left)
        gf_note("journal: %d operation%s left for the next start", left, left == 1 ? "" : "s");
    return 0;
}

void gfd_stop(struct gfd *d)
{
    for (int i = 0; i < d->nfarms; i++) {
        struct gfd_farm *f = d->farms[i];
        if (d->release_leases && f->tick) {
            struct gf_tick_env env = {.p = f->policy, .conns = f->conns, .lease = &d->self};
            gf_tick_release_lease(&env, f->tick);
        }
        gfd_farm_free(f);
    }
    free(d->farms);
    d->farms = NULL;
    d->nfarms = 0;
    gf_journal_close(d->journal);
    d->journal = NULL;
    for (int i = 0; i < d->ngone; i++)
        gfd_farm_free(d->gone[i]);
    free(d->gone);
    d->gone = NULL;
    d->ngone = 0;
    if (d->lock_fd > 0)
        close(d->lock_fd); /* and with it the lock */
    d->lock_fd = -1;
    if (d->lock_ready)
        pthread_mutex_destroy(&d->lock);
    d->lock_ready = 0;
}

void gfd_settle_pushes(struct gfd *d)
{
    for (int i = 0; i < d->nfarms; i++) {
        struct gfd_farm *f = d->farms[i];
        unsigned long long bytes = 0;
        unsigned int version = 0;
        char uri[256];
        double last = gf_now();
        if (!f->pushes)
            continue;
        while (gf_push_jobs_running(f->pushes, uri, sizeof(uri), &version, &bytes)) {
            struct timespec pause = {0, 100 * 1000 * 1000};
            if (gf_now() - last >= 10.0) {
                gf_note("%s: push of image %s v%u to %s: %llu MiB so far", f->policy->name,
                        f->policy->image, version, uri, bytes >> 20);
                last = gf_now();
            }
            nanosleep(&pause, NULL);
        }
        if (gf_pushes_settle(f->policy, &f->mem, f->pushes, time(NULL)) && d->state_dir[0] &&
            gf_mem_save(d->state_dir, f->policy->name, &f->mem) < 0)
            gf_error("%s: %s", f->policy->name, gf_err_message());
    }
}
