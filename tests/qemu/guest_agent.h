/* guest_agent.h - talking to a test guest's qemu-ga through `virsh qemu-agent-command`,
 * and the little JSON reading the QEMU tests need.
 *
 * Every call is a separate virsh process (tests/common/run.h), every wait is bounded, and
 * a failure comes back as -1 with a sentence in WHY for the test to print.
 */
#ifndef GF_TEST_GUEST_AGENT_H
#define GF_TEST_GUEST_AGENT_H

#include <stddef.h>

#define GA_URI "qemu:///system"

/* The hypervisor every ga_* call talks to: GA_URI unless a test sets another (a second
 * libvirtd of the test bed). */
extern const char *ga_uri;

/* Run one agent command (JSON text) on DOM.  Returns virsh's exit status (0: the agent
 * answered), or -1 if virsh could not run.  *OUT gets virsh's stdout, *ERR its stderr
 * (new strings to free(); each pointer may be NULL when not wanted). */
int ga_command(const char *dom, const char *json, char **out, char **err);

/* Wait until DOM's guest agent answers guest-ping, polling every 0.5 s for at most
 * SECONDS.  Returns 0, or -1 with the last error in WHY (LEN bytes); at once when DOM is
 * not running. */
int ga_wait(const char *dom, double seconds, char *why, size_t len);

/* Run SHELL with /bin/sh -c in DOM (guest-exec) and wait at most SECONDS for it to end.
 * Returns its exit code (128 + signal when killed), or -1 with the reason in WHY. */
int ga_exec(const char *dom, const char *shell, double seconds, char *why, size_t len);

/* The small JSON reader: look up KEY anywhere in TEXT[0..LEN) (the first "KEY" followed by
 * a colon).  Good for flat objects whose string values never contain "KEY":. */

/* KEY's string value into BUF (LEN bytes, unescaped).  0, or -1 if absent or not a string. */
int json_str(const char *text, size_t len, const char *key, char *buf, size_t buflen);

/* KEY's integer value.  0, or -1 if absent or not a number. */
int json_int(const char *text, size_t len, const char *key, long *value);

/* KEY's boolean value: 1 or 0, or -1 if absent or not a boolean. */
int json_bool(const char *text, size_t len, const char *key);

/* The next object of a JSON array in TEXT at or after *POS: its start and length, with *POS
 * moved past it.  Returns 1, or 0 when there is none (strings may hold braces). */
int json_next_object(const char *text, size_t *pos, const char **obj, size_t *objlen);

#endif
