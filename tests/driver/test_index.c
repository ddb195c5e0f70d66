/* test_index.c - the index of disk users and the metadata cache (issue 16),
 * on libvirt's test driver: the index only chooses which domains to read,
 * and what it does not know or holds wrongly cannot make a used disk look
 * free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "act/act.h"
#include "base/error.h"
#include "model/disk_index.h"
#include "model/disk_use.h"
#include "model/hosts.h"
#include "model/image.h"
#include "model/meta.h"

/* Define domain NAME with disks DISK1 and (unless NULL) DISK2, behind the
 * index's back (a plain virDomainDefineXML, as another program would). */
static virDomainPtr define(virConnectPtr conn, const char *name, const char *disk1,
                           const char *disk2)
{
    char xml[2048], second[512] = "", uuid[VIR_UUID_STRING_BUFLEN + 16] = "";
    virDomainPtr same = virDomainLookupByName(conn, name);

    if (same) { /* a redefinition: the same UUID */
        char u[VIR_UUID_STRING_BUFLEN];
        if (virDomainGetUUIDString(same, u) == 0)
            snprintf(uuid, sizeof(uuid), "<uuid>%s</uuid>", u);
        virDomainFree(same);
    }
    virResetLastError();

    if (disk2)
        snprintf(second, sizeof(second),
                 "<disk type='file' device='disk'><source file='%s'/>"
                 "<target dev='vdb' bus='virtio'/></disk>",
                 disk2);
    snprintf(xml, sizeof(xml),
             "<domain type='test'><name>%s</name>%s<memory unit='MiB'>64</memory>"
             "<os><type arch='x86_64'>hvm</type></os><devices>"
             "<disk type='file' device='disk'><source file='%s'/>"
             "<target dev='vda' bus='virtio'/></disk>%s</devices></domain>",
             name, uuid, disk1, second);
    return virDomainDefineXML(conn, xml);
}

/* Users of PATH on CONN, the first one's name into WHO. */
static int users(virConnectPtr conn, const char *path, char *who)
{
    return gf_disk_users(conn, path, who, GF_DISK_WHO_LEN);
}

static void index_is_a_hint_never_the_proof(void **state)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr a, b, a2;
    char who[GF_DISK_WHO_LEN];
    int before;

    (void)state;
    assert_non_null(conn);
    gf_disk_index_enable(GF_INDEX_ON);
    assert_non_null(a = define(conn, "ix-a", "/ix/a.qcow2", NULL));
    assert_int_equal(users(conn, "/ix/a.qcow2", who), 1);
    assert_string_equal(who, "ix-a");
    assert_int_equal(users(conn, "/ix/none.qcow2", who), 0);
    before = gf_disk_index_size();
    assert_true(before >= 2); /* every domain of the connection, "test" too */

    /* a domain defined behind the index's back: libvirt's count differs,
     * every domain is listed again and the new one read */
    assert_non_null(b = define(conn, "ix-b", "/ix/b.qcow2", "/ix/a.qcow2"));
    assert_int_equal(users(conn, "/ix/a.qcow2", who), 2);
    assert_string_equal(who, "ix-a");
    assert_int_equal(gf_disk_index_size(), before + 1);

    /* a redefinition the index was not told of: it still names ix-a for
     * /ix/a.qcow2, but libvirt has the last word (the candidate is read
     * again); and nothing it holds hides a user of the new path... */
    assert_non_null(a2 = define(conn, "ix-a", "/ix/a-new.qcow2", NULL));
    assert_int_equal(users(conn, "/ix/a.qcow2", who), 1);
    assert_string_equal(who, "ix-b");
    /* ...once told (the daemon's lifecycle event: defined) */
    gf_disk_index_forget(a2);
    assert_int_equal(users(conn, "/ix/a-new.qcow2", who), 1);
    assert_string_equal(who, "ix-a");

    /* undefined through Goldfarm: dropped from the index, and gone */
    assert_int_equal(gf_undefine(b), 0);
    assert_int_equal(gf_disk_index_size(), before);
    assert_int_equal(users(conn, "/ix/b.qcow2", who), 0);
    assert_int_equal(users(conn, "/ix/a.qcow2", who), 0);

    /* undefined behind its back: the count differs, the listing drops it */
    assert_int_equal(virDomainUndefine(a2), 0);
    assert_int_equal(users(conn, "/ix/a-new.qcow2", who), 0);
    assert_int_equal(gf_disk_index_size(), before - 1);

    /* the same answers with the index off (every domain read) */
    gf_disk_index_enable(GF_INDEX_OFF);
    assert_int_equal(users(conn, "/ix/a-new.qcow2", who), 0);
    virDomainFree(a);
    virDomainFree(a2);
    virDomainFree(b);
    virConnectClose(conn);
}

/* Whether UUID is among the N of UUIDS. */
static int has_uuid(const unsigned char *uuids, size_t n, virDomainPtr dom)
{
    unsigned char u[VIR_UUID_BUFLEN];

    assert_int_equal(virDomainGetUUID(dom, u), 0);
    for (size_t i = 0; i < n; i++)
        if (memcmp(uuids + i * VIR_UUID_BUFLEN, u, VIR_UUID_BUFLEN) == 0)
            return 1;
    return 0;
}

/* Behind the index's back a domain X is undefined and a domain Y defined
 * (libvirt's count as before; Y uses the disk), no event handled between:
 * the query before a delete still names Y (checked by the set of UUIDs,
 * not the count).  A forget of a domain the index does not know makes
 * even the count-checked listing list again.  A disk hot-plugged into a
 * running domain (no lifecycle event) is found once the daemon's
 * device-added event is applied. */
static void swap_behind_its_back(void **state)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    const char *both[2] = {"/ix/x.qcow2", "/ix/shared.qcow2"};
    virDomainPtr x, y, z;
    char who[GF_DISK_WHO_LEN], whos[2][GF_DISK_WHO_LEN];
    unsigned char *uuids = NULL;
    size_t n = 0;
    int size, each[2];

    (void)state;
    assert_non_null(conn);
    gf_disk_index_enable(GF_INDEX_ON);
    assert_non_null(x = define(conn, "ix-x", "/ix/x.qcow2", NULL));
    assert_int_equal(users(conn, "/ix/shared.qcow2", who), 0);
    assert_int_equal(users(conn, "/ix/x.qcow2", who), 1);
    size = gf_disk_index_size();

    /* X out, Y in: the same count, no event */
    assert_int_equal(virDomainUndefine(x), 0);
    assert_non_null(y = define(conn, "ix-y", "/ix/shared.qcow2", NULL));
    assert_int_equal(users(conn, "/ix/shared.qcow2", who), 1);
    assert_string_equal(who, "ix-y");
    assert_int_equal(gf_disk_users_each(conn, both, 2, each, whos), 0);
    assert_int_equal(each[0], 0);
    assert_int_equal(each[1], 1);
    assert_string_equal(whos[1], "ix-y");
    assert_int_equal(gf_disk_index_size(), size); /* X dropped, Y read */

    /* Y out, Z in, and the event of Z's definition: Z the index does not
     * know, so even the count-checked listing (the same count) has it */
    assert_int_equal(virDomainUndefine(y), 0);
    assert_non_null(z = define(conn, "ix-z", "/ix/z.qcow2", NULL));
    gf_disk_index_forget(z);
    assert_int_equal(gf_disk_index_uuids(conn, &uuids, &n), 1);
    assert_true(has_uuid(uuids, n, z));
    assert_false(has_uuid(uuids, n, y));
    free(uuids);

    /* a disk hot-plugged into running Z, where the driver can */
    if (virDomainCreate(z) == 0 &&
        virDomainAttachDeviceFlags(z,
                                   "<disk type='file' device='disk'>"
                                   "<source file='/ix/hot.qcow2'/>"
                                   "<target dev='vdc' bus='virtio'/></disk>",
                                   VIR_DOMAIN_AFFECT_LIVE) == 0) {
        gf_disk_index_forget(z); /* as goldfarmd's device-added event */
        assert_int_equal(users(conn, "/ix/hot.qcow2", who), 1);
        assert_string_equal(who, "ix-z");
    } else {
        print_message("the test driver cannot hot-plug a disk (%s): not tested\n",
                      virGetLastErrorMessage());
        virResetLastError();
    }
    if (virDomainIsActive(z) == 1)
        virDomainDestroy(z);
    assert_int_equal(virDomainUndefine(z), 0);
    gf_disk_index_enable(GF_INDEX_OFF);
    virDomainFree(x);
    virDomainFree(y);
    virDomainFree(z);
    virConnectClose(conn);
}

static void meta_cache_forgets_undefined_domains(void **state)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    struct gf_meta m = {.role = GF_ROLE_HOST, .state = GF_HS_ACTIVE};
    virDomainPtr doms[20];
    int base;

    (void)state;
    assert_non_null(conn);
    gf_meta_cache_enable(1);
    snprintf(m.farm, sizeof(m.farm), "ix");
    snprintf(m.image, sizeof(m.image), "gold");
    m.image_version = 1;
    base = gf_meta_cache_size();
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 20; i++) {
            char name[32], disk[64];
            struct gf_meta got;
            snprintf(name, sizeof(name), "ixm-%d-%d", round, i);
            snprintf(disk, sizeof(disk), "/ix/%s.qcow2", name);
            assert_non_null(doms[i] = define(conn, name, disk, NULL));
            assert_int_equal(gf_meta_set(doms[i], &m), 0);
            assert_int_equal(gf_meta_get(doms[i], &got), 1);
            assert_string_equal(got.farm, "ix");
        }
        assert_int_equal(gf_meta_cache_size(), base + 20);
        for (int i = 0; i < 20; i++) {
            assert_int_equal(gf_undefine(doms[i]), 0);
            virDomainFree(doms[i]);
        }
        /* flat: what was undefined is not kept */
        assert_int_equal(gf_meta_cache_size(), base);
    }
    gf_meta_cache_enable(0);
    virConnectClose(conn);
}

/* The race gf_meta_cache_forget guards against, made with the test hook:
 * while goldfarmd reads (or writes) a domain's metadata, another program
 * writes it and the event's forgetting comes before the answer is stored. */
static const char *race_farm; /* the other program's farm name; NULL: no race */

static void other_program_writes(virDomainPtr dom)
{
    struct gf_meta m = {.role = GF_ROLE_HOST, .state = GF_HS_ACTIVE, .image_version = 1};

    if (!race_farm)
        return;
    snprintf(m.farm, sizeof(m.farm), "%s", race_farm);
    snprintf(m.image, sizeof(m.image), "gold");
    race_farm = NULL; /* once; gf_meta_set below runs the hook too */
    assert_int_equal(gf_meta_set(dom, &m), 0);
    gf_meta_cache_forget(dom); /* its metadata-change event, in the daemon */
}

/* DOM's farm as the cache holds it ("" when it holds none). */
static void cached_farm(virDomainPtr dom, char *farm, size_t len)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    struct gf_meta m;

    assert_int_equal(virDomainGetUUID(dom, uuid), 0);
    snprintf(farm, len, "%s",
             gf_meta_cache_peek(virDomainGetConnect(dom), uuid, &m) == 1 ? m.farm : "");
}

static void meta_cache_keeps_no_answer_older_than_a_forget(void **state)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    struct gf_meta m = {.role = GF_ROLE_HOST, .state = GF_HS_ACTIVE, .image_version = 1}, got;
    virDomainPtr dom;
    char farm[64];

    (void)state;
    assert_non_null(conn);
    gf_meta_cache_enable(1);
    gf_meta_cache_test_hook(other_program_writes);
    snprintf(m.image, sizeof(m.image), "gold");
    snprintf(m.farm, sizeof(m.farm), "first");
    assert_non_null(dom = define(conn, "ixr-1", "/ix/ixr-1.qcow2", NULL));
    assert_int_equal(gf_meta_set(dom, &m), 0);

    /* a read answered "first", then "second" was written and forgotten */
    gf_meta_cache_forget(dom);
    race_farm = "second";
    assert_int_equal(gf_meta_get(dom, &got), 1);
    assert_string_equal(got.farm, "first"); /* libvirt's answer then */
    cached_farm(dom, farm, sizeof(farm));
    assert_string_equal(farm, ""); /* not kept: it is older than the forget */
    assert_int_equal(gf_meta_get(dom, &got), 1);
    assert_string_equal(got.farm, "second");
    cached_farm(dom, farm, sizeof(farm));
    assert_string_equal(farm, "second"); /* without a race, an answer is kept */

    /* a write of "third", then "fourth" by another program, forgotten */
    snprintf(m.farm, sizeof(m.farm), "third");
    race_farm = "fourth";
    assert_int_equal(gf_meta_set(dom, &m), 0);
    cached_farm(dom, farm, sizeof(farm));
    assert_string_equal(farm, "");
    assert_int_equal(gf_meta_get(dom, &got), 1);
    assert_string_equal(got.farm, "fourth");

    gf_meta_cache_test_hook(NULL);
    assert_int_equal(gf_undefine(dom), 0);
    virDomainFree(dom);
    gf_meta_cache_enable(0);
    virConnectClose(conn);
}

/* Volume NAME (64 MiB, raw) in the test driver's default pool; its path. */
static virStorageVolPtr make_volume(virConnectPtr conn, const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, "default-pool");
    virStorageVolPtr vol;
    char xml[512];

    assert_non_null(pool);
    snprintf(xml, sizeof(xml),
             "<volume><name>%s</name><capacity unit='M'>64</capacity>"
             "<target><format type='raw'/></target></volume>",
             name);
    vol = virStorageVolCreateXML(pool, xml, 0);
    virStoragePoolFree(pool);
    assert_non_null(vol);
    return vol;
}

/* Whether a volume has PATH on CONN. */
static int volume_exists(virConnectPtr conn, const char *path)
{
    virStorageVolPtr vol = virStorageVolLookupByPath(conn, path);

    virResetLastError();
    if (!vol)
        return 0;
    virStorageVolFree(vol);
    return 1;
}

/* A retirement's check of which of its host's disks are a gold's is made
 * by the index's count (no listing); its deletion asks by the set.  Behind
 * the index's back X is undefined and gold G defined on a disk host H also
 * names (libvirt's count as before, no event): the retirement of H deletes
 * H's own disk and keeps G's, which the deletion's query finds. */
static void retire_keeps_a_gold_disk_the_index_missed(void **state)
{
    virConnectPtr conn = virConnectOpen("test:///default");
    struct gf_meta host = {.role = GF_ROLE_HOST, .state = GF_HS_DRAINING, .image_version = 1};
    struct gf_meta gold = {.role = GF_ROLE_GOLD, .image_version = 1};
    virStorageVolPtr own, shared;
    char *own_path, *shared_path;
    virDomainPtr h, x, g;
    char who[GF_DISK_WHO_LEN];

    (void)state;
    assert_non_null(conn);
    gf_disk_index_enable(GF_INDEX_ON);
    own = make_volume(conn, "ixr-h.img");
    shared = make_volume(conn, "ixr-g.img");
    assert_non_null(own_path = virStorageVolGetPath(own));
    assert_non_null(shared_path = virStorageVolGetPath(shared));
    snprintf(host.farm, sizeof(host.farm), "ix");
    snprintf(host.image, sizeof(host.image), "ixr-g");
    snprintf(gold.image, sizeof(gold.image), "ixr-g");
    assert_non_null(h = define(conn, "ixr-h", own_path, shared_path));
    assert_int_equal(gf_meta_set(h, &host), 0);
    assert_non_null(x = define(conn, "ixr-x", "/ix/ixr-x.qcow2", NULL));
    assert_int_equal(users(conn, shared_path, who), 1); /* the index lists, and knows H, X */
    assert_string_equal(who, "ixr-h");

    /* X out, G in: the same count, no event */
    assert_int_equal(virDomainUndefine(x), 0);
    assert_non_null(g = define(conn, "ixr-g", shared_path, NULL));
    assert_int_equal(gf_meta_set(g, &gold), 0);
    assert_int_equal(gf_image_owns_disk_precheck(conn, shared_path), 0); /* missed: a hint */

    assert_int_equal(gf_retire(h, NULL, 0, 1), 0);
    assert_null(virDomainLookupByName(conn, "ixr-h"));
    virResetLastError();
    assert_false(volume_exists(conn, own_path));
    assert_true(volume_exists(conn, shared_path)); /* G's: kept */
    assert_int_equal(gf_image_owns_disk(conn, shared_path), 1);

    assert_int_equal(virDomainUndefine(g), 0);
    assert_int_equal(virStorageVolDelete(shared, 0), 0);
    gf_disk_index_enable(GF_INDEX_OFF);
    free(own_path);
    free(shared_path);
    virStorageVolFree(own);
    virStorageVolFree(shared);
    virDomainFree(h);
    virDomainFree(x);
    virDomainFree(g);
    virConnectClose(conn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_is_a_hint_never_the_proof),
        cmocka_unit_test(swap_behind_its_back),
        cmocka_unit_test(meta_cache_forgets_undefined_domains),
        cmocka_unit_test(meta_cache_keeps_no_answer_older_than_a_forget),
        cmocka_unit_test(retire_keeps_a_gold_disk_the_index_missed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
