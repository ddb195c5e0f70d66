/* trace.h - a recorded farm load: the CSV traces `vmctl simulate` replays.
 *
 * The format (traces/README.md has the reference):
 *
 *   # comments and blank lines anywhere
 *   timestamp,farm,sessions[,active][,cpu][,memory][,event]
 *   2026-03-02T08:00,rds,120,96,
 *   2026-03-02T08:05,rds,141,118,crash rds-002
 *
 * timestamp: YYYY-MM-DDTHH:MM[:SS], local time in the policy's time zone,
 * or with a suffix Z (UTC) or +HH:MM / -HH:MM (that offset).  Strictly
 * increasing.  farm: the farm's name, the same on every row.  sessions:
 * the farm's logged-in users, a whole number from 0 to 10,000,000.  At most
 * 400 days from the first row to the last.  active (optional
 * column): of those, the active ones.  cpu (optional): the CPU the users
 * keep busy, in percent of one vCPU (1250: 12.5 vCPUs), from 0 to
 * 100,000,000.  memory (optional): the guest memory they use, in MiB, from
 * 0 to 1,000,000,000.  event (optional column): empty;
 * "crash" / "crash HOST": a host crashes at that moment; "version N": an
 * admin seals version N of the farm's image; "bad N": hosts made of
 * version N from then on fail their health checks; "rollout N": an admin asks for a
 * roll-out to version N.
 */
#ifndef GF_TRACE_H
#define GF_TRACE_H

#include <limits.h>
#include <time.h>

#include "base/names.h"

#define GF_TRACE_EVENT_MAX 80
#define GF_TRACE_MAX_BYTES (64 * 1024 * 1024) /* a trace file's size */
#define GF_TRACE_MAX_SESSIONS 10000000        /* sessions (and active) in one row */
#define GF_TRACE_MAX_SPAN (400 * 86400)       /* seconds from the first row to the last */
#define GF_TRACE_MAX_CPU 100000000            /* cpu: percent of one vCPU (a million vCPUs) */
#define GF_TRACE_MAX_MEMORY 1000000000        /* memory: MiB (about 1 EiB) */

enum gf_trace_event {
    GF_TEV_NONE,
    GF_TEV_CRASH,   /* "crash [HOST]": a host crashes */
    GF_TEV_VERSION, /* "version N": an admin seals version N of the farm's image */
    GF_TEV_BAD,     /* "bad N": hosts made of version N from then on fail their health */
    GF_TEV_ROLLOUT, /* "rollout N": an admin asks for a roll-out to version N */
};

struct gf_trace_row {
    time_t t;
    int sessions;
    int active;     /* -1: the trace has no active column */
    int cpu;        /* the users' CPU, % of one vCPU; -1: no cpu column */
    int memory_mib; /* the users' guest memory, MiB; -1: no memory column */
    enum gf_trace_event event;
    char event_host[GF_NAME_MAX + 1]; /* "": the simulator picks the busiest host */
    unsigned int event_version;       /* version, bad, rollout: the version */
    int line;                         /* in the file, from 1 */
};

struct gf_trace {
    char file[PATH_MAX];
    char farm[GF_NAME_MAX + 1];
    int farm_line; /* the first data row, where the farm is named */
    int has_active, has_cpu, has_memory, has_event;
    int resolution; /* the smallest gap between rows, seconds (60 for a single row) */
    struct gf_trace_row *rows;
    int nrows;
};

/* Read the trace FILE, local times in ZONE (NULL: UTC), into OUT (free it
 * with gf_trace_free).  FILE must be a regular file (a FIFO is refused, not
 * waited on) of at most GF_TRACE_MAX_BYTES with no NUL byte.  Returns 0, or
 * -1 with a GF_ERR_INPUT error "FILE:LINE: what is wrong" (the first
 * problem found; values in it escaped). */
int gf_trace_load(const char *file, const char *zone, struct gf_trace *out);

/* Read FILE whole into *TEXT (a new string to free()), as gf_trace_load
 * does before parsing: a regular file, at most GF_TRACE_MAX_BYTES, no NUL
 * byte.  For any reader of a recorded load.  Returns 0, or -1 with a
 * GF_ERR_INPUT error. */
int gf_trace_read_text(const char *file, char **text);

/* The same from TEXT, reported as FILE; for tests. */
int gf_trace_parse(const char *file, const char *text, const char *zone, struct gf_trace *out);

/* Free what OUT holds; accepts an empty trace. */
void gf_trace_free(struct gf_trace *tr);

/* Parse TEXT, a timestamp in the trace format, local times in ZONE (NULL:
 * UTC), into *T.  Returns 0 or -1 (no error recorded). */
int gf_trace_time(const char *text, const char *zone, time_t *t);

/* The index of the last row at or before T, or -1 when T is before the
 * first.  HINT (may be NULL) keeps the previous answer to make a forward
 * scan cheap. */
int gf_trace_at(const struct gf_trace *tr, time_t t, int *hint);

#endif
