/* meta_pack.c - struct gf_meta without the unused room of its text fields:
 * a managed host's metadata is about 1.3 KiB as a struct, mostly empty text,
 * and goldfarmd's metadata cache holds one per domain. */
#include "model/meta_pack.h"

#include <stdlib.h>
#include <string.h>

/* The text fields of struct gf_meta, in the order they are declared.  A
 * field missing here is kept as it is, room and all: never lost. */
#define TEXT(f)                                                                                    \
    {                                                                                              \
        offsetof(struct gf_meta, f), sizeof(((struct gf_meta *)0)->f)                              \
    }
static const struct {
    size_t off, len;
} texts[] = {
    TEXT(farm),     TEXT(image),       TEXT(reason),     TEXT(seal_gold),
    TEXT(replaces), TEXT(replaced_by), TEXT(supersedes), TEXT(superseded_by),
    TEXT(op_tag),   TEXT(sealed_from), TEXT(note),       TEXT(sha256),
};
#define NTEXTS (sizeof(texts) / sizeof(texts[0]))

/* The length of text field T of M, within its room. */
static size_t text_len(const struct gf_meta *m, size_t t)
{
    return strnlen((const char *)m + texts[t].off, texts[t].len - 1);
}

unsigned char *gf_meta_pack(const struct gf_meta *m, size_t *len)
{
    const unsigned char *src = (const unsigned char *)m;
    size_t size = sizeof(*m), pos = 0;
    unsigned char *buf, *w;

    for (size_t t = 0; t < NTEXTS; t++)
        size = size - texts[t].len + text_len(m, t) + 1;
    if (!(buf = malloc(size)))
        return NULL;
    w = buf;
    /* the bytes between the text fields, then the texts, each ended by NUL */
    for (size_t t = 0; t <= NTEXTS; t++) {
        size_t end = t < NTEXTS ? texts[t].off : sizeof(*m);
        memcpy(w, src + pos, end - pos);
        w += end - pos;
        pos = t < NTEXTS ? end + texts[t].len : end;
    }
    for (size_t t = 0; t < NTEXTS; t++) {
        size_t n = text_len(m, t);
        memcpy(w, src + texts[t].off, n);
        w[n] = '\0';
        w += n + 1;
    }
    *len = size;
    return buf;
}

void gf_meta_unpack(const unsigned char *buf, struct gf_meta *m)
{
    unsigned char *dst = (unsigned char *)m;
    size_t pos = 0;

    for (size_t t = 0; t <= NTEXTS; t++) {
        size_t end = t < NTEXTS ? texts[t].off : sizeof(*m);
        memcpy(dst + pos, buf, end - pos);
        buf += end - pos;
        pos = t < NTEXTS ? end + texts[t].len : end;
    }
    for (size_t t = 0; t < NTEXTS; t++) {
        size_t n = strlen((const char *)buf);
        memcpy(dst + texts[t].off, buf, n);
        memset(dst + texts[t].off + n, 0, texts[t].len - n);
        buf += n + 1;
    }
}
