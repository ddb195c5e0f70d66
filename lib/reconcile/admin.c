/* admin.c - what admins asked goldfarmd of a farm, kept in STATE_DIR/FARM.admin. */
#include "reconcile/admin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/error.h"
#include "base/file.h"
#include "base/textfile.h"

#define ADMIN_MAX (1u << 20) /* bytes an admin file may have */

static const char *const kind_names[] = {"rollout", "drain", "replace"};
static const char *const fate_names[] = {"waiting", "taken", "refused", "failed"};
static const char *const step_names[] = {"start", "pause", "resume", "abort"};

const char *gf_admin_kind_name(enum gf_admin_kind k)
{
    return k <= GF_ADMIN_REPLACE ? kind_names[k] : "?";
}

const char *gf_admin_fate_name(enum gf_admin_fate f)
{
    return f <= GF_FATE_FAILED ? fate_names[f] : "?";
}

/* The index of NAME among the N NAMES, or -1. */
static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* STATE_DIR/FARM.admin into BUF. */
static void path_of(const char *state_dir, const char *farm, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.admin", state_dir, farm);
}

/* Integer (or boolean: 0, 1) member KEY of O (DEF when absent or neither). */
static long long int_of(json_object *o, const char *key, long long def)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v))
        return def;
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v);
    if (!json_object_is_type(v, json_type_int))
        return def;
    return (long long)json_object_get_int64(v);
}

/* String member KEY of O, or NULL. */
static const char *str_of(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Queued request O into Q: 0, or -1 when it is not one goldfarmd wrote. */
static int load_req(json_object *o, struct gf_admin_req *q)
{
    const char *host = str_of(o, "host");
    int kind = index_of(kind_names, 3, str_of(o, "kind"));

    memset(q, 0, sizeof(*q));
    if (kind < 0 || (q->id = (unsigned long)int_of(o, "id", 0)) == 0)
        return -1;
    q->kind = (enum gf_admin_kind)kind;
    q->at = (time_t)int_of(o, "at", 0);
    q->uid = (long)int_of(o, "uid", -1);
    if (q->kind == GF_ADMIN_ROLLOUT) {
        int step = index_of(step_names, 4, str_of(o, "step"));
        if (step < 0)
            return -1;
        q->rollout.kind = (enum gf_rollout_req_kind)step;
        q->rollout.to = (int)int_of(o, "to", GF_REQ_UNSET);
        q->rollout.batch = (int)int_of(o, "batch", GF_REQ_UNSET);
        q->rollout.min = (int)int_of(o, "min_in_service", GF_REQ_UNSET);
        q->rollout.min_pct = int_of(o, "min_pct", 0) != 0;
        q->rollout.soak = (int)int_of(o, "soak", GF_REQ_UNSET);
        gf_rollout_req_format(&q->rollout, q->rollout.text, sizeof(q->rollout.text));
        return 0;
    }
    if (!host || gf_name_problem(host))
        return -1;
    snprintf(q->host, sizeof(q->host), "%s", host);
    q->now = int_of(o, "now", 0) != 0;
    return 0;
}

/* Decided request O into D: 0, or -1 when it is not one goldfarmd wrote. */
static int load_done(json_object *o, struct gf_admin_done *d)
{
    int kind = index_of(kind_names, 3, str_of(o, "kind"));
    int fate = index_of(fate_names, 4, str_of(o, "fate"));
    const char *why = str_of(o, "why");

    memset(d, 0, sizeof(*d));
    if (kind < 0 || fate < 0 || (d->id = (unsigned long)int_of(o, "id", 0)) == 0)
        return -1;
    d->kind = (enum gf_admin_kind)kind;
    d->fate = (enum gf_admin_fate)fate;
    d->at = (time_t)int_of(o, "at", 0);
    snprintf(d->why, sizeof(d->why), "%s", why ? why : "");
    return 0;
}

/* The members of ROOT into A.  0, or -1 when ROOT is not what goldfarmd
 * writes. */
static int load_root(json_object *root, struct gf_admin *a)
{
    json_object *v;

    a->paused = int_of(root, "paused", 0) != 0;
    a->paused_at = (time_t)int_of(root, "paused_at", 0);
    a->paused_uid = (long)int_of(root, "paused_uid", -1);
    a->last_id = (unsigned long)int_of(root, "last_id", 0);
    if (json_object_object_get_ex(root, "evacuated", &v) &&
        json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v) && a->nevacuated < GF_ADMIN_EVACUATED;
             i++) {
            json_object *o = json_object_array_get_idx(v, i);
            struct gf_admin_evac *e = &a->evacuated[a->nevacuated];
            const char *uri = str_of(o, "uri");
            if (!uri || strlen(uri) >= sizeof(e->uri))
                return -1;
            snprintf(e->uri, sizeof(e->uri), "%s", uri);
            e->at = (time_t)int_of(o, "at", 0);
            e->uid = (long)int_of(o, "uid", -1);
            a->nevacuated++;
        }
    }
    if (json_object_object_get_ex(root, "queue", &v) && json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v) && a->nqueue < GF_ADMIN_QUEUE; i++) {
            if (load_req(json_object_array_get_idx(v, i), &a->queue[a->nqueue]) < 0)
                return -1;
            a->nqueue++;
        }
    }
    if (json_object_object_get_ex(root, "done", &v) && json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v) && a->ndone < GF_ADMIN_DONE; i++) {
            if (load_done(json_object_array_get_idx(v, i), &a->done[a->ndone]) < 0)
                return -1;
            a->ndone++;
        }
    }
    return 0;
}

int gf_admin_load(const char *state_dir, const char *farm, struct gf_admin *a)
{
    char path[PATH_MAX + 80], *text = NULL;
    json_tokener *tok = NULL;
    json_object *root = NULL;
    size_t len;
    int ret = -1;

    memset(a, 0, sizeof(*a));
    path_of(state_dir, farm, path, sizeof(path));
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 0; /* nothing asked yet */
    if (gf_text_file_read(path, "admin state", ADMIN_MAX, &text, &len) < 0)
        return -1;
    if (!(tok = json_tokener_new_ex(8)) || !(root = json_tokener_parse_ex(tok, text, (int)len)) ||
        json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(root, json_type_object) || load_root(root, a) < 0) {
        gf_err(GF_ERR_OP, "%s is not the admin state goldfarmd writes", path);
        memset(a, 0, sizeof(*a));
        goto cleanup;
    }
    ret = 0;
cleanup:
    json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    free(text);
    return ret;
}

/* Queued request Q as a new JSON object. */
static json_object *req_json(const struct gf_admin_req *q)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_int64((int64_t)q->id));
    json_object_object_add(o, "kind", json_object_new_string(gf_admin_kind_name(q->kind)));
    json_object_object_add(o, "at", json_object_new_int64(q->at));
    json_object_object_add(o, "uid", json_object_new_int64(q->uid));
    if (q->kind == GF_ADMIN_ROLLOUT) {
        const struct gf_rollout_req *r = &q->rollout;
        json_object_object_add(o, "step", json_object_new_string(step_names[r->kind & 3]));
        if (r->to != GF_REQ_UNSET)
            json_object_object_add(o, "to", json_object_new_int(r->to));
        if (r->batch != GF_REQ_UNSET)
            json_object_object_add(o, "batch", json_object_new_int(r->batch));
        if (r->min != GF_REQ_UNSET) {
            json_object_object_add(o, "min_in_service", json_object_new_int(r->min));
            json_object_object_add(o, "min_pct", json_object_new_int(r->min_pct));
        }
        if (r->soak != GF_REQ_UNSET)
            json_object_object_add(o, "soak", json_object_new_int(r->soak));
    } else {
        json_object_object_add(o, "host", json_object_new_string(q->host));
        json_object_object_add(o, "now", json_object_new_int(q->now));
    }
    return o;
}

int gf_admin_save(const char *state_dir, const char *farm, const struct gf_admin *a)
{
    char path[PATH_MAX + 80];
    json_object *root = json_object_new_object(), *queue, *done;
    FILE *out;
    int ret = -1;

    path_of(state_dir, farm, path, sizeof(path));
    if (!root || !(queue = json_object_new_array()) || !(done = json_object_new_array())) {
        json_object_put(root);
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    json_object_object_add(root, "paused", json_object_new_boolean(a->paused));
    json_object_object_add(root, "paused_at", json_object_new_int64(a->paused_at));
    json_object_object_add(root, "paused_uid", json_object_new_int64(a->paused_uid));
    json_object_object_add(root, "last_id", json_object_new_int64((int64_t)a->last_id));
    for (int i = 0; i < a->nqueue; i++)
        json_object_array_add(queue, req_json(&a->queue[i]));
    json_object_object_add(root, "queue", queue);
    for (int i = 0; i < a->ndone; i++) {
        json_object *o = json_object_new_object();
        const struct gf_admin_done *d = &a->done[i];
        json_object_object_add(o, "id", json_object_new_int64((int64_t)d->id));
        json_object_object_add(o, "kind", json_object_new_string(gf_admin_kind_name(d->kind)));
        json_object_object_add(o, "fate", json_object_new_string(gf_admin_fate_name(d->fate)));
        json_object_object_add(o, "at", json_object_new_int64(d->at));
        json_object_object_add(o, "why", json_object_new_string(d->why));
        json_object_array_add(done, o);
    }
    json_object_object_add(root, "done", done);
    if (a->nevacuated) {
        json_object *evac = json_object_new_array();
        for (int i = 0; evac && i < a->nevacuated; i++) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "uri", json_object_new_string(a->evacuated[i].uri));
            json_object_object_add(o, "at", json_object_new_int64(a->evacuated[i].at));
            json_object_object_add(o, "uid", json_object_new_int64(a->evacuated[i].uid));
            json_object_array_add(evac, o);
        }
        json_object_object_add(root, "evacuated", evac);
    }
    if ((out = gf_file_replace_begin(path, 0640))) {
        fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN), out);
        fputc('\n', out);
        ret = gf_file_replace_commit(out, path);
    }
    json_object_put(root);
    return ret;
}

unsigned long gf_admin_queue(struct gf_admin *a, const struct gf_admin_req *q)
{
    if (a->nqueue == GF_ADMIN_QUEUE)
        return 0;
    a->queue[a->nqueue] = *q;
    a->queue[a->nqueue].id = ++a->last_id;
    return a->queue[a->nqueue++].id;
}

void gf_admin_decided(struct gf_admin *a, unsigned long id, enum gf_admin_fate fate,
                      const char *why, time_t at)
{
    enum gf_admin_kind kind = GF_ADMIN_ROLLOUT;
    int found = 0, kept = 0;

    for (int i = 0; i < a->nqueue; i++) {
        if (a->queue[i].id == id) {
            kind = a->queue[i].kind;
            found = 1;
            continue;
        }
        a->queue[kept++] = a->queue[i];
    }
    a->nqueue = kept;
    if (!found)
        return;
    if (a->ndone == GF_ADMIN_DONE) {
        memmove(&a->done[0], &a->done[1], sizeof(a->done[0]) * (GF_ADMIN_DONE - 1));
        a->ndone--;
    }
    a->done[a->ndone] = (struct gf_admin_done){.id = id, .kind = kind, .fate = fate, .at = at};
    snprintf(a->done[a->ndone].why, sizeof(a->done[0].why), "%s", why ? why : "");
    a->ndone++;
}

const struct gf_admin_done *gf_admin_fate_of(const struct gf_admin *a, unsigned long id,
                                             int *waiting)
{
    *waiting = 0;
    for (int i = 0; i < a->nqueue; i++)
        *waiting |= a->queue[i].id == id;
    for (int i = 0; i < a->ndone; i++)
        if (a->done[i].id == id)
            return &a->done[i];
    return NULL;
}

const struct gf_admin_evac *gf_admin_evacuated(const struct gf_admin *a, const char *uri)
{
    for (int i = 0; a && i < a->nevacuated; i++)
        if (strcmp(a->evacuated[i].uri, uri) == 0)
            return &a->evacuated[i];
    return NULL;
}
