/* test_image.c - gold image versions on libvirt's test driver: listing,
 * clones of a version, promote, retire and its refusals, seal and its
 * refusals, a failed seal undone, a seal a crash interrupted finished or
 * undone.  In-process on one connection per test (tests/driver/farm-rollout.xml:
 * ro-gold v1 promoted, v2, v3 with a foreign volume backed by its disk,
 * farm "ro" of six running v1 hosts, and plain-vm, unmanaged). */
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

#include "base/error.h"
#include "farm_state.h"
#include "model/journal.h"
#include "base/log.h"
#include "model/meta.h"
#include "vm_fixture.h"
#include "lsan.h"

#define IMAGES "/var/lib/goldfarm/images/"

static char farm_uri[4200];

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

/* Stop running domain NAME (a host shut down before its seal). */
static void shut_off(struct fixture *f, const char *name)
{
    virDomainPtr dom = domain(f, name);

    assert_int_equal(virDomainDestroy(dom), 0);
    virDomainFree(dom);
}

/* Whether a domain called NAME exists. */
static int exists(struct fixture *f, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(f->conn, name);

    if (dom)
        virDomainFree(dom);
    return dom != NULL;
}

/* Whether pool volume NAME exists. */
static int has_volume(struct fixture *f, const char *name)
{
    char *xml = volume_xml(f, name);

    free(xml);
    return xml != NULL;
}

/* The backing file of volume NAME ("" when none; the volume must exist). */
static void backing_of(struct fixture *f, const char *name, char *buf, size_t len)
{
    char *xml = volume_xml(f, name);
    const char *bs, *p, *e;

    if (!xml)
        fail_msg("no volume '%s'", name);
    buf[0] = '\0';
    if ((bs = strstr(xml, "<backingStore>")) && (p = strstr(bs, "<path>")) &&
        (e = strstr(p, "</path>")))
        snprintf(buf, len, "%.*s", (int)(e - p - 6), p + 6);
    free(xml);
}

/* The persistent XML of domain NAME (a new string). */
static char *dom_xml(struct fixture *f, const char *name)
{
    virDomainPtr dom = domain(f, name);
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

    virDomainFree(dom);
    assert_non_null(xml);
    return xml;
}

/* ---- versions, clones, promote ---- */

static void versions_are_listed(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(vm(f, "image", "list", "--json", NULL), 0);
    assert_out(f, "{\"name\":\"ro-gold\",\"version\":1,\"marked\":\"2026-11-01T09:00:00Z\","
                  "\"disks\":1,\"clones\":6,\"disk\":\"" IMAGES "ro-gold.qcow2\",\"domain\":"
                  "\"ro-gold\",\"promoted\":true,\"parent\":0,");
    assert_out(f, "\"farms\":\"ro:6\"");
    assert_out(f, "{\"name\":\"ro-gold\",\"version\":2,");
    assert_out(f, "\"domain\":\"ro-gold-v2\",\"promoted\":false,\"parent\":1,\"note\":\"November "
                  "patches\"");
    assert_out(f, "\"version\":3,");
    assert_int_equal(vm(f, "image", "list", NULL), 0);
    assert_out(f, "ro-gold-v3");
    assert_out(f, "driver update");
}

static void clones_follow_the_promoted_version(void **state)
{
    struct fixture *f = *state;
    char backing[512];

    assert_int_equal(vm(f, "clone", "ro-gold", "x1", NULL), 0);
    assert_int_equal(meta_of(f, "x1").image_version, 1);
    assert_string_equal(meta_of(f, "x1").image, "ro-gold");
    backing_of(f, "x1-vda.qcow2", backing, sizeof(backing));
    assert_string_equal(backing, IMAGES "ro-gold.qcow2");

    assert_int_equal(vm(f, "image", "promote", "ro-gold", "2", NULL), 0);
    assert_out(f, "version 2 promoted (was 1)");
    assert_int_equal(vm(f, "clone", "ro-gold", "x2", NULL), 0);
    assert_int_equal(meta_of(f, "x2").image_version, 2);
    backing_of(f, "x2-vda.qcow2", backing, sizeof(backing));
    assert_string_equal(backing, IMAGES "ro-gold-v2-vda.qcow2");

    assert_int_equal(vm(f, "clone", "ro-gold", "x3", "--version", "3", NULL), 0);
    assert_int_equal(meta_of(f, "x3").image_version, 3);
    /* a version's own domain name works too */
    assert_int_equal(vm(f, "clone", "ro-gold-v3", "x4", NULL), 0);
    assert_int_equal(meta_of(f, "x4").image_version, 3);
    assert_string_equal(meta_of(f, "x4").image, "ro-gold");

    assert_refused(f, "image 'ro-gold' has no version 9 (its versions: 1, 2, 3)", "clone",
                   "ro-gold", "x5", "--version", "9");
    assert_refused(f, "--version '0' is not a whole number", "clone", "ro-gold", "x5", "--version",
                   "0");
    assert_refused(f, "gold domain 'ro-gold-v3' is version 3 of image 'ro-gold', not version 1",
                   "clone", "ro-gold-v3", "x5", "--version", "1");
}

static void promote_moves_the_default(void **state)
{
    struct fixture *f = *state;
    unsigned int serial;

    assert_int_equal(vm(f, "image", "promote", "ro-gold", "3", NULL), 0);
    serial = meta_of(f, "ro-gold-v3").promoted;
    assert_true(serial > meta_of(f, "ro-gold").promoted);
    assert_int_equal(vm(f, "image", "list", "--json", NULL), 0);
    assert_out(f, "\"domain\":\"ro-gold-v3\",\"promoted\":true");
    assert_out(f, "\"domain\":\"ro-gold\",\"promoted\":false");
    /* again: nothing changes */
    assert_int_equal(vm(f, "image", "promote", "ro-gold", "3", NULL), 0);
    assert_out(f, "already the promoted one");
    assert_int_equal(meta_of(f, "ro-gold-v3").promoted, serial);
    /* back to 1: the newest serial wins */
    assert_int_equal(vm(f, "image", "promote", "ro-gold", "1", NULL), 0);
    assert_true(meta_of(f, "ro-gold").promoted > serial);

    assert_refused(f, "image 'ro-gold' has no version 7 (its versions: 1, 2, 3)", "image",
                   "promote", "ro-gold", "7");
    assert_refused(f, "there is no image called 'nosuch'", "image", "promote", "nosuch", "1");
    assert_refused(f, "VERSION 'two' is not a whole number", "image", "promote", "ro-gold", "two");
}

/* ---- retire ---- */

/* A policies directory with one policy of farm "ro" pinning VERSION
 * (0: none) of ro-gold, in DIR (a new temporary directory). */
static void policies_pinning(char *dir, size_t len, int version)
{
    char path[512], text[2048], pin[64] = "";
    FILE *out;

    snprintf(dir, len, "/tmp/gf-image-XXXXXX");
    assert_non_null(mkdtemp(dir));
    if (version)
        snprintf(pin, sizeof(pin), "  image_version = %d;\n", version);
    snprintf(
        text, sizeof(text),
        "farm: {\n  name = \"ro\";\n  hypervisors = ( { uri = \"test:///default\"; } );\n"
        "  image = \"ro-gold\";\n%s  host_name = \"ro-%%03d\";\n  max_sessions = 10;\n"
        "  max_hosts = 8;\n};\nschedule: {\n  all: { days = [\"sun\", \"mon\", \"tue\", "
        "\"wed\", \"thu\", \"fri\", \"sat\"];\n"
        "    ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
        "    ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; };\n  };\n};\n",
        pin);
    snprintf(path, sizeof(path), "%s/ro.conf", dir);
    out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
}

/* Remove what policies_pinning made. */
static void remove_policies(const char *dir)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/ro.conf", dir);
    unlink(path);
    rmdir(dir);
}

static void retire_refuses_what_is_in_use(void **state)
{
    struct fixture *f = *state;
    char pins[128], none[128];

    policies_pinning(pins, sizeof(pins), 2);
    policies_pinning(none, sizeof(none), 0);
    assert_refused(f, "version 1 is the version of 'ro-gold' new clones use: promote another first",
                   "image", "retire", "ro-gold", "1", "--policies", none);
    assert_int_equal(vm(f, "image", "promote", "ro-gold", "2", NULL), 0);
    assert_refused(f,
                   "version 1 of 'ro-gold' is in use by 6 hosts: ro-001, ro-002, ro-003, ro-004, "
                   "ro-005, ro-006",
                   "image", "retire", "ro-gold", "1", "--policies", none);
    assert_int_equal(vm(f, "image", "promote", "ro-gold", "1", NULL), 0);
    assert_refused(f, "version 2 of 'ro-gold' is pinned by ro (ro.conf)", "image", "retire",
                   "ro-gold", "2", "--policies", pins);
    assert_refused(f, "is the backing file of volume 'foreign-clone.qcow2'", "image", "retire",
                   "ro-gold", "3", "--policies", none);
    assert_refused(f, "cannot read the policies directory /nonexistent", "image", "retire",
                   "ro-gold", "2", "--policies", "/nonexistent");
    assert_refused(f, "image 'ro-gold' has no version 5 (its versions: 1, 2, 3)", "image", "retire",
                   "ro-gold", "5", "--policies", none);
    /* quarantined hosts hold their version too */
    assert_int_equal(vm(f, "clone", "ro-gold", "q1", "--version", "2", "--farm", "ro", NULL), 0);
    {
        virDomainPtr dom = domain(f, "q1");
        assert_int_equal(gf_meta_set_state(dom, GF_HS_QUARANTINED, "broken", time(NULL)), 0);
        virDomainFree(dom);
    }
    assert_refused(f, "version 2 of 'ro-gold' is in use by 1 host: q1", "image", "retire",
                   "ro-gold", "2", "--policies", none);
    remove_policies(pins);
    remove_policies(none);
}

static void retire_deletes_an_unused_version(void **state)
{
    struct fixture *f = *state;
    char none[128], *gold_before = dom_xml(f, "ro-gold"), *gold_after;

    policies_pinning(none, sizeof(none), 0);
    assert_int_equal(vm(f, "image", "retire", "ro-gold", "2", "--policies", none, NULL), 0);
    assert_out(f, "version 2 retired");
    assert_false(exists(f, "ro-gold-v2"));
    assert_false(has_volume(f, "ro-gold-v2-vda.qcow2"));
    /* the other versions and their disks are untouched */
    gold_after = dom_xml(f, "ro-gold");
    assert_string_equal(gold_before, gold_after);
    assert_true(exists(f, "ro-gold-v3"));
    assert_true(has_volume(f, "ro-gold.qcow2"));
    assert_true(has_volume(f, "ro-gold-v3-vda.qcow2"));
    assert_int_equal(vm(f, "image", "list", "--json", NULL), 0);
    assert_null(strstr(f->out, "\"version\":2,"));
    free(gold_before);
    free(gold_after);
    remove_policies(none);
}

/* ---- seal ---- */

static void seal_makes_the_next_version(void **state)
{
    struct fixture *f = *state;
    char *gold_before = dom_xml(f, "ro-gold"), *vol_before = volume_xml(f, "ro-gold.qcow2");
    char *gold_after, *vol_after, *host_xml, *v4_xml, backing[512];
    struct gf_meta m;

    shut_off(f, "ro-006");
    host_xml = dom_xml(f, "ro-006");
    assert_int_equal(
        vm(f, "image", "seal", "ro-006", "--image", "ro-gold", "--note", "KB5031 patched", NULL),
        0);
    assert_out(f, "ro-006: sealed into ro-gold version 4 (gold domain ro-gold-v4, from version 1)");
    assert_out(f, "it is not promoted");
    m = meta_of(f, "ro-gold-v4");
    assert_int_equal(m.role, GF_ROLE_GOLD);
    assert_string_equal(m.image, "ro-gold");
    assert_int_equal(m.image_version, 4);
    assert_int_equal(m.parent_version, 1);
    assert_string_equal(m.note, "KB5031 patched");
    assert_string_equal(m.reason, "sealed from ro-006");
    assert_int_equal(m.promoted, 0);
    /* the new gold disk stands on its own: flattened, not an overlay */
    backing_of(f, "ro-gold-v4-vda.qcow2", backing, sizeof(backing));
    assert_string_equal(backing, "");
    v4_xml = dom_xml(f, "ro-gold-v4");
    assert_non_null(strstr(v4_xml, IMAGES "ro-gold-v4-vda.qcow2"));
    assert_null(strstr(v4_xml, "11111130-0000-4000-8000-000000000006")); /* a new UUID */
    assert_null(strstr(v4_xml, "52:54:00:ac:01:06"));                    /* a new MAC */
    /* the host became the version: gone with its overlay and pre-seal snapshot */
    assert_false(exists(f, "ro-006"));
    assert_false(has_volume(f, "ro-006-vda.qcow2"));
    /* version 1 is untouched, and so are its other clones */
    gold_after = dom_xml(f, "ro-gold");
    vol_after = volume_xml(f, "ro-gold.qcow2");
    assert_string_equal(gold_before, gold_after);
    assert_string_equal(vol_before, vol_after);
    backing_of(f, "ro-005-vda.qcow2", backing, sizeof(backing));
    assert_string_equal(backing, IMAGES "ro-gold.qcow2");
    /* a clone of the new version overlays its disk */
    assert_int_equal(vm(f, "clone", "ro-gold", "n1", "--version", "4", NULL), 0);
    backing_of(f, "n1-vda.qcow2", backing, sizeof(backing));
    assert_string_equal(backing, IMAGES "ro-gold-v4-vda.qcow2");
    free(gold_before);
    free(vol_before);
    free(gold_after);
    free(vol_after);
    free(host_xml);
    free(v4_xml);
}

static void seal_refusals_change_nothing(void **state)
{
    struct fixture *f = *state;

    assert_refused(f, "'ro-001' is running: shut it down first, or give --shutdown", "image",
                   "seal", "ro-001", "--image", "ro-gold");
    assert_refused(f, "cannot tell whether 'ro-001' has users: its guest agent does not answer",
                   "image", "seal", "ro-001", "--image", "ro-gold", "--shutdown");
    assert_refused(f, "--image NAME is required", "image", "seal", "ro-001");
    assert_refused(f, "'ro-001' is a clone of image 'ro-gold', not of 'other'", "image", "seal",
                   "ro-001", "--image", "other");
    assert_refused(f, "host 'plain-vm' is not managed by Goldfarm", "image", "seal", "plain-vm",
                   "--image", "ro-gold");
    assert_refused(f, "'ro-gold-v2' is a gold image", "image", "seal", "ro-gold-v2", "--image",
                   "ro-gold");
    assert_refused(f, "--timeout '0' is not a whole number", "image", "seal", "ro-001", "--image",
                   "ro-gold", "--timeout", "0");
    shut_off(f, "ro-002");
    {
        virDomainPtr dom = domain(f, "ro-002");
        assert_int_equal(gf_meta_set_state(dom, GF_HS_QUARANTINED, "broken", time(NULL)), 0);
        virDomainFree(dom);
    }
    assert_refused(f, "'ro-002' is quarantined: a broken or departing host is not sealed", "image",
                   "seal", "ro-002", "--image", "ro-gold");
    /* a name the next version needs is taken */
    shut_off(f, "ro-003");
    assert_int_equal(vm(f, "clone", "ro-gold", "ro-gold-v4", NULL), 0);
    assert_refused(f, "a domain named 'ro-gold-v4' already exists", "image", "seal", "ro-003",
                   "--image", "ro-gold");
}

static void failed_seal_is_undone(void **state)
{
    struct fixture *f = *state;
    char *before, *after;

    shut_off(f, "ro-005");
    before = farm_state(f->conn);
    setenv("GOLDFARM_FAULT", "seal-define:ro-005", 1);
    assert_int_equal(vm(f, "image", "seal", "ro-005", "--image", "ro-gold", NULL), 1);
    unsetenv("GOLDFARM_FAULT");
    assert_err("injected fault at seal-define");
    assert_err("the seal was undone: 'ro-005' is back as it was");
    after = farm_state(f->conn);
    assert_same_state(before, after, "the undone seal");
    assert_string_equal(meta_of(f, "ro-005").farm, "ro");
    assert_int_equal(meta_of(f, "ro-005").state, GF_HS_ACTIVE);
    free(before);
    free(after);
}

static jmp_buf crash_jmp;

static void on_crash(const char *point)
{
    (void)point;
    longjmp(crash_jmp, 1);
}

/* Seal HOST with GOLDFARM_CRASH=POINT: vmctl stops there, as a kill -9
 * would stop it, with no cleanup. */
static void seal_and_crash(struct fixture *f, const char *host, const char *point)
{
    volatile int reached = 0;

    setenv("GOLDFARM_CRASH", point, 1);
    gf_crash_set_handler(on_crash);
    LSAN_DISABLE(); /* what the crashed command held is not a leak */
    if (setjmp(crash_jmp) == 0)
        vm(f, "image", "seal", host, "--image", "ro-gold", NULL);
    else
        reached = 1;
    LSAN_ENABLE();
    gf_crash_set_handler(NULL);
    unsetenv("GOLDFARM_CRASH");
    gf_log_set_stream(NULL);
    f->out = NULL; /* its stream went with the crash */
    if (!reached)
        fail_msg("the seal did not reach the crash point %s", point);
}

static void interrupted_seal_is_undone_then_done(void **state)
{
    struct fixture *f = *state;
    struct gf_meta m;

    shut_off(f, "ro-004");
    seal_and_crash(f, "ro-004", "seal-copied");
    /* left between: out of its farm, a copied volume, no gold domain yet */
    m = meta_of(f, "ro-004");
    assert_int_equal(m.state, GF_HS_SEALING);
    assert_string_equal(m.farm, "");
    assert_non_null(strstr(m.reason, "sealing into image ro-gold version 4 as ro-gold-v4"));
    assert_false(exists(f, "ro-gold-v4"));
    assert_true(has_volume(f, "ro-gold-v4-vda.qcow2"));
    /* meanwhile no other host of the image is sealed: it would take the same version */
    shut_off(f, "ro-003");
    assert_refused(f, "'ro-004' is being sealed into 'ro-gold' (or its seal was interrupted",
                   "image", "seal", "ro-003", "--image", "ro-gold");
    /* sealing it again undoes what was left, then seals */
    assert_int_equal(vm(f, "image", "seal", "ro-004", "--image", "ro-gold", NULL), 0);
    assert_out(f, "ro-004: an interrupted seal into ro-gold version 4 was undone");
    assert_out(f, "ro-004: sealed into ro-gold version 4");
    assert_int_equal(meta_of(f, "ro-gold-v4").image_version, 4);
    assert_false(exists(f, "ro-004"));
}

static void interrupted_seal_is_finished(void **state)
{
    struct fixture *f = *state;

    shut_off(f, "ro-004");
    seal_and_crash(f, "ro-004", "seal-defined");
    assert_true(exists(f, "ro-gold-v4"));
    assert_int_equal(meta_of(f, "ro-004").state, GF_HS_SEALING);
    assert_int_equal(vm(f, "image", "seal", "ro-004", "--image", "ro-gold", NULL), 0);
    assert_out(f, "an interrupted seal was finished into ro-gold version 4");
    assert_false(exists(f, "ro-004"));
    assert_false(has_volume(f, "ro-004-vda.qcow2"));
    assert_int_equal(meta_of(f, "ro-gold-v4").parent_version, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(versions_are_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(clones_follow_the_promoted_version, setup, teardown),
        cmocka_unit_test_setup_teardown(promote_moves_the_default, setup, teardown),
        cmocka_unit_test_setup_teardown(retire_refuses_what_is_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(retire_deletes_an_unused_version, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_makes_the_next_version, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_seal_is_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(interrupted_seal_is_undone_then_done, setup, teardown),
        cmocka_unit_test_setup_teardown(interrupted_seal_is_finished, setup, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s ABSOLUTE/PATH/farm-rollout.xml\n", argv[0]);
        return 2;
    }
    snprintf(farm_uri, sizeof(farm_uri), "test://%s", argv[1]);
    gf_err_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
