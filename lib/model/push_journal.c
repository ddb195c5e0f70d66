/* push_journal.c - the push journal (STATE_DIR/push/journal) and its lock,
 * shared by `vmctl image push` and goldfarmd's pushes (see push.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "model/journal.h"
#include "model/push.h"

/* Take the lock LOCK_FD, waiting while another push holds it; with CANCEL,
 * waiting in steps and giving up once it is set.  0, or -1 with an error. */
static int lock_wait(int fd, const char *path, const int *cancel)
{
    if (!cancel) {
        if (flock(fd, LOCK_EX) == 0)
            return 0;
        gf_err(GF_ERR_OP, "cannot lock %s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        struct timespec step = {0, 100 * 1000 * 1000};
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            gf_err(GF_ERR_OP, "cannot lock %s: %s", path, strerror(errno));
            return -1;
        }
        if (__atomic_load_n(cancel, __ATOMIC_RELAXED)) {
            gf_err(GF_ERR_OP, "cancelled while waiting for another push (%s)", path);
            return -1;
        }
        nanosleep(&step, NULL);
    }
}

struct gf_journal *gf_push_journal_open(const char *state_dir,
                                        virConnectPtr (*connect)(void *opaque, const char *uri),
                                        void *opaque, const int *cancel, int *lock_fd, int *left)
{
    char dir[PATH_MAX], lock[PATH_MAX + 8];
    struct gf_journal *j;
    int n;

    *lock_fd = -1;
    *left = 0;
    snprintf(dir, sizeof(dir), "%s/push", state_dir);
    snprintf(lock, sizeof(lock), "%s/lock", dir);
    if ((mkdir(state_dir, 0755) < 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
        gf_err(GF_ERR_OP, "cannot make the push journal's directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    if ((*lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        gf_err(GF_ERR_OP, "cannot open %s: %s", lock, strerror(errno));
        return NULL;
    }
    if (lock_wait(*lock_fd, lock, cancel) < 0 || !(j = gf_journal_open(dir))) {
        close(*lock_fd);
        *lock_fd = -1;
        return NULL;
    }
    if ((n = gf_journal_recover(j, connect, opaque)) < 0) {
        gf_journal_close(j);
        close(*lock_fd);
        *lock_fd = -1;
        return NULL;
    }
    *left = n;
    return j;
}
