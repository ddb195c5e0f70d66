/* load.c - session counts from the policy's load source. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/exec.h"
#include "observe/observe.h"
#include "observe/trace.h"

/* Sessions from each running host's guest agent: its logged-in users. */
static void from_agent(const struct gf_policy *p, virConnectPtr *conns, struct gf_farm_obs *farm)
{
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        virTypedParameterPtr params = NULL;
        virDomainPtr dom;
        int nparams = 0;
        unsigned int users;
        if (h->run != GF_RUN_RUNNING || h->hv < 0 || h->hv >= p->nhypervisors || !conns[h->hv])
            continue;
        if (!(dom = virDomainLookupByName(conns[h->hv], h->name)))
            continue;
        if (virDomainGetGuestInfo(dom, VIR_DOMAIN_GUEST_INFO_USERS, &params, &nparams, 0) == 0 &&
            virTypedParamsGetUInt(params, nparams, "user.count", &users) == 1)
            h->sessions = h->active_sessions = (int)users;
        virTypedParamsFree(params, nparams);
        virDomainFree(dom);
    }
}

/* Whether the fields after the first of LINE are whole numbers. */
static int whole_numbers(const char *line)
{
    const char *c = line + strspn(line, " \t");

    c += strcspn(c, " \t"); /* the host */
    while (*c) {
        c += strspn(c, " \t");
        if (!*c)
            break;
        if (!isdigit((unsigned char)*c))
            return 0;
        while (isdigit((unsigned char)*c))
            c++;
        if (*c && *c != ' ' && *c != '\t')
            return 0;
    }
    return 1;
}

/* Parse "HOST SESSIONS [ACTIVE]" lines of TEXT into FARM; WHERE names the
 * source in errors.  Hosts not listed have no sessions.  0, or -1. */
static int from_lines(const char *text, const char *where, struct gf_farm_obs *farm)
{
    int line = 0;

    for (int i = 0; i < farm->nhosts; i++)
        if (farm->hosts[i].run == GF_RUN_RUNNING)
            farm->hosts[i].sessions = farm->hosts[i].active_sessions = 0;
    while (text && *text) {
        const char *eol = strchr(text, '\n');
        size_t len = eol ? (size_t)(eol - text) : strlen(text);
        char buf[256], host[128], extra;
        int sessions, active, fields;
        struct gf_host_obs *h;
        line++;
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), text);
        text += len + (eol != NULL);
        if (!buf[strspn(buf, " \t")] || buf[strspn(buf, " \t")] == '#')
            continue;
        fields = sscanf(buf, "%127s %d %d %c", host, &sessions, &active, &extra);
        if (fields < 2 || fields > 3 || !whole_numbers(buf) || sessions < 0 ||
            (fields == 3 && (active < 0 || active > sessions))) {
            gf_err(GF_ERR_OP, "%s: line %d: expected HOST SESSIONS [ACTIVE], got '%s'", where, line,
                   buf);
            return -1;
        }
        if ((h = gf_farm_host(farm, host)) && h->run == GF_RUN_RUNNING) {
            h->sessions = sessions;
            h->active_sessions = fields == 3 ? active : sessions;
        }
    }
    return 0;
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
        from_agent(p, conns, farm);
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
