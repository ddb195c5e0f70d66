/* harness.h - what the QEMU end-to-end tests share: running vmctl, virsh and
 * other programs with their output checked, the guests and their agents,
 * snapshots, domain XML, and failing a test with a message. */
#ifndef GF_QEMU_HARNESS_H
#define GF_QEMU_HARNESS_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "guest_agent.h"
#include "run.h"

#define URI GA_URI
#define POOL "goldfarm-testbed"
#define POOL_DIR "/var/lib/goldfarm/testbed/pool"
#define GOLD "tiny-gold"
#define GOLD_DISK POOL_DIR "/tiny-gold.qcow2"
#define META_NS "https://goldfarm.dev/xmlns/domain/1"
#define SAFETY_PREFIX "gf-safety-"
#define CMD_TIMEOUT "240"    /* any one vmctl / virsh / qemu-img run */
#define BOOT_WAIT 90.0       /* from start to the guest agent answering */
#define EXEC_WAIT 30.0       /* one guest-exec to end */
#define TESTBED_TIMEOUT 1800 /* testbed.sh all: may install packages and fetch a kernel */
#define VMCTL(c, ...) vmctl_at(__FILE__, __LINE__, c, NULL, __VA_ARGS__, (char *)NULL)
#define VMCTL_FAULT(c, fault, ...) vmctl_at(__FILE__, __LINE__, c, fault, __VA_ARGS__, (char *)NULL)
#define VIRSH(c, ...) virsh_at(__FILE__, __LINE__, c, __VA_ARGS__, (char *)NULL)
#define PROG(c, ...) prog_at(__FILE__, __LINE__, c, __VA_ARGS__, (char *)NULL)
#define EXPECT_EXIT(c, code) expect_exit(__FILE__, __LINE__, c, code)
#define EXPECT_ONE_ERROR(c, want) expect_one_error(__FILE__, __LINE__, c, want)
#define VIRSH_TEXT(buf, ...)                                                                       \
    virsh_text_at(__FILE__, __LINE__, buf, sizeof(buf), __VA_ARGS__, (char *)NULL)
#define WAIT_AGENT(dom, seconds) wait_agent_at(__FILE__, __LINE__, dom, seconds)
#define GUEST_SH(dom, shell) guest_sh_at(__FILE__, __LINE__, dom, shell)
#define GUEST_HAS(dom, path) (GUEST_SH(dom, "test -e " path) == 0)
#define EXPECT_VCPUS(dom, flag, want) expect_vcpus_at(__FILE__, __LINE__, dom, flag, want)
#define EXPECT_STATE(dom, want) expect_state_at(__FILE__, __LINE__, dom, want)
#define CLONE_STARTED(name, farm) clone_started_at(__FILE__, __LINE__, name, farm)
#define MAX_SNAPS 32
#define SNAPSHOTS(dom, list) snapshots_at(__FILE__, __LINE__, dom, list)
#define HAS_SNAPSHOT(dom, name) has_snapshot_at(__FILE__, __LINE__, dom, name)
#define SAFETY_SNAPSHOT(dom, buf) safety_snapshot_at(__FILE__, __LINE__, dom, buf, sizeof(buf))
#define DUMPXML(dom, flag) dumpxml_at(__FILE__, __LINE__, dom, flag)
#define DISK_PATH(dom, buf) disk_path_at(__FILE__, __LINE__, dom, buf, sizeof(buf))
#define SHA256(path, out) sha256_at(__FILE__, __LINE__, path, out)

/* What the whole suite shares. */
struct harness {
    const char *vmctl;
    char testbed[PATH_MAX];
    char gold_sha[65];
    int verbose;
};
extern struct harness g;

/* Fail the current test at FILE:LINE with a printf-style message. */
void failf(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
#define FAILF(...) failf(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAILF(__VA_ARGS__);                                                                    \
    } while (0)

/* A finished program and the command line that ran it (for messages). */
struct cmd {
    struct run_result r;
    char line[1024];
};

struct snap {
    char name[128];
    int safety;
};

/* keep: hold P until released (a failed check skips the free); release: free it. */
void failf(const char *file, int line, const char *fmt, ...);
char *keep(char *p);
void release(char *p);
void release_all(void);
void cmd_free(struct cmd *c);
void run_va(const char *file, int line, struct cmd *c, const char *env, const char *prog,
            const char *const *pre, va_list ap);
void vmctl_at(const char *file, int line, struct cmd *c, const char *fault, ...);
void virsh_at(const char *file, int line, struct cmd *c, ...);
void prog_at(const char *file, int line, struct cmd *c, const char *prog, ...);
void expect_exit(const char *file, int line, const struct cmd *c, int code);
void expect_one_error(const char *file, int line, const struct cmd *c, const char *want);
void virsh_text_at(const char *file, int line, char *buf, size_t len, ...);
void wait_agent_at(const char *file, int line, const char *dom, double seconds);
int guest_sh_at(const char *file, int line, const char *dom, const char *shell);
void expect_vcpus_at(const char *file, int line, const char *dom, const char *flag, int want);
void expect_state_at(const char *file, int line, const char *dom, const char *want);
void clone_started_at(const char *file, int line, const char *name, const char *farm);
void remove_domain(const char *name);
int snapshots_at(const char *file, int line, const char *dom, struct snap *list);
int has_snapshot_at(const char *file, int line, const char *dom, const char *name);
void safety_snapshot_at(const char *file, int line, const char *dom, char *name, size_t len);
void xpath_str(const char *xml, const char *xpath, char *buf, size_t len);
char *dumpxml_at(const char *file, int line, const char *dom, const char *flag);
void disk_path_at(const char *file, int line, const char *dom, char *buf, size_t len);
void sha256_at(const char *file, int line, const char *path, char out[65]);

#endif
