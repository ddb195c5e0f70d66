/* run.c - goldfarmd's farms, each ticking in a thread of its own.
 *
 * The main thread runs libvirt's event loop: lifecycle events wake the
 * farm they concern, SIGHUP reloads, SIGTERM stops.  Each farm's thread
 * sleeps until its next tick is due or an event wakes it, then ticks
 * (observe, plan, act, with its own bounded pool of action threads).  A
 * farm waiting on a 60-second hook holds up no other farm.  D->lock guards
 * what the threads share: the list of farms and what the metrics read.
 */
#include "farmd.h"
#include "farmd_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/log.h"
#include "observe/kept.h"

/* Take F's pending policy, if a reload left one (F's own thread, between
 * ticks; D->lock held: the metrics read the policy). */
static void take_policy(struct gfd_farm *f)
{
    struct gf_policy *p;
    int same = 1;

    pthread_mutex_lock(&f->mu);
    p = f->pending;
    f->pending = NULL;
    pthread_mutex_unlock(&f->mu);
    if (!p)
        return;
    same = f->policy->nhypervisors == p->nhypervisors;
    for (int h = 0; same && h < p->nhypervisors; h++)
        same = strcmp(f->policy->hypervisors[h].uri, p->hypervisors[h].uri) == 0;
    if (!same)
        for (int h = 0; h < GF_MAX_HYPERVISORS; h++)
            gfd_disconnect(f, h);
    gf_kept_drop(f->policy->name); /* observed under the old policy */
    gf_policy_free(f->policy);
    f->policy = p;
    f->planned = 0; /* the last plan points into the old policy */
}

/* Farm F's thread: tick when due or woken, until told to stop. */
static void *farm_main(void *arg)
{
    struct gfd_farm *f = arg;
    struct gfd *d = f->d;

    pthread_mutex_lock(&f->mu);
    while (!f->stop) {
        time_t now = time(NULL);
        if (!f->woken && !f->pending && f->next_tick > now) {
            struct timespec until = {f->next_tick, 0};
            pthread_cond_timedwait(&f->cv, &f->mu, &until);
            continue;
        }
        f->woken = 0;
        pthread_mutex_unlock(&f->mu);
        if (f->pending) {
            pthread_mutex_lock(&d->lock);
            take_policy(f);
            pthread_mutex_unlock(&d->lock);
        }
        gf_err_clear();
        gf_debug("%s: tick", f->policy->name);
        gfd_tick(d, f, time(NULL));
        pthread_mutex_lock(&f->mu);
    }
    f->exited = 1;
    pthread_mutex_unlock(&f->mu);
    if (d->wake)
        d->wake(d); /* the main thread reaps it */
    return NULL;
}

/* Start F's thread.  0, or -1 with an error. */
static int start_farm(struct gfd_farm *f)
{
    int err = pthread_create(&f->thread, NULL, farm_main, f);

    if (err) {
        gf_err(GF_ERR_OP, "cannot start the thread of farm %s: %s", f->policy->name, strerror(err));
        return -1;
    }
    f->has_thread = 1;
    return 0;
}

int gfd_run(struct gfd *d)
{
    pthread_mutex_lock(&d->lock);
    d->threaded = 1;
    for (int i = 0; i < d->nfarms; i++)
        if (!d->farms[i]->has_thread && start_farm(d->farms[i]) < 0) {
            pthread_mutex_unlock(&d->lock);
            return -1;
        }
    pthread_mutex_unlock(&d->lock);
    return 0;
}

void gfd_run_stop(struct gfd *d)
{
    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < d->nfarms; i++)
        gfd_farm_stop(d->farms[i]);
    for (int i = 0; i < d->ngone; i++)
        gfd_farm_stop(d->gone[i]);
    pthread_mutex_unlock(&d->lock);
}

/* Whether F's thread has ended (or never ran). */
static int ended(struct gfd_farm *f)
{
    int done;

    if (!f->has_thread)
        return 1;
    pthread_mutex_lock(&f->mu);
    done = f->exited;
    pthread_mutex_unlock(&f->mu);
    return done;
}

int gfd_run_reap(struct gfd *d)
{
    int running = 0, kept = 0;

    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < d->ngone; i++) {
        struct gfd_farm *f = d->gone[i];
        if (!ended(f)) {
            d->gone[kept++] = f;
            running++;
            continue;
        }
        pthread_join(f->thread, NULL);
        gfd_farm_free(f);
    }
    d->ngone = kept;
    for (int i = 0; i < d->nfarms; i++) {
        struct gfd_farm *f = d->farms[i];
        if (!f->has_thread)
            continue;
        if (!ended(f)) {
            running++;
            continue;
        }
        pthread_join(f->thread, NULL);
        f->has_thread = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return running;
}
