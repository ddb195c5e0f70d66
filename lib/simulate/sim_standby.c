/* sim_standby.c - the simulator's start-time model (sim_standby.h). */
#include "simulate/sim_standby.h"

int gf_sim_restore_time(const struct gf_sim_opts *o)
{
    if (o->restore_time > 0)
        return o->restore_time;
    return o->boot_time >= 10 ? o->boot_time / 5 : 1;
}

time_t gf_sim_ready_at(const struct gf_sim_opts *o, enum gf_standby_kind kind, time_t t)
{
    switch (kind) {
    case GF_SB_RUNNING:
        return t;
    case GF_SB_SAVED:
        return t + gf_sim_restore_time(o);
    default:
        return t + o->boot_time;
    }
}
