/* vm_fixture.h - vmctl's commands run in-process on one connection to a
 * prepared test-driver farm, so multi-step flows keep their state (the test
 * driver's state lives as long as its connection); what the driver-tier
 * vmctl tests (test_driver.c, test_image.c, test_plan_driver.c) share. */
#ifndef GF_TEST_VM_FIXTURE_H
#define GF_TEST_VM_FIXTURE_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farm_state.h"
#include "model/meta.h"
#include "vmctl.h"

struct fixture {
    virConnectPtr conn;
    struct vmctl_ctx ctx;
    char *out; /* what the last command printed */
    size_t out_len;
};

/* A fixture on a fresh connection to URI (fails the test on error). */
struct fixture *vm_open(const char *uri);

/* Close F's connection and free it (GOLDFARM_FAULT unset); accepts NULL. */
void vm_close(struct fixture *f);

/* Run one vmctl command (its words, NULL-terminated) on F's connection.
 * Its output (and the library's notes) is in f->out; returns its exit code. */
int vm(struct fixture *f, ...) __attribute__((sentinel));

/* A domain of F's farm (must exist): a reference to virDomainFree. */
virDomainPtr domain(struct fixture *f, const char *name);

/* NAME's Goldfarm metadata (must be managed). */
struct gf_meta meta_of(struct fixture *f, const char *name);

/* The XML of volume NAME in pool goldfarm (a new string), or NULL when absent. */
char *volume_xml(struct fixture *f, const char *name);

/* Assert that the last command printed TEXT. */
#define assert_out(f, text)                                                                        \
    do {                                                                                           \
        if (!strstr((f)->out, (text)))                                                             \
            fail_msg("output lacks '%s':\n%s", (text), (f)->out);                                  \
    } while (0)

/* Assert that the recorded error says TEXT. */
#define assert_err(text)                                                                           \
    do {                                                                                           \
        if (!strstr(gf_err_message(), (text)))                                                     \
            fail_msg("error '%s' lacks '%s'", gf_err_message(), (text));                           \
    } while (0)

/* Run a command that must be refused as bad input (exit 2) naming WANT in
 * its error, and must change nothing in libvirt. */
#define assert_refused(f, want, ...)                                                               \
    do {                                                                                           \
        char *before_ = farm_state((f)->conn), *after_;                                            \
        int code_ = vm((f), __VA_ARGS__, NULL);                                                    \
        if (code_ != 2)                                                                            \
            fail_msg("exit %d, not 2 (error: %s)", code_, gf_err_message());                       \
        assert_err(want);                                                                          \
        after_ = farm_state((f)->conn);                                                            \
        assert_same_state(before_, after_, gf_err_message());                                      \
        free(before_);                                                                             \
        free(after_);                                                                              \
    } while (0)

#endif
