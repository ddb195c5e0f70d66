/* cmd-clone.c - clone GOLD NAME. */
#include <stdio.h>
#include <unistd.h>

#include "model/clone.h"
#include "model/meta.h"
#include "vmctl.h"

/* vmctl clone GOLD NAME [--version N] [--full] [--start] [--farm FARM] */
static int cmd_clone(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_clone_opts opts = {
        .farm = vmctl_opt(args, "farm"),
        .full = vmctl_flag(args, "full"),
        .start = vmctl_flag(args, "start"),
        .progress = isatty(STDERR_FILENO),
    };
    virConnectPtr conn;

    if (vmctl_opt(args, "version") && vmctl_number("--version", vmctl_opt(args, "version"), 1,
                                                   GF_VERSION_MAX, &opts.image_version) < 0)
        return -1;
    if (!(conn = vmctl_conn(ctx)))
        return -1;
    return gf_clone(conn, args->pos[0], args->pos[1], &opts);
}

static const struct vmctl_opt clone_opts[] = {
    {"version", VMCTL_OPT_STRING, "N",
     "clone this version of the image (default: the promoted one)"},
    {"full", VMCTL_OPT_BOOL, NULL, "copy the gold disks instead of linking to them"},
    {"start", VMCTL_OPT_BOOL, NULL, "start the clone once defined"},
    {"farm", VMCTL_OPT_STRING, "FARM", "the farm the clone joins"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_clone_cmds[] = {
    {"clone", cmd_clone, clone_opts, "GOLD NAME", 2, 2, "make a new host from a gold image",
     "  GOLD is an image (its promoted version, or --version N) or a gold\n"
     "  domain's own name.  A linked clone (default) is a qcow2 overlay whose backing file is the\n"
     "  gold disk: it costs the same whatever the gold's size.  --full copies\n"
     "  the disks, with progress on a terminal.  New volumes are named\n"
     "  NAME-TARGET.qcow2 in the gold disk's pool.  A clone that fails leaves\n"
     "  no volume and no domain behind."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
