/* daemon_harness.h - what the QEMU suites need around goldfarmd on real
 * QEMU: running goldfarmd, vmctl and virsh with their output checked, files,
 * domains, volumes and metadata, guests and their users, the long-running
 * daemon, and failing a test with a message (daemon_harness.c); libvirtd,
 * the test bed and a suite's setup and teardown (suite.c). */
#ifndef GF_QEMU_DAEMON_HARNESS_H
#define GF_QEMU_DAEMON_HARNESS_H

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>
#include "guest_agent.h"
#include "run.h"

#define URI GA_URI
#define POOL "goldfarm-testbed"
#define POOL_DIR "/var/lib/goldfarm/testbed/pool"
#define GOLD "tiny-gold"
#define GOLD_DISK POOL_DIR "/tiny-gold.qcow2"
#define META_NS "https://goldfarm.dev/xmlns/domain/1"
#define PREFIX "gf-test-d-"
#define FARM "gfd"
#define LIBVIRTD_PID "/run/goldfarm-testbed/libvirtd.pid"
#define CMD_TIMEOUT "240"    /* any one goldfarmd --once / virsh / vmctl run */
#define BOOT_WAIT 90.0       /* from start to the guest agent answering */
#define EXEC_WAIT 30.0       /* one guest-exec to end */
#define TESTBED_TIMEOUT 1800 /* testbed.sh all: may install packages and fetch a kernel */
#define DRAIN_WAIT 20        /* the policy's drain wait */
#define RECONNECT_WAIT 120.0 /* libvirtd back up to the daemon's status being fresh again */
#define MAX_DOMS 16
#define FAILF(...) failf(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAILF(__VA_ARGS__);                                                                    \
    } while (0)
#define VIRSH(c, ...) virsh_at(__FILE__, __LINE__, c, __VA_ARGS__, (char *)NULL)
#define PROG(c, ...) prog_at(__FILE__, __LINE__, c, __VA_ARGS__, (char *)NULL)
#define VMCTL(c, ...) vmctl_at(__FILE__, __LINE__, c, __VA_ARGS__, (char *)NULL)
#define EXPECT_EXIT(c, code) expect_exit(__FILE__, __LINE__, c, code)
#define TICK(c)                                                                                    \
    do {                                                                                           \
        gfd_once_at(__FILE__, __LINE__, c, NULL);                                                  \
        expect_exit(__FILE__, __LINE__, c, 0);                                                     \
    } while (0)
#define TICK_CRASH(c, point) gfd_once_at(__FILE__, __LINE__, c, point)
#define VIRSH_TEXT(buf, ...)                                                                       \
    virsh_text_at(__FILE__, __LINE__, buf, sizeof(buf), __VA_ARGS__, (char *)NULL)
#define WRITE_FILE(path, text, mode) write_file_at(__FILE__, __LINE__, path, text, mode)
#define SHA256(path, out) sha256_at(__FILE__, __LINE__, path, out)
#define DOMAINS(list) domains_at(__FILE__, __LINE__, list, 0)
#define RUNNING(list) domains_at(__FILE__, __LINE__, list, 1)
#define VOLUMES(list) volumes_at(__FILE__, __LINE__, list)
#define DEFINED(dom) defined_at(__FILE__, __LINE__, dom)
#define EXPECT_STATE(dom, want) expect_state_at(__FILE__, __LINE__, dom, want)
#define META(dom, attr, buf) meta_attr_at(__FILE__, __LINE__, dom, attr, buf, sizeof(buf))
#define EXPECT_META(dom, attr, want) expect_meta_at(__FILE__, __LINE__, dom, attr, want)
#define DISK_PATH(dom, buf) disk_path_at(__FILE__, __LINE__, dom, buf, sizeof(buf))
#define EXPECT_HOST(dom) expect_host_at(__FILE__, __LINE__, dom)
#define WAIT_AGENT(dom) wait_agent_at(__FILE__, __LINE__, dom, BOOT_WAIT)
#define LOGIN(dom, user, tty) utmp_at(__FILE__, __LINE__, dom, user, tty)
#define LOGOUT(dom, tty) utmp_at(__FILE__, __LINE__, dom, NULL, tty)
#define EXPECT_USERS(dom, n)                                                                       \
    do {                                                                                           \
        int users_ = users_at(__FILE__, __LINE__, dom);                                            \
        CHECK(users_ == (n), "%s: the guest agent reports %d users, expected %d", dom, users_,     \
              (n));                                                                                \
    } while (0)

/* What the whole suite shares. */
struct daemon_harness {
    const char *goldfarmd, *vmctl;
    char testbed[PATH_MAX];
    char dir[PATH_MAX];      /* the temporary directory of this run */
    char policies[PATH_MAX]; /* DIR/policies */
    char state[PATH_MAX];    /* DIR/state: journal, status, decisions */
    char hook[PATH_MAX];     /* DIR/hook.sh */
    char hooklog[PATH_MAX];  /* DIR/hooks.log: one line per hook run, its argv */
    char status[PATH_MAX];   /* DIR/state/gfd.status */
    char gold_sha[65];
    pid_t daemon; /* a long-running goldfarmd, 0: none */
    char daemon_log[PATH_MAX];
    int verbose;
};
extern struct daemon_harness g;

/* Take GOLDFARMD and VMCTL from the command line, and GOLDFARM_TEST_VERBOSE
 * and GOLDFARM_TEST_FILTER from the environment.  Returns 0, or -1 after a
 * usage line on stderr. */
int harness_args(int argc, char **argv);

/* Fail the current test at FILE:LINE with a printf-style message. */
void failf(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

struct cmd {
    struct run_result r;
    char line[1024];
};

void failf(const char *file, int line, const char *fmt, ...);
char *keep(char *p);
void release(char *p);
void release_all(void);
double now_s(void);
void nap(double seconds);
void cmd_free(struct cmd *c);
void run_va(const char *file, int line, struct cmd *c, const char *env, const char *prog,
            const char *const *pre, va_list ap);
void virsh_at(const char *file, int line, struct cmd *c, ...);
void prog_at(const char *file, int line, struct cmd *c, const char *prog, ...);
void vmctl_at(const char *file, int line, struct cmd *c, ...);
void expect_exit(const char *file, int line, const struct cmd *c, int code);
void gfd_once_at(const char *file, int line, struct cmd *c, const char *crash);
void virsh_text_at(const char *file, int line, char *buf, size_t len, ...);
char *slurp(const char *path);
void write_file_at(const char *file, int line, const char *path, const char *text, mode_t mode);
time_t mtime_of(const char *path);
void sha256_at(const char *file, int line, const char *path, char out[65]);
int domains_at(const char *file, int line, char list[][64], int running);
const char *joined(char list[][64], int n, char *buf, size_t len);
int volumes_at(const char *file, int line, char list[][64]);
int defined_at(const char *file, int line, const char *dom);
void expect_state_at(const char *file, int line, const char *dom, const char *want);
void meta_attr_at(const char *file, int line, const char *dom, const char *attr, char *buf,
                  size_t len);
void expect_meta_at(const char *file, int line, const char *dom, const char *attr,
                    const char *want);
void disk_path_at(const char *file, int line, const char *dom, char *buf, size_t len);
void expect_host_at(const char *file, int line, const char *dom);
void remove_domain(const char *name);
void remove_all(void);
void wait_agent_at(const char *file, int line, const char *dom, double seconds);
int guest_sh_at(const char *file, int line, const char *dom, const char *shell);
void utmp_at(const char *file, int line, const char *dom, const char *user, const char *tty);
int users_at(const char *file, int line, const char *dom);
int daemon_alive(void);
void daemon_start(void);
void daemon_start_env(const char *env);
int daemon_stop(void);
void daemon_kill(void);
char *wait_status(time_t after, double seconds, const char *const *want);
int journal_open_entries(void);
void drop_lease(void);
/* Wait (30 s at most) until the long-running daemon answers on its control socket. */
void daemon_ready_at(const char *file, int line);
#define DAEMON_READY() daemon_ready_at(__FILE__, __LINE__)
/* vmctl -c URI ARGS... (NULL-terminated) in the background, its stdout and stderr into LOG:
 * its pid.  vmctl_done reaps it: its exit status, or -1 while it runs. */
pid_t vmctl_spawn_at(const char *file, int line, const char *log, ...);
#define VMCTL_SPAWN(log, ...) vmctl_spawn_at(__FILE__, __LINE__, log, __VA_ARGS__, (char *)NULL)
int vmctl_done(pid_t pid);
pid_t libvirtd_pid(void);
int testbed_run(const char *what, const char *log, double seconds);
int testbed_run_node(const char *node, const char *what, const char *log, double seconds);
int testbed_start(void);
void libvirtd_ensure_up(void);

/* The group setup the daemon suites share: the binaries and GOLDFARM_SRC checked, the test
 * bed up (`testbed.sh all`), an earlier run's gf-test-d-* domains, volumes and farm lease
 * removed, tiny-gold marked gold and its checksum kept, and a new /tmp/gf-NAME-qemu-XXXXXX
 * with policies/ and state/ (0700) in g.  A failure fails the group. */
void suite_setup(const char *name);

/* The group teardown they share: the daemon stopped, every gf-test-d-* domain and volume and
 * the lease removed (and checked gone), the gold disk checked unchanged, the temporary
 * directory removed (kept with GOLDFARM_TEST_KEEP), kept buffers freed. */
void suite_teardown(void);

#endif
