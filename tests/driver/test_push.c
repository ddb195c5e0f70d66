/* test_push.c - vmctl image push on libvirt's test driver: what it refuses
 * (nothing changed on either side), and that a push failing or crashing at
 * each step the test driver reaches leaves nothing on the target once the
 * next push's recovery has run.
 *
 * Two hypervisors in one process: farm-push-a.xml (the source: image pg v1
 * without a checksum, v2 with sha256 aaaa...) and farm-push-b.xml (the
 * target: pool goldfarm in another directory, pg v2 with sha256 bbbb...);
 * farm-push-c.xml has no pool named goldfarm.  image list --policy over A and B
 * shows v2's two checksums as a mismatch; image retire --policy over them checks
 * every node before it retires anything (farm-push-d.xml: a node seeing A's
 * storage).
 *
 * Shared network storage, told by the pools' XML (issue 17): farm-push-g.xml (the source: pool
 * goldfarm the NFS export nfs1.example.com:/export/gold, gold pn on it; pool ceph an RBD pool),
 * farm-push-h.xml (the same export and RBD pool, pool UUIDs of its own) and farm-push-i.xml
 * (another export of the same server mounted at the same path, RBD of another cluster).  The
 * test driver takes netfs and rbd pools from its XML file, active and never mounted, and
 * virStorageVolLookupByKey finds a volume by its key, which it sets to the volume's path (for
 * rbd: "(null)/NAME", as it has no target path for them).  A shared push reads its disks for
 * their checksum, which the test driver cannot (no virStorageVolDownload): what is checked here
 * is everything up to that read (shared or not, a volume made on the target or not); the define
 * and the shared="yes" marks are checked on two real libvirtd in tests/qemu/test_push_qemu.c.
 *
 * What this tier cannot do: the test driver has no virStorageVolDownload
 * (nor Upload), so a push here always fails at its stream, and the steps
 * after it (the upload, the verify, the define) are only reached on real
 * libvirtd: tests/qemu/test_push_qemu.c pushes between two of them and
 * interrupts it after the stream and after the define. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "farm_state.h"
#include "lsan.h"
#include "model/journal.h"
#include "model/meta.h"
#include "model/push.h"
#include "model/push_int.h"
#include "vm_fixture.h"

#define NODE_B "/var/lib/goldfarm/node-b/"

static char uri_a[PATH_MAX + 16], uri_b[PATH_MAX + 16], uri_c[PATH_MAX + 16], uri_d[PATH_MAX + 16],
    uri_e[PATH_MAX + 16], uri_f[PATH_MAX + 16], uri_g[PATH_MAX + 16], uri_h[PATH_MAX + 16],
    uri_i[PATH_MAX + 16], uri_j[PATH_MAX + 16], uri_k[PATH_MAX + 16];

struct push_fx {
    struct fixture *a; /* the source, with vmctl's context */
    virConnectPtr b;   /* the target */
    char state[64];    /* a state directory for the journal */
    struct gf_journal *j;
    int connects; /* recovery's calls of connect_b */
};

/* The fixture of a test with the source SRC (with vmctl's context) and the target DST. */
static struct push_fx *open_fx(const char *src, const char *dst)
{
    struct push_fx *p = calloc(1, sizeof(*p));

    assert_non_null(p);
    p->a = vm_open(src);
    assert_non_null(p->b = virConnectOpen(dst));
    snprintf(p->state, sizeof(p->state), "/tmp/gf-test-push-XXXXXX");
    assert_non_null(mkdtemp(p->state));
    assert_non_null(p->j = gf_journal_open(p->state));
    return p;
}

/* Source A, target B. */
static int setup(void **state)
{
    *state = open_fx(uri_a, uri_b);
    return 0;
}

static int teardown(void **state)
{
    struct push_fx *p = *state;
    char cmd[128];

    gf_journal_close(p->j);
    virConnectClose(p->b);
    vm_close(p->a);
    unsetenv("GOLDFARM_FAULT");
    snprintf(cmd, sizeof(cmd), "%s/journal", p->state);
    unlink(cmd);
    rmdir(p->state);
    free(p);
    return 0;
}

/* Recovery's connection callback: the target's connection for its URI. */
static virConnectPtr connect_b(void *opaque, const char *uri)
{
    struct push_fx *p = opaque;

    p->connects++;
    return strcmp(uri, uri_b) == 0 ? p->b : NULL;
}

static struct gf_push_opts opts(struct push_fx *p)
{
    return (struct gf_push_opts){.target_uri = uri_b, .journal = p->j};
}

/* Whether the target has a domain NAME / a volume at PATH. */
static int b_has_domain(struct push_fx *p, const char *name)
{
    virDomainPtr d = virDomainLookupByName(p->b, name);

    if (d)
        virDomainFree(d);
    return d != NULL;
}

static int b_has_volume(struct push_fx *p, const char *path)
{
    virStorageVolPtr v = virStorageVolLookupByPath(p->b, path);

    if (v)
        virStorageVolFree(v);
    return v != NULL;
}

/* A push of pg v1 that fails (FAULT armed, or the test driver's missing
 * stream) leaves nothing on the target, and its journal record is closed:
 * recovery has nothing to do. */
static void check_failed_push_left_nothing(struct push_fx *p, const char *fault, const char *err)
{
    struct gf_push_opts o = opts(p);
    struct gf_push_result r;
    char *before = farm_state(p->b), *after;

    if (fault)
        setenv("GOLDFARM_FAULT", fault, 1);
    assert_int_equal(gf_push(p->a->conn, "pg", 1, p->b, &o, &r), -1);
    unsetenv("GOLDFARM_FAULT");
    assert_int_equal(gf_err_class_get(), GF_ERR_OP);
    assert_err(err);
    assert_err("nothing of the push of 'pg' was kept");
    assert_false(b_has_domain(p, "pg"));
    assert_false(b_has_volume(p, NODE_B "pg.qcow2"));
    after = farm_state(p->b);
    assert_same_state(before, after, "the target after a failed push");
    free(before);
    free(after);
    assert_int_equal(gf_journal_recover(p->j, connect_b, p), 0);
    assert_int_equal(p->connects, 0); /* no operation left open */
}

static void push_fails_at_the_stream_and_leaves_nothing(void **state)
{
    /* libvirt's test driver cannot download a volume: the volume made
     * for it is deleted again */
    check_failed_push_left_nothing(*state, NULL, "not supported");
}

static void push_failing_after_the_volume_leaves_nothing(void **state)
{
    check_failed_push_left_nothing(*state, "push-volume", "injected fault at push-volume");
}

static jmp_buf crash_jmp;

static void on_crash(const char *point)
{
    (void)point;
    longjmp(crash_jmp, 1);
}

/* Run a push of pg v1 that crashes at POINT (as kill -9 would stop it):
 * the journal keeps the operation open. */
static void crash_push_at(struct push_fx *p, const char *point)
{
    struct gf_push_opts o = opts(p);
    struct gf_push_result r;
    volatile int reached = 0;

    setenv("GOLDFARM_CRASH", point, 1);
    gf_crash_set_handler(on_crash);
    LSAN_DISABLE(); /* what the crashed push held is not a leak */
    if (setjmp(crash_jmp) == 0)
        gf_push(p->a->conn, "pg", 1, p->b, &o, &r);
    else
        reached = 1;
    LSAN_ENABLE();
    gf_crash_set_handler(NULL);
    unsetenv("GOLDFARM_CRASH");
    if (!reached)
        fail_msg("the push did not reach the crash point %s: %s", point, gf_err_message());
}

static void push_crashed_after_the_volume_is_undone_by_recovery(void **state)
{
    struct push_fx *p = *state;

    crash_push_at(p, "push-volume");
    assert_true(b_has_volume(p, NODE_B "pg.qcow2")); /* made, then the crash */
    assert_false(b_has_domain(p, "pg"));
    /* the next push's recovery (vmctl image push runs it first) */
    assert_int_equal(gf_journal_recover(p->j, connect_b, p), 0);
    assert_int_equal(p->connects, 1);
    assert_false(b_has_volume(p, NODE_B "pg.qcow2"));
    assert_false(b_has_domain(p, "pg"));
}

static void recovery_keeps_a_volume_someone_else_uses(void **state)
{
    struct push_fx *p = *state;
    const char *xml = "<domain type='test'><name>squatter</name><memory>1048576</memory>"
                      "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
                      "<source file='" NODE_B "pg.qcow2'/><target dev='vda'/></disk>"
                      "</devices></domain>";
    virDomainPtr d;

    crash_push_at(p, "push-volume");
    assert_non_null(d = virDomainDefineXML(p->b, xml));
    virDomainFree(d);
    assert_int_equal(gf_journal_recover(p->j, connect_b, p), 0);
    assert_true(b_has_volume(p, NODE_B "pg.qcow2")); /* used: never deleted */
}

/* An interrupted push whose gold domain exists on the target with the
 * push's tag is finished: neither the domain nor its disk is removed.  The
 * test driver cannot reach that step, so the journal and the target are
 * made as the push makes them. */
static void recovery_finishes_a_push_whose_domain_carries_its_tag(void **state)
{
    struct push_fx *p = *state;
    char tag[GF_OP_TAG_LEN], xml[2048];
    unsigned long id;
    virStoragePoolPtr pool;
    virStorageVolPtr vol;
    virDomainPtr d;

    assert_true((id = gf_journal_begin(p->j, GF_JOP_PUSH, "pg", uri_b, NULL, 0, tag)) > 0);
    assert_int_equal(gf_journal_volume(p->j, id, NODE_B "pg.qcow2", NULL), 0);
    assert_non_null(pool = virStoragePoolLookupByName(p->b, "goldfarm"));
    assert_non_null(
        vol = virStorageVolCreateXML(pool,
                                     "<volume><name>pg.qcow2</name><capacity>1048576</capacity>"
                                     "<target><format type='qcow2'/></target></volume>",
                                     0));
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    snprintf(xml, sizeof(xml),
             "<domain type='test'><name>pg</name><memory>1048576</memory>"
             "<metadata><goldfarm:managed xmlns:goldfarm='" GF_META_NS "' role='gold' "
             "image='pg' image-version='1' op-tag='%s'/></metadata>"
             "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
             "<source file='" NODE_B "pg.qcow2'/><target dev='vda'/></disk></devices></domain>",
             tag);
    assert_int_equal(gf_journal_define(p->j, id, "6695eb01-f6a4-8304-79aa-97f2502e1b01"), 0);
    assert_non_null(d = virDomainDefineXML(p->b, xml));
    virDomainFree(d);
    assert_int_equal(gf_journal_recover(p->j, connect_b, p), 0);
    assert_true(b_has_domain(p, "pg"));
    assert_true(b_has_volume(p, NODE_B "pg.qcow2"));
}

/* gf_push refuses with GF_ERR_INPUT naming WANT, and changes nothing on
 * either side. */
static void check_refused(struct push_fx *p, virConnectPtr dst, const char *name,
                          unsigned int version, const char *pool, const char *want)
{
    struct gf_push_opts o = opts(p);
    struct gf_push_result r;
    char *a0 = farm_state(p->a->conn), *b0 = farm_state(dst), *a1, *b1;

    o.pool = pool;
    assert_int_equal(gf_push(p->a->conn, name, version, dst, &o, &r), -1);
    if (gf_err_class_get() != GF_ERR_INPUT)
        fail_msg("not refused as bad input: %s", gf_err_message());
    assert_err(want);
    a1 = farm_state(p->a->conn);
    b1 = farm_state(dst);
    assert_same_state(a0, a1, "the source after a refused push");
    assert_same_state(b0, b1, "the target after a refused push");
    free(a0);
    free(a1);
    free(b0);
    free(b1);
}

static void push_refusals_change_nothing(void **state)
{
    struct push_fx *p = *state;
    virConnectPtr c = virConnectOpen(uri_c);

    assert_non_null(c);
    /* the target has v2 under another checksum: not the same version */
    check_refused(p, p->b, "pg", 2, NULL, "already has version 2 of image 'pg' with another");
    check_refused(p, p->b, "pg", 7, NULL, "pg");
    check_refused(p, p->b, "nosuch", 0, NULL, "nosuch");
    check_refused(p, p->b, "pg", 1, "nopool", "no storage pool 'nopool'");
    check_refused(p, c, "pg", 1, NULL, "no storage pool 'goldfarm'");
    virConnectClose(c);
}

static void vmctl_push_refuses_bad_input(void **state)
{
    struct push_fx *p = *state;
    char dir[80];

    snprintf(dir, sizeof(dir), "%s", p->state);
    assert_refused(p->a, "--to URI is required", "image", "push", "pg", "--state-dir", dir);
    assert_refused(p->a, "is the source hypervisor", "image", "push", "pg", "--to", uri_a,
                   "--state-dir", dir);
    assert_refused(p->a, "'x1' is neither a VERSION nor a URI", "image", "push", "pg", "x1", "--to",
                   uri_b, "--state-dir", dir);
    assert_refused(p->a, "VERSION", "image", "push", "pg", "0", "--to", uri_b, "--state-dir", dir);
    assert_refused(p->a, "another checksum", "image", "push", "pg", "2", "--to", uri_b,
                   "--state-dir", dir);
}

/* Write policy PATH for farm "pp" of image pg on hypervisors U1 and U2
 * (U2 NULL: one), pinning PIN (0: none). */
static void write_policy(const char *path, const char *u1, const char *u2, int pin)
{
    char text[2048], hvs[1024], pinned[64] = "";
    FILE *f;

    if (u2)
        snprintf(hvs, sizeof(hvs), "{ uri = \"%s\"; }, { uri = \"%s\"; }", u1, u2);
    else
        snprintf(hvs, sizeof(hvs), "{ uri = \"%s\"; }", u1);
    if (pin)
        snprintf(pinned, sizeof(pinned), " image_version = %d;", pin);
    snprintf(text, sizeof(text),
             "farm: { name = \"pp\"; hypervisors = ( %s );\n"
             "  image = \"pg\";%s host_name = \"pp-%%03d\"; memory = \"4G\"; max_sessions = 10;\n"
             "  min_hosts = 0; max_hosts = 8; };\n"
             "schedule: { timezone = \"UTC\"; all: { days = [\"sun\", \"mon\", \"tue\", "
             "\"wed\", \"thu\", \"fri\", \"sat\"];\n"
             "  ramp_up = { start = \"07:00\"; }; peak = { start = \"09:00\"; };\n"
             "  ramp_down = { start = \"17:00\"; }; off_peak = { start = \"19:00\"; }; }; };\n",
             hvs, pinned);
    assert_non_null(f = fopen(path, "w"));
    fputs(text, f);
    fclose(f);
}

static void image_list_shows_checksums_and_mismatches(void **state)
{
    struct push_fx *p = *state;
    char path[128];

    snprintf(path, sizeof(path), "%s/pp.conf", p->state);
    write_policy(path, uri_a, uri_b, 0);
    assert_int_equal(vm(p->a, "image", "list", "--policy", path, "--json", NULL), 0);
    /* v1 only on A, no checksum; v2 on both, aaaa... against bbbb...: both differ */
    assert_out(p->a, "\"name\":\"pg\",\"version\":1,\"promoted\":true,\"domain\":\"pg\"");
    assert_out(p->a, "\"sha256\":\"\",\"checksum_mismatch\":false");
    assert_out(p->a,
               "\"sha256\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
               "\"checksum_mismatch\":true");
    assert_out(p->a,
               "\"sha256\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
               "\"checksum_mismatch\":true");
    assert_int_equal(vm(p->a, "image", "list", "--policy", path, NULL), 0);
    assert_out(p->a, "DIFFERS");
    assert_refused(p->a, "unexpected argument", "image", "list", "stray");
    unlink(path);
}

/* Retired everywhere: every node checked first, a refusal anywhere changing
 * nothing (each vmctl run opens its own test-driver state, so what a
 * success deletes is not seen afterwards: its report is). */
static void retire_everywhere_checks_every_node_first(void **state)
{
    struct push_fx *p = *state;
    char path[128];

    snprintf(path, sizeof(path), "%s/pp.conf", p->state);
    write_policy(path, uri_a, uri_b, 0);
    /* v2 is B's only version, so B's promoted one */
    assert_int_equal(
        vm(p->a, "image", "retire", "pg", "2", "--policies", p->state, "--policy", path, NULL), 2);
    assert_err("new clones use on");
    assert_err("farm-push-b.xml");
    write_policy(path, uri_a, uri_b, 2);
    assert_int_equal(vm(p->a, "image", "retire", "pg", "2", "--policies", "/nonexistent",
                        "--policy", path, NULL),
                     2);
    /* --policies (the pins of goldfarmd's policies) cannot be read: refused too */
    assert_err("/nonexistent");
    assert_int_equal(
        vm(p->a, "image", "retire", "pg", "2", "--policies", p->state, "--policy", path, NULL), 2);
    assert_err("pinned");
    write_policy(path, uri_a, uri_d, 0);
    assert_int_equal(
        vm(p->a, "image", "retire", "pg", "2", "--policies", p->state, "--policy", path, NULL), 2);
    assert_err("shared storage");
    /* the same path on both, but F's v2 is recorded as its own copy
     * (shared="no"): not shared, retired on both */
    write_policy(path, uri_a, uri_f, 0);
    assert_int_equal(
        vm(p->a, "image", "retire", "pg", "2", "--policies", p->state, "--policy", path, NULL), 0);
    assert_out(p->a, "farm-push-a.xml");
    assert_out(p->a, "retired on test://");
    if (!strstr(p->a->out, "farm-push-f.xml"))
        fail_msg("not retired on F:\n%s", p->a->out);
    write_policy(path, uri_a, NULL, 0);
    assert_int_equal(
        vm(p->a, "image", "retire", "pg", "2", "--policies", p->state, "--policy", path, NULL), 0);
    assert_out(p->a, "pg: version 2 retired on test://");
    assert_int_equal(
        vm(p->a, "image", "retire", "pg", "7", "--policies", p->state, "--policy", path, NULL), 2);
    assert_err("no hypervisor of the policies has version 7");
    unlink(path);
}

/* A push that crashed between its intent record and making the volume:
 * what is at that path now may be another's (made there since), so
 * recovery reports it and never deletes it. */
static void recovery_leaves_a_volume_only_intended(void **state)
{
    struct push_fx *p = *state;
    char tag[GF_OP_TAG_LEN];
    unsigned long id;
    virStoragePoolPtr pool;
    virStorageVolPtr vol;

    assert_true((id = gf_journal_begin(p->j, GF_JOP_PUSH, "pg", uri_b, NULL, 0, tag)) > 0);
    assert_int_equal(gf_journal_intent(p->j, id, NODE_B "pg.qcow2"), 0);
    /* someone else's volume at that path, unused, no gold disk */
    assert_non_null(pool = virStoragePoolLookupByName(p->b, "goldfarm"));
    assert_non_null(
        vol = virStorageVolCreateXML(pool,
                                     "<volume><name>pg.qcow2</name><capacity>1048576</capacity>"
                                     "<target><format type='qcow2'/></target></volume>",
                                     0));
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    assert_int_equal(gf_journal_recover(p->j, connect_b, p), 0);
    assert_int_equal(p->connects, 1);
    assert_true(b_has_volume(p, NODE_B "pg.qcow2"));
}

/* A target whose own pool is at the source pool's path and holds another
 * file at the gold disk's path: the same volume key (the path), not the
 * same storage.  Refused, nothing changed on either side, nothing
 * streamed onto that file. */
static void push_over_another_file_of_the_same_path_is_refused(void **state)
{
    struct push_fx *p = *state;
    virConnectPtr e = virConnectOpen(uri_e);

    assert_non_null(e);
    check_refused(p, e, "pg", 1, NULL, "another file of the same path, not shared storage");
    virConnectClose(e);
}

/* Define on A the gold DOMAIN (image IMAGE version VERSION, EXTRA more
 * metadata attributes) over the new volume VOL of pool goldfarm (BACKING:
 * an overlay on that file). */
static void define_gold(struct push_fx *p, const char *domain, const char *image,
                        unsigned int version, const char *extra, const char *vol,
                        const char *backing)
{
    char xml[2048], bs[512] = "";
    virStoragePoolPtr pool;
    virStorageVolPtr v;
    virDomainPtr d;

    if (backing)
        snprintf(bs, sizeof(bs),
                 "<backingStore><path>%s</path><format type='qcow2'/></backingStore>", backing);
    snprintf(xml, sizeof(xml),
             "<volume><name>%s</name><capacity>1048576</capacity>"
             "<target><format type='qcow2'/></target>%s</volume>",
             vol, bs);
    assert_non_null(pool = virStoragePoolLookupByName(p->a->conn, "goldfarm"));
    assert_non_null(v = virStorageVolCreateXML(pool, xml, 0));
    virStorageVolFree(v);
    virStoragePoolFree(pool);
    snprintf(xml, sizeof(xml),
             "<domain type='test'><name>%s</name><memory>1048576</memory>"
             "<metadata><goldfarm:managed xmlns:goldfarm='" GF_META_NS "' role='gold' "
             "image='%s' image-version='%u' %s/></metadata>"
             "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
             "<driver name='qemu' type='qcow2'/>"
             "<source file='/var/lib/goldfarm/images/%s'/><target dev='vda'/></disk></devices>"
             "</domain>",
             domain, image, version, extra, vol);
    assert_non_null(d = virDomainDefineXML(p->a->conn, xml));
    virDomainFree(d);
}

/* Whether A has a volume at PATH. */
static int a_has_volume(struct push_fx *p, const char *path)
{
    virStorageVolPtr v = virStorageVolLookupByPath(p->a->conn, path);

    if (v)
        virStorageVolFree(v);
    virResetLastError();
    return v != NULL;
}

static void push_of_a_gold_with_a_backing_file_is_refused(void **state)
{
    struct push_fx *p = *state;

    define_gold(p, "pb", "pb", 1, "promoted='1'", "pb.qcow2", "/var/lib/goldfarm/images/pg.qcow2");
    check_refused(p, p->b, "pb", 1, NULL, "has a backing file");
}

/* A gold a shared push marked (shared="yes": another hypervisor's gold
 * stands on its disk) is undefined by vmctl image retire, its disk kept;
 * the same gold unmarked has its disk deleted. */
static void retire_keeps_the_disks_of_a_gold_marked_shared(void **state)
{
    struct push_fx *p = *state;
    virDomainPtr d;

    define_gold(p, "ps", "ps", 1, "shared='yes'", "ps.qcow2", NULL);
    define_gold(p, "pu", "ps", 2, "", "pu.qcow2", NULL);
    define_gold(p, "ps-v3", "ps", 3, "promoted='1'", "ps-v3.qcow2", NULL);
    assert_int_equal(meta_of(p->a, "ps").shared, GF_SHARE_SHARED);
    assert_int_equal(meta_of(p->a, "pu").shared, GF_SHARE_UNKNOWN);
    assert_int_equal(vm(p->a, "image", "retire", "ps", "1", "--policies", p->state, NULL), 0);
    assert_out(p->a, "disk kept: shared storage");
    assert_null(d = virDomainLookupByName(p->a->conn, "ps"));
    virResetLastError();
    assert_true(a_has_volume(p, "/var/lib/goldfarm/images/ps.qcow2"));
    assert_int_equal(vm(p->a, "image", "retire", "ps", "2", "--policies", p->state, NULL), 0);
    assert_out(p->a, "gold domain and 1 disk deleted");
    assert_false(a_has_volume(p, "/var/lib/goldfarm/images/pu.qcow2"));
}

/* ---------------------------------------------------------------- shared network storage */

#define SHARED_DISK "/var/lib/goldfarm/shared/pn.qcow2"

static char logged[8192]; /* the lines gf_note and the others logged, one a line */

/* gf_log_set_sink's sink: LINE appended to LOGGED. */
static void keep_line(int level, const char *line)
{
    size_t len = strlen(logged);

    (void)level;
    snprintf(logged + len, sizeof(logged) - len, "%s\n", line);
}

/* Pool NAME of the test-driver node URI: its connection into *CONN (to close) and the pool. */
static virStoragePoolPtr pool_of(const char *uri, const char *name, virConnectPtr *conn)
{
    virStoragePoolPtr pool;

    assert_non_null(*conn = virConnectOpen(uri));
    assert_non_null(pool = virStoragePoolLookupByName(*conn, name));
    return pool;
}

/* gf_push_same_storage of pool NAME of the nodes U1 and U2: WANT (1 or 0), WHY its reason. */
static void expect_same_storage(const char *u1, const char *u2, const char *name, int want,
                                const char *why)
{
    virConnectPtr c1, c2;
    virStoragePoolPtr p1 = pool_of(u1, name, &c1), p2 = pool_of(u2, name, &c2);
    char got[1100];

    if (gf_push_same_storage(p1, p2, got, sizeof(got)) != want)
        fail_msg("pool %s of %s and of %s: same storage is not %d (%s)", name, u1, u2, want, got);
    if (strcmp(got, why) != 0)
        fail_msg("pool %s of %s and of %s: the reason is '%s', not '%s'", name, u1, u2, got, why);
    virStoragePoolFree(p1);
    virStoragePoolFree(p2);
    virConnectClose(c1);
    virConnectClose(c2);
}

static void network_pools_are_the_same_storage_by_their_source(void **state)
{
    (void)state;
    /* NFS: the same server and exported directory, whatever the pools' UUIDs */
    expect_same_storage(uri_g, uri_h, "goldfarm", 1, "netfs nfs1.example.com:/export/gold");
    /* another export of that server, mounted at the same path: not the same */
    expect_same_storage(uri_g, uri_i, "goldfarm", 0, "");
    /* RBD: the same pool name on the same monitor host */
    expect_same_storage(uri_g, uri_h, "ceph", 1, "rbd rbdgold@mon1.example.com");
    expect_same_storage(uri_g, uri_i, "ceph", 0, "");
    /* local pools at the same path are never the same by their XML (their volumes' content
     * decides: push_over_another_file_of_the_same_path_is_refused and farm-push-d.xml) */
    expect_same_storage(uri_a, uri_d, "goldfarm", 0, "");
}

/* gf_push_volume_seen on node URI of pn's disk on G: WANT, WHY its reason. */
static void expect_volume_seen(struct push_fx *p, const char *uri, int want, const char *why)
{
    virConnectPtr dst;
    virStorageVolPtr vol, seen = NULL;
    virStoragePoolPtr pool;
    char got[1100];
    int rc;

    assert_non_null(dst = virConnectOpen(uri));
    assert_non_null(vol = virStorageVolLookupByPath(p->a->conn, SHARED_DISK));
    assert_non_null(pool = virStoragePoolLookupByVolume(vol));
    rc = gf_push_volume_seen(dst, vol, pool, &seen, got, sizeof(got));
    if (rc != want || strcmp(got, why) != 0)
        fail_msg("%s sees %s as %d (%s), expected %d (%s): %s", uri, SHARED_DISK, rc, got, want,
                 why, rc < 0 ? gf_err_message() : "");
    assert_true((seen != NULL) == (want > 0));
    if (seen)
        virStorageVolFree(seen);
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    virConnectClose(dst);
}

/* Push pn v1 from G (P's source here) to node URI with the fault point push-volume armed (it
 * fails a push right after it made a target volume for the copy): -1 with an error naming
 * WANT, nothing changed on either side, no operation left open in the journal (BEGUN:
 * the error says the push was undone).  What was logged stays in LOGGED. */
static void push_pn_with_the_volume_fault(struct push_fx *p, const char *uri, const char *want,
                                          int begun)
{
    struct gf_push_opts o = {.target_uri = uri, .journal = p->j};
    struct gf_push_result r;
    virConnectPtr dst = virConnectOpen(uri);
    char *a0, *b0, *a1, *b1;

    assert_non_null(dst);
    a0 = farm_state(p->a->conn);
    b0 = farm_state(dst);
    logged[0] = '\0';
    gf_log_set_sink(keep_line);
    setenv("GOLDFARM_FAULT", "push-volume", 1);
    assert_int_equal(gf_push(p->a->conn, "pn", 1, dst, &o, &r), -1);
    unsetenv("GOLDFARM_FAULT");
    gf_log_set_sink(NULL);
    assert_int_equal(gf_err_class_get(), GF_ERR_OP);
    assert_err(want);
    if (begun)
        assert_err("nothing of the push of 'pn' was kept");
    a1 = farm_state(p->a->conn);
    b1 = farm_state(dst);
    assert_same_state(a0, a1, "the source after the push");
    assert_same_state(b0, b1, "the target after the push");
    free(a0);
    free(a1);
    free(b0);
    free(b1);
    assert_int_equal(gf_journal_recover(p->j, connect_b, p), 0);
    assert_int_equal(p->connects, 0); /* no operation left open */
    virConnectClose(dst);
}

static void push_to_the_same_nfs_export_is_shared_and_makes_nothing_there(void **state)
{
    struct push_fx *p = *state;

    expect_volume_seen(p, uri_h, 1, "netfs nfs1.example.com:/export/gold");
    /* shared: no target volume is made (the fault after making one is never reached), the
     * push reads the shared disk on both sides for its checksum before it makes anything:
     * the test driver cannot read a volume, so the push ends there, nothing begun */
    push_pn_with_the_volume_fault(p, uri_h, "compare pn vda", 0);
    /* either side's read may fail first (each stops the other) */
    assert_err("reading the volume");
    assert_err("not supported");
    if (!strstr(logged, "push pn: " SHARED_DISK " on ") ||
        !strstr(logged, "is the same storage (netfs nfs1.example.com:/export/gold): not copied"))
        fail_msg("the push did not say the disk is on shared storage:\n%s", logged);
}

/* The same export mounted at another path there (farm-push-j.xml: /mnt/gold): shared, and the
 * target's copy of the gold is on its own path (the push reads it there, and says so); a pool
 * of that export that shows no such volume (farm-push-k.xml) is refused, nothing changed. */
static void push_to_the_same_export_at_another_path_uses_its_path(void **state)
{
    struct push_fx *p = *state;
    virConnectPtr k = virConnectOpen(uri_k);

    push_pn_with_the_volume_fault(p, uri_j, "compare pn vda", 0);
    assert_err("reading the volume");
    if (!strstr(logged, "is the same storage (netfs nfs1.example.com:/export/gold; "
                        "/mnt/gold/pn.qcow2 there): not copied"))
        fail_msg("the push did not find the disk at the target's own path:\n%s", logged);
    assert_non_null(k);
    check_refused(p, k, "pn", 1, NULL, "shows no volume 'pn.qcow2' (refresh the pool there)");
    virConnectClose(k);
}

static void push_to_another_nfs_export_copies(void **state)
{
    struct push_fx *p = *state;

    expect_volume_seen(p, uri_i, 0, "");
    /* not shared: a volume is made on the target for the copy (then the fault, and it is
     * deleted again) */
    push_pn_with_the_volume_fault(p, uri_i, "injected fault at push-volume", 1);
    if (strstr(logged, "same storage"))
        fail_msg("the push took another export for shared storage:\n%s", logged);
}

/* Source G (the shared-storage nodes), target H. */
static int setup_g(void **state)
{
    *state = open_fx(uri_g, uri_h);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(push_fails_at_the_stream_and_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(push_failing_after_the_volume_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(push_crashed_after_the_volume_is_undone_by_recovery, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(recovery_keeps_a_volume_someone_else_uses, setup, teardown),
        cmocka_unit_test_setup_teardown(recovery_finishes_a_push_whose_domain_carries_its_tag,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(push_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(vmctl_push_refuses_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(image_list_shows_checksums_and_mismatches, setup, teardown),
        cmocka_unit_test_setup_teardown(retire_everywhere_checks_every_node_first, setup, teardown),
        cmocka_unit_test_setup_teardown(recovery_leaves_a_volume_only_intended, setup, teardown),
        cmocka_unit_test_setup_teardown(push_over_another_file_of_the_same_path_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(push_of_a_gold_with_a_backing_file_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(retire_keeps_the_disks_of_a_gold_marked_shared, setup,
                                        teardown),
        cmocka_unit_test(network_pools_are_the_same_storage_by_their_source),
        cmocka_unit_test_setup_teardown(
            push_to_the_same_nfs_export_is_shared_and_makes_nothing_there, setup_g, teardown),
        cmocka_unit_test_setup_teardown(push_to_the_same_export_at_another_path_uses_its_path,
                                        setup_g, teardown),
        cmocka_unit_test_setup_teardown(push_to_another_nfs_export_copies, setup_g, teardown),
    };

    if (argc < 2) {
        fprintf(stderr, "usage: %s DRIVER-DIR (tests/driver)\n", argv[0]);
        return 1;
    }
    snprintf(uri_a, sizeof(uri_a), "test://%s/farm-push-a.xml", argv[1]);
    snprintf(uri_b, sizeof(uri_b), "test://%s/farm-push-b.xml", argv[1]);
    snprintf(uri_c, sizeof(uri_c), "test://%s/farm-push-c.xml", argv[1]);
    snprintf(uri_d, sizeof(uri_d), "test://%s/farm-push-d.xml", argv[1]);
    snprintf(uri_e, sizeof(uri_e), "test://%s/farm-push-e.xml", argv[1]);
    snprintf(uri_f, sizeof(uri_f), "test://%s/farm-push-f.xml", argv[1]);
    snprintf(uri_g, sizeof(uri_g), "test://%s/farm-push-g.xml", argv[1]);
    snprintf(uri_h, sizeof(uri_h), "test://%s/farm-push-h.xml", argv[1]);
    snprintf(uri_i, sizeof(uri_i), "test://%s/farm-push-i.xml", argv[1]);
    snprintf(uri_j, sizeof(uri_j), "test://%s/farm-push-j.xml", argv[1]);
    snprintf(uri_k, sizeof(uri_k), "test://%s/farm-push-k.xml", argv[1]);
    gf_err_init();
    gf_log_set_stream(NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
