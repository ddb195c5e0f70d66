/* status.h - what goldfarmd shows of itself: a status file per farm for
 * `vmctl farm status`, and a Prometheus textfile for node_exporter. */
#ifndef GF_STATUS_H
#define GF_STATUS_H

#include "gfd.h"

/* Write STATE_DIR/FARM.status (JSON) for farm F after a tick at NOW.
 * BLIND lists unreachable hypervisors ("" if none).  Failures are logged. */
void gfd_write_status(struct gfd *d, struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now,
                      int paused, const char *blind);

/* Keep what the metrics need of farm F's tick at NOW: its first tick, and
 * when GOOD (every hypervisor seen, the farm planned) the time of that tick,
 * its quarantined hosts, and its roll-out's progress from FARM. */
void gfd_metrics_note(struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now, int good);

/* Write the metrics of every farm of D to D->metrics (default
 * STATE_DIR/goldfarm.prom), atomically.  Failures are logged. */
void gfd_write_metrics(struct gfd *d);

#endif
