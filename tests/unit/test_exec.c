/* test_exec.c - running programs: only stdin, stdout and stderr reach them,
 * their output is capped and memory stays bounded, timeouts still work.
 *
 * The programs run are this test itself, in a helper mode (its first
 * argument), so that what they see is exact:
 *   --list-fds [FILE]  each open descriptor and what it is, to stdout or FILE
 *   --print N          N bytes of 'x', then exit 0
 *   --forever          'x' without end
 *   --sleep N          sleep N seconds
 *   --exit N           exit with status N
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/exec.h"

static char self[PATH_MAX];

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* This process's peak resident memory, KiB. */
static long peak_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Run this test with helper arguments A and B (B may be NULL). */
static int run_self(const char *a, const char *b, int timeout, char **out)
{
    char *argv[] = {self, (char *)a, (char *)b, NULL};

    return gf_exec(argv, timeout, out);
}

/* The descriptors LIST (lines "FD TARGET") names, as "0 1 2 ". */
static void fds_of(const char *list, char *fds, size_t len)
{
    size_t used = 0;

    fds[0] = '\0';
    for (const char *l = list; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        used += (size_t)snprintf(fds + used, len - used, "%d ", atoi(l));
}

static void only_stdin_stdout_stderr_reach_the_program(void **state)
{
    char *out = NULL, fds[256], file[] = "/tmp/gf-exec-fds-XXXXXX", list[4096];
    int inherited = open("/dev/null", O_RDONLY), cloexec[2], tmp;
    ssize_t n;

    (void)state;
    /* descriptors this process holds: one without O_CLOEXEC (and a copy
     * of it high up), and a close-on-exec pipe */
    assert_true(inherited >= 3);
    assert_int_equal(dup2(inherited, 57), 57);
    assert_int_equal(pipe2(cloexec, O_CLOEXEC), 0);
    assert_int_equal(run_self("--list-fds", NULL, 10, &out), 0);
    fds_of(out, fds, sizeof(fds));
    assert_string_equal(fds, "0 1 2 ");
    assert_non_null(strstr(out, "0 /dev/null\n"));
    assert_non_null(strstr(out, "1 pipe:"));
    free(out);
    /* the same for a hook, whose output nobody reads: it writes its list */
    assert_true((tmp = mkstemp(file)) >= 0);
    close(tmp);
    assert_int_equal(run_self("--list-fds", file, 10, NULL), 0);
    assert_true((tmp = open(file, O_RDONLY | O_CLOEXEC)) >= 0);
    assert_true((n = read(tmp, list, sizeof(list) - 1)) > 0);
    list[n] = '\0';
    close(tmp);
    unlink(file);
    fds_of(list, fds, sizeof(fds));
    assert_string_equal(fds, "0 1 2 ");
    close(inherited);
    close(57);
    close(cloexec[0]);
    close(cloexec[1]);
}

static void output_is_capped_and_memory_bounded(void **state)
{
    char *out = (char *)"unset", count[32];
    long before = peak_kib();
    double t0 = now();

    (void)state;
    /* without end: capped, then killed at its timeout; the caller gets an
     * error naming the program and the cap, and no output */
    gf_err_clear();
    assert_int_equal(run_self("--forever", NULL, 3, &out), -1);
    assert_null(out);
    assert_non_null(strstr(gf_err_message(), self));
    assert_non_null(strstr(gf_err_message(), "more than 1 MiB"));
    assert_non_null(strstr(gf_err_message(), "within 3 s"));
    assert_true(now() - t0 < 8);
    /* some GB were printed; this process's memory grew by a little more
     * than the 1 MiB kept, not by what was printed */
    assert_true(peak_kib() - before < 32 * 1024);
    /* too much, then an end of its own: the error at once, not at the timeout */
    t0 = now();
    snprintf(count, sizeof(count), "%d", GF_EXEC_MAX_OUTPUT + 1);
    assert_int_equal(run_self("--print", count, 30, &out), -1);
    assert_null(out);
    assert_non_null(strstr(gf_err_message(), "more than 1 MiB, the cap for a program's output"));
    assert_true(now() - t0 < 10);
    /* a hook's output is discarded whatever its size: no error */
    assert_int_equal(run_self("--print", count, 30, NULL), 0);
    /* exactly the cap is kept whole */
    snprintf(count, sizeof(count), "%d", GF_EXEC_MAX_OUTPUT);
    assert_int_equal(run_self("--print", count, 30, &out), 0);
    assert_int_equal(strlen(out), GF_EXEC_MAX_OUTPUT);
    assert_int_equal(strspn(out, "x"), GF_EXEC_MAX_OUTPUT);
    free(out);
}

static void timeouts_and_statuses_still_work(void **state)
{
    char *out = NULL;
    char *missing[] = {(char *)"/nonexistent/program", NULL};
    double t0 = now();

    (void)state;
    assert_int_equal(run_self("--sleep", "30", 1, &out), -1);
    assert_null(out);
    assert_non_null(strstr(gf_err_message(), "did not finish within 1 s and was killed"));
    assert_true(now() - t0 < 5);
    /* a hook printing without end, nobody reading: killed at its timeout */
    t0 = now();
    assert_int_equal(run_self("--forever", NULL, 1, NULL), -1);
    assert_non_null(strstr(gf_err_message(), "did not finish within 1 s and was killed"));
    assert_true(now() - t0 < 5);
    assert_int_equal(run_self("--exit", "3", 10, NULL), 3);
    assert_int_equal(run_self("--print", "5", 10, &out), 0);
    assert_string_equal(out, "xxxxx");
    free(out);
    assert_int_equal(gf_exec(missing, 10, NULL), -1);
    assert_non_null(strstr(gf_err_message(), "could not be run"));
}

/* The helper modes.  Returns the exit status. */
static int helper(int argc, char **argv)
{
    if (strcmp(argv[1], "--list-fds") == 0) {
        FILE *to = argc > 2 ? fopen(argv[2], "we") : stdout;
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        if (!to || !d)
            return 1;
        while ((e = readdir(d))) {
            char link[64], target[PATH_MAX] = "";
            if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d) ||
                (to != stdout && atoi(e->d_name) == fileno(to)))
                continue;
            snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
            if (readlink(link, target, sizeof(target) - 1) < 0)
                return 1;
            fprintf(to, "%s %s\n", e->d_name, target);
        }
        closedir(d);
        return fclose(to) == 0 ? 0 : 1;
    }
    if (strcmp(argv[1], "--print") == 0 && argc > 2) {
        static char x[65536];
        long left = atol(argv[2]);
        memset(x, 'x', sizeof(x));
        while (left > 0) {
            ssize_t n = write(1, x, left < (long)sizeof(x) ? (size_t)left : sizeof(x));
            if (n <= 0)
                return 1;
            left -= n;
        }
        return 0;
    }
    if (strcmp(argv[1], "--forever") == 0) {
        static char x[65536];
        memset(x, 'x', sizeof(x));
        while (write(1, x, sizeof(x)) > 0)
            ;
        return 1;
    }
    if (strcmp(argv[1], "--sleep") == 0 && argc > 2) {
        sleep((unsigned int)atoi(argv[2]));
        return 0;
    }
    if (strcmp(argv[1], "--exit") == 0 && argc > 2)
        return atoi(argv[2]);
    return 2;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_stdin_stdout_stderr_reach_the_program),
        cmocka_unit_test(output_is_capped_and_memory_bounded),
        cmocka_unit_test(timeouts_and_statuses_still_work),
    };
    ssize_t n;

    if (argc > 1 && strncmp(argv[1], "--", 2) == 0)
        return helper(argc, argv);
    if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
        return 1;
    self[n] = '\0';
    return cmocka_run_group_tests(tests, NULL, NULL);
}
