/* policy_load.c - loading a farm's policy file: the scan before libconfig,
 * libconfig, the walk over the keys (policy.c), the checks of their
 * relations (policy_check.c), and every error found, sorted by line. */
#include "policy/policy.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/textfile.h"
#include "policy/policy_int.h"
#include "policy/policy_scan.h"

/* qsort comparator: errors by line, then in the order found. */
static int by_line(const void *a, const void *b)
{
    const struct load_error *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
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
        policy_error_at(ld, ld->scan.line, "syntax", "%s", ld->scan.what);
    } else if (config_read_string(&cfg, text[strspn(text, " \t\r\n")] ? text : "\n") !=
               CONFIG_TRUE) {
        /* libconfig calls an empty text a syntax error: it is read as an empty file */
        policy_error_at(ld, config_error_line(&cfg), "syntax", "%s", config_error_text(&cfg));
    } else {
        GHashTableIter it;
        gpointer path, value;
        policy_walk(ld, config_root_setting(&cfg));
        policy_check(ld);
        /* every integer libconfig could not hold was refused by its key; should
         * one have been missed, it is refused here */
        g_hash_table_iter_init(&it, ld->scan.big);
        while (!ld->nerrors && g_hash_table_iter_next(&it, &path, &value)) {
            const struct policy_big_int *big = value;
            policy_error_at(ld, big->line, path, "%s is out of range", big->text);
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
