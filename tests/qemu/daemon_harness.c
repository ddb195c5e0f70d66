/* daemon_harness.c - what test_daemon_qemu.c needs (see daemon_harness.h). */
#include "daemon_harness.h"

#include <sys/socket.h>
#include <sys/un.h>

/* Bounds, in seconds. */

struct daemon_harness g;

/* ---------------------------------------------------------------- failing with a message */

void failf(const char *file, int line, const char *fmt, ...)
{
    char msg[16384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("%s\n", msg);
    _fail(file, line);
    abort(); /* not reached */
}

/* Buffers a failed check would leak (it jumps out of the test): kept here until released. */
static char *kept[512];

char *keep(char *p)
{
    for (size_t i = 0; p && i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (!kept[i]) {
            kept[i] = p;
            break;
        }
    }
    return p;
}

void release(char *p)
{
    for (size_t i = 0; p && i < sizeof(kept) / sizeof(kept[0]); i++)
        if (kept[i] == p)
            kept[i] = NULL;
    free(p);
}

void release_all(void)
{
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        free(kept[i]);
        kept[i] = NULL;
    }
}

double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void nap(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---------------------------------------------------------------- running programs */

void cmd_free(struct cmd *c)
{
    release(c->r.out);
    release(c->r.err);
    c->r.out = c->r.err = NULL;
}

/* Run PROG PRE... ARGS... (NULL-terminated) under timeout(1), with ENV (NULL or one
 * "NAME=VALUE") added.  A program that cannot run, or runs too long, fails the test. */
void run_va(const char *file, int line, struct cmd *c, const char *env, const char *prog,
            const char *const *pre, va_list ap)
{
    char *argv[64];
    char *envv[2] = {(char *)env, NULL};
    int n = 0;
    size_t used = 0;

    argv[n++] = "timeout";
    argv[n++] = "-k";
    argv[n++] = "10";
    argv[n++] = CMD_TIMEOUT;
    argv[n++] = (char *)prog;
    for (; pre && *pre; pre++)
        argv[n++] = (char *)*pre;
    while (n < 63 && (argv[n] = va_arg(ap, char *)))
        n++;
    argv[n] = NULL;
    c->line[0] = '\0';
    if (env)
        used += (size_t)snprintf(c->line, sizeof(c->line), "%s ", env);
    for (int i = 4; i < n && used < sizeof(c->line); i++)
        used += (size_t)snprintf(c->line + used, sizeof(c->line) - used, "%s%s", argv[i],
                                 i + 1 < n ? " " : "");
    if (run_argv(argv, env ? envv : NULL, &c->r) < 0)
        failf(file, line, "cannot run %s", c->line);
    keep(c->r.out);
    keep(c->r.err);
    if (c->r.status == 124 || c->r.status == 137)
        failf(file, line, "`%s` did not finish within %s s\n%s%s", c->line, CMD_TIMEOUT, c->r.out,
              c->r.err);
    if (g.verbose)
        print_message("$ %s\n[exit %d]\n%s%s", c->line, c->r.status, c->r.out, c->r.err);
}

void virsh_at(const char *file, int line, struct cmd *c, ...)
{
    const char *pre[] = {"-c", URI, "-q", NULL};
    va_list ap;

    va_start(ap, c);
    run_va(file, line, c, NULL, "virsh", pre, ap);
    va_end(ap);
}

void prog_at(const char *file, int line, struct cmd *c, const char *prog, ...)
{
    va_list ap;

    va_start(ap, prog);
    run_va(file, line, c, NULL, prog, NULL, ap);
    va_end(ap);
}

void vmctl_at(const char *file, int line, struct cmd *c, ...)
{
    const char *pre[] = {"-c", URI, NULL};
    va_list ap;

    va_start(ap, c);
    run_va(file, line, c, NULL, g.vmctl, pre, ap);
    va_end(ap);
}

void expect_exit(const char *file, int line, const struct cmd *c, int code)
{
    if (c->r.status != code)
        failf(file, line, "`%s` exited %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", c->line,
              c->r.status, code, c->r.out, c->r.err);
}

/* One `goldfarmd --once` (a separate process), with GOLDFARM_CRASH=CRASH when not NULL. */
void gfd_once_at(const char *file, int line, struct cmd *c, const char *crash)
{
    char env[128];
    char *envv[2] = {env, NULL};
    char *argv[] = {"timeout",    "-k",       "10",          CMD_TIMEOUT, (char *)g.goldfarmd,
                    "--policies", g.policies, "--state-dir", g.state,     "--foreground",
                    "--once",     NULL};
    size_t used = 0;

    snprintf(env, sizeof(env), "GOLDFARM_CRASH=%s", crash ? crash : "");
    c->line[0] = '\0';
    if (crash)
        used += (size_t)snprintf(c->line, sizeof(c->line), "%s ", env);
    for (int i = 4; argv[i] && used < sizeof(c->line); i++)
        used += (size_t)snprintf(c->line + used, sizeof(c->line) - used, "%s%s", argv[i],
                                 argv[i + 1] ? " " : "");
    if (run_argv(argv, crash ? envv : NULL, &c->r) < 0)
        failf(file, line, "cannot run %s", c->line);
    keep(c->r.out);
    keep(c->r.err);
    if (c->r.status == 124 || c->r.status == 137)
        failf(file, line, "`%s` did not finish within %s s\n%s", c->line, CMD_TIMEOUT, c->r.err);
    if (g.verbose)
        print_message("$ %s\n[exit %d]\n%s%s", c->line, c->r.status, c->r.out, c->r.err);
}

/* TICK(&c): one plain `goldfarmd --once`, which must exit 0. */

/* stdout of a virsh command that must succeed, trailing blanks cut, into BUF. */
void virsh_text_at(const char *file, int line, char *buf, size_t len, ...)
{
    const char *pre[] = {"-c", URI, "-q", NULL};
    struct cmd c;
    size_t n;
    va_list ap;

    va_start(ap, len);
    run_va(file, line, &c, NULL, "virsh", pre, ap);
    va_end(ap);
    expect_exit(file, line, &c, 0);
    snprintf(buf, len, "%s", c.r.out);
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    cmd_free(&c);
}

/* ---------------------------------------------------------------- files */

/* The whole of PATH as a new string ("" if it does not exist). */
char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;

    if (!f)
        return keep(strdup(""));
    {
        FILE *mem = open_memstream(&text, &len);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            fwrite(buf, 1, n, mem);
        fclose(mem);
    }
    fclose(f);
    return keep(text);
}

void write_file_at(const char *file, int line, const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    if (!f)
        failf(file, line, "cannot write %s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

time_t mtime_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? st.st_mtime : 0;
}

void sha256_at(const char *file, int line, const char *path, char out[65])
{
    struct cmd c;

    prog_at(file, line, &c, "sha256sum", path, (char *)NULL);
    expect_exit(file, line, &c, 0);
    if (strlen(c.r.out) < 64)
        failf(file, line, "sha256sum %s printed '%s'", path, c.r.out);
    snprintf(out, 65, "%.64s", c.r.out);
    cmd_free(&c);
}

/* ---------------------------------------------------------------- domains, volumes, metadata */

/* The names of the gf-test-d-* domains (all, or only the running ones), sorted (virsh
 * sorts), into LIST; returns how many. */
int domains_at(const char *file, int line, char list[][64], int running)
{
    char text[8192], *save = NULL;
    int n = 0;

    if (running)
        virsh_text_at(file, line, text, sizeof(text), "list", "--name", (char *)NULL);
    else
        virsh_text_at(file, line, text, sizeof(text), "list", "--all", "--name", (char *)NULL);
    for (char *d = strtok_r(text, "\n", &save); d; d = strtok_r(NULL, "\n", &save))
        if (strncmp(d, PREFIX, strlen(PREFIX)) == 0 && n < MAX_DOMS)
            snprintf(list[n++], 64, "%s", d);
    /* virsh lists running domains by id: sort by name */
    for (int i = 0; i < n; i++)
        for (int k = i + 1; k < n; k++)
            if (strcmp(list[i], list[k]) > 0) {
                char t[64];
                memcpy(t, list[i], 64);
                memcpy(list[i], list[k], 64);
                memcpy(list[k], t, 64);
            }
    return n;
}

/* LIST (N names) as "a, b, c" into BUF. */
const char *joined(char list[][64], int n, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", list[i]);
    if (!n)
        snprintf(buf, len, "(none)");
    return buf;
}

/* The gf-test-d-* volumes of the pool (after a refresh) into LIST; returns how many. */
int volumes_at(const char *file, int line, char list[][64])
{
    char text[8192], *save = NULL, name[256];
    struct cmd c;
    int n = 0;

    virsh_at(file, line, &c, "pool-refresh", POOL, (char *)NULL);
    expect_exit(file, line, &c, 0);
    cmd_free(&c);
    virsh_text_at(file, line, text, sizeof(text), "vol-list", "--pool", POOL, (char *)NULL);
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (sscanf(l, "%255s", name) == 1 && strncmp(name, PREFIX, strlen(PREFIX)) == 0 &&
            n < MAX_DOMS)
            snprintf(list[n++], 64, "%s", name);
    return n;
}

/* Whether domain DOM is defined. */
int defined_at(const char *file, int line, const char *dom)
{
    struct cmd c;
    int yes;

    virsh_at(file, line, &c, "dominfo", dom, (char *)NULL);
    yes = c.r.status == 0;
    cmd_free(&c);
    return yes;
}

void expect_state_at(const char *file, int line, const char *dom, const char *want)
{
    char text[128];

    virsh_text_at(file, line, text, sizeof(text), "domstate", dom, (char *)NULL);
    if (strcmp(text, want) != 0) {
        virsh_text_at(file, line, text, sizeof(text), "domstate", dom, "--reason", (char *)NULL);
        failf(file, line, "%s is '%s', expected '%s'", dom, text, want);
    }
}

/* Attribute ATTR of DOM's Goldfarm metadata into BUF ("" when absent). */
void meta_attr_at(const char *file, int line, const char *dom, const char *attr, char *buf,
                  size_t len)
{
    char xml[4096], key[64];
    const char *p, *end;

    virsh_text_at(file, line, xml, sizeof(xml), "metadata", dom, "--uri", META_NS, (char *)NULL);
    snprintf(key, sizeof(key), " %s=\"", attr);
    buf[0] = '\0';
    if (!(p = strstr(xml, key)))
        return;
    p += strlen(key);
    end = strchr(p, '"');
    snprintf(buf, len, "%.*s", (int)(end ? end - p : 0), p);
}

void expect_meta_at(const char *file, int line, const char *dom, const char *attr, const char *want)
{
    char value[512];

    meta_attr_at(file, line, dom, attr, value, sizeof(value));
    if (strcmp(value, want) != 0)
        failf(file, line, "%s: metadata %s is '%s', expected '%s'", dom, attr, value, want);
}

/* The file of DOM's first disk into BUF. */
void disk_path_at(const char *file, int line, const char *dom, char *buf, size_t len)
{
    char text[4096], type[32], device[32], target[32], source[PATH_MAX];
    char *save = NULL;

    virsh_text_at(file, line, text, sizeof(text), "domblklist", dom, "--details", (char *)NULL);
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (sscanf(l, "%31s %31s %31s %4095s", type, device, target, source) == 4 &&
            strcmp(device, "disk") == 0) {
            snprintf(buf, len, "%s", source);
            return;
        }
    }
    failf(file, line, "%s: no disk in `virsh domblklist --details`:\n%s", dom, text);
}

/* A running farm host DOM: a linked clone of the gold disk, metadata of farm gfd, active. */
void expect_host_at(const char *file, int line, const char *dom)
{
    char disk[PATH_MAX], want[PATH_MAX + 32];
    struct cmd c;

    expect_state_at(file, line, dom, "running");
    expect_meta_at(file, line, dom, "role", "host");
    expect_meta_at(file, line, dom, "farm", FARM);
    expect_meta_at(file, line, dom, "image", GOLD);
    expect_meta_at(file, line, dom, "state", "active");
    disk_path_at(file, line, dom, disk, sizeof(disk));
    snprintf(want, sizeof(want), "%s/%s-", POOL_DIR, dom);
    if (strncmp(disk, want, strlen(want)) != 0)
        failf(file, line, "%s's disk is %s, expected %s*", dom, disk, want);
    prog_at(file, line, &c, "qemu-img", "info", "-U", disk, (char *)NULL);
    expect_exit(file, line, &c, 0);
    if (!strstr(c.r.out, "backing file: " GOLD_DISK))
        failf(file, line, "%s's disk %s is not a linked clone of " GOLD_DISK ":\n%s", dom, disk,
              c.r.out);
    cmd_free(&c);
}

/* Remove test domain NAME and its volume, whatever state it is in (errors ignored).  Only
 * gf-test-d-* names. */
void remove_domain(const char *name)
{
    char vol[256];
    struct cmd c;

    if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
        return;
    snprintf(vol, sizeof(vol), "%s-vda.qcow2", name);
    VIRSH(&c, "destroy", name);
    cmd_free(&c);
    VIRSH(&c, "undefine", name, "--snapshots-metadata", "--managed-save");
    cmd_free(&c);
    VIRSH(&c, "vol-delete", "--pool", POOL, vol);
    cmd_free(&c);
}

/* Remove every gf-test-d-* domain and volume. */
void remove_all(void)
{
    char list[MAX_DOMS][64];
    int n = DOMAINS(list);

    for (int i = 0; i < n; i++)
        remove_domain(list[i]);
    n = VOLUMES(list);
    for (int i = 0; i < n; i++) {
        struct cmd c;
        VIRSH(&c, "vol-delete", "--pool", POOL, list[i]);
        cmd_free(&c);
    }
}

/* ---------------------------------------------------------------- guests and their users */

void wait_agent_at(const char *file, int line, const char *dom, double seconds)
{
    char why[1024];

    if (ga_wait(dom, seconds, why, sizeof(why)) < 0)
        failf(file, line, "%s", why);
}

int guest_sh_at(const char *file, int line, const char *dom, const char *shell)
{
    char why[1024];
    int code = ga_exec(dom, shell, EXEC_WAIT, why, sizeof(why));

    if (code < 0)
        failf(file, line, "%s", why);
    if (g.verbose)
        print_message("guest %s: `%s` -> exit %d\n", dom, shell, code);
    return code;
}

/* USER logs in on LINE of DOM, or (USER NULL) the session on LINE ends. */
void utmp_at(const char *file, int line, const char *dom, const char *user, const char *tty)
{
    char shell[256];
    int code;

    if (user)
        snprintf(shell, sizeof(shell), "/bin/utmpctl login %s %s", user, tty);
    else
        snprintf(shell, sizeof(shell), "/bin/utmpctl logout %s", tty);
    if ((code = guest_sh_at(file, line, dom, shell)) != 0)
        failf(file, line, "%s: `%s` exited %d", dom, shell, code);
}

/* DOM's logged-in users as the agent reports them to libvirt (what the daemon reads). */
int users_at(const char *file, int line, const char *dom)
{
    char text[4096];
    const char *p;

    virsh_text_at(file, line, text, sizeof(text), "guestinfo", dom, "--user", (char *)NULL);
    if (!(p = strstr(text, "user.count")) || !(p = strchr(p, ':')))
        failf(file, line, "%s: `virsh guestinfo --user` has no user.count:\n%s", dom, text);
    return atoi(p + 1);
}

/* ---------------------------------------------------------------- the long-running daemon */

int daemon_alive(void)
{
    int status;

    return g.daemon > 0 && waitpid(g.daemon, &status, WNOHANG) == 0;
}

/* Start goldfarmd in the foreground, in the background, on g.policies and g.state, its
 * output to DIR/goldfarmd.log; ENV (NULL or one "NAME=VALUE", e.g. a fault point) is added
 * to its environment. */
void daemon_start_env(const char *env)
{
    pid_t pid;

    snprintf(g.daemon_log, sizeof(g.daemon_log), "%s/goldfarmd.log", g.dir);
    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(g.daemon_log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = open("/dev/null", O_RDWR);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        unsetenv("GOLDFARM_CRASH");
        unsetenv("GOLDFARM_FAULT");
        if (env && putenv((char *)env) != 0)
            _exit(127);
        execl(g.goldfarmd, g.goldfarmd, "--policies", g.policies, "--state-dir", g.state,
              "--foreground", (char *)NULL);
        _exit(127);
    }
    g.daemon = pid;
}

void daemon_start(void)
{
    daemon_start_env(NULL);
}

/* kill -9 the daemon (a crash: nothing of it runs after) and reap it. */
void daemon_kill(void)
{
    int status;

    if (g.daemon <= 0)
        return;
    kill(g.daemon, SIGKILL);
    waitpid(g.daemon, &status, 0);
    g.daemon = 0;
}

/* SIGTERM the daemon and wait (30 s at most) for it; returns its exit status (128 + signal
 * when killed), -1 if it had to be killed. */
int daemon_stop(void)
{
    int status = 0;
    double deadline = now_s() + 30;

    if (g.daemon <= 0)
        return 0;
    kill(g.daemon, SIGTERM);
    while (now_s() < deadline) {
        pid_t r = waitpid(g.daemon, &status, WNOHANG);
        if (r == g.daemon || r < 0) {
            g.daemon = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        nap(0.2);
    }
    kill(g.daemon, SIGKILL);
    waitpid(g.daemon, &status, 0);
    g.daemon = 0;
    return -1;
}

/* Wait (SECONDS at most) until the status file is newer than AFTER and holds every string of
 * WANT (NULL-terminated); returns it (kept) or NULL, at once when the daemon is gone. */
char *wait_status(time_t after, double seconds, const char *const *want)
{
    double deadline = now_s() + seconds;

    for (;;) {
        if (mtime_of(g.status) > after) {
            char *text = slurp(g.status);
            int ok = 1;
            for (const char *const *w = want; ok && *w; w++)
                ok = strstr(text, *w) != NULL;
            if (ok)
                return text;
            release(text);
        }
        if (now_s() >= deadline || !daemon_alive())
            return NULL;
        nap(0.5);
    }
}

/* ---------------------------------------------------------------- the journal, the lease */

/* The journal's entries (in g.state) that were begun and never ended. */
int journal_open_entries(void)
{
    char path[PATH_MAX + 16], *text, *save = NULL;
    unsigned long begun[256];
    int n = 0, open = 0;

    snprintf(path, sizeof(path), "%s/journal", g.state);
    text = slurp(path);
    /* a line is "CHECKSUM {"k":"begin","id":N,...}" */
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        const char *at = strstr(l, "\"id\":");
        unsigned long id;
        if (!at || sscanf(at + 5, "%lu", &id) != 1)
            continue;
        if (strstr(l, "\"k\":\"begin\"") && n < 256)
            begun[n++] = id;
        else if (strstr(l, "\"k\":\"end\""))
            for (int i = 0; i < n; i++)
                if (begun[i] == id)
                    begun[i] = 0;
    }
    for (int i = 0; i < n; i++)
        open += begun[i] != 0;
    release(text);
    return open;
}

/* Remove farm FARM's lease from the gold domain: an earlier run's goldfarmd (another state
 * directory) holds it until it expires, and this suite's would stand by meanwhile.  The test
 * bed is this suite's alone while it runs (flock). */
void drop_lease(void)
{
    struct cmd c;

    VIRSH(&c, "metadata", GOLD, "--uri", "https://goldfarm.dev/xmlns/lease/1/" FARM, "--remove",
          "--config");
    cmd_free(&c);
}

void daemon_ready_at(const char *file, int line)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    double deadline = now_s() + 30;

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/control.sock", g.state);
    while (now_s() < deadline && daemon_alive()) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), up;
        up = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
        if (fd >= 0)
            close(fd);
        if (up)
            return; /* it listens: it checks and answers from now on */
        nap(0.2);
    }
    failf(file, line, "goldfarmd does not listen on %s:\n%s", addr.sun_path, slurp(g.daemon_log));
}

pid_t vmctl_spawn_at(const char *file, int line, const char *log, ...)
{
    char *argv[40] = {(char *)g.vmctl, "-c", URI};
    int n = 3;
    va_list ap;
    pid_t pid;

    va_start(ap, log);
    while (n < 39 && (argv[n] = va_arg(ap, char *)))
        n++;
    va_end(ap);
    argv[n] = NULL;
    fflush(NULL);
    if ((pid = fork()) == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(g.vmctl, argv);
        _exit(127);
    }
    if (pid < 0)
        failf(file, line, "fork: %s", strerror(errno));
    return pid;
}

int vmctl_done(pid_t pid)
{
    int status;

    if (waitpid(pid, &status, WNOHANG) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
