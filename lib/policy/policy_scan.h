/* policy_scan.h - a pass over a policy file's text before libconfig reads it.
 * Internal to policy.c.
 *
 * libconfig 1.5 is given only text this pass accepted.  It follows
 * libconfig's own scanner and grammar, and refuses, at the line where it
 * is, the first of:
 *  - a NUL byte (libconfig would silently stop reading there);
 *  - @include (a policy is self-contained, and libconfig would read
 *    another file, exit on a directory, and leak on a missing one);
 *  - a syntax error (libconfig 1.5 leaks the string it had just read when
 *    the error comes right after one), a setting name twice in one group,
 *    or an array of mixed types: libconfig's own errors, with its message
 *    and its line, so that libconfig never fails on what this pass
 *    accepted;
 *  - more than POLICY_SCAN_DEPTH levels of groups, lists and arrays, more
 *    than POLICY_SCAN_ENTRIES entries in one of them, a string longer than
 *    POLICY_SCAN_STRING bytes, a name longer than GF_NAME_MAX characters
 *    (libconfig's own work grows with the square of the first three; no
 *    policy comes near them).
 * It also notes each integer libconfig 1.5 cannot hold exactly (it wraps
 * what does not fit in 32 bits) by the path of its setting, as policy.c
 * names keys: "farm.vcpus", "farm.hypervisors[1].max_hosts".
 * Its work is linear in the text's length.
 */
#ifndef GF_POLICY_SCAN_H
#define GF_POLICY_SCAN_H

#include <stddef.h>

#include <glib.h>

#define POLICY_SCAN_DEPTH 8
#define POLICY_SCAN_ENTRIES 256
#define POLICY_SCAN_STRING 4096
#define POLICY_SCAN_PATH 1024 /* longest path the limits allow, with room */

/* An integer literal outside 32 bits. */
struct policy_big_int {
    int line;
    char text[48]; /* as written, cut with "..." when longer */
};

enum policy_scan_kind {
    POLICY_SCAN_OK,
    POLICY_SCAN_SYNTAX, /* what libconfig refuses, with its message */
    POLICY_SCAN_REFUSED /* NUL, @include, a limit: libconfig would read it */
};

struct policy_scan {
    enum policy_scan_kind kind;
    int line;        /* of the first problem */
    char what[128];  /* "syntax error", "a NUL byte: ..." */
    int at_string;   /* the problem is at a string token (libconfig 1.5 leaks it there) */
    GHashTable *big; /* path -> struct policy_big_int */
};

/* Scan TEXT's LEN bytes into S (clear it with policy_scan_clear).  S->kind
 * says whether libconfig may read it. */
void policy_scan(const char *text, size_t len, struct policy_scan *s);

/* Free what S holds; accepts a cleared one. */
void policy_scan_clear(struct policy_scan *s);

#endif
