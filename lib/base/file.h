/* file.h - the files Goldfarm writes: private, close-on-exec, atomic.
 *
 * Every file Goldfarm creates is 0600 or 0640 (the state directory is
 * the daemon's private persistence), close-on-exec (a hook never
 * inherits it), and never reached through a symbolic link.
 */
#ifndef GF_FILE_H
#define GF_FILE_H

#include <stdio.h>
#include <sys/types.h>

/* Open PATH for writing, created with permissions PERM (0600 or 0640),
 * truncated or, with APPEND, appended to; close-on-exec, not following a
 * symbolic link.  Returns a stream, or NULL with an error naming PATH. */
FILE *gf_file_open_write(const char *path, int append, mode_t perm);

/* An atomic replacement of PATH: write to the stream this returns (it is
 * PATH.tmp), then gf_file_commit.  NULL with an error. */
FILE *gf_file_replace_begin(const char *path, mode_t perm);

/* Flush, sync and close OUT (from gf_file_replace_begin), then rename it
 * over PATH.  On failure nothing replaces PATH.  0, or -1 with an error. */
int gf_file_replace_commit(FILE *out, const char *path);

/* Reading: base/textfile.h. */

#endif
