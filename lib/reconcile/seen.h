/* seen.h - the farm's host names last seen on each hypervisor, kept in the
 * farm's memory (memory.h): while a hypervisor does not answer, its hosts
 * are not seen, and a new host elsewhere must never take one of their
 * names (the node comes back with them). */
#ifndef GF_SEEN_H
#define GF_SEEN_H

#include <json-c/json.h>

#include "plan/plan.h"
#include "policy/policy.h"

struct gf_seen {
    int n;
    struct gf_seen_hv {
        char uri[256];
        char *names; /* the hosts' names, space-separated (owned) */
    } hv[GF_MAX_HYPERVISORS];
};

/* Remember in S the hosts FARM (observed under P) shows on each reachable
 * hypervisor; unreachable ones keep what was last seen.  0, or -1 with an
 * error. */
int gf_seen_note(struct gf_seen *s, const struct gf_policy *p, const struct gf_farm_obs *farm);

/* Add to FARM's taken names those S last saw on P's hypervisors FARM could
 * not reach (kept sorted).  0, or -1 with an error. */
int gf_seen_taken(const struct gf_seen *s, const struct gf_policy *p, struct gf_farm_obs *farm);

/* S as a JSON object {uri: "names"} (NULL: out of memory), and read back
 * from O into S (zeroed first; what is malformed is left out).  0 or -1. */
json_object *gf_seen_json(const struct gf_seen *s);
int gf_seen_load(json_object *o, struct gf_seen *s);

/* Deep-copy SRC into DST.  0 or -1 with an error (DST then empty). */
int gf_seen_copy(struct gf_seen *dst, const struct gf_seen *src);

/* Free what S holds; accepts an empty one. */
void gf_seen_clear(struct gf_seen *s);

#endif
