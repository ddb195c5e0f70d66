/* sim_load.c - the CPU and memory a simulated farm's users keep busy. */
#include "simulate/sim_load.h"

void gf_sim_load_fill(const struct gf_policy *p, const struct gf_trace *tr,
                      const struct gf_trace_row *row, struct gf_farm_obs *farm,
                      struct gf_sim_short *shortage)
{
    long long sessions = 0;
    int running = 0;

    shortage->cpu = shortage->memory = 0;
    for (int i = 0; i < farm->nhosts; i++)
        if (farm->hosts[i].run == GF_RUN_RUNNING) {
            running++;
            sessions += farm->hosts[i].sessions > 0 ? farm->hosts[i].sessions : 0;
        }
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        double share;
        if (h->run != GF_RUN_RUNNING)
            continue;
        share = sessions ? (double)(h->sessions > 0 ? h->sessions : 0) / (double)sessions
                         : 1.0 / running;
        if (row && tr->has_cpu && h->vcpus > 0) {
            double pct = row->cpu * share / h->vcpus;
            h->load_cpu_pct = pct > 100 ? 100 : pct;
            shortage->cpu += h->load_cpu_pct > p->cpu_above;
        }
        if (row && tr->has_memory && h->memory_kib) {
            double used = row->memory_mib * 1024.0 * share;
            h->load_mem_pct =
                used < (double)h->memory_kib ? 100.0 * (1.0 - used / (double)h->memory_kib) : 0;
            shortage->memory += h->load_mem_pct < p->memory_below;
        }
    }
}
