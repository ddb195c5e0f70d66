/* cmd-farm.c - farm status and farm quarantine: the daemon's farms as its
 * status files and libvirt show them (pause, resume, drain and replace ask
 * the daemon: cmd-control.c). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act/act.h"
#include "base/error.h"
#include "model/hosts.h"
#include "base/json.h"
#include "model/meta.h"
#include "base/names.h"
#include "base/timefmt.h"
#include "vmctl.h"

/* vmctl farm status [FARM] [--json] [--state-dir DIR] [--watch [--control SOCKET]] */
static int cmd_farm_status(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *dir = vmctl_state_dir(args), *farm = args->npos ? args->pos[0] : NULL;
    int json = vmctl_flag(args, "json"), shown = 0;
    struct dirent **entries;
    int n;

    if (farm && gf_name_check("farm", farm) < 0)
        return -1;
    if (vmctl_flag(args, "watch"))
        return vmctl_watch(ctx, args, farm, json);
    if (vmctl_opt(args, "control")) {
        gf_err(GF_ERR_INPUT, "farm status: --control goes with --watch (the files are read "
                             "without the daemon)");
        return -1;
    }
    if ((n = scandir(dir, &entries, NULL, alphasort)) < 0) {
        gf_err(GF_ERR_INPUT, "cannot read goldfarmd's state directory %s: %s", dir,
               strerror(errno));
        return -1;
    }
    if (json)
        fputc('[', ctx->out);
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        size_t len = strlen(name);
        char path[4200], *text;
        if (len > 7 && strcmp(name + len - 7, ".status") == 0 &&
            (!farm || (len - 7 == strlen(farm) && strncmp(name, farm, len - 7) == 0))) {
            snprintf(path, sizeof(path), "%s/%s", dir, name);
            if ((text = vmctl_slurp(path))) {
                json_object *st = gf_json_parse_object(text);
                if (!st)
                    fprintf(stderr, "vmctl: %s is not goldfarmd's status: skipped\n", path);
                else if (json)
                    fprintf(ctx->out, "%s%s", shown ? "," : "",
                            json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
                else
                    vmctl_print_status(ctx->out, st);
                shown += st != NULL;
                json_object_put(st);
                free(text);
            }
        }
        free(entries[i]);
    }
    free(entries);
    if (json)
        fputs("]\n", ctx->out);
    if (!shown && farm) {
        gf_err(GF_ERR_INPUT, "no status of farm '%s' in %s (is goldfarmd running it?)", farm, dir);
        return -1;
    }
    if (!shown && !json)
        fprintf(ctx->out, "no farm status in %s (is goldfarmd running?)\n", dir);
    return 0;
}

/* A quarantined host NAME: a reference, its metadata in M; NULL with an
 * error (GF_ERR_INPUT when it is not quarantined). */
static virDomainPtr quarantined(struct vmctl_ctx *ctx, const char *name, struct gf_meta *m)
{
    virConnectPtr conn = vmctl_conn(ctx);
    virDomainPtr dom;

    if (!conn || !(dom = gf_host_lookup(conn, name, m)))
        return NULL;
    if (m->state != GF_HS_QUARANTINED) {
        gf_err(GF_ERR_INPUT, "host '%s' is %s, not quarantined", name,
               gf_host_state_name(m->state));
        virDomainFree(dom);
        return NULL;
    }
    return dom;
}

/* vmctl farm quarantine list [--farm FARM] [--json] */
static int cmd_quarantine_list(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *farm = vmctl_opt(args, "farm");
    virConnectPtr conn = vmctl_conn(ctx);
    virDomainPtr *doms = NULL;
    struct gf_json j;
    int n, json = vmctl_flag(args, "json");

    if (!conn || (farm && gf_name_check("farm", farm) < 0))
        return -1;
    if ((n = virConnectListAllDomains(conn, &doms, 0)) < 0) {
        gf_err_virt("listing domains");
        return -1;
    }
    gf_json_init(&j, ctx->out);
    if (json)
        gf_json_open(&j, NULL, '[');
    else
        fprintf(ctx->out, "%-20s %-12s %-20s %s\n", "HOST", "FARM", "SINCE", "WHY");
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        char since[GF_TIME_LEN];
        if (gf_meta_get(doms[i], &m) == 1 && m.role == GF_ROLE_HOST &&
            m.state == GF_HS_QUARANTINED && (!farm || strcmp(m.farm, farm) == 0)) {
            if (json) {
                gf_time_iso(m.since, since);
                gf_json_open(&j, NULL, '{');
                gf_json_str(&j, "host", virDomainGetName(doms[i]));
                gf_json_str(&j, "farm", m.farm);
                gf_json_str(&j, "since", since);
                gf_json_str(&j, "reason", m.reason);
                gf_json_str(&j, "replaced_by", m.replaced_by[0] ? m.replaced_by : NULL);
                gf_json_close(&j, '}');
            } else {
                gf_time_local(m.since, since);
                fprintf(ctx->out, "%-20s %-12s %-20s %s\n", virDomainGetName(doms[i]), m.farm,
                        since, m.reason);
            }
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    if (json)
        gf_json_close(&j, ']');
    return 0;
}

/* vmctl farm quarantine release HOST: back to the farm as a standby (shut
 * off, ready to be started), once whoever looked into it is done. */
static int cmd_quarantine_release(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_meta m;
    virDomainPtr dom = quarantined(ctx, args->pos[0], &m);
    int ret;

    if (!dom)
        return -1;
    m.replaced_by[0] = '\0';
    m.state = GF_HS_STANDBY;
    snprintf(m.reason, sizeof(m.reason), "released from quarantine (vmctl)");
    m.since = time(NULL);
    ret = gf_meta_set(dom, &m);
    virDomainFree(dom);
    if (ret == 0)
        fprintf(ctx->out, "%s: released; a standby of farm %s again\n", args->pos[0], m.farm);
    return ret;
}

/* vmctl farm quarantine delete HOST: undefine it and delete its own disks and seed
 * (never a gold disk), its snapshots with it. */
static int cmd_quarantine_delete(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_meta m;
    virDomainPtr dom = quarantined(ctx, args->pos[0], &m);
    int ret;

    if (!dom)
        return -1;
    ret = gf_retire(dom, NULL, 10, 1);
    virDomainFree(dom);
    if (ret == 0)
        fprintf(ctx->out, "%s: deleted (domain, snapshots, its own disks and seed)\n",
                args->pos[0]);
    return ret;
}

static const struct vmctl_opt qlist_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "only the hosts of farm FARM"},
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {NULL, 0, NULL, NULL},
};

static const struct vmctl_opt status_opts[] = {
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {"state-dir", VMCTL_OPT_STRING, "DIR", "goldfarmd's state directory (" VMCTL_STATE_DIR ")"},
    {"watch", VMCTL_OPT_BOOL, NULL, "ask goldfarmd, and print the status again on each change"},
    {"control", VMCTL_OPT_STRING, "SOCKET",
     "with --watch: goldfarmd's control socket (" GF_CTL_SOCKET ")"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_farm_cmds[] = {
    {"farm status", cmd_farm_status, status_opts, "[FARM]", 0, 1,
     "the daemon's farms: hosts, states, sessions, phase, last decisions",
     "  Read from the status files goldfarmd writes after each tick (also while\n"
     "  it does not run).  With --watch, asked of goldfarmd through its control\n"
     "  socket and printed again whenever a tick changed it (its update time\n"
     "  aside), until interrupted; exits 1 when goldfarmd is not running."},
    {"farm quarantine list", cmd_quarantine_list, qlist_opts, "", 0, 0,
     "hosts set aside as broken: when and why", NULL},
    {"farm quarantine release", cmd_quarantine_release, NULL, "HOST", 1, 1,
     "give a quarantined host back to its farm, as a standby", NULL},
    {"farm quarantine delete", cmd_quarantine_delete, NULL, "HOST", 1, 1,
     "delete a quarantined host: domain, snapshots, its own disks and seed (never a gold disk)",
     NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
