/* wire.h - the control socket's messages on the wire (one JSON object a
 * line, bounded, within a timeout), and the client's side of a call.
 *
 * Every descriptor is close-on-exec; writes never raise SIGPIPE.
 */
#ifndef GF_CTL_WIRE_H
#define GF_CTL_WIRE_H

#include <stddef.h>

#include <json-c/json.h>

#include "control/protocol.h"

/* Write MSG and a newline on FD within TIMEOUT_MS.  0, or -1 with an
 * error. */
int gf_ctl_write(int fd, json_object *msg, int timeout_ms);

/* Read one line of at most MAX bytes from FD within TIMEOUT_MS (the end
 * of the stream ends it too) and parse it as a JSON object: a new
 * reference, or NULL with a GF_ERR_OP error. */
json_object *gf_ctl_read(int fd, size_t max, int timeout_ms);

/* Connect to the control socket PATH.  The descriptor, or -1 with an
 * error: GF_ERR_OP "goldfarmd is not running (no socket at PATH)" when
 * there is no socket or nobody listens on it, GF_ERR_INPUT when this user
 * may not use it. */
int gf_ctl_connect(const char *path);

/* Ask the daemon at PATH request R and read its answer within TIMEOUT_MS:
 * a new reference, or NULL with an error (gf_ctl_connect's, or GF_ERR_OP
 * when the daemon did not answer). */
json_object *gf_ctl_call(const char *path, const struct gf_ctl_req *r, int timeout_ms);

#endif
