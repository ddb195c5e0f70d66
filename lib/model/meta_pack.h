/* meta_pack.h - a domain's metadata kept compactly (the metadata cache's
 * entries): its numbers as they are, its text fields by their length. */
#ifndef GF_META_PACK_H
#define GF_META_PACK_H

#include <stddef.h>

#include "model/meta.h"

/* M packed into a new buffer of *LEN bytes (free it), or NULL when out of
 * memory (nothing recorded: the caller says what it could not keep). */
unsigned char *gf_meta_pack(const struct gf_meta *m, size_t *len);

/* What gf_meta_pack packed, into M: equal to the packed one field by
 * field (text fields zero after their end). */
void gf_meta_unpack(const unsigned char *buf, struct gf_meta *m);

#endif
