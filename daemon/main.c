/* main.c - goldfarmd: options, logging, signals, libvirt's event loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "base/error.h"
#include "base/log.h"
#include "control.h"
#include "control/protocol.h"
#include "farmd.h"

#ifndef GFD_POLICIES
#define GFD_POLICIES "/etc/goldfarm/policies"
#endif
#ifndef GFD_STATE_DIR
#define GFD_STATE_DIR "/var/lib/goldfarm"
#endif

static int use_syslog, journal_stream;
static int signal_pipe[2] = {-1, -1};
static int stopping, stopped;
static int timer = -1;

/* Log LINE at LEVEL (syslog's numbers): to syslog with that priority, or
 * to stderr, with journald's "<N>" prefix when stderr is the journal
 * (systemd sets JOURNAL_STREAM) and the level's word when it is a
 * warning or an error. */
static void log_at(int level, const char *line)
{
    const char *word = level <= GF_LOG_WARNING ? gf_log_level_name(level) : NULL;

    if (use_syslog)
        syslog(level, "%s", line);
    else if (journal_stream)
        fprintf(stderr, "<%d>%s%s%s\n", level, word ? word : "", word ? ": " : "", line);
    else
        fprintf(stderr, "goldfarmd: %s%s%s\n", word ? word : "", word ? ": " : "", line);
}

/* Log an error of the daemon itself. */
static void log_line(const char *line)
{
    log_at(GF_LOG_ERR, line);
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

/* The watchdog's period, in ms: half of WATCHDOG_USEC when systemd asked
 * this process for pings (WATCHDOG_PID unset or ours); 0 when it did not. */
static int watchdog_ms(void)
{
    const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    unsigned long long us;
    char *end;

    if (!usec || !*usec || (pid && *pid && strtol(pid, NULL, 10) != (long)getpid()))
        return 0;
    us = strtoull(usec, &end, 10);
    if (*end || us == 0)
        return 0;
    return us / 2000 > INT_MAX ? INT_MAX : us / 2000 ? (int)(us / 2000) : 1;
}

/* A ping from libvirt's event loop: a tick that hangs the loop stops them. */
static void on_watchdog(int t, void *opaque)
{
    (void)t;
    (void)opaque;
    sd_notify_state("WATCHDOG=1");
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
            log_at(GF_LOG_INFO, "SIGHUP: reloading the policies");
            if ((bad = gfd_reload(d)) < 0)
                gf_error("reload: %s", gf_err_message());
            else if (gfd_run(d) < 0) /* the threads of the farms it added */
                gf_error("reload: %s", gf_err_message());
            if (bad > 0)
                gf_note("reload: %d file%s with errors kept %s previous polic%s", bad,
                        bad == 1 ? "" : "s", bad == 1 ? "its" : "their", bad == 1 ? "y" : "ies");
            sd_notify_state("READY=1");
        } else if (!stopping) {
            stopping = 1;
            sd_notify_state("STOPPING=1");
            log_at(GF_LOG_INFO, "stopping on signal: the actions in flight finish first");
            gfd_run_stop(d);
            virEventUpdateTimeout(timer, 0);
        }
    }
}

/* Join the farm threads that ended (a reload removed their farm); once
 * stopping, end the loop when none runs any more. */
static void on_timer(int t, void *opaque)
{
    struct gfd *d = opaque;
    int running = gfd_run_reap(d);

    if (stopping && running == 0)
        stopped = 1;
    virEventUpdateTimeout(t, 1000);
}

/* A farm's thread ended, or an event woke a farm: look again soon. */
static void wake(struct gfd *d)
{
    (void)d;
    if (stopping && timer >= 0)
        virEventUpdateTimeout(timer, 0);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: goldfarmd [-c URI] [--policies DIR] [--state-dir DIR] [--metrics FILE]\n"
            "                 [--control SOCKET] [--pidfile FILE] [--once] [--foreground] [-v]\n"
            "       goldfarmd -n [--policies DIR]\n"
            "       goldfarmd --version | --help\n"
            "\n"
            "Keeps remote-desktop farms on libvirt the right size and healthy, by the\n"
            "policy files (one farm each) in the policies directory.\n"
            "\n"
            "  -c, --connect URI   stands for every hypervisor URI of the policies\n"
            "  --policies DIR      the policy files, *.conf (" GFD_POLICIES ")\n"
            "  --state-dir DIR     the daemon's private state: journal, status, decision\n"
            "                      logs (" GFD_STATE_DIR ")\n"
            "  --metrics FILE      the Prometheus textfile (STATE_DIR/goldfarm.prom)\n"
            "  --control SOCKET    the control socket vmctl asks through (" GF_CTL_SOCKET "\n"
            "                      with the default state directory, else\n"
            "                      STATE_DIR/" GF_CTL_SOCKET_NAME ")\n"
            "  --pidfile FILE      write the daemon's pid there while it runs\n"
            "  --once              run one reconcile tick of every farm and exit\n"
            "  --foreground        log to stderr, not syslog (under systemd, stderr is\n"
            "                      the journal: each line carries its priority)\n"
            "  -v, --verbose       log debug lines too\n"
            "  -n, --check         check the policies as the daemon would load them and\n"
            "                      exit: 0 when all are good, 2 when any has errors\n"
            "  --version           print the version and exit\n"
            "  -h, --help          print this help and exit\n"
            "\n"
            "Signals: SIGHUP reloads the policies (a bad file keeps its farm's previous\n"
            "policy), SIGTERM and SIGINT let the actions in flight finish, then exit 0.\n"
            "See goldfarmd(8) and goldfarm.conf(5).\n");
}

/* Write our pid to PATH (mode 0644, as pidfiles are).  0 or -1. */
static int write_pidfile(const char *path)
{
    char line[32];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

    if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) != 0) {
        fprintf(stderr, "goldfarmd: cannot write the pidfile %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"policies", required_argument, NULL, 'p'},
        {"state-dir", required_argument, NULL, 's'},
        {"metrics", required_argument, NULL, 'm'},
        {"control", required_argument, NULL, 'C'},
        {"once", no_argument, NULL, 'o'},
        {"foreground", no_argument, NULL, 'f'},
        {"pidfile", required_argument, NULL, 'P'},
        {"check", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *policies = GFD_POLICIES, *state_dir = GFD_STATE_DIR, *pidfile = NULL;
    const char *control = NULL;
    char control_path[PATH_MAX];
    struct gfd d = {0};
    struct sigaction sa;
    int once = 0, foreground = 0, check = 0, verbose = 0, opt;

    while ((opt = getopt_long(argc, argv, "c:hnv", longopts, NULL)) != -1) {
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
        case 'C':
            control = optarg;
            break;
        case 'o':
            once = 1;
            break;
        case 'f':
            foreground = 1;
            break;
        case 'P':
            pidfile = optarg;
            break;
        case 'n':
            check = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'V':
            printf("goldfarmd %s\n", GOLDFARM_VERSION);
            return 0;
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
    if (check) {
        int nfarms = 0;
        gf_err_init();
        if (gfd_check(policies, &nfarms) < 0) {
            fprintf(stderr, "goldfarmd: %s\n", gf_err_message());
            return gf_err_class_get() == GF_ERR_INPUT ? 2 : 1;
        }
        printf("goldfarmd: %s: %d farm%s, ok\n", policies, nfarms, nfarms == 1 ? "" : "s");
        return 0;
    }
    /* under systemd, stderr is the journal: it takes "<N>" priorities */
    journal_stream = getenv("JOURNAL_STREAM") != NULL;
    use_syslog = !foreground && !journal_stream && !isatty(STDERR_FILENO);
    if (use_syslog)
        openlog("goldfarmd", LOG_PID, LOG_DAEMON);
    gf_log_set_sink(log_at);
    gf_log_set_level(verbose ? GF_LOG_DEBUG : GF_LOG_INFO);
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
    sa.sa_handler = SIG_IGN; /* a log reader that died is an error on write, not a death */
    sigaction(SIGPIPE, &sa, NULL);
    d.events = !once;
    d.wake = wake;
    d.lease_settle_ms = 500; /* a rival's write lands in milliseconds */
    d.release_leases = 1;    /* a stopping daemon (or a --once run) hands its farms over at once */
    umask(027);              /* every file it creates: 0640 at most */
    if (gfd_start(&d, policies, state_dir) < 0) {
        log_line(gf_err_message());
        gfd_stop(&d);
        return gf_err_class_get() == GF_ERR_INPUT ? 2 : 1;
    }
    if (pidfile && write_pidfile(pidfile) < 0) {
        gfd_stop(&d);
        return 1;
    }
    if (control)
        snprintf(control_path, sizeof(control_path), "%s", control);
    else
        gf_ctl_default_path(state_dir, control_path, sizeof(control_path));
    /* a --once run asks nobody: the running daemon's socket stays its own */
    if (!once && gfd_control_start(&d, control_path) < 0) {
        log_line(gf_err_message());
        gfd_control_stop(&d);
        gfd_stop(&d);
        if (pidfile)
            unlink(pidfile);
        return gf_err_class_get() == GF_ERR_INPUT ? 2 : 1;
    }
    gf_note("started: %d farm%s from %s, state in %s%s%s", d.nfarms, d.nfarms == 1 ? "" : "s",
            policies, state_dir, once ? "" : ", control socket ", once ? "" : control_path);
    if (once) {
        gfd_tick_due(&d, time(NULL), 1);
        gfd_settle_pushes(&d);
        gfd_stop(&d);
        if (pidfile)
            unlink(pidfile);
        return 0;
    }
    virEventAddHandle(signal_pipe[0], VIR_EVENT_HANDLE_READABLE, on_signal_fd, &d, NULL);
    timer = virEventAddTimeout(1000, on_timer, &d, NULL);
    if (gfd_run(&d) < 0) { /* each farm ticks in a thread of its own */
        log_line(gf_err_message());
        stopping = 1;
        gfd_run_stop(&d);
    }
    sd_notify_state("READY=1");
    if (watchdog_ms() > 0)
        virEventAddTimeout(watchdog_ms(), on_watchdog, NULL, NULL);
    /* after SIGTERM, the loop goes on (events, keepalives) until every farm
     * has finished the actions it had in flight */
    while (!stopped)
        if (virEventRunDefaultImpl() < 0) {
            log_line("libvirt's event loop failed");
            gfd_run_stop(&d);
            while (gfd_run_reap(&d) > 0) {
                struct timespec pause = {0, 100 * 1000 * 1000};
                nanosleep(&pause, NULL);
            }
            break;
        }
    virEventRemoveTimeout(timer);
    gfd_control_stop(&d); /* no request reaches a farm being freed */
    gfd_stop(&d);
    if (pidfile)
        unlink(pidfile);
    return 0;
}
