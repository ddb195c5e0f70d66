/* protocol.c - the control socket's requests and answers, as JSON. */
#include "control/protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/escape.h"
#include "model/meta.h"

static const char *const verb_names[GF_CTL_NVERBS] = {
    "farm.pause",    "farm.resume",   "farm.drain",      "farm.replace",  "farm.status",
    "rollout.start", "rollout.pause", "rollout.resume",  "rollout.abort", "rollout.status",
    "reload",        "farm.evacuate", "farm.unevacuate",
};

static const char *const code_names[GF_CTL_NCODES] = {
    "ok",           "bad_request", "too_large", "unknown_verb", "unauthorized", "unknown_farm",
    "unknown_host", "not_in_farm", "bad_state", "bad_policy",   "busy",         "failed",
};

const char *gf_ctl_verb_name(enum gf_ctl_verb v)
{
    return v < GF_CTL_NVERBS ? verb_names[v] : "?";
}

int gf_ctl_verb_parse(const char *name)
{
    for (int v = 0; v < GF_CTL_NVERBS; v++)
        if (strcmp(name, verb_names[v]) == 0)
            return v;
    return -1;
}

const char *gf_ctl_code_name(enum gf_ctl_code c)
{
    return c < GF_CTL_NCODES ? code_names[c] : "?";
}

int gf_ctl_code_parse(const char *name)
{
    for (int c = 0; c < GF_CTL_NCODES; c++)
        if (strcmp(name, code_names[c]) == 0)
            return c;
    return -1;
}

/* ---- the members of a request -------------------------------------------- */

enum member {
    M_PROTOCOL,
    M_VERB,
    M_FARM,
    M_HOST,
    M_NOW,
    M_TO,
    M_BATCH,
    M_MIN,
    M_MIN_PCT,
    M_SOAK,
    M_ID,
    M_AFTER,
    M_URI,
    M_COUNT,
};

static const char *const member_names[M_COUNT] = {
    "protocol",       "verb",    "farm", "host", "now",   "to",  "batch",
    "min_in_service", "min_pct", "soak", "id",   "after", "uri",
};

#define BIT(m) (1u << (m))
#define COMMON (BIT(M_PROTOCOL) | BIT(M_VERB))

/* What each verb may carry, and what it must. */
static const struct {
    unsigned allowed, required;
} shapes[GF_CTL_NVERBS] = {
    [GF_CTL_FARM_PAUSE] = {COMMON | BIT(M_FARM), BIT(M_FARM)},
    [GF_CTL_FARM_RESUME] = {COMMON | BIT(M_FARM), BIT(M_FARM)},
    [GF_CTL_FARM_DRAIN] = {COMMON | BIT(M_HOST) | BIT(M_FARM), BIT(M_HOST)},
    [GF_CTL_FARM_REPLACE] = {COMMON | BIT(M_HOST) | BIT(M_FARM) | BIT(M_NOW), BIT(M_HOST)},
    [GF_CTL_FARM_STATUS] = {COMMON | BIT(M_FARM) | BIT(M_AFTER), 0},
    [GF_CTL_ROLLOUT_START] = {COMMON | BIT(M_FARM) | BIT(M_TO) | BIT(M_BATCH) | BIT(M_MIN) |
                                  BIT(M_MIN_PCT) | BIT(M_SOAK),
                              BIT(M_FARM)},
    [GF_CTL_ROLLOUT_PAUSE] = {COMMON | BIT(M_FARM), BIT(M_FARM)},
    [GF_CTL_ROLLOUT_RESUME] = {COMMON | BIT(M_FARM), BIT(M_FARM)},
    [GF_CTL_ROLLOUT_ABORT] = {COMMON | BIT(M_FARM), BIT(M_FARM)},
    [GF_CTL_ROLLOUT_STATUS] = {COMMON | BIT(M_FARM) | BIT(M_ID) | BIT(M_AFTER), BIT(M_FARM)},
    [GF_CTL_RELOAD] = {COMMON, 0},
    [GF_CTL_FARM_EVACUATE] = {COMMON | BIT(M_URI) | BIT(M_FARM), BIT(M_URI)},
    [GF_CTL_FARM_UNEVACUATE] = {COMMON | BIT(M_URI) | BIT(M_FARM), BIT(M_URI)},
};

void gf_ctl_req_init(struct gf_ctl_req *r, enum gf_ctl_verb v)
{
    memset(r, 0, sizeof(*r));
    r->verb = v;
    r->after = -1;
    r->rollout.kind = v == GF_CTL_ROLLOUT_PAUSE    ? GF_REQ_PAUSE
                      : v == GF_CTL_ROLLOUT_RESUME ? GF_REQ_RESUME
                      : v == GF_CTL_ROLLOUT_ABORT  ? GF_REQ_ABORT
                                                   : GF_REQ_START;
    r->rollout.to = r->rollout.batch = r->rollout.min = r->rollout.soak = GF_REQ_UNSET;
}

/* Add member KEY with integer V to O unless V is GF_REQ_UNSET. */
static void add_int(json_object *o, const char *key, long long v)
{
    if (v != GF_REQ_UNSET)
        json_object_object_add(o, key, json_object_new_int64(v));
}

json_object *gf_ctl_req_json(const struct gf_ctl_req *r)
{
    json_object *o = json_object_new_object();
    unsigned allowed = shapes[r->verb].allowed;

    if (!o) {
        gf_err(GF_ERR_OP, "out of memory");
        return NULL;
    }
    json_object_object_add(o, "protocol", json_object_new_int(GF_CTL_PROTOCOL));
    json_object_object_add(o, "verb", json_object_new_string(gf_ctl_verb_name(r->verb)));
    if ((allowed & BIT(M_FARM)) && r->farm[0])
        json_object_object_add(o, "farm", json_object_new_string(r->farm));
    if ((allowed & BIT(M_HOST)) && r->host[0])
        json_object_object_add(o, "host", json_object_new_string(r->host));
    if ((allowed & BIT(M_URI)) && r->uri[0])
        json_object_object_add(o, "uri", json_object_new_string(r->uri));
    if ((allowed & BIT(M_NOW)) && r->now)
        json_object_object_add(o, "now", json_object_new_boolean(1));
    if (r->verb == GF_CTL_ROLLOUT_START) {
        add_int(o, "to", r->rollout.to);
        add_int(o, "batch", r->rollout.batch);
        add_int(o, "min_in_service", r->rollout.min);
        if (r->rollout.min != GF_REQ_UNSET)
            json_object_object_add(o, "min_pct", json_object_new_boolean(r->rollout.min_pct));
        add_int(o, "soak", r->rollout.soak);
    }
    if ((allowed & BIT(M_ID)) && r->id)
        json_object_object_add(o, "id", json_object_new_int64((int64_t)r->id));
    if ((allowed & BIT(M_AFTER)) && r->after >= 0)
        json_object_object_add(o, "after", json_object_new_int64(r->after));
    return o;
}

/* V as a whole number from MIN to MAX into *OUT: GF_CTL_OK, or a refusal
 * naming member KEY in WHY. */
static enum gf_ctl_code whole(json_object *v, const char *key, long long min, long long max,
                              long long *out, char *why, size_t wlen)
{
    long long n;

    if (!json_object_is_type(v, json_type_int) ||
        ((n = (long long)json_object_get_int64(v)) < min || n > max)) {
        snprintf(why, wlen, "'%s' must be a whole number from %lld to %lld", key, min, max);
        return GF_CTL_BAD_REQUEST;
    }
    *out = n;
    return GF_CTL_OK;
}

/* V as a name of KIND into BUF (GF_NAME_MAX + 1 bytes): GF_CTL_OK or a
 * refusal naming member KEY in WHY. */
static enum gf_ctl_code name_of(json_object *v, const char *key, char *buf, char *why, size_t wlen)
{
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    const char *problem;
    char esc[GF_ESC_LEN];

    if (!s || (size_t)json_object_get_string_len(v) != strlen(s)) {
        snprintf(why, wlen, "'%s' must be a name (a string)", key);
        return GF_CTL_BAD_REQUEST;
    }
    if ((problem = gf_name_problem(s))) {
        snprintf(why, wlen, "'%s' is not a valid %s name: %s", gf_esc(s, esc, sizeof(esc)), key,
                 problem);
        return GF_CTL_BAD_REQUEST;
    }
    snprintf(buf, GF_NAME_MAX + 1, "%s", s);
    return GF_CTL_OK;
}

/* Member M of request R from V.  GF_CTL_OK or a refusal with WHY. */
static enum gf_ctl_code member(struct gf_ctl_req *r, enum member m, json_object *v, char *why,
                               size_t wlen)
{
    const char *key = member_names[m];
    enum gf_ctl_code c = GF_CTL_OK;
    long long n = 0;

    switch (m) {
    case M_FARM:
        return name_of(v, "farm", r->farm, why, wlen);
    case M_HOST:
        return name_of(v, "host", r->host, why, wlen);
    case M_URI: {
        const char *u = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        if (!u[0] || (size_t)json_object_get_string_len(v) != strlen(u) ||
            strlen(u) >= sizeof(r->uri) || strchr(u, '\n')) {
            snprintf(why, wlen, "'uri' must be a hypervisor's URI (a string, under %zu bytes)",
                     sizeof(r->uri));
            return GF_CTL_BAD_REQUEST;
        }
        snprintf(r->uri, sizeof(r->uri), "%s", u);
        return GF_CTL_OK;
    }
    case M_NOW:
    case M_MIN_PCT:
        if (!json_object_is_type(v, json_type_boolean)) {
            snprintf(why, wlen, "'%s' must be true or false", key);
            return GF_CTL_BAD_REQUEST;
        }
        if (m == M_NOW)
            r->now = json_object_get_boolean(v);
        else
            r->rollout.min_pct = json_object_get_boolean(v);
        return GF_CTL_OK;
    case M_TO:
        c = whole(v, key, 1, GF_VERSION_MAX, &n, why, wlen);
        r->rollout.to = (int)n;
        break;
    case M_BATCH:
        c = whole(v, key, 1, 100, &n, why, wlen);
        r->rollout.batch = (int)n;
        break;
    case M_MIN:
        c = whole(v, key, 0, 1000, &n, why, wlen);
        r->rollout.min = (int)n;
        break;
    case M_SOAK:
        c = whole(v, key, 0, 86400, &n, why, wlen);
        r->rollout.soak = (int)n;
        break;
    case M_ID:
        c = whole(v, key, 0, (long long)1 << 52, &n, why, wlen);
        r->id = (unsigned long)n;
        break;
    case M_AFTER:
        c = whole(v, key, 0, (long long)1 << 62, &n, why, wlen);
        r->after = n;
        break;
    default: /* protocol and verb: read before */
        break;
    }
    return c;
}

/* The verb of request object O into *VERB: GF_CTL_OK or a refusal. */
static enum gf_ctl_code verb_of(json_object *o, int *verb, char *why, size_t wlen)
{
    json_object *v;
    char esc[GF_ESC_LEN];
    long long proto;

    if (json_object_object_get_ex(o, "protocol", &v) &&
        (whole(v, "protocol", 0, 1000, &proto, why, wlen) != GF_CTL_OK ||
         proto != GF_CTL_PROTOCOL)) {
        snprintf(why, wlen, "protocol version %s is not goldfarmd's (%d)",
                 json_object_to_json_string(v), GF_CTL_PROTOCOL);
        return GF_CTL_BAD_REQUEST;
    }
    if (!json_object_object_get_ex(o, "verb", &v) || !json_object_is_type(v, json_type_string)) {
        snprintf(why, wlen, "a request needs a 'verb' (a string)");
        return GF_CTL_BAD_REQUEST;
    }
    if ((*verb = gf_ctl_verb_parse(json_object_get_string(v))) < 0) {
        snprintf(why, wlen, "unknown verb '%s'",
                 gf_esc(json_object_get_string(v), esc, sizeof(esc)));
        return GF_CTL_UNKNOWN_VERB;
    }
    return GF_CTL_OK;
}

/* Whether the LEN bytes of S are all blanks. */
static int only_blanks(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

enum gf_ctl_code gf_ctl_req_parse(const char *text, size_t len, struct gf_ctl_req *r, char *why,
                                  size_t wlen)
{
    json_tokener *tok = json_tokener_new_ex(8);
    json_object *o = NULL;
    enum gf_ctl_code c = GF_CTL_BAD_REQUEST;
    unsigned seen = 0;
    int verb = 0;

    gf_ctl_req_init(r, GF_CTL_RELOAD);
    if (!tok || len > GF_CTL_REQUEST_MAX) {
        snprintf(why, wlen, tok ? "longer than %d bytes" : "out of memory", GF_CTL_REQUEST_MAX);
        c = tok ? GF_CTL_TOO_LARGE : GF_CTL_FAILED;
        goto cleanup;
    }
    o = json_tokener_parse_ex(tok, text, (int)len);
    if (!o || json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(o, json_type_object) ||
        !only_blanks(text + json_tokener_get_parse_end(tok),
                     len - json_tokener_get_parse_end(tok))) {
        enum json_tokener_error e = json_tokener_get_error(tok);
        snprintf(why, wlen, "not a JSON object on one line (%s)",
                 e == json_tokener_continue                  ? "it ends too early"
                 : e != json_tokener_success                 ? json_tokener_error_desc(e)
                 : !json_object_is_type(o, json_type_object) ? "not an object"
                                                             : "text after the object");
        goto cleanup;
    }
    if ((c = verb_of(o, &verb, why, wlen)) != GF_CTL_OK)
        goto cleanup;
    gf_ctl_req_init(r, (enum gf_ctl_verb)verb);
    {
        json_object_object_foreach(o, key, v)
        {
            int m = 0;
            char esc[GF_ESC_LEN];
            while (m < M_COUNT && strcmp(member_names[m], key) != 0)
                m++;
            if (m == M_COUNT || !(shapes[verb].allowed & BIT(m))) {
                snprintf(why, wlen, "'%s' is not a member of a %s request",
                         gf_esc(key, esc, sizeof(esc)), gf_ctl_verb_name(r->verb));
                c = GF_CTL_BAD_REQUEST;
                goto cleanup;
            }
            seen |= BIT(m);
            if ((c = member(r, (enum member)m, v, why, wlen)) != GF_CTL_OK)
                goto cleanup;
        }
    }
    for (int m = 0; m < M_COUNT; m++)
        if ((shapes[verb].required & BIT(m)) && !(seen & BIT(m))) {
            snprintf(why, wlen, "a %s request needs a '%s'", gf_ctl_verb_name(r->verb),
                     member_names[m]);
            c = GF_CTL_BAD_REQUEST;
            goto cleanup;
        }
    if ((seen & BIT(M_MIN_PCT)) && !(seen & BIT(M_MIN))) {
        snprintf(why, wlen, "'min_pct' goes with 'min_in_service'");
        c = GF_CTL_BAD_REQUEST;
        goto cleanup;
    }
    if (r->rollout.min_pct && r->rollout.min > 100) {
        snprintf(why, wlen, "'min_in_service' as a percentage must be from 0 to 100");
        c = GF_CTL_BAD_REQUEST;
        goto cleanup;
    }
    gf_rollout_req_format(&r->rollout, r->rollout.text, sizeof(r->rollout.text));
    c = GF_CTL_OK;
cleanup:
    json_object_put(o);
    if (tok)
        json_tokener_free(tok);
    return c;
}

json_object *gf_ctl_answer(enum gf_ctl_code code, const char *fmt, ...)
{
    json_object *o = json_object_new_object();
    char text[1024];
    va_list ap;

    if (!o)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    json_object_object_add(o, "code", json_object_new_string(gf_ctl_code_name(code)));
    json_object_object_add(o, code == GF_CTL_OK ? "message" : "reason",
                           json_object_new_string(text));
    return o;
}

enum gf_ctl_code gf_ctl_answer_code(json_object *a)
{
    json_object *v;
    int c;

    if (!json_object_object_get_ex(a, "code", &v) || !json_object_is_type(v, json_type_string) ||
        (c = gf_ctl_code_parse(json_object_get_string(v))) < 0)
        return GF_CTL_FAILED;
    return (enum gf_ctl_code)c;
}

void gf_ctl_default_path(const char *state_dir, char *buf, size_t len)
{
    size_t n = state_dir ? strlen(state_dir) : 0;

    while (n > 1 && state_dir[n - 1] == '/')
        n--;
    if (!state_dir ||
        (n == strlen(GF_CTL_STATE_DIR) && strncmp(state_dir, GF_CTL_STATE_DIR, n) == 0))
        snprintf(buf, len, "%s", GF_CTL_SOCKET);
    else
        snprintf(buf, len, "%.*s/%s", (int)n, state_dir, GF_CTL_SOCKET_NAME);
}
