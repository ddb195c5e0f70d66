/* log.h - the lines Goldfarm prints about what it does.
 *
 * Library code reports each step it completes with gf_note; the program
 * decides where those lines go (vmctl: stdout; goldfarmd: stderr or syslog).
 */
#ifndef GF_LOG_H
#define GF_LOG_H

#include <stdio.h>

/* Send notes to STREAM (NULL: drop them).  Not owned. */
void gf_log_set_stream(FILE *stream);

/* Send notes to SINK instead (NULL: back to the stream): the daemon's
 * stderr-or-syslog logger.  LINE has no newline. */
void gf_log_set_sink(void (*sink)(const char *line));

/* The stream notes go to, or NULL. */
FILE *gf_log_stream(void);

/* Print one line about a completed step. */
void gf_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds since an arbitrary fixed point, for timing steps. */
double gf_now(void);

#endif
