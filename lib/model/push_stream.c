/* push_stream.c - one volume through libvirt streams: download from one
 * connection, upload to another, SHA-256 on the way, progress on stderr.
 *
 * A copy is a pipeline of two threads: a reader receives chunks from the
 * source stream and hashes them into a ring of buffers, the caller's
 * thread sends them to the target, so receiving, hashing and sending
 * overlap.  Reading alone (a verify) is one loop. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/fault.h"
#include "base/log.h"
#include "model/push.h"

#define CHUNK (1u << 20) /* bytes a receive asks for */
#define SLOTS 8          /* chunks in flight between the reader and the sender */

/* Feed N bytes of BUF into SUM and ALSO (either may be NULL). */
static void feed(GChecksum *sum, GChecksum *also, const guchar *buf, gssize n)
{
    if (sum)
        g_checksum_update(sum, buf, n);
    if (also)
        g_checksum_update(also, buf, n);
}

/* Feed LEN zero bytes (a hole) into SUM and ALSO. */
static void sum_zeros(GChecksum *sum, GChecksum *also, long long len)
{
    static const guchar zeros[64 * 1024];

    while (len > 0) {
        gssize n = len > (long long)sizeof(zeros) ? (gssize)sizeof(zeros) : (gssize)len;
        feed(sum, also, zeros, n);
        len -= n;
    }
}

/* Send LEN bytes of BUF on ST, however many calls it takes.  0 or -1. */
static int send_all(virStreamPtr st, const char *buf, size_t len)
{
    while (len > 0) {
        int n = virStreamSend(st, buf, len);
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* LEN more bytes moved by JOB: its shared counter.  Whether it is told to
 * stop: 1 with an error, else 0. */
static int moved(struct gf_stream_job *job, long long len)
{
    if (job->moved && len > 0)
        __atomic_add_fetch(job->moved, (unsigned long long)len, __ATOMIC_RELAXED);
    if (job->cancel && __atomic_load_n(job->cancel, __ATOMIC_RELAXED)) {
        gf_err(GF_ERR_OP, "%s: cancelled (the daemon stops)", job->label);
        return 1;
    }
    if (job->halt && __atomic_load_n(job->halt, __ATOMIC_RELAXED)) {
        gf_err(GF_ERR_OP, "%s: stopped (the read beside it failed)", job->label);
        return 1;
    }
    return 0;
}

/* Show JOB's progress at T seconds after START (on one line). */
static void show(const struct gf_stream_job *job, double start, double t)
{
    double mib = (double)(job->bytes + job->holes) / (1 << 20), s = t - start;

    if (job->total)
        fprintf(stderr, "\r\033[K%s: %.0f / %llu MiB, %.0f MiB/s (%.0f s)", job->label, mib,
                job->total >> 20, s > 0 ? mib / s : 0.0, s);
    else
        fprintf(stderr, "\r\033[K%s: %.0f MiB, %.0f MiB/s (%.0f s)", job->label, mib,
                s > 0 ? mib / s : 0.0, s);
}

/* One chunk received: LEN data bytes in BUF, or a hole of HOLE bytes;
 * neither: the end of the stream. */
struct chunk {
    char *buf;
    int len;
    long long hole;
};

/* Receive the next chunk of IN (sparse: stopping at holes) into C, and
 * feed it into SUM and ALSO.  0, or -1 with libvirt's error. */
static int receive(virStreamPtr in, int sparse, struct chunk *c, GChecksum *sum, GChecksum *also)
{
    int n = sparse ? virStreamRecvFlags(in, c->buf, CHUNK, VIR_STREAM_RECV_STOP_AT_HOLE)
                   : virStreamRecv(in, c->buf, CHUNK);

    c->len = 0;
    c->hole = 0;
    if (n == -3) { /* a hole here */
        if (virStreamRecvHole(in, &c->hole, 0) < 0)
            return -1;
        sum_zeros(sum, also, c->hole);
        return 0;
    }
    if (n < 0)
        return -1;
    c->len = n;
    feed(sum, also, (const guchar *)c->buf, n);
    return 0;
}

/* The ring between the reader thread and the sender. */
struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk slot[SLOTS];
    int head, count; /* the oldest filled slot, and how many are filled */
    int stop;        /* the sender gave up: the reader ends */
    int failed;      /* the reader failed: why in ERROR */
    char error[768];
    virStreamPtr in;
    int sparse;
    GChecksum *sum, *also;
};

/* The reader: fill free slots from the source stream until its end, a
 * failure, or the sender stopping. */
static void *reader(void *arg)
{
    struct pipeline *p = arg;

    for (;;) {
        struct chunk *c;
        int rc, end;
        pthread_mutex_lock(&p->mu);
        while (p->count == SLOTS && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        c = &p->slot[(p->head + p->count) % SLOTS];
        pthread_mutex_unlock(&p->mu);
        /* only this thread touches a slot that is not filled */
        rc = receive(p->in, p->sparse, c, p->sum, p->also);
        end = rc < 0 || (!c->len && !c->hole);
        pthread_mutex_lock(&p->mu);
        if (rc < 0) {
            p->failed = 1;
            snprintf(p->error, sizeof(p->error), "%s", virGetLastErrorMessage());
        } else {
            p->count++;
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (end)
            return NULL;
    }
}

/* Copy IN to OUT through the pipeline, SUM and JOB's counts on the way.
 * 0, or -1 with an error (the reader has ended either way). */
static int pump_pipelined(virStreamPtr in, virStreamPtr out, GChecksum *sum,
                          struct gf_stream_job *job)
{
    struct pipeline p = {.in = in, .sparse = job->sparse, .sum = sum, .also = job->also};
    double start = gf_now(), shown = start;
    int ret = -1, shown_any = 0, nbufs = 0;
    pthread_t tid;

    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (; nbufs < SLOTS; nbufs++)
        if (!(p.slot[nbufs].buf = malloc(CHUNK))) {
            gf_err(GF_ERR_OP, "out of memory");
            goto cleanup;
        }
    if (pthread_create(&tid, NULL, reader, &p) != 0) {
        gf_err(GF_ERR_OP, "%s: cannot start the reading thread", job->label);
        goto cleanup;
    }
    for (;;) {
        struct chunk *c;
        int failed = 0;
        double t;
        pthread_mutex_lock(&p.mu);
        while (p.count == 0 && !p.failed)
            pthread_cond_wait(&p.cv, &p.mu);
        if (p.count == 0)
            failed = 1;
        c = &p.slot[p.head];
        pthread_mutex_unlock(&p.mu);
        if (failed) {
            gf_err(GF_ERR_OP, "%s: reading the source volume: %s", job->label, p.error);
            break;
        }
        if (!c->len && !c->hole) {
            ret = 0; /* the end */
            break;
        }
        if (c->hole && virStreamSendHole(out, c->hole, 0) < 0) {
            gf_err_virt("%s: writing a hole to the target volume", job->label);
            break;
        }
        if (c->len && send_all(out, c->buf, (size_t)c->len) < 0) {
            gf_err_virt("%s: writing the target volume", job->label);
            break;
        }
        job->bytes += (unsigned long long)c->len;
        job->holes += (unsigned long long)c->hole;
        pthread_mutex_lock(&p.mu);
        p.head = (p.head + 1) % SLOTS;
        p.count--;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        if (moved(job, c->len + c->hole) ||
            (job->bytes + job->holes >= CHUNK && gf_fault("push-stream", job->label) < 0))
            break;
        t = gf_now();
        if (job->progress && t - start >= 1.0 && t - shown >= 0.5) {
            show(job, start, t);
            shown = t;
            shown_any = 1;
        }
    }
    /* the reader ends at the stream's end or failure, or once told to stop
     * (a receive under way returns: the source keeps sending) */
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    pthread_join(tid, NULL);
    if (shown_any)
        fprintf(stderr, "\r\033[K");
cleanup:
    for (int i = 0; i < nbufs; i++)
        free(p.slot[i].buf);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return ret;
}

/* Read IN to its end into SUM, with JOB's counts and progress.  0 or -1. */
static int pump_read(virStreamPtr in, GChecksum *sum, struct gf_stream_job *job)
{
    struct chunk c = {.buf = malloc(CHUNK)};
    double start = gf_now(), shown = start;
    int ret = -1, shown_any = 0;

    if (!c.buf) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (;;) {
        double t;
        if (receive(in, job->sparse, &c, sum, job->also) < 0) {
            gf_err_virt("%s: reading the volume", job->label);
            break;
        }
        if (!c.len && !c.hole) {
            ret = 0;
            break;
        }
        job->bytes += (unsigned long long)c.len;
        job->holes += (unsigned long long)c.hole;
        if (moved(job, c.len + c.hole) ||
            (job->bytes + job->holes >= CHUNK && gf_fault("push-stream", job->label) < 0))
            break;
        t = gf_now();
        if (job->progress && t - start >= 1.0 && t - shown >= 0.5) {
            show(job, start, t);
            shown = t;
            shown_any = 1;
        }
    }
    if (shown_any)
        fprintf(stderr, "\r\033[K");
    free(c.buf);
    return ret;
}

int gf_stream_volume(virConnectPtr sconn, virStorageVolPtr src, virConnectPtr dconn,
                     virStorageVolPtr dst, GChecksum *sum, struct gf_stream_job *job)
{
    unsigned int dflags = job->sparse ? VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0;
    unsigned int uflags = job->sparse ? VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0;
    virStreamPtr in = NULL, out = NULL;
    int ret = -1, in_open = 0, out_open = 0;

    job->bytes = job->holes = 0;
    if (!(in = virStreamNew(sconn, 0)) || virStorageVolDownload(src, in, 0, 0, dflags) < 0) {
        gf_err_virt("%s: reading %s", job->label, dst ? "the source volume" : "the volume");
        goto cleanup;
    }
    in_open = 1;
    if (dst &&
        (!(out = virStreamNew(dconn, 0)) || virStorageVolUpload(dst, out, 0, 0, uflags) < 0)) {
        gf_err_virt("%s: writing the target volume", job->label);
        goto cleanup;
    }
    out_open = dst != NULL;
    if ((out ? pump_pipelined(in, out, sum, job) : pump_read(in, sum, job)) < 0)
        goto cleanup;
    in_open = 0;
    if (virStreamFinish(in) < 0) {
        gf_err_virt("%s: finishing the read of %s", job->label,
                    dst ? "the source volume" : "the volume");
        goto cleanup;
    }
    out_open = 0;
    if (out && virStreamFinish(out) < 0) {
        gf_err_virt("%s: finishing the write of the target volume", job->label);
        goto cleanup;
    }
    ret = 0;
cleanup:
    if (in_open)
        virStreamAbort(in);
    if (out_open)
        virStreamAbort(out);
    if (in)
        virStreamFree(in);
    if (out)
        virStreamFree(out);
    return ret;
}
