/* cmd-misc.c - help and echo. */
#include <stdio.h>

#include "vmctl.h"

/* vmctl help [COMMAND]: the command list, or one command's options. */
static int cmd_help(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    return vmctl_help(ctx->out, args->pos, args->npos);
}

/* vmctl echo WORDS...: print a line, to narrate a sequence of commands. */
static int cmd_echo(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    for (int i = 0; i < args->npos; i++)
        fprintf(ctx->out, "%s%s", i ? " " : "", args->pos[i]);
    fputc('\n', ctx->out);
    return 0;
}

const struct vmctl_cmd vmctl_misc_cmds[] = {
    {"help", cmd_help, NULL, "[COMMAND]", 0, 3, "list the commands, or show one command's options",
     NULL},
    {"echo", cmd_echo, NULL, "WORDS...", 0, -1,
     "print a line (narrates a ';'-separated sequence of commands)", NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
