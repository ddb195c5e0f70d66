/* test_plan_driver.c - `vmctl plan` against libvirt's test driver, in
 * process on one connection to the prepared farm given as argv[1]
 * (tests/driver/farm.xml: farm "rds" with rds-001 and rds-002 running and
 * rds-003 shut off, all active; farm "callc"; unmanaged domains).  Sessions
 * come from a trace load source written next to a temporary policy whose
 * hypervisor the connection replaces, like vmctl -c.  Every plan must leave
 * libvirt exactly as it was.
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
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farm_state.h"
#include "base/log.h"
#include "vm_fixture.h"
#include "vmctl.h"

static char farm_uri[4200];
static char dir[] = "/tmp/gf-plan-driver-XXXXXX";
static char policy[4300], bad_policy[4300], two_hv_policy[4300], bad_trace_policy[4300];

/* Weekdays: ramp_up 07:00 min 4 (60%, one standby), peak 09:00 min 2 (80%),
 * ramp_down 17:00 min 2, off_peak 19:00 min 2 (90%).  Tuesday 24 Nov 2026 is
 * a holiday, off-peak all day. */
#define POLICY_HEAD                                                                                \
    "farm: {\n"                                                                                    \
    "  name = \"rds\";\n"                                                                          \
    "  hypervisors = ( %s );\n"                                                                    \
    "  image = \"rds-gold\";\n"                                                                    \
    "  host_name = \"rds-%%03d\";\n"                                                               \
    "  vcpus = 2;\n"                                                                               \
    "  memory = \"4G\";\n"                                                                         \
    "  max_sessions = 10;\n"                                                                       \
    "  min_hosts = 1;\n"                                                                           \
    "  max_hosts = 8;\n"                                                                           \
    "};\n"                                                                                         \
    "schedule: {\n"                                                                                \
    "  timezone = \"Europe/Berlin\";\n"                                                            \
    "  weekdays: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"];\n"                        \
    "    ramp_up   = { start = \"07:00\"; min_hosts = 4; threshold = 60; standby = 1; };\n"        \
    "    peak      = { start = \"09:00\"; min_hosts = 2; threshold = 80; };\n"                     \
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; threshold = 80; balance = \"depth\"; "    \
    "};\n"                                                                                         \
    "    off_peak  = { start = \"19:00\"; min_hosts = 2; threshold = 90; balance = \"depth\"; "    \
    "};\n"                                                                                         \
    "  };\n"                                                                                       \
    "  weekend: { days = [\"sat\", \"sun\"];\n"                                                    \
    "    ramp_up = { start = \"09:00\"; }; peak = { start = \"10:00\"; };\n"                       \
    "    ramp_down = { start = \"14:00\"; }; off_peak = { start = \"17:00\"; };\n"                 \
    "  };\n"                                                                                       \
    "  holidays = ( { date = \"2026-11-24\"; as = \"off_peak\"; } );\n"                            \
    "};\n"                                                                                         \
    "scaling = { cooldown_out = \"5m\"; cooldown_in = \"15m\"; max_step = 3; hysteresis = 10; "    \
    "};\n"                                                                                         \
    "load = { source = \"trace\"; trace = \"%s\"; };\n"

/* A day of sessions: a quiet night, the morning, the peak.  rds-003 is shut
 * off (its lines count for nothing), callc-001 is another farm's host. */
static const char trace_text[] = "# TIME HOST SESSIONS [ACTIVE]\n"
                                 "00:00 rds-001 1\n"
                                 "00:00 rds-002 1\n"
                                 "00:00 rds-003 0\n"
                                 "08:00 rds-001 5 4\n"
                                 "08:00 rds-002 4 4\n"
                                 "10:00 rds-001 14 12\n"
                                 "10:00 rds-002 13 13\n"
                                 "10:00 rds-003 7\n"
                                 "10:00 callc-001 20\n";

/* Write TEXT to DIR/NAME, its path into PATH (LEN bytes). */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
    FILE *f;

    snprintf(path, len, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static int make_files(void **state)
{
    char text[8192], trace[4300], bad_trace[4300];

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/gf-plan-driver-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_file("day.trace", trace_text, trace, sizeof(trace));
    write_file("bad.trace", "00:00 rds-001 1\nnoon rds-001 3\n", bad_trace, sizeof(bad_trace));
    snprintf(text, sizeof(text), POLICY_HEAD, "{ uri = \"test:///default\"; }", "day.trace");
    write_file("rds.conf", text, policy, sizeof(policy));
    snprintf(text, sizeof(text), POLICY_HEAD,
             "{ uri = \"test:///default\"; max_hosts = 4; }, { uri = \"qemu+ssh://hv2/system\"; "
             "max_hosts = 4; }",
             "day.trace");
    write_file("two.conf", text, two_hv_policy, sizeof(two_hv_policy));
    snprintf(text, sizeof(text), POLICY_HEAD, "{ uri = \"test:///default\"; }", "bad.trace");
    write_file("badtrace.conf", text, bad_trace_policy, sizeof(bad_trace_policy));
    snprintf(text, sizeof(text), POLICY_HEAD, "{ uri = \"test:///default\"; }", "day.trace");
    /* two mistakes: max_sessions 0 (line 8) and a misspelt key (line 26) */
    {
        char *at = strstr(text, "max_sessions = 10;");
        assert_non_null(at);
        memcpy(at, "max_sessions = 0; ", strlen("max_sessions = 10;"));
        at = strstr(text, "cooldown_in");
        assert_non_null(at);
        memcpy(at, "cooldown_ix", strlen("cooldown_in"));
    }
    write_file("bad.conf", text, bad_policy, sizeof(bad_policy));
    return 0;
}

static int remove_files(void **state)
{
    const char *names[] = {"day.trace", "bad.trace",     "rds.conf",
                           "two.conf",  "badtrace.conf", "bad.conf"};
    char path[4300];

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* A fresh connection to the farm; -c's URI given too, as vmctl's main does. */
static int setup(void **state)
{
    struct fixture *f = vm_open(farm_uri);

    f->ctx.uri = farm_uri;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    vm_close(*state);
    return 0;
}

/* Run `plan --policy FILE --at AT [--json]` and assert it prints exactly
 * WANT (a printf format; %1$s is the farm's URI) and changes nothing. */
static void assert_plan(struct fixture *f, const char *file, const char *at, int json,
                        const char *want_fmt)
{
    char *before = farm_state(f->conn), *after, want[8192];
    int code = json ? vm(f, "plan", "--policy", file, "--at", at, "--json", NULL)
                    : vm(f, "plan", "--policy", file, "--at", at, NULL);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(want, sizeof(want), want_fmt, farm_uri);
#pragma GCC diagnostic pop
    if (code != 0)
        fail_msg("plan --at %s: exit %d (%s)\n%s", at, code, gf_err_message(), f->out);
    if (strcmp(f->out, want) != 0)
        fail_msg("plan --at %s printed:\n%s\nnot:\n%s", at, f->out, want);
    after = farm_state(f->conn);
    assert_same_state(before, after, "vmctl plan");
    free(before);
    free(after);
}

/* Run a plan that must fail with exit code CODE and an error naming WANT,
 * changing nothing. */
#define assert_plan_fails(f, code, want, ...)                                                      \
    do {                                                                                           \
        char *before_ = farm_state((f)->conn), *after_;                                            \
        int code_ = vm((f), __VA_ARGS__, NULL);                                                    \
        if (code_ != (code))                                                                       \
            fail_msg("exit %d, not %d (error: %s)", code_, (code), gf_err_message());              \
        if (!strstr(gf_err_message(), (want)))                                                     \
            fail_msg("error '%s' lacks '%s'", gf_err_message(), (want));                           \
        after_ = farm_state((f)->conn);                                                            \
        assert_same_state(before_, after_, gf_err_message());                                      \
        free(before_);                                                                             \
        free(after_);                                                                              \
    } while (0)

/* ---- plans ---- */

/* 03:00 on a Monday: off-peak, two hosts in service = its minimum, a quiet
 * night: nothing to do (and the shut-off rds-003 is left off). */
static void off_peak_nothing_to_do(void **state)
{
    struct fixture *f = *state;

    assert_plan(f, policy, "2026-11-23T03:00", 0,
                "# farm rds at 2026-11-23 03:00 Europe/Berlin: weekdays, off_peak; 2 in service, "
                "0 standby, 0 draining; 2 sessions = 10%%\n"
                "nothing to do\n");
}

/* 07:30: ramp-up wants 4 hosts and a standby: the shut-off rds-003 is started
 * before anything is cloned. */
static void ramp_up_minimum(void **state)
{
    struct fixture *f = *state;

    assert_plan(f, policy, "2026-11-23T07:30", 0,
                "# farm rds at 2026-11-23 07:30 Europe/Berlin: weekdays, ramp_up; 2 in service, "
                "0 standby, 0 draining; 2 sessions = 10%%\n"
                "ramp_up: 2 hosts in service < minimum 4: start rds-003\n"
                "ramp_up: 2 hosts in service < minimum 4: clone rds-004 on %1$s\n"
                "ramp_up: 0 standby < 1: clone rds-005 as standby on %1$s\n");
}

/* 10:00: 27 sessions on 2 hosts of 10 = 135% > 80%: two more hosts (the
 * shut-off one first).  callc-001's and rds-003's trace lines count for
 * nothing: one is another farm's, the other is not running. */
static void peak_by_load(void **state)
{
    struct fixture *f = *state;

    assert_plan(f, policy, "2026-11-23T10:00", 0,
                "# farm rds at 2026-11-23 10:00 Europe/Berlin: weekdays, peak; 2 in service, "
                "0 standby, 0 draining; 27 sessions = 135%%\n"
                "peak: 27 sessions / (2 hosts x 10) = 135%% > 80%%: start rds-003\n"
                "peak: 27 sessions / (2 hosts x 10) = 135%% > 80%%: clone rds-004 on %1$s\n");
    /* "HH:MM" alone: that time today; the trace's HH:MM lines hold every day */
    assert_int_equal(vm(f, "plan", "--policy", policy, "--at", "10:00", NULL), 0);
    assert_non_null(strstr(f->out, " 10:00 Europe/Berlin: "));
}

/* The same moment as JSON, every field. */
static void peak_as_json(void **state)
{
    struct fixture *f = *state;

    assert_plan(
        f, policy, "2026-11-23T10:00", 1,
        "{\"farm\":\"rds\",\"at\":\"2026-11-23T10:00\",\"timezone\":\"Europe/Berlin\","
        "\"day_set\":\"weekdays\",\"phase\":\"peak\",\"holiday\":false,\"in_service\":2,"
        "\"standby\":0,\"draining\":0,\"sessions\":27,\"capacity\":20,\"usage_pct\":135,"
        "\"actions\":["
        "{\"action\":\"start\",\"host\":\"rds-003\",\"hypervisor\":\"%1$s\","
        "\"rule\":\"peak: 27 sessions / (2 hosts x 10) = 135%% > 80%%\","
        "\"line\":\"peak: 27 sessions / (2 hosts x 10) = 135%% > 80%%: start rds-003\"},"
        "{\"action\":\"clone\",\"host\":\"rds-004\",\"hypervisor\":\"%1$s\",\"standby\":false,"
        "\"rule\":\"peak: 27 sessions / (2 hosts x 10) = 135%% > 80%%\","
        "\"line\":\"peak: 27 sessions / (2 hosts x 10) = 135%% > 80%%: clone rds-004 on %1$s\"}"
        "]}\n");
}

/* A holiday: off-peak all day, and the JSON says so. */
static void holiday_off_peak(void **state)
{
    struct fixture *f = *state;

    assert_plan(f, policy, "2026-11-24T10:00", 0,
                "# farm rds at 2026-11-24 10:00 Europe/Berlin: weekdays, off_peak; 2 in service, "
                "0 standby, 0 draining; 27 sessions = 135%%\n"
                "off_peak (holiday 2026-11-24): 27 sessions / (2 hosts x 10) = 135%% > 90%%: "
                "start rds-003\n");
    assert_int_equal(vm(f, "plan", "--policy", policy, "--at", "2026-11-24T10:00", "--json", NULL),
                     0);
    assert_non_null(strstr(f->out, "\"phase\":\"off_peak\",\"holiday\":true,"));
}

/* Several plans in one sequence on one connection: still nothing changed. */
static void plans_in_sequence_change_nothing(void **state)
{
    struct fixture *f = *state;
    char *before = farm_state(f->conn), *after;

    assert_int_equal(vm(f, "plan", "--policy", policy, "--at", "2026-11-23T07:30", ";", "plan",
                        "--policy", policy, "--at", "2026-11-23T10:00", "--json", ";", "list",
                        "--farm", "rds", NULL),
                     0);
    assert_non_null(strstr(f->out, "clone rds-005 as standby"));
    assert_non_null(strstr(f->out, "\"usage_pct\":135"));
    assert_non_null(strstr(f->out, "rds-003 "));
    after = farm_state(f->conn);
    assert_same_state(before, after, "plan ; plan ; list");
    free(before);
    free(after);
}

/* ---- bad input ---- */

static void missing_policy_option(void **state)
{
    struct fixture *f = *state;

    assert_plan_fails(f, 2, "plan: --policy FILE is required", "plan", "--at", "10:00");
    assert_string_equal(gf_err_message(), "plan: --policy FILE is required");
    assert_plan_fails(f, 2, "option '--policy' needs a value", "plan", "--policy");
    assert_plan_fails(f, 2, "unknown option '--polcy'", "plan", "--polcy", policy);
}

/* A policy with errors: every error printed, exit 2. */
static void bad_policy_file(void **state)
{
    struct fixture *f = *state;
    char want[8192], err[8192];

    assert_plan_fails(f, 2, "has errors", "plan", "--policy", bad_policy, "--at", "10:00");
    snprintf(want, sizeof(want),
             "%s:8: farm.max_sessions: 0 is out of range (1 to 1000)\n"
             "%s:26: scaling.cooldown_ix: unknown key (expected one of: cooldown_out, "
             "cooldown_in, max_step, hysteresis, max_vcpus, max_memory, vcpu_step, memory_step, "
             "window, grow_after, shrink_after, resize_cooldown, cpu_above, cpu_below, "
             "memory_below, memory_above, cpu_overcommit)\n",
             bad_policy, bad_policy);
    assert_string_equal(f->out, want);
    snprintf(err, sizeof(err), "policy %s has errors", bad_policy);
    assert_string_equal(gf_err_message(), err);
    /* a file that is not there */
    assert_plan_fails(f, 2, "has errors", "plan", "--policy", "/nonexistent/rds.conf");
    assert_string_equal(f->out, "/nonexistent/rds.conf: cannot read: No such file or directory\n");
}

static void bad_at_time(void **state)
{
    struct fixture *f = *state;

    assert_plan_fails(f, 2, "--at '25:00': not a time of day", "plan", "--policy", policy, "--at",
                      "25:00");
    assert_plan_fails(f, 2, "--at 'tomorrow': expected HH:MM or YYYY-MM-DDTHH:MM", "plan",
                      "--policy", policy, "--at", "tomorrow");
    assert_plan_fails(f, 2, "--at '2026-11-23 10:00': expected HH:MM or YYYY-MM-DDTHH:MM", "plan",
                      "--policy", policy, "--at", "2026-11-23 10:00");
    assert_string_equal(f->out, "");
}

/* -c stands for the one hypervisor of a policy; with two it is refused. */
static void connection_with_two_hypervisors(void **state)
{
    struct fixture *f = *state;

    assert_plan_fails(f, 2, "-c replaces a policy's hypervisor, but ", "plan", "--policy",
                      two_hv_policy, "--at", "10:00");
    assert_non_null(strstr(gf_err_message(), "two.conf has 2"));
}

/* A trace that passed the check but holds a bad line fails the plan (exit 1). */
static void bad_trace_line(void **state)
{
    struct fixture *f = *state;

    assert_plan_fails(f, 1, "line 2: 'noon' is not HH:MM or YYYY-MM-DDTHH:MM", "plan", "--policy",
                      bad_trace_policy, "--at", "2026-11-23T10:00");
    assert_non_null(strstr(gf_err_message(), "bad.trace"));
}

/* ---- fixed bugs, kept as regression tests ---- */

/* With a connection but no -c URI (ctx.uri NULL, how test_driver.c and any
 * embedding caller run vmctl), the clone lines name the policy's placeholder
 * URI (test:///default), not the connection's. */
static void bug_given_connection_names_its_uri(void **state)
{
    struct fixture *f = *state;
    char want[4400];

    f->ctx.uri = NULL;
    assert_int_equal(vm(f, "plan", "--policy", policy, "--at", "2026-11-23T10:00", NULL), 0);
    snprintf(want, sizeof(want), ": clone rds-004 on %s\n", farm_uri);
    if (!strstr(f->out, want))
        fail_msg("output lacks '%s':\n%s", want, f->out);
}

/* --at before the last scale-out (rds-001 and rds-002 became active at
 * 2026-11-20T06:00Z) prints a cooldown with negative seconds. */
static void bug_at_before_last_scale_out(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "plan", "--policy", policy, "--at", "2026-11-19T10:00", NULL), 0);
    if (strstr(f->out, "(-"))
        fail_msg("a negative cooldown:\n%s", f->out);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(off_peak_nothing_to_do, setup, teardown),
        cmocka_unit_test_setup_teardown(ramp_up_minimum, setup, teardown),
        cmocka_unit_test_setup_teardown(peak_by_load, setup, teardown),
        cmocka_unit_test_setup_teardown(peak_as_json, setup, teardown),
        cmocka_unit_test_setup_teardown(holiday_off_peak, setup, teardown),
        cmocka_unit_test_setup_teardown(plans_in_sequence_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_policy_option, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_policy_file, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_at_time, setup, teardown),
        cmocka_unit_test_setup_teardown(connection_with_two_hypervisors, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_trace_line, setup, teardown),
    };
    const struct CMUnitTest known_bugs[] = {
        cmocka_unit_test_setup_teardown(bug_given_connection_names_its_uri, setup, teardown),
        cmocka_unit_test_setup_teardown(bug_at_before_last_scale_out, setup, teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s ABSOLUTE/PATH/farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", argv[1]);
    gf_err_init();
    failed =
        cmocka_run_group_tests_name("plan on the test driver", tests, make_files, remove_files);
    failed += cmocka_run_group_tests_name("plan on the test driver: fixed bugs", known_bugs,
                                          make_files, remove_files);
    return failed ? 1 : 0;
}
