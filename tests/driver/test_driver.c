/* test_driver.c - every vmctl command against libvirt's test driver, run
 * in-process on one connection so that multi-step flows keep their state
 * (the test driver's state lives as long as its connection).  Each test
 * gets a fresh connection to the prepared farm given as argv[1]. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#include "base/error.h"
#include "farm_state.h"
#include "base/log.h"
#include "model/meta.h"
#include "model/snapshot.h"
#include "vmctl.h"
#include "vm_fixture.h"

static char farm_uri[4200], risky_uri[4200];

static int setup(void **state)
{
    *state = vm_open(farm_uri);
    return 0;
}

static int teardown(void **state)
{
    vm_close(*state);
    return 0;
}

/* Whether NAME has snapshot SNAP. */
static int has_snapshot(struct fixture *f, const char *name, const char *snap)
{
    virDomainPtr dom = domain(f, name);
    virDomainSnapshotPtr s = virDomainSnapshotLookupByName(dom, snap, 0);
    int found = s != NULL;

    if (s)
        virDomainSnapshotFree(s);
    virDomainFree(dom);
    return found;
}

/* Number of snapshots of NAME whose name starts with PREFIX. */
static int count_snapshots(struct fixture *f, const char *name, const char *prefix)
{
    virDomainPtr dom = domain(f, name);
    char **names = NULL;
    int n = virDomainSnapshotNum(dom, 0), count = 0;

    names = calloc((size_t)n + 1, sizeof(char *));
    n = virDomainSnapshotListNames(dom, names, n, 0);
    for (int i = 0; i < n; i++) {
        count += strncmp(names[i], prefix, strlen(prefix)) == 0;
        free(names[i]);
    }
    free(names);
    virDomainFree(dom);
    return count;
}

/* Live (LIVE) or persistent vCPU count of NAME. */
static int vcpus(struct fixture *f, const char *name, unsigned int flags)
{
    virDomainPtr dom = domain(f, name);
    int n = virDomainGetVcpusFlags(dom, flags);

    virDomainFree(dom);
    return n;
}

/* ---- image ---- */

static void image_list_shows_gold_images(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "image", "list", NULL), 0);
    assert_out(f, "rds-gold");
    assert_out(f, "/var/lib/goldfarm/images/rds-gold.qcow2");
    assert_null(strstr(f->out, "plain-off"));
    assert_int_equal(vm(f, "image", "list", "--json", NULL), 0);
    assert_out(f, "{\"name\":\"rds-gold\",\"version\":1,\"marked\":\"2026-11-01T09:00:00Z\","
                  "\"disks\":1,\"clones\":4,");
    assert_int_equal(f->out[0], '[');
}

static void image_mark_makes_a_gold_image(void **state)
{
    struct fixture *f = *state;
    struct gf_meta m;

    assert_int_equal(vm(f, "image", "mark", "plain-off", NULL), 0);
    m = meta_of(f, "plain-off");
    assert_int_equal(m.role, GF_ROLE_GOLD);
    assert_int_equal(m.image_version, 1);
    assert_string_equal(m.image, "plain-off");
    assert_int_equal(vm(f, "image", "list", NULL), 0);
    assert_out(f, "plain-off");
    assert_refused(f, "already a gold image", "image", "mark", "plain-off");
    assert_refused(f, "is running", "image", "mark", "legacy-sql");
    assert_refused(f, "is a host of farm 'rds'", "image", "mark", "rds-003");
    assert_refused(f, "unknown domain 'nosuch'", "image", "mark", "nosuch");
}

static void list_shows_managed_domains_only(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "list", NULL), 0);
    assert_out(f,
               "rds-gold             gold  -            rds-gold v1          shut off  2     4G");
    assert_out(f,
               "rds-001              host  rds          rds-gold v1          running   2     4G  "
               "    active");
    assert_null(strstr(f->out, "legacy-sql"));
    assert_null(strstr(f->out, "plain-off"));
    assert_int_equal(vm(f, "list", "--farm", "callc", "--json", NULL), 0);
    assert_string_equal(f->out, "[{\"name\":\"callc-001\",\"role\":\"host\",\"farm\":\"callc\","
                                "\"image\":\"rds-gold\",\"image_version\":1,\"state\":\"running\","
                                "\"vcpus\":2,\"memory_kib\":4194304,\"host_state\":\"active\"}]\n");
}

/* ---- clone ---- */

static void linked_clone_overlays_the_gold_disk(void **state)
{
    struct fixture *f = *state;
    virDomainPtr gold = domain(f, "rds-gold"), dom;
    char *gold_before = virDomainGetXMLDesc(gold, 0), *gold_after, *xml, *vol;
    char gold_uuid[VIR_UUID_STRING_BUFLEN], uuid[VIR_UUID_STRING_BUFLEN];
    struct gf_meta m;

    assert_int_equal(vm(f, "clone", "rds-gold", "rds-004", "--farm", "rds", NULL), 0);
    assert_out(f, "rds-004: linked disk /var/lib/goldfarm/images/rds-gold.qcow2 -> "
                  "/var/lib/goldfarm/images/rds-004-vda.qcow2");
    vol = volume_xml(f, "rds-004-vda.qcow2");
    assert_non_null(vol);
    assert_non_null(strstr(vol, "<backingStore>"));
    assert_non_null(strstr(vol, "<path>/var/lib/goldfarm/images/rds-gold.qcow2</path>"));
    assert_non_null(strstr(vol, "<format type='qcow2'/>"));
    dom = domain(f, "rds-004");
    assert_int_equal(virDomainIsActive(dom), 0);
    xml = virDomainGetXMLDesc(dom, 0);
    assert_non_null(strstr(xml, "<source file='/var/lib/goldfarm/images/rds-004-vda.qcow2'/>"));
    assert_null(strstr(xml, "52:54:00:aa:00:01"));
    virDomainGetUUIDString(gold, gold_uuid);
    virDomainGetUUIDString(dom, uuid);
    assert_string_not_equal(uuid, gold_uuid);
    m = meta_of(f, "rds-004");
    assert_int_equal(m.role, GF_ROLE_HOST);
    assert_string_equal(m.farm, "rds");
    assert_string_equal(m.image, "rds-gold");
    assert_int_equal(m.image_version, 1);
    assert_int_equal(m.state, GF_HS_ACTIVE);
    assert_true(m.created > 1700000000);
    /* the gold is untouched */
    gold_after = virDomainGetXMLDesc(gold, 0);
    assert_string_equal(gold_before, gold_after);
    /* a farm snapshot now includes the new host */
    assert_int_equal(vm(f, "snapshot", "create", "--farm", "rds", "--name", "s", NULL), 0);
    assert_true(has_snapshot(f, "rds-004", "s"));
    free(gold_before);
    free(gold_after);
    free(xml);
    free(vol);
    virDomainFree(dom);
    virDomainFree(gold);
}

static void clone_start_and_full_copy(void **state)
{
    struct fixture *f = *state;
    virDomainPtr dom;
    char *vol;

    assert_int_equal(vm(f, "clone", "rds-gold", "rds-005", "--start", NULL), 0);
    dom = domain(f, "rds-005");
    assert_int_equal(virDomainIsActive(dom), 1);
    virDomainFree(dom);
    assert_int_equal(vm(f, "clone", "rds-gold", "rds-006", "--full", "--farm", "rds", NULL), 0);
    assert_out(f, "rds-006: copied disk");
    vol = volume_xml(f, "rds-006-vda.qcow2");
    assert_non_null(vol);
    assert_null(strstr(vol, "<backingStore>"));
    free(vol);
}

static void clone_bad_input_changes_nothing(void **state)
{
    struct fixture *f = *state;

    assert_refused(f, "a domain named 'rds-001' already exists", "clone", "rds-gold", "rds-001");
    assert_refused(f, "volume 'rds-009-vda.qcow2' already exists", "clone", "rds-gold", "rds-009");
    assert_refused(f, "gold image 'gold-running' is running", "clone", "gold-running", "x1");
    assert_refused(f, "'plain-off' is not a gold image", "clone", "plain-off", "x1");
    assert_refused(f, "'rds-001' is not a gold image", "clone", "rds-001", "x1");
    assert_refused(f, "unknown gold image 'nosuch'", "clone", "nosuch", "x1");
    assert_refused(f, "contains '/'", "clone", "rds-gold", "../etc/x");
    assert_refused(f, "XML metacharacter", "clone", "rds-gold", "a<b>");
    assert_refused(f, "whitespace", "clone", "rds-gold", "a b");
    assert_refused(f, "longer than 64", "clone", "rds-gold",
                   "x234567890123456789012345678901234567890123456789012345678901234567");
    assert_refused(f, "invalid farm name", "clone", "rds-gold", "x1", "--farm", "a/b");
    assert_refused(f, "expected clone GOLD NAME", "clone", "rds-gold");
    assert_refused(f, "unknown option '--linked'", "clone", "rds-gold", "x1", "--linked");
}

static void failed_clone_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    char *before = farm_state(f->conn), *after;

    setenv("GOLDFARM_FAULT", "clone-define:rds-007", 1);
    assert_int_equal(vm(f, "clone", "rds-gold", "rds-007", "--farm", "rds", NULL), 1);
    assert_err("injected fault at clone-define");
    assert_err("nothing of clone 'rds-007' was kept");
    after = farm_state(f->conn);
    assert_same_state(before, after, gf_err_message());
    free(after);
    setenv("GOLDFARM_FAULT", "clone-start:rds-007", 1);
    assert_int_equal(vm(f, "clone", "rds-gold", "rds-007", "--start", NULL), 1);
    after = farm_state(f->conn);
    assert_same_state(before, after, gf_err_message());
    free(after);
    free(before);
}

/* ---- snapshots ---- */

static void snapshot_several_hosts_and_a_farm(void **state)
{
    struct fixture *f = *state;
    regex_t re;

    assert_int_equal(vm(f, "snapshot", "create", "rds-001", "rds-002", "--name", "s1",
                        "--description", "before KB5044281", NULL),
                     0);
    assert_out(f, "snapshot 's1' taken of 2 hosts");
    assert_true(has_snapshot(f, "rds-001", "s1"));
    assert_true(has_snapshot(f, "rds-002", "s1"));
    assert_false(has_snapshot(f, "rds-003", "s1"));
    assert_int_equal(vm(f, "snapshot", "create", "--farm", "rds", NULL), 0);
    /* default name pre-patch-YYYYMMDD-HHMM, on every host of the farm only */
    assert_int_equal(
        regcomp(&re, "snapshot 'pre-patch-[0-9]{8}-[0-9]{4}' taken of 3 hosts", REG_EXTENDED), 0);
    if (regexec(&re, f->out, 0, NULL, 0) != 0)
        fail_msg("unexpected output: %s", f->out);
    regfree(&re);
    assert_int_equal(count_snapshots(f, "rds-003", "pre-patch-"), 1);
    assert_int_equal(count_snapshots(f, "callc-001", "pre-patch-"), 0);
    assert_int_equal(vm(f, "snapshot", "list", "rds-001", "--json", NULL), 0);
    assert_out(f, "\"host\":\"rds-001\",\"name\":\"s1\",\"created\":\"");
    assert_out(f, "\"state\":\"running\",\"current\":false,\"parent\":null,\"safety\":false,"
                  "\"description\":\"before KB5044281\"}");
    assert_out(f, "\"current\":true,\"parent\":\"s1\"");
    assert_int_equal(vm(f, "snapshot", "list", "--farm", "rds", NULL), 0);
    assert_out(f, "HOST");
    assert_out(f, "rds-003          old");
}

static void farm_snapshot_is_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    char *before = farm_state(f->conn), *after;

    setenv("GOLDFARM_FAULT", "snapshot-create:rds-002", 1);
    assert_int_equal(vm(f, "snapshot", "create", "--farm", "rds", "--name", "broken", NULL), 1);
    assert_err("snapshot-create for rds-002");
    assert_err("the 1 snapshot this run took were deleted");
    after = farm_state(f->conn);
    assert_same_state(before, after, gf_err_message());
    assert_false(has_snapshot(f, "rds-001", "broken"));
    free(before);
    free(after);
}

static void snapshot_bad_input_changes_nothing(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "snapshot", "create", "rds-001", "--name", "s1", NULL), 0);
    assert_refused(f, "host 'rds-001' already has a snapshot 's1'", "snapshot", "create", "rds-002",
                   "rds-001", "--name", "s1");
    assert_refused(f, "names starting with 'gf-safety-' are Goldfarm's", "snapshot", "create",
                   "rds-001", "--name", "gf-safety-x");
    assert_refused(f, "unknown host 'nosuch'", "snapshot", "create", "rds-001", "nosuch");
    assert_refused(f, "'legacy-sql' is not managed by Goldfarm", "snapshot", "create",
                   "legacy-sql");
    assert_refused(f, "'rds-gold' is a gold image", "snapshot", "create", "rds-gold");
    assert_refused(f, "farm 'nofarm' has no hosts", "snapshot", "create", "--farm", "nofarm");
    assert_refused(f, "give hosts or --farm, not both", "snapshot", "create", "rds-001", "--farm",
                   "rds");
    assert_refused(f, "name a host or give --farm FARM", "snapshot", "create");
    assert_refused(f, "'rds-003' is not running: --quiesce", "snapshot", "create", "--farm", "rds",
                   "--quiesce");
    assert_refused(f, "--quiesce is for disk-only snapshots", "snapshot", "create", "rds-001",
                   "--memory", "--quiesce", "--name", "q");
    assert_refused(f, "host 'rds-001' is named twice", "snapshot", "create", "rds-001", "rds-001");
    assert_refused(f, "invalid snapshot name", "snapshot", "create", "rds-001", "--name", "a/b");
    assert_refused(f, "option '--name' given twice", "snapshot", "create", "rds-001", "--name", "a",
                   "--name", "b");
    assert_refused(f, "option '--name' needs a value", "snapshot", "create", "rds-001", "--name");
}

static void quiesce_freezes_through_the_agent(void **state)
{
    struct fixture *f = *state;

    /* The test driver answers fsfreeze, so this is the agent-present path;
     * the agent-absent path runs on real QEMU. */
    assert_int_equal(vm(f, "snapshot", "create", "rds-001", "--quiesce", "--name", "q", NULL), 0);
    assert_true(has_snapshot(f, "rds-001", "q"));
}

static void snapshot_delete_one_and_farm(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "snapshot", "create", "--farm", "rds", "--name", "d1", NULL), 0);
    assert_int_equal(vm(f, "snapshot", "delete", "rds-001", "d1", NULL), 0);
    assert_false(has_snapshot(f, "rds-001", "d1"));
    assert_true(has_snapshot(f, "rds-002", "d1"));
    /* rds-001 no longer has it: the farm delete is refused before deleting any */
    assert_refused(f, "host 'rds-001' has no snapshot 'd1'", "snapshot", "delete", "--farm", "rds",
                   "--name", "d1");
    assert_true(has_snapshot(f, "rds-002", "d1"));
    assert_int_equal(vm(f, "snapshot", "delete", "rds-002", "d1", NULL), 0);
    assert_int_equal(vm(f, "snapshot", "delete", "rds-003", "d1", NULL), 0);
    assert_int_equal(vm(f, "snapshot", "create", "--farm", "rds", "--name", "d2", NULL), 0);
    assert_int_equal(vm(f, "snapshot", "delete", "--farm", "rds", "--name", "d2", NULL), 0);
    assert_false(has_snapshot(f, "rds-003", "d2"));
    assert_refused(f, "--farm needs --name NAME", "snapshot", "delete", "--farm", "rds");
    assert_refused(f, "give HOST NAME", "snapshot", "delete", "rds-001");
    assert_refused(f, "has no snapshot 'nosuch'", "snapshot", "delete", "rds-001", "nosuch");
}

/* ---- rollback ---- */

static void rollback_undoes_a_change_and_keeps_a_safety_snapshot(void **state)
{
    struct fixture *f = *state;
    char safety[128] = "";
    virDomainPtr dom;
    struct gf_snapinfo *list;
    size_t n;

    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 2);
    assert_int_equal(vm(f, "snapshot", "create", "rds-001", "--name", "before", NULL), 0);
    assert_int_equal(vm(f, "resize", "rds-001", "--vcpus", "4", NULL), 0);
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 4);
    assert_int_equal(vm(f, "rollback", "rds-001", NULL), 0);
    assert_out(f, "rds-001: rolled back to 'before'");
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 2);
    assert_int_equal(count_snapshots(f, "rds-001", GF_SAFETY_PREFIX), 1);
    dom = domain(f, "rds-001");
    assert_int_equal(gf_snapshot_list(dom, &list, &n), 0);
    for (size_t i = 0; i < n; i++)
        if (list[i].safety)
            snprintf(safety, sizeof(safety), "%s", list[i].name);
    free(list);
    virDomainFree(dom);
    assert_true(safety[0]);
    /* the rollback itself can be rolled back */
    assert_int_equal(vm(f, "rollback", "rds-001", safety, NULL), 0);
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 4);
    /* without a name: the newest snapshot that is not a safety snapshot */
    assert_int_equal(vm(f, "rollback", "rds-001", NULL), 0);
    assert_out(f, "rolled back to 'before'");
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 2);
}

static void rollback_farm(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "snapshot", "create", "--farm", "rds", "--name", "pre", NULL), 0);
    assert_int_equal(vm(f, "resize", "rds-001", "--vcpus", "3", NULL), 0);
    assert_int_equal(vm(f, "resize", "rds-002", "--vcpus", "4", NULL), 0);
    assert_int_equal(vm(f, "resize", "rds-003", "--vcpus", "1", NULL), 0);
    assert_int_equal(vm(f, "rollback", "--farm", "rds", "--name", "pre", NULL), 0);
    assert_out(f, "rolled back 3 hosts");
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 2);
    assert_int_equal(vcpus(f, "rds-002", VIR_DOMAIN_AFFECT_LIVE), 2);
    assert_int_equal(vcpus(f, "rds-003", VIR_DOMAIN_AFFECT_CONFIG), 2);
    for (int i = 1; i <= 3; i++) {
        char host[16];
        snprintf(host, sizeof(host), "rds-00%d", i);
        assert_int_equal(count_snapshots(f, host, GF_SAFETY_PREFIX), 1);
    }
    assert_refused(f, "--farm needs --name NAME", "rollback", "--farm", "rds");
    assert_refused(f, "host 'rds-001' has no snapshot 'old'", "rollback", "--farm", "rds", "--name",
                   "old");
    assert_refused(f, "has no snapshot to roll back to", "rollback", "callc-001");
    assert_refused(f, "'legacy-sql' is not managed by Goldfarm", "rollback", "legacy-sql");
}

static void risky_revert_is_refused_without_force(void **state)
{
    struct fixture *f = *state;
    char *before, *after;

    virConnectClose(f->conn);
    f->ctx.conn = f->conn = virConnectOpen(risky_uri);
    assert_non_null(f->conn);
    before = farm_state(f->conn);

    /* "old" was preloaded without its domain: libvirt calls reverting it risky. */
    assert_int_equal(vm(f, "rollback", "rds-003", "old", NULL), 1);
    assert_err("reverting to 'old' is risky");
    assert_err("nothing was changed; use --force");
    after = farm_state(f->conn);
    assert_same_state(before, after, gf_err_message());
    free(after);
    /* With --force libvirt still cannot revert it: the host is restored from
     * its safety snapshot and the error says so. */
    assert_int_equal(vm(f, "rollback", "rds-003", "old", "--force", NULL), 1);
    assert_err("reverting to 'old' failed");
    assert_err("the host was restored to its state before the rollback");
    assert_int_equal(count_snapshots(f, "rds-003", GF_SAFETY_PREFIX), 1);
    assert_int_equal(vcpus(f, "rds-003", VIR_DOMAIN_AFFECT_CONFIG), 2);
    free(before);
}

/* ---- resize ---- */

static void resize_within_limits(void **state)
{
    struct fixture *f = *state;
    virDomainPtr dom;

    assert_int_equal(vm(f, "resize", "rds-001", "--vcpus", "3", "--live", NULL), 0);
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 3);
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_CONFIG), 2);
    assert_int_equal(vm(f, "resize", "rds-001", "--vcpus", "1", "--config", NULL), 0);
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_CONFIG), 1);
    assert_int_equal(vcpus(f, "rds-001", VIR_DOMAIN_AFFECT_LIVE), 3);
    assert_int_equal(vm(f, "resize", "rds-003", "--memory", "6G", NULL), 0);
    assert_out(f, "rds-003: memory 6G (from next boot)");
    dom = domain(f, "rds-003");
    {
        char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
        assert_non_null(strstr(xml, "<currentMemory unit='KiB'>6291456</currentMemory>"));
        free(xml);
    }
    virDomainFree(dom);
}

static void resize_bad_input_changes_nothing(void **state)
{
    struct fixture *f = *state;

    assert_refused(f, "5 vCPUs is more than its maximum of 4", "resize", "rds-001", "--vcpus", "5");
    assert_refused(f, "at least one vCPU", "resize", "rds-001", "--vcpus", "0");
    assert_refused(f, "expected a number of vCPUs", "resize", "rds-001", "--vcpus", "two");
    assert_refused(f, "expected a number of vCPUs", "resize", "rds-001", "--vcpus", "-1");
    assert_refused(f, "removing vCPUs from a running host is refused", "resize", "rds-001",
                   "--vcpus", "1", "--live");
    assert_refused(f, "use --config and restart", "resize", "rds-002", "--vcpus", "1");
    assert_refused(f, "memory 16G is more than its maximum of 8G", "resize", "rds-001", "--memory",
                   "16G");
    assert_refused(f, "needs a unit", "resize", "rds-001", "--memory", "4096");
    assert_refused(f, "must be more than zero", "resize", "rds-001", "--memory", "0M");
    assert_refused(f, "--live needs a running host", "resize", "rds-003", "--vcpus", "3", "--live");
    assert_refused(f, "nothing to resize", "resize", "rds-001");
    assert_refused(f, "'rds-gold' is a gold image", "resize", "rds-gold", "--vcpus", "3");
    assert_refused(f, "'legacy-sql' is not managed", "resize", "legacy-sql", "--vcpus", "3");
    /* both given, the second invalid: neither applied */
    assert_refused(f, "more than its maximum", "resize", "rds-001", "--vcpus", "3", "--memory",
                   "64G");
}

/* ---- the command line ---- */

static void help_and_usage(void **state)
{
    struct fixture *f = *state;
    const char *commands[] = {"snapshot create", "snapshot list", "snapshot delete",
                              "rollback",        "clone",         "resize",
                              "image list",      "image mark",    "help"};

    assert_int_equal(vm(f, "help", NULL), 0);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        assert_out(f, commands[i]);
    assert_int_equal(vm(f, "help", "snapshot", "create", NULL), 0);
    assert_out(f, "usage: vmctl snapshot create HOST... | --farm FARM");
    assert_out(f, "--quiesce");
    assert_int_equal(vm(f, "clone", "--help", NULL), 0);
    assert_out(f, "usage: vmctl clone GOLD NAME");
    assert_int_equal(vm(f, "help", "snapshot", NULL), 0);
    assert_out(f, "snapshot delete");
    assert_refused(f, "unknown command 'snapshots'", "snapshots", "list");
    assert_refused(f, "help: unknown command 'nosuch'", "help", "nosuch");
}

static void sequence_stops_at_the_first_failure(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(
        vm(f, "echo", "one", ";", "snapshot", "create", "nosuch", ";", "echo", "two", NULL), 2);
    assert_out(f, "one");
    assert_null(strstr(f->out, "two"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_shows_managed_domains_only, setup, teardown),
        cmocka_unit_test_setup_teardown(image_list_shows_gold_images, setup, teardown),
        cmocka_unit_test_setup_teardown(image_mark_makes_a_gold_image, setup, teardown),
        cmocka_unit_test_setup_teardown(linked_clone_overlays_the_gold_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(clone_start_and_full_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(clone_bad_input_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_clone_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_several_hosts_and_a_farm, setup, teardown),
        cmocka_unit_test_setup_teardown(farm_snapshot_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_bad_input_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(quiesce_freezes_through_the_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_delete_one_and_farm, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_undoes_a_change_and_keeps_a_safety_snapshot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rollback_farm, setup, teardown),
        cmocka_unit_test_setup_teardown(risky_revert_is_refused_without_force, setup, teardown),
        cmocka_unit_test_setup_teardown(resize_within_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(resize_bad_input_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(help_and_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(sequence_stops_at_the_first_failure, setup, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s ABSOLUTE/PATH/farm.xml\n", argv[0]);
        return 2;
    }
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", argv[1]);
    snprintf(risky_uri, sizeof(risky_uri), "test://%.*s/farm-risky.xml",
             (int)(strrchr(argv[1], '/') - argv[1]), argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
