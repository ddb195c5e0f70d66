/* status_print.c - one farm's status, as goldfarmd's status file or its
 * control socket gives it, printed for people (farm status, --watch). */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "vmctl.h"

/* Print the roll-out of status ST, if any, as one or two lines. */
static void print_rollout(FILE *out, json_object *st)
{
    char image[80], from[16], to[16], phase[32], paused[8], target[16], on[16], all[16];
    char started[40], reason[300];
    json_object *r;

    if (!json_object_object_get_ex(st, "rollout", &r) || !json_object_is_type(r, json_type_object))
        return;
    fprintf(
        out, "  rollout %s v%s -> v%s: %s%s, %s of %s hosts on v%s (since %s)\n",
        gf_json_text(r, "image", image, sizeof(image)), gf_json_text(r, "from", from, sizeof(from)),
        gf_json_text(r, "to", to, sizeof(to)), gf_json_text(r, "phase", phase, sizeof(phase)),
        strcmp(gf_json_text(r, "paused", paused, sizeof(paused)), "true") == 0 ? " (PAUSED)" : "",
        gf_json_text(r, "on_target", on, sizeof(on)), gf_json_text(r, "hosts", all, sizeof(all)),
        gf_json_text(r, "target", target, sizeof(target)),
        gf_json_text(r, "started", started, sizeof(started)));
    if (gf_json_text(r, "reason", reason, sizeof(reason))[0])
        fprintf(out, "    why: %s\n", reason);
}

/* Print the standby hosts of status ST by kind, one line, when it has a
 * saved or a running one ("  standby: 1 off, 2 saved (1 ready), 0 running"). */
static void print_standby(FILE *out, json_object *st)
{
    static const char *const kinds[] = {"off", "saved", "running"};
    char hosts[3][16], ready[3][16];
    json_object *by, *k;

    if (!json_object_object_get_ex(st, "standby_by_kind", &by) ||
        !json_object_is_type(by, json_type_object))
        return;
    for (int i = 0; i < 3; i++) {
        snprintf(hosts[i], sizeof(hosts[i]), "0");
        snprintf(ready[i], sizeof(ready[i]), "0");
        if (json_object_object_get_ex(by, kinds[i], &k)) {
            gf_json_text(k, "hosts", hosts[i], sizeof(hosts[i]));
            gf_json_text(k, "ready", ready[i], sizeof(ready[i]));
        }
    }
    if (strcmp(hosts[1], "0") == 0 && strcmp(hosts[2], "0") == 0)
        return; /* shut-off standbys only: the host list says it all */
    fprintf(out, "  standby: %s off, %s saved (%s restore at once), %s running (%s answering)\n",
            hosts[0], hosts[1], ready[1], hosts[2], ready[2]);
}

/* Member KEY of ST as text into BUF, or DEF when absent or null. */
static const char *field(json_object *st, const char *key, const char *def, char *buf, size_t len)
{
    if (!gf_json_text(st, key, buf, len)[0])
        snprintf(buf, len, "%s", def);
    return buf;
}

/* Host H's memory_kib as "16384M" into BUF ("-": not running). */
static const char *memory_text(json_object *h, char *buf, size_t len)
{
    json_object *v;

    if (!json_object_object_get_ex(h, "memory_kib", &v) || !json_object_is_type(v, json_type_int))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%lldM", (long long)json_object_get_int64(v) >> 10);
    return buf;
}

/* Host H's percentage KEY as "93%" into BUF: "-" when it does not run,
 * "?" when it runs and the figure is unknown (null). */
static const char *pct_field(json_object *h, const char *key, char *buf, size_t len)
{
    json_object *v;

    if (!json_object_object_get_ex(h, key, &v))
        snprintf(buf, len, "-");
    else if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%.0f%%", json_object_get_double(v));
    return buf;
}

/* Whether a host of HOSTS has its size and use in the status (the farm's
 * policy goes by them). */
static int has_use(json_object *hosts)
{
    for (size_t i = 0; i < json_object_array_length(hosts); i++)
        if (json_object_object_get_ex(json_object_array_get_idx(hosts, i), "vcpus", NULL))
            return 1;
    return 0;
}

/* Print the status ST of one farm for people.  Every field shown was in
 * the file, or is shown as unknown. */
void vmctl_print_status(FILE *out, json_object *st)
{
    char farm[80], phase[40], dayset[40], updated[40], sessions[16], usage[16], blind[256];
    char paused[8], breaker[256], failing[16];
    json_object *hosts, *last;
    int use;

    field(st, "farm", "?", farm, sizeof(farm));
    field(st, "blind", "", blind, sizeof(blind));
    fprintf(
        out, "farm %s: %s, %s; %s sessions = %s%%%s%s%s (updated %s)\n", farm,
        field(st, "day_set", "?", dayset, sizeof(dayset)),
        field(st, "phase", "?", phase, sizeof(phase)),
        field(st, "sessions", "?", sessions, sizeof(sessions)),
        field(st, "usage_pct", "?", usage, sizeof(usage)),
        strcmp(field(st, "paused", "false", paused, sizeof(paused)), "true") == 0 ? "; PAUSED" : "",
        blind[0] ? "; blind: " : "", blind, field(st, "updated", "?", updated, sizeof(updated)));
    if (json_object_object_get_ex(st, "evacuated", &hosts) &&
        json_object_is_type(hosts, json_type_array))
        for (size_t i = 0; i < json_object_array_length(hosts); i++)
            fprintf(out, "  evacuated: %s (vmctl farm unevacuate gives it back)\n",
                    json_object_get_string(json_object_array_get_idx(hosts, i)));
    if (strcmp(field(st, "failing", "0", failing, sizeof(failing)), "0") != 0)
        fprintf(out, "  failing hosts: %s\n", failing);
    if (field(st, "breaker", "", breaker, sizeof(breaker))[0])
        fprintf(out, "  BREAKER OPEN: %s (vmctl farm resume %s closes it)\n", breaker, farm);
    print_rollout(out, st);
    print_standby(out, st);
    if (!json_object_object_get_ex(st, "hosts", &hosts) ||
        !json_object_is_type(hosts, json_type_array))
        hosts = NULL;
    use = hosts && has_use(hosts);
    fprintf(out, "  %-20s %-12s %-9s %-8s %-6s %s%s\n", "HOST", "STATE", "RUN", "SESSIONS", "IMAGE",
            use ? "VCPUS MEMORY   CPU   AVAIL  " : "", "HEALTH");
    for (size_t i = 0; hosts && i < json_object_array_length(hosts); i++) {
        json_object *h = json_object_array_get_idx(hosts, i);
        char name[80], state[20], run[20], sess[16], version[16], health[128], cells[96] = "";
        char kind[16], saved[8];
        field(h, "sessions", "?", sess, sizeof(sess));
        field(h, "state", "?", state, sizeof(state));
        field(h, "run", "?", run, sizeof(run));
        /* a standby of another kind says which; a saved one's RUN is "saved" */
        if (strcmp(field(h, "standby_kind", "off", kind, sizeof(kind)), "off") != 0)
            snprintf(state, sizeof(state), "sb-%s", kind);
        if (strcmp(field(h, "saved", "false", saved, sizeof(saved)), "true") == 0)
            snprintf(run, sizeof(run), "saved");
        if (use) {
            char vcpus[16], mem[32], cpu[16], avail[16];
            snprintf(cells, sizeof(cells), "%-5s %-8s %-5s %-6s ",
                     field(h, "vcpus", "-", vcpus, sizeof(vcpus)), memory_text(h, mem, sizeof(mem)),
                     pct_field(h, "cpu_pct", cpu, sizeof(cpu)),
                     pct_field(h, "memory_available_pct", avail, sizeof(avail)));
        }
        fprintf(out, "  %-20s %-12s %-9s %-8s v%-5s %s%s\n",
                field(h, "name", "?", name, sizeof(name)), state, run,
                strcmp(sess, "-1") == 0 ? "?" : sess,
                field(h, "image_version", "?", version, sizeof(version)), cells,
                field(h, "health", "ok", health, sizeof(health)));
    }
    if (json_object_object_get_ex(st, "last_decisions", &last) &&
        json_object_is_type(last, json_type_array)) {
        fprintf(out, "  last decisions:\n");
        for (size_t i = 0; i < json_object_array_length(last); i++) {
            json_object *d = json_object_array_get_idx(last, i);
            if (json_object_is_type(d, json_type_string))
                fprintf(out, "    %s\n", json_object_get_string(d));
        }
    }
}
