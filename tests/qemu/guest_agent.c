/* guest_agent.c - talking to a test guest's qemu-ga through virsh, and a little JSON. */
#include "guest_agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"

const char *ga_uri = GA_URI;

/* Seconds on a monotonic clock. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};

    nanosleep(&ts, NULL);
}

/* The last non-empty line of TEXT into BUF (LEN bytes): virsh's error message. */
static void last_line(const char *text, char *buf, size_t len)
{
    const char *end = text + strlen(text), *start;

    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    for (start = end; start > text && start[-1] != '\n'; start--)
        ;
    snprintf(buf, len, "%.*s", (int)(end - start), start);
}

int ga_command(const char *dom, const char *json, char **out, char **err)
{
    /* timeout(1) bounds virsh itself; --timeout bounds the wait for the agent's answer. */
    char *argv[] = {"timeout",      "-k",         "5",
                    "60",           "virsh",      "-c",
                    (char *)ga_uri, "-q",         "qemu-agent-command",
                    "--timeout",    "10",         (char *)dom,
                    "--cmd",        (char *)json, NULL};
    struct run_result r;

    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    if (run_argv(argv, NULL, &r) < 0)
        return -1;
    if (out) {
        *out = r.out;
        r.out = NULL;
    }
    if (err) {
        *err = r.err;
        r.err = NULL;
    }
    run_result_free(&r);
    return r.status;
}

int ga_wait(const char *dom, double seconds, char *why, size_t len)
{
    double deadline = now() + seconds;
    char last[512] = "no answer";

    for (;;) {
        char *err = NULL;
        int status = ga_command(dom, "{\"execute\":\"guest-ping\"}", NULL, &err);
        if (status == 0) {
            free(err);
            return 0;
        }
        last_line(err ? err : "", last, sizeof(last));
        free(err);
        if (strstr(last, "domain is not running")) {
            snprintf(why, len, "%s is not running: its guest agent cannot answer (%s)", dom, last);
            return -1;
        }
        if (now() >= deadline)
            break;
        nap(0.5);
    }
    snprintf(why, len, "the guest agent of %s did not answer guest-ping within %.0f s (%s)", dom,
             seconds, last);
    return -1;
}

/* SRC as the inside of a JSON string into DST (LEN bytes).  -1 if it does not fit. */
static int json_escape(const char *src, char *dst, size_t len)
{
    size_t n = 0;

    for (; *src; src++) {
        char esc[8];
        if (*src == '"' || *src == '\\')
            snprintf(esc, sizeof(esc), "\\%c", *src);
        else if ((unsigned char)*src < 0x20)
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)*src);
        else
            snprintf(esc, sizeof(esc), "%c", *src);
        if (n + strlen(esc) + 1 > len)
            return -1;
        memcpy(dst + n, esc, strlen(esc));
        n += strlen(esc);
    }
    dst[n] = '\0';
    return 0;
}

int ga_exec(const char *dom, const char *shell, double seconds, char *why, size_t len)
{
    char escaped[2048], json[2300], msg[512];
    char *out = NULL, *err = NULL;
    double deadline = now() + seconds;
    long pid, code;
    int status;

    if (json_escape(shell, escaped, sizeof(escaped)) < 0) {
        snprintf(why, len, "guest-exec: command too long");
        return -1;
    }
    snprintf(json, sizeof(json),
             "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\","
             "\"arg\":[\"-c\",\"%s\"]}}",
             escaped);
    status = ga_command(dom, json, &out, &err);
    if (status != 0 || json_int(out, strlen(out), "pid", &pid) < 0) {
        last_line(status != 0 && err ? err : out ? out : "", msg, sizeof(msg));
        snprintf(why, len, "guest-exec '%s' on %s failed (virsh exit %d): %s", shell, dom, status,
                 msg);
        free(out);
        free(err);
        return -1;
    }
    free(out);
    free(err);
    snprintf(json, sizeof(json), "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":%ld}}",
             pid);
    for (;;) {
        status = ga_command(dom, json, &out, &err);
        if (status != 0) {
            last_line(err ? err : "", msg, sizeof(msg));
            snprintf(why, len, "guest-exec-status of '%s' (pid %ld) on %s failed: %s", shell, pid,
                     dom, msg);
            free(out);
            free(err);
            return -1;
        }
        if (json_bool(out, strlen(out), "exited") == 1) {
            int ret = json_int(out, strlen(out), "exitcode", &code) == 0 ? (int)code : -1;
            if (ret < 0 && json_int(out, strlen(out), "signal", &code) == 0)
                ret = 128 + (int)code;
            if (ret < 0)
                snprintf(why, len, "guest-exec-status of '%s' on %s: no exit code in %s", shell,
                         dom, out);
            free(out);
            free(err);
            return ret;
        }
        free(out);
        free(err);
        if (now() >= deadline)
            break;
        nap(0.2);
    }
    snprintf(why, len, "'%s' on %s did not end within %.0f s", shell, dom, seconds);
    return -1;
}

/* Where KEY's value starts in TEXT[0..LEN) (after the colon and blanks), or NULL. */
static const char *json_value(const char *text, size_t len, const char *key)
{
    char quoted[128];
    size_t qlen = (size_t)snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    const char *end = text + len;

    if (!text)
        return NULL;
    for (const char *p = text; p + qlen <= end; p++) {
        const char *v;
        if (memcmp(p, quoted, qlen) != 0)
            continue;
        for (v = p + qlen; v < end && (*v == ' ' || *v == '\n' || *v == '\t'); v++)
            ;
        if (v >= end || *v != ':')
            continue;
        for (v++; v < end && (*v == ' ' || *v == '\n' || *v == '\t'); v++)
            ;
        return v < end ? v : NULL;
    }
    return NULL;
}

int json_str(const char *text, size_t len, const char *key, char *buf, size_t buflen)
{
    const char *v = json_value(text, len, key), *end = text + len;
    size_t n = 0;

    if (!v || *v != '"' || buflen == 0)
        return -1;
    for (v++; v < end && *v != '"'; v++) {
        if (*v == '\\' && v + 1 < end)
            v++;
        if (n + 1 < buflen)
            buf[n++] = *v;
    }
    buf[n] = '\0';
    return v < end ? 0 : -1;
}

int json_int(const char *text, size_t len, const char *key, long *value)
{
    const char *v = json_value(text, len, key);
    char *end;

    if (!v)
        return -1;
    *value = strtol(v, &end, 10);
    return end == v ? -1 : 0;
}

int json_bool(const char *text, size_t len, const char *key)
{
    const char *v = json_value(text, len, key);
    size_t left = v ? len - (size_t)(v - text) : 0;

    if (v && left >= 4 && strncmp(v, "true", 4) == 0)
        return 1;
    if (v && left >= 5 && strncmp(v, "false", 5) == 0)
        return 0;
    return -1;
}

int json_next_object(const char *text, size_t *pos, const char **obj, size_t *objlen)
{
    size_t i = *pos, start;
    int depth = 0, in_string = 0;

    if (!text)
        return 0;
    while (text[i] && text[i] != '{')
        i++;
    if (!text[i])
        return 0;
    for (start = i; text[i]; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\' && text[i + 1])
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{') {
            depth++;
        } else if (c == '}' && --depth == 0) {
            *obj = text + start;
            *objlen = i + 1 - start;
            *pos = i + 1;
            return 1;
        }
    }
    return 0;
}
