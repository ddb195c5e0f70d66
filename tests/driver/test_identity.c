/* test_identity.c - clone identity (NoCloud seeds) on libvirt's test driver.
 *
 * What this tier can check honestly: the seed volume made in the gold
 * disk's pool (HOST-cidata.iso, raw, exactly the size of the ISO Goldfarm
 * builds for that host), the read-only CD-ROM in the clone's XML, the UUID
 * that is its instance-id, and that nothing of a seed is left behind: a
 * failed clone at each fault point, a crash at each step (GOLDFARM_CRASH,
 * in-process), retirement, quarantine delete and seal; a gold never gets
 * one.  The test driver cannot upload (virStorageVolUpload is not
 * supported there) and keeps no volume contents: the seed's contents are
 * checked in the unit tests (the ISO read back) and on the QEMU tier (the
 * guest sets its host name from it).
 *
 * argv[1]: the directory of the prepared farms (tests/driver): farm.xml
 * (gold rds-gold, farm rds) and farm-rollout.xml (image ro-gold, v1 to v3).
 */
#include <ftw.h>
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
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "farm_state.h"
#include "farmd_cases.h"
#include "farmd_fixture.h"
#include "model/domxml.h"
#include "model/meta.h"
#include "model/seed.h"
#include "vm_fixture.h"

#define IMAGES "/var/lib/goldfarm/images/"

static char farm_uri[4200], rollout_uri[4200];
static char dir[64]; /* policies and templates for vmctl clone --policy */

static const char user_data[] = "#cloud-config\n"
                                "fqdn: ${host}.${farm}.example.com\n"
                                "runcmd:\n"
                                "  - echo '${image} v${image_version} on ${hypervisor}'\n";

/* Write TEXT to DIR/NAME. */
static void put(const char *name, const char *text)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fx_write_file(path, text);
}

/* A policy of farm rds on rds-gold, host names PATTERN, and EXTRA. */
static void put_policy(const char *name, const char *pattern, const char *extra)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "farm: { name = \"rds\"; hypervisors = ( { uri = \"test:///default\"; } );\n"
             "  image = \"rds-gold\"; host_name = \"%s\"; max_sessions = 10; max_hosts = 20; "
             "};\n"
             "schedule: { all: { days = [\"sun\", \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", "
             "\"sat\"];\n"
             "  ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
             "  ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; };\n"
             "%s",
             pattern, extra);
    put(name, text);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/gf-identity-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    put("user-data.yaml", user_data);
    put("network-config.yaml", "version: 2\n# ${host}\n");
    put_policy("id.conf", "rds-%03d",
               "identity = { user_data = \"user-data.yaml\";\n"
               "  network_config = \"network-config.yaml\"; };\n");
    put_policy("plain.conf", "rds-%03d", "");
    put_policy("win.conf", "rds-%03d", "identity = { guest = \"windows\"; };\n");
    put("bad-user-data.yaml", "#cloud-config\nhostname: ${hostname}\n");
    put_policy("bad.conf", "rds-%03d", "identity = { user_data = \"bad-user-data.yaml\"; };\n");
    return 0;
}

/* nftw callback: remove one file or (emptied) directory. */
static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_teardown(void **state)
{
    (void)state;
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    *state = vm_open(farm_uri);
    return 0;
}

static int setup_rollout(void **state)
{
    *state = vm_open(rollout_uri);
    return 0;
}

static int vm_teardown(void **state)
{
    vm_close(*state);
    return 0;
}

/* DIR/NAME, for --policy. */
static const char *policy(const char *name)
{
    static char path[4][128];
    static int next;
    char *p = path[next++ % 4];

    snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
    return p;
}

/* Volume NAME of pool goldfarm: its capacity into *BYTES and format into
 * FORMAT; 0 when there is no such volume. */
static int volume(struct fixture *f, const char *name, unsigned long long *bytes, char *format,
                  size_t len)
{
    char *xml = volume_xml(f, name);
    const char *at;
    virStoragePoolPtr pool;
    virStorageVolPtr vol;
    virStorageVolInfo info;

    if (!xml)
        return 0;
    format[0] = '\0';
    if ((at = strstr(xml, "<format type='")))
        snprintf(format, len, "%.*s", (int)strcspn(at + 14, "'"), at + 14);
    free(xml);
    assert_non_null(pool = virStoragePoolLookupByName(f->conn, "goldfarm"));
    assert_non_null(vol = virStorageVolLookupByName(pool, name));
    assert_int_equal(virStorageVolGetInfo(vol, &info), 0);
    *bytes = info.capacity;
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    return 1;
}

static int has_volume(struct fixture *f, const char *name)
{
    char *xml = volume_xml(f, name);

    free(xml);
    return xml != NULL;
}

/* The inactive XML of domain NAME (a new string). */
static char *dom_xml(struct fixture *f, const char *name)
{
    virDomainPtr dom = domain(f, name);
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

    virDomainFree(dom);
    assert_non_null(xml);
    return xml;
}

/* Assert host NAME (a clone of IMAGE version VERSION) has its seed: the
 * volume, raw, of the size of the ISO built for it (the policy's
 * templates when ID), and the read-only CD-ROM on bus BUS. */
static void assert_seeded(struct fixture *f, const char *name, const char *image,
                          unsigned int version, const char *farm, const struct gf_identity *id,
                          const char *bus)
{
    char vol[128], path[PATH_MAX], format[16], uuid[VIR_UUID_STRING_BUFLEN], *xml, *uri;
    unsigned long long bytes = 0;
    virDomainPtr dom = domain(f, name);
    struct gf_seed s;
    struct gf_seed_vars v = {
        .host = name, .farm = farm, .image = image, .version = version, .instance_id = uuid};

    assert_int_equal(virDomainGetUUIDString(dom, uuid), 0);
    virDomainFree(dom);
    assert_non_null(uri = virConnectGetURI(f->conn));
    v.hypervisor = uri;
    snprintf(vol, sizeof(vol), "%s-cidata.iso", name);
    if (!volume(f, vol, &bytes, format, sizeof(format)))
        fail_msg("no seed volume %s", vol);
    assert_string_equal(format, "raw");
    assert_int_equal(gf_seed_make(id, &v, &s), 0);
    assert_int_equal(bytes, s.iso_len);
    gf_seed_clear(&s);
    free(uri);
    xml = dom_xml(f, name);
    assert_int_equal(gf_domxml_seed(xml, path, sizeof(path)), 1);
    {
        char want[PATH_MAX];
        snprintf(want, sizeof(want), "%s%s", IMAGES, vol);
        assert_string_equal(path, want);
    }
    {
        char want[256];
        snprintf(want, sizeof(want), "<source file='%s'/>", path);
        assert_non_null(strstr(xml, want));
        snprintf(want, sizeof(want), "bus='%s'", bus);
        assert_non_null(strstr(strstr(xml, "device='cdrom'"), want));
        assert_non_null(strstr(strstr(xml, "device='cdrom'"), "<readonly/>"));
    }
    free(xml);
}

/* Assert host NAME has no seed: no volume, no CD-ROM of its own. */
static void assert_unseeded(struct fixture *f, const char *name)
{
    char vol[128], path[PATH_MAX], *xml = dom_xml(f, name);

    snprintf(vol, sizeof(vol), "%s-cidata.iso", name);
    assert_false(has_volume(f, vol));
    assert_int_equal(gf_domxml_seed(xml, path, sizeof(path)), 0);
    assert_null(strstr(xml, "cidata"));
    free(xml);
}

/* Assert no gold domain of F has a seed, and no volume NAME-cidata.iso
 * exists for any gold. */
static void assert_no_gold_seed(struct fixture *f)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(f->conn, &doms, 0);

    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        struct gf_meta m;
        if (gf_meta_get(doms[i], &m) == 1 && m.role == GF_ROLE_GOLD) {
            char *xml = virDomainGetXMLDesc(doms[i], VIR_DOMAIN_XML_INACTIVE), vol[128];
            snprintf(vol, sizeof(vol), "%s-cidata.iso", virDomainGetName(doms[i]));
            if (strstr(xml, "cidata"))
                fail_msg("gold %s has a seed:\n%s", virDomainGetName(doms[i]), xml);
            assert_false(has_volume(f, vol));
            free(xml);
        }
        virDomainFree(doms[i]);
    }
    free(doms);
}

/* ---- vmctl clone ---- */

static void clone_with_the_policy_gets_its_seed(void **state)
{
    struct fixture *f = *state;
    struct gf_policy *p;
    struct gf_identity id;
    char *errors = NULL, uuid[VIR_UUID_STRING_BUFLEN], want[256];
    virDomainPtr dom;

    assert_int_equal(vm(f, "clone", "rds-gold", "rds-010", "--policy", policy("id.conf"), NULL), 0);
    assert_out(f, "rds-010-cidata.iso: seed volume made (");
    assert_out(f, "libvirt's test driver cannot upload (virStorageVolUpload), its content is "
                  "not written");
    assert_non_null(p = gf_policy_load(policy("id.conf"), &errors));
    gf_policy_identity(p, &id);
    assert_seeded(f, "rds-010", "rds-gold", 1, "rds", &id, "ide");
    /* the note names the instance-id: the domain's UUID */
    dom = domain(f, "rds-010");
    assert_int_equal(virDomainGetUUIDString(dom, uuid), 0);
    virDomainFree(dom);
    snprintf(want, sizeof(want), "rds-010: seed " IMAGES "rds-010-cidata.iso (instance-id %s)",
             uuid);
    assert_out(f, want);
    /* the policy's farm */
    assert_string_equal(meta_of(f, "rds-010").farm, "rds");
    /* two clones, two seeds */
    assert_int_equal(
        vm(f, "clone", "rds-gold", "rds-011", "--policy", policy("id.conf"), "--start", NULL), 0);
    assert_seeded(f, "rds-011", "rds-gold", 1, "rds", &id, "ide");
    assert_seeded(f, "rds-010", "rds-gold", 1, "rds", &id, "ide");
    gf_policy_free(p);
    assert_no_gold_seed(f);
}

static void clone_without_identity_gets_none(void **state)
{
    struct fixture *f = *state;
    struct gf_identity bare = {.guest = GF_GUEST_LINUX};

    assert_int_equal(vm(f, "clone", "rds-gold", "rds-010", NULL), 0);
    assert_unseeded(f, "rds-010");
    assert_int_equal(vm(f, "clone", "rds-gold", "rds-011", "--policy", policy("plain.conf"), NULL),
                     0);
    assert_unseeded(f, "rds-011");
    assert_int_equal(
        vm(f, "clone", "rds-gold", "rds-012", "--policy", policy("id.conf"), "--no-identity", NULL),
        0);
    assert_unseeded(f, "rds-012");
    /* --identity without a policy: meta-data and a bare user-data */
    assert_int_equal(vm(f, "clone", "rds-gold", "rds-013", "--identity", "--farm", "rds", NULL), 0);
    assert_seeded(f, "rds-013", "rds-gold", 1, "rds", &bare, "ide");
}

/* A clone that fails at fault POINT (for rds-010), with ARGS: nothing changed. */
static void fails_at(struct fixture *f, const char *point, const char *extra)
{
    char fault[64], *before, *after;

    snprintf(fault, sizeof(fault), "%s:rds-010", point);
    before = farm_state(f->conn);
    setenv("GOLDFARM_FAULT", fault, 1);
    assert_int_equal(
        vm(f, "clone", "rds-gold", "rds-010", "--policy", policy("id.conf"), extra, NULL), 1);
    unsetenv("GOLDFARM_FAULT");
    assert_err("injected fault at ");
    assert_err("nothing of clone 'rds-010' was kept");
    after = farm_state(f->conn);
    assert_same_state(before, after, point);
    assert_false(has_volume(f, "rds-010-cidata.iso"));
    free(before);
    free(after);
}

static void failed_clone_leaves_no_seed(void **state)
{
    struct fixture *f = *state;

    fails_at(f, "seed-upload", NULL);
    fails_at(f, "clone-define", NULL);
    fails_at(f, "clone-start", "--start");
    /* and then it works */
    assert_int_equal(vm(f, "clone", "rds-gold", "rds-010", "--policy", policy("id.conf"), NULL), 0);
    assert_true(has_volume(f, "rds-010-cidata.iso"));
}

static void refusals_change_nothing(void **state)
{
    struct fixture *f = *state;
    virStoragePoolPtr pool;
    virStorageVolPtr vol;

    /* a Windows guest's name past NetBIOS' 15 characters */
    assert_refused(f,
                   "host name 'rds-session-0010' is longer than the 15 characters of a Windows "
                   "computer name (NetBIOS)",
                   "clone", "rds-gold", "rds-session-0010", "--policy", policy("win.conf"));
    /* a Linux host name a guest cannot take */
    assert_refused(f, "host name 'rds_010' has a character other than letters", "clone", "rds-gold",
                   "rds_010", "--identity");
    /* a policy whose template names an unknown variable: its file and line */
    assert_refused(f, "bad-user-data.yaml:2: unknown variable ${hostname}", "clone", "rds-gold",
                   "rds-010", "--policy", policy("bad.conf"));
    assert_refused(f, "bad.conf:6: identity.user_data:", "clone", "rds-gold", "rds-010", "--policy",
                   policy("bad.conf"));
    assert_refused(f, "--identity and --no-identity contradict each other", "clone", "rds-gold",
                   "rds-010", "--identity", "--no-identity");
    assert_refused(f, "--farm 'callc' is not the farm of policy", "clone", "rds-gold", "rds-010",
                   "--policy", policy("id.conf"), "--farm", "callc");
    /* a seed volume of that name already there is not overwritten */
    assert_non_null(pool = virStoragePoolLookupByName(f->conn, "goldfarm"));
    assert_non_null(vol = virStorageVolCreateXML(
                        pool,
                        "<volume><name>rds-010-cidata.iso</name><capacity>4096</capacity>"
                        "<target><format type='raw'/></target></volume>",
                        0));
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    assert_refused(f, "volume 'rds-010-cidata.iso' already exists in pool 'goldfarm'", "clone",
                   "rds-gold", "rds-010", "--policy", policy("id.conf"));
}

static void quarantine_delete_removes_the_seed(void **state)
{
    struct fixture *f = *state;
    virDomainPtr dom;

    assert_int_equal(vm(f, "clone", "rds-gold", "rds-010", "--policy", policy("id.conf"), NULL), 0);
    assert_true(has_volume(f, "rds-010-cidata.iso"));
    dom = domain(f, "rds-010");
    assert_int_equal(gf_meta_set_state(dom, GF_HS_QUARANTINED, "broken (test)", time(NULL)), 0);
    virDomainFree(dom);
    assert_int_equal(vm(f, "farm", "quarantine", "delete", "rds-010", NULL), 0);
    assert_out(f, "rds-010: deleted (domain, snapshots, its own disks and seed)");
    assert_null(virDomainLookupByName(f->conn, "rds-010"));
    virResetLastError();
    assert_false(has_volume(f, "rds-010-vda.qcow2"));
    assert_false(has_volume(f, "rds-010-cidata.iso"));
    assert_true(has_volume(f, "rds-gold.qcow2"));
    assert_no_gold_seed(f);
}

/* ---- seal: a gold never gets a seed ---- */

static void seal_never_carries_a_seed(void **state)
{
    struct fixture *f = *state;
    struct gf_identity bare = {.guest = GF_GUEST_LINUX};
    char *xml;

    assert_int_equal(vm(f, "clone", "ro-gold", "ro-010", "--identity", "--farm", "ro", NULL), 0);
    assert_seeded(f, "ro-010", "ro-gold", 1, "ro", &bare, "ide");
    assert_int_equal(vm(f, "image", "seal", "ro-010", "--image", "ro-gold", NULL), 0);
    assert_out(f, "ro-010: sealed into ro-gold version 4");
    /* the host became the version: gone, with its seed */
    assert_null(virDomainLookupByName(f->conn, "ro-010"));
    virResetLastError();
    assert_false(has_volume(f, "ro-010-cidata.iso"));
    /* the new gold has no CD-ROM of the host's, nor a seed of its own */
    xml = dom_xml(f, "ro-gold-v4");
    assert_null(strstr(xml, "cidata"));
    free(xml);
    assert_no_gold_seed(f);
    /* a clone of the new version gets only its own */
    assert_int_equal(
        vm(f, "clone", "ro-gold", "ro-011", "--version", "4", "--identity", "--farm", "ro", NULL),
        0);
    assert_seeded(f, "ro-011", "ro-gold", 4, "ro", &bare, "ide");
    xml = dom_xml(f, "ro-011");
    assert_null(strstr(xml, "ro-010-cidata.iso"));
    free(xml);
    assert_no_gold_seed(f);
}

/* ---- goldfarmd: its clones, crashes, retirements ---- */

/* The rds farm (farm.xml) with the standard policy and an identity group. */
static struct fx *identity_farm(void **state)
{
    struct fx *f = fx_new("farm.xml", NULL);
    char text[8192];

    *state = f;
    fx_policy_rds(f, text, sizeof(text), 8);
    snprintf(text + strlen(text), sizeof(text) - strlen(text),
             "identity = { guest = \"linux\"; };\n");
    fx_write_policy(f, "rds.conf", text);
    fx_write_trace(f, day_trace);
    fx_start(f, 1);
    return f;
}

/* The seed of host NAME on F's hypervisor 0, into PATH ("" none). */
static void seed_of(struct fx *f, const char *name, char *path, size_t len)
{
    virDomainPtr dom = virDomainLookupByName(f->conn[0], name);

    path[0] = '\0';
    if (!dom) {
        virResetLastError();
        return;
    }
    assert_true(gf_seed_find(dom, path, len) >= 0);
    virDomainFree(dom);
}

static void assert_no_orphan(struct fx *f)
{
    char orphans[1024];

    fx_orphans(f, 0, orphans, sizeof(orphans));
    assert_string_equal(orphans, "rds-009-vda.qcow2");
}

static void daemon_clones_get_seeds(void **state)
{
    struct fx *f = identity_farm(state);
    char path[PATH_MAX];

    fx_tick(f, "06:00");
    fx_tick(f, "07:00"); /* rds-004 for the minimum, rds-005 as standby */
    for (const char *const *h = (const char *const[]){"rds-004", "rds-005", NULL}; *h; h++) {
        char vol[64], want[PATH_MAX];
        snprintf(vol, sizeof(vol), "%s-cidata.iso", *h);
        assert_true(fx_volume(f, 0, vol, NULL, 0));
        seed_of(f, *h, path, sizeof(path));
        snprintf(want, sizeof(want), IMAGES "%s", vol);
        assert_string_equal(path, want);
    }
    /* the hosts that were there before keep what they had */
    seed_of(f, "rds-001", path, sizeof(path));
    assert_string_equal(path, "");
    assert_no_orphan(f);
    tick_changes_nothing(f, "07:01");
}

static void crash_during_a_seeded_clone(const char *point, int defined, void **state)
{
    struct fx *f = identity_farm(state);
    char hosts[256], path[PATH_MAX];

    fx_tick(f, "06:00");
    tick_and_crash(f, point, "07:00"); /* rds-004 half cloned */
    fx_notes_reset();
    fx_start(f, 1); /* the restart: the journal finishes or undoes it */
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    if (defined) {
        fx_assert_has(fx_notes(),
                      "journal: clone rds-004 interrupted by a crash after its domain "
                      "was defined: finished, the host is kept",
                      "the restart's log");
        assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004");
        assert_true(fx_volume(f, 0, "rds-004-cidata.iso", NULL, 0));
        seed_of(f, "rds-004", path, sizeof(path));
        assert_string_equal(path, IMAGES "rds-004-cidata.iso");
    } else {
        fx_assert_has(fx_notes(), "journal: clone rds-004 interrupted by a crash: undone",
                      "the restart's log");
        assert_string_equal(hosts, "rds-001 rds-002 rds-003");
        assert_false(fx_volume(f, 0, "rds-004-cidata.iso", NULL, 0));
        assert_false(fx_volume(f, 0, "rds-004-vda.qcow2", NULL, 0));
    }
    assert_no_orphan(f);
    /* the next tick clones what is missing, each with its seed, no duplicate */
    fx_tick(f, "07:00");
    fx_farm_hosts(f, 0, "rds", hosts, sizeof(hosts));
    assert_string_equal(hosts, "rds-001 rds-002 rds-003 rds-004 rds-005");
    seed_of(f, "rds-004", path, sizeof(path));
    assert_string_equal(path, IMAGES "rds-004-cidata.iso");
    seed_of(f, "rds-005", path, sizeof(path));
    assert_string_equal(path, IMAGES "rds-005-cidata.iso");
    assert_no_orphan(f);
}

static void crash_at_clone_volume(void **state)
{
    crash_during_a_seeded_clone("clone-volume", 0, state);
}

static void crash_at_clone_seed(void **state)
{
    crash_during_a_seeded_clone("clone-seed", 0, state);
}

static void crash_at_clone_defined(void **state)
{
    crash_during_a_seeded_clone("clone-defined", 1, state);
}

static void crash_at_clone_started(void **state)
{
    crash_during_a_seeded_clone("clone-started", 1, state);
}

/* A seeded host (rds-005, the standby) retired by goldfarmd, the tick
 * crashing at POINT when given: once done (or recovered), neither its
 * domain, nor its overlay, nor its seed is left. */
static void retire_a_seeded_host(const char *point, void **state)
{
    struct fx *f = identity_farm(state);
    char *out = NULL;

    fx_tick(f, "06:00");
    fx_tick(f, "07:00"); /* rds-004 and rds-005 (standby), both seeded */
    assert_true(fx_volume(f, 0, "rds-005-cidata.iso", NULL, 0));
    /* off-peak again: no standby wanted, rds-005 is retired */
    if (point) {
        tick_and_crash(f, point, "19:00");
        fx_notes_reset();
        fx_start(f, 1);
        fx_assert_has(fx_notes(), "journal: retire rds-005 interrupted by a crash: finished",
                      "the restart's log");
    } else
        fx_tick(f, "19:00");
    assert_int_equal(fx_dom_state(f, 0, "rds-005"), -1);
    assert_false(fx_volume(f, 0, "rds-005-vda.qcow2", NULL, 0));
    assert_false(fx_volume(f, 0, "rds-005-cidata.iso", NULL, 0));
    assert_true(fx_volume(f, 0, "rds-gold.qcow2", NULL, 0));
    assert_no_orphan(f);
    free(out);
}

static void retirement_removes_the_seed(void **state)
{
    retire_a_seeded_host(NULL, state);
}

static void crash_at_retire_stopped(void **state)
{
    retire_a_seeded_host("retire-stopped", state);
}

static void crash_at_retire_undefined(void **state)
{
    retire_a_seeded_host("retire-undefined", state);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest vmctl_tests[] = {
        cmocka_unit_test_setup_teardown(clone_with_the_policy_gets_its_seed, setup, vm_teardown),
        cmocka_unit_test_setup_teardown(clone_without_identity_gets_none, setup, vm_teardown),
        cmocka_unit_test_setup_teardown(failed_clone_leaves_no_seed, setup, vm_teardown),
        cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, vm_teardown),
        cmocka_unit_test_setup_teardown(quarantine_delete_removes_the_seed, setup, vm_teardown),
        cmocka_unit_test_setup_teardown(seal_never_carries_a_seed, setup_rollout, vm_teardown),
    };
    const struct CMUnitTest daemon_tests[] = {
        cmocka_unit_test_teardown(daemon_clones_get_seeds, teardown),
        cmocka_unit_test_teardown(crash_at_clone_volume, teardown),
        cmocka_unit_test_teardown(crash_at_clone_seed, teardown),
        cmocka_unit_test_teardown(crash_at_clone_defined, teardown),
        cmocka_unit_test_teardown(crash_at_clone_started, teardown),
        cmocka_unit_test_teardown(retirement_removes_the_seed, teardown),
        cmocka_unit_test_teardown(crash_at_retire_stopped, teardown),
        cmocka_unit_test_teardown(crash_at_retire_undefined, teardown),
    };
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: %s TESTS_DRIVER_DIR\n", argv[0]);
        return 2;
    }
    gf_err_init();
    snprintf(fx_testdir, sizeof(fx_testdir), "%s", argv[1]);
    snprintf(farm_uri, sizeof(farm_uri), "test://%s/farm.xml", argv[1]);
    snprintf(rollout_uri, sizeof(rollout_uri), "test://%s/farm-rollout.xml", argv[1]);
    failed = cmocka_run_group_tests_name("vmctl clone", vmctl_tests, group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("goldfarmd", daemon_tests, NULL, NULL);
    return failed ? 1 : 0;
}
