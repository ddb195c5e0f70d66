/* control_evacuate.c - the control socket's farm.evacuate and
 * farm.unevacuate: a hypervisor taken out of its farms for maintenance and
 * given back.
 *
 * The evacuation is kept in each farm's admin state (STATE_DIR/FARM.admin,
 * beside pause), not in libvirt metadata: the node evacuated is the one
 * about to go down, and what keeps new hosts off it must be readable while
 * it does not answer; it is the daemon's intention for its farms, like a
 * pause, and survives its restarts the same way. */
#include "control_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "farmd_int.h"

/* Whether farm F's policy has hypervisor URI. */
static int has_uri(const struct gfd_farm *f, const char *uri)
{
    for (int h = 0; h < f->policy->nhypervisors; h++)
        if (strcmp(f->policy->hypervisors[h].uri, uri) == 0)
            return 1;
    return 0;
}

/* Add (EVACUATE) or remove URI in farm F's admin state, saved in
 * STATE_DIR (left as it was when saving fails).  1 changed, 0 already so,
 * -1 with an error. */
static int set_evacuated(struct gfd_farm *f, const char *state_dir, const char *uri, int evacuate,
                         long uid)
{
    struct gf_admin was = f->admin;
    struct gf_admin *a = &f->admin;
    int i;

    for (i = 0; i < a->nevacuated && strcmp(a->evacuated[i].uri, uri) != 0; i++)
        ;
    if (evacuate == (i < a->nevacuated))
        return 0;
    if (evacuate) {
        if (a->nevacuated == GF_ADMIN_EVACUATED) {
            gf_err(GF_ERR_INPUT, "farm %s has %d hypervisors evacuated already", f->policy->name,
                   a->nevacuated);
            return -1;
        }
        snprintf(a->evacuated[a->nevacuated].uri, sizeof(a->evacuated[0].uri), "%s", uri);
        a->evacuated[a->nevacuated].at = time(NULL);
        a->evacuated[a->nevacuated++].uid = uid;
    } else {
        a->evacuated[i] = a->evacuated[--a->nevacuated];
    }
    if (gf_admin_save(state_dir, f->policy->name, a) < 0) {
        *a = was;
        return -1;
    }
    return 1;
}

json_object *ctl_evacuate(struct gfd_control *c, const struct gf_ctl_req *r,
                          const struct ctl_peer *peer)
{
    struct gfd *d = c->d;
    int evacuate = r->verb == GF_CTL_FARM_EVACUATE, found = 0, changed = 0, failed = 0;
    char farms[512] = "";

    pthread_mutex_lock(&d->lock);
    if (r->farm[0] && !ctl_farm(d, r->farm)) {
        pthread_mutex_unlock(&d->lock);
        return ctl_unknown_farm(d, r->farm);
    }
    for (int i = 0; i < d->nfarms && !failed; i++) {
        struct gfd_farm *f = d->farms[i];
        int done;
        if ((r->farm[0] && strcmp(f->policy->name, r->farm) != 0) || !has_uri(f, r->uri))
            continue;
        found++;
        pthread_mutex_lock(&f->mu);
        done = set_evacuated(f, d->state_dir, r->uri, evacuate, (long)peer->uid);
        pthread_mutex_unlock(&f->mu);
        if (done < 0) {
            failed = 1;
            break;
        }
        changed += done;
        snprintf(farms + strlen(farms), sizeof(farms) - strlen(farms), "%s%s", farms[0] ? ", " : "",
                 f->policy->name);
        if (done)
            gfd_farm_wake(f);
    }
    pthread_mutex_unlock(&d->lock);
    if (failed && changed) /* the farms before the failing one are changed: say which */
        return gf_ctl_answer(GF_CTL_FAILED, "%s (%s %s for %s only)", gf_err_message(), r->uri,
                             evacuate ? "evacuated" : "unevacuated", farms);
    if (failed)
        return ctl_failed();
    if (!found)
        return gf_ctl_answer(GF_CTL_BAD_STATE, "no farm%s%s of this goldfarmd has hypervisor %s",
                             r->farm[0] ? " " : "", r->farm, r->uri);
    if (!changed)
        return gf_ctl_answer(GF_CTL_OK, "%s %s for %s already", r->uri,
                             evacuate ? "is evacuated" : "is not evacuated", farms);
    if (evacuate)
        return gf_ctl_answer(GF_CTL_OK,
                             "%s evacuated for %s: its hosts are drained once replaced on the "
                             "other hypervisors (users get the drain wait), and no new host goes "
                             "there until vmctl farm unevacuate %s",
                             r->uri, farms, r->uri);
    return gf_ctl_answer(GF_CTL_OK, "%s given back to %s: new hosts may go there again", r->uri,
                         farms);
}
