/* farmd.h - goldfarmd's core: its farms, their ticks, reload, status.
 *
 * A library, so the tests drive ticks with an injected clock on one libvirt
 * connection (the test driver's state lives as long as its connection),
 * and model a daemon restart as a fresh struct gfd on the same connection.
 */
#ifndef GF_FARMD_H
#define GF_FARMD_H

#include <time.h>

#include "gfd.h"

/* Set D up: take the lock of STATE_DIR (one daemon per state directory:
 * a second one is refused, naming the first's pid), read every policy in
 * POLICIES_DIR (*.conf), open the journal in STATE_DIR and finish or undo
 * what a crash left.  A bad policy file
 * at start is an error: every error of every file is printed to stderr.
 * Returns 0, or -1 with an error. */
int gfd_start(struct gfd *d, const char *policies_dir, const char *state_dir);

/* Re-read the policies (SIGHUP): a file with errors keeps its farm's
 * previous policy and the errors are logged; new files add farms, removed
 * files drop theirs.  Returns the number of files with errors. */
int gfd_reload(struct gfd *d);

/* gfd_reload, the first error line into WHY (LEN bytes) when a file has
 * errors. */
int gfd_reload_why(struct gfd *d, char *why, size_t len);

/* Check every policy in POLICIES_DIR as gfd_start would load them (each
 * file, then the farms they name against each other), printing every
 * error to stderr; connects to nothing.  Returns 0 with the number of
 * farms in *NFARMS, or -1 with an error (GF_ERR_INPUT when a file has
 * errors). */
int gfd_check(const char *policies_dir, int *nfarms);

/* Tick every farm whose time has come (all with FORCE), at NOW.  Returns
 * the seconds until the next farm is due. */
int gfd_tick_due(struct gfd *d, time_t now, int force);

/* One tick of farm F at NOW: reconnect what was lost, observe, plan, act
 * (unless paused or blind), log each decision once, write status and
 * metrics.  Returns 0, or -1 when the farm could not be observed. */
int gfd_tick(struct gfd *d, struct gfd_farm *f, time_t now);

/* Wait for every farm's push under way to end (its progress logged every
 * 10 s), then take its outcome into the farm's memory, saved: a --once run
 * neither cancels the push it started nor leaves it unreported. */
void gfd_settle_pushes(struct gfd *d);

/* Run each farm of D in a thread of its own from now on: it ticks when due
 * or woken by an event, so one farm's hook, retirement or slow hypervisor
 * never delays another farm's tick or crash handling.  The caller's thread
 * keeps running libvirt's event loop.  0, or -1 with an error. */
int gfd_run(struct gfd *d);

/* Ask every farm's thread to end once its tick under way is done. */
void gfd_run_stop(struct gfd *d);

/* Join the farm threads that have ended (those a reload removed, or all
 * after gfd_run_stop).  Returns how many still run. */
int gfd_run_reap(struct gfd *d);

/* An event asks farm F for a tick now. */
void gfd_farm_wake(struct gfd_farm *f);

/* Free everything of D (connections, journal, farms); accepts a zeroed D.
 * Its control socket, if any, is stopped first (gfd_control_stop). */
void gfd_stop(struct gfd *d);

#endif
