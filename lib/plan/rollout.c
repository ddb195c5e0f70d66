/* rollout.c - a farm's roll-out record and the requests that steer it. */
#include "plan/rollout.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/escape.h"
#include "base/file.h"
#include "model/meta.h"

static const char *const phase_names[] = {"none", "canary",      "batches", "rollback",
                                          "done", "rolled-back", "stuck"};

const char *gf_rollout_phase_name(enum gf_rollout_phase p)
{
    return p <= GF_RO_STUCK ? phase_names[p] : "?";
}

int gf_rollout_phase_parse(const char *name)
{
    for (int p = GF_RO_NONE; p <= GF_RO_STUCK; p++)
        if (strcmp(name, phase_names[p]) == 0)
            return p;
    return -1;
}

int gf_rollout_active(const struct gf_rollout *r)
{
    return r &&
           (r->phase == GF_RO_CANARY || r->phase == GF_RO_BATCHES || r->phase == GF_RO_ROLLBACK);
}

unsigned int gf_rollout_target(const struct gf_rollout *r)
{
    return r->phase == GF_RO_CANARY || r->phase == GF_RO_BATCHES || r->phase == GF_RO_DONE
               ? r->to
               : r->from;
}

/* The record's file (or another with SUFFIX) of FARM into BUF. */
static void path_of(const char *state_dir, const char *farm, const char *suffix, char *buf,
                    size_t len)
{
    snprintf(buf, len, "%s/%s.%s", state_dir, farm, suffix);
}

/* One key of the record: its name, and where its value goes. */
struct field {
    const char *key;
    char type; /* 'i' int, 't' time, 'u' unsigned, 's' string, 'p' phase */
    size_t off, size;
};

#define R(f, t)                                                                                    \
    {                                                                                              \
#f, t, offsetof(struct gf_rollout, f), sizeof(((struct gf_rollout *)0)->f)                 \
    }
static const struct field fields[] = {
    R(phase, 'p'),         R(image, 's'),
    R(from, 'u'),          R(to, 'u'),
    R(batch, 'i'),         R(min_hosts, 'i'),
    R(min_pct, 'i'),       R(soak, 'i'),
    R(ready_timeout, 'i'), R(max_replacements, 'i'),
    R(paused, 'i'),        R(started, 't'),
    R(phase_since, 't'),   R(soak_since, 't'),
    R(reason, 's'),
};
#undef R
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

int gf_rollout_load(const char *state_dir, const char *farm, struct gf_rollout *r)
{
    char path[PATH_MAX + 80], line[512];
    int lineno = 0, ret = 1;
    FILE *in;

    memset(r, 0, sizeof(*r));
    path_of(state_dir, farm, "rollout", path, sizeof(path));
    if (!(in = fopen(path, "re"))) {
        if (errno == ENOENT)
            return 0;
        gf_err(GF_ERR_OP, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    while (ret == 1 && fgets(line, sizeof(line), in)) {
        char *eq = strchr(line, '='), *value, *end;
        const struct field *f = NULL;
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        if (eq) {
            *eq = '\0';
            for (size_t i = 0; i < NFIELDS && !f; i++)
                if (strcmp(fields[i].key, line) == 0)
                    f = &fields[i];
        }
        if (!f) {
            gf_err(GF_ERR_OP, "%s:%d: not a roll-out key", path, lineno);
            ret = -1;
            break;
        }
        value = eq + 1;
        errno = 0;
        switch (f->type) {
        case 's':
            snprintf((char *)r + f->off, f->size, "%s", value);
            break;
        case 'p': {
            int p = gf_rollout_phase_parse(value);
            if (p < 0)
                ret = -1;
            else
                r->phase = (enum gf_rollout_phase)p;
            break;
        }
        default: {
            long long v = strtoll(value, &end, 10);
            if (errno || *end || end == value)
                ret = -1;
            else if (f->type == 't')
                *(time_t *)((char *)r + f->off) = (time_t)v;
            else if (f->type == 'u')
                *(unsigned int *)((char *)r + f->off) = (unsigned int)v;
            else
                *(int *)((char *)r + f->off) = (int)v;
        }
        }
        if (ret < 0)
            gf_err(GF_ERR_OP, "%s:%d: %s: '%s' is not a valid value", path, lineno, f->key, value);
    }
    fclose(in);
    if (ret < 0)
        memset(r, 0, sizeof(*r));
    return ret;
}

int gf_rollout_save(const char *state_dir, const char *farm, const struct gf_rollout *r)
{
    char path[PATH_MAX + 80], tmp[PATH_MAX + 100];
    FILE *out;

    path_of(state_dir, farm, "rollout", path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    if (!(out = gf_file_open_write(tmp, 0, 0600)))
        return -1;
    for (size_t i = 0; i < NFIELDS; i++) {
        const struct field *f = &fields[i];
        const char *at = (const char *)r + f->off;
        switch (f->type) {
        case 's': {
            char value[256];
            snprintf(value, sizeof(value), "%s", at);
            value[strcspn(value, "\n")] = '\0'; /* one line per key */
            fprintf(out, "%s=%s\n", f->key, value);
            break;
        }
        case 'p':
            fprintf(out, "%s=%s\n", f->key, gf_rollout_phase_name(r->phase));
            break;
        case 't':
            fprintf(out, "%s=%lld\n", f->key, (long long)*(const time_t *)at);
            break;
        case 'u':
            fprintf(out, "%s=%u\n", f->key, *(const unsigned int *)at);
            break;
        default:
            fprintf(out, "%s=%d\n", f->key, *(const int *)at);
        }
    }
    {
        int ok = fflush(out) == 0 && fsync(fileno(out)) == 0;
        if (fclose(out) != 0 || !ok || rename(tmp, path) != 0) {
            gf_err(GF_ERR_OP, "cannot write %s: %s", path, strerror(errno));
            unlink(tmp);
            return -1;
        }
    }
    return 0;
}

/* The number KEY=... of request LINE (MIN to MAX, a trailing '%' into *PCT
 * when PCT is given, then at most 100): GF_REQ_UNSET when absent, -1 when
 * it is not such a number. */
static int req_int(const char *line, const char *key, int min, int max, int *pct)
{
    size_t klen = strlen(key);

    for (const char *at = strchr(line, ' '); at; at = strchr(at + 1, ' ')) {
        char buf[32], *end;
        long v;
        if (strncmp(at + 1, key, klen) != 0 || at[1 + klen] != '=')
            continue;
        snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(at + 2 + klen, " "), at + 2 + klen);
        v = strtol(buf, &end, 10);
        if (pct)
            *pct = *end == '%';
        if (end == buf || (*end && !(pct && *end == '%' && !end[1])) || v < min ||
            v > (pct && *pct ? 100 : max))
            return -1;
        return (int)v;
    }
    return GF_REQ_UNSET;
}

void gf_rollout_req_parse(const char *line, struct gf_rollout_req *r)
{
    static const char *const words[] = {"start", "pause", "resume", "abort"};
    size_t wlen = strcspn(line, " ");

    memset(r, 0, sizeof(*r));
    gf_esc(line, r->text, sizeof(r->text));
    r->kind = GF_REQ_BAD;
    for (int k = 0; k < 4; k++)
        if (strlen(words[k]) == wlen && strncmp(line, words[k], wlen) == 0)
            r->kind = (enum gf_rollout_req_kind)k;
    r->to = req_int(line, "to", 1, GF_VERSION_MAX, NULL);
    r->batch = req_int(line, "batch", 1, 100, NULL);
    r->min = req_int(line, "min", 0, 1000, &r->min_pct);
    r->soak = req_int(line, "soak", 0, 86400, NULL);
}

void gf_rollout_req_format(const struct gf_rollout_req *r, char *buf, size_t len)
{
    static const char *const words[] = {"start", "pause", "resume", "abort", "?"};
    size_t used = (size_t)snprintf(buf, len, "%s", words[r->kind <= GF_REQ_BAD ? r->kind : 4]);

    if (r->kind != GF_REQ_START)
        return;
    if (r->to != GF_REQ_UNSET && used < len)
        used += (size_t)snprintf(buf + used, len - used, " to=%d", r->to);
    if (r->batch != GF_REQ_UNSET && used < len)
        used += (size_t)snprintf(buf + used, len - used, " batch=%d", r->batch);
    if (r->min != GF_REQ_UNSET && used < len)
        used +=
            (size_t)snprintf(buf + used, len - used, " min=%d%s", r->min, r->min_pct ? "%" : "");
    if (r->soak != GF_REQ_UNSET && used < len)
        snprintf(buf + used, len - used, " soak=%d", r->soak);
}

void gf_rollout_describe(const struct gf_rollout *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s v%u -> v%u: %s%s%s%s", r->image, r->from, r->to,
             gf_rollout_phase_name(r->phase), r->paused ? " (paused)" : "",
             r->reason[0] ? ": " : "", r->reason);
}
