/* trace.c - reading the CSV traces `vmctl simulate` replays.  A trace is
 * read whole from a regular file of at most GF_TRACE_MAX_BYTES, in one
 * pass (linear in its size); every value echoed in an error is escaped. */
#include "observe/trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/textfile.h"

#define MAX_COLS 7

/* The optional columns, in the order a header may have them. */
enum col { COL_ACTIVE, COL_CPU, COL_MEMORY, COL_EVENT, NCOLS };
static const char *const col_names[NCOLS] = {"active", "cpu", "memory", "event"};

/* ZONE as a GLib time zone (NULL or "": UTC), a new reference, or NULL
 * when the system's zone data has no such zone.  No TZ, no tzset: the zone
 * is an argument, never process state. */
static GTimeZone *zone_of(const char *zone)
{
    char path[96];

    if (!zone || !*zone)
        return g_time_zone_new_utc();
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
    if (strstr(zone, "..") || access(path, R_OK) != 0)
        return NULL;
    return g_time_zone_new_identifier(zone);
}

/* The number of the N digits at TEXT, or -1 when one is not a digit. */
static int digits(const char *text, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

/* Parse TEXT, local time in TZ unless it ends with Z or an offset.  0,
 * or -1 (a date the calendar has not is refused too). */
static int parse_time(const char *text, GTimeZone *tz, time_t *t)
{
    int y, mo, d, h, mi, s = 0, oh, om, off = 0;
    GDateTime *dt;
    const char *rest;

    /* YYYY-MM-DDTHH:MM, digits where digits belong (sscanf would take " 8" or "+8") */
    if (strlen(text) < 16 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || (y = digits(text, 4)) < 0 || (mo = digits(text + 5, 2)) < 0 ||
        (d = digits(text + 8, 2)) < 0 || (h = digits(text + 11, 2)) < 0 ||
        (mi = digits(text + 14, 2)) < 0)
        return -1;
    rest = text + 16;
    if (rest[0] == ':') {
        if ((s = digits(rest + 1, 2)) < 0)
            return -1;
        rest += 3;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
        s > 59 || y < 1970)
        return -1;
    if (strcmp(rest, "Z") == 0) {
        dt = g_date_time_new_utc(y, mo, d, h, mi, s);
    } else if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6 && rest[3] == ':' &&
               (oh = digits(rest + 1, 2)) >= 0 && (om = digits(rest + 4, 2)) >= 0 && oh <= 14 &&
               om <= 59) {
        off = (oh * 60 + om) * 60 * (rest[0] == '+' ? 1 : -1);
        dt = g_date_time_new_utc(y, mo, d, h, mi, s);
    } else if (rest[0] == '\0') {
        dt = g_date_time_new(tz, y, mo, d, h, mi, s);
    } else {
        return -1;
    }
    if (!dt) /* 2026-02-30 */
        return -1;
    *t = (time_t)g_date_time_to_unix(dt) - off;
    g_date_time_unref(dt);
    return 0;
}

int gf_trace_time(const char *text, const char *zone, time_t *t)
{
    GTimeZone *tz = zone_of(zone);
    int ret;

    if (!tz)
        return -1;
    ret = parse_time(text, tz, t);
    g_time_zone_unref(tz);
    return ret;
}

/* Trim spaces and tabs around S, in place. */
static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* Split LINE at commas into COLS (at most MAX_COLS + 1); the count. */
static int split(char *line, char **cols)
{
    int n = 0;
    char *p = line;

    for (;;) {
        char *comma = strchr(p, ',');
        if (n <= MAX_COLS)
            cols[n] = p;
        n++;
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    for (int i = 0; i < n && i <= MAX_COLS; i++)
        cols[i] = trim(cols[i]);
    return n;
}

/* A whole number from 0 to MAX from TEXT into *N: 0, -1 not a number, -2
 * negative, -3 too large.  Checked digit by digit: no arithmetic past the
 * limit. */
static int count(const char *text, int max, int *n)
{
    const char *c = text + (text[0] == '-');
    long long v = 0;

    if (!*c)
        return -1;
    for (; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        if (v <= max)
            v = v * 10 + (*c - '0');
    }
    if (text[0] == '-')
        return v ? -2 : -1;
    if (v > max)
        return -3;
    *n = (int)v;
    return 0;
}

/* Record "FILE:LINE: what" as an input error; returns -1. */
static int bad(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(const char *file, int line, const char *fmt, ...)
{
    char what[1024]; /* room for two escaped values: never cut inside a character */
    va_list ap;

    char esc[GF_ESC_LEN];

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    gf_err(GF_ERR_INPUT, "%s:%d: %s", gf_esc(file, esc, sizeof(esc)), line, what);
    return -1;
}

/* Parse event EV into R when it is "version N", "bad N" or "rollout N".
 * 0, or -1 when it is none of these. */
static int version_event(const char *ev, struct gf_trace_row *r)
{
    static const struct {
        const char *word;
        enum gf_trace_event kind;
    } events[] = {{"version ", GF_TEV_VERSION}, {"bad ", GF_TEV_BAD}, {"rollout ", GF_TEV_ROLLOUT}};

    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        size_t len = strlen(events[i].word);
        const char *n = ev + len;
        int v = 0;
        if (strncmp(ev, events[i].word, len) != 0 || !*n || strlen(n) > 7 ||
            strspn(n, "0123456789") != strlen(n) || *n == '0')
            continue;
        for (; *n; n++)
            v = v * 10 + (*n - '0');
        if (v > 1000000)
            continue;
        r->event = events[i].kind;
        r->event_version = (unsigned int)v;
        return 0;
    }
    return -1;
}

/* Parse the figure of column NAME, TEXT, as a whole number from 0 to MAX
 * into *V, at LINE of TR.  0 or -1 with the error. */
static int figure(const struct gf_trace *tr, int line, const char *name, const char *text, int max,
                  int *v)
{
    char esc[GF_ESC_LEN];
    int rc = count(text, max, v);

    if (rc == -2)
        return bad(tr->file, line, "negative %s (%s)", name, text);
    if (rc == -3)
        return bad(tr->file, line, "%s %s: more than %d", name, text, max);
    if (rc < 0)
        return bad(tr->file, line, "%s '%s' is not a whole number", name,
                   gf_esc(text, esc, sizeof(esc)));
    return 0;
}

/* Parse one data row COLS (N of them) at LINE into R; AT holds the
 * optional columns' places (-1: absent).  0 or -1. */
static int parse_row(struct gf_trace *tr, GTimeZone *tz, char **cols, int n, int ncols,
                     const int *at, int line, struct gf_trace_row *r)
{
    char e1[GF_ESC_LEN], e2[GF_ESC_LEN];
    const char *f = tr->file;
    int rc;

    if (n != ncols)
        return bad(f, line, "%d column%s, but the header has %d", n, n == 1 ? "" : "s", ncols);
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->active = r->cpu = r->memory_mib = -1;
    if (parse_time(cols[0], tz, &r->t) < 0)
        return bad(f, line, "timestamp '%s' is not YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]",
                   gf_esc(cols[0], e1, sizeof(e1)));
    if (!cols[1][0] || gf_name_problem(cols[1]))
        return bad(f, line, "farm '%s' is not a farm name", gf_esc(cols[1], e1, sizeof(e1)));
    if (!tr->farm[0]) {
        snprintf(tr->farm, sizeof(tr->farm), "%s", cols[1]);
        tr->farm_line = line;
    } else if (strcmp(tr->farm, cols[1]) != 0) {
        return bad(f, line, "farm '%s', but line %d names farm '%s' (one farm per trace)",
                   gf_esc(cols[1], e1, sizeof(e1)), tr->farm_line,
                   gf_esc(tr->farm, e2, sizeof(e2)));
    }
    if ((rc = count(cols[2], GF_TRACE_MAX_SESSIONS, &r->sessions)) == -2)
        return bad(f, line, "negative sessions (%s)", cols[2]);
    if (rc == -3)
        return bad(f, line, "sessions %s: more than %d", cols[2], GF_TRACE_MAX_SESSIONS);
    if (rc < 0)
        return bad(f, line, "sessions '%s' is not a whole number", gf_esc(cols[2], e1, sizeof(e1)));
    if (tr->has_active) {
        if ((rc = count(cols[at[COL_ACTIVE]], GF_TRACE_MAX_SESSIONS, &r->active)) == -2)
            return bad(f, line, "negative active sessions (%s)", cols[at[COL_ACTIVE]]);
        if (rc == -3)
            return bad(f, line, "active %s: more than %d", cols[at[COL_ACTIVE]],
                       GF_TRACE_MAX_SESSIONS);
        if (rc < 0)
            return bad(f, line, "active '%s' is not a whole number",
                       gf_esc(cols[at[COL_ACTIVE]], e1, sizeof(e1)));
        if (r->active > r->sessions)
            return bad(f, line, "%d active sessions, more than the %d sessions", r->active,
                       r->sessions);
    }
    if (tr->has_cpu && figure(tr, line, "cpu", cols[at[COL_CPU]], GF_TRACE_MAX_CPU, &r->cpu) < 0)
        return -1;
    if (tr->has_memory &&
        figure(tr, line, "memory", cols[at[COL_MEMORY]], GF_TRACE_MAX_MEMORY, &r->memory_mib) < 0)
        return -1;
    if (tr->has_event) {
        const char *ev = cols[at[COL_EVENT]];
        if (!*ev) {
            r->event = GF_TEV_NONE;
        } else if (strcmp(ev, "crash") == 0) {
            r->event = GF_TEV_CRASH;
        } else if (strncmp(ev, "crash ", 6) == 0) {
            const char *host = trim((char *)ev + 6);
            if (gf_name_problem(host))
                return bad(f, line, "event '%s': '%s' is not a host name",
                           gf_esc(ev, e1, sizeof(e1)), gf_esc(host, e2, sizeof(e2)));
            r->event = GF_TEV_CRASH;
            snprintf(r->event_host, sizeof(r->event_host), "%s", host);
        } else if (version_event(ev, r) < 0) {
            return bad(f, line,
                       "unknown event '%s' (expected empty, 'crash', 'crash HOST', 'version N', "
                       "'bad N' or 'rollout N')",
                       gf_esc(ev, e1, sizeof(e1)));
        }
    }
    if (tr->nrows) {
        const struct gf_trace_row *prev = &tr->rows[tr->nrows - 1];
        if (r->t < prev->t)
            return bad(f, line, "time goes backwards: %s is before line %d", cols[0], prev->line);
        if (r->t == prev->t)
            return bad(f, line, "time %s repeats line %d", cols[0], prev->line);
        /* within the span, every gap fits in an int */
        if (r->t - tr->rows[0].t > GF_TRACE_MAX_SPAN)
            return bad(f, line, "time %s is more than %d days after the first sample (line %d)",
                       cols[0], GF_TRACE_MAX_SPAN / 86400, tr->rows[0].line);
        if (!tr->resolution || r->t - prev->t < tr->resolution)
            tr->resolution = (int)(r->t - prev->t);
    }
    return 0;
}

/* Read the header COLS (N of them) into TR's has_* flags and AT, the
 * optional columns' places: timestamp, farm, sessions, then any of the
 * optional ones, each once and in their order.  0, or -1 when it is not
 * such a header. */
static int header(struct gf_trace *tr, char **cols, int n, int *at)
{
    static const char *const want[] = {"timestamp", "farm", "sessions"};
    int next = 0;

    if (n < 3 || n > 3 + NCOLS)
        return -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(cols[i], want[i]) != 0)
            return -1;
    for (int c = 0; c < NCOLS; c++)
        at[c] = -1;
    for (int i = 3; i < n; i++) {
        while (next < NCOLS && strcmp(cols[i], col_names[next]) != 0)
            next++;
        if (next == NCOLS)
            return -1; /* unknown, repeated or out of order */
        at[next++] = i;
    }
    tr->has_active = at[COL_ACTIVE] >= 0;
    tr->has_cpu = at[COL_CPU] >= 0;
    tr->has_memory = at[COL_MEMORY] >= 0;
    tr->has_event = at[COL_EVENT] >= 0;
    return 0;
}

int gf_trace_parse(const char *file, const char *text, const char *zone, struct gf_trace *out)
{
    int line = 0, ncols = 0, cap = 0, ret = -1, at[NCOLS];
    GTimeZone *tz;

    memset(out, 0, sizeof(*out));
    snprintf(out->file, sizeof(out->file), "%s", file);
    if (!(tz = zone_of(zone))) {
        char esc[GF_ESC_LEN];
        gf_err(GF_ERR_INPUT, "unknown time zone '%s'", gf_esc(zone, esc, sizeof(esc)));
        return -1;
    }
    while (text && *text) {
        const char *eol = strchr(text, '\n');
        size_t len = eol ? (size_t)(eol - text) : strlen(text);
        char buf[1024], *cols[MAX_COLS + 1], *s;
        int n;
        line++;
        if (len >= sizeof(buf)) {
            bad(file, line, "line longer than %zu characters", sizeof(buf) - 1);
            goto done;
        }
        memcpy(buf, text, len);
        buf[len] = '\0';
        text += len + (eol != NULL);
        s = trim(buf);
        if (!*s || *s == '#')
            continue;
        char whole[1024];
        snprintf(whole, sizeof(whole), "%s", s);
        n = split(s, cols);
        if (!ncols) {
            if (header(out, cols, n, at) < 0) {
                char esc[GF_ESC_LEN];
                bad(file, line,
                    "the header must be timestamp,farm,sessions[,active][,cpu][,memory][,event], "
                    "not '%s'",
                    gf_esc(whole, esc, sizeof(esc)));
                goto done;
            }
            ncols = n;
            continue;
        }
        if (out->nrows == cap) {
            struct gf_trace_row *grown;
            cap = cap ? cap * 2 : 256;
            if (!(grown = realloc(out->rows, (size_t)cap * sizeof(*grown)))) {
                gf_err(GF_ERR_OP, "out of memory");
                goto done;
            }
            out->rows = grown;
        }
        if (parse_row(out, tz, cols, n, ncols, at, line, &out->rows[out->nrows]) < 0)
            goto done;
        out->nrows++;
    }
    if (!ncols) {
        bad(file, line ? line : 1,
            "no header line (timestamp,farm,sessions[,active][,cpu][,memory][,event])");
        goto done;
    }
    if (!out->nrows) {
        bad(file, line, "no samples after the header");
        goto done;
    }
    if (!out->resolution)
        out->resolution = 60;
    ret = 0;
done:
    g_time_zone_unref(tz);
    if (ret < 0)
        gf_trace_free(out);
    return ret;
}

int gf_trace_read_text(const char *file, char **text)
{
    char esc[GF_ESC_LEN];
    size_t len;
    int line;

    if (gf_text_file_read(file, "trace", GF_TRACE_MAX_BYTES, text, &len) < 0)
        return -1;
    if ((line = gf_text_nul_line(*text, len))) {
        gf_err(GF_ERR_INPUT, "%s:%d: a NUL byte: a trace is text", gf_esc(file, esc, sizeof(esc)),
               line);
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

int gf_trace_load(const char *file, const char *zone, struct gf_trace *out)
{
    char *text;
    int ret;

    memset(out, 0, sizeof(*out));
    if (gf_trace_read_text(file, &text) < 0)
        return -1;
    ret = gf_trace_parse(file, text, zone, out);
    free(text);
    return ret;
}

void gf_trace_free(struct gf_trace *tr)
{
    free(tr->rows);
    tr->rows = NULL;
    tr->nrows = 0;
}

int gf_trace_at(const struct gf_trace *tr, time_t t, int *hint)
{
    int i = hint && *hint >= 0 && *hint < tr->nrows && tr->rows[*hint].t <= t ? *hint : -1;

    if (i < 0) {
        /* binary search: the last row at or before t */
        int lo = 0, hi = tr->nrows - 1;
        if (!tr->nrows || tr->rows[0].t > t)
            return -1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (tr->rows[mid].t <= t)
                lo = mid;
            else
                hi = mid - 1;
        }
        i = lo;
    }
    while (i + 1 < tr->nrows && tr->rows[i + 1].t <= t)
        i++;
    if (hint)
        *hint = i;
    return i;
}
