/* fault.c - test-only fault points. */
#include "base/fault.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

int gf_fault(const char *point, const char *subject)
{
    const char *armed = getenv("GOLDFARM_FAULT");
    size_t len = strlen(point);

    if (!armed || strncmp(armed, point, len) != 0)
        return 0;
    if (armed[len] == ':' && (!subject || strcmp(armed + len + 1, subject) != 0))
        return 0;
    if (armed[len] != ':' && armed[len] != '\0')
        return 0;
    gf_err(GF_ERR_OP, "injected fault at %s%s%s", point, subject ? " for " : "",
           subject ? subject : "");
    return -1;
}
