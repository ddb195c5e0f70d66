/* plan_int.h - the planner's working state, shared by its parts (plan.c,
 * plan_load.c, plan_resize.c, plan_rollout.c, ...).  Internal to the
 * planner: pure, no libvirt, no clock. */
#ifndef GF_PLAN_INT_H
#define GF_PLAN_INT_H

#include "plan/plan.h"

struct planner {
    const struct gf_policy *p;
    const struct gf_farm_obs *farm;
    const struct gf_local *now;
    struct gf_plan *out;
    char label[96];                                  /* "peak", "off_peak (holiday 2026-12-24)" */
    unsigned long long free_kib[GF_MAX_HYPERVISORS]; /* less what planned clones take */
    int on_hv[GF_MAX_HYPERVISORS];                   /* hosts per hypervisor, planned included */
    int total;                                       /* hosts counted against farm.max_hosts */
    int next_number;                                 /* lowest unused host number to try */
    unsigned int old_first; /* a roll-out's target: scale in hosts on other versions first */
    int rollout_drained;    /* hosts a roll-out drains this plan to make room */
    int free_vcpus[GF_MAX_HYPERVISORS]; /* vCPUs it may still run, less planned hot-adds
                                           and clones; INT_MAX: not known */
    unsigned long long free_disk_kib[GF_MAX_HYPERVISORS]; /* its pool's, less planned clones */
    /* the load signals of the hosts in service (plan_load.c) */
    double use_sum[GF_NSIGNALS]; /* CPU and memory: the sum of the known hosts' figures */
    int use_known[GF_NSIGNALS];  /* ... and how many hosts that is */
    double use[GF_NSIGNALS];     /* each signal's use, weighted, %; < 0: not counted or unknown */
};

/* Count in-service host H's CPU and memory figures into PL's signals. */
void plan_load_count(struct planner *pl, const struct gf_host_obs *h);

/* Finish PL's signals once every host in service is counted (the
 * sessions and capacity are known): each one's weighted use, the one that
 * decides, into PL->out's figures. */
void plan_load_finish(struct planner *pl);

/* Whether the load is over PCT: the deciding signal's use is above it. */
int plan_load_over(const struct planner *pl, int pct);

/* Whether every counted signal with a known figure is below PCT. */
int plan_load_below(const struct planner *pl, int pct);

/* The hosts in service the load needs to stay at or below PCT: the most
 * any counted signal needs (sessions: sessions / (PCT% x max_sessions),
 * rounded up; CPU, memory: hosts in service x use / PCT%). */
int plan_load_target(const struct planner *pl, int pct);

/* The load as a rule shows it, into BUF: "peak: 212 sessions / (9 hosts x
 * 25) = 94%" when sessions alone count; with CPU or memory counted, the
 * deciding signal first and the others after it, "peak: CPU 88% on 4 hosts
 * decides (sessions 40%, memory unknown)". */
void plan_load_text(const struct planner *pl, char *buf, size_t len);

/* A note for each counted CPU or memory signal unknown on hosts in service
 * (it holds scale-in back, as unknown sessions do).  Returns how many
 * notes. */
int plan_load_unknown_notes(struct planner *pl);

/* The vertical rules (plan_resize.c): grow hosts whose CPU or memory stays
 * short, live, within the policy's and the domain's maximums and the
 * hypervisor's free memory and vCPUs; give back what an idle grown host no
 * longer needs, at its next boot, never below the farm's size.  Hosts
 * another rule acts on (TOUCHED) are left alone; those resized are marked. */
void plan_resize(struct planner *pl, int *touched);

/* Add an action of KIND for HOST (may be NULL), its rule formatted.
 * Returns it, or NULL when the plan is full. */
struct gf_action *plan_add(struct planner *pl, enum gf_action_kind kind, const char *host,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Add a note at LEVEL (GF_LOG_ERR: a safeguard holds something back),
 * formatted.  Returns it, or NULL when the plan is full. */
struct gf_action *plan_note_level(struct planner *pl, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Plan one clone of VERSION (as standby when STANDBY); its rule is WHY.
 * Returns the action, or NULL when there is no room (a note says why). */
struct gf_action *plan_clone(struct planner *pl, int standby, const char *why,
                             unsigned int version);

/* The node a new host of VERSION goes on (plan_place.c): of those that fit
 * it, the one with the fewest of the farm's hosts, then the most free
 * memory; -1 if none.  Each node's reason into REC (may be NULL). */
int plan_place(const struct planner *pl, unsigned int version, struct gf_placement *rec);

/* A note for each node that does not answer (its hosts are neither counted
 * nor touched; the farm is kept on the others), counted in the plan. */
void plan_nodes_lost(struct planner *pl);

/* Whether host H is on a node an admin evacuates (vmctl farm evacuate). */
int plan_evacuated(const struct planner *pl, const struct gf_host_obs *h);

/* The evacuation (plan_evacuate.c): the active hosts on evacuated nodes
 * (out of service, their users counted) are drained, by an admin's drain,
 * once the hosts in service elsewhere are the farm's MIN_NEEDED and carry
 * the load, none COMING and all ready; until then a note says what it
 * waits for.  Their standbys are retired. */
void plan_evacuate(struct planner *pl, int min_needed, int coming);

/* The image's pushes (plan_push.c): with farm.push = "auto", the version
 * new hosts are cloned from (and a roll-out's target) pushed to the first
 * reachable node of the policy known to lack it, from a node that has it
 * with an agreed checksum; one push at a time, none while one is under way
 * (a note), none to a node backing off after a failure (a note). */
void plan_push(struct planner *pl);

/* A new host planned on node HV: its memory, vCPUs and disk taken there. */
void plan_place_take(struct planner *pl, int hv);

/* Keep placement REC (of the clone HOST; NULL: none placed) in the plan for
 * `vmctl plan`, when the farm has more than one node. */
void plan_place_keep(struct planner *pl, const struct gf_placement *rec, const char *host);

/* Whether a clone of VERSION would find room now. */
int plan_room(const struct planner *pl, unsigned int version);

/* Whether VERSION of the farm's image (0: each hypervisor's promoted one)
 * would be cloned on hypervisor HV although its recorded SHA-256 there
 * differs from the one another reachable hypervisor records for it: then
 * it is not the same version, and no clone is made from it anywhere
 * (plan_checksum.c). */
int plan_version_differs(const struct planner *pl, int hv, unsigned int version);

/* Whether host H's hypervisor can be acted on now. */
int plan_hv_ok(const struct planner *pl, const struct gf_host_obs *h);

/* T as local wall-clock time "HH:MM:SS" in NOW's zone, into BUF. */
void plan_clock_text(const struct gf_local *now, time_t t, char *buf, size_t len);

/* Whether H fails past the policy's grace (or is down for good). */
int plan_failing(const struct gf_policy *p, const struct gf_host_obs *h);

/* Among the hosts flagged in CANDIDATE, the one with the most (MOST) or the
 * fewest sessions; ties go to the later name.  -1 if none. */
int plan_pick(const struct gf_farm_obs *farm, const int *candidate, int most);

/* How fast standby host H would serve if taken now (plan_standby.c): 0
 * running and ready (joins at once), 1 saved (restores its memory), 2 shut
 * off (boots), 3 still booting; -1 not a standby one can take. */
int plan_standby_rank(const struct gf_host_obs *h);

/* Whether standby H is ready to serve as fast as its kind does (off: shut
 * off; saved: its save image made; running: running and answering). */
int plan_standby_ready(const struct gf_host_obs *h);

/* How standby H serves when started now: as a running one (joins), a saved
 * one (restores) or a shut-off one (boots). */
enum gf_standby_kind plan_standby_taken(const struct gf_host_obs *h);

/* Among the standby hosts flagged in CAND, the fastest to serve (the lowest
 * rank; within it by plan_pick, the fewest sessions).  -1 if none. */
int plan_pick_standby(const struct gf_farm_obs *farm, const int *cand);

/* Keep the phase's number of standby hosts of its kind: clone missing ones
 * (of the phase's standby_kind), managed-save saved ones once booted and
 * ready, retire saved ones of a stale version, and retire extras (the
 * slowest first).  Hosts in TOUCHED are acted on already. */
void plan_standby_keep(struct planner *pl, const int *touched);

/* The health pass (plan_health.c): replace failing hosts, set them aside
 * once replaced; marks what it acts on or holds back in TOUCHED.  Returns
 * the replacements on their way (capacity coming). */
int plan_health(struct planner *pl, int *touched);

/* A replacement failed soon after it was made: the plan opens the breaker. */
void plan_bad_image_breaker(struct planner *pl);

/* Delete quarantined hosts kept longer than the policy's quarantine_days. */
void plan_expire_quarantine(struct planner *pl);

/* A roll-out's part of the plan (plan_rollout.c): move the farm's hosts to
 * the record's target version, gate them, go back when they fail.  Hosts
 * it acts on or holds are marked in TOUCHED.  Fills PL->out->rollout. */
void plan_rollout(struct planner *pl, int *touched);

/* Decide on the farm's waiting roll-out requests against REC (the record,
 * changed by those taken), each an action (plan_requests.c).  Returns
 * whether REC changed. */
int plan_rollout_requests(struct planner *pl, struct gf_rollout *rec);

/* Say the roll-out's phase change (from WAS, the phase once the requests
 * were taken, to PL->out->rollout's) as an action, and when it goes back
 * (BEFORE: the phase observed), promote the old version again where the
 * new one is promoted. */
void plan_rollout_report(struct planner *pl, enum gf_rollout_phase before,
                         enum gf_rollout_phase was);

/* Whether H is the new half of a roll-out pair whose old host still serves
 * (the pair is one place in service, not two). */
int plan_pair_pending(const struct gf_farm_obs *farm, const struct gf_host_obs *h);

#endif
