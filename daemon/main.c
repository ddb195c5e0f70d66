/* main.c - goldfarmd: options, logging, signals, libvirt's event loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farmd.h"
#include "base/log.h"

static int use_syslog;
static int signal_pipe[2] = {-1, -1};
static int stopping;
static int timer = -1;

/* Log one line to stderr or syslog (at error level when it says "error: "). */
static void log_line(const char *line)
{
    if (use_syslog)
        syslog(strstr(line, "error: ") ? LOG_ERR : LOG_INFO, "%s", line);
    else
        fprintf(stderr, "goldfarmd: %s\n", line);
}

/* Tell systemd STATE ("READY=1") when it started us with Type=notify. */
static void sd_notify_state(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (!path || !*path || strlen(path) >= sizeof(addr.sun_path))
        return;
    memcpy(addr.sun_path, path, strlen(path));
    if (addr.sun_path[0] == '@')
        addr.sun_path[0] = '\0'; /* abstract namespace */
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return;
    sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr,
           (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
    close(fd);
}

/* Signals are turned into bytes on a pipe, read in the event loop. */
static void on_signal(int sig)
{
    char c = (char)sig;
    int saved = errno;

    if (write(signal_pipe[1], &c, 1) < 0) {
        /* nothing to do: the pipe is full of pending signals already */
    }
    errno = saved;
}

/* The event loop's side of the signal pipe. */
static void on_signal_fd(int watch, int fd, int events, void *opaque)
{
    struct gfd *d = opaque;
    char c;

    (void)watch;
    (void)events;
    while (read(fd, &c, 1) == 1) {
        if (c == SIGHUP) {
            int bad;
            sd_notify_state("RELOADING=1");
            log_line("SIGHUP: reloading the policies");
            bad = gfd_reload(d);
            if (bad)
                gf_note("reload: %d file%s with errors kept %s previous polic%s", bad,
                        bad == 1 ? "" : "s", bad == 1 ? "its" : "their", bad == 1 ? "y" : "ies");
            virEventUpdateTimeout(timer, 0);
            sd_notify_state("READY=1");
        } else {
            stopping = 1;
        }
    }
}

/* Tick the farms that are due and sleep until the next. */
static void on_timer(int t, void *opaque)
{
    struct gfd *d = opaque;
    int next = gfd_tick_due(d, time(NULL), 0);

    virEventUpdateTimeout(t, next * 1000);
}

/* A lifecycle event asked for a tick now. */
static void wake(struct gfd *d)
{
    (void)d;
    if (timer >= 0)
        virEventUpdateTimeout(timer, 0);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: goldfarmd [-c URI] [--policies DIR] [--state-dir DIR] [--metrics FILE]\n"
                 "                 [--once] [--foreground]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"policies", required_argument, NULL, 'p'},
        {"state-dir", required_argument, NULL, 's'},
        {"metrics", required_argument, NULL, 'm'},
        {"once", no_argument, NULL, 'o'},
        {"foreground", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *policies = "/etc/goldfarm/policies", *state_dir = "/var/lib/goldfarm";
    struct gfd d = {0};
    struct sigaction sa;
    int once = 0, foreground = 0, opt;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            d.uri_override = optarg;
            break;
        case 'p':
            policies = optarg;
            break;
        case 's':
            state_dir = optarg;
            break;
        case 'm':
            snprintf(d.metrics, sizeof(d.metrics), "%s", optarg);
            break;
        case 'o':
            once = 1;
            break;
        case 'f':
            foreground = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "goldfarmd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    use_syslog = !foreground && !isatty(STDERR_FILENO);
    if (use_syslog)
        openlog("goldfarmd", LOG_PID, LOG_DAEMON);
    gf_log_set_sink(log_line);
    gf_err_init();
    if (virEventRegisterDefaultImpl() < 0) {
        log_line("cannot set up libvirt's event loop");
        return 1;
    }
    /* Signals first: a SIGTERM during the start must stop cleanly too. */
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        log_line("cannot create the signal pipe");
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    d.events = !once;
    d.wake = wake;
    if (gfd_start(&d, policies, state_dir) < 0) {
        log_line(gf_err_message());
        gfd_stop(&d);
        return gf_err_class_get() == GF_ERR_INPUT ? 2 : 1;
    }
    gf_note("started: %d farm%s from %s, state in %s", d.nfarms, d.nfarms == 1 ? "" : "s", policies,
            state_dir);
    if (once) {
        gfd_tick_due(&d, time(NULL), 1);
        gfd_stop(&d);
        return 0;
    }
    virEventAddHandle(signal_pipe[0], VIR_EVENT_HANDLE_READABLE, on_signal_fd, &d, NULL);
    timer = virEventAddTimeout(0, on_timer, &d, NULL);
    sd_notify_state("READY=1");
    while (!stopping)
        if (virEventRunDefaultImpl() < 0) {
            log_line("libvirt's event loop failed");
            break;
        }
    sd_notify_state("STOPPING=1");
    log_line("stopping on signal");
    virEventRemoveTimeout(timer);
    gfd_stop(&d);
    return 0;
}
