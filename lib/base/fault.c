/* fault.c - test-only fault points. */
#include "base/fault.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"

int gf_fault(const char *point, const char *subject)
{
    const char *armed = getenv("GOLDFARM_FAULT");
    size_t len = strlen(point);

    if (!armed || strncmp(armed, point, len) != 0)
        return 0;
    if (armed[len] == ':' && (!subject || strcmp(armed + len + 1, subject) != 0))
        return 0;
    if (armed[len] != ':' && armed[len] != '\0')
        return 0;
    gf_err(GF_ERR_OP, "injected fault at %s%s%s", point, subject ? " for " : "",
           subject ? subject : "");
    return -1;
}

static atomic_long agent_calls;
static atomic_int agent_inflight, agent_peak;

void gf_fault_agent_begin(void)
{
    const char *ms = getenv("GF_FAULT_AGENT_DELAY_MS");
    int now = atomic_fetch_add(&agent_inflight, 1) + 1, peak = atomic_load(&agent_peak);
    long delay = ms ? strtol(ms, NULL, 10) : 0;

    atomic_fetch_add(&agent_calls, 1);
    while (now > peak && !atomic_compare_exchange_weak(&agent_peak, &peak, now))
        ;
    if (delay > 0 && delay < 60000) {
        struct timespec t = {delay / 1000, (delay % 1000) * 1000000L};
        nanosleep(&t, NULL);
    }
}

void gf_fault_agent_end(void)
{
    atomic_fetch_sub(&agent_inflight, 1);
}

void gf_fault_agent_counts(long *calls, int *peak, int reset)
{
    *calls = reset ? atomic_exchange(&agent_calls, 0) : atomic_load(&agent_calls);
    *peak = reset ? atomic_exchange(&agent_peak, 0) : atomic_load(&agent_peak);
}
