/* standby.h - the kinds of standby host a farm keeps.
 *
 * A policy's phase asks for one kind (standby_kind); a host's metadata
 * says which kind it is (attribute standby-kind).  Shared by the policy,
 * the metadata and the planner, so it lives below them all. */
#ifndef GF_STANDBY_H
#define GF_STANDBY_H

enum gf_standby_kind {
    GF_SB_OFF,     /* shut off: boots on use */
    GF_SB_SAVED,   /* booted once, then managed-saved: restores its memory on use */
    GF_SB_RUNNING, /* running and ready, out of the broker until the join hook runs */
    GF_SB_NKINDS,
};

/* The name of kind K as policies and metadata write it ("saved"; "?" when
 * out of range). */
const char *gf_standby_kind_name(enum gf_standby_kind k);

/* The kind named NAME, or -1 when it is none. */
int gf_standby_kind_parse(const char *name);

/* The policy's choices, in enum order, NULL-terminated. */
extern const char *const gf_standby_kind_names[];

#endif
