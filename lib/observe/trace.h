/* trace.h - a recorded farm load: the CSV traces `vmctl simulate` replays.
 *
 * The format (traces/README.md has the reference):
 *
 *   # comments and blank lines anywhere
 *   timestamp,farm,sessions[,active][,event]
 *   2026-03-02T08:00,rds,120,96,
 *   2026-03-02T08:05,rds,141,118,crash rds-002
 *
 * timestamp: YYYY-MM-DDTHH:MM[:SS], local time in the policy's time zone,
 * or with a suffix Z (UTC) or +HH:MM / -HH:MM (that offset).  Strictly
 * increasing.  farm: the farm's name, the same on every row.  sessions:
 * the farm's logged-in users, a whole number >= 0.  active (optional
 * column): of those, the active ones.  event (optional column): empty, or
 * "crash" / "crash HOST": a host crashes at that moment.
 */
#ifndef GF_TRACE_H
#define GF_TRACE_H

#include <limits.h>
#include <time.h>

#include "base/names.h"

#define GF_TRACE_EVENT_MAX 80

enum gf_trace_event { GF_TEV_NONE, GF_TEV_CRASH };

struct gf_trace_row {
    time_t t;
    int sessions;
    int active; /* -1: the trace has no active column */
    enum gf_trace_event event;
    char event_host[GF_NAME_MAX + 1]; /* "": the simulator picks the busiest host */
    int line;                         /* in the file, from 1 */
};

struct gf_trace {
    char file[PATH_MAX];
    char farm[GF_NAME_MAX + 1];
    int farm_line; /* the first data row, where the farm is named */
    int has_active, has_event;
    int resolution; /* the smallest gap between rows, seconds (60 for a single row) */
    struct gf_trace_row *rows;
    int nrows;
};

/* Read the trace FILE, local times in ZONE (NULL: UTC), into OUT (free it
 * with gf_trace_free).  Returns 0, or -1 with a GF_ERR_INPUT error
 * "FILE:LINE: what is wrong" (the first problem found). */
int gf_trace_load(const char *file, const char *zone, struct gf_trace *out);

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
