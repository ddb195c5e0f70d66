/* cmd-rollout.c - image rollout: ask goldfarmd, through its control socket,
 * to move a farm to another image version, or pause, resume or abort that;
 * with --wait, follow it to its end. */
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/json.h"
#include "base/names.h"
#include "model/meta.h"
#include "plan/rollout.h"
#include "policy/policy.h"
#include "vmctl.h"

/* The request of ARGS for a new roll-out of FARM into R: every value
 * checked here as it was typed, before anything is asked.  0 or -1 with a
 * GF_ERR_INPUT error. */
static int start_request(const struct vmctl_args *args, struct gf_ctl_req *r)
{
    const char *min = vmctl_opt(args, "min-in-service"), *soak = vmctl_opt(args, "soak");
    unsigned int to = 0, batch = 0, n = 0;
    long long soak_s = -1;
    char why[256];

    if ((vmctl_opt(args, "to") &&
         vmctl_number("--to", vmctl_opt(args, "to"), 1, GF_VERSION_MAX, &to) < 0) ||
        (vmctl_opt(args, "batch") &&
         vmctl_number("--batch", vmctl_opt(args, "batch"), 1, 100, &batch) < 0))
        return -1;
    if (min) {
        char digits[16];
        size_t d = strspn(min, "0123456789");
        int pct = min[d] == '%';
        snprintf(digits, sizeof(digits), "%.*s", (int)(d < 15 ? d : 15), min);
        if (!d || (min[d] && (!pct || min[d + 1])) ||
            vmctl_number("--min-in-service", digits, 0, pct ? 100 : 1000, &n) < 0) {
            gf_err(GF_ERR_INPUT,
                   "--min-in-service '%s' is not a count like 4 or a percentage like 75%%", min);
            return -1;
        }
        r->rollout.min = (int)n;
        r->rollout.min_pct = pct;
    }
    if (soak && (gf_duration_parse(soak, &soak_s, why, sizeof(why)) < 0 || soak_s > 86400)) {
        gf_err(GF_ERR_INPUT, "--soak '%s': %s", soak, soak_s > 86400 ? "at most 1d" : why);
        return -1;
    }
    if (to)
        r->rollout.to = (int)to;
    if (batch)
        r->rollout.batch = (int)batch;
    if (soak_s >= 0)
        r->rollout.soak = (int)soak_s;
    return 0;
}

/* Member KEY of O as an integer (DEF when absent). */
static long long int_of(json_object *o, const char *key, long long def)
{
    json_object *v;

    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return def;
    return (long long)json_object_get_int64(v);
}

/* The roll-out RO of a rollout.status answer as a line for people into
 * BUF, its phase into *PHASE (GF_RO_NONE when there is none). */
static void describe(json_object *ro, char *buf, size_t len, enum gf_rollout_phase *phase)
{
    char image[80], name[32], reason[300], paused[8];
    int p;

    *phase = GF_RO_NONE;
    if (!ro || !json_object_is_type(ro, json_type_object)) {
        snprintf(buf, len, "no roll-out");
        return;
    }
    p = gf_rollout_phase_parse(gf_json_text(ro, "phase", name, sizeof(name)));
    *phase = p < 0 ? GF_RO_NONE : (enum gf_rollout_phase)p;
    gf_json_text(ro, "reason", reason, sizeof(reason));
    snprintf(buf, len, "rollout %s v%lld -> v%lld: %s%s, %lld of %lld hosts on v%lld%s%s",
             gf_json_text(ro, "image", image, sizeof(image)), int_of(ro, "from", 0),
             int_of(ro, "to", 0), name,
             strcmp(gf_json_text(ro, "paused", paused, sizeof(paused)), "true") == 0 ? " (paused)"
                                                                                     : "",
             int_of(ro, "on_target", 0), int_of(ro, "hosts", 0), int_of(ro, "target", 0),
             reason[0] ? ": " : "", reason);
}

/* Follow request ID (a STEP) of FARM: its fate at the farm's tick, then
 * the roll-out it steers, printing a line on each change, until it
 * reaches its end.  0 when it got where the step leads (a pause taken; a
 * start or resumption done, or rolled back when it resumed a rollback; an
 * abort rolled back), else -1 with an error: refused at the tick
 * (GF_ERR_INPUT), or the roll-out ended elsewhere (GF_ERR_OP). */
static int follow(struct vmctl_ctx *ctx, const struct vmctl_args *args, const char *farm,
                  unsigned long id, enum gf_rollout_req_kind step)
{
    enum gf_rollout_phase goal = step == GF_REQ_ABORT ? GF_RO_ROLLED_BACK : GF_RO_DONE, phase;
    struct gf_ctl_req r;
    char last[700] = "", line[700], fate[16], why[600];
    int taken = 0;

    gf_ctl_req_init(&r, GF_CTL_ROLLOUT_STATUS);
    snprintf(r.farm, sizeof(r.farm), "%s", farm);
    r.id = id;
    for (;;) {
        json_object *a, *req = NULL, *ro = NULL;
        if (vmctl_ask(ctx, args, &r, &a) < 0)
            return -1;
        json_object_object_get_ex(a, "request", &req);
        json_object_object_get_ex(a, "rollout", &ro);
        gf_json_text(req, "fate", fate, sizeof(fate));
        gf_json_text(req, "why", why, sizeof(why));
        describe(ro, line, sizeof(line), &phase);
        r.after = int_of(a, "generation", 0);
        json_object_put(a);
        if (strcmp(fate, "refused") == 0 || strcmp(fate, "failed") == 0) {
            gf_err(fate[0] == 'r' ? GF_ERR_INPUT : GF_ERR_OP, "goldfarmd's tick %s request %lu: %s",
                   fate, id, why);
            return -1;
        }
        if (!taken && strcmp(fate, "taken") == 0) {
            fprintf(ctx->out, "request %lu taken: %s\n", id, why);
            taken = 1;
            if (step == GF_REQ_PAUSE)
                return 0;
            if (phase == GF_RO_ROLLBACK)
                goal = GF_RO_ROLLED_BACK; /* a resumption of the way back */
        }
        if (!taken)
            continue;
        if (strcmp(line, last) != 0) {
            fprintf(ctx->out, "%s\n", line);
            fflush(ctx->out);
            snprintf(last, sizeof(last), "%s", line);
        }
        if (phase == goal)
            return 0;
        if (phase == GF_RO_DONE || phase == GF_RO_ROLLED_BACK || phase == GF_RO_STUCK ||
            phase == GF_RO_NONE)
            break;
    }
    gf_err(GF_ERR_OP, "the roll-out of farm %s ended %s, not %s: %s", farm,
           gf_rollout_phase_name(phase), gf_rollout_phase_name(goal), line);
    return -1;
}

/* vmctl image rollout FARM [--to V] [--batch N] [--min-in-service N|P%]
 *     [--soak D] | --pause | --resume | --abort   [--wait] [--state-dir DIR]
 *     [--control SOCKET] */
static int cmd_image_rollout(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *farm = args->pos[0];
    int pause = vmctl_flag(args, "pause"), resume = vmctl_flag(args, "resume");
    int abort_it = vmctl_flag(args, "abort");
    struct gf_ctl_req r;
    json_object *a;
    unsigned long id;

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
    gf_ctl_req_init(&r, pause      ? GF_CTL_ROLLOUT_PAUSE
                        : resume   ? GF_CTL_ROLLOUT_RESUME
                        : abort_it ? GF_CTL_ROLLOUT_ABORT
                                   : GF_CTL_ROLLOUT_START);
    snprintf(r.farm, sizeof(r.farm), "%s", farm);
    if (r.verb == GF_CTL_ROLLOUT_START && start_request(args, &r) < 0)
        return -1;
    if (vmctl_ask(ctx, args, &r, &a) < 0)
        return -1;
    vmctl_say(ctx, a);
    id = (unsigned long)int_of(a, "id", 0);
    json_object_put(a);
    fflush(ctx->out);
    if (!vmctl_flag(args, "wait"))
        return 0;
    return follow(ctx, args, farm, id, r.rollout.kind);
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
    {"wait", VMCTL_OPT_BOOL, NULL, "follow it to its end, a line per change (see below)"},
    {"state-dir", VMCTL_OPT_STRING, "DIR",
     "goldfarmd's state directory: its socket is DIR/" GF_CTL_SOCKET_NAME " (" GF_CTL_SOCKET
     " for " VMCTL_STATE_DIR ")"},
    {"control", VMCTL_OPT_STRING, "SOCKET", "goldfarmd's control socket (" GF_CTL_SOCKET ")"},
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
     "  health group; the progress is in vmctl farm status.\n"
     "\n"
     "  goldfarmd checks the request (the farm, its roll-out, the version on\n"
     "  every hypervisor) and answers with the request's id; the farm's next\n"
     "  tick takes it.  With --wait, vmctl follows it: the tick's decision,\n"
     "  then a line each time the roll-out moves, until it ends.  It exits 0\n"
     "  when the roll-out got where the request leads (done; rolled back for\n"
     "  --abort; a pause taken), 1 when it ended otherwise (rolled back, stuck)\n"
     "  or goldfarmd stopped, 2 when the request was refused."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
