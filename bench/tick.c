/* tick.c - bench/tick's program: goldfarmd's tick in-process, against a naive per-domain poller.
 *
 * usage: gf-tick-bench tick|poll URI POLICIES_DIR STATE_DIR RUNS
 *
 * Opens URI once (libvirt's test driver: test:///ABSOLUTE/PATH/farm.xml; its state lives as
 * long as this connection), then runs RUNS times, each timed:
 *
 *   tick  gfd_tick of goldfarmd's core on the one farm of POLICIES_DIR (observe with bulk
 *         statistics, plan, act, status, metrics, decision log), set up as goldfarmd sets it
 *         up: libvirt's default event loop registered and events on (so its metadata cache
 *         is on), its own connection to the policy's URI, one action thread;
 *   poll  the same observation the way a naive per-domain poller gets it: list the domains,
 *         then for each: look it up by name, virDomainGetState, virDomainGetInfo, its
 *         Goldfarm metadata (virDomainGetMetadata), and for the farm's hosts
 *         virDomainGetVcpusFlags and virDomainMemoryStats; the node's free memory; then the
 *         same session source and the same planner (no status files).
 *
 * Prints one line per run: "RUN SECONDS HOSTS" (HOSTS: the farm's hosts seen), on stdout.
 * RUNS may be 0 (set-up only): bench/tick counts libvirt calls with ltrace as the
 * difference between RUNS = K+1 and RUNS = K, which is one run's calls and nothing else.
 *
 * usage: gf-tick-bench usage HOSTS POLICY STATE_DIR RUNS
 *
 * The CPU and memory computation alone, in-process, without libvirt: a farm of HOSTS
 * running hosts whose vCPU counters and balloon figures move each run, ticked every
 * farm.tick of POLICY (a policy with vertical rules and CPU and memory weighed).  Each
 * run times: the hosts' samples and their smoothing (gf_usage_update), the planner with
 * POLICY against the planner with the same policy without vertical rules and weights (the
 * difference: the rules' and the signals' cost), the hosts' use encoded for the farm's
 * memory file and decoded (gf_usage_encode, gf_usage_decode: CPU only), and that file
 * written (with its fsync) and read with the hosts' use in it against without.  Prints one
 * line per run: "RUN UPDATE_S PLAN_S PLAN_PLAIN_S ENCODE_S DECODE_S SAVE_S SAVE_PLAIN_S
 * LOAD_S LOAD_PLAIN_S".
 *
 * usage: gf-tick-bench agent HOSTS DELAY_MS RUNS
 *
 * The agent load source's phase alone: HOSTS running domains on test:///default, each
 * guest-agent call delayed by DELAY_MS (the fault seam GF_FAULT_AGENT_DELAY_MS: a
 * remote hypervisor's round trip; the test driver's agent itself does not answer).  Each
 * run times goldfarmd's phase (gf_load_from_agents: concurrent, GF_AGENT_PARALLEL at a
 * time, domains kept by UUID, load.agent_interval 0: every host asked) against the old
 * one-by-one path (for each host virDomainLookupByName then virDomainGetGuestInfo, through
 * the same seam).  Prints "RUN CONCURRENT_S SEQUENTIAL_S PEAK" per run (PEAK: the most
 * agent calls in flight at once in the concurrent phase).
 *
 * usage: gf-tick-bench soak URI POLICIES_DIR STATE_DIR TICKS
 *
 * goldfarmd set up as in the tick mode, ticked TICKS times with churn: after each tick
 * one host (in turn) is retired through the library (gf_retire: undefined, its volume
 * deleted) and cloned again under the same name (a new domain, a new UUID), so the
 * metadata cache, the disk index and the agent answers see domains come and go.  Every
 * TICKS/20 ticks prints "TICK HOSTS RSSANON_KIB" (this process's RssAnon, from
 * /proc/self/status; the test driver's model of the node lives in it too).  libvirt's
 * event loop runs in a thread, as goldfarmd runs it in its main thread (undispatched
 * events would pile up in libvirt's queue), so the events' callbacks run too.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "act/act.h"
#include "base/error.h"
#include "base/fault.h"
#include "farmd.h"
#include "farmd_int.h"
#include "model/clone.h"
#include "base/log.h"
#include "model/meta.h"
#include "observe/kept.h"
#include "observe/observe.h"
#include "plan/plan.h"
#include "policy/schedule.h"
#include "reconcile/memory.h"
#include "reconcile/usage.h"

#include <glib.h>

static virConnectPtr shared;

static virConnectPtr inject(void *opaque, const char *uri)
{
    (void)opaque;
    (void)uri;
    return shared;
}

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libvirt's errors are the program's to report: not printed by libvirt. */
static void quiet_virt(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static void quiet(int level, const char *line)
{
    if (getenv("GF_BENCH_VERBOSE"))
        fprintf(stderr, "goldfarmd: <%d>%s\n", level, line);
}

/* One naive poll of policy P's farm on CONN into OUT, then a plan.  Returns the hosts seen. */
static int naive_poll(const struct gf_policy *p, virConnectPtr conn, time_t now)
{
    struct gf_farm_obs farm;
    struct gf_plan plan;
    struct gf_local local;
    virDomainPtr *doms = NULL;
    char **names;
    int n, seen;
    unsigned long long free_bytes;

    memset(&farm, 0, sizeof(farm));
    if ((n = virConnectListAllDomains(conn, &doms, 0)) < 0) {
        fprintf(stderr, "gf-tick-bench: listing domains: %s\n", virGetLastErrorMessage());
        exit(1);
    }
    /* A poller keeps names, not handles, between polls: list, then look each one up. */
    names = calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        names[i] = strdup(virDomainGetName(doms[i]));
        virDomainFree(doms[i]);
    }
    free(doms);
    farm.hosts = calloc((size_t)n + 1, sizeof(*farm.hosts));
    for (int i = 0; i < n; i++) {
        virDomainPtr dom = virDomainLookupByName(conn, names[i]);
        virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
        virDomainInfo info;
        struct gf_meta m;
        int state = 0, reason = 0, managed, nstats;
        struct gf_host_obs *h;
        if (!dom)
            continue;
        virDomainGetState(dom, &state, &reason, 0);
        virDomainGetInfo(dom, &info);
        managed = gf_meta_get(dom, &m);
        if (managed != 1 || m.role != GF_ROLE_HOST || strcmp(m.farm, p->name) != 0) {
            virDomainFree(dom);
            continue;
        }
        h = &farm.hosts[farm.nhosts++];
        snprintf(h->name, sizeof(h->name), "%s", names[i]);
        h->hv = 0;
        h->run = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED ? GF_RUN_RUNNING
                 : state == VIR_DOMAIN_SHUTOFF                              ? GF_RUN_OFF
                                                                            : GF_RUN_OTHER;
        h->state = m.state;
        h->image_version = m.image_version;
        h->sessions = h->active_sessions = -1;
        h->vcpus = virDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_CURRENT);
        h->memory_kib = info.memory;
        h->cpu_pct = -1;
        h->mem_avail_pct = -1;
        nstats = virDomainMemoryStats(dom, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);
        for (int k = 0; k < nstats; k++)
            if (stats[k].tag == VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON)
                h->memory_kib = stats[k].val;
        h->since = m.since;
        virDomainFree(dom);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    farm.hv[0].reachable = 1;
    if ((free_bytes = virNodeGetFreeMemory(conn)) > 0)
        farm.hv[0].free_kib = free_bytes >> 10;
    else {
        virNodeInfo node;
        virResetLastError();
        if (virNodeGetInfo(conn, &node) == 0)
            farm.hv[0].free_kib = node.memory; /* a rough figure is enough here */
    }
    gf_local_time(p->timezone, now, &local);
    local.t = now;
    if (gf_load_sessions(p, &conn, &local, &farm) < 0) {
        fprintf(stderr, "gf-tick-bench: sessions: %s\n", gf_err_message());
        exit(1);
    }
    gf_plan(p, &farm, &local, &plan);
    seen = farm.nhosts;
    gf_farm_obs_clear(&farm);
    return seen;
}

/* The farm of the usage mode: N running hosts of 2 vCPUs and 4G, their counters at run
 * R (each host its own steady use between the policy's marks, plus a little movement). */
static void usage_farm(struct gf_farm_obs *farm, struct gf_host_obs *hosts, int n, int r, int tick)
{
    memset(farm, 0, sizeof(*farm));
    for (int i = 0; i < n; i++) {
        struct gf_host_obs *h = &hosts[i];
        double pct = 30 + (i % 40) + (r % 3);
        if (r == 0) {
            memset(h, 0, sizeof(*h));
            snprintf(h->name, sizeof(h->name), "bench-%04d", i + 1);
            h->run = GF_RUN_RUNNING;
            h->state = GF_HS_ACTIVE;
            h->sessions = h->active_sessions = 7 + i % 2;
            h->vcpus = 2;
            h->vcpus_max = 4;
            h->memory_kib = h->memory_max_kib = 4ULL << 20;
            h->load_cpu_pct = h->load_mem_pct = -1;
            h->since = 1796198400 - 86400;
        }
        h->vcpu_ns += (unsigned long long)(pct / 100.0 * 2 * tick * 1e9);
        h->mem_total_kib = 4ULL << 20;
        h->mem_avail_kib = (unsigned long long)((20 + i % 25 + r % 2) * (double)(4ULL << 20) / 100);
    }
    farm->hosts = hosts;
    farm->nhosts = n;
    farm->hv[0].reachable = 1;
    farm->hv[0].free_kib = 1ULL << 40;
    farm->hv[0].cpus = 64;
    farm->hv[0].vcpus_used = 2 * n;
}

/* The usage mode (see the top of this file).  Returns main's exit code. */
static int usage_mode(int n, const char *policy_file, const char *state_dir, int runs)
{
    struct gf_policy *p = NULL, *plain = NULL;
    struct gf_host_obs *hosts = calloc((size_t)n + 1, sizeof(*hosts));
    struct gf_host_obs *work = calloc((size_t)n + 1, sizeof(*work));
    struct gf_plan *plan = malloc(sizeof(*plan));
    struct gf_farm_mem mem = {0}, back, none = {0};
    char *errors = NULL;
    time_t t = 1796198400; /* 2026-12-02T08:00:00Z */
    int ret = 1;

    if (!hosts || !work || !plan) {
        fprintf(stderr, "gf-tick-bench: out of memory\n");
        goto done;
    }
    if (!(p = gf_policy_load(policy_file, &errors)) ||
        !(plain = gf_policy_load(policy_file, &errors))) {
        fprintf(stderr, "gf-tick-bench: %s", errors ? errors : "out of memory\n");
        goto done;
    }
    plain->max_vcpus = 0;
    plain->max_memory_kib = 0;
    plain->weight[GF_SIG_CPU] = plain->weight[GF_SIG_MEMORY] = 0;
    for (int r = 0; r <= runs; r++, t += p->tick) {
        struct gf_farm_obs farm;
        struct gf_local now;
        double t0, update, planned, plain_planned, encode, decode, save, save_plain, load,
            load_plain;
        struct gf_usage decoded;
        char *text;
        usage_farm(&farm, hosts, n, r, p->tick);
        gf_local_time(p->timezone, t, &now);
        t0 = mono();
        if (gf_usage_update(&mem.usage, p, &farm, t) < 0)
            goto failed;
        update = mono() - t0;
        memcpy(work, hosts, (size_t)n * sizeof(*work));
        farm.hosts = work;
        t0 = mono();
        gf_plan(p, &farm, &now, plan);
        planned = mono() - t0;
        t0 = mono();
        gf_plan(plain, &farm, &now, plan);
        plain_planned = mono() - t0;
        t0 = mono();
        text = gf_usage_encode(&mem.usage);
        encode = mono() - t0;
        t0 = mono();
        if (gf_usage_decode(text, &decoded) < 0)
            goto failed;
        decode = mono() - t0;
        g_free(text);
        gf_usage_clear(&decoded);
        t0 = mono();
        if (gf_mem_save(state_dir, p->name, &mem) < 0)
            goto failed;
        save = mono() - t0;
        t0 = mono();
        if (gf_mem_load(state_dir, p->name, &back) < 0)
            goto failed;
        load = mono() - t0;
        gf_mem_clear(&back);
        t0 = mono();
        if (gf_mem_save(state_dir, p->name, &none) < 0)
            goto failed;
        save_plain = mono() - t0;
        t0 = mono();
        if (gf_mem_load(state_dir, p->name, &back) < 0)
            goto failed;
        load_plain = mono() - t0;
        gf_mem_clear(&back);
        if (r > 0) /* the first run has no CPU figure yet: a warm-up */
            printf("%d %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f\n", r, update, planned,
                   plain_planned, encode, decode, save, save_plain, load, load_plain);
    }
    ret = 0;
    goto done;
failed:
    fprintf(stderr, "gf-tick-bench: %s\n", gf_err_message());
done:
    free(errors);
    gf_mem_clear(&mem);
    gf_policy_free(p);
    gf_policy_free(plain);
    free(hosts);
    free(work);
    free(plan);
    return ret;
}

/* This process's RssAnon in KiB, or -1. */
static long rss_anon(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char line[256];
    long kib = -1;

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "RssAnon: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* The agent mode (see the top of this file).  Returns main's exit code. */
static int agent_mode(int n, const char *delay_ms, int runs)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    struct gf_policy *p = calloc(1, sizeof(*p));
    struct gf_farm_obs farm = {0};
    char delay[32];

    if (!conn || !p || !(farm.hosts = calloc((size_t)n + 1, sizeof(*farm.hosts)))) {
        fprintf(stderr, "gf-tick-bench: cannot set up the agent phase\n");
        return 1;
    }
    snprintf(delay, sizeof(delay), "%s", delay_ms);
    setenv("GF_FAULT_AGENT_DELAY_MS", delay, 1);
    snprintf(p->name, sizeof(p->name), "bench");
    p->nhypervisors = 1;
    p->load_source = GF_LOAD_AGENT;
    for (int i = 0; i < n; i++) {
        char xml[512];
        virDomainPtr dom;
        snprintf(xml, sizeof(xml),
                 "<domain type='test'><name>agent-%04d</name><memory unit='MiB'>64</memory>"
                 "<os><type arch='x86_64'>hvm</type></os></domain>",
                 i);
        if (!(dom = virDomainDefineXML(conn, xml)) || virDomainCreate(dom) < 0) {
            fprintf(stderr, "gf-tick-bench: %s\n", virGetLastErrorMessage());
            return 1;
        }
        snprintf(farm.hosts[i].name, sizeof(farm.hosts[i].name), "agent-%04d", i);
        virDomainGetUUID(dom, farm.hosts[i].uuid);
        farm.hosts[i].run = GF_RUN_RUNNING;
        virDomainFree(dom);
    }
    farm.nhosts = n;
    for (int r = 0; r <= runs; r++) {
        double t0 = mono(), concurrent, sequential;
        long calls;
        int peak;
        gf_fault_agent_counts(&calls, &peak, 1);
        gf_load_from_agents(p, &conn, &farm);
        concurrent = mono() - t0;
        gf_fault_agent_counts(&calls, &peak, 1);
        t0 = mono();
        for (int i = 0; i < n; i++) { /* the old path: a lookup, then the agent, in turn */
            virTypedParameterPtr params = NULL;
            int nparams = 0;
            virDomainPtr dom = virDomainLookupByName(conn, farm.hosts[i].name);
            if (!dom)
                continue;
            gf_fault_agent_begin();
            virDomainGetGuestInfo(dom, VIR_DOMAIN_GUEST_INFO_USERS, &params, &nparams, 0);
            gf_fault_agent_end();
            virTypedParamsFree(params, nparams);
            virDomainFree(dom);
            virResetLastError();
        }
        sequential = mono() - t0;
        if (r > 0) /* the first: a warm-up (the domains looked up once) */
            printf("%d %.6f %.6f %d\n", r, concurrent, sequential, peak);
    }
    gf_load_agents_forget(NULL, NULL);
    free(farm.hosts);
    free(p);
    virConnectClose(conn);
    return 0;
}

/* libvirt's event loop, as goldfarmd's main thread runs it: the soak's churn makes
 * lifecycle events, which wait in libvirt's queue until dispatched. */
static void *event_loop(void *arg)
{
    (void)arg;
    for (;;)
        if (virEventRunDefaultImpl() < 0)
            return NULL;
}

/* One churn step of the soak mode: host K of F's farm (bench-KKKK) retired and
 * cloned again under its name.  0, or -1. */
static int churn(struct gfd_farm *f, int k)
{
    virConnectPtr conn = gfd_farm_conn(f, 0);
    char name[64];
    virDomainPtr dom;
    struct gf_clone_opts opts = {0};
    int ret = -1;

    if (!conn)
        return -1;
    snprintf(name, sizeof(name), "%s-%04d", f->policy->name, k);
    if ((dom = virDomainLookupByName(conn, name))) {
        if (gf_meta_set_state(dom, GF_HS_DRAINING, "soak", time(NULL)) < 0 ||
            gf_retire(dom, NULL, 1, 1) < 0) {
            virDomainFree(dom);
            goto done;
        }
        virDomainFree(dom);
    }
    virResetLastError();
    opts.farm = f->policy->name;
    opts.start = 1;
    opts.reason = "soak";
    ret = gf_clone(conn, f->policy->image, name, &opts);
done:
    virConnectClose(conn);
    return ret;
}

int main(int argc, char **argv)
{
    struct gfd d;
    int runs;
    int poll, soak;

    if (argc == 6 && strcmp(argv[1], "usage") == 0) {
        gf_err_init();
        return usage_mode(atoi(argv[2]), argv[3], argv[4], atoi(argv[5]));
    }
    if (argc == 5 && strcmp(argv[1], "agent") == 0) {
        gf_log_set_sink(quiet);
        gf_err_init();
        virSetErrorFunc(NULL, quiet_virt);
        return agent_mode(atoi(argv[2]), argv[3], atoi(argv[4]));
    }

    if (argc != 6 || (strcmp(argv[1], "tick") != 0 && strcmp(argv[1], "poll") != 0 &&
                      strcmp(argv[1], "soak") != 0)) {
        fprintf(stderr, "usage: gf-tick-bench tick|poll|soak URI POLICIES_DIR STATE_DIR RUNS\n"
                        "       gf-tick-bench usage HOSTS POLICY STATE_DIR RUNS\n"
                        "       gf-tick-bench agent HOSTS DELAY_MS RUNS\n");
        return 2;
    }
    poll = strcmp(argv[1], "poll") == 0;
    soak = strcmp(argv[1], "soak") == 0;
    runs = atoi(argv[5]);
    gf_log_set_sink(quiet);
    gf_err_init();
    memset(&d, 0, sizeof(d));
    if (poll) {
        if (!(shared = virConnectOpen(argv[2]))) {
            fprintf(stderr, "gf-tick-bench: cannot open %s: %s\n", argv[2],
                    virGetLastErrorMessage());
            return 1;
        }
        d.connect = inject; /* the poller uses the daemon's policy and load source only */
    } else {
        /* as goldfarmd: events on (metadata cache), its own connection (-c URI) */
        if (virEventRegisterDefaultImpl() < 0) {
            fprintf(stderr, "gf-tick-bench: cannot set up libvirt's event loop\n");
            return 1;
        }
        d.events = 1;
        d.uri_override = argv[2];
    }
    d.parallel = 1;
    if (gfd_start(&d, argv[3], argv[4]) < 0 || d.nfarms != 1) {
        fprintf(stderr, "gf-tick-bench: %s\n",
                d.nfarms != 1 ? "expected one farm" : gf_err_message());
        return 1;
    }
    if (soak) {
        int every = runs / 20 > 0 ? runs / 20 : 1, hosts = 0;
        pthread_t loop;
        virSetErrorFunc(NULL, quiet_virt);
        if (pthread_create(&loop, NULL, event_loop, NULL) != 0 || pthread_detach(loop) != 0) {
            fprintf(stderr, "gf-tick-bench: cannot run libvirt's event loop\n");
            return 1;
        }
        for (int r = 0; r < runs; r++) {
            /* the tick first: it connects the farm; the churn before the next one */
            if (gfd_tick(&d, d.farms[0], time(NULL)) < 0 || churn(d.farms[0], 1 + r % 1000) < 0) {
                fprintf(stderr, "gf-tick-bench: soak tick %d failed: %s\n", r + 1,
                        gf_err_message());
                return 1;
            }
            hosts =
                d.farms[0]->plan.in_service + d.farms[0]->plan.standby + d.farms[0]->plan.draining;
            if (r == 0 || (r + 1) % every == 0) {
                printf("%d %d %ld\n", r + 1, hosts, rss_anon());
                fflush(stdout);
            }
        }
        gfd_stop(&d);
        return 0;
    }
    for (int r = 0; r < runs; r++) {
        time_t now = time(NULL);
        double t0 = mono(), t;
        long served = gf_kept_served();
        int hosts;
        if (poll)
            hosts = naive_poll(d.farms[0]->policy, shared, now);
        else {
            if (gfd_tick(&d, d.farms[0], now) < 0) {
                fprintf(stderr, "gf-tick-bench: tick failed: %s\n", gf_err_message());
                return 1;
            }
            hosts =
                d.farms[0]->plan.in_service + d.farms[0]->plan.standby + d.farms[0]->plan.draining;
            if (d.farms[0]->plan.nactions) {
                char line[512];
                gf_action_line(d.farms[0]->policy, &d.farms[0]->plan.actions[0], line,
                               sizeof(line));
                fprintf(stderr, "gf-tick-bench: the farm is not steady: %d actions, first: %s\n",
                        d.farms[0]->plan.nactions, line);
                return 1;
            }
        }
        t = mono() - t0;
        /* and whether the observation was the one kept (observe/kept.h) */
        printf("%d %.6f %d %d\n", r + 1, t, hosts, gf_kept_served() > served);
    }
    gfd_stop(&d);
    if (shared)
        virConnectClose(shared);
    return 0;
}
