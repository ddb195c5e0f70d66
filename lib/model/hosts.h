/* hosts.h - finding the domains Goldfarm manages.
 *
 * Every lookup that a command does by name goes through here, so a domain
 * without Goldfarm's metadata is refused in one place.
 */
#ifndef GF_HOSTS_H
#define GF_HOSTS_H

#include <stddef.h>

#include <libvirt/libvirt.h>

#include "model/meta.h"

/* Open a read-write connection to URI (NULL: LIBVIRT_DEFAULT_URI, then
 * libvirt's default).  Returns the connection, or NULL with an error. */
virConnectPtr gf_connect(const char *uri);

/* Look up the domain NAME.  Returns a reference the caller frees with
 * virDomainFree, or NULL with an error: GF_ERR_INPUT "unknown host" when no
 * such domain exists.  KIND names the role the caller expects ("host"). */
virDomainPtr gf_domain_lookup(virConnectPtr conn, const char *kind, const char *name);

/* Look up the Goldfarm host NAME and read its metadata into META.  Refuses
 * (GF_ERR_INPUT) domains without Goldfarm metadata and gold images, whose
 * disks Goldfarm never writes.  Returns a reference or NULL with an error. */
virDomainPtr gf_host_lookup(virConnectPtr conn, const char *name, struct gf_meta *meta);

/* The hosts of FARM, sorted by name, as a new array of references that the
 * caller releases with gf_domains_free.  A farm with no host is GF_ERR_INPUT.
 * Returns 0, or -1 with an error. */
int gf_farm_hosts(virConnectPtr conn, const char *farm, virDomainPtr **doms, size_t *ndoms);

/* Look up each of NAMES as a host (gf_host_lookup), refusing duplicates.
 * Same ownership and return as gf_farm_hosts. */
int gf_named_hosts(virConnectPtr conn, char *const *names, size_t nnames, virDomainPtr **doms,
                   size_t *ndoms);

/* Release N domain references and the array; accepts NULL. */
void gf_domains_free(virDomainPtr *doms, size_t n);

/* The users logged in on running DOM, by its guest agent (one
 * virDomainGetGuestInfo call); -1 when the agent does not tell (no agent,
 * not running, a driver without it).  Records no error. */
int gf_guest_users(virDomainPtr dom);

/* Undefine DOM with its snapshot and managed-save metadata, and its NVRAM
 * (a UEFI host's variables; libvirt refuses otherwise) where the driver
 * knows that flag.  Returns 0, or -1 (libvirt's error recorded by it). */
int gf_undefine(virDomainPtr dom);

#endif
