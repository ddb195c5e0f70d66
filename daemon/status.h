/* status.h - what goldfarmd shows of itself: a status file per farm for
 * `vmctl farm status`, and a Prometheus textfile for node_exporter. */
#ifndef GF_STATUS_H
#define GF_STATUS_H

#include "farmd.h"

/* Write STATE_DIR/FARM.status (JSON) for farm F after a tick at NOW.
 * BLIND lists unreachable hypervisors ("" if none).  Failures are logged. */
void gfd_write_status(struct gfd *d, struct gfd_farm *f, const struct gf_farm_obs *farm, time_t now,
                      int paused, const char *blind);

/* Write the metrics of every farm of D to D->metrics (default
 * STATE_DIR/goldfarm.prom), atomically.  Failures are logged. */
void gfd_write_metrics(struct gfd *d);

#endif
