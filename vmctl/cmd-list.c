/* cmd-list.c - list: the domains Goldfarm manages, gold images and hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/json.h"
#include "model/meta.h"
#include "base/size.h"
#include "vmctl.h"

/* libvirt's domain state as virsh names it. */
static const char *state_name(unsigned char state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING:
        return "running";
    case VIR_DOMAIN_BLOCKED:
        return "idle";
    case VIR_DOMAIN_PAUSED:
        return "paused";
    case VIR_DOMAIN_SHUTDOWN:
        return "in shutdown";
    case VIR_DOMAIN_SHUTOFF:
        return "shut off";
    case VIR_DOMAIN_CRASHED:
        return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
        return "pmsuspended";
    default:
        return "no state";
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(virDomainGetName(*(virDomainPtr const *)a),
                  virDomainGetName(*(virDomainPtr const *)b));
}

/* vmctl list [--farm FARM] [--json] */
static int cmd_list(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *farm = vmctl_opt(args, "farm");
    int json = vmctl_flag(args, "json"), n, ret = -1;
    virConnectPtr conn = vmctl_conn(ctx);
    virDomainPtr *doms = NULL;
    struct gf_json j;

    if (!conn || (farm && gf_name_check("farm", farm) < 0))
        return -1;
    if ((n = virConnectListAllDomains(conn, &doms, 0)) < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    qsort(doms, (size_t)n, sizeof(*doms), by_name);
    gf_json_init(&j, ctx->out);
    if (json)
        gf_json_open(&j, NULL, '[');
    else
        fprintf(ctx->out, "%-20s %-5s %-12s %-20s %-9s %-5s %-7s %s\n", "NAME", "ROLE", "FARM",
                "IMAGE", "STATE", "VCPUS", "MEMORY", "HOST STATE");
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        virDomainInfo info;
        char mem[32];
        int managed = gf_meta_get(doms[i], &m);
        if (managed < 0)
            goto cleanup;
        if (!managed || (farm && strcmp(m.farm, farm) != 0))
            continue;
        if (virDomainGetInfo(doms[i], &info) < 0) {
            gf_err_virt("reading the state of '%s'", virDomainGetName(doms[i]));
            goto cleanup;
        }
        gf_size_format(info.memory, mem, sizeof(mem));
        if (json) {
            gf_json_open(&j, NULL, '{');
            gf_json_str(&j, "name", virDomainGetName(doms[i]));
            gf_json_str(&j, "role", gf_role_name(m.role));
            gf_json_str(&j, "farm", m.farm[0] ? m.farm : NULL);
            gf_json_str(&j, "image", m.image);
            gf_json_int(&j, "image_version", m.image_version);
            gf_json_str(&j, "state", state_name(info.state));
            gf_json_int(&j, "vcpus", info.nrVirtCpu);
            gf_json_int(&j, "memory_kib", (long long)info.memory);
            gf_json_str(&j, "host_state",
                        m.role == GF_ROLE_HOST ? gf_host_state_name(m.state) : NULL);
            gf_json_close(&j, '}');
        } else {
            char image[GF_NAME_MAX + 16];
            snprintf(image, sizeof(image), "%s v%u", m.image, m.image_version);
            fprintf(ctx->out, "%-20s %-5s %-12s %-20s %-9s %-5u %-7s %s\n",
                    virDomainGetName(doms[i]), gf_role_name(m.role), m.farm[0] ? m.farm : "-",
                    image, state_name(info.state), info.nrVirtCpu, mem,
                    m.role == GF_ROLE_HOST ? gf_host_state_name(m.state) : "-");
        }
    }
    if (json)
        gf_json_close(&j, ']');
    ret = 0;
cleanup:
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return ret;
}

static const struct vmctl_opt list_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "only the hosts of farm FARM"},
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_list_cmds[] = {
    {"list", cmd_list, list_opts, "", 0, 0,
     "list the domains Goldfarm manages: gold images and hosts",
     "  Domains without Goldfarm's metadata are not listed: Goldfarm does not\n"
     "  manage them.  VCPUS and MEMORY are the running values when running."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
