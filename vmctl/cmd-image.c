/* cmd-image.c - image list|mark|seal|promote|retire: gold images and their
 * versions (image rollout is in cmd-rollout.c). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "model/image.h"
#include "base/json.h"
#include "policy/policy.h"
#include "model/seal.h"
#include "base/timefmt.h"
#include "vmctl.h"

#define DEFAULT_POLICIES "/etc/goldfarm/policies"

/* The farms of the policies in DIR that pin version VERSION of image
 * IMAGE, as "rds (rds.conf)" into BUF.  With STRICT, a directory that
 * cannot be read or a policy with errors is an error (the pins cannot be
 * known); otherwise those are passed over.  Returns how many pin it, or
 * -1 with a GF_ERR_INPUT error. */
static int pinned_by(const char *dir, const char *image, unsigned int version, int strict,
                     char *buf, size_t len)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort), count = 0, ret = 0;

    buf[0] = '\0';
    if (n < 0) {
        if (!strict)
            return 0;
        gf_err(GF_ERR_INPUT,
               "cannot read the policies directory %s (%s), so the versions policies pin are "
               "not known: name it with --policies DIR",
               dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        size_t nlen = strlen(name);
        char path[4200], *errors = NULL;
        struct gf_policy *p;
        if (ret == 0 && nlen > 5 && strcmp(name + nlen - 5, ".conf") == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, name);
            if (!(p = gf_policy_load(path, &errors)) && strict) {
                gf_err(GF_ERR_INPUT, "%s has errors, so what it pins is not known: %s", path,
                       errors ? strtok(errors, "\n") : "");
                ret = -1;
            } else if (p && strcmp(p->image, image) == 0 &&
                       (unsigned int)p->image_version == version) {
                snprintf(buf + strlen(buf), len - strlen(buf), "%s%s (%s)", count++ ? ", " : "",
                         p->name, name);
            }
            gf_policy_free(p);
            free(errors);
        }
        free(entries[i]);
    }
    free(entries);
    return ret < 0 ? -1 : count;
}

/* vmctl image list [--json] [--policies DIR] */
static int cmd_image_list(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *dir = vmctl_opt(args, "policies");
    virConnectPtr conn;
    int json = vmctl_flag(args, "json");
    struct gf_image *list;
    struct gf_json j;
    size_t n;

    if (vmctl_opt(args, "policy")) {
        const char *files[64];
        int nfiles = 0;
        files[nfiles++] = vmctl_opt(args, "policy");
        for (int i = 0; i < args->npos && nfiles < 64; i++)
            files[nfiles++] = args->pos[i];
        return vmctl_image_list_nodes(ctx, files, nfiles, json);
    }
    if (args->npos) {
        gf_err(GF_ERR_INPUT, "image list: unexpected argument '%s'", args->pos[0]);
        return -1;
    }
    if (!(conn = vmctl_conn(ctx)) || gf_image_list(conn, &list, &n) < 0)
        return -1;
    gf_json_init(&j, ctx->out);
    if (json)
        gf_json_open(&j, NULL, '[');
    else
        fprintf(ctx->out, "%-20s %-7s %-8s %-19s  %-6s %-6s %-16s %-20s %-40s %s\n", "IMAGE",
                "VERSION", "PROMOTED", "MARKED", "PARENT", "HOSTS", "FARMS", "DOMAIN", "DISK",
                "NOTE");
    for (size_t i = 0; i < n; i++) {
        const struct gf_image *img = &list[i];
        char marked[GF_TIME_LEN], pins[512], parent[16];
        if (pinned_by(dir ? dir : DEFAULT_POLICIES, img->name, img->version, dir != NULL, pins,
                      sizeof(pins)) < 0) {
            free(list);
            return -1;
        }
        if (json) {
            gf_time_iso(img->marked, marked);
            gf_json_open(&j, NULL, '{');
            gf_json_str(&j, "name", img->name);
            gf_json_int(&j, "version", img->version);
            gf_json_str(&j, "marked", marked);
            gf_json_int(&j, "disks", (long long)img->ndisks);
            gf_json_int(&j, "clones", img->clones);
            gf_json_str(&j, "disk", img->disk);
            gf_json_str(&j, "domain", img->domain);
            gf_json_bool(&j, "promoted", img->promoted);
            gf_json_int(&j, "parent", img->parent);
            gf_json_str(&j, "note", img->note);
            gf_json_str(&j, "reason", img->reason);
            gf_json_str(&j, "farms", img->farms);
            gf_json_str(&j, "pinned_by", pins);
            gf_json_str(&j, "sha256", img->sha256);
            gf_json_close(&j, '}');
            continue;
        }
        gf_time_local(img->marked, marked);
        snprintf(parent, sizeof(parent), "%u", img->parent);
        fprintf(ctx->out, "%-20s %-7u %-8s %-19s  %-6s %-6u %-16s %-20s %-40s %s%s%s%s\n",
                img->name, img->version, img->promoted ? "*" : "", marked,
                img->parent ? parent : "-", img->clones, img->farms[0] ? img->farms : "-",
                img->domain, img->disk, img->note, pins[0] ? (img->note[0] ? "; " : "") : "",
                pins[0] ? "pinned by " : "", pins);
    }
    if (json)
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

/* vmctl image seal HOST --image NAME [--note TEXT] [--shutdown] [--timeout SECONDS] */
static int cmd_image_seal(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    struct gf_seal_opts o = {.image = vmctl_opt(args, "image"),
                             .note = vmctl_opt(args, "note"),
                             .shutdown = vmctl_flag(args, "shutdown"),
                             .progress = isatty(STDERR_FILENO)};
    struct gf_seal_result r;
    virConnectPtr conn;
    unsigned int timeout = 120;

    if (!o.image) {
        gf_err(GF_ERR_INPUT, "image seal: --image NAME is required (the image HOST becomes the "
                             "next version of)");
        return -1;
    }
    if (o.note && strlen(o.note) > 255) {
        gf_err(GF_ERR_INPUT, "image seal: --note is longer than 255 characters");
        return -1;
    }
    if (vmctl_opt(args, "timeout") &&
        vmctl_number("--timeout", vmctl_opt(args, "timeout"), 1, 3600, &timeout) < 0)
        return -1;
    o.timeout = (int)timeout;
    if (!(conn = vmctl_conn(ctx)) || gf_image_seal(conn, args->pos[0], &o, &r) < 0)
        return -1;
    fprintf(ctx->out,
            "%s: %s into %s version %u (gold domain %s, from version %u); it is not promoted: "
            "vmctl image promote %s %u, or roll a farm onto it with vmctl image rollout FARM "
            "--to %u\n",
            args->pos[0], r.recovered ? "an interrupted seal was finished" : "sealed", o.image,
            r.version, r.gold, r.parent, o.image, r.version, r.version);
    return 0;
}

/* VERSION (the second positional) of ARGS into *V.  0 or -1. */
static int version_arg(const struct vmctl_args *args, unsigned int *v)
{
    return vmctl_number("VERSION", args->pos[1], 1, GF_VERSION_MAX, v);
}

/* vmctl image promote NAME VERSION */
static int cmd_image_promote(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    virConnectPtr conn;
    unsigned int version, was = 0;

    if (version_arg(args, &version) < 0 || !(conn = vmctl_conn(ctx)) ||
        gf_image_promote(conn, args->pos[0], version, &was) < 0)
        return -1;
    if (was == version)
        fprintf(ctx->out, "%s: version %u is already the promoted one\n", args->pos[0], version);
    else
        fprintf(ctx->out,
                "%s: version %u promoted (was %u): new clones of farms that pin no version and "
                "have no roll-out use it\n",
                args->pos[0], version, was);
    return 0;
}

/* vmctl image retire NAME VERSION [--policies DIR] */
static int cmd_image_retire(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *dir = vmctl_opt(args, "policies");
    virConnectPtr conn;
    unsigned int version;
    char pins[512];
    int npins;

    if (version_arg(args, &version) < 0 || gf_name_check("image", args->pos[0]) < 0)
        return -1;
    if (!vmctl_opt(args, "policy") && args->npos > 2) {
        gf_err(GF_ERR_INPUT, "image retire: unexpected argument '%s'", args->pos[2]);
        return -1;
    }
    if ((npins = pinned_by(dir ? dir : DEFAULT_POLICIES, args->pos[0], version, 1, pins,
                           sizeof(pins))) < 0)
        return -1;
    if (npins) {
        gf_err(GF_ERR_INPUT, "version %u of '%s' is pinned by %s: not retired", version,
               args->pos[0], pins);
        return -1;
    }
    if (vmctl_opt(args, "policy")) {
        const char *files[64];
        int nfiles = 0;
        files[nfiles++] = vmctl_opt(args, "policy");
        for (int i = 2; i < args->npos && nfiles < 64; i++)
            files[nfiles++] = args->pos[i];
        return vmctl_image_retire_nodes(ctx, args->pos[0], version, files, nfiles);
    }
    if (!(conn = vmctl_conn(ctx)))
        return -1;
    return gf_image_retire(conn, args->pos[0], version);
}

static const struct vmctl_opt list_opts[] = {
    {"json", VMCTL_OPT_BOOL, NULL, "print JSON"},
    {"policy", VMCTL_OPT_LIST, "FILE",
     "list every hypervisor of these policies, with each version's SHA-256 and MISMATCH"},
    {"policies", VMCTL_OPT_STRING, "DIR",
     "show the pins of the policies in DIR (" DEFAULT_POLICIES ")"},
    {NULL, 0, NULL, NULL},
};

static const struct vmctl_opt seal_opts[] = {
    {"image", VMCTL_OPT_STRING, "NAME", "the image HOST becomes the next version of (required)"},
    {"note", VMCTL_OPT_STRING, "TEXT", "the new version's note: what was patched"},
    {"shutdown", VMCTL_OPT_BOOL, NULL, "shut a running HOST down through its guest agent first"},
    {"timeout", VMCTL_OPT_STRING, "SECONDS", "how long that shutdown may take (120)"},
    {NULL, 0, NULL, NULL},
};

static const struct vmctl_opt retire_opts[] = {
    {"policies", VMCTL_OPT_STRING, "DIR",
     "goldfarmd's policies, checked for pins (" DEFAULT_POLICIES ")"},
    {"policy", VMCTL_OPT_LIST, "FILE",
     "retire it on every hypervisor of these policies (checked on all first)"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_image_cmds[] = {
    {"image list", cmd_image_list, list_opts, "[--policy FILE...]", 0, -1,
     "list gold images and their versions: promoted, parent, hosts and farms on each",
     "  One line per version.  PROMOTED marks the version new clones use; FARMS\n"
     "  counts the hosts of each farm cloned from it; the policies that pin a\n"
     "  version are shown when the policies directory can be read.  With\n"
     "  --policy FILE... (repeatable), every version on every hypervisor of those\n"
     "  policies instead, with the SHA-256 vmctl image push recorded for it and\n"
     "  DIFFERS where another hypervisor records another one for the same version\n"
     "  (such a version is cloned nowhere)."},
    {"image mark", cmd_image_mark, NULL, "DOMAIN", 1, 1,
     "make a shut-off domain version 1 of a new gold image",
     "  From then on Goldfarm never writes, commits into or deletes its disks,\n"
     "  and refuses to snapshot, roll back or resize it."},
    {"image seal", cmd_image_seal, seal_opts, "HOST", 1, 1,
     "make a patched host the next version of its gold image",
     "  HOST, a clone of NAME, shut off (or running with --shutdown and no user\n"
     "  logged in), becomes gold domain NAME-vN: its disk chain is copied into a\n"
     "  new standalone disk, so the old version and its clones are untouched, and\n"
     "  HOST is removed.  A pre-seal snapshot makes the seal undoable until it\n"
     "  completes: a failed seal puts HOST back as it was, and a seal a crash\n"
     "  interrupted is finished or undone by sealing HOST again.  The new version\n"
     "  is not promoted."},
    {"image promote", cmd_image_promote, NULL, "NAME VERSION", 2, 2,
     "make VERSION the one new clones of NAME use",
     "  Farms whose policy pins a version (farm.image_version), and farms a\n"
     "  roll-out moved to a version, keep theirs; the hosts already running stay\n"
     "  as they are (vmctl image rollout moves them)."},
    {"image retire", cmd_image_retire, retire_opts, "NAME VERSION [--policy FILE...]", 2, -1,
     "delete a version no host and no policy uses",
     "  Refused while it is the promoted version, while any host (quarantined\n"
     "  ones too) was cloned from it, while a policy pins it, or while any\n"
     "  volume has its disk as backing file.  With --policy FILE... (repeatable),\n"
     "  on every hypervisor of those policies that has it: all of them are\n"
     "  checked first (promoted there, hosts on it, pinned by one of the policies,\n"
     "  its disk on storage another of them sees too), so a refusal changes\n"
     "  nothing anywhere; then one by one."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
