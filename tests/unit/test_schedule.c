/* test_schedule.c - local time in a policy's zone and the phase in force:
 * gf_local_time, gf_local_parse and gf_schedule_phase on Europe/Berlin, with
 * the ordinary phase boundaries, day sets, holidays, and the two DST days of
 * 2026 (29 March: 02:00 -> 03:00; 25 October: 03:00 -> 02:00).
 *
 * The tests in the group "fixed bugs" each show a bug once found, kept as
 * a regression test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/error.h"
#include "policy/policy.h"
#include "policy/schedule.h"

/* Three day sets.  Both DST days of 2026 are Sundays, and Sunday's ramp-up
 * starts at 02:30: a time that does not exist on 29 March and happens twice
 * on 25 October. */
static const char policy_text[] =
    "farm: {\n"
    "  name = \"rds\";\n"
    "  hypervisors = ( { uri = \"qemu:///system\"; } );\n"
    "  image = \"rds-2022\";\n"
    "  host_name = \"rds-%03d\";\n"
    "  max_sessions = 25;\n"
    "  max_hosts = 10;\n"
    "};\n"
    "schedule: {\n"
    "  timezone = \"Europe/Berlin\";\n"
    "  weekdays: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"];\n"
    "    ramp_up = { start = \"07:00\"; min_hosts = 4; threshold = 60; };\n"
    "    peak = { start = \"09:00\"; min_hosts = 6; threshold = 80; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 3; threshold = 85; };\n"
    "    off_peak = { start = \"19:00\"; min_hosts = 2; threshold = 90; };\n"
    "  };\n"
    "  saturday: { days = [\"sat\"];\n"
    "    ramp_up = { start = \"09:00\"; };\n"
    "    peak = { start = \"10:00\"; };\n"
    "    ramp_down = { start = \"14:00\"; };\n"
    "    off_peak = { start = \"17:00\"; };\n"
    "  };\n"
    "  sunday: { days = [\"sun\"];\n"
    "    ramp_up = { start = \"02:30\"; };\n"
    "    peak = { start = \"08:00\"; };\n"
    "    ramp_down = { start = \"12:00\"; };\n"
    "    off_peak = { start = \"18:00\"; };\n"
    "  };\n"
    "  holidays = ( { date = \"2026-12-24\"; as = \"saturday\"; },\n"
    "               { date = \"2026-12-25\"; as = \"off_peak\"; },\n"
    "               { date = \"2026-05-01\"; as = \"sunday\"; } );\n"
    "};\n";

static struct gf_policy *policy;

static int load_policy(void **state)
{
    char *errors = NULL;

    (void)state;
    policy = gf_policy_load_string("schedule.conf", policy_text, &errors);
    if (!policy) {
        fprintf(stderr, "test policy refused:\n%s", errors ? errors : "");
        free(errors);
        return -1;
    }
    return 0;
}

static int free_policy(void **state)
{
    (void)state;
    gf_policy_free(policy);
    policy = NULL;
    return 0;
}

/* The UTC moment Y-MO-D H:MI Z. */
static time_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};

    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return timegm(&tm);
}

/* Local time of T in Berlin (must succeed). */
static struct gf_local berlin(time_t t)
{
    struct gf_local l;

    assert_int_equal(gf_local_time("Europe/Berlin", t, &l), 0);
    assert_true(l.t == t);
    return l;
}

/* Assert L is Y-MO-D HH:MM local, weekday WDAY, offset OFFSET seconds. */
#define assert_local(l, y, mo, d, hh, mm, wday_, offset)                                           \
    do {                                                                                           \
        assert_int_equal((l).year, (y));                                                           \
        assert_int_equal((l).month, (mo));                                                         \
        assert_int_equal((l).day, (d));                                                            \
        assert_int_equal((l).minute, (hh)*60 + (mm));                                              \
        assert_int_equal((l).wday, (wday_));                                                       \
        assert_int_equal((l).utc_offset, (offset));                                                \
    } while (0)

/* Assert the phase at T is PHASE of day set DAYSET (and whether a holiday). */
static void check_phase_at(time_t t, const char *dayset, enum gf_phase_id phase, int holiday,
                           const char *what)
{
    struct gf_local l = berlin(t);
    struct gf_phase_at at;

    gf_schedule_phase(policy, &l, &at);
    if (!at.dayset || strcmp(at.dayset->name, dayset) != 0 || at.phase != phase ||
        (at.holiday != NULL) != holiday)
        fail_msg("%s (local %04d-%02d-%02d %02d:%02d): got %s %s%s, want %s %s%s", what, l.year,
                 l.month, l.day, l.minute / 60, l.minute % 60, at.dayset ? at.dayset->name : "-",
                 gf_phase_name(at.phase), at.holiday ? " (holiday)" : "", dayset,
                 gf_phase_name(phase), holiday ? " (holiday)" : "");
    assert_ptr_equal(at.params, &at.dayset->phases[at.phase]);
}

/* ---- gf_local_time ---- */

static void local_time_winter_and_summer(void **state)
{
    struct gf_local l;

    (void)state;
    l = berlin(utc(2026, 11, 23, 5, 59)); /* Monday, CET */
    assert_local(l, 2026, 11, 23, 6, 59, 1, 3600);
    l = berlin(utc(2026, 7, 1, 5, 0)); /* Wednesday, CEST */
    assert_local(l, 2026, 7, 1, 7, 0, 3, 7200);
    /* 23:30 UTC on Saturday is already Sunday in Berlin */
    l = berlin(utc(2026, 11, 28, 23, 30));
    assert_local(l, 2026, 11, 29, 0, 30, 0, 3600);
    /* New Year */
    l = berlin(utc(2026, 12, 31, 23, 0));
    assert_local(l, 2027, 1, 1, 0, 0, 5, 3600);
}

/* The process's TZ is left as it was. */
static void local_time_restores_tz(void **state)
{
    struct gf_local l;
    const char *tz;

    (void)state;
    setenv("TZ", "America/New_York", 1);
    tzset();
    l = berlin(utc(2026, 11, 23, 12, 0));
    assert_int_equal(l.minute, 13 * 60);
    tz = getenv("TZ");
    assert_non_null(tz);
    assert_string_equal(tz, "America/New_York");
    unsetenv("TZ");
    tzset();
    l = berlin(utc(2026, 11, 23, 12, 0));
    assert_int_equal(l.minute, 13 * 60);
    assert_null(getenv("TZ"));
}

static void unknown_zone_is_an_error(void **state)
{
    static const char *const zones[] = {"Europe/Berlim", "Mars/Olympus_Mons", "", "../etc/passwd",
                                        "Europe/../../../etc/passwd"};
    struct gf_local l;
    time_t t;

    (void)state;
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        gf_err_clear();
        if (gf_local_time(zones[i], utc(2026, 11, 23, 12, 0), &l) != -1)
            fail_msg("gf_local_time accepted zone '%s'", zones[i]);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
        if (!strstr(gf_err_message(), "unknown time zone"))
            fail_msg("zone '%s': error '%s'", zones[i], gf_err_message());
        gf_err_clear();
        if (gf_local_parse(zones[i], "07:30", utc(2026, 11, 23, 12, 0), &t) != -1)
            fail_msg("gf_local_parse accepted zone '%s'", zones[i]);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    }
    gf_err_clear();
    assert_int_equal(gf_local_time("Europe/Berlim", 0, &l), -1);
    assert_string_equal(gf_err_message(), "unknown time zone 'Europe/Berlim'");
}

/* ---- gf_local_parse ---- */

static void parse_time_of_day_round_trip(void **state)
{
    struct gf_local l;
    time_t t;

    (void)state;
    /* "07:30" on the local date of TODAY (a winter Monday) */
    assert_int_equal(gf_local_parse("Europe/Berlin", "07:30", utc(2026, 11, 23, 12, 0), &t), 0);
    assert_true(t == utc(2026, 11, 23, 6, 30));
    l = berlin(t);
    assert_local(l, 2026, 11, 23, 7, 30, 1, 3600);
    /* the same in summer: two hours ahead of UTC */
    assert_int_equal(gf_local_parse("Europe/Berlin", "07:30", utc(2026, 7, 1, 12, 0), &t), 0);
    assert_true(t == utc(2026, 7, 1, 5, 30));
    /* TODAY late on Saturday UTC is Sunday in Berlin: that is the date used */
    assert_int_equal(gf_local_parse("Europe/Berlin", "07:30", utc(2026, 11, 28, 23, 30), &t), 0);
    assert_true(t == utc(2026, 11, 29, 6, 30));
    /* midnight and the last minute */
    assert_int_equal(gf_local_parse("Europe/Berlin", "00:00", utc(2026, 11, 23, 12, 0), &t), 0);
    assert_true(t == utc(2026, 11, 22, 23, 0));
    assert_int_equal(gf_local_parse("Europe/Berlin", "23:59", utc(2026, 11, 23, 12, 0), &t), 0);
    assert_true(t == utc(2026, 11, 23, 22, 59));
}

static void parse_date_time_round_trip(void **state)
{
    struct gf_local l;
    time_t t;

    (void)state;
    assert_int_equal(gf_local_parse("Europe/Berlin", "2026-12-24T08:15", 0, &t), 0);
    assert_true(t == utc(2026, 12, 24, 7, 15));
    l = berlin(t);
    assert_local(l, 2026, 12, 24, 8, 15, 4, 3600);
    assert_int_equal(gf_local_parse("Europe/Berlin", "2026-06-21T12:00", 0, &t), 0);
    assert_true(t == utc(2026, 6, 21, 10, 0));
    /* the day DST ends: 02:30 happens twice (00:30Z at +2, 01:30Z at +1);
     * either is a right answer, and it reads back as 02:30 */
    assert_int_equal(gf_local_parse("Europe/Berlin", "2026-10-25T02:30", 0, &t), 0);
    assert_true(t == utc(2026, 10, 25, 0, 30) || t == utc(2026, 10, 25, 1, 30));
    l = berlin(t);
    assert_int_equal(l.day, 25);
    assert_int_equal(l.minute, 150);
    assert_int_equal(l.utc_offset, t == utc(2026, 10, 25, 0, 30) ? 7200 : 3600);
    /* the morning after, back on standard time */
    assert_int_equal(gf_local_parse("Europe/Berlin", "2026-10-25T07:30", 0, &t), 0);
    assert_true(t == utc(2026, 10, 25, 6, 30));
    /* the day DST starts, after the jump */
    assert_int_equal(gf_local_parse("Europe/Berlin", "2026-03-29T03:00", 0, &t), 0);
    assert_true(t == utc(2026, 3, 29, 1, 0));
    assert_int_equal(gf_local_parse("Europe/Berlin", "2026-03-29T01:59", 0, &t), 0);
    assert_true(t == utc(2026, 3, 29, 0, 59));
}

static void parse_refuses_bad_text(void **state)
{
    static const char *const bad[] = {"7.30",
                                      "24:00",
                                      "07:60",
                                      "0730",
                                      "07:30x",
                                      "later",
                                      "",
                                      "-1:00",
                                      "2026-12-24",
                                      "2026-12-24 08:00",
                                      "2026-12-24T25:00"};
    time_t t;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gf_err_clear();
        if (gf_local_parse("Europe/Berlin", bad[i], utc(2026, 11, 23, 12, 0), &t) != -1)
            fail_msg("gf_local_parse accepted '%s'", bad[i]);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
        if (!strstr(gf_err_message(), "--at '") || !strstr(gf_err_message(), bad[i]))
            fail_msg("'%s': error '%s'", bad[i], gf_err_message());
    }
    gf_err_clear();
    assert_int_equal(gf_local_parse("Europe/Berlin", "07:30x", 0, &t), -1);
    assert_string_equal(gf_err_message(), "--at '07:30x': expected HH:MM or YYYY-MM-DDTHH:MM");
    assert_int_equal(gf_local_parse("Europe/Berlin", "24:00", 0, &t), -1);
    assert_string_equal(gf_err_message(), "--at '24:00': not a time of day");
}

/* ---- gf_schedule_phase ---- */

/* A winter Monday, 2026-11-23 (UTC+1), minute by minute at each boundary. */
static void weekday_phase_boundaries(void **state)
{
    static const struct {
        int h, m;
        enum gf_phase_id phase;
    } cases[] = {
        {0, 0, GF_OFF_PEAK},   {3, 0, GF_OFF_PEAK},    {6, 59, GF_OFF_PEAK}, {7, 0, GF_RAMP_UP},
        {8, 59, GF_RAMP_UP},   {9, 0, GF_PEAK},        {12, 30, GF_PEAK},    {16, 59, GF_PEAK},
        {17, 0, GF_RAMP_DOWN}, {18, 59, GF_RAMP_DOWN}, {19, 0, GF_OFF_PEAK}, {23, 59, GF_OFF_PEAK},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char what[64];
        time_t t = utc(2026, 11, 23, cases[i].h, cases[i].m) - 3600;
        snprintf(what, sizeof(what), "Monday %02d:%02d", cases[i].h, cases[i].m);
        check_phase_at(t, "weekdays", cases[i].phase, 0, what);
    }
}

/* Every weekday uses the weekdays set; its phase parameters come with it. */
static void weekday_set_and_parameters(void **state)
{
    struct gf_local l;
    struct gf_phase_at at;

    (void)state;
    for (int d = 23; d <= 27; d++) /* Monday to Friday */
        check_phase_at(utc(2026, 11, d, 9, 0), "weekdays", GF_PEAK, 0, "weekday 10:00");
    l = berlin(utc(2026, 11, 25, 6, 30)); /* Wednesday 07:30 */
    gf_schedule_phase(policy, &l, &at);
    assert_int_equal(at.phase, GF_RAMP_UP);
    assert_int_equal(at.params->start, 7 * 60);
    assert_int_equal(at.params->min_hosts, 4);
    assert_int_equal(at.params->threshold, 60);
    assert_null(at.holiday);
}

/* Saturday and Sunday have day sets of their own. */
static void weekend_day_sets(void **state)
{
    (void)state;
    /* Saturday 2026-11-28 */
    check_phase_at(utc(2026, 11, 28, 6, 0), "saturday", GF_OFF_PEAK, 0, "Saturday 07:00");
    check_phase_at(utc(2026, 11, 28, 7, 59), "saturday", GF_OFF_PEAK, 0, "Saturday 08:59");
    check_phase_at(utc(2026, 11, 28, 8, 0), "saturday", GF_RAMP_UP, 0, "Saturday 09:00");
    check_phase_at(utc(2026, 11, 28, 9, 0), "saturday", GF_PEAK, 0, "Saturday 10:00");
    check_phase_at(utc(2026, 11, 28, 13, 0), "saturday", GF_RAMP_DOWN, 0, "Saturday 14:00");
    check_phase_at(utc(2026, 11, 28, 16, 0), "saturday", GF_OFF_PEAK, 0, "Saturday 17:00");
    /* Sunday 2026-11-29: its day starts at local midnight (23:00Z Saturday) */
    check_phase_at(utc(2026, 11, 28, 22, 59), "saturday", GF_OFF_PEAK, 0, "Saturday 23:59");
    check_phase_at(utc(2026, 11, 28, 23, 0), "sunday", GF_OFF_PEAK, 0, "Sunday 00:00");
    check_phase_at(utc(2026, 11, 29, 1, 30), "sunday", GF_RAMP_UP, 0, "Sunday 02:30");
    check_phase_at(utc(2026, 11, 29, 7, 0), "sunday", GF_PEAK, 0, "Sunday 08:00");
    /* Monday 06:59 belongs to Monday's off_peak (the weekdays set) */
    check_phase_at(utc(2026, 11, 30, 5, 59), "weekdays", GF_OFF_PEAK, 0, "Monday 06:59");
}

/* 2026-12-25 (a Friday) is off-peak all day: the day's own day set, its
 * off_peak phase, whatever the time. */
static void holiday_as_off_peak(void **state)
{
    struct gf_local l;
    struct gf_phase_at at;

    (void)state;
    check_phase_at(utc(2026, 12, 24, 23, 0), "weekdays", GF_OFF_PEAK, 1, "25 Dec 00:00");
    check_phase_at(utc(2026, 12, 25, 6, 0), "weekdays", GF_OFF_PEAK, 1, "25 Dec 07:00");
    check_phase_at(utc(2026, 12, 25, 9, 0), "weekdays", GF_OFF_PEAK, 1, "25 Dec 10:00");
    check_phase_at(utc(2026, 12, 25, 16, 0), "weekdays", GF_OFF_PEAK, 1, "25 Dec 17:00");
    check_phase_at(utc(2026, 12, 25, 22, 59), "weekdays", GF_OFF_PEAK, 1, "25 Dec 23:59");
    /* the next day is an ordinary Saturday */
    check_phase_at(utc(2026, 12, 26, 9, 0), "saturday", GF_PEAK, 0, "26 Dec 10:00");
    l = berlin(utc(2026, 12, 25, 9, 0));
    gf_schedule_phase(policy, &l, &at);
    assert_non_null(at.holiday);
    assert_int_equal(at.holiday->year, 2026);
    assert_int_equal(at.holiday->month, 12);
    assert_int_equal(at.holiday->day, 25);
    assert_int_equal(at.holiday->dayset, -1);
    assert_int_equal(at.params->threshold, 90); /* weekdays' off_peak */
}

/* 2026-12-24 (a Thursday) runs as a Saturday; 2026-05-01 (a Friday) as a
 * Sunday. */
static void holiday_as_other_day_set(void **state)
{
    (void)state;
    check_phase_at(utc(2026, 12, 24, 6, 30), "saturday", GF_OFF_PEAK, 1, "24 Dec 07:30");
    check_phase_at(utc(2026, 12, 24, 8, 0), "saturday", GF_RAMP_UP, 1, "24 Dec 09:00");
    check_phase_at(utc(2026, 12, 24, 9, 30), "saturday", GF_PEAK, 1, "24 Dec 10:30");
    check_phase_at(utc(2026, 12, 24, 13, 0), "saturday", GF_RAMP_DOWN, 1, "24 Dec 14:00");
    check_phase_at(utc(2026, 12, 24, 16, 0), "saturday", GF_OFF_PEAK, 1, "24 Dec 17:00");
    /* the day before is an ordinary Wednesday */
    check_phase_at(utc(2026, 12, 23, 8, 0), "weekdays", GF_PEAK, 0, "23 Dec 09:00");
    /* May Day, in summer time (UTC+2) */
    check_phase_at(utc(2026, 5, 1, 0, 29), "sunday", GF_OFF_PEAK, 1, "1 May 02:29");
    check_phase_at(utc(2026, 5, 1, 0, 30), "sunday", GF_RAMP_UP, 1, "1 May 02:30");
    check_phase_at(utc(2026, 5, 1, 6, 0), "sunday", GF_PEAK, 1, "1 May 08:00");
}

/* 29 March 2026: at 02:00 CET the clocks go to 03:00 CEST.  Sunday's
 * ramp-up (02:30) starts at 03:00, the first local minute at or after it. */
static void dst_starts(void **state)
{
    struct gf_local l;

    (void)state;
    l = berlin(utc(2026, 3, 28, 23, 0));
    assert_local(l, 2026, 3, 29, 0, 0, 0, 3600);
    l = berlin(utc(2026, 3, 29, 0, 59));
    assert_local(l, 2026, 3, 29, 1, 59, 0, 3600);
    check_phase_at(utc(2026, 3, 29, 0, 59), "sunday", GF_OFF_PEAK, 0, "29 Mar 01:59 CET");
    l = berlin(utc(2026, 3, 29, 1, 0));
    assert_local(l, 2026, 3, 29, 3, 0, 0, 7200);
    check_phase_at(utc(2026, 3, 29, 1, 0), "sunday", GF_RAMP_UP, 0, "29 Mar 03:00 CEST");
    /* 08:00 local is 06:00Z now, not 07:00Z */
    check_phase_at(utc(2026, 3, 29, 5, 59), "sunday", GF_RAMP_UP, 0, "29 Mar 07:59 CEST");
    check_phase_at(utc(2026, 3, 29, 6, 0), "sunday", GF_PEAK, 0, "29 Mar 08:00 CEST");
    /* the Monday after: ramp-up at 07:00 local = 05:00Z (a week before: 06:00Z) */
    check_phase_at(utc(2026, 3, 30, 4, 59), "weekdays", GF_OFF_PEAK, 0, "30 Mar 06:59 CEST");
    check_phase_at(utc(2026, 3, 30, 5, 0), "weekdays", GF_RAMP_UP, 0, "30 Mar 07:00 CEST");
    check_phase_at(utc(2026, 3, 23, 5, 0), "weekdays", GF_OFF_PEAK, 0, "23 Mar 06:00 CET");
    check_phase_at(utc(2026, 3, 23, 6, 0), "weekdays", GF_RAMP_UP, 0, "23 Mar 07:00 CET");
}

/* 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET, so the
 * hour from 02:00 happens twice.  The phase follows the local minute: it is
 * ramp_up at 02:30 CEST, off_peak again at 02:00 CET, ramp_up at 02:30 CET. */
static void dst_ends(void **state)
{
    struct gf_local l;

    (void)state;
    l = berlin(utc(2026, 10, 24, 22, 0));
    assert_local(l, 2026, 10, 25, 0, 0, 0, 7200);
    l = berlin(utc(2026, 10, 25, 0, 0));
    assert_local(l, 2026, 10, 25, 2, 0, 0, 7200);
    check_phase_at(utc(2026, 10, 25, 0, 0), "sunday", GF_OFF_PEAK, 0, "25 Oct 02:00 CEST");
    l = berlin(utc(2026, 10, 25, 0, 30));
    assert_local(l, 2026, 10, 25, 2, 30, 0, 7200);
    check_phase_at(utc(2026, 10, 25, 0, 30), "sunday", GF_RAMP_UP, 0, "25 Oct 02:30 CEST");
    l = berlin(utc(2026, 10, 25, 0, 59));
    assert_local(l, 2026, 10, 25, 2, 59, 0, 7200);
    l = berlin(utc(2026, 10, 25, 1, 0));
    assert_local(l, 2026, 10, 25, 2, 0, 0, 3600);
    check_phase_at(utc(2026, 10, 25, 1, 0), "sunday", GF_OFF_PEAK, 0, "25 Oct 02:00 CET");
    l = berlin(utc(2026, 10, 25, 1, 30));
    assert_local(l, 2026, 10, 25, 2, 30, 0, 3600);
    check_phase_at(utc(2026, 10, 25, 1, 30), "sunday", GF_RAMP_UP, 0, "25 Oct 02:30 CET");
    /* 08:00 local is 07:00Z from now on */
    check_phase_at(utc(2026, 10, 25, 6, 59), "sunday", GF_RAMP_UP, 0, "25 Oct 07:59 CET");
    check_phase_at(utc(2026, 10, 25, 7, 0), "sunday", GF_PEAK, 0, "25 Oct 08:00 CET");
    /* Monday after: 07:00 local = 06:00Z; the Friday before: 05:00Z */
    check_phase_at(utc(2026, 10, 26, 5, 59), "weekdays", GF_OFF_PEAK, 0, "26 Oct 06:59 CET");
    check_phase_at(utc(2026, 10, 26, 6, 0), "weekdays", GF_RAMP_UP, 0, "26 Oct 07:00 CET");
    check_phase_at(utc(2026, 10, 23, 5, 0), "weekdays", GF_RAMP_UP, 0, "23 Oct 07:00 CEST");
}

/* ---- fixed bugs, kept as regression tests ---- */

/* gf_local_parse normalises a date that does not exist instead of refusing
 * it: "2026-02-30T10:00" becomes 2 March, "2026-13-01T10:00" January 2027. */
static void bug_parse_refuses_impossible_dates(void **state)
{
    static const char *const bad[] = {"2026-02-30T10:00", "2026-13-01T10:00", "2026-00-10T10:00",
                                      "2026-04-31T10:00"};
    time_t t;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gf_err_clear();
        if (gf_local_parse("Europe/Berlin", bad[i], 0, &t) != -1)
            fail_msg("gf_local_parse accepted '%s' (as %lld)", bad[i], (long long)t);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    }
}

/* gf_local_time accepts any readable path under /usr/share/zoneinfo, such as
 * a directory or zone.tab, and then silently computes in UTC. */
static void bug_local_time_refuses_non_zones(void **state)
{
    static const char *const bad[] = {"Europe", "zone.tab"};
    struct gf_local l;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gf_err_clear();
        if (gf_local_time(bad[i], utc(2026, 11, 23, 12, 0), &l) != -1)
            fail_msg("gf_local_time accepted zone '%s' (offset %d)", bad[i], l.utc_offset);
        assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(local_time_winter_and_summer),
        cmocka_unit_test(local_time_restores_tz),
        cmocka_unit_test(unknown_zone_is_an_error),
        cmocka_unit_test(parse_time_of_day_round_trip),
        cmocka_unit_test(parse_date_time_round_trip),
        cmocka_unit_test(parse_refuses_bad_text),
        cmocka_unit_test(weekday_phase_boundaries),
        cmocka_unit_test(weekday_set_and_parameters),
        cmocka_unit_test(weekend_day_sets),
        cmocka_unit_test(holiday_as_off_peak),
        cmocka_unit_test(holiday_as_other_day_set),
        cmocka_unit_test(dst_starts),
        cmocka_unit_test(dst_ends),
    };
    const struct CMUnitTest known_bugs[] = {
        cmocka_unit_test(bug_parse_refuses_impossible_dates),
        cmocka_unit_test(bug_local_time_refuses_non_zones),
    };
    int failed;

    gf_err_init();
    failed = cmocka_run_group_tests_name("schedule", tests, load_policy, free_policy);
    failed +=
        cmocka_run_group_tests_name("schedule: fixed bugs", known_bugs, load_policy, free_policy);
    return failed ? 1 : 0;
}
