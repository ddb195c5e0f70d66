/* sim_standby.h - the simulator's model of how fast a started host serves.
 *
 * A shut-off host (a standby of kind off, or one someone shut off) boots:
 * it serves boot_time after its start.  A saved standby restores its
 * memory: restore_time (by default a fifth of boot_time, at least 1 s).
 * A running standby serves at once: it only joins the broker.  A saved or
 * running standby is made by booting a clone (boot_time, running, costing
 * host-hours); a saved one then stops costing them once it is saved. */
#ifndef GF_SIM_STANDBY_H
#define GF_SIM_STANDBY_H

#include <time.h>

#include "base/standby.h"
#include "simulate/simulate.h"

/* The seconds a saved standby takes to restore under O. */
int gf_sim_restore_time(const struct gf_sim_opts *o);

/* When a host started at T as a standby of KIND (GF_SB_OFF: a plain boot)
 * serves users, under O. */
time_t gf_sim_ready_at(const struct gf_sim_opts *o, enum gf_standby_kind kind, time_t t);

#endif
