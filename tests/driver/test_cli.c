/* test_cli.c - the vmctl program itself, as separate processes against a
 * prepared test-driver farm: exit codes, one-line errors on stderr, the
 * connection URI from -c or LIBVIRT_DEFAULT_URI, and a whole ';'-separated
 * flow on the demo farm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"

static const char *vmctl;
static char farm_uri[4200], demo_uri[4200];

/* Run vmctl with ARGS (NULL-terminated) and the extra environment ENV. */
static struct run_result vmctl_env(char *const env[], ...)
{
    char *argv[48];
    struct run_result r;
    int n = 0;
    va_list ap;

    argv[n++] = (char *)vmctl;
    va_start(ap, env);
    while (n < 47 && (argv[n] = va_arg(ap, char *)))
        n++;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(run_argv(argv, env, &r), 0);
    return r;
}

#define VMCTL(...) vmctl_env(NULL, "-c", farm_uri, __VA_ARGS__, NULL)

/* Every bad input exits 2 with exactly one line on stderr that names the
 * problem, and prints nothing on stdout. */
static void bad_input_is_one_line_and_exit_2(void **state)
{
    static const struct {
        const char *args[8];
        const char *says;
    } cases[] = {
        {{"snapshot", "create", "nosuch"}, "unknown host 'nosuch'"},
        {{"snapshot", "create", "legacy-sql"}, "not managed by Goldfarm"},
        {{"snapshot", "create", "rds-001", "--name", "a/b"}, "contains '/'"},
        {{"snapshot", "create", "rds-001", "--name", "a..b"}, "contains '..'"},
        {{"snapshot", "create", "rds-001", "--name", "<x>"}, "XML metacharacter"},
        {{"snapshot", "create", "rds-001", "--name", "a b"}, "whitespace"},
        {{"snapshot", "create", "rds-001", "--name", "a\x1b[31m"}, "control character"},
        {{"snapshot", "create", "--farm", "empty"}, "farm 'empty' has no hosts"},
        {{"snapshot", "list", "rds-001", "--jsn"}, "unknown option '--jsn'"},
        {{"snapshot", "delete", "rds-001", "nosuch"}, "no snapshot 'nosuch'"},
        {{"rollback", "rds-001", "nosuch"}, "no snapshot 'nosuch'"},
        {{"clone", "rds-gold", "rds-002"}, "already exists"},
        {{"clone", "gold-running", "x"}, "is running"},
        {{"clone", "plain-off", "x"}, "not a gold image"},
        {{"clone", "nosuch", "x"}, "unknown gold image 'nosuch'"},
        {{"resize", "rds-001", "--vcpus", "9"}, "more than its maximum of 4"},
        {{"resize", "rds-001", "--vcpus", "0"}, "at least one vCPU"},
        {{"resize", "rds-001", "--memory", "1T"}, "more than its maximum of 8G"},
        {{"resize", "rds-001", "--vcpus", "1", "--live"}, "use --config"},
        {{"image", "mark", "nosuch"}, "unknown domain 'nosuch'"},
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"--bogus"}, "unknown option '--bogus'"},
        {{0}, "no command given"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[16] = {(char *)vmctl, "-c", farm_uri};
        struct run_result r;
        int n = 3;
        for (int k = 0; cases[i].args[k]; k++)
            argv[n++] = (char *)cases[i].args[k];
        argv[n] = NULL;
        assert_int_equal(run_argv(argv, NULL, &r), 0);
        if (r.status != 2 || run_count_lines(r.err) != 1 || strncmp(r.err, "vmctl: ", 7) != 0 ||
            !strstr(r.err, cases[i].says) || r.out[0])
            fail_msg("case %zu (%s): exit %d, stderr '%s', stdout '%s'", i, cases[i].says, r.status,
                     r.err, r.out);
        run_result_free(&r);
    }
}

static void failed_connection_is_exit_1(void **state)
{
    struct run_result r =
        vmctl_env(NULL, "-c", "test:///nonexistent/farm.xml", "image", "list", NULL);

    (void)state;
    assert_int_equal(r.status, 1);
    assert_int_equal(run_count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "vmctl: cannot connect to 'test:///nonexistent/farm.xml'"));
    run_result_free(&r);
}

static void uri_from_the_environment(void **state)
{
    char env_uri[4300];
    char *env[] = {env_uri, NULL};
    struct run_result r;

    (void)state;
    snprintf(env_uri, sizeof(env_uri), "LIBVIRT_DEFAULT_URI=%s", farm_uri);
    r = vmctl_env(env, "image", "list", "--json", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"name\":\"rds-gold\""));
    run_result_free(&r);
    /* -c wins over the environment */
    r = vmctl_env(env, "--connect", demo_uri, "image", "list", "--json", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "[]\n");
    run_result_free(&r);
}

static void listings_and_help(void **state)
{
    struct run_result r = VMCTL("snapshot", "list", "--farm", "rds", "--json");

    (void)state;
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"host\":\"rds-003\",\"name\":\"old\""));
    run_result_free(&r);
    r = vmctl_env(NULL, "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "snapshot create"));
    run_result_free(&r);
    r = vmctl_env(NULL, "--version", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "vmctl (Goldfarm) "));
    run_result_free(&r);
    r = vmctl_env(NULL, "help", "rollback", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--force"));
    run_result_free(&r);
}

/* The demo's flow in one process: mark, clone a farm, snapshot it, change
 * it, roll it back; each step printed. */
static void whole_flow_on_the_demo_farm(void **state)
{
    struct run_result r = vmctl_env(
        NULL, "-c", demo_uri, "image", "mark", "rds-2022-gold", ";", "clone", "rds-2022-gold",
        "rds-001", "--farm", "rds", "--start", ";", "clone", "rds-2022-gold", "rds-002", "--farm",
        "rds", "--start", ";", "snapshot", "create", "--farm", "rds", "--name", "pre", ";",
        "resize", "rds-001", "--vcpus", "8", ";", "rollback", "--farm", "rds", "--name", "pre", ";",
        "snapshot", "list", "--farm", "rds", NULL);

    (void)state;
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    assert_non_null(strstr(r.out, "rds-2022-gold: marked as gold image"));
    assert_non_null(strstr(r.out, "rds-002: started"));
    assert_non_null(strstr(r.out, "snapshot 'pre' taken of 2 hosts"));
    assert_non_null(strstr(r.out, "rds-001: 8 vCPUs (live)"));
    assert_non_null(strstr(r.out, "rds-001: rolled back to 'pre'"));
    assert_non_null(strstr(r.out, "rolled back 2 hosts"));
    assert_non_null(strstr(r.out, "gf-safety-"));
    assert_string_equal(r.err, "");
    run_result_free(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_input_is_one_line_and_exit_2),
        cmocka_unit_test(failed_connection_is_exit_1),
        cmocka_unit_test(uri_from_the_environment),
        cmocka_unit_test(listings_and_help),
        cmocka_unit_test(whole_flow_on_the_demo_farm),
    };

    if (argc != 4) {
        fprintf(stderr, "usage: %s VMCTL FARM.xml DEMO-FARM.xml\n", argv[0]);
        return 2;
    }
    vmctl = argv[1];
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", argv[2]);
    snprintf(demo_uri, sizeof(demo_uri), "test://%s", argv[3]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
