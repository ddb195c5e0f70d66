/* policy_check.c - the relations between a policy's keys, checked once
 * every key was read: the farm's numbers, the vertical rules' marks and
 * the load's weights, the schedule's day sets and phases, the holidays,
 * the load source, the identity templates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/size.h"
#include "model/meta.h"
#include "model/seed.h"
#include "policy/policy_int.h"

/* Check the farm's numbers against each other and its hypervisors. */
static void check_farm(struct load *ld)
{
    struct gf_policy *p = ld->p;
    int room = 0, limited = 1;
    char max_mem[32], mem[32], esc[GF_ESC_LEN];

    if (policy_any_bad(ld, "farm.min_hosts", "farm.max_hosts", "farm.vcpus", "farm.memory", NULL))
        return;
    if (p->min_hosts > p->max_hosts)
        policy_error_at(ld, policy_line_of(ld, "farm.min_hosts"), "farm.min_hosts",
                        "%d is more than farm.max_hosts (%d)", p->min_hosts, p->max_hosts);
    for (int i = 0; i < p->nhypervisors; i++) {
        char path[64];
        snprintf(path, sizeof(path), "farm.hypervisors[%d].uri", i + 1);
        for (int j = 0; j < i; j++)
            if (p->hypervisors[i].uri[0] &&
                strcmp(p->hypervisors[i].uri, p->hypervisors[j].uri) == 0)
                policy_error_at(ld, policy_line_of(ld, path), path, "'%s' is listed twice",
                                gf_esc(p->hypervisors[i].uri, esc, sizeof(esc)));
        if (p->hypervisors[i].max_hosts == 0)
            limited = 0;
        room += p->hypervisors[i].max_hosts;
    }
    if (limited && p->nhypervisors && room < p->max_hosts)
        policy_error_at(ld, policy_line_of(ld, "farm.max_hosts"), "farm.max_hosts",
                        "%d is more than the hypervisors' max_hosts add up to (%d)", p->max_hosts,
                        room);
    if (p->max_vcpus && p->max_vcpus < p->vcpus)
        policy_error_at(ld, policy_line_of(ld, "scaling.max_vcpus"), "scaling.max_vcpus",
                        "%d is less than farm.vcpus (%d)", p->max_vcpus, p->vcpus);
    gf_size_format(p->max_memory_kib, max_mem, sizeof(max_mem));
    gf_size_format(p->memory_kib, mem, sizeof(mem));
    if (p->max_memory_kib && p->max_memory_kib < p->memory_kib &&
        !policy_any_bad(ld, "scaling.max_memory", NULL))
        policy_error_at(ld, policy_line_of(ld, "scaling.max_memory"), "scaling.max_memory",
                        "%s is less than farm.memory (%s)", max_mem, mem);
}

/* Check the vertical rules' marks against each other and the load's
 * weights: a host is never both short and idle, and something counts. */
static void check_scaling(struct load *ld)
{
    struct gf_policy *p = ld->p;

    if (!policy_any_bad(ld, "scaling.cpu_below", "scaling.cpu_above", NULL) &&
        p->cpu_below >= p->cpu_above)
        policy_error_at(ld, policy_line_of(ld, "scaling.cpu_below"), "scaling.cpu_below",
                        "%d%% is not below scaling.cpu_above (%d%%)", p->cpu_below, p->cpu_above);
    if (!policy_any_bad(ld, "scaling.memory_below", "scaling.memory_above", NULL) &&
        p->memory_below >= p->memory_above)
        policy_error_at(ld, policy_line_of(ld, "scaling.memory_below"), "scaling.memory_below",
                        "%d%% is not below scaling.memory_above (%d%%)", p->memory_below,
                        p->memory_above);
    if (!policy_any_bad(ld, "load.weights", NULL) && !p->weight[GF_SIG_SESSIONS] &&
        !p->weight[GF_SIG_CPU] && !p->weight[GF_SIG_MEMORY])
        policy_error_at(ld, policy_line_of(ld, "load.weights"), "load.weights",
                        "every weight is 0: sessions, cpu or memory must count");
}

/* Check each day set's phases (in order, minimums within the farm) and
 * that every day of the week is covered exactly once. */
static void check_schedule(struct load *ld)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    struct gf_policy *p = ld->p;
    unsigned int covered = 0;
    char path[128];

    if (policy_any_bad(ld, "schedule", NULL))
        return;
    for (int i = 0; i < p->ndaysets; i++) {
        snprintf(path, sizeof(path), "schedule.%s.days", p->daysets[i].name);
        if (policy_any_bad(ld, path, NULL))
            return; /* coverage and overlaps cannot be judged */
    }
    if (p->ndaysets == 0)
        policy_error_at(
            ld, policy_line_of(ld, "schedule"), "schedule",
            "needs at least one day set, like weekdays: { days = [...]; ramp_up = {...}; "
            "... }");
    for (int i = 0; i < p->ndaysets; i++) {
        struct gf_dayset *ds = &p->daysets[i];
        for (int d = 0; d < 7; d++) {
            if (!(ds->days & covered & (1u << d)))
                continue;
            snprintf(path, sizeof(path), "schedule.%s.days", ds->name);
            policy_error_at(ld, policy_line_of(ld, path), path,
                            "'%s' is already in another day set", days[d]);
        }
        covered |= ds->days;
        for (int ph = 0; ph < GF_NPHASES; ph++) {
            const struct gf_phase *phase = &ds->phases[ph];
            const char *pname = gf_phase_name((enum gf_phase_id)ph);
            char start[128], prev[128], minp[128], thr[128], sb[128];
            int min = gf_phase_min_hosts(p, phase);
            if (!phase->line)
                continue; /* missing: already reported */
            snprintf(start, sizeof(start), "schedule.%s.%s.start", ds->name, pname);
            snprintf(prev, sizeof(prev), "schedule.%s.%s.start", ds->name,
                     ph ? gf_phase_name((enum gf_phase_id)(ph - 1)) : "");
            snprintf(minp, sizeof(minp), "schedule.%s.%s.min_hosts", ds->name, pname);
            snprintf(thr, sizeof(thr), "schedule.%s.%s.threshold", ds->name, pname);
            snprintf(sb, sizeof(sb), "schedule.%s.%s.standby", ds->name, pname);
            if (policy_any_bad(ld, start, prev, minp, thr, sb, "farm.max_hosts",
                               "scaling.hysteresis", NULL))
                continue;
            if (ph > 0 && ds->phases[ph - 1].line && phase->start <= ds->phases[ph - 1].start) {
                snprintf(path, sizeof(path), "schedule.%s.%s.start", ds->name,
                         gf_phase_name((enum gf_phase_id)ph));
                policy_error_at(ld, policy_line_of(ld, path), path,
                                "%02d:%02d is not after %s's start (%02d:%02d)", phase->start / 60,
                                phase->start % 60, gf_phase_name((enum gf_phase_id)(ph - 1)),
                                ds->phases[ph - 1].start / 60, ds->phases[ph - 1].start % 60);
            }
            snprintf(path, sizeof(path), "schedule.%s.%s.min_hosts", ds->name,
                     gf_phase_name((enum gf_phase_id)ph));
            if (!phase->min_pct && min > p->max_hosts)
                policy_error_at(ld, policy_line_of(ld, path), path,
                                "%d is more than farm.max_hosts (%d)", min, p->max_hosts);
            else if (min + phase->standby > p->max_hosts)
                policy_error_at(ld, policy_line_of(ld, path), path,
                                "%d hosts and %d standby are more than farm.max_hosts (%d)", min,
                                phase->standby, p->max_hosts);
            if (phase->threshold <= p->hysteresis) {
                snprintf(path, sizeof(path), "schedule.%s.%s.threshold", ds->name,
                         gf_phase_name((enum gf_phase_id)ph));
                policy_error_at(ld, policy_line_of(ld, path), path,
                                "%d%% is not above scaling.hysteresis (%d points)",
                                phase->threshold, p->hysteresis);
            }
        }
    }
    if (p->ndaysets && covered != 0x7f) {
        char missing[64] = "";
        for (int d = 0; d < 7; d++)
            if (!(covered & (1u << d)))
                snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
                         missing[0] ? ", " : "", days[d]);
        policy_error_at(ld, policy_line_of(ld, "schedule"), "schedule", "no day set covers %s",
                        missing);
    }
}

/* Resolve each holiday's "as" to a day set and refuse duplicate dates. */
static void check_holidays(struct load *ld)
{
    struct gf_policy *p = ld->p;
    char path[96], esc[GF_ESC_LEN];

    for (int i = 0; i < p->nholidays; i++) {
        struct gf_holiday *h = &p->holidays[i];
        snprintf(path, sizeof(path), "schedule.holidays[%d].as", i + 1);
        h->dayset = -2;
        if (strcmp(h->as, "off_peak") == 0)
            h->dayset = -1;
        for (int d = 0; d < p->ndaysets; d++)
            if (strcmp(h->as, p->daysets[d].name) == 0)
                h->dayset = d;
        if (h->dayset == -2 && h->as[0])
            policy_error_at(ld, policy_line_of(ld, path), path,
                            "'%s' is neither a day set of this schedule nor \"off_peak\"",
                            gf_esc(h->as, esc, sizeof(esc)));
        for (int j = 0; j < i; j++) {
            if (h->year && h->year == p->holidays[j].year && h->month == p->holidays[j].month &&
                h->day == p->holidays[j].day) {
                snprintf(path, sizeof(path), "schedule.holidays[%d].date", i + 1);
                policy_error_at(ld, policy_line_of(ld, path), path,
                                "%04d-%02d-%02d is listed twice", h->year, h->month, h->day);
            }
        }
    }
}

/* Check that the load source has what it needs. */
static void check_load(struct load *ld)
{
    struct gf_policy *p = ld->p;

    if (policy_any_bad(ld, "load.source", "load.command", "load.trace", NULL))
        return;
    if (p->load_source == GF_LOAD_COMMAND && p->load_command.argc == 0)
        policy_error_at(ld, policy_line_of(ld, "load.source"), "load.command",
                        "missing: source \"command\" needs command = [\"/path/to/program\", ...]");
    if (p->load_source == GF_LOAD_TRACE && !p->trace[0])
        policy_error_at(ld, policy_line_of(ld, "load.source"), "load.trace",
                        "missing: source \"trace\" needs trace = \"FILE\"");
}

/* ---- identity ---- */

_Static_assert(GF_POLICY_TEMPLATE_MAX == GF_SEED_TEMPLATE_MAX, "one template size limit");

/* Read template FILE into BUF (GF_POLICY_TEMPLATE_MAX + 1 bytes).  0, or
 * -1 with what is wrong in WHY. */
static int read_template(const char *file, char *buf, char *why, size_t len)
{
    FILE *f = fopen(file, "re");
    size_t n;

    buf[0] = '\0';
    if (!f) {
        snprintf(why, len, "cannot read %s: %m", file);
        return -1;
    }
    n = fread(buf, 1, GF_POLICY_TEMPLATE_MAX + 1, f);
    fclose(f);
    if (n > GF_POLICY_TEMPLATE_MAX) {
        snprintf(why, len, "%s: more than a template may have (%d KiB)", file,
                 GF_POLICY_TEMPLATE_MAX / 1024);
        return -1;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        snprintf(why, len, "%s: contains a NUL byte: not a text file", file);
        return -1;
    }
    return 0;
}

/* Check the identity group (on when the file has one): read its templates
 * and render them with the longest values this policy can give (so an
 * unknown variable, or a result too large, is found now, with the
 * template's file and line), and check that the name of the farm's
 * largest host number can be the guests' host name (Windows: NetBIOS). */
static void check_identity(struct load *ld)
{
    struct gf_policy *p = ld->p;
    const struct {
        const char *key, *file;
        char *text;
    } templates[] = {
        {"identity.user_data", p->identity_user_data, p->identity_user_data_text},
        {"identity.network_config", p->identity_network_config, p->identity_network_config_text}};
    struct gf_seed_vars v = {.farm = p->name,
                             .image = p->image,
                             .hypervisor = "",
                             .instance_id = "00000000-0000-0000-0000-000000000000"};
    char host[GF_NAME_MAX * 2], why[768];
    const char *problem;

    p->identity_on = g_hash_table_lookup(ld->keys, "identity") != NULL; /* the group is there */
    if (!p->identity_on || policy_any_bad(ld, "identity", "farm.host_name", "farm.max_hosts", NULL))
        return;
    gf_policy_host_name(p, p->max_hosts, host, sizeof(host));
    v.host = host;
    v.version = p->image_version ? (unsigned int)p->image_version : GF_VERSION_MAX;
    for (int i = 0; i < p->nhypervisors; i++)
        if (strlen(p->hypervisors[i].uri) > strlen(v.hypervisor))
            v.hypervisor = p->hypervisors[i].uri;
    if ((problem = gf_seed_host_name_problem(p->identity_guest, host)))
        policy_error_at(ld, policy_line_of(ld, "farm.host_name"), "farm.host_name",
                        "'%s' makes '%s' for host %d (farm.max_hosts), which %s: it cannot be a %s "
                        "guest's host name (identity.guest)",
                        p->host_name, host, p->max_hosts, problem,
                        p->identity_guest == GF_GUEST_WINDOWS ? "Windows" : "Linux");
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        char *out = NULL;
        size_t len;
        if (!templates[i].file[0] || policy_any_bad(ld, templates[i].key, NULL))
            continue;
        if (read_template(templates[i].file, templates[i].text, why, sizeof(why)) < 0)
            policy_error_at(ld, policy_line_of(ld, templates[i].key), templates[i].key, "%s", why);
        else if (gf_seed_render(templates[i].file, templates[i].text, &v, &out, &len, NULL) < 0)
            policy_error_at(ld, policy_line_of(ld, templates[i].key), templates[i].key, "%s",
                            gf_err_message());
        free(out);
    }
}

void policy_check(struct load *ld)
{
    check_farm(ld);
    check_scaling(ld);
    check_schedule(ld);
    check_holidays(ld);
    check_load(ld);
    check_identity(ld);
}
