/* policy_int.h - what loading a policy file collects, shared by the walk
 * over its keys (policy.c), the checks of their relations
 * (policy_check.c) and the loading that runs both (policy_load.c).  Internal to lib/policy. */
#ifndef GF_POLICY_INT_H
#define GF_POLICY_INT_H

#include <limits.h>

#include <glib.h>
#include <libconfig.h>

#include "policy/policy.h"
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

/* Record one error at LINE about key PATH.  Names and values in FMT's
 * arguments are escaped by the caller. */
void policy_error_at(struct load *ld, int line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Whether any of the keys PATHS (NULL-terminated), or a group one is in,
 * had its value refused. */
int policy_any_bad(const struct load *ld, ...);

/* The line key PATH was at, or the nearest enclosing group's, or 1. */
int policy_line_of(const struct load *ld, const char *path);

/* Walk the policy's root group ROOT into LD->p by the key table (policy.c),
 * each error recorded. */
void policy_walk(struct load *ld, const config_setting_t *root);

/* Check the relations between the keys LD read (each error recorded). */
void policy_check(struct load *ld);

#endif
