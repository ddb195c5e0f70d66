/* journal.h - operations in flight, so a crash is finished or undone.
 *
 * libvirt holds Goldfarm's state; the journal (STATE_DIR/journal, 0600,
 * append-only) holds only what is half done.  Each step is written down
 * (and synced) before it is taken: an operation begins, a volume is about
 * to be made, a domain is about to be defined, the operation ended.  One
 * record a line: "CHECKSUM JSON", the checksum the first 16 hex digits of
 * the JSON's SHA-256, so a torn or garbled line is told apart and never
 * acted on.
 *
 * Every operation carries a random tag that is also written into the
 * metadata of the domain it makes or removes.  On start, recovery trusts
 * the journal only as a hint: it acts on a domain only when libvirt shows
 * that domain carrying the operation's tag (the clone made it; the
 * retirement marked it), and deletes a volume only when no domain at all
 * uses it, it is no gold disk, and (for an overlay) its backing file is
 * the one recorded.  A clone whose domain exists is finished (kept, and
 * started when it was to be), never undone.  A push (vmctl image push: the
 * copy of a gold version to another hypervisor) is finished when its gold
 * domain exists there with its tag, else its volumes there are deleted as
 * a clone's are.  See recover.c.
 */
#ifndef GF_JOURNAL_H
#define GF_JOURNAL_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>

#include <libvirt/libvirt.h>

#include "model/meta.h"

#define GF_JOURNAL_MAX (64u << 20) /* bytes read back at most */
#define GF_JOURNAL_PENDING 64      /* end records waiting for a retry */

/* The operations the journal knows.  A record naming another is kept
 * and reported, never acted on. */
enum gf_jop { GF_JOP_UNKNOWN = 0, GF_JOP_CLONE, GF_JOP_RETIRE, GF_JOP_PUSH };

struct gf_journal {
    char path[PATH_MAX];
    int fd;
    pthread_mutex_t lock;
    unsigned long next_id;
    unsigned long pending_end[GF_JOURNAL_PENDING]; /* end records not yet written */
    int npending;
    int nopen; /* operations begun and not ended in this process */
};

/* One record of the journal, parsed. */
/* GF_JREC_INTENT: a volume is about to be made at a path where none was
 * (a push, before virStorageVolCreateXML); recovery only reports it, for
 * another may have made one there since.  GF_JREC_VOLUME after it: made. */
enum gf_jrec_kind { GF_JREC_BEGIN, GF_JREC_VOLUME, GF_JREC_DEFINE, GF_JREC_END, GF_JREC_INTENT };

struct gf_jrec {
    enum gf_jrec_kind kind;
    unsigned long id;
    enum gf_jop op;  /* begin */
    char opword[16]; /* begin: the operation as written */
    char host[GF_NAME_MAX + 1];
    char uri[512];
    char uuid[VIR_UUID_STRING_BUFLEN]; /* begin (retire), define */
    char tag[GF_OP_TAG_LEN];
    int start;              /* begin (clone): the clone was to be started */
    char path[PATH_MAX];    /* volume, intent */
    char backing[PATH_MAX]; /* volume: an overlay's backing file ("" for a copy) */
};

/* Open (creating, 0600) the journal in STATE_DIR.  An existing journal not
 * owned by this user, or writable by anyone else, is refused: it is never
 * read as instructions from someone else.  Returns a new journal to close
 * with gf_journal_close, or NULL with an error. */
struct gf_journal *gf_journal_open(const char *state_dir);

/* Close J (retrying end records still pending); accepts NULL. */
void gf_journal_close(struct gf_journal *j);

/* Begin operation OP on HOST at hypervisor URI (UUID: the domain's, for a
 * retirement; NULL for a clone, whose domain does not exist yet; START: a
 * clone is to be started).  A new random tag goes into TAG, for the
 * domain's metadata.  The record is on disk before this returns.  Returns
 * the operation's id (> 0), or 0 with an error (nothing begun).  J may be
 * NULL (no journal): returns 1 with a tag, records nothing. */
unsigned long gf_journal_begin(struct gf_journal *j, enum gf_jop op, const char *host,
                               const char *uri, const char *uuid, int start,
                               char tag[GF_OP_TAG_LEN]);

/* Record, before it is made or deleted, that operation ID makes or owns the
 * volume PATH, an overlay on BACKING (NULL: a copy, or a retired host's
 * disk).  0, or -1 with an error: the step must not be taken. */
int gf_journal_volume(struct gf_journal *j, unsigned long id, const char *path,
                      const char *backing);

/* Record, before it is made, that operation ID is about to make a volume
 * at PATH (nothing there yet): recovery reports it, never deletes it; the
 * volume is journalled with gf_journal_volume once made.  0, or -1 with an
 * error: the volume must not be made. */
int gf_journal_intent(struct gf_journal *j, unsigned long id, const char *path);

/* Record, before the domain is defined, that operation ID defines the
 * domain UUID.  0, or -1 with an error: the domain must not be defined. */
int gf_journal_define(struct gf_journal *j, unsigned long id, const char *uuid);

/* Close operation ID: it completed, or was undone.  Never fails its caller:
 * when the record cannot be written, the failure is logged and the record
 * retried with every later write; recovery would find the operation's work
 * complete and finish it. */
void gf_journal_end(struct gf_journal *j, unsigned long id);

/* Parse one journal LINE (without its newline) into R.  Returns 0, or -1
 * with an error saying why the line is garbled (checksum, JSON, a field
 * missing, too long or of the wrong type).  Pure. */
int gf_journal_parse(const char *line, struct gf_jrec *r);

/* Split TEXT (LEN bytes and a byte for a NUL after them, as a journal file
 * is read back) into its lines as recovery reads them: a NUL byte becomes
 * '?' (its line is then garbled, reported and kept), empty lines are none.
 * TEXT is changed.  Each line (without its newline) and the array into
 * *LINES and their count into *N, to free().  0, or -1 with an error (out
 * of memory: nothing returned).  Pure. */
int gf_journal_lines(char *text, size_t len, char ***lines, int *n);

/* Format record R as one journal line with its checksum into a new string
 * (to free(); with its newline), or NULL with an error. */
char *gf_journal_format(const struct gf_jrec *r);

/* Finish or undo every open operation of J, verifying each against libvirt
 * first (see recover.c).  CONNECT returns a connection for a URI (NULL when
 * unreachable: that operation stays open for the next start); the callback
 * owns the connections.  Each step is logged.  Garbled records, records of
 * unknown operations and operations that could not be resolved are kept in
 * the journal and reported.  Returns the number of operations and records
 * left, or -1 with an error. */
int gf_journal_recover(struct gf_journal *j,
                       virConnectPtr (*connect)(void *opaque, const char *uri), void *opaque);

/* Test-only crash points: GOLDFARM_CRASH=POINT makes the process abort()
 * at POINT, as a kill -9 would stop it, with no cleanup.  The points:
 * clone-volume, clone-defined, clone-started, retire-stopped,
 * retire-undefined (and seal's). */
void gf_crash_point(const char *point);

/* For in-process tests on libvirt's test driver, whose state dies with the
 * process: call HANDLER (which must not return, e.g. longjmp) instead of
 * abort().  NULL restores abort(). */
void gf_crash_set_handler(void (*handler)(const char *point));

#endif
