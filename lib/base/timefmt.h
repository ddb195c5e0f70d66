/* timefmt.h - timestamps as Goldfarm writes them (ISO 8601, UTC). */
#ifndef GF_TIMEFMT_H
#define GF_TIMEFMT_H

#include <time.h>

#define GF_TIME_LEN 32

/* Write T as "2026-11-21T08:00:00Z" into BUF (GF_TIME_LEN bytes). */
void gf_time_iso(time_t t, char *buf);

/* Parse "2026-11-21T08:00:00Z" into *T.  Returns 0, or -1 (no error set:
 * the caller names the field). */
int gf_time_parse_iso(const char *text, time_t *t);

/* Write T in local time as "2026-11-21 08:00:00" into BUF. */
void gf_time_local(time_t t, char *buf);

#endif
