/* policy.c - loading a farm's policy: walk the file by the key table,
 * collect every error, then check the relations between keys. */
#include "policy/policy.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_keys.h"
#include "base/error.h"
#include "base/size.h"
#include "model/meta.h"
#include "model/seed.h"
#include <glib.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/size.h"
#include "base/textfile.h"
#include "policy/policy_keys.h"
#include "policy/policy_scan.h"

/* Errors kept with their text; the rest of a file's are only counted. */
#define MAX_REPORTED 100
/* A key's path: the scan's limits keep every path within this. */
#define KPATH (POLICY_SCAN_PATH + 128)

/* One error found in a file. */
struct load_error {
    int line, seq;
    char *text; /* "FILE:LINE: key: what\n" */
};

/* Where a key was, and whether its value was refused (then no relation
 * with it is checked). */
struct key_seen {
    int line;
    int bad;
};

/* What loading one file collects. */
struct load {
    char file[PATH_MAX]; /* escaped, for the errors */
    char dir[PATH_MAX];
    struct gf_policy *p;
    struct load_error *errors; /* the first MAX_REPORTED found, sorted by line at the end */
    int nerrors, nkept, cap;
    GHashTable *keys;        /* path -> struct key_seen */
    struct policy_scan scan; /* what the pass before libconfig found */
};

/* The entry for PATH, created (line LINE) when absent. */
static struct key_seen *seen(struct load *ld, const char *path, int line)
{
    struct key_seen *k = g_hash_table_lookup(ld->keys, path);

    if (!k) {
        k = g_new0(struct key_seen, 1);
        k->line = line;
        g_hash_table_insert(ld->keys, g_strdup(path), k);
    }
    return k;
}

/* Record one error at LINE about key PATH.  Names and values in FMT's
 * arguments are escaped by the caller. */
static void error_at(struct load *ld, int line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void error_at(struct load *ld, int line, const char *path, const char *fmt, ...)
{
    char what[1280]; /* a reason and its escaped values: never cut inside a character */
    va_list ap;

    /* a missing key is remembered as bad too, so no relation is checked with it */
    seen(ld, path, line)->bad = 1;
    if (ld->nerrors++ >= MAX_REPORTED)
        return;
    if (ld->nkept == ld->cap) {
        void *grown;
        ld->cap = ld->cap ? ld->cap * 2 : 16;
        if (!(grown = realloc(ld->errors, (size_t)ld->cap * sizeof(*ld->errors))))
            abort();
        ld->errors = grown;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (asprintf(&ld->errors[ld->nkept].text, "%s:%d: %s: %s\n", ld->file, line, path, what) < 0)
        abort();
    ld->errors[ld->nkept].line = line;
    ld->errors[ld->nkept].seq = ld->nkept;
    ld->nkept++;
}

/* qsort comparator: errors by line, then in the order found. */
static int by_line(const void *a, const void *b)
{
    const struct load_error *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Whether any of the keys PATHS (NULL-terminated), or a group one is in,
 * had its value refused. */
static int any_bad(const struct load *ld, ...)
{
    const char *path;
    va_list ap;
    int bad = 0;

    va_start(ap, ld);
    while ((path = va_arg(ap, const char *))) {
        char prefix[KPATH];
        snprintf(prefix, sizeof(prefix), "%s", path);
        for (size_t i = 1, n = strlen(prefix); i <= n; i++) {
            const struct key_seen *k;
            char cut = prefix[i];
            if (cut != '\0' && cut != '.' && cut != '[')
                continue;
            prefix[i] = '\0';
            if ((k = g_hash_table_lookup(ld->keys, prefix)) && k->bad)
                bad = 1;
            prefix[i] = cut;
        }
    }
    va_end(ap);
    return bad;
}

/* Remember that key PATH was at LINE. */
static void remember(struct load *ld, const char *path, int line)
{
    seen(ld, path, line);
}

/* The line key PATH was at, or the nearest enclosing group's, or 1. */
static int line_of(const struct load *ld, const char *path)
{
    char want[KPATH];

    snprintf(want, sizeof(want), "%s", path);
    for (;;) {
        const struct key_seen *k = g_hash_table_lookup(ld->keys, want);
        char *dot;
        if (k)
            return k->line;
        if (!(dot = strrchr(want, '.')))
            return 1;
        *dot = '\0';
    }
}

/* The table entry for NAME in SECTION (or its "*" entry), or NULL. */
static const struct policy_key *find_key(enum policy_section section, const char *name)
{
    const struct policy_key *wild = NULL;

    for (const struct policy_key *k = policy_keys; k->name; k++) {
        if (k->section != section)
            continue;
        if (strcmp(k->name, name) == 0)
            return k;
        if (strcmp(k->name, "*") == 0)
            wild = k;
    }
    return wild;
}

/* The names of SECTION's keys, for "unknown key" errors, into BUF. */
static void known_keys(enum policy_section section, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (const struct policy_key *k = policy_keys; k->name && used < len; k++)
        if (k->section == section && strcmp(k->name, "*") != 0)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", k->name);
}

static void walk_group(struct load *ld, const config_setting_t *group, enum policy_section section,
                       void *base, const char *path);

/* The struct a nested group of SECTION fills, or NULL when there is no room
 * (an error is recorded). */
static void *sub_struct(struct load *ld, enum policy_section section, const char *name, void *base,
                        int line, const char *path)
{
    struct gf_policy *p = ld->p;

    switch (section) {
    case SEC_FARM:
    case SEC_SCHEDULE:
    case SEC_SCALING:
    case SEC_DRAIN:
    case SEC_LOAD:
    case SEC_HEALTH:
    case SEC_CPU:
    case SEC_ROLLOUT:
    case SEC_IDENTITY:
        return p;
    case SEC_HYPERVISOR:
        if (p->nhypervisors == GF_MAX_HYPERVISORS)
            break;
        p->hypervisors[p->nhypervisors].line = line;
        return &p->hypervisors[p->nhypervisors++];
    case SEC_HOLIDAY:
        if (p->nholidays == GF_MAX_HOLIDAYS)
            break;
        p->holidays[p->nholidays].line = line;
        return &p->holidays[p->nholidays++];
    case SEC_DAYSET:
        if (strlen(name) >= sizeof(p->daysets[0].name)) {
            error_at(ld, line, path, "a day set's name has at most %zu characters",
                     sizeof(p->daysets[0].name) - 1);
            return NULL;
        }
        if (p->ndaysets == GF_MAX_DAYSETS)
            break;
        snprintf(p->daysets[p->ndaysets].name, sizeof(p->daysets[0].name), "%s", name);
        p->daysets[p->ndaysets].line = line;
        return &p->daysets[p->ndaysets++];
    case SEC_PHASE: {
        struct gf_dayset *ds = base;
        for (int i = 0; i < GF_NPHASES; i++) {
            if (strcmp(name, gf_phase_name((enum gf_phase_id)i)) == 0) {
                ds->phases[i].line = line;
                return &ds->phases[i];
            }
        }
        break;
    }
    case SEC_ROOT:
        break;
    }
    error_at(ld, line, path, "too many of these");
    return NULL;
}

/* Walk KEY's value SETTING (a group or a list of groups). */
static void walk_nested(struct load *ld, const struct policy_key *key,
                        const config_setting_t *setting, void *base, const char *path)
{
    int line = (int)config_setting_source_line(setting);
    int type = config_setting_type(setting);

    if (key->type == KT_GROUP) {
        void *sub;
        if (type != CONFIG_TYPE_GROUP) {
            error_at(ld, line, path, "expected a group { ... }");
            return;
        }
        if ((sub = sub_struct(ld, key->sub, config_setting_name(setting), base, line, path)))
            walk_group(ld, setting, key->sub, sub, path);
        if (key->sub == SEC_HEALTH)
            ld->p->health_on = 1; /* health checks are on when the group is there */
        return;
    }
    if (type != CONFIG_TYPE_LIST) {
        error_at(ld, line, path, "expected a list ( { ... }, { ... } )");
        return;
    }
    if (config_setting_length(setting) < key->min) {
        error_at(ld, line, path, "needs at least %lld entr%s", key->min,
                 key->min == 1 ? "y" : "ies");
        return;
    }
    for (int i = 0; i < config_setting_length(setting); i++) {
        const config_setting_t *e = config_setting_get_elem(setting, (unsigned int)i);
        int eline = (int)config_setting_source_line(e);
        char epath[KPATH];
        void *sub;
        snprintf(epath, sizeof(epath), "%s[%d]", path, i + 1);
        if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
            error_at(ld, eline, epath, "expected a group { ... }");
            continue;
        }
        if ((sub = sub_struct(ld, key->sub, "", base, eline, epath)))
            walk_group(ld, e, key->sub, sub, epath);
    }
}

/* Read every key of GROUP (section SECTION) into BASE, then the defaults of
 * the keys it lacks; record an error for each unknown, bad or missing key. */
static void walk_group(struct load *ld, const config_setting_t *group, enum policy_section section,
                       void *base, const char *path)
{
    int group_line = group ? (int)config_setting_source_line(group) : 1;

    if (group_line < 1)
        group_line = 1; /* the root group */
    int n = group ? config_setting_length(group) : 0;

    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned int)i);
        const char *name = config_setting_name(s);
        int line = (int)config_setting_source_line(s);
        const struct policy_key *key = find_key(section, name);
        const struct policy_big_int *big;
        char kpath[KPATH], why[1024];

        snprintf(kpath, sizeof(kpath), "%s%s%s", path, *path ? "." : "", name);
        remember(ld, kpath, line);
        if (!key) {
            char known[512];
            known_keys(section, known, sizeof(known));
            error_at(ld, line, kpath, "unknown key (expected one of: %s)", known);
            continue;
        }
        if (strcmp(key->name, "*") == 0 && config_setting_type(s) != CONFIG_TYPE_GROUP) {
            char known[512];
            known_keys(section, known, sizeof(known));
            error_at(ld, line, kpath,
                     "unknown key (expected one of: %s, or a day set like weekdays: { days = "
                     "[...]; ... })",
                     known);
            continue;
        }
        if (key->type == KT_GROUP || key->type == KT_LIST) {
            walk_nested(ld, key, s, base, kpath);
            continue;
        }
        /* an integer libconfig could not hold: its text as written */
        big = g_hash_table_lookup(ld->scan.big, kpath);
        if (policy_key_read(key, s, base, ld->dir, big ? big->text : NULL, why, sizeof(why)) < 0)
            error_at(ld, line, kpath, "%s", why);
        if (big)
            g_hash_table_remove(ld->scan.big, kpath);
    }
    for (const struct policy_key *key = policy_keys; key->name; key++) {
        char kpath[KPATH], why[1024];
        if (key->section != section || strcmp(key->name, "*") == 0)
            continue;
        if (group && config_setting_get_member(group, key->name))
            continue;
        snprintf(kpath, sizeof(kpath), "%s%s%s", path, *path ? "." : "", key->name);
        if (!key->def) {
            error_at(ld, group_line, kpath, "missing (required)");
            continue;
        }
        if ((key->type == KT_GROUP) && key->def) {
            /* an optional group that is absent: its keys take their defaults */
            void *sub = sub_struct(ld, key->sub, key->name, base, group_line, kpath);
            if (sub)
                walk_group(ld, NULL, key->sub, sub, kpath);
            continue;
        }
        if (policy_key_read(key, NULL, base, ld->dir, NULL, why, sizeof(why)) < 0)
            error_at(ld, group_line, kpath, "bad default: %s", why);
    }
}

const char *gf_phase_name(enum gf_phase_id id)
{
    static const char *const names[GF_NPHASES] = {"ramp_up", "peak", "ramp_down", "off_peak"};

    return id < GF_NPHASES ? names[id] : "?";
}

int gf_phase_min_hosts(const struct gf_policy *p, const struct gf_phase *phase)
{
    if (!phase->min_pct)
        return phase->min_hosts;
    return (p->max_hosts * phase->min_hosts + 99) / 100;
}

int gf_policy_host_name(const struct gf_policy *p, int n, char *buf, size_t len)
{
    if (policy_pattern_name(p->host_name, n, buf, len) < 0 || n < 1 || n > GF_HOST_NUMBER_MAX)
        return -1;
    return 0;
}

/* Check the farm's numbers against each other and its hypervisors. */
static void check_farm(struct load *ld)
{
    struct gf_policy *p = ld->p;
    int room = 0, limited = 1;
    char max_mem[32], mem[32], esc[GF_ESC_LEN];

    if (any_bad(ld, "farm.min_hosts", "farm.max_hosts", "farm.vcpus", "farm.memory", NULL))
        return;
    if (p->min_hosts > p->max_hosts)
        error_at(ld, line_of(ld, "farm.min_hosts"), "farm.min_hosts",
                 "%d is more than farm.max_hosts (%d)", p->min_hosts, p->max_hosts);
    for (int i = 0; i < p->nhypervisors; i++) {
        char path[64];
        snprintf(path, sizeof(path), "farm.hypervisors[%d].uri", i + 1);
        for (int j = 0; j < i; j++)
            if (p->hypervisors[i].uri[0] &&
                strcmp(p->hypervisors[i].uri, p->hypervisors[j].uri) == 0)
                error_at(ld, line_of(ld, path), path, "'%s' is listed twice",
                         gf_esc(p->hypervisors[i].uri, esc, sizeof(esc)));
        if (p->hypervisors[i].max_hosts == 0)
            limited = 0;
        room += p->hypervisors[i].max_hosts;
    }
    if (limited && p->nhypervisors && room < p->max_hosts)
        error_at(ld, line_of(ld, "farm.max_hosts"), "farm.max_hosts",
                 "%d is more than the hypervisors' max_hosts add up to (%d)", p->max_hosts, room);
    if (p->max_vcpus && p->max_vcpus < p->vcpus)
        error_at(ld, line_of(ld, "scaling.max_vcpus"), "scaling.max_vcpus",
                 "%d is less than farm.vcpus (%d)", p->max_vcpus, p->vcpus);
    gf_size_format(p->max_memory_kib, max_mem, sizeof(max_mem));
    gf_size_format(p->memory_kib, mem, sizeof(mem));
    if (p->max_memory_kib && p->max_memory_kib < p->memory_kib &&
        !any_bad(ld, "scaling.max_memory", NULL))
        error_at(ld, line_of(ld, "scaling.max_memory"), "scaling.max_memory",
                 "%s is less than farm.memory (%s)", max_mem, mem);
}

/* Check each day set's phases (in order, minimums within the farm) and
 * that every day of the week is covered exactly once. */
static void check_schedule(struct load *ld)
{
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    struct gf_policy *p = ld->p;
    unsigned int covered = 0;
    char path[128];

    if (any_bad(ld, "schedule", NULL))
        return;
    for (int i = 0; i < p->ndaysets; i++) {
        snprintf(path, sizeof(path), "schedule.%s.days", p->daysets[i].name);
        if (any_bad(ld, path, NULL))
            return; /* coverage and overlaps cannot be judged */
    }
    if (p->ndaysets == 0)
        error_at(ld, line_of(ld, "schedule"), "schedule",
                 "needs at least one day set, like weekdays: { days = [...]; ramp_up = {...}; "
                 "... }");
    for (int i = 0; i < p->ndaysets; i++) {
        struct gf_dayset *ds = &p->daysets[i];
        for (int d = 0; d < 7; d++) {
            if (!(ds->days & covered & (1u << d)))
                continue;
            snprintf(path, sizeof(path), "schedule.%s.days", ds->name);
            error_at(ld, line_of(ld, path), path, "'%s' is already in another day set", days[d]);
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
            if (any_bad(ld, start, prev, minp, thr, sb, "farm.max_hosts", "scaling.hysteresis",
                        NULL))
                continue;
            if (ph > 0 && ds->phases[ph - 1].line && phase->start <= ds->phases[ph - 1].start) {
                snprintf(path, sizeof(path), "schedule.%s.%s.start", ds->name,
                         gf_phase_name((enum gf_phase_id)ph));
                error_at(ld, line_of(ld, path), path,
                         "%02d:%02d is not after %s's start (%02d:%02d)", phase->start / 60,
                         phase->start % 60, gf_phase_name((enum gf_phase_id)(ph - 1)),
                         ds->phases[ph - 1].start / 60, ds->phases[ph - 1].start % 60);
            }
            snprintf(path, sizeof(path), "schedule.%s.%s.min_hosts", ds->name,
                     gf_phase_name((enum gf_phase_id)ph));
            if (!phase->min_pct && min > p->max_hosts)
                error_at(ld, line_of(ld, path), path, "%d is more than farm.max_hosts (%d)", min,
                         p->max_hosts);
            else if (min + phase->standby > p->max_hosts)
                error_at(ld, line_of(ld, path), path,
                         "%d hosts and %d standby are more than farm.max_hosts (%d)", min,
                         phase->standby, p->max_hosts);
            if (phase->threshold <= p->hysteresis) {
                snprintf(path, sizeof(path), "schedule.%s.%s.threshold", ds->name,
                         gf_phase_name((enum gf_phase_id)ph));
                error_at(ld, line_of(ld, path), path,
                         "%d%% is not above scaling.hysteresis (%d points)", phase->threshold,
                         p->hysteresis);
            }
        }
    }
    if (p->ndaysets && covered != 0x7f) {
        char missing[64] = "";
        for (int d = 0; d < 7; d++)
            if (!(covered & (1u << d)))
                snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
                         missing[0] ? ", " : "", days[d]);
        error_at(ld, line_of(ld, "schedule"), "schedule", "no day set covers %s", missing);
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
            error_at(ld, line_of(ld, path), path,
                     "'%s' is neither a day set of this schedule nor \"off_peak\"",
                     gf_esc(h->as, esc, sizeof(esc)));
        for (int j = 0; j < i; j++) {
            if (h->year && h->year == p->holidays[j].year && h->month == p->holidays[j].month &&
                h->day == p->holidays[j].day) {
                snprintf(path, sizeof(path), "schedule.holidays[%d].date", i + 1);
                error_at(ld, line_of(ld, path), path, "%04d-%02d-%02d is listed twice", h->year,
                         h->month, h->day);
            }
        }
    }
}

/* Check that the load source has what it needs. */
static void check_load(struct load *ld)
{
    struct gf_policy *p = ld->p;

    if (any_bad(ld, "load.source", "load.command", "load.trace", NULL))
        return;
    if (p->load_source == GF_LOAD_COMMAND && p->load_command.argc == 0)
        error_at(ld, line_of(ld, "load.source"), "load.command",
                 "missing: source \"command\" needs command = [\"/path/to/program\", ...]");
    if (p->load_source == GF_LOAD_TRACE && !p->trace[0])
        error_at(ld, line_of(ld, "load.source"), "load.trace",
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
    if (!p->identity_on || any_bad(ld, "identity", "farm.host_name", "farm.max_hosts", NULL))
        return;
    gf_policy_host_name(p, p->max_hosts, host, sizeof(host));
    v.host = host;
    v.version = p->image_version ? (unsigned int)p->image_version : GF_VERSION_MAX;
    for (int i = 0; i < p->nhypervisors; i++)
        if (strlen(p->hypervisors[i].uri) > strlen(v.hypervisor))
            v.hypervisor = p->hypervisors[i].uri;
    if ((problem = gf_seed_host_name_problem(p->identity_guest, host)))
        error_at(ld, line_of(ld, "farm.host_name"), "farm.host_name",
                 "'%s' makes '%s' for host %d (farm.max_hosts), which %s: it cannot be a %s "
                 "guest's host name (identity.guest)",
                 p->host_name, host, p->max_hosts, problem,
                 p->identity_guest == GF_GUEST_WINDOWS ? "Windows" : "Linux");
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        char *out = NULL;
        size_t len;
        if (!templates[i].file[0] || any_bad(ld, templates[i].key, NULL))
            continue;
        if (read_template(templates[i].file, templates[i].text, why, sizeof(why)) < 0)
            error_at(ld, line_of(ld, templates[i].key), templates[i].key, "%s", why);
        else if (gf_seed_render(templates[i].file, templates[i].text, &v, &out, &len, NULL) < 0)
            error_at(ld, line_of(ld, templates[i].key), templates[i].key, "%s", gf_err_message());
        free(out);
    }
}

/* Every error of LD as one string (to free()), sorted by line, with a last
 * line counting those not kept. */
static char *all_errors(struct load *ld)
{
    GString *all = g_string_new(NULL);

    qsort(ld->errors, (size_t)ld->nkept, sizeof(*ld->errors), by_line);
    for (int i = 0; i < ld->nkept; i++)
        g_string_append(all, ld->errors[i].text);
    if (ld->nerrors > ld->nkept)
        g_string_append_printf(all, "%s: %d more error%s not shown\n", ld->file,
                               ld->nerrors - ld->nkept, ld->nerrors - ld->nkept == 1 ? "" : "s");
    return g_string_free(all, FALSE);
}

/* Load the policy in TEXT (LEN bytes, which may hold a NUL), reported as
 * FILE.  As gf_policy_load_string. */
static struct gf_policy *load_text(const char *file, const char *text, size_t len, char **errors)
{
    struct load *ld = calloc(1, sizeof(*ld));
    struct gf_policy *p = calloc(1, sizeof(*p));
    config_t cfg;
    const char *slash;

    *errors = NULL;
    if (!ld || !p) {
        free(ld);
        free(p);
        *errors = strdup("out of memory\n");
        return NULL;
    }
    gf_esc(file, ld->file, sizeof(ld->file));
    ld->p = p;
    ld->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    snprintf(p->file, sizeof(p->file), "%s", file);
    slash = strrchr(file, '/');
    if (slash)
        snprintf(ld->dir, sizeof(ld->dir), "%.*s", (int)(slash - file), file);
    else
        snprintf(ld->dir, sizeof(ld->dir), ".");
    config_init(&cfg);
    /* libconfig reads only what the scan accepted (see policy_scan.h) */
    policy_scan(text, len, &ld->scan);
    if (ld->scan.kind != POLICY_SCAN_OK) {
        error_at(ld, ld->scan.line, "syntax", "%s", ld->scan.what);
    } else if (config_read_string(&cfg, text[strspn(text, " \t\r\n")] ? text : "\n") !=
               CONFIG_TRUE) {
        /* libconfig calls an empty text a syntax error: it is read as an empty file */
        error_at(ld, config_error_line(&cfg), "syntax", "%s", config_error_text(&cfg));
    } else {
        GHashTableIter it;
        gpointer path, value;
        walk_group(ld, config_root_setting(&cfg), SEC_ROOT, p, "");
        check_farm(ld);
        check_schedule(ld);
        check_holidays(ld);
        check_load(ld);
        check_identity(ld);
        /* every integer libconfig could not hold was refused by its key; should
         * one have been missed, it is refused here */
        g_hash_table_iter_init(&it, ld->scan.big);
        while (!ld->nerrors && g_hash_table_iter_next(&it, &path, &value)) {
            const struct policy_big_int *big = value;
            error_at(ld, big->line, path, "%s is out of range", big->text);
        }
    }
    config_destroy(&cfg);
    policy_scan_clear(&ld->scan);
    g_hash_table_destroy(ld->keys);
    if (ld->nerrors) {
        *errors = all_errors(ld);
        for (int i = 0; i < ld->nkept; i++)
            free(ld->errors[i].text);
        free(ld->errors);
        free(ld);
        free(p);
        return NULL;
    }
    free(ld);
    return p;
}

struct gf_policy *gf_policy_load_string(const char *file, const char *text, char **errors)
{
    return load_text(file, text, strlen(text), errors);
}

struct gf_policy *gf_policy_load(const char *file, char **errors)
{
    struct gf_policy *p;
    char *text;
    size_t len;

    *errors = NULL;
    if (gf_text_file_read(file, NULL, GF_POLICY_MAX_BYTES, &text, &len) < 0) {
        if (asprintf(errors, "%s\n", gf_err_message()) < 0)
            *errors = NULL;
        return NULL;
    }
    p = load_text(file, text, len, errors);
    free(text);
    return p;
}

void gf_policy_free(struct gf_policy *p)
{
    free(p);
}
