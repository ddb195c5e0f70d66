/* uuid_key.h - a domain's raw UUID (VIR_UUID_BUFLEN bytes) as a GHashTable
 * key: the metadata cache and the disk index key their tables by it. */
#ifndef GF_UUID_KEY_H
#define GF_UUID_KEY_H

#include <glib.h>

/* GHashTable callbacks (GHashFunc, GEqualFunc) over a raw UUID. */
guint gf_uuid_hash(gconstpointer key);
gboolean gf_uuid_equal(gconstpointer a, gconstpointer b);

#endif
