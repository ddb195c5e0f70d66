/* fuzz_domxml.c - the clone XML derivation (gf_domxml_derive_clone) on any
 * gold domain XML.
 *
 * For every input: a refusal has one error, one line of printable text; a
 * clone's XML is well-formed, named as asked, with the gold's cloned disks
 * pointing at the new volumes and exactly one Goldfarm metadata element,
 * which reads back as the one asked for. */
#include "fuzz.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/error.h"
#include "model/domxml.h"
#include "model/meta.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gf_err_init();
    xmlInitParser();
    return 0;
}

/* The first child element of NODE named NAME without a namespace. */
static xmlNodePtr child(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node ? node->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !c->ns && xmlStrEqual(c->name, BAD_CAST name))
            return c;
    return NULL;
}

/* The clone's XML OUT is what SPEC asked for. */
static void check_clone(const char *out, const struct gf_clone_spec *spec)
{
    xmlDocPtr doc = xmlReadMemory(out, (int)strlen(out), "clone.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr root, md, name;
    xmlChar *text;
    struct gf_meta back;
    int managed = 0;

    FUZZ_CHECK(doc && (root = xmlDocGetRootElement(doc)), "the clone's XML is not XML");
    FUZZ_CHECK((name = child(root, "name")), "the clone has no name");
    text = xmlNodeGetContent(name);
    FUZZ_CHECK(text && strcmp((const char *)text, spec->name) == 0, "the clone's name");
    xmlFree(text);
    FUZZ_CHECK((md = child(root, "metadata")), "the clone has no metadata");
    for (xmlNodePtr c = md->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !c->ns || !xmlStrEqual(c->ns->href, BAD_CAST GF_META_NS))
            continue;
        managed++;
        FUZZ_CHECK(gf_meta_from_node(c, &back) == 0, "the clone's metadata does not read back");
        FUZZ_CHECK(memcmp(&back, spec->meta, sizeof(back)) == 0, "the clone's metadata differs");
    }
    FUZZ_CHECK(managed == 1, "not exactly one Goldfarm element");
    xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = fuzz_text(data, size), *out;
    struct gf_disk *disks = NULL;
    struct gf_meta meta;
    struct gf_clone_spec spec = {
        .name = "rds-001", .vcpus = size % 2 ? 4 : 0, .memory_kib = size % 3 ? 0 : 4194304};
    size_t n = 0;

    memset(&meta, 0, sizeof(meta));
    meta.role = GF_ROLE_HOST;
    meta.image_version = 3;
    meta.created = 1795000000;
    snprintf(meta.farm, sizeof(meta.farm), "rds");
    snprintf(meta.image, sizeof(meta.image), "rds-gold");
    meta.state = GF_HS_ACTIVE;
    spec.meta = &meta;
    /* a new volume for each disk the gold has, as the clone code makes them */
    if (gf_domxml_disks(xml, &disks, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            snprintf(disks[i].path, sizeof(disks[i].path), "/pool/rds-001-%zu.qcow2", i);
            snprintf(disks[i].format, sizeof(disks[i].format), "qcow2");
        }
        spec.disks = disks;
        spec.ndisks = n;
    } else {
        FUZZ_CHECK(fuzz_clean_lines(gf_err_message(), ""), "a disk error that is not clean");
    }
    gf_err_clear();
    if ((out = gf_domxml_derive_clone(xml, &spec))) {
        check_clone(out, &spec);
        free(out);
    } else {
        FUZZ_CHECK(*gf_err_message(), "no clone and no error");
        FUZZ_CHECK(fuzz_clean_lines(gf_err_message(), ""), "an error that is not clean");
        FUZZ_CHECK(!strchr(gf_err_message(), '\n'), "an error of more than one line");
    }
    free(disks);
    free(xml);
    return 0;
}
