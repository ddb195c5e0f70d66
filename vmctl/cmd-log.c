/* cmd-log.c - vmctl farm log: the decision log, what goldfarmd (or a
 * simulation) decided and how it went, read with json-c. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "base/json.h"
#include "base/names.h"
#include "base/timefmt.h"
#include "observe/trace.h"
#include "vmctl.h"

/* The decision record LINE of FILE:LINENO in words (only evaluations that
 * did something), or as it is with JSON; records before SINCE are left
 * out.  0, or -1 with an error naming the line. */
static int print_record(FILE *out, const char *file, int lineno, const char *line, time_t since,
                        int json)
{
    char when[40], farm[80], phase[40], dayset[40], holiday[8], sessions[16], in_service[16];
    char usage[16], capacity[16], mode[16];
    json_object *rec = gf_json_parse_object(line), *actions;
    size_t n;
    int acted = 0;
    time_t t;

    if (!rec || gf_time_parse_iso(gf_json_text(rec, "time", when, sizeof(when)), &t) < 0 ||
        !json_object_object_get_ex(rec, "actions", &actions) ||
        !json_object_is_type(actions, json_type_array)) {
        json_object_put(rec);
        gf_err(GF_ERR_INPUT, "%s:%d: not a decision record", file, lineno);
        return -1;
    }
    n = json_object_array_length(actions);
    for (size_t i = 0; i < n && !acted; i++) {
        char outcome[16];
        acted = strcmp(gf_json_text(json_object_array_get_idx(actions, i), "outcome", outcome,
                                    sizeof(outcome)),
                       "note") != 0;
    }
    if (since && t < since) {
        json_object_put(rec);
        return 0;
    }
    if (json) {
        fprintf(out, "%s\n", line);
        json_object_put(rec);
        return 0;
    }
    if (!acted) { /* in words: notes alone are not */
        json_object_put(rec);
        return 0;
    }
    gf_json_text(rec, "mode", mode, sizeof(mode));
    gf_json_text(rec, "day_set", dayset, sizeof(dayset));
    fprintf(out, "%s %s: %s%s%s%s, %s sessions on %s hosts in service (capacity %s) = %s%%%s%s\n",
            when, gf_json_text(rec, "farm", farm, sizeof(farm)), dayset, dayset[0] ? " " : "",
            gf_json_text(rec, "phase", phase, sizeof(phase)),
            strcmp(gf_json_text(rec, "holiday", holiday, sizeof(holiday)), "true") == 0
                ? " (holiday)"
                : "",
            gf_json_text(rec, "sessions", sessions, sizeof(sessions)),
            gf_json_text(rec, "in_service", in_service, sizeof(in_service)),
            gf_json_text(rec, "capacity", capacity, sizeof(capacity)),
            gf_json_text(rec, "usage_pct", usage, sizeof(usage)),
            strcmp(mode, "acted") == 0 ? "" : ", ", strcmp(mode, "acted") == 0 ? "" : mode);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(actions, i);
        char text[600], outcome[16], error[300];
        gf_json_text(a, "line", text, sizeof(text));
        gf_json_text(a, "error", error, sizeof(error));
        if (strcmp(gf_json_text(a, "outcome", outcome, sizeof(outcome)), "note") == 0)
            fprintf(out, "%s   note: %s\n", when, text);
        else
            fprintf(out, "%s   %s [%s%s%s]\n", when, text, outcome, error[0] ? ": " : "", error);
    }
    json_object_put(rec);
    return 0;
}

static int print_log_file(FILE *out, const char *path, time_t since, int json)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, ret = 0;

    if (!f) {
        gf_err(GF_ERR_INPUT, "cannot read the decision log %s: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!line[strspn(line, " \t")])
            continue;
        if ((ret = print_record(out, path, lineno, line, since, json)) < 0)
            break;
    }
    free(line);
    fclose(f);
    return ret;
}

/* --since: an ISO time (Z or offset: UTC; bare: this machine's zone) or
 * a duration ago ("90m", "2h", "1d"). */
static int parse_since(const char *text, time_t *t)
{
    char *end;
    long v = strtol(text, &end, 10);

    if (end != text && v >= 0 && (!strcmp(end, "m") || !strcmp(end, "h") || !strcmp(end, "d"))) {
        *t = time(NULL) - v * (*end == 'm' ? 60 : *end == 'h' ? 3600 : 86400);
        return 0;
    }
    if (gf_trace_time(text, getenv("TZ") && *getenv("TZ") == ':' ? getenv("TZ") + 1 : NULL, t) == 0)
        return 0;
    gf_err(GF_ERR_INPUT,
           "farm log: --since '%s': expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] or a duration ago "
           "(90m, 2h, 1d)",
           text);
    return -1;
}

static int is_log_file(const struct dirent *e)
{
    size_t len = strlen(e->d_name);

    return len > 10 && strcmp(e->d_name + len - 10, ".decisions") == 0;
}

/* vmctl farm log [FARM] [--since TIME] [--json] [--state-dir DIR] [--file FILE] */
static int cmd_farm_log(struct vmctl_ctx *ctx, const struct vmctl_args *args)
{
    const char *dir = vmctl_state_dir(args);
    int json = vmctl_flag(args, "json"), ret = 0;
    time_t since = 0;
    char path[PATH_MAX + 100];

    if (vmctl_opt(args, "since") && parse_since(vmctl_opt(args, "since"), &since) < 0)
        return -1;
    if (vmctl_opt(args, "file"))
        return print_log_file(ctx->out, vmctl_opt(args, "file"), since, json);
    if (args->npos == 1) {
        if (gf_name_problem(args->pos[0])) {
            gf_err(GF_ERR_INPUT, "farm log: '%s' is not a farm name", args->pos[0]);
            return -1;
        }
        snprintf(path, sizeof(path), "%s/%s.decisions", dir, args->pos[0]);
        return print_log_file(ctx->out, path, since, json);
    }
    {
        struct dirent **entries;
        int n = scandir(dir, &entries, is_log_file, alphasort);
        if (n < 0) {
            gf_err(GF_ERR_INPUT, "farm log: cannot read %s: %s", dir, strerror(errno));
            return -1;
        }
        for (int i = 0; i < n; i++) {
            snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
            if (ret == 0 && print_log_file(ctx->out, path, since, json) < 0)
                ret = -1;
            free(entries[i]);
        }
        free(entries);
        if (n == 0) {
            gf_err(GF_ERR_INPUT, "farm log: no decision log in %s", dir);
            return -1;
        }
    }
    return ret;
}

static const struct vmctl_opt log_opts[] = {
    {"since", VMCTL_OPT_STRING, "TIME", "only records from TIME (ISO, or 90m/2h/1d ago)"},
    {"json", VMCTL_OPT_BOOL, NULL, "print the records as JSON lines"},
    {"state-dir", VMCTL_OPT_STRING, "DIR", "goldfarmd's state directory (" VMCTL_STATE_DIR ")"},
    {"file", VMCTL_OPT_STRING, "FILE", "read FILE (simulate --log) instead"},
    {NULL, 0, NULL, NULL},
};

const struct vmctl_cmd vmctl_log_cmds[] = {
    {"farm log", cmd_farm_log, log_opts, "[FARM]", 0, 1,
     "the decision log: what goldfarmd (or a simulation) decided, and how it went",
     "  Reads STATE_DIR/FARM.decisions (every farm's without FARM): one line per\n"
     "  evaluation that had actions (phase, sessions, usage), one per action\n"
     "  with its outcome; --json prints the records themselves."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
