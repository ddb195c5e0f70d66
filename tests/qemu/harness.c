/* harness.c - what the QEMU end-to-end tests share (see harness.h). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "harness.h"

/* Bounds, in seconds. */

struct harness g;

/* ---------------------------------------------------------------- failing with a message */

/* Fail the current test at FILE:LINE with a printf-style message. */

void failf(const char *file, int line, const char *fmt, ...)
{
    char msg[8192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("%s\n", msg);
    _fail(file, line);
    abort(); /* not reached: _fail jumps out of the test */
}

/* ---------------------------------------------------------------- buffers a failure leaves */

/* A failed check jumps out of the test, past the free() of the buffers in hand.  They are kept
 * here until released, and the group teardown releases what is left: no leak reports under
 * AddressSanitizer when a test fails. */
static char *kept[256];

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

/* free() P, kept or not. */
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

/* ---------------------------------------------------------------- running programs */

void cmd_free(struct cmd *c)
{
    release(c->r.out);
    release(c->r.err);
    c->r.out = c->r.err = NULL;
}

/* Run ARGS (a NULL-terminated list after PROG) under timeout(1), with the extra environment
 * ENV (NULL or one "NAME=VALUE").  A program that cannot run fails the test. */
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
        failf(file, line, "`%s` did not finish within %s s", c->line, CMD_TIMEOUT);
    if (g.verbose)
        print_message("$ %s\n[exit %d]\n%s%s", c->line, c->r.status, c->r.out, c->r.err);
}

void vmctl_at(const char *file, int line, struct cmd *c, const char *fault, ...)
{
    const char *pre[] = {"-c", URI, NULL};
    char env[256];
    va_list ap;

    if (fault)
        snprintf(env, sizeof(env), "GOLDFARM_FAULT=%s", fault);
    va_start(ap, fault);
    run_va(file, line, c, fault ? env : NULL, g.vmctl, pre, ap);
    va_end(ap);
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

/* VMCTL(&c, "clone", ...): run vmctl -c URI ...; VMCTL_FAULT with GOLDFARM_FAULT set. */

/* Fail unless C exited with CODE. */
void expect_exit(const char *file, int line, const struct cmd *c, int code)
{
    if (c->r.status != code)
        failf(file, line, "`%s` exited %d, expected %d\n--- stdout:\n%s--- stderr:\n%s", c->line,
              c->r.status, code, c->r.out, c->r.err);
}

/* Fail unless C's stderr is exactly one line "vmctl: ..." containing WANT (if not NULL). */
void expect_one_error(const char *file, int line, const struct cmd *c, const char *want)
{
    if (strncmp(c->r.err, "vmctl: ", 7) != 0)
        failf(file, line, "`%s`: stderr does not start with 'vmctl: ':\n%s", c->line, c->r.err);
    if (want && !strcasestr(c->r.err, want))
        failf(file, line, "`%s`: stderr does not mention '%s':\n%s", c->line, want, c->r.err);
    if (run_count_lines(c->r.err) != 1 || c->r.err[strlen(c->r.err) - 1] != '\n')
        failf(file, line, "`%s`: stderr is %d lines, expected exactly one:\n%s", c->line,
              run_count_lines(c->r.err), c->r.err);
}

/* Run a virsh command that must succeed and return its stdout without trailing blanks,
 * in BUF (LEN bytes). */
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

/* ---------------------------------------------------------------- guests */

/* Wait for DOM's guest agent, failing the test after SECONDS. */
void wait_agent_at(const char *file, int line, const char *dom, double seconds)
{
    char why[1024];

    if (ga_wait(dom, seconds, why, sizeof(why)) < 0)
        failf(file, line, "%s", why);
}

/* Run SHELL in DOM and return its exit code; a guest-exec that fails fails the test. */
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

/* Whether file PATH exists in DOM's guest: 1 or 0. */

/* Fail unless `virsh vcpucount DOM --FLAG --current` is WANT. */
void expect_vcpus_at(const char *file, int line, const char *dom, const char *flag, int want)
{
    char text[64];

    virsh_text_at(file, line, text, sizeof(text), "vcpucount", dom, flag, "--current",
                  (char *)NULL);
    if (atoi(text) != want)
        failf(file, line, "%s: `virsh vcpucount %s %s --current` is %s, expected %d", dom, dom,
              flag, text, want);
}

/* Fail unless `virsh domstate DOM` is WANT. */
void expect_state_at(const char *file, int line, const char *dom, const char *want)
{
    char text[128];

    virsh_text_at(file, line, text, sizeof(text), "domstate", dom, (char *)NULL);
    if (strcmp(text, want) != 0) {
        virsh_text_at(file, line, text, sizeof(text), "domstate", dom, "--reason", (char *)NULL);
        failf(file, line, "%s is '%s', expected '%s'", dom, text, want);
    }
}

/* Clone the gold image as NAME (in FARM, or none), started; fails the test if vmctl fails. */
void clone_started_at(const char *file, int line, const char *name, const char *farm)
{
    struct cmd c;

    if (farm)
        vmctl_at(file, line, &c, NULL, "clone", GOLD, name, "--farm", farm, "--start",
                 (char *)NULL);
    else
        vmctl_at(file, line, &c, NULL, "clone", GOLD, name, "--start", (char *)NULL);
    expect_exit(file, line, &c, 0);
    cmd_free(&c);
}

/* Remove test domain NAME and its volume, whatever state it is in (errors ignored).  Only
 * gf-test-* names: never the gold image. */
void remove_domain(const char *name)
{
    char vol[256];
    struct cmd c;

    if (strncmp(name, "gf-test-", 8) != 0)
        return;
    snprintf(vol, sizeof(vol), "%s-vda.qcow2", name);
    VIRSH(&c, "destroy", name);
    cmd_free(&c);
    VIRSH(&c, "undefine", name, "--snapshots-metadata", "--managed-save");
    cmd_free(&c);
    VIRSH(&c, "vol-delete", "--pool", POOL, vol);
    cmd_free(&c);
}

/* ---------------------------------------------------------------- snapshots */

/* DOM's snapshots from `vmctl snapshot list DOM --json` into LIST; returns how many. */
int snapshots_at(const char *file, int line, const char *dom, struct snap *list)
{
    struct cmd c;
    const char *obj;
    size_t pos = 0, len;
    int n = 0;

    vmctl_at(file, line, &c, NULL, "snapshot", "list", dom, "--json", (char *)NULL);
    expect_exit(file, line, &c, 0);
    if (c.r.out[strspn(c.r.out, " \n")] != '[')
        failf(file, line, "`%s` printed no JSON array:\n%s", c.line, c.r.out);
    while (n < MAX_SNAPS && json_next_object(c.r.out, &pos, &obj, &len)) {
        if (json_str(obj, len, "name", list[n].name, sizeof(list[n].name)) < 0 ||
            (list[n].safety = json_bool(obj, len, "safety")) < 0)
            failf(file, line, "`%s`: an entry without name or safety: %.*s", c.line, (int)len, obj);
        n++;
    }
    cmd_free(&c);
    return n;
}

/* Whether DOM has snapshot NAME, according to vmctl (and to virsh, which must agree). */
int has_snapshot_at(const char *file, int line, const char *dom, const char *name)
{
    struct snap list[MAX_SNAPS];
    int n = snapshots_at(file, line, dom, list), found = 0, in_virsh;
    char names[4096], quoted[160];

    for (int i = 0; i < n; i++)
        found |= strcmp(list[i].name, name) == 0;
    virsh_text_at(file, line, names, sizeof(names), "snapshot-list", dom, "--name", (char *)NULL);
    snprintf(quoted, sizeof(quoted), "\n%s\n", name);
    {
        char all[4200];
        snprintf(all, sizeof(all), "\n%s\n", names);
        in_virsh = strstr(all, quoted) != NULL;
    }
    if (found != in_virsh)
        failf(file, line, "%s: vmctl %s snapshot '%s', virsh %s it:\n%s", dom,
              found ? "lists" : "does not list", name, in_virsh ? "lists" : "does not list", names);
    return found;
}

/* The first safety snapshot of DOM into NAME (LEN bytes); fails the test if there is none
 * or if a gf-safety-* snapshot is not flagged "safety":true. */
void safety_snapshot_at(const char *file, int line, const char *dom, char *name, size_t len)
{
    struct snap list[MAX_SNAPS];
    int n = snapshots_at(file, line, dom, list);

    name[0] = '\0';
    for (int i = 0; i < n; i++) {
        int prefixed = strncmp(list[i].name, SAFETY_PREFIX, strlen(SAFETY_PREFIX)) == 0;
        if (prefixed != list[i].safety)
            failf(file, line, "%s: snapshot '%s' has \"safety\":%s", dom, list[i].name,
                  list[i].safety ? "true" : "false");
        if (prefixed && !name[0]) {
            size_t k = strnlen(list[i].name, sizeof(list[i].name));
            k = k < len ? k : len - 1;
            memcpy(name, list[i].name, k);
            name[k] = '\0';
        }
    }
    if (!name[0])
        failf(file, line, "%s: `vmctl snapshot list --json` lists no %s* snapshot", dom,
              SAFETY_PREFIX);
}

/* ---------------------------------------------------------------- domain XML */

/* The string value of XPATH in the XML document XML into BUF (LEN bytes), with the prefix
 * "gf" bound to Goldfarm's metadata namespace.  Empty when nothing matches. */
void xpath_str(const char *xml, const char *xpath, char *buf, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr obj = NULL;

    buf[0] = '\0';
    if (ctx && xmlXPathRegisterNs(ctx, BAD_CAST "gf", BAD_CAST META_NS) == 0 &&
        (obj = xmlXPathEvalExpression(BAD_CAST xpath, ctx)) && obj->type == XPATH_STRING)
        snprintf(buf, len, "%s", (const char *)obj->stringval);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
}

/* DOM's XML (`virsh dumpxml DOM [FLAG]`), a new string to release(). */
char *dumpxml_at(const char *file, int line, const char *dom, const char *flag)
{
    struct cmd c;
    char *xml;

    virsh_at(file, line, &c, "dumpxml", dom, flag, (char *)NULL);
    expect_exit(file, line, &c, 0);
    xml = c.r.out; /* still kept: the caller releases it */
    release(c.r.err);
    return xml;
}

/* The file of DOM's first disk, from `virsh domblklist DOM --details`, into BUF. */
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

/* The sha256 of PATH (64 hex digits) into OUT. */
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
