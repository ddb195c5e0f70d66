/* schedule.c - which phase of a policy's schedule applies at a moment. */
#include "policy/schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"

/* Switch the process's zone to ZONE; *SAVED gets the old TZ (to free()).
 * Returns 0, or -1 with an error when ZONE is unknown (glibc would
 * silently fall back to UTC). */
static int zone_enter(const char *zone, char **saved)
{
    char tz[96];

    *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    if (!gf_zone_known(zone)) {
        free(*saved);
        *saved = NULL;
        gf_err(GF_ERR_INPUT, "unknown time zone '%s'", zone);
        return -1;
    }
    snprintf(tz, sizeof(tz), ":%s", zone);
    setenv("TZ", tz, 1);
    tzset();
    return 0;
}

/* Restore the zone zone_enter saved, and free it. */
static void zone_leave(char *saved)
{
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

int gf_local_parse(const char *zone, const char *text, time_t today, time_t *t)
{
    struct tm tm;
    char *saved, extra;
    int y, mo, d, h, mi;

    if (zone_enter(zone, &saved) < 0)
        return -1;
    localtime_r(&today, &tm);
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &extra) == 5) {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap)) {
            zone_leave(saved);
            gf_err(GF_ERR_INPUT, "--at '%s': not a day of the calendar", text);
            return -1;
        }
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
    } else if (sscanf(text, "%2d:%2d%c", &h, &mi, &extra) != 2) {
        zone_leave(saved);
        gf_err(GF_ERR_INPUT, "--at '%s': expected HH:MM or YYYY-MM-DDTHH:MM", text);
        return -1;
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59) {
        zone_leave(saved);
        gf_err(GF_ERR_INPUT, "--at '%s': not a time of day", text);
        return -1;
    }
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    *t = mktime(&tm);
    zone_leave(saved);
    return 0;
}

int gf_local_time(const char *zone, time_t t, struct gf_local *out)
{
    char *saved;
    struct tm tm;
    int ok;

    if (zone_enter(zone, &saved) < 0)
        return -1;
    ok = localtime_r(&t, &tm) != NULL;
    zone_leave(saved);
    if (!ok) {
        gf_err(GF_ERR_OP, "cannot convert time %lld to zone '%s'", (long long)t, zone);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->t = t;
    out->year = tm.tm_year + 1900;
    out->month = tm.tm_mon + 1;
    out->day = tm.tm_mday;
    out->wday = tm.tm_wday;
    out->minute = tm.tm_hour * 60 + tm.tm_min;
    out->utc_offset = (int)tm.tm_gmtoff;
    return 0;
}

/* The day set covering weekday WDAY (policies cover all seven days). */
static const struct gf_dayset *dayset_of(const struct gf_policy *p, int wday)
{
    for (int i = 0; i < p->ndaysets; i++)
        if (p->daysets[i].days & (1u << wday))
            return &p->daysets[i];
    return &p->daysets[0];
}

void gf_schedule_phase(const struct gf_policy *p, const struct gf_local *now,
                       struct gf_phase_at *out)
{
    const struct gf_dayset *ds = dayset_of(p, now->wday);
    int off_peak_all_day = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < p->nholidays; i++) {
        const struct gf_holiday *h = &p->holidays[i];
        if (h->year == now->year && h->month == now->month && h->day == now->day) {
            out->holiday = h;
            if (h->dayset >= 0)
                ds = &p->daysets[h->dayset];
            else
                off_peak_all_day = 1;
        }
    }
    out->dayset = ds;
    out->phase = GF_OFF_PEAK;
    if (!off_peak_all_day)
        for (int ph = 0; ph < GF_NPHASES; ph++)
            if (now->minute >= ds->phases[ph].start)
                out->phase = (enum gf_phase_id)ph;
    out->params = &ds->phases[out->phase];
}
