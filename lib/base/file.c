/* file.c - the files Goldfarm writes: private, close-on-exec, atomic. */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

FILE *gf_file_open_write(const char *path, int append, mode_t perm)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (append ? O_APPEND : O_TRUNC);
    int fd = open(path, flags, perm);
    FILE *f;

    if (fd < 0) {
        gf_err(GF_ERR_OP, "cannot write %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!(f = fdopen(fd, append ? "ae" : "we"))) {
        gf_err(GF_ERR_OP, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    return f;
}

FILE *gf_file_replace_begin(const char *path, mode_t perm)
{
    char tmp[PATH_MAX + 8];

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp); /* a stale one (a crash) is not followed or appended to */
    return gf_file_open_write(tmp, 0, perm);
}

int gf_file_replace_commit(FILE *out, const char *path)
{
    char tmp[PATH_MAX + 8];
    int failed;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    failed = fflush(out) != 0 || fsync(fileno(out)) != 0;
    failed |= fclose(out) != 0;
    if (failed || rename(tmp, path) != 0) {
        gf_err(GF_ERR_OP, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

char *gf_file_read(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    char *text = NULL;
    size_t used = 0;

    if (fd < 0) {
        int saved = errno;
        gf_err(GF_ERR_OP, "cannot read %s: %s", path, strerror(errno));
        errno = saved;
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        gf_err(GF_ERR_OP, "cannot read %s: not a regular file", path);
        goto fail;
    }
    if ((unsigned long long)st.st_size > max) {
        gf_err(GF_ERR_OP, "cannot read %s: larger than %zu bytes", path, max);
        goto fail;
    }
    if (!(text = malloc(max + 1))) {
        gf_err(GF_ERR_OP, "out of memory reading %s", path);
        goto fail;
    }
    for (;;) {
        ssize_t n = read(fd, text + used, max + 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            gf_err(GF_ERR_OP, "cannot read %s: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > max) { /* it grew while read */
            gf_err(GF_ERR_OP, "cannot read %s: larger than %zu bytes", path, max);
            goto fail;
        }
    }
    text[used] = '\0';
    if (memchr(text, '\0', used)) {
        gf_err(GF_ERR_OP, "cannot read %s: it holds a NUL byte", path);
        goto fail;
    }
    close(fd);
    if (len)
        *len = used;
    return text;
fail:
    free(text);
    close(fd);
    return NULL;
}
