/* test_metrics.c - goldfarmd's Prometheus textfile on libvirt's test driver:
 * the series an alert needs (build info, the last good tick, the tick
 * interval, the breaker, hosts by state, the minimum now, the phase, the
 * roll-out's progress, actions by outcome), label values escaped, and the
 * whole file accepted by `promtool check metrics`.  The farm and policy are
 * test_farmd.c's.  argv[1]: the tests/driver directory; argv[2]: promtool. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farmd_cases.h"
#include "farmd_fixture.h"
#include "model/meta.h"
#include "plan/rollout.h"

static const char *promtool;

/* The value of the sample SERIES (its name and labels, exactly as written)
 * in the metrics TEXT; fails the test when there is none. */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);

    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line)
        if (strncmp(line, series, n) == 0 && line[n] == ' ')
            return strtod(line + n + 1, NULL);
    fail_msg("no sample %s in:\n%s", series, text);
    return 0;
}

/* The metrics file as it is now (fails the test when missing). */
static char *metrics(struct fx *f)
{
    char *text = fx_state_file(f, "goldfarm.prom");

    assert_non_null(text);
    return text;
}

/* Run `promtool check metrics` on STATE/goldfarm.prom (its standard input,
 * as promtool reads it) and fail the test with what it said unless it
 * accepts the file. */
static void promtool_accepts(struct fx *f)
{
    char path[4300], said[4096] = "";
    int pipefd[2], status = 0;
    ssize_t got;
    size_t used = 0;
    pid_t pid;

    snprintf(path, sizeof(path), "%s/goldfarm.prom", f->state);
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(path, O_RDONLY | O_CLOEXEC);
        if (in < 0 || dup2(in, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
            _exit(126);
        execl(promtool, promtool, "check", "metrics", (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    while ((got = read(pipefd[0], said + used, sizeof(said) - 1 - used)) > 0)
        used += (size_t)got;
    said[used] = '\0';
    close(pipefd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *text = metrics(f);
        fail_msg("promtool check metrics refused the file (status %d):\n%s\n--- the file:\n%s",
                 status, said, text);
    }
}

/* The farm's series through a day: the phase and its minimum, the good
 * ticks, the breaker, hosts by state, actions that failed, blindness. */
static void series_through_a_day(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct gfd_farm *fm;
    char path[4300], series[256], *text;
    virDomainPtr dom;
    struct stat st;

    fx_tick(f, "06:00");
    text = metrics(f);
    snprintf(series, sizeof(series), "goldfarm_build_info{version=\"%s\"}", GOLDFARM_VERSION);
    assert_true(value_of(text, series) == 1);
    assert_true(value_of(text, "goldfarm_last_good_tick_timestamp_seconds{farm=\"rds\"}") ==
                (double)fx_at(f, "06:00"));
    assert_true(value_of(text, "goldfarm_farm_start_timestamp_seconds{farm=\"rds\"}") ==
                (double)fx_at(f, "06:00"));
    assert_true(value_of(text, "goldfarm_tick_interval_seconds{farm=\"rds\"}") == 30);
    assert_true(value_of(text, "goldfarm_phase{farm=\"rds\",phase=\"off_peak\"}") == 1);
    assert_true(value_of(text, "goldfarm_phase{farm=\"rds\",phase=\"ramp_up\"}") == 0);
    assert_true(value_of(text, "goldfarm_phase{farm=\"rds\",phase=\"peak\"}") == 0);
    assert_true(value_of(text, "goldfarm_phase{farm=\"rds\",phase=\"ramp_down\"}") == 0);
    assert_true(value_of(text, "goldfarm_min_hosts{farm=\"rds\"}") == 2);
    assert_true(value_of(text, "goldfarm_breaker_open{farm=\"rds\"}") == 0);
    assert_true(value_of(text, "goldfarm_hosts{farm=\"rds\",state=\"quarantined\"}") == 0);
    assert_true(value_of(text, "goldfarm_hosts{farm=\"rds\",state=\"failing\"}") == 0);
    assert_true(value_of(text, "goldfarm_rollout_phase{farm=\"rds\",phase=\"none\"}") == 1);
    assert_true(value_of(text, "goldfarm_rollout_phase{farm=\"rds\",phase=\"rolled-back\"}") == 0);
    free(text);
    promtool_accepts(f);
    /* node_exporter reads it as another user, whatever the daemon's umask */
    snprintf(path, sizeof(path), "%s/goldfarm.prom", f->state);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    /* ramp-up: its minimum, and the clones it takes are counted as done */
    fx_tick(f, "07:00");
    text = metrics(f);
    assert_true(value_of(text, "goldfarm_phase{farm=\"rds\",phase=\"ramp_up\"}") == 1);
    assert_true(value_of(text, "goldfarm_phase{farm=\"rds\",phase=\"off_peak\"}") == 0);
    assert_true(value_of(text, "goldfarm_min_hosts{farm=\"rds\"}") == 4);
    assert_true(value_of(text, "goldfarm_last_good_tick_timestamp_seconds{farm=\"rds\"}") ==
                (double)fx_at(f, "07:00"));
    assert_true(value_of(text, "goldfarm_farm_start_timestamp_seconds{farm=\"rds\"}") ==
                (double)fx_at(f, "06:00"));
    assert_true(
        value_of(text, "goldfarm_actions_total{farm=\"rds\",action=\"clone\",outcome=\"done\"}") >=
        1);
    assert_true(
        value_of(text,
                 "goldfarm_actions_total{farm=\"rds\",action=\"clone\",outcome=\"failed\"}") == 0);
    free(text);

    /* a host set aside is counted as quarantined, not in service */
    fm = fx_farm(f, "rds");
    dom = virDomainLookupByName(f->conn[0], "rds-002");
    assert_non_null(dom);
    assert_int_equal(gf_meta_set_state(dom, GF_HS_QUARANTINED, "test", fx_at(f, "07:01")), 0);
    virDomainFree(dom);
    gf_meta_cache_forget(NULL);
    fx_tick(f, "07:02");
    text = metrics(f);
    assert_true(value_of(text, "goldfarm_hosts{farm=\"rds\",state=\"quarantined\"}") == 1);
    assert_int_equal(fm->quarantined, 1);
    free(text);

    /* an open breaker */
    snprintf(path, sizeof(path), "%s/rds.breaker", f->state);
    fx_write_file(path, "3 replacements failed within 600s\n");
    fx_tick(f, "07:03");
    text = metrics(f);
    assert_true(value_of(text, "goldfarm_breaker_open{farm=\"rds\"}") == 1);
    free(text);
    promtool_accepts(f);

    /* a clone that fails is counted as failed, by its kind */
    fx_write_trace(f, "07:00 rds-001 40\n07:00 rds-003 40\n07:00 rds-004 40\n");
    setenv("GOLDFARM_FAULT", "clone-define", 1);
    assert_int_equal(gfd_tick(&f->d, fm, fx_at(f, "07:30")), 0);
    unsetenv("GOLDFARM_FAULT");
    text = metrics(f);
    assert_true(
        value_of(text,
                 "goldfarm_actions_total{farm=\"rds\",action=\"clone\",outcome=\"failed\"}") >= 1);
    assert_true(value_of(text, "goldfarm_actions_total{farm=\"rds\",action=\"clone\",outcome="
                               "\"failed\"}") == (double)fm->action_failures[GF_ACT_CLONE]);
    free(text);

    /* blind: the tick is not a good one, the last good tick stays */
    f->down[0] = 1;
    fm->lost[0] = 1;
    assert_int_equal(gfd_tick(&f->d, fm, fx_at(f, "07:40")), 0);
    text = metrics(f);
    assert_true(value_of(text, "goldfarm_last_good_tick_timestamp_seconds{farm=\"rds\"}") ==
                (double)fx_at(f, "07:30"));
    snprintf(series, sizeof(series), "goldfarm_hypervisor_up{farm=\"rds\",uri=\"%s\"}", f->uri[0]);
    assert_true(value_of(text, series) == 0);
    free(text);
    promtool_accepts(f);
}

/* A roll-out's phase and progress; a finished rollback stays visible. */
static void rollout_series(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct gf_rollout r = {.phase = GF_RO_ROLLED_BACK, .from = 1, .to = 2, .batch = 1};
    char *text;

    snprintf(r.image, sizeof(r.image), "rds-gold");
    snprintf(r.reason, sizeof(r.reason), "rds-004 failed its gate");
    r.started = r.phase_since = fx_at(f, "05:00");
    assert_int_equal(gf_rollout_save(f->state, "rds", &r), 0);
    fx_tick(f, "06:00");
    text = metrics(f);
    assert_true(value_of(text, "goldfarm_rollout_phase{farm=\"rds\",phase=\"rolled-back\"}") == 1);
    assert_true(value_of(text, "goldfarm_rollout_phase{farm=\"rds\",phase=\"none\"}") == 0);
    assert_true(value_of(text, "goldfarm_rollout_active{farm=\"rds\"}") == 0);
    /* back on version 1: every host there (rds-001..003 of farm.xml) */
    assert_true(value_of(text, "goldfarm_rollout_hosts{farm=\"rds\"}") >= 3);
    assert_true(value_of(text, "goldfarm_rollout_hosts_on_target{farm=\"rds\"}") ==
                value_of(text, "goldfarm_rollout_hosts{farm=\"rds\"}"));
    free(text);
    promtool_accepts(f);
}

/* Label values escaped: a hypervisor URI with a double quote, a backslash
 * and a line feed (libconfig lets a policy say so) is written as \", \\
 * and \n, and promtool still reads the file. */
static void label_values_escaped(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], real[512], *text;

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), 8);
    snprintf(real, sizeof(real), "%s", f->uri[0]);
    replace(policy, sizeof(policy), real, "test:///odd\\\"uri\\\\x\\ny");
    /* the fixture's connector knows the policy's URI as it is */
    snprintf(f->uri[0], sizeof(f->uri[0]), "test:///odd\"uri\\x\ny");
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, day_trace);
    fx_start(f, 1);
    fx_tick(f, "06:00");
    text = metrics(f);
    assert_true(
        value_of(text,
                 "goldfarm_hypervisor_up{farm=\"rds\",uri=\"test:///odd\\\"uri\\\\x\\ny\"}") == 1);
    fx_assert_lacks(text, "odd\"uri", "the metrics");
    free(text);
    promtool_accepts(f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(series_through_a_day, teardown),
        cmocka_unit_test_teardown(rollout_series, teardown),
        cmocka_unit_test_teardown(label_values_escaped, teardown),
    };

    if (argc != 3) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml PROMTOOL\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    promtool = argv[2];
    if (access(promtool, X_OK) != 0) {
        fprintf(stderr, "%s: promtool not found at '%s' (Debian's prometheus package has it)\n",
                argv[0], promtool);
        return 1;
    }
    gf_err_init();
    return cmocka_run_group_tests_name("goldfarmd's metrics on the test driver", tests, NULL, NULL)
               ? 1
               : 0;
}
