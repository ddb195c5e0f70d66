/* main.c - goldfarmd: for now connects, logs, and exits cleanly on SIGTERM.
 *
 * The reconcile loop (observe, plan, act) comes with the policy engine; this
 * is its frame: libvirt's event loop, logging, and signal handling.
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "error.h"
#include "hosts.h"

static volatile sig_atomic_t stop_requested;
static int use_syslog;

/* Log one line at PRIORITY to stderr or syslog. */
static void logline(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logline(int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (use_syslog) {
        vsyslog(priority, fmt, ap);
    } else {
        fprintf(stderr, "goldfarmd: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* A periodic wake-up so the loop notices a stop request promptly. */
static void on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: goldfarmd [-c URI] [--policies DIR] [--state-dir DIR] [--once] "
                 "[--foreground]\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"policies", required_argument, NULL, 'p'},
        {"state-dir", required_argument, NULL, 's'},
        {"once", no_argument, NULL, 'o'},
        {"foreground", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *uri = NULL;
    int once = 0, foreground = 0, opt, timer;
    struct sigaction sa;
    virConnectPtr conn;

    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            uri = optarg;
            break;
        case 'p':
        case 's':
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
    gf_err_init();
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (virEventRegisterDefaultImpl() < 0) {
        logline(LOG_ERR, "cannot set up libvirt's event loop");
        return 1;
    }
    if (!(conn = gf_connect(uri))) {
        logline(LOG_ERR, "%s", gf_err_message());
        return 1;
    }
    {
        char *connected = virConnectGetURI(conn);
        logline(LOG_INFO, "connected to %s", connected ? connected : "libvirt");
        free(connected);
    }
    timer = virEventAddTimeout(500, on_tick, NULL, NULL);
    while (!once && !stop_requested) {
        if (virEventRunDefaultImpl() < 0) {
            logline(LOG_ERR, "libvirt's event loop failed");
            break;
        }
    }
    if (timer >= 0)
        virEventRemoveTimeout(timer);
    logline(LOG_INFO, "%s", stop_requested ? "stopping on signal" : "done");
    virConnectClose(conn);
    return 0;
}
