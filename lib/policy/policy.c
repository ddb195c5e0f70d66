/* policy.c - reading a farm's policy: the walk over the file by the key
 * table, every error recorded with its line; and what a loaded policy
 * answers (phase and signal names, host names, the identity).  Loading
 * (policy_load.c) runs the walk, then the relation checks. */
#include "policy/policy.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/error.h"
#include "policy/policy_int.h"
#include "model/seed.h"
#include "policy/policy_keys.h"

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
void policy_error_at(struct load *ld, int line, const char *path, const char *fmt, ...)
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

/* Whether any of the keys PATHS (NULL-terminated), or a group one is in,
 * had its value refused. */
int policy_any_bad(const struct load *ld, ...)
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
int policy_line_of(const struct load *ld, const char *path)
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
    case SEC_WEIGHTS:
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
            policy_error_at(ld, line, path, "a day set's name has at most %zu characters",
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
    policy_error_at(ld, line, path, "too many of these");
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
            policy_error_at(ld, line, path, "expected a group { ... }");
            return;
        }
        if ((sub = sub_struct(ld, key->sub, config_setting_name(setting), base, line, path)))
            walk_group(ld, setting, key->sub, sub, path);
        if (key->sub == SEC_HEALTH)
            ld->p->health_on = 1; /* health checks are on when the group is there */
        return;
    }
    if (type != CONFIG_TYPE_LIST) {
        policy_error_at(ld, line, path, "expected a list ( { ... }, { ... } )");
        return;
    }
    if (config_setting_length(setting) < key->min) {
        policy_error_at(ld, line, path, "needs at least %lld entr%s", key->min,
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
            policy_error_at(ld, eline, epath, "expected a group { ... }");
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
            policy_error_at(ld, line, kpath, "unknown key (expected one of: %s)", known);
            continue;
        }
        if (strcmp(key->name, "*") == 0 && config_setting_type(s) != CONFIG_TYPE_GROUP) {
            char known[512];
            known_keys(section, known, sizeof(known));
            policy_error_at(
                ld, line, kpath,
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
            policy_error_at(ld, line, kpath, "%s", why);
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
            policy_error_at(ld, group_line, kpath, "missing (required)");
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
            policy_error_at(ld, group_line, kpath, "bad default: %s", why);
    }
}

const char *gf_phase_name(enum gf_phase_id id)
{
    static const char *const names[GF_NPHASES] = {"ramp_up", "peak", "ramp_down", "off_peak"};

    return id < GF_NPHASES ? names[id] : "?";
}

const char *gf_signal_name(enum gf_signal s)
{
    static const char *const names[GF_NSIGNALS] = {"sessions", "CPU", "memory"};

    return s < GF_NSIGNALS ? names[s] : "?";
}

int gf_policy_uses_usage(const struct gf_policy *p)
{
    return p->max_vcpus || p->max_memory_kib || p->weight[GF_SIG_CPU] || p->weight[GF_SIG_MEMORY];
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

void gf_policy_identity(const struct gf_policy *p, struct gf_identity *id)
{
    *id = (struct gf_identity){
        .guest = p->identity_guest == GF_GUEST_WINDOWS ? GF_GUEST_WINDOWS : GF_GUEST_LINUX,
        .user_data = p->identity_user_data[0] ? p->identity_user_data_text : NULL,
        .user_data_name = p->identity_user_data,
        .network_config = p->identity_network_config[0] ? p->identity_network_config_text : NULL,
        .network_config_name = p->identity_network_config,
    };
}

void gf_policy_free(struct gf_policy *p)
{
    free(p);
}

void policy_walk(struct load *ld, const config_setting_t *root)
{
    walk_group(ld, root, SEC_ROOT, ld->p, "");
}
