/* state.c - what vmctl reads of goldfarmd's state directory: where it is,
 * and the flat JSON of its status files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmctl.h"

const char *vmctl_state_dir(const struct vmctl_args *args)
{
    const char *dir = vmctl_opt(args, "state-dir");

    return dir ? dir : VMCTL_STATE_DIR;
}

char *vmctl_slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text = NULL;
    size_t len = 0;

    if (!f)
        return NULL;
    if (getdelim(&text, &len, '\0', f) < 0) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

const char *vmctl_json_field(const char *text, const char *key, char *buf, size_t len)
{
    char pattern[64];
    const char *at;
    size_t n = 0;

    snprintf(pattern, sizeof(pattern), "\"%s\":", key);
    if (!(at = strstr(text, pattern)))
        return NULL;
    at += strlen(pattern);
    if (*at == '"') {
        for (at++; *at && *at != '"' && n + 1 < len; at++) {
            if (*at == '\\' && at[1])
                at++;
            buf[n++] = *at;
        }
    } else {
        while (*at && *at != ',' && *at != '}' && *at != ']' && n + 1 < len)
            buf[n++] = *at++;
    }
    buf[n] = '\0';
    return at;
}
