/* standby.c - the standby hosts' own actions: taking one into service (a
 * saved one restores its memory, a running one is already up) and saving
 * a saved one's memory once it is booted and answering. */
#include "act/act_int.h"

#include <string.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/fault.h"
#include "base/log.h"
#include "model/meta.h"

/* DOM's Goldfarm metadata into M, checked: a host of CTX's farm.  0, or -1
 * with an error (nothing is done to a domain that is not what it seems). */
static int farm_host(const struct gf_act_ctx *ctx, virDomainPtr dom, struct gf_meta *m)
{
    int managed = gf_meta_get(dom, m);

    if (managed < 0)
        return -1;
    if (!managed || m->role != GF_ROLE_HOST || (ctx && strcmp(m->farm, ctx->p->name) != 0)) {
        gf_err(GF_ERR_OP, "'%s' is not a host of farm %s", virDomainGetName(dom),
               ctx ? ctx->p->name : "?");
        return -1;
    }
    return 0;
}

int act_start_standby(const struct gf_act_ctx *ctx, virDomainPtr dom, int *joined)
{
    const char *name = virDomainGetName(dom);
    struct gf_meta m;
    int active;

    *joined = 0;
    if (farm_host(ctx, dom, &m) < 0)
        return -1;
    if (m.state != GF_HS_STANDBY && m.state != GF_HS_ACTIVE) {
        gf_err(GF_ERR_OP, "'%s' is %s, not a standby or active host: not started", name,
               gf_host_state_name(m.state));
        return -1;
    }
    if ((active = virDomainIsActive(dom)) < 0) {
        gf_err_virt("reading the state of '%s'", name);
        return -1;
    }
    if (active) {
        if (m.state != GF_HS_STANDBY) {
            gf_err(GF_ERR_OP, "'%s' runs already: not started", name);
            return -1;
        }
        *joined = 1; /* a running standby (or one still booting): up already */
        return 0;
    }
    /* with a managed save image, virDomainCreate restores its memory (the
     * fault point: a restore that fails, which a test cannot make) */
    if (gf_fault("standby-restore", name) < 0)
        gf_warn("%s: %s", name, gf_err_message());
    else if (virDomainCreate(dom) == 0)
        return 0;
    else
        gf_err_virt("starting '%s'", name);
    /* only a saved standby's own state may be dropped: an active host's
     * (an admin's managedsave, libvirt-guests at a reboot) holds users'
     * sessions, and stays for the admin to decide */
    if (m.state != GF_HS_STANDBY || m.standby_kind != GF_SB_SAVED ||
        virDomainHasManagedSaveImage(dom, 0) != 1)
        return -1;
    /* a saved state that does not restore: dropped, and the host boots */
    gf_warn("%s: its saved state did not restore (%s): it boots instead", name, gf_err_message());
    if (virDomainManagedSaveRemove(dom, 0) < 0) {
        gf_err_virt("removing the saved state of '%s'", name);
        return -1;
    }
    if (virDomainCreate(dom) < 0) {
        gf_err_virt("starting '%s'", name);
        return -1;
    }
    gf_err_clear(); /* booted: the failed restore was reported above */
    return 0;
}

int act_save_standby(virDomainPtr dom)
{
    const char *name = virDomainGetName(dom);
    struct gf_meta m;

    if (farm_host(NULL, dom, &m) < 0)
        return -1;
    if (m.state != GF_HS_STANDBY || m.standby_kind != GF_SB_SAVED) {
        gf_err(GF_ERR_OP, "'%s' is not a saved standby: not saved", name);
        return -1;
    }
    if (virDomainIsActive(dom) != 1) {
        gf_err(GF_ERR_OP, "'%s' does not run: nothing to save", name);
        return -1;
    }
    if (virDomainManagedSave(dom, 0) < 0) {
        gf_err_virt("saving the memory of '%s'", name);
        return -1;
    }
    gf_note("%s: memory saved (managed save): a saved standby", name);
    return 0;
}
