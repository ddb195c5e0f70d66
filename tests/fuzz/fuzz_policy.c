/* fuzz_policy.c - the policy parser (gf_policy_load_string) on any text.
 *
 * For every input: the pass before libconfig and libconfig agree on what
 * they refuse, where, and why (libconfig reads only what the pass accepts:
 * a disagreement is a leak, a wrong line or a message gone); a refused policy has errors,
 * each one line of printable text naming the file; an accepted one has
 * every value within its key's range and a valid name for every host
 * number. */
#include "fuzz.h"

#include <libconfig.h>

#include "base/error.h"
#include "base/names.h"
#include "policy/policy.h"
#include "policy/policy_scan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gf_err_init();
    return 0;
}

/* TEXT's verdict from the pass and from libconfig agree.  Where libconfig
 * 1.5 leaks (a syntax error at a string) it is not asked: its leak would
 * make libFuzzer stop looking for leaks at all. */
static void scan_agrees(const char *text)
{
    struct policy_scan s;
    config_t cfg;
    int line = 0;

    policy_scan(text, strlen(text), &s);
    if (s.kind == POLICY_SCAN_REFUSED || (s.kind == POLICY_SCAN_SYNTAX && s.at_string)) {
        policy_scan_clear(&s);
        return;
    }
    config_init(&cfg);
    if (config_read_string(&cfg, text) != CONFIG_TRUE)
        line = config_error_line(&cfg);
    if (s.kind == POLICY_SCAN_OK)
        FUZZ_CHECK(!line, "the scan accepted what libconfig refuses");
    else
        FUZZ_CHECK(line == s.line && strcmp(config_error_text(&cfg), s.what) == 0,
                   "the scan and libconfig refuse apart");
    config_destroy(&cfg);
    policy_scan_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), *errors = NULL, name[128];
    struct gf_policy *p;

    scan_agrees(text);
    p = gf_policy_load_string("fuzz.conf", text, &errors);
    FUZZ_CHECK(!p != !errors, "a policy and errors, or neither");
    if (errors) {
        FUZZ_CHECK(*errors, "empty errors");
        FUZZ_CHECK(fuzz_clean_lines(errors, "fuzz.conf:"), "an error that is not one clean line");
    }
    if (p) {
        FUZZ_CHECK(!gf_name_problem(p->name), "a bad farm name");
        FUZZ_CHECK(p->vcpus >= 1 && p->vcpus <= 256, "vcpus out of range");
        FUZZ_CHECK(p->max_hosts >= 1 && p->max_hosts <= 1000, "max_hosts out of range");
        FUZZ_CHECK(p->min_hosts >= 0 && p->min_hosts <= p->max_hosts, "min_hosts out of range");
        FUZZ_CHECK(p->max_sessions >= 1 && p->max_sessions <= 1000, "max_sessions out of range");
        FUZZ_CHECK(p->cpu_below < p->cpu_above && p->memory_below < p->memory_above,
                   "the vertical rules' marks crossed");
        FUZZ_CHECK(p->weight[GF_SIG_SESSIONS] + p->weight[GF_SIG_CPU] + p->weight[GF_SIG_MEMORY] >
                       0,
                   "no load signal counts");
        FUZZ_CHECK(p->nhypervisors >= 1 && p->nhypervisors <= GF_MAX_HYPERVISORS,
                   "hypervisors out of range");
        FUZZ_CHECK(p->ndaysets >= 1, "no day set");
        for (int n = 1; n <= GF_HOST_NUMBER_MAX; n = n * 10 + 3) {
            FUZZ_CHECK(gf_policy_host_name(p, n, name, sizeof(name)) == 0, "a host name");
            FUZZ_CHECK(!gf_name_problem(name), "a bad host name");
        }
        FUZZ_CHECK(gf_policy_host_name(p, GF_HOST_NUMBER_MAX, name, sizeof(name)) == 0 &&
                       !gf_name_problem(name),
                   "a bad name for the last host number");
    }
    gf_policy_free(p);
    free(errors);
    free(text);
    return 0;
}
