/* wire.c - control socket messages on the wire, and a client's call. */
#include "control/wire.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/json.h"

/* Milliseconds left until DEADLINE (a CLOCK_MONOTONIC time in ms), 0 at least. */
static int left_ms(long long deadline)
{
    struct timespec ts;
    long long now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return deadline > now ? (int)(deadline - now) : 0;
}

/* The CLOCK_MONOTONIC time in ms, MS from now. */
static long long deadline_in(int ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ms;
}

/* Wait until FD is ready for EVENTS before DEADLINE: 1 ready, 0 timed out,
 * -1 failed (errno set). */
static int wait_for(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

int gf_ctl_write(int fd, json_object *msg, int timeout_ms)
{
    const char *text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t len = strlen(text), done = 0;
    long long deadline = deadline_in(timeout_ms);
    char *line = malloc(len + 1);

    if (!line) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    memcpy(line, text, len);
    line[len++] = '\n';
    while (done < len) {
        ssize_t n;
        int ready = wait_for(fd, POLLOUT, deadline);
        if (ready <= 0) {
            gf_err(GF_ERR_OP, "control socket: %s",
                   ready == 0 ? "the other side reads nothing" : strerror(errno));
            free(line);
            return -1;
        }
        if ((n = send(fd, line + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            gf_err(GF_ERR_OP, "control socket: %s", strerror(errno));
            free(line);
            return -1;
        }
        done += (size_t)n;
    }
    free(line);
    return 0;
}

json_object *gf_ctl_read(int fd, size_t max, int timeout_ms)
{
    long long deadline = deadline_in(timeout_ms);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    json_object *o = NULL;

    if (!buf) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    for (;;) {
        ssize_t n;
        int ready;
        if (len + 1 >= cap) {
            size_t want = cap * 2 > max + 2 ? max + 2 : cap * 2;
            char *grown;
            if (len > max) {
                gf_err(GF_ERR_OP, "control socket: an answer longer than %zu bytes", max);
                goto cleanup;
            }
            if (!(grown = realloc(buf, want))) {
                gf_err(GF_ERR_OP, "out of memory");
                goto cleanup;
            }
            buf = grown;
            cap = want;
        }
        if ((ready = wait_for(fd, POLLIN, deadline)) <= 0) {
            gf_err(GF_ERR_OP, "control socket: %s",
                   ready == 0 ? "no answer in time" : strerror(errno));
            goto cleanup;
        }
        if ((n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT)) < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            gf_err(GF_ERR_OP, "control socket: %s", strerror(errno));
            goto cleanup;
        }
        if (n == 0 || memchr(buf + len, '\n', (size_t)n)) {
            len += (size_t)n;
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (!len) {
        gf_err(GF_ERR_OP, "goldfarmd closed the connection without an answer (stopping?)");
        goto cleanup;
    }
    buf[strcspn(buf, "\n")] = '\0';
    if (!(o = gf_json_parse_object(buf)))
        gf_err(GF_ERR_OP, "control socket: the answer is not a JSON object");
cleanup:
    free(buf);
    return o;
}

int gf_ctl_connect(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        gf_err(GF_ERR_INPUT, "the control socket path %s is too long (at most %zu bytes)", path,
               sizeof(addr.sun_path) - 1);
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        gf_err(GF_ERR_OP, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        close(fd);
        if (e == ENOENT || e == ENOTDIR)
            gf_err(GF_ERR_OP, "goldfarmd is not running (no socket at %s)", path);
        else if (e == ECONNREFUSED)
            gf_err(GF_ERR_OP, "goldfarmd is not running (nothing listens on %s)", path);
        else if (e == EACCES || e == EPERM)
            gf_err(GF_ERR_INPUT,
                   "may not use goldfarmd's control socket %s: %s (root and the members of its "
                   "group only)",
                   path, strerror(e));
        else
            gf_err(GF_ERR_OP, "cannot reach goldfarmd at %s: %s", path, strerror(e));
        return -1;
    }
    return fd;
}

json_object *gf_ctl_call(const char *path, const struct gf_ctl_req *r, int timeout_ms)
{
    json_object *req = gf_ctl_req_json(r), *answer = NULL;
    int fd = -1;

    if (!req || (fd = gf_ctl_connect(path)) < 0)
        goto cleanup;
    if (gf_ctl_write(fd, req, timeout_ms) < 0) {
        /* the daemon may have answered before reading (a refusal of who
         * asks) and closed: its answer is still there to read */
        char why[512];
        snprintf(why, sizeof(why), "%s", gf_err_message());
        if (!(answer = gf_ctl_read(fd, GF_CTL_ANSWER_MAX, timeout_ms)))
            gf_err(GF_ERR_OP, "%s", why);
        goto cleanup;
    }
    answer = gf_ctl_read(fd, GF_CTL_ANSWER_MAX, timeout_ms);
cleanup:
    if (fd >= 0)
        close(fd);
    json_object_put(req);
    return answer;
}
