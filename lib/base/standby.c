/* standby.c - the names of the standby kinds. */
#include "base/standby.h"

#include <string.h>

const char *const gf_standby_kind_names[] = {"off", "saved", "running", NULL};

const char *gf_standby_kind_name(enum gf_standby_kind k)
{
    return k >= GF_SB_OFF && k < GF_SB_NKINDS ? gf_standby_kind_names[k] : "?";
}

int gf_standby_kind_parse(const char *name)
{
    for (int k = GF_SB_OFF; k < GF_SB_NKINDS; k++)
        if (strcmp(name, gf_standby_kind_names[k]) == 0)
            return k;
    return -1;
}
