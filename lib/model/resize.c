/* resize.c - changing a host's vCPUs and memory. */
#include "model/resize.h"

#include <time.h>

#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "base/size.h"

/* Check R against DOM's limits for the libvirt FLAGS it will be applied
 * with.  Returns 0 or -1 with a GF_ERR_INPUT error. */
static int check_limits(virDomainPtr dom, const struct gf_resize *r, unsigned int flags, int live)
{
    const char *host = virDomainGetName(dom);

    if (r->vcpus) {
        int max = virDomainGetVcpusFlags(
            dom,
            VIR_DOMAIN_VCPU_MAXIMUM | (live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG));
        int now_live = live ? virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE) : 0;
        if (max < 0 || now_live < 0) {
            gf_err_virt("reading the vCPUs of '%s'", host);
            return -1;
        }
        if (r->vcpus > (unsigned int)max) {
            gf_err(GF_ERR_INPUT, "host '%s': %u vCPUs is more than its maximum of %d", host,
                   r->vcpus, max);
            return -1;
        }
        if (live && r->vcpus < (unsigned int)now_live) {
            gf_err(GF_ERR_INPUT,
                   "host '%s': removing vCPUs from a running host is refused (it has %d); "
                   "use --config and restart the host",
                   host, now_live);
            return -1;
        }
    }
    if (r->memory_kib) {
        unsigned long max = virDomainGetMaxMemory(dom);
        char want[32], have[32];
        if (max == 0) {
            gf_err_virt("reading the maximum memory of '%s'", host);
            return -1;
        }
        if (r->memory_kib > max) {
            gf_size_format(r->memory_kib, want, sizeof(want));
            gf_size_format(max, have, sizeof(have));
            gf_err(GF_ERR_INPUT, "host '%s': memory %s is more than its maximum of %s", host, want,
                   have);
            return -1;
        }
    }
    (void)flags;
    return 0;
}

/* Bring DOM's vCPUs online in its guest up to VCPUS, through its guest
 * agent (virDomainSetVcpusFlags with VIR_DOMAIN_VCPU_GUEST): a hot-added
 * vCPU is offline in a guest that has no rule of its own to online it (a
 * Linux guest without udev's).  The guest may take a moment to see the new
 * vCPU: asked again every 100 ms for up to a second.  Best effort: a note
 * says when it did not happen. */
static void online_in_guest(virDomainPtr dom, unsigned int vcpus)
{
    const char *host = virDomainGetName(dom);
    int online = -1;

    for (int i = 0; i < 10; i++) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        if ((online = virDomainGetVcpusFlags(dom, VIR_DOMAIN_VCPU_GUEST)) < 0)
            break; /* no guest agent: the guest onlines them itself, or not */
        if ((unsigned int)online >= vcpus)
            break;
        virDomainSetVcpusFlags(dom, vcpus, VIR_DOMAIN_VCPU_GUEST);
        nanosleep(&nap, NULL);
    }
    if (online < 0)
        gf_note("%s: its guest agent cannot tell its online vCPUs (%s): the guest onlines new "
                "ones itself, or not",
                host, virGetLastErrorMessage());
    else if ((unsigned int)online < vcpus)
        gf_note("%s: %d of %u vCPUs online in the guest", host, online, vcpus);
    else
        gf_note("%s: %u vCPUs online in the guest", host, vcpus);
    virResetLastError();
}

/* Set DOM's memory to KIB with libvirt's FLAGS.  Running and defined
 * (LIVE and CONFIG) are two calls, the running one first (some drivers,
 * libvirt's test driver, refuse both at once); when the definition's
 * fails, the running size goes back.  0 or -1 with an error. */
static int set_memory(virDomainPtr dom, unsigned long long kib, unsigned int flags)
{
    const char *host = virDomainGetName(dom);
    unsigned int both = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
    virDomainInfo info;

    if ((flags & both) != both) {
        if (virDomainSetMemoryFlags(dom, kib, flags) < 0) {
            gf_err_virt("setting the memory of '%s'", host);
            return -1;
        }
        return 0;
    }
    if (virDomainGetInfo(dom, &info) < 0 ||
        virDomainSetMemoryFlags(dom, kib, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        gf_err_virt("setting the memory of '%s'", host);
        return -1;
    }
    if (virDomainSetMemoryFlags(dom, kib, VIR_DOMAIN_AFFECT_CONFIG) < 0) {
        gf_err_virt("setting the memory of '%s' in its definition", host);
        if (virDomainSetMemoryFlags(dom, info.memory, VIR_DOMAIN_AFFECT_LIVE) == 0)
            gf_note("%s: its running memory set back", host);
        return -1;
    }
    return 0;
}

int gf_resize(virDomainPtr dom, const struct gf_resize *r)
{
    const char *host = virDomainGetName(dom);
    int active = virDomainIsActive(dom);
    unsigned int flags = 0;
    int live, old_vcpus = 0, old_live = 0;
    char size[32];

    if (active < 0) {
        gf_err_virt("reading the state of '%s'", host);
        return -1;
    }
    if (!r->vcpus && !r->memory_kib) {
        gf_err(GF_ERR_INPUT, "nothing to resize: give --vcpus N and/or --memory SIZE");
        return -1;
    }
    if (r->live && !active) {
        gf_err(GF_ERR_INPUT, "host '%s' is not running: --live needs a running host", host);
        return -1;
    }
    if (r->live)
        flags |= VIR_DOMAIN_AFFECT_LIVE;
    if (r->config)
        flags |= VIR_DOMAIN_AFFECT_CONFIG;
    live = r->live || (!r->config && active);
    if (check_limits(dom, r, flags, live) < 0)
        return -1;
    if (r->vcpus) {
        old_live = live ? virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE) : 0;
        old_vcpus = virDomainGetVcpusFlags(dom, flags ? flags & VIR_DOMAIN_AFFECT_CONFIG
                                                            ? VIR_DOMAIN_AFFECT_CONFIG
                                                            : VIR_DOMAIN_AFFECT_LIVE
                                                      : VIR_DOMAIN_AFFECT_CURRENT);
        if (virDomainSetVcpusFlags(dom, r->vcpus, flags) < 0) {
            gf_err_virt("setting %u vCPUs on '%s'", r->vcpus, host);
            return -1;
        }
        gf_note("%s: %u vCPUs%s", host, r->vcpus, live ? " (live)" : " (from next boot)");
        if (live && r->vcpus > (unsigned int)old_live)
            online_in_guest(dom, r->vcpus);
    }
    if (r->memory_kib) {
        if (set_memory(dom, r->memory_kib, flags) < 0) {
            /* vCPUs added live stay (removing them live is what is refused
             * above); the definition goes back */
            if (live && r->vcpus > (unsigned int)old_live) {
                if (r->config && old_vcpus > 0 &&
                    virDomainSetVcpusFlags(dom, (unsigned int)old_vcpus,
                                           VIR_DOMAIN_AFFECT_CONFIG) == 0)
                    gf_note("%s: vCPUs set back to %d in its definition; the %u running stay "
                            "until it restarts",
                            host, old_vcpus, r->vcpus);
            } else if (r->vcpus && old_vcpus > 0 &&
                       virDomainSetVcpusFlags(dom, (unsigned int)old_vcpus, flags) == 0) {
                gf_note("%s: vCPUs set back to %d", host, old_vcpus);
            }
            return -1;
        }
        gf_size_format(r->memory_kib, size, sizeof(size));
        gf_note("%s: memory %s%s", host, size, live ? " (live)" : " (from next boot)");
    }
    return 0;
}
