/* timefmt.c - timestamps as Goldfarm writes them (ISO 8601, UTC). */
#include "base/timefmt.h"

#include <stdio.h>
#include <string.h>

void gf_time_iso(time_t t, char *buf)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, GF_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int gf_time_parse_iso(const char *text, time_t *t)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return -1;
    *t = timegm(&tm);
    return 0;
}

void gf_time_local(time_t t, char *buf)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, GF_TIME_LEN, "%Y-%m-%d %H:%M:%S", &tm);
}
