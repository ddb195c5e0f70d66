/* log.c - the lines Goldfarm prints about what it does. */
#include "log.h"

#include <stdarg.h>
#include <time.h>

static FILE *note_stream;

void gf_log_set_stream(FILE *stream)
{
    note_stream = stream;
}

FILE *gf_log_stream(void)
{
    return note_stream;
}

void gf_note(const char *fmt, ...)
{
    va_list ap;

    if (!note_stream)
        return;
    va_start(ap, fmt);
    vfprintf(note_stream, fmt, ap);
    va_end(ap);
    fputc('\n', note_stream);
    fflush(note_stream);
}

double gf_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
