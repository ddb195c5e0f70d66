/* textfile.h - reading a text file an admin names (a policy, a trace) safely.
 *
 * Only a regular file is read: it is opened with O_NONBLOCK, so a FIFO or a
 * device never blocks the caller, then checked with fstat, and read whole
 * up to a size limit.  Nothing here trusts the file's contents.
 */
#ifndef GF_TEXTFILE_H
#define GF_TEXTFILE_H

#include <stddef.h>

/* Read FILE whole into *TEXT (a new string to free(), NUL-terminated, which
 * may hold NUL bytes of its own) and its length into *LEN.  FILE must be a
 * regular file of at most MAX bytes.  Returns 0, or -1 with a GF_ERR_INPUT
 * error "[WHAT ]FILE: cannot read: why" (WHAT may be NULL; FILE escaped). */
int gf_text_file_read(const char *file, const char *what, size_t max, char **text, size_t *len);

/* The line (from 1) of the first NUL byte in TEXT's LEN bytes, or 0. */
int gf_text_nul_line(const char *text, size_t len);

#endif
