/* act_farm.c - carrying out the plan's actions on the farm rather than on
 * one host's run: the roll-out record, promotions, the breaker, ready
 * marks, admin-drain notices and the image's pushes. */
#include "act/act_int.h"

#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/file.h"
#include "base/log.h"
#include "model/image.h"
#include "model/meta.h"
#include "act/push_job.h"

int gf_breaker_read(const char *state_dir, const char *farm, char *why, size_t len)
{
    char path[PATH_MAX + 80];
    FILE *in;

    snprintf(path, sizeof(path), "%s/%s.breaker", state_dir, farm);
    if (!(in = fopen(path, "re")))
        return 0;
    if (!fgets(why, (int)len, in))
        why[0] = '\0';
    why[strcspn(why, "\n")] = '\0';
    fclose(in);
    return 1;
}

/* Open CTX's farm's breaker for WHY (STATE_DIR/FARM.breaker, which goldfarmd
 * removes when an admin resumes the farm).  0 or -1 with an error. */
static int open_breaker(const struct gf_act_ctx *ctx, const char *why)
{
    char path[PATH_MAX + 80];
    FILE *out;

    if (!ctx->state_dir)
        return 0; /* the simulator keeps it in the farm's memory */
    snprintf(path, sizeof(path), "%s/%s.breaker", ctx->state_dir, ctx->p->name);
    if (!(out = gf_file_open_write(path, 0, 0640)))
        return -1;
    fprintf(out, "%s\n", why);
    if (fclose(out) != 0) {
        gf_err(GF_ERR_OP, "cannot write %s", path);
        return -1;
    }
    return 0;
}

/* Push A's version of the image from node A->from to node A->hv: started
 * as a job beside the ticks when CTX has the farm's jobs (the tick takes
 * its outcome), else done here.  0 or -1 with an error. */
static int push(const struct gf_act_ctx *ctx, const struct gf_action *a)
{
    const struct gf_policy *p = ctx->p;
    struct gf_push_opts o = {0};
    struct gf_push_result r;
    virConnectPtr src, dst;

    if (a->hv < 0 || a->hv >= p->nhypervisors || a->from < 0 || a->from >= p->nhypervisors ||
        !(src = ctx->conns[a->from]) || !(dst = ctx->conns[a->hv])) {
        gf_err(GF_ERR_OP, "no connection to its hypervisors");
        return -1;
    }
    o.pool = p->hypervisors[a->hv].pool[0] ? p->hypervisors[a->hv].pool : NULL;
    o.target_uri = p->hypervisors[a->hv].uri;
    if (ctx->pushes)
        return gf_push_jobs_start(ctx->pushes, src, dst, p->image, a->version, o.target_uri,
                                  o.pool);
    return gf_push(src, p->image, a->version, dst, &o, &r);
}

int act_farm(const struct gf_act_ctx *ctx, const struct gf_plan *plan, const struct gf_action *a)
{
    const struct gf_policy *p = ctx->p;
    const struct gf_host_obs *h = gf_farm_host(ctx->farm, a->host);
    virConnectPtr conn;
    virDomainPtr dom;
    int ret;

    switch (a->kind) {
    case GF_ACT_ROLLOUT:
        return 0; /* the record is saved once the plan is carried out (gf_act) */
    case GF_ACT_OPEN_BREAKER:
        return open_breaker(ctx, plan->breaker);
    case GF_ACT_PROMOTE:
        if (a->hv < 0 || a->hv >= p->nhypervisors || !(conn = ctx->conns[a->hv])) {
            gf_err(GF_ERR_OP, "no connection to its hypervisor");
            return -1;
        }
        return gf_image_promote(conn, p->image, a->version, NULL);
    case GF_ACT_PUSH:
        return push(ctx, a);
    case GF_ACT_NOTIFY:
        return gf_drain_notify(ctx, a->host);
    case GF_ACT_MARK_READY:
        if (!h || h->hv < 0 || !(conn = ctx->conns[h->hv]) ||
            !(dom = virDomainLookupByName(conn, a->host))) {
            gf_err(GF_ERR_OP, "host '%s' is not reachable", a->host);
            return -1;
        }
        ret = act_mark_time(dom, ACT_MARK_READY, ctx->now);
        virDomainFree(dom);
        return ret;
    default:
        gf_err(GF_ERR_OP, "not an action on the farm");
        return -1;
    }
}

int gf_drain_notify(const struct gf_act_ctx *ctx, const char *host)
{
    const struct gf_host_obs *h = gf_farm_host(ctx->farm, host);
    virConnectPtr conn = h && h->hv >= 0 ? ctx->conns[h->hv] : NULL;
    char sessions[16];
    virDomainPtr dom;
    int ret;

    if (!conn || !(dom = virDomainLookupByName(conn, host))) {
        gf_err(GF_ERR_OP, "host '%s' is not reachable", host);
        return -1;
    }
    snprintf(sessions, sizeof(sessions), "%d", h->sessions > 0 ? h->sessions : 0);
    act_run_hook(&ctx->p->drain_hook, "broker", "drain", host, NULL);
    act_run_hook(&ctx->p->notify, "notify", host, sessions, NULL);
    ret = act_mark_time(dom, ACT_MARK_NOTIFIED, ctx->now);
    virDomainFree(dom);
    return ret;
}

int act_save_rollout(const struct gf_act_ctx *ctx, const struct gf_plan *plan)
{
    if (!ctx->state_dir || !plan->rollout_changed)
        return 0;
    return gf_rollout_save(ctx->state_dir, ctx->p->name, &plan->rollout);
}
