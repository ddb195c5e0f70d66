/* farmd_fixture.h - goldfarmd's core (struct gfd) driven tick by tick on
 * libvirt's test driver, in one process on one connection per hypervisor
 * (the test driver's state lives as long as its connection).  Each test
 * gets a fresh temporary directory with a policies directory, a state
 * directory, a trace file and a hook script that appends its arguments to
 * a file; the daemon's connector maps each policy URI to an open
 * connection; the clock is injected. */
#ifndef GF_TEST_FARMD_FIXTURE_H
#define GF_TEST_FARMD_FIXTURE_H

#include <time.h>

#include <libvirt/libvirt.h>

#include "farmd.h"
#include "model/meta.h"

#define FX_MAX_HV 4

struct fx {
    char dir[64];       /* the test's temporary directory */
    char policies[128]; /* DIR/policies */
    char state[128];    /* DIR/state */
    char trace[128];    /* DIR/day.trace */
    char hook[128];     /* DIR/hook: appends "$*" to DIR/hooks.log */
    char hooklog[128];  /* DIR/hooks.log */
    char control[128];  /* DIR/state/control.sock: the daemon's control socket */
    int nhv;            /* open hypervisors */
    char uri[FX_MAX_HV][512];
    virConnectPtr conn[FX_MAX_HV];
    int down[FX_MAX_HV]; /* the connector refuses this hypervisor */
    int connects;        /* connector calls */
    struct gfd d;
    int started;
    int parallel;
    int restart_every_tick; /* a fresh struct gfd before each tick */
    int events;             /* the daemon registers libvirt's events (needs an event loop) */
    time_t base;            /* midnight UTC of the test's day */
    char lines[8192];       /* the last tick's action lines, one per line */
};

/* The test driver farm files: TESTDIR/farm.xml etc. (set by main). */
extern char fx_testdir[400];

/* A fresh fixture on the prepared farms FILES (names in fx_testdir,
 * NULL-terminated).  Fails the test on error. */
struct fx *fx_new(const char *first, ...) __attribute__((sentinel));

/* Stop the daemon (if started), close the connections, remove DIR. */
void fx_free(struct fx *f);

/* Write TEXT to DIR/policies/NAME (or, when NAME has a '/', to NAME). */
void fx_write_policy(struct fx *f, const char *name, const char *text);

/* Replace the trace file with TEXT. */
void fx_write_trace(struct fx *f, const char *text);

/* Write a file PATH with TEXT (fails the test on error). */
void fx_write_file(const char *path, const char *text);

/* The standard policy text for farm "rds" on hypervisor 0 (see
 * test_farmd.c for its schedule), into BUF; MAX_HOSTS the farm's. */
void fx_policy_rds(struct fx *f, char *buf, size_t len, int max_hosts);

/* Start a (fresh) daemon context on the policies and state directories,
 * actions in the calling thread (parallel 1) unless PARALLEL > 1, its
 * control socket listening on F->control (vmctl asks it there). */
void fx_start(struct fx *f, int parallel);

/* Start a second daemon context D on F's policies and connections, with
 * its own STATE_DIR (created): another goldfarmd, as on a second machine.
 * Returns gfd_start's result (its error in gf_err_message()). */
int fx_start_other(struct fx *f, struct gfd *d, const char *state_dir);

/* Stop the daemon context (a restart is fx_stop then fx_start). */
void fx_stop(struct fx *f);

/* The farm called NAME of the running daemon (fails the test if none). */
struct gfd_farm *fx_farm(struct fx *f, const char *name);

/* The moment HH:MM on the test's day (+ DAYS). */
time_t fx_at(const struct fx *f, const char *hhmm);

/* One tick of farm "rds" (or FARM) at HH:MM: fills f->lines with the
 * plan's action lines (notes left out), one per line.  Fails the test when
 * an action failed. */
void fx_tick(struct fx *f, const char *hhmm);
void fx_tick_farm(struct fx *f, const char *farm, time_t now);

/* Assert that the last tick planned exactly the lines WANT (each ending
 * with "\n"; "" for none). */
void fx_assert_lines(struct fx *f, const char *want);

/* The last plan's notes (NOTE actions), joined with "; ", into BUF. */
void fx_plan_notes(struct fx *f, const char *farm, char *buf, size_t len);

/* Log capture: every gf_note line since the last fx_notes_reset. */
void fx_notes_reset(void);
const char *fx_notes(void);
int fx_notes_count(void);

/* The hook log's contents ("" when no hook ran). */
char *fx_hooklog(struct fx *f);

/* Host NAME's Goldfarm metadata on hypervisor HV: 1 found, 0 no domain. */
int fx_meta(struct fx *f, int hv, const char *name, struct gf_meta *m);

/* Domain NAME's state on hypervisor HV (VIR_DOMAIN_*), -1 if no domain. */
int fx_dom_state(struct fx *f, int hv, const char *name);

/* Whether pool volume NAME exists on HV; its backing store path (or "")
 * into BACKING when given. */
int fx_volume(struct fx *f, int hv, const char *name, char *backing, size_t len);

/* The names (sorted, space separated) of the domains of farm FARM on HV. */
void fx_farm_hosts(struct fx *f, int hv, const char *farm, char *buf, size_t len);

/* Orphans on HV: volumes no domain uses as a writable disk or as its seed
 * CD-ROM (names, sorted, space separated), and Goldfarm hosts whose disks
 * or seed are missing ("host:path"). */
void fx_orphans(struct fx *f, int hv, char *buf, size_t len);

/* Run vmctl's words (NULL-terminated) on hypervisor 0's connection, asking
 * the fixture's daemon (F->control) unless the words name another socket;
 * its output into *OUT (to free).  Returns its exit code. */
int fx_vmctl(struct fx *f, char **out, ...) __attribute__((sentinel));

/* The contents of STATE/NAME as a new string (NULL if missing). */
char *fx_state_file(struct fx *f, const char *name);

/* Fail unless HAY contains NEEDLE (WHAT names HAY). */
#define fx_assert_has(hay, needle, what)                                                           \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (!h_ || !strstr(h_, n_))                                                                \
            fail_msg("%s lacks '%s':\n%s", (what), n_, h_ ? h_ : "(null)");                        \
    } while (0)
#define fx_assert_lacks(hay, needle, what)                                                         \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        if (h_ && strstr(h_, n_))                                                                  \
            fail_msg("%s has '%s':\n%s", (what), n_, h_);                                          \
    } while (0)

/* How many times NEEDLE occurs in HAY. */
int fx_count(const char *hay, const char *needle);

#endif
