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
