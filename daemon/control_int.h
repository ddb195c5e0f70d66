/* control_int.h - what the control socket's files share (control.c: the
 * socket, its clients and their credentials; control_farm.c,
 * control_rollout.c: the verbs; control_queue.c: what they share).  Internal to daemon/. */
#ifndef GF_CONTROL_INT_H
#define GF_CONTROL_INT_H

#include <limits.h>
#include <stdatomic.h>
#include <sys/types.h>

#include <json-c/json.h>
#include <libvirt/libvirt.h>

#include "control.h"
#include "control/protocol.h"
#include "gfd.h"

#define CTL_CONNS 32 /* clients at once */
#define CTL_VIRT 16  /* hypervisor connections of the control thread */

/* Who asks, by the socket's peer credentials. */
struct ctl_peer {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

struct ctl_client; /* control.c */

struct gfd_control {
    struct gfd *d;
    int fd;      /* listening */
    int wake[2]; /* a byte: a tick ended, or stop */
    char path[108];
    dev_t dev; /* the socket file made, removed at the end only if still ours */
    ino_t ino;
    gid_t gid; /* the socket's group: its members may use it */
    pthread_t thread;
    int started;
    atomic_int stop; /* set, then a byte on the pipe: the thread ends */
    struct ctl_client *clients[CTL_CONNS];
    int nclients;
    /* the control thread's own connections, to check hosts and images */
    struct {
        char uri[512];
        virConnectPtr conn;
    } virt[CTL_VIRT];
    int nvirt;
};

/* What the verbs need of a farm's policy, copied under D->lock. */
struct ctl_farm_info {
    char name[GF_NAME_MAX + 1];
    char file[PATH_MAX];
    char image[GF_NAME_MAX + 1];
    int image_version; /* pinned (0: none) */
    int health_on;
    int nhv;
    char uris[GF_MAX_HYPERVISORS][512];
};

/* The answer to request R of PEER, or NULL when it waits for a change
 * (*PARK set; FORCE: answer as things are).  Never NULL otherwise: a
 * failure is answered as GF_CTL_FAILED. */
json_object *ctl_answer(struct gfd_control *c, const struct gf_ctl_req *r,
                        const struct ctl_peer *peer, int force, int *park);

/* The farm called NAME of D (D->lock held), or NULL. */
struct gfd_farm *ctl_farm(struct gfd *d, const char *name);

/* Farm NAME's policy as the verbs need it into INFO: 0, or -1 when D runs
 * no such farm (takes D->lock). */
int ctl_farm_info(struct gfd *d, const char *name, struct ctl_farm_info *info);

/* The refusal for a farm NAME that D does not run, naming those it runs. */
json_object *ctl_unknown_farm(struct gfd *d, const char *name);

/* A connection to URI, hypervisor H of farm FARM, with a reference of
 * the caller's (virConnectClose drops it): the farm's own when it is
 * connected, else the control thread's (opened on first use, again when
 * it died).  NULL with an error. */
virConnectPtr ctl_conn(struct gfd_control *c, const char *farm, int h, const char *uri);

/* Queue admin request Q of PEER for farm NAME (its state saved, the farm
 * woken); its id into *ID.  NULL when queued, or the refusal (the farm is
 * gone, its queue is full, saving failed). */
json_object *ctl_queue(struct gfd_control *c, const char *name, struct gf_admin_req *q,
                       const struct ctl_peer *peer, unsigned long *id);

/* The answers to the roll-out verbs (control_rollout.c). */
json_object *ctl_rollout_step(struct gfd_control *c, const struct gf_ctl_req *r,
                              const struct ctl_peer *peer);
json_object *ctl_rollout_status(struct gfd_control *c, const struct gf_ctl_req *r);

/* The answer to farm.evacuate and farm.unevacuate (control_evacuate.c):
 * R's hypervisor evacuated, or given back, in each farm of the daemon that
 * has it (R's farm only, when named), kept in their admin state. */
json_object *ctl_evacuate(struct gfd_control *c, const struct gf_ctl_req *r,
                          const struct ctl_peer *peer);

/* An answer for a failure of the daemon's: GF_CTL_FAILED with the recorded
 * error, or its class GF_ERR_INPUT as BAD_STATE (the thing asked about is
 * not as it must be). */
json_object *ctl_failed(void);

#endif
