/* log.h - the lines Goldfarm prints about what it does, with their level.
 *
 * Library code reports each step it completes with gf_note (info), what
 * went wrong with gf_error or gf_warn, details with gf_debug; the level
 * comes from the call, never from the text.  The program decides where the
 * lines go (vmctl: stdout; goldfarmd: stderr with journald's <N> prefixes,
 * or syslog with the level as its priority).
 */
#ifndef GF_LOG_H
#define GF_LOG_H

#include <stdio.h>

/* The levels, by syslog's numbers (journald and syslog priorities). */
enum gf_log_level {
    GF_LOG_ERR = 3,     /* something failed, or a safeguard holds back an action */
    GF_LOG_WARNING = 4, /* something is off, and the daemon works around it */
    GF_LOG_INFO = 6,    /* a step done, a decision taken */
    GF_LOG_DEBUG = 7,   /* details, shown with goldfarmd -v */
};

/* Send lines to STREAM (NULL: drop them), "error: " or "warning: " before
 * the lines of those levels.  Not owned. */
void gf_log_set_stream(FILE *stream);

/* Send lines to SINK instead (NULL: back to the stream): the daemon's
 * logger.  LINE has no newline and no level prefix. */
void gf_log_set_sink(void (*sink)(int level, const char *line));

/* Pass lines up to LEVEL (GF_LOG_INFO unless set: debug lines dropped). */
void gf_log_set_level(int level);

/* The stream lines go to, or NULL. */
FILE *gf_log_stream(void);

/* The word for LEVEL ("error", "warning", "info", "debug"). */
const char *gf_log_level_name(int level);

/* Log one line at LEVEL. */
void gf_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log one line at info level: a completed step. */
void gf_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log one line at error, warning or debug level. */
void gf_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gf_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gf_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds since an arbitrary fixed point, for timing steps. */
double gf_now(void);

#endif
