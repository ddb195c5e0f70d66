/* hooks.c - the policy's hook programs (broker, notify, logoff, join),
 * run with fork and execve, bounded in time; a hook that fails is logged,
 * never fatal. */
#include "act/act_int.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/error.h"
#include "base/exec.h"
#include "base/log.h"

#define HOOK_TIMEOUT 60

/* Run HOOK with EXTRA arguments (NULL-terminated) appended.  A hook that
 * fails is logged, not fatal.  Nothing when the hook is not set. */
void act_run_hook(const struct gf_hook *hook, const char *what, ...)
{
    char *argv[GF_MAX_HOOK_ARGS + 4];
    const char *extra;
    int n = 0, status;
    va_list ap;

    if (!hook->argc)
        return;
    for (; n < hook->argc; n++)
        argv[n] = (char *)hook->argv[n];
    va_start(ap, what);
    while (n < GF_MAX_HOOK_ARGS + 3 && (extra = va_arg(ap, const char *)))
        argv[n++] = (char *)extra;
    va_end(ap);
    argv[n] = NULL;
    status = gf_exec(argv, HOOK_TIMEOUT, NULL);
    if (status < 0)
        gf_note("%s hook %s: %s", what, argv[0], gf_err_message());
    else if (status)
        gf_note("%s hook %s exited with status %d", what, argv[0], status);
}
