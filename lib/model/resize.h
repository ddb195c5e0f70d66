/* resize.h - changing a host's vCPUs and memory. */
#ifndef GF_RESIZE_H
#define GF_RESIZE_H

#include <libvirt/libvirt.h>

struct gf_resize {
    unsigned int vcpus;            /* 0: leave alone */
    unsigned long long memory_kib; /* 0: leave alone */
    int live;                      /* change the running host */
    int config;                    /* change its definition (next boot) */
};

/* Resize DOM as R says; neither live nor config means the running host when
 * it runs, else its definition (virsh's "current").  Everything is checked
 * before anything changes: a count past the maximum, zero, or removing vCPUs
 * from a running host (unreliable without guest cooperation, and under TCG
 * it can crash QEMU) are GF_ERR_INPUT.  When the second of two changes
 * fails, the first is undone (vCPUs added to a running host stay running:
 * only its definition goes back).  vCPUs added to a running host are brought
 * online in its guest through its guest agent, when it answers (a note
 * says how many are).  Returns 0 or -1 with an error. */
int gf_resize(virDomainPtr dom, const struct gf_resize *r);

#endif
