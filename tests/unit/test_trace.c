/* test_trace.c - the CSV trace reader: good traces, and each bad one
 * refused with its FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "observe/trace.h"

static void parses_a_good_trace(void **state)
{
    struct gf_trace tr;
    const char *text = "# a comment\n"
                       "\n"
                       "timestamp,farm,sessions,active,event\n"
                       "2026-03-02T08:00,rds,10,8,\n"
                       "  # indented comment\n"
                       "2026-03-02T08:05,rds,12,12,crash\n"
                       "2026-03-02T08:06:30,rds, 0 ,0,crash rds-002\r\n";

    (void)state;
    assert_int_equal(gf_trace_parse("t.csv", text, "UTC", &tr), 0);
    assert_string_equal(tr.farm, "rds");
    assert_int_equal(tr.farm_line, 4);
    assert_int_equal(tr.nrows, 3);
    assert_true(tr.has_active);
    assert_true(tr.has_event);
    assert_int_equal(tr.rows[0].t, 1772438400); /* 2026-03-02T08:00:00Z */
    assert_int_equal(tr.rows[0].sessions, 10);
    assert_int_equal(tr.rows[0].active, 8);
    assert_int_equal(tr.rows[0].event, GF_TEV_NONE);
    assert_int_equal(tr.rows[1].line, 6);
    assert_int_equal(tr.rows[1].event, GF_TEV_CRASH);
    assert_string_equal(tr.rows[1].event_host, "");
    assert_int_equal(tr.rows[2].sessions, 0);
    assert_string_equal(tr.rows[2].event_host, "rds-002");
    assert_int_equal(tr.resolution, 90); /* the smallest gap: 08:05 -> 08:06:30 */
    gf_trace_free(&tr);
}

static void local_times_follow_the_zone(void **state)
{
    struct gf_trace tr;
    time_t t;

    (void)state;
    /* Berlin is UTC+1 in March: 08:00 local is 07:00Z; Z and offsets are explicit */
    assert_int_equal(gf_trace_parse("t.csv",
                                    "timestamp,farm,sessions\n"
                                    "2026-03-02T08:00,rds,1\n"
                                    "2026-03-02T07:30Z,rds,2\n"
                                    "2026-03-02T09:00+01:00,rds,3\n",
                                    "Europe/Berlin", &tr),
                     0);
    assert_int_equal(tr.rows[0].t, 1772434800);
    assert_int_equal(tr.rows[1].t, 1772434800 + 1800);
    assert_int_equal(tr.rows[2].t, 1772434800 + 3600);
    assert_int_equal(tr.resolution, 1800);
    assert_false(tr.has_active);
    assert_int_equal(tr.rows[0].active, -1);
    gf_trace_free(&tr);
    assert_int_equal(gf_trace_time("2026-07-01T12:00", "Europe/Berlin", &t), 0);
    assert_int_equal(t, 1782900000); /* CEST: 10:00Z */
    assert_int_equal(gf_trace_time("2026-02-30T12:00", "UTC", &t), -1);
    assert_int_equal(gf_trace_time("2026-03-02 12:00", "UTC", &t), -1);
}

static void finds_the_sample_in_force(void **state)
{
    struct gf_trace tr;
    int hint = -1;

    (void)state;
    assert_int_equal(gf_trace_parse("t.csv",
                                    "timestamp,farm,sessions\n"
                                    "2026-03-02T08:00Z,rds,1\n"
                                    "2026-03-02T08:05Z,rds,2\n"
                                    "2026-03-02T08:10Z,rds,3\n",
                                    NULL, &tr),
                     0);
    assert_int_equal(gf_trace_at(&tr, tr.rows[0].t - 1, NULL), -1);
    assert_int_equal(gf_trace_at(&tr, tr.rows[0].t, &hint), 0);
    assert_int_equal(gf_trace_at(&tr, tr.rows[1].t + 299, &hint), 1);
    assert_int_equal(gf_trace_at(&tr, tr.rows[2].t + 5000, &hint), 2);
    assert_int_equal(gf_trace_at(&tr, tr.rows[1].t, &hint), 1); /* backwards from the hint */
    gf_trace_free(&tr);
}

/* TEXT is refused as an input error whose message is exactly WANT. */
static void refused(const char *text, const char *want)
{
    struct gf_trace tr;

    gf_err_clear();
    assert_int_equal(gf_trace_parse("bad.csv", text, "UTC", &tr), -1);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_string_equal(gf_err_message(), want);
    assert_null(tr.rows);
}

#define HEAD "timestamp,farm,sessions\n"

static void refuses_bad_traces(void **state)
{
    (void)state;
    refused(HEAD "2026-03-02T08:05,rds,1\n2026-03-02T08:00,rds,2\n",
            "bad.csv:3: time goes backwards: 2026-03-02T08:00 is before line 2");
    refused(HEAD "2026-03-02T08:05,rds,1\n2026-03-02T08:05,rds,2\n",
            "bad.csv:3: time 2026-03-02T08:05 repeats line 2");
    refused(HEAD "2026-03-02T08:05,rds,1\n# c\n2026-03-02T08:10,rds,-4\n",
            "bad.csv:4: negative sessions (-4)");
    refused(HEAD "2026-03-02T08:05,rds,1,7\n", "bad.csv:2: 4 columns, but the header has 3");
    refused(HEAD "2026-03-02T08:05,rds\n", "bad.csv:2: 2 columns, but the header has 3");
    refused(HEAD "2026-03-02T08:05,rds,1\n2026-03-02T08:10,web,1\n",
            "bad.csv:3: farm 'web', but line 2 names farm 'rds' (one farm per trace)");
    refused(HEAD "2026-03-02T08:05,rds,many\n", "bad.csv:2: sessions 'many' is not a whole number");
    refused(HEAD "08:05,rds,1\n",
            "bad.csv:2: timestamp '08:05' is not YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
    refused(HEAD "2026-02-30T08:05,rds,1\n",
            "bad.csv:2: timestamp '2026-02-30T08:05' is not YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
    refused(HEAD "2026-03-02T08:05,r/ds,1\n", "bad.csv:2: farm 'r/ds' is not a farm name");
    refused("time,farm,sessions\n2026-03-02T08:05,rds,1\n",
            "bad.csv:1: the header must be timestamp,farm,sessions[,active][,event], not "
            "'time,farm,sessions'");
    refused("timestamp,farm,sessions,active\n2026-03-02T08:05,rds,3,4\n",
            "bad.csv:2: 4 active sessions, more than the 3 sessions");
    refused("timestamp,farm,sessions,event\n2026-03-02T08:05,rds,3,reboot\n",
            "bad.csv:2: unknown event 'reboot' (expected empty, 'crash' or 'crash HOST')");
    refused("# only a comment\n" HEAD, "bad.csv:2: no samples after the header");
    refused("", "bad.csv:1: no header line (timestamp,farm,sessions[,active][,event])");
}

static void reports_a_missing_file(void **state)
{
    struct gf_trace tr;

    (void)state;
    assert_int_equal(gf_trace_load("/nonexistent/trace.csv", "UTC", &tr), -1);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_non_null(strstr(gf_err_message(), "/nonexistent/trace.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_good_trace),       cmocka_unit_test(local_times_follow_the_zone),
        cmocka_unit_test(finds_the_sample_in_force), cmocka_unit_test(refuses_bad_traces),
        cmocka_unit_test(reports_a_missing_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
