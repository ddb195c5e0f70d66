/* policy_keys.c - the one table of policy keys, and reading a value by it. */
#include "policy/policy_keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/names.h"
#include "policy/policy.h"
#include "policy/schedule.h"
#include "base/size.h"

static const char *const balance_choices[] = {"breadth", "depth", NULL};
static const char *const empty_choices[] = {"no_sessions", "no_active_sessions", NULL};
static const char *const source_choices[] = {"agent", "command", "trace", NULL};
static const char *const guest_choices[] = {"linux", "windows", NULL}; /* enum gf_guest_os */
static const char *const resize_choices[] = {"both", "grow", "shrink", "none", NULL};
static const char *const push_choices[] = {"off", "auto", NULL}; /* push_images 0, 1 */

#define P(field) offsetof(struct gf_policy, field), 0, sizeof(((struct gf_policy *)0)->field)
#define H(field)                                                                                   \
    offsetof(struct gf_hypervisor, field), 0, sizeof(((struct gf_hypervisor *)0)->field)
#define D(field) offsetof(struct gf_dayset, field), 0, sizeof(((struct gf_dayset *)0)->field)
#define F(field) offsetof(struct gf_phase, field), 0, sizeof(((struct gf_phase *)0)->field)
#define Y(field) offsetof(struct gf_holiday, field), 0, sizeof(((struct gf_holiday *)0)->field)
#define NOFIELD 0, 0, 0
#define DAY (24LL * 3600)

/* Every key a policy file may hold: section, name, type, range, default,
 * where it is stored.  A default of NULL makes the key required. */
const struct policy_key policy_keys[] = {
    {SEC_ROOT, "farm", KT_GROUP, 0, 0, NULL, NOFIELD, NULL, SEC_FARM},
    {SEC_ROOT, "schedule", KT_GROUP, 0, 0, NULL, NOFIELD, NULL, SEC_SCHEDULE},
    {SEC_ROOT, "scaling", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_SCALING},
    {SEC_ROOT, "drain", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_DRAIN},
    {SEC_ROOT, "load", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_LOAD},
    {SEC_ROOT, "health", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_HEALTH},
    {SEC_ROOT, "rollout", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_ROLLOUT},
    {SEC_ROOT, "identity", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_IDENTITY},

    {SEC_FARM, "name", KT_NAME, 0, 0, NULL, P(name), NULL, 0},
    {SEC_FARM, "hypervisors", KT_LIST, 1, GF_MAX_HYPERVISORS, NULL, NOFIELD, NULL, SEC_HYPERVISOR},
    {SEC_FARM, "image", KT_NAME, 0, 0, NULL, P(image), NULL, 0},
    {SEC_FARM, "image_version", KT_INT, 1, 1000000, "", P(image_version), NULL, 0},
    {SEC_FARM, "host_name", KT_PATTERN, 0, 0, NULL, P(host_name), NULL, 0},
    {SEC_FARM, "vcpus", KT_INT, 1, 256, "2", P(vcpus), NULL, 0},
    {SEC_FARM, "memory", KT_SIZE, 64 * 1024, 4LL << 30, "4G", P(memory_kib), NULL, 0},
    {SEC_FARM, "max_sessions", KT_INT, 1, 1000, NULL, P(max_sessions), NULL, 0},
    {SEC_FARM, "min_hosts", KT_INT, 0, 1000, "1", P(min_hosts), NULL, 0},
    {SEC_FARM, "max_hosts", KT_INT, 1, 1000, NULL, P(max_hosts), NULL, 0},
    {SEC_FARM, "tick", KT_DURATION, 5, 3600, "30s", P(tick), NULL, 0},
    {SEC_FARM, "clone_disk", KT_SIZE, 0, 16LL << 30, "1G", P(clone_disk_kib), NULL, 0},
    {SEC_FARM, "push", KT_ENUM, 0, 0, "auto", P(push_images), push_choices, 0},

    {SEC_HYPERVISOR, "uri", KT_URI, 0, 0, NULL, H(uri), NULL, 0},
    {SEC_HYPERVISOR, "max_hosts", KT_INT, 1, 1000, "", H(max_hosts), NULL, 0},
    {SEC_HYPERVISOR, "cpu_overcommit", KT_INT, 1, 64, "", H(cpu_overcommit), NULL, 0},
    {SEC_HYPERVISOR, "pool", KT_NAME, 0, 0, "", H(pool), NULL, 0},

    {SEC_SCHEDULE, "timezone", KT_ZONE, 0, 0, "UTC", P(timezone), NULL, 0},
    {SEC_SCHEDULE, "holidays", KT_LIST, 0, GF_MAX_HOLIDAYS, "", NOFIELD, NULL, SEC_HOLIDAY},
    {SEC_SCHEDULE, "*", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_DAYSET},

    {SEC_DAYSET, "days", KT_DAYS, 0, 0, NULL, D(days), NULL, 0},
    {SEC_DAYSET, "ramp_up", KT_GROUP, 0, 0, NULL, NOFIELD, NULL, SEC_PHASE},
    {SEC_DAYSET, "peak", KT_GROUP, 0, 0, NULL, NOFIELD, NULL, SEC_PHASE},
    {SEC_DAYSET, "ramp_down", KT_GROUP, 0, 0, NULL, NOFIELD, NULL, SEC_PHASE},
    {SEC_DAYSET, "off_peak", KT_GROUP, 0, 0, NULL, NOFIELD, NULL, SEC_PHASE},

    {SEC_PHASE, "start", KT_TIME, 0, 0, NULL, F(start), NULL, 0},
    {SEC_PHASE, "min_hosts", KT_COUNT_PCT, 0, 1000, "0", offsetof(struct gf_phase, min_hosts),
     offsetof(struct gf_phase, min_pct), sizeof(int), NULL, 0},
    {SEC_PHASE, "threshold", KT_INT, 1, 100, "80", F(threshold), NULL, 0},
    {SEC_PHASE, "balance", KT_ENUM, 0, 0, "breadth", F(balance), balance_choices, 0},
    {SEC_PHASE, "standby", KT_INT, 0, 100, "0", F(standby), NULL, 0},
    {SEC_PHASE, "standby_kind", KT_ENUM, 0, 0, "off", F(standby_kind), gf_standby_kind_names, 0},
    {SEC_PHASE, "resize", KT_ENUM, 0, 0, "both", F(resize), resize_choices, 0},

    {SEC_HOLIDAY, "date", KT_DATE, 0, 0, NULL, Y(year), NULL, 0},
    {SEC_HOLIDAY, "as", KT_STRING, 0, 0, NULL, Y(as), NULL, 0},

    {SEC_SCALING, "cooldown_out", KT_DURATION, 0, DAY, "5m", P(cooldown_out), NULL, 0},
    {SEC_SCALING, "cooldown_in", KT_DURATION, 0, DAY, "15m", P(cooldown_in), NULL, 0},
    {SEC_SCALING, "max_step", KT_INT, 1, 100, "3", P(max_step), NULL, 0},
    {SEC_SCALING, "hysteresis", KT_INT, 0, 99, "10", P(hysteresis), NULL, 0},
    {SEC_SCALING, "max_vcpus", KT_INT, 1, 256, "", P(max_vcpus), NULL, 0},
    {SEC_SCALING, "max_memory", KT_SIZE, 64 * 1024, 4LL << 30, "", P(max_memory_kib), NULL, 0},
    {SEC_SCALING, "vcpu_step", KT_INT, 1, 256, "1", P(vcpu_step), NULL, 0},
    {SEC_SCALING, "memory_step", KT_SIZE, 64 * 1024, 4LL << 30, "1G", P(memory_step_kib), NULL, 0},
    {SEC_SCALING, "window", KT_DURATION, 0, 3600, "2m", P(window), NULL, 0},
    {SEC_SCALING, "grow_after", KT_DURATION, 0, DAY, "5m", P(grow_after), NULL, 0},
    {SEC_SCALING, "shrink_after", KT_DURATION, 0, 7 * DAY, "30m", P(shrink_after), NULL, 0},
    {SEC_SCALING, "resize_cooldown", KT_DURATION, 0, DAY, "10m", P(resize_cooldown), NULL, 0},
    {SEC_SCALING, "cpu_above", KT_INT, 1, 100, "80", P(cpu_above), NULL, 0},
    {SEC_SCALING, "cpu_below", KT_INT, 0, 99, "20", P(cpu_below), NULL, 0},
    {SEC_SCALING, "memory_below", KT_INT, 1, 99, "10", P(memory_below), NULL, 0},
    {SEC_SCALING, "memory_above", KT_INT, 1, 100, "50", P(memory_above), NULL, 0},
    {SEC_SCALING, "cpu_overcommit", KT_INT, 1, 64, "4", P(cpu_overcommit), NULL, 0},

    {SEC_DRAIN, "wait", KT_DURATION, 0, 7 * DAY, "30m", P(drain_wait), NULL, 0},
    {SEC_DRAIN, "empty_when", KT_ENUM, 0, 0, "no_active_sessions", P(empty_when), empty_choices, 0},
    {SEC_DRAIN, "notify", KT_HOOK, 0, 0, "", P(notify), NULL, 0},
    {SEC_DRAIN, "logoff", KT_HOOK, 0, 0, "", P(logoff), NULL, 0},
    {SEC_DRAIN, "broker", KT_HOOK, 0, 0, "", P(drain_hook), NULL, 0},

    {SEC_LOAD, "source", KT_ENUM, 0, 0, "agent", P(load_source), source_choices, 0},
    {SEC_LOAD, "command", KT_HOOK, 0, 0, "", P(load_command), NULL, 0},
    {SEC_LOAD, "trace", KT_PATH, 0, 0, "", P(trace), NULL, 0},
    {SEC_LOAD, "agent_interval", KT_DURATION, 1, DAY, "", P(agent_interval), NULL, 0},
    {SEC_LOAD, "weights", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_WEIGHTS},

    /* load.weights: each signal's weight in %, 0: not counted */
    {SEC_WEIGHTS, "sessions", KT_INT, 0, 1000, "100", P(weight[GF_SIG_SESSIONS]), NULL, 0},
    {SEC_WEIGHTS, "cpu", KT_INT, 0, 1000, "0", P(weight[GF_SIG_CPU]), NULL, 0},
    {SEC_WEIGHTS, "memory", KT_INT, 0, 1000, "0", P(weight[GF_SIG_MEMORY]), NULL, 0},

    {SEC_HEALTH, "grace", KT_DURATION, 0, 3600, "60s", P(health_grace), NULL, 0},
    {SEC_HEALTH, "agent_timeout", KT_DURATION, 10, 3600, "", P(agent_timeout), NULL, 0},
    {SEC_HEALTH, "cpu_pegged", KT_GROUP, 0, 0, "", NOFIELD, NULL, SEC_CPU},
    {SEC_HEALTH, "command", KT_HOOK, 0, 0, "", P(health_command), NULL, 0},
    {SEC_HEALTH, "join", KT_HOOK, 0, 0, "", P(join_hook), NULL, 0},
    {SEC_HEALTH, "max_failures", KT_INT, 1, 100, "3", P(breaker_failures), NULL, 0},
    {SEC_HEALTH, "window", KT_DURATION, 60, DAY, "30m", P(breaker_window), NULL, 0},
    {SEC_HEALTH, "mass_failure", KT_INT, 1, 100, "45", P(mass_failure_pct), NULL, 0},
    {SEC_HEALTH, "mass_failure_min", KT_INT, 0, 1000, "3", P(mass_failure_min), NULL, 0},
    {SEC_HEALTH, "quarantine_days", KT_INT, 0, 3650, "0", P(quarantine_days), NULL, 0},

    {SEC_CPU, "percent", KT_INT, 1, 100, "", P(cpu_pegged_pct), NULL, 0},
    {SEC_CPU, "for", KT_DURATION, 60, DAY, "10m", P(cpu_pegged_for), NULL, 0},

    {SEC_ROLLOUT, "batch", KT_INT, 1, 100, "1", P(rollout_batch), NULL, 0},
    {SEC_ROLLOUT, "min_in_service", KT_COUNT_PCT, 0, 1000, "75%",
     offsetof(struct gf_policy, rollout_min), offsetof(struct gf_policy, rollout_min_pct),
     sizeof(int), NULL, 0},
    {SEC_ROLLOUT, "soak", KT_DURATION, 0, DAY, "10m", P(rollout_soak), NULL, 0},
    {SEC_ROLLOUT, "ready_timeout", KT_DURATION, 30, DAY, "10m", P(rollout_ready_timeout), NULL, 0},
    {SEC_ROLLOUT, "max_replacements", KT_INT, 0, 100, "2", P(rollout_max_replacements), NULL, 0},

    /* identity: each new host's NoCloud seed; templates are read, and
     * their variables checked, by policy.c's check_identity */
    {SEC_IDENTITY, "guest", KT_ENUM, 0, 0, "linux", P(identity_guest), guest_choices, 0},
    {SEC_IDENTITY, "user_data", KT_PATH, 0, 0, "", P(identity_user_data), NULL, 0},
    {SEC_IDENTITY, "network_config", KT_PATH, 0, 0, "", P(identity_network_config), NULL, 0},

    {SEC_ROOT, NULL, KT_GROUP, 0, 0, NULL, NOFIELD, NULL, 0},
};

/* The string value of SETTING or the default TEXT; NULL with WHY if not a string. */
static const char *string_value(const config_setting_t *setting, const char *text, char *why,
                                size_t len)
{
    const char *s;

    if (!setting)
        return text;
    if (config_setting_type(setting) != CONFIG_TYPE_STRING ||
        !(s = config_setting_get_string(setting))) {
        snprintf(why, len, "expected a string in double quotes");
        return NULL;
    }
    return s;
}

/* Read an integer from SETTING (or the default TEXT) into *V, checked
 * against KEY's range before anything is done with it; LITERAL as for
 * policy_key_read.  0, or -1 with WHY when it is not an integer, -2 when it
 * is out of range. */
static int int_value(const struct policy_key *key, const config_setting_t *setting,
                     const char *literal, const char *text, long long *v, char *why, size_t len)
{
    char *end;

    if (setting) {
        int t = config_setting_type(setting);
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
            snprintf(why, len, "expected a whole number");
            return -1;
        }
        if (literal) {
            snprintf(why, len, "%s is out of range (%lld to %lld)", literal, key->min, key->max);
            return -2;
        }
        *v = config_setting_get_int64(setting);
    } else {
        errno = 0;
        *v = strtoll(text, &end, 10);
        if (errno || *end) {
            snprintf(why, len, "bad default '%s'", text);
            return -1;
        }
    }
    if (*v < key->min || *v > key->max) {
        snprintf(why, len, "%lld is out of range (%lld to %lld)", *v, key->min, key->max);
        return -2;
    }
    return 0;
}

/* Parse a duration like "30s", "5m", "1h30m", "2d" into seconds. */
int gf_duration_parse(const char *s, long long *secs, char *why, size_t len)
{
    const char *whole = s;
    long long total = 0;
    char esc[GF_ESC_LEN];

    if (!*s) {
        snprintf(why, len, "expected a duration like \"30s\", \"5m\" or \"1h\"");
        return -1;
    }
    while (*s) {
        char *end;
        long long n;
        errno = 0;
        if (!isdigit((unsigned char)*s)) {
            snprintf(why, len, "'%s' is not a duration like \"30s\", \"5m\" or \"1h30m\"",
                     gf_esc(whole, esc, sizeof(esc)));
            return -1;
        }
        long long unit = 1;
        n = strtoll(s, &end, 10);
        switch (*end) {
        case 's':
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = DAY;
            break;
        case '\0':
            snprintf(why, len, "'%s' needs a unit (s, m, h or d)", gf_esc(s, esc, sizeof(esc)));
            return -1;
        default:
            snprintf(why, len, "'%s' is not a duration like \"30s\", \"5m\" or \"1h30m\"",
                     gf_esc(whole, esc, sizeof(esc)));
            return -1;
        }
        /* compare before multiplying: no overflow */
        if (errno == ERANGE || n > 400 * DAY / unit || total + n * unit > 400 * DAY) {
            snprintf(why, len, "too long");
            return -1;
        }
        n *= unit;
        total += n;
        s = end + 1;
    }
    *secs = total;
    return 0;
}

/* Parse "HH:MM" into minutes after midnight. */
static int parse_time(const char *s, int *minutes, char *why, size_t len)
{
    char esc[GF_ESC_LEN];
    int h, m;
    char extra;

    if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) ||
        sscanf(s, "%2d:%2d%c", &h, &m, &extra) != 2 || h > 23 || m > 59) {
        snprintf(why, len, "'%s' is not a time of day like \"07:30\"", gf_esc(s, esc, sizeof(esc)));
        return -1;
    }
    *minutes = h * 60 + m;
    return 0;
}

/* Parse "YYYY-MM-DD" into three ints, checking the day exists. */
static int parse_date(const char *s, int *ymd, char *why, size_t len)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char esc[GF_ESC_LEN];
    int y, m, d, leap;

    /* digits where digits belong: sscanf alone would take " 7" or "+7" */
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i])) {
            snprintf(why, len, "'%s' is not a date like \"2026-12-24\"",
                     gf_esc(s, esc, sizeof(esc)));
            return -1;
        }
    }
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (s[10] || y < 2000 || y > 2199 || m < 1 || m > 12 || d < 1) {
        snprintf(why, len, "'%s' is not a date like \"2026-12-24\"", gf_esc(s, esc, sizeof(esc)));
        return -1;
    }
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap)) {
        snprintf(why, len, "'%s' is not a day of the calendar", gf_esc(s, esc, sizeof(esc)));
        return -1;
    }
    ymd[0] = y;
    ymd[1] = m;
    ymd[2] = d;
    return 0;
}

/* Whether NAME is a zone in the system's zone data (a TZif file). */
int gf_zone_known(const char *name)
{
    char path[PATH_MAX], magic[4];
    FILE *f;
    int ok;

    if (!*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 60)
        return 0;
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
    if (!(f = fopen(path, "rbe")))
        return 0;
    ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    fclose(f);
    return ok;
}

/* The parts of PATTERN's one conversion: where it starts, the zero flag,
 * its width (at most 999) and where the text after it starts.  0, or -1
 * when PATTERN has no conversion. */
static int pattern_parts(const char *pattern, const char **pct, int *zero, int *width,
                         const char **rest)
{
    const char *c;

    if (!(*pct = strchr(pattern, '%')))
        return -1;
    *zero = 0;
    *width = 0;
    for (c = *pct + 1; *c == '0'; c++)
        *zero = 1;
    for (; isdigit((unsigned char)*c); c++)
        if (*width < 1000)
            *width = *width * 10 + (*c - '0');
    if (*width > 999)
        *width = 999;
    *rest = *c == 'd' ? c + 1 : c;
    return 0;
}

int policy_pattern_name(const char *pattern, int n, char *buf, size_t len)
{
    const char *pct, *rest;
    char digits[16];
    int zero, width, ndigits, neg = n < 0;
    size_t used = 0, total;

    if (len == 0)
        return -1;
    if (pattern_parts(pattern, &pct, &zero, &width, &rest) < 0) {
        snprintf(buf, len, "%s", pattern);
        return strlen(pattern) < len ? (int)strlen(pattern) : -1;
    }
    ndigits = snprintf(digits, sizeof(digits), "%d", n);
    total = (size_t)(pct - pattern) + (width > ndigits ? (size_t)width : (size_t)ndigits) +
            strlen(rest);
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (used + 1 < len)                                                                        \
            buf[used++] = (ch);                                                                    \
    } while (0)
    for (const char *c = pattern; c < pct; c++)
        PUT(*c);
    if (neg && zero)
        PUT('-'); /* printf puts the sign before the zeros */
    for (int i = ndigits; i < width; i++)
        PUT(zero ? '0' : ' ');
    for (int i = neg && zero; i < ndigits; i++)
        PUT(digits[i]);
    for (const char *c = rest; *c; c++)
        PUT(*c);
#undef PUT
    buf[used] = '\0';
    return total < len ? (int)total : -1;
}

/* Check a host name pattern: one integer conversion (%d, %3d, %03d) that
 * makes, for every host number from 1 to GF_HOST_NUMBER_MAX, a valid name
 * of at most GF_NAME_MAX characters, each different from the others.
 *
 * Names are made by policy_pattern_name: the same text around the number,
 * whose digits are padded to the same width, so two numbers never make
 * the same name as long as no name is cut (none is longer than
 * GF_NAME_MAX).  The names of the numbers with the same count of digits
 * differ in digits only, and a digit is never what makes a name invalid
 * (gf_name_problem: a character, "..", a leading '-', the length): so the
 * first number of each count of digits (1, 10, 100, ...) stands for all
 * of them.  tests/unit/test_policy_load.c checks every number. */
static int check_pattern(const char *s, char *why, size_t len)
{
    char esc[GF_ESC_LEN], name[GF_NAME_MAX + 2], nesc[GF_ESC_LEN];
    const char *pct, *rest;
    int conversions = 0, zero, width;

    gf_esc(s, esc, sizeof(esc));
    if (strlen(s) > GF_NAME_MAX) {
        /* kept in a name's room: "x%0000000000d" makes short names from a long pattern */
        snprintf(why, len, "'%s' is longer than %d characters", esc, GF_NAME_MAX);
        return -1;
    }
    for (const char *c = s; *c; c++) {
        if (*c != '%')
            continue;
        c++;
        while (isdigit((unsigned char)*c))
            c++;
        if (*c != 'd') {
            snprintf(why, len, "'%s': only %%d conversions (like %%03d) are allowed", esc);
            return -1;
        }
        conversions++;
    }
    if (conversions != 1) {
        snprintf(why, len, "'%s' needs exactly one number conversion like %%03d", esc);
        return -1;
    }
    pattern_parts(s, &pct, &zero, &width, &rest);
    if (width > GF_NAME_MAX) {
        snprintf(why, len, "'%s' makes names longer than %d characters", esc, GF_NAME_MAX);
        return -1;
    }
    for (int n = 1; n <= GF_HOST_NUMBER_MAX; n *= 10) {
        const char *problem;
        if (policy_pattern_name(s, n, name, sizeof(name)) < 0 || strlen(name) > GF_NAME_MAX) {
            snprintf(why, len, "'%s' makes names longer than %d characters (host %d and up)", esc,
                     GF_NAME_MAX, n);
            return -1;
        }
        if ((problem = gf_name_problem(name))) {
            snprintf(why, len, "'%s' makes bad host names: invalid host name '%s': %s", esc,
                     gf_esc(name, nesc, sizeof(nesc)), problem);
            return -1;
        }
    }
    return 0;
}

/* Read a hook: an array of strings, the first an absolute path to an
 * executable file. */
static int read_hook(const config_setting_t *setting, struct gf_hook *hook, char *why, size_t len)
{
    char esc[GF_ESC_LEN];
    struct stat st;
    int n;

    memset(hook, 0, sizeof(*hook));
    if (!setting)
        return 0;
    if (config_setting_type(setting) != CONFIG_TYPE_ARRAY &&
        config_setting_type(setting) != CONFIG_TYPE_LIST) {
        snprintf(why, len, "expected [\"/path/to/program\", \"arg\", ...]");
        return -1;
    }
    n = config_setting_length(setting);
    if (n < 1 || n > GF_MAX_HOOK_ARGS) {
        snprintf(why, len, "expected a program and at most %d arguments", GF_MAX_HOOK_ARGS - 1);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(setting, (unsigned int)i);
        const char *s =
            e && config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
        if (!s || strlen(s) >= sizeof(hook->argv[0])) {
            snprintf(why, len, "element %d is not a string (or is too long)", i + 1);
            return -1;
        }
        snprintf(hook->argv[i], sizeof(hook->argv[i]), "%s", s);
    }
    hook->argc = n;
    gf_esc(hook->argv[0], esc, sizeof(esc));
    if (hook->argv[0][0] != '/') {
        snprintf(why, len, "program '%s' is not an absolute path", esc);
        return -1;
    }
    if (access(hook->argv[0], X_OK) != 0 || stat(hook->argv[0], &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, len, "program '%s' is not an executable file here", esc);
        return -1;
    }
    return 0;
}

/* Read a day list like ["mon", "tue"] into a mask, bit 0 = Sunday. */
static int read_days(const config_setting_t *setting, unsigned int *mask, char *why, size_t len)
{
    static const char *const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    int n = setting ? config_setting_length(setting) : 0;
    char esc[GF_ESC_LEN];

    *mask = 0;
    if (!setting ||
        (config_setting_type(setting) != CONFIG_TYPE_ARRAY &&
         config_setting_type(setting) != CONFIG_TYPE_LIST) ||
        n == 0) {
        snprintf(why, len, "expected a list of days like [\"mon\", \"tue\"]");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(setting, (unsigned int)i);
        const char *s =
            e && config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : "";
        int d;
        for (d = 0; d < 7 && strcmp(s, names[d]) != 0; d++)
            ;
        if (d == 7) {
            snprintf(why, len, "'%s' is not a day (sun, mon, tue, wed, thu, fri, sat)",
                     gf_esc(s, esc, sizeof(esc)));
            return -1;
        }
        if (*mask & (1u << d)) {
            snprintf(why, len, "'%s' is listed twice", s);
            return -1;
        }
        *mask |= 1u << d;
    }
    return 0;
}

/* Read a size like "16G" into KIB, within KEY's range. */
static int read_size(const struct policy_key *key, const char *s, unsigned long long *kib,
                     char *why, size_t len)
{
    char esc[GF_ESC_LEN];

    gf_esc(s, esc, sizeof(esc));
    if (strcmp(esc, s) != 0) {
        /* gf_size_parse echoes its text as it is: a size never needs escaping */
        snprintf(why, len, "'%s' is not a size like \"16G\"", esc);
        return -1;
    }
    {
        /* zero, where the key allows it ("0", "0K", "0G"...) */
        char *end;
        if (key->min == 0 && isdigit((unsigned char)s[0]) && strtoull(s, &end, 10) == 0 &&
            (*end == '\0' || strchr("KMGTkmgt", *end))) {
            *kib = 0;
            return 0;
        }
    }
    if (gf_size_parse("size", s, kib) < 0) {
        snprintf(why, len, "%s", gf_err_message() + strlen("size "));
        return -1;
    }
    if ((long long)*kib < key->min || (long long)*kib > key->max) {
        char lo[32], hi[32];
        gf_size_format((unsigned long long)key->min, lo, sizeof(lo));
        gf_size_format((unsigned long long)key->max, hi, sizeof(hi));
        snprintf(why, len, "'%s' is out of range (%s to %s)", esc, key->min ? lo : "0", hi);
        return -1;
    }
    return 0;
}

/* Read a count like 4 or a percentage like "40%" by KEY into its two
 * fields of BASE. */
static int read_count_pct(const struct policy_key *key, const config_setting_t *setting,
                          const char *literal, void *base, char *why, size_t len)
{
    const char *s = NULL;
    char esc[GF_ESC_LEN], *end;
    long long v;
    int rc;

    if (setting && config_setting_type(setting) == CONFIG_TYPE_STRING)
        s = config_setting_get_string(setting);
    else if (!setting && strchr(key->def, '%'))
        s = key->def;
    if (s) {
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || end == s || !isdigit((unsigned char)*s) || strcmp(end, "%") != 0 || v > 100) {
            snprintf(why, len, "'%s' is not a count or a percentage from \"0%%\" to \"100%%\"",
                     gf_esc(s, esc, sizeof(esc)));
            return -1;
        }
        *(int *)((char *)base + key->off) = (int)v;
        *(int *)((char *)base + key->off2) = 1;
        return 0;
    }
    if ((rc = int_value(key, setting, literal, key->def, &v, why, len)) < 0) {
        if (rc == -1)
            snprintf(why, len, "expected a count like 4 or a percentage like \"40%%\"");
        return -1;
    }
    *(int *)((char *)base + key->off) = (int)v;
    return 0;
}

int policy_key_read(const struct policy_key *key, const config_setting_t *setting, void *base,
                    const char *dir, const char *literal, char *why, size_t len)
{
    char *field = (char *)base + key->off;
    const char *text = key->def;
    char esc[GF_ESC_LEN];
    const char *s = NULL;
    long long v = 0;

    if (!setting && text && !*text &&
        (key->type != KT_GROUP && key->type != KT_LIST && key->type != KT_HOOK)) {
        /* optional without default: leave the field zero */
        return 0;
    }
    switch (key->type) {
    case KT_GROUP:
    case KT_LIST:
        return 0; /* walked by the caller */
    case KT_NAME:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        if (gf_name_problem(s)) {
            /* at most a name's length, and what makes it too long cut */
            snprintf(why, len, "'%s' %s", gf_esc(s, esc, GF_NAME_MAX + 4), gf_name_problem(s));
            return -1;
        }
        snprintf(field, key->size, "%s", s);
        return 0;
    case KT_STRING:
    case KT_URI:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        if (strlen(s) >= key->size || !*s) {
            snprintf(why, len, "must be 1 to %zu characters", key->size - 1);
            return -1;
        }
        if (key->type == KT_URI && !strstr(s, ":/")) {
            snprintf(why, len, "'%s' is not a libvirt URI like \"qemu:///system\"",
                     gf_esc(s, esc, sizeof(esc)));
            return -1;
        }
        snprintf(field, key->size, "%s", s);
        return 0;
    case KT_INT:
        if (int_value(key, setting, literal, text, &v, why, len) < 0)
            return -1;
        *(int *)field = (int)v;
        return 0;
    case KT_DURATION:
        if (!(s = string_value(setting, text, why, len)) || gf_duration_parse(s, &v, why, len) < 0)
            return -1;
        if (v < key->min || v > key->max) {
            snprintf(why, len, "'%s' is out of range (%llds to %llds)", gf_esc(s, esc, sizeof(esc)),
                     key->min, key->max);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    case KT_SIZE:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        return read_size(key, s, (unsigned long long *)field, why, len);
    case KT_TIME:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        return parse_time(s, (int *)field, why, len);
    case KT_COUNT_PCT:
        return read_count_pct(key, setting, literal, base, why, len);
    case KT_ENUM:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        for (int i = 0; key->choices[i]; i++) {
            if (strcmp(s, key->choices[i]) == 0) {
                *(int *)field = i;
                return 0;
            }
        }
        {
            size_t used =
                (size_t)snprintf(why, len, "'%s' is not one of", gf_esc(s, esc, sizeof(esc)));
            for (int i = 0; key->choices[i] && used < len; i++)
                used += (size_t)snprintf(why + used, len - used, "%s %s", i ? "," : "",
                                         key->choices[i]);
        }
        return -1;
    case KT_DAYS:
        return read_days(setting, (unsigned int *)field, why, len);
    case KT_HOOK:
        return read_hook(setting, (struct gf_hook *)field, why, len);
    case KT_PATTERN:
        if (!(s = string_value(setting, text, why, len)) || check_pattern(s, why, len) < 0)
            return -1;
        snprintf(field, key->size, "%s", s);
        return 0;
    case KT_ZONE:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        if (!gf_zone_known(s)) {
            snprintf(why, len, "'%s' is not a time zone known to this system",
                     gf_esc(s, esc, sizeof(esc)));
            return -1;
        }
        snprintf(field, key->size, "%s", s);
        return 0;
    case KT_DATE:
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        return parse_date(s, (int *)field, why, len);
    case KT_PATH: {
        struct stat st;
        if (!(s = string_value(setting, text, why, len)))
            return -1;
        if (s[0] == '/')
            snprintf(field, key->size, "%s", s);
        else
            snprintf(field, key->size, "%s/%s", dir, s);
        if (stat(field, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(why, len, "'%s' is not a readable file", gf_esc(s, esc, sizeof(esc)));
            return -1;
        }
        return 0;
    }
    }
    snprintf(why, len, "unknown key type");
    return -1;
}
