/* state.c - what vmctl reads of goldfarmd's state directory: where it is,
 * and its files' text. */
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
