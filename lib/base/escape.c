/* escape.c - names and values echoed safely in one-line messages. */
#include "base/escape.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

const char *gf_esc(const char *s, char *buf, size_t len)
{
    size_t used = 0;

    if (!s)
        s = "(null)";
    for (const char *c = s; *c;) {
        const char *next = g_utf8_next_char(c);
        gunichar u = g_utf8_get_char_validated(c, (gssize)strlen(c));
        char piece[8];
        size_t n;
        if (u == (gunichar)-1 || u == (gunichar)-2) { /* not UTF-8: this byte alone */
            snprintf(piece, sizeof(piece), "\\x%02x", (unsigned char)*c);
            next = c + 1;
        } else if (u == '\\') {
            snprintf(piece, sizeof(piece), "\\\\");
        } else if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0)) {
            if (u < 0x80)
                snprintf(piece, sizeof(piece), "\\x%02x", (unsigned)u);
            else /* a C1 control: its UTF-8 bytes, escaped */
                snprintf(piece, sizeof(piece), "\\u%04x", (unsigned)u);
        } else {
            n = (size_t)(next - c);
            memcpy(piece, c, n);
            piece[n] = '\0';
        }
        n = strlen(piece);
        if (used + n + 4 > len) { /* no room for this and "...": cut here */
            snprintf(buf + used, len - used, "...");
            return buf;
        }
        memcpy(buf + used, piece, n);
        used += n;
        c = next;
    }
    buf[used] = '\0';
    return buf;
}
