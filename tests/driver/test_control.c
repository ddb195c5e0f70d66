/* test_control.c - goldfarmd's control socket on libvirt's test driver:
 * the daemon's core in-process (farmd_fixture.c) listening on a temporary
 * socket, asked by vmctl in-process and by the vmctl program run as
 * another user.  Who may ask (root, the socket's group; nobody else, even
 * through a socket opened to everyone), malformed, oversized and slow
 * requests, unknown farms and hosts, hosts of another farm, requests in
 * the wrong state, a reload through the socket, requests while a reload
 * holds the farms, a pause that stops a running farm, farm status --watch,
 * and commands without a daemon: exit 1 and nothing written.
 *   test_control DIRECTORY-OF-farm.xml VMCTL */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "base/json.h"
#include "control/wire.h"
#include "control_int.h"
#include "farm_state.h"
#include "farmd_cases.h"
#include "reconcile/admin.h"
#include "vmctl.h"

static const char *vmctl_prog; /* argv[2] */

/* Farm FARM's admin state as the daemon keeps it. */
static struct gf_admin admin_of(struct fx *f, const char *farm)
{
    struct gf_admin a;

    assert_int_equal(gf_admin_load(f->state, farm, &a), 0);
    return a;
}

/* Send the LEN bytes of TEXT to F's socket (then, with HALF, end the
 * sending side) and read the answer: its code, its reason into WHY. */
static enum gf_ctl_code raw(struct fx *f, const char *text, size_t len, int half, char *why,
                            size_t wlen)
{
    int fd = gf_ctl_connect(f->control);
    size_t done = 0;
    json_object *a;
    enum gf_ctl_code code;

    if (fd < 0)
        fail_msg("connect: %s", gf_err_message());
    while (done < len) {
        ssize_t n = send(fd, text + done, len - done, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the daemon may answer (too large) and close before the end */
        done += (size_t)n;
    }
    if (half)
        shutdown(fd, SHUT_WR);
    a = gf_ctl_read(fd, GF_CTL_ANSWER_MAX, 15000);
    close(fd);
    if (!a)
        fail_msg("no answer: %s", gf_err_message());
    code = gf_ctl_answer_code(a);
    gf_json_text(a, code == GF_CTL_OK ? "message" : "reason", why, wlen);
    json_object_put(a);
    return code;
}

/* The vmctl program with ARGS (NULL-terminated) as uid and gid 65534
 * (nobody), in the supplementary groups GROUPS (N); its stdout and stderr
 * into OUT.  Returns its exit code. */
static int vmctl_as_nobody(const gid_t *groups, int n, char *out, size_t len, ...)
{
    char *argv[16] = {(char *)vmctl_prog};
    int argc = 1, p[2], status = 0;
    size_t used = 0;
    ssize_t got;
    va_list ap;
    pid_t pid;

    va_start(ap, len);
    while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    fflush(NULL);
    if ((pid = fork()) == 0) { /* only what is safe after fork in a threaded process */
        dup2(p[1], 1);
        dup2(p[1], 2);
        if (setgroups((size_t)n, groups) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(120);
        execv(vmctl_prog, argv);
        _exit(121);
    }
    assert_true(pid > 0);
    close(p[1]);
    while (used + 1 < len && (got = read(p[0], out + used, len - 1 - used)) > 0)
        used += (size_t)got;
    out[used] = '\0';
    close(p[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) >= 120)
        fail_msg("could not run vmctl as nobody (%d): %s", WEXITSTATUS(status), out);
    return WEXITSTATUS(status);
}

/* ---- who may ask ------------------------------------------------------------------ */

static void socket_is_private(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct stat st;
    int flags;

    assert_int_equal(lstat(f->control, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660);
    flags = fcntl(f->d.control->fd, F_GETFD);
    assert_true(flags >= 0 && (flags & FD_CLOEXEC));
    /* a second daemon on the same socket is refused; a file that is not a
     * socket is never replaced */
    {
        struct gfd other = {0};
        char path[160];
        FILE *file;
        pthread_mutex_init(&other.lock, NULL);
        assert_int_equal(gfd_control_start(&other, f->control), -1);
        fx_assert_has(gf_err_message(), "another goldfarmd listens on", "the error");
        snprintf(path, sizeof(path), "%s/not-a-socket", f->dir);
        assert_non_null(file = fopen(path, "w"));
        fclose(file);
        assert_int_equal(gfd_control_start(&other, path), -1);
        fx_assert_has(gf_err_message(), "is there and is not a socket: not replaced", "the error");
        assert_int_equal(access(path, F_OK), 0);
        pthread_mutex_destroy(&other.lock);
    }
    /* a stale socket (its daemon killed) is replaced at the next start */
    fx_stop(f);
    assert_int_equal(access(f->control, F_OK), -1); /* a clean stop removes it */
    {
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->control);
        assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
        close(fd); /* nobody listens */
    }
    fx_start(f, 1);
    {
        char *out = NULL;
        assert_int_equal(fx_vmctl(f, &out, "farm", "pause", "rds", NULL), 0);
        free(out);
    }
}

static void another_uid_refused(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char out[4096];
    struct gf_admin a;
    struct stat st;
    gid_t group;

    assert_int_equal(chmod(f->dir, 0711), 0);
    assert_int_equal(chmod(f->state, 0711), 0);
    assert_int_equal(lstat(f->control, &st), 0);
    group = st.st_gid;
    /* even with the socket opened to everyone, the daemon checks who asks */
    assert_int_equal(chmod(f->control, 0666), 0);
    fx_notes_reset();
    if (vmctl_as_nobody(NULL, 0, out, sizeof(out), "farm", "pause", "rds", "--control", f->control,
                        NULL) != 2)
        fail_msg("vmctl as nobody did not exit 2: %s", out);
    fx_assert_has(out, "vmctl: uid 65534 may not use goldfarmd's control socket", "vmctl");
    assert_int_equal(fx_count(out, "\n"), 1); /* one line */
    a = admin_of(f, "rds");
    assert_false(a.paused);
    fx_assert_has(fx_notes(), "warning: control: uid 65534 (pid ", "the daemon's log");
    /* a member of the socket's group may, through the socket's own mode */
    assert_int_equal(chmod(f->control, 0660), 0);
    assert_int_equal(vmctl_as_nobody(&group, 1, out, sizeof(out), "farm", "pause", "rds",
                                     "--control", f->control, NULL),
                     0);
    fx_assert_has(out, "farm rds paused", "vmctl");
    a = admin_of(f, "rds");
    assert_true(a.paused);
    assert_int_equal(a.paused_uid, 65534);
    /* and nobody else gets past the file's mode: not even to the daemon */
    assert_int_equal(vmctl_as_nobody(NULL, 0, out, sizeof(out), "farm", "resume", "rds",
                                     "--control", f->control, NULL),
                     2);
    fx_assert_has(out, "may not use goldfarmd's control socket", "vmctl");
    assert_true(admin_of(f, "rds").paused);
}

/* ---- what is asked ------------------------------------------------------------------ */

static void malformed_requests_refused(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char why[512], *big;
    size_t n = GF_CTL_REQUEST_MAX + 100;

    assert_int_equal(raw(f, "pause rds\n", 10, 0, why, sizeof(why)), GF_CTL_BAD_REQUEST);
    fx_assert_has(why, "not a JSON object on one line", "the reason");
    assert_int_equal(raw(f, "{\"verb\":\"farm.explode\"}\n", 24, 0, why, sizeof(why)),
                     GF_CTL_UNKNOWN_VERB);
    fx_assert_has(why, "unknown verb 'farm.explode'", "the reason");
    assert_int_equal(raw(f, "{\"verb\":\"farm.pause\"}\n", 22, 0, why, sizeof(why)),
                     GF_CTL_BAD_REQUEST);
    fx_assert_has(why, "a farm.pause request needs a 'farm'", "the reason");
    big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    assert_int_equal(raw(f, big, n, 0, why, sizeof(why)), GF_CTL_TOO_LARGE);
    fx_assert_has(why, "one line of at most 65536 bytes", "the reason");
    free(big);
    /* the end of the stream ends a request without its newline */
    assert_int_equal(raw(f, "{\"verb\":\"farm.pause\",\"farm\":\"rds\"}", 34, 1, why, sizeof(why)),
                     GF_CTL_OK);
    assert_true(admin_of(f, "rds").paused);
    /* half a request, then nothing: refused after a while, and the daemon
     * answered others meanwhile */
    {
        int fd = gf_ctl_connect(f->control);
        json_object *a;
        char *out = NULL;
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "{\"verb\":", 8), 8);
        assert_int_equal(fx_vmctl(f, &out, "farm", "resume", "rds", NULL), 0);
        free(out);
        assert_non_null(a = gf_ctl_read(fd, 4096, 15000));
        assert_int_equal(gf_ctl_answer_code(a), GF_CTL_BAD_REQUEST);
        fx_assert_has(json_object_to_json_string(a), "no whole request (one line) within 5 s",
                      "the answer");
        json_object_put(a);
        close(fd);
    }
    assert_false(admin_of(f, "rds").paused);
}

/* Write farm callc's policy (the rds one, another farm on the same hypervisor). */
static void callc_policy(struct fx *f)
{
    char policy[8192];

    fx_policy_rds(f, policy, sizeof(policy), 8);
    replace(policy, sizeof(policy), "name = \"rds\"", "name = \"callc\"");
    replace(policy, sizeof(policy), "rds-%03d", "callc-%03d");
    fx_write_policy(f, "callc.conf", policy);
}

/* vmctl WORDS... must exit WANT and (for a failure) say SAYS. */
static void expect(struct fx *f, int want, const char *says, ...)
{
    char *argv[16], *out = NULL;
    struct vmctl_ctx ctx = {.conn = f->conn[0], .control = f->control};
    size_t len = 0;
    int argc = 0, code;
    FILE *mem;
    va_list ap;

    va_start(ap, says);
    while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    mem = open_memstream(&out, &len);
    ctx.out = mem;
    code = vmctl_run(&ctx, argc, argv);
    fclose(mem);
    if (code != want)
        fail_msg("vmctl %s %s %s: exit %d, not %d (%s; %s)", argv[0], argv[1],
                 argc > 2 ? argv[2] : "", code, want, gf_err_message(), out);
    if (says)
        fx_assert_has(want ? gf_err_message() : out, says, "vmctl");
    free(out);
}

static void unknown_farms_hosts_and_bad_states(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct gf_meta m;

    fx_tick(f, "06:00");
    expect(f, 2, "goldfarmd runs no farm 'nosuch' (its farms: rds)", "farm", "pause", "nosuch",
           NULL);
    expect(f, 2, "goldfarmd runs no farm 'nosuch'", "image", "rollout", "nosuch", NULL);
    expect(f, 2, "no host 'nosuch' on the hypervisors of goldfarmd's farms", "farm", "drain",
           "nosuch", NULL);
    expect(f, 2, "'plain-off' is not a Goldfarm host", "farm", "drain", "plain-off", NULL);
    expect(f, 2, "'rds-gold' is a gold image, not a host", "farm", "replace", "rds-gold", NULL);
    expect(f, 2, "host 'callc-001' is in farm 'callc', which this goldfarmd does not run", "farm",
           "drain", "callc-001", NULL);
    expect(f, 2, "goldfarmd runs no farm 'callc'", "farm", "drain", "rds-002", "--farm", "callc",
           NULL);
    expect(f, 2, "has no health group: a roll-out needs health checks", "image", "rollout", "rds",
           NULL);
    /* a second farm, through a reload asked on the socket */
    callc_policy(f);
    expect(f, 0, "reloaded: 2 farms from", "reload", NULL);
    expect(f, 2, "host 'rds-002' is in farm 'rds', not in farm 'callc'", "farm", "drain", "rds-002",
           "--farm", "callc", NULL);
    /* nothing refused reached a farm */
    assert_int_equal(admin_of(f, "rds").nqueue, 0);
    assert_int_equal(admin_of(f, "rds").last_id, 0);
    /* accepted once; the same host again before the tick is refused */
    expect(f, 0,
           "rds-002: draining; goldfarmd notifies its users and retires it when empty "
           "(request 1)",
           "farm", "drain", "rds-002", "--farm", "rds", NULL);
    expect(f, 2, "host 'rds-002' has a request waiting already (request 1, drain)", "farm",
           "replace", "rds-002", NULL);
    assert_int_equal(admin_of(f, "rds").nqueue, 1);
    fx_tick(f, "06:01");
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_DRAINING);
    assert_int_equal(admin_of(f, "rds").nqueue, 0);
    assert_int_equal(admin_of(f, "rds").done[0].fate, GF_FATE_TAKEN);
    expect(f, 2, "host 'rds-002' is draining, not active: not drained", "farm", "drain", "rds-002",
           NULL);
    /* a policy file with errors: the reload is refused, naming it */
    fx_write_policy(f, "callc.conf", "farm: { name = \"callc\"; nonsense = 1; };\n");
    expect(f, 2, "1 policy file with errors kept its previous policy: ", "reload", NULL);
    fx_assert_has(gf_err_message(), "callc.conf", "the reason");
}

/* A request accepted, then the host changed before the farm's tick: the
 * tick checks it again, refuses it and says why; nothing is written. */
static void tick_checks_a_request_again(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct gf_admin a;
    struct gf_meta m;
    virDomainPtr dom;

    fx_tick(f, "06:00");
    expect(f, 0, "(request 1)", "farm", "replace", "rds-002", NULL);
    assert_non_null(dom = virDomainLookupByName(f->conn[0], "rds-002"));
    assert_int_equal(gf_meta_get(dom, &m), 1);
    m.state = GF_HS_QUARANTINED; /* set aside meanwhile */
    assert_int_equal(gf_meta_set(dom, &m), 0);
    virDomainFree(dom);
    fx_notes_reset();
    fx_tick(f, "06:01");
    fx_assert_has(fx_notes(),
                  "error: rds: request 1 (replace): refused: host 'rds-002' is quarantined, not "
                  "active",
                  "the log");
    a = admin_of(f, "rds");
    assert_int_equal(a.nqueue, 0);
    assert_int_equal(a.ndone, 1);
    assert_int_equal(a.done[0].fate, GF_FATE_REFUSED);
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.replace, GF_REPLACE_NONE);
}

/* ---- reloads and requests --------------------------------------------------------- */

struct asker {
    struct fx *f;
    const char *words[8];
    int code, done;
    char out[2048];
};

/* vmctl A->words in a thread of its own; its exit code into A->code. */
static void *ask_thread(void *arg)
{
    struct asker *a = arg;
    struct vmctl_ctx ctx = {.conn = a->f->conn[0], .control = a->f->control};
    FILE *out = fmemopen(a->out, sizeof(a->out), "w");
    int argc = 0;

    while (a->words[argc])
        argc++;
    ctx.out = out;
    a->code = vmctl_run(&ctx, argc, (char **)a->words);
    fclose(out);
    __atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void request_during_a_reload(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct asker a = {.f = f, .words = {"farm", "pause", "rds", NULL}};
    struct timespec pause = {0, 300 * 1000 * 1000};
    pthread_t t;
    int seen[3] = {0};

    /* a reload holds the farms (D->lock, as gfd_reload does): the request
     * waits for it and is answered after it */
    pthread_mutex_lock(&f->d.lock);
    assert_int_equal(pthread_create(&t, NULL, ask_thread, &a), 0);
    nanosleep(&pause, NULL);
    assert_false(__atomic_load_n(&a.done, __ATOMIC_ACQUIRE));
    pthread_mutex_unlock(&f->d.lock);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(a.code, 0);
    assert_true(admin_of(f, "rds").paused);
    /* farms coming and going in reloads (each farm in its thread, as the
     * daemon runs them) while requests for one of them keep coming */
    assert_int_equal(gfd_run(&f->d), 0);
    for (int i = 0; i < 12; i++) {
        struct asker b = {.f = f, .words = {"farm", i % 2 ? "resume" : "pause", "callc", NULL}};
        char path[256];
        if (i % 2)
            callc_policy(f);
        snprintf(path, sizeof(path), "%s/callc.conf", f->policies);
        if (i % 4 == 0)
            unlink(path);
        assert_int_equal(pthread_create(&t, NULL, ask_thread, &b), 0);
        assert_true(gfd_reload(&f->d) >= 0);
        assert_int_equal(gfd_run(&f->d), 0);
        gfd_run_reap(&f->d);
        assert_int_equal(pthread_join(t, NULL), 0);
        if (b.code != 0 && b.code != 2)
            fail_msg("vmctl farm %s callc during a reload: exit %d: %s", b.words[1], b.code, b.out);
        seen[b.code]++;
    }
    assert_true(seen[0] + seen[2] == 12);
}

/* The farm's tick, in its own thread, paused through the socket: it
 * observes and plans, and changes nothing. */
static void pause_stops_a_running_farm(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *before, *after, *out = NULL, *status;
    unsigned long long gen;
    int ticked = 0;

    assert_int_equal(fx_vmctl(f, &out, "farm", "pause", "rds", NULL), 0);
    free(out);
    before = farm_state(f->conn[0]);
    pthread_mutex_lock(&f->d.lock);
    gen = f->d.generation;
    pthread_mutex_unlock(&f->d.lock);
    assert_int_equal(gfd_run(&f->d), 0); /* the first tick comes at once */
    for (int i = 0; i < 200 && !ticked; i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&f->d.lock);
        ticked = f->d.generation > gen;
        pthread_mutex_unlock(&f->d.lock);
    }
    assert_true(ticked);
    fx_stop(f);
    after = farm_state(f->conn[0]);
    assert_string_equal(before, after);
    status = fx_state_file(f, "rds.status");
    fx_assert_has(status, "\"paused\":true", "the status");
    free(status);
    free(before);
    free(after);
}

/* ---- farm status --watch ------------------------------------------------------------ */

struct watcher {
    struct fx *f;
    int fd; /* its output's writing end */
    int code;
};

static void *watch_thread(void *arg)
{
    struct watcher *w = arg;
    struct vmctl_ctx ctx = {.conn = w->f->conn[0], .control = w->f->control};
    char *argv[] = {"farm", "status", "rds", "--watch", NULL};

    ctx.out = fdopen(w->fd, "w");
    w->code = vmctl_run(&ctx, 4, argv);
    fclose(ctx.out);
    return NULL;
}

/* Read FD into BUF (LEN) until it holds NEEDLE N times (10 s at most). */
static void read_until(int fd, char *buf, size_t len, const char *needle, int n)
{
    size_t used = strlen(buf);

    for (int i = 0; i < 200 && fx_count(buf, needle) < n; i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        ssize_t got = read(fd, buf + used, len - 1 - used);
        if (got > 0)
            buf[used += (size_t)got] = '\0';
        else
            nanosleep(&pause, NULL);
    }
    if (fx_count(buf, needle) < n)
        fail_msg("no %d× '%s' in what vmctl farm status --watch printed:\n%s", n, needle, buf);
}

static void status_watch_prints_each_change(void **state)
{
    struct fx *f = rds_farm(state, 8);
    struct watcher w = {.f = f};
    char buf[16384] = "", *out = NULL;
    int p[2];
    pthread_t t;

    fx_tick(f, "06:00");
    fx_tick(f, "06:01");
    fx_tick(f, "06:02");
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    w.fd = p[1];
    assert_int_equal(pthread_create(&t, NULL, watch_thread, &w), 0);
    read_until(p[0], buf, sizeof(buf), "farm rds: all, off_peak", 1);
    /* a tick that changes nothing but the time: not printed again */
    fx_tick(f, "06:03");
    fx_assert_lines(f, "");
    /* paused: the next tick's status says so, and it is printed */
    assert_int_equal(fx_vmctl(f, &out, "farm", "pause", "rds", NULL), 0);
    free(out);
    fx_tick(f, "06:04");
    read_until(p[0], buf, sizeof(buf), "PAUSED", 1);
    assert_int_equal(fx_count(buf, "farm rds: all, off_peak"), 2);
    /* the daemon goes: the watch ends, exit 1 */
    fx_stop(f);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.code, 1);
    close(p[0]);
}

/* ---- no daemon ----------------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each entry of DIR as "name mode size mtime", sorted by name, one a line:
 * what changes when anything in DIR is written. */
static void listing(const char *dir, char *buf, size_t len)
{
    char *names[256], path[PATH_MAX];
    struct dirent *e;
    struct stat st;
    size_t n = 0, used = 0;
    DIR *dp;

    assert_non_null(dp = opendir(dir));
    while ((e = readdir(dp)) && n < 256) {
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(asprintf(&names[n++], "%s %o %lld %lld.%09ld\n", e->d_name,
                             (unsigned)st.st_mode, (long long)st.st_size,
                             (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec) > 0);
    }
    closedir(dp);
    qsort(names, n, sizeof(*names), by_name);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s", names[i]);
        free(names[i]);
    }
    assert_true(used < len);
}

static void without_a_daemon_exit_1_and_nothing_written(void **state)
{
    static const char *const commands[][8] = {
        {"farm", "pause", "rds", NULL},
        {"farm", "resume", "rds", NULL},
        {"farm", "drain", "rds-002", NULL},
        {"farm", "replace", "rds-002", "--now", NULL},
        {"image", "rollout", "rds", "--to", "2", NULL},
        {"image", "rollout", "rds", "--abort", NULL},
        {"reload", NULL},
        {"farm", "status", "rds", "--watch", NULL},
    };
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192], before[4096], after[4096], want[256];
    struct gf_meta m;

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), 8);
    fx_write_policy(f, "rds.conf", policy);
    listing(f->state, before, sizeof(before));
    snprintf(want, sizeof(want), "goldfarmd is not running (no socket at %s)", f->control);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        char *out = NULL;
        int argc = 0;
        while (commands[i][argc])
            argc++;
        {
            struct vmctl_ctx ctx = {.conn = f->conn[0], .control = f->control};
            size_t len = 0;
            FILE *mem = open_memstream(&out, &len);
            ctx.out = mem;
            assert_int_equal(vmctl_run(&ctx, argc, (char **)commands[i]), 1);
            fclose(mem);
        }
        assert_string_equal(gf_err_message(), want);
        assert_string_equal(out, "");
        free(out);
    }
    /* --state-dir names the socket too */
    expect(f, 1, "goldfarmd is not running (no socket at /nonexistent/control.sock)", "farm",
           "pause", "rds", "--state-dir", "/nonexistent", NULL);
    listing(f->state, after, sizeof(after));
    assert_string_equal(before, after);
    assert_true(fx_meta(f, 0, "rds-002", &m));
    assert_int_equal(m.state, GF_HS_ACTIVE);
    assert_int_equal(m.replace, GF_REPLACE_NONE);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(socket_is_private, teardown),
        cmocka_unit_test_teardown(another_uid_refused, teardown),
        cmocka_unit_test_teardown(malformed_requests_refused, teardown),
        cmocka_unit_test_teardown(unknown_farms_hosts_and_bad_states, teardown),
        cmocka_unit_test_teardown(tick_checks_a_request_again, teardown),
        cmocka_unit_test_teardown(request_during_a_reload, teardown),
        cmocka_unit_test_teardown(pause_stops_a_running_farm, teardown),
        cmocka_unit_test_teardown(status_watch_prints_each_change, teardown),
        cmocka_unit_test_teardown(without_a_daemon_exit_1_and_nothing_written, teardown),
    };

    if (argc != 3) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml VMCTL\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    vmctl_prog = argv[2];
    gf_err_init();
    return cmocka_run_group_tests_name("goldfarmd's control socket", tests, NULL, NULL);
}
