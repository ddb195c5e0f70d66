/* uuid_key.c - a raw UUID as a GHashTable key. */
#include "model/uuid_key.h"

#include <string.h>

#include <libvirt/libvirt.h>

guint gf_uuid_hash(gconstpointer key)
{
    guint h = 2166136261u; /* FNV-1a over the 16 bytes */
    const unsigned char *u = key;

    for (int i = 0; i < VIR_UUID_BUFLEN; i++)
        h = (h ^ u[i]) * 16777619u;
    return h;
}

gboolean gf_uuid_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, VIR_UUID_BUFLEN) == 0;
}
