/* protocol.h - goldfarmd's control socket: what vmctl asks, what the
 * daemon answers.
 *
 * One request per connection: the client writes one JSON object on one
 * line, the daemon answers with one JSON object on one line and closes.
 * A request names its verb and what it is about:
 *
 *   {"protocol":1,"verb":"farm.pause","farm":"rds"}
 *   {"protocol":1,"verb":"farm.drain","host":"rds-002"}
 *   {"protocol":1,"verb":"rollout.start","farm":"ro","to":2,"batch":2}
 *   {"protocol":1,"verb":"rollout.status","farm":"ro","id":3,"after":17}
 *
 * Every answer carries a typed "code": "ok" with a "message" for people
 * (and "result": "done" when it is done, "accepted" with the "id" of a
 * request the farm's next tick carries out), or a refusal ("unknown_farm",
 * "bad_state", ...) with its "reason", one line.  Programs act on the
 * code, never on the wording.  The two status verbs answer once the
 * daemon's "generation" (it counts ticks) passes "after", or after a
 * while without a change: that is how vmctl follows a roll-out and
 * watches a farm without polling on a clock of its own.
 */
#ifndef GF_CTL_PROTOCOL_H
#define GF_CTL_PROTOCOL_H

#include <stddef.h>

#include <json-c/json.h>

#include "base/names.h"
#include "plan/rollout.h"

#define GF_CTL_PROTOCOL 1
#define GF_CTL_REQUEST_MAX (64 * 1024) /* bytes of a request, its newline included */
#define GF_CTL_ANSWER_MAX (16u << 20)  /* bytes of an answer (a status of every farm) */
#define GF_CTL_STATE_DIR "/var/lib/goldfarm"
#define GF_CTL_SOCKET "/run/goldfarm/control.sock" /* the service's, beside its default state */
#define GF_CTL_SOCKET_NAME "control.sock"          /* in any other state directory */

enum gf_ctl_verb {
    GF_CTL_FARM_PAUSE,      /* farm: stop changing it */
    GF_CTL_FARM_RESUME,     /* farm: change it again, its breaker closed */
    GF_CTL_FARM_DRAIN,      /* host [farm]: drain it */
    GF_CTL_FARM_REPLACE,    /* host [farm] [now]: replace it */
    GF_CTL_FARM_STATUS,     /* [farm] [after]: the farms' status */
    GF_CTL_ROLLOUT_START,   /* farm [to batch min_in_service min_pct soak] */
    GF_CTL_ROLLOUT_PAUSE,   /* farm */
    GF_CTL_ROLLOUT_RESUME,  /* farm */
    GF_CTL_ROLLOUT_ABORT,   /* farm */
    GF_CTL_ROLLOUT_STATUS,  /* farm [id] [after]: the roll-out, and what became of request id */
    GF_CTL_RELOAD,          /* re-read the policies */
    GF_CTL_FARM_EVACUATE,   /* uri [farm]: drain its hosts once replaced, no new host there */
    GF_CTL_FARM_UNEVACUATE, /* uri [farm]: new hosts may go there again */
    GF_CTL_NVERBS,
};

enum gf_ctl_code {
    GF_CTL_OK,
    GF_CTL_BAD_REQUEST,  /* not a request: not JSON, a member missing or of the wrong type */
    GF_CTL_TOO_LARGE,    /* longer than GF_CTL_REQUEST_MAX */
    GF_CTL_UNKNOWN_VERB, /* a verb goldfarmd does not know */
    GF_CTL_UNAUTHORIZED, /* neither root nor in the socket's group */
    GF_CTL_UNKNOWN_FARM, /* no farm of that name runs in this daemon */
    GF_CTL_UNKNOWN_HOST, /* no Goldfarm host of that name on the farms' hypervisors */
    GF_CTL_NOT_IN_FARM,  /* the host serves another farm */
    GF_CTL_BAD_STATE,    /* the farm, host or roll-out is not in a state that allows it */
    GF_CTL_BAD_POLICY,   /* a reload found policy files with errors (they keep the old ones) */
    GF_CTL_BUSY,         /* too many clients at once */
    GF_CTL_FAILED,       /* the daemon could not do it (it says why): try again */
    GF_CTL_NCODES,
};

/* A request, as parsed.  Absent names are "". */
struct gf_ctl_req {
    enum gf_ctl_verb verb;
    char farm[GF_NAME_MAX + 1];
    char host[GF_NAME_MAX + 1];
    char uri[256];                 /* farm.evacuate, farm.unevacuate: a hypervisor of the farms */
    int now;                       /* farm.replace: quarantine at once once replaced */
    struct gf_rollout_req rollout; /* rollout.*: the request for the planner (kind, values) */
    unsigned long id;              /* rollout.status: the request followed (0: none) */
    long long after;               /* the status verbs: wait for a generation past this (-1: no) */
};

/* The name of verb V ("farm.pause") and of code C ("unknown_farm"); and
 * back: -1 when unknown. */
const char *gf_ctl_verb_name(enum gf_ctl_verb v);
int gf_ctl_verb_parse(const char *name);
const char *gf_ctl_code_name(enum gf_ctl_code c);
int gf_ctl_code_parse(const char *name);

/* A request for verb V with nothing else set (rollout values unset). */
void gf_ctl_req_init(struct gf_ctl_req *r, enum gf_ctl_verb v);

/* Request R as the JSON object to send: a new reference, or NULL with an
 * error when out of memory. */
json_object *gf_ctl_req_json(const struct gf_ctl_req *r);

/* Parse the LEN bytes of TEXT (one line, its newline cut) as a request
 * into R.  Returns GF_CTL_OK, or the code of the refusal with its reason
 * (one line) in WHY.  Checks every member: names, numbers and their
 * ranges, and that no member is unknown.  Pure. */
enum gf_ctl_code gf_ctl_req_parse(const char *text, size_t len, struct gf_ctl_req *r, char *why,
                                  size_t wlen);

/* A new answer with CODE: GF_CTL_OK with FMT as its "message", any other
 * with FMT as its "reason".  NULL when out of memory. */
json_object *gf_ctl_answer(enum gf_ctl_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The code of answer A (GF_CTL_FAILED when it has none goldfarmd knows). */
enum gf_ctl_code gf_ctl_answer_code(json_object *a);

/* The default socket of the daemon whose state directory is STATE_DIR
 * (NULL: the default one): GF_CTL_SOCKET for the default state directory,
 * STATE_DIR/control.sock for any other, into BUF. */
void gf_ctl_default_path(const char *state_dir, char *buf, size_t len);

#endif
