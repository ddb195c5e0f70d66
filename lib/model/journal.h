/* journal.h - operations in flight, so a crash is finished or undone.
 *
 * libvirt holds Goldfarm's state; the journal (a small append-only file in
 * the state directory) holds only what is half done: a clone whose volumes
 * exist but whose domain may not, a retirement whose domain is gone but
 * whose volumes may not be.  On start, each open entry is undone (a clone)
 * or finished (a retirement), so a kill -9 at any point leaves neither an
 * orphaned disk or domain nor a duplicate host.
 */
#ifndef GF_JOURNAL_H
#define GF_JOURNAL_H

#include <pthread.h>
#include <stdio.h>

#include <libvirt/libvirt.h>

struct gf_journal {
    char path[4096];
    FILE *file;
    pthread_mutex_t lock;
    unsigned long next_id;
};

/* Open (creating) the journal in STATE_DIR.  Returns a new journal to close
 * with gf_journal_close, or NULL with an error. */
struct gf_journal *gf_journal_open(const char *state_dir);

/* Close J; accepts NULL. */
void gf_journal_close(struct gf_journal *j);

/* Begin operation OP ("clone", "retire") on HOST at hypervisor URI: the
 * entry is on disk (fsync) before this returns.  Returns its id (> 0), or 0
 * with an error.  J may be NULL (no journal: returns 1, records nothing). */
unsigned long gf_journal_begin(struct gf_journal *j, const char *op, const char *host,
                               const char *uri);

/* Record that entry ID made or owns the volume PATH.  0 or -1. */
int gf_journal_volume(struct gf_journal *j, unsigned long id, const char *path);

/* Close entry ID: the operation completed or was undone.  0 or -1. */
int gf_journal_end(struct gf_journal *j, unsigned long id);

/* Finish or undo every open entry of J.  CONNECT returns a connection for a
 * URI (NULL if unreachable: that entry stays open for the next start);
 * the callback owns the connections.  Each step is logged with gf_note.
 * Returns the number of entries left open, or -1 with an error. */
int gf_journal_recover(struct gf_journal *j,
                       virConnectPtr (*connect)(void *opaque, const char *uri), void *opaque);

/* Test-only crash points: GOLDFARM_CRASH=POINT makes the process abort()
 * at POINT, as a kill -9 would stop it, with no cleanup.  The points:
 * clone-volume, clone-defined, clone-started, retire-stopped,
 * retire-undefined. */
void gf_crash_point(const char *point);

/* For in-process tests on libvirt's test driver, whose state dies with the
 * process: call HANDLER (which must not return, e.g. longjmp) instead of
 * abort().  NULL restores abort(). */
void gf_crash_set_handler(void (*handler)(const char *point));

#endif
