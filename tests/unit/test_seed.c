/* test_seed.c - a clone's NoCloud seed without libvirt: templates rendered
 * (substitutions, the escape, unknown variables and unclosed ones refused
 * with the template's file and line, the size limits), host names a guest
 * can take (Windows: NetBIOS), the ISO image built and read back (with
 * libisofs's reader, and its volume descriptors parsed by hand), the seed
 * CD-ROM in a clone's derived XML, and the policy's identity group. */
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
#include <libxml/parser.h>
#include <libxml/xpath.h>
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "base/error.h"
#include "model/domxml.h"
#include "model/meta.h"
#include "model/seed.h"
#include "policy/policy.h"

static const struct gf_seed_vars vars = {
    .host = "rds-004",
    .farm = "rds",
    .image = "rds-2022",
    .version = 7,
    .hypervisor = "qemu+ssh://hv2/system",
    .instance_id = "0b6c3ae2-53a4-4f2e-9d7b-1f0c8a1e2d3c",
};

/* Render TMPL, which must succeed, and compare with WANT. */
static void assert_renders(const char *tmpl, const char *want)
{
    char *out = NULL;
    size_t len = 0;

    if (gf_seed_render("t.yaml", tmpl, &vars, &out, &len, NULL) < 0)
        fail_msg("'%s' not rendered: %s", tmpl, gf_err_message());
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

/* Render TMPL, which must be refused as bad input at template line LINE
 * with an error saying WANT. */
static void assert_refused(const char *tmpl, int line, const char *want)
{
    char *out = (char *)"untouched";
    size_t len = 0;
    int at = -1;

    assert_int_equal(gf_seed_render("tpl/user-data.yaml", tmpl, &vars, &out, &len, &at), -1);
    assert_null(out);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_int_equal(at, line);
    if (!strstr(gf_err_message(), want))
        fail_msg("error '%s' lacks '%s'", gf_err_message(), want);
}

static void templates_substitute_every_variable(void **state)
{
    (void)state;
    assert_renders("#cloud-config\nhostname: ${host}\n", "#cloud-config\nhostname: rds-004\n");
    assert_renders("${host} ${farm} ${image} v${image_version} ${hypervisor} ${instance_id}",
                   "rds-004 rds rds-2022 v7 qemu+ssh://hv2/system "
                   "0b6c3ae2-53a4-4f2e-9d7b-1f0c8a1e2d3c");
    assert_renders("${host}${host}", "rds-004rds-004");
    /* $${ is a literal ${; every other $ is copied as it is */
    assert_renders("runcmd:\n - echo $${HOME} $HOME $$ $ 100$\n",
                   "runcmd:\n - echo ${HOME} $HOME $$ $ 100$\n");
    assert_renders("$$${host}", "$${host}");
    assert_renders("", "");
    /* UTF-8 text passes through */
    assert_renders("# Büro ${farm}\n", "# Büro rds\n");
}

static void template_errors_name_the_file_and_line(void **state)
{
    (void)state;
    assert_refused("#cloud-config\nfqdn: ${host}.example.com\nrun: ${hots}\n", 3,
                   "tpl/user-data.yaml:3: unknown variable ${hots} (known: ${host}, ${farm}, "
                   "${image}, ${image_version}, ${hypervisor}, ${instance_id}; write $${ for a "
                   "literal ${)");
    assert_refused("a\n\nb: ${HOME}\n", 3, "tpl/user-data.yaml:3: unknown variable ${HOME}");
    assert_refused("x: ${}\n", 1, "unknown variable ${}");
    assert_refused("one\ntwo: ${host\n}\n", 2,
                   "tpl/user-data.yaml:2: '${' is not closed by '}' on its line");
    assert_refused("end ${host", 1, "'${' is not closed");
    assert_refused("ok\nbad \xff\xfe\n", 2, "tpl/user-data.yaml:2: not UTF-8 text");
    /* control characters in a variable's name are not echoed raw */
    assert_refused("${a\033[2Jb}", 1, "unknown variable ${a\\x1b[2Jb}");
}

static void templates_and_rendered_files_have_size_limits(void **state)
{
    char *big = malloc(GF_SEED_TEMPLATE_MAX + 2), *out = NULL;
    size_t len = 0, n;

    (void)state;
    assert_non_null(big);
    /* the largest template is fine */
    memset(big, 'x', GF_SEED_TEMPLATE_MAX);
    big[GF_SEED_TEMPLATE_MAX] = '\0';
    assert_int_equal(gf_seed_render("big", big, &vars, &out, &len, NULL), 0);
    assert_int_equal(len, GF_SEED_TEMPLATE_MAX);
    free(out);
    /* one byte more is not */
    memset(big, 'x', GF_SEED_TEMPLATE_MAX + 1);
    big[GF_SEED_TEMPLATE_MAX + 1] = '\0';
    assert_int_equal(gf_seed_render("big", big, &vars, &out, &len, NULL), -1);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_non_null(strstr(gf_err_message(), "big: 32769 bytes, more than a template may have "
                                             "(32 KiB)"));
    /* a small template whose result is too large: a 200-byte URI, 10 a line */
    {
        struct gf_seed_vars v = vars;
        char uri[201];
        int at = 0;
        memset(uri, 'u', 200);
        uri[200] = '\0';
        v.hypervisor = uri;
        big[0] = '\0';
        for (n = 0; n < 400; n++)
            snprintf(big + strlen(big), GF_SEED_TEMPLATE_MAX + 2 - strlen(big), "%s",
                     n % 10 == 9 ? "${hypervisor}\n" : "${hypervisor}");
        assert_int_equal(gf_seed_render("grow", big, &v, &out, &len, &at), -1);
        assert_non_null(strstr(gf_err_message(), "grow:33: rendered, it grows past 64 KiB"));
        assert_int_equal(at, 33); /* 32 lines of 2001 bytes, then the 33rd */
    }
    free(big);
}

static void host_names_a_guest_can_take(void **state)
{
    (void)state;
    assert_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds-001"));
    assert_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds-001.farm.example.com"));
    assert_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds-session-host-0001"));
    assert_null(gf_seed_host_name_problem(GF_GUEST_WINDOWS, "RDS-SESSION-015")); /* 15 */
    assert_string_equal(gf_seed_host_name_problem(GF_GUEST_WINDOWS, "rds-session-0015"),
                        "is longer than the 15 characters of a Windows computer name (NetBIOS)");
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_WINDOWS, "rds.001"));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_WINDOWS, "1234"));
    assert_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "1234"));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds_001"));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds:001"));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds-.x"));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds..x"));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_LINUX, "rds."));
    assert_non_null(gf_seed_host_name_problem(GF_GUEST_LINUX, ""));
    assert_non_null(gf_seed_host_name_problem(
        GF_GUEST_LINUX, "a234567890123456789012345678901234567890123456789012345678901234"));
}

/* ---- the ISO image, read back ---- */

struct mem {
    const unsigned char *p;
    size_t len;
};

static int mem_open(IsoDataSource *src)
{
    (void)src;
    return 1;
}

static int mem_read(IsoDataSource *src, uint32_t lba, uint8_t *buf)
{
    const struct mem *m = src->data;

    if (((size_t)lba + 1) * 2048 > m->len)
        return ISO_DATA_SOURCE_FAILURE;
    memcpy(buf, m->p + (size_t)lba * 2048, 2048);
    return 1;
}

static void mem_free(IsoDataSource *src)
{
    free(src->data);
}

/* Import ISO (LEN bytes) with libisofs, Rock Ridge names unless NORR (then
 * Joliet's).  Returns the image; *RR and *JOLIET what it found. */
static IsoImage *import(const unsigned char *iso, size_t len, int norr, int *rr, int *joliet)
{
    /* both freed by the source's last unref: the image reads files through it */
    struct mem *m = calloc(1, sizeof(*m));
    IsoDataSource *src = calloc(1, sizeof(*src));
    IsoReadImageFeatures *features = NULL;
    IsoReadOpts *ropts = NULL;
    IsoImage *img = NULL;

    assert_non_null(src);
    assert_non_null(m);
    *m = (struct mem){iso, len};
    *src = (IsoDataSource){.refcount = 1,
                           .open = mem_open,
                           .close = mem_open,
                           .read_block = mem_read,
                           .free_data = mem_free,
                           .data = m};
    assert_true(iso_image_new("readback", &img) >= 0);
    assert_true(iso_read_opts_new(&ropts, 0) >= 0);
    iso_read_opts_set_no_rockridge(ropts, norr);
    assert_true(iso_image_import(img, src, ropts, &features) >= 0);
    *rr = iso_read_image_features_has_rockridge(features);
    *joliet = iso_read_image_features_has_joliet(features);
    iso_read_image_features_destroy(features);
    iso_read_opts_free(ropts);
    iso_data_source_unref(src);
    return img;
}

/* The contents of file PATH in IMG, a new string ("" when absent). */
static char *iso_file(IsoImage *img, const char *path)
{
    IsoNode *node = NULL;
    IsoStream *st;
    char *buf;
    off_t size;

    if (iso_tree_path_to_node(img, path, &node) != 1 || !ISO_NODE_IS_FILE(node))
        return strdup("");
    size = iso_file_get_size((IsoFile *)node);
    buf = calloc(1, (size_t)size + 1);
    st = iso_file_get_stream((IsoFile *)node);
    assert_true(iso_stream_open(st) >= 0);
    assert_int_equal(iso_stream_read(st, buf, (size_t)size), size);
    iso_stream_close(st);
    return buf;
}

/* Assert file PATH of IMG holds WANT. */
static void assert_iso_file(IsoImage *img, const char *path, const char *want)
{
    char *got = iso_file(img, path);

    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s'", path, got, want);
    free(got);
}

static void seed_image_reads_back(void **state)
{
    struct gf_identity id = {
        .guest = GF_GUEST_LINUX,
        .user_data = "#cloud-config\nfqdn: ${host}.${farm}.example.com\n",
        .user_data_name = "u.yaml",
        .network_config = "version: 2\n# on ${hypervisor}\n",
        .network_config_name = "n.yaml",
    };
    struct gf_seed s;
    IsoImage *img;
    int rr, joliet;
    const unsigned char *pvd, *svd;
    unsigned char joliet_label[12] = {0, 'c', 0, 'i', 0, 'd', 0, 'a', 0, 't', 0, 'a'};

    (void)state;
    assert_int_equal(gf_seed_make(&id, &vars, &s), 0);
    assert_string_equal(s.meta_data, "instance-id: 0b6c3ae2-53a4-4f2e-9d7b-1f0c8a1e2d3c\n"
                                     "local-hostname: rds-004\n");
    assert_int_equal(s.iso_len % 2048, 0);
    assert_true(s.iso_len >= 18 * 2048);
    /* the primary volume descriptor (sector 16): its volume id is "cidata",
     * lower case, space padded (what blkid and cloud-init read) */
    pvd = s.iso + 16 * 2048;
    assert_int_equal(pvd[0], 1);
    assert_memory_equal(pvd + 1, "CD001", 5);
    assert_memory_equal(pvd + 40, "cidata                          ", 32);
    /* a Joliet supplementary descriptor with the same label in UCS-2 */
    svd = NULL;
    for (size_t sec = 17; sec * 2048 < s.iso_len && s.iso[sec * 2048] != 255; sec++)
        if (s.iso[sec * 2048] == 2 && s.iso[sec * 2048 + 88] == '%')
            svd = s.iso + sec * 2048;
    assert_non_null(svd);
    assert_memory_equal(svd + 40, joliet_label, sizeof(joliet_label));

    /* libisofs's reader: Rock Ridge names (Linux) */
    img = import(s.iso, s.iso_len, 0, &rr, &joliet);
    assert_true(rr);
    assert_true(joliet);
    assert_string_equal(iso_image_get_volume_id(img), "cidata");
    assert_iso_file(img, "/meta-data", s.meta_data);
    assert_iso_file(img, "/user-data", "#cloud-config\nfqdn: rds-004.rds.example.com\n");
    assert_iso_file(img, "/network-config", "version: 2\n# on qemu+ssh://hv2/system\n");
    iso_image_unref(img);
    /* Joliet names (what Windows, and cloudbase-init, see) */
    img = import(s.iso, s.iso_len, 1, &rr, &joliet);
    assert_iso_file(img, "/meta-data", s.meta_data);
    assert_iso_file(img, "/user-data", "#cloud-config\nfqdn: rds-004.rds.example.com\n");
    iso_image_unref(img);
    gf_seed_clear(&s);
    assert_null(s.iso);
    gf_seed_clear(&s); /* twice is fine */
}

static void seed_without_templates(void **state)
{
    struct gf_identity id = {.guest = GF_GUEST_WINDOWS};
    struct gf_seed_vars v = vars;
    struct gf_seed s;
    IsoImage *img;
    int rr, joliet;

    (void)state;
    assert_int_equal(gf_seed_make(&id, &v, &s), 0);
    assert_null(s.network_config);
    img = import(s.iso, s.iso_len, 0, &rr, &joliet);
    /* cloud-init needs user-data to be there: a bare cloud-config */
    assert_iso_file(img, "/user-data", "#cloud-config\n");
    assert_iso_file(img, "/network-config", "");
    assert_iso_file(img, "/meta-data", s.meta_data);
    iso_image_unref(img);
    gf_seed_clear(&s);
    /* a Windows guest's name is checked before anything is built */
    v.host = "rds-session-0015";
    assert_int_equal(gf_seed_make(&id, &v, &s), -1);
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_non_null(strstr(gf_err_message(), "host name 'rds-session-0015' is longer than the 15 "
                                             "characters of a Windows computer name"));
    assert_null(s.iso);
    /* and a bad template fails the whole seed */
    id.guest = GF_GUEST_LINUX;
    id.user_data = "${nope}";
    id.user_data_name = "u.yaml";
    assert_int_equal(gf_seed_make(&id, &v, &s), -1);
    assert_non_null(strstr(gf_err_message(), "u.yaml:1: unknown variable ${nope}"));
}

/* ---- the seed CD-ROM in the derived XML ---- */

/* A gold (or, with SEED, a host carrying its own seed) on MACHINE, with a
 * virtio disk and, when CDROM, an install ISO on sda.  Not inlined: GCC 12
 * at -O2 then takes the string returned for a pointer to its local. */
static __attribute__((noinline)) char *gold_xml(const char *name, const char *arch,
                                                const char *machine, int cdrom, const char *seed)
{
    char *xml = NULL;

    if (asprintf(&xml,
                 "<domain type='kvm'><name>%s</name>"
                 "<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>"
                 "<memory unit='KiB'>1048576</memory><vcpu>1</vcpu>"
                 "<os><type arch='%s' machine='%s'>hvm</type></os><devices>"
                 "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                 "<source file='/pool/%s.qcow2'/><target dev='vda' bus='virtio'/></disk>"
                 "%s%s%s%s"
                 "<interface type='user'><mac address='52:54:00:11:22:33'/></interface>"
                 "</devices></domain>",
                 name, arch, machine, name,
                 cdrom ? "<disk type='file' device='cdrom'><source file='/iso/install.iso'/>"
                         "<target dev='sda' bus='sata'/><readonly/></disk>"
                       : "",
                 seed ? "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
                        "<source file='/pool/"
                      : "",
                 seed ? seed : "",
                 seed ? "'/><target dev='hdc' bus='ide'/><readonly/></disk>" : "") < 0)
        fail_msg("out of memory");
    return xml;
}

/* The string value of XPath EXPR in XML (a new string). */
static char *xpath(const char *xml, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "t.xml", NULL, 0);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    xmlChar *v = xmlXPathCastToString(obj);
    char *out = strdup((const char *)v);

    xmlFree(v);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return out;
}

static void assert_xpath(const char *xml, const char *expr, const char *want)
{
    char *got = xpath(xml, expr);

    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', want '%s' in\n%s", expr, got, want, xml);
    free(got);
}

/* Derive clone NAME of GOLD with the seed /pool/NAME-cidata.iso (or none). */
static char *derive(const char *gold, const char *name, int seed)
{
    struct gf_disk disk = {.target = "vda", .format = "qcow2"};
    struct gf_meta meta = {.role = GF_ROLE_HOST, .image_version = 1};
    char path[128];
    struct gf_clone_spec spec = {.name = name,
                                 .disks = &disk,
                                 .ndisks = 1,
                                 .meta = &meta,
                                 .uuid = "0b6c3ae2-53a4-4f2e-9d7b-1f0c8a1e2d3c",
                                 .seed = seed ? path : NULL};

    snprintf(disk.path, sizeof(disk.path), "/pool/%s-vda.qcow2", name);
    snprintf(path, sizeof(path), "/pool/%s-cidata.iso", name);
    meta.state = GF_HS_ACTIVE;
    return gf_domxml_derive_clone(gold, &spec);
}

#define SEED_DISK "/domain/devices/disk[source/@file='/pool/rds-004-cidata.iso']"

static void clone_gets_its_seed_on_the_right_bus(void **state)
{
    struct {
        const char *arch, *machine, *bus, *dev;
        int cdrom;
    } cases[] = {
        {"x86_64", "pc-i440fx-7.2", "ide", "hda", 0},
        {"x86_64", "pc", "ide", "hda", 1},
        {"x86_64", "", "ide", "hda", 0},
        {"x86_64", "pc-q35-7.2", "sata", "sda", 0},
        {"x86_64", "q35", "sata", "sdb", 1}, /* sda: the install ISO */
        {"aarch64", "virt", "scsi", "sda", 0},
    };
    char path[PATH_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *gold = gold_xml("rds-gold", cases[i].arch, cases[i].machine, cases[i].cdrom, NULL);
        char *x = derive(gold, "rds-004", 1);
        assert_non_null(x);
        assert_xpath(x, "count(" SEED_DISK ")", "1");
        assert_xpath(x, "string(" SEED_DISK "/@device)", "cdrom");
        assert_xpath(x, "string(" SEED_DISK "/@type)", "file");
        assert_xpath(x, "string(" SEED_DISK "/@snapshot)", "no");
        assert_xpath(x, "count(" SEED_DISK "/readonly)", "1");
        assert_xpath(x, "string(" SEED_DISK "/driver/@type)", "raw");
        assert_xpath(x, "string(" SEED_DISK "/target/@bus)", cases[i].bus);
        assert_xpath(x, "string(" SEED_DISK "/target/@dev)", cases[i].dev);
        assert_string_equal(gf_domxml_cdrom_bus(cases[i].machine, cases[i].arch), cases[i].bus);
        /* the instance-id in its meta-data is this UUID */
        assert_xpath(x, "string(/domain/uuid)", "0b6c3ae2-53a4-4f2e-9d7b-1f0c8a1e2d3c");
        /* the gold's own CD-ROM is still shared */
        assert_xpath(x, "count(/domain/devices/disk[@device='cdrom'])", cases[i].cdrom ? "2" : "1");
        /* and the clone's XML finds it as its own seed */
        assert_int_equal(gf_domxml_seed(x, path, sizeof(path)), 1);
        assert_string_equal(path, "/pool/rds-004-cidata.iso");
        free(x);
        /* without a seed: no CD-ROM added, the UUID still SPEC's */
        x = derive(gold, "rds-004", 0);
        assert_xpath(x, "count(" SEED_DISK ")", "0");
        assert_int_equal(gf_domxml_seed(x, path, sizeof(path)), 0);
        assert_string_equal(path, "");
        free(x);
        free(gold);
    }
}

static void a_host_seed_is_never_carried_over(void **state)
{
    /* a host with its own seed, sealed into a gold or cloned: the new
     * domain does not get the host's seed */
    char *host = gold_xml("rds-004", "x86_64", "pc", 1, "rds-004-cidata.iso");
    char *x, path[PATH_MAX];

    (void)state;
    assert_int_equal(gf_domxml_seed(host, path, sizeof(path)), 1);
    assert_string_equal(path, "/pool/rds-004-cidata.iso");
    x = derive(host, "rds-gold-v2", 0);
    assert_non_null(x);
    assert_xpath(x, "count(//disk[contains(source/@file, 'cidata')])", "0");
    assert_xpath(x, "count(/domain/devices/disk[@device='cdrom'])", "1"); /* install.iso */
    free(x);
    /* cloned with a seed of its own: only the new one, on the freed target */
    x = derive(host, "rds-005", 1);
    assert_xpath(x, "count(//disk[contains(source/@file, 'cidata')])", "1");
    assert_xpath(x, "string(//disk[contains(source/@file, 'cidata')]/source/@file)",
                 "/pool/rds-005-cidata.iso");
    assert_xpath(x, "string(//disk[contains(source/@file, 'cidata')]/target/@dev)", "hda");
    free(x);
    free(host);
    /* another domain's seed-like ISO is not this domain's seed */
    host = gold_xml("rds-004", "x86_64", "pc", 0, "rds-001-cidata.iso");
    assert_int_equal(gf_domxml_seed(host, path, sizeof(path)), 0);
    x = derive(host, "rds-gold-v2", 0);
    assert_xpath(x, "count(//disk[source/@file='/pool/rds-001-cidata.iso'])", "1");
    free(x);
    free(host);
    assert_int_equal(gf_domxml_seed("<domain><name>", path, sizeof(path)), -1);
}

static void no_free_ide_target_is_an_error(void **state)
{
    char *gold = gold_xml("rds-gold", "x86_64", "pc", 0, NULL), *full, *at;
    const char ide[] = "<disk type='file' device='cdrom'><source file='/iso/a.iso'/>"
                       "<target dev='hda' bus='ide'/><readonly/></disk>"
                       "<disk type='file' device='cdrom'><source file='/iso/b.iso'/>"
                       "<target dev='hdb' bus='ide'/><readonly/></disk>"
                       "<disk type='file' device='cdrom'><source file='/iso/c.iso'/>"
                       "<target dev='hdc' bus='ide'/><readonly/></disk>"
                       "<disk type='file' device='cdrom'><source file='/iso/d.iso'/>"
                       "<target dev='hdd' bus='ide'/><readonly/></disk>";

    (void)state;
    at = strstr(gold, "<interface");
    assert_true(asprintf(&full, "%.*s%s%s", (int)(at - gold), gold, ide, at) > 0);
    assert_null(derive(full, "rds-004", 1));
    assert_int_equal(gf_err_class_get(), GF_ERR_INPUT);
    assert_non_null(strstr(gf_err_message(), "no free ide target (hda to hdd) left for the seed"));
    free(full);
    free(gold);
}

/* ---- the policy's identity group ---- */

/* A policy for farm "tiny" on hypervisor URI with host names PATTERN and
 * MAX hosts, then EXTRA (the identity group), loaded from DIR/p.conf.
 * Returns the policy or NULL with *ERRORS. */
static struct gf_policy *policy(const char *dir, const char *uri, const char *pattern, int max,
                                const char *extra, char **errors)
{
    char file[128], *text;
    struct gf_policy *p;

    snprintf(file, sizeof(file), "%s/p.conf", dir);
    assert_true(asprintf(&text,
                         "farm: { name = \"tiny\"; hypervisors = ( { uri = \"%s\"; } );\n"
                         "  image = \"tiny-gold\"; host_name = \"%s\"; max_sessions = 10;\n"
                         "  max_hosts = %d; };\n"
                         "schedule: { always: { days = [\"sun\", \"mon\", \"tue\", \"wed\", "
                         "\"thu\", \"fri\", \"sat\"];\n"
                         "  ramp_up = { start = \"06:00\"; }; peak = { start = \"08:00\"; };\n"
                         "  ramp_down = { start = \"18:00\"; }; off_peak = { start = \"22:00\"; "
                         "}; }; };\n"
                         "%s",
                         uri, pattern, max, extra) > 0);
    p = gf_policy_load_string(file, text, errors);
    free(text);
    return p;
}

/* Write LEN bytes of TEXT to DIR/NAME. */
static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_non_null(f = fopen(path, "we"));
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

/* Assert that ERRORS is exactly WANT, then free it. */
static void assert_errors(char *errors, const char *want)
{
    if (!errors || strcmp(errors, want) != 0)
        fail_msg("errors:\n%s\nwant:\n%s", errors ? errors : "(none)", want);
    free(errors);
}

static void policy_identity_group(void **state)
{
    char dir[] = "/tmp/gf-seed-policy-XXXXXX", *errors = NULL, want[1024];
    const char ud[] = "#cloud-config\nfqdn: ${host}.example.com\n";
    struct gf_policy *p;
    struct gf_identity id;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* no identity group: no seed */
    assert_non_null(p = policy(dir, "qemu:///system", "tiny-%d", 3, "", &errors));
    assert_false(p->identity_on);
    gf_policy_free(p);
    /* an empty one: a seed with meta-data, for a Linux guest */
    assert_non_null(p = policy(dir, "qemu:///system", "tiny-%d", 3, "identity = { };\n", &errors));
    assert_true(p->identity_on);
    gf_policy_identity(p, &id);
    assert_int_equal(id.guest, GF_GUEST_LINUX);
    assert_null(id.user_data);
    assert_null(id.network_config);
    gf_policy_free(p);
    /* templates next to the policy, read when it is loaded */
    write_file(dir, "ud.yaml", ud, strlen(ud));
    write_file(dir, "net.yaml", "version: 2\n", 11);
    assert_non_null(p = policy(dir, "qemu:///system", "TINY-%02d", 3,
                               "identity = { guest = \"windows\"; user_data = \"ud.yaml\";\n"
                               "  network_config = \"net.yaml\"; };\n",
                               &errors));
    gf_policy_identity(p, &id);
    assert_int_equal(id.guest, GF_GUEST_WINDOWS);
    assert_string_equal(id.user_data, ud);
    assert_string_equal(id.network_config, "version: 2\n");
    snprintf(want, sizeof(want), "%s/ud.yaml", dir);
    assert_string_equal(id.user_data_name, want);
    gf_policy_free(p);
    unlink(want);
    snprintf(want, sizeof(want), "%s/net.yaml", dir);
    unlink(want);
    assert_int_equal(rmdir(dir), 0);
}

static void policy_identity_errors_name_file_and_line(void **state)
{
    char dir[] = "/tmp/gf-seed-policy-XXXXXX", *errors = NULL, want[2048], uri[256];
    char *big = calloc(1, GF_SEED_TEMPLATE_MAX + 2);
    struct gf_policy *p;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* an unknown variable: the policy's line and key, then the template's file and line */
    write_file(dir, "ud.yaml", "#cloud-config\n\nfqdn: ${hostname}\n", 32);
    p = policy(dir, "qemu:///system", "tiny-%d", 3,
               "identity = {\n  user_data = \"ud.yaml\";\n};\n", &errors);
    assert_null(p);
    snprintf(want, sizeof(want),
             "%s/p.conf:8: identity.user_data: %s/ud.yaml:3: unknown variable ${hostname} "
             "(known: %s; write $${ for a literal ${)\n",
             dir, dir, gf_seed_var_list);
    assert_errors(errors, want);
    /* Windows: host 100's name has 16 characters */
    p = policy(dir, "qemu:///system", "rds-sessions-%d", 100,
               "identity = { guest = \"windows\"; };\n", &errors);
    assert_null(p);
    snprintf(want, sizeof(want),
             "%s/p.conf:2: farm.host_name: 'rds-sessions-%%d' makes 'rds-sessions-100' for host "
             "100 (farm.max_hosts), which is longer than the 15 characters of a Windows computer "
             "name (NetBIOS): it cannot be a Windows guest's host name (identity.guest)\n",
             dir);
    assert_errors(errors, want);
    /* ... but 99 hosts fit (and so would Linux guests) */
    assert_non_null(p = policy(dir, "qemu:///system", "rds-sessions-%d", 99,
                               "identity = { guest = \"windows\"; };\n", &errors));
    gf_policy_free(p);
    assert_non_null(
        p = policy(dir, "qemu:///system", "rds-sessions-%d", 100, "identity = { };\n", &errors));
    gf_policy_free(p);
    /* a template too large, one with a NUL byte */
    memset(big, '#', GF_SEED_TEMPLATE_MAX + 1);
    write_file(dir, "big.yaml", big, GF_SEED_TEMPLATE_MAX + 1);
    write_file(dir, "nul.yaml", "a\0b\n", 4);
    p = policy(dir, "qemu:///system", "tiny-%d", 3,
               "identity = { user_data = \"big.yaml\"; network_config = \"nul.yaml\"; };\n",
               &errors);
    assert_null(p);
    snprintf(want, sizeof(want),
             "%s/p.conf:7: identity.user_data: %s/big.yaml: more than a template may have (32 "
             "KiB)\n"
             "%s/p.conf:7: identity.network_config: %s/nul.yaml: contains a NUL byte: not a "
             "text file\n",
             dir, dir, dir, dir);
    assert_errors(errors, want);
    /* the largest template is fine, and so is its result with this policy's values ... */
    big[GF_SEED_TEMPLATE_MAX] = '\0';
    write_file(dir, "big.yaml", big, GF_SEED_TEMPLATE_MAX);
    assert_non_null(p = policy(dir, "qemu:///system", "tiny-%d", 3,
                               "identity = { user_data = \"big.yaml\"; };\n", &errors));
    assert_int_equal(strlen(p->identity_user_data_text), GF_SEED_TEMPLATE_MAX);
    gf_policy_free(p);
    /* ... but a small one that grows past 64 KiB with the longest URI is not */
    memset(uri, 'h', sizeof(uri) - 1);
    memcpy(uri, "qemu+ssh://", 11);
    memcpy(uri + sizeof(uri) - 8, "/system", 8);
    big[0] = '\0';
    for (int i = 0; i < 300; i++)
        snprintf(big + strlen(big), GF_SEED_TEMPLATE_MAX + 2 - strlen(big), "${hypervisor}\n");
    write_file(dir, "grow.yaml", big, strlen(big));
    p = policy(dir, uri, "tiny-%d", 3, "identity = { user_data = \"grow.yaml\"; };\n", &errors);
    assert_null(p);
    snprintf(want, sizeof(want),
             "%s/p.conf:7: identity.user_data: %s/grow.yaml:257: rendered, it grows past 64 KiB, "
             "more than a seed file may have\n",
             dir, dir);
    assert_errors(errors, want);
    free(big);
    for (const char *const *f =
             (const char *const[]){"ud.yaml", "big.yaml", "nul.yaml", "grow.yaml", NULL};
         *f; f++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, *f);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_substitute_every_variable),
        cmocka_unit_test(template_errors_name_the_file_and_line),
        cmocka_unit_test(templates_and_rendered_files_have_size_limits),
        cmocka_unit_test(host_names_a_guest_can_take),
        cmocka_unit_test(seed_image_reads_back),
        cmocka_unit_test(seed_without_templates),
        cmocka_unit_test(clone_gets_its_seed_on_the_right_bus),
        cmocka_unit_test(a_host_seed_is_never_carried_over),
        cmocka_unit_test(no_free_ide_target_is_an_error),
        cmocka_unit_test(policy_identity_group),
        cmocka_unit_test(policy_identity_errors_name_file_and_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
