/* cmd-push.c - image push NAME [VERSION] --to URI...: a gold version copied
 * to other hypervisors through libvirt streams (lib/model/push.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/json.h"
#include "model/hosts.h"
#include "model/journal.h"
#include "model/push.h"
#include "vmctl.h"

#define MAX_TARGETS 32

/* The connections journal recovery opened, closed after it. */
struct recover_conns {
    virConnectPtr conn[MAX_TARGETS];
    int n;
};

/* gf_journal_recover's callback: a connection to URI, or NULL. */
static virConnectPtr recover_connect(void *opaque, const char *uri)
{
    struct recover_conns *rc = opaque;
    virConnectPtr c;

    if (rc->n >= MAX_TARGETS || !(c = gf_connect(uri))) {
        gf_err_clear();
        return NULL;
    }
    rc->conn[rc->n++] = c;
    return c;
}

/* Open the push journal of STATE_DIR, locked (held until the command
 * ends, its descriptor into *LOCK_FD), the pushes a crash interrupted
 * undone or finished.  The journal, or NULL with an error. */
static struct gf_journal *push_journal(const char *state_dir, int *lock_fd)
{
    struct recover_conns rc = {.n = 0};
    struct gf_journal *j;
    int left;

    j = gf_push_journal_open(state_dir, recover_connect, &rc, NULL, lock_fd, &left);
    for (int i = 0; i < rc.n; i++)
        virConnectClose(rc.conn[i]);
    if (j && left > 0)
        fprintf(stderr, "vmctl: %d interrupted push%s could not be resolved yet (see above)\n",
                left, left == 1 ? "" : "es");
    return j;
}

/* Print result R of the push to URI, for people or as JSON into J. */
static void print_result(struct vmctl_ctx *ctx, struct gf_json *j, int json, const char *uri,
                         const struct gf_push_result *r)
{
    static const char *const how[] = {"copied", "shared", "present"};
    double mib = (double)(r->bytes + r->holes) / (1 << 20);
    double stream = r->seconds - r->verify_seconds;

    if (json) {
        gf_json_open(j, NULL, '{');
        gf_json_str(j, "image", r->image);
        gf_json_int(j, "version", r->version);
        gf_json_str(j, "domain", r->domain);
        gf_json_str(j, "to", uri);
        gf_json_str(j, "result", how[r->how]);
        gf_json_str(j, "sha256", r->sha256);
        gf_json_int(j, "bytes", (long long)r->bytes);
        gf_json_int(j, "hole_bytes", (long long)r->holes);
        gf_json_real(j, "seconds", r->seconds, 3);
        gf_json_real(j, "verify_seconds", r->verify_seconds, 3);
        gf_json_close(j, '}');
        return;
    }
    if (r->how == GF_PUSH_PRESENT)
        fprintf(ctx->out, "%s v%u: %s has it already (sha256 %s)\n", r->image, r->version, uri,
                r->sha256);
    else if (r->how == GF_PUSH_SHARED)
        fprintf(ctx->out,
                "%s v%u: %s shares its storage: gold domain %s defined there, nothing "
                "copied (sha256 %s)\n",
                r->image, r->version, uri, r->domain, r->sha256);
    else
        fprintf(ctx->out,
                "%s v%u: pushed to %s as %s: %.1f MiB in %.2f s (%.0f MiB/s; verify %.2f s), "
                "sha256 %s\n",
                r->image, r->version, uri, r->domain, mib, r->seconds,
                stream > 0 ? mib / stream : 0.0, r->verify_seconds, r->sha256);
}

/* vmctl image push NAME [VERSION] --to URI... [--pool POOL] [--sparse]
 *                  [--no-verify] [--state-dir DIR] [--json] */
static int cmd_image_push(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *targets[MAX_TARGETS], *src_uri;
    struct gf_push_opts o = {.pool = vmctl_opt(args, "pool"),
                             .progress = isatty(STDERR_FILENO),
                             .sparse = vmctl_flag(args, "sparse"),
                             .no_verify = vmctl_flag(args, "no-verify")};
    unsigned int version = 0;
    int ntargets = 0, first = 1, json = vmctl_flag(args, "json"), lock_fd = -1, ret = -1;
    struct gf_journal *j = NULL;
    virConnectPtr src;
    struct gf_json out;
    char esc[GF_ESC_LEN];

    if (gf_name_check("image", args->pos[0]) < 0)
        return -1;
    if (args->npos > 1 && strspn(args->pos[1], "0123456789") == strlen(args->pos[1])) {
        if (vmctl_number("VERSION", args->pos[1], 1, GF_VERSION_MAX, &version) < 0)
            return -1;
        first = 2;
    }
    if (vmctl_opt(args, "to"))
        targets[ntargets++] = vmctl_opt(args, "to");
    for (int i = first; i < args->npos; i++) {
        if (ntargets >= MAX_TARGETS) {
            gf_err(GF_ERR_INPUT, "image push: at most %d --to targets", MAX_TARGETS);
            return -1;
        }
        if (!strchr(args->pos[i], ':')) {
            gf_err(GF_ERR_INPUT, "image push: '%s' is neither a VERSION nor a URI (--to URI)",
                   gf_esc(args->pos[i], esc, sizeof(esc)));
            return -1;
        }
        targets[ntargets++] = args->pos[i];
    }
    if (!ntargets) {
        gf_err(GF_ERR_INPUT, "image push: --to URI is required (the hypervisor to push to)");
        return -1;
    }
    if (o.pool && gf_name_check("pool", o.pool) < 0)
        return -1;
    if (!(src = vmctl_conn(ctx)))
        return -1;
    src_uri = ctx->uri;
    for (int i = 0; i < ntargets; i++) {
        char *here = virConnectGetURI(src);
        int same = (src_uri && strcmp(targets[i], src_uri) == 0) ||
                   (here && strcmp(targets[i], here) == 0);
        free(here);
        if (same) {
            gf_err(GF_ERR_INPUT, "image push: --to %s is the source hypervisor (--connect)",
                   gf_esc(targets[i], esc, sizeof(esc)));
            return -1;
        }
    }
    if (!(j = push_journal(vmctl_state_dir(args), &lock_fd)))
        goto cleanup;
    o.journal = j;
    gf_json_init(&out, ctx->out);
    if (json)
        gf_json_open(&out, NULL, '[');
    ret = 0;
    for (int i = 0; i < ntargets && ret == 0; i++) {
        struct gf_push_result r;
        virConnectPtr dst = gf_connect(targets[i]);
        o.target_uri = targets[i];
        if (!dst || gf_push(src, args->pos[0], version, dst, &o, &r) < 0)
            ret = -1;
        else
            print_result(ctx, &out, json, targets[i], &r);
        if (dst)
            virConnectClose(dst);
    }
    if (json) {
        gf_json_close(&out, ']');
    }
cleanup:
    gf_journal_close(j);
    if (lock_fd >= 0)
        close(lock_fd);
    return ret;
}

static const struct vmctl_opt push_opts[] = {
    {"to", VMCTL_OPT_LIST, "URI", "the hypervisor to push to; repeat for several (required)"},
    {"pool", VMCTL_OPT_STRING, "POOL",
     "the target's storage pool (default: the one named like the gold disk's pool)"},
    {"sparse", VMCTL_OPT_BOOL, NULL, "sparse streams: holes are not sent"},
    {"no-verify", VMCTL_OPT_BOOL, NULL, "do not re-read the copy on the target"},
    {"state-dir", VMCTL_OPT_STRING, "DIR",
     "where the push journal is kept, in DIR/push (" VMCTL_STATE_DIR ")"},
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_push_cmds[] = {
    {"image push", cmd_image_push, push_opts, "NAME [VERSION] --to URI...", 1, -1,
     "copy a gold version to other hypervisors through libvirt streams",
     "  Copies VERSION (default: the promoted one) of image NAME from the\n"
     "  hypervisor of -c/--connect to each --to URI: each gold disk is read with\n"
     "  virStorageVolDownload and written with virStorageVolUpload into a new\n"
     "  volume of the same name, capacity and format in the target's pool of the\n"
     "  same name (or --pool), then the gold domain is defined there with the\n"
     "  same name, UUID, image and version.  No scp, no shared filesystem.  The\n"
     "  SHA-256 of the bytes sent is computed on the way, checked against a\n"
     "  re-read of the target (unless --no-verify), and recorded in the gold's\n"
     "  metadata on both sides.  A target that has the version with the same\n"
     "  checksum is left alone; one with another checksum is refused.  A target\n"
     "  that sees the same storage (the same NFS export or RBD pool, or the same\n"
     "  volume by its key) gets only the domain.  Each push is journalled in the\n"
     "  state directory's push/: a push that fails leaves nothing on the target, and one\n"
     "  a crash interrupted is undone (or finished, once its domain is defined)\n"
     "  by the next push.  Progress on a terminal: MiB and MiB/s."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
