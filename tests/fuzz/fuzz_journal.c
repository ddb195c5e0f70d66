/* fuzz_journal.c - the journal reader on any bytes: recovery's split of a
 * journal file into lines (gf_journal_lines), the parser of one line
 * (gf_journal_parse), and recovery itself (gf_journal_recover) on libvirt's
 * test driver.  There, besides its own running domain "test", a shut-off
 * domain "unmanaged" without Goldfarm metadata uses the volume
 * /default-pool/used.img, and a gold image "gold" has /default-pool/gold.img:
 * nothing recovery may ever stop, remove, mark or delete.
 *
 * For every input: a refused line has one error, one line of printable
 * text; a parsed record is in range, and formatted again
 * (gf_journal_format) it parses back to the same record.  Recovery logs
 * only clean lines, leaves the test driver as it was, and afterwards the
 * journal holds only lines of the input, in their order, and every garbled
 * one of them.  A record's URI other than test:///default is an
 * unreachable hypervisor.  An input of odd size has the checksum of each of
 * its lines made right first, so that mutations get past it to the JSON and
 * its fields. */
#include "fuzz.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/log.h"
#include "model/journal.h"
#include "model/meta.h"

#define TEST_URI "test:///default"
#define USED_VOL "/default-pool/used.img"
#define GOLD_VOL "/default-pool/gold.img"

/* A test-driver domain NAME with UUID using the disk PATH. */
#define DOMAIN_XML(name, uuid, path)                                                               \
    "<domain type='test'><name>" name "</name><uuid>" uuid "</uuid><memory>65536</memory>"         \
    "<os><type>hvm</type></os><devices><disk type='file' device='disk'><source file='" path        \
    "'/><target dev='vda'/></disk></devices></domain>"

static char state_dir[64] = "/dev/shm/gf-fuzz-journal-XXXXXX";
static char journal_path[96];
static virConnectPtr conn;

/* libvirt's errors are recovery's to report: not printed. */
static void quiet(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

/* Every line recovery logs is one line of printable text (names escaped). */
static void sink(int level, const char *line)
{
    (void)level;
    FUZZ_CHECK(!strchr(line, '\n') && fuzz_clean_lines(line, ""), "a log line that is not clean");
}

/* The connection recovery gets for URI: the test driver's, or none. */
static virConnectPtr connect_uri(void *opaque, const char *uri)
{
    (void)opaque;
    return strcmp(uri, TEST_URI) == 0 ? conn : NULL;
}

/* Remove the state directory at exit. */
static void cleanup(void)
{
    unlink(journal_path);
    rmdir(state_dir);
}

/* Add the volume NAME to the test driver's pool; abort when it cannot. */
static void add_volume(virStoragePoolPtr pool, const char *name)
{
    char xml[256];
    virStorageVolPtr vol;

    snprintf(xml, sizeof(xml), "<volume><name>%s</name><capacity>1048576</capacity></volume>",
             name);
    FUZZ_CHECK((vol = virStorageVolCreateXML(pool, xml, 0)), "cannot add a volume");
    virStorageVolFree(vol);
}

/* Define the shut-off domains "unmanaged" (no metadata) and "gold" (a gold
 * image, its metadata as Goldfarm writes it) with their volumes. */
static void add_domains(void)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, "default-pool");
    struct gf_meta m;
    virDomainPtr dom;

    FUZZ_CHECK(pool, "the test driver has no default-pool");
    add_volume(pool, "used.img");
    add_volume(pool, "gold.img");
    virStoragePoolFree(pool);
    FUZZ_CHECK(
        (dom = virDomainDefineXML(
             conn, DOMAIN_XML("unmanaged", "11111111-2222-3333-4444-555555555555", USED_VOL))),
        "cannot define the domain without metadata");
    virDomainFree(dom);
    FUZZ_CHECK((dom = virDomainDefineXML(
                    conn, DOMAIN_XML("gold", "66666666-7777-8888-9999-000000000000", GOLD_VOL))),
               "cannot define the gold domain");
    memset(&m, 0, sizeof(m));
    m.role = GF_ROLE_GOLD;
    m.state = GF_HS_NONE;
    m.image_version = 1;
    snprintf(m.image, sizeof(m.image), "gold");
    FUZZ_CHECK(gf_meta_set(dom, &m) == 0, "cannot mark the gold domain");
    virDomainFree(dom);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gf_err_init();
    virSetErrorFunc(NULL, quiet);
    gf_log_set_sink(sink);
    if (!mkdtemp(state_dir) || !(conn = virConnectOpen(TEST_URI))) {
        fprintf(stderr, "fuzz_journal: cannot set up %s or %s\n", state_dir, TEST_URI);
        abort();
    }
    snprintf(journal_path, sizeof(journal_path), "%s/journal", state_dir);
    atexit(cleanup);
    add_domains();
    return 0;
}

/* Whether DOM (looked up by NAME) exists, is ACTIVE (1) or not (0), and is
 * a gold image (GOLD) or carries no Goldfarm metadata. */
static int intact(const char *name, int active, int gold)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    struct gf_meta m;
    int ok = dom && virDomainIsActive(dom) == active && gf_meta_get(dom, &m) == gold &&
             (!gold || m.role == GF_ROLE_GOLD);

    if (dom)
        virDomainFree(dom);
    virResetLastError();
    return ok;
}

/* Whether the volume PATH exists. */
static int has_volume(const char *path)
{
    virStorageVolPtr vol = virStorageVolLookupByPath(conn, path);

    if (vol)
        virStorageVolFree(vol);
    virResetLastError();
    return vol != NULL;
}

/* Whether LINE is a journal record: if so it is in range and formats back
 * to itself; if not, the error is one clean line. */
static int check_line(const char *line)
{
    struct gf_jrec r, back;
    char *again;
    size_t len;

    gf_err_clear();
    if (gf_journal_parse(line, &r) < 0) {
        FUZZ_CHECK(*gf_err_message(), "refused without an error");
        FUZZ_CHECK(!strchr(gf_err_message(), '\n'), "an error of more than one line");
        FUZZ_CHECK(fuzz_clean_lines(gf_err_message(), "journal record"), "an unclean error");
        return 0;
    }
    FUZZ_CHECK(r.kind >= GF_JREC_BEGIN && r.kind <= GF_JREC_END && r.id > 0, "kind or id");
    FUZZ_CHECK(r.op >= GF_JOP_UNKNOWN && r.op <= GF_JOP_PUSH, "op out of range");
    FUZZ_CHECK(r.kind != GF_JREC_BEGIN || strlen(r.tag) == GF_OP_TAG_LEN - 1, "a begin's tag");
    FUZZ_CHECK(r.kind != GF_JREC_VOLUME || r.path[0] == '/', "a volume path not absolute");
    FUZZ_CHECK((again = gf_journal_format(&r)), "a parsed record does not format");
    len = strlen(again);
    FUZZ_CHECK(len > 0 && again[len - 1] == '\n', "a formatted line without its newline");
    again[len - 1] = '\0';
    FUZZ_CHECK(gf_journal_parse(again, &back) == 0, "a formatted record does not parse");
    if (r.op == GF_JOP_UNKNOWN) /* written under its own name only when it is known */
        memcpy(back.opword, r.opword, sizeof(back.opword));
    FUZZ_CHECK(memcmp(&r, &back, sizeof(r)) == 0, "a record reads back different");
    free(again);
    return 1;
}

/* LINES (N) with their strings, freed. */
static void free_lines(char **lines, int n)
{
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* Recovery on DATA (SIZE bytes) as the journal, with INPUT (N lines, GARBLED of them not
 * records) what it was read as: check what it leaves. */
static void check_recovery(const char *data, size_t size, char **input, int n, int garbled)
{
    char *text = NULL, **after = NULL;
    struct gf_journal *j;
    int fd, nafter = 0, left, k = 0, still = 0;
    ssize_t w;
    struct stat st;

    fd = open(journal_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot write the journal");
    w = size ? write(fd, data, size) : 0;
    FUZZ_CHECK(w == (ssize_t)size && close(fd) == 0, "cannot write the journal");
    FUZZ_CHECK((j = gf_journal_open(state_dir)), "cannot open the journal");
    left = gf_journal_recover(j, connect_uri, NULL);
    FUZZ_CHECK(left >= garbled, "recovery left fewer lines than were garbled");
    gf_journal_close(j);

    /* what is left: lines of the input, in order, the garbled ones all there */
    FUZZ_CHECK(stat(journal_path, &st) == 0 && (st.st_mode & 0777) == 0600, "journal mode");
    FUZZ_CHECK((text = malloc((size_t)st.st_size + 1)), "out of memory");
    fd = open(journal_path, O_RDONLY | O_CLOEXEC);
    FUZZ_CHECK(fd >= 0 && read(fd, text, (size_t)st.st_size) == st.st_size, "read back");
    close(fd);
    FUZZ_CHECK(gf_journal_lines(text, (size_t)st.st_size, &after, &nafter) == 0, "split back");
    for (int i = 0; i < nafter; i++) {
        while (k < n && strcmp(input[k], after[i]) != 0)
            k++;
        FUZZ_CHECK(k < n, "recovery left a line that was not in the journal, or moved one");
        k++;
        gf_err_clear();
        still += gf_journal_parse(after[i], &(struct gf_jrec){0}) < 0;
    }
    FUZZ_CHECK(still == garbled, "recovery dropped a garbled line");
    free_lines(after, nafter);
    free(text);

    /* the test driver as it was */
    FUZZ_CHECK(virConnectNumOfDomains(conn) == 1 && virConnectNumOfDefinedDomains(conn) == 2,
               "recovery changed the test driver's domains");
    FUZZ_CHECK(intact("test", 1, 0), "recovery stopped, removed or marked the domain test");
    FUZZ_CHECK(intact("unmanaged", 0, 0), "recovery started, removed or marked 'unmanaged'");
    FUZZ_CHECK(intact("gold", 0, 1), "recovery started, removed or changed the gold image");
    FUZZ_CHECK(has_volume(USED_VOL), "recovery deleted a volume a domain uses");
    FUZZ_CHECK(has_volume(GOLD_VOL), "recovery deleted a gold disk");
}

/* Give each line of TEXT (SIZE bytes, NUL-terminated; its NUL bytes made
 * '?' first, as the reader does) of at least 17 bytes the checksum of what
 * follows its 17th byte, as journal.c computes it. */
static void fix_checksums(char *text, size_t size)
{
    size_t start = 0;

    for (size_t i = 0; i < size; i++)
        if (!text[i])
            text[i] = '?';
    while (start < size) {
        size_t end = start;
        while (end < size && text[end] != '\n')
            end++;
        if (end - start >= 17) {
            char saved = text[end], *sum;
            text[end] = '\0';
            sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text + start + 17, -1);
            FUZZ_CHECK(sum, "out of memory");
            memcpy(text + start, sum, 16);
            text[start + 16] = ' ';
            g_free(sum);
            text[end] = saved;
        }
        start = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *raw = malloc(size + 1), *text = malloc(size + 1), **lines = NULL;
    int n = 0, garbled = 0;

    FUZZ_CHECK(raw && text, "out of memory");
    memcpy(raw, data, size);
    raw[size] = '\0';
    if (size % 2)
        fix_checksums(raw, size);
    memcpy(text, raw, size + 1);
    FUZZ_CHECK(gf_journal_lines(text, size, &lines, &n) == 0, "the split failed");
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(!strchr(lines[i], '\n') && lines[i][0], "a line of the split");
        garbled += !check_line(lines[i]);
    }
    check_recovery(raw, size, lines, n, garbled);
    free_lines(lines, n);
    free(text);
    free(raw);
    return 0;
}
