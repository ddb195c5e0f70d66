/* marks.c - the marks the actions leave in a host's metadata: draining, by
 * whom, when its users were told and logged off, and ready since when. */
#include "act/act_int.h"

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

/* Mark DOM draining since NOW, drained by BY, for REASON.  0 or -1. */
int act_mark_drained(virDomainPtr dom, enum gf_drain_by by, const char *reason, time_t now)
{
    struct gf_meta m;

    if (gf_meta_set_state(dom, GF_HS_DRAINING, reason, now) < 0 || gf_meta_get(dom, &m) != 1)
        return -1;
    m.drained_by = by;
    return gf_meta_set(dom, &m);
}
