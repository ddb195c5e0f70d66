/* textfile.c - reading a text file an admin names (a policy, a trace) safely. */
#include "base/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/escape.h"

/* Record "[WHAT ]FILE: cannot read: WHY"; returns -1. */
static int refuse(const char *file, const char *what, const char *why)
{
    char esc[GF_ESC_LEN];

    gf_err(GF_ERR_INPUT, "%s%s%s: cannot read: %s", what ? what : "", what ? " " : "",
           gf_esc(file, esc, sizeof(esc)), why);
    return -1;
}

int gf_text_file_read(const char *file, const char *what, size_t max, char **text, size_t *len)
{
    char *buf = NULL, why[96];
    size_t used = 0, cap;
    struct stat st;
    int fd, ret = -1;

    *text = NULL;
    *len = 0;
    if ((fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0)
        return refuse(file, what, strerror(errno));
    if (fstat(fd, &st) < 0) {
        refuse(file, what, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        refuse(file, what, S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
        goto cleanup;
    }
    if (max % (1024 * 1024) == 0)
        snprintf(why, sizeof(why), "larger than %zu MiB, the limit", max / (1024 * 1024));
    else
        snprintf(why, sizeof(why), "larger than %zu bytes, the limit", max);
    if ((unsigned long long)st.st_size > max) {
        refuse(file, what, why);
        goto cleanup;
    }
    /* the size fstat gave, plus room to notice a file that grew meanwhile */
    cap = (size_t)st.st_size + 2;
    if (!(buf = malloc(cap))) {
        gf_err(GF_ERR_OP, "out of memory");
        goto cleanup;
    }
    for (;;) {
        ssize_t n;
        if (used + 1 == cap) {
            char *grown;
            cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
            if (!(grown = realloc(buf, cap))) {
                gf_err(GF_ERR_OP, "out of memory");
                goto cleanup;
            }
            buf = grown;
        }
        n = read(fd, buf + used, cap - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            refuse(file, what, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > max) {
            refuse(file, what, why);
            goto cleanup;
        }
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    buf = NULL;
    ret = 0;
cleanup:
    free(buf);
    close(fd);
    return ret;
}

int gf_text_nul_line(const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    int line = 1;

    if (!nul)
        return 0;
    for (const char *c = text; c < nul; c++)
        line += *c == '\n';
    return line;
}
