/* marks.c - the marks the actions leave in a host's metadata: draining, by
 * whom, when its users were told and logged off, and ready since when; and
 * a resize's: when, and the size waiting for the host's next boot. */
#include "act/act_int.h"

#include <stdio.h>

#include "base/error.h"
#include "model/meta.h"

/* Set DOM's time WHICH (notified, logoff-sent, ready-since) to NOW.  0 or -1
 * with an error. */
int act_mark_time(virDomainPtr dom, enum act_mark which, time_t now)
{
    struct gf_meta m;
    int managed = gf_meta_get(dom, &m);

    if (managed <= 0) {
        if (!managed)
            gf_err(GF_ERR_OP, "'%s' has no goldfarm metadata", virDomainGetName(dom));
        return -1;
    }
    if (which == ACT_MARK_NOTIFIED)
        m.notified = now;
    else if (which == ACT_MARK_LOGOFF)
        m.logoff_sent = now;
    else
        m.ready_since = now;
    return gf_meta_set(dom, &m);
}

/* Mark DOM draining since NOW, drained by BY, for REASON, in one write of
 * its metadata.  0 or -1 with an error. */
int act_mark_drained(virDomainPtr dom, enum gf_drain_by by, const char *reason, time_t now)
{
    struct gf_meta m;
    int managed = gf_meta_get(dom, &m);

    if (managed <= 0) {
        if (!managed)
            gf_err(GF_ERR_OP, "'%s' has no goldfarm metadata", virDomainGetName(dom));
        return -1;
    }
    gf_meta_apply_state(&m, GF_HS_DRAINING, reason, now);
    m.drained_by = by;
    return gf_meta_set(dom, &m);
}

/* Mark DOM resized by A at NOW, for REASON: a live resize's new size is in
 * its definition too (no smaller size waits for its boot any more); a
 * resize at next boot is that size.  0 or -1 with an error. */
int act_mark_resized(virDomainPtr dom, const struct gf_action *a, const char *reason, time_t now)
{
    struct gf_meta m;
    int managed = gf_meta_get(dom, &m), boot = a->resize_at == GF_RESIZE_NEXT_BOOT;

    if (managed <= 0) {
        if (!managed)
            gf_err(GF_ERR_OP, "'%s' has no goldfarm metadata", virDomainGetName(dom));
        return -1;
    }
    m.resized = now;
    if (a->vcpus)
        m.boot_vcpus = boot ? (unsigned int)a->vcpus : 0;
    if (a->memory_kib)
        m.boot_memory_kib = boot ? a->memory_kib : 0;
    snprintf(m.reason, sizeof(m.reason), "%s", reason);
    return gf_meta_set(dom, &m);
}
