/* exec.h - running external programs (hooks, load commands) with fork and
 * execve: never a shell. */
#ifndef GF_EXEC_H
#define GF_EXEC_H

/* Run ARGV (ARGV[0] an absolute path) with stdin from /dev/null, wait at
 * most TIMEOUT seconds (then kill it), and collect its stdout into *OUT (a
 * new string to free(); may be NULL to discard).  Returns its exit status
 * (0-255), or -1 with an error when it could not run, was killed, or timed
 * out. */
int gf_exec(char *const argv[], int timeout, char **out);

#endif
