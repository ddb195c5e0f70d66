/* error.h - the one recorded error of a failed operation.
 *
 * A function that fails records exactly one message here (where the failure
 * happens) and returns -1 or NULL; callers pass the failure up without adding
 * messages of their own.  The program's main prints it once and maps its
 * class to an exit code: GF_ERR_INPUT -> 2 (bad usage or input, nothing
 * changed), GF_ERR_OP -> 1 (the operation failed).
 */
#ifndef GF_ERROR_H
#define GF_ERROR_H

#include <stdarg.h>

typedef enum {
    GF_ERR_NONE = 0,
    GF_ERR_OP = 1,    /* an operation failed: exit 1 */
    GF_ERR_INPUT = 2, /* bad usage or bad input, nothing changed: exit 2 */
} gf_err_class;

/* Record an error of the given class, replacing any earlier one. */
void gf_err(gf_err_class cls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record an operation error whose detail is libvirt's last error message,
 * prefixed by the caller's context ("snapshot 'x' of 'rds-001'"). */
void gf_err_virt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The recorded message ("" when none); owned by this module. */
const char *gf_err_message(void);

/* The recorded class (GF_ERR_NONE when none). */
gf_err_class gf_err_class_get(void);

/* Forget the recorded error. */
void gf_err_clear(void);

/* Install Goldfarm's handler for libvirt errors: instead of printing them,
 * it keeps the newest message for gf_err_virt.  Every program and test
 * calls this once before its first libvirt call. */
void gf_err_init(void);

#endif
