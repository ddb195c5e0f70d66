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

/* Test and bench only: GF_FAULT_AGENT_DELAY_MS=N in the environment
 * makes each guest-agent call of the load source wait N ms (a remote
 * hypervisor's round trip, which the test driver does not have).  Every
 * such call is counted, with the most in flight at once, whether delayed
 * or not: gf_fault_agent_begin before the call, _end after. */
void gf_fault_agent_begin(void);
void gf_fault_agent_end(void);

/* The agent calls counted since the last reset, and the most that were in
 * flight at once; RESET starts the counts again. */
void gf_fault_agent_counts(long *calls, int *peak, int reset);

#endif
