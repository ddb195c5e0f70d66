/* probe.c - what the health checks ask each host: its guest agent, and
 * the policy's health command. */
#include <stdlib.h>

#include <libvirt/virterror.h>

#include "base/exec.h"
#include "observe/observe.h"

#define HEALTH_COMMAND_TIMEOUT 30

/* Whether the guest agent of O answers: 1 or 0. */
static int agent_answers(const struct gf_policy *p, virConnectPtr *conns,
                         const struct gf_host_obs *o)
{
    virTypedParameterPtr params = NULL;
    virDomainPtr dom;
    int nparams = 0, ok;

    if (p->load_source == GF_LOAD_AGENT)
        return o->sessions >= 0; /* the load source asked it already */
    if (o->hv < 0 || !conns[o->hv] || !(dom = virDomainLookupByName(conns[o->hv], o->name))) {
        virResetLastError();
        return 0;
    }
    ok = virDomainGetGuestInfo(dom, VIR_DOMAIN_GUEST_INFO_USERS, &params, &nparams, 0) == 0;
    virTypedParamsFree(params, nparams);
    virDomainFree(dom);
    virResetLastError();
    return ok;
}

/* Run the health command for host NAME: its exit status, or -1. */
static int health_command(const struct gf_policy *p, const char *name)
{
    char *argv[GF_MAX_HOOK_ARGS + 2];
    int n = 0;

    for (; n < p->health_command.argc; n++)
        argv[n] = (char *)p->health_command.argv[n];
    argv[n++] = (char *)name;
    argv[n] = NULL;
    return gf_exec(argv, HEALTH_COMMAND_TIMEOUT, NULL);
}

void gf_probe_health(const struct gf_policy *p, virConnectPtr *conns, struct gf_farm_obs *farm)
{
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        if (h->state == GF_HS_STANDBY && h->standby_kind != GF_SB_OFF && h->run == GF_RUN_RUNNING) {
            /* a saved or running standby is ready once its agent (or the
             * health command) answers */
            h->agent = agent_answers(p, conns, h);
            if (!h->agent && p->health_command.argc)
                h->health_status = health_command(p, h->name);
            continue;
        }
        if (!p->health_on || (h->state != GF_HS_ACTIVE && h->state != GF_HS_DRAINING) ||
            h->run != GF_RUN_RUNNING)
            continue;
        if (p->agent_timeout)
            h->agent = agent_answers(p, conns, h);
        if (p->health_command.argc)
            h->health_status = health_command(p, h->name);
    }
}
