/* load.c - session counts from the policy's load source. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/exec.h"
#include "observe/observe.h"
#include "observe/trace.h"

/* A whole number from 0 to MAX in TEXT into *V; 0, or -1 when it is not. */
static int whole(const char *text, long long max, long long *v)
{
    guint64 n;

    if (!g_ascii_string_to_unsigned(text, 10, 0, (guint64)max, &n, NULL))
        return -1;
    *v = (long long)n;
    return 0;
}

/* Parse one line "HOST SESSIONS [ACTIVE] [cpu=PCT] [memory=PCT]" (FIELDS,
 * N of them) into FARM's host of that name (found in BY_NAME, FARM's hosts
 * by name), if it runs.  0, or -1. */
static int from_fields(char **fields, int n, GHashTable *by_name)
{
    long long sessions, active = -1, cpu = -1, mem = -1, v;
    struct gf_host_obs *h;
    int k = 2;

    if (n < 2 || whole(fields[1], INT_MAX, &sessions) < 0)
        return -1;
    if (k < n && whole(fields[k], sessions, &active) == 0)
        k++;
    for (; k < n; k++) {
        if (g_str_has_prefix(fields[k], "cpu=") && cpu < 0 && whole(fields[k] + 4, 100, &v) == 0)
            cpu = v;
        else if (g_str_has_prefix(fields[k], "memory=") && mem < 0 &&
                 whole(fields[k] + 7, 100, &v) == 0)
            mem = v;
        else
            return -1;
    }
    if ((h = g_hash_table_lookup(by_name, fields[0])) && h->run == GF_RUN_RUNNING) {
        h->sessions = (int)sessions;
        h->active_sessions = active >= 0 ? (int)active : (int)sessions;
        h->load_cpu_pct = (double)cpu;
        h->load_mem_pct = (double)mem;
    }
    return 0;
}

/* Parse "HOST SESSIONS [ACTIVE] [cpu=PCT] [memory=PCT]" lines of TEXT into
 * FARM; WHERE names the source in errors.  Hosts not listed have no
 * sessions (and no CPU or memory figure from the source).  0, or -1. */
static int from_lines(const char *text, const char *where, struct gf_farm_obs *farm)
{
    gchar **lines = g_strsplit(text ? text : "", "\n", -1);
    /* the hosts by name: one lookup a line, not a scan of the farm */
    GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
    int ret = 0;

    for (int i = 0; i < farm->nhosts; i++) {
        if (farm->hosts[i].run == GF_RUN_RUNNING)
            farm->hosts[i].sessions = farm->hosts[i].active_sessions = 0;
        if (!g_hash_table_contains(by_name, farm->hosts[i].name)) /* the first, as a scan */
            g_hash_table_insert(by_name, farm->hosts[i].name, &farm->hosts[i]);
    }
    for (int line = 0; lines[line] && ret == 0; line++) {
        gchar **all = g_strsplit_set(lines[line], " \t\r", -1);
        char *fields[8];
        int n = 0, extra = 0;
        for (int k = 0; all[k]; k++)
            if (all[k][0] && n < 8)
                fields[n++] = all[k];
            else if (all[k][0])
                extra = 1;
        if (n && fields[0][0] != '#' && (extra || from_fields(fields, n, by_name) < 0)) {
            char shown[GF_ESC_LEN];
            gf_err(GF_ERR_OP,
                   "%s: line %d: expected HOST SESSIONS [ACTIVE] [cpu=PCT] [memory=PCT], got '%s'",
                   where, line + 1, gf_esc(lines[line], shown, sizeof(shown)));
            ret = -1;
        }
        g_strfreev(all);
    }
    g_strfreev(lines);
    g_hash_table_destroy(by_name);
    return ret;
}

/* The lines of P's trace in force at NOW: for each host, its latest sample
 * at or before NOW.  A trace line is "TIME HOST SESSIONS [ACTIVE]" with TIME
 * "HH:MM" (every day) or "YYYY-MM-DDTHH:MM" (local time in the policy's
 * zone); the file is in time order.  Returns a new string to free(), or
 * NULL with an error. */
static char *trace_at(const struct gf_policy *p, const struct gf_local *now)
{
    char *text = NULL, *next, *out = NULL;
    size_t outlen = 0;
    FILE *mem;
    long long now_key = ((long long)now->year * 10000 + now->month * 100 + now->day) * 10000 +
                        now->minute / 60 * 100 + now->minute % 60;
    int lineno = 0;

    /* a regular file only (never a FIFO that blocks), bounded, no NUL */
    if (gf_trace_read_text(p->trace, &text) < 0)
        return NULL;
    if (!(mem = open_memstream(&out, &outlen))) {
        free(text);
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    for (char *line = text; line; line = next) {
        char when[32], rest[480], shown[GF_ESC_LEN];
        int y = 0, mo = 0, d = 0, h, mi;
        long long key;
        if ((next = strchr(line, '\n')))
            *next++ = '\0';
        lineno++;
        if (sscanf(line, "%31s %479[^\n]", when, rest) != 2 || when[0] == '#')
            continue;
        if (strlen(when) == 16 && sscanf(when, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) == 5 &&
            mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59)
            key = ((long long)y * 10000 + mo * 100 + d) * 10000 + h * 100 + mi;
        else if (strlen(when) == 5 && isdigit((unsigned char)when[0]) &&
                 isdigit((unsigned char)when[1]) && when[2] == ':' &&
                 sscanf(when, "%2d:%2d", &h, &mi) == 2 && h <= 23 && mi <= 59)
            key =
                ((long long)now->year * 10000 + now->month * 100 + now->day) * 10000 + h * 100 + mi;
        else {
            fclose(mem);
            free(text);
            free(out);
            gf_err(GF_ERR_OP, "trace %s: line %d: '%s' is not HH:MM or YYYY-MM-DDTHH:MM", p->trace,
                   lineno, gf_esc(when, shown, sizeof(shown)));
            return NULL;
        }
        if (key <= now_key)
            fprintf(mem, "%s\n", rest); /* later lines for a host override earlier ones */
    }
    free(text);
    fclose(mem);
    return out;
}

int gf_load_sessions(const struct gf_policy *p, virConnectPtr *conns, const struct gf_local *now,
                     struct gf_farm_obs *farm)
{
    char *text = NULL;
    int ret;

    switch (p->load_source) {
    case GF_LOAD_EXTERNAL:
        return 0;
    case GF_LOAD_AGENT:
        gf_load_from_agents(p, conns, farm);
        return 0;
    case GF_LOAD_COMMAND: {
        char *argv[GF_MAX_HOOK_ARGS + 1];
        for (int i = 0; i < p->load_command.argc; i++)
            argv[i] = (char *)p->load_command.argv[i];
        argv[p->load_command.argc] = NULL;
        ret = gf_exec(argv, 30, &text);
        if (ret < 0)
            return -1;
        if (ret != 0) {
            free(text);
            gf_err(GF_ERR_OP, "load command %s exited with status %d", argv[0], ret);
            return -1;
        }
        ret = from_lines(text, p->load_command.argv[0], farm);
        free(text);
        return ret;
    }
    case GF_LOAD_TRACE:
        if (!(text = trace_at(p, now)))
            return -1;
        ret = from_lines(text, p->trace, farm);
        free(text);
        return ret;
    }
    return 0;
}
