/* test_trace.c - the CSV trace reader: good traces, and each bad one
 * refused with its FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

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

/* The CPU and memory columns, each optional, between active and event;
 * a trace without them has neither (-1). */
static void reads_cpu_and_memory_columns(void **state)
{
    struct gf_trace tr;

    (void)state;
    assert_int_equal(gf_trace_parse("t.csv",
                                    "timestamp,farm,sessions,active,cpu,memory,event\n"
                                    "2026-03-02T08:00,rds,10,8,1250,20480,\n"
                                    "2026-03-02T08:05,rds,12,12,0,0,crash\n",
                                    "UTC", &tr),
                     0);
    assert_true(tr.has_active && tr.has_cpu && tr.has_memory && tr.has_event);
    assert_int_equal(tr.rows[0].cpu, 1250);
    assert_int_equal(tr.rows[0].memory_mib, 20480);
    assert_int_equal(tr.rows[1].cpu, 0);
    assert_int_equal(tr.rows[1].event, GF_TEV_CRASH);
    gf_trace_free(&tr);
    assert_int_equal(gf_trace_parse("t.csv",
                                    "timestamp,farm,sessions,memory\n"
                                    "2026-03-02T08:00,rds,10,512\n",
                                    "UTC", &tr),
                     0);
    assert_false(tr.has_cpu);
    assert_true(tr.has_memory);
    assert_int_equal(tr.rows[0].cpu, -1);
    assert_int_equal(tr.rows[0].active, -1);
    assert_int_equal(tr.rows[0].memory_mib, 512);
    gf_trace_free(&tr);
    assert_int_equal(
        gf_trace_parse("t.csv", "timestamp,farm,sessions\n2026-03-02T08:00,rds,10\n", "UTC", &tr),
        0);
    assert_int_equal(tr.rows[0].cpu, -1);
    assert_int_equal(tr.rows[0].memory_mib, -1);
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
            "bad.csv:1: the header must be "
            "timestamp,farm,sessions[,active][,cpu][,memory][,event], not 'time,farm,sessions'");
    refused("timestamp,farm,sessions,memory,cpu\n2026-03-02T08:05,rds,3,4,5\n",
            "bad.csv:1: the header must be "
            "timestamp,farm,sessions[,active][,cpu][,memory][,event], not "
            "'timestamp,farm,sessions,memory,cpu'");
    refused("timestamp,farm,sessions,cpu,cpu\n2026-03-02T08:05,rds,3,4,5\n",
            "bad.csv:1: the header must be "
            "timestamp,farm,sessions[,active][,cpu][,memory][,event], not "
            "'timestamp,farm,sessions,cpu,cpu'");
    refused("timestamp,farm,sessions,cpu\n2026-03-02T08:05,rds,3,-5\n",
            "bad.csv:2: negative cpu (-5)");
    refused("timestamp,farm,sessions,cpu,memory\n2026-03-02T08:05,rds,3,5,1.5\n",
            "bad.csv:2: memory '1.5' is not a whole number");
    refused("timestamp,farm,sessions,memory\n2026-03-02T08:05,rds,3,1000000001\n",
            "bad.csv:2: memory 1000000001: more than 1000000000");
    refused("timestamp,farm,sessions,active\n2026-03-02T08:05,rds,3,4\n",
            "bad.csv:2: 4 active sessions, more than the 3 sessions");
    refused("timestamp,farm,sessions,event\n2026-03-02T08:05,rds,3,reboot\n",
            "bad.csv:2: unknown event 'reboot' (expected empty, 'crash', 'crash HOST', 'version "
            "N', 'bad N' or 'rollout N')");
    refused("# only a comment\n" HEAD, "bad.csv:2: no samples after the header");
    refused("",
            "bad.csv:1: no header line (timestamp,farm,sessions[,active][,cpu][,memory][,event])");
}

static void refuses_hostile_values(void **state)
{
    (void)state;
    /* echoed escaped: an escape sequence never reaches the terminal */
    refused(HEAD "2026-03-02T08:05,\x1b[2Jrds,1\n",
            "bad.csv:2: farm '\\x1b[2Jrds' is not a farm name");
    refused(HEAD "2026-03-02T08:05\x1b]0;x\x07,rds,1\n",
            "bad.csv:2: timestamp '2026-03-02T08:05\\x1b]0;x\\x07' is not "
            "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
    refused(HEAD "2026-03-02T08:05,rds,1\v\n",
            "bad.csv:2: sessions '1\\x0b' is not a whole number");
    refused("timestamp,farm,sessions,event\n2026-03-02T08:05,rds,3,crash r\x01s\n",
            "bad.csv:2: event 'crash r\\x01s': 'r\\x01s' is not a host name");
    /* a name may hold bytes that are not UTF-8: echoed escaped too (found by fuzz_trace) */
    refused(HEAD "2026-03-02T08:05,rds,1\n2026-03-02T08:10,r\xf3s,1\n",
            "bad.csv:3: farm 'r\\xf3s', but line 2 names farm 'rds' (one farm per trace)");
    /* two long escaped values: the message is cut by gf_esc only, between characters */
    {
        struct gf_trace tr;
        GString *text =
            g_string_new("timestamp,farm,sessions,event\n2026-03-02T08:05,rds,3,crash rd");
        const char *msg;
        for (int i = 0; i < 100; i++)
            g_string_append(text, "\xed\x8d\x8d"); /* U+D34D, three bytes */
        g_string_append(text, "\n");
        assert_int_equal(gf_trace_parse("bad.csv", text->str, "UTC", &tr), -1);
        msg = gf_err_message();
        assert_true(g_utf8_validate(msg, -1, NULL));
        assert_non_null(strstr(msg, "...': 'rd"));
        assert_int_equal(strcmp(msg + strlen(msg) - strlen("...' is not a host name"),
                                "...' is not a host name"),
                         0);
        g_string_free(text, TRUE);
    }
    refused("timestamp,farm,\x1b[Hsessions\n",
            "bad.csv:1: the header must be "
            "timestamp,farm,sessions[,active][,cpu][,memory][,event], not "
            "'timestamp,farm,\\x1b[Hsessions'");
    /* numbers: digits only, within their range, no arithmetic past it */
    refused(HEAD "2026-03-02T08:05,rds,10000001\n",
            "bad.csv:2: sessions 10000001: more than 10000000");
    refused(HEAD "2026-03-02T08:05,rds,99999999999999999999999999\n",
            "bad.csv:2: sessions 99999999999999999999999999: more than 10000000");
    refused("timestamp,farm,sessions,active\n2026-03-02T08:05,rds,3,18446744073709551619\n",
            "bad.csv:2: active 18446744073709551619: more than 10000000");
    refused(HEAD "2026-03-02T08:05,rds,+5\n", "bad.csv:2: sessions '+5' is not a whole number");
    refused(HEAD "2026-03-02T 8:05,rds,5\n",
            "bad.csv:2: timestamp '2026-03-02T 8:05' is not YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
    refused(HEAD "2026-03-02T08:05:+1,rds,5\n",
            "bad.csv:2: timestamp '2026-03-02T08:05:+1' is not YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
    refused(HEAD "2026-03-02T08:05+ 1:00,rds,5\n",
            "bad.csv:2: timestamp '2026-03-02T08:05+ 1:00' is not YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]");
    /* 400 days at most: the gap between rows (the resolution) fits in an int */
    refused(
        HEAD "2026-03-02T08:05,rds,1\n9999-03-02T08:05,rds,1\n",
        "bad.csv:3: time 9999-03-02T08:05 is more than 400 days after the first sample (line 2)");
    {
        struct gf_trace tr;
        assert_int_equal(gf_trace_parse("t.csv",
                                        HEAD "2026-01-01T00:00Z,rds,1\n2027-02-05T00:00Z,rds,2\n",
                                        NULL, &tr),
                         0);
        assert_int_equal(tr.resolution, 400 * 86400);
        gf_trace_free(&tr);
    }
}

static char dir[] = "/tmp/gf-trace-XXXXXX";

/* DIR/NAME into PATH, with LEN bytes of TEXT written to it (TEXT NULL:
 * nothing written). */
static void file_at(const char *name, const char *text, size_t len, char *path, size_t plen)
{
    FILE *f;

    snprintf(path, plen, "%s/%s", dir, name);
    if (!text)
        return;
    assert_non_null(f = fopen(path, "we"));
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Loading FILE fails with an input error that is exactly WANT. */
static void load_refused(const char *file, const char *want)
{
    struct gf_trace tr;

    gf_err_clear();
    assert_int_equal(gf_trace_load(file, "UTC", &tr), -1);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_string_equal(gf_err_message(), want);
    assert_null(tr.rows);
}

static void reads_only_regular_files(void **state)
{
    char path[PATH_MAX], want[PATH_MAX + 80];
    struct timespec t0, t1;

    (void)state;
    file_at("fifo.csv", NULL, 0, path, sizeof(path));
    assert_int_equal(mkfifo(path, 0600), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    alarm(10); /* a blocking open would hang: SIGALRM fails the test */
    snprintf(want, sizeof(want), "trace %s: cannot read: not a regular file", path);
    load_refused(path, want);
    alarm(0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    snprintf(want, sizeof(want), "trace %s: cannot read: Is a directory", dir);
    load_refused(dir, want);
    load_refused("/dev/zero", "trace /dev/zero: cannot read: not a regular file");
}

static void refuses_a_nul_byte_and_a_file_over_64_mib(void **state)
{
    static const char text[] = HEAD "2026-03-02T08:05,rds,1\n\0"
                                    "2026-03-02T08:10,rds,2\n";
    char path[PATH_MAX], want[PATH_MAX + 80], *read_back;
    int fd;

    (void)state;
    file_at("nul.csv", text, sizeof(text) - 1, path, sizeof(path));
    snprintf(want, sizeof(want), "%s:3: a NUL byte: a trace is text", path);
    load_refused(path, want);
    /* what the trace load source reads through */
    assert_int_equal(gf_trace_read_text(path, &read_back), -1);
    assert_string_equal(gf_err_message(), want);
    /* 64 MiB and one byte (sparse: nothing is written) */
    file_at("huge.csv", NULL, 0, path, sizeof(path));
    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0);
    assert_int_equal(ftruncate(fd, GF_TRACE_MAX_BYTES + 1), 0);
    close(fd);
    snprintf(want, sizeof(want), "trace %s: cannot read: larger than 64 MiB, the limit", path);
    load_refused(path, want);
    file_at("good.csv", HEAD "2026-03-02T08:05,rds,1\n", strlen(HEAD) + 23, path, sizeof(path));
    assert_int_equal(gf_trace_read_text(path, &read_back), 0);
    assert_string_equal(read_back, HEAD "2026-03-02T08:05,rds,1\n");
    free(read_back);
}

static void a_large_trace_loads_in_linear_time(void **state)
{
    GString *text = g_string_new(HEAD);
    time_t t = 1767225600; /* 2026-01-01T00:00Z */
    struct timespec t0, t1;
    struct gf_trace tr;
    char path[PATH_MAX];
    int rows = 0;

    (void)state;
    /* about 60 MiB: 2.5 million rows, one a second */
    while (text->len < GF_TRACE_MAX_BYTES - 64) {
        struct tm tm;
        char when[32];
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        g_string_append_printf(text, "%s,rds,%d\n", when, rows % 500);
        t++;
        rows++;
    }
    file_at("large.csv", text->str, text->len, path, sizeof(path));
    g_string_free(text, TRUE);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(gf_trace_load(path, "UTC", &tr), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(tr.nrows, rows);
    assert_int_equal(tr.resolution, 1);
    assert_true(t1.tv_sec - t0.tv_sec < 30);
    gf_trace_free(&tr);
}

static void reports_a_missing_file(void **state)
{
    struct gf_trace tr;

    (void)state;
    assert_int_equal(gf_trace_load("/nonexistent/trace.csv", "UTC", &tr), -1);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_non_null(strstr(gf_err_message(), "/nonexistent/trace.csv"));
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    static const char *const files[] = {"fifo.csv", "nul.csv", "huge.csv", "good.csv", "large.csv"};
    char path[PATH_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_a_good_trace),
        cmocka_unit_test(reads_cpu_and_memory_columns),
        cmocka_unit_test(local_times_follow_the_zone),
        cmocka_unit_test(finds_the_sample_in_force),
        cmocka_unit_test(refuses_bad_traces),
        cmocka_unit_test(reports_a_missing_file),
        cmocka_unit_test(refuses_hostile_values),
        cmocka_unit_test(reads_only_regular_files),
        cmocka_unit_test(refuses_a_nul_byte_and_a_file_over_64_mib),
        cmocka_unit_test(a_large_trace_loads_in_linear_time),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
