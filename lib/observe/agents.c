/* agents.c - session counts from the hosts' guest agents: asked
 * concurrently, a bounded number at a time, and each answer used for the
 * policy's load.agent_interval. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libvirt/virterror.h>

#include "base/fault.h"
#include "base/log.h"
#include "observe/observe.h"

/* One host's last answer, kept between ticks: by farm, connection and
 * domain UUID.  DOM is a reference kept with it, so a later tick asks
 * without looking the domain up again (a round trip on a remote
 * hypervisor). */
struct answer {
    char key[GF_NAME_MAX + 1 + 2 * sizeof(void *) + 2 * VIR_UUID_BUFLEN + 4];
    virDomainPtr dom;
    virConnectPtr conn; /* DOM's (it holds a reference to it) */
    int users;          /* -1: the agent was silent */
    double asked;       /* gf_now() when asked */
    unsigned long at;   /* the call that last saw the host */
};

static GHashTable *answers; /* key -> struct answer */
static pthread_mutex_t answers_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long calls;

/* One question for the pool. */
struct job {
    struct answer *a;
    struct gf_host_obs *h;
};

/* Free an answer (the table's value destructor). */
static void answer_free(gpointer p)
{
    struct answer *a = p;

    if (a->dom)
        virDomainFree(a->dom);
    free(a);
}

/* The key of host H of farm FARM on CONN into KEY (sizeof answer.key). */
static void key_of(const char *farm, virConnectPtr conn, const struct gf_host_obs *h, char *key,
                   size_t len)
{
    static const unsigned char none[VIR_UUID_BUFLEN];
    char hex[2 * VIR_UUID_BUFLEN + 1];

    for (int i = 0; i < VIR_UUID_BUFLEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", h->uuid[i]);
    /* a host whose UUID observe did not get is known by its name */
    snprintf(key, len, "%s/%p/%s", farm, (void *)conn,
             memcmp(h->uuid, none, VIR_UUID_BUFLEN) ? hex : h->name);
}

/* Ask J's host's guest agent for its logged-in users (a pool thread: the
 * connection is shared, libvirt's connections are thread-safe). */
static void ask(gpointer data, gpointer user)
{
    struct job *j = data;
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    unsigned int users;

    (void)user;
    j->a->users = -1;
    gf_fault_agent_begin();
    if (virDomainGetGuestInfo(j->a->dom, VIR_DOMAIN_GUEST_INFO_USERS, &params, &nparams, 0) == 0 &&
        virTypedParamsGetUInt(params, nparams, "user.count", &users) == 1)
        j->a->users = (int)users;
    gf_fault_agent_end();
    virTypedParamsFree(params, nparams);
    virResetLastError(); /* this thread's: a silent agent is an answer */
}

/* The domain of host H on CONN: by UUID when observe had it, else by name.
 * NULL when it is gone. */
static virDomainPtr lookup(virConnectPtr conn, const struct gf_host_obs *h)
{
    static const unsigned char none[VIR_UUID_BUFLEN];
    virDomainPtr dom = memcmp(h->uuid, none, VIR_UUID_BUFLEN)
                           ? virDomainLookupByUUID(conn, h->uuid)
                           : virDomainLookupByName(conn, h->name);

    virResetLastError();
    return dom;
}

/* Drop the answers of FARM's hosts the call AT did not see (retired,
 * stopped): the table holds the hosts that run.  With the lock held. */
static void prune(const char *farm, unsigned long at)
{
    GHashTableIter it;
    gpointer key, value;
    size_t len = strlen(farm);

    g_hash_table_iter_init(&it, answers);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const struct answer *a = value;
        if (a->at != at && strncmp(a->key, farm, len) == 0 && a->key[len] == '/')
            g_hash_table_iter_remove(&it);
    }
}

void gf_load_from_agents(const struct gf_policy *p, virConnectPtr *conns, struct gf_farm_obs *farm)
{
    struct job *jobs = calloc((size_t)farm->nhosts + 1, sizeof(*jobs));
    GThreadPool *pool = NULL;
    double now = gf_now();
    unsigned long at;
    int njobs = 0;

    if (!jobs)
        return; /* out of memory: no answers, as silent agents */
    pthread_mutex_lock(&answers_lock);
    if (!answers)
        answers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, answer_free);
    at = ++calls;
    for (int i = 0; i < farm->nhosts; i++) {
        struct gf_host_obs *h = &farm->hosts[i];
        char key[sizeof(((struct answer *)0)->key)];
        struct answer *a;
        if (h->run != GF_RUN_RUNNING || h->hv < 0 || h->hv >= p->nhypervisors || !conns[h->hv])
            continue;
        key_of(p->name, conns[h->hv], h, key, sizeof(key));
        if (!(a = g_hash_table_lookup(answers, key))) {
            virDomainPtr dom = lookup(conns[h->hv], h);
            if (!dom || !(a = calloc(1, sizeof(*a)))) {
                if (dom)
                    virDomainFree(dom);
                continue;
            }
            snprintf(a->key, sizeof(a->key), "%s", key);
            a->dom = dom;
            a->conn = conns[h->hv];
            a->asked = -1;
            g_hash_table_insert(answers, a->key, a);
        }
        a->at = at;
        /* an answer younger than the interval (less a second of the ticks'
         * own jitter) is used again */
        if (p->agent_interval > 0 && a->asked >= 0 && now - a->asked < p->agent_interval - 1) {
            if (a->users >= 0)
                h->sessions = h->active_sessions = a->users;
            continue;
        }
        jobs[njobs].a = a;
        jobs[njobs++].h = h;
    }
    prune(p->name, at);
    /* the table unlocked while the agents answer: another farm's tick does
     * not wait for this one's (its keys, and what it prunes, are its own;
     * this farm's entries are freed only by this farm's thread: its prune,
     * or gf_load_agents_forget of its own answers) */
    pthread_mutex_unlock(&answers_lock);
    if (njobs > 1)
        pool = g_thread_pool_new(ask, NULL, njobs < GF_AGENT_PARALLEL ? njobs : GF_AGENT_PARALLEL,
                                 FALSE, NULL);
    for (int k = 0; k < njobs; k++)
        if (!pool || !g_thread_pool_push(pool, &jobs[k], NULL))
            ask(&jobs[k], NULL); /* one, or no pool: in this thread */
    if (pool)
        g_thread_pool_free(pool, FALSE, TRUE); /* waits for every question */
    for (int k = 0; k < njobs; k++) {
        jobs[k].a->asked = now;
        if (jobs[k].a->users >= 0)
            jobs[k].h->sessions = jobs[k].h->active_sessions = jobs[k].a->users;
    }
    free(jobs);
}

void gf_load_agents_forget(const char *farm, virConnectPtr conn)
{
    GHashTableIter it;
    gpointer key, value;
    size_t len = farm ? strlen(farm) : 0;

    pthread_mutex_lock(&answers_lock);
    if (answers && !conn) {
        g_hash_table_destroy(answers);
        answers = NULL;
    } else if (answers) {
        /* FARM's own answers only: another farm's may be in an ask() now,
         * used unlocked by its thread */
        g_hash_table_iter_init(&it, answers);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            const struct answer *a = value;
            if (a->conn == conn &&
                (!farm || (strncmp(a->key, farm, len) == 0 && a->key[len] == '/')))
                g_hash_table_iter_remove(&it);
        }
    }
    pthread_mutex_unlock(&answers_lock);
}
