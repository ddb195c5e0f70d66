/* memory.c - what a farm's reconciliation remembers between ticks. */
#include "reconcile/memory.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <json-c/json.h>

#include "base/error.h"
#include "base/file.h"
#include "base/textfile.h"

#define MEM_MAX (8u << 20) /* bytes a memory file may have */

/* STATE_DIR/FARM.memory into BUF. */
static void path_of(const char *state_dir, const char *farm, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.memory", state_dir, farm);
}

/* Integer member KEY of O as a time (0 when absent or not an integer). */
static long long int_of(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return 0;
    return (long long)json_object_get_int64(v);
}

/* Number member KEY of O (DEF when absent). */
static double num_of(json_object *o, const char *key, double def)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) ||
        (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)))
        return def;
    return json_object_get_double(v);
}

/* Read the health records of array A into H.  0 or -1 with an error. */
static int load_health(json_object *a, struct gf_health *h)
{
    size_t n = json_object_array_length(a);

    if (!n)
        return 0;
    if (!(h->recs = calloc(n, sizeof(*h->recs)))) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(a, i), *name;
        struct gf_health_rec *r = &h->recs[h->nrecs];
        if (!json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, "name", &name) ||
            !json_object_is_type(name, json_type_string) ||
            json_object_get_string_len(name) > GF_NAME_MAX)
            continue;
        snprintf(r->name, sizeof(r->name), "%s", json_object_get_string(name));
        r->bad_since = (time_t)int_of(o, "bad_since");
        r->agent_ok = (time_t)int_of(o, "agent_ok");
        r->seen_up = (time_t)int_of(o, "seen_up");
        r->cpu_ns = (unsigned long long)int_of(o, "cpu_ns");
        r->cpu_at = (time_t)int_of(o, "cpu_at");
        r->pegged_since = (time_t)int_of(o, "pegged_since");
        r->cpu_pct = num_of(o, "cpu_pct", -1);
        r->was_ready = int_of(o, "was_ready") != 0;
        h->nrecs++;
    }
    return 0;
}

/* Read the push records of array A into M (a record without a URI, or
 * past the most kept, is skipped). */
static void load_pushes(json_object *a, struct gf_farm_mem *m)
{
    for (size_t i = 0; i < json_object_array_length(a) && m->npushes < GF_MAX_HYPERVISORS; i++) {
        json_object *o = json_object_array_get_idx(a, i), *uri;
        struct gf_push_mem *r = &m->pushes[m->npushes];
        if (!json_object_is_type(o, json_type_object) ||
            !json_object_object_get_ex(o, "uri", &uri) ||
            !json_object_is_type(uri, json_type_string) ||
            json_object_get_string_len(uri) >= (int)sizeof(r->uri))
            continue;
        snprintf(r->uri, sizeof(r->uri), "%s", json_object_get_string(uri));
        r->version = (unsigned int)int_of(o, "version");
        r->since = (time_t)int_of(o, "since");
        r->retry_at = (time_t)int_of(o, "retry_at");
        r->failures = (int)int_of(o, "failures");
        m->npushes++;
    }
}

int gf_mem_load(const char *state_dir, const char *farm, struct gf_farm_mem *m)
{
    char path[PATH_MAX + 80], *text = NULL;
    size_t len;
    json_tokener *tok = NULL;
    json_object *root = NULL, *v;
    int ret = -1;

    memset(m, 0, sizeof(*m));
    path_of(state_dir, farm, path, sizeof(path));
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 0; /* no tick yet: an empty memory */
    if (gf_text_file_read(path, "memory", MEM_MAX, &text, &len) < 0)
        return -1;
    if (!(tok = json_tokener_new_ex(8)) ||
        !(root = json_tokener_parse_ex(tok, text, (int)strlen(text))) ||
        json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(root, json_type_object)) {
        gf_err(GF_ERR_OP, "%s is not the JSON object goldfarmd writes", path);
        goto cleanup;
    }
    m->last_scale_in = (time_t)int_of(root, "last_scale_in");
    m->clone_retry_at = (time_t)int_of(root, "clone_retry_at");
    m->clone_failures = (int)int_of(root, "clone_failures");
    if (json_object_object_get_ex(root, "replace_failures", &v) &&
        json_object_is_type(v, json_type_array))
        for (size_t i = 0;
             i < json_object_array_length(v) && m->nreplace_failures < GF_MEM_FAILURES; i++)
            m->replace_failures[m->nreplace_failures++] =
                (time_t)json_object_get_int64(json_object_array_get_idx(v, i));
    if (json_object_object_get_ex(root, "health", &v) && json_object_is_type(v, json_type_array) &&
        load_health(v, &m->health) < 0)
        goto cleanup;
    if (json_object_object_get_ex(root, "usage", &v) && json_object_is_type(v, json_type_string) &&
        gf_usage_decode(json_object_get_string(v), &m->usage) < 0)
        goto cleanup;
    if (json_object_object_get_ex(root, "seen", &v) && gf_seen_load(v, &m->seen) < 0)
        goto cleanup;
    if (json_object_object_get_ex(root, "pushes", &v) && json_object_is_type(v, json_type_array))
        load_pushes(v, m);
    ret = 0;
cleanup:
    if (ret < 0)
        gf_mem_clear(m);
    json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    free(text);
    return ret;
}

/* The text last written to each memory file by this process (path ->
 * text): a steady tick's memory is the same, and is not written (nor
 * fsync'd) again. */
static GHashTable *written;
static pthread_mutex_t written_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether PATH holds TEXT as this process last wrote it (and still exists). */
static int unchanged(const char *path, const char *text)
{
    struct stat st;
    const char *last;
    int same;

    pthread_mutex_lock(&written_lock);
    last = written ? g_hash_table_lookup(written, path) : NULL;
    same = last && strcmp(last, text) == 0;
    pthread_mutex_unlock(&written_lock);
    return same && stat(path, &st) == 0;
}

/* Remember TEXT as what PATH holds (NULL: not known). */
static void remember(const char *path, const char *text)
{
    pthread_mutex_lock(&written_lock);
    if (!written)
        written = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (text)
        g_hash_table_insert(written, g_strdup(path), g_strdup(text));
    else
        g_hash_table_remove(written, path);
    pthread_mutex_unlock(&written_lock);
}

int gf_mem_save(const char *state_dir, const char *farm, const struct gf_farm_mem *m)
{
    char path[PATH_MAX + 80];
    json_object *root = json_object_new_object(), *fails, *health;
    const char *text;
    FILE *out;
    int ret = -1;

    path_of(state_dir, farm, path, sizeof(path));
    if (!root) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    json_object_object_add(root, "last_scale_in", json_object_new_int64(m->last_scale_in));
    json_object_object_add(root, "clone_retry_at", json_object_new_int64(m->clone_retry_at));
    json_object_object_add(root, "clone_failures", json_object_new_int(m->clone_failures));
    fails = json_object_new_array();
    for (int i = 0; i < m->nreplace_failures; i++)
        json_object_array_add(fails, json_object_new_int64(m->replace_failures[i]));
    json_object_object_add(root, "replace_failures", fails);
    health = json_object_new_array();
    for (int i = 0; i < m->health.nrecs; i++) {
        const struct gf_health_rec *r = &m->health.recs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(r->name));
        json_object_object_add(o, "bad_since", json_object_new_int64(r->bad_since));
        json_object_object_add(o, "agent_ok", json_object_new_int64(r->agent_ok));
        json_object_object_add(o, "seen_up", json_object_new_int64(r->seen_up));
        json_object_object_add(o, "cpu_ns", json_object_new_int64((int64_t)r->cpu_ns));
        json_object_object_add(o, "cpu_at", json_object_new_int64(r->cpu_at));
        json_object_object_add(o, "pegged_since", json_object_new_int64(r->pegged_since));
        json_object_object_add(o, "cpu_pct", json_object_new_double(r->cpu_pct));
        json_object_object_add(o, "was_ready", json_object_new_int(r->was_ready));
        json_object_array_add(health, o);
    }
    json_object_object_add(root, "health", health);
    json_object_object_add(root, "seen", gf_seen_json(&m->seen));
    if (m->npushes) {
        json_object *pushes = json_object_new_array();
        for (int i = 0; i < m->npushes; i++) {
            const struct gf_push_mem *r = &m->pushes[i];
            json_object *o = json_object_new_object();
            json_object_object_add(o, "uri", json_object_new_string(r->uri));
            json_object_object_add(o, "version", json_object_new_int64(r->version));
            json_object_object_add(o, "since", json_object_new_int64(r->since));
            json_object_object_add(o, "retry_at", json_object_new_int64(r->retry_at));
            json_object_object_add(o, "failures", json_object_new_int(r->failures));
            json_object_array_add(pushes, o);
        }
        json_object_object_add(root, "pushes", pushes);
    }
    if (m->usage.nrecs) {
        char *usage = gf_usage_encode(&m->usage);
        json_object_object_add(root, "usage", json_object_new_string(usage));
        g_free(usage);
    }
    text = json_object_to_json_string_ext(root,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (unchanged(path, text)) {
        ret = 0;
    } else if ((out = gf_file_replace_begin(path, 0600))) {
        fputs(text, out);
        fputc('\n', out);
        ret = gf_file_replace_commit(out, path);
        remember(path, ret == 0 ? text : NULL);
    }
    json_object_put(root);
    return ret;
}

int gf_mem_copy(struct gf_farm_mem *dst, const struct gf_farm_mem *src)
{
    *dst = *src;
    dst->health.recs = NULL;
    dst->usage.recs = NULL;
    dst->usage.nrecs = 0;
    dst->requests = NULL;
    dst->nrequests = 0;
    memset(&dst->seen, 0, sizeof(dst->seen));
    if (gf_seen_copy(&dst->seen, &src->seen) < 0)
        goto fail;
    if (gf_usage_copy(&dst->usage, &src->usage) < 0)
        goto fail;
    if (src->health.nrecs) {
        if (!(dst->health.recs = malloc((size_t)src->health.nrecs * sizeof(*dst->health.recs))))
            goto oom;
        memcpy(dst->health.recs, src->health.recs,
               (size_t)src->health.nrecs * sizeof(*dst->health.recs));
    }
    if (src->nrequests) {
        if (!(dst->requests = calloc((size_t)src->nrequests, sizeof(char *))))
            goto oom;
        for (int i = 0; i < src->nrequests; i++) {
            if (!(dst->requests[i] = strdup(src->requests[i])))
                goto oom;
            dst->nrequests++;
        }
    }
    return 0;
oom:
    gf_err(GF_ERR_OP, "out of memory");
fail:
    gf_mem_clear(dst);
    return -1;
}

void gf_mem_clear(struct gf_farm_mem *m)
{
    gf_health_clear(&m->health);
    gf_usage_clear(&m->usage);
    gf_seen_clear(&m->seen);
    for (int i = 0; i < m->nrequests; i++)
        free(m->requests[i]);
    free(m->requests);
    memset(m, 0, sizeof(*m));
}
