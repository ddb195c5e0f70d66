/* plan_checksum.c - a gold version is the same version on every hypervisor
 * only when the SHA-256 its metadata records (vmctl image push) agrees:
 * one that differs is cloned nowhere.  Pure. */
#include <string.h>

#include "plan/plan_int.h"

/* The SHA-256 HV records for VERSION (0: its promoted one), or NULL when
 * it records none or does not have it. */
static const char *hv_sha(const struct gf_hv_obs *hv, unsigned int version)
{
    if (!version)
        version = hv->promoted;
    for (int i = 0; i < hv->nversions; i++)
        if (hv->versions[i] == version && version)
            return hv->sha256[i][0] ? hv->sha256[i] : NULL;
    return NULL;
}

int plan_version_differs(const struct planner *pl, int hv, unsigned int version)
{
    const struct gf_hv_obs *here = &pl->farm->hv[hv];
    unsigned int v = version ? version : here->promoted;
    const char *mine = hv_sha(here, v);

    if (!mine)
        return 0;
    for (int i = 0; i < pl->p->nhypervisors; i++) {
        const char *theirs;
        if (i == hv || !pl->farm->hv[i].reachable)
            continue;
        if ((theirs = hv_sha(&pl->farm->hv[i], v)) && strcmp(theirs, mine) != 0)
            return 1;
    }
    return 0;
}
