/* log.c - the lines Goldfarm prints about what it does. */
#include "base/log.h"

#include <stdarg.h>
#include <time.h>

static FILE *note_stream;
static void (*note_sink)(const char *line);

void gf_log_set_sink(void (*sink)(const char *line))
{
    note_sink = sink;
}

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
    char line[1024];
    va_list ap;

    if (!note_stream && !note_sink)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (note_sink) {
        note_sink(line);
        return;
    }
    /* one write per line: actions run in threads */
    flockfile(note_stream);
    fputs(line, note_stream);
    fputc('\n', note_stream);
    fflush(note_stream);
    funlockfile(note_stream);
}

double gf_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
