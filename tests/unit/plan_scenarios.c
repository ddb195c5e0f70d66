/* plan_scenarios.c - the planner's table of scenarios (see
 * plan_scenarios.h): the four policies and what each farm at each moment
 * must plan, line by line. */
#include "plan_scenarios.h"

/* ---- the policies ---- */

#define FARM_ONE_HV                                                                                \
    "farm: {\n"                                                                                    \
    "  name = \"rds\";\n"                                                                          \
    "  hypervisors = ( { uri = \"qemu+ssh://hv1/system\"; max_hosts = 12; } );\n"                  \
    "  image = \"rds-2022\";\n"                                                                    \
    "  host_name = \"rds-%03d\";\n"                                                                \
    "  vcpus = 4;\n"                                                                               \
    "  memory = \"16G\";\n"                                                                        \
    "  max_sessions = 25;\n"                                                                       \
    "  min_hosts = 1;\n"                                                                           \
    "  max_hosts = 12;\n"                                                                          \
    "};\n"

#define FARM_TWO_HV                                                                                \
    "farm: {\n"                                                                                    \
    "  name = \"rds\";\n"                                                                          \
    "  hypervisors = ( { uri = \"qemu+ssh://hv1/system\"; max_hosts = 8; },\n"                     \
    "                  { uri = \"qemu+ssh://hv2/system\"; max_hosts = 8; } );\n"                   \
    "  image = \"rds-2022\";\n"                                                                    \
    "  host_name = \"rds-%03d\";\n"                                                                \
    "  vcpus = 4;\n"                                                                               \
    "  memory = \"16G\";\n"                                                                        \
    "  max_sessions = 25;\n"                                                                       \
    "  min_hosts = 1;\n"                                                                           \
    "  max_hosts = 12;\n"                                                                          \
    "};\n"

/* Weekdays: ramp_up 07:00 (min 4, 60%, one standby), peak 09:00 (min 2, 80%,
 * breadth), ramp_down 17:00 (min 2, 80%, depth), off_peak 19:00 (min 1, 90%,
 * depth).  Weekend: ramp_up 09:00 (min 2, 70%), peak 10:00, ramp_down 14:00,
 * off_peak 17:00 (min 1, 80%, depth).  24 Dec runs as a weekend day, 25 Dec
 * is off-peak all day. */
#define SCHEDULE                                                                                   \
    "schedule: {\n"                                                                                \
    "  timezone = \"Europe/Berlin\";\n"                                                            \
    "  weekdays: {\n"                                                                              \
    "    days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"];\n"                                  \
    "    ramp_up   = { start = \"07:00\"; min_hosts = 4; threshold = 60; standby = 1; };\n"        \
    "    peak      = { start = \"09:00\"; min_hosts = 2; threshold = 80; balance = \"breadth\"; "  \
    "};\n"                                                                                         \
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; threshold = 80; balance = \"depth\"; "    \
    "};\n"                                                                                         \
    "    off_peak  = { start = \"19:00\"; min_hosts = 1; threshold = 90; balance = \"depth\"; "    \
    "};\n"                                                                                         \
    "  };\n"                                                                                       \
    "  weekend: {\n"                                                                               \
    "    days = [\"sat\", \"sun\"];\n"                                                             \
    "    ramp_up   = { start = \"09:00\"; min_hosts = 2; threshold = 70; };\n"                     \
    "    peak      = { start = \"10:00\"; min_hosts = 2; };\n"                                     \
    "    ramp_down = { start = \"14:00\"; min_hosts = 1; balance = \"depth\"; };\n"                \
    "    off_peak  = { start = \"17:00\"; min_hosts = 1; balance = \"depth\"; };\n"                \
    "  };\n"                                                                                       \
    "  holidays = ( { date = \"2026-12-24\"; as = \"weekend\"; },\n"                               \
    "               { date = \"2026-12-25\"; as = \"off_peak\"; } );\n"                            \
    "};\n"

/* The same schedule, with weekday nights only giving back (resize = "shrink"). */
#define SCHEDULE_SHRINK_OFF_PEAK                                                                   \
    "schedule: {\n"                                                                                \
    "  timezone = \"Europe/Berlin\";\n"                                                            \
    "  weekdays: {\n"                                                                              \
    "    days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"];\n"                                  \
    "    ramp_up   = { start = \"07:00\"; min_hosts = 4; threshold = 60; standby = 1; };\n"        \
    "    peak      = { start = \"09:00\"; min_hosts = 2; threshold = 80; };\n"                     \
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; threshold = 80; balance = \"depth\"; "    \
    "};\n"                                                                                         \
    "    off_peak  = { start = \"19:00\"; min_hosts = 1; threshold = 90; balance = \"depth\";\n"   \
    "                  resize = \"shrink\"; };\n"                                                  \
    "  };\n"                                                                                       \
    "  weekend: { days = [\"sat\", \"sun\"]; ramp_up = { start = \"09:00\"; };\n"                  \
    "    peak = { start = \"10:00\"; }; ramp_down = { start = \"14:00\"; };\n"                     \
    "    off_peak = { start = \"17:00\"; }; };\n"                                                  \
    "};\n"

#define SCALING                                                                                    \
    "scaling = { cooldown_out = \"5m\"; cooldown_in = \"15m\"; max_step = 3; hysteresis = 10; "
#define DRAIN(empty) "drain = { wait = \"30m\"; empty_when = \"" empty "\"; };\n"

/* The vertical rules: CPU above 80% (below 20%), memory available below
 * 10% (above 50%), for 5 minutes to grow (30 to shrink), 10 minutes
 * between two resizes of a host, steps of 2 vCPUs and 4G. */
#define VERTICAL                                                                                   \
    "max_vcpus = 8; max_memory = \"32G\"; vcpu_step = 2; memory_step = \"4G\";\n"                  \
    "  grow_after = \"5m\"; shrink_after = \"30m\"; resize_cooldown = \"10m\";\n"                  \
    "  cpu_above = 80; cpu_below = 20; memory_below = 10; memory_above = 50; cpu_overcommit = 4; "

/* Sessions, CPU and memory counted, memory at 80%. */
#define WEIGHTS                                                                                    \
    "load = { source = \"agent\"; weights = { sessions = 100; cpu = 100; memory = 80; }; };\n"

/* Standby kinds: ramp_up keeps one saved standby, peak one running one. */
#define SCHEDULE_KINDS                                                                             \
    "schedule: {\n"                                                                                \
    "  timezone = \"Europe/Berlin\";\n"                                                            \
    "  weekdays: {\n"                                                                              \
    "    days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"];\n"                \
    "    ramp_up   = { start = \"07:00\"; min_hosts = 4; threshold = 60; standby = 1;\n"           \
    "                  standby_kind = \"saved\"; };\n"                                             \
    "    peak      = { start = \"09:00\"; min_hosts = 2; standby = 1; standby_kind = "             \
    "\"running\"; "                                                                                \
    "};\n"                                                                                         \
    "    ramp_down = { start = \"17:00\"; min_hosts = 2; };\n"                                     \
    "    off_peak  = { start = \"19:00\"; min_hosts = 1; };\n"                                     \
    "  };\n"                                                                                       \
    "};\n"

const char *const policy_texts[NPOLICIES] = {
    [P_BASE] = FARM_ONE_HV SCHEDULE SCALING "};\n" DRAIN("no_active_sessions"),
    [P_NO_SESSIONS] = FARM_ONE_HV SCHEDULE SCALING "};\n" DRAIN("no_sessions"),
    [P_TWO] = FARM_TWO_HV SCHEDULE SCALING "};\n" DRAIN("no_active_sessions"),
    [P_VERTICAL] =
        FARM_ONE_HV SCHEDULE_SHRINK_OFF_PEAK SCALING VERTICAL "};\n" DRAIN("no_active_sessions"),
    [P_SIGNALS] = FARM_ONE_HV SCHEDULE SCALING "};\n" DRAIN("no_active_sessions") WEIGHTS,
    [P_TWO_HEALTH] = FARM_TWO_HV SCHEDULE SCALING
    "};\n" DRAIN("no_active_sessions") "health = { grace = \"60s\"; };\n",
    [P_KINDS] = FARM_ONE_HV SCHEDULE_KINDS SCALING "};\n" DRAIN("no_active_sessions"),
};

/* the note of a plan whose second node does not answer */
#define LOST_HV2                                                                                   \
    "node " HV2                                                                                    \
    " does not answer: its hosts are neither counted nor touched; the farm is kept on "            \
    "the 1 that answers"

/* ---- scenarios ---- */

const struct scenario scenarios[] = {
    /* ---- the phase minimum ---- */
    {"below the minimum: start standby first, then shut-off active hosts, then clone", P_BASE,
     RAMP_UP,
     .hosts = {{"rds-001", 10}, {"rds-002", .state = 's', .run = 'O'}, {"rds-003", .run = 'O'}},
     .expect = {"ramp_up: 1 host in service < minimum 4: start rds-002 (standby)",
                "ramp_up: 1 host in service < minimum 4: start rds-003",
                "ramp_up: 1 host in service < minimum 4: clone rds-004 on " HV1,
                "ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},
    {"below the minimum with nothing to start: clone", P_BASE, PEAK, .hosts = {{"rds-001", 10}},
     .expect = {"peak: 1 host in service < minimum 2: clone rds-002 on " HV1}},
    {"the later standby host is started first when both are equal", P_BASE, PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-002", .state = 's', .run = 'O'},
               {"rds-003", .state = 's', .run = 'O'}},
     .expect = {"peak: 1 host in service < minimum 2: start rds-003 (standby)",
                "peak: 1 standby > 0: retire rds-002"}},
    {"off-peak at the minimum: nothing to do", P_BASE, OFF_PEAK, .hosts = {{"rds-001", 2}}},

    /* ---- scaling out by load ---- */
    {"scale out by load: hv1 holds 9 hosts (max 8), hv2 takes both clones; rds-010 is taken", P_TWO,
     PEAK, .spread_n = 9, .spread = 212, .hosts = {{"rds-010", .state = 'q', .run = 'O', .hv = 1}},
     .free_gib = {40, 100},
     .expect = {"peak: 212 sessions / (9 hosts x 25) = 94% > 80%: clone rds-011 on " HV2,
                "peak: 212 sessions / (9 hosts x 25) = 94% > 80%: clone rds-012 on " HV2}},
    {"the example of the issue: 212 sessions on 9 hosts: hv1 has fewer, then hv2 the most memory",
     P_TWO, PEAK,
     .hosts = {{"rds-001", 24},
               {"rds-002", 24},
               {"rds-003", 24},
               {"rds-004", 24},
               {"rds-005", 24, .hv = 1},
               {"rds-006", 24, .hv = 1},
               {"rds-007", 24, .hv = 1},
               {"rds-008", 24, .hv = 1},
               {"rds-009", 20, .hv = 1}},
     .free_gib = {40, 100},
     .expect = {"peak: 212 sessions / (9 hosts x 25) = 94% > 80%: clone rds-010 on " HV1,
                "peak: 212 sessions / (9 hosts x 25) = 94% > 80%: clone rds-011 on " HV2}},
    {"max_step limits one tick's scale-out", P_BASE, PEAK, .spread_n = 4, .spread = 160,
     .expect = {"peak: 160 sessions / (4 hosts x 25) = 160% > 80%: clone rds-005 on " HV1,
                "peak: 160 sessions / (4 hosts x 25) = 160% > 80%: clone rds-006 on " HV1,
                "peak: 160 sessions / (4 hosts x 25) = 160% > 80%: clone rds-007 on " HV1}},
    {"farm.max_hosts reached: a note, no clone", P_BASE, PEAK, .spread_n = 11, .spread = 300,
     .hosts = {{"rds-012", .run = 'X'}},
     .expect = {"peak: 300 sessions / (11 hosts x 25) = 109% > 80%: farm.max_hosts 12 reached: "
                "no clone"}},
    {"at exactly the threshold: no scale-out", P_BASE, PEAK, .spread_n = 4, .spread = 80},

    /* ---- cooldowns ---- */
    {"cooldown after a scale-out blocks scale-out by load", P_BASE, PEAK, .spread_n = 4,
     .spread = 90, .out_ago = 120,
     .expect = {"peak: 90 sessions / (4 hosts x 25) = 90% > 80%: no scale-out before 10:03:00 "
                "(cooldown_out 300s)"}},
    {"the cooldown is over after 300s", P_BASE, PEAK, .spread_n = 4, .spread = 90, .out_ago = 300,
     .expect = {"peak: 90 sessions / (4 hosts x 25) = 90% > 80%: clone rds-005 on " HV1}},
    {"cooldown does not block the phase minimum", P_BASE, RAMP_UP, .spread_n = 2, .spread = 40,
     .out_ago = 60,
     .expect = {"ramp_up: 2 hosts in service < minimum 4: clone rds-003 on " HV1,
                "ramp_up: 2 hosts in service < minimum 4: clone rds-004 on " HV1,
                "ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},
    {"cooldown: the load needs more than the minimum: a note, and the minimum", P_BASE, RAMP_UP,
     .spread_n = 3, .spread = 100, .out_ago = 60,
     .expect = {"ramp_up: 100 sessions / (3 hosts x 25) = 133% > 60%: no scale-out before 07:34:00 "
                "(cooldown_out 300s)",
                "ramp_up: 3 hosts in service < minimum 4: clone rds-004 on " HV1,
                "ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},
    {"cooldown after a scale-in blocks scale-in", P_BASE, RAMP_DOWN,
     .hosts = {{"rds-001", 20},
               {"rds-002", 3},
               {"rds-003", 18},
               {"rds-004", 1},
               {"rds-005", 15},
               {"rds-006", 0},
               {"rds-007", 12},
               {"rds-008", 2}},
     .in_ago = 300,
     .expect = {"ramp_down: 71 sessions / (8 hosts x 25) = 36% < 70%: no scale-in before 17:40:00 "
                "(cooldown_in 900s)"}},

    /* ---- a load hovering at the threshold does not flap (one tick a row) ---- */
    {"hover 1: 82% > 80%: one clone", P_BASE, "2026-11-23T10:00", .spread_n = 10, .spread = 205,
     .expect = {"peak: 205 sessions / (10 hosts x 25) = 82% > 80%: clone rds-011 on " HV1}},
    {"hover 2: the clone is in service, 75%: above 80% - 10, nothing", P_BASE, "2026-11-23T10:05",
     .spread_n = 11, .spread = 205, .out_ago = 60},
    {"hover 3: 80% exactly: not above the threshold, nothing", P_BASE, "2026-11-23T10:20",
     .spread_n = 11, .spread = 220, .out_ago = 1200},
    {"hover 4: 71%: still above 70%, nothing", P_BASE, "2026-11-23T10:35", .spread_n = 11,
     .spread = 195, .out_ago = 2100},
    {"hover 5: 69%, but draining one would leave 76% > 70%: nothing", P_BASE, "2026-11-23T10:50",
     .spread_n = 11, .spread = 190, .out_ago = 3000},
    {"hover 6: 62%: a real drop, one host drains (breadth)", P_BASE, "2026-11-23T11:05",
     .spread_n = 11, .spread = 170, .out_ago = 3900,
     .expect = {"peak: 170 sessions / (11 hosts x 25) = 62% < 70% (80% - 10): rds-011 has 15 "
                "sessions, the fewest (breadth): drain rds-011"}},

    /* ---- scaling in ---- */
    {"scale in depth-first: up to max_step, least-loaded first", P_BASE, RAMP_DOWN,
     .hosts = {{"rds-001", 20},
               {"rds-002", 3},
               {"rds-003", 18},
               {"rds-004", 1},
               {"rds-005", 15},
               {"rds-006", 0},
               {"rds-007", 12},
               {"rds-008", 2}},
     .expect = {"ramp_down: 71 sessions / (8 hosts x 25) = 36% < 70% (80% - 10): rds-006 has 0 "
                "sessions, the fewest (depth): drain rds-006",
                "ramp_down: 71 sessions / (8 hosts x 25) = 36% < 70% (80% - 10): rds-004 has 1 "
                "session, the fewest (depth): drain rds-004",
                "ramp_down: 71 sessions / (8 hosts x 25) = 36% < 70% (80% - 10): rds-008 has 2 "
                "sessions, the fewest (depth): drain rds-008"}},
    {"scale in breadth-first: one host a tick", P_BASE, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 3},
               {"rds-003", 18},
               {"rds-004", 1},
               {"rds-005", 15},
               {"rds-006", 0},
               {"rds-007", 12},
               {"rds-008", 2}},
     .expect = {"peak: 71 sessions / (8 hosts x 25) = 36% < 70% (80% - 10): rds-006 has 0 "
                "sessions, the fewest (breadth): drain rds-006"}},
    {"scale in never below the phase minimum", P_BASE, RAMP_DOWN, .spread_n = 3, .spread = 3,
     .expect = {"ramp_down: 3 sessions / (3 hosts x 25) = 4% < 70% (80% - 10): rds-003 has 1 "
                "session, the fewest (depth): drain rds-003"}},
    {"at the phase minimum: no scale-in", P_BASE, RAMP_DOWN, .spread_n = 2, .spread = 0},
    {"hosts on an unreachable hypervisor are not drained, even with the fewest sessions", P_TWO,
     PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-002", 0, .hv = 1},
               {"rds-003", 0, .hv = 1},
               {"rds-004", 1},
               {"rds-005", 2},
               {"rds-006", 12}},
     .unreachable = {0, 1},
     .expect = {LOST_HV2,
                "peak: 25 sessions / (4 hosts x 25) = 25% < 70% (80% - 10): rds-004 has 1 "
                "session, the fewest (breadth): drain rds-004"}},

    /* ---- draining hosts ---- */
    {"draining host with users, before the wait: nothing", P_BASE, PEAK,
     .hosts = {{"rds-001", 20}, {"rds-002", 20}, {"rds-003", 5, .state = 'd', .ago = 10}}},
    {"draining host with users, after the wait: logoff", P_BASE, PEAK,
     .hosts = {{"rds-001", 20}, {"rds-002", 20}, {"rds-003", 5, .state = 'd', .ago = 40}},
     .expect = {"drain: rds-003 draining 40m (wait 30m), 5 sessions left: logoff rds-003"}},
    {"draining host, logoff sent, users still there: nothing (never retired with users)", P_BASE,
     PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 1, .state = 'd', .ago = 300, .logoff_sent = 1}}},
    {"draining host, empty: retire", P_BASE, PEAK,
     .hosts = {{"rds-001", 20}, {"rds-002", 20}, {"rds-003", 0, .state = 'd', .ago = 5}},
     .expect = {"drain: rds-003 has no active sessions: retire rds-003"}},
    /* a disconnected user is a user: the drain wait and the logoff hook come
     * first (RDS users leave work open disconnected every day) */
    {"empty_when no_active_sessions: only disconnected sessions, in the wait: nothing", P_BASE,
     PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 3, .idle = 3, .state = 'd', .ago = 5}}},
    {"empty_when no_active_sessions: only disconnected sessions, wait up: logoff", P_BASE, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 3, .idle = 3, .state = 'd', .ago = 31}},
     .expect = {"drain: rds-003 draining 31m (wait 30m), 3 sessions left: logoff rds-003"}},
    {"empty_when no_active_sessions: disconnected sessions after the logoff: retire", P_BASE, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 3, .idle = 3, .state = 'd', .ago = 31, .logoff_sent = 1}},
     .expect = {"drain: rds-003 has no active sessions after its drain wait and logoff: retire "
                "rds-003"}},
    {"empty_when no_sessions: idle sessions keep it, before the wait", P_NO_SESSIONS, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 3, .idle = 3, .state = 'd', .ago = 5}}},
    {"empty_when no_sessions: idle sessions after the wait: logoff", P_NO_SESSIONS, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 3, .idle = 3, .state = 'd', .ago = 31}},
     .expect = {"drain: rds-003 draining 31m (wait 30m), 3 sessions left: logoff rds-003"}},
    {"empty_when no_sessions: empty: retire", P_NO_SESSIONS, PEAK,
     .hosts = {{"rds-001", 20}, {"rds-002", 20}, {"rds-003", 0, .state = 'd', .ago = 31}},
     .expect = {"drain: rds-003 has no sessions: retire rds-003"}},
    {"a draining host on an unreachable hypervisor is left alone", P_TWO, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 0, .state = 'd', .hv = 1, .ago = 60},
               {"rds-004", 4, .state = 'd', .hv = 1, .ago = 60}},
     .unreachable = {0, 1}, .expect = {LOST_HV2}},
    {"unknown sessions: no scale-in, a note", P_BASE, PEAK,
     .hosts = {{"rds-001", 10}, {"rds-002", -1}, {"rds-003", 0}},
     .expect = {"peak: sessions unknown on 1 host: no scale-in"}},
    {"load rises while hosts drain: undrain them first (most sessions first), then clone", P_BASE,
     PEAK, .spread_n = 4, .spread = 140,
     .hosts = {{"rds-005", 4, .state = 'd', .ago = 10}, {"rds-006", 9, .state = 'd', .ago = 10}},
     .expect = {"peak: 140 sessions / (4 hosts x 25) = 140% > 80%: undrain rds-006",
                "peak: 140 sessions / (4 hosts x 25) = 140% > 80%: undrain rds-005",
                "peak: 140 sessions / (4 hosts x 25) = 140% > 80%: clone rds-007 on " HV1}},
    {"a host an admin drained is never undrained; its drain goes on", P_BASE, PEAK, .spread_n = 4,
     .spread = 140,
     .hosts = {{"rds-005", 9, .state = 'd', .ago = 40, .admin_drain = 1},
               {"rds-006", 4, .state = 'd', .ago = 10}},
     .expect = {"peak: 140 sessions / (4 hosts x 25) = 140% > 80%: undrain rds-006",
                "peak: 140 sessions / (4 hosts x 25) = 140% > 80%: clone rds-007 on " HV1,
                "peak: 140 sessions / (4 hosts x 25) = 140% > 80%: clone rds-008 on " HV1,
                "drain: rds-005 draining 40m (wait 30m), 9 sessions left: logoff rds-005"}},
    {"an admin drained a host: the broker and its users are told, once", P_BASE, PEAK,
     .hosts = {{"rds-001", 20},
               {"rds-002", 20},
               {"rds-003", 3, .state = 'd', .ago = 1, .admin_drain = 2}},
     .expect = {"drain: rds-003 drained by an admin: the broker and its users are told: notify "
                "rds-003"}},
    {"an undrained host is not also logged off or retired", P_BASE, PEAK, .spread_n = 2,
     .spread = 48,
     .hosts = {{"rds-003", 0, .state = 'd', .ago = 60}, {"rds-004", 2, .state = 'd', .ago = 60}},
     .expect = {"peak: 48 sessions / (2 hosts x 25) = 96% > 80%: undrain rds-004",
                "drain: rds-003 has no active sessions: retire rds-003"}},

    /* ---- standby hosts ---- */
    {"standby top-up in ramp-up", P_BASE, RAMP_UP, .spread_n = 4, .spread = 55,
     .expect = {"ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},
    {"standby kept: nothing", P_BASE, RAMP_UP, .spread_n = 4, .spread = 55,
     .hosts = {{"rds-005", .state = 's', .run = 'O'}}},
    {"extra standby hosts retired at peak (standby 0), the later name first", P_BASE, PEAK,
     .spread_n = 4, .spread = 75,
     .hosts = {{"rds-005", .state = 's', .run = 'O'}, {"rds-006", .state = 's', .run = 'O'}},
     .expect = {"peak: 2 standby > 0: retire rds-006", "peak: 2 standby > 0: retire rds-005"}},
    {"a standby host started for the minimum is replaced", P_BASE, RAMP_UP, .spread_n = 3,
     .spread = 30, .hosts = {{"rds-004", .state = 's', .run = 'O'}},
     .expect = {"ramp_up: 3 hosts in service < minimum 4: start rds-004 (standby)",
                "ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},

    /* ---- standby kinds (P_KINDS: ramp_up one saved standby, peak one running) ---- */
    {"fastest ready standby first: the running one joins; the slowest extra (shut off) goes",
     P_KINDS, PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-002", .state = 's', .run = 'O'},
               {"rds-003", .state = 's', .run = 'O', .kind = 's', .saved = 1},
               {"rds-004", .state = 's', .kind = 'r'}},
     .expect = {"peak: 1 host in service < minimum 2: start rds-004 (running standby: joins)",
                "peak: 2 standby > 1: retire rds-002"}},
    {"a saved standby before a shut-off one, before a clone", P_KINDS, PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-002", .state = 's', .run = 'O'},
               {"rds-003", .state = 's', .run = 'O', .kind = 's', .saved = 1}},
     .expect = {"peak: 1 host in service < minimum 2: start rds-003 (saved standby: restores)"}},
    {"a shut-off standby before one still booting to be saved", P_KINDS, PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-002", .state = 's', .kind = 's', .booting = 1},
               {"rds-003", .state = 's', .run = 'O'}},
     .expect = {"peak: 1 host in service < minimum 2: start rds-003 (standby)"}},
    {"a replacement takes the fastest ready standby: the saved one", P_KINDS, PEAK,
     .hosts = {{"rds-001", 5, .replace = 1},
               {"rds-002", 10},
               {"rds-003", .state = 's', .run = 'O'},
               {"rds-004", .state = 's', .run = 'O', .kind = 's', .saved = 1}},
     .expect = {"health: rds-001 to be replaced, as an admin asked (0s): start rds-004 (saved "
                "standby: restores)"}},
    {"a saved standby booted and answering is saved", P_KINDS, RAMP_UP, .spread_n = 4, .spread = 55,
     .hosts = {{"rds-005", .state = 's', .kind = 's'}},
     .expect = {"ramp_up: saved standby rds-005 is ready: save rds-005"}},
    {"a saved standby still booting is not saved yet", P_KINDS, RAMP_UP, .spread_n = 4,
     .spread = 55, .hosts = {{"rds-005", .state = 's', .kind = 's', .booting = 1}}},
    {"missing standby cloned as the phase's kind", P_KINDS, RAMP_UP, .spread_n = 4, .spread = 55,
     .expect = {"ramp_up: 0 standby < 1: clone rds-005 as saved standby on " HV1}},
    {"a saved standby of an older version is retired and cloned again", P_KINDS, RAMP_UP,
     .spread_n = 4, .spread = 55, .promoted = 2,
     .hosts = {{"rds-005", .state = 's', .run = 'O', .kind = 's', .saved = 1}},
     .expect = {"ramp_up: saved standby rds-005 is on v1, new hosts on v2: retire rds-005",
                "ramp_up: 0 standby < 1: clone rds-006 as saved standby on " HV1}},

    /* ---- placement across two hypervisors ---- */
    {"placement: the fuller hypervisor is at its max_hosts, the other takes the clones", P_TWO,
     PEAK,
     .hosts = {{"rds-001", 24},
               {"rds-002", 24},
               {"rds-003", 24, .hv = 1},
               {"rds-004", 24, .hv = 1},
               {"rds-005", 24, .hv = 1},
               {"rds-006", 24, .hv = 1},
               {"rds-007", 24, .hv = 1},
               {"rds-008", 24, .hv = 1},
               {"rds-009", 24, .hv = 1},
               {"rds-010", 24, .hv = 1}},
     .free_gib = {40, 200},
     .expect = {"peak: 240 sessions / (10 hosts x 25) = 96% > 80%: clone rds-011 on " HV1,
                "peak: 240 sessions / (10 hosts x 25) = 96% > 80%: clone rds-012 on " HV1}},
    {"placement: fewest of the farm's hosts first; each clone takes its memory", P_TWO, PEAK,
     .spread_n = 4, .spread = 160, .free_gib = {50, 40},
     .expect = {"peak: 160 sessions / (4 hosts x 25) = 160% > 80%: clone rds-005 on " HV2,
                "peak: 160 sessions / (4 hosts x 25) = 160% > 80%: clone rds-006 on " HV2,
                "peak: 160 sessions / (4 hosts x 25) = 160% > 80%: clone rds-007 on " HV1}},
    {"a node lost: its hosts are not counted, the minimum is cloned on the node that answers",
     P_TWO, RAMP_UP, .hosts = {{"rds-002", 3}}, .unreachable = {0, 1},
     .expect = {LOST_HV2, "ramp_up: 1 host in service < minimum 4: clone rds-001 on " HV1,
                "ramp_up: 1 host in service < minimum 4: clone rds-003 on " HV1,
                "ramp_up: 1 host in service < minimum 4: clone rds-004 on " HV1,
                "ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},
    {"evacuate hv2: its hosts' users count, not they: replacements on hv1 first", P_TWO, PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-002", 10, .hv = 1},
               {"rds-003", 5, .hv = 1},
               {"rds-004", .state = 's', .run = 'O', .hv = 1}},
     .evacuate = {0, 1},
     .expect = {"peak: 1 host in service < minimum 2: clone rds-005 on " HV1,
                "evacuate " HV2 ": no standby kept there: retire rds-004",
                "evacuate " HV2 ": rds-002 waits for its replacements (1 in service elsewhere of "
                "2 needed, 0 coming, 0 not ready)",
                "evacuate " HV2 ": rds-003 waits for its replacements (1 in service elsewhere of "
                "2 needed, 0 coming, 0 not ready)"}},
    {"evacuate hv2: replacements serve on hv1: its hosts are drained", P_TWO, PEAK,
     .hosts = {{"rds-001", 10},
               {"rds-005", 0},
               {"rds-002", 10, .hv = 1},
               {"rds-003", 5, .hv = 1},
               {"rds-006", 3, .state = 'd', .hv = 1, .ago = 5}},
     .evacuate = {0, 1},
     .expect = {"evacuate " HV2 ": 2 in service elsewhere (2 needed): rds-002 has 10 sessions: "
                "drain rds-002",
                "evacuate " HV2 ": 2 in service elsewhere (2 needed): rds-003 has 5 sessions: "
                "drain rds-003"}},
    {"a node lost is not a mass failure: its hosts are not failed; one sick host is replaced",
     P_TWO_HEALTH, PEAK, .spread_n = 6, .spread = 110, .hosts = {{"rds-007", 10, .down = 1}},
     .unreachable = {0, 1},
     .expect = {LOST_HV2, "health: rds-007 agent silent (600s): clone rds-008 on " HV1}},
    {"the guard goes by the hosts on answering nodes: 4 of 7 sick there hold replacements",
     P_TWO_HEALTH, PEAK, .spread_n = 3, .spread = 60,
     .hosts = {{"rds-004", 10, .down = 1},
               {"rds-005", 10, .down = 1},
               {"rds-006", 10, .down = 1},
               {"rds-007", 10, .down = 1}},
     .unreachable = {0, 1},
     .expect = {LOST_HV2, "health: 4 of 7 hosts failing (more than 45%): replacing nothing; the "
                          "cause is likely below them (storage, network, hypervisor)"}},
    {"placement: as many hosts on each: the most free memory", P_TWO, PEAK,
     .hosts = {{"rds-001", 24}, {"rds-002", 24, .hv = 1}}, .free_gib = {40, 60},
     .expect = {"peak: 48 sessions / (2 hosts x 25) = 96% > 80%: clone rds-003 on " HV2}},
    {"placement: vCPUs past cores x cpu_overcommit skip a node", P_TWO, PEAK,
     .hosts = {{"rds-001", 24}, {"rds-002", 24}, {"rds-003", 24, .hv = 1}}, .free_gib = {100, 100},
     .cpus = {8, 8}, .vcpus_used = {8, 30}, .check_place = 1,
     .place = {GF_PLACE_CHOSEN, GF_PLACE_VCPUS},
     .expect = {"peak: 72 sessions / (3 hosts x 25) = 96% > 80%: clone rds-004 on " HV1}},
    {"placement: a pool with less free than clone_disk skips a node", P_TWO, PEAK,
     .hosts = {{"rds-001", 24}, {"rds-002", 24}, {"rds-003", 24, .hv = 1}}, .free_gib = {100, 100},
     .disk_mib = {51200, 512}, .check_place = 1, .place = {GF_PLACE_CHOSEN, GF_PLACE_DISK},
     .expect = {"peak: 72 sessions / (3 hosts x 25) = 96% > 80%: clone rds-004 on " HV1}},
    {"placement: a node without the image's gold takes no clone", P_TWO, PEAK,
     .hosts = {{"rds-001", 24}, {"rds-002", 24}}, .free_gib = {100, 100}, .no_image = {0, 1},
     .check_place = 1, .place = {GF_PLACE_CHOSEN, GF_PLACE_NO_VERSION},
     .expect = {"peak: 48 sessions / (2 hosts x 25) = 96% > 80%: clone rds-003 on " HV1}},
    {"placement: an evacuated node takes no clone", P_TWO, PEAK,
     .hosts = {{"rds-001", 24}, {"rds-002", 24}}, .free_gib = {100, 100}, .evacuate = {0, 1},
     .check_place = 1, .place = {GF_PLACE_CHOSEN, GF_PLACE_EVACUATING},
     .expect = {"peak: 48 sessions / (2 hosts x 25) = 96% > 80%: clone rds-003 on " HV1}},
    {"placement: no hypervisor has room: a note", P_TWO, PEAK,
     .hosts = {{"rds-001", 24},
               {"rds-002", 24, .hv = 1},
               {"rds-003", 24, .hv = 1},
               {"rds-004", 24, .hv = 1},
               {"rds-005", 24, .hv = 1},
               {"rds-006", 24, .hv = 1},
               {"rds-007", 24, .hv = 1},
               {"rds-008", 24, .hv = 1},
               {"rds-009", 19, .hv = 1}},
     .free_gib = {10, 200}, .check_place = 1, .place = {GF_PLACE_MEMORY, GF_PLACE_MAX_HOSTS},
     .expect = {"peak: 211 sessions / (9 hosts x 25) = 94% > 80%: no reachable hypervisor has "
                "16384M free and room: no clone"}},
    {"an unreachable hypervisor is never chosen; its hosts are not started", P_TWO, PEAK,
     .hosts = {{"rds-001", 24},
               {"rds-002", 24},
               {"rds-003", .state = 's', .run = 'O', .hv = 1},
               {"rds-004", .run = 'O', .hv = 1}},
     .free_gib = {20, 500}, .unreachable = {0, 1}, .check_place = 1,
     .place = {GF_PLACE_CHOSEN, GF_PLACE_UNREACHABLE},
     .expect = {LOST_HV2, "peak: 48 sessions / (2 hosts x 25) = 96% > 80%: clone rds-005 on " HV1}},

    /* ---- holidays and DST ---- */
    {"an ordinary Wednesday at 07:30: weekdays ramp_up", P_BASE, "2026-12-23T07:30", .spread_n = 3,
     .spread = 3,
     .expect = {"ramp_up: 3 hosts in service < minimum 4: clone rds-004 on " HV1,
                "ramp_up: 0 standby < 1: clone rds-005 as standby on " HV1}},
    {"24 Dec (a Thursday) runs as a weekend day: 07:30 is its off_peak", P_BASE, "2026-12-24T07:30",
     .spread_n = 3, .spread = 3,
     .expect = {"off_peak (holiday 2026-12-24): 3 sessions / (3 hosts x 25) = 4% < 70% (80% - "
                "10): rds-003 has 1 session, the fewest (depth): drain rds-003",
                "off_peak (holiday 2026-12-24): 3 sessions / (3 hosts x 25) = 4% < 70% (80% - "
                "10): rds-002 has 1 session, the fewest (depth): drain rds-002"}},
    {"24 Dec at 09:30: the weekend's ramp_up", P_BASE, "2026-12-24T09:30", .spread_n = 1,
     .spread = 10,
     .expect =
         {"ramp_up (holiday 2026-12-24): 1 host in service < minimum 2: clone rds-002 on " HV1}},
    {"25 Dec is off-peak all day, even at 10:00", P_BASE, "2026-12-25T10:00", .spread_n = 3,
     .spread = 3,
     .expect = {"off_peak (holiday 2026-12-25): 3 sessions / (3 hosts x 25) = 4% < 80% (90% - "
                "10): rds-003 has 1 session, the fewest (depth): drain rds-003",
                "off_peak (holiday 2026-12-25): 3 sessions / (3 hosts x 25) = 4% < 80% (90% - "
                "10): rds-002 has 1 session, the fewest (depth): drain rds-002"}},
    {"DST starts (Sun 29 Mar): 06:59Z is 08:59 CEST, off_peak", P_BASE, .utc = "2026-03-29T06:59",
     .spread_n = 1, .spread = 5},
    {"DST starts (Sun 29 Mar): 07:00Z is 09:00 CEST, ramp_up", P_BASE, .utc = "2026-03-29T07:00",
     .spread_n = 1, .spread = 5,
     .expect = {"ramp_up: 1 host in service < minimum 2: clone rds-002 on " HV1}},
    {"a week before, 07:00Z is 08:00 CET: still off_peak", P_BASE, .utc = "2026-03-22T07:00",
     .spread_n = 1, .spread = 5},
    {"DST ends (Sun 25 Oct): 07:59Z is 08:59 CET, off_peak", P_BASE, .utc = "2026-10-25T07:59",
     .spread_n = 1, .spread = 5},
    {"DST ends (Sun 25 Oct): 08:00Z is 09:00 CET, ramp_up", P_BASE, .utc = "2026-10-25T08:00",
     .spread_n = 1, .spread = 5,
     .expect = {"ramp_up: 1 host in service < minimum 2: clone rds-002 on " HV1}},

    /* ---- host names ---- */
    {"host naming skips the numbers taken (also by quarantined and retiring hosts)", P_BASE, PEAK,
     .hosts = {{"rds-001", 40},
               {"rds-002", 40},
               {"rds-004", 40},
               {"rds-005", .state = 'q', .run = 'O'},
               {"rds-006", .state = 'r', .run = 'O'}},
     .expect = {"peak: 120 sessions / (3 hosts x 25) = 160% > 80%: clone rds-003 on " HV1,
                "peak: 120 sessions / (3 hosts x 25) = 160% > 80%: clone rds-007 on " HV1,
                "peak: 120 sessions / (3 hosts x 25) = 160% > 80%: clone rds-008 on " HV1}},

    /* ---- vertical scaling (P_VERTICAL: see VERTICAL) ---- */
    {"CPU over its mark for grow_after: one step of vcpu_step, up to max_vcpus and the domain's "
     "maximum; a shorter spike changes nothing",
     P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .cpu = 95, .lasted = 6},
               {"rds-002", 20, .cpu = 92, .lasted = 5, .vcpus = 7},
               {"rds-003", 20, .cpu = 99, .lasted = 10, .vcpus = 8},
               {"rds-004", 20, .cpu = 90, .lasted = 4},
               {"rds-005", 20, .cpu = 85, .lasted = 9, .vcpus_max = 4}},
     .expect = {"peak: rds-001 CPU 95% > 80% for 6m with 4 vCPUs: resize rds-001 to 6 vCPUs",
                "peak: rds-002 CPU 92% > 80% for 5m with 7 vCPUs: resize rds-002 to 8 vCPUs",
                "peak: rds-005 short of CPU, at its domain's maximum of 4 vCPUs "
                "(scaling.max_vcpus 8): no resize"}},
    {"memory available under its mark: memory_step up to max_memory while the hypervisor has "
     "room",
     P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .mem = 95, .lasted = 5},
               {"rds-002", 20, .mem = 92, .lasted = 7, .mem_gib = 30},
               {"rds-003", 20, .mem = 93, .lasted = 6},
               {"rds-004", 20, .mem = 99, .lasted = 8}},
     .free_gib = {10},
     .expect = {"peak: rds-001 memory available 5% < 10% for 5m with 16384M: resize rds-001 to "
                "20480M",
                "peak: rds-002 memory available 8% < 10% for 7m with 30720M: resize rds-002 to "
                "32768M",
                "peak: rds-003 memory available 7% < 10% for 6m with 16384M: resize rds-003 to "
                "20480M",
                "peak: rds-004 short of memory, but its hypervisor has 0M free: no memory "
                "added"}},
    {"CPU and memory short on one host: one resize with both", P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .cpu = 95, .mem = 95, .lasted = 6}, {"rds-002", 20}},
     .expect = {"peak: rds-001 CPU 95% > 80% for 6m with 4 vCPUs and memory available 5% < 10% "
                "for 6m with 16384M: resize rds-001 to 6 vCPUs and 20480M"}},
    {"a host's resize cooldown holds its next step back, with a note", P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .cpu = 95, .lasted = 12, .vcpus = 6, .resized_ago = 4},
               {"rds-002", 20, .cpu = 95, .lasted = 12, .vcpus = 6, .resized_ago = 11}},
     .expect = {"peak: rds-001 short of CPU: no resize before 10:06:00 "
                "(scaling.resize_cooldown 600s)",
                "peak: rds-002 CPU 95% > 80% for 12m with 6 vCPUs: resize rds-002 to 8 vCPUs"}},
    {"the hypervisor's free vCPUs (CPUs x cpu_overcommit less those running) hold a hot-add back",
     P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .cpu = 95, .lasted = 6}, {"rds-002", 20, .cpu = 95, .lasted = 6}},
     .cpus = {4}, .vcpus_used = {14},
     .expect = {"peak: rds-001 CPU 95% > 80% for 6m with 4 vCPUs: resize rds-001 to 6 vCPUs",
                "peak: rds-002 short of CPU, but its hypervisor has 0 vCPUs free (4 CPUs x "
                "scaling.cpu_overcommit 4): no vCPU added"}},
    {"an idle grown host gives back at its next boot, down to the farm's size: never live, never "
     "below, never twice",
     P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .cpu = 5, .lasted = 31, .vcpus = 8},
               {"rds-002", 20, .cpu = 5, .lasted = 40, .vcpus = 8, .boot_vcpus = 4},
               {"rds-003", 20, .cpu = 3, .lasted = 60},
               {"rds-004", 20, .cpu = 50, .mem = 20, .lasted = 35, .mem_gib = 24},
               {"rds-005", 20, .cpu = 10, .lasted = 29, .vcpus = 8}},
     .expect = {"peak: rds-001 CPU 5% < 20% for 31m with 8 vCPUs: resize rds-001 to 4 vCPUs at "
                "next boot",
                "peak: rds-004 memory available 80% > 50% for 35m with 24576M: resize rds-004 to "
                "16384M at next boot"}},
    {"a phase with resize = \"shrink\" grows no host, and still gives back", P_VERTICAL, OFF_PEAK,
     .hosts = {{"rds-001", 20, .cpu = 95, .lasted = 10},
               {"rds-002", 20, .cpu = 5, .lasted = 40, .vcpus = 8}},
     .expect = {"off_peak: rds-002 CPU 5% < 20% for 40m with 8 vCPUs: resize rds-002 to 4 vCPUs "
                "at next boot"}},
    {"memory unknown (no balloon statistics): never short, never idle", P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 20, .mem = 99, .lasted = 30, .unknown = 2},
               {"rds-002", 20, .mem = 1, .lasted = 60, .mem_gib = 24, .unknown = 2}}},
    {"no vertical limits in the policy: no resize", P_BASE, PEAK,
     .hosts = {{"rds-001", 20, .cpu = 99, .mem = 99, .lasted = 60}, {"rds-002", 20}}},
    {"resize and clone in one tick: the resize comes first", P_VERTICAL, PEAK,
     .hosts = {{"rds-001", 25, .cpu = 95, .lasted = 6}, {"rds-002", 25}},
     .expect = {"peak: rds-001 CPU 95% > 80% for 6m with 4 vCPUs: resize rds-001 to 6 vCPUs",
                "peak: 50 sessions / (2 hosts x 25) = 100% > 80%: clone rds-003 on " HV1}},

    /* ---- the load beyond sessions (P_SIGNALS: sessions, CPU, memory at 80%) ---- */
    {"CPU decides a scale-out that the sessions would not, and the rule says so", P_SIGNALS, PEAK,
     .hosts = {{"rds-001", 10, .cpu = 90, .mem = 50},
               {"rds-002", 10, .cpu = 90, .mem = 50},
               {"rds-003", 10, .cpu = 90, .mem = 50},
               {"rds-004", 10, .cpu = 90, .mem = 50}},
     .expect = {"peak: CPU 90% on 4 hosts decides (sessions 40%, memory 40%) > 80%: clone "
                "rds-005 on " HV1}},
    {"memory decides, weighted", P_SIGNALS, RAMP_UP,
     .hosts = {{"rds-001", 3, .cpu = 10, .mem = 90},
               {"rds-002", 3, .cpu = 10, .mem = 90},
               {"rds-003", 2, .cpu = 10, .mem = 90},
               {"rds-004", 2, .cpu = 10, .mem = 90}},
     .expect = {"ramp_up: memory 90% used on 4 hosts x 80% = 72% decides (sessions 10%, CPU 10%) > "
                "60%: clone rds-005 on " HV1,
                "ramp_up: 0 standby < 1: clone rds-006 as standby on " HV1}},
    {"every counted signal under the low mark: a drain, by the one that needs the most hosts",
     P_SIGNALS, PEAK,
     .hosts = {{"rds-001", 3, .cpu = 30, .mem = 20},
               {"rds-002", 3, .cpu = 30, .mem = 20},
               {"rds-003", 2, .cpu = 30, .mem = 20},
               {"rds-004", 2, .cpu = 30, .mem = 20}},
     .expect = {"peak: CPU 30% on 4 hosts decides (sessions 10%, memory 16%) < 70% (80% - 10): "
                "rds-004 has 2 sessions, the fewest (breadth): drain rds-004"}},
    {"one signal over the low mark keeps every host", P_SIGNALS, PEAK,
     .hosts = {{"rds-001", 3, .cpu = 30, .mem = 95},
               {"rds-002", 3, .cpu = 30, .mem = 95},
               {"rds-003", 2, .cpu = 30, .mem = 95},
               {"rds-004", 2, .cpu = 30, .mem = 95}}},
    {"CPU or memory unknown on a host in service: never taken as idle, no scale-in", P_SIGNALS,
     PEAK,
     .hosts = {{"rds-001", 3, .cpu = 30, .mem = 20},
               {"rds-002", 3, .cpu = 30, .mem = 20, .unknown = 1},
               {"rds-003", 2, .cpu = 30, .mem = 20, .unknown = 2},
               {"rds-004", 2, .cpu = 30, .mem = 20, .unknown = 2}},
     .expect = {"peak: CPU unknown on 1 host: no scale-in",
                "peak: memory unknown on 2 hosts: no scale-in"}},
};

/* Scenarios the planner once got wrong, kept as regression tests. */
const struct scenario known_bugs[] = {
    {"all hosts in service at farm.max_hosts and over the threshold: a note says so", P_BASE, PEAK,
     .spread_n = 12, .spread = 300,
     .expect = {"peak: 300 sessions / (12 hosts x 25) = 100% > 80%: farm.max_hosts 12 reached: "
                "no clone"}},
    {"one host in the rule is '1 host', not '1 hosts'", P_BASE, OFF_PEAK, .spread_n = 1,
     .spread = 24,
     .expect = {"off_peak: 24 sessions / (1 host x 25) = 96% > 90%: clone rds-002 on " HV1}},
    {"hosts on an unreachable hypervisor do not count towards the minimum a scale-in keeps", P_TWO,
     RAMP_DOWN,
     .hosts = {{"rds-001", 10}, {"rds-002", 0, .hv = 1}, {"rds-003", 0, .hv = 1}, {"rds-004", 1}},
     .unreachable = {0, 1}, .expect = {LOST_HV2}},
    {"a draining host that is shut off has no users: retire it", P_BASE, PEAK,
     .hosts = {{"rds-001", 20}, {"rds-002", 20}, {"rds-003", .state = 'd', .run = 'O', .ago = 90}},
     .expect = {"drain: rds-003 has no active sessions: retire rds-003"}},
};

const size_t nscenarios = sizeof(scenarios) / sizeof(scenarios[0]);
const size_t nknown_bugs = sizeof(known_bugs) / sizeof(known_bugs[0]);
