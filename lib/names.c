/* names.c - validation of the names an admin gives Goldfarm. */
#include "names.h"

#include <string.h>

#include "error.h"

/* Describe why C may not stand in a name, or NULL when it may. */
static const char *bad_char_reason(unsigned char c)
{
    if (c == '/')
        return "contains '/'";
    if (c == '<' || c == '>' || c == '&' || c == '\'' || c == '"')
        return "contains an XML metacharacter";
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        return "contains whitespace";
    if (c < 0x20 || c == 0x7f)
        return "contains a control character";
    return NULL;
}

int gf_name_check(const char *kind, const char *name)
{
    size_t len;

    if (!name || !*name) {
        gf_err(GF_ERR_INPUT, "%s name is empty", kind);
        return -1;
    }
    len = strlen(name);
    for (size_t i = 0; i < len; i++) {
        const char *reason = bad_char_reason((unsigned char)name[i]);
        if (reason) {
            /* Do not echo control characters back to the terminal. */
            if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                gf_err(GF_ERR_INPUT, "invalid %s name: %s", kind, reason);
            else
                gf_err(GF_ERR_INPUT, "invalid %s name '%s': %s", kind, name, reason);
            return -1;
        }
    }
    if (len > GF_NAME_MAX) {
        gf_err(GF_ERR_INPUT, "invalid %s name '%.20s...': longer than %d characters", kind, name,
               GF_NAME_MAX);
        return -1;
    }
    if (strstr(name, "..")) {
        gf_err(GF_ERR_INPUT, "invalid %s name '%s': contains '..'", kind, name);
        return -1;
    }
    if (name[0] == '-') {
        gf_err(GF_ERR_INPUT, "invalid %s name '%s': starts with '-'", kind, name);
        return -1;
    }
    return 0;
}
