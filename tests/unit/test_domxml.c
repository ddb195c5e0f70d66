/* test_domxml.c - clone XML derivation and the metadata element. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "model/domxml.h"
#include "base/error.h"
#include "model/meta.h"

static const char gold_xml[] =
    "<domain type='kvm' id='7'>\n"
    "  <name>rds-gold</name>\n"
    "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n"
    "  <metadata>\n"
    "    <other:info xmlns:other='http://example.com/other'>kept</other:info>\n"
    "    <goldfarm:managed xmlns:goldfarm='https://goldfarm.dev/xmlns/domain/1' role='gold'"
    " image='rds-gold' image-version='3'/>\n"
    "    <gflease:lease xmlns:gflease='https://goldfarm.dev/xmlns/lease/1/rds' holder='h-1'"
    " host='gf1' pid='42' renewed='2026-11-18T11:06:40Z' expires='2026-11-18T11:08:10Z'/>\n"
    "  </metadata>\n"
    "  <memory unit='KiB'>4194304</memory>\n"
    "  <vcpu>2</vcpu>\n"
    "  <os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd"
    "</loader><nvram>/var/lib/libvirt/qemu/nvram/rds-gold_VARS.fd</nvram></os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
    "<source file='/pool/rds-gold.qcow2'/><backingStore/><target dev='vda' bus='virtio'/></disk>\n"
    "    <disk type='file' device='disk'><driver name='qemu' type='raw'/>"
    "<source file='/pool/rds-gold-data.img'/><target dev='vdb' bus='virtio'/></disk>\n"
    "    <disk type='file' device='cdrom'><source file='/iso/tools.iso'/>"
    "<target dev='sda' bus='sata'/><readonly/></disk>\n"
    "    <interface type='network'><mac address='52:54:00:11:22:33'/>"
    "<source network='default'/><target dev='vnet3'/></interface>\n"
    "    <interface type='network'><mac address='52:54:00:11:22:34'/>"
    "<source network='backend'/></interface>\n"
    "  </devices>\n"
    "</domain>\n";

/* The string value of XPath EXPR in XML (a new string to free, "" if none). */
static char *xpath_string(const char *xml, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "t.xml", NULL, 0);
    xmlXPathContextPtr ctx;
    xmlXPathObjectPtr obj;
    char *out;

    assert_non_null(doc);
    ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "gf", BAD_CAST GF_META_NS);
    xmlXPathRegisterNs(ctx, BAD_CAST "other", BAD_CAST "http://example.com/other");
    obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    assert_non_null(obj);
    {
        xmlChar *s = xmlXPathCastToString(obj);
        out = strdup((const char *)s);
        xmlFree(s);
    }
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return out;
}

/* Assert XPath EXPR in XML evaluates to the string WANT. */
static void assert_xpath(const char *xml, const char *expr, const char *want)
{
    char *got = xpath_string(xml, expr);

    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", expr, got, want);
    free(got);
}

/* Derive a clone named NAME of gold_xml into farm "rds". */
static char *derive(const char *name)
{
    struct gf_disk disks[2] = {
        {.target = "vda", .path = "/pool/x-vda.qcow2", .format = "qcow2"},
        {.target = "vdb", .path = "/pool/x-vdb.qcow2", .format = "qcow2"},
    };
    struct gf_meta meta = {.role = GF_ROLE_HOST, .image_version = 3, .created = 1795000000};
    struct gf_clone_spec spec = {.name = name, .disks = disks, .ndisks = 2, .meta = &meta};

    snprintf(meta.farm, sizeof(meta.farm), "rds");
    snprintf(meta.image, sizeof(meta.image), "rds-gold");
    meta.state = GF_HS_ACTIVE;
    snprintf(disks[0].path, sizeof(disks[0].path), "/pool/%s-vda.qcow2", name);
    snprintf(disks[1].path, sizeof(disks[1].path), "/pool/%s-vdb.qcow2", name);
    return gf_domxml_derive_clone(gold_xml, &spec);
}

static void clone_gets_new_identity(void **state)
{
    char *a = derive("rds-001"), *b = derive("rds-002");
    char *uuid_a, *uuid_b, *mac_a1, *mac_a2, *mac_b1;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_xpath(a, "string(/domain/name)", "rds-001");
    assert_xpath(a, "count(/domain/@id)", "0");
    assert_xpath(a, "count(/domain/uuid)", "1");
    uuid_a = xpath_string(a, "string(/domain/uuid)");
    uuid_b = xpath_string(b, "string(/domain/uuid)");
    assert_int_equal(strlen(uuid_a), 36);
    assert_int_equal(uuid_a[14], '4'); /* version 4 */
    assert_string_not_equal(uuid_a, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    assert_string_not_equal(uuid_a, uuid_b);
    mac_a1 = xpath_string(a, "string(/domain/devices/interface[1]/mac/@address)");
    mac_a2 = xpath_string(a, "string(/domain/devices/interface[2]/mac/@address)");
    mac_b1 = xpath_string(b, "string(/domain/devices/interface[1]/mac/@address)");
    assert_int_equal(strlen(mac_a1), 17);
    assert_memory_equal(mac_a1, "52:54:00:", 9);
    assert_string_not_equal(mac_a1, "52:54:00:11:22:33");
    assert_string_not_equal(mac_a2, "52:54:00:11:22:34");
    assert_string_not_equal(mac_a1, mac_a2);
    assert_string_not_equal(mac_a1, mac_b1);
    /* the gold's host-side device name is not carried over */
    assert_xpath(a, "count(/domain/devices/interface/target)", "0");
    assert_xpath(a, "string(/domain/devices/interface[2]/source/@network)", "backend");
    free(uuid_a);
    free(uuid_b);
    free(mac_a1);
    free(mac_a2);
    free(mac_b1);
    free(a);
    free(b);
}

static void clone_disks_point_at_new_volumes(void **state)
{
    char *x = derive("rds-001");

    (void)state;
    assert_non_null(x);
    assert_xpath(x, "string(/domain/devices/disk[target/@dev='vda']/source/@file)",
                 "/pool/rds-001-vda.qcow2");
    assert_xpath(x, "string(/domain/devices/disk[target/@dev='vdb']/source/@file)",
                 "/pool/rds-001-vdb.qcow2");
    /* overlays are qcow2 whatever the gold's format */
    assert_xpath(x, "string(/domain/devices/disk[target/@dev='vdb']/driver/@type)", "qcow2");
    assert_xpath(x, "count(/domain/devices/disk/backingStore)", "0");
    /* the read-only ISO is shared, not cloned */
    assert_xpath(x, "string(/domain/devices/disk[@device='cdrom']/source/@file)", "/iso/tools.iso");
    assert_xpath(x, "count(//source[@file='/pool/rds-gold.qcow2'])", "0");
    /* a per-domain NVRAM file is never shared with the gold */
    assert_xpath(x, "count(/domain/os/nvram)", "0");
    assert_xpath(x, "count(/domain/os/loader)", "1");
    free(x);
}

static void clone_metadata_marks_it_managed(void **state)
{
    char *x = derive("rds-001");

    (void)state;
    assert_non_null(x);
    assert_xpath(x, "count(/domain/metadata/gf:managed)", "1");
    assert_xpath(x, "string(/domain/metadata/gf:managed/@role)", "host");
    assert_xpath(x, "string(/domain/metadata/gf:managed/@farm)", "rds");
    assert_xpath(x, "string(/domain/metadata/gf:managed/@image)", "rds-gold");
    assert_xpath(x, "string(/domain/metadata/gf:managed/@image-version)", "3");
    assert_xpath(x, "string(/domain/metadata/gf:managed/@state)", "active");
    assert_xpath(x, "string(/domain/metadata/gf:managed/@created)", "2026-11-18T11:06:40Z");
    /* other tools' metadata is kept, the gold's farm lease is not */
    assert_xpath(x, "string(/domain/metadata/other:info)", "kept");
    assert_xpath(x,
                 "count(/domain/metadata/*[starts-with(namespace-uri(), "
                 "'https://goldfarm.dev/xmlns/lease/')])",
                 "0");
    free(x);
}

static void clone_without_a_disk_mapping_fails(void **state)
{
    struct gf_disk one = {.target = "vda", .path = "/pool/x.qcow2", .format = "qcow2"};
    struct gf_meta meta = {.role = GF_ROLE_HOST};
    struct gf_clone_spec spec = {.name = "x", .disks = &one, .ndisks = 1, .meta = &meta};

    (void)state;
    assert_null(gf_domxml_derive_clone(gold_xml, &spec));
    assert_non_null(strstr(gf_err_message(), "vdb"));
    assert_null(gf_domxml_derive_clone("<domain><name>", &spec));
    assert_non_null(strstr(gf_err_message(), "not well-formed"));
}

static void gold_disks_are_listed(void **state)
{
    struct gf_disk *disks = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(gf_domxml_disks(gold_xml, &disks, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(disks[0].target, "vda");
    assert_string_equal(disks[0].path, "/pool/rds-gold.qcow2");
    assert_string_equal(disks[0].format, "qcow2");
    assert_string_equal(disks[1].target, "vdb");
    assert_string_equal(disks[1].format, "raw");
    free(disks);
    assert_int_equal(gf_domxml_disks("<domain><devices><disk type='block' device='disk'>"
                                     "<source dev='/dev/sdb'/><target dev='vda'/></disk>"
                                     "</devices></domain>",
                                     &disks, &n),
                     -1);
    assert_non_null(strstr(gf_err_message(), "not a file disk"));
}

static void metadata_round_trips(void **state)
{
    struct gf_meta in = {.role = GF_ROLE_HOST,
                         .image_version = 12,
                         .since = 1795000000,
                         .created = 1794000000},
                   out;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr node;

    (void)state;
    snprintf(in.farm, sizeof(in.farm), "call-centre");
    snprintf(in.image, sizeof(in.image), "rds-2022");
    in.state = GF_HS_DRAINING;
    in.drained_by = GF_DRAIN_ADMIN;
    in.logoff_sent = 1795000100;
    in.replace = GF_REPLACE_NOW;
    snprintf(in.reason, sizeof(in.reason), "ramp-down: 12%% < 30%%");
    node = gf_meta_to_node(&in, doc, 1);
    assert_non_null(node);
    assert_int_equal(gf_meta_from_node(node, &out), 0);
    assert_int_equal(out.role, GF_ROLE_HOST);
    assert_string_equal(out.farm, "call-centre");
    assert_string_equal(out.image, "rds-2022");
    assert_int_equal(out.image_version, 12);
    assert_int_equal(out.state, GF_HS_DRAINING);
    assert_int_equal(out.drained_by, GF_DRAIN_ADMIN);
    assert_int_equal(out.logoff_sent, 1795000100);
    assert_int_equal(out.replace, GF_REPLACE_NOW);
    assert_string_equal(out.reason, "ramp-down: 12% < 30%");
    assert_int_equal(out.since, 1795000000);
    assert_int_equal(out.created, 1794000000);
    xmlSetProp(node, BAD_CAST "role", BAD_CAST "wizard");
    assert_int_equal(gf_meta_from_node(node, &out), -1);
    assert_non_null(strstr(gf_err_message(), "unknown role 'wizard'"));
    xmlSetProp(node, BAD_CAST "role", BAD_CAST "host");
    xmlSetProp(node, BAD_CAST "state", BAD_CAST "dancing\x1b[2J"); /* a typed field, escaped */
    assert_int_equal(gf_meta_from_node(node, &out), -1);
    assert_non_null(strstr(gf_err_message(), "state 'dancing\\x1b[2J' is not one Goldfarm knows"));
    xmlSetProp(node, BAD_CAST "state", BAD_CAST "draining");
    xmlSetProp(node, BAD_CAST "since", BAD_CAST "yesterday");
    assert_int_equal(gf_meta_from_node(node, &out), -1);
    assert_non_null(strstr(gf_err_message(), "since"));
    xmlFreeNode(node);
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clone_gets_new_identity),
        cmocka_unit_test(clone_disks_point_at_new_volumes),
        cmocka_unit_test(clone_metadata_marks_it_managed),
        cmocka_unit_test(clone_without_a_disk_mapping_fails),
        cmocka_unit_test(gold_disks_are_listed),
        cmocka_unit_test(metadata_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
