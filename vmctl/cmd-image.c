/* cmd-image.c - image list|mark. */
#include <stdio.h>
#include <stdlib.h>

#include "image.h"
#include "json.h"
#include "timefmt.h"
#include "vmctl.h"

/* vmctl image list [--json] */
static int cmd_image_list(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    virConnectPtr conn = vmctl_conn(ctx);
    struct gf_image *list;
    struct gf_json j;
    size_t n;

    if (!conn || gf_image_list(conn, &list, &n) < 0)
        return -1;
    gf_json_init(&j, ctx->out);
    if (vmctl_flag(args, "json"))
        gf_json_open(&j, NULL, '[');
    else
        fprintf(ctx->out, "%-20s %-7s %-19s  %-6s %-6s %s\n", "NAME", "VERSION", "MARKED", "DISKS",
                "CLONES", "DISK");
    for (size_t i = 0; i < n; i++) {
        char marked[GF_TIME_LEN];
        if (vmctl_flag(args, "json")) {
            gf_time_iso(list[i].marked, marked);
            gf_json_open(&j, NULL, '{');
            gf_json_str(&j, "name", list[i].name);
            gf_json_int(&j, "version", list[i].version);
            gf_json_str(&j, "marked", marked);
            gf_json_int(&j, "disks", (long long)list[i].ndisks);
            gf_json_int(&j, "clones", list[i].clones);
            gf_json_str(&j, "disk", list[i].disk);
            gf_json_close(&j, '}');
        } else {
            gf_time_local(list[i].marked, marked);
            fprintf(ctx->out, "%-20s %-7u %-19s  %-6zu %-6u %s\n", list[i].name, list[i].version,
                    marked, list[i].ndisks, list[i].clones, list[i].disk);
        }
    }
    if (vmctl_flag(args, "json"))
        gf_json_close(&j, ']');
    free(list);
    return 0;
}

/* vmctl image mark DOMAIN */
static int cmd_image_mark(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    virConnectPtr conn = vmctl_conn(ctx);

    if (!conn)
        return -1;
    return gf_image_mark(conn, args->pos[0]);
}

static const struct vmctl_opt list_opts[] = {
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_image_cmds[] = {
    {"image list", cmd_image_list, list_opts, "", 0, 0,
     "list gold images: version, disks, clones made from them", NULL},
    {"image mark", cmd_image_mark, NULL, "DOMAIN", 1, 1, "make a shut-off domain a gold image",
     "  From then on Goldfarm never writes, commits into or deletes its disks,\n"
     "  and refuses to snapshot, roll back or resize it."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
