/* control.h - goldfarmd's control socket: vmctl's requests (the protocol
 * is lib/control/protocol.h), checked and answered by a thread of its own.
 *
 * The socket is mode 0660; only root, the daemon's own user and members of
 * the socket's group (the unit's goldfarm group) may use it: every peer's
 * credentials are checked (SO_PEERCRED, SO_PEERGROUPS) before its request
 * is read.  A request about a farm is checked against the farm's policy,
 * its state and libvirt, then handed to the farm (its admin state, under
 * its mutex, kept in STATE_DIR/FARM.admin) and the farm woken; the answer
 * goes out once it was checked.  Requests are taken one at a time, so a
 * reload through the socket and a request never meet half way; the farm
 * list is read under D->lock, which a SIGHUP reload holds throughout.
 */
#ifndef GF_CONTROL_H
#define GF_CONTROL_H

struct gfd;

/* Listen on PATH for D (a stale socket is replaced; a path that is not a
 * socket, or one another daemon listens on, is refused), and answer in a
 * thread of its own from now on.  0, or -1 with an error. */
int gfd_control_start(struct gfd *d, const char *path);

/* Stop answering: the thread ends, the socket is removed.  Accepts a D
 * without one. */
void gfd_control_stop(struct gfd *d);

/* A tick of D's ended: the requests waiting for a change look again.
 * Accepts a D without a control socket. */
void gfd_control_notify(struct gfd *d);

#endif
