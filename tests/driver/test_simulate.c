/* test_simulate.c - vmctl simulate and vmctl farm log, in-process, on the
 * bundled demo farm (argv[1]: templates/demo-farm.xml).  The simulator
 * opens its own test-driver connection, so every run starts from the same
 * farm. */
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/log.h"
#include "vmctl.h"

static const char *farm_xml;
static char dir[64];

/* A small farm: up to 4 hosts of 10 users, one of them always, the same
 * schedule all day (threshold 80%, breadth), a tick of one minute. */
static const char *const policy_text =
    "farm: { name = \"sim\"; hypervisors = ( { uri = \"test:///default\"; } );\n"
    "  image = \"rds-2022-gold\"; host_name = \"sim-%03d\"; vcpus = 2; memory = \"4G\";\n"
    "  max_sessions = 10; min_hosts = 1; max_hosts = 4; tick = \"60s\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  all: { days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"];\n"
    "    ramp_up   = { start = \"07:00\"; min_hosts = 1; threshold = 80; balance = "
    "\"breadth\"; standby = 0; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = 1; threshold = 80; balance = "
    "\"breadth\"; standby = 0; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 1; threshold = 80; balance = "
    "\"breadth\"; standby = 0; };\n"
    "    off_peak  = { start = \"19:00\"; min_hosts = 1; threshold = 80; balance = "
    "\"breadth\"; standby = 0; }; }; };\n"
    "scaling: { cooldown_out = \"60s\"; cooldown_in = \"120s\"; max_step = 3; hysteresis = 10; "
    "};\n"
    "drain: { wait = \"2m\"; empty_when = \"no_sessions\"; };\n"
    "load: { source = \"agent\"; };\n";

/* The same farm, depth-first and with a threshold of 100%. */
static const char *const lazy_text_diff[][2] = {
    {"threshold = 80; balance = \"breadth\"", "threshold = 100; balance = \"depth\""},
};

/* Ten minutes at one-minute resolution. */
static const char *const trace_text = "# the hand-worked trace\n"
                                      "timestamp,farm,sessions\n"
                                      "2026-03-02T08:00,sim,5\n"
                                      "2026-03-02T08:01,sim,5\n"
                                      "2026-03-02T08:02,sim,20\n"
                                      "2026-03-02T08:03,sim,20\n"
                                      "2026-03-02T08:04,sim,20\n"
                                      "2026-03-02T08:05,sim,5\n"
                                      "2026-03-02T08:06,sim,5\n"
                                      "2026-03-02T08:07,sim,5\n"
                                      "2026-03-02T08:08,sim,5\n"
                                      "2026-03-02T08:09,sim,5\n";

static char policy[128], lazy[128], trace[128];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char farm_uri[4200];

/* Replace the first FROM in TEXT (LEN bytes) with TO; fails when absent. */
static void replace_in(char *text, size_t len, const char *from, const char *to)
{
    char *at = strstr(text, from), *rest;

    assert_non_null(at);
    rest = strdup(at + strlen(from));
    assert_non_null(rest);
    snprintf(at, len - (size_t)(at - text), "%s%s", to, rest);
    free(rest);
}

/* BEFORE, the simulated farm's URI, AFTER: in one of four rotating buffers. */
static const char *with_farm(const char *before, const char *after)
{
    static char bufs[4][4400];
    static int next;
    char *b = bufs[next++ % 4];

    snprintf(b, sizeof(bufs[0]), "%s%s%s", before, farm_uri, after);
    return b;
}

static char *path_in(const char *name)
{
    static char buf[8][160];
    static int next;
    char *p = buf[next++ % 8];

    snprintf(p, 160, "%s/%s", dir, name);
    return p;
}

/* Run vmctl with the words given (NULL-terminated); its output in *OUT
 * (to free); returns its exit code. */
static int vm(char **out, ...)
{
    struct vmctl_ctx ctx = {0};
    char *argv[40], *buf = NULL;
    size_t len = 0;
    va_list ap;
    int argc = 0, code;

    va_start(ap, out);
    while (argc < 39 && (argv[argc] = va_arg(ap, char *)))
        argc++;
    va_end(ap);
    ctx.out = open_memstream(&buf, &len);
    code = vmctl_run(&ctx, argc, argv);
    fclose(ctx.out);
    if (out)
        *out = buf;
    else
        free(buf);
    return code;
}

static int setup_group(void **state)
{
    char *text, *at;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/gf-simtest-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(policy, sizeof(policy), "%s/sim.conf", dir);
    snprintf(lazy, sizeof(lazy), "%s/lazy.conf", dir);
    snprintf(trace, sizeof(trace), "%s/sim.csv", dir);
    write_file(policy, policy_text);
    write_file(trace, trace_text);
    text = strdup(policy_text);
    /* every phase: threshold 100 and depth */
    while ((at = strstr(text, lazy_text_diff[0][0]))) {
        size_t n = strlen(text) + 64;
        char *next = malloc(n);
        snprintf(next, n, "%.*s%s%s", (int)(at - text), text, lazy_text_diff[0][1],
                 at + strlen(lazy_text_diff[0][0]));
        free(text);
        text = next;
    }
    write_file(lazy, text);
    free(text);
    return 0;
}

/* Remove PATH and what is under it (nftw, depth first). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown_group(void **state)
{
    (void)state;
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The value column of summary row LABEL in OUT (first policy). */
static void row(const char *out, const char *label, char *value, size_t len)
{
    const char *at = strstr(out, label);

    assert_non_null(at);
    at += strlen(label);
    while (*at == ' ')
        at++;
    snprintf(value, len, "%.*s", (int)strcspn(at, " \n"), at);
}

#define ASSERT_ROW(out, label, want)                                                               \
    do {                                                                                           \
        char v_[64];                                                                               \
        row(out, label, v_, sizeof(v_));                                                           \
        assert_string_equal(v_, want);                                                             \
    } while (0)

/* The hand-worked day.  Step = 60 s (the trace's resolution = the tick);
 * boot 60 s; draining users leave at 50 %/min, rounded up; breadth-first:
 * users spread evenly, the remainder to the first hosts by name.
 *
 * 08:00 no host; the planner: 0 in service < minimum 1 -> clone sim-001.
 *       The first evaluation builds the farm as it stood: sim-001 serves at
 *       once.  [08:00,08:01): 1 running, 1 serving, 5 users <= 10: none refused.
 * 08:01 5 users on sim-001: 50% of 10 <= 80%; 1 host = minimum: nothing.
 * 08:02 20 users: sim-001 takes 10 (its max); 1000% > 80 x 10 -> target
 *       ceil(1000/800) = 2 -> clone sim-002 (sim-001 since 08:00: 120 s > the
 *       60 s cooldown).  sim-002 boots until 08:03: 10 refused for a minute:
 *       over capacity 1.0 min, 10 x 1 = 10.0 user-minutes refused.
 * 08:03 20 users on 2 hosts: 10 + 10 = 100% > 80% -> target ceil(2000/800) =
 *       3 -> clone sim-003 (sim-002 since 08:02: 60 s, not < 60): boots until
 *       08:04; 20 users fit the 2 serving hosts.
 * 08:04 20 users over 3 hosts: 7, 7, 6; 2000 < 80 x 30 = 2400, and not below
 *       70% (80 - hysteresis 10) of 30 = 2100... 2000 < 2100, but the target
 *       ceil(2000/700) = 3 hosts: nothing to drain.
 * 08:05 5 users: 2, 2, 1; target ceil(500/700) = 1: breadth drains one, the
 *       fewest: drain sim-003 (1 user).
 * 08:06 sim-003's user leaves (ceil(1 x 50%) = 1): empty -> retire sim-003;
 *       scale-in in cooldown (60 s of 120 s).
 * 08:07 5 users on sim-001 3, sim-002 2; 120 s since the drain: drain
 *       sim-002 (2 users, the fewest).
 * 08:08 sim-002: ceil(2 x 50%) = 1 leaves, 1 left; drain wait 2 min not up.
 * 08:09 sim-002's last user leaves: retire sim-002.
 *
 * Host-seconds: 60 x (1 + 1 + 2 + 3 + 3 + 3 + 2 + 2 + 2 + 1) = 60 x 20 =
 * 1200 = 0.33 host-hours; peak 3 hosts; 3 clones, 2 drains, 2 retirements,
 * no logoff forced, no flap (the scale-outs were at 08:02 and 08:03, the
 * drains at 08:05 and 08:07: never within the other's cooldown). */
static void hand_worked_trace_gives_its_figures(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(vm(&out, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--leave-rate", "50", "--boot-time", "60s", NULL),
                     0);
    ASSERT_ROW(out, "steps", "10");
    ASSERT_ROW(out, "host-hours", "0.33");
    ASSERT_ROW(out, "peak hosts running", "3");
    ASSERT_ROW(out, "peak hosts in service", "3");
    ASSERT_ROW(out, "peak sessions (trace)", "20");
    ASSERT_ROW(out, "minutes over capacity", "1.0");
    ASSERT_ROW(out, "user-minutes refused", "10.0");
    ASSERT_ROW(out, "forced logoffs (users)", "0");
    ASSERT_ROW(out, "flaps", "0");
    ASSERT_ROW(out, "clones made", "3");
    ASSERT_ROW(out, "starts", "0");
    ASSERT_ROW(out, "drains", "2");
    ASSERT_ROW(out, "retirements", "2");
    ASSERT_ROW(out, "replacements", "0");
    ASSERT_ROW(out, "failed actions", "0");
    /* the decisions, each with its simulated time (the rules' wording is the planner's) */
    assert_non_null(strstr(out, "\n2026-03-02 08:00 ramp_up: "));
    assert_non_null(strstr(out, with_farm(": clone sim-001 on ", " [done]\n2026-03-02 08:02 ")));
    assert_non_null(strstr(out, with_farm(": clone sim-002 on ", " [done]\n2026-03-02 08:03 ")));
    assert_non_null(strstr(out, with_farm(": clone sim-003 on ", " [done]\n2026-03-02 08:05 ")));
    assert_non_null(strstr(out,
                           "sim-003 has 1 session, the fewest (breadth): drain sim-003 [done]\n"
                           "2026-03-02 08:06 drain: sim-003 has no sessions: retire sim-003 "
                           "[done]\n"));
    assert_non_null(strstr(out, "\n2026-03-02 08:07 "));
    assert_non_null(strstr(out,
                           "sim-002 has 2 sessions, the fewest (breadth): drain sim-002 [done]\n"
                           "2026-03-02 08:09 drain: sim-002 has no sessions: retire sim-002 "
                           "[done]\n"));
    free(out);

    /* the same as JSON: one object */
    assert_int_equal(vm(&out, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--leave-rate", "50", "--json", NULL),
                     0);
    assert_non_null(strstr(out, "\"host_hours\":0.33,\"peak_hosts\":3,"));
    assert_non_null(strstr(out, "\"minutes_over_capacity\":1.0,\"user_minutes_refused\":10.0,"));
    assert_non_null(strstr(out, "\"clones\":3,"));
    assert_int_equal(out[0], '{');
    assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1);
    free(out);
}

/* The whole of PATH (binary) as a new NUL-terminated buffer; its size in *LEN. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)size, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void same_simulation_twice_is_byte_identical(void **state)
{
    char *a, *b, *la, *lb;
    size_t na, nb;
    const char *use = trace, *pol = policy;

    (void)state;
    assert_non_null(pol);
    assert_int_equal(vm(&a, "simulate", "--policy", pol, "--trace", use, "--farm-xml", farm_xml,
                        "--log", path_in("a.log"), "--plot", path_in("a.png"), NULL),
                     0);
    assert_int_equal(vm(&b, "simulate", "--policy", pol, "--trace", use, "--farm-xml", farm_xml,
                        "--log", path_in("b.log"), "--plot", path_in("a2.png"), NULL),
                     0);
    /* the only difference is the plot's file name on its last line */
    assert_non_null(strstr(a, "a.png"));
    *strstr(a, "a.png") = '\0';
    *strstr(b, "a2.png") = '\0';
    assert_string_equal(a, b);
    la = slurp(path_in("a.log"), &na);
    lb = slurp(path_in("b.log"), &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(la, lb, na);
    free(la);
    free(lb);
    la = slurp(path_in("a.png"), &na);
    lb = slurp(path_in("a2.png"), &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(la, lb, na);
    free(la);
    free(lb);
    free(a);
    free(b);
}

static unsigned int be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static void plots_are_valid_png_and_svg(void **state)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char *out, *svg;
    unsigned char *png;
    size_t n;

    (void)state;
    assert_int_equal(vm(&out, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--plot", path_in("p.png"), "--size", "800x450", NULL),
                     0);
    free(out);
    png = (unsigned char *)slurp(path_in("p.png"), &n);
    assert_true(n > 33);
    assert_memory_equal(png, sig, 8);
    assert_memory_equal(png + 12, "IHDR", 4);
    assert_int_equal(be32(png + 16), 800);
    assert_int_equal(be32(png + 20), 450);
    free(png);

    assert_int_equal(vm(&out, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--plot", path_in("p.svg"), NULL),
                     0);
    free(out);
    svg = slurp(path_in("p.svg"), &n);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "width=\"1200px\" height=\"600px\""));
    assert_non_null(strstr(svg, "viewBox=\"0 0 1200 600\""));
    free(svg);

    assert_int_equal(vm(NULL, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--plot", path_in("p.gif"), NULL),
                     2);
    assert_int_equal(vm(NULL, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--plot", path_in("p.png"), "--size", "80x45", NULL),
                     2);
}

/* A trace with TEXT exits 2 and names WANT. */
static void bad_trace(const char *name, const char *text, const char *want)
{
    char msg[600];

    write_file(path_in(name), text);
    assert_int_equal(vm(NULL, "simulate", "--policy", policy, "--trace", path_in(name),
                        "--farm-xml", farm_xml, NULL),
                     2);
    snprintf(msg, sizeof(msg), "%s:%s", path_in(name), want);
    if (strncmp(gf_err_message(), msg, strlen(msg)) != 0)
        fail_msg("got '%s', want '%s...'", gf_err_message(), msg);
}

static void bad_traces_exit_2_naming_the_line(void **state)
{
    (void)state;
    bad_trace("back.csv",
              "timestamp,farm,sessions\n2026-03-02T08:05,sim,1\n2026-03-02T08:00,sim,1\n",
              "3: time goes backwards: 2026-03-02T08:00 is before line 2");
    bad_trace("neg.csv", "timestamp,farm,sessions\n2026-03-02T08:05,sim,-1\n",
              "2: negative sessions (-1)");
    bad_trace("cols.csv", "# x\ntimestamp,farm,sessions\n2026-03-02T08:05,sim\n",
              "3: 2 columns, but the header has 3");
    bad_trace("farm.csv", "timestamp,farm,sessions\n\n2026-03-02T08:05,web,1\n",
              "3: farm 'web' is not the farm of policy ");
}

static void two_policies_side_by_side(void **state)
{
    char *out, *summary, *plot;
    size_t n;

    (void)state;
    assert_int_equal(vm(&out, "simulate", "--policy", policy, lazy, "--trace", trace, "--farm-xml",
                        farm_xml, "--leave-rate", "50", "--plot", path_in("two.svg"), NULL),
                     0);
    assert_non_null(strstr(out, "# policy " /* each run has its header */));
    assert_non_null(strstr(strstr(out, "# policy ") + 1, "# policy "));
    summary = strstr(out, "\nsummary");
    assert_non_null(summary);
    assert_non_null(strstr(summary, "sim.conf"));
    assert_non_null(strstr(summary, "lazy.conf"));
    /* the lazy farm (100%, depth) refuses more: 08:02-08:03 20 users on 1 host,
     * and scales out only above 100% */
    {
        char line[200];
        const char *r = strstr(summary, "\nclones made");
        assert_non_null(r);
        snprintf(line, sizeof(line), "%.*s", (int)strcspn(r + 1, "\n"), r + 1);
        assert_non_null(strstr(line, "3")); /* sim.conf's 3 */
    }
    free(out);
    plot = slurp(path_in("two.svg"), &n);
    assert_non_null(strstr(plot, "<svg"));
    free(plot);
    /* a fault in the second policy names it */
    assert_int_equal(vm(NULL, "simulate", "--policy", policy, path_in("missing.conf"), "--trace",
                        trace, "--farm-xml", farm_xml, NULL),
                     2);
}

static void farm_log_reads_the_records(void **state)
{
    char *out;

    (void)state;
    unlink(path_in("sim.decisions"));
    assert_int_equal(vm(NULL, "simulate", "--policy", policy, "--trace", trace, "--farm-xml",
                        farm_xml, "--leave-rate", "50", "--log", path_in("sim.decisions"), NULL),
                     0);
    assert_int_equal(vm(&out, "farm", "log", "sim", "--state-dir", dir, NULL), 0);
    assert_non_null(strstr(out, "2026-03-02T08:02:00Z sim: all ramp_up, 10 sessions on 1 hosts "
                                "in service (capacity 10) = 100%\n2026-03-02T08:02:00Z   "));
    assert_non_null(strstr(out, with_farm(": clone sim-002 on ", " [done]\n")));
    /* the 08:06 note comes with a retirement, so it is shown; notes alone are not */
    assert_non_null(strstr(out, "2026-03-02T08:06:00Z   note: ramp_up: 5 sessions / (2 hosts x "));
    assert_null(strstr(out, "T08:01:00Z"));
    free(out);
    assert_int_equal(
        vm(&out, "farm", "log", "sim", "--state-dir", dir, "--since", "2026-03-02T08:07Z", NULL),
        0);
    assert_null(strstr(out, "08:05"));
    assert_non_null(strstr(out, "drain sim-002 [done]"));
    free(out);
    assert_int_equal(vm(&out, "farm", "log", "sim", "--state-dir", dir, "--json", "--since",
                        "2026-03-02T08:09Z", NULL),
                     0);
    assert_string_equal(strstr(out, "\"actions\""),
                        with_farm("\"actions\":[{\"action\":\"retire\",\"host\":\"sim-002\","
                                  "\"hypervisor\":\"",
                                  "\",\"rule\":\"drain: sim-002 has no sessions\",\"line\":"
                                  "\"drain: sim-002 has no sessions: retire sim-002\",\"outcome\":"
                                  "\"done\"}]}\n"));
    free(out);
    write_file(path_in("bad.decisions"), "{\"time\":\"2026-03-02T08:00:00Z\"}\nnot json\n");
    assert_int_equal(vm(NULL, "farm", "log", "bad", "--state-dir", dir, NULL), 2);
    assert_non_null(strstr(gf_err_message(), "bad.decisions:1: not a decision record"));
    assert_int_equal(vm(NULL, "farm", "log", "none", "--state-dir", dir, NULL), 2);
}

/* A trace with an admin's day in it: version 2 sealed, gone bad, a
 * roll-out to it asked for; then version 1 gone bad and two crashes.  The
 * simulator replays it through goldfarmd's tick: the roll-out's request,
 * its canary failing the gate, the rollback; replacements, one failing
 * soon after it was made, and the breaker opening.  Twice, byte for byte. */
static void rollout_rollback_and_breaker_replayed(void **state)
{
    char *pol = path_in("ro.conf"), *tr = path_in("ro.csv"), *out = NULL, *again = NULL;
    char text[8192];
    FILE *f;

    (void)state;
    snprintf(text, sizeof(text), "%s%s", policy_text,
             "health = { grace = \"60s\"; window = \"30m\"; mass_failure_min = 3; };\n"
             "rollout = { batch = 1; soak = \"5m\"; ready_timeout = \"5m\"; };\n");
    replace_in(text, sizeof(text), "min_hosts = 1; max_hosts = 4;",
               "min_hosts = 3; max_hosts = 6;");
    replace_in(text, sizeof(text), "load: { source = \"agent\"; };\n", "");
    write_file(pol, text);
    f = fopen(tr, "w");
    assert_non_null(f);
    fputs("timestamp,farm,sessions,event\n", f);
    for (int m = 0; m <= 150; m++) {
        static const struct {
            int m;
            const char *event;
        } events[] = {{10, "version 2"}, {11, "bad 2"}, {20, "rollout 2"},
                      {70, "bad 1"},     {80, "crash"}, {90, "crash"}};
        const char *ev = "";
        for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
            if (events[i].m == m)
                ev = events[i].event;
        fprintf(f, "2026-03-02T%02d:%02d,sim,12,%s\n", 9 + m / 60, m % 60, ev);
    }
    fclose(f);
    assert_int_equal(
        vm(&out, "simulate", "--policy", pol, "--trace", tr, "--farm-xml", farm_xml, NULL), 0);
    /* the roll-out, as goldfarmd would run it */
    assert_non_null(strstr(out, "rds-2022-gold v2 sealed"));
    assert_non_null(
        strstr(out, "rollout: request 'start to=2' taken: to rds-2022-gold v2 from v1"));
    assert_non_null(strstr(out, "rollout v1 -> v2: canary for"));
    assert_non_null(strstr(out, "failed its gate: guest agent silent for"));
    assert_non_null(strstr(out, "rollout to v2 rolled back: every host is on v1 again"));
    /* the breaker: a replacement of a bad version fails soon after it was made */
    assert_non_null(strstr(out, "image rds-2022-gold is likely bad: replacements stop"));
    assert_non_null(strstr(out, "but the breaker is open after failed replacements"));
    /* the summary counts them */
    assert_non_null(strstr(out, "breaker openings                               1"));
    assert_non_null(strstr(out, "crashes (from the trace)                       2"));
    {
        const char *at = strstr(out, "roll-out decisions");
        int n = 0;
        assert_non_null(at);
        assert_int_equal(sscanf(at + strlen("roll-out decisions"), "%d", &n), 1);
        assert_true(n >= 3); /* the request, the failure, the rollback's end */
    }
    assert_int_equal(
        vm(&again, "simulate", "--policy", pol, "--trace", tr, "--farm-xml", farm_xml, NULL), 0);
    assert_string_equal(out, again);
    free(out);
    free(again);
}

/* Resizes replayed from a trace's cpu and memory columns.  The sim farm
 * with vertical rules: 2 vCPUs and 4G, up to 4 vCPUs and 6G (the clone's
 * domain gets 6G as its maximum) in steps of 2 vCPUs and 2G; no smoothing;
 * 2 minutes over the marks to grow, 3 under them to give back, 2 between
 * resizes.  One host of 5 users:
 *
 * 08:00 no host: clone sim-001 (it serves at once).
 * 08:01 the users keep 1.9 vCPUs busy (95% of 2) and use 3900 MiB of 4096
 *       (4.8% available): both past their marks since 08:01.
 * 08:03 two minutes: resize sim-001 to 4 vCPUs and 6144M, live.
 * 08:04 1.9 vCPUs of 4 (47.5%), 3900 MiB of 6144 (36.5% available): between
 *       the marks.
 * 08:07 0.2 vCPUs (5%) and 1024 MiB (83% available): idle since 08:07.
 * 08:10 three minutes: resize sim-001 to 2 vCPUs and 4096M at next boot.
 *
 * Short of CPU and of memory: 08:01, 08:02, 08:03, a minute each. */
static void resizes_replayed_from_cpu_and_memory(void **state)
{
    char *pol = path_in("vertical.conf"), *tr = path_in("vertical.csv"), *log = path_in("v.log");
    char text[8192], *out = NULL, *again = NULL, *records;
    size_t len;
    static const struct {
        int cpu, memory;
    } load[] = {{100, 1024}, {190, 3900}, {190, 3900}, {190, 3900}, {190, 3900}, {190, 3900},
                {190, 3900}, {20, 1024},  {20, 1024},  {20, 1024},  {20, 1024},  {20, 1024}};
    FILE *f;

    (void)state;
    snprintf(text, sizeof(text), "%s", policy_text);
    replace_in(
        text, sizeof(text), "max_step = 3; hysteresis = 10; ",
        "max_step = 3; hysteresis = 10;\n  max_vcpus = 4; max_memory = \"6G\"; vcpu_step = 2; "
        "memory_step = \"2G\"; window = \"0s\";\n  grow_after = \"2m\"; shrink_after = "
        "\"3m\"; resize_cooldown = \"2m\"; cpu_above = 80; cpu_below = 20;\n"
        "  memory_below = 10; memory_above = 50; ");
    write_file(pol, text);
    f = fopen(tr, "w");
    assert_non_null(f);
    fputs("timestamp,farm,sessions,cpu,memory\n", f);
    for (size_t m = 0; m < sizeof(load) / sizeof(load[0]); m++)
        fprintf(f, "2026-03-02T08:%02zu,sim,5,%d,%d\n", m, load[m].cpu, load[m].memory);
    fclose(f);
    assert_int_equal(vm(&out, "simulate", "--policy", pol, "--trace", tr, "--farm-xml", farm_xml,
                        "--log", log, NULL),
                     0);
    assert_non_null(strstr(out, "\n2026-03-02 08:03 ramp_up: sim-001 CPU 95% > 80% for 2m with 2 "
                                "vCPUs and memory available 5% < 10% for 2m with 4096M: resize "
                                "sim-001 to 4 vCPUs and 6144M [done]\n"));
    assert_non_null(strstr(out, "\n2026-03-02 08:10 ramp_up: sim-001 CPU 5% < 20% for 3m with 4 "
                                "vCPUs and memory available 83% > 50% for 3m with 6144M: resize "
                                "sim-001 to 2 vCPUs and 4096M at next boot [done]\n"));
    ASSERT_ROW(out, "resizes", "2");
    ASSERT_ROW(out, "vCPUs added (live)", "2");
    ASSERT_ROW(out, "memory added (live)", "2048M");
    ASSERT_ROW(out, "shrinks (at next boot)", "1");
    ASSERT_ROW(out, "host-minutes short of CPU", "3.0");
    ASSERT_ROW(out, "host-minutes short of memory", "3.0");
    ASSERT_ROW(out, "failed actions", "0");
    /* the decision log has the resizes' numbers */
    records = slurp(log, &len);
    assert_non_null(strstr(records, "\"action\":\"resize\",\"host\":\"sim-001\","));
    assert_non_null(strstr(records, "\"vcpus\":4,\"memory_kib\":6291456,\"at_next_boot\":false,"));
    assert_non_null(strstr(records, "\"vcpus\":2,\"memory_kib\":4194304,\"at_next_boot\":true,"));
    free(records);
    /* the same simulation twice: byte-identical, its decision log too */
    assert_int_equal(vm(&again, "simulate", "--policy", pol, "--trace", tr, "--farm-xml", farm_xml,
                        "--log", path_in("v2.log"), NULL),
                     0);
    assert_string_equal(out, again);
    {
        size_t len2;
        char *a = slurp(log, &len), *b = slurp(path_in("v2.log"), &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(a, b, len);
        free(a);
        free(b);
    }
    free(out);
    free(again);
}

/* The standby kinds' start times (lib/simulate/sim_standby.h), at 5 s steps
 * (tick 5 s), boot 60 s: one host in service of 10 users, one standby of
 * the kind under test; 5 users until 08:05, then 15.
 *
 * 08:00 clone sim-001 (serves at once: the farm as it stood) and the
 *       standby sim-002; a saved or running one boots (the first
 *       evaluation: booted at once).
 * 08:00:05 saved: sim-002 runs and its agent answers: save it (no more
 *       host-hours).
 * 08:05 15 users > 80% of 10: start sim-002, clone the standby sim-003.
 *       Off: it boots, 60 s: 5 users refused 1.0 min, 5.0 user-minutes.
 *       Saved: it restores, boot / 5 = 12 s, served from the 08:05:15
 *       step: 15 s refused = 0.25 min ("0.2"), 75 user-s ("1.2"); with
 *       --restore-time 30s: 0.5 min, 2.5 user-minutes.
 *       Running: it joins at once: nothing refused.
 * Host-hours: sim-001 600 s; off: sim-002 300 s = 0.25 h; saved: sim-002
 * 5 + 300, sim-003 60 s booting before its save = 965 s = 0.27 h;
 * running: sim-002 600, sim-003 300 = 1500 s = 0.42 h. */
static void standby_kinds_start_times_modelled(void **state)
{
    static const char *const kinds[] = {"off", "saved", "running", "saved"};
    static const char *const over[] = {"1.0", "0.2", "0.0", "0.5"};
    static const char *const refused[] = {"5.0", "1.2", "0.0", "2.5"};
    static const char *const hours[] = {"0.25", "0.27", "0.42", "0.27"};
    static const char *const mean[] = {NULL, "12.0", "0.0", "30.0"};
    char conf[PATH_MAX], text[4096], csv[64 * 12], *out;

    (void)state;
    snprintf(csv, sizeof(csv), "timestamp,farm,sessions\n");
    for (int m = 0; m < 10; m++)
        snprintf(csv + strlen(csv), sizeof(csv) - strlen(csv), "2026-03-02T08:%02d,sim,%d\n", m,
                 m < 5 ? 5 : 15);
    write_file(path_in("kinds.csv"), csv);
    for (int k = 0; k < 4; k++) {
        snprintf(conf, sizeof(conf), "%s/kind-%d.conf", dir, k);
        snprintf(text, sizeof(text),
                 "farm: { name = \"sim\"; hypervisors = ( { uri = \"test:///default\"; } );\n"
                 "  image = \"rds-2022-gold\"; host_name = \"sim-%%03d\"; vcpus = 2; memory = "
                 "\"4G\";\n  max_sessions = 10; min_hosts = 1; max_hosts = 4; tick = \"5s\"; };\n"
                 "schedule: { timezone = \"UTC\"; all: { days = [\"mon\", \"tue\", \"wed\", "
                 "\"thu\", \"fri\", \"sat\", \"sun\"];\n"
                 "  ramp_up = { start = \"07:00\"; min_hosts = 1; standby = 1; standby_kind = "
                 "\"%s\"; };\n  peak = { start = \"09:00\"; };\n"
                 "  ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; };\n"
                 "scaling: { cooldown_out = \"60s\"; cooldown_in = \"10m\"; };\n"
                 "load: { source = \"agent\"; };\n",
                 kinds[k]);
        write_file(conf, text);
        assert_int_equal(vm(&out, "simulate", "--policy", conf, "--trace", path_in("kinds.csv"),
                            "--farm-xml", farm_xml, "--boot-time", "60s",
                            k == 3 ? "--restore-time" : NULL, "30s", NULL),
                         0);
        ASSERT_ROW(out, "minutes over capacity", over[k]);
        ASSERT_ROW(out, "user-minutes refused", refused[k]);
        ASSERT_ROW(out, "host-hours", hours[k]);
        ASSERT_ROW(out, "starts", "1");
        if (mean[k])
            ASSERT_ROW(out, "mean start to serving (s)", mean[k]);
        else /* no saved or running standby: the summary has none of their rows */
            assert_null(strstr(out, "mean start to serving"));
        if (k == 1) {
            ASSERT_ROW(out, "saved standbys saved", "2");
            ASSERT_ROW(out, "  of saved standbys (restored)", "1");
            assert_non_null(strstr(out, "\n2026-03-02 08:00:05 ramp_up: saved standby sim-002 is "
                                        "ready: save sim-002 [done]\n"));
            assert_non_null(strstr(out, ": start sim-002 (saved standby: restores) [done]\n"));
        }
        if (k == 2)
            assert_non_null(strstr(out, ": start sim-002 (running standby: joins) [done]\n"));
        free(out);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_worked_trace_gives_its_figures),
        cmocka_unit_test(same_simulation_twice_is_byte_identical),
        cmocka_unit_test(plots_are_valid_png_and_svg),
        cmocka_unit_test(bad_traces_exit_2_naming_the_line),
        cmocka_unit_test(two_policies_side_by_side),
        cmocka_unit_test(farm_log_reads_the_records),
        cmocka_unit_test(rollout_rollback_and_breaker_replayed),
        cmocka_unit_test(resizes_replayed_from_cpu_and_memory),
        cmocka_unit_test(standby_kinds_start_times_modelled),
    };

    if (argc < 2) {
        fprintf(stderr, "usage: %s DEMO-FARM.XML\n", argv[0]);
        return 2;
    }
    farm_xml = argv[1];
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", farm_xml);
    gf_err_init();
    gf_log_set_stream(NULL);
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
