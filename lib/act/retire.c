/* retire.c - removing a host for good: journalled, verified, never a gold
 * disk nor a disk another domain uses. */
#include "act/act.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "model/disk_use.h"
#include "model/domxml.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/meta.h"
#include "model/seed.h"

/* Whether DOM has stopped running. */
static int is_off(virDomainPtr dom)
{
    int state = VIR_DOMAIN_NOSTATE, reason;

    return virDomainGetState(dom, &state, &reason, 0) == 0 &&
           (state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED);
}

/* Shut DOM down gracefully, or destroy it after TIMEOUT seconds. */
static int stop(virDomainPtr dom, int timeout)
{
    double deadline = gf_now() + timeout;

    if (is_off(dom))
        return 0;
    if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) < 0 &&
        virDomainShutdown(dom) < 0)
        deadline = 0;
    while (gf_now() < deadline && !is_off(dom)) {
        struct timespec tick = {0, 250 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    if (!is_off(dom) && virDomainDestroy(dom) < 0 && !is_off(dom)) {
        gf_err_virt("stopping '%s'", virDomainGetName(dom));
        return -1;
    }
    return 0;
}

/* Delete HOST's volumes: DISKS (those with a path: the gold's were
 * blanked) and its SEED ("" none), except any another domain names, in one
 * pass over the domains.  0, or -1 with an error (some may be left). */
static int delete_volumes(virConnectPtr conn, const char *host, const struct gf_disk *disks,
                          size_t ndisks, const char *seed)
{
    const char **paths = calloc(ndisks + 1, sizeof(*paths));
    char(*who)[GF_DISK_WHO_LEN] = calloc(ndisks + 1, sizeof(*who));
    int *users = calloc(ndisks + 1, sizeof(*users)), ret = -1;
    size_t n = 0;

    if (!paths || !who || !users) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < ndisks; i++)
        if (disks[i].path[0])
            paths[n++] = disks[i].path;
    if (seed[0])
        paths[n++] = seed;
    if (gf_disk_users_each(conn, paths, n, users, who) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        virStorageVolPtr vol;
        if (users[i]) {
            gf_note("%s: %s is also used by '%s': kept", host, paths[i], who[i]);
            continue;
        }
        if (!(vol = virStorageVolLookupByPath(conn, paths[i]))) {
            virResetLastError(); /* never made, or gone already */
            continue;
        }
        if (virStorageVolDelete(vol, 0) < 0) {
            gf_err_virt("deleting %s of '%s'", paths[i], host);
            virStorageVolFree(vol);
            goto cleanup;
        }
        virStorageVolFree(vol);
    }
    ret = 0;
cleanup:
    free(paths);
    free(who);
    free(users);
    return ret;
}

/* Remove host DOM for good: mark it retiring, stop it, undefine it with
 * its snapshots, delete its own volumes and its seed (never a gold disk),
 * journalled in JOURNAL (may be NULL).  0 or -1 with an error. */
static int remove_host(virDomainPtr dom, struct gf_journal *journal, int stop_timeout)
{
    const char *host = virDomainGetName(dom);
    virConnectPtr conn = virDomainGetConnect(dom);
    struct gf_disk *disks = NULL;
    size_t ndisks = 0;
    unsigned long jid = 0;
    char *uri = NULL, tag[GF_OP_TAG_LEN], uuid[VIR_UUID_STRING_BUFLEN], seed[PATH_MAX];
    struct gf_meta m;
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    int bad, ret = -1;

    seed[0] = '\0';
    if (!xml) {
        gf_err_virt("reading the definition of '%s'", host);
        return -1;
    }
    /* its disks and its seed, from one reading of its definition */
    bad = gf_domxml_disks(xml, &disks, &ndisks) < 0 || gf_domxml_seed(xml, seed, sizeof(seed)) < 0;
    free(xml);
    if (bad)
        goto cleanup;
    /* what is the gold's is known before anything is written down (by the
     * index's count: delete_volumes asks by the set before it deletes) */
    for (size_t i = 0; i < ndisks; i++) {
        int gold = gf_image_owns_disk_precheck(conn, disks[i].path);
        if (gold < 0)
            goto cleanup;
        if (gold)
            disks[i].path[0] = '\0'; /* never deleted */
    }
    if (seed[0]) {
        int gold = gf_image_owns_disk_precheck(conn, seed);
        if (gold < 0)
            goto cleanup;
        if (gold)
            seed[0] = '\0';
    }
    uri = virConnectGetURI(conn);
    if (virDomainGetUUIDString(dom, uuid) < 0) {
        gf_err_virt("reading the UUID of '%s'", host);
        goto cleanup;
    }
    if (!(jid = gf_journal_begin(journal, GF_JOP_RETIRE, host, uri ? uri : "?", uuid, 0, tag)))
        goto cleanup;
    for (size_t i = 0; i < ndisks; i++)
        if (disks[i].path[0] && gf_journal_volume(journal, jid, disks[i].path, NULL) < 0)
            goto abandon;
    if (seed[0] && gf_journal_volume(journal, jid, seed, NULL) < 0)
        goto abandon;
    /* the recovery finishes only a host in state retiring under this
     * retirement's tag: until then, a failure closes the entry and the host
     * is as it was (stopped at most) */
    if (gf_meta_get(dom, &m) != 1) {
        gf_err(GF_ERR_OP, "'%s' lost its goldfarm metadata: not retired", host);
        goto abandon;
    }
    m.state = GF_HS_RETIRING;
    snprintf(m.reason, sizeof(m.reason), "retiring");
    snprintf(m.op_tag, sizeof(m.op_tag), "%s", tag);
    m.since = time(NULL);
    if (gf_meta_set(dom, &m) < 0)
        goto abandon;
    if (stop(dom, stop_timeout) < 0)
        goto cleanup;
    gf_crash_point("retire-stopped");
    if (gf_undefine(dom) < 0) {
        gf_err_virt("undefining '%s'", host);
        goto cleanup;
    }
    gf_crash_point("retire-undefined");
    if (delete_volumes(conn, host, disks, ndisks, seed) < 0)
        goto cleanup; /* the journal finishes it on the next start */
    gf_journal_end(journal, jid);
    ret = 0;
    goto cleanup;
abandon:
    gf_journal_end(journal, jid); /* nothing irreversible was done */
cleanup:
    free(uri);
    free(disks);
    return ret;
}

int gf_retire(virDomainPtr dom, struct gf_journal *journal, int stop_timeout, int users_ok)
{
    struct gf_meta m;
    int users;

    if (gf_meta_get(dom, &m) != 1 || m.role != GF_ROLE_HOST ||
        (m.state != GF_HS_DRAINING && m.state != GF_HS_STANDBY && m.state != GF_HS_QUARANTINED)) {
        gf_err(GF_ERR_OP, "'%s' is not a draining, standby or quarantined host: not retired",
               virDomainGetName(dom));
        return -1;
    }
    /* the plan thought it empty: its guest agent, where it answers, has the
     * last word before anything is stopped */
    if (!users_ok && virDomainIsActive(dom) == 1 && (users = gf_guest_users(dom)) > 0) {
        gf_err(GF_ERR_OP, "'%s' has %d user%s logged in: not retired", virDomainGetName(dom), users,
               users == 1 ? "" : "s");
        return -1;
    }
    return remove_host(dom, journal, stop_timeout);
}
