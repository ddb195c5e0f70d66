/* cmd-clone.c - clone GOLD NAME. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/escape.h"
#include "model/clone.h"
#include "model/meta.h"
#include "model/seed.h"
#include "policy/policy.h"
#include "vmctl.h"

/* Load the policy FILE for its farm and identity group.  NULL with a
 * GF_ERR_INPUT error quoting the file's first error. */
static struct gf_policy *clone_policy(const char *file)
{
    char *errors = NULL;
    struct gf_policy *p = gf_policy_load(file, &errors);

    if (!p)
        gf_err(GF_ERR_INPUT, "%s (vmctl policy check %s shows every error)",
               errors ? strtok(errors, "\n") : file, file);
    free(errors);
    return p;
}

/* vmctl clone GOLD NAME [--version N] [--full] [--start] [--farm FARM]
 *                       [--policy FILE] [--identity | --no-identity] */
static int cmd_clone(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_clone_opts opts = {
        .farm = vmctl_opt(args, "farm"),
        .full = vmctl_flag(args, "full"),
        .start = vmctl_flag(args, "start"),
        .progress = isatty(STDERR_FILENO),
    };
    struct gf_identity id = {.guest = GF_GUEST_LINUX}; /* --identity alone: meta-data only */
    struct gf_policy *p = NULL;
    virConnectPtr conn;
    int ret = -1;

    if (vmctl_opt(args, "version") && vmctl_number("--version", vmctl_opt(args, "version"), 1,
                                                   GF_VERSION_MAX, &opts.image_version) < 0)
        return -1;
    if (vmctl_flag(args, "identity") && vmctl_flag(args, "no-identity")) {
        gf_err(GF_ERR_INPUT, "--identity and --no-identity contradict each other");
        return -1;
    }
    if (vmctl_opt(args, "policy")) {
        if (!(p = clone_policy(vmctl_opt(args, "policy"))))
            return -1;
        if (opts.farm && strcmp(opts.farm, p->name) != 0) {
            char farm[GF_ESC_LEN];
            gf_err(GF_ERR_INPUT, "--farm '%s' is not the farm of policy %s ('%s')",
                   gf_esc(opts.farm, farm, sizeof(farm)), vmctl_opt(args, "policy"), p->name);
            goto cleanup;
        }
        opts.farm = p->name;
        if (p->identity_on)
            gf_policy_identity(p, &id);
    }
    /* a seed when the policy's identity group says so, or when asked for */
    if (!vmctl_flag(args, "no-identity") && (vmctl_flag(args, "identity") || (p && p->identity_on)))
        opts.identity = &id;
    if (!(conn = vmctl_conn(ctx)))
        goto cleanup;
    ret = gf_clone(conn, args->pos[0], args->pos[1], &opts);
cleanup:
    gf_policy_free(p);
    return ret;
}

static const struct vmctl_opt clone_opts[] = {
    {"version", VMCTL_OPT_STRING, "N",
     "clone this version of the image (default: the promoted one)"},
    {"full", VMCTL_OPT_BOOL, NULL, "copy the gold disks instead of linking to them"},
    {"start", VMCTL_OPT_BOOL, NULL, "start the clone once defined"},
    {"farm", VMCTL_OPT_STRING, "FARM", "the farm the clone joins"},
    {"policy", VMCTL_OPT_STRING, "FILE",
     "the farm's policy: its farm, and its identity group's guest kind and templates"},
    {"identity", VMCTL_OPT_BOOL, NULL,
     "give the clone a NoCloud seed (without --policy: meta-data only, a Linux guest)"},
    {"no-identity", VMCTL_OPT_BOOL, NULL, "no seed, whatever the policy says"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_clone_cmds[] = {
    {"clone", cmd_clone, clone_opts, "GOLD NAME", 2, 2, "make a new host from a gold image",
     "  GOLD is an image (its promoted version, or --version N) or a gold\n"
     "  domain's own name.  A linked clone (default) is a qcow2 overlay whose backing file is the\n"
     "  gold disk: it costs the same whatever the gold's size.  --full copies\n"
     "  the disks, with progress on a terminal.  New volumes are named\n"
     "  NAME-TARGET.qcow2 in the gold disk's pool.  A clone that fails leaves\n"
     "  no volume and no domain behind.\n"
     "  With --policy FILE whose identity group is there (or with --identity),\n"
     "  the clone gets its own NoCloud seed, NAME-cidata.iso in the same pool,\n"
     "  attached read-only: meta-data with its UUID as instance-id and NAME as\n"
     "  local-hostname, user-data and network-config from the policy's\n"
     "  templates.  cloud-init or cloudbase-init set the guest's name from it\n"
     "  at first boot.  --no-identity makes a clone without one."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
