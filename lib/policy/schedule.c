/* schedule.c - which phase of a policy's schedule applies at a moment. */
#include "policy/schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "base/error.h"

/* The zones read so far, by name: GLib's zones are immutable and
 * reference-counted, so one is shared by every thread.  No TZ variable,
 * no tzset: a zone is an argument, never process state. */
static GHashTable *zones;
static GMutex zones_lock;

/* ZONE as a GLib time zone (a new reference to g_time_zone_unref), or
 * NULL with an error when the system's zone data has no such zone. */
static GTimeZone *zone_of(const char *zone)
{
    GTimeZone *tz;

    if (!gf_zone_known(zone)) {
        gf_err(GF_ERR_INPUT, "unknown time zone '%s'", zone);
        return NULL;
    }
    g_mutex_lock(&zones_lock);
    if (!zones)
        zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)g_time_zone_unref);
    if (!(tz = g_hash_table_lookup(zones, zone)) && (tz = g_time_zone_new_identifier(zone)))
        g_hash_table_insert(zones, g_strdup(zone), tz);
    if (tz)
        g_time_zone_ref(tz);
    g_mutex_unlock(&zones_lock);
    if (!tz)
        gf_err(GF_ERR_INPUT, "unknown time zone '%s'", zone);
    return tz;
}

/* The moment T in zone TZ (a new GDateTime), or NULL. */
static GDateTime *moment_in(GTimeZone *tz, time_t t)
{
    GDateTime *utc = g_date_time_new_from_unix_utc((gint64)t), *local;

    if (!utc)
        return NULL;
    local = g_date_time_to_timezone(utc, tz);
    g_date_time_unref(utc);
    return local;
}

int gf_local_parse(const char *zone, const char *text, time_t today, time_t *t)
{
    GTimeZone *tz = zone_of(zone);
    GDateTime *now = NULL, *at = NULL;
    int y, mo, d, py, pmo, pd, h, mi, ret = -1;
    char extra;

    if (!tz)
        return -1;
    if (!(now = moment_in(tz, today))) {
        gf_err(GF_ERR_OP, "cannot convert time %lld to zone '%s'", (long long)today, zone);
        goto cleanup;
    }
    y = g_date_time_get_year(now);
    mo = g_date_time_get_month(now);
    d = g_date_time_get_day_of_month(now);
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d%c", &py, &pmo, &pd, &h, &mi, &extra) == 5) {
        y = py;
        mo = pmo;
        d = pd;
    } else if (sscanf(text, "%2d:%2d%c", &h, &mi, &extra) != 2) {
        gf_err(GF_ERR_INPUT, "--at '%s': expected HH:MM or YYYY-MM-DDTHH:MM", text);
        goto cleanup;
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59) {
        gf_err(GF_ERR_INPUT, "--at '%s': not a time of day", text);
        goto cleanup;
    }
    /* NULL for a day the calendar has not (2026-02-30) */
    if (!(at = g_date_time_new(tz, y, mo, d, h, mi, 0))) {
        gf_err(GF_ERR_INPUT, "--at '%s': not a day of the calendar", text);
        goto cleanup;
    }
    *t = (time_t)g_date_time_to_unix(at);
    ret = 0;
cleanup:
    if (at)
        g_date_time_unref(at);
    if (now)
        g_date_time_unref(now);
    g_time_zone_unref(tz);
    return ret;
}

int gf_local_time(const char *zone, time_t t, struct gf_local *out)
{
    GTimeZone *tz = zone_of(zone);
    GDateTime *dt;

    if (!tz)
        return -1;
    dt = moment_in(tz, t);
    g_time_zone_unref(tz);
    if (!dt) {
        gf_err(GF_ERR_OP, "cannot convert time %lld to zone '%s'", (long long)t, zone);
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->t = t;
    out->year = g_date_time_get_year(dt);
    out->month = g_date_time_get_month(dt);
    out->day = g_date_time_get_day_of_month(dt);
    out->wday = g_date_time_get_day_of_week(dt) % 7; /* GLib: 1 Monday .. 7 Sunday */
    out->minute = g_date_time_get_hour(dt) * 60 + g_date_time_get_minute(dt);
    out->utc_offset = (int)(g_date_time_get_utc_offset(dt) / G_USEC_PER_SEC);
    g_date_time_unref(dt);
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
