/* fuzz.h - what the libFuzzer harnesses share.
 *
 * A harness is one file, fuzz_NAME.c, defining LLVMFuzzerTestOneInput
 * (and, if it needs one, LLVMFuzzerInitialize); it checks what must hold
 * for every input with FUZZ_CHECK, which aborts (a crash libFuzzer keeps)
 * when it does not. */
#ifndef GF_FUZZ_H
#define GF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with WHAT when COND is false. */
#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #cond, what);                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* DATA's SIZE bytes as a new NUL-terminated string (to free()); a NUL
 * inside ends it early, as it would any C string. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

/* Whether TEXT is lines that each start with PREFIX and hold printable
 * UTF-8 only: what Goldfarm echoes never reaches a terminal as control
 * characters, and one error is one line.  An empty TEXT is fine. */
static inline int fuzz_clean_lines(const char *text, const char *prefix)
{
    size_t plen = strlen(prefix);

    if (!g_utf8_validate(text, -1, NULL))
        return 0;
    for (const char *l = text; *l;) {
        const char *end = strchr(l, '\n');
        if (strncmp(l, prefix, plen) != 0)
            return 0;
        for (const char *c = l; c < (end ? end : l + strlen(l)); c = g_utf8_next_char(c)) {
            gunichar u = g_utf8_get_char(c);
            if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0))
                return 0;
        }
        l = end ? end + 1 : l + strlen(l);
    }
    return 1;
}

#endif
