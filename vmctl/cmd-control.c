/* cmd-control.c - the commands that ask goldfarmd through its control
 * socket: farm pause|resume|drain|replace, reload, and farm status --watch.
 * Each asks once and prints the answer; a refusal exits 2 with its reason,
 * no daemon exits 1.  None writes a file for a daemon that is not there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/json.h"
#include "base/names.h"
#include "vmctl.h"

/* Ask goldfarmd request R for ARGS and print its answer.  0 or -1. */
static int ask_and_say(struct vmctl_ctx *ctx, const struct vmctl_args *args,
                       const struct gf_ctl_req *r)
{
    json_object *a;

    if (vmctl_ask(ctx, args, r, &a) < 0)
        return -1;
    vmctl_say(ctx, a);
    json_object_put(a);
    return 0;
}

/* vmctl farm pause|resume FARM: done by goldfarmd at once, kept across its
 * restarts. */
static int farm_pause(struct vmctl_ctx *ctx, const struct vmctl_args *args, enum gf_ctl_verb verb)
{
    struct gf_ctl_req r;

    if (gf_name_check("farm", args->pos[0]) < 0)
        return -1;
    gf_ctl_req_init(&r, verb);
    snprintf(r.farm, sizeof(r.farm), "%s", args->pos[0]);
    return ask_and_say(ctx, args, &r);
}

/* vmctl farm pause FARM. */
static int cmd_farm_pause(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return farm_pause(ctx, args, GF_CTL_FARM_PAUSE);
}

/* vmctl farm resume FARM. */
static int cmd_farm_resume(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return farm_pause(ctx, args, GF_CTL_FARM_RESUME);
}

/* vmctl farm drain|replace HOST [--farm FARM] [--now]: checked by
 * goldfarmd, carried out by the farm's next tick. */
static int host_request(struct vmctl_ctx *ctx, const struct vmctl_args *args, enum gf_ctl_verb verb)
{
    const char *farm = vmctl_opt(args, "farm");
    struct gf_ctl_req r;

    if (gf_name_check("host", args->pos[0]) < 0 || (farm && gf_name_check("farm", farm) < 0))
        return -1;
    gf_ctl_req_init(&r, verb);
    snprintf(r.host, sizeof(r.host), "%s", args->pos[0]);
    snprintf(r.farm, sizeof(r.farm), "%s", farm ? farm : "");
    r.now = vmctl_flag(args, "now");
    return ask_and_say(ctx, args, &r);
}

/* vmctl farm drain HOST [--farm FARM]. */
static int cmd_farm_drain(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return host_request(ctx, args, GF_CTL_FARM_DRAIN);
}

/* vmctl farm replace HOST [--now] [--farm FARM]. */
static int cmd_farm_replace(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return host_request(ctx, args, GF_CTL_FARM_REPLACE);
}

/* vmctl farm evacuate|unevacuate URI [--farm FARM]: kept by goldfarmd at
 * once in each farm that has the hypervisor, carried out by their ticks. */
static int evacuate_request(struct vmctl_ctx *ctx, const struct vmctl_args *args,
                            enum gf_ctl_verb verb)
{
    const char *farm = vmctl_opt(args, "farm");
    struct gf_ctl_req r;

    if (!args->pos[0][0] || strlen(args->pos[0]) >= sizeof(r.uri) || strchr(args->pos[0], '\n')) {
        gf_err(GF_ERR_INPUT, "'%s' is not a hypervisor URI", args->pos[0]);
        return -1;
    }
    if (farm && gf_name_check("farm", farm) < 0)
        return -1;
    gf_ctl_req_init(&r, verb);
    snprintf(r.uri, sizeof(r.uri), "%s", args->pos[0]);
    snprintf(r.farm, sizeof(r.farm), "%s", farm ? farm : "");
    return ask_and_say(ctx, args, &r);
}

/* vmctl farm evacuate URI [--farm FARM]. */
static int cmd_farm_evacuate(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return evacuate_request(ctx, args, GF_CTL_FARM_EVACUATE);
}

/* vmctl farm unevacuate URI [--farm FARM]. */
static int cmd_farm_unevacuate(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return evacuate_request(ctx, args, GF_CTL_FARM_UNEVACUATE);
}

/* vmctl reload: goldfarmd reads its policies again; a file with errors is
 * a refusal (it keeps its farm's previous policy). */
static int cmd_reload(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_ctl_req r;

    gf_ctl_req_init(&r, GF_CTL_RELOAD);
    return ask_and_say(ctx, args, &r);
}

/* The status objects FARMS as text to compare two answers by, their update
 * times left out: a new string to free(), or NULL. */
static char *comparable(json_object *farms)
{
    json_object *copy = NULL;
    char *text;

    if (!farms || json_object_deep_copy(farms, &copy, NULL) != 0)
        return NULL;
    for (size_t i = 0; i < json_object_array_length(copy); i++)
        json_object_object_del(json_object_array_get_idx(copy, i), "updated");
    text = strdup(json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN));
    json_object_put(copy);
    return text;
}

int vmctl_watch(struct vmctl_ctx *ctx, const struct vmctl_args *args, const char *farm, int json)
{
    struct gf_ctl_req r;
    char *last = NULL;

    gf_ctl_req_init(&r, GF_CTL_FARM_STATUS);
    snprintf(r.farm, sizeof(r.farm), "%s", farm ? farm : "");
    for (;;) {
        json_object *a, *farms = NULL, *gen = NULL;
        char *now;
        if (vmctl_ask(ctx, args, &r, &a) < 0)
            break;
        if (!json_object_object_get_ex(a, "farms", &farms) ||
            !json_object_is_type(farms, json_type_array) ||
            !json_object_object_get_ex(a, "generation", &gen) ||
            !json_object_is_type(gen, json_type_int)) {
            gf_err(GF_ERR_OP, "goldfarmd's status answer has no farms or generation");
            json_object_put(a);
            break;
        }
        if ((now = comparable(farms)) && (!last || strcmp(now, last) != 0)) {
            if (json)
                fprintf(ctx->out, "%s\n",
                        json_object_to_json_string_ext(farms, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
            else if (json_object_array_length(farms) == 0)
                fprintf(ctx->out, "%s%s: no status yet\n", farm ? "farm " : "",
                        farm ? farm : "no farm");
            for (size_t i = 0; !json && i < json_object_array_length(farms); i++)
                vmctl_print_status(ctx->out, json_object_array_get_idx(farms, i));
            if (!json)
                fputc('\n', ctx->out);
            fflush(ctx->out);
            free(last);
            last = now;
        } else {
            free(now);
        }
        r.after = (long long)json_object_get_int64(gen);
        json_object_put(a);
    }
    free(last);
    return -1;
}

/* Options shared by the commands that ask goldfarmd: where its socket is. */
#define CONTROL_OPTS                                                                               \
    {"state-dir", VMCTL_OPT_STRING, "DIR",                                                         \
     "goldfarmd's state directory: its socket is DIR/" GF_CTL_SOCKET_NAME " (" GF_CTL_SOCKET       \
     " for " VMCTL_STATE_DIR ")"},                                                                 \
        {"control", VMCTL_OPT_STRING, "SOCKET", "goldfarmd's control socket (" GF_CTL_SOCKET ")"},

static const struct vmctl_opt control_opts[] = {
    CONTROL_OPTS{NULL, 0, NULL, NULL},
};

static const struct vmctl_opt drain_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "refuse unless the host is in farm FARM"},
    CONTROL_OPTS{NULL, 0, NULL, NULL},
};

static const struct vmctl_opt replace_opts[] = {
    {"now", VMCTL_OPT_BOOL, NULL, "quarantine it as soon as its replacement serves, users or not"},
    {"farm", VMCTL_OPT_STRING, "FARM", "refuse unless the host is in farm FARM"},
    CONTROL_OPTS{NULL, 0, NULL, NULL},
};

static const struct vmctl_opt evacuate_opts[] = {
    {"farm", VMCTL_OPT_STRING, "FARM", "only farm FARM (default: every farm on that hypervisor)"},
    CONTROL_OPTS{NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_control_cmds[] = {
    {"farm pause", cmd_farm_pause, control_opts, "FARM", 1, 1,
     "stop goldfarmd changing a farm (during patching); survives restarts",
     "  Asks goldfarmd through its control socket; done at once (a tick under\n"
     "  way finishes the actions it began).  The farm goes on being observed and\n"
     "  planned: vmctl farm status and vmctl plan show what it would do."},
    {"farm resume", cmd_farm_resume, control_opts, "FARM", 1, 1,
     "let goldfarmd manage a farm again (closes its replacement breaker)", NULL},
    {"farm drain", cmd_farm_drain, drain_opts, "HOST", 1, 1,
     "drain a host: no new users; goldfarmd retires it when empty",
     "  goldfarmd checks the host (one of its farms', active) and answers; the\n"
     "  farm's next tick, at once, marks it draining and runs the policy's\n"
     "  broker and notify hooks, the logoff hook after the drain wait, and\n"
     "  retires the host once empty.  It never cancels an admin's drain."},
    {"farm replace", cmd_farm_replace, replace_opts, "HOST", 1, 1,
     "replace a host: its replacement first, then it is drained or quarantined",
     "  goldfarmd starts a standby or clones a new host; once that one serves,\n"
     "  this host is drained with the farm's wait if it has users (at once with\n"
     "  --now), then quarantined: snapshot, stopped, kept aside."},
    {"farm evacuate", cmd_farm_evacuate, evacuate_opts, "URI", 1, 1,
     "take a hypervisor out of its farms for maintenance; survives restarts",
     "  No new host goes on URI.  Its hosts are replaced on the other\n"
     "  hypervisors first; once the farm has its capacity there, each is drained\n"
     "  (broker and notify hooks, the logoff hook after drain.wait) and retired\n"
     "  when empty; its standbys are retired.  vmctl plan shows what waits."},
    {"farm unevacuate", cmd_farm_unevacuate, evacuate_opts, "URI", 1, 1,
     "give an evacuated hypervisor back: new hosts may go there again",
     "  Hosts already draining there go on draining."},
    {"reload", cmd_reload, control_opts, "", 0, 0,
     "goldfarmd reads its policies again (as on SIGHUP), and says how it went",
     "  A policy file with errors keeps its farm's previous policy: the first\n"
     "  error is printed and vmctl exits 2."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
