/* farmd_rollout.h - goldfarmd's side of a roll-out: the requests vmctl leaves in
 * the state directory, the record after each plan, and the promotion put
 * back when a roll-out goes back. */
#ifndef GFD_FARMD_ROLLOUT_H
#define GFD_FARMD_ROLLOUT_H

#include <time.h>

#include "farmd.h"

/* Before farm F's plan at NOW: read its roll-out record, apply the pending
 * requests (each refusal logged as an error), and point FARM->rollout at
 * the record when there is one. */
void gfd_rollout_prepare(struct gfd *d, struct gfd_farm *f, struct gf_farm_obs *farm, time_t now);

/* Record in the metadata of each of FARM's active hosts that is ready for
 * the first time during a roll-out that it is (ready-since), so the gate
 * knows it after a restart too.  Failures are logged. */
void gfd_rollout_mark_ready(struct gfd_farm *f, struct gf_farm_obs *farm, time_t now);

/* After F's plan was carried out: save the record the plan left when it
 * changed, log its phase changes (going back at error level), and when it
 * goes back from a version that was the image's promoted one, promote the
 * old version again on F's hypervisors. */
void gfd_rollout_finish(struct gfd *d, struct gfd_farm *f, const struct gf_farm_obs *farm,
                        time_t now);

#endif
