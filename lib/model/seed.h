/* seed.h - a clone's NoCloud seed: who it is, on a small ISO 9660 volume.
 *
 * At first boot cloud-init (Linux) and cloudbase-init (Windows, its NoCloud
 * config-drive service) look for a filesystem labelled "cidata" holding
 * meta-data (instance-id, local-hostname) and user-data, and optionally
 * network-config.  Goldfarm writes meta-data itself (the domain's UUID and
 * the host's name), renders user-data and network-config from the policy's
 * templates, builds the ISO in memory with libisofs (Rock Ridge for Linux,
 * Joliet for Windows, volume id "cidata"), and writes it into a new volume
 * NAME-cidata.iso in the gold disk's pool through libvirt
 * (virStorageVolCreateXML, virStorageVolUpload), so a remote hypervisor
 * works like the local one.  The clone gets it as a read-only CD-ROM.
 *
 * Templates: ${host}, ${farm}, ${image}, ${image_version}, ${hypervisor}
 * and ${instance_id} are replaced by their values; $${ stands for a literal
 * ${; any other ${...} is an error naming the template's file and line.
 * Every other character, '$' included, is copied as it is.
 */
#ifndef GF_SEED_H
#define GF_SEED_H

#include <stddef.h>

#include <libvirt/libvirt.h>

#define GF_SEED_TEMPLATE_MAX (32 * 1024) /* bytes of a template file */
#define GF_SEED_FILE_MAX (64 * 1024)     /* bytes of a rendered file */
#define GF_SEED_SUFFIX "-cidata.iso"     /* the seed volume: HOST-cidata.iso */
#define GF_SEED_LABEL "cidata"
#define GF_NETBIOS_MAX 15 /* characters of a Windows computer name */

enum gf_guest_os { GF_GUEST_LINUX, GF_GUEST_WINDOWS };

/* What a policy (or vmctl clone) says a new host's seed holds. */
struct gf_identity {
    enum gf_guest_os guest;
    const char *user_data;           /* template text; NULL: "#cloud-config" alone */
    const char *user_data_name;      /* its file, for errors */
    const char *network_config;      /* template text; NULL: no network-config */
    const char *network_config_name; /* its file, for errors */
};

/* The values a template may name. */
struct gf_seed_vars {
    const char *host;        /* ${host} */
    const char *farm;        /* ${farm} ("" for none) */
    const char *image;       /* ${image} */
    unsigned int version;    /* ${image_version} */
    const char *hypervisor;  /* ${hypervisor}: the libvirt URI */
    const char *instance_id; /* ${instance_id}: the domain's UUID */
};

/* The variables templates may use, for messages: "${host}, ${farm}, ...". */
extern const char gf_seed_var_list[];

/* Render template TMPL (from file NAME, for errors) with V into a new
 * string *OUT (to free(); *LEN its length).  Refused (GF_ERR_INPUT, with
 * "NAME:LINE: ..." and the line in *LINE when LINE is given): an unknown
 * variable, a "${" not closed on its line, a template that is not UTF-8 or
 * larger than GF_SEED_TEMPLATE_MAX, a result larger than GF_SEED_FILE_MAX.
 * Returns 0 or -1 with an error. */
int gf_seed_render(const char *name, const char *tmpl, const struct gf_seed_vars *v, char **out,
                   size_t *len, int *line);

/* Whether NAME can be the host name a guest of kind GUEST sets: letters,
 * digits, '-' and '.' (RFC 1123: labels of 1 to 63 characters that neither
 * start nor end with '-'); for Windows at most GF_NETBIOS_MAX characters,
 * no '.', not only digits.  Returns NULL when it can, or why not (a static
 * string). */
const char *gf_seed_host_name_problem(enum gf_guest_os guest, const char *name);

/* A seed's files and its ISO image. */
struct gf_seed {
    char *meta_data, *user_data, *network_config; /* network_config may be NULL */
    size_t meta_len, user_len, network_len;
    unsigned char *iso;
    size_t iso_len;
};

/* Make the seed of host V->host per ID: meta-data, the rendered files and
 * the ISO image.  The host name is checked for ID->guest
 * (gf_seed_host_name_problem: GF_ERR_INPUT).  Free with gf_seed_clear.
 * Returns 0 or -1 with an error. */
int gf_seed_make(const struct gf_identity *id, const struct gf_seed_vars *v, struct gf_seed *out);

/* Free what S holds and zero it; accepts a zeroed or cleared seed. */
void gf_seed_clear(struct gf_seed *s);

/* Host HOST's seed volume name, HOST-cidata.iso, into BUF. */
void gf_seed_volume_name(const char *host, char *buf, size_t len);

/* Create volume VOLNAME (raw, S->iso_len bytes) in POOL and upload S's ISO
 * into it through a libvirt stream.  libvirt's test driver cannot upload
 * (virStorageVolUpload is not supported there, and it keeps no file
 * contents anyway): there the volume is made, its content is not written,
 * and a note says so.  On failure the volume made is deleted again.
 * Returns the volume (virStorageVolFree), or NULL with an error. */
virStorageVolPtr gf_seed_write(virStoragePoolPtr pool, const char *volname,
                               const struct gf_seed *s);

/* The file of domain DOM's own seed CD-ROM (see gf_domxml_seed) into PATH.
 * Returns 1, 0 (none), or -1 with an error. */
int gf_seed_find(virDomainPtr dom, char *path, size_t len);

/* Delete the seed volume at PATH on CONN: nothing when there is no such
 * volume, never a gold image's disk, and never one a domain other than
 * OWNER (its host, still defined; NULL: none) uses, which is kept with a
 * note.  Returns 0 or -1 with an error. */
int gf_seed_delete(virConnectPtr conn, const char *path, const char *owner);

#endif
