/* vmctl.h - vmctl's command table, options and shared context.
 *
 * Like virsh: each command group lives in its own file and exports a table
 * of commands; main.c holds the table of groups, parses the command line
 * with each command's declared options, and reports the one recorded error.
 */
#ifndef VMCTL_H
#define VMCTL_H

#include <stdio.h>

#include <json-c/json.h>
#include <libvirt/libvirt.h>

#include "control/protocol.h"

#define VMCTL_MAX_OPTS 12

enum vmctl_opt_type {
    VMCTL_OPT_BOOL,   /* --flag */
    VMCTL_OPT_STRING, /* --name VALUE or --name=VALUE */
    VMCTL_OPT_LIST,   /* a string that may repeat: later values join the positionals */
};

struct vmctl_opt {
    const char *name; /* without the leading "--" */
    enum vmctl_opt_type type;
    const char *arg; /* the value's placeholder in help ("NAME") */
    const char *help;
};

struct vmctl_ctx {
    const char *uri;     /* from -c/--connect, or NULL */
    virConnectPtr conn;  /* opened on first use unless given */
    int own_conn;        /* whether vmctl closes conn */
    FILE *out;           /* where results go */
    const char *control; /* goldfarmd's control socket when no option names one
                            (an in-process caller's); NULL: GF_CTL_SOCKET */
};

struct vmctl_cmd;

struct vmctl_args {
    const struct vmctl_cmd *cmd;
    const char *values[VMCTL_MAX_OPTS]; /* by option index; "1" for a set flag */
    char **pos;                         /* positional arguments */
    int npos;
};

struct vmctl_cmd {
    const char *name; /* "snapshot create", "clone" */
    int (*run)(struct vmctl_ctx *ctx, const struct vmctl_args *args); /* 0 or -1 + error */
    const struct vmctl_opt *opts; /* terminated by a NULL name */
    const char *synopsis;         /* positional part: "HOST... | --farm FARM" */
    int min_pos, max_pos;         /* max_pos -1: unlimited */
    const char *summary;          /* one line */
    const char *help;             /* paragraphs for `vmctl help COMMAND` */
};

/* The command groups' tables, each terminated by a NULL name. */
extern const struct vmctl_cmd vmctl_list_cmds[];
extern const struct vmctl_cmd vmctl_snapshot_cmds[];
extern const struct vmctl_cmd vmctl_clone_cmds[];
extern const struct vmctl_cmd vmctl_resize_cmds[];
extern const struct vmctl_cmd vmctl_image_cmds[];
extern const struct vmctl_cmd vmctl_push_cmds[];
extern const struct vmctl_cmd vmctl_rollout_cmds[];
extern const struct vmctl_cmd vmctl_policy_cmds[];
extern const struct vmctl_cmd vmctl_farm_cmds[];
extern const struct vmctl_cmd vmctl_control_cmds[];
extern const struct vmctl_cmd vmctl_simulate_cmds[];
extern const struct vmctl_cmd vmctl_log_cmds[];
extern const struct vmctl_cmd vmctl_misc_cmds[];

/* The value of option NAME of ARGS, or NULL when not given. */
const char *vmctl_opt(const struct vmctl_args *args, const char *name);

/* Whether flag NAME of ARGS was given. */
int vmctl_flag(const struct vmctl_args *args, const char *name);

/* Parse TEXT, the value of WHAT ("--batch", "VERSION"), as a whole number
 * from MIN to MAX into *V.  0, or -1 with a GF_ERR_INPUT error naming WHAT. */
int vmctl_number(const char *what, const char *text, unsigned int min, unsigned int max,
                 unsigned int *v);

/* image list --policy FILE...: every version on every hypervisor of the
 * N policies FILES, with its SHA-256 and whether another hypervisor records
 * another one for it (image_nodes.c).  0, or -1 with an error. */
int vmctl_image_list_nodes(struct vmctl_ctx *ctx, const char *const *files, int nfiles, int json);

/* image retire NAME VERSION --policy FILE...: retire VERSION on every
 * hypervisor of the policies that has it.  Every node is checked first
 * (promoted there, hosts cloned from it, a policy given pinning it, its
 * disk a volume another node sees too): a refusal changes nothing
 * anywhere.  Then each node in turn, with gf_image_retire's own refusals;
 * a failure there names the nodes already done.  0, or -1 with an error. */
int vmctl_image_retire_nodes(struct vmctl_ctx *ctx, const char *name, unsigned int version,
                             const char *const *files, int nfiles);

/* goldfarmd's default state directory. */
#define VMCTL_STATE_DIR "/var/lib/goldfarm"

/* The state directory goldfarmd uses: ARGS' --state-dir, else the default. */
const char *vmctl_state_dir(const struct vmctl_args *args);

/* The contents of PATH as a new string to free(), or NULL (errno set). */
char *vmctl_slurp(const char *path);

/* goldfarmd's control socket for ARGS into BUF: --control, else the one
 * beside --state-dir's (gf_ctl_default_path), else CTX's, else
 * GF_CTL_SOCKET.  Returns BUF. */
const char *vmctl_control_path(const struct vmctl_ctx *ctx, const struct vmctl_args *args,
                               char *buf, size_t len);

/* Ask goldfarmd request R, on ARGS's control socket.  0 with its answer in
 * *ANSWER (code ok; to json_object_put), or -1 with an error: the
 * daemon's refusal as GF_ERR_INPUT with its reason (exit 2), its failure,
 * or no daemon there, as GF_ERR_OP (exit 1). */
int vmctl_ask(struct vmctl_ctx *ctx, const struct vmctl_args *args, const struct gf_ctl_req *r,
              json_object **answer);

/* Print ANSWER's message for people, as one line on CTX's output. */
void vmctl_say(struct vmctl_ctx *ctx, json_object *answer);

/* Print the status ST of one farm (a FARM.status object) for people. */
void vmctl_print_status(FILE *out, json_object *st);

/* Follow farm.status on ARGS's socket: the farm's (or every farm's) status
 * printed at once and again on each change (JSON: a line each), until
 * goldfarmd goes away (an error then).  Returns -1 with an error. */
int vmctl_watch(struct vmctl_ctx *ctx, const struct vmctl_args *args, const char *farm, int json);

/* CTX's connection, opened on first use.  NULL with an error. */
virConnectPtr vmctl_conn(struct vmctl_ctx *ctx);

/* Run the commands of ARGV (after the global options: commands separated
 * by lone ";" arguments) on CTX.  Stops at the first failing command.
 * Returns the exit code: 0, 1 (an operation failed) or 2 (bad usage/input);
 * the error has been printed to stderr. */
int vmctl_run(struct vmctl_ctx *ctx, int argc, char **argv);

/* Print help for every command, or for the command named by WORDS. */
int vmctl_help(FILE *out, char **words, int nwords);

#endif
