/* push_job.c - goldfarmd's pushes, one per farm at a time, on a thread of
 * their own (see push_job.h). */
#include "act/push_job.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "model/journal.h"

enum job_state { JOB_IDLE, JOB_RUNNING, JOB_ENDED };

struct gf_push_jobs {
    char state_dir[4096]; /* "": no journal */
    void (*wake)(void *opaque);
    void *opaque;
    pthread_mutex_t lock;
    enum job_state state;
    int joinable; /* the thread ended or runs, and is not joined yet */
    pthread_t thread;
    int cancel;               /* read by the push at every chunk */
    unsigned long long moved; /* bytes streamed so far (atomic) */
    virConnectPtr src, dst;   /* the job's references */
    char image[GF_NAME_MAX + 1];
    char pool[GF_NAME_MAX + 1]; /* "": the source disk's pool's name */
    unsigned int version;
    struct gf_push_done done; /* uri and version set at start, the rest at the end */
};

/* Recovery's connections: only the job's target (what its journal names
 * is pushes to it); another target's interrupted push stays open. */
static virConnectPtr recover_connect(void *opaque, const char *uri)
{
    struct gf_push_jobs *j = opaque;

    return strcmp(uri, j->done.uri) == 0 ? j->dst : NULL;
}

/* The job's thread: the lock and the journal, the push, the outcome. */
static void *job_main(void *arg)
{
    struct gf_push_jobs *j = arg;
    struct gf_push_opts o = {.pool = j->pool[0] ? j->pool : NULL,
                             .target_uri = j->done.uri,
                             .cancel = &j->cancel,
                             .moved = &j->moved};
    struct gf_push_result r;
    struct gf_journal *journal = NULL;
    int lock_fd = -1, left = 0, ok = 0;

    gf_err_clear();
    if (!j->state_dir[0] || (journal = gf_push_journal_open(j->state_dir, recover_connect, j,
                                                            &j->cancel, &lock_fd, &left))) {
        o.journal = journal;
        ok = gf_push(j->src, j->image, j->version, j->dst, &o, &r) == 0;
    }
    pthread_mutex_lock(&j->lock);
    j->done.ok = ok;
    if (ok)
        j->done.r = r;
    else
        snprintf(j->done.error, sizeof(j->done.error), "%s", gf_err_message());
    j->state = JOB_ENDED;
    pthread_mutex_unlock(&j->lock);
    gf_journal_close(journal);
    if (lock_fd >= 0)
        close(lock_fd);
    if (j->wake)
        j->wake(j->opaque);
    return NULL;
}

struct gf_push_jobs *gf_push_jobs_new(const char *state_dir, void (*wake)(void *opaque),
                                      void *opaque)
{
    struct gf_push_jobs *j = calloc(1, sizeof(*j));

    if (!j) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    snprintf(j->state_dir, sizeof(j->state_dir), "%s", state_dir ? state_dir : "");
    j->wake = wake;
    j->opaque = opaque;
    pthread_mutex_init(&j->lock, NULL);
    return j;
}

/* Join J's thread if it ended or is asked to (J's lock not held), and drop
 * its connections. */
static void job_join(struct gf_push_jobs *j)
{
    if (!j->joinable)
        return;
    pthread_join(j->thread, NULL);
    j->joinable = 0;
    if (j->src)
        virConnectClose(j->src);
    if (j->dst)
        virConnectClose(j->dst);
    j->src = j->dst = NULL;
}

void gf_push_jobs_free(struct gf_push_jobs *j)
{
    if (!j)
        return;
    __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
    job_join(j);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

int gf_push_jobs_start(struct gf_push_jobs *j, virConnectPtr src, virConnectPtr dst,
                       const char *image, unsigned int version, const char *uri, const char *pool)
{
    pthread_mutex_lock(&j->lock);
    if (j->state != JOB_IDLE) {
        pthread_mutex_unlock(&j->lock);
        gf_err(GF_ERR_OP, "a push of this farm is under way (to %s)", j->done.uri);
        return -1;
    }
    pthread_mutex_unlock(&j->lock);
    job_join(j); /* the last one, ended and taken */
    memset(&j->done, 0, sizeof(j->done));
    snprintf(j->done.uri, sizeof(j->done.uri), "%s", uri);
    j->done.version = version;
    snprintf(j->image, sizeof(j->image), "%s", image);
    snprintf(j->pool, sizeof(j->pool), "%s", pool ? pool : "");
    j->version = version;
    j->moved = 0;
    j->cancel = 0;
    if (virConnectRef(src) < 0 || virConnectRef(dst) < 0) {
        gf_err_virt("holding the connections of the push to %s", uri);
        return -1;
    }
    j->src = src;
    j->dst = dst;
    j->state = JOB_RUNNING;
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        j->state = JOB_IDLE;
        virConnectClose(src);
        virConnectClose(dst);
        j->src = j->dst = NULL;
        gf_err(GF_ERR_OP, "cannot start the thread of the push to %s", uri);
        return -1;
    }
    j->joinable = 1;
    return 0;
}

int gf_push_jobs_running(struct gf_push_jobs *j, char *uri, size_t len, unsigned int *version,
                         unsigned long long *bytes)
{
    int running;

    pthread_mutex_lock(&j->lock);
    running = j->state == JOB_RUNNING;
    if (running) {
        if (uri)
            snprintf(uri, len, "%s", j->done.uri);
        if (version)
            *version = j->done.version;
        if (bytes)
            *bytes = __atomic_load_n(&j->moved, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&j->lock);
    return running;
}

int gf_push_jobs_take(struct gf_push_jobs *j, struct gf_push_done *out)
{
    int ended;

    pthread_mutex_lock(&j->lock);
    if ((ended = j->state == JOB_ENDED)) {
        *out = j->done;
        j->state = JOB_IDLE;
    }
    pthread_mutex_unlock(&j->lock);
    if (ended)
        job_join(j);
    return ended;
}
