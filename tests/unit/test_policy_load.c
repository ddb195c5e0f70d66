/* test_policy_load.c - what a policy file may be (a regular file, at most
 * 1 MiB), loading in linear time, and host names for every host number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "base/names.h"
#include "policy/policy.h"

/* A policy that loads, with the host name pattern %s. */
#define POLICY                                                                                     \
    "farm: { name = \"rds\"; hypervisors = ( { uri = \"qemu:///system\"; } );\n"                   \
    "  image = \"gold\"; host_name = \"%s\"; max_sessions = 10; max_hosts = 3; };\n"               \
    "schedule: { always: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", "         \
    "\"sat\"];\n"                                                                                  \
    "  ramp_up = { start = \"06:00\"; }; peak = { start = \"08:00\"; };\n"                         \
    "  ramp_down = { start = \"18:00\"; }; off_peak = { start = \"22:00\"; }; }; };\n"

static char dir[] = "/tmp/gf-policy-load-XXXXXX";

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Write LEN bytes of TEXT to DIR/NAME; its path into PATH. */
static void write_file(const char *name, const char *text, size_t len, char *path, size_t plen)
{
    FILE *f;

    snprintf(path, plen, "%s/%s", dir, name);
    assert_non_null(f = fopen(path, "we"));
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Loading FILE fails with exactly WANT as its errors. */
static void load_fails(const char *file, const char *want)
{
    char *errors = NULL;

    assert_null(gf_policy_load(file, &errors));
    assert_non_null(errors);
    assert_string_equal(errors, want);
    free(errors);
}

static void only_regular_files_are_read(void **state)
{
    char path[PATH_MAX], want[PATH_MAX + 64];
    double t0;

    (void)state;
    /* a FIFO without a writer: opened with O_NONBLOCK, refused at once */
    snprintf(path, sizeof(path), "%s/fifo.conf", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    t0 = now();
    alarm(10); /* a blocking open would hang: SIGALRM fails the test */
    snprintf(want, sizeof(want), "%s: cannot read: not a regular file\n", path);
    load_fails(path, want);
    alarm(0);
    assert_true(now() - t0 < 5);
    snprintf(want, sizeof(want), "%s: cannot read: Is a directory\n", dir);
    load_fails(dir, want);
    load_fails("/dev/zero", "/dev/zero: cannot read: not a regular file\n");
    load_fails("/nonexistent/p.conf",
               "/nonexistent/p.conf: cannot read: No such file or directory\n");
}

static void policy_files_are_at_most_1_mib(void **state)
{
    size_t max = GF_POLICY_MAX_BYTES;
    char *text = malloc(max + 2), path[PATH_MAX], want[PATH_MAX + 64], *errors = NULL;
    struct gf_policy *p;
    int n;

    (void)state;
    assert_int_equal(max, 1024 * 1024);
    assert_non_null(text);
    /* a good policy padded with a comment to exactly 1 MiB loads */
    n = snprintf(text, max, POLICY, "rds-%03d");
    memset(text + n, ' ', max - (size_t)n);
    text[n] = '#';
    text[max - 1] = '\n';
    write_file("max.conf", text, max, path, sizeof(path));
    p = gf_policy_load(path, &errors);
    assert_null(errors);
    assert_non_null(p);
    gf_policy_free(p);
    /* one byte more does not */
    text[max - 1] = ' ';
    text[max] = '\n';
    write_file("over.conf", text, max + 1, path, sizeof(path));
    snprintf(want, sizeof(want), "%s: cannot read: larger than 1 MiB, the limit\n", path);
    load_fails(path, want);
    free(text);
}

/* Load a 1 MiB policy made of SHAPE (repeated, "%d" numbering it):
 * refused, in less than LIMIT seconds. */
static void loads_quickly(const char *shape, const char *prefix, double limit)
{
    GString *text = g_string_new(prefix);
    char path[PATH_MAX], *errors = NULL;
    double t0;

    for (int i = 0; text->len < GF_POLICY_MAX_BYTES - 64; i++)
        g_string_append_printf(text, shape, i, i);
    write_file("big.conf", text->str, text->len, path, sizeof(path));
    t0 = now();
    assert_null(gf_policy_load(path, &errors));
    if (now() - t0 > limit)
        fail_msg("%.40s...: %.2f s, more than %.1f s", shape, now() - t0, limit);
    assert_non_null(errors);
    /* the first 100 errors and a count of the rest, not a line per key */
    assert_true(strlen(errors) < 64 * 1024);
    free(errors);
    g_string_free(text, TRUE);
}

static void loading_is_linear(void **state)
{
    (void)state;
    /* libconfig 1.5 checks each new key against all of its group's (and
     * each list entry against all before it): 150,000 keys in one group
     * took minutes, and 20,000 took 11 s and 1 GB of errors.  Now a group,
     * list or array holds at most 256 entries: a few milliseconds. */
    loads_quickly("k%d = %d;\n", "", 5);
    loads_quickly("%d, %d,\n", "a = [", 5);
    loads_quickly("{ a%d = %d; },\n", "a = (", 5);
    /* the most a file of groups of 256 keys can hold: 1 MiB, read whole */
    loads_quickly("  k%d = %d;\n", "farm = {\n", 5);
    loads_quickly("g%d = { a = 1; b = 2; c = 3; d = 4; e = 5; f = %d; };\n", "", 5);
    loads_quickly("# %d %d: a comment, and another, and another, and another\n", "", 5);
    loads_quickly("\"%d%d\" ", "s = ", 5);
}

/* Whether PATTERN makes a valid, distinct name of at most 64 characters
 * for every host number from 1 to GF_HOST_NUMBER_MAX: checked one by one. */
static int every_name_good(const char *pattern, struct gf_policy *p)
{
    GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    char name[256];
    int good = 1;

    snprintf(p->host_name, sizeof(p->host_name), "%s", pattern);
    for (int n = 1; good && n <= GF_HOST_NUMBER_MAX; n++) {
        if (gf_policy_host_name(p, n, name, sizeof(name)) < 0 || strlen(name) > GF_NAME_MAX ||
            gf_name_problem(name) || !g_hash_table_add(names, g_strdup(name)))
            good = 0;
    }
    g_hash_table_destroy(names);
    return good;
}

static void host_names_for_every_number(void **state)
{
    static const char *const patterns[] = {
        "rds-%03d", "%d", "%05d", "%064d", "x%063d", "x%064d", "%5d", "%1d", "%00d", "rds..%d",
        "rds.%d.x", "-%d", "%d-", "rds-%2147483648d", "rds-%99999999999999999999d", "%0065d",
        "rds-%d\x01", "rds-%d\xff", "r\xc3\xa9s-%d",
        /* 59 and 60 characters before the number: 64 and 65 with 99999 */
        "remote-desktop-session-host-for-accounting-department-site-%d",
        "remote-desktop-session-host-for-accounting-department-sites-%d", "%060dx", "%059dxxxxx"};
    struct gf_policy *p, q;
    char text[4096], *errors = NULL, name[80];

    (void)state;
    memset(&q, 0, sizeof(q));
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        snprintf(text, sizeof(text), POLICY, patterns[i]);
        p = gf_policy_load_string("t.conf", text, &errors);
        if (!!p != every_name_good(patterns[i], &q))
            fail_msg("'%s': the load says %s, every number %s", patterns[i], p ? "ok" : errors,
                     p ? "has a bad name" : "is good");
        free(errors);
        errors = NULL;
        gf_policy_free(p);
    }
    /* printf's own result where it can print it */
    snprintf(q.host_name, sizeof(q.host_name), "%s", "rds-%05d-x");
    assert_int_equal(gf_policy_host_name(&q, 42, name, sizeof(name)), 0);
    assert_string_equal(name, "rds-00042-x");
    snprintf(q.host_name, sizeof(q.host_name), "%s", "h%3d");
    assert_int_equal(gf_policy_host_name(&q, 7, name, sizeof(name)), 0);
    assert_string_equal(name, "h  7");
    snprintf(q.host_name, sizeof(q.host_name), "%s", "rds-%03d");
    assert_int_equal(gf_policy_host_name(&q, 1234, name, sizeof(name)), 0);
    assert_string_equal(name, "rds-1234");
    /* outside the host numbers, or too long for the buffer */
    assert_int_equal(gf_policy_host_name(&q, 0, name, sizeof(name)), -1);
    assert_int_equal(gf_policy_host_name(&q, GF_HOST_NUMBER_MAX + 1, name, sizeof(name)), -1);
    assert_int_equal(gf_policy_host_name(&q, 12, name, 6), -1);
    assert_string_equal(name, "rds-0");
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    static const char *const files[] = {"fifo.conf", "max.conf", "over.conf", "big.conf"};
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
        cmocka_unit_test(only_regular_files_are_read),
        cmocka_unit_test(policy_files_are_at_most_1_mib),
        cmocka_unit_test(loading_is_linear),
        cmocka_unit_test(host_names_for_every_number),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
