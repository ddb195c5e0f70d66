/* schedule.h - which phase of a policy's schedule applies at a moment. */
#ifndef GF_SCHEDULE_H
#define GF_SCHEDULE_H

#include <time.h>

#include "policy/policy.h"

/* A moment in the policy's time zone. */
struct gf_local {
    time_t t; /* the moment itself, UTC seconds */
    int year, month, day;
    int wday;       /* 0 = Sunday */
    int minute;     /* after local midnight */
    int utc_offset; /* seconds east of UTC, DST included */
};

/* The phase in force. */
struct gf_phase_at {
    const struct gf_dayset *dayset;
    enum gf_phase_id phase;
    const struct gf_phase *params;
    const struct gf_holiday *holiday; /* NULL on an ordinary day */
};

/* Convert T to local time in ZONE with the system's zone data (DST
 * included).  Reads the zone file: the caller does this, not the planner.
 * Returns 0, or -1 with an error when ZONE is unknown. */
int gf_local_time(const char *zone, time_t t, struct gf_local *out);

/* Whether NAME is a time zone of the system's zone data (a TZif file
 * under /usr/share/zoneinfo, not a directory or a table). */
int gf_zone_known(const char *name);

/* Parse TEXT, a local time in ZONE, into *T: "YYYY-MM-DDTHH:MM" or "HH:MM"
 * (that time on TODAY's local date, TODAY a UTC moment).  Reads the zone
 * file.  Returns 0, or -1 with a GF_ERR_INPUT error. */
int gf_local_parse(const char *zone, const char *text, time_t today, time_t *t);

/* The phase of P's schedule at local time NOW: the day set of NOW's day
 * (or of its holiday), and the last phase started by NOW's minute.  Before
 * the day's ramp-up starts, the day set's off-peak applies (the small hours
 * belong to the day they lead into).  A holiday "as off_peak" is off-peak
 * all day.  Pure. */
void gf_schedule_phase(const struct gf_policy *p, const struct gf_local *now,
                       struct gf_phase_at *out);

#endif
