/* cmd-resize.c - resize HOST. */
#include <errno.h>
#include <stdlib.h>

#include "base/error.h"
#include "model/hosts.h"
#include "model/resize.h"
#include "base/size.h"
#include "vmctl.h"

/* vmctl resize HOST [--vcpus N] [--memory SIZE] [--live] [--config] */
static int cmd_resize(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *vcpus = vmctl_opt(args, "vcpus"), *memory = vmctl_opt(args, "memory");
    struct gf_resize r = {.live = vmctl_flag(args, "live"), .config = vmctl_flag(args, "config")};
    struct gf_meta meta;
    virConnectPtr conn;
    virDomainPtr dom;
    int ret;

    if (vcpus) {
        char *end;
        unsigned long v;
        errno = 0;
        v = strtoul(vcpus, &end, 10);
        if (errno || *end || end == vcpus || vcpus[0] == '-' || v > 4096) {
            gf_err(GF_ERR_INPUT, "--vcpus '%s': expected a number of vCPUs", vcpus);
            return -1;
        }
        if (v == 0) {
            gf_err(GF_ERR_INPUT, "--vcpus 0: a host needs at least one vCPU");
            return -1;
        }
        r.vcpus = (unsigned int)v;
    }
    if (memory && gf_size_parse("--memory", memory, &r.memory_kib) < 0)
        return -1;
    if (gf_name_check("host", args->pos[0]) < 0 || !(conn = vmctl_conn(ctx)))
        return -1;
    if (!(dom = gf_host_lookup(conn, args->pos[0], &meta)))
        return -1;
    ret = gf_resize(dom, &r);
    virDomainFree(dom);
    return ret;
}

static const struct vmctl_opt resize_opts[] = {
    {"vcpus", VMCTL_OPT_STRING, "N", "number of vCPUs (up to the host's maximum)"},
    {"memory", VMCTL_OPT_STRING, "SIZE", "memory, like 4G or 512M (up to the maximum)"},
    {"live", VMCTL_OPT_BOOL, NULL, "change the running host"},
    {"config", VMCTL_OPT_BOOL, NULL, "change the host's definition (from its next boot)"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_resize_cmds[] = {
    {"resize", cmd_resize, resize_opts, "HOST", 1, 1, "change a host's vCPUs or memory",
     "  Without --live or --config: the running host if it runs, else its\n"
     "  definition.  Removing vCPUs from a running host is refused: under QEMU\n"
     "  without KVM the unplug times out and can crash QEMU; use --config and\n"
     "  restart the host."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
