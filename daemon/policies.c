/* policies.c - goldfarmd's farms as its policy files say: loaded at start
 * (every file must be good) and on SIGHUP (a bad file keeps its farm's
 * previous policy). */
#include "farmd_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/log.h"
#include "observe/kept.h"

/* The policy files of DIR (*.conf), sorted, into *FILES (to free, with each). */
static int list_policies(const char *dir, char ***files)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort), count = 0;

    *files = NULL;
    if (n < 0) {
        gf_err(GF_ERR_INPUT, "cannot read the policies directory %s: %s", dir, strerror(errno));
        return -1;
    }
    *files = calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        size_t len = strlen(entries[i]->d_name);
        if (*files && len > 5 && strcmp(entries[i]->d_name + len - 5, ".conf") == 0 &&
            asprintf(&(*files)[count], "%s/%s", dir, entries[i]->d_name) > 0)
            count++;
        free(entries[i]);
    }
    free(entries);
    return count;
}

/* Whether F is one of D's running farms. */
static int farm_is_old(const struct gfd *d, const struct gfd_farm *f)
{
    for (int i = 0; i < d->nfarms; i++)
        if (d->farms[i] == f)
            return 1;
    return 0;
}

/* The farm read from FILE, or NULL. */
static struct gfd_farm *farm_of_file(struct gfd *d, const char *file)
{
    for (int i = 0; i < d->nfarms; i++)
        if (strcmp(d->farms[i]->file, file) == 0)
            return d->farms[i];
    return NULL;
}

/* What gfd_load_policies does, D->lock held. */
static int load_locked(struct gfd *d, int start, char *why, size_t len);

int gfd_load_policies(struct gfd *d, int start, char *why, size_t len)
{
    int ret;

    if (why && len)
        why[0] = '\0';
    pthread_mutex_lock(&d->lock);
    ret = load_locked(d, start, why, len);
    pthread_mutex_unlock(&d->lock);
    return ret;
}

/* Keep LINE in WHY (LEN bytes) unless it holds one already. */
static void first_error(char *why, size_t len, const char *line)
{
    if (why && len && !why[0])
        snprintf(why, len, "%s", line);
}

static int load_locked(struct gfd *d, int start, char *why, size_t wlen)
{
    struct gfd_farm **farms;
    char **files;
    int n = list_policies(d->policies_dir, &files), nfarms = 0, bad = 0;

    if (n < 0)
        return -1;
    if (!(farms = calloc((size_t)n + 1, sizeof(*farms)))) {
        for (int i = 0; i < n; i++)
            free(files[i]);
        free(files);
        gf_err(GF_ERR_OP, "%s: out of memory: every farm keeps its policy", d->policies_dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char *errors = NULL;
        struct gf_policy *p = gf_policy_load(files[i], &errors);
        struct gfd_farm *old = farm_of_file(d, files[i]);
        for (int k = 0; p && k < nfarms; k++) {
            if (strcmp(farms[k]->policy->name, p->name) == 0) {
                if (asprintf(&errors, "%s: farm '%s' is already defined by %s\n", files[i], p->name,
                             farms[k]->file) < 0)
                    errors = NULL;
                gf_policy_free(p);
                p = NULL;
            }
        }
        if (!p) {
            char first[512];
            bad++;
            snprintf(first, sizeof(first), "%.*s", (int)strcspn(errors ? errors : "", "\n"),
                     errors ? errors : "");
            first_error(why, wlen, first[0] ? first : files[i]);
            if (start)
                fputs(errors ? errors : "", stderr);
            else {
                char *line, *save = NULL;
                gf_error("reload: %s has errors; %s", files[i],
                         old ? "its farm keeps its previous policy" : "not loaded");
                for (line = errors ? strtok_r(errors, "\n", &save) : NULL; line;
                     line = strtok_r(NULL, "\n", &save))
                    gf_error("reload: %s", line);
            }
            if (old && !start)
                farms[nfarms++] = old; /* kept as it was */
        } else if (old && d->threaded) {
            /* same file: the farm's own thread takes the new policy between
             * two of its ticks */
            pthread_mutex_lock(&old->mu);
            gf_policy_free(old->pending);
            old->pending = p;
            pthread_mutex_unlock(&old->mu);
            gfd_farm_wake(old);
            farms[nfarms++] = old;
            gf_note("reload: %s: farm %s updated", files[i], p->name);
        } else if (old) {
            /* same file: new policy, same farm state and connections */
            int same_hvs = old->policy->nhypervisors == p->nhypervisors;
            for (int h = 0; same_hvs && h < p->nhypervisors; h++)
                same_hvs = strcmp(old->policy->hypervisors[h].uri, p->hypervisors[h].uri) == 0;
            if (!same_hvs)
                for (int h = 0; h < GF_MAX_HYPERVISORS; h++)
                    gfd_disconnect(old, h);
            gf_kept_drop(old->policy->name); /* observed under the old policy */
            gf_policy_free(old->policy);
            old->policy = p;
            old->planned = 0; /* the last plan points into the old policy */
            old->next_tick = 0;
            farms[nfarms++] = old;
            if (!start)
                gf_note("reload: %s: farm %s updated", files[i], p->name);
        } else {
            struct gfd_farm *f = gfd_farm_new(d, p, files[i]);
            if (!f) {
                gf_error("reload: %s: farm %s: out of memory: not loaded", files[i], p->name);
                gf_policy_free(p);
                bad++;
                free(errors);
                continue;
            }
            farms[nfarms++] = f;
            if (!start)
                gf_note("reload: %s: farm %s added", files[i], p->name);
        }
        free(errors);
    }
    /* A farm kept from before (its file now bad) and a new file naming the
     * same farm: the farm that was running wins; two never tick one farm. */
    for (int i = 0; i < nfarms; i++) {
        for (int k = 0; k < nfarms; k++) {
            int k_was_running = 0;
            if (i == k || !farms[i] || !farms[k] ||
                strcmp(farms[i]->policy->name, farms[k]->policy->name) != 0)
                continue;
            for (int o = 0; o < d->nfarms; o++)
                k_was_running |= d->farms[o] == farms[k];
            if (!k_was_running)
                continue;
            gf_error("reload: %s names farm %s, which %s still runs: not loaded", farms[i]->file,
                     farms[i]->policy->name, farms[k]->file);
            if (why && wlen && !why[0])
                snprintf(why, wlen, "%s names farm %s, which %s still runs: not loaded",
                         farms[i]->file, farms[i]->policy->name, farms[k]->file);
            bad++;
            if (!farm_is_old(d, farms[i]))
                gfd_farm_free(farms[i]);
            farms[i] = NULL;
        }
    }
    {
        int n_kept = 0;
        for (int i = 0; i < nfarms; i++)
            if (farms[i])
                farms[n_kept++] = farms[i];
        nfarms = n_kept;
    }
    for (int i = 0; i < d->nfarms; i++) {
        int kept = 0;
        for (int k = 0; k < nfarms; k++)
            kept |= farms[k] == d->farms[i];
        if (!kept) {
            gf_note("reload: farm %s removed (its file is gone)", d->farms[i]->policy->name);
            if (d->threaded)
                gfd_farm_retire(d, d->farms[i]);
            else
                gfd_farm_free(d->farms[i]);
        }
    }
    for (int i = 0; i < n; i++)
        free(files[i]);
    free(files);
    if (start && bad) {
        for (int i = 0; i < nfarms; i++)
            gfd_farm_free(farms[i]);
        free(farms);
        gf_err(GF_ERR_INPUT, "%d policy file%s in %s ha%s errors", bad, bad == 1 ? "" : "s",
               d->policies_dir, bad == 1 ? "s" : "ve");
        return -1;
    }
    free(d->farms);
    d->farms = farms;
    d->nfarms = nfarms;
    return bad;
}

int gfd_reload(struct gfd *d)
{
    return gfd_load_policies(d, 0, NULL, 0);
}

int gfd_reload_why(struct gfd *d, char *why, size_t len)
{
    return gfd_load_policies(d, 0, why, len);
}

int gfd_check(const char *policies_dir, int *nfarms)
{
    struct gfd d = {0};
    int ret;

    snprintf(d.policies_dir, sizeof(d.policies_dir), "%s", policies_dir);
    pthread_mutex_init(&d.lock, NULL);
    ret = gfd_load_policies(&d, 1, NULL, 0);
    pthread_mutex_destroy(&d.lock);
    *nfarms = d.nfarms;
    for (int i = 0; i < d.nfarms; i++)
        gfd_farm_free(d.farms[i]);
    free(d.farms);
    return ret;
}
