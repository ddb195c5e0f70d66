/* cmd-rollout.c - image rollout: ask goldfarmd to move a farm to another
 * image version, or pause, resume or abort that. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/meta.h"
#include "policy/policy.h"
#include "plan/rollout.h"
#include "base/json.h"
#include "vmctl.h"

/* Farm FARM's policy, as goldfarmd runs it (its status file names the
 * file): a new policy to gf_policy_free, or NULL with a GF_ERR_INPUT error. */
static struct gf_policy *farm_policy(const char *dir, const char *farm)
{
    char path[4200], file[4200], *text, *errors = NULL;
    struct gf_policy *p;

    snprintf(path, sizeof(path), "%s/%s.status", dir, farm);
    if (!(text = vmctl_slurp(path))) {
        gf_err(GF_ERR_INPUT, "no status of farm '%s' in %s (is goldfarmd running it?)", farm, dir);
        return NULL;
    }
    {
        json_object *st = gf_json_parse_object(text);
        free(text);
        if (!st || !gf_json_text(st, "policy", file, sizeof(file))[0]) {
            json_object_put(st);
            gf_err(GF_ERR_INPUT, "%s does not name the farm's policy file", path);
            return NULL;
        }
        json_object_put(st);
    }
    if (!(p = gf_policy_load(file, &errors)))
        gf_err(GF_ERR_INPUT, "%s", errors ? strtok(errors, "\n") : file);
    free(errors);
    return p;
}

/* Whether every host of FARM on CONN (quarantined ones aside) runs VERSION:
 * 1, 0, or -1 with an error. */
static int all_on(virConnectPtr conn, const char *farm, unsigned int version)
{
    virDomainPtr *doms = NULL;
    size_t n = 0;
    int all = 1;

    if (gf_farm_hosts(conn, farm, &doms, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct gf_meta m;
        if (gf_meta_get(doms[i], &m) == 1 && m.state != GF_HS_QUARANTINED &&
            m.image_version != version)
            all = 0;
    }
    gf_domains_free(doms, n);
    return all;
}

/* Whether a request to start a roll-out of FARM waits for goldfarmd. */
static int start_pending(const char *dir, const char *farm)
{
    static const char *const files[] = {"rollout-requests", "rollout-requests.taken"};
    int pending = 0;

    for (int i = 0; i < 2; i++) {
        char path[4200], *text;
        snprintf(path, sizeof(path), "%s/%s.%s", dir, farm, files[i]);
        if ((text = vmctl_slurp(path))) {
            pending |= strncmp(text, "start", 5) == 0 || strstr(text, "\nstart") != NULL;
            free(text);
        }
    }
    return pending;
}

/* The request line for a new roll-out of FARM from ARGS into LINE.
 * Everything that can be checked here is, before anything is asked. */
static int start_request(struct vmctl_ctx *ctx, const struct vmctl_args *args, const char *dir,
                         const struct gf_rollout *r, char *line, size_t len)
{
    const char *farm = args->pos[0], *min = vmctl_opt(args, "min-in-service");
    const char *soak = vmctl_opt(args, "soak");
    struct gf_policy *p = NULL;
    virConnectPtr conn;
    virDomainPtr gold;
    struct gf_meta gm;
    unsigned int to = 0, batch = 0, pct = 0;
    long long soak_s = -1;
    char why[256];
    long promoted;
    int ret = -1, all;

    if ((vmctl_opt(args, "to") &&
         vmctl_number("--to", vmctl_opt(args, "to"), 1, GF_VERSION_MAX, &to) < 0) ||
        (vmctl_opt(args, "batch") &&
         vmctl_number("--batch", vmctl_opt(args, "batch"), 1, 100, &batch) < 0))
        return -1;
    if (min) {
        char digits[16];
        size_t d = strspn(min, "0123456789");
        snprintf(digits, sizeof(digits), "%.*s", (int)(d < 15 ? d : 15), min);
        pct = min[d] == '%';
        if (!d || (min[d] && (!pct || min[d + 1])) ||
            vmctl_number("--min-in-service", digits, 0, pct ? 100 : 1000, &(unsigned int){0}) < 0) {
            gf_err(GF_ERR_INPUT,
                   "--min-in-service '%s' is not a count like 4 or a percentage "
                   "like 75%%",
                   min);
            return -1;
        }
    }
    if (soak && (gf_duration_parse(soak, &soak_s, why, sizeof(why)) < 0 || soak_s > 86400)) {
        gf_err(GF_ERR_INPUT, "--soak '%s': %s", soak, soak_s > 86400 ? "at most 1d" : why);
        return -1;
    }
    if (gf_rollout_active(r)) {
        gf_err(GF_ERR_INPUT, "a roll-out of farm '%s' to v%u is in progress (--abort stops it)",
               farm, r->to);
        return -1;
    }
    if (start_pending(dir, farm)) {
        gf_err(GF_ERR_INPUT,
               "a roll-out of farm '%s' is requested already: goldfarmd starts it at its next "
               "tick",
               farm);
        return -1;
    }
    if (!(p = farm_policy(dir, farm)))
        return -1;
    if (!p->health_on) {
        gf_err(GF_ERR_INPUT, "%s has no health group: a roll-out needs health checks to gate on",
               p->file);
        goto cleanup;
    }
    if (!(conn = vmctl_conn(ctx)))
        goto cleanup;
    if (!to && (promoted = gf_image_promoted(conn, p->image)) <= 0) {
        if (promoted == 0)
            gf_err(GF_ERR_INPUT, "there is no image called '%s'", p->image);
        goto cleanup;
    }
    if (!to)
        to = (unsigned int)promoted;
    if (!(gold = gf_image_find(conn, p->image, to, &gm)))
        goto cleanup;
    virDomainFree(gold);
    if (p->image_version && (unsigned int)p->image_version != to) {
        gf_err(GF_ERR_INPUT,
               "%s pins version %d of '%s' (farm.image_version): a roll-out to v%u "
               "would fight it",
               p->file, p->image_version, p->image, to);
        goto cleanup;
    }
    if ((all = all_on(conn, farm, to)) < 0)
        goto cleanup;
    if (all) {
        gf_err(GF_ERR_INPUT, "every host of farm '%s' runs %s v%u already", farm, p->image, to);
        goto cleanup;
    }
    snprintf(line, len, "start to=%u", to);
    if (batch)
        snprintf(line + strlen(line), len - strlen(line), " batch=%u", batch);
    if (min)
        snprintf(line + strlen(line), len - strlen(line), " min=%s", min);
    if (soak_s >= 0)
        snprintf(line + strlen(line), len - strlen(line), " soak=%lld", soak_s);
    fprintf(ctx->out,
            "farm %s: roll-out to %s v%u requested: goldfarmd starts it on its next tick with a "
            "canary (vmctl farm status %s shows it)\n",
            farm, p->image, to, farm);
    ret = 0;
cleanup:
    gf_policy_free(p);
    return ret;
}

/* vmctl image rollout FARM [--to V] [--batch N] [--min-in-service N|P%]
 *     [--soak D] | --pause | --resume | --abort   [--state-dir DIR] */
static int cmd_image_rollout(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *farm = args->pos[0], *dir = vmctl_state_dir(args), *verb = NULL;
    int pause = vmctl_flag(args, "pause"), resume = vmctl_flag(args, "resume");
    int abort_it = vmctl_flag(args, "abort");
    struct gf_rollout r;
    char line[256];

    if (gf_name_check("farm", farm) < 0)
        return -1;
    if (pause + resume + abort_it > 1) {
        gf_err(GF_ERR_INPUT, "image rollout: give one of --pause, --resume and --abort");
        return -1;
    }
    if ((pause || resume || abort_it) &&
        (vmctl_opt(args, "to") || vmctl_opt(args, "batch") || vmctl_opt(args, "min-in-service") ||
         vmctl_opt(args, "soak"))) {
        gf_err(GF_ERR_INPUT, "image rollout: --to, --batch, --min-in-service and --soak start a "
                             "roll-out; they do not go with --pause, --resume or --abort");
        return -1;
    }
    if (access(dir, W_OK) != 0) {
        gf_err(GF_ERR_INPUT, "goldfarmd's state directory %s is not writable: %s", dir,
               strerror(errno));
        return -1;
    }
    if (gf_rollout_load(dir, farm, &r) < 0)
        return -1;
    if (pause && (!gf_rollout_active(&r) || r.paused))
        verb = "pause";
    else if (resume && !r.paused && r.phase != GF_RO_STUCK)
        verb = "resume";
    else if (abort_it && r.phase != GF_RO_CANARY && r.phase != GF_RO_BATCHES)
        verb = "abort";
    if (verb) {
        gf_err(GF_ERR_INPUT, "farm '%s' has no roll-out to %s (%s%s)", farm, verb,
               r.phase == GF_RO_NONE ? "none" : gf_rollout_phase_name(r.phase),
               r.paused ? ", paused" : "");
        return -1;
    }
    if (pause || resume || abort_it) {
        snprintf(line, sizeof(line), "%s", pause ? "pause" : resume ? "resume" : "abort");
        fprintf(ctx->out, "farm %s: %s of the roll-out to v%u requested%s\n", farm, line, r.to,
                abort_it ? ": goldfarmd brings the farm back to the old version, carefully" : "");
    } else if (start_request(ctx, args, dir, &r, line, sizeof(line)) < 0) {
        return -1;
    }
    return gf_rollout_request(dir, farm, line);
}

static const struct vmctl_opt rollout_opts[] = {
    {"to", VMCTL_OPT_STRING, "VERSION", "the version to roll out (default: the promoted one)"},
    {"batch", VMCTL_OPT_STRING, "N", "hosts replaced at once (policy: rollout.batch)"},
    {"min-in-service", VMCTL_OPT_STRING, "N|P%",
     "never fewer hosts in service (policy: rollout.min_in_service)"},
    {"soak", VMCTL_OPT_STRING, "DURATION",
     "how long the canary serves first (policy: rollout.soak)"},
    {"pause", VMCTL_OPT_BOOL, NULL, "hold the roll-out where it is"},
    {"resume", VMCTL_OPT_BOOL, NULL, "carry on (also retries a rollback that stopped)"},
    {"abort", VMCTL_OPT_BOOL, NULL, "stop it and bring the farm back to the old version"},
    {"state-dir", VMCTL_OPT_STRING, "DIR", "goldfarmd's state directory (" VMCTL_STATE_DIR ")"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_rollout_cmds[] = {
    {"image rollout", cmd_image_rollout, rollout_opts, "FARM", 1, 1,
     "move a farm's hosts to another image version: a canary, then batches",
     "  goldfarmd carries it out: one canary host from the new version first,\n"
     "  which must become ready (guest agent, health command) and serve healthy\n"
     "  for the soak time; then for each old host a replacement is cloned beside\n"
     "  it (or, without room, the old host is drained first, never below the\n"
     "  minimum in service), and once the replacement is ready the old host is\n"
     "  drained with the farm's wait and retired.  If a new host fails its gate,\n"
     "  or too many fail afterwards (rollout.max_replacements), the roll-out\n"
     "  goes back the same careful way, on its own.  The farm's policy needs a\n"
     "  health group; the progress is in vmctl farm status."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
