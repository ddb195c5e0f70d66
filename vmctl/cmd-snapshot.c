/* cmd-snapshot.c - snapshot create|list|delete and rollback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "model/hosts.h"
#include "base/json.h"
#include "model/rollback.h"
#include "model/snapshot.h"
#include "base/timefmt.h"
#include "vmctl.h"

/* The hosts a command names: HOST... positionals (the first NPOS of them)
 * or --farm FARM, exactly one of the two.  Returns 0 with a new array for
 * gf_domains_free, or -1 with an error. */
static int targets(struct vmctl_ctx *ctx, const struct vmctl_args *args, int npos,
                   virDomainPtr **doms, size_t *n)
{
    const char *farm = vmctl_opt(args, "farm");
    virConnectPtr conn;

    if (farm && npos > 0) {
        gf_err(GF_ERR_INPUT, "%s: give hosts or --farm, not both", args->cmd->name);
        return -1;
    }
    if (!farm && npos == 0) {
        gf_err(GF_ERR_INPUT, "%s: name a host or give --farm FARM", args->cmd->name);
        return -1;
    }
    if (!(conn = vmctl_conn(ctx)))
        return -1;
    if (farm)
        return gf_farm_hosts(conn, farm, doms, n);
    return gf_named_hosts(conn, args->pos, (size_t)npos, doms, n);
}

/* vmctl snapshot create HOST... | --farm FARM */
static int cmd_snapshot_create(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_snapshot_opts opts = {
        .name = vmctl_opt(args, "name"),
        .description = vmctl_opt(args, "description"),
        .memory = vmctl_flag(args, "memory"),
        .quiesce = vmctl_flag(args, "quiesce"),
    };
    char defname[64];
    virDomainPtr *doms = NULL;
    size_t n = 0;
    int ret;

    if (!opts.name) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(defname, sizeof(defname), "pre-patch-%Y%m%d-%H%M", &tm);
        opts.name = defname;
    }
    if (gf_snapshot_name_check(opts.name) < 0)
        return -1;
    if (opts.description && strlen(opts.description) > 1000) {
        gf_err(GF_ERR_INPUT, "snapshot description is longer than 1000 characters");
        return -1;
    }
    if (targets(ctx, args, args->npos, &doms, &n) < 0)
        return -1;
    ret = gf_snapshot_create(doms, n, &opts);
    if (ret == 0)
        fprintf(ctx->out, "snapshot '%s' taken of %zu host%s\n", opts.name, n, n == 1 ? "" : "s");
    gf_domains_free(doms, n);
    return ret;
}

/* Print LIST (N snapshots) as a table or JSON; WITH_HOST adds the host column. */
static void print_snapshots(struct vmctl_ctx *ctx, struct gf_json *j, int json,
                            const struct gf_snapinfo *list, size_t n, int with_host)
{
    for (size_t i = 0; i < n; i++) {
        const struct gf_snapinfo *s = &list[i];
        char created[GF_TIME_LEN];
        if (json) {
            gf_time_iso(s->created, created);
            gf_json_open(j, NULL, '{');
            gf_json_str(j, "host", s->host);
            gf_json_str(j, "name", s->name);
            gf_json_str(j, "created", created);
            gf_json_str(j, "state", s->state);
            gf_json_bool(j, "current", s->current);
            gf_json_str(j, "parent", s->parent[0] ? s->parent : NULL);
            gf_json_bool(j, "safety", s->safety);
            gf_json_str(j, "description", s->description[0] ? s->description : NULL);
            gf_json_close(j, '}');
            continue;
        }
        gf_time_local(s->created, created);
        if (with_host)
            fprintf(ctx->out, "%-16s ", s->host);
        fprintf(ctx->out, "%-28s %-19s  %-8s %-7s %s\n", s->name, created, s->state,
                s->current ? "yes" : "", s->parent[0] ? s->parent : "-");
    }
}

/* vmctl snapshot list HOST | --farm FARM [--json] */
static int cmd_snapshot_list(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    int json = vmctl_flag(args, "json"), ret = -1;
    virDomainPtr *doms = NULL;
    struct gf_json j;
    size_t n = 0;
    int with_host = vmctl_opt(args, "farm") != NULL;

    if (targets(ctx, args, args->npos, &doms, &n) < 0)
        return -1;
    gf_json_init(&j, ctx->out);
    if (json)
        gf_json_open(&j, NULL, '[');
    else {
        if (with_host)
            fprintf(ctx->out, "%-16s ", "HOST");
        fprintf(ctx->out, "%-28s %-19s  %-8s %-7s %s\n", "NAME", "CREATED", "STATE", "CURRENT",
                "PARENT");
    }
    for (size_t i = 0; i < n; i++) {
        struct gf_snapinfo *list;
        size_t count;
        if (gf_snapshot_list(doms[i], &list, &count) < 0)
            goto cleanup;
        print_snapshots(ctx, &j, json, list, count, with_host);
        free(list);
    }
    if (json)
        gf_json_close(&j, ']');
    ret = 0;
cleanup:
    gf_domains_free(doms, n);
    return ret;
}

/* vmctl snapshot delete HOST NAME | --farm FARM --name NAME */
static int cmd_snapshot_delete(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *name = vmctl_opt(args, "name");
    virDomainPtr *doms = NULL;
    size_t n = 0;
    int ret;

    if (vmctl_opt(args, "farm")) {
        if (!name) {
            gf_err(GF_ERR_INPUT, "snapshot delete: --farm needs --name NAME");
            return -1;
        }
        if (args->npos) {
            gf_err(GF_ERR_INPUT, "snapshot delete: give HOST NAME or --farm FARM --name NAME");
            return -1;
        }
    } else {
        if (args->npos != 2 || name) {
            gf_err(GF_ERR_INPUT, "snapshot delete: give HOST NAME or --farm FARM --name NAME");
            return -1;
        }
        name = args->pos[1];
    }
    if (gf_name_check("snapshot", name) < 0)
        return -1;
    if (targets(ctx, args, vmctl_opt(args, "farm") ? 0 : 1, &doms, &n) < 0)
        return -1;
    ret = gf_snapshot_delete(doms, n, name);
    gf_domains_free(doms, n);
    return ret;
}

/* vmctl rollback HOST [SNAPSHOT] | --farm FARM --name NAME [--force] */
static int cmd_rollback(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *name = vmctl_opt(args, "name");
    virDomainPtr *doms = NULL;
    size_t n = 0;
    int ret;

    if (vmctl_opt(args, "farm")) {
        if (!name || args->npos) {
            gf_err(GF_ERR_INPUT, "rollback: --farm needs --name NAME and no HOST");
            return -1;
        }
    } else {
        if (args->npos < 1 || args->npos > 2 || (name && args->npos == 2)) {
            gf_err(GF_ERR_INPUT, "rollback: give HOST [SNAPSHOT] or --farm FARM --name NAME");
            return -1;
        }
        if (args->npos == 2)
            name = args->pos[1];
    }
    if (targets(ctx, args, vmctl_opt(args, "farm") ? 0 : 1, &doms, &n) < 0)
        return -1;
    ret = gf_rollback(doms, n, name, vmctl_flag(args, "force"));
    if (ret == 0)
        fprintf(ctx->out, "rolled back %zu host%s\n", n, n == 1 ? "" : "s");
    gf_domains_free(doms, n);
    return ret;
}

static const struct vmctl_opt create_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "every host of farm FARM"},
    {"name", VMCTL_OPT_STRING, "NAME", "snapshot name (default pre-patch-YYYYMMDD-HHMM)"},
    {"description", VMCTL_OPT_STRING, "TEXT", "a description kept with the snapshot"},
    {"memory", VMCTL_OPT_BOOL, NULL, "keep a running host's memory: rollback resumes it running"},
    {"quiesce", VMCTL_OPT_BOOL, NULL, "freeze the guest filesystems through the guest agent"},
    {NULL, 0, NULL, NULL},
};

static const struct vmctl_opt list_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "every host of farm FARM"},
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {NULL, 0, NULL, NULL},
};

static const struct vmctl_opt delete_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "every host of farm FARM"},
    {"name", VMCTL_OPT_STRING, "NAME", "the snapshot to delete, with --farm"},
    {NULL, 0, NULL, NULL},
};

static const struct vmctl_opt rollback_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "every host of farm FARM"},
    {"name", VMCTL_OPT_STRING, "NAME", "the snapshot to roll back to, with --farm"},
    {"force", VMCTL_OPT_BOOL, NULL, "revert even when libvirt calls it risky"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_snapshot_cmds[] = {
    {"snapshot create", cmd_snapshot_create, create_opts, "HOST... | --farm FARM", 0, -1,
     "snapshot one host, several, or a whole farm, all or nothing",
     "  If one host fails, the snapshots this run took are deleted and the error\n"
     "  names the host.  A running host's snapshot keeps its memory state on\n"
     "  QEMU (internal snapshots); --memory asks for that explicitly."},
    {"snapshot list", cmd_snapshot_list, list_opts, "HOST | --farm FARM", 0, 1,
     "list snapshots: name, created, state, current, parent", NULL},
    {"snapshot delete", cmd_snapshot_delete, delete_opts, "HOST NAME | --farm FARM --name NAME", 0,
     2, "delete a snapshot of one host or of every host of a farm",
     "  With --farm, every host must have the snapshot; this is checked first."},
    {"rollback", cmd_rollback, rollback_opts, "HOST [SNAPSHOT] | --farm FARM --name NAME", 0, 2,
     "revert to a snapshot, keeping a safety snapshot of what was there",
     "  Without SNAPSHOT, the host's newest snapshot that is not a safety\n"
     "  snapshot.  The safety snapshot (gf-safety-YYYYMMDD-HHMMSS) lets the\n"
     "  rollback itself be rolled back.  A revert that fails is undone from it."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
