/* fault.h - test-only fault points.
 *
 * Some failures cannot be made for real in a test (libvirt failing in the
 * middle of a multi-step operation).  GOLDFARM_FAULT=POINT or POINT:SUBJECT
 * in the environment makes gf_fault(POINT, SUBJECT) fail there, so the
 * tests can check that the operation is undone.  Unset, it costs a getenv.
 */
#ifndef GF_FAULT_H
#define GF_FAULT_H

/* Whether the fault POINT (for SUBJECT, e.g. a host name; may be NULL) is
 * armed.  Returns -1 with a GF_ERR_OP error "injected fault at POINT" when
 * it is, else 0. */
int gf_fault(const char *point, const char *subject);

#endif
