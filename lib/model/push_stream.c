/* push_stream.c - one volume through libvirt streams: download from one
 * connection, upload to another, SHA-256 on the way, progress on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/fault.h"
#include "base/log.h"
#include "model/push.h"

#define CHUNK (1u << 20) /* bytes a receive asks for */

/* Feed LEN zero bytes (a hole) into SUM. */
static void sum_zeros(GChecksum *sum, long long len)
{
    static const guchar zeros[64 * 1024];

    while (len > 0) {
        gssize n = len > (long long)sizeof(zeros) ? (gssize)sizeof(zeros) : (gssize)len;
        g_checksum_update(sum, zeros, n);
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

int gf_stream_volume(virConnectPtr sconn, virStorageVolPtr src, virConnectPtr dconn,
                     virStorageVolPtr dst, GChecksum *sum, struct gf_stream_job *job)
{
    unsigned int dflags = job->sparse ? VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0;
    unsigned int uflags = job->sparse ? VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0;
    virStreamPtr in = NULL, out = NULL;
    double start = gf_now(), shown = start;
    char *buf = malloc(CHUNK);
    int ret = -1, in_open = 0, out_open = 0, shown_any = 0;

    job->bytes = job->holes = 0;
    if (!buf) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    if (!(in = virStreamNew(sconn, 0)) || virStorageVolDownload(src, in, 0, 0, dflags) < 0) {
        gf_err_virt("%s: reading the source volume", job->label);
        goto cleanup;
    }
    in_open = 1;
    if (dst &&
        (!(out = virStreamNew(dconn, 0)) || virStorageVolUpload(dst, out, 0, 0, uflags) < 0)) {
        gf_err_virt("%s: writing the target volume", job->label);
        goto cleanup;
    }
    out_open = dst != NULL;
    for (;;) {
        int n = job->sparse ? virStreamRecvFlags(in, buf, CHUNK, VIR_STREAM_RECV_STOP_AT_HOLE)
                            : virStreamRecv(in, buf, CHUNK);
        double t;
        if (n == -3) { /* a hole here */
            long long len = 0;
            if (virStreamRecvHole(in, &len, 0) < 0) {
                gf_err_virt("%s: reading a hole of the source volume", job->label);
                goto cleanup;
            }
            if (out && virStreamSendHole(out, len, 0) < 0) {
                gf_err_virt("%s: writing a hole to the target volume", job->label);
                goto cleanup;
            }
            sum_zeros(sum, len);
            job->holes += (unsigned long long)len;
        } else if (n < 0) {
            gf_err_virt("%s: reading the source volume", job->label);
            goto cleanup;
        } else if (n == 0) {
            break;
        } else {
            g_checksum_update(sum, (const guchar *)buf, n);
            if (out && send_all(out, buf, (size_t)n) < 0) {
                gf_err_virt("%s: writing the target volume", job->label);
                goto cleanup;
            }
            job->bytes += (unsigned long long)n;
        }
        if (out && job->bytes + job->holes >= CHUNK && gf_fault("push-stream", job->label) < 0)
            goto cleanup;
        t = gf_now();
        if (job->progress && t - start >= 1.0 && t - shown >= 0.5) {
            show(job, start, t);
            shown = t;
            shown_any = 1;
        }
    }
    in_open = 0;
    if (virStreamFinish(in) < 0) {
        gf_err_virt("%s: finishing the read of the source volume", job->label);
        goto cleanup;
    }
    out_open = 0;
    if (out && virStreamFinish(out) < 0) {
        gf_err_virt("%s: finishing the write of the target volume", job->label);
        goto cleanup;
    }
    ret = 0;
cleanup:
    if (shown_any)
        fprintf(stderr, "\r\033[K");
    if (in_open)
        virStreamAbort(in);
    if (out_open)
        virStreamAbort(out);
    if (in)
        virStreamFree(in);
    if (out)
        virStreamFree(out);
    free(buf);
    return ret;
}
