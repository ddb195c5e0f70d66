/* test_resize_qemu.c - goldfarmd resizes a real guest by its CPU and memory, on a real
 * libvirtd with QEMU (TCG) and the tiny test guest.
 *
 * usage: test_resize_qemu GOLDFARMD VMCTL   (GOLDFARM_SRC = repository root)
 *
 * Farm "gfd": one host of 1 vCPU and 256M, which may grow to 2 vCPUs and 384M (its domain
 * gets those as its maximums when cloned), by steps of 1 vCPU and 128M; CPU over 40% (the
 * test machine is shared: a busy loop's vCPU may not get a whole core) or memory
 * available under 20% for 10 s grows it; CPU under 15% and memory available over 50% for
 * 30 s gives it back at its next boot.  `goldfarmd --once` runs tick by tick (its memory,
 * with each host's use over ticks, in the state directory), a tick every ~3 s.  In order,
 * on the one host:
 *
 *   1. the clone has room to grow (domain maximums 2 vCPUs and 384M, running 1 and 256M);
 *      idle, nothing is resized, and vmctl plan shows its CPU and memory (the balloon's);
 *   2. a busy loop in the guest (guest-exec): goldfarmd adds a vCPU live, and the guest
 *      sees it online in /proc/cpuinfo (read through the agent);
 *   3. the guest fills a tmpfs until little memory is available: goldfarmd raises the
 *      balloon to the domain's maximum, and the guest's MemTotal grows;
 *   4. the load stops: nothing is removed live (the guest keeps 2 CPUs and its memory),
 *      the shrink is written to the definition only ("at next boot"), once;
 *   5. the host shuts down (through its agent) and goldfarmd starts it again: it boots
 *      with 1 vCPU and 256M, and stays so.
 *
 * Only domains and volumes named gf-test-d-* are made and removed.  GOLDFARM_TEST_VERBOSE=1
 * prints every command and its output.
 */

#include "daemon_harness.h"
#include "guest_files.h"

#define H1 PREFIX "01"
#define GROW_WAIT 120.0 /* seconds for a sustained load to be acted on */
#define TICK_GAP 3.0    /* between two ticks: a CPU sample needs half a tick (2.5 s) */

static const char policy_fmt[] =
    "# written by test_resize_qemu: vertical rules on the real-QEMU farm\n"
    "farm: { name = \"" FARM "\"; hypervisors = ( { uri = \"" URI "\"; } );\n"
    "  image = \"" GOLD "\"; host_name = \"" PREFIX "%%02d\"; memory = \"256M\"; vcpus = 1;\n"
    "  max_sessions = 2; min_hosts = 1; max_hosts = 1; tick = \"5s\"; };\n"
    "schedule: { timezone = \"UTC\";\n"
    "  every_day: { days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"
    "    ramp_up   = { start = \"06:00\"; min_hosts = 1; threshold = 50; };\n"
    "    peak      = { start = \"09:00\"; min_hosts = 1; threshold = 50; };\n"
    "    ramp_down = { start = \"17:00\"; min_hosts = 1; threshold = 50; };\n"
    "    off_peak  = { start = \"20:00\"; min_hosts = 1; threshold = 50; }; }; };\n"
    "scaling = { cooldown_out = \"0s\"; cooldown_in = \"0s\"; hysteresis = 10;\n"
    "  max_vcpus = 2; max_memory = \"384M\"; vcpu_step = 1; memory_step = \"128M\";\n"
    "  window = \"5s\"; grow_after = \"10s\"; shrink_after = \"30s\"; resize_cooldown = \"10s\";\n"
    "  cpu_above = 40; cpu_below = 15; memory_below = 20; memory_above = 50; };\n"
    "drain = { wait = \"%ds\"; };\n"
    "load = { source = \"agent\"; };\n";

static int group_setup(void **state)
{
    char text[4096], path[PATH_MAX + 32];
    struct cmd c;

    (void)state;
    suite_setup("vertical");
    snprintf(text, sizeof(text), policy_fmt, DRAIN_WAIT);
    snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
    WRITE_FILE(path, text, 0644);
    VMCTL(&c, "policy", "check", path);
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    suite_teardown();
    return 0;
}

/* ---------------------------------------------------------------- helpers */

/* PATH inside H1, read through its guest agent (kept until released). */
#define GUEST_FILE(path) guest_file_at(__FILE__, __LINE__, path)
static char *guest_file_at(const char *file, int line, const char *path)
{
    char why[1024], *text;

    if (ga_read_file(H1, path, &text, why, sizeof(why)) < 0)
        failf(file, line, "reading %s in %s: %s", path, H1, why);
    return keep(text);
}

/* The CPUs H1's guest has online, as /proc/cpuinfo lists them. */
static int guest_cpus(void)
{
    char *text = GUEST_FILE("/proc/cpuinfo");
    int n = ga_count_lines(text, "processor");

    release(text);
    return n;
}

/* H1's guest's MemTotal, KiB. */
static long long guest_memtotal(void)
{
    char *text = GUEST_FILE("/proc/meminfo");
    long long kib = ga_field(text, "MemTotal");

    release(text);
    CHECK(kib > 0, "no MemTotal in %s's /proc/meminfo", H1);
    return kib;
}

/* `virsh vcpucount H1 WHICH...` as a number. */
static int vcpucount(const char *a, const char *b)
{
    char text[256];

    VIRSH_TEXT(text, "vcpucount", H1, a, b);
    return atoi(text);
}

/* The number of KIND (memory/currentMemory) in H1's XML (FLAG: --inactive or NULL), KiB. */
static long long xml_memory(const char *kind, int inactive)
{
    char text[65536], tag[64];
    const char *at;

    if (inactive)
        VIRSH_TEXT(text, "dumpxml", H1, "--inactive");
    else
        VIRSH_TEXT(text, "dumpxml", H1);
    snprintf(tag, sizeof(tag), "<%s unit='KiB'>", kind);
    CHECK((at = strstr(text, tag)), "no %s in %s's XML:\n%s", tag, H1, text);
    return atoll(at + strlen(tag));
}

/* Whether LOG has a line holding WANT that ends in "[done]". */
static int done_line(const char *log, const char *want)
{
    for (const char *at = strstr(log, want); at; at = strstr(at + 1, want)) {
        size_t end = strcspn(at, "\n");
        if (end >= 6 && strncmp(at + end - 6, "[done]", 6) == 0)
            return 1;
    }
    return 0;
}

/* Tick until the ticks' logs hold a done action line with each of WANT (NULL-terminated;
 * one line may hold several); every tick's log into LOG (LEN bytes).  Fails after
 * GROW_WAIT seconds, with the log and what vmctl plan says of the farm then. */
static void tick_until(const char *file, int line, char *log, size_t len, ...)
{
    double deadline = now_s() + GROW_WAIT;
    size_t used = 0;

    log[0] = '\0';
    for (;;) {
        const char *want;
        struct cmd c;
        va_list ap;
        int all = 1;
        gfd_once_at(file, line, &c, NULL);
        expect_exit(file, line, &c, 0);
        used += (size_t)snprintf(log + used, used < len ? len - used : 0, "%s", c.r.err);
        cmd_free(&c);
        va_start(ap, len);
        while ((want = va_arg(ap, const char *)))
            all &= done_line(log, want);
        va_end(ap);
        if (all)
            return;
        if (now_s() >= deadline) {
            char path[PATH_MAX + 32];
            snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
            VMCTL(&c, "plan", "--policy", path, "--state-dir", g.state);
            print_message("--- the ticks:\n%s--- vmctl plan now:\n%s%s", log, c.r.out, c.r.err);
            failf(file, line, "the ticks did not do what was expected within %.0f s (above)",
                  GROW_WAIT);
        }
        nap(TICK_GAP);
    }
}
#define TICK_UNTIL(log, ...) tick_until(__FILE__, __LINE__, log, sizeof(log), __VA_ARGS__, NULL)

/* Tick N times, TICK_GAP apart: none may resize. */
static void ticks_resize_nothing(const char *file, int line, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        struct cmd c;
        nap(TICK_GAP);
        gfd_once_at(file, line, &c, NULL);
        expect_exit(file, line, &c, 0);
        if (strstr(c.r.err, ": resize "))
            failf(file, line, "%s, a tick resized:\n%s", what, c.r.err);
        cmd_free(&c);
    }
}
#define TICKS_RESIZE_NOTHING(n, what) ticks_resize_nothing(__FILE__, __LINE__, n, what)

/* Wait up to SECONDS for H1's live balloon (currentMemory) to be KIB. */
static long long wait_balloon(long long kib, double seconds)
{
    double deadline = now_s() + seconds;
    long long now;

    while ((now = xml_memory("currentMemory", 0)) != kib && now_s() < deadline)
        nap(0.5);
    return now;
}

/* ---------------------------------------------------------------- 1. room to grow */

static void test_clone_has_room_to_grow_and_idle_stays(void **state)
{
    struct cmd c;

    (void)state;
    TICK(&c);
    CHECK(strstr(c.r.err, "clone " H1) && strstr(c.r.err, "[done]"), "no clone of " H1 ":\n%s",
          c.r.err);
    cmd_free(&c);
    WAIT_AGENT(H1);
    CHECK(vcpucount("--maximum", "--config") == 2 && vcpucount("--current", "--live") == 1,
          "%s: vCPUs maximum %d, running %d; expected 2 and 1", H1,
          vcpucount("--maximum", "--config"), vcpucount("--current", "--live"));
    CHECK(xml_memory("memory", 0) == 393216 && xml_memory("currentMemory", 0) == 262144,
          "%s: memory maximum %lld KiB, current %lld KiB; expected 393216 and 262144", H1,
          xml_memory("memory", 0), xml_memory("currentMemory", 0));
    CHECK(guest_cpus() == 1, "the guest has %d CPUs online, expected 1", guest_cpus());
    TICKS_RESIZE_NOTHING(4, "idle");
    /* vmctl plan shows the host's use: its CPU from two samples (the daemon's memory and
     * now), its memory from the balloon */
    {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/" FARM ".conf", g.policies);
        VMCTL(&c, "plan", "--policy", path, "--state-dir", g.state);
    }
    EXPECT_EXIT(&c, 0);
    CHECK(strstr(c.r.out, "# " H1 ": 1 vCPUs, 256M; CPU ") &&
              !strstr(c.r.out, "CPU unknown, memory") && !strstr(c.r.out, "available unknown"),
          "vmctl plan does not show %s's CPU and memory:\n%s", H1, c.r.out);
    cmd_free(&c);
}

/* ---------------------------------------------------------------- 2. CPU: a vCPU live */

static void test_cpu_burn_adds_a_vcpu_live(void **state)
{
    static char log[65536];
    char *decisions, path[PATH_MAX + 32];

    (void)state;
    CHECK(guest_sh_at(__FILE__, __LINE__, H1,
                      "(while :; do :; done) >/dev/null 2>&1 & echo $! > /run/burn.pid") == 0,
          "the busy loop did not start in %s", H1);
    TICK_UNTIL(log, ": resize " H1 " to 2 vCPUs");
    CHECK(strstr(log, H1 " CPU ") && strstr(log, "% > 40% for ") && strstr(log, "with 1 vCPU:"),
          "the resize's rule lacks its numbers:\n%s", log);
    CHECK(!strstr(log, "at next boot"), "a shrink while the CPU burned:\n%s", log);
    CHECK(vcpucount("--current", "--live") == 2, "%s runs %d vCPUs after the resize", H1,
          vcpucount("--current", "--live"));
    CHECK(vcpucount("--current", "--config") == 2, "%s's definition has %d vCPUs", H1,
          vcpucount("--current", "--config"));
    {
        /* the guest sees it online (goldfarmd onlines it through the agent) */
        double deadline = now_s() + 10;
        int cpus;
        while ((cpus = guest_cpus()) < 2 && now_s() < deadline)
            nap(0.5);
        CHECK(cpus == 2, "the guest's /proc/cpuinfo lists %d CPUs after the hot-add", cpus);
    }
    EXPECT_META(H1, "boot-vcpus", "");
    snprintf(path, sizeof(path), "%s/" FARM ".decisions", g.state);
    decisions = slurp(path);
    CHECK(strstr(decisions, "\"action\":\"resize\",\"host\":\"" H1 "\"") &&
              strstr(decisions, "\"vcpus\":2,\"at_next_boot\":false"),
          "the decision log lacks the resize:\n%s", decisions);
    release(decisions);
    CHECK(guest_sh_at(__FILE__, __LINE__, H1, "kill $(cat /run/burn.pid)") == 0,
          "the busy loop did not stop");
}

/* ---------------------------------------------------------------- 3. memory: the balloon */

static void test_memory_pressure_raises_the_balloon(void **state)
{
    static char log[65536];
    long long before = guest_memtotal(), after = 0;

    (void)state;
    /* fill a tmpfs until 12% of the guest's memory is available */
    CHECK(guest_sh_at(__FILE__, __LINE__, H1,
                      "mkdir -p /mnt/fill && mount -t tmpfs -o size=95% tmpfs /mnt/fill && "
                      "t=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo) && "
                      "a=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo) && "
                      "dd if=/dev/zero of=/mnt/fill/f bs=1M count=$(( (a - t * 12 / 100) / 1024 )) "
                      ">/dev/null 2>&1") == 0,
          "the guest could not fill its memory");
    TICK_UNTIL(log, ": resize " H1 " to 384M");
    CHECK(!strstr(log, "at next boot"), "a shrink while memory was short:\n%s", log);
    CHECK(strstr(log, H1 " memory available ") && strstr(log, "% < 20% for ") &&
              strstr(log, "with 256M:"),
          "the resize's rule lacks its numbers:\n%s", log);
    {
        long long balloon = wait_balloon(393216, 15);
        CHECK(balloon == 393216, "%s's balloon is at %lld KiB, not 393216", H1, balloon);
    }
    {
        double deadline = now_s() + 15;
        while ((after = guest_memtotal()) < before + 100 * 1024 && now_s() < deadline)
            nap(0.5);
    }
    CHECK(after >= before + 100 * 1024,
          "the guest's MemTotal went from %lld to %lld KiB: the balloon gave it nothing", before,
          after);
}

/* ---------------------------------------------------------------- 4. idle: at next boot */

static void test_idle_shrinks_at_next_boot_only(void **state)
{
    static char log[65536];

    (void)state;
    CHECK(guest_sh_at(__FILE__, __LINE__, H1, "rm -f /mnt/fill/f && umount /mnt/fill") == 0,
          "the guest could not give its memory back");
    /* one resize, or one for the vCPUs and one for the memory (whichever idled first) */
    TICK_UNTIL(log, ": resize " H1 " to 1 vCPU", "256M at next boot");
    CHECK(done_line(log, "1 vCPU at next boot") || done_line(log, "1 vCPU and 256M at next boot"),
          "the vCPUs were not given back at next boot:\n%s", log);
    CHECK(strstr(log, "% < 15% for ") && strstr(log, "% > 50% for "),
          "the shrink's rule lacks its numbers:\n%s", log);
    /* nothing removed live */
    CHECK(vcpucount("--current", "--live") == 2, "%s runs %d vCPUs: removed live", H1,
          vcpucount("--current", "--live"));
    CHECK(guest_cpus() == 2, "the guest has %d CPUs online: removed live", guest_cpus());
    CHECK(xml_memory("currentMemory", 0) == 393216, "%s's balloon went to %lld KiB live", H1,
          xml_memory("currentMemory", 0));
    /* its definition has the farm's size, for its next boot */
    CHECK(vcpucount("--current", "--config") == 1, "%s's definition has %d vCPUs", H1,
          vcpucount("--current", "--config"));
    CHECK(xml_memory("currentMemory", 1) == 262144, "%s's definition has %lld KiB", H1,
          xml_memory("currentMemory", 1));
    EXPECT_META(H1, "boot-vcpus", "1");
    EXPECT_META(H1, "boot-memory", "256M");
    TICKS_RESIZE_NOTHING(3, "the shrink waiting for the next boot");
}

/* ---------------------------------------------------------------- 5. the next boot */

static void test_restart_boots_at_the_farms_size(void **state)
{
    struct cmd c;
    double deadline;

    (void)state;
    VIRSH(&c, "shutdown", H1, "--mode", "agent");
    EXPECT_EXIT(&c, 0);
    cmd_free(&c);
    deadline = now_s() + 60;
    for (;;) {
        char text[256];
        VIRSH_TEXT(text, "domstate", H1);
        if (strcmp(text, "shut off") == 0)
            break;
        CHECK(now_s() < deadline, "%s did not shut down through its agent: %s", H1, text);
        nap(0.5);
    }
    /* goldfarmd starts the host the farm needs again: it boots at the farm's size */
    TICK(&c);
    CHECK(strstr(c.r.err, "start " H1) && strstr(c.r.err, "[done]"), "%s was not started:\n%s", H1,
          c.r.err);
    cmd_free(&c);
    WAIT_AGENT(H1);
    CHECK(vcpucount("--current", "--live") == 1, "%s runs %d vCPUs after its restart", H1,
          vcpucount("--current", "--live"));
    CHECK(xml_memory("currentMemory", 0) == 262144, "%s runs with %lld KiB after its restart", H1,
          xml_memory("currentMemory", 0));
    CHECK(guest_cpus() == 1, "the guest has %d CPUs after its restart", guest_cpus());
    CHECK(guest_memtotal() < 256 * 1024, "the guest's MemTotal is %lld KiB after its restart",
          guest_memtotal());
    TICKS_RESIZE_NOTHING(3, "at the farm's size after the restart");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clone_has_room_to_grow_and_idle_stays),
        cmocka_unit_test(test_cpu_burn_adds_a_vcpu_live),
        cmocka_unit_test(test_memory_pressure_raises_the_balloon),
        cmocka_unit_test(test_idle_shrinks_at_next_boot_only),
        cmocka_unit_test(test_restart_boots_at_the_farms_size),
    };

    if (harness_args(argc, argv) < 0)
        return 2;
    return cmocka_run_group_tests_name("qemu_resize", tests, group_setup, group_teardown);
}
