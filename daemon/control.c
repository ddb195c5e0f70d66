/* control.c - goldfarmd's control socket: the listening socket, its
 * clients and their credentials, in a thread of its own.
 *
 * The thread polls the socket, its clients and a pipe: a client is
 * checked as it connects (its peer credentials), then its request is read
 * (one line, at most GF_CTL_REQUEST_MAX bytes, within CTL_READ_MS), parsed
 * and answered.  A status request that waits for a change stays with the
 * thread until a tick ends (gfd_control_notify writes a byte on the pipe)
 * or CTL_PARK_MS passed, then is answered as things are.
 */
#include "control_int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/json.h"
#include "base/log.h"
#include "control/wire.h"
#include "farmd_int.h"

#define CTL_READ_MS 5000     /* a request must arrive whole within this */
#define CTL_PARK_MS 30000    /* a status request waits for a change this long at most */
#define CTL_WRITE_MS 5000    /* an answer must be taken within this */
#define CTL_GROUP "goldfarm" /* the group a socket made by root is given, when there is one */

struct ctl_client {
    int fd;
    struct ctl_peer peer;
    char *buf; /* the request read so far */
    size_t len;
    long long deadline; /* ms, CLOCK_MONOTONIC */
    int parked;         /* its request waits for a change */
    struct gf_ctl_req req;
};

/* Now, in ms of CLOCK_MONOTONIC. */
static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- credentials ----------------------------------------------------------- */

/* Whether the peer of FD may use C: root, the daemon's own user, or a
 * member of the socket's group (its primary group or one of its others).
 * Who it is into PEER. */
static int authorized(const struct gfd_control *c, int fd, struct ctl_peer *peer)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    gid_t groups[1024];

    memset(peer, 0, sizeof(*peer));
    peer->uid = (uid_t)-1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return 0;
    peer->pid = cred.pid;
    peer->uid = cred.uid;
    peer->gid = cred.gid;
    if (cred.uid == 0 || cred.uid == geteuid() || cred.gid == c->gid)
        return 1;
    len = sizeof(groups);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
        return 0; /* more groups than that, or no such option: the primary group only */
    for (size_t i = 0; i < len / sizeof(gid_t); i++)
        if (groups[i] == c->gid)
            return 1;
    return 0;
}

/* ---- the socket ------------------------------------------------------------- */

/* Make PATH's directory when it is the service's own (/run/goldfarm, when
 * not started by systemd, which makes it): 0750, given to the goldfarm
 * group.  0, or -1 with an error. */
static int make_dir(const char *path, gid_t gid)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char *slash;
    struct stat st;

    snprintf(dir, sizeof(dir), "%s", path);
    if (!(slash = strrchr(dir, '/')) || slash == dir)
        return 0;
    *slash = '\0';
    if (stat(dir, &st) == 0)
        return 0;
    if (strcmp(path, GF_CTL_SOCKET) != 0 || mkdir(dir, 0750) != 0) {
        gf_err(GF_ERR_INPUT, "the control socket's directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid) != 0)
        gf_debug("control: %s keeps its group: %s", dir, strerror(errno));
    return 0;
}

/* Whether a daemon listens on the socket PATH. */
static int someone_listens(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), up;

    if (fd < 0)
        return 0;
    up = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
    close(fd);
    return up;
}

/* The goldfarm group's id, or -1 when there is none. */
static gid_t goldfarm_gid(void)
{
    struct group gr, *found = NULL;
    char buf[4096];

    if (getgrnam_r(CTL_GROUP, &gr, buf, sizeof(buf), &found) != 0 || !found)
        return (gid_t)-1;
    return found->gr_gid;
}

/* Bind and listen on C->path: a stale socket (nobody listens) is
 * replaced, anything else there refused; mode 0660, the goldfarm group's
 * when there is one.  0, or -1 with an error. */
static int listen_on(struct gfd_control *c)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    gid_t group = goldfarm_gid();
    struct stat st;

    if (strlen(c->path) >= sizeof(addr.sun_path)) {
        gf_err(GF_ERR_INPUT, "the control socket path %s is too long (at most %zu bytes)", c->path,
               sizeof(addr.sun_path) - 1);
        return -1;
    }
    memcpy(addr.sun_path, c->path, strlen(c->path) + 1);
    if (make_dir(c->path, group) < 0)
        return -1;
    if (lstat(c->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            gf_err(GF_ERR_INPUT, "%s is there and is not a socket: not replaced", c->path);
            return -1;
        }
        if (someone_listens(&addr)) {
            gf_err(GF_ERR_OP, "another goldfarmd listens on %s", c->path);
            return -1;
        }
        unlink(c->path); /* a daemon's that did not end cleanly */
    }
    if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
        bind(c->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        gf_err(GF_ERR_OP, "cannot listen on %s: %s", c->path, strerror(errno));
        return -1;
    }
    /* never more open than 0660: made with the daemon's umask, then set */
    if (chmod(c->path, 0660) != 0 || lstat(c->path, &st) != 0) {
        gf_err(GF_ERR_OP, "cannot set the mode of %s: %s", c->path, strerror(errno));
        unlink(c->path);
        return -1;
    }
    if (group != (gid_t)-1 && st.st_gid != group) {
        if (chown(c->path, (uid_t)-1, group) == 0)
            st.st_gid = group;
        else
            gf_debug("control: %s keeps its group: %s", c->path, strerror(errno));
    }
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    c->gid = st.st_gid;
    if (listen(c->fd, 16) != 0) {
        gf_err(GF_ERR_OP, "cannot listen on %s: %s", c->path, strerror(errno));
        unlink(c->path);
        return -1;
    }
    return 0;
}

/* ---- clients ------------------------------------------------------------------ */

/* Answer client K with A (consumed; NULL: out of memory) and let it go. */
static void answer(struct gfd_control *c, int k, json_object *a)
{
    struct ctl_client *cl = c->clients[k];

    if (a && gf_ctl_write(cl->fd, a, CTL_WRITE_MS) < 0)
        gf_debug("control: pid %ld went away before its answer: %s", (long)cl->peer.pid,
                 gf_err_message());
    json_object_put(a);
    close(cl->fd);
    free(cl->buf);
    free(cl);
    c->clients[k] = c->clients[--c->nclients];
}

/* Log request R of PEER with answer A: who asked what, and what it got
 * (the status verbs only at debug level: watchers ask often). */
static void log_request(const struct gf_ctl_req *r, const struct ctl_peer *peer, json_object *a)
{
    enum gf_ctl_code code = gf_ctl_answer_code(a);
    int level = r->verb == GF_CTL_FARM_STATUS || r->verb == GF_CTL_ROLLOUT_STATUS ? GF_LOG_DEBUG
                                                                                  : GF_LOG_INFO;
    char text[512];

    gf_json_text(a, code == GF_CTL_OK ? "message" : "reason", text, sizeof(text));
    gf_log(level, "control: uid %ld (pid %ld) asks %s%s%s%s%s: %s%s%s", (long)peer->uid,
           (long)peer->pid, gf_ctl_verb_name(r->verb), r->farm[0] ? " farm " : "", r->farm,
           r->host[0] ? " host " : "", r->host, code == GF_CTL_OK ? "" : gf_ctl_code_name(code),
           code == GF_CTL_OK ? "" : ": ", text);
}

/* Client K's request is read whole: parse it, answer it or let it wait. */
static void handle(struct gfd_control *c, int k)
{
    struct ctl_client *cl = c->clients[k];
    char why[512];
    enum gf_ctl_code code;
    json_object *a;
    int park = 0;

    cl->buf[strcspn(cl->buf, "\n")] = '\0';
    code = gf_ctl_req_parse(cl->buf, strlen(cl->buf), &cl->req, why, sizeof(why));
    if (code != GF_CTL_OK) {
        gf_note("control: uid %ld (pid %ld): %s: %s", (long)cl->peer.uid, (long)cl->peer.pid,
                gf_ctl_code_name(code), why);
        answer(c, k, gf_ctl_answer(code, "%s", why));
        return;
    }
    gf_err_clear();
    if (!(a = ctl_answer(c, &cl->req, &cl->peer, 0, &park)) && park) {
        cl->parked = 1;
        cl->deadline = now_ms() + CTL_PARK_MS;
        return;
    }
    log_request(&cl->req, &cl->peer, a);
    answer(c, k, a);
}

/* Take a new client from the listening socket, if its credentials allow. */
static void accept_client(struct gfd_control *c)
{
    struct ctl_client *cl;
    struct ctl_peer peer;
    int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    json_object *refusal = NULL;

    if (fd < 0)
        return;
    if (!authorized(c, fd, &peer)) {
        gf_warn("control: uid %ld (pid %ld) refused: neither root nor in the socket's group %ld",
                (long)peer.uid, (long)peer.pid, (long)c->gid);
        refusal = gf_ctl_answer(GF_CTL_UNAUTHORIZED,
                                "uid %ld may not use goldfarmd's control socket (root and the "
                                "members of its group %ld only)",
                                (long)peer.uid, (long)c->gid);
    } else if (c->nclients == CTL_CONNS) {
        refusal =
            gf_ctl_answer(GF_CTL_BUSY, "goldfarmd has %d clients already: try again", CTL_CONNS);
    } else if ((cl = calloc(1, sizeof(*cl))) && (cl->buf = malloc(GF_CTL_REQUEST_MAX + 2))) {
        cl->fd = fd;
        cl->peer = peer;
        cl->deadline = now_ms() + CTL_READ_MS;
        c->clients[c->nclients++] = cl;
        return;
    } else {
        free(cl);
        refusal = gf_ctl_answer(GF_CTL_FAILED, "out of memory");
    }
    if (refusal && gf_ctl_write(fd, refusal, 1000) < 0)
        gf_debug("control: %s", gf_err_message());
    json_object_put(refusal);
    close(fd);
}

/* Read what client K sent; answer it once its request is whole. */
static void read_client(struct gfd_control *c, int k)
{
    struct ctl_client *cl = c->clients[k];
    ssize_t n = recv(cl->fd, cl->buf + cl->len, GF_CTL_REQUEST_MAX + 1 - cl->len, 0);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (cl->parked || n <= 0) { /* gone (a watcher that stopped), or sends more than asked */
        if (n <= 0 && !cl->parked && cl->len) {
            cl->buf[cl->len] = '\0';
            handle(c, k); /* a request without its newline, then the end */
        } else {
            answer(c, k, NULL);
        }
        return;
    }
    cl->len += (size_t)n;
    cl->buf[cl->len] = '\0';
    if (memchr(cl->buf + cl->len - (size_t)n, '\n', (size_t)n))
        handle(c, k);
    else if (cl->len > GF_CTL_REQUEST_MAX)
        answer(c, k,
               gf_ctl_answer(GF_CTL_TOO_LARGE, "a request is one line of at most %d bytes",
                             GF_CTL_REQUEST_MAX));
}

/* The clients whose time is up, and the waiting ones a tick may have
 * answered (ALL: every waiting one looks again). */
static void look_again(struct gfd_control *c, int all)
{
    long long now = now_ms();

    for (int k = c->nclients - 1; k >= 0; k--) {
        struct ctl_client *cl = c->clients[k];
        json_object *a;
        int park = 0;
        if (!cl->parked && now >= cl->deadline) {
            answer(c, k,
                   gf_ctl_answer(GF_CTL_BAD_REQUEST, "no whole request (one line) within %d s",
                                 CTL_READ_MS / 1000));
        } else if (cl->parked && (all || now >= cl->deadline)) {
            gf_err_clear();
            if ((a = ctl_answer(c, &cl->req, &cl->peer, now >= cl->deadline, &park)) || !park)
                answer(c, k, a);
        }
    }
}

/* The control thread: poll, accept, read, answer, until stopped. */
static void *control_main(void *arg)
{
    struct gfd_control *c = arg;

    while (!atomic_load(&c->stop)) {
        struct pollfd p[CTL_CONNS + 2];
        long long next = now_ms() + 1000;
        int n = 0, woken = 0, timeout;
        char drain[64];
        p[n++] = (struct pollfd){.fd = c->wake[0], .events = POLLIN};
        p[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
        for (int k = 0; k < c->nclients; k++) {
            p[n++] = (struct pollfd){.fd = c->clients[k]->fd, .events = POLLIN};
            if (c->clients[k]->deadline < next)
                next = c->clients[k]->deadline;
        }
        timeout = (int)(next - now_ms());
        if (poll(p, (nfds_t)n, timeout < 0 ? 0 : timeout) < 0 && errno != EINTR)
            break;
        if (p[0].revents) {
            while (read(c->wake[0], drain, sizeof(drain)) > 0)
                ;
            woken = 1;
        }
        /* the clients polled, from the last (answering one moves the last in its place) */
        for (int i = n - 1; i >= 2; i--)
            if (p[i].revents && i - 2 < c->nclients && c->clients[i - 2]->fd == p[i].fd)
                read_client(c, i - 2);
        if (p[1].revents & POLLIN)
            accept_client(c);
        look_again(c, woken);
    }
    return NULL;
}

/* ---- start, stop, notify ---------------------------------------------------- */

/* Free C: its clients, socket, pipe and connections (the thread ended). */
static void control_free(struct gfd_control *c)
{
    struct stat st;

    while (c->nclients)
        answer(c, c->nclients - 1, NULL);
    if (c->fd >= 0) {
        close(c->fd);
        if (lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
            unlink(c->path);
    }
    for (int i = 0; i < 2; i++)
        if (c->wake[i] >= 0)
            close(c->wake[i]);
    for (int i = 0; i < c->nvirt; i++)
        if (c->virt[i].conn && gfd_owns_connections(c->d))
            virConnectClose(c->virt[i].conn);
    free(c);
}

int gfd_control_start(struct gfd *d, const char *path)
{
    struct gfd_control *c = calloc(1, sizeof(*c));
    int err;

    if (!c) {
        gf_err(GF_ERR_OP, "out of memory");
        return -1;
    }
    c->d = d;
    c->fd = c->wake[0] = c->wake[1] = -1;
    snprintf(c->path, sizeof(c->path), "%s", path);
    if (strlen(path) >= sizeof(c->path)) {
        gf_err(GF_ERR_INPUT, "the control socket path %s is too long (at most %zu bytes)", path,
               sizeof(c->path) - 1);
        goto fail;
    }
    if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        gf_err(GF_ERR_OP, "cannot make the control socket's pipe: %s", strerror(errno));
        goto fail;
    }
    if (listen_on(c) < 0)
        goto fail;
    if ((err = pthread_create(&c->thread, NULL, control_main, c)) != 0) {
        gf_err(GF_ERR_OP, "cannot start the control socket's thread: %s", strerror(err));
        goto fail;
    }
    c->started = 1;
    d->control = c;
    d->ticked = gfd_control_notify;
    return 0;
fail:
    control_free(c);
    return -1;
}

void gfd_control_stop(struct gfd *d)
{
    struct gfd_control *c = d->control;

    if (!c)
        return;
    atomic_store(&c->stop, 1);
    gfd_control_notify(d);
    if (c->started)
        pthread_join(c->thread, NULL);
    d->control = NULL;
    control_free(c);
}

void gfd_control_notify(struct gfd *d)
{
    if (d->control && write(d->control->wake[1], "", 1) < 0) {
        /* full: the thread looks again anyway */
    }
}
