/* dispatch.c - finding a command, parsing its options, running it. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/log.h"
#include "model/hosts.h"
#include "vmctl.h"

static const struct vmctl_cmd *const cmd_groups[] = {
    vmctl_list_cmds,  vmctl_snapshot_cmds, vmctl_clone_cmds,    vmctl_resize_cmds,
    vmctl_image_cmds, vmctl_push_cmds,     vmctl_rollout_cmds,  vmctl_policy_cmds,
    vmctl_farm_cmds,  vmctl_control_cmds,  vmctl_simulate_cmds, vmctl_log_cmds,
    vmctl_misc_cmds,
};

#define NGROUPS (sizeof(cmd_groups) / sizeof(cmd_groups[0]))

/* The command whose name is the first one, two or three words of ARGV
 * (the longest that matches), and how many words it took (*WORDS); NULL when
 * none matches. */
static const struct vmctl_cmd *find_cmd(char **argv, int argc, int *words)
{
    for (int k = argc < 3 ? argc : 3; k >= 1; k--) {
        char name[192] = "";
        for (int w = 0; w < k; w++)
            snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", w ? " " : "",
                     argv[w]);
        for (size_t g = 0; g < NGROUPS; g++) {
            for (const struct vmctl_cmd *c = cmd_groups[g]; c->name; c++) {
                if (strcmp(c->name, name) == 0) {
                    *words = k;
                    return c;
                }
            }
        }
    }
    return NULL;
}

const char *vmctl_opt(const struct vmctl_args *args, const char *name)
{
    for (int i = 0; args->cmd->opts && args->cmd->opts[i].name; i++)
        if (strcmp(args->cmd->opts[i].name, name) == 0)
            return args->values[i];
    return NULL;
}

int vmctl_flag(const struct vmctl_args *args, const char *name)
{
    return vmctl_opt(args, name) != NULL;
}

int vmctl_number(const char *what, const char *text, unsigned int min, unsigned int max,
                 unsigned int *v)
{
    char *end;
    unsigned long n;

    if (!text || text[0] < '0' || text[0] > '9' || (n = strtoul(text, &end, 10)) < min || n > max ||
        *end) {
        gf_err(GF_ERR_INPUT, "%s '%s' is not a whole number from %u to %u", what, text ? text : "",
               min, max);
        return -1;
    }
    *v = (unsigned int)n;
    return 0;
}

virConnectPtr vmctl_conn(struct vmctl_ctx *ctx)
{
    if (!ctx->conn) {
        ctx->conn = gf_connect(ctx->uri);
        ctx->own_conn = ctx->conn != NULL;
    }
    return ctx->conn;
}

/* Index of option NAME (NAME_LEN bytes) in CMD's table, or -1. */
static int find_opt(const struct vmctl_cmd *cmd, const char *name, size_t name_len)
{
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
        if (strlen(cmd->opts[i].name) == name_len &&
            strncmp(cmd->opts[i].name, name, name_len) == 0)
            return i;
    return -1;
}

/* Parse the ARGC words after CMD's name into ARGS (which points into ARGV).
 * Returns 0 or -1 with a GF_ERR_INPUT error. */
static int parse_args(const struct vmctl_cmd *cmd, int argc, char **argv, struct vmctl_args *args)
{
    int only_pos = 0;

    memset(args, 0, sizeof(*args));
    args->cmd = cmd;
    args->pos = calloc((size_t)argc + 1, sizeof(char *));
    if (!args->pos) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *word = argv[i], *eq, *name;
        size_t len;
        int idx;

        if (only_pos || strncmp(word, "--", 2) != 0 || word[2] == '\0') {
            if (!only_pos && strcmp(word, "--") == 0) {
                only_pos = 1;
                continue;
            }
            if (!only_pos && word[0] == '-' && word[1]) {
                gf_err(GF_ERR_INPUT, "%s: unknown option '%s'", cmd->name, word);
                return -1;
            }
            args->pos[args->npos++] = argv[i];
            continue;
        }
        name = word + 2;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        if ((idx = find_opt(cmd, name, len)) < 0) {
            gf_err(GF_ERR_INPUT, "%s: unknown option '--%.*s' (vmctl help %s)", cmd->name, (int)len,
                   name, cmd->name);
            return -1;
        }
        if (args->values[idx] && cmd->opts[idx].type != VMCTL_OPT_LIST) {
            gf_err(GF_ERR_INPUT, "%s: option '--%s' given twice", cmd->name, cmd->opts[idx].name);
            return -1;
        }
        if (cmd->opts[idx].type == VMCTL_OPT_BOOL) {
            if (eq) {
                gf_err(GF_ERR_INPUT, "%s: option '--%s' takes no value", cmd->name,
                       cmd->opts[idx].name);
                return -1;
            }
            args->values[idx] = "1";
        } else if (eq || i + 1 < argc) {
            char *value = eq ? (char *)eq + 1 : argv[++i];
            if (args->values[idx])
                args->pos[args->npos++] = value; /* a repeated list option */
            else
                args->values[idx] = value;
        } else {
            gf_err(GF_ERR_INPUT, "%s: option '--%s' needs a value (%s)", cmd->name,
                   cmd->opts[idx].name, cmd->opts[idx].arg);
            return -1;
        }
    }
    if (args->npos < cmd->min_pos || (cmd->max_pos >= 0 && args->npos > cmd->max_pos)) {
        gf_err(GF_ERR_INPUT, "%s: expected %s%s%s", cmd->name, cmd->name,
               cmd->synopsis[0] ? " " : "", cmd->synopsis);
        return -1;
    }
    return 0;
}

/* Run the one command in ARGV[0..ARGC).  Returns the exit code. */
static int run_one(struct vmctl_ctx *ctx, int argc, char **argv)
{
    const struct vmctl_cmd *cmd;
    struct vmctl_args args = {0};
    int words = 0, ret, json;
    FILE *prev;

    gf_err_clear();
    if (!(cmd = find_cmd(argv, argc, &words))) {
        gf_err(GF_ERR_INPUT, "unknown command '%s' (vmctl help lists them)", argv[0]);
        goto fail;
    }
    for (int i = words; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            char *name = (char *)cmd->name;
            return vmctl_help(ctx->out, &name, 1) < 0 ? 2 : 0;
        }
    }
    if (parse_args(cmd, argc - words, argv + words, &args) < 0)
        goto fail;
    json = vmctl_flag(&args, "json");
    /* with --json, stdout is the JSON alone: the library's notes go to stderr */
    prev = gf_log_stream();
    gf_log_set_stream(json ? stderr : ctx->out);
    ret = cmd->run(ctx, &args);
    gf_log_set_stream(prev); /* an in-process caller's stream, not one it may close */
    free(args.pos);
    if (ret == 0)
        return 0;
    return gf_err_class_get() == GF_ERR_INPUT ? 2 : 1;
fail:
    free(args.pos);
    return 2;
}

int vmctl_run(struct vmctl_ctx *ctx, int argc, char **argv)
{
    int start = 0, code = 0;

    if (argc == 0) {
        gf_err(GF_ERR_INPUT, "no command given (vmctl help lists them)");
        fprintf(stderr, "vmctl: %s\n", gf_err_message());
        return 2;
    }
    for (int i = 0; i <= argc && code == 0; i++) {
        if (i < argc && strcmp(argv[i], ";") != 0)
            continue;
        if (i > start) {
            code = run_one(ctx, i - start, argv + start);
            fflush(ctx->out);
            if (code)
                fprintf(stderr, "vmctl: %s\n", gf_err_message());
        }
        start = i + 1;
    }
    return code;
}

/* Print CMD's usage line and options. */
static void help_cmd(FILE *out, const struct vmctl_cmd *cmd)
{
    fprintf(out, "usage: vmctl %s%s%s", cmd->name, cmd->synopsis[0] ? " " : "", cmd->synopsis);
    for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
        const struct vmctl_opt *o = &cmd->opts[i];
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s ", o->name);
        if (strstr(cmd->synopsis, flag))
            continue; /* already in the synopsis */
        fprintf(out, " [--%s%s%s]", o->name, o->type != VMCTL_OPT_BOOL ? " " : "",
                o->type != VMCTL_OPT_BOOL ? o->arg : "");
    }
    fprintf(out, "\n\n  %s\n", cmd->summary);
    if (cmd->help && cmd->help[0])
        fprintf(out, "\n%s\n", cmd->help);
    if (cmd->opts && cmd->opts[0].name) {
        fprintf(out, "\noptions:\n");
        for (int i = 0; cmd->opts[i].name; i++) {
            char left[64];
            const struct vmctl_opt *o = &cmd->opts[i];
            snprintf(left, sizeof(left), "--%s%s%s", o->name, o->type != VMCTL_OPT_BOOL ? " " : "",
                     o->type != VMCTL_OPT_BOOL ? o->arg : "");
            fprintf(out, "  %-24s %s\n", left, o->help);
        }
    }
}

int vmctl_help(FILE *out, char **words, int nwords)
{
    const struct vmctl_cmd *cmd;
    int used = 0;

    if (nwords == 0) {
        fprintf(out, "usage: vmctl [-c URI] COMMAND [ARGS...] [\\; COMMAND ...]\n\n"
                     "Goldfarm's command line: snapshots before patching, clones of gold images,\n"
                     "resizing hosts.  Global options: -c/--connect URI, -h/--help, -V/--version.\n"
                     "Commands separated by a lone ';' run in order on one connection.\n\n"
                     "commands:\n");
        for (size_t g = 0; g < NGROUPS; g++)
            for (const struct vmctl_cmd *c = cmd_groups[g]; c->name; c++)
                fprintf(out, "  %-24s %s\n", c->name, c->summary);
        fprintf(out, "\nvmctl help COMMAND shows a command's options.\n");
        return 0;
    }
    if (nwords == 1 && strchr(words[0], ' ')) {
        /* "snapshot create" given as one word */
        for (size_t g = 0; g < NGROUPS; g++)
            for (const struct vmctl_cmd *c = cmd_groups[g]; c->name; c++)
                if (strcmp(c->name, words[0]) == 0) {
                    help_cmd(out, c);
                    return 0;
                }
    }
    cmd = find_cmd(words, nwords, &used);
    if (!cmd || used != nwords) {
        /* A group name alone lists the group's commands. */
        int listed = 0;
        for (size_t g = 0; g < NGROUPS && nwords == 1; g++)
            for (const struct vmctl_cmd *c = cmd_groups[g]; c->name; c++)
                if (strncmp(c->name, words[0], strlen(words[0])) == 0 &&
                    c->name[strlen(words[0])] == ' ') {
                    fprintf(out, "  %-24s %s\n", c->name, c->summary);
                    listed = 1;
                }
        if (listed)
            return 0;
        gf_err(GF_ERR_INPUT, "help: unknown command '%s'", words[0]);
        return -1;
    }
    help_cmd(out, cmd);
    return 0;
}
