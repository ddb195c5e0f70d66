/* run.h - running a program from a test, with fork and execve. */
#ifndef GF_TEST_RUN_H
#define GF_TEST_RUN_H

/* What a finished program left behind. */
struct run_result {
    int status; /* exit code, or 128 + signal */
    char *out;  /* everything it wrote to stdout, NUL-terminated */
    char *err;  /* everything it wrote to stderr */
};

/* Run ARGV[0] (a path, or a name looked up in PATH) with ARGV, the current
 * environment plus ENV (NULL or "NAME=VALUE" strings, NULL-terminated),
 * and stdin from /dev/null.  Fills R; returns 0, or -1 if it could not run. */
int run_argv(char *const argv[], char *const env[], struct run_result *r);

/* run_argv with the arguments as a NULL-terminated list. */
int run_cmd(struct run_result *r, const char *prog, ...) __attribute__((sentinel));

/* Free R's buffers; accepts NULL. */
void run_result_free(struct run_result *r);

/* Count the lines of TEXT. */
int run_count_lines(const char *text);

#endif
