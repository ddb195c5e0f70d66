/* guest_files.c - reading a file inside a test guest through its guest agent. */
#include "guest_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "guest_agent.h"

/* Run agent command JSON on DOM; its answer into *OUT (to free()).  0, or -1 with the
 * reason in WHY. */
static int ask(const char *dom, const char *json, char **out, char *why, size_t len)
{
    char *err = NULL;
    int status = ga_command(dom, json, out, &err);

    if (status != 0 || !*out) {
        snprintf(why, len, "%s on %s: virsh exit %d: %s%s", json, dom, status, *out ? *out : "",
                 err ? err : "");
        free(*out);
        *out = NULL;
        free(err);
        return -1;
    }
    free(err);
    return 0;
}

int ga_read_file(const char *dom, const char *path, char **text, char *why, size_t len)
{
    char json[512], *out = NULL;
    static char b64[1 << 20];
    GString *all = g_string_new(NULL);
    long handle, count = 1;
    int rc = -1;

    *text = NULL;
    snprintf(json, sizeof(json),
             "{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"%s\",\"mode\":\"r\"}}",
             path);
    if (ask(dom, json, &out, why, len) < 0 || json_int(out, strlen(out), "return", &handle) < 0) {
        if (out)
            snprintf(why, len, "guest-file-open %s on %s: %s", path, dom, out);
        free(out);
        g_string_free(all, TRUE);
        return -1;
    }
    free(out);
    while (count > 0) {
        snprintf(json, sizeof(json),
                 "{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":%ld,\"count\":65536}}",
                 handle);
        if (ask(dom, json, &out, why, len) < 0)
            goto close;
        if (json_int(out, strlen(out), "count", &count) < 0 ||
            json_str(out, strlen(out), "buf-b64", b64, sizeof(b64)) < 0) {
            snprintf(why, len, "guest-file-read %s on %s: %s", path, dom, out);
            free(out);
            goto close;
        }
        {
            gsize n = 0;
            guchar *bytes = g_base64_decode(b64, &n);
            g_string_append_len(all, (const char *)bytes, (gssize)n);
            g_free(bytes);
        }
        if (json_bool(out, strlen(out), "eof") == 1)
            count = 0;
        free(out);
    }
    rc = 0;
close:
    snprintf(json, sizeof(json),
             "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":%ld}}", handle);
    {
        char ignored[256];
        if (ask(dom, json, &out, ignored, sizeof(ignored)) == 0)
            free(out);
    }
    if (rc == 0)
        *text = g_string_free(all, FALSE);
    else
        g_string_free(all, TRUE);
    return rc;
}

int ga_count_lines(const char *text, const char *prefix)
{
    int n = 0;

    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        n += strncmp(line, prefix, strlen(prefix)) == 0;
    return n;
}

long long ga_field(const char *text, const char *key)
{
    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
            return g_ascii_strtoll(line + strlen(key) + 1, NULL, 10);
    return -1;
}
