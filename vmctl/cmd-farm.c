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

/* Print the roll-out of status ST, if any, as one or two lines. */
static void print_rollout(FILE *out, json_object *st)
{
    char image[80], from[16], to[16], phase[32], paused[8], target[16], on[16], all[16];
    char started[40], reason[300];
    json_object *r;

    if (!json_object_object_get_ex(st, "rollout", &r) || !json_object_is_type(r, json_type_object))
        return;
    fprintf(
        out, "  rollout %s v%s -> v%s: %s%s, %s of %s hosts on v%s (since %s)\n",
        gf_json_text(r, "image", image, sizeof(image)), gf_json_text(r, "from", from, sizeof(from)),
        gf_json_text(r, "to", to, sizeof(to)), gf_json_text(r, "phase", phase, sizeof(phase)),
        strcmp(gf_json_text(r, "paused", paused, sizeof(paused)), "true") == 0 ? " (PAUSED)" : "",
        gf_json_text(r, "on_target", on, sizeof(on)), gf_json_text(r, "hosts", all, sizeof(all)),
        gf_json_text(r, "target", target, sizeof(target)),
        gf_json_text(r, "started", started, sizeof(started)));
    if (gf_json_text(r, "reason", reason, sizeof(reason))[0])
        fprintf(out, "    why: %s\n", reason);
}

/* Member KEY of ST as text into BUF, or DEF when absent or null. */
static const char *field(json_object *st, const char *key, const char *def, char *buf, size_t len)
{
    if (!gf_json_text(st, key, buf, len)[0])
        snprintf(buf, len, "%s", def);
    return buf;
}

/* Host H's memory_kib as "16384M" into BUF ("-": not running). */
static const char *memory_text(json_object *h, char *buf, size_t len)
{
    json_object *v;

    if (!json_object_object_get_ex(h, "memory_kib", &v) || !json_object_is_type(v, json_type_int))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%lldM", (long long)json_object_get_int64(v) >> 10);
    return buf;
}

/* Host H's percentage KEY as "93%" into BUF: "-" when it does not run,
 * "?" when it runs and the figure is unknown (null). */
static const char *pct_field(json_object *h, const char *key, char *buf, size_t len)
{
    json_object *v;

    if (!json_object_object_get_ex(h, key, &v))
        snprintf(buf, len, "-");
    else if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%.0f%%", json_object_get_double(v));
    return buf;
}

/* Whether a host of HOSTS has its size and use in the status (the farm's
 * policy goes by them). */
static int has_use(json_object *hosts)
{
    for (size_t i = 0; i < json_object_array_length(hosts); i++)
        if (json_object_object_get_ex(json_object_array_get_idx(hosts, i), "vcpus", NULL))
            return 1;
    return 0;
}

/* Print the status ST of one farm for people.  Every field shown was in
 * the file, or is shown as unknown. */
void vmctl_print_status(FILE *out, json_object *st)
{
    char farm[80], phase[40], dayset[40], updated[40], sessions[16], usage[16], blind[256];
    char paused[8], breaker[256], failing[16];
    json_object *hosts, *last;
    int use;

    field(st, "farm", "?", farm, sizeof(farm));
    field(st, "blind", "", blind, sizeof(blind));
    fprintf(
        out, "farm %s: %s, %s; %s sessions = %s%%%s%s%s (updated %s)\n", farm,
        field(st, "day_set", "?", dayset, sizeof(dayset)),
        field(st, "phase", "?", phase, sizeof(phase)),
        field(st, "sessions", "?", sessions, sizeof(sessions)),
        field(st, "usage_pct", "?", usage, sizeof(usage)),
        strcmp(field(st, "paused", "false", paused, sizeof(paused)), "true") == 0 ? "; PAUSED" : "",
        blind[0] ? "; blind: " : "", blind, field(st, "updated", "?", updated, sizeof(updated)));
    if (strcmp(field(st, "failing", "0", failing, sizeof(failing)), "0") != 0)
        fprintf(out, "  failing hosts: %s\n", failing);
    if (field(st, "breaker", "", breaker, sizeof(breaker))[0])
        fprintf(out, "  BREAKER OPEN: %s (vmctl farm resume %s closes it)\n", breaker, farm);
    print_rollout(out, st);
    if (!json_object_object_get_ex(st, "hosts", &hosts) ||
        !json_object_is_type(hosts, json_type_array))
        hosts = NULL;
    use = hosts && has_use(hosts);
    fprintf(out, "  %-20s %-12s %-9s %-8s %-6s %s%s\n", "HOST", "STATE", "RUN", "SESSIONS", "IMAGE",
            use ? "VCPUS MEMORY   CPU   AVAIL  " : "", "HEALTH");
    for (size_t i = 0; hosts && i < json_object_array_length(hosts); i++) {
        json_object *h = json_object_array_get_idx(hosts, i);
        char name[80], state[20], run[20], sess[16], version[16], health[128], cells[96] = "";
        field(h, "sessions", "?", sess, sizeof(sess));
        if (use) {
            char vcpus[16], mem[32], cpu[16], avail[16];
            snprintf(cells, sizeof(cells), "%-5s %-8s %-5s %-6s ",
                     field(h, "vcpus", "-", vcpus, sizeof(vcpus)), memory_text(h, mem, sizeof(mem)),
                     pct_field(h, "cpu_pct", cpu, sizeof(cpu)),
                     pct_field(h, "memory_available_pct", avail, sizeof(avail)));
        }
        fprintf(out, "  %-20s %-12s %-9s %-8s v%-5s %s%s\n",
                field(h, "name", "?", name, sizeof(name)),
                field(h, "state", "?", state, sizeof(state)),
                field(h, "run", "?", run, sizeof(run)), strcmp(sess, "-1") == 0 ? "?" : sess,
                field(h, "image_version", "?", version, sizeof(version)), cells,
                field(h, "health", "ok", health, sizeof(health)));
    }
    if (json_object_object_get_ex(st, "last_decisions", &last) &&
        json_object_is_type(last, json_type_array)) {
        fprintf(out, "  last decisions:\n");
        for (size_t i = 0; i < json_object_array_length(last); i++) {
            json_object *d = json_object_array_get_idx(last, i);
            if (json_object_is_type(d, json_type_string))
                fprintf(out, "    %s\n", json_object_get_string(d));
        }
    }
}

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
