/* names.c - validation of the names an admin gives Goldfarm. */
#include "base/names.h"

#include <string.h>

#include "base/error.h"

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

const char *gf_name_problem(const char *name)
{
    size_t len;

    if (!name || !*name)
        return "is empty";
    len = strlen(name);
    for (size_t i = 0; i < len; i++) {
        const char *reason = bad_char_reason((unsigned char)name[i]);
        if (reason)
            return reason;
    }
    if (len > GF_NAME_MAX)
        return "is longer than 64 characters";
    if (strstr(name, ".."))
        return "contains '..'";
    if (name[0] == '-')
        return "starts with '-'";
    return NULL;
}

int gf_name_check(const char *kind, const char *name)
{
    const char *problem = gf_name_problem(name);

    if (!problem)
        return 0;
    if (!name || !*name)
        gf_err(GF_ERR_INPUT, "%s name is empty", kind);
    else if (strstr(problem, "control character"))
        /* Do not echo control characters back to the terminal. */
        gf_err(GF_ERR_INPUT, "invalid %s name: %s", kind, problem);
    else if (strlen(name) > GF_NAME_MAX)
        gf_err(GF_ERR_INPUT, "invalid %s name '%.20s...': %s", kind, name, problem);
    else
        gf_err(GF_ERR_INPUT, "invalid %s name '%s': %s", kind, name, problem);
    return -1;
}
