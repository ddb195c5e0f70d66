/* seen.c - the farm's host names last seen on each hypervisor. */
#include "reconcile/seen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* S's entry for URI, made when MAKE and there is room; NULL if none. */
static struct gf_seen_hv *entry(struct gf_seen *s, const char *uri, int make)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->hv[i].uri, uri) == 0)
            return &s->hv[i];
    if (!make || s->n == GF_MAX_HYPERVISORS)
        return NULL;
    snprintf(s->hv[s->n].uri, sizeof(s->hv[s->n].uri), "%s", uri);
    s->hv[s->n].names = NULL;
    return &s->hv[s->n++];
}

int gf_seen_note(struct gf_seen *s, const struct gf_policy *p, const struct gf_farm_obs *farm)
{
    for (int i = 0; i < p->nhypervisors; i++) {
        struct gf_seen_hv *e;
        size_t len = 1, used = 0;
        char *names;
        if (!farm->hv[i].reachable || !(e = entry(s, p->hypervisors[i].uri, 1)))
            continue;
        for (int k = 0; k < farm->nhosts; k++)
            if (farm->hosts[k].hv == i)
                len += strlen(farm->hosts[k].name) + 1;
        if (!(names = malloc(len))) {
            gf_err(GF_ERR_OP, "out of memory");
            return -1;
        }
        names[0] = '\0';
        for (int k = 0; k < farm->nhosts; k++)
            if (farm->hosts[k].hv == i)
                used += (size_t)snprintf(names + used, len - used, "%s%s", used ? " " : "",
                                         farm->hosts[k].name);
        free(e->names);
        e->names = names;
    }
    return 0;
}

/* qsort comparator of taken names. */
static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int gf_seen_taken(const struct gf_seen *s, const struct gf_policy *p, struct gf_farm_obs *farm)
{
    int added = 0;

    for (int i = 0; i < p->nhypervisors; i++) {
        const struct gf_seen_hv *e =
            farm->hv[i].reachable ? NULL : entry((struct gf_seen *)s, p->hypervisors[i].uri, 0);
        for (const char *n = e && e->names ? e->names : ""; *n;) {
            size_t len = strcspn(n, " ");
            char(*grown)[GF_NAME_MAX + 1];
            if (len && len <= GF_NAME_MAX) {
                if (!(grown = realloc(farm->taken, (size_t)(farm->ntaken + 1) * sizeof(*grown)))) {
                    gf_err(GF_ERR_OP, "out of memory");
                    return -1;
                }
                farm->taken = grown;
                snprintf(farm->taken[farm->ntaken++], sizeof(*grown), "%.*s", (int)len, n);
                added++;
            }
            n += len + (n[len] == ' ');
        }
    }
    if (added)
        qsort(farm->taken, (size_t)farm->ntaken, sizeof(*farm->taken), by_name);
    return 0;
}

json_object *gf_seen_json(const struct gf_seen *s)
{
    json_object *o = json_object_new_object();

    for (int i = 0; o && i < s->n; i++)
        json_object_object_add(o, s->hv[i].uri,
                               json_object_new_string(s->hv[i].names ? s->hv[i].names : ""));
    return o;
}

int gf_seen_load(json_object *o, struct gf_seen *s)
{
    memset(s, 0, sizeof(*s));
    if (!o || !json_object_is_type(o, json_type_object))
        return 0;
    json_object_object_foreach(o, uri, v)
    {
        struct gf_seen_hv *e;
        if (!json_object_is_type(v, json_type_string) || strlen(uri) >= sizeof(e->uri) ||
            !(e = entry(s, uri, 1)))
            continue;
        if (!(e->names = strdup(json_object_get_string(v)))) {
            gf_err(GF_ERR_OP, "out of memory");
            gf_seen_clear(s);
            return -1;
        }
    }
    return 0;
}

int gf_seen_copy(struct gf_seen *dst, const struct gf_seen *src)
{
    *dst = *src;
    for (int i = 0; i < dst->n; i++)
        dst->hv[i].names = NULL;
    for (int i = 0; i < src->n; i++)
        if (src->hv[i].names && !(dst->hv[i].names = strdup(src->hv[i].names))) {
            gf_err(GF_ERR_OP, "out of memory");
            gf_seen_clear(dst);
            return -1;
        }
    return 0;
}

void gf_seen_clear(struct gf_seen *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->hv[i].names);
    memset(s, 0, sizeof(*s));
}
