/* test_journal.c - crash recovery that verifies before it acts, tried as a
 * hostile tester would: crafted journals of every rejected shape, a journal
 * write failing (ENOSPC) at each record, a journal others may write, two
 * daemons on one state directory, and two on one farm.  On libvirt's test
 * driver with farm.xml (see test_farmd.c), in one process.
 *
 * A crafted journal is written before the daemon starts (gfd_start runs the
 * recovery), with valid checksums unless the case is about a bad one. */
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
#include <glib.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "base/log.h"
#include "farmd_cases.h"
#include "farmd_fixture.h"
#include "model/journal.h"
#include "model/lease.h"

#define IMAGES "/var/lib/goldfarm/images/"
#define TAG "0123456789abcdef0123456789abcdef"

/* A fixture on farm.xml with the standard policy, not started. */
static struct fx *farm_stopped(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char policy[8192];

    *state = f;
    fx_policy_rds(f, policy, sizeof(policy), 8);
    fx_write_policy(f, "rds.conf", policy);
    fx_write_trace(f, day_trace);
    return f;
}

/* JSON as one journal line with its checksum, into BUF. */
static void signed_line(const char *json, char *buf, size_t len)
{
    gchar *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, json, -1);

    snprintf(buf, len, "%.16s %s\n", sum, json);
    g_free(sum);
}

/* Write the journal of F's state directory: TEXT, mode 0600. */
static void write_journal(struct fx *f, const char *text)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/journal", f->state);
    fx_write_file(path, text);
    assert_int_equal(chmod(path, 0600), 0);
}

/* Append record R to BUF (a journal's text). */
static void add_rec(char *buf, size_t len, const struct gf_jrec *r)
{
    char *line = gf_journal_format(r);

    assert_non_null(line);
    snprintf(buf + strlen(buf), len - strlen(buf), "%s", line);
    free(line);
}

/* Append a begin record of OP for HOST (UUID may be "") and its volume
 * records (PATH, BACKING pairs, NULL-terminated) to BUF. */
static void add_op(char *buf, size_t len, unsigned long id, enum gf_jop op, const char *host,
                   const char *uri, const char *uuid, const char *tag, ...)
{
    struct gf_jrec r = {.kind = GF_JREC_BEGIN, .id = id, .op = op};
    const char *path;
    va_list ap;

    snprintf(r.host, sizeof(r.host), "%s", host);
    snprintf(r.uri, sizeof(r.uri), "%s", uri);
    snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
    snprintf(r.tag, sizeof(r.tag), "%s", tag);
    add_rec(buf, len, &r);
    va_start(ap, tag);
    while ((path = va_arg(ap, const char *))) {
        const char *backing = va_arg(ap, const char *);
        struct gf_jrec v = {.kind = GF_JREC_VOLUME, .id = id};
        snprintf(v.path, sizeof(v.path), "%s", path);
        snprintf(v.backing, sizeof(v.backing), "%s", backing ? backing : "");
        add_rec(buf, len, &v);
    }
    va_end(ap);
}

/* The UUID of domain NAME on F's first hypervisor into BUF. */
static void uuid_of(struct fx *f, const char *name, char *buf)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], name);

    assert_non_null(dom);
    assert_int_equal(virDomainGetUUIDString(dom, buf), 0);
    virDomainFree(dom);
}

/* ---- 1. crafted journals ------------------------------------------------ */

/* An open clone entry naming a serving host, and its disk: neither is
 * touched (the host does not carry the clone's tag; its disk is in use). */
static void clone_entry_naming_a_serving_host(void **state)
{
    struct fx *f = farm_stopped(state);
    char text[8192] = "", *journal;

    add_op(text, sizeof(text), 7, GF_JOP_CLONE, "rds-001", f->uri[0], "", TAG,
           IMAGES "rds-001-vda.qcow2", GOLD, NULL);
    write_journal(f, text);
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "a domain of that name exists that this clone did not make",
                  "the log");
    fx_assert_has(fx_notes(), "rds-001-vda.qcow2 is used by another domain: left as it is",
                  "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-001"), VIR_DOMAIN_RUNNING);
    assert_true(fx_volume(f, 0, "rds-001-vda.qcow2", NULL, 0));
    journal = fx_state_file(f, "journal");
    assert_string_equal(journal, ""); /* resolved: nothing to do, nothing kept */
    free(journal);
}

/* An operation of an unknown kind naming a running domain: reported and
 * kept, never acted on, also at the next start. */
static void unknown_operation_kept(void **state)
{
    struct fx *f = farm_stopped(state);
    char line[1024], *journal;

    signed_line("{\"k\":\"begin\",\"id\":9,\"op\":\"wipe\",\"host\":\"legacy-sql\",\"uri\":"
                "\"test:///x\",\"tag\":\"" TAG "\"}",
                line, sizeof(line));
    write_journal(f, line);
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "error: journal: operation 9 is of unknown kind 'wipe'", "the log");
    assert_int_equal(fx_dom_state(f, 0, "legacy-sql"), VIR_DOMAIN_RUNNING);
    fx_stop(f);
    journal = fx_state_file(f, "journal");
    assert_string_equal(journal, line); /* kept as it was */
    free(journal);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "unknown kind 'wipe'", "the second start's log");
    assert_int_equal(fx_dom_state(f, 0, "legacy-sql"), VIR_DOMAIN_RUNNING);
}

/* Volume records naming the disks of domains without Goldfarm metadata
 * (running and shut off) and a gold disk: none is deleted. */
static void disks_of_others_and_gold_never_deleted(void **state)
{
    struct fx *f = farm_stopped(state);
    char text[8192] = "";

    add_op(text, sizeof(text), 11, GF_JOP_CLONE, "rds-050", f->uri[0], "", TAG,
           IMAGES "legacy-sql.qcow2", NULL, IMAGES "plain-off.qcow2", NULL, GOLD, NULL, NULL);
    write_journal(f, text);
    fx_start(f, 1);
    assert_true(fx_volume(f, 0, "legacy-sql.qcow2", NULL, 0));
    assert_true(fx_volume(f, 0, "plain-off.qcow2", NULL, 0));
    assert_true(fx_volume(f, 0, "rds-gold.qcow2", NULL, 0));
    fx_assert_has(fx_notes(), "legacy-sql.qcow2 is used by another domain", "the log");
    fx_assert_has(fx_notes(), "plain-off.qcow2 is used by another domain", "the log");
    fx_assert_has(fx_notes(), "rds-gold.qcow2 is a gold disk", "the log");
    fx_assert_lacks(fx_notes(), "deleted", "the log");
}

/* An unused volume is deleted only when it is the overlay the operation
 * recorded: a recorded backing file it does not have leaves it alone. */
static void overlay_checked_against_its_backing(void **state)
{
    struct fx *f = farm_stopped(state);
    char text[8192] = "";

    add_op(text, sizeof(text), 12, GF_JOP_CLONE, "rds-050", f->uri[0], "", TAG,
           IMAGES "rds-009-vda.qcow2", GOLD, NULL);
    write_journal(f, text);
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "rds-009-vda.qcow2 is not the overlay this operation made",
                  "the log");
    assert_true(fx_volume(f, 0, "rds-009-vda.qcow2", NULL, 0));
    fx_stop(f);
    /* the same volume recorded as what it is (no backing file): deleted */
    text[0] = '\0';
    add_op(text, sizeof(text), 13, GF_JOP_CLONE, "rds-050", f->uri[0], "", TAG,
           IMAGES "rds-009-vda.qcow2", NULL, NULL);
    write_journal(f, text);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "journal: clone rds-050: volume " IMAGES "rds-009-vda.qcow2 deleted",
                  "the log");
    fx_assert_has(fx_notes(), "journal: clone rds-050 interrupted by a crash: undone", "the log");
    assert_false(fx_volume(f, 0, "rds-009-vda.qcow2", NULL, 0));
}

/* Garbled lines (a changed checksum, a torn last line, not JSON, an
 * oversized field, a record of no operation) are reported and kept; a
 * finished operation beside them is dropped. */
static void garbled_and_torn_lines_kept(void **state)
{
    struct fx *f = farm_stopped(state);
    char text[16384] = "", bad[1024], orphan[1024], big[1024], *journal, *torn;
    struct gf_jrec end = {.kind = GF_JREC_END, .id = 21};
    size_t len;

    add_op(text, sizeof(text), 21, GF_JOP_CLONE, "rds-009", f->uri[0], "", TAG,
           IMAGES "rds-009-vda.qcow2", NULL, NULL);
    add_rec(text, sizeof(text), &end); /* finished: nothing to do */
    signed_line("{\"k\":\"begin\",\"id\":22,\"op\":\"clone\",\"host\":\"rds-001\",\"uri\":\"x\","
                "\"tag\":\"" TAG "\"}",
                bad, sizeof(bad));
    bad[0] = bad[0] == 'a' ? 'b' : 'a'; /* the checksum no longer matches */
    signed_line("{\"k\":\"volume\",\"id\":99,\"path\":\"" IMAGES "rds-002-vda.qcow2\"}", orphan,
                sizeof(orphan));
    {
        char host[200], json[512];
        memset(host, 'x', 150);
        host[150] = '\0';
        snprintf(json, sizeof(json),
                 "{\"k\":\"begin\",\"id\":23,\"op\":\"clone\",\"host\":\"%s\",\"uri\":\"x\","
                 "\"tag\":\"" TAG "\"}",
                 host);
        signed_line(json, big, sizeof(big));
    }
    snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s%s0000000000000000 not json\n",
             bad, orphan, big);
    /* a torn last line: a begin record cut short by the crash */
    {
        struct gf_jrec r = {.kind = GF_JREC_BEGIN, .id = 24, .op = GF_JOP_CLONE};
        snprintf(r.host, sizeof(r.host), "rds-002");
        snprintf(r.uri, sizeof(r.uri), "%s", f->uri[0]);
        snprintf(r.tag, sizeof(r.tag), TAG);
        torn = gf_journal_format(&r);
        len = strlen(torn);
        torn[len / 2] = '\0';
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s", torn);
        free(torn);
    }
    write_journal(f, text);
    fx_start(f, 1);
    assert_int_equal(fx_count(fx_notes(), "kept, not acted on"), 5);
    fx_assert_has(fx_notes(), "checksum does not match", "the log");
    fx_assert_has(fx_notes(), "a later record of no begun operation 99", "the log");
    fx_assert_has(fx_notes(), "\"host\" is not a string of at most 64 bytes", "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-001"), VIR_DOMAIN_RUNNING);
    assert_true(fx_volume(f, 0, "rds-002-vda.qcow2", NULL, 0));
    assert_true(fx_volume(f, 0, "rds-009-vda.qcow2", NULL, 0)); /* its operation had ended */
    fx_stop(f);
    journal = fx_state_file(f, "journal");
    fx_assert_has(journal, bad, "the journal");
    fx_assert_has(journal, orphan, "the journal");
    fx_assert_has(journal, "not json", "the journal");
    fx_assert_lacks(journal, "\"id\":21", "the journal"); /* the finished one dropped */
    assert_int_equal(fx_count(journal, "\n"), 5);
    free(journal);
}

/* A retirement entry for a host that is not retiring under it (active;
 * then retiring under another retirement's tag): nothing happens to it.
 * Under its own tag, the retirement is finished. */
static void retirement_only_of_what_it_marked(void **state)
{
    struct fx *f = farm_stopped(state);
    char text[8192] = "", uuid[VIR_UUID_STRING_BUFLEN];
    struct gf_meta m;
    virDomainPtr dom;

    uuid_of(f, "rds-002", uuid);
    add_op(text, sizeof(text), 31, GF_JOP_RETIRE, "rds-002", f->uri[0], uuid, TAG,
           IMAGES "rds-002-vda.qcow2", NULL, NULL);
    write_journal(f, text);
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "retire rds-002: not retiring under this operation (active)",
                  "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-002"), VIR_DOMAIN_RUNNING);
    assert_true(fx_volume(f, 0, "rds-002-vda.qcow2", NULL, 0));
    fx_stop(f);
    /* retiring, but under another tag */
    dom = virDomainLookupByName(f->conn[0], "rds-002");
    assert_non_null(dom);
    assert_int_equal(gf_meta_get(dom, &m), 1);
    m.state = GF_HS_RETIRING;
    snprintf(m.op_tag, sizeof(m.op_tag), "ffffffffffffffffffffffffffffffff");
    assert_int_equal(gf_meta_set(dom, &m), 0);
    write_journal(f, text);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "not retiring under this operation", "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-002"), VIR_DOMAIN_RUNNING);
    fx_stop(f);
    /* under its own tag: finished */
    snprintf(m.op_tag, sizeof(m.op_tag), TAG);
    assert_int_equal(gf_meta_set(dom, &m), 0);
    virDomainFree(dom);
    write_journal(f, text);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_has(fx_notes(), "journal: retire rds-002 interrupted by a crash: finished",
                  "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-002"), -1);
    assert_false(fx_volume(f, 0, "rds-002-vda.qcow2", NULL, 0));
}

/* A journal, or a state directory, that someone else may write is never
 * read as instructions: the daemon does not start. */
static void journal_others_may_write_refused(void **state)
{
    struct fx *f = farm_stopped(state);
    char path[256];
    struct gfd d;

    write_journal(f, "");
    snprintf(path, sizeof(path), "%s/journal", f->state);
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(fx_start_other(f, &d, f->state), -1);
    fx_assert_has(gf_err_message(), "journal is not private to goldfarmd (owner", "the error");
    gfd_stop(&d);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(chmod(f->state, 0777), 0);
    assert_int_equal(fx_start_other(f, &d, f->state), -1);
    fx_assert_has(gf_err_message(), "is not private to goldfarmd", "the error");
    gfd_stop(&d);
    assert_int_equal(chmod(f->state, 0700), 0);
    {
        struct stat st;
        fx_start(f, 1);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
}

/* ---- 2. the journal write failing --------------------------------------- */

/* ENOSPC at the begin, volume or define record of rds-004's clone: the
 * clone fails before anything of it is visible, and nothing is left. */
static void journal_full_before_a_step(const char *record, void **state)
{
    struct fx *f = rds_farm(state, 8);
    char fault[64], orphans[1024];
    unsigned long failures;

    fx_tick(f, "06:00");
    snprintf(fault, sizeof(fault), "journal-write:%s", record);
    setenv("GOLDFARM_FAULT", fault, 1);
    failures = fx_farm(f, "rds")->failures;
    assert_int_equal(gfd_tick(&f->d, fx_farm(f, "rds"), fx_at(f, "07:00")), 0);
    unsetenv("GOLDFARM_FAULT");
    assert_true(fx_farm(f, "rds")->failures > failures);
    fx_assert_has(fx_notes(), "No space left on device (injected)", "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), -1);
    assert_false(fx_volume(f, 0, "rds-004-vda.qcow2", NULL, 0));
    fx_orphans(f, 0, orphans, sizeof(orphans));
    assert_string_equal(orphans, "rds-009-vda.qcow2");
    /* a restart finds nothing to undo and a host to make */
    fx_stop(f);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_lacks(fx_notes(), "journal: clone rds-004", "the restart's log");
}

static void journal_full_at_begin(void **state)
{
    journal_full_before_a_step("begin", state);
}

static void journal_full_at_volume(void **state)
{
    journal_full_before_a_step("volume", state);
}

static void journal_full_at_define(void **state)
{
    journal_full_before_a_step("define", state);
}

/* ENOSPC at every end record: the clones succeeded and serve; the daemon
 * stops without having written the ends; the restart finds each clone's
 * domain carrying its tag and keeps it: the host with its six users is
 * neither destroyed nor cloned again. */
static void journal_full_at_end(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char hosts[256];
    virDomainPtr dom;

    fx_tick(f, "06:00");
    setenv("GOLDFARM_FAULT", "journal-write:end", 1);
    fx_tick(f, "07:00"); /* no action fails */
    fx_assert_has(fx_notes(), "operation ", "the log");
    fx_assert_has(fx_notes(), "stays open", "the log");
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
    fx_stop(f); /* the retries at close fail too */
    unsetenv("GOLDFARM_FAULT");
    fx_write_trace(f, "06:00 rds-001 1\n06:00 rds-002 1\n07:00 rds-004 6\n");
    dom = virDomainLookupByName(f->conn[0], "rds-004");
    assert_non_null(dom);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_has(fx_notes(),
                  "journal: clone rds-004 interrupted by a crash after its domain was defined: "
                  "finished, the host is kept",
                  "the restart's log");
    fx_assert_has(fx_notes(), "journal: clone rds-005 interrupted by a crash after", "the log");
    fx_assert_lacks(fx_notes(), "deleted", "the restart's log");
    assert_int_equal(virDomainIsActive(dom), 1); /* the same domain, never stopped */
    virDomainFree(dom);
    assert_true(fx_volume(f, 0, "rds-004-vda.qcow2", NULL, 0));
    fx_tick(f, "07:01");
    fx_assert_lacks(f->lines, "rds-004", "the next tick");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004 rds-005");
}

/* An end record that failed once is written with the next record. */
static void failed_end_retried(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char *journal;

    fx_tick(f, "06:00");
    setenv("GOLDFARM_FAULT", "journal-write:end", 1);
    fx_tick(f, "07:00");
    unsetenv("GOLDFARM_FAULT");
    fx_notes_reset();
    fx_stop(f); /* closing writes what is pending */
    fx_assert_has(fx_notes(), "written on a retry", "the log");
    journal = fx_state_file(f, "journal");
    assert_int_equal(fx_count(journal, "\"k\":\"begin\""), fx_count(journal, "\"k\":\"end\""));
    free(journal);
    fx_notes_reset();
    fx_start(f, 1);
    fx_assert_lacks(fx_notes(), "journal: clone", "the restart's log");
}

/* ---- 3. one daemon at a time -------------------------------------------- */

/* A second goldfarmd on the same state directory is refused, naming the
 * first's pid; once the first stops, it starts. */
static void second_daemon_on_one_state_dir_refused(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char want[128];
    struct gfd d;

    assert_int_equal(fx_start_other(f, &d, f->state), -1);
    snprintf(want, sizeof(want), "is in use by another goldfarmd (pid %ld)", (long)getpid());
    fx_assert_has(gf_err_message(), want, "the error");
    gfd_stop(&d);
    fx_stop(f);
    assert_int_equal(fx_start_other(f, &d, f->state), 0);
    gfd_stop(&d);
}

/* Two goldfarmd with two state directories (two machines) on one farm: the
 * second stands by while the first holds the farm's lease, takes over when
 * the first hands it over, and waits out the lease of one that died. */
static void two_daemons_on_one_farm(void **state)
{
    struct fx *f = rds_farm(state, 8);
    char other_dir[256], *hooks, *log;
    struct gfd b;
    struct gfd_farm *bf;
    struct gf_lease l;
    virDomainPtr gold;

    fx_tick(f, "06:00");
    fx_tick(f, "06:59"); /* A holds the lease, renewed a minute before B's tick */
    gold = virDomainLookupByName(f->conn[0], "rds-gold");
    assert_non_null(gold);
    assert_int_equal(gf_lease_read(gold, "rds", &l), 1);
    assert_string_equal(l.holder, f->d.self.holder);
    snprintf(other_dir, sizeof(other_dir), "%s/other-state", f->dir);
    assert_int_equal(fx_start_other(f, &b, other_dir), 0);
    bf = b.farms[0];
    fx_notes_reset();
    assert_int_equal(gfd_tick(&b, bf, fx_at(f, "07:00")), 0);
    fx_assert_has(fx_notes(), "warning: rds: standing by, no action on this farm: its lease on",
                  "B's log");
    assert_true(bf->plan.nactions > 0);                  /* it planned ... */
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), -1); /* ... and did nothing */
    hooks = fx_hooklog(f);
    assert_int_equal(fx_count(hooks, "broker"), 0);
    free(hooks);
    log = fx_state_file(f, "../other-state/rds.decisions");
    fx_assert_has(log, "\"mode\":\"standby\"", "B's decision log");
    free(log);
    /* A acts meanwhile */
    fx_tick(f, "07:00");
    assert_int_equal(fx_dom_state(f, 0, "rds-004"), VIR_DOMAIN_RUNNING);
    /* A dies without handing over: B waits out the lease (3 ticks, 90 s) */
    f->d.release_leases = 0;
    fx_stop(f);
    assert_int_equal(gfd_tick(&b, bf, fx_at(f, "07:01")), 0);
    assert_int_equal(bf->lease_held, 0);
    fx_notes_reset();
    assert_int_equal(gfd_tick(&b, bf, fx_at(f, "07:03")), 0);
    assert_int_equal(bf->lease_held, 1);
    fx_assert_has(fx_notes(), "the farm's lease is held: acting on it", "B's log");
    assert_int_equal(gf_lease_read(gold, "rds", &l), 1);
    assert_string_equal(l.holder, b.self.holder);
    /* B hands over on its stop: A takes it at its next tick */
    b.release_leases = 1;
    gfd_stop(&b);
    assert_int_equal(gf_lease_read(gold, "rds", &l), 0);
    fx_start(f, 1);
    fx_tick(f, "07:04");
    assert_int_equal(fx_farm(f, "rds")->lease_held, 1);
    virDomainFree(gold);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(clone_entry_naming_a_serving_host, teardown),
        cmocka_unit_test_teardown(unknown_operation_kept, teardown),
        cmocka_unit_test_teardown(disks_of_others_and_gold_never_deleted, teardown),
        cmocka_unit_test_teardown(overlay_checked_against_its_backing, teardown),
        cmocka_unit_test_teardown(garbled_and_torn_lines_kept, teardown),
        cmocka_unit_test_teardown(retirement_only_of_what_it_marked, teardown),
        cmocka_unit_test_teardown(journal_others_may_write_refused, teardown),
        cmocka_unit_test_teardown(journal_full_at_begin, teardown),
        cmocka_unit_test_teardown(journal_full_at_volume, teardown),
        cmocka_unit_test_teardown(journal_full_at_define, teardown),
        cmocka_unit_test_teardown(journal_full_at_end, teardown),
        cmocka_unit_test_teardown(failed_end_retried, teardown),
        cmocka_unit_test_teardown(second_daemon_on_one_state_dir_refused, teardown),
        cmocka_unit_test_teardown(two_daemons_on_one_farm, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIRECTORY-OF-farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
