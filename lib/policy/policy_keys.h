/* policy_keys.h - the one table of policy keys, and reading a value by it.
 * Internal to policy.c. */
#ifndef GF_POLICY_KEYS_H
#define GF_POLICY_KEYS_H

#include <libconfig.h>
#include <stddef.h>

/* The groups of a policy file; each key belongs to one, and its value is
 * stored at an offset into that section's struct. */
enum policy_section {
    SEC_ROOT,       /* no struct */
    SEC_FARM,       /* struct gf_policy */
    SEC_HYPERVISOR, /* struct gf_hypervisor */
    SEC_SCHEDULE,   /* struct gf_policy */
    SEC_DAYSET,     /* struct gf_dayset */
    SEC_PHASE,      /* struct gf_phase */
    SEC_HOLIDAY,    /* struct gf_holiday */
    SEC_SCALING,    /* struct gf_policy */
    SEC_DRAIN,      /* struct gf_policy */
    SEC_LOAD,       /* struct gf_policy */
    SEC_WEIGHTS,    /* struct gf_policy: load.weights */
    SEC_HEALTH,     /* struct gf_policy */
    SEC_CPU,        /* struct gf_policy: health.cpu_pegged */
    SEC_ROLLOUT,    /* struct gf_policy */
    SEC_IDENTITY,   /* struct gf_policy */
};

enum key_type {
    KT_GROUP,     /* a nested group of section .sub */
    KT_LIST,      /* a list of groups of section .sub */
    KT_NAME,      /* a Goldfarm name */
    KT_STRING,    /* a string of at most .size - 1 characters */
    KT_INT,       /* an integer in [min, max] */
    KT_DURATION,  /* "30s", "5m", "1h30m": seconds in [min, max] */
    KT_SIZE,      /* "16G": KiB in [min, max] (KiB) */
    KT_TIME,      /* "07:30": minutes after midnight */
    KT_COUNT_PCT, /* 4 or "40%": int at .off, percent flag at .off2 */
    KT_ENUM,      /* one of .choices: its index */
    KT_DAYS,      /* ["mon", "tue"]: a bit mask, bit 0 = Sunday */
    KT_HOOK,      /* ["/abs/program", "arg", ...]: struct gf_hook */
    KT_PATTERN,   /* a host name pattern with one integer conversion */
    KT_ZONE,      /* a time zone name known to the system's zone data */
    KT_DATE,      /* "2026-12-24": three ints (year, month, day) at .off */
    KT_PATH,      /* a file path, relative to the policy file's directory */
    KT_URI,       /* a libvirt URI */
};

struct policy_key {
    enum policy_section section;
    const char *name; /* "*": any name not listed for the section */
    enum key_type type;
    long long min, max;
    const char *def; /* default, parsed like a value; NULL: required; "": none (zero) */
    size_t off, off2, size;
    const char *const *choices; /* KT_ENUM */
    enum policy_section sub;    /* KT_GROUP, KT_LIST */
};

extern const struct policy_key policy_keys[];

/* Read SETTING (or, when SETTING is NULL, the default text of KEY) into the
 * struct BASE by KEY.  DIR is the policy file's directory (for KT_PATH).
 * LITERAL, when not NULL, is SETTING's integer as written, which libconfig
 * could not hold (it is outside 32 bits: out of every key's range).
 * Returns 0, or -1 with a description of what is wrong in WHY (LEN bytes),
 * the names and values in it escaped. */
int policy_key_read(const struct policy_key *key, const config_setting_t *setting, void *base,
                    const char *dir, const char *literal, char *why, size_t len);

/* Host N's name by PATTERN (a checked KT_PATTERN: one %d, %Nd or %0Nd)
 * into BUF, as printf would write it.  Returns its length, or -1 when it
 * does not fit in LEN bytes (BUF then holds what fits). */
int policy_pattern_name(const char *pattern, int n, char *buf, size_t len);

#endif
