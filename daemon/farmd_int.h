/* farmd_int.h - what goldfarmd's core files share (farm.c, policies.c,
 * status.c, farmd.c, run.c).  Internal to daemon/. */
#ifndef GF_FARMD_INT_H
#define GF_FARMD_INT_H

#include "farmd.h"

/* (Re)connect farm F's hypervisor I when due, with a backoff doubling to
 * 60 s.  0 when connected, -1 when still blind. */
int gfd_reconnect(struct gfd_farm *f, int i, time_t now);

/* Farm F's connection I with a reference of the caller's (virConnectClose
 * drops it), or NULL when F is not connected there: for another thread
 * than F's own. */
virConnectPtr gfd_farm_conn(struct gfd_farm *f, int i);

/* Drop farm F's connection I (its event callbacks too). */
void gfd_disconnect(struct gfd_farm *f, int i);

/* A new connection of D for URI: the injected connector's, -c's, or
 * gf_connect's.  NULL with an error. */
virConnectPtr gfd_open_uri(struct gfd *d, const char *uri);

/* Whether D's connections are its own to close (not a test's). */
int gfd_owns_connections(const struct gfd *d);

/* The journal's connector: a connection for URI from D's farms, or NULL. */
virConnectPtr gfd_journal_connect(void *opaque, const char *uri);

/* Read the policies of D->policies_dir; at START every file must be good.
 * The first error line into WHY (LEN bytes; NULL: not wanted).  Returns
 * the number of files with errors, or -1 with an error. */
int gfd_load_policies(struct gfd *d, int start, char *why, size_t len);

/* Free farm F, its memory and its connections; accepts NULL. */
void gfd_farm_free(struct gfd_farm *f);

/* A new farm of D for policy P (now the farm's) read from FILE, its memory
 * loaded from D's state directory; NULL when out of memory. */
struct gfd_farm *gfd_farm_new(struct gfd *d, struct gf_policy *p, const char *file);

/* Ask farm F's thread to end once its tick under way is done. */
void gfd_farm_stop(struct gfd_farm *f);

/* Farm F was removed from threaded D by a reload: its thread ends after its
 * tick under way; gfd_run_reap joins and frees it. */
void gfd_farm_retire(struct gfd *d, struct gfd_farm *f);

#endif
