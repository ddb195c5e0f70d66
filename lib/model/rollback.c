/* rollback.c - reverting hosts to a snapshot, keeping what was there. */
#include "model/rollback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "model/snapshot.h"

/* The newest snapshot of DOM that is not a safety snapshot, into NAME.
 * Returns 0, or -1 with an error (GF_ERR_INPUT when there is none). */
static int newest_snapshot(virDomainPtr dom, char *name, size_t len)
{
    struct gf_snapinfo *list;
    size_t n;
    int ret = -1;

    if (gf_snapshot_list(dom, &list, &n) < 0)
        return -1;
    for (size_t i = n; i-- > 0;) {
        if (!list[i].safety) {
            snprintf(name, len, "%s", list[i].name);
            ret = 0;
            break;
        }
    }
    if (ret < 0)
        gf_err(GF_ERR_INPUT, "host '%s' has no snapshot to roll back to", virDomainGetName(dom));
    free(list);
    return ret;
}

/* Whether DOM runs (or is paused): 1, 0. */
static int is_up(virDomainPtr dom)
{
    int state = VIR_DOMAIN_NOSTATE, reason;

    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        return 0;
    return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED || state == VIR_DOMAIN_BLOCKED;
}

/* Restore DOM from its safety snapshot SAVED after a failed revert.  When
 * the host ran before (WAS_RUNNING), check again two seconds later that it
 * still runs: after a failed load QEMU's dying process has been seen to take
 * the restored one down with it.  Then restore once more.  0 or -1. */
static int restore(virDomainPtr dom, virDomainSnapshotPtr saved, int was_running, char *why,
                   size_t len)
{
    snprintf(why, len, "it did not stay running");
    for (int attempt = 0; attempt < 2; attempt++) {
        struct timespec settle = {2, 0};
        if (virDomainRevertToSnapshot(saved, 0) < 0 &&
            virDomainRevertToSnapshot(saved, VIR_DOMAIN_SNAPSHOT_REVERT_FORCE) < 0) {
            snprintf(why, len, "%s", virGetLastErrorMessage()); /* before any other call */
            return -1;
        }
        if (!was_running)
            return 0;
        nanosleep(&settle, NULL);
        if (is_up(dom))
            return 0;
    }
    return -1;
}

/* Revert DOM to SNAP after a safety snapshot; on failure restore from the
 * safety snapshot.  Returns 0 or -1 with an error naming the host. */
static int rollback_one(virDomainPtr dom, virDomainSnapshotPtr snap, int force)
{
    const char *host = virDomainGetName(dom);
    const char *target = virDomainSnapshotGetName(snap);
    char safety[128], why[256], failure[1024], restore_failure[512];
    virDomainSnapshotPtr saved;
    virErrorPtr e;
    double start = gf_now();
    int risky, was_running = is_up(dom);

    snprintf(why, sizeof(why), "taken by Goldfarm before rolling back to '%s'", target);
    if (gf_snapshot_take_safety(dom, GF_SAFETY_PREFIX, why, safety, sizeof(safety)) < 0)
        return -1;
    gf_note("%s: safety snapshot '%s' taken", host, safety);
    if (virDomainRevertToSnapshot(snap, force ? VIR_DOMAIN_SNAPSHOT_REVERT_FORCE : 0) == 0) {
        gf_note("%s: rolled back to '%s' (%.2f s)", host, target, gf_now() - start);
        return 0;
    }
    e = virGetLastError();
    risky = !force && e && e->code == VIR_ERR_SNAPSHOT_REVERT_RISKY;
    snprintf(failure, sizeof(failure), "%s", virGetLastErrorMessage());
    if (!(saved = gf_snapshot_lookup(dom, safety)))
        return -1;
    if (risky) {
        /* libvirt refused before changing anything: the safety snapshot
         * has nothing to keep. */
        virDomainSnapshotDelete(saved, 0);
        gf_err(GF_ERR_OP,
               "host '%s': reverting to '%s' is risky (%s); nothing was changed; "
               "use --force to revert anyway",
               host, target, failure);
    } else if (restore(dom, saved, was_running, restore_failure, sizeof(restore_failure)) == 0) {
        gf_err(GF_ERR_OP,
               "host '%s': reverting to '%s' failed (%s); the host was restored to "
               "its state before the rollback from '%s'",
               host, target, failure, safety);
    } else {
        gf_err(GF_ERR_OP,
               "host '%s': reverting to '%s' failed (%s), and restoring it from "
               "safety snapshot '%s' failed too (%s)",
               host, target, failure, safety, restore_failure);
    }
    virDomainSnapshotFree(saved);
    return -1;
}

int gf_rollback(virDomainPtr *doms, size_t n, const char *name, int force)
{
    virDomainSnapshotPtr *snaps = calloc(n ? n : 1, sizeof(*snaps));
    char failed[1024] = "", first[1024] = "";
    size_t nfailed = 0;
    int ret = -1;

    if (!snaps) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    if (name && gf_name_check("snapshot", name) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        char newest[128];
        const char *target = name;
        if (!target) {
            if (newest_snapshot(doms[i], newest, sizeof(newest)) < 0)
                goto cleanup;
            target = newest;
        }
        if (!(snaps[i] = gf_snapshot_lookup(doms[i], target)))
            goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (rollback_one(doms[i], snaps[i], force) == 0)
            continue;
        if (nfailed++ == 0)
            snprintf(first, sizeof(first), "%s", gf_err_message());
        gf_note("%s: not rolled back: %s", virDomainGetName(doms[i]), gf_err_message());
        size_t used = strlen(failed);
        snprintf(failed + used, sizeof(failed) - used, "%s%s", used ? ", " : "",
                 virDomainGetName(doms[i]));
    }
    if (nfailed == 0)
        ret = 0;
    else if (n == 1)
        gf_err(GF_ERR_OP, "%s", first);
    else
        gf_err(GF_ERR_OP, "%zu of %zu hosts were not rolled back (%s); first: %s", nfailed, n,
               failed, first);
cleanup:
    gf_snapshots_free(snaps, n);
    return ret;
}
