/* exec.h - running external programs (hooks, load commands) with fork and
 * execve: never a shell. */
#ifndef GF_EXEC_H
#define GF_EXEC_H

/* The most of a program's output gf_exec keeps. */
#define GF_EXEC_MAX_OUTPUT (1024 * 1024)

/* Run ARGV (ARGV[0] an absolute path) and wait at most TIMEOUT seconds
 * (then kill it).  The program gets only three descriptors: stdin from
 * /dev/null, stdout a pipe to this process, and this process's stderr;
 * every other one is closed before execve, close-on-exec or not.  Its
 * stdout is read as it comes, so it never blocks on a full pipe: into *OUT
 * (a new string to free()), at most GF_EXEC_MAX_OUTPUT bytes of it, or, with
 * OUT NULL, discarded.  Returns its exit status (0-255), or -1 with an
 * error when it could not run, was killed, timed out, or (with OUT) printed
 * more than GF_EXEC_MAX_OUTPUT bytes (the rest read and discarded). */
int gf_exec(char *const argv[], int timeout, char **out);

#endif
