/* farm_state.c - a fingerprint of everything libvirt holds. */
#include "farm_state.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Append the formatted text to the open memstream OUT. */
#define add(out, ...) fprintf(out, __VA_ARGS__)

static int by_domain_name(const void *a, const void *b)
{
    return strcmp(virDomainGetName(*(virDomainPtr const *)a),
                  virDomainGetName(*(virDomainPtr const *)b));
}

static int by_snapshot_name(const void *a, const void *b)
{
    return strcmp(virDomainSnapshotGetName(*(virDomainSnapshotPtr const *)a),
                  virDomainSnapshotGetName(*(virDomainSnapshotPtr const *)b));
}

/* Describe DOM's snapshots into OUT. */
/* XML without its lines holding a farm lease element; XML is freed. */
static char *without_lease(char *xml)
{
    char *out, *w;

    if (!xml || !(out = w = malloc(strlen(xml) + 1)))
        return xml;
    for (const char *line = xml; *line;) {
        size_t len = strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n');
        const char *lease = strstr(line, "<gflease:lease ");
        if (!lease || lease >= line + len) {
            memcpy(w, line, len);
            w += len;
        }
        line += len;
    }
    *w = '\0';
    free(xml);
    return out;
}

static void add_snapshots(FILE *out, virDomainPtr dom)
{
    virDomainSnapshotPtr *snaps = NULL;
    int n = virDomainListAllSnapshots(dom, &snaps, 0);

    if (n < 0)
        abort();
    qsort(snaps, (size_t)n, sizeof(*snaps), by_snapshot_name);
    for (int i = 0; i < n; i++) {
        add(out, "  snapshot %s current=%d\n", virDomainSnapshotGetName(snaps[i]),
            virDomainSnapshotIsCurrent(snaps[i], 0));
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
}

/* Describe the volumes of every pool into OUT. */
static void add_volumes(FILE *out, virConnectPtr conn)
{
    virStoragePoolPtr *pools = NULL;
    int npools = virConnectListAllStoragePools(conn, &pools, 0);

    if (npools < 0)
        abort();
    for (int p = 0; p < npools; p++) {
        virStorageVolPtr *vols = NULL;
        int nvols = virStoragePoolListAllVolumes(pools[p], &vols, 0);
        if (nvols < 0)
            abort();
        add(out, "pool %s: %d volumes\n", virStoragePoolGetName(pools[p]), nvols);
        for (int v = 0; v < nvols; v++) {
            char *xml = virStorageVolGetXMLDesc(vols[v], 0);
            add(out, "volume %s\n%s", virStorageVolGetName(vols[v]), xml ? xml : "?");
            free(xml);
            virStorageVolFree(vols[v]);
        }
        free(vols);
        virStoragePoolFree(pools[p]);
    }
    free(pools);
}

char *farm_state(virConnectPtr conn)
{
    virDomainPtr *doms = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int n = virConnectListAllDomains(conn, &doms, 0);

    if (!out || n < 0)
        abort();
    qsort(doms, (size_t)n, sizeof(*doms), by_domain_name);
    for (int i = 0; i < n; i++) {
        /* the farm lease goldfarmd renews each tick is its bookkeeping
         * (test_lease checks it), not a change to the farm */
        char *inactive = without_lease(virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE));
        char *live = without_lease(virDomainGetXMLDesc(doms[i], 0));
        int state = 0, reason = 0;
        virDomainGetState(doms[i], &state, &reason, 0);
        add(out, "domain %s state=%d\n%s%s", virDomainGetName(doms[i]), state,
            inactive ? inactive : "?", live ? live : "?");
        add_snapshots(out, doms[i]);
        free(inactive);
        free(live);
        virDomainFree(doms[i]);
    }
    free(doms);
    add_volumes(out, conn);
    fclose(out);
    return text;
}

void assert_same_state(const char *before, const char *after, const char *what)
{
    const char *b = before, *a = after;

    while (*b && *b == *a) {
        b++;
        a++;
    }
    if (!*b && !*a)
        return;
    while (b > before && b[-1] != '\n') {
        b--;
        a--;
    }
    fail_msg("%s changed libvirt's state; first difference:\n- %.*s\n+ %.*s", what,
             (int)strcspn(b, "\n"), b, (int)strcspn(a, "\n"), a);
}
