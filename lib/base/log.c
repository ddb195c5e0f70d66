/* log.c - the lines Goldfarm prints about what it does, with their level. */
#include "base/log.h"

#include <stdarg.h>
#include <time.h>

static FILE *note_stream;
static void (*note_sink)(int level, const char *line);
static int max_level = GF_LOG_INFO;

void gf_log_set_sink(void (*sink)(int level, const char *line))
{
    note_sink = sink;
}

void gf_log_set_stream(FILE *stream)
{
    note_stream = stream;
}

void gf_log_set_level(int level)
{
    max_level = level;
}

FILE *gf_log_stream(void)
{
    return note_stream;
}

const char *gf_log_level_name(int level)
{
    return level <= GF_LOG_ERR       ? "error"
           : level == GF_LOG_WARNING ? "warning"
           : level >= GF_LOG_DEBUG   ? "debug"
                                     : "info";
}

/* Log FMT with AP at LEVEL. */
static void vlog(int level, const char *fmt, va_list ap)
{
    char line[1024];

    if ((!note_stream && !note_sink) || level > max_level)
        return;
    vsnprintf(line, sizeof(line), fmt, ap);
    if (note_sink) {
        note_sink(level, line);
        return;
    }
    /* one write per line: actions run in threads */
    flockfile(note_stream);
    if (level <= GF_LOG_WARNING)
        fprintf(note_stream, "%s: ", gf_log_level_name(level));
    fputs(line, note_stream);
    fputc('\n', note_stream);
    fflush(note_stream);
    funlockfile(note_stream);
}

void gf_log(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

void gf_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(GF_LOG_INFO, fmt, ap);
    va_end(ap);
}

void gf_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(GF_LOG_ERR, fmt, ap);
    va_end(ap);
}

void gf_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(GF_LOG_WARNING, fmt, ap);
    va_end(ap);
}

void gf_debug(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(GF_LOG_DEBUG, fmt, ap);
    va_end(ap);
}

double gf_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
